/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the incremental HTTP/1.1 response parser (lr_http_resp).
 *
 * Input: byte 0 selects HEAD (bit 0) and a split pattern (other bits); the
 * rest is the byte stream from the server.
 * Invariants checked (abort on violation):
 *  - the result, bytes used, error and every result field (status, version,
 *    framing, content length, body and head byte counts, persistence,
 *    interim count) are identical whether the stream is fed whole (complete
 *    lines take the parser's fast path), byte by byte (the byte machine), or
 *    in pieces cut by the split pattern (both, resuming in each other);
 *  - MORE uses every byte; DONE/ERROR never use more than given;
 *  - DONE gives a final status 200..599, at most as many body bytes as the
 *    input holds, no body for HEAD/204/304, and a close-delimited body never
 *    claims keep-alive;
 *  - ERROR names a real reason; EOF after MORE is DONE or ERROR, never MORE,
 *    and only a close-delimited body may end DONE there.
 *
 * fuzz-sources: lib/proto/lr_http_resp.c
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lr_http_resp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "invariant failed: %s (%s:%d)\n", #c, __FILE__, __LINE__);             \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

struct run {
    enum lr_http_resp_result r;
    enum lr_http_resp_result eof; /* result of EOF after MORE (else r) */
    size_t used;
    struct lr_http_resp p;
};

/* Feed @buf in pieces of lengths drawn from @pattern (0 = whole). */
static void feed(struct run *o, const uint8_t *buf, size_t len, bool head, unsigned pattern)
{
    size_t off = 0;
    unsigned k = 0;
    lr_http_resp_init(&o->p, head);
    o->r = LR_HTTP_RESP_MORE;
    o->used = 0;
    while (off < len && o->r == LR_HTTP_RESP_MORE) {
        size_t piece = len - off;
        if (pattern == 1)
            piece = 1;
        else if (pattern > 1)
            piece = 1 + ((pattern >> (k++ % 5)) % 13);
        if (piece > len - off)
            piece = len - off;
        size_t u = 0;
        o->r = lr_http_resp_feed(&o->p, buf + off, piece, &u);
        CHECK(u <= piece);
        if (o->r == LR_HTTP_RESP_MORE)
            CHECK(u == piece);
        o->used += u;
        off += piece;
    }
    o->eof = o->r;
    if (o->r == LR_HTTP_RESP_MORE) {
        bool close_delimited = o->p.until_close;
        o->eof = lr_http_resp_eof(&o->p);
        CHECK(o->eof != LR_HTTP_RESP_MORE);
        if (o->eof == LR_HTTP_RESP_DONE)
            CHECK(close_delimited && !o->p.keep_alive);
    }
}

static void same(const struct run *a, const struct run *b)
{
    CHECK(a->r == b->r);
    CHECK(a->eof == b->eof);
    CHECK(a->used == b->used);
    CHECK(a->p.error == b->p.error);
    /* Every result field, whatever the outcome: the line-at-a-time fast
     * path (whole feed) must leave the parser as the byte machine does. */
    CHECK(a->p.status == b->p.status);
    CHECK(a->p.minor == b->p.minor);
    CHECK(a->p.body_bytes == b->p.body_bytes);
    CHECK(a->p.keep_alive == b->p.keep_alive);
    CHECK(a->p.chunked == b->p.chunked);
    CHECK(a->p.has_length == b->p.has_length);
    CHECK(a->p.until_close == b->p.until_close);
    CHECK(a->p.content_length == b->p.content_length);
    CHECK(a->p.head_bytes == b->p.head_bytes);
    CHECK(a->p.interim == b->p.interim);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    bool head = data[0] & 1;
    unsigned pattern = 2 + (data[0] >> 1);
    const uint8_t *buf = data + 1;
    size_t len = size - 1;
    static struct run whole, bytes, split;

    feed(&whole, buf, len, head, 0);
    feed(&bytes, buf, len, head, 1);
    feed(&split, buf, len, head, pattern);
    same(&whole, &bytes);
    same(&whole, &split);

    CHECK(whole.used <= len);
    if (whole.eof == LR_HTTP_RESP_DONE) {
        CHECK(whole.p.status >= 200 && whole.p.status <= 599);
        CHECK(whole.p.body_bytes <= len);
        if (head || whole.p.status == 204 || whole.p.status == 304)
            CHECK(whole.p.body_bytes == 0);
        if (whole.p.until_close)
            CHECK(!whole.p.keep_alive);
    } else {
        CHECK(whole.p.error > LR_HTTP_RESP_ERR_NONE && whole.p.error < LR_HTTP_RESP_ERR_MAX);
        CHECK(strcmp(lr_http_resp_error_name(whole.p.error), "unknown") != 0);
    }
    return 0;
}
