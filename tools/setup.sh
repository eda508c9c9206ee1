#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Install every Debian package linerate needs to build, test and demo.
# Idempotent and non-interactive; works as root on a fresh Debian 12
# (bookworm) minbase, or through sudo for a normal user.
#   tools/setup.sh            install (skips apt when everything is present)
#   LR_SETUP_FORCE=1 ...      run apt-get even when nothing seems missing
set -euo pipefail

PACKAGES=(
    # DPDK 22.11 and the build
    dpdk dpdk-dev libdpdk-dev libnuma-dev meson ninja-build pkg-config gcc g++ clang
    clang-format libcrypt-dev git ca-certificates
    # TLS layer (lib/tls): OpenSSL 3.0
    libssl-dev
    # crash report symboliser (lib/platform/lr_crash.c)
    libdw-dev
    # fuzz targets (tests/fuzz/run.sh): libFuzzer and ASan runtimes of clang 14
    libclang-rt-14-dev
    # tests
    libcmocka-dev libbenchmark-dev python3 python3-scapy python3-prometheus-client jq
    # real peers for integration tests and the demo
    curl wget lftp apache2-utils wrk tftp-hpa atftp iproute2 iputils-ping arping hping3
    tshark nginx vsftpd netcat-openbsd nftables procps kmod
    # bench/run.sh: the chart; openssl: tools/lr-ftp-passwd; bench/client.sh: h2load
    python3-matplotlib openssl nghttp2-client
    # tests/integration/container.sh: build and run the image without a
    # registry (debootstrap makes the base image); systemd_unit.sh:
    # systemd-analyze verify of config/linerate.service
    podman runc containernetworking-plugins debootstrap systemd
)

if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
else
    echo "setup.sh: run as root (no sudo available)" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive

missing=()
for p in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done

if [ "${#missing[@]}" -gt 0 ] || [ "${LR_SETUP_FORCE:-0}" = 1 ]; then
    echo "setup.sh: installing: ${missing[*]:-(forced)}"
    # tshark asks whether non-root users may capture: answer no, silently.
    echo "wireshark-common wireshark-common/install-setuid boolean false" |
        "${SUDO[@]}" debconf-set-selections
    "${SUDO[@]}" apt-get update -q
    "${SUDO[@]}" apt-get install -y -q --no-install-recommends \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${PACKAGES[@]}"
    # The package scripts of nginx/vsftpd start daemons where an init system
    # runs; the tests start their own instances in namespaces instead.
else
    echo "setup.sh: all ${#PACKAGES[@]} packages present"
fi

# net_tap needs the tun driver and /dev/net/tun (containers may lack both
# the module tools and the node; the driver is often built in).
if command -v modprobe >/dev/null 2>&1; then
    "${SUDO[@]}" modprobe tun 2>/dev/null || true
fi
if [ ! -c /dev/net/tun ]; then
    "${SUDO[@]}" mkdir -p /dev/net
    "${SUDO[@]}" mknod /dev/net/tun c 10 200 2>/dev/null || true
    "${SUDO[@]}" chmod 0666 /dev/net/tun 2>/dev/null || true
fi
if [ -c /dev/net/tun ]; then
    echo "setup.sh: /dev/net/tun present"
else
    echo "setup.sh: warning: /dev/net/tun is missing; net_tap tests will be skipped" >&2
fi
