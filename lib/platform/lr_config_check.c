/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration checks (see lr_config_priv.h for the other lr_config*.c
 * files).
 *
 * Rules across keys of the core sections (lr_cfg_check()): ports numbered
 * without gaps with distinct subnets and gateways inside them, consistent
 * TCP timer bounds. Module sections bring their own rules (struct
 * lr_config_section.check, run next), and services that clash on a port
 * are found by the runtime from the modules' port claims
 * (lr_runtime_config_load()). The loader runs them after every key was
 * applied, so they judge the text like any other key and report in the
 * same "FILE: [section] key: reason" form.
 *
 * Filesystem checks of a loaded configuration (see lr_config_check_paths()
 * in lr_config.h): each module section's paths hook, with
 * lr_config_check_path() for each path. Whether a document root or a users file exists is a
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

    /* Modules' rules run next, from their sections' check hooks. */
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Paths the enabled services use                                            */

static int path_error(const struct lr_config *cfg, char *err, size_t errlen, int e, const char *fmt,
                      ...) __attribute__((format(printf, 5, 6)));

static int path_error(const struct lr_config *cfg, char *err, size_t errlen, int e, const char *fmt,
                      ...)
{
    if (err != NULL && errlen > 0) {
        int n = snprintf(err, errlen, "%s: ", cfg->path[0] ? cfg->path : "(config)");
        if (n > 0 && (size_t)n < errlen) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    return -e;
}

int lr_config_check_path(const struct lr_config *cfg, const char *what, const char *path,
                         enum lr_config_path_kind kind, char *err, size_t errlen)
{
    struct stat st;

    if (stat(path, &st) != 0) {
        int e = errno;
        return path_error(cfg, err, errlen, e, "%s: %s: %s", what, path,
                          e == ENOENT ? "does not exist" : strerror(e));
    }
    bool dir = kind != LR_CFG_FILE_READ;
    if (dir && !S_ISDIR(st.st_mode))
        return path_error(cfg, err, errlen, ENOTDIR, "%s: %s: not a directory", what, path);
    if (!dir && !S_ISREG(st.st_mode))
        return path_error(cfg, err, errlen, EINVAL, "%s: %s: not a regular file", what, path);
    int mode = kind == LR_CFG_FILE_READ  ? R_OK
               : kind == LR_CFG_DIR_READ ? R_OK | X_OK
                                         : W_OK | X_OK;
    if (access(path, mode) != 0) {
        int e = errno;
        return path_error(cfg, err, errlen, e, "%s: %s: %s", what, path,
                          kind == LR_CFG_DIR_WRITE ? "not writable" : "not readable");
    }
    return 0;
}

int lr_config_check_paths(const struct lr_config *cfg, char *err, size_t errlen)
{
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (cfg == NULL)
        return -EINVAL;
    for (unsigned m = 0; m < cfg->nb_mod; m++) {
        const struct lr_config_section *d = cfg->mod[m].def;
        int rc;
        if (d->paths != NULL &&
            (rc = d->paths(cfg, cfg->arena + cfg->mod[m].off, err, errlen)) != 0)
            return rc;
    }
    return 0;
}
