#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Worker scaling: the same HTTP keep-alive load (wrk from the kernel side of
# a net_tap, inside a network namespace) against linerate with one worker
# and then with two (one tap queue per worker; the kernel spreads flows over
# the queues and linerate hands misplaced packets to their owner). Prints one
# line per run with wrk's requests/s and, per worker, the connections, the
# requests served, the handovers and the worker's cost per request
# (busy_cycles / requests: TSC cycles of its loop iterations that received
# or sent); then the ratio of the two runs' requests/s and of their cycles
# per request (a shared cache line written by two workers would show as a
# higher cost with two). Record measured numbers in bench/RESULTS.md by
# hand, with the machine's load.
#
#   sudo bench/run-workers.sh BUILD_DIR        (BENCH_SECONDS default 10,
#                                               BENCH_CONNS default 64)
#
# CPUs: one worker: main lcore and worker on CPU 0; two workers: main lcore
# and worker 0 on CPU 0, worker 1 on CPU 1; wrk (one thread) runs where the
# kernel schedules it. On a 2-CPU machine wrk and the kernel's TCP compete
# with the second worker, so this shows whether a second worker helps, not
# its full gain. Addresses in 198.18.0.0/15 only, namespace removed on exit.
set -u
build=${1:?usage: $0 BUILD_DIR}
bin="$build/app/linerate/linerate"
[ -x "$bin" ] || { echo "no $bin" >&2; exit 1; }
command -v wrk >/dev/null || { echo "wrk is not installed" >&2; exit 1; }
secs=${BENCH_SECONDS:-10}
conns=${BENCH_CONNS:-64}
tmp=$(mktemp -d /tmp/lr-bench-workers.XXXXXX)
ns="lrb-$$-workers"
ifname="lrb$$w"
prefix="lrb-$$-workers"
pid=
cleanup()
{
    if [ -n "$pid" ]; then
        kill -TERM "$pid" 2>/dev/null
        for _ in $(seq 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    fi
    ip netns del "$ns" 2>/dev/null
    rm -rf "$tmp" "/var/run/dpdk/$prefix"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

mkdir -p "$tmp/site"
head -c 64 /dev/zero | tr '\0' 'a' >"$tmp/site/small.txt"
cat >"$tmp/linerate.conf" <<CONF
[port0]
addr = 198.18.0.2/24
[worker]
mbufs = 16384
[ftp]
enabled = no
[http]
root = $tmp/site
[stats]
interval = 0
CONF
ip netns add "$ns" || exit 1
ip netns exec "$ns" ip link set lo up

# $1 = --lcores
run()
{
    local lcores=$1
    : >"$tmp/linerate.log"
    ip netns exec "$ns" "$bin" --no-pci --no-huge -m 512 --file-prefix "$prefix" --lcores "$lcores" \
        --vdev="net_tap0,iface=$ifname" --log-level=lib.eal:error -- -c "$tmp/linerate.conf" \
        </dev/null >"$tmp/linerate.log" 2>&1 &
    pid=$!
    local waited=0
    until grep -q '^linerate: ready$' "$tmp/linerate.log"; do
        kill -0 "$pid" 2>/dev/null || { cat "$tmp/linerate.log"; exit 1; }
        [ "$waited" -lt 300 ] || { echo "linerate not ready" >&2; exit 1; }
        sleep 0.1
        waited=$((waited + 1))
    done
    ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$ifname.disable_ipv6=1"
    ip netns exec "$ns" ip addr add 198.18.0.1/24 dev "$ifname"
    ip netns exec "$ns" ip link set "$ifname" up
    sleep 1
    local out
    out=$(ip netns exec "$ns" timeout $((secs + 30)) wrk -t1 -c"$conns" -d"${secs}s" \
        http://198.18.0.2/small.txt 2>&1) || { echo "$out"; exit 1; }
    local rps
    rps=$(printf '%s\n' "$out" | sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p')
    local non2xx
    non2xx=$(printf '%s\n' "$out" | sed -n 's/^ *Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p')
    local workers
    workers=$(echo /linerate/workers | timeout 10 /usr/bin/python3 /usr/bin/dpdk-telemetry.py -f "$prefix" 2>&1 |
        grep '^{' | tail -n 1)
    kill -TERM "$pid"
    wait "$pid"
    pid=
    /usr/bin/python3 - "$workers" "$lcores" "$rps" "${non2xx:-0}" "$tmp/runs" <<'PY'
import json, sys
w = json.loads(sys.argv[1])["/linerate/workers"]
def cpr(v):
    return v["busy_cycles"] / v["requests"] if v["requests"] else 0.0
per = ", ".join("w%s conns=%d requests=%d cycles/request=%.0f handed_over=%d handed_in=%d" % (
    k, v["conns_total"], v["requests"], cpr(v), v["handed_over"], v["handed_in"])
    for k, v in sorted(w.items()))
reqs = sum(v["requests"] for v in w.values())
cyc = sum(v["busy_cycles"] for v in w.values())
print("--lcores %-12s workers=%d  requests/s=%s  non-2xx=%s  cycles/request=%.0f  [%s]" % (
    sys.argv[2], len(w), sys.argv[3], sys.argv[4], cyc / reqs if reqs else 0.0, per))
with open(sys.argv[5], "a") as f:
    f.write("%d %s %f\n" % (len(w), sys.argv[3], cyc / reqs if reqs else 0.0))
PY
}

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
run "0@0,1@0"
run "0@0,1@0,2@1"
/usr/bin/python3 - "$tmp/runs" <<'PY'
import sys
runs = [l.split() for l in open(sys.argv[1])]
(n1, r1, c1), (n2, r2, c2) = [(int(a), float(b), float(c)) for a, b, c in runs]
print("%d -> %d workers: requests/s x %.2f, cycles/request x %.2f" % (
    n1, n2, r2 / r1 if r1 else 0, c2 / c1 if c1 else 0))
PY
