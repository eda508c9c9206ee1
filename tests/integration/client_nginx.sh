#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# linerate in client mode against nginx on the kernel side of the tap:
# keep-alive (RPS) with two paths (64 B and 1 MiB), then a new connection
# per request (CPS), open loop at 2,000 requests/s (its rate, the report's
# run description and timeline), then coordinated omission: open and closed
# loop against an nginx worker stopped for a second. Each run is bounded
# (duration 3 s); the report must show responses > 0, no errors, every
# response 2xx, and nginx's access log must hold exactly as many requests as
# the client counted responses.
. "$(dirname "$0")/lib.sh" "$@"
lr_require_tools nginx

WWW="$LR_TMP/site"
mkdir -p "$WWW" "$LR_TMP/nginx"
head -c 64 /dev/urandom | base64 -w0 | head -c 64 >"$WWW/small.txt"
head -c 1048576 /dev/urandom >"$WWW/big.bin"
# nginx's worker runs as nobody: make the site readable.
chmod 755 "$LR_TMP" "$WWW"
chmod 644 "$WWW"/*

# nginx: one worker, listening only on the kernel side of the tap.
cat >"$LR_TMP/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $LR_TMP/nginx/nginx.pid;
error_log $LR_TMP/nginx/error.log warn;
events { worker_connections 1024; }
http {
    access_log $LR_TMP/nginx/access.log;
    client_body_temp_path $LR_TMP/nginx/body;
    proxy_temp_path $LR_TMP/nginx/proxy;
    fastcgi_temp_path $LR_TMP/nginx/fastcgi;
    uwsgi_temp_path $LR_TMP/nginx/uwsgi;
    scgi_temp_path $LR_TMP/nginx/scgi;
    keepalive_requests 1000000;
    keepalive_timeout 60s;
    server {
        listen $LR_PEER:8080;
        root $WWW;
    }
}
CONF
NGINX_PID=

stop_nginx()
{
    # The master's pid file names it too (in case $! was not the master).
    local pf="$LR_TMP/nginx/nginx.pid"
    if [ -s "$pf" ] && [ "$(cat "$pf")" != "$NGINX_PID" ]; then
        kill -QUIT "$(cat "$pf")" 2>/dev/null
    fi
    if [ -n "$NGINX_PID" ]; then
        kill -QUIT "$NGINX_PID" 2>/dev/null
        for _ in $(seq 50); do
            kill -0 "$NGINX_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$NGINX_PID" 2>/dev/null
        wait "$NGINX_PID" 2>/dev/null
        NGINX_PID=
    fi
}
trap 'lr_rc=$?; stop_nginx; (exit $lr_rc); lr_cleanup' EXIT

# Value of a key of the JSON report ("a.b" for nested keys).
report_get()
{
    "$LR_PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    d = d[k]
print(d)' "$LR_TMP/report.json" "$1" || lr_fail "no $1 in the report"
}

# One client run: $1 = name, $2 = requests_per_conn, $3 = paths, $4 = connections,
# $5 = request_rate (0 = closed loop), $6 = stall: when "stall", nginx's
# worker is stopped (SIGSTOP) for STALL_S seconds from 1.5 s into the run.
STALL_S=1
run_client()
{
    local name=$1 rpc=$2 paths=$3 conns=$4 rrate=${5:-0} stall=${6:-}
    rm -f "$LR_TMP/report.json" "$LR_CONF"
    lr_config_write <<CONF
[tcp]
time_wait = 1s

[client]
target = $LR_PEER:8080
path = $paths
connections = $conns
requests_per_conn = $rpc
request_rate = $rrate
duration = 3s
report = $LR_TMP/report.json
CONF
    lr_start
    : >"$LR_TMP/nginx/access.log"
    # Not through the lr_ns function: a backgrounded function is a subshell,
    # and $! must be nginx's master itself (ip netns exec execs it).
    ip netns exec "$LR_NS" nginx -c "$LR_TMP/nginx/nginx.conf" -e "$LR_TMP/nginx/error.log" \
        </dev/null >/dev/null 2>&1 &
    NGINX_PID=$!
    if [ "$stall" = stall ]; then
        # Once requests flow, stop nginx's worker for STALL_S seconds: the
        # kernel still ACKs the requests, nothing answers them (a stalled
        # server, what coordinated omission hides).
        local w=0 worker=
        until [ -s "$LR_TMP/nginx/access.log" ]; do
            [ "$w" -lt 100 ] || lr_fail "$name: no request reached nginx within 10 s"
            sleep 0.1
            w=$((w + 1))
        done
        worker=$(pgrep -P "$NGINX_PID" | head -n1)
        [ -n "$worker" ] || lr_fail "$name: no nginx worker process"
        sleep 0.5
        kill -STOP "$worker"
        sleep "$STALL_S"
        kill -CONT "$worker"
        lr_log "$name: nginx worker $worker stopped for ${STALL_S}s"
    fi
    # The client ends by itself: duration + warm-up + at most 2 s of grace.
    local waited=0
    while kill -0 "$LR_PID" 2>/dev/null; do
        [ "$waited" -lt 300 ] || lr_fail "$name: the client did not finish within 30 s"
        sleep 0.1
        waited=$((waited + 1))
    done
    local st=0
    wait "$LR_PID" || st=$?
    LR_PID=
    lr_assert_eq "$st" 0 "$name: exit status"
    lr_assert_log '^client: t=' "$name: per-second line"
    lr_assert_log '^client: done in' "$name: final line"
    [ -f "$LR_TMP/report.json" ] || lr_fail "$name: no report written"
    stop_nginx
    ip netns del "$LR_NS"

    local resp reqs errs ok conns logged unfinished
    resp=$(report_get responses_total)
    reqs=$(report_get requests)
    errs=$(report_get errors_total)
    ok=$(report_get responses.2xx)
    conns=$(report_get connections)
    unfinished=$(report_get unfinished)
    logged=$(grep -c '" 200 ' "$LR_TMP/nginx/access.log")
    lr_log "$name: requests=$reqs responses=$resp 2xx=$ok connections=$conns errors=$errs unfinished=$unfinished nginx=$logged"
    lr_log "$name: $(grep '^client: done' "$LR_TMP/linerate.log")"
    lr_assert_ge "$resp" 1 "$name: responses"
    lr_assert_eq "$errs" 0 "$name: errors"
    lr_assert_eq "$ok" "$resp" "$name: every response is 2xx"
    lr_assert_eq "$unfinished" 0 "$name: requests left in flight"
    lr_assert_eq "$reqs" "$resp" "$name: one response per request"
    lr_assert_eq "$logged" "$resp" "$name: nginx access log vs client responses"
    cp "$LR_TMP/report.json" "$LR_TMP/report-$name.json"
}

run_client rps 0 "/small.txt,/big.bin" 8
lr_assert_ge "$(report_get body_bytes)" 1048576 "rps: the 1 MiB file was received"
run_client cps 1 "/small.txt" 4
conns=$(report_get connections)
resp=$(report_get responses_total)
lr_assert_eq "$conns" "$resp" "cps: one connection per request"
# Open loop at 2,000 requests/s for 3 s (far below nginx's capacity here):
# 6,000 requests within 1 %, none left unsent, the rate in the report.
run_client open 0 "/small.txt" 8 2000
reqs=$(report_get requests)
lr_assert_ge "$reqs" 5940 "open: requests at 2000/s for 3 s"
[ "$reqs" -le 6060 ] || lr_fail "open: $reqs requests at 2000/s for 3 s, expected at most 6060"
lr_assert_eq "$(report_get unsent)" 0 "open: requests due and never sent"
lr_assert_eq "$(report_get config.request_rate)" 2000 "open: request_rate in the report"
# The run description and the per-second timeline (issue 15): the full
# config, the commit, the machine and the time; the timeline's counts add up
# to the totals and each whole second of the open-loop run is at the rate.
python3 - "$LR_TMP/report.json" "$LR_BIN" <<'PY' || lr_fail "open: run description / timeline"
import json, re, sys
d = json.load(open(sys.argv[1]))
run, cfg, tl = d["run"], d["config"], d["timeline"]
bad = []
if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", run["start"]): bad.append("start %r" % run["start"])
if run["end"] < run["start"]: bad.append("end %r before start" % run["end"])
if not run["commit"] or not run["version"]: bad.append("commit/version %r %r" % (run["commit"], run["version"]))
if not run["argv"] or "linerate" not in run["argv"][0]: bad.append("argv %r" % run["argv"][:3])
if run["cpus"] < 1 or not run["hostname"] or not run["kernel"]: bad.append("machine %r" % run)
if cfg["duration_s"] != 3 or cfg["connections"] != 8 or cfg["path"] != ["/small.txt"]: bad.append("config %r" % cfg)
if len(tl) < 3 or d["timeline_dropped"] != 0: bad.append("timeline of %d samples" % len(tl))
sent = sum(s["requests_per_s"] * s["dt_s"] for s in tl)
# The last sample runs from the last whole second to the end: they add up.
if abs(sent - d["requests"]) > 10: bad.append("timeline sums %.0f requests of %d" % (sent, d["requests"]))
for s in tl:
    if 1.5 < s["t_s"] <= 3.0 and s["dt_s"] > 0.9 and abs(s["requests_per_s"] - 2000) > 100:
        bad.append("second %.3f at %.0f requests/s" % (s["t_s"], s["requests_per_s"]))
    if s["responses_per_s"] > 0 and not (0 < s["p50_us"] <= s["p99_us"] <= s["max_us"]):
        bad.append("second %.3f latency %r" % (s["t_s"], s))
print("timeline: %d samples, %.0f requests; run %s on %s (%s), commit %s" % (len(tl), sent, run["start"], run["hostname"], run["cpu_model"], run["commit"]))
if bad:
    print("\n".join(bad)); sys.exit(1)
PY
# Coordinated omission (issue 15): the same stall of nginx's worker, once
# open loop at 1,000 requests/s and once closed loop. Open loop, every
# request due during the stall is charged from its intended time: about a
# third of the 3,000 samples wait up to the whole stall, so p99 is near it.
# Closed loop, only the 8 requests in flight see it: p99 stays small and
# only the tail (max) shows the stall, as wrk does and wrk2 does not.
stall_us=$((STALL_S * 1000000))
run_client stall_open 0 "/small.txt" 8 1000 stall
open_p99=$(report_get latency_us.p99)
open_p90=$(report_get latency_us.p90)
lr_log "stall_open: p90=${open_p90}us p99=${open_p99}us (stall ${stall_us}us)"
lr_assert_ge "$open_p99" $((stall_us * 7 / 10)) "stall_open: p99 shows the stall"
[ "$open_p99" -le $((stall_us * 2)) ] || lr_fail "stall_open: p99 ${open_p99}us, more than twice the stall"
lr_assert_eq "$(report_get unsent)" 0 "stall_open: every due request was sent"
run_client stall_closed 0 "/small.txt" 8 0 stall
closed_p99=$(report_get latency_us.p99)
closed_max=$(report_get latency_us.max)
lr_log "stall_closed: p99=${closed_p99}us max=${closed_max}us"
lr_assert_ge "$closed_max" $((stall_us * 7 / 10)) "stall_closed: the stalled requests are in the max"
[ "$closed_p99" -lt $((stall_us / 10)) ] ||
    lr_fail "stall_closed: p99 ${closed_p99}us, a closed loop should hide the stall"

lr_pass
