#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Seed corpus of fuzz_l4_client (see the opcode table at its top).

usage: tests/fuzz/make_l4_client_corpus.py  (writes tests/fuzz/corpus/l4_client/)
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "l4_client")

# tcp opcodes
ANSWER, CORRUPT, BYTES, PUSH, FLUSH, FIN, RST, TIME, QUIET, SPLIT = range(10)
# udp opcodes
U_ANSWER, U_DUP, U_DROP, U_CORRUPT, U_WRONGSRC, U_SIZE, U_RAW, U_TIME, U_STALE, U_ALL = range(10)


def cfg(udp=False, payload=0, response=0, conns=0, interval=0, rate=0, timeout=0, long=0, rpc=0):
    b0 = (1 if udp else 0) | payload << 1 | response << 3
    b1 = conns | interval << 2 | rate << 4 | timeout << 5
    b2 = long | rpc << 1
    return bytes([b0, b1, b2])


def seeds():
    # tcp keep-alive, answered in time, then the run ends
    yield "tcp_keepalive", cfg(payload=2, conns=2) + bytes(
        [TIME, 5, ANSWER, 0, ANSWER, 1] * 6 + [TIME, 150])
    # tcp, a connection per request, large answers cut in small segments
    yield "tcp_cps", cfg(payload=3, response=3, conns=3, rpc=2) + bytes(
        [TIME, 5, ANSWER, 0, SPLIT, 0, 7, FIN, 0, TIME, 20, ANSWER, 1, TIME, 30] * 3)
    # tcp: a corrupt answer, raw bytes, a reset and a FIN inside an answer
    yield "tcp_bad", cfg(payload=1, response=2, rpc=3) + bytes(
        [TIME, 3, CORRUPT, 0, 9, TIME, 3, ANSWER, 0, BYTES, 0, 3, 0x4c, 0x34, 1, FLUSH, 0,
         TIME, 3, PUSH, 0, 5, FIN, 0, TIME, 50, RST, 0, TIME, 210])
    # tcp with interval pauses and a quiet peer (timeouts)
    yield "tcp_interval", cfg(payload=2, interval=2, conns=2) + bytes(
        [TIME, 5, ANSWER, 0, TIME, 10, ANSWER, 0, QUIET, 0, TIME, 215, QUIET, 0, TIME, 220])
    # udp closed loop: every request answered
    yield "udp_closed", cfg(udp=True, payload=2, conns=3) + bytes(
        [U_ALL, 0, U_TIME, 1] * 20 + [U_TIME, 220])
    # udp open loop by interval: loss after udp_timeout, late answers
    yield "udp_interval", cfg(udp=True, payload=1, response=1, conns=3, interval=2) + bytes(
        [U_TIME, 5, U_ALL, 0, U_TIME, 10, U_ANSWER, 0, U_DROP, 1, U_TIME, 102, U_ALL, 0,
         U_TIME, 30, U_ALL, 0])
    # udp: every kind of bad answer
    yield "udp_bad", cfg(udp=True, payload=3, response=2, conns=2, timeout=1) + bytes(
        [U_TIME, 5, U_ALL, 0, U_TIME, 2, U_CORRUPT, 0, 3, U_WRONGSRC, 0, U_SIZE, 0, 1,
         U_STALE, 0, U_DUP, 0, U_ANSWER, 0, U_ANSWER, 0, U_RAW, 5, 1, 2, 3, 4, 5,
         U_TIME, 2, U_ALL, 0, U_TIME, 205])
    # udp open loop at request_rate with the peer silent (warm-up gives up)
    yield "udp_silent", cfg(udp=True, rate=1) + bytes([U_TIME, 199, U_TIME, 201, U_TIME, 205])


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, data in seeds():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
