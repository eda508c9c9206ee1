/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Congestion control: NewReno (RFC 5681, RFC 6582) and CUBIC (RFC 9438).
 *
 * Both share slow start, the fast-recovery window inflation/deflation and the
 * RTO response; they differ in the congestion-avoidance increase and in the
 * multiplicative decrease (1/2 for Reno, beta_cubic = 0.7 for CUBIC).
 *
 * CUBIC is computed in integers: window in bytes, time in milliseconds,
 * W_cubic(t) = C*(t-K)^3 + W_max with C = 0.4 segments/s^3 (RFC 9438 §4.2),
 * K from an integer cube root. The Reno-friendly estimate W_est grows by
 * alpha_cubic = 3*(1-beta)/(1+beta) = 9/17 segment per cwnd of acked data
 * (RFC 9438 §4.3), kept exactly with a remainder.
 *
 * Field use for CUBIC: w_max is W_max after fast convergence (§4.7),
 * w_last_max is cwnd_prior, the window just before the last reduction
 * (§4.6), used to switch alpha_cubic to 1 (§4.3). bytes_acked holds the
 * remainder of the per-ACK increase (target - cwnd) * acked / cwnd.
 */
#include <stddef.h>

#include "lr_tcp_cc.h"

#define LR_CC_CWND_MAX    (1u << 30) /* 1 GiB: keeps every product below 2^64 */
#define LR_CC_DEFAULT_MSS 536u       /* RFC 9293 §3.7.1 default when none is known */
#define LR_CUBIC_BETA_NUM 7u         /* beta_cubic = 0.7 (RFC 9438 §4.6) */
#define LR_CUBIC_BETA_DEN 10u
#define LR_CUBIC_DT_MAX   (1 << 20) /* |t - K| clamp, ms (~17 min): d^3 < 2^63 */

static inline uint32_t u32_min(uint32_t a, uint32_t b)
{
    return a < b ? a : b;
}

static inline uint32_t u32_max(uint32_t a, uint32_t b)
{
    return a > b ? a : b;
}

static inline uint32_t cwnd_cap(uint64_t v)
{
    return v > LR_CC_CWND_MAX ? LR_CC_CWND_MAX : (uint32_t)v;
}

static uint32_t cc_iw(uint32_t mss)
{
    /* RFC 5681 §3.1 eq. 1 (the RFC 3390 form): min(4*SMSS, max(2*SMSS, 4380)). */
    return cwnd_cap(u32_min(4 * mss, u32_max(2 * mss, 4380)));
}

/**
 * Integer cube root: the largest y with y^3 <= x. Bit-by-bit method, three
 * bits of x per bit of y, 22 steps for 64 bits; no floating point.
 */
uint64_t lr_icbrt64(uint64_t x)
{
    uint64_t y = 0;

    for (int s = 63; s >= 0; s -= 3) {
        uint64_t b;

        y <<= 1;
        b = 3 * y * (y + 1) + 1; /* (y+1)^3 - y^3 */
        if ((x >> s) >= b) {
            x -= b << s;
            y++;
        }
    }
    return y;
}

void lr_tcp_cc_init(struct lr_tcp_cc *cc, enum lr_cc_algo algo, uint32_t mss)
{
    if (mss == 0)
        mss = LR_CC_DEFAULT_MSS;
    if (mss > 65535)
        mss = 65535;
    cc->mss = mss;
    cc->algo = (uint8_t)algo;
    cc->cwnd = cc_iw(mss);
    /* RFC 5681 §3.1: initial ssthresh arbitrarily high. */
    cc->ssthresh = UINT32_MAX;
    cc->bytes_acked = 0;
    cc->w_max = 0;
    cc->w_last_max = 0;
    cc->epoch_start = 0;
    cc->k_ms = 0;
    cc->w_est = 0;
    cc->w_est_frac = 0;
}

/* W_cubic(t) in bytes for t in ms since the epoch start (RFC 9438 §4.2 eq. 1). */
static uint64_t cubic_w(const struct lr_tcp_cc *cc, uint64_t t_ms)
{
    int64_t d, cube, delta, w;

    if (t_ms > (uint64_t)cc->k_ms + LR_CUBIC_DT_MAX)
        d = LR_CUBIC_DT_MAX;
    else
        d = (int64_t)t_ms - (int64_t)cc->k_ms;
    if (d < -LR_CUBIC_DT_MAX)
        d = -LR_CUBIC_DT_MAX;
    cube = d * d * d; /* ms^3 */
    /* C * d^3 segments with d in s: 0.4 * cube / 1e9 = (cube / 1e6) * 4 / 1e4. */
    delta = (cube / 1000000) * 4 * (int64_t)cc->mss / 10000;
    w = (int64_t)cc->w_max + delta;
    if (w < (int64_t)cc->mss)
        w = cc->mss;
    if (w > LR_CC_CWND_MAX)
        w = LR_CC_CWND_MAX;
    return (uint64_t)w;
}

static void cubic_epoch_start(struct lr_tcp_cc *cc, uint64_t now_us)
{
    /* RFC 9438 §4.2: a congestion-avoidance epoch starts on the first ACK
     * after a reduction (or after slow start / a timeout). */
    cc->epoch_start = now_us != 0 ? now_us : 1;
    cc->bytes_acked = 0;
    cc->w_est = cc->cwnd; /* §4.3: W_est = cwnd_epoch */
    cc->w_est_frac = 0;
    if (cc->cwnd < cc->w_max) {
        /* K = cbrt((W_max - cwnd_epoch) / C) s, in ms:
         * cbrt(diff/mss / 0.4 * 1e9) = cbrt(diff * 2.5e9 / mss).
         * diff < 2^30 so the product stays below 2^62. */
        uint64_t diff = cc->w_max - cc->cwnd;

        cc->k_ms = (uint32_t)lr_icbrt64(diff * 2500000000ull / cc->mss);
    } else {
        /* §4.8 (also after a timeout): K = 0, W_max = cwnd at epoch start. */
        cc->k_ms = 0;
        cc->w_max = cc->cwnd;
    }
}

static void cubic_cong_avoid(struct lr_tcp_cc *cc, uint32_t acked, uint32_t srtt_us,
                             uint64_t now_us)
{
    uint64_t t_ms, w_now, target, num, den;
    uint32_t a17;

    if (cc->epoch_start == 0)
        cubic_epoch_start(cc, now_us);
    t_ms = now_us > cc->epoch_start ? (now_us - cc->epoch_start) / 1000 : 0;

    /* §4.3 Reno-friendly estimate: W_est += alpha * acked/cwnd segments,
     * alpha = 9/17, or 1 once W_est has reached cwnd_prior. */
    a17 = cc->w_est >= cc->w_last_max ? 17 : 9;
    num = (uint64_t)acked * cc->mss * a17 + cc->w_est_frac;
    den = 17ull * cc->cwnd;
    cc->w_est = cwnd_cap((uint64_t)cc->w_est + num / den);
    cc->w_est_frac = num % den;

    w_now = cubic_w(cc, t_ms);
    if (w_now < cc->w_est) {
        /* §4.3: Reno-friendly region, cwnd follows W_est. */
        if (cc->w_est > cc->cwnd) {
            cc->cwnd = cc->w_est;
            cc->bytes_acked = 0;
        }
        return;
    }
    /* §4.4/§4.5: concave and convex regions. target = W_cubic(t + RTT),
     * bounded to [cwnd, 1.5*cwnd]; cwnd grows by (target - cwnd)/cwnd per
     * acked cwnd (here per acked byte, remainder kept in bytes_acked). */
    target = cubic_w(cc, t_ms + srtt_us / 1000);
    if (target < cc->cwnd)
        target = cc->cwnd;
    if (target > (uint64_t)cc->cwnd * 3 / 2)
        target = (uint64_t)cc->cwnd * 3 / 2;
    num = (target - cc->cwnd) * acked + cc->bytes_acked;
    cc->bytes_acked = (uint32_t)(num % cc->cwnd);
    cc->cwnd = cwnd_cap(cc->cwnd + num / cc->cwnd);
}

static void reno_cong_avoid(struct lr_tcp_cc *cc, uint32_t acked)
{
    /* RFC 5681 §3.1 with byte counting (RFC 3465 §2.1): one SMSS per cwnd
     * of acknowledged bytes. */
    uint64_t ba = (uint64_t)cc->bytes_acked + acked;

    if (ba >= cc->cwnd) {
        ba -= cc->cwnd;
        cc->cwnd = cwnd_cap((uint64_t)cc->cwnd + cc->mss);
        if (ba >= cc->cwnd) /* one increase per ACK at most (eq. 3 bound) */
            ba = 0;
    }
    cc->bytes_acked = (uint32_t)ba;
}

void lr_tcp_cc_on_ack(struct lr_tcp_cc *cc, uint32_t acked_bytes, uint32_t flight_size,
                      uint32_t srtt_us, uint64_t now_us)
{
    if (acked_bytes == 0)
        return;
    /* Only a window that is in use may grow (RFC 7661 §4.3, RFC 9438 §5.8):
     * the sender counts as cwnd-limited while at least half the window was
     * in flight when this ACK arrived, which tolerates delayed ACKs and the
     * tail of a burst, but stops an application-limited sender from
     * inflating a window it never fills. */
    if (2 * (uint64_t)flight_size < cc->cwnd)
        return;

    if (cc->cwnd < cc->ssthresh) {
        /* RFC 5681 §3.1 eq. 2 with RFC 3465 ABC limit L = 2*SMSS per ACK. */
        cc->cwnd = cwnd_cap((uint64_t)cc->cwnd + u32_min(acked_bytes, 2 * cc->mss));
        return;
    }
    if (cc->algo == LR_CC_CUBIC)
        cubic_cong_avoid(cc, acked_bytes, srtt_us, now_us);
    else
        reno_cong_avoid(cc, acked_bytes);
}

/* New ssthresh after a loss: Reno flight/2 (RFC 5681 eq. 4), CUBIC
 * flight*beta (RFC 9438 §4.6); never below 2*SMSS. */
static uint32_t cc_loss_ssthresh(struct lr_tcp_cc *cc, uint32_t flight_size)
{
    uint64_t s;

    if (cc->algo == LR_CC_CUBIC)
        s = (uint64_t)flight_size * LR_CUBIC_BETA_NUM / LR_CUBIC_BETA_DEN;
    else
        s = flight_size / 2;
    return cwnd_cap(s > 2ull * cc->mss ? s : 2ull * cc->mss);
}

static void cubic_on_loss(struct lr_tcp_cc *cc)
{
    /* §4.6: remember cwnd_prior; §4.7 fast convergence: if this loss comes
     * before the window regained the previous W_max, another flow probably
     * joined, so release bandwidth: W_max = cwnd * (1 + beta) / 2. */
    cc->w_last_max = cc->cwnd;
    if (cc->cwnd < cc->w_max)
        cc->w_max = (uint32_t)((uint64_t)cc->cwnd * (LR_CUBIC_BETA_DEN + LR_CUBIC_BETA_NUM) /
                               (2 * LR_CUBIC_BETA_DEN));
    else
        cc->w_max = cc->cwnd;
    cc->epoch_start = 0;
}

void lr_tcp_cc_on_fast_retransmit(struct lr_tcp_cc *cc, uint32_t flight_size, uint64_t now_us)
{
    (void)now_us;
    if (cc->algo == LR_CC_CUBIC)
        cubic_on_loss(cc);
    /* RFC 5681 §3.2 steps 2-3 / RFC 6582 §3.2 step 2. */
    cc->ssthresh = cc_loss_ssthresh(cc, flight_size);
    cc->cwnd = cwnd_cap((uint64_t)cc->ssthresh + 3ull * cc->mss);
    cc->bytes_acked = 0;
}

void lr_tcp_cc_on_dupack_in_recovery(struct lr_tcp_cc *cc)
{
    /* RFC 5681 §3.2 step 4: each further duplicate ACK means a segment left the network. */
    cc->cwnd = cwnd_cap((uint64_t)cc->cwnd + cc->mss);
}

void lr_tcp_cc_on_partial_ack(struct lr_tcp_cc *cc, uint32_t acked_bytes)
{
    /* RFC 6582 §3.2 step 5: deflate by the newly acknowledged data, add back
     * SMSS if at least SMSS was acknowledged. Keep one segment so the
     * retransmission of the next hole can always go out. */
    uint32_t c = cc->cwnd > acked_bytes ? cc->cwnd - acked_bytes : 0;

    if (acked_bytes >= cc->mss)
        c += cc->mss;
    cc->cwnd = u32_max(c, cc->mss);
}

void lr_tcp_cc_on_recovery_exit(struct lr_tcp_cc *cc, uint32_t flight_size)
{
    /* RFC 6582 §3.2 step 3 (full ACK), option 1:
     * cwnd = min(ssthresh, max(FlightSize, SMSS) + SMSS). */
    uint64_t f = (uint64_t)u32_max(flight_size, cc->mss) + cc->mss;

    cc->cwnd = cwnd_cap(f < cc->ssthresh ? f : cc->ssthresh);
    cc->bytes_acked = 0;
}

void lr_tcp_cc_on_timeout(struct lr_tcp_cc *cc, uint32_t flight_size, uint64_t now_us)
{
    (void)now_us;
    if (cc->algo == LR_CC_CUBIC) {
        /* RFC 9438 §4.8: ssthresh with beta_cubic; the first epoch after the
         * timeout uses K = 0 and W_max = cwnd at its start. */
        cc->w_last_max = cc->cwnd;
        cc->w_max = 0;
        cc->epoch_start = 0;
    }
    /* RFC 5681 §3.1 eq. 4 and loss window LW = 1 SMSS. */
    cc->ssthresh = cc_loss_ssthresh(cc, flight_size);
    cc->cwnd = cc->mss;
    cc->bytes_acked = 0;
}

void lr_tcp_cc_on_idle_restart(struct lr_tcp_cc *cc)
{
    /* RFC 5681 §4.1: restart window RW = min(IW, cwnd). */
    cc->cwnd = u32_min(cc->cwnd, cc_iw(cc->mss));
    cc->bytes_acked = 0;
    /* RFC 9438 §5.8: the idle time must not count as epoch time. */
    cc->epoch_start = 0;
}
