/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RTT estimation and retransmission timeout, RFC 6298.
 *
 * All values are microseconds. Intermediate products use 64-bit arithmetic so
 * that any 32-bit sample (up to ~71 minutes) is handled without overflow. The
 * gains (alpha = 1/8, beta = 1/4) are applied exactly with integer division;
 * the rounding error is below 1 us per sample.
 */
#include "lr_tcp_rtt.h"

#define LR_RTT_G_US    1000u /* clock granularity G (header: 1 ms) */
#define LR_RTT_K       4u    /* RFC 6298 §2 */
#define LR_BACKOFF_MAX 31u   /* more doublings always exceed any 32-bit bound */

static uint32_t rto_clamp(uint64_t rto, uint32_t min_us, uint32_t max_us)
{
    /* §2.4: lower bound; §2.5: upper bound. The upper bound wins if the
     * configuration inverted them. */
    if (rto < min_us)
        rto = min_us;
    if (rto > max_us)
        rto = max_us;
    return (uint32_t)rto;
}

void lr_tcp_rtt_init(struct lr_tcp_rtt *r, uint32_t initial_us)
{
    r->srtt = 0;
    r->rttvar = 0;
    r->rto = initial_us; /* §2.1 (RFC 6298 recommends 1 s) */
    r->backoff = 0;
}

void lr_tcp_rtt_sample(struct lr_tcp_rtt *r, uint32_t rtt_us, uint32_t min_us, uint32_t max_us)
{
    uint64_t var4;

    /* srtt == 0 means "no sample yet"; a measured 0 us (same-tick ACK) is
     * recorded as 1 us so that the estimator state stays distinguishable. */
    if (rtt_us == 0)
        rtt_us = 1;

    if (r->srtt == 0) {
        /* §2.2: first measurement. */
        r->srtt = rtt_us;
        r->rttvar = rtt_us / 2;
    } else {
        /* §2.3: RTTVAR first, from the old SRTT; beta = 1/4, alpha = 1/8. */
        uint32_t delta = r->srtt > rtt_us ? r->srtt - rtt_us : rtt_us - r->srtt;

        r->rttvar = (uint32_t)(((uint64_t)r->rttvar * 3 + delta) / 4);
        r->srtt = (uint32_t)(((uint64_t)r->srtt * 7 + rtt_us) / 8);
        if (r->srtt == 0)
            r->srtt = 1;
    }
    /* RTO = SRTT + max(G, K*RTTVAR). */
    var4 = (uint64_t)r->rttvar * LR_RTT_K;
    if (var4 < LR_RTT_G_US)
        var4 = LR_RTT_G_US;
    r->rto = rto_clamp((uint64_t)r->srtt + var4, min_us, max_us);
    /* Karn's algorithm (RFC 6298 §3, §5.5): the backed-off RTO is kept only
     * until a valid sample from a segment that was not retransmitted; the
     * RTO is then computed from the new SRTT/RTTVAR again. */
    r->backoff = 0;
}

void lr_tcp_rtt_backoff(struct lr_tcp_rtt *r, uint32_t max_us)
{
    /* §5.5: RTO <- RTO * 2, bounded by the maximum (§2.5). Stop counting once
     * the bound is reached so the shift in lr_tcp_rtt_rto() cannot overflow. */
    if (r->backoff >= LR_BACKOFF_MAX)
        return;
    if (((uint64_t)r->rto << r->backoff) >= max_us)
        return;
    r->backoff++;
}

uint32_t lr_tcp_rtt_rto(const struct lr_tcp_rtt *r, uint32_t max_us)
{
    unsigned shift = r->backoff > LR_BACKOFF_MAX ? LR_BACKOFF_MAX : r->backoff;
    uint64_t rto = (uint64_t)r->rto << shift;

    return rto > max_us ? max_us : (uint32_t)rto;
}
