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

SOCK="$LR_TMP/memif.sock"
SRV_PREFIX="lrt-$$-wmemif-srv"
CLI_PREFIX="lrt-$$-wmemif-cli"
SRV_PID=
CLI_PID=
stop_all()
{
    local p
    for p in $CLI_PID $SRV_PID; do
        kill -TERM "$p" 2>/dev/null
    done
    for p in $CLI_PID $SRV_PID; do
        for _ in $(seq 100); do
            kill -0 "$p" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    SRV_PID=
    CLI_PID=
    rm -rf "/var/run/dpdk/$SRV_PREFIX" "/var/run/dpdk/$CLI_PREFIX"
}
trap 'lr_rc=$?; stop_all; (exit $lr_rc); lr_cleanup' EXIT

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

# $1 = name, $2 = requests_per_conn, $3 = paths
run_pair()
{
    local name=$1 rpc=$2 paths=$3
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
duration = 3s
report = $LR_TMP/report-$name.json
CONF
    rm -f "$SOCK"
    # Each process: main lcore and worker 0 on CPU 0, worker 1 on CPU 1.
    "$LR_BIN" --no-pci --no-huge -m 512 --file-prefix "$SRV_PREFIX" --lcores "0@0,1@0,2@1" \
        --vdev="net_memif0,role=server,socket=$SOCK,socket-abstract=no" --log-level=lib.eal:error \
        -- -c "$LR_TMP/server.conf" </dev/null >"$LR_TMP/server-$name.log" 2>&1 &
    SRV_PID=$!
    local waited=0
    until grep -q '^linerate: ready$' "$LR_TMP/server-$name.log"; do
        kill -0 "$SRV_PID" 2>/dev/null || { cat "$LR_TMP/server-$name.log"; lr_fail "$name: server exited"; }
        [ "$waited" -lt 300 ] || lr_fail "$name: server not ready"
        sleep 0.1
        waited=$((waited + 1))
    done
    grep -q 'port 0: 2 queue(s)' "$LR_TMP/server-$name.log" || lr_fail "$name: server has not 2 queues"
    "$LR_BIN" --no-pci --no-huge -m 512 --file-prefix "$CLI_PREFIX" --lcores "0@1,1@0,2@1" \
        --vdev="net_memif0,role=client,socket=$SOCK,socket-abstract=no" --log-level=lib.eal:error \
        -- -c "$LR_TMP/client.conf" </dev/null >"$LR_TMP/client-$name.log" 2>&1 &
    CLI_PID=$!
    # Once the client printed its final line its workers have stopped, so the
    # server's counts are final: read them over telemetry now, while both
    # processes are up (the server may not survive the memif disconnect, below).
    waited=0
    until grep -q '^client: done' "$LR_TMP/client-$name.log" 2>/dev/null; do
        kill -0 "$CLI_PID" 2>/dev/null || break
        [ "$waited" -lt 600 ] || lr_fail "$name: client did not finish within 60 s"
        sleep 0.1
        waited=$((waited + 1))
    done
    local tel workers srv_req
    tel=$(printf '/linerate/workers\n/linerate/stats\n' |
        timeout 10 "$LR_PY" /usr/bin/dpdk-telemetry.py -f "$SRV_PREFIX" 2>/dev/null)
    workers=$(printf '%s\n' "$tel" | grep '^{"/linerate/workers"' | tail -n 1)
    srv_req=$(printf '%s\n' "$tel" | "$LR_PY" -c '
import json, sys
for line in sys.stdin:
    line = line.strip()
    if line.startswith("{") and "/linerate/stats" in line:
        print(json.loads(line)["/linerate/stats"]["modules"]["requests"])
        break')
    [ -n "$workers" ] || lr_fail "$name: no /linerate/workers answer from the server"
    [ -n "$srv_req" ] || lr_fail "$name: no request count from the server (/linerate/stats)"
    lr_log "$name: server workers: $workers"
    waited=0
    while kill -0 "$CLI_PID" 2>/dev/null; do
        [ "$waited" -lt 200 ] || lr_fail "$name: client did not exit within 20 s of its final line"
        sleep 0.1
        waited=$((waited + 1))
    done
    local st=0
    wait "$CLI_PID" || st=$?
    CLI_PID=
    [ "$st" -eq 0 ] || { tail -20 "$LR_TMP/client-$name.log"; lr_fail "$name: client exit status $st"; }
    grep -q '^linerate: 2 worker(s)' "$LR_TMP/client-$name.log" || lr_fail "$name: client has not 2 workers"
    st=0
    kill -TERM "$SRV_PID" 2>/dev/null
    wait "$SRV_PID" || st=$?
    SRV_PID=
    if [ "$st" -eq 139 ]; then
        # Known and not ours (see client_memif.sh): DPDK 22.11's memif PMD
        # unmaps the shared regions when the peer disconnects while a worker
        # may be inside rx/tx burst on them.
        lr_log "$name: WARNING: the server crashed (SIGSEGV) after the client disconnected (memif peer-disconnect race)"
    elif [ "$st" -ne 0 ]; then
        lr_fail "$name: server exit status $st"
    fi
    lr_log "$name: $(grep '^client: done' "$LR_TMP/client-$name.log") server_requests=$srv_req"
    "$LR_PY" - "$LR_TMP/report-$name.json" "$srv_req" "$name" "$workers" <<'PY' || lr_fail "$name: check failed"
import json, sys
r = json.load(open(sys.argv[1]))
srv, name = int(sys.argv[2]), sys.argv[3]
w = json.loads(sys.argv[4])["/linerate/workers"]
bad = []
if r["responses_total"] < 1:
    bad.append("no responses")
if r["errors_total"] != 0:
    bad.append("errors %s" % {k: v for k, v in r["errors"].items() if v})
if r["unfinished"] != 0:
    bad.append("unfinished %d" % r["unfinished"])
if r["responses"]["2xx"] != r["responses_total"]:
    bad.append("non-2xx responses %s" % r["responses"])
if r["requests"] != r["responses_total"]:
    bad.append("requests %d != responses %d" % (r["requests"], r["responses_total"]))
if srv != r["responses_total"]:
    bad.append("server counted %d requests, client %d responses" % (srv, r["responses_total"]))
if name == "cps" and r["connections"] != r["responses_total"]:
    bad.append("cps: %d connections for %d responses" % (r["connections"], r["responses_total"]))
if sorted(w) != ["0", "1"]:
    bad.append("server workers %s" % sorted(w))
elif not all(x["conns_total"] > 0 for x in w.values()):
    bad.append("a server worker carried no connection: %s" % w)
if bad:
    sys.exit("; ".join(bad))
PY
}

run_pair rps 0 "/small.txt,/big.bin"
run_pair cps 1 "/small.txt"
lr_pass
