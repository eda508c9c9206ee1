/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP options parse/emit (RFC 9293 §3.1, RFC 7323, RFC 2018).
 *
 * Parsing is a single bounded walk over the option area: every step either
 * consumes at least one byte or stops, so any input terminates. Writing puts
 * each option on a 4-byte boundary with leading NOPs, the layout suggested by
 * RFC 7323 Appendix A (NOP NOP TS) and used by most stacks, so receivers can
 * read the fields with aligned loads.
 */
#include <errno.h>
#include <string.h>

#include "lr_tcp_opt.h"

/* Option kinds (IANA "TCP Option Kind Numbers"). */
enum {
    LR_TCPOPT_EOL = 0,
    LR_TCPOPT_NOP = 1,
    LR_TCPOPT_MSS = 2,
    LR_TCPOPT_WS = 3,
    LR_TCPOPT_SACK_OK = 4,
    LR_TCPOPT_SACK = 5,
    LR_TCPOPT_TS = 8,
};

#define LR_TCPOLEN_MSS        4
#define LR_TCPOLEN_WS         3
#define LR_TCPOLEN_SACK_OK    2
#define LR_TCPOLEN_SACK_BASE  2
#define LR_TCPOLEN_SACK_BLOCK 8
#define LR_TCPOLEN_TS         10
#define LR_TCP_OPT_SPACE      40 /* data offset 15 words - 5 words of header */
#define LR_TCP_WSCALE_MAX     14 /* RFC 7323 §2.3 */

static inline uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t rd32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static inline void wr16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void wr32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

int lr_tcp_opts_parse(const uint8_t *opt, unsigned len, bool syn, struct lr_tcp_opts *out)
{
    unsigned i = 0;

    if (out == NULL)
        return -EINVAL;
    memset(out, 0, sizeof(*out));
    if (len == 0)
        return 0;
    if (opt == NULL)
        return -EINVAL;

    while (i < len) {
        uint8_t kind = opt[i];
        unsigned olen;

        if (kind == LR_TCPOPT_EOL)
            break; /* RFC 9293 §3.1: end of option list, the rest is padding */
        if (kind == LR_TCPOPT_NOP) {
            i++;
            continue;
        }
        /* Every other option has a length octet that counts kind and length. */
        if (len - i < 2)
            return -EINVAL;
        olen = opt[i + 1];
        if (olen < 2 || olen > len - i)
            return -EINVAL;

        const uint8_t *p = opt + i + 2;
        switch (kind) {
        case LR_TCPOPT_MSS:
            if (olen != LR_TCPOLEN_MSS)
                return -EINVAL;
            /* RFC 9293 §3.7.1: MSS is only sent in SYN segments. */
            if (syn) {
                out->has_mss = 1;
                out->mss = rd16(p);
            }
            break;
        case LR_TCPOPT_WS:
            if (olen != LR_TCPOLEN_WS)
                return -EINVAL;
            /* RFC 7323 §2.2: ignored in segments without SYN. */
            if (syn) {
                out->has_wscale = 1;
                out->wscale = p[0];
            }
            break;
        case LR_TCPOPT_SACK_OK:
            if (olen != LR_TCPOLEN_SACK_OK)
                return -EINVAL;
            /* RFC 2018 §2: SACK-permitted only in a SYN. */
            if (syn)
                out->sack_ok = 1;
            break;
        case LR_TCPOPT_SACK: {
            unsigned body = olen - LR_TCPOLEN_SACK_BASE;
            unsigned n = body / LR_TCPOLEN_SACK_BLOCK;

            /* RFC 2018 §3: length 8n+2 with at least one block; four fit in 40 bytes. */
            if (body == 0 || body % LR_TCPOLEN_SACK_BLOCK != 0 || n > LR_TCP_MAX_SACK)
                return -EINVAL;
            /* A SYN acknowledges no data, so SACK blocks in it carry nothing. */
            if (!syn) {
                out->nb_sack = (uint8_t)n;
                for (unsigned b = 0; b < n; b++) {
                    out->sack[b].start = rd32(p + b * 8);
                    out->sack[b].end = rd32(p + b * 8 + 4);
                }
            }
            break;
        }
        case LR_TCPOPT_TS:
            if (olen != LR_TCPOLEN_TS)
                return -EINVAL;
            out->has_ts = 1;
            out->ts_val = rd32(p);
            out->ts_ecr = rd32(p + 4);
            break;
        default:
            /* RFC 9293 §3.1: unknown options are skipped using their length. */
            break;
        }
        i += olen;
    }
    return 0;
}

unsigned lr_tcp_opts_write(uint8_t *buf, const struct lr_tcp_opts *o, bool syn)
{
    unsigned n = 0;

    if (buf == NULL || o == NULL)
        return 0;

    if (syn && o->has_mss) {
        buf[n++] = LR_TCPOPT_MSS;
        buf[n++] = LR_TCPOLEN_MSS;
        wr16(buf + n, o->mss);
        n += 2;
    }
    if (syn && o->has_wscale) {
        buf[n++] = LR_TCPOPT_NOP;
        buf[n++] = LR_TCPOPT_WS;
        buf[n++] = LR_TCPOLEN_WS;
        buf[n++] = o->wscale > LR_TCP_WSCALE_MAX ? LR_TCP_WSCALE_MAX : o->wscale;
    }
    if (syn && o->sack_ok) {
        buf[n++] = LR_TCPOPT_NOP;
        buf[n++] = LR_TCPOPT_NOP;
        buf[n++] = LR_TCPOPT_SACK_OK;
        buf[n++] = LR_TCPOLEN_SACK_OK;
    }
    if (o->has_ts) {
        /* RFC 7323 Appendix A: NOP NOP TS keeps the 32-bit fields aligned. */
        buf[n++] = LR_TCPOPT_NOP;
        buf[n++] = LR_TCPOPT_NOP;
        buf[n++] = LR_TCPOPT_TS;
        buf[n++] = LR_TCPOLEN_TS;
        wr32(buf + n, o->ts_val);
        wr32(buf + n + 4, o->ts_ecr);
        n += 8;
    }
    if (!syn && o->nb_sack > 0) {
        /* RFC 2018 §3: as many blocks as fit in what is left of the 40 bytes. */
        unsigned room = (LR_TCP_OPT_SPACE - n - 4) / LR_TCPOLEN_SACK_BLOCK;
        unsigned nb = o->nb_sack;

        if (nb > LR_TCP_MAX_SACK)
            nb = LR_TCP_MAX_SACK;
        if (nb > room)
            nb = room;
        if (nb > 0) {
            buf[n++] = LR_TCPOPT_NOP;
            buf[n++] = LR_TCPOPT_NOP;
            buf[n++] = LR_TCPOPT_SACK;
            buf[n++] = (uint8_t)(LR_TCPOLEN_SACK_BASE + nb * LR_TCPOLEN_SACK_BLOCK);
            for (unsigned b = 0; b < nb; b++) {
                wr32(buf + n, o->sack[b].start);
                wr32(buf + n + 4, o->sack[b].end);
                n += 8;
            }
        }
    }
    return n;
}
