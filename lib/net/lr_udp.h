/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * UDP (RFC 768, RFC 1122 §4.1): per-worker port bindings with a receive
 * callback, checksum verification and generation, ICMP port unreachable for
 * closed ports, and send (copying or zero-copy), fragmenting datagrams larger
 * than the port MTU (lr_ip_frag.h).
 *
 * Input: registered with lr_ipv4_register(w, IPPROTO_UDP, ...). For each
 * datagram: length checks (UDP length > IP payload -> UDP_LEN drop; shorter
 * -> trimmed, RFC 768 "Length"), checksum (0 = none sent, accepted; the NIC's
 * verdict used when the port offers RX L4 checksum offload; software
 * otherwise), port lookup, then the bound callback.
 *
 * Bindings are per worker: a service binds its port on every worker (flows
 * are spread over workers by lr_flow.h); per-session ports (TFTP TIDs) are
 * bound on the owning worker only with lr_udp_bind_ephemeral().
 */
#ifndef LR_UDP_H
#define LR_UDP_H

#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_mbuf.h>

#include "lr_worker.h"
#include "lr_module.h"

#define LR_UDP_HDR_LEN      8
#define LR_UDP_MAX_PAYLOAD  65507 /* 65535 - 20 (IPv4) - 8 (UDP) */
#define LR_UDP_EPHEMERAL_LO 49152 /* RFC 6335 dynamic range */
#define LR_UDP_EPHEMERAL_HI 65535

/** Addressing of a received datagram (network byte order). */
struct lr_udp_dgram {
    rte_be32_t src;
    rte_be32_t dst;
    rte_be16_t sport;
    rte_be16_t dport;
    uint16_t port; /* DPDK port it arrived on */
};

/**
 * Receive callback. @m has its data offset at the UDP payload and is trimmed
 * to it (m->pkt_len is the payload length, possibly 0; the payload may span
 * several segments: read it with rte_pktmbuf_read()). The IPv4 and UDP
 * headers are still in the buffer before the data offset (m->l3_len,
 * m->l4_len give their lengths). The callee owns @m: it frees it or sends
 * it on (e.g. lr_udp_send_mbuf() to echo it without copying).
 */
typedef void (*lr_udp_recv_fn)(struct lr_worker *w, struct rte_mbuf *m,
                               const struct lr_udp_dgram *d, void *ctx);

/* Per-worker UDP counters beyond w->stats.proto[LR_PROTO_UDP]. */
struct lr_udp_counters {
    uint64_t rx_datagrams;
    uint64_t rx_bytes; /* UDP payload bytes delivered */
    uint64_t tx_datagrams;
    uint64_t tx_bytes;      /* UDP payload bytes sent */
    uint64_t rx_no_csum;    /* datagrams received without checksum (0) */
    uint64_t rx_no_port;    /* datagrams to closed ports */
    uint64_t tx_fragmented; /* datagrams sent as IP fragments */
    uint64_t icmp_errors;   /* ICMP errors received about our datagrams */
    uint64_t binds;         /* gauge: ports bound now */
};

/**
 * Allocate w->udp (bind table of [udp] max_binds entries, plus [tftp]
 * max_sessions when TFTP is on: one port per transfer) and register UDP
 * input and the UDP ICMP error receiver with the IPv4 layer. 0 or -errno.
 */
int lr_udp_init(struct lr_worker *w);

/** Unregister and free w->udp (NULL safe). Bound services must be freed first. */
void lr_udp_free(struct lr_worker *w);

/**
 * Bind @port (host order, non-zero) on this worker: datagrams to it go to
 * @fn with @ctx. 0, -EADDRINUSE, -ENOSPC (table full) or -EINVAL.
 */
int lr_udp_bind(struct lr_worker *w, uint16_t port, lr_udp_recv_fn fn, void *ctx);

/**
 * Bind a free port of the dynamic range on this worker, chosen so that the
 * flow with @raddr:@rport (network order) from @laddr is owned by this worker
 * (lr_flow.h; any free port when w->flow is NULL). Returns the port in host
 * order, or 0 when none is available.
 */
uint16_t lr_udp_bind_ephemeral(struct lr_worker *w, rte_be32_t laddr, rte_be32_t raddr,
                               rte_be16_t rport, lr_udp_recv_fn fn, void *ctx);

/** The @ctx bound to @port (host order), or NULL when unbound. */
void *lr_udp_bound_ctx(const struct lr_worker *w, uint16_t port);

/** Remove the binding of @port (host order). 0 or -ENOENT. */
int lr_udp_unbind(struct lr_worker *w, uint16_t port);

/**
 * Send @len bytes of @data (copied) from @src:@sport to @dst:@dport (network
 * order; @src 0 = the address of the outgoing port). Fragmented when larger
 * than the MTU. Returns 0, -EMSGSIZE (len > 65507), -ENOBUFS (no mbuf) or
 * -EHOSTUNREACH (no route); every failure is counted.
 */
int lr_udp_send(struct lr_worker *w, rte_be32_t src, rte_be16_t sport, rte_be32_t dst,
                rte_be16_t dport, const void *data, uint32_t len);

/**
 * Send the payload chain @payload (data offset at the payload; may be
 * multi-segment, indirect or with external buffers) without copying it: the
 * UDP/IPv4 headers are prepended in its headroom when it is a private direct
 * buffer with room, else in a new header mbuf chained in front. Always takes
 * ownership of @payload. Same returns as lr_udp_send().
 */
int lr_udp_send_mbuf(struct lr_worker *w, rte_be32_t src, rte_be16_t sport, rte_be32_t dst,
                     rte_be16_t dport, struct rte_mbuf *payload);

/**
 * Append @len bytes of @data to the chain @m, allocating segments from the
 * worker's pool as needed. 0 or -ENOBUFS (the chain is left valid, with
 * part of the data appended).
 */
int lr_udp_append(struct lr_worker *w, struct rte_mbuf *m, const void *data, uint32_t len);

/** UDP input for a burst (the function registered with IPv4). Consumes all. */
void lr_udp_input_burst(struct lr_worker *w, struct rte_mbuf **pkts, uint16_t n);

/** Add @w's UDP counters into @acc (main lcore, read-only on @w). */
void lr_udp_counters_add(const struct lr_worker *w, struct lr_udp_counters *acc);

/** Module walk hook: emit this worker's UDP counters by name (lr_module.h). */
void lr_udp_walk(const struct lr_worker *w, void (*fn)(void *arg, const char *name, uint64_t value),
                 void *arg);

/** The "udp" module (lr_module.h): the UDP socket table and its counters. */
extern const struct lr_module lr_udp_module;

#endif /* LR_UDP_H */
