#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""TCP conformance checks with crafted segments (run by conformance_tcp.sh
inside the test namespace, with Debian's /usr/bin/python3 and scapy).

usage: conformance_tcp.py IFACE LR_MAC LR_ADDR MY_ADDR MY_MAC [CHECK...]

We play a host the kernel does not know (MY_ADDR, MY_MAC; linerate has a
static ARP entry for it), sending raw Ethernet frames on the kernel side of
the tap and reading linerate's frames with a promiscuous packet socket. The
kernel drops frames for MY_MAC (not its own), so it never answers with RSTs
of its own. Packet times come from the kernel (SO_TIMESTAMPNS), not from when
Python got round to reading them.

linerate must run with [tcp] echo_port = 7, discard_port = 9, HTTP on 80 and
the settings conformance_tcp.sh writes (they are repeated in CFG below).
Prints "PASS name" / "FAIL name: why" per check; exit status 1 if any failed.
"""
import random
import socket
import struct
import sys
import time

from scapy.all import IP, TCP, Ether, Raw  # noqa: E402

IFACE, LR_MAC, LR_ADDR, ME, MY_MAC = sys.argv[1:6]
# Check names to run (default: all but the explicit ones); "-NAME" leaves one
# out, "NAME*K" runs it K times.
ONLY = [a for a in sys.argv[6:] if not a.startswith("-")]
SKIP = set(a[1:] for a in sys.argv[6:] if a.startswith("-"))

# Must match the [tcp] section conformance_tcp.sh writes.
CFG = {
    "rcvbuf": 16384,
    "syn_timeout": 1.0,
    "syn_retries": 2,
    "rto_min": 0.5,
    "retries": 3,
    "delayed_ack": 0.3,
    "time_wait": 2.0,
    "challenge_ack_limit": 10,
    "backlog": 64,
}
ECHO, DISCARD, HTTP, CLOSED = 7, 9, 80, 4444

FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10
ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_ADD_MEMBERSHIP = 1
PACKET_MR_PROMISC = 1
SO_TIMESTAMPNS = 35
M32 = 0xFFFFFFFF


def seq_add(a, b):
    return (a + b) & M32


def seq_diff(a, b):
    """a - b as a signed 32-bit sequence distance."""
    d = (a - b) & M32
    return d - (1 << 32) if d >= (1 << 31) else d


# --- options ----------------------------------------------------------------
def o_mss(v):
    return b"\x02\x04" + struct.pack(">H", v)


def o_ws(s):
    return b"\x01\x03\x03" + bytes([s])


def o_sackok():
    return b"\x01\x01\x04\x02"


def o_ts(val, ecr):
    return b"\x01\x01\x08\x0a" + struct.pack(">II", val & M32, ecr & M32)


def o_sack(blocks):
    b = b"".join(struct.pack(">II", l & M32, r & M32) for l, r in blocks)
    return b"\x01\x01\x05" + bytes([2 + len(b)]) + b


def parse_opts(raw):
    """{kind: value} of a received option block (linerate's output is sane)."""
    out, i = {}, 0
    while i < len(raw):
        k = raw[i]
        if k == 0:
            break
        if k == 1:
            i += 1
            continue
        if i + 1 >= len(raw) or raw[i + 1] < 2 or i + raw[i + 1] > len(raw):
            out["bad"] = True
            break
        n = raw[i + 1]
        v = raw[i + 2:i + n]
        if k == 2:
            out["mss"] = struct.unpack(">H", v)[0]
        elif k == 3:
            out["ws"] = v[0]
        elif k == 4:
            out["sackok"] = True
        elif k == 8:
            out["ts"] = struct.unpack(">II", v)
        elif k == 5:
            out["sack"] = [struct.unpack(">II", v[j:j + 8]) for j in range(0, len(v), 8)]
        else:
            out[k] = v
        i += n
    return out


# --- link -------------------------------------------------------------------
class Seg:
    """One TCP segment received from linerate."""

    __slots__ = ("t", "sport", "dport", "seq", "ack", "flags", "win", "opts", "data")

    def __str__(self):
        f = "".join(c for c, b in (("S", SYN), ("A", ACK), ("F", FIN), ("R", RST), ("P", PSH))
                     if self.flags & b)
        return "%s seq=%u ack=%u win=%u len=%d opts=%s" % (f, self.seq, self.ack, self.win,
                                                          len(self.data), self.opts)


class Link:
    def __init__(self):
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        s.bind((IFACE, 0))
        idx = socket.if_nametoindex(IFACE)
        s.setsockopt(SOL_PACKET, PACKET_ADD_MEMBERSHIP,
                     struct.pack("iHH8s", idx, PACKET_MR_PROMISC, 0, b""))
        s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        self.s = s
        self.inbox = []
        self.history = []  # everything received, for checks that look back

    def send(self, frame):
        self.s.send(frame)

    def _read(self, timeout):
        self.s.settimeout(max(timeout, 0.0001))
        try:
            data, anc, _, addr = self.s.recvmsg(65535, 64)
        except (socket.timeout, BlockingIOError):
            return False
        if addr[2] == socket.PACKET_OUTGOING:
            return True
        t = time.time()
        for lvl, typ, val in anc:
            if lvl == socket.SOL_SOCKET and typ == SO_TIMESTAMPNS and len(val) >= 16:
                sec, nsec = struct.unpack("qq", val[:16])
                t = sec + nsec / 1e9
        if len(data) < 54 or data[12:14] != b"\x08\x00" or data[23] != 6:
            return True
        ihl = (data[14] & 15) * 4
        if socket.inet_ntoa(data[26:30]) != LR_ADDR or socket.inet_ntoa(data[30:34]) != ME:
            return True
        tot = struct.unpack(">H", data[16:18])[0]
        tcp = data[14 + ihl:14 + tot]
        g = Seg()
        g.t = t
        g.sport, g.dport, g.seq, g.ack = struct.unpack(">HHII", tcp[:12])
        doff = (tcp[12] >> 4) * 4
        g.flags = tcp[13]
        g.win = struct.unpack(">H", tcp[14:16])[0]
        g.opts = parse_opts(tcp[20:doff])
        g.data = bytes(tcp[doff:])
        self.inbox.append(g)
        self.history.append(g)
        if len(self.history) > 50000:
            del self.history[:25000]
        if len(self.inbox) > 20000:
            del self.inbox[:10000]
        return True

    def expect(self, pred, timeout):
        """First segment matching @pred (removed from the inbox), or None."""
        deadline = time.time() + timeout
        i = 0
        while True:
            while i < len(self.inbox):
                if pred(self.inbox[i]):
                    return self.inbox.pop(i)
                i += 1
            rem = deadline - time.time()
            if rem <= 0:
                return None
            self._read(rem)

    def collect(self, pred, duration):
        """Every segment matching @pred within @duration seconds."""
        out = []
        deadline = time.time() + duration
        while True:
            g = self.expect(pred, max(deadline - time.time(), 0))
            if g is None:
                return out
            out.append(g)

    def drain(self, keep=None):
        while self._read(0.0001):
            pass
        self.inbox = [g for g in self.inbox if keep and keep(g)]


link = None
_next_port = [random.randint(20000, 40000)]


def new_port():
    _next_port[0] += 1
    return _next_port[0]


def frame(sport, dport, flags, seq, ack, win=65535, opts=b"", data=b"", doff=None, chksum=None):
    """A raw Ethernet frame; TCP options are carried in front of the payload so
    malformed option blocks and data offsets can be built as they are."""
    if len(opts) % 4:
        opts += b"\x00" * (4 - len(opts) % 4)
    t = TCP(sport=sport, dport=dport, flags=flags, seq=seq & M32, ack=ack & M32, window=win,
            dataofs=doff if doff is not None else 5 + len(opts) // 4)
    if chksum is not None:
        t.chksum = chksum
    p = Ether(src=MY_MAC, dst=LR_MAC) / IP(src=ME, dst=LR_ADDR, id=random.randint(0, 65535)) / t
    if opts or data:
        p = p / Raw(opts + data)
    return bytes(p)


class Conn:
    """Our side of one connection, driven by hand."""

    def __init__(self, dport, ts=False, ws=None, sack=False, mss=1460, win=65535):
        self.dport = dport
        self.sport = new_port()
        self.iss = random.getrandbits(32)
        self.snd_nxt = self.iss
        self.rcv_nxt = None
        self.use_ts, self.ws, self.sack, self.mss = ts, ws, sack, mss
        self.win = win
        self.ts_recent = 0
        self.ts_base = random.getrandbits(31)
        self.t0 = time.time()
        self.peer_ws = 0
        self.peer_win = 0
        self.synack = None
        self.lr_una = None  # highest ack we sent for linerate's data

    # packets of this connection
    def mine(self, g):
        return g.sport == self.dport and g.dport == self.sport

    def tsval(self):
        return (self.ts_base + int((time.time() - self.t0) * 1000)) & M32

    def opts(self, extra=b""):
        o = b""
        if self.use_ts:
            o += o_ts(self.tsval(), self.ts_recent)
        return o + extra

    def send(self, flags, seq=None, ack=None, data=b"", win=None, opts=None, **kw):
        if seq is None:
            seq = self.snd_nxt
        if ack is None:
            ack = self.rcv_nxt or 0
        if opts is None:
            opts = self.opts()
        link.send(frame(self.sport, self.dport, flags, seq, ack, self.win if win is None else win,
                        opts, data, **kw))

    def syn_opts(self):
        o = b""
        if self.mss:
            o += o_mss(self.mss)
        if self.sack:
            o += o_sackok()
        if self.use_ts:
            o += o_ts(self.tsval(), 0)
        if self.ws is not None:
            o += o_ws(self.ws)
        return o

    def send_syn(self):
        self.send(SYN, seq=self.iss, ack=0, opts=self.syn_opts())
        self.snd_nxt = seq_add(self.iss, 1)

    def expect(self, pred=lambda g: True, timeout=1.0):
        g = link.expect(lambda g: self.mine(g) and pred(g), timeout)
        if g is not None and "ts" in g.opts:
            self.ts_recent = g.opts["ts"][0]
        return g

    def connect(self):
        """Three-way handshake; returns the SYN-ACK or raises."""
        self.send_syn()
        g = self.expect(lambda g: g.flags & (SYN | ACK) == SYN | ACK, 2.0)
        if g is None:
            raise Failure("no SYN-ACK to a SYN on port %d" % self.dport)
        self.synack = g
        self.irs = g.seq
        self.rcv_nxt = seq_add(g.seq, 1)
        self.lr_una = self.rcv_nxt
        self.peer_ws = g.opts.get("ws", 0) if "ws" in g.opts and self.ws is not None else 0
        self.peer_win = g.win
        if self.use_ts and "ts" not in g.opts:
            self.use_ts = False
        self.send(ACK)
        return g

    def send_data(self, data, mss=1000):
        for i in range(0, len(data), mss):
            self.send(ACK | PSH, data=data[i:i + mss])
            self.snd_nxt = seq_add(self.snd_nxt, len(data[i:i + mss]))

    def read(self, n, timeout=3.0, ack=True, segs=None):
        """Reassemble @n bytes of linerate's stream from rcv_nxt; ACK as it comes."""
        buf = {}
        got = b""
        deadline = time.time() + timeout
        while len(got) < n:
            g = self.expect(lambda g: len(g.data) > 0 or g.flags & FIN,
                            max(deadline - time.time(), 0))
            if g is None:
                break
            if segs is not None:
                segs.append(g)
            off = seq_diff(g.seq, self.rcv_nxt)
            if off + len(g.data) <= 0:
                if ack:
                    self.send(ACK)
                continue
            d = g.data[-off:] if off < 0 else g.data
            buf[max(off, 0)] = d
            while 0 in buf:
                d = buf.pop(0)
                got += d
                self.rcv_nxt = seq_add(self.rcv_nxt, len(d))
                buf = {k - len(d): v for k, v in buf.items() if k - len(d) >= 0}
            if ack:
                self.send(ACK)
        return got

    def quiet(self, duration=0.4, pred=lambda g: True):
        """Segments of this connection seen within @duration."""
        return link.collect(lambda g: self.mine(g) and pred(g), duration)

    def echo_ok(self, tag=b"alive"):
        """The echo service still works on this connection (the data round trips)."""
        data = tag + b"-" + bytes(random.getrandbits(8) for _ in range(16))
        self.send_data(data)
        got = self.read(len(data), timeout=2.0)
        return got == data

    def reset(self):
        """Tear down with an exact RST (never leaves state behind)."""
        if self.rcv_nxt is not None:
            self.send(RST | ACK, opts=b"")


class Failure(Exception):
    pass


results = []


def check(name, explicit=False):
    """Register a check; @explicit ones run only when named on the command line."""
    def deco(fn):
        fn.check_name = name
        fn.explicit = explicit
        results.append(fn)
        return fn
    return deco


def require(cond, why):
    if not cond:
        raise Failure(why)


def rst_for(ack=None, seq=None):
    def pred(g):
        return (g.flags & RST and (seq is None or g.seq == seq & M32)
                and (ack is None or g.ack == ack & M32))
    return pred


def is_pure_ack(g):
    return g.flags & (SYN | FIN | RST) == 0 and g.flags & ACK and not g.data


# --- closed port and LISTEN (RFC 9293 §3.10.7.1, §3.10.7.2) ------------------
@check("closed_syn_rst_ack")
def _():
    c = Conn(CLOSED)
    c.send_syn()
    g = c.expect(timeout=1.0)
    require(g is not None, "no answer to a SYN to a closed port")
    require(g.flags & (RST | ACK) == RST | ACK and not g.flags & SYN, "got %s" % g)
    require(g.seq == 0 and g.ack == seq_add(c.iss, 1), "RST/ACK should be SEQ=0 ACK=ISS+1: %s" % g)


@check("closed_ack_rst_seq_seg_ack")
def _():
    c = Conn(CLOSED)
    ack = random.getrandbits(32)
    c.send(ACK, seq=c.iss, ack=ack, data=b"hello")
    g = c.expect(timeout=1.0)
    require(g is not None, "no RST to an ACK to a closed port")
    require(g.flags & RST and not g.flags & ACK and g.seq == ack,
            "want <SEQ=SEG.ACK><CTL=RST> seq=%u: %s" % (ack, g))


@check("closed_rst_nothing")
def _():
    c = Conn(CLOSED)
    c.send(RST, seq=c.iss, ack=0, opts=b"")
    c.send(RST | ACK, seq=c.iss, ack=12345, opts=b"")
    got = c.quiet(0.5)
    require(not got, "answered a RST: %s" % (got[0] if got else ""))


@check("listen_ack_rst")
def _():
    c = Conn(ECHO)
    ack = random.getrandbits(32)
    c.send(ACK, seq=c.iss, ack=ack)
    g = c.expect(timeout=1.0)
    require(g is not None, "no RST to an ACK on a listening port")
    require(g.flags & RST and g.seq == ack, "want RST SEQ=%u: %s" % (ack, g))
    require(not c.quiet(0.3), "more than one answer")


@check("listen_rst_ignored")
def _():
    c = Conn(ECHO)
    c.send(RST, seq=c.iss, ack=0, opts=b"")
    got = c.quiet(0.5)
    require(not got, "answered a RST on a listening port: %s" % (got[0] if got else ""))


@check("listen_syn_fin_dropped")
def _():
    c = Conn(ECHO)
    c.send(SYN | FIN, seq=c.iss, ack=0, opts=o_mss(1460))
    got = c.quiet(0.6)
    require(not got, "SYN+FIN answered: %s" % (got[0] if got else ""))


# --- SYN-RCVD: retransmission with backoff, then give up (RFC 6298 §5.5) -----
@check("syn_rcvd_backoff_and_give_up")
def _():
    c = Conn(ECHO)
    c.send_syn()
    n = CFG["syn_retries"]
    total = sum(CFG["syn_timeout"] * 2 ** i for i in range(n + 1))
    segs = c.quiet(total + 1.5, lambda g: g.flags & SYN)
    require(len(segs) == n + 1, "want %d SYN-ACKs (1 + %d retransmissions), got %d: %s"
            % (n + 1, n, len(segs), [round(g.t - segs[0].t, 2) for g in segs]))
    for i in range(1, len(segs)):
        want = CFG["syn_timeout"] * 2 ** (i - 1)
        got = segs[i].t - segs[i - 1].t
        require(0.75 * want <= got <= 1.5 * want + 0.3,
                "retransmission %d after %.2fs, want ~%.1fs" % (i, got, want))
        require(segs[i].seq == segs[0].seq, "retransmitted SYN-ACK changed its ISN")
    # Given up: the ACK that would have completed the handshake now finds nothing.
    time.sleep(0.3)
    c.send(ACK, seq=seq_add(c.iss, 1), ack=seq_add(segs[0].seq, 1))
    g = c.expect(timeout=1.0)
    require(g is not None and g.flags & RST, "late ACK after give-up: want RST, got %s" % g)


# --- sequence acceptability (RFC 9293 §3.10.7.4 first check) -----------------
@check("seq_acceptable_len0_wnd_open")
def _():
    c = Conn(ECHO)
    c.connect()
    c.send(ACK)  # in window, no data: acceptable, nothing to say
    got = c.quiet(0.4)
    require(not got, "answered an acceptable empty segment: %s" % (got[0] if got else ""))
    c.send(ACK, seq=seq_add(c.snd_nxt, -3000))  # empty and left of the window
    g = c.expect(is_pure_ack, 0.6)
    require(g is not None, "no ACK for an unacceptable empty segment")
    require(g.ack == c.snd_nxt, "ACK should be RCV.NXT=%u: %s" % (c.snd_nxt, g))
    require(c.echo_ok(), "connection broken")
    c.reset()


@check("seq_acceptable_data_wnd_open")
def _():
    c = Conn(ECHO)
    c.connect()
    # far right of the window: unacceptable -> ACK, dropped
    c.send(ACK | PSH, seq=seq_add(c.snd_nxt, 200000), data=b"X" * 100)
    g = c.expect(is_pure_ack, 0.6)
    require(g is not None and g.ack == c.snd_nxt, "want ACK=%u for data right of the window, got %s"
            % (c.snd_nxt, g))
    # wholly old data (left of RCV.NXT): unacceptable -> ACK
    c.send_data(b"first")
    require(c.read(5) == b"first", "in-window data not echoed")
    c.send(ACK | PSH, seq=seq_add(c.snd_nxt, -5), data=b"first")
    g = c.expect(is_pure_ack, 0.6)
    require(g is not None and g.ack == c.snd_nxt, "want ACK for old data, got %s" % g)
    # partly old: the new part is accepted (RFC 9293 §3.10.7.4: trim the front)
    c.send(ACK | PSH, seq=seq_add(c.snd_nxt, -3), data=b"rst" + b"second")
    c.snd_nxt = seq_add(c.snd_nxt, 6)
    got = c.read(6)
    require(got == b"second", "overlapping segment: echoed %r, want b'second'" % got)
    require(not c.quiet(0.4, lambda g: g.data), "extra data echoed")
    c.reset()


def close_window(c):
    """Advertise 0 so echo cannot send; fill linerate's buffers until it
    advertises a zero window. Returns the bytes sent."""
    c.win = 0
    sent = b""
    for _ in range(20):
        g = None
        wnd = (c.peer_win << c.peer_ws)
        left = wnd - seq_diff(c.snd_nxt, c.lr_acked)
        while left > 0 and len(sent) < 200000:
            chunk = bytes(random.getrandbits(8) for _ in range(min(1400, left)))
            c.send(ACK | PSH, data=chunk)
            c.snd_nxt = seq_add(c.snd_nxt, len(chunk))
            sent += chunk
            left -= len(chunk)
        # the last ACK tells the window
        for g2 in c.quiet(0.8, lambda g: g.flags & ACK and not g.data):
            g = g2
            c.lr_acked = g.ack
            c.peer_win = g.win
        if g is not None and g.win == 0 and c.lr_acked == c.snd_nxt:
            return sent
    raise Failure("linerate never advertised a zero window (last %s)" % g)


@check("zero_window_acceptability_probes_never_abort")
def _():
    c = Conn(ECHO)
    c.connect()
    c.lr_acked = c.snd_nxt
    sent = close_window(c)
    # RCV.WND = 0: empty segment at RCV.NXT acceptable (silent)...
    c.send(ACK)
    got = c.quiet(0.25, lambda g: not g.data)
    require(not got, "answered an acceptable empty segment at a zero window: %s"
            % (got[0] if got else ""))
    # ...data is not (RFC 9293 §3.10.7.4: not acceptable when RCV.WND = 0): ACK, drop
    c.send(ACK | PSH, data=b"Z" * 50)
    g = c.expect(lambda g: g.flags & ACK and not g.data and g.ack == c.snd_nxt, 0.5)
    require(g is not None, "no ACK for data sent into a zero window")
    require(g.win == 0, "window reopened? %s" % g)
    # Persist: probes with backoff, the connection never aborts although more
    # probes go unanswered (with window 0) than [tcp] retries allows.
    # Probes are segments below SND.UNA (= our RCV.NXT): SEQ = RCV.NXT - 1.
    def probes():
        return [g for g in link.history
                if c.mine(g) and not g.data and g.seq == seq_add(c.rcv_nxt, -1)]
    t_end = time.time() + 14.0
    while time.time() < t_end:
        p = probes()
        if p and time.time() > p[0].t + 8.5:
            break
        g = c.expect(lambda g: not g.flags & (SYN | RST), 0.5)
        if g is not None:
            c.send(ACK)  # window still 0, RCV.NXT unchanged
    p = probes()
    gaps = [b.t - a.t for a, b in zip(p, p[1:])]
    print("  zero-window probe intervals %s" % [round(x, 2) for x in gaps])
    require(not [g for g in link.history if c.mine(g) and g.flags & RST], "connection reset")
    require(len(p) >= CFG["retries"] + 1,
            "want > retries=%d probes, got %d" % (CFG["retries"], len(p)))
    require(all(b >= 0.8 * a for a, b in zip(gaps, gaps[1:])) and gaps[-1] >= 1.5 * gaps[0],
            "probe intervals do not back off")
    # open the window: everything is echoed, byte for byte
    c.win = 65535
    c.send(ACK)
    got = c.read(len(sent), timeout=8.0)
    require(got == sent, "after reopening: echoed %d of %d bytes, equal prefix %s"
            % (len(got), len(sent), sent.startswith(got)))
    require(c.echo_ok(), "connection broken after the zero window")
    c.reset()


@check("data_beyond_window_trimmed")
def _():
    c = Conn(ECHO, mss=1460)
    c.connect()
    w = c.synack.win  # no window scale: the real window
    data = bytes(random.getrandbits(8) for _ in range(w + 600))
    base = c.snd_nxt
    # a segment straddling the right edge, sent first (out of order)
    c.send(ACK | PSH, seq=seq_add(base, w - 500), data=data[w - 500:w + 500])
    g = c.expect(is_pure_ack, 0.6)
    require(g is not None and g.ack == base, "want a duplicate ACK for the out-of-order segment: %s" % g)
    for i in range(0, w - 500, 1400):
        c.send(ACK | PSH, seq=seq_add(base, i), data=data[i:min(i + 1400, w - 500)])
    c.snd_nxt = seq_add(base, w)
    got = c.read(w, timeout=4.0)
    require(got == data[:w], "echo of the first window differs (%d bytes)" % len(got))
    extra = c.read(1, timeout=0.6)
    require(not extra, "bytes beyond the window were kept and echoed")
    c.send_data(data[w:])
    got = c.read(600)
    require(got == data[w:], "the rest of the stream after the trim was not echoed right")
    c.reset()


@check("duplicate_data_delivered_once")
def _():
    c = Conn(ECHO)
    c.connect()
    base = c.snd_nxt
    data = b"0123456789" * 20
    c.send(ACK | PSH, seq=base, data=data[:100])
    c.send(ACK | PSH, seq=base, data=data[:100])
    c.send(ACK | PSH, seq=seq_add(base, 50), data=data[50:150])
    c.send(ACK | PSH, seq=seq_add(base, 50), data=data[50:150])
    c.send(ACK | PSH, seq=base, data=data[:200])
    c.snd_nxt = seq_add(base, 200)
    got = c.read(200)
    require(got == data, "echo %r" % got)
    require(not c.read(1, timeout=0.6), "duplicate bytes echoed")
    c.reset()


@check("out_of_order_reassembled")
def _():
    c = Conn(ECHO)
    c.connect()
    base = c.snd_nxt
    data = bytes(random.getrandbits(8) for _ in range(4000))
    parts = [(i, data[i:i + 500]) for i in range(0, 4000, 500)]
    order = parts[1:]
    random.shuffle(order)
    acks = []
    for off, d in order:
        c.send(ACK | PSH, seq=seq_add(base, off), data=d)
    acks = c.quiet(0.3, is_pure_ack)
    require(acks and all(g.ack == base for g in acks),
            "out-of-order segments should get immediate duplicate ACKs of %u: %s"
            % (base, [str(g) for g in acks[:3]]))
    c.send(ACK | PSH, seq=base, data=parts[0][1])
    c.snd_nxt = seq_add(base, 4000)
    got = c.read(4000)
    require(got == data, "reassembled echo differs (%d bytes)" % len(got))
    c.reset()


@check("ooo_queue_bounded")
def _():
    # 100 islands behind holes against [tcp] ooo_max = 64: the queue stays
    # bounded (the shell checks the tcp_ooo_queue_full drops), the connection
    # lives on and the stream is still exact once the holes are filled.
    c = Conn(ECHO)
    c.connect()
    base = c.snd_nxt
    data = bytes(random.getrandbits(8) for _ in range(4000))
    for off in range(20, 4000, 40):
        c.send(ACK | PSH, seq=seq_add(base, off), data=data[off:off + 20])
    c.quiet(0.3)
    for off in range(0, 4000, 1000):
        c.send(ACK | PSH, seq=seq_add(base, off), data=data[off:off + 1000])
    c.snd_nxt = seq_add(base, 4000)
    got = c.read(4000)
    require(got == data, "stream after the out-of-order flood differs (%d bytes)" % len(got))
    c.reset()


# --- closing ------------------------------------------------------------------
GET = b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"


@check("simultaneous_close_and_time_wait")
def _():
    c = Conn(HTTP)
    c.connect()
    c.send_data(GET)
    # read the response up to linerate's FIN, without acknowledging anything
    buf = {}
    fin = None
    deadline = time.time() + 3
    while fin is None and time.time() < deadline:
        g = c.expect(lambda g: g.data or g.flags & FIN, deadline - time.time())
        if g is None:
            break
        buf[g.seq] = g.data
        if g.flags & FIN:
            fin = g
    require(fin is not None, "HTTP/1.1 Connection: close gave no FIN")
    fin_seq = seq_add(fin.seq, len(fin.data))
    # our FIN crosses theirs: it acknowledges the data but not their FIN
    c.send(FIN | ACK, ack=fin_seq)
    our_fin = c.snd_nxt
    c.snd_nxt = seq_add(c.snd_nxt, 1)
    g = c.expect(lambda g: g.flags & ACK and g.ack == c.snd_nxt and not g.data, 1.5)
    require(g is not None, "CLOSING: our FIN was not acknowledged")
    # now the last ACK; linerate enters TIME-WAIT
    c.rcv_nxt = seq_add(fin_seq, 1)
    c.send(ACK)
    time.sleep(0.2)
    c.quiet(0.1)
    # TIME-WAIT re-ACKs a retransmitted FIN (RFC 9293 §3.10.7.4, eighth check)
    c.send(FIN | ACK, seq=our_fin)
    g = c.expect(lambda g: g.flags & ACK and not g.flags & RST, 1.0)
    require(g is not None and g.ack == c.snd_nxt, "TIME-WAIT did not re-ACK the FIN: %s" % g)
    # 2MSL later the connection is gone: the same FIN now gets a RST
    time.sleep(CFG["time_wait"] + 0.7)
    c.quiet(0.05)
    c.send(FIN | ACK, seq=our_fin)
    g = c.expect(timeout=1.0)
    require(g is not None and g.flags & RST,
            "after time_wait=%.0fs the FIN should meet no connection (RST), got %s"
            % (CFG["time_wait"], g))


@check("close_with_unread_data_rst")
def _():
    # The HTTP server half-closes after a Connection: close response and
    # drains until the peer closes or [http] header_timeout (1 s here) runs
    # out; then it closes. Data received but never read by the application
    # (here: out of order, behind a hole) is still queued at that moment, so
    # RFC 9293 §3.10.4 / RFC 2525 §2.17 want a RST, not a quiet close.
    c = Conn(HTTP)
    c.connect()
    c.send(ACK | PSH, seq=seq_add(c.snd_nxt, len(GET) + 10), data=b"unread" * 10)
    g = c.expect(is_pure_ack, 0.5)
    require(g is not None and g.ack == c.snd_nxt, "no duplicate ACK for the out-of-order data")
    c.send_data(GET)
    fin = None
    deadline = time.time() + 3
    while fin is None and time.time() < deadline:
        g = c.expect(lambda g: g.data or g.flags & (FIN | RST), deadline - time.time())
        if g is None or g.flags & RST:
            break
        if seq_diff(seq_add(g.seq, len(g.data)), c.rcv_nxt) > 0:
            c.rcv_nxt = seq_add(g.seq, len(g.data))
        if g.flags & FIN:
            fin = g
            c.rcv_nxt = seq_add(c.rcv_nxt, 1)
        c.send(ACK)
    if fin is not None:
        g = c.expect(lambda g: g.flags & RST, 3.0)
    require(g is not None and g.flags & RST,
            "no RST when the server closed with unread data (got %s)" % g)
    require(seq_diff(g.seq, fin.seq if fin else g.seq) >= 0, "RST sequence %s" % g)


@check("bad_checksum_offset_options_dropped")
def _():
    c = Conn(ECHO)
    c.connect()
    s = c.snd_nxt
    bad = [
        dict(data=b"badcsum1", chksum=0x1234),
        dict(data=b"badoff04", doff=4),
        dict(data=b"badoff15", doff=15),
        dict(data=b"opt_len0", opts=b"\x1e\x00\x00\x00"),
        dict(data=b"opt_len1", opts=b"\x1e\x01\x00\x00"),
        dict(data=b"opt_over", opts=b"\x01\x01\x1e\x28"),
        dict(data=b"mss_len9", opts=b"\x02\x09\x05\xb4"),
    ]
    for kw in bad:
        c.send(ACK | PSH, seq=s, opts=c.opts(kw.pop("opts", b"")), **kw)
    got = c.quiet(0.5)
    require(not got, "a malformed segment was answered: %s" % (got[0] if got else ""))
    c.send_data(b"good-one")
    got = c.read(8)
    require(got == b"good-one", "after the bad segments echo returned %r" % got)
    require(not c.read(1, timeout=0.4), "bytes of a bad segment were delivered")
    c.reset()


@check("missing_mss_means_536")
def _():
    c = Conn(ECHO, mss=None)
    g = c.connect()
    data = bytes(random.getrandbits(8) for _ in range(3000))
    c.send_data(data, mss=500)
    segs = []
    got = c.read(3000, segs=segs)
    require(got == data, "echo differs")
    big = max(len(g.data) for g in segs)
    require(big <= 536, "a segment carried %d bytes to a peer without MSS (max 536)" % big)
    c.reset()


# --- RFC 5961 ---------------------------------------------------------------
@check("rst_exact_seq_resets")
def _():
    c = Conn(ECHO)
    c.connect()
    c.send(RST, opts=b"")
    got = c.quiet(0.3)
    require(not got, "answered the RST: %s" % (got[0] if got else ""))
    c.send(ACK | PSH, data=b"after")
    g = c.expect(timeout=1.0)
    require(g is not None and g.flags & RST, "connection survived an exact RST: %s" % g)


@check("rst_in_window_challenge_ack")
def _():
    c = Conn(ECHO)
    c.connect()
    c.send(RST, seq=seq_add(c.snd_nxt, 100), opts=b"")
    g = c.expect(timeout=0.6)
    require(g is not None and is_pure_ack(g) and g.ack == c.snd_nxt,
            "want a challenge ACK (ack=%u), got %s" % (c.snd_nxt, g))
    require(c.echo_ok(), "connection did not survive")
    c.reset()


@check("rst_out_of_window_ignored")
def _():
    c = Conn(ECHO)
    c.connect()
    c.send(RST, seq=seq_add(c.snd_nxt, 1 << 20), opts=b"")
    c.send(RST, seq=seq_add(c.snd_nxt, -(1 << 20)), opts=b"")
    got = c.quiet(0.4)
    require(not got, "answered an out-of-window RST: %s" % (got[0] if got else ""))
    require(c.echo_ok(), "connection did not survive")
    c.reset()


@check("syn_established_challenge_ack")
def _():
    c = Conn(ECHO)
    c.connect()
    c.send(SYN, seq=random.getrandbits(32), ack=0, opts=c.syn_opts())
    g = c.expect(timeout=0.6)
    require(g is not None and is_pure_ack(g) and g.ack == c.snd_nxt,
            "want a challenge ACK, got %s" % g)
    require(c.echo_ok(), "connection did not survive")
    c.reset()


@check("ack_outside_window_ack_and_drop")
def _():
    c = Conn(ECHO)
    c.connect()
    c.send_data(b"warm")
    require(c.read(4) == b"warm", "echo")
    una = c.rcv_nxt
    for ack, what in ((seq_add(una, 100000), "beyond SND.NXT"),
                      (seq_add(una, -(1 << 30)), "below SND.UNA-MAX.SND.WND")):
        c.send(ACK | PSH, ack=ack, data=b"dropme")
        g = c.expect(timeout=0.6)
        require(g is not None and is_pure_ack(g) and g.ack == c.snd_nxt,
                "ACK %s: want ACK (ack=%u) and drop, got %s" % (what, c.snd_nxt, g))
    require(not c.read(1, timeout=0.4), "data of a segment with an unacceptable ACK was delivered")
    require(c.echo_ok(), "connection did not survive")
    c.reset()


@check("challenge_ack_rate_limited")
def _():
    c = Conn(ECHO)
    c.connect()
    frames = [frame(c.sport, c.dport, RST, seq_add(c.snd_nxt, 10 + i), 0, c.win)
              for i in range(50)]
    t0 = time.time()
    for f in frames:
        link.send(f)
    spent = time.time() - t0
    acks = c.quiet(0.5, is_pure_ack)
    lim = CFG["challenge_ack_limit"]
    require(spent < 1.0, "sending took %.2fs" % spent)
    require(1 <= len(acks) <= lim + 1, "50 in-window RSTs within %.2fs: %d challenge ACKs (limit %d/s)"
            % (spent, len(acks), lim))
    print("  %d challenge ACKs for 50 RSTs" % len(acks))
    c.reset()


@check("isn_unpredictable")
def _():
    isns = []
    for _ in range(24):
        c = Conn(ECHO)
        c.send_syn()
        g = c.expect(lambda g: g.flags & SYN, 1.0)
        require(g is not None, "no SYN-ACK")
        isns.append(g.seq)
        c.send(RST, seq=c.snd_nxt, opts=b"")
    diffs = [seq_diff(b, a) for a, b in zip(isns, isns[1:])]
    small = sum(1 for d in diffs if 0 <= d < (1 << 24))
    require(len(set(isns)) == len(isns), "repeated ISNs")
    require(small <= 3, "%d of %d successive ISN steps small and positive: %s"
            % (small, len(diffs), diffs[:8]))


# --- extensions ---------------------------------------------------------------
@check("wscale_negotiation")
def _():
    c = Conn(ECHO, ws=7)
    g = c.connect()
    require("ws" in g.opts, "SYN with window scale: SYN-ACK has none: %s" % g)
    require(g.opts["ws"] <= 14, "shift %d > 14" % g.opts["ws"])
    want = min(CFG["rcvbuf"], 65535)
    require(g.win >= want // 2, "SYN-ACK window %d looks scaled (buffer %d)" % (g.win, want))
    c.send_data(b"x" * 10)
    segs = []
    require(c.read(10, segs=segs) == b"x" * 10, "echo on the scaled connection")
    shift = g.opts["ws"]
    wnd = segs[-1].win << shift
    require(want // 2 <= wnd <= 2 * want, "scaled window %d << %d = %d, buffer %d"
            % (segs[-1].win, shift, wnd, want))
    c.reset()
    d = Conn(ECHO)
    g = d.connect()
    require("ws" not in g.opts, "SYN without window scale: SYN-ACK has one")
    d.send_data(b"y" * 10)
    segs = []
    d.read(10, segs=segs)
    require(segs and segs[-1].win >= want // 2, "unscaled connection: window %d" % segs[-1].win)
    d.reset()
    e = Conn(ECHO, ws=15)  # RFC 7323 §2.3: treat as 14, keep going
    e.connect()
    require(e.echo_ok(), "shift 15 from the peer broke the connection")
    e.reset()


@check("timestamps_every_segment_and_paws")
def _():
    c = Conn(ECHO, ts=True, sack=True)
    g = c.connect()
    require("ts" in g.opts, "SYN-ACK without timestamps")
    data = bytes(random.getrandbits(8) for _ in range(5000))
    c.send_data(data)
    segs = []
    got = c.read(5000, segs=segs)
    require(got == data, "echo differs")
    missing = [s for s in segs if "ts" not in s.opts]
    require(not missing, "segment without timestamps: %s" % (missing[0] if missing else ""))
    # PAWS (RFC 7323 §5.3): an old TSval is dropped and answered with an ACK
    old = o_ts(seq_add(c.tsval(), -(1 << 20)), c.ts_recent)
    c.send(ACK | PSH, data=b"paws-old", opts=old)
    g = c.expect(timeout=0.6)
    require(g is not None and is_pure_ack(g) and g.ack == c.snd_nxt and "ts" in g.opts,
            "PAWS: want an ACK with timestamps and the data dropped, got %s" % g)
    require(not c.read(1, timeout=0.4), "PAWS-old data delivered")
    require(c.echo_ok(), "connection broken after PAWS")
    c.reset()


@check("sack_permitted_only_in_syn_and_blocks")
def _():
    c = Conn(ECHO, ts=True, sack=True)
    g = c.connect()
    require(g.opts.get("sackok"), "SYN-ACK lacks SACK-permitted")
    base = c.snd_nxt
    data = bytes(random.getrandbits(8) for _ in range(5000))
    # five holes: 500-byte islands every 1000 bytes
    for off in range(500, 5000, 1000):
        c.send(ACK | PSH, seq=seq_add(base, off), data=data[off:off + 500])
    acks = c.quiet(0.4, is_pure_ack)
    require(acks, "no duplicate ACKs for out-of-order segments")
    last = acks[-1]
    blocks = last.opts.get("sack", [])
    require(1 <= len(blocks) <= 3, "want 1..3 SACK blocks with timestamps, got %s" % blocks)
    require(blocks[0] == (seq_add(base, 4500), seq_add(base, 5000)),
            "first block should be the latest segment: %s" % blocks)
    for i in range(0, 5000, 1000):
        c.send(ACK | PSH, seq=seq_add(base, i), data=data[i:i + 500])
    c.snd_nxt = seq_add(base, 5000)
    segs = []
    got = c.read(5000, segs=segs)
    require(got == data, "echo differs")
    # bogus SACK blocks from us (data never sent, wrapped, reversed) are ignored
    c.send(ACK, opts=c.opts(o_sack([(seq_add(c.rcv_nxt, 5000), seq_add(c.rcv_nxt, 9000)),
                                    (seq_add(c.rcv_nxt, 10), c.rcv_nxt)])))
    require(c.echo_ok(), "bogus SACK blocks broke the connection")
    seen = [s for s in segs + acks if s.opts.get("sackok")]
    require(not seen, "SACK-permitted in a non-SYN segment")
    c.reset()


@check("sack_at_most_4_blocks_without_timestamps")
def _():
    # RFC 2018 §3: 40 bytes of option space hold 4 blocks (3 with timestamps)
    c = Conn(ECHO, sack=True)
    g = c.connect()
    require(g.opts.get("sackok") and "ts" not in g.opts, "SYN-ACK options %s" % g.opts)
    base = c.snd_nxt
    data = bytes(random.getrandbits(8) for _ in range(6000))
    for off in range(500, 6000, 1000):
        c.send(ACK | PSH, seq=seq_add(base, off), data=data[off:off + 500])
    acks = c.quiet(0.4, is_pure_ack)
    require(acks, "no duplicate ACKs for out-of-order segments")
    blocks = acks[-1].opts.get("sack", [])
    require(len(blocks) == 4, "want 4 SACK blocks for 6 islands without timestamps, got %s"
            % blocks)
    for i in range(0, 6000, 1000):
        c.send(ACK | PSH, seq=seq_add(base, i), data=data[i:i + 500])
    c.snd_nxt = seq_add(base, 6000)
    require(c.read(6000) == data, "echo differs")
    c.reset()


@check("rto_backoff_and_give_up")
def _():
    c = Conn(ECHO)
    c.connect()
    c.send_data(b"warm-up")
    require(c.read(7) == b"warm-up", "echo")
    c.send_data(b"never acknowledged")
    segs = []
    n = CFG["retries"]
    t_end = time.time() + sum(CFG["rto_min"] * 2 ** i for i in range(n + 2)) + 4
    rst = None
    while time.time() < t_end:
        g = c.expect(timeout=t_end - time.time())
        if g is None:
            break
        if g.flags & RST:
            rst = g
            break
        if g.data:
            segs.append(g)
    times = [round(g.t - segs[0].t, 2) for g in segs]
    require(len(segs) == n + 1, "want 1 + %d transmissions, got %d at %s" % (n, len(segs), times))
    gaps = [b.t - a.t for a, b in zip(segs, segs[1:])]
    require(CFG["rto_min"] * 0.8 <= gaps[0] <= 1.3, "first RTO %.2fs" % gaps[0])
    # gap i should be RTO * 2^i; the worker shares 2 loaded cores, so a timer
    # may fire late but never early: compare each gap with the smallest
    # implied RTO, and the last two gaps with each other
    base = min(x / 2 ** i for i, x in enumerate(gaps))
    shown = [round(x, 2) for x in gaps]
    for i, x in enumerate(gaps):
        require(base * 2 ** i * 0.9 <= x <= base * 2 ** i * 1.5 + 0.2,
                "RTO did not double: %s" % shown)
    require(1.7 <= gaps[-1] / gaps[-2] <= 2.5, "RTO did not double: %s" % shown)
    print("  retransmissions after %s" % [round(x, 2) for x in gaps])
    # gave up: the connection is gone
    c.send(ACK | PSH, data=b"?")
    g = rst or c.expect(lambda g: g.flags & RST, 1.0)
    require(g is not None, "connection still there after %d retransmissions" % n)


@check("fast_retransmit_third_dup_ack")
def _():
    c = Conn(ECHO)
    c.connect()
    data = bytes(random.getrandbits(8) for _ in range(1460 * 5))
    c.send_data(data, mss=1460)
    segs = c.quiet(0.2, lambda g: g.data)
    require(len(segs) >= 2, "want >= 2 echoed segments in flight, got %d" % len(segs))
    first = segs[0]
    una = seq_add(first.seq, len(first.data))
    c.snd_nxt = seq_add(c.snd_nxt, 0)
    c.send(ACK, ack=una)
    c.send(ACK, ack=una)
    c.send(ACK, ack=una)
    early = c.quiet(0.05, lambda g: g.data and g.seq == una)
    require(not early, "retransmitted after 2 duplicate ACKs")
    t3 = time.time()
    c.send(ACK, ack=una)
    g = c.expect(lambda g: g.data and g.seq == una, 0.4)
    if g is None:
        seen = [(round(x.t - t3, 3), str(x)) for x in link.history
                if c.mine(x) and x.t >= segs[0].t]
        raise Failure("no retransmission of %u (ISS %u) after the 3rd duplicate ACK; received %s"
                      % (una, c.irs, seen))
    dt = g.t - t3
    print("  retransmitted %.3fs after the 3rd duplicate ACK (ISS %u)" % (dt, c.irs))
    require(dt < CFG["rto_min"] * 0.8, "retransmission %.3fs after the 3rd dup ACK (RTO?)" % dt)
    c.rcv_nxt = una
    got = c.read(len(data) - len(first.data), timeout=4.0)
    require(got == data[len(first.data):], "stream after fast retransmit differs")
    c.reset()


@check("delayed_ack_bounded_and_every_second_segment")
def _():
    c = Conn(DISCARD)
    c.connect()
    t = time.time()
    c.send_data(b"one small segment")
    g = c.expect(is_pure_ack, 1.0)
    require(g is not None, "no ACK within 1 s")
    dt = g.t - t
    require(dt <= 0.5 + 0.05, "ACK delayed %.3fs > 500 ms" % dt)
    require(dt >= CFG["delayed_ack"] * 0.5, "ACK after %.3fs: not delayed at all" % dt)
    full = bytes(1460)
    t = time.time()
    c.send_data(full + full, mss=1460)
    g = c.expect(lambda g: is_pure_ack(g) and g.ack == c.snd_nxt, 1.0)
    require(g is not None, "no ACK for two full segments")
    dt2 = g.t - t
    require(dt2 < CFG["delayed_ack"] * 0.66, "two full segments ACKed after %.3fs" % dt2)
    print("  one segment ACKed after %.3fs, two full after %.3fs" % (dt, dt2))
    c.reset()


# --- SYN-SENT (linerate's HTTP client connects to us, port 80) ---------------
def client_syn(timeout, not_port=None):
    return link.expect(lambda g: g.flags & (SYN | ACK) == SYN and g.dport == HTTP
                       and g.sport != not_port, timeout)


def as_server(syn):
    """Our end of a connection linerate's client opens to us."""
    c = Conn(syn.sport)
    c.sport = HTTP
    c.iss = random.getrandbits(32)
    c.snd_nxt = c.iss
    return c


@check("syn_sent_bad_ack_rst", explicit=True)
def _():
    syn = client_syn(6.0)
    require(syn is not None, "linerate's client sent no SYN")
    c = as_server(syn)
    bad = seq_add(syn.seq, 5000)
    c.send(ACK, seq=c.iss, ack=bad, opts=b"")
    g = c.expect(lambda g: g.flags & RST, 1.0)
    require(g is not None, "no RST for an unacceptable ACK in SYN-SENT")
    require(g.seq == bad and not g.flags & ACK, "want <SEQ=SEG.ACK><CTL=RST>: %s" % g)
    # still in SYN-SENT: the SYN comes again after the (backed-off) RTO; the
    # one we answered may itself have been a retransmission
    g = c.expect(lambda g: g.flags & SYN and g.seq == syn.seq, 9.0)
    require(g is not None, "the connection did not stay in SYN-SENT")
    c.send(RST | ACK, seq=0, ack=seq_add(syn.seq, 1), opts=b"")


@check("syn_sent_rst_refused", explicit=True)
def _():
    syn = client_syn(6.0)
    require(syn is not None, "linerate's client sent no SYN")
    c = as_server(syn)
    c.send(RST | ACK, seq=0, ack=seq_add(syn.seq, 1), opts=b"")
    # the next retransmission would come one (doubled) RTO later
    seen = [g.t for g in link.history if c.mine(g) and g.flags & SYN and g.seq == syn.seq]
    wait = 2.5 if len(seen) < 2 else 2 * (seen[-1] - seen[-2]) + 0.5
    again = c.quiet(wait, lambda g: g.flags & SYN and g.seq == syn.seq)
    require(not again, "SYN retransmitted after RST with a good ACK (connection not refused)")


@check("simultaneous_open", explicit=True)
def _():
    syn = client_syn(6.0)
    require(syn is not None, "linerate's client sent no SYN")
    c = as_server(syn)
    c.send(SYN, seq=c.iss, ack=0, opts=o_mss(1460))  # our SYN crosses theirs
    c.snd_nxt = seq_add(c.iss, 1)
    g = c.expect(lambda g: g.flags & (SYN | ACK) == SYN | ACK, 1.0)
    require(g is not None, "SYN in SYN-SENT: no SYN,ACK (RFC 9293 §3.10.7.3)")
    require(g.seq == syn.seq and g.ack == c.snd_nxt,
            "SYN,ACK should be <SEQ=ISS><ACK=RCV.NXT>: %s" % g)
    c.rcv_nxt = seq_add(syn.seq, 1)
    c.send(ACK)
    got = c.read(4, timeout=2.0)
    require(got.startswith(b"GET "), "no HTTP request after the simultaneous open: %r" % got)
    c.send(RST | ACK, opts=b"")


def client_response_fin(close_header):
    """linerate's client (requests_per_conn = 1) gets its response and our FIN
    in one segment. RFC 9293 §3.10.7.4 processes the FIN with the segment, so
    the client's close is a passive one: its FIN acknowledges ours (LAST-ACK)
    and our ACK of it ends the connection at once; no TIME-WAIT on its side,
    which would answer a retransmission of our FIN with an ACK (RFC 9293
    §3.10.7.4, TIME-WAIT) where a closed connection answers with a RST."""
    syn = client_syn(6.0)
    require(syn is not None, "linerate's client sent no SYN")
    c = as_server(syn)
    c.send(SYN | ACK, seq=c.iss, ack=seq_add(syn.seq, 1), opts=o_mss(1460))
    c.snd_nxt = seq_add(c.iss, 1)
    c.rcv_nxt = seq_add(syn.seq, 1)
    req = c.read(1, timeout=3.0, ack=False)
    deadline = time.time() + 3.0
    while b"\r\n\r\n" not in req and time.time() < deadline:
        req += c.read(1, timeout=max(deadline - time.time(), 0), ack=False)
    require(req.startswith(b"GET ") and req.endswith(b"\r\n\r\n"), "no request: %r" % req)
    body = b"ok"
    resp = (b"HTTP/1.1 200 OK\r\n" + (b"Connection: close\r\n" if close_header else b"")
            + b"Content-Length: %d\r\n\r\n" % len(body) + body)
    c.send(FIN | PSH | ACK, data=resp)
    fin = seq_add(c.snd_nxt, len(resp))
    c.snd_nxt = seq_add(fin, 1)
    g = c.expect(lambda g: g.flags & (FIN | RST), 2.0)
    require(g is not None, "no FIN from the client after our response+FIN")
    require(not g.flags & RST, "RST instead of FIN: %s" % g)
    require(g.seq == c.rcv_nxt and not g.data, "client FIN should be <SEQ=%u> without data: %s"
            % (c.rcv_nxt, g))
    require(g.ack == c.snd_nxt, "client FIN does not acknowledge our FIN (ack %u, want %u)"
            % (g.ack, c.snd_nxt))
    c.rcv_nxt = seq_add(g.seq, 1)
    c.send(ACK)
    # LAST-ACK -> CLOSED: no retransmission of its FIN after our ACK ...
    again = c.quiet(0.3, lambda g: g.flags & FIN)
    require(not again, "client FIN retransmitted after our ACK: %s" % (again[:1] or ""))
    # ... and the tuple is gone: our FIN again gets a RST (a TIME-WAIT would ACK it)
    c.send(FIN | ACK, seq=fin, ack=c.rcv_nxt)
    g = c.expect(lambda g: True, 1.0)
    require(g is not None, "no answer to a retransmitted FIN after the close")
    require(g.flags & RST, "the client kept the connection (TIME-WAIT?): answered %s" % g)


@check("client_response_fin_passive_close", explicit=True)
def _():
    client_response_fin(close_header=False)


@check("client_response_fin_close_header", explicit=True)
def _():
    client_response_fin(close_header=True)


@check("syn_flood", explicit=True)
def _():
    # 3000 SYNs from as many ports against a backlog of 64, measured on the
    # wire: every answered port gets a SYN-ACK (cookies beyond the backlog),
    # and only SYN-queue entries are retransmitted after syn_timeout, so the
    # number of ports whose SYN-ACK comes again is the half-open state kept:
    # it must stay within the backlog (RFC 4987 §3.6). conformance_tcp.sh
    # then checks that a real client still connects.
    n = 3000
    base = new_port()
    _next_port[0] += n
    t0 = time.time()
    # one frame built by scapy, then only ports, sequence and checksum patched
    tmpl = bytearray(frame(1, ECHO, SYN, 0, 0, opts=o_mss(1460) + o_sackok() + o_ts(1, 0) + o_ws(7)))
    ihl = (tmpl[14] & 15) * 4
    tcp0 = 14 + ihl
    tlen = len(tmpl) - tcp0
    pseudo = socket.inet_aton(ME) + socket.inet_aton(LR_ADDR) + struct.pack(">HH", 6, tlen)
    ports = set()
    for i in range(n):
        f = bytearray(tmpl)
        port = (base + i) % 64512 + 1024
        ports.add(port)
        struct.pack_into(">HHI", f, tcp0, port, ECHO, random.getrandbits(32))
        struct.pack_into(">H", f, tcp0 + 16, 0)
        b = pseudo + bytes(f[tcp0:])
        if len(b) % 2:
            b += b"\0"
        w = sum(struct.unpack(">%dH" % (len(b) // 2), b))
        while w >> 16:
            w = (w & 0xFFFF) + (w >> 16)
        struct.pack_into(">H", f, tcp0 + 16, ~w & 0xFFFF)
        link.send(bytes(f))
        if i % 100 == 99:
            link.drain(keep=lambda g: g.flags & SYN)
            time.sleep(0.02)  # let the tap queue drain: count answers, not tap drops
    sent_s = time.time() - t0
    got = link.collect(lambda g: g.flags & (SYN | ACK) == SYN | ACK and g.dport in ports,
                       CFG["syn_timeout"] * 1.5 + 0.5)
    per_port = {}
    for g in got:
        per_port[g.dport] = per_port.get(g.dport, 0) + 1
    again = sum(1 for v in per_port.values() if v > 1)
    print("  %d SYNs in %.2fs: %d ports answered, %d of them retransmitted (backlog %d)"
          % (n, sent_s, len(per_port), again, CFG["backlog"]))
    require(len(per_port) >= n // 2, "only %d of %d SYNs answered" % (len(per_port), n))
    require(1 <= again <= CFG["backlog"], "%d half-open connections kept (backlog %d)"
            % (again, CFG["backlog"]))


def main():
    global link
    link = Link()
    failed = 0
    by_name = {fn.check_name: fn for fn in results}
    if ONLY:
        todo = []
        for a in ONLY:
            name, _, times = a.partition("*")
            if name not in by_name:
                print("FAIL %s: no such check" % name)
                return 1
            todo += [by_name[name]] * int(times or 1)
    else:
        todo = [fn for fn in results if not fn.explicit]
    for fn in todo:
        if fn.check_name in SKIP:
            continue
        link.drain()
        try:
            fn()
            print("PASS %s" % fn.check_name, flush=True)
        except Failure as e:
            failed += 1
            print("FAIL %s: %s" % (fn.check_name, e), flush=True)
        except Exception as e:  # a crash in a check is a failure of that check
            failed += 1
            print("FAIL %s: exception %r" % (fn.check_name, e), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
