/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP options: pure parse/emit over bytes (RFC 9293 §3.1, RFC 7323, RFC 2018).
 * No state, no clock. Both functions are total: any input gives a defined result.
 */
#ifndef LR_TCP_OPT_H
#define LR_TCP_OPT_H

#include <stdbool.h>
#include <stdint.h>

#define LR_TCP_MAX_SACK 4

struct lr_sack_block {
    uint32_t start; /* host order, left edge */
    uint32_t end;   /* host order, right edge (exclusive) */
};

struct lr_tcp_opts {
    uint8_t has_mss : 1;
    uint8_t has_wscale : 1;
    uint8_t has_ts : 1;
    uint8_t sack_ok : 1; /* SACK-permitted (only meaningful in SYN) */
    uint8_t nb_sack;     /* SACK blocks present (0..4) */
    uint8_t wscale;      /* as received; caller clamps to 14 (RFC 7323 §2.3) */
    uint16_t mss;
    uint32_t ts_val;
    uint32_t ts_ecr;
    struct lr_sack_block sack[LR_TCP_MAX_SACK];
};

/**
 * Parse the option bytes [opt, opt+len) (len = data offset*4 - 20).
 * Returns 0, or -EINVAL when an option length is 0, 1 or overruns the
 * area, or a known option has the wrong length (RFC 9293 §3.1: such a
 * segment is malformed; the caller drops it and counts TCP_OPTIONS).
 * Unknown options are skipped. @syn tells whether MSS/WS/SACK-permitted
 * are meaningful; they are ignored (not reported) on non-SYN segments.
 * SACK blocks must be 8n+2 bytes with 1 <= n <= 4; they are not reported
 * in a SYN (nothing is acknowledged yet). EOL ends the walk. @out is always
 * zeroed first, so on -EINVAL it holds nothing.
 */
int lr_tcp_opts_parse(const uint8_t *opt, unsigned len, bool syn, struct lr_tcp_opts *out);

/**
 * Write options for an outgoing segment into @buf (at least 40 bytes) and
 * return the length written, padded with NOPs to a multiple of 4.
 * Emits MSS/WS/SACK-permitted only when @syn (window scale never scaled in a SYN
 * is the caller's job); timestamps when o->has_ts; SACK blocks (o->nb_sack)
 * limited to what fits: 4 without timestamps, 3 with (RFC 2018 §3), and
 * never in a SYN. A window scale above 14 is written as 14 (RFC 7323 §2.3).
 * Layout: MSS; NOP WS; NOP NOP SACK-perm; NOP NOP TS; NOP NOP SACK.
 * Returns 0 when @buf or @o is NULL.
 */
unsigned lr_tcp_opts_write(uint8_t *buf, const struct lr_tcp_opts *o, bool syn);

#endif /* LR_TCP_OPT_H */
