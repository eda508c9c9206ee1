/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The l4 service (lr_l4_server.h) on the fixture worker: a simulated TCP
 * peer (lr_tcp_test.h) and crafted UDP datagrams. Answers are reassembled
 * from what the worker transmitted and compared byte for byte with the
 * request's header followed by the pattern; counters are checked exactly.
 * Teardown checks that no mbuf leaked.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_ip.h>
#include <rte_udp.h>

#include "lr_ip_frag.h"
#include "lr_l4_proto.h"
#include "lr_l4_server.h"
#include "lr_net.h"
#include "lr_tcp.h"
#include "lr_tcp_opt.h"
#include "lr_tcp_test.h"
#include "lr_test.h"
#include "lr_udp.h"

#define TPORT 4000
#define UPORT 4001
#define SPORT 40000

static uint8_t stream[(1u << 20) + 4096]; /* what the server sent on one connection */
static uint8_t want[(1u << 20) + 4096];

struct rx {
    size_t len;
    bool fin;
    bool rst;
};

static struct lr_config *wcfg(struct lrt_env *e)
{
    return (struct lr_config *)(uintptr_t)e->w->cfg;
}

static int setup(void **state)
{
    if (lrt_setup(state) != 0)
        return -1;
    struct lrt_env *e = *state;
    struct lr_config *c = wcfg(e);
    c->tcp.l4_port = TPORT;
    c->udp.l4_port = UPORT;
    c->udp.max_binds = 8;
    c->ip.icmp_rate = 0;
    if (lr_ip_frag_init(e->w) != 0 || lr_udp_init(e->w) != 0)
        return -1;
    return lr_l4_server_init(e->w) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    struct lrt_env *e = *state;
    lr_tcp_shutdown(e->w); /* RSTs; closed() releases the connections' state */
    lr_test_tx_free_all(e->w);
    uint32_t held = lr_l4_server_conns_in_use(e->w);
    lr_l4_server_free(e->w);
    lr_udp_free(e->w);
    lr_ip_frag_free(e->w);
    int rc = lrt_teardown(state);
    if (held != 0) {
        fprintf(stderr, "test_l4_server: %u connection states held after shutdown\n", held);
        return -1;
    }
    return rc;
}

static struct lr_l4_server_counters counters(struct lrt_env *e)
{
    struct lr_l4_server_counters c;
    lr_l4_server_counters_get(e->w, &c);
    return c;
}

/* A request: header, then the pattern up to req_len. Returns req_len. */
static uint32_t mkreq(uint8_t *buf, uint8_t flags, uint32_t seq, uint32_t req_len,
                      uint32_t resp_len)
{
    struct lr_l4_hdr h = { .flags = flags, .seq = seq, .req_len = req_len, .resp_len = resp_len };
    uint8_t hdr[LR_L4_HDR_LEN];
    lr_l4_hdr_write(hdr, &h);
    lr_l4_msg_fill(buf, req_len, 0, hdr);
    return req_len;
}

/* Append the answer the request at @req must get to want[*len]. */
static void expect_answer(const uint8_t *req, size_t *len)
{
    struct lr_l4_hdr h;
    assert_int_equal(lr_l4_hdr_read(req, &h), 0);
    /* independent of lr_l4_msg_fill: header bytes, then the table by offset */
    const uint8_t *pat = lr_l4_pattern();
    for (uint32_t i = 0; i < h.resp_len; i++)
        want[*len + i] = i < LR_L4_HDR_LEN ? req[i] : lr_l4_pattern_at(pat, i);
    *len += h.resp_len;
}

static void handshake(struct lrt_env *e, uint16_t peer_port)
{
    uint8_t opt[40];
    struct lr_tcp_opts o;
    memset(&o, 0, sizeof(o));
    o.has_mss = 1;
    o.mss = 1460;
    unsigned optlen = lr_tcp_opts_write(opt, &o, true);
    e->local_port = TPORT;
    e->peer_port = peer_port;
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_SYN, .opts = opt, .opts_len = optlen });
    struct lrt_seg s;
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.flags, LRT_SYN | LRT_ACK);
    e->peer_ack = s.seq + 1;
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK });
}

struct find {
    uint16_t rport;
    struct lr_tcp_conn *c;
};

static void find_one(struct lr_worker *w, struct lr_tcp_conn *c, void *arg)
{
    struct find *f = arg;
    uint16_t lport, rport;
    RTE_SET_USED(w);
    lr_tcp_conn_tuple(c, NULL, &lport, NULL, &rport);
    if (lport == TPORT && rport == f->rport)
        f->c = c;
}

static struct lr_tcp_conn *conn_of(struct lrt_env *e)
{
    struct find f = { .rport = e->peer_port };
    lr_tcp_conns_foreach(e->w, find_one, &f);
    return f.c;
}

/* Collect everything the server sends, ACKing as a reader would; the send
 * queue never holds more than [tcp] sndbuf. */
static void pump(struct lrt_env *e, struct rx *r)
{
    for (int round = 0; round < 100000; round++) {
        bool got = false;
        struct lrt_seg s;
        struct lr_tcp_conn *c = conn_of(e);
        if (c != NULL)
            assert_true(lr_tcp_send_queued(c) <= e->cfg.tcp.sndbuf);
        while (lrt_expect(e, &s)) {
            if (s.flags & LRT_RST)
                r->rst = true;
            if (s.len > 0) {
                assert_int_equal(s.seq, e->peer_ack);
                assert_true(r->len + s.len <= sizeof(stream));
                memcpy(stream + r->len, s.data, s.len);
                r->len += s.len;
                e->peer_ack += s.len;
                got = true;
            }
            if (s.flags & LRT_FIN) {
                r->fin = true;
                e->peer_ack += 1;
                got = true;
            }
        }
        if (!got || r->rst)
            return;
        lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK });
    }
    fail_msg("pump did not settle");
}

static void check_stream(const struct rx *r, size_t len)
{
    assert_int_equal(r->len, len);
    assert_memory_equal(stream, want, len);
}

/* --- TCP ------------------------------------------------------------------ */

static void tcp_split_request(void **state)
{
    struct lrt_env *e = *state;
    uint8_t req[100];
    size_t wl = 0;
    struct rx r = { 0 };

    handshake(e, SPORT);
    mkreq(req, 0, 1, sizeof(req), 300);
    expect_answer(req, &wl);
    /* split inside the header, at its end, and in the payload */
    static const uint32_t cuts[] = { 3, 10, 3, 50, 34 };
    uint32_t off = 0;
    for (unsigned i = 0; i < RTE_DIM(cuts); i++) {
        if (i > 0) {
            pump(e, &r);
            assert_int_equal(r.len, 0); /* nothing before the request is complete */
        }
        lrt_send_data(e, req + off, cuts[i]);
        off += cuts[i];
    }
    assert_int_equal(off, sizeof(req));
    pump(e, &r);
    check_stream(&r, wl);
    assert_false(r.fin);
    struct lr_l4_server_counters c = counters(e);
    assert_int_equal(c.tcp_requests, 1);
    assert_int_equal(c.tcp_answer_bytes, 300);
    assert_int_equal(c.connections, 1);
    assert_int_equal(c.corrupt, 0);
    assert_int_equal(c.bad_request, 0);
}

static void tcp_pipelined(void **state)
{
    struct lrt_env *e = *state;
    uint8_t seg[400];
    size_t wl = 0, n = 0;
    struct rx r = { 0 };

    handshake(e, SPORT);
    /* four requests in one segment: answers of 40, 0 (none), 5 (part of the
     * header only) and 16 (exactly the header) bytes, in order */
    static const uint32_t sizes[][2] = { { 64, 40 }, { 16, 0 }, { 200, 5 }, { 30, 16 } };
    for (unsigned i = 0; i < RTE_DIM(sizes); i++) {
        mkreq(seg + n, 0, i + 1, sizes[i][0], sizes[i][1]);
        expect_answer(seg + n, &wl);
        n += sizes[i][0];
    }
    lrt_send_data(e, seg, (uint32_t)n);
    pump(e, &r);
    check_stream(&r, wl);
    assert_int_equal(counters(e).tcp_requests, 4);
    assert_int_equal(counters(e).tcp_answer_bytes, 61);

    /* resp_len 0 alone: nothing comes back, the connection goes on */
    uint8_t z[20];
    mkreq(z, 0, 5, sizeof(z), 0);
    lrt_send_data(e, z, sizeof(z));
    pump(e, &r);
    assert_int_equal(r.len, wl);
    assert_int_equal(counters(e).tcp_requests, 5);
    mkreq(z, 0, 6, sizeof(z), 17);
    expect_answer(z, &wl);
    lrt_send_data(e, z, sizeof(z));
    pump(e, &r);
    check_stream(&r, wl);
}

static void tcp_large_answer(void **state)
{
    struct lrt_env *e = *state;
    uint8_t req[32];
    size_t wl = 0;
    struct rx r = { 0 };

    handshake(e, SPORT);
    mkreq(req, 0, 9, sizeof(req), 1u << 20);
    expect_answer(req, &wl);
    lrt_send_data(e, req, sizeof(req));
    pump(e, &r);
    check_stream(&r, wl);
    assert_int_equal(counters(e).tcp_answer_bytes, 1u << 20);
    assert_int_equal(lr_tcp_send_queued(conn_of(e)), 0);
}

/* While an answer waits for send space the next request is not read: it
 * stays held against the receive window, then is answered in order. */
static void tcp_backpressure(void **state)
{
    struct lrt_env *e = *state;
    uint8_t seg[64];
    size_t wl = 0;
    struct rx r = { 0 };
    struct lrt_seg s;

    handshake(e, SPORT);
    mkreq(seg, 0, 1, 32, 512u << 10);
    mkreq(seg + 32, 0, 2, 32, 100);
    expect_answer(seg, &wl);
    expect_answer(seg + 32, &wl);
    lrt_send_data(e, seg, sizeof(seg));
    /* no ACK from the peer yet: the first answer fills the send buffer */
    struct lr_tcp_conn *c = conn_of(e);
    assert_non_null(c);
    assert_int_equal(counters(e).tcp_requests, 1);
    assert_int_equal(lr_tcp_rcv_held(c), 32); /* the second request, unread */
    assert_true(counters(e).tcp_answer_bytes <= e->cfg.tcp.sndbuf);
    while (lrt_expect(e, &s)) {
        assert_int_equal(s.seq, e->peer_ack + r.len);
        memcpy(stream + r.len, s.data, s.len);
        r.len += s.len;
    }
    e->peer_ack += (uint32_t)r.len;
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK });
    pump(e, &r);
    check_stream(&r, wl);
    assert_int_equal(counters(e).tcp_requests, 2);
    assert_int_equal(lr_tcp_rcv_held(c), 0);
}

static void tcp_last_closes(void **state)
{
    struct lrt_env *e = *state;
    uint8_t req[48];
    size_t wl = 0;
    struct rx r = { 0 };

    handshake(e, SPORT);
    mkreq(req, LR_L4_F_LAST, 3, sizeof(req), 3000);
    expect_answer(req, &wl);
    lrt_send_data(e, req, sizeof(req));
    pump(e, &r);
    check_stream(&r, wl);
    assert_true(r.fin); /* RFC 9293 §3.10.4: FIN after the answer */
    assert_false(r.rst);
    struct lr_tcp_conn *c = conn_of(e);
    assert_non_null(c);
    assert_int_equal(lr_tcp_conn_state(c), LR_TCP_FIN_WAIT_2);
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_FIN | LRT_ACK });
    pump(e, &r);
    assert_int_equal(lr_tcp_conn_state(c), LR_TCP_TIME_WAIT);
}

/* The peer closes right after its request (FIN on the same segment): the
 * answer comes, then our FIN (passive close). */
static void tcp_peer_close(void **state)
{
    struct lrt_env *e = *state;
    uint8_t req[20];
    size_t wl = 0;
    struct rx r = { 0 };

    handshake(e, SPORT);
    mkreq(req, 0, 1, sizeof(req), 2500);
    expect_answer(req, &wl);
    lrt_send(e, &(struct lrt_spec){
                    .flags = LRT_ACK | LRT_PSH | LRT_FIN, .data = req, .len = sizeof(req) });
    pump(e, &r);
    check_stream(&r, wl);
    assert_true(r.fin);
    assert_false(r.rst);
    assert_int_equal(counters(e).tcp_requests, 1);
}

static void tcp_bad_header(void **state)
{
    struct lrt_env *e = *state;
    uint8_t req[40];
    struct rx r = { 0 };
    size_t wl = 0;

    handshake(e, SPORT);
    mkreq(req, 0, 1, sizeof(req), 10);
    req[2] = LR_L4_VERSION + 1;
    lrt_send_data(e, req, sizeof(req));
    pump(e, &r);
    assert_true(r.rst);
    assert_int_equal(r.len, 0);
    assert_null(conn_of(e)); /* reset and gone */
    assert_int_equal(counters(e).bad_request, 1);
    assert_int_equal(counters(e).tcp_requests, 0);

    /* req_len below the header: bad too */
    struct rx r2 = { 0 };
    handshake(e, SPORT + 1);
    mkreq(req, 0, 1, sizeof(req), 10);
    req[8] = req[9] = req[10] = 0;
    req[11] = 15;
    lrt_send_data(e, req, sizeof(req));
    pump(e, &r2);
    assert_true(r2.rst);
    assert_int_equal(counters(e).bad_request, 2);

    /* the service goes on: a new connection is answered */
    struct rx r3 = { 0 };
    handshake(e, SPORT + 2);
    mkreq(req, 0, 2, sizeof(req), 10);
    expect_answer(req, &wl);
    lrt_send_data(e, req, sizeof(req));
    pump(e, &r3);
    assert_false(r3.rst);
    assert_int_equal(r3.len, wl);
    assert_memory_equal(stream, want, wl);
}

static void tcp_corrupt_payload(void **state)
{
    struct lrt_env *e = *state;
    uint8_t req[600];
    size_t wl = 0;
    struct rx r = { 0 };

    handshake(e, SPORT);
    mkreq(req, 0, 1, sizeof(req), 50);
    expect_answer(req, &wl);
    req[16] ^= 0xff;
    req[300] ^= 1;
    req[599] ^= 0x80;
    lrt_send_data(e, req, 300); /* the corrupt bytes on both sides of a split */
    lrt_send_data(e, req + 300, 300);
    pump(e, &r);
    check_stream(&r, wl);
    assert_int_equal(counters(e).corrupt, 3);
    assert_int_equal(counters(e).tcp_requests, 1);
}

/* A connection state pool smaller than the TCP pool (the service sized at
 * one connection): the second connection is refused and counted; the state
 * comes back when the first one ends. */
static void tcp_no_state(void **state)
{
    struct lrt_env *e = *state;
    struct lr_config *c = wcfg(e);
    struct rx r = { 0 };
    struct lrt_seg s;

    lr_l4_server_free(e->w);
    c->tcp.max_conns = 1;
    assert_int_equal(lr_l4_server_init(e->w), 0);
    c->tcp.max_conns = e->cfg.tcp.max_conns;

    handshake(e, SPORT);
    uint32_t seq1 = e->peer_seq, ack1 = e->peer_ack; /* the first connection's */
    assert_int_equal(counters(e).connections, 1);
    /* second connection: SYN-ACK, then the RST for the refused accept */
    e->peer_port = SPORT + 1;
    uint8_t opt[40];
    struct lr_tcp_opts o = { .has_mss = 1, .mss = 1460 };
    unsigned optlen = lr_tcp_opts_write(opt, &o, true);
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_SYN, .opts = opt, .opts_len = optlen });
    assert_true(lrt_expect(e, &s));
    e->peer_ack = s.seq + 1;
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK });
    assert_true(lrt_expect(e, &s));
    assert_true(s.flags & LRT_RST);
    assert_int_equal(counters(e).no_state, 1);
    assert_int_equal(counters(e).connections, 1);

    /* the first connection ends (RST from the peer): its state is free again */
    e->peer_port = SPORT;
    e->peer_seq = seq1;
    e->peer_ack = ack1;
    assert_non_null(conn_of(e));
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_RST }); /* SEQ = RCV.NXT (RFC 5961 §3.2) */
    assert_null(conn_of(e));
    handshake(e, SPORT + 2);
    uint8_t req[16];
    size_t wl = 0;
    mkreq(req, 0, 1, sizeof(req), 20);
    expect_answer(req, &wl);
    lrt_send_data(e, req, sizeof(req));
    pump(e, &r);
    check_stream(&r, wl);
    assert_int_equal(counters(e).connections, 2);
    assert_int_equal(counters(e).no_state, 1);
}

/* --- UDP ------------------------------------------------------------------ */

/* Ethernet + IPv4 + UDP (checksum 0: none, RFC 768) from the peer. */
static size_t udp_frame(struct lr_worker *w, uint8_t *buf, size_t cap, uint16_t sport,
                        const void *data, size_t len)
{
    static uint8_t udp[2048];
    struct rte_udp_hdr *uh = (struct rte_udp_hdr *)udp;
    assert_true(len + 8 <= sizeof(udp));
    uh->src_port = rte_cpu_to_be_16(sport);
    uh->dst_port = rte_cpu_to_be_16(UPORT);
    uh->dgram_len = rte_cpu_to_be_16((uint16_t)(8 + len));
    uh->dgram_cksum = 0;
    memcpy(udp + 8, data, len);
    struct lr_test_ipv4 p = { .proto = IPPROTO_UDP, .payload = udp, .payload_len = 8 + len };
    return lr_test_ipv4_frame(w, buf, cap, &p);
}

/* Reassemble the next transmitted UDP datagram (IP fragments in order, as
 * the stack sends them) into @out; its payload length, or -1 when none. */
static long udp_answer(struct lr_worker *w, uint8_t *out, size_t cap)
{
    static uint8_t dgram[70000];
    size_t total = 0;
    for (;;) {
        struct rte_mbuf *m = lr_test_tx_pop(w);
        if (m == NULL)
            return -1;
        if (m->nb_segs > 1)
            assert_int_equal(rte_pktmbuf_linearize(m), 0);
        const struct rte_ipv4_hdr *ip =
            rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);
        assert_int_equal(ip->next_proto_id, IPPROTO_UDP);
        assert_int_equal(rte_ipv4_cksum(ip), 0);
        assert_int_equal(ip->src_addr, LR_TEST_OUR_IP);
        assert_int_equal(ip->dst_addr, LR_TEST_PEER_IP);
        uint16_t frag = rte_be_to_cpu_16(ip->fragment_offset);
        size_t off = (size_t)(frag & RTE_IPV4_HDR_OFFSET_MASK) * 8;
        size_t len = rte_be_to_cpu_16(ip->total_length) - rte_ipv4_hdr_len(ip);
        assert_int_equal(off, total);
        assert_true(off + len <= sizeof(dgram));
        memcpy(dgram + off, (const uint8_t *)ip + rte_ipv4_hdr_len(ip), len);
        total = off + len;
        rte_pktmbuf_free(m);
        if (!(frag & RTE_IPV4_HDR_MF_FLAG))
            break;
    }
    const struct rte_udp_hdr *uh = (const struct rte_udp_hdr *)dgram;
    assert_int_equal(rte_be_to_cpu_16(uh->src_port), UPORT);
    assert_int_equal(rte_be_to_cpu_16(uh->dst_port), SPORT);
    assert_int_equal(rte_be_to_cpu_16(uh->dgram_len), total);
    assert_true(total - 8 <= cap);
    memcpy(out, dgram + 8, total - 8);
    return (long)(total - 8);
}

static void udp_answers(void **state)
{
    struct lrt_env *e = *state;
    static uint8_t req[1472], got[LR_UDP_MAX_PAYLOAD];
    uint8_t f[2048];
    unsigned base = lr_test_pool_in_use(e->w);
    lr_test_tx_free_all(e->w);

    /* answers smaller, larger than the request (the received mbuf reused
     * or a new chain), fragmented, and the largest one datagram holds */
    static const uint32_t cases[][2] = {
        { 100, 200 }, { 1472, 16 }, { 64, 10 }, { 16, 1400 }, { 200, 4000 }, { 16, 65507 },
    };
    uint64_t bytes = 0;
    for (unsigned i = 0; i < RTE_DIM(cases); i++) {
        size_t wl = 0;
        mkreq(req, 0, 100 + i, cases[i][0], cases[i][1]);
        expect_answer(req, &wl);
        lr_test_rx(e->w, f, udp_frame(e->w, f, sizeof(f), SPORT, req, cases[i][0]));
        long n = udp_answer(e->w, got, sizeof(got));
        assert_int_equal(n, cases[i][1]);
        assert_memory_equal(got, want, wl);
        assert_int_equal(udp_answer(e->w, got, sizeof(got)), -1);
        bytes += cases[i][1];
    }
    struct lr_l4_server_counters c = counters(e);
    assert_int_equal(c.udp_requests, RTE_DIM(cases));
    assert_int_equal(c.udp_answer_bytes, bytes);
    assert_int_equal(c.bad_request + c.too_large + c.refused + c.corrupt, 0);

    /* resp_len 0: counted, nothing sent */
    mkreq(req, 0, 1, 40, 0);
    lr_test_rx(e->w, f, udp_frame(e->w, f, sizeof(f), SPORT, req, 40));
    assert_int_equal(udp_answer(e->w, got, sizeof(got)), -1);
    assert_int_equal(counters(e).udp_requests, RTE_DIM(cases) + 1);

    /* corrupt payload: counted, answered all the same */
    size_t wl = 0;
    mkreq(req, 0, 2, 300, 30);
    expect_answer(req, &wl);
    req[20] ^= 0x10;
    req[299] ^= 0x01;
    lr_test_rx(e->w, f, udp_frame(e->w, f, sizeof(f), SPORT, req, 300));
    assert_int_equal(udp_answer(e->w, got, sizeof(got)), 30);
    assert_memory_equal(got, want, 30);
    assert_int_equal(counters(e).corrupt, 2);
    assert_int_equal(lr_test_pool_in_use(e->w), base);
}

static void udp_refusals(void **state)
{
    struct lrt_env *e = *state;
    uint8_t req[200], got[256], f[2048];
    uint64_t drops = lrt_drops(e, LR_DROP_UDP_APP);
    unsigned base = lr_test_pool_in_use(e->w);
    lr_test_tx_free_all(e->w);

    /* bad magic */
    mkreq(req, 0, 1, 100, 20);
    req[0] = 'X';
    lr_test_rx(e->w, f, udp_frame(e->w, f, sizeof(f), SPORT, req, 100));
    /* req_len says 100, the datagram holds 99 */
    mkreq(req, 0, 1, 100, 20);
    lr_test_rx(e->w, f, udp_frame(e->w, f, sizeof(f), SPORT, req, 99));
    /* req_len says 50, the datagram holds 100 */
    mkreq(req, 0, 1, 50, 20);
    lr_test_rx(e->w, f, udp_frame(e->w, f, sizeof(f), SPORT, req, 100));
    /* shorter than a header */
    lr_test_rx(e->w, f, udp_frame(e->w, f, sizeof(f), SPORT, req, 15));
    assert_int_equal(counters(e).bad_request, 4);
    /* an answer no datagram can carry (65507 is the most) */
    mkreq(req, 0, 1, 100, LR_UDP_MAX_PAYLOAD + 1);
    lr_test_rx(e->w, f, udp_frame(e->w, f, sizeof(f), SPORT, req, 100));
    assert_int_equal(counters(e).too_large, 1);
    /* loop guard: requests from echo (7) and chargen (19) are not answered */
    mkreq(req, 0, 1, 100, 20);
    lr_test_rx(e->w, f, udp_frame(e->w, f, sizeof(f), 7, req, 100));
    lr_test_rx(e->w, f, udp_frame(e->w, f, sizeof(f), 19, req, 100));
    assert_int_equal(counters(e).refused, 2);
    assert_int_equal(udp_answer(e->w, got, sizeof(got)), -1);
    assert_int_equal(lrt_drops(e, LR_DROP_UDP_APP), drops + 7);
    assert_int_equal(counters(e).udp_requests, 0);
    /* and a good one still works */
    size_t wl = 0;
    expect_answer(req, &wl);
    lr_test_rx(e->w, f, udp_frame(e->w, f, sizeof(f), SPORT, req, 100));
    assert_int_equal(udp_answer(e->w, got, sizeof(got)), 20);
    assert_memory_equal(got, want, 20);
    assert_int_equal(lr_test_pool_in_use(e->w), base);
}

/* --- module surface ------------------------------------------------------- */

struct walk_rec {
    unsigned n;
    char names[16][32];
    uint64_t v[16];
};

static void walk_one(void *arg, const char *name, uint64_t value)
{
    struct walk_rec *r = arg;
    assert_true(r->n < 16);
    snprintf(r->names[r->n], sizeof(r->names[0]), "%s", name);
    r->v[r->n++] = value;
}

static void module_walk_and_ports(void **state)
{
    struct lrt_env *e = *state;
    uint8_t req[16], f[256], got[64];
    struct walk_rec wr = { 0 };

    mkreq(req, 0, 1, 16, 16);
    lr_test_rx(e->w, f, udp_frame(e->w, f, sizeof(f), SPORT, req, 16));
    assert_int_equal(udp_answer(e->w, got, sizeof(got)), 16);
    lr_l4_server_walk(e->w, walk_one, &wr);
    static const char *const names[] = { "tcp_requests",     "tcp_answer_bytes", "udp_requests",
                                         "udp_answer_bytes", "bad_request",      "too_large",
                                         "corrupt",          "refused",          "connections",
                                         "no_state" };
    assert_int_equal(wr.n, RTE_DIM(names));
    for (unsigned i = 0; i < RTE_DIM(names); i++)
        assert_string_equal(wr.names[i], names[i]);
    assert_int_equal(wr.v[2], 1);
    assert_int_equal(wr.v[3], 16);

    struct lr_port_claim pc[LR_PORT_CLAIMS_MAX];
    assert_int_equal(lr_l4_server_module.ports(e->w->cfg, pc), 2);
    assert_int_equal(pc[0].proto, IPPROTO_TCP);
    assert_int_equal(pc[0].lo, TPORT);
    assert_string_equal(pc[0].what, "[tcp] l4_port");
    assert_int_equal(pc[1].proto, IPPROTO_UDP);
    assert_int_equal(pc[1].hi, UPORT);
    assert_string_equal(pc[1].what, "[udp] l4_port");
    assert_string_equal(lr_l4_server_module.name, "l4_server");
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(tcp_split_request), T(tcp_pipelined),  T(tcp_large_answer), T(tcp_backpressure),
        T(tcp_last_closes),   T(tcp_peer_close), T(tcp_bad_header),   T(tcp_corrupt_payload),
        T(tcp_no_state),      T(udp_answers),    T(udp_refusals),     T(module_walk_and_ports),
    };
#undef T
    return cmocka_run_group_tests(tests, lr_test_group_setup, NULL);
}
