/* SPDX-License-Identifier: BSD-3-Clause */
/* TFTP wire format: parse/build, options, netascii. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lr_tftp_wire.h"

/* Build a request from a list of strings (each written with its NUL). */
static size_t mkreq(uint8_t *buf, uint16_t op, const char *const *strs, size_t n)
{
    size_t pos = 2;

    buf[0] = (uint8_t)(op >> 8);
    buf[1] = (uint8_t)op;
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(strs[i]) + 1;
        memcpy(buf + pos, strs[i], l);
        pos += l;
    }
    return pos;
}

static void rrq_plain(void **state)
{
    (void)state;
    uint8_t buf[128];
    const char *s[] = { "dir/file.bin", "OcTeT" };
    struct lr_tftp_pkt p;
    size_t n = mkreq(buf, LR_TFTP_RRQ, s, 2);

    assert_int_equal(lr_tftp_parse(buf, n, &p), 0);
    assert_int_equal(p.op, LR_TFTP_RRQ);
    assert_string_equal(p.filename, "dir/file.bin");
    assert_int_equal(p.mode, LR_TFTP_MODE_OCTET);
    assert_false(p.has_options);
    assert_false(p.has_blksize);

    const char *s2[] = { "a", "netascii" };
    n = mkreq(buf, LR_TFTP_WRQ, s2, 2);
    assert_int_equal(lr_tftp_parse(buf, n, &p), 0);
    assert_int_equal(p.op, LR_TFTP_WRQ);
    assert_int_equal(p.mode, LR_TFTP_MODE_NETASCII);
}

static void rrq_options(void **state)
{
    (void)state;
    uint8_t buf[256];
    const char *s[] = { "f", "octet",   "BLKSIZE", "1428",      "tsize",
                        "0", "timeout", "3",       "x-unknown", "zz" };
    struct lr_tftp_pkt p;
    size_t n = mkreq(buf, LR_TFTP_RRQ, s, 10);

    assert_int_equal(lr_tftp_parse(buf, n, &p), 0);
    assert_true(p.has_options);
    assert_true(p.has_blksize);
    assert_int_equal(p.blksize, 1428);
    assert_true(p.has_tsize);
    assert_int_equal(p.tsize, 0);
    assert_true(p.has_timeout);
    assert_int_equal(p.timeout, 3);
}

static void rrq_option_ranges(void **state)
{
    (void)state;
    uint8_t buf[256];
    struct lr_tftp_pkt p;

    /* blksize below 8: not acknowledged; above 65464: clamped (RFC 2348). */
    const char *a[] = { "f", "octet", "blksize", "7", "timeout", "0" };
    size_t n = mkreq(buf, LR_TFTP_RRQ, a, 6);
    assert_int_equal(lr_tftp_parse(buf, n, &p), 0);
    assert_false(p.has_blksize);
    assert_false(p.has_timeout);
    assert_false(p.has_options);

    const char *b[] = { "f", "octet", "blksize", "99999", "timeout", "256" };
    n = mkreq(buf, LR_TFTP_RRQ, b, 6);
    assert_int_equal(lr_tftp_parse(buf, n, &p), 0);
    assert_true(p.has_blksize);
    assert_int_equal(p.blksize, LR_TFTP_BLKSIZE_MAX);
    assert_false(p.has_timeout);

    const char *c[] = { "f", "octet", "blksize", "8" };
    n = mkreq(buf, LR_TFTP_RRQ, c, 4);
    assert_int_equal(lr_tftp_parse(buf, n, &p), 0);
    assert_int_equal(p.blksize, 8);

    /* windowsize (RFC 7440 §3): 1..65535, else not acknowledged. */
    const char *w1[] = { "f", "octet", "WindowSize", "16" };
    n = mkreq(buf, LR_TFTP_RRQ, w1, 4);
    assert_int_equal(lr_tftp_parse(buf, n, &p), 0);
    assert_true(p.has_windowsize);
    assert_int_equal(p.windowsize, 16);
    assert_true(p.has_options);
    const char *w2[] = { "f", "octet", "windowsize", "0", "windowsize2", "3" };
    n = mkreq(buf, LR_TFTP_RRQ, w2, 6);
    assert_int_equal(lr_tftp_parse(buf, n, &p), 0);
    assert_false(p.has_windowsize);
    assert_false(p.has_options);
    const char *w3[] = { "f", "octet", "windowsize", "65536" };
    n = mkreq(buf, LR_TFTP_RRQ, w3, 4);
    assert_int_equal(lr_tftp_parse(buf, n, &p), 0);
    assert_false(p.has_windowsize);
    const char *w4[] = { "f", "octet", "windowsize", "65535" };
    n = mkreq(buf, LR_TFTP_RRQ, w4, 4);
    assert_int_equal(lr_tftp_parse(buf, n, &p), 0);
    assert_int_equal(p.windowsize, 65535);

    /* Non-numeric and overflowing values are malformed. */
    const char *d[] = { "f", "octet", "blksize", "12a" };
    n = mkreq(buf, LR_TFTP_RRQ, d, 4);
    assert_int_equal(lr_tftp_parse(buf, n, &p), -LR_TFTP_PARSE_OPTION);
    const char *e[] = { "f", "octet", "tsize", "99999999999999999999999" };
    n = mkreq(buf, LR_TFTP_RRQ, e, 4);
    assert_int_equal(lr_tftp_parse(buf, n, &p), -LR_TFTP_PARSE_OPTION);
    const char *f[] = { "f", "octet", "tsize", "" };
    n = mkreq(buf, LR_TFTP_RRQ, f, 4);
    assert_int_equal(lr_tftp_parse(buf, n, &p), -LR_TFTP_PARSE_OPTION);
}

static void rrq_malformed(void **state)
{
    (void)state;
    uint8_t buf[512] = { 0 };
    struct lr_tftp_pkt p;
    size_t n;

    assert_int_equal(lr_tftp_parse(buf, 0, &p), -LR_TFTP_PARSE_SHORT);
    assert_int_equal(lr_tftp_parse(buf, 1, &p), -LR_TFTP_PARSE_SHORT);
    assert_int_equal(lr_tftp_parse(NULL, 10, &p), -LR_TFTP_PARSE_SHORT);

    /* Missing NUL after the filename, after the mode. */
    memcpy(buf, "\0\1abc", 5);
    assert_int_equal(lr_tftp_parse(buf, 5, &p), -LR_TFTP_PARSE_STRING);
    memcpy(buf, "\0\1abc\0oct", 9);
    assert_int_equal(lr_tftp_parse(buf, 9, &p), -LR_TFTP_PARSE_STRING);
    /* Empty filename. */
    memcpy(buf, "\0\1\0octet\0", 9);
    assert_int_equal(lr_tftp_parse(buf, 9, &p), -LR_TFTP_PARSE_STRING);
    /* Unknown mode. */
    const char *m[] = { "f", "binary" };
    n = mkreq(buf, LR_TFTP_RRQ, m, 2);
    assert_int_equal(lr_tftp_parse(buf, n, &p), -LR_TFTP_PARSE_MODE);
    /* Option name without value; value without NUL. */
    const char *o[] = { "f", "octet", "blksize" };
    n = mkreq(buf, LR_TFTP_RRQ, o, 3);
    assert_int_equal(lr_tftp_parse(buf, n, &p), -LR_TFTP_PARSE_OPTION);
    n = mkreq(buf, LR_TFTP_RRQ, o, 3);
    memcpy(buf + n, "512", 3);
    assert_int_equal(lr_tftp_parse(buf, n + 3, &p), -LR_TFTP_PARSE_OPTION);
    /* Filename longer than the limit. */
    char longname[LR_TFTP_FILENAME_MAX + 2];
    memset(longname, 'a', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    const char *l[] = { longname, "octet" };
    n = mkreq(buf, LR_TFTP_RRQ, l, 2);
    assert_int_equal(lr_tftp_parse(buf, n, &p), -LR_TFTP_PARSE_STRING);
    /* Unknown opcodes. */
    buf[0] = 0;
    buf[1] = 7;
    assert_int_equal(lr_tftp_parse(buf, 4, &p), -LR_TFTP_PARSE_OPCODE);
    buf[0] = 1;
    buf[1] = 1;
    assert_int_equal(lr_tftp_parse(buf, 4, &p), -LR_TFTP_PARSE_OPCODE);
}

static void ack_data_error(void **state)
{
    (void)state;
    uint8_t buf[64];
    struct lr_tftp_pkt p;

    assert_int_equal(lr_tftp_build_ack(buf, 0xfffe), 4);
    assert_int_equal(lr_tftp_parse(buf, 4, &p), 0);
    assert_int_equal(p.op, LR_TFTP_ACK);
    assert_int_equal(p.block, 0xfffe);
    assert_int_equal(lr_tftp_parse(buf, 3, &p), -LR_TFTP_PARSE_SHORT);
    assert_int_equal(lr_tftp_parse(buf, 5, &p), -LR_TFTP_PARSE_TRAILING);

    assert_int_equal(lr_tftp_build_data_hdr(buf, 513), 4);
    memcpy(buf + 4, "xyz", 3);
    assert_int_equal(lr_tftp_parse(buf, 7, &p), 0);
    assert_int_equal(p.op, LR_TFTP_DATA);
    assert_int_equal(p.block, 513);
    assert_int_equal(p.data_len, 3);
    assert_memory_equal(p.data, "xyz", 3);

    size_t n = lr_tftp_build_error(buf, sizeof(buf), LR_TFTP_ERR_NOT_FOUND, "File not found");
    assert_int_equal(n, 4 + 14 + 1);
    assert_memory_equal(buf, "\0\5\0\1File not found\0", n);
    assert_int_equal(lr_tftp_parse(buf, n, &p), 0);
    assert_int_equal(p.error_code, 1);
    assert_string_equal(p.error_msg, "File not found");
    assert_int_equal(lr_tftp_parse(buf, n - 1, &p), -LR_TFTP_PARSE_STRING);
    assert_int_equal(lr_tftp_parse(buf, 4, &p), -LR_TFTP_PARSE_SHORT);

    /* Truncated message still NUL-terminated; too small buffer refused. */
    n = lr_tftp_build_error(buf, 8, 0, "long message");
    assert_int_equal(n, 8);
    assert_memory_equal(buf, "\0\5\0\0lon\0", 8);
    assert_int_equal(lr_tftp_build_error(buf, 4, 0, "x"), 0);
}

static void oack(void **state)
{
    (void)state;
    uint8_t buf[128];
    struct lr_tftp_oack o = { .blksize = true,
                              .blksize_val = 1428,
                              .tsize = true,
                              .tsize_val = 4294967296ULL,
                              .timeout = true,
                              .timeout_val = 2 };
    static const uint8_t want[] = "\0\6blksize\0"
                                  "1428\0tsize\0"
                                  "4294967296\0timeout\0"
                                  "2";
    size_t n = lr_tftp_build_oack(buf, sizeof(buf), &o);

    assert_int_equal(n, sizeof(want));
    assert_memory_equal(buf, want, n);
    /* Too small: refused rather than truncated. */
    assert_int_equal(lr_tftp_build_oack(buf, 12, &o), 0);
    struct lr_tftp_oack none = { 0 };
    assert_int_equal(lr_tftp_build_oack(buf, sizeof(buf), &none), 2);
    o.tsize_val = 0;
    o.blksize = false;
    o.timeout = false;
    n = lr_tftp_build_oack(buf, sizeof(buf), &o);
    assert_int_equal(n, 2 + 6 + 2);
    assert_memory_equal(buf,
                        "\0\6tsize\0"
                        "0",
                        n);
    struct lr_tftp_oack win = { .windowsize = true, .windowsize_val = 64 };
    n = lr_tftp_build_oack(buf, sizeof(buf), &win);
    assert_int_equal(n, 2 + 11 + 3);
    assert_memory_equal(buf,
                        "\0\6windowsize\0"
                        "64",
                        n);
}

static void netascii(void **state)
{
    (void)state;
    static const uint8_t src[] = "a\nb\rc\r\n";
    const uint64_t len = sizeof(src) - 1; /* 7 bytes */
    static const uint8_t want[] = { 'a', '\r', '\n', 'b', '\r', 0, 'c', '\r', 0, '\r', '\n' };
    uint8_t out[32];
    struct lr_tftp_ascii a;

    assert_int_equal(lr_tftp_ascii_size(src, len), sizeof(want));
    lr_tftp_ascii_init(&a);
    assert_int_equal(lr_tftp_ascii_encode(&a, src, len, out, sizeof(out)), sizeof(want));
    assert_memory_equal(out, want, sizeof(want));

    /* Any chunking gives the same stream, pairs split across chunks. */
    for (size_t chunk = 1; chunk <= 4; chunk++) {
        size_t got = 0, n;
        lr_tftp_ascii_init(&a);
        while ((n = lr_tftp_ascii_encode(&a, src, len, out + got, chunk)) > 0) {
            got += n;
            if (n < chunk)
                break;
        }
        assert_int_equal(got, sizeof(want));
        assert_memory_equal(out, want, sizeof(want));
    }
    /* Resuming from a saved position re-produces the same block. */
    lr_tftp_ascii_init(&a);
    assert_int_equal(lr_tftp_ascii_encode(&a, src, len, out, 2), 2);
    struct lr_tftp_ascii saved = a;
    uint8_t b1[3], b2[3];
    assert_int_equal(lr_tftp_ascii_encode(&a, src, len, b1, 3), 3);
    assert_int_equal(lr_tftp_ascii_encode(&saved, src, len, b2, 3), 3);
    assert_memory_equal(b1, b2, 3);
    assert_memory_equal(b1, want + 2, 3);
    assert_int_equal(lr_tftp_ascii_size(src, 0), 0);
}

static void op_names(void **state)
{
    (void)state;
    assert_string_equal(lr_tftp_op_name(LR_TFTP_RRQ), "RRQ");
    assert_string_equal(lr_tftp_op_name(LR_TFTP_OACK), "OACK");
    assert_string_equal(lr_tftp_op_name(0), "?");
    assert_string_equal(lr_tftp_op_name(99), "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rrq_plain),         cmocka_unit_test(rrq_options),
        cmocka_unit_test(rrq_option_ranges), cmocka_unit_test(rrq_malformed),
        cmocka_unit_test(ack_data_error),    cmocka_unit_test(oack),
        cmocka_unit_test(netascii),          cmocka_unit_test(op_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
