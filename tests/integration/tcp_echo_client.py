#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""TCP echo client for the integration tests: N concurrent connections, each
sends SIZE random bytes (in random-sized writes), half-closes, reads
everything back and compares SHA-256. Bounded by --timeout seconds.

Modes:
  echo      (default) data must come back byte-exact, then EOF.
  halfclose send, shutdown(SHUT_WR) at once after the data, and check that
            the echo still arrives completely after our FIN (RFC 9293 half-close).
  hold      open N connections and keep them open until the file --hold-until
            exists (used by table-full tests); then close.
Exit 0 on success, 1 with a message otherwise.
"""
import argparse
import hashlib
import os
import random
import selectors
import socket
import sys
import time


def run_echo(a):
    sel = selectors.DefaultSelector()
    rnd = random.Random(a.seed)
    conns = []
    deadline = time.monotonic() + a.timeout
    for i in range(a.conns):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(10)
        s.connect((a.host, a.port))
        s.setblocking(False)
        data = os.urandom(a.size)
        st = {"i": i, "sock": s, "data": data, "sent": 0, "recv": bytearray(),
              "wdone": False, "eof": False}
        conns.append(st)
        sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE, st)
    pending = len(conns)
    while pending > 0:
        left = deadline - time.monotonic()
        if left <= 0:
            for st in conns:
                if not st["eof"]:
                    print("conn %d: timeout: sent %d/%d, received %d" %
                          (st["i"], st["sent"], a.size, len(st["recv"])), file=sys.stderr)
            return 1
        for key, ev in sel.select(timeout=min(left, 1.0)):
            st = key.data
            s = st["sock"]
            if ev & selectors.EVENT_WRITE and not st["wdone"]:
                n = rnd.randint(1, 65536)
                try:
                    k = s.send(st["data"][st["sent"]:st["sent"] + n])
                    st["sent"] += k
                except BlockingIOError:
                    pass
                if st["sent"] >= a.size:
                    st["wdone"] = True
                    s.shutdown(socket.SHUT_WR)
                    sel.modify(s, selectors.EVENT_READ, st)
            if ev & selectors.EVENT_READ:
                try:
                    b = s.recv(262144)
                except BlockingIOError:
                    continue
                except ConnectionResetError:
                    print("conn %d: reset after %d bytes" % (st["i"], len(st["recv"])),
                          file=sys.stderr)
                    return 1
                if not b:
                    st["eof"] = True
                    sel.unregister(s)
                    s.close()
                    pending -= 1
                else:
                    st["recv"] += b
                    if len(st["recv"]) > a.size:
                        print("conn %d: more bytes than sent" % st["i"], file=sys.stderr)
                        return 1
    bad = 0
    for st in conns:
        if hashlib.sha256(st["recv"]).digest() != hashlib.sha256(st["data"]).digest():
            print("conn %d: sha256 mismatch (%d/%d bytes)" % (st["i"], len(st["recv"]), a.size),
                  file=sys.stderr)
            bad += 1
    if bad:
        return 1
    print("ok: %d connections x %d bytes echoed byte-exact" % (a.conns, a.size))
    return 0


def run_halfclose(a):
    deadline = time.monotonic() + a.timeout
    for i in range(a.conns):
        s = socket.create_connection((a.host, a.port), timeout=10)
        data = os.urandom(a.size)
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)  # our FIN goes before the echo is back
        got = bytearray()
        while True:
            s.settimeout(max(0.1, deadline - time.monotonic()))
            b = s.recv(65536)
            if not b:
                break
            got += b
        s.close()
        if bytes(got) != data:
            print("conn %d: half-close echo mismatch (%d/%d)" % (i, len(got), len(data)),
                  file=sys.stderr)
            return 1
    print("ok: %d half-closed connections echoed" % a.conns)
    return 0


def run_hold(a):
    socks = []
    for i in range(a.conns):
        s = socket.create_connection((a.host, a.port), timeout=10)
        socks.append(s)
    print("holding %d connections" % len(socks), flush=True)
    deadline = time.monotonic() + a.timeout
    while not os.path.exists(a.hold_until):
        if time.monotonic() > deadline:
            print("hold: timeout", file=sys.stderr)
            return 1
        time.sleep(0.1)
    # still usable: one round trip on each
    for i, s in enumerate(socks):
        s.sendall(b"ping %d\n" % i)
        exp = b"ping %d\n" % i
        got = b""
        s.settimeout(10)
        while len(got) < len(exp):
            b = s.recv(100)
            if not b:
                break
            got += b
        if got != exp:
            print("held conn %d: echo %r" % (i, got), file=sys.stderr)
            return 1
        s.close()
    print("ok: %d held connections still work" % len(socks))
    return 0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("host")
    p.add_argument("port", type=int)
    p.add_argument("--conns", type=int, default=32)
    p.add_argument("--size", type=int, default=2 * 1024 * 1024)
    p.add_argument("--timeout", type=float, default=120)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--mode", default="echo", choices=["echo", "halfclose", "hold"])
    p.add_argument("--hold-until", default="")
    a = p.parse_args()
    if a.mode == "echo":
        return run_echo(a)
    if a.mode == "halfclose":
        return run_halfclose(a)
    return run_hold(a)


if __name__ == "__main__":
    sys.exit(main())
