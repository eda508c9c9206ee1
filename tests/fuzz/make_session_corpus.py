#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the seed corpora of the stateful targets (fuzz_tcp_session,
fuzz_ftp_session, fuzz_http_server) into tests/fuzz/corpus/NAME/.

Each seed is an opcode program as described at the top of the target's
source; the command and argument dictionaries are read from the FTP
target's source, so indices stay right when they change.
usage: tests/fuzz/make_session_corpus.py
"""
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def c_strings(src, name):
    body = re.search(r"%s\[\] = \{(.*?)\n\};" % re.escape(name), src, re.S).group(1)
    out = []
    # adjacent literals (on following lines) form one string
    body = re.sub(r"/\*.*?\*/", "", body)
    toks = re.findall(r'"((?:[^"\\]|\\.)*)"|(,)', body)
    cur = None
    for lit, comma in toks:
        if comma:
            if cur is not None:
                out.append(cur)
            cur = None
        else:
            cur = (cur or "") + lit
    if cur is not None:
        out.append(cur)
    return out


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(bytes(data))


def secs(s):
    return 127 + s  # TIME t >= 128: (t - 127) s


# --- fuzz_ftp_session --------------------------------------------------------
def ftp():
    src = open(os.path.join(HERE, "fuzz_ftp_session.c")).read()
    cmds = c_strings(src, "cmds")
    args = c_strings(src, "args")
    C = lambda c: cmds.index(c)
    A = lambda a: args.index(a)
    CONNECT, CMD, RAW, LOGIN, DOPEN, DSEND, FIN, RST, TIME, QUIET, WND, XFER, SPLIT, VANISH = range(14)
    ALICE, ALICE_BAD, ROOT_BAD, ANON = range(4)

    def cmd(s, c, a=""):
        return [CMD, s, C(c), A(a)]

    def raw(s, text):
        b = text.encode()
        return [RAW, s, len(b)] + list(b)

    seeds = {
        # the bug of issue 11: a wrong password, the client stays, the 530 delay fires
        "wrong_password_stays": [CONNECT, 0, LOGIN, 0, ROOT_BAD, TIME, secs(2), LOGIN, 0, ALICE,
                                 TIME, secs(2)] + cmd(0, "PWD"),
        "anon_retr_pasv": [CONNECT, 0, LOGIN, 0, ANON] + cmd(0, "TYPE", "I") +
                          [XFER, 0, C("RETR"), A("pub/big.bin"), TIME, 50] + cmd(0, "QUIT"),
        "anon_list_epsv": [CONNECT, 1, LOGIN, 0, ANON, XFER, 0, 0x80 | C("LIST"), A("/pub"),
                           TIME, 20, XFER, 0, 0x80 | C("NLST"), A(""), TIME, 20] +
                          cmd(0, "QUIT"),
        "alice_stor": [CONNECT, 0, LOGIN, 0, ALICE, XFER, 0, C("STOR"), A("upload/new.txt"),
                       DSEND, 1, 100, FIN, 1, TIME, 20] + cmd(0, "SIZE", "upload/new.txt") +
                      cmd(0, "DELE", "upload/new.txt") + cmd(0, "QUIT"),
        "stor_over_limit": [CONNECT, 0, LOGIN, 0, ALICE, XFER, 0, C("STOR"), A("upload/new.txt"),
                            DSEND, 1, 255, DSEND, 1, 255, DSEND, 1, 255, FIN, 1, TIME, 20],
        "stor_data_reset": [CONNECT, 0, LOGIN, 0, ALICE, XFER, 0, C("APPE"), A("/upload/old.txt"),
                            DSEND, 1, 50, RST, 1, TIME, 20] + cmd(0, "NOOP"),
        "stor_ctrl_reset": [CONNECT, 0, LOGIN, 0, ALICE, XFER, 0, C("STOR"), A("upload/new.txt"),
                            DSEND, 1, 50, RST, 0, DSEND, 1, 50, TIME, secs(5), DSEND, 1, 50],
        "active_port_list": [CONNECT, 0, LOGIN, 0, ANON] + cmd(0, "PORT", "198,18,0,1,27,88") +
                            cmd(0, "LIST", "-la /pub") + [TIME, 50] +
                            cmd(0, "EPRT", "|1|198.18.0.1|7001|") + cmd(0, "RETR", "hello.txt") +
                            [TIME, 50],
        "rest_abor": [CONNECT, 0, LOGIN, 0, ANON] + cmd(0, "REST", "100") +
                     [XFER, 0, C("RETR"), A("/pub/big.bin"), QUIET, WND, 1, 0, TIME, 100] +
                     cmd(0, "ABOR") + [QUIET, WND, 1, 255, TIME, 100],
        "idle_timeout": [CONNECT, 0, TIME, secs(25)] + cmd(0, "NOOP"),
        "pasv_no_connect": [CONNECT, 0, LOGIN, 0, ANON] + cmd(0, "PASV") +
                           cmd(0, "RETR", "hello.txt") + [TIME, secs(35)],
        "pipelined_split": [CONNECT, 0] + raw(0, "USER anonymous\r\nPASS x@y\r\nSYST\r\nFEAT\r\nPWD\r\n") +
                           [SPLIT, 0, C("CWD"), A("/pub"), 3, SPLIT, 0, C("SIZE"), A("pub/big.bin"), 7] +
                           raw(0, "MDTM big.bin\r\nMLST\r\nSTAT\r\nHELP\r\nQUIT\r\n"),
        "mkd_rnfr": [CONNECT, 0, LOGIN, 0, ALICE] + cmd(0, "MKD", "upload/d") +
                    cmd(0, "CWD", "upload/d") + cmd(0, "CDUP") + cmd(0, "RNFR", "/upload/old.txt") +
                    cmd(0, "RNTO", "upload/d/f") + cmd(0, "RMD", "upload/d") +
                    cmd(0, "DELE", "upload/d/f") + cmd(0, "RMD", "upload/d"),
        "many_failures": [CONNECT, 0, CONNECT, 0, LOGIN, 0, ALICE_BAD, LOGIN, 1, ROOT_BAD,
                          TIME, secs(1), LOGIN, 0, ALICE_BAD, TIME, secs(1), LOGIN, 0, ALICE_BAD,
                          TIME, secs(2), CONNECT, 0, CONNECT, 0, LOGIN, 2, ANON, TIME, secs(2)],
    }
    for n, d in seeds.items():
        write("ftp_session", n, d)


# --- fuzz_tcp_session --------------------------------------------------------
def tcp():
    (OPEN, SEG, DATA, ACK, FIN, RST, WND, SETTLE, DRAIN, TIME, SEND, CLOSE, SHUT, ABORT,
     CONNECT, MANUAL, CONSUME, OPEN2) = range(18)
    SYN, FINF, RSTF, PSH, ACKF = 2, 1, 4, 8, 16
    seeds = {
        "echo_close": [OPEN, 1, SETTLE, DATA, 0, 16, SETTLE, SEND, 0, 4, SETTLE, FIN, 0, SETTLE,
                       CLOSE, 0, SETTLE, TIME, secs(31)],
        "app_close_first": [OPEN, 0, SETTLE, SEND, 0, 100, CLOSE, 0, SETTLE, FIN, 0, SETTLE,
                            TIME, secs(40)],
        "retransmit_giveup": [OPEN, 1, SETTLE, SEND, 0, 50, DRAIN, TIME, secs(1), DRAIN,
                              TIME, secs(3), DRAIN, TIME, secs(8), DRAIN, TIME, secs(8)],
        "zero_window_persist": [OPEN, 1, SETTLE, WND, 0, 0, SEND, 0, 200, DRAIN, TIME, secs(2),
                                DRAIN, TIME, secs(5), WND, 0, 255, SETTLE],
        "keepalive": [OPEN, 0, SETTLE, TIME, secs(25), DRAIN, TIME, secs(6), SETTLE, TIME, secs(30)],
        "active_open": [CONNECT, 1, DRAIN, SEG, 0, SYN | ACKF, 0, 0, 0x10, 0, SETTLE, SEND, 0, 10,
                        SETTLE, SHUT, 0, SETTLE, FIN, 0, SETTLE, TIME, secs(31)],
        "syn_sent_close": [CONNECT, 0, DRAIN, CLOSE, 0, CONNECT, 2, TIME, secs(3)],
        "ooo_and_rst": [OPEN, 1, SETTLE, SEG, 0, ACKF | PSH, 100, 0, 0x00, 20, SEG, 0, ACKF, 50, 0,
                        0x00, 10, DATA, 0, 8, SETTLE, SEG, 0, RSTF, 5, 0, 0x00, 0, SEG, 0, RSTF,
                        0, 0, 0, 0, SETTLE],
        "syn_flood_cookies": [OPEN2, OPEN2, OPEN2, OPEN2, DRAIN, TIME, secs(2), SETTLE, DATA, 3,
                              1, SETTLE],
        "manual_hold": [OPEN, 0, SETTLE, MANUAL, 0, DATA, 0, 255, DATA, 0, 255, DATA, 0, 255,
                        DATA, 0, 255, SETTLE, CONSUME, 0, 100, SETTLE, CLOSE, 0, SETTLE],
        "simultaneous_close": [OPEN, 0, SETTLE, CLOSE, 0, FIN, 0, DRAIN, SETTLE, TIME, 40,
                               SEG, 0, ACKF | FINF, -1 & 0xff, 0, 0, 0, TIME, secs(31)],
    }
    for n, d in seeds.items():
        write("tcp_session", n, d)


# --- fuzz_http_server --------------------------------------------------------
def http():
    src = open(os.path.join(HERE, "fuzz_http_server.c")).read()
    reqs = c_strings(src, "reqs")
    pieces = c_strings(src, "pieces")
    OPEN, REQ, PIECE, BYTES, PUSH, FLUSH, FIN, RST, TIME, QUIET, WND, QUICK = range(12)

    def R(text):
        return reqs.index(text.replace("\r", "\\r").replace("\n", "\\n"))

    def P(text):
        return pieces.index(text.replace("\r", "\\r").replace("\n", "\\n"))

    get = R("GET /hello.txt HTTP/1.1\r\nHost: a\r\n\r\n")
    big = R("GET /big.bin HTTP/1.1\r\nHost: a\r\n\r\n")
    seeds = {
        "keepalive_two": [OPEN, 0, REQ, 0, get, FLUSH, 0, TIME, 10, REQ, 0, R("GET / HTTP/1.1\r\nHost: a\r\n\r\n"),
                          FLUSH, 0, TIME, secs(6)],
        "pipelined_split": [OPEN, 1] + sum(([REQ, 0, k] for k in range(0, 12)), []) +
                           [PUSH, 0, 2, PUSH, 0, 30, TIME, 1, PUSH, 0, 200, PUSH, 0, 0, FLUSH, 0,
                            TIME, 50],
        "pieces_slow": [OPEN, 0, PIECE, 0, P("GET "), PUSH, 0, 255, TIME, 100, PIECE, 0, P("/hello.txt"),
                        PIECE, 0, P(" HTTP/1.1\r\n"), PUSH, 0, 5, TIME, 100, PIECE, 0, P("Host: a\r\n"),
                        PIECE, 0, P("\r\n"), FLUSH, 0, TIME, secs(3)],
        "header_timeout": [OPEN, 0, PIECE, 0, P("GET "), FLUSH, 0, TIME, secs(3)],
        "big_zero_window": [OPEN, 1, REQ, 0, big, FLUSH, 0, QUIET, WND, 0, 0, TIME, secs(2), QUIET,
                            WND, 0, 255, TIME, 50],
        "big_reset_mid": [OPEN, 0, REQ, 0, big, QUIET, FLUSH, 0, RST, 0, QUIET, TIME, secs(1)],
        "chunked_bodies": [QUICK, R("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
                           QUICK, R("GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
                           OPEN, 0, PIECE, 2, P("POST "), PIECE, 2, P("/"), PIECE, 2, P(" HTTP/1.1\r\n"),
                           PIECE, 2, P("Host: a\r\n"), PIECE, 2, P("Transfer-Encoding: chunked\r\n"),
                           PIECE, 2, P("\r\n"), PIECE, 2, P("ffffffffffffffff\r\n"), FLUSH, 2, TIME, 10],
        "errors": sum(([QUICK, k] for k in range(12, len(reqs))), []) + [TIME, secs(6)],
        "fin_after_request": [OPEN, 0, REQ, 0, get, FLUSH, 0, FIN, 0, TIME, 10, OPEN, 0, REQ, 1,
                              R("GET /sub/ HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"), FLUSH, 1, TIME, 10],
    }
    for n, d in seeds.items():
        write("http_server", n, d)


if __name__ == "__main__":
    http()
    ftp()
    tcp()
    sys.exit(0)
