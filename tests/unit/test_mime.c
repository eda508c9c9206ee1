/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests for lr_mime. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lr_mime.h"

static const char *mt(const char *s)
{
    return lr_mime_type(s, strlen(s));
}

static void test_known(void **state)
{
    (void)state;
    assert_string_equal(mt("/index.html"), "text/html; charset=utf-8");
    assert_string_equal(mt("/a/b/style.CSS"), "text/css; charset=utf-8");
    assert_string_equal(mt("x.Png"), "image/png");
    assert_string_equal(mt("/app.js"), "text/javascript; charset=utf-8");
    assert_string_equal(mt("/f.tar.gz"), "application/gzip");
    assert_string_equal(mt("/d.json"), "application/json");
    assert_string_equal(mt("/readme.txt"), "text/plain; charset=utf-8");
}

static void test_unknown(void **state)
{
    (void)state;
    assert_string_equal(mt("/file"), LR_MIME_DEFAULT);
    assert_string_equal(mt("/file."), LR_MIME_DEFAULT);
    assert_string_equal(mt("/a.html/file"), LR_MIME_DEFAULT);
    assert_string_equal(mt("/.html"), LR_MIME_DEFAULT);
    assert_string_equal(mt(".html"), LR_MIME_DEFAULT);
    assert_string_equal(mt("/x.unknownext"), LR_MIME_DEFAULT);
    assert_string_equal(mt("/x.htmlx"), LR_MIME_DEFAULT);
    assert_string_equal(mt(""), LR_MIME_DEFAULT);
    assert_string_equal(lr_mime_type(NULL, 0), LR_MIME_DEFAULT);
    /* Length is honoured: "/a.html" cut to "/a.ht" is unknown. */
    assert_string_equal(lr_mime_type("/a.html", 5), LR_MIME_DEFAULT);
    assert_string_equal(lr_mime_type("/a.htmlzzz", 7), "text/html; charset=utf-8");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known),
        cmocka_unit_test(test_unknown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
