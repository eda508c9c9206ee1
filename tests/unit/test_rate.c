/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Open-loop schedule arithmetic (lr_rate): per-worker shares and their
 * remainder, intended send times without drift, requests due at a time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "lr_rate.h"

static void test_share(void **state)
{
    (void)state;
    /* 10 over 3 workers: 4 3 3; the shares always add up to the total. */
    assert_int_equal(lr_rate_share(10, 3, 0), 4);
    assert_int_equal(lr_rate_share(10, 3, 1), 3);
    assert_int_equal(lr_rate_share(10, 3, 2), 3);
    assert_int_equal(lr_rate_share(10, 3, 3), 0); /* no such worker */
    assert_int_equal(lr_rate_share(10, 0, 0), 0);
    assert_int_equal(lr_rate_share(1, 2, 0), 1);
    assert_int_equal(lr_rate_share(1, 2, 1), 0);
    const uint64_t rates[] = { 0, 1, 7, 1000, 10001, 999999937, UINT64_MAX };
    for (unsigned r = 0; r < sizeof(rates) / sizeof(rates[0]); r++)
        for (unsigned n = 1; n <= 9; n++) {
            uint64_t sum = 0, lo = UINT64_MAX, hi = 0;
            for (unsigned k = 0; k < n; k++) {
                uint64_t s = lr_rate_share(rates[r], n, k);
                sum += s;
                lo = s < lo ? s : lo;
                hi = s > hi ? s : hi;
            }
            assert_true(sum == rates[r]);
            assert_true(hi - lo <= 1); /* remainder spread one each */
        }
}

static void test_intended(void **state)
{
    (void)state;
    struct lr_rate_sched s;
    /* 3 requests/s on a 1 GHz clock from t0 = 5000. */
    lr_rate_init(&s, 5000, 1000000000ull, 3);
    assert_int_equal(lr_rate_intended(&s, 0), 5000);
    assert_int_equal(lr_rate_intended(&s, 1), 5000 + 333333333);
    assert_int_equal(lr_rate_intended(&s, 2), 5000 + 666666666);
    assert_int_equal(lr_rate_intended(&s, 3), 5000 + 1000000000ull); /* no drift */
    assert_int_equal(lr_rate_intended(&s, 3000000), 5000 + 1000000000000000ull);
    /* Large i * hz does not overflow: 2^40 requests at 1/s on a 2^40 Hz clock. */
    lr_rate_init(&s, 0, 1ull << 40, 1);
    assert_true(lr_rate_intended(&s, 1ull << 20) == 1ull << 60);
    assert_true(lr_rate_intended(&s, 1ull << 30) == UINT64_MAX); /* clamped */
    lr_rate_init(&s, 0, 1000, 0);
    assert_true(lr_rate_intended(&s, 0) == UINT64_MAX); /* rate 0: never */
    /* Monotonic and spaced by floor/ceil of hz / rate. */
    lr_rate_init(&s, 17, 2500000000ull, 7919);
    for (uint64_t i = 1; i < 100000; i++) {
        uint64_t d = lr_rate_intended(&s, i) - lr_rate_intended(&s, i - 1);
        assert_true(d == 2500000000ull / 7919 || d == 2500000000ull / 7919 + 1);
    }
}

static void test_due(void **state)
{
    (void)state;
    struct lr_rate_sched s;
    lr_rate_init(&s, 1000, 1000000, 1000);      /* one request per 1000 ticks */
    assert_int_equal(lr_rate_due(&s, 0), 0);    /* before t0 */
    assert_int_equal(lr_rate_due(&s, 999), 0);  /* still before */
    assert_int_equal(lr_rate_due(&s, 1000), 1); /* request 0 at t0 */
    assert_int_equal(lr_rate_due(&s, 1999), 1); /* request 1 at 2000 */
    assert_int_equal(lr_rate_due(&s, 2000), 2);
    s.next = 2; /* both taken */
    assert_int_equal(lr_rate_due(&s, 2000), 0);
    assert_int_equal(lr_rate_due(&s, 2999), 0);
    /* A stall: one second later requests 2 .. 1001 are due (the backlog). */
    assert_int_equal(lr_rate_due(&s, 1002000), 1000);
    /* Consistency with lr_rate_intended on an odd rate and clock. */
    lr_rate_init(&s, 42, 3000000007ull, 12345);
    for (uint64_t i = 0; i < 50000; i += 7) {
        uint64_t t = lr_rate_intended(&s, i);
        assert_int_equal(lr_rate_due(&s, t), i + 1);
        assert_int_equal(lr_rate_due(&s, t - 1), i);
    }
    lr_rate_init(&s, 0, 1000, 0);
    assert_int_equal(lr_rate_due(&s, 1000000), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_share),
        cmocka_unit_test(test_intended),
        cmocka_unit_test(test_due),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
