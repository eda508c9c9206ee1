#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# FTP transfers stay byte-exact with the fault layer on (2% drop,
# duplication, reordering and corruption both ways): a 20 MB RETR (zero-copy
# from the file cache) and a 4 MB STOR through the disk I/O thread, compared
# by SHA-256.
. "$(dirname "$0")/lib.sh" "$@"
lr_require_tools openssl

root="$LR_TMP/root"
mkdir -p "$root/upload"
head -c 20971520 /dev/urandom >"$root/big.bin"
printf 'x\n' >"$root/small.txt"
"$LR_SRC/tools/lr-ftp-passwd" -f "$LR_TMP/users" bob 'pw-for-bob' || lr_fail "lr-ftp-passwd"

lr_config_write <<CONF
[http]
root = $root

[ftp]
root = $root
upload_dir = upload
users = $LR_TMP/users
pasv_ports = 50000-50099

[fault]
seed = 11
drop = 2
duplicate = 2
reorder = 2
corrupt = 2
CONF
lr_start

# Under 4% loss the peers' retransmission and persist timers back off for
# seconds: give each socket operation two minutes.
if ! lr_ns env FTP_CHECK_TIMEOUT=120 timeout 500 "$LR_PY" "$LR_SRC/tests/integration/ftp_check.py" \
    "$LR_ADDR" "$root" bob 'pw-for-bob' big upload; then
    lr_log "tcp: $(lr_telemetry /linerate/tcp)"
    lr_log "conns: $(lr_telemetry /linerate/conns)"
    lr_log "ftp: $(lr_telemetry /linerate/ftp)"
    lr_fail "transfers under faults"
fi

retrans=$(lr_counter modules retransmits) || exit 1
lr_assert_ge "$retrans" 1 "TCP retransmits under 2% loss"
lr_stop
lr_pass
