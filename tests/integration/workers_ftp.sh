#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# FTP with two workers behind a 2-queue net_tap. A data connection must be
# served by the worker of its control connection: passive data ports are
# owned by (port - pasv_min) % workers whatever their hash (the override of
# lr_flow.h, lr_ftp_pasv_owner), active data connections leave from a port
# whose flow hashes to the opening worker (lr_flow_pick_port). Passive and
# active RETR, STOR and many concurrent sessions must be byte-exact, with
# both workers carrying connections.
. "$(dirname "$0")/lib.sh" "$@"
lr_require_tools curl
[ "$(nproc)" -ge 2 ] || lr_skip "needs two CPUs"

root="$LR_TMP/root"
mkdir -p "$root/upload"
printf 'line one\nline two\n\nlast line\n' >"$root/small.txt"
head -c 4194304 /dev/urandom >"$root/big.bin"
"$LR_SRC/tools/lr-ftp-passwd" -f "$LR_TMP/users" alice 's3cret pass' || lr_fail "lr-ftp-passwd"

lr_config_write <<CONF
[http]
root = $root

[ftp]
root = $root
upload_dir = upload
users = $LR_TMP/users
pasv_ports = 50000-50099
idle_timeout = 60s
# Ignored with several workers (a connection from port 20 could not be
# placed on the control connection's worker): active data comes from a
# picked port instead, which this test checks still works.
active_from_port_20 = yes
CONF
LR_LCORES=(--lcores "0@0,1@0,2@1")
lr_start
lr_assert_log '^linerate: 2 worker(s), 1 port(s)$' "two workers"

check() { lr_ns timeout 300 "$LR_PY" "$LR_SRC/tests/integration/ftp_check.py" "$LR_ADDR" "$root" alice 's3cret pass' "$@"; }
# Several sessions one after the other (their control connections land on
# both workers), each with passive and active transfers.
for i in 1 2 3 4 5 6; do
    check retr || lr_fail "retr, session $i"
done
check concurrent || lr_fail "concurrent sessions"
check upload || lr_fail "STOR and re-download"

want=$(sha256sum <"$root/big.bin")
for i in 1 2 3 4; do
    got=$(lr_ns timeout 60 curl -s --max-time 50 "ftp://$LR_ADDR/big.bin" | sha256sum)
    lr_assert_eq "$got" "$want" "curl EPSV RETR big.bin ($i)"
    got=$(lr_ns timeout 60 curl -s --max-time 50 --ftp-port - "ftp://$LR_ADDR/big.bin" | sha256sum)
    lr_assert_eq "$got" "$want" "curl active RETR big.bin ($i)"
done

workers=$(lr_telemetry /linerate/workers) || exit 1
lr_log "workers: $workers"
"$LR_PY" - "$workers" <<'PY' || lr_fail "per-worker telemetry"
import json, sys
w = json.loads(sys.argv[1])
assert sorted(w) == ["0", "1"], w
assert all(x["conns_total"] > 0 for x in w.values()), "a worker carried no connection: %s" % w
PY
ftp=$(lr_telemetry /linerate/ftp) || exit 1
lr_log "ftp counters: $ftp"
ok=$(printf '%s' "$ftp" | "$LR_PY" -c 'import json, sys; print(json.load(sys.stdin)["transfers_ok"])')
# 6 x 4 (retr) + 8 x 3 (concurrent) + 2 (upload) + 8 (curl)
lr_assert_ge "$ok" 58 "ftp transfers_ok"
lr_stop
lr_pass
