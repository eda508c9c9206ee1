#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Crafted IPv4 fragments against linerate's UDP echo (run by frag_cases.sh
inside the test namespace, with Debian's /usr/bin/python3 and scapy).

usage: frag_cases.py LINERATE_ADDR PEER_ADDR FRAG_TIMEOUT_SECONDS

Fragments are built with scapy and sent through a raw IPPROTO_RAW socket, so
the kernel routes and resolves them but leaves every header field as built.
Echo replies are read from a UDP socket bound to the source port; ICMP errors
from a raw ICMP socket. Exit status 0 when every case behaves (RFC 791 §3.2,
RFC 815, RFC 5722's rule on overlaps, RFC 792 time exceeded code 1).
"""
import os
import random
import select
import socket
import sys
import time

from scapy.all import IP, UDP, Raw, fragment  # noqa: E402

ADDR, PEER, TIMEOUT = sys.argv[1], sys.argv[2], float(sys.argv[3])
SPORT = 40001

raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.bind((PEER, SPORT))
icmp = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
failures = []


def datagram(ident, payload):
    """A complete IP/UDP datagram to the echo port, checksums computed."""
    pkt = IP(src=PEER, dst=ADDR, id=ident, flags=0) / UDP(sport=SPORT, dport=7) / Raw(payload)
    return IP(bytes(pkt))


def send(frags):
    for f in frags:
        raw.sendto(bytes(f), (ADDR, 0))


def frag(ident, offset8, mf, data):
    """One hand-made fragment: @offset8 in 8-byte units, @data the IP payload bytes."""
    return IP(src=PEER, dst=ADDR, id=ident, proto=17, flags="MF" if mf else 0,
              frag=offset8) / Raw(data)


def expect_echo(name, payload, wait=2.0):
    udp.settimeout(wait)
    try:
        got, peer = udp.recvfrom(70000)
    except socket.timeout:
        failures.append("%s: no echo" % name)
        print("%s: FAIL (no echo)" % name)
        return
    if got != payload:
        failures.append("%s: echo differs (%d bytes)" % (name, len(got)))
        print("%s: FAIL (echo differs)" % name)
        return
    print("%s: ok (%d bytes echoed)" % (name, len(got)))


def expect_no_echo(name, wait=1.0):
    udp.settimeout(wait)
    try:
        got, _ = udp.recvfrom(70000)
        failures.append("%s: unexpected echo of %d bytes" % (name, len(got)))
        print("%s: FAIL (echoed)" % name)
    except socket.timeout:
        print("%s: ok (nothing delivered)" % name)


def drain_icmp():
    icmp.setblocking(False)
    try:
        while True:
            icmp.recv(2000)
    except BlockingIOError:
        pass


def time_exceeded_ids(wait):
    """IDs quoted in ICMP time exceeded / reassembly (11/1) seen within @wait s."""
    ids = []
    end = time.time() + wait
    while True:
        left = end - time.time()
        if left <= 0:
            return ids
        r, _, _ = select.select([icmp], [], [], left)
        if not r:
            continue
        pkt = IP(icmp.recv(2000))
        if pkt.src != ADDR or pkt.proto != 1:
            continue
        body = bytes(pkt.payload)
        if len(body) >= 8 + 20 and body[0] == 11 and body[1] == 1:
            quoted = IP(body[8:])
            ids.append(quoted.id)


rng = random.Random(1)
payload = os.urandom(3000)

# 1. In order, 2. reversed, 3. shuffled, 4. every fragment twice (also first and last).
frags = fragment(datagram(101, payload), fragsize=1000)
send(frags)
expect_echo("in order", payload)
frags = fragment(datagram(102, payload), fragsize=1000)
send(list(reversed(frags)))
expect_echo("reverse order", payload)
frags = fragment(datagram(103, payload), fragsize=512)
rng.shuffle(frags)
send(frags)
expect_echo("shuffled", payload)
frags = fragment(datagram(104, payload), fragsize=1000)
dup = frags + frags
rng.shuffle(dup)
send([frags[0]] + dup)
expect_echo("duplicates", payload)
time.sleep(0.2)
expect_no_echo("duplicates: nothing twice", wait=0.5)

# 5. Overlap: [0,1000) [504,1504) and the rest: the whole datagram is dropped,
#    stragglers included.
whole = bytes(datagram(105, payload).payload)  # UDP header + data
send([frag(105, 0, True, whole[0:1000]), frag(105, 63, True, whole[504:1504]),
      frag(105, 188, True, whole[1504:2504]), frag(105, 313, False, whole[2504:])])
expect_no_echo("overlap")

# 6. Too long: a fragment ending past 65535 bytes.
send([frag(106, 0, True, whole[0:1000]), frag(106, 8189, False, b"\0" * 100)])
expect_no_echo("past 65535")

# 7. Timeout: fragment 0 alone -> ICMP time exceeded (11/1) quoting it;
#    a lone non-first fragment -> nothing (RFC 1122 §3.3.2 / RFC 792).
drain_icmp()
send([frag(107, 0, True, whole[0:1000])])
send([frag(108, 125, True, whole[1000:2000])])
ids = time_exceeded_ids(TIMEOUT + 2.5)
if 107 not in ids:
    failures.append("timeout: no time exceeded for fragment 0 (got %r)" % ids)
if 108 in ids:
    failures.append("timeout: time exceeded for a datagram without fragment 0")
print("timeout: time exceeded quoted ids %r" % ids)
expect_no_echo("timeout: nothing delivered", wait=0.2)

# 8. The stack still works afterwards.
frags = fragment(datagram(109, payload), fragsize=1480)
send(frags)
expect_echo("after the bad cases", payload)

if failures:
    print("FAILURES: " + "; ".join(failures))
    sys.exit(1)
print("all fragment cases passed")
