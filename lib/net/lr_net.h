/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The network layer seen from above (L4 and applications) and from the poll
 * loop: Ethernet/ARP/IPv4/ICMP input bursts and IPv4 output.
 *
 * Call chain (input):
 *   worker loop -> lr_eth_input_burst()
 *     -> lr_arp_input()                 ARP (lr_arp.c)
 *     -> lr_ipv4_input_burst()          validation, reassembly (lr_ipv4.c)
 *          -> lr_icmp_input()           echo, errors (lr_icmp.c)
 *          -> lr_tcp_input_burst()      (lr_tcp.h)
 *          -> lr_udp_input_burst()      (lr_udp.h)
 * Output: L4 -> lr_ipv4_output() -> route + ARP resolve -> lr_tx_enqueue().
 */
#ifndef LR_NET_H
#define LR_NET_H

#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "lr_io.h"
#include "lr_worker.h"
#include "lr_module.h"

/* --- IPv4 context and L4 dispatch (lr_ipv4.c) ------------------------------ */

/**
 * L4 input for a burst of IPv4 packets of one protocol, validated by
 * lr_ipv4_input_burst(): trimmed to the IP total length, data offset at the
 * IPv4 header, m->l2_len/l3_len set, m->port the receiving port. The callee
 * consumes every mbuf.
 */
typedef void (*lr_l4_input_fn)(struct lr_worker *w, struct rte_mbuf **pkts, uint16_t n);

/** Allocate the worker's IP context (w->ip) on its socket. 0 or -ENOMEM. */
int lr_ip_init(struct lr_worker *w);
/** Free w->ip (NULL safe). */
void lr_ip_free(struct lr_worker *w);
/**
 * Register @fn as the input function for IP protocol @proto (IPPROTO_TCP,
 * IPPROTO_UDP, ...) on @w; NULL unregisters. Unregistered protocols get an
 * ICMP protocol unreachable and an IP_PROTO drop. ICMP is handled internally.
 */
void lr_ipv4_register(struct lr_worker *w, uint8_t proto, lr_l4_input_fn fn);

/**
 * Receiver of ICMP errors (destination unreachable, time exceeded, parameter
 * problem) about a packet we sent with IP protocol @proto. @orig is the quoted
 * IPv4 header (validated: version 4, IHL within the quote, our address as
 * source), @l4 the quoted L4 bytes that follow it (@l4_len >= 8, RFC 792),
 * @info the ICMP header's second word in host order (e.g. the next-hop MTU
 * for "fragmentation needed", RFC 1191 §4). Nothing is consumed.
 */
typedef void (*lr_icmp_error_fn)(struct lr_worker *w, uint8_t type, uint8_t code, uint32_t info,
                                 const struct rte_ipv4_hdr *orig, const uint8_t *l4,
                                 uint16_t l4_len);

/** Register (or with NULL remove) the ICMP error receiver for @proto on @w. */
void lr_icmp_register_error_handler(struct lr_worker *w, uint8_t proto, lr_icmp_error_fn fn);

/**
 * IPv4 reassembly (lr_ip_frag.c, see lr_ip_frag.h). Feed one received
 * fragment (MF set or offset non-zero) validated by IPv4 input: data offset
 * at the IPv4 header, trimmed to the total length, m->l3_len set. Takes
 * ownership of @m. Returns the reassembled datagram (data offset at its IPv4
 * header, total length and fragment field updated, header checksum
 * recomputed, L4 RX checksum flags cleared so L4 verifies in software,
 * possibly multi-segment), or NULL when the datagram is not complete yet or
 * @m was dropped (counted). Without lr_ip_frag_init() every fragment is
 * dropped (IP_FRAG).
 */
struct rte_mbuf *lr_ipv4_reassemble(struct lr_worker *w, struct rte_mbuf *m);

/** Process a received burst from @port. Consumes every mbuf. */
void lr_eth_input_burst(struct lr_worker *w, uint16_t port, struct rte_mbuf **pkts, uint16_t n);

/** IPv4 input for a burst whose data offset is at the IPv4 header. Consumes all. */
void lr_ipv4_input_burst(struct lr_worker *w, struct rte_mbuf **pkts, uint16_t n);

/**
 * L4 dispatch of TCP/UDP packets (and ICMP errors about our flows) handed
 * over by another worker (lr_handover.h): already validated there (data
 * offset at the IPv4 header, l3_len and port set), so neither revalidated
 * nor counted as IP RX again. Other protocols are dropped. Consumes all.
 */
void lr_ipv4_deliver_burst(struct lr_worker *w, struct rte_mbuf **pkts, uint16_t n);

/**
 * Route lookup. Returns the port id for @dst, or -1 when there is no route;
 * *nexthop is @dst when on-link, else the port's gateway.
 */
int lr_ipv4_route(const struct lr_worker *w, rte_be32_t dst, rte_be32_t *nexthop);

/** True when @addr is one of our port addresses. */
int lr_ipv4_is_local(const struct lr_worker *w, rte_be32_t addr);

/**
 * Send an IPv4 packet. The data offset of @m is at a complete IPv4 header
 * (hdr_checksum is computed here, or offloaded when the port offers it);
 * the L4 checksum is complete, or requested from the NIC through
 * m->ol_flags with l3_len/l4_len set and the pseudo-header sum in place
 * (lr_ipv4_l4_cksum_prepare()). Routes, resolves the next hop with ARP
 * (parking the packet while resolving) and queues the frame.
 * Always takes ownership of @m (drops are counted).
 */
void lr_ipv4_output(struct lr_worker *w, struct rte_mbuf *m);

/**
 * Fill a 20-byte IPv4 header (no options) for an outgoing packet:
 * version/IHL, TOS 0, total length @total_len, a fresh ID, DF set,
 * TTL from config, @proto, @src, @dst. Checksum left 0 (lr_ipv4_output fills it).
 */
void lr_ipv4_hdr_fill(struct lr_worker *w, struct rte_ipv4_hdr *ip, uint16_t total_len,
                      uint8_t proto, rte_be32_t src, rte_be32_t dst);

/**
 * Complete or offload the L4 checksum of an outgoing IPv4 packet whose data
 * offset is at the IPv4 header and whose L4 checksum field is at
 * @csum_off bytes into the L4 header (16 for TCP, 6 for UDP). Uses the
 * port's TX offload when available, software otherwise.
 */
void lr_ipv4_l4_cksum(struct lr_worker *w, struct rte_mbuf *m, uint16_t port, uint16_t csum_off);

/* ICMP types and codes used with lr_icmp_send_error() (RFC 792, RFC 1191). */
#define LR_ICMP_ECHO_REPLY          0
#define LR_ICMP_DEST_UNREACH        3
#define LR_ICMP_UNREACH_NET         0
#define LR_ICMP_UNREACH_HOST        1
#define LR_ICMP_UNREACH_PROTO       2
#define LR_ICMP_UNREACH_PORT        3
#define LR_ICMP_UNREACH_FRAG_NEEDED 4 /* info = next-hop MTU (RFC 1191 §4) */
#define LR_ICMP_SOURCE_QUENCH       4
#define LR_ICMP_REDIRECT            5
#define LR_ICMP_ECHO_REQUEST        8
#define LR_ICMP_TIME_EXCEEDED       11
#define LR_ICMP_TIMXCEED_TTL        0
#define LR_ICMP_TIMXCEED_REASS      1  /* fragment reassembly time exceeded */
#define LR_ICMP_PARAM_PROBLEM       12 /* info = pointer << 24 */

/**
 * Send an ICMP error (RFC 792, RFC 1122 §3.2.2) about the received IPv4
 * packet @orig (data offset at its IPv4 header). Applies the rules: never
 * about ICMP errors, broadcasts/multicasts, non-first fragments, or packets
 * with a non-unicast source; rate-limited per worker. Does not consume @orig.
 * @info is written in network order into the second word of the ICMP header
 * (unused = 0; next-hop MTU for LR_ICMP_UNREACH_FRAG_NEEDED; pointer << 24 for
 * LR_ICMP_PARAM_PROBLEM). The message quotes the original IP header and as
 * much of its payload as fits in 576 bytes (RFC 1812 §4.3.2.3), at least the
 * 8 bytes RFC 792 requires. Sent from the address @orig was sent to.
 * Rate: a token bucket of [ip] icmp_rate errors per second with a burst of
 * one second's worth (0 = unlimited); refused errors count ICMP_RATELIMIT.
 */
void lr_icmp_send_error(struct lr_worker *w, const struct rte_mbuf *orig, uint8_t type,
                        uint8_t code, uint32_t info);

/* --- ARP (lr_arp.c) -------------------------------------------------------- */

/** Allocate and initialise the worker's ARP table (static entries from config). */
int lr_arp_init(struct lr_worker *w);
/** Free the ARP table; packets still parked are dropped as ETH_SHUTDOWN (NULL safe). */
void lr_arp_free(struct lr_worker *w);
/**
 * Send a gratuitous ARP (RFC 5227 §3 announcement) on every addressed port
 * (called once at start by worker 0); nothing when [arp] gratuitous is off.
 */
void lr_arp_announce(struct lr_worker *w);
/** Handle one ARP frame (data offset at the ARP header). Consumes @m. */
void lr_arp_input(struct lr_worker *w, struct rte_mbuf *m);
/**
 * Resolve @nexthop on @port and transmit @m (data offset at the L3 header):
 * prepends the Ethernet header when the MAC is known, otherwise parks @m on
 * the bounded pending queue and sends a request (at most one per retry
 * interval). Consumes @m.
 */
void lr_arp_output(struct lr_worker *w, uint16_t port, rte_be32_t nexthop, struct rte_mbuf *m);
/** Look up a resolved (reachable or static) MAC; 0 when found, -ENOENT otherwise. */
int lr_arp_lookup(struct lr_worker *w, uint16_t port, rte_be32_t ip, struct rte_ether_addr *mac);

/** Prepend an Ethernet header and queue @m on @port. */
void lr_eth_output(struct lr_worker *w, uint16_t port, struct rte_mbuf *m,
                   const struct rte_ether_addr *dst, uint16_t ether_type);

/** The "arp" and "ip" modules (lr_module.h): per-worker tables and contexts. */
extern const struct lr_module lr_arp_module;
extern const struct lr_module lr_ip_module;

#endif /* LR_NET_H */
