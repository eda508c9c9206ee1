/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * UDP input and output (see lr_udp.h).
 *
 * Call chain:
 *   lr_ipv4_input_burst() -> lr_udp_input_burst() -> udp_input_one()
 *        -> bound callback | lr_icmp_send_error(port unreachable)
 *   service -> lr_udp_send() / lr_udp_send_mbuf() -> udp_output()
 *        -> lr_ipv4_output() | lr_ipv4_output_frag()
 *
 * The bind table is a direct index of all 65536 ports (2 bytes each) onto
 * [udp] max_binds slots, so lookup is one load on the fast path.
 */
#include <errno.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_udp.h>

#include "lr_flow.h"
#include "lr_ip_frag.h"
#include "lr_net.h"
#include "lr_pkt.h"
#include "lr_udp.h"

#define ICMP_DEST_UNREACH 3 /* RFC 792 */
#define ICMP_PORT_UNREACH 3
/* Headroom a payload needs to take the UDP, IPv4 and Ethernet+VLAN headers. */
#define UDP_HEADROOM_NEEDED                                                                        \
    (LR_UDP_HDR_LEN + sizeof(struct rte_ipv4_hdr) + RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN)

struct udp_bind {
    uint16_t port; /* host order, 0 = slot free */
    lr_udp_recv_fn fn;
    void *ctx;
};

struct lr_udp_ctx {
    uint32_t nb_slots;
    uint32_t eph_cursor;
    uint16_t *index; /* [65536]: slot + 1, 0 = unbound */
    struct udp_bind *slots;
    struct lr_udp_counters c;
};

static void udp_icmp_error(struct lr_worker *w, uint8_t type, uint8_t code, uint32_t info,
                           const struct rte_ipv4_hdr *orig, const uint8_t *l4, uint16_t l4_len)
{
    RTE_SET_USED(type);
    RTE_SET_USED(code);
    RTE_SET_USED(info);
    RTE_SET_USED(orig);
    RTE_SET_USED(l4);
    RTE_SET_USED(l4_len);
    /* RFC 1122 §4.1.3.3: errors are passed up; the services here have no
     * connection to abort (TFTP sessions end by their own timeout), so
     * they are counted. */
    w->udp->c.icmp_errors++;
}

int lr_udp_init(struct lr_worker *w)
{
    struct lr_udp_ctx *u;
    /* [udp] max_binds counts service ports; modules that bind a port per
     * exchange (a TFTP transfer's TID) claimed room on top (udp_binds hook,
     * lr_module.h). */
    uint32_t n = w->cfg->udp.max_binds + w->udp_extra_binds;

    if (w->cfg->udp.max_binds == 0 || n > UINT16_MAX - 1)
        return -EINVAL;
    u = rte_zmalloc_socket("lr_udp", sizeof(*u), RTE_CACHE_LINE_SIZE, (int)w->socket);
    if (u == NULL)
        return -ENOMEM;
    u->index = rte_zmalloc_socket("lr_udp_idx", sizeof(uint16_t) * 65536, RTE_CACHE_LINE_SIZE,
                                  (int)w->socket);
    u->slots = rte_zmalloc_socket("lr_udp_slots", sizeof(struct udp_bind) * n, 0, (int)w->socket);
    if (u->index == NULL || u->slots == NULL) {
        rte_free(u->index);
        rte_free(u->slots);
        rte_free(u);
        return -ENOMEM;
    }
    u->nb_slots = n;
    u->eph_cursor = (uint32_t)lr_worker_rand(w);
    w->udp = u;
    lr_ipv4_register(w, IPPROTO_UDP, lr_udp_input_burst);
    lr_icmp_register_error_handler(w, IPPROTO_UDP, udp_icmp_error);
    return 0;
}

void lr_udp_free(struct lr_worker *w)
{
    struct lr_udp_ctx *u = w->udp;

    if (u == NULL)
        return;
    if (w->ip != NULL) {
        lr_ipv4_register(w, IPPROTO_UDP, NULL);
        lr_icmp_register_error_handler(w, IPPROTO_UDP, NULL);
    }
    rte_free(u->index);
    rte_free(u->slots);
    rte_free(u);
    w->udp = NULL;
}

int lr_udp_bind(struct lr_worker *w, uint16_t port, lr_udp_recv_fn fn, void *ctx)
{
    struct lr_udp_ctx *u = w->udp;

    if (u == NULL || port == 0 || fn == NULL)
        return -EINVAL;
    if (u->index[port] != 0)
        return -EADDRINUSE;
    for (uint32_t i = 0; i < u->nb_slots; i++) {
        if (u->slots[i].port == 0) {
            u->slots[i].port = port;
            u->slots[i].fn = fn;
            u->slots[i].ctx = ctx;
            u->index[port] = (uint16_t)(i + 1);
            u->c.binds++;
            return 0;
        }
    }
    return -ENOSPC;
}

static int udp_port_in_use(void *arg, uint16_t port)
{
    const struct lr_udp_ctx *u = arg;

    return u->index[port] != 0;
}

uint16_t lr_udp_bind_ephemeral(struct lr_worker *w, rte_be32_t laddr, rte_be32_t raddr,
                               rte_be16_t rport, lr_udp_recv_fn fn, void *ctx)
{
    struct lr_udp_ctx *u = w->udp;
    const uint32_t span = LR_UDP_EPHEMERAL_HI - LR_UDP_EPHEMERAL_LO + 1;
    uint16_t port = 0;

    if (u == NULL || u->c.binds >= u->nb_slots)
        return 0;
    if (w->flow != NULL && w->nb_workers > 1) {
        port = lr_flow_pick_port(w->flow, w->id, laddr, raddr, rport, LR_UDP_EPHEMERAL_LO,
                                 LR_UDP_EPHEMERAL_HI, &u->eph_cursor, udp_port_in_use, u);
    } else {
        for (uint32_t i = 0; i < span; i++) {
            uint16_t p = (uint16_t)(LR_UDP_EPHEMERAL_LO + (u->eph_cursor++ % span));
            if (u->index[p] == 0) {
                port = p;
                break;
            }
        }
    }
    if (port == 0 || lr_udp_bind(w, port, fn, ctx) != 0)
        return 0;
    return port;
}

void *lr_udp_bound_ctx(const struct lr_worker *w, uint16_t port)
{
    const struct lr_udp_ctx *u = w->udp;

    if (u == NULL || u->index[port] == 0)
        return NULL;
    return u->slots[u->index[port] - 1].ctx;
}

int lr_udp_unbind(struct lr_worker *w, uint16_t port)
{
    struct lr_udp_ctx *u = w->udp;

    if (u == NULL || u->index[port] == 0)
        return -ENOENT;
    struct udp_bind *b = &u->slots[u->index[port] - 1];
    b->port = 0;
    b->fn = NULL;
    b->ctx = NULL;
    u->index[port] = 0;
    u->c.binds--;
    return 0;
}

/* Software check of the UDP checksum over the pseudo-header and @ulen bytes
 * of UDP header + data (RFC 768). True when correct. */
static bool udp_cksum_ok(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ip, uint16_t ulen)
{
    struct {
        rte_be32_t src;
        rte_be32_t dst;
        uint8_t zero;
        uint8_t proto;
        rte_be16_t len;
    } __rte_packed ph = { ip->src_addr, ip->dst_addr, 0, IPPROTO_UDP, rte_cpu_to_be_16(ulen) };
    uint16_t raw;
    uint32_t sum;

    if (rte_raw_cksum_mbuf(m, m->l3_len, ulen, &raw) != 0)
        return false;
    sum = (uint32_t)rte_raw_cksum(&ph, sizeof(ph)) + raw;
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    return sum == 0xffff;
}

static void udp_input_one(struct lr_worker *w, struct rte_mbuf *m)
{
    struct lr_udp_ctx *u = w->udp;
    const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
    struct rte_udp_hdr hbuf;
    const struct rte_udp_hdr *uh;
    uint32_t iplen = m->pkt_len - m->l3_len;
    uint16_t ulen;
    struct lr_udp_dgram d;

    if (unlikely(m->pkt_len < (uint32_t)m->l3_len + LR_UDP_HDR_LEN)) {
        lr_pkt_drop(w, LR_DROP_UDP_TRUNCATED, m);
        return;
    }
    uh = rte_pktmbuf_read(m, m->l3_len, sizeof(hbuf), &hbuf);
    ulen = rte_be_to_cpu_16(uh->dgram_len);
    /* RFC 768: the length covers header and data; it cannot be below 8 or
     * claim more than the IP payload. Extra IP payload is trimmed. */
    if (unlikely(ulen < LR_UDP_HDR_LEN || ulen > iplen)) {
        lr_pkt_drop(w, LR_DROP_UDP_LEN, m);
        return;
    }
    if (unlikely(ulen < iplen))
        rte_pktmbuf_trim(m, (uint16_t)(iplen - ulen));

    if (uh->dgram_cksum == 0) {
        /* RFC 768: an all-zero checksum means the sender computed none. */
        u->c.rx_no_csum++;
    } else {
        uint64_t f = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;
        bool ok;
        if ((f == RTE_MBUF_F_RX_L4_CKSUM_GOOD || f == RTE_MBUF_F_RX_L4_CKSUM_NONE) && ulen == iplen)
            ok = true; /* NONE: the device vouches for the data (partial checksum) */
        else if (f == RTE_MBUF_F_RX_L4_CKSUM_BAD && ulen == iplen)
            ok = false;
        else
            ok = udp_cksum_ok(m, ip, ulen);
        if (unlikely(!ok)) {
            lr_pkt_drop(w, LR_DROP_UDP_CSUM, m);
            return;
        }
    }

    w->stats.proto[LR_PROTO_UDP].rx_pkts++;
    w->stats.proto[LR_PROTO_UDP].rx_bytes += ulen;

    uint16_t dport = rte_be_to_cpu_16(uh->dst_port);
    uint16_t slot = u->index[dport];
    if (slot == 0) {
        /* RFC 1122 §4.1.3.1: port unreachable for a closed port; the ICMP
         * layer refuses broadcasts, multicasts and non-first fragments and
         * applies the rate limit. */
        u->c.rx_no_port++;
        lr_icmp_send_error(w, m, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, 0);
        lr_pkt_drop(w, LR_DROP_UDP_NO_PORT, m);
        return;
    }
    if (unlikely(m->data_len < m->l3_len + LR_UDP_HDR_LEN)) {
        /* Headers split across segments: only a malformed chain does this. */
        lr_pkt_drop(w, LR_DROP_UDP_TRUNCATED, m);
        return;
    }
    d.src = ip->src_addr;
    d.dst = ip->dst_addr;
    d.sport = uh->src_port;
    d.dport = uh->dst_port;
    d.port = m->port;
    rte_pktmbuf_adj(m, (uint16_t)(m->l3_len + LR_UDP_HDR_LEN));
    m->l4_len = LR_UDP_HDR_LEN;
    u->c.rx_datagrams++;
    u->c.rx_bytes += (uint64_t)ulen - LR_UDP_HDR_LEN;
    struct udp_bind *b = &u->slots[slot - 1];
    b->fn(w, m, &d, b->ctx);
}

void lr_udp_input_burst(struct lr_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
    if (unlikely(w->udp == NULL)) {
        for (uint16_t i = 0; i < n; i++)
            lr_pkt_drop(w, LR_DROP_UDP_NO_PORT, pkts[i]);
        return;
    }
    for (uint16_t i = 0; i < n; i++) {
        if (i + 2 < n)
            rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 2], void *));
        udp_input_one(w, pkts[i]);
    }
}

int lr_udp_append(struct lr_worker *w, struct rte_mbuf *m, const void *data, uint32_t len)
{
    const uint8_t *p = data;
    struct rte_mbuf *tail = rte_pktmbuf_lastseg(m);

    while (len > 0) {
        uint16_t room = rte_pktmbuf_tailroom(tail);
        if (room == 0) {
            struct rte_mbuf *seg = lr_pkt_alloc(w);
            if (seg == NULL)
                return -ENOBUFS;
            if (m->nb_segs == RTE_MBUF_MAX_NB_SEGS) {
                rte_pktmbuf_free(seg);
                return -ENOBUFS;
            }
            seg->data_off = 0; /* continuation segments need no headroom */
            tail->next = seg;
            m->nb_segs++;
            tail = seg;
            continue;
        }
        uint16_t k = len < room ? (uint16_t)len : room;
        memcpy(rte_pktmbuf_mtod_offset(tail, uint8_t *, tail->data_len), p, k);
        tail->data_len += k;
        m->pkt_len += k;
        p += k;
        len -= k;
    }
    return 0;
}

/* Headers are in front of the payload; fill them, checksum, send. */
static int udp_output(struct lr_worker *w, struct rte_mbuf *m, rte_be32_t src, rte_be16_t sport,
                      rte_be32_t dst, rte_be16_t dport, uint32_t plen)
{
    struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
    struct rte_udp_hdr *uh = (struct rte_udp_hdr *)(ip + 1);
    rte_be32_t nexthop;
    int port = lr_ipv4_route(w, dst, &nexthop);
    uint16_t total = (uint16_t)(sizeof(*ip) + LR_UDP_HDR_LEN + plen);

    if (port < 0) {
        lr_pkt_drop(w, LR_DROP_IP_NO_ROUTE, m);
        return -EHOSTUNREACH;
    }
    if (src == 0)
        src = w->ports[port].addr;
    lr_ipv4_hdr_fill(w, ip, total, IPPROTO_UDP, src, dst);
    uh->src_port = sport;
    uh->dst_port = dport;
    uh->dgram_len = rte_cpu_to_be_16((uint16_t)(LR_UDP_HDR_LEN + plen));
    uh->dgram_cksum = 0;
    m->l2_len = 0;
    m->l3_len = sizeof(*ip);
    m->l4_len = LR_UDP_HDR_LEN;
    m->packet_type = RTE_PTYPE_L3_IPV4 | RTE_PTYPE_L4_UDP;
    w->stats.proto[LR_PROTO_UDP].tx_pkts++;
    w->stats.proto[LR_PROTO_UDP].tx_bytes += LR_UDP_HDR_LEN + plen;
    w->udp->c.tx_datagrams++;
    w->udp->c.tx_bytes += plen;
    if (total <= w->ports[port].mtu) {
        lr_ipv4_l4_cksum(w, m, (uint16_t)port, offsetof(struct rte_udp_hdr, dgram_cksum));
        lr_ipv4_output(w, m);
        return 0;
    }
    /* RFC 791 §3.2: our datagram may be fragmented (DF clear); the checksum
     * must be complete before it is split. */
    ip->fragment_offset = 0;
    m->ol_flags &= ~(RTE_MBUF_F_TX_L4_MASK | RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_IPV4);
    uh->dgram_cksum = rte_ipv4_udptcp_cksum_mbuf(m, ip, sizeof(*ip));
    w->udp->c.tx_fragmented++;
    lr_ipv4_output_frag(w, m);
    return 0;
}

int lr_udp_send_mbuf(struct lr_worker *w, rte_be32_t src, rte_be16_t sport, rte_be32_t dst,
                     rte_be16_t dport, struct rte_mbuf *payload)
{
    const uint16_t hlen = sizeof(struct rte_ipv4_hdr) + LR_UDP_HDR_LEN;
    uint32_t plen = payload->pkt_len;
    struct rte_mbuf *m = payload;

    if (unlikely(w->udp == NULL)) {
        lr_pkt_drop(w, LR_DROP_UDP_APP, payload);
        return -EINVAL;
    }
    if (unlikely(plen > LR_UDP_MAX_PAYLOAD)) {
        lr_pkt_drop(w, LR_DROP_UDP_APP, payload);
        return -EMSGSIZE;
    }
    if (!RTE_MBUF_DIRECT(payload) || rte_mbuf_refcnt_read(payload) != 1 ||
        rte_pktmbuf_headroom(payload) < UDP_HEADROOM_NEEDED) {
        /* Shared or external buffer, or no room: headers in their own mbuf. */
        m = lr_pkt_alloc(w);
        if (m == NULL) {
            lr_pkt_drop(w, LR_DROP_ETH_NO_MBUF, payload);
            return -ENOBUFS;
        }
        if (rte_pktmbuf_append(m, hlen) == NULL || rte_pktmbuf_chain(m, payload) != 0) {
            rte_pktmbuf_free(m);
            lr_pkt_drop(w, LR_DROP_UDP_APP, payload);
            return -ENOBUFS;
        }
    } else {
        rte_pktmbuf_prepend(m, hlen);
    }
    return udp_output(w, m, src, sport, dst, dport, plen);
}

int lr_udp_send(struct lr_worker *w, rte_be32_t src, rte_be16_t sport, rte_be32_t dst,
                rte_be16_t dport, const void *data, uint32_t len)
{
    const uint16_t hlen = sizeof(struct rte_ipv4_hdr) + LR_UDP_HDR_LEN;
    struct rte_mbuf *m;

    if (unlikely(len > LR_UDP_MAX_PAYLOAD)) {
        lr_count_drop(w, LR_DROP_UDP_APP);
        return -EMSGSIZE;
    }
    m = lr_pkt_alloc(w);
    if (m == NULL)
        return -ENOBUFS;
    if (rte_pktmbuf_append(m, hlen) == NULL || lr_udp_append(w, m, data, len) != 0) {
        lr_pkt_drop(w, LR_DROP_ETH_NO_MBUF, m);
        return -ENOBUFS;
    }
    if (unlikely(w->udp == NULL)) {
        lr_pkt_drop(w, LR_DROP_UDP_APP, m);
        return -EINVAL;
    }
    return udp_output(w, m, src, sport, dst, dport, len);
}

void lr_udp_counters_add(const struct lr_worker *w, struct lr_udp_counters *acc)
{
    const struct lr_udp_ctx *u = w->udp;

    if (u == NULL)
        return;
    acc->rx_datagrams += u->c.rx_datagrams;
    acc->rx_bytes += u->c.rx_bytes;
    acc->tx_datagrams += u->c.tx_datagrams;
    acc->tx_bytes += u->c.tx_bytes;
    acc->rx_no_csum += u->c.rx_no_csum;
    acc->rx_no_port += u->c.rx_no_port;
    acc->tx_fragmented += u->c.tx_fragmented;
    acc->icmp_errors += u->c.icmp_errors;
    acc->binds += u->c.binds;
}

/* The module's walk hook: /linerate/udp, /linerate/stats and the final
 * summary (lib/runtime/lr_modules.c sums it over workers). */
void lr_udp_walk(const struct lr_worker *w, void (*fn)(void *arg, const char *name, uint64_t value),
                 void *arg)
{
    struct lr_udp_counters c = { 0 };

    lr_udp_counters_add(w, &c);
    fn(arg, "rx_datagrams", c.rx_datagrams);
    fn(arg, "rx_bytes", c.rx_bytes);
    fn(arg, "tx_datagrams", c.tx_datagrams);
    fn(arg, "tx_bytes", c.tx_bytes);
    fn(arg, "rx_no_csum", c.rx_no_csum);
    fn(arg, "rx_no_port", c.rx_no_port);
    fn(arg, "tx_fragmented", c.tx_fragmented);
    fn(arg, "icmp_errors", c.icmp_errors);
    fn(arg, "binds", c.binds);
}

const struct lr_module lr_udp_module = {
    .name = "udp",
    .after = LR_MODULE_AFTER("ip"),
    .init = lr_udp_init,
    .fini = lr_udp_free,
    .walk = lr_udp_walk,
    .gauges = LR_MODULE_GAUGES("binds"),
};
