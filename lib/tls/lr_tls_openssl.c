/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The OpenSSL 3.0 engine of the TLS layer (lr_tls.h).
 *
 * Per-worker state, no locks. OpenSSL 3.0 serialises threads on the locks
 * of a shared library context (method store, provider key caches;
 * openssl/openssl #17064, #20286, #23388), so every worker context has its
 * own OSSL_LIB_CTX with its own default provider, and its SSL_CTX is made
 * with SSL_CTX_new_ex() in it; the ticket cipher, MAC and digest are fetched
 * once in that context, never per connection.
 *
 * Certificates and keys: PEM is decoded once, on the main lcore
 * (global_init), and kept as DER (X.509 certificates; private keys as
 * PKCS#8 PrivateKeyInfo). Each worker decodes the DER again into objects of
 * its own library context: X509_new_ex(lib) + d2i_X509() and
 * d2i_AutoPrivateKey_ex(lib). Sharing the main lcore's X509/EVP_PKEY
 * objects would be wrong with separate library contexts: an EVP_PKEY is
 * bound to the key manager of the provider that made it, so every signature
 * made with it in a worker's context would export the key into that
 * context's provider through the key's operation cache, which is guarded by
 * the key's one lock (shared by all workers again), and the X509's
 * embedded public key likewise; X509 also carries its libctx for its own
 * fetches. DER decoding is cheap (no base64, no PEM framing, no password
 * callback) and happens once per worker at start.
 *
 * Ciphertext goes through a BIO_METHOD over struct lr_tls_io (mbuf queues,
 * lr_tls_io.h): reads copy from the received mbufs, writes fill mbufs from
 * the worker's pool, within the io's budget (BIO_set_retry_write past it).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "lr_tls.h"

#define PAIRS_MAX 4  /* certificate/key pairs served at once */
#define CHAIN_MAX 8  /* certificates per cert file (leaf + intermediates) */
#define ALPN_MAX  64 /* wire-format ALPN list (RFC 7301 §3.1) */

struct der {
    unsigned char *p;
    int len;
};

struct pair {
    struct der cert[CHAIN_MAX]; /* [0] is the leaf */
    unsigned ncert;
    struct der key; /* PKCS#8 PrivateKeyInfo */
};

struct lr_tls_global {
    struct pair pairs[PAIRS_MAX];
    unsigned npairs;
    uint16_t min_version, max_version;
    char *ciphers;
    char *ciphersuites; /* NULL: engine default */
    char *groups;
    char *ca_file;
    char *sigalgs; /* NULL: engine default */
    unsigned char alpn[ALPN_MAX];
    unsigned alpn_len;
    struct lr_tls_tickets tickets;
};

struct lr_tls_ctx {
    const struct lr_tls_global *g;
    enum lr_tls_role role;
    OSSL_LIB_CTX *lib;
    OSSL_PROVIDER *prov;
    SSL_CTX *ssl;
    BIO_METHOD *bio_meth;
    EVP_CIPHER *aes; /* ticket encryption, AES-256-CBC (RFC 5077 §4 recommendation) */
    EVP_MAC *hmac;   /* kept fetched: OpenSSL's own per-ticket HMAC fetch hits the store */
    EVP_MD *sha256;
    struct lr_tls_ticket_keys keys; /* this worker's copy */
    struct lr_tls_counters *cnt;
};

struct lr_tls_conn {
    struct lr_tls_ctx *ctx;
    SSL *ssl;
    struct lr_tls_io *io;
    bool established;
    bool failed;
    bool resumed;
    bool close_sent;
    int alert_sent; /* description of the last fatal alert we queued, -1 none */
    enum lr_tls_fail fail_reason;
    uint64_t started;
};

/* --- helpers -------------------------------------------------------------- */

static void err_set(char *err, size_t errlen, const char *fmt, const char *a, const char *b)
{
    if (err == NULL || errlen == 0)
        return;
    char ossl[160] = "";
    unsigned long e = ERR_peek_last_error();
    if (e != 0)
        ERR_error_string_n(e, ossl, sizeof(ossl));
    int n = snprintf(err, errlen, fmt, a ? a : "", b ? b : "");
    if (ossl[0] != '\0' && n > 0 && (size_t)n < errlen)
        snprintf(err + n, errlen - (size_t)n, " (%s)", ossl);
    ERR_clear_error();
}

/* Never ask for a passphrase (no terminal; linerate reads no stdin). */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    return -1;
}

static void der_free(struct der *d, bool secret)
{
    if (d->p != NULL) {
        if (secret)
            OPENSSL_cleanse(d->p, (size_t)d->len);
        OPENSSL_free(d->p);
    }
    d->p = NULL;
    d->len = 0;
}

/* Next item of a comma-separated list into @out (trimmed); false at the end. */
static bool list_next(const char **s, char *out, size_t cap)
{
    const char *p = *s;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p == '\0')
        return false;
    const char *e = strchr(p, ',');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    *s = e ? e + 1 : p + n;
    while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
        n--;
    if (n >= cap)
        n = cap - 1;
    memcpy(out, p, n);
    out[n] = '\0';
    return true;
}

static int load_pair(struct pair *pr, const char *cert_file, const char *key_file, int *key_type,
                     char *err, size_t errlen)
{
    BIO *b = BIO_new_file(cert_file, "r");
    if (b == NULL) {
        err_set(err, errlen, "%s: cannot open certificate%s", cert_file, NULL);
        return -ENOENT;
    }
    X509 *leaf = NULL;
    int rc = 0;
    for (;;) {
        X509 *x = PEM_read_bio_X509(b, NULL, no_passphrase, NULL);
        if (x == NULL)
            break;
        if (pr->ncert == CHAIN_MAX) {
            X509_free(x);
            err_set(err, errlen, "%s: more than 8 certificates%s", cert_file, NULL);
            rc = -E2BIG;
            break;
        }
        struct der *d = &pr->cert[pr->ncert];
        d->len = i2d_X509(x, &d->p);
        if (d->len <= 0) {
            d->p = NULL;
            X509_free(x);
            err_set(err, errlen, "%s: cannot encode certificate%s", cert_file, NULL);
            rc = -EINVAL;
            break;
        }
        pr->ncert++;
        if (leaf == NULL)
            leaf = x;
        else
            X509_free(x);
    }
    BIO_free(b);
    if (rc == 0 && pr->ncert == 0) {
        err_set(err, errlen, "%s: no PEM certificate%s", cert_file, NULL);
        rc = -EINVAL;
    }
    ERR_clear_error(); /* the PEM reader's "no start line" at the end */
    if (rc != 0) {
        X509_free(leaf);
        return rc;
    }

    b = BIO_new_file(key_file, "r");
    if (b == NULL) {
        X509_free(leaf);
        err_set(err, errlen, "%s: cannot open key%s", key_file, NULL);
        return -ENOENT;
    }
    EVP_PKEY *k = PEM_read_bio_PrivateKey(b, NULL, no_passphrase, NULL);
    BIO_free(b);
    if (k == NULL) {
        X509_free(leaf);
        err_set(err, errlen, "%s: no PEM private key (or it is encrypted)%s", key_file, NULL);
        return -EINVAL;
    }
    if (X509_check_private_key(leaf, k) != 1) {
        err_set(err, errlen, "%s: key does not match certificate %s", key_file, cert_file);
        rc = -EINVAL;
    } else {
        PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(k);
        pr->key.len = p8 ? i2d_PKCS8_PRIV_KEY_INFO(p8, &pr->key.p) : -1;
        PKCS8_PRIV_KEY_INFO_free(p8);
        if (pr->key.len <= 0) {
            pr->key.p = NULL;
            err_set(err, errlen, "%s: cannot encode key%s", key_file, NULL);
            rc = -EINVAL;
        }
        *key_type = EVP_PKEY_get_base_id(k);
    }
    EVP_PKEY_free(k);
    X509_free(leaf);
    return rc;
}

static void global_free(struct lr_tls_global *g)
{
    if (g == NULL)
        return;
    for (unsigned i = 0; i < g->npairs; i++) {
        for (unsigned j = 0; j < g->pairs[i].ncert; j++)
            der_free(&g->pairs[i].cert[j], false);
        der_free(&g->pairs[i].key, true);
    }
    free(g->ciphers);
    free(g->ciphersuites);
    free(g->groups);
    free(g->ca_file);
    free(g->sigalgs);
    OPENSSL_cleanse(&g->tickets, sizeof(g->tickets));
    free(g);
}

static int alpn_encode(struct lr_tls_global *g, const char *list, char *err, size_t errlen)
{
    char item[64];
    g->alpn_len = 0;
    while (list_next(&list, item, sizeof(item))) {
        size_t n = strlen(item);
        if (n == 0)
            continue;
        if (n > 255 || g->alpn_len + 1 + n > sizeof(g->alpn)) {
            err_set(err, errlen, "alpn: list too long at %s%s", item, NULL);
            return -EINVAL;
        }
        g->alpn[g->alpn_len++] = (unsigned char)n;
        memcpy(g->alpn + g->alpn_len, item, n);
        g->alpn_len += (unsigned)n;
    }
    return 0;
}

static int global_init(const struct lr_tls_params *p, struct lr_tls_global **out, char *err,
                       size_t errlen)
{
    *out = NULL;
    if (OPENSSL_init_ssl(0, NULL) != 1) {
        err_set(err, errlen, "OpenSSL initialisation failed%s%s", NULL, NULL);
        return -ENOMEM;
    }
    struct lr_tls_global *g = calloc(1, sizeof(*g));
    if (g == NULL)
        return -ENOMEM;
    int rc = 0;
    g->min_version = p->min_version ? p->min_version : LR_TLS_V1_2;
    g->max_version = p->max_version ? p->max_version : LR_TLS_V1_3;
    if ((g->min_version != LR_TLS_V1_2 && g->min_version != LR_TLS_V1_3) ||
        (g->max_version != LR_TLS_V1_2 && g->max_version != LR_TLS_V1_3) ||
        g->min_version > g->max_version) {
        err_set(err, errlen, "min_version/max_version: 1.2 or 1.3, min <= max%s%s", NULL, NULL);
        rc = -EINVAL;
        goto fail;
    }
    g->ciphers = strdup(p->ciphers ? p->ciphers : LR_TLS_DEFAULT_CIPHERS);
    g->groups = strdup(p->groups ? p->groups : LR_TLS_DEFAULT_GROUPS);
    g->ciphersuites = p->ciphersuites ? strdup(p->ciphersuites) : NULL;
    g->ca_file = p->ca_file ? strdup(p->ca_file) : NULL;
    g->sigalgs = p->sigalgs ? strdup(p->sigalgs) : NULL;
    if (g->ciphers == NULL || g->groups == NULL || (p->ciphersuites && !g->ciphersuites) ||
        (p->ca_file && !g->ca_file) || (p->sigalgs && !g->sigalgs)) {
        rc = -ENOMEM;
        goto fail;
    }
    rc = alpn_encode(g, p->alpn ? p->alpn : LR_TLS_DEFAULT_ALPN, err, errlen);
    if (rc < 0)
        goto fail;

    const char *cl = p->cert ? p->cert : "";
    const char *kl = p->key ? p->key : "";
    char cf[PATH_MAX], kf[PATH_MAX];
    int types[PAIRS_MAX];
    for (;;) {
        bool hc = list_next(&cl, cf, sizeof(cf));
        bool hk = list_next(&kl, kf, sizeof(kf));
        if (!hc && !hk)
            break;
        if (hc != hk) {
            err_set(err, errlen, "cert/key: %s has no partner in the other list%s", hc ? cf : kf,
                    NULL);
            rc = -EINVAL;
            goto fail;
        }
        if (g->npairs == PAIRS_MAX) {
            err_set(err, errlen, "cert/key: more than 4 pairs%s%s", NULL, NULL);
            rc = -E2BIG;
            goto fail;
        }
        struct pair *pr = &g->pairs[g->npairs++];
        rc = load_pair(pr, cf, kf, &types[g->npairs - 1], err, errlen);
        if (rc < 0)
            goto fail;
        for (unsigned i = 0; i + 1 < g->npairs; i++) {
            /* The SSL_CTX keeps one certificate per key type: a second one
             * would silently replace the first. */
            if (types[i] == types[g->npairs - 1]) {
                err_set(err, errlen, "%s: a second key of the same type%s", kf, NULL);
                rc = -EINVAL;
                goto fail;
            }
        }
    }
    rc = lr_tls_tickets_init(&g->tickets);
    if (rc < 0) {
        err_set(err, errlen, "ticket keys: no randomness%s%s", NULL, NULL);
        goto fail;
    }
    *out = g;
    return 0;
fail:
    global_free(g);
    return rc;
}

static int tickets_rotate(struct lr_tls_global *g)
{
    return lr_tls_tickets_rotate(&g->tickets);
}

/* --- BIO over struct lr_tls_io ------------------------------------------- */

static int bio_write_ex(BIO *b, const char *buf, size_t len, size_t *written)
{
    struct lr_tls_io *io = BIO_get_data(b);
    BIO_clear_retry_flags(b);
    uint32_t want = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
    uint32_t k = lr_tls_io_tx_write(io, buf, want);
    *written = k;
    if (k == 0 && len > 0) {
        BIO_set_retry_write(b);
        return 0;
    }
    return 1;
}

static int bio_read_ex(BIO *b, char *buf, size_t len, size_t *readbytes)
{
    struct lr_tls_io *io = BIO_get_data(b);
    BIO_clear_retry_flags(b);
    uint32_t want = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
    uint32_t k = lr_tls_io_rx_read(io, buf, want);
    *readbytes = k;
    if (k > 0)
        return 1;
    if (!io->rx_eof && len > 0)
        BIO_set_retry_read(b); /* no retry flag = end of file */
    return 0;
}

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    (void)num;
    (void)ptr;
    struct lr_tls_io *io = BIO_get_data(b);
    switch (cmd) {
    case BIO_CTRL_FLUSH:
        return 1; /* records are complete in the chain the caller takes */
    case BIO_CTRL_PENDING:
        return io ? (long)io->rx_bytes : 0;
    case BIO_CTRL_WPENDING:
        return 0;
    case BIO_CTRL_EOF:
        return io ? (io->rx_eof && io->rx_bytes == 0) : 1;
    default:
        return 0;
    }
}

static int bio_create(BIO *b)
{
    BIO_set_init(b, 1);
    return 1;
}

static int bio_destroy(BIO *b)
{
    BIO_set_data(b, NULL); /* the io belongs to the caller */
    return 1;
}

static BIO_METHOD *bio_method_new(void)
{
    int idx = BIO_get_new_index();
    if (idx < 0)
        return NULL;
    BIO_METHOD *m = BIO_meth_new(idx | BIO_TYPE_SOURCE_SINK, "linerate mbuf");
    if (m == NULL)
        return NULL;
    if (!BIO_meth_set_write_ex(m, bio_write_ex) || !BIO_meth_set_read_ex(m, bio_read_ex) ||
        !BIO_meth_set_ctrl(m, bio_ctrl) || !BIO_meth_set_create(m, bio_create) ||
        !BIO_meth_set_destroy(m, bio_destroy)) {
        BIO_meth_free(m);
        return NULL;
    }
    return m;
}

/* --- callbacks ------------------------------------------------------------ */

static int ticket_mac_init(const struct lr_tls_ctx *x, EVP_MAC_CTX *hctx,
                           const struct lr_tls_ticket_key *k)
{
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                         (char *)(uintptr_t)EVP_MD_get0_name(x->sha256), 0),
        OSSL_PARAM_construct_end(),
    };
    return EVP_MAC_init(hctx, k->hmac, sizeof(k->hmac), params);
}

/*
 * Stateless tickets (RFC 5077 §4 layout: key name, IV, encrypted state,
 * HMAC; OpenSSL builds it, we give keys). enc = 1: issue under the current
 * key. enc = 0: 1 = decrypted with the current key, 2 = with the previous
 * one (valid, and OpenSSL issues a fresh ticket under the current key),
 * 0 = unknown key name (full handshake), -1 = error.
 */
static int ticket_cb(SSL *s, unsigned char key_name[16], unsigned char *iv, EVP_CIPHER_CTX *cctx,
                     EVP_MAC_CTX *hctx, int enc)
{
    struct lr_tls_ctx *x = SSL_CTX_get_app_data(SSL_get_SSL_CTX(s));
    const struct lr_tls_ticket_keys *ks = &x->keys;
    if (enc) {
        const struct lr_tls_ticket_key *k = &ks->cur;
        int ivlen = EVP_CIPHER_get_iv_length(x->aes);
        if (ivlen <= 0 || RAND_bytes_ex(x->lib, iv, (size_t)ivlen, 0) != 1)
            return -1;
        memcpy(key_name, k->name, sizeof(k->name));
        if (EVP_EncryptInit_ex2(cctx, x->aes, k->aes, iv, NULL) != 1 ||
            ticket_mac_init(x, hctx, k) != 1)
            return -1;
        x->cnt->tickets_issued++;
        return 1;
    }
    const struct lr_tls_ticket_key *k;
    int ret;
    if (memcmp(key_name, ks->cur.name, sizeof(ks->cur.name)) == 0) {
        k = &ks->cur;
        ret = 1;
    } else if (ks->has_prev && memcmp(key_name, ks->prev.name, sizeof(ks->prev.name)) == 0) {
        k = &ks->prev;
        ret = 2;
    } else {
        x->cnt->tickets_unknown_key++;
        return 0;
    }
    if (EVP_DecryptInit_ex2(cctx, x->aes, k->aes, iv, NULL) != 1 ||
        ticket_mac_init(x, hctx, k) != 1)
        return -1;
    if (ret == 2)
        x->cnt->tickets_renewed++;
    return ret;
}

/* RFC 7301 §3.2: no protocol in common → no_application_protocol alert. */
static int alpn_select_cb(SSL *s, const unsigned char **out, unsigned char *outlen,
                          const unsigned char *in, unsigned int inlen, void *arg)
{
    (void)s;
    const struct lr_tls_global *g = arg;
    unsigned char *o = NULL;
    if (SSL_select_next_proto(&o, outlen, g->alpn, g->alpn_len, in, inlen) !=
        OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    *out = o;
    return SSL_TLSEXT_ERR_OK;
}

static void info_cb(const SSL *s, int where, int ret)
{
    /* SSL_CB_READ_ALERT shares the SSL_CB_ALERT bit: compare both bits. */
    if ((where & SSL_CB_WRITE_ALERT) != SSL_CB_WRITE_ALERT)
        return;
    struct lr_tls_conn *c = SSL_get_app_data(s);
    if (c == NULL || (ret >> 8) != SSL3_AL_FATAL)
        return;
    c->alert_sent = ret & 0xff;
    c->ctx->cnt->alerts_sent++;
}

/* --- worker context ------------------------------------------------------- */

static void ctx_destroy(struct lr_tls_ctx *x)
{
    if (x == NULL)
        return;
    SSL_CTX_free(x->ssl);
    EVP_CIPHER_free(x->aes);
    EVP_MAC_free(x->hmac);
    EVP_MD_free(x->sha256);
    BIO_meth_free(x->bio_meth);
    if (x->prov != NULL)
        OSSL_PROVIDER_unload(x->prov);
    OSSL_LIB_CTX_free(x->lib);
    OPENSSL_cleanse(&x->keys, sizeof(x->keys));
    free(x);
}

static int ctx_load_pair(struct lr_tls_ctx *x, const struct pair *pr)
{
    const unsigned char *p = pr->cert[0].p;
    X509 *leaf = X509_new_ex(x->lib, NULL);
    if (leaf == NULL || d2i_X509(&leaf, &p, pr->cert[0].len) == NULL) {
        X509_free(leaf);
        return -EINVAL;
    }
    int ok = SSL_CTX_use_certificate(x->ssl, leaf);
    X509_free(leaf);
    if (ok != 1)
        return -EINVAL;
    p = pr->key.p;
    EVP_PKEY *k = d2i_AutoPrivateKey_ex(NULL, &p, pr->key.len, x->lib, NULL);
    if (k == NULL)
        return -EINVAL;
    ok = SSL_CTX_use_PrivateKey(x->ssl, k); /* selects the slot of this key type */
    EVP_PKEY_free(k);
    if (ok != 1)
        return -EINVAL;
    for (unsigned i = 1; i < pr->ncert; i++) {
        p = pr->cert[i].p;
        X509 *c = X509_new_ex(x->lib, NULL);
        if (c == NULL || d2i_X509(&c, &p, pr->cert[i].len) == NULL) {
            X509_free(c);
            return -EINVAL;
        }
        if (SSL_CTX_add0_chain_cert(x->ssl, c) != 1) { /* to the current slot */
            X509_free(c);
            return -EINVAL;
        }
    }
    return SSL_CTX_check_private_key(x->ssl) == 1 ? 0 : -EINVAL;
}

static int ctx_create(const struct lr_tls_global *g, enum lr_tls_role role,
                      struct lr_tls_counters *cnt, struct lr_tls_ctx **out, char *err,
                      size_t errlen)
{
    *out = NULL;
    if (role == LR_TLS_SERVER && g->npairs == 0) {
        err_set(err, errlen, "server: no certificate configured%s%s", NULL, NULL);
        return -EINVAL;
    }
    struct lr_tls_ctx *x = calloc(1, sizeof(*x));
    if (x == NULL)
        return -ENOMEM;
    x->g = g;
    x->role = role;
    x->cnt = cnt;
    int rc = -EINVAL;
    const char *what = "library context";
    x->lib = OSSL_LIB_CTX_new();
    if (x->lib == NULL)
        goto fail;
    what = "default provider";
    x->prov = OSSL_PROVIDER_load(x->lib, "default");
    if (x->prov == NULL)
        goto fail;
    what = "AES-256-CBC/HMAC/SHA256 fetch";
    x->aes = EVP_CIPHER_fetch(x->lib, "AES-256-CBC", NULL);
    x->hmac = EVP_MAC_fetch(x->lib, "HMAC", NULL);
    x->sha256 = EVP_MD_fetch(x->lib, "SHA256", NULL);
    if (x->aes == NULL || x->hmac == NULL || x->sha256 == NULL)
        goto fail;
    what = "BIO method";
    x->bio_meth = bio_method_new();
    if (x->bio_meth == NULL)
        goto fail;
    what = "SSL_CTX";
    x->ssl = SSL_CTX_new_ex(x->lib, NULL,
                            role == LR_TLS_SERVER ? TLS_server_method() : TLS_client_method());
    if (x->ssl == NULL)
        goto fail;
    SSL_CTX_set_app_data(x->ssl, x);
    what = "min/max version";
    if (SSL_CTX_set_min_proto_version(x->ssl, g->min_version) != 1 ||
        SSL_CTX_set_max_proto_version(x->ssl, g->max_version) != 1)
        goto fail;
    what = "ciphers";
    if (SSL_CTX_set_cipher_list(x->ssl, g->ciphers) != 1)
        goto fail;
    what = "ciphersuites";
    if (g->ciphersuites != NULL && SSL_CTX_set_ciphersuites(x->ssl, g->ciphersuites) != 1)
        goto fail;
    what = "groups";
    if (SSL_CTX_set1_groups_list(x->ssl, g->groups) != 1)
        goto fail;
    what = "sigalgs";
    if (g->sigalgs != NULL && SSL_CTX_set1_sigalgs_list(x->ssl, g->sigalgs) != 1)
        goto fail;
    /* No renegotiation (RFC 8446 has none; in 1.2 it is a DoS lever and
     * the RFC 5746 attack surface), no compression (CRIME). */
    uint64_t opts = SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION;
    if (role == LR_TLS_SERVER)
        opts |= SSL_OP_CIPHER_SERVER_PREFERENCE;
    SSL_CTX_set_options(x->ssl, opts);
    /* RELEASE_BUFFERS: an idle connection keeps no record buffers. Partial
     * and moving writes: a write may stop at the io's budget and be resumed
     * from a different pointer (the file cache). */
    SSL_CTX_set_mode(x->ssl, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE |
                                 SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    /* No 0-RTT (RFC 8446 §2.3: early data is replayable): max_early_data 0
     * never accepts it; the receive limit stays at its default so a
     * client's rejected early data can be skipped (RFC 8446 §4.2.10). */
    SSL_CTX_set_max_early_data(x->ssl, 0);
    /* Stateless tickets only: no server-side session cache at all. */
    SSL_CTX_set_session_cache_mode(x->ssl, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_info_callback(x->ssl, info_cb);
    what = "session id context";
    static const unsigned char sid_ctx[] = "linerate";
    if (SSL_CTX_set_session_id_context(x->ssl, sid_ctx, sizeof(sid_ctx) - 1) != 1)
        goto fail;
    if (role == LR_TLS_SERVER) {
        SSL_CTX_set_num_tickets(x->ssl, 1);
        (void)lr_tls_tickets_read(&g->tickets, &x->keys);
        what = "ticket callback";
        if (SSL_CTX_set_tlsext_ticket_key_evp_cb(x->ssl, ticket_cb) != 1)
            goto fail;
        if (g->alpn_len > 0)
            SSL_CTX_set_alpn_select_cb(x->ssl, alpn_select_cb, (void *)(uintptr_t)g);
        what = "certificate/key";
        for (unsigned i = 0; i < g->npairs; i++) {
            rc = ctx_load_pair(x, &g->pairs[i]);
            if (rc < 0)
                goto fail;
        }
    } else {
        what = "alpn";
        /* SSL_CTX_set_alpn_protos returns 0 on success. */
        if (g->alpn_len > 0 && SSL_CTX_set_alpn_protos(x->ssl, g->alpn, g->alpn_len) != 0)
            goto fail;
        if (g->ca_file != NULL) {
            what = "CA file";
            if (SSL_CTX_load_verify_file(x->ssl, g->ca_file) != 1)
                goto fail;
            SSL_CTX_set_verify(x->ssl, SSL_VERIFY_PEER, NULL);
        } else {
            SSL_CTX_set_verify(x->ssl, SSL_VERIFY_NONE, NULL);
        }
    }
    *out = x;
    return 0;
fail:
    err_set(err, errlen, "tls context: %s failed%s", what, NULL);
    ctx_destroy(x);
    return rc == 0 ? -EINVAL : rc;
}

static void ctx_refresh(struct lr_tls_ctx *x)
{
    if (x->role == LR_TLS_SERVER)
        (void)lr_tls_tickets_read(&x->g->tickets, &x->keys);
}

/* --- connections ---------------------------------------------------------- */

static void conn_fail(struct lr_tls_conn *c, enum lr_tls_fail reason)
{
    if (c->failed)
        return;
    c->failed = true;
    c->fail_reason = reason;
    c->ctx->cnt->failed[reason]++;
    if (!c->established && c->ctx->cnt->in_progress > 0)
        c->ctx->cnt->in_progress--;
}

static struct lr_tls_conn *conn_init(struct lr_tls_ctx *x, struct lr_tls_io *io,
                                     const struct lr_tls_conn_opts *o)
{
    x->cnt->hs_started++;
    struct lr_tls_conn *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        x->cnt->failed[LR_TLS_FAIL_NO_MEMORY]++;
        return NULL;
    }
    c->ctx = x;
    c->io = io;
    c->alert_sent = -1;
    c->started = o ? o->now : 0;
    c->ssl = SSL_new(x->ssl);
    BIO *b = c->ssl ? BIO_new_ex(x->lib, x->bio_meth) : NULL;
    if (b == NULL)
        goto fail;
    BIO_set_data(b, io);
    SSL_set_bio(c->ssl, b, b); /* one reference, owned by the SSL */
    SSL_set_app_data(c->ssl, c);
    if (x->role == LR_TLS_SERVER) {
        SSL_set_accept_state(c->ssl);
    } else {
        SSL_set_connect_state(c->ssl);
        if (o != NULL && o->sni != NULL) {
            if (SSL_set_tlsext_host_name(c->ssl, o->sni) != 1)
                goto fail;
            if (x->g->ca_file != NULL && SSL_set1_host(c->ssl, o->sni) != 1)
                goto fail;
        }
        if (o != NULL && o->kept != NULL) {
            /* A copy of its own: the kept object is shared by every
             * connection resuming it, and SSL_free marks the session of a
             * connection closed without close_notify not resumable. */
            SSL_SESSION *k = SSL_SESSION_dup((SSL_SESSION *)o->kept);
            if (k != NULL) {
                (void)SSL_set_session(c->ssl, k);
                SSL_SESSION_free(k);
            }
        } else if (o != NULL && o->session != NULL && o->session_len > 0) {
            const unsigned char *p = o->session;
            SSL_SESSION *s = d2i_SSL_SESSION(NULL, &p, (long)o->session_len);
            if (s != NULL) { /* a bad blob is ignored: full handshake */
                (void)SSL_set_session(c->ssl, s);
                SSL_SESSION_free(s);
            }
        }
    }
    ERR_clear_error();
    x->cnt->in_progress++;
    return c;
fail:
    ERR_clear_error();
    SSL_free(c->ssl);
    free(c);
    x->cnt->failed[LR_TLS_FAIL_NO_MEMORY]++;
    return NULL;
}

/* The reason of an SSL_ERROR_SSL, from OpenSSL's error code and the alert
 * we queued for it. */
static enum lr_tls_fail classify(const struct lr_tls_conn *c)
{
    unsigned long e = ERR_peek_error();
    if (e == 0)
        return LR_TLS_FAIL_INTERNAL;
    if (ERR_GET_LIB(e) != ERR_LIB_SSL)
        return ERR_GET_REASON(e) == ERR_R_MALLOC_FAILURE ? LR_TLS_FAIL_NO_MEMORY
                                                         : LR_TLS_FAIL_INTERNAL;
    int r = ERR_GET_REASON(e);
    if (r >= SSL_AD_REASON_OFFSET && r < SSL_AD_REASON_OFFSET + 256)
        return LR_TLS_FAIL_PEER_ALERT; /* SSL_R_*_ALERT_*: the peer's alert */
    switch (r) {
    case SSL_R_UNSUPPORTED_PROTOCOL:
    case SSL_R_VERSION_TOO_LOW:
    case SSL_R_VERSION_TOO_HIGH:
    case SSL_R_NO_PROTOCOLS_AVAILABLE:
    case SSL_R_WRONG_SSL_VERSION:
        return LR_TLS_FAIL_VERSION;
    case SSL_R_NO_SHARED_CIPHER:
    case SSL_R_NO_CIPHERS_AVAILABLE:
    case SSL_R_NO_SHARED_SIGNATURE_ALGORITHMS:
    case SSL_R_NO_SUITABLE_SIGNATURE_ALGORITHM:
        return LR_TLS_FAIL_NO_SHARED_CIPHER;
    case SSL_R_NO_SHARED_GROUPS:
    case SSL_R_NO_SUITABLE_KEY_SHARE:
        return LR_TLS_FAIL_NO_SHARED_GROUP;
    case SSL_R_NO_APPLICATION_PROTOCOL:
        return LR_TLS_FAIL_NO_ALPN;
    case SSL_R_HTTP_REQUEST:
    case SSL_R_HTTPS_PROXY_REQUEST:
        return LR_TLS_FAIL_HTTP_REQUEST;
    case SSL_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC:
    case SSL_R_DECRYPTION_FAILED:
        return LR_TLS_FAIL_BAD_RECORD_MAC;
    case SSL_R_UNEXPECTED_EOF_WHILE_READING:
        return LR_TLS_FAIL_TRUNCATED;
    case SSL_R_CERTIFICATE_VERIFY_FAILED:
        return LR_TLS_FAIL_CERT;
    case SSL_R_WRONG_VERSION_NUMBER: /* record header not TLS's (no alert sent) */
    case SSL_R_PACKET_LENGTH_TOO_LONG:
    case SSL_R_RECORD_LENGTH_MISMATCH:
    case SSL_R_LENGTH_MISMATCH:
    case SSL_R_BAD_PACKET_LENGTH:
    case SSL_R_UNEXPECTED_MESSAGE:
    case SSL_R_UNEXPECTED_RECORD:
    case SSL_R_ENCRYPTED_LENGTH_TOO_LONG:
    case SSL_R_EXCESSIVE_MESSAGE_SIZE:
        return LR_TLS_FAIL_MALFORMED;
    default:
        break;
    }
    /* Otherwise by the alert we answered with (RFC 8446 §6.2). */
    switch (c->alert_sent) {
    case SSL_AD_DECODE_ERROR:
    case SSL_AD_ILLEGAL_PARAMETER:
    case SSL_AD_UNEXPECTED_MESSAGE:
    case SSL_AD_RECORD_OVERFLOW:
    case SSL_AD_PROTOCOL_VERSION: /* a record version that is not TLS's */
    case SSL_AD_MISSING_EXTENSION:
    case SSL_AD_UNSUPPORTED_EXTENSION:
        return LR_TLS_FAIL_MALFORMED;
    case SSL_AD_BAD_RECORD_MAC:
        return LR_TLS_FAIL_BAD_RECORD_MAC;
    case SSL_AD_HANDSHAKE_FAILURE:
    case SSL_AD_INSUFFICIENT_SECURITY:
        return LR_TLS_FAIL_NO_SHARED_CIPHER;
    case SSL_AD_BAD_CERTIFICATE:
    case SSL_AD_UNKNOWN_CA:
    case SSL_AD_CERTIFICATE_EXPIRED:
        return LR_TLS_FAIL_CERT;
    default:
        return LR_TLS_FAIL_INTERNAL;
    }
}

static int map_result(struct lr_tls_conn *c, int r)
{
    int e = SSL_get_error(c->ssl, r);
    int rc;
    switch (e) {
    case SSL_ERROR_WANT_READ:
        rc = LR_TLS_WANT_READ;
        break;
    case SSL_ERROR_WANT_WRITE:
        rc = LR_TLS_WANT_WRITE;
        break;
    case SSL_ERROR_ZERO_RETURN:
        c->ctx->cnt->close_notify_rcvd++;
        rc = LR_TLS_CLOSED;
        break;
    case SSL_ERROR_SYSCALL: /* our BIO has no errno: an end of file */
        conn_fail(c, LR_TLS_FAIL_TRUNCATED);
        rc = LR_TLS_FATAL;
        break;
    default:
        conn_fail(c, classify(c));
        rc = LR_TLS_FATAL;
        break;
    }
    /* The error queue is per thread: leave nothing for the next connection. */
    ERR_clear_error();
    return rc;
}

/* IANA NamedGroup (RFC 8446 §4.2.7, RFC 7919) of the handshake's key
 * exchange; 0 when there was none (TLS 1.2 resumption reports the group of
 * the original handshake: SSL_get_negotiated_group(3)). OpenSSL returns a
 * NID, or TLSEXT_nid_unknown | id for a group it has no NID for. */
static uint16_t negotiated_group(SSL *s)
{
    static const struct {
        int nid;
        uint16_t id;
    } map[] = {
        { NID_X25519, 0x001d },    { NID_X9_62_prime256v1, 0x0017 },
        { NID_secp384r1, 0x0018 }, { NID_secp521r1, 0x0019 },
        { NID_X448, 0x001e },      { NID_ffdhe2048, 0x0100 },
        { NID_ffdhe3072, 0x0101 }, { NID_ffdhe4096, 0x0102 },
    };
    int nid = SSL_get_negotiated_group(s);
    if (nid <= 0)
        return 0;
    if (nid & TLSEXT_nid_unknown)
        return (uint16_t)(nid & 0xffff);
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (map[i].nid == nid)
            return map[i].id;
    return 0xffff; /* a NID without a code point here: counted as "other" */
}

static void count_established(struct lr_tls_conn *c)
{
    struct lr_tls_counters *cnt = c->ctx->cnt;
    c->established = true;
    c->resumed = SSL_session_reused(c->ssl) == 1;
    if (c->resumed)
        cnt->hs_resumed++;
    else
        cnt->hs_full++;
    if (cnt->in_progress > 0)
        cnt->in_progress--;
    int v = SSL_version(c->ssl);
    cnt->version[v == TLS1_2_VERSION   ? LR_TLS_VER_1_2
                 : v == TLS1_3_VERSION ? LR_TLS_VER_1_3
                                       : LR_TLS_VER_OTHER]++;
    const SSL_CIPHER *ci = SSL_get_current_cipher(c->ssl);
    uint16_t id = ci ? SSL_CIPHER_get_protocol_id(ci) : 0;
    cnt->cipher[lr_tls_cipher_of(id)]++;
    cnt->group[lr_tls_group_of(negotiated_group(c->ssl))]++;
}

static int conn_handshake(struct lr_tls_conn *c)
{
    if (c->failed)
        return LR_TLS_FATAL;
    if (c->established)
        return LR_TLS_OK;
    int r = SSL_do_handshake(c->ssl);
    if (r == 1) {
        count_established(c);
        return LR_TLS_OK;
    }
    return map_result(c, r);
}

static int conn_read(struct lr_tls_conn *c, void *buf, uint32_t len)
{
    int rc = conn_handshake(c); /* FATAL after a failure, OK once established */
    if (rc != LR_TLS_OK)
        return rc;
    if (len > INT_MAX)
        len = INT_MAX;
    size_t got = 0;
    int r = SSL_read_ex(c->ssl, buf, len, &got);
    if (r == 1) {
        c->ctx->cnt->plain_bytes_in += got;
        return (int)got;
    }
    return map_result(c, r);
}

static int conn_write(struct lr_tls_conn *c, const void *buf, uint32_t len)
{
    int rc = conn_handshake(c); /* FATAL after a failure, OK once established */
    if (rc != LR_TLS_OK)
        return rc;
    if (len == 0)
        return 0;
    if (len > INT_MAX)
        len = INT_MAX;
    size_t done = 0;
    int r = SSL_write_ex(c->ssl, buf, len, &done);
    if (r == 1) {
        c->ctx->cnt->plain_bytes_out += done;
        return (int)done;
    }
    return map_result(c, r);
}

static int conn_shutdown(struct lr_tls_conn *c)
{
    /* After a fatal error the alert is all there is to send (RFC 8446 §6.2). */
    if (c->failed)
        return LR_TLS_FATAL;
    if (c->close_sent)
        return LR_TLS_OK;
    int r = SSL_shutdown(c->ssl);
    if (r >= 0) {
        c->close_sent = true;
        c->ctx->cnt->close_notify_sent++;
        ERR_clear_error();
        return LR_TLS_OK;
    }
    int rc = map_result(c, r);
    return rc == LR_TLS_WANT_READ ? LR_TLS_OK : rc;
}

static void conn_free(struct lr_tls_conn *c)
{
    if (c == NULL)
        return;
    if (!c->established && !c->failed && c->ctx->cnt->in_progress > 0)
        c->ctx->cnt->in_progress--;
    SSL_free(c->ssl); /* and the BIO */
    free(c);
}

static void conn_info(const struct lr_tls_conn *c, struct lr_tls_conn_info *o)
{
    memset(o, 0, sizeof(*o));
    o->established = c->established;
    o->resumed = c->resumed;
    o->failed = c->failed;
    o->fail_reason = c->fail_reason;
    o->started = c->started;
    if (c->established) {
        o->version = (uint16_t)SSL_version(c->ssl);
        const SSL_CIPHER *ci = SSL_get_current_cipher(c->ssl);
        o->cipher_id = ci ? SSL_CIPHER_get_protocol_id(ci) : 0;
        o->group_id = negotiated_group(c->ssl);
        const unsigned char *a = NULL;
        unsigned alen = 0;
        SSL_get0_alpn_selected(c->ssl, &a, &alen);
        if (alen >= sizeof(o->alpn))
            alen = sizeof(o->alpn) - 1;
        if (a != NULL)
            memcpy(o->alpn, a, alen);
        o->alpn[alen] = '\0';
        X509 *x = c->ctx->role == LR_TLS_SERVER ? SSL_get_certificate(c->ssl)
                                                : SSL_get0_peer_certificate(c->ssl);
        EVP_PKEY *k = x ? X509_get0_pubkey(x) : NULL;
        const char *kt = k ? EVP_PKEY_get0_type_name(k) : NULL;
        snprintf(o->cert_key, sizeof(o->cert_key), "%s", kt ? kt : "");
    }
}

static int conn_session_save(struct lr_tls_conn *c, uint8_t *buf, uint32_t cap)
{
    SSL_SESSION *s = SSL_get1_session(c->ssl);
    if (s == NULL)
        return 0;
    int rc = 0;
    if (SSL_SESSION_is_resumable(s)) {
        int n = i2d_SSL_SESSION(s, NULL);
        if (n <= 0) {
            rc = 0;
        } else if ((uint32_t)n > cap) {
            rc = -ENOSPC;
        } else {
            unsigned char *p = buf;
            rc = i2d_SSL_SESSION(s, &p);
        }
    }
    SSL_SESSION_free(s);
    ERR_clear_error();
    return rc;
}

/* A copy, not a reference: SSL_free of a connection that did not send
 * close_notify marks its session not resumable (ssl_clear_bad_session),
 * which would reach a shared object; the copy shares the certificates by
 * reference and decodes nothing. */
static void *conn_session_keep(struct lr_tls_conn *c)
{
    SSL_SESSION *s = SSL_get0_session(c->ssl);
    if (s == NULL || SSL_SESSION_is_resumable(s) != 1)
        return NULL;
    SSL_SESSION *k = SSL_SESSION_dup(s);
    ERR_clear_error();
    return k;
}

static void conn_session_release(void *kept)
{
    SSL_SESSION_free(kept); /* NULL is fine */
}

const struct lr_tls_engine lr_tls_engine_openssl = {
    .name = "openssl",
    .global_init = global_init,
    .global_free = global_free,
    .tickets_rotate = tickets_rotate,
    .ctx_create = ctx_create,
    .ctx_destroy = ctx_destroy,
    .ctx_refresh = ctx_refresh,
    .init = conn_init,
    .handshake = conn_handshake,
    .read = conn_read,
    .write = conn_write,
    .shutdown = conn_shutdown,
    .free = conn_free,
    .info = conn_info,
    .session_save = conn_session_save,
    .session_keep = conn_session_keep,
    .session_release = conn_session_release,
    .set_failed = conn_fail,
};
