#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# linerate in client mode against a broken HTTP server (client_bad_server.py):
# every kind of bad response is detected and counted under its own reason,
# valid responses in between are still counted, and the run ends by itself
# with exit status 0 and a report.
. "$(dirname "$0")/lib.sh" "$@"

SRV_PID=
stop_srv()
{
    if [ -n "$SRV_PID" ]; then
        kill "$SRV_PID" 2>/dev/null
        wait "$SRV_PID" 2>/dev/null
        SRV_PID=
    fi
}
trap 'lr_rc=$?; stop_srv; (exit $lr_rc); lr_cleanup' EXIT

lr_config_write <<CONF
[tcp]
time_wait = 1s

[client]
target = $LR_PEER:8081
path = /ok,/badstatus,/ok,/badheader,/ok,/short,/ok,/badchunk,/ok,/long,/ok,/hangup
connections = 4
requests_per_conn = 0
duration = 2s
report = $LR_TMP/report.json
CONF
lr_start
# ip netns exec directly (not the lr_ns function) so that $! is the server
# itself; it also exits by itself after 20 s.
ip netns exec "$LR_NS" "$LR_PY" "$LR_SRC/tests/integration/client_bad_server.py" "$LR_PEER" 8081 20 \
    </dev/null >"$LR_TMP/server.log" 2>&1 &
SRV_PID=$!

lr_wait_exit "$LR_PID" 300 "the client did not finish within 30 s"
LR_PID=
lr_assert_eq "$LR_EXIT" 0 "exit status"
[ -f "$LR_TMP/report.json" ] || lr_fail "no report written"
lr_log "$(grep '^client: done' "$LR_TMP/linerate.log")"

"$LR_PY" - "$LR_TMP/report.json" <<'PY' || lr_fail "report check failed"
import json, sys
r = json.load(open(sys.argv[1]))
e = r["errors"]
print("errors:", {k: v for k, v in e.items() if v})
print("responses:", r["responses"], "requests:", r["requests"])
bad = []
for reason in ("bad_status_line", "bad_header", "body_too_short", "bad_chunk",
               "body_too_long", "unexpected_close"):
    if e.get(reason, 0) < 1:
        bad.append("%s not counted" % reason)
# Only the broken answers fail: nothing is reset, refused or timed out.
for reason in ("reset", "timeout", "tcp_timeout", "connect_refused", "header_too_large"):
    if e.get(reason, 0) != 0:
        bad.append("%s = %d, expected 0" % (reason, e[reason]))
if r["responses"]["2xx"] < 1:
    bad.append("no valid response counted")
if r["responses_total"] != r["responses"]["2xx"]:
    bad.append("responses other than 2xx")
# Every request ended as a response, an error or unfinished; body_too_long
# follows a response that was itself complete and counted.
ended = r["responses_total"] + r["errors_total"] - e["body_too_long"] + r["unfinished"]
if r["requests"] != ended:
    bad.append("requests %d != responses %d + errors %d - body_too_long %d + unfinished %d" % (
        r["requests"], r["responses_total"], r["errors_total"], e["body_too_long"],
        r["unfinished"]))
if bad:
    sys.exit("; ".join(bad))
PY
lr_pass
