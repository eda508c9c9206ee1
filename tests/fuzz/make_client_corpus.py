#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the seed corpus of fuzz_http_client into tests/fuzz/corpus/http_client/.

Each seed is a 4-byte configuration and an opcode program as described at
the top of fuzz_http_client.c; the template, response and piece
dictionaries are read from that source, so indices stay right when they
change.
usage: tests/fuzz/make_client_corpus.py
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_session_corpus import HERE, c_strings, write  # noqa: E402

RESP, PIECE, BYTES, PUSH, FLUSH, FIN, RST, TIME, QUIET, ANSWER, SPLIT, WND = range(12)
SMART = 128  # ANSWER k >= 128: the fitting response (HEAD, close)


def ms(n):
    return n  # TIME t < 100: t ms


def ms50(n):
    return 99 + n  # TIME 100..199: (t - 99) * 50 ms


def secs(n):
    return 199 + n  # TIME t >= 200: (t - 199) s


def conf(depth=1, tpl_first=0, nb_tpl=1, think=0, rate=0, conns=0, rpc=0, long_run=False,
         close=False):
    """think 0..3: 0, 0, 20 ms, 700 ms; rate 0..3: 0, 0, 50/s, 3000/s;
    conns 0..3: 1, 1, 2, 3; rpc 0..3: 0, 0, 1, 3."""
    return [depth - 1, (nb_tpl - 1) | (tpl_first << 2), think | (rate << 2) | (conns << 4) | (rpc << 6),
            (1 if long_run else 0) | (2 if close else 0)]


def main():
    src = open(os.path.join(HERE, "fuzz_http_client.c")).read()
    tpls = c_strings(src, "tpls")
    resps = c_strings(src, "resps")
    pieces = c_strings(src, "pieces")
    T = lambda t: tpls.index(t)
    R = lambda r: resps.index(r.replace("\r", "\\r").replace("\n", "\\n"))
    P = lambda p: pieces.index(p.replace("\r", "\\r").replace("\n", "\\n"))
    ok5 = R("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
    chunked = R("HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
    eof_body = R("HTTP/1.0 200 OK\r\n\r\nclose-delimited body")
    cont = R("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx")
    extra = R("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nabcdEXTRA")
    seeds = {
        "keepalive": conf() + [ANSWER, 0, SMART, TIME, ms(5), ANSWER, 0, SMART, TIME, ms(5),
                               ANSWER, 0, SMART + 1],
        "pipeline8_split": conf(depth=8, nb_tpl=2) + [ANSWER, 0, SMART, SPLIT, 0, 0, TIME, ms(3),
                                                      ANSWER, 0, 0, SPLIT, 0, 6, TIME, ms(20)],
        "head_and_close": conf(depth=3, tpl_first=T("HEAD /h"), nb_tpl=4) +
                          [ANSWER, 0, SMART, TIME, ms(10), ANSWER, 0, SMART, TIME, secs(1), ANSWER, 0, SMART],
        "think_time": conf(depth=2, think=2) + [ANSWER, 0, SMART, TIME, ms(10), TIME, ms(15),
                                                ANSWER, 0, SMART, TIME, ms(25), ANSWER, 0, SMART],
        "think_long": conf(think=3, nb_tpl=2, tpl_first=T("POST /p | body body.bin")) +
                      [ANSWER, 0, SMART, TIME, ms50(10), TIME, ms50(5), ANSWER, 0, SMART, TIME, secs(1)],
        "open_loop": conf(depth=2, rate=2, conns=2) + [TIME, ms(30), ANSWER, 0, SMART, ANSWER, 1, SMART,
                                                       TIME, ms50(1), ANSWER, 0, SMART, ANSWER, 1, SMART,
                                                       TIME, ms50(4), ANSWER, 0, SMART, ANSWER, 1, SMART],
        "open_loop_fast": conf(depth=4, rate=3, conns=3, nb_tpl=3) +
                          sum(([TIME, ms(2), ANSWER, i % 3, SMART] for i in range(24)), []),
        "cps": conf(rpc=2) + [ANSWER, 0, SMART, FIN, 0, TIME, ms(5), ANSWER, 0, SMART, FIN, 0, TIME, ms(5),
                              ANSWER, 0, SMART, FIN, 0],
        "rpc3_close": conf(depth=2, rpc=3, close=True) + [ANSWER, 0, SMART, TIME, ms(5), ANSWER, 0, SMART],
        "eof_body": conf() + [RESP, 0, eof_body, FLUSH, 0, FIN, 0, TIME, ms(10)],
        "interim": conf(depth=2) + [RESP, 0, cont, PUSH, 0, 10, PUSH, 0, 30, FLUSH, 0,
                                    RESP, 0, chunked, SPLIT, 0, 2],
        "pieces": conf() + [PIECE, 0, P("HTTP/1.1 "), PIECE, 0, P("200 OK\r\n"), PUSH, 0, 4, TIME, ms(1),
                            PIECE, 0, P("Transfer-Encoding: chunked\r\n"), PIECE, 0, P("\r\n"),
                            PIECE, 0, P("3\r\nabc\r\n"), PIECE, 0, P("0\r\n\r\n"), SPLIT, 0, 0],
        "timeout": conf(depth=3) + [RESP, 0, ok5, PUSH, 0, 20, TIME, secs(11), ANSWER, 0, SMART],
        "excess": conf(depth=2) + [RESP, 0, extra, FLUSH, 0, TIME, ms(1), RESP, 0, extra, FLUSH, 0],
        "malformed": conf(depth=2, nb_tpl=2) + [RESP, 0, R("HTTP/2 200\r\n\r\n"), FLUSH, 0, TIME, ms(5),
                                                BYTES, 0, 4, 0x48, 0x54, 0x00, 0xff, FLUSH, 0, TIME, ms(5),
                                                ANSWER, 0, 0, TIME, ms(5), ANSWER, 0, 12],
        "reset_quiet": conf(depth=4, conns=3) + [QUIET, ANSWER, 1, SMART, RST, 0, QUIET, TIME, ms50(3),
                                                 WND, 0, 0, ANSWER, 0, SMART, TIME, secs(2), WND, 0, 255],
        "drain": conf(depth=2, think=2) + [ANSWER, 0, SMART, TIME, secs(3), ANSWER, 0, SMART, TIME, ms(10)],
    }
    for n, d in seeds.items():
        write("http_client", n, d)


if __name__ == "__main__":
    main()
    sys.exit(0)
