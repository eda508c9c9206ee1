/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stateful libFuzzer target for the FTP server: the real module
 * (lr_ftp_server.c over lr_ftp_session.c, the disk I/O thread of
 * lr_ftp_io.c and a file cache of a temporary root) on the fixture worker
 * with the real TCP stack; the fuzzer is the client (sim_peer.h) on control
 * and data connections, with time advances in between so the 530 delay,
 * the data-connection wait, the idle timeout and every TCP timer fire.
 *
 * Input: a program of opcodes, each one byte followed by its arguments
 * (missing bytes read as 0); "s" names a peer slot (control or data):
 *   CONNECT           open a control connection to port 21
 *   CMD s c a         command c of the dictionary with argument a of the
 *                     argument dictionary, CRLF-terminated, on slot s
 *   RAW s n bytes     n raw bytes on slot s (commands split anywhere, bad bytes)
 *   LOGIN s k         USER/PASS pair: alice right or wrong, root wrong, anonymous
 *   DOPEN s           open the data connection to the last 227/229 port of s
 *   DSEND s l         l * 32 bytes of file data on slot s
 *   FIN s / RST s     end slot s in order / reset it
 *   TIME t            advance t * 10 ms (t < 128) or (t - 127) s
 *   QUIET             toggle the client acknowledging what it receives
 *   WND s v           the client's window on slot s becomes v * 256 (0: zero window)
 *   XFER s c a        PASV, open the data connection, then command c a
 * After each opcode the disk I/O thread is waited for and the client reads
 * (and, unless quiet, acknowledges) everything sent to it.
 *
 * Disk I/O: the I/O thread runs as in the appliance. To keep runs
 * reproducible, lr_ftp_io_submit/lr_ftp_io_complete are wrapped at link
 * time (-Wl,--wrap): the target counts requests in flight and each
 * completion poll waits until the first ones are back, so a program always
 * sees the same completions at the same points.
 *
 * Invariants, checked after every program (abort() on violation): once
 * every connection was reset and time ran past every timeout, no session,
 * connection, passive listener, I/O message or file descriptor is left, the
 * mbuf pool and the timer wheel are back to their baselines.
 *
 * fuzz-extra: tests/unit/lr_test.c tests/fuzz/sim_peer.c
 * fuzz-libs: -Wl,--no-as-needed -lrte_net_ring -lrte_bus_vdev -Wl,--wrap=lr_ftp_io_submit -Wl,--wrap=lr_ftp_io_complete -Wl,--wrap=lr_ftp_io_start
 */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "lr_config.h"
#include "lr_file_cache.h"
#include "lr_ftp_io.h"
#include "lr_ftp_server.h"
#include "lr_tcp.h"
#include "lr_tcp_priv.h"
#include "lr_worker.h"
#include "../unit/lr_test.h"
#include "sim_peer.h"

#define FTP_PORT     21
#define PASV_MIN     50000
#define PASV_MAX     50003
#define MAX_SESS     3
#define CLEANUP_STEP 1000000ull
#define CLEANUP_N    150 /* s: idle 20 s, data wait 30 s, TCP retries and TIME_WAIT */
#define IO_WAIT_NS   10000000000ll

/* openssl-compatible SHA-512 crypt of "secret" with the minimum rounds (fast checks). */
#define H_ALICE                                                                                    \
    "$6$rounds=1000$fuzzsalt$VaozQpX6.rHlYgQ8XkQuQwnkNdGdaeCOvmZC4qxWknLh/eg/"                     \
    "UKI7XrlNFcouj7rjYRe.I0VJYPdKlgC8OexQQ0"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* --- link-time wrappers around the I/O thread's rings ---------------------- */

struct lr_ftp_io *__real_lr_ftp_io_start(const char *root, const char *upload_vdir,
                                         const struct lr_ftp_users *users, uint16_t nb_workers,
                                         uint32_t bufs, int socket);
int __real_lr_ftp_io_submit(struct lr_ftp_io *io, uint16_t wid, struct lr_ftp_io_msg *m);
unsigned __real_lr_ftp_io_complete(struct lr_ftp_io *io, uint16_t wid, struct lr_ftp_io_msg **out,
                                   unsigned max);
struct lr_ftp_io *__wrap_lr_ftp_io_start(const char *root, const char *upload_vdir,
                                         const struct lr_ftp_users *users, uint16_t nb_workers,
                                         uint32_t bufs, int socket);
int __wrap_lr_ftp_io_submit(struct lr_ftp_io *io, uint16_t wid, struct lr_ftp_io_msg *m);
unsigned __wrap_lr_ftp_io_complete(struct lr_ftp_io *io, uint16_t wid, struct lr_ftp_io_msg **out,
                                   unsigned max);

static struct lr_ftp_io *the_io;
static unsigned inflight;

static void die(const char *what)
{
    fprintf(stderr, "fuzz_ftp_session: invariant violated: %s\n", what);
    abort();
}

struct lr_ftp_io *__wrap_lr_ftp_io_start(const char *root, const char *upload_vdir,
                                         const struct lr_ftp_users *users, uint16_t nb_workers,
                                         uint32_t bufs, int socket)
{
    the_io = __real_lr_ftp_io_start(root, upload_vdir, users, nb_workers, bufs, socket);
    return the_io;
}

int __wrap_lr_ftp_io_submit(struct lr_ftp_io *io, uint16_t wid, struct lr_ftp_io_msg *m)
{
    int rc = __real_lr_ftp_io_submit(io, wid, m);
    if (rc == 0)
        inflight++;
    return rc;
}

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/* The thread answers in order: wait for the first min(inflight, max). */
unsigned __wrap_lr_ftp_io_complete(struct lr_ftp_io *io, uint16_t wid, struct lr_ftp_io_msg **out,
                                   unsigned max)
{
    unsigned want = inflight < max ? inflight : max, got = 0;
    int64_t t0 = 0;
    while (got < want) {
        unsigned n = __real_lr_ftp_io_complete(io, wid, out + got, want - got);
        got += n;
        if (n == 0) {
            if (t0 == 0)
                t0 = mono_ns();
            else if (mono_ns() - t0 > IO_WAIT_NS)
                die("the disk I/O thread did not answer within 10 s");
            struct timespec ts = { 0, 20000 };
            nanosleep(&ts, NULL);
        }
    }
    inflight -= got;
    return got;
}

/* --- fixture ---------------------------------------------------------------- */

static struct lr_worker *fw;
static struct fp_peer peer;
static struct lr_file_cache *fc;
static char root[128], upload[160], users[160];
static unsigned base_pool;
static uint64_t base_timers;
static int base_fds;
static bool quiet;
static uint16_t pasv_port[FP_CONNS];
static uint8_t filebuf[32 * 255];
static bool verbose; /* FUZZ_VERBOSE=1: what each program did, on stderr */

static void write_file(const char *path, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        abort();
    for (size_t i = 0; i < len; i++)
        fputc(i % 61 == 60 ? '\n' : 'a' + (int)(i % 26), f);
    fclose(f);
}

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(p);
    return 0;
}

/* The upload directory as at start: only old.txt. */
static void upload_reset(void)
{
    DIR *d = opendir(upload);
    if (d == NULL)
        abort();
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char p[512];
        snprintf(p, sizeof(p), "%s/%s", upload, de->d_name);
        nftw(p, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
    }
    closedir(d);
    char p[512];
    snprintf(p, sizeof(p), "%s/old.txt", upload);
    write_file(p, 100);
}

/* File descriptors of this process open on files under the FTP root (only
 * the I/O thread opens those; libFuzzer's own come and go). */
static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (d == NULL)
        return -1;
    int n = 0;
    size_t rl = strlen(root);
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        char p[300], t[512];
        snprintf(p, sizeof(p), "/proc/self/fd/%s", de->d_name);
        ssize_t k = readlink(p, t, sizeof(t) - 1);
        if (k > 0 && (size_t)k >= rl && memcmp(t, root, rl) == 0 && (t[rl] == '/' || t[rl] == 0))
            n++;
    }
    closedir(d);
    return n;
}

static void teardown(void)
{
    if (fw == NULL)
        return;
    lr_ftp_server_shutdown(fw);
    lr_tcp_shutdown(fw);
    lr_test_tx_free_all(fw);
    lr_ftp_server_free(fw);
    lr_ftp_server_global_free(); /* users, I/O thread, temporary uploads */
    lr_tcp_free(fw);
    lr_test_tx_free_all(fw);
    lr_test_worker_free(fw);
    lr_file_cache_free(fc);
    fw = NULL;
    nftw(root, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
    remove(users);
}

static struct lr_worker *worker(void)
{
    if (fw != NULL)
        return fw;
    if (lr_test_eal_init() != 0 || lr_tcp_global_init() != 0)
        abort();
    snprintf(root, sizeof(root), "/tmp/lr_fuzz_ftp.XXXXXX");
    if (mkdtemp(root) == NULL)
        abort();
    char p[512];
    snprintf(p, sizeof(p), "%s/hello.txt", root);
    write_file(p, 13);
    snprintf(p, sizeof(p), "%s/pub", root);
    mkdir(p, 0755);
    snprintf(p, sizeof(p), "%s/pub/big.bin", root);
    write_file(p, 70000);
    snprintf(p, sizeof(p), "%s/pub/sub", root);
    mkdir(p, 0755);
    snprintf(upload, sizeof(upload), "%s/upload", root);
    mkdir(upload, 0755);
    upload_reset();
    snprintf(users, sizeof(users), "%s.users", root);
    FILE *f = fopen(users, "w");
    if (f == NULL)
        abort();
    fprintf(f, "alice:%s\n", H_ALICE);
    fclose(f);

    static struct lr_config cfg;
    lr_test_config_default(&cfg);
    cfg.arp.timeout = 1000000000000000000ull; /* the peer's entry never ages out */
    cfg.tcp.max_conns = 32;
    cfg.tcp.rcvbuf = 32768;
    cfg.tcp.sndbuf = 32768;
    cfg.tcp.rto_max = 4000000;
    cfg.tcp.retries = 5;
    cfg.tcp.syn_retries = 3;
    cfg.tcp.time_wait = 10000000;
    cfg.tcp.echo_port = 0;
    cfg.tcp.discard_port = 0;
    lr_test_ftp(&cfg)->enabled = true;
    lr_test_ftp(&cfg)->listen = FTP_PORT;
    snprintf(lr_test_ftp(&cfg)->root, sizeof(lr_test_ftp(&cfg)->root), "%s", root);
    snprintf(lr_test_ftp(&cfg)->upload_dir, sizeof(lr_test_ftp(&cfg)->upload_dir), "upload");
    snprintf(lr_test_ftp(&cfg)->users, sizeof(lr_test_ftp(&cfg)->users), "%s", users);
    lr_test_ftp(&cfg)->anonymous = true;
    lr_test_ftp(&cfg)->max_upload_bytes = 20000;
    lr_test_ftp(&cfg)->pasv_min = PASV_MIN;
    lr_test_ftp(&cfg)->pasv_max = PASV_MAX;
    lr_test_ftp(&cfg)->idle_timeout = 20000000;
    lr_test_ftp(&cfg)->max_sessions = MAX_SESS;
    char err[256];
    fc = lr_file_cache_load(root, 1u << 20, 1, err, sizeof(err));
    if (fc == NULL) {
        fprintf(stderr, "fuzz_ftp_session: %s\n", err);
        abort();
    }
    fw = lr_test_worker_new(&cfg);
    if (fw == NULL || lr_tcp_init(fw) != 0)
        abort();
    if (lr_ftp_server_global_init(fw->cfg, fc, 1, err, sizeof(err)) != 0) {
        fprintf(stderr, "fuzz_ftp_session: %s\n", err);
        abort();
    }
    if (lr_ftp_server_init(fw) != 0 || the_io == NULL)
        abort();
    lr_test_learn_peer(fw, LR_TEST_PEER_IP, &lr_test_peer_mac);
    for (size_t i = 0; i < sizeof(filebuf); i++)
        filebuf[i] = (uint8_t)('A' + i % 23);
    base_pool = lr_test_pool_in_use(fw);
    base_timers = fw->timers.count;
    base_fds = count_fds();
    fp_init(&peer, fw);
    verbose = getenv("FUZZ_VERBOSE") != NULL;
    atexit(teardown);
    return fw;
}

/* --- the client --------------------------------------------------------------- */

static const char *const cmds[] = {
    "USER", "PASS", "ACCT", "CWD",  "CDUP", "QUIT", "PORT", "PASV", "EPSV", "EPRT", "TYPE",
    "MODE", "STRU", "RETR", "STOR", "STOU", "APPE", "REST", "RNFR", "RNTO", "ABOR", "DELE",
    "RMD",  "MKD",  "PWD",  "LIST", "NLST", "SITE", "SYST", "STAT", "HELP", "NOOP", "FEAT",
    "OPTS", "SIZE", "MDTM", "MLSD", "MLST", "ALLO", "XPWD", "XCWD", "XMKD", "abor", "Retr",
};
static const char *const args[] = {
    "",
    "alice",
    "secret",
    "wrong",
    "anonymous",
    "root",
    "x",
    "/",
    "..",
    "/..",
    "/pub",
    "pub/big.bin",
    "/pub/big.bin",
    "hello.txt",
    "/upload",
    "upload/new.txt",
    "/upload/old.txt",
    "upload/d",
    "upload/d/f",
    "A",
    "I",
    "E",
    "L 8",
    "A N",
    "100",
    "0",
    "69999",
    "18446744073709551616",
    "198,18,0,1,27,88", /* 198.18.0.1:7000, the client */
    "198,18,0,1,0,20",  /* a privileged port */
    "10,0,0,1,27,88",   /* another host (bounce, RFC 2577) */
    "|1|198.18.0.1|7001|",
    "|2|::1|7001|",
    "|1|198.18.0.1|0|",
    "1,2,3,4,5,6,7",
    "UTF8 ON",
    "MLST type;size;",
    "*",
    "-la",
    "-la /pub",
    "upload/../../etc/passwd",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
};
#define NB_CMDS (sizeof(cmds) / sizeof(cmds[0]))
#define NB_ARGS (sizeof(args) / sizeof(args[0]))

struct rd {
    const uint8_t *p;
    size_t n, off;
};

static uint8_t byte(struct rd *r)
{
    return r->off < r->n ? r->p[r->off++] : 0;
}

/* Read the replies on slot @s: remember the port of 227/229, drop the rest. */
static void scan_replies(int s)
{
    uint32_t len;
    const uint8_t *b = fp_rx(&peer, s, &len);
    if (b == NULL)
        return;
    uint32_t start = 0;
    for (uint32_t i = 0; i < len; i++) {
        if (b[i] != '\n')
            continue;
        const char *line = (const char *)b + start;
        uint32_t ll = i + 1 - start;
        unsigned h[4], p1, p2, port;
        char tmp[256];
        uint32_t k = ll < sizeof(tmp) - 1 ? ll : (uint32_t)sizeof(tmp) - 1;
        memcpy(tmp, line, k);
        tmp[k] = '\0';
        const char *paren = strchr(tmp, '(');
        if (k > 4 && memcmp(tmp, "227 ", 4) == 0 && paren != NULL &&
            sscanf(paren, "(%u,%u,%u,%u,%u,%u)", &h[0], &h[1], &h[2], &h[3], &p1, &p2) == 6)
            pasv_port[s] = (uint16_t)(p1 * 256 + p2);
        else if (k > 4 && memcmp(tmp, "229 ", 4) == 0 && paren != NULL &&
                 sscanf(paren, "(|||%u|)", &port) == 1)
            pasv_port[s] = (uint16_t)port;
        if (verbose && peer.c[s].lport == FTP_PORT)
            fprintf(stderr, "  [%d] %s", s, tmp);
        start = i + 1;
    }
    /* Data connections: nothing to keep. Control: keep a partial line. */
    fp_rx_consume(&peer, s, peer.c[s].lport == FTP_PORT ? start : len);
}

static void io_sync(struct lr_worker *w)
{
    for (int i = 0; i < 64 && inflight > 0; i++)
        lr_ftp_server_poll(w);
    if (inflight > 0)
        die("I/O requests never complete");
}

/* Let the server, its I/O thread and the client go quiet. */
static void sync_all(struct lr_worker *w)
{
    for (int round = 0; round < 64; round++) {
        io_sync(w);
        fp_settle(&peer, !quiet);
        for (int s = 0; s < FP_CONNS; s++)
            scan_replies(s);
        if (inflight == 0)
            return;
    }
}

static void send_line(int s, const char *cmd, const char *arg)
{
    char line[512];
    int n = arg[0] != '\0' ? snprintf(line, sizeof(line), "%s %s\r\n", cmd, arg)
                           : snprintf(line, sizeof(line), "%s\r\n", cmd);
    if (verbose)
        fprintf(stderr, "[%d] > %s", s, line);
    fp_send(&peer, s, line, (uint32_t)n);
}

static int slot_arg(struct rd *r)
{
    return byte(r) % FP_CONNS;
}

static void data_open(int s)
{
    if (s >= 0 && s < FP_CONNS && pasv_port[s] != 0)
        fp_open(&peer, pasv_port[s], (pasv_port[s] & 1) != 0);
}

static void run_op(struct lr_worker *w, struct rd *r)
{
    uint8_t op = byte(r) % 14;
    switch (op) {
    case 0: /* CONNECT */
        fp_open(&peer, FTP_PORT, byte(r) & 1);
        break;
    case 1: { /* CMD */
        int s = slot_arg(r);
        uint8_t c = byte(r), a = byte(r);
        send_line(s, cmds[c % NB_CMDS], args[a % NB_ARGS]);
        break;
    }
    case 2: { /* RAW */
        int s = slot_arg(r);
        uint8_t n = byte(r);
        char raw[256];
        for (unsigned i = 0; i < n; i++)
            raw[i] = (char)byte(r);
        fp_send(&peer, s, raw, n);
        break;
    }
    case 3: { /* LOGIN */
        int s = slot_arg(r);
        static const char *const pairs[][2] = {
            { "alice", "secret" }, { "alice", "wrong" }, { "root", "x" }, { "anonymous", "a@b" }
        };
        unsigned k = byte(r) % 4;
        send_line(s, "USER", pairs[k][0]);
        sync_all(w);
        send_line(s, "PASS", pairs[k][1]);
        break;
    }
    case 4: /* DOPEN */
        data_open(slot_arg(r));
        break;
    case 5: { /* DSEND */
        int s = slot_arg(r);
        uint32_t len = (uint32_t)byte(r) * 32;
        for (uint32_t off = 0; off < len; off += 1400)
            fp_send(&peer, s, filebuf + off, len - off < 1400 ? len - off : 1400);
        break;
    }
    case 6:
        fp_fin(&peer, slot_arg(r));
        break;
    case 7:
        fp_rst(&peer, slot_arg(r));
        break;
    case 8: { /* TIME */
        uint8_t t = byte(r);
        lr_test_advance(w, t < 128 ? (uint64_t)t * 10000 : (uint64_t)(t - 127) * 1000000);
        break;
    }
    case 9:
        quiet = !quiet;
        break;
    case 10: { /* WND */
        int s = slot_arg(r);
        peer.c[s].wnd = (uint16_t)(byte(r) * 256u);
        if (peer.c[s].used)
            fp_ack(&peer, s);
        break;
    }
    case 11: { /* XFER */
        int s = slot_arg(r);
        uint8_t c = byte(r), a = byte(r);
        send_line(s, (c & 0x80) ? "EPSV" : "PASV", "");
        sync_all(w);
        data_open(s);
        sync_all(w);
        send_line(s, cmds[(c & 0x7f) % NB_CMDS], args[a % NB_ARGS]);
        break;
    }
    case 12: { /* a command split over two segments with time in between */
        int s = slot_arg(r);
        uint8_t c = byte(r), a = byte(r), cut = byte(r);
        char line[512];
        int n = snprintf(line, sizeof(line), "%s %s\r\n", cmds[c % NB_CMDS], args[a % NB_ARGS]);
        uint32_t k = (uint32_t)cut % (uint32_t)n;
        fp_send(&peer, s, line, k);
        sync_all(w);
        lr_test_advance(w, 50000);
        fp_send(&peer, s, line + k, (uint32_t)n - k);
        break;
    }
    case 13: /* the client goes away without a word */
        for (int s = 0; s < FP_CONNS; s++)
            if (peer.c[s].used && (byte(r) & 1))
                fp_rst(&peer, s);
        break;
    }
    sync_all(w);
}

static void check_baseline(struct lr_worker *w)
{
    struct lr_ftp_stats st;
    lr_ftp_counters_get(w, &st);
    struct lr_tcp_counters tc;
    lr_tcp_counters_get(w, &tc);
    if (verbose)
        fprintf(stderr,
                "sessions %" PRIu64 " logins ok %" PRIu64 " failed %" PRIu64 " commands %" PRIu64
                " transfers ok %" PRIu64 " aborted %" PRIu64 " failed %" PRIu64 " up %" PRIu64
                " down %" PRIu64 "\n",
                st.sessions_total, st.logins_ok, st.logins_failed, st.commands, st.transfers_ok,
                st.transfers_aborted, st.transfers_failed, st.bytes_up, st.bytes_down);
    if (st.sessions_active != 0)
        die("FTP sessions left after every timeout");
    if (tc.active != 0 || w->tcp->nb_free != w->tcp->max_conns) {
        fprintf(stderr, "active %" PRIu64 ", pool %u/%u free\n", tc.active, w->tcp->nb_free,
                w->tcp->max_conns);
        die("connections left after every timeout");
    }
    for (uint16_t p = PASV_MIN; p <= PASV_MAX; p++) {
        static const struct lr_tcp_listen_ops none;
        if (lr_tcp_listen(w, p, &none, NULL, NULL) != 0)
            die("a passive listener was left open");
        lr_tcp_unlisten(w, p);
    }
    if (inflight != 0 || lr_ftp_io_free_count(the_io, 0) != LR_FTP_IO_BUFS) {
        fprintf(stderr, "I/O in flight %u, free messages %u/%u\n", inflight,
                lr_ftp_io_free_count(the_io, 0), LR_FTP_IO_BUFS);
        die("I/O messages leaked");
    }
    lr_test_tx_free_all(w);
    if (lr_test_pool_in_use(w) != base_pool) {
        fprintf(stderr, "mbufs in use %u, baseline %u\n", lr_test_pool_in_use(w), base_pool);
        die("mbuf leak");
    }
    if (w->timers.count != base_timers) {
        fprintf(stderr, "timers armed %" PRIu64 ", baseline %" PRIu64 "\n", w->timers.count,
                base_timers);
        die("timer left armed");
    }
    int fds = count_fds();
    if (fds != base_fds) {
        fprintf(stderr, "open fds %d, baseline %d\n", fds, base_fds);
        die("file descriptor leak");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lr_worker *w = worker();
    struct rd r = { .p = data, .n = size };
    quiet = false;
    memset(pasv_port, 0, sizeof(pasv_port));
    unsigned ops = 0;
    while (r.off < r.n && ops++ < 256)
        run_op(w, &r);
    /* Every client connection is reset; then time runs out every timer. */
    for (int s = 0; s < FP_CONNS; s++)
        if (peer.c[s].used)
            fp_rst(&peer, s);
    for (int i = 0; i < CLEANUP_N; i++) {
        io_sync(w);
        fp_drain(&peer, false);
        lr_test_advance(w, CLEANUP_STEP);
    }
    io_sync(w);
    fp_drain(&peer, false);
    fp_reset(&peer);
    check_baseline(w);
    upload_reset();
    return 0;
}
