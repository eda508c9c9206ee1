#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# A connection rate the connection table cannot hold in TIME_WAIT: client
# mode opens a connection per request (256 at a time, ports reused after its
# own 1 s TIME_WAIT) against a server whose [tcp] max_conns = 2048 keeps
# every connection it closes in TIME_WAIT for 60 s, over a net_memif pair
# (addresses in 198.18.0.0/15). Once the table is nearly full the oldest
# TIME_WAIT connection gives way to each new one (time_wait_reclaimed), so
# no connection is refused: before that change the table filled with
# TIME_WAIT within a second and ~30 % of the connections got a RST.
. "$(dirname "$0")/lib.sh" "$@"

SRV=198.18.2.1
mkdir -p "$LR_TMP/site"
head -c 64 /dev/zero | tr '\0' 'a' >"$LR_TMP/site/small.txt"
cat >"$LR_TMP/server.conf" <<CONF
[port0]
addr = $SRV/24
[worker]
mbufs = 16384
[tcp]
max_conns = 2048
[http]
root = $LR_TMP/site
[stats]
interval = 0
CONF
cat >"$LR_TMP/client-tw.conf" <<CONF
[port0]
addr = 198.18.2.2/24
[worker]
mbufs = 16384
[tcp]
time_wait = 1s
[http]
enabled = no
[stats]
interval = 0
[client]
target = $SRV:80
path = /small.txt
connections = 256
requests_per_conn = 1
duration = 3s
report = $LR_MEMIF_FIFO
CONF
lr_memif_server tw "$LR_TMP/server.conf" -l 0-1
lr_memif_client tw "$LR_TMP/client-tw.conf" -l 0-1 --main-lcore 1 # workers on different CPUs
lr_memif_finish tw /linerate/stats /linerate/tcp
lr_log "$(grep '^client: done' "$LR_TMP/client-tw.log")"
"$LR_PY" - "$LR_TMP/report-tw.json" "$(lr_memif_tel tw /linerate/tcp)" \
    "$(lr_memif_tel tw /linerate/stats)" <<'PY' || lr_fail "TIME_WAIT under pressure"
import json, sys
r = json.load(open(sys.argv[1]))
tcp, stats = json.loads(sys.argv[2]), json.loads(sys.argv[3])
bad = []
conns = r["connections"]
print("client: %d connections, %d errors; server: %d reclaimed, %d in TIME_WAIT, %d RST sent"
      % (conns, r["errors_total"], tcp.get("time_wait_reclaimed", 0),
         tcp.get("state_time_wait", 0), tcp.get("rst_sent", 0)))
# Far more connections than the table holds went through it...
if conns < 3 * 2048:
    bad.append("only %d connections in 3 s" % conns)
# ...each taking the place of an old TIME_WAIT once the table was full,
if tcp.get("time_wait_reclaimed", 0) < conns - 2048:
    bad.append("time_wait_reclaimed %d for %d connections through a table of 2048"
               % (tcp.get("time_wait_reclaimed", 0), conns))
if not (1024 <= tcp.get("state_time_wait", 0) <= 2048):
    bad.append("TIME_WAIT gauge %d: the table should be full of them" % tcp.get("state_time_wait", 0))
# ...and none refused.
if r["errors_total"] != 0:
    bad.append("client errors %s" % {k: v for k, v in r["errors"].items() if v})
if tcp.get("rst_sent", 0) != 0:
    bad.append("server sent %d RST" % tcp["rst_sent"])
drops = stats.get("drops", {})
if isinstance(drops, dict) and drops.get("tcp_table_full", 0):
    bad.append("tcp_table_full drops %d" % drops["tcp_table_full"])
if r["responses_total"] != r["requests"] or r["responses_total"] != conns:
    bad.append("requests %d responses %d connections %d"
               % (r["requests"], r["responses_total"], conns))
if bad:
    sys.exit("; ".join(bad))
PY
lr_pass
