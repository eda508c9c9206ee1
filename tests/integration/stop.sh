#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Graceful stop: SIGTERM and SIGINT make linerate exit 0 with a final
# summary that shows the traffic it saw; the tap goes away with it.
. "$(dirname "$0")/lib.sh" "$@"
lr_require_tools ping

lr_start
lr_ns ping -c 3 -i 0.2 -W 2 "$LR_ADDR" >/dev/null || lr_fail "ping failed"
lr_stop
lr_assert_log '^linerate: stopping (SIGTERM)$' "stop reason"
lr_assert_log '^final: port0 rx_pkts=' "final port counters"
lr_assert_log '^final: icmp .*echo_requests=3' "final icmp counters"
lr_ns ip link show "$LR_IF" >/dev/null 2>&1 && lr_fail "tap $LR_IF still exists after exit"

# Second run: SIGINT, right after ready (no traffic at all).
ip netns del "$LR_NS"
lr_start
kill -INT "$LR_PID"
for _ in $(seq 200); do
    kill -0 "$LR_PID" 2>/dev/null || break
    sleep 0.1
done
kill -0 "$LR_PID" 2>/dev/null && lr_fail "no stop within 20s of SIGINT"
st=0
wait "$LR_PID" || st=$?
LR_PID=
lr_assert_eq "$st" 0 "exit status after SIGINT"
lr_assert_log '^linerate: stopping (SIGINT)$' "stop reason"
lr_assert_log '^linerate: stopped$' "clean stop"
lr_pass
