/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <rte_byteorder.h>
#include <rte_thash.h>

#include "lr_flow.h"

#define IP(a, b, c, d) rte_cpu_to_be_32(((uint32_t)(a) << 24) | ((b) << 16) | ((c) << 8) | (d))

static void init_rejects_bad_sizes(void **state)
{
    (void)state;
    struct lr_flow f;
    assert_int_equal(lr_flow_init(&f, 0, 128), -EINVAL);
    assert_int_equal(lr_flow_init(&f, 2, 0), -EINVAL);
    assert_int_equal(lr_flow_init(&f, 2, 100), -EINVAL);
    assert_int_equal(lr_flow_init(&f, 4, 2), -EINVAL);
    assert_int_equal(lr_flow_init(&f, 3, 128), 0);
}

/* The converted-key fast path must give what a NIC computes over the wire
 * bytes with the original key (rte_softrss is the reference Toeplitz). */
static void hash_matches_reference_toeplitz(void **state)
{
    (void)state;
    struct lr_flow f;
    assert_int_equal(lr_flow_init(&f, 2, 128), 0);
    for (uint32_t i = 0; i < 1000; i++) {
        uint32_t s = 0xc6120000u + i * 7919u, d = 0xc6120101u + i * 104729u;
        uint16_t sp = (uint16_t)(1024 + i * 31), dp = (uint16_t)(80 + i);
        uint32_t tuple[3] = { s, d, ((uint32_t)sp << 16) | dp };
        uint32_t ref = rte_softrss(tuple, 3, f.key);
        assert_int_equal(lr_flow_hash(&f, rte_cpu_to_be_32(s), rte_cpu_to_be_32(d),
                                      rte_cpu_to_be_16(sp), rte_cpu_to_be_16(dp)),
                         ref);
    }
}

static void owner_is_symmetric(void **state)
{
    (void)state;
    struct lr_flow f;
    assert_int_equal(lr_flow_init(&f, 4, 128), 0);
    for (uint32_t i = 0; i < 5000; i++) {
        rte_be32_t a = IP(198, 18, (i >> 8) & 0xff, i & 0xff), b = IP(198, 19, 0, 1 + i % 200);
        rte_be16_t pa = rte_cpu_to_be_16((uint16_t)(1024 + i)), pb = rte_cpu_to_be_16(80);
        assert_int_equal(lr_flow_hash(&f, a, b, pa, pb), lr_flow_hash(&f, b, a, pb, pa));
        assert_int_equal(lr_flow_owner(&f, a, b, pa, pb), lr_flow_owner(&f, b, a, pb, pa));
    }
}

static void owners_spread_over_workers(void **state)
{
    (void)state;
    struct lr_flow f;
    unsigned count[4] = { 0 };
    assert_int_equal(lr_flow_init(&f, 4, 128), 0);
    for (uint32_t i = 0; i < 40000; i++)
        count[lr_flow_owner(&f, IP(198, 18, 0, 1), IP(198, 18, 0, 2),
                            rte_cpu_to_be_16((uint16_t)(1024 + i)), rte_cpu_to_be_16(80))]++;
    for (int w = 0; w < 4; w++)
        assert_in_range(count[w], 8000, 12000);
}

static void reta_matches_owner(void **state)
{
    (void)state;
    struct lr_flow f;
    uint16_t reta[512];
    assert_int_equal(lr_flow_init(&f, 3, 128), 0);
    lr_flow_reta_fill(&f, reta, 512);
    for (uint32_t i = 0; i < 2000; i++) {
        rte_be32_t a = IP(198, 18, 1, i & 0xff), b = IP(198, 18, 0, 2);
        rte_be16_t pa = rte_cpu_to_be_16((uint16_t)(2000 + i)), pb = rte_cpu_to_be_16(21);
        uint32_t h = lr_flow_hash(&f, a, b, pa, pb);
        /* A NIC with a 512-entry table indexes it with the low 9 bits. */
        assert_int_equal(reta[h & 511], lr_flow_owner(&f, a, b, pa, pb));
    }
}

static int odd_in_use(void *arg, uint16_t port)
{
    (void)arg;
    return port & 1;
}

static void picked_ports_map_back(void **state)
{
    (void)state;
    struct lr_flow f;
    assert_int_equal(lr_flow_init(&f, 2, 128), 0);
    rte_be32_t l = IP(198, 18, 0, 2), r = IP(198, 18, 0, 1);
    rte_be16_t rp = rte_cpu_to_be_16(80);
    for (uint16_t w = 0; w < 2; w++) {
        uint32_t cursor = 0;
        uint16_t last = 0;
        for (int i = 0; i < 500; i++) {
            uint16_t p = lr_flow_pick_port(&f, w, l, r, rp, 10000, 60000, &cursor, NULL, NULL);
            assert_int_not_equal(p, 0);
            assert_in_range(p, 10000, 60000);
            assert_int_not_equal(p, last);
            assert_int_equal(lr_flow_owner(&f, r, l, rp, rte_cpu_to_be_16(p)), w);
            last = p;
        }
        uint32_t c2 = 0;
        uint16_t p = lr_flow_pick_port(&f, w, l, r, rp, 10000, 60000, &c2, odd_in_use, NULL);
        assert_int_equal(p & 1, 0);
        assert_int_equal(lr_flow_owner(&f, l, r, rte_cpu_to_be_16(p), rp), w);
    }
    uint32_t c = 0;
    assert_int_equal(lr_flow_pick_port(&f, 2, l, r, rp, 1, 10, &c, NULL, NULL), 0);
    assert_int_equal(lr_flow_pick_port(&f, 0, l, r, rp, 10, 1, &c, NULL, NULL), 0);
    /* A one-port range owned by the other worker has no answer. */
    uint16_t own0 = lr_flow_pick_port(&f, 0, l, r, rp, 40000, 40100, &c, NULL, NULL);
    c = 0;
    assert_int_equal(lr_flow_pick_port(&f, 1, l, r, rp, own0, own0, &c, NULL, NULL), 0);
}

/* What a NIC programmed by lr_port.c does: Toeplitz over the wire bytes with
 * the key, then its own redirection table (filled by lr_flow_reta_fill) picks
 * the queue. For every worker count and table size, a port picked for an
 * active open must bring the reply (peer -> us) to the opening worker's
 * queue, and the software owner must agree. */
static void picked_ports_reach_their_queue_through_rss(void **state)
{
    (void)state;
    static const uint16_t sizes[] = { 64, 128, 512 };
    rte_be32_t l = IP(198, 18, 0, 2), r = IP(198, 19, 7, 9);
    for (uint16_t n = 1; n <= 4; n++) {
        for (unsigned s = 0; s < RTE_DIM(sizes); s++) {
            struct lr_flow f;
            uint16_t reta[512];
            uint16_t rsize = RTE_MIN(sizes[s], (uint16_t)LR_FLOW_RETA_DEFAULT);
            assert_int_equal(lr_flow_init(&f, n, rsize), 0);
            lr_flow_reta_fill(&f, reta, sizes[s]);
            for (uint16_t w = 0; w < n; w++) {
                uint32_t cursor = w * 977u;
                for (int i = 0; i < 200; i++) {
                    rte_be16_t rp = rte_cpu_to_be_16((uint16_t)(80 + i % 3));
                    uint16_t p =
                        lr_flow_pick_port(&f, w, l, r, rp, 32768, 60999, &cursor, NULL, NULL);
                    assert_int_not_equal(p, 0);
                    /* The reply as the NIC sees it: src = peer. */
                    uint32_t tuple[3] = { rte_be_to_cpu_32(r), rte_be_to_cpu_32(l),
                                          ((uint32_t)rte_be_to_cpu_16(rp) << 16) | p };
                    uint32_t h = rte_softrss(tuple, 3, f.key);
                    assert_int_equal(reta[h & (sizes[s] - 1)], w);
                    assert_int_equal(lr_flow_owner(&f, r, l, rp, rte_cpu_to_be_16(p)), w);
                }
            }
        }
    }
}

/* The per-byte table gives Toeplitz exactly, for any input bits. */
static void hash_table_matches_reference_on_extremes(void **state)
{
    (void)state;
    struct lr_flow f;
    assert_int_equal(lr_flow_init(&f, 2, 128), 0);
    static const uint32_t v[] = { 0, 0xffffffffu, 0x80000001u, 0x01020304u, 0xfedcba98u };
    for (unsigned a = 0; a < RTE_DIM(v); a++)
        for (unsigned b = 0; b < RTE_DIM(v); b++)
            for (unsigned c = 0; c < RTE_DIM(v); c++) {
                uint32_t tuple[3] = { v[a], v[b], v[c] };
                assert_int_equal(lr_flow_hash(&f, rte_cpu_to_be_32(v[a]), rte_cpu_to_be_32(v[b]),
                                              rte_cpu_to_be_16((uint16_t)(v[c] >> 16)),
                                              rte_cpu_to_be_16((uint16_t)v[c])),
                                 rte_softrss(tuple, 3, f.key));
            }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(init_rejects_bad_sizes),
        cmocka_unit_test(hash_matches_reference_toeplitz),
        cmocka_unit_test(owner_is_symmetric),
        cmocka_unit_test(owners_spread_over_workers),
        cmocka_unit_test(reta_matches_owner),
        cmocka_unit_test(picked_ports_map_back),
        cmocka_unit_test(picked_ports_reach_their_queue_through_rss),
        cmocka_unit_test(hash_table_matches_reference_on_extremes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
