#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""TFTP windowsize (RFC 7440) and TID (RFC 1350 section 4) checks over raw UDP.

usage: tftp_window.py ADDR ROOT_DIR FILE

1. A refused request (missing file) is answered from a new TID, not port 69.
2. windowsize=8: the OACK grants it, the server sends 8 blocks before
   waiting for the ACK of the last, the whole file arrives byte-exact.
3. A lost ACK: the client stays silent after one window; the server sends
   the window again from its first unacknowledged block after its timeout.
4. An ACK of a block inside the window (the client lost the next one):
   sending resumes right after the acknowledged block.
5. windowsize above the server's max_window is answered with max_window.
Exit status 0 when everything matched.
"""
import os
import socket
import struct
import sys
import time

ADDR, ROOT, NAME = sys.argv[1], sys.argv[2], sys.argv[3]
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg, flush=True)


def rrq(sock, name, opts):
    pkt = struct.pack("!H", 1) + name.encode() + b"\0octet\0"
    for k, v in opts:
        pkt += k.encode() + b"\0" + str(v).encode() + b"\0"
    sock.sendto(pkt, (ADDR, 69))


def recv(sock, wait):
    sock.settimeout(wait)
    try:
        data, src = sock.recvfrom(70000)
    except socket.timeout:
        return None, None, None
    return struct.unpack("!H", data[:2])[0], data, src


def parse_oack(data):
    f = data[2:].split(b"\0")
    return {f[i].decode().lower(): f[i + 1].decode() for i in range(0, len(f) - 1, 2)}


def ack(sock, tid, block):
    sock.sendto(struct.pack("!HH", 4, block & 0xFFFF), tid)


with open(os.path.join(ROOT, NAME), "rb") as fh:
    WANT = fh.read()

# 1. Missing file: error 1 from a fresh port.
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
rrq(s, "no-such-file.bin", [])
op, data, src = recv(s, 5)
if op != 5 or struct.unpack("!H", data[2:4])[0] != 1:
    fail("missing file: got %r" % (data,))
elif src[1] == 69:
    fail("missing file: error sent from port 69, not a new TID (RFC 1350 4)")
else:
    print("missing file: error 1 from TID %d" % src[1], flush=True)
s.close()


def transfer(tag, window, blksize, lose_ack_window=None, partial_window=None, want_window=None):
    """Fetch NAME with windowsize; optionally drop one ACK or ACK mid-window."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rrq(s, NAME, [("blksize", blksize), ("windowsize", window)])
    op, data, tid = recv(s, 5)
    if op != 6:
        fail("%s: expected OACK, got %r" % (tag, data[:40] if data else None))
        return
    o = parse_oack(data)
    granted = int(o.get("windowsize", "1"))
    if granted != (want_window or window) or int(o.get("blksize", "512")) != blksize:
        fail("%s: OACK %r" % (tag, o))
        return
    nblocks = len(WANT) // blksize + 1
    got = {}
    una = 1  # first block not acknowledged
    ack(s, tid, 0)
    windows = 0
    resent = 0
    deadline = time.time() + 120
    while una <= nblocks and time.time() < deadline:
        # One window: blocks una .. una + granted - 1 (bounded by the file).
        last = min(una + granted - 1, nblocks)
        seen = []
        while len(seen) < last - una + 1:
            op, data, src = recv(s, 4)
            if op is None:
                fail("%s: window %d: nothing after blocks %r" % (tag, windows, seen))
                return
            if src != tid or op != 3:
                fail("%s: unexpected packet op %r from %r" % (tag, op, src))
                return
            b = struct.unpack("!H", data[2:4])[0]
            k = una + ((b - una) & 0xFFFF)  # which block of this window
            if k in got and k < una:
                continue
            got[k] = data[4:]
            seen.append(k)
        if seen != list(range(una, last + 1)):
            fail("%s: window %d came as %r, want %d..%d" % (tag, windows, seen, una, last))
            return
        # Nothing more until we ACK (the server waits for the window's last
        # ACK): checked on the first windows, to keep the test quick.
        op = None
        if windows < 3:
            op, data, _ = recv(s, 0.2)
        if op is not None:
            fail("%s: window %d: server sent more than %d blocks" % (tag, windows, granted))
            return
        if windows == lose_ack_window:
            # Stay silent: the same window comes again after the server's timeout.
            t0 = time.time()
            again = []
            while len(again) < last - una + 1:
                op, data, src = recv(s, 5)
                if op != 3:
                    fail("%s: lost ACK: no retransmission (%r)" % (tag, again))
                    return
                again.append(struct.unpack("!H", data[2:4])[0])
                if data[4:] != got[una + len(again) - 1]:
                    fail("%s: retransmitted block differs" % tag)
            if again != [k & 0xFFFF for k in range(una, last + 1)]:
                fail("%s: lost ACK: retransmitted %r" % (tag, again))
            resent += len(again)
            print("%s: window resent after %.2fs without its ACK" % (tag, time.time() - t0),
                  flush=True)
        if windows == partial_window and last - una >= 3:
            # ACK the middle: sending must resume right after it.
            mid = una + 2
            for k in range(mid + 1, last + 1):
                del got[k]
            ack(s, tid, mid)
            una = mid + 1
            windows += 1
            continue
        ack(s, tid, last)
        una = last + 1
        windows += 1
    s.close()
    data = b"".join(got[k] for k in range(1, nblocks + 1)) if len(got) == nblocks else b""
    if data != WANT:
        fail("%s: %d bytes received in %d blocks, want %d" % (tag, len(data), len(got), len(WANT)))
    else:
        print("%s: %d bytes byte-exact in %d windows (window %d, %d resent)" %
              (tag, len(data), windows, granted, resent), flush=True)


transfer("windowsize 8", 8, 1428)
transfer("windowsize 8, lost ACK", 8, 1428, lose_ack_window=3)
transfer("windowsize 8, ACK mid-window", 8, 1024, partial_window=5)
transfer("windowsize 1000 (capped)", 1000, 1428, want_window=64)
transfer("windowsize 1", 1, 8192)

if failures:
    print("%d failure(s)" % len(failures))
    sys.exit(1)
print("all TFTP window checks passed")
