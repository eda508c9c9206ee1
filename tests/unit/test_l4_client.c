/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * L4 client state (lr_l4_client.h): payload pattern fill and check from any
 * offset, UDP sequence accounting (received, duplicate, out of window, lost
 * after the timeout, late answers, window overflow).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "lr_l4_client.h"

static void test_pattern(void **state)
{
    (void)state;
    uint8_t buf[300];
    lr_l4_pattern_fill(buf, sizeof(buf), 7, 0);
    assert_int_equal(lr_l4_pattern_check(buf, sizeof(buf), 7, 0), sizeof(buf));
    /* A slice checks at its own stream offset, not at 0. */
    assert_int_equal(lr_l4_pattern_check(buf + 100, 200, 7, 100), 200);
    assert_true(lr_l4_pattern_check(buf + 100, 200, 7, 0) < 200);
    /* Another seed is another pattern. */
    assert_true(lr_l4_pattern_check(buf, sizeof(buf), 8, 0) < sizeof(buf));
    buf[123] ^= 1;
    assert_int_equal(lr_l4_pattern_check(buf, sizeof(buf), 7, 0), 123);
}

static void test_udp_accounting(void **state)
{
    (void)state;
    static struct lr_l4_udp_window w;
    uint64_t rtt = 0;
    lr_l4_udp_window_init(&w, 100);
    uint32_t a = lr_l4_udp_send(&w, 1000, 500);
    uint32_t b = lr_l4_udp_send(&w, 1010, 500);
    assert_int_equal(a, 100);
    assert_int_equal(b, 101);
    assert_int_equal(lr_l4_udp_rx(&w, a, 1100, &rtt), LR_L4_RX_OK);
    assert_int_equal(rtt, 100);
    assert_int_equal(lr_l4_udp_rx(&w, a, 1101, &rtt), LR_L4_RX_DUPLICATE);
    assert_int_equal(lr_l4_udp_rx(&w, 102, 1101, &rtt), LR_L4_RX_OUT_OF_WINDOW);
    assert_int_equal(lr_l4_udp_rx(&w, 99, 1101, &rtt), LR_L4_RX_OUT_OF_WINDOW);
    /* b unanswered: not lost before the timeout, lost once after it. */
    lr_l4_udp_expire(&w, 1509, 500);
    assert_int_equal(w.c.lost, 0);
    lr_l4_udp_expire(&w, 1510, 500);
    lr_l4_udp_expire(&w, 2000, 500);
    assert_int_equal(w.c.lost, 1);
    assert_int_equal(lr_l4_udp_rx(&w, b, 2001, &rtt), LR_L4_RX_LATE);
    assert_int_equal(lr_l4_udp_rx(&w, b, 2002, &rtt), LR_L4_RX_DUPLICATE);
    assert_int_equal(w.c.sent, 2);
    assert_int_equal(w.c.received, 1);
    assert_int_equal(w.c.late, 1);
    assert_int_equal(w.c.duplicates, 2);
    assert_int_equal(w.c.out_of_window, 2);
}

static void test_udp_window_overflow(void **state)
{
    (void)state;
    static struct lr_l4_udp_window w;
    uint64_t rtt;
    lr_l4_udp_window_init(&w, UINT32_MAX - 10); /* across the wrap */
    uint32_t first = lr_l4_udp_send(&w, 0, 1000000);
    for (unsigned i = 1; i < LR_L4_WINDOW; i++)
        lr_l4_udp_send(&w, i, 1000000);
    assert_int_equal(w.c.lost, 0);
    /* One more reuses the oldest slot: that request is lost, its answer is late. */
    lr_l4_udp_send(&w, LR_L4_WINDOW, 1000000);
    assert_int_equal(w.c.lost, 1);
    assert_int_equal(lr_l4_udp_rx(&w, first, LR_L4_WINDOW, &rtt), LR_L4_RX_OUT_OF_WINDOW);
    assert_int_equal(lr_l4_udp_rx(&w, first + 1, LR_L4_WINDOW, &rtt), LR_L4_RX_OK);
    assert_int_equal(rtt, LR_L4_WINDOW - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pattern),
        cmocka_unit_test(test_udp_accounting),
        cmocka_unit_test(test_udp_window_overflow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
