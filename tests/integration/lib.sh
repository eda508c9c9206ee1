# SPDX-License-Identifier: BSD-3-Clause
# Integration test harness. A test does:
#
#   . "$(dirname "$0")/lib.sh" "$@"       # $1 = path of the linerate binary
#   lr_config_write <<EOF                  # optional extra INI sections
#   [stats]
#   interval = 1s
#   EOF
#   lr_start                               # namespace, tap, wait for "ready"
#   ping -c 3 "$LR_ADDR" ...               # run inside with lr_ns CMD...
#   lr_stop                                # SIGTERM, exit 0, final summary
#   lr_pass
#
# Every test gets its own network namespace lrt-PID-NAME, tap interface
# lrtPIDx, DPDK --file-prefix lrt-PID-NAME and temporary directory; all of it
# is removed on exit (trap), whatever happens. Addresses: the appliance is
# 198.18.0.2/24 ($LR_ADDR), the kernel side of the tap 198.18.0.1/24
# ($LR_PEER) — RFC 2544 benchmarking space, never routed anywhere.
# Exit status: 0 pass, 1 fail (the linerate log is printed), 77 skip (a
# missing environment; under CI=true that is a failure: CI must really run).

set -u
set -o pipefail

LR_BIN=${1:-}
LR_NAME=$(basename "$0" .sh)
LR_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LR_NS="lrt-$$-$LR_NAME"
LR_IF="lrt$$x"
LR_PREFIX="lrt-$$-$LR_NAME"
LR_ADDR=198.18.0.2
LR_PEER=198.18.0.1
LR_PLEN=24
LR_PY=/usr/bin/python3
LR_PID=
LR_STOPPED=0
LR_EXIT=0
LR_TMP=
LR_SAN=
LR_READY_TIMEOUT=${LR_READY_TIMEOUT:-30}
LR_EAL_EXTRA=()
LR_LCORES=(-l 0-1) # main lcore + one worker; a test may set e.g. (--lcores "0@0,(1-2)@1")
LR_MEM=(--no-huge -m 512) # EAL memory options of lr_start; capture.sh runs on hugepages

lr_log() { echo "[$LR_NAME] $*"; }

lr_skip()
{
    echo "SKIP: $LR_NAME: $*"
    exit 77
}

# An environment the test needs is missing: skip, except under CI, where
# tools/setup.sh has installed everything and the tests must really run.
lr_skip_env()
{
    if [ "${CI:-}" = true ]; then
        lr_fail "cannot run under CI: $*"
    fi
    lr_skip "$@"
}

lr_fail()
{
    echo "FAIL: $LR_NAME: $*" >&2
    exit 1
}

lr_pass()
{
    lr_san_check || lr_fail "sanitizer report (above)"
    echo "PASS: $LR_NAME"
    exit 0
}

# Wait up to $2 tenths of a second for process $1 (a child) to exit by
# itself, failing the test with message $3 if it does not; its exit status
# is left in LR_EXIT.
lr_wait_exit()
{
    local pid=$1 limit=$2 waited=0
    while kill -0 "$pid" 2>/dev/null; do
        [ "$waited" -lt "$limit" ] || lr_fail "$3"
        sleep 0.1
        waited=$((waited + 1))
    done
    LR_EXIT=0
    wait "$pid" || LR_EXIT=$?
}

# SIGTERM child $1 (if any), give it $2 tenths of a second, then SIGKILL;
# always reaped, never fails (cleanup paths).
lr_reap()
{
    local pid=$1 limit=$2
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq "$limit"); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
}

# ---- Sanitizer reports (tools/sanitize.sh builds with ASan + UBSan) ----
# Every process the test starts inherits these options (a binary built
# without sanitizers ignores them). ASan (and LeakSanitizer, at exit) write
# their reports to files $LR_SAN/asan.PID, whichever process wrote them and
# whatever its exit status (a report from a process killed in cleanup, or
# from a --check run whose output the test ignores, counts as much as one
# from lr_stop). UBSan cannot: in GCC's split runtimes libubsan's call to
# __sanitizer_set_report_path binds to libasan's copy, so its own reports
# stay on stderr whatever log_path says. Its reports are found in the
# linerate logs lib.sh writes ($LR_TMP/*.log), and a process UBSan stopped
# (the build has -fno-sanitize-recover) exits with the distinctive status
# 86, which no test expects. lr_start, lr_stop, lr_pass and lr_cleanup fail
# the test on any report, printing it.
declare -A LR_SAN_SEEN # log file -> lines already scanned
lr_san_setup()
{
    LR_SAN="$LR_TMP/sanitizer"
    mkdir -p "$LR_SAN"
    export ASAN_OPTIONS="log_path=$LR_SAN/asan:halt_on_error=1:detect_leaks=1:print_summary=1:strip_path_prefix=$LR_SRC/"
    export UBSAN_OPTIONS="halt_on_error=1:exitcode=86:print_stacktrace=1:print_summary=1:strip_path_prefix=$LR_SRC/"
    if [ -f "$LR_SRC/tests/lsan.supp" ]; then
        export LSAN_OPTIONS="suppressions=$LR_SRC/tests/lsan.supp:print_suppressions=0"
    fi
}

# Print every sanitizer report written since the last call; status 1 if
# there was one.
lr_san_check()
{
    [ -n "${LR_SAN:-}" ] && [ -d "$LR_SAN" ] || return 0
    local f bad=0 n seen
    for f in "$LR_SAN"/*; do
        [ -f "$f" ] || continue
        if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$f"; then
            echo "----- sanitizer report $(basename "$f") ($LR_NAME) -----" >&2
            head -n 150 "$f" >&2
            echo "-----------------------------------" >&2
            bad=1
        fi
        rm -f "$f" # reported once
    done
    for f in "$LR_TMP"/*.log; do
        [ -f "$f" ] || continue
        n=$(wc -l <"$f")
        seen=${LR_SAN_SEEN[$f]:-0}
        [ "$n" -lt "$seen" ] && seen=0 # truncated by a new start
        LR_SAN_SEEN[$f]=$n
        if tail -n +"$((seen + 1))" "$f" | head -n "$((n - seen))" | grep -qE 'runtime error:|ERROR: (AddressSanitizer|LeakSanitizer)'; then
            echo "----- sanitizer report in $(basename "$f") ($LR_NAME) -----" >&2
            tail -n +"$((seen + 1))" "$f" | head -n "$((n - seen))" |
                grep -E -A 40 'runtime error:|ERROR: (AddressSanitizer|LeakSanitizer)' | head -n 150 >&2
            echo "-----------------------------------" >&2
            bad=1
        fi
    done
    return "$bad"
}

lr_cleanup()
{
    local rc=$?
    trap - EXIT INT TERM
    lr_reap "$LR_PID" 50
    lr_memif_kill
    if ! lr_san_check; then
        echo "FAIL: $LR_NAME: sanitizer report (above)" >&2
        rc=1
    fi
    if ip netns list 2>/dev/null | grep -qw "^$LR_NS"; then
        ip netns del "$LR_NS" 2>/dev/null
    fi
    rm -rf "/var/run/dpdk/$LR_PREFIX" 2>/dev/null
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && [ -n "$LR_TMP" ] && [ -f "$LR_TMP/linerate.log" ]; then
        echo "----- linerate log ($LR_NAME) -----"
        tail -n 200 "$LR_TMP/linerate.log"
        echo "-----------------------------------"
    fi
    [ -n "$LR_TMP" ] && rm -rf "$LR_TMP"
    exit "$rc"
}

# Skip (77) when the test cannot run here, saying why.
lr_require_env()
{
    [ -n "$LR_BIN" ] || lr_fail "usage: $0 LINERATE_BINARY"
    [ -x "$LR_BIN" ] || lr_fail "linerate binary '$LR_BIN' is not executable"
    [ "$(id -u)" -eq 0 ] || lr_skip_env "needs root (network namespaces, tap devices)"
    [ -c /dev/net/tun ] || lr_skip_env "no /dev/net/tun (net_tap needs it)"
    command -v ip >/dev/null || lr_skip_env "iproute2 (ip) is not installed"
    local probe="lrt-$$-probe"
    ip netns add "$probe" 2>/dev/null || lr_skip_env "cannot create network namespaces here"
    ip netns del "$probe"
}

# Tools the test needs; skips with the missing one named.
lr_require_tools()
{
    local t
    for t in "$@"; do
        command -v "$t" >/dev/null 2>&1 || lr_skip_env "'$t' is not installed (tools/setup.sh installs it)"
    done
}

lr_require_scapy()
{
    "$LR_PY" -c 'import scapy.all' 2>/dev/null || lr_skip_env "python3-scapy is not installed for $LR_PY"
}

# Write the test's config: [port0] with our address, small pools, stats every
# second; extra sections come from stdin (if any) and are appended.
lr_config_write()
{
    {
        cat <<CONF
# generated by tests/integration/lib.sh for $LR_NAME
[port0]
addr = $LR_ADDR/$LR_PLEN

[worker]
mbufs = 8192
mbuf_cache = 128
rx_desc = 512
tx_desc = 512
CONF
        if [ ! -t 0 ]; then
            echo
            cat
        fi
    } >"$LR_CONF"
}

# Run a command inside the test namespace.
lr_ns() { ip netns exec "$LR_NS" "$@"; }

# Start linerate on net_tap inside the namespace; wait for "linerate: ready";
# address the kernel side of the tap. Extra arguments go to linerate after --.
lr_start()
{
    [ -f "$LR_CONF" ] || lr_config_write </dev/null
    lr_san_check || lr_fail "sanitizer report from an earlier run (above)"
    ip netns add "$LR_NS" || lr_fail "cannot create namespace $LR_NS"
    lr_ns ip link set lo up
    : >"$LR_TMP/linerate.log" # no "ready" from a previous run
    ip netns exec "$LR_NS" "$LR_BIN" --no-pci "${LR_MEM[@]}" --file-prefix "$LR_PREFIX" \
        "${LR_LCORES[@]}" --vdev="net_tap0,iface=$LR_IF" --log-level=lib.eal:error "${LR_EAL_EXTRA[@]}" \
        -- -c "$LR_CONF" "$@" </dev/null >"$LR_TMP/linerate.log" 2>&1 &
    LR_PID=$!
    local waited=0
    while ! grep -q '^linerate: ready$' "$LR_TMP/linerate.log" 2>/dev/null; do
        if ! kill -0 "$LR_PID" 2>/dev/null; then
            wait "$LR_PID"
            lr_fail "linerate exited (status $?) before it was ready"
        fi
        if [ "$waited" -ge $((LR_READY_TIMEOUT * 10)) ]; then
            lr_fail "linerate not ready after ${LR_READY_TIMEOUT}s"
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
    # No kernel IPv6 chatter (router solicitations, MLD) on the test link:
    # tests count drops exactly.
    lr_ns sysctl -qw "net.ipv6.conf.$LR_IF.disable_ipv6=1" 2>/dev/null
    lr_ns ip addr add "$LR_PEER/$LR_PLEN" dev "$LR_IF" || lr_fail "cannot address $LR_IF"
    lr_ns ip link set "$LR_IF" up || lr_fail "cannot bring $LR_IF up"
    # The tap's MAC changes at every start: nothing stale can be cached, but
    # wait until the link is really up (carrier) before traffic.
    for _ in $(seq 50); do
        lr_ns ip link show "$LR_IF" | grep -q 'state UP\|state UNKNOWN' && break
        sleep 0.1
    done
    LR_MAC=$(sed -n 's/^linerate: port0 mac \([0-9a-fA-F:]*\) .*/\1/p' "$LR_TMP/linerate.log" | head -n 1)
    lr_log "linerate pid $LR_PID ready on $LR_IF ($LR_ADDR, mac ${LR_MAC:-?})"
}

# The JSON answer of telemetry command $1 (e.g. /linerate/stats), the value
# part only: {"/linerate/stats": X} -> X.
lr_telemetry()
{
    local cmd=$1 out
    out=$(echo "$cmd" | timeout 10 "$LR_PY" /usr/bin/dpdk-telemetry.py -f "$LR_PREFIX" 2>&1) ||
        lr_fail "dpdk-telemetry.py $cmd failed: $out"
    printf '%s\n' "$out" | "$LR_PY" -c '
import json, sys
cmd = sys.argv[1]
for line in sys.stdin:
    line = line.strip()
    if not line.startswith("{"):
        continue
    d = json.loads(line)
    if cmd in d:
        print(json.dumps(d[cmd]))
        sys.exit(0)
sys.exit(1)' "$cmd" || lr_fail "no answer to $cmd in: $out"
}

# Value of counter GROUP NAME in /linerate/stats (e.g. lr_counter drops ip_bad_checksum).
lr_counter()
{
    local json
    json=$(lr_telemetry /linerate/stats) || exit 1
    printf '%s\n' "$json" | "$LR_PY" -c '
import json, sys
d = json.load(sys.stdin)
g, n = sys.argv[1], sys.argv[2]
if g not in d or n not in d[g]:
    sys.exit("no counter %s.%s in /linerate/stats" % (g, n))
print(d[g][n])' "$1" "$2" || lr_fail "cannot read counter $1.$2"
}

lr_assert_eq()
{
    [ "$1" = "$2" ] || lr_fail "${3:-assertion}: expected '$2', got '$1'"
}

lr_assert_ge()
{
    [ "$1" -ge "$2" ] 2>/dev/null || lr_fail "${3:-assertion}: expected >= $2, got '$1'"
}

lr_assert_log()
{
    grep -q -- "$1" "$LR_TMP/linerate.log" || lr_fail "${2:-log}: no line matching '$1'"
}

# A line linerate prints on its own clock (the per-interval stats line):
# wait up to 5 s for a line matching $1, then fail with $2. A fast test
# can be done before the first interval has passed.
lr_wait_log()
{
    local waited=0
    until grep -q -- "$1" "$LR_TMP/linerate.log"; do
        [ "$waited" -lt 50 ] || lr_fail "${2:-log}: no line matching '$1' within 5 s"
        sleep 0.1
        waited=$((waited + 1))
    done
}

# SIGTERM; linerate must exit 0 within 20 s with its final summary printed.
lr_stop()
{
    [ -n "$LR_PID" ] || lr_fail "lr_stop: linerate is not running"
    kill -TERM "$LR_PID" || lr_fail "linerate died before SIGTERM"
    lr_wait_exit "$LR_PID" 200 "linerate did not stop within 20s of SIGTERM"
    LR_PID=
    LR_STOPPED=1
    lr_san_check || lr_fail "sanitizer report from linerate (above)"
    [ "$LR_EXIT" -eq 0 ] || lr_fail "linerate exited with status $LR_EXIT after SIGTERM"
    lr_assert_log '^final: uptime=' "final summary"
    lr_assert_log '^linerate: stopped$' "clean stop"
}

# ---- Two linerate processes over a net_memif pair ----------------------
# No kernel interface, so no namespace; addresses in 198.18.0.0/15. A test
# writes two configs and calls:
#
#   lr_memif_server NAME SERVER_CONF LCORE_ARGS...   # role=server, waits for ready
#   lr_memif_client NAME CLIENT_CONF LCORE_ARGS...   # role=client, client mode
#   lr_memif_finish NAME TELEMETRY_CMD...            # see below
#
# The client's config must say "report = $LR_MEMIF_FIFO". Why: DPDK 22.11's
# memif PMD, when the peer disconnects, unmaps the shared regions from its
# interrupt thread with no synchronisation against a worker that is inside
# rx/tx burst on them, which then crashes (SIGSEGV). So neither process may
# go away while the other's workers still poll. Client mode stops its workers,
# prints "client: done" and only then opens its report; the report being a
# FIFO holds the client there, workers stopped and port still open, while
# the server is read and stopped cleanly. Then the report is drained and the
# client exits: both must exit 0.
LR_MEMIF_SRV_PID=
LR_MEMIF_CLI_PID=
LR_MEMIF_SRV_PREFIX="lrt-$$-$LR_NAME-srv"
LR_MEMIF_CLI_PREFIX="lrt-$$-$LR_NAME-cli"
# Extra memif vdev arguments for both sides (",zero-copy=yes"); zero-copy
# needs the whole DPDK memory in one shareable file: --single-file-segments.
LR_MEMIF_VDEV_EXTRA=

lr_memif_kill()
{
    local p
    for p in $LR_MEMIF_CLI_PID $LR_MEMIF_SRV_PID; do
        kill -TERM "$p" 2>/dev/null
    done
    lr_reap "$LR_MEMIF_CLI_PID" 100
    lr_reap "$LR_MEMIF_SRV_PID" 100
    LR_MEMIF_SRV_PID=
    LR_MEMIF_CLI_PID=
    rm -rf "/var/run/dpdk/$LR_MEMIF_SRV_PREFIX" "/var/run/dpdk/$LR_MEMIF_CLI_PREFIX" 2>/dev/null
}

# $1 = run name, $2 = config, rest = lcore options. Log: $LR_TMP/server-NAME.log
lr_memif_server()
{
    local name=$1 conf=$2 waited=0
    shift 2
    rm -f "$LR_MEMIF_SOCK"
    "$LR_BIN" --no-pci --no-huge -m 512 --file-prefix "$LR_MEMIF_SRV_PREFIX" "$@" \
        ${LR_MEMIF_VDEV_EXTRA:+--single-file-segments} \
        --vdev="net_memif0,role=server,socket=$LR_MEMIF_SOCK,socket-abstract=no$LR_MEMIF_VDEV_EXTRA" \
        --log-level=lib.eal:error -- -c "$conf" </dev/null >"$LR_TMP/server-$name.log" 2>&1 &
    LR_MEMIF_SRV_PID=$!
    until grep -qs '^linerate: ready$' "$LR_TMP/server-$name.log"; do
        kill -0 "$LR_MEMIF_SRV_PID" 2>/dev/null ||
            { cat "$LR_TMP/server-$name.log"; lr_fail "$name: server exited"; }
        [ "$waited" -lt 300 ] || lr_fail "$name: server not ready within 30 s"
        sleep 0.1
        waited=$((waited + 1))
    done
}

# $1 = run name, $2 = config (report = $LR_MEMIF_FIFO), rest = lcore options.
# Log: $LR_TMP/client-NAME.log
lr_memif_client()
{
    local name=$1 conf=$2
    shift 2
    grep -q "^report = $LR_MEMIF_FIFO\$" "$conf" || lr_fail "$name: client config lacks report = \$LR_MEMIF_FIFO"
    rm -f "$LR_MEMIF_FIFO"
    mkfifo "$LR_MEMIF_FIFO" || lr_fail "mkfifo $LR_MEMIF_FIFO"
    "$LR_BIN" --no-pci --no-huge -m 512 --file-prefix "$LR_MEMIF_CLI_PREFIX" "$@" \
        ${LR_MEMIF_VDEV_EXTRA:+--single-file-segments} \
        --vdev="net_memif0,role=client,socket=$LR_MEMIF_SOCK,socket-abstract=no$LR_MEMIF_VDEV_EXTRA" \
        --log-level=lib.eal:error -- -c "$conf" </dev/null >"$LR_TMP/client-$name.log" 2>&1 &
    LR_MEMIF_CLI_PID=$!
}

# $1 = run name, rest = telemetry commands for the server. Waits for the
# client's final line (its workers have stopped: the server's counts are
# final), writes the server's answers to $LR_TMP/server-tel-NAME.txt (one
# JSON line per command), stops the server (exit 0, summary printed), then
# drains the report into $LR_TMP/report-NAME.json and waits for the client
# (exit 0).
lr_memif_finish()
{
    local name=$1 waited=0
    shift
    local clog="$LR_TMP/client-$name.log" slog="$LR_TMP/server-$name.log"
    until grep -q '^client: done' "$clog" 2>/dev/null; do
        kill -0 "$LR_MEMIF_CLI_PID" 2>/dev/null ||
            { tail -40 "$clog"; lr_fail "$name: client exited before its final line"; }
        kill -0 "$LR_MEMIF_SRV_PID" 2>/dev/null ||
            { tail -40 "$slog"; lr_fail "$name: the server died during the run"; }
        [ "$waited" -lt 600 ] || lr_fail "$name: client did not finish within 60 s"
        sleep 0.1
        waited=$((waited + 1))
    done
    printf '%s\n' "$@" | timeout 10 "$LR_PY" /usr/bin/dpdk-telemetry.py -f "$LR_MEMIF_SRV_PREFIX" 2>/dev/null |
        grep '^{' >"$LR_TMP/server-tel-$name.txt"
    kill -TERM "$LR_MEMIF_SRV_PID" 2>/dev/null ||
        { tail -40 "$slog"; lr_fail "$name: the server died during the run"; }
    lr_wait_exit "$LR_MEMIF_SRV_PID" 200 "$name: server did not stop within 20 s of SIGTERM"
    LR_MEMIF_SRV_PID=
    [ "$LR_EXIT" -eq 0 ] || { tail -20 "$slog"; lr_fail "$name: server exit status $LR_EXIT"; }
    grep -q '^linerate: stopped$' "$slog" || lr_fail "$name: server did not stop cleanly"
    timeout 20 cat "$LR_MEMIF_FIFO" >"$LR_TMP/report-$name.json" || lr_fail "$name: client wrote no report"
    lr_wait_exit "$LR_MEMIF_CLI_PID" 200 "$name: client did not exit within 20 s of its report"
    LR_MEMIF_CLI_PID=
    [ "$LR_EXIT" -eq 0 ] || { tail -20 "$clog"; lr_fail "$name: client exit status $LR_EXIT"; }
    rm -rf "/var/run/dpdk/$LR_MEMIF_SRV_PREFIX" "/var/run/dpdk/$LR_MEMIF_CLI_PREFIX" 2>/dev/null
}

# The value of telemetry command $2 from $LR_TMP/server-tel-$1.txt.
lr_memif_tel()
{
    "$LR_PY" -c '
import json, sys
for line in open(sys.argv[1]):
    d = json.loads(line)
    if sys.argv[2] in d:
        print(json.dumps(d[sys.argv[2]]))
        sys.exit(0)
sys.exit("no answer to %s from the server" % sys.argv[2])' "$LR_TMP/server-tel-$1.txt" "$2" ||
        lr_fail "$1: no $2 answer from the server"
}

# Check client report $1 (JSON) of run $3 against the server's request count
# $2: responses arrived, all 2xx, as many as requests and as the server
# counted, no error, nothing unfinished; run "cps" (requests_per_conn = 1):
# one connection per response.
lr_client_report_check()
{
    "$LR_PY" - "$1" "$2" "$3" <<'PY' || lr_fail "$3: report check failed"
import json, sys
r = json.load(open(sys.argv[1]))
srv, name = int(sys.argv[2]), sys.argv[3]
bad = []
if r["responses_total"] < 1:
    bad.append("no responses")
if r["errors_total"] != 0:
    bad.append("errors %s" % {k: v for k, v in r["errors"].items() if v})
if r["unfinished"] != 0:
    bad.append("unfinished %d" % r["unfinished"])
if r["responses"]["2xx"] != r["responses_total"]:
    bad.append("non-2xx responses %s" % r["responses"])
if r["requests"] != r["responses_total"]:
    bad.append("requests %d != responses %d" % (r["requests"], r["responses_total"]))
if srv != r["responses_total"]:
    bad.append("server counted %d requests, client %d responses" % (srv, r["responses_total"]))
if name == "cps" and r["connections"] != r["responses_total"]:
    bad.append("cps: %d connections for %d responses" % (r["connections"], r["responses_total"]))
# The client's own cost: its workers did work, and at least the few hundred
# cycles a request takes (a TSC clock of at least 100 MHz).
if r["tsc_hz"] < 100000000 or r["busy_cycles"] < 1 or not (100 < r["cycles_per_request"] < 1e9):
    bad.append("cost: busy_cycles %d, tsc_hz %d, cycles_per_request %s"
               % (r["busy_cycles"], r["tsc_hz"], r["cycles_per_request"]))
# The percentile distribution: ordered, ends at 100 % = max with every
# sample counted, and agrees with the headline percentiles.
lat, dist = r["latency_us"], r.get("latency_distribution", [])
if lat["samples"] < 1 or not dist:
    bad.append("no latency samples/distribution")
else:
    for a, b in zip(dist, dist[1:]):
        if not (b["percentile"] > a["percentile"] and b["value_us"] >= a["value_us"]
                and b["count"] >= a["count"]):
            bad.append("distribution not ordered at %s" % b)
            break
    last = dist[-1]
    if last["percentile"] != 100 or last["value_us"] != lat["max"] or last["count"] != lat["samples"]:
        bad.append("distribution ends at %s, max %d, samples %d" % (last, lat["max"], lat["samples"]))
    for row in dist:
        if row["percentile"] == 50 and row["value_us"] != lat["p50"]:
            bad.append("distribution p50 %d != p50 %d" % (row["value_us"], lat["p50"]))
    if lat["overflow"] != 0:
        bad.append("latency overflow %d" % lat["overflow"])
if bad:
    sys.exit("; ".join(bad))
PY
}

lr_require_env
LR_TMP=$(mktemp -d "/tmp/lrt-$$-$LR_NAME.XXXXXX")
LR_CONF="$LR_TMP/linerate.conf"
LR_LOGFILE="$LR_TMP/linerate.log"
LR_MEMIF_SOCK="$LR_TMP/memif.sock"
LR_MEMIF_FIFO="$LR_TMP/report.fifo"
lr_san_setup
# The default HTTP/FTP root is "www" next to the config file.
ln -s "$LR_SRC/config/www" "$LR_TMP/www"
trap lr_cleanup EXIT
trap 'exit 1' INT TERM
