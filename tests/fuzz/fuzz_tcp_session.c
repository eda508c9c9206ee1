/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stateful libFuzzer target for TCP connections: a simulated peer
 * (sim_peer.h) and an application on the fixture worker (a listener on
 * port 80 and active opens towards the peer) drive connections through
 * every state (RFC 9293 §3.3.2) with arbitrary segments, application
 * calls and time advances, so that retransmission, persist, keepalive,
 * delayed-ACK, SYN-ACK, FIN_WAIT_2 and TIME_WAIT timers fire in between.
 *
 * Input: a program of opcodes, each one byte followed by its arguments
 * (missing bytes read as 0):
 *   OPEN o          peer SYN to port 80 (o & 1: SACK/WS/TS options)
 *   SEG  s f q a c l [n opts]  peer segment on slot s: flags f, seq offset q
 *                   and ack offset a (int8, scaled by c bits 0-1 / 2-3 as
 *                   1, 16, 1024, 65536), c bit 4 moves the peer's snd_nxt,
 *                   bit 5 window 0, bit 6 window l, bit 7 n raw option bytes
 *                   follow; payload l * 8 bytes
 *   DATA s l        in-sequence data (l * 16 bytes)
 *   ACK s / FIN s / RST s
 *   WND s v         window update to v * 256 (0 = zero window)
 *   SETTLE          read the stack's output and acknowledge it
 *   DRAIN           read the stack's output without answering
 *   TIME t          advance t ms (t < 128) or (t - 127) s, timers run
 *   SEND k l        application sends l * 64 bytes on its connection k
 *   CLOSE k / SHUT k / ABORT k
 *   CONNECT p       application opens a connection to the peer's port 7000 + p
 *   MANUAL k        connection k: receive flow control by the application
 *   CONSUME k l     connection k consumes l * 64 held bytes
 * Invariants, checked after every program (abort() on violation, so
 * libFuzzer reports it): the API contract (one closed() per handle, no
 * data() after peer_closed(), no callback after closed()), and once the
 * application closed everything and time ran past every timeout, no
 * connection is left (counters and pool), every mbuf is back in the pool
 * and the timer wheel holds only the timers it held before the program.
 *
 * fuzz-extra: tests/unit/lr_test.c tests/fuzz/sim_peer.c
 * fuzz-libs: -Wl,--no-as-needed -lrte_net_ring -lrte_bus_vdev
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "lr_config.h"
#include "lr_tcp.h"
#include "lr_tcp_priv.h"
#include "lr_worker.h"
#include "../unit/lr_test.h"
#include "sim_peer.h"

#define LPORT        80
#define APP_MAX      8
#define MAX_CONNS    16
#define CLEANUP_US   (900ull * 1000000) /* past every timeout of the config below */
#define CLEANUP_STEP (500ull * 1000)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct app_conn {
    struct lr_tcp_conn *c;
    bool peer_closed;
    bool closing; /* lr_tcp_close called: closed() must follow */
    bool manual;
};

static struct lr_worker *fw;
static struct fp_peer peer;
static struct app_conn app[APP_MAX];
static unsigned base_pool;
static uint64_t base_timers;
static uint8_t sendbuf[64 * 255];
static bool verbose; /* FUZZ_VERBOSE=1: counters of each program on stderr */

static void die(const char *what)
{
    fprintf(stderr, "fuzz_tcp_session: invariant violated: %s\n", what);
    abort();
}

static struct app_conn *app_of(struct lr_tcp_conn *c)
{
    for (unsigned i = 0; i < APP_MAX; i++)
        if (app[i].c == c)
            return &app[i];
    return NULL;
}

static struct app_conn *app_new(struct lr_tcp_conn *c)
{
    for (unsigned i = 0; i < APP_MAX; i++) {
        if (app[i].c == NULL) {
            memset(&app[i], 0, sizeof(app[i]));
            app[i].c = c;
            return &app[i];
        }
    }
    return NULL;
}

static int on_accept(struct lr_worker *w, struct lr_tcp_conn *c, void *ctx)
{
    (void)w;
    (void)ctx;
    if (app_of(c) != NULL)
        die("accept() of a handle already in use");
    return app_new(c) != NULL ? 0 : -1; /* a full table refuses (RST) */
}

static void on_connected(struct lr_worker *w, struct lr_tcp_conn *c)
{
    (void)w;
    if (app_of(c) == NULL)
        die("connected() on an unknown handle");
}

static void on_data(struct lr_worker *w, struct lr_tcp_conn *c, struct rte_mbuf *m)
{
    (void)w;
    struct app_conn *a = app_of(c);
    if (a == NULL)
        die("data() on an unknown handle");
    if (a->peer_closed)
        die("data() after peer_closed()");
    if (m == NULL || m->pkt_len == 0)
        die("data() with an empty chain");
    rte_pktmbuf_free(m);
}

static void on_writable(struct lr_worker *w, struct lr_tcp_conn *c)
{
    (void)w;
    if (app_of(c) == NULL)
        die("writable() on an unknown handle");
}

static void on_peer_closed(struct lr_worker *w, struct lr_tcp_conn *c)
{
    (void)w;
    struct app_conn *a = app_of(c);
    if (a == NULL)
        die("peer_closed() on an unknown handle");
    if (a->peer_closed)
        die("peer_closed() twice");
    a->peer_closed = true;
}

static void on_closed(struct lr_worker *w, struct lr_tcp_conn *c, enum lr_tcp_close_reason r)
{
    (void)w;
    (void)r;
    struct app_conn *a = app_of(c);
    if (a == NULL)
        die("closed() on an unknown handle (twice, or after abort)");
    a->c = NULL;
}

static const struct lr_tcp_conn_ops conn_ops = {
    .connected = on_connected,
    .data = on_data,
    .writable = on_writable,
    .peer_closed = on_peer_closed,
    .closed = on_closed,
};

static const struct lr_tcp_listen_ops listen_ops = {
    .accept = on_accept,
    .conn = { .data = on_data,
              .writable = on_writable,
              .peer_closed = on_peer_closed,
              .closed = on_closed },
};

static void teardown(void)
{
    if (fw == NULL)
        return;
    lr_tcp_shutdown(fw);
    lr_test_tx_free_all(fw);
    lr_tcp_free(fw);
    lr_test_tx_free_all(fw);
    lr_test_worker_free(fw);
    fw = NULL;
}

static struct lr_worker *worker(void)
{
    if (fw != NULL)
        return fw;
    if (lr_test_eal_init() != 0 || lr_tcp_global_init() != 0)
        abort();
    static struct lr_config cfg;
    lr_test_config_default(&cfg);
    cfg.arp.timeout = 1000000000000000000ull; /* the peer's entry never ages out */
    cfg.tcp.max_conns = MAX_CONNS;
    cfg.tcp.backlog = 4; /* small: SYN cookies take over when it is full */
    cfg.tcp.rcvbuf = 16384;
    cfg.tcp.sndbuf = 16384;
    cfg.tcp.mss = 536;
    cfg.tcp.rto_max = 8000000;
    cfg.tcp.retries = 6;
    cfg.tcp.syn_retries = 4;
    cfg.tcp.keepalive = 20000000;
    cfg.tcp.keepalive_intvl = 5000000;
    cfg.tcp.keepalive_probes = 3;
    cfg.tcp.time_wait = 30000000;
    cfg.tcp.ooo_max = 8;
    cfg.tcp.challenge_ack_limit = 4;
    fw = lr_test_worker_new(&cfg);
    if (fw == NULL || lr_tcp_init(fw) != 0)
        abort();
    if (lr_tcp_listen(fw, LPORT, &listen_ops, NULL, NULL) != 0)
        abort();
    lr_test_learn_peer(fw, LR_TEST_PEER_IP, &lr_test_peer_mac);
    for (size_t i = 0; i < sizeof(sendbuf); i++)
        sendbuf[i] = (uint8_t)(i * 31 + 7);
    base_pool = lr_test_pool_in_use(fw);
    base_timers = fw->timers.count;
    fp_init(&peer, fw);
    verbose = getenv("FUZZ_VERBOSE") != NULL;
    atexit(teardown);
    return fw;
}

/* Input reader: bytes past the end read as 0. */
struct rd {
    const uint8_t *p;
    size_t n, off;
};

static uint8_t byte(struct rd *r)
{
    return r->off < r->n ? r->p[r->off++] : 0;
}

static int32_t scaled(int8_t v, unsigned sel)
{
    static const int32_t scale[4] = { 1, 16, 1024, 65536 };
    return (int32_t)v * scale[sel & 3];
}

static struct lr_tcp_conn *app_pick(uint8_t k)
{
    return app[k % APP_MAX].c;
}

static void run_op(struct lr_worker *w, struct rd *r)
{
    uint8_t op = byte(r) % 18;
    switch (op) {
    case 0: /* OPEN */
        fp_open(&peer, LPORT, byte(r) & 1);
        break;
    case 1: { /* SEG */
        int s = byte(r) % FP_CONNS;
        struct fp_spec sp = { .flags = byte(r) };
        int8_t q = (int8_t)byte(r), a = (int8_t)byte(r);
        uint8_t c = byte(r), l = byte(r);
        uint8_t opts[40];
        sp.seq_off = scaled(q, c);
        sp.ack_off = scaled(a, c >> 2);
        sp.advance = (c & 0x10) != 0;
        if (c & 0x20) {
            sp.wnd_set = true;
            sp.wnd = 0;
        } else if (c & 0x40) {
            sp.wnd_set = true;
            sp.wnd = l;
        }
        if (c & 0x80) {
            unsigned n = byte(r) % 41;
            for (unsigned i = 0; i < n; i++)
                opts[i] = byte(r);
            sp.opts = opts;
            sp.opts_len = n;
        }
        sp.data = sendbuf;
        sp.len = (uint32_t)l * 8;
        fp_seg(&peer, s, &sp);
        break;
    }
    case 2: { /* DATA */
        int s = byte(r) % FP_CONNS;
        fp_send(&peer, s, sendbuf, (uint32_t)byte(r) * 16);
        break;
    }
    case 3:
        fp_ack(&peer, byte(r) % FP_CONNS);
        break;
    case 4:
        fp_fin(&peer, byte(r) % FP_CONNS);
        break;
    case 5:
        fp_rst(&peer, byte(r) % FP_CONNS);
        break;
    case 6: { /* WND */
        int s = byte(r) % FP_CONNS;
        uint8_t v = byte(r);
        peer.c[s].wnd = (uint16_t)(v * 256u);
        fp_ack(&peer, s);
        break;
    }
    case 7:
        fp_settle(&peer, true);
        break;
    case 8:
        fp_drain(&peer, false);
        break;
    case 9: { /* TIME */
        uint8_t t = byte(r);
        lr_test_advance(w, t < 128 ? (uint64_t)t * 1000 : (uint64_t)(t - 127) * 1000000);
        break;
    }
    case 10: { /* SEND */
        struct lr_tcp_conn *c = app_pick(byte(r));
        uint32_t len = (uint32_t)byte(r) * 64;
        if (c != NULL && len > 0) {
            int n = lr_tcp_send(w, c, sendbuf, len);
            if (n > (int)len)
                die("lr_tcp_send accepted more than asked");
        }
        break;
    }
    case 11: { /* CLOSE */
        struct lr_tcp_conn *c = app_pick(byte(r));
        if (c != NULL) {
            app_of(c)->closing = true;
            lr_tcp_close(w, c);
        }
        break;
    }
    case 12: { /* SHUT */
        struct lr_tcp_conn *c = app_pick(byte(r));
        if (c != NULL)
            lr_tcp_shutdown_write(w, c);
        break;
    }
    case 13: { /* ABORT */
        struct lr_tcp_conn *c = app_pick(byte(r));
        if (c != NULL) {
            struct app_conn *a = app_of(c);
            lr_tcp_abort(w, c);
            a->c = NULL; /* no closed() follows an abort */
        }
        break;
    }
    case 14: { /* CONNECT */
        uint16_t port = (uint16_t)(7000 + byte(r) % 4);
        struct app_conn *a = app_new(NULL);
        if (a == NULL)
            break;
        struct lr_tcp_conn *c = lr_tcp_connect(w, LR_TEST_PEER_IP, port, 0, 0, &conn_ops, NULL);
        a->c = c; /* NULL (table full, port in use) frees the entry again */
        break;
    }
    case 15: { /* MANUAL */
        uint8_t k = byte(r);
        struct lr_tcp_conn *c = app_pick(k);
        /* Only before any data (lr_tcp.h): right after accept/connect. */
        if (c != NULL && !app[k % APP_MAX].manual && lr_tcp_rcv_held(c) == 0) {
            app[k % APP_MAX].manual = true;
            lr_tcp_conn_rcv_manual(c, true);
        }
        break;
    }
    case 16: { /* CONSUME */
        struct lr_tcp_conn *c = app_pick(byte(r));
        uint32_t n = (uint32_t)byte(r) * 64;
        if (c != NULL) {
            uint32_t held = lr_tcp_rcv_held(c);
            lr_tcp_rcv_consumed(w, c, n);
            uint32_t after = lr_tcp_rcv_held(c);
            if (after > held)
                die("rcv_consumed grew the held bytes");
        }
        break;
    }
    case 17: /* peer opens two at once (SYN queue, cookies) */
        fp_open(&peer, LPORT, true);
        fp_open(&peer, LPORT, false);
        break;
    }
}

/* Close everything, let every timer run out, and check the baseline. */
static void cleanup_and_check(struct lr_worker *w)
{
    for (unsigned i = 0; i < APP_MAX; i++) {
        if (app[i].c != NULL) {
            app[i].closing = true;
            lr_tcp_close(w, app[i].c);
        }
    }
    /* The peer goes quiet (it might as well have vanished): nothing is
     * answered any more, so every connection must end by its own timers. */
    for (uint64_t t = 0; t < CLEANUP_US; t += CLEANUP_STEP) {
        fp_drain(&peer, false);
        lr_test_advance(w, CLEANUP_STEP);
    }
    fp_drain(&peer, false);
    fp_reset(&peer);
    for (unsigned i = 0; i < APP_MAX; i++) {
        if (app[i].c != NULL) {
            /* The handle is still in the pool: say what became of it. */
            fprintf(stderr, "app conn %u: state %s, flags 0x%x, peer_closed %d\n", i,
                    lr_tcp_state_name(app[i].c->state), (unsigned)app[i].c->flags,
                    app[i].peer_closed);
            die("a closed connection never got closed()");
        }
    }
    struct lr_tcp_counters tc;
    lr_tcp_counters_get(w, &tc);
    if (verbose)
        fprintf(stderr,
                "passive %" PRIu64 " active %" PRIu64 " closed %" PRIu64 " rx %" PRIu64
                " tx %" PRIu64 " retrans %" PRIu64 " rst %" PRIu64 "/%" PRIu64 "\n",
                tc.opened_passive, tc.opened_active, tc.closed, tc.rx_bytes, tc.tx_bytes,
                tc.retransmits, tc.rst_sent, tc.rst_rcvd);
    if (tc.active != 0 || w->tcp->nb_free != w->tcp->max_conns) {
        fprintf(stderr, "active %" PRIu64 ", pool %u/%u free\n", tc.active, w->tcp->nb_free,
                w->tcp->max_conns);
        die("connections left after every timeout");
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
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lr_worker *w = worker();
    struct rd r = { .p = data, .n = size };
    unsigned ops = 0;
    while (r.off < r.n && ops++ < 512)
        run_op(w, &r);
    cleanup_and_check(w);
    return 0;
}
