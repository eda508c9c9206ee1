/* SPDX-License-Identifier: BSD-3-Clause */
/* [tftp] section (lr_tftp_config.h): the key table and its rules. */
#include <rte_common.h>
#include <rte_string_fns.h>

#include "lr_http_config.h"
#include "lr_tftp_config.h"

#define TF struct lr_tftp_config

static const struct lr_config_key tftp_keys[] = {
    LR_CONFIG_KEY(TF, "listen", listen, LR_CFG_UINT, 0, 65535, "0",
                  "TFTP port (69 is standard); 0 = off"),
    LR_CONFIG_KEY(TF, "root", root, LR_CFG_PATH, 0, 0, "",
                  "TFTP root (read-only), relative to the config file's directory; empty = the "
                  "HTTP root"),
    LR_CONFIG_KEY(TF, "max_sessions", max_sessions, LR_CFG_UINT, 1, 65536, "64",
                  "transfers per worker"),
    LR_CONFIG_KEY(TF, "timeout", timeout, LR_CFG_TIME, 100000, 255000000, "1s",
                  "retransmission timeout (RFC 2349: 1-255 s when negotiated)"),
    LR_CONFIG_KEY(TF, "retries", retries, LR_CFG_UINT, 1, 100, "5",
                  "retransmissions before giving up"),
    LR_CONFIG_KEY(TF, "max_window", max_window, LR_CFG_UINT, 1, 65535, "64",
                  "largest windowsize granted (RFC 7440): blocks sent before waiting for an ACK"),
};

static int tftp_check(struct lr_config *cfg, void *sec, char *why, size_t wl)
{
    TF *tc = sec;

    RTE_SET_USED(why);
    RTE_SET_USED(wl);
    /* TFTP serves the HTTP root unless told otherwise. */
    if (tc->root[0] == '\0')
        rte_strscpy(tc->root, lr_http_conf(cfg)->root, sizeof(tc->root));
    return 0;
}

static int tftp_paths(const struct lr_config *cfg, const void *sec, char *err, size_t errlen)
{
    const TF *tc = sec;

    if (tc->listen == 0)
        return 0;
    return lr_config_check_path(cfg, "[tftp] root", tc->root, LR_CFG_DIR_READ, err, errlen);
}

const struct lr_config_section lr_tftp_config_section = {
    .name = "tftp",
    .help = "TFTP server (RFC 1350)",
    .size = sizeof(TF),
    .keys = tftp_keys,
    .nb_keys = RTE_DIM(tftp_keys),
    .check = tftp_check,
    .paths = tftp_paths,
};

LR_CONFIG_ACCESSOR(lr_tftp_conf, struct lr_tftp_config, lr_tftp_config_section)
