/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SACK bookkeeping (RFC 2018), sender scoreboard and receiver block choice.
 *
 * Every block kept in the scoreboard lies in (SND.UNA, SND.NXT], a window
 * smaller than 2^31, so the wrapping comparisons of RFC 9293 §3.4 order them
 * correctly across the 2^32 sequence wrap. The scoreboard is a small sorted
 * array: updates are O(LR_SACK_SCOREBOARD) copies, no allocation.
 */
#include <stddef.h>

#include "lr_tcp_sack.h"

static inline uint32_t seq_min(uint32_t a, uint32_t b)
{
    return lr_seq_lt(a, b) ? a : b;
}

static inline uint32_t seq_max(uint32_t a, uint32_t b)
{
    return lr_seq_gt(a, b) ? a : b;
}

void lr_sack_scoreboard_init(struct lr_sack_scoreboard *sb)
{
    sb->n = 0;
}

void lr_sack_scoreboard_ack(struct lr_sack_scoreboard *sb, uint32_t snd_una)
{
    unsigned k = 0;

    for (unsigned i = 0; i < sb->n; i++) {
        struct lr_sack_block b = sb->blk[i];

        if (lr_seq_leq(b.end, snd_una))
            continue; /* cumulatively acknowledged now */
        if (lr_seq_lt(b.start, snd_una))
            b.start = snd_una;
        sb->blk[k++] = b;
    }
    sb->n = (uint8_t)k;
}

/*
 * Merge [s, e) into the sorted disjoint list. Blocks that overlap or touch it
 * are absorbed. When the result exceeds the capacity the highest blocks are
 * dropped: the lowest holes are the ones retransmitted first, so their
 * boundaries matter most, and a forgotten high block only costs a needless
 * retransmission later (the peer repeats its SACK information anyway).
 */
static void sb_insert(struct lr_sack_scoreboard *sb, uint32_t s, uint32_t e)
{
    struct lr_sack_block tmp[LR_SACK_SCOREBOARD + 1];
    unsigned k = 0;
    bool placed = false;

    for (unsigned i = 0; i < sb->n; i++) {
        const struct lr_sack_block *b = &sb->blk[i];

        if (lr_seq_lt(b->end, s)) {
            tmp[k++] = *b;
        } else if (lr_seq_gt(b->start, e)) {
            if (!placed) {
                tmp[k].start = s;
                tmp[k++].end = e;
                placed = true;
            }
            tmp[k++] = *b;
        } else {
            s = seq_min(s, b->start);
            e = seq_max(e, b->end);
        }
    }
    if (!placed) {
        tmp[k].start = s;
        tmp[k++].end = e;
    }
    if (k > LR_SACK_SCOREBOARD)
        k = LR_SACK_SCOREBOARD;
    for (unsigned i = 0; i < k; i++)
        sb->blk[i] = tmp[i];
    sb->n = (uint8_t)k;
}

unsigned lr_sack_scoreboard_update(struct lr_sack_scoreboard *sb, const struct lr_sack_block *blk,
                                   unsigned n, uint32_t snd_una, uint32_t snd_nxt)
{
    unsigned accepted = 0;

    lr_sack_scoreboard_ack(sb, snd_una);
    if (blk == NULL)
        return 0;
    for (unsigned i = 0; i < n; i++) {
        uint32_t s = blk[i].start, e = blk[i].end;

        /* RFC 2018 §5 / RFC 6675 §5: only data above SND.UNA that was sent
         * can be SACKed. Reject empty or inverted blocks, blocks at or below
         * SND.UNA (D-SACK reports, RFC 2883, or stale ACKs) and blocks beyond
         * SND.NXT (forged or corrupt). */
        if (!lr_seq_lt(s, e))
            continue;
        if (!lr_seq_lt(snd_una, s))
            continue;
        if (lr_seq_gt(e, snd_nxt))
            continue;
        sb_insert(sb, s, e);
        accepted++;
    }
    return accepted;
}

bool lr_sack_scoreboard_covered(const struct lr_sack_scoreboard *sb, uint32_t seq, uint32_t len)
{
    uint32_t end = seq + len;

    if (len == 0)
        return true;
    for (unsigned i = 0; i < sb->n; i++) {
        const struct lr_sack_block *b = &sb->blk[i];

        if (lr_seq_leq(b->start, seq) && lr_seq_leq(end, b->end) && lr_seq_lt(seq, b->end))
            return true;
    }
    return false;
}

bool lr_sack_scoreboard_next_hole(const struct lr_sack_scoreboard *sb, uint32_t from,
                                  uint32_t max_len, uint32_t *seq, uint32_t *len)
{
    uint32_t cur = from;

    if (max_len == 0)
        return false;
    for (unsigned i = 0; i < sb->n; i++) {
        const struct lr_sack_block *b = &sb->blk[i];

        if (lr_seq_leq(b->end, cur))
            continue; /* block entirely before the cursor */
        if (lr_seq_lt(cur, b->start)) {
            uint32_t gap = b->start - cur;

            *seq = cur;
            *len = gap < max_len ? gap : max_len;
            return true;
        }
        cur = b->end; /* cursor inside a SACKed block: skip past it */
    }
    /* Above the highest SACKed byte nothing is known to be lost (RFC 6675 IsLost). */
    return false;
}

uint32_t lr_sack_scoreboard_bytes(const struct lr_sack_scoreboard *sb)
{
    uint32_t sum = 0;

    for (unsigned i = 0; i < sb->n; i++)
        sum += sb->blk[i].end - sb->blk[i].start;
    return sum;
}

/*
 * Receiver side. The out-of-order ranges are walked as contiguous runs:
 * run_next() returns the index after the run starting at or after @i and
 * fills @run, or returns n when there is none left.
 */
static unsigned run_next(const struct lr_sack_block *ooo, unsigned n, unsigned i,
                         struct lr_sack_block *run, bool *found)
{
    *found = false;
    while (i < n && !lr_seq_lt(ooo[i].start, ooo[i].end))
        i++; /* skip empty/inverted ranges */
    if (i >= n)
        return n;
    *run = ooo[i++];
    *found = true;
    while (i < n) {
        if (!lr_seq_lt(ooo[i].start, ooo[i].end)) {
            i++;
            continue;
        }
        if (lr_seq_gt(ooo[i].start, run->end))
            break;
        run->end = seq_max(run->end, ooo[i].end);
        i++;
    }
    return i;
}

static bool out_has(const struct lr_sack_block *out, unsigned k, const struct lr_sack_block *b)
{
    for (unsigned i = 0; i < k; i++)
        if (out[i].start == b->start)
            return true;
    return false;
}

unsigned lr_sack_blocks_build(const struct lr_sack_block *ooo, unsigned n_ooo, uint32_t recent,
                              const struct lr_sack_block *prev, unsigned n_prev,
                              struct lr_sack_block *out, unsigned max_out)
{
    struct lr_sack_block run;
    unsigned k = 0, i;
    bool found;

    if (ooo == NULL || out == NULL)
        return 0;
    if (max_out > LR_TCP_MAX_SACK)
        max_out = LR_TCP_MAX_SACK;
    if (prev == NULL)
        n_prev = 0;

    /* RFC 2018 §4: the first block MUST contain the most recent segment. */
    for (i = 0; k < max_out && i < n_ooo;) {
        i = run_next(ooo, n_ooo, i, &run, &found);
        if (found && lr_seq_leq(run.start, recent) && lr_seq_lt(recent, run.end)) {
            out[k++] = run;
            break;
        }
    }
    /* §4: then repeat the most recently reported blocks still outstanding,
     * so that the sender learns them even if some ACKs are lost. */
    for (unsigned p = 0; p < n_prev && k < max_out; p++) {
        for (i = 0; i < n_ooo;) {
            i = run_next(ooo, n_ooo, i, &run, &found);
            if (!found)
                break;
            if (lr_seq_lt(run.start, prev[p].end) && lr_seq_lt(prev[p].start, run.end)) {
                if (!out_has(out, k, &run))
                    out[k++] = run;
                break;
            }
        }
    }
    /* Fill the remaining room with the other runs, lowest first. */
    for (i = 0; i < n_ooo && k < max_out;) {
        i = run_next(ooo, n_ooo, i, &run, &found);
        if (found && !out_has(out, k, &run))
            out[k++] = run;
    }
    return k;
}
