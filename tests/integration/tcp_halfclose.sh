#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# TCP half-close (RFC 9293 §3.6): the client sends its data and shuts down
# its sending side at once; linerate's echo service must still send back
# every byte after having received the FIN (CLOSE_WAIT keeps sending), then
# close its side. Also a discard connection closes cleanly on the peer's FIN.
. "$(dirname "$0")/lib.sh" "$@"

lr_config_write <<CONF
[tcp]
echo_port = 7
discard_port = 9
CONF
lr_start

lr_ns timeout 120 "$LR_PY" "$LR_SRC/tests/integration/tcp_echo_client.py" "$LR_ADDR" 7 \
    --mode halfclose --conns 8 --size 100000 --timeout 100 || lr_fail "half-close echo failed"

# discard: all data swallowed, our FIN answered by theirs, nothing echoed
lr_ns timeout 30 "$LR_PY" - "$LR_ADDR" <<'PY' || lr_fail "discard half-close failed"
import socket, sys
s = socket.create_connection((sys.argv[1], 9), timeout=10)
s.sendall(b"x" * 50000)
s.shutdown(socket.SHUT_WR)
data = s.recv(100)
if data != b"":
    sys.exit("discard sent data back: %r" % data)
s.close()
print("ok: discard closed after our FIN")
PY

closed=$(lr_telemetry /linerate/tcp | "$LR_PY" -c 'import json,sys; print(json.load(sys.stdin)["closed"])') || exit 1
lr_assert_ge "$closed" 9 "connections closed"
lr_stop
lr_pass
