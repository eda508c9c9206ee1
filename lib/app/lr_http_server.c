/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP/1.1 server over the TCP API (see lr_http_server.h for the contract).
 *
 * Call chain:
 *   TCP data()      -> http_data()     append the mbufs to the held input chain
 *                   -> http_process()  loop: body still to send? request body
 *                                      to discard? next request head?
 *                      -> lr_http_request_parse() on the first segment, or on
 *                         a linearised copy when the head spans segments
 *                      -> http_handle() -> http_send_file() / http_send_error()
 *   TCP writable()  -> http_process()  (send more body, resume pipelining)
 *   timer wheel     -> http_timer()    408, keep-alive idle, send stall, linger
 *
 * The connection is a stream (lr_stream.h): plain TCP on [http] listen, TLS
 * on [http] tls_listen, the same code over both.
 *
 * Input is held, not copied: the connection runs in manual receive mode
 * (lr_stream_rcv_manual), keeps the received mbuf chain, and reports bytes
 * as consumed only when a request (and its body) has been dealt with. While
 * we hold input, TCP's advertised window shrinks: a client pipelining faster
 * than it reads responses is slowed down by TCP itself, with no buffer of
 * ours to overflow. The parser is stateless, so a head that arrives in
 * pieces is simply parsed again when more bytes come (bounded by the limits).
 *
 * Output: the response head is composed in a per-worker scratch buffer and
 * copied into an mbuf; the file body follows as external-buffer segments
 * pointing into the file cache (lr_file_cache_attach), queued with
 * lr_stream_send_mbuf in pieces of at most max(send space, 64 KiB) so a 20 MB
 * file never sits in the send queue at once. A new request is parsed only
 * while lr_stream_send_space() > 0 (pipelining in order, bounded by the send
 * buffer); otherwise we wait for writable().
 *
 * Closing (RFC 9112 §9.6): after the last response we half-close (FIN after
 * the queued data) and keep reading and discarding until the peer closes or
 * a linger time passes, so a client still sending a body does not get a RST
 * that would destroy the response it has not read yet.
 */
#include <netinet/in.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "lr_file_cache.h"
#include "lr_http_parser.h"
#include "lr_http_server.h"
#include "lr_log.h"
#include "lr_path.h"
#include "lr_module.h"
#include "lr_stream.h"
#include "lr_telemetry.h"
#include "lr_tcp.h"
#include "lr_time.h"
#include "lr_timer.h"
#include "lr_tqueue.h"
#include "lr_tls_module.h"

LR_LOG_DEFINE(http);

/* This module's w->slot[] (lr_worker_slot). */
static unsigned http_slot;

#define HTTP_BODY_PIECE    (256u * 1024)   /* most body bytes queued per call */
#define HTTP_BODY_MIN      (64u * 1024)    /* queue at least this much when space > 0 */
#define HTTP_SEG_MAX       32768u          /* bytes per external-buffer segment */
#define HTTP_SMALL_COPY    512u            /* bodies up to this are copied after the head */
#define HTTP_RETRY_US      1000u           /* retry after an mbuf shortage */
#define HTTP_LINGER_MAX    (5u * 1000000)  /* drain after our FIN at most this long */
#define HTTP_STALL_DEFAULT (60u * 1000000) /* stall limit when keep-alive is off */
#define HTTP_HEAD_EXTRA    1024u           /* response head beyond the longest Location */

enum http_state {
    HC_HEAD = 0,     /* waiting for / parsing a request head */
    HC_BODY_CL,      /* discarding a Content-Length body */
    HC_BODY_CHUNKED, /* discarding a chunked body */
    HC_DRAIN,        /* we sent FIN: discard input until the peer closes */
    HC_DONE,         /* lr_stream_close() called: waiting for closed() */
};

enum http_tmode {
    HT_NONE = 0,
    HT_HEADER, /* 408 when it fires */
    HT_IDLE,   /* keep-alive idle: close */
    HT_SEND,   /* body stalled (peer not reading): abort */
    HT_LINGER, /* after our FIN */
    HT_RETRY,  /* mbuf shortage: try again */
};

/*
 * Every timeout of a connection is one of a few fixed delays of this
 * server, so each delay is a timeout queue (lr_tqueue.h) in the server: a
 * connection waits on at most one, through 12 bytes of link, instead of
 * carrying a 48-byte wheel node. The mode says what happens when it fires;
 * the queue says how long it waits (HT_IDLE waits keepalive_timeout between
 * requests, the stall limit inside a request body).
 */
enum http_tqid {
    TQ_HEADER,    /* header_timeout */
    TQ_KEEPALIVE, /* keepalive_timeout */
    TQ_STALL,     /* send_stall_us */
    TQ_RETRY,     /* HTTP_RETRY_US */
    TQ_LINGER,    /* http_linger_us() */
    TQ_MAX,
};

struct lr_http_conn {
    struct lr_http_server *srv;
    struct lr_tcp_conn *tcp;
    struct rte_mbuf *in; /* held input, in order */
    uint32_t in_len;
    uint32_t nreq;
    uint64_t body_left;               /* HC_BODY_CL */
    const struct lr_file_entry *file; /* body still to queue: [off, end) */
    uint64_t off;
    uint64_t end;
    struct lr_http_chunked chunk;
    struct lr_tqlink tl; /* on srv->tq[tq] while tmode != HT_NONE; free list when free */
    uint32_t pre_fed;    /* chunked body bytes behind the held head already validated */
    int16_t pre_rc;      /* 0 while validating, else the result of prevalidate_chunked() */
    uint8_t state;
    uint8_t tmode : 4;
    uint8_t tq : 4;
    bool close_after : 1; /* close once the current response is queued */
    bool peer_fin : 1;
    bool wr_shut : 1;
    bool in_use : 1;
    bool pre_active : 1; /* validating the body of the head at the front of the input */
};

/* 160 bytes with a wheel node and plain bools; this is all the HTTP state an
 * idle keep-alive connection costs (bench/RESULTS.md, memory per connection). */
_Static_assert(sizeof(struct lr_http_conn) <= 112, "HTTP connection slot grew");

struct lr_http_server {
    struct lr_worker *w;
    const struct lr_file_cache *fc;
    const struct lr_http_config *cfg;
    struct lr_http_limits lim;
    struct lr_http_conn *conns;
    uint32_t nb_conns;
    uint32_t free_head;     /* UINT32_MAX = none */
    int64_t wall_offset_us; /* wall clock = w->now + offset */
    uint64_t send_stall_us; /* peer reads (or sends a body) nothing this long: give up */
    uint32_t body_hold;     /* chunked body bytes held (and validated) before answering */
    uint64_t date_sec;
    char date[32];
    char server_line[96]; /* "Server: name\r\n" */
    uint32_t server_line_len;
    uint8_t *scratch; /* linearised request head */
    uint32_t scratch_len;
    char *hbuf; /* response head being composed */
    uint32_t hbuf_len;
    char *path; /* normalised request path (+ index) */
    uint32_t path_len;
    struct lr_tqueue tq[TQ_MAX];
    uint16_t nb_listen;
    uint16_t listen[LR_MAX_LISTEN];
    uint16_t nb_tls_listen;
    uint16_t tls_listen[LR_MAX_LISTEN];
    struct lr_http_counters cnt;
};

static const char *const status_reason[LR_HTTP_ST_MAX] = {
    [LR_HTTP_ST_200] = "OK",
    [LR_HTTP_ST_206] = "Partial Content",
    [LR_HTTP_ST_301] = "Moved Permanently",
    [LR_HTTP_ST_304] = "Not Modified",
    [LR_HTTP_ST_400] = "Bad Request",
    [LR_HTTP_ST_404] = "Not Found",
    [LR_HTTP_ST_405] = "Method Not Allowed",
    [LR_HTTP_ST_408] = "Request Timeout",
    [LR_HTTP_ST_413] = "Content Too Large",
    [LR_HTTP_ST_414] = "URI Too Long",
    [LR_HTTP_ST_416] = "Range Not Satisfiable",
    [LR_HTTP_ST_431] = "Request Header Fields Too Large",
    [LR_HTTP_ST_501] = "Not Implemented",
    [LR_HTTP_ST_505] = "HTTP Version Not Supported",
};

static const uint16_t status_code[LR_HTTP_ST_MAX] = {
#define LR_X_CODE(code, name) [LR_HTTP_ST_##code] = code,
    LR_HTTP_STATUSES(LR_X_CODE)
#undef LR_X_CODE
};

static enum lr_http_status_idx status_idx(unsigned code)
{
    for (unsigned i = 0; i < LR_HTTP_ST_MAX; i++)
        if (status_code[i] == code)
            return (enum lr_http_status_idx)i;
    return LR_HTTP_ST_400;
}

static void http_process(struct lr_http_conn *hc);

/* ---- small helpers ------------------------------------------------------- */

static inline char *put(char *p, const char *s, size_t n)
{
    memcpy(p, s, n);
    return p + n;
}

#define PUTS(p, lit) put((p), (lit), sizeof(lit) - 1)

static char *put_u64(char *p, uint64_t v)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    while (n > 0)
        *p++ = tmp[--n];
    return p;
}

/*
 * Copy @n bytes of a URI component, percent-encoding every byte that may not
 * appear there literally, so a Location built from a decoded path is a valid
 * URI-reference (RFC 9110 §10.2.2). Kept literally: pchar = unreserved /
 * sub-delims / ":" / "@" (RFC 3986 §3.3), plus "/" in a path and "/" "?" in
 * a query (§3.4). '%' is encoded in a path (which we hold decoded) and kept in
 * a query (copied from the request, so its escapes are still escapes).
 * Writes at most 3 * @n bytes.
 */
static char *put_uri_encoded(char *p, const char *s, size_t n, bool query)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    (c != '\0' && strchr("-._~!$&'()*+,;=:@/", c) != NULL) ||
                    (query && (c == '?' || c == '%'));
        if (keep) {
            *p++ = (char)c;
        } else {
            *p++ = '%';
            *p++ = hex[c >> 4];
            *p++ = hex[c & 15];
        }
    }
    return p;
}

static void timer_stop(struct lr_http_conn *hc)
{
    if (hc->tmode == HT_NONE)
        return;
    lr_tqueue_del(&hc->srv->tq[hc->tq], (uint32_t)(hc - hc->srv->conns));
    hc->tmode = HT_NONE;
}

/* (Re)start the connection's timeout: @mode when it fires, after @tq's delay. */
static void timer_arm(struct lr_http_conn *hc, enum http_tmode mode, enum http_tqid tq)
{
    struct lr_worker *w = hc->srv->w;
    timer_stop(hc);
    hc->tmode = (uint8_t)mode;
    hc->tq = (uint8_t)tq;
    lr_tqueue_add(&w->timers, &hc->srv->tq[tq], (uint32_t)(hc - hc->srv->conns), w->now);
}

/* The Date header value for now, formatted once per second (RFC 9110 §6.6.1). */
static const char *http_date(struct lr_http_server *srv)
{
    int64_t wall = (int64_t)srv->w->now + srv->wall_offset_us;
    uint64_t sec = wall > 0 ? (uint64_t)wall / 1000000 : 0;
    if (sec != srv->date_sec || srv->date[0] == '\0') {
        lr_http_date_format((time_t)sec, srv->date);
        srv->date_sec = sec;
    }
    return srv->date;
}

/* Drop @n bytes from the front of the held input and give them back to TCP. */
static void in_consume(struct lr_http_conn *hc, uint32_t n)
{
    struct rte_mbuf *m = hc->in;
    uint32_t left = n;
    while (left > 0 && m != NULL) {
        if (left >= m->data_len) {
            struct rte_mbuf *next = m->next;
            uint16_t segs = m->nb_segs;
            uint32_t plen = m->pkt_len;
            left -= m->data_len;
            plen -= m->data_len;
            m->next = NULL;
            m->nb_segs = 1;
            m->pkt_len = m->data_len;
            rte_pktmbuf_free_seg(m);
            m = next;
            if (m != NULL) {
                m->nb_segs = (uint16_t)(segs - 1);
                m->pkt_len = plen;
            }
        } else {
            m->data_off = (uint16_t)(m->data_off + left);
            m->data_len = (uint16_t)(m->data_len - left);
            m->pkt_len -= left;
            left = 0;
        }
    }
    hc->in = m;
    hc->in_len -= n - left;
    if (hc->in_len == 0 && hc->in != NULL) {
        rte_pktmbuf_free(hc->in); /* only empty segments can remain */
        hc->in = NULL;
    }
    if (hc->tcp != NULL)
        lr_stream_rcv_consumed(hc->srv->w, hc->tcp, n - left);
}

static void in_discard_all(struct lr_http_conn *hc)
{
    if (hc->in_len > 0)
        hc->srv->cnt.body_discarded += hc->in_len;
    in_consume(hc, hc->in_len);
}

/* Make writable() fire once send space frees. */
static void want_writable(struct lr_http_conn *hc)
{
    lr_stream_want_writable(hc->srv->w, hc->tcp);
}

/* ---- pool ------------------------------------------------------------------ */

static struct lr_http_conn *conn_alloc(struct lr_http_server *srv)
{
    if (srv->free_head == UINT32_MAX)
        return NULL;
    struct lr_http_conn *hc = &srv->conns[srv->free_head];
    srv->free_head = hc->tl.l.next;
    /* conn_release took it off its timeout queue (and the free list does
     * not use the queue link's prev). */
    RTE_ASSERT(hc->tmode == HT_NONE);
    memset(hc, 0, sizeof(*hc));
    hc->srv = srv;
    hc->in_use = true;
    srv->cnt.conns_active++;
    return hc;
}

static void conn_release(struct lr_http_conn *hc)
{
    struct lr_http_server *srv = hc->srv;
    timer_stop(hc);
    hc->tcp = NULL; /* no rcv_consumed on a dead connection */
    if (hc->in != NULL)
        rte_pktmbuf_free(hc->in);
    hc->in = NULL;
    hc->in_len = 0;
    hc->in_use = false;
    hc->file = NULL;
    hc->tl.l.next = srv->free_head; /* not on a queue any more: timer_stop */
    srv->free_head = (uint32_t)(hc - srv->conns);
    srv->cnt.conns_active--;
}

/* ---- sending ---------------------------------------------------------------- */

/* Copy @len bytes into a new chain of direct mbufs (full buffers, no headroom). */
static struct rte_mbuf *copy_to_mbufs(struct lr_http_server *srv, const char *p, uint32_t len)
{
    struct rte_mbuf *head = NULL, *last = NULL;
    while (len > 0 || head == NULL) {
        struct rte_mbuf *m = rte_pktmbuf_alloc(srv->w->pool);
        if (m == NULL) {
            rte_pktmbuf_free(head);
            return NULL;
        }
        m->data_off = 0;
        uint32_t k = RTE_MIN(len, (uint32_t)m->buf_len);
        memcpy(rte_pktmbuf_mtod(m, char *), p, k);
        m->data_len = (uint16_t)k;
        m->pkt_len = k;
        if (head == NULL) {
            head = m;
        } else {
            last->next = m;
            head->nb_segs++;
            head->pkt_len += k;
        }
        last = m;
        p += k;
        len -= k;
    }
    return head;
}

/* Append external-buffer segments for [off, off + len) of @f to @head. */
static int attach_body(struct lr_http_server *srv, struct rte_mbuf *head,
                       const struct lr_file_entry *f, uint64_t off, uint64_t len)
{
    struct rte_mbuf *last = rte_pktmbuf_lastseg(head);
    while (len > 0) {
        uint32_t k = (uint32_t)RTE_MIN(len, (uint64_t)HTTP_SEG_MAX);
        struct rte_mbuf *m = rte_pktmbuf_alloc(srv->w->pool);
        if (m == NULL)
            return -ENOBUFS;
        if (lr_file_cache_attach(srv->fc, srv->w->id, f, off, k, m) < 0) {
            rte_pktmbuf_free(m);
            return -EINVAL;
        }
        last->next = m;
        last = m;
        head->nb_segs++;
        head->pkt_len += k;
        off += k;
        len -= k;
    }
    return 0;
}

/* How much body to queue now: at least HTTP_BODY_MIN, at most HTTP_BODY_PIECE. */
static uint64_t body_budget(const struct lr_http_conn *hc, uint64_t left)
{
    uint32_t space = lr_stream_send_space(hc->tcp);
    uint64_t b = RTE_MAX((uint64_t)space, (uint64_t)HTTP_BODY_MIN);
    b = RTE_MIN(b, (uint64_t)HTTP_BODY_PIECE);
    return RTE_MIN(b, left);
}

/*
 * Queue the response head @head (@hlen bytes) and, when @f is given, body
 * bytes [off, end) of it (some now, the rest from http_send_body()).
 * 0, -ENOBUFS (nothing queued: retry later) or -ENOTCONN.
 */
static int http_send(struct lr_http_conn *hc, const char *head, uint32_t hlen,
                     const struct lr_file_entry *f, uint64_t off, uint64_t end)
{
    struct lr_http_server *srv = hc->srv;
    struct rte_mbuf *m = copy_to_mbufs(srv, head, hlen);
    if (m == NULL) {
        srv->cnt.no_mbuf++;
        return -ENOBUFS;
    }
    uint64_t now = 0;
    if (f != NULL && end > off) {
        struct rte_mbuf *last = rte_pktmbuf_lastseg(m);
        uint64_t len = end - off;
        if (len <= HTTP_SMALL_COPY && rte_pktmbuf_tailroom(last) >= len) {
            /* Tiny body: one copy is cheaper than an external segment. */
            memcpy(rte_pktmbuf_mtod_offset(last, char *, last->data_len), f->data + off, len);
            last->data_len = (uint16_t)(last->data_len + len);
            m->pkt_len += (uint32_t)len;
            now = len;
        } else {
            now = body_budget(hc, len);
            int rc = attach_body(srv, m, f, off, now);
            if (rc < 0) {
                rte_pktmbuf_free(m);
                if (rc == -ENOBUFS)
                    srv->cnt.no_mbuf++;
                return rc == -ENOBUFS ? -ENOBUFS : -ENOTCONN;
            }
        }
    }
    int rc = lr_stream_send_mbuf(srv->w, hc->tcp, m);
    if (rc < 0) {
        rte_pktmbuf_free(m);
        return rc == -ENOBUFS ? -ENOBUFS : -ENOTCONN;
    }
    srv->cnt.tx_header_bytes += hlen;
    srv->cnt.tx_body_bytes += now;
    if (f != NULL && off + now < end) {
        hc->file = f;
        hc->off = off + now;
        hc->end = end;
    }
    return 0;
}

/*
 * Queue more of the pending body. Returns 0 when the body is fully queued,
 * 1 when some is left (waiting for writable() or a retry), -1 on error.
 */
static int http_send_body(struct lr_http_conn *hc)
{
    struct lr_http_server *srv = hc->srv;
    while (hc->file != NULL) {
        if (lr_stream_send_space(hc->tcp) == 0) {
            want_writable(hc);
            timer_arm(hc, HT_SEND, TQ_STALL);
            return 1;
        }
        uint64_t n = body_budget(hc, hc->end - hc->off);
        struct rte_mbuf *m = rte_pktmbuf_alloc(srv->w->pool);
        if (m == NULL) {
            srv->cnt.no_mbuf++;
            timer_arm(hc, HT_RETRY, TQ_RETRY);
            return 1;
        }
        /* The first piece goes into @m itself, the rest chained after it. */
        uint32_t k = (uint32_t)RTE_MIN(n, (uint64_t)HTTP_SEG_MAX);
        if (lr_file_cache_attach(srv->fc, srv->w->id, hc->file, hc->off, k, m) < 0) {
            rte_pktmbuf_free(m);
            return -1;
        }
        int rc = n > k ? attach_body(srv, m, hc->file, hc->off + k, n - k) : 0;
        if (rc == 0)
            rc = lr_stream_send_mbuf(srv->w, hc->tcp, m);
        if (rc < 0) {
            rte_pktmbuf_free(m);
            if (rc == -ENOBUFS) {
                srv->cnt.no_mbuf++;
                timer_arm(hc, HT_RETRY, TQ_RETRY);
                return 1;
            }
            return -1;
        }
        srv->cnt.tx_body_bytes += n;
        hc->off += n;
        if (hc->off >= hc->end)
            hc->file = NULL;
    }
    if (hc->tmode == HT_SEND || hc->tmode == HT_RETRY)
        timer_stop(hc);
    return 0;
}

static void count_status(struct lr_http_server *srv, unsigned code)
{
    srv->cnt.status[status_idx(code)]++;
    srv->cnt.responses[code / 100 < 6 ? code / 100 : 0]++;
}

/* Status line, Date, Server and Connection (when needed). */
static char *head_start(struct lr_http_conn *hc, char *p, unsigned code, bool v10, bool close)
{
    struct lr_http_server *srv = hc->srv;
    const char *reason = status_reason[status_idx(code)];
    p = PUTS(p, "HTTP/1.1 ");
    p = put_u64(p, code);
    *p++ = ' ';
    p = put(p, reason, strlen(reason));
    p = PUTS(p, "\r\nDate: ");
    p = put(p, http_date(srv), 29);
    p = PUTS(p, "\r\n");
    p = put(p, srv->server_line, srv->server_line_len);
    if (close)
        p = PUTS(p, "Connection: close\r\n");
    else if (v10)
        p = PUTS(p, "Connection: keep-alive\r\n"); /* RFC 9112 §9.3: 1.0 persistence */
    return p;
}

/*
 * A short text response for an error or a redirect. @extra is one more
 * header line (with CRLF) or NULL. Errors that close the connection set
 * hc->close_after.
 */
static int http_send_error(struct lr_http_conn *hc, unsigned code, bool head_only, bool v10,
                           bool close, const char *extra, size_t extra_len)
{
    struct lr_http_server *srv = hc->srv;
    const char *reason = status_reason[status_idx(code)];
    char body[64];
    int blen = snprintf(body, sizeof(body), "%u %s\n", code, reason);
    char *p = head_start(hc, srv->hbuf, code, v10, close);
    p = PUTS(p, "Content-Type: text/plain; charset=utf-8\r\nContent-Length: ");
    p = put_u64(p, (uint64_t)blen);
    p = PUTS(p, "\r\n");
    if (extra != NULL && (size_t)(p - srv->hbuf) + extra_len + blen + 4 < srv->hbuf_len)
        p = put(p, extra, extra_len);
    p = PUTS(p, "\r\n");
    if (!head_only)
        p = put(p, body, (size_t)blen);
    int rc = http_send(hc, srv->hbuf, (uint32_t)(p - srv->hbuf), NULL, 0, 0);
    if (rc == 0) {
        count_status(srv, code);
        if (close)
            hc->close_after = true;
    }
    return rc;
}

/* ---- request handling ---------------------------------------------------------- */

/*
 * A file: 304, 416, 206 or 200 (RFC 9110 §13.2.2 order of evaluation:
 * If-None-Match, else If-Modified-Since; then Range, GET only and never
 * with If-Range, which we do not evaluate, so a full 200 is always correct).
 */
static int http_send_file(struct lr_http_conn *hc, const uint8_t *b,
                          const struct lr_http_request *r, const struct lr_file_entry *f,
                          bool close)
{
    struct lr_http_server *srv = hc->srv;
    bool head_only = r->method == LR_HTTP_HEAD;
    bool v10 = r->version_minor == 0;
    char *p;
    int rc;

    bool not_modified;
    if (r->has_if_none_match)
        not_modified = lr_http_etag_match((const char *)b + r->if_none_match.off,
                                          r->if_none_match.len, f->etag, f->etag_len);
    else
        not_modified = r->has_if_modified_since && f->mtime <= r->if_modified_since;
    if (not_modified) {
        /* RFC 9110 §15.4.5: the validators a 200 would carry, no content. */
        p = head_start(hc, srv->hbuf, 304, v10, close);
        p = PUTS(p, "ETag: ");
        p = put(p, f->etag, f->etag_len);
        p = PUTS(p, "\r\nLast-Modified: ");
        p = put(p, f->last_modified, 29);
        p = PUTS(p, "\r\n\r\n");
        rc = http_send(hc, srv->hbuf, (uint32_t)(p - srv->hbuf), NULL, 0, 0);
        if (rc == 0)
            count_status(srv, 304);
        return rc;
    }

    uint64_t first = 0, last = f->size ? f->size - 1 : 0;
    bool partial = false;
    if (r->method == LR_HTTP_GET && !r->has_if_range && r->range != LR_HTTP_RANGE_NONE &&
        r->range != LR_HTTP_RANGE_MULTI) {
        bool ok;
        switch (r->range) {
        case LR_HTTP_RANGE_FROM_TO:
            ok = r->range_first < f->size;
            first = r->range_first;
            last = RTE_MIN(r->range_last, f->size - 1);
            break;
        case LR_HTTP_RANGE_FROM:
            ok = r->range_first < f->size;
            first = r->range_first;
            break;
        default: /* SUFFIX: the last n bytes (RFC 9110 §14.1.2) */
            ok = r->range_first > 0 && f->size > 0;
            first = r->range_first >= f->size ? 0 : f->size - r->range_first;
            break;
        }
        if (!ok) {
            char cr[64];
            int n = snprintf(cr, sizeof(cr), "Content-Range: bytes */%" PRIu64 "\r\n", f->size);
            return http_send_error(hc, 416, head_only, v10, close, cr, (size_t)n);
        }
        partial = true;
    }

    if (!partial) {
        p = head_start(hc, srv->hbuf, 200, v10, close);
        p = put(p, f->hdr, f->hdr_len);
        p = PUTS(p, "\r\n");
        rc = http_send(hc, srv->hbuf, (uint32_t)(p - srv->hbuf), head_only ? NULL : f, 0, f->size);
        if (rc == 0)
            count_status(srv, 200);
        return rc;
    }
    uint64_t len = last - first + 1;
    p = head_start(hc, srv->hbuf, 206, v10, close);
    p = PUTS(p, "Content-Type: ");
    p = put(p, f->mime, strlen(f->mime));
    p = PUTS(p, "\r\nContent-Length: ");
    p = put_u64(p, len);
    p = PUTS(p, "\r\nContent-Range: bytes ");
    p = put_u64(p, first);
    *p++ = '-';
    p = put_u64(p, last);
    *p++ = '/';
    p = put_u64(p, f->size);
    p = PUTS(p, "\r\nLast-Modified: ");
    p = put(p, f->last_modified, 29);
    p = PUTS(p, "\r\nETag: ");
    p = put(p, f->etag, f->etag_len);
    p = PUTS(p, "\r\nAccept-Ranges: bytes\r\n\r\n");
    rc = http_send(hc, srv->hbuf, (uint32_t)(p - srv->hbuf), f, first, last + 1);
    if (rc == 0)
        count_status(srv, 206);
    return rc;
}

/* RFC 9110 §9.3.7: 200, the methods in Allow, and Content-Length: 0 (no content). */
static int http_send_options(struct lr_http_conn *hc, bool v10, bool close)
{
    struct lr_http_server *srv = hc->srv;
    char *p = head_start(hc, srv->hbuf, 200, v10, close);
    p = PUTS(p, "Allow: GET, HEAD, OPTIONS\r\nAccept-Ranges: bytes\r\nContent-Length: 0\r\n\r\n");
    int rc = http_send(hc, srv->hbuf, (uint32_t)(p - srv->hbuf), NULL, 0, 0);
    if (rc == 0) {
        count_status(srv, 200);
        if (close)
            hc->close_after = true;
    }
    return rc;
}

/* Answer one parsed request. 0, or -ENOBUFS to retry the same request later. */
static int http_handle(struct lr_http_conn *hc, const uint8_t *b, const struct lr_http_request *r,
                       bool close)
{
    struct lr_http_server *srv = hc->srv;
    bool head_only = r->method == LR_HTTP_HEAD;
    bool v10 = r->version_minor == 0;

    /*
     * RFC 9110 §9.3.7: OPTIONS is implemented, for "*" (the server as a
     * whole) and for a path alike: 200 with Allow and Content-Length: 0. A
     * client probing with either form gets the same, truthful answer (before,
     * "*" got 501 and a path 405, which contradicted each other), and 405
     * responses list OPTIONS in Allow as well (§15.5.6).
     */
    static const char allow[] = "Allow: GET, HEAD, OPTIONS\r\n";
    if (r->method != LR_HTTP_GET && r->method != LR_HTTP_HEAD && r->method != LR_HTTP_OPTIONS) {
        /* RFC 9110 §15.6.2: unknown method → 501. */
        if (r->method == LR_HTTP_OTHER)
            return http_send_error(hc, 501, false, v10, true, NULL, 0);
        /* RFC 9110 §15.5.6: known but not allowed here → 405 with Allow. */
        return http_send_error(hc, 405, false, v10, close, allow, sizeof(allow) - 1);
    }
    if (r->method == LR_HTTP_OPTIONS && r->asterisk)
        return http_send_options(hc, v10, close);

    const char *in = (const char *)b + r->path.off;
    size_t in_len = r->path.len;
    if (in_len == 0) { /* absolute-form without a path */
        in = "/";
        in_len = 1;
    }
    int n = lr_path_normalize(in, in_len, srv->path, srv->path_len, LR_PATH_DECODE);
    if (n == -ENAMETOOLONG)
        return http_send_error(hc, 414, head_only, v10, true, NULL, 0);
    if (n < 0) /* traversal above the root, %00, %2F, malformed escapes */
        return http_send_error(hc, 400, head_only, v10, true, NULL, 0);

    const struct lr_file_entry *f = lr_file_cache_lookup(srv->fc, srv->path, (size_t)n);
    if (f == NULL)
        return http_send_error(hc, 404, head_only, v10, close, NULL, 0);
    if (r->method == LR_HTTP_OPTIONS)
        return http_send_options(hc, v10, close);
    bool slash = srv->path[n - 1] == '/';
    if (f->type == LR_FILE_DIR) {
        if (!slash) {
            /* RFC 9110 §15.4.2: redirect to the directory's canonical URL. */
            char *loc = srv->hbuf + srv->hbuf_len / 2; /* second half: free */
            char *p = PUTS(loc, "Location: ");
            p = put_uri_encoded(p, srv->path, (size_t)n, false);
            *p++ = '/';
            if (r->query.len > 0) {
                *p++ = '?';
                p = put_uri_encoded(p, (const char *)b + r->query.off, r->query.len, true);
            }
            p = PUTS(p, "\r\n");
            return http_send_error(hc, 301, head_only, v10, close, loc, (size_t)(p - loc));
        }
        size_t il = strlen(srv->cfg->index);
        if ((size_t)n + il + 1 > srv->path_len || il == 0)
            return http_send_error(hc, 404, head_only, v10, close, NULL, 0);
        memcpy(srv->path + n, srv->cfg->index, il + 1);
        f = lr_file_cache_lookup(srv->fc, srv->path, (size_t)n + il);
        if (f == NULL || f->type != LR_FILE_REG)
            return http_send_error(hc, 404, head_only, v10, close, NULL, 0);
    } else if (slash) {
        return http_send_error(hc, 404, head_only, v10, close, NULL, 0); /* "/file/" */
    }
    return http_send_file(hc, b, r, f, close);
}

/* ---- connection state machine ------------------------------------------------ */

/* We are done sending: half-close, then drain until the peer closes. */
static void http_finish(struct lr_http_conn *hc)
{
    struct lr_http_server *srv = hc->srv;
    in_discard_all(hc);
    if (hc->state == HC_DONE)
        return;
    if (!hc->wr_shut) {
        hc->wr_shut = true;
        (void)lr_stream_shutdown_write(srv->w, hc->tcp);
    }
    if (hc->peer_fin) {
        hc->state = HC_DONE;
        timer_stop(hc);
        lr_stream_close(srv->w, hc->tcp); /* closed() follows */
        return;
    }
    hc->state = HC_DRAIN;
    timer_arm(hc, HT_LINGER, TQ_LINGER);
}

/* Discard chunked body bytes held in the input. 1 done, 0 need more, -400/-413 bad. */
static int discard_chunked(struct lr_http_conn *hc)
{
    struct lr_http_server *srv = hc->srv;
    uint32_t used = 0;
    int rc = 0;
    for (struct rte_mbuf *m = hc->in; m != NULL && rc == 0; m = m->next) {
        size_t u = 0;
        rc = lr_http_chunked_feed(&hc->chunk, rte_pktmbuf_mtod(m, const uint8_t *), m->data_len, &u,
                                  srv->cfg->max_body_bytes);
        used += (uint32_t)u;
    }
    srv->cnt.body_discarded += used;
    in_consume(hc, used);
    return rc;
}

/*
 * RFC 9112 §7.1, §6.3: the framing of a chunked request body is checked
 * before the response is committed, so bad framing is answered 400 (and the
 * connection closed) instead of a 200 followed by a silent close. The body is
 * held behind its head (re-parsed at each call: the parser is stateless) and
 * only the bytes not seen yet are fed to the decoder. Returns 1 when the
 * body ended (hc->pre_fed bytes long), 0 when more must come, 2 when it
 * outgrew srv->body_hold (holding more would close TCP's window: it is then
 * checked while discarded after the response, as before), or -400 / -413.
 */
static int prevalidate_chunked(struct lr_http_conn *hc, uint32_t head_len)
{
    struct lr_http_server *srv = hc->srv;
    if (!hc->pre_active) {
        memset(&hc->chunk, 0, sizeof(hc->chunk));
        hc->pre_fed = 0;
        hc->pre_rc = 0;
        hc->pre_active = true;
    }
    if (hc->pre_rc != 0) /* known already (the response waited for mbufs) */
        return hc->pre_rc;
    uint32_t skip = head_len + hc->pre_fed;
    int rc = 0;
    for (struct rte_mbuf *m = hc->in; m != NULL && rc == 0; m = m->next) {
        if (skip >= m->data_len) {
            skip -= m->data_len;
            continue;
        }
        size_t u = 0;
        rc = lr_http_chunked_feed(&hc->chunk, rte_pktmbuf_mtod_offset(m, const uint8_t *, skip),
                                  m->data_len - skip, &u, srv->cfg->max_body_bytes);
        skip = 0;
        hc->pre_fed += (uint32_t)u;
    }
    if (rc == 0 && hc->in_len - head_len >= srv->body_hold)
        rc = 2;
    if (rc != 0)
        hc->pre_rc = (int16_t)rc;
    return rc;
}

/* The contiguous bytes to parse: the first segment, else a linearised copy. */
static const uint8_t *head_bytes(struct lr_http_conn *hc, uint32_t *len, bool whole)
{
    struct rte_mbuf *m = hc->in;
    if (!whole || m->data_len >= hc->in_len) {
        *len = m->data_len;
        return rte_pktmbuf_mtod(m, const uint8_t *);
    }
    uint32_t n = RTE_MIN(hc->in_len, hc->srv->scratch_len);
    *len = n;
    return rte_pktmbuf_read(m, 0, n, hc->srv->scratch);
}

static void http_process(struct lr_http_conn *hc)
{
    struct lr_http_server *srv = hc->srv;
    struct lr_worker *w = srv->w;
    bool first = true;

    for (;;) {
        if (hc->state == HC_DONE)
            return;
        if (hc->state == HC_DRAIN) {
            in_discard_all(hc);
            return;
        }
        if (hc->file != NULL) {
            int rc = http_send_body(hc);
            if (rc > 0)
                return;
            if (rc < 0) {
                hc->file = NULL;
                hc->close_after = true;
            }
        }
        if (hc->close_after) {
            http_finish(hc);
            return;
        }
        if (hc->state == HC_BODY_CL) {
            uint32_t n = (uint32_t)RTE_MIN(hc->body_left, (uint64_t)hc->in_len);
            srv->cnt.body_discarded += n;
            in_consume(hc, n);
            hc->body_left -= n;
            if (hc->body_left > 0) {
                if (hc->peer_fin)
                    http_finish(hc);
                else if (hc->tmode == HT_NONE) /* a body that stops coming */
                    timer_arm(hc, HT_IDLE, TQ_STALL);
                return;
            }
            hc->state = HC_HEAD;
            continue;
        }
        if (hc->state == HC_BODY_CHUNKED) {
            int rc = discard_chunked(hc);
            if (rc < 0) {
                /*
                 * Only a body larger than body_hold gets here after its
                 * response: the stream is now unusable (RFC 9112 §7.1), close.
                 */
                if (rc == -400)
                    srv->cnt.body_bad_framing++;
                hc->close_after = true;
                continue;
            }
            if (rc == 0) {
                if (hc->peer_fin)
                    http_finish(hc);
                else if (hc->tmode == HT_NONE)
                    timer_arm(hc, HT_IDLE, TQ_STALL);
                return;
            }
            hc->state = HC_HEAD;
            continue;
        }

        /* HC_HEAD */
        if (hc->in_len == 0) {
            if (hc->peer_fin) {
                http_finish(hc);
                return;
            }
            if (hc->nreq == 0) {
                if (hc->tmode != HT_HEADER)
                    timer_arm(hc, HT_HEADER, TQ_HEADER);
            } else if (hc->tmode != HT_IDLE) {
                timer_arm(hc, HT_IDLE, TQ_KEEPALIVE);
            }
            return;
        }
        if (lr_stream_send_space(hc->tcp) == 0) {
            /* Pipelining waits until earlier responses drain (in order). */
            want_writable(hc);
            if (hc->tmode != HT_SEND)
                timer_arm(hc, HT_SEND, TQ_STALL);
            return;
        }
        if (hc->tmode == HT_SEND)
            timer_stop(hc); /* the peer reads again */
        struct lr_http_request req;
        uint32_t blen;
        const uint8_t *b = head_bytes(hc, &blen, false);
        int rc = lr_http_request_parse(b, blen, &srv->lim, &req);
        if (rc == 0 && blen < hc->in_len) {
            b = head_bytes(hc, &blen, true);
            rc = lr_http_request_parse(b, blen, &srv->lim, &req);
        }
        if (rc == 0) {
            if (hc->peer_fin) {
                http_finish(hc); /* the request can never complete */
                return;
            }
            if (hc->tmode != HT_HEADER) /* from the first byte of the head */
                timer_arm(hc, HT_HEADER, TQ_HEADER);
            return;
        }
        bool v10 = req.version_minor == 0;
        if (rc < 0) {
            int src = http_send_error(hc, (unsigned)-rc, false, v10, true, NULL, 0);
            if (src == -ENOBUFS) {
                timer_arm(hc, HT_RETRY, TQ_RETRY);
                return;
            }
            if (src < 0) {
                hc->close_after = true; /* cannot send any more: just close */
                continue;
            }
            srv->cnt.requests++;
            continue; /* close_after is set */
        }
        /*
         * A chunked body is validated before answering, except after
         * Expect: 100-continue, where the client waits for us before sending
         * it (we answer at once and close, see below).
         */
        int pre = 0;
        if (req.chunked && !req.expect_continue) {
            pre = prevalidate_chunked(hc, (uint32_t)rc);
            if (pre == 0) {
                if (hc->peer_fin) {
                    http_finish(hc); /* the body can never complete */
                    return;
                }
                if (hc->tmode != HT_HEADER) /* the request is not complete yet: 408 */
                    timer_arm(hc, HT_HEADER, TQ_HEADER);
                return;
            }
            if (pre < 0) {
                if (pre == -400)
                    srv->cnt.body_bad_framing++;
                int src = http_send_error(hc, (unsigned)-pre, false, v10, true, NULL, 0);
                if (src == -ENOBUFS) {
                    timer_arm(hc, HT_RETRY, TQ_RETRY);
                    return;
                }
                hc->pre_active = false;
                hc->close_after = true;
                if (src == 0)
                    srv->cnt.requests++;
                continue;
            }
        }
        if (hc->tmode == HT_HEADER || hc->tmode == HT_IDLE)
            timer_stop(hc);
        uint32_t max_req = srv->cfg->max_requests_per_conn;
        /* keepalive_timeout = 0 turns persistent connections off. */
        bool close = !req.keep_alive || (max_req != 0 && hc->nreq + 1 >= max_req) || hc->peer_fin ||
                     srv->cfg->keepalive_timeout == 0;
        /*
         * RFC 9110 §10.1.1: we answer without asking for the content (no 100);
         * a client that expected 100-continue may then never send it, so
         * the connection cannot be trusted to stay in sync: close it.
         */
        if (req.expect_continue && (req.chunked || req.content_length > 0))
            close = true;
        int hrc = http_handle(hc, b, &req, close);
        if (hrc == -ENOBUFS) {
            timer_arm(hc, HT_RETRY, TQ_RETRY);
            return;
        }
        if (hrc < 0) {
            hc->close_after = true;
            continue;
        }
        srv->cnt.requests++;
        if (!first)
            srv->cnt.pipelined++;
        first = false;
        hc->nreq++;
        if (close)
            hc->close_after = true;
        in_consume(hc, (uint32_t)rc);
        if (req.chunked) {
            hc->pre_active = false;
            if (pre > 0) { /* validated part (pre == 1: all) of the body */
                srv->cnt.body_discarded += hc->pre_fed;
                in_consume(hc, hc->pre_fed);
            } else {
                memset(&hc->chunk, 0, sizeof(hc->chunk));
            }
            if (pre != 1)
                hc->state = HC_BODY_CHUNKED; /* the decoder goes on where it stopped */
        } else if (req.has_content_length && req.content_length > 0) {
            hc->body_left = req.content_length;
            hc->state = HC_BODY_CL;
        }
    }
    RTE_SET_USED(w);
}

/* @hc's timeout (@mode) expired; it is off its queue already. */
static void http_expire(struct lr_worker *w, struct lr_http_conn *hc, enum http_tmode mode)
{
    struct lr_http_server *srv = hc->srv;
    switch (mode) {
    case HT_HEADER:
        /* RFC 9110 §15.5.9: no complete request in time → 408 and close. */
        srv->cnt.header_timeouts++;
        if (hc->state == HC_HEAD && hc->file == NULL && !hc->close_after)
            (void)http_send_error(hc, 408, false, false, true, NULL, 0);
        hc->close_after = true;
        http_finish(hc);
        break;
    case HT_IDLE:
        srv->cnt.keepalive_timeouts++;
        hc->close_after = true;
        http_finish(hc);
        break;
    case HT_SEND: {
        /* The peer stopped reading for keepalive_timeout: give up. */
        srv->cnt.send_timeouts++;
        struct lr_tcp_conn *c = hc->tcp;
        in_discard_all(hc);
        conn_release(hc);
        lr_stream_abort(w, c);
        break;
    }
    case HT_LINGER:
        hc->state = HC_DONE;
        in_discard_all(hc);
        lr_stream_close(w, hc->tcp);
        break;
    case HT_RETRY:
        http_process(hc);
        break;
    default:
        break;
    }
}

/* A timeout queue's timer: expire what is due. Bounded: each turn takes one
 * connection off, and one queued again waits at least a tick (lr_tqueue.h). */
static void http_tq_fire(struct lr_worker *w, struct lr_timer *t)
{
    struct lr_tqueue *q = container_of(t, struct lr_tqueue, timer);
    struct lr_http_conn *hc;
    while ((hc = lr_tqueue_pop_due(&w->timers, q, w->now)) != NULL) {
        enum http_tmode mode = (enum http_tmode)hc->tmode;
        hc->tmode = HT_NONE;
        http_expire(w, hc, mode);
    }
}

/* How long we drain after our FIN (http_finish). */
static uint64_t http_linger_us(const struct lr_http_config *cfg)
{
    uint64_t linger = RTE_MIN(cfg->header_timeout, (uint64_t)HTTP_LINGER_MAX);
    return linger ? linger : HTTP_LINGER_MAX;
}

/* ---- TCP callbacks ----------------------------------------------------------- */

static int http_accept(struct lr_worker *w, struct lr_tcp_conn *c, void *listen_ctx)
{
    struct lr_http_server *srv = listen_ctx;
    RTE_SET_USED(w);
    struct lr_http_conn *hc = conn_alloc(srv);
    if (hc == NULL) {
        srv->cnt.conns_refused++;
        return -1;
    }
    hc->tcp = c;
    lr_stream_ctx_set(c, hc);
    lr_stream_rcv_manual(c, true);
    srv->cnt.conns_accepted++;
    timer_arm(hc, HT_HEADER, TQ_HEADER);
    return 0;
}

static void http_data(struct lr_worker *w, struct lr_tcp_conn *c, struct rte_mbuf *m)
{
    struct lr_http_conn *hc = lr_stream_ctx_get(c);
    RTE_SET_USED(w);
    uint32_t len = m->pkt_len;
    hc->srv->cnt.rx_bytes += len;
    if (hc->state >= HC_DRAIN) {
        hc->srv->cnt.body_discarded += len;
        rte_pktmbuf_free(m);
        lr_stream_rcv_consumed(w, c, len);
        return;
    }
    if (hc->in == NULL) {
        hc->in = m;
    } else if (rte_pktmbuf_chain(hc->in, m) != 0) {
        /* More segments than an mbuf chain can hold: a peer abusing pipelining. */
        rte_pktmbuf_free(m);
        lr_stream_rcv_consumed(w, c, len);
        hc->close_after = true;
        http_finish(hc);
        return;
    }
    hc->in_len += len;
    http_process(hc);
}

static void http_writable(struct lr_worker *w, struct lr_tcp_conn *c)
{
    RTE_SET_USED(w);
    http_process(lr_stream_ctx_get(c));
}

static void http_peer_closed(struct lr_worker *w, struct lr_tcp_conn *c)
{
    struct lr_http_conn *hc = lr_stream_ctx_get(c);
    hc->peer_fin = true;
    if (hc->state == HC_DRAIN) {
        hc->state = HC_DONE;
        timer_stop(hc);
        in_discard_all(hc);
        lr_stream_close(w, c);
        return;
    }
    http_process(hc);
}

static void http_closed(struct lr_worker *w, struct lr_tcp_conn *c, enum lr_tcp_close_reason reason)
{
    RTE_SET_USED(w);
    RTE_SET_USED(reason);
    struct lr_http_conn *hc = lr_stream_ctx_get(c);
    if (hc != NULL && hc->in_use)
        conn_release(hc);
}

static const struct lr_tcp_listen_ops http_listen_ops = {
    .accept = http_accept,
    .conn =
        {
            .data = http_data,
            .writable = http_writable,
            .peer_closed = http_peer_closed,
            .closed = http_closed,
        },
};

/* ---- lifecycle ------------------------------------------------------------------ */

int lr_http_server_init(struct lr_worker *w, const struct lr_file_cache *fc)
{
    const struct lr_http_config *cfg = lr_http_conf(w->cfg);
    if (!cfg->enabled)
        return 0;
    if (fc == NULL)
        return -EINVAL;
    if (lr_worker_slot(&http_slot) == 0)
        return -ENOSPC;
    if (w->slot[http_slot] != NULL)
        return -EEXIST;
    int sock = (int)w->socket;
    struct lr_http_server *srv =
        rte_zmalloc_socket("lr_http_server", sizeof(*srv), RTE_CACHE_LINE_SIZE, sock);
    if (srv == NULL)
        return -ENOMEM;
    srv->w = w;
    srv->fc = fc;
    srv->cfg = cfg;
    srv->lim.max_uri_bytes = cfg->max_uri_bytes;
    srv->lim.max_header_bytes = cfg->max_header_bytes;
    srv->lim.max_headers = cfg->max_headers;
    srv->lim.max_body_bytes = cfg->max_body_bytes;
    /* Enough for any head the parser can still call incomplete (see lr_http_parser.c). */
    srv->scratch_len = cfg->max_uri_bytes + cfg->max_header_bytes + 64;
    srv->path_len = cfg->max_uri_bytes + (uint32_t)sizeof(cfg->index) + 2;
    /*
     * Two halves: the head being composed, and a Location line (path and
     * query percent-encoded: up to 3 bytes each) that is copied into it.
     */
    srv->hbuf_len = 2 * (3 * (srv->path_len + cfg->max_uri_bytes) + HTTP_HEAD_EXTRA);
    srv->nb_conns = w->cfg->tcp.max_conns ? w->cfg->tcp.max_conns : 1;
    srv->send_stall_us = cfg->keepalive_timeout ? cfg->keepalive_timeout : HTTP_STALL_DEFAULT;
    /* Half the receive buffer: TCP's window stays open while we hold it. */
    srv->body_hold = RTE_MAX(w->cfg->tcp.rcvbuf / 2, 1024u);
    srv->scratch = rte_malloc_socket("lr_http_scratch", srv->scratch_len, 0, sock);
    srv->path = rte_malloc_socket("lr_http_path", srv->path_len, 0, sock);
    srv->hbuf = rte_malloc_socket("lr_http_hbuf", srv->hbuf_len, 0, sock);
    srv->conns = rte_zmalloc_socket("lr_http_conns", (size_t)srv->nb_conns * sizeof(*srv->conns),
                                    RTE_CACHE_LINE_SIZE, sock);
    const uint64_t tq_delay[TQ_MAX] = {
        [TQ_HEADER] = cfg->header_timeout, [TQ_KEEPALIVE] = cfg->keepalive_timeout,
        [TQ_STALL] = srv->send_stall_us,   [TQ_RETRY] = HTTP_RETRY_US,
        [TQ_LINGER] = http_linger_us(cfg),
    };
    for (unsigned i = 0; i < TQ_MAX; i++)
        lr_tqueue_init(&srv->tq[i], srv->conns, sizeof(*srv->conns),
                       offsetof(struct lr_http_conn, tl), tq_delay[i], http_tq_fire);
    w->slot[http_slot] = srv;
    if (srv->scratch == NULL || srv->path == NULL || srv->hbuf == NULL || srv->conns == NULL) {
        lr_http_server_free(w);
        return -ENOMEM;
    }
    for (uint32_t i = 0; i < srv->nb_conns; i++)
        srv->conns[i].tl.l.next = i + 1 < srv->nb_conns ? i + 1 : UINT32_MAX;
    srv->free_head = 0;
    int n = snprintf(srv->server_line, sizeof(srv->server_line), "Server: %s\r\n",
                     cfg->server_name[0] ? cfg->server_name : "linerate");
    srv->server_line_len = (uint32_t)RTE_MIN(n, (int)sizeof(srv->server_line) - 1);

    /* Wall clock for Date: read once here, then derived from w->now. */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t wall_us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
    srv->wall_offset_us = wall_us - (int64_t)lr_time_now_us();

    static const struct lr_tcp_listen_opts opts = {
        .nodelay = true,
        .rcv_manual = true,
    };
    for (uint16_t i = 0; i < cfg->nb_listen; i++) {
        int rc = lr_tcp_listen(w, cfg->listen[i], &http_listen_ops, srv, &opts);
        if (rc < 0) {
            LR_LOG(ERR, http, "worker %u: listen on port %u: %s", w->id, cfg->listen[i],
                   strerror(-rc));
            lr_http_server_free(w);
            return rc;
        }
        srv->listen[srv->nb_listen++] = cfg->listen[i];
    }
    /* HTTPS: the same callbacks behind the TLS layer (lr_stream.h). */
    for (uint16_t i = 0; i < cfg->nb_tls_listen; i++) {
        int rc = lr_tls_listen(w, cfg->tls_listen[i], &http_listen_ops, srv, &opts);
        if (rc < 0) {
            LR_LOG(ERR, http, "worker %u: TLS listen on port %u: %s", w->id, cfg->tls_listen[i],
                   strerror(-rc));
            lr_http_server_free(w);
            return rc;
        }
        srv->tls_listen[srv->nb_tls_listen++] = cfg->tls_listen[i];
    }
    return 0;
}

void lr_http_server_shutdown(struct lr_worker *w)
{
    struct lr_http_server *srv = w->slot[http_slot];
    if (srv == NULL)
        return;
    for (uint16_t i = 0; i < srv->nb_listen; i++)
        (void)lr_tcp_unlisten(w, srv->listen[i]);
    srv->nb_listen = 0;
    for (uint16_t i = 0; i < srv->nb_tls_listen; i++)
        (void)lr_tls_unlisten(w, srv->tls_listen[i]);
    srv->nb_tls_listen = 0;
    for (uint32_t i = 0; i < srv->nb_conns; i++) {
        struct lr_http_conn *hc = &srv->conns[i];
        if (!hc->in_use)
            continue;
        struct lr_tcp_conn *c = hc->tcp;
        in_discard_all(hc);
        conn_release(hc);
        if (c != NULL)
            lr_stream_abort(w, c); /* RST; no closed() callback */
    }
}

void lr_http_server_free(struct lr_worker *w)
{
    struct lr_http_server *srv = w->slot[http_slot];
    if (srv == NULL)
        return;
    if (srv->conns != NULL) {
        for (uint32_t i = 0; i < srv->nb_conns; i++) {
            struct lr_http_conn *hc = &srv->conns[i];
            if (!hc->in_use)
                continue;
            /* A TLS connection's TCP context is the TLS layer's (its pool
             * is freed by the tls module). */
            if (w->tcp != NULL && hc->tcp != NULL && !lr_stream_is_tls(hc->tcp)) {
                lr_tcp_conn_ctx_set(hc->tcp, NULL);
                lr_tcp_conn_ops_set(hc->tcp, NULL);
            }
            timer_stop(hc);
            if (hc->in != NULL)
                rte_pktmbuf_free(hc->in);
            hc->in = NULL;
            hc->in_use = false;
        }
    }
    for (uint16_t i = 0; i < srv->nb_listen && w->tcp != NULL; i++)
        (void)lr_tcp_unlisten(w, srv->listen[i]);
    for (uint16_t i = 0; i < srv->nb_tls_listen && w->tcp != NULL; i++)
        (void)lr_tls_unlisten(w, srv->tls_listen[i]);
    for (unsigned i = 0; i < TQ_MAX; i++)
        lr_tqueue_fini(&w->timers, &srv->tq[i]);
    rte_free(srv->scratch);
    rte_free(srv->path);
    rte_free(srv->hbuf);
    rte_free(srv->conns);
    rte_free(srv);
    w->slot[http_slot] = NULL;
}

/* ---- counters ------------------------------------------------------------------- */

void lr_http_counters_get(const struct lr_worker *w, struct lr_http_counters *out)
{
    const struct lr_http_server *srv = w->slot[http_slot];
    if (srv == NULL)
        memset(out, 0, sizeof(*out));
    else
        *out = srv->cnt;
}

void lr_http_counters_add(struct lr_http_counters *dst, const struct lr_http_counters *src)
{
    uint64_t *d = (uint64_t *)dst;
    const uint64_t *s = (const uint64_t *)src;
    for (size_t i = 0; i < sizeof(*dst) / sizeof(uint64_t); i++)
        d[i] += s[i];
}

unsigned lr_http_counters_foreach(const struct lr_http_counters *c,
                                  void (*fn)(void *arg, const char *name, uint64_t value),
                                  void *arg)
{
    static const char *const class_names[6] = {
        "responses_other", "responses_1xx", "responses_2xx",
        "responses_3xx",   "responses_4xx", "responses_5xx"
    };
    static const char *const st_names[LR_HTTP_ST_MAX] = {
#define LR_X_NAME(code, name) [LR_HTTP_ST_##code] = "status_" #code "_" name,
        LR_HTTP_STATUSES(LR_X_NAME)
#undef LR_X_NAME
    };
    unsigned n = 0;
#define EMIT(field)                                                                                \
    do {                                                                                           \
        fn(arg, #field, c->field);                                                                 \
        n++;                                                                                       \
    } while (0)
    EMIT(conns_accepted);
    EMIT(conns_active);
    EMIT(conns_refused);
    EMIT(requests);
    EMIT(pipelined);
    for (unsigned i = 0; i < 6; i++, n++)
        fn(arg, class_names[i], c->responses[i]);
    for (unsigned i = 0; i < LR_HTTP_ST_MAX; i++, n++)
        fn(arg, st_names[i], c->status[i]);
    EMIT(tx_header_bytes);
    EMIT(tx_body_bytes);
    EMIT(rx_bytes);
    EMIT(body_discarded);
    EMIT(body_bad_framing);
    EMIT(header_timeouts);
    EMIT(keepalive_timeouts);
    EMIT(send_timeouts);
    EMIT(no_mbuf);
#undef EMIT
    return n;
}

/* ---- runtime module ------------------------------------------------------------ */

/*
 * The one process-wide object of the HTTP module: the file cache, taken
 * once on the main lcore before the workers start and only read afterwards.
 */
static struct lr_file_cache *http_cache;

static int http_module_global_init(const struct lr_config *cfg)
{
    if (!lr_http_conf(cfg)->enabled)
        return 0;
    /* First, so a TLS failure leaves no file cache behind (global_fini
     * runs only after a global_init that returned 0). */
    if (lr_http_conf(cfg)->nb_tls_listen > 0) {
        int rc = lr_tls_need_server("[http] tls_listen", LR_TLS_SESSIONS_ALL);
        if (rc < 0)
            return rc;
    }
    char err[512];
    /* Worker ids are below the lcore count; the cache needs an upper bound only. */
    unsigned nb = rte_lcore_count();
    http_cache =
        lr_file_cache_get(lr_http_conf(cfg)->root, lr_http_conf(cfg)->cache_bytes,
                          (uint16_t)RTE_MIN(nb, (unsigned)LR_MAX_WORKERS), err, sizeof(err));
    if (http_cache == NULL) {
        int e = rte_errno ? rte_errno : EINVAL;
        LR_LOG(ERR, http, "%s", err);
        return -e;
    }
    return 0;
}

static void http_module_global_fini(void)
{
    lr_file_cache_put(http_cache);
    http_cache = NULL;
}

static int http_module_init(struct lr_worker *w)
{
    if (!lr_http_conf(w->cfg)->enabled)
        return 0;
    return lr_http_server_init(w, http_cache);
}

static void http_module_fini(struct lr_worker *w)
{
    if (w->slot[http_slot] == NULL)
        return;
    lr_http_server_free(w);
}

static void http_module_walk(const struct lr_worker *w, lr_module_counter_fn fn, void *arg)
{
    struct lr_http_counters c;
    lr_http_counters_get(w, &c);
    lr_http_counters_foreach(&c, fn, arg);
}

static const struct lr_module_line http_line[] = {
    { "requests", LR_LINE_REQUESTS },           { "responses_2xx", LR_LINE_RESPONSES_2XX },
    { "responses_3xx", LR_LINE_RESPONSES_3XX }, { "responses_4xx", LR_LINE_RESPONSES_4XX },
    { "responses_5xx", LR_LINE_RESPONSES_5XX }, { NULL, 0 },
};

static unsigned http_module_ports(const struct lr_config *cfg, struct lr_port_claim *out)
{
    unsigned n = 0;

    if (!lr_http_conf(cfg)->enabled)
        return 0;
    for (unsigned i = 0; i < lr_http_conf(cfg)->nb_listen && n < LR_PORT_CLAIMS_MAX; i++)
        out[n++] = (struct lr_port_claim){ IPPROTO_TCP, lr_http_conf(cfg)->listen[i],
                                           lr_http_conf(cfg)->listen[i], "[http] listen" };
    for (unsigned i = 0; i < lr_http_conf(cfg)->nb_tls_listen && n < LR_PORT_CLAIMS_MAX; i++)
        out[n++] = (struct lr_port_claim){ IPPROTO_TCP, lr_http_conf(cfg)->tls_listen[i],
                                           lr_http_conf(cfg)->tls_listen[i], "[http] tls_listen" };
    return n;
}

const struct lr_module lr_http_module = {
    .name = "http",
    .config = &lr_http_config_section,
    .after = LR_MODULE_AFTER("tcp"),
    .global_init = http_module_global_init,
    .global_fini = http_module_global_fini,
    .init = http_module_init,
    .fini = http_module_fini,
    .ports = http_module_ports,
    .shutdown = lr_http_server_shutdown,
    .walk = http_module_walk,
    .line = http_line,
    .gauges = LR_MODULE_GAUGES("conns_active"),
};
