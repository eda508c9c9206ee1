#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# linerate client against linerate server over net_memif (two processes, no
# kernel interface, so no namespace is needed; addresses in 198.18.0.0/15).
# Keep-alive run over a 64-byte and a 1 MiB file, then a new connection per
# request; the client's counts must match the server's request counter, with
# no errors, and /linerate/client must answer while the client runs.
. "$(dirname "$0")/lib.sh" "$@"

SOCK="$LR_TMP/memif.sock"
SRV_PREFIX="lrt-$$-memif-srv"
CLI_PREFIX="lrt-$$-memif-cli"
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
head -c 1048576 /dev/urandom >"$LR_TMP/site/big.bin"

cat >"$LR_TMP/server.conf" <<CONF
[port0]
addr = 198.18.2.1/24
[worker]
mbufs = 16384
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
[tcp]
time_wait = 1s
[stats]
interval = 0
[client]
target = 198.18.2.1:80
path = $paths
connections = 8
requests_per_conn = $rpc
duration = 3s
report = $LR_TMP/report-$name.json
CONF
    rm -f "$SOCK"
    "$LR_BIN" --no-pci --no-huge -m 512 --file-prefix "$SRV_PREFIX" -l 0-1 \
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
    "$LR_BIN" --no-pci --no-huge -m 512 --file-prefix "$CLI_PREFIX" -l 0-1 \
        --vdev="net_memif0,role=client,socket=$SOCK,socket-abstract=no" --log-level=lib.eal:error \
        -- -c "$LR_TMP/client.conf" </dev/null >"$LR_TMP/client-$name.log" 2>&1 &
    CLI_PID=$!
    # Telemetry of the running client (once it has started its run).
    waited=0
    until grep -q '^client: t=' "$LR_TMP/client-$name.log"; do
        kill -0 "$CLI_PID" 2>/dev/null || break
        [ "$waited" -lt 300 ] || lr_fail "$name: client printed no stats line"
        sleep 0.1
        waited=$((waited + 1))
    done
    if [ "$name" = rps ]; then
        local tel
        tel=$(echo /linerate/client | timeout 10 "$LR_PY" /usr/bin/dpdk-telemetry.py -f "$CLI_PREFIX" 2>&1)
        printf '%s\n' "$tel" | grep -q '"latency_p99_us"' || lr_fail "no /linerate/client answer: $tel"
    fi
    # The client's workers have stopped once it prints its final line: no
    # request can reach the server any more, so its count is final. Read it
    # over telemetry now, while both processes are still up.
    waited=0
    until grep -q '^client: done' "$LR_TMP/client-$name.log"; do
        kill -0 "$CLI_PID" 2>/dev/null || break
        [ "$waited" -lt 400 ] || lr_fail "$name: client did not finish within 40 s"
        sleep 0.1
        waited=$((waited + 1))
    done
    local srv_req
    srv_req=$(echo /linerate/stats | timeout 10 "$LR_PY" /usr/bin/dpdk-telemetry.py -f "$SRV_PREFIX" 2>/dev/null |
        "$LR_PY" -c '
import json, sys
for line in sys.stdin:
    line = line.strip()
    if line.startswith("{") and "/linerate/stats" in line:
        print(json.loads(line)["/linerate/stats"]["modules"]["requests"])
        break')
    [ -n "$srv_req" ] || lr_fail "$name: no request count from the server (/linerate/stats)"
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
    st=0
    kill -TERM "$SRV_PID" 2>/dev/null
    wait "$SRV_PID" || st=$?
    SRV_PID=
    if [ "$st" -eq 139 ]; then
        # Known, not the client's doing: DPDK 22.11's memif PMD unmaps the
        # shared regions from its interrupt thread when the peer disconnects
        # while the server's worker may be inside rx/tx burst on them.
        lr_log "$name: WARNING: the server crashed (SIGSEGV) after the client disconnected (memif peer-disconnect race)"
    elif [ "$st" -ne 0 ]; then
        lr_fail "$name: server exit status $st"
    fi
    lr_log "$name: $(grep '^client: done' "$LR_TMP/client-$name.log") server_requests=$srv_req"
    "$LR_PY" - "$LR_TMP/report-$name.json" "$srv_req" "$name" <<'PY' || lr_fail "$name: report check failed"
import json, sys
r = json.load(open(sys.argv[1]))
srv, name = int(sys.argv[2]), sys.argv[3]
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
if name == "rps" and r["body_bytes"] < 1048576:
    bad.append("rps: the 1 MiB file was not received")
if bad:
    sys.exit("; ".join(bad))
PY
}

run_pair rps 0 "/small.txt,/big.bin"
run_pair cps 1 "/small.txt"
lr_pass
