/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * L4 client state (issue 15, first step): the pieces of the tcp/udp load
 * modes that need no packets, kept as static inline functions so they can be
 * tested alone before the modes are wired into the client module.
 *
 * - Payload pattern: byte i of a payload is a function of its offset and a
 *   per-connection (or per-flow) seed, so a receiver verifies any slice of a
 *   stream without keeping a copy of what was sent.
 * - UDP sequence window: every request datagram carries a 32-bit sequence
 *   number; the window remembers the last LR_L4_WINDOW requests and their send
 *   times. An answer inside the window and not yet seen is received (latency
 *   is now - sent); one seen before is a duplicate; one older than the window
 *   or never sent is out of window. A request not answered within the timeout
 *   is lost, counted once, and a late answer to it is counted late, not
 *   received. UDP has no delivery guarantee (RFC 768), so loss and duplication
 *   are measurements, never errors of the peer.
 *
 * All state is per worker: no shared writes.
 */
#ifndef LR_L4_CLIENT_H
#define LR_L4_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/** Requests remembered per flow (power of two). */
#define LR_L4_WINDOW 1024u

/** Pattern byte at @off of a payload seeded with @seed. */
static inline uint8_t lr_l4_pattern_byte(uint32_t seed, uint64_t off)
{
    uint64_t x = off + (uint64_t)seed * 0x9e3779b97f4a7c15ull;
    x ^= x >> 29;
    return (uint8_t)(x * 0xbf58476d1ce4e5b9ull >> 56);
}

/** Fill @len bytes of @buf with the pattern from stream offset @off. */
static inline void lr_l4_pattern_fill(uint8_t *buf, size_t len, uint32_t seed, uint64_t off)
{
    for (size_t i = 0; i < len; i++)
        buf[i] = lr_l4_pattern_byte(seed, off + i);
}

/** Offset within @buf of the first byte that is not the pattern, or @len when all match. */
static inline size_t lr_l4_pattern_check(const uint8_t *buf, size_t len, uint32_t seed,
                                         uint64_t off)
{
    for (size_t i = 0; i < len; i++)
        if (buf[i] != lr_l4_pattern_byte(seed, off + i))
            return i;
    return len;
}

/** Counters of one flow (or merged over flows: plain sums). */
struct lr_l4_udp_counts {
    uint64_t sent;
    uint64_t received;
    uint64_t lost;          /* no answer within the timeout */
    uint64_t late;          /* answered after being counted lost */
    uint64_t duplicates;    /* a second answer to a received request */
    uint64_t out_of_window; /* older than the window or never sent */
};

enum lr_l4_rx_result {
    LR_L4_RX_OK,
    LR_L4_RX_DUPLICATE,
    LR_L4_RX_LATE,
    LR_L4_RX_OUT_OF_WINDOW,
};

enum { LR_L4_SLOT_FREE = 0, LR_L4_SLOT_PENDING, LR_L4_SLOT_DONE, LR_L4_SLOT_LOST };

struct lr_l4_udp_window {
    uint32_t next_seq;   /* sequence number of the next request */
    uint32_t expire_seq; /* oldest request not yet answered or expired */
    uint64_t sent_us[LR_L4_WINDOW];
    uint8_t state[LR_L4_WINDOW];
    struct lr_l4_udp_counts c;
};

static inline void lr_l4_udp_window_init(struct lr_l4_udp_window *w, uint32_t first_seq)
{
    memset(w, 0, sizeof(*w));
    w->next_seq = first_seq;
    w->expire_seq = first_seq;
}

/**
 * Expire requests sent at or before @now_us - @timeout_us (counted lost), and
 * any still pending that the next send would overwrite in the window.
 */
static inline void lr_l4_udp_expire(struct lr_l4_udp_window *w, uint64_t now_us,
                                    uint64_t timeout_us)
{
    while (w->expire_seq != w->next_seq) {
        uint32_t i = w->expire_seq & (LR_L4_WINDOW - 1);
        bool full = w->next_seq - w->expire_seq >= LR_L4_WINDOW;
        if (w->state[i] == LR_L4_SLOT_PENDING) {
            if (!full && now_us - w->sent_us[i] < timeout_us)
                break;
            w->state[i] = LR_L4_SLOT_LOST;
            w->c.lost++;
        }
        w->expire_seq++;
    }
}

/** Record a request sent at @now_us; returns its sequence number. */
static inline uint32_t lr_l4_udp_send(struct lr_l4_udp_window *w, uint64_t now_us,
                                      uint64_t timeout_us)
{
    /* Make room: the slot the new request takes must not be pending. */
    if (w->next_seq - w->expire_seq >= LR_L4_WINDOW)
        lr_l4_udp_expire(w, now_us, timeout_us);
    uint32_t seq = w->next_seq++;
    uint32_t i = seq & (LR_L4_WINDOW - 1);
    w->sent_us[i] = now_us;
    w->state[i] = LR_L4_SLOT_PENDING;
    w->c.sent++;
    return seq;
}

/**
 * Account the answer carrying @seq at @now_us. On LR_L4_RX_OK, *@rtt_us is
 * the latency to feed the lr_latency histogram.
 */
static inline enum lr_l4_rx_result lr_l4_udp_rx(struct lr_l4_udp_window *w, uint32_t seq,
                                                uint64_t now_us, uint64_t *rtt_us)
{
    /* Serial-number style comparison (RFC 1982 §3.2): age of seq behind next_seq. */
    uint32_t age = w->next_seq - seq;
    if (age == 0 || age > LR_L4_WINDOW || age > w->c.sent) {
        w->c.out_of_window++;
        return LR_L4_RX_OUT_OF_WINDOW;
    }
    uint32_t i = seq & (LR_L4_WINDOW - 1);
    switch (w->state[i]) {
    case LR_L4_SLOT_PENDING:
        w->state[i] = LR_L4_SLOT_DONE;
        w->c.received++;
        if (rtt_us)
            *rtt_us = now_us - w->sent_us[i];
        return LR_L4_RX_OK;
    case LR_L4_SLOT_DONE:
        w->c.duplicates++;
        return LR_L4_RX_DUPLICATE;
    case LR_L4_SLOT_LOST:
        w->state[i] = LR_L4_SLOT_DONE; /* a second late copy is a duplicate */
        w->c.late++;
        return LR_L4_RX_LATE;
    default:
        w->c.out_of_window++;
        return LR_L4_RX_OUT_OF_WINDOW;
    }
}

#endif /* LR_L4_CLIENT_H */
