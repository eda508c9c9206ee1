/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stateful libFuzzer target for the HTTP load generator: the real client
 * module (lr_http_client.c with lr_client_request.c and lr_http_resp.c) on
 * the fixture worker with the real TCP stack, driven by lr_client_poll()
 * and the worker's timer wheel on a fake clock. The fuzzer is the server
 * (sim_peer.h answers the client's SYNs): it reads the requests the client
 * writes and answers with response streams built from a dictionary of whole
 * responses, response pieces and raw bytes, cut into segments where the
 * input says, with time advances in between so that think time, request
 * timeouts, the linger and close guards, open-loop intents, the end of the
 * run and its grace period all fire.
 *
 * Input: a 4-byte configuration, then a program of opcodes, each one byte
 * followed by its arguments (missing bytes read as 0).
 *   byte 0   pipeline depth 1 + (b & 7)
 *   byte 1   templates: count 1 + (b & 3), then the first from b >> 2
 *            (indexes into tpls[], consecutive, modulo its size)
 *   byte 2   think_time (b & 3: 0, 0, 20 ms, 700 ms), request_rate
 *            (b >> 2 & 3: 0, 0, 50/s, 3000/s), connections (b >> 4 & 3:
 *            1, 1, 2, 3), requests_per_conn (b >> 6: 0, 0, 1, 3)
 *   byte 3   duration (b & 1: 3 s or 20 s), connection: close on every
 *            request (b & 2)
 * Opcodes ("s" picks one of the connections the peer holds, modulo their
 * number):
 *   RESP s k      append whole response k of the dictionary to the stream of s
 *   PIECE s k     append piece k (status line, header, CRLF, chunk...)
 *   BYTES s n ..  append n raw bytes
 *   PUSH s n      send the first n + 1 bytes of the stream of s as one segment
 *   FLUSH s       send the whole stream of s (segments of at most 1400 bytes)
 *   FIN s / RST s
 *   TIME t        advance t ms (t < 100), (t - 99) * 50 ms (t < 200) or (t - 199) s
 *   QUIET         toggle the peer acknowledging (and answering SYNs)
 *   ANSWER s k    one response per request of s not yet answered: with k < 128
 *                 dictionary entry (k + i), else the fitting one (HEAD: no body,
 *                 close: Connection: close), then FLUSH
 *   SPLIT s n     send the whole stream of s in segments of n % 16 + 1 bytes
 *   WND s v       the peer's window on s becomes v * 64 (0: zero window)
 * After each opcode the client is polled and the peer reads (unless quiet,
 * acknowledges) everything the stack sent and parses the requests in it.
 *
 * Invariants (abort() on violation), after every opcode:
 *  - responses <= requests; the status classes sum to responses; body bytes
 *    <= received bytes <= bytes the peer sent; bytes the peer received
 *    <= tx_bytes; requests on the wire <= requests counted;
 *  - every request is resolved once: in flight = requests - responses -
 *    unanswered - unfinished - errors that end a request; it is never
 *    negative and never exceeds pipeline * open connections (tcp_timeout is
 *    counted either way: for a SYN or a request, so it bounds both sides);
 *  - with one connection, requests on the wire of the current connection
 *    minus those resolved since it opened never exceed pipeline;
 *  - every request on the wire is one of the templates (method and path),
 *    with its Content-Length body, and none follows a "Connection: close"
 *    one on the same connection (RFC 9112 §9.6);
 *  - open loop: requests never run ahead of the schedule
 *    (<= rate * elapsed + 1);
 *  - closed loop with think time and one connection: no request is issued
 *    while the connection thinks, nor before think_time after the response
 *    that started it, and the think timer does fire (2 ms slack);
 *  - gauges: active <= connections, thinking <= active.
 * At the end of a program, time runs past the duration and the grace: the
 * client must be DONE with every request resolved and no connection; after
 * lr_client_shutdown/lr_client_free and the TCP timers, TCP holds nothing
 * and the mbuf pool and timer wheel are back to their baselines.
 *
 * fuzz-extra: tests/unit/lr_test.c tests/fuzz/sim_peer.c
 * fuzz-libs: -Wl,--no-as-needed -lrte_net_ring -lrte_bus_vdev
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_mbuf.h>

#include "lr_client_config.h"
#include "lr_config.h"
#include "lr_http_client.h"
#include "lr_tcp.h"
#include "lr_tcp_priv.h"
#include "lr_worker.h"
#include "../unit/lr_test.h"
#include "sim_peer.h"

#define PORT       8080
#define STREAM_MAX 8192u
#define BODY_LEN   64u
#define WIRE_Q     64u /* requests remembered per connection for ANSWER */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct lr_worker *fw;
static struct fp_peer peer;
static unsigned base_pool;
static uint64_t base_timers;
static bool quiet;
static bool verbose; /* FUZZ_VERBOSE=1: counters of each program on stderr */
static char body_path[128];
static char body_dir[96];

/* Template specs; "body" names the file written at start. */
static const char *const tpls[] = {
    "GET /a",
    "GET /b | weight 3",
    "HEAD /h",
    "POST /p | body body.bin",
    "GET /c | close",
    "HEAD /hc | close | weight 2",
    "PUT /u | body body.bin | header X-A: 1",
    "DELETE /d | weight 2 | header X-B: two",
};
#define NB_TPLS (sizeof(tpls) / sizeof(tpls[0]))

static const char *const resps[] = {
    "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
    "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
    "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
    "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok",
    "HTTP/1.0 200 OK\r\n\r\nclose-delimited body",
    "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx",
    "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n",
    "HTTP/1.1 204 No Content\r\n\r\n",
    "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n",
    "HTTP/1.1 500 Oops\r\nTransfer-Encoding: chunked\r\n\r\n5;e=1\r\nhello\r\n0\r\nT: x\r\n\r\n",
    "HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Length: 3\r\n\r\nabc",
    "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nz",
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n",
    "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    "HTTP/2 200\r\n\r\n",
    "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
    "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nabcdEXTRA",
    "HTTP/1.1 301 Moved\r\nLocation: /x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
    "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end",
    "HTTP/1.1 103 Early Hints\r\nLink: </s>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
    "HTTP/1.1 200 OK\nContent-Length: 2\n\nok",
};
#define NB_RESPS (sizeof(resps) / sizeof(resps[0]))

static const char *const pieces[] = {
    "HTTP/1.1 ",
    "HTTP/1.0 ",
    "200 OK\r\n",
    "100 Continue\r\n",
    "Content-Length: 3\r\n",
    "Content-Length: 0\r\n",
    "Transfer-Encoding: chunked\r\n",
    "Connection: close\r\n",
    "Connection: keep-alive\r\n",
    "\r\n",
    "abc",
    "3\r\nabc\r\n",
    "0\r\n\r\n",
    " folded\r\n",
    "\n",
    "X-Long: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n",
    "ffffffffffffffff\r\n",
};
#define NB_PIECES (sizeof(pieces) / sizeof(pieces[0]))

/* The peer's view of one connection (peer slot). */
struct pconn {
    bool known;     /* seen since it was opened */
    uint16_t lport; /* which connection (a slot may be reused at once) */
    uint32_t iss;
    bool close_seen;      /* a request with Connection: close came */
    bool lost;            /* more than FP_RX_MAX arrived at once: parsing stopped */
    uint64_t rx_seen;     /* fp_conn.rx_total already accounted */
    uint64_t consumed;    /* bytes parsed (or skipped) */
    uint32_t body_left;   /* body bytes of the current request still to come */
    uint32_t reqs;        /* whole requests received */
    uint32_t answered;    /* of which the peer wrote a response for (ANSWER) */
    uint64_t resolved0;   /* client requests resolved (upper bound) when it opened */
    uint8_t kind[WIRE_Q]; /* per request: 1 HEAD, 2 close */
    uint32_t len;         /* response stream not yet sent */
    uint8_t b[STREAM_MAX];
};
static struct pconn pc[FP_CONNS];

/* Per program. */
static struct {
    uint32_t depth, conns;
    uint64_t think, rate;
    const char *methods[LR_CLIENT_TPL_MAX];
    const char *paths[LR_CLIENT_TPL_MAX];
    unsigned nb;
    uint64_t peer_tx;    /* payload bytes the peer sent */
    uint64_t peer_rx;    /* payload bytes the peer received in order */
    uint64_t wire_reqs;  /* whole requests the peer received */
    uint64_t t_resp;     /* closed loop, think: when the last response was counted */
    uint64_t t_think;    /* when thinking started (0 unknown) */
    uint64_t last_reqs;  /* cnt.requests after the previous opcode */
    uint64_t last_resps; /* cnt.responses after the previous opcode */
    uint64_t last_think; /* cnt.thinking after the previous opcode */
    uint64_t last_hi;    /* in flight (upper bound) after the previous opcode */
    uint64_t last_conns; /* cnt.conns after the previous opcode */
} g;

static void fail(const char *what, const struct lr_client_counters *c)
{
    fprintf(stderr, "fuzz_http_client: invariant violated: %s\n", what);
    if (c != NULL)
        fprintf(stderr,
                "  requests %" PRIu64 " responses %" PRIu64 " unanswered %" PRIu64
                " unfinished %" PRIu64 " active %" PRIu64 " thinking %" PRIu64 " tx %" PRIu64
                " rx %" PRIu64 " wire requests %" PRIu64 " now %" PRIu64 "\n",
                c->requests, c->responses, c->unanswered, c->unfinished, c->active, c->thinking,
                c->tx_bytes, c->rx_bytes, g.wire_reqs, fw->now);
    abort();
}

static void teardown(void)
{
    if (fw == NULL)
        return;
    lr_client_shutdown(fw);
    lr_client_free(fw);
    lr_tcp_shutdown(fw);
    lr_test_tx_free_all(fw);
    lr_tcp_free(fw);
    lr_test_tx_free_all(fw);
    lr_test_worker_free(fw);
    fw = NULL;
    unlink(body_path);
    rmdir(body_dir);
}

static struct lr_worker *worker(void)
{
    if (fw != NULL)
        return fw;
    if (lr_test_eal_init() != 0 || lr_tcp_global_init() != 0)
        abort();
    snprintf(body_dir, sizeof(body_dir), "/tmp/lr_fuzz_client.XXXXXX");
    if (mkdtemp(body_dir) == NULL)
        abort();
    snprintf(body_path, sizeof(body_path), "%s/body.bin", body_dir);
    FILE *f = fopen(body_path, "wb");
    if (f == NULL)
        abort();
    for (unsigned i = 0; i < BODY_LEN; i++)
        fputc('a' + (int)(i % 26), f);
    fclose(f);

    static struct lr_config cfg;
    fp_client_config(&cfg);
    fw = lr_test_worker_new(&cfg);
    if (fw == NULL || lr_tcp_init(fw) != 0)
        abort();
    lr_test_learn_peer(fw, LR_TEST_PEER_IP, &lr_test_peer_mac);
    base_pool = lr_test_pool_in_use(fw);
    base_timers = fw->timers.count;
    fp_init(&peer, fw);
    verbose = getenv("FUZZ_VERBOSE") != NULL;
    atexit(teardown);
    return fw;
}

struct rd {
    const uint8_t *p;
    size_t n, off;
};

static uint8_t byte(struct rd *r)
{
    return r->off < r->n ? r->p[r->off++] : 0;
}

static struct lr_client_counters counters(void)
{
    struct lr_client_counters c;
    lr_client_counters_get(lr_client_get(fw), &c);
    return c;
}

/* Requests resolved for sure (lo) and at most (hi: tcp_timeout may belong
 * to a SYN or a request). */
static uint64_t resolved_lo(const struct lr_client_counters *c)
{
    static const enum lr_client_error ends[] = {
        LR_CLIENT_ERR_BAD_STATUS, LR_CLIENT_ERR_BAD_HEADER, LR_CLIENT_ERR_HEAD_TOO_LARGE,
        LR_CLIENT_ERR_BAD_CHUNK,  LR_CLIENT_ERR_BODY_SHORT, LR_CLIENT_ERR_UNEXPECTED_CLOSE,
        LR_CLIENT_ERR_TIMEOUT,    LR_CLIENT_ERR_RESET,      LR_CLIENT_ERR_SEND,
    };
    uint64_t n = c->responses + c->unanswered + c->unfinished;
    for (unsigned i = 0; i < sizeof(ends) / sizeof(ends[0]); i++)
        n += c->errors[ends[i]];
    return n;
}

static uint64_t resolved_hi(const struct lr_client_counters *c)
{
    return resolved_lo(c) + c->errors[LR_CLIENT_ERR_TCP_TIMEOUT];
}

/* Pick the connection @s among those the peer holds, -1 when none. */
static int pick(uint8_t s)
{
    unsigned n = fp_used(&peer);
    if (n == 0)
        return -1;
    unsigned k = s % n;
    for (int i = 0; i < FP_CONNS; i++)
        if (peer.c[i].used && k-- == 0)
            return i;
    return -1;
}

static void append(int s, const void *p, size_t n)
{
    struct pconn *q = &pc[s];
    if (n > STREAM_MAX - q->len)
        n = STREAM_MAX - q->len;
    memcpy(q->b + q->len, p, n);
    q->len += (uint32_t)n;
}

static void push(int s, uint32_t n)
{
    struct pconn *q = &pc[s];
    if (n > q->len)
        n = q->len;
    if (n > 1400)
        n = 1400;
    if (n == 0 || !peer.c[s].used)
        return;
    fp_send(&peer, s, q->b, n);
    g.peer_tx += n;
    memmove(q->b, q->b + n, q->len - n);
    q->len -= n;
}

static const uint8_t *find_crlf2(const uint8_t *p, uint32_t n)
{
    for (uint32_t i = 0; i + 3 < n; i++)
        if (p[i] == '\r' && p[i + 1] == '\n' && p[i + 2] == '\r' && p[i + 3] == '\n')
            return p + i;
    return NULL;
}

/* One request head of @len bytes: check it against the templates. */
static void wire_request(int s, const uint8_t *h, uint32_t len)
{
    struct pconn *q = &pc[s];
    char head[LR_CLIENT_HEAD_MAX + 1];
    if (len > LR_CLIENT_HEAD_MAX)
        fail("request head longer than LR_CLIENT_HEAD_MAX", NULL);
    memcpy(head, h, len);
    head[len] = '\0';
    if (q->close_seen)
        fail("request after a Connection: close request on the same connection", NULL);
    bool ok = false;
    unsigned t;
    for (t = 0; t < g.nb && !ok; t++) {
        char line[300];
        snprintf(line, sizeof(line), "%s %s HTTP/1.1\r\n", g.methods[t], g.paths[t]);
        ok = strncmp(head, line, strlen(line)) == 0;
    }
    if (!ok) {
        fprintf(stderr, "%s\n", head);
        fail("request line of no template", NULL);
    }
    const char *cl = strstr(head, "\r\nContent-Length: ");
    q->body_left = cl != NULL ? (uint32_t)strtoul(cl + 18, NULL, 10) : 0;
    if (q->body_left != 0 && q->body_left != BODY_LEN)
        fail("request Content-Length is not the body file's size", NULL);
    bool close = strstr(head, "\r\nConnection: close\r\n") != NULL;
    if (!close && strstr(head, "\r\nConnection: keep-alive\r\n") == NULL)
        fail("request without a Connection field", NULL);
    q->close_seen = close;
    q->kind[q->reqs % WIRE_Q] =
        (uint8_t)((strncmp(head, "HEAD ", 5) == 0 ? 1 : 0) | (close ? 2 : 0));
    q->reqs++;
    g.wire_reqs++;
}

/* Parse what arrived on slot @s since the last time. */
static void wire_parse(int s)
{
    struct pconn *q = &pc[s];
    uint32_t len;
    const uint8_t *p = fp_rx(&peer, s, &len);
    if (p == NULL)
        return;
    if (peer.c[s].rx_total > q->consumed + len)
        q->lost = true; /* the peer's buffer overflowed: stop checking this one */
    uint32_t off = 0;
    while (!q->lost && off < len) {
        if (q->body_left > 0) {
            uint32_t k = RTE_MIN(q->body_left, len - off);
            for (uint32_t i = 0; i < k; i++)
                if (p[off + i] != (uint8_t)('a' + (int)((BODY_LEN - q->body_left + i) % 26)))
                    fail("request body differs from the body file", NULL);
            q->body_left -= k;
            off += k;
            continue;
        }
        const uint8_t *e = find_crlf2(p + off, len - off);
        if (e == NULL) {
            if (len - off > LR_CLIENT_HEAD_MAX)
                fail("request head longer than LR_CLIENT_HEAD_MAX", NULL);
            break;
        }
        uint32_t hl = (uint32_t)(e - (p + off)) + 4;
        wire_request(s, p + off, hl);
        off += hl;
    }
    if (q->lost)
        off = len;
    q->consumed += off;
    fp_rx_consume(&peer, s, off);
}

/* Read what the stack sent; new connections and requests. */
static void settle(void)
{
    fp_settle(&peer, !quiet);
    struct lr_client_counters c = counters();
    for (int s = 0; s < FP_CONNS; s++) {
        struct pconn *q = &pc[s];
        if (!peer.c[s].used) {
            q->known = false;
            continue;
        }
        if (!q->known || q->lport != peer.c[s].lport || q->iss != peer.c[s].iss) {
            memset(q, 0, offsetof(struct pconn, b));
            q->known = true;
            q->lport = peer.c[s].lport;
            q->iss = peer.c[s].iss;
            q->resolved0 = resolved_hi(&c);
        }
        g.peer_rx += peer.c[s].rx_total - q->rx_seen;
        q->rx_seen = peer.c[s].rx_total;
        wire_parse(s);
    }
}

static void answer(int s, uint8_t k)
{
    struct pconn *q = &pc[s];
    for (uint32_t i = q->answered; i < q->reqs && i - q->answered < WIRE_Q; i++) {
        const char *r;
        if (k < 128) {
            r = resps[(k + i) % NB_RESPS];
        } else {
            uint8_t kind = q->kind[i % WIRE_Q];
            r = (kind & 2) ? resps[3] : (kind & 1) ? resps[6] : resps[(k & 1) ? 2 : 0];
        }
        append(s, r, strlen(r));
    }
    q->answered = q->reqs;
    for (int i = 0; i < 8 && q->len > 0; i++)
        push(s, 1400);
}

static void check(const struct lr_client_counters *c, uint64_t t_before, bool timed)
{
    if (c->responses > c->requests)
        fail("more responses than requests", c);
    uint64_t st = 0;
    for (unsigned i = 0; i < 6; i++)
        st += c->status[i];
    if (st != c->responses)
        fail("status classes do not sum to responses", c);
    if (c->body_bytes > c->rx_bytes)
        fail("more body bytes than bytes received", c);
    if (c->rx_bytes > g.peer_tx)
        fail("more bytes received than the peer sent", c);
    if (g.peer_rx > c->tx_bytes)
        fail("the peer received more than tx_bytes", c);
    if (g.wire_reqs > c->requests)
        fail("more requests on the wire than counted", c);
    if (c->active > g.conns)
        fail("more connections than [client] connections", c);
    if (c->thinking > c->active)
        fail("more connections thinking than open", c);
    uint64_t lo = resolved_lo(c), hi = resolved_hi(c);
    if (lo > c->requests)
        fail("more requests resolved than sent", c);
    uint64_t in_hi = c->requests - lo;                        /* in flight, at most */
    uint64_t in_lo = hi > c->requests ? 0 : c->requests - hi; /* at least */
    if (in_lo > (uint64_t)g.depth * c->active)
        fail("more requests in flight than pipeline * open connections", c);
    if (g.conns == 1) {
        for (int s = 0; s < FP_CONNS; s++) {
            const struct pconn *q = &pc[s];
            if (!q->known || q->lost || !peer.c[s].used)
                continue;
            uint64_t since = hi - q->resolved0;
            if (q->reqs > since && q->reqs - since > g.depth)
                fail("more requests outstanding on the connection than pipeline", c);
        }
    }
    const struct lr_client *cl = lr_client_get(fw);
    if (g.rate != 0) {
        uint64_t el = lr_client_elapsed(cl, fw->now);
        if (c->requests > g.rate * el / 1000000 + 1)
            fail("open loop ran ahead of the schedule", c);
    }
    if (g.think != 0 && g.rate == 0 && g.conns == 1) {
        /* A response counted: the time it came (not a timer: no time passed
         * in this opcode unless timed, then the earliest possible time). */
        if (c->responses > g.last_resps)
            g.t_resp = t_before;
        if (c->requests > g.last_reqs && g.last_think == 1 && g.last_hi == 0 &&
            c->conns == g.last_conns && fw->now < g.t_resp + g.think)
            fail("request issued before think_time ran out", c);
        if (c->thinking == 1 && g.last_think == 0)
            g.t_think = timed ? 0 : t_before;
        if (c->thinking == 1 && g.t_think != 0 && lr_client_phase(cl) == LR_CLIENT_PHASE_RUNNING &&
            fw->now >= g.t_think + g.think + 2000)
            fail("think timer did not fire", c);
    }
    g.last_reqs = c->requests;
    g.last_resps = c->responses;
    g.last_think = c->thinking;
    g.last_hi = in_hi;
    g.last_conns = c->conns;
}

static void run_op(struct rd *r)
{
    uint8_t op = byte(r) % 12;
    uint64_t t0 = fw->now;
    bool timed = false;
    int s;
    switch (op) {
    case 0: /* RESP */
        s = pick(byte(r));
        if (s >= 0) {
            const char *q = resps[byte(r) % NB_RESPS];
            append(s, q, strlen(q));
        }
        break;
    case 1: /* PIECE */
        s = pick(byte(r));
        if (s >= 0) {
            const char *q = pieces[byte(r) % NB_PIECES];
            append(s, q, strlen(q));
        }
        break;
    case 2: { /* BYTES */
        s = pick(byte(r));
        uint8_t n = byte(r);
        uint8_t b[256];
        for (unsigned i = 0; i < n; i++)
            b[i] = byte(r);
        if (s >= 0)
            append(s, b, n);
        break;
    }
    case 3: /* PUSH */
        s = pick(byte(r));
        if (s >= 0)
            push(s, (uint32_t)byte(r) + 1);
        break;
    case 4: /* FLUSH */
        s = pick(byte(r));
        for (int i = 0; s >= 0 && i < 8 && pc[s].len > 0; i++)
            push(s, 1400);
        break;
    case 5: /* FIN */
        s = pick(byte(r));
        if (s >= 0 && !peer.c[s].fin_sent)
            fp_fin(&peer, s);
        break;
    case 6: /* RST */
        s = pick(byte(r));
        if (s >= 0)
            fp_rst(&peer, s);
        break;
    case 7: { /* TIME */
        uint8_t t = byte(r);
        uint64_t us = t < 100   ? (uint64_t)t * 1000
                      : t < 200 ? (uint64_t)(t - 99) * 50000
                                : (uint64_t)(t - 199) * 1000000;
        timed = us > 0;
        /* In steps, polling, as the worker loop does. */
        while (us > 0) {
            uint64_t step = us < 10000 ? us : t < 200 ? 10000 : 100000;
            lr_test_advance(fw, step);
            us -= step;
            lr_client_poll(fw);
            settle();
        }
        break;
    }
    case 8:
        quiet = !quiet;
        break;
    case 9: /* ANSWER */
        s = pick(byte(r));
        {
            uint8_t k = byte(r);
            if (s >= 0)
                answer(s, k);
        }
        break;
    case 10: { /* SPLIT */
        s = pick(byte(r));
        uint32_t n = byte(r) % 16u + 1;
        for (int i = 0; s >= 0 && i < 512 && pc[s].len > 0; i++)
            push(s, n);
        break;
    }
    case 11: /* WND */
        s = pick(byte(r));
        {
            uint8_t v = byte(r);
            if (s >= 0) {
                peer.c[s].wnd = (uint16_t)(v * 64u);
                fp_ack(&peer, s);
            }
        }
        break;
    }
    lr_client_poll(fw);
    settle();
    struct lr_client_counters c = counters();
    check(&c, t0, timed);
}

static void configure(struct rd *r)
{
    static const uint64_t thinks[] = { 0, 0, 20000, 700000 };
    static const uint64_t rates[] = { 0, 0, 50, 3000 };
    static const uint32_t conns[] = { 1, 1, 2, 3 };
    static const uint32_t rpcs[] = { 0, 0, 1, 3 };
    uint8_t b0 = byte(r), b1 = byte(r), b2 = byte(r), b3 = byte(r);
    struct lr_config *wc = (struct lr_config *)(uintptr_t)fw->cfg;
    struct lr_client_config *cc = lr_test_client(wc);

    memset(cc, 0, sizeof(*cc));
    memset(&g, 0, sizeof(g));
    cc->enabled = true;
    cc->nb_targets = 1;
    cc->targets[0].ip = LR_TEST_PEER_IP;
    cc->targets[0].port = PORT;
    cc->nb_paths = 1;
    strcpy(cc->paths[0], "/");
    cc->pipeline = 1 + (b0 & 7u);
    g.nb = 1 + (b1 & 3u);
    cc->nb_templates = (uint16_t)g.nb;
    static char names[LR_CLIENT_TPL_MAX][LR_CLIENT_METHOD_MAX];
    static char paths[LR_CLIENT_TPL_MAX][16];
    for (unsigned i = 0; i < g.nb; i++) {
        const char *spec = tpls[((b1 >> 2) + i) % NB_TPLS];
        snprintf(cc->templates[i], sizeof(cc->templates[i]), "%s", spec);
        if (strstr(spec, "body ") != NULL)
            snprintf(cc->tpl_body[i], sizeof(cc->tpl_body[i]), "%s", body_path);
        sscanf(spec, "%15s %15s", names[i], paths[i]);
        g.methods[i] = names[i];
        g.paths[i] = paths[i];
    }
    cc->think_time = thinks[b2 & 3];
    cc->request_rate = rates[(b2 >> 2) & 3];
    cc->connections = conns[(b2 >> 4) & 3];
    cc->requests_per_conn = rpcs[b2 >> 6];
    cc->duration = (b3 & 1) ? 20000000 : 3000000;
    if (b3 & 2)
        snprintf(cc->connection, sizeof(cc->connection), "close");
    g.depth = cc->pipeline;
    g.conns = cc->connections;
    g.think = cc->request_rate == 0 ? cc->think_time : 0;
    g.rate = cc->request_rate;
    if (lr_client_init(fw) != 0 || lr_client_get(fw) == NULL)
        abort();
}

static void finish(void)
{
    /* Past the duration and the grace: the client ends whatever the peer does. */
    quiet = false;
    for (int i = 0; i < 100 && lr_client_phase(lr_client_get(fw)) != LR_CLIENT_PHASE_DONE; i++) {
        lr_test_advance(fw, 500000);
        lr_client_poll(fw);
        settle();
        struct lr_client_counters c = counters();
        check(&c, fw->now, true);
    }
    struct lr_client_counters c = counters();
    if (verbose)
        fprintf(stderr,
                "requests %" PRIu64 " responses %" PRIu64 " 2xx %" PRIu64 " 4xx %" PRIu64
                " interim %" PRIu64 " unanswered %" PRIu64 " unfinished %" PRIu64 " conns %" PRIu64
                " timeouts %" PRIu64 " bad_status %" PRIu64 "\n",
                c.requests, c.responses, c.status[2], c.status[4], c.interim, c.unanswered,
                c.unfinished, c.conns, c.errors[LR_CLIENT_ERR_TIMEOUT],
                c.errors[LR_CLIENT_ERR_BAD_STATUS]);
    if (lr_client_phase(lr_client_get(fw)) != LR_CLIENT_PHASE_DONE)
        fail("client not DONE after duration + grace", &c);
    if (c.active != 0 || c.thinking != 0)
        fail("connections left after DONE", &c);
    if (c.conn_attempts != c.conns_closed)
        fail("connections opened != connections ended", &c);
    if (resolved_lo(&c) > c.requests || resolved_hi(&c) < c.requests)
        fail("requests left unresolved after DONE", &c);
    lr_client_shutdown(fw);
    lr_client_free(fw);
    for (int i = 0; i < 40; i++) {
        fp_drain(&peer, false);
        lr_test_advance(fw, 500000);
    }
    fp_drain(&peer, false);
    fp_reset(&peer);
    for (int s = 0; s < FP_CONNS; s++)
        pc[s].known = false;
    struct lr_tcp_counters tc;
    lr_tcp_counters_get(fw, &tc);
    if (tc.active != 0 || fw->tcp->nb_free != fw->tcp->max_conns) {
        fprintf(stderr, "active %" PRIu64 ", pool %u/%u free\n", tc.active, fw->tcp->nb_free,
                fw->tcp->max_conns);
        fail("TCP connections left after the client ended", NULL);
    }
    lr_test_tx_free_all(fw);
    if (lr_test_pool_in_use(fw) != base_pool) {
        fprintf(stderr, "%u in use, baseline %u\n", lr_test_pool_in_use(fw), base_pool);
        fail("mbuf leak", NULL);
    }
    if (fw->timers.count != base_timers)
        fail("timer left armed", NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    worker();
    struct rd r = { .p = data, .n = size };
    quiet = false;
    configure(&r);
    lr_client_poll(fw);
    settle();
    unsigned ops = 0;
    while (r.off < r.n && ops++ < 512)
        run_op(&r);
    finish();
    return 0;
}
