#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# SYN flood: a bounded burst of SYNs from random sources in 198.18.0.0/15
# (scapy on the kernel side of the tap; hping3's --rand-source cannot be
# limited to that range) while a real client opens connections and gets its
# data echoed. The SYN queue overflows into SYN cookies, the connection
# count stays within max_conns, and the real client is never refused.
. "$(dirname "$0")/lib.sh" "$@"
lr_require_scapy

lr_config_write <<CONF
[tcp]
echo_port = 7
max_conns = 256
backlog = 32
syncookies = yes
CONF
lr_start

lr_ns timeout 200 "$LR_PY" - "$LR_IF" "$LR_ADDR" "${LR_MAC:-ff:ff:ff:ff:ff:ff}" \
    >"$LR_TMP/flood.log" 2>&1 <<'PY' &
import random, sys
from scapy.all import Ether, IP, TCP, sendp, conf
conf.verb = 0
iface, dst, mac = sys.argv[1], sys.argv[2], sys.argv[3]
rnd = random.Random(3)
pkts = []
for i in range(20000):
    a = rnd.randrange(0, 1 << 17)              # 198.18.0.0/15
    src = "198.%d.%d.%d" % (18 + (a >> 16), (a >> 8) & 255, a & 255)
    if src in ("198.18.0.1", "198.18.0.2"):
        continue
    pkts.append(Ether(dst=mac) / IP(src=src, dst=dst) /
                TCP(sport=rnd.randrange(1024, 65535), dport=7, flags="S",
                    seq=rnd.randrange(0, 1 << 32)))
print("flooding", flush=True)
sendp(pkts, iface=iface)
print("sent %d SYNs" % len(pkts))
PY
flood=$!
for _ in $(seq 600); do
    grep -q '^flooding' "$LR_TMP/flood.log" && break
    sleep 0.1
done
grep -q '^flooding' "$LR_TMP/flood.log" || lr_fail "flood did not start: $(cat "$LR_TMP/flood.log")"

# a real client during the flood
lr_ns timeout 120 "$LR_PY" "$LR_SRC/tests/integration/tcp_echo_client.py" "$LR_ADDR" 7 \
    --conns 8 --size 100000 --timeout 100 || lr_fail "real client failed during the flood"
wait "$flood" || lr_fail "flood sender failed: $(cat "$LR_TMP/flood.log")"
cat "$LR_TMP/flood.log"

tcp=$(lr_telemetry /linerate/tcp) || exit 1
lr_log "tcp: $tcp"
active=$(printf '%s' "$tcp" | "$LR_PY" -c 'import json,sys; print(json.load(sys.stdin)["active"])')
cookies=$(printf '%s' "$tcp" | "$LR_PY" -c 'import json,sys; print(json.load(sys.stdin)["syncookies_sent"])')
[ "$active" -le 256 ] || lr_fail "active connections $active exceed max_conns"
lr_assert_ge "$cookies" 1 "SYN cookies sent"
lr_stop
lr_pass
