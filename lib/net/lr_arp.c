/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ARP (RFC 826) for IPv4 over Ethernet: per-worker neighbour table, replies
 * for our own addresses, resolution with a bounded pending queue, aging,
 * static entries, gratuitous announcements (RFC 5227 §3) and a guard against
 * unsolicited replies rewriting entries.
 *
 * Call chain: lr_eth_input_burst() -> lr_arp_input();
 *             lr_ipv4_output() -> lr_arp_output() -> lr_eth_output().
 *
 * Table layout: a fixed array of entries (table_size dynamic entries plus the
 * static ones, allocated at init) and an open-addressed index of entry
 * numbers (linear probing, backward-shift deletion) with at least twice as
 * many slots, so probes stay short and entries never move (their timers
 * point into them). Each entry owns pending_max parking slots for packets
 * waiting for resolution. Nothing is allocated after init.
 *
 * Entry life:
 *   (none) --output--> INCOMPLETE: request sent, timer at now + retry;
 *       on timer: another request (at most one per retry interval) until
 *       `retries` requests went unanswered, then the entry and its parked
 *       packets are dropped (ARP_UNRESOLVED).
 *   INCOMPLETE --reply/request from it--> REACHABLE: parked packets flushed
 *       in order; timer at now + timeout (aging), refreshed by later
 *       confirmations from the same MAC.
 *   REACHABLE --timer--> (none) (counted in stats.arp.expired).
 *   STATIC: from [portN] arp = ..., never expires, never changes.
 *
 * Several workers: each keeps its own replica of the table (no locks), but
 * ARP frames arrive at one worker only (RSS does not spread them), while the
 * worker that asked may be another one. So the worker that receives an ARP
 * frame which may teach something (addressed to us, or a reply, or any
 * request when the guard is off) first hands a copy of it to every other
 * worker through its SP/SC inbox ring, marked with the "lr_arp_sync" mbuf
 * dynamic flag (which no NIC sets). A worker processing such a copy applies
 * exactly the same merge rules against its own replica (so a reply solicited
 * by it resolves its entry there) but never answers it and counts nothing:
 * the receiving worker already did.
 */
#include <errno.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_ether.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_ring.h>

#include "lr_net.h"
#include "lr_net_priv.h"
#include "lr_pkt.h"

enum lr_arp_state {
    LR_ARP_FREE = 0,
    LR_ARP_INCOMPLETE,
    LR_ARP_REACHABLE,
    LR_ARP_STATIC,
};

struct lr_arp_entry {
    struct lr_timer timer; /* retry while INCOMPLETE, aging while REACHABLE */
    rte_be32_t ip;
    uint16_t port;
    uint8_t state; /* enum lr_arp_state */
    uint8_t tries; /* requests sent while INCOMPLETE */
    struct rte_ether_addr mac;
    uint16_t npending;
    uint32_t next_free;        /* free list link when FREE */
    struct rte_mbuf **pending; /* pending_max slots */
};

struct lr_arp_table {
    uint32_t nb_entries; /* dynamic capacity + static entries */
    uint32_t dyn_max;    /* [arp] table_size */
    uint32_t dyn_used;   /* INCOMPLETE + REACHABLE entries */
    uint32_t pending_max;
    uint32_t slot_mask; /* index slots - 1 (power of two) */
    uint32_t free_head; /* LR_ARP_NONE when empty */
    uint32_t *slots;    /* entry number + 1; 0 = empty slot */
    struct lr_arp_entry *entries;
    struct rte_mbuf **pending_store;
    uint64_t sync_flag; /* ol_flags bit marking a copy from another worker */
};

#define LR_ARP_NONE    UINT32_MAX
#define LR_ARP_HDR_LEN ((uint16_t)sizeof(struct rte_arp_hdr)) /* 28 for IPv4 over Ethernet */

static const struct rte_ether_addr lr_arp_zero_mac;
static const struct rte_ether_addr lr_arp_bcast_mac = {
    .addr_bytes = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
};

/* --- index ----------------------------------------------------------------- */

static inline uint32_t arp_home(const struct lr_arp_table *t, uint16_t port, rte_be32_t ip)
{
    uint32_t k = (uint32_t)ip ^ ((uint32_t)port * 0x85ebca6bu);
    k *= 0x9e3779b1u; /* Fibonacci hashing: the high bits are well mixed */
    return (k ^ (k >> 16)) & t->slot_mask;
}

/* Slot of (port, ip), or LR_ARP_NONE. */
static uint32_t arp_slot_find(const struct lr_arp_table *t, uint16_t port, rte_be32_t ip)
{
    for (uint32_t i = arp_home(t, port, ip), n = 0; n <= t->slot_mask;
         i = (i + 1) & t->slot_mask, n++) {
        uint32_t v = t->slots[i];
        if (v == 0)
            return LR_ARP_NONE;
        const struct lr_arp_entry *e = &t->entries[v - 1];
        if (e->ip == ip && e->port == port)
            return i;
    }
    return LR_ARP_NONE;
}

static struct lr_arp_entry *arp_find(const struct lr_arp_table *t, uint16_t port, rte_be32_t ip)
{
    uint32_t s = arp_slot_find(t, port, ip);
    return s == LR_ARP_NONE ? NULL : &t->entries[t->slots[s] - 1];
}

/* Take a free entry for (port, ip), not yet present. NULL when none is left. */
static struct lr_arp_entry *arp_insert(struct lr_arp_table *t, uint16_t port, rte_be32_t ip,
                                       uint8_t state)
{
    if (t->free_head == LR_ARP_NONE)
        return NULL;
    uint32_t idx = t->free_head;
    struct lr_arp_entry *e = &t->entries[idx];
    t->free_head = e->next_free;

    uint32_t i = arp_home(t, port, ip);
    while (t->slots[i] != 0) /* slots outnumber entries: terminates */
        i = (i + 1) & t->slot_mask;
    t->slots[i] = idx + 1;

    e->ip = ip;
    e->port = port;
    e->state = state;
    e->tries = 0;
    e->npending = 0;
    e->mac = lr_arp_zero_mac;
    if (state != LR_ARP_STATIC)
        t->dyn_used++;
    return e;
}

/* Remove @e from the index (backward-shift deletion keeps probe chains intact). */
static void arp_unindex(struct lr_arp_table *t, struct lr_arp_entry *e)
{
    uint32_t i = arp_slot_find(t, e->port, e->ip);
    if (i == LR_ARP_NONE)
        return;
    t->slots[i] = 0;
    for (uint32_t j = (i + 1) & t->slot_mask; t->slots[j] != 0; j = (j + 1) & t->slot_mask) {
        const struct lr_arp_entry *o = &t->entries[t->slots[j] - 1];
        uint32_t k = arp_home(t, o->port, o->ip);
        /* Leave o where it is if its home lies cyclically in (i, j]. */
        bool stays = (i <= j) ? (i < k && k <= j) : (i < k || k <= j);
        if (stays)
            continue;
        t->slots[i] = t->slots[j];
        t->slots[j] = 0;
        i = j;
    }
}

/* Free @e, dropping its parked packets with @reason. */
static void arp_entry_release(struct lr_worker *w, struct lr_arp_entry *e,
                              enum lr_drop_reason reason)
{
    struct lr_arp_table *t = w->arp;

    lr_timer_cancel(&w->timers, &e->timer);
    for (uint16_t i = 0; i < e->npending; i++)
        lr_pkt_drop(w, reason, e->pending[i]);
    e->npending = 0;
    arp_unindex(t, e);
    if (e->state != LR_ARP_STATIC)
        t->dyn_used--;
    e->state = LR_ARP_FREE;
    e->next_free = t->free_head;
    t->free_head = (uint32_t)(e - t->entries);
}

/* --- frames ------------------------------------------------------------------ */

static void arp_hdr_fill(struct rte_arp_hdr *a, uint16_t op, const struct rte_ether_addr *sha,
                         rte_be32_t sip, const struct rte_ether_addr *tha, rte_be32_t tip)
{
    a->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
    a->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
    a->arp_hlen = RTE_ETHER_ADDR_LEN;
    a->arp_plen = sizeof(rte_be32_t);
    a->arp_opcode = rte_cpu_to_be_16(op);
    a->arp_data.arp_sha = *sha;
    a->arp_data.arp_sip = sip;
    a->arp_data.arp_tha = *tha;
    a->arp_data.arp_tip = tip;
}

/* Broadcast an ARP request for @tip from @sip on @port. 0 or -ENOBUFS. */
static int arp_send_request(struct lr_worker *w, uint16_t port, rte_be32_t sip, rte_be32_t tip)
{
    struct rte_mbuf *m = lr_pkt_alloc(w);
    if (m == NULL)
        return -ENOBUFS;
    struct rte_arp_hdr *a = (struct rte_arp_hdr *)rte_pktmbuf_append(m, LR_ARP_HDR_LEN);
    if (a == NULL) {
        lr_pkt_drop(w, LR_DROP_ETH_NO_MBUF, m);
        return -ENOBUFS;
    }
    /* RFC 826: target hardware address is unknown, sent as zero (RFC 5227 §2.1.1). */
    arp_hdr_fill(a, RTE_ARP_OP_REQUEST, &w->ports[port].mac, sip, &lr_arp_zero_mac, tip);
    w->stats.proto[LR_PROTO_ARP].tx_pkts++;
    w->stats.proto[LR_PROTO_ARP].tx_bytes += LR_ARP_HDR_LEN;
    lr_eth_output(w, port, m, &lr_arp_bcast_mac, RTE_ETHER_TYPE_ARP);
    return 0;
}

/* --- timers ------------------------------------------------------------------ */

static uint32_t arp_max_requests(const struct lr_worker *w)
{
    return RTE_MAX(w->cfg->arp.retries, 1u);
}

static void arp_timer_fire(struct lr_worker *w, struct lr_timer *t)
{
    struct lr_arp_entry *e = container_of(t, struct lr_arp_entry, timer);

    if (e->state == LR_ARP_REACHABLE) {
        w->stats.arp.expired++;
        arp_entry_release(w, e, LR_DROP_ARP_UNRESOLVED);
        return;
    }
    if (e->state != LR_ARP_INCOMPLETE)
        return;
    if (e->tries >= arp_max_requests(w)) {
        /* Nobody answered: give up and drop what waited (RFC 1122 §2.3.2.2). */
        arp_entry_release(w, e, LR_DROP_ARP_UNRESOLVED);
        return;
    }
    if (arp_send_request(w, e->port, w->ports[e->port].addr, e->ip) == 0)
        w->stats.arp.tx_requests++;
    e->tries++; /* a failed allocation still uses up the attempt: bounded */
    lr_timer_arm(&w->timers, &e->timer, w->now + w->cfg->arp.retry);
}

/* A confirmation of @e's MAC arrived: become REACHABLE and release parked packets in order. */
static void arp_entry_confirm(struct lr_worker *w, struct lr_arp_entry *e,
                              const struct rte_ether_addr *mac)
{
    bool was_incomplete = e->state == LR_ARP_INCOMPLETE;

    e->mac = *mac;
    e->state = LR_ARP_REACHABLE;
    e->tries = 0;
    lr_timer_arm(&w->timers, &e->timer, w->now + w->cfg->arp.timeout);
    if (!was_incomplete)
        return;
    w->stats.arp.resolved++;
    uint16_t n = e->npending;
    e->npending = 0;
    for (uint16_t i = 0; i < n; i++)
        lr_eth_output(w, e->port, e->pending[i], &e->mac, RTE_ETHER_TYPE_IPV4);
}

/* --- init / free ------------------------------------------------------------- */

int lr_arp_init(struct lr_worker *w)
{
    const struct lr_config *cfg = w->cfg;
    uint32_t nstatic = 0;

    for (uint16_t p = 0; p < w->nb_ports && p < LR_MAX_PORTS; p++)
        if (cfg->port[p].present)
            nstatic += RTE_MIN(cfg->port[p].nb_static_arp, (uint16_t)LR_MAX_STATIC_ARP);
    if (cfg->arp.table_size == 0 || cfg->arp.table_size > (1u << 24) ||
        cfg->arp.pending_max > UINT16_MAX)
        return -EINVAL;

    int socket = (int)w->socket;
    struct lr_arp_table *t = rte_zmalloc_socket("lr_arp", sizeof(*t), RTE_CACHE_LINE_SIZE, socket);
    if (t == NULL)
        return -ENOMEM;
    t->dyn_max = cfg->arp.table_size;
    t->nb_entries = cfg->arp.table_size + nstatic;
    t->pending_max = cfg->arp.pending_max;
    uint32_t nslots = rte_align32pow2(RTE_MAX(t->nb_entries * 2, 16u));
    t->slot_mask = nslots - 1;
    t->slots =
        rte_zmalloc_socket("lr_arp_slots", nslots * sizeof(uint32_t), RTE_CACHE_LINE_SIZE, socket);
    t->entries = rte_zmalloc_socket("lr_arp_entries", t->nb_entries * sizeof(*t->entries),
                                    RTE_CACHE_LINE_SIZE, socket);
    if (t->pending_max > 0)
        t->pending_store = rte_zmalloc_socket(
            "lr_arp_pending", (size_t)t->nb_entries * t->pending_max * sizeof(struct rte_mbuf *),
            RTE_CACHE_LINE_SIZE, socket);
    if (t->slots == NULL || t->entries == NULL ||
        (t->pending_max > 0 && t->pending_store == NULL)) {
        rte_free(t->pending_store);
        rte_free(t->entries);
        rte_free(t->slots);
        rte_free(t);
        return -ENOMEM;
    }
    for (uint32_t i = 0; i < t->nb_entries; i++) {
        struct lr_arp_entry *e = &t->entries[i];
        lr_timer_init(&e->timer, arp_timer_fire);
        e->pending = t->pending_store ? t->pending_store + (size_t)i * t->pending_max : NULL;
        e->next_free = i + 1 < t->nb_entries ? i + 1 : LR_ARP_NONE;
    }
    t->free_head = 0;
    /* Registered even for one worker: idempotent, the same bit everywhere. */
    static const struct rte_mbuf_dynflag sync = { .name = "lr_arp_sync" };
    int bit = rte_mbuf_dynflag_register(&sync);
    if (bit < 0) {
        rte_free(t->pending_store);
        rte_free(t->entries);
        rte_free(t->slots);
        rte_free(t);
        return -ENOSPC;
    }
    t->sync_flag = UINT64_C(1) << bit;
    w->arp = t;

    /* Static entries: installed once, never aged, never rewritten by input. */
    for (uint16_t p = 0; p < w->nb_ports && p < LR_MAX_PORTS; p++) {
        const struct lr_port_config *pc = &cfg->port[p];
        if (!pc->present)
            continue;
        for (uint16_t i = 0; i < pc->nb_static_arp && i < LR_MAX_STATIC_ARP; i++) {
            const struct lr_static_arp *s = &pc->static_arp[i];
            struct lr_arp_entry *e = arp_find(t, p, s->ip);
            if (e == NULL)
                e = arp_insert(t, p, s->ip, LR_ARP_STATIC);
            if (e == NULL)
                break; /* cannot happen: entries were counted above */
            e->mac = s->mac;
        }
    }
    return 0;
}

void lr_arp_free(struct lr_worker *w)
{
    struct lr_arp_table *t = w->arp;
    if (t == NULL)
        return;
    for (uint32_t i = 0; i < t->nb_entries; i++) {
        struct lr_arp_entry *e = &t->entries[i];
        lr_timer_cancel(&w->timers, &e->timer);
        for (uint16_t k = 0; k < e->npending; k++)
            lr_pkt_drop(w, LR_DROP_ETH_SHUTDOWN, e->pending[k]);
        e->npending = 0;
    }
    rte_free(t->pending_store);
    rte_free(t->entries);
    rte_free(t->slots);
    rte_free(t);
    w->arp = NULL;
}

void lr_arp_announce(struct lr_worker *w)
{
    if (!w->cfg->arp.gratuitous)
        return;
    for (uint16_t p = 0; p < w->nb_ports; p++) {
        const struct lr_port *port = &w->ports[p];
        if (port->addr == 0)
            continue;
        /* RFC 5227 §3: an ARP Request with sender and target IP both our address. */
        if (arp_send_request(w, p, port->addr, port->addr) == 0)
            w->stats.arp.tx_gratuitous++;
    }
}

/* --- input ------------------------------------------------------------------- */

uint64_t lr_arp_sync_flag(const struct lr_worker *w)
{
    return w->arp != NULL ? w->arp->sync_flag : 0;
}

/*
 * Hand a copy of the ARP frame @a received on @port to every other worker's
 * inbox (see the top of the file). Returns how many copies were queued.
 */
static unsigned arp_sync_out(struct lr_worker *w, uint16_t port, const struct rte_arp_hdr *a)
{
    const uint64_t flag = w->arp->sync_flag;
    unsigned sent = 0;

    for (uint16_t j = 0; j < w->nb_workers && j < LR_MAX_WORKERS; j++) {
        if (j == w->id || w->ring_to[j] == NULL)
            continue;
        struct rte_mbuf *c = lr_pkt_alloc(w);
        if (c == NULL)
            break;
        uint8_t *d =
            (uint8_t *)rte_pktmbuf_append(c, sizeof(struct rte_ether_hdr) + LR_ARP_HDR_LEN);
        if (d == NULL) {
            lr_pkt_drop(w, LR_DROP_ETH_NO_MBUF, c);
            break;
        }
        struct rte_ether_hdr *eh = (struct rte_ether_hdr *)d;
        eh->dst_addr = w->ports[port].mac;
        eh->src_addr = a->arp_data.arp_sha;
        eh->ether_type = RTE_BE16(RTE_ETHER_TYPE_ARP);
        memcpy(eh + 1, a, LR_ARP_HDR_LEN);
        c->port = port;
        c->ol_flags |= flag;
        if (rte_ring_sp_enqueue(w->ring_to[j], c) != 0) {
            lr_pkt_drop(w, LR_DROP_ETH_HANDOVER_FULL, c);
            continue;
        }
        w->stats.handed_over++;
        sent++;
    }
    return sent;
}

/* A replica copy is only ever freed: its drop was counted where it arrived. */
static inline void arp_drop(struct lr_worker *w, bool replica, enum lr_drop_reason reason,
                            struct rte_mbuf *m)
{
    if (replica)
        rte_pktmbuf_free(m);
    else
        lr_pkt_drop(w, reason, m);
}

/* Answer a request for our address, reusing @m (RFC 826 "swap fields"). */
static void arp_reply(struct lr_worker *w, struct rte_mbuf *m, struct rte_arp_hdr *a)
{
    const struct lr_port *p = &w->ports[m->port];
    struct rte_ether_addr dst = a->arp_data.arp_sha;
    rte_be32_t tip = a->arp_data.arp_sip; /* 0 for an RFC 5227 probe, as Linux does */

    if (m->pkt_len > LR_ARP_HDR_LEN)
        rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len - LR_ARP_HDR_LEN));
    m->ol_flags = 0;
    arp_hdr_fill(a, RTE_ARP_OP_REPLY, &p->mac, p->addr, &dst, tip);
    w->stats.arp.tx_replies++;
    w->stats.proto[LR_PROTO_ARP].tx_pkts++;
    w->stats.proto[LR_PROTO_ARP].tx_bytes += LR_ARP_HDR_LEN;
    lr_eth_output(w, m->port, m, &dst, RTE_ETHER_TYPE_ARP);
}

void lr_arp_input(struct lr_worker *w, struct rte_mbuf *m)
{
    struct lr_arp_table *t = w->arp;
    struct lr_proto_counters *pc = &w->stats.proto[LR_PROTO_ARP];
    const bool replica = t->sync_flag != 0 && (m->ol_flags & t->sync_flag) != 0;

    if (!replica) {
        pc->rx_pkts++;
        pc->rx_bytes += m->pkt_len;
    }
    if (unlikely(rte_pktmbuf_data_len(m) < LR_ARP_HDR_LEN || m->port >= w->nb_ports)) {
        arp_drop(w, replica, LR_DROP_ARP_MALFORMED, m);
        return;
    }
    struct rte_arp_hdr *a = rte_pktmbuf_mtod(m, struct rte_arp_hdr *);
    if (a->arp_hardware != RTE_BE16(RTE_ARP_HRD_ETHER) ||
        a->arp_protocol != RTE_BE16(RTE_ETHER_TYPE_IPV4) || a->arp_hlen != RTE_ETHER_ADDR_LEN ||
        a->arp_plen != sizeof(rte_be32_t)) {
        arp_drop(w, replica, LR_DROP_ARP_MALFORMED, m);
        return;
    }
    uint16_t op = rte_be_to_cpu_16(a->arp_opcode);
    if (op != RTE_ARP_OP_REQUEST && op != RTE_ARP_OP_REPLY) {
        arp_drop(w, replica, LR_DROP_ARP_OP, m);
        return;
    }
    bool request = op == RTE_ARP_OP_REQUEST;
    if (!replica) {
        if (request)
            w->stats.arp.rx_requests++;
        else
            w->stats.arp.rx_replies++;
    }

    uint16_t port = m->port;
    const struct lr_port *p = &w->ports[port];
    const struct rte_ether_addr sha = a->arp_data.arp_sha;
    rte_be32_t sip = a->arp_data.arp_sip;
    rte_be32_t tip = a->arp_data.arp_tip;
    bool for_us = p->addr != 0 && tip == p->addr;
    bool guard = w->cfg->arp.spoof_guard;

    /* RFC 1812 §3.3.2: never believe a multicast/broadcast (or null) hardware address. */
    if (!rte_is_valid_assigned_ether_addr(&sha)) {
        arp_drop(w, replica, LR_DROP_ARP_BAD_SENDER, m);
        return;
    }
    if (sip == 0) {
        /* RFC 5227 §2.1.1: an ARP probe; answer it if it asks for our address, learn nothing. */
        if (request && for_us && !replica)
            arp_reply(w, m, a);
        else
            arp_drop(w, replica, request ? LR_DROP_ARP_NOT_US : LR_DROP_ARP_BAD_SENDER, m);
        return;
    }
    if (lr_ipv4_addr_is_martian_src(w, port, sip) || lr_ipv4_is_local(w, sip)) {
        /* A broadcast/multicast sender, or someone claiming our address (RFC 5227 §2.4 conflict). */
        arp_drop(w, replica, LR_DROP_ARP_BAD_SENDER, m);
        return;
    }

    /* Other workers' replicas learn from the same frame (see the top of the file). */
    unsigned shared = 0;
    if (!replica && w->nb_workers > 1 && (for_us || !request || !guard))
        shared = arp_sync_out(w, port, a);

    /* RFC 826 merge: update the sender's entry if we have one. */
    struct lr_arp_entry *e = arp_find(t, port, sip);
    if (e != NULL) {
        switch (e->state) {
        case LR_ARP_STATIC:
            break; /* configured: input never changes it */
        case LR_ARP_INCOMPLETE:
            arp_entry_confirm(w, e, &sha); /* we asked: solicited */
            break;
        case LR_ARP_REACHABLE:
            if (rte_is_same_ether_addr(&e->mac, &sha)) {
                arp_entry_confirm(w, e, &sha); /* refresh the age */
            } else if (!guard || (request && for_us)) {
                arp_entry_confirm(w, e, &sha); /* RFC 826: the sender's new address wins */
            } else if (!request) {
                /* Unsolicited reply rewriting a known neighbour: the spoofing pattern. */
                arp_drop(w, replica, LR_DROP_ARP_SPOOF, m);
                return;
            }
            break;
        default:
            break;
        }
    } else if (for_us) {
        /* RFC 826: add the sender when we are the target. With the guard on, an
         * unsolicited reply is never learned (nobody here asked for it); when
         * it went to other workers, one of them may have, so it was used. */
        if (!request && guard) {
            if (shared > 0)
                rte_pktmbuf_free(m);
            else
                arp_drop(w, replica, LR_DROP_ARP_SPOOF, m);
            return;
        }
        e = t->dyn_used < t->dyn_max ? arp_insert(t, port, sip, LR_ARP_REACHABLE) : NULL;
        if (e != NULL)
            arp_entry_confirm(w, e, &sha);
        /* A full table only means we do not learn; the request is still answered. */
    }

    if (!for_us) {
        arp_drop(w, replica, LR_DROP_ARP_NOT_US, m);
        return;
    }
    if (request && !replica)
        arp_reply(w, m, a);
    else
        rte_pktmbuf_free(m); /* a reply, or a replica's copy: consumed */
}

/* --- output ------------------------------------------------------------------ */

int lr_arp_lookup(struct lr_worker *w, uint16_t port, rte_be32_t ip, struct rte_ether_addr *mac)
{
    const struct lr_arp_entry *e = w->arp ? arp_find(w->arp, port, ip) : NULL;
    if (e == NULL || (e->state != LR_ARP_REACHABLE && e->state != LR_ARP_STATIC))
        return -ENOENT;
    if (mac != NULL)
        *mac = e->mac;
    return 0;
}

/*
 * The table is full and we must resolve a new neighbour: give up the
 * REACHABLE entry confirmed longest ago (its aging timer expires first).
 * Otherwise a burst of requests from many addresses (each one learned,
 * RFC 826) could keep us from talking to anyone new until they age out.
 * Entries being resolved and static entries are never evicted. O(table) but
 * only on this rare path.
 */
static void arp_evict_oldest(struct lr_worker *w)
{
    struct lr_arp_table *t = w->arp;
    struct lr_arp_entry *victim = NULL;

    for (uint32_t i = 0; i < t->nb_entries; i++) {
        struct lr_arp_entry *e = &t->entries[i];
        if (e->state == LR_ARP_REACHABLE &&
            (victim == NULL || e->timer.expire < victim->timer.expire))
            victim = e;
    }
    if (victim != NULL)
        arp_entry_release(w, victim, LR_DROP_ARP_UNRESOLVED);
}

void lr_arp_output(struct lr_worker *w, uint16_t port, rte_be32_t nexthop, struct rte_mbuf *m)
{
    struct lr_arp_table *t = w->arp;

    if (unlikely(port >= w->nb_ports || w->ports[port].addr == 0)) {
        lr_pkt_drop(w, LR_DROP_IP_NO_ROUTE, m);
        return;
    }
    if (unlikely(lr_ipv4_addr_is_bcast(w, port, nexthop))) {
        lr_eth_output(w, port, m, &lr_arp_bcast_mac, RTE_ETHER_TYPE_IPV4);
        return;
    }
    uint32_t h = rte_be_to_cpu_32(nexthop);
    if (unlikely((h & 0xf0000000u) == 0xe0000000u)) {
        /* RFC 1112 §6.4: 01:00:5e + the low 23 bits of the group address. */
        struct rte_ether_addr mc = {
            .addr_bytes = { 0x01, 0x00, 0x5e, (uint8_t)((h >> 16) & 0x7f), (uint8_t)(h >> 8),
                            (uint8_t)h },
        };
        lr_eth_output(w, port, m, &mc, RTE_ETHER_TYPE_IPV4);
        return;
    }

    struct lr_arp_entry *e = arp_find(t, port, nexthop);
    if (likely(e != NULL && (e->state == LR_ARP_REACHABLE || e->state == LR_ARP_STATIC))) {
        lr_eth_output(w, port, m, &e->mac, RTE_ETHER_TYPE_IPV4);
        return;
    }
    if (e == NULL) {
        if (t->dyn_used >= t->dyn_max)
            arp_evict_oldest(w);
        if (t->dyn_used >= t->dyn_max ||
            (e = arp_insert(t, port, nexthop, LR_ARP_INCOMPLETE)) == NULL) {
            lr_pkt_drop(w, LR_DROP_ARP_TABLE_FULL, m);
            return;
        }
        if (arp_send_request(w, port, w->ports[port].addr, nexthop) == 0)
            w->stats.arp.tx_requests++;
        e->tries = 1;
        /* RFC 1122 §2.3.2.1: at most one request per retry interval per address. */
        lr_timer_arm(&w->timers, &e->timer, w->now + w->cfg->arp.retry);
    }
    /* RFC 1122 §2.3.2.2: keep (a bounded number of) packets while resolving. */
    if (e->npending >= t->pending_max) {
        lr_pkt_drop(w, LR_DROP_ARP_PENDING_FULL, m);
        return;
    }
    e->pending[e->npending++] = m;
    w->stats.arp.queued++;
}

const struct lr_module lr_arp_module = {
    .name = "arp",
    .after = LR_MODULE_AFTER("fault"),
    .init = lr_arp_init,
    .fini = lr_arp_free,
};
