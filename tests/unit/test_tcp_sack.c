/* SPDX-License-Identifier: BSD-3-Clause */
/* SACK scoreboard (sender) and block selection (receiver), incl. the 2^32 wrap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lr_tcp_sack.h"

#define BLK(s, e)                                                                                  \
    (struct lr_sack_block)                                                                         \
    {                                                                                              \
        (uint32_t)(s), (uint32_t)(e)                                                               \
    }

static void assert_board(const struct lr_sack_scoreboard *sb, const struct lr_sack_block *exp,
                         unsigned n)
{
    assert_int_equal(sb->n, n);
    for (unsigned i = 0; i < n; i++) {
        assert_int_equal(sb->blk[i].start, exp[i].start);
        assert_int_equal(sb->blk[i].end, exp[i].end);
    }
}

static void merge_sorted_disjoint(void **state)
{
    struct lr_sack_scoreboard sb;
    struct lr_sack_block in[3] = { BLK(300, 400), BLK(100, 200), BLK(600, 700) };

    (void)state;
    lr_sack_scoreboard_init(&sb);
    assert_int_equal(lr_sack_scoreboard_update(&sb, in, 3, 0, 1000), 3);
    assert_board(&sb, (struct lr_sack_block[]){ BLK(100, 200), BLK(300, 400), BLK(600, 700) }, 3);
    /* Touching blocks merge; a block bridging two merges all three. */
    in[0] = BLK(200, 300);
    assert_int_equal(lr_sack_scoreboard_update(&sb, in, 1, 0, 1000), 1);
    assert_board(&sb, (struct lr_sack_block[]){ BLK(100, 400), BLK(600, 700) }, 2);
    in[0] = BLK(350, 650);
    lr_sack_scoreboard_update(&sb, in, 1, 0, 1000);
    assert_board(&sb, (struct lr_sack_block[]){ BLK(100, 700) }, 1);
    /* Contained and repeated blocks change nothing. */
    in[0] = BLK(150, 160);
    in[1] = BLK(100, 700);
    assert_int_equal(lr_sack_scoreboard_update(&sb, in, 2, 0, 1000), 2);
    assert_board(&sb, (struct lr_sack_block[]){ BLK(100, 700) }, 1);
    assert_int_equal(lr_sack_scoreboard_bytes(&sb), 600);
}

static void bogus_blocks_ignored(void **state)
{
    struct lr_sack_scoreboard sb;
    const struct lr_sack_block in[] = {
        BLK(500, 500),   /* empty */
        BLK(600, 550),   /* inverted */
        BLK(100, 200),   /* below SND.UNA (D-SACK) */
        BLK(900, 1100),  /* at SND.UNA */
        BLK(950, 1050),  /* straddles SND.UNA */
        BLK(1500, 2001), /* beyond SND.NXT */
        BLK(3000, 4000), /* entirely beyond SND.NXT */
        BLK(1100, 1200), /* the only valid one */
    };

    (void)state;
    lr_sack_scoreboard_init(&sb);
    assert_int_equal(lr_sack_scoreboard_update(&sb, in, 8, 1000, 2000), 1);
    assert_board(&sb, (struct lr_sack_block[]){ BLK(1100, 1200) }, 1);
    assert_int_equal(lr_sack_scoreboard_update(&sb, NULL, 3, 1000, 2000), 0);
    /* Exactly up to SND.NXT is fine. */
    assert_int_equal(lr_sack_scoreboard_update(&sb, &BLK(1900, 2000), 1, 1000, 2000), 1);
    assert_int_equal(sb.n, 2);
}

static void full_board_keeps_lowest(void **state)
{
    struct lr_sack_scoreboard sb;
    struct lr_sack_block in[LR_SACK_SCOREBOARD];

    (void)state;
    lr_sack_scoreboard_init(&sb);
    for (unsigned i = 0; i < LR_SACK_SCOREBOARD; i++)
        in[i] = BLK(1000 + 200 * i, 1100 + 200 * i);
    lr_sack_scoreboard_update(&sb, in, LR_SACK_SCOREBOARD, 0, 100000);
    assert_int_equal(sb.n, LR_SACK_SCOREBOARD);
    /* A new highest block is forgotten... */
    lr_sack_scoreboard_update(&sb, &BLK(50000, 50100), 1, 0, 100000);
    assert_int_equal(sb.n, LR_SACK_SCOREBOARD);
    assert_int_equal(sb.blk[LR_SACK_SCOREBOARD - 1].start, 1000 + 200 * (LR_SACK_SCOREBOARD - 1));
    /* ...a new lowest one pushes out the highest. */
    lr_sack_scoreboard_update(&sb, &BLK(10, 20), 1, 0, 100000);
    assert_int_equal(sb.n, LR_SACK_SCOREBOARD);
    assert_int_equal(sb.blk[0].start, 10);
    assert_int_equal(sb.blk[LR_SACK_SCOREBOARD - 1].start, 1000 + 200 * (LR_SACK_SCOREBOARD - 2));
    /* Merging into an existing block needs no room. */
    lr_sack_scoreboard_update(&sb, &BLK(1100, 1200), 1, 0, 100000);
    assert_int_equal(sb.n, LR_SACK_SCOREBOARD - 1);
    assert_int_equal(sb.blk[1].start, 1000);
    assert_int_equal(sb.blk[1].end, 1300);
}

static void ack_drops_and_trims(void **state)
{
    struct lr_sack_scoreboard sb;
    const struct lr_sack_block in[] = { BLK(100, 200), BLK(300, 400), BLK(500, 600) };

    (void)state;
    lr_sack_scoreboard_init(&sb);
    lr_sack_scoreboard_update(&sb, in, 3, 50, 1000);
    lr_sack_scoreboard_ack(&sb, 200);
    assert_board(&sb, (struct lr_sack_block[]){ BLK(300, 400), BLK(500, 600) }, 2);
    lr_sack_scoreboard_ack(&sb, 350); /* inconsistent peer, but stay sane */
    assert_board(&sb, (struct lr_sack_block[]){ BLK(350, 400), BLK(500, 600) }, 2);
    lr_sack_scoreboard_ack(&sb, 600);
    assert_int_equal(sb.n, 0);
    assert_int_equal(lr_sack_scoreboard_bytes(&sb), 0);
}

static void covered_and_holes(void **state)
{
    struct lr_sack_scoreboard sb;
    const struct lr_sack_block in[] = { BLK(200, 300), BLK(400, 500) };
    uint32_t seq, len;

    (void)state;
    lr_sack_scoreboard_init(&sb);
    lr_sack_scoreboard_update(&sb, in, 2, 100, 1000);
    assert_true(lr_sack_scoreboard_covered(&sb, 200, 100));
    assert_true(lr_sack_scoreboard_covered(&sb, 250, 10));
    assert_false(lr_sack_scoreboard_covered(&sb, 150, 100));
    assert_false(lr_sack_scoreboard_covered(&sb, 250, 100));
    assert_false(lr_sack_scoreboard_covered(&sb, 250, 200)); /* spans a hole */
    assert_false(lr_sack_scoreboard_covered(&sb, 600, 10));

    assert_true(lr_sack_scoreboard_next_hole(&sb, 100, 1460, &seq, &len));
    assert_int_equal(seq, 100);
    assert_int_equal(len, 100);
    assert_true(lr_sack_scoreboard_next_hole(&sb, 150, 20, &seq, &len));
    assert_int_equal(seq, 150);
    assert_int_equal(len, 20); /* bounded by max_len */
    assert_true(lr_sack_scoreboard_next_hole(&sb, 200, 1460, &seq, &len));
    assert_int_equal(seq, 300);
    assert_int_equal(len, 100);
    assert_true(lr_sack_scoreboard_next_hole(&sb, 350, 1460, &seq, &len));
    assert_int_equal(seq, 350);
    assert_int_equal(len, 50);
    /* Nothing above the highest SACKed byte counts as a hole. */
    assert_false(lr_sack_scoreboard_next_hole(&sb, 450, 1460, &seq, &len));
    assert_false(lr_sack_scoreboard_next_hole(&sb, 500, 1460, &seq, &len));
    assert_false(lr_sack_scoreboard_next_hole(&sb, 100, 0, &seq, &len));
    assert_int_equal(lr_sack_scoreboard_bytes(&sb), 200);

    lr_sack_scoreboard_init(&sb);
    assert_false(lr_sack_scoreboard_next_hole(&sb, 100, 1460, &seq, &len));
    assert_false(lr_sack_scoreboard_covered(&sb, 100, 1));
    assert_true(lr_sack_scoreboard_covered(&sb, 100, 0));
}

static void sequence_wrap(void **state)
{
    struct lr_sack_scoreboard sb;
    const uint32_t una = 0xfffff000u, nxt = 0x00001000u;
    const struct lr_sack_block in[] = {
        BLK(0x00000200, 0x00000300),   BLK(0xfffff800u, 0x00000100), BLK(0x00000100, 0x00000180),
        BLK(0xffffe000u, 0xffffe800u), /* below SND.UNA across the wrap */
        BLK(0x00000800, 0x00002000),   /* beyond SND.NXT across the wrap */
    };
    uint32_t seq, len;

    (void)state;
    lr_sack_scoreboard_init(&sb);
    assert_int_equal(lr_sack_scoreboard_update(&sb, in, 5, una, nxt), 3);
    assert_board(&sb, (struct lr_sack_block[]){ BLK(0xfffff800u, 0x180), BLK(0x200, 0x300) }, 2);
    assert_int_equal(lr_sack_scoreboard_bytes(&sb), 0x800 + 0x180 + 0x100);
    assert_true(lr_sack_scoreboard_covered(&sb, 0xfffffff0u, 0x20));
    assert_true(lr_sack_scoreboard_next_hole(&sb, una, 4096, &seq, &len));
    assert_int_equal(seq, una);
    assert_int_equal(len, 0x800);
    assert_true(lr_sack_scoreboard_next_hole(&sb, 0xfffff900u, 4096, &seq, &len));
    assert_int_equal(seq, 0x180);
    assert_int_equal(len, 0x80);
    lr_sack_scoreboard_ack(&sb, 0x10);
    assert_board(&sb, (struct lr_sack_block[]){ BLK(0x10, 0x180), BLK(0x200, 0x300) }, 2);
}

static void receiver_blocks(void **state)
{
    const struct lr_sack_block ooo[] = {
        BLK(100, 200),   BLK(200, 300),                /* adjacent segments: one block */
        BLK(400, 500),   BLK(600, 650), BLK(640, 700), /* overlapping */
        BLK(800, 900),   BLK(950, 950),                /* empty range, skipped */
        BLK(1000, 1100),
    };
    const unsigned n = sizeof(ooo) / sizeof(ooo[0]);
    const struct lr_sack_block prev[] = { BLK(800, 900), BLK(100, 200), BLK(5000, 6000) };
    struct lr_sack_block out[LR_TCP_MAX_SACK + 2];
    unsigned k;

    (void)state;
    /* RFC 2018 §4: the block with the latest segment first, then the
     * previously reported ones still present, then the others. */
    k = lr_sack_blocks_build(ooo, n, 650, prev, 3, out, 4);
    assert_int_equal(k, 4);
    assert_int_equal(out[0].start, 600);
    assert_int_equal(out[0].end, 700);
    assert_int_equal(out[1].start, 800);
    assert_int_equal(out[1].end, 900);
    assert_int_equal(out[2].start, 100);
    assert_int_equal(out[2].end, 300);
    assert_int_equal(out[3].start, 400);
    assert_int_equal(out[3].end, 500);

    /* With timestamps only 3 fit; output never exceeds LR_TCP_MAX_SACK. */
    assert_int_equal(lr_sack_blocks_build(ooo, n, 650, prev, 3, out, 3), 3);
    assert_int_equal(lr_sack_blocks_build(ooo, n, 650, NULL, 0, out, 6), 4);
    assert_int_equal(out[0].start, 600);
    assert_int_equal(out[1].start, 100);
    assert_int_equal(out[2].start, 400);
    assert_int_equal(out[3].start, 800);

    /* The latest segment was in order (not in the queue): lowest first. */
    assert_int_equal(lr_sack_blocks_build(ooo, n, 50, NULL, 0, out, 2), 2);
    assert_int_equal(out[0].start, 100);
    assert_int_equal(out[1].start, 400);
    /* The latest segment in the same block as a previous one: no duplicate. */
    k = lr_sack_blocks_build(ooo, n, 150, prev, 3, out, 4);
    assert_int_equal(k, 4);
    assert_int_equal(out[0].start, 100);
    assert_int_equal(out[1].start, 800);
    assert_int_equal(out[2].start, 400);
    assert_int_equal(out[3].start, 600);

    assert_int_equal(lr_sack_blocks_build(ooo, 0, 150, prev, 3, out, 4), 0);
    assert_int_equal(lr_sack_blocks_build(NULL, 3, 150, prev, 3, out, 4), 0);
    assert_int_equal(lr_sack_blocks_build(ooo, n, 150, prev, 3, out, 0), 0);
}

static void receiver_blocks_wrap(void **state)
{
    const struct lr_sack_block ooo[] = {
        BLK(0xffffff00u, 0xffffffffu),
        BLK(0xffffffffu, 0x00000080), /* adjacent across the wrap */
        BLK(0x00000100, 0x00000200),
    };
    struct lr_sack_block out[4];

    (void)state;
    assert_int_equal(lr_sack_blocks_build(ooo, 3, 0x10, NULL, 0, out, 4), 2);
    assert_int_equal(out[0].start, 0xffffff00u);
    assert_int_equal(out[0].end, 0x80);
    assert_int_equal(out[1].start, 0x100);
    assert_int_equal(out[1].end, 0x200);
}

/*
 * Random property test against a byte bitmap: after every block the
 * scoreboard must equal the lowest LR_SACK_SCOREBOARD runs of the union of
 * the accepted blocks, with the window placed across the 2^32 wrap.
 */
#define WIN 2048u

static unsigned model_runs(const uint8_t *bm, struct lr_sack_block *runs, unsigned max,
                           uint32_t base)
{
    unsigned n = 0;

    for (unsigned i = 0; i < WIN;) {
        if (!bm[i]) {
            i++;
            continue;
        }
        unsigned j = i;
        while (j < WIN && bm[j])
            j++;
        if (n < max) {
            runs[n].start = base + i;
            runs[n].end = base + j;
        }
        n++;
        i = j;
    }
    return n;
}

static void random_against_bitmap(void **state)
{
    static uint8_t bm[WIN];
    struct lr_sack_block runs[WIN / 2];
    struct lr_sack_scoreboard sb;
    uint32_t x = 2463534242u;

    (void)state;
    for (unsigned round = 0; round < 200; round++) {
        const uint32_t base = 0xfffffc00u + round; /* SND.UNA, wraps inside the window */
        uint32_t una_off = 0;

        memset(bm, 0, sizeof(bm));
        lr_sack_scoreboard_init(&sb);
        for (unsigned step = 0; step < 60; step++) {
            struct lr_sack_block b;
            uint32_t s, len;

            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            s = x % (WIN + 64);
            len = (x >> 12) % 96;
            b.start = base + s;
            b.end = base + s + len;
            if ((x >> 24) % 16 == 0) {
                /* now and then the cumulative ACK moves */
                una_off += (x >> 8) % 64;
                if (una_off > WIN)
                    una_off = WIN;
                memset(bm, 0, una_off);
            }
            bool valid = len > 0 && s > una_off && s + len <= WIN;
            unsigned acc = lr_sack_scoreboard_update(&sb, &b, 1, base + una_off, base + WIN);
            assert_int_equal(acc, valid);
            if (valid) {
                memset(bm + s, 1, len);
                /* keep only the lowest LR_SACK_SCOREBOARD runs */
                unsigned n = model_runs(bm, runs, WIN / 2, base);
                for (unsigned r = LR_SACK_SCOREBOARD; r < n; r++)
                    memset(bm + (runs[r].start - base), 0, runs[r].end - runs[r].start);
            }
            unsigned n = model_runs(bm, runs, WIN / 2, base);
            assert_true(n <= LR_SACK_SCOREBOARD);
            assert_board(&sb, runs, n);
            uint32_t bytes = 0;
            for (unsigned i = 0; i < WIN; i++)
                bytes += bm[i];
            assert_int_equal(lr_sack_scoreboard_bytes(&sb), bytes);
            /* covered() and next_hole() agree with the bitmap too */
            uint32_t q = x % WIN, ql = 1 + (x >> 20) % 32, seq, hl;
            bool cov = q + ql <= WIN;
            for (uint32_t i = q; cov && i < q + ql; i++)
                cov = bm[i];
            assert_int_equal(lr_sack_scoreboard_covered(&sb, base + q, ql), cov);
            if (lr_sack_scoreboard_next_hole(&sb, base + q, 4096, &seq, &hl)) {
                uint32_t o = seq - base;
                assert_true(o >= q && o < WIN && !bm[o]);
                for (uint32_t i = q; i < o; i++)
                    assert_true(bm[i]);
                assert_true(o + hl < WIN && bm[o + hl]);
                for (uint32_t i = o; i < o + hl; i++)
                    assert_false(bm[i]);
            } else {
                /* no hole: nothing SACKed above any unSACKed byte from q */
                bool seen_hole = false;
                for (uint32_t i = q; i < WIN; i++) {
                    if (!bm[i])
                        seen_hole = true;
                    else
                        assert_false(seen_hole);
                }
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(merge_sorted_disjoint),   cmocka_unit_test(bogus_blocks_ignored),
        cmocka_unit_test(full_board_keeps_lowest), cmocka_unit_test(ack_drops_and_trims),
        cmocka_unit_test(covered_and_holes),       cmocka_unit_test(sequence_wrap),
        cmocka_unit_test(receiver_blocks),         cmocka_unit_test(receiver_blocks_wrap),
        cmocka_unit_test(random_against_bitmap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
