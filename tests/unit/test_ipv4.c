/* SPDX-License-Identifier: BSD-3-Clause */
/* IPv4 input validation, dispatch, routing and output (lr_ipv4.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <rte_arp.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "lr_net.h"
#include "lr_pkt.h"
#include "lr_test.h"

static const struct rte_ether_addr mac_gw = { .addr_bytes = { 0x02, 0, 0, 0, 0, 0x0c } };
static const struct rte_ether_addr bcast = { .addr_bytes = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
static const struct rte_ether_addr zero_mac;

#define IP_FAR LR_TEST_IP(198, 19, 5, 5) /* off-link */
#define IP_GW  LR_TEST_IP(198, 18, 0, 254)

/* What IPv4 input handed to a registered protocol. */
static struct {
    unsigned calls;
    unsigned pkts;
    uint16_t l3_len[LR_BURST_MAX];
    uint32_t pkt_len[LR_BURST_MAX];
    uint8_t proto[LR_BURST_MAX];
} cap;

static void capture_l4(struct lr_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
    (void)w;
    cap.calls++;
    for (uint16_t i = 0; i < n; i++) {
        if (cap.pkts < LR_BURST_MAX) {
            const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(pkts[i], const struct rte_ipv4_hdr *);
            cap.l3_len[cap.pkts] = pkts[i]->l3_len;
            cap.pkt_len[cap.pkts] = pkts[i]->pkt_len;
            cap.proto[cap.pkts] = ip->next_proto_id;
        }
        cap.pkts++;
        rte_pktmbuf_free(pkts[i]);
    }
}

static int setup(void **state)
{
    memset(&cap, 0, sizeof(cap));
    int rc = lr_test_setup(state);
    if (rc == 0) {
        lr_ipv4_register(*state, IPPROTO_UDP, capture_l4);
        lr_ipv4_register(*state, IPPROTO_TCP, capture_l4);
    }
    return rc;
}

static struct lr_worker *new_worker(void **state, const struct lr_config *cfg)
{
    memset(&cap, 0, sizeof(cap));
    struct lr_worker *w = lr_test_worker_new(cfg);
    assert_non_null(w);
    lr_test_set_baseline(w);
    *state = w;
    return w;
}

static const uint8_t payload8[8] = { 0x10, 0x00, 0x00, 0x35, 0x00, 0x08, 0x00, 0x00 };

/* A valid UDP-carrying frame; @p's other fields may be preset by the caller. */
static size_t frame(struct lr_worker *w, uint8_t *buf, size_t cap_len, struct lr_test_ipv4 *p)
{
    if (p->proto == 0)
        p->proto = IPPROTO_UDP;
    if (p->payload == NULL) {
        p->payload = payload8;
        p->payload_len = sizeof(payload8);
    }
    size_t len = lr_test_ipv4_frame(w, buf, cap_len, p);
    assert_int_not_equal(len, 0);
    return len;
}

static struct rte_ipv4_hdr *iph(uint8_t *f)
{
    return lr_test_frame_ip(f);
}

static void valid_delivered(void **state)
{
    struct lr_worker *w = *state;
    uint8_t f[128];
    struct lr_test_ipv4 p = { 0 };
    size_t len = frame(w, f, sizeof(f), &p);
    lr_test_rx(w, f, len);
    assert_int_equal(cap.pkts, 1);
    assert_int_equal(cap.l3_len[0], 20);
    assert_int_equal(cap.pkt_len[0], 28);
    assert_int_equal(w->stats.proto[LR_PROTO_IP].rx_pkts, 1);
    assert_int_equal(lr_stats_total_drops(&w->stats), 0);
}

static void padding_trimmed(void **state)
{
    struct lr_worker *w = *state;
    uint8_t f[128];
    struct lr_test_ipv4 p = { .pad = 18 };
    size_t len = frame(w, f, sizeof(f), &p);
    assert_int_equal(len, 60);
    lr_test_rx(w, f, len);
    assert_int_equal(cap.pkts, 1);
    assert_int_equal(cap.pkt_len[0], 28);
}

static void options_accepted(void **state)
{
    struct lr_worker *w = *state;
    uint8_t f[128];
    static const uint8_t nops[4] = { 1, 1, 1, 0 };
    struct lr_test_ipv4 p = { .options = nops, .options_len = 4 };
    size_t len = frame(w, f, sizeof(f), &p);
    lr_test_rx(w, f, len);
    assert_int_equal(cap.pkts, 1);
    assert_int_equal(cap.l3_len[0], 24);
    assert_int_equal(cap.pkt_len[0], 32);
}

static void truncated_dropped(void **state)
{
    struct lr_worker *w = *state;
    uint8_t f[128];
    struct lr_test_ipv4 p = { 0 };
    frame(w, f, sizeof(f), &p);
    lr_test_rx(w, f, 14 + 19);
    assert_int_equal(w->stats.drops[LR_DROP_IP_TRUNCATED], 1);
    lr_test_rx(w, f, 14);
    assert_int_equal(w->stats.drops[LR_DROP_IP_TRUNCATED], 2);
    assert_int_equal(cap.pkts, 0);
}

static void bad_version_dropped(void **state)
{
    struct lr_worker *w = *state;
    uint8_t f[128];
    struct lr_test_ipv4 p = { 0 };
    size_t len = frame(w, f, sizeof(f), &p);
    iph(f)->version_ihl = 0x65;
    lr_test_ip_csum_fix(f);
    lr_test_rx(w, f, len);
    assert_int_equal(w->stats.drops[LR_DROP_IP_VERSION], 1);
    assert_int_equal(cap.pkts, 0);
}

static void bad_ihl_dropped(void **state)
{
    struct lr_worker *w = *state;
    uint8_t f[128];
    struct lr_test_ipv4 p = { 0 };
    size_t len = frame(w, f, sizeof(f), &p);
    iph(f)->version_ihl = 0x44; /* 16 bytes: shorter than the fixed header */
    lr_test_rx(w, f, len);
    assert_int_equal(w->stats.drops[LR_DROP_IP_IHL], 1);
    iph(f)->version_ihl = 0x4f; /* 60 bytes: longer than the 28-byte packet */
    lr_test_ip_csum_fix(f);
    lr_test_rx(w, f, len);
    assert_int_equal(w->stats.drops[LR_DROP_IP_IHL], 2);
    assert_int_equal(cap.pkts, 0);
}

static void bad_total_length_dropped(void **state)
{
    struct lr_worker *w = *state;
    uint8_t f[128];
    struct lr_test_ipv4 p = { 0 };
    size_t len = frame(w, f, sizeof(f), &p);
    iph(f)->total_length = rte_cpu_to_be_16(19);
    lr_test_ip_csum_fix(f);
    lr_test_rx(w, f, len);
    assert_int_equal(w->stats.drops[LR_DROP_IP_LEN], 1);
    iph(f)->total_length = rte_cpu_to_be_16(29); /* one more than we have */
    lr_test_ip_csum_fix(f);
    lr_test_rx(w, f, len);
    assert_int_equal(w->stats.drops[LR_DROP_IP_LEN], 2);
    assert_int_equal(cap.pkts, 0);
}

static void bad_checksum_dropped(void **state)
{
    struct lr_worker *w = *state;
    uint8_t f[128];
    struct lr_test_ipv4 p = { 0 };
    size_t len = frame(w, f, sizeof(f), &p);
    iph(f)->hdr_checksum ^= 0x0100;
    lr_test_rx(w, f, len);
    assert_int_equal(w->stats.drops[LR_DROP_IP_CSUM], 1);
    assert_int_equal(cap.pkts, 0);
}

static void rx_checksum_offload_flags_honoured(void **state)
{
    struct lr_worker *w = *state;
    uint8_t f[128];
    struct lr_test_ipv4 p = { 0 };
    size_t len = frame(w, f, sizeof(f), &p);

    /* The NIC says bad: dropped although the sum is right. */
    struct rte_mbuf *m = lr_test_mbuf(w, f, len);
    m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_BAD;
    lr_eth_input_burst(w, lr_test_port(w), &m, 1);
    assert_int_equal(w->stats.drops[LR_DROP_IP_CSUM], 1);
    assert_int_equal(cap.pkts, 0);

    /* The NIC verified it: not recomputed (a wrong field is not looked at). */
    iph(f)->hdr_checksum ^= 0x0100;
    m = lr_test_mbuf(w, f, len);
    m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_GOOD;
    lr_eth_input_burst(w, lr_test_port(w), &m, 1);
    assert_int_equal(cap.pkts, 1);

    /* Unknown: software check. */
    m = lr_test_mbuf(w, f, len);
    m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN;
    lr_eth_input_burst(w, lr_test_port(w), &m, 1);
    assert_int_equal(w->stats.drops[LR_DROP_IP_CSUM], 2);
}

static void ttl_zero_dropped(void **state)
{
    struct lr_worker *w = *state;
    uint8_t f[128];
    struct lr_test_ipv4 p = { .ttl = 0, .ttl_set = true };
    size_t len = frame(w, f, sizeof(f), &p);
    lr_test_rx(w, f, len);
    assert_int_equal(w->stats.drops[LR_DROP_IP_TTL], 1);
    /* TTL 1 is fine for a host (RFC 1122 §3.2.1.7). */
    p.ttl = 1;
    len = frame(w, f, sizeof(f), &p);
    lr_test_rx(w, f, len);
    assert_int_equal(cap.pkts, 1);
}

static void bad_sources_dropped(void **state)
{
    struct lr_worker *w = *state;
    const rte_be32_t bad[] = {
        0,
        RTE_BE32(0xffffffff),
        LR_TEST_IP(224, 0, 0, 1),
        LR_TEST_IP(127, 0, 0, 1),
        LR_TEST_BCAST_IP,
        LR_TEST_IP(240, 0, 0, 1),
    };
    for (unsigned i = 0; i < RTE_DIM(bad); i++) {
        uint8_t f[128];
        struct lr_test_ipv4 p = { .src = bad[i], .src_set = true };
        size_t len = frame(w, f, sizeof(f), &p);
        lr_test_rx(w, f, len);
        assert_int_equal(w->stats.drops[LR_DROP_IP_BAD_SRC], i + 1);
    }
    assert_int_equal(cap.pkts, 0);
}

static void not_for_us_dropped(void **state)
{
    struct lr_worker *w = *state;
    uint8_t f[128];
    struct lr_test_ipv4 p = { .dst = LR_TEST_IP(198, 18, 0, 9) };
    size_t len = frame(w, f, sizeof(f), &p);
    lr_test_rx(w, f, len);
    assert_int_equal(w->stats.drops[LR_DROP_IP_NOT_US], 1);

    /* Multicast: no group is joined. */
    struct lr_test_ipv4 q = { .dst = LR_TEST_IP(224, 0, 0, 251) };
    len = frame(w, f, sizeof(f), &q);
    lr_test_rx(w, f, len);
    assert_int_equal(w->stats.drops[LR_DROP_IP_NOT_US], 2);

    /* TCP never accepts broadcasts (RFC 1122 §4.2.3.10). */
    struct lr_test_ipv4 t = { .dst = LR_TEST_BCAST_IP, .proto = IPPROTO_TCP, .eth_dst = &bcast };
    len = frame(w, f, sizeof(f), &t);
    lr_test_rx(w, f, len);
    assert_int_equal(w->stats.drops[LR_DROP_IP_NOT_US], 3);
    assert_int_equal(cap.pkts, 0);
}

static void udp_broadcast_accepted(void **state)
{
    struct lr_worker *w = *state;
    uint8_t f[128];
    struct lr_test_ipv4 p = { .dst = LR_TEST_BCAST_IP, .eth_dst = &bcast };
    size_t len = frame(w, f, sizeof(f), &p);
    lr_test_rx(w, f, len);
    struct lr_test_ipv4 q = { .dst = RTE_BE32(0xffffffff), .eth_dst = &bcast };
    len = frame(w, f, sizeof(f), &q);
    lr_test_rx(w, f, len);
    assert_int_equal(cap.pkts, 2);
    assert_int_equal(lr_stats_total_drops(&w->stats), 0);
}

static void fragments_dropped(void **state)
{
    struct lr_worker *w = *state;
    uint8_t f[128];
    struct lr_test_ipv4 p = { .frag = RTE_IPV4_HDR_MF_FLAG, .id = 7 };
    size_t len = frame(w, f, sizeof(f), &p);
    lr_test_rx(w, f, len);
    struct lr_test_ipv4 q = { .frag = 1, .id = 7 }; /* last fragment, offset 8 */
    len = frame(w, f, sizeof(f), &q);
    lr_test_rx(w, f, len);
    assert_int_equal(w->stats.drops[LR_DROP_IP_FRAG], 2);
    assert_int_equal(cap.pkts, 0);
    /* DF alone is not a fragment. */
    struct lr_test_ipv4 r = { .frag = RTE_IPV4_HDR_DF_FLAG };
    len = frame(w, f, sizeof(f), &r);
    lr_test_rx(w, f, len);
    assert_int_equal(cap.pkts, 1);
}

static void unknown_protocol_gets_protocol_unreachable(void **state)
{
    struct lr_worker *w = *state;
    uint8_t f[128];
    lr_test_learn_peer(w, LR_TEST_PEER_IP, &lr_test_peer_mac);
    struct lr_test_ipv4 p = { .proto = 253, .id = 0x4242 };
    size_t len = frame(w, f, sizeof(f), &p);
    lr_test_rx(w, f, len);
    assert_int_equal(w->stats.drops[LR_DROP_IP_PROTO], 1);

    struct rte_mbuf *m = lr_test_tx_pop(w);
    assert_non_null(m);
    assert_int_equal(m->pkt_len, 14 + 20 + 8 + 28);
    const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, 14);
    assert_int_equal(ip->next_proto_id, IPPROTO_ICMP);
    assert_int_equal(ip->src_addr, LR_TEST_OUR_IP);
    assert_int_equal(ip->dst_addr, LR_TEST_PEER_IP);
    assert_int_equal(lr_test_inet_csum(ip, 20), 0);
    const uint8_t *ic = (const uint8_t *)(ip + 1);
    assert_int_equal(ic[0], LR_ICMP_DEST_UNREACH);
    assert_int_equal(ic[1], LR_ICMP_UNREACH_PROTO);
    assert_int_equal(lr_test_inet_csum(ic, 8 + 28), 0);
    assert_memory_equal(ic + 8, f + 14, 28); /* the original header and 8 bytes */
    rte_pktmbuf_free(m);
    assert_int_equal(w->stats.icmp.tx_dest_unreach, 1);

    /* Not for a broadcast. */
    struct lr_test_ipv4 q = { .proto = 253, .dst = LR_TEST_BCAST_IP, .eth_dst = &bcast };
    len = frame(w, f, sizeof(f), &q);
    lr_test_rx(w, f, len);
    assert_int_equal(w->stats.drops[LR_DROP_IP_NOT_US], 1);
    assert_null(lr_test_tx_pop(w));
}

static void unregistered_protocol_is_unknown(void **state)
{
    struct lr_worker *w = *state;
    uint8_t f[128];
    lr_test_learn_peer(w, LR_TEST_PEER_IP, &lr_test_peer_mac);
    lr_ipv4_register(w, IPPROTO_UDP, NULL);
    struct lr_test_ipv4 p = { 0 };
    size_t len = frame(w, f, sizeof(f), &p);
    lr_test_rx(w, f, len);
    assert_int_equal(w->stats.drops[LR_DROP_IP_PROTO], 1);
    assert_int_equal(lr_test_tx_free_all(w), 1); /* the protocol unreachable */
    /* Any protocol can be registered. */
    lr_ipv4_register(w, 253, capture_l4);
    struct lr_test_ipv4 q = { .proto = 253 };
    len = frame(w, f, sizeof(f), &q);
    lr_test_rx(w, f, len);
    assert_int_equal(cap.pkts, 1);
    assert_int_equal(cap.proto[0], 253);
}

static void burst_dispatched_per_protocol(void **state)
{
    struct lr_worker *w = *state;
    uint8_t f[6][128];
    const void *frames[6];
    size_t lens[6];
    for (int i = 0; i < 6; i++) {
        struct lr_test_ipv4 p = { .proto = (i % 2) ? IPPROTO_TCP : IPPROTO_UDP };
        lens[i] = frame(w, f[i], sizeof(f[i]), &p);
        frames[i] = f[i];
    }
    lr_test_rx_burst(w, frames, lens, 6);
    assert_int_equal(cap.calls, 2); /* one call for TCP, one for UDP */
    assert_int_equal(cap.pkts, 6);
    assert_int_equal(cap.proto[0], IPPROTO_TCP);
    assert_int_equal(cap.proto[3], IPPROTO_UDP);
}

static void route_and_local(void **state)
{
    struct lr_worker *w = *state;
    rte_be32_t nh = 0;
    assert_int_equal(lr_ipv4_route(w, LR_TEST_PEER_IP, &nh), lr_test_port(w));
    assert_int_equal(nh, LR_TEST_PEER_IP);
    assert_int_equal(lr_ipv4_route(w, IP_FAR, &nh), -1);
    assert_true(lr_ipv4_is_local(w, LR_TEST_OUR_IP));
    assert_false(lr_ipv4_is_local(w, LR_TEST_PEER_IP));
    assert_false(lr_ipv4_is_local(w, 0));
}

static struct rte_mbuf *out_pkt(struct lr_worker *w, rte_be32_t dst, uint16_t payload)
{
    struct rte_mbuf *m = rte_pktmbuf_alloc(w->pool);
    assert_non_null(m);
    uint8_t *d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(20 + payload));
    assert_non_null(d);
    memset(d + 20, 0xab, payload);
    lr_ipv4_hdr_fill(w, (struct rte_ipv4_hdr *)d, (uint16_t)(20 + payload), 253, 0, dst);
    return m;
}

static void output_without_route_dropped(void **state)
{
    struct lr_worker *w = *state;
    lr_ipv4_output(w, out_pkt(w, IP_FAR, 8));
    assert_int_equal(w->stats.drops[LR_DROP_IP_NO_ROUTE], 1);
    assert_null(lr_test_tx_pop(w));
}

static void output_via_gateway(void **state)
{
    struct lr_config cfg;
    lr_test_config_default(&cfg);
    cfg.port[0].gateway = IP_GW;
    struct lr_worker *w = new_worker(state, &cfg);
    rte_be32_t nh = 0;

    assert_int_equal(lr_ipv4_route(w, IP_FAR, &nh), lr_test_port(w));
    assert_int_equal(nh, IP_GW);
    assert_int_equal(lr_ipv4_route(w, LR_TEST_PEER_IP, &nh), lr_test_port(w));
    assert_int_equal(nh, LR_TEST_PEER_IP);

    lr_ipv4_output(w, out_pkt(w, IP_FAR, 8));
    /* The gateway is resolved, not the destination. */
    struct rte_mbuf *m = lr_test_tx_pop(w);
    assert_non_null(m);
    const struct rte_arp_hdr *a = rte_pktmbuf_mtod_offset(m, const struct rte_arp_hdr *, 14);
    assert_int_equal(a->arp_data.arp_tip, IP_GW);
    rte_pktmbuf_free(m);

    uint8_t f[64];
    size_t len = lr_test_arp_frame(f, sizeof(f), RTE_ARP_OP_REPLY, lr_test_mac(w), &mac_gw, IP_GW,
                                   lr_test_mac(w), LR_TEST_OUR_IP);
    lr_test_rx(w, f, len);
    m = lr_test_tx_pop(w);
    assert_non_null(m);
    const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
    assert_memory_equal(&eh->dst_addr, &mac_gw, 6);
    const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eh + 1);
    assert_int_equal(ip->dst_addr, IP_FAR);
    assert_int_equal(ip->src_addr, LR_TEST_OUR_IP); /* filled in from the port */
    assert_int_equal(lr_test_inet_csum(ip, 20), 0);
    rte_pktmbuf_free(m);
    (void)zero_mac;
}

static void slash31_link_has_no_broadcast(void **state)
{
    /* RFC 3021: on a /31 both addresses are hosts; the "broadcast" is the peer. */
    struct lr_config cfg;
    lr_test_config_default(&cfg);
    cfg.port[0].addr = LR_TEST_IP(198, 18, 0, 2);
    cfg.port[0].prefix = 31;
    struct lr_worker *w = new_worker(state, &cfg);
    const rte_be32_t peer = LR_TEST_IP(198, 18, 0, 3);
    lr_ipv4_register(w, IPPROTO_UDP, capture_l4);

    uint8_t f[128];
    struct lr_test_ipv4 p = { .src = peer };
    size_t len = frame(w, f, sizeof(f), &p);
    lr_test_rx(w, f, len);
    assert_int_equal(cap.pkts, 1);
    assert_int_equal(w->stats.drops[LR_DROP_IP_BAD_SRC], 0);

    /* Sending to it resolves it like any neighbour (no Ethernet broadcast). */
    struct rte_mbuf *m = out_pkt(w, peer, 4);
    lr_ipv4_output(w, m);
    m = lr_test_tx_pop(w);
    assert_non_null(m);
    const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
    assert_int_equal(rte_be_to_cpu_16(eh->ether_type), RTE_ETHER_TYPE_ARP);
    rte_pktmbuf_free(m);
    uint8_t a[64];
    len = lr_test_arp_frame(a, sizeof(a), RTE_ARP_OP_REPLY, lr_test_mac(w), &mac_gw, peer,
                            lr_test_mac(w), cfg.port[0].addr);
    lr_test_rx(w, a, len);
    assert_int_equal(lr_test_tx_free_all(w), 1);
}

static void hdr_fill_fields(void **state)
{
    struct lr_worker *w = *state;
    struct rte_ipv4_hdr a, b;
    lr_ipv4_hdr_fill(w, &a, 100, IPPROTO_UDP, LR_TEST_OUR_IP, LR_TEST_PEER_IP);
    lr_ipv4_hdr_fill(w, &b, 100, IPPROTO_UDP, LR_TEST_OUR_IP, LR_TEST_PEER_IP);
    assert_int_equal(a.version_ihl, 0x45);
    assert_int_equal(rte_be_to_cpu_16(a.total_length), 100);
    assert_int_equal(rte_be_to_cpu_16(a.fragment_offset), RTE_IPV4_HDR_DF_FLAG);
    assert_int_equal(a.time_to_live, w->cfg->ip.ttl);
    assert_int_equal(a.next_proto_id, IPPROTO_UDP);
    assert_int_equal(a.src_addr, LR_TEST_OUR_IP);
    assert_int_equal(a.dst_addr, LR_TEST_PEER_IP);
    assert_int_equal(a.hdr_checksum, 0);
    assert_int_equal((uint16_t)(rte_be_to_cpu_16(a.packet_id) + 1), rte_be_to_cpu_16(b.packet_id));
}

static void output_checksum_and_too_big(void **state)
{
    struct lr_worker *w = *state;
    lr_test_learn_peer(w, LR_TEST_PEER_IP, &lr_test_peer_mac);
    uint16_t mtu = w->ports[lr_test_port(w)].mtu;

    lr_ipv4_output(w, out_pkt(w, LR_TEST_PEER_IP, (uint16_t)(mtu - 20)));
    struct rte_mbuf *m = lr_test_tx_pop(w);
    assert_non_null(m);
    assert_int_equal(m->pkt_len, 14 + mtu);
    const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, 14);
    assert_int_equal(lr_test_inet_csum(ip, 20), 0);
    assert_int_not_equal(ip->hdr_checksum, 0);
    rte_pktmbuf_free(m);
    assert_int_equal(w->stats.proto[LR_PROTO_IP].tx_pkts, 1);

    lr_ipv4_output(w, out_pkt(w, LR_TEST_PEER_IP, (uint16_t)(mtu - 19)));
    assert_int_equal(w->stats.drops[LR_DROP_IP_TOO_BIG], 1);
    assert_null(lr_test_tx_pop(w));
}

static struct rte_mbuf *udp_pkt(struct lr_worker *w, uint16_t len)
{
    struct rte_mbuf *m = rte_pktmbuf_alloc(w->pool);
    assert_non_null(m);
    uint8_t *d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(28 + len));
    lr_ipv4_hdr_fill(w, (struct rte_ipv4_hdr *)d, (uint16_t)(28 + len), IPPROTO_UDP, LR_TEST_OUR_IP,
                     LR_TEST_PEER_IP);
    struct rte_udp_hdr *u = (struct rte_udp_hdr *)(d + 20);
    u->src_port = rte_cpu_to_be_16(7);
    u->dst_port = rte_cpu_to_be_16(40000);
    u->dgram_len = rte_cpu_to_be_16((uint16_t)(8 + len));
    u->dgram_cksum = 0x5555; /* garbage: must be overwritten */
    for (uint16_t i = 0; i < len; i++)
        d[28 + i] = (uint8_t)(i * 7);
    return m;
}

/* Independent check: pseudo-header + UDP segment sums to 0xffff (RFC 768). */
static void check_udp_sum(const uint8_t *ip_bytes, uint16_t udp_len)
{
    uint8_t buf[2048];
    memcpy(buf, ip_bytes + 12, 8); /* src, dst */
    buf[8] = 0;
    buf[9] = IPPROTO_UDP;
    buf[10] = (uint8_t)(udp_len >> 8);
    buf[11] = (uint8_t)udp_len;
    memcpy(buf + 12, ip_bytes + 20, udp_len);
    assert_int_equal(lr_test_inet_csum(buf, 12u + udp_len), 0);
}

static void l4_checksum_software_and_offload(void **state)
{
    struct lr_worker *w = *state;
    uint16_t port = lr_test_port(w);

    struct rte_mbuf *m = udp_pkt(w, 33);
    lr_ipv4_l4_cksum(w, m, port, 6);
    check_udp_sum(rte_pktmbuf_mtod(m, uint8_t *), 8 + 33);
    assert_int_equal(m->ol_flags & RTE_MBUF_F_TX_L4_MASK, 0);
    rte_pktmbuf_free(m);

    /* With the port's UDP and IPv4 checksum offloads: pseudo-header sum left in place. */
    struct lr_port *p = (struct lr_port *)(uintptr_t)&w->ports[port];
    p->tx_offloads = RTE_ETH_TX_OFFLOAD_UDP_CKSUM | RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
    m = udp_pkt(w, 33);
    lr_ipv4_l4_cksum(w, m, port, 6);
    struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
    struct rte_udp_hdr *u = (struct rte_udp_hdr *)(ip + 1);
    assert_true(m->ol_flags & RTE_MBUF_F_TX_UDP_CKSUM);
    assert_true(m->ol_flags & RTE_MBUF_F_TX_IPV4);
    assert_int_equal(m->l3_len, 20);
    assert_int_equal(m->l2_len, 14);
    uint16_t expect = rte_ipv4_phdr_cksum(ip, m->ol_flags);
    assert_int_equal(u->dgram_cksum, expect);

    lr_test_learn_peer(w, LR_TEST_PEER_IP, &lr_test_peer_mac);
    lr_ipv4_output(w, m);
    m = lr_test_tx_pop(w);
    assert_non_null(m);
    ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14);
    assert_int_equal(ip->hdr_checksum, 0); /* left to the NIC */
    assert_true(m->ol_flags & RTE_MBUF_F_TX_IP_CKSUM);
    assert_int_equal(m->l3_len, 20);
    rte_pktmbuf_free(m);
    p->tx_offloads = 0;
}

static void l4_checksum_chained_mbuf(void **state)
{
    struct lr_worker *w = *state;
    struct rte_mbuf *m = udp_pkt(w, 10);
    struct rte_mbuf *seg = rte_pktmbuf_alloc(w->pool);
    assert_non_null(seg);
    uint8_t *d = (uint8_t *)rte_pktmbuf_append(seg, 101);
    for (int i = 0; i < 101; i++)
        d[i] = (uint8_t)(0xf0 ^ i);
    assert_int_equal(rte_pktmbuf_chain(m, seg), 0);
    struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
    ip->total_length = rte_cpu_to_be_16(28 + 10 + 101);
    struct rte_udp_hdr *u = (struct rte_udp_hdr *)(ip + 1);
    u->dgram_len = rte_cpu_to_be_16(8 + 10 + 101);
    lr_ipv4_l4_cksum(w, m, lr_test_port(w), 6);

    uint8_t flat[256];
    const uint8_t *all = rte_pktmbuf_read(m, 0, m->pkt_len, flat);
    check_udp_sum(all, 8 + 10 + 101);
    rte_pktmbuf_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(valid_delivered, setup, lr_test_teardown),
        cmocka_unit_test_setup_teardown(padding_trimmed, setup, lr_test_teardown),
        cmocka_unit_test_setup_teardown(options_accepted, setup, lr_test_teardown),
        cmocka_unit_test_setup_teardown(truncated_dropped, setup, lr_test_teardown),
        cmocka_unit_test_setup_teardown(bad_version_dropped, setup, lr_test_teardown),
        cmocka_unit_test_setup_teardown(bad_ihl_dropped, setup, lr_test_teardown),
        cmocka_unit_test_setup_teardown(bad_total_length_dropped, setup, lr_test_teardown),
        cmocka_unit_test_setup_teardown(bad_checksum_dropped, setup, lr_test_teardown),
        cmocka_unit_test_setup_teardown(rx_checksum_offload_flags_honoured, setup,
                                        lr_test_teardown),
        cmocka_unit_test_setup_teardown(ttl_zero_dropped, setup, lr_test_teardown),
        cmocka_unit_test_setup_teardown(bad_sources_dropped, setup, lr_test_teardown),
        cmocka_unit_test_setup_teardown(not_for_us_dropped, setup, lr_test_teardown),
        cmocka_unit_test_setup_teardown(udp_broadcast_accepted, setup, lr_test_teardown),
        cmocka_unit_test_setup_teardown(fragments_dropped, setup, lr_test_teardown),
        cmocka_unit_test_setup_teardown(unknown_protocol_gets_protocol_unreachable, setup,
                                        lr_test_teardown),
        cmocka_unit_test_setup_teardown(unregistered_protocol_is_unknown, setup, lr_test_teardown),
        cmocka_unit_test_setup_teardown(burst_dispatched_per_protocol, setup, lr_test_teardown),
        cmocka_unit_test_setup_teardown(route_and_local, setup, lr_test_teardown),
        cmocka_unit_test_setup_teardown(output_without_route_dropped, setup, lr_test_teardown),
        cmocka_unit_test_teardown(output_via_gateway, lr_test_teardown),
        cmocka_unit_test_teardown(slash31_link_has_no_broadcast, lr_test_teardown),
        cmocka_unit_test_setup_teardown(hdr_fill_fields, setup, lr_test_teardown),
        cmocka_unit_test_setup_teardown(output_checksum_and_too_big, setup, lr_test_teardown),
        cmocka_unit_test_setup_teardown(l4_checksum_software_and_offload, setup, lr_test_teardown),
        cmocka_unit_test_setup_teardown(l4_checksum_chained_mbuf, setup, lr_test_teardown),
    };
    return cmocka_run_group_tests(tests, lr_test_group_setup, NULL);
}
