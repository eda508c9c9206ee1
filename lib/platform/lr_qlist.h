/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Intrusive doubly linked list of the elements of one array, linked by
 * index instead of by pointer: a link is 8 bytes, not 16, which matters in
 * a connection slot that a million-entry pool repeats. Indices are stored
 * plus one, so 0 means "none" and a zeroed link is "not on a list".
 *
 * The caller passes the array (@base), the element size and the byte offset
 * of the link inside an element, so one element can be on several lists
 * through several links. Append and remove are O(1); the list keeps its head
 * (the oldest) and its tail. Whether an element is on a list is the caller's
 * to remember (a flag or a mode it already has).
 */
#ifndef LR_QLIST_H
#define LR_QLIST_H

#include <stddef.h>
#include <stdint.h>

struct lr_qlink {
    uint32_t prev; /* index + 1, 0 = none */
    uint32_t next;
};

struct lr_qlist {
    uint32_t head; /* oldest, index + 1, 0 = empty */
    uint32_t tail;
};

/* The link of element @idx1 (index + 1) of @base. */
static inline struct lr_qlink *lr_qlink_at(void *base, size_t size, size_t off, uint32_t idx1)
{
    return (struct lr_qlink *)((char *)base + (size_t)(idx1 - 1) * size + off);
}

/* Append element @idx (0-based) at the tail of @l. */
static inline void lr_qlist_append(struct lr_qlist *l, void *base, size_t size, size_t off,
                                   uint32_t idx)
{
    struct lr_qlink *k = lr_qlink_at(base, size, off, idx + 1);
    k->next = 0;
    k->prev = l->tail;
    if (l->tail != 0)
        lr_qlink_at(base, size, off, l->tail)->next = idx + 1;
    else
        l->head = idx + 1;
    l->tail = idx + 1;
}

/* Unlink element @idx (0-based), which is on @l. */
static inline void lr_qlist_remove(struct lr_qlist *l, void *base, size_t size, size_t off,
                                   uint32_t idx)
{
    struct lr_qlink *k = lr_qlink_at(base, size, off, idx + 1);
    if (k->prev != 0)
        lr_qlink_at(base, size, off, k->prev)->next = k->next;
    else
        l->head = k->next;
    if (k->next != 0)
        lr_qlink_at(base, size, off, k->next)->prev = k->prev;
    else
        l->tail = k->prev;
    k->prev = k->next = 0;
}

#endif /* LR_QLIST_H */
