/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration loader internals shared by lr_config*.c. Not part of the
 * public API (that is lr_config.h).
 *
 * Files:
 *   lr_config.c         the engine: text checks, rte_cfgfile parsing,
 *                       section lookup, key application (key_parse), path
 *                       resolution, lr_config_load*(), _defaults(), _help()
 *   lr_config_keys.c    the core section and key tables (every key, its
 *                       type, field, bounds, default and help); modules
 *                       keep the tables of their own sections
 *   lr_config_values.c  value parsers (lr_parse_*()), formatting of times,
 *                       sizes and ranges for messages and help
 *   lr_config_check.c   rules across core keys (lr_cfg_check(), run by the
 *                       loader before the module sections' check hooks) and
 *                       the filesystem checks (lr_config_check_path*(), run
 *                       by --check and at start)
 */
#ifndef LR_CONFIG_PRIV_H
#define LR_CONFIG_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>

#include "lr_config.h"

/* The core sections (fields of struct lr_config); module sections follow
 * them in struct lr_config.mod[]. */
enum cfg_sec {
    SEC_PORT,
    SEC_WORKER,
    SEC_ARP,
    SEC_IP,
    SEC_FAULT,
    SEC_STATS,
    SEC_TCP,
    SEC_UDP,
    SEC_MAX,
};

struct cfg_section {
    const char *name;
    size_t off; /* of the section struct in struct lr_config */
    const char *help;
};

/* A row of the core key table: the section and the key. */
struct cfg_key {
    enum cfg_sec sec;
    struct lr_config_key k;
};

/* Rows of the core key table (a static assertion in lr_config_keys.c checks it). */
#define CFG_NB_KEYS 62

/* Parsers of the core sections' own value types (lr_config_values.c). */
int lr_cfg_parse_port_addr(void *sec, const struct lr_config_key *k, const char *val, char *why,
                           size_t wl);
int lr_cfg_parse_arp_list(void *sec, const struct lr_config_key *k, const char *val, char *why,
                          size_t wl);
int lr_cfg_parse_cc(void *sec, const struct lr_config_key *k, const char *val, char *why,
                    size_t wl);

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
    /* Which core keys were given, per port for [portN] keys (module
     * sections keep theirs in struct lr_config_mod.given). */
    bool set[LR_MAX_PORTS][CFG_NB_KEYS];
    bool sec_seen[SEC_MAX];
    /* The module sections asked for (NULL-terminated, may be NULL). */
    const struct lr_config_section *const *secs;
};

/** "NAME: " + the formatted text into the context's error buffer; always -EINVAL. */
int lr_cfg_error(struct cfg_ctx *c, const char *fmt, ...) __rte_format_printf(2, 3);

/* lr_config_values.c */

/** Strict unsigned decimal (digits only): 0, -EINVAL, or -ERANGE on overflow. */
int lr_cfg_parse_uint(const char *s, uint64_t *out);

/** @us as the shortest exact text with a unit ("0", "200ms", "60s", "1h"). */
const char *lr_cfg_fmt_time(uint64_t us, char *buf, size_t len);

/** "min-max" of a LR_CFG_UINT, LR_CFG_SIZE or LR_CFG_TIME key, "" for other types. */
const char *lr_cfg_fmt_range(const struct lr_config_key *k, char *buf, size_t len);

/* lr_config_check.c */

/** Rules that involve more than one key of the core sections, after every key
 *  was applied (module sections have their own check hook). 0 or -EINVAL. */
int lr_cfg_check(struct cfg_ctx *c);

#endif /* LR_CONFIG_PRIV_H */
