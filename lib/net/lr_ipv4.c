/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 (RFC 791, host requirements RFC 1122 §3.2.1): input validation and
 * per-protocol burst dispatch, routing, header fill, checksums and output.
 *
 * Call chain (input):
 *   lr_eth_input_burst() -> lr_ipv4_input_burst()
 *     -> lr_icmp_input()                 per packet (lr_icmp.c)
 *     -> w->ip->l4[IPPROTO_TCP/UDP]()    once per burst per protocol
 *     -> lr_icmp_send_error()            protocol unreachable
 * Output: L4 -> lr_ipv4_l4_cksum() -> lr_ipv4_output() -> lr_arp_output().
 *
 * Validation order (each failure is one counted drop): length >= 20
 * (IP_TRUNCATED), version (IP_VERSION), IHL (IP_IHL), total length
 * (IP_LEN), header checksum (IP_CSUM), TTL 0 (IP_TTL), source address
 * (IP_BAD_SRC), destination (IP_NOT_US). Then Ethernet padding is trimmed
 * and fragments go to the single fragment branch below.
 */
#include <errno.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "lr_handover.h"
#include "lr_net.h"
#include "lr_net_priv.h"
#include "lr_pkt.h"

int lr_ip_init(struct lr_worker *w)
{
    struct lr_ip_ctx *ip =
        rte_zmalloc_socket("lr_ip", sizeof(*ip), RTE_CACHE_LINE_SIZE, (int)w->socket);
    if (ip == NULL)
        return -ENOMEM;
    /* RFC 6864 §4.1: IDs only need to be unique per (src, dst, proto) while a
     * datagram may be reassembled; a random start keeps workers apart. */
    ip->next_id = (uint16_t)lr_worker_rand(w);
    ip->icmp_tokens = (uint64_t)w->cfg->ip.icmp_rate * 1000000u;
    ip->icmp_last = w->now;
    w->ip = ip;
    return 0;
}

void lr_ip_free(struct lr_worker *w)
{
    rte_free(w->ip);
    w->ip = NULL;
}

void lr_ipv4_register(struct lr_worker *w, uint8_t proto, lr_l4_input_fn fn)
{
    if (w->ip != NULL)
        w->ip->l4[proto] = fn;
}

int lr_ipv4_is_local(const struct lr_worker *w, rte_be32_t addr)
{
    if (addr == 0)
        return 0;
    for (uint16_t p = 0; p < w->nb_ports; p++)
        if (w->ports[p].addr == addr)
            return 1;
    return 0;
}

int lr_ipv4_route(const struct lr_worker *w, rte_be32_t dst, rte_be32_t *nexthop)
{
    int gw_port = -1;

    for (uint16_t p = 0; p < w->nb_ports; p++) {
        const struct lr_port *port = &w->ports[p];
        if (port->addr == 0)
            continue;
        /* On-link (RFC 1122 §3.3.1.1), or the limited broadcast on the first port. */
        if (((dst ^ port->addr) & port->mask) == 0 || dst == RTE_BE32(0xffffffff)) {
            *nexthop = dst;
            return p;
        }
        if (gw_port < 0 && port->gateway != 0)
            gw_port = p;
    }
    if (gw_port < 0)
        return -1;
    *nexthop = w->ports[gw_port].gateway;
    return gw_port;
}

void lr_ipv4_hdr_fill(struct lr_worker *w, struct rte_ipv4_hdr *ip, uint16_t total_len,
                      uint8_t proto, rte_be32_t src, rte_be32_t dst)
{
    ip->version_ihl = RTE_IPV4_VHL_DEF;
    ip->type_of_service = 0;
    ip->total_length = rte_cpu_to_be_16(total_len);
    ip->packet_id = rte_cpu_to_be_16(w->ip->next_id++);
    /* DF: we rely on path MTU discovery (RFC 1191) rather than fragmentation. */
    ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
    ip->time_to_live = w->cfg->ip.ttl;
    ip->next_proto_id = proto;
    ip->hdr_checksum = 0;
    ip->src_addr = src;
    ip->dst_addr = dst;
}

/* L4 checksum over the chain from the IPv4 header (software path). */
static uint16_t l4_cksum_mbuf(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ip, uint16_t hl)
{
    uint32_t len = (uint32_t)rte_be_to_cpu_16(ip->total_length) - hl;
    uint32_t sum = (uint32_t)rte_ipv4_phdr_cksum(ip, 0) + lr_net_raw_cksum_mbuf(m, hl, len);
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    uint16_t c = (uint16_t)~sum;
    if (c == 0 && ip->next_proto_id == IPPROTO_UDP)
        c = 0xffff; /* RFC 768 */
    return c;
}

void lr_ipv4_l4_cksum(struct lr_worker *w, struct rte_mbuf *m, uint16_t port, uint16_t csum_off)
{
    struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
    uint16_t hl = rte_ipv4_hdr_len(ip);
    uint16_t *field = rte_pktmbuf_mtod_offset(m, uint16_t *, hl + csum_off);
    uint64_t want = 0, flag = 0;

    if (ip->next_proto_id == IPPROTO_TCP) {
        want = RTE_ETH_TX_OFFLOAD_TCP_CKSUM;
        flag = RTE_MBUF_F_TX_TCP_CKSUM;
    } else if (ip->next_proto_id == IPPROTO_UDP) {
        want = RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
        flag = RTE_MBUF_F_TX_UDP_CKSUM;
    }
    *field = 0;
    if (want != 0 && port < w->nb_ports && (w->ports[port].tx_offloads & want)) {
        /* The NIC completes the sum from the pseudo-header sum we leave in the field. */
        m->l2_len = sizeof(struct rte_ether_hdr);
        m->l3_len = hl;
        m->ol_flags |= RTE_MBUF_F_TX_IPV4 | flag;
        *field = rte_ipv4_phdr_cksum(ip, m->ol_flags);
        return;
    }
    /* Software, over every segment (zero-copy payloads are chained mbufs). */
    *field = l4_cksum_mbuf(m, ip, hl);
}

void lr_ipv4_output(struct lr_worker *w, struct rte_mbuf *m)
{
    if (unlikely(rte_pktmbuf_data_len(m) < sizeof(struct rte_ipv4_hdr))) {
        lr_pkt_drop(w, LR_DROP_IP_TRUNCATED, m);
        return;
    }
    struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
    uint16_t hl = rte_ipv4_hdr_len(ip);
    rte_be32_t nexthop;
    int port = lr_ipv4_route(w, ip->dst_addr, &nexthop);

    if (unlikely(port < 0)) {
        lr_pkt_drop(w, LR_DROP_IP_NO_ROUTE, m);
        return;
    }
    const struct lr_port *p = &w->ports[port];
    if (unlikely(m->pkt_len > p->mtu)) {
        /* Fragmentation of our own datagrams happens above (lr_ip_frag for UDP,
         * MSS for TCP); whatever still exceeds the MTU here cannot be sent. */
        lr_pkt_drop(w, LR_DROP_IP_TOO_BIG, m);
        return;
    }
    if (ip->src_addr == 0)
        ip->src_addr = p->addr;
    ip->hdr_checksum = 0;
    if (p->tx_offloads & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM) {
        m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
        m->l2_len = sizeof(struct rte_ether_hdr);
        m->l3_len = hl;
    } else {
        ip->hdr_checksum = rte_ipv4_cksum(ip);
        if (m->ol_flags & RTE_MBUF_F_TX_L4_MASK)
            m->ol_flags |= RTE_MBUF_F_TX_IPV4;
    }
    struct lr_proto_counters *ic = &w->stats.proto[LR_PROTO_IP];
    ic->tx_pkts++;
    ic->tx_bytes += m->pkt_len;
    lr_arp_output(w, (uint16_t)port, nexthop, m);
}

/*
 * Validate one packet. Returns the IPv4 header (packet trimmed to its total
 * length, l3_len set) or NULL after a counted drop.
 */
static struct rte_ipv4_hdr *ipv4_validate(struct lr_worker *w, struct rte_mbuf *m)
{
    if (unlikely(m->pkt_len < sizeof(struct rte_ipv4_hdr) ||
                 rte_pktmbuf_data_len(m) < sizeof(struct rte_ipv4_hdr))) {
        lr_pkt_drop(w, LR_DROP_IP_TRUNCATED, m);
        return NULL;
    }
    struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
    if (unlikely((ip->version_ihl >> 4) != 4)) {
        lr_pkt_drop(w, LR_DROP_IP_VERSION, m);
        return NULL;
    }
    uint16_t hl = (uint16_t)((ip->version_ihl & RTE_IPV4_HDR_IHL_MASK) * RTE_IPV4_IHL_MULTIPLIER);
    if (unlikely(hl < sizeof(*ip) || hl > m->pkt_len || hl > rte_pktmbuf_data_len(m))) {
        lr_pkt_drop(w, LR_DROP_IP_IHL, m);
        return NULL;
    }
    uint16_t total = rte_be_to_cpu_16(ip->total_length);
    if (unlikely(total < hl || total > m->pkt_len)) {
        lr_pkt_drop(w, LR_DROP_IP_LEN, m);
        return NULL;
    }
    uint64_t ck = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
    if (unlikely(ck == RTE_MBUF_F_RX_IP_CKSUM_BAD ||
                 (ck != RTE_MBUF_F_RX_IP_CKSUM_GOOD && rte_raw_cksum(ip, hl) != 0xffff))) {
        lr_pkt_drop(w, LR_DROP_IP_CSUM, m);
        return NULL;
    }
    /* RFC 1122 §3.2.1.7: nobody may send TTL 0, so such a datagram was mangled. */
    if (unlikely(ip->time_to_live == 0)) {
        lr_pkt_drop(w, LR_DROP_IP_TTL, m);
        return NULL;
    }
    /* RFC 1122 §3.2.1.3: silently discard datagrams from a non-unicast source. */
    if (unlikely(lr_ipv4_addr_is_martian_src(w, m->port, ip->src_addr))) {
        lr_pkt_drop(w, LR_DROP_IP_BAD_SRC, m);
        return NULL;
    }
    /* Ours, or a broadcast for the connectionless protocols (RFC 1122
     * §3.2.1.3, §4.2.3.10: TCP never accepts broadcast/multicast). */
    if (unlikely(!lr_ipv4_is_local(w, ip->dst_addr))) {
        bool bcast_ok = (ip->next_proto_id == IPPROTO_UDP || ip->next_proto_id == IPPROTO_ICMP) &&
                        lr_ipv4_addr_is_bcast(w, m->port, ip->dst_addr);
        if (!bcast_ok) {
            lr_pkt_drop(w, LR_DROP_IP_NOT_US, m);
            return NULL;
        }
    }
    /* Ethernet pads short frames to 60 bytes: the IP total length is the truth. */
    if (m->pkt_len > total)
        rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len - total));
    m->l3_len = hl;
    return ip;
}

static void ipv4_input_chunk(struct lr_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
    struct lr_ip_ctx *ctx = w->ip;
    struct rte_mbuf *tcp[LR_BURST_MAX], *udp[LR_BURST_MAX];
    uint16_t ntcp = 0, nudp = 0;
    struct lr_proto_counters *ic = &w->stats.proto[LR_PROTO_IP];

    for (uint16_t i = 0; i < n; i++) {
        struct rte_mbuf *m = pkts[i];

        ic->rx_pkts++;
        ic->rx_bytes += m->pkt_len;
        struct rte_ipv4_hdr *ip = ipv4_validate(w, m);
        if (ip == NULL)
            continue;

        /* ---- Fragments (RFC 791 §3.2): the single place they are handled. ----
         * Reassembly (lr_ip_frag.c) replaces the drop below: it consumes the
         * fragment and returns NULL, or returns the complete datagram (data
         * offset at its IPv4 header, l3_len set), which continues below. */
        if (unlikely(ip->fragment_offset &
                     RTE_BE16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK))) {
            m = lr_ipv4_reassemble(w, m);
            if (m == NULL)
                continue;
        }
        ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
        /* ---- end of the fragment branch ---- */

        uint8_t proto = ip->next_proto_id;
        if (proto == IPPROTO_ICMP) {
            /* An error about another worker's flow goes to it (lr_handover.h). */
            if (!lr_handover_active(w) || lr_handover_steer(w, &m, 1) == 1)
                lr_icmp_input(w, m);
        } else if (proto == IPPROTO_TCP && ctx->l4[proto] != NULL) {
            tcp[ntcp++] = m;
        } else if (proto == IPPROTO_UDP && ctx->l4[proto] != NULL) {
            udp[nudp++] = m;
        } else if (ctx->l4[proto] != NULL) {
            ctx->l4[proto](w, &m, 1);
        } else {
            /* RFC 1122 §3.2.2.1: protocol unreachable (lr_icmp_send_error
             * refuses it for broadcasts). */
            lr_icmp_send_error(w, m, LR_ICMP_DEST_UNREACH, LR_ICMP_UNREACH_PROTO, 0);
            lr_pkt_drop(w, LR_DROP_IP_PROTO, m);
        }
    }
    /* Flow handover (lr_handover.h): packets of flows another worker owns
     * go to its inbox here, after validation and reassembly. */
    if (lr_handover_active(w)) {
        ntcp = lr_handover_steer(w, tcp, ntcp);
        nudp = lr_handover_steer(w, udp, nudp);
    }
    if (ntcp > 0)
        ctx->l4[IPPROTO_TCP](w, tcp, ntcp);
    if (nudp > 0)
        ctx->l4[IPPROTO_UDP](w, udp, nudp);
}

/* L4 dispatch of packets another worker validated and handed over
 * (lr_handover.h): no revalidation, IP RX was counted where they arrived. */
static void ipv4_deliver_chunk(struct lr_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
    struct lr_ip_ctx *ctx = w->ip;
    struct rte_mbuf *tcp[LR_BURST_MAX], *udp[LR_BURST_MAX];
    uint16_t ntcp = 0, nudp = 0;

    for (uint16_t i = 0; i < n; i++) {
        struct rte_mbuf *m = pkts[i];
        uint8_t proto = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *)->next_proto_id;
        if (unlikely(m->port >= w->nb_ports))
            lr_pkt_drop(w, LR_DROP_ETH_HANDOVER_FULL, m); /* never from a correct sender */
        else if (proto == IPPROTO_ICMP)
            lr_icmp_input(w, m); /* an error about one of our flows */
        else if (proto == IPPROTO_TCP && ctx->l4[proto] != NULL)
            tcp[ntcp++] = m;
        else if (proto == IPPROTO_UDP && ctx->l4[proto] != NULL)
            udp[nudp++] = m;
        else
            lr_pkt_drop(w, LR_DROP_IP_PROTO, m);
    }
    if (ntcp > 0)
        ctx->l4[IPPROTO_TCP](w, tcp, ntcp);
    if (nudp > 0)
        ctx->l4[IPPROTO_UDP](w, udp, nudp);
}

void lr_ipv4_deliver_burst(struct lr_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
    for (uint16_t off = 0; off < n; off += LR_BURST_MAX)
        ipv4_deliver_chunk(w, pkts + off, (uint16_t)RTE_MIN(n - off, LR_BURST_MAX));
}

void lr_ipv4_input_burst(struct lr_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
    for (uint16_t off = 0; off < n; off += LR_BURST_MAX)
        ipv4_input_chunk(w, pkts + off, (uint16_t)RTE_MIN(n - off, LR_BURST_MAX));
}

const struct lr_module lr_ip_module = {
    .name = "ip",
    .after = LR_MODULE_AFTER("arp"),
    .init = lr_ip_init,
    .fini = lr_ip_free,
};
