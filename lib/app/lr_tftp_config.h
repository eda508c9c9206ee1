/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * [tftp]: the TFTP server's configuration section (a module section, see
 * struct lr_config_section in lr_config.h); keys in lr_tftp_config.c.
 */
#ifndef LR_TFTP_CONFIG_H
#define LR_TFTP_CONFIG_H

#include <stdint.h>

#include "lr_config.h"

struct lr_tftp_config {
    uint16_t listen;        /* host order, 0 = off (default) */
    char root[LR_PATH_MAX]; /* absolute; default: the HTTP root */
    uint32_t max_sessions;  /* default 64 */
    uint64_t timeout;       /* default 1s */
    uint32_t retries;       /* default 5 */
    uint32_t max_window;    /* largest windowsize granted (RFC 7440), default 64 */
};

extern const struct lr_config_section lr_tftp_config_section;

/** The [tftp] section of @cfg; loaded without it, all zero (the server off). */
const struct lr_tftp_config *lr_tftp_conf(const struct lr_config *cfg);

#endif /* LR_TFTP_CONFIG_H */
