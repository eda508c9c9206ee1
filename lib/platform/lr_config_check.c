/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration checks (see lr_config_priv.h for the other lr_config*.c
 * files).
 *
 * Rules across keys and modules (lr_cfg_check()): ports numbered without gaps
 * with distinct subnets and gateways inside them, consistent TCP timer
 * bounds, services that do not clash on a port or with the FTP passive
 * range, client mode defaults and its required target. The loader runs them
 * after every key was applied, so they judge the text like any other key
 * and report in the same "FILE: [section] key: reason" form.
 *
 * Filesystem checks of a loaded configuration (see lr_config_check_paths()
 * in lr_config.h). Whether a document root or a users file exists is a
 * property of the machine the file is used on, so it is checked separately,
 * by --check and before a start (not by every test that loads a
 * configuration string). A missing path is still a configuration error: it
 * gets exit status 2 and the same "FILE: [section] key: reason" line,
 * instead of a start that fails later with a message naming no file.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_string_fns.h>

#include "lr_config_priv.h"

/* ------------------------------------------------------------------------ */
/* Rules across keys and modules                                             */

/* FTP and TFTP serve the HTTP root unless told otherwise. */
void lr_cfg_roots_default(struct lr_config *cfg)
{
    if (cfg->ftp.root[0] == '\0')
        rte_strscpy(cfg->ftp.root, cfg->http.root, sizeof(cfg->ftp.root));
    if (cfg->tftp.root[0] == '\0')
        rte_strscpy(cfg->tftp.root, cfg->http.root, sizeof(cfg->tftp.root));
}

static bool key_given(const struct cfg_ctx *c, enum cfg_sec sec, unsigned port, const char *name)
{
    unsigned ki = lr_cfg_key_index(sec, name);
    return ki < CFG_NB_KEYS ? c->set[port][ki] : false;
}

static const char *ip_str(rte_be32_t a, char *buf, size_t len)
{
    uint32_t h = rte_be_to_cpu_32(a);
    snprintf(buf, len, "%u.%u.%u.%u", h >> 24, (h >> 16) & 255, (h >> 8) & 255, h & 255);
    return buf;
}

static uint32_t prefix_mask(uint8_t prefix)
{
    return prefix == 0 ? 0 : ~0u << (32 - prefix);
}

struct svc_port {
    const char *what;
    uint16_t port;
};

int lr_cfg_check(struct cfg_ctx *c)
{
    struct lr_config *cfg = c->cfg;
    char a[16], b[16], t1[32], t2[32];

    /* Ports: numbered from 0 without gaps, addr required, distinct subnets. */
    int highest = -1;
    for (int p = 0; p < LR_MAX_PORTS; p++)
        if (cfg->port[p].present)
            highest = p;
    if (highest < 0)
        return lr_cfg_error(c, "[port0]: missing (at least one port is required)");
    cfg->nb_ports = (uint16_t)(highest + 1);
    for (unsigned p = 0; p < cfg->nb_ports; p++) {
        struct lr_port_config *pc = &cfg->port[p];
        if (!pc->present)
            return lr_cfg_error(c, "[port%u]: missing (ports are numbered from 0 without gaps)", p);
        if (!key_given(c, SEC_PORT, p, "addr"))
            return lr_cfg_error(c, "[port%u] addr: missing (required)", p);
        uint32_t mask = prefix_mask(pc->prefix);
        uint32_t net = rte_be_to_cpu_32(pc->addr) & mask;
        if (pc->gateway != 0) {
            uint32_t g = rte_be_to_cpu_32(pc->gateway);
            if ((g & mask) != net || pc->gateway == pc->addr)
                return lr_cfg_error(c, "[port%u] gateway: %s is not another host of %s/%u", p,
                                    ip_str(pc->gateway, a, sizeof(a)),
                                    ip_str(pc->addr, b, sizeof(b)), pc->prefix);
        }
        for (unsigned q = 0; q < p; q++) {
            const struct lr_port_config *qc = &cfg->port[q];
            uint32_t m = prefix_mask(RTE_MIN(pc->prefix, qc->prefix));
            if ((rte_be_to_cpu_32(pc->addr) & m) == (rte_be_to_cpu_32(qc->addr) & m))
                return lr_cfg_error(c, "[port%u] addr: %s/%u overlaps the subnet of [port%u] %s/%u",
                                    p, ip_str(pc->addr, a, sizeof(a)), pc->prefix, q,
                                    ip_str(qc->addr, b, sizeof(b)), qc->prefix);
        }
    }

    /* TCP timers: RFC 6298 §2 bounds must be consistent. */
    struct lr_tcp_config *tc = &cfg->tcp;
    if (tc->rto_min > tc->rto_max)
        return lr_cfg_error(c, "[tcp] rto_min: %s is above rto_max %s",
                            lr_cfg_fmt_time(tc->rto_min, t1, sizeof(t1)),
                            lr_cfg_fmt_time(tc->rto_max, t2, sizeof(t2)));
    if (tc->rto_initial < tc->rto_min || tc->rto_initial > tc->rto_max)
        return lr_cfg_error(c, "[tcp] rto_initial: %s is outside rto_min-rto_max (%s-%s)",
                            lr_cfg_fmt_time(tc->rto_initial, a, sizeof(a)),
                            lr_cfg_fmt_time(tc->rto_min, t1, sizeof(t1)),
                            lr_cfg_fmt_time(tc->rto_max, t2, sizeof(t2)));
    if (tc->echo_port != 0 && tc->echo_port == tc->discard_port)
        return lr_cfg_error(c, "[tcp] discard_port: %u is also the echo_port", tc->discard_port);

    /* A load generator serves nothing unless its file says so: in client mode
     * the HTTP and FTP servers are off unless "enabled" is given explicitly. */
    if (cfg->client.enabled) {
        if (!key_given(c, SEC_HTTP, 0, "enabled"))
            cfg->http.enabled = false;
        if (!key_given(c, SEC_FTP, 0, "enabled"))
            cfg->ftp.enabled = false;
    }

    struct lr_http_config *hc = &cfg->http;
    if (hc->max_uri_bytes > hc->max_header_bytes)
        return lr_cfg_error(c, "[http] max_uri_bytes: %u is above max_header_bytes %u",
                            hc->max_uri_bytes, hc->max_header_bytes);

    struct lr_ftp_config *fc = &cfg->ftp;
    lr_cfg_roots_default(cfg);
    if (fc->enabled && !fc->anonymous && fc->users[0] == '\0')
        return lr_cfg_error(c, "[ftp] users: missing (anonymous = no and no users file: nobody "
                               "could log in)");

    /* One TCP port, one service. */
    struct svc_port tcp_ports[LR_MAX_LISTEN + 5];
    unsigned nt = 0;
    if (hc->enabled)
        for (unsigned i = 0; i < hc->nb_listen; i++)
            tcp_ports[nt++] = (struct svc_port){ "[http] listen", hc->listen[i] };
    if (fc->enabled)
        tcp_ports[nt++] = (struct svc_port){ "[ftp] listen", fc->listen };
    if (tc->echo_port != 0)
        tcp_ports[nt++] = (struct svc_port){ "[tcp] echo_port", tc->echo_port };
    if (tc->discard_port != 0)
        tcp_ports[nt++] = (struct svc_port){ "[tcp] discard_port", tc->discard_port };
    if (cfg->metrics.listen != 0)
        tcp_ports[nt++] = (struct svc_port){ "[metrics] listen", cfg->metrics.listen };
    for (unsigned i = 0; i < nt; i++) {
        for (unsigned j = 0; j < i; j++)
            if (tcp_ports[i].port == tcp_ports[j].port)
                return lr_cfg_error(c, "%s: port %u is also used by %s", tcp_ports[i].what,
                                    tcp_ports[i].port, tcp_ports[j].what);
        if (fc->enabled && tcp_ports[i].port >= fc->pasv_min && tcp_ports[i].port <= fc->pasv_max)
            return lr_cfg_error(c, "[ftp] pasv_ports: %u-%u includes port %u of %s", fc->pasv_min,
                                fc->pasv_max, tcp_ports[i].port, tcp_ports[i].what);
    }
    if (cfg->udp.echo_port != 0 && cfg->udp.echo_port == cfg->tftp.listen)
        return lr_cfg_error(c, "[tftp] listen: port %u is also the [udp] echo_port",
                            cfg->tftp.listen);

    /* Client mode needs somewhere to go. */
    if (cfg->client.enabled && !key_given(c, SEC_CLIENT, 0, "target"))
        return lr_cfg_error(c, "[client] target: missing (required in client mode)");
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Paths the enabled services use                                            */

struct path_ctx {
    const struct lr_config *cfg;
    char *err;
    size_t errlen;
};

static int path_error(struct path_ctx *c, int e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int path_error(struct path_ctx *c, int e, const char *fmt, ...)
{
    if (c->err != NULL && c->errlen > 0) {
        int n = snprintf(c->err, c->errlen, "%s: ", c->cfg->path[0] ? c->cfg->path : "(config)");
        if (n > 0 && (size_t)n < c->errlen) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    return -e;
}

enum path_kind {
    PK_DIR_READ,  /* a directory we list and read */
    PK_DIR_WRITE, /* a directory we create files in */
    PK_FILE_READ, /* a regular file we read */
};

/* @what is "[section] key"; @path the absolute path to check. */
static int check_one(struct path_ctx *c, const char *what, const char *path, enum path_kind kind)
{
    struct stat st;

    if (stat(path, &st) != 0) {
        int e = errno;
        return path_error(c, e, "%s: %s: %s", what, path,
                          e == ENOENT ? "does not exist" : strerror(e));
    }
    bool dir = kind != PK_FILE_READ;
    if (dir && !S_ISDIR(st.st_mode))
        return path_error(c, ENOTDIR, "%s: %s: not a directory", what, path);
    if (!dir && !S_ISREG(st.st_mode))
        return path_error(c, EINVAL, "%s: %s: not a regular file", what, path);
    int mode = kind == PK_FILE_READ ? R_OK : kind == PK_DIR_READ ? R_OK | X_OK : W_OK | X_OK;
    if (access(path, mode) != 0) {
        int e = errno;
        return path_error(c, e, "%s: %s: %s", what, path,
                          kind == PK_DIR_WRITE ? "not writable" : "not readable");
    }
    return 0;
}

int lr_config_check_paths(const struct lr_config *cfg, char *err, size_t errlen)
{
    struct path_ctx c = { cfg, err, errlen };
    int rc;

    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (cfg == NULL)
        return -EINVAL;
    if (cfg->http.enabled && (rc = check_one(&c, "[http] root", cfg->http.root, PK_DIR_READ)) != 0)
        return rc;
    if (cfg->ftp.enabled) {
        /* The root may be inherited from [http] (lr_cfg_roots_default): name the key it came from. */
        if ((rc = check_one(&c, "[ftp] root", cfg->ftp.root, PK_DIR_READ)) != 0)
            return rc;
        if (cfg->ftp.users[0] != '\0' &&
            (rc = check_one(&c, "[ftp] users", cfg->ftp.users, PK_FILE_READ)) != 0)
            return rc;
        if (cfg->ftp.upload_dir[0] != '\0') {
            /* T_SUBDIR: relative to the FTP root, without "..". */
            char up[2 * LR_PATH_MAX + 2];
            const char *sub = cfg->ftp.upload_dir;
            while (*sub == '/')
                sub++;
            size_t rl = strlen(cfg->ftp.root);
            bool slash = rl > 0 && cfg->ftp.root[rl - 1] == '/';
            snprintf(up, sizeof(up), "%s%s%s", cfg->ftp.root, slash ? "" : "/", sub);
            if ((rc = check_one(&c, "[ftp] upload_dir", up, PK_DIR_WRITE)) != 0)
                return rc;
        }
    }
    if (cfg->tftp.listen != 0 &&
        (rc = check_one(&c, "[tftp] root", cfg->tftp.root, PK_DIR_READ)) != 0)
        return rc;
    return 0;
}
