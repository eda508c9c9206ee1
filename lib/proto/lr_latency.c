/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Log-linear latency histogram (see lr_latency.h for the bucket layout).
 */
#include <math.h>
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
