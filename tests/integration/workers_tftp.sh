#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# TFTP with two workers behind a 2-queue net_tap. A read request to port 69
# belongs to the worker that owns that flow; the session's transfer ID is a
# port whose flow (TID -> client port) hashes to the same worker
# (lr_flow_pick_port), so the client's ACKs come back to it, handed over if
# the kernel delivers them to the other queue. Many sequential and parallel
# gets (tftp-hpa with 512-byte blocks; curl with blksize 8192, so the
# client's packets may be IP fragments reassembled before steering) must be
# byte-exact, with both workers serving sessions.
. "$(dirname "$0")/lib.sh" "$@"
lr_require_tools tftp curl sha256sum
[ "$(nproc)" -ge 2 ] || lr_skip "needs two CPUs"

ROOT="$LR_TMP/tftproot"
OUT="$LR_TMP/out"
mkdir -p "$ROOT" "$OUT"
head -c 1000000 /dev/urandom >"$ROOT/big.bin"
want=$(sha256sum <"$ROOT/big.bin" | cut -d' ' -f1)

lr_config_write <<CONF
[tftp]
listen = 69
root = $ROOT
CONF
LR_LCORES=(--lcores "0@0,1@0,2@1")
lr_start
lr_assert_log '^linerate: 2 worker(s), 1 port(s)$' "two workers"

for i in $(seq 8); do
    rm -f "$OUT/x"
    out=$(lr_ns timeout 60 tftp -m binary "$LR_ADDR" -c get big.bin "$OUT/x" 2>&1) ||
        lr_fail "tftp-hpa get $i: $out"
    [ "$(sha256sum <"$OUT/x" | cut -d' ' -f1)" = "$want" ] || lr_fail "tftp-hpa get $i: content differs"
done
pids=()
for i in $(seq 8); do
    lr_ns timeout 60 curl -s --max-time 50 --tftp-blksize 8192 -o "$OUT/c$i" "tftp://$LR_ADDR/big.bin" &
    pids+=($!)
done
for i in $(seq 8); do
    wait "${pids[$((i - 1))]}" || lr_fail "curl get $i failed"
    [ "$(sha256sum <"$OUT/c$i" | cut -d' ' -f1)" = "$want" ] || lr_fail "curl get $i: content differs"
done

workers=$(lr_telemetry /linerate/workers) || exit 1
lr_log "workers: $workers"
tftp=$(lr_telemetry /linerate/tftp) || exit 1
lr_log "tftp: $tftp"
"$LR_PY" - "$workers" <<'PY' || lr_fail "per-worker telemetry"
import json, sys
w = json.loads(sys.argv[1])
assert sorted(w) == ["0", "1"], w
assert all(x["tx_pkts"] > 1000 for x in w.values()), "a worker served no transfer: %s" % w
PY
lr_stop
lr_pass
