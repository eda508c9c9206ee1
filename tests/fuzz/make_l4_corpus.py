#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the seed corpus of fuzz_l4_proto into tests/fuzz/corpus/l4_proto/.

Each seed is byte 0 = k, k cut lengths (each byte + 1), then a request
stream of the L4 test protocol (lib/proto/lr_l4_proto.h), as described at
the top of fuzz_l4_proto.c. The payload pattern is computed as in
lib/proto/lr_l4_proto.c, so valid requests count no corrupt bytes.
usage: tests/fuzz/make_l4_corpus.py
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "l4_proto")
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


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, data in sorted(SEEDS.items()):
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
    print("wrote %d seeds to %s" % (len(SEEDS), OUT))


if __name__ == "__main__":
    main()
