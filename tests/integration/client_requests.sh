#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Client mode beyond GET /: request templates, pipelining and think time,
# each in a short run against a python peer (client_requests_server.py)
# that records what arrives.
#  1. templates: POST (100 KiB body + a header) weight 3, GET weight 1, PUT
#     (300 KiB body, Connection: close) weight 2: bodies byte-exact at the
#     server (sha256), the 3:1:2 proportion, the close template's
#     connections ended by the server.
#  2. pipeline = 8: the peer holds its answers until 8 requests are in, so
#     the depth is seen on the wire; a second target answers 3 and closes
#     with "Connection: close": the 5 behind it are counted as unanswered.
#  3. think_time = 500ms on 20 connections: 20 connections held open,
#     about 40 requests/s.
# All three over HTTP, then again over HTTPS ([client] tls = yes against the
# same peer with TLS): every request feature works the same over TLS.
. "$(dirname "$0")/lib.sh" "$@"
lr_require_tools openssl

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

head -c 102400 /dev/urandom >"$LR_TMP/post.bin"
head -c 307200 /dev/urandom >"$LR_TMP/put.bin"
POST_SHA=$(sha256sum "$LR_TMP/post.bin" | cut -d' ' -f1)
PUT_SHA=$(sha256sum "$LR_TMP/put.bin" | cut -d' ' -f1)
openssl req -x509 -nodes -days 2 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
    -keyout "$LR_TMP/peer.key" -out "$LR_TMP/peer.crt" -subj "/CN=peer.test" \
    >"$LR_TMP/openssl.log" 2>&1 || { cat "$LR_TMP/openssl.log"; lr_fail "openssl req failed"; }
# Set per pass: the [client] line and the peer's arguments for TLS.
TLS_KEY=
TLS_PEER=()

# One run: config on stdin; $1 = seconds the server lives, the rest its
# MODE:PORT specs. Leaves the server's record in $LR_TMP/srv.json and the
# client's report in $LR_TMP/report.json.
run()
{
    local secs=$1
    shift
    lr_config_write
    lr_start
    rm -f "$LR_TMP/srv.json"
    # ip netns exec directly (not lr_ns) so that $! is the server; it exits
    # by itself after $secs.
    ip netns exec "$LR_NS" "$LR_PY" "$LR_SRC/tests/integration/client_requests_server.py" \
        "$LR_PEER" "$secs" "$LR_TMP/srv.json" "${TLS_PEER[@]}" "$@" </dev/null >"$LR_TMP/server.log" 2>&1 &
    SRV_PID=$!
}

finish()
{
    lr_wait_exit "$LR_PID" 300 "the client did not finish within 30 s"
    LR_PID=
    lr_assert_eq "$LR_EXIT" 0 "client exit status"
    lr_wait_exit "$SRV_PID" 100 "the server did not exit"
    SRV_PID=
    [ -f "$LR_TMP/srv.json" ] || lr_fail "no server record: $(cat "$LR_TMP/server.log")"
    [ -f "$LR_TMP/report.json" ] || lr_fail "no report written"
    lr_log "$(grep '^client: done' "$LR_TMP/linerate.log")"
    ip netns del "$LR_NS" 2>/dev/null
    rm -rf "/var/run/dpdk/$LR_PREFIX" 2>/dev/null
}

# The three runs; $1 = http | https (TLS_KEY, TLS_PEER set).
pass_all()
{
PASS_NAME=$1
# ---- 1. templates ------------------------------------------------------------
run 7 plain:8081 <<CONF
[client]
$TLS_KEY
target = $LR_PEER:8081
connections = 4
duration = 3s
header = X-Linerate-Test: yes
template1 = POST /upload | weight 3 | body post.bin | header Content-Type: application/octet-stream
template2 = GET /small | weight 1
template3 = PUT /put | weight 2 | body put.bin | close
report = $LR_TMP/report.json
CONF
finish
"$LR_PY" - "$LR_TMP/srv.json" "$LR_TMP/report.json" "$POST_SHA" "$PUT_SHA" <<'PY' || lr_fail "$PASS_NAME: templates check failed"
import json, sys
s = json.load(open(sys.argv[1]))
r = json.load(open(sys.argv[2]))
post_sha, put_sha = sys.argv[3], sys.argv[4]
q = s["requests"]
print("server saw:", {k: v["count"] for k, v in q.items()}, "bad:", s["bad"])
assert not s["bad"], s["bad"]
post, get, put = q["POST /upload"], q["GET /small"], q["PUT /put"]
assert list(post["sha256"]) == [post_sha], post["sha256"]
assert list(put["sha256"]) == [put_sha], put["sha256"]
assert list(get["sha256"]) == [""], get["sha256"]
assert post["headers"].get("content-type: application/octet-stream") == post["count"]
for t in (post, get, put):
    assert t["headers"].get("x-linerate-test: yes") == t["count"], t["headers"]
unit = (post["count"] + get["count"] + put["count"]) / 6.0
assert unit >= 10, "too few requests: %r" % unit
for name, t, w in (("POST", post, 3), ("GET", get, 1), ("PUT", put, 2)):
    assert abs(t["count"] - w * unit) <= 0.1 * w * unit + 4, (name, t["count"], w * unit)
by = r["requests_by_template"]
assert len(by) == 3 and abs(by[0] - 3 * by[1]) <= 4 and abs(by[2] - 2 * by[1]) <= 4, by
# Every PUT asked to close, so the server ended those connections.
assert s["conns"] >= put["count"], (s["conns"], put["count"])
assert r["errors_total"] == 0, r["errors"]
print("templates ok: %d POST, %d GET, %d PUT, %d connections" %
      (post["count"], get["count"], put["count"], s["conns"]))
PY

# ---- 2. pipelining -----------------------------------------------------------
run 6 pipe:8082:8 pipeclose:8083:8 <<CONF
[client]
$TLS_KEY
target = $LR_PEER:8082, $LR_PEER:8083
connections = 4
pipeline = 8
duration = 3s
path = /p
report = $LR_TMP/report.json
CONF
finish
"$LR_PY" - "$LR_TMP/srv.json" "$LR_TMP/report.json" <<'PY' || lr_fail "$PASS_NAME: pipeline check failed"
import json, sys
s = json.load(open(sys.argv[1]))
r = json.load(open(sys.argv[2]))
b = s["batches"]
print("batches: %d, sizes %s, unanswered %d" % (len(b), sorted(set(b)), r["unanswered"]))
assert max(b) == 8, b
full = sum(1 for x in b if x == 8)
assert full >= 0.8 * len(b) and full >= 10, (full, len(b))
# Each pipeclose connection answered 3 of its 8 and closed: the requests
# still outstanding then (5, or up to 7 as the client refilled the pipeline
# after each answer) are counted, not lost, and the slots reopened.
assert r["unanswered"] >= 5, r["unanswered"]
assert r["connections"] >= 5, r["connections"]
assert r["requests"] == r["responses_total"] + r["unanswered"] + r["unfinished"], r
assert r["errors_total"] == 0, r["errors"]
assert r["responses_total"] >= 8 * 10
PY

# ---- 3. think time -------------------------------------------------------------
run 6 plain:8084 <<CONF
[client]
$TLS_KEY
target = $LR_PEER:8084
connections = 20
think_time = 500ms
duration = 3s
report = $LR_TMP/report.json
CONF
sleep 2
think=$(lr_telemetry /linerate/client | "$LR_PY" -c 'import json,sys; print(json.load(sys.stdin)["thinking"])') ||
    lr_fail "cannot read /linerate/client"
lr_log "$PASS_NAME: mid-run: $think connections thinking"
lr_assert_ge "$think" 15 "$PASS_NAME: connections waiting their think time"
finish
"$LR_PY" - "$LR_TMP/srv.json" "$LR_TMP/report.json" <<'PY' || lr_fail "$PASS_NAME: think time check failed"
import json, sys
s = json.load(open(sys.argv[1]))
r = json.load(open(sys.argv[2]))
rate = r["responses_total"] / r["duration_s"]
print("think: %d connections at most, %d requests, %.1f/s" % (s["max_open"], s["total"], rate))
assert s["max_open"] == 20, s["max_open"]
assert s["conns"] == 20, s["conns"]  # held, never reopened
assert 30 <= rate <= 50, rate  # 20 connections / 0.5 s = 40/s
assert r["errors_total"] == 0, r["errors"]
PY
}

pass_all http
TLS_KEY="tls = yes"
TLS_PEER=(--tls "$LR_TMP/peer.crt" "$LR_TMP/peer.key")
pass_all https
lr_pass
