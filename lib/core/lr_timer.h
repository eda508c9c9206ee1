/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-worker hierarchical hashed timer wheel (Varghese & Lauck, scheme 7).
 *
 * Timers are intrusive: struct lr_timer is embedded in the object that owns
 * it (connection, ARP entry, ...) and the callback finds the owner with
 * container_of(). Arm and cancel are O(1); expiry work is proportional to the
 * timers that expire plus the ones cascaded down a level. Time is passed in
 * (microseconds, the worker's `now`), the wheel never reads a clock, so unit
 * tests drive it with explicit time.
 *
 * Granularity is LR_TIMER_TICK_US; a timer never fires early, and fires at
 * most one tick late after the advance call that passes its expiry.
 */
#ifndef LR_TIMER_H
#define LR_TIMER_H

#include <stdbool.h>
#include <stdint.h>

struct lr_worker;
struct lr_timer;

/** Called on expiry with the worker passed to lr_timer_wheel_advance(). The
 *  timer is no longer pending when this runs, so it may re-arm itself. */
typedef void (*lr_timer_fn)(struct lr_worker *w, struct lr_timer *t);

struct lr_timer {
    struct lr_timer *next;
    struct lr_timer **pprev; /* NULL when not pending */
    uint64_t expire;         /* absolute, microseconds */
    lr_timer_fn fn;
};

#define LR_TIMER_TICK_US 1000u /* 1 ms */
#define LR_TIMER_LEVELS  4
#define LR_TIMER_L0_BITS 8 /* 256 slots of 1 ms */
#define LR_TIMER_LN_BITS 6 /* 64 slots per upper level */

struct lr_timer_wheel {
    uint64_t now_tick; /* last tick processed */
    uint64_t count;    /* pending timers */
    uint64_t fired;    /* total expired */
    struct lr_timer *l0[1u << LR_TIMER_L0_BITS];
    struct lr_timer *ln[LR_TIMER_LEVELS - 1][1u << LR_TIMER_LN_BITS];
    struct lr_timer *overflow; /* beyond the top level; re-examined when it wraps */
    struct lr_timer *due;      /* armed at or before now_tick: run by the next advance */
    struct lr_timer *work;     /* list detached for running or cascading (private) */
    /* Non-empty slot bitmaps: let advance jump over empty ranges in O(1). */
    uint64_t l0_map[(1u << LR_TIMER_L0_BITS) / 64];
    uint64_t ln_map[LR_TIMER_LEVELS - 1];
};

/** Initialise a wheel whose current time is @now_us. */
void lr_timer_wheel_init(struct lr_timer_wheel *tw, uint64_t now_us);
/** Initialise a timer (not pending). */
void lr_timer_init(struct lr_timer *t, lr_timer_fn fn);
/** Arm (or re-arm) @t to fire at absolute time @expire_us. */
void lr_timer_arm(struct lr_timer_wheel *tw, struct lr_timer *t, uint64_t expire_us);
/** Cancel @t if pending; no-op otherwise. */
void lr_timer_cancel(struct lr_timer_wheel *tw, struct lr_timer *t);
/** True when @t is armed. */
static inline bool lr_timer_pending(const struct lr_timer *t)
{
    return t->pprev != 0;
}
/** Run every timer whose expiry is <= @now_us. Returns how many fired. */
unsigned lr_timer_wheel_advance(struct lr_timer_wheel *tw, struct lr_worker *w, uint64_t now_us);

#endif /* LR_TIMER_H */
