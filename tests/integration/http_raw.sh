#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# HTTP edge cases over raw sockets (http_raw.py): pipelining in order,
# requests split at every byte, bodies discarded without desync, every
# malformed request answered with its status and a closed connection while
# a keep-alive connection keeps being served, 408 on a stalled head; OPTIONS,
# percent-encoded 301 Location, chunked bodies validated before answering.
. "$(dirname "$0")/lib.sh" "$@"
lr_require_tools curl
"$LR_PY" -c 'import socket' || lr_skip "no python3"

site="$LR_TMP/site"
mkdir -p "$site"
printf 'hello world\n' >"$site/hello.txt"
printf '<p>index</p>\n' >"$site/index.html"
head -c 4099 /dev/urandom >"$site/odd.bin"
head -c 300000 /dev/urandom >"$site/big.bin"
mkdir -p "$site/a b%"
printf 'spaced\n' >"$site/a b%/index.html"

lr_config_write <<CONF
[http]
root = $site
cache_bytes = 16m
header_timeout = 1s
CONF
lr_start

timeout 180 ip netns exec "$LR_NS" "$LR_PY" "$(dirname "$0")/http_raw.py" "$LR_ADDR" "$site" 1 ||
    lr_fail "raw HTTP checks failed"
# A 301 Location curl can follow: percent-encoded (RFC 9110 10.2.2, RFC 3986 2.1).
loc=$(lr_ns curl -sS --max-time 10 -o /dev/null -w '%{redirect_url}' "http://$LR_ADDR/a%20b%25") ||
    lr_fail "curl on a directory without its slash"
lr_assert_eq "$loc" "http://$LR_ADDR/a%20b%25/" "301 Location, percent-encoded"
out=$(lr_ns curl -sS --max-time 10 -L "http://$LR_ADDR/a%20b%25") || lr_fail "curl -L"
lr_assert_eq "$out" "spaced" "redirect followed"
# OPTIONS * like OPTIONS /path (RFC 9110 9.3.7).
for t in '*' /hello.txt; do
    code=$(lr_ns curl -sS --max-time 10 -o /dev/null -w '%{http_code}' -X OPTIONS \
        --request-target "$t" "http://$LR_ADDR/") || lr_fail "curl OPTIONS $t"
    lr_assert_eq "$code" 200 "OPTIONS $t"
done
# Still serving normally afterwards.
out=$(lr_ns curl -sS --max-time 10 "http://$LR_ADDR/hello.txt") || lr_fail "curl after the checks"
lr_assert_eq "$out" "hello world" "served after the checks"
lr_stop
lr_pass
