/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The I/O seam: every packet in from a port and out to a port passes here,
 * and so does the fault layer (lr_fault.h) on both ways.
 *
 *   RX  lr_io_rx_burst: rte_eth_rx_burst -> [lr_fault_apply RX, or on an
 *       idle poll lr_fault_release of held packets]
 *   TX  lr_tx_enqueue (per-port buffer of LR_TX_BUF) -> lr_tx_flush_port:
 *       [lr_fault_apply TX] -> rte_eth_tx_burst, a few retries, then counted
 *       drops (ETH_TX_FULL); the worker never blocks.
 */
#ifndef LR_IO_H
#define LR_IO_H

#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "lr_fault.h"
#include "lr_pkt.h"
#include "lr_worker.h"

/** Send every buffered packet of every port (through the fault layer). */
void lr_tx_flush(struct lr_worker *w);
/** Send the buffered packets of one port. */
void lr_tx_flush_port(struct lr_worker *w, uint16_t port);

/** Queue a complete Ethernet frame for transmission on @port; flushes when full. */
static inline void lr_tx_enqueue(struct lr_worker *w, uint16_t port, struct rte_mbuf *m)
{
    struct lr_txbuf *b = &w->tx[port];
    b->pkts[b->n++] = m;
    if (unlikely(b->n == LR_TX_BUF))
        lr_tx_flush_port(w, port);
}

/**
 * Receive up to @burst packets from @port into @pkts (room for @cap >=
 * @burst: the fault layer may add duplicates and held packets). *@full is
 * set when the device returned a full burst (more is waiting). Returns the
 * number of packets to process.
 */
static inline uint16_t lr_io_rx_burst(struct lr_worker *w, uint16_t port, struct rte_mbuf **pkts,
                                      uint16_t burst, uint16_t cap, bool *full)
{
    uint16_t n = rte_eth_rx_burst(port, w->queue, pkts, burst);
    *full |= n == burst;
    if (unlikely(w->fault != NULL)) {
        /* Held (reordered) packets come out with the next burst or, when
         * the link is idle, on the next empty poll. */
        if (n != 0)
            n = lr_fault_apply(w, LR_FAULT_RX, port, pkts, n, cap);
        else
            n = lr_fault_release(w, LR_FAULT_RX, port, pkts, cap);
    }
    return n;
}

#endif /* LR_IO_H */
