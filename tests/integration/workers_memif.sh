#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Client mode with two workers against a two-worker server, over a 2-queue
# net_memif pair (two processes, no kernel interface, so no namespace is
# needed; addresses in 198.18.0.0/15). memif cannot steer: the server
# receives client worker i's packets on its queue i whatever their flow, and
# the client receives the server's replies on the queue of the server worker
# that sent them; whatever lands on the wrong worker is handed over. The
# client opens from ports its own worker owns (lr_flow_pick_port), and since
# both processes compute the same symmetric owner function, server worker i
# owns exactly the flows of client worker i, so in practice nothing but ARP
# replicas has to change worker. Keep-alive and connection-per-request runs:
# the client's responses must equal the server's request count, no errors,
# and both server workers must carry connections.
. "$(dirname "$0")/lib.sh" "$@"
[ "$(nproc)" -ge 2 ] || lr_skip "needs two CPUs"

mkdir -p "$LR_TMP/site"
head -c 64 /dev/zero | tr '\0' 'a' >"$LR_TMP/site/small.txt"
head -c 262144 /dev/urandom >"$LR_TMP/site/big.bin"

cat >"$LR_TMP/server.conf" <<CONF
[port0]
addr = 198.18.2.1/24
[worker]
mbufs = 16384
[ftp]
enabled = no
[http]
listen = 80
root = $LR_TMP/site
[stats]
interval = 0
CONF

# $1 = name, $2 = requests_per_conn, $3 = paths, $4 = request_rate (0 = closed loop)
run_pair()
{
    local name=$1 rpc=$2 paths=$3 rrate=${4:-0}
    cat >"$LR_TMP/client.conf" <<CONF
[port0]
addr = 198.18.2.2/24
[worker]
mbufs = 16384
[http]
enabled = no
[ftp]
enabled = no
[tcp]
time_wait = 1s
[stats]
interval = 0
[client]
target = 198.18.2.1:80
path = $paths
connections = 16
requests_per_conn = $rpc
request_rate = $rrate
duration = 3s
report = $LR_MEMIF_FIFO
CONF
    # Each process: main lcore and worker 0 on CPU 0, worker 1 on CPU 1.
    lr_memif_server "$name" "$LR_TMP/server.conf" --lcores "0@0,1@0,2@1"
    grep -q 'port 0: 2 queue(s)' "$LR_TMP/server-$name.log" || lr_fail "$name: server has not 2 queues"
    lr_memif_client "$name" "$LR_TMP/client.conf" --lcores "0@1,1@0,2@1"
    lr_memif_finish "$name" /linerate/workers /linerate/stats
    grep -q '^linerate: 2 worker(s)' "$LR_TMP/client-$name.log" || lr_fail "$name: client has not 2 workers"
    local workers srv_req
    workers=$(lr_memif_tel "$name" /linerate/workers) || exit 1
    srv_req=$(lr_memif_tel "$name" /linerate/stats | "$LR_PY" -c '
import json, sys
print(json.load(sys.stdin)["modules"]["requests"])') || lr_fail "$name: no request count from the server"
    lr_log "$name: server workers: $workers"
    lr_log "$name: $(grep '^client: done' "$LR_TMP/client-$name.log") server_requests=$srv_req"
    lr_client_report_check "$LR_TMP/report-$name.json" "$srv_req" "$name"
    "$LR_PY" - "$workers" <<'PY' || lr_fail "$name: server workers check failed"
import json, sys
w = json.loads(sys.argv[1])
if sorted(w) != ["0", "1"]:
    sys.exit("server workers %s" % sorted(w))
if not all(x["conns_total"] > 0 for x in w.values()):
    sys.exit("a server worker carried no connection: %s" % w)
PY
}

run_pair rps 0 "/small.txt,/big.bin"
run_pair cps 1 "/small.txt"
# Open loop over two client workers at an odd rate (shares 251 + 250): the
# shares add up to the rate, the merged histogram holds every response.
run_pair open 0 "/small.txt" 501
"$LR_PY" - "$LR_TMP/report-open.json" <<'PY' || lr_fail "open: two-worker schedule"
import json, sys
d = json.load(open(sys.argv[1]))
want = 501 * 3
print("open: %d requests (want %d), %d unsent, %d latency samples" %
      (d["requests"], want, d["unsent"], d["latency_us"]["samples"]))
assert abs(d["requests"] - want) <= want / 100, d["requests"]
assert d["unsent"] == 0, d["unsent"]
assert d["workers"] == 2, d["workers"]
assert d["latency_us"]["samples"] == d["responses_total"], d["latency_us"]
PY
lr_pass
