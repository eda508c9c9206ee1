/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Open-loop request schedule arithmetic (see lr_rate.h).
 */
#include "lr_rate.h"

uint64_t lr_rate_share(uint64_t rate, unsigned n, unsigned k)
{
    if (n == 0 || k >= n)
        return 0;
    return rate / n + (k < rate % n ? 1 : 0);
}

void lr_rate_init(struct lr_rate_sched *s, uint64_t t0, uint64_t hz, uint64_t rate)
{
    s->t0 = t0;
    s->hz = hz;
    s->rate = rate;
    s->next = 0;
}

uint64_t lr_rate_intended(const struct lr_rate_sched *s, uint64_t i)
{
    if (s->rate == 0)
        return UINT64_MAX;
    /* floor(i * hz / rate) without a 64-bit overflow of i * hz. */
    unsigned __int128 t = (unsigned __int128)i * s->hz / s->rate;
    unsigned __int128 abs = (unsigned __int128)s->t0 + t;
    return abs > UINT64_MAX ? UINT64_MAX : (uint64_t)abs;
}

uint64_t lr_rate_due(const struct lr_rate_sched *s, uint64_t now)
{
    if (s->rate == 0 || s->hz == 0 || now < s->t0)
        return 0;
    /* Request i is due when floor(i * hz / rate) <= now - t0, i.e. when
     * i * hz < (now - t0 + 1) * rate: i < ceil((now - t0 + 1) * rate / hz). */
    unsigned __int128 num = ((unsigned __int128)(now - s->t0) + 1) * s->rate;
    unsigned __int128 upto = (num + s->hz - 1) / s->hz; /* requests 0 .. upto-1 due */
    if (upto <= s->next)
        return 0;
    unsigned __int128 d = upto - s->next;
    return d > UINT64_MAX ? UINT64_MAX : (uint64_t)d;
}
