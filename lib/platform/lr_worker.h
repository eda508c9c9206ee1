/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-worker context: first argument of every fast-path function.
 *
 * A worker owns RX/TX queue `queue` of every port, its mbuf pool, its timer
 * wheel, its protocol tables and its counters. Nothing in here is written by
 * another core. Cross-worker traffic goes only through the SP/SC rings
 * ring_to[j] (this worker produces, worker j consumes) and ring_from[j].
 *
 * Layout: the first cache line holds what the poll loop reads every
 * iteration; protocol contexts are pointers to structures allocated on the
 * worker's NUMA socket at start.
 */
#ifndef LR_WORKER_H
#define LR_WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "lr_config.h"
#include "lr_stats.h"
#include "lr_timer.h"

#define LR_MAX_WORKERS 16
#define LR_BURST_MAX   64
#define LR_TX_BUF      64 /* buffered TX per port, flushed when full or after tx_flush us */

/* Read-only description of a port, shared by all workers after start. */
struct lr_port {
    uint16_t port_id; /* DPDK port id; equals the index in w->ports[] */
    uint16_t mtu;
    uint16_t nb_queues;
    bool rss; /* the device steers flows by RSS (see lr_flow.h) */
    struct rte_ether_addr mac;
    rte_be32_t addr;      /* our IPv4 address on this port */
    rte_be32_t mask;      /* netmask, network order */
    rte_be32_t bcast;     /* directed broadcast */
    rte_be32_t gateway;   /* 0 = none */
    uint64_t tx_offloads; /* RTE_ETH_TX_OFFLOAD_* enabled on this port */
    uint64_t rx_offloads; /* RTE_ETH_RX_OFFLOAD_* enabled on this port */
};

struct lr_txbuf {
    uint16_t n;
    struct rte_mbuf *pkts[LR_TX_BUF];
};

struct lr_crash_conn;
struct lr_flow;
struct lr_fault;
struct lr_arp_table;
struct lr_ip_ctx;
struct lr_ip_frag_ctx;
struct lr_tcp_ctx;
struct lr_udp_ctx;

struct lr_worker_set;

#define LR_WORKER_SLOTS 16

struct lr_worker {
    /* cache line 0: read every loop iteration */
    uint64_t now; /* microseconds, read once per loop (lr_time.h) */
    uint16_t id;  /* 0 .. nb_workers-1 */
    uint16_t nb_workers;
    uint16_t queue; /* RX/TX queue index on every port (== id) */
    uint16_t nb_ports;
    uint16_t burst;
    volatile bool stop; /* set by the main lcore on SIGINT/SIGTERM */
    unsigned int lcore;
    unsigned int socket;
    uint64_t last_flush; /* time of the last TX flush */
    uint64_t tx_flush_us;
    const struct lr_config *cfg;
    const struct lr_port *ports; /* nb_ports entries, indexed by port id */
    const struct lr_flow *flow;  /* flow ownership (lr_flow.h), shared read-only */
    struct rte_mempool *pool;

    struct lr_fault *fault; /* NULL when the fault layer is off */
    struct lr_arp_table *arp;
    struct lr_ip_ctx *ip;
    struct lr_ip_frag_ctx *frag; /* IPv4 reassembly (lr_ip_frag.h) */
    struct lr_tcp_ctx *tcp;
    struct lr_udp_ctx *udp;
    /* Per-worker contexts of the modules above the stack (HTTP, FTP, the
     * client, ...): slot[id] for the id lr_worker_slot() gave the module;
     * slot[0] is never given out and stays NULL. */
    void *slot[LR_WORKER_SLOTS];
    /* Every worker as the layers above the runtime see them (set by the
     * runtime before module init; NULL in unit fixtures without one). A
     * module reading other workers' counters from here (GET /metrics) reads
     * memory those workers write: see struct lr_worker_set. */
    const struct lr_worker_set *set;

    struct rte_ring *ring_to[LR_MAX_WORKERS];   /* this -> j (SP/SC) */
    struct rte_ring *ring_from[LR_MAX_WORKERS]; /* j -> this (SP/SC) */

    uint64_t rng;             /* xorshift64* state for non-crypto randomness */
    uint32_t udp_extra_binds; /* UDP table room the modules claim (lr_module.h) */

    /* For the crash report only (lr_crash.h): the last connection TCP input
     * handled (one store per segment), and the test hook's time (0 = off). */
    const struct lr_crash_conn *cur_conn;
    uint64_t crash_test_at;

    struct lr_timer_wheel timers;
    struct lr_txbuf tx[LR_MAX_PORTS];
    struct lr_stats stats;
} __rte_cache_aligned;

struct lr_module;
/** Receives one counter of module @m's walk hook (lr_worker_set.modules_walk). */
typedef void (*lr_module_walk_fn)(void *arg, const struct lr_module *m, const char *name,
                                  uint64_t value);

/*
 * The running workers as the layers above the runtime see them (telemetry
 * callbacks, the client report, GET /metrics): filled by the runtime at
 * start, read-only afterwards.
 *
 * Counters of a worker are plain uint64_t written only by that worker.
 * Another thread (telemetry, or another worker serving /metrics) reads them
 * without locks: aligned 64-bit loads never tear on the platforms DPDK
 * supports, a value may be a moment stale, and what a walk dereferences
 * (w->tcp, w->slot[], ...) is allocated before the workers start and freed
 * only after all of them stopped.
 */
struct lr_worker_set {
    const struct lr_config *cfg;
    uint16_t nb_workers;
    uint16_t nb_ports;
    uint64_t start_us;                /* lr_time_now_us() when the workers were launched */
    struct lr_worker *const *workers; /* nb_workers entries */
    /** Call @fn for every counter of every module initialised on worker
     *  @id, module by module in the order they run, each in its walk order
     *  (the names /linerate/<module> shows). Set by the runtime; may be NULL. */
    void (*modules_walk)(const struct lr_worker_set *ws, uint16_t id, lr_module_walk_fn fn,
                         void *arg);
};

/* What lr_worker_setup() needs besides the configuration. */
struct lr_worker_params {
    uint16_t id;
    uint16_t nb_workers;
    uint16_t nb_ports;
    unsigned int lcore;
    unsigned int socket;
    uint64_t now;      /* lr_time_now_us() or a test's clock */
    uint64_t rng_seed; /* 0: drawn from getrandom() */
    const struct lr_port *ports;
    const struct lr_flow *flow;
    struct rte_mempool *pool;
};

/**
 * Fill a zeroed worker context from @cfg and @p: identity, queue (== id),
 * burst and flush settings, pool, PRNG, timer wheel. The runtime and the
 * unit-test fixture both build their workers with it; rings and the
 * modules' contexts come after.
 */
/**
 * The worker context slot of a module above the stack, so that adding a
 * module adds no field here. *@id starts 0; the first call (main lcore, a
 * module's init) gives it the next free slot, later calls return it. Then
 * w->slot[*@id] is that module's on every worker, NULL until it sets it.
 * Returns the id, or 0 once all LR_WORKER_SLOTS - 1 slots are taken.
 */
unsigned lr_worker_slot(unsigned *id);

void lr_worker_setup(struct lr_worker *w, const struct lr_config *cfg,
                     const struct lr_worker_params *p);

/** Fast non-cryptographic PRNG (xorshift64*), per worker. Never 0 state. */
static inline uint64_t lr_worker_rand(struct lr_worker *w)
{
    uint64_t x = w->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    w->rng = x;
    return x * 0x2545F4914F6CDD1DULL;
}

#endif /* LR_WORKER_H */
