#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# FTP error paths (issue 11), each walked the way a real client does: fail,
# stay connected, try again. Uploads are atomic (a temporary name in the
# upload directory, renamed at 226): over-limit STOR/APPE (552) leave
# nothing, a reset data or control connection leaves nothing and the orphaned
# data connection is aborted, ABOR then LIST, 550 then RETR, STOU; temporary names
# are hidden and refused; 226 comes after EOF without waiting for the
# client's close; CWD .. at the root; SIZE in ASCII mode; stale temporary
# files removed at start, an upload running at stop removed at stop.
. "$(dirname "$0")/lib.sh" "$@"

root="$LR_TMP/root"
mkdir -p "$root/sub" "$root/upload/deeper"
printf 'line one\nline two\n\nlast line\n' >"$root/small.txt"
printf 'a\r\nb\nc\r\r\n\n' >"$root/crlf.txt"
head -c 3000000 /dev/urandom >"$root/big.bin"
# Left by a crash: removed at start. Other dot files stay.
echo partial >"$root/upload/.lr-part-w0-stale"
echo partial >"$root/upload/deeper/.lr-part-w0-stale2"
echo keep >"$root/upload/.keep"
"$LR_SRC/tools/lr-ftp-passwd" -f "$LR_TMP/users" carol 'pw carol' || lr_fail "lr-ftp-passwd"
limit=1048576

lr_config_write <<CONF
[ftp]
root = $root
upload_dir = upload
users = $LR_TMP/users
pasv_ports = 50000-50099
max_upload_bytes = 1m
CONF
lr_start

[ ! -e "$root/upload/.lr-part-w0-stale" ] || lr_fail "stale temporary upload not removed at start"
[ ! -e "$root/upload/deeper/.lr-part-w0-stale2" ] || lr_fail "stale temporary upload in a subdirectory not removed at start"
[ -e "$root/upload/.keep" ] || lr_fail "start removed a file that is not a temporary upload"

check() { lr_ns timeout 300 "$LR_PY" "$LR_SRC/tests/integration/ftp_errors.py" "$LR_ADDR" "$root" carol 'pw carol' "$limit" "$@"; }
for c in eof_226 overlimit_stor overlimit_appe data_reset ctrl_reset abort_then_list stou temp_hidden cwd_root size_ascii; do
    check "$c" || lr_fail "$c"
done

ftp=$(lr_telemetry /linerate/ftp) || exit 1
lr_log "ftp counters: $ftp"
field() { printf '%s' "$ftp" | "$LR_PY" -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
lr_assert_ge "$(field uploads_too_big)" 3 "ftp uploads_too_big"
lr_assert_ge "$(field uploads_discarded)" 9 "ftp uploads_discarded"
lr_assert_ge "$(field data_orphaned)" 2 "ftp data_orphaned"

# An upload still running at stop: its temporary file is removed at stop.
flag="$LR_TMP/uploading"
check stop_upload "$flag" &
up=$!
for _ in $(seq 100); do
    [ -e "$flag" ] && break
    sleep 0.1
done
[ -e "$flag" ] || lr_fail "stop_upload did not start"
ls -a "$root/upload" | grep -q '^\.lr-part-' || lr_fail "no temporary file while the upload runs"
lr_stop
wait "$up"
left=$(ls -a "$root/upload" | grep '^\.lr-part-\|^stopped.bin$')
[ -z "$left" ] || lr_fail "upload running at stop left: $left"
lr_pass
