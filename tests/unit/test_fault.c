/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fault layer tests: EAL without hugepages or PCI, one small pool, a zeroed
 * worker. Every packet carries a unique 32-bit id so outputs can be compared
 * with inputs as multisets. The pool is back to its baseline after each test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <math.h>

#include <cmocka.h>

#include <rte_eal.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "lr_fault.h"
#include "lr_pkt.h"

#define POOL_SIZE 1023
#define PKT_LEN   100
#define ID_OFF    42 /* past Ethernet (14) + IPv4 (20) + UDP (8) */

static struct rte_mempool *pool;
static struct lr_worker *w;
static unsigned baseline;

static int group_setup(void **state)
{
    (void)state;
    /* --no-shconf and a per-process prefix: tests may run in parallel.
     * (--in-memory is refused together with --no-huge by DPDK 22.11.) */
    char prefix[64];
    snprintf(prefix, sizeof(prefix), "--file-prefix=lrt-fault-%ld", (long)getpid());
    char *argv[] = { "test_fault", "--no-huge",   "--no-pci",          "-m",
                     "256",        "--no-shconf", "--no-telemetry",    prefix,
                     "-l",         "0",           "--log-level=error", NULL };
    int argc = (int)RTE_DIM(argv) - 1;
    if (rte_eal_init(argc, argv) < 0)
        return -1;
    pool = rte_pktmbuf_pool_create("fault_pool", POOL_SIZE, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                   (int)rte_socket_id());
    if (pool == NULL)
        return -1;
    w = rte_zmalloc("worker", sizeof(*w), RTE_CACHE_LINE_SIZE);
    return w == NULL ? -1 : 0;
}

static int group_teardown(void **state)
{
    (void)state;
    rte_free(w);
    rte_mempool_free(pool);
    /* EAL leaves its (empty, with --no-shconf) runtime directory behind. */
    char rundir[PATH_MAX];
    snprintf(rundir, sizeof(rundir), "%s", rte_eal_get_runtime_dir());
    rte_eal_cleanup();
    rmdir(rundir);
    return 0;
}

static int setup(void **state)
{
    (void)state;
    memset(w, 0, sizeof(*w));
    w->pool = pool;
    w->nb_ports = 1;
    baseline = rte_mempool_avail_count(pool);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    lr_fault_free(w);
    assert_null(w->fault);
    assert_int_equal(rte_mempool_avail_count(pool), baseline);
    return 0;
}

static struct lr_fault_config fcfg(double drop, double dup, double reorder, double corrupt)
{
    struct lr_fault_config c = {
        .seed = 42, .drop = drop, .duplicate = dup, .reorder = reorder, .corrupt = corrupt
    };
    return c;
}

/* A frame of @len bytes: Ethernet + IPv4 + UDP headers, id at ID_OFF, then
 * a pattern. */
static struct rte_mbuf *mk(uint32_t id, uint16_t len)
{
    struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
    assert_non_null(m);
    uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, len);
    assert_non_null(p);
    for (uint16_t i = 0; i < len; i++)
        p[i] = (uint8_t)(i * 7 + id);
    if (len >= ID_OFF + 4)
        memcpy(p + ID_OFF, &id, 4);
    m->hash.usr = id; /* survives corruption; copied by rte_pktmbuf_copy */
    return m;
}

static uint32_t id_of(const struct rte_mbuf *m)
{
    return m->hash.usr;
}

static uint32_t payload_id_of(const struct rte_mbuf *m)
{
    uint32_t id;
    memcpy(&id, rte_pktmbuf_mtod_offset(m, const uint8_t *, ID_OFF), 4);
    return id;
}

static void free_all(struct rte_mbuf **p, uint16_t n)
{
    for (uint16_t i = 0; i < n; i++)
        rte_pktmbuf_free(p[i]);
}

static void rates_zero_untouched(void **state)
{
    (void)state;
    struct lr_fault_config c = fcfg(0, 0, 0, 0);
    assert_int_equal(lr_fault_init(w, &c), 0);
    assert_null(w->fault);
    struct rte_mbuf *p[8], *orig[8];
    for (unsigned i = 0; i < 8; i++)
        orig[i] = p[i] = mk(i, PKT_LEN);
    assert_int_equal(lr_fault_apply(w, LR_FAULT_RX, 0, p, 8, 8), 8);
    assert_int_equal(lr_fault_apply(w, LR_FAULT_TX, 0, p, 8, 8), 8);
    for (unsigned i = 0; i < 8; i++) {
        assert_ptr_equal(p[i], orig[i]);
        const uint8_t *d = rte_pktmbuf_mtod(p[i], const uint8_t *);
        for (unsigned j = 0; j < PKT_LEN; j++)
            if (j < ID_OFF || j >= ID_OFF + 4)
                assert_int_equal(d[j], (uint8_t)(j * 7 + i));
    }
    assert_int_equal(lr_fault_release(w, LR_FAULT_RX, 0, p, 8), 0);
    free_all(p, 8);
}

static void invalid_rates(void **state)
{
    (void)state;
    struct lr_fault_config c = fcfg(-1, 0, 0, 0);
    assert_int_equal(lr_fault_init(w, &c), -EINVAL);
    c = fcfg(0, 100.5, 0, 0);
    assert_int_equal(lr_fault_init(w, &c), -EINVAL);
    c = fcfg(0, 0, NAN, 0);
    assert_int_equal(lr_fault_init(w, &c), -EINVAL);
    assert_null(w->fault);
}

static void drop_all(void **state)
{
    (void)state;
    struct lr_fault_config c = fcfg(100, 0, 0, 0);
    assert_int_equal(lr_fault_init(w, &c), 0);
    assert_non_null(w->fault);
    struct rte_mbuf *p[16];
    for (unsigned i = 0; i < 16; i++)
        p[i] = mk(i, PKT_LEN);
    assert_int_equal(lr_fault_apply(w, LR_FAULT_RX, 0, p, 16, 16), 0);
    assert_int_equal(w->stats.fault.dropped[LR_FAULT_RX], 16);
    assert_int_equal(w->stats.drops[LR_DROP_ETH_FAULT], 16);
    for (unsigned i = 0; i < 10; i++)
        p[i] = mk(i, PKT_LEN);
    assert_int_equal(lr_fault_apply(w, LR_FAULT_TX, 0, p, 10, 16), 0);
    assert_int_equal(w->stats.fault.dropped[LR_FAULT_TX], 10);
    assert_int_equal(w->stats.drops[LR_DROP_ETH_FAULT], 16); /* TX: the wire lost them */
    assert_int_equal(rte_mempool_avail_count(pool), baseline);
}

static void duplicates_identical(void **state)
{
    (void)state;
    struct lr_fault_config c = fcfg(0, 100, 0, 0);
    assert_int_equal(lr_fault_init(w, &c), 0);
    struct rte_mbuf *p[16];
    for (unsigned i = 0; i < 8; i++)
        p[i] = mk(i, (uint16_t)(PKT_LEN + i));
    /* A two-segment packet too. */
    struct rte_mbuf *tail = mk(99, 30);
    assert_int_equal(rte_pktmbuf_chain(p[7], tail), 0);
    assert_int_equal(lr_fault_apply(w, LR_FAULT_TX, 0, p, 8, 16), 16);
    assert_int_equal(w->stats.fault.duplicated[LR_FAULT_TX], 8);
    for (unsigned i = 0; i < 8; i++) {
        struct rte_mbuf *a = p[2 * i], *b = p[2 * i + 1];
        assert_ptr_not_equal(a, b);
        assert_int_equal(payload_id_of(a), i);
        assert_int_equal(a->pkt_len, b->pkt_len);
        uint8_t ba[256], bb[256];
        assert_true(a->pkt_len <= sizeof(ba));
        const void *da = rte_pktmbuf_read(a, 0, a->pkt_len, ba);
        const void *db = rte_pktmbuf_read(b, 0, b->pkt_len, bb);
        assert_memory_equal(da, db, a->pkt_len);
    }
    free_all(p, 16);
    /* No room in the array: no copies, nothing lost. */
    for (unsigned i = 0; i < 8; i++)
        p[i] = mk(i, PKT_LEN);
    assert_int_equal(lr_fault_apply(w, LR_FAULT_RX, 0, p, 8, 8), 8);
    for (unsigned i = 0; i < 8; i++)
        assert_int_equal(id_of(p[i]), i);
    assert_int_equal(w->stats.fault.duplicated[LR_FAULT_RX], 0);
    free_all(p, 8);
    /* Partial room: copies only while every input is still guaranteed a slot. */
    for (unsigned i = 0; i < 8; i++)
        p[i] = mk(i, PKT_LEN);
    assert_int_equal(lr_fault_apply(w, LR_FAULT_RX, 0, p, 8, 11), 11);
    assert_int_equal(w->stats.fault.duplicated[LR_FAULT_RX], 3);
    free_all(p, 11);
}

static unsigned bit_diff(const uint8_t *a, const uint8_t *b, unsigned len, unsigned *where)
{
    unsigned bits = 0;
    for (unsigned i = 0; i < len; i++) {
        bits += (unsigned)__builtin_popcount((unsigned)(a[i] ^ b[i]));
        if (a[i] != b[i])
            *where = i;
    }
    return bits;
}

static void corrupt_one_bit(void **state)
{
    (void)state;
    struct lr_fault_config c = fcfg(0, 0, 0, 100);
    assert_int_equal(lr_fault_init(w, &c), 0);
    uint8_t ref[PKT_LEN];
    unsigned positions_seen = 0;
    for (unsigned i = 0; i < 200; i++) {
        struct rte_mbuf *p[1] = { mk(i, PKT_LEN) };
        memcpy(ref, rte_pktmbuf_mtod(p[0], void *), PKT_LEN);
        assert_int_equal(lr_fault_apply(w, i & 1 ? LR_FAULT_TX : LR_FAULT_RX, 0, p, 1, 1), 1);
        unsigned where = 0;
        assert_int_equal(bit_diff(ref, rte_pktmbuf_mtod(p[0], uint8_t *), PKT_LEN, &where), 1);
        assert_true(where >= 14);
        positions_seen |= where < 57 ? 1u : 2u;
        rte_pktmbuf_free(p[0]);
    }
    assert_int_equal(positions_seen, 3); /* spread over the packet */
    assert_int_equal(w->stats.fault.corrupted[0] + w->stats.fault.corrupted[1], 200);
    /* Nothing past the Ethernet header: left alone, not counted. */
    struct rte_mbuf *p[1] = { mk(0, 14) };
    memcpy(ref, rte_pktmbuf_mtod(p[0], void *), 14);
    assert_int_equal(lr_fault_apply(w, LR_FAULT_RX, 0, p, 1, 1), 1);
    assert_memory_equal(ref, rte_pktmbuf_mtod(p[0], void *), 14);
    assert_int_equal(w->stats.fault.corrupted[0] + w->stats.fault.corrupted[1], 200);
    rte_pktmbuf_free(p[0]);
}

/* A clone (e.g. a retransmission queue's data) must not be corrupted. */
static void corrupt_shared_copies(void **state)
{
    (void)state;
    struct lr_fault_config c = fcfg(0, 0, 0, 100);
    assert_int_equal(lr_fault_init(w, &c), 0);
    uint8_t ref[PKT_LEN];
    struct rte_mbuf *orig = mk(5, PKT_LEN);
    memcpy(ref, rte_pktmbuf_mtod(orig, void *), PKT_LEN);
    struct rte_mbuf *p[1] = { rte_pktmbuf_clone(orig, pool) };
    assert_non_null(p[0]);
    assert_int_equal(lr_fault_apply(w, LR_FAULT_TX, 0, p, 1, 1), 1);
    assert_memory_equal(ref, rte_pktmbuf_mtod(orig, void *), PKT_LEN);
    unsigned where = 0;
    assert_int_equal(bit_diff(ref, rte_pktmbuf_mtod(p[0], uint8_t *), PKT_LEN, &where), 1);
    rte_pktmbuf_free(p[0]);
    /* Also a packet whose refcnt the stack raised to keep it. */
    rte_mbuf_refcnt_update(orig, 1);
    p[0] = orig;
    assert_int_equal(lr_fault_apply(w, LR_FAULT_TX, 0, p, 1, 1), 1);
    assert_ptr_not_equal(p[0], orig);
    assert_memory_equal(ref, rte_pktmbuf_mtod(orig, void *), PKT_LEN);
    rte_pktmbuf_free(p[0]);
    rte_pktmbuf_free(orig);
}

/* TX checksum offload requested: checksums are computed before the flip, so
 * the receiver's verification fails, as on a real wire. */
static void corrupt_tx_offload_caught(void **state)
{
    (void)state;
    struct lr_fault_config c = fcfg(0, 0, 0, 100);
    assert_int_equal(lr_fault_init(w, &c), 0);
    for (unsigned i = 0; i < 100; i++) {
        struct rte_mbuf *m = mk(i, PKT_LEN);
        struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14);
        memset(ip, 0, sizeof(*ip));
        ip->version_ihl = RTE_IPV4_VHL_DEF;
        ip->total_length = rte_cpu_to_be_16(PKT_LEN - 14);
        ip->time_to_live = 64;
        ip->next_proto_id = IPPROTO_UDP;
        ip->src_addr = rte_cpu_to_be_32(0xC6120001);
        ip->dst_addr = rte_cpu_to_be_32(0xC6120002);
        struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
        udp->src_port = rte_cpu_to_be_16(1000);
        udp->dst_port = rte_cpu_to_be_16(2000);
        udp->dgram_len = rte_cpu_to_be_16(PKT_LEN - 34);
        m->l2_len = 14;
        m->l3_len = 20;
        m->ol_flags = RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_UDP_CKSUM;
        udp->dgram_cksum = rte_ipv4_phdr_cksum(ip, m->ol_flags); /* as the stack does */
        struct rte_mbuf *p[1] = { m };
        assert_int_equal(lr_fault_apply(w, LR_FAULT_TX, 0, p, 1, 1), 1);
        m = p[0];
        assert_int_equal(m->ol_flags & (RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_L4_MASK), 0);
        ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14);
        bool ip_ok = rte_raw_cksum(ip, 20) == 0xffff;
        bool udp_ok = rte_ipv4_udptcp_cksum_mbuf_verify(m, ip, 34) == 0;
        assert_false(ip_ok && udp_ok);
        rte_pktmbuf_free(m);
    }
}

/* Run @total packets through apply in bursts of 0..8 with all four faults at
 * the given rates; record the ids that came out, in order. */
static unsigned run_traffic(struct lr_worker *wk, enum lr_fault_dir dir, unsigned total,
                            uint32_t *out_ids, unsigned out_cap, uint64_t burst_seed)
{
    struct rte_mbuf *p[32];
    unsigned sent = 0, got = 0;
    uint64_t s = burst_seed;
    for (int round = 0; sent < total && round < 10000; round++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        uint16_t n = (uint16_t)((s >> 33) % 9);
        if (n > total - sent)
            n = (uint16_t)(total - sent);
        for (uint16_t i = 0; i < n; i++)
            p[i] = mk(sent++, PKT_LEN);
        uint16_t k = lr_fault_apply(wk, dir, 0, p, n, RTE_DIM(p));
        assert_true(k <= RTE_DIM(p));
        for (uint16_t i = 0; i < k; i++) {
            assert_true(got < out_cap);
            out_ids[got++] = id_of(p[i]);
        }
        free_all(p, k);
    }
    uint16_t k = lr_fault_release(wk, dir, 0, p, RTE_DIM(p));
    assert_true(k <= LR_FAULT_HOLD);
    for (uint16_t i = 0; i < k; i++)
        out_ids[got++] = id_of(p[i]);
    free_all(p, k);
    assert_int_equal(lr_fault_release(wk, dir, 0, p, RTE_DIM(p)), 0);
    return got;
}

#define NTRAFFIC 2000
static uint32_t ids_a[NTRAFFIC * 2 + 8], ids_b[NTRAFFIC * 2 + 8];
static unsigned seen[NTRAFFIC];

static void reorder_loses_nothing(void **state)
{
    (void)state;
    struct lr_fault_config c = fcfg(0, 0, 30, 0);
    assert_int_equal(lr_fault_init(w, &c), 0);
    unsigned got = run_traffic(w, LR_FAULT_RX, NTRAFFIC, ids_a, RTE_DIM(ids_a), 7);
    assert_int_equal(got, NTRAFFIC);
    memset(seen, 0, sizeof(seen));
    unsigned out_of_order = 0;
    for (unsigned i = 0; i < got; i++) {
        assert_true(ids_a[i] < NTRAFFIC);
        seen[ids_a[i]]++;
        if (i > 0 && ids_a[i] < ids_a[i - 1])
            out_of_order++;
    }
    for (unsigned i = 0; i < NTRAFFIC; i++)
        assert_int_equal(seen[i], 1);
    assert_true(out_of_order > 0);
    assert_true(w->stats.fault.reordered[LR_FAULT_RX] > 0);
    /* Held packets are bounded and released after later packets. */
    struct rte_mbuf *p[32];
    struct lr_fault_config all = fcfg(0, 0, 100, 0);
    lr_fault_free(w);
    assert_int_equal(lr_fault_init(w, &all), 0);
    for (unsigned i = 0; i < 8; i++)
        p[i] = mk(i, PKT_LEN);
    assert_int_equal(lr_fault_apply(w, LR_FAULT_TX, 0, p, 8, 32), 8 - LR_FAULT_HOLD);
    for (unsigned i = 0; i < 8 - LR_FAULT_HOLD; i++)
        assert_int_equal(id_of(p[i]), LR_FAULT_HOLD + i);
    free_all(p, 8 - LR_FAULT_HOLD);
    /* The next call releases them after its own packet (which cannot be
     * held: the hold is full until the end of the call). */
    p[0] = mk(100, PKT_LEN);
    uint16_t k = lr_fault_apply(w, LR_FAULT_TX, 0, p, 1, 32);
    assert_int_equal(k, 1 + LR_FAULT_HOLD);
    assert_int_equal(id_of(p[0]), 100);
    for (unsigned i = 0; i < LR_FAULT_HOLD; i++)
        assert_int_equal(id_of(p[1 + i]), i);
    free_all(p, k);
    /* A call without packets still releases (TX flush with nothing queued). */
    p[0] = mk(200, PKT_LEN);
    assert_int_equal(lr_fault_apply(w, LR_FAULT_TX, 0, p, 1, 32), 0);
    assert_int_equal(lr_fault_apply(w, LR_FAULT_TX, 0, p, 0, 32), 1);
    assert_int_equal(id_of(p[0]), 200);
    rte_pktmbuf_free(p[0]);
    /* Release with a small array returns what fits, in order. */
    for (unsigned i = 0; i < 3; i++)
        p[i] = mk(300 + i, PKT_LEN);
    assert_int_equal(lr_fault_apply(w, LR_FAULT_TX, 0, p, 3, 32), 0);
    assert_int_equal(lr_fault_release(w, LR_FAULT_TX, 0, p, 2), 2);
    assert_int_equal(id_of(p[0]), 300);
    assert_int_equal(id_of(p[1]), 301);
    free_all(p, 2);
    /* Another port and the other direction are independent. */
    assert_int_equal(lr_fault_release(w, LR_FAULT_RX, 0, p, 32), 0);
    assert_int_equal(lr_fault_release(w, LR_FAULT_TX, 1, p, 32), 0);
    /* 302 left held: lr_fault_free (teardown) must return it to the pool. */
}

static void mixed_faults_accounted(void **state)
{
    (void)state;
    struct lr_fault_config c = fcfg(10, 10, 10, 10);
    assert_int_equal(lr_fault_init(w, &c), 0);
    unsigned got = run_traffic(w, LR_FAULT_TX, NTRAFFIC, ids_a, RTE_DIM(ids_a), 9);
    const struct lr_fault_counters *fc = &w->stats.fault;
    assert_int_equal(got, NTRAFFIC - fc->dropped[1] + fc->duplicated[1]);
    assert_true(fc->dropped[1] > 0 && fc->duplicated[1] > 0);
    assert_true(fc->reordered[1] > 0 && fc->corrupted[1] > 0);
    /* Roughly the configured rates (10 % of 2000 = 200; loose bounds). */
    assert_true(fc->dropped[1] > 100 && fc->dropped[1] < 300);
    memset(seen, 0, sizeof(seen));
    unsigned twice = 0;
    for (unsigned i = 0; i < got; i++) {
        assert_true(ids_a[i] < NTRAFFIC);
        seen[ids_a[i]]++;
    }
    for (unsigned i = 0; i < NTRAFFIC; i++) {
        assert_true(seen[i] <= 2);
        twice += seen[i] == 2;
    }
    assert_true(twice > 0);
}

static void same_seed_same_decisions(void **state)
{
    (void)state;
    struct lr_fault_config c = fcfg(5, 5, 20, 5);
    struct lr_worker *w2 = rte_zmalloc("w2", sizeof(*w2), RTE_CACHE_LINE_SIZE);
    assert_non_null(w2);
    w2->pool = pool;
    assert_int_equal(lr_fault_init(w, &c), 0);
    assert_int_equal(lr_fault_init(w2, &c), 0);
    /* w->rng differing must not matter. */
    w->rng = 1;
    w2->rng = 12345;
    unsigned ga = run_traffic(w, LR_FAULT_RX, 1000, ids_a, RTE_DIM(ids_a), 3);
    unsigned gb = run_traffic(w2, LR_FAULT_RX, 1000, ids_b, RTE_DIM(ids_b), 3);
    assert_int_equal(ga, gb);
    assert_memory_equal(ids_a, ids_b, ga * sizeof(ids_a[0]));
    assert_memory_equal(&w->stats.fault, &w2->stats.fault, sizeof(w->stats.fault));
    /* Another worker id (or seed) decides differently. */
    lr_fault_free(w2);
    memset(&w2->stats, 0, sizeof(w2->stats));
    w2->id = 1;
    assert_int_equal(lr_fault_init(w2, &c), 0);
    gb = run_traffic(w2, LR_FAULT_RX, 1000, ids_b, RTE_DIM(ids_b), 3);
    assert_false(ga == gb && memcmp(ids_a, ids_b, ga * sizeof(ids_a[0])) == 0);
    lr_fault_free(w2);
    rte_free(w2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(rates_zero_untouched, setup, teardown),
        cmocka_unit_test_setup_teardown(invalid_rates, setup, teardown),
        cmocka_unit_test_setup_teardown(drop_all, setup, teardown),
        cmocka_unit_test_setup_teardown(duplicates_identical, setup, teardown),
        cmocka_unit_test_setup_teardown(corrupt_one_bit, setup, teardown),
        cmocka_unit_test_setup_teardown(corrupt_shared_copies, setup, teardown),
        cmocka_unit_test_setup_teardown(corrupt_tx_offload_caught, setup, teardown),
        cmocka_unit_test_setup_teardown(reorder_loses_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(mixed_faults_accounted, setup, teardown),
        cmocka_unit_test_setup_teardown(same_seed_same_decisions, setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
