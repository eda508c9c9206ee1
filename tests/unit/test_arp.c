/* SPDX-License-Identifier: BSD-3-Clause */
/* ARP (lr_arp.c): replies, learning, resolution, pending queue, aging, guard. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <rte_arp.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "lr_net.h"
#include "lr_pkt.h"
#include "lr_test.h"

#define SEC 1000000ull

static const struct rte_ether_addr bcast = { .addr_bytes = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
static const struct rte_ether_addr zero_mac;
static const struct rte_ether_addr mac_a = { .addr_bytes = { 0x02, 0, 0, 0, 0, 0x0a } };
static const struct rte_ether_addr mac_b = { .addr_bytes = { 0x02, 0, 0, 0, 0, 0x0b } };
static const struct rte_ether_addr mac_mc = { .addr_bytes = { 0x01, 0, 0x5e, 0, 0, 0x0b } };

#define IP_X LR_TEST_IP(198, 18, 0, 7)
#define IP_Y LR_TEST_IP(198, 18, 0, 8)
#define IP_Z LR_TEST_IP(198, 18, 0, 9)

static struct lr_worker *new_worker(void **state, const struct lr_config *cfg)
{
    struct lr_worker *w = lr_test_worker_new(cfg);
    assert_non_null(w);
    lr_test_set_baseline(w);
    *state = w;
    return w;
}

/* An ARP frame from @sha/@sip into the stack. */
static void rx_arp(struct lr_worker *w, uint16_t op, const struct rte_ether_addr *sha,
                   rte_be32_t sip, const struct rte_ether_addr *tha, rte_be32_t tip)
{
    uint8_t f[64];
    const struct rte_ether_addr *dst = op == RTE_ARP_OP_REQUEST ? &bcast : lr_test_mac(w);
    size_t len = lr_test_arp_frame(f, sizeof(f), op, dst, sha, sip, tha, tip);
    assert_int_not_equal(len, 0);
    lr_test_rx(w, f, len);
}

/* Send an IPv4 packet to @dst whose 4-byte payload is @tag. */
static void tx_ip(struct lr_worker *w, rte_be32_t dst, uint32_t tag)
{
    struct rte_mbuf *m = rte_pktmbuf_alloc(w->pool);
    assert_non_null(m);
    uint8_t *d = (uint8_t *)rte_pktmbuf_append(m, 24);
    assert_non_null(d);
    lr_ipv4_hdr_fill(w, (struct rte_ipv4_hdr *)d, 24, 253, LR_TEST_OUR_IP, dst);
    memcpy(d + 20, &tag, 4);
    lr_ipv4_output(w, m);
}

/* Assert @m is an ARP frame with these fields; frees it. */
static void expect_arp(struct rte_mbuf *m, const struct rte_ether_addr *eth_dst,
                       const struct rte_ether_addr *eth_src, uint16_t op,
                       const struct rte_ether_addr *sha, rte_be32_t sip,
                       const struct rte_ether_addr *tha, rte_be32_t tip)
{
    assert_non_null(m);
    assert_true(m->pkt_len >= 42);
    const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
    assert_memory_equal(&eh->dst_addr, eth_dst, 6);
    assert_memory_equal(&eh->src_addr, eth_src, 6);
    assert_int_equal(rte_be_to_cpu_16(eh->ether_type), RTE_ETHER_TYPE_ARP);
    const struct rte_arp_hdr *a = (const struct rte_arp_hdr *)(eh + 1);
    assert_int_equal(rte_be_to_cpu_16(a->arp_hardware), RTE_ARP_HRD_ETHER);
    assert_int_equal(rte_be_to_cpu_16(a->arp_protocol), RTE_ETHER_TYPE_IPV4);
    assert_int_equal(a->arp_hlen, 6);
    assert_int_equal(a->arp_plen, 4);
    assert_int_equal(rte_be_to_cpu_16(a->arp_opcode), op);
    assert_memory_equal(&a->arp_data.arp_sha, sha, 6);
    assert_int_equal(a->arp_data.arp_sip, sip);
    assert_memory_equal(&a->arp_data.arp_tha, tha, 6);
    assert_int_equal(a->arp_data.arp_tip, tip);
    rte_pktmbuf_free(m);
}

/* Assert @m is our IPv4 packet to @mac carrying @tag; frees it. */
static void expect_ip(struct rte_mbuf *m, const struct rte_ether_addr *mac, uint32_t tag)
{
    assert_non_null(m);
    const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
    assert_memory_equal(&eh->dst_addr, mac, 6);
    assert_int_equal(rte_be_to_cpu_16(eh->ether_type), RTE_ETHER_TYPE_IPV4);
    uint32_t got;
    memcpy(&got, rte_pktmbuf_mtod_offset(m, uint8_t *, 14 + 20), 4);
    assert_int_equal(got, tag);
    rte_pktmbuf_free(m);
}

static void request_for_us_answered_and_learned(void **state)
{
    struct lr_worker *w = *state;
    rx_arp(w, RTE_ARP_OP_REQUEST, &mac_a, IP_X, &zero_mac, LR_TEST_OUR_IP);
    expect_arp(lr_test_tx_pop(w), &mac_a, lr_test_mac(w), RTE_ARP_OP_REPLY, lr_test_mac(w),
               LR_TEST_OUR_IP, &mac_a, IP_X);
    assert_null(lr_test_tx_pop(w));
    struct rte_ether_addr mac;
    assert_int_equal(lr_arp_lookup(w, lr_test_port(w), IP_X, &mac), 0);
    assert_memory_equal(&mac, &mac_a, 6);
    assert_int_equal(w->stats.arp.rx_requests, 1);
    assert_int_equal(w->stats.arp.tx_replies, 1);
    assert_int_equal(lr_stats_total_drops(&w->stats), 0);
    /* Learned means no request when we send to it. */
    tx_ip(w, IP_X, 77);
    expect_ip(lr_test_tx_pop(w), &mac_a, 77);
}

static void padded_request_reply_is_exact(void **state)
{
    struct lr_worker *w = *state;
    uint8_t f[64] = { 0 };
    size_t len = lr_test_arp_frame(f, sizeof(f), RTE_ARP_OP_REQUEST, &bcast, &mac_a, IP_X,
                                   &zero_mac, LR_TEST_OUR_IP);
    memset(f + len, 0xee, 60 - len); /* Ethernet padding */
    lr_test_rx(w, f, 60);
    struct rte_mbuf *m = lr_test_tx_pop(w);
    assert_non_null(m);
    assert_int_equal(m->pkt_len, 42);
    expect_arp(m, &mac_a, lr_test_mac(w), RTE_ARP_OP_REPLY, lr_test_mac(w), LR_TEST_OUR_IP, &mac_a,
               IP_X);
}

static void request_not_for_us_dropped(void **state)
{
    struct lr_worker *w = *state;
    rx_arp(w, RTE_ARP_OP_REQUEST, &mac_a, IP_X, &zero_mac, IP_Y);
    assert_int_equal(w->stats.drops[LR_DROP_ARP_NOT_US], 1);
    assert_null(lr_test_tx_pop(w));
    assert_int_not_equal(lr_arp_lookup(w, lr_test_port(w), IP_X, NULL), 0);
}

static void malformed_dropped(void **state)
{
    struct lr_worker *w = *state;
    uint8_t f[64];
    size_t len = lr_test_arp_frame(f, sizeof(f), RTE_ARP_OP_REQUEST, &bcast, &mac_a, IP_X,
                                   &zero_mac, LR_TEST_OUR_IP);
    struct rte_arp_hdr *a = (struct rte_arp_hdr *)(f + 14);

    lr_test_rx(w, f, len - 1); /* truncated */
    assert_int_equal(w->stats.drops[LR_DROP_ARP_MALFORMED], 1);

    a->arp_hardware = rte_cpu_to_be_16(6);
    lr_test_rx(w, f, len);
    assert_int_equal(w->stats.drops[LR_DROP_ARP_MALFORMED], 2);
    a->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);

    a->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
    lr_test_rx(w, f, len);
    assert_int_equal(w->stats.drops[LR_DROP_ARP_MALFORMED], 3);
    a->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);

    a->arp_hlen = 8;
    lr_test_rx(w, f, len);
    assert_int_equal(w->stats.drops[LR_DROP_ARP_MALFORMED], 4);
    a->arp_hlen = 6;

    a->arp_plen = 16;
    lr_test_rx(w, f, len);
    assert_int_equal(w->stats.drops[LR_DROP_ARP_MALFORMED], 5);
    a->arp_plen = 4;

    lr_test_rx(w, f, 14); /* no ARP header at all */
    assert_int_equal(w->stats.drops[LR_DROP_ARP_MALFORMED], 6);

    assert_null(lr_test_tx_pop(w));
    lr_test_rx(w, f, len); /* the repaired frame is fine */
    assert_int_equal(lr_test_tx_free_all(w), 1);
}

static void unknown_op_dropped(void **state)
{
    struct lr_worker *w = *state;
    rx_arp(w, 3 /* RARP request */, &mac_a, IP_X, &zero_mac, LR_TEST_OUR_IP);
    assert_int_equal(w->stats.drops[LR_DROP_ARP_OP], 1);
    assert_null(lr_test_tx_pop(w));
}

static void bad_senders_dropped(void **state)
{
    struct lr_worker *w = *state;
    uint64_t *bad = &w->stats.drops[LR_DROP_ARP_BAD_SENDER];

    rx_arp(w, RTE_ARP_OP_REQUEST, &mac_a, RTE_BE32(0xffffffff), &zero_mac, LR_TEST_OUR_IP);
    assert_int_equal(*bad, 1);
    rx_arp(w, RTE_ARP_OP_REQUEST, &mac_a, LR_TEST_BCAST_IP, &zero_mac, LR_TEST_OUR_IP);
    assert_int_equal(*bad, 2);
    rx_arp(w, RTE_ARP_OP_REQUEST, &mac_a, LR_TEST_IP(224, 0, 0, 1), &zero_mac, LR_TEST_OUR_IP);
    assert_int_equal(*bad, 3);
    /* Someone else claiming our address (RFC 5227 §2.4 conflict). */
    rx_arp(w, RTE_ARP_OP_REQUEST, &mac_a, LR_TEST_OUR_IP, &zero_mac, LR_TEST_OUR_IP);
    assert_int_equal(*bad, 4);
    /* Multicast, broadcast or null hardware sender (RFC 1812 §3.3.2). */
    rx_arp(w, RTE_ARP_OP_REQUEST, &mac_mc, IP_X, &zero_mac, LR_TEST_OUR_IP);
    assert_int_equal(*bad, 5);
    rx_arp(w, RTE_ARP_OP_REQUEST, &bcast, IP_X, &zero_mac, LR_TEST_OUR_IP);
    assert_int_equal(*bad, 6);
    rx_arp(w, RTE_ARP_OP_REQUEST, &zero_mac, IP_X, &zero_mac, LR_TEST_OUR_IP);
    assert_int_equal(*bad, 7);
    /* A reply from 0.0.0.0 is nonsense. */
    rx_arp(w, RTE_ARP_OP_REPLY, &mac_a, 0, lr_test_mac(w), LR_TEST_OUR_IP);
    assert_int_equal(*bad, 8);
    assert_null(lr_test_tx_pop(w));
    assert_int_not_equal(lr_arp_lookup(w, lr_test_port(w), IP_X, NULL), 0);
    assert_int_equal(lr_stats_total_drops(&w->stats), 8);
}

static void probe_answered_without_learning(void **state)
{
    struct lr_worker *w = *state;
    /* RFC 5227 §2.1.1 probe: sender IP 0 */
    rx_arp(w, RTE_ARP_OP_REQUEST, &mac_a, 0, &zero_mac, LR_TEST_OUR_IP);
    expect_arp(lr_test_tx_pop(w), &mac_a, lr_test_mac(w), RTE_ARP_OP_REPLY, lr_test_mac(w),
               LR_TEST_OUR_IP, &mac_a, 0);
    assert_int_equal(lr_stats_total_drops(&w->stats), 0);
    /* A probe for someone else is not ours to answer. */
    rx_arp(w, RTE_ARP_OP_REQUEST, &mac_a, 0, &zero_mac, IP_Y);
    assert_int_equal(w->stats.drops[LR_DROP_ARP_NOT_US], 1);
    assert_null(lr_test_tx_pop(w));
}

static void resolution_parks_bounded_and_flushes_in_order(void **state)
{
    struct lr_worker *w = *state;
    uint32_t pmax = w->cfg->arp.pending_max;
    assert_true(pmax >= 2);

    for (uint32_t i = 0; i < pmax + 3; i++)
        tx_ip(w, IP_X, 1000 + i);
    /* One request only, however many packets wait. */
    expect_arp(lr_test_tx_pop(w), &bcast, lr_test_mac(w), RTE_ARP_OP_REQUEST, lr_test_mac(w),
               LR_TEST_OUR_IP, &zero_mac, IP_X);
    assert_null(lr_test_tx_pop(w));
    assert_int_equal(w->stats.arp.tx_requests, 1);
    assert_int_equal(w->stats.arp.queued, pmax);
    assert_int_equal(w->stats.drops[LR_DROP_ARP_PENDING_FULL], 3);
    assert_int_equal(lr_test_pool_in_use(w), pmax);

    rx_arp(w, RTE_ARP_OP_REPLY, &mac_a, IP_X, lr_test_mac(w), LR_TEST_OUR_IP);
    for (uint32_t i = 0; i < pmax; i++)
        expect_ip(lr_test_tx_pop(w), &mac_a, 1000 + i);
    assert_null(lr_test_tx_pop(w));
    assert_int_equal(w->stats.arp.resolved, 1);
    assert_int_equal(w->stats.arp.rx_replies, 1);
    /* Later packets go straight out. */
    tx_ip(w, IP_X, 5);
    expect_ip(lr_test_tx_pop(w), &mac_a, 5);
}

static void request_from_pending_host_resolves(void **state)
{
    struct lr_worker *w = *state;
    tx_ip(w, IP_X, 1);
    assert_int_equal(lr_test_tx_free_all(w), 1); /* our request */
    /* It asks for us before answering: RFC 826 merge resolves the entry. */
    rx_arp(w, RTE_ARP_OP_REQUEST, &mac_a, IP_X, &zero_mac, LR_TEST_OUR_IP);
    expect_ip(lr_test_tx_pop(w), &mac_a, 1);
    expect_arp(lr_test_tx_pop(w), &mac_a, lr_test_mac(w), RTE_ARP_OP_REPLY, lr_test_mac(w),
               LR_TEST_OUR_IP, &mac_a, IP_X);
}

static void rerequest_interval_and_give_up(void **state)
{
    struct lr_worker *w = *state;
    const struct lr_arp_config *ac = &w->cfg->arp;
    assert_int_equal(ac->retries, 3);

    tx_ip(w, IP_X, 1);
    assert_int_equal(lr_test_tx_free_all(w), 1);
    /* More traffic within the interval does not ask again. */
    lr_test_advance(w, ac->retry / 2);
    tx_ip(w, IP_X, 2);
    assert_int_equal(lr_test_tx_free_all(w), 0);
    /* One retry interval after the first request: ask again. */
    lr_test_advance(w, ac->retry / 2 + 2000);
    expect_arp(lr_test_tx_pop(w), &bcast, lr_test_mac(w), RTE_ARP_OP_REQUEST, lr_test_mac(w),
               LR_TEST_OUR_IP, &zero_mac, IP_X);
    assert_null(lr_test_tx_pop(w));
    lr_test_advance(w, ac->retry);
    assert_int_equal(lr_test_tx_free_all(w), 1);
    assert_int_equal(w->stats.arp.tx_requests, 3);
    assert_int_equal(lr_test_pool_in_use(w), 2);
    /* The third request went unanswered: give up, drop the parked packets. */
    lr_test_advance(w, ac->retry);
    assert_int_equal(lr_test_tx_free_all(w), 0);
    assert_int_equal(w->stats.drops[LR_DROP_ARP_UNRESOLVED], 2);
    assert_int_equal(lr_test_pool_in_use(w), 0);
    assert_int_equal(w->stats.arp.tx_requests, 3);
    /* Nothing more happens later. */
    lr_test_advance(w, 10 * SEC);
    assert_int_equal(lr_test_tx_free_all(w), 0);
    /* A new packet starts a new resolution. */
    tx_ip(w, IP_X, 3);
    assert_int_equal(lr_test_tx_free_all(w), 1);
    rx_arp(w, RTE_ARP_OP_REPLY, &mac_a, IP_X, lr_test_mac(w), LR_TEST_OUR_IP);
    expect_ip(lr_test_tx_pop(w), &mac_a, 3);
}

static void entries_age_out(void **state)
{
    struct lr_worker *w = *state;
    uint64_t timeout = w->cfg->arp.timeout;
    rx_arp(w, RTE_ARP_OP_REQUEST, &mac_a, IP_X, &zero_mac, LR_TEST_OUR_IP);
    lr_test_tx_free_all(w);
    lr_test_advance(w, timeout / 2);
    /* A confirmation refreshes the age. */
    rx_arp(w, RTE_ARP_OP_REQUEST, &mac_a, IP_X, &zero_mac, LR_TEST_OUR_IP);
    lr_test_tx_free_all(w);
    lr_test_advance(w, timeout - 10000);
    assert_int_equal(lr_arp_lookup(w, lr_test_port(w), IP_X, NULL), 0);
    assert_int_equal(w->stats.arp.expired, 0);
    lr_test_advance(w, 20000);
    assert_int_not_equal(lr_arp_lookup(w, lr_test_port(w), IP_X, NULL), 0);
    assert_int_equal(w->stats.arp.expired, 1);
    /* Sending again needs a new resolution. */
    tx_ip(w, IP_X, 9);
    expect_arp(lr_test_tx_pop(w), &bcast, lr_test_mac(w), RTE_ARP_OP_REQUEST, lr_test_mac(w),
               LR_TEST_OUR_IP, &zero_mac, IP_X);
    rx_arp(w, RTE_ARP_OP_REPLY, &mac_a, IP_X, lr_test_mac(w), LR_TEST_OUR_IP);
    expect_ip(lr_test_tx_pop(w), &mac_a, 9);
}

static void static_entries_fixed(void **state)
{
    struct lr_config cfg;
    lr_test_config_default(&cfg);
    cfg.port[0].nb_static_arp = 1;
    cfg.port[0].static_arp[0].ip = IP_Z;
    cfg.port[0].static_arp[0].mac = mac_b;
    struct lr_worker *w = new_worker(state, &cfg);
    struct rte_ether_addr mac;

    assert_int_equal(lr_arp_lookup(w, lr_test_port(w), IP_Z, &mac), 0);
    assert_memory_equal(&mac, &mac_b, 6);
    tx_ip(w, IP_Z, 4);
    expect_ip(lr_test_tx_pop(w), &mac_b, 4);
    /* Neither a request to us nor a reply changes it, with or without the guard. */
    rx_arp(w, RTE_ARP_OP_REQUEST, &mac_a, IP_Z, &zero_mac, LR_TEST_OUR_IP);
    assert_int_equal(lr_test_tx_free_all(w), 1);
    rx_arp(w, RTE_ARP_OP_REPLY, &mac_a, IP_Z, lr_test_mac(w), LR_TEST_OUR_IP);
    assert_int_equal(lr_arp_lookup(w, lr_test_port(w), IP_Z, &mac), 0);
    assert_memory_equal(&mac, &mac_b, 6);
    /* Never expires. */
    lr_test_advance(w, cfg.arp.timeout * 3);
    assert_int_equal(lr_arp_lookup(w, lr_test_port(w), IP_Z, &mac), 0);
    assert_memory_equal(&mac, &mac_b, 6);
    assert_int_equal(w->stats.arp.expired, 0);
}

static void spoof_guard_blocks_unsolicited_replies(void **state)
{
    struct lr_worker *w = *state;
    struct rte_ether_addr mac;
    assert_true(w->cfg->arp.spoof_guard);

    lr_test_learn_peer(w, IP_X, &mac_a);
    rx_arp(w, RTE_ARP_OP_REPLY, &mac_b, IP_X, lr_test_mac(w), LR_TEST_OUR_IP);
    assert_int_equal(w->stats.drops[LR_DROP_ARP_SPOOF], 1);
    assert_int_equal(lr_arp_lookup(w, lr_test_port(w), IP_X, &mac), 0);
    assert_memory_equal(&mac, &mac_a, 6);
    /* Same MAC is a harmless refresh. */
    rx_arp(w, RTE_ARP_OP_REPLY, &mac_a, IP_X, lr_test_mac(w), LR_TEST_OUR_IP);
    assert_int_equal(w->stats.drops[LR_DROP_ARP_SPOOF], 1);
    /* An unsolicited reply about an unknown host is not learned. */
    rx_arp(w, RTE_ARP_OP_REPLY, &mac_b, IP_Y, lr_test_mac(w), LR_TEST_OUR_IP);
    assert_int_equal(w->stats.drops[LR_DROP_ARP_SPOOF], 2);
    assert_int_not_equal(lr_arp_lookup(w, lr_test_port(w), IP_Y, NULL), 0);
    /* A gratuitous request from another MAC (not for us) does not rewrite either. */
    rx_arp(w, RTE_ARP_OP_REQUEST, &mac_b, IP_X, &zero_mac, IP_X);
    assert_int_equal(w->stats.drops[LR_DROP_ARP_NOT_US], 1);
    assert_int_equal(lr_arp_lookup(w, lr_test_port(w), IP_X, &mac), 0);
    assert_memory_equal(&mac, &mac_a, 6);
    /* A solicited reply (we asked) is accepted. */
    tx_ip(w, IP_Y, 6);
    lr_test_tx_free_all(w);
    rx_arp(w, RTE_ARP_OP_REPLY, &mac_b, IP_Y, lr_test_mac(w), LR_TEST_OUR_IP);
    expect_ip(lr_test_tx_pop(w), &mac_b, 6);
}

static void spoof_guard_off_follows_rfc826(void **state)
{
    struct lr_config cfg;
    lr_test_config_default(&cfg);
    cfg.arp.spoof_guard = false;
    struct lr_worker *w = new_worker(state, &cfg);
    struct rte_ether_addr mac;

    lr_test_learn_peer(w, IP_X, &mac_a);
    rx_arp(w, RTE_ARP_OP_REPLY, &mac_b, IP_X, lr_test_mac(w), LR_TEST_OUR_IP);
    assert_int_equal(lr_arp_lookup(w, lr_test_port(w), IP_X, &mac), 0);
    assert_memory_equal(&mac, &mac_b, 6);
    rx_arp(w, RTE_ARP_OP_REPLY, &mac_a, IP_Y, lr_test_mac(w), LR_TEST_OUR_IP);
    assert_int_equal(lr_arp_lookup(w, lr_test_port(w), IP_Y, &mac), 0);
    assert_memory_equal(&mac, &mac_a, 6);
    assert_int_equal(w->stats.drops[LR_DROP_ARP_SPOOF], 0);
}

static void table_full_dropped(void **state)
{
    struct lr_config cfg;
    lr_test_config_default(&cfg);
    cfg.arp.table_size = 2;
    struct lr_worker *w = new_worker(state, &cfg);

    tx_ip(w, IP_X, 1);
    tx_ip(w, IP_Y, 2);
    tx_ip(w, IP_Z, 3);
    assert_int_equal(w->stats.drops[LR_DROP_ARP_TABLE_FULL], 1);
    assert_int_equal(lr_test_tx_free_all(w), 2);
    /* A full table still answers requests (it just learns nothing). */
    rx_arp(w, RTE_ARP_OP_REQUEST, &mac_b, IP_Z, &zero_mac, LR_TEST_OUR_IP);
    assert_int_equal(lr_test_tx_free_all(w), 1);
    assert_int_not_equal(lr_arp_lookup(w, lr_test_port(w), IP_Z, NULL), 0);
    /* Resolution gives up, the entries are freed and can be reused. */
    for (uint32_t i = 0; i <= cfg.arp.retries; i++)
        lr_test_advance(w, cfg.arp.retry + 1000);
    assert_int_equal(w->stats.drops[LR_DROP_ARP_UNRESOLVED], 2);
    lr_test_tx_free_all(w);
    tx_ip(w, IP_Z, 4);
    assert_int_equal(lr_test_tx_free_all(w), 1);
    rx_arp(w, RTE_ARP_OP_REPLY, &mac_b, IP_Z, lr_test_mac(w), LR_TEST_OUR_IP);
    expect_ip(lr_test_tx_pop(w), &mac_b, 4);
    assert_int_equal(w->stats.drops[LR_DROP_ARP_TABLE_FULL], 1);
}

static void full_table_evicts_oldest_reachable(void **state)
{
    struct lr_config cfg;
    lr_test_config_default(&cfg);
    cfg.arp.table_size = 2;
    struct lr_worker *w = new_worker(state, &cfg);
    const uint16_t port = lr_test_port(w);

    /* Two neighbours learned (say, a flood of requests), X first. */
    rx_arp(w, RTE_ARP_OP_REQUEST, &mac_a, IP_X, &zero_mac, LR_TEST_OUR_IP);
    lr_test_advance(w, 5000);
    rx_arp(w, RTE_ARP_OP_REQUEST, &mac_b, IP_Y, &zero_mac, LR_TEST_OUR_IP);
    lr_test_tx_free_all(w);
    /* We still reach a new one: X (confirmed longest ago) makes room. */
    tx_ip(w, IP_Z, 8);
    assert_int_equal(lr_test_tx_free_all(w), 1);
    assert_int_equal(w->stats.drops[LR_DROP_ARP_TABLE_FULL], 0);
    assert_int_not_equal(lr_arp_lookup(w, port, IP_X, NULL), 0);
    assert_int_equal(lr_arp_lookup(w, port, IP_Y, NULL), 0);
    rx_arp(w, RTE_ARP_OP_REPLY, &mac_a, IP_Z, lr_test_mac(w), LR_TEST_OUR_IP);
    expect_ip(lr_test_tx_pop(w), &mac_a, 8);
    /* Z refreshed later than Y: Y goes first, then Z; entries being resolved
     * are never evicted, so a third new neighbour is refused. */
    lr_test_advance(w, 5000);
    rx_arp(w, RTE_ARP_OP_REQUEST, &mac_a, IP_Z, &zero_mac, LR_TEST_OUR_IP);
    lr_test_tx_free_all(w);
    tx_ip(w, LR_TEST_IP(198, 18, 0, 100), 1);
    assert_int_not_equal(lr_arp_lookup(w, port, IP_Y, NULL), 0);
    assert_int_equal(lr_arp_lookup(w, port, IP_Z, NULL), 0);
    tx_ip(w, LR_TEST_IP(198, 18, 0, 101), 2);
    assert_int_not_equal(lr_arp_lookup(w, port, IP_Z, NULL), 0);
    tx_ip(w, LR_TEST_IP(198, 18, 0, 102), 3);
    assert_int_equal(w->stats.drops[LR_DROP_ARP_TABLE_FULL], 1);
    lr_test_tx_free_all(w);
    for (uint32_t i = 0; i <= cfg.arp.retries; i++)
        lr_test_advance(w, cfg.arp.retry + 1000);
    assert_int_equal(w->stats.drops[LR_DROP_ARP_UNRESOLVED], 2);
}

static void many_entries_insert_and_expire(void **state)
{
    /* Exercises the open-addressed index: fill, delete from the middle of
     * probe chains (aging in a staggered order), look everything up again. */
    struct lr_config cfg;
    lr_test_config_default(&cfg);
    cfg.port[0].prefix = 16;
    cfg.arp.table_size = 300;
    struct lr_worker *w = new_worker(state, &cfg);
    const uint16_t port = lr_test_port(w);

    for (uint32_t i = 0; i < 300; i++) {
        struct rte_ether_addr m = mac_a;
        m.addr_bytes[4] = (uint8_t)(i >> 8);
        m.addr_bytes[5] = (uint8_t)i;
        rte_be32_t ip = LR_TEST_IP(198, 18, 1 + i / 200, i % 200 + 1);
        rx_arp(w, RTE_ARP_OP_REQUEST, &m, ip, &zero_mac, LR_TEST_OUR_IP);
        if (i % 3 == 0)
            lr_test_advance(w, 1000);
    }
    lr_test_tx_free_all(w);
    for (uint32_t i = 0; i < 300; i++) {
        struct rte_ether_addr m;
        rte_be32_t ip = LR_TEST_IP(198, 18, 1 + i / 200, i % 200 + 1);
        assert_int_equal(lr_arp_lookup(w, port, ip, &m), 0);
        assert_int_equal(m.addr_bytes[5], (uint8_t)i);
    }
    /* Age the first third out: the rest must stay findable. */
    lr_test_advance(w, cfg.arp.timeout - 100 * 1000 + 34 * 1000);
    unsigned gone = 0;
    for (uint32_t i = 0; i < 300; i++) {
        rte_be32_t ip = LR_TEST_IP(198, 18, 1 + i / 200, i % 200 + 1);
        struct rte_ether_addr m;
        if (lr_arp_lookup(w, port, ip, &m) != 0) {
            gone++;
        } else {
            assert_int_equal(m.addr_bytes[5], (uint8_t)i);
        }
    }
    assert_int_equal(gone, w->stats.arp.expired);
    assert_true(gone > 0 && gone < 300);
    lr_test_advance(w, cfg.arp.timeout);
    assert_int_equal(w->stats.arp.expired, 300);
}

static void gratuitous_arp_format(void **state)
{
    struct lr_worker *w = *state;
    lr_arp_announce(w);
    expect_arp(lr_test_tx_pop(w), &bcast, lr_test_mac(w), RTE_ARP_OP_REQUEST, lr_test_mac(w),
               LR_TEST_OUR_IP, &zero_mac, LR_TEST_OUR_IP);
    assert_null(lr_test_tx_pop(w));
    assert_int_equal(w->stats.arp.tx_gratuitous, 1);
}

static void gratuitous_arp_disabled(void **state)
{
    struct lr_config cfg;
    lr_test_config_default(&cfg);
    cfg.arp.gratuitous = false;
    struct lr_worker *w = new_worker(state, &cfg);
    lr_arp_announce(w);
    assert_null(lr_test_tx_pop(w));
}

static void broadcast_nexthop_needs_no_arp(void **state)
{
    struct lr_worker *w = *state;
    tx_ip(w, LR_TEST_BCAST_IP, 11);
    expect_ip(lr_test_tx_pop(w), &bcast, 11);
    tx_ip(w, RTE_BE32(0xffffffff), 12);
    expect_ip(lr_test_tx_pop(w), &bcast, 12);
    assert_int_equal(w->stats.arp.tx_requests, 0);
}

/* --- several workers: replicas kept in step through the inbox rings ---------- */

static void sibling_free_checked(struct lr_worker *w1)
{
    lr_test_tx_free_all(w1);
    assert_int_equal(lr_test_pool_in_use(w1), 0);
    lr_test_worker_free(w1);
}

static void reply_reaches_the_worker_that_asked(void **state)
{
    struct lr_worker *w0 = *state;
    struct lr_worker *w1 = lr_test_worker_new_sibling(w0);
    assert_non_null(w1);

    tx_ip(w1, IP_X, 31);
    tx_ip(w1, IP_X, 32);
    expect_arp(lr_test_tx_pop(w1), &bcast, lr_test_mac(w1), RTE_ARP_OP_REQUEST, lr_test_mac(w1),
               LR_TEST_OUR_IP, &zero_mac, IP_X);
    /* RSS gives the reply to worker 0, which never asked. */
    rx_arp(w0, RTE_ARP_OP_REPLY, &mac_a, IP_X, lr_test_mac(w0), LR_TEST_OUR_IP);
    assert_int_equal(w0->stats.handed_over, 1);
    assert_int_equal(lr_stats_total_drops(&w0->stats), 0); /* used by worker 1, not a drop */
    assert_int_not_equal(lr_arp_lookup(w0, lr_test_port(w0), IP_X, NULL), 0);
    assert_null(lr_test_tx_pop(w1));

    assert_int_equal(lr_test_inbox_drain(w1), 1);
    assert_int_equal(w1->stats.port[lr_test_port(w1)].rx_pkts, 0); /* a copy, not traffic */
    assert_int_equal(w1->stats.proto[LR_PROTO_ARP].rx_pkts, 0);
    expect_ip(lr_test_tx_pop(w1), &mac_a, 31);
    expect_ip(lr_test_tx_pop(w1), &mac_a, 32);
    assert_null(lr_test_tx_pop(w1));
    assert_int_equal(w1->stats.arp.resolved, 1);
    assert_int_equal(w1->stats.arp.rx_replies, 0); /* counted where it arrived */
    assert_int_equal(w0->stats.arp.rx_replies, 1);
    assert_int_equal(lr_stats_total_drops(&w1->stats), 0);
    sibling_free_checked(w1);
}

static void request_teaches_every_worker_once_answered(void **state)
{
    struct lr_worker *w0 = *state;
    struct lr_worker *w1 = lr_test_worker_new_sibling(w0);
    assert_non_null(w1);

    rx_arp(w0, RTE_ARP_OP_REQUEST, &mac_a, IP_X, &zero_mac, LR_TEST_OUR_IP);
    lr_test_inbox_drain(w1);
    /* One reply on the wire (worker 0's), and both replicas know the sender. */
    expect_arp(lr_test_tx_pop(w0), &mac_a, lr_test_mac(w0), RTE_ARP_OP_REPLY, lr_test_mac(w0),
               LR_TEST_OUR_IP, &mac_a, IP_X);
    assert_null(lr_test_tx_pop(w1));
    struct rte_ether_addr mac;
    assert_int_equal(lr_arp_lookup(w0, lr_test_port(w0), IP_X, &mac), 0);
    assert_int_equal(lr_arp_lookup(w1, lr_test_port(w1), IP_X, &mac), 0);
    assert_memory_equal(&mac, &mac_a, 6);
    tx_ip(w1, IP_X, 40);
    expect_ip(lr_test_tx_pop(w1), &mac_a, 40);

    /* A request for someone else teaches nothing and is not copied (guard on). */
    rx_arp(w0, RTE_ARP_OP_REQUEST, &mac_b, IP_Y, &zero_mac, IP_Z);
    assert_int_equal(w0->stats.handed_over, 1);
    assert_int_equal(lr_test_inbox_drain(w1), 0);
    sibling_free_checked(w1);
}

static void spoof_guard_holds_on_every_replica(void **state)
{
    struct lr_worker *w0 = *state;
    struct lr_worker *w1 = lr_test_worker_new_sibling(w0);
    assert_non_null(w1);
    struct rte_ether_addr mac;

    rx_arp(w0, RTE_ARP_OP_REQUEST, &mac_a, IP_X, &zero_mac, LR_TEST_OUR_IP);
    lr_test_inbox_drain(w1);
    lr_test_tx_free_all(w0);
    rx_arp(w0, RTE_ARP_OP_REPLY, &mac_b, IP_X, lr_test_mac(w0), LR_TEST_OUR_IP);
    lr_test_inbox_drain(w1);
    assert_int_equal(w0->stats.drops[LR_DROP_ARP_SPOOF], 1);
    assert_int_equal(w1->stats.drops[LR_DROP_ARP_SPOOF], 0); /* a copy is not counted twice */
    assert_int_equal(lr_arp_lookup(w0, lr_test_port(w0), IP_X, &mac), 0);
    assert_memory_equal(&mac, &mac_a, 6);
    assert_int_equal(lr_arp_lookup(w1, lr_test_port(w1), IP_X, &mac), 0);
    assert_memory_equal(&mac, &mac_a, 6);
    sibling_free_checked(w1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(request_for_us_answered_and_learned, lr_test_setup,
                                        lr_test_teardown),
        cmocka_unit_test_setup_teardown(padded_request_reply_is_exact, lr_test_setup,
                                        lr_test_teardown),
        cmocka_unit_test_setup_teardown(request_not_for_us_dropped, lr_test_setup,
                                        lr_test_teardown),
        cmocka_unit_test_setup_teardown(malformed_dropped, lr_test_setup, lr_test_teardown),
        cmocka_unit_test_setup_teardown(unknown_op_dropped, lr_test_setup, lr_test_teardown),
        cmocka_unit_test_setup_teardown(bad_senders_dropped, lr_test_setup, lr_test_teardown),
        cmocka_unit_test_setup_teardown(probe_answered_without_learning, lr_test_setup,
                                        lr_test_teardown),
        cmocka_unit_test_setup_teardown(resolution_parks_bounded_and_flushes_in_order,
                                        lr_test_setup, lr_test_teardown),
        cmocka_unit_test_setup_teardown(request_from_pending_host_resolves, lr_test_setup,
                                        lr_test_teardown),
        cmocka_unit_test_setup_teardown(rerequest_interval_and_give_up, lr_test_setup,
                                        lr_test_teardown),
        cmocka_unit_test_setup_teardown(entries_age_out, lr_test_setup, lr_test_teardown),
        cmocka_unit_test_teardown(static_entries_fixed, lr_test_teardown),
        cmocka_unit_test_setup_teardown(spoof_guard_blocks_unsolicited_replies, lr_test_setup,
                                        lr_test_teardown),
        cmocka_unit_test_teardown(spoof_guard_off_follows_rfc826, lr_test_teardown),
        cmocka_unit_test_teardown(table_full_dropped, lr_test_teardown),
        cmocka_unit_test_teardown(full_table_evicts_oldest_reachable, lr_test_teardown),
        cmocka_unit_test_teardown(many_entries_insert_and_expire, lr_test_teardown),
        cmocka_unit_test_setup_teardown(gratuitous_arp_format, lr_test_setup, lr_test_teardown),
        cmocka_unit_test_teardown(gratuitous_arp_disabled, lr_test_teardown),
        cmocka_unit_test_setup_teardown(broadcast_nexthop_needs_no_arp, lr_test_setup,
                                        lr_test_teardown),
        cmocka_unit_test_setup_teardown(reply_reaches_the_worker_that_asked, lr_test_setup,
                                        lr_test_teardown),
        cmocka_unit_test_setup_teardown(request_teaches_every_worker_once_answered, lr_test_setup,
                                        lr_test_teardown),
        cmocka_unit_test_setup_teardown(spoof_guard_holds_on_every_replica, lr_test_setup,
                                        lr_test_teardown),
    };
    return cmocka_run_group_tests(tests, lr_test_group_setup, NULL);
}
