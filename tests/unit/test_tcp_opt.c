/* SPDX-License-Identifier: BSD-3-Clause */
/* TCP options parse/write: valid layouts, truncations, impossible lengths, round trips. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "lr_tcp_opt.h"

static void parse_empty(void **state)
{
    struct lr_tcp_opts o;

    (void)state;
    memset(&o, 0xa5, sizeof(o));
    assert_int_equal(lr_tcp_opts_parse(NULL, 0, true, &o), 0);
    assert_false(o.has_mss);
    assert_false(o.has_ts);
    assert_int_equal(o.nb_sack, 0);
    assert_int_equal(lr_tcp_opts_parse(NULL, 4, true, &o), -EINVAL);
    assert_int_equal(lr_tcp_opts_parse((const uint8_t *)"\x01", 1, true, NULL), -EINVAL);
}

static void parse_linux_syn(void **state)
{
    /* The SYN options Linux sends: MSS, SACK-perm, TS, NOP, WS. */
    static const uint8_t b[] = { 2,    4,    0x05, 0xb4, 4, 2, 8, 10, 0x11, 0x22,
                                 0x33, 0x44, 0,    0,    0, 0, 1, 3,  3,    7 };
    struct lr_tcp_opts o;

    (void)state;
    assert_int_equal(lr_tcp_opts_parse(b, sizeof(b), true, &o), 0);
    assert_true(o.has_mss);
    assert_int_equal(o.mss, 1460);
    assert_true(o.sack_ok);
    assert_true(o.has_ts);
    assert_int_equal(o.ts_val, 0x11223344);
    assert_int_equal(o.ts_ecr, 0);
    assert_true(o.has_wscale);
    assert_int_equal(o.wscale, 7);
    assert_int_equal(o.nb_sack, 0);
}

static void parse_syn_only_options_ignored_without_syn(void **state)
{
    static const uint8_t b[] = { 2, 4, 0x05, 0xb4, 4, 2, 1, 1, 1, 3, 3, 7 };
    struct lr_tcp_opts o;

    (void)state;
    assert_int_equal(lr_tcp_opts_parse(b, sizeof(b), false, &o), 0);
    assert_false(o.has_mss);
    assert_false(o.sack_ok);
    assert_false(o.has_wscale);
}

static void parse_sack_blocks(void **state)
{
    uint8_t b[40];
    struct lr_tcp_opts o;
    unsigned n = 0;

    (void)state;
    b[n++] = 1;
    b[n++] = 1;
    b[n++] = 5;
    b[n++] = 2 + 8 * 4;
    for (unsigned i = 0; i < 4; i++) {
        uint32_t s = 0xfffffff0u + i * 0x1000, e = s + 0x800;
        for (int k = 3; k >= 0; k--)
            b[n++] = (uint8_t)(s >> (8 * k));
        for (int k = 3; k >= 0; k--)
            b[n++] = (uint8_t)(e >> (8 * k));
    }
    assert_int_equal(n, 36);
    assert_int_equal(lr_tcp_opts_parse(b, n, false, &o), 0);
    assert_int_equal(o.nb_sack, 4);
    assert_int_equal(o.sack[0].start, 0xfffffff0u);
    assert_int_equal(o.sack[0].end, 0xfffffff0u + 0x800);
    assert_int_equal(o.sack[3].start, (uint32_t)(0xfffffff0u + 0x3000));
    /* Same bytes in a SYN: blocks carry nothing and are not reported. */
    assert_int_equal(lr_tcp_opts_parse(b, n, true, &o), 0);
    assert_int_equal(o.nb_sack, 0);
}

static void parse_bad_lengths(void **state)
{
    struct lr_tcp_opts o;
    /* Each case is malformed for a different reason. */
    static const struct {
        uint8_t b[12];
        unsigned len;
    } bad[] = {
        { { 2, 0, 0, 0 }, 4 },                  /* length 0 */
        { { 2, 1, 0, 0 }, 4 },                  /* length 1 */
        { { 99, 1 }, 2 },                       /* unknown option, length 1 */
        { { 99, 0 }, 2 },                       /* unknown option, length 0 */
        { { 2, 4, 5 }, 3 },                     /* MSS overruns the area */
        { { 1, 1, 1, 2 }, 4 },                  /* kind without length octet */
        { { 2, 3, 5, 1 }, 4 },                  /* MSS with length 3 */
        { { 2, 5, 5, 0xb4, 0 }, 5 },            /* MSS with length 5 */
        { { 3, 4, 7, 0 }, 4 },                  /* WS with length 4 */
        { { 4, 3, 0, 1 }, 4 },                  /* SACK-perm with length 3 */
        { { 8, 8, 0, 0, 0, 0, 0, 0 }, 8 },      /* TS with length 8 */
        { { 5, 2, 1, 1 }, 4 },                  /* SACK without a block */
        { { 5, 9, 0, 0, 0, 0, 0, 0, 0 }, 9 },   /* SACK length not 8n+2 */
        { { 99, 12, 0, 0, 0, 0, 0, 0, 0 }, 9 }, /* unknown overruns */
    };

    (void)state;
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(lr_tcp_opts_parse(bad[i].b, bad[i].len, true, &o), -EINVAL);
        assert_int_equal(lr_tcp_opts_parse(bad[i].b, bad[i].len, false, &o), -EINVAL);
    }
}

static void parse_sack_five_blocks_rejected(void **state)
{
    uint8_t b[44] = { 5, 42 };
    struct lr_tcp_opts o;

    (void)state;
    /* 42 bytes cannot be inside a legal option area, and n = 5 > 4. */
    assert_int_equal(lr_tcp_opts_parse(b, sizeof(b), false, &o), -EINVAL);
}

static void parse_unknown_skipped_and_eol_stops(void **state)
{
    /* Unknown kind 30 (MPTCP) len 6, then TS, then EOL followed by garbage. */
    static const uint8_t b[] = { 30, 6, 1, 2, 3, 4, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 0, 2, 0, 9 };
    struct lr_tcp_opts o;

    (void)state;
    assert_int_equal(lr_tcp_opts_parse(b, sizeof(b), true, &o), 0);
    assert_true(o.has_ts);
    assert_int_equal(o.ts_val, 1);
    assert_int_equal(o.ts_ecr, 2);
    assert_false(o.has_mss); /* the 2,0 after EOL is padding, not an MSS */
}

static void parse_all_nops(void **state)
{
    uint8_t b[40];
    struct lr_tcp_opts o;

    (void)state;
    memset(b, 1, sizeof(b));
    assert_int_equal(lr_tcp_opts_parse(b, sizeof(b), true, &o), 0);
    assert_false(o.has_ts);
}

static void parse_every_short_prefix_is_defined(void **state)
{
    static const uint8_t b[] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 7, 4, 2, 1,
                                 1, 8, 10,   0,    0, 0, 1, 0, 0, 0, 2 };
    struct lr_tcp_opts o;
    /* Cut points that fall on an option boundary parse; the others overrun. */
    static const unsigned ok_at[] = { 0, 4, 5, 8, 10, 11, 12, 22 };

    (void)state;
    for (unsigned len = 0; len <= sizeof(b); len++) {
        bool ok = false;
        for (unsigned i = 0; i < sizeof(ok_at) / sizeof(ok_at[0]); i++)
            ok |= ok_at[i] == len;
        assert_int_equal(lr_tcp_opts_parse(b, len, true, &o), ok ? 0 : -EINVAL);
    }
}

static void write_syn_layout(void **state)
{
    struct lr_tcp_opts o = { 0 };
    uint8_t buf[40];
    unsigned n;
    static const uint8_t expect[] = { 2, 4, 0x23, 0x00, 1, 3, 3, 9,    1,    1,    4,    2,
                                      1, 1, 8,    10,   0, 0, 0, 0x2a, 0xde, 0xad, 0xbe, 0xef };

    (void)state;
    o.has_mss = 1;
    o.mss = 8960;
    o.has_wscale = 1;
    o.wscale = 9;
    o.sack_ok = 1;
    o.has_ts = 1;
    o.ts_val = 42;
    o.ts_ecr = 0xdeadbeef;
    n = lr_tcp_opts_write(buf, &o, true);
    assert_int_equal(n, sizeof(expect));
    assert_memory_equal(buf, expect, sizeof(expect));
}

static void write_wscale_clamped(void **state)
{
    struct lr_tcp_opts o = { 0 }, p;
    uint8_t buf[40];
    unsigned n;

    (void)state;
    o.has_wscale = 1;
    o.wscale = 200;
    n = lr_tcp_opts_write(buf, &o, true);
    assert_int_equal(n, 4);
    assert_int_equal(lr_tcp_opts_parse(buf, n, true, &p), 0);
    assert_int_equal(p.wscale, 14);
}

static void write_non_syn_drops_syn_options(void **state)
{
    struct lr_tcp_opts o = { 0 };
    uint8_t buf[40];

    (void)state;
    o.has_mss = 1;
    o.mss = 1460;
    o.has_wscale = 1;
    o.sack_ok = 1;
    assert_int_equal(lr_tcp_opts_write(buf, &o, false), 0);
    o.has_ts = 1;
    assert_int_equal(lr_tcp_opts_write(buf, &o, false), 12);
    assert_int_equal(buf[0], 1);
    assert_int_equal(buf[1], 1);
    assert_int_equal(buf[2], 8);
}

static void write_sack_limits(void **state)
{
    struct lr_tcp_opts o = { 0 }, p;
    uint8_t buf[40];
    unsigned n;

    (void)state;
    o.nb_sack = 4;
    for (unsigned i = 0; i < 4; i++) {
        o.sack[i].start = 1000 * (i + 1);
        o.sack[i].end = 1000 * (i + 1) + 500;
    }
    n = lr_tcp_opts_write(buf, &o, false);
    assert_int_equal(n, 36);
    assert_int_equal(lr_tcp_opts_parse(buf, n, false, &p), 0);
    assert_int_equal(p.nb_sack, 4);
    assert_memory_equal(p.sack, o.sack, sizeof(o.sack));

    /* With timestamps only 3 blocks fit (RFC 2018 §3). */
    o.has_ts = 1;
    o.ts_val = 7;
    n = lr_tcp_opts_write(buf, &o, false);
    assert_int_equal(n, 40);
    assert_int_equal(lr_tcp_opts_parse(buf, n, false, &p), 0);
    assert_int_equal(p.nb_sack, 3);
    assert_true(p.has_ts);
    assert_memory_equal(p.sack, o.sack, 3 * sizeof(o.sack[0]));

    /* A corrupt count is bounded, never an overflow. */
    o.has_ts = 0;
    o.nb_sack = 200;
    n = lr_tcp_opts_write(buf, &o, false);
    assert_int_equal(n, 36);
    /* No blocks in a SYN. */
    assert_int_equal(lr_tcp_opts_write(buf, &o, true), 0);
}

static void write_is_aligned_and_round_trips(void **state)
{
    uint8_t buf[40];
    struct lr_tcp_opts p;

    (void)state;
    for (unsigned mask = 0; mask < 64; mask++) {
        struct lr_tcp_opts o = { 0 };
        bool syn = mask & 32;
        unsigned n;

        o.has_mss = !!(mask & 1);
        o.mss = 1400;
        o.has_wscale = !!(mask & 2);
        o.wscale = 5;
        o.sack_ok = !!(mask & 4);
        o.has_ts = !!(mask & 8);
        o.ts_val = 0x01020304;
        o.ts_ecr = 0x05060708;
        o.nb_sack = (mask & 16) ? 2 : 0;
        o.sack[0].start = 10;
        o.sack[0].end = 20;
        o.sack[1].start = 30;
        o.sack[1].end = 40;
        n = lr_tcp_opts_write(buf, &o, syn);
        assert_int_equal(n % 4, 0);
        assert_true(n <= 40);
        assert_int_equal(lr_tcp_opts_parse(buf, n, syn, &p), 0);
        assert_int_equal(p.has_mss, syn && o.has_mss);
        assert_int_equal(p.has_wscale, syn && o.has_wscale);
        assert_int_equal(p.sack_ok, syn && o.sack_ok);
        assert_int_equal(p.has_ts, o.has_ts);
        if (p.has_mss)
            assert_int_equal(p.mss, 1400);
        if (p.has_wscale)
            assert_int_equal(p.wscale, 5);
        if (p.has_ts) {
            assert_int_equal(p.ts_val, o.ts_val);
            assert_int_equal(p.ts_ecr, o.ts_ecr);
        }
        assert_int_equal(p.nb_sack, syn ? 0 : o.nb_sack);
    }
}

/* Reference walk used to cross-check random inputs: is @b well formed? */
static bool model_valid(const uint8_t *b, unsigned len)
{
    static const uint8_t fixed_len[256] = { [2] = 4, [3] = 3, [4] = 2, [8] = 10 };

    for (unsigned i = 0; i < len;) {
        if (b[i] == 0)
            return true;
        if (b[i] == 1) {
            i++;
            continue;
        }
        if (i + 1 >= len || b[i + 1] < 2 || i + b[i + 1] > len)
            return false;
        if (fixed_len[b[i]] && b[i + 1] != fixed_len[b[i]])
            return false;
        if (b[i] == 5 && (b[i + 1] < 10 || (b[i + 1] - 2) % 8 || b[i + 1] > 34))
            return false;
        i += b[i + 1];
    }
    return true;
}

static void parse_random_bytes(void **state)
{
    uint8_t b[40];
    struct lr_tcp_opts o;
    uint32_t x = 88172645u;
    unsigned ok = 0;

    (void)state;
    for (unsigned round = 0; round < 200000; round++) {
        unsigned len = round % 41;

        for (unsigned i = 0; i < len; i++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            /* bias towards known kinds and small lengths so that valid
             * layouts occur often */
            uint8_t v = (uint8_t)(x >> 8);
            b[i] = (x & 3) ? (uint8_t)(v % 12) : v;
        }
        int rc = lr_tcp_opts_parse(b, len, round & 1, &o);
        assert_true(rc == 0 || rc == -EINVAL);
        assert_int_equal(rc == 0, model_valid(b, len));
        assert_true(o.nb_sack <= LR_TCP_MAX_SACK);
        ok += rc == 0;
    }
    assert_true(ok > 1000); /* the valid branch was exercised */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_empty),
        cmocka_unit_test(parse_linux_syn),
        cmocka_unit_test(parse_syn_only_options_ignored_without_syn),
        cmocka_unit_test(parse_sack_blocks),
        cmocka_unit_test(parse_bad_lengths),
        cmocka_unit_test(parse_sack_five_blocks_rejected),
        cmocka_unit_test(parse_unknown_skipped_and_eol_stops),
        cmocka_unit_test(parse_all_nops),
        cmocka_unit_test(parse_every_short_prefix_is_defined),
        cmocka_unit_test(write_syn_layout),
        cmocka_unit_test(write_wscale_clamped),
        cmocka_unit_test(write_non_syn_drops_syn_options),
        cmocka_unit_test(write_sack_limits),
        cmocka_unit_test(write_is_aligned_and_round_trips),
        cmocka_unit_test(parse_random_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
