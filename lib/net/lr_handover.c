/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow handover between workers: the steering step run by IPv4 input before
 * L4 dispatch, and the dispatch of what a worker's inboxes bring
 * (lr_handover.h).
 */
#include <errno.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_ring.h>

#include "lr_handover.h"
#include "lr_net.h"
#include "lr_pkt.h"

int lr_handover_register(struct lr_flow *f)
{
    static const struct rte_mbuf_dynflag desc = { .name = "lr_handover" };
    int bit = rte_mbuf_dynflag_register(&desc);
    if (bit < 0)
        return rte_errno ? -rte_errno : -ENOSPC;
    f->handover_flag = UINT64_C(1) << bit;
    return 0;
}

uint16_t lr_handover_override(const struct lr_worker *w, uint8_t proto, rte_be16_t lport,
                              rte_be16_t rport)
{
    (void)rport;
    const struct lr_flow *f = w->flow;
    if (f == NULL || proto != IPPROTO_TCP)
        return LR_HANDOVER_NO_OVERRIDE;
    uint16_t p = rte_be_to_cpu_16(lport);
    if (!lr_flow_in_override(f, p))
        return LR_HANDOVER_NO_OVERRIDE;
    return lr_flow_override_owner(f, p);
}

/*
 * Owner of an ICMP error (RFC 792: destination unreachable, time exceeded,
 * parameter problem) about one of our TCP/UDP packets: the owner of the
 * quoted flow (RFC 1122 §3.2.2: the quote holds the IP header and at least
 * 8 bytes, our address and port as source). RSS hashes ICMP by addresses
 * only, so the quote decides even on RSS ports. Anything else (echo
 * requests, malformed quotes) stays with the receiving worker, whose ICMP
 * input answers or drops it.
 */
static uint16_t icmp_error_owner(const struct lr_worker *w, const struct rte_mbuf *m, uint16_t hl)
{
    uint8_t buf[8 + 60 + 4];
    const uint8_t *icmp = rte_pktmbuf_read(m, hl, 8 + sizeof(struct rte_ipv4_hdr), buf);
    if (icmp == NULL || (icmp[0] != 3 && icmp[0] != 11 && icmp[0] != 12))
        return w->id;
    const struct rte_ipv4_hdr *q = (const struct rte_ipv4_hdr *)(icmp + 8);
    uint16_t qhl = rte_ipv4_hdr_len(q);
    if ((q->version_ihl >> 4) != 4 || qhl < sizeof(*q) ||
        (q->next_proto_id != IPPROTO_TCP && q->next_proto_id != IPPROTO_UDP))
        return w->id;
    const uint8_t *full = rte_pktmbuf_read(m, hl, 8u + qhl + 4u, buf);
    if (full == NULL)
        return w->id;
    q = (const struct rte_ipv4_hdr *)(full + 8);
    rte_be16_t ports[2];
    memcpy(ports, full + 8 + qhl, sizeof(ports));
    /* The quoted packet went from us (source) to the peer. */
    uint16_t o = lr_handover_override(w, q->next_proto_id, ports[0], ports[1]);
    if (o != LR_HANDOVER_NO_OVERRIDE)
        return o;
    return lr_flow_owner(w->flow, q->src_addr, q->dst_addr, ports[0], ports[1]);
}

uint16_t lr_handover_owner(const struct lr_worker *w, const struct rte_mbuf *m)
{
    const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
    uint16_t hl = m->l3_len;

    if (unlikely(hl < sizeof(*ip)))
        return w->id;
    if (ip->next_proto_id == IPPROTO_ICMP)
        return icmp_error_owner(w, m, hl);
    /* Both TCP and UDP start with source port, destination port. */
    if (unlikely(rte_pktmbuf_data_len(m) < hl + 4u))
        return w->id;
    const rte_be16_t *ports = rte_pktmbuf_mtod_offset(m, const rte_be16_t *, hl);
    uint16_t o = lr_handover_override(w, ip->next_proto_id, ports[1], ports[0]);
    if (o != LR_HANDOVER_NO_OVERRIDE)
        return o;
    if (m->port < w->nb_ports && w->ports[m->port].rss)
        return w->id; /* the NIC hashed it to its owner's queue (lr_port.c) */
    return lr_flow_owner(w->flow, ip->src_addr, ip->dst_addr, ports[0], ports[1]);
}

uint16_t lr_handover_steer(struct lr_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
    uint16_t owner[LR_BURST_MAX];
    unsigned count[LR_MAX_WORKERS] = { 0 };
    uint16_t kept = 0, foreign = 0;
    const uint64_t flag = w->flow->handover_flag;

    if (unlikely(n > LR_BURST_MAX)) {
        /* IPv4 input works in chunks of LR_BURST_MAX; never overrun. */
        uint16_t k = lr_handover_steer(w, pkts, LR_BURST_MAX);
        uint16_t k2 = lr_handover_steer(w, pkts + LR_BURST_MAX, (uint16_t)(n - LR_BURST_MAX));
        memmove(pkts + k, pkts + LR_BURST_MAX, k2 * sizeof(*pkts));
        return (uint16_t)(k + k2);
    }
    for (uint16_t i = 0; i < n; i++) {
        uint16_t o = lr_handover_owner(w, pkts[i]);
        if (unlikely(o >= w->nb_workers || o >= LR_MAX_WORKERS || w->ring_to[o] == NULL))
            o = w->id; /* no inbox to reach: keep it rather than lose it */
        owner[i] = o;
        if (o != w->id) {
            count[o]++;
            foreign++;
        }
    }
    if (likely(foreign == 0))
        return n;

    /* One burst per owner, in arrival order; keep ours in order at the front. */
    struct rte_mbuf *out[LR_BURST_MAX];
    for (uint16_t j = 0; j < w->nb_workers && j < LR_MAX_WORKERS; j++) {
        if (count[j] == 0)
            continue;
        unsigned k = 0;
        for (uint16_t i = 0; i < n; i++) {
            if (owner[i] != j)
                continue;
            pkts[i]->ol_flags |= flag;
            out[k++] = pkts[i];
        }
        unsigned sent = rte_ring_sp_enqueue_burst(w->ring_to[j], (void **)out, k, NULL);
        w->stats.handed_over += sent;
        for (unsigned i = sent; i < k; i++) {
            out[i]->ol_flags &= ~flag;
            lr_pkt_drop(w, LR_DROP_ETH_HANDOVER_FULL, out[i]);
        }
    }
    for (uint16_t i = 0; i < n; i++)
        if (owner[i] == w->id)
            pkts[kept++] = pkts[i];
    return kept;
}

uint16_t lr_handover_dispatch(struct lr_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
    const uint64_t flag = w->flow != NULL ? w->flow->handover_flag : 0;
    struct rte_mbuf *l4[LR_BURST_MAX];
    uint16_t kept = 0, nl4 = 0;

    for (uint16_t i = 0; i < n; i++) {
        struct rte_mbuf *m = pkts[i];
        if (flag == 0 || !(m->ol_flags & flag)) {
            pkts[kept++] = m;
            continue;
        }
        m->ol_flags &= ~flag;
        l4[nl4++] = m;
        if (nl4 == LR_BURST_MAX) {
            lr_ipv4_deliver_burst(w, l4, nl4);
            nl4 = 0;
        }
    }
    if (nl4 > 0)
        lr_ipv4_deliver_burst(w, l4, nl4);
    return kept;
}
