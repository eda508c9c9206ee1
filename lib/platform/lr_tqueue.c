/* SPDX-License-Identifier: BSD-3-Clause */
/* Timeout queues (lr_tqueue.h). */
#include "lr_tqueue.h"

static struct lr_tqlink *link_of(const struct lr_tqueue *q, uint32_t idx1)
{
    return (struct lr_tqlink *)lr_qlink_at(q->base, q->size, q->off, idx1);
}

/* First millisecond boundary at or after @us. */
static uint64_t ms_ceil(uint64_t us)
{
    return (us + LR_TIMER_TICK_US - 1) / LR_TIMER_TICK_US;
}

void lr_tqueue_init(struct lr_tqueue *q, void *base, size_t size, size_t off, uint64_t delay_us,
                    lr_timer_fn fn)
{
    q->list.head = q->list.tail = 0;
    q->base = base;
    q->size = (uint32_t)size;
    q->off = (uint32_t)off;
    uint64_t ms = (delay_us + LR_TIMER_TICK_US - 1) / LR_TIMER_TICK_US;
    q->delay_ms = ms == 0 ? 1 : ms > INT32_MAX ? INT32_MAX : (uint32_t)ms;
    q->len = 0;
    lr_timer_init(&q->timer, fn);
}

void lr_tqueue_add(struct lr_timer_wheel *tw, struct lr_tqueue *q, uint32_t idx, uint64_t now_us)
{
    /* ceil(now) + delay >= now + delay: never early. */
    uint64_t due = (uint64_t)ms_ceil(now_us) + q->delay_ms;
    link_of(q, idx + 1)->due_ms = (uint32_t)due;
    lr_qlist_append(&q->list, q->base, q->size, q->off, idx);
    q->len++;
    /* An armed timer is due no later than this element (it was armed for an
     * element queued earlier with the same delay): it re-arms when it fires. */
    if (!lr_timer_pending(&q->timer))
        lr_timer_arm(tw, &q->timer, due * LR_TIMER_TICK_US);
}

void lr_tqueue_del(struct lr_tqueue *q, uint32_t idx)
{
    lr_qlist_remove(&q->list, q->base, q->size, q->off, idx);
    q->len--;
}

void *lr_tqueue_pop_due(struct lr_timer_wheel *tw, struct lr_tqueue *q, uint64_t now_us)
{
    if (q->list.head == 0)
        return NULL;
    struct lr_tqlink *k = link_of(q, q->list.head);
    int32_t left = (int32_t)(k->due_ms - (uint32_t)(now_us / LR_TIMER_TICK_US));
    if (left > 0) {
        /* Always: an element queued from the callback may have armed the
         * timer for itself, later than this head. */
        lr_timer_arm(tw, &q->timer,
                     (now_us / LR_TIMER_TICK_US + (uint64_t)left) * LR_TIMER_TICK_US);
        return NULL;
    }
    uint32_t idx = q->list.head - 1;
    lr_qlist_remove(&q->list, q->base, q->size, q->off, idx);
    q->len--;
    return (char *)q->base + (size_t)idx * q->size;
}

void lr_tqueue_fini(struct lr_timer_wheel *tw, struct lr_tqueue *q)
{
    lr_timer_cancel(tw, &q->timer);
}
