/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMP (RFC 792, host rules RFC 1122 §3.2.2): echo replies, received errors
 * handed to the L4 module that sent the offending packet, and rate-limited
 * error generation.
 *
 * Call chain: lr_ipv4_input_burst() -> lr_icmp_input()
 *               -> echo: reply in place -> lr_ipv4_output_frag() -> lr_ipv4_output()
 *               -> errors: w->ip->icmp_err[quoted proto]()
 *             L4 / IPv4 input -> lr_icmp_send_error() -> lr_ipv4_output().
 */
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "lr_ip_frag.h"
#include "lr_net.h"
#include "lr_net_priv.h"
#include "lr_pkt.h"

#define LR_ICMP_HDR_LEN 8
#define LR_ICMP_ERR_MAX 576      /* RFC 1812 §4.3.2.3: whole error datagram at most 576 bytes */
#define LR_ICMP_TOKEN   1000000u /* micro-tokens per error */

void lr_icmp_register_error_handler(struct lr_worker *w, uint8_t proto, lr_icmp_error_fn fn)
{
    if (w->ip != NULL)
        w->ip->icmp_err[proto] = fn;
}

static bool icmp_type_is_error(uint8_t type)
{
    switch (type) {
    case LR_ICMP_DEST_UNREACH:
    case LR_ICMP_SOURCE_QUENCH:
    case LR_ICMP_REDIRECT:
    case LR_ICMP_TIME_EXCEEDED:
    case LR_ICMP_PARAM_PROBLEM:
        return true;
    default:
        return false;
    }
}

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), for one 16-bit word changed from @old to @new. */
static rte_be16_t icmp_cksum_update(rte_be16_t hc, uint16_t old, uint16_t new)
{
    uint32_t sum = (uint16_t)~rte_be_to_cpu_16(hc);
    sum += (uint16_t)~old;
    sum += new;
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    return rte_cpu_to_be_16((uint16_t)~sum);
}

/* Echo request -> echo reply in the same mbuf (RFC 792; RFC 1122 §3.2.2.6). */
static void icmp_echo_reply(struct lr_worker *w, struct rte_mbuf *m, struct rte_ipv4_hdr *ip)
{
    uint16_t hl = m->l3_len;
    rte_be32_t src = ip->dst_addr, dst = ip->src_addr;
    uint8_t tos = ip->type_of_service;

    if (hl > sizeof(*ip)) {
        /* IP options are not echoed (RFC 1122 §3.2.2.6 makes updating
         * record-route/timestamp a SHOULD); drop them and keep the payload. */
        uint16_t extra = (uint16_t)(hl - sizeof(*ip));
        memmove(rte_pktmbuf_mtod_offset(m, uint8_t *, extra), ip, sizeof(*ip));
        rte_pktmbuf_adj(m, extra);
        ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
        hl = sizeof(*ip);
    }
    struct rte_icmp_hdr *ic = rte_pktmbuf_mtod_offset(m, struct rte_icmp_hdr *, hl);
    uint16_t old = (uint16_t)(ic->icmp_type << 8 | ic->icmp_code);
    ic->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
    ic->icmp_cksum = icmp_cksum_update(ic->icmp_cksum, old, ic->icmp_code);

    lr_ipv4_hdr_fill(w, ip, (uint16_t)m->pkt_len, IPPROTO_ICMP, src, dst);
    ip->type_of_service = tos;
    rte_be32_t nexthop;
    int port = lr_ipv4_route(w, dst, &nexthop);
    if (port >= 0 && m->pkt_len > w->ports[port].mtu)
        /* A reassembled request larger than the MTU: the same data goes back
         * (RFC 1122 §3.2.2.6), so the reply must be fragmented. */
        ip->fragment_offset = 0;
    m->ol_flags = 0;
    m->l3_len = hl;
    w->stats.icmp.echo_replies++;
    w->stats.proto[LR_PROTO_ICMP].tx_pkts++;
    w->stats.proto[LR_PROTO_ICMP].tx_bytes += m->pkt_len - hl;
    lr_ipv4_output_frag(w, m);
}

/* A received error: validate the quote and hand it to the module of the quoted protocol. */
static void icmp_error_input(struct lr_worker *w, struct rte_mbuf *m, const struct rte_icmp_hdr *ic,
                             uint16_t hl, uint16_t len)
{
    uint8_t quote[LR_ICMP_ERR_MAX];
    uint16_t qlen = (uint16_t)RTE_MIN(len - LR_ICMP_HDR_LEN, (int)sizeof(quote));

    if (qlen < sizeof(struct rte_ipv4_hdr) + 8) {
        lr_pkt_drop(w, LR_DROP_ICMP_TRUNCATED, m);
        return;
    }
    const uint8_t *q = rte_pktmbuf_read(m, hl + LR_ICMP_HDR_LEN, qlen, quote);
    if (q == NULL) {
        lr_pkt_drop(w, LR_DROP_ICMP_TRUNCATED, m);
        return;
    }
    const struct rte_ipv4_hdr *orig = (const struct rte_ipv4_hdr *)q;
    uint16_t ohl = rte_ipv4_hdr_len(orig);
    /* RFC 1122 §3.2.2: the quote must be an IPv4 header of ours plus >= 8 bytes. */
    if ((orig->version_ihl >> 4) != 4 || ohl < sizeof(*orig) || ohl + 8 > qlen) {
        lr_pkt_drop(w, LR_DROP_ICMP_TRUNCATED, m);
        return;
    }
    if (!lr_ipv4_is_local(w, orig->src_addr)) {
        lr_pkt_drop(w, LR_DROP_ICMP_TYPE, m); /* about a packet we never sent */
        return;
    }
    lr_icmp_error_fn fn = w->ip->icmp_err[orig->next_proto_id];
    if (fn != NULL) {
        rte_be32_t info;
        memcpy(&info, &ic->icmp_ident, sizeof(info)); /* the header's second word */
        fn(w, ic->icmp_type, ic->icmp_code, rte_be_to_cpu_32(info), orig, q + ohl,
           (uint16_t)(qlen - ohl));
    }
    rte_pktmbuf_free(m);
}

void lr_icmp_input(struct lr_worker *w, struct rte_mbuf *m)
{
    struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
    uint16_t hl = m->l3_len;
    struct lr_proto_counters *pc = &w->stats.proto[LR_PROTO_ICMP];

    pc->rx_pkts++;
    pc->rx_bytes += m->pkt_len - hl;
    if (unlikely(m->pkt_len < (uint32_t)hl + LR_ICMP_HDR_LEN ||
                 rte_pktmbuf_data_len(m) < hl + LR_ICMP_HDR_LEN)) {
        lr_pkt_drop(w, LR_DROP_ICMP_TRUNCATED, m);
        return;
    }
    uint16_t len = (uint16_t)(m->pkt_len - hl);
    if (unlikely(lr_net_raw_cksum_mbuf(m, hl, len) != 0xffff)) {
        lr_pkt_drop(w, LR_DROP_ICMP_CSUM, m);
        return;
    }
    const struct rte_icmp_hdr *ic = rte_pktmbuf_mtod_offset(m, const struct rte_icmp_hdr *, hl);
    if (unlikely(!lr_ipv4_is_local(w, ip->dst_addr))) {
        /* RFC 1122 §3.2.2.6: an echo request to a broadcast may be ignored
         * (smurf amplification); errors are never sent to broadcasts either. */
        lr_pkt_drop(w, LR_DROP_ICMP_BCAST, m);
        return;
    }
    switch (ic->icmp_type) {
    case RTE_IP_ICMP_ECHO_REQUEST:
        w->stats.icmp.echo_requests++;
        icmp_echo_reply(w, m, ip);
        return;
    case LR_ICMP_DEST_UNREACH:
        w->stats.icmp.rx_dest_unreach++;
        icmp_error_input(w, m, ic, hl, len);
        return;
    case LR_ICMP_TIME_EXCEEDED:
        w->stats.icmp.rx_time_exceeded++;
        icmp_error_input(w, m, ic, hl, len);
        return;
    case LR_ICMP_PARAM_PROBLEM:
        icmp_error_input(w, m, ic, hl, len);
        return;
    default:
        /* Echo replies (we never ping), source quench (RFC 6633), redirects
         * (we have no routing table to redirect), timestamps, ...: counted. */
        lr_pkt_drop(w, LR_DROP_ICMP_TYPE, m);
        return;
    }
}

/* Token bucket, [ip] icmp_rate per second, burst one second's worth (RFC 1812 §4.3.2.8). */
static bool icmp_rate_take(struct lr_worker *w)
{
    struct lr_ip_ctx *ctx = w->ip;
    uint64_t rate = w->cfg->ip.icmp_rate;

    if (rate == 0)
        return true;
    uint64_t cap = rate * LR_ICMP_TOKEN;
    if (w->now > ctx->icmp_last) {
        uint64_t add = (w->now - ctx->icmp_last) * rate;
        ctx->icmp_tokens = RTE_MIN(cap, ctx->icmp_tokens + RTE_MIN(add, cap));
    }
    ctx->icmp_last = w->now;
    if (ctx->icmp_tokens < LR_ICMP_TOKEN)
        return false;
    ctx->icmp_tokens -= LR_ICMP_TOKEN;
    return true;
}

void lr_icmp_send_error(struct lr_worker *w, const struct rte_mbuf *orig, uint8_t type,
                        uint8_t code, uint32_t info)
{
    if (orig->pkt_len < sizeof(struct rte_ipv4_hdr) ||
        rte_pktmbuf_data_len(orig) < sizeof(struct rte_ipv4_hdr))
        return;
    const struct rte_ipv4_hdr *oip = rte_pktmbuf_mtod(orig, const struct rte_ipv4_hdr *);
    uint16_t ohl = rte_ipv4_hdr_len(oip);
    uint16_t olen = (uint16_t)RTE_MIN(orig->pkt_len, rte_be_to_cpu_16(oip->total_length));

    if ((oip->version_ihl >> 4) != 4 || ohl < sizeof(*oip) || ohl > olen)
        return;
    /* RFC 1122 §3.2.2: never about a non-first fragment ... */
    if (oip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_OFFSET_MASK))
        return;
    /* ... nor a datagram to a broadcast/multicast address (only our own
     * unicast addresses qualify) ... */
    if (!lr_ipv4_is_local(w, oip->dst_addr))
        return;
    /* ... nor one sent as a link-layer broadcast/multicast (the Ethernet
     * header is still in the headroom after input) ... */
    if (orig->l2_len >= sizeof(struct rte_ether_hdr) && orig->data_off >= orig->l2_len) {
        const struct rte_ether_hdr *eh =
            (const struct rte_ether_hdr *)((const uint8_t *)oip - orig->l2_len);
        if (rte_is_multicast_ether_addr(&eh->dst_addr))
            return;
    }
    /* ... nor from a source that does not name a single host ... */
    if (lr_ipv4_addr_is_martian_src(w, orig->port, oip->src_addr))
        return;
    /* ... nor about an ICMP error message (or one too short to tell). */
    if (oip->next_proto_id == IPPROTO_ICMP) {
        uint8_t t;
        const uint8_t *tp = rte_pktmbuf_read(orig, ohl, 1, &t);
        if (tp == NULL || icmp_type_is_error(*tp))
            return;
    }
    if (!icmp_rate_take(w)) {
        lr_count_drop(w, LR_DROP_ICMP_RATELIMIT);
        return;
    }

    uint16_t quote =
        (uint16_t)RTE_MIN(olen, LR_ICMP_ERR_MAX - sizeof(struct rte_ipv4_hdr) - LR_ICMP_HDR_LEN);
    uint16_t total = (uint16_t)(sizeof(struct rte_ipv4_hdr) + LR_ICMP_HDR_LEN + quote);
    struct rte_mbuf *m = lr_pkt_alloc(w);
    if (m == NULL)
        return;
    uint8_t *d = (uint8_t *)rte_pktmbuf_append(m, total);
    if (d == NULL) {
        lr_pkt_drop(w, LR_DROP_ETH_NO_MBUF, m);
        return;
    }
    struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)d;
    struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)(ip + 1);
    uint8_t *q = (uint8_t *)ic + LR_ICMP_HDR_LEN;
    const void *src = rte_pktmbuf_read(orig, 0, quote, q);
    if (src != q)
        memcpy(q, src, quote);

    ic->icmp_type = type;
    ic->icmp_code = code;
    ic->icmp_cksum = 0;
    rte_be32_t info_be = rte_cpu_to_be_32(info);
    memcpy(&ic->icmp_ident, &info_be, sizeof(info_be)); /* the header's second word */
    ic->icmp_cksum = (uint16_t)~rte_raw_cksum(ic, LR_ICMP_HDR_LEN + quote);
    lr_ipv4_hdr_fill(w, ip, total, IPPROTO_ICMP, oip->dst_addr, oip->src_addr);
    ip->fragment_offset = 0; /* an error may be fragmented on its way back */
    m->l3_len = sizeof(*ip);

    if (type == LR_ICMP_DEST_UNREACH)
        w->stats.icmp.tx_dest_unreach++;
    else if (type == LR_ICMP_TIME_EXCEEDED)
        w->stats.icmp.tx_time_exceeded++;
    w->stats.proto[LR_PROTO_ICMP].tx_pkts++;
    w->stats.proto[LR_PROTO_ICMP].tx_bytes += total - sizeof(*ip);
    lr_ipv4_output(w, m);
}
