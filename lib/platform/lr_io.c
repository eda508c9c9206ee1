/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The I/O seam (lr_io.h): buffered transmission. Frames are queued per port by lr_tx_enqueue() and
 * sent in bursts when the buffer fills or when the poll loop flushes (every
 * tx_flush us, or when it had no RX work). Whatever the device does not take
 * after a few retries is dropped and counted: the worker never blocks.
 */
#include <rte_ethdev.h>

#include "lr_io.h"

#define LR_TX_RETRIES 4

void lr_tx_flush_port(struct lr_worker *w, uint16_t port)
{
    struct lr_txbuf *b = &w->tx[port];
    struct rte_mbuf *pkts[LR_TX_BUF * 2];
    uint16_t n = b->n, sent = 0;

    if (n == 0 && (w->fault == NULL))
        return;
    memcpy(pkts, b->pkts, n * sizeof(pkts[0]));
    b->n = 0;
    if (unlikely(w->fault != NULL))
        n = lr_fault_apply(w, LR_FAULT_TX, port, pkts, n, RTE_DIM(pkts));

    struct lr_port_counters *pc = &w->stats.port[port & (LR_STATS_MAX_PORTS - 1)];
    uint64_t bytes = 0;
    for (uint16_t i = 0; i < n; i++)
        bytes += pkts[i]->pkt_len; /* before the burst: the PMD may free sent mbufs */

    for (int tries = 0; sent < n && tries < LR_TX_RETRIES; tries++)
        sent += rte_eth_tx_burst(port, w->queue, pkts + sent, n - sent);

    for (uint16_t i = sent; i < n; i++) {
        bytes -= pkts[i]->pkt_len;
        lr_pkt_drop(w, LR_DROP_ETH_TX_FULL, pkts[i]);
    }
    pc->tx_pkts += sent;
    pc->tx_bytes += bytes;
}

void lr_tx_flush(struct lr_worker *w)
{
    for (uint16_t p = 0; p < w->nb_ports; p++)
        lr_tx_flush_port(w, p);
    w->last_flush = w->now;
}
