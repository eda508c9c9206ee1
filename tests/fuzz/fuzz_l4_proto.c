/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the l4 service's stream parser, lr_l4_req_feed()
 * (lib/proto/lr_l4_proto.h), fed an arbitrary byte stream cut where the
 * input says.
 *
 * Input: byte 0 = k, then k cut lengths (each byte + 1), then the stream.
 * The stream is fed in pieces of those lengths in turn (the rest in one
 * piece once they run out), each piece in a buffer of exactly its size so
 * that a read past it is caught by ASan; then again in one piece and byte by
 * byte.
 *
 * Invariants checked (abort on violation):
 *  - *used <= n; LR_L4_MORE uses all of the piece and counts it in r->got;
 *  - LR_L4_DONE only with a valid header (lr_l4_hdr_read() of r->hdr
 *    succeeds and agrees with r->h), after exactly req_len bytes of the
 *    request, and with corrupt counting no more than its payload bytes;
 *  - LR_L4_BAD only once a whole header is in and lr_l4_hdr_read() refuses
 *    it, and only at the first byte past that header; nothing is fed after it;
 *  - without LR_L4_BAD every input byte is consumed;
 *  - the three feeds see the same requests (end offset, header, corrupt
 *    count) and the same end (BAD at the same offset, or a partial request
 *    of the same length).
 *
 * fuzz-sources: lib/proto/lr_l4_proto.c
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lr_l4_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MIN(a, b) ((a) < (b) ? (a) : (b))

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "invariant failed: %s (%s:%d)\n", #c, __FILE__, __LINE__);             \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

struct l4_event {
    size_t end; /* stream offset just past the request */
    uint8_t hdr[LR_L4_HDR_LEN];
    uint64_t corrupt; /* payload bytes of this request that were not the pattern */
};

struct l4_run {
    struct l4_event *ev;
    size_t nb_ev;
    bool bad;
    size_t bad_at;    /* stream offset of the end of the bad header */
    size_t consumed;  /* bytes the parser took */
    uint32_t partial; /* bytes of an unfinished request at the end */
};

/* Feed stream[0..len) in pieces: cut lengths cuts[i] + 1 in turn (ncuts 0:
 * all at once; byte == true: one byte at a time). */
static void l4_run_feed(struct l4_run *run, const uint8_t *stream, size_t len, const uint8_t *cuts,
                        size_t ncuts, bool byte)
{
    struct lr_l4_req r;
    size_t pos = 0, ci = 0, req_start = 0;
    uint64_t corrupt_start = 0;

    lr_l4_req_init(&r);
    run->nb_ev = 0;
    run->bad = false;
    run->bad_at = 0;
    run->consumed = 0;
    run->partial = 0;
    while (pos < len) {
        size_t n = len - pos;
        if (byte)
            n = 1;
        else if (ci < ncuts) {
            size_t cut = (size_t)cuts[ci++] + 1;
            n = MIN(cut, n);
        }
        /* the piece in its own buffer: no slack to read past */
        uint8_t *piece = malloc(n);
        CHECK(piece != NULL);
        memcpy(piece, stream + pos, n);
        size_t off = 0;
        while (off < n) {
            size_t used = SIZE_MAX;
            uint32_t got_before = r.got;
            enum lr_l4_feed rc = lr_l4_req_feed(&r, piece + off, n - off, &used);
            CHECK(used <= n - off);
            if (rc == LR_L4_MORE) {
                CHECK(used == n - off);
                CHECK(r.got == got_before + used);
            } else if (rc == LR_L4_DONE) {
                struct lr_l4_hdr h;
                CHECK(lr_l4_hdr_read(r.hdr, &h) == 0);
                CHECK(h.flags == r.h.flags && h.seq == r.h.seq && h.req_len == r.h.req_len &&
                      h.resp_len == r.h.resp_len);
                CHECK(r.got == 0);
                size_t end = pos + off + used;
                CHECK(end - req_start == h.req_len);
                uint64_t c = r.corrupt - corrupt_start;
                CHECK(c <= h.req_len - LR_L4_HDR_LEN);
                struct l4_event *e = &run->ev[run->nb_ev++];
                e->end = end;
                memcpy(e->hdr, r.hdr, LR_L4_HDR_LEN);
                e->corrupt = c;
                req_start = end;
                corrupt_start = r.corrupt;
            } else {
                CHECK(rc == LR_L4_BAD);
                struct lr_l4_hdr h;
                CHECK(r.got == LR_L4_HDR_LEN);
                CHECK(lr_l4_hdr_read(r.hdr, &h) != 0);
                CHECK(pos + off + used - req_start == LR_L4_HDR_LEN);
                run->bad = true;
                run->bad_at = pos + off + used;
                run->consumed = run->bad_at;
                free(piece);
                return; /* the stream is not usable any more */
            }
            off += used;
        }
        free(piece);
        pos += n;
    }
    run->consumed = pos;
    run->partial = r.got;
    CHECK(run->consumed == len); /* no BAD: every byte was taken */
    CHECK(len - req_start == r.got);
}

static void l4_run_same(const struct l4_run *a, const struct l4_run *b)
{
    CHECK(a->nb_ev == b->nb_ev);
    for (size_t i = 0; i < a->nb_ev; i++) {
        CHECK(a->ev[i].end == b->ev[i].end);
        CHECK(memcmp(a->ev[i].hdr, b->ev[i].hdr, LR_L4_HDR_LEN) == 0);
        CHECK(a->ev[i].corrupt == b->ev[i].corrupt);
    }
    CHECK(a->bad == b->bad);
    CHECK(a->consumed == b->consumed);
    if (a->bad)
        CHECK(a->bad_at == b->bad_at);
    else
        CHECK(a->partial == b->partial);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    size_t ncuts = MIN((size_t)data[0], size - 1);
    const uint8_t *cuts = data + 1;
    const uint8_t *stream = data + 1 + ncuts;
    size_t len = size - 1 - ncuts;
    /* at most one request per LR_L4_HDR_LEN bytes */
    size_t max_ev = len / LR_L4_HDR_LEN + 1;
    struct l4_run split = { .ev = calloc(max_ev, sizeof(struct l4_event)) };
    struct l4_run whole = { .ev = calloc(max_ev, sizeof(struct l4_event)) };
    struct l4_run bytes = { .ev = calloc(max_ev, sizeof(struct l4_event)) };
    CHECK(split.ev != NULL && whole.ev != NULL && bytes.ev != NULL);

    l4_run_feed(&split, stream, len, cuts, ncuts, false);
    l4_run_feed(&whole, stream, len, NULL, 0, false);
    l4_run_feed(&bytes, stream, len, NULL, 0, true);
    l4_run_same(&split, &whole);
    l4_run_same(&split, &bytes);

    /* An answer built for each request checks clean against itself. */
    for (size_t i = 0; i < split.nb_ev && i < 4; i++) {
        uint8_t buf[256];
        lr_l4_msg_fill(buf, sizeof(buf), 0, split.ev[i].hdr);
        CHECK(lr_l4_msg_diff(buf, sizeof(buf), 0, split.ev[i].hdr) == 0);
        CHECK(memcmp(buf, split.ev[i].hdr, LR_L4_HDR_LEN) == 0);
    }
    free(split.ev);
    free(whole.ev);
    free(bytes.ev);
    return 0;
}
