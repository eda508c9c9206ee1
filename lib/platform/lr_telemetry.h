/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Telemetry: /linerate/... commands for dpdk-telemetry.py, and a walk over
 * every counter of struct lr_stats by name shared with the stats output.
 *
 * Layers register their own commands with lr_telemetry_register("tcp", cb,
 * help) (a module does it from its telemetry hook, lr_module.h); the
 * built-in ones (/linerate/stats, /linerate/workers, /linerate/<module>)
 * belong to the runtime (lib/runtime/lr_telemetry_cmds.c).
 * Callbacks run on the telemetry thread, never on a worker: they only read
 * worker memory, between lr_telemetry_workers_get() and _put().
 */
#ifndef LR_TELEMETRY_H
#define LR_TELEMETRY_H

#include <stdint.h>

#include <rte_telemetry.h>

#include "lr_module.h"
#include "lr_stats.h"
#include "lr_worker.h"

/** Called for each counter: @group ("port0", "arp", "drops", ...), @name, @value. */
typedef void (*lr_counter_fn)(void *arg, const char *group, const char *name, uint64_t value);

/**
 * Call @fn for every counter of @s, in a fixed order: ports (0..@nb_ports-1),
 * protocols, fault, worker, drops. Zero values are included.
 */
void lr_stats_foreach(const struct lr_stats *s, uint16_t nb_ports, lr_counter_fn fn, void *arg);

/**
 * Register a telemetry command. @cmd without a leading '/' becomes
 * "/linerate/@cmd". Returns 0 or -errno (-EINVAL for a bad name, -ENOENT
 * when telemetry is off in [stats]).
 */
int lr_telemetry_register(const char *cmd, telemetry_cb fn, const char *help);

/**
 * Make @ws visible to the callbacks when @ws->cfg's [stats] telemetry is
 * on (then true: register commands now); off, lr_telemetry_register()
 * refuses with -ENOENT. @ws must outlive lr_telemetry_detach().
 */
bool lr_telemetry_attach(const struct lr_worker_set *ws);

/** Hide the workers from the callbacks; waits for callbacks in progress. */
void lr_telemetry_detach(void);

/**
 * For callbacks: the running workers (NULL when not running, then answer
 * with an error). Every non-NULL return must be paired with
 * lr_telemetry_workers_put() once the callback has finished reading.
 */
const struct lr_worker_set *lr_telemetry_workers_get(void);
/** End of a read started by lr_telemetry_workers_get(). */
void lr_telemetry_workers_put(void);

/** Counters one module's walk may emit and still be summed (lr_walk_sum). */
#define LR_MODULE_COUNTERS_MAX 128

/**
 * One module's counters summed over workers. A walk emits the same names in
 * the same order every time (lr_module.h), so sums match by position:
 * lr_walk_sum_init() once, lr_walk_sum_worker() per worker, then read
 * name[0..n-1] and value[0..n-1]. Names are copied (walks may pass stack
 * buffers); counters past LR_MODULE_COUNTERS_MAX set @overflow.
 */
struct lr_walk_sum {
    unsigned n;
    unsigned pos;
    bool overflow;
    char name[LR_MODULE_COUNTERS_MAX][48];
    uint64_t value[LR_MODULE_COUNTERS_MAX];
};

void lr_walk_sum_init(struct lr_walk_sum *s);
/** Add @w's counters, as named by @walk (a module's walk hook), to @s. */
void lr_walk_sum_worker(struct lr_walk_sum *s, const struct lr_worker *w,
                        void (*walk)(const struct lr_worker *, lr_module_counter_fn, void *));

#endif /* LR_TELEMETRY_H */
