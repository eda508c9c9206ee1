/* SPDX-License-Identifier: BSD-3-Clause */
/* RFC 6298 estimator: values computed by hand from the RFC's formulas. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "lr_tcp_rtt.h"

#define MIN_US 200000u   /* 200 ms */
#define MAX_US 60000000u /* 60 s */

static void initial_rto(void **state)
{
    struct lr_tcp_rtt r;

    (void)state;
    lr_tcp_rtt_init(&r, 1000000);
    assert_int_equal(r.srtt, 0);
    assert_int_equal(r.backoff, 0);
    assert_int_equal(lr_tcp_rtt_rto(&r, MAX_US), 1000000);
}

static void first_and_following_samples(void **state)
{
    struct lr_tcp_rtt r;

    (void)state;
    lr_tcp_rtt_init(&r, 1000000);
    /* §2.2: SRTT = 100000, RTTVAR = 50000, RTO = 100000 + 4*50000. */
    lr_tcp_rtt_sample(&r, 100000, MIN_US, MAX_US);
    assert_int_equal(r.srtt, 100000);
    assert_int_equal(r.rttvar, 50000);
    assert_int_equal(r.rto, 300000);
    /* §2.3 with R' = 120000: RTTVAR = 3/4*50000 + 1/4*20000 = 42500,
     * SRTT = 7/8*100000 + 1/8*120000 = 102500, RTO = 102500 + 170000. */
    lr_tcp_rtt_sample(&r, 120000, MIN_US, MAX_US);
    assert_int_equal(r.rttvar, 42500);
    assert_int_equal(r.srtt, 102500);
    assert_int_equal(r.rto, 272500);
    /* R' = 80000: |102500-80000| = 22500; RTTVAR = (127500+22500)/4 = 37500;
     * SRTT = (717500+80000)/8 = 99687 (rounded down); RTO = 99687 + 150000. */
    lr_tcp_rtt_sample(&r, 80000, MIN_US, MAX_US);
    assert_int_equal(r.rttvar, 37500);
    assert_int_equal(r.srtt, 99687);
    assert_int_equal(r.rto, 249687);
    assert_int_equal(lr_tcp_rtt_rto(&r, MAX_US), 249687);
}

static void min_clamp(void **state)
{
    struct lr_tcp_rtt r;

    (void)state;
    lr_tcp_rtt_init(&r, 1000000);
    /* 300 us LAN RTT: 300 + 4*150 = 900 us, raised to the 1 s floor of §2.4. */
    lr_tcp_rtt_sample(&r, 300, 1000000, MAX_US);
    assert_int_equal(r.srtt, 300);
    assert_int_equal(r.rto, 1000000);
}

static void granularity_floor(void **state)
{
    struct lr_tcp_rtt r;

    (void)state;
    lr_tcp_rtt_init(&r, 1000000);
    /* A perfectly steady RTT drives RTTVAR to 0; RTO = SRTT + G (1 ms). */
    for (int i = 0; i < 100; i++)
        lr_tcp_rtt_sample(&r, 10000, 0, MAX_US);
    assert_int_equal(r.srtt, 10000);
    assert_int_equal(r.rttvar, 0);
    assert_int_equal(r.rto, 11000);
}

static void max_clamp_and_huge_sample(void **state)
{
    struct lr_tcp_rtt r;

    (void)state;
    lr_tcp_rtt_init(&r, 1000000);
    lr_tcp_rtt_sample(&r, 50000000, MIN_US, MAX_US);
    assert_int_equal(r.rto, MAX_US); /* 50 s + 4*25 s clamped (§2.5) */
    lr_tcp_rtt_sample(&r, UINT32_MAX, MIN_US, MAX_US);
    assert_int_equal(r.rto, MAX_US);
    assert_true(r.srtt > 50000000);
    lr_tcp_rtt_init(&r, 1000000);
    lr_tcp_rtt_sample(&r, UINT32_MAX, MIN_US, UINT32_MAX);
    assert_int_equal(r.srtt, UINT32_MAX);
    assert_int_equal(r.rto, UINT32_MAX); /* no wrap-around */
}

static void zero_sample_counts_as_sample(void **state)
{
    struct lr_tcp_rtt r;

    (void)state;
    lr_tcp_rtt_init(&r, 1000000);
    lr_tcp_rtt_sample(&r, 0, 0, MAX_US);
    assert_int_not_equal(r.srtt, 0);
    assert_int_equal(r.rto, 1001); /* 1 + max(G, 0) */
}

static void backoff_doubles_and_caps(void **state)
{
    struct lr_tcp_rtt r;

    (void)state;
    lr_tcp_rtt_init(&r, 1000000);
    lr_tcp_rtt_backoff(&r, MAX_US);
    assert_int_equal(lr_tcp_rtt_rto(&r, MAX_US), 2000000);
    lr_tcp_rtt_backoff(&r, MAX_US);
    assert_int_equal(lr_tcp_rtt_rto(&r, MAX_US), 4000000);
    lr_tcp_rtt_backoff(&r, MAX_US);
    assert_int_equal(lr_tcp_rtt_rto(&r, MAX_US), 8000000);
    /* 16, 32, 64 -> capped at 60 s, and stays there for ever. */
    for (int i = 0; i < 1000; i++)
        lr_tcp_rtt_backoff(&r, MAX_US);
    assert_int_equal(lr_tcp_rtt_rto(&r, MAX_US), MAX_US);
    assert_int_equal(r.backoff, 6);
    assert_int_equal(r.rto, 1000000); /* base RTO unchanged */
    /* A new sample clears the backoff. */
    lr_tcp_rtt_sample(&r, 100000, MIN_US, MAX_US);
    assert_int_equal(r.backoff, 0);
    assert_int_equal(lr_tcp_rtt_rto(&r, MAX_US), 300000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(initial_rto),
        cmocka_unit_test(first_and_following_samples),
        cmocka_unit_test(min_clamp),
        cmocka_unit_test(granularity_floor),
        cmocka_unit_test(max_clamp_and_huge_sample),
        cmocka_unit_test(zero_sample_counts_as_sample),
        cmocka_unit_test(backoff_doubles_and_caps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
