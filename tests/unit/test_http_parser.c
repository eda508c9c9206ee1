/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests for lr_http_parser: request heads, limits, errors, chunked, dates, ETags. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lr_http_parser.h"

static const struct lr_http_limits lim = {
    .max_uri_bytes = 256,
    .max_header_bytes = 1024,
    .max_headers = 16,
    .max_body_bytes = 1000,
};

static int parse(const char *s, struct lr_http_request *r)
{
    return lr_http_request_parse((const uint8_t *)s, strlen(s), &lim, r);
}

static void expect_status(const char *s, int want)
{
    struct lr_http_request r;
    int rc = parse(s, &r);
    if (rc != want)
        fail_msg("parse(%s) = %d, want %d", s, rc, want);
}

#define SPAN_EQ(buf, sp, str)                                                                      \
    do {                                                                                           \
        assert_int_equal((sp).len, strlen(str));                                                   \
        assert_memory_equal((buf) + (sp).off, (str), strlen(str));                                 \
    } while (0)

static void test_simple_get(void **state)
{
    (void)state;
    const char *s = "GET /index.html?x=1 HTTP/1.1\r\nHost: example\r\nUser-Agent: t\r\n\r\n";
    struct lr_http_request r;
    assert_int_equal(parse(s, &r), (int)strlen(s));
    assert_int_equal(r.method, LR_HTTP_GET);
    assert_int_equal(r.version_minor, 1);
    assert_true(r.keep_alive);
    SPAN_EQ(s, r.method_tok, "GET");
    SPAN_EQ(s, r.target, "/index.html?x=1");
    SPAN_EQ(s, r.path, "/index.html");
    SPAN_EQ(s, r.query, "x=1");
    SPAN_EQ(s, r.host, "example");
    assert_int_equal(r.nb_headers, 2);
    assert_int_equal(r.range, LR_HTTP_RANGE_NONE);
    assert_false(r.has_content_length);
    assert_false(r.chunked);
}

static void test_incomplete_every_prefix(void **state)
{
    (void)state;
    const char *reqs[] = {
        "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
        "HEAD /x HTTP/1.0\r\n\r\n",
        "GET /a HTTP/1.1\nHost: b\n\n",
        "POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello",
        "GET / HTTP/1.1\r\nHost: a\r\nRange: bytes=1-2\r\nConnection: close\r\n\r\n",
    };
    for (size_t k = 0; k < sizeof(reqs) / sizeof(reqs[0]); k++) {
        const char *s = reqs[k];
        struct lr_http_request full;
        int want = parse(s, &full);
        assert_true(want > 0);
        for (size_t n = 0; n < (size_t)want; n++) {
            struct lr_http_request r;
            int rc = lr_http_request_parse((const uint8_t *)s, n, &lim, &r);
            if (rc != 0)
                fail_msg("req %zu prefix %zu: %d", k, n, rc);
        }
        /* Extra bytes after the head (body, next request) do not change the result. */
        char buf[512];
        snprintf(buf, sizeof(buf), "%sGET / HTTP/1.1\r\n", s);
        struct lr_http_request r2;
        assert_int_equal(parse(buf, &r2), want);
        assert_int_equal(r2.method, full.method);
    }
}

static void test_pipelined(void **state)
{
    (void)state;
    const char *s = "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n";
    struct lr_http_request r;
    int n = parse(s, &r);
    assert_int_equal(n, 28);
    SPAN_EQ(s, r.path, "/a");
    n = lr_http_request_parse((const uint8_t *)s + n, strlen(s) - (size_t)n, &lim, &r);
    assert_int_equal(n, 28);
    SPAN_EQ(s + 28, r.path, "/b");
}

static void test_methods(void **state)
{
    (void)state;
    struct lr_http_request r;
    static const struct {
        const char *tok;
        enum lr_http_method m;
    } t[] = {
        { "GET", LR_HTTP_GET },     { "HEAD", LR_HTTP_HEAD },       { "POST", LR_HTTP_POST },
        { "PUT", LR_HTTP_PUT },     { "DELETE", LR_HTTP_DELETE },   { "PATCH", LR_HTTP_PATCH },
        { "TRACE", LR_HTTP_TRACE }, { "OPTIONS", LR_HTTP_OPTIONS }, { "BREW", LR_HTTP_OTHER },
        { "get", LR_HTTP_OTHER },   { "GETX", LR_HTTP_OTHER },      { "X-Y!", LR_HTTP_OTHER },
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        char buf[128];
        snprintf(buf, sizeof(buf), "%s / HTTP/1.1\r\nHost: a\r\n\r\n", t[i].tok);
        assert_true(parse(buf, &r) > 0);
        assert_int_equal(r.method, t[i].m);
        if (t[i].m != LR_HTTP_OTHER)
            assert_string_equal(lr_http_method_name(t[i].m), t[i].tok);
    }
    assert_string_equal(lr_http_method_name(LR_HTTP_OTHER), "");
    assert_string_equal(lr_http_method_name((enum lr_http_method)99), "");
    /* Not a token. */
    expect_status("G(T / HTTP/1.1\r\nHost: a\r\n\r\n", -400);
    expect_status(" GET / HTTP/1.1\r\nHost: a\r\n\r\n", -400);
}

static void test_request_line_errors(void **state)
{
    (void)state;
    expect_status("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", -400);
    expect_status("GET / HTTP/1.1 \r\nHost: a\r\n\r\n", -400);
    expect_status("GET /\r\n\r\n", -400); /* HTTP/0.9 */
    expect_status("GET / HTTP/1\r\nHost: a\r\n\r\n", -400);
    expect_status("GET / http/1.1\r\nHost: a\r\n\r\n", -400);
    expect_status("GET / HTTP/1.1x\r\nHost: a\r\n\r\n", -400);
    expect_status("GET / HTTP/2.0\r\nHost: a\r\n\r\n", -505);
    expect_status("GET / HTTP/0.9\r\nHost: a\r\n\r\n", -505);
    expect_status("GET / HTTP/3.0\r\n\r\n", -505);
    expect_status("GET /a#frag HTTP/1.1\r\nHost: a\r\n\r\n", -400);
    expect_status("GET /a\x01 HTTP/1.1\r\nHost: a\r\n\r\n", -400);
    expect_status("GET /\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n", -400);
    expect_status("GET * HTTP/1.1\r\nHost: a\r\n\r\n", -400);
    expect_status("GET example.com:80 HTTP/1.1\r\nHost: a\r\n\r\n", -400);
    expect_status("GET http:// HTTP/1.1\r\nHost: a\r\n\r\n", -400);
    expect_status("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", -400); /* TLS hello */
    expect_status("GET / HTTP/1.1\rHost: a\r\n\r\n", -400);              /* bare CR */
    expect_status("\r\r\n", -400);
    expect_status("\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", -400); /* too many */
    /* HTTP/1.2 is processed as 1.1 (RFC 9110 §2.5). */
    struct lr_http_request r;
    assert_true(parse("GET / HTTP/1.2\r\nHost: a\r\n\r\n", &r) > 0);
    assert_int_equal(r.version_minor, 1);
    /* One leading empty line is skipped. */
    assert_int_equal(parse("\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", &r), 29);
}

static void test_target_forms(void **state)
{
    (void)state;
    struct lr_http_request r;
    const char *s = "GET http://Example.com:8080/a/b?q HTTP/1.1\r\nHost: other\r\n\r\n";
    assert_true(parse(s, &r) > 0);
    assert_true(r.absolute);
    SPAN_EQ(s, r.host, "Example.com:8080");
    SPAN_EQ(s, r.path, "/a/b");
    SPAN_EQ(s, r.query, "q");
    s = "GET http://h HTTP/1.1\r\nHost: h\r\n\r\n";
    assert_true(parse(s, &r) > 0);
    assert_int_equal(r.path.len, 0);
    SPAN_EQ(s, r.host, "h");
    s = "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n";
    assert_true(parse(s, &r) > 0);
    assert_true(r.asterisk);
    assert_int_equal(r.method, LR_HTTP_OPTIONS);
    s = "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com\r\n\r\n";
    assert_true(parse(s, &r) > 0);
    assert_int_equal(r.method, LR_HTTP_CONNECT);
    s = "GET /p? HTTP/1.1\r\nHost: h\r\n\r\n";
    assert_true(parse(s, &r) > 0);
    SPAN_EQ(s, r.path, "/p");
    assert_int_equal(r.query.len, 0);
}

static void test_host_rules(void **state)
{
    (void)state;
    expect_status("GET / HTTP/1.1\r\n\r\n", -400);
    expect_status("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", -400);
    expect_status("GET / HTTP/1.1\r\nhOST: a\r\nhost: b\r\n\r\n", -400);
    /* 1.0 needs no Host. */
    struct lr_http_request r;
    assert_true(parse("GET / HTTP/1.0\r\n\r\n", &r) > 0);
    assert_false(r.has_host);
    assert_false(r.keep_alive);
    /* Empty Host is allowed (RFC 9112 §3.2). */
    assert_true(parse("GET / HTTP/1.1\r\nHost:\r\n\r\n", &r) > 0);
    assert_true(r.has_host);
    assert_int_equal(r.host.len, 0);
}

static void test_header_syntax(void **state)
{
    (void)state;
    struct lr_http_request r;
    expect_status("GET / HTTP/1.1\r\nHost : a\r\n\r\n", -400); /* space before colon */
    expect_status("GET / HTTP/1.1\r\nHost\t: a\r\n\r\n", -400);
    expect_status("GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n c\r\n\r\n", -400); /* obs-fold */
    expect_status("GET / HTTP/1.1\r\n Host: a\r\n\r\n", -400);
    expect_status("GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", -400);
    expect_status("GET / HTTP/1.1\r\nHost: a\r\n: v\r\n\r\n", -400);
    expect_status("GET / HTTP/1.1\r\nHost: a\r\nX(: v\r\n\r\n", -400);
    expect_status("GET / HTTP/1.1\r\nHost: a\r\nX: a\x01b\r\n\r\n", -400);
    expect_status("GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n", -400);
    const char nul[] = "GET / HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n";
    assert_int_equal(lr_http_request_parse((const uint8_t *)nul, sizeof(nul) - 1, &lim, &r), -400);
    /* OWS trimmed; obs-text allowed in values; empty values fine. */
    const char *s = "GET / HTTP/1.1\r\nHost: \t h1 \t\r\nX-A:\r\nX-B: caf\xc3\xa9\r\n\r\n";
    assert_true(parse(s, &r) > 0);
    SPAN_EQ(s, r.host, "h1");
    assert_int_equal(r.nb_headers, 3);
}

static void test_limits(void **state)
{
    (void)state;
    char buf[4096];
    struct lr_http_request r;
    /* Request line exactly at the limit passes, one more byte is 414. */
    size_t fixed = strlen("GET  HTTP/1.1");
    memset(buf, 0, sizeof(buf));
    strcpy(buf, "GET /");
    memset(buf + 5, 'a', lim.max_uri_bytes - fixed - 1);
    strcat(buf, " HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_true(parse(buf, &r) > 0);
    strcpy(buf, "GET /");
    memset(buf + 5, 'a', lim.max_uri_bytes - fixed);
    buf[5 + lim.max_uri_bytes - fixed] = '\0';
    strcat(buf, " HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_int_equal(parse(buf, &r), -414);
    /* 414 without waiting for the line end. */
    strcpy(buf, "GET /");
    memset(buf + 5, 'a', 600);
    buf[605] = '\0';
    assert_int_equal(parse(buf, &r), -414);
    /* Too many headers. */
    strcpy(buf, "GET / HTTP/1.1\r\nHost: a\r\n");
    for (unsigned i = 0; i < lim.max_headers - 1; i++)
        strcat(buf, "X: y\r\n");
    strcat(buf, "\r\n");
    assert_true(parse(buf, &r) > 0);
    buf[strlen(buf) - 2] = '\0';
    strcat(buf, "X: y\r\n\r\n");
    assert_int_equal(parse(buf, &r), -431);
    /* Header section too large (one big field, complete or not). */
    strcpy(buf, "GET / HTTP/1.1\r\nHost: a\r\nX: ");
    size_t l = strlen(buf);
    memset(buf + l, 'v', 1100);
    buf[l + 1100] = '\0';
    assert_int_equal(parse(buf, &r), -431);
    strcat(buf, "\r\n\r\n");
    assert_int_equal(parse(buf, &r), -431);
    /* Many small fields over max_header_bytes (with a large count limit). */
    struct lr_http_limits big = lim;
    big.max_headers = 1000;
    strcpy(buf, "GET / HTTP/1.1\r\nHost: a\r\n");
    while (strlen(buf) < 1200)
        strcat(buf, "X-Some-Header: v\r\n");
    strcat(buf, "\r\n");
    assert_int_equal(lr_http_request_parse((const uint8_t *)buf, strlen(buf), &big, &r), -431);
    /* Header section just within the limit. */
    strcpy(buf, "GET / HTTP/1.1\r\n");
    size_t hs = strlen(buf);
    strcat(buf, "Host: a\r\nX: ");
    l = strlen(buf);
    size_t fill = lim.max_header_bytes - (l - hs) - 2;
    memset(buf + l, 'v', fill);
    buf[l + fill] = '\0';
    strcat(buf, "\r\n\r\n");
    assert_true(parse(buf, &r) > 0);
}

static void test_content_length(void **state)
{
    (void)state;
    struct lr_http_request r;
    assert_true(parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 42\r\n\r\n", &r) > 0);
    assert_true(r.has_content_length);
    assert_int_equal(r.content_length, 42);
    assert_true(parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 7, 7\r\n"
                      "content-length: 7\r\n\r\n",
                      &r) > 0);
    assert_int_equal(r.content_length, 7);
    expect_status("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 7\r\nContent-Length: 8\r\n\r\n",
                  -400);
    expect_status("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 7, 8\r\n\r\n", -400);
    expect_status("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", -400);
    expect_status("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n", -400);
    expect_status("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x10\r\n\r\n", -400);
    expect_status("POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", -400);
    expect_status("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 2\r\n\r\n", -400);
    expect_status("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n",
                  -400);
    expect_status("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1001\r\n\r\n", -413);
    assert_true(parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\n", &r) > 0);
}

static void test_transfer_encoding(void **state)
{
    (void)state;
    struct lr_http_request r;
    assert_true(parse("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n", &r) > 0);
    assert_true(r.chunked);
    expect_status("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", -501);
    expect_status("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", -501);
    expect_status("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n",
                  -501);
    expect_status("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
                  "Content-Length: 5\r\n\r\n",
                  -400);
    expect_status("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n",
                  -400);
    expect_status("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", -400);
}

static void test_connection(void **state)
{
    (void)state;
    struct lr_http_request r;
    assert_true(parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", &r) > 0);
    assert_false(r.keep_alive);
    assert_true(parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: foo, CLOSE \r\n\r\n", &r) > 0);
    assert_false(r.keep_alive);
    assert_true(parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\n\r\n", &r) > 0);
    assert_true(r.keep_alive);
    assert_true(parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", &r) > 0);
    assert_true(r.keep_alive);
    assert_true(parse("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n", &r) > 0);
    assert_false(r.keep_alive);
    assert_true(parse("GET / HTTP/1.0\r\n\r\n", &r) > 0);
    assert_false(r.keep_alive);
}

static void test_range(void **state)
{
    (void)state;
    struct lr_http_request r;
    assert_true(parse("GET / HTTP/1.1\r\nHost: a\r\nRange: bytes=10-20\r\n\r\n", &r) > 0);
    assert_int_equal(r.range, LR_HTTP_RANGE_FROM_TO);
    assert_int_equal(r.range_first, 10);
    assert_int_equal(r.range_last, 20);
    assert_true(parse("GET / HTTP/1.1\r\nHost: a\r\nRange: bytes=5-\r\n\r\n", &r) > 0);
    assert_int_equal(r.range, LR_HTTP_RANGE_FROM);
    assert_int_equal(r.range_first, 5);
    assert_true(parse("GET / HTTP/1.1\r\nHost: a\r\nRange: bytes=-300\r\n\r\n", &r) > 0);
    assert_int_equal(r.range, LR_HTTP_RANGE_SUFFIX);
    assert_int_equal(r.range_first, 300);
    assert_true(parse("GET / HTTP/1.1\r\nHost: a\r\nRange: Bytes = 0-0\r\n\r\n", &r) > 0);
    assert_int_equal(r.range, LR_HTTP_RANGE_FROM_TO);
    assert_true(parse("GET / HTTP/1.1\r\nHost: a\r\nRange: bytes=0-1,5-6\r\n\r\n", &r) > 0);
    assert_int_equal(r.range, LR_HTTP_RANGE_MULTI);
    /* Range is a singleton (RFC 9110 §5.3, §14.2): two field lines are malformed. */
    assert_int_equal(
        parse("GET / HTTP/1.1\r\nHost: a\r\nRange: bytes=0-1\r\nRange: bytes=5-6\r\n\r\n", &r),
        -400);
    assert_int_equal(
        parse("GET / HTTP/1.1\r\nHost: a\r\nrange: bytes=0-1\r\nX: y\r\nRANGE: x\r\n\r\n", &r),
        -400);
    const char *ignored[] = { "bytes=20-10",
                              "bytes=a-b",
                              "items=0-1",
                              "bytes=-",
                              "bytes",
                              "bytes=1-2-3",
                              "bytes=99999999999999999999999-" };
    for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++) {
        char buf[128];
        snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\nHost: a\r\nRange: %s\r\n\r\n", ignored[i]);
        assert_true(parse(buf, &r) > 0);
        if (r.range != LR_HTTP_RANGE_NONE)
            fail_msg("Range: %s not ignored", ignored[i]);
    }
}

static void test_conditionals(void **state)
{
    (void)state;
    struct lr_http_request r;
    const char *s =
        "GET / HTTP/1.1\r\nHost: a\r\nIf-None-Match: \"x\", W/\"y\"\r\n"
        "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\nExpect: 100-continue\r\n\r\n";
    assert_true(parse(s, &r) > 0);
    assert_true(r.has_if_none_match);
    SPAN_EQ(s, r.if_none_match, "\"x\", W/\"y\"");
    assert_true(r.has_if_modified_since);
    assert_int_equal(r.if_modified_since, 784111777);
    assert_true(r.expect_continue);
    assert_false(r.has_if_range);
    assert_true(
        parse("GET / HTTP/1.1\r\nHost: a\r\nIf-Range: \"x\"\r\nRange: bytes=0-1\r\n\r\n", &r) > 0);
    assert_true(r.has_if_range);
    assert_int_equal(r.range, LR_HTTP_RANGE_FROM_TO);
    /* Bad date ignored. */
    assert_true(parse("GET / HTTP/1.1\r\nHost: a\r\nIf-Modified-Since: yesterday\r\n\r\n", &r) > 0);
    assert_false(r.has_if_modified_since);
}

static void test_dates(void **state)
{
    (void)state;
    time_t t;
    const char *forms[] = { "Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT",
                            "Sun Nov  6 08:49:37 1994" };
    for (size_t i = 0; i < 3; i++) {
        t = 0;
        assert_int_equal(lr_http_date_parse(forms[i], strlen(forms[i]), &t), 0);
        assert_int_equal(t, 784111777);
    }
    char out[32];
    assert_int_equal(lr_http_date_format(784111777, out), 29);
    assert_string_equal(out, "Sun, 06 Nov 1994 08:49:37 GMT");
    assert_int_equal(lr_http_date_format(0, out), 29);
    assert_string_equal(out, "Thu, 01 Jan 1970 00:00:00 GMT");
    lr_http_date_format(951782400, out); /* leap day 2000 */
    assert_string_equal(out, "Tue, 29 Feb 2000 00:00:00 GMT");
    assert_int_equal(lr_http_date_parse(out, 29, &t), 0);
    assert_int_equal(t, 951782400);
    /* Round trip over a range of times. */
    for (time_t x = 0; x < 4102444800; x += 86399 * 37) {
        lr_http_date_format(x, out);
        assert_int_equal(lr_http_date_parse(out, 29, &t), 0);
        assert_int_equal(t, x);
    }
    const char *bad[] = { "Sun, 06 Nov 1994 08:49:37 UTC",
                          "Sun, 31 Nov 1994 08:49:37 GMT",
                          "Sun, 29 Feb 1900 08:49:37 GMT",
                          "Sun, 06 Nov 1994 24:49:37 GMT",
                          "Sun, 06 Xyz 1994 08:49:37 GMT",
                          "Abc, 06 Nov 1994 08:49:37 GMT",
                          "Sunday, 06-Nov-94 08:49:37 UTC",
                          "Sun Nov  6 08:49:37 19x4",
                          "",
                          "Sun, 06 Nov 1994 08:49:3" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (lr_http_date_parse(bad[i], strlen(bad[i]), &t) == 0)
            fail_msg("date '%s' accepted", bad[i]);
}

static void test_etag_match(void **state)
{
    (void)state;
    const char *tag = "\"abc-1\"";
    size_t tl = strlen(tag);
#define M(list) lr_http_etag_match(list, strlen(list), tag, tl)
    assert_true(M("\"abc-1\""));
    assert_true(M("*"));
    assert_true(M(" * "));
    assert_true(M("W/\"abc-1\""));
    assert_true(M("\"x\", \"abc-1\""));
    assert_true(M("\"x\",W/\"abc-1\" "));
    assert_false(M("\"abc-2\""));
    assert_false(M("abc-1"));
    assert_false(M("\"abc-1"));
    assert_false(M(""));
    assert_false(M("*, \"x\""));
    assert_false(M("\"abc-10\""));
#undef M
}

static void feed_all(const char *body, int want, uint64_t want_total, size_t want_consumed)
{
    /* In one piece. */
    struct lr_http_chunked c = { 0 };
    size_t used = 0;
    int rc = lr_http_chunked_feed(&c, (const uint8_t *)body, strlen(body), &used, 1000);
    if (rc != want)
        fail_msg("chunked '%s' = %d want %d", body, rc, want);
    if (want == 1) {
        assert_int_equal(c.total, want_total);
        assert_int_equal(used, want_consumed);
    }
    /* Byte by byte: same outcome. */
    struct lr_http_chunked c2 = { 0 };
    int rc2 = 0;
    size_t i;
    for (i = 0; i < strlen(body) && rc2 == 0; i++) {
        rc2 = lr_http_chunked_feed(&c2, (const uint8_t *)body + i, 1, &used, 1000);
        if (rc2 == 1)
            assert_int_equal(used, 1);
    }
    assert_int_equal(rc2, want);
    if (want == 1) {
        assert_int_equal(i, want_consumed);
        assert_int_equal(c2.total, want_total);
    }
}

static void test_chunked(void **state)
{
    (void)state;
    const char *b1 = "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n";
    feed_all(b1, 1, 11, strlen(b1));
    const char *b2 = "A\r\n0123456789\r\n0\r\nTrailer: x\r\nT2: y\r\n\r\nGET /next";
    feed_all(b2, 1, 10, strlen(b2) - strlen("GET /next"));
    feed_all("0\n\n", 1, 0, 3);
    feed_all("3\nabc\n0\n\n", 1, 3, 9);
    feed_all("5\r\nhel", 0, 0, 0);
    feed_all("x\r\n", -400, 0, 0);
    feed_all("\r\n", -400, 0, 0);
    feed_all("5\r\nhelloXX", -400, 0, 0);
    feed_all("5\r\nhello\rX", -400, 0, 0);
    feed_all("5x\r\n", -400, 0, 0);
    feed_all("3e9\r\n", -413, 0, 0);
    feed_all("ffffffffffffffffff\r\n", -413, 0, 0);
    feed_all("1f4\r\n", 0, 0, 0); /* 500: fine */
    feed_all("5;\x01\r\n", -400, 0, 0);
    /* Total across chunks limited. */
    char big[2100];
    strcpy(big, "1f4\r\n");
    memset(big + 5, 'a', 500);
    strcpy(big + 505, "\r\n1f4\r\n");
    memset(big + 512, 'a', 500);
    strcpy(big + 1012, "\r\n1\r\n");
    feed_all(big, -413, 0, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple_get),
        cmocka_unit_test(test_incomplete_every_prefix),
        cmocka_unit_test(test_pipelined),
        cmocka_unit_test(test_methods),
        cmocka_unit_test(test_request_line_errors),
        cmocka_unit_test(test_target_forms),
        cmocka_unit_test(test_host_rules),
        cmocka_unit_test(test_header_syntax),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_content_length),
        cmocka_unit_test(test_transfer_encoding),
        cmocka_unit_test(test_connection),
        cmocka_unit_test(test_range),
        cmocka_unit_test(test_conditionals),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_etag_match),
        cmocka_unit_test(test_chunked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
