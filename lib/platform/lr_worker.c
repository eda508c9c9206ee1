/* SPDX-License-Identifier: BSD-3-Clause */
/* Worker context setup (lr_worker.h). Main lcore, before the loop runs. */
#include <sys/random.h>

#include <rte_cycles.h>
#include <rte_lcore.h>

#include "lr_worker.h"

static uint64_t rng_seed(void)
{
    uint64_t seed = 0;
    if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != (ssize_t)sizeof(seed))
        seed = rte_rdtsc() ^ ((uint64_t)rte_lcore_id() << 32);
    return seed ? seed : 0x9E3779B97F4A7C15ULL; /* xorshift state must never be 0 */
}

void lr_worker_setup(struct lr_worker *w, const struct lr_config *cfg,
                     const struct lr_worker_params *p)
{
    w->id = p->id;
    w->nb_workers = p->nb_workers;
    w->queue = p->id;
    w->nb_ports = p->nb_ports;
    w->burst = (uint16_t)cfg->worker.burst;
    w->lcore = p->lcore;
    w->socket = p->socket;
    w->now = p->now;
    w->last_flush = p->now;
    w->tx_flush_us = cfg->worker.tx_flush;
    w->cfg = cfg;
    w->ports = p->ports;
    w->flow = p->flow;
    w->pool = p->pool;
    w->rng = p->rng_seed != 0 ? p->rng_seed : rng_seed();
    lr_timer_wheel_init(&w->timers, p->now);
}

unsigned lr_worker_slot(unsigned *id)
{
    static unsigned next = 1; /* main lcore only */

    if (*id == 0 && next < LR_WORKER_SLOTS)
        *id = next++;
    return *id;
}
