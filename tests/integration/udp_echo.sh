#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# UDP echo (RFC 862) from the kernel's UDP stack: datagrams from 0 bytes to
# 65507 bytes come back byte-exact, the large ones IP-fragmented both ways
# (kernel -> linerate reassembly, linerate fragmentation -> kernel
# reassembly). A datagram to a closed port gets ICMP port unreachable, which
# the kernel reports as ECONNREFUSED (what `nc -u` sees). Counters
# (/linerate/udp, /linerate/udp_echo, /linerate/ip) add up and the
# reassembly table is empty at the end.
. "$(dirname "$0")/lib.sh" "$@"

lr_config_write <<CONF
[udp]
echo_port = 7
CONF
lr_start

lr_ns "$LR_PY" - "$LR_ADDR" <<'PY' || lr_fail "echo exchange failed"
import os, socket, sys
addr = sys.argv[1]
sizes = [0, 1, 7, 8, 100, 1472, 1473, 2000, 4000, 8192, 16385, 30000, 50000, 60000, 65507]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
s.settimeout(2.0)
for size in sizes:
    data = os.urandom(size)
    for attempt in range(3):
        s.sendto(data, (addr, 7))
        try:
            got, peer = s.recvfrom(70000)
        except socket.timeout:
            print("size %d: no answer (attempt %d)" % (size, attempt + 1))
            continue
        if peer != (addr, 7):
            sys.exit("size %d: answer from %r" % (size, peer))
        if got != data:
            sys.exit("size %d: echo differs (%d bytes back)" % (size, len(got)))
        print("size %d: ok" % size)
        break
    else:
        sys.exit("size %d: no echo after 3 attempts" % size)

# Closed port: ICMP port unreachable -> ECONNREFUSED on a connected socket.
c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
c.settimeout(2.0)
c.connect((addr, 9))
refused = False
for attempt in range(3):
    try:
        c.send(b"anyone there?")
        c.recv(100)
        sys.exit("closed port answered")
    except ConnectionRefusedError:
        refused = True
        break
    except socket.timeout:
        continue
if not refused:
    sys.exit("closed port: no ECONNREFUSED")
print("closed port: ECONNREFUSED")
PY

# The same with nc -u (openbsd netcat): its -v probe of a closed port is
# refused (ECONNREFUSED) and nc exits 1; an open port (echo) gives 0.
if command -v nc >/dev/null; then
    out=$( (printf 'x\n'; sleep 0.5; printf 'y\n'; sleep 0.5; printf 'z\n'; sleep 0.5) 2>/dev/null |
        lr_ns timeout 5 nc -v -u "$LR_ADDR" 9 2>&1
        echo "nc_status=${PIPESTATUS[1]}")
    echo "nc -u to a closed port: $out"
    rc=$(echo "$out" | sed -n 's/^nc_status=//p')
    [ "$rc" = 1 ] || lr_fail "nc -u: the refusal was not reported (nc status $rc)"
    # Control: the same exchange with the echo port succeeds and echoes.
    out=$( (printf 'hello-echo\n'; sleep 1) 2>/dev/null |
        lr_ns timeout 5 nc -v -u -q 1 "$LR_ADDR" 7 2>&1
        echo "nc_status=${PIPESTATUS[1]}")
    echo "nc -u to the echo port: $out"
    # nc -v probes UDP ports with "X" datagrams: the open port echoes them
    # and nc exits 0; the closed one refused them and nc exited 1.
    echo "$out" | grep -q 'nc_status=0' || lr_fail "nc -u: echo port exchange failed ($out)"
    echo "$out" | grep -q 'XX' || lr_fail "nc -u: probe not echoed ($out)"
fi

field()
{
    "$LR_PY" -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"
}
echoed=$(lr_telemetry /linerate/udp_echo | field echoed) || exit 1
lr_assert_ge "$echoed" 15 "udp_echo echoed"
noport=$(lr_telemetry /linerate/udp | field rx_no_port) || exit 1
lr_assert_ge "$noport" 1 "udp rx_no_port"
ipj=$(lr_telemetry /linerate/ip) || exit 1
echo "/linerate/ip: $ipj"
lr_assert_ge "$(echo "$ipj" | field reassembled)" 9 "reassembled datagrams"
lr_assert_ge "$(echo "$ipj" | field fragmented)" 9 "fragmented replies"
lr_assert_eq "$(echo "$ipj" | field mbufs_held)" 0 "fragments still held"
lr_assert_eq "$(echo "$ipj" | field flows_active)" 0 "reassembly flows still open"
csum=$(lr_counter drops udp_bad_checksum) || exit 1
lr_assert_eq "$csum" 0 "udp checksum drops"

lr_stop
lr_pass
