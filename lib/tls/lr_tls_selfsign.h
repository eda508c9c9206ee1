/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A self-signed server certificate made at start, for a server that asks
 * for TLS while [tls] names no certificate: an ECDSA P-256 key and an
 * X.509 v3 certificate (CN=linerate, subjectAltName DNS:localhost, 30 days,
 * random serial), written as PEM into a private directory so the engine
 * loads them like any configured pair. Nothing is kept on disk after
 * lr_tls_selfsigned_remove(), which the tls module calls as soon as the
 * engine's global_init has decoded them.
 */
#ifndef LR_TLS_SELFSIGN_H
#define LR_TLS_SELFSIGN_H

#include <stddef.h>

#include "lr_config.h"

#define LR_TLS_SELFSIGNED_CN   "linerate"
#define LR_TLS_SELFSIGNED_DAYS 30

struct lr_tls_selfsigned {
    char dir[LR_PATH_MAX];  /* mkdtemp() directory, mode 0700; "" when none */
    char cert[LR_PATH_MAX]; /* dir/cert.pem */
    char key[LR_PATH_MAX];  /* dir/key.pem (mode 0600) */
};

/**
 * Make the key and certificate and write them under a new private
 * directory in @tmpdir (NULL: "/tmp"). 0, or -errno with the reason in @err;
 * on error nothing is left on disk.
 */
int lr_tls_selfsigned_create(struct lr_tls_selfsigned *s, const char *tmpdir, char *err,
                             size_t errlen);

/** Remove the files and the directory of @s (nothing when none). */
void lr_tls_selfsigned_remove(struct lr_tls_selfsigned *s);

#endif /* LR_TLS_SELFSIGN_H */
