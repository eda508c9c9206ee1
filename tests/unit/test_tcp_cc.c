/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Congestion control: NewReno (RFC 5681/6582) and CUBIC (RFC 9438) windows
 * computed by hand from the RFC formulas (the arithmetic is in the comments).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "lr_tcp_cc.h"

static void initial_window(void **state)
{
    struct lr_tcp_cc cc;

    (void)state;
    lr_tcp_cc_init(&cc, LR_CC_NEWRENO, 1460);
    assert_int_equal(cc.cwnd, 4380); /* min(5840, max(2920, 4380)) */
    assert_int_equal(cc.ssthresh, UINT32_MAX);
    lr_tcp_cc_init(&cc, LR_CC_NEWRENO, 536);
    assert_int_equal(cc.cwnd, 2144); /* 4 * 536 */
    lr_tcp_cc_init(&cc, LR_CC_CUBIC, 8960);
    assert_int_equal(cc.cwnd, 17920); /* 2 * 8960 */
    lr_tcp_cc_init(&cc, LR_CC_NEWRENO, 0);
    assert_int_equal(cc.mss, 536); /* no MSS known: RFC 9293 default */
    assert_int_equal(cc.cwnd, 2144);
}

static void slow_start_abc(void **state)
{
    struct lr_tcp_cc cc;

    (void)state;
    lr_tcp_cc_init(&cc, LR_CC_NEWRENO, 1460);
    lr_tcp_cc_on_ack(&cc, 1460, 2920, 0, 1000);
    assert_int_equal(cc.cwnd, 5840);
    /* Delayed ACK for two segments: +2 SMSS. */
    lr_tcp_cc_on_ack(&cc, 2920, 2920, 0, 2000);
    assert_int_equal(cc.cwnd, 8760);
    /* Stretch ACK: limited to L = 2 SMSS (RFC 3465). */
    lr_tcp_cc_on_ack(&cc, 14600, 14600, 0, 3000);
    assert_int_equal(cc.cwnd, 11680);
    /* Nothing acknowledged: nothing changes. */
    lr_tcp_cc_on_ack(&cc, 0, 11680, 0, 4000);
    assert_int_equal(cc.cwnd, 11680);
}

static void application_limited_does_not_grow(void **state)
{
    struct lr_tcp_cc cc;

    (void)state;
    lr_tcp_cc_init(&cc, LR_CC_NEWRENO, 1460);
    cc.cwnd = 29200;
    /* One segment in flight is far below half the window. */
    lr_tcp_cc_on_ack(&cc, 1460, 1460, 0, 1000);
    assert_int_equal(cc.cwnd, 29200);
    lr_tcp_cc_on_ack(&cc, 1460, 14599, 0, 1500);
    assert_int_equal(cc.cwnd, 29200);
    /* Half the window in flight counts as cwnd-limited. */
    lr_tcp_cc_on_ack(&cc, 1460, 14600, 0, 2000);
    assert_int_equal(cc.cwnd, 30660);
    /* The same holds in congestion avoidance (CUBIC too). */
    lr_tcp_cc_init(&cc, LR_CC_CUBIC, 1000);
    cc.cwnd = cc.ssthresh = 70000;
    lr_tcp_cc_on_ack(&cc, 1000, 1000, 0, 1000000);
    assert_int_equal(cc.cwnd, 70000);
    assert_int_equal(cc.epoch_start, 0);
}

static void reno_congestion_avoidance(void **state)
{
    struct lr_tcp_cc cc;

    (void)state;
    lr_tcp_cc_init(&cc, LR_CC_NEWRENO, 1460);
    cc.cwnd = cc.ssthresh = 14600;
    /* One SMSS per window of acknowledged bytes: 10 ACKs of 1460. */
    for (int i = 0; i < 9; i++)
        lr_tcp_cc_on_ack(&cc, 1460, 14600, 0, 1000 + i);
    assert_int_equal(cc.cwnd, 14600);
    assert_int_equal(cc.bytes_acked, 9 * 1460);
    lr_tcp_cc_on_ack(&cc, 1460, 14600, 0, 2000);
    assert_int_equal(cc.cwnd, 16060);
    assert_int_equal(cc.bytes_acked, 0);
    /* The next increase needs 16060 bytes: 11 ACKs (16060 = 11 * 1460). */
    for (int i = 0; i < 10; i++)
        lr_tcp_cc_on_ack(&cc, 1460, 16060, 0, 3000 + i);
    assert_int_equal(cc.cwnd, 16060);
    lr_tcp_cc_on_ack(&cc, 1460, 16060, 0, 4000);
    assert_int_equal(cc.cwnd, 17520);
    /* A huge stretch ACK still gives one SMSS at most. */
    lr_tcp_cc_on_ack(&cc, 1000000, 17520, 0, 5000);
    assert_int_equal(cc.cwnd, 18980);
}

static void reno_fast_recovery(void **state)
{
    struct lr_tcp_cc cc;

    (void)state;
    lr_tcp_cc_init(&cc, LR_CC_NEWRENO, 1460);
    cc.cwnd = 16060;
    /* RFC 5681 §3.2 step 2-3: ssthresh = 16060/2, cwnd = ssthresh + 3 SMSS. */
    lr_tcp_cc_on_fast_retransmit(&cc, 16060, 1000);
    assert_int_equal(cc.ssthresh, 8030);
    assert_int_equal(cc.cwnd, 12410);
    lr_tcp_cc_on_dupack_in_recovery(&cc);
    assert_int_equal(cc.cwnd, 13870);
    /* RFC 6582: partial ACK of 2920: 13870 - 2920 + 1460. */
    lr_tcp_cc_on_partial_ack(&cc, 2920);
    assert_int_equal(cc.cwnd, 12410);
    /* Partial ACK below SMSS: no add-back. */
    lr_tcp_cc_on_partial_ack(&cc, 1000);
    assert_int_equal(cc.cwnd, 11410);
    /* Full ACK: min(ssthresh, max(flight, SMSS) + SMSS). */
    lr_tcp_cc_on_recovery_exit(&cc, 5000);
    assert_int_equal(cc.cwnd, 6460);
    cc.cwnd = 20000;
    lr_tcp_cc_on_recovery_exit(&cc, 10000);
    assert_int_equal(cc.cwnd, 8030);
    lr_tcp_cc_on_recovery_exit(&cc, 0);
    assert_int_equal(cc.cwnd, 2920);
    /* Deflation never leaves less than one segment. */
    cc.cwnd = 2000;
    lr_tcp_cc_on_partial_ack(&cc, 5000);
    assert_int_equal(cc.cwnd, 1460);
    /* ssthresh never below 2 SMSS. */
    lr_tcp_cc_on_fast_retransmit(&cc, 2000, 2000);
    assert_int_equal(cc.ssthresh, 2920);
    assert_int_equal(cc.cwnd, 2920 + 3 * 1460);
}

static void reno_timeout_and_idle(void **state)
{
    struct lr_tcp_cc cc;

    (void)state;
    lr_tcp_cc_init(&cc, LR_CC_NEWRENO, 1460);
    cc.cwnd = 40000;
    lr_tcp_cc_on_timeout(&cc, 20000, 1000);
    assert_int_equal(cc.ssthresh, 10000);
    assert_int_equal(cc.cwnd, 1460);
    /* Slow start again up to ssthresh. */
    lr_tcp_cc_on_ack(&cc, 1460, 1460, 0, 2000);
    assert_int_equal(cc.cwnd, 2920);
    cc.cwnd = 20000;
    lr_tcp_cc_on_idle_restart(&cc);
    assert_int_equal(cc.cwnd, 4380);
    cc.cwnd = 2000;
    lr_tcp_cc_on_idle_restart(&cc);
    assert_int_equal(cc.cwnd, 2000);
}

static void icbrt(void **state)
{
    (void)state;
    assert_int_equal(lr_icbrt64(0), 0);
    assert_int_equal(lr_icbrt64(1), 1);
    assert_int_equal(lr_icbrt64(7), 1);
    assert_int_equal(lr_icbrt64(8), 2);
    assert_int_equal(lr_icbrt64(26), 2);
    assert_int_equal(lr_icbrt64(27), 3);
    assert_int_equal(lr_icbrt64(75000000000ull), 4217);
    assert_int_equal(lr_icbrt64(1000000000000000000ull), 1000000);
    assert_int_equal(lr_icbrt64(999999999999999999ull), 999999);
    assert_int_equal(lr_icbrt64(UINT64_MAX), 2642245);
    srand(42);
    for (int i = 0; i < 10000; i++) {
        uint64_t x = ((uint64_t)rand() << 40) ^ ((uint64_t)rand() << 20) ^ (uint64_t)rand();
        uint64_t y = lr_icbrt64(x);

        assert_true(y * y * y <= x);
        if (y < 2642245) /* (y+1)^3 fits in 64 bits */
            assert_true((y + 1) * (y + 1) * (y + 1) > x);
    }
}

static void cubic_decrease_and_concave_growth(void **state)
{
    struct lr_tcp_cc cc;
    const uint64_t t0 = 10000000;

    (void)state;
    lr_tcp_cc_init(&cc, LR_CC_CUBIC, 1000);
    cc.cwnd = 100000;
    /* RFC 9438 §4.6: ssthresh = 0.7 * flight; W_max = cwnd (first loss). */
    lr_tcp_cc_on_fast_retransmit(&cc, 100000, t0 - 1000000);
    assert_int_equal(cc.ssthresh, 70000);
    assert_int_equal(cc.cwnd, 73000);
    assert_int_equal(cc.w_max, 100000);
    assert_int_equal(cc.w_last_max, 100000);
    lr_tcp_cc_on_recovery_exit(&cc, 70000);
    assert_int_equal(cc.cwnd, 70000);

    /* First ACK starts the epoch: K = cbrt((100 - 70) / 0.4) s = 4.217 s.
     * W_est = 70000 + 9/17 * 1000*1000/70000 = 70007 (remainder 670000).
     * W_cubic(0) = 100000 + 0.4*(-4.217)^3 seg = 100000 - 29996 = 70004
     * < W_est: Reno-friendly region, cwnd = W_est. */
    lr_tcp_cc_on_ack(&cc, 1000, 70000, 0, t0);
    assert_int_equal(cc.k_ms, 4217);
    assert_int_equal(cc.w_est, 70007);
    assert_int_equal(cc.cwnd, 70007);

    /* At t = K with SRTT = 100 ms: W_est = 70015, W_cubic(K) = W_max = 100000
     * > W_est; target = W_cubic(K + 0.1 s) = 100000 (0.4 byte rounds away);
     * cwnd += (100000 - 70007) * 1000 / 70007 = 428, remainder 30004. */
    lr_tcp_cc_on_ack(&cc, 1000, 70007, 100000, t0 + 4217000);
    assert_int_equal(cc.w_est, 70015);
    assert_int_equal(cc.cwnd, 70435);
    assert_int_equal(cc.bytes_acked, 30004);
}

static void cubic_after_timeout_convex(void **state)
{
    struct lr_tcp_cc cc;
    const uint64_t t0 = 5000000;

    (void)state;
    lr_tcp_cc_init(&cc, LR_CC_CUBIC, 1000);
    cc.cwnd = 100000;
    lr_tcp_cc_on_timeout(&cc, 100000, t0 - 2000000);
    assert_int_equal(cc.ssthresh, 70000);
    assert_int_equal(cc.cwnd, 1000);
    /* Slow start with ABC... */
    lr_tcp_cc_on_ack(&cc, 1000, 1000, 0, t0 - 1000000);
    assert_int_equal(cc.cwnd, 2000);
    /* ...until ssthresh (shortcut). RFC 9438 §4.8: K = 0, W_max = cwnd. */
    cc.cwnd = 70000;
    lr_tcp_cc_on_ack(&cc, 1000, 70000, 0, t0);
    assert_int_equal(cc.k_ms, 0);
    assert_int_equal(cc.w_max, 70000);
    assert_int_equal(cc.cwnd, 70007); /* W_est 70007 > W_cubic(0) = 70000 */
    /* t = 2 s: W_cubic = 70000 + 0.4 * 8 seg = 73200 > W_est (70015);
     * cwnd += (73200 - 70007) * 1000 / 70007 = 45, remainder 42685. */
    lr_tcp_cc_on_ack(&cc, 1000, 70007, 0, t0 + 2000000);
    assert_int_equal(cc.cwnd, 70052);
    assert_int_equal(cc.bytes_acked, 42685);
    /* Far in the future the target is capped at 1.5 cwnd (§4.4):
     * cwnd += (105078 - 70052) * 1000 / 70052 = 500. */
    lr_tcp_cc_on_ack(&cc, 1000, 70052, 0, t0 + 1000000000);
    assert_int_equal(cc.cwnd, 70552);
}

static void cubic_fast_convergence(void **state)
{
    struct lr_tcp_cc cc;

    (void)state;
    lr_tcp_cc_init(&cc, LR_CC_CUBIC, 1000);
    cc.cwnd = 100000;
    lr_tcp_cc_on_fast_retransmit(&cc, 100000, 1000000);
    assert_int_equal(cc.w_max, 100000);
    /* Second loss before reaching the old W_max: W_max = 90000 * 1.7 / 2. */
    cc.cwnd = 90000;
    lr_tcp_cc_on_fast_retransmit(&cc, 90000, 2000000);
    assert_int_equal(cc.w_max, 76500);
    assert_int_equal(cc.w_last_max, 90000);
    assert_int_equal(cc.ssthresh, 63000);
    assert_int_equal(cc.cwnd, 66000);
    lr_tcp_cc_on_recovery_exit(&cc, 63000);
    assert_int_equal(cc.cwnd, 63000);
    /* K = cbrt((76.5 - 63) / 0.4) s = 3.2317 s. */
    lr_tcp_cc_on_ack(&cc, 1000, 63000, 0, 3000000);
    assert_int_equal(cc.k_ms, 3231);
}

static void cubic_reno_friendly_alpha_one(void **state)
{
    struct lr_tcp_cc cc;

    (void)state;
    lr_tcp_cc_init(&cc, LR_CC_CUBIC, 1000);
    cc.cwnd = cc.ssthresh = 70000;
    cc.w_max = 100000;
    cc.w_last_max = 60000; /* W_est (70000) already above cwnd_prior */
    /* §4.3: alpha = 1: W_est += 1000 * 1000 / 70000 = 14. */
    lr_tcp_cc_on_ack(&cc, 1000, 70000, 0, 1000000);
    assert_int_equal(cc.w_est, 70014);
    assert_int_equal(cc.cwnd, 70014);
}

static void cubic_idle_restart_resets_epoch(void **state)
{
    struct lr_tcp_cc cc;

    (void)state;
    lr_tcp_cc_init(&cc, LR_CC_CUBIC, 1000);
    cc.cwnd = cc.ssthresh = 70000;
    lr_tcp_cc_on_ack(&cc, 1000, 70000, 0, 1000000);
    assert_int_not_equal(cc.epoch_start, 0);
    lr_tcp_cc_on_idle_restart(&cc);
    assert_int_equal(cc.epoch_start, 0);
    assert_int_equal(cc.cwnd, 4000); /* IW for SMSS 1000: min(4000, 4380) */
    /* epoch start at time 0 is still recorded as an epoch */
    cc.cwnd = cc.ssthresh;
    lr_tcp_cc_on_ack(&cc, 1000, 70000, 0, 0);
    assert_int_not_equal(cc.epoch_start, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(initial_window),
        cmocka_unit_test(slow_start_abc),
        cmocka_unit_test(application_limited_does_not_grow),
        cmocka_unit_test(reno_congestion_avoidance),
        cmocka_unit_test(reno_fast_recovery),
        cmocka_unit_test(reno_timeout_and_idle),
        cmocka_unit_test(icbrt),
        cmocka_unit_test(cubic_decrease_and_concave_growth),
        cmocka_unit_test(cubic_after_timeout_convex),
        cmocka_unit_test(cubic_fast_convergence),
        cmocka_unit_test(cubic_reno_friendly_alpha_one),
        cmocka_unit_test(cubic_idle_restart_resets_epoch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
