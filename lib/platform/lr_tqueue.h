/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A timeout queue: elements of one array that all wait the same delay, in
 * the order they started waiting, with one wheel timer for the whole queue.
 *
 * When every element of a kind waits the same time (a delayed ACK, an HTTP
 * header or keep-alive timeout), the order they were queued in is the order
 * they expire in, so a FIFO replaces a wheel node per element: 12 bytes in
 * the element (two index links and a deadline) instead of a 48-byte
 * struct lr_timer, and an arm is an append, a cancel an unlink.
 *
 * The queue's own timer is armed for its head and left alone when the head
 * leaves early (lazy): it then finds the new head not yet due and is armed
 * again for it. The owner gives the timer's callback (lr_tqueue_init) and
 * takes the due elements in it with lr_tqueue_pop_due() until that returns
 * NULL; pop_due re-arms the timer for the first element not yet due.
 *
 * Deadlines are kept in milliseconds, rounded up, on 32 bits: the wheel's
 * tick is 1 ms, an element never expires early, and delays up to 24 days
 * compare correctly across the wrap. A delay below one tick is one tick, so
 * an element queued again from the callback waits for the next advance
 * instead of making one pass endless.
 */
#ifndef LR_TQUEUE_H
#define LR_TQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lr_qlist.h"
#include "lr_timer.h"

struct lr_tqlink {
    struct lr_qlink l;
    uint32_t due_ms; /* deadline, ms, wrapping */
};

struct lr_tqueue {
    struct lr_timer timer; /* armed for the head, lazily */
    struct lr_qlist list;
    void *base;    /* the element array */
    uint32_t size; /* element size */
    uint32_t off;  /* offset of the struct lr_tqlink in an element */
    uint32_t delay_ms;
    uint32_t len; /* elements queued */
};

/* Set up @q for elements of @base (@size bytes each, link at @off) that wait
 * @delay_us (at least one tick); @fn is the timer's callback
 * (container_of(t, ..., q.timer) finds the owner). */
void lr_tqueue_init(struct lr_tqueue *q, void *base, size_t size, size_t off, uint64_t delay_us,
                    lr_timer_fn fn);

/* Queue element @idx of the array (not queued) to expire @q's delay after
 * @now_us. Elements are named by index: the owner has it at hand, and it
 * saves a division by the element size on every arm. */
void lr_tqueue_add(struct lr_timer_wheel *tw, struct lr_tqueue *q, uint32_t idx, uint64_t now_us);

/* Take element @idx (queued on @q) off before it expires. */
void lr_tqueue_del(struct lr_tqueue *q, uint32_t idx);

/* Remove and return the head if it is due at @now_us; otherwise (or when
 * empty) NULL, with the timer armed for the head if there is one. */
void *lr_tqueue_pop_due(struct lr_timer_wheel *tw, struct lr_tqueue *q, uint64_t now_us);

/* Cancel the queue's timer (the elements stay linked; the owner frees them). */
void lr_tqueue_fini(struct lr_timer_wheel *tw, struct lr_tqueue *q);

#endif /* LR_TQUEUE_H */
