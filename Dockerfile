# SPDX-License-Identifier: BSD-3-Clause
# linerate in a container.
#   docker build -t linerate .
#   docker run --rm -it --cap-add NET_ADMIN --device /dev/net/tun linerate
# The default command runs the default appliance (config/default.conf) on a
# net_tap interface "lr0" inside the container; pass your own EAL options and
# config to use virtio-user, memif or a real NIC (see README.md).

# --- build stage -----------------------------------------------------------
FROM debian:bookworm AS build
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update -q \
    && apt-get install -y -q --no-install-recommends \
        ca-certificates gcc g++ pkg-config meson ninja-build \
        libdpdk-dev libnuma-dev libcrypt-dev libcmocka-dev libbenchmark-dev libdw-dev libssl-dev \
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
# dpdk brings the librte-* runtime libraries and, through its recommends, the
# PMD plugins (net_tap, virtio-user, memif, PCI drivers); dpdk-dev brings
# dpdk-telemetry.py and dpdk-dumpcap.
RUN apt-get update -q \
    && apt-get install -y -q dpdk dpdk-dev libnuma1 libcrypt1 libdw1 python3 iproute2 iputils-ping \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/build/app/linerate/linerate /usr/bin/linerate
# The HTTP/FTP root defaults to "www" next to the configuration file.
COPY --from=build /src/config/default.conf /etc/linerate/linerate.conf
COPY --from=build /src/config/www /etc/linerate/www
COPY README.md /usr/share/doc/linerate/README.md
ENTRYPOINT ["/usr/bin/linerate"]
CMD ["-l", "0-1", "--no-huge", "-m", "1024", "--no-pci", "--file-prefix", "linerate", \
     "--vdev=net_tap0,iface=lr0", "--", "-c", "/etc/linerate/linerate.conf"]
