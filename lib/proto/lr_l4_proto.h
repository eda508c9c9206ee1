/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The L4 test protocol of client mode's tcp and udp modes ([client] mode)
 * and of the l4 service that answers them ([tcp] l4_port, [udp] l4_port).
 *
 * A request is a 16-byte header followed by payload bytes; the answer is
 * resp_len bytes whose first min(16, resp_len) bytes repeat the request's
 * header and whose other bytes are the payload pattern. All integers are in
 * network byte order:
 *
 *   0  'L' '4'      magic
 *   2  version      LR_L4_VERSION
 *   3  flags        LR_L4_F_LAST: TCP, the server closes after answering
 *   4  seq          UDP: the client's sequence number; TCP: request number
 *   8  req_len      the whole request, header included (>= 16)
 *   12 resp_len     bytes the server sends back (0 = none)
 *
 * Byte i (i >= 16) of a request or an answer is lr_l4_pattern_at(i): the
 * same function of the offset in the message for both directions, so an
 * echo server (RFC 862) returns exactly what the l4 service would when
 * resp_len == req_len, and the receiver checks any slice without a copy of
 * what was sent. The pattern repeats every LR_L4_PATTERN_LEN bytes, so both
 * sides copy it from one table instead of computing it per byte.
 *
 * Pure code: no packets, no allocation; the stream parsers take any split.
 */
#ifndef LR_L4_PROTO_H
#define LR_L4_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LR_L4_HDR_LEN     16
#define LR_L4_VERSION     1
#define LR_L4_F_LAST      0x01
#define LR_L4_MSG_MAX     (64u << 20) /* req_len and resp_len at most 64 MiB */
#define LR_L4_PATTERN_LEN 65536u      /* period of the payload pattern */

struct lr_l4_hdr {
    uint8_t flags;
    uint32_t seq;
    uint32_t req_len;
    uint32_t resp_len;
};

/** The pattern table (LR_L4_PATTERN_LEN bytes, built on first use; thread safe). */
const uint8_t *lr_l4_pattern(void);

/** Pattern byte at offset @off of a message (@off >= LR_L4_HDR_LEN). */
static inline uint8_t lr_l4_pattern_at(const uint8_t *pattern, uint64_t off)
{
    return pattern[off % LR_L4_PATTERN_LEN];
}

/** Write the header @h at @p (LR_L4_HDR_LEN bytes). */
void lr_l4_hdr_write(uint8_t *p, const struct lr_l4_hdr *h);

/**
 * Read a header from @p (LR_L4_HDR_LEN bytes). 0, or -1 when it is not one:
 * bad magic or version, req_len below the header or above LR_L4_MSG_MAX,
 * resp_len above LR_L4_MSG_MAX.
 */
int lr_l4_hdr_read(const uint8_t *p, struct lr_l4_hdr *h);

/**
 * Fill @len bytes of a message from offset @off with what belongs there:
 * the bytes of @hdr (LR_L4_HDR_LEN) below LR_L4_HDR_LEN, the pattern above.
 */
void lr_l4_msg_fill(uint8_t *buf, size_t len, uint64_t off, const uint8_t *hdr);

/**
 * Number of bytes of @buf (@len bytes at message offset @off) that differ
 * from what lr_l4_msg_fill() would write there (0: all match).
 */
size_t lr_l4_msg_diff(const uint8_t *buf, size_t len, uint64_t off, const uint8_t *hdr);

enum lr_l4_feed {
    LR_L4_MORE = 0, /* all of the input used, the message goes on */
    LR_L4_DONE,     /* a message ended; *used says where */
    LR_L4_BAD,      /* not the protocol (server: the request header) */
};

/* Server side: the requests of one TCP stream, one after the other. */
struct lr_l4_req {
    uint8_t hdr[LR_L4_HDR_LEN]; /* the current request's header as received */
    uint32_t got;               /* bytes of the current request so far */
    struct lr_l4_hdr h;         /* parsed once the header is complete */
    uint64_t corrupt;           /* payload bytes that were not the pattern */
};

static inline void lr_l4_req_init(struct lr_l4_req *r)
{
    r->got = 0;
    r->corrupt = 0;
}

/**
 * Feed @n bytes of the stream. On LR_L4_DONE, r->h and r->hdr describe the
 * request that ended after *@used bytes of @p; the next call starts the next
 * request. On LR_L4_BAD the stream is not usable any more.
 */
enum lr_l4_feed lr_l4_req_feed(struct lr_l4_req *r, const uint8_t *p, size_t n, size_t *used);

/* Client side: the answer to one request on a TCP stream. */
struct lr_l4_resp {
    uint8_t hdr[LR_L4_HDR_LEN]; /* the request's header, which the answer repeats */
    uint32_t want;              /* resp_len */
    uint32_t got;
    uint64_t corrupt; /* bytes that were not what the answer should hold */
};

/** Expect the answer to the request whose header is @hdr. */
void lr_l4_resp_init(struct lr_l4_resp *r, const uint8_t *hdr);

/** Feed @n bytes; LR_L4_DONE once resp_len bytes came, after *@used of @p. */
enum lr_l4_feed lr_l4_resp_feed(struct lr_l4_resp *r, const uint8_t *p, size_t n, size_t *used);

#endif /* LR_L4_PROTO_H */
