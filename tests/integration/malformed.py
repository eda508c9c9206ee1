#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Send malformed frames to linerate from the kernel side of the tap.
# usage: malformed.py IFACE DST_MAC DST_IP SRC_IP
# Prints one line "reason count" per kind sent, for the caller to check.
import sys

from scapy.all import ARP, ICMP, IP, Ether, Raw, conf, sendp

conf.verb = 0
iface, mac, dst, src = sys.argv[1:5]
eth = Ether(dst=mac)
echo = ICMP(type=8, id=0x4c52, seq=1) / Raw(b"linerate-malformed")
frames = []  # (expected drop reason, frame bytes, how many times)


def add(reason, frame, count):
    frames.append((reason, bytes(frame), count))


# Ethernet header with the IPv4 type and nothing after it.
add("ip_truncated", Ether(dst=mac, type=0x0800), 1)
# IPv4 ethertype, version 6 (checksum correct for what was sent).
add("ip_bad_version", eth / IP(src=src, dst=dst, version=6) / echo, 2)
# IHL 4 (< 5 words).
add("ip_bad_ihl", eth / IP(src=src, dst=dst, ihl=4) / echo, 3)
# Total length larger than the frame.
add("ip_bad_total_length", eth / IP(src=src, dst=dst, len=400) / echo, 4)
# Header checksum wrong.
add("ip_bad_checksum", eth / IP(src=src, dst=dst, chksum=0x1234) / echo, 5)
# ARP cut after 10 bytes, and ARP with hardware type 6 (IEEE 802) asking for us.
arp_ok = ARP(op=1, hwsrc="02:00:00:00:00:01", psrc=src, pdst=dst)
add("arp_malformed", Ether(dst="ff:ff:ff:ff:ff:ff", type=0x0806) / Raw(bytes(arp_ok)[:10]), 6)
add("arp_malformed", Ether(dst="ff:ff:ff:ff:ff:ff") / ARP(hwtype=6, op=1, psrc=src, pdst=dst), 7)
# An ethertype nobody here speaks (local experimental 0x88b5).
add("eth_unknown_type", Ether(dst=mac, type=0x88B5) / Raw(b"\x00" * 46), 8)
# ICMP echo request with a wrong checksum.
add("icmp_bad_checksum", eth / IP(src=src, dst=dst) / ICMP(type=8, chksum=0x1234) / Raw(b"x" * 32), 9)

totals = {}
for reason, frame, count in frames:
    for _ in range(count):
        sendp(frame, iface=iface)
    totals[reason] = totals.get(reason, 0) + count
for reason, count in totals.items():
    print(reason, count)
