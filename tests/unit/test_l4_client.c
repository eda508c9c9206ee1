/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * UDP request accounting of client mode's udp mode (lr_l4_client.h):
 * received, duplicate, out of window, lost after the timeout, late answers,
 * the window wrapping onto pending requests (overrun), sequence numbers
 * across 2^32 and the flow each answer is credited to.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "lr_l4_client.h"

#define WSIZE 1024u

static uint64_t sent_us[WSIZE];
static uint8_t slot_state[WSIZE];
static uint32_t slot_flow[WSIZE];

static void window(struct lr_l4_udp_window *w, uint32_t first)
{
    lr_l4_udp_window_init(w, first, WSIZE, sent_us, slot_state, slot_flow);
}

static void test_udp_accounting(void **state)
{
    (void)state;
    struct lr_l4_udp_window w;
    uint64_t rtt = 0;
    uint32_t flow = 99, of;
    bool overran;
    window(&w, 100);
    uint32_t a = lr_l4_udp_send(&w, 1000, 3, &overran, &of);
    assert_false(overran);
    uint32_t b = lr_l4_udp_send(&w, 1010, 4, &overran, &of);
    assert_int_equal(a, 100);
    assert_int_equal(b, 101);
    assert_int_equal(lr_l4_udp_pending(&w), 2);
    assert_int_equal(lr_l4_udp_rx(&w, a, 1100, &rtt, &flow), LR_L4_RX_OK);
    assert_int_equal(rtt, 100);
    assert_int_equal(flow, 3);
    assert_int_equal(lr_l4_udp_rx(&w, a, 1101, &rtt, &flow), LR_L4_RX_DUPLICATE);
    /* never sent (ahead) and before the first one */
    assert_int_equal(lr_l4_udp_rx(&w, 102, 1101, &rtt, &flow), LR_L4_RX_OUT_OF_WINDOW);
    assert_int_equal(lr_l4_udp_rx(&w, 99, 1101, &rtt, &flow), LR_L4_RX_OUT_OF_WINDOW);
    /* b unanswered: not lost before the timeout, lost once after it; the
     * answered a is skipped on the way. */
    flow = 99;
    assert_false(lr_l4_udp_expire_one(&w, 1509, 500, false, &flow));
    assert_int_equal(w.c.lost, 0);
    assert_true(lr_l4_udp_expire_one(&w, 1510, 500, false, &flow));
    assert_int_equal(flow, 4);
    assert_false(lr_l4_udp_expire_one(&w, 2000, 500, false, &flow));
    assert_false(lr_l4_udp_expire_one(&w, 2000, 500, true, &flow));
    assert_int_equal(w.c.lost, 1);
    assert_int_equal(lr_l4_udp_pending(&w), 0);
    assert_int_equal(lr_l4_udp_rx(&w, b, 2001, &rtt, &flow), LR_L4_RX_LATE);
    assert_int_equal(lr_l4_udp_rx(&w, b, 2002, &rtt, &flow), LR_L4_RX_DUPLICATE);
    assert_int_equal(w.c.sent, 2);
    assert_int_equal(w.c.received, 1);
    assert_int_equal(w.c.late, 1);
    assert_int_equal(w.c.duplicates, 2);
    assert_int_equal(w.c.out_of_window, 2);
    assert_int_equal(w.c.overrun, 0);
}

/* Expiry walks in send order and stops at the first request still inside
 * its timeout: sends are in time order, so nothing behind it is older. */
static void test_udp_expire_order(void **state)
{
    (void)state;
    struct lr_l4_udp_window w;
    uint32_t flow, of;
    bool overran;
    window(&w, 0);
    for (uint32_t i = 0; i < 10; i++)
        lr_l4_udp_send(&w, 100 * i, i, &overran, &of);
    unsigned n = 0;
    while (lr_l4_udp_expire_one(&w, 450, 100, false, &flow)) {
        assert_int_equal(flow, n);
        n++;
    }
    assert_int_equal(n, 4); /* sent at 0, 100, 200, 300 */
    assert_int_equal(lr_l4_udp_pending(&w), 6);
    /* force (the end of a run) expires the rest regardless of age */
    while (lr_l4_udp_expire_one(&w, 450, 100, true, &flow))
        n++;
    assert_int_equal(n, 10);
    assert_int_equal(w.c.lost, 10);
}

static void test_udp_window_overrun(void **state)
{
    (void)state;
    struct lr_l4_udp_window w;
    uint64_t rtt;
    uint32_t flow, of = 0;
    bool overran;
    window(&w, UINT32_MAX - 10); /* across the wrap */
    uint32_t first = lr_l4_udp_send(&w, 0, 7, &overran, &of);
    for (unsigned i = 1; i < WSIZE; i++) {
        lr_l4_udp_send(&w, i, 8, &overran, &of);
        assert_false(overran);
    }
    assert_int_equal(w.c.lost, 0);
    assert_int_equal(lr_l4_udp_pending(&w), WSIZE);
    /* One more reuses the oldest slot: that request is lost (overrun), the
     * caller learns its flow, and its answer is out of the window. */
    uint32_t last = lr_l4_udp_send(&w, WSIZE, 9, &overran, &of);
    assert_true(overran);
    assert_int_equal(of, 7);
    assert_int_equal(last, first + WSIZE);
    assert_int_equal(w.c.lost, 1);
    assert_int_equal(w.c.overrun, 1);
    assert_int_equal(lr_l4_udp_rx(&w, first, WSIZE, &rtt, &flow), LR_L4_RX_OUT_OF_WINDOW);
    assert_int_equal(lr_l4_udp_rx(&w, first + 1, WSIZE, &rtt, &flow), LR_L4_RX_OK);
    assert_int_equal(rtt, WSIZE - 1);
    assert_int_equal(flow, 8);
    assert_int_equal(lr_l4_udp_rx(&w, last, WSIZE + 5, &rtt, &flow), LR_L4_RX_OK);
    assert_int_equal(rtt, 5);
    assert_int_equal(flow, 9);
    /* sequence numbers wrapped through 0 and still compare */
    assert_true(last < first);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_udp_accounting),
        cmocka_unit_test(test_udp_expire_order),
        cmocka_unit_test(test_udp_window_overrun),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
