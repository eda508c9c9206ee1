/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stateful libFuzzer target for client mode's L4 modes (lr_l4_proto.h):
 * mode = tcp (lr_http_client.c over the real TCP stack, sim_peer.h as the
 * server) and mode = udp (lr_l4_udp.c over the real UDP layer, the target
 * reading the datagrams the stack sends and answering with crafted ones),
 * on the fixture worker with a fake clock advanced by the input, so warm-up
 * probes, interval pauses, the open-loop schedule, udp_timeout losses, the
 * end of the run and its drain all fire.
 *
 * Input: a 3-byte configuration, then opcodes (one byte and arguments;
 * missing bytes read as 0).
 *   byte 0   b & 1: udp (else tcp); payload_size (b >> 1 & 3: 16, 17, 100,
 *            700); response_size (b >> 3 & 3: same, 16, 40, 1200)
 *   byte 1   connections/flows (b & 3: 1, 1, 2, 5); interval (b >> 2 & 3:
 *            0, 0, 5 ms, 300 ms); request_rate (b >> 4 & 1: 0, 200/s; not
 *            with interval); udp_timeout (b >> 5 & 1: 50 ms, 1 s)
 *   byte 2   duration (b & 1: 2 s, 10 s); tcp: requests_per_conn (b >> 1 & 3:
 *            0, 0, 1, 3)
 * TCP opcodes ("s" picks one of the peer's connections):
 *   0 ANSWER s      the right answer to every request of s not yet answered, sent
 *   1 CORRUPT s p   the answer to the oldest with byte p flipped, sent
 *   2 BYTES s n ..  n raw bytes appended to the stream of s
 *   3 PUSH s n / 4 FLUSH s / 5 FIN s / 6 RST s / 7 TIME t / 8 QUIET
 *   9 SPLIT s n     the stream of s in segments of n % 16 + 1 bytes
 * UDP opcodes ("k" picks a request the peer holds, oldest first):
 *   0 ANSWER k / 1 DUP k (answer, keep it) / 2 DROP k / 3 CORRUPT k p
 *   4 WRONGSRC k (from another port) / 5 SIZE k d (wrong length, kept)
 *   6 RAW n .. (n raw bytes to a flow port) / 7 TIME t / 8 STALE k (its
 *   sequence number far away) / 9 ALL (answer every request held)
 *
 * Invariants (abort() on violation), after every opcode: the requests the
 * client wrote are valid L4 requests (header sizes from the config, the
 * payload pattern, per-connection numbering, LAST only on a connection's
 * last); responses + lost <= requests; responses <= right answers sent;
 * corrupt_answer errors <= corrupt answers sent; the client never counts
 * more requests than reached the peer; tcp: in flight <= connections; udp
 * closed loop without bad answers: in flight <= flows; open loop: no more
 * than the schedule allows. At the end time runs past duration and drain:
 * DONE, every request resolved, no connection or bound flow port left, and
 * the mbuf pool and timer wheel back to their baselines.
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

#include "lr_client_config.h"
#include "lr_config.h"
#include "lr_http_client.h"
#include "lr_l4_proto.h"
#include "lr_tcp.h"
#include "lr_tcp_priv.h"
#include "lr_udp.h"
#include "lr_worker.h"
#include "../unit/lr_test.h"
#include "sim_peer.h"

#define PORT      9000
#define WIRE_Q    64u  /* tcp: requests remembered per connection */
#define UDP_Q     256u /* udp: requests the peer holds */
#define MAX_FLOWS 8u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct lr_worker *fw;
static struct fp_peer peer;
static unsigned base_pool;
static uint64_t base_timers, base_binds;
static bool quiet;

struct rd {
    const uint8_t *p;
    size_t n, off;
};

static uint8_t byte(struct rd *r)
{
    return r->off < r->n ? r->p[r->off++] : 0;
}

/* tcp: the peer's view of one connection. */
struct pconn {
    bool known;
    uint16_t lport;
    uint32_t iss;
    bool lost;         /* more than FP_RX_MAX arrived at once: parsing stopped */
    bool last_seen;    /* a LAST request came: nothing may follow */
    uint64_t consumed; /* bytes parsed */
    struct lr_l4_req req;
    uint32_t reqs, answered;
    uint8_t hdr[WIRE_Q][LR_L4_HDR_LEN];
    struct fp_stream out; /* answers not yet sent */
};
static struct pconn pc[FP_CONNS];

/* udp: a request the peer holds. */
struct ureq {
    rte_be16_t sport; /* the flow's port */
    uint8_t hdr[LR_L4_HDR_LEN];
};

static struct {
    bool udp;
    uint32_t conns, payload, response, rpc;
    uint64_t interval, rate;
    uint64_t wire_reqs;   /* requests the peer received */
    uint64_t good_sent;   /* right answers the peer sent (first per request) */
    uint64_t bad_sent;    /* corrupt answers the peer sent */
    struct ureq q[UDP_Q]; /* udp */
    uint32_t nq;
    rte_be16_t some_port; /* a flow port seen */
} g;

static struct lr_client_counters counters(void)
{
    struct lr_client_counters c;
    lr_client_counters_get(lr_client_get(fw), &c);
    return c;
}

static void fail(const char *what)
{
    struct lr_client_counters c = counters();
    fprintf(stderr,
            "fuzz_l4_client: invariant violated: %s\n  %s requests %" PRIu64 " responses %" PRIu64
            " lost %" PRIu64 " unanswered %" PRIu64 " unfinished %" PRIu64 " corrupt %" PRIu64
            " bad %" PRIu64 " wire %" PRIu64 " good_sent %" PRIu64 " now %" PRIu64 "\n",
            what, g.udp ? "udp" : "tcp", c.requests, c.responses, c.udp_lost, c.unanswered,
            c.unfinished, c.errors[LR_CLIENT_ERR_CORRUPT], c.udp_bad, g.wire_reqs, g.good_sent,
            fw->now);
    abort();
}

static uint64_t udp_binds(void)
{
    struct lr_udp_counters u = { 0 };
    lr_udp_counters_add(fw, &u);
    return u.binds;
}

static void teardown(void)
{
    if (fw == NULL)
        return;
    lr_client_shutdown(fw);
    lr_client_free(fw);
    lr_tcp_shutdown(fw);
    lr_test_tx_free_all(fw);
    lr_tcp_free(fw);
    lr_udp_free(fw);
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
    fp_client_config(&cfg);
    fw = lr_test_worker_new(&cfg);
    if (fw == NULL)
        abort();
    fw->udp_extra_binds = MAX_FLOWS; /* what the client module's udp_binds hook claims */
    if (lr_tcp_init(fw) != 0 || lr_udp_init(fw) != 0)
        abort();
    lr_test_learn_peer(fw, LR_TEST_PEER_IP, &lr_test_peer_mac);
    base_pool = lr_test_pool_in_use(fw);
    base_timers = fw->timers.count;
    base_binds = udp_binds();
    fp_init(&peer, fw);
    atexit(teardown);
    return fw;
}

/* --- tcp peer ------------------------------------------------------------- */

/* A whole request arrived on @s: check it against the config. */
static void tcp_request(int s)
{
    struct pconn *q = &pc[s];
    const struct lr_l4_hdr *h = &q->req.h;

    if (q->req.corrupt != 0)
        fail("request payload is not the pattern");
    if (h->req_len != g.payload || h->resp_len != g.response)
        fail("request sizes differ from payload_size/response_size");
    if (h->seq != q->reqs)
        fail("request number differs from its place on the connection");
    if (q->last_seen)
        fail("a request after a LAST one");
    bool last = (h->flags & LR_L4_F_LAST) != 0;
    if (last != (g.rpc != 0 && q->reqs + 1 == g.rpc))
        fail("LAST flag not on exactly the connection's last request");
    q->last_seen = last;
    if (q->reqs - q->answered < WIRE_Q)
        memcpy(q->hdr[q->reqs % WIRE_Q], q->req.hdr, LR_L4_HDR_LEN);
    q->reqs++;
    g.wire_reqs++;
}

static void tcp_parse(int s)
{
    struct pconn *q = &pc[s];
    uint32_t len;
    const uint8_t *p = fp_rx(&peer, s, &len);
    if (p == NULL)
        return;
    if (peer.c[s].rx_total > q->consumed + len)
        q->lost = true;
    uint32_t off = 0;
    while (!q->lost && off < len) {
        size_t used = 0;
        enum lr_l4_feed r = lr_l4_req_feed(&q->req, p + off, len - off, &used);
        off += (uint32_t)used;
        if (r == LR_L4_BAD)
            fail("the client sent something that is not an L4 request");
        if (r == LR_L4_MORE)
            break;
        tcp_request(s);
    }
    if (q->lost)
        off = len;
    q->consumed += off;
    fp_rx_consume(&peer, s, off);
}

static void tcp_settle(void)
{
    fp_settle(&peer, !quiet);
    for (int s = 0; s < FP_CONNS; s++) {
        struct pconn *q = &pc[s];
        if (!peer.c[s].used) {
            q->known = false;
            continue;
        }
        if (!q->known || q->lport != peer.c[s].lport || q->iss != peer.c[s].iss) {
            memset(q, 0, offsetof(struct pconn, out));
            lr_l4_req_init(&q->req);
            q->known = true;
            q->lport = peer.c[s].lport;
            q->iss = peer.c[s].iss;
        }
        tcp_parse(s);
    }
}

static void append(int s, const void *p, size_t n)
{
    fp_stream_append(&pc[s].out, p, n);
}

static void push(int s, uint32_t n, uint32_t seg)
{
    fp_stream_push(&peer, s, &pc[s].out, n, seg);
}

/* The answer to the oldest unanswered request of @s; @flip: byte flipped. */
static bool tcp_answer_one(int s, int flip)
{
    struct pconn *q = &pc[s];
    static uint8_t a[2048];
    if (q->answered >= q->reqs || q->reqs - q->answered > WIRE_Q)
        return false;
    const uint8_t *hdr = q->hdr[q->answered % WIRE_Q];
    uint32_t n = g.response;
    lr_l4_msg_fill(a, n, 0, hdr);
    if (flip >= 0 && n > 0) {
        a[(uint32_t)flip % n] ^= 0x20;
        g.bad_sent++;
    } else {
        g.good_sent++;
    }
    append(s, a, n);
    q->answered++;
    return true;
}

static void tcp_op(struct rd *r)
{
    uint8_t op = byte(r) % 10, a = byte(r);
    int s = op == 7 || op == 8 ? -1 : fp_pick(&peer, a);
    switch (op) {
    case 0:
        if (s >= 0) {
            while (tcp_answer_one(s, -1))
                ;
            push(s, UINT32_MAX, 1400);
        }
        break;
    case 1: {
        uint8_t p = byte(r);
        if (s >= 0 && tcp_answer_one(s, p))
            push(s, UINT32_MAX, 1400);
        break;
    }
    case 2: {
        uint8_t n = byte(r), raw[256];
        for (unsigned i = 0; i < n; i++)
            raw[i] = byte(r);
        if (s >= 0)
            append(s, raw, n);
        break;
    }
    case 3: {
        uint8_t n = byte(r);
        if (s >= 0)
            push(s, (uint32_t)n + 1, 1400);
        break;
    }
    case 4:
        if (s >= 0)
            push(s, UINT32_MAX, 1400);
        break;
    case 5:
        if (s >= 0 && !peer.c[s].fin_sent)
            fp_fin(&peer, s);
        break;
    case 6:
        if (s >= 0)
            fp_rst(&peer, s);
        break;
    case 7:
        lr_test_advance(fw, a < 100   ? a * 1000u
                            : a < 200 ? (a - 99u) * 50000u
                                      : (a - 199u) * 1000000u);
        break;
    case 8:
        quiet = !quiet;
        break;
    case 9: {
        uint8_t n = byte(r);
        if (s >= 0) {
            push(s, UINT32_MAX, n % 16u + 1);
        }
        break;
    }
    }
}

/* --- udp peer ------------------------------------------------------------- */

static void udp_take(const uint8_t *buf, uint32_t len)
{
    if (len < sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr) + 8)
        return;
    const struct rte_ether_hdr *eh = (const void *)buf;
    if (eh->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4))
        return;
    const struct rte_ipv4_hdr *ip = (const void *)(eh + 1);
    uint32_t ihl = (ip->version_ihl & 0xf) * 4u;
    if (ip->next_proto_id != IPPROTO_UDP || ip->dst_addr != LR_TEST_PEER_IP)
        return;
    if ((rte_be_to_cpu_16(ip->fragment_offset) & 0x3fff) != 0)
        fail("a request was fragmented (payload_size fits the MTU)");
    const struct rte_udp_hdr *u = (const void *)((const uint8_t *)ip + ihl);
    const uint8_t *p = (const uint8_t *)(u + 1);
    uint32_t n = rte_be_to_cpu_16(u->dgram_len) - 8u;
    if (u->dst_port != rte_cpu_to_be_16(PORT))
        fail("a datagram to another port than the target's");
    if ((const uint8_t *)p + n > buf + len)
        fail("UDP length beyond the frame");
    struct lr_l4_hdr h;
    if (n < LR_L4_HDR_LEN || lr_l4_hdr_read(p, &h) != 0)
        fail("the client sent something that is not an L4 request");
    if (h.req_len != n || n != g.payload || h.resp_len != g.response || h.flags != 0)
        fail("request header differs from the config");
    if (lr_l4_msg_diff(p, n, 0, p) != 0)
        fail("request payload is not the pattern");
    g.wire_reqs++;
    g.some_port = u->src_port;
    if (g.nq == UDP_Q) {
        memmove(&g.q[0], &g.q[1], sizeof(g.q[0]) * (UDP_Q - 1));
        g.nq--;
    }
    g.q[g.nq].sport = u->src_port;
    memcpy(g.q[g.nq].hdr, p, LR_L4_HDR_LEN);
    g.nq++;
}

static void udp_settle(void)
{
    struct rte_mbuf *m;
    static uint8_t buf[4096];
    while ((m = lr_test_tx_pop(fw)) != NULL) {
        uint32_t len = m->pkt_len;
        const void *d = len <= sizeof(buf) ? rte_pktmbuf_read(m, 0, len, buf) : NULL;
        if (d != NULL && d != buf)
            memcpy(buf, d, len);
        rte_pktmbuf_free(m);
        if (d != NULL)
            udp_take(buf, len);
    }
}

/* A datagram from the target (or @sport) to @dport with @n bytes of @p. */
static void udp_send(rte_be16_t sport, rte_be16_t dport, const uint8_t *p, uint32_t n)
{
    static uint8_t pl[2048], frame[2200];
    if (n > sizeof(pl) - 8)
        n = sizeof(pl) - 8;
    struct rte_udp_hdr *u = (struct rte_udp_hdr *)pl;
    u->src_port = sport;
    u->dst_port = dport;
    u->dgram_len = rte_cpu_to_be_16((uint16_t)(n + 8));
    u->dgram_cksum = 0; /* none (RFC 768): accepted */
    memcpy(pl + 8, p, n);
    struct lr_test_ipv4 ip = { .proto = IPPROTO_UDP, .payload = pl, .payload_len = n + 8 };
    size_t fl = lr_test_ipv4_frame(fw, frame, sizeof(frame), &ip);
    lr_test_rx(fw, frame, fl);
}

static void udp_remove(uint32_t i)
{
    memmove(&g.q[i], &g.q[i + 1], sizeof(g.q[0]) * (g.nq - i - 1));
    g.nq--;
}

/* Answer request @i: @flip >= 0 flips that byte, @dlen changes the length,
 * @seq_xor moves the sequence number, @wrong_src answers from another port. */
static void udp_answer(uint32_t i, int flip, int dlen, uint32_t seq_xor, bool wrong_src)
{
    static uint8_t a[2048];
    uint8_t hdr[LR_L4_HDR_LEN];
    memcpy(hdr, g.q[i].hdr, LR_L4_HDR_LEN);
    if (seq_xor != 0) {
        uint32_t seq;
        memcpy(&seq, hdr + 4, 4);
        seq ^= rte_cpu_to_be_32(seq_xor);
        memcpy(hdr + 4, &seq, 4);
    }
    int n = (int)g.response + dlen;
    if (n < 0)
        n = 0;
    lr_l4_msg_fill(a, (size_t)n, 0, hdr);
    if (flip >= 0 && n > 0) {
        /* not the sequence number: that would be a right answer to another request */
        uint32_t at = (uint32_t)flip % (uint32_t)n;
        if (at >= 4 && at < 8)
            at = at + 4 < (uint32_t)n ? at + 4 : 0;
        a[at] ^= 0x04;
    }
    if (flip >= 0)
        g.bad_sent++;
    else if (dlen == 0 && seq_xor == 0 && !wrong_src)
        g.good_sent++;
    udp_send(rte_cpu_to_be_16(wrong_src ? PORT + 1 : PORT), g.q[i].sport, a, (uint32_t)n);
}

static void udp_op(struct rd *r)
{
    uint8_t op = byte(r) % 10, a = byte(r);
    uint32_t i = g.nq ? a % g.nq : 0;
    bool have = g.nq > 0;
    switch (op) {
    case 0:
        if (have) {
            udp_answer(i, -1, 0, 0, false);
            udp_remove(i);
        }
        break;
    case 1:
        if (have)
            udp_answer(i, -1, 0, 0, false); /* kept: a later answer is a duplicate */
        break;
    case 2:
        if (have)
            udp_remove(i);
        break;
    case 3: {
        uint8_t p = byte(r);
        if (have) {
            udp_answer(i, p, 0, 0, false);
            udp_remove(i);
        }
        break;
    }
    case 4:
        if (have) {
            udp_answer(i, -1, 0, 0, true);
            udp_remove(i);
        }
        break;
    case 5: {
        uint8_t d = byte(r);
        if (have)
            udp_answer(i, -1, (int)(d % 5) - 2 == 0 ? 1 : (int)(d % 5) - 2, 0, false);
        break;
    }
    case 6: {
        uint8_t n = byte(r), raw[256];
        for (unsigned k = 0; k < n; k++)
            raw[k] = byte(r);
        if (g.some_port != 0)
            udp_send(rte_cpu_to_be_16(PORT), g.some_port, raw, n);
        break;
    }
    case 7:
        lr_test_advance(fw, a < 100   ? a * 1000u
                            : a < 200 ? (a - 99u) * 50000u
                                      : (a - 199u) * 1000000u);
        break;
    case 8:
        if (have) {
            udp_answer(i, -1, 0, 0x80000000u | a, false);
            udp_remove(i);
        }
        break;
    case 9:
        while (g.nq > 0) {
            udp_answer(0, -1, 0, 0, false);
            udp_remove(0);
        }
        break;
    }
}

/* --- both --------------------------------------------------------------------- */

static void settle(void)
{
    if (g.udp)
        udp_settle();
    else
        tcp_settle();
}

static void check(bool end)
{
    struct lr_client_counters c = counters();
    uint64_t corrupt = c.errors[LR_CLIENT_ERR_CORRUPT];

    if (c.responses + c.udp_lost > c.requests)
        fail("more requests resolved than sent");
    if (c.responses > g.good_sent)
        fail("more responses than right answers sent");
    if (g.udp && corrupt > g.bad_sent)
        fail("more corrupt answers than the peer sent");
    if (g.udp && c.requests > g.wire_reqs)
        fail("more requests counted than reached the peer");
    if (!g.udp && g.wire_reqs > c.requests)
        fail("more requests on the wire than the client counted");
    if (g.udp) {
        if (!end && g.interval == 0 && g.rate == 0 && corrupt == 0 && c.udp_bad == 0 &&
            c.requests - c.responses - c.udp_lost > g.conns)
            fail("udp closed loop: more requests in flight than flows");
        uint64_t rate = g.interval ? g.conns * 1000000ull / g.interval : g.rate;
        uint64_t el = lr_client_elapsed(lr_client_get(fw), fw->now);
        if (rate != 0 && c.requests > rate * el / 1000000 + 1)
            fail("open loop ahead of its schedule");
        if (end && c.requests - c.responses - c.udp_lost > corrupt + c.udp_bad)
            fail("requests left unresolved after DONE");
    } else {
        /* Every request ends once: answered (right or corrupt), given up
         * with an error, unanswered or unfinished; tcp_timeout may be a SYN's. */
        uint64_t resolved = c.responses + c.unanswered + c.unfinished + corrupt;
        static const enum lr_client_error ends[] = {
            LR_CLIENT_ERR_UNEXPECTED_CLOSE,
            LR_CLIENT_ERR_TIMEOUT,
            LR_CLIENT_ERR_RESET,
            LR_CLIENT_ERR_SEND,
        };
        for (unsigned k = 0; k < sizeof(ends) / sizeof(ends[0]); k++)
            resolved += c.errors[ends[k]];
        uint64_t hi = resolved + c.errors[LR_CLIENT_ERR_TCP_TIMEOUT];
        if (resolved > c.requests)
            fail("tcp: more requests resolved than sent");
        if (c.requests > hi + g.conns)
            fail("tcp: more requests in flight than connections");
        if (c.active > g.conns)
            fail("tcp: more connections than configured");
        if (end && c.requests > hi)
            fail("tcp: requests left unresolved after DONE");
    }
}

static void configure(struct rd *r)
{
    static const uint32_t payloads[] = { 16, 17, 100, 700 };
    static const uint32_t responses[] = { 0, 16, 40, 1200 };
    static const uint32_t conns[] = { 1, 1, 2, 5 };
    static const uint64_t intervals[] = { 0, 0, 5000, 300000 };
    static const uint32_t rpcs[] = { 0, 0, 1, 3 };
    uint8_t b0 = byte(r), b1 = byte(r), b2 = byte(r);
    struct lr_config *wc = (struct lr_config *)(uintptr_t)fw->cfg;
    struct lr_client_config *cc = lr_test_client(wc);

    memset(cc, 0, sizeof(*cc));
    memset(&g, 0, sizeof(g));
    g.udp = (b0 & 1) != 0;
    cc->enabled = true;
    cc->mode = g.udp ? LR_CLIENT_UDP : LR_CLIENT_TCP;
    snprintf(cc->mode_name, sizeof(cc->mode_name), "%s", g.udp ? "udp" : "tcp");
    cc->nb_targets = 1;
    cc->targets[0].ip = LR_TEST_PEER_IP;
    cc->targets[0].port = PORT;
    cc->pipeline = 1;
    cc->payload_size = payloads[(b0 >> 1) & 3];
    cc->response_size = responses[(b0 >> 3) & 3] ? responses[(b0 >> 3) & 3] : cc->payload_size;
    cc->connections = conns[b1 & 3];
    cc->flows = cc->connections;
    cc->interval = intervals[(b1 >> 2) & 3];
    cc->request_rate = cc->interval == 0 && ((b1 >> 4) & 1) ? 200 : 0;
    cc->udp_timeout = (b1 >> 5) & 1 ? 1000000 : 50000;
    cc->duration = (b2 & 1) ? 10000000 : 2000000;
    cc->requests_per_conn = g.udp ? 0 : rpcs[(b2 >> 1) & 3];
    g.conns = cc->connections;
    g.payload = cc->payload_size;
    g.response = cc->response_size;
    g.interval = cc->interval;
    g.rate = cc->request_rate;
    g.rpc = cc->requests_per_conn;
    if (lr_client_init(fw) != 0 || lr_client_get(fw) == NULL)
        abort();
}

static void finish(void)
{
    quiet = false;
    for (int i = 0; i < 100 && lr_client_phase(lr_client_get(fw)) != LR_CLIENT_PHASE_DONE; i++) {
        lr_test_advance(fw, 500000);
        lr_client_poll(fw);
        settle();
        check(false);
    }
    if (lr_client_phase(lr_client_get(fw)) != LR_CLIENT_PHASE_DONE)
        fail("client not DONE after duration and drain");
    check(true);
    struct lr_client_counters c = counters();
    if (getenv("FUZZ_VERBOSE") != NULL)
        fprintf(stderr,
                "%s requests %" PRIu64 " responses %" PRIu64 " lost %" PRIu64 " late %" PRIu64
                " dup %" PRIu64 " oow %" PRIu64 " bad %" PRIu64 " corrupt %" PRIu64
                " conns %" PRIu64 " unanswered %" PRIu64 " timeouts %" PRIu64
                " warmup_failures %" PRIu64 "\n",
                g.udp ? "udp" : "tcp", c.requests, c.responses, c.udp_lost, c.udp_late,
                c.udp_duplicates, c.udp_out_of_window, c.udp_bad, c.errors[LR_CLIENT_ERR_CORRUPT],
                c.conns, c.unanswered, c.errors[LR_CLIENT_ERR_TIMEOUT], c.warmup_failures);
    if (!g.udp && (c.active != 0 || c.conn_attempts != c.conns_closed))
        fail("connections left after DONE");
    lr_client_shutdown(fw);
    lr_client_free(fw);
    if (udp_binds() != base_binds)
        fail("flow ports left bound after the client ended");
    for (int i = 0; i < 40; i++) {
        fp_drain(&peer, false);
        lr_test_advance(fw, 500000);
    }
    fp_drain(&peer, false);
    fp_reset(&peer);
    for (int s = 0; s < FP_CONNS; s++)
        pc[s].known = false;
    struct lr_tcp_counters tc;
    lr_tcp_counters_get(fw, &tc);
    if (tc.active != 0 || fw->tcp->nb_free != fw->tcp->max_conns)
        fail("TCP connections left after the client ended");
    lr_test_tx_free_all(fw);
    if (lr_test_pool_in_use(fw) != base_pool)
        fail("mbuf leak");
    if (fw->timers.count != base_timers)
        fail("timers left armed");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    worker();
    struct rd r = { .p = data, .n = size };
    quiet = false;
    configure(&r);
    lr_client_poll(fw);
    settle();
    unsigned ops = 0;
    while (r.off < r.n && ops++ < 512) {
        if (g.udp)
            udp_op(&r);
        else
            tcp_op(&r);
        lr_client_poll(fw);
        settle();
        lr_client_poll(fw);
        settle();
        check(false);
    }
    finish();
    return 0;
}
