/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Log-linear latency histogram (see lr_latency.h for the bucket layout).
 */
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "lr_latency.h"

#define EXACT (1u << LR_LATENCY_EXACT_BITS)
#define SUB   (1u << LR_LATENCY_SUB_BITS)

void lr_latency_reset(struct lr_latency *h)
{
    memset(h, 0, sizeof(*h));
    h->min = UINT64_MAX;
}

unsigned lr_latency_bucket(uint64_t us)
{
    if (us < EXACT)
        return (unsigned)us;
    if (us >> LR_LATENCY_MAX_BITS)
        return LR_LATENCY_BUCKETS - 1;
    /* m = position of the top bit (>= EXACT_BITS); the next SUB_BITS bits
     * below it select the linear bucket inside [2^m, 2^(m+1)). */
    unsigned m = 63u - (unsigned)__builtin_clzll(us);
    unsigned sub = (unsigned)(us >> (m - LR_LATENCY_SUB_BITS)) - SUB;
    return EXACT + (m - LR_LATENCY_EXACT_BITS) * SUB + sub;
}

void lr_latency_bucket_range(unsigned idx, uint64_t *lo, uint64_t *hi)
{
    if (idx < EXACT) {
        *lo = *hi = idx;
        return;
    }
    if (idx >= LR_LATENCY_BUCKETS)
        idx = LR_LATENCY_BUCKETS - 1;
    unsigned m = LR_LATENCY_EXACT_BITS + (idx - EXACT) / SUB;
    unsigned sub = (idx - EXACT) % SUB;
    unsigned shift = m - LR_LATENCY_SUB_BITS;
    *lo = (uint64_t)(SUB + sub) << shift;
    *hi = *lo + ((uint64_t)1 << shift) - 1;
    if (idx == LR_LATENCY_BUCKETS - 1)
        *hi = UINT64_MAX; /* the top bucket also holds everything above */
}

void lr_latency_merge(struct lr_latency *dst, const struct lr_latency *src)
{
    if (src->count == 0)
        return;
    for (unsigned i = 0; i < LR_LATENCY_BUCKETS; i++)
        dst->buckets[i] += src->buckets[i];
    dst->count += src->count;
    dst->overflow += src->overflow;
    dst->sum = (dst->sum + src->sum < dst->sum) ? UINT64_MAX : dst->sum + src->sum;
    if (src->min < dst->min)
        dst->min = src->min;
    if (src->max > dst->max)
        dst->max = src->max;
}

uint64_t lr_latency_quantile(const struct lr_latency *h, double q)
{
    if (h->count == 0)
        return 0;
    if (!(q < 1.0)) /* also catches NaN */
        return h->max;
    if (!(q > 0.0))
        return h->min;
    double r = ceil(q * (double)h->count);
    uint64_t rank = r < 1.0 ? 1 : (r > (double)h->count ? h->count : (uint64_t)r);
    uint64_t seen = 0;
    for (unsigned i = 0; i < LR_LATENCY_BUCKETS; i++) {
        seen += h->buckets[i];
        if (seen >= rank) {
            uint64_t lo, hi;
            lr_latency_bucket_range(i, &lo, &hi);
            if (hi > h->max)
                hi = h->max;
            if (hi < h->min)
                hi = h->min;
            return hi;
        }
    }
    return h->max; /* buckets and count disagree (racy snapshot): be safe */
}

double lr_latency_mean(const struct lr_latency *h)
{
    return h->count == 0 ? 0.0 : (double)h->sum / (double)h->count;
}

/* Samples whose bucket's upper edge is <= @v (exact for bucket edges). */
static uint64_t count_upto(const struct lr_latency *h, uint64_t v)
{
    uint64_t n = 0;
    unsigned last = lr_latency_bucket(v);
    for (unsigned i = 0; i <= last; i++)
        n += h->buckets[i];
    return n;
}

unsigned lr_latency_distribution(const struct lr_latency *h, unsigned ticks_per_half,
                                 struct lr_latency_tick *out, unsigned cap)
{
    unsigned n = 0;
    if (h->count == 0 || cap == 0)
        return 0;
    if (ticks_per_half == 0)
        ticks_per_half = 1;
    /* Each half of the remaining distance (100 - p) is cut into
     * ticks_per_half equal steps: half 0 spans 0..50, half 1 50..75, ... */
    for (unsigned half = 0; half < 64 && n + 1 < cap; half++) {
        double base = 100.0 - 100.0 / (double)(1ull << half);
        double step = 100.0 / (double)(1ull << (half + 1)) / (double)ticks_per_half;
        bool last_rank = false;
        for (unsigned k = 0; k < ticks_per_half && n + 1 < cap; k++) {
            double p = base + step * (double)k;
            uint64_t v = p > 0.0 ? lr_latency_quantile(h, p / 100.0) : h->min;
            out[n].percentile = p;
            out[n].value_us = v;
            out[n].count = count_upto(h, v);
            n++;
            /* Rank of this tick already the last sample: the rest is max. */
            if (ceil(p / 100.0 * (double)h->count) >= (double)h->count) {
                last_rank = true;
                break;
            }
        }
        if (last_rank)
            break;
    }
    out[n].percentile = 100.0;
    out[n].value_us = h->max;
    out[n].count = h->count;
    return n + 1;
}
