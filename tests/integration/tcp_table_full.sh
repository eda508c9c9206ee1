#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Connection table full: with [tcp] max_conns = 8, eight held connections
# fill the table; a ninth is refused (RST, counted as tcp_table_full) and the
# eight established ones keep working.
. "$(dirname "$0")/lib.sh" "$@"

lr_config_write <<CONF
[tcp]
echo_port = 7
max_conns = 8
CONF
lr_start

flag="$LR_TMP/release"
lr_ns timeout 60 "$LR_PY" "$LR_SRC/tests/integration/tcp_echo_client.py" "$LR_ADDR" 7 \
    --mode hold --conns 8 --hold-until "$flag" --timeout 50 >"$LR_TMP/hold.log" 2>&1 &
holder=$!
for _ in $(seq 100); do
    grep -q '^holding 8' "$LR_TMP/hold.log" && break
    sleep 0.1
done
grep -q '^holding 8' "$LR_TMP/hold.log" || lr_fail "could not open 8 connections: $(cat "$LR_TMP/hold.log")"

lr_ns timeout 20 "$LR_PY" - "$LR_ADDR" <<'PY' || lr_fail "ninth connection was not refused"
import socket, sys
try:
    s = socket.create_connection((sys.argv[1], 7), timeout=5)
except ConnectionRefusedError:
    print("ok: ninth connection refused")
    sys.exit(0)
sys.exit("ninth connection accepted")
PY
full=$(lr_counter drops tcp_table_full) || exit 1
lr_assert_ge "$full" 1 "tcp_table_full drops"

touch "$flag"
wait "$holder" || lr_fail "held connections broken: $(cat "$LR_TMP/hold.log")"
cat "$LR_TMP/hold.log"
lr_stop
lr_pass
