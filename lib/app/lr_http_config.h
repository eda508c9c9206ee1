/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * [http]: the HTTP server's configuration section (a module section, see
 * struct lr_config_section in lr_config.h). The key table and the rules
 * across its keys are in lr_http_config.c; config/default.conf documents
 * the same keys.
 */
#ifndef LR_HTTP_CONFIG_H
#define LR_HTTP_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "lr_config.h"

#define LR_MAX_LISTEN 8

struct lr_http_config {
    uint16_t nb_listen;
    uint16_t listen[LR_MAX_LISTEN];     /* host order; default 80 */
    uint16_t nb_tls_listen;             /* 0 = no HTTPS (default) */
    uint16_t tls_listen[LR_MAX_LISTEN]; /* host order: HTTPS over [tls] */
    char root[LR_PATH_MAX];             /* absolute; default "www" next to the config file */
    char index[128];                    /* default index.html */
    char server_name[64];               /* default linerate */
    uint32_t max_header_bytes;          /* default 8k */
    uint32_t max_headers;               /* default 64 */
    uint32_t max_uri_bytes;             /* default 2k */
    uint32_t max_body_bytes;            /* bodies read and discarded, default 1m */
    uint64_t header_timeout;            /* 408 after, default 10s */
    uint64_t keepalive_timeout;         /* default 60s */
    uint32_t max_requests_per_conn;     /* 0 = unlimited, default 0 */
    uint64_t cache_bytes;               /* default 256m */
    bool enabled;                       /* default yes; off in client mode unless given */
};

extern const struct lr_config_section lr_http_config_section;

/** The [http] section of @cfg; a configuration loaded without it reads as
 *  all zero (the server off). */
const struct lr_http_config *lr_http_conf(const struct lr_config *cfg);

#endif /* LR_HTTP_CONFIG_H */
