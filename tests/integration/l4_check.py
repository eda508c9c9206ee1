#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Client of the l4 service (lib/app/lr_l4_server.h) for tests/integration/l4_server.sh.

Plain sockets only. Speaks the L4 test protocol of lib/proto/lr_l4_proto.h:
a 16-byte header ('L' '4', version 1, flags, seq, req_len, resp_len, all
network order) and payload bytes that are a function of their offset in the
message; the answer is resp_len bytes, the request's header first. Every
answer byte is checked. Prints one JSON line at the end: the counters the
service must show in /linerate/l4_server after this run.

usage: l4_check.py ADDR TCP_PORT UDP_PORT
"""
import json
import socket
import struct
import sys
import time

M64 = (1 << 64) - 1
PATTERN_LEN = 65536
F_LAST = 0x01
HDR = struct.Struct("!2sBBIII")


def build_pattern():
    """Byte i of the table (lr_l4_proto.c: splitmix64's finaliser of i)."""
    out = bytearray(PATTERN_LEN)
    for i in range(PATTERN_LEN):
        x = (i * 0x9E3779B97F4A7C15 + 0x4C34) & M64
        x ^= x >> 30
        x = (x * 0xBF58476D1CE4E5B9) & M64
        x ^= x >> 27
        x = (x * 0x94D049BB133111EB) & M64
        out[i] = x >> 56
    return bytes(out)


PAT = build_pattern()


def message(hdr, n):
    """The n bytes of a message whose header is hdr: header, then the pattern."""
    if n <= 16:
        return hdr[:n]
    reps = n // PATTERN_LEN + 1
    return hdr + (PAT * reps)[16:n]


def header(seq, req_len, resp_len, flags=0):
    return HDR.pack(b"L4", 1, flags, seq, req_len, resp_len)


def request(seq, req_len, resp_len, flags=0):
    return message(header(seq, req_len, resp_len, flags), req_len)


class Expect:
    """What the service must count."""

    def __init__(self):
        self.c = dict(tcp_requests=0, tcp_answer_bytes=0, udp_requests=0,
                      udp_answer_bytes=0, bad_request=0, too_large=0, corrupt=0,
                      refused=0, connections=0, no_state=0)

    def tcp(self, resp_len):
        self.c["tcp_requests"] += 1
        self.c["tcp_answer_bytes"] += resp_len

    def udp(self, resp_len):
        self.c["udp_requests"] += 1
        self.c["udp_answer_bytes"] += resp_len


EXP = Expect()


def fail(msg):
    sys.exit("l4_check: " + msg)


def recv_exact(s, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = s.recv(min(n - len(buf), 1 << 20))
        if not chunk:
            fail("EOF after %d of %d answer bytes" % (len(buf), n))
        buf += chunk
    return bytes(buf)


def check_answer(got, req, what):
    want = message(req[:16], len(got))
    if got != want:
        bad = sum(1 for a, b in zip(got, want) if a != b)
        first = next(i for i in range(len(got)) if got[i] != want[i])
        fail("%s: %d answer bytes differ, the first at offset %d" % (what, bad, first))


def connect(addr, port):
    s = socket.create_connection((addr, port), timeout=20)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    EXP.c["connections"] += 1
    return s


def ask(s, req, what):
    """Send one request, read and check its answer."""
    resp_len = HDR.unpack(req[:16])[5]
    s.sendall(req)
    got = recv_exact(s, resp_len)
    check_answer(got, req, what)
    EXP.tcp(resp_len)


def expect_eof(s, what):
    s.settimeout(10)
    if s.recv(1) != b"":
        fail("%s: data after the answer, expected the close" % what)


def expect_reset(s, what):
    s.settimeout(10)
    try:
        data = s.recv(100)
    except ConnectionResetError:
        return
    fail("%s: expected a reset, got %r" % (what, data[:32]))


def tcp_tests(addr, port):
    # Split writes: inside the header, at its end, through the payload.
    s = connect(addr, port)
    for seq, (req_len, resp_len) in enumerate([(1000, 5000), (16, 300), (3000, 7)]):
        req = request(seq, req_len, resp_len)
        cuts = sorted({0, req_len} | {c for c in (3, 9, 16, 17, 400) if c < req_len})
        for a, b in zip(cuts, cuts[1:]):
            s.sendall(req[a:b])
            time.sleep(0.02)  # TCP_NODELAY: one segment per write
        got = recv_exact(s, resp_len)
        check_answer(got, req, "split request %d" % seq)
        EXP.tcp(resp_len)
    print("tcp split writes: ok")

    # Pipelined: many requests in one write, answers of 0, < 16, = 16 and more.
    reqs = [request(100 + i, rl, al) for i, (rl, al) in
            enumerate([(64, 40), (16, 0), (200, 5), (30, 16), (5000, 20000), (17, 1)])]
    s.sendall(b"".join(reqs))
    for i, req in enumerate(reqs):
        resp_len = HDR.unpack(req[:16])[5]
        got = recv_exact(s, resp_len)
        check_answer(got, req, "pipelined request %d" % i)
        EXP.tcp(resp_len)
    print("tcp pipelined: ok")

    # Large answer: 4 MiB, under the server's send buffer and our window.
    ask(s, request(200, 64, 4 << 20), "4 MiB answer")
    print("tcp 4 MiB answer: ok")

    # Corrupt payload: counted, answered all the same.
    req = bytearray(request(300, 2000, 100))
    for off in (16, 17, 999, 1500, 1999):
        req[off] ^= 0x5A
    ask(s, bytes(req), "corrupt request")
    EXP.c["corrupt"] += 5
    print("tcp corrupt payload: answered")

    # LAST: the answer, then the server's close.
    ask(s, request(301, 40, 3000, F_LAST), "LAST request")
    expect_eof(s, "LAST request")
    s.close()
    print("tcp LAST: answered and closed")

    # A bad header resets the connection; an open connection and a new one
    # are still served afterwards.
    keep = connect(addr, port)
    ask(keep, request(400, 100, 100), "kept connection")
    bad = connect(addr, port)
    bad.sendall(b"HTTP/1.1 200 OK\r\n\r\n")
    expect_reset(bad, "bad header")
    bad.close()
    EXP.c["bad_request"] += 1
    bad = connect(addr, port)
    bad.sendall(header(1, 8, 10))  # req_len below the header
    expect_reset(bad, "req_len 8")
    bad.close()
    EXP.c["bad_request"] += 1
    fresh = connect(addr, port)
    ask(fresh, request(401, 500, 1000), "new connection after the bad ones")
    ask(keep, request(402, 100, 70000), "kept connection after the bad ones")
    fresh.close()
    keep.close()
    print("tcp bad header: reset; service still answers")

    # The peer closes right after its request: answer, then EOF.
    s = connect(addr, port)
    req = request(500, 64, 10000)
    s.sendall(req)
    s.shutdown(socket.SHUT_WR)
    got = recv_exact(s, 10000)
    check_answer(got, req, "half-closed")
    EXP.tcp(10000)
    expect_eof(s, "half-closed")
    s.close()
    print("tcp half-close: answered and closed")


def udp_ask(s, addr, port, req, resp_len, what):
    s.sendto(req, (addr, port))
    try:
        got, peer = s.recvfrom(70000)
    except socket.timeout:
        fail("%s: no answer" % what)
    if peer != (addr, port):
        fail("%s: answer from %r" % (what, peer))
    if len(got) != resp_len:
        fail("%s: %d bytes, expected %d" % (what, len(got), resp_len))
    check_answer(got, req, what)
    EXP.udp(resp_len)


def udp_silence(s, what):
    s.settimeout(0.5)
    try:
        got = s.recv(70000)
        fail("%s: answered (%d bytes)" % (what, len(got)))
    except socket.timeout:
        pass
    finally:
        s.settimeout(3)


def udp_tests(addr, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    s.settimeout(3)
    cases = [(16, 16), (100, 200), (1472, 16), (64, 1), (16, 1472), (200, 4000),
             (3000, 3000), (16, 65507), (65507, 100)]
    for i, (req_len, resp_len) in enumerate(cases):
        udp_ask(s, addr, port, request(1000 + i, req_len, resp_len), resp_len,
                "udp %d -> %d" % (req_len, resp_len))
    print("udp answers: ok (%d sizes)" % len(cases))

    req = bytearray(request(2000, 500, 50))
    req[20] ^= 1
    req[499] ^= 0xFF
    udp_ask(s, addr, port, bytes(req), 50, "udp corrupt")
    EXP.c["corrupt"] += 2

    s.sendto(request(2001, 40, 0), (addr, port))  # resp_len 0: nothing comes back
    udp_silence(s, "udp resp_len 0")
    EXP.c["udp_requests"] += 1

    s.sendto(b"not an l4 request", (addr, port))
    udp_silence(s, "udp bad magic")
    s.sendto(request(2002, 100, 20)[:99], (addr, port))  # req_len 100 in 99 bytes
    udp_silence(s, "udp req_len mismatch")
    s.sendto(b"L4", (addr, port))
    udp_silence(s, "udp short")
    EXP.c["bad_request"] += 3
    s.sendto(request(2003, 100, 65508), (addr, port))
    udp_silence(s, "udp too large")
    EXP.c["too_large"] += 1
    print("udp bad, short, mismatch, too large: not answered")

    # Loop guard: a request from the chargen port (19) gets no answer.
    g = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    g.bind(("", 19))
    g.settimeout(3)
    g.sendto(request(2004, 30, 30), (addr, port))
    udp_silence(g, "udp from port 19")
    g.close()
    EXP.c["refused"] += 1
    # and the service still answers
    udp_ask(s, addr, port, request(2005, 30, 30), 30, "udp after the refusals")
    s.close()
    print("udp loop port refused; service still answers")


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    addr, tport, uport = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    tcp_tests(addr, tport)
    udp_tests(addr, uport)
    print(json.dumps(EXP.c, sort_keys=True))


if __name__ == "__main__":
    main()
