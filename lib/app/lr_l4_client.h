/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * UDP request accounting of client mode's udp mode ([client] mode = udp,
 * lr_l4_udp.c), kept as static inline functions so it is tested alone.
 *
 * Every request datagram carries a 32-bit sequence number (lr_l4_proto.h);
 * the window remembers the last `size` requests of the worker (a power of
 * two), their send times and the flow that sent each. An answer inside the
 * window and not yet seen is received (latency is now - sent); one seen
 * before is a duplicate; one older than the window or never sent is out of
 * window. A request not answered within the timeout is lost, counted once,
 * and a late answer to it is counted late, not received. A request still
 * pending when the window wraps onto it is counted lost early (`overrun`
 * says how many of the lost were). UDP has no delivery guarantee (RFC 768),
 * so loss and duplication are measurements, never errors of the peer.
 *
 * All state is per worker: no shared writes. Storage comes from the caller
 * (sized from the config at start).
 */
#ifndef LR_L4_CLIENT_H
#define LR_L4_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/** Counters of a window (merged over workers: plain sums). */
struct lr_l4_udp_counts {
    uint64_t sent;
    uint64_t received;
    uint64_t lost;          /* no answer within the timeout */
    uint64_t overrun;       /* of the lost: counted when the window wrapped onto them */
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
    uint32_t mask;       /* size - 1 */
    uint32_t next_seq;   /* sequence number of the next request */
    uint32_t expire_seq; /* oldest request not yet answered or expired */
    uint64_t *sent_us;   /* [size] */
    uint8_t *state;      /* [size] */
    uint32_t *flow;      /* [size]: who sent it */
    struct lr_l4_udp_counts c;
};

/** Bytes of storage per window entry (sent_us, state, flow). */
#define LR_L4_WINDOW_ENTRY_BYTES (sizeof(uint64_t) + sizeof(uint8_t) + sizeof(uint32_t))

/** Set up @w over caller storage of @size entries (a power of two). */
static inline void lr_l4_udp_window_init(struct lr_l4_udp_window *w, uint32_t first_seq,
                                         uint32_t size, uint64_t *sent_us, uint8_t *state,
                                         uint32_t *flow)
{
    memset(w, 0, sizeof(*w));
    w->mask = size - 1;
    w->sent_us = sent_us;
    w->state = state;
    w->flow = flow;
    memset(state, LR_L4_SLOT_FREE, size);
    w->next_seq = first_seq;
    w->expire_seq = first_seq;
}

/** Requests sent and not yet answered, lost or expired. */
static inline uint32_t lr_l4_udp_pending(const struct lr_l4_udp_window *w)
{
    return w->next_seq - w->expire_seq;
}

/**
 * Expire the oldest request when it was sent at or before @now_us -
 * @timeout_us, or when @force; skip those already answered. Returns true
 * when one was counted lost, with its flow in *@flow; false when nothing
 * (more) is due.
 */
static inline bool lr_l4_udp_expire_one(struct lr_l4_udp_window *w, uint64_t now_us,
                                        uint64_t timeout_us, bool force, uint32_t *flow)
{
    while (w->expire_seq != w->next_seq) {
        uint32_t i = w->expire_seq & w->mask;
        if (w->state[i] == LR_L4_SLOT_PENDING) {
            if (!force && now_us - w->sent_us[i] < timeout_us)
                return false;
            w->state[i] = LR_L4_SLOT_LOST;
            w->c.lost++;
            w->expire_seq++;
            *flow = w->flow[i];
            return true;
        }
        w->expire_seq++;
    }
    return false;
}

/**
 * Record a request of @flow sent at @now_us; returns its sequence number.
 * When the window is full, its oldest entry is expired first: *@overrun_flow
 * is then that request's flow (counted lost and overrun) and the return of
 * @overran true; the caller treats it as a loss.
 */
static inline uint32_t lr_l4_udp_send(struct lr_l4_udp_window *w, uint64_t now_us, uint32_t flow,
                                      bool *overran, uint32_t *overrun_flow)
{
    *overran = false;
    if (lr_l4_udp_pending(w) > w->mask) {
        uint32_t f;
        if (lr_l4_udp_expire_one(w, now_us, 0, true, &f)) {
            w->c.overrun++;
            *overran = true;
            *overrun_flow = f;
        }
    }
    uint32_t seq = w->next_seq++;
    uint32_t i = seq & w->mask;
    w->sent_us[i] = now_us;
    w->state[i] = LR_L4_SLOT_PENDING;
    w->flow[i] = flow;
    w->c.sent++;
    return seq;
}

/**
 * Account the answer carrying @seq at @now_us. On LR_L4_RX_OK, *@rtt_us is
 * the latency to feed the lr_latency histogram and *@flow the flow that
 * sent the request.
 */
static inline enum lr_l4_rx_result lr_l4_udp_rx(struct lr_l4_udp_window *w, uint32_t seq,
                                                uint64_t now_us, uint64_t *rtt_us, uint32_t *flow)
{
    /* Serial-number style comparison (RFC 1982 §3.2): age of seq behind next_seq. */
    uint32_t age = w->next_seq - seq;
    if (age == 0 || age > w->mask + 1u || age > w->c.sent) {
        w->c.out_of_window++;
        return LR_L4_RX_OUT_OF_WINDOW;
    }
    uint32_t i = seq & w->mask;
    switch (w->state[i]) {
    case LR_L4_SLOT_PENDING:
        w->state[i] = LR_L4_SLOT_DONE;
        w->c.received++;
        *rtt_us = now_us - w->sent_us[i];
        *flow = w->flow[i];
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
