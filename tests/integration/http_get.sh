#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# HTTP/1.1 server with real clients: curl and wget downloads byte-exact
# (sha256) for small files and a generated 20 MB file, HEAD, Range (206/416),
# conditional requests (304), directory redirect and index, 404, keep-alive
# connection reuse, Content-Type by extension.
. "$(dirname "$0")/lib.sh" "$@"
lr_require_tools curl wget sha256sum dd

site="$LR_TMP/site"
mkdir -p "$site/sub" "$site/docs"
printf 'hello world\n' >"$site/hello.txt"
printf '<!doctype html><p>index</p>\n' >"$site/index.html"
printf '<p>sub</p>\n' >"$site/sub/index.html"
printf 'body{}' >"$site/docs/a.css"
head -c 777 /dev/urandom >"$site/odd.bin"
dd if=/dev/urandom of="$site/big.bin" bs=1M count=20 status=none || lr_fail "cannot create big.bin"

lr_config_write <<CONF
[http]
root = $site
cache_bytes = 64m
server_name = lr-itest
CONF
lr_start
lr_assert_log "file cache: $site" "file cache loaded"

url="http://$LR_ADDR"
c() { lr_ns curl -sS --max-time 60 "$@"; }
sha() { sha256sum "$1" | cut -d' ' -f1; }

# Byte-exact downloads, curl and wget.
for f in hello.txt odd.bin index.html big.bin; do
    c -o "$LR_TMP/curl.$f" "$url/$f" || lr_fail "curl $f failed"
    lr_assert_eq "$(sha "$LR_TMP/curl.$f")" "$(sha "$site/$f")" "curl $f sha256"
done
lr_ns wget -q -T 60 -t 1 -O "$LR_TMP/wget.big" "$url/big.bin" || lr_fail "wget big.bin failed"
lr_assert_eq "$(sha "$LR_TMP/wget.big")" "$(sha "$site/big.bin")" "wget big.bin sha256"
lr_log "curl and wget downloads byte-exact (20 MB included)"

# Status codes and headers.
code() { c -o /dev/null -w '%{http_code}' "$@"; }
lr_assert_eq "$(code "$url/missing")" 404 "missing file"
lr_assert_eq "$(code "$url/")" 200 "root index"
lr_assert_eq "$(code -X POST -d x=1 "$url/hello.txt")" 405 "POST"
lr_assert_eq "$(code "$url/sub")" 301 "directory without slash"
lr_assert_eq "$(c -o /dev/null -w '%{redirect_url}' "$url/sub")" "$url/sub/" "redirect target"
lr_assert_eq "$(c -L "$url/sub")" "<p>sub</p>" "redirect followed to the index"
lr_assert_eq "$(code "$url/docs/")" 404 "directory without index"
lr_assert_eq "$(code "$url/%2e%2e/%2e%2e/etc/passwd")" 400 "encoded traversal"

head=$(c -I "$url/hello.txt") || lr_fail "HEAD failed"
echo "$head" | grep -q '^HTTP/1.1 200' || lr_fail "HEAD status: $head"
echo "$head" | grep -qi '^content-length: 12' || lr_fail "HEAD length: $head"
echo "$head" | grep -qi '^content-type: text/plain' || lr_fail "HEAD type: $head"
echo "$head" | grep -qi '^server: lr-itest' || lr_fail "Server header: $head"
echo "$head" | grep -qi '^date: ' || lr_fail "Date header: $head"
c -I "$url/docs/a.css" | grep -qi '^content-type: text/css' || lr_fail "css content type"

# Range.
c -r 1000-1999 -o "$LR_TMP/range" "$url/big.bin" || lr_fail "range request"
dd if="$site/big.bin" of="$LR_TMP/range.want" bs=1000 skip=1 count=1 status=none
lr_assert_eq "$(sha "$LR_TMP/range")" "$(sha "$LR_TMP/range.want")" "range 1000-1999"
lr_assert_eq "$(code -r 1000-1999 "$url/big.bin")" 206 "range status"
lr_assert_eq "$(c -r -5 "$url/hello.txt")" "orld" "suffix range"
lr_assert_eq "$(code -r 99999999- "$url/big.bin")" 416 "unsatisfiable range"
# Resume a partial download (curl -C -).
head -c 5000000 "$site/big.bin" >"$LR_TMP/resume"
c -C - -o "$LR_TMP/resume" "$url/big.bin" || lr_fail "resume"
lr_assert_eq "$(sha "$LR_TMP/resume")" "$(sha "$site/big.bin")" "resumed download"

# Conditional requests.
etag=$(c -I "$url/hello.txt" | tr -d '\r' | sed -n 's/^[Ee][Tt]ag: //p')
[ -n "$etag" ] || lr_fail "no ETag"
lr_assert_eq "$(code -H "If-None-Match: $etag" "$url/hello.txt")" 304 "If-None-Match"
lr_assert_eq "$(code -H 'If-None-Match: "nope"' "$url/hello.txt")" 200 "If-None-Match other"
lm=$(c -I "$url/hello.txt" | tr -d '\r' | sed -n 's/^[Ll]ast-[Mm]odified: //p')
lr_assert_eq "$(code -H "If-Modified-Since: $lm" "$url/hello.txt")" 304 "If-Modified-Since"
lr_assert_eq "$(code -z 'Thu, 01 Jan 1970 00:00:00 GMT' "$url/hello.txt")" 200 "old IMS"

# Keep-alive: several URLs over one connection.
out=$(c -v -o /dev/null -o /dev/null -o /dev/null "$url/hello.txt" "$url/odd.bin" "$url/index.html" 2>&1) ||
    lr_fail "keep-alive run failed"
n=$(echo "$out" | grep -c 'Re-using existing connection\|Reusing existing connection')
lr_assert_ge "$n" 2 "connection reused"
# HTTP/1.0 with and without keep-alive.
lr_assert_eq "$(c -0 "$url/hello.txt")" "hello world" "HTTP/1.0"

# /linerate/http (the module's own counters) and the per-second line by class.
http=$(lr_telemetry /linerate/http) || exit 1
ok=$(printf '%s\n' "$http" | "$LR_PY" -c 'import json,sys; print(json.load(sys.stdin)["responses_2xx"])') ||
    lr_fail "no responses_2xx in /linerate/http: $http"
lr_assert_ge "$ok" 10 "/linerate/http responses_2xx"
lr_assert_ge "$(lr_counter modules responses_2xx)" "$ok" "/linerate/stats modules.responses_2xx"
lr_wait_log '^stats: .* 2xx=[0-9]* 3xx=[0-9]* 4xx=[0-9]* 5xx=[0-9]* sessions=[0-9]* xfers=' \
    "stats line with responses by class"

lr_stop
reqs=$(sed -n 's/^final: modules .*requests=\([0-9]*\).*/\1/p' "$LR_LOGFILE" | tail -n 1)
lr_assert_ge "${reqs:-0}" 30 "requests served (final summary)"
lr_pass
