/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Latency histogram (lr_latency): bucket layout, precision bound,
 * quantiles against exact order statistics, merge, extremes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lr_latency.h"

static struct lr_latency h1, h2, h3;

static void test_buckets(void **state)
{
    (void)state;
    /* Exact below 128; every bucket's range maps back to it; ranges tile. */
    for (uint64_t v = 0; v < 128; v++)
        assert_int_equal(lr_latency_bucket(v), v);
    uint64_t expect_lo = 0;
    for (unsigned i = 0; i < LR_LATENCY_BUCKETS - 1; i++) {
        uint64_t lo, hi;
        lr_latency_bucket_range(i, &lo, &hi);
        assert_int_equal(lo, expect_lo);
        assert_true(hi >= lo);
        assert_int_equal(lr_latency_bucket(lo), i);
        assert_int_equal(lr_latency_bucket(hi), i);
        /* Width at most 1/64 of the lower edge above the exact range. */
        if (lo >= 128)
            assert_true((hi - lo + 1) * 64 <= lo);
        expect_lo = hi + 1;
    }
    uint64_t lo, hi;
    lr_latency_bucket_range(LR_LATENCY_BUCKETS - 1, &lo, &hi);
    assert_int_equal(lo, expect_lo);
    assert_int_equal(hi, UINT64_MAX);
    assert_int_equal(lr_latency_bucket(UINT64_MAX), LR_LATENCY_BUCKETS - 1);
    assert_int_equal(lr_latency_bucket((uint64_t)1 << 40), LR_LATENCY_BUCKETS - 1);
}

static void test_empty_and_single(void **state)
{
    (void)state;
    lr_latency_reset(&h1);
    assert_int_equal(h1.count, 0);
    assert_int_equal(lr_latency_quantile(&h1, 0.5), 0);
    assert_true(lr_latency_mean(&h1) == 0.0);
    lr_latency_record(&h1, 12345);
    assert_int_equal(h1.min, 12345);
    assert_int_equal(h1.max, 12345);
    /* One sample: every quantile is that sample (clamped to min/max). */
    assert_int_equal(lr_latency_quantile(&h1, 0.001), 12345);
    assert_int_equal(lr_latency_quantile(&h1, 0.5), 12345);
    assert_int_equal(lr_latency_quantile(&h1, 0.999), 12345);
    assert_int_equal(lr_latency_quantile(&h1, 1.0), 12345);
    assert_true(lr_latency_mean(&h1) == 12345.0);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void test_quantiles_vs_exact(void **state)
{
    (void)state;
    enum { N = 100000 };
    uint64_t *v = malloc(sizeof(uint64_t) * N);
    assert_non_null(v);
    uint64_t x = 88172645463325252ULL;
    lr_latency_reset(&h1);
    for (unsigned i = 0; i < N; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        /* Log-spread values 1 us .. ~1 s. */
        v[i] = (x % 1000000) >> (x >> 60);
        lr_latency_record(&h1, v[i]);
    }
    qsort(v, N, sizeof(uint64_t), cmp_u64);
    const double qs[] = { 0.5, 0.9, 0.99, 0.999, 0.0001 };
    for (unsigned k = 0; k < sizeof(qs) / sizeof(qs[0]); k++) {
        uint64_t rank = (uint64_t)((double)N * qs[k] + 0.999999);
        uint64_t exact = v[rank - 1];
        uint64_t got = lr_latency_quantile(&h1, qs[k]);
        /* Never below the true value, at most 1/64 above it. */
        assert_true(got >= exact);
        assert_true((got - exact) * 64 <= exact + 64);
    }
    assert_int_equal(lr_latency_quantile(&h1, 1.0), v[N - 1]);
    assert_int_equal(h1.min, v[0]);
    assert_int_equal(h1.count, N);
    free(v);
}

static void test_merge(void **state)
{
    (void)state;
    lr_latency_reset(&h1);
    lr_latency_reset(&h2);
    lr_latency_reset(&h3);
    for (uint64_t i = 1; i <= 1000; i++) {
        lr_latency_record(i % 2 ? &h1 : &h2, i * 37);
        lr_latency_record(&h3, i * 37);
    }
    struct lr_latency *m = calloc(1, sizeof(*m));
    assert_non_null(m);
    lr_latency_reset(m);
    lr_latency_merge(m, &h1);
    lr_latency_merge(m, &h2);
    assert_memory_equal(m, &h3, sizeof(*m)); /* merge is exact */
    struct lr_latency *e = calloc(1, sizeof(*e));
    assert_non_null(e);
    lr_latency_reset(e);
    lr_latency_merge(m, e); /* merging an empty one changes nothing */
    assert_memory_equal(m, &h3, sizeof(*m));
    free(e);
    free(m);
}

static void test_extremes(void **state)
{
    (void)state;
    lr_latency_reset(&h1);
    lr_latency_record(&h1, UINT64_MAX);
    lr_latency_record(&h1, UINT64_MAX);
    assert_int_equal(h1.sum, UINT64_MAX); /* saturates */
    assert_int_equal(lr_latency_quantile(&h1, 0.5), UINT64_MAX);
    lr_latency_record(&h1, 0);
    assert_int_equal(lr_latency_quantile(&h1, 0.1), 0);
    assert_int_equal(lr_latency_quantile(&h1, 0.0), 0);
    assert_int_equal(lr_latency_quantile(&h1, -1.0), 0);
    assert_int_equal(lr_latency_quantile(&h1, 2.0), UINT64_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buckets),
        cmocka_unit_test(test_empty_and_single),
        cmocka_unit_test(test_quantiles_vs_exact),
        cmocka_unit_test(test_merge),
        cmocka_unit_test(test_extremes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
