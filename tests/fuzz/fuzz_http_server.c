/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stateful libFuzzer target for the HTTP server: the real module
 * (lr_http_server.c with its parser and a file cache of a temporary root)
 * on the fixture worker with the real TCP stack; the fuzzer is the client
 * (sim_peer.h) on several connections, building request streams from a
 * dictionary of whole requests, request pieces and raw bytes, and cutting
 * them into segments at the points the input says, with time advances in
 * between (header timeout, keep-alive timeout, send timeout, TCP timers)
 * and resets.
 *
 * Input: a program of opcodes, each one byte followed by its arguments
 * (missing bytes read as 0); "s" names a peer slot:
 *   OPEN o        open a connection to port 80 (o & 1: SACK/WS/TS options)
 *   REQ s k       append whole request k of the dictionary to the stream of s
 *   PIECE s k     append piece k (request line, header, CRLF, body, chunk...)
 *   BYTES s n ..  append n raw bytes
 *   PUSH s n      send the first n + 1 bytes of the stream of s as one segment
 *   FLUSH s       send the whole stream of s (segments of at most 1400 bytes)
 *   FIN s / RST s
 *   TIME t        advance t * 10 ms (t < 128) or (t - 127) s
 *   QUIET         toggle the client acknowledging what it receives
 *   WND s v       the client's window on slot s becomes v * 256 (0: zero window)
 * After each opcode the client reads (and unless quiet, acknowledges)
 * everything the server sent.
 *
 * Invariants, checked after every program (abort() on violation): once
 * every connection was reset and time ran past every timeout, the server
 * has no connection left, nor has TCP, and the mbuf pool (zero-copy bodies
 * included) and the timer wheel are back to their baselines.
 *
 * fuzz-extra: tests/unit/lr_test.c tests/fuzz/sim_peer.c
 * fuzz-libs: -Wl,--no-as-needed -lrte_net_ring -lrte_bus_vdev
 */
#include <ftw.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_mbuf.h>

#include "lr_config.h"
#include "lr_file_cache.h"
#include "lr_http_server.h"
#include "lr_tcp.h"
#include "lr_tcp_priv.h"
#include "lr_worker.h"
#include "../unit/lr_test.h"
#include "sim_peer.h"

#define HTTP_PORT    80
#define STREAM_MAX   8192u
#define CLEANUP_STEP 500000ull
#define CLEANUP_N    160 /* 80 s: header 2 s, keep-alive 5 s, send timeout, TCP retries */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct lr_worker *fw;
static struct fp_peer peer;
static struct lr_file_cache *fc;
static char root[128];
static unsigned base_pool;
static uint64_t base_timers;
static bool quiet;
static bool verbose; /* FUZZ_VERBOSE=1: counters of each program on stderr */

struct stream {
    uint32_t len;
    uint8_t b[STREAM_MAX];
};
static struct stream streams[FP_CONNS];

static const char *const reqs[] = {
    "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
    "GET /hello.txt HTTP/1.1\r\nHost: a\r\n\r\n",
    "HEAD /hello.txt HTTP/1.0\r\n\r\n",
    "GET /big.bin HTTP/1.1\r\nHost: a\r\n\r\n",
    "GET /big.bin HTTP/1.1\r\nHost: a\r\nRange: bytes=100-200\r\n\r\n",
    "GET /big.bin HTTP/1.1\r\nHost: a\r\nRange: bytes=-10,0-0,50000-\r\n\r\n",
    "GET /sub HTTP/1.1\r\nHost: a\r\n\r\n",
    "GET /sub/ HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
    "GET /noindex/ HTTP/1.1\r\nHost: a\r\n\r\n",
    "GET /missing HTTP/1.1\r\nHost: a\r\n\r\n",
    "GET /../etc/passwd HTTP/1.1\r\nHost: a\r\n\r\n",
    "GET /hello.txt HTTP/1.1\r\nHost: a\r\nIf-Modified-Since: Sun, 06 Nov 2033 08:49:37 "
    "GMT\r\n\r\n",
    "POST /hello.txt HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
    "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
    "OPTIONS /x HTTP/1.1\r\nHost: a\r\n\r\n",
    "DELETE /hello.txt HTTP/1.1\r\nHost: a\r\n\r\n",
    "GET /hello.txt HTTP/1.1\r\n\r\n",
    "GET / HTTP/2.0\r\nHost: a\r\n\r\n",
    "GET /hello.txt HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc",
    "GET /empty HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\n\r\n",
    "GET http://a/hello.txt HTTP/1.1\r\nHost: a\r\n\r\n",
    "GET /hello.txt HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
    "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
    "\r\n\r\nGET / HTTP/1.1\nHost: a\n\n",
};
static const char *const pieces[] = {
    "GET ",
    "HEAD ",
    "POST ",
    "/",
    "/hello.txt",
    "/big.bin",
    "/sub",
    "?q=1",
    "%2e%2e/",
    " HTTP/1.1\r\n",
    " HTTP/1.0\r\n",
    "Host: a\r\n",
    "Connection: close\r\n",
    "Connection: keep-alive\r\n",
    "Content-Length: 10\r\n",
    "Content-Length: 99999999999999999999\r\n",
    "Transfer-Encoding: chunked\r\n",
    "Range: bytes=5-9\r\n",
    "X-Long: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n",
    " folded\r\n",
    "\r\n",
    "\n",
    "0123456789",
    "5\r\nhello\r\n",
    "0\r\n\r\n",
    "0\r\nTrailer: x\r\n\r\n",
    "ffffffffffffffff\r\n",
    "\x00\xff",
};
#define NB_REQS   (sizeof(reqs) / sizeof(reqs[0]))
#define NB_PIECES (sizeof(pieces) / sizeof(pieces[0]))

static void write_file(const char *rel, size_t len)
{
    char p[512];
    snprintf(p, sizeof(p), "%s/%s", root, rel);
    FILE *f = fopen(p, "wb");
    if (f == NULL)
        abort();
    for (size_t i = 0; i < len; i++)
        fputc((int)(i * 13 + i / 251) & 0xff, f);
    fclose(f);
}

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(p);
    return 0;
}

static void teardown(void)
{
    if (fw == NULL)
        return;
    lr_http_server_shutdown(fw);
    lr_tcp_shutdown(fw);
    lr_test_tx_free_all(fw);
    lr_http_server_free(fw);
    lr_tcp_free(fw);
    lr_test_tx_free_all(fw);
    lr_test_worker_free(fw);
    lr_file_cache_free(fc);
    fw = NULL;
    nftw(root, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static struct lr_worker *worker(void)
{
    if (fw != NULL)
        return fw;
    if (lr_test_eal_init() != 0 || lr_tcp_global_init() != 0)
        abort();
    snprintf(root, sizeof(root), "/tmp/lr_fuzz_http.XXXXXX");
    if (mkdtemp(root) == NULL)
        abort();
    write_file("hello.txt", 12);
    write_file("index.html", 18);
    write_file("big.bin", 120000);
    write_file("empty", 0);
    char p[512];
    snprintf(p, sizeof(p), "%s/sub", root);
    mkdir(p, 0755);
    write_file("sub/index.html", 17);
    snprintf(p, sizeof(p), "%s/noindex", root);
    mkdir(p, 0755);
    write_file("noindex/a.css", 3);
    char err[256];
    fc = lr_file_cache_load(root, 1u << 20, 1, err, sizeof(err));
    if (fc == NULL) {
        fprintf(stderr, "fuzz_http_server: %s\n", err);
        abort();
    }

    static struct lr_config cfg;
    lr_test_config_default(&cfg);
    cfg.arp.timeout = 1000000000000000000ull; /* the peer's entry never ages out */
    cfg.tcp.max_conns = 16;
    cfg.tcp.rcvbuf = 16384;
    cfg.tcp.sndbuf = 32768;
    cfg.tcp.rto_max = 4000000;
    cfg.tcp.retries = 5;
    cfg.tcp.syn_retries = 3;
    cfg.tcp.time_wait = 10000000;
    cfg.tcp.echo_port = 0;
    cfg.tcp.discard_port = 0;
    lr_test_http(&cfg)->enabled = true;
    lr_test_http(&cfg)->nb_listen = 1;
    lr_test_http(&cfg)->listen[0] = HTTP_PORT;
    lr_test_http(&cfg)->header_timeout = 2000000;
    lr_test_http(&cfg)->keepalive_timeout = 5000000;
    lr_test_http(&cfg)->max_uri_bytes = 256;
    lr_test_http(&cfg)->max_header_bytes = 1024;
    lr_test_http(&cfg)->max_headers = 16;
    lr_test_http(&cfg)->max_body_bytes = 4096;
    lr_test_http(&cfg)->max_requests_per_conn = 0;
    snprintf(lr_test_http(&cfg)->index, sizeof(lr_test_http(&cfg)->index), "index.html");
    snprintf(lr_test_http(&cfg)->server_name, sizeof(lr_test_http(&cfg)->server_name), "fuzz");
    snprintf(lr_test_http(&cfg)->root, sizeof(lr_test_http(&cfg)->root), "%s", root);
    fw = lr_test_worker_new(&cfg);
    if (fw == NULL || lr_tcp_init(fw) != 0 || lr_http_server_init(fw, fc) != 0)
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

static void append(int s, const void *p, size_t n)
{
    struct stream *st = &streams[s];
    if (n > STREAM_MAX - st->len)
        n = STREAM_MAX - st->len;
    memcpy(st->b + st->len, p, n);
    st->len += (uint32_t)n;
}

/* Send the first @n bytes of the stream of @s as one segment. */
static void push(int s, uint32_t n)
{
    struct stream *st = &streams[s];
    if (n > st->len)
        n = st->len;
    if (n > 1400)
        n = 1400;
    if (n == 0)
        return;
    fp_send(&peer, s, st->b, n);
    memmove(st->b, st->b + n, st->len - n);
    st->len -= n;
}

/* What the server sent is read by the client and thrown away. */
static void settle(void)
{
    fp_settle(&peer, !quiet);
    for (int s = 0; s < FP_CONNS; s++) {
        uint32_t len;
        fp_rx(&peer, s, &len);
        fp_rx_consume(&peer, s, len);
    }
}

static void run_op(struct lr_worker *w, struct rd *r)
{
    uint8_t op = byte(r) % 12;
    int s;
    switch (op) {
    case 0: /* OPEN */
        s = fp_open(&peer, HTTP_PORT, byte(r) & 1);
        if (s >= 0)
            streams[s].len = 0;
        break;
    case 1: { /* REQ */
        s = byte(r) % FP_CONNS;
        const char *q = reqs[byte(r) % NB_REQS];
        append(s, q, strlen(q));
        break;
    }
    case 2: { /* PIECE */
        s = byte(r) % FP_CONNS;
        uint8_t k = byte(r) % NB_PIECES;
        /* the last piece holds a NUL: its length is fixed */
        append(s, pieces[k], k == NB_PIECES - 1 ? 2 : strlen(pieces[k]));
        break;
    }
    case 3: { /* BYTES */
        s = byte(r) % FP_CONNS;
        uint8_t n = byte(r);
        uint8_t b[256];
        for (unsigned i = 0; i < n; i++)
            b[i] = byte(r);
        append(s, b, n);
        break;
    }
    case 4: /* PUSH */
        s = byte(r) % FP_CONNS;
        push(s, (uint32_t)byte(r) + 1);
        break;
    case 5: /* FLUSH */
        s = byte(r) % FP_CONNS;
        for (int i = 0; i < 8 && streams[s].len > 0; i++)
            push(s, 1400);
        break;
    case 6:
        fp_fin(&peer, byte(r) % FP_CONNS);
        break;
    case 7:
        fp_rst(&peer, byte(r) % FP_CONNS);
        break;
    case 8: { /* TIME */
        uint8_t t = byte(r);
        lr_test_advance(w, t < 128 ? (uint64_t)t * 10000 : (uint64_t)(t - 127) * 1000000);
        break;
    }
    case 9:
        quiet = !quiet;
        break;
    case 10: /* WND */
        s = byte(r) % FP_CONNS;
        peer.c[s].wnd = (uint16_t)(byte(r) * 256u);
        if (peer.c[s].used)
            fp_ack(&peer, s);
        break;
    case 11: /* REQ + FLUSH on a fresh connection: reaches responses quickly */
        s = fp_open(&peer, HTTP_PORT, true);
        if (s >= 0) {
            streams[s].len = 0;
            settle();
            const char *q = reqs[byte(r) % NB_REQS];
            append(s, q, strlen(q));
            push(s, 1400);
        }
        break;
    }
    settle();
}

static void check_baseline(struct lr_worker *w)
{
    struct lr_http_counters hc;
    lr_http_counters_get(w, &hc);
    struct lr_tcp_counters tc;
    lr_tcp_counters_get(w, &tc);
    if (verbose)
        fprintf(stderr,
                "accepted %" PRIu64 " requests %" PRIu64 " pipelined %" PRIu64 " 2xx %" PRIu64
                " 3xx %" PRIu64 " 4xx %" PRIu64 " 5xx %" PRIu64 " body %" PRIu64
                " header timeouts %" PRIu64 " keepalive timeouts %" PRIu64 "\n",
                hc.conns_accepted, hc.requests, hc.pipelined, hc.responses[2], hc.responses[3],
                hc.responses[4], hc.responses[5], hc.tx_body_bytes, hc.header_timeouts,
                hc.keepalive_timeouts);
    if (hc.conns_active != 0) {
        fprintf(stderr,
                "fuzz_http_server: invariant violated: %" PRIu64
                " HTTP connections left after every timeout\n",
                hc.conns_active);
        abort();
    }
    if (tc.active != 0 || w->tcp->nb_free != w->tcp->max_conns) {
        fprintf(stderr,
                "fuzz_http_server: invariant violated: connections left after every timeout "
                "(active %" PRIu64 ", pool %u/%u free)\n",
                tc.active, w->tcp->nb_free, w->tcp->max_conns);
        abort();
    }
    lr_test_tx_free_all(w);
    if (lr_test_pool_in_use(w) != base_pool) {
        fprintf(stderr,
                "fuzz_http_server: invariant violated: mbuf leak (%u in use, baseline %u)\n",
                lr_test_pool_in_use(w), base_pool);
        abort();
    }
    if (w->timers.count != base_timers) {
        fprintf(stderr,
                "fuzz_http_server: invariant violated: timer left armed (%" PRIu64
                " armed, baseline %" PRIu64 ")\n",
                w->timers.count, base_timers);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lr_worker *w = worker();
    struct rd r = { .p = data, .n = size };
    quiet = false;
    unsigned ops = 0;
    while (r.off < r.n && ops++ < 512)
        run_op(w, &r);
    /* Every client connection is reset; then time runs out every timer. */
    for (int s = 0; s < FP_CONNS; s++)
        if (peer.c[s].used)
            fp_rst(&peer, s);
    for (int i = 0; i < CLEANUP_N; i++) {
        fp_drain(&peer, false);
        lr_test_advance(w, CLEANUP_STEP);
    }
    fp_drain(&peer, false);
    fp_reset(&peer);
    check_baseline(w);
    return 0;
}
