#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The test command: install dependencies, build, run every test suite
# (unit, integration, fuzz corpus replay).
#   sudo tools/test.sh                    everything
#   sudo tools/test.sh --suite unit       extra arguments go to `meson test`
# Environment: BUILD (build directory, default build), LR_SKIP_SETUP=1.
# Integration tests need root, network namespaces and /dev/net/tun; without
# them they report SKIP (exit 77) with the reason, never a silent pass.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}

if [ "${LR_SKIP_SETUP:-0}" != 1 ]; then
    tools/setup.sh
fi
if [ ! -f "$BUILD/build.ninja" ]; then
    meson setup "$BUILD"
fi
ninja -C "$BUILD"
exec meson test -C "$BUILD" --print-errorlogs --num-processes 2 "$@" </dev/null
