/* SPDX-License-Identifier: BSD-3-Clause */
/* SipHash-2-4 vectors, RFC 6528 ISNs and SYN cookies. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_byteorder.h>

#include "lr_tcp_isn.h"

#define MINUTE_US 60000000ull

static const uint64_t KEY0 = 0x0706050403020100ull; /* key bytes 00..07, little-endian */
static const uint64_t KEY1 = 0x0f0e0d0c0b0a0908ull; /* key bytes 08..0f */

static const struct lr_tcp_secret fixed = {
    .k0 = 0x0123456789abcdefull,
    .k1 = 0xfedcba9876543210ull,
    .c0 = 0x1111111122222222ull,
    .c1 = 0x3333333344444444ull,
};

static void siphash_vectors(void **state)
{
    uint8_t m[16];

    (void)state;
    for (unsigned i = 0; i < sizeof(m); i++)
        m[i] = (uint8_t)i;
    /* The SipHash paper's Appendix A example: 15-byte message 00..0e. */
    assert_int_equal(lr_siphash24(KEY0, KEY1, m, 15), 0xa129ca6149be45e5ull);
    /* Reference implementation vectors (empty, 1, 7, 8 and 16 bytes). */
    assert_int_equal(lr_siphash24(KEY0, KEY1, m, 0), 0x726fdb47dd0e0e31ull);
    assert_int_equal(lr_siphash24(KEY0, KEY1, NULL, 0), 0x726fdb47dd0e0e31ull);
    assert_int_equal(lr_siphash24(KEY0, KEY1, m, 1), 0x74f839c593dc67fdull);
    assert_int_equal(lr_siphash24(KEY0, KEY1, m, 7), 0xab0200f58b01d137ull);
    assert_int_equal(lr_siphash24(KEY0, KEY1, m, 8), 0x93f5f5799a932462ull);
    assert_int_equal(lr_siphash24(KEY0, KEY1, m, 16), 0x3f2acc7f57c29bdbull);
    /* Any key change changes the result. */
    assert_int_not_equal(lr_siphash24(KEY0 ^ 1, KEY1, m, 15), 0xa129ca6149be45e5ull);
    assert_int_not_equal(lr_siphash24(KEY0, KEY1 ^ (1ull << 63), m, 15), 0xa129ca6149be45e5ull);
}

static void secret_from_getrandom(void **state)
{
    struct lr_tcp_secret a, b;

    (void)state;
    assert_int_equal(lr_tcp_secret_init(&a), 0);
    assert_int_equal(lr_tcp_secret_init(&b), 0);
    assert_memory_not_equal(&a, &b, sizeof(a));
    assert_true(a.k0 != 0 || a.k1 != 0);
    assert_true(a.c0 != a.k0);
    assert_int_equal(lr_tcp_secret_init(NULL), -EINVAL);
}

static void isn_clock_and_tuple(void **state)
{
    const rte_be32_t la = rte_cpu_to_be_32(0xc6120001), ra = rte_cpu_to_be_32(0xc6120002);
    const rte_be16_t lp = rte_cpu_to_be_16(80), rp = rte_cpu_to_be_16(40000);
    const uint64_t t = 123456789;
    uint32_t base = lr_tcp_isn(&fixed, la, lp, ra, rp, t);

    (void)state;
    /* RFC 6528: M ticks every 4 us; F is constant for a tuple and secret. */
    assert_int_equal(lr_tcp_isn(&fixed, la, lp, ra, rp, t), base);
    assert_int_equal(lr_tcp_isn(&fixed, la, lp, ra, rp, t + 4) - base, 1);
    assert_int_equal((uint32_t)(lr_tcp_isn(&fixed, la, lp, ra, rp, t + 4000000) - base), 1000000);
    /* The 32-bit clock wraps after 2^32 * 4 us (~4.8 h), back to the same ISN. */
    assert_int_equal(lr_tcp_isn(&fixed, la, lp, ra, rp, t + (4ull << 32)), base);

    /* Changing any single bit of any input changes F. */
    for (unsigned bit = 0; bit < 32; bit++) {
        rte_be32_t x = la ^ rte_cpu_to_be_32(1u << bit);
        rte_be32_t y = ra ^ rte_cpu_to_be_32(1u << bit);

        assert_int_not_equal(lr_tcp_isn(&fixed, x, lp, ra, rp, t), base);
        assert_int_not_equal(lr_tcp_isn(&fixed, la, lp, y, rp, t), base);
    }
    for (unsigned bit = 0; bit < 16; bit++) {
        rte_be16_t x = lp ^ rte_cpu_to_be_16((uint16_t)(1u << bit));
        rte_be16_t y = rp ^ rte_cpu_to_be_16((uint16_t)(1u << bit));

        assert_int_not_equal(lr_tcp_isn(&fixed, la, x, ra, rp, t), base);
        assert_int_not_equal(lr_tcp_isn(&fixed, la, lp, ra, y, t), base);
    }
    /* Swapping the ends is a different connection. */
    assert_int_not_equal(lr_tcp_isn(&fixed, ra, rp, la, lp, t), base);
    /* Another secret, another ISN. */
    struct lr_tcp_secret other = fixed;
    other.k1 ^= 1;
    assert_int_not_equal(lr_tcp_isn(&other, la, lp, ra, rp, t), base);
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

    return x < y ? -1 : x > y;
}

static void isn_spread(void **state)
{
    enum { N = 65536 };
    static uint32_t v[N];
    unsigned ones[32] = { 0 }, dup = 0;
    const rte_be32_t la = rte_cpu_to_be_32(0xc6120001), ra = rte_cpu_to_be_32(0xc6130007);

    (void)state;
    /* All client ports of one peer at the same instant, as in a SYN flood
     * or a load generator: the ISNs must look independent. */
    for (unsigned i = 0; i < N; i++) {
        v[i] = lr_tcp_isn(&fixed, la, rte_cpu_to_be_16(80), ra, rte_cpu_to_be_16((uint16_t)i), 999);
        for (unsigned b = 0; b < 32; b++)
            ones[b] += (v[i] >> b) & 1;
    }
    /* Each output bit is set about half the time (mean 32768, sd 128). */
    for (unsigned b = 0; b < 32; b++) {
        assert_true(ones[b] > N / 2 - 1024);
        assert_true(ones[b] < N / 2 + 1024);
    }
    /* Birthday bound: 65536 random 32-bit values give ~0.5 collisions. */
    qsort(v, N, sizeof(v[0]), cmp_u32);
    for (unsigned i = 1; i < N; i++)
        dup += v[i] == v[i - 1];
    assert_true(dup <= 4);
    /* Consecutive ports do not give related ISNs (no constant difference). */
    uint32_t d1 = lr_tcp_isn(&fixed, la, 80, ra, 1, 0) - lr_tcp_isn(&fixed, la, 80, ra, 2, 0);
    uint32_t d2 = lr_tcp_isn(&fixed, la, 80, ra, 2, 0) - lr_tcp_isn(&fixed, la, 80, ra, 3, 0);
    assert_int_not_equal(d1, d2);
}

static const uint16_t mss_tab[8] = { 536, 1220, 1300, 1380, 1440, 1460, 4312, 8960 };

static void cookie_round_trip_all_options(void **state)
{
    const rte_be32_t la = rte_cpu_to_be_32(0xc6120001), ra = rte_cpu_to_be_32(0xc6120063);
    const rte_be16_t lp = rte_cpu_to_be_16(443), rp = rte_cpu_to_be_16(51515);
    const uint64_t now = 1000 * MINUTE_US + 12345;
    unsigned n = 0;

    (void)state;
    for (unsigned m = 0; m < 8; m++) {
        for (unsigned ts = 0; ts < 2; ts++) {
            for (unsigned sack = 0; sack < 2; sack++) {
                for (unsigned ws = 0; ws <= 15; ws++) {
                    struct lr_syncookie_opts in = {
                        .mss = mss_tab[m], .wscale = (uint8_t)ws, .sack_ok = sack, .ts_ok = ts
                    };
                    struct lr_syncookie_opts out;
                    uint32_t peer = 0x9e3779b9u * (n + 1);
                    uint32_t c = lr_syncookie_make(&fixed, la, lp, ra, rp, peer, &in, now);

                    memset(&out, 0xee, sizeof(out));
                    assert_true(lr_syncookie_check(&fixed, la, lp, ra, rp, peer, c, now, &out));
                    assert_int_equal(out.mss, mss_tab[m]);
                    assert_int_equal(out.ts_ok, ts);
                    if (ts) {
                        assert_int_equal(out.wscale, ws);
                        assert_int_equal(out.sack_ok, sack);
                    } else {
                        /* Without timestamps only the MSS survives. */
                        assert_int_equal(out.wscale, 15);
                        assert_false(out.sack_ok);
                    }
                    n++;
                }
            }
        }
    }
    assert_int_equal(n, 8 * 2 * 2 * 16);
}

static void cookie_mss_encoding(void **state)
{
    const rte_be32_t la = 1, ra = 2;
    const rte_be16_t lp = 3, rp = 4;
    static const struct {
        uint16_t peer, got;
    } cases[] = {
        { 0, 536 },     { 100, 536 },   { 535, 536 },   { 536, 536 },
        { 1219, 536 },  { 1220, 1220 }, { 1459, 1440 }, { 1460, 1460 },
        { 1500, 1460 }, { 8960, 8960 }, { 9000, 8960 }, { 65535, 8960 },
    };
    struct lr_syncookie_opts out;

    (void)state;
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct lr_syncookie_opts in = { .mss = cases[i].peer, .wscale = 7 };
        uint32_t c = lr_syncookie_make(&fixed, la, lp, ra, rp, 5, &in, MINUTE_US);

        assert_true(lr_syncookie_check(&fixed, la, lp, ra, rp, 5, c, MINUTE_US, &out));
        assert_int_equal(out.mss, cases[i].got);
    }
    /* Out-of-range wscale is clamped to 14 (RFC 7323 §2.3). */
    struct lr_syncookie_opts in = { .mss = 1460, .wscale = 200, .ts_ok = true };
    uint32_t c = lr_syncookie_make(&fixed, la, lp, ra, rp, 5, &in, MINUTE_US);
    assert_true(lr_syncookie_check(&fixed, la, lp, ra, rp, 5, c, MINUTE_US, &out));
    assert_int_equal(out.wscale, 14);
    /* NULL options: MSS only, the default 536; NULL output is allowed. */
    c = lr_syncookie_make(&fixed, la, lp, ra, rp, 5, NULL, MINUTE_US);
    assert_true(lr_syncookie_check(&fixed, la, lp, ra, rp, 5, c, MINUTE_US, NULL));
}

static void cookie_tampering_rejected(void **state)
{
    const rte_be32_t la = rte_cpu_to_be_32(0xc6120001), ra = rte_cpu_to_be_32(0xc6120063);
    const rte_be16_t lp = rte_cpu_to_be_16(80), rp = rte_cpu_to_be_16(33333);
    const uint64_t now = 77 * MINUTE_US + 5;
    const uint32_t peer = 0xdeadbeef;
    struct lr_syncookie_opts in = { .mss = 1460, .wscale = 7, .sack_ok = true, .ts_ok = true };
    struct lr_syncookie_opts out;
    uint32_t c;

    (void)state;
    for (unsigned ts = 0; ts < 2; ts++) {
        in.ts_ok = ts;
        c = lr_syncookie_make(&fixed, la, lp, ra, rp, peer, &in, now);
        assert_true(lr_syncookie_check(&fixed, la, lp, ra, rp, peer, c, now, &out));
        /* Every single-bit change of the cookie: hash, options, MSS, counter. */
        for (unsigned bit = 0; bit < 32; bit++)
            assert_false(
                lr_syncookie_check(&fixed, la, lp, ra, rp, peer, c ^ (1u << bit), now, &out));
        /* Another tuple, peer ISN or secret. */
        assert_false(lr_syncookie_check(&fixed, la ^ 1, lp, ra, rp, peer, c, now, &out));
        assert_false(lr_syncookie_check(&fixed, la, lp ^ 1, ra, rp, peer, c, now, &out));
        assert_false(lr_syncookie_check(&fixed, la, lp, ra ^ 0x100, rp, peer, c, now, &out));
        assert_false(lr_syncookie_check(&fixed, la, lp, ra, rp ^ 0x8000, peer, c, now, &out));
        assert_false(lr_syncookie_check(&fixed, la, lp, ra, rp, peer + 1, c, now, &out));
        struct lr_tcp_secret other = fixed;
        other.c0 ^= 1ull << 40;
        assert_false(lr_syncookie_check(&other, la, lp, ra, rp, peer, c, now, &out));
        /* The ISN key is not the cookie key. */
        other = fixed;
        other.k0 ^= 1;
        assert_true(lr_syncookie_check(&other, la, lp, ra, rp, peer, c, now, &out));
    }
}

static void cookie_random_guesses_rejected(void **state)
{
    const rte_be32_t la = 11, ra = 22;
    const rte_be16_t lp = 33, rp = 44;
    const uint64_t now = 5 * MINUTE_US;
    unsigned accepted = 0;

    (void)state;
    srand(7);
    /* 2^20 random guesses; expected accepts ~ 2^20 * 2/64 * (2^-23 + 2^-18) = 0.13. */
    for (unsigned i = 0; i < (1u << 20); i++) {
        uint32_t guess = ((uint32_t)rand() << 16) ^ (uint32_t)rand();

        accepted += lr_syncookie_check(&fixed, la, lp, ra, rp, 1, guess, now, NULL);
    }
    assert_true(accepted <= 2);
}

static void cookie_age(void **state)
{
    const rte_be32_t la = 1, ra = 2;
    const rte_be16_t lp = 3, rp = 4;
    struct lr_syncookie_opts in = { .mss = 1460, .wscale = 15 };
    const uint64_t made = 10 * MINUTE_US + 59 * 1000000ull; /* end of minute 10 */
    uint32_t c = lr_syncookie_make(&fixed, la, lp, ra, rp, 9, &in, made);

    (void)state;
    assert_true(lr_syncookie_check(&fixed, la, lp, ra, rp, 9, c, made, NULL));
    assert_true(lr_syncookie_check(&fixed, la, lp, ra, rp, 9, c, 11 * MINUTE_US, NULL));
    assert_true(lr_syncookie_check(&fixed, la, lp, ra, rp, 9, c, 12 * MINUTE_US - 1, NULL));
    /* Two minutes on: too old (RFC 4987 §3.6). */
    assert_false(lr_syncookie_check(&fixed, la, lp, ra, rp, 9, c, 12 * MINUTE_US, NULL));
    assert_false(lr_syncookie_check(&fixed, la, lp, ra, rp, 9, c, 40 * MINUTE_US, NULL));
    /* From the future (the clock went back a minute): rejected. */
    assert_false(lr_syncookie_check(&fixed, la, lp, ra, rp, 9, c, 9 * MINUTE_US, NULL));
    /* 64 minutes later the 6-bit counter matches again, the hashed full one does not. */
    assert_false(lr_syncookie_check(&fixed, la, lp, ra, rp, 9, c, made + 64 * MINUTE_US, NULL));
    assert_false(lr_syncookie_check(&fixed, la, lp, ra, rp, 9, c, made + 65 * MINUTE_US, NULL));
}

static void cookie_counter_wrap(void **state)
{
    const rte_be32_t la = 1, ra = 2;
    const rte_be16_t lp = 3, rp = 4;
    struct lr_syncookie_opts in = { .mss = 8960, .wscale = 3, .sack_ok = true, .ts_ok = true };
    struct lr_syncookie_opts out;
    /* Minute 63 is the last value of the 6-bit counter; 64 shows as 0. */
    const uint64_t made = 63 * MINUTE_US + 30000000;
    uint32_t c = lr_syncookie_make(&fixed, la, lp, ra, rp, 9, &in, made);

    (void)state;
    assert_int_equal(c >> 26, 63);
    assert_true(lr_syncookie_check(&fixed, la, lp, ra, rp, 9, c, 64 * MINUTE_US + 10, &out));
    assert_int_equal(out.mss, 8960);
    assert_int_equal(out.wscale, 3);
    assert_false(lr_syncookie_check(&fixed, la, lp, ra, rp, 9, c, 65 * MINUTE_US, &out));
    /* Same at the start of time: a cookie of minute 0 checked in minute 1. */
    c = lr_syncookie_make(&fixed, la, lp, ra, rp, 9, &in, 0);
    assert_true(lr_syncookie_check(&fixed, la, lp, ra, rp, 9, c, MINUTE_US, &out));
    assert_true(lr_syncookie_check(&fixed, la, lp, ra, rp, 9, c, 0, &out));
    /* And where the 32-bit minute counter itself wraps. */
    const uint64_t far = ((1ull << 32) - 1) * MINUTE_US;
    c = lr_syncookie_make(&fixed, la, lp, ra, rp, 9, &in, far);
    assert_true(lr_syncookie_check(&fixed, la, lp, ra, rp, 9, c, far + MINUTE_US, &out));
    assert_false(lr_syncookie_check(&fixed, la, lp, ra, rp, 9, c, far + 2 * MINUTE_US, &out));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(siphash_vectors),
        cmocka_unit_test(secret_from_getrandom),
        cmocka_unit_test(isn_clock_and_tuple),
        cmocka_unit_test(isn_spread),
        cmocka_unit_test(cookie_round_trip_all_options),
        cmocka_unit_test(cookie_mss_encoding),
        cmocka_unit_test(cookie_tampering_rejected),
        cmocka_unit_test(cookie_random_guesses_rejected),
        cmocka_unit_test(cookie_age),
        cmocka_unit_test(cookie_counter_wrap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
