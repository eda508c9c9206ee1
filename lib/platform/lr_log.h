/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rte_log types, one per module: linerate.core, linerate.net, linerate.tcp,
 * linerate.udp here; a module above declares its own in its header with
 * LR_LOG_DECLARE(name) and defines it in one of its files with
 * LR_LOG_DEFINE(name) (linerate.http, linerate.ftp, linerate.client).
 *
 * Library code never prints; it logs through LR_LOG() so the level of each
 * module can be changed at run time with the EAL option
 * --log-level=linerate.tcp:debug (or a pattern: --log-level='linerate.*:info').
 */
#ifndef LR_LOG_H
#define LR_LOG_H

#include <rte_log.h>

/** Declare the log type linerate.@mod (in the module's header). */
#define LR_LOG_DECLARE(mod) extern int lr_logtype_##mod

/** Define and register linerate.@mod, default level INFO (in one .c file). */
#define LR_LOG_DEFINE(mod) RTE_LOG_REGISTER(lr_logtype_##mod, linerate.mod, INFO)

LR_LOG_DECLARE(core);
LR_LOG_DECLARE(net);
LR_LOG_DECLARE(tcp);
LR_LOG_DECLARE(udp);

/**
 * Log one line. @level is an rte_log level without prefix (ERR, WARNING,
 * NOTICE, INFO, DEBUG), @mod a declared log type (core, net, tcp, udp, http,
 * ftp, client). A newline is appended.
 * Example: LR_LOG(ERR, core, "port %u: start failed: %s", id, strerror(-rc));
 */
#define LR_LOG(level, mod, fmt, ...)                                                               \
    rte_log(RTE_LOG_##level, lr_logtype_##mod, "linerate." #mod ": " fmt "\n", ##__VA_ARGS__)

#endif /* LR_LOG_H */
