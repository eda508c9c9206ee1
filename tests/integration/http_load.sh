#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Bounded load: ab (keep-alive and a new connection per request) and wrk
# against small files; every response must be 2xx and complete.
. "$(dirname "$0")/lib.sh" "$@"
lr_require_tools ab wrk curl

site="$LR_TMP/site"
mkdir -p "$site"
printf 'hello world\n' >"$site/hello.txt"
head -c 10000 /dev/urandom >"$site/10k.bin"

lr_config_write <<CONF
[http]
root = $site
cache_bytes = 16m
[tcp]
time_wait = 1s
CONF
lr_start
url="http://$LR_ADDR"

ab_run()
{
    local what=$1 out
    shift
    out=$(timeout 120 ip netns exec "$LR_NS" ab -q -s 10 "$@" 2>&1) || lr_fail "ab $what: $out"
    echo "$out" | grep -E 'Complete requests|Failed requests|Non-2xx|Requests per second'
    echo "$out" | grep -q '^Failed requests: *0$' || lr_fail "ab $what: failed requests: $out"
    if echo "$out" | grep -q '^Non-2xx responses'; then
        lr_fail "ab $what: non-2xx responses: $out"
    fi
}
ab_run "keep-alive" -k -n 20000 -c 32 "$url/hello.txt"
ab_run "keep-alive 10k" -k -n 5000 -c 16 "$url/10k.bin"
ab_run "connection per request" -n 3000 -c 16 "$url/hello.txt"

out=$(timeout 60 ip netns exec "$LR_NS" wrk -t 1 -c 32 -d 3s --timeout 5s "$url/hello.txt" 2>&1) ||
    lr_fail "wrk: $out"
echo "$out" | grep -E 'requests in|Requests/sec|Non-2xx|errors'
if echo "$out" | grep -q 'Non-2xx\|Socket errors'; then
    lr_fail "wrk reported errors: $out"
fi
n=$(echo "$out" | sed -n 's/^ *\([0-9]*\) requests in.*/\1/p')
lr_assert_ge "${n:-0}" 1000 "wrk requests"

lr_assert_eq "$(lr_ns curl -sS --max-time 10 "$url/hello.txt")" "hello world" "served after load"
lr_stop
lr_pass
