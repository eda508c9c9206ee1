#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""FTP checks with python ftplib against a linerate FTP server.

usage: ftp_check.py HOST ROOTDIR USER PASSWORD CHECK...
ROOTDIR is the server's root on disk (to compare bytes). Each CHECK is one of
the functions below; the first failure exits 1 with a message.
Every socket has a timeout: nothing here can hang.
"""
import ftplib
import hashlib
import io
import os
import socket
import sys
import threading

HOST, ROOT, USER, PASSWORD = sys.argv[1:5]
TIMEOUT = int(os.environ.get("FTP_CHECK_TIMEOUT", "30"))


def fail(msg):
    print("ftp_check: FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def connect(user="anonymous", password="guest@", passive=True):
    f = ftplib.FTP()
    f.connect(HOST, 21, timeout=TIMEOUT)
    f.login(user, password)
    f.set_pasv(passive)
    return f


def sha(b):
    return hashlib.sha256(b).hexdigest()


def disk(path):
    with open(os.path.join(ROOT, path.lstrip("/")), "rb") as fh:
        return fh.read()


def retr(f, path, rest=None):
    buf = io.BytesIO()
    f.retrbinary("RETR " + path, buf.write, rest=rest)
    return buf.getvalue()


def check_basics():
    f = connect()
    if not f.getwelcome().startswith("220"):
        fail("welcome " + f.getwelcome())
    if f.sendcmd("SYST") != "215 UNIX Type: L8":
        fail("SYST")
    feat = f.sendcmd("FEAT")
    for x in ("EPSV", "MDTM", "SIZE", "REST STREAM", "MLST", "UTF8"):
        if x not in feat:
            fail("FEAT lacks " + x)
    if f.pwd() != "/":
        fail("pwd " + f.pwd())
    f.cwd("sub")
    if f.pwd() != "/sub":
        fail("pwd after cwd " + f.pwd())
    f.cwd("..")
    f.voidcmd("TYPE I")
    if f.size("small.txt") != len(disk("small.txt")):
        fail("SIZE")
    mdtm = f.sendcmd("MDTM small.txt")
    if not mdtm.startswith("213 ") or len(mdtm) != 18:
        fail("MDTM " + mdtm)
    f.quit()


def check_listing():
    for passive in (True, False):
        f = connect(passive=passive)
        lines = []
        f.retrlines("LIST", lines.append)
        names = sorted(l.split()[-1] for l in lines)
        want = sorted(e for e in os.listdir(ROOT))
        if names != want:
            fail("LIST (passive=%s) %r != %r" % (passive, names, want))
        if not all(l[0] in "-d" and len(l.split()) >= 9 for l in lines):
            fail("LIST format %r" % lines)
        nl = sorted(f.nlst())
        if nl != want:
            fail("NLST %r" % nl)
        facts = {n: fx for n, fx in f.mlsd()}
        if facts.get("small.txt", {}).get("type") != "file" or \
                int(facts["small.txt"]["size"]) != len(disk("small.txt")):
            fail("MLSD %r" % facts)
        f.quit()


def check_retr():
    for passive in (True, False):
        f = connect(passive=passive)
        for name in ("small.txt", "big.bin"):
            got = retr(f, name)
            if sha(got) != sha(disk(name)):
                fail("RETR %s (passive=%s): %d bytes, sha differs" % (name, passive, len(got)))
        f.quit()


def check_ascii():
    f = connect()
    lines = []
    f.retrlines("RETR small.txt", lines.append)
    if "\n".join(lines) + "\n" != disk("small.txt").decode():
        fail("ASCII RETR lines differ")
    # Raw ASCII stream: every LF is preceded by CR.
    f.voidcmd("TYPE A")
    conn = f.transfercmd("RETR small.txt")
    data = b""
    while True:
        b = conn.recv(65536)
        if not b:
            break
        data += b
    conn.close()
    f.voidresp()
    if data != disk("small.txt").replace(b"\n", b"\r\n"):
        fail("ASCII RETR bytes are not LF->CRLF converted")
    if not f.sendcmd("TYPE A").startswith("200"):
        fail("TYPE A")
    # RFC 3659 §4: SIZE in ASCII mode is the size as transferred.
    if f.sendcmd("SIZE small.txt") != "213 %d" % len(data):
        fail("SIZE in ASCII mode is not the converted size")
    f.quit()


def check_rest():
    f = connect()
    whole = disk("big.bin")
    off = 12345677
    got = retr(f, "big.bin", rest=off)
    if got != whole[off:]:
        fail("REST %d: got %d bytes" % (off, len(got)))
    f.quit()


def check_stor():
    f = connect(USER, PASSWORD)
    payload = os.urandom(3 * 1024 * 1024 + 17)
    f.storbinary("STOR upload/up.bin", io.BytesIO(payload))
    if disk("upload/up.bin") != payload:
        fail("STOR bytes on disk differ")
    f.voidcmd("TYPE I")
    if f.size("upload/up.bin") != len(payload):
        fail("SIZE of upload")
    if retr(f, "upload/up.bin") != payload:
        fail("re-download of upload differs")
    # REST + STOR resumes; APPE appends.
    f.storbinary("STOR upload/up.bin", io.BytesIO(payload[1000:]), rest=1000)
    if disk("upload/up.bin") != payload:
        fail("REST+STOR resume differs")
    f.storbinary("APPE upload/up.bin", io.BytesIO(b"tail"))
    if disk("upload/up.bin") != payload + b"tail":
        fail("APPE differs")
    names = f.nlst("upload")
    if not any(n.endswith("up.bin") for n in names):
        fail("upload listing %r" % names)
    f.mkd("upload/newdir")
    f.rename("upload/up.bin", "upload/newdir/moved.bin")
    if disk("upload/newdir/moved.bin") != payload + b"tail":
        fail("rename")
    f.delete("upload/newdir/moved.bin")
    f.rmd("upload/newdir")
    if os.path.exists(os.path.join(ROOT, "upload/newdir")):
        fail("RMD")
    # Outside the upload directory: refused.
    try:
        f.storbinary("STOR evil.txt", io.BytesIO(b"x"))
        fail("STOR outside upload_dir accepted")
    except ftplib.error_perm as e:
        if not str(e).startswith("553"):
            fail("STOR outside: " + str(e))
    f.quit()


def check_refusals():
    f = connect()
    try:
        f.storbinary("STOR upload/anon.txt", io.BytesIO(b"x"))
        fail("anonymous STOR accepted")
    except ftplib.error_perm as e:
        if not str(e).startswith("550"):
            fail("anonymous STOR: " + str(e))
    for cmd in ("CWD ../../etc", "CWD /../etc", "RETR ../../../etc/passwd", "SIZE ../../x"):
        try:
            f.sendcmd(cmd)
            fail(cmd + " accepted")
        except ftplib.error_perm as e:
            if not str(e).startswith("550"):
                fail(cmd + ": " + str(e))
    # Bounce (RFC 2577): PORT to another host or to a privileged port.
    for cmd in ("PORT 198,18,0,99,200,1", "PORT 198,18,0,1,0,25", "EPRT |1|198.18.0.77|6000|"):
        try:
            f.sendcmd(cmd)
            fail(cmd + " accepted")
        except ftplib.error_perm as e:
            if not str(e).startswith("500"):
                fail(cmd + ": " + str(e))
    f.quit()
    g = ftplib.FTP()
    g.connect(HOST, 21, timeout=TIMEOUT)
    try:
        g.login(USER, "wrong password")
        fail("bad password accepted")
    except ftplib.error_perm as e:
        if not str(e).startswith("530"):
            fail("bad password: " + str(e))
    g.close()


def check_concurrent():
    errors = []

    def one(i):
        try:
            f = connect()
            for _ in range(3):
                if sha(retr(f, "small.txt")) != sha(disk("small.txt")):
                    errors.append("session %d: bytes differ" % i)
            f.quit()
        except Exception as e:  # noqa: BLE001 - report any failure
            errors.append("session %d: %r" % (i, e))

    ts = [threading.Thread(target=one, args=(i,)) for i in range(8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(120)
    if errors:
        fail("; ".join(errors))


def check_abort():
    """ABOR during a RETR (RFC 959 §4.1.3): 426 for the transfer, then 226;
    the session stays usable."""
    f = connect()
    f.voidcmd("TYPE I")
    conn = f.transfercmd("RETR big.bin")
    if len(conn.recv(65536)) == 0:
        fail("no data before ABOR")
    f.putcmd("ABOR")
    first = f.getline()
    second = f.getline()
    conn.close()
    if not (first.startswith("426") and second.startswith("226")):
        fail("ABOR replies %r %r" % (first, second))
    if not f.sendcmd("NOOP").startswith("200"):
        fail("NOOP after ABOR")
    if sha(retr(f, "small.txt")) != sha(disk("small.txt")):
        fail("RETR after ABOR")
    f.quit()


def check_big():
    f = connect()
    if sha(retr(f, "big.bin")) != sha(disk("big.bin")):
        fail("big.bin differs")
    f.quit()


def check_upload():
    f = connect(USER, PASSWORD)
    payload = os.urandom(4 * 1024 * 1024 + 3)
    f.storbinary("STOR upload/faults.bin", io.BytesIO(payload))
    if sha(disk("upload/faults.bin")) != sha(payload):
        fail("STOR under faults: bytes on disk differ")
    if sha(retr(f, "upload/faults.bin")) != sha(payload):
        fail("re-download under faults differs")
    f.quit()


socket.setdefaulttimeout(TIMEOUT)
for name in sys.argv[5:]:
    globals()["check_" + name]()
    print("ftp_check: %s ok" % name)
