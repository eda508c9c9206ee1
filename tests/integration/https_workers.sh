#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# HTTPS with two workers (lcores 1 and 2 sharing CPU 1): the session ticket
# keys are the same on every worker (made once, copied read-only), so a
# client resuming its session lands on either worker and is resumed there.
# openssl s_client saves one session (TLS 1.2, then TLS 1.3) and resumes it
# over many connections from fresh source ports; every one must say Reused,
# and the per-worker counters (/linerate/tls,<worker>) must show resumed
# handshakes on both workers.
. "$(dirname "$0")/lib.sh" "$@"
lr_require_tools openssl curl
[ "$(nproc)" -ge 2 ] || lr_skip "needs two CPUs"

site="$LR_TMP/site"
mkdir -p "$site"
printf 'hello world\n' >"$site/hello.txt"
lr_config_write <<CONF
[http]
root = $site
tls_listen = 443
CONF
LR_LCORES=(--lcores "0@0,(1-2)@1")
lr_start
lr_assert_log '^linerate: 2 worker(s), 1 port(s)$' "two workers"

req() { printf 'GET /hello.txt HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' "$LR_ADDR"; }
sclient() { lr_ns timeout 20 openssl s_client -connect "$LR_ADDR:443" -ign_eof "$@" 2>&1; }
field() { printf '%s' "$1" | "$LR_PY" -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$2"; }

N=12
for ver in 1_2 1_3; do
    rm -f "$LR_TMP/sess"
    out=$(req | sclient "-tls$ver" -sess_out "$LR_TMP/sess") || { echo "$out" | tail; lr_fail "TLS $ver: first connection"; }
    echo "$out" | grep -q '^hello world' || lr_fail "TLS $ver: no body on the first connection"
    [ -s "$LR_TMP/sess" ] || lr_fail "TLS $ver: no session saved"
    for i in $(seq $N); do
        out=$(req | sclient "-tls$ver" -sess_in "$LR_TMP/sess") || { echo "$out" | tail; lr_fail "TLS $ver: resumption $i"; }
        echo "$out" | grep -q "^Reused, TLSv${ver/_/.}" ||
            { echo "$out" | grep -E '^(New|Reused),'; lr_fail "TLS $ver: resumption $i not reused"; }
        echo "$out" | grep -q '^hello world' || lr_fail "TLS $ver: resumption $i got no body"
    done
    lr_log "TLS $ver: $N resumptions, all Reused"
done

# /linerate/tls,<id>: the answer is keyed by the command without the parameter.
tel_worker()
{
    echo "/linerate/tls,$1" | timeout 10 "$LR_PY" /usr/bin/dpdk-telemetry.py -f "$LR_PREFIX" 2>&1 |
        "$LR_PY" -c '
import json, sys
for line in sys.stdin:
    line = line.strip()
    if line.startswith("{"):
        d = json.loads(line)
        if isinstance(d.get("/linerate/tls"), dict):
            print(json.dumps(d["/linerate/tls"]))
            sys.exit(0)
sys.exit(1)'
}
total=$(lr_telemetry /linerate/tls) || exit 1
w0=$(tel_worker 0) || lr_fail "no answer to /linerate/tls,0"
w1=$(tel_worker 1) || lr_fail "no answer to /linerate/tls,1"
tel_worker 7 >/dev/null && lr_fail "/linerate/tls,7 (no such worker) answered with counters"

r0=$(field "$w0" handshakes_resumed)
r1=$(field "$w1" handshakes_resumed)
lr_log "resumed handshakes: worker 0 $r0, worker 1 $r1"
lr_assert_eq "$(field "$total" handshakes_resumed)" $((2 * N)) "resumed handshakes in total"
lr_assert_eq $((r0 + r1)) $((2 * N)) "per-worker resumed handshakes add up"
# 24 connections from random source ports: all on one worker has odds 2^-23.
lr_assert_ge "$r0" 1 "resumptions on worker 0"
lr_assert_ge "$r1" 1 "resumptions on worker 1"
lr_assert_eq "$(field "$total" handshakes_full)" 2 "full handshakes (the two first connections)"
lr_stop
lr_pass
