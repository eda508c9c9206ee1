/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The HTTP server over TLS (lib/tls/lr_tls_stream.c behind lr_stream.h) on
 * the fixture worker. The simulated TCP peer (lr_tcp_test.h) is a TLS
 * client: a client-role engine connection (lr_tls_engine_openssl) whose
 * ciphertext output is sent as TCP payload, and whose input is the payload
 * the server transmitted, reassembled in order. The module is set up the
 * way the runtime does it: a configuration text with [tls] cert/key (PEM
 * files generated at run time into a temporary directory) and [http]
 * tls_listen = 443, lr_tls_module.global_init, lr_tls_need_server,
 * lr_tls_module.init, then the HTTP server. Teardown checks that no mbuf
 * of the worker's pool leaked and that the session pool is empty.
 */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "lr_file_cache.h"
#include "lr_http_server.h"
#include "lr_runtime.h"
#include "lr_tcp.h"
#include "lr_tcp_opt.h"
#include "lr_tcp_test.h"
#include "lr_test.h"
#include "lr_tls.h"
#include "lr_tls_io.h"
#include "lr_tls_module.h"

#define TLS_PORT      443
#define BIG_SIZE      300000u
#define PLAIN_CAP     (1u << 20)
#define PEER_MSS      1460u
#define HS_TIMEOUT_US 2000000u /* [tls] handshake_timeout below */

static const struct lr_tls_engine *E = &lr_tls_engine_openssl;
static char tmpdir[64];
static char root[128];
static char cert_list[300], key_list[300];
static struct lr_file_cache *fc;
static uint8_t big[BIG_SIZE];
static struct rte_mempool *cpool;   /* the client's mbufs (not the worker's pool) */
static struct lr_tls_global *gc13;  /* client settings: TLS 1.3 */
static struct lr_tls_global *gc12;  /* client settings: TLS 1.2 only */
static struct lr_config loaded_cfg; /* the loaded configuration */
static bool tls_global_done;
static bool tls_init_done;

/* --- certificates made at run time (as test_tls.c) ------------------------ */

static int write_pem(const char *path, EVP_PKEY *k, X509 *x)
{
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return -1;
    int ok = 1;
    if (k != NULL)
        ok &= PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
    if (x != NULL)
        ok &= PEM_write_X509(f, x);
    return fclose(f) == 0 && ok == 1 ? 0 : -1;
}

static int make_cert(EVP_PKEY *k, const char *cn, const char *cert_path, const char *key_path)
{
    X509 *x = X509_new();
    if (x == NULL)
        return -1;
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_NAME *n = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, n);
    X509_set_pubkey(x, k);
    int rc = X509_sign(x, k, EVP_sha256()) > 0 ? 0 : -1;
    if (rc == 0)
        rc = write_pem(cert_path, NULL, x);
    if (rc == 0)
        rc = write_pem(key_path, k, NULL);
    X509_free(x);
    return rc;
}

static void cleanup(void)
{
    if (tmpdir[0] != '\0') {
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
        (void)system(cmd);
    }
}

static struct lr_tls_global *client_global(const struct lr_tls_params *p)
{
    struct lr_tls_global *g = NULL;
    char err[256] = "";
    if (E->global_init(p, &g, err, sizeof(err)) != 0) {
        fprintf(stderr, "client global_init: %s\n", err);
        return NULL;
    }
    return g;
}

static int group_setup(void **state)
{
    (void)state;
    if (lr_test_eal_init() != 0)
        return -1;
    cpool = rte_pktmbuf_pool_create("tls_stream_cli", 8191, 0, 0, RTE_PKTMBUF_HEADROOM + 2048, 0);
    if (cpool == NULL)
        return -1;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/lr-tls-stream.XXXXXX");
    if (mkdtemp(tmpdir) == NULL)
        return -1;
    atexit(cleanup);
    char ec_cert[128], ec_key[128], rsa_cert[128], rsa_key[128];
    snprintf(ec_cert, sizeof(ec_cert), "%s/ec.crt", tmpdir);
    snprintf(ec_key, sizeof(ec_key), "%s/ec.key", tmpdir);
    snprintf(rsa_cert, sizeof(rsa_cert), "%s/rsa.crt", tmpdir);
    snprintf(rsa_key, sizeof(rsa_key), "%s/rsa.key", tmpdir);
    snprintf(cert_list, sizeof(cert_list), "%s, %s", ec_cert, rsa_cert);
    snprintf(key_list, sizeof(key_list), "%s,%s", ec_key, rsa_key);
    EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    if (ec == NULL || rsa == NULL)
        return -1;
    int rc = make_cert(ec, "ec.linerate.test", ec_cert, ec_key);
    if (rc == 0)
        rc = make_cert(rsa, "rsa.linerate.test", rsa_cert, rsa_key);
    EVP_PKEY_free(ec);
    EVP_PKEY_free(rsa);
    if (rc != 0)
        return -1;

    /* The document root. */
    snprintf(root, sizeof(root), "%s/www", tmpdir);
    if (mkdir(root, 0755) != 0)
        return -1;
    lr_test_write_file(root, "hello.txt", "hello world\n", 12);
    lr_test_write_file(root, "index.html", "<p>root index</p>\n", 18);
    for (size_t i = 0; i < BIG_SIZE; i++)
        big[i] = (uint8_t)(i * 13 + i / 251);
    lr_test_write_file(root, "big.bin", big, BIG_SIZE);
    char err[256];
    fc = lr_file_cache_load(root, 1 << 20, 1, err, sizeof(err));
    if (fc == NULL) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    gc13 = client_global(&(struct lr_tls_params){ 0 });
    gc12 = client_global(&(struct lr_tls_params){ .max_version = LR_TLS_V1_2 });
    return gc13 != NULL && gc12 != NULL ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    E->global_free(gc13);
    E->global_free(gc12);
    lr_file_cache_free(fc);
    return 0;
}

/* --- the simulated TLS client over the simulated TCP peer ----------------- */

struct cli {
    bool used;
    /* TCP: the peer's side of this connection (loaded into the env while used) */
    uint16_t port;
    uint32_t seq, ack;
    uint32_t rbuf;   /* receive buffer the peer advertises (0: 65535 always) */
    uint32_t unread; /* received and not read by the client */
    bool reading;    /* the client reads what arrives */
    bool fin, rst;
    uint64_t crx; /* ciphertext bytes received from the server */
    /* TLS (NULL engine: a raw peer that sends bytes of its own) */
    struct lr_tls_ctx *ctx;
    struct lr_tls_counters cnt;
    struct lr_tls_io io;
    struct lr_tls_conn *c;
    int hs;      /* last client handshake rc */
    bool closed; /* read gave LR_TLS_CLOSED: the server's close_notify */
    bool fatal;
    uint8_t *plain; /* decrypted bytes from the server */
    size_t plen;
};

#define MAX_CLI 4
static struct cli clis[MAX_CLI];
static uint16_t next_port;

static void cli_release(struct cli *k)
{
    if (!k->used)
        return;
    if (k->c != NULL)
        E->free(k->c);
    lr_tls_io_release(&k->io);
    if (k->ctx != NULL)
        E->ctx_destroy(k->ctx);
    free(k->plain);
    memset(k, 0, sizeof(*k));
}

/* A client resuming @sess (NULL: a full handshake); @g NULL: a raw peer
 * without engine. */
static struct cli *cli_new_sess(struct lr_tls_global *g, const uint8_t *sess, uint32_t sess_len)
{
    struct cli *k = NULL;
    for (unsigned i = 0; i < MAX_CLI && k == NULL; i++)
        if (!clis[i].used)
            k = &clis[i];
    assert_non_null(k);
    memset(k, 0, sizeof(*k));
    k->used = true;
    k->port = next_port++;
    k->seq = 1000000;
    k->reading = true;
    k->hs = LR_TLS_WANT_READ;
    lr_tls_io_init(&k->io, cpool, 0, 0, &k->cnt.io);
    if (g == NULL)
        return k;
    k->plain = malloc(PLAIN_CAP);
    assert_non_null(k->plain);
    char err[256] = "";
    int rc = E->ctx_create(g, LR_TLS_CLIENT, &k->cnt, &k->ctx, err, sizeof(err));
    if (rc != 0)
        fail_msg("client ctx_create: %s", err);
    struct lr_tls_conn_opts o = { .sni = "linerate.test",
                                  .session = sess,
                                  .session_len = sess_len };
    k->c = E->init(k->ctx, &k->io, &o);
    assert_non_null(k->c);
    return k;
}

static struct cli *cli_new(struct lr_tls_global *g)
{
    return cli_new_sess(g, NULL, 0);
}

static void enter(struct lrt_env *e, const struct cli *k)
{
    e->peer_port = k->port;
    e->peer_seq = k->seq;
    e->peer_ack = k->ack;
    e->local_port = TLS_PORT;
}

static void leave(const struct lrt_env *e, struct cli *k)
{
    k->seq = e->peer_seq;
    k->ack = e->peer_ack;
}

static uint16_t cli_wnd(const struct cli *k)
{
    if (k->rbuf == 0)
        return 65535;
    return (uint16_t)(k->unread >= k->rbuf ? 0 : k->rbuf - k->unread);
}

/* One segment from the peer (env loaded). */
static void seg(struct lrt_env *e, const struct cli *k, uint8_t flags, const void *d, uint32_t n)
{
    lrt_send(e, &(struct lrt_spec){
                    .flags = flags, .data = d, .len = n, .wnd_set = true, .wnd = cli_wnd(k) });
}

/* TCP payload from the peer, in MSS-sized segments (env loaded). */
static void send_bytes(struct lrt_env *e, const struct cli *k, const uint8_t *p, uint32_t n)
{
    for (uint32_t off = 0; off < n;) {
        uint32_t c = RTE_MIN(n - off, PEER_MSS);
        seg(e, k, LRT_ACK | LRT_PSH, p + off, c);
        off += c;
    }
}

/* Ciphertext the server sent, into the client's receive queue. */
static void cli_rx(struct cli *k, const uint8_t *p, uint32_t n)
{
    k->crx += n;
    if (k->c == NULL)
        return;
    struct rte_mbuf *m = rte_pktmbuf_alloc(cpool);
    assert_non_null(m);
    assert_true(n <= rte_pktmbuf_tailroom(m));
    memcpy(rte_pktmbuf_append(m, (uint16_t)n), p, n);
    assert_int_equal(lr_tls_io_rx_push(&k->io, m), 0);
}

/* Run the client engine: handshake, then read all it can. */
static void cli_run(struct cli *k)
{
    if (k->c == NULL)
        return;
    lr_tls_io_tx_budget(&k->io, 1u << 20);
    if (k->hs != LR_TLS_OK && k->hs != LR_TLS_FATAL) {
        k->hs = E->handshake(k->c);
        if (k->hs == LR_TLS_FATAL)
            k->fatal = true;
    }
    if (k->hs == LR_TLS_OK && !k->closed && !k->fatal) {
        int r;
        while ((r = E->read(k->c, k->plain + k->plen, (uint32_t)(PLAIN_CAP - k->plen))) > 0)
            k->plen += (size_t)r;
        if (r == LR_TLS_CLOSED)
            k->closed = true;
        if (r == LR_TLS_FATAL)
            k->fatal = true;
    }
    (void)lr_tls_io_rx_consumed_take(&k->io);
}

/* Take the client's records and send them (env loaded). Returns the bytes. */
static uint32_t cli_flush_loaded(struct lrt_env *e, struct cli *k)
{
    static uint8_t buf[1u << 16];
    struct rte_mbuf *m = lr_tls_io_tx_take(&k->io);
    if (m == NULL)
        return 0;
    uint32_t n = m->pkt_len;
    assert_true(n <= sizeof(buf));
    const void *p = rte_pktmbuf_read(m, 0, n, buf);
    assert_non_null(p);
    if (p != buf)
        memcpy(buf, p, n);
    rte_pktmbuf_free(m);
    send_bytes(e, k, buf, n);
    return n;
}

/*
 * Collect what the server sends to @k, acknowledging (with the window of
 * the client's buffer), feeding the client engine and sending what it
 * answers, until nothing moves.
 */
static void pump(struct lrt_env *e, struct cli *k)
{
    enter(e, k);
    for (int round = 0; round < 100000; round++) {
        bool got = false;
        struct lrt_seg s;
        while (lrt_expect(e, &s)) {
            if (s.dport != k->port)
                fail_msg("segment to port %u while pumping %u", s.dport, k->port);
            if (s.flags & LRT_RST)
                k->rst = true;
            if (s.len > 0) {
                assert_int_equal(s.seq, e->peer_ack);
                cli_rx(k, s.data, s.len);
                e->peer_ack += s.len;
                k->unread += s.len;
                got = true;
            }
            if ((s.flags & LRT_FIN) && !k->fin) {
                k->fin = true;
                e->peer_ack += 1;
                got = true;
            }
        }
        if (k->rst)
            break;
        uint32_t sent = 0;
        if (k->reading) {
            cli_run(k);
            k->unread = 0;
            sent = cli_flush_loaded(e, k);
        }
        if (!got && sent == 0)
            break;
        if (got && sent == 0)
            seg(e, k, LRT_ACK, NULL, 0);
        if (round == 99999)
            fail_msg("pump did not settle");
    }
    leave(e, k);
}

/* SYN, SYN-ACK, ACK to the TLS port (nothing after the ACK is read). */
static void tcp_open(struct lrt_env *e, struct cli *k)
{
    uint8_t opt[16];
    struct lr_tcp_opts o;
    memset(&o, 0, sizeof(o));
    o.has_mss = 1;
    o.mss = PEER_MSS;
    unsigned optlen = lr_tcp_opts_write(opt, &o, true);
    enter(e, k);
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_SYN, .opts = opt, .opts_len = optlen });
    struct lrt_seg s;
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.flags, LRT_SYN | LRT_ACK);
    assert_int_equal(s.dport, k->port);
    e->peer_ack = s.seq + 1;
    seg(e, k, LRT_ACK, NULL, 0);
    leave(e, k);
}

/* Send bytes of the raw peer (or anything) on @k's connection. */
static void raw_send(struct lrt_env *e, struct cli *k, const void *p, uint32_t n)
{
    enter(e, k);
    send_bytes(e, k, p, n);
    leave(e, k);
}

static void peer_fin(struct lrt_env *e, struct cli *k)
{
    enter(e, k);
    seg(e, k, LRT_FIN | LRT_ACK, NULL, 0);
    leave(e, k);
    pump(e, k);
}

static void cli_flush(struct lrt_env *e, struct cli *k)
{
    enter(e, k);
    (void)cli_flush_loaded(e, k);
    leave(e, k);
}

static struct lr_tls_worker *tw_of(struct lrt_env *e)
{
    struct lr_tls_worker *tw = lr_tls_worker(e->w);
    assert_non_null(tw);
    return tw;
}

static struct lr_http_counters hcnt(struct lrt_env *e)
{
    struct lr_http_counters c;
    lr_http_counters_get(e->w, &c);
    return c;
}

/* TCP and TLS handshakes; the client established with @version. */
static void cli_connect(struct lrt_env *e, struct cli *k, uint16_t version)
{
    tcp_open(e, k);
    cli_run(k); /* ClientHello */
    cli_flush(e, k);
    pump(e, k);
    assert_int_equal(k->hs, LR_TLS_OK);
    assert_false(k->rst);
    assert_false(k->fin);
    struct lr_tls_conn_info ci;
    E->info(k->c, &ci);
    assert_true(ci.established);
    assert_int_equal(ci.version, version);
    assert_string_equal(ci.alpn, "http/1.1");
}

/* Encrypt @req (one write: one record when it fits) and exchange. */
static void cli_request(struct lrt_env *e, struct cli *k, const char *req)
{
    uint32_t n = (uint32_t)strlen(req);
    lr_tls_io_tx_budget(&k->io, 1u << 20);
    uint32_t done = 0;
    while (done < n) {
        int w = E->write(k->c, req + done, n - done);
        assert_true(w > 0);
        done += (uint32_t)w;
    }
    cli_flush(e, k);
    pump(e, k);
}

/* close_notify, then TCP's FIN. */
static void cli_close(struct lrt_env *e, struct cli *k)
{
    lr_tls_io_tx_budget(&k->io, 1u << 20);
    assert_int_equal(E->shutdown(k->c), LR_TLS_OK);
    cli_flush(e, k);
    pump(e, k);
    peer_fin(e, k);
}

/* --- responses in the client's plaintext --------------------------------- */

struct resp {
    int status;
    size_t head_len;
    long clen;
    const char *head;
};

static struct resp parse_resp(const struct cli *k, size_t pos)
{
    struct resp rp = { .clen = -1 };
    assert_true(pos <= k->plen);
    const char *s = (const char *)k->plain + pos;
    size_t n = k->plen - pos;
    const char *end = memmem(s, n, "\r\n\r\n", 4);
    if (end == NULL)
        fail_msg("incomplete response head (%zu bytes): %.*s", n, (int)RTE_MIN(n, (size_t)200), s);
    rp.head_len = (size_t)(end - s) + 4;
    rp.head = s;
    assert_int_equal(memcmp(s, "HTTP/1.1 ", 9), 0);
    rp.status = atoi(s + 9);
    const char *cl = memmem(s, rp.head_len, "\r\nContent-Length: ", 18);
    if (cl != NULL)
        rp.clen = atol(cl + 18);
    return rp;
}

static bool has_header(const struct resp *rp, const char *line)
{
    return memmem(rp->head, rp->head_len, line, strlen(line)) != NULL;
}

/* Only @reason among the server's failure counters is @n, the others 0. */
static void expect_failed(struct lrt_env *e, enum lr_tls_fail reason, uint64_t n)
{
    const struct lr_tls_counters *c = &tw_of(e)->cnt;
    for (unsigned i = 0; i < LR_TLS_FAIL_MAX; i++) {
        uint64_t want = i == (unsigned)reason ? n : 0;
        if (c->failed[i] != want)
            fail_msg("failed_%s = %" PRIu64 ", expected %" PRIu64 " (reason under test: %s)",
                     lr_tls_fail_name((enum lr_tls_fail)i), c->failed[i], want,
                     lr_tls_fail_name(reason));
    }
}

/* Nothing of the TLS layer or the HTTP server left on the worker. */
static void expect_idle(struct lrt_env *e)
{
    struct lr_tls_worker *tw = tw_of(e);
    assert_int_equal(tw->scnt.sessions_active, 0);
    assert_int_equal(tw->cnt.in_progress, 0);
    assert_int_equal(hcnt(e).conns_active, 0);
}

/* --- setup: the module the real way ---------------------------------------- */

static int setup_with(void **state, const char *tls_extra)
{
    static char text[2048];
    snprintf(text, sizeof(text),
             "[port0]\naddr = 198.18.0.2/24\n"
             "[http]\nroot = %s\nlisten = 80\ntls_listen = %u\n"
             "[tls]\ncert = %s\nkey = %s\nhandshake_timeout = %ums\n%s",
             root, TLS_PORT, cert_list, key_list, HS_TIMEOUT_US / 1000, tls_extra);
    struct lr_config *cfg = &loaded_cfg;
    char err[512] = "";
    if (lr_runtime_config_load_string(cfg, text, "/tmp/lr-tls-stream.conf", err, sizeof(err)) !=
        0) {
        fprintf(stderr, "config: %s\n", err);
        return -1;
    }
    /* As lrt_config(): small pools, deterministic values. */
    cfg->tcp.max_conns = 64;
    cfg->tcp.backlog = 16;
    cfg->tcp.rcvbuf = 64 * 1024;
    cfg->tcp.sndbuf = 64 * 1024;
    cfg->tcp.echo_port = 0;
    cfg->tcp.discard_port = 0;
    struct lr_http_config *h = lr_test_http(cfg);
    h->enabled = true;
    h->header_timeout = 20000000;
    h->keepalive_timeout = 50000000;
    h->max_uri_bytes = 256;
    h->max_header_bytes = 1024;
    h->max_headers = 16;
    h->max_body_bytes = 4096;
    h->max_requests_per_conn = 0;
    snprintf(h->index, sizeof(h->index), "index.html");
    snprintf(h->server_name, sizeof(h->server_name), "lrtest");

    struct lrt_env *e = calloc(1, sizeof(*e));
    if (e == NULL)
        return -1;
    struct lr_worker *w = lr_test_worker_new(cfg);
    if (w == NULL) {
        free(e);
        return -1;
    }
    lr_test_set_baseline(w);
    lrt_env_init(e, w, cfg);
    e->local_port = TLS_PORT;
    *state = e;
    next_port = 40000;
    memset(clis, 0, sizeof(clis));
    tls_global_done = tls_init_done = false;

    if (lr_tls_module.global_init != NULL && lr_tls_module.global_init(w->cfg) != 0) {
        fprintf(stderr, "tls global_init failed\n");
        return -1;
    }
    tls_global_done = true;
    if (lr_tls_need_server("test", LR_TLS_SESSIONS_ALL) != 0) {
        fprintf(stderr, "lr_tls_need_server failed\n");
        return -1;
    }
    if (lr_tls_module.init(w) != 0) {
        fprintf(stderr, "tls init failed\n");
        return -1;
    }
    tls_init_done = true;
    struct lr_tls_worker *tw = lr_tls_worker(w);
    if (tw == NULL || tw->server == NULL || tw->pool == NULL) {
        fprintf(stderr, "tls module set up no server context / session pool\n");
        return -1;
    }
    if (lr_http_server_init(w, fc) != 0) {
        fprintf(stderr, "lr_http_server_init failed\n");
        return -1;
    }
    return 0;
}

static int setup(void **state)
{
    return setup_with(state, "");
}

static int setup_cap1(void **state)
{
    return setup_with(state, "max_handshakes = 1\n");
}

static int teardown(void **state)
{
    struct lrt_env *e = *state;
    int rc = 0;
    if (e == NULL)
        return -1;
    lr_http_server_shutdown(e->w);
    /* As the runtime: TCP's shutdown runs before the modules' fini, so the
     * sessions still in a handshake hear closed() while the pool exists. */
    lr_tcp_shutdown(e->w);
    lr_test_tx_free_all(e->w);
    struct lr_tls_worker *tw = lr_tls_worker(e->w);
    if (tw != NULL && tw->scnt.sessions_active != 0) {
        fprintf(stderr, "test_tls_stream: %" PRIu64 " TLS sessions left after shutdown\n",
                tw->scnt.sessions_active);
        rc = -1;
    }
    lr_http_server_free(e->w);
    if (tls_init_done && lr_tls_module.fini != NULL)
        lr_tls_module.fini(e->w);
    if (tls_global_done && lr_tls_module.global_fini != NULL)
        lr_tls_module.global_fini();
    for (unsigned i = 0; i < MAX_CLI; i++)
        cli_release(&clis[i]);
    if (rte_mempool_in_use_count(cpool) != 0) {
        fprintf(stderr, "test_tls_stream: %u client mbufs left\n", rte_mempool_in_use_count(cpool));
        rc = -1;
    }
    if (lrt_teardown(state) != 0)
        rc = -1;
    return rc;
}

/* --- cases ------------------------------------------------------------------ */

static void get_small(struct lrt_env *e, struct lr_tls_global *g, uint16_t version)
{
    struct cli *k = cli_new(g);
    cli_connect(e, k, version);
    struct lr_tls_worker *tw = tw_of(e);
    assert_int_equal(tw->cnt.hs_full, 1);
    assert_int_equal(tw->cnt.in_progress, 0);
    assert_int_equal(tw->cnt.version[version == LR_TLS_V1_3 ? LR_TLS_VER_1_3 : LR_TLS_VER_1_2], 1);
    assert_int_equal(tw->scnt.sessions_active, 1);
    assert_int_equal(hcnt(e).conns_accepted, 1); /* accept() after the handshake */

    cli_request(e, k, "GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n");
    struct resp rp = parse_resp(k, 0);
    assert_int_equal(rp.status, 200);
    assert_int_equal(rp.clen, 12);
    assert_int_equal(k->plen, rp.head_len + 12);
    assert_memory_equal(k->plain + rp.head_len, "hello world\n", 12);
    assert_true(has_header(&rp, "\r\nServer: lrtest\r\n"));
    assert_false(k->fin);
    assert_false(k->closed);
    assert_int_equal(tw->cnt.plain_bytes_out, k->plen);
    assert_int_equal(tw->cnt.plain_bytes_in, strlen("GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n"));

    /* TCP's FIN without close_notify: counted as truncated, closed cleanly. */
    peer_fin(e, k);
    assert_true(k->fin);
    assert_false(k->rst);
    assert_int_equal(tw->scnt.truncated, 1);
    expect_failed(e, LR_TLS_FAIL_TRUNCATED, 0);
    expect_idle(e);
}

static void get_big(struct lrt_env *e, struct lr_tls_global *g, uint16_t version)
{
    struct cli *k = cli_new(g);
    cli_connect(e, k, version);
    cli_request(e, k, "GET /big.bin HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    struct resp rp = parse_resp(k, 0);
    assert_int_equal(rp.status, 200);
    assert_int_equal(rp.clen, BIG_SIZE);
    assert_true(has_header(&rp, "\r\nConnection: close\r\n"));
    assert_int_equal(k->plen, rp.head_len + BIG_SIZE);
    assert_memory_equal(k->plain + rp.head_len, big, BIG_SIZE);
    assert_false(k->fatal);
    /* close_notify after the body (RFC 8446 §6.1), then TCP's FIN. */
    assert_true(k->closed);
    assert_true(k->fin);
    assert_false(k->rst);
    struct lr_tls_worker *tw = tw_of(e);
    assert_int_equal(hcnt(e).tx_body_bytes, BIG_SIZE);
    assert_int_equal(tw->cnt.plain_bytes_out, k->plen);
    assert_int_equal(tw->cnt.close_notify_sent, 1);
    /* 300 KB in records of at most 16 KB */
    assert_true(tw->cnt.io.records_out >= BIG_SIZE / LR_TLS_RECORD_MAX);
    cli_close(e, k);
    assert_int_equal(tw->cnt.close_notify_rcvd, 1);
    assert_int_equal(tw->scnt.truncated, 0);
    expect_failed(e, LR_TLS_FAIL_TRUNCATED, 0);
    expect_idle(e);
}

static void test_tls13_get_small(void **state)
{
    get_small(*state, gc13, LR_TLS_V1_3);
}

static void test_tls12_get_small(void **state)
{
    get_small(*state, gc12, LR_TLS_V1_2);
}

static void test_tls13_get_big(void **state)
{
    get_big(*state, gc13, LR_TLS_V1_3);
}

static void test_tls12_get_big(void **state)
{
    get_big(*state, gc12, LR_TLS_V1_2);
}

/* Two requests in one TLS record: both answered, in order. */
static void test_pipelined_one_record(void **state)
{
    struct lrt_env *e = *state;
    struct cli *k = cli_new(gc13);
    cli_connect(e, k, LR_TLS_V1_3);
    uint64_t rec0 = k->cnt.io.records_out;
    cli_request(e, k,
                "GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n"
                "GET /index.html HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_int_equal(k->cnt.io.records_out, rec0 + 1); /* one record carried both */
    struct resp a = parse_resp(k, 0);
    assert_int_equal(a.status, 200);
    assert_int_equal(a.clen, 12);
    assert_memory_equal(k->plain + a.head_len, "hello world\n", 12);
    struct resp b = parse_resp(k, a.head_len + 12);
    assert_int_equal(b.status, 200);
    assert_int_equal(b.clen, 18);
    assert_int_equal(k->plen, a.head_len + 12 + b.head_len + 18);
    assert_memory_equal(k->plain + a.head_len + 12 + b.head_len, "<p>root index</p>\n", 18);
    assert_int_equal(hcnt(e).requests, 2);
    cli_close(e, k);
    expect_idle(e);
}

/* A second request on the same TLS connection after the first response. */
static void test_keepalive_second_request(void **state)
{
    struct lrt_env *e = *state;
    struct cli *k = cli_new(gc12);
    cli_connect(e, k, LR_TLS_V1_2);
    cli_request(e, k, "GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n");
    struct resp a = parse_resp(k, 0);
    assert_int_equal(a.status, 200);
    size_t first = k->plen;
    assert_int_equal(first, a.head_len + 12);
    cli_request(e, k, "GET /index.html HTTP/1.1\r\nHost: t\r\n\r\n");
    struct resp b = parse_resp(k, first);
    assert_int_equal(b.status, 200);
    assert_int_equal(k->plen, first + b.head_len + 18);
    assert_memory_equal(k->plain + first + b.head_len, "<p>root index</p>\n", 18);
    assert_false(k->fin);
    struct lr_tls_worker *tw = tw_of(e);
    assert_int_equal(tw->cnt.hs_full, 1); /* one handshake for both */
    assert_int_equal(hcnt(e).conns_accepted, 1);
    assert_int_equal(hcnt(e).requests, 2);
    cli_close(e, k);
    expect_idle(e);
}

/* close_notify then FIN from an idle keep-alive client: close_notify back,
 * FIN, no RST, the session back in the pool. */
static void test_close_notify_then_fin(void **state)
{
    struct lrt_env *e = *state;
    struct cli *k = cli_new(gc13);
    cli_connect(e, k, LR_TLS_V1_3);
    cli_request(e, k, "GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_int_equal(parse_resp(k, 0).status, 200);
    struct lr_tls_worker *tw = tw_of(e);
    assert_int_equal(tw->scnt.sessions_active, 1);
    lr_tls_io_tx_budget(&k->io, 1u << 20);
    assert_int_equal(E->shutdown(k->c), LR_TLS_OK);
    cli_flush(e, k);
    pump(e, k);
    assert_int_equal(tw->cnt.close_notify_rcvd, 1);
    assert_true(k->closed); /* the server's close_notify */
    assert_int_equal(tw->cnt.close_notify_sent, 1);
    assert_true(k->fin);
    assert_false(k->rst);
    peer_fin(e, k);
    assert_false(k->rst);
    assert_int_equal(tw->scnt.truncated, 0);
    expect_failed(e, LR_TLS_FAIL_TRUNCATED, 0);
    expect_idle(e);
}

/* Bytes that are not TLS: failed malformed, closed with FIN, nothing kept. */
static void test_garbage_malformed(void **state)
{
    struct lrt_env *e = *state;
    struct cli *k = cli_new(NULL);
    tcp_open(e, k);
    uint8_t junk[64];
    for (unsigned i = 0; i < sizeof(junk); i++)
        junk[i] = (uint8_t)(0x80 + i * 13);
    raw_send(e, k, junk, sizeof(junk));
    pump(e, k);
    expect_failed(e, LR_TLS_FAIL_MALFORMED, 1);
    assert_true(k->fin);
    assert_false(k->rst); /* every ciphertext byte given back to TCP: FIN, not RST */
    peer_fin(e, k);
    assert_false(k->rst);
    assert_int_equal(hcnt(e).conns_accepted, 0); /* the application never saw it */
    expect_idle(e);
}

/* Plain HTTP on the TLS port. */
static void test_plain_http_on_tls_port(void **state)
{
    struct lrt_env *e = *state;
    struct cli *k = cli_new(NULL);
    tcp_open(e, k);
    static const char get[] = "GET / HTTP/1.1\r\nHost: t\r\n\r\n";
    raw_send(e, k, get, sizeof(get) - 1);
    pump(e, k);
    expect_failed(e, LR_TLS_FAIL_HTTP_REQUEST, 1);
    assert_true(k->fin);
    assert_false(k->rst);
    peer_fin(e, k);
    assert_int_equal(hcnt(e).conns_accepted, 0);
    assert_int_equal(hcnt(e).requests, 0);
    expect_idle(e);
}

/* The client's real ClientHello, or its first @n bytes, on @k's connection. */
static uint32_t send_client_hello(struct lrt_env *e, struct cli *k, uint32_t part, uint8_t *rest,
                                  uint32_t *rest_len)
{
    static uint8_t buf[4096];
    cli_run(k);
    struct rte_mbuf *m = lr_tls_io_tx_take(&k->io);
    assert_non_null(m);
    uint32_t n = m->pkt_len;
    assert_true(n <= sizeof(buf) && n > 100);
    const void *p = rte_pktmbuf_read(m, 0, n, buf);
    if (p != buf)
        memcpy(buf, p, n);
    rte_pktmbuf_free(m);
    uint32_t k1 = part == 0 || part > n ? n : part;
    raw_send(e, k, buf, k1);
    if (rest != NULL) {
        memcpy(rest, buf + k1, n - k1);
        *rest_len = n - k1;
    }
    return n;
}

/* Half a ClientHello, then the peer's FIN: a truncated handshake. */
static void test_half_hello_then_fin(void **state)
{
    struct lrt_env *e = *state;
    struct cli *k = cli_new(gc13);
    tcp_open(e, k);
    static uint8_t rest[4096];
    uint32_t rest_len = 0;
    uint32_t n = send_client_hello(e, k, 150, rest, &rest_len);
    assert_int_equal(rest_len, n - 150);
    pump(e, k);
    struct lr_tls_worker *tw = tw_of(e);
    assert_int_equal(k->crx, 0); /* nothing to answer yet */
    assert_false(k->fin);
    assert_int_equal(tw->cnt.in_progress, 1);
    assert_int_equal(tw->scnt.sessions_active, 1);
    peer_fin(e, k);
    expect_failed(e, LR_TLS_FAIL_TRUNCATED, 1);
    assert_true(k->fin);
    assert_false(k->rst);
    assert_int_equal(hcnt(e).conns_accepted, 0);
    expect_idle(e);
}

/* An incomplete handshake past [tls] handshake_timeout. */
static void test_handshake_timeout(void **state)
{
    struct lrt_env *e = *state;
    struct cli *k = cli_new(gc13);
    tcp_open(e, k);
    static uint8_t rest[4096];
    uint32_t rest_len = 0;
    (void)send_client_hello(e, k, 150, rest, &rest_len);
    pump(e, k);
    struct lr_tls_worker *tw = tw_of(e);
    assert_int_equal(tw->cnt.in_progress, 1);
    lr_test_advance(e->w, HS_TIMEOUT_US - 100000);
    pump(e, k);
    assert_int_equal(tw->scnt.hs_timeouts, 0);
    assert_false(k->fin);
    lr_test_advance(e->w, 200000);
    pump(e, k);
    assert_int_equal(tw->scnt.hs_timeouts, 1);
    expect_failed(e, LR_TLS_FAIL_TIMEOUT, 1);
    assert_int_equal(tw->cnt.in_progress, 0);
    assert_true(k->fin);
    assert_false(k->rst);
    peer_fin(e, k);
    assert_int_equal(hcnt(e).conns_accepted, 0);
    expect_idle(e);
}

/* [tls] max_handshakes = 1: a second connection mid-handshake is reset. */
static void test_max_handshakes_rst(void **state)
{
    struct lrt_env *e = *state;
    struct lr_tls_worker *tw = tw_of(e);
    assert_int_equal(tw->max_handshakes, 1);
    struct cli *a = cli_new(gc13);
    tcp_open(e, a);
    static uint8_t rest[4096];
    uint32_t rest_len = 0;
    (void)send_client_hello(e, a, 150, rest, &rest_len);
    pump(e, a);
    assert_int_equal(tw->cnt.in_progress, 1);

    struct cli *b = cli_new(gc13);
    tcp_open(e, b); /* TCP established; the TLS layer refuses it */
    pump(e, b);
    assert_true(b->rst);
    assert_int_equal(tw->scnt.hs_refused_cap, 1);
    assert_int_equal(tw->scnt.sessions_active, 1);
    assert_int_equal(lrt_counters(e).accept_refused, 1);

    /* The first one completes and is served. */
    raw_send(e, a, rest, rest_len);
    pump(e, a);
    assert_int_equal(a->hs, LR_TLS_OK);
    assert_int_equal(tw->cnt.in_progress, 0);
    cli_request(e, a, "GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_int_equal(parse_resp(a, 0).status, 200);

    /* With no handshake in progress a new connection is accepted again. */
    struct cli *c = cli_new(gc13);
    cli_connect(e, c, LR_TLS_V1_3);
    assert_int_equal(tw->scnt.hs_refused_cap, 1);
    assert_int_equal(tw->scnt.sessions_active, 2);
    cli_close(e, a);
    cli_close(e, c);
    expect_idle(e);
}

/*
 * The client stops reading: its window closes, the server's session stalls
 * with the rest of the body kept; once the client reads, it resumes, and
 * every byte arrives in order.
 */
static void test_window_stall_resume(void **state)
{
    struct lrt_env *e = *state;
    struct cli *k = cli_new(gc13);
    cli_connect(e, k, LR_TLS_V1_3);
    k->rbuf = 16384; /* a small receive buffer */
    k->reading = false;
    cli_request(e, k, "GET /big.bin HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    /* The server filled the window (less than a segment may stay unsent,
     * RFC 9293 §3.8.6.2.1) and stopped; never beyond it. */
    assert_true(k->unread <= k->rbuf);
    assert_true(k->unread + PEER_MSS > k->rbuf);
    assert_false(k->fin);
    assert_false(k->rst);
    uint64_t stalled_at = k->crx;
    struct lr_tls_worker *tw = tw_of(e);
    assert_int_equal(tw->scnt.sessions_active, 1);
    assert_int_equal(hcnt(e).conns_active, 1);
    /* A zero-window ACK again: nothing more is sent. */
    enter(e, k);
    seg(e, k, LRT_ACK, NULL, 0);
    leave(e, k);
    pump(e, k);
    assert_int_equal(k->crx, stalled_at);
    assert_true(tw->cnt.plain_bytes_out < BIG_SIZE); /* the rest is still to encrypt */

    /* The client reads: window update, the transfer resumes and completes. */
    k->reading = true;
    cli_run(k);
    k->unread = 0;
    enter(e, k);
    seg(e, k, LRT_ACK, NULL, 0);
    leave(e, k);
    pump(e, k);
    struct resp rp = parse_resp(k, 0);
    assert_int_equal(rp.status, 200);
    assert_int_equal(rp.clen, BIG_SIZE);
    assert_int_equal(k->plen, rp.head_len + BIG_SIZE);
    assert_memory_equal(k->plain + rp.head_len, big, BIG_SIZE);
    assert_true(k->closed);
    assert_true(k->fin);
    assert_false(k->rst);
    assert_false(k->fatal);
    cli_close(e, k);
    expect_idle(e);
}

/*
 * The client resets the connection while the server holds the rest of the
 * body (a chain of file-cache references being encrypted): the session is
 * freed with everything it held (teardown checks the pool).
 */
static void test_rst_while_stalled(void **state)
{
    struct lrt_env *e = *state;
    struct cli *k = cli_new(gc13);
    cli_connect(e, k, LR_TLS_V1_3);
    k->rbuf = 8192;
    k->reading = false;
    cli_request(e, k, "GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_false(k->fin);
    struct lr_tls_worker *tw = tw_of(e);
    assert_true(tw->cnt.plain_bytes_out < BIG_SIZE);
    assert_int_equal(tw->scnt.sessions_active, 1);
    enter(e, k);
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_RST });
    leave(e, k);
    pump(e, k);
    assert_false(k->rst); /* no answer to a RST */
    assert_int_equal(lrt_active(e), 0);
    expect_idle(e);
}

/*
 * [tls] handshake_budget = 1: the second ClientHello of a poll loop waits
 * (counted hs_deferred, nothing sent back) until the module's poll gives a
 * fresh budget; both handshakes then complete and are served.
 */
static void test_handshake_budget_defers(void **state)
{
    struct lrt_env *e = *state;
    struct lr_tls_worker *tw = tw_of(e);
    assert_int_equal(tw->hs_budget, 1);
    struct cli *a = cli_new(gc13);
    struct cli *b = cli_new(gc13);
    tcp_open(e, a);
    tcp_open(e, b);
    cli_run(a);
    cli_flush(e, a); /* takes the loop's one handshake step */
    pump(e, a);
    assert_true(a->crx > 0);
    cli_run(b);
    cli_flush(e, b);
    pump(e, b);
    assert_int_equal(b->crx, 0); /* no ServerHello yet */
    /* a's Finished (its second step) and b's ClientHello both wait. */
    assert_int_equal(tw->scnt.hs_deferred, 2);
    assert_int_equal(tw->cnt.in_progress, 2);
    /* Each poll loop gives one step, oldest first: a's Finished (the
     * server's tickets to a), b's ClientHello (its flight), b's Finished. */
    lr_tls_module.poll(e->w);
    pump(e, a);
    assert_int_equal(b->crx, 0);
    lr_tls_module.poll(e->w);
    pump(e, b);
    assert_true(b->crx > 0);
    lr_tls_module.poll(e->w);
    pump(e, b);
    assert_int_equal(a->hs, LR_TLS_OK);
    assert_int_equal(b->hs, LR_TLS_OK);
    assert_true(tw->scnt.hs_deferred >= 3); /* b's Finished waited too */
    assert_int_equal(tw->cnt.in_progress, 0);
    cli_request(e, b, "GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_int_equal(parse_resp(b, 0).status, 200);
    cli_request(e, a, "GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_int_equal(parse_resp(a, 0).status, 200);
    cli_close(e, a);
    cli_close(e, b);
    expect_idle(e);
}

/* A TLS 1.2 session of a full handshake, saved by the client; closed. */
static uint32_t full_and_save(struct lrt_env *e, uint8_t *buf, uint32_t cap)
{
    struct cli *k = cli_new(gc12);
    cli_connect(e, k, LR_TLS_V1_2);
    int n = E->session_save(k->c, buf, cap);
    assert_true(n > 0);
    cli_close(e, k);
    cli_release(k);
    return (uint32_t)n;
}

/* Resume @sess: whether the server resumed it. */
static bool try_resume(struct lrt_env *e, const uint8_t *sess, uint32_t n)
{
    struct cli *k = cli_new_sess(gc12, sess, n);
    cli_connect(e, k, LR_TLS_V1_2);
    struct lr_tls_conn_info ci;
    E->info(k->c, &ci);
    cli_close(e, k);
    cli_release(k);
    return ci.resumed;
}

/*
 * [tls] ticket_rotate = 1s through the module's main-lcore tick: a ticket
 * of the previous key still resumes (and is renewed); after a second
 * rotation it is unknown and the client gets a full handshake.
 */
static void test_ticket_rotation_tick(void **state)
{
    struct lrt_env *e = *state;
    struct lr_tls_worker *tw = tw_of(e);
    static uint8_t sess[8192];
    uint32_t n = full_and_save(e, sess, sizeof(sess));
    assert_true(try_resume(e, sess, n));
    assert_int_equal(tw->cnt.hs_resumed, 1);
    assert_int_equal(tw->cnt.tickets_renewed, 0);

    uint64_t t = 5000000;
    lr_tls_module.tick(t);          /* first tick: the period starts */
    lr_tls_module.tick(t + 500000); /* not due */
    lr_tls_module.poll(e->w);
    assert_true(try_resume(e, sess, n));
    assert_int_equal(tw->cnt.tickets_renewed, 0);

    lr_tls_module.tick(t + 1000000); /* rotation: the ticket's key is previous */
    lr_tls_module.poll(e->w);        /* the worker copies the new keys */
    assert_true(try_resume(e, sess, n));
    assert_int_equal(tw->cnt.tickets_renewed, 1);

    lr_tls_module.tick(t + 2000000); /* second rotation: the key is gone */
    lr_tls_module.poll(e->w);
    uint64_t full = tw->cnt.hs_full;
    assert_false(try_resume(e, sess, n));
    assert_int_equal(tw->cnt.hs_full, full + 1);
    assert_true(tw->cnt.tickets_unknown_key >= 1);
    expect_idle(e);
}

static int setup_budget1(void **state)
{
    return setup_with(state, "handshake_budget = 1\n");
}

static int setup_rotate(void **state)
{
    return setup_with(state, "ticket_rotate = 1s\n");
}

/* The session pool is what the TLS users ask for (summed, at most
 * [tcp] max_conns) unless [tls] max_sessions sets it: FTPS alone must not
 * reserve a session per max_conns. Shown as the sessions_max gauge. */
struct walk_find {
    const char *name;
    uint64_t value;
    int found;
};

static void walk_find_cb(void *arg, const char *name, uint64_t value)
{
    struct walk_find *f = arg;
    if (strcmp(name, f->name) == 0) {
        f->value = value;
        f->found++;
    }
}

static void tls_module_redo(struct lr_worker *w, const uint32_t *asks, unsigned n)
{
    lr_tls_module.fini(w);
    lr_tls_module.global_fini();
    assert_int_equal(lr_tls_module.global_init(w->cfg), 0);
    for (unsigned i = 0; i < n; i++)
        assert_int_equal(lr_tls_need_server("test", asks[i]), 0);
    assert_int_equal(lr_tls_module.init(w), 0);
}

static void test_pool_sized_by_users(void **state)
{
    struct lrt_env *e = *state;
    struct lr_worker *w = e->w;
    uint32_t max_conns = w->cfg->tcp.max_conns;
    assert_true(max_conns > 10);
    /* setup asked for LR_TLS_SESSIONS_ALL */
    assert_int_equal(lr_tls_worker(w)->scnt.sessions_max, max_conns);

    const uint32_t two[] = { 3, 4 };
    tls_module_redo(w, two, 2);
    assert_int_equal(lr_tls_worker(w)->scnt.sessions_max, 7);
    struct walk_find f = { .name = "sessions_max" };
    lr_tls_module.walk(w, walk_find_cb, &f);
    assert_int_equal(f.found, 1);
    assert_int_equal(f.value, 7);

    const uint32_t big[] = { max_conns - 1, 5 }; /* the sum is capped */
    tls_module_redo(w, big, 2);
    assert_int_equal(lr_tls_worker(w)->scnt.sessions_max, max_conns);
    const uint32_t sat[] = { LR_TLS_SESSIONS_ALL, LR_TLS_SESSIONS_ALL };
    tls_module_redo(w, sat, 2);
    assert_int_equal(lr_tls_worker(w)->scnt.sessions_max, max_conns);

    const uint32_t one[] = { 1 };
    tls_module_redo(w, one, 1);
    assert_int_equal(lr_tls_worker(w)->scnt.sessions_max, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_tls13_get_small, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pool_sized_by_users, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tls12_get_small, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tls13_get_big, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tls12_get_big, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pipelined_one_record, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keepalive_second_request, setup, teardown),
        cmocka_unit_test_setup_teardown(test_close_notify_then_fin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_garbage_malformed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plain_http_on_tls_port, setup, teardown),
        cmocka_unit_test_setup_teardown(test_half_hello_then_fin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_handshake_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_max_handshakes_rst, setup_cap1, teardown),
        cmocka_unit_test_setup_teardown(test_window_stall_resume, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rst_while_stalled, setup, teardown),
        cmocka_unit_test_setup_teardown(test_handshake_budget_defers, setup_budget1, teardown),
        cmocka_unit_test_setup_teardown(test_ticket_rotation_tick, setup_rotate, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
