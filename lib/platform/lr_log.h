/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rte_log types, one per module: linerate.core, linerate.net, linerate.tcp,
 * linerate.udp, linerate.http, linerate.ftp, linerate.client.
 *
 * Library code never prints; it logs through LR_LOG() so the level of each
 * module can be changed at run time with the EAL option
 * --log-level=linerate.tcp:debug (or a pattern: --log-level='linerate.*:info').
 */
#ifndef LR_LOG_H
#define LR_LOG_H

#include <rte_log.h>

extern int lr_logtype_core;
extern int lr_logtype_net;
extern int lr_logtype_tcp;
extern int lr_logtype_udp;
extern int lr_logtype_http;
extern int lr_logtype_ftp;
extern int lr_logtype_client;

/**
 * Log one line. @level is an rte_log level without prefix (ERR, WARNING,
 * NOTICE, INFO, DEBUG), @mod a module suffix (core, net, tcp, udp, http, ftp,
 * client). A newline is appended.
 * Example: LR_LOG(ERR, core, "port %u: start failed: %s", id, strerror(-rc));
 */
#define LR_LOG(level, mod, fmt, ...)                                                               \
    rte_log(RTE_LOG_##level, lr_logtype_##mod, "linerate." #mod ": " fmt "\n", ##__VA_ARGS__)

#endif /* LR_LOG_H */
