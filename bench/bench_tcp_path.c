/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TCP receive path, measured on the real engine in-process: fixture
 * workers of tests/unit/lr_test.h (ring-backed ethdev, no NIC), connections
 * opened by real handshakes (tests/unit/lr_tcp_test.h). EAL is initialised
 * lazily by the first of these benchmarks that runs (--no-huge -m 256, see
 * lr_test_eal_init); the pure benchmarks of the other files never need it.
 *
 *   tcp_lookup_bulk/N      the connection table lookup of lr_tcp_input_burst():
 *                          rte_hash_lookup_bulk_data() of a burst of 32 keys
 *                          (TCP_CHUNK) on the worker's table holding N
 *                          ESTABLISHED connections; keys of distinct
 *                          connections in random order. items = lookups.
 *   tcp_rx_established/L   one in-order data segment of L payload bytes (with
 *                          the timestamp option) on an ESTABLISHED connection
 *                          per lr_eth_input_burst() call, then lr_tx_flush()
 *                          as the poll loop does: Ethernet, IPv4, TCP parse
 *                          and checksum, lookup, header prediction, delivery
 *                          to the application (which frees the data, so the
 *                          window stays open) and the ACK of every second
 *                          segment (RFC 9293 §3.8.6.3) sent into the port.
 *                          One iteration = one segment.
 *   tcp_rx_established_burst32/L  the same with 32 consecutive segments per
 *                          lr_eth_input_burst() call (ACKs coalesced by the
 *                          end-of-burst output pass). One iteration = one
 *                          burst; items = segments.
 *
 * Not timed: building the frames in mbufs (a NIC would have written them)
 * and freeing the transmitted ACKs (a NIC's TX completion), done every
 * BATCH segments with the timer paused. Each run checks afterwards that
 * every segment took the path measured (bytes delivered, no drop, ACKs sent)
 * and each teardown that the mbuf pool is back at its baseline; on any
 * mismatch the process exits with a message: a benchmark of a failing path
 * would be worse than none.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_hash.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_random.h>
#include <rte_tcp.h>

#include "harness.h"
#include "lr_net.h"
#include "lr_io.h"
#include "lr_pkt.h"
#include "lr_stats.h"
#include "lr_tcp.h"
#include "lr_tcp_priv.h"
#include "lr_tcp_test.h"
#include "lr_test.h"

#define LOOKUP_BURST 32  /* keys per bulk lookup, as TCP_CHUNK of lr_tcp_input.c */
#define BATCH        256 /* segments prepared per untimed pause */
#define RX_BURST     32

static void die(const char *what, const char *msg)
{
    fprintf(stderr, "linerate-bench: %s: %s\n", what, msg);
    exit(EXIT_FAILURE);
}

/* --- tcp_lookup_bulk ------------------------------------------------------- */

struct lookup_env {
    struct lrt_env e;
    unsigned base;    /* pool use before TCP */
    uint32_t n;       /* connections */
    uint32_t nb_keys; /* n rounded down to a multiple of LOOKUP_BURST */
    struct lr_tcp_key *keys;
    const void **kp; /* keys in random order */
    void **expect;   /* the connection of kp[i] */
};

/* Building 64k connections by handshakes takes a while: the last table built
 * is kept for the next run of the same size and freed at exit (or when
 * another of these benchmarks needs the memory). */
static struct lookup_env *lookup_cache;

static void lookup_env_free(struct lookup_env *le)
{
    if (le == NULL)
        return;
    struct lr_worker *w = le->e.w;
    lrt_env_fini(&le->e); /* lr_tcp_free: connections dropped silently */
    unsigned in_use = lr_test_pool_in_use(w);
    if (in_use != le->base) {
        char msg[96];
        snprintf(msg, sizeof(msg), "%u mbufs in use at teardown, %u before", in_use, le->base);
        die("tcp_lookup_bulk", msg);
    }
    lr_test_worker_free(w);
    free(le->keys);
    free(le->kp);
    free(le->expect);
    free(le);
}

static void lookup_cache_drop(void)
{
    lookup_env_free(lookup_cache);
    lookup_cache = NULL;
}

static struct lookup_env *lookup_env_new(uint32_t n)
{
    if (lr_test_eal_init() != 0)
        die("tcp_lookup_bulk", "EAL init failed");
    struct lookup_env *le = calloc(1, sizeof(*le));
    if (le == NULL)
        die("tcp_lookup_bulk", "out of memory");
    struct lr_config cfg;
    lrt_config(&cfg);
    cfg.tcp.max_conns = n;
    cfg.worker.mbufs = 1024; /* only handshakes: keep the 256 MB EAL heap for the table */
    struct lr_worker *w = lr_test_worker_new(&cfg);
    if (w == NULL)
        die("tcp_lookup_bulk", "fixture worker");
    le->base = lr_test_pool_in_use(w);
    le->n = n;
    lrt_env_init(&le->e, w, &cfg);
    /* A second peer address: 2 x 32768 source ports cover 64k tuples. */
    const struct rte_ether_addr mac2 = { .addr_bytes = { 0x02, 0, 0, 0, 0, 0x03 } };
    const rte_be32_t peer2 = LR_TEST_IP(198, 18, 0, 3);
    lr_test_learn_peer(w, peer2, &mac2);
    lrt_listen(&le->e, 80);
    for (uint32_t i = 0; i < n; i++) {
        le->e.peer_ip = (i / 32768) & 1 ? peer2 : LR_TEST_PEER_IP;
        le->e.peer_port = (uint16_t)(1024 + i % 32768);
        if (lrt_handshake(&le->e, 80) == NULL)
            die("tcp_lookup_bulk", "handshake failed");
        lr_test_tx_free_all(w);
    }
    if (lrt_active(&le->e) != n)
        die("tcp_lookup_bulk", "not every connection was established");

    /* The keys exactly as the table holds them, in random order. */
    struct lr_tcp_ctx *t = w->tcp;
    le->keys = calloc(n, sizeof(*le->keys));
    le->kp = calloc(n, sizeof(*le->kp));
    le->expect = calloc(n, sizeof(*le->expect));
    if (le->keys == NULL || le->kp == NULL || le->expect == NULL)
        die("tcp_lookup_bulk", "out of memory");
    uint32_t k = 0;
    for (uint32_t i = 0; i < t->max_conns; i++) {
        struct lr_tcp_conn *c = &t->conns[i];
        if (c->state != LR_TCP_ESTABLISHED)
            continue;
        le->keys[k] = c->key;
        le->expect[k] = c;
        k++;
    }
    if (k != n)
        die("tcp_lookup_bulk", "connection pool does not match the handshakes");
    for (uint32_t i = 0; i < n; i++)
        le->kp[i] = &le->keys[i];
    for (uint32_t i = n - 1; i > 0; i--) {
        uint32_t j = (uint32_t)rte_rand_max(i + 1);
        const void *tk = le->kp[i];
        le->kp[i] = le->kp[j];
        le->kp[j] = tk;
        void *te = le->expect[i];
        le->expect[i] = le->expect[j];
        le->expect[j] = te;
    }
    le->nb_keys = n - n % LOOKUP_BURST;
    /* Every key must be found, pointing at its connection. */
    for (uint32_t i = 0; i + LOOKUP_BURST <= le->nb_keys; i += LOOKUP_BURST) {
        uint64_t hits = 0;
        void *data[LOOKUP_BURST];
        rte_hash_lookup_bulk_data(t->table, &le->kp[i], LOOKUP_BURST, &hits, data);
        for (unsigned j = 0; j < LOOKUP_BURST; j++)
            if (!((hits >> j) & 1) || data[j] != le->expect[i + j])
                die("tcp_lookup_bulk", "lookup misses an established connection");
    }
    return le;
}

static void *lookup_setup(int64_t n)
{
    if (n < LOOKUP_BURST || n > 65536)
        return NULL;
    if (lookup_cache != NULL && lookup_cache->n != (uint32_t)n)
        lookup_cache_drop();
    if (lookup_cache == NULL) {
        lookup_cache = lookup_env_new((uint32_t)n);
        atexit(lookup_cache_drop); /* harmless when already dropped */
    }
    return lookup_cache;
}

static void lookup_bulk(struct lr_bench_state *st, void *ctx)
{
    struct lookup_env *le = ctx;
    const struct rte_hash *h = le->e.w->tcp->table;
    uint32_t off = 0;
    uint64_t found = 0;
    void *data[LOOKUP_BURST];
    while (lr_bench_keep_running(st)) {
        uint64_t hits = 0;
        rte_hash_lookup_bulk_data(h, &le->kp[off], LOOKUP_BURST, &hits, data);
        found += (uint64_t)__builtin_popcountll(hits);
        lr_bench_escape(data);
        off += LOOKUP_BURST;
        if (off >= le->nb_keys)
            off = 0;
    }
    int64_t lookups = lr_bench_iterations(st) * LOOKUP_BURST;
    if (found != (uint64_t)lookups)
        die("tcp_lookup_bulk", "a lookup missed during the run");
    lr_bench_set_items_processed(st, lookups);
}

/* The cache outlives the run; nothing to free here. */
static void lookup_teardown(void *ctx)
{
    (void)ctx;
}

LR_BENCH_REGISTER(tcp_lookup_bulk, lookup_bulk, lookup_setup, lookup_teardown, 1024, 65536);

/* --- tcp_rx_established ---------------------------------------------------- */

struct rx_env {
    struct lrt_env e;
    unsigned base;
    uint32_t len; /* payload per segment */
    struct lr_tcp_conn *c;
    uint64_t delivered; /* bytes seen by the sink application */
    unsigned closed;
    uint8_t frame[128 + 60 + LRT_DATA_MAX];
    size_t frame_len;
    size_t ip_off; /* IPv4 header offset in the frame */
    size_t th_off; /* TCP header offset in the frame */
    uint32_t next_seq;
    struct rte_mbuf *ready[BATCH];
    unsigned nb_ready, used;
    uint64_t acks; /* transmitted frames freed */
};

/* The application: takes the data and frees it at once (the window never closes). */
static void sink_data(struct lr_worker *w, struct lr_tcp_conn *c, struct rte_mbuf *m)
{
    (void)w;
    struct rx_env *r = lr_tcp_conn_ctx_get(c);
    r->delivered += m->pkt_len;
    rte_pktmbuf_free(m);
}

static void sink_closed(struct lr_worker *w, struct lr_tcp_conn *c, enum lr_tcp_close_reason why)
{
    (void)w;
    (void)why;
    struct rx_env *r = lr_tcp_conn_ctx_get(c);
    r->closed++;
}

static const struct lr_tcp_conn_ops sink_ops = {
    .data = sink_data,
    .closed = sink_closed,
};

static void *rx_setup(int64_t len)
{
    if (len <= 0 || len > 1460)
        return NULL;
    lookup_cache_drop();
    if (lr_test_eal_init() != 0)
        die("tcp_rx_established", "EAL init failed");
    struct rx_env *r = calloc(1, sizeof(*r));
    if (r == NULL)
        die("tcp_rx_established", "out of memory");
    struct lr_config cfg;
    lrt_config(&cfg);
    cfg.worker.mbufs = 4096;
    struct lr_worker *w = lr_test_worker_new(&cfg);
    if (w == NULL)
        die("tcp_rx_established", "fixture worker");
    r->base = lr_test_pool_in_use(w);
    r->len = (uint32_t)len;
    lrt_env_init(&r->e, w, &cfg);
    r->e.ts = true; /* timestamps, window scaling and SACK agreed, as with Linux */
    lrt_listen(&r->e, 80);
    r->c = lrt_handshake(&r->e, 80);
    if (r->c == NULL)
        die("tcp_rx_established", "handshake failed");
    lrt_drain(&r->e);
    lr_tcp_conn_ops_set(r->c, &sink_ops);
    lr_tcp_conn_ctx_set(r->c, r);

    /* The template segment; every copy gets its own sequence number. */
    uint8_t payload[1460];
    lrt_pattern(payload, r->len, 0);
    r->next_seq = r->e.peer_seq;
    r->frame_len = lrt_build(
        &r->e, &(struct lrt_spec){ .flags = LRT_ACK | LRT_PSH, .data = payload, .len = r->len },
        r->frame, sizeof(r->frame));
    struct rte_ipv4_hdr *ip = lr_test_frame_ip(r->frame);
    r->ip_off = (size_t)((uint8_t *)ip - r->frame);
    r->th_off = r->ip_off + rte_ipv4_hdr_len(ip);
    return r;
}

/* Untimed: free what was transmitted, fill the next BATCH segments. */
static void rx_prepare(struct rx_env *r)
{
    struct lr_worker *w = r->e.w;
    r->acks += lr_test_tx_free_all(w);
    for (unsigned i = r->used; i < r->nb_ready; i++)
        rte_pktmbuf_free(r->ready[i]); /* none expected: batches are used whole */
    if (rte_pktmbuf_alloc_bulk(w->pool, r->ready, BATCH) != 0)
        die("tcp_rx_established", "mbuf pool empty (a leak on the path?)");
    for (unsigned i = 0; i < BATCH; i++) {
        struct rte_mbuf *m = r->ready[i];
        uint8_t *d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)r->frame_len);
        memcpy(d, r->frame, r->frame_len);
        struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(d + r->ip_off);
        struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(d + r->th_off);
        th->sent_seq = rte_cpu_to_be_32(r->next_seq);
        th->cksum = 0;
        th->cksum = rte_ipv4_udptcp_cksum(ip, th);
        r->next_seq += r->len;
        m->port = lr_test_port(w);
    }
    r->nb_ready = BATCH;
    r->used = 0;
}

static bool tx_buffered(const struct lr_worker *w)
{
    for (uint16_t p = 0; p < w->nb_ports; p++)
        if (w->tx[p].n != 0)
            return true;
    return false;
}

/* After a run: every segment delivered in order, none dropped, and the ACKs
 * the path must send: every second segment when they come one per burst,
 * one per burst otherwise (coalesced at the end of the burst). */
static void rx_check(struct rx_env *r, unsigned burst, uint64_t segs, uint64_t drops0,
                     uint64_t rx_bytes0, uint64_t acks0)
{
    struct lr_worker *w = r->e.w;
    r->acks += lr_test_tx_free_all(w);
    char msg[160];
    uint64_t drops = lr_stats_total_drops(&w->stats) - drops0;
    uint64_t rx_bytes = lrt_counters(&r->e).rx_bytes - rx_bytes0;
    uint64_t acks = r->acks - acks0;
    if (drops != 0 || r->delivered != segs * r->len || rx_bytes != segs * r->len ||
        lr_tcp_conn_state(r->c) != LR_TCP_ESTABLISHED ||
        (burst == 1 ? acks < segs / 2 || acks > segs / 2 + 1 : acks != segs / burst)) {
        snprintf(msg, sizeof(msg),
                 "%llu segments: %llu bytes delivered, %llu counted, %llu drops, %llu ACKs",
                 (unsigned long long)segs, (unsigned long long)r->delivered,
                 (unsigned long long)rx_bytes, (unsigned long long)drops, (unsigned long long)acks);
        die("tcp_rx_established", msg);
    }
}

static void rx_run(struct lr_bench_state *st, struct rx_env *r, unsigned burst)
{
    struct lr_worker *w = r->e.w;
    const uint16_t port = lr_test_port(w);
    uint64_t drops0 = lr_stats_total_drops(&w->stats);
    uint64_t rx_bytes0 = lrt_counters(&r->e).rx_bytes;
    r->acks += lr_test_tx_free_all(w);
    uint64_t acks0 = r->acks;
    r->delivered = 0;
    rx_prepare(r);
    uint64_t segs = 0;
    while (lr_bench_keep_running(st)) {
        if (r->used == r->nb_ready) {
            lr_bench_pause_timing(st);
            rx_prepare(r);
            lr_bench_resume_timing(st);
        }
        lr_eth_input_burst(w, port, &r->ready[r->used], (uint16_t)burst);
        r->used += burst;
        segs += burst;
        if (tx_buffered(w))
            lr_tx_flush(w);
    }
    /* Return the segments prepared but not used: their sequence numbers were
     * never sent, so the next run restarts at rcv_nxt. */
    for (unsigned i = r->used; i < r->nb_ready; i++)
        rte_pktmbuf_free(r->ready[i]);
    r->next_seq -= (r->nb_ready - r->used) * r->len;
    r->nb_ready = r->used = 0;
    rx_check(r, burst, segs, drops0, rx_bytes0, acks0);
    lr_bench_set_items_processed(st, (int64_t)segs);
    lr_bench_set_bytes_processed(st, (int64_t)(segs * r->len));
}

static void rx_one(struct lr_bench_state *st, void *ctx)
{
    rx_run(st, ctx, 1);
}

static void rx_burst(struct lr_bench_state *st, void *ctx)
{
    rx_run(st, ctx, RX_BURST);
}

static void rx_teardown(void *ctx)
{
    struct rx_env *r = ctx;
    struct lr_worker *w = r->e.w;
    lr_tcp_shutdown(w);
    if (r->closed != 1)
        die("tcp_rx_established", "connection not reported closed at shutdown");
    lrt_env_fini(&r->e);
    unsigned in_use = lr_test_pool_in_use(w);
    if (in_use != r->base) {
        char msg[96];
        snprintf(msg, sizeof(msg), "%u mbufs in use at teardown, %u before", in_use, r->base);
        die("tcp_rx_established", msg);
    }
    lr_test_worker_free(w);
    free(r);
}

LR_BENCH_REGISTER(tcp_rx_established, rx_one, rx_setup, rx_teardown, 64, 1460);
LR_BENCH_REGISTER(tcp_rx_established_burst32, rx_burst, rx_setup, rx_teardown, 64, 1460);
