/* SPDX-License-Identifier: BSD-3-Clause */
/* Monotonic microsecond clock from the TSC. Read once per worker loop only. */
#ifndef LR_TIME_H
#define LR_TIME_H

#include <stdint.h>

#include <rte_cycles.h>

/** Call once at start (main lcore) before any worker reads the clock. */
void lr_time_init(void);

extern uint64_t lr_us_per_tsc_q32; /* microseconds per TSC cycle, 32.32 fixed point */

/** Microseconds of the clock at TSC reading @tsc. */
static inline uint64_t lr_time_tsc_to_us(uint64_t tsc)
{
    return (uint64_t)(((unsigned __int128)tsc * lr_us_per_tsc_q32) >> 32);
}

static inline uint64_t lr_time_now_us(void)
{
    return lr_time_tsc_to_us(rte_get_tsc_cycles());
}

#endif /* LR_TIME_H */
