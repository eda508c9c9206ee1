#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# IPv4 reassembly conformance with crafted fragments (scapy, frag_cases.py):
# in order, reversed, shuffled and duplicated fragments reassemble exactly;
# overlapping and past-65535 datagrams are dropped whole; a lone fragment 0
# times out with ICMP time exceeded (code 1), a lone later fragment silently.
# Afterwards the reassembly table holds nothing (memory back to baseline).
. "$(dirname "$0")/lib.sh" "$@"
lr_require_scapy

lr_config_write <<CONF
[udp]
echo_port = 7

[ip]
frag_timeout = 2s
CONF
lr_start

lr_ns "$LR_PY" "$LR_SRC/tests/integration/frag_cases.py" "$LR_ADDR" "$LR_PEER" 2 ||
    lr_fail "fragment cases failed"

# Let dead and timed-out flows expire, then check counters and memory.
sleep 3
field()
{
    "$LR_PY" -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"
}
ipj=$(lr_telemetry /linerate/ip) || exit 1
echo "/linerate/ip: $ipj"
lr_assert_eq "$(echo "$ipj" | field mbufs_held)" 0 "fragments still held"
lr_assert_eq "$(echo "$ipj" | field flows_active)" 0 "reassembly flows still open"
lr_assert_ge "$(echo "$ipj" | field reassembled)" 5 "datagrams reassembled"
lr_assert_ge "$(echo "$ipj" | field timeouts)" 2 "reassembly timeouts"
lr_assert_ge "$(echo "$ipj" | field time_exceeded)" 1 "time exceeded sent"
lr_assert_ge "$(echo "$ipj" | field discarded)" 2 "datagrams discarded"
lr_assert_ge "$(lr_counter drops ip_fragment_overlap)" 2 "overlap drops"
lr_assert_ge "$(lr_counter drops ip_reassembly_too_big)" 1 "oversize drops"
lr_assert_ge "$(lr_counter drops ip_fragment_duplicate)" 3 "duplicate drops"
lr_assert_ge "$(lr_counter drops ip_reassembly_timeout)" 2 "timeout drops"

lr_stop
lr_pass
