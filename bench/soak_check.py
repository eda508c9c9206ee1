#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Telemetry snapshots and checks for bench/soak.sh.

  soak_check.py snapshot PREFIX PID OUT.json
      every /linerate/* command, /mempool/info of every pool (through
      dpdk-telemetry.py, one session) and the process's open files, threads
      and RSS from /proc
  soak_check.py gauges SNAP.json
      the gauges of a snapshot, one "name value" a line
  soak_check.py compare BASE.json END.json
      table of every gauge, baseline vs end; exit 1 if any differs, and the
      gauges no telemetry provides are named (exit status unaffected)
  soak_check.py final LINERATE.LOG END.json KERNEL_LINK.json
      the final summary: every drop has a reason and the totals agree; the
      fault layer's RX drops are the fault_injected reason; the last snapshot
      is covered; the packets the kernel sent are the packets the port got
  soak_check.py uploads UPLOAD_DIR CLIENTS.json
      the upload directory holds exactly the uploads answered with 226, each
      complete, and nothing else (no partial or temporary file)

A gauge is a count that must come back to its value at the start once the
clients are gone and the timeouts ran: connections, sessions, table entries,
armed timers, held mbufs, open file descriptors.
"""
import hashlib
import json
import os
import re
import subprocess
import sys

TEL = "/usr/bin/dpdk-telemetry.py"
GAUGE_KEY = re.compile(r"(^active$|_active$|^state_|_held$|in_use|inuse|_pending$|^pending$|"
                       r"^entries|_entries$|inflight|in_flight|^binds$|_used$|^used$)")


def telemetry(prefix, cmds):
    """Answers of dpdk-telemetry.py to cmds (one session), in order: a list
    of (command, value)."""
    out = subprocess.run([sys.executable, TEL, "-f", prefix], input="\n".join(cmds) + "\n",
                         capture_output=True, text=True, timeout=60).stdout
    res, i = [], 0
    for line in out.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            d = json.loads(line)
        except ValueError:
            continue
        # each answer is {"/cmd": value} (parameters not repeated); skip any
        # command that got no answer (an output over the size limit)
        for k, v in d.items():
            j = i
            while j < len(cmds) and cmds[j].split(",")[0] != k:
                j += 1
            if j < len(cmds):
                res.append((cmds[j], v))
                i = j + 1
    return res


def proc(pid):
    p = {}
    try:
        p["fds"] = len(os.listdir("/proc/%s/fd" % pid))
        for line in open("/proc/%s/status" % pid):
            k, _, v = line.partition(":")
            if k in ("Threads", "VmRSS"):
                p[k] = int(v.split()[0])
    except OSError:
        p["dead"] = 1
    return p


def snapshot(prefix, pid, out):
    listing = dict(telemetry(prefix, ["/"])).get("/", [])
    cmds = [c for c in listing if c.startswith("/linerate/")] + ["/mempool/list", "/ethdev/stats,0"]
    snap = dict(telemetry(prefix, cmds))
    pools = snap.get("/mempool/list") or []
    snap["mempools"] = {}
    for (_, info), p in zip(telemetry(prefix, ["/mempool/info,%s" % p for p in pools]), pools):
        snap["mempools"][p] = info
    snap["proc"] = proc(pid)
    snap["listing"] = listing
    with open(out, "w") as fh:
        json.dump(snap, fh, sort_keys=True)


def gauges(snap):
    g = {}
    missing = []
    for w, d in sorted((snap.get("/linerate/workers") or {}).items()):
        for k, v in d.items():
            if k in ("conns_active", "timers_pending") or GAUGE_KEY.search(k) or "mbuf" in k:
                g["workers.%s.%s" % (w, k)] = v
    for cmd, d in sorted(snap.items()):
        if not cmd.startswith("/linerate/") or cmd in ("/linerate/workers", "/linerate/stats",
                                                       "/linerate/conns"):
            continue
        if isinstance(d, dict):
            for k, v in d.items():
                if isinstance(v, int) and GAUGE_KEY.search(k) and not k.startswith("opened_"):
                    g["%s.%s" % (cmd[len("/linerate/"):], k)] = v
    conns = snap.get("/linerate/conns")
    if isinstance(conns, dict):
        g["conns.listed"] = len(conns)
    mb = 0
    for name, info in sorted((snap.get("mempools") or {}).items()):
        if not isinstance(info, dict):
            continue
        if "common_pool_count" in info:
            g["mempool.%s.in_use" % name] = (info["size"] - info["common_pool_count"] -
                                             info.get("total_cache_count", 0))
            mb += 1
    if mb == 0 and not any(("mbuf" in k or "mempool" in k) and k != "ip.mbufs_held" for k in g):
        missing.append("mbufs in use per pool: /mempool/info (DPDK 22.11) has no free or cache "
                       "count and no /linerate/* command reports rte_mempool_in_use_count() of "
                       "the worker pools (lr_pool_N) or the net_tap pool")
    if not any(k.startswith("arp.") for k in g):
        missing.append("ARP table entries in use and packets parked while resolving "
                       "(struct lr_arp_table in lib/net/lr_arp.c): no telemetry command")
    p = snap.get("proc", {})
    for k in ("fds", "Threads"):
        if k in p:
            g["proc.%s" % k] = p[k]
    return g, missing


def load(path):
    return json.load(open(path))


def cmd_gauges(path):
    g, _ = gauges(load(path))
    for k, v in g.items():
        print(k, v)


def cmd_compare(base, end):
    gb, missing = gauges(load(base))
    ge, _ = gauges(load(end))
    bad = 0
    print("  %-40s %10s %10s" % ("gauge", "baseline", "end"))
    for k in sorted(set(gb) | set(ge)):
        a, b = gb.get(k, "-"), ge.get(k, "-")
        flag = "" if a == b else "   <-- differs"
        bad += a != b
        print("  %-40s %10s %10s%s" % (k, a, b, flag))
    rb, re_ = load(base).get("proc", {}).get("VmRSS"), load(end).get("proc", {}).get("VmRSS")
    print("  %-40s %10s %10s   (information)" % ("proc.VmRSS_kB", rb, re_))
    for m in missing:
        print("  NOT AVAILABLE: " + m)
    return 1 if bad else 0


def parse_final(log):
    lines = [l.rstrip("\n") for l in open(log, errors="replace") if l.startswith("final: ")]
    if not lines:
        return None
    head = lines[0]
    m = re.match(r"final: uptime=([\d.]+)s workers=(\d+) ports=(\d+) drops=(\d+)", head)
    groups = {}
    for l in lines[1:]:
        body = l[len("final: "):]
        pairs = re.findall(r" (\w+)=(\d+)", " " + body)
        name = re.sub(r"( \w+=\d+)+$", "", body).strip()
        groups[name] = {k: int(v) for k, v in pairs}
    return {"uptime": float(m.group(1)), "drops": int(m.group(4)), "groups": groups} if m else None


def cmd_final(log, end, link):
    f = parse_final(log)
    bad = []
    if f is None:
        print("  no final summary in the log")
        return 1
    g = f["groups"]
    drops = g.get("drops", {})
    print("  final summary: uptime %.1f s, drops=%d" % (f["uptime"], f["drops"]))
    for k, v in sorted(drops.items(), key=lambda kv: -kv[1]):
        print("    %-28s %12d" % (k, v))
    if sum(drops.values()) != f["drops"]:
        bad.append("drop reasons sum to %d, total says %d" % (sum(drops.values()), f["drops"]))
    per_proto = sum(g.get(p, {}).get("drops", 0) for p in ("eth", "arp", "ip", "icmp", "tcp", "udp", "app"))
    if per_proto != f["drops"]:
        bad.append("per-protocol drops sum to %d, total says %d" % (per_proto, f["drops"]))
    fault = g.get("fault", {})
    if fault.get("rx_dropped", 0) != drops.get("fault_injected", 0):
        bad.append("fault rx_dropped=%d but fault_injected=%d" % (fault.get("rx_dropped", 0),
                                                                drops.get("fault_injected", 0)))
    print("  fault layer: " + " ".join("%s=%d" % kv for kv in sorted(fault.items())))
    # The last telemetry snapshot (after the settle) is covered by the summary.
    st = load(end).get("/linerate/stats") or {}
    for k, v in (st.get("drops") or {}).items():
        if v > drops.get(k, 0):
            bad.append("drop %s: telemetry said %d at the end, the summary %d" % (k, v, drops.get(k, 0)))
    # Wire accounting, from the kernel's tap counters and the snapshot taken
    # just after them (no traffic in between). port0's rx_pkts are counted
    # after the RX fault layer (its drops are not in, its copies are), its
    # tx_pkts after the TX fault layer (lost frames never reach the device).
    try:
        snap = load(end)
        ks = load(link)[0]["stats64"]
        st_port = (snap.get("/linerate/stats") or {}).get("port0", {})
        st_fault = (snap.get("/linerate/stats") or {}).get("fault", {})
        eth = snap.get("/ethdev/stats,0") or {}
        ktx, krx = ks["tx"]["packets"], ks["rx"]["packets"]
        rx_in = st_port.get("rx_pkts", 0) - st_fault.get("rx_duplicated", 0) + st_fault.get("rx_dropped", 0)
        print("  wire: kernel tx %d = port0 rx_pkts %d - fault rx_duplicated %d + rx_dropped %d (= %d); "
              "ethdev ipackets %d" % (ktx, st_port.get("rx_pkts", 0), st_fault.get("rx_duplicated", 0),
                                      st_fault.get("rx_dropped", 0), rx_in, eth.get("ipackets", -1)))
        print("  wire: port0 tx_pkts %d = kernel rx %d; ethdev opackets %d" %
              (st_port.get("tx_pkts", 0), krx, eth.get("opackets", -1)))
        errs = {k: eth.get(k, 0) for k in ("imissed", "ierrors", "oerrors", "rx_nombuf")}
        print("  device: " + " ".join("%s=%d" % kv for kv in errs.items()) +
              "; kernel tap tx_dropped=%d rx_dropped=%d" % (ks["tx"].get("dropped", 0), ks["rx"].get("dropped", 0)))
        if rx_in != ktx:
            bad.append("the kernel sent %d packets into the tap, linerate accounts for %d" % (ktx, rx_in))
        if eth and eth.get("ipackets") != ktx:
            bad.append("the kernel sent %d packets into the tap, the device read %d" % (ktx, eth.get("ipackets")))
        if st_port.get("tx_pkts", 0) != krx:
            bad.append("port0 sent %d packets, the kernel received %d" % (st_port.get("tx_pkts", 0), krx))
        for k, v in errs.items():
            if v:
                bad.append("device %s=%d: dropped below linerate, no reason counter" % (k, v))
        if ks["tx"].get("dropped", 0):
            print("  note: the kernel dropped %d packets at the tap's queue (linerate too slow to read)"
                  % ks["tx"]["dropped"])
    except (OSError, ValueError, KeyError, IndexError, TypeError) as e:
        print("  wire: no kernel counters (%s)" % e)
    for b in bad:
        print("  BAD: " + b)
    return 1 if bad else 0


def cmd_uploads(updir, clients):
    stored = load(clients).get("stored", {})
    want = {os.path.basename(k): v for k, v in stored.items()}
    have = {}
    for n in sorted(os.listdir(updir)):
        with open(os.path.join(updir, n), "rb") as fh:
            have[n] = (hashlib.sha256(fh.read()).hexdigest(), os.path.getsize(os.path.join(updir, n)))
    bad = []
    for n, s in want.items():
        if n not in have:
            bad.append("226 for %s but no such file" % n)
        elif have[n][0] != s:
            bad.append("%s differs from what was sent (%d bytes on disk)" % (n, have[n][1]))
    extra = sorted(n for n in have if n not in want)
    print("  upload dir: %d files, %d uploads answered 226, %d other files" % (len(have), len(want), len(extra)))
    kinds = {}
    for n in extra:
        k = re.sub(r"-\d+-\d+\.bin$", "", n)
        kinds.setdefault(k, []).append(have[n][1])
    for k, sizes in sorted(kinds.items()):
        print("    left behind: %d %s files (%d-%d bytes)" % (len(sizes), k, min(sizes), max(sizes)))
    if extra:
        bad.append("%d files left by failed or aborted uploads" % len(extra))
    for b in bad[:10]:
        print("  BAD: " + b)
    return 1 if bad else 0


def main():
    a = sys.argv[1:]
    if a[:1] == ["snapshot"] and len(a) == 4:
        snapshot(a[1], a[2], a[3])
        return 0
    if a[:1] == ["gauges"] and len(a) == 2:
        cmd_gauges(a[1])
        return 0
    if a[:1] == ["compare"] and len(a) == 3:
        return cmd_compare(a[1], a[2])
    if a[:1] == ["final"] and len(a) == 4:
        return cmd_final(a[1], a[2], a[3])
    if a[:1] == ["uploads"] and len(a) == 3:
        return cmd_uploads(a[1], a[2])
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main())
