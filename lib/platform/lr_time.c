/* SPDX-License-Identifier: BSD-3-Clause */
#include "lr_time.h"

uint64_t lr_us_per_tsc_q32;

void lr_time_init(void)
{
    uint64_t hz = rte_get_tsc_hz();
    if (hz == 0)
        hz = 1000000000ULL;
    lr_us_per_tsc_q32 = (uint64_t)((((unsigned __int128)1000000) << 32) / hz);
}
