#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Client mode's L4 modes ([client] mode = tcp / udp, lr_l4_proto.h) between
# two linerate processes over net_memif (no kernel interface, no namespace
# needed; addresses in 198.18.0.0/15). Against the echo services (RFC 862:
# with response_size = payload_size an echo is a valid answer) and the l4
# service ([tcp]/[udp] l4_port: answers of another size, the LAST flag, at
# the end), closed and open loop, then through the fault layer where UDP loss must be
# counted as loss and TCP must lose nothing. The client's counts must agree
# with the server's.
. "$(dirname "$0")/lib.sh" "$@"

cat >"$LR_TMP/server.conf" <<CONF
[port0]
addr = 198.18.4.1/24
[worker]
mbufs = 16384
[http]
enabled = no
[ftp]
enabled = no
[tcp]
echo_port = 7
[udp]
echo_port = 7
[stats]
interval = 0
CONF

# $1 = run name, $2 = target port, rest = extra [client] lines
run_l4()
{
    local name=$1 port=$2
    shift 2
    {
        cat <<CONF
[port0]
addr = 198.18.4.2/24
[worker]
mbufs = 16384
[http]
enabled = no
[tcp]
time_wait = 1s
[stats]
interval = 0
[client]
target = 198.18.4.1:$port
duration = 2s
report = $LR_MEMIF_FIFO
CONF
        printf '%s\n' "$@"
    } >"$LR_TMP/client-$name.conf"
    lr_memif_server "$name" "${LR_L4_SERVER_CONF:-$LR_TMP/server.conf}" -l 0-1
    lr_memif_client "$name" "$LR_TMP/client-$name.conf" -l 0-1 --main-lcore 1
    lr_memif_finish "$name" /linerate/stats /linerate/udp_echo ${LR_L4_TEL:-}
    lr_log "$name: $(grep '^client: done' "$LR_TMP/client-$name.log")"
    grep '^client: udp' "$LR_TMP/client-$name.log" || true
}

# $1 = name, $2 = python condition on r (the report), u (r["l4"].get("udp"))
# and the server's telemetry answers t[...]
l4_check()
{
    "$LR_PY" - "$LR_TMP/report-$1.json" "$LR_TMP/server-tel-$1.txt" "$2" <<'PY' || { tail -n 20 "$LR_TMP/client-$1.log"; lr_fail "$1: report check failed"; }
import json, sys
r = json.load(open(sys.argv[1]))
t = {}
for line in open(sys.argv[2]):
    t.update(json.loads(line))
u = r["l4"].get("udp", {})
bad = []
if r["responses_total"] < 1:
    bad.append("no responses")
if r["errors_total"] != 0:
    bad.append("errors %s" % {k: v for k, v in r["errors"].items() if v})
if r["l4"]["corrupt_answers"] or r["l4"]["corrupt_bytes"]:
    bad.append("corrupt %s" % r["l4"])
if r["tsc_hz"] < 100000000 or r["busy_cycles"] < 1:
    bad.append("no cost figures")
if r["latency_us"]["samples"] != r["responses_total"]:
    bad.append("latency samples %d != responses %d" % (r["latency_us"]["samples"], r["responses_total"]))
if not eval(sys.argv[3]):
    bad.append("failed: %s" % sys.argv[3])
if bad:
    print("report: %s" % json.dumps({k: r[k] for k in ("requests", "responses_total", "l4", "errors_total", "unfinished")}))
    print("server: %s" % json.dumps(t)[:2000])
    sys.exit("; ".join(bad))
PY
}

# TCP against the echo service: payload 1000 bytes, keep-alive.
run_l4 tcp_echo 7 "mode = tcp" "payload_size = 1000" "connections = 8"
l4_check tcp_echo 'r["requests"] == r["responses_total"] and r["unfinished"] == 0 and r["l4"]["mode"] == "tcp" and r["body_bytes"] == 1000 * r["responses_total"]'

# UDP closed loop against the echo service: every request answered, none
# lost over memif, and the server echoed each (plus the warm-up probe).
run_l4 udp_echo 7 "mode = udp" "payload_size = 200" "flows = 16"
l4_check udp_echo 'u["lost"] == 0 and u["sent"] == r["responses_total"] and u["flows"] == 16 and u["bad"] == 0 and u["out_of_window"] == 0 and t["/linerate/udp_echo"]["echoed"] >= u["sent"] and t["/linerate/udp_echo"]["echoed"] <= u["sent"] + 20'

# UDP open loop: 8 flows, one request per flow per millisecond = 8000/s.
run_l4 udp_interval 7 "mode = udp" "flows = 8" "interval = 1ms"
l4_check udp_interval 'u["lost"] == 0 and 15000 <= u["sent"] <= 16100 and u["sent"] == r["responses_total"]'

# Through the fault layer on the client (both directions): TCP repairs
# everything (every request answered, nothing corrupt: checksums catch the
# flipped bits); UDP loses some, and every request sent is accounted as
# answered or lost, duplicates counted, never a corrupt answer.
run_l4 tcp_faults 7 "mode = tcp" "payload_size = 3000" "connections = 8" \
    "[fault]" "drop = 2" "duplicate = 1" "reorder = 1" "corrupt = 1"
l4_check tcp_faults 'r["requests"] == r["responses_total"] and r["unfinished"] == 0 and r["retransmits"] > 0'
run_l4 udp_faults 7 "mode = udp" "payload_size = 500" "flows = 32" "udp_timeout = 200ms" \
    "[fault]" "drop = 5" "duplicate = 2" "reorder = 2" "corrupt = 1"
l4_check udp_faults 'u["sent"] == r["responses_total"] + u["lost"] and 0.05 < u["loss_ratio"] < 0.2 and u["duplicates"] > 0 and u["late"] == 0 and u["out_of_window"] == 0 and u["bad"] == 0 and 0.8 * u["sent"] < t["/linerate/udp_echo"]["echoed"] < 1.1 * u["sent"] + 20'

# Against the l4 service: answers of another size than the request, and
# LAST (requests_per_conn = 1: the server closes after each answer). The
# client's counts and the service's (/linerate/l4_server) agree.
cat >"$LR_TMP/server-l4.conf" <<CONF
[port0]
addr = 198.18.4.1/24
[worker]
mbufs = 16384
[http]
enabled = no
[ftp]
enabled = no
[tcp]
l4_port = 9000
[udp]
l4_port = 9000
[stats]
interval = 0
CONF
LR_L4_SERVER_CONF=$LR_TMP/server-l4.conf
LR_L4_TEL=/linerate/l4_server
run_l4 tcp_l4 9000 "mode = tcp" "payload_size = 100" "response_size = 20000" "connections = 8"
l4_check tcp_l4 'r["requests"] == r["responses_total"] and r["unfinished"] == 0 and r["body_bytes"] == 20000 * r["responses_total"] and t["/linerate/l4_server"]["tcp_requests"] >= r["responses_total"] and t["/linerate/l4_server"]["bad_request"] == 0 and t["/linerate/l4_server"]["corrupt"] == 0'
run_l4 tcp_l4_last 9000 "mode = tcp" "payload_size = 3000" "response_size = 16" "connections = 4" \
    "requests_per_conn = 1"
l4_check tcp_l4_last 'r["requests"] == r["responses_total"] and r["unfinished"] == 0 and r["responses_total"] > 10 and t["/linerate/l4_server"]["connections"] >= r["responses_total"] and r["responses_total"] <= t["/linerate/l4_server"]["tcp_requests"] <= t["/linerate/l4_server"]["connections"]'
run_l4 udp_l4 9000 "mode = udp" "payload_size = 64" "response_size = 1400" "flows = 8"
l4_check udp_l4 'u["lost"] == 0 and u["sent"] == r["responses_total"] and u["bad"] == 0 and u["sent"] <= t["/linerate/l4_server"]["udp_requests"] <= u["sent"] + 20 and t["/linerate/l4_server"]["udp_answer_bytes"] == 1400 * t["/linerate/l4_server"]["udp_requests"]'

lr_pass
