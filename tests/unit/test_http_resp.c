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

/* Parse @s whole, in two pieces at every offset and byte by byte; assert all agree. */
static struct outcome parse_all(const char *s, size_t len, bool head, bool eof)
{
    struct outcome whole = feed_cuts(s, len, head, NULL, 0, eof);
    for (size_t c = 1; c < len; c++) {
        struct outcome two = feed_cuts(s, len, head, &c, 1, eof);
        assert_int_equal(two.r, whole.r);
        assert_int_equal(two.used, whole.used);
        assert_int_equal(two.p.error, whole.p.error);
        assert_int_equal(two.p.body_bytes, whole.p.body_bytes);
        assert_int_equal(two.p.keep_alive, whole.p.keep_alive);
    }
    size_t *cuts = malloc(sizeof(size_t) * (len ? len : 1));
    assert_non_null(cuts);
    for (size_t c = 1; c < len; c++)
        cuts[c - 1] = c;
    struct outcome bytes = feed_cuts(s, len, head, cuts, len ? (unsigned)(len - 1) : 0, eof);
    free(cuts);
    assert_int_equal(bytes.r, whole.r);
    assert_int_equal(bytes.used, whole.used);
    assert_int_equal(bytes.p.error, whole.p.error);
    assert_int_equal(bytes.p.body_bytes, whole.p.body_bytes);
    return whole;
}

static struct outcome ok(const char *s)
{
    struct outcome o = parse_all(s, strlen(s), false, false);
    assert_int_equal(o.r, LR_HTTP_RESP_DONE);
    assert_int_equal(o.used, strlen(s));
    return o;
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_content_length),    cmocka_unit_test(test_persistence),
        cmocka_unit_test(test_chunked),           cmocka_unit_test(test_until_close),
        cmocka_unit_test(test_no_body),           cmocka_unit_test(test_interim),
        cmocka_unit_test(test_pipelined_excess),  cmocka_unit_test(test_bad_status),
        cmocka_unit_test(test_bad_header),        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_bad_chunk),         cmocka_unit_test(test_close_early),
        cmocka_unit_test(test_big_body_segments), cmocka_unit_test(test_head_limit_exact),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
