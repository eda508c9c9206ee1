/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TFTP server sessions (see lr_tftp.h); the packet formats are in
 * lr_tftp_wire.c.
 *
 * Call chain:
 *   lr_udp_input_burst() -> tftp_listen_recv()   RRQ on [tftp] listen
 *        -> tftp_start() -> tftp_send_oack() | tftp_fill() | tftp_refuse()
 *   lr_udp_input_burst() -> tftp_session_recv()  ACK/ERROR on the session TID
 *        -> tftp_on_ack() -> tftp_fill() (window slides) | tftp_rewind() | end
 *   timer wheel -> tftp_timeout() -> tftp_rewind() | give up
 *
 * A session keeps the window as block numbers [una, nxt) (RFC 7440; one
 * block with the default windowsize 1, RFC 1350's lock-step). Block k's bytes
 * are a pure function of k (file offset for octet; for netascii, the encoder
 * position at una is kept and moved forward as blocks are acknowledged), so
 * a retransmission rebuilds exactly the same bytes and nothing is kept per
 * block.
 */
#include <netinet/in.h>
#include <errno.h>
#include <string.h>

#include <rte_malloc.h>

#include <rte_lcore.h>
#include <rte_errno.h>

#include "lr_file_cache.h"
#include "lr_log.h"
#include "lr_net.h"
#include "lr_path.h"
#include "lr_pkt.h"
#include "lr_module.h"
#include "lr_http_config.h"
#include "lr_tftp.h"
#include "lr_tftp_wire.h"
#include "lr_udp.h"

#define TFTP_REQ_MAX     1024 /* longest request we parse (RFC 2347 suggests 512) */
#define TFTP_ERR_MAX     128
#define TFTP_NONE        UINT32_MAX
#define TFTP_ASCII_CHUNK 1024

struct tftp_session {
    struct lr_timer timer;
    struct lr_tftp_ctx *t;
    const struct lr_file_entry *f;
    rte_be32_t peer;
    rte_be32_t local;
    rte_be16_t peer_port;
    uint16_t tid; /* our port, host order */
    bool used;
    bool oack;       /* OACK in flight, waiting for ACK 0 */
    uint8_t mode;    /* enum lr_tftp_mode */
    uint16_t window; /* blocks sent before waiting for an ACK (RFC 7440; 1 = lock-step) */
    uint32_t blksize;
    uint32_t retries;
    uint32_t next_free;
    uint64_t timeout_us;
    /*
     * Blocks are counted from 1 in 64 bits (the wire carries the low 16
     * bits, so numbers wrap from 65535 to 0). Block k holds bytes
     * [(k - 1) * blksize, k * blksize) of the data as sent (after netascii),
     * the last block (nblocks) being shorter than blksize, possibly empty.
     */
    uint64_t total;               /* bytes to send */
    uint64_t nblocks;             /* total / blksize + 1 */
    uint64_t una;                 /* first block not acknowledged */
    uint64_t nxt;                 /* next block to send (una <= nxt <= una + window) */
    struct lr_tftp_ascii una_pos; /* netascii: encoder position at block una */
    struct lr_tftp_ascii nxt_pos; /* netascii: encoder position at block nxt */
    struct lr_tftp_oack oa;
};

struct lr_tftp_ctx {
    const struct lr_file_cache *fc;
    uint16_t listen;
    uint32_t max;
    uint32_t max_retries;
    uint32_t max_window;
    uint64_t timeout_us;
    uint32_t free_head;
    struct tftp_session *s;
    struct lr_tftp_counters c;
};

static void tftp_timeout(struct lr_worker *w, struct lr_timer *tm);

/* Send an ERROR packet from @sport to @dst:@dport (RFC 1350 §"Error packets"). */
static void tftp_send_error(struct lr_worker *w, rte_be32_t src, uint16_t sport, rte_be32_t dst,
                            rte_be16_t dport, uint16_t code, const char *msg)
{
    uint8_t buf[TFTP_ERR_MAX];
    size_t n = lr_tftp_build_error(buf, sizeof(buf), code, msg);

    if (!lr_ipv4_is_local(w, src))
        src = 0; /* RFC 1122 §4.1.3.5: never from a broadcast address */
    lr_udp_send(w, src, rte_cpu_to_be_16(sport), dst, dport, buf, (uint32_t)n);
}

/* Our address for replies to @d: its destination, or the route's port address (broadcast). */
static rte_be32_t tftp_local_addr(struct lr_worker *w, const struct lr_udp_dgram *d)
{
    rte_be32_t local = lr_ipv4_is_local(w, d->dst) ? d->dst : 0;
    if (local == 0) {
        rte_be32_t nh;
        int port = lr_ipv4_route(w, d->src, &nh);
        local = port >= 0 ? w->ports[port].addr : 0;
    }
    return local;
}

/* Datagrams to the short-lived port of a refusal (none expected): dropped, counted. */
static void tftp_refusal_recv(struct lr_worker *w, struct rte_mbuf *m, const struct lr_udp_dgram *d,
                              void *ctx)
{
    struct lr_tftp_ctx *t = ctx;

    RTE_SET_USED(d);
    t->c.bad_packets++;
    lr_pkt_drop(w, LR_DROP_UDP_APP, m);
}

/*
 * Refuse a request. RFC 1350 §4: every reply to a request, the ERROR
 * included, comes from a newly chosen TID, never from the listen port (a
 * client such as curl connect()s its socket to the first reply's source and
 * fails otherwise). The port is bound only while the error is sent. When no
 * port is free at all, the listen port is the only way to tell the client
 * (counted in tid_exhausted).
 */
static void tftp_refuse(struct lr_worker *w, struct lr_tftp_ctx *t, const struct lr_udp_dgram *d,
                        uint16_t code, const char *msg)
{
    rte_be32_t local = tftp_local_addr(w, d);
    uint16_t tid = lr_udp_bind_ephemeral(w, local, d->src, d->sport, tftp_refusal_recv, t);

    t->c.refused++;
    if (tid == 0) {
        t->c.tid_exhausted++;
        tftp_send_error(w, d->dst, t->listen, d->src, d->sport, code, msg);
        return;
    }
    tftp_send_error(w, local, tid, d->src, d->sport, code, msg);
    lr_udp_unbind(w, tid);
}

static void tftp_end(struct lr_worker *w, struct tftp_session *s)
{
    struct lr_tftp_ctx *t = s->t;

    lr_timer_cancel(&w->timers, &s->timer);
    lr_udp_unbind(w, s->tid);
    s->used = false;
    s->f = NULL;
    s->next_free = t->free_head;
    t->free_head = (uint32_t)(s - t->s);
    t->c.sessions_active--;
}

static int tftp_send_oack(struct lr_worker *w, struct tftp_session *s)
{
    uint8_t buf[160];
    size_t n = lr_tftp_build_oack(buf, sizeof(buf), &s->oa);

    return lr_udp_send(w, s->local, rte_cpu_to_be_16(s->tid), s->peer, s->peer_port, buf,
                       (uint32_t)n);
}

/* Bytes of block @k (1-based). */
static uint32_t block_len(const struct tftp_session *s, uint64_t k)
{
    uint64_t off = (k - 1) * s->blksize;
    uint64_t left = s->total - off;
    return left < s->blksize ? (uint32_t)left : s->blksize;
}

/* Move the netascii position @a forward by @n encoded bytes. */
static void ascii_skip(const struct lr_file_entry *f, struct lr_tftp_ascii *a, uint64_t n)
{
    uint8_t buf[TFTP_ASCII_CHUNK];

    while (n > 0) {
        size_t want = n < sizeof(buf) ? (size_t)n : sizeof(buf);
        size_t got = lr_tftp_ascii_encode(a, f->data, f->size, buf, want);
        n -= got;
        if (got < want)
            break;
    }
}

/*
 * Build and send block @k (first transmission or retransmission). Netascii
 * encodes from @pos, which is left after the block.
 */
static int tftp_send_block(struct lr_worker *w, struct tftp_session *s, uint64_t k,
                           struct lr_tftp_ascii *pos)
{
    struct lr_tftp_ctx *t = s->t;
    const struct lr_file_entry *f = s->f;
    uint32_t len = block_len(s, k);
    struct rte_mbuf *m = lr_pkt_alloc(w);
    uint8_t *hdr;

    if (m == NULL)
        return -ENOBUFS;
    hdr = (uint8_t *)rte_pktmbuf_append(m, LR_TFTP_HDR_LEN);
    if (hdr == NULL) {
        rte_pktmbuf_free(m);
        return -ENOBUFS;
    }
    /* Block numbers wrap from 65535 to 0 (the low 16 bits of k). */
    lr_tftp_build_data_hdr(hdr, (uint16_t)k);
    if (s->mode == LR_TFTP_MODE_OCTET) {
        uint64_t off = (k - 1) * s->blksize;
        if (len > 0) {
            /* Zero copy from the cache; copy when attaching is refused. */
            struct rte_mbuf *seg = lr_pkt_alloc(w);
            if (seg != NULL && lr_file_cache_attach(t->fc, w->id, f, off, len, seg) == 0) {
                if (rte_pktmbuf_chain(m, seg) != 0) {
                    rte_pktmbuf_free(seg);
                    rte_pktmbuf_free(m);
                    return -ENOBUFS;
                }
            } else {
                if (seg != NULL)
                    rte_pktmbuf_free(seg);
                if (lr_udp_append(w, m, f->data + off, len) != 0) {
                    rte_pktmbuf_free(m);
                    return -ENOBUFS;
                }
            }
        }
    } else {
        uint8_t buf[TFTP_ASCII_CHUNK];
        struct lr_tftp_ascii a = *pos;
        uint32_t left = len;
        while (left > 0) {
            size_t want = left < sizeof(buf) ? left : sizeof(buf);
            size_t n = lr_tftp_ascii_encode(&a, f->data, f->size, buf, want);
            if (n > 0 && lr_udp_append(w, m, buf, (uint32_t)n) != 0) {
                rte_pktmbuf_free(m);
                return -ENOBUFS;
            }
            left -= (uint32_t)n;
            if (n < want)
                break;
        }
        *pos = a;
    }
    return lr_udp_send_mbuf(w, s->local, rte_cpu_to_be_16(s->tid), s->peer, s->peer_port, m);
}

/*
 * Send blocks [nxt, una + window) that exist (RFC 7440 §4: a window of
 * consecutive blocks, then wait for the ACK of its last one) and (re)start
 * the timer. Blocks below @first_new are retransmissions.
 */
static void tftp_fill(struct lr_worker *w, struct tftp_session *s, uint64_t first_new)
{
    struct lr_tftp_ctx *t = s->t;
    uint64_t end = s->una + s->window;

    if (end > s->nblocks + 1)
        end = s->nblocks + 1;
    while (s->nxt < end) {
        struct lr_tftp_ascii pos = s->nxt_pos;
        if (tftp_send_block(w, s, s->nxt, &pos) != 0)
            break; /* counted by UDP; the timer sends it again */
        if (s->nxt < first_new) {
            t->c.retransmits++;
        } else {
            t->c.blocks_sent++;
            t->c.bytes_sent += block_len(s, s->nxt);
        }
        s->nxt_pos = pos;
        s->nxt++;
    }
    lr_timer_arm(&w->timers, &s->timer, w->now + s->timeout_us);
}

/* Send the window again from its first block not acknowledged. */
static void tftp_rewind(struct lr_worker *w, struct tftp_session *s)
{
    uint64_t sent = s->nxt;

    s->nxt = s->una;
    s->nxt_pos = s->una_pos;
    tftp_fill(w, s, sent);
}

static void tftp_timeout(struct lr_worker *w, struct lr_timer *tm)
{
    struct tftp_session *s = container_of(tm, struct tftp_session, timer);
    struct lr_tftp_ctx *t = s->t;

    if (s->retries >= t->max_retries) {
        t->c.timeouts++;
        tftp_end(w, s);
        return;
    }
    s->retries++;
    if (s->oack) {
        t->c.retransmits++;
        tftp_send_oack(w, s);
        lr_timer_arm(&w->timers, &s->timer, w->now + s->timeout_us);
        return;
    }
    /* RFC 7440 §4: on timeout, the whole window from the first unacked block. */
    tftp_rewind(w, s);
}

/* The first data window, after the OACK was acknowledged (or without options). */
static void tftp_begin_data(struct lr_worker *w, struct tftp_session *s)
{
    s->oack = false;
    s->retries = 0;
    tftp_fill(w, s, s->nxt);
}

/* An ACK for wire block @b while data is in flight. */
static void tftp_on_ack(struct lr_worker *w, struct tftp_session *s, uint16_t b)
{
    struct lr_tftp_ctx *t = s->t;
    /* Which outstanding block @b names: una - 1 + d, with d in [0, nxt - una]. */
    uint16_t d = (uint16_t)(b - (uint16_t)(s->una - 1));

    if (d == 0 || d > s->nxt - s->una) {
        /* RFC 1123 §4.2.3.1: a duplicate (or stale) ACK never causes a
         * retransmission; only the timer does (Sorcerer's Apprentice). */
        t->c.dup_acks++;
        return;
    }
    uint64_t acked = s->una - 1 + d;
    if (acked == s->nblocks) {
        t->c.completed++;
        tftp_end(w, s);
        return;
    }
    /* Progress: the netascii position of the new una, then the window slides. */
    if (s->mode != LR_TFTP_MODE_OCTET) {
        if (acked + 1 == s->nxt)
            s->una_pos = s->nxt_pos;
        else
            ascii_skip(s->f, &s->una_pos, (uint64_t)d * s->blksize);
    }
    s->una = acked + 1;
    s->retries = 0;
    if (s->una < s->nxt) {
        /*
         * RFC 7440 §4: an ACK of a block before the window's last means the
         * client lost the one after it: resume sending from there.
         */
        t->c.window_rewinds++;
        tftp_rewind(w, s);
        return;
    }
    tftp_fill(w, s, s->nxt);
}

static void tftp_session_recv(struct lr_worker *w, struct rte_mbuf *m, const struct lr_udp_dgram *d,
                              void *ctx)
{
    struct tftp_session *s = ctx;
    struct lr_tftp_ctx *t = s->t;
    uint8_t buf[TFTP_ERR_MAX + LR_TFTP_HDR_LEN];
    uint32_t len = m->pkt_len < sizeof(buf) ? m->pkt_len : (uint32_t)sizeof(buf);
    const uint8_t *p = rte_pktmbuf_read(m, 0, len, buf);
    uint16_t op = len >= 2 && p != NULL ? (uint16_t)((p[0] << 8) | p[1]) : 0;
    struct lr_tftp_pkt pkt;

    if (d->src != s->peer || d->sport != s->peer_port) {
        /* RFC 1350 §4: a packet from a foreign TID gets error 5, and the
         * transfer goes on undisturbed. Errors are never answered. */
        t->c.unknown_tid++;
        if (op != LR_TFTP_ERROR)
            tftp_send_error(w, d->dst, s->tid, d->src, d->sport, LR_TFTP_ERR_UNKNOWN_TID,
                            "Unknown transfer ID");
        rte_pktmbuf_free(m);
        return;
    }
    rte_pktmbuf_free(m);
    if (op == LR_TFTP_ERROR) {
        /* RFC 1350 §7: an error ends the transfer, without reply. */
        t->c.aborted++;
        tftp_end(w, s);
        return;
    }
    if (p == NULL || lr_tftp_parse(p, len, &pkt) != 0 || pkt.op != LR_TFTP_ACK) {
        t->c.bad_packets++;
        tftp_send_error(w, s->local, s->tid, s->peer, s->peer_port, LR_TFTP_ERR_ILLEGAL_OP,
                        "Illegal TFTP operation");
        tftp_end(w, s);
        return;
    }
    if (s->oack) {
        if (pkt.block != 0) {
            t->c.dup_acks++;
            return;
        }
        tftp_begin_data(w, s);
        return;
    }
    tftp_on_ack(w, s, pkt.block);
}

/* Validate a request and start its transfer; errors answered from a new TID. */
static void tftp_start(struct lr_worker *w, struct lr_tftp_ctx *t, const struct lr_tftp_pkt *req,
                       const struct lr_udp_dgram *d)
{
    char vpath[LR_TFTP_FILENAME_MAX + 2];
    const struct lr_file_entry *f;
    struct tftp_session *s;
    int n;

    if (req->op == LR_TFTP_WRQ) {
        tftp_refuse(w, t, d, LR_TFTP_ERR_ACCESS, "Read-only server");
        return;
    }
    if (req->mode == LR_TFTP_MODE_MAIL) {
        tftp_refuse(w, t, d, LR_TFTP_ERR_ILLEGAL_OP, "Mail mode not supported");
        return;
    }
    n = lr_path_normalize(req->filename, strlen(req->filename), vpath, sizeof(vpath), 0);
    if (n < 0) {
        tftp_refuse(w, t, d, LR_TFTP_ERR_ACCESS, "Access violation");
        return;
    }
    f = lr_file_cache_lookup(t->fc, vpath, (size_t)n);
    if (f == NULL || f->type != LR_FILE_REG) {
        t->c.not_found++;
        tftp_refuse(w, t, d, LR_TFTP_ERR_NOT_FOUND, "File not found");
        return;
    }
    /* A repeated RRQ (our first answer was lost) is answered by resending
     * that answer rather than by a second transfer. */
    for (uint32_t i = 0; i < t->max; i++) {
        s = &t->s[i];
        if (s->used && s->peer == d->src && s->peer_port == d->sport && (s->oack || s->una == 1) &&
            s->f == f) {
            if (s->oack) {
                t->c.retransmits++;
                tftp_send_oack(w, s);
            } else {
                tftp_rewind(w, s); /* the first window again (counted per block) */
            }
            return;
        }
    }
    if (t->free_head == TFTP_NONE) {
        t->c.busy++;
        tftp_refuse(w, t, d, LR_TFTP_ERR_UNDEF, "Server busy");
        return;
    }
    s = &t->s[t->free_head];
    rte_be32_t local = tftp_local_addr(w, d);
    uint16_t tid = lr_udp_bind_ephemeral(w, local, d->src, d->sport, tftp_session_recv, s);
    if (tid == 0) {
        t->c.busy++;
        tftp_refuse(w, t, d, LR_TFTP_ERR_UNDEF, "Server busy");
        return;
    }
    t->free_head = s->next_free;
    t->c.sessions_active++;
    s->used = true;
    s->f = f;
    s->peer = d->src;
    s->peer_port = d->sport;
    s->local = local;
    s->tid = tid;
    s->mode = (uint8_t)req->mode;
    s->blksize = LR_TFTP_BLKSIZE_DEFAULT;
    s->timeout_us = t->timeout_us;
    s->window = 1;
    s->retries = 0;
    s->oack = false;
    s->una = 1;
    s->nxt = 1;
    lr_tftp_ascii_init(&s->una_pos);
    lr_tftp_ascii_init(&s->nxt_pos);
    memset(&s->oa, 0, sizeof(s->oa));
    s->total = s->mode == LR_TFTP_MODE_OCTET ? f->size : lr_tftp_ascii_size(f->data, f->size);

    /* RFC 2347: acknowledge the options we accept in an OACK, then wait for
     * ACK 0; with none, DATA 1 is the answer (RFC 1350). */
    if (req->has_blksize) {
        s->oa.blksize = true;
        s->oa.blksize_val = req->blksize; /* already within [8, 65464] */
        s->blksize = req->blksize;
    }
    if (req->has_tsize) {
        /* RFC 2349: the server answers with the size of the file. */
        s->oa.tsize = true;
        s->oa.tsize_val = s->total;
    }
    if (req->has_timeout) {
        s->oa.timeout = true;
        s->oa.timeout_val = req->timeout;
        s->timeout_us = (uint64_t)req->timeout * 1000000u;
    }
    if (req->has_windowsize) {
        /* RFC 7440 §3: the server may answer a smaller value; ours is capped
         * by [tftp] max_window. */
        s->window = (uint16_t)RTE_MIN((uint32_t)req->windowsize, t->max_window);
        s->oa.windowsize = true;
        s->oa.windowsize_val = s->window;
    }
    s->nblocks = s->total / s->blksize + 1;
    if (s->oa.blksize || s->oa.tsize || s->oa.timeout || s->oa.windowsize) {
        s->oack = true;
        tftp_send_oack(w, s);
        lr_timer_arm(&w->timers, &s->timer, w->now + s->timeout_us);
        return;
    }
    tftp_begin_data(w, s);
}

static void tftp_listen_recv(struct lr_worker *w, struct rte_mbuf *m, const struct lr_udp_dgram *d,
                             void *ctx)
{
    struct lr_tftp_ctx *t = ctx;
    uint8_t buf[TFTP_REQ_MAX];
    uint32_t len = m->pkt_len;
    struct lr_tftp_pkt req;
    const uint8_t *p;
    int rc;

    if (d->sport == 0 || len > sizeof(buf)) {
        t->c.bad_packets++;
        lr_pkt_drop(w, LR_DROP_UDP_APP, m);
        return;
    }
    p = rte_pktmbuf_read(m, 0, len, buf);
    if (p != buf && p != NULL && len > 0) {
        memcpy(buf, p, len); /* the parser's strings must stay valid after the free */
        p = buf;
    }
    rte_pktmbuf_free(m);
    rc = p == NULL ? -LR_TFTP_PARSE_SHORT : lr_tftp_parse(p, len, &req);
    if (rc == 0 && (req.op == LR_TFTP_RRQ || req.op == LR_TFTP_WRQ)) {
        t->c.requests += req.op == LR_TFTP_RRQ;
        tftp_start(w, t, &req, d);
        return;
    }
    t->c.bad_packets++;
    if (len >= 2 && p != NULL && ((p[0] << 8) | p[1]) >= LR_TFTP_DATA &&
        ((p[0] << 8) | p[1]) <= LR_TFTP_OACK)
        return; /* transfer packets at the listen port: stray (a client that
                 * already gave up sends them), answered by nothing; errors
                 * are never answered (RFC 1350 §7) */
    tftp_refuse(w, t, d, LR_TFTP_ERR_ILLEGAL_OP, "Illegal TFTP operation");
}

int lr_tftp_init(struct lr_worker *w, const struct lr_file_cache *fc)
{
    const struct lr_tftp_config *tc = lr_tftp_conf(w->cfg);
    struct lr_tftp_ctx *t;
    int rc;

    if (tc->listen == 0)
        return 0;
    if (fc == NULL || tc->max_sessions == 0 || tc->timeout == 0)
        return -EINVAL;
    t = rte_zmalloc_socket("lr_tftp", sizeof(*t), RTE_CACHE_LINE_SIZE, (int)w->socket);
    if (t == NULL)
        return -ENOMEM;
    t->s = rte_zmalloc_socket("lr_tftp_s", sizeof(struct tftp_session) * tc->max_sessions,
                              RTE_CACHE_LINE_SIZE, (int)w->socket);
    if (t->s == NULL) {
        rte_free(t);
        return -ENOMEM;
    }
    t->fc = fc;
    t->listen = tc->listen;
    t->max = tc->max_sessions;
    t->max_retries = tc->retries;
    t->timeout_us = tc->timeout;
    t->max_window = tc->max_window ? tc->max_window : 1;
    for (uint32_t i = 0; i < t->max; i++) {
        lr_timer_init(&t->s[i].timer, tftp_timeout);
        t->s[i].t = t;
        t->s[i].next_free = i + 1 < t->max ? i + 1 : TFTP_NONE;
    }
    t->free_head = 0;
    rc = lr_udp_bind(w, t->listen, tftp_listen_recv, t);
    if (rc != 0) {
        rte_free(t->s);
        rte_free(t);
        return rc;
    }
    return 0;
}

void lr_tftp_free(struct lr_worker *w)
{
    const struct lr_tftp_config *tc = lr_tftp_conf(w->cfg);
    struct lr_tftp_ctx *t;

    if (tc->listen == 0 || w->udp == NULL)
        return;
    t = lr_udp_bound_ctx(w, tc->listen);
    if (t == NULL)
        return;
    for (uint32_t i = 0; i < t->max; i++)
        if (t->s[i].used)
            tftp_end(w, &t->s[i]);
    lr_udp_unbind(w, t->listen);
    rte_free(t->s);
    rte_free(t);
}

void lr_tftp_counters_add(const struct lr_worker *w, struct lr_tftp_counters *acc)
{
    const struct lr_tftp_ctx *t;

    if (lr_tftp_conf(w->cfg)->listen == 0 || w->udp == NULL)
        return;
    t = lr_udp_bound_ctx(w, lr_tftp_conf(w->cfg)->listen);
    if (t == NULL)
        return;
    acc->requests += t->c.requests;
    acc->refused += t->c.refused;
    acc->not_found += t->c.not_found;
    acc->busy += t->c.busy;
    acc->sessions_active += t->c.sessions_active;
    acc->completed += t->c.completed;
    acc->timeouts += t->c.timeouts;
    acc->aborted += t->c.aborted;
    acc->retransmits += t->c.retransmits;
    acc->window_rewinds += t->c.window_rewinds;
    acc->tid_exhausted += t->c.tid_exhausted;
    acc->dup_acks += t->c.dup_acks;
    acc->unknown_tid += t->c.unknown_tid;
    acc->bad_packets += t->c.bad_packets;
    acc->blocks_sent += t->c.blocks_sent;
    acc->bytes_sent += t->c.bytes_sent;
}

/* The module's walk hook: /linerate/tftp, /linerate/stats and the final
 * summary (lib/runtime/lr_modules.c sums it over workers). */
void lr_tftp_module_walk(const struct lr_worker *w, lr_module_counter_fn fn, void *arg)
{
    struct lr_tftp_counters c = { 0 };

    lr_tftp_counters_add(w, &c);
    fn(arg, "requests", c.requests);
    fn(arg, "refused", c.refused);
    fn(arg, "not_found", c.not_found);
    fn(arg, "busy", c.busy);
    fn(arg, "sessions_active", c.sessions_active);
    fn(arg, "completed", c.completed);
    fn(arg, "timeouts", c.timeouts);
    fn(arg, "aborted", c.aborted);
    fn(arg, "retransmits", c.retransmits);
    fn(arg, "window_rewinds", c.window_rewinds);
    fn(arg, "tid_exhausted", c.tid_exhausted);
    fn(arg, "dup_acks", c.dup_acks);
    fn(arg, "unknown_tid", c.unknown_tid);
    fn(arg, "bad_packets", c.bad_packets);
    fn(arg, "blocks_sent", c.blocks_sent);
    fn(arg, "bytes_sent", c.bytes_sent);
}

/* --- the module (lr_module.h) ---------------------------------------------
 * Start-time state, written on the main lcore only (global init and fini);
 * workers read the cache through their own context.
 */
static struct lr_file_cache *tftp_cache;

static int tftp_module_global_init(const struct lr_config *cfg)
{
    char err[256] = "";
    uint16_t nb_workers = (uint16_t)RTE_MIN(rte_lcore_count(), (unsigned)LR_MAX_WORKERS);

    if (lr_tftp_conf(cfg)->listen == 0)
        return 0;
    tftp_cache = lr_file_cache_get(lr_tftp_conf(cfg)->root, lr_http_conf(cfg)->cache_bytes,
                                   nb_workers, err, sizeof(err));
    if (tftp_cache == NULL) {
        int e = rte_errno ? rte_errno : EINVAL;
        LR_LOG(ERR, udp, "[tftp] root: %s", err);
        return -e;
    }
    return 0;
}

static void tftp_module_global_fini(void)
{
    lr_file_cache_put(tftp_cache); /* after the last worker: no mbuf points into it */
    tftp_cache = NULL;
}

static int tftp_module_init(struct lr_worker *w)
{
    if (lr_tftp_conf(w->cfg)->listen == 0)
        return 0;
    return lr_tftp_init(w, tftp_cache);
}

static void tftp_module_fini(struct lr_worker *w)
{
    if (lr_tftp_conf(w->cfg)->listen == 0 ||
        lr_udp_bound_ctx(w, lr_tftp_conf(w->cfg)->listen) == NULL)
        return;
    lr_tftp_free(w);
}

void lr_tftp_module_shutdown(struct lr_worker *w)
{
    struct lr_tftp_ctx *t;

    if (lr_tftp_conf(w->cfg)->listen == 0 || w->udp == NULL)
        return;
    t = lr_udp_bound_ctx(w, lr_tftp_conf(w->cfg)->listen);
    if (t == NULL)
        return;
    /* Graceful stop: tell every client its transfer ends (RFC 1350 §7). */
    for (uint32_t i = 0; i < t->max; i++) {
        struct tftp_session *s = &t->s[i];
        if (!s->used)
            continue;
        tftp_send_error(w, s->local, s->tid, s->peer, s->peer_port, LR_TFTP_ERR_UNDEF,
                        "Server shutting down");
        t->c.aborted++;
        tftp_end(w, s);
    }
}

uint32_t lr_tftp_udp_binds(const struct lr_config *cfg)
{
    return lr_tftp_conf(cfg)->listen != 0 ? lr_tftp_conf(cfg)->max_sessions : 0;
}

static const struct lr_module_line tftp_line[] = {
    { "requests", LR_LINE_REQUESTS },
    { "sessions_active", LR_LINE_SESSIONS },
    { "completed", LR_LINE_TRANSFERS },
    { "bytes_sent", LR_LINE_XFER_BYTES },
    { NULL, 0 },
};

static unsigned tftp_module_ports(const struct lr_config *cfg, struct lr_port_claim *out)
{
    if (lr_tftp_conf(cfg)->listen == 0)
        return 0;
    out[0] = (struct lr_port_claim){ IPPROTO_UDP, lr_tftp_conf(cfg)->listen,
                                     lr_tftp_conf(cfg)->listen, "[tftp] listen" };
    return 1;
}

const struct lr_module lr_tftp_module = {
    .name = "tftp",
    .config = &lr_tftp_config_section,
    .after = LR_MODULE_AFTER("udp"),
    .global_init = tftp_module_global_init,
    .global_fini = tftp_module_global_fini,
    .init = tftp_module_init,
    .fini = tftp_module_fini,
    .udp_binds = lr_tftp_udp_binds,
    .ports = tftp_module_ports,
    .shutdown = lr_tftp_module_shutdown,
    .walk = lr_tftp_module_walk,
    .line = tftp_line,
    .gauges = LR_MODULE_GAUGES("sessions_active"),
};
