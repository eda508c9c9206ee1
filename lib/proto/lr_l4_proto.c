/* SPDX-License-Identifier: BSD-3-Clause */
/* The L4 test protocol (lr_l4_proto.h). */
#include <pthread.h>
#include <string.h>

#include "lr_l4_proto.h"

static uint8_t l4_pattern[LR_L4_PATTERN_LEN];
static pthread_once_t l4_pattern_once = PTHREAD_ONCE_INIT;

/* A mix of the offset (splitmix64's finaliser): no short period inside the
 * table, so a shifted or repeated slice does not compare equal. */
static void l4_pattern_build(void)
{
    for (uint64_t i = 0; i < LR_L4_PATTERN_LEN; i++) {
        uint64_t x = i * 0x9e3779b97f4a7c15ull + 0x4c34;
        x ^= x >> 30;
        x *= 0xbf58476d1ce4e5b9ull;
        x ^= x >> 27;
        x *= 0x94d049bb133111ebull;
        l4_pattern[i] = (uint8_t)(x >> 56);
    }
}

const uint8_t *lr_l4_pattern(void)
{
    pthread_once(&l4_pattern_once, l4_pattern_build);
    return l4_pattern;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void lr_l4_hdr_write(uint8_t *p, const struct lr_l4_hdr *h)
{
    p[0] = 'L';
    p[1] = '4';
    p[2] = LR_L4_VERSION;
    p[3] = h->flags;
    put32(p + 4, h->seq);
    put32(p + 8, h->req_len);
    put32(p + 12, h->resp_len);
}

int lr_l4_hdr_read(const uint8_t *p, struct lr_l4_hdr *h)
{
    if (p[0] != 'L' || p[1] != '4' || p[2] != LR_L4_VERSION)
        return -1;
    h->flags = p[3];
    h->seq = get32(p + 4);
    h->req_len = get32(p + 8);
    h->resp_len = get32(p + 12);
    if (h->req_len < LR_L4_HDR_LEN || h->req_len > LR_L4_MSG_MAX || h->resp_len > LR_L4_MSG_MAX)
        return -1;
    return 0;
}

void lr_l4_msg_fill(uint8_t *buf, size_t len, uint64_t off, const uint8_t *hdr)
{
    const uint8_t *pat = lr_l4_pattern();

    while (len > 0 && off < LR_L4_HDR_LEN) {
        *buf++ = hdr[off++];
        len--;
    }
    while (len > 0) {
        size_t at = (size_t)(off % LR_L4_PATTERN_LEN);
        size_t n = LR_L4_PATTERN_LEN - at < len ? LR_L4_PATTERN_LEN - at : len;
        memcpy(buf, pat + at, n);
        buf += n;
        off += n;
        len -= n;
    }
}

size_t lr_l4_msg_diff(const uint8_t *buf, size_t len, uint64_t off, const uint8_t *hdr)
{
    const uint8_t *pat = lr_l4_pattern();
    size_t bad = 0;

    while (len > 0 && off < LR_L4_HDR_LEN) {
        bad += *buf++ != hdr[off++];
        len--;
    }
    while (len > 0) {
        size_t at = (size_t)(off % LR_L4_PATTERN_LEN);
        size_t n = LR_L4_PATTERN_LEN - at < len ? LR_L4_PATTERN_LEN - at : len;
        if (memcmp(buf, pat + at, n) != 0) /* count only when something differs */
            for (size_t i = 0; i < n; i++)
                bad += buf[i] != pat[at + i];
        buf += n;
        off += n;
        len -= n;
    }
    return bad;
}

enum lr_l4_feed lr_l4_req_feed(struct lr_l4_req *r, const uint8_t *p, size_t n, size_t *used)
{
    size_t i = 0;

    if (r->got < LR_L4_HDR_LEN) {
        size_t k = LR_L4_HDR_LEN - r->got < n ? LR_L4_HDR_LEN - r->got : n;
        memcpy(r->hdr + r->got, p, k);
        r->got += (uint32_t)k;
        i = k;
        if (r->got < LR_L4_HDR_LEN) {
            *used = n;
            return LR_L4_MORE;
        }
        if (lr_l4_hdr_read(r->hdr, &r->h) != 0) {
            *used = i;
            return LR_L4_BAD;
        }
    }
    size_t left = r->h.req_len - r->got;
    size_t k = left < n - i ? left : n - i;
    r->corrupt += lr_l4_msg_diff(p + i, k, r->got, r->hdr);
    r->got += (uint32_t)k;
    i += k;
    *used = i;
    if (r->got < r->h.req_len)
        return LR_L4_MORE;
    r->got = 0; /* the next request starts after *used */
    return LR_L4_DONE;
}

void lr_l4_resp_init(struct lr_l4_resp *r, const uint8_t *hdr)
{
    struct lr_l4_hdr h;

    memcpy(r->hdr, hdr, LR_L4_HDR_LEN);
    r->want = lr_l4_hdr_read(hdr, &h) == 0 ? h.resp_len : 0;
    r->got = 0;
    r->corrupt = 0;
}

enum lr_l4_feed lr_l4_resp_feed(struct lr_l4_resp *r, const uint8_t *p, size_t n, size_t *used)
{
    size_t left = r->want - r->got;
    size_t k = left < n ? left : n;

    r->corrupt += lr_l4_msg_diff(p, k, r->got, r->hdr);
    r->got += (uint32_t)k;
    *used = k;
    return r->got < r->want ? LR_L4_MORE : LR_L4_DONE;
}
