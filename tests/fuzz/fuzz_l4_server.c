/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stateful libFuzzer target for the l4 service (lr_l4_server.c): the real
 * module on the fixture worker with the real TCP and UDP stacks; the fuzzer
 * is the client (sim_peer.h) on several connections, building request
 * streams from a dictionary of requests and raw bytes, cutting them into
 * segments where the input says, with time advances, zero windows (the
 * service's backpressure), FINs and resets in between, and datagrams to the
 * UDP port.
 *
 * Input: a program of opcodes, each one byte followed by its arguments
 * (missing bytes read as 0); "s" names a peer slot:
 *   OPEN o        open a connection to the TCP port (o & 1: SACK/WS/TS options)
 *   REQ s k       append request k of the dictionary to the stream of s
 *   BYTES s n ..  append n raw bytes
 *   PUSH s n      send the first n + 1 bytes of the stream of s as one segment
 *   FLUSH s       send the whole stream of s (segments of at most 1400 bytes)
 *   FIN s / RST s
 *   TIME t        advance t * 10 ms (t < 128) or (t - 127) s
 *   QUIET         toggle the client acknowledging what it receives
 *   WND s v       the client's window on slot s becomes v * 256 (0: zero window)
 *   UDP k n ..    a datagram: request k of the dictionary, its first n bytes
 *                 replaced by the n bytes that follow
 * After each opcode the client reads (and unless quiet, acknowledges)
 * everything the server sent.
 *
 * Invariants (abort() on violation):
 *  - on every connection, the bytes the service sent are a prefix of the
 *    answers to the requests the client sent on it, as the client's own
 *    lr_l4_req parser sees them (header copy, then the pattern; nothing
 *    after a bad header or a LAST request);
 *  - after every program, once every connection was reset and time ran past
 *    every timer: no TCP connection left, no connection state held and none
 *    refused for want of one (the pool of [tcp] max_conns entries never
 *    leaks), the mbuf pool and the timer wheel back to their baselines.
 *
 * fuzz-extra: tests/unit/lr_test.c tests/fuzz/sim_peer.c
 * fuzz-libs: -Wl,--no-as-needed -lrte_net_ring -lrte_bus_vdev
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "lr_config.h"
#include "lr_ip_frag.h"
#include "lr_l4_proto.h"
#include "lr_l4_server.h"
#include "lr_tcp.h"
#include "lr_udp.h"
#include "lr_worker.h"
#include "../unit/lr_test.h"
#include "sim_peer.h"

#define TPORT        5001
#define UPORT        5002
#define STREAM_MAX   8192u
#define CLEANUP_STEP 500000ull
#define CLEANUP_N    120 /* 60 s: TCP retries, TIME-WAIT */
#define EXPECT_MAX   64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct lr_worker *fw;
static struct fp_peer peer;
static unsigned base_pool;
static uint64_t base_timers;
static bool quiet;

struct stream {
    uint32_t len;
    uint8_t b[STREAM_MAX];
};
static struct stream streams[FP_CONNS];

/* The client's view of one connection: the answers it is owed. */
struct owed {
    struct lr_l4_req sent; /* parser over the bytes sent */
    bool ended;            /* bad header or LAST: nothing more is owed */
    bool unchecked;        /* bytes were lost to the peer's buffer: stop checking */
    uint64_t seen;         /* received bytes checked so far */
    uint32_t head, n, got; /* queue of answers; bytes of the head received */
    struct {
        uint8_t hdr[LR_L4_HDR_LEN];
        uint32_t len;
    } q[EXPECT_MAX];
};
static struct owed owed[FP_CONNS];

/* Requests: {req_len, resp_len, flags}. */
static const uint32_t dict[][3] = {
    { 16, 0, 0 },     { 16, 16, 0 }, { 64, 40, 0 },   { 20, 5, 0 },
    { 100, 3000, 0 }, { 300, 1, 0 }, { 40, 200, 1 },  { 1500, 100, 0 },
    { 32, 20000, 0 }, { 17, 17, 0 }, { 16, 1500, 1 }, { 2000, 2000, 0 },
};
#define NB_DICT (sizeof(dict) / sizeof(dict[0]))

static void teardown(void)
{
    if (fw == NULL)
        return;
    lr_tcp_shutdown(fw);
    lr_test_tx_free_all(fw);
    lr_l4_server_free(fw);
    lr_udp_free(fw);
    lr_ip_frag_free(fw);
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
    cfg.tcp.max_conns = 16;
    cfg.tcp.rcvbuf = 16384;
    cfg.tcp.sndbuf = 16384;
    cfg.tcp.rto_max = 4000000;
    cfg.tcp.retries = 5;
    cfg.tcp.syn_retries = 3;
    cfg.tcp.time_wait = 10000000;
    cfg.tcp.echo_port = 0;
    cfg.tcp.discard_port = 0;
    cfg.tcp.l4_port = TPORT;
    cfg.udp.l4_port = UPORT;
    cfg.udp.max_binds = 4;
    fw = lr_test_worker_new(&cfg);
    if (fw == NULL || lr_tcp_init(fw) != 0 || lr_ip_frag_init(fw) != 0 || lr_udp_init(fw) != 0 ||
        lr_l4_server_init(fw) != 0)
        abort();
    lr_test_learn_peer(fw, LR_TEST_PEER_IP, &lr_test_peer_mac);
    base_pool = lr_test_pool_in_use(fw);
    base_timers = fw->timers.count;
    fp_init(&peer, fw);
    atexit(teardown);
    return fw;
}

static void fail(const char *what, int s)
{
    fprintf(stderr, "fuzz_l4_server: invariant violated on slot %d: %s\n", s, what);
    abort();
}

struct rd {
    const uint8_t *p;
    size_t n, off;
};

static uint8_t byte(struct rd *r)
{
    return r->off < r->n ? r->p[r->off++] : 0;
}

static uint32_t mkreq(uint8_t *buf, unsigned k)
{
    struct lr_l4_hdr h = {
        .flags = (uint8_t)dict[k][2], .seq = k, .req_len = dict[k][0], .resp_len = dict[k][1]
    };
    uint8_t hdr[LR_L4_HDR_LEN];
    lr_l4_hdr_write(hdr, &h);
    lr_l4_msg_fill(buf, h.req_len, 0, hdr);
    return h.req_len;
}

static void append(int s, const void *p, size_t n)
{
    struct stream *st = &streams[s];
    if (n > STREAM_MAX - st->len)
        n = STREAM_MAX - st->len;
    memcpy(st->b + st->len, p, n);
    st->len += (uint32_t)n;
}

/* The client sent @n bytes on @s: note the answers they ask for. */
static void owe(int s, const uint8_t *p, size_t n)
{
    struct owed *o = &owed[s];
    while (n > 0 && !o->ended) {
        size_t used = 0;
        enum lr_l4_feed rc = lr_l4_req_feed(&o->sent, p, n, &used);
        p += used;
        n -= used;
        if (rc == LR_L4_BAD) {
            o->ended = true;
        } else if (rc == LR_L4_DONE) {
            if (o->n == EXPECT_MAX) {
                o->unchecked = true;
                o->ended = true;
                break;
            }
            uint32_t i = (o->head + o->n++) % EXPECT_MAX;
            memcpy(o->q[i].hdr, o->sent.hdr, LR_L4_HDR_LEN);
            o->q[i].len = o->sent.h.resp_len;
            if (o->sent.h.flags & LR_L4_F_LAST)
                o->ended = true;
        }
    }
}

/* The service sent @n bytes on @s: they must be what is owed, in order. */
static void check_rx(int s, const uint8_t *p, uint32_t n)
{
    struct owed *o = &owed[s];
    while (n > 0) {
        while (o->n > 0 && o->got == o->q[o->head].len) { /* answers of 0 bytes too */
            o->head = (o->head + 1) % EXPECT_MAX;
            o->n--;
            o->got = 0;
        }
        if (o->n == 0)
            fail("bytes nobody asked for", s);
        uint32_t k = RTE_MIN(n, o->q[o->head].len - o->got);
        if (lr_l4_msg_diff(p, k, o->got, o->q[o->head].hdr) != 0)
            fail("answer bytes differ from the header and the pattern", s);
        o->got += k;
        p += k;
        n -= k;
    }
}

/* Send the first @n bytes of the stream of @s as one segment. */
static void push(int s, uint32_t n)
{
    struct stream *st = &streams[s];
    if (n > st->len)
        n = st->len;
    if (n > 1400)
        n = 1400;
    if (n == 0 || !peer.c[s].used)
        return;
    fp_send(&peer, s, st->b, n);
    owe(s, st->b, n);
    memmove(st->b, st->b + n, st->len - n);
    st->len -= n;
}

/* Read and check what the service sent. */
static void settle(void)
{
    fp_settle(&peer, !quiet);
    for (int s = 0; s < FP_CONNS; s++) {
        uint32_t len;
        const uint8_t *p = fp_rx(&peer, s, &len);
        if (p == NULL)
            continue;
        struct owed *o = &owed[s];
        if (peer.c[s].rx_total != o->seen + len)
            o->unchecked = true; /* more than the peer keeps arrived at once */
        if (!o->unchecked)
            check_rx(s, p, len);
        o->seen = peer.c[s].rx_total;
        fp_rx_consume(&peer, s, len);
    }
}

static void udp_send(struct lr_worker *w, const uint8_t *payload, size_t len)
{
    static uint8_t udp[2048], frame[2200];
    struct rte_udp_hdr *uh = (struct rte_udp_hdr *)udp;
    uh->src_port = rte_cpu_to_be_16(40000);
    uh->dst_port = rte_cpu_to_be_16(UPORT);
    uh->dgram_len = rte_cpu_to_be_16((uint16_t)(8 + len));
    uh->dgram_cksum = 0;
    memcpy(udp + 8, payload, len);
    struct lr_test_ipv4 ip = { .proto = IPPROTO_UDP, .payload = udp, .payload_len = 8 + len };
    size_t n = lr_test_ipv4_frame(w, frame, sizeof(frame), &ip);
    if (n > 0)
        lr_test_rx(w, frame, n);
}

static void run_op(struct lr_worker *w, struct rd *r)
{
    uint8_t op = byte(r) % 11;
    uint8_t buf[2048];
    int s;
    switch (op) {
    case 0: /* OPEN */
        s = fp_open(&peer, TPORT, byte(r) & 1);
        if (s >= 0) {
            streams[s].len = 0;
            memset(&owed[s], 0, sizeof(owed[s]));
            lr_l4_req_init(&owed[s].sent);
        }
        break;
    case 1: /* REQ */
        s = byte(r) % FP_CONNS;
        append(s, buf, mkreq(buf, byte(r) % NB_DICT));
        break;
    case 2: { /* BYTES */
        s = byte(r) % FP_CONNS;
        uint8_t n = byte(r);
        for (unsigned i = 0; i < n; i++)
            buf[i] = byte(r);
        append(s, buf, n);
        break;
    }
    case 3: /* PUSH */
        s = byte(r) % FP_CONNS;
        push(s, (uint32_t)byte(r) + 1);
        break;
    case 4: /* FLUSH */
        s = byte(r) % FP_CONNS;
        for (int i = 0; i < 8 && streams[s].len > 0; i++)
            push(s, 1400);
        break;
    case 5:
        fp_fin(&peer, byte(r) % FP_CONNS);
        break;
    case 6:
        fp_rst(&peer, byte(r) % FP_CONNS);
        break;
    case 7: { /* TIME */
        uint8_t t = byte(r);
        lr_test_advance(w, t < 128 ? (uint64_t)t * 10000 : (uint64_t)(t - 127) * 1000000);
        break;
    }
    case 8:
        quiet = !quiet;
        break;
    case 9: /* WND */
        s = byte(r) % FP_CONNS;
        peer.c[s].wnd = (uint16_t)(byte(r) * 256u);
        if (peer.c[s].used)
            fp_ack(&peer, s);
        break;
    case 10: { /* UDP */
        uint32_t len = mkreq(buf, byte(r) % NB_DICT);
        uint8_t n = byte(r);
        for (unsigned i = 0; i < n; i++) {
            uint8_t b = byte(r);
            if (i < len)
                buf[i] = b;
        }
        udp_send(w, buf, RTE_MIN(len, (uint32_t)1400));
        break;
    }
    }
    settle();
}

static void check_baseline(struct lr_worker *w)
{
    struct lr_l4_server_counters lc;
    lr_l4_server_counters_get(w, &lc);
    struct lr_tcp_counters tc;
    lr_tcp_counters_get(w, &tc);
    if (lc.no_state != 0) {
        fprintf(stderr,
                "fuzz_l4_server: invariant violated: %" PRIu64
                " connections refused for want of state (a leak)\n",
                lc.no_state);
        abort();
    }
    if (lr_l4_server_conns_in_use(w) != 0) {
        fprintf(stderr,
                "fuzz_l4_server: invariant violated: %u connection states held after every "
                "connection ended\n",
                lr_l4_server_conns_in_use(w));
        abort();
    }
    if (tc.active != 0) {
        fprintf(stderr,
                "fuzz_l4_server: invariant violated: %" PRIu64
                " TCP connections left after every timeout\n",
                tc.active);
        abort();
    }
    lr_test_tx_free_all(w);
    if (lr_test_pool_in_use(w) != base_pool) {
        fprintf(stderr, "fuzz_l4_server: invariant violated: mbuf leak (%u in use, baseline %u)\n",
                lr_test_pool_in_use(w), base_pool);
        abort();
    }
    if (w->timers.count != base_timers) {
        fprintf(stderr,
                "fuzz_l4_server: invariant violated: timer left armed (%" PRIu64
                " armed, baseline %" PRIu64 ")\n",
                w->timers.count, base_timers);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lr_worker *w = worker();
    struct rd r = { .p = data, .n = size };
    quiet = false;
    unsigned ops = 0;
    while (r.off < r.n && ops++ < 512)
        run_op(w, &r);
    /* Every client connection is reset; then time runs out every timer. */
    for (int s = 0; s < FP_CONNS; s++)
        if (peer.c[s].used)
            fp_rst(&peer, s);
    for (int i = 0; i < CLEANUP_N; i++) {
        fp_drain(&peer, false);
        lr_test_advance(w, CLEANUP_STEP);
    }
    fp_drain(&peer, false);
    fp_reset(&peer);
    check_baseline(w);
    return 0;
}
