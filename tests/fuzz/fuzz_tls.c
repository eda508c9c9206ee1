/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the TLS layer (lib/tls): arbitrary bytes reach a
 * server connection through the mbuf BIO (lr_tls_io), either as the first
 * flight of a handshake or, after a scripted handshake with a real client
 * connection, as records of an established session. The layer has no
 * timers of its own (the handshake timeout is the caller's), so there is no
 * time to advance.
 *
 * Input: byte 0 bit 0 = 0: the rest goes to a fresh server handshake;
 * 1: handshake first (bit 1: TLS 1.2, else 1.3), then the rest goes to the
 * session's read side. Byte 1 (+1) is the segment size the bytes are cut
 * into; bit 2 of byte 0 marks the end of the stream (FIN) afterwards.
 * Invariants (abort() on violation): no crash, every call returns a defined
 * result, a failed connection stays failed and is counted once, the
 * in-progress gauge returns to 0, every mbuf is back in the pool.
 *
 * The certificate is generated at the first call (no key in the tree).
 *
 * fuzz-extra: tests/unit/lr_test.c
 * fuzz-libs: -Wl,--no-as-needed -lrte_net_ring -lrte_bus_vdev -lssl -lcrypto
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "../unit/lr_test.h"
#include "lr_tls.h"

static const struct lr_tls_engine *E = &lr_tls_engine_openssl;
static struct rte_mempool *pool;
static struct lr_tls_global *gs, *gc12, *gc13;
static struct lr_tls_ctx *srv, *cli12, *cli13;
static struct lr_tls_counters scnt, ccnt;

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x)) {                                                                                \
            fprintf(stderr, "fuzz_tls: %s:%d: %s\n", __FILE__, __LINE__, #x);                      \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static void make_cert(char *cert, char *key)
{
    char dir[] = "/tmp/lr-fuzz-tls.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    snprintf(cert, 128, "%s/c.pem", dir);
    snprintf(key, 128, "%s/k.pem", dir);
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    X509 *x = X509_new();
    CHECK(k != NULL && x != NULL);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_NAME *n = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"fuzz", -1, -1, 0);
    X509_set_issuer_name(x, n);
    X509_set_pubkey(x, k);
    CHECK(X509_sign(x, k, EVP_sha256()) > 0);
    FILE *f = fopen(cert, "w");
    CHECK(f != NULL && PEM_write_X509(f, x) == 1);
    fclose(f);
    f = fopen(key, "w");
    CHECK(f != NULL && PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) == 1);
    fclose(f);
    X509_free(x);
    EVP_PKEY_free(k);
}

static void setup(void)
{
    CHECK(lr_test_eal_init() == 0);
    pool = rte_pktmbuf_pool_create("fuzz_tls", 8191, 0, 0, RTE_PKTMBUF_HEADROOM + 2048, 0);
    CHECK(pool != NULL);
    char cert[128], key[128], err[256];
    make_cert(cert, key);
    struct lr_tls_params sp = { .cert = cert, .key = key };
    CHECK(E->global_init(&sp, &gs, err, sizeof(err)) == 0);
    /* parsed once: the files can go */
    unlink(cert);
    unlink(key);
    char *slash = strrchr(cert, '/');
    *slash = '\0';
    rmdir(cert);
    struct lr_tls_params c12 = { .max_version = LR_TLS_V1_2 };
    struct lr_tls_params c13 = { .min_version = LR_TLS_V1_3 };
    CHECK(E->global_init(&c12, &gc12, err, sizeof(err)) == 0);
    CHECK(E->global_init(&c13, &gc13, err, sizeof(err)) == 0);
    CHECK(E->ctx_create(gs, LR_TLS_SERVER, &scnt, &srv, err, sizeof(err)) == 0);
    CHECK(E->ctx_create(gc12, LR_TLS_CLIENT, &ccnt, &cli12, err, sizeof(err)) == 0);
    CHECK(E->ctx_create(gc13, LR_TLS_CLIENT, &ccnt, &cli13, err, sizeof(err)) == 0);
}

static void push(struct lr_tls_io *io, const uint8_t *p, size_t n, unsigned seg)
{
    while (n > 0) {
        size_t k = n < seg ? n : seg;
        struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
        CHECK(m != NULL);
        memcpy(rte_pktmbuf_append(m, (uint16_t)k), p, k);
        CHECK(lr_tls_io_rx_push(io, m) == 0);
        p += k;
        n -= k;
    }
}

static void move(struct lr_tls_io *from, struct lr_tls_io *to)
{
    struct rte_mbuf *m = lr_tls_io_tx_take(from);
    if (m != NULL)
        CHECK(lr_tls_io_rx_push(to, m) == 0);
}

static bool valid_rc(int rc)
{
    return rc == LR_TLS_OK || rc == LR_TLS_WANT_READ || rc == LR_TLS_WANT_WRITE ||
           rc == LR_TLS_CLOSED || rc == LR_TLS_FATAL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (pool == NULL)
        setup();
    if (size < 2)
        return 0;
    unsigned base = rte_mempool_in_use_count(pool);
    uint8_t mode = data[0];
    unsigned seg = (unsigned)data[1] + 1;
    data += 2;
    size -= 2;
    if (size > 65536)
        size = 65536;

    struct lr_tls_io sio, cio;
    lr_tls_io_init(&sio, pool, 0, 0, &scnt.io);
    lr_tls_io_init(&cio, pool, 0, 0, &ccnt.io);
    lr_tls_io_tx_budget(&sio, 1u << 20);
    lr_tls_io_tx_budget(&cio, 1u << 20);
    struct lr_tls_conn *s = E->init(srv, &sio, NULL);
    CHECK(s != NULL);
    struct lr_tls_conn *c = NULL;
    uint64_t failed_before = 0;
    for (unsigned i = 0; i < LR_TLS_FAIL_MAX; i++)
        failed_before += scnt.failed[i];

    if (mode & 1) {
        c = E->init((mode & 2) ? cli12 : cli13, &cio, NULL);
        CHECK(c != NULL);
        int rc = LR_TLS_WANT_READ, rs = LR_TLS_WANT_READ;
        for (int i = 0; i < 8 && (rc != LR_TLS_OK || rs != LR_TLS_OK); i++) {
            rc = E->handshake(c);
            move(&cio, &sio);
            rs = E->handshake(s);
            move(&sio, &cio);
        }
        CHECK(rc == LR_TLS_OK && rs == LR_TLS_OK);
        uint8_t hello[] = "GET / HTTP/1.1\r\n\r\n";
        CHECK(E->write(c, hello, sizeof(hello)) == (int)sizeof(hello));
        move(&cio, &sio);
    }
    push(&sio, data, size, seg);
    if (mode & 4)
        lr_tls_io_rx_eof(&sio);
    uint8_t buf[4096];
    int rc = LR_TLS_OK;
    if (!(mode & 1)) {
        rc = E->handshake(s);
        CHECK(valid_rc(rc));
        struct rte_mbuf *m = lr_tls_io_tx_take(&sio);
        if (m != NULL)
            rte_pktmbuf_free(m);
    }
    for (unsigned guard = 0; rc == LR_TLS_OK || rc > 0; guard++) {
        CHECK(guard < 100000);
        rc = E->read(s, buf, sizeof(buf));
        CHECK(rc > 0 ? (unsigned)rc <= sizeof(buf) : valid_rc(rc));
        (void)lr_tls_io_rx_consumed_take(&sio);
        struct rte_mbuf *m = lr_tls_io_tx_take(&sio);
        if (m != NULL)
            rte_pktmbuf_free(m);
    }
    struct lr_tls_conn_info si;
    E->info(s, &si);
    uint64_t failed_after = 0;
    for (unsigned i = 0; i < LR_TLS_FAIL_MAX; i++)
        failed_after += scnt.failed[i];
    CHECK(failed_after - failed_before == (si.failed ? 1u : 0u));
    if (si.failed) {
        CHECK(E->handshake(s) == LR_TLS_FATAL);
        CHECK(E->shutdown(s) == LR_TLS_FATAL);
    } else {
        CHECK(valid_rc(E->shutdown(s)));
    }
    E->free(s);
    if (c != NULL)
        E->free(c);
    CHECK(scnt.in_progress == 0);
    lr_tls_io_release(&sio);
    lr_tls_io_release(&cio);
    CHECK(rte_mempool_in_use_count(pool) == base);
    return 0;
}
