#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# linerate client against linerate server over net_memif (two processes, no
# kernel interface, so no namespace is needed; addresses in 198.18.0.0/15).
# Keep-alive run over a 64-byte and a 1 MiB file, then a new connection per
# request, both in copy mode and in zero-copy mode; the client's counts must match the server's request counter, with
# no errors, and /linerate/client must answer while the client runs.
. "$(dirname "$0")/lib.sh" "$@"

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
report = $LR_MEMIF_FIFO
CONF
    lr_memif_server "$name" "$LR_TMP/server.conf" -l 0-1
    lr_memif_client "$name" "$LR_TMP/client.conf" -l 0-1
    local waited=0
    # Telemetry of the running client (once it has started its run).
    until grep -q '^client: t=' "$LR_TMP/client-$name.log"; do
        kill -0 "$LR_MEMIF_CLI_PID" 2>/dev/null || break
        [ "$waited" -lt 300 ] || lr_fail "$name: client printed no stats line"
        sleep 0.1
        waited=$((waited + 1))
    done
    if [ "${name#zc_}" = rps ]; then
        local tel
        tel=$(echo /linerate/client | timeout 10 "$LR_PY" /usr/bin/dpdk-telemetry.py -f "$LR_MEMIF_CLI_PREFIX" 2>&1)
        printf '%s\n' "$tel" | grep -q '"latency_p99_us"' || lr_fail "no /linerate/client answer: $tel"
    fi
    lr_memif_finish "$name" /linerate/stats
    local srv_req
    srv_req=$(lr_memif_tel "$name" /linerate/stats | "$LR_PY" -c '
import json, sys
print(json.load(sys.stdin)["modules"]["requests"])') || lr_fail "$name: no request count from the server"
    lr_log "$name: $(grep '^client: done' "$LR_TMP/client-$name.log") server_requests=$srv_req"
    lr_client_report_check "$LR_TMP/report-$name.json" "$srv_req" "$name"
    if [ "${name#zc_}" = rps ]; then
        lr_assert_ge "$("$LR_PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["body_bytes"])' \
            "$LR_TMP/report-$name.json")" 1048576 "rps: the 1 MiB file was received"
    fi
}

run_pair rps 0 "/small.txt,/big.bin"
run_pair cps 1 "/small.txt"
# The same in memif's zero-copy mode (the PMD hands over mbufs in the shared
# memory instead of copying each packet, issue 13): the same checks.
LR_MEMIF_VDEV_EXTRA=",zero-copy=yes"
run_pair zc_rps 0 "/small.txt,/big.bin"
run_pair zc_cps 1 "/small.txt"
lr_pass
