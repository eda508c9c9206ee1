/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP load generator: per-worker connection slots on the TCP API.
 * See lr_http_client.h for the model.
 *
 * Call chain:
 *   lr_client_poll -> phase changes -> client_open_more -> client_open
 *                  -> lr_tcp_connect, or lr_tls_connect (tls = yes, with a
 *                     saved session for [client] resume's share)
 *   callbacks (TCP's, or the TLS stream's: the same ops, lr_stream.h):
 *                  cl_connected -> client_tls_established -> client_ready
 *                              -> client_fill (closed loop) | client_offer (open loop)
 *                              -> client_issue (template order) -> client_send_rest
 *                  cl_data -> lr_http_resp_feed -> client_response_count
 *                             -> client_response_next: next request | close | linger
 *                  cl_peer_closed -> lr_http_resp_eof (close-delimited body)
 *                  cl_closed -> client_tls_closed (failure reason, session
 *                               saved) -> client_slot_release (reopened by poll)
 *   slot timer: request timeout, linger and close guards.
 *
 * A slot is in exactly one state; it holds a connection in every state but
 * FREE, and only WAIT has a request in flight; IDLE (open loop only) waits
 * in cl->idle[] for the next intended send time. Every slot leaves a
 * connection through client_slot_release(), which returns it to the free
 * stack, so `open` always equals the number of connections held.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_string_fns.h>

#include "lr_client_request.h"
#include "lr_http_client.h"
#include "lr_http_resp.h"
#include "lr_l4_proto.h"
#include "lr_l4_udp.h"
#include "lr_log.h"
#include "lr_net.h"
#include "lr_rate.h"
#include "lr_stream.h"
#include "lr_tcp.h"
#include "lr_tls_module.h"

LR_LOG_DEFINE(client);

/* This module's w->slot[] (lr_worker_slot). */
static unsigned client_slot;

#define REQ_MAX LR_CLIENT_HEAD_MAX /* one request head (lr_client_head_build) */

enum slot_state {
    SLOT_FREE = 0,
    SLOT_CONNECTING, /* SYN sent */
    SLOT_IDLE,       /* open loop: connected, nothing outstanding, waiting for an intent */
    SLOT_WAIT,       /* requests outstanding (maybe partly sent), responses not complete */
    SLOT_THINK,      /* closed loop: responses done, waiting [client] think_time */
    SLOT_LINGER,     /* last response done, waiting for the server's FIN */
    SLOT_CLOSING,    /* we closed, waiting for closed() */
};

/* One request outstanding on a connection ([client] pipeline of them, in
 * the order sent: responses come in that order, RFC 9112 §9.3.2). */
struct lr_client_pend {
    /* Latency origin: when the request was handed to TCP (closed loop) or
     * its intended send time (open loop). */
    uint64_t t_req;
    uint16_t req;  /* head text index: (target * nb_tpl + tpl) * 2 + close */
    uint8_t tpl;   /* template */
    bool head_req; /* HEAD: the response has no body (RFC 9110 §9.3.2) */
};

struct lr_client_slot {
    struct lr_tcp_conn *conn;
    struct lr_client *cl;
    struct lr_timer timer;
    uint8_t state;
    uint16_t target;
    uint32_t reqs; /* requests sent on this connection */
    /* Outstanding requests: ring of cl->depth entries from p_head; the
     * first p_sent of them are wholly with TCP, the next one has send_off
     * bytes there. */
    struct lr_client_pend *pend;
    uint8_t p_head, p_count, p_sent;
    bool close_sent; /* a "Connection: close" request is out: no more (RFC 9112 §9.6) */
    bool avail;      /* open loop: in cl->idle, can take a request */
    uint32_t send_off;
    uint32_t idle_pos;   /* index in cl->idle while avail */
    uint64_t t_open;     /* lr_tls_connect called (handshake latency origin) */
    bool resume_offered; /* tls: opened with a saved session */
    union {
        struct lr_http_resp resp; /* mode = http */
        /* mode = tcp: the answer expected; l4.hdr is also the head sent
         * (one request outstanding at a time). */
        struct lr_l4_resp l4;
    };
};

struct lr_client {
    const struct lr_client_config *cfg;
    volatile uint8_t phase; /* enum lr_client_phase; written by the worker */
    bool warm;              /* one connection got through (ARP resolved) */
    uint32_t nb_slots;
    uint32_t nb_free;
    uint32_t open; /* slots holding a connection */
    struct lr_client_slot *slots;
    uint32_t *free_stack;
    /* Open loop ([client] request_rate): this worker's share of the rate
     * on its own schedule; idle connections wait in idle[] for an intent. */
    bool open_loop;
    uint64_t req_rate;
    struct lr_rate_sched sched;
    uint32_t *idle;
    uint32_t nb_idle;
    uint32_t next_target, next_path, next_src;
    uint16_t nb_src;
    rte_be32_t src[LR_MAX_PORTS]; /* local source addresses in [client] source_addrs */
    uint64_t rate;                /* this worker's share of new connections/s, 0 = no cap */
    uint64_t tokens;              /* micro-connections (1e6 = one connection) */
    uint64_t tokens_cap;
    uint64_t last_refill;
    uint64_t retry_at; /* after a failed connect, wait before the next attempt */
    uint64_t t_start, t_stop, t_done;
    /* Requests (lr_client_request.h), built at init: heads per
     * [target][template][keep-alive|close], REQ_MAX each; one body per
     * template; the templates' weighted order (seq). */
    char *reqs;
    uint16_t *req_len;
    uint16_t nb_tpl;
    uint32_t seq_len, next_seq;
    uint8_t *seq;
    uint8_t *body[LR_CLIENT_REQ_TPL];
    uint32_t body_len[LR_CLIENT_REQ_TPL];
    bool tpl_close[LR_CLIENT_REQ_TPL];
    bool tpl_head[LR_CLIENT_REQ_TPL];
    uint32_t depth;              /* [client] pipeline */
    uint64_t think;              /* [client] think_time */
    struct lr_client_pend *pend; /* [slot][depth] */
    /* mode = tcp (lr_l4_proto.h): body[0] holds the request payload pattern
     * from message offset 16 for l4_body_cap bytes (at most two periods:
     * the pattern repeats, so any offset has a period after it). */
    bool l4;
    uint32_t l4_body_cap;
    struct lr_l4_udp *udp; /* mode = udp: the engine (lr_l4_udp.h); no slots */
    /* tls = yes: per target, the session of the last connection that
     * ended (resume > 0); resume_acc spreads [client] resume evenly. */
    bool tls;
    const char *sni;
    uint32_t resume_acc;
    /* lr_tls_session_keep references, one per target (NULL: none yet):
     * the engine's object, so a resumption decodes nothing. */
    struct lr_tls_session *sess[LR_MAX_TARGETS];
    struct lr_client_counters cnt;
    struct lr_latency lat;
    struct lr_latency hs_lat; /* TCP connect start -> TLS handshake complete */
};

static const char *const client_error_names[] = {
#define LR_X_CNAME(e, n) [LR_CLIENT_ERR_##e] = n,
    LR_CLIENT_ERRORS(LR_X_CNAME)
#undef LR_X_CNAME
};

const char *lr_client_error_name(enum lr_client_error e)
{
    return (unsigned)e < LR_CLIENT_ERR_MAX ? client_error_names[e] : "unknown";
}

static struct lr_client *client_of(struct lr_worker *w)
{
    return w->slot[client_slot];
}

const struct lr_client *lr_client_get(const struct lr_worker *w)
{
    return w->slot[client_slot];
}

enum lr_client_phase lr_client_phase(const struct lr_client *cl)
{
    return (enum lr_client_phase)__atomic_load_n(&cl->phase, __ATOMIC_ACQUIRE);
}

static void client_set_phase(struct lr_client *cl, enum lr_client_phase ph)
{
    __atomic_store_n(&cl->phase, (uint8_t)ph, __ATOMIC_RELEASE);
}

static void client_error(struct lr_client *cl, enum lr_client_error e)
{
    if (cl->warm)
        cl->cnt.errors[e]++;
    else
        cl->cnt.warmup_failures++; /* the target may not be up yet */
}

static enum lr_client_error client_error_of_resp(uint8_t e)
{
    switch (e) {
    case LR_HTTP_RESP_ERR_BAD_STATUS:
        return LR_CLIENT_ERR_BAD_STATUS;
    case LR_HTTP_RESP_ERR_BAD_HEADER:
        return LR_CLIENT_ERR_BAD_HEADER;
    case LR_HTTP_RESP_ERR_HEAD_TOO_LARGE:
        return LR_CLIENT_ERR_HEAD_TOO_LARGE;
    case LR_HTTP_RESP_ERR_BAD_CHUNK:
        return LR_CLIENT_ERR_BAD_CHUNK;
    case LR_HTTP_RESP_ERR_BODY_SHORT:
        return LR_CLIENT_ERR_BODY_SHORT;
    default:
        return LR_CLIENT_ERR_UNEXPECTED_CLOSE;
    }
}

/* --- slots ------------------------------------------------------------------ */

static void idle_push(struct lr_client *cl, struct lr_client_slot *s)
{
    s->avail = true;
    s->idle_pos = cl->nb_idle;
    cl->idle[cl->nb_idle++] = (uint32_t)(s - cl->slots);
}

/* Push and move to the bottom of the stack (dispatch pops the top): a
 * pipelining connection that can take more goes behind the others. */
static void idle_push_back(struct lr_client *cl, struct lr_client_slot *s)
{
    idle_push(cl, s);
    uint32_t first = cl->idle[0];
    cl->idle[0] = cl->idle[s->idle_pos];
    cl->idle[s->idle_pos] = first;
    cl->slots[first].idle_pos = s->idle_pos;
    s->idle_pos = 0;
}

static void idle_remove(struct lr_client *cl, struct lr_client_slot *s)
{
    if (!s->avail)
        return;
    s->avail = false;
    uint32_t last = cl->idle[--cl->nb_idle];
    cl->idle[s->idle_pos] = last;
    cl->slots[last].idle_pos = s->idle_pos;
}

static struct lr_client_pend *pend_at(const struct lr_client_slot *s, uint32_t i)
{
    return &s->pend[(s->p_head + i) % s->cl->depth];
}

static void client_slot_release(struct lr_worker *w, struct lr_client_slot *s)
{
    struct lr_client *cl = s->cl;

    lr_timer_cancel(&w->timers, &s->timer);
    idle_remove(cl, s);
    if (s->state == SLOT_THINK)
        cl->cnt.thinking--;
    s->p_count = 0;
    s->conn = NULL;
    s->state = SLOT_FREE;
    cl->open--;
    cl->cnt.active = cl->open;
    cl->cnt.conns_closed++;
    cl->free_stack[cl->nb_free++] = (uint32_t)(s - cl->slots);
}

/* tls, resume > 0: keep the session of an established connection that ends
 * for the next connections to the same target. From closed() (or before an
 * abort): TLS 1.3 tickets arrive after the handshake (RFC 8446 §4.6.1). */
static void client_session_save(struct lr_worker *w, struct lr_client_slot *s)
{
    struct lr_client *cl = s->cl;
    struct lr_tls_conn_info info;

    if (!cl->tls || cl->cfg->resume == 0 || !lr_stream_tls_info(s->conn, &info) ||
        !info.established)
        return;
    struct lr_tls_session *k = lr_tls_session_keep(s->conn);
    if (k == NULL)
        return;
    lr_tls_session_release(w, cl->sess[s->target]);
    cl->sess[s->target] = k;
    cl->cnt.tls_sessions_saved++;
}

/* RST the connection now (no closed() follows) and free the slot. */
static void client_slot_abort(struct lr_worker *w, struct lr_client_slot *s)
{
    struct lr_tcp_conn *c = s->conn;
    if (s->cl->tls)
        client_session_save(w, s);
    client_slot_release(w, s);
    lr_stream_abort(w, c);
}

/* Orderly close; closed() releases the slot. Bounded by the close guard. */
static void client_slot_close(struct lr_worker *w, struct lr_client_slot *s)
{
    idle_remove(s->cl, s);
    if (s->state == SLOT_THINK)
        s->cl->cnt.thinking--;
    s->state = SLOT_CLOSING;
    lr_timer_arm(&w->timers, &s->timer, w->now + LR_CLIENT_LINGER_US);
    lr_stream_close(w, s->conn);
}

/* Hand TCP what it takes of the outstanding requests not yet wholly sent
 * (head, then body). 0, or -1 when the connection was aborted (the slot is
 * free: do not touch it). */
static int client_send_rest(struct lr_worker *w, struct lr_client_slot *s)
{
    struct lr_client *cl = s->cl;

    while (s->p_sent < s->p_count) {
        const struct lr_client_pend *e = pend_at(s, s->p_sent);
        uint32_t hl = cl->req_len[e->req], bl = cl->body_len[e->tpl];
        while (s->send_off < hl + bl) {
            const void *p;
            uint32_t n;
            if (s->send_off < hl) {
                if (cl->l4)
                    p = s->l4.hdr + s->send_off;
                else
                    p = cl->reqs + (size_t)e->req * REQ_MAX + s->send_off;
                n = hl - s->send_off;
            } else if (cl->l4) {
                uint32_t off = (s->send_off - hl) % LR_L4_PATTERN_LEN;
                p = cl->body[0] + off;
                n = RTE_MIN(hl + bl - s->send_off, cl->l4_body_cap - off);
            } else {
                p = cl->body[e->tpl] + (s->send_off - hl);
                n = hl + bl - s->send_off;
            }
            int rc = lr_stream_send(w, s->conn, p, n);
            if (rc == -ENOBUFS) {
                /* A TLS stream with no room yet (its writable() is armed), or no
                 * mbuf for plain TCP: wait, bounded by the request timeout. */
                lr_stream_want_writable(w, s->conn);
                return 0;
            }
            if (rc < 0) {
                client_error(cl, LR_CLIENT_ERR_SEND);
                cl->cnt.unanswered += s->p_count - 1u;
                client_slot_abort(w, s);
                return -1;
            }
            s->send_off += (uint32_t)rc;
            cl->cnt.tx_bytes += (uint64_t)rc;
            if ((uint32_t)rc < n)
                return 0; /* the send buffer is full: writable() goes on */
        }
        s->p_sent++;
        s->send_off = 0;
    }
    return 0;
}

/* Whether @s may send one more request now: connected, below [client]
 * pipeline, nothing after a "close" request (RFC 9112 §9.6), within
 * requests_per_conn, while the run lasts. */
static bool client_can_issue(const struct lr_client_slot *s)
{
    const struct lr_client *cl = s->cl;
    uint32_t rpc = cl->cfg->requests_per_conn;

    return (s->state == SLOT_WAIT || s->state == SLOT_IDLE || s->state == SLOT_THINK) &&
           s->p_count < cl->depth && !s->close_sent && (rpc == 0 || s->reqs < rpc) &&
           cl->phase == LR_CLIENT_PHASE_RUNNING;
}

/* mode = tcp: the head of the next request on @s (request number, sizes;
 * LR_L4_F_LAST on the connection's last: the server answers, then closes
 * and keeps the TIME-WAIT, RFC 9293 §3.6), which the answer repeats. */
static void client_l4_head(const struct lr_client *cl, struct lr_client_slot *s, bool last)
{
    struct lr_l4_hdr h = {
        .flags = last ? LR_L4_F_LAST : 0,
        .seq = s->reqs,
        .req_len = cl->cfg->payload_size,
        .resp_len = cl->cfg->response_size,
    };
    uint8_t head[LR_L4_HDR_LEN];
    lr_l4_hdr_write(head, &h);
    lr_l4_resp_init(&s->l4, head);
}

/* Queue the next request (the next template in the weighted order) on @s;
 * its latency is measured from @t_origin. The caller sends it. */
static void client_issue(struct lr_worker *w, struct lr_client_slot *s, uint64_t t_origin)
{
    struct lr_client *cl = s->cl;
    const struct lr_client_config *cfg = cl->cfg;
    uint8_t tpl = cl->seq[cl->next_seq++ % cl->seq_len];
    /* The last request of a connection asks the server to close
     * (RFC 9112 §9.6), so the server ends it and keeps the TIME-WAIT. */
    bool last = cfg->requests_per_conn != 0 && s->reqs + 1 >= cfg->requests_per_conn;
    bool close = last || cl->tpl_close[tpl];
    struct lr_client_pend *e = pend_at(s, s->p_count);

    e->t_req = t_origin;
    e->tpl = tpl;
    e->head_req = cl->tpl_head[tpl];
    e->req = (uint16_t)(((uint32_t)s->target * cl->nb_tpl + tpl) * 2 + (close ? 1 : 0));
    if (s->p_count == 0) {
        /* The response parser always works on the oldest outstanding one. */
        if (cl->l4)
            client_l4_head(cl, s, close);
        else
            lr_http_resp_init(&s->resp, e->head_req);
        lr_timer_arm(&w->timers, &s->timer, w->now + LR_CLIENT_REQ_TIMEOUT_US);
    }
    s->p_count++;
    s->close_sent = close;
    s->reqs++;
    s->state = SLOT_WAIT;
    cl->cnt.requests++;
    cl->cnt.tpl_requests[tpl]++;
}

/* Closed loop: send requests until the pipeline is full. 0, or -1 when the
 * connection was aborted. */
static int client_fill(struct lr_worker *w, struct lr_client_slot *s)
{
    if (s->state == SLOT_THINK) {
        s->state = SLOT_IDLE;
        s->cl->cnt.thinking--;
    }
    while (client_can_issue(s))
        client_issue(w, s, w->now);
    return client_send_rest(w, s);
}

/* A valid response was received completely: count it. */
static void client_response_count(struct lr_worker *w, struct lr_client_slot *s)
{
    struct lr_client *cl = s->cl;
    const struct lr_http_resp *r = &s->resp;

    lr_timer_cancel(&w->timers, &s->timer);
    if (cl->l4) {
        /* An answer of the right length whose bytes are wrong: the
         * framing holds (the stream goes on), the answer does not count. */
        if (s->l4.corrupt != 0) {
            cl->cnt.l4_corrupt_bytes += s->l4.corrupt;
            client_error(cl, LR_CLIENT_ERR_CORRUPT);
            return;
        }
        lr_latency_record(&cl->lat, w->now - pend_at(s, 0)->t_req);
        cl->cnt.responses++;
        cl->cnt.body_bytes += s->l4.want;
        return;
    }
    lr_latency_record(&cl->lat, w->now - pend_at(s, 0)->t_req);
    cl->cnt.responses++;
    cl->cnt.status[r->status / 100]++;
    cl->cnt.body_bytes += r->body_bytes;
    cl->cnt.interim += r->interim;
}

/* The oldest outstanding request was answered (or given up): drop it from
 * the ring; the parser moves on to the next one, whose response follows on
 * the wire (RFC 9112 §9.3.2). A response that came before its request was
 * wholly sent (an early 4xx) leaves the stream unusable for pipelining: the
 * caller sees p_sent == 0 and closes. */
static void client_pop(struct lr_worker *w, struct lr_client_slot *s)
{
    s->p_head = (uint8_t)((s->p_head + 1) % s->cl->depth);
    s->p_count--;
    if (s->p_sent > 0)
        s->p_sent--;
    else
        s->send_off = 0;
    if (s->p_count > 0 && !s->cl->l4) {
        lr_http_resp_init(&s->resp, pend_at(s, 0)->head_req);
        /* The timeout runs per response: each answer restarts it. */
        lr_timer_arm(&w->timers, &s->timer, w->now + LR_CLIENT_REQ_TIMEOUT_US);
    }
}

/* The connection ends with @s->p_count requests outstanding: the oldest is
 * charged to @e (when not NONE), the ones behind it never get an answer
 * and are counted as unanswered, not lost. */
static void client_give_up(struct lr_client_slot *s, int e)
{
    struct lr_client *cl = s->cl;
    if (s->p_count == 0)
        return;
    if (e >= 0)
        client_error(cl, (enum lr_client_error)e);
    cl->cnt.unanswered += s->p_count - (e >= 0 ? 1u : 0u);
    s->p_count = 0;
}

/*
 * Open loop: hand every request whose intended time has come to an idle
 * connection, oldest intent first. A request that finds no idle connection
 * waits (the backlog) and keeps its intended time, so when the server
 * stalls every request queued behind the stall is charged with it
 * (coordinated omission corrected, as wrk2 does).
 */
/* Open-loop requests due at @now: only those intended before the end of
 * the run belong to it. */
static uint64_t client_due(const struct lr_client *cl, uint64_t now)
{
    uint64_t end = cl->t_start + cl->cfg->duration;
    return lr_rate_due(&cl->sched, now < end ? now : end - 1);
}

static void client_dispatch(struct lr_worker *w, struct lr_client *cl)
{
    uint64_t due = client_due(cl, w->now);

    while (due > 0 && cl->nb_idle > 0 && cl->phase == LR_CLIENT_PHASE_RUNNING) {
        struct lr_client_slot *s = &cl->slots[cl->idle[cl->nb_idle - 1]];
        idle_remove(cl, s);
        client_issue(w, s, lr_rate_intended(&cl->sched, cl->sched.next));
        cl->sched.next++;
        due--;
        if (client_send_rest(w, s) != 0)
            continue;
        /* pipeline > 1: it can take more, after the other connections. */
        if (client_can_issue(s))
            idle_push_back(cl, s);
    }
    cl->cnt.backlog = due;
}

/* Open loop: offer @s to the schedule if it can take a request. */
static void client_offer(struct lr_worker *w, struct lr_client_slot *s)
{
    struct lr_client *cl = s->cl;

    if (s->p_count == 0)
        s->state = SLOT_IDLE;
    if (!s->avail && client_can_issue(s))
        idle_push(cl, s);
    client_dispatch(w, cl);
}

/* A connection can take requests: now (closed loop) or at the next intents. */
static void client_ready(struct lr_worker *w, struct lr_client_slot *s)
{
    if (!s->cl->open_loop) {
        s->state = SLOT_IDLE;
        client_fill(w, s);
        return;
    }
    client_offer(w, s);
}

/* After a counted response (still the ring's oldest): next requests, think,
 * close, or wait for the server's close. */
static void client_response_next(struct lr_worker *w, struct lr_client_slot *s)
{
    struct lr_client *cl = s->cl;
    bool early = s->p_sent == 0; /* answered before it was wholly sent */
    /* the parser moves on in client_pop; mode = tcp: the server closes
     * after answering a LAST request */
    bool keep_alive = cl->l4 ? (s->l4.hdr[3] & LR_L4_F_LAST) == 0 : s->resp.keep_alive;

    client_pop(w, s);
    if (!keep_alive) {
        /* RFC 9112 §9.6: the server closes after this response; requests
         * pipelined behind it are never answered (§9.3.2: the client may
         * retry them on a new connection; counted, and the slot reopens).
         * Let the server close first (it keeps TIME-WAIT), but not forever. */
        client_give_up(s, -1);
        s->state = SLOT_LINGER;
        lr_timer_arm(&w->timers, &s->timer, w->now + LR_CLIENT_LINGER_US);
        return;
    }
    if (early) {
        client_give_up(s, -1);
        client_slot_close(w, s);
        return;
    }
    if (s->p_count > 0) {
        /* More responses to come on this connection. */
        if (!cl->open_loop && cl->think == 0)
            client_fill(w, s); /* keep `pipeline` requests outstanding */
        else if (cl->open_loop)
            client_offer(w, s);
        return;
    }
    if (cl->phase != LR_CLIENT_PHASE_RUNNING || s->close_sent ||
        (cl->cfg->requests_per_conn != 0 && s->reqs >= cl->cfg->requests_per_conn)) {
        client_slot_close(w, s);
        return;
    }
    if (!cl->open_loop && cl->think != 0) {
        /* Think time: the connection stays open and idle, on its own timer
         * (no polling); the next requests go out when it fires. */
        s->state = SLOT_THINK;
        cl->cnt.thinking++;
        lr_timer_arm(&w->timers, &s->timer, w->now + cl->think);
        return;
    }
    client_ready(w, s);
}

/* --- TCP callbacks ------------------------------------------------------------ */

/* The handshake completed (a TLS stream's connected()): what it negotiated. */
static void client_tls_established(struct lr_worker *w, struct lr_client_slot *s)
{
    struct lr_client *cl = s->cl;
    struct lr_tls_conn_info info;

    if (!lr_stream_tls_info(s->conn, &info))
        return;
    if (info.resumed)
        cl->cnt.tls_resumed++;
    else
        cl->cnt.tls_full++;
    if (s->resume_offered && !info.resumed)
        cl->cnt.tls_resume_rejected++;
    cl->cnt.tls_version[info.version == LR_TLS_V1_2   ? LR_TLS_VER_1_2
                        : info.version == LR_TLS_V1_3 ? LR_TLS_VER_1_3
                                                      : LR_TLS_VER_OTHER]++;
    cl->cnt.tls_cipher[lr_tls_cipher_of(info.cipher_id)]++;
    cl->cnt.tls_group[lr_tls_group_of(info.group_id)]++;
    /* The connection that ends the warm-up waited for ARP: not a sample. */
    if (cl->warm)
        lr_latency_record(&cl->hs_lat, w->now - s->t_open);
}

/* closed() of a TLS stream: why a handshake failed, or the session to keep.
 * True when the handshake failed (counted here). */
static bool client_tls_closed(struct lr_worker *w, struct lr_client_slot *s)
{
    struct lr_client *cl = s->cl;
    struct lr_tls_conn_info info;

    if (!lr_stream_tls_info(s->conn, &info))
        return false;
    if (info.established) {
        client_session_save(w, s);
        return false;
    }
    if (!info.failed)
        return false; /* TCP never came up: counted as TCP's failure */
    unsigned why = info.fail_reason < LR_TLS_FAIL_MAX ? info.fail_reason : LR_TLS_FAIL_INTERNAL;
    cl->cnt.tls_failed[why]++;
    client_error(cl, LR_CLIENT_ERR_TLS);
    return true;
}

static void cl_connected(struct lr_worker *w, struct lr_tcp_conn *c)
{
    struct lr_client_slot *s = lr_stream_ctx_get(c);
    struct lr_client *cl = s->cl;

    cl->cnt.conns++;
    if (cl->tls)
        client_tls_established(w, s);
    if (!cl->warm) {
        /* The run starts when the target first answers (see WARMUP). */
        cl->warm = true;
        cl->t_start = w->now;
        cl->last_refill = w->now;
        /* Request 0 is intended now; the schedule never drifts from here. */
        lr_rate_init(&cl->sched, w->now, 1000000, cl->req_rate);
    }
    lr_tcp_conn_nodelay(c, true);
    if (cl->phase != LR_CLIENT_PHASE_RUNNING) {
        client_slot_close(w, s);
        return;
    }
    client_ready(w, s);
}

static void cl_data(struct lr_worker *w, struct lr_tcp_conn *c, struct rte_mbuf *m)
{
    struct lr_client_slot *s = lr_stream_ctx_get(c);
    struct lr_client *cl = s->cl;
    uint32_t left = m->pkt_len;

    cl->cnt.rx_bytes += left;
    for (struct rte_mbuf *seg = m; seg != NULL && left > 0; seg = seg->next) {
        const uint8_t *p = rte_pktmbuf_mtod(seg, const uint8_t *);
        size_t n = seg->data_len;
        while (n > 0) {
            if (s->state != SLOT_WAIT) {
                /* Bytes nobody asked for: after the end of the last response
                 * (RFC 9112 §6.3: the framing said it was complete). */
                if (s->state == SLOT_LINGER || s->state == SLOT_IDLE || s->state == SLOT_THINK)
                    client_error(cl, LR_CLIENT_ERR_BODY_LONG);
                if (s->state != SLOT_CLOSING && s->state != SLOT_FREE)
                    client_slot_abort(w, s);
                rte_pktmbuf_free(m);
                return;
            }
            size_t used = 0;
            enum lr_http_resp_result r;
            if (cl->l4)
                r = lr_l4_resp_feed(&s->l4, p, n, &used) == LR_L4_DONE ? LR_HTTP_RESP_DONE
                                                                       : LR_HTTP_RESP_MORE;
            else
                r = lr_http_resp_feed(&s->resp, p, n, &used);
            p += used;
            n -= used;
            left -= (uint32_t)used;
            if (r == LR_HTTP_RESP_ERROR) {
                client_give_up(s, client_error_of_resp(s->resp.error));
                client_slot_abort(w, s);
                rte_pktmbuf_free(m);
                return;
            }
            if (r == LR_HTTP_RESP_MORE)
                continue;
            client_response_count(w, s);
            /* Anything after the response to the last outstanding request
             * in the same delivery is excess (RFC 9112 §6.3: the framing
             * said the response was complete); with requests pipelined
             * behind it, it is the next response (§9.3.2: in order). */
            if (left > 0 && s->p_count == 1) {
                client_pop(w, s);
                client_error(cl, LR_CLIENT_ERR_BODY_LONG);
                client_slot_abort(w, s);
                rte_pktmbuf_free(m);
                return;
            }
            client_response_next(w, s);
            if (s->state == SLOT_FREE)
                break; /* aborted (a send failed) */
        }
        if (s->state == SLOT_FREE)
            break;
    }
    rte_pktmbuf_free(m);
}

static void cl_writable(struct lr_worker *w, struct lr_tcp_conn *c)
{
    struct lr_client_slot *s = lr_stream_ctx_get(c);
    if (s->state == SLOT_WAIT)
        (void)client_send_rest(w, s);
}

static void cl_peer_closed(struct lr_worker *w, struct lr_tcp_conn *c)
{
    struct lr_client_slot *s = lr_stream_ctx_get(c);

    if (s->state == SLOT_WAIT && s->cl->l4) {
        /* mode = tcp: answers are length-framed, so a FIN inside one cuts it */
        client_give_up(s, LR_CLIENT_ERR_UNEXPECTED_CLOSE);
    } else if (s->state == SLOT_WAIT) {
        if (lr_http_resp_eof(&s->resp) == LR_HTTP_RESP_DONE) {
            client_response_count(w, s);
            client_pop(w, s);
            client_give_up(s, -1); /* pipelined behind it */
        } else {
            client_give_up(s, client_error_of_resp(s->resp.error));
        }
    }
    if (s->state != SLOT_CLOSING)
        client_slot_close(w, s);
}

static void cl_closed(struct lr_worker *w, struct lr_tcp_conn *c, enum lr_tcp_close_reason reason)
{
    struct lr_client_slot *s = lr_stream_ctx_get(c);

    if (s == NULL || s->state == SLOT_FREE || s->conn != c)
        return; /* already released (aborted) */
    struct lr_client *cl = s->cl;
    if (cl->tls && client_tls_closed(w, s)) {
        /* The handshake failed: counted by reason (a TLS stream calls
         * connected() only after it, so the slot was still CONNECTING). */
    } else if (s->state == SLOT_WAIT) {
        switch (reason) {
        case LR_TCP_CLOSE_RESET:
        case LR_TCP_CLOSE_ABORTED:
            client_give_up(s, LR_CLIENT_ERR_RESET);
            break;
        case LR_TCP_CLOSE_TIMEOUT:
            client_give_up(s, LR_CLIENT_ERR_TCP_TIMEOUT);
            break;
        case LR_TCP_CLOSE_SHUTDOWN:
            cl->cnt.unfinished += s->p_count;
            break;
        default:
            client_give_up(s, LR_CLIENT_ERR_UNEXPECTED_CLOSE);
            break;
        }
    } else if (s->state == SLOT_CONNECTING && reason != LR_TCP_CLOSE_SHUTDOWN) {
        client_error(cl, reason == LR_TCP_CLOSE_TIMEOUT ? LR_CLIENT_ERR_TCP_TIMEOUT
                                                        : LR_CLIENT_ERR_REFUSED);
    }
    client_slot_release(w, s);
}

static const struct lr_tcp_conn_ops client_ops = {
    .connected = cl_connected,
    .data = cl_data,
    .writable = cl_writable,
    .peer_closed = cl_peer_closed,
    .closed = cl_closed,
};

static void client_slot_timer(struct lr_worker *w, struct lr_timer *t)
{
    struct lr_client_slot *s = container_of(t, struct lr_client_slot, timer);

    switch (s->state) {
    case SLOT_WAIT:
        client_give_up(s, LR_CLIENT_ERR_TIMEOUT);
        client_slot_abort(w, s);
        break;
    case SLOT_THINK:
        if (s->cl->phase == LR_CLIENT_PHASE_RUNNING)
            (void)client_fill(w, s);
        else
            client_slot_close(w, s);
        break;
    case SLOT_LINGER:
        client_slot_close(w, s);
        break;
    case SLOT_CLOSING:
        /* The peer never finished the close: give the connection up. */
        client_slot_abort(w, s);
        break;
    default:
        break;
    }
}

/* --- opening ------------------------------------------------------------------ */

static int client_open(struct lr_worker *w, struct lr_client *cl)
{
    const struct lr_client_config *cfg = cl->cfg;
    uint32_t idx = cl->free_stack[cl->nb_free - 1];
    struct lr_client_slot *s = &cl->slots[idx];
    uint16_t t = (uint16_t)(cl->next_target % cfg->nb_targets);
    rte_be32_t src = 0;

    if (cl->nb_src > 0)
        src = cl->src[cl->next_src++ % cl->nb_src];
    /* sport 0: lr_tcp_connect picks a free port whose flow this worker
     * owns (lr_flow_pick_port), so replies come back to us. */
    struct lr_tcp_conn *c;
    s->resume_offered = false;
    if (cl->tls) {
        struct lr_tls_connect_opts o = { .sni = cl->sni };
        /* [client] resume percent of the connections, evenly spread. */
        cl->resume_acc += cfg->resume;
        if (cl->resume_acc >= 100) {
            cl->resume_acc -= 100;
            cl->cnt.tls_resume_wanted++;
            if (cl->sess[t] != NULL) {
                o.kept = cl->sess[t];
                s->resume_offered = true;
            }
        }
        c = lr_tls_connect(w, cfg->targets[t].ip, cfg->targets[t].port, src, 0, &client_ops, s, &o);
    } else {
        c = lr_tcp_connect(w, cfg->targets[t].ip, cfg->targets[t].port, src, 0, &client_ops, s);
    }
    if (c == NULL) {
        client_error(cl, LR_CLIENT_ERR_CONNECT);
        cl->retry_at = w->now + 1000; /* ports or table exhausted: back off 1 ms */
        return -1;
    }
    cl->next_target++;
    cl->nb_free--;
    s->t_open = w->now;
    if (s->resume_offered)
        cl->cnt.tls_resume_offered++;
    s->conn = c;
    s->state = SLOT_CONNECTING;
    s->target = t;
    s->reqs = 0;
    s->p_head = s->p_count = s->p_sent = 0;
    s->send_off = 0;
    s->close_sent = false;
    s->avail = false;
    cl->open++;
    cl->cnt.active = cl->open;
    cl->cnt.conn_attempts++;
    return 0;
}

static void client_open_more(struct lr_worker *w, struct lr_client *cl)
{
    const struct lr_client_config *cfg = cl->cfg;
    uint64_t now = w->now;
    uint64_t target = cl->nb_slots;

    if (cfg->ramp != 0 && now - cl->t_start < cfg->ramp) {
        target = cl->nb_slots * (now - cl->t_start) / cfg->ramp;
        if (target == 0)
            target = 1;
    }
    if (!cl->warm && target > 1)
        target = 1; /* first connection alone: ARP resolves without a SYN storm */
    if (cl->rate != 0) {
        cl->tokens += (now - cl->last_refill) * cl->rate;
        if (cl->tokens > cl->tokens_cap)
            cl->tokens = cl->tokens_cap;
    }
    cl->last_refill = now;
    if (now < cl->retry_at)
        return;
    for (unsigned burst = 0; burst < LR_CLIENT_OPEN_BURST; burst++) {
        if (cl->open >= target || cl->nb_free == 0)
            break;
        if (cl->rate != 0) {
            if (cl->tokens < 1000000)
                break;
            cl->tokens -= 1000000;
        }
        if (client_open(w, cl) != 0)
            break;
    }
}

static void client_begin_drain(struct lr_worker *w, struct lr_client *cl)
{
    cl->t_stop = w->now;
    /* Open loop: intents that came due and were never sent. */
    cl->cnt.unsent = client_due(cl, w->now);
    cl->cnt.backlog = 0;
    client_set_phase(cl, LR_CLIENT_PHASE_DRAINING);
    for (uint32_t i = 0; i < cl->nb_slots; i++) {
        struct lr_client_slot *s = &cl->slots[i];
        if (s->state == SLOT_CONNECTING)
            client_slot_abort(w, s);
        else if (s->state == SLOT_IDLE || s->state == SLOT_THINK)
            client_slot_close(w, s);
    }
}

/* Abort whatever is left; requests in flight are counted as unfinished. */
static void client_abort_all(struct lr_worker *w, struct lr_client *cl)
{
    for (uint32_t i = 0; i < cl->nb_slots; i++) {
        struct lr_client_slot *s = &cl->slots[i];
        if (s->state == SLOT_FREE)
            continue;
        if (s->state == SLOT_WAIT)
            cl->cnt.unfinished += s->p_count;
        client_slot_abort(w, s);
    }
}

/* mode = udp: the engine's counters as the client's (requests = datagrams
 * sent, responses = good answers in time). */
static void client_udp_sync(struct lr_client *cl)
{
    const struct lr_l4_udp_stats *st = lr_l4_udp_stats(cl->udp);
    struct lr_client_counters *c = &cl->cnt;

    c->requests = st->win.sent;
    c->tpl_requests[0] = st->win.sent;
    c->responses = st->win.received - st->rejected;
    c->body_bytes = c->responses * cl->cfg->response_size;
    c->rx_bytes = st->rx_bytes;
    c->tx_bytes = st->tx_bytes;
    c->udp_lost = st->win.lost;
    c->udp_overrun = st->win.overrun;
    c->udp_late = st->win.late;
    c->udp_duplicates = st->win.duplicates;
    c->udp_out_of_window = st->win.out_of_window;
    c->udp_bad = st->bad;
    c->udp_send_failed = st->send_failed;
    c->udp_flows = st->flows;
    c->active = st->flows;
    c->errors[LR_CLIENT_ERR_CORRUPT] = st->corrupt_answers;
    c->l4_corrupt_bytes = st->corrupt_bytes;
    c->warmup_failures = st->warmup_failures;
}

static void client_udp_poll(struct lr_worker *w, struct lr_client *cl)
{
    enum lr_l4_udp_phase ph = lr_l4_udp_poll(w, cl->udp);

    client_udp_sync(cl);
    lr_l4_udp_times(cl->udp, &cl->t_start, &cl->t_stop, &cl->t_done);
    if (ph == LR_L4_UDP_WARMUP)
        cl->t_start = w->now; /* the run has not started: elapsed 0 */
    enum lr_client_phase cp = ph == LR_L4_UDP_DONE       ? LR_CLIENT_PHASE_DONE
                              : ph == LR_L4_UDP_DRAINING ? LR_CLIENT_PHASE_DRAINING
                                                         : LR_CLIENT_PHASE_RUNNING;
    if (cp != cl->phase)
        client_set_phase(cl, cp);
}

void lr_client_poll(struct lr_worker *w)
{
    struct lr_client *cl = client_of(w);
    if (cl == NULL)
        return;
    if (cl->udp != NULL) {
        if (cl->phase != LR_CLIENT_PHASE_DONE)
            client_udp_poll(w, cl);
        return;
    }
    switch ((enum lr_client_phase)cl->phase) {
    case LR_CLIENT_PHASE_INIT:
        cl->t_start = w->now;
        cl->last_refill = w->now;
        client_set_phase(cl, LR_CLIENT_PHASE_RUNNING);
        /* fall through */
    case LR_CLIENT_PHASE_RUNNING:
        /* Until a first connection succeeds one attempt at a time is made,
         * for at most `duration`; the measured run starts at that success. */
        if (w->now - cl->t_start >= cl->cfg->duration) {
            if (cl->open_loop)
                client_dispatch(w, cl); /* the last intents before the end */
            client_begin_drain(w, cl);
            break;
        }
        client_open_more(w, cl);
        if (cl->open_loop)
            client_dispatch(w, cl);
        break;
    case LR_CLIENT_PHASE_DRAINING:
        if (cl->open == 0 || w->now - cl->t_stop >= LR_CLIENT_GRACE_US) {
            client_abort_all(w, cl);
            cl->t_done = w->now;
            client_set_phase(cl, LR_CLIENT_PHASE_DONE);
        }
        break;
    default:
        break;
    }
}

void lr_client_shutdown(struct lr_worker *w)
{
    struct lr_client *cl = client_of(w);
    if (cl == NULL)
        return;
    if (cl->udp != NULL) {
        lr_l4_udp_shutdown(w, cl->udp);
        client_udp_sync(cl);
        lr_l4_udp_times(cl->udp, &cl->t_start, &cl->t_stop, &cl->t_done);
        client_set_phase(cl, LR_CLIENT_PHASE_DONE);
        return;
    }
    client_abort_all(w, cl);
    if (cl->phase != LR_CLIENT_PHASE_DONE) {
        cl->t_done = w->now;
        if (cl->t_stop == 0)
            cl->t_stop = w->now;
        client_set_phase(cl, LR_CLIENT_PHASE_DONE);
    }
}

/* --- setup -------------------------------------------------------------------- */

/* The run's templates: template1..N, or one per path from method, header,
 * body_file and connection (the default: GET of each path in turn). */
static unsigned client_templates(const struct lr_client_config *cfg, struct lr_client_tpl *t,
                                 const char **body)
{
    char why[160];

    if (cfg->nb_templates > 0) {
        for (unsigned i = 0; i < cfg->nb_templates; i++) {
            if (lr_client_tpl_parse(cfg->templates[i], &t[i], why, sizeof(why)) != 0)
                return 0; /* checked when the config was loaded */
            body[i] = t[i].body[0] != '\0' ? cfg->tpl_body[i] : NULL;
        }
        return cfg->nb_templates;
    }
    for (unsigned p = 0; p < cfg->nb_paths && p < LR_CLIENT_REQ_TPL; p++) {
        memset(&t[p], 0, sizeof(t[p]));
        rte_strscpy(t[p].method, cfg->method[0] != '\0' ? cfg->method : "GET", sizeof(t[p].method));
        rte_strscpy(t[p].path, cfg->paths[p], sizeof(t[p].path));
        t[p].weight = 1;
        t[p].close = strcmp(cfg->connection, "close") == 0;
        body[p] = cfg->body_file[0] != '\0' ? cfg->body_file : NULL;
    }
    return RTE_MIN(cfg->nb_paths, (unsigned)LR_CLIENT_REQ_TPL);
}

/* Read the bodies (one copy per distinct file), build every request head
 * and the weighted order, in memory sized from the config. 0 or -errno
 * (logged). */
static int client_build_requests(struct lr_client *cl, int sock)
{
    const struct lr_client_config *cfg = cl->cfg;
    struct lr_client_tpl tpl[LR_CLIENT_REQ_TPL];
    const char *body[LR_CLIENT_REQ_TPL];
    uint32_t weights[LR_CLIENT_REQ_TPL];
    char why[LR_PATH_MAX + 96];

    cl->nb_tpl = (uint16_t)client_templates(cfg, tpl, body);
    if (cl->nb_tpl == 0)
        return -EINVAL;
    uint32_t total = 0;
    for (unsigned i = 0; i < cl->nb_tpl; i++) {
        weights[i] = tpl[i].weight;
        total += tpl[i].weight;
        cl->tpl_close[i] = tpl[i].close;
        /* RFC 9110 §9.3.2: the response to HEAD has no content. */
        cl->tpl_head[i] = strcmp(tpl[i].method, "HEAD") == 0;
        if (body[i] == NULL)
            continue;
        unsigned j;
        for (j = 0; j < i; j++)
            if (body[j] != NULL && strcmp(body[j], body[i]) == 0)
                break;
        if (j < i) { /* the same file: one copy (freed once, lr_client_free) */
            cl->body[i] = cl->body[j];
            cl->body_len[i] = cl->body_len[j];
            continue;
        }
        int rc =
            lr_client_body_load(body[i], sock, &cl->body[i], &cl->body_len[i], why, sizeof(why));
        if (rc != 0) {
            LR_LOG(ERR, client, "[client] %s: %s",
                   cfg->nb_templates > 0 ? "template body" : "body_file", why);
            return rc;
        }
    }
    cl->seq = rte_malloc_socket("lr_client_seq", total, 0, sock);
    if (cl->seq == NULL)
        return -ENOMEM;
    int n = lr_client_wrr(weights, cl->nb_tpl, cl->seq, total);
    if (n <= 0)
        return -EINVAL;
    cl->seq_len = (uint32_t)n;

    uint32_t nreq = (uint32_t)cfg->nb_targets * cl->nb_tpl * 2;
    cl->reqs = rte_zmalloc_socket("lr_client_reqs", (size_t)nreq * REQ_MAX, 0, sock);
    cl->req_len = rte_zmalloc_socket("lr_client_reqlen", sizeof(uint16_t) * nreq, 0, sock);
    if (cl->reqs == NULL || cl->req_len == NULL)
        return -ENOMEM;
    for (uint16_t t = 0; t < cfg->nb_targets; t++) {
        char host[160];
        if (cfg->host[0] != '\0') {
            snprintf(host, sizeof(host), "%s", cfg->host);
        } else {
            const uint8_t *a = (const uint8_t *)&cfg->targets[t].ip;
            /* RFC 9110 §7.2: host[:port], port omitted when it is 80. */
            if (cfg->targets[t].port == 80)
                snprintf(host, sizeof(host), "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
            else
                snprintf(host, sizeof(host), "%u.%u.%u.%u:%u", a[0], a[1], a[2], a[3],
                         cfg->targets[t].port);
        }
        for (uint16_t p = 0; p < cl->nb_tpl; p++) {
            for (unsigned close = 0; close < 2; close++) {
                uint32_t i = ((uint32_t)t * cl->nb_tpl + p) * 2 + close;
                int len = lr_client_head_build(cl->reqs + (size_t)i * REQ_MAX, REQ_MAX,
                                               tpl[p].method, tpl[p].path, host, tpl[p].headers,
                                               cfg->headers, cl->body_len[p], close != 0);
                if (len < 0) {
                    LR_LOG(ERR, client, "[client] path/host/headers too long for a request head");
                    return -EINVAL;
                }
                cl->req_len[i] = (uint16_t)len;
            }
        }
    }
    return 0;
}

/* mode = tcp: one template (the L4 request), its payload pattern. */
static int client_build_l4(struct lr_client *cl, int sock)
{
    uint32_t bl = cl->cfg->payload_size - LR_L4_HDR_LEN;

    cl->nb_tpl = 1;
    cl->seq_len = 1;
    cl->seq = rte_zmalloc_socket("lr_client_seq", 1, 0, sock);
    cl->l4_body_cap = RTE_MIN(bl, 2 * LR_L4_PATTERN_LEN);
    cl->body[0] = rte_malloc_socket("lr_client_l4", RTE_MAX(cl->l4_body_cap, 1u), 0, sock);
    if (cl->seq == NULL || cl->body[0] == NULL)
        return -ENOMEM;
    lr_l4_msg_fill(cl->body[0], cl->l4_body_cap, LR_L4_HDR_LEN, NULL);
    cl->body_len[0] = bl;
    /* client_send_rest reads the head from the slot (l4.hdr); its length
     * by the request index, (target * 1 + 0) * 2 + last. */
    uint32_t nreq = (uint32_t)cl->cfg->nb_targets * 2;
    cl->req_len = rte_malloc_socket("lr_client_reqlen", sizeof(uint16_t) * nreq, 0, sock);
    if (cl->req_len == NULL)
        return -ENOMEM;
    for (uint32_t i = 0; i < nreq; i++)
        cl->req_len[i] = LR_L4_HDR_LEN;
    return 0;
}

static int client_pick_sources(struct lr_worker *w, struct lr_client *cl)
{
    const struct lr_client_config *cfg = cl->cfg;

    if (cfg->source_first == 0)
        return 0; /* the address of the port routing to the target */
    uint32_t lo = rte_be_to_cpu_32(cfg->source_first), hi = rte_be_to_cpu_32(cfg->source_last);
    for (uint16_t p = 0; p < w->nb_ports; p++) {
        uint32_t a = rte_be_to_cpu_32(w->ports[p].addr);
        if (a >= lo && a <= hi)
            cl->src[cl->nb_src++] = w->ports[p].addr;
    }
    if (cl->nb_src == 0) {
        LR_LOG(ERR, client,
               "[client] source_addrs: no address of the range is a port address "
               "(the stack only receives on its [portN] addr)");
        return -EINVAL;
    }
    if (cl->nb_src < hi - lo + 1)
        LR_LOG(WARNING, client,
               "[client] source_addrs: only %u address(es) of the range are port addresses; "
               "using those",
               cl->nb_src);
    return 0;
}

/* mode = udp: the client without connection slots, around its engine. */
static int lr_client_udp_init(struct lr_worker *w, const struct lr_client_config *cfg)
{
    if (cfg->nb_targets == 0) {
        LR_LOG(ERR, client, "[client] needs at least one target");
        return -EINVAL;
    }
    if (lr_worker_slot(&client_slot) == 0)
        return -ENOSPC;
    struct lr_client *cl =
        rte_zmalloc_socket("lr_client", sizeof(*cl), RTE_CACHE_LINE_SIZE, (int)w->socket);
    if (cl == NULL)
        return -ENOMEM;
    cl->cfg = cfg;
    lr_latency_reset(&cl->lat);
    lr_latency_reset(&cl->hs_lat);
    w->slot[client_slot] = cl;
    int rc = lr_l4_udp_create(w, cfg, &cl->lat, &cl->udp);
    if (rc != 0) {
        lr_client_free(w);
        return rc;
    }
    client_udp_sync(cl);
    return 0;
}

int lr_client_init(struct lr_worker *w)
{
    const struct lr_client_config *cfg = lr_client_conf(w->cfg);
    int rc;

    if (!cfg->enabled)
        return 0;
    if (cfg->mode == LR_CLIENT_UDP)
        return lr_client_udp_init(w, cfg);
    if (cfg->nb_targets == 0 || (cfg->mode == LR_CLIENT_HTTP && cfg->nb_paths == 0)) {
        LR_LOG(ERR, client, "[client] needs at least one target and one path");
        return -EINVAL;
    }
    uint32_t share =
        cfg->connections / w->nb_workers + (w->id < cfg->connections % w->nb_workers ? 1 : 0);
    if (share > w->cfg->tcp.max_conns) {
        LR_LOG(ERR, client,
               "[client] connections: %u per worker exceed [tcp] max_conns %u; raise max_conns",
               share, w->cfg->tcp.max_conns);
        return -EINVAL;
    }
    if (lr_worker_slot(&client_slot) == 0)
        return -ENOSPC;
    int sock = (int)w->socket;
    struct lr_client *cl = rte_zmalloc_socket("lr_client", sizeof(*cl), RTE_CACHE_LINE_SIZE, sock);
    if (cl == NULL)
        return -ENOMEM;
    cl->cfg = cfg;
    cl->nb_slots = share;
    cl->tls = cfg->tls;
    cl->sni = cfg->sni[0] != '\0' ? cfg->sni : NULL;
    if (cl->tls) {
        /* The tls module ran its init first (after = "tls"): a client
         * context exists when this module's global_init asked for one. */
        const struct lr_tls_worker *tw = lr_tls_worker(w);
        if (tw == NULL || tw->client == NULL) {
            LR_LOG(ERR, client, "[client] tls: worker %u has no TLS client context", w->id);
            rte_free(cl);
            return -ENOTSUP;
        }
    }
    cl->slots = rte_zmalloc_socket("lr_client_slots", sizeof(*cl->slots) * (share ? share : 1),
                                   RTE_CACHE_LINE_SIZE, sock);
    cl->free_stack =
        rte_zmalloc_socket("lr_client_free", sizeof(uint32_t) * (share ? share : 1), 0, sock);
    cl->idle =
        rte_zmalloc_socket("lr_client_idle", sizeof(uint32_t) * (share ? share : 1), 0, sock);
    cl->l4 = cfg->mode == LR_CLIENT_TCP;
    cl->depth = cfg->pipeline > 1 ? RTE_MIN(cfg->pipeline, (uint32_t)LR_CLIENT_PIPELINE_MAX) : 1;
    cl->think = cfg->request_rate == 0 ? cfg->think_time : 0;
    if (cl->l4) {
        cl->depth = 1; /* one answer awaited at a time: it is checked against its head */
        cl->think = cfg->request_rate == 0 ? cfg->interval : 0;
    }
    cl->pend = rte_zmalloc_socket("lr_client_pend",
                                  sizeof(*cl->pend) * cl->depth * (share ? share : 1), 0, sock);
    w->slot[client_slot] = cl;
    if (cl->slots == NULL || cl->free_stack == NULL || cl->idle == NULL || cl->pend == NULL) {
        lr_client_free(w);
        return -ENOMEM;
    }
    rc = cl->l4 ? client_build_l4(cl, sock) : client_build_requests(cl, sock);
    if (rc == 0)
        rc = client_pick_sources(w, cl);
    if (rc != 0) {
        lr_client_free(w);
        return rc;
    }
    for (uint32_t i = 0; i < share; i++) {
        struct lr_client_slot *s = &cl->slots[i];
        s->cl = cl;
        s->pend = cl->pend + (size_t)i * cl->depth;
        lr_timer_init(&s->timer, client_slot_timer);
        cl->free_stack[i] = share - 1 - i; /* slot 0 first */
    }
    cl->nb_free = share;
    cl->rate = cfg->rate / w->nb_workers + (w->id < cfg->rate % w->nb_workers ? 1 : 0);
    /* Bucket depth: 10 ms of this worker's rate, at least one connection. */
    cl->tokens_cap = RTE_MAX(cl->rate * 10000, (uint64_t)1000000);
    cl->tokens = 1000000;
    lr_latency_reset(&cl->lat);
    lr_latency_reset(&cl->hs_lat);
    cl->open_loop = cfg->request_rate != 0;
    cl->req_rate = lr_rate_share(cfg->request_rate, w->nb_workers, w->id);
    if (cl->open_loop && cl->req_rate == 0)
        LR_LOG(WARNING, client,
               "worker %u: [client] request_rate below one per worker: sends nothing", w->id);
    if (cfg->rate != 0 && cl->rate == 0)
        LR_LOG(WARNING, client, "worker %u: [client] rate below one per worker: opens nothing",
               w->id);
    if (share == 0) {
        /* More workers than connections: this one has nothing to do. */
        client_set_phase(cl, LR_CLIENT_PHASE_DONE);
    }
    return 0;
}

void lr_client_free(struct lr_worker *w)
{
    struct lr_client *cl = client_of(w);
    if (cl == NULL)
        return;
    if (cl->slots != NULL)
        for (uint32_t i = 0; i < cl->nb_slots; i++)
            if (cl->slots[i].cl != NULL)
                lr_timer_cancel(&w->timers, &cl->slots[i].timer);
    rte_free(cl->slots);
    rte_free(cl->free_stack);
    rte_free(cl->idle);
    rte_free(cl->reqs);
    rte_free(cl->req_len);
    rte_free(cl->seq);
    rte_free(cl->pend);
    for (unsigned i = 0; i < LR_CLIENT_REQ_TPL; i++) {
        bool shared = false;
        for (unsigned j = 0; j < i && !shared; j++)
            shared = cl->body[j] == cl->body[i];
        if (!shared)
            rte_free(cl->body[i]);
    }
    for (unsigned t = 0; t < LR_MAX_TARGETS; t++)
        lr_tls_session_release(w, cl->sess[t]);
    lr_l4_udp_destroy(w, cl->udp);
    rte_free(cl);
    w->slot[client_slot] = NULL;
}

/* --- main lcore readers ------------------------------------------------------- */

void lr_client_counters_get(const struct lr_client *cl, struct lr_client_counters *out)
{
    const volatile uint64_t *src = (const volatile uint64_t *)&cl->cnt;
    uint64_t *dst = (uint64_t *)out;
    for (size_t i = 0; i < sizeof(*out) / sizeof(uint64_t); i++)
        dst[i] = src[i];
}

void lr_client_counters_add(struct lr_client_counters *dst, const struct lr_client_counters *src)
{
    uint64_t *d = (uint64_t *)dst;
    const uint64_t *s = (const uint64_t *)src;
    for (size_t i = 0; i < sizeof(*dst) / sizeof(uint64_t); i++)
        d[i] += s[i];
}

void lr_client_latency_merge(const struct lr_client *cl, struct lr_latency *dst)
{
    lr_latency_merge(dst, &cl->lat);
}

void lr_client_hs_latency_merge(const struct lr_client *cl, struct lr_latency *dst)
{
    lr_latency_merge(dst, &cl->hs_lat);
}

uint64_t lr_client_elapsed(const struct lr_client *cl, uint64_t now)
{
    enum lr_client_phase ph = lr_client_phase(cl);
    if (ph == LR_CLIENT_PHASE_INIT)
        return 0;
    uint64_t end = ph == LR_CLIENT_PHASE_DONE ? cl->t_done : now;
    return end > cl->t_start ? end - cl->t_start : 0;
}
