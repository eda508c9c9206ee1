#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Large HTTP downloads stay byte-exact with linerate's fault layer dropping,
# duplicating, reordering and corrupting packets in both directions (the
# kernel here has no netem). Also a series of small requests over one
# connection. FAULT_CORRUPT overrides the corruption rate (percent).
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
[fault]
seed = 7
drop = 1
duplicate = 1
reorder = 1
corrupt = ${FAULT_CORRUPT:-0.5}
CONF
lr_start
url="http://$LR_ADDR"
sha() { sha256sum "$1" | cut -d' ' -f1; }

for i in 1 2; do
    lr_ns curl -sS --max-time 240 -o "$LR_TMP/big.$i" "$url/big.bin" || lr_fail "download $i failed"
    lr_assert_eq "$(sha "$LR_TMP/big.$i")" "$(sha "$site/big.bin")" "download $i sha256 under faults"
done
lr_log "20 MB twice byte-exact under faults"
args=()
for i in $(seq 20); do args+=(-o "$LR_TMP/s.$i" "$url/small.bin"); done
lr_ns curl -sS --max-time 120 "${args[@]}" || lr_fail "small downloads failed"
for i in $(seq 20); do
    lr_assert_eq "$(sha "$LR_TMP/s.$i")" "$(sha "$site/small.bin")" "small download $i"
done
lr_stop
grep -q '^final: .*fault\|^final: drops .*fault_injected' "$LR_LOGFILE" ||
    lr_log "note: no fault counters in the final summary"
lr_pass
