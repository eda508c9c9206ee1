/* SPDX-License-Identifier: BSD-3-Clause */
/* RTT estimation and RTO (RFC 6298), pure arithmetic on microseconds. */
#ifndef LR_TCP_RTT_H
#define LR_TCP_RTT_H

#include <stdint.h>

struct lr_tcp_rtt {
    uint32_t srtt;   /* us, 0 = no sample yet */
    uint32_t rttvar; /* us */
    uint32_t rto;    /* us, current (before backoff) */
    uint8_t backoff; /* number of consecutive timeouts (RTO doubled each) */
};

/** RFC 6298 §2.1: RTO = @initial until the first sample. */
void lr_tcp_rtt_init(struct lr_tcp_rtt *r, uint32_t initial_us);
/**
 * Feed one RTT measurement (only from segments not retransmitted, Karn's
 * rule §3 — the caller guarantees that, or uses timestamps §RFC 7323 §4).
 * Applies §2.2/§2.3 with K=4, alpha=1/8, beta=1/4, G = 1 ms, clamps to
 * [min_us, max_us] (§2.4, §2.5) and clears the backoff (Karn, §3).
 */
void lr_tcp_rtt_sample(struct lr_tcp_rtt *r, uint32_t rtt_us, uint32_t min_us, uint32_t max_us);
/** §5.5: double the RTO (bounded by max_us) after a retransmission timeout. */
void lr_tcp_rtt_backoff(struct lr_tcp_rtt *r, uint32_t max_us);
/** Current timeout including backoff, clamped to max_us. */
uint32_t lr_tcp_rtt_rto(const struct lr_tcp_rtt *r, uint32_t max_us);

#endif /* LR_TCP_RTT_H */
