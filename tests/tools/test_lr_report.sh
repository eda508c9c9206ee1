#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# tools/lr-report against real client reports and hand-written edge cases.
# Two real runs of the linerate client against a linerate server over a
# net_memif pair (two processes, no kernel interface, addresses in
# 198.18.0.0/15; the pattern of tests/integration/client_memif.sh): a closed
# loop and an open loop at request_rate. The table must show each report's
# own numbers, the config keys that differ and only those; --json must
# carry the same; --png must write a PNG. Then the files of tests/tools/data/
# (an old report without run/config/timeline, an empty distribution, not
# JSON, not an object) and a missing file: a "-" in the table or a one-line
# error, never a traceback; without matplotlib the table still works and
# --png fails with a clear message.
# $1 = linerate binary. LR_REPORT_KEEP=DIR copies the reports and the
# outputs there.
. "$(dirname "$0")/../integration/lib.sh" "$@"

TOOL="$LR_SRC/tools/lr-report"
DATA="$LR_SRC/tests/tools/data"
[ -x "$TOOL" ] || lr_fail "$TOOL is not executable"
"$LR_PY" -c 'import matplotlib' 2>/dev/null || lr_skip_env "$LR_PY has no matplotlib (python3-matplotlib)"

mkdir -p "$LR_TMP/site"
head -c 64 /dev/zero | tr '\0' 'a' >"$LR_TMP/site/small.txt"

cat >"$LR_TMP/server.conf" <<CONF
[port0]
addr = 198.18.2.1/24
[worker]
mbufs = 16384
[http]
listen = 80
root = $LR_TMP/site
[stats]
interval = 0
CONF

# $1 = run name, rest = extra [client] lines.
run_pair()
{
    local name=$1
    shift
    {
        cat <<CONF
[port0]
addr = 198.18.2.2/24
[worker]
mbufs = 16384
[http]
enabled = no
[tcp]
time_wait = 1s
[stats]
interval = 0
[client]
target = 198.18.2.1:80
path = /small.txt
duration = 3s
report = $LR_MEMIF_FIFO
CONF
        printf '%s\n' "$@"
    } >"$LR_TMP/client.conf"
    lr_memif_server "$name" "$LR_TMP/server.conf" -l 0-1
    lr_memif_client "$name" "$LR_TMP/client.conf" -l 0-1
    lr_memif_finish "$name" /linerate/stats
    lr_log "$name: $(grep '^client: done' "$LR_TMP/client-$name.log")"
}

run_pair closed "connections = 4"
run_pair open "connections = 8" "request_rate = 300"
A="$LR_TMP/report-closed.json"
B="$LR_TMP/report-open.json"
OUT="$LR_TMP/out"
mkdir -p "$OUT"

# $1 = name, rest = arguments: runs the tool, stdout/stderr/status in
# $OUT/NAME.{out,err,rc}; a traceback is always a failure.
tool()
{
    local name=$1 rc=0
    shift
    "$TOOL" "$@" >"$OUT/$name.out" 2>"$OUT/$name.err" || rc=$?
    echo "$rc" >"$OUT/$name.rc"
    if grep -q 'Traceback' "$OUT/$name.err"; then
        cat "$OUT/$name.err" >&2
        lr_fail "$name: traceback"
    fi
}

# $1 = name, $2 = expected status, $3 = regex of the single stderr line.
expect_error()
{
    local rc
    rc=$(cat "$OUT/$1.rc")
    [ "$rc" = "$2" ] || lr_fail "$1: exit status $rc, expected $2 ($(cat "$OUT/$1.err"))"
    [ "$(wc -l <"$OUT/$1.err")" -eq 1 ] || lr_fail "$1: not a one-line error: $(cat "$OUT/$1.err")"
    grep -qE "^lr-report: .*$3" "$OUT/$1.err" || lr_fail "$1: error '$(cat "$OUT/$1.err")' lacks /$3/"
}

# $1 = PNG file, $2 = what: magic bytes, an IHDR chunk, non-trivial size.
check_png()
{
    "$LR_PY" - "$1" "$2" <<'PY' || lr_fail "$2: not a valid PNG"
import struct, sys
data = open(sys.argv[1], "rb").read()
if data[:8] != b"\x89PNG\r\n\x1a\n":
    sys.exit("%s: bad magic %r" % (sys.argv[2], data[:8]))
if data[12:16] != b"IHDR" or not data.rstrip(b"\0").endswith(b"IEND\xaeB`\x82"):
    sys.exit("%s: no IHDR/IEND chunk" % sys.argv[2])
w, h = struct.unpack(">II", data[16:24])
if w < 400 or h < 400 or len(data) < 20000:
    sys.exit("%s: %dx%d, %d bytes: too small" % (sys.argv[2], w, h, len(data)))
PY
}

# The real reports: the server counted what the client says.
for name in closed open; do
    srv=$(lr_memif_tel "$name" /linerate/stats | "$LR_PY" -c '
import json, sys
print(json.load(sys.stdin)["modules"]["requests"])') || lr_fail "$name: no request count from the server"
    lr_client_report_check "$LR_TMP/report-$name.json" "$srv" "$name"
done

# The table: each column is its own report's numbers; only the differing
# config keys (connections, request_rate) are listed.
tool table --label closed-4 --label open-300 "$A" "$B"
[ "$(cat "$OUT/table.rc")" = 0 ] || lr_fail "table: status $(cat "$OUT/table.rc"): $(cat "$OUT/table.err")"
lr_log "table:"
cat "$OUT/table.out"
"$LR_PY" - "$OUT/table.out" "$A" "$B" <<'PY' || lr_fail "table check failed"
import json, re, sys
rows = {}
for line in open(sys.argv[1]):
    cells = re.split(r"\s{2,}", line.strip())
    rows[cells[0]] = cells[1:]
reps = [json.load(open(p)) for p in sys.argv[2:]]
bad = []
def want(row, vals):
    got = rows.get(row)
    if got != vals:
        bad.append("row %r: %r, expected %r" % (row, got, vals))
want("label", ["closed-4", "open-300"])
want("target", ["198.18.2.1:80", "198.18.2.1:80"])
want("commit", [r["run"]["commit"] for r in reps])
want("start", [r["run"]["start"] for r in reps])
want("duration_s", ["%.3f" % r["duration_s"] for r in reps])
want("workers", ["1", "1"])
want("connections (config)", ["4", "8"])
want("request_rate (config)", ["0", "300"])
for row, key in (("requests", "requests"), ("responses", "responses_total"),
                 ("errors", "errors_total"), ("connections made", "connections"),
                 ("unsent (open loop)", "unsent")):
    want(row, [str(r[key]) for r in reps])
want("2xx", [str(r["responses"]["2xx"]) for r in reps])
want("req/s achieved", ["%.1f" % r["requests_per_sec"] for r in reps])
for row, key in (("latency p50 (us)", "p50"), ("latency p90 (us)", "p90"),
                 ("latency p99 (us)", "p99"), ("latency p99.9 (us)", "p999"),
                 ("latency p99.99 (us)", "p9999"), ("latency max (us)", "max")):
    want(row, [str(r["latency_us"][key]) for r in reps])
want("timeline seconds", [str(len(r["timeline"])) for r in reps])
def rng(r):
    v = [s["responses_per_s"] for s in r["timeline"] if s["dt_s"] >= 0.5]
    return "%.0f..%.0f" % (min(v), max(v))
want("resp/s by second min..max", [rng(r) for r in reps])
cfg = sorted(k for k in rows if k.startswith("config."))
if cfg != ["config.connections", "config.request_rate"]:
    bad.append("differing config rows %s, expected connections and request_rate" % cfg)
# The open loop ran at about its rate: at most 300/s (+10 %), and not far
# below (a wide margin: both processes share the CPUs with whatever else runs).
if not 60 <= reps[1]["requests_per_sec"] <= 330:
    bad.append("open loop at %.1f/s, asked 300/s" % reps[1]["requests_per_sec"])
for r in reps:
    if len(r["timeline"]) < 2:
        bad.append("a timeline of %d seconds for a 3 s run" % len(r["timeline"]))
if bad:
    sys.exit("\n".join(bad))
PY

# --json: the same table.
tool json --json --label closed-4 "$A" "$B"
[ "$(cat "$OUT/json.rc")" = 0 ] || lr_fail "json: status $(cat "$OUT/json.rc")"
"$LR_PY" - "$OUT/json.out" "$A" "$B" <<'PY' || lr_fail "--json check failed"
import json, sys
t = json.load(open(sys.argv[1]))
reps = [json.load(open(p)) for p in sys.argv[2:]]
rows = {r["name"]: r["values"] for r in t["rows"]}
assert t["columns"] == ["closed-4", "report-open"], t["columns"]
assert rows["requests"] == [str(r["requests"]) for r in reps], rows["requests"]
assert rows["latency p99 (us)"] == [str(r["latency_us"]["p99"]) for r in reps]
PY

# The chart, two real runs.
tool png --png "$OUT/chart.png" "$A" "$B"
[ "$(cat "$OUT/png.rc")" = 0 ] || lr_fail "png: status $(cat "$OUT/png.rc"): $(cat "$OUT/png.err")"
[ ! -s "$OUT/png.err" ] || lr_fail "png: stderr: $(cat "$OUT/png.err")"
check_png "$OUT/chart.png" "two real runs"

# An older report (no run, config, timeline or distribution) beside a real
# one and one with no responses: "-" where there is nothing, the error
# reasons of both, the chart still drawn, each gap said once on stderr.
tool mixed --png "$OUT/mixed.png" "$A" "$DATA/old_v1.json" "$DATA/empty.json"
[ "$(cat "$OUT/mixed.rc")" = 0 ] || lr_fail "mixed: status $(cat "$OUT/mixed.rc"): $(cat "$OUT/mixed.err")"
check_png "$OUT/mixed.png" "mixed reports"
"$LR_PY" - "$OUT/mixed.out" <<'PY' || lr_fail "mixed table check failed"
import re, sys
rows = {}
for line in open(sys.argv[1]):
    cells = re.split(r"\s{2,}", line.strip())
    rows[cells[0]] = cells[1:]
def want(row, vals):
    assert rows.get(row) == vals, "row %r: %r, expected %r" % (row, rows.get(row), vals)
want("label", ["report-closed", "old_v1", "empty"])
assert rows["commit"][1:] == ["-", "0123456789ab"], rows["commit"]
assert rows["start"][1:] == ["-", "2026-01-02T03:04:05Z"], rows["start"]
want("requests", [rows["requests"][0], "3000", "0"])
want("4xx", ["0", "7", "0"])
want("errors", ["0", "3", "5"])
want("timeout", ["0", "3", "0"])
want("connect_refused", ["0", "-", "5"])
assert rows["latency p99 (us)"][1:] == ["1200", "-"], rows["latency p99 (us)"]
assert rows["timeline seconds"][1:] == ["-", "0"], rows["timeline seconds"]
assert rows["resp/s by second min..max"][1:] == ["-", "-"], rows["resp/s by second min..max"]
assert rows["throughput"][1:] == ["12.000 Mbps", "0.000 Mbps"], rows["throughput"]
# The old report has no config: it takes no part in the config comparison.
assert rows["config.connections"] == ["4", "-", "1"], rows["config.connections"]
PY
grep -q '^lr-report: old_v1: no timeline' "$OUT/mixed.err" || lr_fail "mixed: no word on old_v1's timeline"
grep -q '^lr-report: empty: empty latency distribution' "$OUT/mixed.err" ||
    lr_fail "mixed: no word on empty's distribution"

# Bad input: one line, status 1 (2 for usage), nothing on stdout.
tool notjson "$A" "$DATA/not_json.txt"
expect_error notjson 1 "not_json.txt: not JSON"
tool truncated "$DATA/truncated.json"
expect_error truncated 1 "truncated.json: not JSON"
tool array "$DATA/array.json"
expect_error array 1 "array.json: not a linerate client report \(a JSON list"
tool other "$DATA/other_object.json"
expect_error other 1 "other_object.json: not a linerate client report"
tool missing "$A" "$LR_TMP/no-such-report.json"
expect_error missing 1 "no-such-report.json: cannot read: No such file"
tool labels --label a --label b "$A"
expect_error labels 2 "2 labels for 1 reports"
for n in notjson truncated array other missing labels; do
    [ ! -s "$OUT/$n.out" ] || lr_fail "$n: printed a table anyway"
done
# An unwritable chart: the table, then the error.
tool unwritable --png "$LR_TMP/no-such-dir/chart.png" "$A"
expect_error unwritable 1 "cannot write .*no-such-dir/chart.png"
grep -q '^requests ' "$OUT/unwritable.out" || lr_fail "unwritable: no table before the error"

# Without matplotlib (python -S: no dist-packages) the table still works and
# --png says what is missing.
if "$LR_PY" -S -c 'import matplotlib' 2>/dev/null; then
    lr_log "matplotlib importable without site-packages: no-matplotlib case not run"
else
    "$LR_PY" -S "$TOOL" "$A" >"$OUT/nompl.out" 2>"$OUT/nompl.err" ||
        lr_fail "no matplotlib: the table failed: $(cat "$OUT/nompl.err")"
    grep -q '^requests ' "$OUT/nompl.out" || lr_fail "no matplotlib: no table"
    rc=0
    "$LR_PY" -S "$TOOL" --png "$OUT/nompl.png" "$A" >"$OUT/nomplpng.out" 2>"$OUT/nomplpng.err" || rc=$?
    echo "$rc" >"$OUT/nomplpng.rc"
    expect_error nomplpng 1 "--png needs matplotlib"
    [ ! -e "$OUT/nompl.png" ] || lr_fail "no matplotlib: a PNG was written"
fi

if [ -n "${LR_REPORT_KEEP:-}" ]; then
    mkdir -p "$LR_REPORT_KEEP" && cp "$A" "$B" "$OUT"/* "$LR_REPORT_KEEP/"
fi
lr_pass
