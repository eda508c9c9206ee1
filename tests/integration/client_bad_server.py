#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# A deliberately broken HTTP server for tests/integration/client_bad.sh.
# Usage: client_bad_server.py ADDR PORT SECONDS  (exits by itself after SECONDS)
# The request path selects the answer:
#   /ok          valid 200, keep-alive
#   /badstatus   "HTTP/1.1 2x0 OK"                      -> bad_status_line
#   /badheader   "Content-Length: 12abc"                -> bad_header
#   /short       Content-Length 100, 10 bytes, close    -> body_too_short
#   /badchunk    chunk size "zz"                        -> bad_chunk
#   /long        Content-Length 3, 6 bytes, close       -> body_too_long
#   /hangup      closes without answering               -> unexpected_close
import socket
import socketserver
import sys
import threading

ANSWERS = {
    b"/ok": (b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", False),
    b"/badstatus": (b"HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n", False),
    b"/badheader": (b"HTTP/1.1 200 OK\r\nContent-Length: 12abc\r\n\r\n", False),
    b"/short": (b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789", True),
    b"/badchunk": (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", False),
    b"/long": (b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 3\r\n\r\nabcdef", True),
    b"/hangup": (b"", True),
}


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.settimeout(5)
        buf = b""
        try:
            while True:
                while b"\r\n\r\n" not in buf:
                    data = self.request.recv(4096)
                    if not data:
                        return
                    buf += data
                head, buf = buf.split(b"\r\n\r\n", 1)
                parts = head.split(b"\r\n", 1)[0].split(b" ")
                path = parts[1] if len(parts) > 1 else b"/"
                answer, close = ANSWERS.get(path, (b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", False))
                if answer:
                    self.request.sendall(answer)
                if close:
                    self.request.shutdown(socket.SHUT_RDWR)
                    return
        except OSError:
            return


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def main():
    addr, port, secs = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    srv = Server((addr, port), Handler)
    threading.Timer(secs, srv.shutdown).start()
    print("ready", flush=True)
    srv.serve_forever(poll_interval=0.1)


if __name__ == "__main__":
    main()
