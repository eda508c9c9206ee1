/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The runtime: mbuf pools, ports, workers, inter-worker rings, the modules
 * (lr_module.h; the one list is in lr_modules.c) and the worker poll loop
 * (lr_loop.c). The top layer of the library: it may use every layer below.
 *
 * Lifecycle on the main lcore:
 *   lr_runtime_check()   config vs. what EAL probed (errors: exit 2)
 *   lr_runtime_init()    pools, ports, workers, rings, module init (exit 1)
 *   lr_runtime_telemetry_init()  built-in and module telemetry commands
 *   lr_runtime_launch()  lr_worker_main() on every worker lcore
 *   ... lr_runtime_stats_sum() / lr_runtime_line_totals() while running
 *   lr_runtime_stop()    set stop, wait for the workers (they run the module
 *                        shutdown hooks and flush TX before returning)
 *   lr_runtime_telemetry_fini()
 *   lr_runtime_destroy() module fini and global fini, rings, ports, pools,
 *                        workers
 */
#ifndef LR_RUNTIME_H
#define LR_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_mempool.h>
#include <rte_ring.h>

#include "lr_config.h"
#include "lr_flow.h"
#include "lr_worker.h"

#include "lr_module.h"
#include "lr_telemetry.h"

#define LR_MODULES_MAX 32

/* The stats-line fields summed from the modules' walks (lr_module.h). */
struct lr_line_totals {
    uint64_t v[LR_LINE_MAX];
};

struct lr_runtime {
    const struct lr_config *cfg;
    uint16_t nb_ports;
    uint16_t nb_workers;
    bool launched;
    uint64_t start_us;         /* lr_time_now_us() when the workers were launched */
    struct lr_worker_set view; /* what telemetry and reports read (lr_worker.h) */
    struct lr_flow flow;
    struct lr_port ports[LR_MAX_PORTS];
    bool port_started[LR_MAX_PORTS];
    struct rte_mempool *pools[LR_MAX_WORKERS];
    struct lr_worker *workers[LR_MAX_WORKERS];
    unsigned modules_up[LR_MAX_WORKERS]; /* modules initialised on each worker */
    unsigned globals_up;                 /* modules whose global_init succeeded */
    struct rte_ring *rings[LR_MAX_WORKERS][LR_MAX_WORKERS]; /* [from][to] */
};

/**
 * Load a configuration file (lr_config_load) and check what no single module
 * can: that no two modules' port claims (struct lr_module.ports) overlap.
 * Errors are one line "FILE: [section] key: reason" in @err; -errno.
 */
int lr_runtime_config_load(struct lr_config *cfg, const char *path, char *err, size_t errlen);
/** The configuration sections of every module, in module-list order (NULL-terminated). */
const struct lr_config_section *const *lr_runtime_config_sections(void);
/** lr_config_defaults() with every module's section. */
void lr_runtime_config_defaults(struct lr_config *cfg);
/** lr_config_help() with every module's section (--help-config). */
void lr_runtime_config_help(FILE *f);
/** lr_runtime_config_load() for configuration text; @name stands for the file. */
int lr_runtime_config_load_string(struct lr_config *cfg, const char *text, const char *name,
                                  char *err, size_t errlen);
/** The port-claim check of lr_runtime_config_load(), on a loaded @cfg. */
int lr_modules_check_ports(const struct lr_config *cfg, const char *name, char *err, size_t errlen);

/**
 * Check the configuration against the environment EAL set up: at least one
 * worker lcore, at most LR_MAX_WORKERS; ports numbered 0..n-1, each with a
 * [portN] section and each [portN] with a device; pool and burst sizes.
 * Returns 0 or -EINVAL with one line in @err.
 */
int lr_runtime_check(const struct lr_config *cfg, char *err, size_t errlen);

/**
 * Create pools, start ports, create workers and rings, run every module's
 * init. On failure returns -errno with one line in @err; call
 * lr_runtime_destroy() to release what was created.
 */
int lr_runtime_init(struct lr_runtime *rt, const struct lr_config *cfg, char *err, size_t errlen);

/** Launch lr_worker_main() on every worker lcore. 0 or -errno. */
int lr_runtime_launch(struct lr_runtime *rt);

/** Ask every worker to stop and wait until all returned. */
void lr_runtime_stop(struct lr_runtime *rt);

/** Free modules, rings, ports, pools and workers (safe after a partial init). */
void lr_runtime_destroy(struct lr_runtime *rt);

/** Sum the counters of every worker into @out (zeroed first). */
void lr_runtime_stats_sum(const struct lr_runtime *rt, struct lr_stats *out);

/** Stats-line totals of worker @id, or of all workers when @id < 0, into @out. */
void lr_runtime_line_totals(const struct lr_runtime *rt, int id, struct lr_line_totals *out);

/** Emit every field of @t by name ("conns_active", ...), in a fixed order. */
void lr_line_totals_foreach(const struct lr_line_totals *t, lr_module_counter_fn fn, void *arg);

/**
 * Call @fn once per counter that modules expose through their walk hook,
 * each summed over all workers, with group = the module name. At most
 * LR_MODULE_COUNTERS_MAX counters per module.
 */
void lr_modules_foreach(const struct lr_runtime *rt, lr_counter_fn fn, void *arg);

/** lr_worker_set.modules_walk of a runtime's view (lr_worker.h): the walk of
 *  every module initialised on worker @id, in module order. */
void lr_runtime_modules_walk(const struct lr_worker_set *ws, uint16_t id, lr_module_walk_fn fn,
                             void *arg);

/** Main lcore, from the control loop while the workers run: every module's
 *  tick hook, in module order (@now_us: lr_time_now_us()). */
void lr_runtime_tick(const struct lr_runtime *rt, uint64_t now_us);

/** The modules in the order they run (init, poll); *n receives the count. */
const struct lr_module *const *lr_runtime_modules(unsigned *n);

/**
 * Order @n modules of @list into @out so that every module comes after the
 * ones named in its `after` list, otherwise keeping list order. -EINVAL
 * (a name listed twice or an unknown dependency) or -ELOOP (a cycle) with
 * one line in @err.
 */
int lr_modules_order(const struct lr_module *const *list, unsigned n, const struct lr_module **out,
                     char *err, size_t errlen);

/**
 * When [stats] telemetry is on: make the workers visible to telemetry
 * callbacks and register /linerate/stats, /linerate/workers, one
 * /linerate/<module> per module with a walk hook, and every module's own
 * commands (a module that fails is logged and skipped). 0 or -errno.
 */
int lr_runtime_telemetry_init(struct lr_runtime *rt);

/** Hide the runtime from telemetry callbacks (waits for those running). */
void lr_runtime_telemetry_fini(void);

/** Minimum mbufs a worker pool needs for @cfg (descriptors of all ports and buffers). */
uint32_t lr_runtime_pool_min(const struct lr_config *cfg, uint16_t nb_ports);

/** The worker poll loop; @arg is the struct lr_worker. Returns 0 when w->stop is set. */
int lr_worker_main(void *arg);

#endif /* LR_RUNTIME_H */
