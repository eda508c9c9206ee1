/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fatal-signal report (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT).
 *
 * The handler runs in the crashed thread and does only async-signal-safe
 * work: it writes the signal, the faulting address, the worker (index and
 * lcore, from rte_lcore_id()), the timer callback and the connection the
 * worker was on, the raw frames as module+offset plus the executable's build
 * id (enough for `addr2line -e linerate OFFSET` by hand), and where a core
 * file goes (RLIMIT_CORE, /proc/sys/kernel/core_pattern). It then vforks and
 * execs this same binary as a symboliser (`linerate --lr-symbolize PID PC...`)
 * that reads the crashed process's maps and DWARF with libdw and prints
 * "#N function at file:line" for each frame: symbolising in the crashed
 * process itself would need malloc and locks that the crash may hold. The
 * signal is then raised again with the default action, so the exit status
 * (and the core dump) stay a death by that signal.
 */
#ifndef LR_CRASH_H
#define LR_CRASH_H

#include <stdint.h>

#include <rte_byteorder.h>

struct lr_worker;

/** What the crash report prints about the connection a worker is on: the
 *  first bytes of a TCP connection have this layout (checked in lr_tcp_conn.c). */
struct lr_crash_conn {
    rte_be32_t raddr;
    rte_be32_t laddr;
    rte_be16_t rport;
    rte_be16_t lport;
    uint8_t state;
};

/** Install the fatal-signal handlers and preload what they need. Main lcore,
 *  before EAL init. */
void lr_crash_init(void);
/** Make the workers known to the report (after they are created). */
void lr_crash_workers(struct lr_worker *const *ws, uint16_t n);
/** Entry point of the symboliser (argv: --lr-symbolize PID PC...). Exit status. */
int lr_crash_symbolize_main(int argc, char **argv);

/** Test hook (meson -Dtest_hooks=true): the crash site the integration test
 *  (tests/integration/crash_report.sh) expects by name and file:line. */
void lr_crash_test_fire(struct lr_worker *w);
/** True in builds with test hooks when LR_TEST_CRASH=worker is set (read once). */
int lr_crash_test_wanted(void);

#endif /* LR_CRASH_H */
