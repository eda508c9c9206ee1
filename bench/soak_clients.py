#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Mixed traffic and adversarial clients for bench/soak.sh.

usage: soak_clients.py CONFIG.json

Runs inside the soak's network namespace (the kernel side of the tap) until
the deadline in the config, then writes a JSON report of every client's
counts to config["report"] and exits 0. Every loop checks the deadline and
every socket, subprocess and wait has a timeout, so the whole run ends by
itself at most config["grace"] seconds after the deadline.

Clients (one thread each unless said otherwise):
  http_curl      curl GETs of every file in turn (new connection each), bodies
                 compared with the files on disk; a Range GET and a 404 now and then
  http_keepalive python http.client, 20 GETs per connection, bodies compared
  http_wrk       wrk bursts (-c16, 10 s) every 30 s
  ftp_login      wrong password (530), stays connected 1.5 s (the 530 delay
                 timer fires), retry with the right one, LIST, RETR (compared;
                 half of them read to EOF and await the 226 with the data
                 connection still open), QUIT; every 10th round 12 sessions
                 do it at once
  ftp_curl       curl ftp:// LIST and RETR (compared)
  ftp_stor       STOR of a unique file (on disk afterwards: compared), every
                 4th an upload over max_upload_bytes (must get 552)
  ftp_abort_data STOR whose data connection is reset mid-transfer
  ftp_abort_ctrl STOR whose control connection is reset mid-transfer (the data
                 connection keeps sending for a second, then is reset too)
  tftp           tftp-hpa, atftp (blksize + windowsize) and curl tftp:// RRQs
                 in turn (compared)
  udp_echo       datagrams of 1..3000 bytes (past the MTU: fragmented both
                 ways), replies compared
  slowloris      up to 40 connections sending a request head one byte every
                 2 s; the server must close them (408 after header_timeout)
  idle           up to 300 HTTP connections idle after one request, 30 FTP
                 sessions idle after login, 50 TCP connections to port 21 that
                 never speak; reopened when the server closes them
  synflood       every 60 s: a scapy burst of SYNs from random sources in
                 198.18.0.0/15 (never .0.1/.0.2) to ports 80 and 21, and an
                 hping3 burst from the peer address (its kernel resets the
                 SYN-ACKs), both bounded in count and rate

The report says, per client, how many operations succeeded ("ok"), failed
with a reason (timeouts under the fault layer are expected; "mismatch" is a
wrong byte and always a failure), and the uploads the server confirmed
with 226 ("stored": name -> sha256) so soak.sh can check the upload
directory holds exactly those.
"""
import ftplib
import hashlib
import http.client
import io
import json
import os
import random
import re
import socket
import struct
import subprocess
import sys
import threading
import time

CFG = json.load(open(sys.argv[1]))
HOST = CFG["addr"]
ROOT = CFG["root"]
DEADLINE = CFG["deadline"]  # time.time() at which every loop stops
FILES = CFG["files"]  # names under ROOT served by HTTP and FTP
TFTP_FILES = CFG["tftp_files"]  # the small ones (lock-step under loss is slow)
USER, PASSWORD = CFG["user"], CFG["password"]
UPLOAD_LIMIT = CFG["max_upload_bytes"]
OP_TIMEOUT = CFG.get("op_timeout", 30)
HAVE_ATFTP = any(os.access(os.path.join(d, "atftp"), os.X_OK) for d in os.environ.get("PATH", "").split(":"))

lock = threading.Lock()
report = {}
stored = {}  # upload name -> sha256, for every 226 the server sent
wrongbytes = []  # details of every content mismatch
sums = {}


def count(client, what, n=1):
    with lock:
        c = report.setdefault(client, {})
        c[what] = c.get(what, 0) + n


def mismatch(client, detail):
    count(client, "mismatch")
    with lock:
        if len(wrongbytes) < 50:
            wrongbytes.append("%s: %s" % (client, detail))


def left():
    return DEADLINE - time.time()


def running():
    return time.time() < DEADLINE


def nap(s):
    """Sleep s seconds, never past the deadline."""
    time.sleep(max(0.0, min(s, left())))


def file_bytes(name):
    with open(os.path.join(ROOT, name), "rb") as fh:
        return fh.read()


def sha(b):
    return hashlib.sha256(b).hexdigest()


def reason(e):
    if isinstance(e, (socket.timeout, TimeoutError)):
        return "timeout"
    if isinstance(e, ConnectionResetError):
        return "reset"
    if isinstance(e, ConnectionRefusedError):
        return "refused"
    if isinstance(e, ftplib.error_perm):
        return "ftp_" + str(e)[:3]
    if isinstance(e, ftplib.error_temp):
        return "ftp_" + str(e)[:3]
    if isinstance(e, (EOFError, BrokenPipeError, http.client.RemoteDisconnected)):
        return "closed"
    return type(e).__name__


def run(cmd, timeout):
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=timeout)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired:
        return "timeout", b"", b""


# --- HTTP --------------------------------------------------------------------

def http_curl():
    i = 0
    while running():
        name = FILES[i % len(FILES)]
        i += 1
        rc, out, _ = run(["curl", "-s", "-f", "--max-time", str(OP_TIMEOUT),
                          "http://%s/%s" % (HOST, name)], OP_TIMEOUT + 5)
        if rc != 0:
            count("http_curl", "fail_rc_%s" % rc)
        elif sha(out) != sums[name]:
            mismatch("http_curl", "%s: %d bytes" % (name, len(out)))
        else:
            count("http_curl", "ok")
        if i % 5 == 0:  # a range (206)
            rc, out, _ = run(["curl", "-s", "-f", "-r", "1000-40999", "--max-time", str(OP_TIMEOUT),
                              "http://%s/64k.bin" % HOST], OP_TIMEOUT + 5)
            if rc != 0:
                count("http_curl", "fail_range_rc_%s" % rc)
            elif out != file_bytes("64k.bin")[1000:41000]:
                mismatch("http_curl", "range of 64k.bin: %d bytes" % len(out))
            else:
                count("http_curl", "ok_range")
        if i % 7 == 0:  # a 404 too
            rc, out, _ = run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                              "--max-time", str(OP_TIMEOUT), "http://%s/no-such-file" % HOST],
                             OP_TIMEOUT + 5)
            count("http_curl", "ok_404" if out == b"404" else "fail_404_%s" % out.decode()[:3])


def http_keepalive(tag):
    rnd = random.Random(tag)
    while running():
        conn = http.client.HTTPConnection(HOST, 80, timeout=OP_TIMEOUT)
        try:
            for _ in range(20):
                if not running():
                    break
                name = rnd.choice(FILES)
                conn.request("GET", "/" + name)
                r = conn.getresponse()
                body = r.read()
                if r.status != 200:
                    count("http_keepalive", "status_%d" % r.status)
                elif sha(body) != sums[name]:
                    mismatch("http_keepalive", "%s: %d bytes" % (name, len(body)))
                else:
                    count("http_keepalive", "ok")
        except Exception as e:  # noqa: BLE001 (every failure is counted by kind)
            count("http_keepalive", "fail_" + reason(e))
        finally:
            conn.close()


def http_wrk():
    while running():
        d = int(min(10, left()))
        if d < 2:
            break
        rc, out, err = run(["wrk", "-t1", "-c16", "-d%ds" % d, "--timeout", "5s",
                            "http://%s/%s" % (HOST, FILES[0])], d + 30)
        text = out.decode(errors="replace")
        m = re.search(r"(\d+) requests in", text)
        if rc != 0 or m is None:
            count("http_wrk", "fail_rc_%s" % rc)
        else:
            count("http_wrk", "runs")
            count("http_wrk", "requests", int(m.group(1)))
            m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
            if m:
                count("http_wrk", "non_2xx", int(m.group(1)))
            m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
            if m:
                count("http_wrk", "socket_errors", sum(int(x) for x in m.groups()))
        nap(20)


# --- FTP ---------------------------------------------------------------------

def ftp_connect(timeout=OP_TIMEOUT):
    f = ftplib.FTP()
    f.connect(HOST, 21, timeout=timeout)
    return f


def ftp_login_once(client):
    f = ftp_connect()
    try:
        try:
            f.login(USER, "wrong-" + PASSWORD)
            count(client, "fail_wrong_password_accepted")
            return
        except ftplib.error_perm as e:
            if not str(e).startswith("530"):
                count(client, "fail_login_reply_" + str(e)[:3])
                return
        # Stay connected past the 530 delay (the timer that crashed the
        # appliance fired about a second after the reply), then retry.
        time.sleep(1.5)
        f.login(USER, PASSWORD)
        lines = []
        f.retrlines("LIST", lines.append)
        name = random.choice(FILES)
        if random.random() < 0.5:
            buf = io.BytesIO()
            f.retrbinary("RETR " + name, buf.write)
            got = buf.getvalue()
        else:
            got = retr_hold(f, name, client)
            if got is None:
                return
        if sha(got) != sums[name]:
            mismatch(client, "RETR %s: %d bytes" % (name, len(got)))
            return
        f.quit()
        count(client, "ok")
    finally:
        f.close()


def retr_hold(f, name, client):
    """RETR read to EOF, then the reply awaited with the data connection
    still open (RFC 959 §3.3 allows either side to close it): all bytes
    arrived, so the reply must be 226, not 426."""
    f.voidcmd("TYPE I")
    host, port = ftplib.parse227(f.sendcmd("PASV"))
    d = socket.create_connection((host, port), timeout=OP_TIMEOUT)
    try:
        f.putcmd("RETR " + name)
        resp = f.getresp()
        if not resp.startswith("1"):
            count(client, "fail_retr_" + resp[:3])
            return None
        parts = []
        while True:
            b = d.recv(65536)
            if not b:
                break
            parts.append(b)
        got = b"".join(parts)
        # 15 s covers a few retransmissions of the reply under the faults
        f.sock.settimeout(15)
        try:
            resp = f.getresp()
        except ftplib.Error as e:
            resp = str(e)
        except (socket.timeout, TimeoutError):
            resp = "none"
        if resp.startswith("226"):
            count(client, "retr_hold_226")
        elif sha(got) == sums[name]:
            # every byte arrived, yet no 226 (426, or no reply in 15 s)
            count(client, "retr_%s_after_eof" % ("noreply" if resp == "none" else resp[:3]))
            return None
        else:
            count(client, "fail_retr_hold_" + resp[:3])
            return None
        return got
    finally:
        d.close()


def ftp_login():
    rounds = 0
    while running():
        rounds += 1
        try:
            if rounds % 10 == 0:
                ts = [threading.Thread(target=guarded, args=("ftp_login_burst", ftp_login_once,
                                                              "ftp_login_burst"))
                      for _ in range(12)]
                for t in ts:
                    t.start()
                for t in ts:
                    t.join(OP_TIMEOUT * 4)
            else:
                ftp_login_once("ftp_login")
        except Exception as e:  # noqa: BLE001
            count("ftp_login", "fail_" + reason(e))


def guarded(client, fn, *args):
    try:
        fn(*args)
    except Exception as e:  # noqa: BLE001
        count(client, "fail_" + reason(e))


def ftp_curl():
    i = 0
    while running():
        i += 1
        if i % 3 == 0:
            rc, out, _ = run(["curl", "-s", "--max-time", str(OP_TIMEOUT), "--user",
                              "%s:%s" % (USER, PASSWORD), "ftp://%s/" % HOST], OP_TIMEOUT + 5)
            ok = rc == 0 and all(n.encode() in out for n in FILES)
            count("ftp_curl", "ok_list" if ok else "fail_list_rc_%s" % rc)
            continue
        name = FILES[i % len(FILES)]
        rc, out, _ = run(["curl", "-s", "--max-time", str(OP_TIMEOUT),
                          "ftp://anonymous:x@%s/%s" % (HOST, name)], OP_TIMEOUT + 5)
        if rc != 0:
            count("ftp_curl", "fail_rc_%s" % rc)
        elif sha(out) != sums[name]:
            mismatch("ftp_curl", "%s: %d bytes" % (name, len(out)))
        else:
            count("ftp_curl", "ok")


def ftp_stor():
    rnd = random.Random(5)
    n = 0
    while running():
        n += 1
        over = n % 4 == 0
        size = UPLOAD_LIMIT + 300000 if over else rnd.randrange(1, 400000)
        data = rnd.randbytes(size)
        name = "%s-%d-%d.bin" % ("over-limit" if over else "stor", os.getpid(), n)
        try:
            f = ftp_connect()
            try:
                f.login(USER, PASSWORD)
                try:
                    f.storbinary("STOR upload/" + name, io.BytesIO(data))
                except ftplib.error_perm as e:
                    if over and str(e).startswith("552"):
                        count("ftp_stor", "ok_552")
                    else:
                        count("ftp_stor", "fail_" + reason(e))
                    continue
                except (ConnectionResetError, BrokenPipeError) as e:
                    # Over the limit the server may close the data connection
                    # while we are still sending; the 552 comes on control.
                    if not over:
                        count("ftp_stor", "fail_" + reason(e))
                        continue
                    try:
                        resp = f.getresp()
                    except ftplib.Error as e2:
                        resp = str(e2)
                    count("ftp_stor", "ok_552" if resp.startswith("552") else "fail_over_limit_" + resp[:3])
                    continue
                if over:
                    count("ftp_stor", "fail_over_limit_accepted")
                    with lock:
                        stored["upload/" + name] = sha(data)
                    continue
                with lock:
                    stored["upload/" + name] = sha(data)
                count("ftp_stor", "ok")
                count("ftp_stor", "bytes", size)
                f.quit()
            finally:
                f.close()
        except Exception as e:  # noqa: BLE001
            count("ftp_stor", "fail_" + reason(e))


def pasv_stor(f, name):
    """Open a passive STOR by hand; returns the data socket (upload started)."""
    f.voidcmd("TYPE I")
    host, port = ftplib.parse227(f.sendcmd("PASV"))
    d = socket.create_connection((host, port), timeout=OP_TIMEOUT)
    f.putcmd("STOR " + name)
    resp = f.getresp()
    if not resp.startswith("1"):
        d.close()
        raise ftplib.error_reply(resp)
    return d


def rst_close(s):
    """Close with RST (SO_LINGER 0): the abrupt end of a dying client."""
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    s.close()


def ftp_abort_data():
    n = 0
    while running():
        n += 1
        try:
            f = ftp_connect()
            try:
                f.login(USER, PASSWORD)
                d = pasv_stor(f, "upload/abort-data-%d-%d.bin" % (os.getpid(), n))
                chunk = os.urandom(16384)
                for _ in range(random.randrange(1, 12)):
                    d.sendall(chunk)
                time.sleep(0.2)
                rst_close(d)
                try:
                    resp = f.getresp()
                    count("ftp_abort_data", "reply_" + resp[:3])
                except ftplib.Error as e:
                    count("ftp_abort_data", "reply_" + str(e)[:3])
                f.quit()
                count("ftp_abort_data", "ok")
            finally:
                f.close()
        except Exception as e:  # noqa: BLE001
            count("ftp_abort_data", "fail_" + reason(e))
        nap(0.5)


def ftp_abort_ctrl():
    n = 0
    while running():
        n += 1
        try:
            f = ftp_connect()
            d = None
            try:
                f.login(USER, PASSWORD)
                d = pasv_stor(f, "upload/abort-ctrl-%d-%d.bin" % (os.getpid(), n))
                chunk = os.urandom(16384)
                for _ in range(random.randrange(1, 8)):
                    d.sendall(chunk)
                # Control connection reset mid-upload. ftplib's reply file
                # holds the socket open: without closing it too, no RST goes
                # out until the session is torn down at the end.
                f.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                f.file.close()
                f.sock.close()
                f.sock = f.file = None
                end = time.time() + 1.0
                d.settimeout(2)
                try:
                    while time.time() < end:  # the orphan keeps sending
                        d.send(chunk)
                        time.sleep(0.05)
                    count("ftp_abort_ctrl", "orphan_still_accepting")
                except OSError:
                    count("ftp_abort_ctrl", "orphan_closed_by_server")
                count("ftp_abort_ctrl", "ok")
            finally:
                if d is not None:
                    rst_close(d)
                f.close()
        except Exception as e:  # noqa: BLE001
            count("ftp_abort_ctrl", "fail_" + reason(e))
        nap(0.5)


# --- TFTP, UDP ---------------------------------------------------------------

def tftp(tmp):
    i = 0
    out = os.path.join(tmp, "tftp.out")
    while running():
        i += 1
        name = TFTP_FILES[i % len(TFTP_FILES)]
        try:
            os.unlink(out)
        except FileNotFoundError:
            pass
        if i % 3 == 1:
            rc, _, _ = run(["tftp", "-m", "binary", HOST, "-c", "get", name, out], OP_TIMEOUT * 2)
            who = "tftp_hpa"
        elif i % 3 == 2 and HAVE_ATFTP:
            # blksize (RFC 2348) and windowsize (RFC 7440): several blocks
            # per ACK. atftp can stall on a lost extra ACK (its own limit):
            # counted, not required.
            rc, _, _ = run(["atftp", "--option", "blksize 1428", "--option", "windowsize 8",
                            "-g", "-r", name, "-l", out, HOST], OP_TIMEOUT * 2)
            who = "tftp_atftp"
        else:
            rc, _, _ = run(["curl", "-s", "--max-time", str(OP_TIMEOUT * 2), "-o", out,
                            "tftp://%s/%s" % (HOST, name)], OP_TIMEOUT * 2 + 5)
            who = "tftp_curl"
        try:
            got = open(out, "rb").read()
        except FileNotFoundError:
            got = None
        if rc != 0 or got is None:
            count(who, "fail_rc_%s" % rc)
        elif sha(got) != sums[name]:
            # tftp-hpa leaves a partial file on a timeout, with rc 0 only
            # when complete; a wrong complete file is a mismatch.
            mismatch(who, "%s: %d bytes" % (name, len(got)))
        else:
            count(who, "ok")


def udp_echo():
    rnd = random.Random(9)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(1.0)
    s.connect((HOST, 7))
    seq = 0
    while running():
        seq += 1
        # every datagram starts with its sequence number: a late or
        # duplicated reply is told apart from a wrong one
        size = rnd.choice((8, 64, 512, 1472, 1473, 3000))
        msg = struct.pack("!I", seq) + rnd.randbytes(size - 4)
        try:
            s.send(msg)
            end = time.time() + 1.0
            while True:
                got = s.recv(65536)
                if got == msg:
                    count("udp_echo", "ok")
                    break
                if len(got) >= 4 and got[:4] != msg[:4]:
                    count("udp_echo", "stale")  # a late or duplicated reply
                else:
                    mismatch("udp_echo", "%d bytes sent, %d back" % (size, len(got)))
                    break
                if time.time() > end:
                    raise socket.timeout()
        except OSError as e:
            count("udp_echo", "lost_" + reason(e))
        time.sleep(0.02)
    s.close()


# --- adversarial -------------------------------------------------------------

def slowloris():
    head = b"GET /%s HTTP/1.1\r\nHost: soak\r\nX-Slow: " % FILES[0].encode() + b"a" * 200
    conns = []  # [socket, bytes sent, opened at]
    while running():
        while len(conns) < 40 and running():
            try:
                s = socket.create_connection((HOST, 80), timeout=5)
                s.setblocking(False)
                conns.append([s, 0, time.time()])
                count("slowloris", "opened")
            except OSError as e:
                count("slowloris", "connect_" + reason(e))
                break
        for c in list(conns):
            s = c[0]
            try:
                data = s.recv(4096)
                if data == b"" or data:
                    if data.startswith(b"HTTP/1.1 408"):
                        count("slowloris", "closed_408")
                    elif data:
                        count("slowloris", "closed_" + data[9:12].decode(errors="replace"))
                    else:
                        count("slowloris", "closed_silent")
                    conns.remove(c)
                    s.close()
                    continue
            except BlockingIOError:
                pass
            except OSError as e:
                count("slowloris", "closed_" + reason(e))
                conns.remove(c)
                s.close()
                continue
            if time.time() - c[2] > 60:  # bounded: the server should have closed by now
                count("slowloris", "not_closed_after_60s")
                conns.remove(c)
                s.close()
                continue
            if c[1] < len(head):
                try:
                    s.send(head[c[1]:c[1] + 1])
                    c[1] += 1
                except OSError:
                    pass
        nap(2)
    for c in conns:
        c[0].close()


def idle():
    http_idle, ftp_idle, raw_idle = [], [], []

    def alive(s):
        try:
            s.setblocking(False)
            d = s.recv(4096)
            return False if d == b"" else True
        except BlockingIOError:
            return True
        except OSError:
            return False

    while running():
        for lst, want, kind in ((http_idle, 300, "http"), (ftp_idle, 30, "ftp"), (raw_idle, 50, "raw")):
            for s in list(lst):
                if not alive(s):
                    lst.remove(s)
                    s.close()
                    count("idle", "closed_by_server_" + kind)
            while len(lst) < want and running():
                try:
                    if kind == "http":
                        s = socket.create_connection((HOST, 80), timeout=10)
                        s.sendall(b"GET /%s HTTP/1.1\r\nHost: soak\r\n\r\n" % FILES[0].encode())
                        s.recv(1)  # the response began; the rest stays unread for a while
                    elif kind == "ftp":
                        f = ftp_connect(10)
                        f.login(USER, PASSWORD)
                        s = f.sock
                        f.sock = None  # the socket lives on in the list
                    else:
                        s = socket.create_connection((HOST, 21), timeout=10)
                    lst.append(s)
                    count("idle", "opened_" + kind)
                except Exception as e:  # noqa: BLE001
                    count("idle", "fail_%s_%s" % (kind, reason(e)))
                    break
        nap(5)
    for lst in (http_idle, ftp_idle, raw_idle):
        for s in lst:
            s.close()
    count("idle", "closed_at_end", len(http_idle) + len(ftp_idle) + len(raw_idle))


def synflood():
    from scapy.all import IP, TCP, Ether, conf  # noqa: E402 (only this client needs scapy)
    conf.verb = 0
    rnd = random.Random(13)
    sock = conf.L2socket(iface=CFG["iface"])
    burst = CFG.get("syn_burst", 3000)
    while running():
        nap(15)
        if left() < 20:
            break
        t0 = time.time()
        sent = 0
        for i in range(burst):
            if not running():
                break
            a = rnd.randrange(0, 1 << 17)  # 198.18.0.0/15
            src = "198.%d.%d.%d" % (18 + (a >> 16), (a >> 8) & 255, a & 255)
            if src in ("198.18.0.0", "198.18.0.1", "198.18.0.2", "198.18.0.255"):
                continue
            p = (Ether(dst=CFG["mac"]) / IP(src=src, dst=HOST) /
                 TCP(sport=rnd.randrange(1024, 65535), dport=rnd.choice((80, 21)), flags="S",
                     seq=rnd.randrange(0, 1 << 32)))
            sock.send(p)
            sent += 1
            if sent % 200 == 0:  # about 1000 SYNs/s at most
                time.sleep(max(0.0, t0 + sent / 1000.0 - time.time()))
        count("synflood", "scapy_syns", sent)
        count("synflood", "bursts")
        # hping3 from the peer's own address: its kernel answers the SYN-ACKs
        # with RSTs (no socket), the half-open entries go away at once.
        rc, _, err = run(["hping3", "-q", "-S", "-p", "80", "-i", "u1000", "-c", "2000", HOST], 60)
        m = re.search(rb"(\d+) packets transmitted", err)
        if rc in (0, 1) and m:
            count("synflood", "hping3_syns", int(m.group(1)))
        else:
            count("synflood", "hping3_fail_rc_%s" % rc)
        nap(45)
    sock.close()


def main():
    tmp = CFG["tmp"]
    for n in FILES:
        sums[n] = sha(file_bytes(n))
    clients = [
        ("http_curl", http_curl, ()),
        ("http_keepalive", http_keepalive, (1,)),
        ("http_keepalive", http_keepalive, (2,)),
        ("http_wrk", http_wrk, ()),
        ("ftp_login", ftp_login, ()),
        ("ftp_curl", ftp_curl, ()),
        ("ftp_stor", ftp_stor, ()),
        ("ftp_abort_data", ftp_abort_data, ()),
        ("ftp_abort_ctrl", ftp_abort_ctrl, ()),
        ("tftp", tftp, (tmp,)),
        ("udp_echo", udp_echo, ()),
        ("slowloris", slowloris, ()),
        ("idle", idle, ()),
    ]
    if CFG.get("synflood", True):
        clients.append(("synflood", synflood, ()))
    threads = []
    for name, fn, args in clients:
        t = threading.Thread(target=guarded, args=(name, fn) + args, name=name, daemon=True)
        t.start()
        threads.append(t)
    end = DEADLINE + CFG.get("grace", 90)
    for t in threads:
        t.join(max(0.0, end - time.time()))
    stuck = [t.name for t in threads if t.is_alive()]
    with lock:
        out = {"clients": report, "stored": stored, "mismatches": wrongbytes, "stuck": stuck}
    with open(CFG["report"], "w") as fh:
        json.dump(out, fh, indent=1, sort_keys=True)
    print("soak_clients: done (%d clients, %d stuck)" % (len(threads), len(stuck)), flush=True)
    os._exit(0)  # daemon threads still blocked (if any) must not hold the exit


if __name__ == "__main__":
    main()
