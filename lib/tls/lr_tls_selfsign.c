/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The self-signed fallback certificate (lr_tls_selfsign.h), with OpenSSL 3.0.
 *
 * Made once on the main lcore, before any worker exists: an ECDSA P-256 key
 * (the cheapest signature for the handshakes a load test makes) and an
 * X.509 v3 certificate signed by it with SHA-256. The PEM files go into a
 * fresh mkdtemp() directory (0700; the key file 0600) and are read back by
 * the engine's global_init like a configured pair, so there is one loading
 * path for both.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "lr_tls_selfsign.h"

/* "reason: OpenSSL's first queued error" into @err. */
static void ssl_err(char *err, size_t errlen, const char *what)
{
    unsigned long e = ERR_get_error();
    char buf[160] = "";
    if (e != 0)
        ERR_error_string_n(e, buf, sizeof(buf));
    snprintf(err, errlen, "self-signed certificate: %s%s%s", what, e ? ": " : "", buf);
    ERR_clear_error();
}

static int add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
    if (ext == NULL)
        return -1;
    int ok = X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    return ok == 1 ? 0 : -1;
}

/*
 * RFC 5280 §4.1.2.2: the serial is a positive integer of at most 20 octets,
 * unique per issuer. 16 random octets with the top bit clear: positive, and
 * two certificates made at start never share one.
 */
static int set_serial(X509 *x)
{
    unsigned char b[16];
    if (RAND_bytes(b, sizeof(b)) != 1)
        return -1;
    b[0] &= 0x7f;
    b[0] |= 0x01; /* never a leading zero octet: the DER length stays 16 */
    BIGNUM *bn = BN_bin2bn(b, sizeof(b), NULL);
    int ok = bn != NULL && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL;
    BN_free(bn);
    return ok ? 0 : -1;
}

static X509 *make_cert(EVP_PKEY *pk, char *err, size_t errlen)
{
    X509 *x = X509_new();
    if (x == NULL) {
        ssl_err(err, errlen, "out of memory");
        return NULL;
    }
    /* Version 3 (value 2, RFC 5280 §4.1.2.1): the extensions below need it. */
    if (X509_set_version(x, 2) != 1 || set_serial(x) != 0) {
        ssl_err(err, errlen, "cannot set version or serial");
        goto fail;
    }
    if (X509_gmtime_adj(X509_getm_notBefore(x), 0) == NULL ||
        X509_gmtime_adj(X509_getm_notAfter(x), (long)LR_TLS_SELFSIGNED_DAYS * 24 * 3600) == NULL) {
        ssl_err(err, errlen, "cannot set the validity");
        goto fail;
    }
    X509_NAME *name = X509_get_subject_name(x);
    if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                   (const unsigned char *)LR_TLS_SELFSIGNED_CN, -1, -1, 0) != 1 ||
        X509_set_issuer_name(x, name) != 1 || X509_set_pubkey(x, pk) != 1) {
        ssl_err(err, errlen, "cannot set the name or the public key");
        goto fail;
    }
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
    /*
     * Clients match the host name against subjectAltName, not the CN
     * (RFC 6125 §6.4.4, RFC 2818 §3.1): DNS:localhost. An end-entity
     * certificate (RFC 5280 §4.2.1.9) whose key signs the handshake
     * (§4.2.1.3 digitalSignature; ECDHE needs no keyEncipherment) for TLS
     * servers (§4.2.1.12 serverAuth).
     */
    if (add_ext(x, &ctx, NID_subject_alt_name, "DNS:localhost") != 0 ||
        add_ext(x, &ctx, NID_basic_constraints, "critical,CA:FALSE") != 0 ||
        add_ext(x, &ctx, NID_key_usage, "critical,digitalSignature") != 0 ||
        add_ext(x, &ctx, NID_ext_key_usage, "serverAuth") != 0 ||
        add_ext(x, &ctx, NID_subject_key_identifier, "hash") != 0) {
        ssl_err(err, errlen, "cannot add the extensions");
        goto fail;
    }
    if (X509_sign(x, pk, EVP_sha256()) <= 0) {
        ssl_err(err, errlen, "cannot sign");
        goto fail;
    }
    return x;
fail:
    X509_free(x);
    return NULL;
}

/* Create @path (exclusive, @mode) and open it for writing. */
static FILE *create_file(const char *path, mode_t mode, char *err, size_t errlen)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) {
        snprintf(err, errlen, "self-signed certificate: %s: %s", path, strerror(errno));
        return NULL;
    }
    FILE *f = fdopen(fd, "w");
    if (f == NULL) {
        snprintf(err, errlen, "self-signed certificate: %s: %s", path, strerror(errno));
        close(fd);
    }
    return f;
}

static int write_pem(const struct lr_tls_selfsigned *s, X509 *x, EVP_PKEY *pk, char *err,
                     size_t errlen)
{
    FILE *f = create_file(s->key, 0600, err, errlen);
    if (f == NULL)
        return -EIO;
    int ok = PEM_write_PrivateKey(f, pk, NULL, NULL, 0, NULL, NULL) == 1;
    if (fclose(f) != 0 || !ok) {
        ssl_err(err, errlen, "cannot write the key");
        return -EIO;
    }
    f = create_file(s->cert, 0644, err, errlen);
    if (f == NULL)
        return -EIO;
    ok = PEM_write_X509(f, x) == 1;
    if (fclose(f) != 0 || !ok) {
        ssl_err(err, errlen, "cannot write the certificate");
        return -EIO;
    }
    return 0;
}

int lr_tls_selfsigned_create(struct lr_tls_selfsigned *s, const char *tmpdir, char *err,
                             size_t errlen)
{
    memset(s, 0, sizeof(*s));
    int n = snprintf(s->dir, sizeof(s->dir), "%s/linerate-tls-XXXXXX",
                     tmpdir != NULL ? tmpdir : "/tmp");
    if (n < 0 || (size_t)n >= sizeof(s->dir) - sizeof("/cert.pem")) {
        snprintf(err, errlen, "self-signed certificate: %s: directory name too long", tmpdir);
        s->dir[0] = '\0';
        return -ENAMETOOLONG;
    }
    if (mkdtemp(s->dir) == NULL) { /* mode 0700 */
        int e = errno;
        snprintf(err, errlen, "self-signed certificate: mkdtemp %s: %s", s->dir, strerror(e));
        s->dir[0] = '\0';
        return -e;
    }
    /* The length was checked above: the names fit. */
    if (snprintf(s->cert, sizeof(s->cert), "%s/cert.pem", s->dir) >= (int)sizeof(s->cert) ||
        snprintf(s->key, sizeof(s->key), "%s/key.pem", s->dir) >= (int)sizeof(s->key)) {
        lr_tls_selfsigned_remove(s);
        snprintf(err, errlen, "self-signed certificate: directory name too long");
        return -ENAMETOOLONG;
    }

    int rc = -ENOMEM;
    X509 *x = NULL;
    EVP_PKEY *pk = EVP_EC_gen("P-256");
    if (pk == NULL) {
        ssl_err(err, errlen, "cannot generate an ECDSA P-256 key");
        goto out;
    }
    x = make_cert(pk, err, errlen);
    if (x == NULL)
        goto out;
    rc = write_pem(s, x, pk, err, errlen);
out:
    X509_free(x);
    EVP_PKEY_free(pk);
    if (rc != 0)
        lr_tls_selfsigned_remove(s);
    return rc;
}

void lr_tls_selfsigned_remove(struct lr_tls_selfsigned *s)
{
    if (s->dir[0] == '\0')
        return;
    (void)unlink(s->key);
    (void)unlink(s->cert);
    (void)rmdir(s->dir);
    memset(s, 0, sizeof(*s));
}
