#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The load generator's TLS handshakes per client core (issue 14): linerate's
# client ([client] tls = yes, requests_per_conn = 1: one handshake per
# request) against linerate's HTTPS server over a net_memif pair, and, as the
# peer in the same run, `openssl s_time` (the kernel client that bench/tls.sh
# uses) against the same server over net_tap, both with their client on one
# CPU. Points:
#   full13   full TLS 1.3 handshakes (ECDSA P-256 certificate, X25519)
#   full13rsa  the same with an RSA-2048 certificate: the server's RSA
#            signature (~2.3k/s on this VM's CPU) costs more than the client's
#            work, so this point measures the server, not the client
#   full12   full TLS 1.2 handshakes (ECDHE-ECDSA)
#   res12    resumed TLS 1.2 handshakes (session tickets, resume = 100)
#   res13    resumed TLS 1.3 handshakes (psk_dhe_ke: still one X25519 each)
#   ka64     HTTPS keep-alive GET of 64 bytes, requests/s (TLS 1.3, both
#            sides linerate: no kernel in the path)
#   ka1m     HTTPS keep-alive GET of 1 MiB, GB/s (8 connections; the client
#            decrypts what the server encrypts, one CPU each)
# linerate's rate is the report's tls full_per_sec + resumed_per_sec over the
# whole run (the ramp-up second included); s_time's is the sum of P
# processes' connections over the wall time (s_time has no TLS 1.3
# resumption mode that resumes every connection, so res13 has no peer).
# Which side is the limit: both linerate sides busy-poll, so their CPU time
# says nothing; TLSC_PERF=DIR records a profile of each side (perf record)
# to see where the cycles go and how much is the idle poll loop.
#
# CPUs (2-CPU machine): server on CPU 0 (`taskset -c 0`, `--lcores
# 0@0,1@0`: EAL's service threads too), client on CPU 1 (linerate the same
# way; the s_time processes under `taskset -c 1`).
#
# usage: sudo bench/tls-client.sh [BUILD_DIR]     (default: build)
# env:   TLSC_SECS (6) seconds per point, TLSC_REPS (3) repetitions,
#        TLSC_CONNS (64) client connections, TLSC_PAR (8) s_time processes,
#        TLSC_POINTS ("full13 full13rsa full12 res12 res13 ka64 ka1m stime"),
#        TLSC_PERF=DIR perf record -g of both linerate sides into DIR,
#        BENCH_NO_COMMIT_FILES=1 print the section instead of appending it
#        to bench/RESULTS.md.
# Not a test: no assertion on any number. Network safety: memif sockets in a
# private directory, one namespace with a tap made and deleted here,
# addresses in 198.18.0.0/15 only, every wait bounded.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
build=${1:-$top/build}
cmd_args="$*"
secs=${TLSC_SECS:-6}
reps=${TLSC_REPS:-3}
conns=${TLSC_CONNS:-64}
par=${TLSC_PAR:-8}
points=${TLSC_POINTS:-full13 full13rsa full12 res12 res13 ka64 ka1m stime}
py=/usr/bin/python3
tmp=$(mktemp -d /tmp/lrb-tlsc-$$.XXXXXX)
ns="lrb-$$-tlsc"
tapif="lrb$$c"
pfx_srv="lrb-$$-tlsc-srv"
pfx_cli="lrb-$$-tlsc-cli"
pids=()

cleanup()
{
    local p
    for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
    rm -rf "/var/run/dpdk/$pfx_srv" "/var/run/dpdk/$pfx_cli" "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
die() { echo "bench/tls-client.sh: $*" >&2; exit 1; }
log() { echo "[tls-client] $*"; }

[ "$(id -u)" -eq 0 ] || die "needs root (namespace, tap)"
for t in openssl taskset ip; do command -v "$t" >/dev/null || die "'$t' is not installed"; done
[ "$(nproc)" -ge 2 ] || die "needs 2 CPUs"
bin="$build/app/linerate/linerate"
[ -x "$bin" ] || die "no $bin (ninja -C $build)"

mkdir -p "$tmp/site"
openssl req -x509 -nodes -days 2 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
    -keyout "$tmp/ec.key" -out "$tmp/ec.crt" -subj /CN=lrb-tls >/dev/null 2>&1 || die "openssl req"
openssl req -x509 -nodes -days 2 -newkey rsa:2048 \
    -keyout "$tmp/rsa.key" -out "$tmp/rsa.crt" -subj /CN=lrb-tls >/dev/null 2>&1 || die "openssl req rsa"
head -c 64 /dev/zero | tr '\0' 'a' >"$tmp/site/small.txt"
head -c 1048576 /dev/urandom >"$tmp/site/big.bin"
results="$tmp/results.tsv"
: >"$results"

# wait_for FILE PATTERN PID SECONDS
wait_for()
{
    local file=$1 pattern=$2 pid=$3 n=$(($4 * 10))
    until grep -q -- "$pattern" "$file" 2>/dev/null; do
        kill -0 "$pid" 2>/dev/null || { tail -20 "$file" >&2; die "process $pid exited ($file)"; }
        n=$((n - 1))
        [ "$n" -gt 0 ] || { tail -20 "$file" >&2; die "no '$pattern' in $file"; }
        sleep 0.1
    done
}
# pin PID CPU: every thread of PID on CPU only
pin()
{
    taskset -a -p -c "$2" "$1" >/dev/null || die "taskset $1"
    local t aff
    for t in /proc/"$1"/task/*; do
        aff=$(taskset -c -p "${t##*/}" 2>/dev/null | sed 's/.*: //') || continue
        [ "$aff" = "$2" ] || die "thread $(cat "$t/comm") of $1 on CPUs $aff, not $2"
    done
}
server_conf() # FILE CERT(ec|rsa)
{
    cat >"$1" <<CONF
[port0]
addr = 198.18.50.1/24
[worker]
mbufs = 65536
[tcp]
max_conns = 65536
time_wait = 1s
[ftp]
enabled = no
[tls]
cert = $tmp/$2.crt
key = $tmp/$2.key
[http]
listen = 80
tls_listen = 443
root = $tmp/site
[stats]
interval = 0
CONF
}
server_conf "$tmp/srv.conf" ec
server_conf "$tmp/srv-rsa.conf" rsa

# point_lr NAME MAX_VERSION RESUME REP: linerate client -> linerate server (memif)
point_lr()
{
    local name=$1 maxv=$2 resume=$3 rep=$4 sock="$tmp/memif.sock" fifo="$tmp/report.fifo"
    local srv_conf="$tmp/srv.conf" path=/small.txt rpc=1 nconn=$conns
    [ "$name" = full13rsa ] && srv_conf="$tmp/srv-rsa.conf"
    # keep-alive points: one handshake per connection, then requests
    case $name in
    ka64) rpc=0 ;;
    ka1m) rpc=0 path=/big.bin nconn=8 ;;
    esac
    cat >"$tmp/cli.conf" <<CONF
[port0]
addr = 198.18.50.2/24
[worker]
mbufs = 65536
[tcp]
# Room for TIME_WAIT at 15k+ connections/s with time_wait = 1s (the
# requests say Connection: close, so the server closes first).
max_conns = 65536
time_wait = 1s
[http]
enabled = no
[stats]
interval = 0
[tls]
max_version = $maxv
[client]
target = 198.18.50.1:443
path = $path
connections = $nconn
requests_per_conn = $rpc
duration = ${secs}s
tls = yes
resume = $resume
report = $fifo
CONF
    rm -f "$sock" "$fifo"
    mkfifo "$fifo"
    taskset -c 0 "$bin" --no-pci --no-huge -m 1024 --file-prefix "$pfx_srv" --lcores '0@0,1@0' \
        --vdev="net_memif0,role=server,socket=$sock,socket-abstract=no" --log-level=lib.eal:error \
        -- -c "$srv_conf" </dev/null >"$tmp/srv.log" 2>&1 &
    local spid=$!
    pids=("$spid")
    wait_for "$tmp/srv.log" '^linerate: ready$' "$spid" 30
    pin "$spid" 0
    taskset -c 1 "$bin" --no-pci --no-huge -m 1024 --file-prefix "$pfx_cli" --lcores '0@1,1@1' \
        --vdev="net_memif0,role=client,socket=$sock,socket-abstract=no" --log-level=lib.eal:error \
        -- -c "$tmp/cli.conf" </dev/null >"$tmp/cli.log" 2>&1 &
    local cpid=$!
    pids+=("$cpid")
    wait_for "$tmp/cli.log" '^linerate: ready$' "$cpid" 30
    pin "$cpid" 1
    if [ -n "${TLSC_PERF:-}" ]; then
        # TLSC_PERF=DIR: a CPU profile of each side during the run
        perf record -q --call-graph "${TLSC_PERF_CG:-fp}" -o "$TLSC_PERF/cli-$name-$rep.data" -p "$cpid" -- sleep $((secs - 2)) \
            >/dev/null 2>&1 &
        perf record -q --call-graph "${TLSC_PERF_CG:-fp}" -o "$TLSC_PERF/srv-$name-$rep.data" -p "$spid" -- sleep $((secs - 2)) \
            >/dev/null 2>&1 &
    fi
    sleep $((secs - 1))
    wait_for "$tmp/cli.log" '^client: done' "$cpid" $((secs + 30))
    # memif: the server stops first, the client waits at its report (FIFO).
    kill -TERM "$spid"
    wait "$spid" || die "server failed: $(tail -5 "$tmp/srv.log")"
    timeout 20 cat "$fifo" >"$tmp/report.json" || die "no report"
    wait "$cpid" || die "client failed: $(tail -5 "$tmp/cli.log")"
    pids=()
    local line
    line=$("$py" - "$tmp/report.json" "$name" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
t = r["tls"]
lat = t["handshake_latency_us"]
errs = ",".join("%s:%d" % (k, v) for k, v in r.get("errors", {}).items() if v) or "0"
rate = t["full_per_sec"] + t["resumed_per_sec"]
if sys.argv[2] == "ka64":
    rate = r["requests_per_sec"]
elif sys.argv[2] == "ka1m":
    rate = r["gbps"] / 8  # GB/s of HTTP payload (bodies and heads)
print("%.3f %d %d %d %s %d %d" % (rate, t["full"], t["resumed"], t["failed_total"], errs,
                                  lat["p50"], lat["p99"]))
PY
)
    local rate full res failed errs p50 p99
    read -r rate full res failed errs p50 p99 <<<"$line"
    printf 'linerate\t%s\t%s\t%s\tfull=%s resumed=%s failed=%s errors=%s hs_p50=%sus hs_p99=%sus\n' \
        "$name" "$rep" "$rate" "$full" "$res" "$failed" "$errs" "$p50" "$p99" >>"$results"
    local unit=handshakes/s
    case $name in ka64) unit=requests/s ;; ka1m) unit=GB/s ;; esac
    log "linerate $name #$rep: $rate $unit (full $full, resumed $res, failed $failed, errors $errs; handshake p50 ${p50}us p99 ${p99}us)"
}

# point_stime NAME REP: openssl s_time x PAR on CPU 1 -> linerate server (tap) on CPU 0
stime_srv=
stime_up()
{
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    sed 's/^addr = .*/addr = 198.18.51.2\/24/' "$tmp/srv.conf" >"$tmp/srv-tap.conf"
    ip netns exec "$ns" taskset -c 0 "$bin" --no-pci --no-huge -m 1024 --file-prefix "$pfx_srv" \
        --lcores '0@0,1@0' --vdev="net_tap0,iface=$tapif" --log-level=lib.eal:error \
        -- -c "$tmp/srv-tap.conf" </dev/null >"$tmp/srv-tap.log" 2>&1 &
    stime_srv=$!
    pids=("$stime_srv")
    wait_for "$tmp/srv-tap.log" '^linerate: ready$' "$stime_srv" 30
    pin "$stime_srv" 0
    ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$tapif.disable_ipv6=1"
    ip netns exec "$ns" sysctl -qw net.ipv4.tcp_tw_reuse=1
    ip netns exec "$ns" sysctl -qw net.ipv4.ip_local_port_range="1024 65000"
    ip -n "$ns" addr add 198.18.51.1/24 dev "$tapif"
    ip -n "$ns" link set "$tapif" up
    sleep 1
}
point_stime()
{
    local name=$1 rep=$2 mode=(-new -tls1_3) i spids=() t0 t1 n=0 c
    case $name in
    full12) mode=(-new -tls1_2) ;;
    res12) mode=(-reuse -tls1_2) ;;
    esac
    t0=$(date +%s.%N)
    for i in $(seq "$par"); do
        ip netns exec "$ns" taskset -c 1 timeout $((secs + 20)) openssl s_time \
            -connect 198.18.51.2:443 "${mode[@]}" -time "$secs" -www /small.txt \
            </dev/null >"$tmp/st.$i" 2>&1 &
        spids+=($!)
    done
    for i in "${spids[@]}"; do wait "$i" || die "s_time failed: $(tail -3 "$tmp/st.1")"; done
    t1=$(date +%s.%N)
    for i in $(seq "$par"); do
        c=$(sed -n 's/^\([0-9]*\) connections in [0-9.]*s;.*/\1/p' "$tmp/st.$i" | head -1)
        [ -n "$c" ] || die "no s_time result: $(tail -3 "$tmp/st.$i")"
        n=$((n + c))
    done
    local rate
    rate=$(echo "$n / ($t1 - $t0)" | bc -l)
    printf 's_time\t%s\t%s\t%.1f\tconns=%s\n' "$name" "$rep" "$rate" "$n" >>"$results"
    log "s_time $name #$rep: $(printf '%.0f' "$rate") handshakes/s ($n connections)"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
t_start=$(date -u +%Y-%m-%dT%H:%M:%SZ)
log "build $bin; ${secs}s per point, $reps repetitions, $conns connections, $par s_time processes; load $load_before"
for rep in $(seq "$reps"); do
    for name in $points; do
        case $name in
        full13) point_lr full13 1.3 0 "$rep" ;;
        full13rsa) point_lr full13rsa 1.3 0 "$rep" ;;
        full12) point_lr full12 1.2 0 "$rep" ;;
        res12) point_lr res12 1.2 100 "$rep" ;;
        res13) point_lr res13 1.3 100 "$rep" ;;
        ka64 | ka1m) point_lr "$name" 1.3 0 "$rep" ;;
        stime) ;;
        *) die "unknown point $name" ;;
        esac
    done
    case " $points " in *" stime "*) ;; *) continue ;; esac
    stime_up
    for name in full13 full12 res12; do point_stime "$name" "$rep"; done
    kill -TERM "$stime_srv"
    wait "$stime_srv" || die "tap server failed: $(tail -5 "$tmp/srv-tap.log")"
    pids=()
    ip netns del "$ns"
done
t_end=$(date -u +%Y-%m-%dT%H:%M:%SZ)
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

commit=$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo '?')
cpu=$(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1 || true)
table=$("$py" - "$results" <<'PY'
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
names = [("full13", "full TLS 1.3, ECDSA P-256 + X25519"),
         ("full13rsa", "full TLS 1.3, RSA-2048 + X25519 (server-bound)"), ("full12", "full TLS 1.2, ECDHE-ECDSA"),
         ("res12", "resumed TLS 1.2 (tickets)"), ("res13", "resumed TLS 1.3 (psk_dhe_ke)"),
         ("ka64", "HTTPS keep-alive 64 B, requests/s"), ("ka1m", "HTTPS keep-alive 1 MiB, GB/s")]
def v(tool, n):
    return [float(r[3]) for r in rows if r[0] == tool and r[1] == n]
def notes(tool, n):
    return "; ".join(r[4] for r in rows if r[0] == tool and r[1] == n)
out = ["| per client core | linerate client median [min-max] | openssl s_time x P median [min-max] | ratio |",
       "|---|---:|---:|---:|"]
for n, desc in names:
    a, b = v("linerate", n), v("s_time", n)
    fmt = "{:,.3f} [{:,.3f}-{:,.3f}]" if n == "ka1m" else "{:,.0f} [{:,.0f}-{:,.0f}]"
    fa = fmt.format(statistics.median(a), min(a), max(a)) if a else "n/a"
    fb = "{:,.0f} [{:,.0f}-{:,.0f}]".format(statistics.median(b), min(b), max(b)) if b else "n/a"
    ratio = "%.2f" % (statistics.median(a) / statistics.median(b)) if a and b else "-"
    out.append("| %s | %s | %s | %s |" % (desc, fa, fb, ratio))
out.append("")
for n, _ in names:
    for tool in ("linerate", "s_time"):
        s = notes(tool, n)
        if s:
            out.append("- %s %s: %s" % (tool, n, s))
print("\n".join(out))
PY
)
report="## HTTPS load generator: handshakes per client core (bench/tls-client.sh), $t_start

- Machine: $(nproc) vCPU ${cpu:-?} (KVM guest, shared and noisy), $(. /etc/os-release; echo "$PRETTY_NAME"), kernel $(uname -r); $(openssl version | cut -d' ' -f1-2).
- linerate $commit, $bin; run $t_start to $t_end; load average $load_before before, $load_after after.
- Command: \`sudo bench/tls-client.sh $cmd_args\` (TLSC_SECS=$secs, TLSC_REPS=$reps, TLSC_CONNS=$conns, TLSC_PAR=$par).
- Server: linerate HTTPS (ECDSA P-256, 1 worker) on CPU 0. Client on CPU 1: linerate client mode over net_memif ($conns connections, requests_per_conn = 1, tls = yes, resume = 0 or 100) or $par \`openssl s_time\` processes over net_tap (the same server started on a tap).

$table"
if [ "${BENCH_NO_COMMIT_FILES:-0}" = 1 ]; then
    echo "$report"
else
    printf '\n%s\n' "$report" >>"$here/RESULTS.md"
    echo "$report"
    log "appended to bench/RESULTS.md"
fi
