/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Request templates of the load generator (lr_client_request.h): method and
 * header checks, template specs, the smooth weighted order, request heads,
 * body files, and the [client] keys that carry them (method, header,
 * body_file, connection, template1..8, pipeline, think_time).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <rte_malloc.h>

#include "lr_client_request.h"
#include "lr_config.h"
#include "lr_runtime.h"
#include "lr_test.h"

static char why[256];

static void method_tokens(void **state)
{
    (void)state;
    assert_true(lr_client_method_ok("GET"));
    assert_true(lr_client_method_ok("PROPFIND"));
    assert_true(lr_client_method_ok("M-SEARCH"));
    assert_false(lr_client_method_ok(""));
    assert_false(lr_client_method_ok("GE T"));
    assert_false(lr_client_method_ok("GET\r\n"));
    assert_false(lr_client_method_ok("A|B"));
    assert_false(lr_client_method_ok("ABCDEFGHIJKLMNOP")); /* 16 characters: one too many */
    assert_true(lr_client_method_ok("ABCDEFGHIJKLMNO"));
}

static void header_lists(void **state)
{
    (void)state;
    char out[LR_CLIENT_HDRS_MAX] = "";

    assert_int_equal(lr_client_headers_parse(" X-A: 1 |Accept-Language:  en ", out, sizeof(out),
                                             why, sizeof(why)),
                     0);
    assert_string_equal(out, "X-A: 1\r\nAccept-Language: en\r\n");
    /* Appends: the template's own headers come after the common ones. */
    assert_int_equal(lr_client_headers_parse("X-B: two words", out, sizeof(out), why, sizeof(why)),
                     0);
    assert_string_equal(out, "X-A: 1\r\nAccept-Language: en\r\nX-B: two words\r\n");

    static const char *const bad[] = {
        "NoColon",           ": empty name", "X-A: 1 || X-B: 2",  "Bad Name: v",
        "X-C: a\x01z",       "Host: other",  "content-length: 5", "Transfer-Encoding: chunked",
        "Connection: close",
    };
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        out[0] = '\0';
        why[0] = '\0';
        assert_int_equal(lr_client_headers_parse(bad[i], out, sizeof(out), why, sizeof(why)),
                         -EINVAL);
        assert_true(why[0] != '\0');
    }
    /* Too long for the buffer: refused, and what was there stays intact. */
    char small[24] = "";
    assert_int_equal(lr_client_headers_parse("X-A: 1", small, sizeof(small), why, sizeof(why)), 0);
    assert_int_equal(
        lr_client_headers_parse("X-Long: 0123456789", small, sizeof(small), why, sizeof(why)),
        -EINVAL);
    assert_string_equal(small, "X-A: 1\r\n");
    assert_non_null(strstr(why, "too long"));
    /* Nothing (or only blanks) is no header, not an error. */
    out[0] = '\0';
    assert_int_equal(lr_client_headers_parse("  ", out, sizeof(out), why, sizeof(why)), 0);
    assert_string_equal(out, "");
}

static void template_specs(void **state)
{
    (void)state;
    struct lr_client_tpl t;

    assert_int_equal(lr_client_tpl_parse("GET /a", &t, why, sizeof(why)), 0);
    assert_string_equal(t.method, "GET");
    assert_string_equal(t.path, "/a");
    assert_int_equal(t.weight, 1);
    assert_false(t.close);
    assert_string_equal(t.body, "");
    assert_string_equal(t.headers, "");

    assert_int_equal(lr_client_tpl_parse("POST /up?x=1 | weight 30 | body b.bin | header X-A: 1 |"
                                         " header X-B: 2 | close",
                                         &t, why, sizeof(why)),
                     0);
    assert_string_equal(t.method, "POST");
    assert_string_equal(t.path, "/up?x=1");
    assert_int_equal(t.weight, 30);
    assert_string_equal(t.body, "b.bin");
    assert_string_equal(t.headers, "X-A: 1\r\nX-B: 2\r\n");
    assert_true(t.close);

    static const char *const bad[] = {
        "",
        "GET",
        "GET a",
        "G/T /a",
        "GET /a b",
        "GET /a | weight 0",
        "GET /a | weight 1001",
        "GET /a | weight x",
        "GET /a | weight 2 | weight 3",
        "GET /a | body x | body y",
        "GET /a | header Host: h",
        "GET /a | speed 3",
        "GET /a | close now",
        "GET /a || close",
    };
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        why[0] = '\0';
        assert_int_equal(lr_client_tpl_parse(bad[i], &t, why, sizeof(why)), -EINVAL);
        assert_true(why[0] != '\0');
    }
    char longspec[LR_CLIENT_SPEC_MAX + 8];
    memset(longspec, 'a', sizeof(longspec));
    memcpy(longspec, "GET /", 5);
    longspec[sizeof(longspec) - 1] = '\0';
    assert_int_equal(lr_client_tpl_parse(longspec, &t, why, sizeof(why)), -EINVAL);
}

static void weighted_order(void **state)
{
    (void)state;
    uint8_t seq[64];

    /* 3:1 spreads the heavy one: A A B A, the same at every call. */
    uint32_t w31[] = { 3, 1 };
    assert_int_equal(lr_client_wrr(w31, 2, seq, sizeof(seq)), 4);
    assert_memory_equal(seq, ((uint8_t[]){ 0, 0, 1, 0 }), 4);

    /* Every template appears exactly weight times, and no template waits
     * more than its fair gap (total / weight, rounded up) between picks. */
    uint32_t w[] = { 5, 2, 1, 7 };
    int n = lr_client_wrr(w, 4, seq, sizeof(seq));
    assert_int_equal(n, 15);
    unsigned count[4] = { 0 };
    int last[4] = { -1, -1, -1, -1 };
    for (int i = 0; i < n; i++) {
        unsigned k = seq[i];
        assert_true(k < 4);
        if (last[k] >= 0)
            assert_true((unsigned)(i - last[k]) <= (15 + w[k] - 1) / w[k] + 1);
        last[k] = i;
        count[k]++;
    }
    for (unsigned k = 0; k < 4; k++)
        assert_int_equal(count[k], w[k]);

    /* One template: all zeros. A weight of 0 reads as 1. */
    uint32_t one[] = { 0 };
    assert_int_equal(lr_client_wrr(one, 1, seq, sizeof(seq)), 1);
    assert_int_equal(seq[0], 0);

    uint32_t big[] = { 1000, 1000 };
    assert_int_equal(lr_client_wrr(big, 2, seq, sizeof(seq)), -ENOSPC);
    assert_int_equal(lr_client_wrr(w, 0, seq, sizeof(seq)), -EINVAL);
    assert_int_equal(lr_client_wrr(w, LR_CLIENT_REQ_TPL + 1, seq, sizeof(seq)), -EINVAL);
}

static void request_heads(void **state)
{
    (void)state;
    char buf[LR_CLIENT_HEAD_MAX];

    int n = lr_client_head_build(buf, sizeof(buf), "GET", "/x", "h.test", "", "", 0, false);
    const char *want = "GET /x HTTP/1.1\r\nHost: h.test\r\nUser-Agent: linerate\r\nAccept: */*\r\n"
                       "Connection: keep-alive\r\n\r\n";
    assert_int_equal(n, (int)strlen(want));
    assert_string_equal(buf, want);

    n = lr_client_head_build(buf, sizeof(buf), "POST", "/u", "h", "X-T: 1\r\n", "X-C: 2\r\n", 1234,
                             true);
    want = "POST /u HTTP/1.1\r\nHost: h\r\nUser-Agent: linerate\r\nAccept: */*\r\nX-T: 1\r\n"
           "X-C: 2\r\nContent-Length: 1234\r\nConnection: close\r\n\r\n";
    assert_int_equal(n, (int)strlen(want));
    assert_string_equal(buf, want);

    /* Exactly one byte short of the head and its NUL: refused. */
    char small[128];
    int full = lr_client_head_build(small, sizeof(small), "GET", "/x", "h.test", "", "", 0, false);
    assert_true(full > 0 && full < (int)sizeof(small));
    assert_int_equal(
        lr_client_head_build(small, (size_t)full, "GET", "/x", "h.test", "", "", 0, false),
        -ENAMETOOLONG);
}

static char tmpdir[64];

static void write_file(const char *path, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    for (size_t i = 0; i < len; i++)
        fputc((int)(i * 7 + 3) & 0xff, f);
    assert_int_equal(fclose(f), 0);
}

static void body_files(void **state)
{
    (void)state;
    char path[128];
    uint8_t *b;
    uint32_t len;

    snprintf(path, sizeof(path), "%s/body.bin", tmpdir);
    write_file(path, 70000);
    assert_int_equal(lr_client_body_load(path, SOCKET_ID_ANY, &b, &len, why, sizeof(why)), 0);
    assert_int_equal(len, 70000);
    for (uint32_t i = 0; i < len; i++)
        assert_int_equal(b[i], (uint8_t)(i * 7 + 3));
    rte_free(b);

    /* An empty file is a buffer of 0 bytes (Content-Length: 0 is not sent). */
    snprintf(path, sizeof(path), "%s/empty.bin", tmpdir);
    write_file(path, 0);
    assert_int_equal(lr_client_body_load(path, SOCKET_ID_ANY, &b, &len, why, sizeof(why)), 0);
    assert_non_null(b);
    assert_int_equal(len, 0);
    rte_free(b);

    /* At the cap is fine, one byte over is refused with the reason. */
    snprintf(path, sizeof(path), "%s/cap.bin", tmpdir);
    write_file(path, LR_CLIENT_BODY_MAX);
    assert_int_equal(lr_client_body_load(path, SOCKET_ID_ANY, &b, &len, why, sizeof(why)), 0);
    assert_int_equal(len, LR_CLIENT_BODY_MAX);
    rte_free(b);
    write_file(path, LR_CLIENT_BODY_MAX + 1);
    assert_int_equal(lr_client_body_load(path, SOCKET_ID_ANY, &b, &len, why, sizeof(why)), -EFBIG);
    assert_null(b);
    assert_non_null(strstr(why, "cap"));

    snprintf(path, sizeof(path), "%s/missing.bin", tmpdir);
    assert_int_equal(lr_client_body_load(path, SOCKET_ID_ANY, &b, &len, why, sizeof(why)), -ENOENT);
    assert_null(b);
    assert_int_equal(lr_client_body_load(tmpdir, SOCKET_ID_ANY, &b, &len, why, sizeof(why)),
                     -EINVAL);
    assert_non_null(strstr(why, "not a regular file"));
}

/* ---- [client] keys ---- */

static struct lr_config cfg;
static char err[512];

#define CLIENT "[port0]\naddr = 198.18.0.2/24\n[client]\ntarget = 198.18.0.1:80\n"

static int load(const char *text)
{
    err[0] = '\0';
    return lr_runtime_config_load_string(&cfg, text, "/etc/lr/t.conf", err, sizeof(err));
}

static void client_keys(void **state)
{
    (void)state;
    assert_int_equal(load(CLIENT), 0);
    const struct lr_client_config *cc = lr_client_conf(&cfg);
    assert_string_equal(cc->method, "GET");
    assert_string_equal(cc->headers, "");
    assert_int_equal(cc->nb_templates, 0);
    assert_int_equal(cc->pipeline, 1);
    assert_int_equal(cc->think_time, 0);

    assert_int_equal(load(CLIENT "method = PUT\nheader = X-A: 1 | X-B: 2\nbody_file = b.bin\n"
                                 "connection = close\npipeline = 8\nthink_time = 250ms\n"),
                     0);
    cc = lr_client_conf(&cfg);
    assert_string_equal(cc->method, "PUT");
    assert_string_equal(cc->headers, "X-A: 1\r\nX-B: 2\r\n");
    assert_string_equal(cc->body_file, "/etc/lr/b.bin");
    assert_string_equal(cc->connection, "close");
    assert_int_equal(cc->pipeline, 8);
    assert_int_equal(cc->think_time, 250000);

    /* Templates: numbered, bodies resolved against the config's directory. */
    assert_int_equal(load(CLIENT "template1 = GET /a | weight 3\n"
                                 "template2 = POST /b | body up/b.bin | close\n"
                                 "template3 = PUT /c | body /abs/c.bin\n"
                                 "header = X-All: 1\n"),
                     0);
    cc = lr_client_conf(&cfg);
    assert_int_equal(cc->nb_templates, 3);
    assert_string_equal(cc->templates[0], "GET /a | weight 3");
    assert_string_equal(cc->tpl_body[0], "");
    assert_string_equal(cc->tpl_body[1], "/etc/lr/up/b.bin");
    assert_string_equal(cc->tpl_body[2], "/abs/c.bin");

    /* L4 modes: response_size 0 reads as payload_size, flows as connections. */
    assert_int_equal(load(CLIENT "connections = 9\n"), 0);
    cc = lr_client_conf(&cfg);
    assert_int_equal(cc->mode, LR_CLIENT_HTTP);
    assert_int_equal(load(CLIENT "mode = tcp\npayload_size = 1000\ninterval = 5ms\n"), 0);
    cc = lr_client_conf(&cfg);
    assert_int_equal(cc->mode, LR_CLIENT_TCP);
    assert_int_equal(cc->payload_size, 1000);
    assert_int_equal(cc->response_size, 1000);
    assert_int_equal(cc->interval, 5000);
    assert_int_equal(load(CLIENT "mode = udp\nconnections = 9\nresponse_size = 16\n"), 0);
    cc = lr_client_conf(&cfg);
    assert_int_equal(cc->mode, LR_CLIENT_UDP);
    assert_int_equal(cc->payload_size, 64);
    assert_int_equal(cc->response_size, 16);
    assert_int_equal(cc->flows, 9);
    assert_int_equal(cc->udp_timeout, 1000000);
}

static void client_key_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *needle; /* in the error message */
    } bad[] = {
        { CLIENT "method = G T\n", "method" },
        { CLIENT "header = Host: x\n", "header" },
        { CLIENT "header = X-A\n", "header" },
        { CLIENT "connection = maybe\n", "connection" },
        { CLIENT "pipeline = 0\n", "pipeline" },
        { CLIENT "pipeline = 65\n", "pipeline" },
        { CLIENT "template1 = GET /a\ntemplate3 = GET /c\n", "template3" },
        { CLIENT "template2 = GET /b\n", "template2" },
        { CLIENT "template1 = GET a\n", "template1" },
        { CLIENT "template1 = GET /a | weight 0\n", "template1" },
        { CLIENT "template1 = GET /a\nmethod = POST\n", "method" },
        { CLIENT "template1 = GET /a\npath = /x\n", "path" },
        { CLIENT "template1 = GET /a\nbody_file = x\n", "body_file" },
        { CLIENT "think_time = 1s\nrequest_rate = 100\n", "think_time" },
        { CLIENT "mode = sctp\n", "mode" },
        { CLIENT "mode = tcp\npath = /x\n", "path" },
        { CLIENT "mode = udp\ntls = yes\n", "tls" },
        { CLIENT "mode = tcp\npipeline = 4\n", "pipeline" },
        { CLIENT "mode = tcp\ntemplate1 = GET /a\n", "template1" },
        { CLIENT "payload_size = 100\n", "payload_size" },
        { CLIENT "mode = tcp\nflows = 4\n", "flows" },
        { CLIENT "mode = tcp\nudp_timeout = 2s\n", "udp_timeout" },
        { CLIENT "mode = udp\nrequests_per_conn = 1\n", "requests_per_conn" },
        { CLIENT "mode = udp\nrate = 10\n", "rate" },
        { CLIENT "mode = udp\npayload_size = 65508\n", "payload_size" },
        { CLIENT "mode = udp\nresponse_size = 70000\n", "response_size" },
        { CLIENT "mode = udp\nresponse_size = 8\n", "response_size" },
        { CLIENT "mode = tcp\npayload_size = 15\n", "payload_size" },
        { CLIENT "mode = udp\ninterval = 1ms\nrequest_rate = 10\n", "interval" },
    };
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(load(bad[i].text), -EINVAL);
        if (strstr(err, bad[i].needle) == NULL)
            fail_msg("case %u: '%s' not in '%s'", i, bad[i].needle, err);
    }
}

static int setup(void **state)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/lr-test-creq-XXXXXX");
    if (mkdtemp(tmpdir) == NULL)
        return -1;
    return lr_test_group_setup(state);
}

static int teardown(void **state)
{
    (void)state;
    static const char *const names[] = { "body.bin", "empty.bin", "cap.bin" };
    char path[128];
    for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", tmpdir, names[i]);
        unlink(path);
    }
    rmdir(tmpdir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(method_tokens),  cmocka_unit_test(header_lists),
        cmocka_unit_test(template_specs), cmocka_unit_test(weighted_order),
        cmocka_unit_test(request_heads),  cmocka_unit_test(body_files),
        cmocka_unit_test(client_keys),    cmocka_unit_test(client_key_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
