/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP server unit tests: a simulated TCP peer (lr_tcp_test.h) talks to the
 * server on the fixture worker; responses are reassembled from the
 * transmitted segments and checked byte for byte. Time is driven explicitly
 * for the timeouts. Teardown checks that no mbuf leaked (zero-copy bodies
 * included).
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "lr_file_cache.h"
#include "lr_http_server.h"
#include "lr_tcp.h"
#include "lr_tcp_opt.h"
#include "lr_tcp_test.h"
#include "lr_test.h"

#define BIG_SIZE 300000u

static char root[256];
static struct lr_file_cache *fc;
static uint8_t big[BIG_SIZE];
static uint8_t stream[1u << 20];

struct rx {
    size_t len;
    bool fin;
    bool rst;
};

static int group_setup(void **state)
{
    (void)state;
    if (lr_test_eal_init() != 0)
        return -1;
    snprintf(root, sizeof(root), "/tmp/lr_http_test_%d", (int)getpid());
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    if (system(cmd) != 0 || mkdir(root, 0755) != 0)
        return -1;
    lr_test_write_file(root, "hello.txt", "hello world\n", 12);
    lr_test_write_file(root, "index.html", "<p>root index</p>\n", 18);
    for (size_t i = 0; i < BIG_SIZE; i++)
        big[i] = (uint8_t)(i * 13 + i / 251);
    lr_test_write_file(root, "big.bin", big, BIG_SIZE);
    lr_test_write_file(root, "empty", "", 0);
    char p[512];
    snprintf(p, sizeof(p), "%s/sub", root);
    mkdir(p, 0755);
    lr_test_write_file(root, "sub/index.html", "<p>sub index</p>\n", 17);
    snprintf(p, sizeof(p), "%s/noindex", root);
    mkdir(p, 0755);
    lr_test_write_file(root, "noindex/a.css", "a{}", 3);
    snprintf(p, sizeof(p), "%s/a b%%c\"<", root); /* bytes a Location must encode */
    mkdir(p, 0755);
    lr_test_write_file(root, "a b%c\"</index.html", "x", 1);
    char err[256];
    fc = lr_file_cache_load(root, 1 << 20, 1, err, sizeof(err));
    if (fc == NULL) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    lr_file_cache_free(fc);
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    return system(cmd) == 0 ? 0 : -1;
}

static struct lr_config *wcfg(struct lrt_env *e)
{
    return (struct lr_config *)(uintptr_t)e->w->cfg;
}

static int setup(void **state)
{
    if (lrt_setup(state) != 0)
        return -1;
    struct lrt_env *e = *state;
    struct lr_config *c = wcfg(e);
    lr_test_http(c)->enabled = true;
    lr_test_http(c)->nb_listen = 1;
    lr_test_http(c)->listen[0] = 80;
    lr_test_http(c)->header_timeout = 2000000;
    lr_test_http(c)->keepalive_timeout = 5000000;
    lr_test_http(c)->max_uri_bytes = 256;
    lr_test_http(c)->max_header_bytes = 1024;
    lr_test_http(c)->max_headers = 16;
    lr_test_http(c)->max_body_bytes = 4096;
    lr_test_http(c)->max_requests_per_conn = 0;
    snprintf(lr_test_http(c)->index, sizeof(lr_test_http(c)->index), "index.html");
    snprintf(lr_test_http(c)->server_name, sizeof(lr_test_http(c)->server_name), "lrtest");
    return lr_http_server_init(e->w, fc) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    struct lrt_env *e = *state;
    lr_http_server_shutdown(e->w);
    lr_test_tx_free_all(e->w);
    lr_http_server_free(e->w);
    return lrt_teardown(state);
}

static void handshake(struct lrt_env *e)
{
    uint8_t opt[16];
    struct lr_tcp_opts o;
    memset(&o, 0, sizeof(o));
    o.has_mss = 1;
    o.mss = 1460;
    unsigned optlen = lr_tcp_opts_write(opt, &o, true);
    e->local_port = 80;
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_SYN, .opts = opt, .opts_len = optlen });
    struct lrt_seg s;
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.flags, LRT_SYN | LRT_ACK);
    e->peer_ack = s.seq + 1;
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK });
}

/* Collect everything the server sends, ACKing as a reader would. */
static void pump(struct lrt_env *e, struct rx *r)
{
    for (int round = 0; round < 100000; round++) {
        bool got = false;
        struct lrt_seg s;
        while (lrt_expect(e, &s)) {
            if (s.flags & LRT_RST)
                r->rst = true;
            if (s.len > 0) {
                assert_int_equal(s.seq, e->peer_ack);
                assert_true(r->len + s.len <= sizeof(stream));
                memcpy(stream + r->len, s.data, s.len);
                r->len += s.len;
                e->peer_ack += s.len;
                got = true;
            }
            if (s.flags & LRT_FIN) {
                r->fin = true;
                e->peer_ack += 1;
                got = true;
            }
        }
        if (!got || r->rst)
            return;
        lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK });
    }
    fail_msg("pump did not settle");
}

static void request(struct lrt_env *e, const char *req, struct rx *r)
{
    lrt_send_data(e, req, (uint32_t)strlen(req));
    pump(e, r);
}

/* One response at stream[*pos]: status, head length, Content-Length (or -1). */
struct resp {
    int status;
    size_t head_len;
    long clen;
    const char *head;
};

static struct resp parse_resp(size_t pos, size_t total)
{
    struct resp rp = { .clen = -1 };
    const char *s = (const char *)stream + pos;
    size_t n = total - pos;
    const char *end = memmem(s, n, "\r\n\r\n", 4);
    if (end == NULL)
        fail_msg("incomplete response head: %.*s", (int)RTE_MIN(n, (size_t)200), s);
    rp.head_len = (size_t)(end - s) + 4;
    rp.head = s;
    assert_int_equal(memcmp(s, "HTTP/1.1 ", 9), 0);
    rp.status = atoi(s + 9);
    const char *cl = memmem(s, rp.head_len, "\r\nContent-Length: ", 18);
    if (cl != NULL)
        rp.clen = atol(cl + 18);
    return rp;
}

static bool has_header(const struct resp *rp, const char *line)
{
    return memmem(rp->head, rp->head_len, line, strlen(line)) != NULL;
}

static void header_value(const struct resp *rp, const char *name, char *out, size_t cap)
{
    char key[64];
    snprintf(key, sizeof(key), "\r\n%s: ", name);
    const char *p = memmem(rp->head, rp->head_len, key, strlen(key));
    assert_non_null(p);
    p += strlen(key);
    const char *q = memmem(p, rp->head_len - (size_t)(p - rp->head), "\r\n", 2);
    assert_non_null(q);
    size_t l = (size_t)(q - p);
    assert_true(l < cap);
    memcpy(out, p, l);
    out[l] = '\0';
}

static struct lr_http_counters counters(struct lrt_env *e)
{
    struct lr_http_counters c;
    lr_http_counters_get(e->w, &c);
    return c;
}

/* Peer closes its side and the exchange completes. */
static void peer_fin(struct lrt_env *e, struct rx *r)
{
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_FIN | LRT_ACK });
    pump(e, r);
}

static void test_get_small(void **state)
{
    struct lrt_env *e = *state;
    struct rx r = { 0 };
    handshake(e);
    request(e, "GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n", &r);
    struct resp rp = parse_resp(0, r.len);
    assert_int_equal(rp.status, 200);
    assert_int_equal(rp.clen, 12);
    assert_int_equal(r.len, rp.head_len + 12);
    assert_memory_equal(stream + rp.head_len, "hello world\n", 12);
    assert_true(has_header(&rp, "\r\nContent-Type: text/plain; charset=utf-8\r\n"));
    assert_true(has_header(&rp, "\r\nServer: lrtest\r\n"));
    assert_true(has_header(&rp, "\r\nDate: "));
    assert_true(has_header(&rp, "\r\nETag: \""));
    assert_true(has_header(&rp, "\r\nAccept-Ranges: bytes\r\n"));
    assert_false(has_header(&rp, "Connection: close"));
    assert_false(r.fin);
    struct lr_http_counters c = counters(e);
    assert_int_equal(c.requests, 1);
    assert_int_equal(c.status[LR_HTTP_ST_200], 1);
    assert_int_equal(c.responses[2], 1);
    assert_int_equal(c.conns_active, 1);

    /* Keep-alive: a second request on the same connection. */
    r.len = 0;
    request(e, "HEAD /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n", &r);
    rp = parse_resp(0, r.len);
    assert_int_equal(rp.status, 200);
    assert_int_equal(rp.clen, 12);
    assert_int_equal(r.len, rp.head_len); /* no body for HEAD */
    peer_fin(e, &r);
    assert_true(r.fin);
    assert_int_equal(counters(e).conns_active, 0);
}

static void test_get_big_zero_copy(void **state)
{
    struct lrt_env *e = *state;
    struct rx r = { 0 };
    handshake(e);
    request(e, "GET /big.bin HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", &r);
    struct resp rp = parse_resp(0, r.len);
    assert_int_equal(rp.status, 200);
    assert_int_equal(rp.clen, BIG_SIZE);
    assert_true(has_header(&rp, "\r\nConnection: close\r\n"));
    assert_true(has_header(&rp, "\r\nContent-Type: application/octet-stream\r\n"));
    assert_int_equal(r.len, rp.head_len + BIG_SIZE);
    assert_memory_equal(stream + rp.head_len, big, BIG_SIZE);
    assert_true(r.fin); /* FIN after the body */
    assert_int_equal(counters(e).tx_body_bytes, BIG_SIZE);
    peer_fin(e, &r);
    assert_int_equal(counters(e).conns_active, 0);
}

static void test_index_and_redirect(void **state)
{
    struct lrt_env *e = *state;
    struct rx r = { 0 };
    handshake(e);
    request(e, "GET / HTTP/1.1\r\nHost: t\r\n\r\n", &r);
    struct resp rp = parse_resp(0, r.len);
    assert_int_equal(rp.status, 200);
    assert_memory_equal(stream + rp.head_len, "<p>root index</p>\n", 18);

    r.len = 0;
    request(e, "GET /sub?x=1 HTTP/1.1\r\nHost: t\r\n\r\n", &r);
    rp = parse_resp(0, r.len);
    assert_int_equal(rp.status, 301);
    assert_true(has_header(&rp, "\r\nLocation: /sub/?x=1\r\n"));
    assert_int_equal(r.len, rp.head_len + (size_t)rp.clen);

    /* RFC 9110 §10.2.2, RFC 3986 §2.1: the Location is percent-encoded. */
    r.len = 0;
    request(e, "GET /a%20b%25c%22%3C?q=%22a%20b\"|x HTTP/1.1\r\nHost: t\r\n\r\n", &r);
    rp = parse_resp(0, r.len);
    assert_int_equal(rp.status, 301);
    char loc[128];
    header_value(&rp, "Location", loc, sizeof(loc));
    assert_string_equal(loc, "/a%20b%25c%22%3C/?q=%22a%20b%22%7Cx");

    r.len = 0;
    request(e, "GET /sub/ HTTP/1.1\r\nHost: t\r\n\r\n", &r);
    rp = parse_resp(0, r.len);
    assert_int_equal(rp.status, 200);
    assert_memory_equal(stream + rp.head_len, "<p>sub index</p>\n", 17);

    /* Percent-encoded path and dot segments inside the root. */
    r.len = 0;
    request(e, "GET /sub/..//%68ello.txt HTTP/1.1\r\nHost: t\r\n\r\n", &r);
    rp = parse_resp(0, r.len);
    assert_int_equal(rp.status, 200);
    assert_int_equal(rp.clen, 12);

    r.len = 0;
    request(e, "GET /noindex/ HTTP/1.1\r\nHost: t\r\n\r\n", &r);
    assert_int_equal(parse_resp(0, r.len).status, 404);
    r.len = 0;
    request(e, "GET /hello.txt/ HTTP/1.1\r\nHost: t\r\n\r\n", &r);
    assert_int_equal(parse_resp(0, r.len).status, 404);
    r.len = 0;
    request(e, "GET /missing HTTP/1.1\r\nHost: t\r\n\r\n", &r);
    rp = parse_resp(0, r.len);
    assert_int_equal(rp.status, 404);
    assert_false(r.fin); /* 404 keeps the connection */
    /* Absolute-form. */
    r.len = 0;
    request(e, "GET http://t/hello.txt HTTP/1.1\r\nHost: t\r\n\r\n", &r);
    assert_int_equal(parse_resp(0, r.len).status, 200);
    peer_fin(e, &r);
}

static void test_range(void **state)
{
    struct lrt_env *e = *state;
    struct rx r = { 0 };
    handshake(e);
    request(e, "GET /big.bin HTTP/1.1\r\nHost: t\r\nRange: bytes=1000-1999\r\n\r\n", &r);
    struct resp rp = parse_resp(0, r.len);
    assert_int_equal(rp.status, 206);
    assert_int_equal(rp.clen, 1000);
    assert_true(has_header(&rp, "\r\nContent-Range: bytes 1000-1999/300000\r\n"));
    assert_memory_equal(stream + rp.head_len, big + 1000, 1000);

    r.len = 0;
    request(e, "GET /big.bin HTTP/1.1\r\nHost: t\r\nRange: bytes=-10\r\n\r\n", &r);
    rp = parse_resp(0, r.len);
    assert_int_equal(rp.status, 206);
    assert_true(has_header(&rp, "\r\nContent-Range: bytes 299990-299999/300000\r\n"));
    assert_memory_equal(stream + rp.head_len, big + BIG_SIZE - 10, 10);

    r.len = 0;
    request(e, "GET /hello.txt HTTP/1.1\r\nHost: t\r\nRange: bytes=6-\r\n\r\n", &r);
    rp = parse_resp(0, r.len);
    assert_int_equal(rp.status, 206);
    assert_memory_equal(stream + rp.head_len, "world\n", 6);

    r.len = 0;
    request(e, "GET /hello.txt HTTP/1.1\r\nHost: t\r\nRange: bytes=5-100\r\n\r\n", &r);
    rp = parse_resp(0, r.len);
    assert_int_equal(rp.status, 206);
    assert_true(has_header(&rp, "\r\nContent-Range: bytes 5-11/12\r\n"));

    r.len = 0;
    request(e, "GET /hello.txt HTTP/1.1\r\nHost: t\r\nRange: bytes=12-\r\n\r\n", &r);
    rp = parse_resp(0, r.len);
    assert_int_equal(rp.status, 416);
    assert_true(has_header(&rp, "\r\nContent-Range: bytes */12\r\n"));
    assert_false(r.fin);

    /* Several ranges, If-Range, HEAD: full 200. */
    const char *full[] = {
        "GET /hello.txt HTTP/1.1\r\nHost: t\r\nRange: bytes=0-1,3-4\r\n\r\n",
        "GET /hello.txt HTTP/1.1\r\nHost: t\r\nRange: bytes=0-1\r\nIf-Range: \"x\"\r\n\r\n",
        "GET /hello.txt HTTP/1.1\r\nHost: t\r\nRange: bytes=9-1\r\n\r\n",
    };
    for (size_t i = 0; i < 3; i++) {
        r.len = 0;
        request(e, full[i], &r);
        rp = parse_resp(0, r.len);
        assert_int_equal(rp.status, 200);
        assert_int_equal(rp.clen, 12);
    }
    peer_fin(e, &r);
}

static void test_conditional(void **state)
{
    struct lrt_env *e = *state;
    struct rx r = { 0 };
    char etag[64], lm[64], req[256];
    handshake(e);
    request(e, "GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n", &r);
    struct resp rp = parse_resp(0, r.len);
    header_value(&rp, "ETag", etag, sizeof(etag));
    header_value(&rp, "Last-Modified", lm, sizeof(lm));

    r.len = 0;
    snprintf(req, sizeof(req),
             "GET /hello.txt HTTP/1.1\r\nHost: t\r\nIf-None-Match: \"zz\", %s\r\n\r\n", etag);
    request(e, req, &r);
    rp = parse_resp(0, r.len);
    assert_int_equal(rp.status, 304);
    assert_int_equal(r.len, rp.head_len);
    assert_true(has_header(&rp, etag));

    r.len = 0;
    snprintf(req, sizeof(req),
             "GET /hello.txt HTTP/1.1\r\nHost: t\r\nIf-Modified-Since: %s\r\n\r\n", lm);
    request(e, req, &r);
    assert_int_equal(parse_resp(0, r.len).status, 304);

    /* If-None-Match that does not match wins over a matching date. */
    r.len = 0;
    snprintf(req, sizeof(req),
             "GET /hello.txt HTTP/1.1\r\nHost: t\r\nIf-None-Match: \"other\"\r\n"
             "If-Modified-Since: %s\r\n\r\n",
             lm);
    request(e, req, &r);
    assert_int_equal(parse_resp(0, r.len).status, 200);

    r.len = 0;
    request(e,
            "GET /hello.txt HTTP/1.1\r\nHost: t\r\nIf-Modified-Since: Thu, 01 Jan 1970 00:00:00 GMT"
            "\r\n\r\n",
            &r);
    assert_int_equal(parse_resp(0, r.len).status, 200);
    assert_int_equal(counters(e).status[LR_HTTP_ST_304], 2);
    peer_fin(e, &r);
}

static void test_pipelined_and_split(void **state)
{
    struct lrt_env *e = *state;
    struct rx r = { 0 };
    handshake(e);
    request(e,
            "GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\nGET /missing HTTP/1.1\r\nHost: t\r\n\r\n"
            "HEAD /index.html HTTP/1.1\r\nHost: t\r\n\r\n",
            &r);
    struct resp a = parse_resp(0, r.len);
    assert_int_equal(a.status, 200);
    size_t pos = a.head_len + (size_t)a.clen;
    struct resp b = parse_resp(pos, r.len);
    assert_int_equal(b.status, 404);
    pos += b.head_len + (size_t)b.clen;
    struct resp c = parse_resp(pos, r.len);
    assert_int_equal(c.status, 200);
    assert_int_equal(c.clen, 18);
    assert_int_equal(pos + c.head_len, r.len);
    assert_int_equal(counters(e).pipelined, 2);

    /* A request split in three segments, one in the middle of a header name. */
    r.len = 0;
    lrt_send_data(e, "GET /hello.txt HT", 17);
    pump(e, &r);
    assert_int_equal(r.len, 0);
    lrt_send_data(e, "TP/1.1\r\nHo", 10);
    pump(e, &r);
    assert_int_equal(r.len, 0);
    lrt_send_data(e, "st: t\r\n\r\n", 9);
    pump(e, &r);
    assert_int_equal(parse_resp(0, r.len).status, 200);
    peer_fin(e, &r);
}

static void test_errors_close(void **state)
{
    struct lrt_env *e = *state;
    static const struct {
        const char *req;
        int status;
    } t[] = {
        { "GET / HTTP/1.1\r\n\r\n", 400 },
        { "GET /../etc/passwd HTTP/1.1\r\nHost: t\r\n\r\n", 400 },
        { "GET /%2e%2e/x HTTP/1.1\r\nHost: t\r\n\r\n", 400 },
        { "GET / HTTP/2.0\r\nHost: t\r\n\r\n", 505 },
        { "BREW /pot HTTP/1.1\r\nHost: t\r\n\r\n", 501 },
        { "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n", 501 },
        { "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n", 413 },
        { "GET / HTTP/1.1\r\nHost: t\r\nX: 1\r\n continued\r\n\r\n", 400 },
        { "\x16\x03\x01\x00\x10garbage", 400 },
        { "GET /hello.txt HTTP/1.1\r\nHost: t\r\nRange: bytes=0-1\r\nRange: bytes=2-3\r\n\r\n",
          400 },
        /* RFC 9112 §7.1: bad framing is answered 400 before any 200 (checked first). */
        { "GET /hello.txt HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n",
          400 },
        { "GET /hello.txt HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n",
          400 },
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        struct rx r = { 0 };
        e->peer_port = (uint16_t)(41000 + i);
        e->peer_seq = 1000000;
        handshake(e);
        request(e, t[i].req, &r);
        struct resp rp = parse_resp(0, r.len);
        if (rp.status != t[i].status)
            fail_msg("request %zu: status %d, want %d", i, rp.status, t[i].status);
        assert_true(has_header(&rp, "\r\nConnection: close\r\n"));
        assert_int_equal(r.len, rp.head_len + (size_t)rp.clen);
        assert_true(r.fin);
        peer_fin(e, &r);
        assert_false(r.rst);
    }
    assert_int_equal(counters(e).conns_active, 0);
    assert_int_equal(counters(e).responses[4] + counters(e).responses[5], 12);
    assert_int_equal(counters(e).responses[2], 0);
    assert_int_equal(counters(e).body_bad_framing, 2);
}

static void test_limits_close(void **state)
{
    struct lrt_env *e = *state;
    char req[2048];
    struct rx r = { 0 };
    handshake(e);
    memset(req, 'a', sizeof(req));
    memcpy(req, "GET /", 5);
    req[400] = '\0';
    request(e, req, &r); /* no line end yet, already over max_uri_bytes */
    struct resp rp = parse_resp(0, r.len);
    assert_int_equal(rp.status, 414);
    assert_true(r.fin);
    peer_fin(e, &r);

    r = (struct rx){ 0 };
    e->peer_port++;
    e->peer_seq = 1000000;
    handshake(e);
    strcpy(req, "GET / HTTP/1.1\r\nHost: t\r\n");
    for (int i = 0; i < 20; i++)
        strcat(req, "X-A: b\r\n");
    strcat(req, "\r\n");
    request(e, req, &r);
    assert_int_equal(parse_resp(0, r.len).status, 431);
    assert_true(r.fin);
    peer_fin(e, &r);
}

static void test_method_not_allowed_body_discarded(void **state)
{
    struct lrt_env *e = *state;
    struct rx r = { 0 };
    handshake(e);
    /* 405 with a body that arrives later: the body is skipped, the next request served. */
    request(e, "POST /hello.txt HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n01234", &r);
    struct resp rp = parse_resp(0, r.len);
    assert_int_equal(rp.status, 405);
    assert_true(has_header(&rp, "\r\nAllow: GET, HEAD, OPTIONS\r\n"));
    assert_false(r.fin);
    r.len = 0;
    request(e, "56789GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n", &r);
    assert_int_equal(parse_resp(0, r.len).status, 200);

    /*
     * Chunked body, split inside the chunk framing: the answer waits until
     * the framing is known to be valid (RFC 9112 §7.1), then the next request.
     */
    r.len = 0;
    request(e, "DELETE /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nab", &r);
    assert_int_equal(r.len, 0);
    request(e, "cd\r\n0\r\n\r\nGET /index.html HTTP/1.1\r\nHost: t\r\n\r\n", &r);
    rp = parse_resp(0, r.len);
    assert_int_equal(rp.status, 405);
    rp = parse_resp(rp.head_len + (size_t)rp.clen, r.len);
    assert_int_equal(rp.status, 200);
    assert_int_equal(rp.clen, 18);
    assert_int_equal(counters(e).body_discarded, 10 + strlen("4\r\nabcd\r\n0\r\n\r\n"));
    peer_fin(e, &r);
}

/* RFC 9110 §9.3.7: OPTIONS for "*" and for a path get the same 200 with Allow. */
static void test_options(void **state)
{
    struct lrt_env *e = *state;
    struct rx r = { 0 };
    handshake(e);
    static const char *const reqs[] = {
        "OPTIONS * HTTP/1.1\r\nHost: t\r\n\r\n",
        "OPTIONS /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n",
        "OPTIONS /sub HTTP/1.1\r\nHost: t\r\n\r\n",
    };
    for (size_t i = 0; i < RTE_DIM(reqs); i++) {
        r.len = 0;
        request(e, reqs[i], &r);
        struct resp rp = parse_resp(0, r.len);
        if (rp.status != 200)
            fail_msg("%s: status %d", reqs[i], rp.status);
        assert_true(has_header(&rp, "\r\nAllow: GET, HEAD, OPTIONS\r\n"));
        assert_int_equal(rp.clen, 0);
        assert_int_equal(r.len, rp.head_len);
        assert_false(r.fin);
    }
    r.len = 0;
    request(e, "OPTIONS /missing HTTP/1.1\r\nHost: t\r\n\r\n", &r);
    assert_int_equal(parse_resp(0, r.len).status, 404);
    /* Other methods: 405 listing OPTIONS too. */
    r.len = 0;
    request(e, "DELETE * HTTP/1.1\r\nHost: t\r\n\r\n", &r);
    assert_int_equal(parse_resp(0, r.len).status, 400); /* "*" is for OPTIONS only */
    peer_fin(e, &r);
    assert_int_equal(counters(e).status[LR_HTTP_ST_200], 3);
}

/* A valid chunked GET body split anywhere is validated, skipped, and the GET answered. */
static void test_chunked_get_validated(void **state)
{
    struct lrt_env *e = *state;
    struct rx r = { 0 };
    handshake(e);
    const char *req =
        "GET /hello.txt HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
        "3;x=y\r\nabc\r\n0\r\nT: 1\r\n\r\nGET /index.html HTTP/1.1\r\nHost: t\r\n\r\n";
    size_t head = strstr(req, "\r\n\r\n") - req + 4;
    /* Up to the end of the chunked body, nothing is answered. */
    size_t body_end = strstr(req, "T: 1\r\n\r\n") - req + 8;
    for (size_t i = 0; i < body_end - 1; i++) {
        lrt_send_data(e, req + i, 1);
        pump(e, &r);
        if (r.len != 0)
            fail_msg("answered after %zu bytes (head %zu)", i + 1, head);
    }
    request(e, req + body_end - 1, &r);
    struct resp rp = parse_resp(0, r.len);
    assert_int_equal(rp.status, 200);
    assert_memory_equal(stream + rp.head_len, "hello world\n", 12);
    rp = parse_resp(rp.head_len + 12, r.len);
    assert_int_equal(rp.status, 200);
    assert_int_equal(rp.clen, 18);
    assert_false(r.fin);
    assert_int_equal(counters(e).body_discarded, body_end - head);
    assert_int_equal(counters(e).body_bad_framing, 0);

    /* Bad framing split from its head: 400 and close, never a 200. */
    r.len = 0;
    request(e, "GET /hello.txt HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
            &r);
    assert_int_equal(r.len, 0);
    request(e, "cdeX\r\n", &r);
    rp = parse_resp(0, r.len);
    assert_int_equal(rp.status, 400);
    assert_true(has_header(&rp, "\r\nConnection: close\r\n"));
    assert_int_equal(r.len, rp.head_len + (size_t)rp.clen);
    assert_true(r.fin);
    assert_int_equal(counters(e).body_bad_framing, 1);
    peer_fin(e, &r);
    assert_int_equal(counters(e).conns_active, 0);
}

/*
 * A chunked body larger than the server holds before answering (half the
 * receive buffer): answered once that much is validated, the rest checked
 * while discarded; bad framing there closes the connection (counted).
 */
static void test_chunked_get_beyond_hold(void **state)
{
    struct lrt_env *e = *state;
    struct rx r = { 0 };
    lr_test_http(wcfg(e))->max_body_bytes = 1u << 20;
    handshake(e);
    static char piece[1001]; /* 1000 bytes and the NUL request() needs */
    memset(piece, 'x', sizeof(piece) - 1);
    request(e,
            "GET /hello.txt HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
            "c350\r\n", /* one chunk of 50,000 bytes */
            &r);
    size_t sent = 0;
    while (r.len == 0 && sent < 50000) {
        request(e, piece, &r);
        sent += sizeof(piece) - 1;
    }
    /* Answered before the body ended: the rcvbuf (64 KiB) / 2 were held. */
    assert_true(sent >= 32 * 1024 && sent < 50000);
    struct resp rp = parse_resp(0, r.len);
    assert_int_equal(rp.status, 200);
    assert_int_equal(r.len, rp.head_len + 12);
    while (sent < 50000) {
        request(e, piece, &r);
        sent += sizeof(piece);
    }
    r.len = 0;
    request(e, "\r\n0\r\n\r\nGET /index.html HTTP/1.1\r\nHost: t\r\n\r\n", &r);
    assert_int_equal(parse_resp(0, r.len).status, 200);
    assert_false(r.fin);

    /* The same with bad framing after the hold: the connection is closed. */
    r.len = 0;
    request(e,
            "GET /hello.txt HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
            "c350\r\n",
            &r);
    sent = 0;
    while (sent < 50000) {
        request(e, piece, &r);
        sent += sizeof(piece);
    }
    assert_int_equal(parse_resp(0, r.len).status, 200);
    request(e, "XX\r\n", &r); /* no CRLF after the chunk data */
    assert_true(r.fin);
    assert_int_equal(counters(e).body_bad_framing, 1);
    peer_fin(e, &r);
    assert_int_equal(counters(e).conns_active, 0);
}

static void test_expect_continue_closes(void **state)
{
    struct lrt_env *e = *state;
    struct rx r = { 0 };
    handshake(e);
    /* Final answer without 100 Continue; the body may never come: close. */
    request(e, "PUT /up HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\nExpect: 100-continue\r\n\r\n",
            &r);
    struct resp rp = parse_resp(0, r.len);
    assert_int_equal(rp.status, 405);
    assert_true(has_header(&rp, "\r\nConnection: close\r\n"));
    assert_true(r.fin);
    /* Body bytes that still arrive are drained, not answered with RST. */
    lrt_send_data(e, "0123456789", 10);
    pump(e, &r);
    assert_false(r.rst);
    peer_fin(e, &r);
    assert_int_equal(counters(e).conns_active, 0);
}

static void test_http10_and_close(void **state)
{
    struct lrt_env *e = *state;
    struct rx r = { 0 };
    handshake(e);
    request(e, "GET /hello.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", &r);
    struct resp rp = parse_resp(0, r.len);
    assert_int_equal(rp.status, 200);
    assert_true(has_header(&rp, "\r\nConnection: keep-alive\r\n"));
    assert_false(r.fin);
    r.len = 0;
    request(e, "GET /hello.txt HTTP/1.0\r\n\r\n", &r);
    rp = parse_resp(0, r.len);
    assert_true(has_header(&rp, "\r\nConnection: close\r\n"));
    assert_true(r.fin);
    peer_fin(e, &r);
    assert_int_equal(counters(e).conns_active, 0);

    /* max_requests_per_conn */
    lr_test_http(wcfg(e))->max_requests_per_conn = 2;
    r = (struct rx){ 0 };
    e->peer_port++;
    e->peer_seq = 1000000;
    handshake(e);
    request(e,
            "GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\nGET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n",
            &r);
    rp = parse_resp(0, r.len);
    assert_false(has_header(&rp, "Connection: close"));
    rp = parse_resp(rp.head_len + 12, r.len);
    assert_true(has_header(&rp, "\r\nConnection: close\r\n"));
    assert_true(r.fin);
    peer_fin(e, &r);
    lr_test_http(wcfg(e))->max_requests_per_conn = 0;
}

static void test_timeouts(void **state)
{
    struct lrt_env *e = *state;
    struct rx r = { 0 };
    /* Partial head: 408 after header_timeout, then FIN. */
    handshake(e);
    lrt_send_data(e, "GET / HTTP/1.1\r\nHo", 18);
    pump(e, &r);
    assert_int_equal(r.len, 0);
    lr_test_advance(e->w, 1900000);
    pump(e, &r);
    assert_int_equal(r.len, 0);
    lr_test_advance(e->w, 200000);
    pump(e, &r);
    struct resp rp = parse_resp(0, r.len);
    assert_int_equal(rp.status, 408);
    assert_true(r.fin);
    assert_int_equal(counters(e).header_timeouts, 1);
    peer_fin(e, &r);

    /* Idle keep-alive: closed silently after keepalive_timeout. */
    r = (struct rx){ 0 };
    e->peer_port++;
    e->peer_seq = 1000000;
    handshake(e);
    request(e, "GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n", &r);
    assert_int_equal(parse_resp(0, r.len).status, 200);
    size_t before = r.len;
    lr_test_advance(e->w, 4900000);
    pump(e, &r);
    assert_false(r.fin);
    lr_test_advance(e->w, 200000);
    pump(e, &r);
    assert_true(r.fin);
    assert_int_equal(r.len, before);
    assert_int_equal(counters(e).keepalive_timeouts, 1);
    peer_fin(e, &r);
    assert_int_equal(counters(e).conns_active, 0);
}

static void test_peer_half_close(void **state)
{
    struct lrt_env *e = *state;
    struct rx r = { 0 };
    handshake(e);
    /* Requests followed by FIN in the same breath: all answered, then closed. */
    static const char two[] =
        "GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\nGET /empty HTTP/1.1\r\nHost: t\r\n\r\n";
    lrt_send_data(e, two, sizeof(two) - 1);
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_FIN | LRT_ACK });
    pump(e, &r);
    struct resp a = parse_resp(0, r.len);
    assert_int_equal(a.status, 200);
    struct resp b = parse_resp(a.head_len + 12, r.len);
    assert_int_equal(b.status, 200);
    assert_int_equal(b.clen, 0);
    assert_int_equal(r.len, a.head_len + 12 + b.head_len);
    assert_true(r.fin);
    assert_false(r.rst);
    assert_int_equal(counters(e).conns_active, 0);

    /* FIN in the middle of a request head: nothing to answer, just closed. */
    r = (struct rx){ 0 };
    e->peer_port++;
    e->peer_seq = 1000000;
    handshake(e);
    lrt_send_data(e, "GET /hello.txt HTTP/1.1\r\nHo", 28);
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_FIN | LRT_ACK });
    pump(e, &r);
    assert_int_equal(r.len, 0);
    assert_true(r.fin);
    assert_false(r.rst);
    assert_int_equal(counters(e).conns_active, 0);
}

/* A request and the client's FIN in one segment (RFC 9293 §3.10.7.4: the FIN
 * is processed with the segment): answered completely, then our FIN; the
 * server's close is passive (LAST_ACK), so after the client's ACK nothing is
 * left, no TIME_WAIT on the server. With and without Connection: close. */
static void test_request_with_fin(void **state)
{
    struct lrt_env *e = *state;
    static const char *const reqs[] = {
        "GET /hello.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
        "GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n",
        "GET /hello.txt HTTP/1.0\r\n\r\n",
    };
    for (unsigned i = 0; i < RTE_DIM(reqs); i++) {
        struct rx r = { 0 };
        e->peer_port++;
        e->peer_seq = 1000000;
        handshake(e);
        lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK | LRT_PSH | LRT_FIN,
                                        .data = reqs[i],
                                        .len = (uint32_t)strlen(reqs[i]) });
        pump(e, &r);
        struct resp rp = parse_resp(0, r.len);
        assert_int_equal(rp.status, 200);
        assert_true(rp.clen > 0);
        assert_int_equal(r.len, rp.head_len + (size_t)rp.clen);
        assert_true(r.fin);
        assert_false(r.rst);
        assert_int_equal(counters(e).conns_active, 0);
        assert_int_equal(lrt_counters(e).state[LR_TCP_TIME_WAIT], 0);
        assert_int_equal(lrt_active(e), 0);
    }
}

struct foreach_acc {
    unsigned n;
    uint64_t req;
    uint64_t st404;
};

static void foreach_fn(void *arg, const char *name, uint64_t v)
{
    struct foreach_acc *x = arg;
    x->n++;
    if (strcmp(name, "requests") == 0)
        x->req = v;
    if (strcmp(name, "status_404_not_found") == 0)
        x->st404 = v;
}

static void test_counters_foreach(void **state)
{
    (void)state;
    struct lr_http_counters a, b;
    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    a.requests = 3;
    a.status[LR_HTTP_ST_404] = 2;
    b.requests = 4;
    lr_http_counters_add(&a, &b);
    assert_int_equal(a.requests, 7);
    struct foreach_acc acc = { 0 };
    unsigned n = lr_http_counters_foreach(&a, foreach_fn, &acc);
    assert_int_equal(n, acc.n);
    assert_true(n > 20);
    assert_int_equal(acc.req, 7);
    assert_int_equal(acc.st404, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_get_small, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_big_zero_copy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_index_and_redirect, setup, teardown),
        cmocka_unit_test_setup_teardown(test_range, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conditional, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pipelined_and_split, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors_close, setup, teardown),
        cmocka_unit_test_setup_teardown(test_limits_close, setup, teardown),
        cmocka_unit_test_setup_teardown(test_method_not_allowed_body_discarded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_options, setup, teardown),
        cmocka_unit_test_setup_teardown(test_chunked_get_validated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_chunked_get_beyond_hold, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expect_continue_closes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http10_and_close, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeouts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_peer_half_close, setup, teardown),
        cmocka_unit_test_setup_teardown(test_request_with_fin, setup, teardown),
        cmocka_unit_test(test_counters_foreach),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
