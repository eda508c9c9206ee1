/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "lr_ftp_list.h"

#define NOW 1700000000LL /* 2023-11-14 22:13:20 UTC */

static struct lr_ftp_entry ent(const char *name, bool dir, uint64_t size, int64_t mtime)
{
    struct lr_ftp_entry e = {
        .name = name, .name_len = strlen(name), .is_dir = dir, .size = size, .mtime = mtime
    };
    return e;
}

static void list_long_recent_and_old(void **state)
{
    (void)state;
    char b[256];
    struct lr_ftp_entry e = ent("index.html", false, 1234, NOW - 3600);
    int n = lr_ftp_list_format(b, sizeof(b), LR_FTP_LIST_LONG, &e, NOW);
    assert_int_equal(n, (int)strlen(b));
    assert_string_equal(b, "-rw-r--r-- 1 ftp ftp         1234 Nov 14 21:13 index.html\r\n");

    e = ent("old dir", true, 0, 1500000000); /* 2017-07-14 */
    lr_ftp_list_format(b, sizeof(b), LR_FTP_LIST_LONG, &e, NOW);
    assert_string_equal(b, "drwxr-xr-x 1 ftp ftp            0 Jul 14  2017 old dir\r\n");

    /* From the future: the year form, like ls. */
    e = ent("f", false, 1, NOW + 86400 * 30);
    lr_ftp_list_format(b, sizeof(b), LR_FTP_LIST_LONG, &e, NOW);
    assert_string_equal(b, "-rw-r--r-- 1 ftp ftp            1 Dec 14  2023 f\r\n");

    /* Writable entries in the upload directory. */
    e = ent("up", false, 20971520, NOW);
    e.writable = true;
    lr_ftp_list_format(b, sizeof(b), LR_FTP_LIST_LONG, &e, NOW);
    assert_string_equal(b, "-rw-rw-r-- 1 ftp ftp     20971520 Nov 14 22:13 up\r\n");
}

static void list_names(void **state)
{
    (void)state;
    char b[64];
    struct lr_ftp_entry e = ent("a b.txt", false, 3, NOW);
    assert_int_equal(lr_ftp_list_format(b, sizeof(b), LR_FTP_LIST_NAME, &e, NOW), 9);
    assert_string_equal(b, "a b.txt\r\n");
}

static void list_mlsd_mlst(void **state)
{
    (void)state;
    char b[256];
    struct lr_ftp_entry e = ent("x.bin", false, 42, 0);
    lr_ftp_list_format(b, sizeof(b), LR_FTP_LIST_MLSD, &e, NOW);
    assert_string_equal(b, "type=file;size=42;modify=19700101000000;perm=r; x.bin\r\n");
    lr_ftp_list_format(b, sizeof(b), LR_FTP_LIST_MLST, &e, NOW);
    assert_string_equal(b, " type=file;size=42;modify=19700101000000;perm=r; x.bin\r\n");
    e = ent("upload", true, 0, NOW);
    e.writable = true;
    lr_ftp_list_format(b, sizeof(b), LR_FTP_LIST_MLSD, &e, NOW);
    assert_string_equal(b, "type=dir;modify=20231114221320;perm=elcmpdf; upload\r\n");
    assert_true(lr_ftp_list_facts(b, sizeof(b), &e) > 0);
    assert_string_equal(b, "type=dir;modify=20231114221320;perm=elcmpdf;");
}

static void list_bad_names_and_space(void **state)
{
    (void)state;
    char b[256];
    struct lr_ftp_entry e = ent("a\r\nb", false, 1, NOW);
    assert_int_equal(lr_ftp_list_format(b, sizeof(b), LR_FTP_LIST_LONG, &e, NOW), -EINVAL);
    e = ent("", false, 1, NOW);
    assert_int_equal(lr_ftp_list_format(b, sizeof(b), LR_FTP_LIST_NAME, &e, NOW), -EINVAL);
    e = ent("name", false, 1, NOW);
    assert_int_equal(lr_ftp_list_format(b, 6, LR_FTP_LIST_NAME, &e, NOW), -ENOSPC);
    assert_int_equal(lr_ftp_list_format(b, 7, LR_FTP_LIST_NAME, &e, NOW), 6);
    for (size_t cap = 0; cap < 60; cap++) {
        int n = lr_ftp_list_format(b, cap, LR_FTP_LIST_LONG, &e, NOW);
        assert_true(n == -ENOSPC || (n > 0 && (size_t)n < cap));
        n = lr_ftp_list_format(b, cap, LR_FTP_LIST_MLST, &e, NOW);
        assert_true(n == -ENOSPC || (n > 0 && (size_t)n < cap));
    }
    assert_int_equal(lr_ftp_list_format(b, sizeof(b), (enum lr_ftp_list_style)77, &e, NOW),
                     -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(list_long_recent_and_old),
        cmocka_unit_test(list_names),
        cmocka_unit_test(list_mlsd_mlst),
        cmocka_unit_test(list_bad_names_and_space),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
