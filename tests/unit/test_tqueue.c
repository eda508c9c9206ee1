/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Timeout queue tests (lr_tqueue.h): explicit time on a real timer wheel, no
 * EAL. The model: an element queued at time T with delay D has the deadline
 * E = ceil(T / 1 ms) * 1 ms + ceil(D / 1 ms) * 1 ms; it is handed out in the
 * first advance whose time reaches E, never in an earlier one, exactly once,
 * unless it was taken off before.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lr_tqueue.h"

#define MS 1000ull

struct el {
    uint64_t pad; /* the link need not be first */
    struct lr_tqlink tl;
    bool queued;
    int fired;
    uint64_t fired_at;
    uint64_t deadline; /* model */
    int order;
};

#define NEL 64
static struct el els[NEL];
static struct lr_tqueue q;
static struct lr_timer_wheel tw;
static uint64_t cur_now;
static int seq;
static int requeue_left; /* the callback queues the element again this many times */

static void on_fire(struct lr_worker *w, struct lr_timer *t)
{
    (void)w;
    struct lr_tqueue *qq = (struct lr_tqueue *)((char *)t - offsetof(struct lr_tqueue, timer));
    assert_ptr_equal(qq, &q);
    struct el *e;
    while ((e = lr_tqueue_pop_due(&tw, &q, cur_now)) != NULL) {
        assert_true(e->queued);
        assert_true(cur_now >= e->deadline); /* never early */
        e->queued = false;
        e->fired++;
        e->fired_at = cur_now;
        e->order = seq++;
        if (requeue_left > 0) {
            requeue_left--;
            e->queued = true;
            lr_tqueue_add(&tw, &q, (uint32_t)(e - els), cur_now);
        }
    }
}

static uint64_t deadline(uint64_t now, uint64_t delay_us)
{
    uint64_t d = (delay_us + MS - 1) / MS;
    return ((now + MS - 1) / MS + (d ? d : 1)) * MS;
}

static void setup_q(uint64_t now, uint64_t delay_us)
{
    memset(els, 0, sizeof(els));
    memset(&q, 0, sizeof(q));
    lr_timer_wheel_init(&tw, now);
    lr_tqueue_init(&q, els, sizeof(els[0]), offsetof(struct el, tl), delay_us, on_fire);
    seq = 0;
    requeue_left = 0;
}

static void add(int i, uint64_t now, uint64_t delay_us)
{
    els[i].queued = true;
    els[i].deadline = deadline(now, delay_us);
    lr_tqueue_add(&tw, &q, (uint32_t)i, now);
}

static void adv(uint64_t now)
{
    cur_now = now;
    lr_timer_wheel_advance(&tw, NULL, now);
}

/* Four elements a quarter of the delay apart; the second leaves early. */
static void fifo_order_and_delete(void **state)
{
    (void)state;
    const uint64_t D = 200 * MS;
    setup_q(0, D);
    add(0, 0, D);
    add(1, 50 * MS + 7, D);
    add(2, 100 * MS, D);
    add(3, 150 * MS, D);
    assert_int_equal(q.len, 4);
    lr_tqueue_del(&q, 1);
    els[1].queued = false;
    adv(199 * MS);
    assert_int_equal(els[0].fired, 0);
    adv(200 * MS);
    assert_int_equal(els[0].fired, 1);
    assert_int_equal(els[2].fired, 0);
    adv(299 * MS);
    assert_int_equal(els[2].fired, 0);
    adv(300 * MS + 500);
    assert_int_equal(els[2].fired, 1);
    adv(349 * MS);
    assert_int_equal(els[3].fired, 0);
    adv(1000 * MS);
    assert_int_equal(els[3].fired, 1);
    assert_int_equal(els[1].fired, 0);
    assert_int_equal(q.len, 0);
    assert_false(lr_timer_pending(&q.timer));
    /* Empty, then used again: the timer arms itself. */
    add(5, 1000 * MS + 1, D);
    assert_true(lr_timer_pending(&q.timer));
    adv(1200 * MS);
    assert_int_equal(els[5].fired, 0); /* 1001 ms rounded up + 200 */
    adv(1201 * MS);
    assert_int_equal(els[5].fired, 1);
}

/* The head leaves: the timer, armed for it, fires for nothing and re-arms
 * for the next. */
static void lazy_timer_rearms(void **state)
{
    (void)state;
    const uint64_t D = 10 * MS;
    setup_q(0, D);
    add(0, 0, D);
    add(1, 5 * MS, D);
    lr_tqueue_del(&q, 0);
    els[0].queued = false;
    adv(10 * MS);
    assert_int_equal(els[1].fired, 0);
    assert_true(lr_timer_pending(&q.timer));
    adv(15 * MS);
    assert_int_equal(els[1].fired, 1);
    assert_int_equal(els[0].fired, 0);

    /* The callback queues the one it took again (due later than the new
     * head, which was queued before it): the head still fires on time. */
    add(2, 20 * MS, D);
    add(3, 25 * MS, D);
    requeue_left = 1;
    adv(30 * MS);
    assert_int_equal(els[2].fired, 1);
    assert_int_equal(els[3].fired, 0);
    adv(35 * MS);
    assert_int_equal(els[3].fired, 1);
    assert_int_equal(els[2].fired, 1);
    adv(40 * MS);
    assert_int_equal(els[2].fired, 2);
}

/* Queued again from the callback (and a zero delay): waits at least a tick,
 * one advance does not loop. */
static void requeue_from_callback(void **state)
{
    (void)state;
    setup_q(0, 0);
    add(0, 0, 0);
    requeue_left = 1000;
    adv(1 * MS);
    assert_int_equal(els[0].fired, 1);
    adv(1 * MS + 999);
    assert_int_equal(els[0].fired, 1);
    els[0].deadline = 2 * MS;
    adv(2 * MS);
    assert_int_equal(els[0].fired, 2);
    /* A long gap: one firing per advance, not one per missed tick. */
    els[0].deadline = 3 * MS;
    adv(500 * MS);
    assert_int_equal(els[0].fired, 3);
}

/* Random adds, deletes and advances against the model, across the 32-bit
 * millisecond wrap. */
static void random_against_model(void **state)
{
    (void)state;
    const uint64_t start = (UINT64_C(1) << 32) * MS - 3000 * MS; /* wraps 3 s in */
    const uint64_t D = 37 * MS + 400;
    setup_q(start, D);
    srand(13);
    uint64_t now = start, prev = start;
    for (int step = 0; step < 20000; step++) {
        int i = rand() % NEL;
        int op = rand() % 8;
        if (op < 3 && !els[i].queued) {
            add(i, now, D);
        } else if (op == 3 && els[i].queued) {
            lr_tqueue_del(&q, (uint32_t)i);
            els[i].queued = false;
        } else {
            prev = now;
            now += (uint64_t)(rand() % 5000);
            for (int k = 0; k < NEL; k++)
                els[k].fired = 0;
            adv(now);
            for (int k = 0; k < NEL; k++) {
                if (els[k].fired) {
                    assert_int_equal(els[k].fired, 1);
                    assert_true(els[k].deadline > prev); /* not late */
                } else if (els[k].queued) {
                    assert_true(els[k].deadline > now); /* due ones were handed out */
                }
            }
        }
        uint32_t n = 0;
        for (int k = 0; k < NEL; k++)
            n += els[k].queued;
        assert_int_equal(q.len, n);
    }
    assert_true(now > (UINT64_C(1) << 32) * MS); /* crossed the wrap */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fifo_order_and_delete),
        cmocka_unit_test(lazy_timer_rearms),
        cmocka_unit_test(requeue_from_callback),
        cmocka_unit_test(random_against_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
