/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hierarchical hashed timer wheel (lr_timer.h).
 *
 * Time is counted in ticks of LR_TIMER_TICK_US. A timer expiring at E us is
 * due at tick ceil(E / tick), and tick T is processed once now >= T * tick,
 * so a timer never fires early and at most one tick late.
 *
 * Placement, relative to the tick `base` being processed (now_tick):
 *   delta = due - base < 2^8            level 0, slot due & 255
 *   delta < 2^14 / 2^20 / 2^26          level 1/2/3, slot (due >> 8/14/20) & 63
 *   otherwise                           overflow list
 * A level-k slot is cascaded (its timers re-placed one level down or more)
 * at the tick where the bits below its shift are zero and its index matches;
 * the overflow list is re-placed when level 3 wraps (every 2^26 ticks,
 * about 18.6 h). Every timer in a level-k slot is cascaded no later than its
 * due tick and lands in level 0 exactly at it (the delta bounds above
 * guarantee the slot is not visited again before that).
 *
 * Timers armed at or before now_tick go on the `due` list, run at the start
 * of the next advance and after each processed tick.
 *
 * Safety with callbacks: each list (slot, due) is detached onto tw->work
 * before it is walked (lists are never walked while another is), and each timer is unlinked before its callback runs,
 * so callbacks may arm or cancel any timer, including themselves and others
 * in the list being run (cancel unlinks through pprev, which then points at
 * tw->work).
 *
 * Misuse (lr_timer.h, LR_TIMER_ERRORS): arm and the run path each compare
 * t->check against t->fn ^ LR_TIMER_MAGIC (plus, before a callback, that the
 * timer really is the head of the list being run); anything else goes to the
 * cold timer_error(), which counts, logs and, in a debug build, aborts. The
 * wheel pointer stored at arm lets lr_timer_init and lr_timer_assert_idle
 * unlink a timer its owner forgot, from the right wheel.
 *
 * Long gaps: bitmaps of non-empty slots give the next tick at which anything
 * happens (a non-empty level-0 slot, a non-empty upper slot to cascade, the
 * overflow re-examination); advance jumps straight to it, so an idle hour
 * costs a handful of bitmap scans, not 3.6 million empty ticks.
 */
#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>

#include "lr_log.h"
#include "lr_timer.h"

#define L0_SLOTS (1u << LR_TIMER_L0_BITS)
#define L0_MASK  (L0_SLOTS - 1)
#define LN_SLOTS (1u << LR_TIMER_LN_BITS)
#define LN_MASK  (LN_SLOTS - 1)
#define NB_UPPER (LR_TIMER_LEVELS - 1)
/* Ticks covered by the whole wheel: 2^(8 + 3*6) = 2^26. */
#define TOP_SHIFT (LR_TIMER_L0_BITS + NB_UPPER * LR_TIMER_LN_BITS)

/* Shift of upper level k (0-based among upper levels): 8, 14, 20. */
static inline unsigned level_shift(unsigned k)
{
    return LR_TIMER_L0_BITS + k * LR_TIMER_LN_BITS;
}

static inline uint64_t us_to_tick_ceil(uint64_t us)
{
    return us / LR_TIMER_TICK_US + (us % LR_TIMER_TICK_US != 0);
}

static inline void list_add(struct lr_timer **head, struct lr_timer *t)
{
    t->next = *head;
    if (t->next != NULL)
        t->next->pprev = &t->next;
    *head = t;
    t->pprev = head;
}

/* Unlink @t from whatever list holds it; keeps the slot bitmaps exact. */
static void timer_unlink(struct lr_timer_wheel *tw, struct lr_timer *t)
{
    struct lr_timer **pp = t->pprev;

    *pp = t->next;
    if (t->next != NULL)
        t->next->pprev = pp;
    t->next = NULL;
    t->pprev = NULL;
    if (*pp != NULL)
        return;
    /* The list became empty: if it was a slot head, clear its bit. */
    if (pp >= &tw->l0[0] && pp < &tw->l0[L0_SLOTS]) {
        size_t i = (size_t)(pp - &tw->l0[0]);
        tw->l0_map[i / 64] &= ~(UINT64_C(1) << (i % 64));
    } else if (pp >= &tw->ln[0][0] && pp < &tw->ln[0][0] + NB_UPPER * LN_SLOTS) {
        size_t i = (size_t)(pp - &tw->ln[0][0]);
        tw->ln_map[i / LN_SLOTS] &= ~(UINT64_C(1) << (i % LN_SLOTS));
    }
}

/* Place @t (due at tick @due, due >= base) relative to processing tick @base. */
static void timer_place(struct lr_timer_wheel *tw, struct lr_timer *t, uint64_t due, uint64_t base)
{
    uint64_t delta = due - base;

    if (delta < L0_SLOTS) {
        unsigned i = due & L0_MASK;
        list_add(&tw->l0[i], t);
        tw->l0_map[i / 64] |= UINT64_C(1) << (i % 64);
        return;
    }
    for (unsigned k = 0; k < NB_UPPER; k++) {
        unsigned sh = level_shift(k);
        if (delta < (UINT64_C(1) << (sh + LR_TIMER_LN_BITS))) {
            unsigned i = (due >> sh) & LN_MASK;
            list_add(&tw->ln[k][i], t);
            tw->ln_map[k] |= UINT64_C(1) << i;
            return;
        }
    }
    list_add(&tw->overflow, t);
}

static const char *const timer_err_names[LR_TIMER_ERR_MAX] = {
#define LR_TIMER_X_NAME(e, n) [LR_TIMER_ERR_##e] = n,
    LR_TIMER_ERRORS(LR_TIMER_X_NAME)
#undef LR_TIMER_X_NAME
};

const char *lr_timer_err_name(enum lr_timer_err e)
{
    return (unsigned)e < LR_TIMER_ERR_MAX ? timer_err_names[e] : "unknown";
}

uint64_t lr_timer_wheel_errors(const struct lr_timer_wheel *tw)
{
    uint64_t n = 0;
    for (unsigned e = 0; e < LR_TIMER_ERR_MAX; e++)
        n += tw->errors[e];
    return n;
}

/* check of a timer initialised with a NULL callback: never valid (0 ^ MAGIC
 * would be), and distinct from a memset timer so the reason is right. */
#define LR_TIMER_CHECK_NULL_FN (~LR_TIMER_MAGIC)

static inline bool timer_valid(const struct lr_timer *t)
{
    return (t->check ^ (uintptr_t)t->fn) == LR_TIMER_MAGIC;
}

/* Misuse of a timer (lr_timer.h): count it on @tw (when known), log the 1st,
 * 2nd, 4th, 8th... of each reason, and stop a debug build right here so its
 * crash report names the caller. */
static __rte_noinline __rte_cold void timer_error(struct lr_timer_wheel *tw, enum lr_timer_err e,
                                                  const struct lr_timer *t)
{
    uint64_t n = tw != NULL ? ++tw->errors[e] : 1;

    if ((n & (n - 1)) == 0)
        LR_LOG(ERR, core, "timer %p: %s (callback %p, wheel %p, %" PRIu64 " so far)",
               (const void *)t, lr_timer_err_name(e), (void *)(uintptr_t)t->fn, (void *)tw, n);
#ifndef NDEBUG
    assert(!"timer wheel misuse (see the log line above)");
    abort(); /* not reached */
#endif
}

void lr_timer_wheel_init(struct lr_timer_wheel *tw, uint64_t now_us)
{
    memset(tw, 0, sizeof(*tw));
    tw->now_tick = now_us / LR_TIMER_TICK_US;
}

void lr_timer_init(struct lr_timer *t, lr_timer_fn fn)
{
    /* Still pending on a wheel (a valid check cannot be left by chance in
     * fresh memory): the owner reused it while armed. Unlink it from that
     * wheel first, or the wheel would run the new owner's callback at the
     * old owner's time and walk a list through re-initialised links. */
    if (unlikely(t->pprev != NULL) && timer_valid(t) && t->wheel != NULL) {
        struct lr_timer_wheel *tw = t->wheel;
        timer_unlink(tw, t);
        tw->count--;
        timer_error(tw, LR_TIMER_ERR_INIT_ARMED, t);
    }
    t->next = NULL;
    t->pprev = NULL;
    t->expire = 0;
    t->fn = fn;
    t->wheel = NULL;
    /* A NULL callback gets a check that never matches: caught at arm. */
    t->check = fn != NULL ? (uintptr_t)fn ^ LR_TIMER_MAGIC : LR_TIMER_CHECK_NULL_FN;
    if (unlikely(fn == NULL))
        timer_error(NULL, LR_TIMER_ERR_NULL_FN, t);
}

static __rte_noinline __rte_cold void timer_arm_refused(struct lr_timer_wheel *tw,
                                                        struct lr_timer *t)
{
    if (timer_valid(t))
        timer_error(tw, LR_TIMER_ERR_WRONG_WHEEL, t);
    else if (t->fn == NULL && t->check == LR_TIMER_CHECK_NULL_FN)
        timer_error(tw, LR_TIMER_ERR_NULL_FN, t);
    else
        timer_error(tw, LR_TIMER_ERR_UNINIT, t);
}

void lr_timer_arm(struct lr_timer_wheel *tw, struct lr_timer *t, uint64_t expire_us)
{
    uint64_t due = us_to_tick_ceil(expire_us);

    if (unlikely(!timer_valid(t))) {
        timer_arm_refused(tw, t);
        return;
    }
    if (t->pprev != NULL) {
        if (unlikely(t->wheel != tw)) {
            timer_arm_refused(tw, t);
            return;
        }
        timer_unlink(tw, t);
    } else {
        tw->count++;
    }
    t->expire = expire_us;
    t->wheel = tw;
    if (due <= tw->now_tick)
        list_add(&tw->due, t);
    else
        timer_place(tw, t, due, tw->now_tick);
}

void lr_timer_cancel(struct lr_timer_wheel *tw, struct lr_timer *t)
{
    if (t->pprev == NULL)
        return;
    if (unlikely(!timer_valid(t) || t->wheel != tw)) {
        /* Not ours to unlink: its links cannot be trusted, or they belong
         * to another worker's wheel. */
        timer_error(tw, timer_valid(t) ? LR_TIMER_ERR_WRONG_WHEEL : LR_TIMER_ERR_UNINIT, t);
        return;
    }
    timer_unlink(tw, t);
    tw->count--;
}

void lr_timer_free_armed(struct lr_timer_wheel *tw, struct lr_timer *t)
{
    if (timer_valid(t) && t->wheel != NULL) {
        struct lr_timer_wheel *own = t->wheel;
        timer_unlink(own, t);
        own->count--;
        timer_error(own, LR_TIMER_ERR_FREE_ARMED, t);
        return;
    }
    timer_error(tw, LR_TIMER_ERR_FREE_ARMED, t);
}

/* Move the list at @head onto tw->work (the caller clears the slot's bitmap
 * bit) so callbacks arming into the same list cannot make the walk endless. */
static inline void list_detach(struct lr_timer_wheel *tw, struct lr_timer **head)
{
    tw->work = *head;
    *head = NULL;
    /* A head whose back link is not this list head was overwritten or
     * re-armed elsewhere while still linked here: keep its link as it is,
     * so the walk sees the mismatch (work_drop_corrupt). */
    if (tw->work != NULL && likely(tw->work->pprev == head))
        tw->work->pprev = &tw->work;
}

/* The head of tw->work was overwritten while pending (its check or its back
 * link is gone). Nothing after it can be trusted either: when its back link
 * still says it is the head, its next link is followed; otherwise (it was
 * re-initialised and armed elsewhere, its links now belong to another list)
 * the rest of this list is abandoned. Those timers never fire; the counter
 * says so. */
static __rte_noinline __rte_cold void work_drop_corrupt(struct lr_timer_wheel *tw,
                                                        struct lr_timer *t)
{
    if (t->pprev == &tw->work) {
        tw->work = t->next;
        if (tw->work != NULL)
            tw->work->pprev = &tw->work;
        t->next = NULL;
        t->pprev = NULL;
    } else {
        tw->work = NULL;
    }
    tw->count--;
    timer_error(tw, LR_TIMER_ERR_CORRUPT, t);
}

static unsigned run_list(struct lr_timer_wheel *tw, struct lr_worker *w, struct lr_timer **head)
{
    struct lr_timer *t;
    unsigned n = 0;

    list_detach(tw, head);
    while ((t = tw->work) != NULL) {
        if (unlikely(!timer_valid(t) || t->pprev != &tw->work)) {
            work_drop_corrupt(tw, t);
            continue;
        }
        timer_unlink(tw, t);
        tw->count--;
        tw->fired++;
        n++;
        tw->running = t;
        t->fn(w, t);
    }
    tw->running = NULL;
    return n;
}

static void cascade_list(struct lr_timer_wheel *tw, struct lr_timer **head, uint64_t base)
{
    struct lr_timer *t;

    list_detach(tw, head);
    while ((t = tw->work) != NULL) {
        if (unlikely(!timer_valid(t) || t->pprev != &tw->work)) {
            work_drop_corrupt(tw, t);
            continue;
        }
        uint64_t due = us_to_tick_ceil(t->expire);
        timer_unlink(tw, t);
        /* Cascaded timers are never overdue: they are re-placed at or
         * before their due tick (see the placement bounds above). */
        timer_place(tw, t, due < base ? base : due, base);
    }
}

/* Cascade whatever is scheduled for tick @t (t is the tick being processed). */
static void cascade_at(struct lr_timer_wheel *tw, uint64_t t)
{
    if ((t & L0_MASK) != 0)
        return;
    if ((t & ((UINT64_C(1) << TOP_SHIFT) - 1)) == 0 && tw->overflow != NULL)
        cascade_list(tw, &tw->overflow, t);
    for (int k = NB_UPPER - 1; k >= 0; k--) {
        unsigned sh = level_shift((unsigned)k);
        if ((t & ((UINT64_C(1) << sh) - 1)) != 0)
            continue;
        unsigned i = (t >> sh) & LN_MASK;
        tw->ln_map[k] &= ~(UINT64_C(1) << i);
        if (tw->ln[k][i] != NULL)
            cascade_list(tw, &tw->ln[k][i], t);
    }
}

/* Distance from bit @from to the first set bit of the 64-bit @map, rotating;
 * 64 when empty. */
static inline unsigned map64_next(uint64_t map, unsigned from)
{
    if (map == 0)
        return 64;
    uint64_t rot = from == 0 ? map : (map >> from) | (map << (64 - from));
    return (unsigned)__builtin_ctzll(rot);
}

/* Distance from slot @from to the first non-empty level-0 slot, rotating
 * over the 256-bit map; L0_SLOTS when level 0 is empty. */
static unsigned l0_next(const uint64_t *map, unsigned from)
{
    unsigned word = from / 64, bit = from % 64;
    uint64_t m = map[word] >> bit;

    if (m != 0)
        return (unsigned)__builtin_ctzll(m);
    for (unsigned i = 1; i <= L0_SLOTS / 64; i++) {
        unsigned wi = (word + i) % (L0_SLOTS / 64);
        m = map[wi];
        if (i == L0_SLOTS / 64) /* back in the first word: only bits before @from */
            m &= bit == 0 ? 0 : (UINT64_C(1) << bit) - 1;
        if (m != 0)
            return ((wi * 64 + (unsigned)__builtin_ctzll(m)) - from) & L0_MASK;
    }
    return L0_SLOTS;
}

/* Smallest tick >= @t at which something has to be done. */
static uint64_t next_event(const struct lr_timer_wheel *tw, uint64_t t)
{
    uint64_t best = UINT64_MAX;

    if (tw->due != NULL)
        return t;
    /* Level 0 holds timers due in [t, t + 255]: scan its map from slot t. */
    unsigned r0 = l0_next(tw->l0_map, t & L0_MASK);
    if (r0 < L0_SLOTS)
        best = t + r0;
    for (unsigned k = 0; k < NB_UPPER; k++) {
        if (tw->ln_map[k] == 0)
            continue;
        unsigned sh = level_shift(k);
        uint64_t b0 = (t >> sh) + ((t & ((UINT64_C(1) << sh) - 1)) != 0);
        unsigned r = map64_next(tw->ln_map[k], b0 & LN_MASK);
        uint64_t c = (b0 + r) << sh;
        if (c < best)
            best = c;
    }
    if (tw->overflow != NULL) {
        uint64_t c = ((t >> TOP_SHIFT) + ((t & ((UINT64_C(1) << TOP_SHIFT) - 1)) != 0))
                     << TOP_SHIFT;
        if (c < best)
            best = c;
    }
    return best;
}

unsigned lr_timer_wheel_advance(struct lr_timer_wheel *tw, struct lr_worker *w, uint64_t now_us)
{
    uint64_t target = now_us / LR_TIMER_TICK_US;
    unsigned n = 0;

    if (tw->due != NULL)
        n += run_list(tw, w, &tw->due);
    while (tw->now_tick < target) {
        uint64_t t = tw->count == 0 ? UINT64_MAX : next_event(tw, tw->now_tick + 1);
        if (t > target) {
            tw->now_tick = target;
            break;
        }
        tw->now_tick = t;
        cascade_at(tw, t);
        unsigned i = t & L0_MASK;
        if (tw->l0[i] != NULL) {
            tw->l0_map[i / 64] &= ~(UINT64_C(1) << (i % 64));
            n += run_list(tw, w, &tw->l0[i]);
        }
        if (tw->due != NULL)
            n += run_list(tw, w, &tw->due);
    }
    return n;
}
