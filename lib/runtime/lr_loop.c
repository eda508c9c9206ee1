/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker poll loop (lr_runtime.h: lr_worker_main).
 *
 * Call chain of one loop iteration (lr_worker_main):
 *   now = lr_time_now_us() (from the iteration's TSC reading)
 *   for each port: lr_io_rx_burst (rx burst [+ fault layer]) -> lr_eth_input_burst
 *   for each other worker j: drain ring_from[j] -> lr_eth_input_burst
 *   module poll hooks
 *   lr_timer_wheel_advance
 *   lr_tx_flush when something is buffered and (every RX queue was drained,
 *     i.e. no burst came back full, or tx_flush us passed)
 *   busy_cycles += TSC of the iteration when it received or flushed packets
 * Nothing in the loop blocks, locks or allocates from the heap.
 */
#include <inttypes.h>
#include <stdbool.h>

#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "lr_crash.h"
#include "lr_fault.h"
#include "lr_handover.h"
#include "lr_io.h"
#include "lr_log.h"
#include "lr_net.h"
#include "lr_pkt.h"
#include "lr_runtime.h"
#include "lr_time.h"

/* --- the poll loop ------------------------------------------------------ */

/* Ethernet input in pieces of at most LR_BURST_MAX (the fault layer may have
 * grown the burst with duplicates and released packets). */
static void worker_input(struct lr_worker *w, uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
    for (uint16_t off = 0; off < n; off += LR_BURST_MAX)
        lr_eth_input_burst(w, port, pkts + off, RTE_MIN((uint16_t)(n - off), LR_BURST_MAX));
}

/* Feed a burst whose packets may come from different ports (handed over by
 * other workers) to Ethernet input, one run of equal m->port at a time. */
static void worker_input_mixed(struct lr_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
    uint16_t start = 0;
    for (uint16_t i = 1; i <= n; i++) {
        if (i == n || pkts[i]->port != pkts[start]->port) {
            uint16_t port = pkts[start]->port;
            if (unlikely(port >= w->nb_ports)) {
                /* Cannot happen with a correct sender; never trust it blindly. */
                for (uint16_t k = start; k < i; k++)
                    lr_pkt_drop(w, LR_DROP_ETH_HANDOVER_FULL, pkts[k]);
            } else {
                worker_input(w, port, pkts + start, i - start);
            }
            start = i;
        }
    }
}

static bool worker_tx_buffered(const struct lr_worker *w)
{
    for (uint16_t p = 0; p < w->nb_ports; p++)
        if (w->tx[p].n != 0)
            return true;
    return false;
}

int lr_worker_main(void *arg)
{
    struct lr_worker *w = arg;
    struct rte_mbuf *pkts[LR_BURST_MAX * 2];
    const uint16_t burst = w->burst;
    unsigned nmod, nb_polls = 0;
    const struct lr_module *const *mods = lr_runtime_modules(&nmod);
    void (*polls[LR_MODULES_MAX])(struct lr_worker *);

    /* Only the modules that poll, in module order, without a test per
     * module and iteration. */
    for (unsigned m = 0; m < nmod; m++)
        if (mods[m]->poll != NULL)
            polls[nb_polls++] = mods[m]->poll;

    w->now = lr_time_now_us();
    w->last_flush = w->now;
    LR_LOG(INFO, core, "worker %u running on lcore %u (socket %u)", w->id, w->lcore, w->socket);
    if (w->crash_test_at != 0)
        w->crash_test_at = w->now + 3000000; /* test hook: crash 3 s into the loop */
    if (w->id == 0 && w->cfg->arp.gratuitous)
        lr_arp_announce(w); /* RFC 5227 §3: announce our addresses at start */

    while (!w->stop) {
        bool backlog = false; /* a burst came back full: more is waiting */
        bool busy = false;    /* something came in or went out */
        uint64_t tsc0 = rte_get_tsc_cycles();
        w->now = lr_time_tsc_to_us(tsc0);

        for (uint16_t p = 0; p < w->nb_ports; p++) {
            /* Port RX counters are kept by lr_eth_input_burst(). */
            uint16_t n = lr_io_rx_burst(w, p, pkts, burst, RTE_DIM(pkts), &backlog);
            if (n != 0) {
                busy = true;
                worker_input(w, p, pkts, n);
            }
        }

        for (uint16_t j = 0; j < w->nb_workers; j++) {
            if (j == w->id)
                continue;
            unsigned n = rte_ring_sc_dequeue_burst(w->ring_from[j], (void **)pkts, burst, NULL);
            backlog |= n == burst;
            if (n != 0) {
                busy = true;
                w->stats.handed_in += n;
                /* Handed-over L4 packets go straight to L4 (lr_handover.h);
                 * what is left (ARP replicas) takes the Ethernet path. */
                n = lr_handover_dispatch(w, pkts, (uint16_t)n);
                worker_input_mixed(w, pkts, (uint16_t)n);
            }
        }

        for (unsigned m = 0; m < nb_polls; m++)
            polls[m](w);

        lr_timer_wheel_advance(&w->timers, w, w->now);
        if (unlikely(w->crash_test_at != 0) && w->now >= w->crash_test_at)
            lr_crash_test_fire(w);

        /* Once every queue is drained nothing more is coming in this
         * iteration: holding the TX would only add latency, so flush. While
         * bursts come back full, keep batching, for at most tx_flush us. */
        bool due = w->now - w->last_flush >= w->tx_flush_us;
        if ((worker_tx_buffered(w) && (!backlog || due)) || (w->fault != NULL && due)) {
            busy |= worker_tx_buffered(w);
            lr_tx_flush(w);
        }
        if (busy)
            w->stats.busy_cycles += rte_get_tsc_cycles() - tsc0;
        w->stats.loops++;
    }

    w->now = lr_time_now_us();
    for (unsigned m = nmod; m-- > 0;)
        if (mods[m]->shutdown != NULL)
            mods[m]->shutdown(w);
    lr_tx_flush(w);
    LR_LOG(INFO, core, "worker %u stopped after %" PRIu64 " loops", w->id, w->stats.loops);
    return 0;
}
