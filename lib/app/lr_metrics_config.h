/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * [metrics]: the Prometheus endpoint's configuration section (a module
 * section, see struct lr_config_section in lr_config.h; lr_metrics.h is the
 * module); keys in lr_metrics_config.c.
 */
#ifndef LR_METRICS_CONFIG_H
#define LR_METRICS_CONFIG_H

#include <stdint.h>

#include "lr_config.h"

#define LR_MAX_ALLOW 16

struct lr_metrics_config {
    uint16_t listen; /* host order, 0 = off (default) */
    uint16_t nb_allow;
    struct lr_ipv4_prefix allow[LR_MAX_ALLOW]; /* sources that may connect; none by default */
};

extern const struct lr_config_section lr_metrics_config_section;

/** The [metrics] section of @cfg; loaded without it, all zero (off). */
const struct lr_metrics_config *lr_metrics_conf(const struct lr_config *cfg);

#endif /* LR_METRICS_CONFIG_H */
