#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The load generator measured: linerate's client mode against wrk and
# h2load (nghttp2-client, --h1), same machine, same run, same servers:
#   servers  nginx   on the kernel (one worker, keep-alive, 64-byte file)
#            linerate's own HTTP server
#   clients  linerate client mode (one worker), wrk -t1, h2load --h1 -t1
# Workloads (keep-alive GET of /small.txt, 64 bytes, BENCH_CONNS connections):
#   sat    closed loop at saturation, BENCH_SECONDS: requests/s, and the
#          client's CPU cost per request there
#   fixed  open loop at BENCH_RATE requests/s (default 20000, lowered to half
#          the lowest saturation median when that is smaller): latency
#          p50/p90/p99/p99.9/max and the client's cost per request.
#          linerate: `request_rate` (fixed schedule, latency from the intended
#          send time: coordinated omission corrected). h2load: `--rps` is per
#          connection, so rate/connections each; its latency (from
#          --log-file, one line per request) runs from the moment the
#          request is sent, NOT corrected for coordinated omission. wrk has
#          no fixed-rate mode (wrk2 is not packaged in Debian): n/a.
# Cost per request: wrk / h2load: (utime + stime of the process, from bash's
#   `times` of the subshell that ran it) x TSC Hz / requests completed; the
#   kernel's TCP work done in the client's system calls is in stime, softirq
#   work done on the other CPU or in interrupt context may not be.
#   linerate: the report's `cycles_per_request` (TSC cycles of the worker's
#   loop iterations that received or sent, over requests sent, warm-up and
#   drain included); a poll-mode worker spins at 100 % so its CPU time says
#   nothing. Its tap I/O system calls happen inside busy iterations, so they
#   are counted. TSC Hz for the kernel clients: the linerate report's tsc_hz.
#
# Paths (they differ; RESULTS.md says which cell used which):
#   nginx    lives in namespace NS_SRV. wrk / h2load in NS_CLI reach it over
#            a veth pair (198.18.44.0/24). linerate's client is started inside
#            NS_SRV itself, so its net_tap interface is created there
#            (198.18.45.0/24) and nginx (listening on every address) answers
#            it over the tap. (Moving a tap's interface into another namespace
#            after start would break net_tap's later ioctls by name; starting
#            the client in nginx's namespace gives the same topology.)
#   linerate server  net_tap in namespace NS_LRS (kernel side 198.18.46.1,
#            server 198.18.46.2). wrk / h2load run in NS_LRS, on the kernel
#            side of that tap. linerate's client over tap: a second tap in
#            NS_LRS (kernel side 198.18.48.1, client 198.18.48.2), the kernel
#            routing between the two (ip_forward in NS_LRS; both linerates
#            have the kernel side as gateway): tap -> kernel IP forwarding ->
#            tap, the server side the same as the kernel clients'. (A bridge
#            of the two taps does not work: net_tap gives the kernel side the
#            port's own MAC, so the bridge takes frames to it as local; even
#            with the kernel side's MAC changed, the client's ARP never crossed
#            the bridge in a quick test.) And over net_memif (no kernel at all,
#            198.18.47.0/24) as bench/run.sh does.
# Pinning: every server thread on CPU 0 (nginx master + worker; linerate
#   `--lcores 0@0,1@0` under `taskset -c 0`), every client thread on CPU 1
#   (linerate `--lcores 0@1,1@1`; wrk -t1 and h2load -t1 under taskset -c 1),
#   checked with taskset -a -p (see pin_all). Only the server being measured
#   spins: the linerate server is stopped while nginx is measured.
# Each cell runs REPS times (interleaved: rep 1 of every cell, then rep 2..);
# the section gives the median and min-max.
#
# usage: bench/client.sh [BUILD_DIR]   (default: build-bench-client, release)
# env:   BENCH_SECONDS (10)  BENCH_CONNS (64)  BENCH_RATE (20000)  REPS (3)
#        BENCH_NO_COMMIT_FILES=1  print the section, write neither
#                                 bench/RESULTS.md nor the chart
# Writes: raw outputs in bench/results/client-<stamp>/ (git-ignored), a dated
# section appended to bench/RESULTS.md, bench/charts/client-<stamp>.png (by
# tools/lr-report, from the linerate client reports of the fixed-rate runs).
# A measurement, not a test: nothing asserts on a timing.
# Network safety: namespaces created and deleted here, addresses only in
# 198.18.0.0/15, EAL always --no-pci, every run bounded by its duration
# and by timeout(1).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
build=${1:-$top/build-bench-client}
cmd_args="$*"
secs=${BENCH_SECONDS:-10}
conns=${BENCH_CONNS:-64}
rate_want=${BENCH_RATE:-20000}
reps=${REPS:-3}
py=/usr/bin/python3
stamp=$(date -u +%Y-%m-%dT%H%M%SZ)
tmp=$(mktemp -d /tmp/lrc-$$.XXXXXX)
raw="$tmp/raw"
ns_srv="lrc-$$-srv"
ns_cli="lrc-$$-cli"
ns_lrs="lrc-$$-lrs"
pids=()
nginx_pid=
lrs_pid=
nrun=0

cleanup()
{
    local p
    for p in "${pids[@]}" $lrs_pid $nginx_pid; do
        kill -TERM "$p" 2>/dev/null || true
    done
    for p in "${pids[@]}" $lrs_pid $nginx_pid; do
        for _ in $(seq 50); do
            kill -0 "$p" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    ip netns del "$ns_srv" 2>/dev/null || true
    ip netns del "$ns_cli" 2>/dev/null || true
    ip netns del "$ns_lrs" 2>/dev/null || true
    rm -rf /var/run/dpdk/lrc-$$-* 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

die() { echo "bench/client.sh: $*" >&2; exit 1; }
log() { echo "[client-bench] $(date -u +%H:%M:%S) $*"; }

[ "$(id -u)" -eq 0 ] || die "needs root (namespaces, veth, tap)"
for t in nginx wrk h2load taskset ip curl; do
    command -v "$t" >/dev/null || die "'$t' is not installed (tools/setup.sh)"
done
[ "$(nproc)" -ge 2 ] || die "needs 2 CPUs"
case "$reps$secs$conns$rate_want" in *[!0-9]*) die "REPS, BENCH_SECONDS, BENCH_CONNS, BENCH_RATE: integers" ;; esac
if [ "$reps" -lt 1 ] || [ "$conns" -lt 1 ]; then die "REPS and BENCH_CONNS must be >= 1"; fi

# --- build ----------------------------------------------------------------------
if [ ! -f "$build/build.ninja" ]; then
    meson setup "$build" "$top" --buildtype=release >/dev/null
fi
ninja -C "$build" app/linerate/linerate >/dev/null
bin="$build/app/linerate/linerate"

# --- content --------------------------------------------------------------------
site="$tmp/site"
mkdir -p "$site" "$raw"
head -c 64 /dev/zero | tr '\0' 'a' >"$site/small.txt"
chmod 755 "$tmp" "$site"
chmod 644 "$site/small.txt"
ln -s "$site" "$tmp/www"
# One line per run: kind|workload|server|client|path|rep|output file
runs="$tmp/runs.txt"
: >"$runs"

# wait_line FILE PATTERN PID LIMIT: block (tail -f on inotify, grep in
# read(2)) until a line of FILE matches, PID exits or LIMIT seconds pass.
wait_line()
{
    local file=$1 pattern=$2 pid=$3 limit=$4 tpid rc=0
    exec {tfd}< <(exec timeout "$limit" tail -n +1 --pid="$pid" -f "$file" 2>/dev/null)
    tpid=$!
    grep -q -m1 -- "$pattern" <&"$tfd" || rc=$?
    exec {tfd}<&-
    kill "$tpid" 2>/dev/null || true
    [ "$rc" -eq 0 ] && return 0
    grep -q -- "$pattern" "$file" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || { tail -20 "$file" >&2; die "process $pid exited ($file)"; }
    tail -20 "$file" >&2
    die "no '$pattern' in $file after ${limit}s"
}

# pin_all PID CPU WHAT: every thread of PID on CPU only; log name@cpu.
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
    grep -qF "$what:" "$tmp/pinning.txt" 2>/dev/null || echo "$what: $list" >>"$tmp/pinning.txt"
}

# server_conf FILE ADDR [GATEWAY]: linerate's HTTP server on ADDR, port 80.
server_conf()
{
    cat >"$1" <<CONF
[port0]
addr = $2/24
${3:+gateway = $3}
[worker]
mbufs = 65536
[tcp]
max_conns = 16384
[ftp]
enabled = no
[http]
listen = 80
root = $site
[stats]
interval = 0
CONF
}

# client_conf FILE ADDR TARGET RATE REPORT [GATEWAY]
client_conf()
{
    cat >"$1" <<CONF
[port0]
addr = $2/24
${6:+gateway = $6}
[worker]
mbufs = 65536
[tcp]
max_conns = 16384
[http]
enabled = no
[ftp]
enabled = no
[stats]
interval = 0
[client]
target = $3
path = /small.txt
connections = $conns
requests_per_conn = 0
request_rate = $4
duration = ${secs}s
report = $5
CONF
}

# --- servers --------------------------------------------------------------------
nginx_up()
{
    ip netns add "$ns_srv"
    ip netns add "$ns_cli"
    ip link add "lrc$$s" type veth peer name "lrc$$c"
    ip link set "lrc$$s" netns "$ns_srv"
    ip link set "lrc$$c" netns "$ns_cli"
    ip -n "$ns_srv" addr add 198.18.44.1/24 dev "lrc$$s"
    ip -n "$ns_cli" addr add 198.18.44.2/24 dev "lrc$$c"
    ip -n "$ns_srv" link set lo up
    ip -n "$ns_cli" link set lo up
    ip -n "$ns_srv" link set "lrc$$s" up
    ip -n "$ns_cli" link set "lrc$$c" up
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
        listen 80 reuseport backlog=4096;
        root $site;
    }
}
CONF
    ip netns exec "$ns_srv" taskset -c 0 nginx -c "$tmp/nginx/nginx.conf" \
        -e "$tmp/nginx/error.log" </dev/null >"$tmp/nginx/out.log" 2>&1 &
    nginx_pid=$!
    local waited=0
    until ip netns exec "$ns_cli" bash -c 'exec 3<>/dev/tcp/198.18.44.1/80' 2>/dev/null; do
        [ "$waited" -lt 100 ] || die "nginx did not start: $(cat "$tmp/nginx/error.log")"
        sleep 0.1
        waited=$((waited + 1))
    done
    local p
    for p in "$nginx_pid" $(pgrep -P "$nginx_pid" || true); do
        pin_all "$p" 0 "nginx $(tr '\0' ' ' <"/proc/$p/cmdline" | cut -c1-22)"
    done
}

# The linerate server on net_tap in NS_LRS (kernel side 198.18.46.1).
lrs_up()
{
    if ! ip netns list | grep -q "^$ns_lrs\b"; then
        ip netns add "$ns_lrs"
        ip -n "$ns_lrs" link set lo up
        ip netns exec "$ns_lrs" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
        ip netns exec "$ns_lrs" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
        ip netns exec "$ns_lrs" sysctl -qw net.ipv4.ip_forward=1
    fi
    server_conf "$tmp/srv-tap.conf" 198.18.46.2 198.18.46.1
    ip netns exec "$ns_lrs" taskset -c 0 "$bin" --no-pci --no-huge -m 1024 --file-prefix "lrc-$$-srvtap" \
        --lcores '0@0,1@0' --vdev="net_tap0,iface=lrs$$" --log-level=lib.eal:error \
        -- -c "$tmp/srv-tap.conf" </dev/null >"$tmp/srv-tap.log" 2>&1 &
    lrs_pid=$!
    wait_line "$tmp/srv-tap.log" '^linerate: ready$' "$lrs_pid" 30
    pin_all "$lrs_pid" 0 "linerate server (tap)"
    ip -n "$ns_lrs" addr add 198.18.46.1/24 dev "lrs$$"
    ip -n "$ns_lrs" link set "lrs$$" up
    local ok=0
    for _ in $(seq 20); do
        if ip netns exec "$ns_lrs" curl -s --max-time 2 -o /dev/null http://198.18.46.2/small.txt; then
            ok=1
            break
        fi
        sleep 0.5
    done
    [ "$ok" = 1 ] || die "linerate server over tap does not answer"
}
lrs_down()
{
    kill -TERM "$lrs_pid" 2>/dev/null || true
    wait "$lrs_pid" 2>/dev/null || true
    lrs_pid=
}

# --- clients --------------------------------------------------------------------
# lr_child PID: the linerate process under timeout(1) (PID is timeout's:
# ip netns exec and taskset exec, timeout forks).
lr_child()
{
    local c
    c=$(pgrep -P "$1" | head -1) || true
    [ -n "$c" ] || die "no child of $1"
    echo "$c"
}

# record KIND WORKLOAD SERVER CLIENT PATH REP FILE
record() { echo "$1|$2|$3|$4|$5|$6|$7" >>"$runs"; }

# lr_tap WORKLOAD SERVER NS KERNEL_SIDE_ADDR ADDR TARGET RATE REP (the kernel
# side is the client's gateway)
lr_tap()
{
    local wl=$1 srv=$2 ns=$3 kside=$4 addr=$5 target=$6 rate=$7 rep=$8
    nrun=$((nrun + 1))
    local name="lr-$wl-$srv-tap-$rep" ifn="lrt$$n$nrun"
    local out="$raw/$name.json"
    client_conf "$tmp/$name.conf" "$addr" "$target" "$rate" "$out" "$kside"
    ip netns exec "$ns" taskset -c 1 timeout $((secs + 90)) "$bin" --no-pci --no-huge -m 1024 \
        --file-prefix "lrc-$$-c$nrun" --lcores '0@1,1@1' --vdev="net_tap0,iface=$ifn" \
        --log-level=lib.eal:error -- -c "$tmp/$name.conf" </dev/null >"$raw/$name.log" 2>&1 &
    local cpid=$!
    pids=("$cpid")
    wait_line "$raw/$name.log" '^linerate: ready$' "$cpid" 30
    pin_all "$(lr_child "$cpid")" 1 "linerate client (tap)"
    ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$ifn.disable_ipv6=1" || true
    ip -n "$ns" addr add "$kside/24" dev "$ifn"
    ip -n "$ns" link set "$ifn" up
    wait "$cpid" || die "linerate client $name failed: $(tail -5 "$raw/$name.log")"
    pids=()
    rm -rf "/var/run/dpdk/lrc-$$-c$nrun"
    [ -s "$out" ] || die "no report from $name"
    record lr "$wl" "$srv" linerate tap "$rep" "$out"
    log "$name: $(grep '^client: done' "$raw/$name.log" | cut -c1-160)"
}

# lr_memif WORKLOAD RATE REP: server and client over net_memif (as bench/run.sh;
# the client is held at its report, a FIFO, until the server has stopped,
# because DPDK 22.11's memif PMD can fault when the peer goes away first).
lr_memif()
{
    local wl=$1 rate=$2 rep=$3
    nrun=$((nrun + 1))
    local name="lr-$wl-linerate-memif-$rep" sock="$tmp/memif-$nrun.sock" fifo="$tmp/rep-$nrun.fifo"
    server_conf "$tmp/srv-memif.conf" 198.18.47.1
    client_conf "$tmp/$name.conf" 198.18.47.2 198.18.47.1:80 "$rate" "$fifo"
    rm -f "$sock" "$fifo"
    mkfifo "$fifo"
    taskset -c 0 "$bin" --no-pci --no-huge -m 1024 --file-prefix "lrc-$$-s$nrun" --lcores '0@0,1@0' \
        --vdev="net_memif0,role=server,socket=$sock,socket-abstract=no" --log-level=lib.eal:error \
        -- -c "$tmp/srv-memif.conf" </dev/null >"$raw/$name-server.log" 2>&1 &
    local spid=$!
    pids=("$spid")
    wait_line "$raw/$name-server.log" '^linerate: ready$' "$spid" 30
    pin_all "$spid" 0 "linerate server (memif)"
    taskset -c 1 timeout $((secs + 90)) "$bin" --no-pci --no-huge -m 1024 --file-prefix "lrc-$$-c$nrun" \
        --lcores '0@1,1@1' --vdev="net_memif0,role=client,socket=$sock,socket-abstract=no" \
        --log-level=lib.eal:error -- -c "$tmp/$name.conf" </dev/null >"$raw/$name.log" 2>&1 &
    local cpid=$!
    pids+=("$cpid")
    wait_line "$raw/$name.log" '^linerate: ready$' "$cpid" 30
    pin_all "$(lr_child "$cpid")" 1 "linerate client (memif)"
    wait_line "$raw/$name.log" '^client: done' "$cpid" $((secs + 60))
    kill -TERM "$spid" 2>/dev/null || true
    wait "$spid" || die "linerate memif server failed: $(tail -5 "$raw/$name-server.log")"
    timeout 20 cat "$fifo" >"$raw/$name.json" || die "no report from $name"
    wait "$cpid" || die "linerate client $name failed: $(tail -5 "$raw/$name.log")"
    pids=()
    rm -rf "/var/run/dpdk/lrc-$$-s$nrun" "/var/run/dpdk/lrc-$$-c$nrun"
    [ -s "$raw/$name.json" ] || die "empty report from $name"
    record lr "$wl" linerate linerate memif "$rep" "$raw/$name.json"
    log "$name: $(grep '^client: done' "$raw/$name.log" | cut -c1-160)"
}

# kclient KIND WORKLOAD SERVER PATH NS URL REP [RATE]: wrk or h2load under
# taskset -c 1; bash's `times` in the subshell gives the CPU time of its
# children (ip netns exec, taskset and timeout exec or wait: the client's own
# time plus timeout's, which is idle).
kclient()
{
    local kind=$1 wl=$2 srv=$3 path=$4 ns=$5 url=$6 rep=$7 rate=${8:-0}
    local name="$kind-$wl-$srv-$path-$rep"
    local out="$raw/$name.txt" args=()
    if [ "$kind" = wrk ]; then
        args=(wrk -t1 -c"$conns" -d"${secs}s" "$url")
    else
        args=(h2load --h1 -t1 -c"$conns" -m1 -D "$secs")
        if [ "$rate" != 0 ]; then
            args+=(--rps="$("$py" -c "print($rate / $conns)")" --log-file="$raw/$name.log")
        fi
        args+=("$url")
    fi
    (
        ip netns exec "$ns" taskset -c 1 timeout $((secs + 30)) "${args[@]}" </dev/null >"$out" 2>&1
        times >"$out.times"
    ) || die "$kind $name failed: $(tail -5 "$out")"
    record "$kind" "$wl" "$srv" "$kind" "$path" "$rep" "$out"
    log "$name: $(grep -E 'Requests/sec|^finished in' "$out" | tr -s ' ')"
}

# --- runs -----------------------------------------------------------------------
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
log "build $bin; ${secs}s per run, $conns connections, $reps reps; load average $load_before"

nginx_up
log "saturation, nginx"
for rep in $(seq "$reps"); do
    lr_tap sat nginx "$ns_srv" 198.18.45.1 198.18.45.2 198.18.45.1:80 0 "$rep"
    kclient wrk sat nginx veth "$ns_cli" http://198.18.44.1/small.txt "$rep"
    kclient h2load sat nginx veth "$ns_cli" http://198.18.44.1/small.txt "$rep"
done
log "saturation, linerate server"
lrs_up
for rep in $(seq "$reps"); do
    kclient wrk sat linerate tap "$ns_lrs" http://198.18.46.2/small.txt "$rep"
    kclient h2load sat linerate tap "$ns_lrs" http://198.18.46.2/small.txt "$rep"
    lr_tap sat linerate "$ns_lrs" 198.18.48.1 198.18.48.2 198.18.46.2:80 0 "$rep"
done
lrs_down
for rep in $(seq "$reps"); do
    lr_memif sat 0 "$rep"
done

# The fixed rate: BENCH_RATE, or half the lowest saturation median if lower.
rate=$("$py" - "$runs" "$rate_want" <<'PY'
import json, re, statistics, sys
runs, want = sys.argv[1], int(sys.argv[2])
cells = {}
for line in open(runs):
    kind, wl, srv, cli, path, rep, f = line.rstrip("\n").split("|")
    if wl != "sat":
        continue
    if kind == "lr":
        v = json.load(open(f))["requests_per_sec"]
    else:
        t = open(f).read()
        m = re.search(r"Requests/sec:\s*([\d.]+)", t) or re.search(r"finished in [\d.]+\w*, ([\d.]+) req/s", t)
        v = float(m.group(1))
    cells.setdefault((srv, cli, path), []).append(v)
meds = [statistics.median(v) for v in cells.values()]
meds = [m for m in meds if m > 0] or [2 * want]
print(max(1, int(min(want, min(meds) / 2))))
PY
)
log "fixed rate: $rate requests/s (BENCH_RATE $rate_want)"
for rep in $(seq "$reps"); do
    lr_tap fixed nginx "$ns_srv" 198.18.45.1 198.18.45.2 198.18.45.1:80 "$rate" "$rep"
    kclient h2load fixed nginx veth "$ns_cli" http://198.18.44.1/small.txt "$rep" "$rate"
done
lrs_up
for rep in $(seq "$reps"); do
    kclient h2load fixed linerate tap "$ns_lrs" http://198.18.46.2/small.txt "$rep" "$rate"
    lr_tap fixed linerate "$ns_lrs" 198.18.48.1 198.18.48.2 198.18.46.2:80 "$rate" "$rep"
done
lrs_down
for rep in $(seq "$reps"); do
    lr_memif fixed "$rate" "$rep"
done
kill -QUIT "$nginx_pid" 2>/dev/null || true
wait "$nginx_pid" 2>/dev/null || true
nginx_pid=
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# --- results --------------------------------------------------------------------
resdir="$here/results/client-$stamp"
mkdir -p "$resdir"
cp -r "$raw"/. "$resdir"/
cp "$runs" "$tmp/pinning.txt" "$resdir"/
sed -i "s|$raw/|$resdir/|g" "$resdir/runs.txt"
chart_rel="charts/client-$stamp.png"
if [ "${BENCH_NO_COMMIT_FILES:-0}" = 1 ]; then
    chart_out="$tmp/chart.png"
else
    chart_out="$here/$chart_rel"
fi

cpu=$(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1 || true)
hyp=$(lscpu | sed -n 's/^Hypervisor vendor:[[:space:]]*//p' | head -1 || true)
nginx_v=$(nginx -v 2>&1 | sed 's/^nginx version: //' || true)
wrk_v=$( (wrk --version 2>&1 || true) | head -1 | awk '{print $1, $2}')
h2_v=$( (h2load --version 2>&1 || true) | head -1)
machine="$(nproc) CPU ${cpu:-unknown}${hyp:+ ($hyp guest)}; $(. /etc/os-release && echo "$PRETTY_NAME"); kernel $(uname -r); DPDK $(pkg-config --modversion libdpdk); $nginx_v; $wrk_v; $h2_v"
rev=$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown)

# Chart: the median-rate rep of each linerate fixed-rate cell, by lr-report.
chart_args=$("$py" - "$resdir/runs.txt" <<'PY'
import json, sys
cells = {}
for line in open(sys.argv[1]):
    kind, wl, srv, cli, path, rep, f = line.rstrip("\n").split("|")
    if kind == "lr" and wl == "fixed":
        cells.setdefault("%s-%s" % (srv, path), []).append(
            (json.load(open(f))["latency_us"]["p99"], f))
for label, v in cells.items():
    v.sort()
    print("%s %s" % (label, v[len(v) // 2][1]))
PY
)
labels=()
files=()
while read -r l f; do
    labels+=(--label "linerate client -> $l server")
    files+=("$f")
done <<<"$chart_args"
chart_note="[$chart_rel]($chart_rel)"
mkdir -p "$here/charts"
if ! "$py" "$top/tools/lr-report" "${labels[@]}" --png "$chart_out" "${files[@]}" >"$resdir/lr-report.txt" 2>&1; then
    chart_note="(no chart: $(tail -1 "$resdir/lr-report.txt"))"
fi

section=$("$py" - "$resdir/runs.txt" "$stamp" "$machine" "$rev" "$secs" "$conns" "$reps" "$rate" \
    "$rate_want" "$load_before" "$load_after" "bench/client.sh${cmd_args:+ $cmd_args}" "$chart_note" \
    "$resdir" "$here/results/client-$stamp/pinning.txt" <<'PY'
import json, os, re, statistics, sys
(runs, stamp, machine, rev, secs, conns, reps, rate, rate_want, load_before, load_after,
 cmdline, chart_note, resdir, pinfile) = sys.argv[1:16]

def times_cpu(path):
    # bash `times`: line 1 the shell, line 2 its children: "0m1.234s 0m0.567s"
    lines = open(path).read().split("\n")
    tot = 0.0
    for tok in lines[1].split():
        m = re.match(r"(\d+)m([\d.]+)s", tok)
        tot += int(m.group(1)) * 60 + float(m.group(2))
    return tot

def pct(sorted_v, p):
    if not sorted_v:
        return float("nan")
    i = min(len(sorted_v) - 1, max(0, int(-(-p / 100.0 * len(sorted_v) // 1)) - 1))
    return sorted_v[i]

tsc_hz = None
recs = []
for line in open(runs):
    kind, wl, srv, cli, path, rep, f = line.rstrip("\n").split("|")
    r = {"kind": kind, "wl": wl, "srv": srv, "cli": cli, "path": path, "rep": int(rep)}
    if kind == "lr":
        j = json.load(open(f))
        tsc_hz = tsc_hz or j.get("tsc_hz")
        lat = j["latency_us"]
        r.update(rps=j["requests_per_sec"], p50=lat["p50"], p90=lat["p90"], p99=lat["p99"],
                 p999=lat["p999"], max=lat["max"], cpr=j.get("cycles_per_request"),
                 errors=sum(j["errors"].values()), unsent=j.get("unsent", 0),
                 requests=j.get("requests"))
    else:
        t = open(f).read()
        cpu = times_cpu(f + ".times")
        if kind == "wrk":
            r["rps"] = float(re.search(r"Requests/sec:\s*([\d.]+)", t).group(1))
            n = int(re.search(r"(\d+) requests in", t).group(1))
            m = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", t)
            s = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", t)
            r["errors"] = (int(m.group(1)) if m else 0) + (sum(map(int, s.groups())) if s else 0)
        else:
            r["rps"] = float(re.search(r"finished in [\d.]+\w*, ([\d.]+) req/s", t).group(1))
            m = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored", t)
            n = int(m.group(3))
            r["errors"] = int(m.group(5)) + int(m.group(6))
            logf = f[:-4] + ".log"
            if wl == "fixed" and os.path.exists(logf):
                d = []
                starts = []
                for l in open(logf):
                    parts = l.split()
                    if len(parts) >= 3:
                        starts.append(int(parts[0]))
                        d.append(int(parts[2]))
                d.sort()
                # How h2load paces: requests started < 200 us apart form a burst.
                starts.sort()
                bursts, b = [], 1
                for x, y in zip(starts, starts[1:]):
                    if y - x < 200:
                        b += 1
                    else:
                        bursts.append(b)
                        b = 1
                bursts.append(b)
                r["burst"] = statistics.median(bursts)
                span = (starts[-1] - starts[0]) / 1e6 if len(starts) > 1 else 0
                r["burst_rate"] = len(bursts) / span if span else None
                r.update(p50=pct(d, 50), p90=pct(d, 90), p99=pct(d, 99), p999=pct(d, 99.9),
                         max=d[-1] if d else float("nan"))
        r["requests"] = n
        r["cpu_s"] = cpu
    recs.append(r)
for r in recs:
    if "cpu_s" in r:
        r["cpr"] = r["cpu_s"] * tsc_hz / r["requests"] if r["requests"] and tsc_hz else None

def cells(wl):
    out = {}
    for r in recs:
        if r["wl"] == wl:
            out.setdefault((r["srv"], r["cli"], r["path"]), []).append(r)
    return out

def stat(rs, key, fmt="{:,.0f}"):
    v = [r[key] for r in rs if r.get(key) is not None]
    if not v:
        return "n/a"
    med = statistics.median(v)
    if len(v) == 1:
        return fmt.format(med)
    return "%s (%s-%s)" % (fmt.format(med), fmt.format(min(v)), fmt.format(max(v)))

pathname = {
    ("nginx", "veth"): "kernel TCP both ends, veth",
    ("nginx", "tap"): "linerate -> net_tap -> nginx's kernel TCP (same namespace)",
    ("linerate", "tap"): "kernel TCP -> net_tap -> linerate",
    ("linerate", "memif"): "net_memif, no kernel",
}
def path_of(srv, cli, path):
    if srv == "linerate" and cli == "linerate" and path == "tap":
        return "linerate -> net_tap -> kernel IP forwarding -> net_tap -> linerate"
    return pathname[(srv, path)]

order = [("nginx", "linerate", "tap"), ("nginx", "wrk", "veth"), ("nginx", "h2load", "veth"),
         ("linerate", "linerate", "tap"), ("linerate", "wrk", "tap"), ("linerate", "h2load", "tap"),
         ("linerate", "linerate", "memif")]

o = []
o.append("## Load generator: linerate client vs wrk and h2load (bench/client.sh), %s" % stamp)
o.append("")
o.append("- Machine: %s" % machine)
o.append("- linerate %s; command: `sudo BENCH_SECONDS=%s BENCH_CONNS=%s BENCH_RATE=%s REPS=%s %s`; "
         "load average before %s, after %s. The machine (2 CPUs) was shared with another "
         "engineer building code during the run, so every number is noisy: read the min-max "
         "spread before any ratio." % (rev, secs, conns, rate_want, reps, cmdline, load_before, load_after))
o.append("- Every cell: %s runs of %s s, interleaved (rep 1 of every cell, then rep 2, ..); "
         "median and (min-max). Keep-alive GET of a 64-byte file, %s connections. Server on "
         "CPU 0 (nginx 1 worker, master and worker; linerate `--lcores 0@0,1@0`), client "
         "on CPU 1 (linerate client `--lcores 0@1,1@1`, one worker; `wrk -t1`; `h2load --h1 -t1 "
         "-m1`), every thread checked with `taskset -a -p`." % (reps, secs, conns))
o.append("- Paths differ between clients (column \"path\"): against nginx, wrk and h2load use a veth "
         "pair between two namespaces, linerate's client a net_tap interface in nginx's own "
         "namespace. Against linerate's server, all three reach it through the server's net_tap "
         "(the kernel clients on the tap's kernel side, linerate's client through a second "
         "tap in the same namespace, the kernel forwarding between the two); linerate's client also over net_memif (no kernel).")
o.append("")
o.append("### Saturation (closed loop): requests/s, and the client's cost per request there")
o.append("")
o.append("| server | client | path | requests/s | client cycles/request | errors (all reps) |")
o.append("|---|---|---|---:|---:|---:|")
sat = cells("sat")
for k in order:
    if k not in sat:
        continue
    rs = sat[k]
    o.append("| %s | %s | %s | %s | %s | %d |" % (k[0], k[1], path_of(*k), stat(rs, "rps"),
             stat(rs, "cpr"), sum(r.get("errors", 0) for r in rs)))
o.append("")
o.append("### Fixed rate %s requests/s (open loop): latency (us) and the client's cost per request" % "{:,}".format(int(rate)))
o.append("")
o.append("| server | client | path | achieved req/s | p50 | p90 | p99 | p99.9 | max | client cycles/request | errors / unsent |")
o.append("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
fx = cells("fixed")
for k in order:
    if k[1] == "wrk":
        o.append("| %s | wrk | %s | n/a | n/a | n/a | n/a | n/a | n/a | n/a | n/a (no fixed-rate mode) |"
                 % (k[0], path_of(*k)))
        continue
    if k not in fx:
        continue
    rs = fx[k]
    o.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %d / %d |" % (
        k[0], k[1], path_of(*k), stat(rs, "rps"), stat(rs, "p50"), stat(rs, "p90"),
        stat(rs, "p99"), stat(rs, "p999"), stat(rs, "max"), stat(rs, "cpr"),
        sum(r.get("errors", 0) for r in rs), sum(r.get("unsent", 0) for r in rs)))
o.append("")
o.append("- Fixed rate: BENCH_RATE %s, or half the lowest saturation median if that is lower; "
         "here %s. linerate: `request_rate = %s` over its %s connections, latency counted from "
         "each request's intended send time (coordinated omission corrected; percentiles from "
         "its log-linear histogram, at most 1/64 above the true value). h2load: `--rps %g` per "
         "connection (x %s), latency per request from its `--log-file` (send to end of response), "
         "NOT corrected for coordinated omission, so under a stall it reads lower than linerate's "
         "would. wrk has no fixed-rate mode (wrk2 is not packaged in Debian): n/a."
         % (rate_want, rate, rate, conns, int(rate) / int(conns), conns))
bl = []
for k in order:
    if k[1] == "h2load" and k in fx:
        bl.append("%s server: bursts of %s requests, %s bursts/s" % (
            k[0], stat(fx[k], "burst"), stat(fx[k], "burst_rate")))
if bl:
    o.append("- h2load's pacing at the fixed rate, from the start times in its log (requests started "
             "less than 200 us apart counted as one burst; median, min-max over reps): %s. Its "
             "per-connection timers fire together, so up to one request per connection leaves at "
             "once and the last of a burst waits for the others: likely most of its p50 "
             "(not examined further)." % "; ".join(bl))
o.append("- Cost per request: wrk / h2load = (user + system CPU time of the process, bash `times`) "
         "x TSC Hz (%s, from linerate's report) / requests completed; the kernel's TCP work in "
         "the client's system calls is in it, softirq work charged elsewhere may not be, and "
         "h2load's fixed-rate runs include writing its per-request log. linerate = the report's "
         "`cycles_per_request`: TSC cycles of the worker's loop iterations that received or sent "
         "(its whole TCP/IP stack and, on tap, its read/write system calls) over requests sent, "
         "warm-up and drain included; its CPU time is meaningless (a poll-mode worker spins at "
         "100 %%). The two are measured differently (busy-iteration TSC vs. process CPU time): "
         "compare orders of magnitude, not the last digit." % ("{:,}".format(tsc_hz) if tsc_hz else "?"))
o.append("- Threads and CPUs: %s." % "; ".join(l.strip() for l in open(pinfile)))
o.append("- Chart (tools/lr-report, the linerate client's fixed-rate runs, the rep with the "
         "median p99 of each cell: responses/s and p99 by second, latency percentile curve; "
         "h2load and wrk have no such report, they are in the tables only): %s." % chart_note)
o.append("- Raw outputs (not committed): bench/results/client-%s/." % stamp)
o.append("")
print("\n".join(o))
PY
)
if [ "${BENCH_NO_COMMIT_FILES:-0}" = 1 ]; then
    echo "$section"
else
    printf '\n%s\n' "$section" >>"$here/RESULTS.md"
    log "appended to bench/RESULTS.md; chart bench/$chart_rel"
    echo "$section"
fi
