#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Instructions per operation of the in-process benchmarks, counted by
# valgrind's callgrind: exact and repeatable where timings are not (this
# VM has no PMU counters for perf stat, and its timings vary by +-30 %).
#
#   bench/run-ir.sh BENCH_BINARY [BENCH_BINARY...]
#
# For each binary and each case, runs the case under callgrind and prints
# "binary case Ir/op", where Ir/op = inclusive instructions of the case's
# timed function / operations timed. An operation is one turn of the
# harness loop (lr_bench_keep_running() returning true): one response for
# http_reqresp_inproc*, one segment for tcp_rx_established.
# Environment: IR_CASES (space-separated benchmark names), IR_MIN_TIME.
# Instructions are not cycles (cache misses and branch mispredictions are
# not in them), but the same code path gives the same count: a change in
# Ir/op is a change in the work done.
set -euo pipefail

if [ $# -eq 0 ]; then
    sed -n '3,17p' "$0"
    exit 2
fi
command -v valgrind >/dev/null || {
    echo "run-ir.sh: valgrind is not installed (apt-get install valgrind)" >&2
    exit 2
}
CASES=${IR_CASES:-"tcp_rx_established/64 tcp_rx_established/1460 http_reqresp_inproc/1 http_reqresp_inproc/16 http_reqresp_inproc_cps/1 http_reqresp_inproc_cps/16"}
MIN_TIME=${IR_MIN_TIME:-0.05}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# What each case times: the functions whose inclusive instructions are
# counted (callgrind --toggle-collect; a paused region, such as
# tcp_rx_established building its segments, is left out this way).
collect() {
    case "$1" in
    tcp_rx_established/*)
        # rx_one's loop; rx_prepare/rx_check (untimed) toggle collection off
        echo "--toggle-collect=rx_one --toggle-collect=rx_prepare* --toggle-collect=rx_check*" ;;
    http_reqresp_inproc*) echo "--toggle-collect=inproc_run" ;;
    *) echo "run-ir.sh: unknown case $1" >&2; return 1 ;;
    esac
}

printf '%-28s %-28s %12s %10s\n' binary case ops Ir/op
for bin in "$@"; do
    for c in $CASES; do
        toggles=$(collect "$c")
        out="$tmp/cg.out"
        rm -f "$out"
        # shellcheck disable=SC2086
        valgrind --tool=callgrind --callgrind-out-file="$out" $toggles \
            --collect-atstart=no "$bin" --benchmark_filter="^${c}\$" \
            --benchmark_min_time="$MIN_TIME" >"$tmp/log" 2>&1 || {
            echo "run-ir.sh: $bin $c failed:" >&2
            tail -n 20 "$tmp/log" >&2
            exit 1
        }
        python3 - "$out" "$bin" "$c" <<'PY'
import re, sys
path, binary, case = sys.argv[1:]
names, calls = {}, {}
total, cfn = None, None
for line in open(path):
    line = line.rstrip("\n")
    if line.startswith(("summary:", "totals:")):
        total = int(line.split()[1])
    elif line.startswith("cfn="):
        m = re.match(r"\((\d+)\)(?: (.*))?$", line[4:])
        if m:
            if m.group(2):
                names[m.group(1)] = m.group(2)
            cfn = names.get(m.group(1), "")
        else:
            cfn = line[4:]
    elif line.startswith("fn="):
        m = re.match(r"\((\d+)\) (.*)$", line[3:])
        if m:
            names[m.group(1)] = m.group(2)
    elif line.startswith("calls=") and cfn is not None:
        calls[cfn] = calls.get(cfn, 0) + int(line[6:].split()[0])
def n(name):
    return sum(v for k, v in calls.items() if k == name or k.startswith(name + "'"))
if case.startswith("tcp_rx_established"):
    # rx_one: one segment per lr_eth_input_burst() call
    ops = n("lr_eth_input_burst")
else:
    # one response per turn of the loop; the last call of each run ends it
    ops = n("lr_bench_keep_running") - n("lr_bench_set_items_processed")
if total is None or ops <= 0:
    sys.exit(f"run-ir.sh: no totals or operations for {case} ({path})")
print(f"{binary.split('/')[-1]:<28} {case:<28} {ops:>12} {total / ops:>10.0f}")
PY
    done
done
