/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ethernet II input classification and output.
 *
 * Call chain: worker loop -> lr_eth_input_burst() -> lr_arp_input() per ARP
 * frame, lr_ipv4_input_burst() once for every IPv4 frame of the burst.
 * Output: lr_arp_output() / lr_arp_*() -> lr_eth_output() -> lr_tx_enqueue().
 *
 * Accepted on input: frames addressed to the port's MAC or to broadcast
 * (multicast is not joined, so it is ignored), with at most one 802.1Q tag,
 * which is skipped (the appliance has no VLAN interfaces; the tag is
 * tolerated so tagged access links still work). Everything else is a counted
 * drop.
 */
#include <rte_branch_prediction.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "lr_net.h"
#include "lr_net_priv.h"
#include "lr_io.h"
#include "lr_pkt.h"

#define LR_ETH_PREFETCH 4

/*
 * Classify one frame. Returns the ether type (host order) of the payload and
 * sets *l2 to the header length, or 0 after dropping the frame.
 */
static uint16_t eth_classify(struct lr_worker *w, const struct lr_port *p, struct rte_mbuf *m,
                             uint16_t *l2)
{
    if (unlikely(rte_pktmbuf_data_len(m) < sizeof(struct rte_ether_hdr))) {
        lr_pkt_drop(w, LR_DROP_ETH_RUNT, m);
        return 0;
    }
    const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
    if (!rte_is_same_ether_addr(&eh->dst_addr, &p->mac) &&
        !rte_is_broadcast_ether_addr(&eh->dst_addr)) {
        /* Unicast for another host, or a multicast group we never join. */
        lr_pkt_drop(w, LR_DROP_ETH_NOT_US, m);
        return 0;
    }
    uint16_t type = rte_be_to_cpu_16(eh->ether_type);
    *l2 = sizeof(*eh);
    if (type == RTE_ETHER_TYPE_VLAN) {
        /* IEEE 802.1Q: one tag tolerated; a second (QinQ) tag is not ours. */
        if (unlikely(rte_pktmbuf_data_len(m) < sizeof(*eh) + sizeof(struct rte_vlan_hdr))) {
            lr_pkt_drop(w, LR_DROP_ETH_VLAN, m);
            return 0;
        }
        const struct rte_vlan_hdr *vh = (const struct rte_vlan_hdr *)(eh + 1);
        type = rte_be_to_cpu_16(vh->eth_proto);
        *l2 += sizeof(*vh);
        if (unlikely(type == RTE_ETHER_TYPE_VLAN || type == RTE_ETHER_TYPE_QINQ)) {
            lr_pkt_drop(w, LR_DROP_ETH_VLAN, m);
            return 0;
        }
    }
    if (type != RTE_ETHER_TYPE_ARP && type != RTE_ETHER_TYPE_IPV4) {
        lr_pkt_drop(w, LR_DROP_ETH_TYPE, m);
        return 0;
    }
    return type;
}

void lr_eth_input_burst(struct lr_worker *w, uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
    struct rte_mbuf *ip[LR_BURST_MAX];
    uint16_t nip = 0;

    if (unlikely(port >= w->nb_ports || port >= LR_MAX_PORTS)) {
        for (uint16_t i = 0; i < n; i++)
            lr_pkt_drop(w, LR_DROP_ETH_NOT_US, pkts[i]);
        return;
    }
    const struct lr_port *p = &w->ports[port];
    struct lr_port_counters *pc = &w->stats.port[port & (LR_STATS_MAX_PORTS - 1)];
    struct lr_proto_counters *ec = &w->stats.proto[LR_PROTO_ETH];

    pc->rx_bursts++;
    for (uint16_t i = 0; i < n && i < LR_ETH_PREFETCH; i++)
        rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));

    for (uint16_t i = 0; i < n; i++) {
        struct rte_mbuf *m = pkts[i];
        uint16_t l2 = 0;

        if (i + LR_ETH_PREFETCH < n)
            rte_prefetch0(rte_pktmbuf_mtod(pkts[i + LR_ETH_PREFETCH], void *));
        pc->rx_pkts++;
        pc->rx_bytes += m->pkt_len;
        ec->rx_pkts++;
        ec->rx_bytes += m->pkt_len;
        m->port = port;

        uint16_t type = eth_classify(w, p, m, &l2);
        if (type == 0)
            continue;
        if (type == RTE_ETHER_TYPE_ARP) {
            if (unlikely(m->ol_flags & lr_arp_sync_flag(w))) {
                /* A replica copy from another worker (lr_arp.c), not traffic
                 * received on this port: the receiving worker counted it. */
                pc->rx_pkts--;
                pc->rx_bytes -= m->pkt_len;
                ec->rx_pkts--;
                ec->rx_bytes -= m->pkt_len;
            }
            rte_pktmbuf_adj(m, l2);
            m->l2_len = l2;
            lr_arp_input(w, m);
            continue;
        }
        rte_pktmbuf_adj(m, l2);
        m->l2_len = l2;
        ip[nip++] = m;
        if (nip == LR_BURST_MAX) {
            lr_ipv4_input_burst(w, ip, nip);
            nip = 0;
        }
    }
    if (nip > 0)
        lr_ipv4_input_burst(w, ip, nip);
}

void lr_eth_output(struct lr_worker *w, uint16_t port, struct rte_mbuf *m,
                   const struct rte_ether_addr *dst, uint16_t ether_type)
{
    struct rte_ether_hdr *eh =
        (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, sizeof(struct rte_ether_hdr));
    if (unlikely(eh == NULL || port >= w->nb_ports)) {
        /* No headroom left (an mbuf built by hand without reserve). */
        lr_pkt_drop(w, LR_DROP_ETH_NO_MBUF, m);
        return;
    }
    eh->dst_addr = *dst;
    eh->src_addr = w->ports[port].mac;
    eh->ether_type = rte_cpu_to_be_16(ether_type);
    m->l2_len = sizeof(*eh);
    m->port = port;

    struct lr_proto_counters *ec = &w->stats.proto[LR_PROTO_ETH];
    ec->tx_pkts++;
    ec->tx_bytes += m->pkt_len;
    lr_tx_enqueue(w, port, m);
}
