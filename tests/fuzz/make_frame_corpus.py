#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the seed corpus of fuzz_frame.c (records [flags][len16][frame]).

Seeds are well-formed frames of each protocol the stack handles, with the
flags asking the target to fix checksums and the destination MAC, so the
fuzzer starts deep inside every path. Run: tests/fuzz/make_frame_corpus.py DIR
"""
import os
import struct
import sys

OUR = bytes([198, 18, 0, 2])
PEER = bytes([198, 18, 0, 1])
PEER_MAC = bytes.fromhex("020000000001")
BCAST = b"\xff" * 6


def rec(frame, flags=0x07):
    return bytes([flags]) + struct.pack(">H", len(frame)) + frame


def eth(payload, etype=0x0800, dst=b"\x00" * 6):
    return dst + PEER_MAC + struct.pack(">H", etype) + payload


def ip(proto, payload, frag=0x4000, ident=1):
    tot = 20 + len(payload)
    return struct.pack(">BBHHHBBH4s4s", 0x45, 0, tot, ident, frag, 64, proto, 0, PEER, OUR) + payload


def tcp(sport, dport, seq, ack, flags, payload=b"", opts=b""):
    off = (20 + len(opts)) // 4
    return struct.pack(">HHIIBBHHH", sport, dport, seq, ack, off << 4, flags, 65535, 0, 0) + opts + payload


def udp(sport, dport, payload):
    return struct.pack(">HHHH", sport, dport, 8 + len(payload), 0) + payload


def arp(op, tip=OUR):
    return struct.pack(">HHBBH6s4s6s4s", 1, 0x0800, 6, 4, op, PEER_MAC, PEER, b"\x00" * 6, tip)


SYN, ACK, PSH, FIN, RST = 0x02, 0x10, 0x08, 0x01, 0x04
MSS = b"\x02\x04\x05\xb4"
SYN_OPTS = MSS + b"\x01\x03\x03\x07" + b"\x01\x01\x04\x02" + b"\x01\x01\x08\x0a" + b"\x00\x00\x00\x01\x00\x00\x00\x00"

seeds = {
    "arp_request": rec(eth(arp(1), 0x0806, BCAST), 0x00),
    "arp_reply": rec(eth(arp(2), 0x0806)),
    "icmp_echo": rec(eth(ip(1, struct.pack(">BBHHH", 8, 0, 0, 7, 1) + b"x" * 56))),
    "udp_echo": rec(eth(ip(17, udp(40000, 7, b"hello")))),
    "udp_closed": rec(eth(ip(17, udp(40000, 9999, b"?")))),
    "tcp_syn_closed": rec(eth(ip(6, tcp(40000, 80, 1000, 0, SYN, opts=MSS)))),
    "tcp_echo_session": b"".join([
        rec(eth(ip(6, tcp(40001, 7, 1000, 0, SYN, opts=SYN_OPTS)))),
        rec(eth(ip(6, tcp(40001, 7, 1001, 0, ACK))), 0x17),
        rec(eth(ip(6, tcp(40001, 7, 1001, 0, ACK | PSH, b"abcdef")))),
        rec(eth(ip(6, tcp(40001, 7, 1007, 0, ACK | FIN))), 0x27),
    ]),
    "tcp_discard_ooo": b"".join([
        rec(eth(ip(6, tcp(40002, 9, 5000, 0, SYN, opts=MSS)))),
        rec(eth(ip(6, tcp(40002, 9, 5011, 0, ACK | PSH, b"later")))),
        rec(eth(ip(6, tcp(40002, 9, 5001, 0, ACK | PSH, b"0123456789")))),
        rec(eth(ip(6, tcp(40002, 9, 5001, 0, RST))), 0x37),
    ]),
    "ip_fragments": b"".join([
        rec(eth(ip(17, udp(40003, 7, b"A" * 32)[:24], frag=0x2000, ident=9))),
        rec(eth(ip(17, b"B" * 16, frag=0x0003, ident=9))),
    ]),
    "vlan_icmp": rec(b"\x00" * 6 + PEER_MAC + b"\x81\x00\x00\x05\x08\x00" +
                     ip(1, struct.pack(">BBHHH", 8, 0, 0, 7, 2) + b"y" * 8)),
}

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus", "frame")
os.makedirs(out, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
print(f"wrote {len(seeds)} seeds to {out}")
