#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Read-only TFTP server (RFC 1350, options RFC 2347-2349) against real
# clients: tftp-hpa (plain 512-byte blocks, octet and netascii), curl
# (blksize and tsize negotiation, blocks larger than the MTU so the DATA
# packets are IP fragments) and atftp when installed. Small and
# multi-megabyte files arrive byte-exact; a missing file gets error 1, a
# write request error 2; every session ends and the counters add up.
. "$(dirname "$0")/lib.sh" "$@"
lr_require_tools tftp curl sha256sum

ROOT="$LR_TMP/tftproot"
OUT="$LR_TMP/out"
mkdir -p "$ROOT/sub" "$OUT"
head -c 3000000 /dev/urandom >"$ROOT/big.bin"
head -c 1024 /dev/urandom >"$ROOT/even.bin" # a multiple of 512: ends with an empty block
head -c 700 /dev/urandom >"$ROOT/sub/small.bin"
: >"$ROOT/empty.bin"
for i in $(seq 200); do printf 'line %d\twith text\r\n' "$i"; printf 'bare lf %d\n' "$i"; done >"$ROOT/text.txt"

lr_config_write <<CONF
[tftp]
listen = 69
root = $ROOT
CONF
lr_start

sum_of() { sha256sum "$1" | cut -d' ' -f1; }

same()
{
    local what=$1 want=$2 got=$3
    [ -f "$got" ] || lr_fail "$what: nothing received"
    [ "$(sum_of "$want")" = "$(sum_of "$got")" ] ||
        lr_fail "$what: content differs ($(stat -c %s "$got") bytes, want $(stat -c %s "$want"))"
    lr_log "$what: ok ($(stat -c %s "$got") bytes)"
}

hpa()
{
    # tftp-hpa: -m mode, -c command; bounded by timeout.
    lr_ns timeout 120 tftp -m "$1" "$LR_ADDR" -c "${@:2}" 2>&1
}

# tftp-hpa, plain RFC 1350 (no options), octet mode.
for f in big.bin even.bin sub/small.bin empty.bin; do
    rm -f "$OUT/x"
    out=$(hpa binary get "$f" "$OUT/x") || lr_fail "tftp-hpa get $f: $out"
    same "tftp-hpa octet $f" "$ROOT/$f" "$OUT/x"
done
# netascii: the client turns CR LF back into LF and CR NUL into CR.
rm -f "$OUT/x"
out=$(hpa ascii get text.txt "$OUT/x") || lr_fail "tftp-hpa ascii get: $out"
same "tftp-hpa netascii text.txt" "$ROOT/text.txt" "$OUT/x"

# Errors: missing file (1), write request (2), escape from the root (2).
out=$(hpa binary get nope.bin "$OUT/nope")
echo "$out" | grep -q 'Error code 1' || lr_fail "missing file: expected error 1, got: $out"
out=$(hpa binary put "$ROOT/even.bin" even.bin)
echo "$out" | grep -q 'Error code 2' || lr_fail "write request: expected error 2, got: $out"
out=$(hpa binary get ../../etc/passwd "$OUT/pw")
echo "$out" | grep -q 'Error code 2' || lr_fail "traversal: expected error 2, got: $out"
lr_log "errors: ok"

# curl negotiates blksize and tsize (RFC 2348/2349).
for bs in 512 1428 8192 65464; do
    rm -f "$OUT/x"
    lr_ns timeout 120 curl -sS --tftp-blksize "$bs" -o "$OUT/x" "tftp://$LR_ADDR/big.bin" ||
        lr_fail "curl blksize $bs failed"
    same "curl blksize $bs big.bin" "$ROOT/big.bin" "$OUT/x"
done
rm -f "$OUT/x"
lr_ns timeout 60 curl -sS --tftp-blksize 1024 -o "$OUT/x" "tftp://$LR_ADDR/even.bin" ||
    lr_fail "curl even.bin failed"
same "curl blksize 1024 even.bin" "$ROOT/even.bin" "$OUT/x"
rm -f "$OUT/x"
lr_ns timeout 60 curl -sS -o "$OUT/x" "tftp://$LR_ADDR/sub/small.bin" || lr_fail "curl small failed"
same "curl sub/small.bin" "$ROOT/sub/small.bin" "$OUT/x"

transfers=11
if command -v atftp >/dev/null; then
    rm -f "$OUT/x"
    out=$(lr_ns timeout 120 atftp --option "blksize 1428" --option "tsize 0" -g -r big.bin \
        -l "$OUT/x" "$LR_ADDR" 2>&1) || lr_fail "atftp failed: $out"
    same "atftp blksize 1428 big.bin" "$ROOT/big.bin" "$OUT/x"
    transfers=$((transfers + 1))
fi

field()
{
    "$LR_PY" -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"
}
sleep 1
tj=$(lr_telemetry /linerate/tftp) || exit 1
echo "/linerate/tftp: $tj"
lr_assert_ge "$(echo "$tj" | field completed)" "$transfers" "completed transfers"
lr_assert_eq "$(echo "$tj" | field sessions_active)" 0 "sessions still open"
lr_assert_ge "$(echo "$tj" | field not_found)" 1 "not found answers"
lr_assert_eq "$(echo "$tj" | field timeouts)" 0 "abandoned transfers"

lr_stop
lr_pass
