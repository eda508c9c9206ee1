#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The sanitizer job: build linerate, its unit tests and fuzz replay drivers
# with AddressSanitizer (+ LeakSanitizer) and UndefinedBehaviorSanitizer in
# their own build directory, then run the unit tests, the fuzz corpus replay
# and the integration suite there. Exit status non-zero on any failure; any
# sanitizer report is a failure (unit/fuzz: the process exits non-zero;
# integration: tests/integration/lib.sh scans every report its processes
# wrote, whatever their exit status).
#   sudo tools/sanitize.sh                 everything below
#   sudo tools/sanitize.sh --suite unit    extra arguments go to `meson test`
# Environment: ASAN_BUILD (default build-asan), LR_SKIP_SETUP=1.
#
# Only our code is instrumented: DPDK is Debian's shared build, without
# ASan support (its mempools are not poisoned, so a use of a freed mbuf is
# not caught here). Tests run with --no-huge -m 512 (lib.sh), which ASan's
# shadow mapping tolerates.
#
# The whole integration suite runs, but the container test (below): under
# ASan it took 6m47s on this 2-core machine (shared with other builds), the
# normal suite ~6 min.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${ASAN_BUILD:-build-asan}
exec </dev/null

if [ "${LR_SKIP_SETUP:-0}" != 1 ]; then
    tools/setup.sh
fi

# -O2 -g (debugoptimized): file:line in every report, and fast enough for
# the integration suite; meson.build adds -fno-omit-frame-pointer and
# -fno-sanitize-recover=undefined for sanitizer builds.
if [ ! -f "$BUILD/build.ninja" ]; then
    meson setup "$BUILD" -Db_sanitize=address,undefined -Dbuildtype=debugoptimized --werror
else
    meson configure "$BUILD" -Db_sanitize=address,undefined -Dbuildtype=debugoptimized -Dwerror=true
fi
ninja -C "$BUILD"

# Unit tests and fuzz replay: a report ends the process non-zero (ASan, LSan
# at exit, UBSan built with -fno-sanitize-recover), so meson counts it FAIL.
# Reports go to stderr, which --print-errorlogs shows.
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:print_summary=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:print_summary=1"

# Not the container test (suite "container"): the image it builds and runs
# compiles its own binary from the tree, so running it again here would
# spend 5-9 minutes testing nothing the sanitizers see.
exec meson test -C "$BUILD" --print-errorlogs --num-processes 2 --no-suite container "$@"
