/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Open-loop request schedule (constant request rate, wrk2 -R style): the
 * pure arithmetic, no clock and no I/O. [client] request_rate uses it
 * (lib/app/lr_http_client.c).
 *
 * A total rate R (requests per second) is split over N workers: worker k
 * gets R / N, and the first R % N workers one more, so the shares add up to
 * R exactly. Within a worker, request i (0, 1, ...) is intended to be sent
 * at t0 + floor(i * hz / r) clock ticks (hz ticks per second, r the
 * worker's share): the schedule never drifts, whatever the rounding. The
 * latency of a request is to be measured from that intended time, so that a
 * server stall is charged to every request queued behind it (coordinated
 * omission corrected).
 */
#ifndef LR_RATE_H
#define LR_RATE_H

#include <stdint.h>

/** Requests per second of worker @k (0-based) of @n when the total is @rate. */
uint64_t lr_rate_share(uint64_t rate, unsigned n, unsigned k);

struct lr_rate_sched {
    uint64_t t0;   /* clock ticks of request 0 */
    uint64_t hz;   /* clock ticks per second */
    uint64_t rate; /* requests per second (0: nothing is ever due) */
    uint64_t next; /* index of the next request not yet taken */
};

/** Start a schedule of @rate requests/s at tick @t0 of a @hz clock. */
void lr_rate_init(struct lr_rate_sched *s, uint64_t t0, uint64_t hz, uint64_t rate);

/** Intended send tick of request @i: t0 + floor(i * hz / rate), exact. */
uint64_t lr_rate_intended(const struct lr_rate_sched *s, uint64_t i);

/**
 * Number of requests due at tick @now and not yet taken: those with an
 * intended time <= @now, from s->next on. The caller takes them (or keeps
 * them as backlog) by advancing s->next.
 */
uint64_t lr_rate_due(const struct lr_rate_sched *s, uint64_t now);

#endif /* LR_RATE_H */
