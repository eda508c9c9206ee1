#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Client mode over HTTPS ([client] tls = yes).
#
# 1. Against linerate's own HTTPS server over a net_memif pair (as
#    client_memif.sh; addresses in 198.18.0.0/15): one connection per request
#    with resume = 50 in TLS 1.3 and in TLS 1.2, the certificate verified
#    (ca_file, sni). The client's responses, connections and handshakes must
#    match the server's HTTP requests and /linerate/tls handshakes, with
#    resumed handshakes > 0 on both sides and about half of the connections.
#    Bad cases, each ending cleanly (report written, exit 0): a CA file that
#    did not sign the server's certificate (every handshake fails, counted as
#    failed certificate, nothing sent), and TLS to the plain HTTP port (every
#    handshake fails, counted by reason). Then open loop (request_rate)
#    over TLS keep-alive connections: the rate held within 1 %.
# 2. Against nginx with TLS on the kernel side of a tap (as client_nginx.sh)
#    in TLS 1.3 and TLS 1.2, resume = 50: nginx's access log (status,
#    protocol, session reused) must hold as many responses, in that version,
#    and as many resumed sessions as the client counted.
. "$(dirname "$0")/lib.sh" "$@"
lr_require_tools openssl nginx

SRV=198.18.2.1
pki="$LR_TMP/pki"
mkdir -p "$pki" "$LR_TMP/site"
# $1 = name, $2 = subjectAltName; self-signed, so the certificate is its own CA.
mkcert()
{
    openssl req -x509 -nodes -days 2 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
        -keyout "$pki/$1.key" -out "$pki/$1.crt" -subj "/CN=$1" -addext "subjectAltName=$2" \
        >"$pki/$1.log" 2>&1 || { cat "$pki/$1.log"; lr_fail "openssl req ($1) failed"; }
}
mkcert lr "DNS:lr.test,IP:$SRV"
mkcert nginx "DNS:nginx.test,IP:$LR_PEER"
mkcert other "DNS:lr.test" # same name, another key: signed nothing we meet
head -c 100 /dev/zero | tr '\0' 'a' >"$LR_TMP/site/small.txt"

# Value of key $2 ("a.b" nested) of JSON file $1.
jget()
{
    "$LR_PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    d = d[k]
print(d)' "$1" "$2" || lr_fail "no $2 in $1"
}

# ---- 1. linerate client -> linerate HTTPS server over memif ----------------
cat >"$LR_TMP/server.conf" <<CONF
[port0]
addr = $SRV/24
[worker]
mbufs = 16384
[tls]
cert = $pki/lr.crt
key = $pki/lr.key
[http]
listen = 80
tls_listen = 443
root = $LR_TMP/site
[stats]
interval = 0
CONF

# $1 = name, $2 = target port, $3 = ca_file, $4 = extra [tls] lines of the client
run_memif()
{
    local name=$1 port=$2 ca=$3 tls_extra=$4
    cat >"$LR_TMP/client-$name.conf" <<CONF
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
[tls]
handshake_timeout = 2s
$tls_extra
[client]
target = $SRV:$port
path = /small.txt
connections = 4
requests_per_conn = 1
duration = 3s
tls = yes
sni = lr.test
ca_file = $ca
resume = 50
report = $LR_MEMIF_FIFO
CONF
    lr_memif_server "$name" "$LR_TMP/server.conf" -l 0-1
    lr_memif_client "$name" "$LR_TMP/client-$name.conf" -l 0-1
    lr_memif_finish "$name" /linerate/stats /linerate/tls
    lr_log "$name: $(grep '^client: done' "$LR_TMP/client-$name.log")"
    lr_log "$name: $(grep '^client: tls: ' "$LR_TMP/client-$name.log")"
    grep -q '^client: tls hs_full/s=' "$LR_TMP/client-$name.log" ||
        lr_fail "$name: no per-second tls line"
    lr_memif_tel "$name" /linerate/tls >"$LR_TMP/srv-tls-$name.json"
    lr_memif_tel "$name" /linerate/stats >"$LR_TMP/srv-stats-$name.json"
}

# A good run in version $2 ("tls1_3" / "tls1_2"): both sides agree.
check_good()
{
    local name=$1 ver=$2 r="$LR_TMP/report-$1.json"
    local srv_req srv_full srv_res
    srv_req=$(jget "$LR_TMP/srv-stats-$name.json" modules.requests)
    srv_full=$(jget "$LR_TMP/srv-tls-$name.json" handshakes_full)
    srv_res=$(jget "$LR_TMP/srv-tls-$name.json" handshakes_resumed)
    # responses == requests == server's requests, no error, one connection each
    lr_client_report_check "$r" "$srv_req" cps
    "$LR_PY" - "$r" "$srv_full" "$srv_res" "$ver" <<'PY' || lr_fail "$name: TLS check failed"
import json, sys
r = json.load(open(sys.argv[1]))
srv_full, srv_res, ver = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
t, bad = r["tls"], []
hs = t["full"] + t["resumed"]
if hs != t["handshakes"] or hs != r["connections"]:
    bad.append("handshakes %d (full %d + resumed %d) for %d connections"
               % (t["handshakes"], t["full"], t["resumed"], r["connections"]))
if t["resumed"] < 1 or srv_res < 1:
    bad.append("resumed: client %d, server %d" % (t["resumed"], srv_res))
# The server finishes a TLS 1.2 full handshake before the client reads the
# server's Finished: a connection aborted at the end of the run may count
# on the server only (at most one per connection slot).
if ver == "tls1_3" and (srv_full, srv_res) != (t["full"], t["resumed"]):
    bad.append("server full %d resumed %d, client full %d resumed %d"
               % (srv_full, srv_res, t["full"], t["resumed"]))
if ver == "tls1_2" and not (t["full"] <= srv_full <= t["full"] + 4 and
                            t["resumed"] <= srv_res <= t["resumed"] + 4):
    bad.append("server full %d resumed %d, client full %d resumed %d"
               % (srv_full, srv_res, t["full"], t["resumed"]))
# resume = 50: every second new connection offers the last session (but
# the first ones of the run: none saved yet); the server accepts each one
# (its ticket key does not change in 3 s). Connections still in their
# handshake at the end of the run are aborted: at most one per slot.
res = t["resume"]
if not (res["wanted"] * 2 >= hs - 1 and res["wanted"] * 2 <= hs + 9):
    bad.append("resume wanted %d of %d connections" % (res["wanted"], hs))
if (res["rejected"] != 0 or not (0 <= res["offered"] - t["resumed"] <= 4)
        or res["offered"] < res["wanted"] - 4):
    bad.append("resume %s, resumed %d" % (res, t["resumed"]))
if t["versions"][ver] != hs:
    bad.append("versions %s for %d handshakes" % (t["versions"], hs))
if sum(t["ciphers"].values()) != hs or t["ciphers"]["other"] != 0:
    bad.append("ciphers %s" % t["ciphers"])
# [tls] groups default X25519:P-256: every handshake (resumed TLS 1.2 ones
# report the group of the original handshake) used X25519.
if t["groups"]["x25519"] != hs or sum(t["groups"].values()) != hs:
    bad.append("groups %s for %d handshakes" % (t["groups"], hs))
if t["failed_total"] != 0:
    bad.append("failed %s" % {k: v for k, v in t["failed"].items() if v})
lat = t["handshake_latency_us"]
if lat["samples"] != hs - 1 or not (0 < lat["p50"] <= lat["p99"] <= lat["max"]):
    bad.append("handshake latency %s for %d handshakes" % (lat, hs))
if r["config"]["tls"] is not True or r["config"]["sni"] != "lr.test" or r["config"]["resume"] != 50:
    bad.append("config %s" % r["config"])
if bad:
    sys.exit("; ".join(bad))
print("handshakes %d: full %d resumed %d (server %d/%d), p50 %dus p99 %dus"
      % (hs, t["full"], t["resumed"], srv_full, srv_res, lat["p50"], lat["p99"]))
PY
}

# A run where every handshake fails with reason $2: nothing sent, counted.
# $3 = 0: the server served no request; "each": the server answered every
# ClientHello as a bad plain-HTTP request (the last attempt may have been
# cut by the end of the run: one more).
check_failed()
{
    local name=$1 reason=$2 srv_want=$3 r="$LR_TMP/report-$1.json"
    local srv_req srv_hs failed
    srv_req=$(jget "$LR_TMP/srv-stats-$name.json" modules.requests)
    srv_hs=$(( $(jget "$LR_TMP/srv-tls-$name.json" handshakes_full) + \
        $(jget "$LR_TMP/srv-tls-$name.json" handshakes_resumed) ))
    failed=$(jget "$r" tls.failed_total)
    if [ "$srv_want" = each ]; then
        { [ "$srv_req" -ge "$failed" ] && [ "$srv_req" -le $((failed + 1)) ]; } ||
            lr_fail "$name: the server answered $srv_req requests for $failed failed handshakes"
    else
        lr_assert_eq "$srv_req" 0 "$name: requests served"
    fi
    lr_assert_eq "$srv_hs" 0 "$name: handshakes completed on the server"
    "$LR_PY" - "$r" "$reason" <<'PY' || lr_fail "$name: failure check failed"
import json, sys
r = json.load(open(sys.argv[1]))
reason, t, bad = sys.argv[2], json.load(open(sys.argv[1]))["tls"], []
failed = {k: v for k, v in t["failed"].items() if v}
if t["failed"][reason] < 1 or failed != {reason: t["failed"][reason]}:
    bad.append("failed %s, expected %s only" % (failed, reason))
if t["failed_total"] != t["failed"][reason]:
    bad.append("failed_total %d" % t["failed_total"])
if t["handshakes"] != 0 or r["connections"] != 0 or r["requests"] != 0:
    bad.append("handshakes %d connections %d requests %d"
               % (t["handshakes"], r["connections"], r["requests"]))
# Nothing ever succeeded: the failures are the warm-up's, one at a time.
if r["warmup_failures"] != t["failed_total"] or r["errors_total"] != 0:
    bad.append("warmup_failures %d errors %d" % (r["warmup_failures"], r["errors_total"]))
if bad:
    sys.exit("; ".join(bad))
print("%s: %d failed handshakes" % (reason, t["failed"][reason]))
PY
    grep -q "^client: tls failed $reason: " "$LR_TMP/client-$name.log" ||
        lr_fail "$name: no 'tls failed $reason' line in the summary"
}

run_memif tls13 443 "$pki/lr.crt" "min_version = 1.3"
check_good tls13 tls1_3
run_memif tls12 443 "$pki/lr.crt" "max_version = 1.2"
check_good tls12 tls1_2
run_memif badca 443 "$pki/other.crt" ""
check_failed badca certificate 0
lr_log "badca: server saw $(jget "$LR_TMP/srv-tls-badca.json" handshakes_failed) failed handshakes"
lr_assert_ge "$(jget "$LR_TMP/srv-tls-badca.json" handshakes_failed)" 1 "badca: server's failed handshakes"
# TLS to the plain HTTP port: the server answers the ClientHello with a 400
# in plain text, which is no TLS record.
run_memif plain 80 "$pki/lr.crt" ""
check_failed plain malformed each

# Open loop over HTTPS (every client feature works over TLS): keep-alive at
# request_rate = 2000 for 3 s gives 6000 requests within 1 %, each
# answered and counted by the server.
cat >"$LR_TMP/client-open.conf" <<CONF
[port0]
addr = 198.18.2.2/24
[worker]
mbufs = 16384
[http]
enabled = no
[stats]
interval = 0
[client]
target = $SRV:443
path = /small.txt
connections = 8
request_rate = 2000
duration = 3s
tls = yes
sni = lr.test
ca_file = $pki/lr.crt
report = $LR_MEMIF_FIFO
CONF
lr_memif_server open "$LR_TMP/server.conf" -l 0-1
lr_memif_client open "$LR_TMP/client-open.conf" -l 0-1 --main-lcore 1 # workers on different CPUs
lr_memif_finish open /linerate/stats /linerate/tls
lr_log "open: $(grep '^client: done' "$LR_TMP/client-open.log")"
lr_memif_tel open /linerate/stats >"$LR_TMP/srv-stats-open.json"
lr_client_report_check "$LR_TMP/report-open.json" \
    "$(jget "$LR_TMP/srv-stats-open.json" modules.requests)" open
open_req=$(jget "$LR_TMP/report-open.json" requests)
lr_assert_ge "$open_req" 5940 "open: requests at 2000/s for 3 s"
[ "$open_req" -le 6060 ] || lr_fail "open: $open_req requests at 2000/s for 3 s, expected at most 6060"
# Requests due in the last milliseconds wait when every connection is busy
# (the machine is shared): at most 1 % may be left unsent at the end.
open_unsent=$(jget "$LR_TMP/report-open.json" unsent)
[ "$open_unsent" -le 60 ] || lr_fail "open: $open_unsent requests due and never sent"
lr_assert_eq "$(jget "$LR_TMP/report-open.json" tls.handshakes)" 8 "open: one handshake per connection"
lr_assert_eq "$(jget "$LR_TMP/report-open.json" tls.failed_total)" 0 "open: failed handshakes"

# ---- 2. linerate client -> nginx with TLS over a tap -----------------------
mkdir -p "$LR_TMP/nginx"
chmod 755 "$LR_TMP" "$LR_TMP/site" "$pki"
chmod 644 "$LR_TMP/site"/* "$pki"/*
cat >"$LR_TMP/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $LR_TMP/nginx/nginx.pid;
error_log $LR_TMP/nginx/error.log warn;
events { worker_connections 1024; }
http {
    log_format tls '\$status \$ssl_protocol \$ssl_session_reused';
    access_log $LR_TMP/nginx/access.log tls;
    client_body_temp_path $LR_TMP/nginx/body;
    proxy_temp_path $LR_TMP/nginx/proxy;
    fastcgi_temp_path $LR_TMP/nginx/fastcgi;
    uwsgi_temp_path $LR_TMP/nginx/uwsgi;
    scgi_temp_path $LR_TMP/nginx/scgi;
    ssl_session_cache shared:SSL:1m;
    ssl_session_tickets on;
    server {
        listen $LR_PEER:8443 ssl;
        ssl_certificate $pki/nginx.crt;
        ssl_certificate_key $pki/nginx.key;
        ssl_protocols TLSv1.2 TLSv1.3;
        root $LR_TMP/site;
    }
}
CONF
NGINX_PID=
stop_nginx()
{
    local pf="$LR_TMP/nginx/nginx.pid"
    if [ -s "$pf" ] && [ "$(cat "$pf")" != "$NGINX_PID" ]; then
        kill -QUIT "$(cat "$pf")" 2>/dev/null
    fi
    if [ -n "$NGINX_PID" ]; then
        kill -QUIT "$NGINX_PID" 2>/dev/null
        for _ in $(seq 50); do
            kill -0 "$NGINX_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$NGINX_PID" 2>/dev/null
        wait "$NGINX_PID" 2>/dev/null
        NGINX_PID=
    fi
}
trap 'lr_rc=$?; stop_nginx; (exit $lr_rc); lr_cleanup' EXIT

# $1 = name, $2 = [tls] version line, $3 = nginx's $ssl_protocol, $4 = report's version
run_nginx()
{
    local name=$1 tls_line=$2 proto=$3 ver=$4 r="$LR_TMP/report-$1.json"
    rm -f "$LR_CONF"
    lr_config_write <<CONF
[tcp]
time_wait = 1s
[tls]
$tls_line
[client]
target = $LR_PEER:8443
path = /small.txt
connections = 4
requests_per_conn = 1
duration = 3s
tls = yes
sni = nginx.test
ca_file = $pki/nginx.crt
resume = 50
report = $r
CONF
    lr_start
    : >"$LR_TMP/nginx/access.log"
    ip netns exec "$LR_NS" nginx -c "$LR_TMP/nginx/nginx.conf" -e "$LR_TMP/nginx/error.log" \
        </dev/null >/dev/null 2>&1 &
    NGINX_PID=$!
    local waited=0
    while kill -0 "$LR_PID" 2>/dev/null; do
        [ "$waited" -lt 300 ] || lr_fail "$name: the client did not finish within 30 s"
        sleep 0.1
        waited=$((waited + 1))
    done
    local st=0
    wait "$LR_PID" || st=$?
    LR_PID=
    lr_assert_eq "$st" 0 "$name: exit status"
    [ -f "$r" ] || lr_fail "$name: no report written"
    stop_nginx
    ip netns del "$LR_NS"
    lr_log "$name: $(grep '^client: tls: ' "$LR_TMP/linerate.log")"
    local ok reused other
    ok=$(grep -c "^200 $proto " "$LR_TMP/nginx/access.log")
    reused=$(grep -c "^200 $proto r\$" "$LR_TMP/nginx/access.log")
    other=$(grep -vc "^200 $proto " "$LR_TMP/nginx/access.log")
    lr_log "$name: nginx: $ok responses in $proto, $reused on a reused session, $other other lines"
    lr_assert_eq "$other" 0 "$name: nginx lines not '200 $proto'"
    lr_assert_eq "$(jget "$r" responses_total)" "$ok" "$name: client responses vs nginx's log"
    lr_assert_eq "$(jget "$r" responses.2xx)" "$ok" "$name: 2xx"
    lr_assert_eq "$(jget "$r" errors_total)" 0 "$name: errors"
    lr_assert_eq "$(jget "$r" connections)" "$ok" "$name: one connection per request"
    lr_assert_eq "$(jget "$r" tls.versions.$ver)" "$ok" "$name: handshakes in $ver"
    lr_assert_eq "$(jget "$r" tls.resumed)" "$reused" "$name: client resumed vs nginx reused"
    lr_assert_ge "$reused" 1 "$name: resumed sessions"
    lr_assert_eq "$(jget "$r" tls.failed_total)" 0 "$name: failed handshakes"
}

run_nginx nginx13 "min_version = 1.3" TLSv1.3 tls1_3
run_nginx nginx12 "max_version = 1.2" TLSv1.2 tls1_2
lr_pass
