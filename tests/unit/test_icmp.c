/* SPDX-License-Identifier: BSD-3-Clause */
/* ICMP (lr_icmp.c): echo, received errors, error generation rules and rate limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "lr_ip_frag.h"
#include "lr_net.h"
#include "lr_pkt.h"
#include "lr_test.h"

#define SEC 1000000ull

static const struct rte_ether_addr bcast = { .addr_bytes = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };

static uint8_t fbuf[2048];

static int setup(void **state)
{
    int rc = lr_test_setup(state);
    if (rc == 0)
        lr_test_learn_peer(*state, LR_TEST_PEER_IP, &lr_test_peer_mac);
    return rc;
}

static struct lr_worker *new_worker(void **state, const struct lr_config *cfg)
{
    struct lr_worker *w = lr_test_worker_new(cfg);
    assert_non_null(w);
    lr_test_set_baseline(w);
    lr_test_learn_peer(w, LR_TEST_PEER_IP, &lr_test_peer_mac);
    *state = w;
    return w;
}

static void echo_roundtrip(struct lr_worker *w, size_t size)
{
    size_t len =
        lr_test_icmp_echo_frame(w, fbuf, sizeof(fbuf), RTE_IP_ICMP_ECHO_REQUEST, LR_TEST_PEER_IP,
                                LR_TEST_OUR_IP, 0x1234, (uint16_t)size, NULL, size);
    assert_int_equal(len, 14 + 20 + 8 + size);
    lr_test_rx(w, fbuf, len);

    struct rte_mbuf *m = lr_test_tx_pop(w);
    assert_non_null(m);
    assert_int_equal(m->pkt_len, len);
    assert_int_equal(m->nb_segs, 1);
    const uint8_t *r = rte_pktmbuf_mtod(m, const uint8_t *);
    const struct rte_ether_hdr *eh = (const struct rte_ether_hdr *)r;
    assert_memory_equal(&eh->dst_addr, &lr_test_peer_mac, 6);
    assert_memory_equal(&eh->src_addr, lr_test_mac(w), 6);
    const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(r + 14);
    assert_int_equal(ip->version_ihl, 0x45);
    assert_int_equal(rte_be_to_cpu_16(ip->total_length), 20 + 8 + size);
    assert_int_equal(ip->next_proto_id, IPPROTO_ICMP);
    assert_int_equal(ip->src_addr, LR_TEST_OUR_IP);
    assert_int_equal(ip->dst_addr, LR_TEST_PEER_IP);
    assert_int_equal(ip->time_to_live, w->cfg->ip.ttl);
    assert_int_equal(lr_test_inet_csum(ip, 20), 0);
    const uint8_t *ic = r + 34, *req = fbuf + 34;
    assert_int_equal(ic[0], RTE_IP_ICMP_ECHO_REPLY);
    assert_int_equal(ic[1], 0);
    assert_int_equal(lr_test_inet_csum(ic, 8 + size), 0);
    /* Identifier, sequence number and every payload byte echoed unchanged. */
    assert_memory_equal(ic + 4, req + 4, 4 + size);
    rte_pktmbuf_free(m);
    assert_null(lr_test_tx_pop(w));
}

static void echo_reply_sizes(void **state)
{
    struct lr_worker *w = *state;
    echo_roundtrip(w, 0);
    echo_roundtrip(w, 56);
    echo_roundtrip(w, 1472); /* 1500-byte IP packet: the MTU */
    echo_roundtrip(w, 1);    /* odd length */
    assert_int_equal(w->stats.icmp.echo_requests, 4);
    assert_int_equal(w->stats.icmp.echo_replies, 4);
    assert_int_equal(lr_stats_total_drops(&w->stats), 0);
}

static void echo_reply_checksum_edge(void **state)
{
    struct lr_worker *w = *state;
    /* Payloads chosen so the request checksum is 0x0000 / 0xffff-adjacent:
     * the incremental update must still produce a valid sum. */
    for (unsigned v = 0; v < 512; v += 37) {
        uint8_t data[4] = { (uint8_t)v, (uint8_t)(v >> 1), 0xf7, 0xff };
        size_t len = lr_test_icmp_echo_frame(w, fbuf, sizeof(fbuf), RTE_IP_ICMP_ECHO_REQUEST,
                                             LR_TEST_PEER_IP, LR_TEST_OUR_IP, (uint16_t)v,
                                             (uint16_t)~v, data, sizeof(data));
        lr_test_rx(w, fbuf, len);
        struct rte_mbuf *m = lr_test_tx_pop(w);
        assert_non_null(m);
        assert_int_equal(lr_test_inet_csum(rte_pktmbuf_mtod_offset(m, uint8_t *, 34), 12), 0);
        rte_pktmbuf_free(m);
    }
}

static void echo_with_ip_options(void **state)
{
    struct lr_worker *w = *state;
    uint8_t icmp[8 + 16];
    memset(icmp, 0, sizeof(icmp));
    icmp[0] = RTE_IP_ICMP_ECHO_REQUEST;
    icmp[5] = 9;
    for (int i = 8; i < 24; i++)
        icmp[i] = (uint8_t)(0xa0 + i);
    uint16_t ck = lr_test_inet_csum(icmp, sizeof(icmp));
    memcpy(icmp + 2, &ck, 2);
    static const uint8_t opts[8] = { 1, 1, 1, 1, 1, 1, 1, 0 };
    struct lr_test_ipv4 p = {
        .proto = IPPROTO_ICMP,
        .options = opts,
        .options_len = sizeof(opts),
        .payload = icmp,
        .payload_len = sizeof(icmp),
    };
    size_t len = lr_test_ipv4_frame(w, fbuf, sizeof(fbuf), &p);
    lr_test_rx(w, fbuf, len);
    struct rte_mbuf *m = lr_test_tx_pop(w);
    assert_non_null(m);
    assert_int_equal(m->pkt_len, 14 + 20 + sizeof(icmp));
    const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, 14);
    assert_int_equal(ip->version_ihl, 0x45);
    assert_int_equal(lr_test_inet_csum(ip, 20), 0);
    const uint8_t *ic = (const uint8_t *)(ip + 1);
    assert_int_equal(ic[0], 0);
    assert_memory_equal(ic + 4, icmp + 4, sizeof(icmp) - 4);
    assert_int_equal(lr_test_inet_csum(ic, sizeof(icmp)), 0);
    rte_pktmbuf_free(m);
}

/* An echo request arriving as a two-segment chain split at an odd offset. */
static void echo_chained_odd_segments(void **state)
{
    struct lr_worker *w = *state;
    const size_t size = 301, split = 14 + 20 + 8 + 33;
    size_t len = lr_test_icmp_echo_frame(w, fbuf, sizeof(fbuf), RTE_IP_ICMP_ECHO_REQUEST,
                                         LR_TEST_PEER_IP, LR_TEST_OUR_IP, 77, 78, NULL, size);

    for (int corrupt = 0; corrupt < 2; corrupt++) {
        struct rte_mbuf *m = lr_test_mbuf(w, fbuf, split);
        struct rte_mbuf *s2 = rte_pktmbuf_alloc(w->pool);
        assert_non_null(m);
        assert_non_null(s2);
        uint8_t *d = (uint8_t *)rte_pktmbuf_append(s2, (uint16_t)(len - split));
        memcpy(d, fbuf + split, len - split);
        if (corrupt)
            d[100] ^= 0x01;
        assert_int_equal(rte_pktmbuf_chain(m, s2), 0);
        lr_eth_input_burst(w, lr_test_port(w), &m, 1);
    }
    assert_int_equal(w->stats.drops[LR_DROP_ICMP_CSUM], 1);

    struct rte_mbuf *r = lr_test_tx_pop(w);
    assert_non_null(r);
    assert_null(lr_test_tx_pop(w));
    assert_int_equal(r->pkt_len, len);
    static uint8_t flat[2048];
    const uint8_t *all = rte_pktmbuf_read(r, 0, r->pkt_len, flat);
    assert_non_null(all);
    assert_int_equal(all[34], RTE_IP_ICMP_ECHO_REPLY);
    assert_int_equal(lr_test_inet_csum(all + 34, 8 + size), 0);
    assert_int_equal(lr_test_inet_csum(all + 14, 20), 0);
    assert_memory_equal(all + 38, fbuf + 38, 4 + size);
    rte_pktmbuf_free(r);
}

/* A 3000-byte echo arriving in three fragments: reassembled, answered in fragments. */
static void echo_fragmented_request_fragmented_reply(void **state)
{
    struct lr_worker *w = *state;
    static uint8_t msg[3000], back[3000];
    const size_t mlen = sizeof(msg);
    assert_int_equal(lr_ip_frag_init(w), 0);

    memset(msg, 0, 8);
    msg[0] = RTE_IP_ICMP_ECHO_REQUEST;
    msg[5] = 42;
    for (size_t i = 8; i < mlen; i++)
        msg[i] = (uint8_t)(i * 13 + 1);
    uint16_t ck = lr_test_inet_csum(msg, mlen);
    memcpy(msg + 2, &ck, 2);
    static const size_t offs[] = { 0, 1480, 2960 };
    for (int i = 0; i < 3; i++) {
        size_t n = i < 2 ? 1480 : mlen - 2960;
        struct lr_test_ipv4 p = {
            .proto = IPPROTO_ICMP,
            .id = 0x777,
            .frag = (uint16_t)((offs[i] / 8) | (i < 2 ? RTE_IPV4_HDR_MF_FLAG : 0)),
            .payload = msg + offs[i],
            .payload_len = n,
        };
        size_t len = lr_test_ipv4_frame(w, fbuf, sizeof(fbuf), &p);
        lr_test_rx(w, fbuf, len);
    }
    assert_int_equal(w->stats.icmp.echo_requests, 1);

    struct rte_mbuf *out[8];
    uint16_t n = lr_test_tx(w, out, 8);
    assert_true(n >= 3);
    size_t got = 0;
    for (uint16_t i = 0; i < n; i++) {
        assert_true(out[i]->pkt_len <= 14 + 1500u);
        uint8_t hdr[34];
        const uint8_t *h = rte_pktmbuf_read(out[i], 0, 34, hdr);
        const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(h + 14);
        assert_int_equal(lr_test_inet_csum(ip, 20), 0);
        assert_int_equal(ip->dst_addr, LR_TEST_PEER_IP);
        uint16_t fo = rte_be_to_cpu_16(ip->fragment_offset);
        size_t off = (size_t)(fo & RTE_IPV4_HDR_OFFSET_MASK) * 8;
        size_t plen = rte_be_to_cpu_16(ip->total_length) - 20u;
        assert_true(off + plen <= mlen);
        const uint8_t *src = rte_pktmbuf_read(out[i], 34, (uint32_t)plen, back + off);
        assert_non_null(src);
        if (src != back + off)
            memcpy(back + off, src, plen);
        got += plen;
        rte_pktmbuf_free(out[i]);
    }
    assert_int_equal(got, mlen);
    assert_int_equal(back[0], RTE_IP_ICMP_ECHO_REPLY);
    assert_int_equal(lr_test_inet_csum(back, mlen), 0);
    assert_memory_equal(back + 4, msg + 4, mlen - 4);
    lr_ip_frag_free(w);
}

static void bad_checksum_dropped(void **state)
{
    struct lr_worker *w = *state;
    size_t len = lr_test_icmp_echo_frame(w, fbuf, sizeof(fbuf), RTE_IP_ICMP_ECHO_REQUEST,
                                         LR_TEST_PEER_IP, LR_TEST_OUR_IP, 1, 1, NULL, 56);
    fbuf[len - 1] ^= 0x40;
    lr_test_rx(w, fbuf, len);
    assert_int_equal(w->stats.drops[LR_DROP_ICMP_CSUM], 1);
    assert_null(lr_test_tx_pop(w));
}

static void truncated_dropped(void **state)
{
    struct lr_worker *w = *state;
    static const uint8_t four[4] = { 8, 0, 0xf7, 0xff };
    struct lr_test_ipv4 p = { .proto = IPPROTO_ICMP, .payload = four, .payload_len = 4 };
    size_t len = lr_test_ipv4_frame(w, fbuf, sizeof(fbuf), &p);
    lr_test_rx(w, fbuf, len);
    assert_int_equal(w->stats.drops[LR_DROP_ICMP_TRUNCATED], 1);
    assert_null(lr_test_tx_pop(w));
}

static void broadcast_echo_ignored(void **state)
{
    struct lr_worker *w = *state;
    size_t len = lr_test_icmp_echo_frame(w, fbuf, sizeof(fbuf), RTE_IP_ICMP_ECHO_REQUEST,
                                         LR_TEST_PEER_IP, LR_TEST_BCAST_IP, 1, 1, NULL, 8);
    memcpy(fbuf, &bcast, 6);
    lr_test_rx(w, fbuf, len);
    len = lr_test_icmp_echo_frame(w, fbuf, sizeof(fbuf), RTE_IP_ICMP_ECHO_REQUEST, LR_TEST_PEER_IP,
                                  RTE_BE32(0xffffffff), 1, 2, NULL, 8);
    memcpy(fbuf, &bcast, 6);
    lr_test_rx(w, fbuf, len);
    assert_int_equal(w->stats.drops[LR_DROP_ICMP_BCAST], 2);
    assert_null(lr_test_tx_pop(w));
}

static void other_types_counted(void **state)
{
    struct lr_worker *w = *state;
    size_t len = lr_test_icmp_echo_frame(w, fbuf, sizeof(fbuf), 13 /* timestamp */, LR_TEST_PEER_IP,
                                         LR_TEST_OUR_IP, 1, 1, NULL, 12);
    lr_test_rx(w, fbuf, len);
    len = lr_test_icmp_echo_frame(w, fbuf, sizeof(fbuf), RTE_IP_ICMP_ECHO_REPLY, LR_TEST_PEER_IP,
                                  LR_TEST_OUR_IP, 1, 1, NULL, 12);
    lr_test_rx(w, fbuf, len);
    assert_int_equal(w->stats.drops[LR_DROP_ICMP_TYPE], 2);
    assert_null(lr_test_tx_pop(w));
}

/* --- received errors --------------------------------------------------------- */

static struct {
    unsigned calls;
    uint8_t type, code;
    uint32_t info;
    rte_be32_t orig_dst;
    uint8_t l4[8];
    uint16_t l4_len;
} err;

static void err_handler(struct lr_worker *w, uint8_t type, uint8_t code, uint32_t info,
                        const struct rte_ipv4_hdr *orig, const uint8_t *l4, uint16_t l4_len)
{
    (void)w;
    err.calls++;
    err.type = type;
    err.code = code;
    err.info = info;
    err.orig_dst = orig->dst_addr;
    memcpy(err.l4, l4, 8);
    err.l4_len = l4_len;
}

/* An ICMP error from the peer quoting a UDP datagram we sent from @qsrc. */
static size_t error_frame(struct lr_worker *w, uint8_t type, uint8_t code, uint32_t info,
                          rte_be32_t qsrc, size_t quote_l4)
{
    uint8_t msg[8 + 20 + 64];
    memset(msg, 0, sizeof(msg));
    msg[0] = type;
    msg[1] = code;
    rte_be32_t inf = rte_cpu_to_be_32(info);
    memcpy(msg + 4, &inf, 4);
    struct rte_ipv4_hdr *q = (struct rte_ipv4_hdr *)(msg + 8);
    lr_ipv4_hdr_fill(w, q, 20 + 8 + 100, IPPROTO_UDP, qsrc, LR_TEST_PEER_IP);
    uint8_t *l4 = msg + 28;
    static const uint8_t udp[8] = { 0x9c, 0x40, 0x00, 0x35, 0x00, 0x6c, 0x12, 0x34 };
    memcpy(l4, udp, 8);
    size_t mlen = 28 + quote_l4;
    uint16_t ck = lr_test_inet_csum(msg, mlen);
    memcpy(msg + 2, &ck, 2);
    struct lr_test_ipv4 p = { .proto = IPPROTO_ICMP, .payload = msg, .payload_len = mlen };
    return lr_test_ipv4_frame(w, fbuf, sizeof(fbuf), &p);
}

static void errors_passed_to_handler(void **state)
{
    struct lr_worker *w = *state;
    memset(&err, 0, sizeof(err));
    lr_icmp_register_error_handler(w, IPPROTO_UDP, err_handler);

    size_t len = error_frame(w, LR_ICMP_DEST_UNREACH, LR_ICMP_UNREACH_PORT, 0, LR_TEST_OUR_IP, 8);
    lr_test_rx(w, fbuf, len);
    assert_int_equal(err.calls, 1);
    assert_int_equal(err.type, LR_ICMP_DEST_UNREACH);
    assert_int_equal(err.code, LR_ICMP_UNREACH_PORT);
    assert_int_equal(err.orig_dst, LR_TEST_PEER_IP);
    assert_int_equal(err.l4_len, 8);
    assert_int_equal(err.l4[0], 0x9c);
    assert_int_equal(err.l4[7], 0x34);
    assert_int_equal(w->stats.icmp.rx_dest_unreach, 1);

    len =
        error_frame(w, LR_ICMP_DEST_UNREACH, LR_ICMP_UNREACH_FRAG_NEEDED, 1400, LR_TEST_OUR_IP, 40);
    lr_test_rx(w, fbuf, len);
    assert_int_equal(err.calls, 2);
    assert_int_equal(err.info, 1400);
    assert_int_equal(err.l4_len, 40);

    len = error_frame(w, LR_ICMP_TIME_EXCEEDED, 0, 0, LR_TEST_OUR_IP, 8);
    lr_test_rx(w, fbuf, len);
    assert_int_equal(err.calls, 3);
    assert_int_equal(w->stats.icmp.rx_time_exceeded, 1);

    /* No handler for the quoted protocol: counted, consumed. */
    lr_icmp_register_error_handler(w, IPPROTO_UDP, NULL);
    len = error_frame(w, LR_ICMP_DEST_UNREACH, LR_ICMP_UNREACH_PORT, 0, LR_TEST_OUR_IP, 8);
    lr_test_rx(w, fbuf, len);
    assert_int_equal(err.calls, 3);
    assert_int_equal(w->stats.icmp.rx_dest_unreach, 3);
    assert_int_equal(lr_stats_total_drops(&w->stats), 0);
    assert_null(lr_test_tx_pop(w));
}

static void bad_errors_dropped(void **state)
{
    struct lr_worker *w = *state;
    memset(&err, 0, sizeof(err));
    lr_icmp_register_error_handler(w, IPPROTO_UDP, err_handler);
    /* Quote shorter than IP header + 8 bytes. */
    size_t len = error_frame(w, LR_ICMP_DEST_UNREACH, LR_ICMP_UNREACH_PORT, 0, LR_TEST_OUR_IP, 4);
    lr_test_rx(w, fbuf, len);
    assert_int_equal(w->stats.drops[LR_DROP_ICMP_TRUNCATED], 1);
    /* About a packet we never sent. */
    len = error_frame(w, LR_ICMP_DEST_UNREACH, LR_ICMP_UNREACH_PORT, 0, LR_TEST_IP(198, 18, 0, 77),
                      8);
    lr_test_rx(w, fbuf, len);
    assert_int_equal(w->stats.drops[LR_DROP_ICMP_TYPE], 1);
    assert_int_equal(err.calls, 0);
}

/* --- sending errors ---------------------------------------------------------- */

/* The frame in fbuf as a received packet: data offset at IP, l2_len set, as after input. */
static struct rte_mbuf *as_received(struct lr_worker *w, size_t len)
{
    struct rte_mbuf *m = lr_test_mbuf(w, fbuf, len);
    assert_non_null(m);
    rte_pktmbuf_adj(m, 14);
    m->l2_len = 14;
    m->l3_len = 20;
    return m;
}

static size_t udp_frame(struct lr_worker *w, size_t payload, uint16_t frag, rte_be32_t dst)
{
    uint8_t pl[1400];
    for (size_t i = 0; i < payload; i++)
        pl[i] = (uint8_t)(i + 3);
    struct lr_test_ipv4 p = {
        .proto = IPPROTO_UDP,
        .payload = pl,
        .payload_len = payload,
        .frag = frag,
        .dst = dst,
    };
    return lr_test_ipv4_frame(w, fbuf, sizeof(fbuf), &p);
}

static void port_unreachable_format(void **state)
{
    struct lr_worker *w = *state;
    size_t len = udp_frame(w, 30, 0, 0);
    struct rte_mbuf *o = as_received(w, len);
    lr_icmp_send_error(w, o, LR_ICMP_DEST_UNREACH, LR_ICMP_UNREACH_PORT, 0);
    rte_pktmbuf_free(o);

    struct rte_mbuf *m = lr_test_tx_pop(w);
    assert_non_null(m);
    assert_int_equal(m->pkt_len, 14 + 20 + 8 + 20 + 30);
    const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, 14);
    assert_int_equal(ip->src_addr, LR_TEST_OUR_IP);
    assert_int_equal(ip->dst_addr, LR_TEST_PEER_IP);
    assert_int_equal(ip->next_proto_id, IPPROTO_ICMP);
    assert_int_equal(lr_test_inet_csum(ip, 20), 0);
    const uint8_t *ic = (const uint8_t *)(ip + 1);
    assert_int_equal(ic[0], 3);
    assert_int_equal(ic[1], 3);
    assert_int_equal(lr_test_inet_csum(ic, 8 + 50), 0);
    static const uint8_t zero4[4];
    assert_memory_equal(ic + 4, zero4, 4);
    assert_memory_equal(ic + 8, fbuf + 14, 50);
    rte_pktmbuf_free(m);
    assert_int_equal(w->stats.icmp.tx_dest_unreach, 1);
}

static void error_quote_capped_at_576(void **state)
{
    struct lr_worker *w = *state;
    size_t len = udp_frame(w, 1000, 0, 0);
    struct rte_mbuf *o = as_received(w, len);
    lr_icmp_send_error(w, o, LR_ICMP_DEST_UNREACH, LR_ICMP_UNREACH_FRAG_NEEDED, 1280);
    rte_pktmbuf_free(o);
    struct rte_mbuf *m = lr_test_tx_pop(w);
    assert_non_null(m);
    assert_int_equal(m->pkt_len, 14 + 576);
    const uint8_t *ic = rte_pktmbuf_mtod_offset(m, const uint8_t *, 34);
    assert_int_equal(ic[6], 1280 >> 8);
    assert_int_equal(ic[7], 1280 & 0xff);
    assert_memory_equal(ic + 8, fbuf + 14, 576 - 28);
    assert_int_equal(lr_test_inet_csum(ic, 576 - 20), 0);
    rte_pktmbuf_free(m);
}

static void time_exceeded_counted(void **state)
{
    struct lr_worker *w = *state;
    size_t len = udp_frame(w, 8, RTE_IPV4_HDR_MF_FLAG, 0); /* first fragment: allowed */
    struct rte_mbuf *o = as_received(w, len);
    lr_icmp_send_error(w, o, LR_ICMP_TIME_EXCEEDED, LR_ICMP_TIMXCEED_REASS, 0);
    rte_pktmbuf_free(o);
    assert_int_equal(lr_test_tx_free_all(w), 1);
    assert_int_equal(w->stats.icmp.tx_time_exceeded, 1);
}

static void no_error_about_icmp_error(void **state)
{
    struct lr_worker *w = *state;
    size_t len = error_frame(w, LR_ICMP_DEST_UNREACH, LR_ICMP_UNREACH_PORT, 0, LR_TEST_OUR_IP, 8);
    struct rte_mbuf *o = as_received(w, len);
    lr_icmp_send_error(w, o, LR_ICMP_DEST_UNREACH, LR_ICMP_UNREACH_PROTO, 0);
    rte_pktmbuf_free(o);
    assert_null(lr_test_tx_pop(w));
    /* An echo request is not an error: errors about it are allowed. */
    len = lr_test_icmp_echo_frame(w, fbuf, sizeof(fbuf), RTE_IP_ICMP_ECHO_REQUEST, LR_TEST_PEER_IP,
                                  LR_TEST_OUR_IP, 1, 1, NULL, 8);
    o = as_received(w, len);
    lr_icmp_send_error(w, o, LR_ICMP_PARAM_PROBLEM, 0, 20u << 24);
    rte_pktmbuf_free(o);
    struct rte_mbuf *m = lr_test_tx_pop(w);
    assert_non_null(m);
    assert_int_equal(*rte_pktmbuf_mtod_offset(m, uint8_t *, 34 + 4), 20); /* pointer */
    rte_pktmbuf_free(m);
}

static void no_error_about_broadcasts(void **state)
{
    struct lr_worker *w = *state;
    size_t len = udp_frame(w, 8, 0, LR_TEST_BCAST_IP);
    struct rte_mbuf *o = as_received(w, len);
    lr_icmp_send_error(w, o, LR_ICMP_DEST_UNREACH, LR_ICMP_UNREACH_PORT, 0);
    rte_pktmbuf_free(o);
    len = udp_frame(w, 8, 0, RTE_BE32(0xffffffff));
    o = as_received(w, len);
    lr_icmp_send_error(w, o, LR_ICMP_DEST_UNREACH, LR_ICMP_UNREACH_PORT, 0);
    rte_pktmbuf_free(o);
    len = udp_frame(w, 8, 0, LR_TEST_IP(224, 0, 0, 9));
    o = as_received(w, len);
    lr_icmp_send_error(w, o, LR_ICMP_DEST_UNREACH, LR_ICMP_UNREACH_PORT, 0);
    rte_pktmbuf_free(o);
    /* Unicast IP in a link-layer broadcast frame (RFC 1122 §3.2.2). */
    len = udp_frame(w, 8, 0, 0);
    memcpy(fbuf, &bcast, 6);
    o = as_received(w, len);
    lr_icmp_send_error(w, o, LR_ICMP_DEST_UNREACH, LR_ICMP_UNREACH_PORT, 0);
    rte_pktmbuf_free(o);
    assert_null(lr_test_tx_pop(w));
    assert_int_equal(w->stats.icmp.tx_dest_unreach, 0);
}

static void no_error_about_non_first_fragment(void **state)
{
    struct lr_worker *w = *state;
    size_t len = udp_frame(w, 8, 185, 0);
    struct rte_mbuf *o = as_received(w, len);
    lr_icmp_send_error(w, o, LR_ICMP_TIME_EXCEEDED, LR_ICMP_TIMXCEED_REASS, 0);
    rte_pktmbuf_free(o);
    assert_null(lr_test_tx_pop(w));
}

static void no_error_to_non_unicast_source(void **state)
{
    struct lr_worker *w = *state;
    const rte_be32_t bad[] = { 0, LR_TEST_BCAST_IP, LR_TEST_IP(224, 1, 2, 3),
                               LR_TEST_IP(127, 0, 0, 1) };
    for (unsigned i = 0; i < RTE_DIM(bad); i++) {
        struct lr_test_ipv4 p = { .proto = IPPROTO_UDP, .src = bad[i], .src_set = true };
        uint8_t pl[8] = { 0 };
        p.payload = pl;
        p.payload_len = 8;
        size_t len = lr_test_ipv4_frame(w, fbuf, sizeof(fbuf), &p);
        struct rte_mbuf *o = as_received(w, len);
        lr_icmp_send_error(w, o, LR_ICMP_DEST_UNREACH, LR_ICMP_UNREACH_PORT, 0);
        rte_pktmbuf_free(o);
    }
    assert_null(lr_test_tx_pop(w));
}

static void errors_rate_limited(void **state)
{
    struct lr_config cfg;
    lr_test_config_default(&cfg);
    cfg.ip.icmp_rate = 5;
    struct lr_worker *w = new_worker(state, &cfg);
    size_t len = udp_frame(w, 8, 0, 0);
    struct rte_mbuf *o = as_received(w, len);

    for (int i = 0; i < 8; i++)
        lr_icmp_send_error(w, o, LR_ICMP_DEST_UNREACH, LR_ICMP_UNREACH_PORT, 0);
    assert_int_equal(lr_test_tx_free_all(w), 5);
    assert_int_equal(w->stats.drops[LR_DROP_ICMP_RATELIMIT], 3);
    /* 200 ms later one token has come back. */
    lr_test_advance(w, SEC / 5);
    lr_icmp_send_error(w, o, LR_ICMP_DEST_UNREACH, LR_ICMP_UNREACH_PORT, 0);
    lr_icmp_send_error(w, o, LR_ICMP_DEST_UNREACH, LR_ICMP_UNREACH_PORT, 0);
    assert_int_equal(lr_test_tx_free_all(w), 1);
    assert_int_equal(w->stats.drops[LR_DROP_ICMP_RATELIMIT], 4);
    /* After a long pause the bucket is full again, never fuller. */
    lr_test_advance(w, 100 * SEC);
    for (int i = 0; i < 8; i++)
        lr_icmp_send_error(w, o, LR_ICMP_DEST_UNREACH, LR_ICMP_UNREACH_PORT, 0);
    assert_int_equal(lr_test_tx_free_all(w), 5);
    assert_int_equal(w->stats.drops[LR_DROP_ICMP_RATELIMIT], 7);
    rte_pktmbuf_free(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(echo_reply_sizes, setup, lr_test_teardown),
        cmocka_unit_test_setup_teardown(echo_reply_checksum_edge, setup, lr_test_teardown),
        cmocka_unit_test_setup_teardown(echo_with_ip_options, setup, lr_test_teardown),
        cmocka_unit_test_setup_teardown(echo_chained_odd_segments, setup, lr_test_teardown),
        cmocka_unit_test_setup_teardown(echo_fragmented_request_fragmented_reply, setup,
                                        lr_test_teardown),
        cmocka_unit_test_setup_teardown(bad_checksum_dropped, setup, lr_test_teardown),
        cmocka_unit_test_setup_teardown(truncated_dropped, setup, lr_test_teardown),
        cmocka_unit_test_setup_teardown(broadcast_echo_ignored, setup, lr_test_teardown),
        cmocka_unit_test_setup_teardown(other_types_counted, setup, lr_test_teardown),
        cmocka_unit_test_setup_teardown(errors_passed_to_handler, setup, lr_test_teardown),
        cmocka_unit_test_setup_teardown(bad_errors_dropped, setup, lr_test_teardown),
        cmocka_unit_test_setup_teardown(port_unreachable_format, setup, lr_test_teardown),
        cmocka_unit_test_setup_teardown(error_quote_capped_at_576, setup, lr_test_teardown),
        cmocka_unit_test_setup_teardown(time_exceeded_counted, setup, lr_test_teardown),
        cmocka_unit_test_setup_teardown(no_error_about_icmp_error, setup, lr_test_teardown),
        cmocka_unit_test_setup_teardown(no_error_about_broadcasts, setup, lr_test_teardown),
        cmocka_unit_test_setup_teardown(no_error_about_non_first_fragment, setup, lr_test_teardown),
        cmocka_unit_test_setup_teardown(no_error_to_non_unicast_source, setup, lr_test_teardown),
        cmocka_unit_test_teardown(errors_rate_limited, lr_test_teardown),
    };
    return cmocka_run_group_tests(tests, lr_test_group_setup, NULL);
}
