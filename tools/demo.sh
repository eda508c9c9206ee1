#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The main job: build linerate, start the default appliance
# (config/default.conf, plus HTTPS on port 443 with the self-signed
# certificate linerate generates at start; FTP offers AUTH TLS with the same
# certificate) on net_tap inside network
# namespace lrt-demo, talk to it from the kernel side of the tap
# (198.18.0.1/24 -> 198.18.0.2), show its statistics, and keep it running
# until Ctrl-C.
#   sudo tools/demo.sh           run until Ctrl-C
#   sudo tools/demo.sh --once    run the checks, stop, exit 0 only if all passed
# Never reads stdin; always removes the namespace on exit.
set -uo pipefail
cd "$(dirname "$0")/.."

ONCE=0
case "${1:-}" in
--once) ONCE=1 ;;
"") ;;
*)
    echo "usage: $0 [--once]" >&2
    exit 2
    ;;
esac

[ "$(id -u)" -eq 0 ] || {
    echo "demo.sh: needs root (network namespace, tap device): sudo $0" >&2
    exit 1
}

tools/setup.sh || exit 1
[ -f build/build.ninja ] || meson setup build || exit 1
ninja -C build || exit 1

. tools/netns.sh
LRN_NS=lrt-demo
LRN_IF=lrtdemo0
LRN_PREFIX=lrt-demo
LRN_LOG=$(mktemp /tmp/lrt-demo.XXXXXX.log)
ADDR=198.18.0.2
PEER=198.18.0.1/24
TAIL_PID=
FAILED=0
# config/default.conf with [http] tls_listen = 443 and no [tls] cert: linerate
# generates a self-signed ECDSA certificate at start (and logs a warning). The
# copy sits beside a link to config/www, so its relative root still resolves.
CONF_DIR=$(mktemp -d /tmp/lrt-demo.XXXXXX)
CONF="$CONF_DIR/linerate.conf"

cleanup()
{
    trap - EXIT INT TERM
    [ -n "$TAIL_PID" ] && kill "$TAIL_PID" 2>/dev/null
    lrn_cleanup
    rm -f "$LRN_LOG" "$LRN_LOG.index" "$LRN_LOG.https" "$LRN_LOG.css"
    rm -rf "$CONF_DIR"
}
trap cleanup EXIT
trap 'echo; echo "demo: stopping"; exit $FAILED' INT TERM

check()
{
    local name=$1
    shift
    if "$@"; then
        echo "demo: PASS $name"
    else
        echo "demo: FAIL $name"
        FAILED=1
    fi
}

# A namespace left over by a killed run would make ip netns add fail.
ip netns del "$LRN_NS" 2>/dev/null
rm -rf "/var/run/dpdk/$LRN_PREFIX"

ln -s "$PWD/config/www" "$CONF_DIR/www"
sed 's/^# tls_listen =.*$/tls_listen = 443/' config/default.conf >"$CONF"
grep -q '^tls_listen = 443' "$CONF" || {
    echo "demo.sh: no '# tls_listen =' line in config/default.conf to turn into tls_listen = 443" >&2
    exit 1
}

echo "demo: starting linerate in namespace $LRN_NS on $LRN_IF (config/default.conf + [http] tls_listen = 443)"
lrn_start "$PWD/build/app/linerate/linerate" "$CONF" -l 0-1 --no-huge -m 1024
if ! lrn_wait_ready 30; then
    echo "demo: linerate did not become ready:" >&2
    cat "$LRN_LOG" >&2
    exit 1
fi
cat "$LRN_LOG"
lrn_peer_up "$PEER" || exit 1
NS=(ip netns exec "$LRN_NS")
# On a loaded machine the first ARP exchange may take a few seconds: wait
# for the first answer (at most 15 s) before the checks count.
for _ in $(seq 15); do
    "${NS[@]}" ping -c 1 -W 1 "$ADDR" >/dev/null 2>&1 && break
done

check "ping $ADDR" "${NS[@]}" ping -c 3 -i 0.2 -W 2 "$ADDR"
check "ping $ADDR 1472 bytes, DF" "${NS[@]}" ping -c 2 -i 0.2 -W 2 -s 1472 -M do "$ADDR"
http_get()
{
    local out
    out=$("${NS[@]}" curl -sS -m 5 -D - -o "$LRN_LOG.index" "http://$ADDR/") || return 1
    echo "$out" | head -n 1
    cmp -s "$LRN_LOG.index" config/www/index.html
}
check "HTTP GET http://$ADDR/ returns config/www/index.html" http_get
echo "demo: HTTPS on port 443 serves a self-signed certificate generated at start (no [tls] cert configured): clients must skip verification (curl -k)"
check "self-signed certificate warning in the log" grep -q 'self-signed certificate generated at start' "$LRN_LOG"
https_get()
{
    local out
    out=$("${NS[@]}" curl -sS -k -m 5 -D - -o "$LRN_LOG.https" "https://$ADDR/") || return 1
    echo "$out" | head -n 1
    cmp -s "$LRN_LOG.https" config/www/index.html
}
check "HTTPS GET https://$ADDR/ (curl -k) returns config/www/index.html" https_get
# lftp upgrades to TLS by itself when the server offers AUTH TLS ([ftp] tls
# = allow): the plain check turns that off, the FTPS one forces it (and skips
# verification of the self-signed certificate).
ftp_get()
{
    local tag=$1 tls=$2 out
    out=$("${NS[@]}" lftp -c "set net:timeout 5; set net:max-retries 2; $tls; open -u anonymous,demo@ ftp://$ADDR; ls; get -O $(dirname "$LRN_LOG") style.css -o $(basename "$LRN_LOG").$tag.css" 2>&1) || {
        echo "$out"
        return 1
    }
    echo "$out" | grep 'index.html'
    cmp -s "$LRN_LOG.$tag.css" config/www/style.css
}
check "FTP (anonymous, plain) lists the site and RETR style.css byte for byte" \
    ftp_get plain "set ftp:ssl-allow no"
check "FTPS (AUTH TLS, PROT P; lftp ftp:ssl-force) lists the site and RETR style.css byte for byte" \
    ftp_get ftps "set ftp:ssl-force yes; set ftp:ssl-protect-data yes; set ftp:ssl-protect-list yes; set ssl:verify-certificate no"

echo "demo: /linerate/stats:"
echo /linerate/stats | /usr/bin/python3 /usr/bin/dpdk-telemetry.py -f "$LRN_PREFIX" |
    /usr/bin/python3 -c 'import json,sys
for l in sys.stdin:
    if l.startswith("{"): print(json.dumps(json.loads(l), indent=1))' || FAILED=1

if [ "$ONCE" = 1 ]; then
    if lrn_stop; then
        echo "demo: PASS clean stop"
    else
        echo "demo: FAIL clean stop"
        FAILED=1
    fi
    grep '^final:' "$LRN_LOG"
    [ "$FAILED" = 0 ] && echo "demo: all checks passed" || echo "demo: some checks failed"
    exit "$FAILED"
fi

echo "demo: linerate is serving $ADDR in namespace $LRN_NS; try:"
echo "  sudo ip netns exec $LRN_NS ping $ADDR"
echo "  sudo ip netns exec $LRN_NS curl -k https://$ADDR/    # self-signed certificate"
echo "  sudo ip netns exec $LRN_NS curl -k --ssl-reqd ftp://$ADDR/    # FTPS (AUTH TLS)"
echo "  echo /linerate/stats | sudo dpdk-telemetry.py -f $LRN_PREFIX"
echo "demo: Ctrl-C to stop"
tail -n 0 -f "$LRN_LOG" </dev/null &
TAIL_PID=$!
wait "$LRN_PID"
echo "demo: linerate exited"
exit 1
