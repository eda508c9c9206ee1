/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SACK (RFC 2018) bookkeeping, pure sequence arithmetic:
 *  - receiver side: the blocks to advertise from the out-of-order queue,
 *    most recently changed block first (RFC 2018 §4);
 *  - sender side: a bounded scoreboard of SACKed ranges above SND.UNA, used
 *    to skip retransmitting what the peer holds (RFC 6675's IsLost/NextSeg,
 *    simplified: retransmit the first hole).
 */
#ifndef LR_TCP_SACK_H
#define LR_TCP_SACK_H

#include <stdbool.h>
#include <stdint.h>

#include "lr_tcp_opt.h"

/* Wrapping sequence comparisons (RFC 9293 §3.4). */
static inline bool lr_seq_lt(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) < 0;
}
static inline bool lr_seq_leq(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) <= 0;
}
static inline bool lr_seq_gt(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) > 0;
}
static inline bool lr_seq_geq(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) >= 0;
}

#define LR_SACK_SCOREBOARD 8

struct lr_sack_scoreboard {
    uint8_t n;
    struct lr_sack_block blk[LR_SACK_SCOREBOARD]; /* sorted, disjoint, all above snd_una */
};

void lr_sack_scoreboard_init(struct lr_sack_scoreboard *sb);
/**
 * Merge received SACK blocks. Blocks not within (snd_una, snd_nxt], with
 * start >= end, or otherwise bogus are ignored (RFC 2018 §5, TESTING.md).
 * Returns the number of blocks accepted.
 */
unsigned lr_sack_scoreboard_update(struct lr_sack_scoreboard *sb, const struct lr_sack_block *blk,
                                   unsigned n, uint32_t snd_una, uint32_t snd_nxt);
/** Drop everything at or below the new SND.UNA. */
void lr_sack_scoreboard_ack(struct lr_sack_scoreboard *sb, uint32_t snd_una);
/** True when [seq, seq+len) is entirely SACKed. */
bool lr_sack_scoreboard_covered(const struct lr_sack_scoreboard *sb, uint32_t seq, uint32_t len);
/**
 * First hole at or after @from and below the highest SACKed byte: writes its
 * start and length (bounded by @max_len). Returns false when there is no hole.
 */
bool lr_sack_scoreboard_next_hole(const struct lr_sack_scoreboard *sb, uint32_t from,
                                  uint32_t max_len, uint32_t *seq, uint32_t *len);
/** Bytes SACKed above snd_una (for pipe estimation). */
uint32_t lr_sack_scoreboard_bytes(const struct lr_sack_scoreboard *sb);

/**
 * Receiver side (RFC 2018 §4): choose the SACK blocks to advertise.
 * @ooo: the out-of-order data held above RCV.NXT, @n_ooo ranges sorted by
 *       sequence (wrap-safe), disjoint but possibly adjacent (adjacent and
 *       overlapping ranges are reported as one contiguous block).
 * @recent: any sequence number of the most recently received segment; the
 *       block containing it is reported first. If no range contains it (the
 *       segment was in order), no block is given priority.
 * @prev, @n_prev: the blocks advertised last time (may be NULL/0); blocks
 *       still present are repeated next, in their previous order (§4 SHOULD).
 *       The remaining blocks follow in ascending sequence order.
 * @out, @max_out: output (max_out is 4, or 3 alongside timestamps).
 * Returns the number of blocks written (never more than max_out or
 * LR_TCP_MAX_SACK). Ranges with start >= end are skipped.
 */
unsigned lr_sack_blocks_build(const struct lr_sack_block *ooo, unsigned n_ooo, uint32_t recent,
                              const struct lr_sack_block *prev, unsigned n_prev,
                              struct lr_sack_block *out, unsigned max_out);

#endif /* LR_TCP_SACK_H */
