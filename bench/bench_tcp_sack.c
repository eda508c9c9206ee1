/* SPDX-License-Identifier: BSD-3-Clause */
/* SACK scoreboard (lr_tcp_sack.c): per-ACK update and hole search. */
#include "harness.h"
#include "lr_tcp_sack.h"

#define MSS 1460u

/*
 * A steady loss pattern: every ACK advances SND.UNA by one segment and
 * carries three SACK blocks above it, starting near 2^32 so the sequence
 * wraps during the run.
 */
LR_BENCH(sack_scoreboard_update)
{
    struct lr_sack_scoreboard sb;
    uint32_t una = 0xfff00000u;
    unsigned acc = 0;

    lr_sack_scoreboard_init(&sb);
    while (lr_bench_keep_running(st)) {
        struct lr_sack_block blk[3] = {
            { una + 2 * MSS, una + 4 * MSS },
            { una + 6 * MSS, una + 8 * MSS },
            { una + 10 * MSS, una + 11 * MSS },
        };

        lr_bench_escape(blk);
        acc += lr_sack_scoreboard_update(&sb, blk, 3, una, una + 64 * MSS);
        una += MSS;
    }
    lr_bench_use_u64(acc + sb.n);
    lr_bench_set_items_processed(st, lr_bench_iterations(st));
}

LR_BENCH(sack_next_hole)
{
    struct lr_sack_scoreboard sb;
    struct lr_sack_block blk[4];
    const uint32_t una = 1000;
    uint32_t seq, len;
    unsigned k = 0;

    lr_sack_scoreboard_init(&sb);
    /* Eight SACKed ranges (a full scoreboard), holes between them. */
    for (unsigned i = 0; i < 8; i += 4) {
        for (unsigned j = 0; j < 4; j++) {
            blk[j].start = una + (2 * (i + j) + 1) * MSS;
            blk[j].end = blk[j].start + MSS;
        }
        lr_sack_scoreboard_update(&sb, blk, 4, una, una + 64 * MSS);
    }
    while (lr_bench_keep_running(st)) {
        uint32_t from = una + (k++ % 16) * MSS;

        lr_bench_escape(&sb);
        bool found = lr_sack_scoreboard_next_hole(&sb, from, MSS, &seq, &len);
        lr_bench_use_u64(found ? seq + len : 0);
    }
    lr_bench_set_items_processed(st, lr_bench_iterations(st));
}
