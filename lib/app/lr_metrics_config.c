/* SPDX-License-Identifier: BSD-3-Clause */
/* [metrics] section (lr_metrics_config.h): the key table. */
#include <rte_common.h>

#include "lr_metrics_config.h"

#define M struct lr_metrics_config

static int parse_allow(void *sec, const struct lr_config_key *k, const char *val, char *why,
                       size_t wl)
{
    M *mc = sec;
    unsigned n = 0;

    int rc = lr_parse_ipv4_prefix_list(val, mc->allow, (unsigned)k->max, &n, why, wl);
    if (rc == 0)
        mc->nb_allow = (uint16_t)n;
    return rc;
}

static const struct lr_config_key metrics_keys[] = {
    LR_CONFIG_KEY(M, "listen", listen, LR_CFG_UINT, 0, 65535, "0",
                  "TCP port serving GET /metrics (Prometheus text format 0.0.4); 0 = off"),
    { "allow", LR_CFG_CUSTOM, 0, 0, 0, LR_MAX_ALLOW, "",
      "comma-separated IPv4 source prefixes (CIDR) allowed to scrape; empty = none", parse_allow,
      NULL },
};

const struct lr_config_section lr_metrics_config_section = {
    .name = "metrics",
    .help = "Prometheus metrics (GET /metrics) on a port of our own TCP stack",
    .size = sizeof(M),
    .keys = metrics_keys,
    .nb_keys = RTE_DIM(metrics_keys),
};

LR_CONFIG_ACCESSOR(lr_metrics_conf, struct lr_metrics_config, lr_metrics_config_section)
