#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Macro benchmark: linerate (server and client over net_memif) against the
# kernel (nginx + wrk over a veth pair between two network namespaces), one
# CPU each side, for three workloads:
#   rps   keep-alive GET of a 64-byte file     (requests/s)
#   cps   one connection per request, 64 bytes (connections/s; wrk with
#         "Connection: close")
#   gbps  keep-alive GET of a 1 MiB file       (HTTP bytes received, Gbit/s)
# plus the preallocated memory per connection of linerate (see RESULTS.md).
#
# Pinning on a 2-CPU machine: every thread of the linerate server on CPU 0
# and every thread of the linerate client on CPU 1; nginx (master and its
# one worker) on CPU 0 and wrk (one thread) on CPU 1. For linerate that is
# the lcores (`--lcores 0@N,1@N`: main lcore and worker, the main lcore
# sleeps except once a second) and DPDK's own threads (eal-intr-thread,
# rte_mp_handle, telemetry): EAL gives those the CPUs of the process's start
# affinity that no lcore uses, and only falls back to the main lcore's CPU
# when none is left; started unpinned, each process's service threads would
# land on the other process's worker CPU. So each process starts under
# `taskset -c N` (service threads then stay on N), `taskset -a -p` checks it
# once the process is up, and every thread's affinity is logged.
# The script waits without polling on the benchmark's CPUs: a log line is
# awaited with a blocking read of `tail -f` (inotify), the runs with a single
# sleep or wait(1); no 10 Hz watcher runs during a measurement.
#
# usage: bench/run.sh [BUILD_DIR]      (default: build-bench-macro, release)
# env:   BENCH_SECONDS (10)  duration of each run
#        BENCH_CONNS   (64)  concurrency for rps and cps (gbps uses 8)
#        BENCH_DEV     (memif)  the linerate pair's device: memif (net_memif
#                          server and client), or vhost (the server on
#                          net_vhost, the client on net_virtio_user, which
#                          offer checksum offload both ways; --no-huge memory
#                          is memfd-backed, so no hugepages are needed)
#        BENCH_MEMIF_ZC=1  memif in zero-copy mode (zero-copy=yes on both
#                          sides, EAL --single-file-segments)
#        BENCH_NO_COMMIT_FILES=1  print the section instead of writing
#                             bench/RESULTS.md and the chart
# Writes: a dated section appended to bench/RESULTS.md (what is there stays),
# the chart bench/charts/macro-<stamp>.png, raw reports in bench/results/.
# Nothing here is a test: no assertion on a timing, only measurements.
# Network safety: memif needs no kernel interface; the kernel runs are in
# namespaces created and deleted here, addresses only in 198.18.0.0/15.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
build=${1:-$top/build-bench-macro}
secs=${BENCH_SECONDS:-10}
cmd_args="$*"
conns=${BENCH_CONNS:-64}
dev=${BENCH_DEV:-memif}
case "$dev" in
memif | vhost) ;;
*)
    echo "run.sh: BENCH_DEV must be memif or vhost, not '$dev'" >&2
    exit 2
    ;;
esac
py=/usr/bin/python3
stamp=$(date -u +%Y-%m-%dT%H%M%SZ)
tmp=$(mktemp -d /tmp/lrb-$$.XXXXXX)
ns_srv="lrb-$$-srv"
ns_cli="lrb-$$-cli"
pids=()
nginx_pid=

cleanup()
{
    local p
    for p in "${pids[@]}" $nginx_pid; do
        kill -TERM "$p" 2>/dev/null || true
    done
    for p in "${pids[@]}" $nginx_pid; do
        for _ in $(seq 50); do
            kill -0 "$p" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    ip netns del "$ns_srv" 2>/dev/null || true
    ip netns del "$ns_cli" 2>/dev/null || true
    rm -rf /var/run/dpdk/lrb-$$-* 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

die() { echo "bench/run.sh: $*" >&2; exit 1; }
log() { echo "[bench] $*"; }

[ "$(id -u)" -eq 0 ] || die "needs root (namespaces, veth)"
for t in nginx wrk taskset ip; do
    command -v "$t" >/dev/null || die "'$t' is not installed (tools/setup.sh)"
done
[ "$(nproc)" -ge 2 ] || die "needs 2 CPUs"

# --- build --------------------------------------------------------------------
if [ ! -f "$build/build.ninja" ]; then
    meson setup "$build" "$top" --buildtype=release >/dev/null
fi
ninja -C "$build" app/linerate/linerate >/dev/null
bin="$build/app/linerate/linerate"

# --- content --------------------------------------------------------------------
site="$tmp/site"
mkdir -p "$site"
head -c 64 /dev/zero | tr '\0' 'a' >"$site/small.txt"
head -c 1048576 /dev/urandom >"$site/big.bin"
chmod 755 "$tmp" "$site"
# Roots default to "www" next to the config file (the client's idle FTP/TFTP too).
ln -s "$site" "$tmp/www"
chmod 644 "$site"/*

# --- linerate vs linerate over memif ----------------------------------------------
# wait_line FILE PATTERN PID LIMIT: block until a line of FILE matches, PID
# exits or LIMIT seconds pass. GNU tail -f sleeps on inotify (and checks
# --pid once a second), grep blocks in read(2): nothing polls at 10 Hz on
# the CPUs being measured.
wait_line()
{
    local file=$1 pattern=$2 pid=$3 limit=$4 tpid rc=0
    exec {tfd}< <(exec timeout "$limit" tail -n +1 --pid="$pid" -f "$file" 2>/dev/null)
    tpid=$!
    grep -q -m1 -- "$pattern" <&"$tfd" || rc=$?
    exec {tfd}<&-
    kill "$tpid" 2>/dev/null || true
    [ "$rc" -eq 0 ] && return 0
    grep -q -- "$pattern" "$file" 2>/dev/null && return 0 # matched as it ended
    kill -0 "$pid" 2>/dev/null || { tail -20 "$file" >&2; die "process $pid exited ($file)"; }
    tail -20 "$file" >&2
    die "no '$pattern' in $file after ${limit}s"
}

# pin_all PID CPU WHAT: every thread of PID (lcores and EAL's service
# threads) must run on CPU only; force it if not, log thread:CPU list.
pin_all()
{
    local pid=$1 cpu=$2 what=$3 t comm aff list=
    taskset -a -p -c "$cpu" "$pid" >/dev/null || die "taskset -a -p $pid ($what) failed"
    for t in /proc/"$pid"/task/*; do
        comm=$(cat "$t/comm" 2>/dev/null) || continue
        aff=$(taskset -c -p "${t##*/}" 2>/dev/null | sed 's/.*: //') || continue
        [ "$aff" = "$cpu" ] || die "$what thread $comm on CPUs $aff, not $cpu"
        list+="${list:+ }$comm@$aff"
    done
    log "$what threads: $list"
    echo "$what: $list" >>"$tmp/pinning.txt"
}

# run_linerate NAME REQUESTS_PER_CONN PATH CONNECTIONS -> $tmp/lr-NAME.json
run_linerate()
{
    local name=$1 rpc=$2 path=$3 nconn=$4
    local sock="$tmp/memif-$name.sock"
    # Optional (the live-connections run): listen ports, targets, capacity,
    # ramp, and a sample of the server taken SAMPLE_AT seconds into the run.
    local listen=${LR_LISTEN:-80} targets=${LR_TARGETS:-198.18.30.1:80}
    local max_conns=${LR_MAX_CONNS:-65536} ramp=${LR_RAMP:-0} sample_at=${LR_SAMPLE_AT:-}
    local mbufs=${LR_MBUFS:-65536} mem=${LR_MEM:-1024} vdev_extra=${LR_VDEV_EXTRA:-} eal_extra=()
    if [ "${BENCH_MEMIF_ZC:-0}" = 1 ]; then
        vdev_extra="$vdev_extra,zero-copy=yes"
        eal_extra=(--single-file-segments)
    fi
    local srv_vdev="net_memif0,role=server,socket=$sock,socket-abstract=no$vdev_extra"
    local cli_vdev="net_memif0,role=client,socket=$sock,socket-abstract=no$vdev_extra"
    if [ "$dev" = vhost ]; then
        # vhost-user: the server side makes the socket, the client connects.
        # Rings of 1024 (virtio-user's queue_size; memif's rsize is not used).
        srv_vdev="net_vhost0,iface=$sock,queues=1"
        cli_vdev="net_virtio_user0,path=$sock,queues=1,queue_size=1024"
    fi
    cat >"$tmp/srv-$name.conf" <<CONF
[port0]
addr = 198.18.30.1/24
[worker]
mbufs = $mbufs
[tcp]
max_conns = $max_conns
[http]
listen = $listen
root = $site
[stats]
interval = 0
CONF
    cat >"$tmp/cli-$name.conf" <<CONF
[port0]
addr = 198.18.30.2/24
[worker]
mbufs = $mbufs
[tcp]
max_conns = $max_conns
[http]
enabled = no
[stats]
interval = 0
[client]
target = $targets
path = $path
connections = $nconn
requests_per_conn = $rpc
ramp = $ramp
duration = ${secs}s
report = $tmp/lr-$name.fifo
CONF
    rm -f "$sock" "$tmp/lr-$name.fifo"
    mkfifo "$tmp/lr-$name.fifo"
    taskset -c 0 "$bin" --no-pci --no-huge -m "$mem" --file-prefix "lrb-$$-srv" --lcores '0@0,1@0' \
        "${eal_extra[@]}" --vdev="$srv_vdev" --log-level=lib.eal:error \
        -- -c "$tmp/srv-$name.conf" </dev/null >"$tmp/srv-$name.log" 2>&1 &
    local spid=$!
    pids+=("$spid")
    wait_line "$tmp/srv-$name.log" '^linerate: ready$' "$spid" 30
    pin_all "$spid" 0 "linerate server ($name)"
    local rss0=
    [ -z "$sample_at" ] || { sleep 1; rss0=$(awk '/^VmRSS:/ {print $2}' "/proc/$spid/status"); }
    taskset -c 1 "$bin" --no-pci --no-huge -m "$mem" --file-prefix "lrb-$$-cli" --lcores '0@1,1@1' \
        "${eal_extra[@]}" --vdev="$cli_vdev" --log-level=lib.eal:error \
        -- -c "$tmp/cli-$name.conf" </dev/null >"$tmp/cli-$name.log" 2>&1 &
    local cpid=$!
    pids+=("$cpid")
    # before its run starts: the client waits for its port (memif connect)
    wait_line "$tmp/cli-$name.log" '^linerate: ready$' "$cpid" 30
    pin_all "$cpid" 1 "linerate client ($name)"
    if [ -n "$sample_at" ]; then
        sleep "$sample_at"
        local rss active
        rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$spid/status")
        active=$(echo /linerate/tcp | "$py" /usr/bin/dpdk-telemetry.py -f "lrb-$$-srv" 2>/dev/null |
            "$py" -c 'import json, sys
for l in sys.stdin:
    if l.startswith("{"):
        print(json.loads(l)["/linerate/tcp"]["state_established"]); break') || active=0
        echo "$rss0 $rss ${active:-0}" >"$tmp/lr-$name.sample"
    fi
    # DPDK 22.11's memif PMD unmaps the shared regions when the peer goes
    # away, under a worker that may be polling them (SIGSEGV). So the client,
    # whose workers have stopped once it prints its final line, is held at its
    # report (a FIFO) until the server has stopped; then it may exit.
    wait_line "$tmp/cli-$name.log" '^client: done' "$cpid" $((secs + 60))
    kill -TERM "$spid" 2>/dev/null || true
    wait "$spid" || die "linerate server ($name) failed: $(tail -5 "$tmp/srv-$name.log")"
    timeout 20 cat "$tmp/lr-$name.fifo" >"$tmp/lr-$name.json" || die "no report from the linerate client ($name)"
    wait "$cpid" || die "linerate client ($name) failed: $(tail -5 "$tmp/cli-$name.log")"
    pids=()
    [ -f "$tmp/lr-$name.json" ] || die "no report from the linerate client ($name)"
    log "linerate $name: $(grep '^client: done' "$tmp/cli-$name.log")"
}

# --- kernel: nginx + wrk over veth ------------------------------------------------
kernel_up()
{
    ip netns add "$ns_srv"
    ip netns add "$ns_cli"
    ip link add "lrb$$s" type veth peer name "lrb$$c"
    ip link set "lrb$$s" netns "$ns_srv"
    ip link set "lrb$$c" netns "$ns_cli"
    ip -n "$ns_srv" addr add 198.18.40.1/24 dev "lrb$$s"
    ip -n "$ns_cli" addr add 198.18.40.2/24 dev "lrb$$c"
    ip -n "$ns_srv" link set lo up
    ip -n "$ns_cli" link set lo up
    ip -n "$ns_srv" link set "lrb$$s" up
    ip -n "$ns_cli" link set "lrb$$c" up
    # Short-lived connections: let wrk's side reuse TIME-WAIT ports.
    ip netns exec "$ns_cli" sysctl -qw net.ipv4.tcp_tw_reuse=1 || true
    ip netns exec "$ns_cli" sysctl -qw net.ipv4.ip_local_port_range="1024 65000" || true
    mkdir -p "$tmp/nginx"
    cat >"$tmp/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log error;
events { worker_connections 4096; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000000;
    keepalive_timeout 60s;
    client_body_temp_path $tmp/nginx/body;
    proxy_temp_path $tmp/nginx/proxy;
    fastcgi_temp_path $tmp/nginx/fastcgi;
    uwsgi_temp_path $tmp/nginx/uwsgi;
    scgi_temp_path $tmp/nginx/scgi;
    server {
        listen 198.18.40.1:80 reuseport backlog=4096;
        root $site;
    }
}
CONF
    ip netns exec "$ns_srv" taskset -c 0 nginx -c "$tmp/nginx/nginx.conf" \
        -e "$tmp/nginx/error.log" </dev/null >"$tmp/nginx/out.log" 2>&1 &
    nginx_pid=$!
    local waited=0
    until ip netns exec "$ns_cli" bash -c 'exec 3<>/dev/tcp/198.18.40.1/80' 2>/dev/null; do
        [ "$waited" -lt 100 ] || die "nginx did not start: $(cat "$tmp/nginx/error.log")"
        sleep 0.1
        waited=$((waited + 1))
    done
}

# run_wrk NAME PATH CONNECTIONS [extra wrk args] -> $tmp/wrk-NAME.txt
run_wrk()
{
    local name=$1 path=$2 nconn=$3
    shift 3
    ip netns exec "$ns_cli" taskset -c 1 timeout $((secs + 30)) wrk -t1 -c"$nconn" -d"${secs}s" \
        "$@" "http://198.18.40.1:80$path" </dev/null >"$tmp/wrk-$name.txt" 2>&1 ||
        die "wrk ($name) failed: $(cat "$tmp/wrk-$name.txt")"
    log "kernel $name: $(grep -E 'Requests/sec|Transfer/sec' "$tmp/wrk-$name.txt" | tr -s ' ' | tr '\n' ' ')"
}

# --- memory per connection (linerate) ---------------------------------------------
# The TCP connection pool, table and client slots are preallocated from
# [tcp] max_conns / [client] connections, so the footprint of a connection
# is what the process grows by per unit of capacity: measured as the RSS
# difference between two servers that differ only in max_conns.
rss_with_max_conns()
{
    local n=$1 name=mem$1
    cat >"$tmp/$name.conf" <<CONF
[port0]
addr = 198.18.31.1/24
[tcp]
max_conns = $n
[http]
listen = 80
root = $site
[stats]
interval = 0
CONF
    taskset -c 0 "$bin" --no-pci --no-huge -m 2048 --file-prefix "lrb-$$-$name" --lcores '0@0,1@0' \
        --vdev="net_memif0,role=server,socket=$tmp/$name.sock,socket-abstract=no" \
        --log-level=lib.eal:error -- -c "$tmp/$name.conf" </dev/null >"$tmp/$name.log" 2>&1 &
    local pid=$!
    pids+=("$pid")
    wait_line "$tmp/$name.log" '^linerate: ready$' "$pid" 60
    sleep 1
    local kb
    kb=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")
    kill -TERM "$pid"
    wait "$pid" || true
    pids=()
    echo "$kb"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
log "build: $bin; ${secs}s per run; ${conns} connections (gbps: 8); load average $load_before"
run_linerate rps 0 /small.txt "$conns"
run_linerate cps 1 /small.txt "$conns"
run_linerate gbps 0 /big.bin 8
kernel_up
# nginx master ($nginx_pid: ip netns exec and taskset exec it) and its worker
for p in "$nginx_pid" $(pgrep -P "$nginx_pid" || true); do
    pin_all "$p" 0 "nginx $(tr '\0' ' ' <"/proc/$p/cmdline" | cut -c1-22)"
done
run_wrk rps /small.txt "$conns"
run_wrk cps /small.txt "$conns" -H 'Connection: close'
run_wrk gbps /big.bin 8
kill -QUIT "$nginx_pid" 2>/dev/null || true
wait "$nginx_pid" 2>/dev/null || true
nginx_pid=
small_n=1024
big_n=131072
rss_small=$(rss_with_max_conns $small_n)
rss_big=$(rss_with_max_conns $big_n)
log "RSS: max_conns=$small_n ${rss_small} KiB, max_conns=$big_n ${rss_big} KiB"
# 100k+ live connections: one client worker has 28,232 ephemeral ports per
# (source address, target), so four listening ports on the server give
# 112,928 tuples; 102,400 keep-alive connections (each one request at a
# time, so mostly idle), ramped up over 4 s, sampled at 8 s.
live_n=102400
LR_LISTEN=80,81,82,83 LR_TARGETS=198.18.30.1:80,198.18.30.1:81,198.18.30.1:82,198.18.30.1:83 \
    LR_MAX_CONNS=$big_n LR_RAMP=4s LR_SAMPLE_AT=8 LR_MBUFS=196608 LR_MEM=2048 \
    LR_VDEV_EXTRA=",rsize=14" secs=10 \
    run_linerate live 0 /small.txt $live_n
read -r rss_idle rss_live live_est <"$tmp/lr-live.sample"
log "live: $live_est established connections on the server (of $live_n); server RSS ${rss_idle} KiB before the client, ${rss_live} KiB with them"

# --- results ----------------------------------------------------------------------
mkdir -p "$here/results" "$here/charts"
for n in rps cps gbps; do
    cp "$tmp/lr-$n.json" "$here/results/macro-$stamp-linerate-$n.json"
    cp "$tmp/wrk-$n.txt" "$here/results/macro-$stamp-kernel-$n.txt"
done
cp "$tmp/lr-live.json" "$here/results/macro-$stamp-linerate-live.json"
cp "$tmp/srv-live.log" "$here/results/macro-$stamp-linerate-live-server.log"
chart="charts/macro-$stamp.png"
# Print only: the chart goes with the raw reports (not committed).
[ "${BENCH_NO_COMMIT_FILES:-0}" != 1 ] || chart="results/macro-$stamp.png"
cpu=$(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1 || true)
hyp=$(lscpu | sed -n 's/^Hypervisor vendor:[[:space:]]*//p' | head -1 || true)
mhz=$(lscpu | sed -n 's/^CPU MHz:[[:space:]]*//p' | head -1 || true)
nginx_v=$(nginx -v 2>&1 | sed 's/^nginx version: //' || true)
wrk_v=$( (wrk --version 2>&1 || true) | head -1 | awk '{print $1, $2}')
machine="$(nproc) CPU ${cpu:-unknown}${mhz:+ at ${mhz%.*} MHz}${hyp:+ ($hyp guest)}; $(. /etc/os-release && echo "$PRETTY_NAME"); kernel $(uname -r); DPDK $(pkg-config --modversion libdpdk); $nginx_v; $wrk_v"
rev=$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown)

section=$("$py" - "$tmp" "$here/$chart" "$chart" "$stamp" "$machine" "$rev" "$secs" "$conns" \
    "$small_n" "$rss_small" "$big_n" "$rss_big" "$load_before" "bench/run.sh${cmd_args:+ $cmd_args}" \
    "$live_n" "$live_est" "$rss_idle" "$rss_live" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import json, os, re, sys
(tmp, chart_path, chart_rel, stamp, machine, rev, secs, conns, small_n, rss_small, big_n,
 rss_big, load, cmdline, live_n, live_est, rss_idle, rss_live, load_after) = sys.argv[1:20]

def wrk(name):
    t = open("%s/wrk-%s.txt" % (tmp, name)).read()
    rps = float(re.search(r"Requests/sec:\s*([\d.]+)", t).group(1))
    m = re.search(r"Transfer/sec:\s*([\d.]+)([KMG]?B)", t)
    mult = {"B": 1, "KB": 1024, "MB": 1024 ** 2, "GB": 1024 ** 3}[m.group(2)]
    errs = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", t)
    sock = re.search(r"Socket errors:.*", t)
    return rps, float(m.group(1)) * mult * 8 / 1e9, (errs.group(1) if errs else "0"), (sock.group(0) if sock else "")

def lr(name):
    return json.load(open("%s/lr-%s.json" % (tmp, name)))

rows = []
k_rps = wrk("rps"); l_rps = lr("rps")
k_cps = wrk("cps"); l_cps = lr("cps")
k_gb = wrk("gbps"); l_gb = lr("gbps")
rows.append(("keep-alive GET 64 B", "requests/s", l_rps["requests_per_sec"], k_rps[0],
             l_rps["latency_us"]["p99"]))
rows.append(("new connection per request, 64 B", "connections/s", l_cps["connections_per_sec"],
             k_cps[0], l_cps["latency_us"]["p99"]))
rows.append(("keep-alive GET 1 MiB", "Gbit/s", l_gb["gbps"], k_gb[1], l_gb["latency_us"]["p99"]))

def fmt(v, unit):
    return "%.2f" % v if unit == "Gbit/s" else "{:,.0f}".format(v)

per_conn = (int(rss_big) - int(rss_small)) * 1024.0 / (int(big_n) - int(small_n))
out = []
out.append("## Macro benchmark (bench/run.sh), %s" % stamp)
out.append("")
out.append("- Machine: %s" % machine)
out.append("- linerate %s; command: `sudo BENCH_SECONDS=%s BENCH_CONNS=%s %s`; "
           "load average before the run: %s (other work on the machine makes the numbers noisy)"
           % (rev, secs, conns, cmdline, load))
out.append("- load average after the run: %s" % load_after)
dev_text = ("net_vhost (server) and net_virtio_user (client), checksum offload both ways"
            if os.environ.get("BENCH_DEV") == "vhost" else
            "net_memif (%s)" % ("zero-copy: `zero-copy=yes`, `--single-file-segments`"
                                if os.environ.get("BENCH_MEMIF_ZC") == "1" else "copy mode"))
out.append("- linerate: server and client processes over %s, `--no-huge`; server "
           "`taskset -c 0` + `--lcores 0@0,1@0` (every thread on CPU 0), client `taskset -c 1` + "
           "`--lcores 0@1,1@1` (every thread on CPU 1); %s s per run; "
           "client connections %s (1 MiB run: 8)." % (dev_text, secs, conns))
pin = [l.strip() for l in open("%s/pinning.txt" % tmp)
       if "(rps)" in l or l.startswith("nginx")]
out.append("- Threads and their CPU, checked with `taskset -a -p` once each process was up "
           "(rps run; the other runs alike): %s." % "; ".join(pin))
out.append("- kernel: nginx 1 worker (`taskset -c 0`, access_log off, sendfile) and wrk "
           "`-t1` (`taskset -c 1`) in two namespaces joined by a veth pair; same files, "
           "durations and connection counts; CPS with `-H 'Connection: close'`.")
out.append("")
out.append("| workload | unit | linerate | kernel (nginx + wrk) | linerate / kernel | linerate p99 latency |")
out.append("|---|---|---:|---:|---:|---:|")
for name, unit, a, b, p99 in rows:
    ratio = a / b if b else float("nan")
    out.append("| %s | %s | %s | %s | %.2f | %s us |" % (name, unit, fmt(a, unit), fmt(b, unit), ratio, p99))
out.append("")
errs = {n: sum(lr(n)["errors"].values()) for n in ("rps", "cps", "gbps")}
out.append("- linerate client errors: rps %d, cps %d, gbps %d (unfinished at the end: %d, %d, %d); "
           "kernel wrk non-2xx: %s, %s, %s %s" % (
               errs["rps"], errs["cps"], errs["gbps"], lr("rps")["unfinished"],
               lr("cps")["unfinished"], lr("gbps")["unfinished"], k_rps[2], k_cps[2], k_gb[2],
               "; ".join(x for x in (k_rps[3], k_cps[3], k_gb[3]) if x)))
out.append("- Gbit/s is HTTP bytes received by the client (heads and bodies) in both columns.")
out.append("- Memory per connection (linerate): %.0f bytes, the RSS growth per unit of `[tcp] "
           "max_conns` (%s KiB at %s, %s KiB at %s: connection pool, table and timers are "
           "preallocated, so an idle established connection costs no more than this)." %
           (per_conn, rss_small, small_n, rss_big, big_n))
out.append("- Live connections: %s of %s keep-alive connections ESTABLISHED on the server 8 s "
           "into the run (client: four targets, ramp 4 s; max_conns %s, 196,608 mbufs, %s); server "
           "RSS %s KiB before the client connected, %s KiB with them (%+.0f bytes per live "
           "connection: connection state is preallocated, so this growth is the first use of "
           "preallocated mbuf data rooms by requests, responses and retransmission queues in "
           "flight). Every connection re-requests at once, so this run is an overload test of "
           "one client core: client %d errors, %d responses (server drops in "
           "bench/results/macro-*-linerate-live-server.log)." % (
               live_est, live_n, big_n,
               "virtio rings of 1024" if os.environ.get("BENCH_DEV") == "vhost"
               else "memif rings of 16384", rss_idle, rss_live,
               (int(rss_live) - int(rss_idle)) * 1024.0 / max(int(live_est), 1),
               sum(lr("live")["errors"].values()), lr("live")["responses_total"]))
out.append("- Chart: [%s](%s). Raw reports (not committed): bench/results/macro-%s-*." % (chart_rel, chart_rel, stamp))
out.append("")

try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.6))
    for ax, (name, unit, a, b, _) in zip(axes, rows):
        ax.bar(["linerate", "kernel"], [a, b], color=["#2b6cb0", "#a0aec0"])
        ax.set_title(name, fontsize=9)
        ax.set_ylabel(unit)
        for i, v in enumerate((a, b)):
            ax.text(i, v, fmt(v, unit), ha="center", va="bottom", fontsize=8)
    fig.suptitle("linerate vs kernel, one CPU each side (%s)" % stamp, fontsize=10)
    fig.tight_layout()
    fig.savefig(chart_path, dpi=100)
except ImportError:
    out.append("- (no chart: python3-matplotlib is not installed)")
    out.append("")
print("\n".join(out))
PY
)
if [ "${BENCH_NO_COMMIT_FILES:-0}" = 1 ]; then
    echo "$section"
else
    printf '\n%s\n' "$section" >>"$here/RESULTS.md"
    log "appended to bench/RESULTS.md; chart bench/$chart"
    echo "$section"
fi
