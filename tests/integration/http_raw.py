#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Raw-socket HTTP checks against linerate (run inside the test namespace).

usage: http_raw.py ADDR SITE_DIR HEADER_TIMEOUT_S

Pipelining (many requests in one write, answered in order and byte-exact),
requests split at every byte, request bodies discarded without desync,
every malformed-request case answered with the right status and a closed
connection, while a keep-alive connection opened first keeps being served
between the cases. Exit status 0 when everything matched.
"""
import os
import socket
import sys
import time

ADDR, SITE, HDR_TIMEOUT = sys.argv[1], sys.argv[2], float(sys.argv[3])
PORT = 80
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg, flush=True)


def connect():
    s = socket.create_connection((ADDR, PORT), timeout=10)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


class Reader:
    def __init__(self, sock):
        self.s = sock
        self.buf = b""

    def fill(self):
        d = self.s.recv(65536)
        if not d:
            raise EOFError
        self.buf += d

    def response(self, head_only=False):
        """(status, headers dict (lower-case names), body); EOFError on close."""
        while b"\r\n\r\n" not in self.buf:
            self.fill()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        if len(parts) < 2 or parts[0] != "HTTP/1.1":
            raise ValueError("bad status line %r" % lines[0])
        status = int(parts[1])
        hdrs = {}
        for ln in lines[1:]:
            k, v = ln.split(":", 1)
            hdrs[k.strip().lower()] = v.strip()
        n = 0 if head_only or status == 304 else int(hdrs.get("content-length", "0"))
        while len(self.buf) < n:
            self.fill()
        body, self.buf = self.buf[:n], self.buf[n:]
        return status, hdrs, body

    def closed(self, wait=5.0):
        """True when the peer closes (EOF or reset) with no more bytes."""
        self.s.settimeout(wait)
        try:
            d = self.s.recv(65536)
        except ConnectionResetError:
            return True
        except socket.timeout:
            return False
        self.buf += d
        return d == b""


def file_bytes(path):
    with open(os.path.join(SITE, path.lstrip("/")), "rb") as f:
        return f.read()


def get(path, extra=""):
    return ("GET %s HTTP/1.1\r\nHost: t\r\n%s\r\n" % (path, extra)).encode()


# A keep-alive connection that must stay served through everything below.
keeper = connect()
kr = Reader(keeper)


def keeper_check(tag):
    try:
        keeper.sendall(get("/hello.txt"))
        st, _, body = kr.response()
        if st != 200 or body != file_bytes("/hello.txt"):
            fail("%s: keep-alive connection got %d" % (tag, st))
    except Exception as e:  # noqa: BLE001 - report any breakage
        fail("%s: keep-alive connection broken: %r" % (tag, e))


keeper_check("start")

# 1. Pipelining: 30 requests in one write, answered in order, byte-exact.
paths = ["/hello.txt", "/odd.bin", "/index.html", "/missing", "/big.bin"] * 6
s = connect()
r = Reader(s)
s.sendall(b"".join(get(p) for p in paths))
for i, p in enumerate(paths):
    st, h, body = r.response()
    if p == "/missing":
        if st != 404:
            fail("pipelined %d %s: status %d" % (i, p, st))
    elif st != 200 or body != file_bytes(p):
        fail("pipelined %d %s: status %d, %d bytes" % (i, p, st, len(body)))
s.close()
print("pipelining: %d responses in order" % len(paths), flush=True)

# 2. A request split at every byte.
s = connect()
r = Reader(s)
req = get("/odd.bin", "User-Agent: split\r\nAccept: */*\r\n")
for b in req:
    s.send(bytes([b]))
    time.sleep(0.002)
st, _, body = r.response()
if st != 200 or body != file_bytes("/odd.bin"):
    fail("byte-by-byte request: %d" % st)

# 3. Bodies discarded without desync: Content-Length and chunked, then GETs.
s.sendall(b"POST /hello.txt HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\n\r\nhello=world" + get("/hello.txt"))
st1, h1, _ = r.response()
st2, _, body = r.response()
if st1 != 405 or "GET" not in h1.get("allow", "") or st2 != 200 or body != file_bytes("/hello.txt"):
    fail("POST with body then GET: %d %d" % (st1, st2))
s.sendall(b"PUT /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
          b"5\r\nhello\r\n3;ext=1\r\nabc\r\n0\r\nTrailer: x\r\n\r\n" + get("/index.html"))
st1, _, _ = r.response()
st2, _, body = r.response()
if st1 != 405 or st2 != 200 or body != file_bytes("/index.html"):
    fail("chunked PUT then GET: %d %d" % (st1, st2))
# A GET with a body, then another GET: the body is skipped, both answered.
s.sendall(b"GET /hello.txt HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n\r\nabcd" + get("/odd.bin"))
st1, _, _ = r.response()
st2, _, body = r.response()
if st1 != 200 or st2 != 200 or body != file_bytes("/odd.bin"):
    fail("GET with body then GET: %d %d" % (st1, st2))
# Expect: 100-continue: a final answer at once (no 100), then the server
# closes, since the client may or may not send the body (RFC 9110 10.1.1).
s.sendall(b"PUT /up HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
st1, h1, _ = r.response()
if st1 != 405 or h1.get("connection", "").lower() != "close" or not r.closed():
    fail("Expect: 100-continue: %d %r" % (st1, h1))
s.close()
print("request bodies discarded, stream in sync", flush=True)
keeper_check("after bodies")

# 4. Malformed requests: status, Connection: close, then the server closes.
long_uri = b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\nHost: t\r\n\r\n"
many = b"GET / HTTP/1.1\r\nHost: t\r\n" + b"X-A: b\r\n" * 100 + b"\r\n"
huge = b"GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + b"v" * 9000 + b"\r\n\r\n"
cases = [
    (b"GET / HTTP/1.1\r\n\r\n", 400, "no Host"),
    (b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "two Host"),
    (b"GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400, "space before colon"),
    (b"GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n folded\r\n\r\n", 400, "obs-fold"),
    (b"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1x\r\n\r\n", 400, "bad Content-Length"),
    (b"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", 400,
     "conflicting Content-Length"),
    (b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400,
     "CL and TE"),
    (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 501, "TE gzip"),
    (b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999\r\n\r\n", 413, "body too large"),
    (long_uri, 414, "URI too long"),
    (many, 431, "too many headers"),
    (huge, 431, "header too large"),
    (b"GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505, "HTTP/2.0"),
    (b"GET / HTTP/9.9\r\nHost: a\r\n\r\n", 505, "HTTP/9.9"),
    (b"BREW /pot HTTP/1.1\r\nHost: a\r\n\r\n", 501, "unknown method"),
    (b"GET /../../etc/passwd HTTP/1.1\r\nHost: a\r\n\r\n", 400, "traversal"),
    (b"GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: a\r\n\r\n", 400, "encoded traversal"),
    (b"GET /a%00b HTTP/1.1\r\nHost: a\r\n\r\n", 400, "%00"),
    (b"GET /..%2fetc HTTP/1.1\r\nHost: a\r\n\r\n", 400, "encoded slash"),
    (b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + os.urandom(40), 400, "TLS hello"),
    (b"GET / HTTP/1.1\rHost: a\r\n\r\n", 400, "bare CR"),
    (b"GET\x00 / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "NUL in method"),
    # Range is a singleton field (RFC 9110 5.3, 14.2): two lines are malformed.
    (b"GET /odd.bin HTTP/1.1\r\nHost: a\r\nRange: bytes=0-9\r\nRange: bytes=20-29\r\n\r\n", 400,
     "two Range lines"),
    # Bad chunked framing is a 400 before any response (RFC 9112 7.1).
    (b"GET /hello.txt HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
     400, "bad chunk size"),
    (b"GET /hello.txt HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcdef\r\n", 400,
     "chunk longer than its size"),
]
for raw, want, name in cases:
    try:
        s = connect()
        r = Reader(s)
        s.sendall(raw)
        st, h, _ = r.response()
        if st != want:
            fail("%s: status %d, want %d" % (name, st, want))
        elif h.get("connection", "").lower() != "close":
            fail("%s: no Connection: close" % name)
        elif not r.closed():
            fail("%s: connection not closed" % name)
        s.close()
    except Exception as e:  # noqa: BLE001
        fail("%s: %r" % (name, e))
    keeper_check(name)
print("%d malformed cases answered" % len(cases), flush=True)

# 5. Header timeout: 408 and close; keep-alive GET still fine.
s = connect()
r = Reader(s)
s.sendall(b"GET /hello.txt HTTP/1.1\r\nHo")
t0 = time.time()
try:
    st, h, _ = r.response()
    waited = time.time() - t0
    if st != 408 or waited < HDR_TIMEOUT * 0.8:
        fail("header timeout: status %d after %.2fs" % (st, waited))
    elif not r.closed():
        fail("header timeout: not closed")
except Exception as e:  # noqa: BLE001
    fail("header timeout: %r" % (e,))
s.close()
keeper_check("after 408")

# 6. HTTP/1.0: closed after the response unless keep-alive was asked for.
s = connect()
r = Reader(s)
s.sendall(b"GET /hello.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /hello.txt HTTP/1.0\r\n\r\n")
st1, h1, _ = r.response()
st2, h2, _ = r.response()
if st1 != 200 or h1.get("connection", "").lower() != "keep-alive" or st2 != 200 or \
        h2.get("connection", "").lower() != "close" or not r.closed():
    fail("HTTP/1.0 persistence")
s.close()

# 7. OPTIONS (RFC 9110 9.3.7): "*" and a path get the same 200 with Allow.
s = connect()
r = Reader(s)
try:
    for target in (b"*", b"/hello.txt"):
        s.sendall(b"OPTIONS " + target + b" HTTP/1.1\r\nHost: t\r\n\r\n")
        st, h, body = r.response()
        if st != 200 or h.get("allow") != "GET, HEAD, OPTIONS" or h.get("content-length") != "0":
            fail("OPTIONS %s: %d %r" % (target.decode(), st, h))
except Exception as e:  # noqa: BLE001
    fail("OPTIONS: %r" % (e,))
s.close()
# 8. A 301 for a directory: its Location is percent-encoded (RFC 3986 2.1).
s = connect()
r = Reader(s)
s.sendall(get("/a%20b%25?x=%22y%22"))
st, h, _ = r.response()
if st != 301 or h.get("location") != "/a%20b%25/?x=%22y%22":
    fail("301 Location: %d %r" % (st, h.get("location")))
# 9. A valid chunked body on a GET, sent in pieces: answered once complete, in sync.
s.sendall(b"GET /hello.txt HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nab")
time.sleep(0.2)
s.sendall(b"cd\r\n0\r\n\r\n" + get("/index.html"))
st1, _, b1 = r.response()
st2, _, b2 = r.response()
if st1 != 200 or b1 != file_bytes("/hello.txt") or st2 != 200 or b2 != file_bytes("/index.html"):
    fail("chunked GET in pieces: %d %d" % (st1, st2))
s.close()
keeper_check("after OPTIONS, Location, chunked GET")

keeper.close()
if failures:
    print("%d failure(s)" % len(failures))
    sys.exit(1)
print("all raw HTTP checks passed")
