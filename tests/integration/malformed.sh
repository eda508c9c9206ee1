#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Malformed frames (runt IPv4, bad version, IHL < 5, total length > frame,
# bad IP checksum, truncated ARP, ARP with a bad hardware type, unknown
# ethertype, ICMP with a bad checksum) are each dropped and counted under
# their own reason, exactly once per frame; the appliance keeps answering.
. "$(dirname "$0")/lib.sh" "$@"
lr_require_tools ping
lr_require_scapy

lr_start

# Resolve ARP first so the kernel does not send requests in the middle.
lr_ns ping -c 1 -W 2 "$LR_ADDR" >/dev/null || lr_fail "ping before the malformed frames failed"

before=$(lr_telemetry /linerate/stats) || exit 1
sent=$(lr_ns "$LR_PY" "$(dirname "$0")/malformed.py" "$LR_IF" "$LR_MAC" "$LR_ADDR" "$LR_PEER" 2>&1) ||
    lr_fail "malformed.py failed: $sent"
echo "sent:"
echo "$sent"
sleep 0.5
after=$(lr_telemetry /linerate/stats) || exit 1

"$LR_PY" - "$before" "$after" "$sent" <<'PY' || lr_fail "drop counters"
import json, sys
before, after = json.loads(sys.argv[1])["drops"], json.loads(sys.argv[2])["drops"]
expected = {}
for line in sys.argv[3].splitlines():
    reason, count = line.split()
    expected[reason] = int(count)
bad = []
for reason, count in expected.items():
    got = after.get(reason, 0) - before.get(reason, 0)
    print("%-22s expected %2d got %2d" % (reason, count, got))
    if got != count:
        bad.append(reason)
others = {r: after[r] - before.get(r, 0) for r in after if r not in expected and after[r] != before.get(r, 0)}
if others:
    print("other drops:", others)
sys.exit("wrong counts: " + ", ".join(bad) if bad else 0)
PY

lr_ns ping -c 3 -i 0.2 -W 2 "$LR_ADDR" >/dev/null || lr_fail "ping after the malformed frames failed"
lr_stop
lr_assert_log '^final: drops .*ip_bad_checksum=5' "final summary drop reasons"
lr_pass
