#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# FTPS, explicit (RFC 4217), against real clients on net_tap in a namespace:
# python ftplib.FTP_TLS (PROT P RETR 20 MB over PASV and PORT, LIST, STOR
# byte-exact on disk, PROT C, CCC refused), lftp with ftp:ssl-force
# (download and upload), curl --ssl-reqd (EPSV, upload); the
# STARTTLS command injection (plaintext pipelined after AUTH TLS is
# discarded, counted); a garbage handshake after AUTH; clients that go away
# mid-transfer or stall their handshake; then [ftp] tls = require. Every
# error case is followed by a good session, and the counters are checked.
. "$(dirname "$0")/lib.sh" "$@"
lr_require_tools curl lftp openssl

root="$LR_TMP/root"
mkdir -p "$root/sub" "$root/upload"
printf 'line one\nline two\n\nlast line\n' >"$root/small.txt"
head -c 20971520 /dev/urandom >"$root/big.bin"
"$LR_SRC/tools/lr-ftp-passwd" -f "$LR_TMP/users" alice 's3cret pass' || lr_fail "lr-ftp-passwd"

write_conf() {
    lr_config_write <<CONF
[http]
root = $root

[ftp]
root = $root
upload_dir = upload
users = $LR_TMP/users
anonymous = yes
pasv_ports = 50000-50099
idle_timeout = 60s
tls = $1

[tls]
handshake_timeout = 3s
${2:-}
CONF
}
write_conf allow
lr_start
lr_assert_log 'self-signed certificate generated at start' "self-signed certificate for [ftp] tls"

check() { lr_ns timeout 300 "$LR_PY" "$LR_SRC/tests/integration/ftps_check.py" "$LR_ADDR" "$root" alice 's3cret pass' "$@"; }
check transfers || lr_fail "ftplib transfers"
check inject || lr_fail "ftplib inject"
check badhs || lr_fail "ftplib badhs"
check midway || lr_fail "ftplib midway"

want=$(sha256sum <"$root/big.bin")
lftp_tls() {
    (cd "$LR_TMP" && lr_ns timeout 120 lftp -e "set net:timeout 20; set net:max-retries 2; set ftp:ssl-force true; set ftp:ssl-protect-data true; set ssl:verify-certificate no; $1; quit" "ftp://alice:s3cret%20pass@$LR_ADDR")
}
got=$(lftp_tls "set ftp:passive-mode on; cat big.bin" | sha256sum)
lr_assert_eq "$got" "$want" "lftp ssl-force passive RETR big.bin"
got=$(lftp_tls "set ftp:passive-mode off; cat big.bin" | sha256sum)
lr_assert_eq "$got" "$want" "lftp ssl-force active RETR big.bin"
head -c 4000000 /dev/urandom >"$LR_TMP/lftp-up.bin"
lftp_tls "put $LR_TMP/lftp-up.bin -o upload/lftp-up.bin" || lr_fail "lftp ssl-force put"
cmp -s "$LR_TMP/lftp-up.bin" "$root/upload/lftp-up.bin" || lr_fail "lftp put: bytes on disk differ"

got=$(lr_ns timeout 120 curl -s -k --ssl-reqd --max-time 100 "ftp://$LR_ADDR/big.bin" | sha256sum)
lr_assert_eq "$got" "$want" "curl --ssl-reqd RETR big.bin (EPSV)"
# No curl --ftp-port here: libcurl 7.87-7.88 (Debian 12 has 7.88.1) never
# starts TLS on an active FTPS data connection (curl/curl#10666); active
# PROT P is covered by ftplib (PORT) and lftp above.
head -c 5000000 /dev/urandom >"$LR_TMP/curl-up.bin"
lr_ns timeout 120 curl -s -k --ssl-reqd --max-time 100 -T "$LR_TMP/curl-up.bin" \
    "ftp://alice:s3cret%20pass@$LR_ADDR/upload/curl-up.bin" || lr_fail "curl --ssl-reqd STOR"
cmp -s "$LR_TMP/curl-up.bin" "$root/upload/curl-up.bin" || lr_fail "curl STOR: bytes on disk differ"
# A plain client still works with tls = allow.
got=$(lr_ns timeout 120 curl -s --max-time 100 "ftp://$LR_ADDR/big.bin" | sha256sum)
lr_assert_eq "$got" "$want" "plain curl RETR big.bin with tls = allow"

ftp=$(lr_telemetry /linerate/ftp) || exit 1
tls=$(lr_telemetry /linerate/tls) || exit 1
lr_log "ftp counters: $ftp"
lr_log "tls counters: $tls"
field() { printf '%s' "$1" | "$LR_PY" -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$2"; }
# transfers (8) + inject + badhs + midway (3) + lftp (3) + curl (3) sessions said AUTH TLS.
lr_assert_ge "$(field "$ftp" tls_auth)" 12 "ftp tls_auth"
lr_assert_ge "$(field "$ftp" tls_plaintext_discarded)" 12 "ftp tls_plaintext_discarded (inject)"
lr_assert_ge "$(field "$ftp" transfers_ok)" 17 "ftp transfers_ok"
lr_assert_ge "$(field "$tls" starttls)" 25 "tls starttls (control and data connections)"
lr_assert_ge "$(field "$tls" failed_malformed)" 1 "tls failed_malformed (garbage after AUTH)"
lr_assert_ge "$(field "$tls" failed_timeout)" 1 "tls failed_timeout (stalled handshake)"
lr_assert_eq "$(field "$tls" handshakes_in_progress)" 0 "tls handshakes in progress at the end"
# ftplib answers our close_notify with its own (unwrap), at times before our
# FIN reached it: taken and dropped, not reset (a reset there ended a
# complete download in 426).
lr_assert_ge "$(lr_counter drops tcp_discarded_after_close)" 8 "drops tcp_discarded_after_close (close_notify after our close)"
lr_stop

# [ftp] tls = require: plaintext logins refused, TLS ones work.
ip netns del "$LR_NS"
write_conf require
lr_start
check require || lr_fail "ftplib require"
lr_ns timeout 30 curl -s --max-time 20 "ftp://alice:s3cret%20pass@$LR_ADDR/small.txt" >/dev/null &&
    lr_fail "tls = require: a plaintext curl login went through"
got=$(lftp_tls "cat big.bin" | sha256sum)
lr_assert_eq "$got" "$want" "lftp ssl-force RETR big.bin with tls = require"
ftp=$(lr_telemetry /linerate/ftp) || exit 1
lr_assert_ge "$(field "$ftp" tls_refused)" 3 "ftp tls_refused (require)"
lr_stop

# A session pool of 2 ([tls] max_sessions): a PROT P data connection
# beyond it is refused and counted; the client stays and gets its listing
# over TLS once a session is free. Without max_sessions, FTPS alone asks
# for 4 per [ftp] max_sessions (256): 1024.
ip netns del "$LR_NS"
write_conf allow
lr_start
tls=$(lr_telemetry /linerate/tls) || exit 1
lr_assert_eq "$(field "$tls" sessions_max)" 1024 "tls sessions_max with FTPS alone"
lr_stop
ip netns del "$LR_NS"
write_conf allow "max_sessions = 2"
lr_start
check pool || lr_fail "ftplib pool"
ftp=$(lr_telemetry /linerate/ftp) || exit 1
tls=$(lr_telemetry /linerate/tls) || exit 1
lr_assert_eq "$(field "$tls" sessions_max)" 2 "tls sessions_max with [tls] max_sessions = 2"
lr_assert_ge "$(field "$ftp" tls_start_failed)" 1 "ftp tls_start_failed (pool full)"
lr_assert_eq "$(field "$tls" handshakes_in_progress)" 0 "tls handshakes in progress at the end"
lr_stop
lr_pass
