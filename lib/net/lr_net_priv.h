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

/** The ol_flags bit marking an ARP frame copied from another worker (lr_arp.c). */
uint64_t lr_arp_sync_flag(const struct lr_worker *w);

/** Handle one ICMP packet validated by IPv4 input (data offset at the IP header). Consumes @m. */
void lr_icmp_input(struct lr_worker *w, struct rte_mbuf *m);

/** True when @port has a directed broadcast: not on /31 (RFC 3021 §2.1) or /32 links. */
static inline bool lr_ipv4_port_has_bcast(const struct lr_worker *w, uint16_t port)
{
    return port < w->nb_ports && w->ports[port].addr != 0 &&
           (rte_be_to_cpu_32(w->ports[port].mask) & 3u) == 0;
}

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
    return lr_ipv4_port_has_bcast(w, port) && a == w->ports[port].bcast;
}

/** True when @a is the limited broadcast or the directed broadcast of @port. */
static inline bool lr_ipv4_addr_is_bcast(const struct lr_worker *w, uint16_t port, rte_be32_t a)
{
    if (a == RTE_BE32(0xffffffff))
        return true;
    return lr_ipv4_port_has_bcast(w, port) && a == w->ports[port].bcast;
}

/**
 * Software Internet checksum (RFC 1071) of @len bytes of @m from @off, over
 * every segment: folded, not complemented (0xffff means "verifies"); 0 when
 * the packet is shorter than off + len. Not rte_raw_cksum_mbuf(): in DPDK
 * 22.11 it truncates a segment's 32-bit partial sum to 16 bits before the
 * byte swap needed for a segment starting at an odd offset, so chains with
 * odd-length segments sum wrongly. Here each partial sum is folded first.
 */
static inline uint16_t lr_net_raw_cksum_mbuf(const struct rte_mbuf *m, uint32_t off, uint32_t len)
{
    const struct rte_mbuf *seg = m;
    uint64_t sum = 0;
    uint32_t done = 0;

    while (seg != NULL && off >= seg->data_len) {
        off -= seg->data_len;
        seg = seg->next;
    }
    for (; seg != NULL && done < len; seg = seg->next, off = 0) {
        uint32_t n = RTE_MIN((uint32_t)seg->data_len - off, len - done);
        uint16_t part = __rte_raw_cksum_reduce(
            __rte_raw_cksum(rte_pktmbuf_mtod_offset(seg, const void *, off), n, 0));
        sum += (done & 1) ? rte_bswap16(part) : part;
        done += n;
    }
    if (done < len)
        return 0;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)sum;
}

#endif /* LR_NET_PRIV_H */
