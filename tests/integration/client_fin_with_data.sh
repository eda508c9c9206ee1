#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Client mode (requests_per_conn = 1) against a kernel server that sends each
# response with its FIN in one segment and no "Connection: close"
# (client_fin_server.py): the client closes from its data callback, and since
# the FIN of that segment is processed with it (RFC 9293 §3.10.7.4) that
# close is passive (LAST-ACK). So no connection of the client ends in
# TIME-WAIT (they used to, all of them, until the ephemeral ports ran out),
# and a bounded run has no failed connect and no error.
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
time_wait = 60s

[client]
target = $LR_PEER:8082
connections = 16
requests_per_conn = 1
duration = 4s
report = $LR_TMP/report.json
CONF
lr_start
# ip netns exec directly (not lr_ns) so that $! is the server; it exits by
# itself after 30 s.
ip netns exec "$LR_NS" "$LR_PY" "$LR_SRC/tests/integration/client_fin_server.py" "$LR_PEER" 8082 30 \
    </dev/null >"$LR_TMP/server.log" 2>&1 &
SRV_PID=$!

# Mid-run (one wait, no polling): with time_wait = 60 s every connection that
# ended in TIME-WAIT on the client would still be counted.
sleep 3
tcp=$(lr_telemetry /linerate/tcp) || exit 1
read -r tw opened < <(printf '%s\n' "$tcp" | "$LR_PY" -c '
import json, sys
d = json.load(sys.stdin)
print(d["state_time_wait"], d["opened_active"])') || lr_fail "cannot parse /linerate/tcp"
lr_log "mid-run: $opened connections opened, $tw in TIME-WAIT"
lr_assert_ge "$opened" 50 "connections opened by the client"
lr_assert_eq "$tw" 0 "client connections in TIME-WAIT"

lr_wait_exit "$LR_PID" 300 "the client did not finish within 30 s"
LR_PID=
lr_assert_eq "$LR_EXIT" 0 "exit status"
[ -f "$LR_TMP/report.json" ] || lr_fail "no report written"
lr_log "$(grep '^client: done' "$LR_TMP/linerate.log")"
"$LR_PY" - "$LR_TMP/report.json" <<'PY' || lr_fail "report check failed"
import json, sys
r = json.load(open(sys.argv[1]))
e = r["errors"]
print("connections:", r["connections"], "responses:", r["responses_total"],
      "errors:", {k: v for k, v in e.items() if v})
bad = []
if r["errors_total"] != 0:
    bad.append("errors %s" % {k: v for k, v in e.items() if v})
if r["responses"]["2xx"] < 100:
    bad.append("only %d responses" % r["responses"]["2xx"])
if r["connections"] != r["responses_total"]:
    bad.append("%d connections for %d responses" % (r["connections"], r["responses_total"]))
if bad:
    sys.exit("; ".join(bad))
PY
lr_pass
