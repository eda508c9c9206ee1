#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Regression for a remote crash on the shipped default configuration: a
# wrong FTP password with the client staying connected killed the appliance
# about a second later (the 530 delay timer ran a NULL callback). The shipped
# config/default.conf as it is; a failed login, stay connected, retry, then
# the failure limit, then 50 sessions doing it at once; the appliance must
# stay alive, answer HTTP and count every failure.
. "$(dirname "$0")/lib.sh" "$@"
lr_require_tools curl

LR_CONF="$LR_SRC/config/default.conf"
lr_start

check() { lr_ns timeout 300 "$LR_PY" "$LR_SRC/tests/integration/ftp_login_fail.py" "$LR_ADDR" "$@"; }
check retry || lr_fail "retry after a failed login"
kill -0 "$LR_PID" 2>/dev/null || lr_fail "linerate died after failed logins"
check concurrent || lr_fail "50 concurrent sessions with failed logins"
kill -0 "$LR_PID" 2>/dev/null || lr_fail "linerate died after concurrent failed logins"

want=$(sha256sum <"$LR_SRC/config/www/index.html")
got=$(lr_ns timeout 30 curl -s --max-time 20 "http://$LR_ADDR/index.html" | sha256sum)
lr_assert_eq "$got" "$want" "HTTP GET after the failed logins"

ftp=$(lr_telemetry /linerate/ftp) || exit 1
lr_log "ftp counters: $ftp"
field() { printf '%s' "$ftp" | "$LR_PY" -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
# retry: 2 + at least 3 to the limit; concurrent: 2 each.
lr_assert_ge "$(field logins_failed)" 105 "ftp logins_failed"
lr_assert_ge "$(field logins_ok)" 51 "ftp logins_ok"
lr_stop
lr_pass
