#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Telemetry: /linerate/stats and /linerate/workers answer dpdk-telemetry.py
# with the documented structure, and counters move with traffic.
. "$(dirname "$0")/lib.sh" "$@"
lr_require_tools ping

lr_start
lr_ns ping -c 3 -i 0.2 -W 2 "$LR_ADDR" >/dev/null || lr_fail "ping failed"

stats=$(lr_telemetry /linerate/stats) || exit 1
workers=$(lr_telemetry /linerate/workers) || exit 1
list=$(lr_telemetry /) || exit 1
printf '%s\n' "$stats" | head -c 600
echo
printf '%s\n' "$workers"

"$LR_PY" - "$stats" "$workers" "$list" <<'PY' || lr_fail "telemetry content"
import json, sys
stats, workers, cmds = (json.loads(a) for a in sys.argv[1:4])
# Built-in commands, and module commands registered through the module list.
for c in ("/linerate/stats", "/linerate/workers", "/linerate/tcp", "/linerate/udp"):
    assert c in cmds, "%s not listed by /" % c
for g in ("port0", "eth", "arp", "ip", "icmp", "tcp", "udp", "fault", "worker", "drops", "modules"):
    assert g in stats, "group %s missing from /linerate/stats" % g
for n in ("rx_pkts", "rx_bytes", "tx_pkts", "tx_bytes", "drops"):
    assert n in stats["ip"], "ip.%s missing" % n
for n in ("eth_runt", "ip_bad_checksum", "icmp_bad_checksum", "arp_malformed", "tcp_bad_checksum"):
    assert n in stats["drops"], "drop reason %s missing" % n
assert stats["icmp"]["echo_requests"] >= 3, stats["icmp"]
assert stats["port0"]["rx_pkts"] >= 3 and stats["port0"]["tx_pkts"] >= 3, stats["port0"]
assert stats["workers"] == 1 and stats["ports"] == 1
assert sum(stats["drops"].values()) == stats["drops_total"]
assert list(workers.keys()) == ["0"], workers
w = workers["0"]
for n in ("lcore", "rx_pkts", "tx_pkts", "conns_active", "conns_total", "requests",
          "handed_over", "busy_cycles"):
    assert n in w, "workers.0.%s missing" % n
assert w["lcore"] == 1, w
assert w["rx_pkts"] >= 3 and w["loops"] > 0, w
# The mbuf pool gauge (the soak run checks it returns to baseline): the RX
# ring's share is in use, never more than the pool.
assert 0 < w["mbufs_in_use"] < w["mbufs_total"], w
assert w["timer_errors"] == 0, w
print("telemetry content ok")
PY

before=$(lr_counter icmp echo_requests) || exit 1
lr_ns ping -c 2 -i 0.2 -W 2 "$LR_ADDR" >/dev/null || lr_fail "second ping failed"
after=$(lr_counter icmp echo_requests) || exit 1
lr_assert_eq "$((after - before))" 2 "echo_requests delta"

# The stats line is printed every second.
sleep 1.2
lr_wait_log '^stats: t=[0-9]*s rx=[0-9]*pps/[0-9.]*Mbps tx=' "stats line"

lr_stop
lr_pass
