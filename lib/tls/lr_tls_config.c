/* SPDX-License-Identifier: BSD-3-Clause */
/* [tls] section (lr_tls_config.h): the key table and its rules. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>

#include "lr_tls.h"
#include "lr_tls_config.h"

#define T struct lr_tls_config

static int check_version(const char *val, char *why, size_t wl)
{
    if (lr_tls_version_parse(val) == 0) {
        snprintf(why, wl, "'%s' is not a TLS version this server speaks (1.2 or 1.3)", val);
        return -EINVAL;
    }
    return 0;
}

static const struct lr_config_key tls_keys[] = {
    LR_CONFIG_KEY(T, "cert", cert, LR_CFG_STR, 0, 0, "",
                  "PEM certificate files (leaf then chain), comma-separated, relative to the "
                  "config file's directory; empty = a self-signed one generated at start"),
    LR_CONFIG_KEY(T, "key", key, LR_CFG_STR, 0, 0, "",
                  "PEM private key files, one per cert, in the same order"),
    { "min_version", LR_CFG_STR, offsetof(T, min_version), sizeof(((T *)0)->min_version), 1, 0,
      "1.2", "lowest protocol version (1.2 or 1.3)", NULL, check_version },
    { "max_version", LR_CFG_STR, offsetof(T, max_version), sizeof(((T *)0)->max_version), 1, 0,
      "1.3", "highest protocol version (1.2 or 1.3)", NULL, check_version },
    LR_CONFIG_KEY(T, "ciphers", ciphers, LR_CFG_STR, 1, 0, LR_TLS_DEFAULT_CIPHERS,
                  "TLS 1.2 cipher list (OpenSSL syntax)"),
    LR_CONFIG_KEY(T, "ciphersuites", ciphersuites, LR_CFG_STR, 0, 0, "",
                  "TLS 1.3 cipher suites (OpenSSL syntax); empty = OpenSSL's default"),
    LR_CONFIG_KEY(T, "groups", groups, LR_CFG_STR, 1, 0, LR_TLS_DEFAULT_GROUPS,
                  "key-exchange groups in order of preference"),
    LR_CONFIG_KEY(T, "alpn", alpn, LR_CFG_STR, 0, 0, LR_TLS_DEFAULT_ALPN,
                  "application protocols offered (RFC 7301), comma-separated; empty = none"),
    LR_CONFIG_KEY(T, "handshake_timeout", handshake_timeout, LR_CFG_TIME, 0, UINT64_C(3600000000),
                  "10s", "a handshake not done by then fails; 0 = none"),
    LR_CONFIG_KEY(T, "max_handshakes", max_handshakes, LR_CFG_UINT, 1, 1u << 24, "1024",
                  "handshakes in progress per worker; more are refused with RST"),
    LR_CONFIG_KEY(T, "max_sessions", max_sessions, LR_CFG_UINT, 0, 1u << 24, "0",
                  "TLS connections per worker; 0 = what the TLS users need: [tcp] max_conns with "
                  "[http] tls_listen or a TLS client, 4 per [ftp] max_sessions for FTPS alone"),
    LR_CONFIG_KEY(T, "handshake_budget", handshake_budget, LR_CFG_UINT, 0, 1u << 20, "16",
                  "handshake steps per poll loop per worker (a flood waits, established "
                  "connections keep the CPU); 0 = no limit"),
    LR_CONFIG_KEY(T, "ticket_rotate", ticket_rotate, LR_CFG_TIME, 0, UINT64_C(604800000000), "1h",
                  "session ticket key rotation period; a ticket stays valid for two periods; "
                  "0 = never rotate"),
};

/* The configuration file's directory, absolute (the base of LR_CFG_PATH
 * keys): the cwd when the configuration has no file name. */
static int config_dir(const struct lr_config *cfg, char *dir, size_t len)
{
    char cwd[LR_PATH_MAX];
    const char *slash = strrchr(cfg->path, '/');
    int n;

    if (getcwd(cwd, sizeof(cwd)) == NULL)
        snprintf(cwd, sizeof(cwd), "/");
    if (slash == NULL)
        n = snprintf(dir, len, "%s", cwd);
    else if (cfg->path[0] == '/')
        n = snprintf(dir, len, "%.*s", slash == cfg->path ? 1 : (int)(slash - cfg->path),
                     cfg->path);
    else
        n = snprintf(dir, len, "%s/%.*s", cwd, (int)(slash - cfg->path), cfg->path);
    return n >= 0 && (size_t)n < len ? 0 : -ENAMETOOLONG;
}

/* Make every item of a comma-separated list of paths absolute against the
 * configuration file's directory (like LR_CFG_PATH for one path). */
static int resolve_list(const struct lr_config *cfg, const char *what, char *list, size_t cap,
                        char *why, size_t wl)
{
    char tmp[LR_TLS_FILES_MAX];
    char *items[LR_TLS_PAIRS_MAX];
    char reason[128];
    if (list[strspn(list, " \t")] == '\0') {
        list[0] = '\0';
        return 0;
    }
    int n = lr_config_split_list(list, tmp, sizeof(tmp), items, (int)RTE_DIM(items), "file", reason,
                                 sizeof(reason));
    if (n < 0) {
        snprintf(why, wl, "[tls] %s: %s", what, reason);
        return n;
    }
    for (int i = 0; i < n; i++)
        if (items[i][0] == '\0') {
            snprintf(why, wl, "[tls] %s: an empty file name in the list", what);
            return -EINVAL;
        }
    char dir[LR_PATH_MAX];
    if (config_dir(cfg, dir, sizeof(dir)) != 0) {
        snprintf(why, wl, "[tls] %s: the configuration file's directory name is too long", what);
        return -EINVAL;
    }
    char out[LR_TLS_FILES_MAX];
    size_t len = 0;
    for (int i = 0; i < n; i++) {
        int k =
            items[i][0] == '/'
                ? snprintf(out + len, sizeof(out) - len, "%s%s", i ? "," : "", items[i])
                : snprintf(out + len, sizeof(out) - len, "%s%s/%s", i ? "," : "", dir, items[i]);
        if (k < 0 || (size_t)k >= sizeof(out) - len) {
            snprintf(why, wl, "[tls] %s: the list is too long", what);
            return -EINVAL;
        }
        len += (size_t)k;
    }
    if (len >= cap) {
        snprintf(why, wl, "[tls] %s: the list is too long", what);
        return -EINVAL;
    }
    memcpy(list, out, len + 1);
    return n;
}

static int tls_check(struct lr_config *cfg, void *sec, char *why, size_t wl)
{
    T *t = sec;
    if (lr_tls_version_parse(t->min_version) > lr_tls_version_parse(t->max_version)) {
        snprintf(why, wl, "[tls] min_version: %s is above max_version %s", t->min_version,
                 t->max_version);
        return -EINVAL;
    }
    /* A session per TLS connection: more than TCP can hold is memory never used. */
    if (t->max_sessions > cfg->tcp.max_conns) {
        snprintf(why, wl, "[tls] max_sessions: %u is above [tcp] max_conns %u", t->max_sessions,
                 cfg->tcp.max_conns);
        return -EINVAL;
    }
    int nc = resolve_list(cfg, "cert", t->cert, sizeof(t->cert), why, wl);
    if (nc < 0)
        return nc;
    int nk = resolve_list(cfg, "key", t->key, sizeof(t->key), why, wl);
    if (nk < 0)
        return nk;
    if (nc != nk) {
        snprintf(why, wl, "[tls] key: %d key file(s) for %d certificate file(s)", nk, nc);
        return -EINVAL;
    }
    return 0;
}

static int tls_paths(const struct lr_config *cfg, const void *sec, char *err, size_t errlen)
{
    const T *t = sec;
    const char *lists[2] = { t->cert, t->key };
    const char *what[2] = { "[tls] cert", "[tls] key" };
    for (unsigned l = 0; l < 2; l++) {
        char tmp[LR_TLS_FILES_MAX];
        char *items[LR_TLS_PAIRS_MAX];
        char why[128];
        if (lists[l][0] == '\0')
            continue;
        int n = lr_config_split_list(lists[l], tmp, sizeof(tmp), items, (int)RTE_DIM(items), "file",
                                     why, sizeof(why));
        for (int i = 0; i < n; i++) {
            int rc = lr_config_check_path(cfg, what[l], items[i], LR_CFG_FILE_READ, err, errlen);
            if (rc < 0)
                return rc;
        }
    }
    return 0;
}

const struct lr_config_section lr_tls_config_section = {
    .name = "tls",
    .help = "TLS 1.2/1.3 for the servers (HTTPS on [http] tls_listen, FTPS) and client mode",
    .size = sizeof(T),
    .keys = tls_keys,
    .nb_keys = RTE_DIM(tls_keys),
    .check = tls_check,
    .paths = tls_paths,
};

LR_CONFIG_ACCESSOR(lr_tls_conf, struct lr_tls_config, lr_tls_config_section)
