/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * [ftp]: the FTP server's configuration section (a module section, see
 * struct lr_config_section in lr_config.h); the key table and its rules are
 * in lr_ftp_config.c, config/default.conf documents the same keys.
 */
#ifndef LR_FTP_CONFIG_H
#define LR_FTP_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "lr_config.h"

/*
 * [ftp] tls: explicit FTPS (RFC 4217, AUTH TLS on the control port).
 *  OFF     AUTH/PBSZ/PROT/CCC answer 502, FEAT does not offer them.
 *  ALLOW   plain FTP as before; a client may upgrade with AUTH TLS and
 *          protect data connections with PBSZ 0 + PROT P.
 *  REQUIRE USER/PASS are refused (530) until AUTH TLS, transfers (521)
 *          until PROT P, PROT C is refused (534): RFC 4217 §4.2, a server
 *          that wants a secured session refuses commands until it is.
 */
enum lr_ftp_tls_mode {
    LR_FTP_TLS_OFF = 0,
    LR_FTP_TLS_ALLOW,
    LR_FTP_TLS_REQUIRE,
};

struct lr_ftp_config {
    bool enabled;                 /* default yes; off in client mode unless given */
    uint16_t listen;              /* host order, default 21 */
    char root[LR_PATH_MAX];       /* absolute; default: the HTTP root */
    char upload_dir[LR_PATH_MAX]; /* relative to root, "" = uploads off */
    uint64_t max_upload_bytes;    /* default 64m */
    uint16_t pasv_min;            /* pasv_ports = 50000-50999 */
    uint16_t pasv_max;
    rte_be32_t pasv_address;  /* 0 = the port's own address */
    bool active_from_port_20; /* default no */
    bool anonymous;           /* default yes */
    char users[LR_PATH_MAX];  /* absolute path of the user:crypt-hash file, "" = none */
    uint64_t idle_timeout;    /* default 300s */
    uint32_t max_sessions;    /* default 256 */
    uint8_t tls;              /* enum lr_ftp_tls_mode, default allow */
};

extern const struct lr_config_section lr_ftp_config_section;

/** The [ftp] section of @cfg; loaded without it, all zero (the server off). */
const struct lr_ftp_config *lr_ftp_conf(const struct lr_config *cfg);

#endif /* LR_FTP_CONFIG_H */
