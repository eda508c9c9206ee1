/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests for lr_prom: the Prometheus text exposition format 0.0.4. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lr_prom.h"

static char text[512];

static struct lr_prom_buf buf(size_t cap)
{
    assert_true(cap <= sizeof(text));
    memset(text, 0x5a, sizeof(text));
    return (struct lr_prom_buf){ .p = text, .cap = cap };
}

/* The buffer is not NUL-terminated: compare its length and bytes. */
static void assert_text(const struct lr_prom_buf *b, const char *want)
{
    assert_false(b->overflow);
    assert_int_equal(b->len, strlen(want));
    assert_memory_equal(b->p, want, b->len);
}

static void test_sanitize_name(void **state)
{
    (void)state;
    char out[32];

    assert_int_equal(lr_prom_sanitize_name("linerate_tcp_rx", out, sizeof(out)), 15);
    assert_string_equal(out, "linerate_tcp_rx");
    lr_prom_sanitize_name("ns:sub_total", out, sizeof(out));
    assert_string_equal(out, "ns:sub_total");
    lr_prom_sanitize_name("rx.bad-csum/v4 x", out, sizeof(out));
    assert_string_equal(out, "rx_bad_csum_v4_x");
    /* A leading digit is not allowed; a later one is. */
    lr_prom_sanitize_name("4xx", out, sizeof(out));
    assert_string_equal(out, "_4xx");
    lr_prom_sanitize_name("http_4xx", out, sizeof(out));
    assert_string_equal(out, "http_4xx");
    /* Empty in, a one-character name out. */
    assert_int_equal(lr_prom_sanitize_name("", out, sizeof(out)), 1);
    assert_string_equal(out, "_");
    /* Non-ASCII bytes are replaced one by one. */
    lr_prom_sanitize_name("a\xc3\xa9z", out, sizeof(out));
    assert_string_equal(out, "a__z");
}

static void test_sanitize_truncates(void **state)
{
    (void)state;
    char out[6];

    memset(out, 'X', sizeof(out));
    assert_int_equal(lr_prom_sanitize_name("abcdefghij", out, sizeof(out)), 5);
    assert_string_equal(out, "abcde");
    assert_int_equal(lr_prom_sanitize_name("9abcdefg", out, sizeof(out)), 5);
    assert_string_equal(out, "_9abc");
    assert_int_equal(lr_prom_sanitize_name("abc", out, 1), 0);
    assert_string_equal(out, "");
    out[0] = 'X';
    assert_int_equal(lr_prom_sanitize_name("abc", out, 0), 0);
    assert_int_equal(out[0], 'X'); /* nothing written */
}

static void test_family(void **state)
{
    (void)state;
    struct lr_prom_buf b = buf(sizeof(text));

    assert_true(lr_prom_family(&b, "linerate_rx_packets", "counter", "Packets received"));
    assert_text(&b, "# HELP linerate_rx_packets Packets received\n"
                    "# TYPE linerate_rx_packets counter\n");
}

static void test_help_escapes(void **state)
{
    (void)state;
    struct lr_prom_buf b = buf(sizeof(text));

    /* HELP escapes backslash and newline, not the double quote. */
    assert_true(lr_prom_family(&b, "g", "gauge", "a\\b \"q\"\nnext"));
    assert_text(&b, "# HELP g a\\\\b \"q\"\\nnext\n# TYPE g gauge\n");
}

static void test_sample_no_labels(void **state)
{
    (void)state;
    struct lr_prom_buf b = buf(sizeof(text));

    assert_true(lr_prom_sample(&b, "up", NULL, NULL, 0, 0));
    assert_true(lr_prom_sample(&b, "big", NULL, NULL, 0, UINT64_MAX));
    assert_true(lr_prom_sample(&b, "n", NULL, NULL, 0, 1234567890));
    assert_text(&b, "up 0\nbig 18446744073709551615\nn 1234567890\n");
}

static void test_sample_labels(void **state)
{
    (void)state;
    struct lr_prom_buf b = buf(sizeof(text));
    const char *keys[] = { "worker", "reason" };
    const char *vals[] = { "0", "bad \"csum\"\\x\ny" };

    assert_true(lr_prom_sample(&b, "linerate_drops", keys, vals, 2, 7));
    assert_text(&b, "linerate_drops{worker=\"0\",reason=\"bad \\\"csum\\\"\\\\x\\ny\"} 7\n");

    b = buf(sizeof(text));
    assert_true(lr_prom_sample(&b, "one", keys, vals, 1, 42));
    assert_text(&b, "one{worker=\"0\"} 42\n");
}

static void test_escape_label_plain(void **state)
{
    (void)state;
    struct lr_prom_buf b = buf(sizeof(text));

    assert_true(lr_prom_escape_label(&b, ""));
    assert_true(lr_prom_escape_label(&b, "plain"));
    assert_true(lr_prom_escape_label(&b, "\\\\"));
    assert_text(&b, "plain\\\\\\\\");
}

/* Every writer stops at the capacity, never writes past it, and the flag
 * stays set (later, smaller writes do not pretend the text is whole). */
static void test_overflow(void **state)
{
    (void)state;
    const char *keys[] = { "k" };
    const char *vals[] = { "v\"v" };
    const char *full = "name{k=\"v\\\"v\"} 123\n";
    size_t need = strlen(full);

    for (size_t cap = 0; cap <= need; cap++) {
        struct lr_prom_buf b = buf(cap);
        bool ok = lr_prom_sample(&b, "name", keys, vals, 1, 123);
        assert_int_equal(ok, cap == need);
        assert_int_equal(b.overflow, cap != need);
        assert_true(b.len <= cap);
        assert_memory_equal(b.p, full, b.len); /* a prefix of the whole text */
        for (size_t i = cap; i < sizeof(text); i++)
            assert_int_equal((unsigned char)text[i], 0x5a);
        if (b.overflow) {
            size_t len = b.len;
            assert_false(lr_prom_put(&b, "", 0));
            assert_false(lr_prom_family(&b, "x", "gauge", "y"));
            assert_int_equal(b.len, len);
        }
    }
}

static void test_put_exact(void **state)
{
    (void)state;
    struct lr_prom_buf b = buf(4);

    assert_true(lr_prom_put(&b, "ab", 2));
    assert_true(lr_prom_put(&b, "cd", 2));
    assert_false(b.overflow);
    assert_false(lr_prom_put(&b, "e", 1));
    assert_true(b.overflow);
    assert_int_equal(b.len, 4);
    assert_memory_equal(text, "abcd", 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sanitize_name),
        cmocka_unit_test(test_sanitize_truncates),
        cmocka_unit_test(test_family),
        cmocka_unit_test(test_help_escapes),
        cmocka_unit_test(test_sample_no_labels),
        cmocka_unit_test(test_sample_labels),
        cmocka_unit_test(test_escape_label_plain),
        cmocka_unit_test(test_overflow),
        cmocka_unit_test(test_put_exact),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
