/* SPDX-License-Identifier: BSD-3-Clause */
/* [ftp] section (lr_ftp_config.h): the key table and its rules. */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <rte_common.h>
#include <rte_string_fns.h>

#include "lr_ftp_config.h"
#include "lr_http_config.h"

#define FT struct lr_ftp_config

static int port_number(const char *s, const struct lr_config_key *k, uint16_t *out)
{
    uint64_t v;

    if (lr_parse_uint(s, &v) != 0 || v < k->min || v > k->max)
        return -EINVAL;
    *out = (uint16_t)v;
    return 0;
}

/* pasv_ports = "first-last" within [min, max] of the key. */
static int parse_pasv(void *sec, const struct lr_config_key *k, const char *val, char *why,
                      size_t wl)
{
    FT *fc = sec;
    char tmp[512]; /* values are shorter (CFG_VALUE_LEN) */
    uint16_t lo, hi;

    if (strchr(val, '-') == NULL) {
        snprintf(why, wl, "'%s' is not a port range first-last (e.g. 50000-50999)", val);
        return -EINVAL;
    }
    rte_strscpy(tmp, val, sizeof(tmp));
    char *dash = strchr(tmp, '-');
    *dash = '\0';
    if (port_number(tmp, k, &lo) != 0 || port_number(dash + 1, k, &hi) != 0) {
        snprintf(why, wl, "'%s' is not a port range first-last within %" PRIu64 "-%" PRIu64, val,
                 k->min, k->max);
        return -EINVAL;
    }
    if (lo > hi) {
        snprintf(why, wl, "'%s': the first port is above the last", val);
        return -EINVAL;
    }
    fc->pasv_min = lo;
    fc->pasv_max = hi;
    return 0;
}

/* tls = off | allow | require (enum lr_ftp_tls_mode), case-insensitive. */
static int parse_tls(void *sec, const struct lr_config_key *k, const char *val, char *why,
                     size_t wl)
{
    uint8_t *field = (uint8_t *)sec + k->off;

    if (strcasecmp(val, "off") == 0)
        *field = LR_FTP_TLS_OFF;
    else if (strcasecmp(val, "allow") == 0)
        *field = LR_FTP_TLS_ALLOW;
    else if (strcasecmp(val, "require") == 0)
        *field = LR_FTP_TLS_REQUIRE;
    else {
        snprintf(why, wl, "'%s' is not a TLS mode (off, allow or require)", val);
        return -EINVAL;
    }
    return 0;
}

static const struct lr_config_key ftp_keys[] = {
    LR_CONFIG_KEY(FT, "enabled", enabled, LR_CFG_BOOL, 0, 0, "yes", "serve FTP"),
    LR_CONFIG_KEY(FT, "listen", listen, LR_CFG_UINT, 1, 65535, "21", "control connection port"),
    LR_CONFIG_KEY(FT, "root", root, LR_CFG_PATH, 0, 0, "",
                  "FTP root, relative to the config file's directory; empty = the HTTP root"),
    LR_CONFIG_KEY(FT, "upload_dir", upload_dir, LR_CFG_SUBDIR, 0, 0, "",
                  "directory under the root where STOR is allowed; empty = uploads off"),
    LR_CONFIG_KEY(FT, "max_upload_bytes", max_upload_bytes, LR_CFG_SIZE, 0, UINT64_C(1024) << 30,
                  "64m", "largest accepted upload"),
    { "pasv_ports", LR_CFG_CUSTOM, 0, 0, 1024, 65535, "50000-50999",
      "passive data port range, first-last", parse_pasv, NULL },
    LR_CONFIG_KEY(FT, "pasv_address", pasv_address, LR_CFG_IPV4, 0, 0, "",
                  "address announced in PASV replies; empty = the port's own"),
    LR_CONFIG_KEY(FT, "active_from_port_20", active_from_port_20, LR_CFG_BOOL, 0, 0, "no",
                  "active-mode data connections from port 20 (RFC 959 §3.2) instead of an "
                  "ephemeral port"),
    LR_CONFIG_KEY(FT, "anonymous", anonymous, LR_CFG_BOOL, 0, 0, "yes",
                  "allow USER anonymous/ftp (RFC 1635)"),
    LR_CONFIG_KEY(FT, "users", users, LR_CFG_PATH, 0, 0, "",
                  "user:crypt-hash file (see lr-ftp-passwd); empty = none"),
    LR_CONFIG_KEY(FT, "idle_timeout", idle_timeout, LR_CFG_TIME, 1000000, UINT64_C(86400000000),
                  "300s", "idle control connections are closed (421) after this"),
    LR_CONFIG_KEY(FT, "max_sessions", max_sessions, LR_CFG_UINT, 1, 65536, "256",
                  "FTP sessions per worker"),
    { "tls", LR_CFG_CUSTOM, offsetof(FT, tls), sizeof(((FT *)0)->tls), 0, 0, "allow",
      "explicit FTPS (RFC 4217 AUTH TLS): off, allow (plain FTP too) or require (TLS before "
      "USER, protected data connections)",
      parse_tls, NULL },
};

static int ftp_check(struct lr_config *cfg, void *sec, char *why, size_t wl)
{
    FT *fc = sec;

    /* Client mode: off unless "enabled" is given (as [http]). */
    if (lr_config_section_present(cfg, "client") &&
        !lr_config_key_given(cfg, &lr_ftp_config_section, "enabled"))
        fc->enabled = false;
    /* FTP serves the HTTP root unless told otherwise. */
    if (fc->root[0] == '\0')
        rte_strscpy(fc->root, lr_http_conf(cfg)->root, sizeof(fc->root));
    if (fc->enabled && !fc->anonymous && fc->users[0] == '\0') {
        snprintf(why, wl,
                 "[ftp] users: missing (anonymous = no and no users file: nobody could "
                 "log in)");
        return -EINVAL;
    }
    return 0;
}

static int ftp_paths(const struct lr_config *cfg, const void *sec, char *err, size_t errlen)
{
    const FT *fc = sec;
    int rc;

    if (!fc->enabled)
        return 0;
    /* The root may be inherited from [http]: name the key it came from. */
    if ((rc = lr_config_check_path(cfg, "[ftp] root", fc->root, LR_CFG_DIR_READ, err, errlen)) != 0)
        return rc;
    if (fc->users[0] != '\0' && (rc = lr_config_check_path(cfg, "[ftp] users", fc->users,
                                                           LR_CFG_FILE_READ, err, errlen)) != 0)
        return rc;
    if (fc->upload_dir[0] != '\0') {
        /* LR_CFG_SUBDIR: relative to the FTP root, without "..". */
        char up[2 * LR_PATH_MAX + 2];
        const char *sub = fc->upload_dir;
        while (*sub == '/')
            sub++;
        size_t rl = strlen(fc->root);
        bool slash = rl > 0 && fc->root[rl - 1] == '/';
        snprintf(up, sizeof(up), "%s%s%s", fc->root, slash ? "" : "/", sub);
        if ((rc = lr_config_check_path(cfg, "[ftp] upload_dir", up, LR_CFG_DIR_WRITE, err,
                                       errlen)) != 0)
            return rc;
    }
    return 0;
}

const struct lr_config_section lr_ftp_config_section = {
    .name = "ftp",
    .help = "FTP server (RFC 959)",
    .size = sizeof(FT),
    .keys = ftp_keys,
    .nb_keys = RTE_DIM(ftp_keys),
    .check = ftp_check,
    .paths = ftp_paths,
};

LR_CONFIG_ACCESSOR(lr_ftp_conf, struct lr_ftp_config, lr_ftp_config_section)
