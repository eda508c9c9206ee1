/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet helpers shared by every protocol: counted drops and allocation.
 * (Transmission and reception are the I/O seam, lr_io.h.)
 *
 * Conventions for an mbuf moving up the stack:
 *  - after Ethernet input, m->l2_len is the Ethernet(+VLAN) header length and
 *    the data offset points at the L3 header; m->port is the DPDK port id;
 *  - after IPv4 input, the packet is trimmed to the IP total length, m->l3_len
 *    is the IP header length and the data offset still points at the IPv4
 *    header (L4 code uses rte_pktmbuf_mtod_offset(m, ..., m->l3_len)).
 * Going down: L4 builds the IPv4 header itself and calls lr_ipv4_output(),
 * which prepends Ethernet and hands the frame to lr_tx_enqueue() (lr_io.h).
 */
#ifndef LR_PKT_H
#define LR_PKT_H

#include <rte_mbuf.h>

#include "lr_worker.h"

/** Free @m and count it under @reason. Every drop goes through here. */
static inline void lr_pkt_drop(struct lr_worker *w, enum lr_drop_reason reason, struct rte_mbuf *m)
{
    w->stats.drops[reason]++;
    rte_pktmbuf_free(m);
}

/** Count a drop that has no mbuf of its own (e.g. a refused SYN already freed). */
static inline void lr_count_drop(struct lr_worker *w, enum lr_drop_reason reason)
{
    w->stats.drops[reason]++;
}

/** Allocate an mbuf from the worker's pool; counts ETH_NO_MBUF on failure. */
static inline struct rte_mbuf *lr_pkt_alloc(struct lr_worker *w)
{
    struct rte_mbuf *m = rte_pktmbuf_alloc(w->pool);
    if (unlikely(m == NULL))
        w->stats.drops[LR_DROP_ETH_NO_MBUF]++;
    return m;
}

#endif /* LR_PKT_H */
