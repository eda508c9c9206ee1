/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The stream ops (lr_stream.h): plain TCP, and TLS over TCP for servers.
 *
 * A TLS connection is a TCP connection whose callbacks are this file's and
 * whose TCP context is a session from the worker's pool (sized at start,
 * [tls] max_sessions). The application's callbacks and context live in the
 * session:
 *
 *   TCP accept     a session and an engine connection; TCP in manual receive
 *                  mode; the handshake timer ([tls] handshake_timeout). At
 *                  most [tls] max_handshakes in progress per worker: a flood
 *                  of handshakes is refused with RST before it costs crypto,
 *                  so established connections keep the CPU.
 *   TCP data       ciphertext queued in the session's lr_tls_io; handshake,
 *                  then the application's accept(); decrypted bytes go to its
 *                  data() in fresh mbufs (parsers unchanged). Ciphertext read
 *                  by the engine is given back to TCP (lr_tcp_rcv_consumed),
 *                  so TCP's window bounds what a peer makes us hold; the
 *                  plaintext the application holds (manual mode) is bounded
 *                  by TLS_PLAIN_HOLD: past it we stop decrypting.
 *   send_mbuf      the chain is kept (one at most, as TCP's own queue may
 *                  exceed sndbuf by one chain) and encrypted segment by
 *                  segment straight from its buffers (the file cache: no
 *                  plaintext copy), a record of at most 16 KB each, as TCP
 *                  send space allows; records go to TCP as mbuf chains and
 *                  are retransmitted as stored (never re-encrypted).
 *   close          after the kept chain is encrypted: close_notify (RFC 8446
 *                  §6.1), then TCP's close, which takes the peer's own
 *                  close_notify without a RST (TLS_CLOSE_DISCARD). After a
 *                  fatal error only the queued alert is sent before TCP
 *                  closes (RFC 8446 §6.2).
 *   TCP FIN        without close_notify first: counted as truncated; the
 *                  application sees peer_closed() as with plain TCP.
 *
 *   start TLS      lr_tls_server_start: a plain connection of the
 *                  application becomes a TLS server stream (FTP's AUTH TLS,
 *                  PROT P data connections); connected() says the
 *                  handshake is done.
 *   client         lr_tls_connect: TCP's connect, the ClientHello once TCP
 *                  is up, connected() once the handshake is done.
 *   budget         at most [tls] handshake_budget handshake steps per poll
 *                  loop; the others wait on the pool's deferred list (FIFO)
 *                  for the next loops: a flood of ClientHellos costs the
 *                  established connections a bounded share of each loop.
 *
 * Re-entrancy: the application may call any stream op from its callbacks,
 * including abort; a session is freed only when no call of ours is on the
 * stack (depth) — until then it is marked dead.
 */
#include <errno.h>
#include <sys/queue.h>
#include <stddef.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "lr_log.h"
#include "lr_stream.h"
#include "lr_tcp.h"
#include "lr_timer.h"
#include "lr_tls.h"
#include "lr_tls_io.h"
#include "lr_tls_module.h"

#define TLS_PLAIN_HOLD (128u * 1024) /* plaintext the application may hold */
#define TLS_RX_BATCH   16            /* mbufs of plaintext per data() call */
#define TLS_RETRY_US   1000u         /* retry after an mbuf shortage */
#define TLS_LISTEN_MAX 16
#define TLS_TX_SLACK   64u /* budget above a record's plaintext (LR_TLS_RECORD_OVERHEAD) */
/* Input taken without a RST after our close: the peer's close_notify, one
 * alert record (24 B in TLS 1.3, 31 B with TLS 1.2 AES-GCM, under 128 B with
 * any CBC suite), sent before our FIN reached it (RFC 8446 §6.1). */
#define TLS_CLOSE_DISCARD 256u

/* ---- plain TCP ---------------------------------------------------------- */

static void tcp_want_writable(struct lr_worker *w, struct lr_tcp_conn *c)
{
    RTE_SET_USED(w);
    lr_tcp_want_writable(c);
}

const struct lr_stream_ops lr_stream_tcp_ops = {
    .name = "tcp",
    .send = lr_tcp_send,
    .send_mbuf = lr_tcp_send_mbuf,
    .send_space = lr_tcp_send_space,
    .want_writable = tcp_want_writable,
    .rcv_manual = lr_tcp_conn_rcv_manual,
    .rcv_consumed = lr_tcp_rcv_consumed,
    .shutdown_write = lr_tcp_shutdown_write,
    .close = lr_tcp_close,
    .abort = lr_tcp_abort,
    .ctx_set = lr_tcp_conn_ctx_set,
    .ctx_get = lr_tcp_conn_ctx_get,
};

/* ---- TLS sessions --------------------------------------------------------- */

struct tls_listener {
    bool used;
    uint16_t port;
    const struct lr_tcp_listen_ops *app;
    void *app_ctx;
    struct lr_tls_stream_pool *pool;
};

struct tls_sess {
    struct lr_tls_stream_pool *pool;
    struct lr_tcp_conn *tcp; /* NULL once TCP let go of it */
    struct lr_tls_conn *tls;
    const struct lr_tcp_conn_ops *app; /* the application's callbacks */
    const struct tls_listener *lis;    /* accepted on a TLS port, else NULL */
    void *app_ctx;
    TAILQ_ENTRY(tls_sess) defer_link; /* on the pool's deferred list */
    struct rte_mbuf *pend;            /* plaintext chain being encrypted */
    struct rte_mbuf *pend_seg;        /* its segment at pend_off */
    uint32_t pend_off;
    uint32_t plain_held; /* delivered to the app and not consumed (manual) */
    uint32_t next_free;
    uint16_t depth;
    bool in_use;
    bool established;
    bool app_knows;  /* the application's accept() returned 0 */
    bool app_manual; /* the application consumes explicitly */
    bool app_closed; /* close() or abort(): deliver nothing more */
    bool want_writable;
    bool shut;      /* shutdown_write or close asked */
    bool shut_done; /* close_notify and TCP's FIN queued */
    bool close_asked;
    bool peer_fin;
    bool peer_told;
    bool failed;
    bool dead;
    bool rerun;
    bool retry_armed;
    bool client;   /* lr_tls_connect: we send the ClientHello */
    bool tcp_up;   /* client: TCP is established */
    bool deferred; /* on the deferred list: the handshake budget was spent */
    struct lr_timer timer;
    struct lr_tls_io io;
};

struct lr_tls_stream_pool {
    struct lr_tls_worker *tw;
    struct tls_sess *s;
    uint32_t n;
    uint32_t free_head;
    TAILQ_HEAD(, tls_sess) deferred; /* handshakes put off, oldest first */
    struct tls_listener lis[TLS_LISTEN_MAX];
};

static const struct lr_tcp_listen_ops tls_listen_ops;

bool lr_stream_is_tls(const struct lr_tcp_conn *c)
{
    return lr_tcp_conn_ops_get(c) == &tls_listen_ops.conn;
}

static inline struct tls_sess *sess_of(const struct lr_tcp_conn *c)
{
    return lr_tcp_conn_ctx_get(c);
}

static const struct lr_tcp_conn_ops *app_ops(const struct tls_sess *s)
{
    return s->app;
}

static void tls_timer(struct lr_worker *w, struct lr_timer *t);

static struct tls_sess *sess_alloc(struct lr_tls_stream_pool *p)
{
    if (p->free_head == UINT32_MAX)
        return NULL;
    struct tls_sess *s = &p->s[p->free_head];
    p->free_head = s->next_free;
    memset(s, 0, offsetof(struct tls_sess, io));
    s->pool = p;
    s->in_use = true;
    lr_timer_init(&s->timer, tls_timer);
    p->tw->scnt.sessions_active++;
    return s;
}

static void sess_free(struct lr_worker *w, struct tls_sess *s)
{
    struct lr_tls_stream_pool *p = s->pool;
    lr_timer_cancel(&w->timers, &s->timer);
    if (s->deferred)
        TAILQ_REMOVE(&p->deferred, s, defer_link);
    s->deferred = false;
    if (s->tls != NULL)
        p->tw->eng->free(s->tls);
    s->tls = NULL;
    lr_tls_io_release(&s->io);
    rte_pktmbuf_free(s->pend);
    s->pend = NULL;
    s->in_use = false;
    s->next_free = p->free_head;
    p->free_head = (uint32_t)(s - p->s);
    p->tw->scnt.sessions_active--;
}

/* End of one of our calls: free a dead session once nothing of ours runs. */
static void sess_leave(struct lr_worker *w, struct tls_sess *s)
{
    s->depth--;
    if (s->depth == 0 && s->dead)
        sess_free(w, s);
}

/* The engine may write as much as TCP takes now plus one record. */
static void tx_budget(struct tls_sess *s)
{
    uint32_t sp = s->tcp != NULL ? lr_tcp_send_space(s->tcp) : 0;
    lr_tls_io_tx_budget(&s->io, sp > 0 ? sp + LR_TLS_RECORD_MAX + TLS_TX_SLACK : 0);
}

/* Hand the records written so far to TCP; give back the ciphertext read. */
static void sess_sync(struct lr_worker *w, struct tls_sess *s)
{
    if (s->tcp == NULL)
        return;
    uint32_t used = lr_tls_io_rx_consumed_take(&s->io);
    if (used > 0)
        lr_tcp_rcv_consumed(w, s->tcp, used);
    struct rte_mbuf *m = lr_tls_io_tx_take(&s->io);
    if (m != NULL && lr_tcp_send_mbuf(w, s->tcp, m) < 0) {
        /* TCP cannot send any more (closed under us): the records are lost
         * with the connection. */
        rte_pktmbuf_free(m);
        s->pool->tw->cnt.io.tx_refused++;
    }
}

/* Give every queued ciphertext byte back to TCP so its close is a FIN, not
 * a RST for unread data (lr_tcp_close). */
static void rx_drop_all(struct lr_worker *w, struct tls_sess *s)
{
    uint32_t left = lr_tls_io_rx_pending(&s->io);
    uint32_t used = lr_tls_io_rx_consumed_take(&s->io);
    lr_tls_io_release(&s->io);
    if (s->tcp != NULL && used + left > 0)
        lr_tcp_rcv_consumed(w, s->tcp, used + left);
}

/* A fatal error (counted by the engine): send the alert, close TCP. */
static void sess_fail(struct lr_worker *w, struct tls_sess *s)
{
    if (s->failed)
        return;
    s->failed = true;
    lr_timer_cancel(&w->timers, &s->timer);
    rte_pktmbuf_free(s->pend);
    s->pend = NULL;
    sess_sync(w, s);
    rx_drop_all(w, s);
    if (s->tcp != NULL)
        lr_tcp_close(w, s->tcp); /* closed() follows */
}

static void sess_flush(struct lr_worker *w, struct tls_sess *s);

/* close_notify and TCP's FIN (or full close) once nothing is left to encrypt. */
static void sess_finish_shut(struct lr_worker *w, struct tls_sess *s)
{
    if (!s->shut || s->shut_done || s->pend != NULL || s->failed || s->tcp == NULL)
        return;
    if (lr_tcp_send_space(s->tcp) == 0) {
        /* The close_notify needs room too: sess_writable comes back here. */
        lr_tcp_want_writable(s->tcp);
        return;
    }
    s->shut_done = true;
    tx_budget(s);
    (void)s->pool->tw->eng->shutdown(s->tls); /* RFC 8446 §6.1 */
    sess_sync(w, s);
    if (s->close_asked) {
        rx_drop_all(w, s);
        lr_tcp_close_discard(w, s->tcp, TLS_CLOSE_DISCARD);
    } else {
        (void)lr_tcp_shutdown_write(w, s->tcp);
    }
}

/* Deliver plaintext to the application until the engine wants more input. */
static void sess_read(struct lr_worker *w, struct tls_sess *s)
{
    const struct lr_tls_engine *eng = s->pool->tw->eng;
    struct rte_mempool *mp = w->pool;
    do {
        s->rerun = false;
        while (!s->dead && !s->failed && !s->app_closed && s->tcp != NULL) {
            if (s->app_manual && s->plain_held >= TLS_PLAIN_HOLD) {
                s->pool->tw->scnt.plain_paused++;
                break;
            }
            struct rte_mbuf *head = NULL;
            int rc = 0;
            for (unsigned i = 0; i < TLS_RX_BATCH; i++) {
                struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
                if (m == NULL) {
                    s->pool->tw->cnt.io.tx_no_mbuf++;
                    rc = LR_TLS_WANT_READ;
                    break;
                }
                m->data_off = 0;
                tx_budget(s);
                rc = eng->read(s->tls, rte_pktmbuf_mtod(m, void *), m->buf_len);
                if (rc <= 0) {
                    rte_pktmbuf_free(m);
                    break;
                }
                m->data_len = (uint16_t)rc;
                m->pkt_len = (uint32_t)rc;
                if (head == NULL)
                    head = m;
                else if (rte_pktmbuf_chain(head, m) != 0)
                    rte_pktmbuf_free(m); /* cannot happen: the batch is short */
                if ((uint32_t)rc < m->buf_len)
                    break; /* the record is used up */
            }
            sess_sync(w, s);
            if (head != NULL) {
                if (s->app_manual)
                    s->plain_held += head->pkt_len;
                app_ops(s)->data(w, s->tcp, head);
                continue;
            }
            if (rc == LR_TLS_CLOSED) {
                /* close_notify (RFC 8446 §6.1): the peer sends no more. */
                if (!s->peer_told && !s->app_closed && app_ops(s)->peer_closed != NULL) {
                    s->peer_told = true;
                    app_ops(s)->peer_closed(w, s->tcp);
                }
                s->peer_told = true;
                break;
            }
            if (rc == LR_TLS_FATAL) {
                sess_fail(w, s);
                break;
            }
            if (rc == LR_TLS_WANT_WRITE && s->tcp != NULL)
                lr_tcp_want_writable(s->tcp);
            break; /* WANT_READ (or a shortage): wait for more */
        }
    } while (s->rerun && !s->dead && !s->failed);
}

/* Advance the handshake, then read. */
static void sess_run(struct lr_worker *w, struct tls_sess *s)
{
    struct lr_tls_worker *tw = s->pool->tw;
    if (s->failed || s->dead || s->tcp == NULL)
        return;
    if (!s->established) {
        if (s->client && !s->tcp_up)
            return; /* the ClientHello waits for TCP's connected() */
        /* [tls] handshake_budget: a flood of handshakes waits for the next
         * poll loops, so established connections keep the CPU. */
        if (tw->hs_left == 0) {
            if (!s->deferred) {
                s->deferred = true;
                TAILQ_INSERT_TAIL(&s->pool->deferred, s, defer_link);
                tw->scnt.hs_deferred++;
            }
            return;
        }
        if (tw->hs_budget != UINT32_MAX)
            tw->hs_left--;
        if (s->deferred) { /* its turn came before the poll's */
            TAILQ_REMOVE(&s->pool->deferred, s, defer_link);
            s->deferred = false;
        }
        tx_budget(s);
        int rc = tw->eng->handshake(s->tls);
        sess_sync(w, s);
        if (rc == LR_TLS_FATAL) {
            sess_fail(w, s);
            return;
        }
        if (rc == LR_TLS_WANT_WRITE) {
            lr_tcp_want_writable(s->tcp);
            return;
        }
        if (rc != LR_TLS_OK) {
            if (s->peer_fin) { /* the peer gave up mid-handshake */
                tw->eng->set_failed(s->tls, LR_TLS_FAIL_TRUNCATED);
                sess_fail(w, s);
            }
            return;
        }
        s->established = true;
        lr_timer_cancel(&w->timers, &s->timer);
        if (s->lis == NULL) {
            /* A client, or a connection made TLS by the application: it
             * knows the connection and learns that TLS is up. */
            if (app_ops(s)->connected != NULL)
                app_ops(s)->connected(w, s->tcp);
            if (s->dead || s->failed || s->tcp == NULL)
                return;
        } else {
            /* The application sees the connection now, as TCP's accept(). */
            if (s->lis->app->accept != NULL &&
                s->lis->app->accept(w, s->tcp, s->lis->app_ctx) < 0) {
                tw->scnt.app_refused++;
                s->app_closed = true;
                s->shut = s->close_asked = true;
                sess_finish_shut(w, s);
                return;
            }
            s->app_knows = true;
        }
    }
    sess_read(w, s);
}

/* Encrypt the kept chain as TCP's send space allows. */
static void sess_flush(struct lr_worker *w, struct tls_sess *s)
{
    struct lr_tls_worker *tw = s->pool->tw;
    while (s->pend != NULL && !s->failed && s->tcp != NULL) {
        if (lr_tcp_send_space(s->tcp) == 0) {
            lr_tcp_want_writable(s->tcp);
            return;
        }
        struct rte_mbuf *seg = s->pend_seg;
        uint32_t k = RTE_MIN((uint32_t)seg->data_len - s->pend_off, (uint32_t)LR_TLS_RECORD_MAX);
        /* Room for the record's mbufs first: a record the engine could not
         * hand over would stay inside it. */
        unsigned need = k / 1024 + 4;
        if (rte_mempool_avail_count(w->pool) < need) {
            tw->scnt.tx_retry++;
            if (!s->retry_armed) {
                s->retry_armed = true;
                lr_timer_arm(&w->timers, &s->timer, w->now + TLS_RETRY_US);
            }
            return;
        }
        int rc = k == 0 ? 0 : LR_TLS_OK;
        if (k > 0) {
            lr_tls_io_tx_budget(&s->io, k + TLS_TX_SLACK);
            rc = tw->eng->write(s->tls, rte_pktmbuf_mtod_offset(seg, const uint8_t *, s->pend_off),
                                k);
            sess_sync(w, s);
            if (rc < 0) {
                /* Budget and mbufs were there: the engine failed (counted). */
                sess_fail(w, s);
                return;
            }
            s->pend_off += (uint32_t)rc;
        }
        if (s->pend_off >= seg->data_len) {
            s->pend_seg = seg->next;
            s->pend_off = 0;
            if (s->pend_seg == NULL) {
                rte_pktmbuf_free(s->pend); /* references into the file cache go */
                s->pend = NULL;
            }
        }
    }
    if (s->pend == NULL)
        sess_finish_shut(w, s);
}

/* After send space came back: encrypt more, then tell the application. */
static void sess_writable(struct lr_worker *w, struct tls_sess *s)
{
    if (!s->established) {
        sess_run(w, s);
        return;
    }
    sess_flush(w, s);
    if (s->pend == NULL && s->want_writable && !s->app_closed && !s->failed && s->tcp != NULL) {
        if (lr_tcp_send_space(s->tcp) > 0) {
            s->want_writable = false;
            if (app_ops(s)->writable != NULL)
                app_ops(s)->writable(w, s->tcp);
        } else {
            /* The chain took the space: the application waits for the next. */
            lr_tcp_want_writable(s->tcp);
        }
    }
    /* A read paused on WANT_WRITE resumes too. */
    if (!s->dead && !s->failed)
        sess_read(w, s);
}

/* ---- TCP callbacks of a TLS connection ------------------------------------ */

static int tls_accept(struct lr_worker *w, struct lr_tcp_conn *c, void *listen_ctx)
{
    struct tls_listener *l = listen_ctx;
    struct lr_tls_stream_pool *p = l->pool;
    struct lr_tls_worker *tw = p->tw;
    if (tw->cnt.in_progress >= tw->max_handshakes) {
        tw->scnt.hs_refused_cap++;
        return -1;
    }
    struct tls_sess *s = sess_alloc(p);
    if (s == NULL) {
        tw->scnt.hs_refused_sessions++;
        return -1;
    }
    s->tcp = c;
    s->lis = l;
    s->app = &l->app->conn;
    s->app_ctx = l->app_ctx; /* as TCP: the listener's until accept() sets one */
    lr_tls_io_init(&s->io, w->pool, 0, 0, &tw->cnt.io);
    struct lr_tls_conn_opts o = { .now = w->now };
    s->tls = tw->eng->init(tw->server, &s->io, &o);
    if (s->tls == NULL) {
        sess_free(w, s);
        return -1;
    }
    lr_tcp_conn_ctx_set(c, s);
    lr_tcp_conn_rcv_manual(c, true);
    if (tw->hs_timeout_us > 0)
        lr_timer_arm(&w->timers, &s->timer, w->now + tw->hs_timeout_us);
    return 0;
}

static void tls_data(struct lr_worker *w, struct lr_tcp_conn *c, struct rte_mbuf *m)
{
    struct tls_sess *s = sess_of(c);
    uint32_t len = m->pkt_len;
    if (s->failed || s->app_closed) {
        rte_pktmbuf_free(m);
        lr_tcp_rcv_consumed(w, c, len);
        return;
    }
    s->depth++;
    if (lr_tls_io_rx_push(&s->io, m) < 0)
        sess_fail(w, s);
    else
        sess_run(w, s);
    sess_leave(w, s);
}

static void tls_writable(struct lr_worker *w, struct lr_tcp_conn *c)
{
    struct tls_sess *s = sess_of(c);
    s->depth++;
    sess_writable(w, s);
    sess_leave(w, s);
}

static void tls_peer_closed(struct lr_worker *w, struct lr_tcp_conn *c)
{
    struct tls_sess *s = sess_of(c);
    s->depth++;
    s->peer_fin = true;
    sess_run(w, s); /* complete records still queued */
    if (!s->dead && !s->failed && s->established && !s->peer_told) {
        /* TCP's FIN without close_notify first (RFC 8446 §6.1): a truncation
         * attack is possible, so it is counted; HTTP's framing still says
         * whether a request was complete. */
        s->pool->tw->scnt.truncated++;
        s->peer_told = true;
        if (!s->app_closed && app_ops(s)->peer_closed != NULL)
            app_ops(s)->peer_closed(w, c);
    }
    sess_leave(w, s);
}

static void tls_fin_acked(struct lr_worker *w, struct lr_tcp_conn *c)
{
    struct tls_sess *s = sess_of(c);
    /* After the application's close() too, as plain TCP does: our FIN
     * follows our close_notify and the last record, so its ACK says the
     * peer has every byte (FTP ends a download there, RFC 959 §3.2). */
    if (s->app_knows && app_ops(s)->fin_acked != NULL)
        app_ops(s)->fin_acked(w, c);
}

static void tls_closed(struct lr_worker *w, struct lr_tcp_conn *c, enum lr_tcp_close_reason why)
{
    struct tls_sess *s = sess_of(c);
    if (s == NULL)
        return;
    struct lr_tls_worker *tw = s->pool->tw;
    s->depth++;
    if (!s->established && !s->failed && s->tls != NULL && why != LR_TCP_CLOSE_SHUTDOWN &&
        (!s->client || s->tcp_up))
        tw->eng->set_failed(s->tls, why == LR_TCP_CLOSE_TIMEOUT ? LR_TLS_FAIL_TIMEOUT
                                                                : LR_TLS_FAIL_TRUNCATED);
    if (s->app_knows && app_ops(s)->closed != NULL)
        app_ops(s)->closed(w, c, why);
    s->app_knows = false;
    s->tcp = NULL;
    s->dead = true;
    sess_leave(w, s);
}

static void tls_timer(struct lr_worker *w, struct lr_timer *t)
{
    struct tls_sess *s = container_of(t, struct tls_sess, timer);
    s->depth++;
    if (s->retry_armed) {
        s->retry_armed = false;
        sess_writable(w, s);
    } else if (!s->established && !s->failed) {
        /* The handshake took longer than [tls] handshake_timeout. */
        s->pool->tw->scnt.hs_timeouts++;
        s->pool->tw->eng->set_failed(s->tls, LR_TLS_FAIL_TIMEOUT);
        sess_fail(w, s);
    }
    sess_leave(w, s);
}

/* Client: TCP is up, the ClientHello goes out. */
static void tls_connected(struct lr_worker *w, struct lr_tcp_conn *c)
{
    struct tls_sess *s = sess_of(c);
    struct lr_tls_worker *tw = s->pool->tw;
    s->depth++;
    s->tcp_up = true;
    lr_tcp_conn_rcv_manual(c, true);
    if (tw->hs_timeout_us > 0)
        lr_timer_arm(&w->timers, &s->timer, w->now + tw->hs_timeout_us);
    sess_run(w, s);
    sess_leave(w, s);
}

static const struct lr_tcp_listen_ops tls_listen_ops = {
    .accept = tls_accept,
    .conn =
        {
            .connected = tls_connected,
            .data = tls_data,
            .writable = tls_writable,
            .peer_closed = tls_peer_closed,
            .fin_acked = tls_fin_acked,
            .closed = tls_closed,
        },
};

/* ---- the stream ops of a TLS connection (called by the application) ------ */

static uint32_t tls_send_space(const struct lr_tcp_conn *c)
{
    const struct tls_sess *s = sess_of(c);
    if (!s->established || s->pend != NULL || s->shut || s->failed || s->tcp == NULL)
        return 0;
    return lr_tcp_send_space(s->tcp);
}

static void tls_want_writable(struct lr_worker *w, struct lr_tcp_conn *c)
{
    RTE_SET_USED(w);
    struct tls_sess *s = sess_of(c);
    s->want_writable = true;
    if (s->tcp != NULL && s->pend == NULL)
        lr_tcp_want_writable(s->tcp);
}

static int tls_send_mbuf(struct lr_worker *w, struct lr_tcp_conn *c, struct rte_mbuf *m)
{
    struct tls_sess *s = sess_of(c);
    if (!s->established || s->shut || s->failed || s->tcp == NULL)
        return -ENOTCONN;
    if (m == NULL || m->pkt_len == 0)
        return -EINVAL;
    if (tls_send_space(c) == 0) {
        tls_want_writable(w, c);
        return -ENOBUFS;
    }
    uint32_t len = m->pkt_len;
    s->pend = m;
    s->pend_seg = m;
    s->pend_off = 0;
    s->depth++;
    sess_flush(w, s);
    sess_leave(w, s);
    return (int)len;
}

static int tls_send(struct lr_worker *w, struct lr_tcp_conn *c, const void *data, uint32_t len)
{
    struct tls_sess *s = sess_of(c);
    if (!s->established || s->shut || s->failed || s->tcp == NULL)
        return -ENOTCONN;
    uint32_t n = RTE_MIN(len, tls_send_space(c));
    if (n < len)
        tls_want_writable(w, c);
    if (n == 0)
        return 0; /* as lr_tcp_send: nothing taken, writable() follows */
    /* Copy into mbufs and encrypt those (the caller's buffer does not stay). */
    struct rte_mbuf *head = NULL;
    const uint8_t *p = data;
    for (uint32_t off = 0; off < n;) {
        struct rte_mbuf *m = rte_pktmbuf_alloc(w->pool);
        if (m == NULL)
            break;
        m->data_off = 0;
        uint32_t k = RTE_MIN(n - off, (uint32_t)m->buf_len);
        memcpy(rte_pktmbuf_mtod(m, uint8_t *), p + off, k);
        m->data_len = (uint16_t)k;
        m->pkt_len = k;
        if (head == NULL) {
            head = m;
        } else if (rte_pktmbuf_chain(head, m) != 0) {
            rte_pktmbuf_free(m);
            break;
        }
        off += k;
    }
    if (head == NULL) {
        /* No mbuf for a single byte (lr_tcp_send's -ENOBUFS): writable()
         * still comes, from the retry timer, so the caller need not poll. */
        s->pool->tw->cnt.io.tx_no_mbuf++;
        s->want_writable = true;
        if (!s->retry_armed) {
            s->retry_armed = true;
            lr_timer_arm(&w->timers, &s->timer, w->now + TLS_RETRY_US);
        }
        return -ENOBUFS;
    }
    return tls_send_mbuf(w, c, head);
}

static void tls_rcv_manual(struct lr_tcp_conn *c, bool manual)
{
    sess_of(c)->app_manual = manual;
}

static void tls_rcv_consumed(struct lr_worker *w, struct lr_tcp_conn *c, uint32_t n)
{
    struct tls_sess *s = sess_of(c);
    bool was_paused = s->plain_held >= TLS_PLAIN_HOLD;
    s->plain_held -= RTE_MIN(n, s->plain_held);
    if (!was_paused || s->plain_held >= TLS_PLAIN_HOLD)
        return;
    if (s->depth > 0) {
        s->rerun = true; /* the read loop on the stack goes on */
        return;
    }
    /* Not from here: like TCP's, this call never calls the application
     * back (it may be in the middle of its own loop over what it holds).
     * The session's timer resumes the reads at the next expiry. */
    if (!s->retry_armed && s->tcp != NULL) {
        s->retry_armed = true;
        lr_timer_arm(&w->timers, &s->timer, w->now);
    }
}

static int tls_shutdown_write(struct lr_worker *w, struct lr_tcp_conn *c)
{
    struct tls_sess *s = sess_of(c);
    if (!s->established || s->shut || s->failed || s->tcp == NULL)
        return -ENOTCONN;
    s->shut = true;
    s->depth++;
    sess_finish_shut(w, s);
    sess_leave(w, s);
    return 0;
}

static void tls_close(struct lr_worker *w, struct lr_tcp_conn *c)
{
    struct tls_sess *s = sess_of(c);
    if (s->app_closed)
        return;
    s->app_closed = true;
    s->depth++;
    if (s->failed || s->tcp == NULL) {
        /* TCP is closing already. */
    } else if (s->shut_done) {
        rx_drop_all(w, s);
        lr_tcp_close_discard(w, s->tcp, TLS_CLOSE_DISCARD);
    } else {
        s->shut = s->close_asked = true;
        sess_finish_shut(w, s); /* now, or once the kept chain is encrypted */
    }
    sess_leave(w, s);
}

static void tls_abort(struct lr_worker *w, struct lr_tcp_conn *c)
{
    struct tls_sess *s = sess_of(c);
    s->app_closed = true;
    s->app_knows = false; /* abort: no closed() for the application */
    if (s->tcp != NULL) {
        lr_tcp_conn_ctx_set(s->tcp, NULL);
        lr_tcp_abort(w, s->tcp);
    }
    s->tcp = NULL;
    s->dead = true;
    if (s->depth == 0)
        sess_free(w, s);
}

static void tls_ctx_set(struct lr_tcp_conn *c, void *ctx)
{
    sess_of(c)->app_ctx = ctx;
}

static void *tls_ctx_get(const struct lr_tcp_conn *c)
{
    const struct tls_sess *s = sess_of(c);
    return s != NULL ? s->app_ctx : NULL;
}

const struct lr_stream_ops lr_stream_tls_ops = {
    .name = "tls",
    .send = tls_send,
    .send_mbuf = tls_send_mbuf,
    .send_space = tls_send_space,
    .want_writable = tls_want_writable,
    .rcv_manual = tls_rcv_manual,
    .rcv_consumed = tls_rcv_consumed,
    .shutdown_write = tls_shutdown_write,
    .close = tls_close,
    .abort = tls_abort,
    .ctx_set = tls_ctx_set,
    .ctx_get = tls_ctx_get,
};

/* ---- listeners and the pool ---------------------------------------------- */

int lr_tls_listen(struct lr_worker *w, uint16_t port, const struct lr_tcp_listen_ops *ops,
                  void *ctx, const struct lr_tcp_listen_opts *opts)
{
    struct lr_tls_worker *tw = lr_tls_worker(w);
    if (tw == NULL || tw->server == NULL || tw->pool == NULL)
        return -ENOTSUP;
    if (ops == NULL || ops->conn.data == NULL)
        return -EINVAL;
    struct lr_tls_stream_pool *p = tw->pool;
    struct tls_listener *l = NULL;
    for (unsigned i = 0; i < TLS_LISTEN_MAX && l == NULL; i++)
        if (!p->lis[i].used)
            l = &p->lis[i];
    if (l == NULL)
        return -ENOSPC;
    struct lr_tcp_listen_opts o = { 0 };
    if (opts != NULL)
        o = *opts;
    o.rcv_manual = true; /* ciphertext is consumed as the engine reads it */
    *l = (struct tls_listener){ .used = true, .port = port, .app = ops, .app_ctx = ctx, .pool = p };
    int rc = lr_tcp_listen(w, port, &tls_listen_ops, l, &o);
    if (rc < 0)
        l->used = false;
    return rc;
}

int lr_tls_unlisten(struct lr_worker *w, uint16_t port)
{
    struct lr_tls_worker *tw = lr_tls_worker(w);
    if (tw == NULL || tw->pool == NULL)
        return -ENOENT;
    for (unsigned i = 0; i < TLS_LISTEN_MAX; i++) {
        struct tls_listener *l = &tw->pool->lis[i];
        if (l->used && l->port == port) {
            int rc = lr_tcp_unlisten(w, port);
            /* Established sessions still call the record's callbacks: it
             * stays taken (never reused) for the worker's life. */
            l->port = 0;
            return rc;
        }
    }
    return -ENOENT;
}

int lr_tls_server_start(struct lr_worker *w, struct lr_tcp_conn *c,
                        const struct lr_tcp_conn_ops *ops)
{
    struct lr_tls_worker *tw = lr_tls_worker(w);
    if (tw == NULL || tw->server == NULL || tw->pool == NULL)
        return -ENOTSUP;
    if (c == NULL || ops == NULL || ops->data == NULL || lr_stream_is_tls(c))
        return -EINVAL;
    if (tw->cnt.in_progress >= tw->max_handshakes) {
        tw->scnt.starttls_refused++;
        return -EBUSY;
    }
    struct tls_sess *s = sess_alloc(tw->pool);
    if (s == NULL) {
        tw->scnt.starttls_refused++;
        return -ENOSPC;
    }
    s->tcp = c;
    s->app = ops;
    s->app_ctx = lr_tcp_conn_ctx_get(c);
    s->app_knows = true; /* the application holds the connection already */
    lr_tls_io_init(&s->io, w->pool, 0, 0, &tw->cnt.io);
    struct lr_tls_conn_opts o = { .now = w->now };
    s->tls = tw->eng->init(tw->server, &s->io, &o);
    if (s->tls == NULL) {
        sess_free(w, s);
        tw->scnt.starttls_refused++;
        return -ENOMEM;
    }
    /* From the next byte on, what TCP delivers is ciphertext for us. */
    lr_tcp_conn_ctx_set(c, s);
    lr_tcp_conn_ops_set(c, &tls_listen_ops.conn);
    lr_tcp_conn_rcv_manual(c, true);
    if (tw->hs_timeout_us > 0)
        lr_timer_arm(&w->timers, &s->timer, w->now + tw->hs_timeout_us);
    tw->scnt.starttls++;
    return 0;
}

struct lr_tcp_conn *lr_tls_connect(struct lr_worker *w, rte_be32_t dst, uint16_t dport,
                                   rte_be32_t src, uint16_t sport,
                                   const struct lr_tcp_conn_ops *ops, void *ctx,
                                   const struct lr_tls_connect_opts *opts)
{
    struct lr_tls_worker *tw = lr_tls_worker(w);
    if (tw == NULL || tw->client == NULL || tw->pool == NULL) {
        rte_errno = ENOTSUP;
        return NULL;
    }
    if (ops == NULL || ops->data == NULL) {
        rte_errno = EINVAL;
        return NULL;
    }
    struct tls_sess *s = sess_alloc(tw->pool);
    if (s == NULL) {
        tw->scnt.client_no_session++;
        rte_errno = ENOSPC;
        return NULL;
    }
    s->client = true;
    s->app = ops;
    s->app_ctx = ctx;
    s->app_knows = true;
    lr_tls_io_init(&s->io, w->pool, 0, 0, &tw->cnt.io);
    /* The engine connection now: SNI and the session to resume are taken
     * by it here, the caller's buffers need not stay. */
    struct lr_tls_conn_opts o = { .now = w->now };
    if (opts != NULL) {
        o.sni = opts->sni;
        o.session = opts->session;
        o.session_len = opts->session_len;
        o.kept = opts->kept;
    }
    s->tls = tw->eng->init(tw->client, &s->io, &o);
    if (s->tls == NULL) {
        sess_free(w, s);
        rte_errno = ENOMEM;
        return NULL;
    }
    struct lr_tcp_conn *c = lr_tcp_connect(w, dst, dport, src, sport, &tls_listen_ops.conn, s);
    if (c == NULL) {
        int e = rte_errno;
        sess_free(w, s);
        rte_errno = e;
        return NULL;
    }
    s->tcp = c;
    return c;
}

bool lr_stream_tls_info(const struct lr_tcp_conn *c, struct lr_tls_conn_info *out)
{
    memset(out, 0, sizeof(*out));
    if (c == NULL || !lr_stream_is_tls(c))
        return false;
    const struct tls_sess *s = sess_of(c);
    if (s == NULL)
        return false;
    if (s->tls != NULL)
        s->pool->tw->eng->info(s->tls, out);
    return true;
}

int lr_tls_session_save(const struct lr_tcp_conn *c, uint8_t *buf, uint32_t cap)
{
    if (c == NULL || !lr_stream_is_tls(c))
        return -EINVAL;
    const struct tls_sess *s = sess_of(c);
    if (s == NULL || !s->client || s->tls == NULL)
        return -EINVAL;
    return s->pool->tw->eng->session_save(s->tls, buf, cap);
}

struct lr_tls_session *lr_tls_session_keep(const struct lr_tcp_conn *c)
{
    if (c == NULL || !lr_stream_is_tls(c))
        return NULL;
    const struct tls_sess *s = sess_of(c);
    if (s == NULL || !s->client || s->tls == NULL)
        return NULL;
    return s->pool->tw->eng->session_keep(s->tls);
}

void lr_tls_session_release(struct lr_worker *w, struct lr_tls_session *s)
{
    struct lr_tls_worker *tw = lr_tls_worker(w);
    if (s != NULL && tw != NULL)
        tw->eng->session_release(s);
}

void lr_tls_stream_poll(struct lr_worker *w, struct lr_tls_worker *tw)
{
    struct lr_tls_stream_pool *p = tw->pool;
    tw->hs_left = tw->hs_budget;
    if (p == NULL)
        return;
    while (tw->hs_left > 0 && !TAILQ_EMPTY(&p->deferred)) {
        struct tls_sess *s = TAILQ_FIRST(&p->deferred);
        TAILQ_REMOVE(&p->deferred, s, defer_link);
        s->deferred = false;
        s->depth++;
        sess_run(w, s);
        sess_leave(w, s);
    }
}

int lr_tls_stream_pool_create(struct lr_tls_worker *tw, uint32_t n, int socket)
{
    struct lr_tls_stream_pool *p = rte_zmalloc_socket("lr_tls_pool", sizeof(*p), 0, socket);
    if (p == NULL)
        return -ENOMEM;
    p->s =
        rte_zmalloc_socket("lr_tls_sess", (size_t)n * sizeof(*p->s), RTE_CACHE_LINE_SIZE, socket);
    if (p->s == NULL && n > 0) {
        rte_free(p);
        return -ENOMEM;
    }
    p->tw = tw;
    p->n = n;
    tw->scnt.sessions_max = n;
    TAILQ_INIT(&p->deferred);
    p->free_head = n > 0 ? 0 : UINT32_MAX;
    for (uint32_t i = 0; i < n; i++)
        p->s[i].next_free = i + 1 < n ? i + 1 : UINT32_MAX;
    tw->pool = p;
    return 0;
}

void lr_tls_stream_pool_free(struct lr_tls_worker *tw)
{
    struct lr_tls_stream_pool *p = tw->pool;
    if (p == NULL)
        return;
    /* TCP drops its connections without closed() at lr_tcp_free: release
     * what the sessions still hold. */
    for (uint32_t i = 0; i < p->n; i++) {
        struct tls_sess *s = &p->s[i];
        if (!s->in_use)
            continue;
        if (s->tls != NULL)
            tw->eng->free(s->tls);
        lr_tls_io_release(&s->io);
        rte_pktmbuf_free(s->pend);
    }
    rte_free(p->s);
    rte_free(p);
    tw->pool = NULL;
}

void lr_tls_stream_counters_foreach(const struct lr_tls_stream_counters *c, lr_module_counter_fn fn,
                                    void *arg)
{
    fn(arg, "hs_refused_cap", c->hs_refused_cap);
    fn(arg, "hs_refused_sessions", c->hs_refused_sessions);
    fn(arg, "hs_timeouts", c->hs_timeouts);
    fn(arg, "app_refused", c->app_refused);
    fn(arg, "truncated", c->truncated);
    fn(arg, "sessions_active", c->sessions_active);
    fn(arg, "sessions_max", c->sessions_max);
    fn(arg, "plain_paused", c->plain_paused);
    fn(arg, "tx_retry", c->tx_retry);
    fn(arg, "hs_deferred", c->hs_deferred);
    fn(arg, "client_no_session", c->client_no_session);
    fn(arg, "starttls", c->starttls);
    fn(arg, "starttls_refused", c->starttls_refused);
}
