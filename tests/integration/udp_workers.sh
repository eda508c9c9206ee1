#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# UDP services with two workers (lcores 1 and 2 sharing CPU 1) on a tap that
# cannot steer: echo (fragmented both ways) and TFTP transfers from several
# client ports at once stay byte-exact whichever worker receives a packet
# (flow handover by 4-tuple; each TFTP session's port is picked so that its
# flow is owned by the worker holding the session).
. "$(dirname "$0")/lib.sh" "$@"
lr_require_tools tftp curl sha256sum
[ "$(nproc)" -ge 2 ] || lr_skip "needs two CPUs"

ROOT="$LR_TMP/tftproot"
OUT="$LR_TMP/out"
mkdir -p "$ROOT" "$OUT"
head -c 1500000 /dev/urandom >"$ROOT/a.bin"

LR_LCORES=(--lcores "0@0,(1-2)@1")
lr_config_write <<CONF
[udp]
echo_port = 7

[tftp]
listen = 69
root = $ROOT
CONF
lr_start
lr_assert_log '^linerate: 2 worker(s), 1 port(s)$' "two workers"

lr_ns "$LR_PY" - "$LR_ADDR" <<'PY' || lr_fail "echo with two workers failed"
import os, socket, sys
addr = sys.argv[1]
# Many source ports so flows land on both workers.
for i in range(16):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2.0)
    for size in (64, 5000, 40000):
        data = os.urandom(size)
        for attempt in range(3):
            s.sendto(data, (addr, 7))
            try:
                got, _ = s.recvfrom(70000)
            except socket.timeout:
                continue
            if got != data:
                sys.exit("port %d size %d: echo differs" % (s.getsockname()[1], size))
            break
        else:
            sys.exit("size %d: no echo" % size)
    s.close()
print("echo: 48 datagrams ok from 16 ports")
PY

sum_a=$(sha256sum "$ROOT/a.bin" | cut -d' ' -f1)
pids=()
for i in 1 2 3 4; do
    lr_ns timeout 120 curl -sS --tftp-blksize 1428 -o "$OUT/c$i" "tftp://$LR_ADDR/a.bin" &
    pids+=($!)
    lr_ns timeout 120 tftp -m binary "$LR_ADDR" -c get a.bin "$OUT/t$i" >/dev/null 2>&1 &
    pids+=($!)
done
for p in "${pids[@]}"; do
    wait "$p" || lr_fail "a concurrent TFTP transfer failed"
done
for f in "$OUT"/c* "$OUT"/t*; do
    [ "$(sha256sum "$f" | cut -d' ' -f1)" = "$sum_a" ] || lr_fail "$(basename "$f"): content differs"
done
lr_log "8 concurrent TFTP transfers byte-exact"

field()
{
    "$LR_PY" -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"
}
tj=$(lr_telemetry /linerate/tftp) || exit 1
echo "/linerate/tftp: $tj"
lr_assert_ge "$(echo "$tj" | field completed)" 8 "completed transfers"
lr_assert_eq "$(echo "$tj" | field sessions_active)" 0 "sessions still open"
echo "/linerate/workers: $(lr_telemetry /linerate/workers)"

lr_stop
lr_pass
