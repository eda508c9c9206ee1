#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""FTP error paths walked the way real clients walk them (issue 11): a
failure, then the client stays connected and tries again.

usage: ftp_errors.py HOST ROOTDIR USER PASSWORD LIMIT CHECK...
ROOTDIR is the server's root on disk (uploads go to ROOTDIR/upload), LIMIT
the server's [ftp] max_upload_bytes. Each CHECK is one of the check_
functions below; the first failure exits 1 with a message. Every socket has
a timeout and every loop a bound: nothing here can hang.
"""
import ftplib
import io
import os
import socket
import struct
import sys
import time

HOST, ROOT, USER, PASSWORD = sys.argv[1:5]
LIMIT = int(sys.argv[5])
TIMEOUT = 30
TEMP_PREFIX = ".lr-part-"  # the server's temporary upload names (lr_ftp_io.h)
UPLOAD = os.path.join(ROOT, "upload")


def fail(msg):
    print("ftp_errors: FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def connect(user=None, password=None, passive=True):
    f = ftplib.FTP()
    f.connect(HOST, 21, timeout=TIMEOUT)
    f.login(user or USER, password or PASSWORD)
    f.set_pasv(passive)
    f.voidcmd("TYPE I")
    return f


def disk(path):
    with open(os.path.join(ROOT, path.lstrip("/")), "rb") as fh:
        return fh.read()


def exists(path):
    return os.path.exists(os.path.join(ROOT, path.lstrip("/")))


def temps():
    """Temporary upload files anywhere below the upload directory."""
    found = []
    for d, _, files in os.walk(UPLOAD):
        found += [os.path.join(d, n) for n in files if n.startswith(TEMP_PREFIX)]
    return found


def no_leftovers(what, path, wait=0.0):
    """Neither @path nor any temporary file is on disk (within @wait s)."""
    deadline = time.time() + wait
    while True:
        left = ([path] if exists(path) else []) + temps()
        if not left:
            return
        if time.time() >= deadline:
            sizes = ["%s (%d bytes)" % (p, os.path.getsize(os.path.join(ROOT, p.lstrip("/"))))
                     for p in left if os.path.exists(os.path.join(ROOT, p.lstrip("/")))]
            fail("%s left on disk: %s" % (what, sizes or left))
        time.sleep(0.05)


def rst_close(s):
    """Close @s with a RST (SO_LINGER 0), as a crashing or killed client does."""
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


def send_all(conn, n, chunk=65536):
    """Send up to @n bytes; return the count sent before the peer refused more."""
    sent = 0
    block = os.urandom(chunk)
    try:
        while sent < n:
            k = min(chunk, n - sent)
            conn.sendall(block[:k])
            sent += k
    except (ConnectionResetError, BrokenPipeError):
        pass
    return sent


def expect_reply(f, code, what):
    try:
        r = f.getresp()
    except ftplib.Error as e:
        r = str(e)
    except socket.timeout:
        fail("%s: no reply" % what)
    if not r.startswith(code):
        fail("%s: expected %s, got %r" % (what, code, r))
    return r


def stor(f, path, payload, cmd="STOR"):
    f.storbinary("%s %s" % (cmd, path), io.BytesIO(payload))


def retr(f, path):
    buf = io.BytesIO()
    f.retrbinary("RETR " + path, buf.write)
    return buf.getvalue()


def check_eof_226():
    """RFC 959 §3.2: the server closes the data connection at the end of a
    transfer and replies 226 once it is done: a client that reads to EOF and
    then waits for the reply, its end of the data connection still open,
    gets 226 at once (passive and active alike; cache and disk)."""
    f = connect()
    stor(f, "upload/seed.bin", os.urandom(200000))
    for passive in (True, False):
        f.set_pasv(passive)
        for cmd in ("RETR small.txt", "RETR big.bin", "LIST", "NLST upload", "RETR upload/seed.bin"):
            conn = f.transfercmd(cmd)
            got = 0
            for _ in range(100000):
                b = conn.recv(65536)
                if not b:
                    break
                got += len(b)
            f.sock.settimeout(3)
            try:
                r = f.getresp()
            except socket.timeout:
                fail("%s (passive=%s): no reply 3 s after EOF (%d bytes read)" % (cmd, passive, got))
            except ftplib.Error as e:
                fail("%s (passive=%s): %s after all %d bytes arrived" % (cmd, passive, e, got))
            finally:
                f.sock.settimeout(TIMEOUT)
            conn.close()
            if not r.startswith("226"):
                fail("%s: %r" % (cmd, r))
    f.quit()


def check_overlimit_stor():
    """552 past max_upload_bytes leaves nothing on disk (never more than the
    limit, and not a partial file); a valid STOR right after works."""
    f = connect()
    conn = f.transfercmd("STOR upload/over.bin")
    send_all(conn, LIMIT + 400000)
    conn.close()
    expect_reply(f, "552", "STOR over the limit")
    if exists("upload/over.bin") and len(disk("upload/over.bin")) > LIMIT:
        fail("STOR over the limit left %d bytes > %d" % (len(disk("upload/over.bin")), LIMIT))
    no_leftovers("STOR over the limit", "upload/over.bin")
    # Exactly the limit is allowed.
    payload = os.urandom(LIMIT)
    stor(f, "upload/over.bin", payload)
    if disk("upload/over.bin") != payload:
        fail("STOR of exactly the limit differs")
    # Over the limit onto an existing file: the old one stays intact.
    conn = f.transfercmd("STOR upload/over.bin")
    send_all(conn, LIMIT + 100000)
    conn.close()
    expect_reply(f, "552", "STOR over the limit onto an existing file")
    if disk("upload/over.bin") != payload:
        fail("failed STOR damaged the existing file")
    f.delete("upload/over.bin")
    small = os.urandom(100000)
    stor(f, "upload/after552.bin", small)
    if disk("upload/after552.bin") != small:
        fail("STOR after a 552 differs")
    f.delete("upload/after552.bin")
    f.quit()


def check_overlimit_appe():
    """APPE past the limit: 552 and the original file intact; then a valid
    APPE on the same connection appends."""
    f = connect()
    orig = os.urandom(600000)
    stor(f, "upload/app.bin", orig)
    conn = f.transfercmd("APPE upload/app.bin")
    send_all(conn, 600000)
    conn.close()
    expect_reply(f, "552", "APPE over the limit")
    got = disk("upload/app.bin")
    if got != orig:
        fail("APPE over the limit changed the file: %d bytes, was %d" % (len(got), len(orig)))
    no_leftovers("APPE over the limit", "upload/none")
    tail = os.urandom(1000)
    stor(f, "upload/app.bin", tail, cmd="APPE")
    if disk("upload/app.bin") != orig + tail:
        fail("APPE after a 552 differs")
    # APPE to a new name creates it.
    stor(f, "upload/app-new.bin", tail, cmd="APPE")
    if disk("upload/app-new.bin") != tail:
        fail("APPE of a new file differs")
    f.delete("upload/app.bin")
    f.delete("upload/app-new.bin")
    f.quit()


def check_data_reset():
    """A client that resets the data connection mid-upload gets 426 and
    leaves nothing (an existing file stays as it was); it retries and the
    retry works."""
    f = connect()
    conn = f.transfercmd("STOR upload/reset.bin")
    send_all(conn, 500000)
    time.sleep(0.2)
    rst_close(conn)
    expect_reply(f, "426", "data connection reset")
    no_leftovers("reset upload", "upload/reset.bin")
    keep = os.urandom(50000)
    stor(f, "upload/keep.bin", keep)
    for cmd in ("STOR", "APPE"):
        conn = f.transfercmd("%s upload/keep.bin" % cmd)
        send_all(conn, 300000)
        time.sleep(0.2)
        rst_close(conn)
        expect_reply(f, "426", "%s: data connection reset" % cmd)
        if disk("upload/keep.bin") != keep:
            fail("%s reset damaged the existing file" % cmd)
    if temps():
        fail("temporary files after resets: %r" % temps())
    payload = os.urandom(300000)
    stor(f, "upload/reset.bin", payload)
    if disk("upload/reset.bin") != payload:
        fail("STOR after a reset differs")
    f.delete("upload/reset.bin")
    f.delete("upload/keep.bin")
    f.quit()


def check_ctrl_reset():
    """The control connection reset mid-upload: the orphaned data connection
    is aborted (the client's sends fail) and nothing is left on disk."""
    for passive in (True, False):
        f = connect(passive=passive)
        conn = f.transfercmd("STOR upload/orphan.bin")
        send_all(conn, 300000)
        time.sleep(0.2)
        # ftplib's reply file holds the socket open: close it too, or no RST.
        f.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        f.file.close()
        f.sock.close()
        f.sock = f.file = None
        conn.settimeout(5)
        deadline = time.time() + 5
        refused = False
        block = os.urandom(1000)  # slow: stays far below the limit (no 552)
        while time.time() < deadline:
            try:
                conn.sendall(block)
            except (ConnectionResetError, BrokenPipeError, socket.timeout):
                refused = True
                break
            time.sleep(0.01)
        conn.close()
        if not refused:
            fail("data connection (passive=%s) still accepts 5 s after the control reset" % passive)
        no_leftovers("upload of a reset control connection", "upload/orphan.bin", wait=3)
    # The server is fine: a new session uploads.
    f = connect()
    stor(f, "upload/orphan.bin", b"ok")
    if disk("upload/orphan.bin") != b"ok":
        fail("STOR after a control reset")
    f.delete("upload/orphan.bin")
    f.quit()


def check_abort_then_list():
    """ABOR during a STOR (426 then 226) leaves nothing; LIST and RETR work
    right after; a failed RETR (550) then a valid one."""
    f = connect()
    conn = f.transfercmd("STOR upload/aborted.bin")
    send_all(conn, 200000)
    f.putcmd("ABOR")
    first, second = f.getline(), f.getline()
    conn.close()
    if not (first.startswith("426") and second.startswith("226")):
        fail("ABOR replies %r %r" % (first, second))
    no_leftovers("aborted STOR", "upload/aborted.bin", wait=2)
    lines = []
    f.retrlines("LIST", lines.append)
    if not any(l.endswith("small.txt") for l in lines):
        fail("LIST after ABOR: %r" % lines)
    try:
        f.sendcmd("RETR no-such-file")
        fail("RETR of a missing file accepted")
    except ftplib.error_perm as e:
        if not str(e).startswith("550"):
            fail("RETR missing: %s" % e)
    if retr(f, "small.txt") != disk("small.txt"):
        fail("RETR after a 550 differs")
    f.quit()


def check_stou():
    """STOU (RFC 959 §4.1.3, RFC 1123 §4.1.2.9) is atomic too: a unique name
    next to an existing one, which stays untouched; a reset leaves nothing."""
    f = connect()
    first = os.urandom(1000)
    stor(f, "upload/u.bin", first)
    second = os.urandom(200000)
    stor(f, "upload/u.bin", second, cmd="STOU")
    if disk("upload/u.bin") != first:
        fail("STOU replaced the existing file")
    if not exists("upload/u.bin.1") or disk("upload/u.bin.1") != second:
        fail("STOU did not store under a new name: %r" % sorted(os.listdir(UPLOAD)))
    conn = f.transfercmd("STOU upload/u.bin")
    send_all(conn, 300000)
    time.sleep(0.2)
    rst_close(conn)
    expect_reply(f, "426", "STOU: data connection reset")
    no_leftovers("reset STOU", "upload/u.bin.2")
    f.delete("upload/u.bin")
    f.delete("upload/u.bin.1")
    f.quit()


def check_temp_hidden():
    """Temporary upload names are not served: not listed, not retrievable,
    not accepted as a client's file name."""
    name = TEMP_PREFIX + "planted"
    with open(os.path.join(UPLOAD, name), "wb") as fh:
        fh.write(b"secret partial upload")
    f = connect()
    if any(name in n for n in f.nlst("upload")):
        fail("NLST shows %s" % name)
    lines = []
    f.retrlines("LIST upload", lines.append)
    if any(name in l for l in lines):
        fail("LIST shows %s" % name)
    for cmd in ("RETR upload/" + name, "SIZE upload/" + name, "DELE upload/" + name,
                "RNFR upload/" + name, "MDTM upload/" + name):
        try:
            r = f.sendcmd(cmd)
            fail("%s accepted: %s" % (cmd, r))
        except ftplib.error_perm as e:
            if not str(e).startswith("550"):
                fail("%s: %s" % (cmd, e))
    for cmd in ("STOR", "APPE"):
        try:
            stor(f, "upload/" + TEMP_PREFIX + "mine", b"x", cmd=cmd)
            fail("%s to a temporary name accepted" % cmd)
        except ftplib.error_perm as e:
            if not str(e).startswith("553"):
                fail("%s to a temporary name: %s" % (cmd, e))
    stor(f, "upload/x.bin", b"x")
    for cmd in ("RNFR upload/x.bin", "MKD upload/" + TEMP_PREFIX + "d"):
        try:
            r = f.sendcmd(cmd)
            if cmd.startswith("RNFR"):
                f.sendcmd("RNTO upload/" + TEMP_PREFIX + "r")
                fail("RNTO to a temporary name accepted")
            fail("%s accepted: %s" % (cmd, r))
        except ftplib.error_perm as e:
            if not str(e).startswith("55"):
                fail("%s: %s" % (cmd, e))
    f.delete("upload/x.bin")
    os.unlink(os.path.join(UPLOAD, name))
    f.quit()


def check_cwd_root():
    """At the root, ".." is the root (RFC 959 CDUP, Unix "/.."): CWD ..,
    CWD /.. and CDUP all answer 250 and stay at /; a path that climbs above
    the root and then names something is refused."""
    f = connect()
    for cmd in ("CWD ..", "CWD /..", "CDUP", "CWD ../..", "CWD /../"):
        r = f.sendcmd(cmd)
        if not r.startswith("250"):
            fail("%s at /: %r" % (cmd, r))
        if f.pwd() != "/":
            fail("%s: pwd %s" % (cmd, f.pwd()))
    f.cwd("sub")
    r = f.sendcmd("CWD ../..")
    if not r.startswith("250") or f.pwd() != "/":
        fail("CWD ../.. from /sub: %r, pwd %s" % (r, f.pwd()))
    for cmd in ("CWD /../sub", "CWD ../sub", "CWD ../../etc"):
        try:
            r = f.sendcmd(cmd)
            fail("%s accepted: %r" % (cmd, r))
        except ftplib.error_perm as e:
            if not str(e).startswith("550"):
                fail("%s: %s" % (cmd, e))
        if f.pwd() != "/":
            fail("%s changed pwd to %s" % (cmd, f.pwd()))
    f.quit()


def check_size_ascii():
    """RFC 3659 §4: SIZE in TYPE A is the size as transferred (LF -> CRLF);
    it matches the bytes an ASCII RETR really sends."""
    f = connect()
    # Files of the upload directory are counted by the I/O thread.
    with open(os.path.join(ROOT, "crlf.txt"), "rb") as fh:
        stor(f, "upload/crlf-up.txt", fh.read() * 5000)
    stor(f, "upload/big-up.bin", disk("big.bin")[:1000000])
    for name in ("small.txt", "crlf.txt", "big.bin", "upload/crlf-up.txt", "upload/big-up.bin"):
        f.voidcmd("TYPE A")
        r = f.sendcmd("SIZE " + name)
        conn = f.transfercmd("RETR " + name)
        data = b""
        for _ in range(100000):
            b = conn.recv(65536)
            if not b:
                break
            data += b
        conn.close()
        f.voidresp()
        if r != "213 %d" % len(data):
            fail("SIZE %s in ASCII mode: %r, RETR sent %d bytes" % (name, r, len(data)))
        f.voidcmd("TYPE I")
        if f.size(name) != len(disk(name)):
            fail("SIZE %s in binary mode" % name)
    for name in ("nope.txt", "sub", "upload/nope"):
        f.voidcmd("TYPE A")
        try:
            fail("SIZE %s in ASCII mode: %s" % (name, f.sendcmd("SIZE " + name)))
        except ftplib.error_perm as e:
            if not str(e).startswith("550"):
                fail("SIZE %s: %s" % (name, e))
    f.delete("upload/crlf-up.txt")
    f.delete("upload/big-up.bin")
    f.quit()


def check_stop_upload():
    """Start an upload and keep it open (the shell stops the appliance
    meanwhile): writes FLAG once data is flowing, then sends slowly."""
    flag = sys.argv[-1]
    f = connect()
    conn = f.transfercmd("STOR upload/stopped.bin")
    send_all(conn, 300000)
    open(flag, "w").close()
    deadline = time.time() + 20
    try:
        while time.time() < deadline:
            conn.sendall(b"x" * 1000)
            time.sleep(0.05)
    except OSError:
        pass


def check_stall():
    """Run with [ftp] idle_timeout = 2s (ftp_stall.sh): a transfer whose data
    connection moves no byte for idle_timeout is aborted with 426 (a client
    gone with its RST lost held the session, both connections and the file
    for good); nothing is left on disk and the session goes on."""
    f = connect()
    conn = f.transfercmd("STOR upload/stall.bin")
    send_all(conn, 100000)
    t0 = time.time()
    expect_reply(f, "426", "stalled upload")
    took = time.time() - t0
    if took < 1.5 or took > 10:
        fail("stalled upload aborted after %.1f s (idle_timeout 2 s)" % took)
    no_leftovers("stalled upload", "upload/stall.bin", wait=2)
    conn.close()
    payload = os.urandom(200000)
    stor(f, "upload/after-stall.bin", payload)
    if disk("upload/after-stall.bin") != payload:
        fail("STOR after a stalled one differs")
    f.delete("upload/after-stall.bin")
    # A download the client never reads: the windows fill, nothing moves.
    conn = f.transfercmd("RETR huge.bin")
    t0 = time.time()
    expect_reply(f, "426", "stalled download")
    took = time.time() - t0
    if took < 1.5 or took > 10:
        fail("stalled download aborted after %.1f s (idle_timeout 2 s)" % took)
    conn.close()
    if retr(f, "small.txt") != disk("small.txt"):
        fail("RETR after a stalled download")
    f.quit()


socket.setdefaulttimeout(TIMEOUT)
for name in sys.argv[6:]:
    if name.startswith("/"):
        continue  # an argument of the check before
    globals()["check_" + name]()
    print("ftp_errors: %s ok" % name)
