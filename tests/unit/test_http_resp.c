/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP/1.1 response parser (lr_http_resp): framing, persistence, interim
 * responses and every error reason; each valid and invalid input is fed
 * whole, split at every byte and byte by byte, and must give the same verdict.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lr_http_resp.h"

/* Outcome of parsing a stream: result, bytes used, the parser state. */
struct outcome {
    enum lr_http_resp_result r;
    size_t used;
    struct lr_http_resp p;
};

/* Feed @s in pieces cut at @cuts (ascending offsets), then EOF when @eof. */
static struct outcome feed_cuts(const char *s, size_t len, bool head, const size_t *cuts,
                                unsigned ncuts, bool eof)
{
    struct outcome o;
    size_t off = 0;
    lr_http_resp_init(&o.p, head);
    o.r = LR_HTTP_RESP_MORE;
    o.used = 0;
    for (unsigned i = 0; i <= ncuts && o.r == LR_HTTP_RESP_MORE; i++) {
        size_t end = i < ncuts ? cuts[i] : len;
        size_t u = 0;
        o.r = lr_http_resp_feed(&o.p, (const uint8_t *)s + off, end - off, &u);
        if (o.r == LR_HTTP_RESP_MORE)
            assert_int_equal(u, end - off);
        o.used += u;
        off = end;
    }
    if (o.r == LR_HTTP_RESP_MORE && eof)
        o.r = lr_http_resp_eof(&o.p);
    return o;
}

/* Every result of two parses agrees (the outcome and each public field). */
static void same_outcome(const struct outcome *a, const struct outcome *b)
{
    assert_int_equal(a->r, b->r);
    assert_int_equal(a->used, b->used);
    assert_int_equal(a->p.error, b->p.error);
    assert_int_equal(a->p.status, b->p.status);
    assert_int_equal(a->p.minor, b->p.minor);
    assert_int_equal(a->p.keep_alive, b->p.keep_alive);
    assert_int_equal(a->p.chunked, b->p.chunked);
    assert_int_equal(a->p.has_length, b->p.has_length);
    assert_int_equal(a->p.until_close, b->p.until_close);
    assert_int_equal(a->p.content_length, b->p.content_length);
    assert_int_equal(a->p.body_bytes, b->p.body_bytes);
    assert_int_equal(a->p.head_bytes, b->p.head_bytes);
    assert_int_equal(a->p.interim, b->p.interim);
}

/*
 * Parse @s whole, in two pieces at every offset and byte by byte; assert all
 * agree. Whole, complete lines take the parser's line-at-a-time fast path;
 * byte by byte, every line goes through the byte machine; the two-piece
 * feeds switch from one to the other at every position of every line.
 */
static struct outcome parse_all(const char *s, size_t len, bool head, bool eof)
{
    struct outcome whole = feed_cuts(s, len, head, NULL, 0, eof);
    for (size_t c = 1; c < len; c++) {
        struct outcome two = feed_cuts(s, len, head, &c, 1, eof);
        same_outcome(&two, &whole);
    }
    size_t *cuts = malloc(sizeof(size_t) * (len ? len : 1));
    assert_non_null(cuts);
    for (size_t c = 1; c < len; c++)
        cuts[c - 1] = c;
    struct outcome bytes = feed_cuts(s, len, head, cuts, len ? (unsigned)(len - 1) : 0, eof);
    free(cuts);
    same_outcome(&bytes, &whole);
    return whole;
}

static struct outcome ok(const char *s)
{
    struct outcome o = parse_all(s, strlen(s), false, false);
    assert_int_equal(o.r, LR_HTTP_RESP_DONE);
    assert_int_equal(o.used, strlen(s));
    return o;
}

/* As bad(), for an input of @len bytes that may hold NUL. */
static void bad_n(const char *s, size_t len, enum lr_http_resp_error e)
{
    struct outcome o = parse_all(s, len, false, false);
    assert_int_equal(o.r, LR_HTTP_RESP_ERROR);
    assert_int_equal(o.p.error, e);
}

static void bad(const char *s, enum lr_http_resp_error e, bool eof)
{
    struct outcome o = parse_all(s, strlen(s), false, eof);
    if (o.r != LR_HTTP_RESP_ERROR)
        fail_msg("accepted (%d): %s", o.r, s);
    if (o.p.error != e)
        fail_msg("error %s instead of %s for: %s", lr_http_resp_error_name(o.p.error),
                 lr_http_resp_error_name(e), s);
}

static void test_content_length(void **state)
{
    (void)state;
    struct outcome o = ok("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nServer: x\r\n\r\nhello");
    assert_int_equal(o.p.status, 200);
    assert_int_equal(o.p.minor, 1);
    assert_true(o.p.keep_alive);
    assert_true(o.p.has_length);
    assert_false(o.p.chunked);
    assert_int_equal(o.p.body_bytes, 5);
    assert_int_equal(o.p.head_bytes,
                     strlen("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nServer: x\r\n\r\n"));
    o = ok("HTTP/1.1 404 Not Found\r\ncontent-LENGTH:0\r\n\r\n");
    assert_int_equal(o.p.status, 404);
    assert_int_equal(o.p.body_bytes, 0);
    /* RFC 9110 §8.6: a list of identical values is that value. */
    o = ok("HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\nContent-Length: 3\r\n\r\nabc");
    assert_int_equal(o.p.content_length, 3);
    /* Empty reason phrase, and no SP after the code. */
    ok("HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n");
    ok("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n");
    /* Bare LF line ends (RFC 9112 §2.2). */
    o = ok("HTTP/1.1 200 OK\nContent-Length: 2\n\nhi");
    assert_int_equal(o.p.body_bytes, 2);
}

static void test_persistence(void **state)
{
    (void)state;
    assert_false(ok("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").p.keep_alive);
    assert_true(
        ok("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n").p.keep_alive);
    assert_false(
        ok("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n").p.keep_alive);
    assert_false(ok("HTTP/1.1 200 OK\r\nConnection: upgrade, CLOSE\r\nContent-Length: 0\r\n\r\n")
                     .p.keep_alive);
    /* obs-fold joins lines (RFC 9112 §5.2). */
    assert_false(
        ok("HTTP/1.1 200 OK\r\nConnection: keep-alive,\r\n close\r\nContent-Length: 0\r\n\r\n")
            .p.keep_alive);
    /* HTTP/1.2 is 1.x: persistent. */
    assert_true(ok("HTTP/1.2 200 OK\r\nContent-Length: 0\r\n\r\n").p.keep_alive);
}

static void test_chunked(void **state)
{
    (void)state;
    struct outcome o = ok("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                          "5\r\nhello\r\n1A;name=\"v\" \r\nabcdefghijklmnopqrstuvwxyz\r\n"
                          "0 ;x\r\nTrailer-Field: y\r\n\r\n");
    assert_true(o.p.chunked);
    assert_true(o.p.keep_alive);
    assert_int_equal(o.p.body_bytes, 5 + 26);
    o = ok("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n0\r\n\r\n");
    assert_int_equal(o.p.body_bytes, 0);
    /* TE overrides CL (RFC 9112 §6.3 rule 3) and the connection is not reused. */
    o = ok("HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n"
           "3\r\nabc\r\n0\r\n\r\n");
    assert_int_equal(o.p.body_bytes, 3);
    assert_false(o.p.keep_alive);
    /* Bare LF after chunk data and sizes. */
    o = ok("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\nab\n0\n\n");
    assert_int_equal(o.p.body_bytes, 2);
}

static void test_until_close(void **state)
{
    (void)state;
    const char *s = "HTTP/1.1 200 OK\r\nServer: x\r\n\r\nall of this is body";
    struct outcome o = parse_all(s, strlen(s), false, true);
    assert_int_equal(o.r, LR_HTTP_RESP_DONE);
    assert_true(o.p.until_close);
    assert_false(o.p.keep_alive);
    assert_int_equal(o.p.body_bytes, strlen("all of this is body"));
    /* Not final chunked: read until close (RFC 9112 §6.3 rule 4). */
    s = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n";
    o = parse_all(s, strlen(s), false, true);
    assert_int_equal(o.r, LR_HTTP_RESP_DONE);
    assert_true(o.p.until_close);
    assert_int_equal(o.p.body_bytes, 5);
}

static void test_no_body(void **state)
{
    (void)state;
    const char *s = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n";
    struct outcome o = parse_all(s, strlen(s), true, false); /* HEAD */
    assert_int_equal(o.r, LR_HTTP_RESP_DONE);
    assert_int_equal(o.p.body_bytes, 0);
    assert_true(o.p.keep_alive);
    ok("HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n");
    ok("HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n");
}

static void test_interim(void **state)
{
    (void)state;
    struct outcome o = ok("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: x\r\n\r\n"
                          "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nz");
    assert_int_equal(o.p.interim, 2);
    assert_int_equal(o.p.status, 200);
    assert_int_equal(o.p.body_bytes, 1);
    bad("HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n", LR_HTTP_RESP_ERR_BAD_STATUS,
        false);
}

static void test_pipelined_excess(void **state)
{
    (void)state;
    const char *a = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc";
    char s[256];
    snprintf(s, sizeof(s), "%sHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n", a);
    struct lr_http_resp p;
    size_t used;
    lr_http_resp_init(&p, false);
    assert_int_equal(lr_http_resp_feed(&p, (const uint8_t *)s, strlen(s), &used),
                     LR_HTTP_RESP_DONE);
    assert_int_equal(used, strlen(a)); /* stops right after the response */
    size_t u2;
    assert_int_equal(lr_http_resp_feed(&p, (const uint8_t *)s + used, 5, &u2), LR_HTTP_RESP_DONE);
    assert_int_equal(u2, 0);
    lr_http_resp_init(&p, false);
    assert_true(lr_http_resp_idle(&p));
    assert_int_equal(lr_http_resp_feed(&p, (const uint8_t *)s + used, strlen(s) - used, &u2),
                     LR_HTTP_RESP_DONE);
    assert_int_equal(p.status, 201);
    assert_int_equal(u2, strlen(s) - used);
    assert_false(lr_http_resp_idle(&p));
}

static void test_bad_status(void **state)
{
    (void)state;
    const enum lr_http_resp_error e = LR_HTTP_RESP_ERR_BAD_STATUS;
    bad("HTTP/2.0 200 OK\r\n\r\n", e, false);
    bad("http/1.1 200 OK\r\n\r\n", e, false);
    bad("HTTP/1.1 099 Low\r\n\r\n", e, false);
    bad("HTTP/1.1 600 High\r\n\r\n", e, false);
    bad("HTTP/1.1 20 OK\r\n\r\n", e, false);
    bad("HTTP/1.1 2000 OK\r\n\r\n", e, false);
    bad("HTTP/1.1  200 OK\r\n\r\n", e, false);
    bad("HTTP/1.x 200 OK\r\n\r\n", e, false);
    bad("HTTP/1.1 200 OK\rX\r\n\r\n", e, false);
    bad("HTTP/1.1 200 O\x01K\r\n\r\n", e, false);
    bad("<html>hello</html>", e, false);
    bad("\r\nHTTP/1.1 200 OK\r\n\r\n", e, false);
}

static void test_bad_header(void **state)
{
    (void)state;
    const enum lr_http_resp_error e = LR_HTTP_RESP_ERR_BAD_HEADER;
    bad("HTTP/1.1 200 OK\r\nContent-Length : 1\r\n\r\nx", e, false);
    bad("HTTP/1.1 200 OK\r\nNoColon\r\n\r\n", e, false);
    bad("HTTP/1.1 200 OK\r\n: empty\r\n\r\n", e, false);
    bad("HTTP/1.1 200 OK\r\n Leading: ws\r\n\r\n", e, false);
    bad("HTTP/1.1 200 OK\r\nX: a\x01b\r\n\r\n", e, false);
    bad("HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n", e, false);
    bad("HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n", e, false);
    bad("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", e, false);
    bad("HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", e, false);
    bad("HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\nx", e, false);
    bad("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nx", e, false);
    bad("HTTP/1.1 200 OK\r\nContent-Length: 1234567890123456789\r\n\r\n", e, false);
    bad("HTTP/1.1 200 OK\r\nTransfer-Encoding: \r\n\r\n", e, false);
    bad("HTTP/1.1 200 OK\r\nTransfer-Encoding: chun(ked\r\n\r\n", e, false);
    bad("HTTP/1.1 200 OK\r\nX: y\r\r\n\r\n", e, false);
    bad("HTTP/1.1 200 OK\r\n\rX", e, false);
}

/* A head of exactly @total bytes whose padding sits in the reason phrase
 * (where 0), a field name (1) or a field value (2). */
static size_t head_of_size(char *s, size_t total, int where)
{
    const char *pre[] = { "HTTP/1.1 200 O", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX",
                          "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX: " };
    const char *post[] = { "K\r\nContent-Length: 0\r\n\r\n", ": v\r\n\r\n", "v\r\n\r\n" };
    size_t a = strlen(pre[where]), b = strlen(post[where]);
    memcpy(s, pre[where], a);
    memset(s + a, where == 1 ? 'n' : 'a', total - a - b);
    memcpy(s + total - b, post[where], b);
    return total;
}

static void test_head_limit_exact(void **state)
{
    (void)state;
    char *s = malloc(LR_HTTP_RESP_MAX_HEAD + 1);
    assert_non_null(s);
    for (int where = 0; where < 3; where++) {
        for (size_t total = LR_HTTP_RESP_MAX_HEAD; total <= LR_HTTP_RESP_MAX_HEAD + 1; total++) {
            size_t n = head_of_size(s, total, where);
            /* Whole, and in two pieces (the runs inside a line end at the
             * buffer end and resume with the next one). */
            size_t cuts[] = { 0, 7, n / 2, n - 3, n };
            for (unsigned k = 0; k < sizeof(cuts) / sizeof(cuts[0]); k++) {
                struct lr_http_resp p;
                size_t used1 = 0, used2 = 0;
                lr_http_resp_init(&p, false);
                enum lr_http_resp_result r =
                    lr_http_resp_feed(&p, (const uint8_t *)s, cuts[k], &used1);
                if (r == LR_HTTP_RESP_MORE)
                    r = lr_http_resp_feed(&p, (const uint8_t *)s + cuts[k], n - cuts[k], &used2);
                if (total == LR_HTTP_RESP_MAX_HEAD) {
                    assert_int_equal(r, LR_HTTP_RESP_DONE);
                    assert_int_equal(used1 + used2, n);
                } else {
                    assert_int_equal(r, LR_HTTP_RESP_ERROR);
                    assert_int_equal(p.error, LR_HTTP_RESP_ERR_HEAD_TOO_LARGE);
                }
            }
        }
    }
    free(s);
}

static void test_limits(void **state)
{
    (void)state;
    size_t n = LR_HTTP_RESP_MAX_HEAD + 100;
    char *s = malloc(n + 1);
    assert_non_null(s);
    int h = snprintf(s, n, "HTTP/1.1 200 OK\r\nX: ");
    memset(s + h, 'a', n - (size_t)h);
    s[n] = '\0';
    struct lr_http_resp p;
    size_t used;
    lr_http_resp_init(&p, false);
    assert_int_equal(lr_http_resp_feed(&p, (const uint8_t *)s, n, &used), LR_HTTP_RESP_ERROR);
    assert_int_equal(p.error, LR_HTTP_RESP_ERR_HEAD_TOO_LARGE);
    /* Too many fields. */
    size_t off = (size_t)snprintf(s, n, "HTTP/1.1 200 OK\r\n");
    for (unsigned i = 0; i <= LR_HTTP_RESP_MAX_FIELDS; i++)
        off += (size_t)snprintf(s + off, n - off, "A: b\r\n");
    lr_http_resp_init(&p, false);
    assert_int_equal(lr_http_resp_feed(&p, (const uint8_t *)s, off, &used), LR_HTTP_RESP_ERROR);
    assert_int_equal(p.error, LR_HTTP_RESP_ERR_HEAD_TOO_LARGE);
    /* A framing header value longer than what is kept. */
    off = (size_t)snprintf(s, n, "HTTP/1.1 200 OK\r\nConnection: ");
    memset(s + off, 'k', LR_HTTP_RESP_VAL_MAX + 1);
    off += LR_HTTP_RESP_VAL_MAX + 1;
    off += (size_t)snprintf(s + off, n - off, "\r\n\r\n");
    lr_http_resp_init(&p, false);
    assert_int_equal(lr_http_resp_feed(&p, (const uint8_t *)s, off, &used), LR_HTTP_RESP_ERROR);
    assert_int_equal(p.error, LR_HTTP_RESP_ERR_BAD_HEADER);
    /* But a long unknown header is fine. */
    off = (size_t)snprintf(s, n, "HTTP/1.1 200 OK\r\nX-Long: ");
    memset(s + off, 'v', 4000);
    off += 4000;
    off += (size_t)snprintf(s + off, n - off, "\r\nContent-Length: 0\r\n\r\n");
    lr_http_resp_init(&p, false);
    assert_int_equal(lr_http_resp_feed(&p, (const uint8_t *)s, off, &used), LR_HTTP_RESP_DONE);
    free(s);
}

static void test_bad_chunk(void **state)
{
    (void)state;
    const enum lr_http_resp_error e = LR_HTTP_RESP_ERR_BAD_CHUNK;
#define TE "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    bad(TE "zz\r\n", e, false);
    bad(TE "\r\n", e, false);
    bad(TE "3\r\nabcX\r\n", e, false);
    bad(TE "3\r\nabc\rX", e, false);
    bad(TE "1000000000000000\r\n", e, false); /* 16 hex digits */
    bad(TE "3;a\x01\r\nabc\r\n0\r\n\r\n", e, false);
    bad(TE "3 x\r\nabc\r\n0\r\n\r\n", e, false);
    bad(TE "3\rx", e, false);
    bad(TE "0\r\nBad Trailer\r\n\r\n", e, false);
#undef TE
}

static void test_close_early(void **state)
{
    (void)state;
    bad("", LR_HTTP_RESP_ERR_UNEXPECTED_CLOSE, true);
    bad("HTTP/1.1 200 OK\r\nContent-Le", LR_HTTP_RESP_ERR_UNEXPECTED_CLOSE, true);
    bad("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabcde", LR_HTTP_RESP_ERR_BODY_SHORT, true);
    bad("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", LR_HTTP_RESP_ERR_BODY_SHORT,
        true);
    bad("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: y\r\n",
        LR_HTTP_RESP_ERR_BODY_SHORT, true);
    /* An error stays an error at EOF. */
    struct lr_http_resp p;
    size_t used;
    lr_http_resp_init(&p, false);
    assert_int_equal(lr_http_resp_feed(&p, (const uint8_t *)"XTTP", 4, &used), LR_HTTP_RESP_ERROR);
    assert_int_equal(used, 1);
    assert_int_equal(lr_http_resp_eof(&p), LR_HTTP_RESP_ERROR);
    assert_int_equal(p.error, LR_HTTP_RESP_ERR_BAD_STATUS);
    assert_string_equal(lr_http_resp_error_name(LR_HTTP_RESP_ERR_BODY_SHORT), "body_too_short");
    assert_string_equal(lr_http_resp_error_name(LR_HTTP_RESP_ERR_MAX), "unknown");
}

static void test_big_body_segments(void **state)
{
    (void)state;
    /* 5 MiB announced, delivered in 1460-byte segments. */
    const uint64_t total = 5u << 20;
    char head[128];
    int h = snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\nContent-Length: %llu\r\n\r\n",
                     (unsigned long long)total);
    static uint8_t seg[1460];
    memset(seg, 'b', sizeof(seg));
    struct lr_http_resp p;
    size_t used;
    lr_http_resp_init(&p, false);
    assert_int_equal(lr_http_resp_feed(&p, (const uint8_t *)head, (size_t)h, &used),
                     LR_HTTP_RESP_MORE);
    uint64_t sent = 0;
    enum lr_http_resp_result r = LR_HTTP_RESP_MORE;
    while (r == LR_HTTP_RESP_MORE) {
        r = lr_http_resp_feed(&p, seg, sizeof(seg), &used);
        sent += used;
    }
    assert_int_equal(r, LR_HTTP_RESP_DONE);
    assert_int_equal(sent, total);
    assert_int_equal(p.body_bytes, total);
    assert_int_equal(used, total % sizeof(seg));
}

/* The response lr_http_server.c sends for a 64-byte file: the fast path. */
static void test_server_response(void **state)
{
    (void)state;
    const char *head = "HTTP/1.1 200 OK\r\n"
                       "Date: Sat, 21 Nov 2026 13:20:31 GMT\r\n"
                       "Server: linerate\r\n"
                       "Content-Type: text/plain; charset=utf-8\r\n"
                       "Content-Length: 64\r\n"
                       "Last-Modified: Fri, 20 Nov 2026 09:14:02 GMT\r\n"
                       "ETag: \"40-6917dc3a-1a2b3c\"\r\n"
                       "Accept-Ranges: bytes\r\n"
                       "\r\n";
    char s[512];
    int n = snprintf(s, sizeof(s), "%s%064d", head, 0);
    assert_true(n > 0 && (size_t)n < sizeof(s));
    struct outcome o = ok(s);
    assert_int_equal(o.p.status, 200);
    assert_true(o.p.keep_alive);
    assert_true(o.p.has_length);
    assert_int_equal(o.p.content_length, 64);
    assert_int_equal(o.p.body_bytes, 64);
    assert_int_equal(o.p.head_bytes, strlen(head));
    /* The same with bare LF line ends, and framing names in other cases. */
    o = ok("HTTP/1.1 200 OK\nDate: x\nCONTENT-LENGTH: 2\nconnection: Close\n\nab");
    assert_int_equal(o.p.body_bytes, 2);
    assert_false(o.p.keep_alive);
    o = ok("HTTP/1.1 200 OK\r\ntransfer-ENCODING: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n");
    assert_true(o.p.chunked);
    /* Names that look like the framing ones but are not. */
    o = ok("HTTP/1.1 200 OK\r\nContent-Lengthx: 5\r\nContent-Lengt: 5\r\nXontent-Length: 5\r\n"
           "Connectioo: close\r\nTransfer-Encodinf: chunked\r\nContent-Length: 1\r\n\r\nz");
    assert_int_equal(o.p.content_length, 1);
    assert_true(o.p.keep_alive);
    assert_false(o.p.chunked);
}

/* RFC 9110 §5.6.2 tchar and §5.5 field chars, spelt out independently. */
static bool ref_tchar(unsigned c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c != 0 && strchr("!#$%&'*+-.^_`|~", (int)c) != NULL);
}

static bool ref_field_char(unsigned c)
{
    return c == '\t' || (c >= 0x20 && c <= 0x7e) || c >= 0x80;
}

/* Every byte value at every position of an 8-byte word, in a field name, a
 * field value and the reason phrase: accepted exactly when the RFC allows it. */
static void test_byte_classes(void **state)
{
    (void)state;
    for (unsigned c = 0; c < 256; c++) {
        for (unsigned at = 0; at < 9; at++) {
            char s[128];
            size_t n;
            struct outcome o;
            bool accept;

            /* In a field name ("Nnnnnnnnn" with byte @at replaced). */
            n = (size_t)snprintf(s, sizeof(s),
                                 "HTTP/1.1 200 OK\r\nNnnnnnnnnn: v\r\nContent-Length: 0\r\n\r\n");
            s[17 + at] = (char)c;
            o = parse_all(s, n, false, false);
            if (c == '\n' && at == 0)
                continue; /* the empty line: the rest is a close-delimited body */
            accept = ref_tchar(c) || (c == ':' && at > 0);
            if (accept != (o.r == LR_HTTP_RESP_DONE))
                fail_msg("name byte 0x%02x at %u: %d", c, at, o.r);
            if (!accept)
                assert_int_equal(o.p.error, LR_HTTP_RESP_ERR_BAD_HEADER);

            /* In a field value ("X-A: vvvvvvvvvvvvvvvv"). */
            n = (size_t)snprintf(
                s, sizeof(s),
                "HTTP/1.1 200 OK\r\nX-A: vvvvvvvvvvvvvvvvvv\r\nContent-Length: 0\r\n\r\n");
            s[22 + at] = (char)c;
            o = parse_all(s, n, false, false);
            accept = ref_field_char(c);
            if (accept != (o.r == LR_HTTP_RESP_DONE))
                fail_msg("value byte 0x%02x at %u: %d", c, at, o.r);
            if (!accept)
                assert_int_equal(o.p.error, LR_HTTP_RESP_ERR_BAD_HEADER);

            /* In a Content-Length value after "1 ": kept and interpreted
             * (an LF there starts an obs-fold line of spaces). */
            n = (size_t)snprintf(s, sizeof(s),
                                 "HTTP/1.1 200 OK\r\nContent-Length: 1          \r\n\r\nz");
            s[35 + at] = (char)c;
            o = parse_all(s, n, false, false);
            accept = c == ' ' || c == '\t' || c == ',' || c == '\n';
            if (accept != (o.r == LR_HTTP_RESP_DONE))
                fail_msg("content-length byte 0x%02x at %u: %d", c, at, o.r);

            /* In the reason phrase. */
            n = (size_t)snprintf(s, sizeof(s),
                                 "HTTP/1.1 200 Rrrrrrrrrrrrrrr\r\nContent-Length: 0\r\n\r\n");
            s[13 + at] = (char)c;
            o = parse_all(s, n, false, false);
            accept = ref_field_char(c);
            if (accept != (o.r == LR_HTTP_RESP_DONE))
                fail_msg("reason byte 0x%02x at %u: %d", c, at, o.r);
            if (!accept) /* an LF ends the line: "rrr" is a field line without colon */
                assert_int_equal(o.p.error, c == '\n' ? LR_HTTP_RESP_ERR_BAD_HEADER
                                                      : LR_HTTP_RESP_ERR_BAD_STATUS);
        }
    }
}

/* Invalid heads: each is rejected with the same reason and at the same byte
 * whether it is fed whole (fast path up to the bad line) or in pieces. */
static void test_fallback_errors(void **state)
{
    (void)state;
    const enum lr_http_resp_error h = LR_HTTP_RESP_ERR_BAD_HEADER;
#define OKL "HTTP/1.1 200 OK\r\nServer: a\r\nDate: b\r\n"
    bad(OKL "X@Y: z\r\n\r\n", h, false);    /* bad char in a name */
    bad(OKL "X\x80Y: z\r\n\r\n", h, false); /* obs-text is no tchar */
    bad(OKL "X: a\x7f\r\n\r\n", h, false);  /* DEL in a value */
    bad_n(OKL "X: a\x00z\r\n\r\n", sizeof(OKL "X: a\x00z\r\n\r\n") - 1, h); /* NUL */
    bad(OKL "X: a\rz\r\n\r\n", h, false);                                   /* bare CR in a value */
    bad(OKL "X: a\r\r\n\r\n", h, false);                                    /* CR CR LF */
    bad(OKL "\rX: a\r\n\r\n", h, false); /* bare CR at a line start */
    bad(OKL "X : a\r\n\r\n", h, false);  /* SP before the colon */
    bad(OKL "X\r\n\r\n", h, false);      /* no colon */
    bad(OKL ":\r\n\r\n", h, false);      /* empty name */
    bad(OKL "Content-Length: 1\r\nContent-Length: 2\r\n\r\nx", h, false);
    bad(OKL "Content-Length: 1\r\n 2\r\n\r\nx", h, false); /* obs-fold makes "1 2" */
    bad(OKL "Content-Length: 5\r\nX: y\r\nContent-Length: 6\r\n\r\n", h, false);
    bad(OKL "Transfer-Encoding: chunked\r\nContent-Length: x\r\n\r\n", h, false);
    bad(OKL "Transfer-Encoding: ,\r\n\r\n", h, false);
    bad("HTTP/1.1 200 OK\r\n Folded: first\r\n\r\n", h, false); /* obs-fold first */
    bad("HTTP/1.1 200 OK\r\n\tFolded: first\r\n\r\n", h, false);
    bad("HTTP/1.1 200 OK\rServer: a\r\n\r\n", LR_HTTP_RESP_ERR_BAD_STATUS, false);
    bad("HTTP/1.1 200 OK\x7f\r\n\r\n", LR_HTTP_RESP_ERR_BAD_STATUS, false);
    bad("HTTP/1.1 200OK\r\n\r\n", LR_HTTP_RESP_ERR_BAD_STATUS, false);
    bad("HTTP/1.1 20x OK\r\n\r\n", LR_HTTP_RESP_ERR_BAD_STATUS, false);
#undef OKL
}

/* Valid heads the fast path must hand to the byte machine, or take exactly. */
static void test_fallback_valid(void **state)
{
    (void)state;
    /* obs-fold continuing a framing field (RFC 9112 §5.2: replaced by SP). */
    struct outcome o = ok("HTTP/1.1 200 OK\r\nConnection: keep-alive,\r\n\t close\r\nServer: "
                          "x\r\n  y\r\nContent-Length: 0\r\n\r\n");
    assert_false(o.p.keep_alive);
    o = ok("HTTP/1.1 200 OK\r\nContent-Length: 2,\r\n 2\r\n\r\nab");
    assert_int_equal(o.p.content_length, 2);
    /* HTAB in OWS and values, at each position of a word; trailing OWS. */
    o = ok("HTTP/1.1 200 OK\tx\r\nX:\ta\tb\tc\td\te\tf\tg\th\t\r\nContent-Length:\t\t3\t "
           "\t\r\n\r\nabc");
    assert_int_equal(o.p.content_length, 3);
    /* obs-text in a value and in the reason phrase. */
    ok("HTTP/1.1 200 \xc3\x89t\xc3\xa9\r\nX: \x80\xff\xfe\r\nContent-Length: 0\r\n\r\n");
    /* Interim responses and the final one in one buffer, with trailers. */
    o = ok("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early\r\nLink: a\r\n\r\n"
           "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
           "2\r\nab\r\n0\r\nT-A: 1\r\nT-B: 2\r\n\r\n");
    assert_int_equal(o.p.interim, 2);
    assert_int_equal(o.p.body_bytes, 2);
    assert_true(o.p.chunked);
    /* HTTP/1.0 with Transfer-Encoding: not persistent (RFC 9112 §6.1). */
    o = ok(
        "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
    assert_false(o.p.keep_alive);
    /* A status line without reason, and with an empty one. */
    ok("HTTP/1.1 204\r\nServer: x\r\n\r\n");
    ok("HTTP/1.1 204 \r\nServer: x\r\n\r\n");
}

/* Framing values of exactly LR_HTTP_RESP_VAL_MAX bytes are kept, one more is
 * an error; trailing OWS counts toward the limit as the byte machine does. */
static void test_value_limit(void **state)
{
    (void)state;
    char s[1024];
    for (size_t vlen = LR_HTTP_RESP_VAL_MAX - 2; vlen <= LR_HTTP_RESP_VAL_MAX + 2; vlen++) {
        for (int pad = 0; pad < 2; pad++) {
            /* "Content-Length: 0000...07" + (pad ? trailing spaces) */
            size_t n = (size_t)snprintf(s, sizeof(s), "HTTP/1.1 200 OK\r\nContent-Length: ");
            size_t digits = pad ? 3 : vlen;
            size_t v0 = n;
            if (digits > 18)
                digits = 18;
            memset(s + n, '0', digits - 1);
            n += digits - 1;
            s[n++] = '7';
            while (n - v0 < vlen)
                s[n++] = ' ';
            n += (size_t)snprintf(s + n, sizeof(s) - n, "\r\n\r\nabcdefg");
            if (!pad && vlen > 18)
                continue; /* too many digits: covered by test_bad_header */
            struct outcome o = parse_all(s, n, false, false);
            if (vlen <= LR_HTTP_RESP_VAL_MAX) {
                assert_int_equal(o.r, LR_HTTP_RESP_DONE);
                assert_int_equal(o.p.body_bytes, 7);
            } else {
                assert_int_equal(o.r, LR_HTTP_RESP_ERROR);
                assert_int_equal(o.p.error, LR_HTTP_RESP_ERR_BAD_HEADER);
            }
        }
    }
}

/* Exactly LR_HTTP_RESP_MAX_FIELDS field lines pass, one more does not. */
static void test_field_count(void **state)
{
    (void)state;
    size_t cap = 64 + (LR_HTTP_RESP_MAX_FIELDS + 1) * 8;
    char *s = malloc(cap);
    assert_non_null(s);
    for (unsigned extra = 0; extra < 2; extra++) {
        size_t n = (size_t)snprintf(s, cap, "HTTP/1.1 200 OK\r\n");
        for (unsigned i = 0; i < LR_HTTP_RESP_MAX_FIELDS - 1 + extra; i++)
            n += (size_t)snprintf(s + n, cap - n, "A: b\r\n");
        n += (size_t)snprintf(s + n, cap - n, "Content-Length: 1\r\n\r\nz");
        struct outcome o = parse_all(s, n, false, false);
        if (extra == 0) {
            assert_int_equal(o.r, LR_HTTP_RESP_DONE);
        } else {
            assert_int_equal(o.r, LR_HTTP_RESP_ERROR);
            assert_int_equal(o.p.error, LR_HTTP_RESP_ERR_HEAD_TOO_LARGE);
        }
    }
    free(s);
}

/* xorshift64: deterministic pseudo-random cases. */
static uint64_t rnd_next(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

/*
 * Differential: responses assembled from valid and odd pieces, then mutated
 * (a byte replaced, inserted or deleted); each must give the same outcome fed
 * whole, in two pieces at every offset and byte by byte (parse_all), also
 * with EOF after the last byte.
 */
static void test_random_differential(void **state)
{
    (void)state;
    static const char *const status[] = {
        "HTTP/1.1 200 OK\r\n",
        "HTTP/1.0 200 OK\n",
        "HTTP/1.1 100 Continue\r\n\r\n",
        "HTTP/1.1 204\r\n",
        "HTTP/1.1 301 Moved Permanently\r\n",
        "HTTP/1.1 200 \tx\r\n",
    };
    static const char *const fields[] = {
        "Date: Sat, 21 Nov 2026 13:20:31 GMT\r\n",
        "Server: linerate\r\n",
        "Content-Type: text/plain; charset=utf-8\r\n",
        "Content-Length: 4\r\n",
        "content-length:4 \r\n",
        "Content-Length: 5\r\n",
        "Transfer-Encoding: chunked\r\n",
        "Transfer-Encoding: gzip\r\n",
        "Connection: close\r\n",
        "Connection: keep-alive\n",
        " folded\r\n",
        "\tfolded-too\r\n",
        "X-Obs: \x80\xff\r\n",
        "X-Tab:\t1\t2\t\r\n",
        "ETag: \"40-6917dc3a-1a2b3c\"\r\n",
        "Bad Name: x\r\n",
        "X: \x01\r\n",
        "X: a\rb\r\n",
    };
    static const char *const bodies[] = {
        "", "abcd", "abcde", "4\r\nabcd\r\n0\r\n\r\n", "2;x=1\r\nab\r\n0\r\nT: v\r\n\r\n", "zz\r\n",
    };
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    char s[1024];
    for (unsigned t = 0; t < 1500; t++) {
        size_t n = 0;
        const char *part = status[rnd_next(&x) % 6];
        memcpy(s + n, part, strlen(part));
        n += strlen(part);
        unsigned nf = (unsigned)(rnd_next(&x) % 7);
        for (unsigned f = 0; f < nf; f++) {
            part = fields[rnd_next(&x) % (sizeof(fields) / sizeof(fields[0]))];
            memcpy(s + n, part, strlen(part));
            n += strlen(part);
        }
        s[n++] = '\r';
        s[n++] = '\n';
        part = bodies[rnd_next(&x) % 6];
        memcpy(s + n, part, strlen(part));
        n += strlen(part);
        unsigned muts = (unsigned)(rnd_next(&x) % 3);
        for (unsigned m = 0; m < muts && n > 1; m++) {
            size_t at = (size_t)(rnd_next(&x) % n);
            static const char pick[] = "\r\n\t :,;\"\x7f\x00\x80"
                                       "Aa0";
            uint8_t c = (uint8_t)pick[rnd_next(&x) % (sizeof(pick) - 1)];
            switch (rnd_next(&x) % 3) {
            case 0:
                s[at] = (char)c;
                break;
            case 1:
                memmove(s + at + 1, s + at, n - at);
                s[at] = (char)c;
                n++;
                break;
            default:
                memmove(s + at, s + at + 1, n - at - 1);
                n--;
                break;
            }
        }
        bool head = rnd_next(&x) % 8 == 0;
        parse_all(s, n, head, false);
        parse_all(s, n, head, true);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_content_length),
        cmocka_unit_test(test_persistence),
        cmocka_unit_test(test_chunked),
        cmocka_unit_test(test_until_close),
        cmocka_unit_test(test_no_body),
        cmocka_unit_test(test_interim),
        cmocka_unit_test(test_pipelined_excess),
        cmocka_unit_test(test_bad_status),
        cmocka_unit_test(test_bad_header),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_bad_chunk),
        cmocka_unit_test(test_close_early),
        cmocka_unit_test(test_big_body_segments),
        cmocka_unit_test(test_head_limit_exact),
        cmocka_unit_test(test_server_response),
        cmocka_unit_test(test_byte_classes),
        cmocka_unit_test(test_fallback_errors),
        cmocka_unit_test(test_fallback_valid),
        cmocka_unit_test(test_value_limit),
        cmocka_unit_test(test_field_count),
        cmocka_unit_test(test_random_differential),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
