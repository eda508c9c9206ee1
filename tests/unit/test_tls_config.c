/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The [tls] section and [http] tls_listen (lr_tls_config.c,
 * lr_http_config.c): defaults, versions, the cert/key lists resolved
 * against the configuration's directory, limits, the paths hook; and the
 * self-signed fallback (lr_tls_selfsign.c): a pair the engine's global_init
 * accepts, a certificate with the promised name, lifetime and key, nothing
 * left on disk afterwards; the module's lr_tls_need_server() without a cert.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "lr_config.h"
#include "lr_http_config.h"
#include "lr_runtime.h"
#include "lr_tls.h"
#include "lr_tls_config.h"
#include "lr_tls_module.h"
#include "lr_tls_selfsign.h"

static struct lr_config cfg;
static char err[512];

#define PORT0 "[port0]\naddr = 198.18.0.2/24\n"

static int load(const char *text)
{
    memset(err, 0, sizeof(err));
    return lr_runtime_config_load_string(&cfg, text, "/etc/lr/t.conf", err, sizeof(err));
}

static void expect_error(const char *text, const char *msg)
{
    assert_int_equal(load(text), -EINVAL);
    assert_string_equal(err, msg);
}

static const struct lr_tls_config *tls(void)
{
    const struct lr_tls_config *t = lr_config_section(&cfg, &lr_tls_config_section);
    if (t == NULL)
        abort(); /* the runtime's loader always has the section */
    return t;
}

static void defaults(void **state)
{
    (void)state;
    assert_int_equal(load(PORT0), 0);
    const struct lr_tls_config *t = tls();
    assert_string_equal(t->cert, "");
    assert_string_equal(t->key, "");
    assert_string_equal(t->min_version, "1.2");
    assert_string_equal(t->max_version, "1.3");
    assert_int_equal(lr_tls_version_parse(t->min_version), LR_TLS_V1_2);
    assert_int_equal(lr_tls_version_parse(t->max_version), LR_TLS_V1_3);
    assert_string_equal(t->ciphers, LR_TLS_DEFAULT_CIPHERS);
    assert_string_equal(t->ciphersuites, "");
    assert_string_equal(t->groups, LR_TLS_DEFAULT_GROUPS);
    assert_string_equal(t->alpn, LR_TLS_DEFAULT_ALPN);
    assert_int_equal(t->handshake_timeout, 10000000);
    assert_int_equal(t->max_handshakes, 1024);
    assert_int_equal(t->max_sessions, 0);
    assert_int_equal(lr_http_conf(&cfg)->nb_tls_listen, 0);
}

static void values(void **state)
{
    (void)state;
    assert_int_equal(load(PORT0 "[tls]\nmin_version = 1.3\nmax_version = 1.3\n"
                                "ciphersuites = TLS_AES_128_GCM_SHA256\nalpn =\n"
                                "handshake_timeout = 500ms\nmax_handshakes = 7\n"
                                "max_sessions = 100\n"),
                     0);
    const struct lr_tls_config *t = tls();
    assert_string_equal(t->min_version, "1.3");
    assert_string_equal(t->ciphersuites, "TLS_AES_128_GCM_SHA256");
    assert_string_equal(t->alpn, "");
    assert_int_equal(t->handshake_timeout, 500000);
    assert_int_equal(t->max_handshakes, 7);
    assert_int_equal(t->max_sessions, 100);
    /* TLS 1.2 only is allowed (min = max = 1.2). */
    assert_int_equal(load(PORT0 "[tls]\nmax_version = 1.2\n"), 0);
}

static void bad_versions(void **state)
{
    (void)state;
    expect_error(PORT0 "[tls]\nmin_version = 1.1\n",
                 "/etc/lr/t.conf: [tls] min_version: '1.1' is not a TLS version this server "
                 "speaks (1.2 or 1.3)");
    expect_error(PORT0 "[tls]\nmax_version = 1.4\n",
                 "/etc/lr/t.conf: [tls] max_version: '1.4' is not a TLS version this server "
                 "speaks (1.2 or 1.3)");
    expect_error(PORT0 "[tls]\nmin_version =\n",
                 "/etc/lr/t.conf: [tls] min_version: must not be empty");
    expect_error(PORT0 "[tls]\nmin_version = 1.3\nmax_version = 1.2\n",
                 "/etc/lr/t.conf: [tls] min_version: 1.3 is above max_version 1.2");
}

static void limits(void **state)
{
    (void)state;
    expect_error(PORT0 "[tls]\nmax_handshakes = 0\n",
                 "/etc/lr/t.conf: [tls] max_handshakes: '0' is out of range (1-16777216)");
    expect_error(PORT0 "[tcp]\nmax_conns = 100\n[tls]\nmax_sessions = 101\n",
                 "/etc/lr/t.conf: [tls] max_sessions: 101 is above [tcp] max_conns 100");
    expect_error(PORT0 "[tls]\nhandshake_timeout = 2h\n",
                 "/etc/lr/t.conf: [tls] handshake_timeout: '2h' is out of range (0-1h)");
}

static void cert_key_lists(void **state)
{
    (void)state;
    /* Relative to the configuration file's directory, absolute kept. */
    assert_int_equal(load(PORT0 "[tls]\ncert = ec.pem, /srv/rsa.pem\nkey = ec.key,/srv/rsa.key\n"),
                     0);
    assert_string_equal(tls()->cert, "/etc/lr/ec.pem,/srv/rsa.pem");
    assert_string_equal(tls()->key, "/etc/lr/ec.key,/srv/rsa.key");
    assert_int_equal(load(PORT0 "[tls]\ncert = a/c.pem\nkey = a/k.pem\n"), 0);
    assert_string_equal(tls()->cert, "/etc/lr/a/c.pem");

    /* A configuration named without a directory: the cwd. */
    char cwd[LR_PATH_MAX], want[LR_PATH_MAX + 16];
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    snprintf(want, sizeof(want), "%s/c.pem", cwd);
    assert_int_equal(lr_runtime_config_load_string(&cfg, PORT0 "[tls]\ncert = c.pem\nkey = k.pem\n",
                                                   "t.conf", err, sizeof(err)),
                     0);
    assert_string_equal(tls()->cert, want);

    expect_error(PORT0 "[tls]\ncert = a.pem,b.pem\nkey = a.key\n",
                 "/etc/lr/t.conf: [tls] key: 1 key file(s) for 2 certificate file(s)");
    expect_error(PORT0 "[tls]\ncert = a.pem\n",
                 "/etc/lr/t.conf: [tls] key: 0 key file(s) for 1 certificate file(s)");
    expect_error(PORT0 "[tls]\ncert = a.pem,,b.pem\nkey = a.key,b.key,c.key\n",
                 "/etc/lr/t.conf: [tls] cert: an empty file name in the list");
    expect_error(PORT0 "[tls]\ncert = 1,2,3,4,5\nkey = 1,2,3,4,5\n",
                 "/etc/lr/t.conf: [tls] cert: more than 4 files");
}

static void tls_listen(void **state)
{
    (void)state;
    assert_int_equal(load(PORT0 "[http]\ntls_listen = 443, 8443\n"), 0);
    assert_int_equal(lr_http_conf(&cfg)->nb_tls_listen, 2);
    assert_int_equal(lr_http_conf(&cfg)->tls_listen[0], 443);
    assert_int_equal(lr_http_conf(&cfg)->tls_listen[1], 8443);
    assert_int_equal(lr_http_conf(&cfg)->nb_listen, 1);
    assert_int_equal(load(PORT0 "[http]\ntls_listen =\n"), 0);
    assert_int_equal(lr_http_conf(&cfg)->nb_tls_listen, 0);

    expect_error(PORT0 "[http]\nlisten = 80, 8080\ntls_listen = 443, 8080\n",
                 "/etc/lr/t.conf: [http] tls_listen: port 8080 is also in [http] listen");
    assert_int_equal(load(PORT0 "[http]\ntls_listen = 0\n"), -EINVAL);
    assert_non_null(strstr(err, "[http] tls_listen"));
    /* The port claims: another module's port is refused. */
    expect_error(PORT0 "[http]\ntls_listen = 21\n",
                 "/etc/lr/t.conf: [ftp] listen: port 21 is also used by [http] tls_listen");
}

static void paths_hook(void **state)
{
    (void)state;
    char dir[64], conf[96], file[128], text[512], want[256];
    snprintf(dir, sizeof(dir), "/tmp/lrt-tlspaths-%d", (int)getpid());
    assert_int_equal(mkdir(dir, 0700), 0);
    snprintf(conf, sizeof(conf), "%s/t.conf", dir);
    snprintf(file, sizeof(file), "%s/c.pem", dir);
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    fclose(f);

    const struct lr_config_section *s = &lr_tls_config_section;
    assert_non_null(s->paths);
    /* No cert: nothing to check. */
    assert_int_equal(
        lr_config_load_string(&cfg, PORT0, conf, lr_runtime_config_sections(), err, sizeof(err)),
        0);
    assert_int_equal(s->paths(&cfg, tls(), err, sizeof(err)), 0);

    snprintf(text, sizeof(text), PORT0 "[tls]\ncert = c.pem\nkey = c.pem\n");
    assert_int_equal(
        lr_config_load_string(&cfg, text, conf, lr_runtime_config_sections(), err, sizeof(err)), 0);
    assert_int_equal(s->paths(&cfg, tls(), err, sizeof(err)), 0);

    snprintf(text, sizeof(text), PORT0 "[tls]\ncert = c.pem\nkey = nope.pem\n");
    assert_int_equal(
        lr_config_load_string(&cfg, text, conf, lr_runtime_config_sections(), err, sizeof(err)), 0);
    assert_int_not_equal(s->paths(&cfg, tls(), err, sizeof(err)), 0);
    snprintf(want, sizeof(want), "[tls] key: %s/nope.pem: does not exist", dir);
    assert_non_null(strstr(err, want));

    assert_int_equal(unlink(file), 0);
    assert_int_equal(rmdir(dir), 0);
}

/* The engine accepts the pair, and the certificate is what we promise. */
static void selfsigned_pair(void **state)
{
    (void)state;
    struct lr_tls_selfsigned s;
    assert_int_equal(lr_tls_selfsigned_create(&s, NULL, err, sizeof(err)), 0);
    struct stat st;
    assert_int_equal(stat(s.dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    assert_int_equal(stat(s.key, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    struct lr_tls_params p = { .cert = s.cert, .key = s.key };
    struct lr_tls_global *g = NULL;
    assert_int_equal(lr_tls_engine_openssl.global_init(&p, &g, err, sizeof(err)), 0);
    assert_non_null(g);
    struct lr_tls_counters cnt = { 0 };
    struct lr_tls_ctx *ctx = NULL;
    assert_int_equal(
        lr_tls_engine_openssl.ctx_create(g, LR_TLS_SERVER, &cnt, &ctx, err, sizeof(err)), 0);
    lr_tls_engine_openssl.ctx_destroy(ctx);
    lr_tls_engine_openssl.global_free(g);

    FILE *f = fopen(s.cert, "r");
    assert_non_null(f);
    X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    assert_non_null(x);
    assert_int_equal(X509_get_version(x), 2); /* v3 */
    assert_int_equal(X509_check_host(x, "localhost", 0, 0, NULL), 1);
    char cn[64] = "";
    X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn, sizeof(cn));
    assert_string_equal(cn, "linerate");
    /* Self-signed: issuer = subject, signed by its own key. */
    assert_int_equal(X509_NAME_cmp(X509_get_issuer_name(x), X509_get_subject_name(x)), 0);
    EVP_PKEY *pk = X509_get0_pubkey(x);
    assert_non_null(pk);
    assert_int_equal(X509_verify(x, pk), 1);
    assert_true(EVP_PKEY_is_a(pk, "EC"));
    char group[32] = "";
    assert_int_equal(EVP_PKEY_get_group_name(pk, group, sizeof(group), NULL), 1);
    assert_string_equal(group, "prime256v1");
    /* 30 days from now (give or take the test's own run time). */
    int days = -1, secs = 0;
    assert_int_equal(ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notAfter(x)), 1);
    assert_true(days == 29 || days == 30);
    assert_int_equal(X509_cmp_current_time(X509_get0_notBefore(x)) <= 0, 1);
    X509_free(x);

    char dir[LR_PATH_MAX];
    snprintf(dir, sizeof(dir), "%s", s.dir);
    lr_tls_selfsigned_remove(&s);
    assert_int_equal(stat(dir, &st), -1);
    assert_int_equal(errno, ENOENT);
}

static void selfsigned_errors(void **state)
{
    (void)state;
    struct lr_tls_selfsigned s;
    assert_int_equal(lr_tls_selfsigned_create(&s, "/nonexistent-lrt", err, sizeof(err)), -ENOENT);
    assert_non_null(strstr(err, "self-signed certificate: mkdtemp /nonexistent-lrt/"));
    assert_string_equal(s.dir, "");
    lr_tls_selfsigned_remove(&s); /* nothing to remove: no-op */
}

/* The module without [tls] cert: lr_tls_need_server makes the fallback,
 * once; global_fini undoes it. A bad cert file is refused with its name. */
static void module_need_server(void **state)
{
    (void)state;
    assert_int_equal(load(PORT0), 0);
    assert_int_equal(lr_tls_module.global_init(&cfg), 0);
    assert_int_equal(lr_tls_need_server("test", LR_TLS_SESSIONS_ALL), 0);
    assert_int_equal(lr_tls_need_server("test again", LR_TLS_SESSIONS_ALL), 0);
    lr_tls_module.global_fini();

    assert_int_equal(load(PORT0 "[tls]\ncert = /nonexistent-lrt.pem\nkey = /nonexistent-lrt.key\n"),
                     0);
    assert_int_equal(lr_tls_module.global_init(&cfg), 0);
    assert_int_not_equal(lr_tls_need_server("test", LR_TLS_SESSIONS_ALL), 0);
    lr_tls_module.global_fini();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults),          cmocka_unit_test(values),
        cmocka_unit_test(bad_versions),      cmocka_unit_test(limits),
        cmocka_unit_test(cert_key_lists),    cmocka_unit_test(tls_listen),
        cmocka_unit_test(paths_hook),        cmocka_unit_test(selfsigned_pair),
        cmocka_unit_test(selfsigned_errors), cmocka_unit_test(module_need_server),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
