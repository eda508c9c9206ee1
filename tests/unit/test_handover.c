/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow handover between two fixture workers (lr_handover.h): the steering
 * step before L4 dispatch, the inbox dispatch, the FTP passive override,
 * RSS ports, full inbox rings, and what is (not) counted twice.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "lr_flow.h"
#include "lr_handover.h"
#include "lr_net.h"
#include "lr_tcp.h"
#include "lr_test.h"

#define MAX_SEEN 4096

/* What the fake L4 handlers received, in order. */
struct seen {
    uint16_t worker;
    uint8_t proto;
    uint16_t sport; /* host order */
    uint16_t dport;
    uint32_t pkt_len;
    uint64_t ol_flags;
};
static struct seen seen[MAX_SEEN];
static unsigned nseen;

static void record(struct lr_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
    for (uint16_t i = 0; i < n; i++) {
        struct rte_mbuf *m = pkts[i];
        const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
        const rte_be16_t *ports = rte_pktmbuf_mtod_offset(m, const rte_be16_t *, m->l3_len);
        assert_true(nseen < MAX_SEEN);
        /* Data offset at the IPv4 header and l3_len set, as IPv4 input gives it. */
        assert_int_equal(ip->version_ihl >> 4, 4);
        assert_int_equal(m->l3_len, sizeof(*ip));
        seen[nseen++] = (struct seen){ .worker = w->id,
                                       .proto = ip->next_proto_id,
                                       .sport = rte_be_to_cpu_16(ports[0]),
                                       .dport = rte_be_to_cpu_16(ports[1]),
                                       .pkt_len = m->pkt_len,
                                       .ol_flags = m->ol_flags };
        rte_pktmbuf_free(m);
    }
}

static struct lr_flow flow;

/* Two workers sharing the flow description, both with fake TCP/UDP input. */
static struct lr_worker *two_workers(struct lr_worker *w0)
{
    struct lr_worker *w1 = lr_test_worker_new_sibling(w0);
    assert_non_null(w1);
    assert_int_equal(lr_flow_init(&flow, 2, LR_FLOW_RETA_DEFAULT), 0);
    assert_int_equal(lr_handover_register(&flow), 0);
    assert_int_not_equal(flow.handover_flag, 0);
    w0->flow = &flow;
    w1->flow = &flow;
    lr_ipv4_register(w0, IPPROTO_UDP, record);
    lr_ipv4_register(w1, IPPROTO_UDP, record);
    lr_ipv4_register(w0, IPPROTO_TCP, record);
    lr_ipv4_register(w1, IPPROTO_TCP, record);
    nseen = 0;
    return w1;
}

static void sibling_free(struct lr_worker *w0, struct lr_worker *w1)
{
    lr_test_tx_free_all(w1);
    assert_int_equal(lr_test_pool_in_use(w1), 0);
    lr_test_worker_free(w1);
    w0->flow = NULL;
}

/* Ethernet + IPv4 + L4 frame from the peer to us with the given ports. */
static size_t l4_frame(const struct lr_worker *w, uint8_t *buf, size_t cap, uint8_t proto,
                       uint16_t sport, uint16_t dport, size_t extra)
{
    uint8_t l4[64] = { 0 };
    size_t l4len;
    if (proto == IPPROTO_UDP) {
        struct rte_udp_hdr *u = (struct rte_udp_hdr *)l4;
        u->src_port = rte_cpu_to_be_16(sport);
        u->dst_port = rte_cpu_to_be_16(dport);
        l4len = sizeof(*u) + extra;
        u->dgram_len = rte_cpu_to_be_16((uint16_t)l4len);
    } else {
        struct rte_tcp_hdr *t = (struct rte_tcp_hdr *)l4;
        t->src_port = rte_cpu_to_be_16(sport);
        t->dst_port = rte_cpu_to_be_16(dport);
        t->data_off = 5 << 4;
        t->tcp_flags = RTE_TCP_SYN_FLAG;
        l4len = sizeof(*t) + extra;
    }
    assert_true(l4len <= sizeof(l4));
    struct lr_test_ipv4 p = { .proto = proto, .payload = l4, .payload_len = l4len };
    return lr_test_ipv4_frame(w, buf, cap, &p);
}

static uint16_t hash_owner(uint16_t sport, uint16_t dport)
{
    return lr_flow_owner(&flow, LR_TEST_PEER_IP, LR_TEST_OUR_IP, rte_cpu_to_be_16(sport),
                         rte_cpu_to_be_16(dport));
}

/* Inject one burst of @n UDP datagrams (sports from @sport0) on @w. */
static void rx_udp_burst(struct lr_worker *w, uint16_t sport0, uint16_t n, uint16_t dport)
{
    static uint8_t bufs[64][128];
    const void *frames[64];
    size_t lens[64];
    assert_true(n <= 64);
    for (uint16_t i = 0; i < n; i++) {
        lens[i] = l4_frame(w, bufs[i], sizeof(bufs[i]), IPPROTO_UDP, (uint16_t)(sport0 + i), dport,
                           i % 7);
        assert_int_not_equal(lens[i], 0);
        frames[i] = bufs[i];
    }
    lr_test_rx_burst(w, frames, lens, n);
}

/* Every packet reaches its owner exactly once, in order per worker, and
 * nothing is counted twice. */
static void foreign_flows_reach_their_owner(void **state)
{
    struct lr_worker *w0 = *state;
    struct lr_worker *w1 = two_workers(w0);
    const uint16_t n = 64, sport0 = 20000, dport = 7;
    unsigned own[2] = { 0 };

    for (uint16_t i = 0; i < n; i++)
        own[hash_owner((uint16_t)(sport0 + i), dport)]++;
    assert_int_not_equal(own[0], 0); /* the test means something only if both own some */
    assert_int_not_equal(own[1], 0);

    rx_udp_burst(w0, sport0, n, dport);
    /* Worker 0 delivered its own at once, worker 1's wait in its inbox. */
    assert_int_equal(nseen, own[0]);
    for (unsigned i = 0; i < nseen; i++) {
        assert_int_equal(seen[i].worker, 0);
        assert_int_equal(hash_owner(seen[i].sport, seen[i].dport), 0);
    }
    assert_int_equal(w0->stats.handed_over, own[1]);
    assert_int_equal(rte_ring_count(w0->ring_to[1]), own[1]);
    assert_int_equal(w0->stats.proto[LR_PROTO_IP].rx_pkts, n);

    assert_int_equal(lr_test_inbox_drain(w1), own[1]);
    assert_int_equal(nseen, n);
    uint16_t last = 0;
    for (unsigned i = own[0]; i < nseen; i++) {
        assert_int_equal(seen[i].worker, 1);
        assert_int_equal(hash_owner(seen[i].sport, seen[i].dport), 1);
        assert_true(seen[i].sport > last); /* arrival order kept */
        last = seen[i].sport;
        assert_int_equal(seen[i].pkt_len, 20 + 8 + (seen[i].sport - sport0) % 7);
        assert_int_equal(seen[i].ol_flags & flow.handover_flag, 0); /* mark cleared */
    }
    /* Port, Ethernet and IP RX were counted once, where the frames arrived. */
    assert_int_equal(w1->stats.port[lr_test_port(w1)].rx_pkts, 0);
    assert_int_equal(w1->stats.proto[LR_PROTO_ETH].rx_pkts, 0);
    assert_int_equal(w1->stats.proto[LR_PROTO_IP].rx_pkts, 0);
    assert_int_equal(lr_stats_total_drops(&w0->stats), 0);
    assert_int_equal(lr_stats_total_drops(&w1->stats), 0);

    /* The other way round: worker 1 receives, worker 0's flows go to it. */
    nseen = 0;
    rx_udp_burst(w1, sport0, n, dport);
    assert_int_equal(nseen, own[1]);
    assert_int_equal(lr_test_inbox_drain(w0), own[0]);
    assert_int_equal(nseen, n);
    for (unsigned i = 0; i < nseen; i++)
        assert_int_equal(seen[i].worker, hash_owner(seen[i].sport, seen[i].dport));
    assert_int_equal(w1->stats.handed_over, own[0]);
    sibling_free(w0, w1);
}

/* Both directions of a flow hash alike, so a reply from the peer to a port
 * worker 1 picked for an active open comes back to worker 1. */
static void picked_port_replies_come_home(void **state)
{
    struct lr_worker *w0 = *state;
    struct lr_worker *w1 = two_workers(w0);
    uint8_t buf[128];

    for (uint16_t wk = 0; wk < 2; wk++) {
        uint32_t cursor = 0;
        for (int i = 0; i < 20; i++) {
            uint16_t p = lr_flow_pick_port(&flow, wk, LR_TEST_OUR_IP, LR_TEST_PEER_IP,
                                           rte_cpu_to_be_16(80), 32768, 60999, &cursor, NULL, NULL);
            assert_int_not_equal(p, 0);
            nseen = 0;
            /* The SYN-ACK from peer:80 to us:p arrives on worker 0. */
            size_t len = l4_frame(w0, buf, sizeof(buf), IPPROTO_TCP, 80, p, 0);
            lr_test_rx(w0, buf, len);
            lr_test_inbox_drain(w1);
            assert_int_equal(nseen, 1);
            assert_int_equal(seen[0].worker, wk);
            assert_int_equal(seen[0].dport, p);
        }
    }
    sibling_free(w0, w1);
}

/* FTP passive ports belong to (p - lo) % N whatever their hash, for TCP only;
 * active opens never pick them. */
static void ftp_passive_override(void **state)
{
    struct lr_worker *w0 = *state;
    struct lr_worker *w1 = two_workers(w0);
    uint8_t buf[128];
    const uint16_t lo = 50000, hi = 50099;
    unsigned differs = 0;

    assert_int_equal(lr_flow_override_set(&flow, 50, 40), -EINVAL);
    assert_int_equal(lr_flow_override_set(&flow, 0, 40), -EINVAL);
    assert_int_equal(lr_flow_override_set(&flow, lo, hi), 0);
    for (uint16_t p = lo; p <= hi; p++) {
        uint16_t want = (uint16_t)((p - lo) % 2);
        assert_int_equal(lr_handover_override(w0, IPPROTO_TCP, rte_cpu_to_be_16(p), RTE_BE16(1)),
                         want);
        assert_int_equal(lr_handover_override(w0, IPPROTO_UDP, rte_cpu_to_be_16(p), RTE_BE16(1)),
                         LR_HANDOVER_NO_OVERRIDE);
        for (uint16_t sport = 40000; sport < 40004; sport++) {
            differs += hash_owner(sport, p) != want;
            nseen = 0;
            struct lr_worker *rxw = (sport & 1) ? w1 : w0;
            size_t len = l4_frame(rxw, buf, sizeof(buf), IPPROTO_TCP, sport, p, 0);
            lr_test_rx(rxw, buf, len);
            lr_test_inbox_drain(w0);
            lr_test_inbox_drain(w1);
            assert_int_equal(nseen, 1);
            assert_int_equal(seen[0].worker, want);
        }
    }
    assert_int_not_equal(differs, 0); /* the override did override the hash */
    assert_int_equal(lr_handover_override(w0, IPPROTO_TCP, rte_cpu_to_be_16(lo - 1), RTE_BE16(1)),
                     LR_HANDOVER_NO_OVERRIDE);
    assert_int_equal(lr_handover_override(w0, IPPROTO_TCP, rte_cpu_to_be_16(hi + 1), RTE_BE16(1)),
                     LR_HANDOVER_NO_OVERRIDE);

    /* UDP to a port of the range follows the hash. */
    for (uint16_t sport = 40000; sport < 40010; sport++) {
        nseen = 0;
        size_t len = l4_frame(w0, buf, sizeof(buf), IPPROTO_UDP, sport, lo, 0);
        lr_test_rx(w0, buf, len);
        lr_test_inbox_drain(w1);
        assert_int_equal(nseen, 1);
        assert_int_equal(seen[0].worker, hash_owner(sport, lo));
    }

    /* Active opens skip the whole range, for both workers. */
    for (uint16_t wk = 0; wk < 2; wk++) {
        uint32_t cursor = 0;
        for (int i = 0; i < 2000; i++) {
            uint16_t p = lr_flow_pick_port(&flow, wk, LR_TEST_OUR_IP, LR_TEST_PEER_IP, RTE_BE16(21),
                                           49900, 50199, &cursor, NULL, NULL);
            assert_int_not_equal(p, 0);
            assert_false(p >= lo && p <= hi);
            assert_int_equal(hash_owner(21, p), wk);
        }
        cursor = 0;
        assert_int_equal(lr_flow_pick_port(&flow, wk, LR_TEST_OUR_IP, LR_TEST_PEER_IP, RTE_BE16(21),
                                           lo, hi, &cursor, NULL, NULL),
                         0);
    }
    assert_int_equal(lr_flow_override_set(&flow, 0, 0), 0);
    assert_int_equal(lr_handover_override(w0, IPPROTO_TCP, rte_cpu_to_be_16(lo), RTE_BE16(1)),
                     LR_HANDOVER_NO_OVERRIDE);
    sibling_free(w0, w1);
}

/* On a port that steers by RSS the NIC already chose the owner: only the
 * override moves packets. */
static void rss_port_trusts_the_nic(void **state)
{
    struct lr_worker *w0 = *state;
    struct lr_worker *w1 = two_workers(w0);
    struct lr_port *p0 = (struct lr_port *)&w0->ports[lr_test_port(w0)];
    const uint16_t n = 32;

    p0->rss = true;
    rx_udp_burst(w0, 30000, n, 9);
    assert_int_equal(nseen, n);
    assert_int_equal(w0->stats.handed_over, 0);
    assert_int_equal(lr_test_inbox_drain(w1), 0);

    assert_int_equal(lr_flow_override_set(&flow, 50000, 50001), 0);
    uint8_t buf[128];
    nseen = 0;
    size_t len = l4_frame(w0, buf, sizeof(buf), IPPROTO_TCP, 1234, 50001, 0);
    lr_test_rx(w0, buf, len);
    assert_int_equal(nseen, 0);
    assert_int_equal(lr_test_inbox_drain(w1), 1);
    assert_int_equal(nseen, 1);
    assert_int_equal(seen[0].worker, 1);
    p0->rss = false;
    sibling_free(w0, w1);
}

/* A full inbox costs counted drops and no mbufs; nothing is steered when the
 * worker is alone or has no flow description. */
static void full_ring_and_no_steering(void **state)
{
    struct lr_worker *w0 = *state;
    struct lr_worker *w1 = two_workers(w0);
    unsigned cap = rte_ring_free_count(w0->ring_to[1]);
    unsigned foreign = 0, mine = 0, rounds = 0;

    for (uint16_t s = 1024; foreign <= cap + 100; s = (uint16_t)(s + 64), rounds++) {
        for (uint16_t i = 0; i < 64; i++) {
            if (hash_owner((uint16_t)(s + i), 7) == 1)
                foreign++;
            else
                mine++;
        }
        rx_udp_burst(w0, s, 64, 7);
    }
    assert_int_equal(w0->stats.handed_over, cap);
    assert_int_equal(w0->stats.drops[LR_DROP_ETH_HANDOVER_FULL], foreign - cap);
    assert_int_equal(nseen, mine);
    assert_int_equal(lr_test_inbox_drain(w1), cap);
    assert_int_equal(nseen, mine + cap);
    (void)rounds;

    /* No flow description (w->flow NULL): every packet stays where it arrived. */
    w0->flow = NULL;
    nseen = 0;
    rx_udp_burst(w0, 20000, 64, 7);
    assert_int_equal(nseen, 64);
    assert_int_equal(rte_ring_count(w0->ring_to[1]), 0);
    w0->flow = &flow;
    sibling_free(w0, w1);

    /* Alone again (nb_workers 1): no steering even with a flow description. */
    w0->flow = &flow;
    nseen = 0;
    rx_udp_burst(w0, 20000, 64, 7);
    assert_int_equal(nseen, 64);
    w0->flow = NULL;
}

/* An inbox burst mixing ARP replicas and handed-over packets: the replicas
 * are left for Ethernet input, in order, the rest goes to L4. */
static void dispatch_separates_arp_replicas(void **state)
{
    struct lr_worker *w0 = *state;
    struct lr_worker *w1 = two_workers(w0);
    struct rte_mbuf *pkts[4];
    uint8_t buf[128];

    for (int i = 0; i < 4; i++) {
        size_t len = l4_frame(w1, buf, sizeof(buf), IPPROTO_UDP, (uint16_t)(100 + i), 7, 0);
        pkts[i] = lr_test_mbuf(w1, buf, len);
        assert_non_null(pkts[i]);
        if (i & 1) {
            rte_pktmbuf_adj(pkts[i], sizeof(struct rte_ether_hdr));
            pkts[i]->l2_len = sizeof(struct rte_ether_hdr);
            pkts[i]->l3_len = sizeof(struct rte_ipv4_hdr);
            pkts[i]->port = lr_test_port(w1);
            pkts[i]->ol_flags |= flow.handover_flag;
        }
    }
    struct rte_mbuf *p0 = pkts[0], *p2 = pkts[2];
    assert_int_equal(lr_handover_dispatch(w1, pkts, 4), 2);
    assert_ptr_equal(pkts[0], p0);
    assert_ptr_equal(pkts[1], p2);
    assert_int_equal(nseen, 2);
    assert_int_equal(seen[0].sport, 101);
    assert_int_equal(seen[1].sport, 103);
    rte_pktmbuf_free(p0);
    rte_pktmbuf_free(p2);

    /* A handed-over packet of a protocol the owner does not run is a counted drop. */
    lr_ipv4_register(w1, IPPROTO_UDP, NULL);
    size_t len = l4_frame(w1, buf, sizeof(buf), IPPROTO_UDP, 5, 7, 0);
    struct rte_mbuf *m = lr_test_mbuf(w1, buf, len);
    assert_non_null(m);
    rte_pktmbuf_adj(m, sizeof(struct rte_ether_hdr));
    m->l3_len = sizeof(struct rte_ipv4_hdr);
    m->port = lr_test_port(w1);
    m->ol_flags |= flow.handover_flag;
    assert_int_equal(lr_handover_dispatch(w1, &m, 1), 0);
    assert_int_equal(w1->stats.drops[LR_DROP_IP_PROTO], 1);
    sibling_free(w0, w1);
}

/* ICMP errors reach the worker owning the quoted flow. */
static unsigned err_seen[2];
static uint16_t err_port;

static void on_udp_error(struct lr_worker *w, uint8_t type, uint8_t code, uint32_t info,
                         const struct rte_ipv4_hdr *orig, const uint8_t *l4, uint16_t l4_len)
{
    (void)info;
    (void)orig;
    assert_int_equal(type, 3);
    assert_int_equal(code, 3);
    assert_true(l4_len >= 8);
    err_port = (uint16_t)(l4[0] << 8 | l4[1]);
    err_seen[w->id & 1]++;
}

/* Ethernet + IPv4 + ICMP port unreachable quoting our UDP datagram us:@lport -> peer:@rport. */
static size_t icmp_unreach_frame(const struct lr_worker *w, uint8_t *buf, size_t cap,
                                 uint16_t lport, uint16_t rport)
{
    uint8_t icmp[8 + 20 + 8] = { 3, 3 };
    struct rte_ipv4_hdr *q = (struct rte_ipv4_hdr *)(icmp + 8);
    q->version_ihl = RTE_IPV4_VHL_DEF;
    q->total_length = rte_cpu_to_be_16(20 + 8 + 10);
    q->time_to_live = 64;
    q->next_proto_id = IPPROTO_UDP;
    q->src_addr = LR_TEST_OUR_IP;
    q->dst_addr = LR_TEST_PEER_IP;
    q->hdr_checksum = rte_ipv4_cksum(q);
    struct rte_udp_hdr *u = (struct rte_udp_hdr *)(icmp + 28);
    u->src_port = rte_cpu_to_be_16(lport);
    u->dst_port = rte_cpu_to_be_16(rport);
    u->dgram_len = rte_cpu_to_be_16(18);
    uint16_t ck = lr_test_inet_csum(icmp, sizeof(icmp));
    memcpy(icmp + 2, &ck, 2);
    struct lr_test_ipv4 p = { .proto = IPPROTO_ICMP, .payload = icmp, .payload_len = sizeof(icmp) };
    return lr_test_ipv4_frame(w, buf, cap, &p);
}

static void icmp_errors_follow_the_quoted_flow(void **state)
{
    struct lr_worker *w0 = *state;
    struct lr_worker *w1 = two_workers(w0);
    uint8_t buf[256];
    unsigned own[2] = { 0 };

    lr_icmp_register_error_handler(w0, IPPROTO_UDP, on_udp_error);
    lr_icmp_register_error_handler(w1, IPPROTO_UDP, on_udp_error);
    for (uint16_t lport = 49152; lport < 49152 + 40; lport++) {
        uint16_t want = hash_owner(69, lport);
        own[want]++;
        memset(err_seen, 0, sizeof(err_seen));
        size_t len = icmp_unreach_frame(w0, buf, sizeof(buf), lport, 69);
        assert_int_not_equal(len, 0);
        lr_test_rx(w0, buf, len);
        lr_test_inbox_drain(w1);
        assert_int_equal(err_seen[want], 1);
        assert_int_equal(err_seen[!want], 0);
        assert_int_equal(err_port, lport);
    }
    assert_int_not_equal(own[0], 0);
    assert_int_not_equal(own[1], 0);
    assert_int_equal(w0->stats.handed_over, own[1]);
    /* Counted once as ICMP RX, by the worker that handled it. */
    assert_int_equal(w0->stats.proto[LR_PROTO_ICMP].rx_pkts, own[0]);
    assert_int_equal(w1->stats.proto[LR_PROTO_ICMP].rx_pkts, own[1]);
    assert_int_equal(lr_stats_total_drops(&w0->stats), 0);
    assert_int_equal(lr_stats_total_drops(&w1->stats), 0);

    /* An echo request is answered where it arrived. */
    size_t len = lr_test_icmp_echo_frame(w0, buf, sizeof(buf), 8, LR_TEST_PEER_IP, LR_TEST_OUR_IP,
                                         1, 1, NULL, 32);
    lr_test_learn_peer(w0, LR_TEST_PEER_IP, &lr_test_peer_mac);
    lr_test_inbox_drain(w1); /* the ARP replica of the peer's request */
    uint64_t handed = w0->stats.handed_over;
    lr_test_rx(w0, buf, len);
    assert_int_equal(rte_ring_count(w0->ring_to[1]), 0);
    assert_int_equal(w0->stats.handed_over, handed);
    assert_int_equal(w0->stats.icmp.echo_requests, 1);
    assert_int_equal(lr_test_tx_free_all(w0), 1); /* the echo reply */
    lr_icmp_register_error_handler(w0, IPPROTO_UDP, NULL);
    lr_icmp_register_error_handler(w1, IPPROTO_UDP, NULL);
    sibling_free(w0, w1);
}

/* --- TCP end to end: the handshake of a flow worker 1 owns, all of whose
 * packets arrive on worker 0, completes on worker 1 only. --- */
static unsigned accepted[2];

static int on_accept(struct lr_worker *w, struct lr_tcp_conn *c, void *ctx)
{
    (void)c;
    (void)ctx;
    accepted[w->id & 1]++;
    return 0;
}

static void on_closed(struct lr_worker *w, struct lr_tcp_conn *c, enum lr_tcp_close_reason r)
{
    (void)w;
    (void)c;
    (void)r;
}

static const struct lr_tcp_listen_ops listen_ops = { .accept = on_accept,
                                                     .conn = { .closed = on_closed } };

/* A TCP segment peer:@sport -> us:@dport with a correct checksum. */
static size_t tcp_seg(const struct lr_worker *w, uint8_t *buf, size_t cap, uint16_t sport,
                      uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags)
{
    uint8_t seg[sizeof(struct rte_tcp_hdr)] = { 0 };
    struct rte_tcp_hdr *t = (struct rte_tcp_hdr *)seg;
    t->src_port = rte_cpu_to_be_16(sport);
    t->dst_port = rte_cpu_to_be_16(dport);
    t->sent_seq = rte_cpu_to_be_32(seq);
    t->recv_ack = rte_cpu_to_be_32(ack);
    t->data_off = 5 << 4;
    t->tcp_flags = flags;
    t->rx_win = RTE_BE16(65535);
    /* RFC 9293 §3.1: checksum over the pseudo-header and the segment. */
    uint8_t ph[12 + sizeof(seg)];
    rte_be32_t src = LR_TEST_PEER_IP, dst = LR_TEST_OUR_IP;
    memcpy(ph, &src, 4);
    memcpy(ph + 4, &dst, 4);
    ph[8] = 0;
    ph[9] = IPPROTO_TCP;
    ph[10] = 0;
    ph[11] = sizeof(seg);
    memcpy(ph + 12, seg, sizeof(seg));
    t->cksum = lr_test_inet_csum(ph, sizeof(ph));
    struct lr_test_ipv4 p = { .proto = IPPROTO_TCP, .payload = seg, .payload_len = sizeof(seg) };
    return lr_test_ipv4_frame(w, buf, cap, &p);
}

static void tcp_handshake_completes_on_the_owner(void **state)
{
    struct lr_worker *w0 = *state;
    struct lr_worker *w1 = two_workers(w0);
    uint8_t buf[256];
    struct lr_tcp_counters c0, c1;

    /* The real TCP input this time, listening on every worker. */
    lr_ipv4_register(w0, IPPROTO_TCP, NULL);
    lr_ipv4_register(w1, IPPROTO_TCP, NULL);
    assert_int_equal(lr_tcp_global_init(), 0);
    assert_int_equal(lr_tcp_init(w0), 0);
    assert_int_equal(lr_tcp_init(w1), 0);
    assert_int_equal(lr_tcp_listen(w0, 7, &listen_ops, NULL, NULL), 0);
    assert_int_equal(lr_tcp_listen(w1, 7, &listen_ops, NULL, NULL), 0);
    lr_test_learn_peer(w0, LR_TEST_PEER_IP, &lr_test_peer_mac);
    lr_test_inbox_drain(w1); /* worker 1's ARP replica learns the peer too */
    lr_test_tx_free_all(w1);
    memset(accepted, 0, sizeof(accepted));

    uint16_t sport = 40000;
    while (hash_owner(sport, 7) != 1)
        sport++;
    size_t len = tcp_seg(w0, buf, sizeof(buf), sport, 7, 1000, 0, RTE_TCP_SYN_FLAG);
    lr_test_rx(w0, buf, len);
    assert_null(lr_test_tx_pop(w0)); /* worker 0 answered nothing */
    assert_int_equal(lr_test_inbox_drain(w1), 1);
    struct rte_mbuf *synack = lr_test_tx_pop(w1);
    assert_non_null(synack);
    const struct rte_tcp_hdr *t =
        rte_pktmbuf_mtod_offset(synack, const struct rte_tcp_hdr *,
                                sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr));
    assert_int_equal(t->tcp_flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG),
                     RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
    assert_int_equal(rte_be_to_cpu_16(t->dst_port), sport);
    assert_int_equal(rte_be_to_cpu_32(t->recv_ack), 1001);
    uint32_t iss = rte_be_to_cpu_32(t->sent_seq);
    rte_pktmbuf_free(synack);

    len = tcp_seg(w0, buf, sizeof(buf), sport, 7, 1001, iss + 1, RTE_TCP_ACK_FLAG);
    lr_test_rx(w0, buf, len);
    assert_int_equal(lr_test_inbox_drain(w1), 1);
    assert_int_equal(accepted[1], 1);
    assert_int_equal(accepted[0], 0);
    lr_tcp_counters_get(w0, &c0);
    lr_tcp_counters_get(w1, &c1);
    assert_int_equal(c0.opened_passive, 0);
    assert_int_equal(c1.opened_passive, 1);
    assert_int_equal(c1.state[LR_TCP_ESTABLISHED], 1);
    assert_int_equal(c0.rst_sent, 0); /* worker 0 never saw the flow as unknown */
    assert_int_equal(lr_stats_total_drops(&w0->stats), 0);
    assert_int_equal(lr_stats_total_drops(&w1->stats), 0);

    lr_tcp_free(w1);
    lr_tcp_free(w0);
    lr_test_tx_free_all(w0);
    sibling_free(w0, w1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(foreign_flows_reach_their_owner, lr_test_setup,
                                        lr_test_teardown),
        cmocka_unit_test_setup_teardown(picked_port_replies_come_home, lr_test_setup,
                                        lr_test_teardown),
        cmocka_unit_test_setup_teardown(ftp_passive_override, lr_test_setup, lr_test_teardown),
        cmocka_unit_test_setup_teardown(rss_port_trusts_the_nic, lr_test_setup, lr_test_teardown),
        cmocka_unit_test_setup_teardown(full_ring_and_no_steering, lr_test_setup, lr_test_teardown),
        cmocka_unit_test_setup_teardown(dispatch_separates_arp_replicas, lr_test_setup,
                                        lr_test_teardown),
        cmocka_unit_test_setup_teardown(icmp_errors_follow_the_quoted_flow, lr_test_setup,
                                        lr_test_teardown),
        cmocka_unit_test_setup_teardown(tcp_handshake_completes_on_the_owner, lr_test_setup,
                                        lr_test_teardown),
    };
    return cmocka_run_group_tests(tests, lr_test_group_setup, NULL);
}
