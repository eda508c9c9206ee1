# SPDX-License-Identifier: BSD-3-Clause
# Helpers for scripts that run linerate in a network namespace on net_tap.
# Source it, set LRN_NS, LRN_IF, LRN_PREFIX, LRN_LOG, then:
#   lrn_start BINARY CONFIG [EAL args...]   start linerate in $LRN_NS (sets LRN_PID)
#   lrn_wait_ready SECONDS                  wait for "linerate: ready"
#   lrn_peer_up ADDR/LEN                    address and raise the kernel side
#   lrn_cleanup                             stop linerate, delete the namespace
# Addresses must come from 198.18.0.0/15 (RFC 2544 benchmarking space).

LRN_PID=

lrn_start()
{
    local bin=$1 conf=$2
    shift 2
    ip netns add "$LRN_NS" || return 1
    ip netns exec "$LRN_NS" ip link set lo up
    ip netns exec "$LRN_NS" "$bin" --no-pci --file-prefix "$LRN_PREFIX" \
        --vdev="net_tap0,iface=$LRN_IF" "$@" -- -c "$conf" </dev/null >"$LRN_LOG" 2>&1 &
    LRN_PID=$!
}

lrn_wait_ready()
{
    local limit=$(($1 * 10)) i=0
    while ! grep -q '^linerate: ready$' "$LRN_LOG" 2>/dev/null; do
        kill -0 "$LRN_PID" 2>/dev/null || return 1
        [ "$i" -lt "$limit" ] || return 1
        sleep 0.1
        i=$((i + 1))
    done
}

lrn_peer_up()
{
    ip netns exec "$LRN_NS" sysctl -qw "net.ipv6.conf.$LRN_IF.disable_ipv6=1" 2>/dev/null
    ip netns exec "$LRN_NS" ip addr add "$1" dev "$LRN_IF" &&
        ip netns exec "$LRN_NS" ip link set "$LRN_IF" up
}

# Stop linerate (SIGTERM, then SIGKILL after 10 s); returns its exit status.
lrn_stop()
{
    local st=0
    [ -n "$LRN_PID" ] || return 0
    kill -TERM "$LRN_PID" 2>/dev/null
    for _ in $(seq 100); do
        kill -0 "$LRN_PID" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$LRN_PID" 2>/dev/null && st=137
    wait "$LRN_PID" 2>/dev/null || st=$?
    LRN_PID=
    return "$st"
}

lrn_cleanup()
{
    lrn_stop || true
    ip netns del "$LRN_NS" 2>/dev/null || true
    rm -rf "/var/run/dpdk/$LRN_PREFIX" 2>/dev/null || true
}
