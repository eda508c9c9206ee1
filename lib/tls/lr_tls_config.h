/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * [tls]: the TLS layer's configuration section (struct lr_config_section,
 * lr_config.h). Certificates and keys, protocol versions, cipher lists,
 * groups, ALPN, and the limits of the stream layer. config/default.conf
 * documents the same keys.
 */
#ifndef LR_TLS_CONFIG_H
#define LR_TLS_CONFIG_H

#include <stdint.h>

#include "lr_config.h"
#include "lr_log.h"

LR_LOG_DECLARE(tls); /* linerate.tls */

#define LR_TLS_FILES_MAX 1024 /* a comma-separated list of PEM files */
/* cert/key pairs at most: one per key type (EC, RSA, ...), as the engine
 * keeps one certificate per key type (lr_tls_openssl.c). */
#define LR_TLS_PAIRS_MAX 4

struct lr_tls_config {
    char cert[LR_TLS_FILES_MAX]; /* absolute after the check; "" = none */
    char key[LR_TLS_FILES_MAX];
    char min_version[8]; /* "1.2" */
    char max_version[8]; /* "1.3" */
    char ciphers[256];   /* TLS 1.2 list */
    char ciphersuites[256];
    char groups[128];
    char alpn[64];
    uint64_t handshake_timeout; /* us, default 10s */
    uint32_t max_handshakes;    /* in progress per worker, default 1024 */
    uint32_t max_sessions;      /* per worker; 0 = [tcp] max_conns */
    uint32_t handshake_budget;  /* handshake steps per poll loop per worker; 0 = no limit */
    uint64_t ticket_rotate;     /* us between ticket key rotations, 0 = never; default 1h */
};

extern const struct lr_config_section lr_tls_config_section;

/** The [tls] section of @cfg (all zero when loaded without it). */
const struct lr_tls_config *lr_tls_conf(const struct lr_config *cfg);

#endif /* LR_TLS_CONFIG_H */
