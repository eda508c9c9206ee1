/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fault layer (lr_fault.h): seeded drop / duplicate / corrupt / reorder
 * between the stack and the device, in both directions.
 *
 * Per packet, four independent draws from the context's own PRNG (seeded
 * from [fault] seed and the worker id, never from w->rng, so the same seed
 * and the same traffic give the same faults whatever the stack does with its
 * own randomness):
 *   drop       the packet is freed (RX: through lr_pkt_drop, ETH_FAULT);
 *   corrupt    one random bit of one random byte past the Ethernet header
 *              is flipped, so the IP/TCP/UDP checksums catch it;
 *   duplicate  a deep copy (rte_pktmbuf_copy from the packet's pool) is put
 *              in the burst as well, when the burst has room and a mbuf is
 *              available;
 *   reorder    the packet is held back (at most LR_FAULT_HOLD per port and
 *              direction) and released at the end of the next call for that
 *              port and direction, i.e. after the packets of a later burst,
 *              or by lr_fault_release().
 *
 * Corrupting the "wire" must not corrupt the stack's own data: a TX packet
 * may share its buffers with a retransmission queue (clones, refcnt > 1), so
 * such a packet is replaced by a private copy before the flip. Checksums the
 * device was asked to compute (TX offload flags) are computed in software
 * first, otherwise the device would checksum the corrupted bytes and the
 * peer would accept them.
 */
#include <errno.h>
#include <string.h>

#include <rte_common.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "lr_fault.h"
#include "lr_pkt.h"

#define ETH_HLEN      14
#define FAULT_DUP_MAX 64 /* duplicates created per call */

struct lr_fault_hold {
    uint16_t n;
    struct rte_mbuf *pkts[LR_FAULT_HOLD];
};

struct lr_fault {
    uint64_t rng;
    /* Probabilities as thresholds on a 32-bit draw: hit when draw < thr;
     * 0 never hits, 2^32 (100 %) always does. */
    uint64_t thr_drop;
    uint64_t thr_dup;
    uint64_t thr_reorder;
    uint64_t thr_corrupt;
    struct lr_fault_hold hold[2][LR_MAX_PORTS];
} __rte_cache_aligned;

/* splitmix64: turns (seed, worker id) into a well-mixed non-zero state. */
static uint64_t fault_seed_mix(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

/* xorshift64*, the upper 32 bits of the product are the draw. */
static inline uint32_t fault_rand32(struct lr_fault *f)
{
    uint64_t x = f->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    f->rng = x;
    return (uint32_t)((x * 0x2545F4914F6CDD1DULL) >> 32);
}

static inline bool fault_hit(struct lr_fault *f, uint64_t thr)
{
    /* Always draw, so one rate does not shift the decisions of the others. */
    uint32_t r = fault_rand32(f);
    return (uint64_t)r < thr;
}

static uint64_t fault_threshold(double pct)
{
    if (pct <= 0.0)
        return 0;
    if (pct >= 100.0)
        return UINT64_C(1) << 32;
    return (uint64_t)(pct / 100.0 * 4294967296.0);
}

int lr_fault_init(struct lr_worker *w, const struct lr_fault_config *cfg)
{
    const double rates[] = { cfg->drop, cfg->duplicate, cfg->reorder, cfg->corrupt };
    bool any = false;

    w->fault = NULL;
    for (unsigned i = 0; i < RTE_DIM(rates); i++) {
        /* !(x >= 0 && x <= 100) also rejects NaN. */
        if (!(rates[i] >= 0.0 && rates[i] <= 100.0))
            return -EINVAL;
        if (rates[i] > 0.0)
            any = true;
    }
    if (!any)
        return 0;

    struct lr_fault *f =
        rte_zmalloc_socket("lr_fault", sizeof(*f), RTE_CACHE_LINE_SIZE, (int)w->socket);
    if (f == NULL)
        f = rte_zmalloc_socket("lr_fault", sizeof(*f), RTE_CACHE_LINE_SIZE, SOCKET_ID_ANY);
    if (f == NULL)
        return -ENOMEM;
    f->rng = fault_seed_mix(cfg->seed ^ fault_seed_mix((uint64_t)w->id + 1));
    if (f->rng == 0)
        f->rng = 0x2545F4914F6CDD1DULL;
    f->thr_drop = fault_threshold(cfg->drop);
    f->thr_dup = fault_threshold(cfg->duplicate);
    f->thr_reorder = fault_threshold(cfg->reorder);
    f->thr_corrupt = fault_threshold(cfg->corrupt);
    w->fault = f;
    return 0;
}

void lr_fault_free(struct lr_worker *w)
{
    struct lr_fault *f = w->fault;

    if (f == NULL)
        return;
    for (unsigned d = 0; d < 2; d++)
        for (unsigned p = 0; p < LR_MAX_PORTS; p++)
            for (uint16_t i = 0; i < f->hold[d][p].n; i++)
                rte_pktmbuf_free(f->hold[d][p].pkts[i]);
    rte_free(f);
    w->fault = NULL;
}

/* Compute in software the checksums a TX packet asked the device for, so the
 * flip happens "on the wire", after them. False when that is not possible
 * (TSO, malformed offsets): the packet is then left alone. */
static bool fault_tx_cksum_now(struct rte_mbuf *m)
{
    uint64_t fl = m->ol_flags;

    if (fl & RTE_MBUF_F_TX_TCP_SEG)
        return false;
    if ((fl & (RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_L4_MASK)) == 0)
        return true;
    if (!(fl & RTE_MBUF_F_TX_IPV4) || m->l2_len + m->l3_len > rte_pktmbuf_data_len(m) ||
        m->l3_len < sizeof(struct rte_ipv4_hdr))
        return false;
    struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, m->l2_len);
    uint64_t l4 = fl & RTE_MBUF_F_TX_L4_MASK;
    if (l4 == RTE_MBUF_F_TX_TCP_CKSUM || l4 == RTE_MBUF_F_TX_UDP_CKSUM) {
        uint16_t off = l4 == RTE_MBUF_F_TX_TCP_CKSUM ? 16 : 6; /* checksum field */
        if ((uint32_t)m->l2_len + m->l3_len + off + 2 > m->pkt_len)
            return false;
        uint16_t *ck = rte_pktmbuf_mtod_offset(m, uint16_t *, m->l2_len + m->l3_len + off);
        if ((uint32_t)m->l2_len + m->l3_len + off + 2 > rte_pktmbuf_data_len(m))
            return false;
        *ck = 0;
        *ck = rte_ipv4_udptcp_cksum_mbuf(m, ip, m->l2_len + m->l3_len);
    } else if (l4 != 0) {
        return false; /* SCTP: not produced by the stack */
    }
    if (fl & RTE_MBUF_F_TX_IP_CKSUM) {
        ip->hdr_checksum = 0;
        ip->hdr_checksum = rte_ipv4_cksum(ip);
    }
    m->ol_flags &= ~(RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_L4_MASK);
    return true;
}

/* Flip one bit past the Ethernet header. Returns the packet to send (the
 * original, or a private copy when the original shares its data), or NULL
 * when the packet was left untouched. */
static struct rte_mbuf *fault_corrupt(struct lr_fault *f, enum lr_fault_dir dir, struct rte_mbuf *m)
{
    if (m->pkt_len <= ETH_HLEN)
        return NULL;

    bool shared = false;
    for (struct rte_mbuf *s = m; s != NULL; s = s->next)
        if (!RTE_MBUF_DIRECT(s) || rte_mbuf_refcnt_read(s) != 1)
            shared = true;
    struct rte_mbuf *c = m;
    if (shared) {
        c = rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX);
        if (c == NULL)
            return NULL;
    }
    if (dir == LR_FAULT_TX && !fault_tx_cksum_now(c)) {
        if (c != m)
            rte_pktmbuf_free(c);
        return NULL;
    }
    uint32_t off = ETH_HLEN + fault_rand32(f) % (c->pkt_len - ETH_HLEN);
    unsigned bit = fault_rand32(f) % 8;
    struct rte_mbuf *s = c;
    while (off >= s->data_len) {
        off -= s->data_len;
        s = s->next;
    }
    *rte_pktmbuf_mtod_offset(s, uint8_t *, off) ^= (uint8_t)(1u << bit);
    /* The "wire" damaged it before the NIC checked it: no verified-good flags. */
    if (dir == LR_FAULT_RX)
        c->ol_flags &= ~(RTE_MBUF_F_RX_IP_CKSUM_MASK | RTE_MBUF_F_RX_L4_CKSUM_MASK);
    if (c != m)
        rte_pktmbuf_free(m);
    return c;
}

uint16_t lr_fault_release(struct lr_worker *w, enum lr_fault_dir dir, uint16_t port,
                          struct rte_mbuf **pkts, uint16_t cap)
{
    struct lr_fault *f = w->fault;

    if (f == NULL || port >= LR_MAX_PORTS || (unsigned)dir > LR_FAULT_TX)
        return 0;
    struct lr_fault_hold *h = &f->hold[dir][port];
    uint16_t k = RTE_MIN(h->n, cap);
    memcpy(pkts, h->pkts, k * sizeof(pkts[0]));
    memmove(h->pkts, h->pkts + k, (h->n - k) * sizeof(h->pkts[0]));
    h->n -= k;
    return k;
}

uint16_t lr_fault_apply(struct lr_worker *w, enum lr_fault_dir dir, uint16_t port,
                        struct rte_mbuf **pkts, uint16_t n, uint16_t cap)
{
    struct lr_fault *f = w->fault;
    struct lr_fault_counters *fc = &w->stats.fault;
    struct rte_mbuf *dups[FAULT_DUP_MAX];
    uint16_t dpos[FAULT_DUP_MAX];
    uint16_t k = 0, nd = 0;

    if (f == NULL || port >= LR_MAX_PORTS || (unsigned)dir > LR_FAULT_TX)
        return n;
    if (cap < n)
        cap = n;
    struct lr_fault_hold *h = &f->hold[dir][port];
    uint16_t old_held = h->n; /* released at the end of this call */

    for (uint16_t i = 0; i < n; i++) {
        struct rte_mbuf *m = pkts[i];
        bool drop = fault_hit(f, f->thr_drop);
        bool corrupt = fault_hit(f, f->thr_corrupt);
        bool dup = fault_hit(f, f->thr_dup);
        bool reorder = fault_hit(f, f->thr_reorder);

        if (drop) {
            fc->dropped[dir]++;
            if (dir == LR_FAULT_RX)
                lr_pkt_drop(w, LR_DROP_ETH_FAULT, m);
            else
                rte_pktmbuf_free(m); /* lost on the wire: not a stack drop */
            continue;
        }
        if (corrupt) {
            struct rte_mbuf *c = fault_corrupt(f, dir, m);
            if (c != NULL) {
                m = c;
                fc->corrupted[dir]++;
            }
        }
        bool held = reorder && h->n < LR_FAULT_HOLD;
        /* Room check: every remaining input may be kept, plus the copies. */
        if (dup && nd < FAULT_DUP_MAX && (uint32_t)n + nd < cap) {
            struct rte_mbuf *c = rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX);
            if (c != NULL) {
                dups[nd] = c;
                dpos[nd] = (uint16_t)(k + !held); /* kept packets before the copy */
                nd++;
                fc->duplicated[dir]++;
            }
        }
        if (held) {
            h->pkts[h->n++] = m;
            fc->reordered[dir]++;
            continue;
        }
        pkts[k++] = m;
    }

    /* Merge the copies in from the back: copy d goes after dpos[d] kept packets. */
    uint16_t total = k + nd;
    int r = k - 1, d = nd - 1;
    for (int o = total - 1; d >= 0; o--) {
        if (dpos[d] == r + 1)
            pkts[o] = dups[d--];
        else
            pkts[o] = pkts[r--];
    }

    /* Release what was held by earlier calls, after this burst. */
    uint16_t rel = RTE_MIN(old_held, (uint16_t)(cap - total));
    if (rel > 0) {
        memcpy(pkts + total, h->pkts, rel * sizeof(pkts[0]));
        memmove(h->pkts, h->pkts + rel, (h->n - rel) * sizeof(h->pkts[0]));
        h->n -= rel;
        total += rel;
    }
    return total;
}

static int fault_module_init(struct lr_worker *w)
{
    return lr_fault_init(w, &w->cfg->fault);
}

const struct lr_module lr_fault_module = {
    .name = "fault",
    .init = fault_module_init,
    .fini = lr_fault_free,
};
