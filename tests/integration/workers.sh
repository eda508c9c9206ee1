#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Two workers (lcores 1 and 2 sharing CPU 1): one RX/TX queue pair each on
# the tap, both loops running, inter-worker rings set up, traffic answered
# whichever queue it lands on, telemetry per worker, clean stop.
. "$(dirname "$0")/lib.sh" "$@"
lr_require_tools ping
[ "$(nproc)" -ge 2 ] || lr_skip "needs two CPUs"

LR_LCORES=(--lcores "0@0,(1-2)@1")
lr_start
lr_assert_log '^linerate: 2 worker(s), 1 port(s)$' "two workers"
lr_assert_log 'port 0: 2 queue(s)' "one queue pair per worker"

out=$(lr_ns ping -c 20 -i 0.05 -W 2 "$LR_ADDR" 2>&1) || lr_fail "ping with two workers: $out"
echo "$out" | grep -q ' 0% packet loss' || lr_fail "loss with two workers: $out"

workers=$(lr_telemetry /linerate/workers) || exit 1
echo "$workers"
"$LR_PY" - "$workers" <<'PY' || lr_fail "per-worker telemetry"
import json, sys
w = json.loads(sys.argv[1])
assert sorted(w) == ["0", "1"], w
assert w["0"]["lcore"] == 1 and w["1"]["lcore"] == 2, w
assert all(x["loops"] > 0 for x in w.values()), "a worker loop is not running"
assert sum(x["rx_pkts"] for x in w.values()) >= 20, w
assert sum(x["tx_pkts"] for x in w.values()) >= 20, w
PY
lr_stop
lr_pass
