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
    };
    return cmocka_run_group_tests(tests, lr_test_group_setup, NULL);
}
