/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests for lr_path: normalisation, traversal attempts, resolve, join. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lr_path.h"

static void expect_norm(const char *in, unsigned flags, const char *want)
{
    char out[256];
    int rc = lr_path_normalize(in, strlen(in), out, sizeof(out), flags);
    if (rc < 0)
        fail_msg("normalize(\"%s\") = %d, want \"%s\"", in, rc, want);
    assert_int_equal(rc, (int)strlen(want));
    assert_string_equal(out, want);
}

static void expect_norm_err(const char *in, unsigned flags, int err)
{
    char out[256];
    int rc = lr_path_normalize(in, strlen(in), out, sizeof(out), flags);
    if (rc != err)
        fail_msg("normalize(\"%s\") = %d (\"%s\"), want %d", in, rc, rc >= 0 ? out : "", err);
}

static void test_plain(void **state)
{
    (void)state;
    expect_norm("/", 0, "/");
    expect_norm("", 0, "/");
    expect_norm("/index.html", 0, "/index.html");
    expect_norm("/a/b/c.txt", 0, "/a/b/c.txt");
    expect_norm("/dir/", 0, "/dir/");
    expect_norm("relative/x", 0, "/relative/x");
    expect_norm("/caf\xc3\xa9.txt", 0, "/caf\xc3\xa9.txt");
}

static void test_dot_segments(void **state)
{
    (void)state;
    /* RFC 3986 §5.2.4 examples restricted to absolute paths. */
    expect_norm("/a/b/c/./../../g", 0, "/a/g");
    expect_norm("/./a", 0, "/a");
    expect_norm("/a/.", 0, "/a/");
    expect_norm("/a/b/..", 0, "/a/");
    expect_norm("/a/b/../", 0, "/a/");
    expect_norm("/a/..", 0, "/");
    expect_norm("/a/../b", 0, "/b");
    expect_norm("/.", 0, "/");
    expect_norm("/...", 0, "/...");
    expect_norm("/..a/b..", 0, "/..a/b..");
    expect_norm("/.hidden", 0, "/.hidden");
}

static void test_slashes(void **state)
{
    (void)state;
    expect_norm("//", 0, "/");
    expect_norm("//a///b//", 0, "/a/b/");
    expect_norm("/a//../b", 0, "/b");
}

static void test_traversal(void **state)
{
    (void)state;
    expect_norm_err("/..", 0, -EINVAL);
    expect_norm_err("/../etc/passwd", 0, -EINVAL);
    expect_norm_err("..", 0, -EINVAL);
    expect_norm_err("/a/../../b", 0, -EINVAL);
    expect_norm_err("/a/./../..", 0, -EINVAL);
    expect_norm_err("//../x", 0, -EINVAL);
    expect_norm_err("/%2e%2e/etc/passwd", LR_PATH_DECODE, -EINVAL);
    expect_norm_err("/%2E%2E/x", LR_PATH_DECODE, -EINVAL);
    expect_norm_err("/.%2e/x", LR_PATH_DECODE, -EINVAL);
    expect_norm_err("/a/%2e%2e/%2e%2e/x", LR_PATH_DECODE, -EINVAL);
    /* Encoded slash is rejected (policy), so "..%2f" cannot smuggle a separator. */
    expect_norm_err("/..%2fetc", LR_PATH_DECODE, -EINVAL);
    expect_norm_err("/a%2Fb", LR_PATH_DECODE, -EINVAL);
    /* Backslash, raw or encoded. */
    expect_norm_err("/..\\x", 0, -EINVAL);
    expect_norm_err("/a\\b", 0, -EINVAL);
    expect_norm_err("/..%5cx", LR_PATH_DECODE, -EINVAL);
    /* Without decoding, "%2e%2e" is just a name. */
    expect_norm("/%2e%2e/x", 0, "/%2e%2e/x");
    /* Decoded dots that stay inside the root are fine. */
    expect_norm("/a/%2e%2e/b", LR_PATH_DECODE, "/b");
    expect_norm("/a/%2e/b", LR_PATH_DECODE, "/a/b");
}

static void test_decode(void **state)
{
    (void)state;
    expect_norm("/hello%20world.txt", LR_PATH_DECODE, "/hello world.txt");
    expect_norm("/%41%62c", LR_PATH_DECODE, "/Abc");
    expect_norm("/%c3%a9", LR_PATH_DECODE, "/\xc3\xa9");
    expect_norm_err("/a%00b", LR_PATH_DECODE, -EINVAL);
    expect_norm_err("/a%", LR_PATH_DECODE, -EINVAL);
    expect_norm_err("/a%4", LR_PATH_DECODE, -EINVAL);
    expect_norm_err("/a%zz", LR_PATH_DECODE, -EINVAL);
    expect_norm_err("/a%4g", LR_PATH_DECODE, -EINVAL);
    expect_norm_err("/a%0a", LR_PATH_DECODE, -EINVAL);
    expect_norm_err("/a%7f", LR_PATH_DECODE, -EINVAL);
}

static void test_bad_bytes(void **state)
{
    (void)state;
    char out[64];
    const char nul[] = { '/', 'a', '\0', 'b' };
    assert_int_equal(lr_path_normalize(nul, sizeof(nul), out, sizeof(out), 0), -EINVAL);
    expect_norm_err("/a\nb", 0, -EINVAL);
    expect_norm_err("/a\rb", 0, -EINVAL);
    expect_norm_err("/a\x7f", 0, -EINVAL);
    assert_int_equal(lr_path_normalize(NULL, 0, out, sizeof(out), 0), -EINVAL);
}

static void test_long(void **state)
{
    (void)state;
    char in[4096];
    char out[256];
    memset(in, 'a', sizeof(in));
    in[0] = '/';
    assert_int_equal(lr_path_normalize(in, sizeof(in), out, sizeof(out), 0), -ENAMETOOLONG);
    /* Exactly fitting: "/" + 254 bytes + NUL. */
    assert_int_equal(lr_path_normalize(in, 255, out, sizeof(out), 0), 255);
    assert_int_equal(strlen(out), 255);
    assert_int_equal(lr_path_normalize(in, 256, out, sizeof(out), 0), -ENAMETOOLONG);
    /* Long input that collapses to something short fits. */
    char dots[3000];
    size_t n = 0;
    while (n + 4 < sizeof(dots)) {
        memcpy(dots + n, "/a/..", 5);
        n += 5;
        if (n + 5 >= sizeof(dots))
            break;
    }
    assert_int_equal(lr_path_normalize(dots, n, out, sizeof(out), 0), 1);
    assert_string_equal(out, "/");
    assert_int_equal(lr_path_normalize("/", 1, out, 1, 0), -ENAMETOOLONG);
}

static void test_resolve(void **state)
{
    (void)state;
    char out[128];
    assert_int_equal(lr_path_resolve("/", "pub", out, sizeof(out)), 4);
    assert_string_equal(out, "/pub");
    assert_true(lr_path_resolve("/pub", "../etc", out, sizeof(out)) > 0);
    assert_string_equal(out, "/etc");
    assert_true(lr_path_resolve("/pub/x", "/abs/y", out, sizeof(out)) > 0);
    assert_string_equal(out, "/abs/y");
    assert_true(lr_path_resolve("/pub", "", out, sizeof(out)) > 0);
    assert_string_equal(out, "/pub");
    assert_true(lr_path_resolve("/pub", "..", out, sizeof(out)) > 0);
    assert_string_equal(out, "/");
    assert_true(lr_path_resolve("/pub", "a//b/./c", out, sizeof(out)) > 0);
    assert_string_equal(out, "/pub/a/b/c");
    assert_int_equal(lr_path_resolve("/pub", "../..", out, sizeof(out)), -EINVAL);
    assert_int_equal(lr_path_resolve("/", "../x", out, sizeof(out)), -EINVAL);
    assert_int_equal(lr_path_resolve("/pub", "a\\b", out, sizeof(out)), -EINVAL);
    /* No percent-decoding for FTP. */
    assert_true(lr_path_resolve("/", "%2e%2e", out, sizeof(out)) > 0);
    assert_string_equal(out, "/%2e%2e");
    assert_int_equal(lr_path_resolve("/pub", "abcdefgh", out, 8), -ENAMETOOLONG);
}

static void test_join(void **state)
{
    (void)state;
    char out[64];
    assert_int_equal(lr_path_join("/srv/www", "/a/b", out, sizeof(out)), 12);
    assert_string_equal(out, "/srv/www/a/b");
    assert_true(lr_path_join("/srv/www/", "/", out, sizeof(out)) > 0);
    assert_string_equal(out, "/srv/www/");
    assert_true(lr_path_join("www", "/x", out, sizeof(out)) > 0);
    assert_string_equal(out, "www/x");
    assert_true(lr_path_join("/", "/x", out, sizeof(out)) > 0);
    assert_string_equal(out, "/x");
    assert_int_equal(lr_path_join("/srv", "a", out, sizeof(out)), -EINVAL);
    assert_int_equal(lr_path_join("/srv", "/a/../b", out, sizeof(out)), -EINVAL);
    assert_int_equal(lr_path_join("/srv", "/a/./b", out, sizeof(out)), -EINVAL);
    assert_int_equal(lr_path_join("/srv", "/..", out, sizeof(out)), -EINVAL);
    assert_int_equal(lr_path_join("/srv", "//x", out, sizeof(out)), -EINVAL);
    assert_int_equal(lr_path_join("/srv/www", "/abcdefgh", out, 10), -ENAMETOOLONG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain),   cmocka_unit_test(test_dot_segments),
        cmocka_unit_test(test_slashes), cmocka_unit_test(test_traversal),
        cmocka_unit_test(test_decode),  cmocka_unit_test(test_bad_bytes),
        cmocka_unit_test(test_long),    cmocka_unit_test(test_resolve),
        cmocka_unit_test(test_join),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
