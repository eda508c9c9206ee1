#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# HTTP server for tests/integration/client_fin_with_data.sh: answers one
# request per connection with a keep-alive style response (no "Connection:
# close") and closes at once, the response and the FIN in one segment
# (TCP_CORK holds the response until close() sends both).
# Usage: client_fin_server.py ADDR PORT SECONDS  (exits by itself after SECONDS)
# Prints "served N" at exit.
import asyncio
import socket
import sys

RESP = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
served = 0


async def handle(reader, writer):
    global served
    sock = writer.get_extra_info("socket")
    try:
        await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    except (asyncio.TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
            ConnectionError):
        writer.close()
        return
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
    writer.write(RESP)
    writer.close()  # uncorks: the response leaves with the FIN
    served += 1


async def main():
    addr, port, secs = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    srv = await asyncio.start_server(handle, addr, port, backlog=1024, reuse_address=True)
    async with srv:
        await asyncio.sleep(secs)
    print("served %d" % served, flush=True)


asyncio.run(main())
