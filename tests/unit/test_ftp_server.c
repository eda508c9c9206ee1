/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * FTP server unit tests: the real module (lr_ftp_server.c, lr_ftp_data.c over
 * lr_ftp_session.c, the disk I/O thread of lr_ftp_io.c for password checks,
 * a file cache of a temporary root) on the fixture worker with the real TCP
 * stack. Simulated TCP peers (lr_tcp_test.h builders) are the client's
 * control and data connections; replies are reassembled from the
 * transmitted segments and checked byte for byte, time is driven
 * explicitly for the login-failure delay, the idle timeout and TIME_WAIT.
 *
 * The I/O thread is not wrapped (unlike fuzz_ftp_session): a test that
 * needs a completion (USER/PASS of a users-file account) polls
 * lr_ftp_server_poll() in a bounded loop, 1 ms steps up to 2 s, until every
 * I/O message of the worker is free again.
 *
 * After each test, time runs past every TCP timer and the test checks that
 * no FTP session, TCP connection, passive listener, I/O message or mbuf is
 * left.
 */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "lr_file_cache.h"
#include "lr_ftp_io.h"
#include "lr_ftp_server.h"
#include "lr_ftp_server_priv.h"
#include "lr_tcp.h"
#include "lr_tcp_opt.h"
#include "lr_tcp_priv.h"
#include "lr_tcp_test.h"
#include "lr_test.h"

#define FTP_PORT      21
#define PASV_MIN      50000
#define PASV_MAX      50003
#define IDLE_US       5000000ull
#define FAIL_DELAY_US 1000000ull /* DEFAULT_FAIL_DELAY_US of lr_ftp_session.c */
#define TIME_WAIT_US  2000000ull
#define BIG_SIZE      70000u
#define HELLO         "hello\nworld\n"
#define HELLO_LEN     12u
#define IO_WAIT_STEPS 2000 /* x 1 ms */

/* openssl-compatible SHA-512 crypt of "secret" with the minimum rounds (fast checks). */
#define H_ALICE                                                                                    \
    "$6$rounds=1000$fuzzsalt$VaozQpX6.rHlYgQ8XkQuQwnkNdGdaeCOvmZC4qxWknLh/eg/"                     \
    "UKI7XrlNFcouj7rjYRe.I0VJYPdKlgC8OexQQ0"

static char root[256];
static char users[300];
static struct lr_file_cache *fc;
static uint8_t big[BIG_SIZE];
static unsigned base_pool;

/* --- the client: TCP peers on top of lrt_build ------------------------------ */

#define NB_PEERS 4
#define PEER_BUF (256u * 1024u)

struct peer {
    bool used;
    uint16_t pport; /* the client's port (host order) */
    uint16_t lport; /* the server's port */
    uint32_t seq;   /* next sequence the client sends */
    uint32_t ack;   /* next sequence expected from the server */
    bool hold_fin;  /* do not acknowledge the server's FIN (until peer_ack_fin) */
    bool fin;       /* the server's FIN arrived */
    bool fin_acked; /* ... and the client acknowledged it */
    bool need_ack;  /* something arrived since the last ACK */
    bool rst;       /* the server reset the connection */
    bool closed;    /* the client sent its FIN */
    size_t len, rd; /* bytes received / consumed by the test */
    uint8_t *buf;   /* PEER_BUF bytes */
};

static struct peer peers[NB_PEERS];
static uint16_t next_pport;

static void peer_send(struct lrt_env *e, struct peer *p, uint8_t flags, const void *data,
                      uint32_t len)
{
    e->peer_port = p->pport;
    e->local_port = p->lport;
    e->peer_seq = p->seq;
    e->peer_ack = p->ack;
    lrt_send(e, &(struct lrt_spec){ .flags = flags, .data = data, .len = len });
    p->seq = e->peer_seq;
}

static struct peer *peer_of(const struct lrt_seg *s)
{
    for (int i = 0; i < NB_PEERS; i++)
        if (peers[i].used && peers[i].pport == s->dport && peers[i].lport == s->sport)
            return &peers[i];
    return NULL;
}

/*
 * Take everything the server transmitted, acknowledging as a reader would
 * (the server's FIN too, unless the peer holds it), until it goes quiet.
 */
static void collect(struct lrt_env *e)
{
    for (int round = 0; round < 100000; round++) {
        struct lrt_seg s;
        while (lrt_expect(e, &s)) {
            assert_int_equal(s.dst, LR_TEST_PEER_IP);
            struct peer *p = peer_of(&s);
            if (p == NULL)
                fail_msg("segment from port %u to unknown client port %u, flags 0x%x", s.sport,
                         s.dport, s.flags);
            if (s.flags & LRT_RST) {
                p->rst = true;
                continue;
            }
            assert_false(s.flags & LRT_SYN);
            if (s.len > 0) {
                if (s.seq != p->ack)
                    fail_msg("port %u: segment seq %u, expected %u", p->pport, s.seq, p->ack);
                assert_true(p->len + s.len <= PEER_BUF);
                memcpy(p->buf + p->len, s.data, s.len);
                p->len += s.len;
                p->ack += s.len;
                p->need_ack = true;
            }
            if (s.flags & LRT_FIN) {
                /* The FIN's sequence: next expected, or one before it when
                 * this repeats a FIN already acknowledged. */
                assert_int_equal(s.seq + s.len, p->fin_acked ? p->ack - 1 : p->ack);
                if (!p->fin_acked && !p->hold_fin) {
                    p->ack += 1;
                    p->fin_acked = true;
                }
                p->fin = true;
                p->need_ack = true;
            }
        }
        bool sent = false;
        for (int i = 0; i < NB_PEERS; i++) {
            struct peer *p = &peers[i];
            if (p->used && p->need_ack && !p->rst) {
                p->need_ack = false;
                peer_send(e, p, LRT_ACK, NULL, 0);
                sent = true;
            }
        }
        if (!sent)
            return;
    }
    fail_msg("the exchange did not settle");
}

/* Open a connection from a fresh client port to the server's @lport; with
 * @hold_fin the server's FIN is not acknowledged until peer_ack_fin(). */
static struct peer *peer_connect(struct lrt_env *e, uint16_t lport, bool hold_fin)
{
    struct peer *p = NULL;
    for (int i = 0; i < NB_PEERS && p == NULL; i++)
        if (!peers[i].used)
            p = &peers[i];
    assert_non_null(p);
    uint8_t *buf = p->buf;
    memset(p, 0, sizeof(*p));
    p->buf = buf;
    p->used = true;
    p->pport = next_pport++;
    p->lport = lport;
    p->hold_fin = hold_fin;
    p->seq = 1000000u * p->pport;
    uint8_t opt[40];
    struct lr_tcp_opts o;
    memset(&o, 0, sizeof(o));
    o.has_mss = 1;
    o.mss = 1460;
    unsigned optlen = lr_tcp_opts_write(opt, &o, true);
    e->peer_port = p->pport;
    e->local_port = p->lport;
    e->peer_seq = p->seq;
    e->peer_ack = 0;
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_SYN, .opts = opt, .opts_len = optlen });
    p->seq = e->peer_seq;
    struct lrt_seg s;
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.flags, LRT_SYN | LRT_ACK);
    assert_int_equal(s.dport, p->pport);
    assert_int_equal(s.sport, lport);
    assert_int_equal(s.ack, p->seq);
    p->ack = s.seq + 1;
    peer_send(e, p, LRT_ACK, NULL, 0);
    collect(e);
    return p;
}

static void peer_ack_fin(struct lrt_env *e, struct peer *p)
{
    assert_true(p->fin);
    assert_false(p->fin_acked);
    p->hold_fin = false;
    p->ack += 1;
    p->fin_acked = true;
    peer_send(e, p, LRT_ACK, NULL, 0);
    collect(e);
}

/* The client closes its side (FIN). */
static void peer_close(struct lrt_env *e, struct peer *p)
{
    assert_false(p->closed);
    p->closed = true;
    peer_send(e, p, LRT_FIN | LRT_ACK, NULL, 0);
    collect(e);
}

static void ctrl_send(struct lrt_env *e, struct peer *p, const char *line)
{
    peer_send(e, p, LRT_ACK | LRT_PSH, line, (uint32_t)strlen(line));
    collect(e);
}

/* The next unread bytes of @p are exactly @want. */
static void expect_reply(struct peer *p, const char *want)
{
    size_t n = strlen(want);
    size_t have = p->len - p->rd;
    if (have < n || memcmp(p->buf + p->rd, want, n) != 0)
        fail_msg("expected \"%s\", got \"%.*s\"", want, (int)(have < 300 ? have : 300),
                 (const char *)p->buf + p->rd);
    p->rd += n;
}

static void expect_nothing(struct peer *p)
{
    if (p->rd != p->len)
        fail_msg("unexpected reply \"%.*s\"", (int)(p->len - p->rd), (const char *)p->buf + p->rd);
}

/* The next unread line of @p (CRLF included) into @out. */
static void take_line(struct peer *p, char *out, size_t cap)
{
    const uint8_t *b = p->buf + p->rd;
    size_t have = p->len - p->rd;
    const uint8_t *nl = memchr(b, '\n', have);
    if (nl == NULL)
        fail_msg("no complete line in \"%.*s\"", (int)have, (const char *)b);
    size_t n = (size_t)(nl - b) + 1;
    assert_true(n < cap);
    memcpy(out, b, n);
    out[n] = '\0';
    p->rd += n;
}

static struct lr_ftp_stats counters(struct lrt_env *e)
{
    struct lr_ftp_stats st;
    lr_ftp_counters_get(e->w, &st);
    return st;
}

static unsigned io_free(void)
{
    return lr_ftp_io_free_count(lr_ftp_g.io, 0);
}

/* Wait (bounded) until the I/O thread answered everything of worker 0. */
static void io_wait(struct lrt_env *e)
{
    for (int i = 0; i < IO_WAIT_STEPS; i++) {
        lr_ftp_server_poll(e->w);
        collect(e);
        if (io_free() == LR_FTP_IO_BUFS)
            return;
        struct timespec ts = { 0, 1000000 };
        nanosleep(&ts, NULL);
    }
    fail_msg("the disk I/O thread did not answer within 2 s (%u/%u messages free)", io_free(),
             LR_FTP_IO_BUFS);
}

static void advance(struct lrt_env *e, uint64_t us)
{
    lr_test_advance(e->w, us);
    lr_ftp_server_poll(e->w);
    collect(e);
}

/* Connect a control connection and read the greeting. */
static struct peer *ftp_connect(struct lrt_env *e)
{
    struct peer *c = peer_connect(e, FTP_PORT, false);
    expect_reply(c, "220 linerate FTP server ready.\r\n");
    expect_nothing(c);
    return c;
}

static void login_anonymous(struct lrt_env *e, struct peer *c)
{
    ctrl_send(e, c, "USER anonymous\r\n");
    expect_reply(c, "331 Anonymous login ok, send your e-mail address as password.\r\n");
    ctrl_send(e, c, "PASS x\r\n");
    expect_reply(c, "230 Login successful.\r\n");
    expect_nothing(c);
}

/* QUIT: 221, the server closes; the client closes its side too. */
static void quit(struct lrt_env *e, struct peer *c)
{
    ctrl_send(e, c, "QUIT\r\n");
    expect_reply(c, "221 Goodbye.\r\n");
    expect_nothing(c);
    assert_true(c->fin);
    assert_true(c->fin_acked);
    assert_false(c->rst);
    peer_close(e, c);
}

/* Let every timer run out, then nothing may be left. */
static void check_clean(struct lrt_env *e)
{
    for (uint64_t t = 0; t < TIME_WAIT_US + 2000000; t += 100000)
        advance(e, 100000);
    io_wait(e);
    struct lr_ftp_stats st = counters(e);
    assert_int_equal(st.sessions_active, 0);
    assert_int_equal(lrt_active(e), 0);
    assert_int_equal(e->w->tcp->nb_free, e->w->tcp->max_conns);
    assert_int_equal(io_free(), LR_FTP_IO_BUFS);
    for (uint16_t port = PASV_MIN; port <= PASV_MAX; port++) {
        static const struct lr_tcp_listen_ops none;
        assert_int_equal(lr_tcp_listen(e->w, port, &none, NULL, NULL), 0);
        lr_tcp_unlisten(e->w, port);
    }
    lr_test_tx_free_all(e->w);
    assert_int_equal(lr_test_pool_in_use(e->w), base_pool);
}

/* --- fixture ------------------------------------------------------------------- */

static int group_setup(void **state)
{
    (void)state;
    if (lr_test_eal_init() != 0)
        return -1;
    snprintf(root, sizeof(root), "/tmp/lr_ftp_test_%d", (int)getpid());
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    if (system(cmd) != 0 || mkdir(root, 0755) != 0)
        return -1;
    lr_test_write_file(root, "hello.txt", HELLO, HELLO_LEN);
    char p[512];
    snprintf(p, sizeof(p), "%s/pub", root);
    mkdir(p, 0755);
    for (size_t i = 0; i < BIG_SIZE; i++)
        big[i] = (uint8_t)(i * 13 + i / 251);
    lr_test_write_file(root, "pub/big.bin", big, BIG_SIZE);
    snprintf(users, sizeof(users), "%s.users", root);
    FILE *f = fopen(users, "w");
    if (f == NULL)
        return -1;
    fprintf(f, "alice:%s\n", H_ALICE);
    fclose(f);
    char err[256];
    fc = lr_file_cache_load(root, 1 << 20, 1, err, sizeof(err));
    if (fc == NULL) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    for (int i = 0; i < NB_PEERS; i++) {
        peers[i].buf = malloc(PEER_BUF);
        if (peers[i].buf == NULL)
            return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    for (int i = 0; i < NB_PEERS; i++)
        free(peers[i].buf);
    lr_file_cache_free(fc);
    remove(users);
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    return system(cmd) == 0 ? 0 : -1;
}

static int setup(void **state)
{
    struct lrt_env *e = calloc(1, sizeof(*e));
    if (e == NULL)
        return -1;
    struct lr_config cfg;
    lrt_config(&cfg);
    cfg.arp.timeout = 1000000000000000000ull; /* the peer's entry never ages out */
    cfg.tcp.time_wait = TIME_WAIT_US;
    lr_test_ftp(&cfg)->enabled = true;
    lr_test_ftp(&cfg)->listen = FTP_PORT;
    snprintf(lr_test_ftp(&cfg)->root, sizeof(lr_test_ftp(&cfg)->root), "%s", root);
    lr_test_ftp(&cfg)->upload_dir[0] = '\0';
    snprintf(lr_test_ftp(&cfg)->users, sizeof(lr_test_ftp(&cfg)->users), "%s", users);
    lr_test_ftp(&cfg)->anonymous = true;
    lr_test_ftp(&cfg)->pasv_min = PASV_MIN;
    lr_test_ftp(&cfg)->pasv_max = PASV_MAX;
    lr_test_ftp(&cfg)->pasv_address = 0;
    lr_test_ftp(&cfg)->idle_timeout = IDLE_US;
    lr_test_ftp(&cfg)->max_sessions = 4;
    struct lr_worker *w = lr_test_worker_new(&cfg);
    if (w == NULL) {
        free(e);
        return -1;
    }
    lr_test_set_baseline(w);
    lrt_env_init(e, w, &cfg);
    *state = e;
    char err[256];
    if (lr_ftp_server_global_init(w->cfg, fc, 1, err, sizeof(err)) != 0) {
        fprintf(stderr, "test_ftp_server: %s\n", err);
        return -1;
    }
    if (lr_ftp_server_init(w) != 0 || lr_ftp_g.io == NULL)
        return -1;
    for (int i = 0; i < NB_PEERS; i++)
        peers[i].used = false;
    next_pport = 40000;
    base_pool = lr_test_pool_in_use(w);
    return 0;
}

static int teardown(void **state)
{
    struct lrt_env *e = *state;
    lr_ftp_server_shutdown(e->w);
    lr_test_tx_free_all(e->w);
    lr_ftp_server_free(e->w);
    lr_ftp_server_global_free();
    return lrt_teardown(state);
}

/* --- tests -------------------------------------------------------------------- */

/* 220 on connect; the client closing first ends the session. */
static void test_greeting(void **state)
{
    struct lrt_env *e = *state;
    struct peer *c = ftp_connect(e);
    struct lr_ftp_stats st = counters(e);
    assert_int_equal(st.sessions_active, 1);
    assert_int_equal(st.sessions_total, 1);
    assert_int_equal(st.logins_ok, 0);
    assert_int_equal(st.commands, 0);
    assert_int_equal(lrt_active(e), 1);
    assert_false(c->fin);

    /* A second client gets its own greeting. */
    struct peer *c2 = ftp_connect(e);
    assert_int_equal(counters(e).sessions_active, 2);
    assert_int_equal(counters(e).sessions_total, 2);

    peer_close(e, c);
    assert_true(c->fin); /* the server closes its side in answer */
    assert_false(c->rst);
    expect_nothing(c);
    assert_int_equal(counters(e).sessions_active, 1);
    peer_close(e, c2);
    assert_true(c2->fin);
    check_clean(e);
    assert_int_equal(counters(e).sessions_total, 2);
}

/* USER anonymous / PASS x -> 230 ([ftp] anonymous = yes, the default). */
static void test_anonymous_login(void **state)
{
    struct lrt_env *e = *state;
    struct peer *c = ftp_connect(e);
    login_anonymous(e, c);
    struct lr_ftp_stats st = counters(e);
    assert_int_equal(st.logins_ok, 1);
    assert_int_equal(st.logins_failed, 0);
    assert_int_equal(st.commands, 2);
    ctrl_send(e, c, "PWD\r\n");
    expect_reply(c, "257 \"/\" is the current directory\r\n");
    ctrl_send(e, c, "SYST\r\n");
    expect_reply(c, "215 UNIX Type: L8\r\n");
    /* A second USER once logged in is refused. */
    ctrl_send(e, c, "USER alice\r\n");
    expect_reply(c, "530 Can't change to another user.\r\n");
    expect_nothing(c);
    assert_int_equal(counters(e).commands, 5);
    quit(e, c);
    check_clean(e);
}

/* Before login, commands that need it are refused with 530. */
static void test_not_logged_in(void **state)
{
    struct lrt_env *e = *state;
    struct peer *c = ftp_connect(e);
    ctrl_send(e, c, "PASV\r\n");
    expect_reply(c, "530 Please login with USER and PASS.\r\n");
    ctrl_send(e, c, "PASS x\r\n");
    expect_reply(c, "503 Login with USER first.\r\n");
    expect_nothing(c);
    struct lr_ftp_stats st = counters(e);
    assert_int_equal(st.logins_ok, 0);
    assert_int_equal(st.logins_failed, 0);
    quit(e, c);
    check_clean(e);
}

/* A failed login: USER alice / PASS wrong on a fresh control connection,
 * the password checked on the I/O thread. */
static struct peer *failed_login(struct lrt_env *e)
{
    struct peer *c = ftp_connect(e);
    ctrl_send(e, c, "USER alice\r\n");
    expect_reply(c, "331 Please specify the password.\r\n");
    ctrl_send(e, c, "PASS wrong\r\n");
    io_wait(e); /* the password check runs on the I/O thread */
    assert_int_equal(counters(e).logins_failed, 1);
    return c;
}

/*
 * A wrong password: 530, the session holds every further command for the
 * failure delay (RFC 2577 §5) and answers it when the session timer fires;
 * the client stays connected and then logs in. The session runs in a slot
 * an earlier session used (sess_alloc clears it and re-initialises its
 * timer: a past crash was the delay timer firing with a cleared callback,
 * tests/integration/ftp_login_fail.sh).
 */
static void test_wrong_password_delayed(void **state)
{
    struct lrt_env *e = *state;
    struct peer *c0 = ftp_connect(e);
    quit(e, c0);
    assert_int_equal(counters(e).sessions_active, 0);
    advance(e, TIME_WAIT_US + 100000); /* its TIME_WAIT ends */
    assert_int_equal(lrt_active(e), 0);

    struct peer *c = failed_login(e);
    /* A command sent during the delay waits behind the 530. */
    ctrl_send(e, c, "NOOP\r\n");
    advance(e, FAIL_DELAY_US - 10000);
    assert_null(memmem(c->buf + c->rd, c->len - c->rd, "200 ", 4));
    advance(e, 20000); /* the session timer fires */
    expect_reply(c, "530 Login incorrect.\r\n");
    expect_reply(c, "200 NOOP ok.\r\n");
    expect_nothing(c);
    assert_false(c->fin);
    assert_false(c->rst);
    assert_int_equal(counters(e).sessions_active, 1);
    assert_int_equal(lrt_active(e), 1);

    ctrl_send(e, c, "USER alice\r\n");
    expect_reply(c, "331 Please specify the password.\r\n");
    ctrl_send(e, c, "PASS secret\r\n");
    io_wait(e);
    expect_reply(c, "230 Login successful.\r\n");
    expect_nothing(c);
    struct lr_ftp_stats st = counters(e);
    assert_int_equal(st.logins_ok, 1);
    assert_int_equal(st.logins_failed, 1);
    /* The idle timer (the same session timer, re-armed) is still sane. */
    advance(e, 1000000);
    expect_nothing(c);
    quit(e, c);
    check_clean(e);
}

/*
 * The 530 itself is held for the failure delay: lr_ftp_session.h says
 * DELAY holds "the replies of this call" (login_finish puts DELAY first for
 * that). Found by this test: the glue flushed the replies before it saw
 * the DELAY, so the 530 went out at once and only later commands waited.
 */
static void test_wrong_password_530_held(void **state)
{
    struct lrt_env *e = *state;
    struct peer *c = failed_login(e);
    expect_nothing(c);
    advance(e, FAIL_DELAY_US - 10000);
    expect_nothing(c);
    advance(e, 20000);
    expect_reply(c, "530 Login incorrect.\r\n");
    expect_nothing(c);
    quit(e, c);
    check_clean(e);
}

/* Three wrong passwords: 530 then 421, and the control connection closes
 * once the failure delay ran. */
static void test_too_many_failures(void **state)
{
    struct lrt_env *e = *state;
    struct peer *c = ftp_connect(e);
    for (int i = 1; i <= 3; i++) {
        ctrl_send(e, c, "USER alice\r\n");
        expect_reply(c, "331 Please specify the password.\r\n");
        ctrl_send(e, c, "PASS wrong\r\n");
        io_wait(e);
        assert_int_equal(counters(e).logins_failed, (uint64_t)i);
        assert_false(c->fin); /* the close waits for the delay too */
        advance(e, FAIL_DELAY_US + 10000);
        expect_reply(c, "530 Login incorrect.\r\n");
        if (i < 3) {
            expect_nothing(c);
            assert_false(c->fin);
        }
    }
    expect_reply(c, "421 Too many failed logins, closing control connection.\r\n");
    expect_nothing(c);
    assert_true(c->fin);
    assert_false(c->rst);
    assert_int_equal(counters(e).logins_ok, 0);
    peer_close(e, c);
    assert_int_equal(counters(e).sessions_active, 0);
    check_clean(e);
}

/* An idle control connection is closed with 421 after [ftp] idle_timeout. */
static void test_idle_timeout(void **state)
{
    struct lrt_env *e = *state;
    struct peer *c = ftp_connect(e);
    login_anonymous(e, c);
    advance(e, IDLE_US / 2);
    ctrl_send(e, c, "NOOP\r\n"); /* activity restarts the clock */
    expect_reply(c, "200 NOOP ok.\r\n");
    advance(e, IDLE_US - 100000);
    expect_nothing(c);
    assert_false(c->fin);
    advance(e, 200000);
    expect_reply(c, "421 Timeout.\r\n");
    expect_nothing(c);
    assert_true(c->fin);
    assert_false(c->rst);
    peer_close(e, c);
    assert_int_equal(counters(e).sessions_active, 0);
    check_clean(e);
}

/* Port of a 227 reply "(h1,h2,h3,h4,p1,p2)." for our address. */
static uint16_t parse_227(struct peer *c)
{
    char line[256];
    take_line(c, line, sizeof(line));
    unsigned h[4], p1, p2;
    if (sscanf(line, "227 Entering Passive Mode (%u,%u,%u,%u,%u,%u).\r\n", &h[0], &h[1], &h[2],
               &h[3], &p1, &p2) != 6)
        fail_msg("not a 227 reply: %s", line);
    assert_int_equal(LR_TEST_IP(h[0], h[1], h[2], h[3]), LR_TEST_OUR_IP);
    uint16_t port = (uint16_t)(p1 * 256 + p2);
    char want[128];
    snprintf(want, sizeof(want), "227 Entering Passive Mode (198,18,0,2,%u,%u).\r\n", p1, p2);
    assert_string_equal(line, want);
    assert_in_range(port, PASV_MIN, PASV_MAX);
    return port;
}

static uint16_t parse_229(struct peer *c)
{
    char line[256];
    take_line(c, line, sizeof(line));
    unsigned port;
    if (sscanf(line, "229 Entering Extended Passive Mode (|||%u|)\r\n", &port) != 1)
        fail_msg("not a 229 reply: %s", line);
    char want[128];
    snprintf(want, sizeof(want), "229 Entering Extended Passive Mode (|||%u|)\r\n", port);
    assert_string_equal(line, want);
    assert_in_range(port, PASV_MIN, PASV_MAX);
    return (uint16_t)port;
}

/* The data connection delivered everything and its FIN: 226 only once the
 * client acknowledged that FIN; then the client closes its side. */
static void finish_download(struct lrt_env *e, struct peer *c, struct peer *d)
{
    assert_true(d->fin);
    assert_false(d->fin_acked);
    assert_false(d->rst);
    expect_nothing(c); /* no 226 before the FIN is acknowledged */
    assert_int_equal(counters(e).transfers_ok, 0);
    peer_ack_fin(e, d);
    expect_reply(c, "226 Transfer complete.\r\n");
    expect_nothing(c);
    assert_int_equal(counters(e).transfers_ok, 1);
    peer_close(e, d);
    assert_false(d->rst);
}

/* PASV, data connection, LIST: 150, the listing and FIN, 226. */
static void test_pasv_list(void **state)
{
    struct lrt_env *e = *state;
    struct peer *c = ftp_connect(e);
    login_anonymous(e, c);
    ctrl_send(e, c, "PASV\r\n");
    uint16_t port = parse_227(c);
    expect_nothing(c);
    struct peer *d = peer_connect(e, port, true);
    assert_int_equal(d->len, 0); /* nothing before the command */
    ctrl_send(e, c, "LIST\r\n");
    expect_reply(c, "150 Here comes the directory listing.\r\n");
    finish_download(e, c, d);

    /* Two entries, ls -l style, in the cache's order. */
    char line[256], file_prefix[64];
    snprintf(file_prefix, sizeof(file_prefix), "-rw-r--r-- 1 ftp ftp %12u ", HELLO_LEN);
    int files = 0, dirs = 0;
    while (d->rd < d->len) {
        take_line(d, line, sizeof(line));
        size_t n = strlen(line);
        assert_true(n > 2 && line[n - 2] == '\r');
        if (strncmp(line, file_prefix, strlen(file_prefix)) == 0) {
            assert_string_equal(line + n - 12, " hello.txt\r\n");
            files++;
        } else if (strncmp(line, "drwxr-xr-x 1 ftp ftp ", 21) == 0) {
            assert_string_equal(line + n - 6, " pub\r\n");
            dirs++;
        } else {
            fail_msg("unexpected listing line: %s", line);
        }
    }
    assert_int_equal(files, 1);
    assert_int_equal(dirs, 1);
    struct lr_ftp_stats st = counters(e);
    assert_int_equal(st.bytes_down, d->len);
    assert_int_equal(st.transfers_failed, 0);
    assert_int_equal(st.transfers_aborted, 0);
    quit(e, c);
    check_clean(e);
}

/* EPSV, TYPE I, RETR before the data connection comes: 150 with the size,
 * the file byte for byte (zero-copy from the cache), 226 after the FIN. */
static void test_epsv_retr_binary(void **state)
{
    struct lrt_env *e = *state;
    struct peer *c = ftp_connect(e);
    login_anonymous(e, c);
    ctrl_send(e, c, "TYPE I\r\n");
    expect_reply(c, "200 Switching to BINARY mode.\r\n");
    ctrl_send(e, c, "EPSV\r\n");
    uint16_t port = parse_229(c);
    expect_nothing(c);
    ctrl_send(e, c, "RETR pub/big.bin\r\n");
    expect_reply(c, "150 Opening BINARY mode data connection for /pub/big.bin (70000 bytes).\r\n");
    expect_nothing(c);
    struct peer *d = peer_connect(e, port, true);
    assert_int_equal(d->len, BIG_SIZE);
    assert_memory_equal(d->buf, big, BIG_SIZE);
    finish_download(e, c, d);
    struct lr_ftp_stats st = counters(e);
    assert_int_equal(st.bytes_down, BIG_SIZE);
    assert_int_equal(st.transfers_failed, 0);

    /* The passive port served one transfer: a second one needs a new PASV. */
    ctrl_send(e, c, "RETR hello.txt\r\n");
    expect_reply(c, "425 Use PORT or PASV first.\r\n");
    expect_nothing(c);
    quit(e, c);
    check_clean(e);
}

/* RETR in ASCII mode (the default type): LF becomes CRLF. */
static void test_pasv_retr_ascii(void **state)
{
    struct lrt_env *e = *state;
    struct peer *c = ftp_connect(e);
    login_anonymous(e, c);
    ctrl_send(e, c, "PASV\r\n");
    uint16_t port = parse_227(c);
    struct peer *d = peer_connect(e, port, true);
    ctrl_send(e, c, "RETR /hello.txt\r\n");
    expect_reply(c, "150 Opening ASCII mode data connection for /hello.txt.\r\n");
    finish_download(e, c, d);
    assert_int_equal(d->len, 14);
    assert_memory_equal(d->buf, "hello\r\nworld\r\n", 14);
    assert_int_equal(counters(e).bytes_down, 14);

    /* A missing file: 550 on the control connection, no transfer. */
    ctrl_send(e, c, "RETR missing.txt\r\n");
    expect_reply(c, "550 Failed to open file.\r\n");
    expect_nothing(c);
    quit(e, c);
    check_clean(e);
}

/* QUIT -> 221 and the server closes the control connection (FIN, no RST). */
static void test_quit(void **state)
{
    struct lrt_env *e = *state;
    struct peer *c = ftp_connect(e);
    ctrl_send(e, c, "QUIT\r\n");
    expect_reply(c, "221 Goodbye.\r\n");
    expect_nothing(c);
    assert_true(c->fin);
    assert_false(c->rst);
    /* Input after QUIT is ignored. */
    ctrl_send(e, c, "NOOP\r\n");
    expect_nothing(c);
    assert_int_equal(counters(e).commands, 1);
    peer_close(e, c);
    assert_int_equal(counters(e).sessions_active, 0);
    assert_int_equal(counters(e).sessions_total, 1);
    check_clean(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_greeting, setup, teardown),
        cmocka_unit_test_setup_teardown(test_anonymous_login, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_logged_in, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_password_delayed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_password_530_held, setup, teardown),
        cmocka_unit_test_setup_teardown(test_too_many_failures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_idle_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pasv_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_epsv_retr_binary, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pasv_retr_ascii, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quit, setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
