/* SPDX-License-Identifier: BSD-3-Clause */
/* IPv4 reassembly (in order, out of order, duplicates, overlaps, oversize,
 * timeout with and without fragment 0, limits) and output fragmentation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <rte_ip.h>
#include <rte_udp.h>

#include "lr_ip_frag.h"
#include "lr_net.h"
#include "lr_test.h"
#include "lr_udp.h"

#define DPORT 6000
#define SPORT 41000

struct cap {
    int calls;
    uint32_t len;
    uint8_t data[65536];
};

static void cap_recv(struct lr_worker *w, struct rte_mbuf *m, const struct lr_udp_dgram *d,
                     void *ctx)
{
    struct cap *c = ctx;
    (void)w;
    (void)d;
    c->calls++;
    c->len = m->pkt_len;
    if (m->pkt_len > 0) {
        const void *p = rte_pktmbuf_read(m, 0, m->pkt_len, c->data);
        if (p != c->data)
            memcpy(c->data, p, m->pkt_len);
    }
    rte_pktmbuf_free(m);
}

/* A whole UDP datagram (header + @len pattern bytes) in @dgram; returns its length. */
static size_t mkdgram(uint8_t *dgram, size_t len, uint8_t seed)
{
    struct rte_udp_hdr *uh = (struct rte_udp_hdr *)dgram;
    uint8_t ph[12];
    rte_be32_t s = LR_TEST_PEER_IP, d = LR_TEST_OUR_IP;

    uh->src_port = rte_cpu_to_be_16(SPORT);
    uh->dst_port = rte_cpu_to_be_16(DPORT);
    uh->dgram_len = rte_cpu_to_be_16((uint16_t)(8 + len));
    uh->dgram_cksum = 0;
    for (size_t i = 0; i < len; i++)
        dgram[8 + i] = (uint8_t)(i * 13 + seed + (i >> 8));
    /* Checksum: pseudo-header folded in by summing both parts. */
    memcpy(ph, &s, 4);
    memcpy(ph + 4, &d, 4);
    ph[8] = 0;
    ph[9] = IPPROTO_UDP;
    ph[10] = (uint8_t)((8 + len) >> 8);
    ph[11] = (uint8_t)(8 + len);
    uint32_t sum = (uint16_t)~lr_test_inet_csum(ph, 12);
    sum += (uint16_t)~lr_test_inet_csum(dgram, 8 + len);
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    uint16_t c = (uint16_t)~sum;
    uh->dgram_cksum = c == 0 ? 0xffff : c;
    return 8 + len;
}

/* Inject bytes [ofs, ofs+len) of @dgram as a fragment of datagram @id. */
static void rx_frag(struct lr_worker *w, uint16_t id, const uint8_t *dgram, size_t ofs, size_t len,
                    bool mf)
{
    static uint8_t f[2048];
    struct lr_test_ipv4 p = { .proto = IPPROTO_UDP,
                              .id = id,
                              .frag = (uint16_t)((mf ? RTE_IPV4_HDR_MF_FLAG : 0) | (ofs / 8)),
                              .payload = dgram + ofs,
                              .payload_len = len };
    size_t n = lr_test_ipv4_frame(w, f, sizeof(f), &p);
    assert_true(n > 0);
    lr_test_rx(w, f, n);
}

/* Inject @dgram of @total bytes in fragments of @fsz bytes, in the order of @order. */
static void rx_split(struct lr_worker *w, uint16_t id, const uint8_t *dgram, size_t total,
                     size_t fsz, const unsigned *order, unsigned norder)
{
    for (unsigned k = 0; k < norder; k++) {
        size_t ofs = (size_t)order[k] * fsz;
        size_t len = total - ofs < fsz ? total - ofs : fsz;
        rx_frag(w, id, dgram, ofs, len, ofs + len < total);
    }
}

static struct lr_config cfg;
static struct cap c;
static uint8_t dgram[65536];

static struct lr_worker *mkworker(uint32_t max_entries)
{
    lr_test_config_default(&cfg);
    cfg.port[0].mtu = 1500;
    cfg.port[0].nb_static_arp = 1;
    cfg.port[0].static_arp[0].ip = LR_TEST_PEER_IP;
    cfg.port[0].static_arp[0].mac = lr_test_peer_mac;
    cfg.ip.icmp_rate = 0;
    cfg.ip.frag_max_flows = 16;
    cfg.ip.frag_max_entries = max_entries;
    cfg.ip.frag_timeout = 30000000;
    struct lr_worker *w = lr_test_worker_new(&cfg);
    assert_non_null(w);
    assert_int_equal(lr_ip_frag_init(w), 0);
    assert_int_equal(lr_udp_init(w), 0);
    memset(&c, 0, sizeof(c));
    assert_int_equal(lr_udp_bind(w, DPORT, cap_recv, &c), 0);
    return w;
}

static void rmworker(struct lr_worker *w)
{
    lr_udp_free(w);
    lr_ip_frag_free(w);
    lr_test_worker_free(w);
}

static struct lr_ip_frag_counters counters(const struct lr_worker *w)
{
    struct lr_ip_frag_counters k = { 0 };
    lr_ip_frag_counters_add(w, &k);
    return k;
}

static int group_setup(void **state)
{
    (void)state;
    return lr_test_eal_init();
}

static void in_order_and_reverse(void **state)
{
    (void)state;
    struct lr_worker *w = mkworker(64);
    unsigned base = lr_test_pool_in_use(w);
    size_t total = mkdgram(dgram, 3000, 1);
    const unsigned fwd[] = { 0, 1, 2, 3 }, rev[] = { 3, 2, 1, 0 }, mid[] = { 2, 0, 3, 1 };

    rx_split(w, 1, dgram, total, 800, fwd, 4);
    assert_int_equal(c.calls, 1);
    assert_int_equal(c.len, 3000);
    assert_memory_equal(c.data, dgram + 8, 3000);
    rx_split(w, 2, dgram, total, 800, rev, 4);
    assert_int_equal(c.calls, 2);
    assert_memory_equal(c.data, dgram + 8, 3000);
    rx_split(w, 3, dgram, total, 800, mid, 4);
    assert_int_equal(c.calls, 3);
    assert_memory_equal(c.data, dgram + 8, 3000);
    struct lr_ip_frag_counters k = counters(w);
    assert_int_equal(k.frags_in, 12);
    assert_int_equal(k.reassembled, 3);
    assert_int_equal(k.flows_active, 0);
    assert_int_equal(k.mbufs_held, 0);
    assert_int_equal(lr_stats_total_drops(&w->stats), 0);
    assert_int_equal(lr_test_tx_free_all(w), 0);
    assert_int_equal(lr_test_pool_in_use(w), base);
    rmworker(w);
}

static void duplicates(void **state)
{
    (void)state;
    struct lr_worker *w = mkworker(64);
    unsigned base = lr_test_pool_in_use(w);
    size_t total = mkdgram(dgram, 2000, 2);
    /* First and last duplicated, a middle one three times. */
    const unsigned order[] = { 0, 0, 3, 1, 3, 1, 1, 2 };

    rx_split(w, 9, dgram, total, 504, order, 8);
    assert_int_equal(c.calls, 1);
    assert_int_equal(c.len, 2000);
    assert_memory_equal(c.data, dgram + 8, 2000);
    assert_int_equal(w->stats.drops[LR_DROP_IP_FRAG_DUP], 4);
    /* A duplicate arriving after completion starts a new flow that only times out. */
    rx_split(w, 9, dgram, total, 504, order, 1);
    lr_test_advance(w, 31000000);
    assert_int_equal(w->stats.drops[LR_DROP_IP_FRAG_TIMEOUT], 1);
    lr_test_tx_free_all(w); /* time exceeded about fragment 0 */
    assert_int_equal(lr_test_pool_in_use(w), base);
    rmworker(w);
}

static void overlap_discards_datagram(void **state)
{
    (void)state;
    struct lr_worker *w = mkworker(64);
    unsigned base = lr_test_pool_in_use(w);
    size_t total = mkdgram(dgram, 2000, 3);

    /* [0,800) then [400,1200): overlap -> whole datagram gone. */
    rx_frag(w, 5, dgram, 0, 800, true);
    rx_frag(w, 5, dgram, 400, 800, true);
    assert_int_equal(w->stats.drops[LR_DROP_IP_FRAG_OVERLAP], 2);
    assert_int_equal(counters(w).mbufs_held, 0);
    /* Stragglers of the dead datagram are dropped, nothing is delivered. */
    rx_frag(w, 5, dgram, 800, 800, true);
    rx_frag(w, 5, dgram, 1600, total - 1600, false);
    assert_int_equal(c.calls, 0);
    assert_int_equal(w->stats.drops[LR_DROP_IP_FRAG_OVERLAP], 4);
    /* Same offset, different length is an overlap too. */
    rx_frag(w, 6, dgram, 0, 800, true);
    rx_frag(w, 6, dgram, 0, 808, true);
    assert_int_equal(w->stats.drops[LR_DROP_IP_FRAG_OVERLAP], 6);
    /* A fragment beyond the last one's end is inconsistent. */
    rx_frag(w, 7, dgram, 800, 800, true);
    rx_frag(w, 7, dgram, 8, 400, false);
    assert_int_equal(w->stats.drops[LR_DROP_IP_FRAG_OVERLAP], 8);
    assert_int_equal(counters(w).discarded, 3);
    assert_int_equal(lr_test_pool_in_use(w), base);
    /* Dead records expire silently: no time exceeded. */
    lr_test_advance(w, 31000000);
    assert_int_equal(lr_test_tx_free_all(w), 0);
    assert_int_equal(counters(w).flows_active, 0);
    assert_int_equal(c.calls, 0);
    rmworker(w);
}

static void oversize_and_bad_lengths(void **state)
{
    (void)state;
    struct lr_worker *w = mkworker(64);
    unsigned base = lr_test_pool_in_use(w);
    static uint8_t junk[1500];

    memset(junk, 0xab, sizeof(junk));
    /* Offset 65520 + 100 bytes + 20 header > 65535 (RFC 791). */
    rx_frag(w, 11, junk, 0, 64, true);
    {
        static uint8_t f[2048];
        struct lr_test_ipv4 p = {
            .proto = IPPROTO_UDP, .id = 11, .frag = 65520 / 8, .payload = junk, .payload_len = 100
        };
        size_t n = lr_test_ipv4_frame(w, f, sizeof(f), &p);
        lr_test_rx(w, f, n);
    }
    assert_int_equal(w->stats.drops[LR_DROP_IP_FRAG_OVERSIZE], 2);
    assert_int_equal(counters(w).mbufs_held, 0);
    /* Non-last fragment not a multiple of 8, and an empty one. */
    rx_frag(w, 12, junk, 0, 100, true);
    rx_frag(w, 12, junk, 0, 0, true);
    assert_int_equal(w->stats.drops[LR_DROP_IP_FRAG], 2);
    assert_int_equal(c.calls, 0);
    assert_int_equal(lr_test_pool_in_use(w), base);
    lr_test_advance(w, 31000000);
    assert_int_equal(lr_test_tx_free_all(w), 0);
    rmworker(w);
}

static void timeout_frees_and_time_exceeded(void **state)
{
    (void)state;
    struct lr_worker *w = mkworker(64);
    unsigned base = lr_test_pool_in_use(w);
    size_t total = mkdgram(dgram, 3000, 4);

    /* Fragment 0 and 2 of 4: after the timeout, memory back and ICMP 11/1. */
    rx_frag(w, 21, dgram, 0, 800, true);
    rx_frag(w, 21, dgram, 1600, 800, true);
    assert_int_equal(counters(w).mbufs_held, 2);
    lr_test_advance(w, 29000000);
    assert_int_equal(lr_test_tx_free_all(w), 0);
    assert_int_equal(counters(w).mbufs_held, 2);
    lr_test_advance(w, 2000000);
    struct rte_mbuf *m = lr_test_tx_pop(w);
    assert_non_null(m);
    const struct rte_ipv4_hdr *ip =
        rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);
    assert_int_equal(ip->next_proto_id, IPPROTO_ICMP);
    assert_int_equal(ip->dst_addr, LR_TEST_PEER_IP);
    const uint8_t *icmp = (const uint8_t *)ip + rte_ipv4_hdr_len(ip);
    assert_int_equal(icmp[0], 11);
    assert_int_equal(icmp[1], 1);
    const struct rte_ipv4_hdr *q = (const struct rte_ipv4_hdr *)(icmp + 8);
    assert_int_equal(rte_be_to_cpu_16(q->packet_id), 21);
    rte_pktmbuf_free(m);
    assert_null(lr_test_tx_pop(w));
    assert_int_equal(w->stats.drops[LR_DROP_IP_FRAG_TIMEOUT], 2);
    struct lr_ip_frag_counters k = counters(w);
    assert_int_equal(k.timeouts, 1);
    assert_int_equal(k.time_exceeded, 1);
    assert_int_equal(k.flows_active, 0);
    assert_int_equal(lr_test_pool_in_use(w), base);

    /* Without fragment 0: freed silently. */
    rx_frag(w, 22, dgram, 800, 800, true);
    rx_frag(w, 22, dgram, 2400, total - 2400, false);
    lr_test_advance(w, 31000000);
    assert_int_equal(lr_test_tx_free_all(w), 0);
    assert_int_equal(w->stats.drops[LR_DROP_IP_FRAG_TIMEOUT], 4);
    assert_int_equal(counters(w).timeouts, 2);
    assert_int_equal(counters(w).time_exceeded, 1);
    assert_int_equal(lr_test_pool_in_use(w), base);
    assert_int_equal(c.calls, 0);
    rmworker(w);
}

static void limits_entries_and_flows(void **state)
{
    (void)state;
    struct lr_worker *w = mkworker(4);
    unsigned base = lr_test_pool_in_use(w);
    size_t total = mkdgram(dgram, 1600, 5);
    const unsigned order[] = { 0, 1, 2, 3, 4 };

    /* Five fragments (of six) with a limit of four: the datagram is discarded. */
    rx_split(w, 31, dgram, total, 320, order, 5);
    assert_int_equal(c.calls, 0);
    assert_int_equal(w->stats.drops[LR_DROP_IP_FRAG_FULL], 5);
    assert_int_equal(counters(w).discarded, 1);
    assert_int_equal(lr_test_pool_in_use(w), base);

    /* 17 flows in a 16-flow table (one is the dead flow 31): the oldest go. */
    for (uint16_t id = 100; id < 117; id++)
        rx_frag(w, id, dgram, 0, 808, true);
    assert_int_equal(counters(w).evicted, 1); /* flow 100; dead flow 31 held nothing */
    assert_int_equal(counters(w).flows_active, 16);
    for (uint16_t id = 101; id < 117; id++)
        rx_frag(w, id, dgram, 808, total - 808, false);
    assert_int_equal(c.calls, 16);
    assert_int_equal(c.len, 1600);
    assert_memory_equal(c.data, dgram + 8, 1600);
    lr_test_advance(w, 31000000);
    lr_test_tx_free_all(w);
    assert_int_equal(counters(w).flows_active, 0);
    assert_int_equal(lr_test_pool_in_use(w), base);
    rmworker(w);
}

static void big_datagram(void **state)
{
    (void)state;
    struct lr_worker *w = mkworker(64);
    unsigned base = lr_test_pool_in_use(w);
    size_t total = mkdgram(dgram, 60000, 6);
    unsigned order[64], n = 0;

    /* 41 fragments of 1480, odd ones first then even ones. */
    for (unsigned i = 1; i * 1480 < total; i += 2)
        order[n++] = i;
    for (unsigned i = 0; i * 1480 < total; i += 2)
        order[n++] = i;
    rx_split(w, 40, dgram, total, 1480, order, n);
    assert_int_equal(n, 41);
    assert_int_equal(c.calls, 1);
    assert_int_equal(c.len, 60000);
    assert_memory_equal(c.data, dgram + 8, 60000);
    assert_int_equal(lr_test_pool_in_use(w), base);
    rmworker(w);
}

static void fragment_output(void **state)
{
    (void)state;
    struct lr_worker *w = mkworker(64);
    unsigned base = lr_test_pool_in_use(w);
    static uint8_t payload[4000], got[4008];
    struct rte_mbuf *out[8];
    uint16_t n;
    uint16_t id = 0;
    size_t have = 0;

    for (size_t i = 0; i < sizeof(payload); i++)
        payload[i] = (uint8_t)(i * 31 + 7);
    assert_int_equal(lr_udp_send(w, 0, rte_cpu_to_be_16(SPORT), LR_TEST_PEER_IP,
                                 rte_cpu_to_be_16(DPORT), payload, sizeof(payload)),
                     0);
    n = lr_test_tx(w, out, 8);
    /* 4008 bytes of UDP in 1480-byte pieces (RFC 791 §3.2: multiples of 8). */
    assert_int_equal(n, 3);
    const size_t want_len[] = { 1480, 1480, 1048 };
    for (uint16_t i = 0; i < n; i++) {
        struct rte_mbuf *m = out[i];
        if (m->nb_segs > 1)
            assert_int_equal(rte_pktmbuf_linearize(m), 0);
        const struct rte_ipv4_hdr *ip =
            rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);
        uint16_t fo = rte_be_to_cpu_16(ip->fragment_offset);
        assert_int_equal(rte_ipv4_cksum(ip), 0);
        assert_int_equal(rte_be_to_cpu_16(ip->total_length), 20 + want_len[i]);
        assert_int_equal(m->pkt_len, RTE_ETHER_HDR_LEN + 20 + want_len[i]);
        assert_int_equal((fo & RTE_IPV4_HDR_OFFSET_MASK) * 8, have);
        assert_int_equal(!!(fo & RTE_IPV4_HDR_MF_FLAG), i < 2);
        assert_int_equal(fo & RTE_IPV4_HDR_DF_FLAG, 0);
        if (i == 0)
            id = ip->packet_id;
        assert_int_equal(ip->packet_id, id);
        memcpy(got + have, (const uint8_t *)ip + 20, want_len[i]);
        have += want_len[i];
        rte_pktmbuf_free(m);
    }
    assert_int_equal(have, 4008);
    assert_memory_equal(got + 8, payload, sizeof(payload));
    /* The UDP checksum covers the whole datagram. */
    const struct rte_udp_hdr *uh = (const struct rte_udp_hdr *)got;
    assert_int_equal(rte_be_to_cpu_16(uh->dgram_len), 4008);
    uint8_t ph[12];
    rte_be32_t s = LR_TEST_OUR_IP, d = LR_TEST_PEER_IP;
    memcpy(ph, &s, 4);
    memcpy(ph + 4, &d, 4);
    ph[8] = 0;
    ph[9] = IPPROTO_UDP;
    ph[10] = 4008 >> 8;
    ph[11] = 4008 & 0xff;
    uint32_t sum = (uint16_t)~lr_test_inet_csum(ph, 12);
    sum += (uint16_t)~lr_test_inet_csum(got, 4008);
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    assert_int_equal(sum, 0xffff);
    struct lr_ip_frag_counters k = counters(w);
    assert_int_equal(k.fragmented, 1);
    assert_int_equal(k.frags_out, 3);

    /* DF set and too big: refused. */
    struct rte_mbuf *m = rte_pktmbuf_alloc(w->pool);
    struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)rte_pktmbuf_append(m, 1600);
    memset(ip, 0, 1600);
    lr_ipv4_hdr_fill(w, ip, 1600, IPPROTO_UDP, LR_TEST_OUR_IP, LR_TEST_PEER_IP);
    lr_ipv4_output_frag(w, m);
    assert_int_equal(w->stats.drops[LR_DROP_IP_TOO_BIG], 1);
    assert_int_equal(lr_test_tx_free_all(w), 0);
    assert_int_equal(lr_test_pool_in_use(w), base);
    rmworker(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(in_order_and_reverse),
        cmocka_unit_test(duplicates),
        cmocka_unit_test(overlap_discards_datagram),
        cmocka_unit_test(oversize_and_bad_lengths),
        cmocka_unit_test(timeout_frees_and_time_exceeded),
        cmocka_unit_test(limits_entries_and_flows),
        cmocka_unit_test(big_datagram),
        cmocka_unit_test(fragment_output),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
