/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow handover between workers (see lr_flow.h for who owns a flow).
 *
 * A port that steers by RSS delivers every packet to the queue of its owner.
 * Ports that cannot (net_tap, memif, virtio-user, af_packet) deliver
 * anywhere, so IPv4 input runs a steering step right before L4 dispatch:
 *
 *   lr_ipv4_input_burst (worker A, the receiving one)
 *     validate, reassemble, count IP RX
 *     -> lr_handover_steer(): owner = override (lr_handover_override) or
 *        lr_flow_owner(tuple); A's own packets go on to L4, the others are
 *        marked with the lr_handover mbuf dynflag and enqueued in bursts on
 *        ring_to[owner] (full ring: LR_DROP_ETH_HANDOVER_FULL, otherwise
 *        counted in stats.handed_over); ICMP errors go to the owner of the
 *        flow they quote
 *   worker loop of B (the owner): drain ring_from[A]
 *     -> lr_handover_dispatch(): marked packets go straight to
 *        lr_ipv4_deliver_burst() (L4 dispatch, no revalidation, port and IP
 *        RX not counted again); unmarked ones (ARP replicas) are returned to
 *        the caller for Ethernet input.
 *
 * A handed-over packet has its data offset at the IPv4 header, l2_len,
 * l3_len and port set, and its RX checksum flags intact. The rings are
 * SP/SC: only A enqueues on ring_to[B], only B dequeues it.
 *
 * Ownership overrides are pure functions of the configuration, consulted
 * before the hash, so no table is shared between workers: an FTP passive
 * data port p belongs to the worker that owns it for listening
 * (lr_ftp_pasv_owner), which is the worker of the control connection.
 */
#ifndef LR_HANDOVER_H
#define LR_HANDOVER_H

#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_mbuf.h>

#include "lr_flow.h"
#include "lr_worker.h"

/** No override applies: the hash decides. */
#define LR_HANDOVER_NO_OVERRIDE UINT16_MAX

/**
 * Register the "lr_handover" mbuf dynflag and store its bit in
 * @f->handover_flag. Main lcore, after lr_flow_init() and before workers
 * start (or in a test, before steering). 0 or -errno.
 */
int lr_handover_register(struct lr_flow *f);

/**
 * The ownership override for an IPv4 flow seen from our side (@lport, our
 * port; @rport the peer's; network order), or LR_HANDOVER_NO_OVERRIDE.
 * Pure function of w->cfg and w->nb_workers.
 */
uint16_t lr_handover_override(const struct lr_worker *w, uint8_t proto, rte_be16_t lport,
                              rte_be16_t rport);

/**
 * Owner of a received, validated TCP/UDP packet (data offset at the IPv4
 * header, l3_len set, L4 ports readable in the first segment): the
 * override first, then lr_flow_owner(), except on an RSS port where the
 * NIC already delivered it to its hash owner (the receiving worker).
 * Packets too short to hold the ports belong to the receiving worker (L4
 * input drops them). For ICMP: the owner of the TCP/UDP flow quoted by a
 * destination unreachable, time exceeded or parameter problem error (on
 * any port: RSS does not hash ICMP by the quote); the receiving worker for
 * everything else.
 */
uint16_t lr_handover_owner(const struct lr_worker *w, const struct rte_mbuf *m);

/** True when the steering step has anything to do on this worker. */
static inline int lr_handover_active(const struct lr_worker *w)
{
    return w->nb_workers > 1 && w->flow != NULL && w->flow->handover_flag != 0;
}

/**
 * Steering step on a burst of validated IPv4 packets of one L4 protocol
 * (TCP, UDP, or ICMP). Packets owned by @w are kept, in order, at the front of
 * @pkts; the others are handed to their owners' inboxes, one burst per
 * owner. Returns how many are kept. Call only when lr_handover_active().
 */
uint16_t lr_handover_steer(struct lr_worker *w, struct rte_mbuf **pkts, uint16_t n);

/**
 * Dispatch a burst dequeued from an inbox ring: packets marked as handed
 * over are delivered to L4 (lr_ipv4_deliver_burst); the others (ARP
 * replica frames) are kept, in order, at the front of @pkts for Ethernet
 * input by the caller. Returns how many are kept.
 */
uint16_t lr_handover_dispatch(struct lr_worker *w, struct rte_mbuf **pkts, uint16_t n);

#endif /* LR_HANDOVER_H */
