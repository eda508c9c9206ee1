#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# FTP server against real clients (python ftplib, curl, wget, lftp) on
# net_tap in a namespace: login, listings (LIST/NLST/MLSD, passive and
# active), RETR of a small file and of a generated 20 MB file byte-exact,
# ASCII vs binary, REST resume, STOR/APPE/MKD/RENAME/DELE/RMD by a user from
# a users file made with tools/lr-ftp-passwd and re-download, refusals
# (anonymous STOR, bad password, PORT bounce, traversal), concurrent sessions.
. "$(dirname "$0")/lib.sh" "$@"
lr_require_tools curl wget lftp openssl

root="$LR_TMP/root"
mkdir -p "$root/sub" "$root/upload"
printf 'line one\nline two\n\nlast line\n' >"$root/small.txt"
head -c 20971520 /dev/urandom >"$root/big.bin"
echo "nested" >"$root/sub/nested.txt"
"$LR_SRC/tools/lr-ftp-passwd" -f "$LR_TMP/users" alice 's3cret pass' || lr_fail "lr-ftp-passwd"

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
CONF
lr_start

check() { lr_ns timeout 300 "$LR_PY" "$LR_SRC/tests/integration/ftp_check.py" "$LR_ADDR" "$root" alice 's3cret pass' "$@"; }
check basics || lr_fail "basics"
check listing || lr_fail "listing"
check retr || lr_fail "retr"
check ascii || lr_fail "ascii"
check rest || lr_fail "rest"
check stor || lr_fail "stor"
check refusals || lr_fail "refusals"
check concurrent || lr_fail "concurrent"
check abort || lr_fail "abort"

want=$(sha256sum <"$root/big.bin")
got=$(lr_ns timeout 120 curl -s --max-time 100 "ftp://$LR_ADDR/big.bin" | sha256sum)
lr_assert_eq "$got" "$want" "curl ftp:// RETR big.bin (EPSV)"
got=$(lr_ns timeout 120 curl -s --max-time 100 --ftp-port - "ftp://$LR_ADDR/big.bin" | sha256sum)
lr_assert_eq "$got" "$want" "curl ftp:// RETR big.bin (active)"
lr_ns timeout 30 curl -s --max-time 20 "ftp://$LR_ADDR/" | grep -q 'small.txt' ||
    lr_fail "curl ftp:// listing"
got=$(lr_ns timeout 120 wget -q -T 60 -O - "ftp://$LR_ADDR/big.bin" | sha256sum)
lr_assert_eq "$got" "$want" "wget ftp:// RETR big.bin"
got=$(cd "$LR_TMP" && lr_ns timeout 120 lftp -e "set net:timeout 20; set net:max-retries 2; set ftp:passive-mode on; cat big.bin; quit" "ftp://$LR_ADDR" | sha256sum)
lr_assert_eq "$got" "$want" "lftp passive RETR big.bin"
got=$(cd "$LR_TMP" && lr_ns timeout 120 lftp -e "set net:timeout 20; set net:max-retries 2; set ftp:passive-mode off; cat big.bin; quit" "ftp://$LR_ADDR" | sha256sum)
lr_assert_eq "$got" "$want" "lftp active RETR big.bin"
# curl upload by the configured user, then re-download byte-exact.
head -c 5000000 /dev/urandom >"$LR_TMP/curl-up.bin"
lr_ns timeout 120 curl -s --max-time 100 -T "$LR_TMP/curl-up.bin" \
    "ftp://alice:s3cret%20pass@$LR_ADDR/upload/curl-up.bin" || lr_fail "curl STOR"
cmp -s "$LR_TMP/curl-up.bin" "$root/upload/curl-up.bin" || lr_fail "curl STOR: bytes on disk differ"
got=$(lr_ns timeout 120 curl -s --max-time 100 "ftp://$LR_ADDR/upload/curl-up.bin" | sha256sum)
lr_assert_eq "$got" "$(sha256sum <"$LR_TMP/curl-up.bin")" "curl RETR of the upload"
lr_ns timeout 30 curl -s --max-time 20 -T "$LR_TMP/curl-up.bin" "ftp://$LR_ADDR/upload/anon.bin" &&
    lr_fail "anonymous curl STOR accepted"
[ ! -e "$root/upload/anon.bin" ] || lr_fail "anonymous upload reached the disk"
lr_ns timeout 60 lftp -e "set net:timeout 20; set net:max-retries 2; cls -1; quit" "ftp://$LR_ADDR" | grep -q '^sub/\?$' ||
    lr_fail "lftp listing"

# /linerate/ftp: the per-worker counters summed.
ftp=$(lr_telemetry /linerate/ftp) || exit 1
lr_log "ftp counters: $ftp"
field() { printf '%s' "$ftp" | "$LR_PY" -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
lr_assert_ge "$(field transfers_ok)" 40 "ftp transfers_ok"
lr_assert_ge "$(field logins_failed)" 1 "ftp logins_failed"
lr_assert_ge "$(field bytes_down)" 150000000 "ftp bytes_down"
lr_assert_ge "$(field bytes_up)" 3145728 "ftp bytes_up"
lr_stop
lr_pass
