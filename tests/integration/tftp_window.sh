#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# TFTP windowsize (RFC 7440) and transfer IDs (RFC 1350 §4): a python client
# over raw UDP (tftp_window.py) fetches a file with windowsize 8 byte-exact,
# with a lost ACK and with an ACK inside the window; refusals come from a
# new TID (checked on the wire by the python client; curl reports it as
# exit 68, "TFTP file not found").
. "$(dirname "$0")/lib.sh" "$@"
lr_require_tools curl sha256sum
"$LR_PY" -c 'import socket' || lr_skip "no python3"

ROOT="$LR_TMP/tftproot"
mkdir -p "$ROOT"
head -c 1000000 /dev/urandom >"$ROOT/file.bin"

lr_config_write <<CONF
[tftp]
listen = 69
root = $ROOT
max_window = 64
CONF
lr_start

timeout 300 ip netns exec "$LR_NS" "$LR_PY" "$(dirname "$0")/tftp_window.py" "$LR_ADDR" "$ROOT" \
    file.bin || lr_fail "TFTP window checks failed"

# curl: a missing file is TFTP error 1 (curl exit 68, CURLE_TFTP_NOTFOUND).
# curl 7.88 (bookworm) then prints "getpeername() failed" whatever the
# server does: it asks its unconnected UDP socket for the peer when the
# transfer ends (curl issue 13318); the exit code is what tells.
rc=0
out=$(lr_ns timeout 30 curl -sS -o /dev/null "tftp://$LR_ADDR/missing.bin" 2>&1) || rc=$?
lr_assert_eq "$rc" 68 "curl exit code for a missing file ($out)"
# and a whole file still comes through curl.
lr_ns timeout 60 curl -sS -o "$LR_TMP/x" "tftp://$LR_ADDR/file.bin" || lr_fail "curl get failed"
[ "$(sha256sum <"$LR_TMP/x")" = "$(sha256sum <"$ROOT/file.bin")" ] || lr_fail "curl: content differs"

field()
{
    "$LR_PY" -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"
}
sleep 1
tj=$(lr_telemetry /linerate/tftp) || exit 1
echo "/linerate/tftp: $tj"
lr_assert_eq "$(echo "$tj" | field completed)" 6 "completed transfers"
lr_assert_eq "$(echo "$tj" | field sessions_active)" 0 "sessions still open"
lr_assert_ge "$(echo "$tj" | field window_rewinds)" 1 "window rewinds"
lr_assert_ge "$(echo "$tj" | field retransmits)" 8 "retransmitted blocks"
lr_assert_eq "$(echo "$tj" | field not_found)" 2 "not found answers"
lr_assert_eq "$(echo "$tj" | field tid_exhausted)" 0 "refusals from the listen port"
lr_stop
lr_pass
