#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# A transfer that stalls (no byte moves on its data connection for [ftp]
# idle_timeout) is aborted with 426 and leaves nothing: found by the soak run,
# where an aborted upload whose RST the fault layer dropped kept its session,
# both connections and its temporary file for good (the session's idle timer
# does not run during a transfer, and TCP has nothing unacknowledged on an
# upload). Upload and download, the session usable after each.
. "$(dirname "$0")/lib.sh" "$@"

root="$LR_TMP/root"
mkdir -p "$root/upload"
printf 'line one\nline two\n' >"$root/small.txt"
head -c 33554432 /dev/urandom >"$root/huge.bin" # more than both windows hold
"$LR_SRC/tools/lr-ftp-passwd" -f "$LR_TMP/users" dave 'pw dave' || lr_fail "lr-ftp-passwd"

lr_config_write <<CONF
[ftp]
root = $root
upload_dir = upload
users = $LR_TMP/users
pasv_ports = 50000-50099
idle_timeout = 2s
CONF
lr_start

lr_ns timeout 120 "$LR_PY" "$LR_SRC/tests/integration/ftp_errors.py" "$LR_ADDR" "$root" dave 'pw dave' \
    1048576 stall || lr_fail "stalled transfers"

ftp=$(lr_telemetry /linerate/ftp) || exit 1
lr_log "ftp counters: $ftp"
field() { printf '%s' "$ftp" | "$LR_PY" -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
lr_assert_eq "$(field data_stalled)" 2 "ftp data_stalled"
lr_assert_eq "$(field sessions_active)" 0 "ftp sessions_active"
lr_stop
lr_pass
