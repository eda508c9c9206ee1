#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the seed corpora of fuzz_l4_proto and fuzz_l4_server into
tests/fuzz/corpus/l4_proto/ and tests/fuzz/corpus/l4_server/.

fuzz_l4_proto: byte 0 = k, k cut lengths (each byte + 1), then a request
stream of the L4 test protocol (lib/proto/lr_l4_proto.h), as described at
the top of fuzz_l4_proto.c. The payload pattern is computed as in
lib/proto/lr_l4_proto.c, so valid requests count no corrupt bytes.
fuzz_l4_server: opcode programs as described at the top of fuzz_l4_server.c
(request k is row k of its dictionary).
usage: tests/fuzz/make_l4_corpus.py
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "l4_proto")
OUT_SERVER = os.path.join(HERE, "corpus", "l4_server")
M64 = (1 << 64) - 1


def pattern_at(i):
    i %= 65536
    x = (i * 0x9E3779B97F4A7C15 + 0x4C34) & M64
    x ^= x >> 30
    x = (x * 0xBF58476D1CE4E5B9) & M64
    x ^= x >> 27
    x = (x * 0x94D049BB133111EB) & M64
    return x >> 56


def req(seq, req_len, resp_len, flags=0, magic=b"L4", version=1, length=None):
    """A request; `length` bytes of it (default req_len)."""
    hdr = struct.pack("!2sBBIII", magic, version, flags, seq, req_len, resp_len)
    n = req_len if length is None else length
    body = bytes(pattern_at(i) for i in range(16, max(n, 16)))
    return (hdr + body)[:n]


def seed(stream, cuts=()):
    assert len(cuts) < 256 and all(1 <= c <= 256 for c in cuts)
    return bytes([len(cuts)] + [c - 1 for c in cuts]) + stream


def corrupt(b, *offs):
    b = bytearray(b)
    for o in offs:
        b[o] ^= 0xA5
    return bytes(b)


SEEDS = {
    "one_whole": seed(req(1, 64, 100)),
    "header_only": seed(req(1, 16, 0)),
    "split_in_header": seed(req(1, 40, 16), [3, 5, 8, 24]),
    "split_at_header": seed(req(1, 40, 16), [16, 24]),
    "pipelined": seed(req(1, 20, 5) + req(2, 16, 0) + req(3, 100, 1 << 20) + req(4, 33, 7, 1)),
    "pipelined_split": seed(req(1, 20, 5) + req(2, 16, 0) + req(3, 100, 9), [1, 19, 2, 30, 100]),
    "last_flag": seed(req(9, 50, 3000, flags=1)),
    "corrupt_payload": seed(corrupt(req(1, 200, 10), 16, 100, 199), [100, 100]),
    "partial_request": seed(req(1, 300, 10, length=120), [7]),
    "bad_magic": seed(req(1, 16, 0) + req(2, 20, 1, magic=b"HT")),
    "bad_version": seed(req(1, 20, 0, version=2), [4]),
    "req_len_short": seed(req(1, 15, 0, length=16)),
    "req_len_huge": seed(req(1, (64 << 20) + 1, 0, length=16)),
    "resp_len_huge": seed(req(1, 16, (64 << 20) + 1)),
    "max_lengths": seed(req(1, 64 << 20, 64 << 20, length=200), [50]),
    "http_text": seed(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
}


# fuzz_l4_server opcodes and dictionary rows (see its source)
OPEN, REQ, BYTES, PUSH, FLUSH, FIN, RST, TIME, QUIET, WND, UDP = range(11)
R_EMPTY, R_HDR, R_SMALL, R_PARTHDR, R_3000, R_ONE, R_LAST, R_BIGREQ, R_20000 = range(9)


def secs(n):
    return 127 + n  # TIME t >= 128: (t - 127) s


SERVER_SEEDS = {
    "one_request": [OPEN, 0, REQ, 0, R_SMALL, FLUSH, 0, TIME, 10],
    "pipelined_split": [OPEN, 1] + sum(([REQ, 0, k] for k in range(12)), []) +
                       [PUSH, 0, 2, PUSH, 0, 30, TIME, 1, PUSH, 0, 200, FLUSH, 0, TIME, 50],
    "backpressure": [OPEN, 0, REQ, 0, R_20000, REQ, 0, R_3000, QUIET, FLUSH, 0, WND, 0, 0,
                     TIME, secs(2), QUIET, WND, 0, 255, TIME, 50],
    "bad_then_good": [OPEN, 0, BYTES, 0, 16] + list(b"GET / HTTP/1.1\r\n") +
                     [FLUSH, 0, OPEN, 0, REQ, 1, R_SMALL, FLUSH, 1, TIME, 10],
    "last_and_fin": [OPEN, 0, REQ, 0, R_LAST, REQ, 0, R_SMALL, FLUSH, 0, TIME, 10, OPEN, 0,
                     REQ, 1, R_3000, FLUSH, 1, FIN, 1, TIME, 10],
    "reset_mid_answer": [OPEN, 0, REQ, 0, R_20000, QUIET, FLUSH, 0, RST, 0, QUIET, TIME, secs(1)],
    "corrupt_bytes": [OPEN, 0, REQ, 0, R_BIGREQ, BYTES, 0, 3, 1, 2, 3, FLUSH, 0, TIME, 10],
    "udp_mix": [UDP, R_EMPTY, 0, UDP, R_3000, 0, UDP, R_20000, 0, UDP, R_SMALL, 1, ord("X"),
                UDP, 11, 0, UDP, R_SMALL, 20] + [0] * 20,
    "many_conns": sum(([OPEN, 1, REQ, i, R_3000, FLUSH, i] for i in range(6)), []) + [TIME, 20],
}


def write_all(out, seeds):
    os.makedirs(out, exist_ok=True)
    for name, data in sorted(seeds.items()):
        with open(os.path.join(out, name), "wb") as f:
            f.write(bytes(data))
    print("wrote %d seeds to %s" % (len(seeds), out))


def main():
    write_all(OUT, SEEDS)
    write_all(OUT_SERVER, SERVER_SEEDS)


if __name__ == "__main__":
    main()
