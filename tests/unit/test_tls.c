/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for the TLS layer (lib/tls): the ciphertext queues over mbuf
 * chains and their BIO (a full handshake and application data between a
 * client and a server connection with every flight re-chunked at every
 * byte boundary, a transmit budget of one byte, a segment limit), the
 * engine table (TLS 1.2 and 1.3 with ECDSA P-256 and RSA-2048 certificates
 * made here at run time), ticket-key rotation across two worker contexts,
 * version and cipher refusal, garbage and plain HTTP on the server, a
 * corrupted record, a truncated stream, ALPN refusal, close_notify and the
 * counter walk. No private key is committed: the certificates are generated
 * into a temporary directory removed at exit.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "lr_test.h"
#include "lr_tls.h"

static const struct lr_tls_engine *E = &lr_tls_engine_openssl;
static struct rte_mempool *pool;    /* small segments: records span several */
static struct rte_mempool *bigpool; /* received segments of up to 8 KB */
static char tmpdir[64];
static char ec_cert[128], ec_key[128], rsa_cert[128], rsa_key[128];
static char both_cert[300], both_key[300];

/* --- certificates made at run time ------------------------------------------ */

static void write_pem(const char *path, EVP_PKEY *k, X509 *x)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    if (k != NULL)
        assert_int_equal(PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL), 1);
    if (x != NULL)
        assert_int_equal(PEM_write_X509(f, x), 1);
    fclose(f);
}

static void make_cert(EVP_PKEY *k, const char *cn, const char *cert_path, const char *key_path)
{
    X509 *x = X509_new();
    assert_non_null(x);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_NAME *n = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, n);
    X509_set_pubkey(x, k);
    assert_true(X509_sign(x, k, EVP_sha256()) > 0);
    write_pem(cert_path, NULL, x);
    write_pem(key_path, k, NULL);
    X509_free(x);
}

static int rm_tmp(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    return system(cmd);
}

static void cleanup(void)
{
    if (tmpdir[0] != '\0')
        (void)rm_tmp();
}

static int group_setup(void **state)
{
    (void)state;
    if (lr_test_eal_init() < 0)
        return -1;
    /* 256-byte data rooms: a 16 KB record spans 64+ segments. */
    pool = rte_pktmbuf_pool_create("tls_test", 16383, 0, 0, RTE_PKTMBUF_HEADROOM + 256, 0);
    bigpool = rte_pktmbuf_pool_create("tls_test_big", 1023, 0, 0, RTE_PKTMBUF_HEADROOM + 8192, 0);
    if (pool == NULL || bigpool == NULL)
        return -1;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/lr-tls-test.XXXXXX");
    if (mkdtemp(tmpdir) == NULL)
        return -1;
    atexit(cleanup);
    snprintf(ec_cert, sizeof(ec_cert), "%s/ec.crt", tmpdir);
    snprintf(ec_key, sizeof(ec_key), "%s/ec.key", tmpdir);
    snprintf(rsa_cert, sizeof(rsa_cert), "%s/rsa.crt", tmpdir);
    snprintf(rsa_key, sizeof(rsa_key), "%s/rsa.key", tmpdir);
    snprintf(both_cert, sizeof(both_cert), "%s, %s", ec_cert, rsa_cert);
    snprintf(both_key, sizeof(both_key), "%s,%s", ec_key, rsa_key);
    EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    if (ec == NULL || rsa == NULL)
        return -1;
    make_cert(ec, "ec.linerate.test", ec_cert, ec_key);
    make_cert(rsa, "rsa.linerate.test", rsa_cert, rsa_key);
    EVP_PKEY_free(ec);
    EVP_PKEY_free(rsa);
    return 0;
}

/* --- a client and a server connection wired back to back ------------------- */

struct end {
    struct lr_tls_global *g;
    struct lr_tls_ctx *ctx;
    struct lr_tls_counters cnt;
    struct lr_tls_io io;
    struct lr_tls_conn *c;
    uint64_t pushed;   /* ciphertext bytes pushed into io */
    uint64_t consumed; /* reported by rx_consumed_take */
};

struct pair {
    struct end cli, srv;
    unsigned chunk;   /* re-chunk every flight into segments of this size (0 = as is) */
    bool separate;    /* push each chunk as its own chain (else one chain) */
    unsigned split;   /* != 0: two pieces, [0, split) and the rest (chunk ignored) */
    unsigned flights; /* flights moved */
    unsigned max_flight;
};

static struct lr_tls_global *global(const struct lr_tls_params *p)
{
    struct lr_tls_global *g = NULL;
    char err[256] = "";
    int rc = E->global_init(p, &g, err, sizeof(err));
    if (rc != 0)
        fprintf(stderr, "global_init: %s\n", err);
    assert_int_equal(rc, 0);
    return g;
}

static void end_ctx(struct end *e, struct lr_tls_global *g, enum lr_tls_role role)
{
    memset(e, 0, sizeof(*e));
    e->g = g;
    char err[256] = "";
    int rc = E->ctx_create(g, role, &e->cnt, &e->ctx, err, sizeof(err));
    if (rc != 0)
        fprintf(stderr, "ctx_create: %s\n", err);
    assert_int_equal(rc, 0);
}

static void end_conn(struct end *e, const struct lr_tls_conn_opts *o)
{
    lr_tls_io_init(&e->io, pool, 1024, 0, &e->cnt.io);
    lr_tls_io_tx_budget(&e->io, 1u << 20);
    e->pushed = e->consumed = 0;
    e->c = E->init(e->ctx, &e->io, o);
    assert_non_null(e->c);
}

static void end_conn_free(struct end *e)
{
    if (e->c != NULL)
        E->free(e->c);
    e->c = NULL;
    lr_tls_io_release(&e->io);
}

static void end_free(struct end *e)
{
    end_conn_free(e);
    E->ctx_destroy(e->ctx);
    e->ctx = NULL;
}

/* Copy a chain's bytes out (and free it). */
static uint32_t chain_bytes(struct rte_mbuf *m, uint8_t *buf, uint32_t cap)
{
    uint32_t n = m->pkt_len;
    assert_true(n <= cap);
    uint32_t segs = 0;
    uint32_t off = 0;
    for (struct rte_mbuf *s = m; s != NULL; s = s->next) {
        memcpy(buf + off, rte_pktmbuf_mtod(s, void *), s->data_len);
        off += s->data_len;
        segs++;
    }
    assert_int_equal(off, n);
    assert_int_equal(segs, m->nb_segs);
    rte_pktmbuf_free(m);
    return n;
}

static struct rte_mbuf *seg_of(const uint8_t *p, uint32_t n)
{
    struct rte_mbuf *m = rte_pktmbuf_alloc(n > 256 ? bigpool : pool);
    assert_non_null(m);
    assert_true(n <= rte_pktmbuf_tailroom(m));
    memcpy(rte_pktmbuf_append(m, (uint16_t)n), p, n);
    return m;
}

/* Deliver @n bytes to @to as TCP would: chunks of @chunk bytes, one chain
 * of several segments or separate chains. */
static void deliver(struct pair *pp, struct end *to, const uint8_t *p, uint32_t n)
{
    uint32_t chunk = pp->chunk ? RTE_MIN(pp->chunk, 8192u) : 200;
    struct rte_mbuf *head = NULL;
    for (uint32_t off = 0, k; off < n; off += k) {
        k = RTE_MIN(chunk, n - off);
        if (pp->split != 0)
            k = RTE_MIN(off == 0 ? pp->split : 8192u, n - off);
        struct rte_mbuf *m = seg_of(p + off, k);
        if (pp->separate) {
            assert_int_equal(lr_tls_io_rx_push(&to->io, m), 0);
        } else if (head == NULL) {
            head = m;
        } else {
            assert_int_equal(rte_pktmbuf_chain(head, m), 0);
        }
    }
    if (head != NULL)
        assert_int_equal(lr_tls_io_rx_push(&to->io, head), 0);
    to->pushed += n;
}

/* Move whatever @from transmitted to @to. Returns the bytes moved. */
static uint32_t move(struct pair *pp, struct end *from, struct end *to)
{
    static uint8_t buf[1 << 18];
    struct rte_mbuf *m = lr_tls_io_tx_take(&from->io);
    if (m == NULL)
        return 0;
    uint32_t n = chain_bytes(m, buf, sizeof(buf));
    deliver(pp, to, buf, n);
    pp->flights++;
    if (n > pp->max_flight)
        pp->max_flight = n;
    return n;
}

static void take_consumed(struct end *e)
{
    e->consumed += lr_tls_io_rx_consumed_take(&e->io);
}

/* Run both handshakes to completion (or failure): returns the server's rc. */
static int handshake(struct pair *pp, int *cli_rc)
{
    int rs = LR_TLS_WANT_READ, rc = LR_TLS_WANT_READ;
    for (int i = 0; i < 32; i++) {
        if (rc != LR_TLS_OK && rc != LR_TLS_FATAL)
            rc = E->handshake(pp->cli.c);
        uint32_t a = move(pp, &pp->cli, &pp->srv);
        if (rs != LR_TLS_OK && rs != LR_TLS_FATAL)
            rs = E->handshake(pp->srv.c);
        take_consumed(&pp->srv);
        uint32_t b = move(pp, &pp->srv, &pp->cli);
        if (rc != LR_TLS_OK && rc != LR_TLS_FATAL)
            rc = E->handshake(pp->cli.c);
        take_consumed(&pp->cli);
        b += move(pp, &pp->cli, &pp->srv);
        if ((rc == LR_TLS_OK || rc == LR_TLS_FATAL) && (rs == LR_TLS_OK || rs == LR_TLS_FATAL) &&
            a == 0 && b == 0)
            break;
    }
    if (cli_rc != NULL)
        *cli_rc = rc;
    return rs;
}

/* Read everything @e can decrypt into @buf; returns bytes (rc of the last read in *last). */
static uint32_t read_all(struct end *e, uint8_t *buf, uint32_t cap, int *last)
{
    uint32_t got = 0;
    int r;
    while ((r = E->read(e->c, buf + got, cap - got)) > 0)
        got += (uint32_t)r;
    take_consumed(e);
    if (last != NULL)
        *last = r;
    return got;
}

static struct lr_tls_params server_params(void)
{
    struct lr_tls_params p = { .cert = both_cert, .key = both_key };
    return p;
}

/* Client writes @n bytes, server reads them and echoes them back. */
static void exchange(struct pair *pp, uint32_t n)
{
    static uint8_t out[65536], in[65536];
    assert_true(n <= sizeof(out));
    for (uint32_t i = 0; i < n; i++)
        out[i] = (uint8_t)(i * 7 + 3);
    uint32_t sent = 0;
    while (sent < n) {
        int w = E->write(pp->cli.c, out + sent, n - sent);
        assert_true(w > 0);
        sent += (uint32_t)w;
    }
    move(pp, &pp->cli, &pp->srv);
    int last;
    uint32_t got = read_all(&pp->srv, in, sizeof(in), &last);
    assert_int_equal(last, LR_TLS_WANT_READ);
    assert_int_equal(got, n);
    assert_memory_equal(in, out, n);
    /* Every ciphertext byte pushed was consumed, and reported once. */
    assert_int_equal(pp->srv.consumed, pp->srv.pushed);
    assert_int_equal(lr_tls_io_rx_pending(&pp->srv.io), 0);
    sent = 0;
    while (sent < n) {
        int w = E->write(pp->srv.c, in + sent, n - sent);
        assert_true(w > 0);
        sent += (uint32_t)w;
    }
    move(pp, &pp->srv, &pp->cli);
    memset(in, 0, n);
    got = read_all(&pp->cli, in, sizeof(in), &last);
    assert_int_equal(last, LR_TLS_WANT_READ);
    assert_int_equal(got, n);
    assert_memory_equal(in, out, n);
}

/* --- the BIO over mbuf chains ----------------------------------------------- */

/* A record scanner fed one byte at a time counts the same records as fed whole. */
static void recscan_any_split(void **state)
{
    (void)state;
    /* three records: handshake 3 bytes, alert 2, application data 0 */
    static const uint8_t s[] = { 22, 3, 3, 0, 3, 1, 2, 3, 21, 3, 3, 0, 2, 2, 40, 23, 3, 3, 0, 0 };
    for (unsigned cut = 0; cut <= sizeof(s); cut++) {
        struct lr_tls_recscan sc = { 0 };
        uint64_t alerts = 0;
        unsigned n = lr_tls_recscan_feed(&sc, s, cut, &alerts);
        n += lr_tls_recscan_feed(&sc, s + cut, (uint32_t)(sizeof(s) - cut), &alerts);
        assert_int_equal(n, 3);
        assert_int_equal(alerts, 1);
    }
    struct lr_tls_recscan sc = { 0 };
    unsigned n = 0;
    for (unsigned i = 0; i < sizeof(s); i++)
        n += lr_tls_recscan_feed(&sc, s + i, 1, NULL);
    assert_int_equal(n, 3);
    /* Not TLS framing: counting stops. */
    static const uint8_t g[] = "GET / HTTP/1.1\r\n";
    struct lr_tls_recscan sg = { 0 };
    assert_int_equal(lr_tls_recscan_feed(&sg, g, sizeof(g) - 1, NULL), 0);
    assert_true(sg.lost);
}

/* The io alone: chains in, reads at every size, consumption, segments freed. */
static void io_queue_reads_and_frees(void **state)
{
    (void)state;
    unsigned base = rte_mempool_in_use_count(pool);
    struct lr_tls_io io;
    lr_tls_io_init(&io, pool, 0, 800, NULL);
    uint8_t data[900];
    for (unsigned i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)i;
    /* a chain of 3 segments (one empty) and a single segment */
    struct rte_mbuf *a = seg_of(data, 250);
    assert_int_equal(rte_pktmbuf_chain(a, seg_of(data, 0)), 0);
    assert_int_equal(rte_pktmbuf_chain(a, seg_of(data + 250, 250)), 0);
    assert_int_equal(lr_tls_io_rx_push(&io, a), 0);
    assert_int_equal(lr_tls_io_rx_push(&io, seg_of(data + 500, 200)), 0);
    assert_int_equal(lr_tls_io_rx_pending(&io), 700);
    /* beyond rx_max: refused, freed, counted */
    assert_int_equal(lr_tls_io_rx_push(&io, seg_of(data, 250)), -ENOBUFS);
    assert_int_equal(io.cnt->rx_over_max, 1);
    uint8_t out[900];
    uint32_t got = 0;
    for (uint32_t step = 1; got < 700; step = step % 37 + 1)
        got += lr_tls_io_rx_read(&io, out + got, step);
    assert_int_equal(got, 700);
    assert_memory_equal(out, data, 700);
    assert_int_equal(lr_tls_io_rx_read(&io, out, 10), 0);
    assert_int_equal(lr_tls_io_rx_consumed_take(&io), 700);
    assert_int_equal(lr_tls_io_rx_consumed_take(&io), 0);
    assert_int_equal(rte_mempool_in_use_count(pool), base); /* read segments freed */
    /* transmit: budget and segment limit */
    lr_tls_io_init(&io, pool, 2, 0, NULL);
    assert_int_equal(lr_tls_io_tx_write(&io, data, 10), 0); /* budget 0 */
    assert_int_equal(io.cnt->tx_refused, 1);
    lr_tls_io_tx_budget(&io, 800);
    assert_int_equal(lr_tls_io_tx_write(&io, data, 900), 512); /* 2 segments of 256 */
    assert_int_equal(io.cnt->tx_refused, 2);
    struct rte_mbuf *m = lr_tls_io_tx_take(&io);
    assert_non_null(m);
    assert_int_equal(m->nb_segs, 2);
    assert_int_equal(chain_bytes(m, out, sizeof(out)), 512);
    assert_memory_equal(out, data, 512);
    assert_int_equal(lr_tls_io_tx_write(&io, data + 512, 388), 288); /* rest of the budget */
    lr_tls_io_release(&io);
    assert_int_equal(rte_mempool_in_use_count(pool), base);
}

/* Full handshake + data with every flight cut into segments of every size
 * from 1 byte up to the largest flight, as one chain and as separate chains. */
static void bio_every_split(void **state)
{
    (void)state;
    unsigned base = rte_mempool_in_use_count(pool);
    struct lr_tls_params sp = server_params();
    sp.cert = ec_cert;
    sp.key = ec_key;
    struct lr_tls_global *gs = global(&sp);
    struct lr_tls_params cp = { 0 };
    struct lr_tls_global *gc = global(&cp);
    static struct pair pp;
    end_ctx(&pp.srv, gs, LR_TLS_SERVER);
    end_ctx(&pp.cli, gc, LR_TLS_CLIENT);
    /* Mode 0: every flight cut into segments of `cut` bytes (cut = 1: a
     * boundary after every byte). Mode 1: every flight cut in two at byte
     * `cut`, so each record of it is split at every offset once. Both as one
     * multi-segment chain and as separate chains. */
    unsigned max_flight = 1; /* the largest flight, learnt in the first run */
    unsigned runs = 0;
    for (int mode = 0; mode < 2; mode++) {
        for (unsigned cut = 1; cut <= max_flight; cut++) {
            for (int sep = 0; sep < 2; sep++) {
                pp.chunk = mode == 0 ? cut : 0;
                pp.split = mode == 1 ? cut : 0;
                pp.separate = sep;
                pp.max_flight = 0;
                end_conn(&pp.srv, NULL);
                end_conn(&pp.cli, NULL);
                int rc;
                assert_int_equal(handshake(&pp, &rc), LR_TLS_OK);
                assert_int_equal(rc, LR_TLS_OK);
                if (pp.max_flight > max_flight) /* handshake flights only */
                    max_flight = pp.max_flight;
                exchange(&pp, cut < 16 && mode == 0 ? 300 : 20000); /* 20000: 2 records */
                end_conn_free(&pp.cli);
                end_conn_free(&pp.srv);
                runs++;
            }
        }
    }
    assert_true(max_flight > 500);
    assert_true(runs >= 4 * (max_flight - 1));
    assert_int_equal(pp.srv.cnt.hs_full, runs);
    assert_int_equal(pp.srv.cnt.in_progress, 0);
    /* Records counted by framing agree on both sides. */
    assert_int_equal(pp.srv.cnt.io.records_in, pp.cli.cnt.io.records_out);
    assert_int_equal(pp.srv.cnt.io.records_out, pp.cli.cnt.io.records_in);
    assert_int_equal(pp.srv.cnt.io.cipher_bytes_in, pp.cli.cnt.io.cipher_bytes_out);
    end_free(&pp.srv);
    end_free(&pp.cli);
    E->global_free(gs);
    E->global_free(gc);
    assert_int_equal(rte_mempool_in_use_count(pool), base);
}

/* A transmit budget of one byte at a time: the BIO refuses, the engine
 * retries, the peer still gets a byte-exact stream. */
static void bio_budget_one_byte(void **state)
{
    (void)state;
    unsigned base = rte_mempool_in_use_count(pool);
    struct lr_tls_params sp = server_params();
    struct lr_tls_global *gs = global(&sp);
    struct lr_tls_params cp = { 0 };
    struct lr_tls_global *gc = global(&cp);
    static struct pair pp;
    pp.chunk = 0;
    pp.separate = false;
    end_ctx(&pp.srv, gs, LR_TLS_SERVER);
    end_ctx(&pp.cli, gc, LR_TLS_CLIENT);
    end_conn(&pp.srv, NULL);
    end_conn(&pp.cli, NULL);
    lr_tls_io_tx_budget(&pp.srv.io, 0);
    int rc = E->handshake(pp.cli.c);
    assert_int_equal(rc, LR_TLS_WANT_READ);
    move(&pp, &pp.cli, &pp.srv);
    unsigned wants = 0;
    for (;;) {
        rc = E->handshake(pp.srv.c);
        if (rc != LR_TLS_WANT_WRITE)
            break;
        wants++;
        assert_true(wants < 100000);
        lr_tls_io_tx_budget(&pp.srv.io, 1);
    }
    assert_true(wants > 500); /* the whole first flight, byte by byte */
    assert_true(pp.srv.cnt.io.tx_refused >= wants);
    lr_tls_io_tx_budget(&pp.srv.io, 1u << 20);
    int cr;
    rc = handshake(&pp, &cr);
    assert_int_equal(rc, LR_TLS_OK);
    assert_int_equal(cr, LR_TLS_OK);
    /* Application data with a 7-byte budget per call. */
    static uint8_t msg[5000], got[5000];
    for (unsigned i = 0; i < sizeof(msg); i++)
        msg[i] = (uint8_t)(i ^ 0x5a);
    uint32_t sent = 0;
    while (sent < sizeof(msg)) {
        lr_tls_io_tx_budget(&pp.srv.io, 7);
        int w = E->write(pp.srv.c, msg + sent, (uint32_t)sizeof(msg) - sent);
        if (w == LR_TLS_WANT_WRITE) {
            move(&pp, &pp.srv, &pp.cli);
            continue;
        }
        assert_true(w > 0);
        sent += (uint32_t)w;
    }
    move(&pp, &pp.srv, &pp.cli);
    int last;
    assert_int_equal(read_all(&pp.cli, got, sizeof(got), &last), sizeof(msg));
    assert_memory_equal(got, msg, sizeof(msg));
    end_free(&pp.srv);
    end_free(&pp.cli);
    E->global_free(gs);
    E->global_free(gc);
    assert_int_equal(rte_mempool_in_use_count(pool), base);
}

/* --- the engine table --------------------------------------------------------- */

static void one_handshake(uint16_t version, const char *sigalgs, const char *ciphers,
                          const char *want_key)
{
    struct lr_tls_params sp = server_params();
    struct lr_tls_global *gs = global(&sp);
    struct lr_tls_params cp = {
        .min_version = version, .max_version = version, .sigalgs = sigalgs, .ciphers = ciphers
    };
    struct lr_tls_global *gc = global(&cp);
    static struct pair pp;
    memset(&pp, 0, sizeof(pp));
    end_ctx(&pp.srv, gs, LR_TLS_SERVER);
    end_ctx(&pp.cli, gc, LR_TLS_CLIENT);
    struct lr_tls_conn_opts co = { .sni = "linerate.test" };
    end_conn(&pp.srv, NULL);
    end_conn(&pp.cli, &co);
    int rc;
    assert_int_equal(handshake(&pp, &rc), LR_TLS_OK);
    assert_int_equal(rc, LR_TLS_OK);
    exchange(&pp, 40000);
    struct lr_tls_conn_info si, ci;
    E->info(pp.srv.c, &si);
    E->info(pp.cli.c, &ci);
    assert_true(si.established && ci.established);
    assert_false(si.resumed);
    assert_int_equal(si.version, version);
    assert_int_equal(ci.version, version);
    assert_int_equal(si.cipher_id, ci.cipher_id);
    assert_string_equal(si.cert_key, want_key);
    assert_string_equal(ci.cert_key, want_key);
    assert_string_equal(si.alpn, "http/1.1");
    assert_string_equal(ci.alpn, "http/1.1");
    assert_int_equal(pp.srv.cnt.hs_full, 1);
    assert_int_equal(pp.srv.cnt.in_progress, 0);
    assert_int_equal(pp.srv.cnt.version[version == LR_TLS_V1_3 ? LR_TLS_VER_1_3 : LR_TLS_VER_1_2],
                     1);
    assert_int_not_equal(lr_tls_cipher_of(si.cipher_id), LR_TLS_CIPHER_OTHER);
    assert_int_equal(pp.srv.cnt.cipher[lr_tls_cipher_of(si.cipher_id)], 1);
    /* groups default X25519:P-256: both ends agree on X25519 (RFC 8446 §4.2.7) */
    assert_int_equal(si.group_id, 0x001d);
    assert_int_equal(ci.group_id, 0x001d);
    assert_int_equal(pp.srv.cnt.group[LR_TLS_GROUP_X25519], 1);
    assert_int_equal(pp.cli.cnt.group[LR_TLS_GROUP_X25519], 1);
    assert_int_equal(pp.srv.cnt.plain_bytes_in, 40000);
    assert_int_equal(pp.srv.cnt.plain_bytes_out, 40000);
    /* 40000 bytes = 3 records each way at least */
    assert_true(pp.srv.cnt.io.records_in >= 3);
    /* close_notify both ways (RFC 8446 §6.1) */
    assert_int_equal(E->shutdown(pp.cli.c), LR_TLS_OK);
    move(&pp, &pp.cli, &pp.srv);
    uint8_t b[16];
    assert_int_equal(E->read(pp.srv.c, b, sizeof(b)), LR_TLS_CLOSED);
    assert_int_equal(pp.srv.cnt.close_notify_rcvd, 1);
    assert_int_equal(E->shutdown(pp.srv.c), LR_TLS_OK);
    assert_int_equal(pp.srv.cnt.close_notify_sent, 1);
    end_free(&pp.srv);
    end_free(&pp.cli);
    E->global_free(gs);
    E->global_free(gc);
}

static void engine_tls13_ecdsa(void **state)
{
    (void)state;
    one_handshake(LR_TLS_V1_3, "ECDSA+SHA256", NULL, "EC");
}

static void engine_tls13_rsa(void **state)
{
    (void)state;
    one_handshake(LR_TLS_V1_3, "rsa_pss_rsae_sha256", NULL, "RSA");
}

static void engine_tls12_ecdsa(void **state)
{
    (void)state;
    one_handshake(LR_TLS_V1_2, NULL, "ECDHE-ECDSA-AES128-GCM-SHA256", "EC");
}

static void engine_tls12_rsa(void **state)
{
    (void)state;
    one_handshake(LR_TLS_V1_2, NULL, "ECDHE-RSA-AES256-GCM-SHA384", "RSA");
}

/* A handshake of pair @pp resuming @sess (NULL: none); saves the client's
 * session into @save when given. Returns whether it resumed. */
static bool resume_once(struct pair *pp, const uint8_t *sess, uint32_t sess_len, uint8_t *save,
                        uint32_t *save_len)
{
    struct lr_tls_conn_opts co = { .session = sess, .session_len = sess_len };
    end_conn(&pp->srv, NULL);
    end_conn(&pp->cli, &co);
    int rc;
    assert_int_equal(handshake(pp, &rc), LR_TLS_OK);
    assert_int_equal(rc, LR_TLS_OK);
    exchange(pp, 100); /* the client reads the TLS 1.3 NewSessionTicket here */
    struct lr_tls_conn_info ci, si;
    E->info(pp->cli.c, &ci);
    E->info(pp->srv.c, &si);
    assert_int_equal(ci.resumed, si.resumed);
    if (save != NULL) {
        int n = E->session_save(pp->cli.c, save, *save_len);
        assert_true(n > 0);
        *save_len = (uint32_t)n;
    }
    end_conn_free(&pp->cli);
    end_conn_free(&pp->srv);
    return si.resumed;
}

static void tickets_rotation(uint16_t version)
{
    struct lr_tls_params sp = server_params();
    struct lr_tls_global *gs = global(&sp);
    struct lr_tls_params cp = { .min_version = version, .max_version = version };
    struct lr_tls_global *gc = global(&cp);
    /* Two workers' server contexts (separate library contexts), a client each. */
    static struct pair p1, p2;
    memset(&p1, 0, sizeof(p1));
    memset(&p2, 0, sizeof(p2));
    end_ctx(&p1.srv, gs, LR_TLS_SERVER);
    end_ctx(&p2.srv, gs, LR_TLS_SERVER);
    end_ctx(&p1.cli, gc, LR_TLS_CLIENT);
    end_ctx(&p2.cli, gc, LR_TLS_CLIENT);
    struct lr_tls_counters *w1 = &p1.srv.cnt, *w2 = &p2.srv.cnt;
    uint8_t sess[4096];
    uint32_t len = sizeof(sess);
    assert_false(resume_once(&p1, NULL, 0, sess, &len)); /* ticket under key A */
    assert_int_equal(w1->tickets_issued, 1);
    /* Resumes on the other worker: the keys are the same everywhere. */
    assert_true(resume_once(&p2, sess, len, NULL, NULL));
    assert_int_equal(w2->hs_resumed, 1);
    /* Rotation: A becomes previous; a worker sees it once it refreshes. */
    assert_int_equal(E->tickets_rotate(gs), 0);
    E->ctx_refresh(p1.srv.ctx);
    E->ctx_refresh(p2.srv.ctx);
    uint64_t issued = w1->tickets_issued;
    assert_true(resume_once(&p1, sess, len, NULL, NULL));
    assert_int_equal(w1->hs_resumed, 1);
    assert_int_equal(w1->tickets_renewed, 1);
    assert_true(w1->tickets_issued > issued); /* renewed under the new key */
    /* A second rotation drops A. w2, not refreshed yet, still knows A. */
    assert_int_equal(E->tickets_rotate(gs), 0);
    assert_true(resume_once(&p2, sess, len, NULL, NULL));
    E->ctx_refresh(p1.srv.ctx);
    E->ctx_refresh(p2.srv.ctx);
    uint64_t full = w1->hs_full;
    assert_false(resume_once(&p1, sess, len, NULL, NULL)); /* full handshake */
    assert_int_equal(w1->hs_full, full + 1);
    assert_int_equal(w1->tickets_unknown_key, 1);
    assert_false(resume_once(&p2, sess, len, NULL, NULL));
    assert_int_equal(w2->tickets_unknown_key, 1);
    assert_int_equal(w1->in_progress + w2->in_progress, 0);
    end_free(&p1.srv);
    end_free(&p2.srv);
    end_free(&p1.cli);
    end_free(&p2.cli);
    E->global_free(gs);
    E->global_free(gc);
}

static void tickets_rotation_tls13(void **state)
{
    (void)state;
    tickets_rotation(LR_TLS_V1_3);
}

static void tickets_rotation_tls12(void **state)
{
    (void)state;
    tickets_rotation(LR_TLS_V1_2);
}

/* Resumption from a kept session object (engine->session_keep): no
 * serialisation; each connection keeps the session it ends with (TLS 1.3:
 * the new ticket), the previous reference is released, nothing leaks (ASan). */
static void kept_session(uint16_t version)
{
    struct lr_tls_params sp = server_params();
    struct lr_tls_global *gs = global(&sp);
    struct lr_tls_params cp = { .min_version = version, .max_version = version };
    struct lr_tls_global *gc = global(&cp);
    static struct pair pp;
    memset(&pp, 0, sizeof(pp));
    end_ctx(&pp.srv, gs, LR_TLS_SERVER);
    end_ctx(&pp.cli, gc, LR_TLS_CLIENT);
    void *kept = NULL;
    for (int i = 0; i < 4; i++) {
        struct lr_tls_conn_opts co = { .kept = kept };
        end_conn(&pp.srv, NULL);
        end_conn(&pp.cli, &co);
        int rc;
        assert_int_equal(handshake(&pp, &rc), LR_TLS_OK);
        exchange(&pp, 100);
        struct lr_tls_conn_info ci, si;
        E->info(pp.cli.c, &ci);
        E->info(pp.srv.c, &si);
        assert_int_equal(ci.resumed, i > 0);
        assert_int_equal(si.resumed, i > 0);
        void *k = E->session_keep(pp.cli.c);
        assert_non_null(k);
        E->session_release(kept);
        kept = k;
        end_conn_free(&pp.cli);
        end_conn_free(&pp.srv);
    }
    assert_int_equal(pp.srv.cnt.hs_full, 1);
    assert_int_equal(pp.srv.cnt.hs_resumed, 3);
    assert_int_equal(pp.cli.cnt.hs_resumed, 3);
    E->session_release(kept);
    E->session_release(NULL);
    end_free(&pp.srv);
    end_free(&pp.cli);
    E->global_free(gs);
    E->global_free(gc);
}

static void kept_session_tls13(void **state)
{
    (void)state;
    kept_session(LR_TLS_V1_3);
}

static void kept_session_tls12(void **state)
{
    (void)state;
    kept_session(LR_TLS_V1_2);
}

/* A handshake expected to fail on the server with @reason. */
static void refused(const struct lr_tls_params *sp, const struct lr_tls_params *cp,
                    enum lr_tls_fail reason, bool alert)
{
    struct lr_tls_global *gs = global(sp);
    struct lr_tls_global *gc = global(cp);
    static struct pair pp;
    memset(&pp, 0, sizeof(pp));
    end_ctx(&pp.srv, gs, LR_TLS_SERVER);
    end_ctx(&pp.cli, gc, LR_TLS_CLIENT);
    end_conn(&pp.srv, NULL);
    end_conn(&pp.cli, NULL);
    int rc;
    assert_int_equal(handshake(&pp, &rc), LR_TLS_FATAL);
    assert_int_equal(rc, LR_TLS_FATAL);
    assert_int_equal(pp.srv.cnt.failed[reason], 1);
    assert_int_equal(pp.srv.cnt.hs_full, 0);
    assert_int_equal(pp.srv.cnt.in_progress, 0);
    if (alert) {
        assert_int_equal(pp.srv.cnt.alerts_sent, 1);
        assert_int_equal(pp.srv.cnt.io.alerts_out, 1);
        assert_int_equal(pp.cli.cnt.failed[LR_TLS_FAIL_PEER_ALERT], 1);
    }
    /* never shutdown after a fatal error */
    assert_int_equal(E->shutdown(pp.srv.c), LR_TLS_FATAL);
    assert_int_equal(pp.srv.cnt.close_notify_sent, 0);
    end_free(&pp.srv);
    end_free(&pp.cli);
    E->global_free(gs);
    E->global_free(gc);
}

static void version_refused(void **state)
{
    (void)state;
    struct lr_tls_params sp = server_params();
    sp.min_version = LR_TLS_V1_3;
    struct lr_tls_params cp = { .max_version = LR_TLS_V1_2 };
    refused(&sp, &cp, LR_TLS_FAIL_VERSION, true);
    sp.min_version = 0;
    sp.max_version = LR_TLS_V1_2;
    cp.max_version = 0;
    cp.min_version = LR_TLS_V1_3;
    refused(&sp, &cp, LR_TLS_FAIL_VERSION, true);
}

static void no_shared_cipher(void **state)
{
    (void)state;
    struct lr_tls_params sp = server_params();
    sp.max_version = LR_TLS_V1_2;
    sp.ciphers = "ECDHE-ECDSA-AES256-GCM-SHA384";
    struct lr_tls_params cp = { .max_version = LR_TLS_V1_2,
                                .ciphers = "ECDHE-RSA-AES128-GCM-SHA256" };
    refused(&sp, &cp, LR_TLS_FAIL_NO_SHARED_CIPHER, true);
    /* TLS 1.3: no suite in common */
    sp.max_version = 0;
    sp.min_version = LR_TLS_V1_3;
    sp.ciphersuites = "TLS_AES_256_GCM_SHA384";
    cp.max_version = 0;
    cp.ciphersuites = "TLS_CHACHA20_POLY1305_SHA256";
    refused(&sp, &cp, LR_TLS_FAIL_NO_SHARED_CIPHER, true);
}

static void alpn_refused(void **state)
{
    (void)state;
    struct lr_tls_params sp = server_params();
    struct lr_tls_params cp = { .alpn = "h2" };
    refused(&sp, &cp, LR_TLS_FAIL_NO_ALPN, true);
}

/* Raw bytes at a server connection: the reason it fails with. */
static void raw_at_server(const uint8_t *p, uint32_t n, bool eof, enum lr_tls_fail reason)
{
    struct lr_tls_params sp = server_params();
    struct lr_tls_global *gs = global(&sp);
    static struct pair pp;
    memset(&pp, 0, sizeof(pp));
    end_ctx(&pp.srv, gs, LR_TLS_SERVER);
    end_conn(&pp.srv, NULL);
    deliver(&pp, &pp.srv, p, n);
    if (eof)
        lr_tls_io_rx_eof(&pp.srv.io);
    assert_int_equal(E->handshake(pp.srv.c), LR_TLS_FATAL);
    for (unsigned i = 0; i < LR_TLS_FAIL_MAX; i++) {
        if (pp.srv.cnt.failed[i] != 0 && i != reason)
            fprintf(stderr, "failed as %s, expected %s\n", lr_tls_fail_name(i),
                    lr_tls_fail_name(reason));
    }
    assert_int_equal(pp.srv.cnt.failed[reason], 1);
    assert_int_equal(pp.srv.cnt.in_progress, 0);
    struct lr_tls_conn_info si;
    E->info(pp.srv.c, &si);
    assert_true(si.failed);
    assert_int_equal(si.fail_reason, reason);
    /* Further calls stay failed and count nothing more. */
    uint8_t b[8];
    assert_int_equal(E->read(pp.srv.c, b, sizeof(b)), LR_TLS_FATAL);
    assert_int_equal(E->write(pp.srv.c, b, sizeof(b)), LR_TLS_FATAL);
    assert_int_equal(pp.srv.cnt.failed[reason], 1);
    end_free(&pp.srv);
    E->global_free(gs);
}

static void garbage_client_hello(void **state)
{
    (void)state;
    static const char get[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    raw_at_server((const uint8_t *)get, sizeof(get) - 1, false, LR_TLS_FAIL_HTTP_REQUEST);
    /* a handshake record whose body is not a ClientHello */
    static const uint8_t bad_hs[] = { 22, 3, 1, 0, 8, 1, 0, 0, 4, 0xff, 0xff, 0xff, 0xff };
    raw_at_server(bad_hs, sizeof(bad_hs), false, LR_TLS_FAIL_MALFORMED);
    /* not TLS at all */
    uint8_t junk[64];
    for (unsigned i = 0; i < sizeof(junk); i++)
        junk[i] = (uint8_t)(0x80 + i * 13);
    raw_at_server(junk, sizeof(junk), false, LR_TLS_FAIL_MALFORMED);
    /* half a ClientHello header, then the peer closes */
    static const uint8_t half[] = { 22, 3, 1, 0, 200, 1, 0 };
    raw_at_server(half, sizeof(half), true, LR_TLS_FAIL_TRUNCATED);
}

/* A corrupted application-data record: bad_record_mac, not a crash. */
static void corrupted_record(void **state)
{
    (void)state;
    struct lr_tls_params sp = server_params();
    struct lr_tls_global *gs = global(&sp);
    struct lr_tls_params cp = { 0 };
    struct lr_tls_global *gc = global(&cp);
    static struct pair pp;
    memset(&pp, 0, sizeof(pp));
    end_ctx(&pp.srv, gs, LR_TLS_SERVER);
    end_ctx(&pp.cli, gc, LR_TLS_CLIENT);
    end_conn(&pp.srv, NULL);
    end_conn(&pp.cli, NULL);
    int rc;
    assert_int_equal(handshake(&pp, &rc), LR_TLS_OK);
    uint8_t msg[100] = { 1, 2, 3 };
    assert_int_equal(E->write(pp.cli.c, msg, sizeof(msg)), sizeof(msg));
    struct rte_mbuf *m = lr_tls_io_tx_take(&pp.cli.io);
    static uint8_t buf[4096];
    uint32_t n = chain_bytes(m, buf, sizeof(buf));
    buf[n - 3] ^= 0x40; /* inside the AEAD tag */
    deliver(&pp, &pp.srv, buf, n);
    uint8_t out[200];
    assert_int_equal(E->read(pp.srv.c, out, sizeof(out)), LR_TLS_FATAL);
    assert_int_equal(pp.srv.cnt.failed[LR_TLS_FAIL_BAD_RECORD_MAC], 1);
    assert_int_equal(pp.srv.cnt.alerts_sent, 1);
    /* a caller-side reason after failure is not counted twice */
    E->set_failed(pp.srv.c, LR_TLS_FAIL_TIMEOUT);
    assert_int_equal(pp.srv.cnt.failed[LR_TLS_FAIL_TIMEOUT], 0);
    /* the client: the stream ends without close_notify → truncated */
    lr_tls_io_rx_eof(&pp.cli.io);
    move(&pp, &pp.srv, &pp.cli); /* the alert */
    assert_int_equal(E->read(pp.cli.c, out, sizeof(out)), LR_TLS_FATAL);
    assert_int_equal(pp.cli.cnt.failed[LR_TLS_FAIL_PEER_ALERT], 1);
    end_free(&pp.srv);
    end_free(&pp.cli);
    E->global_free(gs);
    E->global_free(gc);
}

/* Caller-side failure (handshake timeout) counted once; in_progress drops. */
static void caller_timeout(void **state)
{
    (void)state;
    struct lr_tls_params sp = server_params();
    struct lr_tls_global *gs = global(&sp);
    static struct end s;
    end_ctx(&s, gs, LR_TLS_SERVER);
    struct lr_tls_conn_opts o = { .now = 123 };
    end_conn(&s, &o);
    assert_int_equal(s.cnt.in_progress, 1);
    assert_int_equal(E->handshake(s.c), LR_TLS_WANT_READ);
    E->set_failed(s.c, LR_TLS_FAIL_TIMEOUT);
    E->set_failed(s.c, LR_TLS_FAIL_TIMEOUT);
    assert_int_equal(s.cnt.failed[LR_TLS_FAIL_TIMEOUT], 1);
    assert_int_equal(s.cnt.in_progress, 0);
    struct lr_tls_conn_info si;
    E->info(s.c, &si);
    assert_int_equal(si.started, 123);
    /* a connection freed mid-handshake leaves no gauge behind */
    end_conn_free(&s);
    end_conn(&s, NULL);
    assert_int_equal(s.cnt.in_progress, 1);
    end_conn_free(&s);
    assert_int_equal(s.cnt.in_progress, 0);
    end_free(&s);
    E->global_free(gs);
}

static void settings_refused(void **state)
{
    (void)state;
    struct lr_tls_global *g = NULL;
    char err[256];
    /* key of the other certificate */
    struct lr_tls_params p = { .cert = ec_cert, .key = rsa_key };
    assert_int_not_equal(E->global_init(&p, &g, err, sizeof(err)), 0);
    assert_non_null(strstr(err, "does not match"));
    assert_null(g);
    /* unequal lists */
    p.cert = both_cert;
    p.key = ec_key;
    assert_int_not_equal(E->global_init(&p, &g, err, sizeof(err)), 0);
    assert_non_null(strstr(err, "no partner"));
    /* two keys of one type */
    char two_c[300], two_k[300];
    snprintf(two_c, sizeof(two_c), "%s,%s", ec_cert, ec_cert);
    snprintf(two_k, sizeof(two_k), "%s,%s", ec_key, ec_key);
    p.cert = two_c;
    p.key = two_k;
    assert_int_not_equal(E->global_init(&p, &g, err, sizeof(err)), 0);
    assert_non_null(strstr(err, "same type"));
    /* missing file, min > max */
    p.cert = "/nonexistent/x.crt";
    p.key = ec_key;
    assert_int_not_equal(E->global_init(&p, &g, err, sizeof(err)), 0);
    assert_non_null(strstr(err, "/nonexistent/x.crt"));
    struct lr_tls_params v = { .min_version = LR_TLS_V1_3, .max_version = LR_TLS_V1_2 };
    assert_int_not_equal(E->global_init(&v, &g, err, sizeof(err)), 0);
    /* a server context without a certificate */
    struct lr_tls_params none = { 0 };
    assert_int_equal(E->global_init(&none, &g, err, sizeof(err)), 0);
    struct lr_tls_ctx *x = NULL;
    struct lr_tls_counters c;
    assert_int_not_equal(E->ctx_create(g, LR_TLS_SERVER, &c, &x, err, sizeof(err)), 0);
    assert_null(x);
    /* an unknown group */
    E->global_free(g);
    struct lr_tls_params grp = { .groups = "X25519:nosuchgroup" };
    assert_int_equal(E->global_init(&grp, &g, err, sizeof(err)), 0);
    assert_int_not_equal(E->ctx_create(g, LR_TLS_CLIENT, &c, &x, err, sizeof(err)), 0);
    assert_non_null(strstr(err, "groups"));
    E->global_free(g);
    assert_int_equal(lr_tls_version_parse("1.2"), LR_TLS_V1_2);
    assert_int_equal(lr_tls_version_parse("1.3"), LR_TLS_V1_3);
    assert_int_equal(lr_tls_version_parse("1.1"), 0);
    assert_ptr_equal(lr_tls_engine_find("openssl"), &lr_tls_engine_openssl);
    assert_null(lr_tls_engine_find("wolfssl"));
}

/* Ticket keys: publication, copy on change only, rotation keeps the previous. */
static void ticket_keys_publish(void **state)
{
    (void)state;
    static struct lr_tls_tickets t;
    assert_int_equal(lr_tls_tickets_init(&t), 0);
    struct lr_tls_ticket_keys w = { 0 };
    assert_true(lr_tls_tickets_read(&t, &w));
    assert_false(lr_tls_tickets_read(&t, &w));
    assert_int_equal(w.generation, 1);
    assert_false(w.has_prev);
    struct lr_tls_ticket_key a = w.cur;
    assert_int_equal(lr_tls_tickets_rotate(&t), 0);
    assert_true(lr_tls_tickets_read(&t, &w));
    assert_true(w.has_prev);
    assert_memory_equal(&w.prev, &a, sizeof(a));
    assert_memory_not_equal(w.cur.name, a.name, sizeof(a.name));
    assert_int_equal(t.seq % 2, 0);
}

struct walk {
    unsigned n;
    char names[256][64];
    uint64_t hs_failed;
};

static void walk_fn(void *arg, const char *name, uint64_t v)
{
    struct walk *w = arg;
    for (unsigned i = 0; i < w->n; i++)
        assert_string_not_equal(w->names[i], name); /* unique */
    assert_true(w->n < 256);
    snprintf(w->names[w->n++], sizeof(w->names[0]), "%s", name);
    if (strcmp(name, "handshakes_failed") == 0)
        w->hs_failed = v;
}

static void counters_walk(void **state)
{
    (void)state;
    struct lr_tls_counters a, b;
    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    a.failed[LR_TLS_FAIL_MALFORMED] = 2;
    b.failed[LR_TLS_FAIL_VERSION] = 3;
    b.io.records_in = 5;
    lr_tls_counters_add(&a, &b);
    assert_int_equal(a.io.records_in, 5);
    static struct walk w;
    unsigned n = lr_tls_counters_foreach(&a, walk_fn, &w);
    assert_int_equal(n, w.n);
    assert_int_equal(w.hs_failed, 5);
    bool found = false;
    for (unsigned i = 0; i < w.n; i++)
        found |= strcmp(w.names[i], "failed_no_shared_cipher") == 0;
    assert_true(found);
    assert_int_equal(lr_tls_cipher_of(0x1301), LR_TLS_CIPHER_AES128_GCM_SHA256);
    assert_int_equal(lr_tls_cipher_of(0x0005), LR_TLS_CIPHER_OTHER);
    assert_string_equal(lr_tls_fail_name(LR_TLS_FAIL_HTTP_REQUEST), "http_request");
    /* Key-exchange groups: IANA code points (RFC 8446 §4.2.7), 0 = none. */
    assert_int_equal(lr_tls_group_of(0x001d), LR_TLS_GROUP_X25519);
    assert_int_equal(lr_tls_group_of(0x0017), LR_TLS_GROUP_P256);
    assert_int_equal(lr_tls_group_of(0), LR_TLS_GROUP_NONE);
    assert_int_equal(lr_tls_group_of(0x4242), LR_TLS_GROUP_OTHER);
    assert_string_equal(lr_tls_group_name(LR_TLS_GROUP_X25519), "x25519");
    assert_string_equal(lr_tls_group_name(LR_TLS_GROUP_OTHER), "other");
    found = false;
    for (unsigned i = 0; i < w.n; i++)
        found |= strcmp(w.names[i], "group_secp256r1") == 0;
    assert_true(found);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(recscan_any_split),      cmocka_unit_test(io_queue_reads_and_frees),
        cmocka_unit_test(bio_every_split),        cmocka_unit_test(bio_budget_one_byte),
        cmocka_unit_test(engine_tls13_ecdsa),     cmocka_unit_test(engine_tls13_rsa),
        cmocka_unit_test(engine_tls12_ecdsa),     cmocka_unit_test(engine_tls12_rsa),
        cmocka_unit_test(tickets_rotation_tls13), cmocka_unit_test(tickets_rotation_tls12),
        cmocka_unit_test(kept_session_tls13),     cmocka_unit_test(kept_session_tls12),
        cmocka_unit_test(version_refused),        cmocka_unit_test(no_shared_cipher),
        cmocka_unit_test(alpn_refused),           cmocka_unit_test(garbage_client_hello),
        cmocka_unit_test(corrupted_record),       cmocka_unit_test(caller_timeout),
        cmocka_unit_test(settings_refused),       cmocka_unit_test(ticket_keys_publish),
        cmocka_unit_test(counters_walk),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
