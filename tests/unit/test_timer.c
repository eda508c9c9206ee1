/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Timer wheel tests: explicit time, no EAL. The reference model is the
 * definition itself: a timer with expiry E fires in the first advance whose
 * time reaches ceil(E / tick) * tick, never in an earlier one, exactly once.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "lr_timer.h"

#define TICK LR_TIMER_TICK_US
#define SEC  1000000ull
#define MIN  (60 * SEC)
#define HOUR (60 * MIN)

struct tt {
    struct lr_timer timer;
    int fired;
    uint64_t fired_at; /* the advance time at which it fired */
    int order;
};

static uint64_t cur_now; /* time passed to the running advance */
static int fire_seq;

#define TT(t) ((struct tt *)((char *)(t)-offsetof(struct tt, timer)))

static void on_fire(struct lr_worker *w, struct lr_timer *t)
{
    (void)w;
    struct tt *x = TT(t);
    x->fired++;
    x->fired_at = cur_now;
    x->order = fire_seq++;
}

static unsigned adv(struct lr_timer_wheel *tw, uint64_t now)
{
    cur_now = now;
    return lr_timer_wheel_advance(tw, NULL, now);
}

static uint64_t ceil_tick_us(uint64_t e)
{
    return (e + TICK - 1) / TICK * TICK;
}

static struct lr_timer_wheel *new_wheel(uint64_t now)
{
    struct lr_timer_wheel *tw = malloc(sizeof(*tw));
    assert_non_null(tw);
    lr_timer_wheel_init(tw, now);
    fire_seq = 0;
    return tw;
}

static void fire_order(void **state)
{
    (void)state;
    struct lr_timer_wheel *tw = new_wheel(0);
    struct tt a = { 0 }, b = { 0 }, c = { 0 };
    lr_timer_init(&a.timer, on_fire);
    lr_timer_init(&b.timer, on_fire);
    lr_timer_init(&c.timer, on_fire);
    assert_false(lr_timer_pending(&a.timer));
    lr_timer_arm(tw, &c.timer, 30 * TICK);
    lr_timer_arm(tw, &a.timer, 10 * TICK);
    lr_timer_arm(tw, &b.timer, 20 * TICK);
    assert_true(lr_timer_pending(&a.timer));
    assert_int_equal(tw->count, 3);

    assert_int_equal(adv(tw, 10 * TICK - 1), 0); /* never early */
    assert_int_equal(a.fired, 0);
    assert_int_equal(adv(tw, 10 * TICK), 1);
    assert_int_equal(a.fired, 1);
    assert_false(lr_timer_pending(&a.timer));
    assert_int_equal(adv(tw, 100 * TICK), 2);
    assert_int_equal(b.fired, 1);
    assert_int_equal(c.fired, 1);
    assert_true(a.order < b.order && b.order < c.order);
    assert_int_equal(tw->count, 0);
    assert_int_equal(tw->fired, 3);
    /* Not a tick multiple: fires when the tick containing it has passed. */
    lr_timer_arm(tw, &a.timer, 100 * TICK + 1);
    assert_int_equal(adv(tw, 100 * TICK + 999), 0);
    assert_int_equal(adv(tw, 101 * TICK), 1);
    assert_int_equal(a.fired, 2);
    free(tw);
}

static void cancel_and_rearm(void **state)
{
    (void)state;
    struct lr_timer_wheel *tw = new_wheel(5 * SEC);
    struct tt a = { 0 }, b = { 0 };
    lr_timer_init(&a.timer, on_fire);
    lr_timer_init(&b.timer, on_fire);
    lr_timer_arm(tw, &a.timer, 5 * SEC + 50 * TICK);
    lr_timer_arm(tw, &b.timer, 5 * SEC + 5000 * TICK); /* upper level */
    lr_timer_cancel(tw, &a.timer);
    lr_timer_cancel(tw, &a.timer); /* no-op */
    assert_false(lr_timer_pending(&a.timer));
    assert_int_equal(tw->count, 1);
    /* Re-arm a pending timer earlier, then later. */
    lr_timer_arm(tw, &b.timer, 5 * SEC + 10 * TICK);
    assert_int_equal(tw->count, 1);
    lr_timer_arm(tw, &b.timer, 5 * SEC + 300 * TICK);
    assert_int_equal(adv(tw, 5 * SEC + 299 * TICK), 0);
    assert_int_equal(adv(tw, 5 * SEC + 300 * TICK), 1);
    assert_int_equal(a.fired, 0);
    assert_int_equal(b.fired, 1);
    /* Cancel something in an upper level, and the overflow list. */
    lr_timer_arm(tw, &a.timer, 5 * SEC + 2 * MIN);
    lr_timer_arm(tw, &b.timer, 5 * SEC + 40 * HOUR);
    lr_timer_cancel(tw, &a.timer);
    lr_timer_cancel(tw, &b.timer);
    assert_int_equal(tw->count, 0);
    assert_int_equal(adv(tw, 50 * HOUR), 0);
    assert_int_equal(a.fired, 0);
    assert_int_equal(b.fired, 1);
    free(tw);
}

static void arm_in_past(void **state)
{
    (void)state;
    struct lr_timer_wheel *tw = new_wheel(10 * SEC);
    struct tt a = { 0 }, b = { 0 };
    lr_timer_init(&a.timer, on_fire);
    lr_timer_init(&b.timer, on_fire);
    lr_timer_arm(tw, &a.timer, 1 * SEC);
    lr_timer_arm(tw, &b.timer, 0);
    /* Fires on the next advance, even one that does not move time. */
    assert_int_equal(adv(tw, 10 * SEC), 2);
    assert_int_equal(a.fired, 1);
    assert_int_equal(b.fired, 1);
    /* Exactly now also counts as "due". */
    lr_timer_arm(tw, &a.timer, 10 * SEC);
    assert_int_equal(adv(tw, 10 * SEC), 1);
    assert_int_equal(a.fired, 2);
    free(tw);
}

static void far_timers_sorted(void **state)
{
    (void)state;
    /* 1 s, 1 min, 1 h, 19 h (top level), 30 h and 100 h (overflow list). */
    const uint64_t start = 987654321;
    const uint64_t offs[] = { 1 * SEC, 1 * MIN, 1 * HOUR, 19 * HOUR, 30 * HOUR, 100 * HOUR };
    struct tt x[6];
    memset(x, 0, sizeof(x));
    struct lr_timer_wheel *tw = new_wheel(start);
    for (unsigned i = 0; i < 6; i++) {
        lr_timer_init(&x[i].timer, on_fire);
        lr_timer_arm(tw, &x[i].timer, start + offs[i]);
    }
    for (unsigned i = 0; i < 6; i++) {
        uint64_t e = start + offs[i];
        assert_int_equal(adv(tw, ceil_tick_us(e) - 1), 0);
        assert_int_equal(x[i].fired, 0);
        assert_int_equal(adv(tw, ceil_tick_us(e)), 1);
        assert_int_equal(x[i].fired, 1);
        assert_int_equal(x[i].fired_at, ceil_tick_us(e));
    }
    assert_int_equal(tw->count, 0);
    free(tw);
}

/* Random timers against the model, with callbacks that re-arm and cancel. */
#define NRAND 4000
static struct tt rnd[NRAND];
static uint64_t rnd_expect[NRAND]; /* expiry of the current arming */
static uint64_t rnd_armed_count[NRAND];
static uint64_t rnd_fire_count[NRAND];
static struct lr_timer_wheel *rnd_tw;
static uint64_t rng_state = 88172645463325252ull;
static uint64_t rnd_prev_now;

static uint64_t xr(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static uint64_t rand_delay0(void);

/* At least one tick: arming in the past is tested on its own. */
static uint64_t rand_delay(void)
{
    return TICK + rand_delay0();
}

static uint64_t rand_delay0(void)
{
    switch (xr() % 6) {
    case 0:
        return xr() % (300 * TICK); /* level 0 and its edge */
    case 1:
        return xr() % (20 * SEC); /* level 1 */
    case 2:
        return xr() % (20 * MIN); /* level 2 */
    case 3:
        return xr() % (20 * HOUR); /* level 3 and overflow */
    case 4:
        return 255 * TICK + xr() % (3 * TICK); /* slot boundaries */
    default:
        return xr() % (40 * HOUR);
    }
}

static void rnd_fire(struct lr_worker *w, struct lr_timer *t)
{
    (void)w;
    struct tt *x = TT(t);
    size_t i = (size_t)(x - rnd);
    assert_true(cur_now >= rnd_expect[i]); /* never early */
    /* Not late: it was not yet due at the previous advance. */
    assert_true(ceil_tick_us(rnd_expect[i]) > rnd_prev_now);
    rnd_fire_count[i]++;
    x->fired_at = cur_now;
    uint64_t r = xr() % 8;
    if (r == 0) {
        /* Re-arm self. */
        rnd_expect[i] = cur_now + rand_delay();
        rnd_armed_count[i]++;
        lr_timer_arm(rnd_tw, t, rnd_expect[i]);
    } else if (r == 1) {
        /* Cancel or re-arm another timer (possibly in the same slot). */
        size_t j = xr() % NRAND;
        if (lr_timer_pending(&rnd[j].timer)) {
            lr_timer_cancel(rnd_tw, &rnd[j].timer);
            rnd_armed_count[j]--;
        }
        if (xr() & 1) {
            rnd_expect[j] = cur_now + rand_delay();
            rnd_armed_count[j]++;
            lr_timer_arm(rnd_tw, &rnd[j].timer, rnd_expect[j]);
        }
    }
}

static void random_against_model(void **state)
{
    (void)state;
    uint64_t now = 777 * SEC + 321;
    rnd_tw = new_wheel(now);
    memset(rnd, 0, sizeof(rnd));
    memset(rnd_armed_count, 0, sizeof(rnd_armed_count));
    memset(rnd_fire_count, 0, sizeof(rnd_fire_count));
    rnd_prev_now = now;
    for (size_t i = 0; i < NRAND; i++) {
        lr_timer_init(&rnd[i].timer, rnd_fire);
        rnd_expect[i] = now + rand_delay();
        rnd_armed_count[i] = 1;
        lr_timer_arm(rnd_tw, &rnd[i].timer, rnd_expect[i]);
    }
    for (int step = 0; step < 200000; step++) {
        uint64_t d;
        switch (xr() % 4) {
        case 0:
            d = xr() % (3 * TICK);
            break;
        case 1:
            d = xr() % (300 * TICK);
            break;
        case 2:
            d = xr() % (10 * SEC);
            break;
        default:
            d = xr() % (10 * MIN);
            break;
        }
        now += d;
        cur_now = now;
        lr_timer_wheel_advance(rnd_tw, NULL, now);
        /* Every timer whose tick has passed fired; nothing else did. */
        if (step % 64 == 0 || d > SEC) {
            uint64_t pending = 0;
            for (size_t i = 0; i < NRAND; i++) {
                if (lr_timer_pending(&rnd[i].timer)) {
                    pending++;
                    /* Anything whose tick has passed must have fired. */
                    assert_true(ceil_tick_us(rnd_expect[i]) > now);
                }
                assert_true(rnd_fire_count[i] <= rnd_armed_count[i]);
            }
            assert_int_equal(pending, rnd_tw->count);
        }
        rnd_prev_now = now;
        if (rnd_tw->count == 0)
            break;
    }
    /* Drain: everything armed fires exactly once. */
    now += 100 * HOUR;
    cur_now = now;
    for (int k = 0; k < 100 && rnd_tw->count > 0; k++) {
        lr_timer_wheel_advance(rnd_tw, NULL, now);
        rnd_prev_now = now;
        now += 100 * HOUR;
        cur_now = now;
    }
    assert_int_equal(rnd_tw->count, 0);
    uint64_t total = 0;
    for (size_t i = 0; i < NRAND; i++) {
        assert_int_equal(rnd_fire_count[i], rnd_armed_count[i]);
        total += rnd_fire_count[i];
    }
    assert_int_equal(rnd_tw->fired, total);
    free(rnd_tw);
}

/* Precise model check: one advance per tick, each timer fires at exactly its tick. */
static void exact_tick_model(void **state)
{
    (void)state;
    uint64_t now = 3 * SEC;
    rnd_tw = new_wheel(now);
    memset(rnd, 0, sizeof(rnd));
    static uint64_t when[NRAND];
    for (size_t i = 0; i < NRAND; i++) {
        lr_timer_init(&rnd[i].timer, on_fire);
        uint64_t d = (i % 2) ? xr() % (70 * SEC) : xr() % (600 * TICK);
        when[i] = now + d;
        lr_timer_arm(rnd_tw, &rnd[i].timer, when[i]);
    }
    uint64_t end = now + 71 * SEC;
    for (uint64_t t = now + TICK; t <= end; t += TICK) {
        adv(rnd_tw, t);
    }
    for (size_t i = 0; i < NRAND; i++) {
        assert_int_equal(rnd[i].fired, 1);
        uint64_t due = ceil_tick_us(when[i]);
        if (due <= now)
            due = now + TICK; /* armed at "now": first advance */
        assert_int_equal(rnd[i].fired_at, due);
    }
    free(rnd_tw);
}

/* Callbacks that arm themselves, cancel later timers in the same slot and
 * arm into the slot being processed. */
static struct lr_timer_wheel *cb_tw;
static struct tt cb_a, cb_b, cb_c, cb_d;
static int cb_self_count;

static void cb_self(struct lr_worker *w, struct lr_timer *t)
{
    (void)w;
    on_fire(w, t);
    if (++cb_self_count < 5)
        lr_timer_arm(cb_tw, t, cur_now + 7 * TICK);
}

static void cb_killer(struct lr_worker *w, struct lr_timer *t)
{
    on_fire(w, t);
    /* b and c share this slot: cancel one, re-arm the other for now. */
    lr_timer_cancel(cb_tw, &cb_b.timer);
    lr_timer_arm(cb_tw, &cb_c.timer, cur_now);
    /* Arm d in the past: runs in this advance after the slot. */
    lr_timer_arm(cb_tw, &cb_d.timer, cur_now - 5 * TICK);
}

static void callbacks_rearm_cancel(void **state)
{
    (void)state;
    cb_tw = new_wheel(0);
    memset(&cb_a, 0, sizeof(cb_a));
    memset(&cb_b, 0, sizeof(cb_b));
    memset(&cb_c, 0, sizeof(cb_c));
    memset(&cb_d, 0, sizeof(cb_d));
    cb_self_count = 0;
    lr_timer_init(&cb_a.timer, cb_killer);
    lr_timer_init(&cb_b.timer, on_fire);
    lr_timer_init(&cb_c.timer, on_fire);
    lr_timer_init(&cb_d.timer, on_fire);
    /* Same slot: the list is LIFO, so arm b and c first, the killer last. */
    lr_timer_arm(cb_tw, &cb_b.timer, 50 * TICK);
    lr_timer_arm(cb_tw, &cb_c.timer, 50 * TICK);
    lr_timer_arm(cb_tw, &cb_a.timer, 50 * TICK);
    assert_int_equal(adv(cb_tw, 50 * TICK), 3); /* a, c (re-armed for now), d */
    assert_int_equal(cb_a.fired, 1);
    assert_int_equal(cb_b.fired, 0);
    assert_int_equal(cb_c.fired, 1);
    assert_int_equal(cb_d.fired, 1);
    assert_int_equal(cb_tw->count, 0);

    struct tt s = { 0 };
    lr_timer_init(&s.timer, cb_self);
    lr_timer_arm(cb_tw, &s.timer, 60 * TICK);
    unsigned n = 0;
    for (uint64_t t = 51; t <= 1000; t++)
        n += adv(cb_tw, t * TICK); /* 60, 67, 74, 81, 88 ms */
    assert_int_equal(n, 5);
    assert_int_equal(s.fired_at, 88 * TICK);
    assert_int_equal(s.fired, 5);
    assert_int_equal(cb_tw->count, 0);
    assert_int_equal(cb_tw->fired, 8);
    free(cb_tw);
}

static void cb_periodic(struct lr_worker *w, struct lr_timer *t)
{
    on_fire(w, t);
    lr_timer_arm(cb_tw, t, t->expire + HOUR);
}

static void long_gap(void **state)
{
    (void)state;
    struct lr_timer_wheel *tw = new_wheel(1);
    struct tt a = { 0 }, b = { 0 };
    lr_timer_init(&a.timer, on_fire);
    lr_timer_init(&b.timer, on_fire);
    /* An empty wheel jumps at once. */
    assert_int_equal(adv(tw, 1000 * HOUR), 0);
    assert_int_equal(tw->now_tick, 1000 * HOUR / TICK);
    /* A gap of years with two far timers: both fire, time lands at the end. */
    uint64_t base = 1000 * HOUR;
    lr_timer_arm(tw, &a.timer, base + 5 * HOUR);
    lr_timer_arm(tw, &b.timer, base + 500 * HOUR);
    assert_int_equal(adv(tw, base + 100000 * HOUR), 2);
    assert_int_equal(a.fired + b.fired, 2);
    assert_int_equal(tw->now_tick, (base + 100000 * HOUR) / TICK);
    /* A periodic timer re-arming from its own expiry catches up within one
     * advance over a long gap (every re-arm lands in the gap). */
    struct tt p = { 0 };
    lr_timer_init(&p.timer, cb_periodic);
    base += 100000 * HOUR;
    cb_tw = tw;
    lr_timer_arm(tw, &p.timer, base + HOUR);
    assert_int_equal(adv(tw, base + 10 * HOUR), 10);
    assert_int_equal(p.fired, 10);
    assert_true(lr_timer_pending(&p.timer));
    assert_int_equal(p.timer.expire, base + 11 * HOUR);
    lr_timer_cancel(tw, &p.timer);
    /* Many timers spread over 30 h, one advance over 10000 h. */
    static struct tt many[1000];
    memset(many, 0, sizeof(many));
    base += 10 * HOUR;
    for (int i = 0; i < 1000; i++) {
        lr_timer_init(&many[i].timer, on_fire);
        lr_timer_arm(tw, &many[i].timer, base + (uint64_t)i * 108 * SEC + 17);
    }
    assert_int_equal(adv(tw, base + 10000 * HOUR), 1000);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(many[i].fired, 1);
    assert_int_equal(tw->count, 0);
    /* Time going backwards does nothing. */
    assert_int_equal(adv(tw, 5), 0);
    free(tw);
}

/* One timer alone in the wheel, every start phase and a spread of delays
 * around the slot, word and level boundaries: one jump past its expiry fires
 * it exactly once, and stepping to just before and then to it fires it on
 * time. A lone timer is the case where advance jumps furthest. */
static void sparse_sweep(void **state)
{
    (void)state;
    static const uint64_t delays[] = { 1,
                                       2,
                                       63,
                                       64,
                                       65,
                                       127,
                                       128,
                                       129,
                                       191,
                                       192,
                                       193,
                                       250,
                                       255,
                                       256,
                                       257,
                                       300,
                                       511,
                                       16383,
                                       16384,
                                       16385,
                                       20000,
                                       1u << 20,
                                       (1u << 20) + 1,
                                       1u << 26,
                                       (1u << 26) + 3 };
    for (uint64_t start = 0; start < 600; start += 7) {
        for (unsigned i = 0; i < sizeof(delays) / sizeof(delays[0]); i++) {
            for (int mode = 0; mode < 2; mode++) {
                struct lr_timer_wheel *tw = new_wheel(start * TICK + 123);
                struct tt a = { 0 };
                lr_timer_init(&a.timer, on_fire);
                uint64_t due = (start + delays[i]) * TICK;
                lr_timer_arm(tw, &a.timer, due);
                if (mode == 0) {
                    assert_int_equal(adv(tw, due + 50 * TICK), 1);
                } else {
                    assert_int_equal(adv(tw, due - 1), 0);
                    assert_int_equal(adv(tw, due), 1);
                }
                assert_int_equal(a.fired, 1);
                assert_int_equal(tw->count, 0);
                free(tw);
            }
        }
    }
}

static void counters(void **state)
{
    (void)state;
    struct lr_timer_wheel *tw = new_wheel(0);
    struct tt x[10];
    memset(x, 0, sizeof(x));
    for (int i = 0; i < 10; i++) {
        lr_timer_init(&x[i].timer, on_fire);
        lr_timer_arm(tw, &x[i].timer, (uint64_t)(i + 1) * SEC);
    }
    assert_int_equal(tw->count, 10);
    lr_timer_cancel(tw, &x[3].timer);
    assert_int_equal(tw->count, 9);
    assert_int_equal(adv(tw, 5 * SEC), 4);
    assert_int_equal(tw->count, 5);
    assert_int_equal(tw->fired, 4);
    assert_int_equal(adv(tw, 20 * SEC), 5);
    assert_int_equal(tw->count, 0);
    assert_int_equal(tw->fired, 9);
    free(tw);
}

/* --- misuse: caught, counted, never run (lr_timer.h LR_TIMER_ERRORS) -------
 * Each body does the misuse, then checks what a release build does (counted,
 * bad timer not armed/run, wheel consistent). In a debug build (no NDEBUG)
 * the wheel aborts at the misuse instead: the body runs in a child that must
 * die of SIGABRT. Without the checks every body below either crashes (a NULL
 * or poisoned callback, a NULL back link) or fails an assertion. */
static void expect_caught(void (*body)(void))
{
#ifdef NDEBUG
    body();
#else
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        body();
        _exit(0); /* not caught: the parent sees exit 0 and fails */
    }
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFSIGNALED(st));
    assert_int_equal(WTERMSIG(st), SIGABRT);
#endif
}

static uint64_t errs(const struct lr_timer_wheel *tw, enum lr_timer_err e)
{
    return tw->errors[e];
}

static void arm_uninit_body(void)
{
    struct lr_timer_wheel *tw = new_wheel(0);
    struct tt x, y;
    memset(&x, 0, sizeof(x));    /* sess_alloc's memset, no lr_timer_init */
    memset(&y, 0xa5, sizeof(y)); /* never-initialised heap memory */
    y.fired = 0;
    lr_timer_arm(tw, &x.timer, 10 * TICK);
    lr_timer_arm(tw, &y.timer, 10 * TICK);
    assert_int_equal(errs(tw, LR_TIMER_ERR_UNINIT), 2);
    assert_false(lr_timer_pending(&x.timer));
    assert_int_equal(tw->count, 0);
    assert_int_equal(adv(tw, 20 * TICK), 0); /* nothing to run, nothing NULL called */
    assert_int_equal(lr_timer_wheel_errors(tw), 2);
    lr_timer_cancel(tw, &x.timer); /* idle: a no-op, not an error */
    assert_int_equal(lr_timer_wheel_errors(tw), 2);
    /* Initialised properly, the same memory works. */
    lr_timer_init(&x.timer, on_fire);
    lr_timer_arm(tw, &x.timer, 30 * TICK);
    assert_int_equal(adv(tw, 30 * TICK), 1);
    assert_int_equal(x.fired, 1);
    free(tw);
}

static void arm_uninit(void **state)
{
    (void)state;
    expect_caught(arm_uninit_body);
}

static void arm_null_fn_body(void)
{
    struct lr_timer_wheel *tw = new_wheel(0);
    struct tt x = { 0 };
    lr_timer_init(&x.timer, NULL);
    lr_timer_arm(tw, &x.timer, 10 * TICK);
    assert_int_equal(errs(tw, LR_TIMER_ERR_NULL_FN), 1);
    assert_false(lr_timer_pending(&x.timer));
    assert_int_equal(tw->count, 0);
    assert_int_equal(adv(tw, 20 * TICK), 0);
    free(tw);
}

static void arm_null_fn(void **state)
{
    (void)state;
    expect_caught(arm_null_fn_body);
}

/* The FTP crash shape: the owner memsets its struct while the timer is
 * pending. The wheel meets a timer whose check and callback are gone. */
static void memset_while_armed_body(void)
{
    struct lr_timer_wheel *tw = new_wheel(0);
    struct tt x = { 0 }, y = { 0 };
    lr_timer_init(&x.timer, on_fire);
    lr_timer_init(&y.timer, on_fire);
    lr_timer_arm(tw, &x.timer, 10 * TICK);
    lr_timer_arm(tw, &y.timer, 10 * TICK); /* same slot, runs before x */
    memset(&x, 0, sizeof(x));
    assert_int_equal(adv(tw, 10 * TICK), 1); /* y only: x would call NULL */
    assert_int_equal(y.fired, 1);
    assert_int_equal(x.fired, 0);
    assert_int_equal(errs(tw, LR_TIMER_ERR_CORRUPT), 1);
    assert_int_equal(tw->count, 0);
    /* Also while cascading from an upper level. */
    struct tt z = { 0 };
    lr_timer_init(&z.timer, on_fire);
    lr_timer_arm(tw, &z.timer, 10 * SEC);
    memset(&z, 0, sizeof(z));
    assert_int_equal(adv(tw, 20 * SEC), 0);
    assert_int_equal(errs(tw, LR_TIMER_ERR_CORRUPT), 2);
    assert_int_equal(tw->count, 0);
    free(tw);
}

static void memset_while_armed(void **state)
{
    (void)state;
    expect_caught(memset_while_armed_body);
}

/* Memset while armed, then initialised and armed again (a stale link from
 * the old slot into the new one): the timer must fire once, at its new time. */
static void memset_reinit_body(void)
{
    struct lr_timer_wheel *tw = new_wheel(0);
    struct tt x = { 0 };
    lr_timer_init(&x.timer, on_fire);
    lr_timer_arm(tw, &x.timer, 10 * TICK);
    memset(&x, 0, sizeof(x));
    lr_timer_init(&x.timer, on_fire);
    lr_timer_arm(tw, &x.timer, 20 * TICK);
    assert_int_equal(adv(tw, 10 * TICK), 0); /* never early */
    assert_int_equal(errs(tw, LR_TIMER_ERR_CORRUPT), 1);
    assert_int_equal(adv(tw, 20 * TICK), 1);
    assert_int_equal(x.fired, 1);
    assert_int_equal(x.fired_at, 20 * TICK);
    assert_int_equal(tw->count, 0);
    free(tw);
}

static void memset_reinit(void **state)
{
    (void)state;
    expect_caught(memset_reinit_body);
}

/* The owner re-initialises its struct without cancelling the timer. */
static void init_armed_body(void)
{
    struct lr_timer_wheel *tw = new_wheel(0);
    struct tt x = { 0 }, y = { 0 };
    lr_timer_init(&x.timer, on_fire);
    lr_timer_init(&y.timer, on_fire);
    lr_timer_arm(tw, &y.timer, 10 * TICK);
    lr_timer_arm(tw, &x.timer, 10 * TICK);
    lr_timer_init(&x.timer, on_fire);
    assert_int_equal(errs(tw, LR_TIMER_ERR_INIT_ARMED), 1);
    assert_false(lr_timer_pending(&x.timer));
    assert_int_equal(tw->count, 1);
    assert_int_equal(adv(tw, 10 * TICK), 1); /* y; x was cancelled by the init */
    assert_int_equal(x.fired, 0);
    assert_int_equal(y.fired, 1);
    lr_timer_arm(tw, &x.timer, 15 * TICK);
    assert_int_equal(adv(tw, 15 * TICK), 1);
    assert_int_equal(x.fired, 1);
    assert_int_equal(tw->count, 0);
    free(tw);
}

static void init_armed(void **state)
{
    (void)state;
    expect_caught(init_armed_body);
}

static void free_armed_body(void)
{
    struct lr_timer_wheel *tw = new_wheel(0);
    struct tt *x = malloc(sizeof(*x));
    assert_non_null(x);
    memset(x, 0, sizeof(*x));
    lr_timer_init(&x->timer, on_fire);
    assert_true(lr_timer_assert_idle(tw, &x->timer)); /* idle: fine, not counted */
    lr_timer_arm(tw, &x->timer, 10 * TICK);
    assert_false(lr_timer_assert_idle(tw, &x->timer));
    assert_int_equal(errs(tw, LR_TIMER_ERR_FREE_ARMED), 1);
    assert_int_equal(lr_timer_wheel_errors(tw), 1);
    assert_int_equal(tw->count, 0);
    memset(x, 0xa5, sizeof(*x)); /* what free() may leave */
    free(x);
    assert_int_equal(adv(tw, 20 * TICK), 0);
    free(tw);
}

static void free_armed(void **state)
{
    (void)state;
    expect_caught(free_armed_body);
}

static void wrong_wheel_body(void)
{
    struct lr_timer_wheel *a = new_wheel(0), *b = new_wheel(0);
    struct tt x = { 0 };
    lr_timer_init(&x.timer, on_fire);
    lr_timer_arm(a, &x.timer, 10 * TICK);
    lr_timer_arm(b, &x.timer, 5 * TICK);
    assert_int_equal(errs(b, LR_TIMER_ERR_WRONG_WHEEL), 1);
    lr_timer_cancel(b, &x.timer);
    assert_int_equal(errs(b, LR_TIMER_ERR_WRONG_WHEEL), 2);
    assert_int_equal(a->count, 1);
    assert_int_equal(b->count, 0);
    assert_int_equal(adv(b, 10 * TICK), 0);
    assert_int_equal(adv(a, 10 * TICK), 1);
    assert_int_equal(x.fired, 1);
    assert_int_equal(lr_timer_wheel_errors(a), 0);
    free(a);
    free(b);
}

static void wrong_wheel(void **state)
{
    (void)state;
    expect_caught(wrong_wheel_body);
}

/* --- what a callback may do with its own timer (defined, not errors) ------ */
static struct tt own_a, own_b;
static int own_mode;

static void cb_own(struct lr_worker *w, struct lr_timer *t)
{
    on_fire(w, t);
    switch (own_mode) {
    case 0: /* re-arm itself "now", every time */
        lr_timer_arm(cb_tw, t, cur_now);
        break;
    case 1: /* cancel itself: it is not pending, a no-op */
        lr_timer_cancel(cb_tw, t);
        break;
    case 2: /* free its owner: the wheel must not touch it again */
        memset(TT(t), 0xa5, sizeof(struct tt));
        break;
    case 3: /* re-initialise and re-arm itself */
        lr_timer_init(t, on_fire);
        lr_timer_arm(cb_tw, t, cur_now + 5 * TICK);
        break;
    }
}

static void callback_own_timer(void **state)
{
    (void)state;
    for (own_mode = 0; own_mode < 4; own_mode++) {
        cb_tw = new_wheel(0);
        memset(&own_a, 0, sizeof(own_a));
        memset(&own_b, 0, sizeof(own_b));
        lr_timer_init(&own_a.timer, cb_own);
        lr_timer_init(&own_b.timer, on_fire);
        lr_timer_arm(cb_tw, &own_b.timer, 10 * TICK); /* same slot, after a */
        lr_timer_arm(cb_tw, &own_a.timer, 10 * TICK);
        unsigned n = adv(cb_tw, 10 * TICK);
        assert_int_equal(own_b.fired, 1);
        assert_int_equal(lr_timer_wheel_errors(cb_tw), 0);
        switch (own_mode) {
        case 0:
            /* Once from its slot, once more from the due list after that
             * tick: a self re-arm cannot make one advance endless. */
            assert_int_equal(n, 3);
            assert_int_equal(own_a.fired, 2);
            assert_true(lr_timer_pending(&own_a.timer));
            assert_int_equal(cb_tw->count, 1);
            assert_int_equal(adv(cb_tw, 11 * TICK), 3); /* due list, tick 11, due list */
            break;
        case 1:
        case 2:
            assert_int_equal(n, 2);
            assert_int_equal(cb_tw->count, 0);
            break;
        case 3:
            assert_int_equal(n, 2);
            assert_int_equal(cb_tw->count, 1);
            assert_int_equal(adv(cb_tw, 15 * TICK), 1);
            assert_int_equal(own_a.fired, 2); /* cb_own, then on_fire after the re-init */
            assert_int_equal(cb_tw->count, 0);
            break;
        }
        assert_null(cb_tw->running);
        free(cb_tw);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fire_order),
        cmocka_unit_test(cancel_and_rearm),
        cmocka_unit_test(arm_in_past),
        cmocka_unit_test(far_timers_sorted),
        cmocka_unit_test(random_against_model),
        cmocka_unit_test(exact_tick_model),
        cmocka_unit_test(callbacks_rearm_cancel),
        cmocka_unit_test(long_gap),
        cmocka_unit_test(sparse_sweep),
        cmocka_unit_test(counters),
        cmocka_unit_test(arm_uninit),
        cmocka_unit_test(arm_null_fn),
        cmocka_unit_test(memset_while_armed),
        cmocka_unit_test(memset_reinit),
        cmocka_unit_test(init_armed),
        cmocka_unit_test(free_armed),
        cmocka_unit_test(wrong_wheel),
        cmocka_unit_test(callback_own_timer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
