#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# TCP echo (RFC 862) over net_tap with the Linux kernel as the peer: 32
# concurrent connections each send 2 MB of random data in random-sized
# writes and must read back exactly the same bytes (SHA-256), then EOF.
. "$(dirname "$0")/lib.sh" "$@"

lr_config_write <<CONF
[tcp]
echo_port = 7
CONF
lr_start

lr_ns timeout 180 "$LR_PY" "$LR_SRC/tests/integration/tcp_echo_client.py" "$LR_ADDR" 7 \
    --conns "${TCP_ECHO_CONNS:-32}" --size "${TCP_ECHO_SIZE:-2097152}" --timeout 150 ||
    lr_fail "echo transfer failed"

total=$(lr_counter modules conns_total) || exit 1
lr_assert_ge "$total" "${TCP_ECHO_CONNS:-32}" "connections opened"
lr_stop
lr_pass
