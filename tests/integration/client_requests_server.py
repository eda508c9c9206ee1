#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# HTTP/1.1 peer for tests/integration/client_requests.sh: records what the
# client sends and writes it as JSON when it exits.
#
# Usage: client_requests_server.py ADDR SECONDS OUT.json [--tls CERT KEY] MODE:PORT[:ARG]...
#   --tls CERT KEY    every port speaks HTTPS (TLS 1.2/1.3 with that key)
#   plain:PORT        answer each request at once (keep-alive unless the
#                     request asked to close); per (method, path): count,
#                     sha256 of every body, header values seen
#   pipe:PORT:N       hold the answers until N requests are in (or 1 s went
#                     by), then answer them all: records how many requests
#                     were outstanding on the wire before each answer batch
#   pipeclose:PORT:N  as pipe, but answer only the first 3 of the first
#                     batch, the 3rd with "Connection: close", then close
# Also: connections open at most at once, and each request's arrival time.
import asyncio
import hashlib
import json
import ssl
import sys
import time

stats = {"requests": {}, "batches": [], "max_open": 0, "conns": 0, "times": [],
         "bad": []}
open_now = 0


def record(method, path, headers, body):
    key = method + " " + path
    r = stats["requests"].setdefault(key, {"count": 0, "sha256": {}, "headers": {}})
    r["count"] += 1
    h = hashlib.sha256(body).hexdigest() if body else ""
    r["sha256"][h] = r["sha256"].get(h, 0) + 1
    for name, value in headers.items():
        if name in ("content-type", "x-linerate-test"):
            r["headers"][name + ": " + value] = r["headers"].get(name + ": " + value, 0) + 1
    stats["times"].append(time.monotonic())


async def read_request(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, path, version = lines[0].split(" ")
    headers = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    n = int(headers.get("content-length", "0"))
    body = await reader.readexactly(n) if n else b""
    if version != "HTTP/1.1" or "host" not in headers:
        stats["bad"].append(lines[0])
    return method, path, headers, body


def response(close):
    return (b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: " +
            (b"close" if close else b"keep-alive") + b"\r\n\r\nok")


async def handle(reader, writer, mode, arg):
    global open_now
    open_now += 1
    stats["conns"] += 1
    stats["max_open"] = max(stats["max_open"], open_now)
    try:
        if mode == "plain":
            while True:
                method, path, headers, body = await asyncio.wait_for(read_request(reader), 10)
                record(method, path, headers, body)
                close = headers.get("connection", "") == "close"
                writer.write(response(close))
                await writer.drain()
                if close:
                    break
        else:
            first = True
            while True:
                pending = []
                deadline = time.monotonic() + 1.0
                while len(pending) < arg:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    try:
                        req = await asyncio.wait_for(read_request(reader), left)
                    except asyncio.TimeoutError:
                        break
                    record(*req)
                    pending.append(req)
                if not pending:
                    break
                stats["batches"].append(len(pending))
                if mode == "pipeclose" and first:
                    writer.write(response(False) + response(False) + response(True))
                    await writer.drain()
                    break
                first = False
                writer.write(b"".join(response(False) for _ in pending))
                await writer.drain()
    except (asyncio.TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
            ConnectionError, ValueError, ssl.SSLError):
        pass
    finally:
        open_now -= 1
        writer.close()


async def main():
    addr, secs, out = sys.argv[1], float(sys.argv[2]), sys.argv[3]
    specs, tls = sys.argv[4:], None
    if specs and specs[0] == "--tls":
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(specs[1], specs[2])
        specs = specs[3:]
    servers = []
    for spec in specs:
        parts = spec.split(":")
        mode, port = parts[0], int(parts[1])
        arg = int(parts[2]) if len(parts) > 2 else 0
        for attempt in range(30):  # the address may still be settling on the tap
            try:
                servers.append(await asyncio.start_server(
                    lambda r, w, m=mode, a=arg: handle(r, w, m, a), addr, port, backlog=1024,
                    reuse_address=True, limit=1 << 22, ssl=tls))
                break
            except OSError:
                if attempt == 29:
                    raise
                await asyncio.sleep(0.1)
    print("listening", flush=True)
    await asyncio.sleep(secs)
    for s in servers:
        s.close()
    t = stats.pop("times")
    stats["first"] = t[0] if t else 0
    stats["last"] = t[-1] if t else 0
    stats["total"] = len(t)
    with open(out, "w") as f:
        json.dump(stats, f)


asyncio.run(main())
