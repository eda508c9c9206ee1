#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Fatal-signal report: with the test hook LR_TEST_CRASH=worker (builds with
# -Dtest_hooks=true), worker 0 writes through a NULL pointer 3 s into its
# loop, in lr_crash_test_fire (lib/platform/lr_crash.c). The report on stderr
# must name that function with its file:line (symbolised by the re-executed
# binary through libdw), the worker and its lcore, the build id, where the
# core file goes, and the process must die of SIGSEGV (status 139).
. "$(dirname "$0")/lib.sh" "$@"

if ! grep -q '^#define LR_TEST_HOOKS\|-DLR_TEST_HOOKS' "$(dirname "$LR_BIN")/../../build.ninja" 2>/dev/null; then
    lr_skip "built without -Dtest_hooks=true"
fi
# Under ASan/UBSan (tools/sanitize.sh) the sanitizer's own handler reports
# the fault (and lib.sh fails any test with a report): the handler tested
# here is the one of normal builds.
if grep -q 'fsanitize=' "$(dirname "$LR_BIN")/../../build.ninja" 2>/dev/null; then
    lr_skip "sanitizer build: the sanitizer reports fatal signals itself"
fi
site=$(grep -n '\*p = 1; /\* the crash site' "$LR_SRC/lib/platform/lr_crash.c" | cut -d: -f1)
[ -n "$site" ] || lr_fail "crash site not found in lib/platform/lr_crash.c"

# The default build keeps -g (meson.build); a build directory configured
# before that has no line tables: say so rather than fail on the frames.
if ! readelf -S "$LR_BIN" 2>/dev/null | grep -q '\.debug_line'; then
    lr_fail "$LR_BIN has no debug line tables: reconfigure its build with meson configure -Ddebug=true"
fi

export LR_TEST_CRASH=worker
lr_start
# A connection for the report to name (any answer will do, even a RST).
lr_ns timeout 2 bash -c "exec 3<>/dev/tcp/$LR_ADDR/80" 2>/dev/null || true
lr_wait_exit "$LR_PID" 150 "no crash within 15 s"
LR_PID=
LR_STOPPED=1
lr_assert_eq "$LR_EXIT" 139 "exit status (128 + SIGSEGV)"
lr_assert_log '^linerate: fatal signal SIGSEGV (11) at pc 0x[0-9a-f]*, fault address 0x0$' "signal line"
lr_assert_log '^linerate: crash: worker 0 lcore 1 ' "worker and lcore"
lr_assert_log "^linerate: crash: connection $LR_ADDR:80 <- $LR_PEER:[0-9]* tcp state [0-9]* " \
    "last connection of the worker"
lr_assert_log '^linerate: crash: build id [0-9a-f]\{40\} of ' "build id"
lr_assert_log '^  #0 0x[0-9a-f]* .*linerate+0x[0-9a-f]*$' "raw frame as module+offset"
lr_assert_log "^  #0 0x[0-9a-f]* lr_crash_test_fire at .*lib/platform/lr_crash.c:$site\$" \
    "frame 0 symbolised to the crash site"
lr_assert_log '^  #[1-9] 0x[0-9a-f]* lr_worker_main at .*lib/runtime/lr_loop.c:[0-9]*$' \
    "caller symbolised"
lr_assert_log '^linerate: crash: core file: ' "core file line"
lr_assert_log '^linerate: crash: no final: summary ' "final summary explained"
grep -E "^linerate: (fatal|crash)|^  #" "$LR_TMP/linerate.log" || true # the report, for the test log
lr_pass
