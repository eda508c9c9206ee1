/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration loader internals shared by lr_config*.c. Not part of the
 * public API (that is lr_config.h).
 *
 * Files:
 *   lr_config.c         the engine: text checks, rte_cfgfile parsing,
 *                       section lookup, key application (key_parse), path
 *                       resolution, lr_config_load*(), _defaults(), _help()
 *   lr_config_keys.c    the section and key tables (every key, its type,
 *                       field, bounds, default and help)
 *   lr_config_values.c  value parsers (lr_parse_*()), formatting of times,
 *                       sizes and ranges for messages and help
 *   lr_config_check.c   rules across keys (lr_cfg_check(), run by
 *                       the loader) and the filesystem checks
 *                       (lr_config_check_paths(), run by --check and at start)
 */
#ifndef LR_CONFIG_PRIV_H
#define LR_CONFIG_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>

#include "lr_config.h"

enum cfg_sec {
    SEC_PORT,
    SEC_WORKER,
    SEC_ARP,
    SEC_IP,
    SEC_FAULT,
    SEC_STATS,
    SEC_TCP,
    SEC_HTTP,
    SEC_FTP,
    SEC_UDP,
    SEC_TFTP,
    SEC_CLIENT,
    SEC_METRICS,
    SEC_MAX,
};

struct cfg_section {
    const char *name;
    size_t off; /* of the section struct in struct lr_config */
    const char *help;
};

enum cfg_type {
    T_UINT,      /* plain decimal integer */
    T_SIZE,      /* bytes, k/m/g suffixes */
    T_TIME,      /* microseconds, us/ms/s/m/h suffixes */
    T_BOOL,      /* bool */
    T_PERCENT,   /* double in [0, 100] */
    T_IPV4,      /* rte_be32_t, empty = 0 */
    T_STR,       /* char[], printable, min = minimum length */
    T_PATH,      /* char[LR_PATH_MAX], resolved against the config directory */
    T_SUBDIR,    /* char[LR_PATH_MAX], relative path without "..", empty = off */
    T_PORT_ADDR, /* [portN] addr: a.b.c.d/n into addr + prefix */
    T_ARP_LIST,  /* [portN] arp: "IP MAC, IP MAC" */
    T_PASV,      /* [ftp] pasv_ports: "A-B" */
    T_LISTEN,    /* [http] listen: comma list of ports */
    T_TARGETS,   /* [client] target: comma list of ip:port */
    T_URLS,      /* [client] path: comma list of /paths */
    T_SRC_RANGE, /* [client] source_addrs: "A-B" or "A" */
    T_CC,        /* [tcp] cc: newreno|cubic */
    T_PREFIXES,  /* [metrics] allow: comma list of a.b.c.d/n */
};

struct cfg_key {
    enum cfg_sec sec;
    const char *name;
    enum cfg_type type;
    size_t off;  /* of the field in the section struct */
    size_t size; /* of the field */
    uint64_t min, max;
    const char *def; /* NULL: no default (required, or set by other rules) */
    const char *help;
};

/* Rows of the key table (a static assertion in lr_config_keys.c checks it). */
#define CFG_NB_KEYS 102

/* lr_config_keys.c */

/** The section table, SEC_MAX rows in enum cfg_sec order. */
const struct cfg_section *lr_cfg_section_table(void);

/** The key table, CFG_NB_KEYS rows, grouped by section in enum cfg_sec order. */
const struct cfg_key *lr_cfg_key_table(void);

/** Index of key @name of section @sec in lr_cfg_key_table(), or CFG_NB_KEYS. */
unsigned lr_cfg_key_index(enum cfg_sec sec, const char *name);

/* lr_config.c */

/* Loader state. */
struct cfg_ctx {
    struct lr_config *cfg;
    const char *name; /* file name for messages */
    char basedir[LR_PATH_MAX];
    char *err;
    size_t errlen;
    /* Which keys were given, per port for [portN] keys. */
    bool set[LR_MAX_PORTS][CFG_NB_KEYS];
    bool sec_seen[SEC_MAX];
};

/** "NAME: " + the formatted text into the context's error buffer; always -EINVAL. */
int lr_cfg_error(struct cfg_ctx *c, const char *fmt, ...) __rte_format_printf(2, 3);

/* lr_config_values.c */

/** Strict unsigned decimal (digits only): 0, -EINVAL, or -ERANGE on overflow. */
int lr_cfg_parse_uint(const char *s, uint64_t *out);

/** @us as the shortest exact text with a unit ("0", "200ms", "60s", "1h"). */
const char *lr_cfg_fmt_time(uint64_t us, char *buf, size_t len);

/** "min-max" of a T_UINT, T_SIZE or T_TIME key, "" for other types. */
const char *lr_cfg_fmt_range(const struct cfg_key *k, char *buf, size_t len);

/* lr_config_check.c */

/** Rules that involve more than one key, after every key was applied. 0 or -EINVAL. */
int lr_cfg_check(struct cfg_ctx *c);

/** FTP and TFTP serve the HTTP root unless told otherwise. */
void lr_cfg_roots_default(struct lr_config *cfg);

#endif /* LR_CONFIG_PRIV_H */
