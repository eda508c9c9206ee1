/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP connection pool, connection table, listeners and the public API calls
 * that are not on the input path.
 *
 * Pool: max_conns connections preallocated on the worker's socket, a free
 * list threaded through free_next (index + 1). Table: rte_hash keyed by
 * struct lr_tcp_key with the connection pointer as data (bulk lookups in
 * lr_tcp_input.c); the extendable bucket table guarantees that every one of
 * the max_conns connections can be inserted.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_malloc.h>
#include <rte_mbuf_dyn.h>

#include "lr_flow.h"
#include "lr_log.h"
#include "lr_net.h"
#include "lr_crash.h"
#include "lr_pkt.h"
#include "lr_tcp_priv.h"

/* Process-wide ISN / cookie secret, written once by lr_tcp_global_init()
 * before workers start and read-only afterwards (see lr_tcp.h). */
static struct lr_tcp_secret lr_tcp_global_secret;
static bool lr_tcp_global_secret_set;

static const char *const lr_tcp_state_names[] = {
#define LR_X_NAME(e, n) n,
    LR_TCP_STATES(LR_X_NAME)
#undef LR_X_NAME
};

const char *lr_tcp_state_name(enum lr_tcp_state s)
{
    return (unsigned)s < LR_TCP_STATE_MAX ? lr_tcp_state_names[s] : "?";
}

const char *lr_tcp_close_reason_name(enum lr_tcp_close_reason r)
{
    switch (r) {
    case LR_TCP_CLOSE_NORMAL:
        return "normal";
    case LR_TCP_CLOSE_RESET:
        return "reset";
    case LR_TCP_CLOSE_TIMEOUT:
        return "timeout";
    case LR_TCP_CLOSE_REFUSED:
        return "refused";
    case LR_TCP_CLOSE_ABORTED:
        return "aborted";
    case LR_TCP_CLOSE_SHUTDOWN:
        return "shutdown";
    }
    return "?";
}

int lr_tcp_global_init(void)
{
    int rc = lr_tcp_secret_init(&lr_tcp_global_secret);
    if (rc == 0)
        lr_tcp_global_secret_set = true;
    return rc;
}

/* --- engine entry bracket and deferred free ------------------------------ */

static void tcp_conn_free_now(struct lr_worker *w, struct lr_tcp_conn *c)
{
    struct lr_tcp_ctx *t = w->tcp;
    lr_tcp_sndq_free(c);
    struct rte_mbuf *m = c->ooo_head;
    while (m != NULL) {
        struct rte_mbuf *nx = lr_tcp_ooo(t, m)->next;
        rte_pktmbuf_free(m);
        m = nx;
    }
    c->ooo_head = NULL;
    c->free_next = t->free_head;
    t->free_head = lr_tcp_conn_idx(t, c) + 1;
    t->nb_free++;
    t->cnt.active--;
    t->cnt.closed++;
}

void lr_tcp_reap(struct lr_worker *w)
{
    struct lr_tcp_ctx *t = w->tcp;
    if (t->busy > 0)
        return;
    while (t->reap_head != 0) {
        struct lr_tcp_conn *c = &t->conns[t->reap_head - 1];
        t->reap_head = c->free_next;
        tcp_conn_free_now(w, c);
    }
}

/* The crash report reads a connection through struct lr_crash_conn. */
_Static_assert(offsetof(struct lr_tcp_conn, key.raddr) == offsetof(struct lr_crash_conn, raddr) &&
                   offsetof(struct lr_tcp_conn, key.lport) ==
                       offsetof(struct lr_crash_conn, lport) &&
                   offsetof(struct lr_tcp_conn, state) == offsetof(struct lr_crash_conn, state),
               "struct lr_tcp_conn must start like struct lr_crash_conn");

static void tcp_tw_reclaim(struct lr_worker *w);

struct lr_tcp_conn *lr_tcp_conn_alloc(struct lr_worker *w)
{
    struct lr_tcp_ctx *t = w->tcp;
    if (t->nb_free <= t->tw_reserve && t->tw_list.head != 0)
        tcp_tw_reclaim(w);
    if (t->free_head == 0)
        return NULL;
    struct lr_tcp_conn *c = &t->conns[t->free_head - 1];
    t->free_head = c->free_next;
    t->nb_free--;
    /* Released connections had their timer and delayed ACK cancelled; a
     * pending one here would be wiped by the memset while still linked. */
    lr_timer_assert_idle(&w->timers, &c->rexmt);
    if (unlikely(c->flags & LR_TCPF_DELACK)) {
        assert(!"free connection on the delayed-ACK list");
        lr_tcp_delack_cancel(t, c);
    }
    memset(c, 0, sizeof(*c));
    c->state = LR_TCP_CLOSED;
    lr_timer_init(&c->rexmt, lr_tcp_timer_rexmt_fire);
    t->cnt.active++;
    t->cnt.state[LR_TCP_CLOSED]++;
    return c;
}

int lr_tcp_conn_insert(struct lr_worker *w, struct lr_tcp_conn *c)
{
    int rc = rte_hash_add_key_data(w->tcp->table, &c->key, c);
    if (rc < 0)
        return rc;
    w->tcp->inserts++;
    return 0;
}

/* The TIME_WAIT list: every connection in that state, in the order they
 * entered it; the head is the one that has waited longest (a retransmitted
 * FIN restarts a timer, not a connection's place in the list). */
#define TW_LINK offsetof(struct lr_tcp_conn, tw)

/*
 * The table is (nearly) full and TIME_WAIT connections hold part of it:
 * end the oldest one early. TIME_WAIT keeps a tuple quiet for 2MSL so that
 * old duplicates die (RFC 9293 §3.6.1), but at a high connection rate it
 * would hold every slot and refuse every new connection; dropping the
 * oldest under pressure is the trade Linux makes with tcp_max_tw_buckets.
 * Its slot is freed after the burst (lr_tcp_reap): this burst's lookups may
 * still point at it, and the new connection comes from the reserve.
 */
static void tcp_tw_reclaim(struct lr_worker *w)
{
    struct lr_tcp_ctx *t = w->tcp;
    struct lr_tcp_conn *old = &t->conns[t->tw_list.head - 1];
    t->cnt.time_wait_reclaimed++;
    lr_tcp_conn_closed(w, old, LR_TCP_CLOSE_NORMAL); /* leaves the list */
    lr_tcp_reap(w);                                  /* outside a burst it is free at once */
}

void lr_tcp_conn_set_state(struct lr_worker *w, struct lr_tcp_conn *c, uint8_t st)
{
    struct lr_tcp_ctx *t = w->tcp;
    if (c->state == LR_TCP_TIME_WAIT && st != LR_TCP_TIME_WAIT)
        lr_qlist_remove(&t->tw_list, t->conns, sizeof(*c), TW_LINK, lr_tcp_conn_idx(t, c));
    else if (st == LR_TCP_TIME_WAIT && c->state != LR_TCP_TIME_WAIT)
        lr_qlist_append(&t->tw_list, t->conns, sizeof(*c), TW_LINK, lr_tcp_conn_idx(t, c));
    t->cnt.state[c->state]--;
    t->cnt.state[st]++;
    c->state = st;
}

/* Remove @c from every structure and queue it for freeing. */
void lr_tcp_conn_release(struct lr_worker *w, struct lr_tcp_conn *c)
{
    struct lr_tcp_ctx *t = w->tcp;
    if (c->flags & LR_TCPF_RELEASED)
        return;
    if (c->flags & LR_TCPF_IN_SYNQ) {
        struct lr_tcp_listener *l = c->listener ? &t->listeners[c->listener - 1] : NULL;
        if (l != NULL && l->synq > 0)
            l->synq--;
        c->flags &= ~LR_TCPF_IN_SYNQ;
    }
    if (c->state != LR_TCP_CLOSED || c->key.lport != 0)
        rte_hash_del_key(t->table, &c->key);
    lr_timer_cancel(&w->timers, &c->rexmt);
    lr_tcp_delack_cancel(t, c);
    lr_tcp_sb_release(t, c);
    lr_tcp_conn_set_state(w, c, LR_TCP_CLOSED);
    t->cnt.state[LR_TCP_CLOSED]--; /* the CLOSED gauge counts live handles only */
    c->flags |= LR_TCPF_RELEASED;
    c->flags &= ~LR_TCPF_ACK_NOW;
    c->free_next = t->reap_head;
    t->reap_head = lr_tcp_conn_idx(t, c) + 1;
}

/* Report the end to the application (once) and release. */
void lr_tcp_conn_closed(struct lr_worker *w, struct lr_tcp_conn *c, enum lr_tcp_close_reason r)
{
    if (c->flags & LR_TCPF_RELEASED)
        return;
    bool report = (c->flags & LR_TCPF_APP_KNOWS) != 0;
    c->flags &= ~LR_TCPF_APP_KNOWS;
    lr_tcp_conn_release(w, c);
    if (report && c->ops != NULL && c->ops->closed != NULL) {
        w->tcp->busy++;
        c->ops->closed(w, c, r);
        w->tcp->busy--;
    }
}

/* Common initialisation of a connection whose key, port, iss are set. */
void lr_tcp_conn_init_common(struct lr_worker *w, struct lr_tcp_conn *c)
{
    const struct lr_tcp_config *cfg = w->tcp->cfg;
    lr_tcp_rtt_init(&c->rtt, (uint32_t)cfg->rto_initial);
    c->mss = LR_TCP_DEFAULT_MSS;
    c->last_rcv = w->now;
    c->chack_start = (uint32_t)(w->now / 1000);
    c->sndbuf = cfg->sndbuf;
    c->ts_offset = (uint32_t)lr_siphash24(w->tcp->secret.k0 ^ 0x7473, w->tcp->secret.k1, &c->key,
                                          sizeof(c->key));
    if (!cfg->nagle)
        c->flags |= LR_TCPF_NODELAY;
}

struct lr_tcp_listener *lr_tcp_listener_find(struct lr_tcp_ctx *t, uint16_t port)
{
    uint16_t i = t->listen_idx[port];
    return i ? &t->listeners[i - 1] : NULL;
}

/* SYN-RCVD / cookie / SYN-SENT -> ESTABLISHED: tell the application. */
void lr_tcp_conn_established(struct lr_worker *w, struct lr_tcp_conn *c)
{
    struct lr_tcp_ctx *t = w->tcp;
    lr_tcp_conn_set_state(w, c, LR_TCP_ESTABLISHED);
    lr_tcp_cc_init(&c->cc, t->cfg->cc, c->mss);
    c->recover = c->iss; /* RFC 6582 §3.2 step 1: recover = ISS */
    c->retries = 0;
    c->rtt.backoff = 0;
    if (c->flags & LR_TCPF_IN_SYNQ) {
        struct lr_tcp_listener *l = &t->listeners[c->listener - 1];
        if (l->synq > 0)
            l->synq--;
        c->flags &= ~LR_TCPF_IN_SYNQ;
    }
    if (c->flags & LR_TCPF_PASSIVE) {
        t->cnt.opened_passive++;
        struct lr_tcp_listener *l = c->listener ? &t->listeners[c->listener - 1] : NULL;
        if (l == NULL || l->port == 0) {
            /* listener went away during the handshake */
            lr_tcp_send_rst_conn(w, c);
            lr_tcp_conn_release(w, c);
            return;
        }
        c->ops = &l->ops->conn;
        c->ctx = l->ctx;
        c->flags |= LR_TCPF_APP_KNOWS;
        int rc = 0;
        if (l->ops->accept != NULL) {
            t->busy++;
            rc = l->ops->accept(w, c, l->ctx);
            t->busy--;
        }
        if (rc < 0 && !(c->flags & LR_TCPF_RELEASED)) {
            t->cnt.accept_refused++;
            c->flags &= ~LR_TCPF_APP_KNOWS;
            lr_tcp_send_rst_conn(w, c);
            lr_tcp_conn_release(w, c);
        }
    } else {
        t->cnt.opened_active++;
        c->flags |= LR_TCPF_APP_KNOWS;
        if (c->ops != NULL && c->ops->connected != NULL) {
            t->busy++;
            c->ops->connected(w, c);
            t->busy--;
        }
    }
    if (!(c->flags & LR_TCPF_RELEASED))
        lr_tcp_timer_update(w, c, false);
}

void lr_tcp_queue_output(struct lr_worker *w, struct lr_tcp_conn *c)
{
    struct lr_tcp_ctx *t = w->tcp;
    if (c->flags & LR_TCPF_IN_OUTQ)
        return;
    c->flags |= LR_TCPF_IN_OUTQ;
    c->outq_next = t->outq;
    t->outq = c;
}

void lr_tcp_flush_outq(struct lr_worker *w)
{
    struct lr_tcp_ctx *t = w->tcp;
    while (t->outq != NULL) {
        struct lr_tcp_conn *c = t->outq;
        t->outq = c->outq_next;
        c->flags &= ~LR_TCPF_IN_OUTQ;
        lr_tcp_output(w, c);
    }
}

/* --- init / free ---------------------------------------------------------- */

static uint32_t tcp_key_hash(const void *key, uint32_t len, uint32_t init)
{
    RTE_SET_USED(len);
    const uint32_t *k = key;
    return rte_jhash_3words(k[0], k[1], k[2], init);
}

int lr_tcp_init(struct lr_worker *w)
{
    const struct lr_tcp_config *cfg = &w->cfg->tcp;
    if (cfg->max_conns == 0)
        return -EINVAL;
    struct lr_tcp_ctx *t =
        rte_zmalloc_socket("lr_tcp_ctx", sizeof(*t), RTE_CACHE_LINE_SIZE, (int)w->socket);
    if (t == NULL)
        return -ENOMEM;
    t->cfg = cfg;
    t->max_conns = cfg->max_conns;
    t->conns = rte_zmalloc_socket("lr_tcp_conns", sizeof(struct lr_tcp_conn) * cfg->max_conns,
                                  RTE_CACHE_LINE_SIZE, (int)w->socket);
    t->listen_idx =
        rte_zmalloc_socket("lr_tcp_listen_idx", sizeof(uint16_t) * 65536, 0, (int)w->socket);
    t->nb_sboards = cfg->sack_boards ? cfg->sack_boards : RTE_MAX(64u, cfg->max_conns / 16);
    t->sboards = rte_malloc_socket("lr_tcp_sboards", sizeof(*t->sboards) * t->nb_sboards,
                                   RTE_CACHE_LINE_SIZE, (int)w->socket);
    t->sb_free =
        rte_malloc_socket("lr_tcp_sb_free", sizeof(uint32_t) * t->nb_sboards, 0, (int)w->socket);
    if (t->conns == NULL || t->listen_idx == NULL || t->sboards == NULL || t->sb_free == NULL)
        goto nomem;
    for (uint32_t i = 0; i < t->nb_sboards; i++)
        t->sb_free[i] = t->nb_sboards - 1 - i;
    t->sb_nfree = t->nb_sboards;
    for (uint32_t i = 0; i < cfg->max_conns; i++) {
        t->conns[i].free_next = (i + 1 < cfg->max_conns) ? i + 2 : 0;
    }
    t->free_head = 1;
    t->nb_free = cfg->max_conns;
    t->tw_reserve = RTE_MAX(1u, RTE_MIN(LR_TCP_TW_RESERVE, cfg->max_conns / 16));
    lr_tcp_delack_init(t);

    char name[RTE_HASH_NAMESIZE];
    snprintf(name, sizeof(name), "lrtcp%u_%p", w->id, (void *)t);
    struct rte_hash_parameters hp = {
        .name = name,
        .entries = RTE_MAX(cfg->max_conns, 16u),
        .key_len = sizeof(struct lr_tcp_key),
        .hash_func = tcp_key_hash,
        .hash_func_init_val = (uint32_t)lr_worker_rand(w),
        .socket_id = (int)w->socket,
        .extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
    };
    t->table = rte_hash_create(&hp);
    if (t->table == NULL)
        goto nomem;

    static const struct rte_mbuf_dynfield ooo_desc = {
        .name = "lr_tcp_ooo",
        .size = sizeof(struct lr_tcp_ooo_dyn),
        .align = __alignof__(struct lr_tcp_ooo_dyn),
    };
    t->ooo_dyn_off = rte_mbuf_dynfield_register(&ooo_desc);
    if (t->ooo_dyn_off < 0)
        goto nomem;

    if (lr_tcp_global_secret_set) {
        t->secret = lr_tcp_global_secret;
    } else {
        /* Not set by the runtime: one secret for this worker only; SYN
         * cookies then validate only on the worker that made them. */
        if (lr_tcp_secret_init(&t->secret) != 0)
            goto nomem;
    }
    t->eph_next = (uint16_t)(LR_TCP_EPHEMERAL_MIN +
                             lr_worker_rand(w) % (LR_TCP_EPHEMERAL_MAX - LR_TCP_EPHEMERAL_MIN));
    w->tcp = t;
    lr_ipv4_register(w, IPPROTO_TCP, lr_tcp_input_burst);
    lr_icmp_register_error_handler(w, IPPROTO_TCP, lr_tcp_icmp_error);
    return 0;

nomem:
    if (t->table != NULL)
        rte_hash_free(t->table);
    rte_free(t->sb_free);
    rte_free(t->sboards);
    rte_free(t->listen_idx);
    rte_free(t->conns);
    rte_free(t);
    return -ENOMEM;
}

void lr_tcp_free(struct lr_worker *w)
{
    struct lr_tcp_ctx *t = w->tcp;
    if (t == NULL)
        return;
    t->busy = 0;
    for (uint32_t i = 0; i < t->max_conns; i++) {
        struct lr_tcp_conn *c = &t->conns[i];
        if (c->state != LR_TCP_CLOSED && !(c->flags & LR_TCPF_RELEASED)) {
            c->flags &= ~LR_TCPF_APP_KNOWS;
            lr_tcp_conn_release(w, c);
        }
    }
    lr_tcp_reap(w);
    lr_tqueue_fini(&w->timers, &t->dack_q);
    lr_ipv4_register(w, IPPROTO_TCP, NULL);
    lr_icmp_register_error_handler(w, IPPROTO_TCP, NULL);
    rte_hash_free(t->table);
    rte_free(t->sb_free);
    rte_free(t->sboards);
    rte_free(t->listen_idx);
    rte_free(t->conns);
    rte_free(t);
    w->tcp = NULL;
}

void lr_tcp_shutdown(struct lr_worker *w)
{
    struct lr_tcp_ctx *t = w->tcp;
    if (t == NULL)
        return;
    t->busy++;
    for (unsigned i = 0; i < LR_TCP_MAX_LISTENERS; i++)
        if (t->listeners[i].port != 0)
            lr_tcp_unlisten(w, t->listeners[i].port);
    for (uint32_t i = 0; i < t->max_conns; i++) {
        struct lr_tcp_conn *c = &t->conns[i];
        if (c->flags & LR_TCPF_RELEASED)
            continue;
        if (c->state == LR_TCP_CLOSED)
            continue;
        if (c->state != LR_TCP_TIME_WAIT && c->state != LR_TCP_SYN_SENT)
            lr_tcp_send_rst_conn(w, c);
        lr_tcp_conn_closed(w, c, LR_TCP_CLOSE_SHUTDOWN);
    }
    t->busy--;
    lr_tcp_reap(w);
}

/* --- listeners ------------------------------------------------------------ */

int lr_tcp_listen(struct lr_worker *w, uint16_t port, const struct lr_tcp_listen_ops *ops,
                  void *ctx, const struct lr_tcp_listen_opts *opts)
{
    struct lr_tcp_ctx *t = w->tcp;
    if (t == NULL || port == 0 || ops == NULL)
        return -EINVAL;
    if (t->listen_idx[port] != 0)
        return -EADDRINUSE;
    for (unsigned i = 0; i < LR_TCP_MAX_LISTENERS; i++) {
        struct lr_tcp_listener *l = &t->listeners[i];
        if (l->port != 0)
            continue;
        memset(l, 0, sizeof(*l));
        l->port = port;
        l->ops = ops;
        l->ctx = ctx;
        l->backlog = t->cfg->backlog;
        if (opts != NULL) {
            l->nodelay = opts->nodelay;
            l->rcv_manual = opts->rcv_manual;
            if (opts->backlog != 0)
                l->backlog = opts->backlog;
        }
        t->listen_idx[port] = (uint16_t)(i + 1);
        t->nb_listeners++;
        return 0;
    }
    return -ENOSPC;
}

int lr_tcp_unlisten(struct lr_worker *w, uint16_t port)
{
    struct lr_tcp_ctx *t = w->tcp;
    if (t == NULL || t->listen_idx[port] == 0)
        return -ENOENT;
    uint16_t idx = t->listen_idx[port];
    t->busy++;
    /* Reset half-open connections of this listener (they have no app yet). */
    for (uint32_t i = 0; i < t->max_conns; i++) {
        struct lr_tcp_conn *c = &t->conns[i];
        if (c->state == LR_TCP_SYN_RCVD && c->listener == idx && (c->flags & LR_TCPF_PASSIVE) &&
            !(c->flags & LR_TCPF_RELEASED)) {
            lr_tcp_send_rst_conn(w, c);
            lr_tcp_conn_release(w, c);
        }
    }
    t->listeners[idx - 1].port = 0;
    t->listen_idx[port] = 0;
    t->nb_listeners--;
    t->busy--;
    lr_tcp_reap(w);
    return 0;
}

/* --- active open ---------------------------------------------------------- */

struct tcp_port_probe {
    struct lr_tcp_ctx *t;
    struct lr_tcp_key key;
};

static int tcp_port_in_use(void *arg, uint16_t port)
{
    struct tcp_port_probe *p = arg;
    p->key.lport = rte_cpu_to_be_16(port);
    return rte_hash_lookup(p->t->table, &p->key) >= 0 || p->t->listen_idx[port] != 0;
}

struct lr_tcp_conn *lr_tcp_connect(struct lr_worker *w, rte_be32_t dst, uint16_t dport,
                                   rte_be32_t src, uint16_t sport,
                                   const struct lr_tcp_conn_ops *ops, void *ctx)
{
    struct lr_tcp_ctx *t = w->tcp;
    if (t == NULL || dport == 0 || dst == 0) {
        rte_errno = EINVAL;
        return NULL;
    }
    rte_be32_t nh;
    int port = lr_ipv4_route(w, dst, &nh);
    if (port < 0) {
        rte_errno = ENETUNREACH;
        return NULL;
    }
    if (src == 0)
        src = w->ports[port].addr;
    struct tcp_port_probe probe = { .t = t };
    probe.key.raddr = dst;
    probe.key.laddr = src;
    probe.key.rport = rte_cpu_to_be_16(dport);
    if (sport == 0) {
        if (w->flow != NULL && w->nb_workers > 1) {
            uint32_t cursor = t->eph_next;
            sport =
                lr_flow_pick_port(w->flow, w->id, src, dst, probe.key.rport, LR_TCP_EPHEMERAL_MIN,
                                  LR_TCP_EPHEMERAL_MAX, &cursor, tcp_port_in_use, &probe);
            t->eph_next = (uint16_t)cursor;
        } else {
            const unsigned range = LR_TCP_EPHEMERAL_MAX - LR_TCP_EPHEMERAL_MIN + 1;
            for (unsigned i = 0; i < range; i++) {
                uint16_t p = t->eph_next;
                t->eph_next = (p >= LR_TCP_EPHEMERAL_MAX) ? LR_TCP_EPHEMERAL_MIN : p + 1;
                if (p < LR_TCP_EPHEMERAL_MIN || p > LR_TCP_EPHEMERAL_MAX)
                    continue;
                if (!tcp_port_in_use(&probe, p)) {
                    sport = p;
                    break;
                }
            }
        }
        if (sport == 0) {
            rte_errno = EADDRINUSE;
            return NULL;
        }
    } else if (tcp_port_in_use(&probe, sport) && t->listen_idx[sport] == 0) {
        rte_errno = EADDRINUSE;
        return NULL;
    }
    probe.key.lport = rte_cpu_to_be_16(sport);
    if (rte_hash_lookup(t->table, &probe.key) >= 0) {
        rte_errno = EADDRINUSE;
        return NULL;
    }
    struct lr_tcp_conn *c = lr_tcp_conn_alloc(w);
    if (c == NULL) {
        lr_count_drop(w, LR_DROP_TCP_TABLE_FULL);
        rte_errno = ENOSPC;
        return NULL;
    }
    c->key = probe.key;
    c->port = (uint16_t)port;
    c->ops = ops;
    c->ctx = ctx;
    lr_tcp_conn_init_common(w, c);
    c->iss = lr_tcp_isn(&t->secret, c->key.laddr, c->key.lport, c->key.raddr, c->key.rport, w->now);
    c->snd_una = c->iss;
    c->snd_nxt = c->iss;
    c->snd_max = c->iss;
    if (lr_tcp_conn_insert(w, c) != 0) {
        t->cnt.state[LR_TCP_CLOSED]--;
        c->flags |= LR_TCPF_RELEASED;
        c->free_next = t->reap_head;
        t->reap_head = lr_tcp_conn_idx(t, c) + 1;
        lr_tcp_reap(w);
        rte_errno = ENOSPC;
        return NULL;
    }
    lr_tcp_conn_set_state(w, c, LR_TCP_SYN_SENT);
    lr_tcp_send_syn(w, c);
    lr_tcp_timer_set(w, c, LR_TCP_TM_SYN, t->cfg->syn_timeout);
    return c;
}

/* --- sending -------------------------------------------------------------- */

static bool tcp_can_send(const struct lr_tcp_conn *c)
{
    if (c->flags & (LR_TCPF_FIN_QUEUED | LR_TCPF_RELEASED))
        return false;
    return c->state == LR_TCP_ESTABLISHED || c->state == LR_TCP_CLOSE_WAIT;
}

uint32_t lr_tcp_send_space(const struct lr_tcp_conn *c)
{
    if (c == NULL || !tcp_can_send(c))
        return 0;
    return c->snd_queued >= c->sndbuf ? 0 : c->sndbuf - c->snd_queued;
}

static uint32_t tcp_send_space(const struct lr_worker *w, const struct lr_tcp_conn *c)
{
    RTE_SET_USED(w);
    return lr_tcp_send_space(c);
}

void lr_tcp_want_writable(struct lr_tcp_conn *c)
{
    if (c != NULL && tcp_can_send(c))
        c->flags |= LR_TCPF_WANT_WRITABLE;
}

uint32_t lr_tcp_send_queued(const struct lr_tcp_conn *c)
{
    return c->snd_queued;
}

static void tcp_api_done(struct lr_worker *w, struct lr_tcp_conn *c)
{
    struct lr_tcp_ctx *t = w->tcp;
    if (t->busy == 0) {
        /* Called from outside the engine (e.g. an app timer): transmit now. */
        if (!(c->flags & LR_TCPF_RELEASED))
            lr_tcp_output(w, c);
        lr_tcp_reap(w);
    } else {
        lr_tcp_queue_output(w, c);
    }
}

int lr_tcp_send(struct lr_worker *w, struct lr_tcp_conn *c, const void *data, uint32_t len)
{
    if (!tcp_can_send(c))
        return -ENOTCONN;
    uint32_t space = tcp_send_space(w, c);
    uint32_t n = RTE_MIN(space, len);
    const uint8_t *p = data;
    uint32_t done = 0;
    while (done < n) {
        struct rte_mbuf *tail = c->snd_tail;
        uint32_t room = 0;
        if (tail != NULL && RTE_MBUF_DIRECT(tail) && rte_mbuf_refcnt_read(tail) == 1 &&
            !RTE_MBUF_HAS_EXTBUF(tail))
            room = rte_pktmbuf_tailroom(tail);
        if (room == 0) {
            struct rte_mbuf *m = rte_pktmbuf_alloc(w->pool);
            if (m == NULL) {
                w->stats.drops[LR_DROP_ETH_NO_MBUF]++;
                break;
            }
            /* no headroom needed: payload mbufs are chained after a header mbuf */
            m->data_off = 0;
            if (tail == NULL)
                c->snd_head = m;
            else
                tail->next = m;
            c->snd_tail = m;
            tail = m;
            room = rte_pktmbuf_tailroom(m);
        }
        uint32_t k = RTE_MIN(room, n - done);
        memcpy(rte_pktmbuf_mtod_offset(tail, uint8_t *, tail->data_len), p + done, k);
        tail->data_len = (uint16_t)(tail->data_len + k);
        tail->pkt_len = tail->data_len;
        done += k;
        c->snd_queued += k;
    }
    if (done < len)
        c->flags |= LR_TCPF_WANT_WRITABLE;
    if (done == 0 && n > 0)
        return -ENOBUFS;
    if (done > 0)
        tcp_api_done(w, c);
    return (int)done;
}

int lr_tcp_send_mbuf(struct lr_worker *w, struct lr_tcp_conn *c, struct rte_mbuf *m)
{
    if (!tcp_can_send(c))
        return -ENOTCONN;
    if (m == NULL || m->pkt_len == 0)
        return -EINVAL;
    if (tcp_send_space(w, c) == 0) {
        c->flags |= LR_TCPF_WANT_WRITABLE;
        return -ENOBUFS;
    }
    uint32_t total = m->pkt_len;
    /* Append the segments one by one (each is queued as its own unit). */
    while (m != NULL) {
        struct rte_mbuf *nx = m->next;
        m->next = NULL;
        m->nb_segs = 1;
        m->pkt_len = m->data_len;
        if (m->data_len == 0) {
            rte_pktmbuf_free_seg(m);
        } else {
            if (c->snd_tail == NULL)
                c->snd_head = m;
            else
                c->snd_tail->next = m;
            c->snd_tail = m;
            c->snd_queued += m->data_len;
        }
        m = nx;
    }
    tcp_api_done(w, c);
    return (int)total;
}

void lr_tcp_conn_rcv_manual(struct lr_tcp_conn *c, bool manual)
{
    if (manual)
        c->flags |= LR_TCPF_RCV_MANUAL;
    else
        c->flags &= ~LR_TCPF_RCV_MANUAL;
}

void lr_tcp_rcv_consumed(struct lr_worker *w, struct lr_tcp_conn *c, uint32_t bytes)
{
    if (c->flags & LR_TCPF_RELEASED)
        return;
    if (bytes > c->rcv_held)
        bytes = c->rcv_held;
    if (bytes == 0)
        return;
    uint32_t old = lr_tcp_rcv_window(w, c);
    c->rcv_held -= bytes;
    uint32_t nw = lr_tcp_rcv_window(w, c);
    if (!lr_tcp_synchronized(c->state) || c->state == LR_TCP_TIME_WAIT)
        return;
    /* RFC 9293 §3.8.6.2.2: update when the window grew by min(RCV.BUFF/2, MSS),
     * or it was (nearly) closed. */
    uint32_t thresh = RTE_MIN(w->tcp->cfg->rcvbuf / 2, (uint32_t)c->mss);
    if (nw > old && (nw - old >= thresh || old < c->mss)) {
        w->tcp->cnt.window_updates++;
        c->flags |= LR_TCPF_ACK_NOW;
        tcp_api_done(w, c);
    }
}

uint32_t lr_tcp_rcv_held(const struct lr_tcp_conn *c)
{
    return c->rcv_held;
}

void lr_tcp_conn_nodelay(struct lr_tcp_conn *c, bool nodelay)
{
    if (nodelay)
        c->flags |= LR_TCPF_NODELAY;
    else
        c->flags &= ~LR_TCPF_NODELAY;
}

/* --- closing -------------------------------------------------------------- */

int lr_tcp_shutdown_write(struct lr_worker *w, struct lr_tcp_conn *c)
{
    if (c->flags & LR_TCPF_RELEASED)
        return -ENOTCONN;
    if (c->flags & LR_TCPF_FIN_QUEUED)
        return 0;
    switch (c->state) {
    case LR_TCP_ESTABLISHED:
        c->flags |= LR_TCPF_FIN_QUEUED;
        lr_tcp_conn_set_state(w, c, LR_TCP_FIN_WAIT_1);
        break;
    case LR_TCP_CLOSE_WAIT:
        c->flags |= LR_TCPF_FIN_QUEUED;
        lr_tcp_conn_set_state(w, c, LR_TCP_LAST_ACK);
        break;
    case LR_TCP_SYN_SENT:
    case LR_TCP_SYN_RCVD:
        /* RFC 9293 §3.10.4: queue the FIN until ESTABLISHED */
        c->flags |= LR_TCPF_FIN_QUEUED;
        return 0;
    default:
        return -ENOTCONN;
    }
    tcp_api_done(w, c);
    return 0;
}

void lr_tcp_close(struct lr_worker *w, struct lr_tcp_conn *c)
{
    lr_tcp_close_discard(w, c, 0);
}

void lr_tcp_close_discard(struct lr_worker *w, struct lr_tcp_conn *c, uint32_t bytes)
{
    if (c->flags & (LR_TCPF_RELEASED | LR_TCPF_APP_CLOSED))
        return;
    c->flags |= LR_TCPF_APP_CLOSED;
    c->discard_left = bytes;
    if (c->state == LR_TCP_SYN_SENT) {
        /* RFC 9293 §3.10.4: delete the TCB. The app holds the handle since
         * connect() (lr_tcp.h): it hears closed() like on any other end. */
        c->flags |= LR_TCPF_APP_KNOWS;
        lr_tcp_conn_closed(w, c, LR_TCP_CLOSE_NORMAL);
        lr_tcp_reap(w);
        return;
    }
    if (c->rcv_held > 0 || c->ooo_head != NULL) {
        /* RFC 9293 §3.10.4 / RFC 2525 §2.17: closing with unread data resets */
        lr_tcp_send_rst_conn(w, c);
        lr_tcp_conn_closed(w, c, LR_TCP_CLOSE_ABORTED);
        lr_tcp_reap(w);
        return;
    }
    c->rcv_held = 0;
    if (lr_tcp_shutdown_write(w, c) != 0)
        tcp_api_done(w, c);
    if (!(c->flags & LR_TCPF_RELEASED))
        lr_tcp_timer_update(w, c, false);
}

void lr_tcp_abort(struct lr_worker *w, struct lr_tcp_conn *c)
{
    if (c->flags & LR_TCPF_RELEASED)
        return;
    if (c->state != LR_TCP_SYN_SENT && c->state != LR_TCP_TIME_WAIT && c->state != LR_TCP_CLOSED)
        lr_tcp_send_rst_conn(w, c);
    c->flags &= ~LR_TCPF_APP_KNOWS;
    lr_tcp_conn_release(w, c);
    lr_tcp_reap(w);
}

/* --- accessors ------------------------------------------------------------ */

void lr_tcp_conn_ctx_set(struct lr_tcp_conn *c, void *ctx)
{
    c->ctx = ctx;
}

void *lr_tcp_conn_ctx_get(const struct lr_tcp_conn *c)
{
    return c->ctx;
}

void lr_tcp_conn_ops_set(struct lr_tcp_conn *c, const struct lr_tcp_conn_ops *ops)
{
    c->ops = ops;
}

const struct lr_tcp_conn_ops *lr_tcp_conn_ops_get(const struct lr_tcp_conn *c)
{
    return c->ops;
}

enum lr_tcp_state lr_tcp_conn_state(const struct lr_tcp_conn *c)
{
    return (enum lr_tcp_state)c->state;
}

void lr_tcp_conn_tuple(const struct lr_tcp_conn *c, rte_be32_t *laddr, uint16_t *lport,
                       rte_be32_t *raddr, uint16_t *rport)
{
    if (laddr != NULL)
        *laddr = c->key.laddr;
    if (lport != NULL)
        *lport = rte_be_to_cpu_16(c->key.lport);
    if (raddr != NULL)
        *raddr = c->key.raddr;
    if (rport != NULL)
        *rport = rte_be_to_cpu_16(c->key.rport);
}

unsigned lr_tcp_conns_foreach(struct lr_worker *w,
                              void (*fn)(struct lr_worker *w, struct lr_tcp_conn *c, void *arg),
                              void *arg)
{
    struct lr_tcp_ctx *t = w->tcp;
    unsigned n = 0;
    if (t == NULL)
        return 0;
    for (uint32_t i = 0; i < t->max_conns; i++) {
        struct lr_tcp_conn *c = &t->conns[i];
        if (c->state == LR_TCP_CLOSED || (c->flags & LR_TCPF_RELEASED))
            continue;
        fn(w, c, arg);
        n++;
    }
    return n;
}

/* --- SACK scoreboards, lent on demand (lr_tcp_priv.h) --- */

void lr_tcp_sb_update(struct lr_tcp_ctx *t, struct lr_tcp_conn *c, const struct lr_sack_block *blk,
                      unsigned n)
{
    if (c->sb == 0) {
        if (t->sb_nfree == 0) {
            t->cnt.sack_board_short++;
            return;
        }
        c->sb = t->sb_free[--t->sb_nfree] + 1;
        lr_sack_scoreboard_init(&t->sboards[c->sb - 1]);
    }
    struct lr_sack_scoreboard *sb = &t->sboards[c->sb - 1];
    lr_sack_scoreboard_update(sb, blk, n, c->snd_una, c->snd_max);
    if (sb->n == 0) /* nothing valid above SND.UNA */
        lr_tcp_sb_release(t, c);
}

void lr_tcp_sb_ack(struct lr_tcp_ctx *t, struct lr_tcp_conn *c)
{
    if (c->sb == 0)
        return;
    struct lr_sack_scoreboard *sb = &t->sboards[c->sb - 1];
    lr_sack_scoreboard_ack(sb, c->snd_una);
    if (sb->n == 0)
        lr_tcp_sb_release(t, c);
}

void lr_tcp_sb_release(struct lr_tcp_ctx *t, struct lr_tcp_conn *c)
{
    if (c->sb == 0)
        return;
    t->sb_free[t->sb_nfree++] = c->sb - 1;
    c->sb = 0;
}
