#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Build every libFuzzer target tests/fuzz/fuzz_NAME.c with clang
# (-fsanitize=fuzzer,address,undefined) and fuzz each for FUZZ_SECONDS
# (default 30) starting from its seed corpus tests/fuzz/corpus/NAME.
#
# Sources: a target lists the library files it needs in a comment line
#   " * fuzz-sources: lib/app/a.c lib/app/b.c"
# (pure parsers: no DPDK). A target without that line is linked against every
# lib/*/*.c file and DPDK (pkg-config libdpdk).
#
# usage: tests/fuzz/run.sh [NAME...]       (default: every target)
# env:   FUZZ_SECONDS (30), FUZZ_JOBS (1), FUZZ_OUT (build dir, default a temp dir),
#        CC (clang)
# New inputs found while fuzzing go to FUZZ_OUT/NAME.corpus, never into the
# seed corpus; crashes go to FUZZ_OUT/NAME.crash-*. Exit status 1 on any
# build failure or crash.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
secs=${FUZZ_SECONDS:-30}
jobs=${FUZZ_JOBS:-1}
cc=${CC:-clang}
out=${FUZZ_OUT:-}
if [ -z "$out" ]; then
    out=$(mktemp -d /tmp/lr-fuzz.XXXXXX)
fi
mkdir -p "$out"
out=$(cd "$out" && pwd) # absolute: targets run from inside it

if ! command -v "$cc" >/dev/null; then
    echo "run.sh: $cc not found (apt-get install clang)" >&2
    exit 1
fi

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    for f in "$here"/fuzz_*.c; do
        n=$(basename "$f" .c)
        targets+=("${n#fuzz_}")
    done
fi

# lib/app/lr_client_report.c includes lr_version.h, which meson generates
# (vcs_tag in lib/app/meson.build); make the same header here for the
# full-library link.
commit=$(git -C "$top" describe --always --dirty --abbrev=12 2>/dev/null || echo unknown)
sed "s/@VCS_TAG@/$commit/" "$top/lib/app/lr_version.h.in" >"$out/lr_version.h"

cflags=(-g -O1 -std=gnu11 -D_GNU_SOURCE -DALLOW_EXPERIMENTAL_API
        -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
        -I"$top/lib/platform" -I"$top/lib/net" -I"$top/lib/tls" -I"$top/lib/proto" -I"$top/lib/app"
        -I"$top/lib/runtime" -I"$out"
        -DLR_VERSION="\"$(sed -n "s/^ *version *: *'\([^']*\)'.*/\1/p" "$top/meson.build" | head -1)\"")

status=0
for t in "${targets[@]}"; do
    src="$here/fuzz_$t.c"
    if [ ! -f "$src" ]; then
        echo "run.sh: no target $src" >&2
        status=1
        continue
    fi
    list=$(sed -n 's/^.*fuzz-sources:[[:space:]]*//p' "$src" | head -1)
    # " * fuzz-extra: tests/unit/lr_test.c" adds files to the full-library link.
    more=$(sed -n 's/^.*fuzz-extra:[[:space:]]*//p' "$src" | head -1)
    # " * fuzz-libs: -lrte_net_ring" adds libraries (e.g. PMDs pkg-config leaves out).
    libs=$(sed -n 's/^.*fuzz-libs:[[:space:]]*//p' "$src" | head -1)
    extra=()
    if [ -n "$list" ]; then
        srcs=()
        for s in $list; do srcs+=("$top/$s"); done
    else
        mapfile -t srcs < <(ls "$top"/lib/*/*.c)
        for s in $more; do srcs+=("$top/$s"); done
        read -r -a extra <<<"$(pkg-config --cflags --libs libdpdk) $libs -lnuma -lm -lpthread -lcrypt -ldw -lssl -lcrypto"
    fi
    bin="$out/fuzz_$t"
    echo "== building $t"
    if ! "$cc" "${cflags[@]}" "$src" "${srcs[@]}" "${extra[@]}" -o "$bin"; then
        echo "run.sh: build of $t failed" >&2
        status=1
        continue
    fi
    work="$out/$t.corpus"
    mkdir -p "$work"
    seeds="$here/corpus/$t"
    [ -d "$seeds" ] || seeds=""
    echo "== fuzzing $t for ${secs}s"
    par=()
    if [ "$jobs" -gt 1 ]; then
        par=(-jobs="$jobs" -workers="$jobs")
    fi
    # Run inside $out: with -jobs libFuzzer writes fuzz-N.log into the cwd.
    if ! (cd "$out" && "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        "${par[@]}" -print_final_stats=1 -artifact_prefix="$out/$t.crash-" \
        "$work" ${seeds:+"$seeds"} </dev/null); then
        echo "run.sh: $t: fuzzer reported a failure (artifacts: $out/$t.crash-*)" >&2
        status=1
    fi
done
echo "run.sh: output in $out"
exit $status
