#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""IPv4 / ICMP / UDP / ARP conformance checks with crafted frames (run by
conformance_ip.sh inside the test namespace, Debian's /usr/bin/python3).

usage: conformance_ip.py IFACE LR_MAC LR_ADDR MY_ADDR MY_MAC ICMP_RATE

As in conformance_tcp.py we play MY_ADDR/MY_MAC, a host the kernel does not
own (linerate has a static ARP entry for it), with raw Ethernet frames on the
kernel side of the tap. Items already covered elsewhere are not repeated:
bad IP version/IHL/length/checksum and malformed ARP (malformed.sh),
fragments (frag_cases.sh). Prints "PASS name" / "FAIL name: why" per check;
exit status 1 if any failed.
"""
import random
import socket
import struct
import sys
import time

from scapy.all import ARP, ICMP, IP, UDP, Ether, Raw  # noqa: E402

IFACE, LR_MAC, LR_ADDR, ME, MY_MAC = sys.argv[1:6]
ICMP_RATE = int(sys.argv[6])
BCAST = LR_ADDR.rsplit(".", 1)[0] + ".255"  # the /24 of the test link
OTHER = LR_ADDR.rsplit(".", 1)[0] + ".99"  # nobody's address
UDP_ECHO, UDP_CLOSED = 7, 9999
ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_ADD_MEMBERSHIP = 1
PACKET_MR_PROMISC = 1


class Link:
    """Promiscuous packet socket on the tap; frames from linerate only."""

    def __init__(self):
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        s.bind((IFACE, 0))
        idx = socket.if_nametoindex(IFACE)
        s.setsockopt(SOL_PACKET, PACKET_ADD_MEMBERSHIP,
                     struct.pack("iHH8s", idx, PACKET_MR_PROMISC, 0, b""))
        self.s = s

    def send(self, frame):
        self.s.send(bytes(frame))

    def collect(self, pred, duration):
        out = []
        deadline = time.time() + duration
        while True:
            rem = deadline - time.time()
            if rem <= 0:
                return out
            self.s.settimeout(rem)
            try:
                data, addr = self.s.recvfrom(65535)
            except socket.timeout:
                return out
            if addr[2] == socket.PACKET_OUTGOING:
                continue
            p = Ether(data)
            if p.src.lower() != LR_MAC.lower():
                continue
            if pred(p):
                out.append(p)

    def expect(self, pred, timeout):
        got = self.collect(pred, timeout)
        return got[0] if got else None

    def drain(self):
        self.collect(lambda p: False, 0.05)


link = None
results = []


class Failure(Exception):
    pass


def require(cond, why):
    if not cond:
        raise Failure(why)


def check(name):
    def deco(fn):
        fn.check_name = name
        results.append(fn)
        return fn
    return deco


def eth(dst=None):
    return Ether(src=MY_MAC, dst=dst or LR_MAC)


def to_me_icmp(p):
    return IP in p and p[IP].dst == ME and ICMP in p


def icmp_ok(p):
    """The ICMP checksum of a received message is right."""
    raw = bytes(p[ICMP])
    total = 0
    if len(raw) % 2:
        raw += b"\0"
    for (w,) in struct.iter_unpack(">H", raw):
        total += w
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return total == 0xFFFF


@check("icmp_echo_id_seq_payload")
def _():
    for size in (0, 1, 56, 1000, 1472):
        ident, seq = random.randint(1, 65535), random.randint(0, 65535)
        payload = bytes(random.getrandbits(8) for _ in range(size))
        link.send(eth() / IP(src=ME, dst=LR_ADDR) / ICMP(type=8, id=ident, seq=seq) / Raw(payload))
        r = link.expect(lambda p: to_me_icmp(p) and p[ICMP].type == 0 and p[ICMP].id == ident, 1.0)
        require(r is not None, "no echo reply (%d bytes)" % size)
        require(r[ICMP].seq == seq, "seq %d, want %d" % (r[ICMP].seq, seq))
        got = bytes(r[ICMP].payload)
        require(got[:size] == payload and len(got) == size,
                "payload of %d bytes differs (got %d bytes)" % (size, len(got)))
        require(icmp_ok(r), "reply checksum wrong")


@check("ethernet_padding_trimmed")
def _():
    # IP total length says 28 + 4; the frame carries 30 more bytes of junk
    # (RFC 894: the IP length rules, padding is not data)
    ident = random.randint(1, 65535)
    pkt = IP(src=ME, dst=LR_ADDR) / ICMP(type=8, id=ident, seq=1) / Raw(b"pad!")
    link.send(bytes(eth() / pkt) + b"\xee" * 30)
    r = link.expect(lambda p: to_me_icmp(p) and p[ICMP].type == 0 and p[ICMP].id == ident, 1.0)
    require(r is not None, "no echo reply to a padded frame")
    require(bytes(r[ICMP].payload)[:r[IP].len - 28] == b"pad!" and r[IP].len == 32,
            "reply carries the padding: IP length %d" % r[IP].len)


@check("not_ours_dropped")
def _():
    link.send(eth() / IP(src=ME, dst=OTHER) / ICMP(type=8, id=77, seq=1) / Raw(b"x" * 8))
    link.send(eth() / IP(src=ME, dst=OTHER) / UDP(sport=4000, dport=UDP_CLOSED) / Raw(b"y"))
    got = link.collect(lambda p: IP in p and p[IP].dst == ME, 0.6)
    require(not got, "answered a packet for %s: %s" % (OTHER, got[0].summary() if got else ""))


@check("arp_only_for_our_address")
def _():
    req = Ether(src=MY_MAC, dst="ff:ff:ff:ff:ff:ff") / ARP(
        op=1, hwsrc=MY_MAC, psrc=ME, pdst=OTHER)
    link.send(req)
    got = link.collect(lambda p: ARP in p and p[ARP].op == 2, 0.5)
    require(not got, "ARP reply for %s, which is not ours" % OTHER)
    req[ARP].pdst = LR_ADDR
    link.send(req)
    r = link.expect(lambda p: ARP in p and p[ARP].op == 2 and p[ARP].psrc == LR_ADDR, 1.0)
    require(r is not None, "no ARP reply for our own address")
    require(r[ARP].hwsrc.lower() == LR_MAC.lower() and r[ARP].pdst == ME, "reply %s" % r.summary())


@check("udp_closed_port_unreachable")
def _():
    sport = random.randint(20000, 60000)
    d = IP(src=ME, dst=LR_ADDR, id=4242) / UDP(sport=sport, dport=UDP_CLOSED) / Raw(b"knock" * 4)
    link.send(eth() / d)
    r = link.expect(lambda p: to_me_icmp(p) and p[ICMP].type == 3, 1.0)
    require(r is not None, "no ICMP error for UDP to a closed port")
    require(r[ICMP].code == 3, "code %d, want 3 (port unreachable)" % r[ICMP].code)
    quote = bytes(r[ICMP].payload)
    # RFC 792 / RFC 1812 §4.3.2.3: the quote starts with our IP header and
    # at least 8 bytes of what followed
    sent = bytes(d)
    require(len(quote) >= 28 and quote[:28] == sent[:28], "quote does not match what we sent")
    require(icmp_ok(r), "ICMP checksum wrong")


@check("udp_checksum_rules")
def _():
    payload = b"checksum-zero"
    # RFC 768: checksum 0 means none was computed: accepted
    d = eth() / IP(src=ME, dst=LR_ADDR) / UDP(sport=40100, dport=UDP_ECHO, chksum=0) / Raw(payload)
    link.send(d)
    r = link.expect(lambda p: UDP in p and p[IP].dst == ME and p[UDP].dport == 40100, 1.0)
    require(r is not None and bytes(r[UDP].payload) == payload, "checksum-0 datagram not echoed")
    # a wrong checksum: dropped silently (no echo, no ICMP)
    d = eth() / IP(src=ME, dst=LR_ADDR) / UDP(sport=40101, dport=UDP_ECHO, chksum=0x1234) / Raw(b"bad")
    link.send(d)
    got = link.collect(lambda p: IP in p and p[IP].dst == ME, 0.6)
    require(not got, "bad UDP checksum answered: %s" % (got[0].summary() if got else ""))


@check("no_icmp_error_about_broadcast")
def _():
    # RFC 1122 §3.2.2: no ICMP error for a datagram sent to a broadcast address
    d = Ether(src=MY_MAC, dst="ff:ff:ff:ff:ff:ff") / IP(src=ME, dst=BCAST) / \
        UDP(sport=40200, dport=UDP_CLOSED) / Raw(b"anyone?")
    link.send(d)
    got = link.collect(lambda p: to_me_icmp(p), 0.6)
    require(not got, "ICMP error about a broadcast: %s" % (got[0].summary() if got else ""))


@check("no_icmp_error_about_icmp_error")
def _():
    # RFC 1122 §3.2.2: an ICMP error message never triggers another. We send
    # destination unreachable, time exceeded and parameter problem messages
    # quoting a datagram from linerate; nothing may come back.
    inner = bytes(IP(src=LR_ADDR, dst=ME) / UDP(sport=7, dport=40300) / Raw(b"12345678"))
    link.send(eth() / IP(src=ME, dst=LR_ADDR) / ICMP(type=3, code=3) / Raw(inner))
    link.send(eth() / IP(src=ME, dst=LR_ADDR) / ICMP(type=11, code=0) / Raw(inner))
    link.send(eth() / IP(src=ME, dst=LR_ADDR) / ICMP(type=12, code=0) / Raw(inner))
    got = link.collect(lambda p: to_me_icmp(p), 0.6)
    require(not got, "answered an ICMP error: %s" % (got[0].summary() if got else ""))


@check("icmp_errors_rate_limited")
def _():
    frames = [bytes(eth() / IP(src=ME, dst=LR_ADDR) / UDP(sport=41000 + i, dport=UDP_CLOSED) /
                    Raw(b"z")) for i in range(200)]
    t0 = time.time()
    for f in frames:
        link.send(f)
    spent = time.time() - t0
    got = link.collect(lambda p: to_me_icmp(p) and p[ICMP].type == 3, 0.8)
    # a token bucket of ICMP_RATE per second may start full
    require(spent < 0.8, "sending took %.2fs" % spent)
    require(1 <= len(got) <= 2 * ICMP_RATE + 2,
            "%d port unreachables for 200 datagrams in %.2fs (icmp_rate %d/s)"
            % (len(got), spent, ICMP_RATE))
    print("  %d of 200 errors sent (icmp_rate %d/s)" % (len(got), ICMP_RATE))


def main():
    global link
    link = Link()
    failed = 0
    only = set(sys.argv[7:])
    for fn in results:
        if only and fn.check_name not in only:
            continue
        link.drain()
        try:
            fn()
            print("PASS %s" % fn.check_name, flush=True)
        except Failure as e:
            failed += 1
            print("FAIL %s: %s" % (fn.check_name, e), flush=True)
        except Exception as e:  # a crash in a check is a failure of that check
            failed += 1
            print("FAIL %s: exception %r" % (fn.check_name, e), flush=True)
        time.sleep(1.1)  # a fresh ICMP token bucket for every check
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
