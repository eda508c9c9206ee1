#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The fault layer inside the poll loop: with drop/duplicate/reorder/corrupt
# rates configured, pings see loss and duplicates, the fault counters of both
# directions move, corrupted packets are caught by checksums on both sides
# (counted drops here, IcmpInCsumErrors in the peer), held packets are
# released, and the stop is clean.
. "$(dirname "$0")/lib.sh" "$@"
lr_require_tools ping

lr_config_write <<'CONF'
[fault]
seed = 7
drop = 10
duplicate = 10
reorder = 10
corrupt = 5
CONF
lr_start

# ping as root reads a raw socket: it also sees the replies whose checksum
# the corruption broke (it marks them BAD CHECKSUM); the kernel counts them
# in IcmpInCsumErrors and never takes them for valid echo replies.
out=$(lr_ns timeout 30 ping -c 300 -i 0.01 -W 1 -w 8 "$LR_ADDR" 2>&1)
echo "$out" | tail -n 3
sent=$(echo "$out" | sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p')
recv=$(echo "$out" | sed -n 's/.* \([0-9]*\) received.*/\1/p')
[ -n "$sent" ] && [ -n "$recv" ] || lr_fail "no ping summary: $out"
# Each echo crosses the fault layer twice (RX and TX).
lr_assert_ge "$recv" $((sent / 3)) "echo replies through the fault layer"
[ "$recv" -lt "$sent" ] || lr_fail "no loss at all with drop = 10%: $out"
echo "$out" | grep -q 'DUP!' || lr_fail "no duplicate replies with duplicate = 10%"
kern=$(lr_ns nstat -az IcmpInCsumErrors IcmpInEchoReps 2>&1)
echo "$kern"
bad=$(echo "$kern" | awk '$1 == "IcmpInCsumErrors" { print $2 }')
good=$(echo "$kern" | awk '$1 == "IcmpInEchoReps" { print $2 }')
lr_assert_ge "${bad:-0}" 1 "corrupted replies caught by the peer's ICMP checksum"
lr_assert_ge "${good:-0}" 100 "valid echo replies seen by the peer's kernel"

stats=$(lr_telemetry /linerate/stats) || exit 1
"$LR_PY" - "$stats" <<'PY' || lr_fail "fault counters"
import json, sys
s = json.loads(sys.argv[1])
f = s["fault"]
print(f)
for d in ("rx", "tx"):
    for k in ("dropped", "duplicated", "reordered"):
        assert f["%s_%s" % (d, k)] > 0, "%s_%s is 0" % (d, k)
assert f["rx_corrupted"] > 0, f
assert s["drops"]["fault_injected"] == f["rx_dropped"], (s["drops"]["fault_injected"], f)
caught = sum(s["drops"].get(r, 0) for r in ("ip_bad_checksum", "icmp_bad_checksum", "ip_bad_version",
                                             "ip_bad_ihl", "ip_bad_total_length", "eth_unknown_type",
                                             "eth_dst_not_us", "ip_not_for_us", "ip_truncated"))
assert caught > 0, "no corrupted request was dropped by validation"
PY

lr_stop
lr_assert_log '^final: fault rx_dropped=' "final fault counters"
lr_pass
