#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# HTTPS benchmark (issue 14): linerate's TLS server against nginx with ssl,
# the same client tools on the kernel for both, one run, side by side:
#   hs_ec     full TLS 1.3 handshakes/s, ECDSA P-256 certificate
#   hs_rsa    full TLS 1.3 handshakes/s, RSA-2048 certificate
#   res12     resumed TLS 1.2 handshakes/s (session tickets), ECDSA
#   rps       HTTPS keep-alive GET of a 64-byte file, requests/s
#   gbps      HTTPS keep-alive GET of a 1 MiB file, GB/s of plaintext body
#   idle      memory per idle handshaked TLS connection (VmRSS growth)
# Tools: handshakes with `openssl s_time` (-new -tls1_3 for full handshakes,
# -reuse -tls1_2 for resumption: h2load reconnects but resumes every
# connection after its first one, so it cannot count full handshakes), P
# processes in parallel, each for SECS seconds, the rate is the sum of their
# connections over the wall time; keep-alive and 1 MiB with
# `h2load --h1 -m 1 -D SECS --warm-up-time 1` (64 and 8 connections); the
# idle connections with a small python ssl script.
#
# Topology and CPUs (2-CPU machine): the server on CPU 1, the client on CPU 0.
#   linerate: net_tap in namespace lrb-PID-tls (EAL --no-pci --no-huge
#     -m 1024, --lcores 0@1,1@1 under `taskset -c 1`, so EAL's service
#     threads stay on CPU 1 too; checked with taskset -a -p), 198.18.0.2;
#     the client runs in the same namespace on the kernel side of the tap
#     (198.18.0.1), as the integration tests do.
#   nginx: 1 worker_process (master and worker under `taskset -c 1`) in
#     namespace lrb-PID-tlsk, 198.18.40.1, reached over a veth pair from the
#     client namespace lrb-PID-tlsc (198.18.40.2): kernel TCP on both sides.
# linerate busy-polls its CPU, so it is stopped while nginx is measured; it
# is started once per certificate and repetition (the certificate is fixed
# at start). nginx serves the ECDSA pair on 443 and the RSA pair on 8443.
# CPU use of every point: busy share of CPU 0 and CPU 1 from /proc/stat and
# the server process's user/system time from /proc/PID/stat (linerate's
# system time is its tap I/O, i.e. the kernel's side of the tap).
#
# usage: sudo bench/tls.sh [BUILD_DIR]          (default: build)
# env:   TLS_SECS (8) seconds per point, TLS_REPS (3) repetitions,
#        TLS_PAR (8) parallel s_time processes, TLS_IDLE (1000) idle
#        connections, BENCH_NO_COMMIT_FILES=1 print the section instead of
#        appending it to bench/RESULTS.md.
# Not a test: no assertion on any number. Network safety: namespaces made
# and deleted here, addresses in 198.18.0.0/15 only, every loop bounded.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
build=${1:-$top/build}
cmd_args="$*"
secs=${TLS_SECS:-8}
reps=${TLS_REPS:-3}
par=${TLS_PAR:-8}
idle_n=${TLS_IDLE:-1000}
py=/usr/bin/python3
tmp=$(mktemp -d /tmp/lrb-tls-$$.XXXXXX)
ns_l="lrb-$$-tls"
ns_ks="lrb-$$-tlsk"
ns_kc="lrb-$$-tlsc"
tapif="lrb$$t"
prefix="lrb-$$-tls"
lr_pid=
nginx_pid=
idle_pid=

stop_pid()
{
    local p=$1 sig=${2:-TERM}
    [ -n "$p" ] || return 0
    kill "-$sig" "$p" 2>/dev/null || true
    for _ in $(seq 100); do
        kill -0 "$p" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
}
cleanup()
{
    stop_pid "$idle_pid"
    stop_pid "$lr_pid"
    stop_pid "$nginx_pid" QUIT
    ip netns del "$ns_l" 2>/dev/null || true
    ip netns del "$ns_ks" 2>/dev/null || true
    ip netns del "$ns_kc" 2>/dev/null || true
    rm -rf "/var/run/dpdk/$prefix" "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

die() { echo "bench/tls.sh: $*" >&2; exit 1; }
log() { echo "[tls] $*"; }

[ "$(id -u)" -eq 0 ] || die "needs root (namespaces, tap, veth)"
for t in nginx h2load openssl taskset ip curl; do
    command -v "$t" >/dev/null || die "'$t' is not installed (h2load: apt-get install nghttp2-client)"
done
[ "$(nproc)" -ge 2 ] || die "needs 2 CPUs"
bin="$build/app/linerate/linerate"
[ -x "$bin" ] || die "no $bin (ninja -C $build)"

# --- certificates and content -----------------------------------------------------
pki="$tmp/pki"
site="$tmp/site"
mkdir -p "$pki" "$site"
openssl req -x509 -nodes -days 2 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
    -keyout "$pki/ec.key" -out "$pki/ec.crt" -subj /CN=lrb-tls >/dev/null 2>&1 || die "openssl req (ec)"
openssl req -x509 -nodes -days 2 -newkey rsa:2048 \
    -keyout "$pki/rsa.key" -out "$pki/rsa.crt" -subj /CN=lrb-tls >/dev/null 2>&1 || die "openssl req (rsa)"
head -c 64 /dev/zero | tr '\0' 'a' >"$site/small.txt"
head -c 1048576 /dev/urandom >"$site/big.bin"
big_sha=$(sha256sum "$site/big.bin" | cut -d' ' -f1)
chmod 755 "$tmp" "$site" "$pki"
chmod 644 "$site"/* "$pki"/*

# --- CPU accounting ---------------------------------------------------------------
# cpu_snap PID -> "cpu0_busy cpu0_total cpu1_busy cpu1_total pid_utime pid_stime"
# (jiffies; busy = everything but idle and iowait; steal counted as busy
# time lost to the hypervisor, shown apart in the notes).
cpu_snap()
{
    local pid=$1
    awk '$1=="cpu0"||$1=="cpu1" {t=0; for(i=2;i<=NF;i++) t+=$i; printf "%d %d ", t-$5-$6, t}' /proc/stat
    awk '{print $14, $15}' "/proc/$pid/stat"
}
# cpu_use SNAP0 SNAP1 -> "cpu0% cpu1% srv_user% srv_sys%"
cpu_use()
{
    echo "$1 $2" | awk -v hz="$(getconf CLK_TCK)" '{
        t0 = $8 - $2; b0 = $7 - $1; t1 = $10 - $4; b1 = $9 - $3;
        secs = t1 / hz; if (secs <= 0) secs = 1;
        printf "%.0f %.0f %.0f %.0f", 100*b0/t0, 100*b1/t1, 100*($11-$5)/hz/secs, 100*($12-$6)/hz/secs }'
}

# --- linerate ---------------------------------------------------------------------
ip netns add "$ns_l"
ip -n "$ns_l" link set lo up
tls_counter()
{
    echo /linerate/tls | timeout 10 "$py" /usr/bin/dpdk-telemetry.py -f "$prefix" 2>/dev/null |
        "$py" -c 'import json, sys
for l in sys.stdin:
    if l.startswith("{"):
        d = json.loads(l)["/linerate/tls"]
        print(" ".join(str(d[k]) for k in sys.argv[1:])); break' "$@"
}
lr_start()
{
    local cert=$1
    cat >"$tmp/lr-$cert.conf" <<CONF
[port0]
addr = 198.18.0.2/24
[worker]
mbufs = 65536
[tcp]
max_conns = 16384
[ftp]
enabled = no
[tls]
cert = $pki/$cert.crt
key = $pki/$cert.key
[http]
listen = 80
tls_listen = 443
root = $site
header_timeout = 60s
[stats]
interval = 0
CONF
    : >"$tmp/lr.log"
    ip netns exec "$ns_l" taskset -c 1 "$bin" --no-pci --no-huge -m 1024 --file-prefix "$prefix" \
        --lcores '0@1,1@1' --vdev="net_tap0,iface=$tapif" --log-level=lib.eal:error \
        -- -c "$tmp/lr-$cert.conf" </dev/null >"$tmp/lr.log" 2>&1 &
    lr_pid=$!
    local waited=0
    until grep -q '^linerate: ready$' "$tmp/lr.log"; do
        kill -0 "$lr_pid" 2>/dev/null || { tail -20 "$tmp/lr.log" >&2; die "linerate exited at start"; }
        [ "$waited" -lt 300 ] || die "linerate not ready after 30 s"
        sleep 0.1
        waited=$((waited + 1))
    done
    taskset -a -p -c 1 "$lr_pid" >/dev/null
    local t aff
    for t in /proc/"$lr_pid"/task/*; do
        aff=$(taskset -c -p "${t##*/}" | sed 's/.*: //')
        [ "$aff" = 1 ] || die "linerate thread $(cat "$t/comm") on CPUs $aff"
    done
    ip netns exec "$ns_l" sysctl -qw "net.ipv6.conf.$tapif.disable_ipv6=1"
    ip -n "$ns_l" addr add 198.18.0.1/24 dev "$tapif"
    ip -n "$ns_l" link set "$tapif" up
    sleep 1
    # Sanity: the 1 MiB body byte-exact over HTTPS.
    local sha
    sha=$(ip netns exec "$ns_l" curl -sk --max-time 20 https://198.18.0.2/big.bin | sha256sum | cut -d' ' -f1)
    [ "$sha" = "$big_sha" ] || die "linerate ($cert): big.bin over HTTPS differs (sha $sha)"
}
lr_stop()
{
    kill -0 "$lr_pid" 2>/dev/null || { tail -30 "$tmp/lr.log" >&2; die "linerate died during the run"; }
    kill -TERM "$lr_pid"
    local rc=0
    wait "$lr_pid" || rc=$?
    lr_pid=
    [ "$rc" -eq 0 ] || { tail -30 "$tmp/lr.log" >&2; die "linerate exited with status $rc"; }
}

# --- nginx ------------------------------------------------------------------------
ip netns add "$ns_ks"
ip netns add "$ns_kc"
ip link add "lrb$$s" type veth peer name "lrb$$c"
ip link set "lrb$$s" netns "$ns_ks"
ip link set "lrb$$c" netns "$ns_kc"
ip -n "$ns_ks" addr add 198.18.40.1/24 dev "lrb$$s"
ip -n "$ns_kc" addr add 198.18.40.2/24 dev "lrb$$c"
for n in "$ns_ks" "$ns_kc"; do ip -n "$n" link set lo up; done
ip -n "$ns_ks" link set "lrb$$s" up
ip -n "$ns_kc" link set "lrb$$c" up
for n in "$ns_l" "$ns_kc"; do
    ip netns exec "$n" sysctl -qw net.ipv4.tcp_tw_reuse=1
    ip netns exec "$n" sysctl -qw net.ipv4.ip_local_port_range="1024 65000"
done
mkdir -p "$tmp/nginx"
cat >"$tmp/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log error;
events { worker_connections 8192; }
http {
    access_log off;
    sendfile on;
    keepalive_requests 100000000;
    keepalive_timeout 60s;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_ciphers ECDHE+AESGCM:ECDHE+CHACHA20;
    ssl_ecdh_curve X25519:prime256v1;
    ssl_session_tickets on;
    client_body_temp_path $tmp/nginx/body;
    proxy_temp_path $tmp/nginx/proxy;
    fastcgi_temp_path $tmp/nginx/fastcgi;
    uwsgi_temp_path $tmp/nginx/uwsgi;
    scgi_temp_path $tmp/nginx/scgi;
    server {
        listen 198.18.40.1:443 ssl backlog=4096;
        ssl_certificate $pki/ec.crt;
        ssl_certificate_key $pki/ec.key;
        root $site;
    }
    server {
        listen 198.18.40.1:8443 ssl backlog=4096;
        ssl_certificate $pki/rsa.crt;
        ssl_certificate_key $pki/rsa.key;
        root $site;
    }
}
CONF
nginx_start()
{
    ip netns exec "$ns_ks" taskset -c 1 nginx -c "$tmp/nginx/nginx.conf" -e "$tmp/nginx/error.log" \
        </dev/null >"$tmp/nginx/out.log" 2>&1 &
    nginx_pid=$!
    local waited=0 p
    until ip netns exec "$ns_kc" curl -sk --max-time 2 -o /dev/null https://198.18.40.1/small.txt; do
        [ "$waited" -lt 50 ] || die "nginx did not start: $(cat "$tmp/nginx/error.log")"
        sleep 0.2
        waited=$((waited + 1))
    done
    nginx_worker=$(pgrep -P "$nginx_pid" | head -1)
    [ -n "$nginx_worker" ] || die "no nginx worker"
    for p in "$nginx_pid" "$nginx_worker"; do
        [ "$(taskset -c -p "$p" | sed 's/.*: //')" = 1 ] || die "nginx $p not on CPU 1"
    done
}
nginx_start
sha=$(ip netns exec "$ns_kc" curl -sk --max-time 20 https://198.18.40.1/big.bin | sha256sum | cut -d' ' -f1)
[ "$sha" = "$big_sha" ] || die "nginx: big.bin differs"

# --- the points -------------------------------------------------------------------
results="$tmp/results.tsv"
: >"$results"
# record SERVER POINT REP VALUE CPU... EXTRA
record() { printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$results"; }

# s_time_par NS ADDR PORT OUT MODE... -> "connections wall_seconds full reused"
s_time_par()
{
    local ns=$1 addr=$2 port=$3 out=$4
    shift 4
    local i t0 t1 spids=()
    t0=$(date +%s.%N)
    for i in $(seq "$par"); do
        ip netns exec "$ns" taskset -c 0 timeout $((secs + 20)) openssl s_time -connect "$addr:$port" \
            "$@" -time "$secs" -www /small.txt </dev/null >"$out.$i" 2>&1 &
        spids+=($!)
    done
    for i in "${spids[@]}"; do wait "$i" || die "s_time failed: $(tail -3 "$out.1")"; done
    t1=$(date +%s.%N)
    local n=0 full=0 reused=0 f c
    for i in $(seq "$par"); do
        f="$out.$i"
        c=$(sed -n 's/^\([0-9]*\) connections in [0-9.]*s;.*/\1/p' "$f" | head -1)
        [ -n "$c" ] || die "no s_time result in $f: $(tail -3 "$f")"
        n=$((n + c))
        full=$((full + $(grep -E '^[*r]+$' "$f" | tr -cd '*' | wc -c)))
        reused=$((reused + $(grep -E '^[*r]+$' "$f" | tr -cd 'r' | wc -c)))
    done
    local ct
    times >"$out.times" # children of this subshell: the s_time processes
    ct=$(tail -1 "$out.times")
    echo "$n $(echo "$t1 - $t0" | bc -l) $full $reused $(tsec "${ct% *}") $(tsec "${ct#* }")"
}
# tsec 1m2.345s -> 62.345
tsec() { echo "$1" | sed 's/^\([0-9]*\)m\([0-9.]*\)s$/\1 * 60 + \2/' | bc -l; }

# point SERVER(linerate|nginx) NAME ADDR PORT NS PID
point()
{
    local srv=$1 name=$2 addr=$3 port=$4 ns=$5 pid=$6 rep=$7
    local out="$tmp/$srv-$name-$rep" s0 s1 val extra= before= after= cu cs
    [ "$srv" = linerate ] && before=$(tls_counter handshakes_full handshakes_resumed version_tls1_2 version_tls1_3)
    s0=$(cpu_snap "$pid")
    case $name in
    hs_ec | hs_rsa | res12)
        local mode=(-new -tls1_3)
        [ "$name" = res12 ] && mode=(-reuse -tls1_2)
        local n wall full reused
        read -r n wall full reused cu cs < <(s_time_par "$ns" "$addr" "$port" "$out" "${mode[@]}")
        s1=$(cpu_snap "$pid")
        val=$(echo "$n / $wall" | bc -l)
        extra="conns=$n wall=${wall:0:5}s client_full=$full client_reused=$reused"
        ;;
    rps | gbps)
        local path=/small.txt c=64
        [ "$name" = gbps ] && { path=/big.bin; c=8; }
        local t0 t1 ct
        t0=$(date +%s.%N)
        ct=$(
            ip netns exec "$ns" taskset -c 0 timeout $((secs + 30)) h2load --h1 -t 1 -c "$c" -m 1 \
                -D "$secs" --warm-up-time=1 "https://$addr:$port$path" </dev/null >"$out" 2>&1 ||
                exit 1
            times >"$out.times" # this subshell's children: h2load
            tail -1 "$out.times"
        ) || die "h2load $srv $name failed: $(tail -5 "$out")"
        t1=$(date +%s.%N)
        s1=$(cpu_snap "$pid")
        local wall
        wall=$(echo "$t1 - $t0" | bc -l)
        cu=$(tsec "${ct% *}")
        cs=$(tsec "${ct#* }")
        local fin failed data
        fin=$(sed -n 's/^finished in \([0-9.]*\)s, \([0-9.]*\) req\/s.*/\1 \2/p' "$out")
        failed=$(sed -n 's/^requests: .* \([0-9]*\) failed, \([0-9]*\) errored.*/\1+\2/p' "$out")
        data=$(sed -n 's/^traffic: .*, [^ ]* (\([0-9]*\)) data.*/\1/p' "$out")
        [ -n "$fin" ] && [ -n "$data" ] || die "cannot parse h2load output: $(cat "$out")"
        if [ "$name" = rps ]; then
            val=${fin#* }
        else
            val=$(echo "$data / ${fin% *} / 1000000000" | bc -l)
        fi
        extra="failed+errored=$failed $(grep '^status codes' "$out" | tr -s ' ')"
        ;;
    esac
    if [ "$srv" = linerate ]; then
        kill -0 "$pid" 2>/dev/null || { tail -30 "$tmp/lr.log" >&2; die "linerate died during $name"; }
        after=$(tls_counter handshakes_full handshakes_resumed version_tls1_2 version_tls1_3)
        extra+=" $("$py" -c 'import sys
a = [int(x) for x in sys.argv[1].split()]; b = [int(x) for x in sys.argv[2].split()]
d = [y - x for x, y in zip(a, b)]
print("server: full=%d resumed=%d tls1.2=%d tls1.3=%d" % tuple(d))' "$before" "$after")"
    fi
    local cpu
    cpu="$(cpu_use "$s0" "$s1") $(echo "100 * ($cu + $cs) / $wall" | bc)"
    record "$srv" "$name" "$rep" "$val" "$cpu" "$extra"
    log "$srv $name #$rep: $(printf '%.3f' "$val")  cpu0/cpu1/srv_usr/srv_sys/client%: $cpu  $extra"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
log "build $bin; ${secs}s per point, $reps repetitions, $par s_time processes; load $load_before"
t_start=$(date -u +%Y-%m-%dT%H:%M:%SZ)
for rep in $(seq "$reps"); do
    lr_start ec
    for name in hs_ec res12 rps gbps; do
        point linerate "$name" 198.18.0.2 443 "$ns_l" "$lr_pid" "$rep"
    done
    lr_stop
    lr_start rsa
    point linerate hs_rsa 198.18.0.2 443 "$ns_l" "$lr_pid" "$rep"
    lr_stop
    sleep 1
    for name in hs_ec res12 rps gbps; do
        point nginx "$name" 198.18.40.1 443 "$ns_kc" "$nginx_worker" "$rep"
    done
    point nginx hs_rsa 198.18.40.1 8443 "$ns_kc" "$nginx_worker" "$rep"
done

# --- memory per idle TLS connection -------------------------------------------------
# IDLE_N TLS connections, each handshaked (TLS 1.3, ECDSA) and then left
# idle (no request), held open by one python process on CPU 0; the server's
# VmRSS is read before (after a warm-up of 64 connections, so first-touch
# costs of the code paths are not counted) and once all are up.
cat >"$tmp/idle.py" <<'PY'
import socket, ssl, sys, time
addr, port, n, ready, hold = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], float(sys.argv[5])
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
ctx.minimum_version = ssl.TLSVersion.TLSv1_3
conns = []
deadline = time.time() + 60
for i in range(n):
    if time.time() > deadline:
        break
    s = socket.create_connection((addr, port), timeout=10)
    t = ctx.wrap_socket(s)
    conns.append(t)
with open(ready, "w") as f:
    f.write("%d\n" % len(conns))
time.sleep(hold)
for t in conns:
    t.close()
PY
idle_run()
{
    local srv=$1 addr=$2 port=$3 ns=$4 pid=$5 n=$6 out=$7
    rm -f "$out"
    ip netns exec "$ns" taskset -c 0 bash -c 'ulimit -n 8192; exec "$@"' _ "$py" "$tmp/idle.py" \
        "$addr" "$port" "$n" "$out" 8 </dev/null >"$out.log" 2>&1 &
    idle_pid=$!
    local w=0
    until [ -s "$out" ]; do
        kill -0 "$idle_pid" 2>/dev/null || die "idle client ($srv) failed: $(tail -3 "$out.log")"
        [ "$w" -lt 700 ] || die "idle client ($srv) did not finish connecting"
        sleep 0.1
        w=$((w + 1))
    done
    sleep 1
    idle_rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")
}
idle_done() { wait "$idle_pid" 2>/dev/null || true; idle_pid=; }
# rss_split PID -> "total_kib big_kib other_kib": Rss of mappings of 256 MiB
# or more of address space (DPDK's --no-huge memory: pools, mbufs) and of
# the rest (malloc heap and arenas: OpenSSL's per-SSL state, nginx's pools).
rss_split()
{
    "$py" - "/proc/$1/smaps" <<'PY'
import sys
big = other = 0
size = 0
for line in open(sys.argv[1]):
    f = line.split()
    if "-" in f[0] and len(f[0].split("-")) == 2 and not f[0].endswith(":"):
        a, b = f[0].split("-")
        try:
            size = int(b, 16) - int(a, 16)
        except ValueError:
            pass
    elif f[0] == "Rss:":
        if size >= 256 << 20:
            big += int(f[1])
        else:
            other += int(f[1])
print(big + other, big, other)
PY
}

lr_start ec
idle_run linerate 198.18.0.2 443 "$ns_l" "$lr_pid" 64 "$tmp/warm"
idle_done
sleep 1
lr_rss0=$(awk '/^VmRSS:/ {print $2}' "/proc/$lr_pid/status")
lr_split0=$(rss_split "$lr_pid")
idle_run linerate 198.18.0.2 443 "$ns_l" "$lr_pid" "$idle_n" "$tmp/idle-lr"
lr_rss1=$idle_rss
lr_split1=$(rss_split "$lr_pid")
lr_idle_up=$(cat "$tmp/idle-lr")
lr_active=$(tls_counter sessions_active)
idle_done
log "linerate idle: $lr_idle_up connections (sessions_active $lr_active), VmRSS $lr_rss0 -> $lr_rss1 KiB; smaps total/dpdk/other $lr_split0 -> $lr_split1"
lr_stop
# A fresh nginx: the worker's heap still holds what the keep-alive runs freed.
stop_pid "$nginx_pid" QUIT
nginx_pid=
nginx_start
idle_run nginx 198.18.40.1 443 "$ns_kc" "$nginx_worker" 64 "$tmp/warm"
idle_done
sleep 1
ng_rss0=$(awk '/^VmRSS:/ {print $2}' "/proc/$nginx_worker/status")
ng_split0=$(rss_split "$nginx_worker")
idle_run nginx 198.18.40.1 443 "$ns_kc" "$nginx_worker" "$idle_n" "$tmp/idle-ng"
ng_rss1=$idle_rss
ng_split1=$(rss_split "$nginx_worker")
ng_idle_up=$(cat "$tmp/idle-ng")
idle_done
log "nginx idle: $ng_idle_up connections, worker VmRSS $ng_rss0 -> $ng_rss1 KiB; smaps total/big/other $ng_split0 -> $ng_split1"
t_end=$(date -u +%Y-%m-%dT%H:%M:%SZ)
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# Struct sizes of the preallocated per-connection state (debug info of the build).
sizes=
if command -v gdb >/dev/null; then
    sizes=$(gdb -batch -ex 'print sizeof(struct tls_sess)' -ex 'print sizeof(struct lr_tcp_conn)' \
        -ex 'print sizeof(struct lr_tls_io)' "$bin" 2>/dev/null | sed -n 's/^\$[0-9]* = //p' | tr '\n' ' ')
fi

# --- report -----------------------------------------------------------------------
if [ -n "${TLS_COMMIT:-}" ]; then
    commit=$TLS_COMMIT dirty= # the source the build was made from (e.g. a git archive)
else
    commit=$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo '?')
    dirty=$(git -C "$top" status --porcelain --untracked-files=no 2>/dev/null | grep -q . && echo ' (work tree with uncommitted changes)' || true)
fi
cpu=$(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1 || true)
section=$("$py" - "$results" <<PY
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
pts = [("hs_ec", "full TLS 1.3 handshakes, ECDSA P-256 (s_time -new -tls1_3, x$par)", "handshakes/s"),
       ("hs_rsa", "full TLS 1.3 handshakes, RSA-2048 (s_time -new -tls1_3, x$par)", "handshakes/s"),
       ("res12", "resumed TLS 1.2 handshakes, ECDSA, tickets (s_time -reuse -tls1_2, x$par)", "handshakes/s"),
       ("rps", "keep-alive GET 64 B (h2load --h1 -c 64 -m 1)", "requests/s"),
       ("gbps", "keep-alive GET 1 MiB (h2load --h1 -c 8 -m 1)", "GB/s plaintext")]
def vals(srv, p):
    return [float(r[3]) for r in rows if r[0] == srv and r[1] == p]
def cpus(srv, p):
    c = [r[4].split() for r in rows if r[0] == srv and r[1] == p]
    return "/".join("%d" % statistics.median(int(x[i]) for x in c) for i in range(5))
def f(v, unit):
    return ("%.3f" % v) if unit.startswith("GB") else "{:,.0f}".format(v)
out = []
out.append("| workload | unit | linerate median [min-max] | nginx median [min-max] | linerate / nginx | CPU% linerate (cpu0/cpu1/srv usr/srv sys/client) | CPU% nginx |")
out.append("|---|---|---:|---:|---:|---|---|")
for p, desc, unit in pts:
    a, b = vals("linerate", p), vals("nginx", p)
    if not a or not b:
        continue
    ma, mb = statistics.median(a), statistics.median(b)
    out.append("| %s | %s | %s [%s-%s] | %s [%s-%s] | %.2f | %s | %s |" % (
        desc, unit, f(ma, unit), f(min(a), unit), f(max(a), unit),
        f(mb, unit), f(min(b), unit), f(max(b), unit), ma / mb if mb else 0,
        cpus("linerate", p), cpus("nginx", p)))
print("\n".join(out))
PY
)
per_lr=$(echo "($lr_rss1 - $lr_rss0) * 1024 / $lr_idle_up" | bc)
read -r _ lb0 lo0 <<<"$lr_split0"
read -r _ lb1 lo1 <<<"$lr_split1"
per_lr_dpdk=$(echo "($lb1 - $lb0) * 1024 / $lr_idle_up" | bc)
per_lr_heap=$(echo "($lo1 - $lo0) * 1024 / $lr_idle_up" | bc)
per_ng=$(echo "($ng_rss1 - $ng_rss0) * 1024 / $ng_idle_up" | bc)
report="## HTTPS: linerate vs nginx (bench/tls.sh), $t_start

- Machine: $(nproc) vCPU ${cpu:-?} (KVM guest), $(. /etc/os-release; echo "$PRETTY_NAME"), kernel $(uname -r); $(openssl version | cut -d' ' -f1-2); $(nginx -v 2>&1 | sed 's/.*: //'); h2load $(h2load --version 2>/dev/null | sed -n 's/.*nghttp2\/\([0-9.]*\).*/\1/p')
- linerate $commit$dirty, $bin; run $t_start to $t_end; load average $load_before before, $load_after after.
- Command: \`sudo bench/tls.sh $cmd_args\` (TLS_SECS=$secs, TLS_REPS=$reps, TLS_PAR=$par, TLS_IDLE=$idle_n)
- Server on CPU 1 (linerate: \`taskset -c 1\`, \`--lcores 0@1,1@1\`, net_tap in a namespace, client on the kernel side of the tap; nginx: 1 worker, master and worker on CPU 1, veth pair between two namespaces), client on CPU 0; ${secs} s per point, $reps repetitions.

$section

- Memory per idle TLS connection: linerate VmRSS $lr_rss0 -> $lr_rss1 KiB with $lr_idle_up idle handshaked TLS 1.3 connections (sessions_active $lr_active): $per_lr bytes per connection ($per_lr_heap in malloc'd memory, i.e. OpenSSL's per-SSL state, and $per_lr_dpdk in DPDK's preallocated memory touched for the first time, from /proc/PID/smaps); nginx worker $ng_rss0 -> $ng_rss1 KiB with $ng_idle_up: $per_ng bytes per connection. Struct sizes (gdb, this build): tls_sess, lr_tcp_conn, lr_tls_io = ${sizes:-n/a}bytes."
if [ "${BENCH_NO_COMMIT_FILES:-0}" = 1 ]; then
    echo "$report"
else
    printf '\n%s\n' "$report" >>"$here/RESULTS.md"
    echo "$report"
    log "appended to bench/RESULTS.md"
fi
