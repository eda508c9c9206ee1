/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the HTTP request parser, the chunked decoder, request
 * path normalisation and HTTP-date parsing.
 *
 * Invariants checked (abort on violation):
 *  - the result is 0, a head length within the input, or one of the
 *    statuses the parser documents;
 *  - feeding the input byte by byte (re-parsing the growing prefix as the
 *    server does) first returns non-zero with the same result as parsing the
 *    whole input at once, and the same head length;
 *  - every span of a parsed request lies inside the head;
 *  - the chunked decoder gives the same outcome, byte count and consumed
 *    length in one piece and byte by byte;
 *  - a normalised path is absolute, has no "//", "/./" or "/../", and is a
 *    fixed point of normalisation;
 *  - a parsed HTTP-date formats and re-parses to the same time.
 *
 * fuzz-sources: lib/proto/lr_http_parser.c lib/proto/lr_path.c
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lr_http_parser.h"
#include "lr_path.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "invariant failed: %s (%s:%d)\n", #c, __FILE__, __LINE__);             \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static const struct lr_http_limits lim_small = {
    .max_uri_bytes = 64,
    .max_header_bytes = 256,
    .max_headers = 8,
    .max_body_bytes = 1000,
};

static const struct lr_http_limits lim_default = {
    .max_uri_bytes = 2048,
    .max_header_bytes = 8192,
    .max_headers = 64,
    .max_body_bytes = 1 << 20,
};

static int status_ok(int rc)
{
    return rc == 0 || rc == -400 || rc == -413 || rc == -414 || rc == -431 || rc == -501 ||
           rc == -505 || rc > 0;
}

static void span_in(struct lr_http_span s, uint32_t head)
{
    CHECK((uint64_t)s.off + s.len <= head);
}

static void check_chunked(const uint8_t *b, size_t n, uint64_t max_body)
{
    struct lr_http_chunked c1 = { 0 }, c2 = { 0 };
    size_t used1 = 0, used2 = 0, i;
    int r1 = lr_http_chunked_feed(&c1, b, n, &used1, max_body);
    int r2 = 0;
    CHECK(r1 == 0 || r1 == 1 || r1 == -400 || r1 == -413);
    CHECK(used1 <= n);
    for (i = 0; i < n && r2 == 0; i++) {
        size_t u = 0;
        r2 = lr_http_chunked_feed(&c2, b + i, 1, &u, max_body);
        CHECK(u <= 1);
        used2 += u;
    }
    CHECK(r1 == r2);
    if (r1 == 1) {
        CHECK(used1 == used2);
        CHECK(c1.total == c2.total);
        CHECK(c1.total <= max_body);
    }
}

static void check_path(const uint8_t *p, size_t n)
{
    char out[512], again[512];
    int rc = lr_path_normalize((const char *)p, n, out, sizeof(out), LR_PATH_DECODE);
    if (rc < 0)
        return;
    CHECK(out[0] == '/');
    CHECK((size_t)rc == strlen(out));
    CHECK(strstr(out, "//") == NULL);
    CHECK(strstr(out, "/./") == NULL);
    CHECK(strstr(out, "/../") == NULL);
    CHECK(strchr(out, '\\') == NULL);
    size_t l = strlen(out);
    CHECK(!(l >= 3 && strcmp(out + l - 3, "/..") == 0));
    CHECK(!(l >= 2 && strcmp(out + l - 2, "/.") == 0));
    int rc2 = lr_path_normalize(out, (size_t)rc, again, sizeof(again), 0);
    CHECK(rc2 == rc);
    CHECK(strcmp(out, again) == 0);
}

static void check_request(const uint8_t *data, size_t size, const struct lr_http_limits *lim)
{
    struct lr_http_request r;
    int full = lr_http_request_parse(data, size, lim, &r);
    CHECK(status_ok(full));
    if (full > 0) {
        CHECK((size_t)full <= size);
        CHECK(r.head_len == (uint32_t)full);
        span_in(r.method_tok, r.head_len);
        span_in(r.target, r.head_len);
        span_in(r.path, r.head_len);
        span_in(r.query, r.head_len);
        span_in(r.host, r.head_len);
        span_in(r.if_none_match, r.head_len);
        CHECK(r.version_minor <= 1);
        CHECK(r.nb_headers <= lim->max_headers);
        CHECK(!(r.chunked && r.has_content_length));
        CHECK(!r.has_content_length || r.content_length <= lim->max_body_bytes);
        CHECK(!r.keep_alive || !r.conn_close);
        check_path(data + r.path.off, r.path.len);
        if (r.has_if_none_match)
            (void)lr_http_etag_match((const char *)data + r.if_none_match.off, r.if_none_match.len,
                                     "\"a-b-c\"", 7);
        if (r.chunked)
            check_chunked(data + full, size - (size_t)full, lim->max_body_bytes);
    }

    /* Byte by byte, as the server accumulates a split request. */
    if (size > 4096)
        return;
    int inc = 0;
    size_t n;
    for (n = 0; n <= size; n++) {
        struct lr_http_request ri;
        inc = lr_http_request_parse(data, n, lim, &ri);
        if (inc != 0)
            break;
    }
    CHECK(inc == full);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_request(data, size, &lim_small);
    check_request(data, size, &lim_default);

    /* The raw input as a chunked body, a path and a date. */
    check_chunked(data, size, 1000);
    check_path(data, size);
    time_t t, t2;
    if (lr_http_date_parse((const char *)data, size, &t) == 0) {
        char out[32];
        CHECK(lr_http_date_format(t, out) == 29);
        CHECK(lr_http_date_parse(out, 29, &t2) == 0);
        CHECK(t == t2);
    }
    return 0;
}
