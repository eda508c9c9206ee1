/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * FTP users file and SHA-512 crypt verification (see lr_ftp_users.h).
 */
#include <crypt.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lr_ftp_users.h"

/* Largest users file read (bytes): LR_FTP_USERS_MAX lines of maximal length. */
#define USERS_FILE_MAX                                                                             \
    ((size_t)LR_FTP_USERS_MAX * (LR_FTP_USER_NAME_MAX + LR_FTP_USER_HASH_MAX + 2))

/*
 * Hash checked for unknown users, so that they cost one crypt as well. It is
 * the SHA-512 crypt of a random string nobody knows; no password matches it
 * in practice and the result is discarded anyway.
 */
static const char dummy_hash[] = "$6$lrdummysalt0000$UKIHg5D95EgPDi683cvm9rCfQB54uy9YbHsjWVe/Z"
                                 "qIeiV/bDSWxRis1YYjGD3WpPalzRMC.tjY5pX3/zjtyD/";

void lr_ftp_users_init(struct lr_ftp_users *u)
{
    u->count = 0;
    u->users = NULL;
}

void lr_ftp_users_free(struct lr_ftp_users *u)
{
    free(u->users);
    lr_ftp_users_init(u);
}

static bool is_b64(char c)
{
    return c == '.' || c == '/' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
           (c >= 'A' && c <= 'Z');
}

bool lr_ftp_users_hash_valid(const char *h, size_t len)
{
    size_t i = 3;
    if (len < 3 || len > LR_FTP_USER_HASH_MAX || memcmp(h, "$6$", 3) != 0)
        return false;
    if (len - i > 7 && memcmp(h + i, "rounds=", 7) == 0) {
        i += 7;
        size_t d = 0;
        while (i < len && h[i] >= '0' && h[i] <= '9') {
            i++;
            d++;
        }
        if (d == 0 || d > 9 || i >= len || h[i] != '$')
            return false;
        i++;
    }
    size_t s = 0;
    while (i < len && h[i] != '$') {
        if (!is_b64(h[i]))
            return false;
        i++;
        s++;
    }
    if (s == 0 || s > 16 || i >= len)
        return false;
    i++; /* '$' */
    /* SHA-512 digest: 512 bits in crypt's base-64 = 86 characters. */
    if (len - i != 86)
        return false;
    for (; i < len; i++) {
        if (!is_b64(h[i]))
            return false;
    }
    return true;
}

const struct lr_ftp_user *lr_ftp_users_find(const struct lr_ftp_users *u, const char *name,
                                            size_t len)
{
    if (len == 0 || len > LR_FTP_USER_NAME_MAX)
        return NULL;
    for (uint32_t i = 0; i < u->count; i++) {
        const struct lr_ftp_user *e = &u->users[i];
        if (strlen(e->name) == len && memcmp(e->name, name, len) == 0)
            return e;
    }
    return NULL;
}

static int fail(char *err, size_t errlen, int rc, const char *name, unsigned line,
                const char *reason)
{
    if (err != NULL && errlen > 0) {
        if (line > 0)
            snprintf(err, errlen, "%s:%u: %s", name, line, reason);
        else
            snprintf(err, errlen, "%s: %s", name, reason);
    }
    return rc;
}

int lr_ftp_users_load_string(struct lr_ftp_users *u, const char *text, const char *name, char *err,
                             size_t errlen)
{
    /* Count candidate lines first to size the table exactly. */
    size_t lines = 1;
    for (const char *p = text; *p != '\0'; p++)
        lines += (*p == '\n');
    if (lines > LR_FTP_USERS_MAX + 1024)
        return fail(err, errlen, -EINVAL, name, 0, "too many lines");

    struct lr_ftp_user *v = calloc(lines, sizeof(*v));
    if (v == NULL)
        return fail(err, errlen, -ENOMEM, name, 0, "out of memory");

    uint32_t n = 0;
    unsigned lineno = 0;
    const char *p = text;
    int rc = 0;
    while (*p != '\0') {
        lineno++;
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        const char *next = eol ? eol + 1 : p + len;
        if (len > 0 && p[len - 1] == '\r')
            len--;
        if (len == 0 || p[0] == '#') {
            p = next;
            continue;
        }
        const char *colon = memchr(p, ':', len);
        if (colon == NULL) {
            rc = fail(err, errlen, -EINVAL, name, lineno, "expected name:hash");
            goto out;
        }
        size_t nl = (size_t)(colon - p);
        size_t hl = len - nl - 1;
        if (nl == 0 || nl > LR_FTP_USER_NAME_MAX) {
            rc = fail(err, errlen, -EINVAL, name, lineno, "user name empty or longer than 64");
            goto out;
        }
        for (size_t i = 0; i < nl; i++) {
            unsigned char c = (unsigned char)p[i];
            if (c <= ' ' || c == 0x7f) {
                rc = fail(err, errlen, -EINVAL, name, lineno,
                          "user name contains a space or control character");
                goto out;
            }
        }
        if (!lr_ftp_users_hash_valid(colon + 1, hl)) {
            rc = fail(err, errlen, -EINVAL, name, lineno,
                      "hash is not a SHA-512 crypt string ($6$salt$digest)");
            goto out;
        }
        if (n == LR_FTP_USERS_MAX) {
            rc = fail(err, errlen, -EINVAL, name, lineno, "too many users (max 4096)");
            goto out;
        }
        struct lr_ftp_users tmp = { .count = n, .users = v };
        if (lr_ftp_users_find(&tmp, p, nl) != NULL) {
            rc = fail(err, errlen, -EINVAL, name, lineno, "duplicate user");
            goto out;
        }
        memcpy(v[n].name, p, nl);
        v[n].name[nl] = '\0';
        memcpy(v[n].hash, colon + 1, hl);
        v[n].hash[hl] = '\0';
        n++;
        p = next;
    }
out:
    if (rc != 0) {
        free(v);
        return rc;
    }
    u->users = v;
    u->count = n;
    return 0;
}

int lr_ftp_users_load(struct lr_ftp_users *u, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        int e = errno;
        char msg[128];
        snprintf(msg, sizeof(msg), "cannot open: %s", strerror(e));
        return fail(err, errlen, -e, path, 0, msg);
    }
    char *buf = malloc(USERS_FILE_MAX + 1);
    if (buf == NULL) {
        fclose(f);
        return fail(err, errlen, -ENOMEM, path, 0, "out of memory");
    }
    size_t n = fread(buf, 1, USERS_FILE_MAX + 1, f);
    int rerr = ferror(f);
    fclose(f);
    if (rerr) {
        free(buf);
        return fail(err, errlen, -EIO, path, 0, "read error");
    }
    if (n > USERS_FILE_MAX) {
        free(buf);
        return fail(err, errlen, -EINVAL, path, 0, "file too large");
    }
    if (memchr(buf, '\0', n) != NULL) {
        free(buf);
        return fail(err, errlen, -EINVAL, path, 0, "file contains a NUL byte");
    }
    buf[n] = '\0';
    int rc = lr_ftp_users_load_string(u, buf, path, err, errlen);
    free(buf);
    return rc;
}

/* Constant-time comparison of two NUL-terminated strings of equal length. */
static bool ct_equal(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned char d = (unsigned char)(la != lb);
    size_t n = la < lb ? la : lb;
    for (size_t i = 0; i < n; i++)
        d |= (unsigned char)(a[i] ^ b[i]);
    return d == 0;
}

bool lr_ftp_users_verify(const struct lr_ftp_users *u, const char *name, size_t nlen,
                         const char *pass, size_t plen)
{
    const struct lr_ftp_user *e = lr_ftp_users_find(u, name, nlen);
    const char *hash = e != NULL ? e->hash : dummy_hash;
    char pw[LR_FTP_USER_HASH_MAX + 1];
    bool ok = e != NULL;

    if (plen >= sizeof(pw) || memchr(pass, '\0', plen) != NULL) {
        ok = false;
        plen = 0;
    }
    memcpy(pw, pass, plen);
    pw[plen] = '\0';

    /* crypt_data is ~32 KiB: kept on the stack of the (non-fast-path)
     * caller rather than in a shared buffer, so verification is reentrant. */
    struct crypt_data cd;
    memset(&cd, 0, sizeof(cd));
    const char *out = crypt_r(pw, hash, &cd);
    memset(pw, 0, sizeof(pw));
    if (out == NULL || out[0] == '*')
        ok = false;
    else if (!ct_equal(out, hash))
        ok = false;
    memset(&cd, 0, sizeof(cd));
    return ok;
}
