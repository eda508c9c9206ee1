/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Latency histogram (lr_latency): bucket layout, precision bound,
 * quantiles against exact order statistics, merge, extremes.
 */
#include <math.h>
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

static uint64_t xs_state = 0x9E3779B97F4A7C15ULL;
static uint64_t xs_next(void)
{
    xs_state ^= xs_state << 13;
    xs_state ^= xs_state >> 7;
    xs_state ^= xs_state << 17;
    return xs_state;
}

/* Heavy-tailed (Pareto, alpha 1.1, from 50 us, capped at 1 h) sample: the
 * bound (never below, at most 1/64 above the exact order statistic) holds
 * at every tail percentile; merging random parts equals recording all. */
static void test_heavy_tail_and_random_merge(void **state)
{
    (void)state;
    enum { N = 200000, PARTS = 3 };
    uint64_t *v = malloc(sizeof(uint64_t) * N);
    struct lr_latency *part = calloc(PARTS, sizeof(*part));
    struct lr_latency *all = calloc(1, sizeof(*all));
    struct lr_latency *m = calloc(1, sizeof(*m));
    assert_non_null(v);
    assert_non_null(part);
    assert_non_null(all);
    assert_non_null(m);
    lr_latency_reset(all);
    lr_latency_reset(m);
    for (unsigned p = 0; p < PARTS; p++)
        lr_latency_reset(&part[p]);
    for (unsigned i = 0; i < N; i++) {
        double u = ((double)(xs_next() >> 11) + 1.0) / 9007199254740993.0; /* (0, 1] */
        double x = 50.0 * pow(u, -1.0 / 1.1);
        v[i] = x > 3.6e9 ? (uint64_t)3.6e9 : (uint64_t)x;
        lr_latency_record(all, v[i]);
        lr_latency_record(&part[xs_next() % PARTS], v[i]);
    }
    qsort(v, N, sizeof(uint64_t), cmp_u64);
    const double qs[] = { 0.01, 0.5, 0.9, 0.99, 0.999, 0.9999, 0.99999 };
    for (unsigned k = 0; k < sizeof(qs) / sizeof(qs[0]); k++) {
        uint64_t rank = (uint64_t)ceil((double)N * qs[k]);
        uint64_t exact = v[rank - 1];
        uint64_t got = lr_latency_quantile(all, qs[k]);
        assert_true(got >= exact);
        assert_true((got - exact) * 64 <= exact);
    }
    assert_int_equal(all->max, v[N - 1]);
    assert_true(v[N - 1] > 1000000); /* the tail did reach seconds */
    for (unsigned p = 0; p < PARTS; p++)
        lr_latency_merge(m, &part[p]);
    assert_memory_equal(m, all, sizeof(*m));
    free(m);
    free(all);
    free(part);
    free(v);
}

static void test_overflow(void **state)
{
    (void)state;
    lr_latency_reset(&h1);
    lr_latency_reset(&h2);
    uint64_t top = (uint64_t)1 << LR_LATENCY_MAX_BITS;
    lr_latency_record(&h1, top - 1); /* the last value still in range */
    assert_int_equal(h1.overflow, 0);
    lr_latency_record(&h1, top);
    lr_latency_record(&h2, UINT64_MAX);
    assert_int_equal(h1.overflow, 1);
    assert_int_equal(h1.buckets[LR_LATENCY_BUCKETS - 1], 2); /* clamped */
    lr_latency_merge(&h1, &h2);
    assert_int_equal(h1.overflow, 2);
    assert_int_equal(h1.max, UINT64_MAX);
    assert_int_equal(h1.count, 3);
}

static void test_distribution(void **state)
{
    (void)state;
    static struct lr_latency_tick t[400];
    lr_latency_reset(&h1);
    assert_int_equal(lr_latency_distribution(&h1, 5, t, 400), 0);
    /* 1..10000 us, one sample each. */
    for (uint64_t i = 1; i <= 10000; i++)
        lr_latency_record(&h1, i);
    unsigned n = lr_latency_distribution(&h1, 1, t, 400);
    assert_true(n > 10);
    assert_true(t[0].percentile == 0.0);
    assert_int_equal(t[0].value_us, 1);
    assert_true(t[1].percentile == 50.0);
    assert_true(t[2].percentile == 75.0);
    assert_true(t[3].percentile == 87.5);
    assert_true(t[n - 1].percentile == 100.0);
    assert_int_equal(t[n - 1].value_us, 10000);
    assert_int_equal(t[n - 1].count, 10000);
    for (unsigned i = 1; i < n; i++) {
        assert_true(t[i].percentile > t[i - 1].percentile);
        assert_true(t[i].value_us >= t[i - 1].value_us);
        assert_true(t[i].count >= t[i - 1].count);
        /* value is the quantile; count = samples <= value (here = value). */
        assert_int_equal(t[i].value_us, lr_latency_quantile(&h1, t[i].percentile / 100.0));
        assert_int_equal(t[i].count, t[i].value_us);
        /* at least the requested share of samples is at or below it */
        assert_true((double)t[i].count >= t[i].percentile / 100.0 * 10000.0);
    }
    unsigned n5 = lr_latency_distribution(&h1, 5, t, 400);
    assert_true(n5 > 4 * n);
    assert_true(t[1].percentile == 10.0);
    /* A small cap is respected and still ends at 100 %. */
    assert_int_equal(lr_latency_distribution(&h1, 5, t, 4), 4);
    assert_true(t[3].percentile == 100.0);
    assert_int_equal(t[3].value_us, 10000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buckets),
        cmocka_unit_test(test_empty_and_single),
        cmocka_unit_test(test_quantiles_vs_exact),
        cmocka_unit_test(test_merge),
        cmocka_unit_test(test_extremes),
        cmocka_unit_test(test_heavy_tail_and_random_merge),
        cmocka_unit_test(test_overflow),
        cmocka_unit_test(test_distribution),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
