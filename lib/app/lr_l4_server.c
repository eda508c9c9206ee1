/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The l4 service, see lr_l4_server.h. Written against the public TCP and
 * UDP APIs like any application.
 *
 * Call chains:
 *   TCP input -> l4_data() -> l4_pump() -> lr_l4_req_feed() per segment
 *                                       -> l4_answer_push() -> lr_tcp_send()
 *   TCP ACK   -> l4_writable() -> l4_pump() (the rest of the answer, then input)
 *   UDP input -> l4_udp_recv() -> lr_udp_send_mbuf()
 *
 * TCP flow control: connections run in manual receive mode. Input is
 * consumed (lr_tcp_rcv_consumed) only as the parser takes it, and the parser
 * takes nothing while an answer still waits for send space; what arrived
 * meanwhile stays in the connection's chain, bounded by [tcp] rcvbuf because
 * the advertised window closes. An answer of up to 64 MiB is never built in
 * memory: its header comes from the 16 bytes kept in the connection state,
 * the rest is copied by lr_tcp_send() straight from the pattern table
 * (lr_l4_pattern(), where a message offset maps to one contiguous run up to
 * the table's end).
 *
 * Connection state comes from a per-worker pool sized by [tcp] max_conns at
 * init (a stack of free entries); no allocation after init except mbufs.
 */
#include <netinet/in.h>
#include <errno.h>
#include <string.h>

#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "lr_l4_proto.h"
#include "lr_l4_server.h"
#include "lr_log.h"
#include "lr_net.h"
#include "lr_pkt.h"
#include "lr_tcp.h"
#include "lr_udp.h"
#include "lr_worker.h"

LR_LOG_DECLARE(core);

/* One TCP connection's state (pool entry). */
struct l4_conn {
    struct lr_l4_req req;          /* the request stream's parser */
    uint8_t ahdr[LR_L4_HDR_LEN];   /* header of the request being answered */
    uint32_t ans_len;              /* its resp_len */
    uint32_t ans_off;              /* answer bytes queued so far */
    struct rte_mbuf *in, *in_tail; /* received segments not parsed yet */
    uint16_t in_off;               /* bytes of in's first segment already parsed */
    bool last;                     /* LR_L4_F_LAST: close once the answer is queued */
    bool busy;                     /* taken from the pool */
};

struct lr_l4_srv {
    struct lr_l4_server_counters c;
    const uint8_t *pattern;
    uint16_t tcp_port, udp_port; /* what init listened on / bound (0 = none) */
    uint32_t nb_conns;
    uint32_t nb_free;
    uint32_t *free_ids; /* stack of free entries of conns[] */
    struct l4_conn *conns;
};

/* This module's w->slot[] (lr_worker_slot). */
static unsigned l4_slot;

static struct lr_l4_srv *l4_get(const struct lr_worker *w)
{
    return l4_slot != 0 ? w->slot[l4_slot] : NULL;
}

/* --- TCP ------------------------------------------------------------------ */

static void l4_conn_release(struct lr_l4_srv *srv, struct l4_conn *s)
{
    if (s->in != NULL)
        rte_pktmbuf_free(s->in); /* walks the rest of the chain */
    s->in = s->in_tail = NULL;
    s->busy = false;
    srv->free_ids[srv->nb_free++] = (uint32_t)(s - srv->conns);
}

/* Not the protocol, or the connection cannot go on: RST at once
 * (RFC 9293 §3.10.5 ABORT). No closed() follows lr_tcp_abort(). */
static void l4_conn_reset(struct lr_worker *w, struct lr_tcp_conn *c, struct l4_conn *s)
{
    l4_conn_release(l4_get(w), s);
    lr_tcp_conn_ctx_set(c, NULL);
    lr_tcp_abort(w, c);
}

/* Queue what send space allows of the current answer. true once all of it
 * is queued; false when it waits for writable() or the connection was reset
 * (then @s is gone). */
static bool l4_answer_push(struct lr_worker *w, struct lr_tcp_conn *c, struct l4_conn *s)
{
    struct lr_l4_srv *srv = l4_get(w);

    while (s->ans_off < s->ans_len) {
        uint32_t off = s->ans_off, k;
        const uint8_t *src;
        if (off < LR_L4_HDR_LEN) {
            src = s->ahdr + off;
            k = LR_L4_HDR_LEN - off;
        } else {
            uint32_t at = off % LR_L4_PATTERN_LEN;
            src = srv->pattern + at;
            k = LR_L4_PATTERN_LEN - at;
        }
        k = RTE_MIN(k, s->ans_len - off);
        int rc = lr_tcp_send(w, c, src, k);
        if (rc < 0) {
            if (rc == -ENOBUFS && lr_tcp_send_queued(c) > 0) {
                /* no mbuf now: acknowledgments will free some */
                lr_tcp_want_writable(c);
                return false;
            }
            l4_conn_reset(w, c, s);
            return false;
        }
        s->ans_off += (uint32_t)rc;
        srv->c.tcp_answer_bytes += (uint32_t)rc;
        if ((uint32_t)rc < k)
            return false; /* send buffer full: writable() continues */
    }
    return true;
}

/* Answer, then parse, until the input is used up or an answer waits. */
static void l4_pump(struct lr_worker *w, struct lr_tcp_conn *c, struct l4_conn *s)
{
    struct lr_l4_srv *srv = l4_get(w);

    for (;;) {
        if (s->ans_off < s->ans_len && !l4_answer_push(w, c, s))
            return;
        if (s->last) {
            /* RFC 9293 §3.10.4 CLOSE: our FIN follows the queued answer.
             * Input after a LAST request stays unread, so that resets
             * (RFC 2525 §2.17). */
            lr_tcp_close(w, c);
            return;
        }
        struct rte_mbuf *seg = s->in;
        if (seg == NULL)
            break;
        uint32_t avail = seg->data_len - s->in_off;
        if (avail == 0) {
            s->in = seg->next;
            if (s->in == NULL)
                s->in_tail = NULL;
            seg->next = NULL;
            rte_pktmbuf_free_seg(seg);
            s->in_off = 0;
            continue;
        }
        uint64_t corrupt = s->req.corrupt;
        size_t used = 0;
        enum lr_l4_feed rc = lr_l4_req_feed(
            &s->req, rte_pktmbuf_mtod_offset(seg, const uint8_t *, s->in_off), avail, &used);
        s->in_off = (uint16_t)(s->in_off + used);
        srv->c.corrupt += s->req.corrupt - corrupt;
        lr_tcp_rcv_consumed(w, c, (uint32_t)used);
        if (rc == LR_L4_BAD) {
            srv->c.bad_request++;
            l4_conn_reset(w, c, s);
            return;
        }
        if (rc == LR_L4_DONE) {
            srv->c.tcp_requests++;
            memcpy(s->ahdr, s->req.hdr, LR_L4_HDR_LEN);
            s->ans_len = s->req.h.resp_len;
            s->ans_off = 0;
            s->last = (s->req.h.flags & LR_L4_F_LAST) != 0;
        }
    }
    /* Everything received is answered: a peer that closed its side gets our
     * FIN now (RFC 9293 §3.10.4, CLOSE-WAIT -> LAST-ACK). */
    if (lr_tcp_conn_state(c) == LR_TCP_CLOSE_WAIT)
        lr_tcp_close(w, c);
}

static int l4_accept(struct lr_worker *w, struct lr_tcp_conn *c, void *ctx)
{
    struct lr_l4_srv *srv = ctx;
    RTE_SET_USED(w);

    if (srv->nb_free == 0) {
        srv->c.no_state++;
        lr_tcp_conn_ctx_set(c, NULL);
        return -1; /* RST */
    }
    struct l4_conn *s = &srv->conns[srv->free_ids[--srv->nb_free]];
    memset(s, 0, sizeof(*s));
    lr_l4_req_init(&s->req);
    s->busy = true;
    lr_tcp_conn_ctx_set(c, s);
    srv->c.connections++;
    return 0;
}

static void l4_data(struct lr_worker *w, struct lr_tcp_conn *c, struct rte_mbuf *m)
{
    struct l4_conn *s = lr_tcp_conn_ctx_get(c);

    if (s == NULL) {
        rte_pktmbuf_free(m);
        return;
    }
    if (s->in_tail != NULL)
        s->in_tail->next = m;
    else
        s->in = m;
    s->in_tail = rte_pktmbuf_lastseg(m);
    l4_pump(w, c, s);
}

static void l4_writable(struct lr_worker *w, struct lr_tcp_conn *c)
{
    struct l4_conn *s = lr_tcp_conn_ctx_get(c);
    if (s != NULL)
        l4_pump(w, c, s);
}

static void l4_peer_closed(struct lr_worker *w, struct lr_tcp_conn *c)
{
    struct l4_conn *s = lr_tcp_conn_ctx_get(c);

    /* With an answer or input pending, l4_pump() closes once it is done. */
    if (s == NULL || (s->ans_off >= s->ans_len && s->in == NULL))
        lr_tcp_close(w, c);
}

static void l4_closed(struct lr_worker *w, struct lr_tcp_conn *c, enum lr_tcp_close_reason r)
{
    struct l4_conn *s = lr_tcp_conn_ctx_get(c);
    RTE_SET_USED(r);

    if (s != NULL)
        l4_conn_release(l4_get(w), s);
    lr_tcp_conn_ctx_set(c, NULL);
}

static const struct lr_tcp_listen_ops l4_tcp_ops = {
    .accept = l4_accept,
    .conn =
        {
            .data = l4_data,
            .writable = l4_writable,
            .peer_closed = l4_peer_closed,
            .closed = l4_closed,
        },
};

/* --- UDP ------------------------------------------------------------------ */

/*
 * Source ports of services that answer every datagram (echo, daytime,
 * chargen, time, quote), as lr_udp_echo.c: answering them would let a forged
 * datagram start an endless exchange between two servers.
 */
static bool l4_loop_port(uint16_t sport)
{
    return sport == 0 || sport == 7 || sport == 13 || sport == 17 || sport == 19 || sport == 37;
}

/* The answer datagram: @m itself when it is ours alone and has the room,
 * else a new chain from the worker's pool (@m is freed). NULL: no mbuf. */
static struct rte_mbuf *l4_udp_answer(struct lr_worker *w, struct rte_mbuf *m, uint32_t len,
                                      const uint8_t *hdr)
{
    if (RTE_MBUF_DIRECT(m) && rte_mbuf_refcnt_read(m) == 1 && m->nb_segs == 1 &&
        len <= (uint32_t)m->data_len + rte_pktmbuf_tailroom(m)) {
        m->data_len = (uint16_t)len;
        m->pkt_len = len;
        lr_l4_msg_fill(rte_pktmbuf_mtod(m, uint8_t *), len, 0, hdr);
        return m;
    }
    struct rte_mbuf *head = NULL, *tail = NULL;
    uint32_t off = 0;
    while (off < len) {
        struct rte_mbuf *seg = lr_pkt_alloc(w);
        if (seg == NULL) {
            if (head != NULL)
                rte_pktmbuf_free(head);
            lr_pkt_drop(w, LR_DROP_UDP_APP, m);
            return NULL;
        }
        uint32_t k = RTE_MIN(len - off, (uint32_t)rte_pktmbuf_tailroom(seg));
        lr_l4_msg_fill((uint8_t *)rte_pktmbuf_append(seg, (uint16_t)k), k, off, hdr);
        off += k;
        if (head == NULL) {
            head = seg;
        } else {
            tail->next = seg;
            head->nb_segs++;
            head->pkt_len += k;
        }
        tail = seg;
    }
    rte_pktmbuf_free(m);
    return head;
}

static void l4_udp_recv(struct lr_worker *w, struct rte_mbuf *m, const struct lr_udp_dgram *d,
                        void *ctx)
{
    struct lr_l4_srv *srv = ctx;
    /* the addressing, before @m is reused or freed */
    rte_be32_t src = d->dst, dst = d->src;
    rte_be16_t sport = d->dport, dport = d->sport;
    uint8_t hbuf[LR_L4_HDR_LEN], hdr[LR_L4_HDR_LEN];
    struct lr_l4_hdr h;
    uint32_t len = m->pkt_len;

    if (l4_loop_port(rte_be_to_cpu_16(dport))) {
        srv->c.refused++;
        lr_pkt_drop(w, LR_DROP_UDP_APP, m);
        return;
    }
    const uint8_t *p = len >= LR_L4_HDR_LEN ? rte_pktmbuf_read(m, 0, LR_L4_HDR_LEN, hbuf) : NULL;
    /* RFC 768: the datagram's length is the request's; req_len must say so. */
    if (p == NULL || lr_l4_hdr_read(p, &h) != 0 || h.req_len != len) {
        srv->c.bad_request++;
        lr_pkt_drop(w, LR_DROP_UDP_APP, m);
        return;
    }
    memcpy(hdr, p, LR_L4_HDR_LEN);
    uint32_t off = 0;
    for (const struct rte_mbuf *seg = m; seg != NULL; seg = seg->next) {
        srv->c.corrupt +=
            lr_l4_msg_diff(rte_pktmbuf_mtod(seg, const uint8_t *), seg->data_len, off, hdr);
        off += seg->data_len;
    }
    /* One datagram (IPv4 fragments if need be) carries at most 65507 bytes. */
    if (h.resp_len > LR_UDP_MAX_PAYLOAD) {
        srv->c.too_large++;
        lr_pkt_drop(w, LR_DROP_UDP_APP, m);
        return;
    }
    srv->c.udp_requests++;
    if (h.resp_len == 0) { /* answered with nothing, as asked */
        rte_pktmbuf_free(m);
        return;
    }
    struct rte_mbuf *a = l4_udp_answer(w, m, h.resp_len, hdr);
    if (a == NULL)
        return;
    /* RFC 1122 §4.1.3.5: never answer from a broadcast or multicast
     * address; 0 makes the UDP layer use the outgoing port's address. */
    if (!lr_ipv4_is_local(w, src))
        src = 0;
    if (lr_udp_send_mbuf(w, src, sport, dst, dport, a) == 0)
        srv->c.udp_answer_bytes += h.resp_len;
}

/* --- the module ----------------------------------------------------------- */

static void l4_srv_mem_free(struct lr_l4_srv *srv)
{
    rte_free(srv->conns);
    rte_free(srv->free_ids);
    rte_free(srv);
}

int lr_l4_server_init(struct lr_worker *w)
{
    uint16_t tport = w->cfg->tcp.l4_port, uport = w->cfg->udp.l4_port;
    int sock = (int)w->socket;
    int rc;

    if (tport == 0 && uport == 0)
        return 0;
    if (lr_worker_slot(&l4_slot) == 0)
        return -ENOSPC;
    struct lr_l4_srv *srv =
        rte_zmalloc_socket("lr_l4_srv", sizeof(*srv), RTE_CACHE_LINE_SIZE, sock);
    if (srv == NULL)
        return -ENOMEM;
    srv->pattern = lr_l4_pattern();
    if (tport != 0) {
        uint32_t n = w->cfg->tcp.max_conns;
        srv->conns =
            rte_zmalloc_socket("lr_l4_conns", sizeof(*srv->conns) * n, RTE_CACHE_LINE_SIZE, sock);
        srv->free_ids = rte_malloc_socket("lr_l4_free", sizeof(uint32_t) * n, 0, sock);
        if (srv->conns == NULL || srv->free_ids == NULL) {
            l4_srv_mem_free(srv);
            return -ENOMEM;
        }
        srv->nb_conns = n;
        for (uint32_t i = 0; i < n; i++)
            srv->free_ids[i] = n - 1 - i; /* entry 0 is taken first */
        srv->nb_free = n;
        static const struct lr_tcp_listen_opts opts = { .rcv_manual = true };
        rc = lr_tcp_listen(w, tport, &l4_tcp_ops, srv, &opts);
        if (rc != 0) {
            LR_LOG(ERR, core, "worker %u: [tcp] l4_port %u: %s", w->id, tport, strerror(-rc));
            l4_srv_mem_free(srv);
            return rc;
        }
        srv->tcp_port = tport;
    }
    if (uport != 0) {
        rc = lr_udp_bind(w, uport, l4_udp_recv, srv);
        if (rc != 0) {
            LR_LOG(ERR, core, "worker %u: [udp] l4_port %u: %s", w->id, uport, strerror(-rc));
            if (srv->tcp_port != 0)
                (void)lr_tcp_unlisten(w, srv->tcp_port);
            l4_srv_mem_free(srv);
            return rc;
        }
        srv->udp_port = uport;
    }
    w->slot[l4_slot] = srv;
    return 0;
}

static void l4_drop_state(struct lr_worker *w, struct lr_tcp_conn *c, void *arg)
{
    struct lr_l4_srv *srv = arg;
    RTE_SET_USED(w);

    if (lr_tcp_conn_ops_get(c) != &l4_tcp_ops.conn)
        return;
    struct l4_conn *s = lr_tcp_conn_ctx_get(c);
    if (s != NULL) {
        l4_conn_release(srv, s);
        lr_tcp_conn_ctx_set(c, NULL);
    }
}

void lr_l4_server_free(struct lr_worker *w)
{
    struct lr_l4_srv *srv = l4_get(w);

    if (srv == NULL)
        return;
    if (srv->tcp_port != 0 && w->tcp != NULL) {
        /* lr_tcp_free() drops connections without closed(): release what
         * the connections still hold first. */
        lr_tcp_conns_foreach(w, l4_drop_state, srv);
        (void)lr_tcp_unlisten(w, srv->tcp_port);
    }
    if (srv->udp_port != 0 && w->udp != NULL)
        (void)lr_udp_unbind(w, srv->udp_port);
    l4_srv_mem_free(srv);
    w->slot[l4_slot] = NULL;
}

void lr_l4_server_counters_get(const struct lr_worker *w, struct lr_l4_server_counters *out)
{
    const struct lr_l4_srv *srv = l4_get(w);

    if (srv != NULL)
        *out = srv->c;
    else
        memset(out, 0, sizeof(*out));
}

uint32_t lr_l4_server_conns_in_use(const struct lr_worker *w)
{
    const struct lr_l4_srv *srv = l4_get(w);
    return srv != NULL ? srv->nb_conns - srv->nb_free : 0;
}

void lr_l4_server_walk(const struct lr_worker *w, lr_module_counter_fn fn, void *arg)
{
    struct lr_l4_server_counters c;

    lr_l4_server_counters_get(w, &c);
#define EMIT(f) fn(arg, #f, c.f)
    EMIT(tcp_requests);
    EMIT(tcp_answer_bytes);
    EMIT(udp_requests);
    EMIT(udp_answer_bytes);
    EMIT(bad_request);
    EMIT(too_large);
    EMIT(corrupt);
    EMIT(refused);
    EMIT(connections);
    EMIT(no_state);
#undef EMIT
}

static unsigned l4_ports(const struct lr_config *cfg, struct lr_port_claim *out)
{
    unsigned n = 0;

    if (cfg->tcp.l4_port != 0)
        out[n++] = (struct lr_port_claim){ IPPROTO_TCP, cfg->tcp.l4_port, cfg->tcp.l4_port,
                                           "[tcp] l4_port" };
    if (cfg->udp.l4_port != 0)
        out[n++] = (struct lr_port_claim){ IPPROTO_UDP, cfg->udp.l4_port, cfg->udp.l4_port,
                                           "[udp] l4_port" };
    return n;
}

static const struct lr_module_line l4_line[] = {
    { "tcp_requests", LR_LINE_REQUESTS },
    { "udp_requests", LR_LINE_REQUESTS },
    { NULL, 0 },
};

const struct lr_module lr_l4_server_module = {
    .name = "l4_server",
    .after = LR_MODULE_AFTER("tcp", "udp"),
    .init = lr_l4_server_init,
    .fini = lr_l4_server_free,
    .ports = l4_ports,
    .walk = lr_l4_server_walk,
    .line = l4_line,
};
