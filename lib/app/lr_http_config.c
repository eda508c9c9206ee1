/* SPDX-License-Identifier: BSD-3-Clause */
/* [http] section (lr_http_config.h): the key table and its rules. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>

#include "lr_http_config.h"

#define H struct lr_http_config

static int parse_listen(void *sec, const struct lr_config_key *k, const char *val, char *why,
                        size_t wl)
{
    H *hc = sec;

    RTE_SET_USED(k);
    return lr_parse_port_list(val, hc->listen, LR_MAX_LISTEN, &hc->nb_listen, why, wl);
}

/* Empty: no HTTPS listener (the default). */
static int parse_tls_listen(void *sec, const struct lr_config_key *k, const char *val, char *why,
                            size_t wl)
{
    H *hc = sec;

    RTE_SET_USED(k);
    hc->nb_tls_listen = 0;
    if (val[strspn(val, " \t")] == '\0')
        return 0;
    return lr_parse_port_list(val, hc->tls_listen, LR_MAX_LISTEN, &hc->nb_tls_listen, why, wl);
}

/* A file name looked up in a directory, never a path (lr_http_server.c
 * appends it to the request path). */
static int check_index(const char *val, char *why, size_t wl)
{
    if (strchr(val, '/') != NULL || strcmp(val, ".") == 0 || strcmp(val, "..") == 0) {
        snprintf(why, wl, "'%s' must be a file name, not a path", val);
        return -EINVAL;
    }
    return 0;
}

static const struct lr_config_key http_keys[] = {
    LR_CONFIG_KEY(H, "enabled", enabled, LR_CFG_BOOL, 0, 0, "yes", "serve HTTP"),
    { "listen", LR_CFG_CUSTOM, 0, 0, 1, 65535, "80", "comma-separated TCP ports", parse_listen,
      NULL },
    { "tls_listen", LR_CFG_CUSTOM, 0, 0, 1, 65535, "",
      "comma-separated TCP ports served over TLS (HTTPS, [tls]); empty = none", parse_tls_listen,
      NULL },
    LR_CONFIG_KEY(H, "root", root, LR_CFG_PATH, 1, 0, "www",
                  "document root, relative to the config file's directory"),
    { "index", LR_CFG_STR, offsetof(H, index), sizeof(((H *)0)->index), 1, 0, "index.html",
      "file served for a directory", NULL, check_index },
    LR_CONFIG_KEY(H, "server_name", server_name, LR_CFG_STR, 1, 0, "linerate", "Server header"),
    LR_CONFIG_KEY(H, "max_header_bytes", max_header_bytes, LR_CFG_SIZE, 1u << 10, 1u << 20, "8k",
                  "request line and headers; larger gets 431"),
    LR_CONFIG_KEY(H, "max_headers", max_headers, LR_CFG_UINT, 1, 1024, "64",
                  "header fields per request"),
    LR_CONFIG_KEY(H, "max_uri_bytes", max_uri_bytes, LR_CFG_SIZE, 64, 64u << 10, "2k",
                  "request target length; longer gets 414"),
    LR_CONFIG_KEY(H, "max_body_bytes", max_body_bytes, LR_CFG_SIZE, 0, 1u << 30, "1m",
                  "request bodies (read and discarded); larger gets 413"),
    LR_CONFIG_KEY(H, "header_timeout", header_timeout, LR_CFG_TIME, 100000, UINT64_C(3600000000),
                  "10s", "time to receive a request's headers before 408"),
    LR_CONFIG_KEY(H, "keepalive_timeout", keepalive_timeout, LR_CFG_TIME, 0, UINT64_C(3600000000),
                  "60s", "idle persistent connections are closed after this; 0 = no keep-alive"),
    LR_CONFIG_KEY(H, "max_requests_per_conn", max_requests_per_conn, LR_CFG_UINT, 0, UINT32_MAX,
                  "0", "requests per connection; 0 = unlimited"),
    LR_CONFIG_KEY(H, "cache_bytes", cache_bytes, LR_CFG_SIZE, 0, UINT64_C(64) << 30, "256m",
                  "file cache size shared by the workers"),
};

static int http_check(struct lr_config *cfg, void *sec, char *why, size_t wl)
{
    H *hc = sec;

    /* A load generator serves nothing unless its file says so: in client
     * mode the server is off unless "enabled" is given explicitly. */
    if (lr_config_section_present(cfg, "client") &&
        !lr_config_key_given(cfg, &lr_http_config_section, "enabled"))
        hc->enabled = false;
    /* One port is plain HTTP or HTTPS, never both: the first bytes of a
     * connection do not say which (RFC 9110 §4.2.2: https is its own port). */
    for (unsigned i = 0; i < hc->nb_tls_listen; i++)
        for (unsigned j = 0; j < hc->nb_listen; j++)
            if (hc->tls_listen[i] == hc->listen[j]) {
                snprintf(why, wl, "[http] tls_listen: port %u is also in [http] listen",
                         hc->tls_listen[i]);
                return -EINVAL;
            }
    if (hc->max_uri_bytes > hc->max_header_bytes) {
        snprintf(why, wl, "[http] max_uri_bytes: %u is above max_header_bytes %u",
                 hc->max_uri_bytes, hc->max_header_bytes);
        return -EINVAL;
    }
    return 0;
}

static int http_paths(const struct lr_config *cfg, const void *sec, char *err, size_t errlen)
{
    const H *hc = sec;

    if (!hc->enabled)
        return 0;
    return lr_config_check_path(cfg, "[http] root", hc->root, LR_CFG_DIR_READ, err, errlen);
}

const struct lr_config_section lr_http_config_section = {
    .name = "http",
    .help = "HTTP/1.1 static file server",
    .size = sizeof(H),
    .keys = http_keys,
    .nb_keys = RTE_DIM(http_keys),
    .check = http_check,
    .paths = http_paths,
};

LR_CONFIG_ACCESSOR(lr_http_conf, struct lr_http_config, lr_http_config_section)
