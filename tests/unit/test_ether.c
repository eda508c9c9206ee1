/* SPDX-License-Identifier: BSD-3-Clause */
/* Ethernet input classification and output (lr_ether.c) through the fixture. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <rte_arp.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "lr_net.h"
#include "lr_pkt.h"
#include "lr_test.h"

static const struct rte_ether_addr bcast = { .addr_bytes = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
static const struct rte_ether_addr zero_mac;
static const struct rte_ether_addr other_mac = { .addr_bytes = { 0x02, 0, 0, 0, 0, 0x99 } };
static const struct rte_ether_addr mcast_mac = { .addr_bytes = { 0x01, 0x00, 0x5e, 0, 0, 1 } };

/* Captures what IPv4 input hands to a registered L4 protocol. */
static struct {
    unsigned calls;
    unsigned pkts;
    uint16_t l2_len[LR_BURST_MAX];
    uint16_t l3_len[LR_BURST_MAX];
    uint32_t pkt_len[LR_BURST_MAX];
    uint8_t first_byte[LR_BURST_MAX];
} cap;

static void capture_l4(struct lr_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
    (void)w;
    cap.calls++;
    for (uint16_t i = 0; i < n; i++) {
        if (cap.pkts < LR_BURST_MAX) {
            cap.l2_len[cap.pkts] = pkts[i]->l2_len;
            cap.l3_len[cap.pkts] = pkts[i]->l3_len;
            cap.pkt_len[cap.pkts] = pkts[i]->pkt_len;
            cap.first_byte[cap.pkts] = *rte_pktmbuf_mtod(pkts[i], uint8_t *);
        }
        cap.pkts++;
        rte_pktmbuf_free(pkts[i]);
    }
}

static int setup(void **state)
{
    memset(&cap, 0, sizeof(cap));
    return lr_test_setup(state);
}

static size_t udp_frame(struct lr_worker *w, uint8_t *buf, size_t cap_len, uint16_t vlan,
                        size_t pad)
{
    static const uint8_t payload[12] = { 0x12, 0x34, 0x00, 0x07, 0x00, 0x0c,
                                         0,    0,    'h',  'i',  '!',  '\n' };
    struct lr_test_ipv4 p = {
        .proto = IPPROTO_UDP,
        .payload = payload,
        .payload_len = sizeof(payload),
        .vlan_tci = vlan,
        .pad = pad,
    };
    return lr_test_ipv4_frame(w, buf, cap_len, &p);
}

static void runt_dropped(void **state)
{
    struct lr_worker *w = *state;
    uint8_t f[13] = { 0 };
    lr_test_rx(w, f, sizeof(f));
    assert_int_equal(w->stats.drops[LR_DROP_ETH_RUNT], 1);
    assert_int_equal(w->stats.port[lr_test_port(w)].rx_pkts, 1);
    assert_int_equal(w->stats.port[lr_test_port(w)].rx_bytes, 13);
    assert_null(lr_test_tx_pop(w));
}

static void unicast_for_other_host_dropped(void **state)
{
    struct lr_worker *w = *state;
    uint8_t f[128];
    lr_ipv4_register(w, IPPROTO_UDP, capture_l4);
    size_t len = udp_frame(w, f, sizeof(f), 0, 0);
    memcpy(f, &other_mac, 6);
    lr_test_rx(w, f, len);
    assert_int_equal(w->stats.drops[LR_DROP_ETH_NOT_US], 1);
    assert_int_equal(cap.pkts, 0);
}

static void multicast_ignored(void **state)
{
    struct lr_worker *w = *state;
    uint8_t f[128];
    lr_ipv4_register(w, IPPROTO_UDP, capture_l4);
    size_t len = udp_frame(w, f, sizeof(f), 0, 0);
    memcpy(f, &mcast_mac, 6);
    lr_test_rx(w, f, len);
    assert_int_equal(w->stats.drops[LR_DROP_ETH_NOT_US], 1);
    assert_int_equal(cap.pkts, 0);
}

static void unknown_ethertype_dropped(void **state)
{
    struct lr_worker *w = *state;
    uint8_t f[80];
    memset(f, 0, sizeof(f));
    size_t l2 =
        lr_test_eth_hdr(f, sizeof(f), lr_test_mac(w), &lr_test_peer_mac, RTE_ETHER_TYPE_IPV6, 0);
    lr_test_rx(w, f, l2 + 40);
    assert_int_equal(w->stats.drops[LR_DROP_ETH_TYPE], 1);
}

static void broadcast_arp_accepted(void **state)
{
    struct lr_worker *w = *state;
    uint8_t f[64];
    size_t len = lr_test_arp_frame(f, sizeof(f), RTE_ARP_OP_REQUEST, &bcast, &lr_test_peer_mac,
                                   LR_TEST_PEER_IP, &zero_mac, LR_TEST_OUR_IP);
    lr_test_rx(w, f, len);
    struct rte_mbuf *m = lr_test_tx_pop(w);
    assert_non_null(m);
    struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
    assert_int_equal(rte_be_to_cpu_16(eh->ether_type), RTE_ETHER_TYPE_ARP);
    rte_pktmbuf_free(m);
    assert_int_equal(lr_stats_total_drops(&w->stats), 0);
}

static void ipv4_delivered_with_l2_len_and_padding_trimmed(void **state)
{
    struct lr_worker *w = *state;
    uint8_t f[128];
    lr_ipv4_register(w, IPPROTO_UDP, capture_l4);
    size_t len = udp_frame(w, f, sizeof(f), 0, 60 - 14 - 32); /* padded to the 60-byte minimum */
    assert_int_equal(len, 60);
    lr_test_rx(w, f, len);
    assert_int_equal(cap.pkts, 1);
    assert_int_equal(cap.l2_len[0], 14);
    assert_int_equal(cap.l3_len[0], 20);
    assert_int_equal(cap.pkt_len[0], 32); /* 20 IP + 12 UDP: padding trimmed */
    assert_int_equal(cap.first_byte[0], 0x45);
    assert_int_equal(w->stats.proto[LR_PROTO_ETH].rx_pkts, 1);
    assert_int_equal(lr_stats_total_drops(&w->stats), 0);
}

static void vlan_tag_tolerated(void **state)
{
    struct lr_worker *w = *state;
    uint8_t f[128];
    lr_ipv4_register(w, IPPROTO_UDP, capture_l4);
    size_t len = udp_frame(w, f, sizeof(f), 42, 10);
    lr_test_rx(w, f, len);
    assert_int_equal(cap.pkts, 1);
    assert_int_equal(cap.l2_len[0], 18);
    assert_int_equal(cap.pkt_len[0], 32);
    assert_int_equal(cap.first_byte[0], 0x45);

    /* ARP behind a tag is answered too. */
    size_t l2 = lr_test_eth_hdr(f, sizeof(f), &bcast, &lr_test_peer_mac, RTE_ETHER_TYPE_ARP, 42);
    uint8_t arp[64];
    size_t alen = lr_test_arp_frame(arp, sizeof(arp), RTE_ARP_OP_REQUEST, &bcast, &lr_test_peer_mac,
                                    LR_TEST_PEER_IP, &zero_mac, LR_TEST_OUR_IP);
    memcpy(f + l2, arp + 14, alen - 14);
    lr_test_rx(w, f, l2 + alen - 14);
    assert_int_equal(w->stats.arp.tx_replies, 1);
    assert_int_equal(lr_test_tx_free_all(w), 1);
    assert_int_equal(lr_stats_total_drops(&w->stats), 0);
}

static void vlan_truncated_or_stacked_dropped(void **state)
{
    struct lr_worker *w = *state;
    uint8_t f[128];
    size_t l2 =
        lr_test_eth_hdr(f, sizeof(f), lr_test_mac(w), &lr_test_peer_mac, RTE_ETHER_TYPE_IPV4, 7);
    lr_test_rx(w, f, 16); /* tag cut short */
    assert_int_equal(w->stats.drops[LR_DROP_ETH_VLAN], 1);

    l2 = lr_test_eth_hdr(f, sizeof(f), lr_test_mac(w), &lr_test_peer_mac, RTE_ETHER_TYPE_VLAN, 7);
    memset(f + l2, 0, 40);
    lr_test_rx(w, f, l2 + 40); /* a second tag inside the first */
    assert_int_equal(w->stats.drops[LR_DROP_ETH_VLAN], 2);
}

static void burst_dispatched_once_per_protocol(void **state)
{
    struct lr_worker *w = *state;
    uint8_t f[5][128];
    const void *frames[5];
    size_t lens[5];
    lr_ipv4_register(w, IPPROTO_UDP, capture_l4);
    for (int i = 0; i < 5; i++) {
        lens[i] = udp_frame(w, f[i], sizeof(f[i]), 0, 0);
        frames[i] = f[i];
    }
    memcpy(f[2], &other_mac, 6); /* one not for us in the middle */
    lr_test_rx_burst(w, frames, lens, 5);
    assert_int_equal(cap.calls, 1);
    assert_int_equal(cap.pkts, 4);
    assert_int_equal(w->stats.drops[LR_DROP_ETH_NOT_US], 1);
    assert_int_equal(w->stats.port[lr_test_port(w)].rx_bursts, 1);
    assert_int_equal(w->stats.port[lr_test_port(w)].rx_pkts, 5);
}

static void eth_output_frame(void **state)
{
    struct lr_worker *w = *state;
    struct rte_mbuf *m = rte_pktmbuf_alloc(w->pool);
    assert_non_null(m);
    memcpy(rte_pktmbuf_append(m, 4), "abcd", 4);
    lr_eth_output(w, lr_test_port(w), m, &lr_test_peer_mac, 0x1234);
    assert_int_equal(w->stats.proto[LR_PROTO_ETH].tx_pkts, 1);
    struct rte_mbuf *o = lr_test_tx_pop(w);
    assert_non_null(o);
    assert_int_equal(o->pkt_len, 18);
    const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(o, const struct rte_ether_hdr *);
    assert_memory_equal(&eh->dst_addr, &lr_test_peer_mac, 6);
    assert_memory_equal(&eh->src_addr, lr_test_mac(w), 6);
    assert_int_equal(rte_be_to_cpu_16(eh->ether_type), 0x1234);
    assert_memory_equal(eh + 1, "abcd", 4);
    rte_pktmbuf_free(o);
    assert_int_equal(w->stats.port[lr_test_port(w)].tx_pkts, 1);
}

/* xorshift32: a fixed seed so a failure reproduces. */
static uint32_t rnd_state = 0x2545f491u;
static uint32_t rnd(void)
{
    uint32_t x = rnd_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return rnd_state = x;
}

/*
 * Robustness: mutated versions of valid frames of every kind the layer
 * handles must never crash, leak or hang; whatever is not dropped produces
 * bounded output. (The checksum is repaired half of the time so the
 * mutations reach the layers behind the IPv4 header check.)
 */
static void mutated_frames_never_crash_or_leak(void **state)
{
    struct lr_worker *w = *state;
    static uint8_t base[8][1600];
    size_t blen[8];
    uint8_t tmp[1600];

    lr_test_learn_peer(w, LR_TEST_PEER_IP, &lr_test_peer_mac);
    blen[0] = lr_test_arp_frame(base[0], sizeof(base[0]), RTE_ARP_OP_REQUEST, &bcast,
                                &lr_test_peer_mac, LR_TEST_PEER_IP, &zero_mac, LR_TEST_OUR_IP);
    blen[1] =
        lr_test_arp_frame(base[1], sizeof(base[1]), RTE_ARP_OP_REPLY, lr_test_mac(w), &other_mac,
                          LR_TEST_IP(198, 18, 0, 50), lr_test_mac(w), LR_TEST_OUR_IP);
    blen[2] = lr_test_icmp_echo_frame(w, base[2], sizeof(base[2]), 8, LR_TEST_PEER_IP,
                                      LR_TEST_OUR_IP, 1, 2, NULL, 56);
    blen[3] = lr_test_icmp_echo_frame(w, base[3], sizeof(base[3]), 8, LR_TEST_PEER_IP,
                                      LR_TEST_OUR_IP, 1, 2, NULL, 1472);
    blen[4] = udp_frame(w, base[4], sizeof(base[4]), 0, 0);
    blen[5] = udp_frame(w, base[5], sizeof(base[5]), 99, 6);
    static const uint8_t opts[8] = { 7, 7, 4, 0, 0, 0, 0, 0 }; /* record route */
    struct lr_test_ipv4 p = { .proto = 1, .options = opts, .options_len = 8 };
    uint8_t icmp_err[8 + 28] = { 3, 3 };
    lr_ipv4_hdr_fill(w, (struct rte_ipv4_hdr *)(icmp_err + 8), 60, IPPROTO_UDP, LR_TEST_OUR_IP,
                     LR_TEST_PEER_IP);
    p.payload = icmp_err;
    p.payload_len = sizeof(icmp_err);
    blen[6] = lr_test_ipv4_frame(w, base[6], sizeof(base[6]), &p);
    struct lr_test_ipv4 q = {
        .proto = 6, .frag = RTE_IPV4_HDR_MF_FLAG, .payload = icmp_err, .payload_len = 20
    };
    blen[7] = lr_test_ipv4_frame(w, base[7], sizeof(base[7]), &q);
    for (int i = 0; i < 8; i++)
        assert_int_not_equal(blen[i], 0);

    unsigned out = 0;
    for (unsigned it = 0; it < 20000; it++) {
        unsigned b = rnd() % 8;
        size_t len = blen[b];
        memcpy(tmp, base[b], len);
        unsigned flips = 1 + rnd() % 4;
        for (unsigned k = 0; k < flips; k++) {
            size_t at = rnd() % (len < 80 ? len : 80);
            tmp[at] ^= (uint8_t)(1u << (rnd() % 8));
            if (rnd() % 4 == 0)
                tmp[at] = (uint8_t)rnd();
        }
        if (rnd() % 5 == 0)
            len = rnd() % (len + 1);
        if (rnd() % 2 && len >= 14 + 20)
            lr_test_ip_csum_fix(tmp);
        if (len > 0)
            lr_test_rx(w, tmp, len);
        if (it % 64 == 63) {
            out += lr_test_tx_free_all(w);
            lr_test_advance(w, rnd() % 300000);
        }
    }
    /* Let every pending resolution give up, then everything must be back. */
    for (int i = 0; i < 6; i++)
        lr_test_advance(w, w->cfg->arp.retry + 1000);
    out += lr_test_tx_free_all(w);
    assert_true(out > 0);
    assert_true(w->stats.icmp.echo_replies > 0);
    assert_true(lr_stats_total_drops(&w->stats) > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(runt_dropped, setup, lr_test_teardown),
        cmocka_unit_test_setup_teardown(unicast_for_other_host_dropped, setup, lr_test_teardown),
        cmocka_unit_test_setup_teardown(multicast_ignored, setup, lr_test_teardown),
        cmocka_unit_test_setup_teardown(unknown_ethertype_dropped, setup, lr_test_teardown),
        cmocka_unit_test_setup_teardown(broadcast_arp_accepted, setup, lr_test_teardown),
        cmocka_unit_test_setup_teardown(ipv4_delivered_with_l2_len_and_padding_trimmed, setup,
                                        lr_test_teardown),
        cmocka_unit_test_setup_teardown(vlan_tag_tolerated, setup, lr_test_teardown),
        cmocka_unit_test_setup_teardown(vlan_truncated_or_stacked_dropped, setup, lr_test_teardown),
        cmocka_unit_test_setup_teardown(burst_dispatched_once_per_protocol, setup,
                                        lr_test_teardown),
        cmocka_unit_test_setup_teardown(eth_output_frame, setup, lr_test_teardown),
        cmocka_unit_test_setup_teardown(mutated_frames_never_crash_or_leak, setup,
                                        lr_test_teardown),
    };
    return cmocka_run_group_tests(tests, lr_test_group_setup, NULL);
}
