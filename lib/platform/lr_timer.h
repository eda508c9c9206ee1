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
 *  timer is no longer pending when this runs, so it may re-arm itself, cancel
 *  itself (a no-op), re-initialise itself or free its owner: the wheel does
 *  not touch the timer again after calling this. A re-arm at or before the
 *  current time runs once more in the same advance only after the tick being
 *  processed, so a callback that always re-arms itself "now" cannot make one
 *  advance endless (it runs at most once per processed tick). */
typedef void (*lr_timer_fn)(struct lr_worker *w, struct lr_timer *t);

/*
 * Misuse the wheel catches instead of running a NULL or stale callback.
 * Each is counted per wheel (struct lr_timer_wheel.errors, "timer" group of
 * /linerate/stats and of the final summary), logged (first, 2nd, 4th, 8th...
 * occurrence per reason), and in a debug build (NDEBUG not defined: meson
 * -Db_ndebug=false or --buildtype=debug/debugoptimized) aborts on the spot,
 * so the crash report points at the culprit. In a release build the bad timer
 * is not armed / not run and the worker carries on.
 */
/*
 *   uninit       arm/cancel of a timer lr_timer_init never set up, or whose
 *                callback was overwritten since: refused
 *   null_fn      arm of a timer initialised with a NULL callback: refused
 *   init_armed   lr_timer_init on a pending timer (owner reused while armed):
 *                cancelled first
 *   free_armed   lr_timer_assert_idle found it pending (owner freed while
 *                armed): cancelled
 *   wrong_wheel  arm/cancel through another wheel than the one it is pending
 *                on (another worker's): refused
 *   corrupt      a pending timer overwritten (memset...) while armed, found
 *                when due or cascaded: unlinked, not run
 */
#define LR_TIMER_ERRORS(X)                                                                         \
    X(UNINIT, "uninit")                                                                            \
    X(NULL_FN, "null_fn")                                                                          \
    X(INIT_ARMED, "init_armed")                                                                    \
    X(FREE_ARMED, "free_armed")                                                                    \
    X(WRONG_WHEEL, "wrong_wheel")                                                                  \
    X(CORRUPT, "corrupt")

enum lr_timer_err {
#define LR_TIMER_X_ENUM(e, n) LR_TIMER_ERR_##e,
    LR_TIMER_ERRORS(LR_TIMER_X_ENUM)
#undef LR_TIMER_X_ENUM
        LR_TIMER_ERR_MAX,
};

/** Name of a timer error reason ("uninit", ...). */
const char *lr_timer_err_name(enum lr_timer_err e);

/*
 * Embedded in its owner. `check` is (uintptr_t)fn ^ LR_TIMER_MAGIC, written
 * only by lr_timer_init: one compare on arm and before each callback proves
 * the timer was initialised and its callback was not overwritten since (a
 * memset leaves check == fn == 0, which does not match). `wheel` is the wheel
 * it is pending on (meaningful while pprev != NULL).
 */
struct lr_timer {
    struct lr_timer *next;
    struct lr_timer **pprev; /* NULL when not pending */
    uint64_t expire;         /* absolute, microseconds */
    lr_timer_fn fn;
    uintptr_t check;
    struct lr_timer_wheel *wheel;
};

#define LR_TIMER_MAGIC ((uintptr_t)0x6c7254696d657221ull) /* "lrTimer!" */

#define LR_TIMER_TICK_US 1000u /* 1 ms */
#define LR_TIMER_LEVELS  4
#define LR_TIMER_L0_BITS 8 /* 256 slots of 1 ms */
#define LR_TIMER_LN_BITS 6 /* 64 slots per upper level */

struct lr_timer_wheel {
    uint64_t now_tick;                 /* last tick processed */
    uint64_t count;                    /* pending timers */
    uint64_t fired;                    /* total expired */
    uint64_t errors[LR_TIMER_ERR_MAX]; /* misuse caught, by reason (see above) */
    const struct lr_timer *running;    /* timer whose callback runs now, else NULL (crash report) */
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
/** Initialise a timer (not pending) with callback @fn (must not be NULL).
 *  Call it once before the first arm, and again whenever the owner is reused
 *  after a memset. If @t is still pending on a wheel, that is a bug of the
 *  owner: it is counted (init_armed) on that wheel and cancelled first. */
void lr_timer_init(struct lr_timer *t, lr_timer_fn fn);
/** Arm (or re-arm) @t to fire at absolute time @expire_us. Refused and
 *  counted (uninit, null_fn, wrong_wheel) when @t is not a usable timer. */
void lr_timer_arm(struct lr_timer_wheel *tw, struct lr_timer *t, uint64_t expire_us);
/** Cancel @t if pending; no-op otherwise. */
void lr_timer_cancel(struct lr_timer_wheel *tw, struct lr_timer *t);
/** True when @t is armed. */
static inline bool lr_timer_pending(const struct lr_timer *t)
{
    return t->pprev != 0;
}

/** Slow path of lr_timer_assert_idle(): count, assert, cancel. */
void lr_timer_free_armed(struct lr_timer_wheel *tw, struct lr_timer *t);

/**
 * For owners about to free or reuse the structure holding @t: a timer must
 * not be pending then. True when it is idle (the normal case: one compare).
 * Otherwise the owner has a bug: counted (free_armed), asserted in a debug
 * build, and the timer is cancelled so the wheel never reaches freed memory.
 */
static inline bool lr_timer_assert_idle(struct lr_timer_wheel *tw, struct lr_timer *t)
{
    if (__builtin_expect(t->pprev == 0, 1))
        return true;
    lr_timer_free_armed(tw, t);
    return false;
}

/** Sum of every error counter of @tw. */
uint64_t lr_timer_wheel_errors(const struct lr_timer_wheel *tw);
/** Run every timer whose expiry is <= @now_us. Returns how many fired. */
unsigned lr_timer_wheel_advance(struct lr_timer_wheel *tw, struct lr_worker *w, uint64_t now_us);

#endif /* LR_TIMER_H */
