#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# ICMP echo (RFC 792): small, full-MTU with DF, patterned payload and a
# rate-limited flood; no loss, no duplicates, payload echoed exactly
# (iputils ping checks every byte and reports "wrong data byte").
. "$(dirname "$0")/lib.sh" "$@"
lr_require_tools ping

lr_start

check_ping()
{
    local what=$1 out
    shift
    out=$(lr_ns ping "$@" "$LR_ADDR" 2>&1) || lr_fail "$what: ping failed: $out"
    echo "$out" | tail -n 3
    echo "$out" | grep -q ' 0% packet loss' || lr_fail "$what: packet loss: $out"
    if echo "$out" | grep -qi 'wrong data\|DUP!\|corrupted'; then
        lr_fail "$what: reply differs from the request: $out"
    fi
}

check_ping "small" -c 5 -i 0.2 -W 2
check_ping "56-byte pattern" -c 3 -i 0.2 -W 2 -p a55a0ff0
check_ping "1472 bytes + DF (1500-byte packet)" -c 5 -i 0.2 -W 2 -s 1472 -M do
check_ping "odd size" -c 3 -i 0.2 -W 2 -s 1001
check_ping "rate-limited flood" -q -c 500 -i 0.002 -W 2

requests=$(lr_counter icmp echo_requests) || exit 1
replies=$(lr_counter icmp echo_replies) || exit 1
lr_assert_ge "$requests" 516 "icmp echo_requests"
lr_assert_ge "$replies" 516 "icmp echo_replies"
drops=$(lr_counter icmp drops) || exit 1
lr_assert_eq "$drops" 0 "icmp drops"

lr_stop
lr_assert_log '^final: icmp .*echo_requests=' "final icmp counters"
lr_pass
