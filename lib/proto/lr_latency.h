/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fixed-memory log-linear latency histogram (microseconds).
 *
 * Values below 2^LR_LATENCY_EXACT_BITS (128 us) get one bucket each. Above,
 * every power-of-two range [2^m, 2^(m+1)) is split into 64 equal buckets, so
 * a recorded value is known to within 1/64 (1.6 %) of itself. Values at or
 * above 2^LR_LATENCY_MAX_BITS us (about 12.7 days) land in the last bucket;
 * min, max, count and sum are kept exactly. The structure has no pointers:
 * workers each own one and the main lcore merges them (lr_latency_merge)
 * into a total, bucket by bucket, with no loss.
 *
 * Percentiles report the upper edge of the bucket holding the requested rank,
 * clamped to the exact maximum: a reported p99 is never below the true p99
 * and at most 1.6 % above it.
 *
 * Range: 0 .. 2^40-1 us exactly bucketed (1 us .. 12.7 days, far beyond the
 * one hour asked of a load generator). Larger samples are clamped into the
 * top bucket and counted in .overflow, so a report can say how many there
 * were; .max still holds the true largest value.
 */
#ifndef LR_LATENCY_H
#define LR_LATENCY_H

#include <stdint.h>

#define LR_LATENCY_EXACT_BITS 7  /* values < 128 are exact */
#define LR_LATENCY_SUB_BITS   6  /* 64 buckets per power of two above */
#define LR_LATENCY_MAX_BITS   40 /* values >= 2^40 us share the top bucket */
#define LR_LATENCY_BUCKETS                                                                         \
    ((1u << LR_LATENCY_EXACT_BITS) +                                                               \
     (LR_LATENCY_MAX_BITS - LR_LATENCY_EXACT_BITS) * (1u << LR_LATENCY_SUB_BITS))

struct lr_latency {
    uint64_t count;
    uint64_t sum; /* microseconds (saturates at UINT64_MAX) */
    uint64_t min; /* UINT64_MAX while empty */
    uint64_t max;
    uint64_t overflow; /* samples >= 2^LR_LATENCY_MAX_BITS (clamped into the top bucket) */
    uint64_t buckets[LR_LATENCY_BUCKETS];
};

/** Empty @h (count 0, min UINT64_MAX). */
void lr_latency_reset(struct lr_latency *h);

/** Bucket index of value @us (0 .. LR_LATENCY_BUCKETS-1). */
unsigned lr_latency_bucket(uint64_t us);

/** Smallest and largest value that fall in bucket @idx. */
void lr_latency_bucket_range(unsigned idx, uint64_t *lo, uint64_t *hi);

/** Record one sample of @us microseconds. */
static inline void lr_latency_record(struct lr_latency *h, uint64_t us)
{
    h->buckets[lr_latency_bucket(us)]++;
    h->count++;
    if (us >> LR_LATENCY_MAX_BITS)
        h->overflow++;
    h->sum = (h->sum + us < h->sum) ? UINT64_MAX : h->sum + us;
    if (us < h->min)
        h->min = us;
    if (us > h->max)
        h->max = us;
}

/** dst += src (exact: the same buckets everywhere). */
void lr_latency_merge(struct lr_latency *dst, const struct lr_latency *src);

/**
 * Value at quantile @q (0 < q <= 1; 0.5 = median, 0.999 = p99.9): the upper
 * edge of the bucket holding sample number ceil(q * count), clamped to
 * [min, max]. q >= 1 returns max; an empty histogram returns 0.
 */
uint64_t lr_latency_quantile(const struct lr_latency *h, double q);

/* One row of a percentile distribution (lr_latency_distribution). */
struct lr_latency_tick {
    double percentile; /* 0 .. 100 */
    uint64_t value_us; /* lr_latency_quantile(h, percentile / 100) */
    uint64_t count;    /* samples <= value_us (cumulative, bucket-exact) */
};

/**
 * Percentile distribution at HdrHistogram-style ticks: @ticks_per_half
 * ticks in each half of the remaining distance to 100 % (0, 50, 75, 87.5,
 * ... with 1 tick per half; 2 gives 0, 25, 50, 62.5, 75, ...), stopped once
 * the tick's rank reaches the last sample, then a final 100 % row (the max).
 * Writes at most @cap rows into @out and returns how many were written
 * (0 when empty). Two runs' distributions can be plotted on one log axis
 * of 1/(1 - percentile/100).
 */
unsigned lr_latency_distribution(const struct lr_latency *h, unsigned ticks_per_half,
                                 struct lr_latency_tick *out, unsigned cap);

/** Mean in microseconds (0 when empty). */
double lr_latency_mean(const struct lr_latency *h);

#endif /* LR_LATENCY_H */
