/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lr_ftp_parser.h"

/* Feed @s and expect exactly one ready line equal to @want. */
static void feed_one(struct lr_ftp_line *lb, const char *s, const char *want)
{
    size_t used = 0;
    enum lr_ftp_line_status st = lr_ftp_line_feed(lb, (const uint8_t *)s, strlen(s), &used);
    assert_int_equal(st, LR_FTP_LINE_READY);
    assert_int_equal(used, strlen(s));
    assert_string_equal(lb->buf, want);
    assert_int_equal(lb->len, strlen(want));
}

static void line_crlf_and_bare_lf(void **state)
{
    (void)state;
    struct lr_ftp_line lb;
    lr_ftp_line_init(&lb);
    feed_one(&lb, "USER ftp\r\n", "USER ftp");
    feed_one(&lb, "PASS x\n", "PASS x");
    feed_one(&lb, "\r\n", "");
}

static void line_split_across_calls(void **state)
{
    (void)state;
    struct lr_ftp_line lb;
    size_t used;
    lr_ftp_line_init(&lb);
    assert_int_equal(lr_ftp_line_feed(&lb, (const uint8_t *)"RE", 2, &used), LR_FTP_LINE_MORE);
    assert_int_equal(used, 2);
    assert_int_equal(lr_ftp_line_feed(&lb, (const uint8_t *)"TR a\r", 5, &used), LR_FTP_LINE_MORE);
    assert_int_equal(lr_ftp_line_feed(&lb, (const uint8_t *)"\nNOOP\r\n", 7, &used),
                     LR_FTP_LINE_READY);
    assert_int_equal(used, 1);
    assert_string_equal(lb.buf, "RETR a");
    assert_int_equal(lr_ftp_line_feed(&lb, (const uint8_t *)"NOOP\r\n", 6, &used),
                     LR_FTP_LINE_READY);
    assert_string_equal(lb.buf, "NOOP");
}

static void line_telnet_sequences_removed(void **state)
{
    (void)state;
    struct lr_ftp_line lb;
    lr_ftp_line_init(&lb);
    /* RFC 959 §4.1.3: IAC IP IAC DM ABOR */
    const uint8_t abor[] = { 255, 244, 255, 242, 'A', 'B', 'O', 'R', '\r', '\n' };
    size_t used;
    assert_int_equal(lr_ftp_line_feed(&lb, abor, sizeof(abor), &used), LR_FTP_LINE_READY);
    assert_string_equal(lb.buf, "ABOR");
    /* WILL/DO option negotiation and a subnegotiation are dropped; IAC IAC is 0xff. */
    const uint8_t neg[] = { 255, 251, 1,   'N', 255, 253, 3,   'O', 255, 250,
                            24,  1,   'x', 255, 240, 'O', 255, 255, 'P', '\n' };
    assert_int_equal(lr_ftp_line_feed(&lb, neg, sizeof(neg), &used), LR_FTP_LINE_READY);
    assert_int_equal(lb.len, 5);
    assert_memory_equal(lb.buf, "NOO\xffP", 5);
    /* An IAC split over two calls. */
    const uint8_t a[] = { 'N', 255 };
    const uint8_t b[] = { 241, 'O', 'O', 'P', '\n' };
    assert_int_equal(lr_ftp_line_feed(&lb, a, 2, &used), LR_FTP_LINE_MORE);
    assert_int_equal(lr_ftp_line_feed(&lb, b, 5, &used), LR_FTP_LINE_READY);
    assert_string_equal(lb.buf, "NOOP");
}

static void line_too_long_resyncs(void **state)
{
    (void)state;
    struct lr_ftp_line lb;
    static char big[LR_FTP_LINE_MAX * 3];
    size_t used;
    lr_ftp_line_init(&lb);
    memset(big, 'A', sizeof(big));
    /* Over-long data in several chunks: nothing until the LF, then TOO_LONG once. */
    assert_int_equal(lr_ftp_line_feed(&lb, (const uint8_t *)big, sizeof(big), &used),
                     LR_FTP_LINE_MORE);
    assert_int_equal(lr_ftp_line_feed(&lb, (const uint8_t *)big, 100, &used), LR_FTP_LINE_MORE);
    assert_int_equal(lr_ftp_line_feed(&lb, (const uint8_t *)"AA\r\nNOOP\r\n", 10, &used),
                     LR_FTP_LINE_TOO_LONG);
    assert_int_equal(used, 4);
    assert_int_equal(lr_ftp_line_feed(&lb, (const uint8_t *)"NOOP\r\n", 6, &used),
                     LR_FTP_LINE_READY);
    assert_string_equal(lb.buf, "NOOP");

    /* Exactly LR_FTP_LINE_MAX bytes (+CRLF) is accepted, one more is not. */
    static char edge[LR_FTP_LINE_MAX + 3];
    memset(edge, 'B', LR_FTP_LINE_MAX);
    memcpy(edge + LR_FTP_LINE_MAX, "\r\n", 2);
    assert_int_equal(lr_ftp_line_feed(&lb, (const uint8_t *)edge, LR_FTP_LINE_MAX + 2, &used),
                     LR_FTP_LINE_READY);
    assert_int_equal(lb.len, LR_FTP_LINE_MAX);
    memset(edge, 'B', LR_FTP_LINE_MAX + 1);
    memcpy(edge + LR_FTP_LINE_MAX + 1, "\n", 1);
    assert_int_equal(lr_ftp_line_feed(&lb, (const uint8_t *)edge, LR_FTP_LINE_MAX + 2, &used),
                     LR_FTP_LINE_TOO_LONG);
    memset(edge, 'B', LR_FTP_LINE_MAX + 1);
    memcpy(edge + LR_FTP_LINE_MAX + 1, "\r\n", 2);
    assert_int_equal(lr_ftp_line_feed(&lb, (const uint8_t *)edge, LR_FTP_LINE_MAX + 3, &used),
                     LR_FTP_LINE_TOO_LONG);
}

static void parse(const char *line, int rc, enum lr_ftp_verb v, const char *arg)
{
    struct lr_ftp_cmd c;
    assert_int_equal(lr_ftp_cmd_parse(line, strlen(line), &c), rc);
    if (rc != 0)
        return;
    assert_int_equal(c.verb, v);
    if (arg == NULL) {
        assert_false(c.has_arg);
        assert_int_equal(c.arg_len, 0);
    } else {
        assert_true(c.has_arg);
        assert_int_equal(c.arg_len, strlen(arg));
        assert_memory_equal(c.arg, arg, c.arg_len);
    }
}

static void cmd_every_verb(void **state)
{
    (void)state;
    for (unsigned v = 1; v < LR_FTP_CMD_MAX; v++) {
        char line[32];
        const char *name = lr_ftp_verb_name(v);
        assert_true(strlen(name) >= 3 && strlen(name) <= 4);
        snprintf(line, sizeof(line), "%s", name);
        parse(line, 0, v, NULL);
        /* lower and mixed case */
        for (size_t i = 0; line[i]; i++)
            line[i] = (char)(line[i] | 0x20);
        parse(line, 0, v, NULL);
        line[0] = (char)(line[0] & ~0x20);
        snprintf(line + strlen(line), sizeof(line) - strlen(line), " arg x");
        parse(line, 0, v, "arg x");
    }
    assert_string_equal(lr_ftp_verb_name(LR_FTP_CMD_NONE), "");
    assert_string_equal(lr_ftp_verb_name(LR_FTP_CMD_MAX), "");
}

static void cmd_arguments(void **state)
{
    (void)state;
    parse("RETR my file.txt", 0, LR_FTP_CMD_RETR, "my file.txt");
    parse("CWD ", 0, LR_FTP_CMD_CWD, "");
    parse("STOR  lead", 0, LR_FTP_CMD_STOR, " lead");
    parse("PWD", 0, LR_FTP_CMD_PWD, NULL);
    parse("MKD \xc3\xa9t\xc3\xa9", 0, LR_FTP_CMD_MKD, "\xc3\xa9t\xc3\xa9");
}

/* The RFC 2228 commands of explicit FTPS (RFC 4217) are verbs of the table. */
static void cmd_tls_verbs(void **state)
{
    (void)state;
    parse("AUTH TLS", 0, LR_FTP_CMD_AUTH, "TLS");
    parse("auth tls-c", 0, LR_FTP_CMD_AUTH, "tls-c");
    parse("AUTH", 0, LR_FTP_CMD_AUTH, NULL);
    parse("PBSZ 0", 0, LR_FTP_CMD_PBSZ, "0");
    parse("Prot P", 0, LR_FTP_CMD_PROT, "P");
    parse("CCC", 0, LR_FTP_CMD_CCC, NULL);
    parse("ccc ", 0, LR_FTP_CMD_CCC, "");
    assert_string_equal(lr_ftp_verb_name(LR_FTP_CMD_AUTH), "AUTH");
    assert_string_equal(lr_ftp_verb_name(LR_FTP_CMD_PBSZ), "PBSZ");
    assert_string_equal(lr_ftp_verb_name(LR_FTP_CMD_PROT), "PROT");
    assert_string_equal(lr_ftp_verb_name(LR_FTP_CMD_CCC), "CCC");
    /* Not these: ADAT/MIC/CONF/ENC (RFC 2228 data exchange) are unknown words. */
    parse("ADAT abc", 0, LR_FTP_CMD_NONE, "abc");
    parse("PROTX P", 0, LR_FTP_CMD_NONE, "P");
}

static void cmd_bad_forms(void **state)
{
    (void)state;
    parse("", -EINVAL, 0, NULL);
    parse(" USER x", -EINVAL, 0, NULL);
    parse("US3R x", -EINVAL, 0, NULL);
    parse("USER\tx", -EINVAL, 0, NULL);
    parse("12", -EINVAL, 0, NULL);
    parse("USER a\rb", -EINVAL, 0, NULL);
    struct lr_ftp_cmd c;
    assert_int_equal(lr_ftp_cmd_parse("USER a\0b", 8, &c), -EINVAL);
    /* Well-formed words that are not verbs: parsed as NONE (500 from the session). */
    parse("XYZZY", 0, LR_FTP_CMD_NONE, NULL);
    parse("AB", 0, LR_FTP_CMD_NONE, NULL);
    parse("FOO bar", 0, LR_FTP_CMD_NONE, "bar");
    parse("RETRX a", 0, LR_FTP_CMD_NONE, "a");
}

static void reply_single_and_multi(void **state)
{
    (void)state;
    char buf[256];
    struct lr_ftp_out o;
    lr_ftp_out_init(&o, buf, sizeof(buf));
    assert_int_equal(lr_ftp_reply(&o, 220, "hello %d", 5), 0);
    assert_string_equal(buf, "220 hello 5\r\n");
    assert_int_equal(lr_ftp_reply_begin(&o, 211, "Features:"), 0);
    assert_int_equal(lr_ftp_reply_line(&o, "%s", "EPSV"), 0);
    assert_int_equal(lr_ftp_reply_line(&o, "123 looks like a code"), 0);
    assert_int_equal(lr_ftp_reply_end(&o, 211, "End"), 0);
    assert_string_equal(buf, "220 hello 5\r\n211-Features:\r\n EPSV\r\n 123 looks like a code\r\n"
                             "211 End\r\n");
    assert_false(o.overflow);

    /* CR/LF in the text cannot inject a second reply. */
    lr_ftp_out_init(&o, buf, sizeof(buf));
    assert_int_equal(lr_ftp_reply(&o, 550, "%s: no", "a\r\n230 x"), 0);
    assert_string_equal(buf, "550 a  230 x: no\r\n");

    /* Overflow leaves earlier replies intact and writes nothing partial. */
    char small[24];
    lr_ftp_out_init(&o, small, sizeof(small));
    assert_int_equal(lr_ftp_reply(&o, 200, "ok"), 0);
    assert_int_equal(lr_ftp_reply(&o, 200, "this will not fit at all"), -ENOSPC);
    assert_true(o.overflow);
    assert_int_equal(o.len, 8);
    assert_string_equal(small, "200 ok\r\n");
    /* Exactly fitting: "200 " + 5 + CRLF + NUL = 12 */
    char exact[12];
    lr_ftp_out_init(&o, exact, sizeof(exact));
    assert_int_equal(lr_ftp_reply(&o, 200, "abcde"), 0);
    assert_string_equal(exact, "200 abcde\r\n");
    lr_ftp_out_init(&o, exact, sizeof(exact));
    assert_int_equal(lr_ftp_reply(&o, 200, "abcdef"), -ENOSPC);
    assert_int_equal(o.len, 0);
}

static void port_valid(void **state)
{
    (void)state;
    struct lr_ftp_hostport hp;
    assert_int_equal(lr_ftp_port_parse("198,18,0,1,195,80", 17, &hp), 0);
    assert_int_equal(rte_be_to_cpu_32(hp.addr), 0xc6120001);
    assert_int_equal(rte_be_to_cpu_16(hp.port), 195 * 256 + 80);
    assert_int_equal(lr_ftp_port_parse("0,0,0,0,0,1", 11, &hp), 0);
    assert_int_equal(rte_be_to_cpu_16(hp.port), 1);
    assert_int_equal(lr_ftp_port_parse("255,255,255,255,255,255", 23, &hp), 0);
    assert_int_equal(rte_be_to_cpu_16(hp.port), 65535);
    assert_int_equal(lr_ftp_port_parse("001,002,003,004,005,006", 23, &hp), 0);
}

static void port_invalid(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "1,2,3,4,5",
        "1,2,3,4,5,6,7",
        "256,2,3,4,5,6",
        "1,2,3,4,5,256",
        "1,2,3,4,0,0", /* port 0 */
        "1,2,3,4,5,",
        ",1,2,3,4,5",
        "1,,2,3,4,5",
        "1 ,2,3,4,5,6",
        "1,2,3,4,5,6 ",
        "-1,2,3,4,5,6",
        "+1,2,3,4,5,6",
        "0001,2,3,4,5,6",
        "1.2.3.4,5,6",
        "a,b,c,d,e,f",
        "1,2,3,4,5,6x",
    };
    struct lr_ftp_hostport hp;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (lr_ftp_port_parse(bad[i], strlen(bad[i]), &hp) != -EINVAL)
            fail_msg("PORT '%s' accepted", bad[i]);
    }
}

static void eprt_valid_and_invalid(void **state)
{
    (void)state;
    struct lr_ftp_hostport hp;
    const char *ok = "|1|198.18.0.1|6275|";
    assert_int_equal(lr_ftp_eprt_parse(ok, strlen(ok), &hp), 0);
    assert_int_equal(rte_be_to_cpu_32(hp.addr), 0xc6120001);
    assert_int_equal(rte_be_to_cpu_16(hp.port), 6275);
    const char *ok2 = "!1!198.19.0.255!65535!";
    assert_int_equal(lr_ftp_eprt_parse(ok2, strlen(ok2), &hp), 0);
    assert_int_equal(rte_be_to_cpu_16(hp.port), 65535);

    const char *v6 = "|2|1080::8:800:200C:417A|5282|";
    assert_int_equal(lr_ftp_eprt_parse(v6, strlen(v6), &hp), -EAFNOSUPPORT);
    const char *p3 = "|3|1.2.3.4|5282|";
    assert_int_equal(lr_ftp_eprt_parse(p3, strlen(p3), &hp), -EAFNOSUPPORT);

    static const char *const bad[] = {
        "",
        "|1|1.2.3.4|80",
        "|1|1.2.3.4|0|",
        "|1|1.2.3.4|65536|",
        "|1|1.2.3.4||",
        "|1|1.2.3|80|",
        "|1|1.2.3.4.5|80|",
        "|1|1.2.3.256|80|",
        "||1.2.3.4|80|",
        "|x|1.2.3.4|80|",
        "|1|1.2.3.4|80|extra|",
        "1|1|1.2.3.4|80|1",
        ".1.1.2.3.4.80.",
        "|1|1.2.3.4|8a|",
        "|1| 1.2.3.4|80|",
        "|2|::1|0|", /* malformed port: 501 even for another protocol */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (lr_ftp_eprt_parse(bad[i], strlen(bad[i]), &hp) != -EINVAL)
            fail_msg("EPRT '%s' accepted", bad[i]);
    }
}

static void pasv_epsv_format(void **state)
{
    (void)state;
    char b[64];
    assert_int_equal(
        lr_ftp_pasv_format(b, sizeof(b), rte_cpu_to_be_32(0xc6120002), rte_cpu_to_be_16(50001)),
        (int)strlen("Entering Passive Mode (198,18,0,2,195,81)"));
    assert_string_equal(b, "Entering Passive Mode (198,18,0,2,195,81)");
    assert_true(lr_ftp_epsv_format(b, sizeof(b), rte_cpu_to_be_16(50001)) > 0);
    assert_string_equal(b, "Entering Extended Passive Mode (|||50001|)");
    assert_int_equal(lr_ftp_pasv_format(b, 10, 0, 0), -ENOSPC);
    assert_int_equal(lr_ftp_epsv_format(b, 10, 0), -ENOSPC);
}

static void time_format(void **state)
{
    (void)state;
    char b[16];
    assert_int_equal(lr_ftp_time_format(b, sizeof(b), 0), 14);
    assert_string_equal(b, "19700101000000");
    assert_int_equal(lr_ftp_time_format(b, sizeof(b), 1700000000), 14);
    assert_string_equal(b, "20231114221320");
    assert_int_equal(lr_ftp_time_format(b, sizeof(b), -5), 14);
    assert_string_equal(b, "19700101000000");
    assert_int_equal(lr_ftp_time_format(b, sizeof(b), INT64_MAX), 14);
    assert_string_equal(b, "99991231235959");
    assert_int_equal(lr_ftp_time_format(b, 14, 0), -ENOSPC);
}

static void path_quote(void **state)
{
    (void)state;
    char b[32];
    assert_int_equal(lr_ftp_path_quote(b, sizeof(b), "/"), 3);
    assert_string_equal(b, "\"/\"");
    assert_true(lr_ftp_path_quote(b, sizeof(b), "/a\"b\"") > 0);
    assert_string_equal(b, "\"/a\"\"b\"\"\"");
    assert_int_equal(lr_ftp_path_quote(b, 4, "/ab"), -ENOSPC);
    assert_int_equal(lr_ftp_path_quote(b, 6, "/ab"), 5);
}

static void type_parse(void **state)
{
    (void)state;
    enum lr_ftp_type t;
#define T(s, rc, want)                                                                             \
    do {                                                                                           \
        t = 99;                                                                                    \
        assert_int_equal(lr_ftp_type_parse(s, strlen(s), &t), rc);                                 \
        if ((rc) == 0)                                                                             \
            assert_int_equal(t, want);                                                             \
    } while (0)
    T("A", 0, LR_FTP_TYPE_ASCII);
    T("a", 0, LR_FTP_TYPE_ASCII);
    T("A N", 0, LR_FTP_TYPE_ASCII);
    T("a n", 0, LR_FTP_TYPE_ASCII);
    T("I", 0, LR_FTP_TYPE_IMAGE);
    T("i", 0, LR_FTP_TYPE_IMAGE);
    T("L 8", 0, LR_FTP_TYPE_IMAGE);
    T("A T", -ENOTSUP, 0);
    T("A C", -ENOTSUP, 0);
    T("E", -ENOTSUP, 0);
    T("E N", -ENOTSUP, 0);
    T("L 7", -ENOTSUP, 0);
    T("L 36", -ENOTSUP, 0);
    T("", -EINVAL, 0);
    T("X", -EINVAL, 0);
    T("A X", -EINVAL, 0);
    T("AN", -EINVAL, 0);
    T("I N", -EINVAL, 0);
    T("L", -EINVAL, 0);
    T("L x", -EINVAL, 0);
    T("L 0", -EINVAL, 0);
#undef T
}

static void u64_parse(void **state)
{
    (void)state;
    uint64_t v;
    assert_int_equal(lr_ftp_u64_parse("0", 1, &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(lr_ftp_u64_parse("1048576", 7, &v), 0);
    assert_int_equal(v, 1048576);
    assert_int_equal(lr_ftp_u64_parse("18446744073709551615", 20, &v), 0);
    assert_true(v == UINT64_MAX);
    assert_int_equal(lr_ftp_u64_parse("18446744073709551616", 20, &v), -EINVAL);
    assert_int_equal(lr_ftp_u64_parse("", 0, &v), -EINVAL);
    assert_int_equal(lr_ftp_u64_parse("-1", 2, &v), -EINVAL);
    assert_int_equal(lr_ftp_u64_parse("1 ", 2, &v), -EINVAL);
    assert_int_equal(lr_ftp_u64_parse("123456789012345678901", 21, &v), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(line_crlf_and_bare_lf),
        cmocka_unit_test(line_split_across_calls),
        cmocka_unit_test(line_telnet_sequences_removed),
        cmocka_unit_test(line_too_long_resyncs),
        cmocka_unit_test(cmd_every_verb),
        cmocka_unit_test(cmd_tls_verbs),
        cmocka_unit_test(cmd_arguments),
        cmocka_unit_test(cmd_bad_forms),
        cmocka_unit_test(reply_single_and_multi),
        cmocka_unit_test(port_valid),
        cmocka_unit_test(port_invalid),
        cmocka_unit_test(eprt_valid_and_invalid),
        cmocka_unit_test(pasv_epsv_format),
        cmocka_unit_test(time_format),
        cmocka_unit_test(path_quote),
        cmocka_unit_test(type_parse),
        cmocka_unit_test(u64_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
