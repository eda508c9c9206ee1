#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# HTTPS ([http] tls_listen, [tls]) with real clients inside the namespace.
# Two certificate pairs made here with the openssl CLI (ECDSA P-256 and
# RSA-2048, self-signed, SAN = the appliance's address) are served at once
# beside plain HTTP on port 80:
#   - curl TLS 1.2 forcing ECDSA and RSA (cipher), TLS 1.3 (openssl s_client
#     forcing the signature algorithm: this curl has no --sigalgs), every
#     file byte-exact (sha256, 20 MB included), verified with --cacert;
#   - session resumption (s_client -sess_out / -sess_in) in TLS 1.2 and 1.3;
#   - wget (GnuTLS), python ssl with ALPN http/1.1, close_notify;
#   - keep-alive (curl reusing one connection) and pipelining over TLS;
#   - bad input: plain HTTP on 443, garbage, a TLS 1.0-only ClientHello, an
#     established session ending in FIN without close_notify, half a record
#     then FIN, no
#     shared cipher / group / ALPN, a client closing mid-handshake, a
#     stalled handshake (handshake_timeout): each counted in /linerate/tls,
#     nothing left in progress, and a good request served after each one.
# A second start with tls_listen and no cert: the self-signed fallback
# (warning logged, curl -k works, curl without -k refuses the certificate).
. "$(dirname "$0")/lib.sh" "$@"
lr_require_tools curl wget openssl sha256sum dd timeout
[ -x "$LR_PY" ] || lr_skip_env "$LR_PY is not installed"
"$LR_PY" -c 'import ssl' 2>/dev/null || lr_skip_env "$LR_PY has no ssl module"

# ---- certificates -----------------------------------------------------------
pki="$LR_TMP/pki"
mkdir -p "$pki"
mkcert()
{
    local name=$1
    shift
    openssl req -x509 -nodes -days 2 "$@" -keyout "$pki/$name.key" -out "$pki/$name.crt" \
        -subj "/CN=$LR_ADDR" -addext "subjectAltName=IP:$LR_ADDR" \
        >"$pki/$name.gen.log" 2>&1 || { cat "$pki/$name.gen.log"; lr_fail "openssl req ($name) failed"; }
}
mkcert ec -newkey ec -pkeyopt ec_paramgen_curve:P-256
mkcert rsa -newkey rsa:2048
cat "$pki/ec.crt" "$pki/rsa.crt" >"$pki/both.crt"
openssl x509 -in "$pki/ec.crt" -noout -text | grep -q 'ASN1 OID: prime256v1' || lr_fail "ec.crt is not P-256"
openssl x509 -in "$pki/rsa.crt" -noout -text | grep -q 'Public-Key: (2048 bit)' || lr_fail "rsa.crt is not RSA-2048"

# ---- site -------------------------------------------------------------------
site="$LR_TMP/site"
mkdir -p "$site/sub"
printf 'hello world\n' >"$site/hello.txt"
printf '<!doctype html><p>index</p>\n' >"$site/index.html"
printf '<p>sub</p>\n' >"$site/sub/index.html"
head -c 777 /dev/urandom >"$site/odd.bin"
head -c 70000 /dev/urandom >"$site/mid.bin" # several TLS records
dd if=/dev/urandom of="$site/big.bin" bs=1M count=20 status=none || lr_fail "cannot create big.bin"
files=(hello.txt index.html odd.bin mid.bin sub/index.html big.bin)

lr_config_write <<CONF
[tls]
cert = $pki/ec.crt, $pki/rsa.crt
key = $pki/ec.key, $pki/rsa.key
min_version = 1.2
max_version = 1.3
ciphers = ECDHE+AESGCM:ECDHE+CHACHA20
ciphersuites = TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256
groups = X25519:P-256
alpn = http/1.1
handshake_timeout = 3s
max_handshakes = 64

[http]
root = $site
listen = 80
tls_listen = 443
cache_bytes = 64m
server_name = lr-itest
CONF
lr_start
lr_assert_log "file cache: $site" "file cache loaded"
grep -q 'self-signed certificate generated at start' "$LR_LOGFILE" &&
    lr_fail "self-signed warning logged although [tls] cert is configured"

url="https://$LR_ADDR"
sha() { sha256sum "$1" | cut -d' ' -f1; }
# curl verifying against both certificates (unless a test passes its own --cacert).
c() { lr_ns curl -sS --max-time 60 --cacert "$pki/both.crt" "$@"; }
good()
{
    local body
    body=$(c --max-time 10 "$url/hello.txt" 2>&1) || lr_fail "after $1: good HTTPS request failed: $body"
    lr_assert_eq "$body" "hello world" "after $1: good HTTPS request"
}

# ---- /linerate/tls counters ---------------------------------------------------
# The spec names a counter one way (hs_full), the module may say it longer
# (handshakes_full): tls_get takes alternatives separated by '|'; the special
# name failed_sum adds every failed_* counter.
tls_get()
{
    local json
    json=$(lr_telemetry /linerate/tls) || exit 1
    printf '%s\n' "$json" | "$LR_PY" -c '
import json, sys
d = json.load(sys.stdin)
if not isinstance(d, dict):
    sys.exit("/linerate/tls is not a dictionary: %r" % (d,))
def val(n):
    if n == "failed_sum":
        return sum(v for k, v in d.items() if k.startswith("failed_") and isinstance(v, int))
    return d.get(n)
for name in sys.argv[1:]:
    for alt in name.split("|"):
        v = val(alt)
        if v is not None:
            print(v)
            break
    else:
        sys.exit("no counter %s in /linerate/tls (has: %s)" % (name, " ".join(sorted(d))))
' "$@" || lr_fail "cannot read /linerate/tls counter(s) $*"
}
IN_PROGRESS='handshakes_in_progress|in_progress'
# Wait up to 5 s for counter $1 to be >= $2; fail with $3.
tls_wait_ge()
{
    local v
    for _ in $(seq 50); do
        v=$(tls_get "$1") || exit 1
        [ "$v" -ge "$2" ] && return 0
        sleep 0.1
    done
    lr_fail "$3: /linerate/tls $1 = $v, expected >= $2"
}
tls_wait_idle()
{
    local v
    for _ in $(seq 50); do
        v=$(tls_get "$IN_PROGRESS") || exit 1
        [ "$v" -eq 0 ] && return 0
        sleep 0.1
    done
    lr_fail "$1: $v handshakes still in progress after 5 s"
}

tls=$(lr_telemetry /linerate/tls) || exit 1
lr_log "/linerate/tls at start: $tls"
lr_assert_eq "$(tls_get "$IN_PROGRESS")" 0 "handshakes in progress at start"

# Plain HTTP on port 80 still works beside HTTPS.
lr_assert_eq "$(lr_ns curl -sS --max-time 10 "http://$LR_ADDR/hello.txt")" "hello world" "plain HTTP on port 80"

# ---- curl: TLS 1.2 x {ECDSA, RSA}, byte-exact ---------------------------------
# Every file in one curl run (one connection); only the pair's own
# certificate as CA: verification succeeding proves which one was served.
fetch_all()
{
    local tag=$1 ca=$2 expect=$3
    shift 3
    local args=() f
    for f in "${files[@]}"; do
        args+=(-o "$LR_TMP/$tag.${f//\//_}" "$url/$f")
    done
    lr_ns curl -sS -v --max-time 120 --cacert "$ca" "$@" "${args[@]}" 2>"$LR_TMP/$tag.err" ||
        { tail -20 "$LR_TMP/$tag.err"; lr_fail "$tag: curl failed"; }
    grep -q "SSL connection using $expect" "$LR_TMP/$tag.err" ||
        { grep 'SSL connection' "$LR_TMP/$tag.err"; lr_fail "$tag: not '$expect'"; }
    grep -q 'SSL certificate verify ok' "$LR_TMP/$tag.err" || lr_fail "$tag: certificate not verified"
    for f in "${files[@]}"; do
        lr_assert_eq "$(sha "$LR_TMP/$tag.${f//\//_}")" "$(sha "$site/$f")" "$tag: $f sha256"
    done
    rm -f "$LR_TMP/$tag".*
    lr_log "$tag: ${#files[@]} files byte-exact (20 MB included), $expect"
}
v12=$(tls_get version_tls1_2) || exit 1
fetch_all tls12-ecdsa "$pki/ec.crt" "TLSv1.2 / ECDHE-ECDSA-AES128-GCM-SHA256" \
    --tlsv1.2 --tls-max 1.2 --ciphers ECDHE-ECDSA-AES128-GCM-SHA256
fetch_all tls12-rsa "$pki/rsa.crt" "TLSv1.2 / ECDHE-RSA-AES128-GCM-SHA256" \
    --tlsv1.2 --tls-max 1.2 --ciphers ECDHE-RSA-AES128-GCM-SHA256
# The wrong CA for the pair the cipher forces: the client must refuse.
c --cacert "$pki/rsa.crt" --tlsv1.2 --tls-max 1.2 --ciphers ECDHE-ECDSA-AES128-GCM-SHA256 \
    -o /dev/null "$url/hello.txt" 2>/dev/null && lr_fail "ECDSA cipher verified against the RSA certificate"
tls_wait_ge version_tls1_2 $((v12 + 2)) "TLS 1.2 handshakes counted"

# ---- TLS 1.3: curl byte-exact; s_client forcing ECDSA vs RSA-PSS ---------------
v13=$(tls_get version_tls1_3) || exit 1
fetch_all tls13 "$pki/both.crt" "TLSv1.3 / TLS_" --tlsv1.3
if curl --help all 2>/dev/null | grep -q -- '--sigalgs'; then
    fetch_all tls13-ecdsa "$pki/ec.crt" "TLSv1.3 / TLS_" --tlsv1.3 --sigalgs ecdsa_secp256r1_sha256
    fetch_all tls13-rsa "$pki/rsa.crt" "TLSv1.3 / TLS_" --tlsv1.3 --sigalgs rsa_pss_rsae_sha256
fi
req()
{
    printf 'GET /%s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' "$1" "$LR_ADDR"
}
sclient()
{
    lr_ns timeout 20 openssl s_client -connect "$LR_ADDR:443" -verify_ip "$LR_ADDR" \
        -verify_return_error "$@" 2>&1
}
s13()
{
    local tag=$1 sigalg=$2 ca=$3 sigtype=$4 bits=$5 out
    out=$(req hello.txt | sclient -tls1_3 -sigalgs "$sigalg" -CAfile "$ca" -ign_eof) ||
        { echo "$out" | tail -30; lr_fail "$tag: s_client failed"; }
    echo "$out" | grep -q "Peer signature type: $sigtype" ||
        { echo "$out" | grep -i 'signature\|public key'; lr_fail "$tag: peer signature type is not $sigtype"; }
    echo "$out" | grep -q "Server public key is $bits bit" || lr_fail "$tag: server key is not $bits bit"
    echo "$out" | grep -q 'Verify return code: 0 (ok)' || lr_fail "$tag: certificate not verified"
    echo "$out" | grep -q 'New, TLSv1.3' || lr_fail "$tag: not TLS 1.3"
    echo "$out" | grep -q '^hello world' || lr_fail "$tag: no response body"
    lr_log "$tag: $(echo "$out" | grep -m1 'Peer signature type'), key $bits bit, verified"
}
s13 tls13-ecdsa ecdsa_secp256r1_sha256 "$pki/ec.crt" ECDSA 256
s13 tls13-rsa rsa_pss_rsae_sha256 "$pki/rsa.crt" RSA-PSS 2048
tls_wait_ge version_tls1_3 $((v13 + 3)) "TLS 1.3 handshakes counted"

# ---- session resumption (RFC 5077 / RFC 8446 §2.2) ----------------------------
resumed0=$(tls_get 'handshakes_resumed|hs_resumed') || exit 1
resume()
{
    local ver=$1 out
    rm -f "$LR_TMP/sess"
    # A request answered, then closed by the server: by then TLS 1.3's
    # NewSessionTicket (sent after the handshake) has arrived too.
    out=$(req hello.txt | sclient "-tls$ver" -CAfile "$pki/both.crt" -sess_out "$LR_TMP/sess" -ign_eof) ||
        { echo "$out" | tail -20; lr_fail "TLS $ver: first connection failed"; }
    echo "$out" | grep -q '^hello world' || lr_fail "TLS $ver: first connection got no body"
    [ -s "$LR_TMP/sess" ] || lr_fail "TLS $ver: no session saved (no ticket?)"
    out=$(req index.html | sclient "-tls$ver" -CAfile "$pki/both.crt" -sess_in "$LR_TMP/sess" -ign_eof) ||
        { echo "$out" | tail -20; lr_fail "TLS $ver: resumed connection failed"; }
    echo "$out" | grep -q "^Reused, TLSv${ver/_/.}" ||
        { echo "$out" | grep -E '^(New|Reused),'; lr_fail "TLS $ver: session not reused"; }
    echo "$out" | grep -q '<p>index</p>' || lr_fail "TLS $ver: resumed connection got no body"
    lr_log "TLS $ver: session resumed ($(echo "$out" | grep -m1 '^Reused,'))"
}
resume 1_2
resume 1_3
tls_wait_ge 'handshakes_resumed|hs_resumed' $((resumed0 + 2)) "resumed handshakes counted"

# ---- wget (GnuTLS) -------------------------------------------------------------
for f in big.bin odd.bin; do
    lr_ns wget -q -T 60 -t 1 --ca-certificate="$pki/both.crt" -O "$LR_TMP/wget.$f" "$url/$f" ||
        lr_fail "wget $f failed"
    lr_assert_eq "$(sha "$LR_TMP/wget.$f")" "$(sha "$site/$f")" "wget $f sha256"
done
rm -f "$LR_TMP"/wget.*
lr_log "wget (GnuTLS) byte-exact (20 MB included)"

# ---- python ssl: ALPN, close_notify, pipelining; and the bad clients -----------
cat >"$LR_TMP/tlsc.py" <<'PY'
import hashlib, os, socket, ssl, struct, sys, time

ADDR, CA, SITE = sys.argv[1], sys.argv[2], sys.argv[3]
cmd, args = sys.argv[4], sys.argv[5:]


def ctx(alpn=("h2", "http/1.1")):
    c = ssl.create_default_context(cafile=CA)  # verifies, checks the IP SAN
    if alpn:
        c.set_alpn_protocols(list(alpn))
    return c


def connect(alpn=("h2", "http/1.1")):
    raw = socket.create_connection((ADDR, 443), timeout=20)
    return ctx(alpn).wrap_socket(raw, server_hostname=ADDR)


def read_response(f):
    """One HTTP/1.1 response from file object f: (status line, headers, body)."""
    status = f.readline().decode()
    if not status:
        sys.exit("connection closed before a response")
    hdrs = {}
    while True:
        line = f.readline().decode()
        if line in ("\r\n", "\n", ""):
            break
        k, v = line.split(":", 1)
        hdrs[k.strip().lower()] = v.strip()
    body = f.read(int(hdrs.get("content-length", "0")))
    return status.strip(), hdrs, body


def want(path, status, body):
    if not status.startswith("HTTP/1.1 200"):
        sys.exit("%s: %s" % (path, status))
    exp = open(os.path.join(SITE, path.lstrip("/")), "rb").read()
    if hashlib.sha256(body).digest() != hashlib.sha256(exp).digest():
        sys.exit("%s: %d bytes, not the file's %d" % (path, len(body), len(exp)))


def get(s, path, close=False):
    s.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\n%s\r\n" %
               (path, ADDR, "Connection: close\r\n" if close else "")).encode())


def recv_all(s, limit=10.0):
    """Bytes until EOF; (data, closed) where closed is False on a timeout."""
    s.settimeout(limit)
    data = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                return data, True
            data += b
    except socket.timeout:
        return data, False
    except (ConnectionResetError, BrokenPipeError):
        return data, True


def client_hello():
    """A real ClientHello (TLS 1.2/1.3) from this ssl module, never sent by it."""
    c = ssl.create_default_context()
    c.check_hostname = False
    c.verify_mode = ssl.CERT_NONE
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    o = c.wrap_bio(inc, out, server_side=False)
    try:
        o.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return out.read()


def tls10_hello():
    """A ClientHello offering TLS 1.0 only: legacy_version 3.1, no
    supported_versions extension, CBC-SHA suites (RFC 2246 era)."""
    suites = struct.pack("!4H", 0xC013, 0xC014, 0x002F, 0x0035)
    exts = struct.pack("!HHHHH", 0x000A, 6, 4, 0x001D, 0x0017)  # supported_groups
    exts += struct.pack("!HHBB", 0x000B, 2, 1, 0)                 # ec_point_formats
    body = (b"\x03\x01" + os.urandom(32) + b"\x00" + struct.pack("!H", len(suites)) + suites
            + b"\x01\x00" + struct.pack("!H", len(exts)) + exts)
    hs = b"\x01" + struct.pack("!I", len(body))[1:] + body
    return b"\x16\x03\x01" + struct.pack("!H", len(hs)) + hs


def raw_exchange(payload, what):
    s = socket.create_connection((ADDR, 443), timeout=10)
    s.sendall(payload)
    data, closed = recv_all(s)
    s.close()
    if not closed:
        sys.exit("%s: connection still open after 10 s (got %r)" % (what, data[:64]))
    return data


if cmd == "alpn":
    s = connect()
    if s.selected_alpn_protocol() != "http/1.1":
        sys.exit("ALPN selected %r, not http/1.1" % s.selected_alpn_protocol())
    print("alpn %s, %s, %s" % (s.selected_alpn_protocol(), s.version(), s.cipher()[0]))
    f = s.makefile("rb")
    for p in ("/odd.bin", "/mid.bin", "/hello.txt"):  # keep-alive, one after another
        get(s, p)
        st, h, b = read_response(f)
        want(p, st, b)
    # close_notify from us; the server answers with its own (or just closes).
    try:
        s.unwrap()
    except (ssl.SSLError, OSError) as e:
        print("unwrap: %s" % e)
    s.close()
elif cmd == "pipeline":
    s = connect()
    paths = ["/hello.txt", "/odd.bin", "/mid.bin", "/index.html"]
    reqs = "".join("GET %s HTTP/1.1\r\nHost: %s\r\n%s\r\n" %
                   (p, ADDR, "Connection: close\r\n" if i == len(paths) - 1 else "")
                   for i, p in enumerate(paths))
    s.sendall(reqs.encode())  # one write: all requests in one TLS record
    f = s.makefile("rb")
    for p in paths:
        st, h, b = read_response(f)
        want(p, st, b)
    if f.read(1) != b"":
        sys.exit("bytes after the last pipelined response")
    print("pipelined %d requests in one write, %d responses read" % (len(paths), len(paths)))
elif cmd == "no_alpn":
    try:
        s = connect(alpn=("h2",))
    except ssl.SSLError as e:
        print("refused: %s" % e)
        sys.exit(0)
    sys.exit("handshake with ALPN h2 only succeeded (selected %r)" % s.selected_alpn_protocol())
elif cmd == "plain_http":
    data = raw_exchange(("GET / HTTP/1.1\r\nHost: %s\r\n\r\n" % ADDR).encode(), "plain HTTP")
    if data and not (data.startswith(b"HTTP/1.") and b" 400 " in data.split(b"\r\n", 1)[0]) \
            and data[0] != 0x15:
        sys.exit("plain HTTP on 443 answered %r" % data[:80])
    print("plain HTTP: closed, answer %r" % data[:40])
elif cmd == "garbage":
    data = raw_exchange(b"\x00\xff" + os.urandom(510), "garbage")
    print("garbage: closed, answer %r" % data[:16])
elif cmd == "bad_record":
    # A handshake record header around random bytes.
    data = raw_exchange(b"\x16\x03\x01\x00\x40\x01\x00\x00\x3c" + os.urandom(60), "bad record")
    print("bad handshake record: closed, answer %r" % data[:16])
elif cmd == "tls10":
    data = raw_exchange(tls10_hello(), "TLS 1.0 ClientHello")
    # RFC 8446 §4.2.1 / RFC 5246 E.1: protocol_version (70) alert.
    if len(data) < 7 or data[0] != 0x15 or data[6] != 70:
        sys.exit("TLS 1.0 ClientHello answered %r, not a protocol_version alert" % data[:16])
    print("TLS 1.0 only: protocol_version alert")
elif cmd in ("no_notify", "trunc_record"):
    # An established session over memory BIOs (every byte on the wire is
    # ours), then: no_notify: a whole request, its response, then TCP FIN
    # without close_notify (RFC 8446 §6.1: a truncation attack unless the
    # application framing says otherwise); trunc_record: half of the
    # request's record, then FIN. Either way the server counts it
    # (truncated) and closes.
    s = socket.create_connection((ADDR, 443), timeout=10)
    inc, outb = ssl.MemoryBIO(), ssl.MemoryBIO()
    o = ctx(None).wrap_bio(inc, outb, server_hostname=ADDR)
    while True:
        try:
            o.do_handshake()
            break
        except ssl.SSLWantReadError:
            d = outb.read()
            if d:
                s.sendall(d)
            r = s.recv(65536)
            if not r:
                sys.exit("closed during the handshake")
            inc.write(r)
    d = outb.read()
    if d:
        s.sendall(d)
    o.write(("GET /hello.txt HTTP/1.1\r\nHost: %s\r\n\r\n" % ADDR).encode())
    rec = outb.read()
    if cmd == "trunc_record":
        s.sendall(rec[: len(rec) // 2])
    else:
        s.sendall(rec)
        plain = b""
        deadline = time.time() + 10
        while not plain.endswith(b"hello world\n") and time.time() < deadline:
            r = s.recv(65536)
            if not r:
                break
            inc.write(r)
            try:
                plain += o.read(65536)
            except ssl.SSLWantReadError:
                pass
        if not plain.endswith(b"hello world\n"):
            sys.exit("no response before the FIN: %r" % plain[:80])
    time.sleep(0.1)
    s.shutdown(socket.SHUT_WR)
    tail = b""
    while True:
        r = s.recv(65536)
        if not r:
            break
        tail += r
    s.close()
    print("%s: FIN sent without close_notify, the server closed (%d bytes after)" % (cmd, len(tail)))
elif cmd == "half_close":
    ch = client_hello()
    s = socket.create_connection((ADDR, 443), timeout=10)
    s.sendall(ch[: len(ch) // 2])
    time.sleep(0.2)
    s.close()
    print("sent %d of %d ClientHello bytes, closed" % (len(ch) // 2, len(ch)))
elif cmd == "half_stall":
    # Half a ClientHello, then silence: the server's handshake_timeout must
    # close it. args[0]: seconds to wait at most.
    ch = client_hello()
    s = socket.create_connection((ADDR, 443), timeout=10)
    s.sendall(ch[: len(ch) // 2])
    t0 = time.monotonic()
    data, closed = recv_all(s, float(args[0]))
    if not closed:
        sys.exit("stalled handshake still open after %s s" % args[0])
    print("stalled handshake closed by the server after %.1f s" % (time.monotonic() - t0))
else:
    sys.exit("unknown command " + cmd)
PY
py() { lr_ns "$LR_PY" "$LR_TMP/tlsc.py" "$LR_ADDR" "$pki/both.crt" "$site" "$@"; }

cn0=$(tls_get close_notify_rcvd) || exit 1
out=$(py alpn) || lr_fail "python ssl ALPN: $out"
lr_log "python ssl: $out"
tls_wait_ge close_notify_rcvd $((cn0 + 1)) "close_notify from python counted"
out=$(py pipeline) || lr_fail "pipelining over TLS: $out"
lr_log "$out"

# Keep-alive with curl: three URLs, one connection.
out=$(c -v -o /dev/null -o /dev/null -o /dev/null "$url/hello.txt" "$url/odd.bin" "$url/mid.bin" 2>&1) ||
    lr_fail "keep-alive run failed: $(echo "$out" | tail -5)"
n=$(echo "$out" | grep -c 'Re-using existing connection\|Reusing existing connection')
lr_assert_ge "$n" 2 "HTTPS connection reused"
lr_assert_eq "$(echo "$out" | grep -c 'SSL connection using')" 1 "one TLS handshake for three requests"
lr_log "keep-alive: three requests on one TLS connection"
tls_wait_idle "good clients"

# ---- bad input -------------------------------------------------------------------
# Each: the failure counted under its reason, nothing left in progress, and
# a good client served right after.
bad()
{
    local what=$1 counter=$2 before after out
    shift 2
    before=$(tls_get "$counter") || exit 1
    out=$("$@" 2>&1) || lr_fail "$what: $out"
    lr_log "$what: $(echo "$out" | tail -n 1)"
    tls_wait_ge "$counter" $((before + 1)) "$what counted"
    tls_wait_idle "$what"
    good "$what"
}
http_fail() { echo $(($(tls_get failed_http_request) + $(tls_get failed_malformed))); }
before=$(http_fail) || exit 1
out=$(py plain_http) || lr_fail "plain HTTP on 443: $out"
lr_log "$out"
for _ in $(seq 50); do
    [ "$(http_fail)" -gt "$before" ] && break
    sleep 0.1
done
[ "$(http_fail)" -gt "$before" ] || lr_fail "plain HTTP on 443: neither failed_http_request nor failed_malformed grew"
tls_wait_idle "plain HTTP on 443"
good "plain HTTP on 443"

bad "garbage bytes" failed_malformed py garbage
bad "bad handshake record" failed_malformed py bad_record
bad "TLS 1.0-only ClientHello" failed_version py tls10
bad "established session closed without close_notify" truncated py no_notify
bad "half a record, then FIN" truncated py trunc_record
no_cipher()
{
    local out
    out=$(printf '' | sclient -tls1_2 -cipher AES128-GCM-SHA256 -CAfile "$pki/both.crt") &&
        { echo "handshake with AES128-GCM-SHA256 (RSA key exchange) succeeded"; return 1; }
    echo "$out" | grep -m1 -i 'alert\|error' || echo "s_client failed"
}
bad "no shared cipher (TLS 1.2, static-RSA cipher)" failed_no_shared_cipher no_cipher
no_group()
{
    local out
    out=$(printf '' | sclient -tls1_3 -groups P-384:P-521 -CAfile "$pki/both.crt") &&
        { echo "handshake with groups P-384:P-521 succeeded"; return 1; }
    echo "$out" | grep -m1 -i 'alert\|error' || echo "s_client failed"
}
bad "no shared group (TLS 1.3, P-384:P-521)" failed_no_shared_group no_group
bad "no shared ALPN (h2 only)" failed_no_alpn py no_alpn

# A client closing mid-handshake: half a ClientHello, then FIN.
failed0=$(($(tls_get failed_sum) + $(tls_get truncated)))
out=$(py half_close) || lr_fail "half ClientHello: $out"
lr_log "$out"
tls_wait_idle "client closed mid-handshake"
after=$(($(tls_get failed_sum) + $(tls_get truncated)))
lr_assert_ge "$after" $((failed0 + 1)) "client closed mid-handshake counted (failed_* or truncated)"
good "client closed mid-handshake"

# A stalled handshake: handshake_timeout = 3s closes it.
to0=$(tls_get 'hs_timeouts|failed_timeout') || exit 1
py half_stall 8 >"$LR_TMP/stall.out" 2>&1 &
stall=$!
sleep 1
lr_assert_ge "$(tls_get "$IN_PROGRESS")" 1 "stalled handshake in progress"
wait "$stall" || lr_fail "stalled handshake: $(cat "$LR_TMP/stall.out")"
lr_log "$(cat "$LR_TMP/stall.out")"
tls_wait_ge 'hs_timeouts|failed_timeout' $((to0 + 1)) "handshake timeout counted"
lr_assert_ge "$(tls_get failed_timeout)" 1 "failed_timeout"
tls_wait_idle "stalled handshake"
good "stalled handshake"

# A good TLS 1.2 and 1.3 client once more after all of it.
fetch_all final-tls12 "$pki/both.crt" "TLSv1.2 / ECDHE-" --tlsv1.2 --tls-max 1.2
fetch_all final-tls13 "$pki/both.crt" "TLSv1.3 / TLS_" --tlsv1.3

tls=$(lr_telemetry /linerate/tls) || exit 1
lr_log "/linerate/tls at the end: $tls"
lr_assert_ge "$(tls_get 'handshakes_full|hs_full')" 10 "full handshakes"
lr_assert_ge "$(tls_get records_in)" 10 "records_in"
lr_assert_ge "$(tls_get records_out)" 100 "records_out"
lr_assert_ge "$(tls_get 'alert_records_in|alerts_in')" 1 "alerts received (close_notify)"
lr_assert_ge "$(tls_get 'alert_records_out|alerts_out')" 1 "alerts sent"
lr_assert_eq "$(tls_get "$IN_PROGRESS")" 0 "handshakes in progress at the end"
# The whole of /linerate/stats still answers with the TLS module's counters in it.
lr_telemetry /linerate/stats >/dev/null
lr_assert_ge "$(lr_counter modules requests)" 40 "/linerate/stats modules.requests"
lr_assert_ge "$(tls_get cipher_TLS_AES_128_GCM_SHA256)" 1 "cipher_TLS_AES_128_GCM_SHA256"
# The TLS 1.2 suites by their OpenSSL names, or those names with '_' for
# '-' (DPDK 22.11 telemetry accepts only [A-Za-z0-9_/] in dictionary names).
lr_assert_ge "$(tls_get 'cipher_ECDHE-ECDSA-AES128-GCM-SHA256|cipher_ECDHE_ECDSA_AES128_GCM_SHA256')" 1 \
    "cipher_ECDHE-ECDSA-AES128-GCM-SHA256 in /linerate/tls"
lr_assert_ge "$(tls_get 'cipher_ECDHE-RSA-AES128-GCM-SHA256|cipher_ECDHE_RSA_AES128_GCM_SHA256')" 1 \
    "cipher_ECDHE-RSA-AES128-GCM-SHA256 in /linerate/tls"
lr_stop

# ---- second start: no cert, the self-signed fallback ------------------------------
ip netns del "$LR_NS"
lr_config_write <<CONF
[http]
root = $site
listen = 80
tls_listen = 443
CONF
lr_start
lr_assert_log 'self-signed certificate generated at start' "self-signed warning"
lr_log "$(grep -m1 'self-signed certificate generated at start' "$LR_LOGFILE")"
lr_assert_eq "$(lr_ns curl -sS -k --max-time 10 "$url/hello.txt")" "hello world" "curl -k with the self-signed certificate"
lr_ns curl -sS --max-time 10 -o /dev/null "$url/hello.txt" 2>/dev/null &&
    lr_fail "curl without -k accepted the generated self-signed certificate"
lr_ns curl -sS -k --max-time 60 -o "$LR_TMP/self.big" "$url/big.bin" || lr_fail "curl -k big.bin"
lr_assert_eq "$(sha "$LR_TMP/self.big")" "$(sha "$site/big.bin")" "self-signed: big.bin sha256"
out=$(printf '' | lr_ns timeout 20 openssl s_client -connect "$LR_ADDR:443" 2>&1)
echo "$out" | grep -q 'Server public key is 256 bit' || lr_fail "self-signed certificate is not P-256"
echo "$out" | grep -q 'Peer signature type: ECDSA' || lr_fail "self-signed certificate is not ECDSA"
lr_assert_eq "$(lr_ns curl -sS --max-time 10 "http://$LR_ADDR/hello.txt")" "hello world" "plain HTTP beside the fallback"
lr_stop
lr_pass
