#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# TCP echo under faults: linerate's fault layer drops, duplicates, reorders
# and corrupts 2% of packets each, in both directions. Every connection must
# still be echoed byte-exact (SHA-256), and the retransmission counters must
# show that recovery really happened.
. "$(dirname "$0")/lib.sh" "$@"

lr_config_write <<CONF
[tcp]
echo_port = 7

[fault]
seed = 7
drop = 2
duplicate = 2
reorder = 2
corrupt = 2
CONF
lr_start

lr_ns timeout 280 "$LR_PY" "$LR_SRC/tests/integration/tcp_echo_client.py" "$LR_ADDR" 7 \
    --conns "${TCP_ECHO_CONNS:-16}" --size "${TCP_ECHO_SIZE:-1048576}" --timeout 240 ||
    lr_fail "echo transfer under faults failed"

retrans=$(lr_counter modules retransmits) || exit 1
lr_assert_ge "$retrans" 1 "TCP retransmits under 2% loss"
tcp=$(lr_telemetry /linerate/tcp) || exit 1
lr_log "tcp counters: $tcp"
csum=$(lr_counter drops tcp_bad_checksum) || exit 1
lr_assert_ge "$csum" 1 "corrupted segments dropped by the TCP checksum"
lr_stop
lr_pass
