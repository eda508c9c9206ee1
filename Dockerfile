# SPDX-License-Identifier: BSD-3-Clause
# linerate in a container (README.md, "Running in a container"):
#   docker build -t linerate .       (podman: podman build --format docker -t linerate .)
#   docker run -d --name lr --cap-add NET_ADMIN --device /dev/net/tun --network none linerate
# The default command runs the default appliance (config/default.conf) on a
# net_tap interface "lr0" inside the container; pass your own EAL options and
# config to use virtio-user, memif or a real NIC (see README.md).
# tests/integration/container.sh builds and runs this image;
# tests/integration/dockerfile.sh checks it statically.

# --- build stage -----------------------------------------------------------
FROM debian:bookworm AS build
ENV DEBIAN_FRONTEND=noninteractive
# dpdk-dev only for the two tools copied into the runtime stage
# (dpdk-telemetry.py, dpdk-dumpcap).
RUN apt-get update -q \
    && apt-get install -y -q --no-install-recommends \
        ca-certificates gcc g++ pkg-config meson ninja-build \
        libdpdk-dev dpdk-dev libnuma-dev libcrypt-dev libcmocka-dev libbenchmark-dev libdw-dev libssl-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . /src
# -Ddebug=true keeps the symbols the crash report resolves (not stripped);
# the test-only hooks are left out of the shipped binary.
RUN meson setup build --buildtype=release -Ddebug=true -Dtest_hooks=false \
    && ninja -C build app/linerate/linerate

# --- runtime stage ---------------------------------------------------------
FROM debian:bookworm-slim
ENV DEBIAN_FRONTEND=noninteractive
# Only what runs: the librte libraries the binary links (ldd) and the ones
# dpdk-dumpcap links (the same set), the mempool driver (ring), the buses
# (vdev; pci for real NICs) and these PMD plugins, which EAL loads from
# /usr/lib/x86_64-linux-gnu/dpdk/pmds-23.0: net_tap, virtio(-user), memif,
# vhost, ring, null, af_packet, pcap and the common Intel NICs (e1000, ixgbe,
# i40e, ice). Another NIC: add its librte-net-* package here. libdw1 for the
# crash report, libssl3 for the TLS layer, python3 for dpdk-telemetry.py and
# the health check.
RUN apt-get update -q \
    && apt-get install -y -q --no-install-recommends \
        librte-eal23 librte-ethdev23 librte-mbuf23 librte-mempool23 librte-ring23 \
        librte-net23 librte-hash23 librte-ip-frag23 librte-kvargs23 librte-meter23 \
        librte-rcu23 librte-telemetry23 librte-cfgfile23 librte-bpf23 librte-pcapng23 \
        librte-pdump23 librte-mempool-ring23 librte-bus-vdev23 librte-bus-pci23 \
        librte-net-tap23 librte-net-virtio23 librte-net-memif23 librte-net-vhost23 \
        librte-net-ring23 librte-net-null23 librte-net-af-packet23 librte-net-pcap23 \
        librte-net-e1000-23 librte-net-ixgbe23 librte-net-i40e23 librte-net-ice23 \
        libnuma1 libcrypt1 libdw1 libssl3 libpcap0.8 python3 libcap2-bin \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/build/app/linerate/linerate /usr/bin/linerate
COPY --from=build /usr/bin/dpdk-dumpcap /usr/bin/dpdk-telemetry.py /usr/bin/
COPY tools/lr-healthcheck /usr/bin/lr-healthcheck
# The HTTP/FTP root defaults to "www" next to the configuration file.
COPY --from=build /src/config/default.conf /etc/linerate/linerate.conf
COPY --from=build /src/config/www /etc/linerate/www
COPY README.md /usr/share/doc/linerate/README.md
# Not root: net_tap needs CAP_NET_ADMIN (TUNSETIFF) and /dev/net/tun; the
# binary gets that one capability as a file capability, which works when
# the container is given it (--cap-add NET_ADMIN). EAL's runtime directory
# is then /tmp/dpdk/PREFIX. Real NICs (vfio-pci) and hugepages need more:
# run those as root (--user root) with the devices they need.
RUN setcap cap_net_admin+ep /usr/bin/linerate \
    && apt-get purge -y -q libcap2-bin && apt-get autoremove -y -q \
    && useradd --system --no-create-home --shell /usr/sbin/nologin linerate
USER linerate
# Every worker must be looping (telemetry /linerate/workers, twice).
HEALTHCHECK --interval=30s --timeout=10s --start-period=20s --retries=3 \
    CMD ["/usr/bin/lr-healthcheck", "-f", "linerate"]
ENTRYPOINT ["/usr/bin/linerate"]
CMD ["-l", "0-1", "--no-huge", "-m", "1024", "--no-pci", "--file-prefix", "linerate", \
     "--vdev=net_tap0,iface=lr0", "--", "-c", "/etc/linerate/linerate.conf"]
