#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Open-loop rate accuracy ([client] request_rate) from 1k requests/s up to
# near the client's limit, linerate client against linerate's HTTP server
# over a net_memif pair (addresses in 198.18.0.0/15; client and server
# workers on different CPUs). A closed-loop run first measures what the pair
# reaches (S); then request_rate = 1000, 10000, 100000 (when below the top
# rate) and the top rate, LR_RATE_TOP (default 0.5) x S, each for 3 s with
# 64 keep-alive connections. Each run must send rate x duration requests
# within 1 %, leave at most 1 % of them unsent, and have every request
# answered and counted by the server.
. "$(dirname "$0")/lib.sh" "$@"

top_frac=${LR_RATE_TOP:-0.5}
mkdir -p "$LR_TMP/site"
head -c 64 /dev/zero | tr '\0' 'a' >"$LR_TMP/site/small.txt"
cat >"$LR_TMP/server.conf" <<CONF
[port0]
addr = 198.18.2.1/24
[worker]
mbufs = 16384
[http]
root = $LR_TMP/site
[stats]
interval = 0
CONF

# $1 = name, $2 = request_rate (0 = closed loop), $3 = duration
run_rate()
{
    local name=$1 rate=$2 dur=$3
    cat >"$LR_TMP/client-$name.conf" <<CONF
[port0]
addr = 198.18.2.2/24
[worker]
mbufs = 16384
[http]
enabled = no
[stats]
interval = 0
[client]
target = 198.18.2.1:80
path = /small.txt
connections = 64
request_rate = $rate
duration = $dur
report = $LR_MEMIF_FIFO
CONF
    lr_memif_server "$name" "$LR_TMP/server.conf" -l 0-1
    lr_memif_client "$name" "$LR_TMP/client-$name.conf" -l 0-1 --main-lcore 1
    lr_memif_finish "$name" /linerate/stats /linerate/tcp
    lr_log "$name: $(grep '^client: done' "$LR_TMP/client-$name.log")"
    # Not checked: shows whether a shortfall came with losses (RTOs stall a
    # keep-alive connection for rto_min) or with the machine pausing.
    lr_log "$name: server tcp $(lr_memif_tel "$name" /linerate/tcp | "$LR_PY" -c '
import json, sys
t = json.load(sys.stdin)
print(" ".join("%s=%s" % (k, t.get(k)) for k in
               ("retransmits", "rto_timeouts", "fast_retransmits", "sack_board_short")))')"
    lr_client_report_check "$LR_TMP/report-$name.json" \
        "$(lr_memif_tel "$name" /linerate/stats | "$LR_PY" -c '
import json, sys
print(json.load(sys.stdin)["modules"]["requests"])')" "$name"
}

run_rate closed 0 2s
sat=$("$LR_PY" -c 'import json, sys; r = json.load(open(sys.argv[1])); print(int(r["responses_total"] / r["duration_s"]))' \
    "$LR_TMP/report-closed.json")
top=$("$LR_PY" -c 'import sys; print(int(float(sys.argv[1]) * float(sys.argv[2])) // 1000 * 1000)' "$sat" "$top_frac")
lr_log "closed loop: $sat requests/s; top rate $top (x$top_frac)"
lr_assert_ge "$top" 2000 "top rate (x$top_frac of the closed-loop rate)"
rates="1000 10000"
[ "$top" -gt 100000 ] && rates="$rates 100000"
[ "$top" -gt 10000 ] && rates="$rates $top"
for rate in $rates; do
    run_rate "r$rate" "$rate" 3s
    "$LR_PY" - "$LR_TMP/report-r$rate.json" "$rate" <<'PY' || lr_fail "rate $rate: not within 1 %"
import json, sys
r, rate = json.load(open(sys.argv[1])), int(sys.argv[2])
want = rate * r["duration_s"]
sent, unsent = r["requests"], r["unsent"]
print("rate %d: %d sent for %.0f due (%+.3f %%), %d unsent, p50 %d us, p99 %d us"
      % (rate, sent, want, 100.0 * (sent - want) / want, unsent,
         r["latency_us"]["p50"], r["latency_us"]["p99"]))
bad = []
if abs(sent + unsent - want) > 0.01 * want:
    bad.append("%d sent + %d unsent for %.0f due" % (sent, unsent, want))
if abs(sent - want) > 0.01 * want:
    bad.append("%d sent for %.0f due" % (sent, want))
if unsent > 0.01 * want:
    bad.append("%d unsent" % unsent)
if r["config"]["request_rate"] != rate:
    bad.append("config.request_rate %s" % r["config"]["request_rate"])
if bad:
    sys.exit("; ".join(bad))
PY
done
lr_pass
