/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "lr_ftp_users.h"

/* Generated with: openssl passwd -6 -salt abcdefgh secret */
#define H_ALICE                                                                                    \
    "$6$abcdefgh$ltjgWl6579NluT/Vi1nwEvcil.G5Nbc4NiXZaNGStk8PSwGfQv72N2CKPPrVACtLtip/cZ/1GM/"      \
    "O6IND4WQhG."
/* openssl passwd -6 -salt 'rounds=1000$xyz' 'p@ss w:rd' */
#define H_BOB                                                                                      \
    "$6$rounds=1000$xyz$NavihwGTvNcv7Yqks7NT0IF0y8fZ8IExySJejfTE3XrPPF0dN./l6RAdtVy6/gyaIpry/"     \
    "ijVvyTUQrReOMU7b."

static const char good_file[] = "# users\n"
                                "\n"
                                "alice:" H_ALICE "\n"
                                "bob:" H_BOB "\r\n";

static void load_and_verify(void **state)
{
    (void)state;
    struct lr_ftp_users u;
    char err[256] = "";
    lr_ftp_users_init(&u);
    assert_int_equal(lr_ftp_users_load_string(&u, good_file, "mem", err, sizeof(err)), 0);
    assert_int_equal(u.count, 2);
    assert_non_null(lr_ftp_users_find(&u, "alice", 5));
    assert_null(lr_ftp_users_find(&u, "Alice", 5));
    assert_null(lr_ftp_users_find(&u, "ali", 3));
    assert_null(lr_ftp_users_find(&u, "", 0));

    assert_true(lr_ftp_users_verify(&u, "alice", 5, "secret", 6));
    assert_false(lr_ftp_users_verify(&u, "alice", 5, "secret ", 7));
    assert_false(lr_ftp_users_verify(&u, "alice", 5, "Secret", 6));
    assert_false(lr_ftp_users_verify(&u, "alice", 5, "", 0));
    assert_false(lr_ftp_users_verify(&u, "alice", 5, "secret\0x", 8));
    assert_true(lr_ftp_users_verify(&u, "bob", 3, "p@ss w:rd", 9));
    assert_false(lr_ftp_users_verify(&u, "bob", 3, "secret", 6));
    /* Unknown users fail, even with a password that is valid for someone else. */
    assert_false(lr_ftp_users_verify(&u, "carol", 5, "secret", 6));
    static char longpw[1000];
    memset(longpw, 'a', sizeof(longpw));
    assert_false(lr_ftp_users_verify(&u, "alice", 5, longpw, sizeof(longpw)));
    lr_ftp_users_free(&u);
    assert_int_equal(u.count, 0);
    assert_false(lr_ftp_users_verify(&u, "alice", 5, "secret", 6));
}

static void expect_bad(const char *text, const char *reason_part)
{
    struct lr_ftp_users u;
    char err[256] = "";
    lr_ftp_users_init(&u);
    assert_int_equal(lr_ftp_users_load_string(&u, text, "users.txt", err, sizeof(err)), -EINVAL);
    if (strstr(err, reason_part) == NULL)
        fail_msg("error '%s' lacks '%s'", err, reason_part);
    assert_int_equal(u.count, 0);
    assert_null(u.users);
}

static void bad_files(void **state)
{
    (void)state;
    expect_bad("alice\n", "users.txt:1: expected name:hash");
    expect_bad("# c\nalice:$1$abc$defghijk\n", "users.txt:2: hash is not a SHA-512");
    expect_bad("alice:" H_ALICE "x\n", "hash is not");
    expect_bad(":" H_ALICE "\n", "user name empty");
    expect_bad("al ice:" H_ALICE "\n", "space or control");
    expect_bad("alice:" H_ALICE "\nalice:" H_BOB "\n", "users.txt:2: duplicate user");
    expect_bad("alice:plaintext\n", "hash is not");
    expect_bad("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:" H_ALICE "\n",
               "longer than 64");
}

static void hash_syntax(void **state)
{
    (void)state;
    const char *h = H_ALICE;
    assert_true(lr_ftp_users_hash_valid(h, strlen(h)));
    h = H_BOB;
    assert_true(lr_ftp_users_hash_valid(h, strlen(h)));
    assert_false(lr_ftp_users_hash_valid("$6$", 3));
    assert_false(lr_ftp_users_hash_valid("$5$abc$def", 10));
    assert_false(lr_ftp_users_hash_valid("", 0));
    char buf[300];
    snprintf(buf, sizeof(buf), "%s", H_ALICE);
    buf[5] = '!'; /* bad salt character */
    assert_false(lr_ftp_users_hash_valid(buf, strlen(buf)));
    snprintf(buf, sizeof(buf), "%s", H_ALICE);
    buf[strlen(buf) - 1] = '\0'; /* short digest */
    assert_false(lr_ftp_users_hash_valid(buf, strlen(buf)));
}

static void load_file(void **state)
{
    (void)state;
    char path[] = "/tmp/lr-ftp-users-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, good_file, strlen(good_file)), (ssize_t)strlen(good_file));
    close(fd);
    struct lr_ftp_users u;
    char err[256] = "";
    lr_ftp_users_init(&u);
    assert_int_equal(lr_ftp_users_load(&u, path, err, sizeof(err)), 0);
    assert_int_equal(u.count, 2);
    lr_ftp_users_free(&u);
    unlink(path);
    assert_int_equal(lr_ftp_users_load(&u, path, err, sizeof(err)), -ENOENT);
    assert_non_null(strstr(err, "cannot open"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(load_and_verify),
        cmocka_unit_test(bad_files),
        cmocka_unit_test(hash_syntax),
        cmocka_unit_test(load_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
