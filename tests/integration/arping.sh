#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# ARP (RFC 826): requests for our address are answered with the tap's MAC;
# requests for an address that is not ours get no answer.
. "$(dirname "$0")/lib.sh" "$@"
lr_require_tools arping

lr_start
[ -n "$LR_MAC" ] || lr_fail "linerate did not print port0's MAC"

out=$(lr_ns arping -c 3 -w 5 -i "$LR_IF" "$LR_ADDR" 2>&1) || lr_fail "no ARP reply from $LR_ADDR: $out"
echo "$out"
n=$(echo "$out" | grep -ci "bytes from $LR_MAC ($LR_ADDR)")
lr_assert_ge "$n" 3 "ARP replies carrying the tap's MAC $LR_MAC"

# Not our address: no reply at all.
if out=$(lr_ns arping -c 2 -w 3 -i "$LR_IF" 198.18.0.77 2>&1); then
    lr_fail "got an ARP reply for an address that is not ours: $out"
fi
echo "$out" | grep -qi 'bytes from' && lr_fail "reply for 198.18.0.77: $out"

rx=$(lr_counter arp rx_requests) || exit 1
tx=$(lr_counter arp tx_replies) || exit 1
lr_assert_ge "$rx" 5 "arp rx_requests"
lr_assert_ge "$tx" 3 "arp tx_replies"
notus=$(lr_counter drops arp_not_for_us) || exit 1
lr_assert_ge "$notus" 2 "arp_not_for_us drops"

lr_stop
lr_pass
