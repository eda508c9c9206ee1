#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""FTPS (RFC 4217, explicit) against linerate with Python's ftplib.FTP_TLS
and raw sockets: ftps_check.py ADDR ROOT USER PASS CASE.

Cases:
  transfers   PROT P: RETR 20 MB byte-exact over PASV and PORT, LIST, STOR
              byte-exact on disk and re-download; PROT C on the same
              session (plaintext data, TLS control); CCC refused.
  inject      "AUTH TLS\\r\\nUSER x\\r\\n" in one segment: the 234, then the
              TLS handshake succeeds and the pipelined USER was never run
              (PASS answers 503, not 230); the session goes on (USER/PASS).
  badhs       AUTH TLS then garbage instead of a ClientHello: the control
              connection is closed; the next client logs in over TLS.
  midway      a client that goes away mid-transfer (PROT P RETR, socket
              closed after 1 MB) and one that stalls its handshake, then a
              full download on a new session.
  require     [ftp] tls = require: USER before AUTH is refused (530) and the
              client can still AUTH and log in; a transfer with PROT C is
              refused; PROT P works.
"""
import ftplib
import hashlib
import io
import os
import socket
import ssl
import sys
import time

ADDR, ROOT, USER, PASS, CASE = sys.argv[1:6]
TIMEOUT = 60


def ctx():
    c = ssl.create_default_context()
    c.check_hostname = False
    c.verify_mode = ssl.CERT_NONE  # the server's certificate is self-signed
    return c


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def sha_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for b in iter(lambda: f.read(1 << 20), b""):
            h.update(b)
    return h.hexdigest()


def session(user=USER, pw=PASS, prot=True):
    f = ftplib.FTP_TLS(context=ctx(), timeout=TIMEOUT)
    f.connect(ADDR, 21)
    f.auth()
    f.login(user, pw)
    if prot:
        f.prot_p()
    return f


def retr_sha(f, name):
    h = hashlib.sha256()
    f.retrbinary("RETR " + name, h.update, blocksize=65536)
    return h.hexdigest()


def case_transfers():
    want = sha_file(os.path.join(ROOT, "big.bin"))
    f = session()
    if not f.sock.version():
        fail("control connection is not TLS")
    for pasv in (True, False):
        f.set_pasv(pasv)
        got = retr_sha(f, "big.bin")
        if got != want:
            fail("PROT P RETR big.bin (%s) differs" % ("PASV" if pasv else "PORT"))
    f.set_pasv(True)
    names = f.nlst()
    if "big.bin" not in names:
        fail("PROT P NLST misses big.bin: %r" % names)
    lines = []
    f.retrlines("LIST", lines.append)
    if not any("small.txt" in l for l in lines):
        fail("PROT P LIST misses small.txt")
    data = os.urandom(3 * 1024 * 1024 + 17)
    for pasv in (True, False):
        f.set_pasv(pasv)
        name = "up-%s.bin" % ("pasv" if pasv else "port")
        f.storbinary("STOR upload/" + name, io.BytesIO(data))
        with open(os.path.join(ROOT, "upload", name), "rb") as d:
            if d.read() != data:
                fail("PROT P STOR %s: bytes on disk differ" % name)
        if retr_sha(f, "upload/" + name) != hashlib.sha256(data).hexdigest():
            fail("PROT P RETR of %s differs" % name)
    # PROT C on the same (TLS) control connection: plaintext data.
    f.prot_c()
    f.set_pasv(True)
    if retr_sha(f, "big.bin") != want:
        fail("PROT C RETR big.bin differs")
    try:
        f.voidcmd("CCC")
        fail("CCC accepted")
    except ftplib.error_perm as e:
        if not str(e).startswith("5"):
            fail("CCC: unexpected reply %s" % e)
    # The session goes on after the refusal.
    f.prot_p()
    if retr_sha(f, "small.txt") != sha_file(os.path.join(ROOT, "small.txt")):
        fail("RETR after CCC refused differs")
    f.quit()


def read_reply(s):
    buf = b""
    while not buf.endswith(b"\r\n"):
        b = s.recv(4096)
        if not b:
            fail("connection closed while waiting for a reply (got %r)" % buf)
        buf += b
    return buf.decode()


def raw_auth(s):
    r = read_reply(s)
    if not r.startswith("220"):
        fail("greeting: %r" % r)


def case_inject():
    s = socket.create_connection((ADDR, 21), timeout=TIMEOUT)
    raw_auth(s)
    # The STARTTLS injection: a command pipelined behind AUTH in plaintext.
    s.sendall(b"AUTH TLS\r\nUSER " + USER.encode() + b"\r\n")
    r = read_reply(s)
    if not r.startswith("234"):
        fail("AUTH TLS: %r" % r)
    t = ctx().wrap_socket(s)  # the handshake must work: the USER was discarded
    t.sendall(b"PASS " + PASS.encode() + b"\r\n")
    r = read_reply(t)
    if not r.startswith("503"):
        fail("the pipelined plaintext USER was run: PASS answered %r" % r)
    # The client goes on, now over TLS.
    t.sendall(b"USER " + USER.encode() + b"\r\n")
    r = read_reply(t)
    if not r.startswith("331"):
        fail("USER over TLS: %r" % r)
    t.sendall(b"PASS " + PASS.encode() + b"\r\n")
    r = read_reply(t)
    if not r.startswith("230"):
        fail("PASS over TLS: %r" % r)
    t.sendall(b"QUIT\r\n")
    read_reply(t)
    t.close()


def case_badhs():
    s = socket.create_connection((ADDR, 21), timeout=TIMEOUT)
    raw_auth(s)
    s.sendall(b"AUTH TLS\r\n")
    if not read_reply(s).startswith("234"):
        fail("AUTH TLS refused")
    s.sendall(b"\x16\x03\x01\x00\x05garbage-not-a-client-hello\r\n" * 4)
    s.settimeout(20)
    try:
        while True:
            b = s.recv(4096)
            if not b:
                break
    except ConnectionResetError:
        pass
    except socket.timeout:
        fail("connection still open 20 s after a garbage handshake")
    s.close()
    f = session()
    f.retrbinary("RETR small.txt", lambda b: None)
    f.quit()


def case_midway():
    # Goes away in the middle of a protected download.
    f = session()
    f.voidcmd("TYPE I")
    conn = f.transfercmd("RETR big.bin")
    got = 0
    while got < 1 << 20:
        b = conn.recv(65536)
        if not b:
            fail("data connection ended early")
        got += len(b)
    conn.close()
    f.sock.close()
    # Stalls after AUTH: never sends a ClientHello (the handshake timer ends it).
    s = socket.create_connection((ADDR, 21), timeout=TIMEOUT)
    raw_auth(s)
    s.sendall(b"AUTH TLS\r\n")
    read_reply(s)
    s.settimeout(15)  # [tls] handshake_timeout is 3 s in ftps.sh
    try:
        while s.recv(4096):
            pass
    except ConnectionResetError:
        pass
    except socket.timeout:
        fail("a stalled handshake after AUTH TLS was not ended by the handshake timeout")
    # A new client gets everything.
    want = sha_file(os.path.join(ROOT, "big.bin"))
    f = session()
    if retr_sha(f, "big.bin") != want:
        fail("RETR after a client went away differs")
    f.quit()
    s.close()


def case_require():
    s = socket.create_connection((ADDR, 21), timeout=TIMEOUT)
    raw_auth(s)
    s.sendall(b"USER " + USER.encode() + b"\r\n")
    r = read_reply(s)
    if not r.startswith("530"):
        fail("tls=require: USER before AUTH answered %r" % r)
    s.close()
    f = ftplib.FTP_TLS(context=ctx(), timeout=TIMEOUT)
    f.connect(ADDR, 21)
    try:
        f.sendcmd("USER " + USER)
        fail("tls=require: plaintext USER accepted")
    except ftplib.error_perm:
        pass
    f.auth()
    f.login(USER, PASS)
    try:
        f.prot_c()  # may itself be refused under require; the default is Clear anyway
    except ftplib.error_perm:
        pass
    try:
        f.retrbinary("RETR small.txt", lambda b: None)
        fail("tls=require: a transfer with PROT C went through")
    except ftplib.error_perm:
        pass
    f.prot_p()
    if retr_sha(f, "small.txt") != sha_file(os.path.join(ROOT, "small.txt")):
        fail("tls=require: PROT P RETR differs")
    f.quit()


def case_pool():
    # [tls] max_sessions = 2 (ftps.sh): two logged-in TLS control
    # connections take the whole session pool, so the second client's PROT P
    # data connection is refused (reset, counted tls_start_failed). That
    # client stays connected: once the first one has gone, it connects to the
    # same PASV port again and the listing comes over TLS; then PROT C works.
    a = session()
    a.pwd()
    b = session()
    host, port = ftplib.parse227(b.sendcmd("PASV"))
    b.putcmd("NLST")
    # The refusal is a reset: during the TCP handshake or right after it,
    # depending on when the server's accept runs.
    try:
        d = socket.create_connection((ADDR, port), timeout=TIMEOUT)
        d.settimeout(10)
        if d.recv(1) != b"":
            fail("pool: a plaintext byte on a PROT P data connection without a TLS session")
        d.close()
    except (ConnectionResetError, ConnectionRefusedError):
        pass
    except socket.timeout:
        fail("pool: the data connection was neither refused nor served")
    a.quit()
    d = None
    for _ in range(50):  # the first client's TLS session is freed when TCP ends
        time.sleep(0.1)
        try:
            raw = socket.create_connection((ADDR, port), timeout=TIMEOUT)
            d = ctx().wrap_socket(raw, server_hostname=None)
            break
        except (ConnectionResetError, ssl.SSLError, OSError):
            d = None
    if d is None:
        fail("pool: no TLS data connection once a session was free")
    resp = b.getresp()
    if not resp.startswith("150"):
        fail("pool: NLST answered " + resp)
    listing = b""
    while True:
        chunk = d.recv(65536)
        if not chunk:
            break
        listing += chunk
    d.close()
    resp = b.getresp()
    if not resp.startswith("226"):
        fail("pool: NLST ended with " + resp)
    if b"small.txt" not in listing:
        fail("pool: small.txt not in the listing: %r" % listing)
    b.prot_c()
    if "small.txt" not in b.nlst():
        fail("pool: PROT C listing after the refusal")
    b.quit()


def main():
    cases = {
        "transfers": case_transfers,
        "inject": case_inject,
        "badhs": case_badhs,
        "midway": case_midway,
        "require": case_require,
        "pool": case_pool,
    }
    if CASE not in cases:
        fail("unknown case " + CASE)
    cases[CASE]()
    print("ok " + CASE)


if __name__ == "__main__":
    main()
