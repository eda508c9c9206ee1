/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 reassembly and output fragmentation (see lr_ip_frag.h for the design).
 *
 * Call chain:
 *   lr_ipv4_input_burst() -> lr_ipv4_reassemble() -> frag_insert()
 *        -> frag_complete() (datagram handed back to IPv4 input)
 *   timer wheel -> frag_expire() -> lr_icmp_send_error(time exceeded)
 *   L4 -> lr_ipv4_output_frag() -> rte_ipv4_fragment_packet() -> lr_ipv4_output()
 *
 * Data layout: flow records in one array, their fragment slots in another
 * (frag_max_entries per flow), a power-of-two bucket array of record indexes
 * chained through `hnext`, and an age list (oldest first; every flow has the
 * same lifetime so creation order is expiry order) used for eviction.
 */
#include <errno.h>
#include <string.h>

#include <rte_common.h>
#include <rte_ip.h>
#include <rte_ip_frag.h>
#include <rte_jhash.h>
#include <rte_malloc.h>

#include "lr_ip_frag.h"
#include "lr_net.h"
#include "lr_pkt.h"
#include "lr_telemetry.h"

#define NIL                UINT32_MAX
#define TOTAL_UNKNOWN      UINT32_MAX
#define ICMP_TIME_EXCEEDED 11     /* RFC 792 */
#define ICMP_TE_REASSEMBLY 1      /* "fragment reassembly time exceeded" */
#define IPV4_MAX_LEN       65535u /* RFC 791: total length is 16 bits */
#define FRAG_OUT_MAX       128    /* 65535 / (MTU 576 - 20) rounded up, with room */

enum frag_state {
    FLOW_FREE = 0,
    FLOW_ACTIVE,
    FLOW_DEAD, /* datagram discarded; record kept until timeout to drop stragglers */
};

struct frag_ent {
    uint16_t ofs; /* payload offset in bytes */
    uint16_t len; /* payload bytes */
    struct rte_mbuf *m;
};

struct frag_flow {
    struct lr_timer timer;
    rte_be32_t src;
    rte_be32_t dst;
    rte_be16_t id;
    uint8_t proto;
    uint8_t state;
    uint8_t dead_reason;   /* enum lr_drop_reason for stragglers of a dead flow */
    uint16_t nb;           /* fragments held */
    uint32_t total;        /* payload length once the last fragment arrived */
    uint32_t have;         /* payload bytes held */
    uint32_t hnext;        /* bucket chain */
    uint32_t older, newer; /* age list */
    struct frag_ent *ents;
};

struct lr_ip_frag_ctx {
    uint32_t max_flows;
    uint32_t max_ents;
    uint32_t max_held; /* mbufs held by the whole table */
    uint32_t bucket_mask;
    uint32_t seed;
    uint32_t free_head; /* free records chained through hnext */
    uint32_t oldest, newest;
    uint64_t timeout_us;
    uint32_t *buckets;
    struct frag_flow *flows;
    struct frag_ent *ents;
    struct lr_ip_frag_counters c;
};

static inline uint32_t flow_hash(const struct lr_ip_frag_ctx *f, rte_be32_t src, rte_be32_t dst,
                                 rte_be16_t id, uint8_t proto)
{
    return rte_jhash_3words(src, dst, ((uint32_t)id << 8) | proto, f->seed) & f->bucket_mask;
}

static void frag_expire(struct lr_worker *w, struct lr_timer *t);

int lr_ip_frag_init(struct lr_worker *w)
{
    const struct lr_ip_config *ic = &w->cfg->ip;
    struct lr_ip_frag_ctx *f;
    uint32_t nb_buckets;

    if (ic->frag_max_flows == 0 || ic->frag_max_entries < 2 || ic->frag_max_entries > 8192 ||
        ic->frag_max_flows > (1u << 24))
        return -EINVAL;
    f = rte_zmalloc_socket("lr_ip_frag", sizeof(*f), RTE_CACHE_LINE_SIZE, (int)w->socket);
    if (f == NULL)
        return -ENOMEM;
    f->max_flows = ic->frag_max_flows;
    f->max_ents = ic->frag_max_entries;
    /* Bound what the table may hold so a fragment flood cannot empty the pool. */
    f->max_held = w->cfg->worker.mbufs / 4;
    if (f->max_held < f->max_ents)
        f->max_held = f->max_ents;
    f->timeout_us = ic->frag_timeout;
    f->seed = (uint32_t)lr_worker_rand(w);
    nb_buckets = rte_align32pow2(f->max_flows * 2);
    f->bucket_mask = nb_buckets - 1;
    f->buckets =
        rte_malloc_socket("lr_ip_frag_b", sizeof(uint32_t) * nb_buckets, 0, (int)w->socket);
    f->flows = rte_zmalloc_socket("lr_ip_frag_f", sizeof(struct frag_flow) * f->max_flows,
                                  RTE_CACHE_LINE_SIZE, (int)w->socket);
    f->ents = rte_zmalloc_socket("lr_ip_frag_e",
                                 sizeof(struct frag_ent) * (size_t)f->max_flows * f->max_ents, 0,
                                 (int)w->socket);
    if (f->buckets == NULL || f->flows == NULL || f->ents == NULL) {
        rte_free(f->buckets);
        rte_free(f->flows);
        rte_free(f->ents);
        rte_free(f);
        return -ENOMEM;
    }
    for (uint32_t i = 0; i < nb_buckets; i++)
        f->buckets[i] = NIL;
    for (uint32_t i = 0; i < f->max_flows; i++) {
        struct frag_flow *fl = &f->flows[i];
        lr_timer_init(&fl->timer, frag_expire);
        fl->ents = &f->ents[(size_t)i * f->max_ents];
        fl->hnext = i + 1 < f->max_flows ? i + 1 : NIL;
    }
    f->free_head = 0;
    f->oldest = f->newest = NIL;
    w->frag = f;
    return 0;
}

/* Unlink a record from its bucket and the age list and return it to the free list. */
static void flow_release(struct lr_worker *w, struct frag_flow *fl)
{
    struct lr_ip_frag_ctx *f = w->frag;
    uint32_t idx = (uint32_t)(fl - f->flows);
    uint32_t *pp = &f->buckets[flow_hash(f, fl->src, fl->dst, fl->id, fl->proto)];

    while (*pp != NIL && *pp != idx)
        pp = &f->flows[*pp].hnext;
    if (*pp == idx)
        *pp = fl->hnext;
    if (fl->older != NIL)
        f->flows[fl->older].newer = fl->newer;
    else
        f->oldest = fl->newer;
    if (fl->newer != NIL)
        f->flows[fl->newer].older = fl->older;
    else
        f->newest = fl->older;
    lr_timer_cancel(&w->timers, &fl->timer);
    fl->state = FLOW_FREE;
    fl->nb = 0;
    fl->hnext = f->free_head;
    f->free_head = idx;
    f->c.flows_active--;
}

/* Drop every fragment a flow holds under @reason. */
static void flow_drop_frags(struct lr_worker *w, struct frag_flow *fl, enum lr_drop_reason reason)
{
    for (uint16_t i = 0; i < fl->nb; i++) {
        if (reason == LR_DROP_MAX)
            rte_pktmbuf_free(fl->ents[i].m);
        else
            lr_pkt_drop(w, reason, fl->ents[i].m);
    }
    w->frag->c.mbufs_held -= fl->nb;
    fl->nb = 0;
    fl->have = 0;
}

/* Discard the whole datagram; keep the record to drop its stragglers. */
static void flow_kill(struct lr_worker *w, struct frag_flow *fl, enum lr_drop_reason reason)
{
    flow_drop_frags(w, fl, reason);
    fl->state = FLOW_DEAD;
    fl->dead_reason = (uint8_t)reason;
    w->frag->c.discarded++;
}

static void flow_evict_oldest(struct lr_worker *w)
{
    struct lr_ip_frag_ctx *f = w->frag;
    struct frag_flow *fl = &f->flows[f->oldest];

    if (fl->state == FLOW_ACTIVE && fl->nb > 0)
        f->c.evicted++;
    flow_drop_frags(w, fl, LR_DROP_IP_FRAG_FULL);
    flow_release(w, fl);
}

static struct frag_flow *flow_lookup(struct lr_ip_frag_ctx *f, rte_be32_t src, rte_be32_t dst,
                                     rte_be16_t id, uint8_t proto)
{
    uint32_t i = f->buckets[flow_hash(f, src, dst, id, proto)];

    while (i != NIL) {
        struct frag_flow *fl = &f->flows[i];
        if (fl->src == src && fl->dst == dst && fl->id == id && fl->proto == proto)
            return fl;
        i = fl->hnext;
    }
    return NULL;
}

static struct frag_flow *flow_create(struct lr_worker *w, rte_be32_t src, rte_be32_t dst,
                                     rte_be16_t id, uint8_t proto)
{
    struct lr_ip_frag_ctx *f = w->frag;
    struct frag_flow *fl;
    uint32_t idx, b;

    if (f->free_head == NIL)
        flow_evict_oldest(w);
    idx = f->free_head;
    fl = &f->flows[idx];
    f->free_head = fl->hnext;
    fl->src = src;
    fl->dst = dst;
    fl->id = id;
    fl->proto = proto;
    fl->state = FLOW_ACTIVE;
    fl->nb = 0;
    fl->have = 0;
    fl->total = TOTAL_UNKNOWN;
    b = flow_hash(f, src, dst, id, proto);
    fl->hnext = f->buckets[b];
    f->buckets[b] = idx;
    fl->newer = NIL;
    fl->older = f->newest;
    if (f->newest != NIL)
        f->flows[f->newest].newer = idx;
    else
        f->oldest = idx;
    f->newest = idx;
    /* RFC 791 §3.2 / RFC 1122 §3.3.2: a fixed reassembly timeout per datagram. */
    lr_timer_arm(&w->timers, &fl->timer, w->now + f->timeout_us);
    f->c.flows_active++;
    return fl;
}

static void frag_expire(struct lr_worker *w, struct lr_timer *t)
{
    struct frag_flow *fl = container_of(t, struct frag_flow, timer);
    struct lr_ip_frag_ctx *f = w->frag;

    if (fl->state == FLOW_ACTIVE && fl->nb > 0) {
        f->c.timeouts++;
        /* RFC 792 / RFC 1122 §3.3.2: time exceeded (code 1) only when
         * fragment zero is available; it is quoted in the error. */
        if (fl->ents[0].ofs == 0) {
            f->c.time_exceeded++;
            lr_icmp_send_error(w, fl->ents[0].m, ICMP_TIME_EXCEEDED, ICMP_TE_REASSEMBLY, 0);
        }
    }
    flow_drop_frags(w, fl, LR_DROP_IP_FRAG_TIMEOUT);
    flow_release(w, fl);
}

/* Link the fragments (sorted, contiguous) behind fragment 0 and fix the header. */
static struct rte_mbuf *frag_complete(struct lr_worker *w, struct frag_flow *fl)
{
    struct rte_mbuf *head = fl->ents[0].m, *tail = rte_pktmbuf_lastseg(head);
    struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(head, struct rte_ipv4_hdr *);
    uint32_t total = fl->total;

    if (head->l3_len + total > IPV4_MAX_LEN) {
        /* RFC 791: a datagram cannot exceed 65535 octets with its header. */
        flow_kill(w, fl, LR_DROP_IP_FRAG_OVERSIZE);
        return NULL;
    }
    for (uint16_t i = 1; i < fl->nb; i++) {
        struct rte_mbuf *m = fl->ents[i].m;
        rte_pktmbuf_adj(m, m->l3_len);
        if (head->nb_segs + m->nb_segs > RTE_MBUF_MAX_NB_SEGS) {
            flow_kill(w, fl, LR_DROP_IP_FRAG_FULL);
            return NULL;
        }
        tail->next = m;
        head->nb_segs += m->nb_segs;
        head->pkt_len += m->pkt_len;
        tail = rte_pktmbuf_lastseg(m);
    }
    w->frag->c.mbufs_held -= fl->nb;
    fl->nb = 0;
    ip->total_length = rte_cpu_to_be_16((uint16_t)(head->l3_len + total));
    ip->fragment_offset &= rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
    ip->hdr_checksum = 0;
    ip->hdr_checksum = rte_ipv4_cksum(ip);
    /* The per-fragment L4 checksum flags say nothing about the datagram. */
    head->ol_flags &= ~RTE_MBUF_F_RX_L4_CKSUM_MASK;
    w->frag->c.reassembled++;
    flow_release(w, fl);
    return head;
}

struct rte_mbuf *lr_ipv4_reassemble(struct lr_worker *w, struct rte_mbuf *m)
{
    struct lr_ip_frag_ctx *f = w->frag;
    const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
    uint16_t fo = rte_be_to_cpu_16(ip->fragment_offset);
    uint32_t ofs = (uint32_t)(fo & RTE_IPV4_HDR_OFFSET_MASK) * RTE_IPV4_HDR_OFFSET_UNITS;
    bool mf = (fo & RTE_IPV4_HDR_MF_FLAG) != 0;
    uint32_t len = rte_be_to_cpu_16(ip->total_length) - m->l3_len;
    uint32_t end = ofs + len;
    struct frag_flow *fl;
    uint16_t i;

    if (unlikely(f == NULL)) {
        lr_pkt_drop(w, LR_DROP_IP_FRAG, m);
        return NULL;
    }
    f->c.frags_in++;
    /* RFC 791 §3.2: every fragment but the last carries a non-zero multiple
     * of 8 octets. */
    if (mf && (len == 0 || (len & 7) != 0)) {
        lr_pkt_drop(w, LR_DROP_IP_FRAG, m);
        return NULL;
    }
    fl = flow_lookup(f, ip->src_addr, ip->dst_addr, ip->packet_id, ip->next_proto_id);
    if (fl != NULL && fl->state == FLOW_DEAD) {
        lr_pkt_drop(w, (enum lr_drop_reason)fl->dead_reason, m);
        return NULL;
    }
    if (fl == NULL)
        fl = flow_create(w, ip->src_addr, ip->dst_addr, ip->packet_id, ip->next_proto_id);

    if (m->l3_len + end > IPV4_MAX_LEN) {
        lr_pkt_drop(w, LR_DROP_IP_FRAG_OVERSIZE, m);
        flow_kill(w, fl, LR_DROP_IP_FRAG_OVERSIZE);
        return NULL;
    }
    /* Consistency of the datagram's end (RFC 815: the last fragment fixes
     * the length; nothing may lie beyond it). */
    if (!mf) {
        bool bad = fl->total != TOTAL_UNKNOWN && fl->total != end;
        if (fl->nb > 0 && (uint32_t)fl->ents[fl->nb - 1].ofs + fl->ents[fl->nb - 1].len > end)
            bad = true;
        if (bad) {
            lr_pkt_drop(w, LR_DROP_IP_FRAG_OVERLAP, m);
            flow_kill(w, fl, LR_DROP_IP_FRAG_OVERLAP);
            return NULL;
        }
    } else if (fl->total != TOTAL_UNKNOWN && end >= fl->total) {
        lr_pkt_drop(w, LR_DROP_IP_FRAG_OVERLAP, m);
        flow_kill(w, fl, LR_DROP_IP_FRAG_OVERLAP);
        return NULL;
    }

    /* Position by offset; exact duplicates are harmless, overlaps are not. */
    for (i = 0; i < fl->nb && fl->ents[i].ofs < ofs; i++)
        ;
    if (i < fl->nb && fl->ents[i].ofs == ofs && fl->ents[i].len == len) {
        lr_pkt_drop(w, LR_DROP_IP_FRAG_DUP, m);
        return NULL;
    }
    if ((i > 0 && (uint32_t)fl->ents[i - 1].ofs + fl->ents[i - 1].len > ofs) ||
        (i < fl->nb && fl->ents[i].ofs < end) || (len == 0 && fl->nb > 0 && i < fl->nb)) {
        /* RFC 5722 (IPv6, applied here too): overlapping fragments discard
         * the whole datagram rather than guess which bytes are right. */
        lr_pkt_drop(w, LR_DROP_IP_FRAG_OVERLAP, m);
        flow_kill(w, fl, LR_DROP_IP_FRAG_OVERLAP);
        return NULL;
    }
    if (fl->nb == f->max_ents) {
        lr_pkt_drop(w, LR_DROP_IP_FRAG_FULL, m);
        flow_kill(w, fl, LR_DROP_IP_FRAG_FULL);
        return NULL;
    }
    /* Keep the table within its mbuf budget: evict older flows first. */
    while (f->c.mbufs_held >= f->max_held && f->oldest != NIL &&
           f->oldest != (uint32_t)(fl - f->flows))
        flow_evict_oldest(w);
    if (f->c.mbufs_held >= f->max_held) {
        lr_pkt_drop(w, LR_DROP_IP_FRAG_FULL, m);
        flow_kill(w, fl, LR_DROP_IP_FRAG_FULL);
        return NULL;
    }

    memmove(&fl->ents[i + 1], &fl->ents[i], (size_t)(fl->nb - i) * sizeof(fl->ents[0]));
    fl->ents[i].ofs = (uint16_t)ofs;
    fl->ents[i].len = (uint16_t)len;
    fl->ents[i].m = m;
    fl->nb++;
    fl->have += len;
    f->c.mbufs_held++;
    if (!mf)
        fl->total = end;
    /* No overlaps and everything inside [0, total): full coverage is exactly
     * have == total. */
    if (fl->total != TOTAL_UNKNOWN && fl->have == fl->total && fl->ents[0].ofs == 0)
        return frag_complete(w, fl);
    return NULL;
}

void lr_ip_frag_free(struct lr_worker *w)
{
    struct lr_ip_frag_ctx *f = w->frag;

    if (f == NULL)
        return;
    for (uint32_t i = 0; i < f->max_flows; i++) {
        struct frag_flow *fl = &f->flows[i];
        if (fl->state == FLOW_FREE)
            continue;
        flow_drop_frags(w, fl, LR_DROP_MAX);
        lr_timer_cancel(&w->timers, &fl->timer);
    }
    rte_free(f->buckets);
    rte_free(f->flows);
    rte_free(f->ents);
    rte_free(f);
    w->frag = NULL;
}

void lr_ipv4_output_frag(struct lr_worker *w, struct rte_mbuf *m)
{
    struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
    struct rte_mbuf *out[FRAG_OUT_MAX];
    rte_be32_t nexthop;
    int port = lr_ipv4_route(w, ip->dst_addr, &nexthop);
    int32_t n;

    if (port < 0 || m->pkt_len <= w->ports[port].mtu) {
        lr_ipv4_output(w, m); /* counts a missing route itself */
        return;
    }
    if (ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG)) {
        lr_pkt_drop(w, LR_DROP_IP_TOO_BIG, m);
        return;
    }
    m->l3_len = rte_ipv4_hdr_len(ip);
    /* RFC 791 §3.2: each fragment copies the header and carries a multiple
     * of 8 payload octets except the last; MF/offset set by the library. */
    n = rte_ipv4_fragment_packet(m, out, RTE_DIM(out), w->ports[port].mtu, w->pool, w->pool);
    if (n < 0) {
        lr_pkt_drop(w, n == -ENOMEM ? LR_DROP_ETH_NO_MBUF : LR_DROP_IP_TOO_BIG, m);
        return;
    }
    rte_pktmbuf_free(m); /* the fragments hold references to its data */
    for (int32_t i = 0; i < n; i++) {
        struct rte_ipv4_hdr *fip = rte_pktmbuf_mtod(out[i], struct rte_ipv4_hdr *);
        out[i]->l3_len = rte_ipv4_hdr_len(fip);
        out[i]->l2_len = 0;
        lr_ipv4_output(w, out[i]);
    }
    if (w->frag != NULL) {
        w->frag->c.fragmented++;
        w->frag->c.frags_out += (uint64_t)n;
    }
}

void lr_ip_frag_counters_add(const struct lr_worker *w, struct lr_ip_frag_counters *acc)
{
    const struct lr_ip_frag_ctx *f = w->frag;

    if (f == NULL)
        return;
    acc->frags_in += f->c.frags_in;
    acc->reassembled += f->c.reassembled;
    acc->timeouts += f->c.timeouts;
    acc->time_exceeded += f->c.time_exceeded;
    acc->discarded += f->c.discarded;
    acc->evicted += f->c.evicted;
    acc->frags_out += f->c.frags_out;
    acc->fragmented += f->c.fragmented;
    acc->flows_active += f->c.flows_active;
    acc->mbufs_held += f->c.mbufs_held;
}

/* Every counter of one worker by name: the module's walk hook
 * (/linerate/ipfrag, /linerate/stats, the final summary) and /linerate/ip. */
static void ip_frag_walk(const struct lr_worker *w, lr_module_counter_fn fn, void *arg)
{
    struct lr_ip_frag_counters c = { 0 };

    lr_ip_frag_counters_add(w, &c);
    fn(arg, "frags_in", c.frags_in);
    fn(arg, "reassembled", c.reassembled);
    fn(arg, "timeouts", c.timeouts);
    fn(arg, "time_exceeded", c.time_exceeded);
    fn(arg, "discarded", c.discarded);
    fn(arg, "evicted", c.evicted);
    fn(arg, "frags_out", c.frags_out);
    fn(arg, "fragmented", c.fragmented);
    fn(arg, "flows_active", c.flows_active);
    fn(arg, "mbufs_held", c.mbufs_held);
}

/* Telemetry: /linerate/ip, summed over workers on the telemetry thread. */
static int ip_frag_telemetry(const char *cmd __rte_unused, const char *params __rte_unused,
                             struct rte_tel_data *d)
{
    const struct lr_worker_set *ws = lr_telemetry_workers_get();
    struct lr_walk_sum sum;

    if (ws == NULL)
        return -EAGAIN;
    lr_walk_sum_init(&sum);
    for (uint16_t i = 0; i < ws->nb_workers; i++) {
        if (ws->workers[i] != NULL)
            lr_walk_sum_worker(&sum, ws->workers[i], ip_frag_walk);
    }
    lr_telemetry_workers_put();
    rte_tel_data_start_dict(d);
    for (unsigned k = 0; k < sum.n; k++)
        rte_tel_data_add_dict_u64(d, sum.name[k], sum.value[k]);
    return 0;
}

int lr_ip_frag_telemetry_register(void)
{
    return lr_telemetry_register(
        "ip", ip_frag_telemetry,
        "linerate IPv4 reassembly/fragmentation counters summed over workers. Takes no parameters");
}

const struct lr_module lr_ip_frag_module = {
    .name = "ipfrag",
    .after = LR_MODULE_AFTER("ip"),
    .init = lr_ip_frag_init,
    .fini = lr_ip_frag_free,
    .walk = ip_frag_walk,
    .gauges = LR_MODULE_GAUGES("flows_active", "mbufs_held"),
    .telemetry = lr_ip_frag_telemetry_register,
};
