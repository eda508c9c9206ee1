/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The runtime: mbuf pools, ports, workers, inter-worker rings and the
 * per-worker protocol modules, and the worker poll loop (lr_worker.c).
 *
 * Lifecycle on the main lcore:
 *   lr_runtime_check()   config vs. what EAL probed (errors: exit 2)
 *   lr_runtime_init()    pools, ports, workers, rings, module init (exit 1)
 *   lr_runtime_launch()  lr_worker_main() on every worker lcore
 *   ... lr_runtime_stats_sum() / lr_runtime_module_counters() while running
 *   lr_runtime_stop()    set stop, wait for the workers (they run the module
 *                        shutdown hooks and flush TX before returning)
 *   lr_runtime_destroy() module free, rings, ports, pools, workers
 *
 * Protocol modules are listed once in a table in lr_worker.c
 * ({name, global_init, init, free, poll, shutdown, counters}); adding a
 * module is one line there.
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

/* Counters a module adds for the stats line and telemetry (summed, never reset). */
struct lr_module_counters {
    uint64_t conns_active; /* gauge: connections open now */
    uint64_t conns_total;  /* connections established since start */
    uint64_t requests;     /* application requests served (HTTP, FTP commands) */
    uint64_t retransmits;  /* TCP segments retransmitted */
    uint64_t responses[4]; /* application responses by class: 2xx, 3xx, 4xx, 5xx */
    uint64_t sessions;     /* gauge: application sessions open now (FTP) */
    uint64_t transfers;    /* file transfers completed (FTP, TFTP) */
    uint64_t xfer_bytes;   /* payload bytes moved by those transfers, both ways */
};

/** Emit every field of @mc by name, in a fixed order (telemetry, summaries). */
void lr_module_counters_foreach(const struct lr_module_counters *mc,
                                void (*fn)(void *arg, const char *name, uint64_t value), void *arg);

/** Receives one named counter of a module (see struct lr_module.walk). */
typedef void (*lr_module_counter_fn)(void *arg, const char *name, uint64_t value);

/* One protocol module as the runtime sees it; every hook is optional. */
struct lr_module {
    const char *name;
    /** Once on the main lcore before any worker init. 0 or -errno. */
    int (*global_init)(const struct lr_config *cfg);
    /** Per worker on the main lcore (allocations on w->socket). 0 or -errno. */
    int (*init)(struct lr_worker *w);
    /** Per worker on the main lcore after the workers stopped. */
    void (*free)(struct lr_worker *w);
    /** On the worker lcore once per loop iteration, after RX. */
    void (*poll)(struct lr_worker *w);
    /** On the worker lcore when it stops (send FIN/RST), before the last TX flush. */
    void (*shutdown)(struct lr_worker *w);
    /** On the main lcore: add this worker's counters into @acc (read-only). */
    void (*counters)(const struct lr_worker *w, struct lr_module_counters *acc);
    /** On the main lcore: emit every counter of this worker's module by name, in
     *  the same order every time (summed over workers for the final summary). */
    void (*walk)(const struct lr_worker *w, lr_module_counter_fn fn, void *arg);
    /** Once on the main lcore when telemetry is on ([stats] telemetry): register
     *  the module's own /linerate/... commands (lr_telemetry_register), beyond
     *  /linerate/<name>, which every module with a walk hook gets. 0 or -errno. */
    int (*telemetry)(void);
};

struct lr_runtime {
    const struct lr_config *cfg;
    uint16_t nb_ports;
    uint16_t nb_workers;
    bool launched;
    uint64_t start_us; /* lr_time_now_us() when the workers were launched */
    struct lr_flow flow;
    struct lr_port ports[LR_MAX_PORTS];
    bool port_started[LR_MAX_PORTS];
    struct rte_mempool *pools[LR_MAX_WORKERS];
    struct lr_worker *workers[LR_MAX_WORKERS];
    unsigned modules_up[LR_MAX_WORKERS]; /* modules initialised on each worker */
    bool globals_up;
    struct rte_ring *rings[LR_MAX_WORKERS][LR_MAX_WORKERS]; /* [from][to] */
};

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

/** Module counters of worker @id, or of all workers when @id < 0, into @out (zeroed first). */
void lr_runtime_module_counters(const struct lr_runtime *rt, int id,
                                struct lr_module_counters *out);

/** The module table (for listings); *n receives its length. */
const struct lr_module *lr_runtime_modules(unsigned *n);

/** Minimum mbufs a worker pool needs for @cfg (descriptors of all ports and buffers). */
uint32_t lr_runtime_pool_min(const struct lr_config *cfg, uint16_t nb_ports);

/** The worker poll loop; @arg is the struct lr_worker. Returns 0 when w->stop is set. */
int lr_worker_main(void *arg);

#endif /* LR_RUNTIME_H */
