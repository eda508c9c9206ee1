/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow ownership: which worker owns a TCP/UDP flow.
 *
 * The owner is a pure function of the 4-tuple, the same on every worker and
 * for both directions of a flow:
 *
 *     owner = (toeplitz(K, tuple) mod R) mod N
 *
 * with K the symmetric key (0x6d5a repeated: a Toeplitz key whose period is
 * 16 bits hashes (a, b, pa, pb) and (b, a, pb, pa) alike), R the number of
 * redirection-table entries used (a power of two, the smallest RETA among
 * RSS-capable ports, LR_FLOW_RETA_DEFAULT when there is none) and N the
 * number of workers. A port that can steer is programmed with the same key
 * and with RETA[i] = (i mod R) mod N (lr_flow_reta_fill), so the NIC delivers
 * every packet to the queue of its owner and nothing is handed over. Ports
 * that cannot steer (net_tap, memif, virtio-user) deliver anywhere, and the
 * receiving worker hands foreign packets to the owner's inbox ring.
 */
#ifndef LR_FLOW_H
#define LR_FLOW_H

#include <stdint.h>

#include <rte_byteorder.h>

#define LR_FLOW_KEY_LEN      40
#define LR_FLOW_RETA_DEFAULT 128
#define LR_FLOW_TUPLE_LEN    12 /* bytes hashed: IPv4 src, dst, L4 sport, dport */

/** Shared, read-only after start. */
struct lr_flow {
    uint16_t nb_workers;
    uint16_t reta_size;              /* R, power of two */
    uint8_t key[LR_FLOW_KEY_LEN];    /* as programmed into NICs */
    uint8_t key_be[LR_FLOW_KEY_LEN]; /* converted for rte_softrss_be */
    uint64_t handover_flag;          /* ol_flags bit of handed-over packets (lr_handover.h) */
    /* Toeplitz by table: tab[b][v] is the hash contribution of input byte b
     * (src addr, dst addr, sport, dport in wire order) having value v, so a
     * hash is 12 lookups instead of a loop over 96 bits. */
    uint32_t tab[LR_FLOW_TUPLE_LEN][256];
    uint16_t ovr_lo, ovr_hi; /* TCP override range, host order (0, 0: none) */
};

/** Initialise for @nb_workers (≥ 1) and redirection size @reta_size (power of two ≥ 1). */
int lr_flow_init(struct lr_flow *f, uint16_t nb_workers, uint16_t reta_size);

/** Symmetric Toeplitz hash of an IPv4 4-tuple given in network order. */
uint32_t lr_flow_hash(const struct lr_flow *f, rte_be32_t saddr, rte_be32_t daddr, rte_be16_t sport,
                      rte_be16_t dport);

/** Owner of a hash value. */
static inline uint16_t lr_flow_owner_of_hash(const struct lr_flow *f, uint32_t hash)
{
    return (uint16_t)((hash & (uint32_t)(f->reta_size - 1)) % f->nb_workers);
}

/** Owner of a flow (either direction gives the same worker). */
static inline uint16_t lr_flow_owner(const struct lr_flow *f, rte_be32_t saddr, rte_be32_t daddr,
                                     rte_be16_t sport, rte_be16_t dport)
{
    return lr_flow_owner_of_hash(f, lr_flow_hash(f, saddr, daddr, sport, dport));
}

/**
 * Set the TCP ownership override: a TCP flow whose local port p (host
 * order) lies in [lo, hi] is owned by worker (p - lo) % N whatever its hash
 * (the FTP passive range: worker i listens only on its own ports, see
 * lr_ftp_pasv_owner). lo = hi = 0 clears it. lr_flow_pick_port never
 * returns a port of this range, so active opens cannot collide with it.
 * 0, or -EINVAL when lo > hi or lo == 0 < hi.
 */
int lr_flow_override_set(struct lr_flow *f, uint16_t lo, uint16_t hi);

/** True when TCP local port @lport (host order) is in the override range. */
static inline int lr_flow_in_override(const struct lr_flow *f, uint16_t lport)
{
    return f->ovr_lo != 0 && lport >= f->ovr_lo && lport <= f->ovr_hi;
}

/** Owner of TCP local port @lport (host order) of the override range (check lr_flow_in_override first). */
static inline uint16_t lr_flow_override_owner(const struct lr_flow *f, uint16_t lport)
{
    return (uint16_t)((uint32_t)(lport - f->ovr_lo) % f->nb_workers);
}

/** Fill a device redirection table of @size entries (≥ f->reta_size, power of two). */
void lr_flow_reta_fill(const struct lr_flow *f, uint16_t *queues, unsigned size);

/**
 * Pick a local port in [lo, hi] (host order) such that the flow
 * (laddr:port -> raddr:rport) is owned by @worker, starting the search at
 * *cursor (advanced past the choice so successive calls spread out).
 * Ports of the override range (lr_flow_override_set) are never chosen.
 * @in_use (may be NULL) rejects ports already taken. Returns the port in
 * host order, or 0 when none in the range qualifies.
 */
uint16_t lr_flow_pick_port(const struct lr_flow *f, uint16_t worker, rte_be32_t laddr,
                           rte_be32_t raddr, rte_be16_t rport, uint16_t lo, uint16_t hi,
                           uint32_t *cursor, int (*in_use)(void *arg, uint16_t port), void *arg);

#endif /* LR_FLOW_H */
