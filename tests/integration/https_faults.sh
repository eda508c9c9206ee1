#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# HTTPS through linerate's fault layer (drop, duplicate, reorder and corrupt
# packets both ways; this kernel has no netem): TLS 1.2 and 1.3 downloads of
# 20 MB stay byte-exact — TCP repairs loss and order, its checksum catches
# corruption, and TLS retransmits stored records, so no record fails its
# MAC — and small requests over one kept-alive TLS connection all arrive.
. "$(dirname "$0")/lib.sh" "$@"
lr_require_tools curl sha256sum dd

site="$LR_TMP/site"
mkdir -p "$site"
dd if=/dev/urandom of="$site/big.bin" bs=1M count=20 status=none || lr_fail "cannot create big.bin"
head -c 3001 /dev/urandom >"$site/small.bin"
lr_config_write <<CONF
[http]
root = $site
cache_bytes = 64m
tls_listen = 443
[fault]
seed = 11
drop = 1
duplicate = 1
reorder = 1
corrupt = ${FAULT_CORRUPT:-0.5}
CONF
lr_start
url="https://$LR_ADDR"
sha() { sha256sum "$1" | cut -d' ' -f1; }
field() { printf '%s' "$1" | "$LR_PY" -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$2"; }

for v in 1.2 1.3; do
    lr_ns curl -sS -k --tlsv$v --tls-max $v --max-time 240 -o "$LR_TMP/big.$v" "$url/big.bin" ||
        lr_fail "TLS $v download under faults failed"
    lr_assert_eq "$(sha "$LR_TMP/big.$v")" "$(sha "$site/big.bin")" "TLS $v 20 MB sha256 under faults"
done
args=()
for i in $(seq 20); do args+=(-o "$LR_TMP/s.$i" "$url/small.bin"); done
lr_ns curl -sS -k --max-time 120 "${args[@]}" || lr_fail "small downloads over one TLS connection failed"
for i in $(seq 20); do
    lr_assert_eq "$(sha "$LR_TMP/s.$i")" "$(sha "$site/small.bin")" "small download $i"
done
tls=$(lr_telemetry /linerate/tls) || exit 1
lr_log "tls: $tls"
# The faults really happened, both ways.
for c in rx_dropped tx_dropped rx_reordered tx_reordered rx_corrupted tx_corrupted; do
    lr_assert_ge "$(lr_counter fault $c)" 1 "fault $c"
done
lr_assert_eq "$(field "$tls" failed_bad_record_mac)" 0 "records failing their MAC"
lr_assert_ge "$(field "$tls" handshakes_full)" 3 "full handshakes"
lr_assert_eq "$(field "$tls" handshakes_in_progress)" 0 "handshakes left in progress"
lr_stop
lr_pass
