/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 reassembly (RFC 791 §3.2, RFC 815) and fragmentation of outgoing
 * datagrams larger than the port MTU.
 *
 * Why not rte_ip_frag for reassembly: Debian's DPDK 22.11 is built with
 * RTE_LIBRTE_IP_FRAG_MAX_FRAG = 8, so it cannot reassemble a datagram of more
 * than 8 fragments (a 60 KB UDP datagram at MTU 1500 has 41); it also drops a
 * whole datagram on a duplicate first or last fragment, cannot tell its user
 * that a flow timed out (needed for ICMP time exceeded, RFC 792), and does not
 * check the reassembled size against 65535. The table here is small and
 * strict instead:
 *  - per worker, [ip] frag_max_flows records and [ip] frag_max_entries
 *    fragments per datagram, preallocated at init; a cap on mbufs held in the
 *    table (a quarter of the worker's pool) protects the pool from floods;
 *  - a flow is keyed by (src, dst, id, protocol) (RFC 791 §3.2), found with a
 *    seeded hash; fragments are kept sorted by offset;
 *  - exact duplicates are dropped alone (IP_FRAG_DUP) and the datagram still
 *    completes; any overlap, inconsistent last fragment, or a datagram past
 *    65535 bytes discards the whole datagram (RFC 5722's rule, applied to
 *    IPv4) and the flow record stays "dead" until its timeout so late
 *    fragments of it are dropped too;
 *  - timeouts ([ip] frag_timeout) run on the worker's timer wheel, in the
 *    worker's microsecond time (no TSC): the expiry frees the fragments and,
 *    when fragment 0 had arrived, sends ICMP time exceeded code 1
 *    (RFC 792, RFC 1122 §3.3.2);
 *  - when no record is free, or the mbuf cap is reached, the oldest flow is
 *    evicted (IP_FRAG_FULL).
 * Fragmentation uses rte_ipv4_fragment_packet (zero copy: indirect mbufs).
 */
#ifndef LR_IP_FRAG_H
#define LR_IP_FRAG_H

#include <stdint.h>

#include <rte_mbuf.h>

#include "lr_net.h"
#include "lr_module.h"
#include "lr_worker.h"

/* Counters of one worker (summed with lr_ip_frag_counters_add). */
struct lr_ip_frag_counters {
    uint64_t frags_in;      /* fragments received */
    uint64_t reassembled;   /* datagrams completed */
    uint64_t timeouts;      /* flows expired with fragments held */
    uint64_t time_exceeded; /* ICMP time exceeded requested on timeout */
    uint64_t discarded;     /* datagrams discarded: overlap, oversize, too many fragments */
    uint64_t evicted;       /* flows evicted for space */
    uint64_t frags_out;     /* fragments sent */
    uint64_t fragmented;    /* datagrams fragmented on output */
    uint64_t flows_active;  /* gauge: flow records in use (incl. dead ones) */
    uint64_t mbufs_held;    /* gauge: fragments held */
};

/** Allocate w->frag on w->socket from w->cfg->ip. 0 or -ENOMEM / -EINVAL. */
int lr_ip_frag_init(struct lr_worker *w);

/** Drop every held fragment (uncounted), cancel timers, free w->frag (NULL safe). */
void lr_ip_frag_free(struct lr_worker *w);

/* lr_ipv4_reassemble() is declared in lr_net.h (called by IPv4 input). */

/**
 * Send an IPv4 datagram that may exceed the MTU of its outgoing port: as
 * lr_ipv4_output() when it fits, else split into fragments
 * (RFC 791 §3.2 "Fragmentation") each sent with lr_ipv4_output(). The L4
 * checksum must be complete in software (no TX L4 offload flags: offload
 * cannot span fragments). A datagram with DF set that does not fit is
 * dropped (IP_TOO_BIG). Takes ownership of @m.
 */
void lr_ipv4_output_frag(struct lr_worker *w, struct rte_mbuf *m);

/** Add the counters of @w into @acc (main lcore, read-only on @w). */
void lr_ip_frag_counters_add(const struct lr_worker *w, struct lr_ip_frag_counters *acc);

/** Register /linerate/ip (reassembly and fragmentation counters). 0 or -errno. */
int lr_ip_frag_telemetry_register(void);

/** The "ipfrag" module (lr_module.h): reassembly tables, /linerate/ipfrag. */
extern const struct lr_module lr_ip_frag_module;

#endif /* LR_IP_FRAG_H */
