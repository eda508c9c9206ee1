/* SPDX-License-Identifier: BSD-3-Clause */
/* Timer wheel (lr_timer.c): arm/cancel, re-arm of a pending timer, arm and expiry. */
#include <stddef.h>

#include "harness.h"
#include "lr_timer.h"

#define NTIMERS 4096
#define BATCH   1024 /* timers armed and expired per iteration of timer_arm_expire */

struct timer_ctx {
    struct lr_timer_wheel tw;
    struct lr_timer t[NTIMERS];
    uint64_t fired;
};

static struct timer_ctx timer_ctx;

static void on_fire(struct lr_worker *w, struct lr_timer *t)
{
    (void)w;
    lr_bench_escape(t);
    timer_ctx.fired++;
}

static void *timer_setup(int64_t arg)
{
    (void)arg;
    lr_timer_wheel_init(&timer_ctx.tw, 1000000);
    for (unsigned i = 0; i < NTIMERS; i++)
        lr_timer_init(&timer_ctx.t[i], on_fire);
    timer_ctx.fired = 0;
    return &timer_ctx;
}

/* Spread of expiries: 1 ms .. ~1 s, deterministic. */
static inline uint64_t spread_us(unsigned i)
{
    return 1000 + (uint64_t)(i * 7919u) % 1000000;
}

/* Arm then cancel one timer (a retransmission timer stopped by the ACK). */
static void timer_arm_cancel(struct lr_bench_state *st, void *ctx)
{
    struct timer_ctx *c = ctx;
    const uint64_t now = 1000000;
    unsigned i = 0;

    while (lr_bench_keep_running(st)) {
        struct lr_timer *t = &c->t[i % NTIMERS];

        lr_timer_arm(&c->tw, t, now + 200000 + spread_us(i));
        lr_timer_cancel(&c->tw, t);
        i++;
    }
    lr_bench_set_items_processed(st, lr_bench_iterations(st));
}
LR_BENCH_REGISTER(timer_arm_cancel, timer_arm_cancel, timer_setup, NULL);

/* Re-arm an already pending timer among NTIMERS pending (RTO restart per ACK). */
static void timer_rearm(struct lr_bench_state *st, void *ctx)
{
    struct timer_ctx *c = ctx;
    const uint64_t now = 1000000;
    unsigned i = 0;

    for (unsigned k = 0; k < NTIMERS; k++)
        lr_timer_arm(&c->tw, &c->t[k], now + 200000 + spread_us(k));
    while (lr_bench_keep_running(st)) {
        lr_timer_arm(&c->tw, &c->t[i % NTIMERS], now + 200000 + spread_us(i * 3));
        i++;
    }
    for (unsigned k = 0; k < NTIMERS; k++)
        lr_timer_cancel(&c->tw, &c->t[k]);
    lr_bench_set_items_processed(st, lr_bench_iterations(st));
}
LR_BENCH_REGISTER(timer_rearm, timer_rearm, timer_setup, NULL);

/*
 * Arm BATCH timers over the next second, then advance the clock 1 ms at a
 * time (as a worker loop would) until all have fired. Items = timers.
 */
static void timer_arm_expire(struct lr_bench_state *st, void *ctx)
{
    struct timer_ctx *c = ctx;
    uint64_t now = 1000000, expected = 0;

    while (lr_bench_keep_running(st)) {
        for (unsigned k = 0; k < BATCH; k++)
            lr_timer_arm(&c->tw, &c->t[k], now + spread_us(k));
        for (unsigned ms = 1; ms <= 1001; ms++)
            lr_timer_wheel_advance(&c->tw, NULL, now + ms * 1000);
        now += 1001 * 1000;
        expected += BATCH;
    }
    if (c->fired != expected)
        lr_bench_skip_with_error(st, "not every timer fired");
    lr_bench_set_items_processed(st, lr_bench_iterations(st) * BATCH);
}
LR_BENCH_REGISTER(timer_arm_expire, timer_arm_expire, timer_setup, NULL);
