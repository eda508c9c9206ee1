#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Build and run the microbenchmarks; the JSON report goes to
# bench/results/micro-<UTC date-time>.json (not committed).
#
#   bench/run-micro.sh                              all benchmarks, 5 repetitions
#   bench/run-micro.sh --benchmark_filter=cookie    any Google Benchmark flag
#
# Environment: BUILD_DIR (default <repo>/build-bench, configured as a release
# build if missing), REPS (repetitions, default 5), BENCH_CPU (pin to this CPU
# with taskset when set).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=${BUILD_DIR:-$root/build-bench}
reps=${REPS:-5}

if [ ! -f "$build/build.ninja" ]; then
    meson setup "$build" "$root" --buildtype=release
fi
ninja -C "$build" bench/linerate-bench

mkdir -p "$here/results"
out="$here/results/micro-$(date -u +%Y-%m-%dT%H%M%SZ).json"

set -- --benchmark_out="$out" --benchmark_out_format=json \
    --benchmark_repetitions="$reps" --benchmark_report_aggregates_only=true "$@"
if [ -n "${BENCH_CPU:-}" ]; then
    set -- taskset -c "$BENCH_CPU" "$build/bench/linerate-bench" "$@"
else
    set -- "$build/bench/linerate-bench" "$@"
fi
# Never give a benchmark process a terminal or pipe to read from.
"$@" </dev/null
echo "results: $out"
