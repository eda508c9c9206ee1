/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Congestion control: NewReno (RFC 5681, RFC 6582) and CUBIC (RFC 9438),
 * chosen per connection at creation. Pure arithmetic: bytes and microseconds
 * passed in. The connection owns the recovery bookkeeping (recover point,
 * duplicate ACK count) and calls these hooks.
 */
#ifndef LR_TCP_CC_H
#define LR_TCP_CC_H

#include <stdint.h>

#include "lr_config.h"

struct lr_tcp_cc {
    uint32_t cwnd;        /* bytes */
    uint32_t ssthresh;    /* bytes */
    uint32_t mss;         /* SMSS */
    uint32_t bytes_acked; /* congestion-avoidance accumulator (RFC 5681 §3.1, ABC) */
    uint8_t algo;         /* enum lr_cc_algo */
    /* CUBIC state (RFC 9438 §4) */
    uint32_t w_max; /* bytes */
    uint32_t w_last_max;
    uint64_t epoch_start; /* us, 0 = not in an epoch */
    uint32_t k_ms;        /* K in ms */
    uint32_t w_est;       /* Reno-friendly estimate, bytes */
    uint64_t w_est_frac;  /* remainder of the W_est increase, in 1/(17*cwnd) bytes */
};

/** RFC 5681 §3.1 initial window (IW = min(4*SMSS, max(2*SMSS, 4380))); ssthresh = "large". */
void lr_tcp_cc_init(struct lr_tcp_cc *cc, enum lr_cc_algo algo, uint32_t mss);
/**
 * New data acknowledged outside recovery: slow start or congestion avoidance.
 * @flight_size: bytes in flight when the ACK arrived (SND.MAX - SND.UNA
 * before applying it). The window only grows while it is used: when
 * 2*flight_size < cwnd the sender is application-limited and cwnd is left
 * alone (RFC 7661, RFC 9438 §5.8).
 */
void lr_tcp_cc_on_ack(struct lr_tcp_cc *cc, uint32_t acked_bytes, uint32_t flight_size,
                      uint32_t srtt_us, uint64_t now_us);
/**
 * Third duplicate ACK (RFC 5681 §3.2 step 2 / RFC 6582): set ssthresh from
 * @flight_size, cwnd = ssthresh + 3*SMSS. CUBIC: multiplicative decrease beta=0.7.
 */
void lr_tcp_cc_on_fast_retransmit(struct lr_tcp_cc *cc, uint32_t flight_size, uint64_t now_us);
/** Each further duplicate ACK in recovery: inflate cwnd by SMSS (RFC 5681 §3.2 step 4). */
void lr_tcp_cc_on_dupack_in_recovery(struct lr_tcp_cc *cc);
/** RFC 6582 §3.2 step 3: partial ACK deflates by acked bytes, adds back SMSS if >= SMSS. */
void lr_tcp_cc_on_partial_ack(struct lr_tcp_cc *cc, uint32_t acked_bytes);
/** RFC 6582 full ACK: leave recovery, cwnd = min(ssthresh, flight_size + SMSS). */
void lr_tcp_cc_on_recovery_exit(struct lr_tcp_cc *cc, uint32_t flight_size);
/** RTO (RFC 5681 §3.1 eq. 4): ssthresh = max(flight/2, 2*SMSS), cwnd = 1 SMSS (loss window). */
void lr_tcp_cc_on_timeout(struct lr_tcp_cc *cc, uint32_t flight_size, uint64_t now_us);
/** RFC 5681 §4.1: after an idle period longer than RTO, cwnd = min(cwnd, IW). */
void lr_tcp_cc_on_idle_restart(struct lr_tcp_cc *cc);

/** Integer cube root: the largest y with y^3 <= x (used for CUBIC's K). */
uint64_t lr_icbrt64(uint64_t x);

#endif /* LR_TCP_CC_H */
