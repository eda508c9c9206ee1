/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stateful libFuzzer target for the HTTPS server path end to end: the tls
 * module set up the way the runtime does it (a configuration text with
 * [tls] cert/key or no certificate at all, so that the module makes a
 * self-signed one; [http] tls_listen = 443; lr_tls_module.global_init,
 * lr_tls_need_server, lr_tls_module.init, lr_http_server_init) on the
 * fixture worker with the real TCP stack. The fuzzer drives simulated TCP
 * peers (sim_peer.h); each may carry a client-role engine connection whose
 * records are sent as TCP payload and which reads what the server sent.
 *
 * Input: byte 0 picks the set-up (bit 0: [tls] handshake_budget 1 or 2;
 * bit 1: no cert/key, self-signed). Then a program of opcodes, each one
 * byte followed by its arguments (missing bytes read as 0), "s" a slot:
 *   OPEN o       connect to port 443 (o & 1: SACK/WS/TS options)
 *   RAW s n ..   send n raw bytes on s (a first flight, or records after
 *                a handshake)
 *   HELLO s v    start a client engine on s (v & 1: TLS 1.2 only) and send
 *                its ClientHello
 *   REQ s k      the client writes request k of the dictionary
 *   FIN s / RST s
 *   TIME t       advance t * 10 ms (t < 128) or (t - 127) * 500 ms
 *   POLL         lr_tls_module.poll (a fresh handshake budget)
 *   NOTIFY s     the client sends close_notify
 *   HANDSHAKE o v  OPEN + HELLO, then poll until the handshake is done
 * After each opcode the peers read (and acknowledge) what the server sent,
 * the clients run and what they answer is sent.
 *
 * At the end every peer is reset, time runs out every timer, then
 * lr_http_server_shutdown, lr_tcp_shutdown and the modules' fini run.
 * Invariants (abort() on violation): no TLS session and no handshake in
 * progress after shutdown, no HTTP or TCP connection left, every mbuf back
 * in the worker's pool and in the clients' pool.
 *
 * The worker is made anew for each input (as a test's setup/teardown); the
 * certificate, the clients' settings and their pool are made once.
 *
 * fuzz-extra: tests/unit/lr_test.c tests/fuzz/sim_peer.c
 * fuzz-libs: -Wl,--no-as-needed -lrte_net_ring -lrte_bus_vdev -lssl -lcrypto
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "lr_config.h"
#include "lr_file_cache.h"
#include "lr_http_server.h"
#include "lr_runtime.h"
#include "lr_tcp.h"
#include "lr_tcp_priv.h"
#include "lr_tls.h"
#include "lr_tls_io.h"
#include "lr_tls_module.h"
#include "lr_worker.h"
#include "../unit/lr_test.h"
#include "sim_peer.h"

#define TLS_PORT     443
#define CLEANUP_STEP 500000ull
#define CLEANUP_N    60 /* 30 s: handshake 2 s, header 2 s, keep-alive 5 s, TCP */
#define PLAIN_CAP    65536u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x)) {                                                                                \
            fprintf(stderr, "fuzz_tls_stream: %s:%d: %s\n", __FILE__, __LINE__, #x);               \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static const struct lr_tls_engine *E = &lr_tls_engine_openssl;
static char tmpdir[64];
static char root[128];
static char cert[128], key[128];
static struct lr_file_cache *fc;
static struct rte_mempool *cpool; /* the clients' mbufs */
static struct lr_tls_global *gc13, *gc12;
static struct lr_config cfg;
static struct fp_peer peer;
static bool verbose;     /* FUZZ_VERBOSE=1: counters of each input on stderr */
static unsigned hs_done; /* client handshakes completed in this input */

struct cli {
    struct lr_tls_ctx *ctx;
    struct lr_tls_counters cnt;
    struct lr_tls_io io;
    struct lr_tls_conn *c;
    int hs;
    bool dead; /* fatal or closed: the client does nothing more */
};
static struct cli clis[FP_CONNS];
static uint8_t plain[PLAIN_CAP];

static const char *const reqs[] = {
    "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
    "GET /hello.txt HTTP/1.1\r\nHost: a\r\n\r\n",
    "GET /big.bin HTTP/1.1\r\nHost: a\r\nRange: bytes=10-2000\r\n\r\n",
    "GET /big.bin HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
    "HEAD /hello.txt HTTP/1.0\r\n\r\n",
    "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
    "GET /missing HTTP/1.1\r\nHost: a\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: a\r\n",
    "garbage\r\n\r\n",
};
#define NB_REQS (sizeof(reqs) / sizeof(reqs[0]))

static void write_file(const char *rel, size_t len)
{
    char p[256];
    snprintf(p, sizeof(p), "%s/%s", root, rel);
    FILE *f = fopen(p, "wb");
    CHECK(f != NULL);
    for (size_t i = 0; i < len; i++)
        fputc((int)(i * 13 + i / 251) & 0xff, f);
    fclose(f);
}

static void make_cert(void)
{
    snprintf(cert, sizeof(cert), "%s/c.pem", tmpdir);
    snprintf(key, sizeof(key), "%s/k.pem", tmpdir);
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

static void cleanup(void)
{
    E->global_free(gc13);
    E->global_free(gc12);
    lr_file_cache_free(fc);
    if (tmpdir[0] != '\0') {
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
        (void)system(cmd);
    }
}

static void once(void)
{
    static bool done;
    if (done)
        return;
    done = true;
    verbose = getenv("FUZZ_VERBOSE") != NULL;
    CHECK(lr_test_eal_init() == 0);
    cpool = rte_pktmbuf_pool_create("fz_tls_cli", 2047, 0, 0, RTE_PKTMBUF_HEADROOM + 2048, 0);
    CHECK(cpool != NULL);
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/lr-fuzz-tls-stream.XXXXXX");
    CHECK(mkdtemp(tmpdir) != NULL);
    make_cert();
    snprintf(root, sizeof(root), "%s/www", tmpdir);
    CHECK(mkdir(root, 0755) == 0);
    write_file("hello.txt", 12);
    write_file("index.html", 18);
    write_file("big.bin", 40000);
    char err[256] = "";
    fc = lr_file_cache_load(root, 1u << 20, 1, err, sizeof(err));
    if (fc == NULL)
        fprintf(stderr, "fuzz_tls_stream: %s\n", err);
    CHECK(fc != NULL);
    CHECK(E->global_init(&(struct lr_tls_params){ 0 }, &gc13, err, sizeof(err)) == 0);
    CHECK(E->global_init(&(struct lr_tls_params){ .max_version = LR_TLS_V1_2 }, &gc12, err,
                         sizeof(err)) == 0);
    atexit(cleanup);
}

static struct lr_worker *setup(uint8_t variant)
{
    static char text[2048];
    char certs[300] = "";
    if (!(variant & 2))
        snprintf(certs, sizeof(certs), "cert = %s\nkey = %s\n", cert, key);
    snprintf(text, sizeof(text),
             "[port0]\naddr = 198.18.0.2/24\n"
             "[http]\nroot = %s\nlisten = 80\ntls_listen = %u\n"
             "[tls]\n%shandshake_timeout = 2000ms\nhandshake_budget = %u\n",
             root, TLS_PORT, certs, 1u + (variant & 1));
    char err[512] = "";
    memset(&cfg, 0, sizeof(cfg));
    if (lr_runtime_config_load_string(&cfg, text, "/tmp/fuzz-tls-stream.conf", err, sizeof(err)) !=
        0) {
        fprintf(stderr, "fuzz_tls_stream: config: %s\n", err);
        abort();
    }
    cfg.arp.timeout = 1000000000000000000ull; /* the peer's entry never ages out */
    cfg.tcp.max_conns = 16;
    cfg.tcp.backlog = 16;
    cfg.tcp.rcvbuf = 16384;
    cfg.tcp.sndbuf = 32768;
    cfg.tcp.rto_max = 2000000;
    cfg.tcp.retries = 4;
    cfg.tcp.syn_retries = 3;
    cfg.tcp.time_wait = 2000000;
    cfg.tcp.echo_port = 0;
    cfg.tcp.discard_port = 0;
    struct lr_http_config *h = lr_test_http(&cfg);
    h->enabled = true;
    h->header_timeout = 2000000;
    h->keepalive_timeout = 5000000;
    h->max_uri_bytes = 256;
    h->max_header_bytes = 1024;
    h->max_headers = 16;
    h->max_body_bytes = 4096;
    h->max_requests_per_conn = 0;
    snprintf(h->index, sizeof(h->index), "index.html");
    snprintf(h->server_name, sizeof(h->server_name), "fuzz");
    struct lr_worker *w = lr_test_worker_new(&cfg);
    CHECK(w != NULL);
    lr_test_set_baseline(w);
    CHECK(lr_tcp_global_init() == 0);
    lr_test_learn_peer(w, LR_TEST_PEER_IP, &lr_test_peer_mac);
    CHECK(lr_tcp_init(w) == 0);
    CHECK(lr_tls_module.global_init == NULL || lr_tls_module.global_init(w->cfg) == 0);
    CHECK(lr_tls_need_server("fuzz", LR_TLS_SESSIONS_ALL) == 0);
    CHECK(lr_tls_module.init(w) == 0);
    struct lr_tls_worker *tw = lr_tls_worker(w);
    CHECK(tw != NULL && tw->server != NULL && tw->pool != NULL);
    CHECK(lr_http_server_init(w, fc) == 0);
    fp_init(&peer, w);
    memset(clis, 0, sizeof(clis));
    return w;
}

static void cli_release(struct cli *k)
{
    if (k->c != NULL)
        E->free(k->c);
    if (k->ctx != NULL) {
        lr_tls_io_release(&k->io);
        E->ctx_destroy(k->ctx);
    }
    memset(k, 0, sizeof(*k));
}

static void cli_start(int s, bool v12)
{
    struct cli *k = &clis[s];
    if (!peer.c[s].used || k->ctx != NULL)
        return;
    memset(k, 0, sizeof(*k));
    k->hs = LR_TLS_WANT_READ;
    lr_tls_io_init(&k->io, cpool, 0, 0, &k->cnt.io);
    char err[256] = "";
    CHECK(E->ctx_create(v12 ? gc12 : gc13, LR_TLS_CLIENT, &k->cnt, &k->ctx, err, sizeof(err)) == 0);
    struct lr_tls_conn_opts o = { .sni = "linerate.test" };
    k->c = E->init(k->ctx, &k->io, &o);
    CHECK(k->c != NULL);
}

/* Send in segments of at most 1400 bytes. */
static void send_bytes(int s, const uint8_t *p, uint32_t n)
{
    while (n > 0 && peer.c[s].used) {
        uint32_t c = n < 1400 ? n : 1400;
        fp_send(&peer, s, p, c);
        p += c;
        n -= c;
    }
}

/* The client's pending records onto the wire. Returns the bytes sent. */
static uint32_t cli_flush(int s)
{
    static uint8_t buf[1u << 16];
    struct cli *k = &clis[s];
    if (k->ctx == NULL)
        return 0;
    struct rte_mbuf *m = lr_tls_io_tx_take(&k->io);
    if (m == NULL)
        return 0;
    uint32_t n = m->pkt_len;
    CHECK(n <= sizeof(buf));
    const void *p = rte_pktmbuf_read(m, 0, n, buf);
    CHECK(p != NULL);
    if (p != buf)
        memcpy(buf, p, n);
    rte_pktmbuf_free(m);
    if (peer.c[s].used)
        send_bytes(s, buf, n);
    return n;
}

/* Received ciphertext into the client, the client run. */
static void cli_run(int s)
{
    struct cli *k = &clis[s];
    uint32_t len = 0;
    const uint8_t *p = fp_rx(&peer, s, &len);
    if (k->c == NULL || k->dead) {
        if (p != NULL)
            fp_rx_consume(&peer, s, len);
        return;
    }
    while (p != NULL && len > 0) {
        uint32_t c = len < 2048 ? len : 2048;
        struct rte_mbuf *m = rte_pktmbuf_alloc(cpool);
        CHECK(m != NULL);
        memcpy(rte_pktmbuf_append(m, (uint16_t)c), p, c);
        if (lr_tls_io_rx_push(&k->io, m) != 0) {
            rte_pktmbuf_free(m);
            break;
        }
        fp_rx_consume(&peer, s, c);
        p = fp_rx(&peer, s, &len);
    }
    if (p != NULL && len > 0)
        fp_rx_consume(&peer, s, len);
    lr_tls_io_tx_budget(&k->io, 1u << 20);
    if (k->hs != LR_TLS_OK) {
        k->hs = E->handshake(k->c);
        if (k->hs == LR_TLS_FATAL)
            k->dead = true;
        if (k->hs == LR_TLS_OK)
            hs_done++;
    }
    if (k->hs == LR_TLS_OK) {
        int r;
        while ((r = E->read(k->c, plain, sizeof(plain))) > 0)
            ;
        if (r == LR_TLS_CLOSED || r == LR_TLS_FATAL)
            k->dead = true;
    }
    (void)lr_tls_io_rx_consumed_take(&k->io);
}

static void settle(void)
{
    for (int round = 0; round < 64; round++) {
        fp_settle(&peer, true);
        uint32_t sent = 0;
        for (int s = 0; s < FP_CONNS; s++) {
            if (!peer.c[s].used) {
                if (clis[s].ctx != NULL)
                    cli_release(&clis[s]);
                continue;
            }
            cli_run(s);
            sent += cli_flush(s);
        }
        if (sent == 0)
            break;
    }
}

struct rd {
    const uint8_t *p;
    size_t n, off;
};

static uint8_t byte(struct rd *r)
{
    return r->off < r->n ? r->p[r->off++] : 0;
}

static void hello(int s, bool v12)
{
    cli_start(s, v12);
    settle();
}

static void run_op(struct lr_worker *w, struct rd *r)
{
    uint8_t op = byte(r) % 10;
    int s;
    switch (op) {
    case 0: /* OPEN */
        s = fp_open(&peer, TLS_PORT, byte(r) & 1);
        if (s >= 0)
            cli_release(&clis[s]);
        break;
    case 1: { /* RAW */
        s = byte(r) % FP_CONNS;
        uint8_t n = byte(r);
        uint8_t b[256];
        for (unsigned i = 0; i < n; i++)
            b[i] = byte(r);
        if (peer.c[s].used)
            send_bytes(s, b, n);
        break;
    }
    case 2: /* HELLO */
        s = byte(r) % FP_CONNS;
        hello(s, byte(r) & 1);
        break;
    case 3: { /* REQ */
        s = byte(r) % FP_CONNS;
        const char *q = reqs[byte(r) % NB_REQS];
        struct cli *k = &clis[s];
        if (k->c != NULL && k->hs == LR_TLS_OK && !k->dead) {
            lr_tls_io_tx_budget(&k->io, 1u << 20);
            (void)E->write(k->c, q, (uint32_t)strlen(q));
            cli_flush(s);
        }
        break;
    }
    case 4:
        fp_fin(&peer, byte(r) % FP_CONNS);
        break;
    case 5:
        s = byte(r) % FP_CONNS;
        fp_rst(&peer, s);
        break;
    case 6: { /* TIME */
        uint8_t t = byte(r);
        lr_test_advance(w, t < 128 ? (uint64_t)t * 10000 : (uint64_t)(t - 127) * 500000);
        break;
    }
    case 7:
        lr_tls_module.poll(w);
        break;
    case 8: { /* NOTIFY */
        s = byte(r) % FP_CONNS;
        struct cli *k = &clis[s];
        if (k->c != NULL && k->hs == LR_TLS_OK && !k->dead) {
            lr_tls_io_tx_budget(&k->io, 1u << 20);
            (void)E->shutdown(k->c);
            cli_flush(s);
        }
        break;
    }
    case 9: { /* HANDSHAKE */
        s = fp_open(&peer, TLS_PORT, byte(r) & 1);
        bool v12 = byte(r) & 1;
        if (s < 0)
            break;
        cli_release(&clis[s]);
        settle();
        hello(s, v12);
        for (int i = 0; i < 8 && clis[s].ctx != NULL && clis[s].hs != LR_TLS_OK && !clis[s].dead;
             i++) {
            lr_tls_module.poll(w);
            settle();
        }
        break;
    }
    }
    settle();
}

static void finish(struct lr_worker *w)
{
    for (int s = 0; s < FP_CONNS; s++)
        if (peer.c[s].used)
            fp_rst(&peer, s);
    for (int i = 0; i < CLEANUP_N; i++) {
        fp_drain(&peer, false);
        lr_tls_module.poll(w);
        lr_test_advance(w, CLEANUP_STEP);
    }
    fp_drain(&peer, false);
    for (int s = 0; s < FP_CONNS; s++)
        cli_release(&clis[s]);
    struct lr_tls_worker *tw = lr_tls_worker(w);
    struct lr_http_counters hc;
    lr_http_counters_get(w, &hc);
    if (verbose)
        fprintf(stderr,
                "client handshakes done %u, requests %" PRIu64 ", deferred %" PRIu64
                ", accepted %" PRIu64 "\n",
                hs_done, hc.requests, tw->scnt.hs_deferred, hc.conns_accepted);
    if (hc.conns_active != 0 || tw->scnt.sessions_active != 0 || tw->cnt.in_progress != 0) {
        fprintf(stderr,
                "fuzz_tls_stream: invariant violated after every timeout: %" PRIu64
                " HTTP connections, %" PRIu64 " TLS sessions, %" PRIu64 " handshakes\n",
                hc.conns_active, tw->scnt.sessions_active, (uint64_t)tw->cnt.in_progress);
        abort();
    }
    lr_http_server_shutdown(w);
    lr_tcp_shutdown(w);
    lr_test_tx_free_all(w);
    fp_drain(&peer, false);
    fp_reset(&peer);
    if (tw->scnt.sessions_active != 0 || tw->cnt.in_progress != 0) {
        fprintf(stderr,
                "fuzz_tls_stream: invariant violated after shutdown: %" PRIu64
                " TLS sessions, %" PRIu64 " handshakes in progress\n",
                tw->scnt.sessions_active, (uint64_t)tw->cnt.in_progress);
        abort();
    }
    struct lr_tcp_counters tc;
    lr_tcp_counters_get(w, &tc);
    if (tc.active != 0 || w->tcp->nb_free != w->tcp->max_conns) {
        fprintf(stderr,
                "fuzz_tls_stream: invariant violated: TCP connections left after shutdown "
                "(active %" PRIu64 ", pool %u/%u free)\n",
                tc.active, w->tcp->nb_free, w->tcp->max_conns);
        abort();
    }
    lr_http_server_free(w);
    if (lr_tls_module.fini != NULL)
        lr_tls_module.fini(w);
    if (lr_tls_module.global_fini != NULL)
        lr_tls_module.global_fini();
    lr_tcp_free(w);
    lr_test_tx_free_all(w);
    if (rte_mempool_in_use_count(cpool) != 0) {
        fprintf(stderr, "fuzz_tls_stream: invariant violated: %u client mbufs left\n",
                rte_mempool_in_use_count(cpool));
        abort();
    }
    void *ws = w;
    if (lr_test_teardown(&ws) != 0) {
        fprintf(stderr, "fuzz_tls_stream: invariant violated: worker teardown (mbuf leak)\n");
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    once();
    struct rd r = { .p = data, .n = size };
    hs_done = 0;
    struct lr_worker *w = setup(byte(&r));
    unsigned ops = 0;
    while (r.off < r.n && ops++ < 256)
        run_op(w, &r);
    finish(w);
    return 0;
}
