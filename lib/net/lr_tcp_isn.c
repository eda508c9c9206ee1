/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Initial sequence numbers (RFC 6528) and SYN cookies (RFC 4987 §3.6).
 *
 * The keyed function is SipHash-2-4 (Aumasson & Bernstein, "SipHash: a fast
 * short-input PRF", 2012), written from the paper's description.
 *
 * SYN cookie layout (32 bits, most significant first):
 *
 *   31..26  t      minute counter, (now_us / 60 s) mod 64
 *   25..23  m      index into lr_syncookie_mss_tab[] (largest entry <= peer MSS)
 *   22      T      1 when the SYN carried timestamps and we will use them
 *   with T = 1:
 *   21..18  w      peer window scale, 0..14, 15 = no window scaling
 *   17      S      SACK permitted
 *   16..0   hash   17 bits
 *   with T = 0:
 *   21..0   hash   22 bits (window scale and SACK are not kept, as in Linux:
 *                  without timestamps a cookie connection runs without them)
 *
 * hash = SipHash-2-4(c0, c1; laddr, raddr, lport, rport, peer ISN, the
 * non-hash bits of the cookie, the full 32-bit minute counter) truncated.
 * Binding the option bits into the hash means that a forged or altered cookie
 * is rejected just like a guessed one; an attacker without the key has a
 * 2^-22 (2^-17 with timestamps) chance per forged ACK for a given 4-tuple and
 * peer ISN. Only the current and the previous minute are accepted, so a
 * cookie is valid for 1 to 2 minutes (RFC 4987 §3.6: short lifetime). The
 * check rebuilds the full counter from the 6 carried bits and the current
 * time, and the full counter is hashed, so a cookie replayed 64 minutes later
 * (same 6-bit value after the wrap) is rejected.
 *
 * lr_syncookie_opts carries the decoded values: the connection code needs
 * nothing else. (Linux hides the option bits in the low bits of the TS value
 * instead; carrying them in the sequence number keeps the TS clock untouched
 * at the cost of 5 hash bits.)
 */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "lr_tcp_isn.h"

#define LR_COOKIE_PERIOD_US 60000000ull /* one minute */

/* MSS values a cookie can carry: common Ethernet/tunnel/IPv6-ish MSS and jumbo. */
static const uint16_t lr_syncookie_mss_tab[8] = { 536, 1220, 1300, 1380, 1440, 1460, 4312, 8960 };

#define LR_COOKIE_T_SHIFT   26
#define LR_COOKIE_MSS_SHIFT 23
#define LR_COOKIE_TS_BIT    (1u << 22)
#define LR_COOKIE_WS_SHIFT  18
#define LR_COOKIE_SACK_BIT  (1u << 17)
#define LR_COOKIE_HASH_TS   0x1ffffu  /* 17 bits */
#define LR_COOKIE_HASH_NOTS 0x3fffffu /* 22 bits */
#define LR_WSCALE_NONE      15

static inline uint64_t rotl64(uint64_t x, unsigned b)
{
    return (x << b) | (x >> (64 - b));
}

static inline uint64_t load_le64(const uint8_t *p)
{
    uint64_t v = 0;

    for (unsigned i = 0; i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

#define SIPROUND                                                                                   \
    do {                                                                                           \
        v0 += v1;                                                                                  \
        v1 = rotl64(v1, 13);                                                                       \
        v1 ^= v0;                                                                                  \
        v0 = rotl64(v0, 32);                                                                       \
        v2 += v3;                                                                                  \
        v3 = rotl64(v3, 16);                                                                       \
        v3 ^= v2;                                                                                  \
        v0 += v3;                                                                                  \
        v3 = rotl64(v3, 21);                                                                       \
        v3 ^= v0;                                                                                  \
        v2 += v1;                                                                                  \
        v1 = rotl64(v1, 17);                                                                       \
        v1 ^= v2;                                                                                  \
        v2 = rotl64(v2, 32);                                                                       \
    } while (0)

uint64_t lr_siphash24(uint64_t k0, uint64_t k1, const void *data, unsigned len)
{
    const uint8_t *p = data;
    uint64_t v0 = k0 ^ 0x736f6d6570736575ull;
    uint64_t v1 = k1 ^ 0x646f72616e646f6dull;
    uint64_t v2 = k0 ^ 0x6c7967656e657261ull;
    uint64_t v3 = k1 ^ 0x7465646279746573ull;
    uint64_t m, b;
    unsigned left = len;

    if (p == NULL)
        left = len = 0;
    /* Compression: c = 2 rounds per 8-byte little-endian word. */
    for (; left >= 8; left -= 8, p += 8) {
        m = load_le64(p);
        v3 ^= m;
        SIPROUND;
        SIPROUND;
        v0 ^= m;
    }
    /* Last word: remaining bytes, length mod 256 in the top byte. */
    b = (uint64_t)(len & 0xff) << 56;
    for (unsigned i = 0; i < left; i++)
        b |= (uint64_t)p[i] << (8 * i);
    v3 ^= b;
    SIPROUND;
    SIPROUND;
    v0 ^= b;
    /* Finalisation: d = 4 rounds. */
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

int lr_tcp_secret_init(struct lr_tcp_secret *s)
{
    uint8_t buf[sizeof(*s)];
    size_t got = 0;

    if (s == NULL)
        return -EINVAL;
    while (got < sizeof(buf)) {
        ssize_t r = getrandom(buf + got, sizeof(buf) - got, 0);

        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        got += (size_t)r;
    }
    memcpy(s, buf, sizeof(*s));
    memset(buf, 0, sizeof(buf));
    return 0;
}

/* The 4-tuple as 12 bytes, in wire order as given. */
static void tuple_pack(uint8_t *b, rte_be32_t laddr, rte_be16_t lport, rte_be32_t raddr,
                       rte_be16_t rport)
{
    memcpy(b, &laddr, 4);
    memcpy(b + 4, &raddr, 4);
    memcpy(b + 8, &lport, 2);
    memcpy(b + 10, &rport, 2);
}

uint32_t lr_tcp_isn(const struct lr_tcp_secret *s, rte_be32_t laddr, rte_be16_t lport,
                    rte_be32_t raddr, rte_be16_t rport, uint64_t now_us)
{
    uint8_t b[12];

    tuple_pack(b, laddr, lport, raddr, rport);
    /* RFC 6528 §3: ISN = M + F(4-tuple, secret), M ticking every 4 us
     * (RFC 9293 §3.4.1), so consecutive connections of one 4-tuple get
     * increasing ISNs while F keeps them unpredictable across tuples. */
    return (uint32_t)(now_us / 4) + (uint32_t)lr_siphash24(s->k0, s->k1, b, sizeof(b));
}

/* Cookie from its counter and option bits (bits 31..17 / 31..22 already
 * placed in @hi) and the full minute counter @minute. */
static uint32_t cookie_build(const struct lr_tcp_secret *s, rte_be32_t laddr, rte_be16_t lport,
                             rte_be32_t raddr, rte_be16_t rport, uint32_t peer_isn, uint32_t hi,
                             uint32_t minute)
{
    uint8_t b[24];
    uint32_t h, mask;

    mask = (hi & LR_COOKIE_TS_BIT) ? LR_COOKIE_HASH_TS : LR_COOKIE_HASH_NOTS;
    hi &= ~mask;
    tuple_pack(b, laddr, lport, raddr, rport);
    memcpy(b + 12, &peer_isn, 4);
    memcpy(b + 16, &hi, 4);
    memcpy(b + 20, &minute, 4);
    h = (uint32_t)lr_siphash24(s->c0, s->c1, b, sizeof(b));
    return hi | (h & mask);
}

static uint32_t cookie_minute(uint64_t now_us)
{
    return (uint32_t)(now_us / LR_COOKIE_PERIOD_US);
}

uint32_t lr_syncookie_make(const struct lr_tcp_secret *s, rte_be32_t laddr, rte_be16_t lport,
                           rte_be32_t raddr, rte_be16_t rport, uint32_t peer_isn,
                           const struct lr_syncookie_opts *o, uint64_t now_us)
{
    static const struct lr_syncookie_opts none = { .mss = 536, .wscale = LR_WSCALE_NONE };
    uint32_t minute = cookie_minute(now_us);
    unsigned m = 0;
    uint32_t hi;

    if (o == NULL)
        o = &none;

    /* Largest table MSS not above the peer's; below 536 we still use 536,
     * the size every host must accept (RFC 9293 §3.7.1). */
    for (unsigned i = 1; i < 8; i++)
        if (lr_syncookie_mss_tab[i] <= o->mss)
            m = i;
    hi = (minute & 63) << LR_COOKIE_T_SHIFT | (uint32_t)m << LR_COOKIE_MSS_SHIFT;
    if (o->ts_ok) {
        uint32_t ws = o->wscale;

        if (ws > 14 && ws != LR_WSCALE_NONE)
            ws = 14; /* RFC 7323 §2.3 */
        hi |= LR_COOKIE_TS_BIT | ws << LR_COOKIE_WS_SHIFT;
        if (o->sack_ok)
            hi |= LR_COOKIE_SACK_BIT;
    }
    return cookie_build(s, laddr, lport, raddr, rport, peer_isn, hi, minute);
}

bool lr_syncookie_check(const struct lr_tcp_secret *s, rte_be32_t laddr, rte_be16_t lport,
                        rte_be32_t raddr, rte_be16_t rport, uint32_t peer_isn, uint32_t cookie,
                        uint64_t now_us, struct lr_syncookie_opts *o)
{
    uint32_t now_min = cookie_minute(now_us);
    uint32_t age = (now_min - (cookie >> LR_COOKIE_T_SHIFT)) & 63;

    /* Accept only the current and the previous minute. A counter from the
     * future (clock went back, or a forgery) has age 63 and fails here. */
    if (age > 1)
        return false;
    if (cookie_build(s, laddr, lport, raddr, rport, peer_isn, cookie, now_min - age) != cookie)
        return false;
    if (o != NULL) {
        o->mss = lr_syncookie_mss_tab[(cookie >> LR_COOKIE_MSS_SHIFT) & 7];
        if (cookie & LR_COOKIE_TS_BIT) {
            o->ts_ok = true;
            o->wscale = (cookie >> LR_COOKIE_WS_SHIFT) & 15;
            o->sack_ok = (cookie & LR_COOKIE_SACK_BIT) != 0;
        } else {
            o->ts_ok = false;
            o->wscale = LR_WSCALE_NONE;
            o->sack_ok = false;
        }
    }
    return true;
}
