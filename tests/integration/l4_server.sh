#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The l4 service ([tcp] l4_port, [udp] l4_port) with the Linux kernel as the
# peer: l4_check.py (plain sockets) sends TCP requests in split writes,
# pipelined, with a 4 MiB answer, a corrupt payload, the LAST flag and a
# half-close, checks every answer byte, gets a reset for bad headers while
# an open connection and a new one are still served; then UDP requests of
# 16 to 65507 bytes both ways (fragmented), corrupt, bad, too large and from
# a loop-prone port. /linerate/l4_server must count exactly what it sent.
. "$(dirname "$0")/lib.sh" "$@"

TPORT=5001
UPORT=5002
lr_config_write <<CONF
[tcp]
l4_port = $TPORT
[udp]
l4_port = $UPORT
CONF
lr_start

out=$(lr_ns timeout 120 "$LR_PY" "$LR_SRC/tests/integration/l4_check.py" "$LR_ADDR" "$TPORT" "$UPORT") ||
    { echo "$out"; lr_fail "l4 exchange failed"; }
echo "$out"
want=$(printf '%s\n' "$out" | tail -n 1)

got=$(lr_telemetry /linerate/l4_server) || exit 1
echo "/linerate/l4_server: $got"
"$LR_PY" - "$want" "$got" <<'PY' || lr_fail "l4_server counters differ from what was sent"
import json, sys
want, got = json.loads(sys.argv[1]), json.loads(sys.argv[2])
bad = [k for k in want if got.get(k) != want[k]]
for k in bad:
    print("%s: expected %s, got %s" % (k, want[k], got.get(k)))
extra = sorted(set(got) - set(want))
if extra:
    print("unexpected counters: %s" % extra)
sys.exit(1 if bad or extra else 0)
PY
# /linerate/stats: the service's requests feed modules.requests (the stats
# line's rps; nothing else served requests here), its UDP refusals the drops
# (bad_request less the 2 TCP ones, too_large, refused).
lr_assert_eq "$(lr_counter modules requests)" \
    "$("$LR_PY" -c 'import json,sys; d=json.loads(sys.argv[1]); print(d["tcp_requests"]+d["udp_requests"])' "$want")" \
    "/linerate/stats modules.requests"
lr_assert_eq "$(lr_counter drops udp_app_refused)" \
    "$("$LR_PY" -c 'import json,sys; d=json.loads(sys.argv[1]); print(d["bad_request"]-2+d["too_large"]+d["refused"])' "$want")" \
    "udp_app_refused drops (UDP bad, too large, refused)"

lr_stop
lr_assert_log '^final: module l4_server tcp_requests=' "l4_server in the final summary"
lr_pass
