/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Telemetry: /linerate/... commands for dpdk-telemetry.py, and a walk over
 * every counter by name shared with the stats output of the application.
 *
 * Built-in commands:
 *   /linerate/stats    counters summed over all workers, by group: portN,
 *                      eth/arp/ip/icmp/tcp/udp/app (rx/tx/drops and the
 *                      protocol's own counters), fault, worker, drops (every
 *                      reason by name), modules (connections, requests).
 *   /linerate/workers  one dict per worker id: lcore, rx/tx packets,
 *                      connections, handed over/in, loops, drops.
 * Other modules add their own with lr_telemetry_register("tcp", cb, help).
 * Callbacks run on the telemetry thread, never on a worker: they only read
 * worker memory (lr_telemetry_runtime_get / _put bracket the access).
 */
#ifndef LR_TELEMETRY_H
#define LR_TELEMETRY_H

#include <stdint.h>

#include <rte_telemetry.h>

#include "lr_runtime.h"
#include "lr_stats.h"

/** Called for each counter: @group ("port0", "arp", "drops", ...), @name, @value. */
typedef void (*lr_counter_fn)(void *arg, const char *group, const char *name, uint64_t value);

/**
 * Call @fn for every counter of @s, in a fixed order: ports (0..@nb_ports-1),
 * protocols, fault, worker, drops. Zero values are included.
 */
void lr_stats_foreach(const struct lr_stats *s, uint16_t nb_ports, lr_counter_fn fn, void *arg);

/**
 * Call @fn once per counter that modules expose through their walk hook
 * (struct lr_module), each summed over all workers, with group = the module
 * name. At most LR_MODULE_COUNTERS_MAX counters per module.
 */
void lr_modules_foreach(const struct lr_runtime *rt, lr_counter_fn fn, void *arg);

#define LR_MODULE_COUNTERS_MAX 128

/**
 * Register a telemetry command. @cmd without a leading '/' becomes
 * "/linerate/@cmd". Returns 0 or -errno (-EINVAL for a bad name, -ENOENT
 * when telemetry is off in [stats]).
 */
int lr_telemetry_register(const char *cmd, telemetry_cb fn, const char *help);

/**
 * Make @rt visible to the callbacks and, when @rt->cfg->stats.telemetry is
 * on, register the built-in commands, then every module's own (struct
 * lr_module.telemetry; a module that fails is logged and skipped).
 * 0 or -errno (built-in commands).
 */
int lr_telemetry_init(const struct lr_runtime *rt);

/** Hide the runtime from the callbacks; waits for callbacks in progress. Call before destroy. */
void lr_telemetry_fini(void);

/**
 * For callbacks: the running runtime (NULL when not running, then answer
 * with an error). Every non-NULL return must be paired with
 * lr_telemetry_runtime_put() once the callback has finished reading.
 */
const struct lr_runtime *lr_telemetry_runtime_get(void);
/** End of a read started by lr_telemetry_runtime_get(). */
void lr_telemetry_runtime_put(void);

#endif /* LR_TELEMETRY_H */
