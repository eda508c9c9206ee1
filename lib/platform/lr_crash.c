/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fatal-signal report (lr_crash.h). Everything under on_fatal() is
 * async-signal-safe: write/open/read/getrlimit/vfork/execve/waitpid and
 * formatting into static buffers; backtrace() is preloaded at init so it
 * does not load libgcc in the handler.
 */
#include <elf.h>
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <inttypes.h>
#include <link.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#include <elfutils/libdwfl.h>
#include <rte_common.h>
#include <rte_lcore.h>

#include "lr_crash.h"
#include "lr_timer.h"
#include "lr_worker.h"

#define CRASH_FRAMES 64

static struct lr_worker *crash_workers[LR_MAX_WORKERS];
static uint16_t crash_nb_workers;
static char crash_build_id[2 * 20 + 1];
static char crash_exe[512];
static void *crash_frames[CRASH_FRAMES];
static char crash_line[1024];
static size_t crash_len;
static char crash_maps[8192];

/* --- async-signal-safe output ------------------------------------------- */
static void out_flush(void)
{
    size_t off = 0;
    while (off < crash_len) {
        ssize_t n = write(STDERR_FILENO, crash_line + off, crash_len - off);
        if (n <= 0)
            break;
        off += (size_t)n;
    }
    crash_len = 0;
}

static void out_s(const char *s)
{
    while (*s != '\0') {
        if (crash_len == sizeof(crash_line))
            out_flush();
        crash_line[crash_len++] = *s++;
    }
}

static void out_u(uint64_t v)
{
    char b[24];
    int i = (int)sizeof(b);
    b[--i] = '\0';
    do {
        b[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    out_s(b + i);
}

static void out_x(uint64_t v)
{
    char b[24];
    int i = (int)sizeof(b);
    b[--i] = '\0';
    do {
        b[--i] = "0123456789abcdef"[v & 15];
        v >>= 4;
    } while (v != 0);
    b[--i] = 'x';
    b[--i] = '0';
    out_s(b + i);
}

static void out_ip(rte_be32_t a)
{
    const uint8_t *p = (const uint8_t *)&a;
    for (int i = 0; i < 4; i++) {
        out_u(p[i]);
        if (i < 3)
            out_s(".");
    }
}

static uint64_t parse_hex(const char **p)
{
    uint64_t v = 0;
    for (;;) {
        char c = **p;
        if (c >= '0' && c <= '9')
            v = v * 16 + (uint64_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v = v * 16 + (uint64_t)(c - 'a' + 10);
        else
            return v;
        (*p)++;
    }
}

/* Module and file offset of @pc from /proc/self/maps (read in the handler:
 * open/read are async-signal-safe). False when no mapping holds it. */
static bool maps_find(uintptr_t pc, const char **path, size_t *path_len, uint64_t *off)
{
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    size_t have = 0;
    bool found = false;

    if (fd < 0)
        return false;
    for (;;) {
        ssize_t n = read(fd, crash_maps + have, sizeof(crash_maps) - 1 - have);
        if (n <= 0)
            break;
        have += (size_t)n;
        crash_maps[have] = '\0';
        char *line = crash_maps, *nl;
        while ((nl = strchr(line, '\n')) != NULL) {
            /* start-end perms offset dev inode path */
            const char *p = line;
            uint64_t start = parse_hex(&p);
            p++;
            uint64_t end = parse_hex(&p);
            if (pc >= start && pc < end) {
                p = strchr(p, ' ') + 1; /* perms */
                uint64_t foff = parse_hex(&p);
                const char *slash = memchr(p, '/', (size_t)(nl - p));
                *off = pc - start + foff;
                if (slash != NULL) {
                    *path = slash;
                    *path_len = (size_t)(nl - slash);
                } else {
                    *path = "?";
                    *path_len = 1;
                }
                found = true;
                break;
            }
            line = nl + 1;
        }
        if (found)
            break;
        /* Keep the incomplete last line for the next read. */
        size_t rest = have - (size_t)(line - crash_maps);
        memmove(crash_maps, line, rest);
        have = rest;
        if (have == sizeof(crash_maps) - 1)
            have = 0; /* a line longer than the buffer: skip it */
    }
    close(fd);
    return found;
}

static const char *sig_name(int sig)
{
    switch (sig) {
    case SIGSEGV:
        return "SIGSEGV";
    case SIGBUS:
        return "SIGBUS";
    case SIGILL:
        return "SIGILL";
    case SIGFPE:
        return "SIGFPE";
    case SIGABRT:
        return "SIGABRT";
    default:
        return "signal";
    }
}

static void report_worker(void)
{
    unsigned lcore = rte_lcore_id();
    const struct lr_worker *w = NULL;

    for (uint16_t i = 0; i < crash_nb_workers; i++)
        if (crash_workers[i] != NULL && crash_workers[i]->lcore == lcore)
            w = crash_workers[i];
    if (w == NULL) {
        out_s("linerate: crash: thread: ");
        if (lcore == LCORE_ID_ANY)
            out_s("not an lcore (control or driver thread)\n");
        else {
            out_s("lcore ");
            out_u(lcore);
            out_s(" (main lcore, not a worker)\n");
        }
        return;
    }
    out_s("linerate: crash: worker ");
    out_u(w->id);
    out_s(" lcore ");
    out_u(w->lcore);
    out_s(" socket ");
    out_u(w->socket);
    out_s(" now_us=");
    out_u(w->now);
    out_s(" loops=");
    out_u(w->stats.loops);
    out_s(" timers_pending=");
    out_u(w->timers.count);
    out_s(" timer_errors=");
    out_u(lr_timer_wheel_errors(&w->timers));
    out_s("\n");
    const struct lr_timer *t = w->timers.running;
    if (t != NULL) {
        out_s("linerate: crash: in timer callback ");
        out_x((uintptr_t)t->fn);
        out_s(" (timer ");
        out_x((uintptr_t)t);
        out_s(", symbolised below when it is a frame)\n");
    }
    const struct lr_crash_conn *c = w->cur_conn;
    if (c != NULL) {
        out_s("linerate: crash: connection ");
        out_ip(c->laddr);
        out_s(":");
        out_u(rte_be_to_cpu_16(c->lport));
        out_s(" <- ");
        out_ip(c->raddr);
        out_s(":");
        out_u(rte_be_to_cpu_16(c->rport));
        out_s(" tcp state ");
        out_u(c->state);
        out_s(" (the last connection this worker's TCP input handled)\n");
    } else {
        out_s("linerate: crash: connection: none being handled\n");
    }
}

static void report_core(void)
{
    struct rlimit rl;
    char pat[256];
    ssize_t n = 0;
    int fd = open("/proc/sys/kernel/core_pattern", O_RDONLY | O_CLOEXEC);

    if (fd >= 0) {
        n = read(fd, pat, sizeof(pat) - 1);
        close(fd);
    }
    if (n < 0)
        n = 0;
    while (n > 0 && pat[n - 1] == '\n')
        n--;
    pat[n] = '\0';
    out_s("linerate: crash: core file: ");
    if (getrlimit(RLIMIT_CORE, &rl) == 0 && rl.rlim_cur == 0) {
        out_s("none (RLIMIT_CORE is 0: ulimit -c unlimited to get one)");
    } else {
        out_s(pat[0] == '|' ? "piped to " : "written as ");
        out_s(pat[0] != '\0' ? pat : "core");
        if (pat[0] != '|' && pat[0] != '/')
            out_s(" in the working directory");
        out_s(" (core_pattern; RLIMIT_CORE ");
        if (rl.rlim_cur == RLIM_INFINITY)
            out_s("unlimited");
        else
            out_u(rl.rlim_cur);
        out_s(")");
    }
    out_s("\n");
}

/* Run the symboliser on the frames; bounded (it gives up after 10 s). */
static void report_symbolised(void *const *frames, int nframes)
{
    static char pidbuf[24];
    static char pcs[CRASH_FRAMES][24];
    static char *argv[CRASH_FRAMES + 4];
    int k = 0;

    if (crash_exe[0] == '\0')
        return;
    char *p = pidbuf + sizeof(pidbuf) - 1;
    *p = '\0';
    pid_t self = getpid();
    do {
        *--p = (char)('0' + self % 10);
        self /= 10;
    } while (self != 0);
    argv[k++] = crash_exe;
    argv[k++] = (char *)"--lr-symbolize";
    argv[k++] = p;
    for (int i = 0; i < nframes && i < CRASH_FRAMES; i++) {
        uint64_t v = (uintptr_t)frames[i];
        char *q = pcs[i] + sizeof(pcs[i]) - 1;
        *q = '\0';
        do {
            *--q = "0123456789abcdef"[v & 15];
            v >>= 4;
        } while (v != 0);
        argv[k++] = q;
    }
    argv[k] = NULL;
    out_s("linerate: crash: symbolised stack:\n");
    out_flush();
    pid_t pid = vfork();
    if (pid == 0) {
        char *envp[] = { NULL };
        dup2(STDERR_FILENO, STDOUT_FILENO);
        execve(crash_exe, argv, envp);
        _exit(127);
    }
    if (pid > 0) {
        int st;
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
            ;
    }
}

static void on_fatal(int sig, siginfo_t *si, void *uctx)
{
    uintptr_t pc = 0;
#if defined(__x86_64__)
    pc = (uintptr_t)((ucontext_t *)uctx)->uc_mcontext.gregs[REG_RIP];
#else
    (void)uctx;
#endif
    out_s("linerate: fatal signal ");
    out_s(sig_name(sig));
    out_s(" (");
    out_u((uint64_t)sig);
    out_s(") at pc ");
    out_x(pc);
    if (sig == SIGSEGV || sig == SIGBUS) {
        out_s(", fault address ");
        out_x((uintptr_t)si->si_addr);
    }
    out_s("\n");
    report_worker();
    out_s("linerate: crash: build id ");
    out_s(crash_build_id[0] ? crash_build_id : "unknown");
    out_s(" of ");
    out_s(crash_exe);
    out_s("\n");
    out_flush();

    /* Frames from the faulting one on: the handler's own and the signal
     * trampoline are skipped. Later frames are return addresses (addr2line
     * wants each minus 1; the symboliser does that). */
    int n = backtrace(crash_frames, CRASH_FRAMES);
    int first = 0;
    for (int i = 0; i < n; i++)
        if ((uintptr_t)crash_frames[i] == pc) {
            first = i;
            break;
        }
    if (first == 0 && n > 2 && pc == 0)
        first = 2; /* a call through NULL: frame 0 is 0x0, below the trampoline */
    out_s("linerate: crash: stack (module+offset for addr2line -e MODULE):\n");
    for (int i = first; i < n; i++) {
        uintptr_t a = (uintptr_t)crash_frames[i];
        const char *path;
        size_t plen;
        uint64_t off;
        out_s("  #");
        out_u((uint64_t)(i - first));
        out_s(" ");
        out_x(a);
        if (maps_find(a, &path, &plen, &off)) {
            out_s(" ");
            /* path points into the static maps buffer: print it bounded */
            for (size_t j = 0; j < plen; j++) {
                char c[2] = { path[j], '\0' };
                out_s(c);
            }
            out_s("+");
            out_x(off - (i == first ? 0 : 1));
        }
        out_s("\n");
    }
    out_flush();
    if (pc == 0 && first < n)
        crash_frames[first] = (void *)1; /* nothing to symbolise at 0 */
    report_symbolised(crash_frames + first, n - first > 0 ? n - first : 0);
    report_core();
    out_s("linerate: crash: no final: summary (the process state is not trusted after a "
          "fatal signal; the last stats line and /linerate/stats hold the counters)\n");
    out_flush();
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Build id of the main executable, from its PT_NOTE segments. */
static int build_id_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    (void)arg;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_NOTE)
            continue;
        const char *p = (const char *)(info->dlpi_addr + ph->p_vaddr);
        const char *end = p + ph->p_memsz;
        while (p + sizeof(ElfW(Nhdr)) <= end) {
            const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)p;
            const char *name = p + sizeof(*nh);
            const uint8_t *desc = (const uint8_t *)name + RTE_ALIGN_CEIL(nh->n_namesz, 4);
            if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 && memcmp(name, "GNU", 4) == 0) {
                size_t k = 0;
                for (size_t j = 0; j < nh->n_descsz && k + 2 < sizeof(crash_build_id); j++) {
                    crash_build_id[k++] = "0123456789abcdef"[desc[j] >> 4];
                    crash_build_id[k++] = "0123456789abcdef"[desc[j] & 15];
                }
                crash_build_id[k] = '\0';
                return 1;
            }
            p = (const char *)desc + RTE_ALIGN_CEIL(nh->n_descsz, 4);
        }
    }
    return 1; /* only the first object: the executable */
}

void lr_crash_init(void)
{
    static const int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };
    void *warm[1];
    struct sigaction sa;

    ssize_t n = readlink("/proc/self/exe", crash_exe, sizeof(crash_exe) - 1);
    crash_exe[n > 0 ? n : 0] = '\0';
    dl_iterate_phdr(build_id_cb, NULL);
    (void)backtrace(warm, 1);
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_fatal;
    sa.sa_flags = SA_SIGINFO | SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < RTE_DIM(sigs); i++)
        sigaction(sigs[i], &sa, NULL);
}

void lr_crash_workers(struct lr_worker *const *ws, uint16_t n)
{
    crash_nb_workers = 0;
    for (uint16_t i = 0; i < n && i < LR_MAX_WORKERS; i++)
        crash_workers[i] = ws[i];
    crash_nb_workers = n < LR_MAX_WORKERS ? n : LR_MAX_WORKERS;
}

/* --- the symboliser (a fresh process: malloc and libdw are fine here) ---- */
int lr_crash_symbolize_main(int argc, char **argv)
{
    static const Dwfl_Callbacks cb = {
        .find_elf = dwfl_linux_proc_find_elf,
        .find_debuginfo = dwfl_standard_find_debuginfo,
    };
    if (argc < 3)
        return 2;
    alarm(10); /* never hold the crashed process for long */
    pid_t pid = (pid_t)strtol(argv[2], NULL, 10);
    Dwfl *d = dwfl_begin(&cb);
    if (d == NULL || dwfl_linux_proc_report(d, pid) != 0 || dwfl_report_end(d, NULL, NULL) != 0) {
        printf("  (cannot read the maps of process %d: %s)\n", (int)pid, dwfl_errmsg(-1));
        return 1;
    }
    for (int i = 3; i < argc; i++) {
        Dwarf_Addr pc = strtoull(argv[i], NULL, 16);
        Dwarf_Addr q = i == 3 ? pc : pc - 1; /* return addresses point after the call */
        Dwfl_Module *m = dwfl_addrmodule(d, q);
        const char *fn = m != NULL ? dwfl_module_addrname(m, q) : NULL;
        const char *mod =
            m != NULL ? dwfl_module_info(m, NULL, NULL, NULL, NULL, NULL, NULL, NULL) : NULL;
        Dwfl_Line *l = m != NULL ? dwfl_module_getsrc(m, q) : NULL;
        int line = 0;
        const char *file = l != NULL ? dwfl_lineinfo(l, NULL, &line, NULL, NULL, NULL) : NULL;
        printf("  #%d 0x%" PRIx64 " %s", i - 3, (uint64_t)pc, fn != NULL ? fn : "??");
        if (file != NULL)
            printf(" at %s:%d", file, line);
        else if (mod != NULL)
            printf(" in %s", mod);
        printf("\n");
    }
    fflush(stdout);
    dwfl_end(d);
    return 0;
}

/* --- test hook ----------------------------------------------------------- */
int lr_crash_test_wanted(void)
{
#ifdef LR_TEST_HOOKS
    const char *v = getenv("LR_TEST_CRASH");
    return v != NULL && strcmp(v, "worker") == 0;
#else
    return 0;
#endif
}

void __rte_noinline lr_crash_test_fire(struct lr_worker *w)
{
    volatile int *volatile p = NULL;
    (void)w;
    *p = 1; /* the crash site crash_report.sh looks for */
}
