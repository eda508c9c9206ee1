/* SPDX-License-Identifier: BSD-3-Clause */
/* UDP: input validation (every drop reason), checksum 0, port unreachable,
 * bind/unbind, send (copy and zero-copy), echo service. */
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
#include "lr_udp_echo.h"

#define SPORT 40000
#define DPORT 5000

struct cap {
    int calls;
    uint32_t len;
    struct lr_udp_dgram d;
    uint8_t data[2048];
};

static void cap_recv(struct lr_worker *w, struct rte_mbuf *m, const struct lr_udp_dgram *d,
                     void *ctx)
{
    struct cap *c = ctx;
    (void)w;
    c->calls++;
    c->len = m->pkt_len;
    c->d = *d;
    if (m->pkt_len > 0 && m->pkt_len <= sizeof(c->data)) {
        const void *p = rte_pktmbuf_read(m, 0, m->pkt_len, c->data);
        if (p != c->data)
            memcpy(c->data, p, m->pkt_len);
    }
    rte_pktmbuf_free(m);
}

/* UDP checksum of header+data with the IPv4 pseudo-header (RFC 768). */
static uint16_t udp_csum(rte_be32_t src, rte_be32_t dst, const uint8_t *udp, size_t len)
{
    uint8_t buf[12 + 2048];
    memcpy(buf, &src, 4);
    memcpy(buf + 4, &dst, 4);
    buf[8] = 0;
    buf[9] = IPPROTO_UDP;
    buf[10] = (uint8_t)(len >> 8);
    buf[11] = (uint8_t)len;
    memcpy(buf + 12, udp, len);
    uint16_t c = lr_test_inet_csum(buf, 12 + len);
    return c == 0 ? 0xffff : c;
}

struct udp_opts {
    rte_be32_t dst;    /* 0: ours */
    int ulen_delta;    /* added to the UDP length field */
    bool no_csum;      /* checksum field 0 */
    bool bad_csum;     /* checksum wrong */
    size_t extra;      /* IP payload bytes after the UDP datagram */
    size_t ip_payload; /* non-zero: cut the IP payload to this many bytes */
    uint16_t sport;    /* 0: SPORT */
};

/* Ethernet + IPv4 + UDP frame from the peer. */
static size_t udp_frame(struct lr_worker *w, uint8_t *buf, size_t cap, uint16_t dport,
                        const void *data, size_t len, const struct udp_opts *o)
{
    uint8_t udp[2048] = { 0 };
    struct rte_udp_hdr *uh = (struct rte_udp_hdr *)udp;
    rte_be32_t dst = o != NULL && o->dst != 0 ? o->dst : LR_TEST_OUR_IP;
    uint16_t sport = o != NULL && o->sport != 0 ? o->sport : SPORT;

    uh->src_port = rte_cpu_to_be_16(sport);
    uh->dst_port = rte_cpu_to_be_16(dport);
    uh->dgram_len = rte_cpu_to_be_16((uint16_t)(8 + len));
    if (len > 0)
        memcpy(udp + 8, data, len);
    uh->dgram_cksum = udp_csum(LR_TEST_PEER_IP, dst, udp, 8 + len);
    if (o != NULL && o->no_csum)
        uh->dgram_cksum = 0;
    if (o != NULL && o->bad_csum)
        uh->dgram_cksum ^= 0x0101;
    if (o != NULL && o->ulen_delta != 0)
        uh->dgram_len = rte_cpu_to_be_16((uint16_t)(8 + len + o->ulen_delta));
    size_t plen = 8 + len + (o != NULL ? o->extra : 0);
    if (o != NULL && o->ip_payload != 0)
        plen = o->ip_payload;
    struct lr_test_ipv4 p = {
        .proto = IPPROTO_UDP, .dst = dst, .payload = udp, .payload_len = plen, .id = 77
    };
    return lr_test_ipv4_frame(w, buf, cap, &p);
}

static struct lr_config cfg;

static struct lr_worker *mkworker(uint16_t echo_port, uint32_t max_binds)
{
    lr_test_config_default(&cfg);
    cfg.port[0].mtu = 1500;
    cfg.port[0].nb_static_arp = 1;
    cfg.port[0].static_arp[0].ip = LR_TEST_PEER_IP;
    cfg.port[0].static_arp[0].mac = lr_test_peer_mac;
    cfg.udp.echo_port = echo_port;
    cfg.udp.max_binds = max_binds;
    cfg.ip.icmp_rate = 0; /* no rate limit in these tests */
    struct lr_worker *w = lr_test_worker_new(&cfg);
    assert_non_null(w);
    assert_int_equal(lr_ip_frag_init(w), 0);
    assert_int_equal(lr_udp_init(w), 0);
    assert_int_equal(lr_udp_echo_init(w), 0);
    return w;
}

static void rmworker(struct lr_worker *w)
{
    lr_udp_echo_free(w);
    lr_udp_free(w);
    lr_ip_frag_free(w);
    lr_test_worker_free(w);
}

static int group_setup(void **state)
{
    (void)state;
    return lr_test_eal_init();
}

static void deliver_and_counters(void **state)
{
    (void)state;
    struct lr_worker *w = mkworker(0, 8);
    unsigned base = lr_test_pool_in_use(w);
    static struct cap c;
    uint8_t f[2048];
    size_t n;

    memset(&c, 0, sizeof(c));
    assert_int_equal(lr_udp_bind(w, DPORT, cap_recv, &c), 0);
    n = udp_frame(w, f, sizeof(f), DPORT, "hello", 5, NULL);
    lr_test_rx(w, f, n);
    assert_int_equal(c.calls, 1);
    assert_int_equal(c.len, 5);
    assert_memory_equal(c.data, "hello", 5);
    assert_int_equal(c.d.src, LR_TEST_PEER_IP);
    assert_int_equal(c.d.dst, LR_TEST_OUR_IP);
    assert_int_equal(rte_be_to_cpu_16(c.d.sport), SPORT);
    assert_int_equal(rte_be_to_cpu_16(c.d.dport), DPORT);
    assert_int_equal(w->stats.proto[LR_PROTO_UDP].rx_pkts, 1);
    assert_int_equal(w->stats.proto[LR_PROTO_UDP].rx_bytes, 13);
    struct lr_udp_counters uc = { 0 };
    lr_udp_counters_add(w, &uc);
    assert_int_equal(uc.rx_datagrams, 1);
    assert_int_equal(uc.rx_bytes, 5);
    assert_int_equal(uc.binds, 1);

    /* Empty datagram is delivered too. */
    n = udp_frame(w, f, sizeof(f), DPORT, NULL, 0, NULL);
    lr_test_rx(w, f, n);
    assert_int_equal(c.calls, 2);
    assert_int_equal(c.len, 0);
    assert_int_equal(lr_test_tx_free_all(w), 0);
    assert_int_equal(lr_stats_proto_drops(&w->stats, LR_PROTO_UDP), 0);
    assert_int_equal(lr_test_pool_in_use(w), base);
    rmworker(w);
}

static void checksum_rules(void **state)
{
    (void)state;
    struct lr_worker *w = mkworker(0, 8);
    unsigned base = lr_test_pool_in_use(w);
    static struct cap c;
    uint8_t f[2048];
    size_t n;

    memset(&c, 0, sizeof(c));
    assert_int_equal(lr_udp_bind(w, DPORT, cap_recv, &c), 0);
    /* RFC 768: 0 = no checksum, accepted. */
    struct udp_opts o = { .no_csum = true };
    n = udp_frame(w, f, sizeof(f), DPORT, "abc", 3, &o);
    lr_test_rx(w, f, n);
    assert_int_equal(c.calls, 1);
    struct lr_udp_counters uc = { 0 };
    lr_udp_counters_add(w, &uc);
    assert_int_equal(uc.rx_no_csum, 1);
    /* Wrong checksum: dropped, never delivered, no ICMP. */
    struct udp_opts b = { .bad_csum = true };
    n = udp_frame(w, f, sizeof(f), DPORT, "abc", 3, &b);
    lr_test_rx(w, f, n);
    assert_int_equal(c.calls, 1);
    assert_int_equal(w->stats.drops[LR_DROP_UDP_CSUM], 1);
    /* Odd length payloads checksum correctly. */
    n = udp_frame(w, f, sizeof(f), DPORT, "abcdefg", 7, NULL);
    lr_test_rx(w, f, n);
    assert_int_equal(c.calls, 2);
    assert_int_equal(lr_test_tx_free_all(w), 0);
    assert_int_equal(lr_test_pool_in_use(w), base);
    rmworker(w);
}

/* RFC 1122 §4.1.3.4 checksum verification may be done by the NIC: its
 * verdict in ol_flags is honoured when the datagram was not trimmed. */
static void rx_checksum_offload_flags(void **state)
{
    (void)state;
    struct lr_worker *w = mkworker(0, 8);
    unsigned base = lr_test_pool_in_use(w);
    static struct cap c;
    uint8_t f[2048];
    size_t n;
    struct rte_mbuf *m;

    memset(&c, 0, sizeof(c));
    assert_int_equal(lr_udp_bind(w, DPORT, cap_recv, &c), 0);
    /* Correct checksum, NIC says bad: dropped. */
    n = udp_frame(w, f, sizeof(f), DPORT, "abc", 3, NULL);
    m = lr_test_mbuf(w, f, n);
    m->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_BAD;
    lr_eth_input_burst(w, lr_test_port(w), &m, 1);
    assert_int_equal(c.calls, 0);
    assert_int_equal(w->stats.drops[LR_DROP_UDP_CSUM], 1);
    /* Wrong checksum, NIC says good (or verified data, NONE): delivered. */
    struct udp_opts b = { .bad_csum = true };
    n = udp_frame(w, f, sizeof(f), DPORT, "abc", 3, &b);
    m = lr_test_mbuf(w, f, n);
    m->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_GOOD;
    lr_eth_input_burst(w, lr_test_port(w), &m, 1);
    assert_int_equal(c.calls, 1);
    m = lr_test_mbuf(w, f, n);
    m->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_NONE;
    lr_eth_input_burst(w, lr_test_port(w), &m, 1);
    assert_int_equal(c.calls, 2);
    /* Unknown: verified in software, so the wrong checksum is caught. */
    m = lr_test_mbuf(w, f, n);
    lr_eth_input_burst(w, lr_test_port(w), &m, 1);
    assert_int_equal(c.calls, 2);
    assert_int_equal(w->stats.drops[LR_DROP_UDP_CSUM], 2);
    /* Trimmed datagram: the NIC's verdict covered other bytes, software decides. */
    struct udp_opts x = { .extra = 4, .bad_csum = true };
    n = udp_frame(w, f, sizeof(f), DPORT, "abc", 3, &x);
    m = lr_test_mbuf(w, f, n);
    m->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_GOOD;
    lr_eth_input_burst(w, lr_test_port(w), &m, 1);
    assert_int_equal(c.calls, 2);
    assert_int_equal(w->stats.drops[LR_DROP_UDP_CSUM], 3);
    assert_int_equal(lr_test_tx_free_all(w), 0);
    assert_int_equal(lr_test_pool_in_use(w), base);
    rmworker(w);
}

static void length_rules(void **state)
{
    (void)state;
    struct lr_worker *w = mkworker(0, 8);
    unsigned base = lr_test_pool_in_use(w);
    static struct cap c;
    uint8_t f[2048];
    size_t n;

    memset(&c, 0, sizeof(c));
    assert_int_equal(lr_udp_bind(w, DPORT, cap_recv, &c), 0);
    /* Fewer than 8 bytes of IP payload. */
    struct udp_opts t = { .ip_payload = 6 };
    n = udp_frame(w, f, sizeof(f), DPORT, NULL, 0, &t);
    lr_test_rx(w, f, n);
    assert_int_equal(w->stats.drops[LR_DROP_UDP_TRUNCATED], 1);
    /* UDP length longer than the IP payload. */
    struct udp_opts l = { .ulen_delta = 1 };
    n = udp_frame(w, f, sizeof(f), DPORT, "abcd", 4, &l);
    lr_test_rx(w, f, n);
    assert_int_equal(w->stats.drops[LR_DROP_UDP_LEN], 1);
    /* UDP length below the header size. */
    struct udp_opts s = { .ulen_delta = -9 };
    n = udp_frame(w, f, sizeof(f), DPORT, "abcd", 4, &s);
    lr_test_rx(w, f, n);
    assert_int_equal(w->stats.drops[LR_DROP_UDP_LEN], 2);
    assert_int_equal(c.calls, 0);
    /* UDP length shorter than the IP payload: trailing bytes trimmed. */
    struct udp_opts x = { .extra = 5 };
    n = udp_frame(w, f, sizeof(f), DPORT, "abcd", 4, &x);
    lr_test_rx(w, f, n);
    assert_int_equal(c.calls, 1);
    assert_int_equal(c.len, 4);
    assert_memory_equal(c.data, "abcd", 4);
    assert_int_equal(lr_test_tx_free_all(w), 0);
    assert_int_equal(lr_test_pool_in_use(w), base);
    rmworker(w);
}

static void closed_port_unreachable(void **state)
{
    (void)state;
    struct lr_worker *w = mkworker(0, 8);
    unsigned base = lr_test_pool_in_use(w);
    uint8_t f[2048];
    size_t n = udp_frame(w, f, sizeof(f), 9999, "ping", 4, NULL);

    lr_test_rx(w, f, n);
    assert_int_equal(w->stats.drops[LR_DROP_UDP_NO_PORT], 1);
    struct rte_mbuf *m = lr_test_tx_pop(w);
    assert_non_null(m);
    const struct rte_ipv4_hdr *ip =
        rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);
    assert_int_equal(ip->next_proto_id, IPPROTO_ICMP);
    assert_int_equal(ip->dst_addr, LR_TEST_PEER_IP);
    assert_int_equal(ip->src_addr, LR_TEST_OUR_IP);
    const uint8_t *icmp = (const uint8_t *)ip + rte_ipv4_hdr_len(ip);
    assert_int_equal(icmp[0], 3); /* destination unreachable */
    assert_int_equal(icmp[1], 3); /* port unreachable */
    /* The quote holds the original IP header and the UDP header. */
    const struct rte_ipv4_hdr *q = (const struct rte_ipv4_hdr *)(icmp + 8);
    assert_int_equal(q->dst_addr, LR_TEST_OUR_IP);
    const struct rte_udp_hdr *qu = (const struct rte_udp_hdr *)(q + 1);
    assert_int_equal(rte_be_to_cpu_16(qu->dst_port), 9999);
    rte_pktmbuf_free(m);
    assert_null(lr_test_tx_pop(w));

    /* Not for a datagram sent to the broadcast address. */
    struct udp_opts b = { .dst = LR_TEST_BCAST_IP };
    n = udp_frame(w, f, sizeof(f), 9999, "ping", 4, &b);
    lr_test_rx(w, f, n);
    assert_int_equal(w->stats.drops[LR_DROP_UDP_NO_PORT], 2);
    assert_int_equal(lr_test_tx_free_all(w), 0);
    struct lr_udp_counters uc = { 0 };
    lr_udp_counters_add(w, &uc);
    assert_int_equal(uc.rx_no_port, 2);
    assert_int_equal(lr_test_pool_in_use(w), base);
    rmworker(w);
}

static void bind_unbind(void **state)
{
    (void)state;
    struct lr_worker *w = mkworker(0, 2);
    static struct cap c;
    uint8_t f[2048];
    size_t n;

    memset(&c, 0, sizeof(c));
    assert_int_equal(lr_udp_bind(w, 0, cap_recv, &c), -EINVAL);
    assert_int_equal(lr_udp_bind(w, 1, NULL, &c), -EINVAL);
    assert_int_equal(lr_udp_bind(w, DPORT, cap_recv, &c), 0);
    assert_int_equal(lr_udp_bind(w, DPORT, cap_recv, &c), -EADDRINUSE);
    assert_ptr_equal(lr_udp_bound_ctx(w, DPORT), &c);
    assert_null(lr_udp_bound_ctx(w, DPORT + 1));
    assert_int_equal(lr_udp_bind(w, DPORT + 1, cap_recv, &c), 0);
    assert_int_equal(lr_udp_bind(w, DPORT + 2, cap_recv, &c), -ENOSPC);
    assert_int_equal(lr_udp_bind_ephemeral(w, LR_TEST_OUR_IP, LR_TEST_PEER_IP,
                                           rte_cpu_to_be_16(SPORT), cap_recv, &c),
                     0);
    assert_int_equal(lr_udp_unbind(w, DPORT + 1), 0);
    assert_int_equal(lr_udp_unbind(w, DPORT + 1), -ENOENT);
    uint16_t e = lr_udp_bind_ephemeral(w, LR_TEST_OUR_IP, LR_TEST_PEER_IP, rte_cpu_to_be_16(SPORT),
                                       cap_recv, &c);
    assert_true(e >= LR_UDP_EPHEMERAL_LO);
    n = udp_frame(w, f, sizeof(f), e, "x", 1, NULL);
    lr_test_rx(w, f, n);
    assert_int_equal(c.calls, 1);
    assert_int_equal(lr_udp_unbind(w, e), 0);

    /* After unbind the port is closed again. */
    assert_int_equal(lr_udp_unbind(w, DPORT), 0);
    n = udp_frame(w, f, sizeof(f), DPORT, "x", 1, NULL);
    lr_test_rx(w, f, n);
    assert_int_equal(c.calls, 1);
    assert_int_equal(w->stats.drops[LR_DROP_UDP_NO_PORT], 1);
    assert_int_equal(lr_test_tx_free_all(w), 1); /* the port unreachable */
    rmworker(w);
}

/* Check a transmitted UDP frame and return its payload pointer. */
static const uint8_t *check_udp_tx(struct rte_mbuf *m, uint16_t sport, uint16_t dport,
                                   uint32_t plen)
{
    assert_int_equal(m->nb_segs, 1);
    const struct rte_ipv4_hdr *ip =
        rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);
    assert_int_equal(ip->next_proto_id, IPPROTO_UDP);
    assert_int_equal(rte_be_to_cpu_16(ip->total_length), 28 + plen);
    assert_int_equal(rte_ipv4_cksum(ip), 0);
    assert_int_equal(ip->src_addr, LR_TEST_OUR_IP);
    assert_int_equal(ip->dst_addr, LR_TEST_PEER_IP);
    const struct rte_udp_hdr *uh = (const struct rte_udp_hdr *)(ip + 1);
    assert_int_equal(rte_be_to_cpu_16(uh->src_port), sport);
    assert_int_equal(rte_be_to_cpu_16(uh->dst_port), dport);
    assert_int_equal(rte_be_to_cpu_16(uh->dgram_len), 8 + plen);
    assert_int_not_equal(uh->dgram_cksum, 0);
    assert_int_equal(rte_ipv4_udptcp_cksum_verify(ip, uh), 0);
    return (const uint8_t *)(uh + 1);
}

static void send_copy_and_mbuf(void **state)
{
    (void)state;
    struct lr_worker *w = mkworker(0, 8);
    unsigned base = lr_test_pool_in_use(w);
    struct rte_mbuf *m;

    assert_int_equal(lr_udp_send(w, 0, rte_cpu_to_be_16(1234), LR_TEST_PEER_IP,
                                 rte_cpu_to_be_16(4321), "payload!", 8),
                     0);
    m = lr_test_tx_pop(w);
    assert_non_null(m);
    assert_memory_equal(check_udp_tx(m, 1234, 4321, 8), "payload!", 8);
    rte_pktmbuf_free(m);

    /* Zero-copy: an mbuf with no headroom gets a header mbuf in front. */
    struct rte_mbuf *p = rte_pktmbuf_alloc(w->pool);
    assert_non_null(p);
    p->data_off = 0;
    memcpy(rte_pktmbuf_append(p, 5), "zcopy", 5);
    assert_int_equal(lr_udp_send_mbuf(w, LR_TEST_OUR_IP, rte_cpu_to_be_16(7), LR_TEST_PEER_IP,
                                      rte_cpu_to_be_16(8), p),
                     0);
    m = lr_test_tx_pop(w);
    assert_non_null(m);
    if (m->nb_segs > 1) {
        /* Linearise for the checks (the ring PMD passes the chain as is). */
        assert_int_equal(rte_pktmbuf_linearize(m), 0);
    }
    assert_memory_equal(check_udp_tx(m, 7, 8, 5), "zcopy", 5);
    rte_pktmbuf_free(m);

    /* Errors: too big, no route; counted. */
    static uint8_t big[LR_UDP_MAX_PAYLOAD + 1];
    assert_int_equal(lr_udp_send(w, 0, 1, LR_TEST_PEER_IP, 1, big, sizeof(big)), -EMSGSIZE);
    assert_int_equal(lr_udp_send(w, 0, 1, LR_TEST_IP(198, 19, 99, 1), 1, "x", 1), -EHOSTUNREACH);
    assert_int_equal(w->stats.drops[LR_DROP_IP_NO_ROUTE], 1);
    assert_int_equal(w->stats.drops[LR_DROP_UDP_APP], 1);
    assert_int_equal(lr_test_tx_free_all(w), 0);
    struct lr_udp_counters uc = { 0 };
    lr_udp_counters_add(w, &uc);
    assert_int_equal(uc.tx_datagrams, 2);
    assert_int_equal(uc.tx_bytes, 13);
    assert_int_equal(lr_test_pool_in_use(w), base);
    rmworker(w);
}

static void echo_service(void **state)
{
    (void)state;
    struct lr_worker *w = mkworker(7, 8);
    unsigned base = lr_test_pool_in_use(w);
    uint8_t f[2048], data[1000];
    size_t n;

    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)(i * 7 + 3);
    n = udp_frame(w, f, sizeof(f), 7, data, sizeof(data), NULL);
    lr_test_rx(w, f, n);
    struct rte_mbuf *m = lr_test_tx_pop(w);
    assert_non_null(m);
    if (m->nb_segs > 1)
        assert_int_equal(rte_pktmbuf_linearize(m), 0);
    assert_memory_equal(check_udp_tx(m, 7, SPORT, sizeof(data)), data, sizeof(data));
    rte_pktmbuf_free(m);

    /* A datagram to the broadcast address is answered from our address. */
    struct udp_opts b = { .dst = LR_TEST_BCAST_IP };
    n = udp_frame(w, f, sizeof(f), 7, "b", 1, &b);
    lr_test_rx(w, f, n);
    m = lr_test_tx_pop(w);
    assert_non_null(m);
    assert_memory_equal(check_udp_tx(m, 7, SPORT, 1), "b", 1);
    rte_pktmbuf_free(m);

    /* Loop guard: no answer to another echo/chargen service. */
    struct udp_opts l = { .sport = 19 };
    n = udp_frame(w, f, sizeof(f), 7, "loop", 4, &l);
    lr_test_rx(w, f, n);
    assert_null(lr_test_tx_pop(w));
    struct lr_udp_echo_counters ec = { 0 };
    lr_udp_echo_counters_add(w, &ec);
    assert_int_equal(ec.echoed, 2);
    assert_int_equal(ec.bytes, sizeof(data) + 1);
    assert_int_equal(ec.refused, 1);
    assert_int_equal(lr_test_pool_in_use(w), base);
    rmworker(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(deliver_and_counters),      cmocka_unit_test(checksum_rules),
        cmocka_unit_test(rx_checksum_offload_flags), cmocka_unit_test(length_rules),
        cmocka_unit_test(closed_port_unreachable),   cmocka_unit_test(bind_unbind),
        cmocka_unit_test(send_copy_and_mbuf),        cmocka_unit_test(echo_service),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
