/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to the network layer (lr_ether.c, lr_arp.c, lr_ipv4.c, lr_icmp.c):
 * the per-worker IP context and the internal entry points between files.
 * Not for L4 or application code: they use lr_net.h.
 */
#ifndef LR_NET_PRIV_H
#define LR_NET_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "lr_net.h"
#include "lr_worker.h"

/*
 * Per-worker IP state. The dispatch tables are read for every packet; the
 * ICMP error token bucket (RFC 1812 §4.3.2.8) is touched only when an error
 * is about to be sent.
 */
struct lr_ip_ctx {
    lr_l4_input_fn l4[256];         /* by IP protocol number */
    lr_icmp_error_fn icmp_err[256]; /* ICMP error receivers, by quoted protocol */
    uint16_t next_id;               /* IPv4 identification counter */
    uint64_t icmp_tokens;           /* micro-tokens: 1 error costs 1000000 */
    uint64_t icmp_last;             /* w->now at the last refill */
} __rte_cache_aligned;

/** Handle one ICMP packet validated by IPv4 input (data offset at the IP header). Consumes @m. */
void lr_icmp_input(struct lr_worker *w, struct rte_mbuf *m);

/** True for addresses that can never be a unicast source (RFC 1122 §3.2.1.3, RFC 1812 §5.3.7). */
static inline bool lr_ipv4_addr_is_martian_src(const struct lr_worker *w, uint16_t port,
                                               rte_be32_t a)
{
    uint32_t h = rte_be_to_cpu_32(a);
    if (h == 0 || h == 0xffffffffu)
        return true;
    if ((h >> 24) == 127) /* loopback, RFC 1122 §3.2.1.3 (g) */
        return true;
    if ((h & 0xf0000000u) >= 0xe0000000u) /* class D multicast and class E */
        return true;
    if (port < w->nb_ports && w->ports[port].addr != 0 && w->ports[port].mask != 0xffffffffu &&
        a == w->ports[port].bcast)
        return true;
    return false;
}

/** True when @a is the limited broadcast or the directed broadcast of @port. */
static inline bool lr_ipv4_addr_is_bcast(const struct lr_worker *w, uint16_t port, rte_be32_t a)
{
    if (a == RTE_BE32(0xffffffff))
        return true;
    return port < w->nb_ports && w->ports[port].addr != 0 && a == w->ports[port].bcast;
}

/** Software Internet checksum of @len bytes of @m from @off (folded, not complemented). */
static inline uint16_t lr_net_raw_cksum_mbuf(const struct rte_mbuf *m, uint32_t off, uint32_t len)
{
    uint16_t sum = 0;
    if (rte_raw_cksum_mbuf(m, off, len, &sum) != 0)
        return 0;
    return sum;
}

#endif /* LR_NET_PRIV_H */
