/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The runtime (lr_runtime.h) and the worker poll loop.
 *
 * Call chain of one loop iteration (lr_worker_main):
 *   now = lr_time_now_us()
 *   for each port: rte_eth_rx_burst -> [lr_fault_apply RX] -> lr_eth_input_burst
 *   for each other worker j: drain ring_from[j] -> lr_eth_input_burst
 *   module poll hooks
 *   lr_timer_wheel_advance
 *   lr_tx_flush when something is buffered and (every RX queue was drained,
 *     i.e. no burst came back full, or tx_flush us passed)
 * Nothing in the loop blocks, locks or allocates from the heap.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "lr_fault.h"
#include "lr_http_client.h"
#include "lr_ftp_server.h"
#include "lr_handover.h"
#include "lr_http_server.h"
#include "lr_log.h"
#include "lr_net.h"
#include "lr_pkt.h"
#include "lr_port.h"
#include "lr_runtime.h"
#include "lr_tcp.h"
#include "lr_time.h"
#include "lr_ip_frag.h"
#include "lr_tftp.h"
#include "lr_udp.h"
#include "lr_udp_echo.h"

/* --- module table ---------------------------------------------------------
 * Order matters: init runs top to bottom, free and shutdown bottom to top.
 * Add a module with one line: { "name", global_init, init, free, poll,
 * shutdown, counters } (NULL for hooks it does not need).
 */
static int mod_fault_init(struct lr_worker *w)
{
    return lr_fault_init(w, &w->cfg->fault);
}

static int mod_tcp_global_init(const struct lr_config *cfg __rte_unused)
{
    return lr_tcp_global_init();
}

static void mod_tcp_counters(const struct lr_worker *w, struct lr_module_counters *acc)
{
    struct lr_tcp_counters c;

    lr_tcp_counters_get(w, &c);
    acc->conns_active += c.active;
    acc->conns_total += c.opened_passive + c.opened_active;
    acc->retransmits += c.retransmits;
}

static void mod_tcp_walk(const struct lr_worker *w, lr_module_counter_fn fn, void *arg)
{
    struct lr_tcp_counters c;

    lr_tcp_counters_get(w, &c);
    lr_tcp_counters_foreach(&c, fn, arg);
}

static const struct lr_module lr_modules[] = {
    { "fault", NULL, mod_fault_init, lr_fault_free, NULL, NULL, NULL },
    { "arp", NULL, lr_arp_init, lr_arp_free, NULL, NULL, NULL },
    { "ip", NULL, lr_ip_init, lr_ip_free, NULL, NULL, NULL },
    { "ipfrag", NULL, lr_ip_frag_init, lr_ip_frag_free, NULL, NULL, NULL, NULL,
      lr_ip_frag_telemetry_register },
    { "udp", NULL, lr_udp_init, lr_udp_free, NULL, NULL, NULL, lr_udp_walk },
    { "udp_echo", NULL, lr_udp_echo_init, lr_udp_echo_free, NULL, NULL, NULL, lr_udp_echo_walk },
    { "tcp", mod_tcp_global_init, lr_tcp_init, lr_tcp_free, NULL, lr_tcp_shutdown, mod_tcp_counters,
      mod_tcp_walk, lr_tcp_telemetry_register },
    { "http", lr_http_module_global_init, lr_http_module_init, lr_http_module_free, NULL,
      lr_http_server_shutdown, lr_http_module_counters, lr_http_module_walk },
    { "tftp", lr_tftp_module_global_init, lr_tftp_module_init, lr_tftp_module_free, NULL,
      lr_tftp_module_shutdown, lr_tftp_module_counters, lr_tftp_module_walk },
    { "ftp", lr_ftp_module_global_init, lr_ftp_server_init, lr_ftp_server_free, lr_ftp_server_poll,
      lr_ftp_server_shutdown, lr_ftp_module_counters, lr_ftp_module_walk },
    { "client", NULL, lr_client_init, lr_client_free, lr_client_poll, lr_client_shutdown,
      lr_client_module_counters },
};

const struct lr_module *lr_runtime_modules(unsigned *n)
{
    *n = RTE_DIM(lr_modules);
    return lr_modules;
}

/* --- checks ------------------------------------------------------------- */

uint32_t lr_runtime_pool_min(const struct lr_config *cfg, uint16_t nb_ports)
{
    const struct lr_worker_config *wc = &cfg->worker;
    /* Every RX descriptor holds an mbuf, every TX descriptor may hold one
     * until the device frees it, plus our TX buffers, one RX burst, the
     * per-lcore cache (which can hide up to 1.5x its size) and some room for
     * packets parked by ARP and queued by TCP. */
    uint64_t n = (uint64_t)nb_ports * (wc->rx_desc + wc->tx_desc + LR_TX_BUF) + 2 * LR_BURST_MAX +
                 (uint64_t)wc->mbuf_cache * 3 / 2 + 256;
    return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

int lr_runtime_check(const struct lr_config *cfg, char *err, size_t errlen)
{
    unsigned nb_workers = rte_lcore_count() - 1;
    uint16_t nb_ports = rte_eth_dev_count_avail();
    uint16_t pid;

    if (nb_workers == 0) {
        snprintf(err, errlen,
                 "no worker lcore: give EAL at least two lcores (e.g. -l 0-1), the first "
                 "one is the main lcore");
        return -EINVAL;
    }
    if (nb_workers > LR_MAX_WORKERS) {
        snprintf(err, errlen, "%u worker lcores, at most %u are supported", nb_workers,
                 LR_MAX_WORKERS);
        return -EINVAL;
    }
    if (nb_ports == 0) {
        snprintf(err, errlen,
                 "no ports: EAL probed no device (give one with -a PCI or --vdev=net_tap0,...)");
        return -EINVAL;
    }
    if (nb_ports > LR_MAX_PORTS || nb_ports > LR_STATS_MAX_PORTS) {
        snprintf(err, errlen, "%u ports probed, at most %u are supported", nb_ports,
                 RTE_MIN(LR_MAX_PORTS, LR_STATS_MAX_PORTS));
        return -EINVAL;
    }
    RTE_ETH_FOREACH_DEV(pid)
    {
        char name[RTE_ETH_NAME_MAX_LEN] = "?";
        rte_eth_dev_get_name_by_port(pid, name);
        if (pid >= nb_ports) {
            snprintf(err, errlen,
                     "port %u (%s): port ids must be 0..%u; probe devices in order "
                     "without gaps",
                     pid, name, nb_ports - 1);
            return -EINVAL;
        }
        if (pid >= LR_MAX_PORTS || !cfg->port[pid].present) {
            snprintf(err, errlen, "%s: port %u (%s) has no [port%u] section", cfg->path, pid, name,
                     pid);
            return -EINVAL;
        }
    }
    for (unsigned p = nb_ports; p < LR_MAX_PORTS; p++) {
        if (cfg->port[p].present) {
            snprintf(err, errlen,
                     "%s: [port%u] has no device: EAL probed %u port(s) (add -a PCI or "
                     "--vdev)",
                     cfg->path, p, nb_ports);
            return -EINVAL;
        }
    }
    if (cfg->worker.burst == 0 || cfg->worker.burst > LR_BURST_MAX) {
        snprintf(err, errlen, "%s: [worker] burst: %u is outside 1-%u", cfg->path,
                 cfg->worker.burst, LR_BURST_MAX);
        return -EINVAL;
    }
    if (cfg->worker.mbuf_cache > RTE_MEMPOOL_CACHE_MAX_SIZE) {
        snprintf(err, errlen, "%s: [worker] mbuf_cache: %u is above the mempool limit %u",
                 cfg->path, cfg->worker.mbuf_cache, RTE_MEMPOOL_CACHE_MAX_SIZE);
        return -EINVAL;
    }
    uint32_t need = lr_runtime_pool_min(cfg, nb_ports);
    if (cfg->worker.mbufs < need || (uint64_t)cfg->worker.mbuf_cache * 3 / 2 > cfg->worker.mbufs) {
        snprintf(err, errlen,
                 "%s: [worker] mbufs: %u is too small: with %u port(s) of rx_desc %u + tx_desc "
                 "%u and mbuf_cache %u each worker pool needs at least %u",
                 cfg->path, cfg->worker.mbufs, nb_ports, cfg->worker.rx_desc, cfg->worker.tx_desc,
                 cfg->worker.mbuf_cache, need);
        return -EINVAL;
    }
    if (cfg->worker.ring_size == 0 || cfg->worker.ring_size > RTE_RING_SZ_MASK) {
        snprintf(err, errlen, "%s: [worker] ring_size: %u is outside 1-%u", cfg->path,
                 cfg->worker.ring_size, RTE_RING_SZ_MASK);
        return -EINVAL;
    }
    return 0;
}

/* --- init / destroy ----------------------------------------------------- */

static uint64_t rng_seed(void)
{
    uint64_t seed = 0;
    if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != (ssize_t)sizeof(seed))
        seed = rte_rdtsc() ^ ((uint64_t)rte_lcore_id() << 32);
    return seed ? seed : 0x9E3779B97F4A7C15ULL; /* xorshift state must never be 0 */
}

static int runtime_pools(struct lr_runtime *rt, unsigned *lcores, char *err, size_t errlen)
{
    const struct lr_worker_config *wc = &rt->cfg->worker;
    uint16_t room = 0;

    for (uint16_t p = 0; p < rt->nb_ports; p++)
        room = RTE_MAX(room, lr_port_mbuf_data_room(rt->cfg->port[p].mtu));
    for (uint16_t i = 0; i < rt->nb_workers; i++) {
        char name[RTE_MEMPOOL_NAMESIZE];
        snprintf(name, sizeof(name), "lr_pool_%u", i);
        rt->pools[i] = rte_pktmbuf_pool_create(name, wc->mbufs, wc->mbuf_cache, 0, room,
                                               (int)rte_lcore_to_socket_id(lcores[i]));
        if (rt->pools[i] == NULL) {
            snprintf(err, errlen,
                     "worker %u: cannot create a pool of %u mbufs of %u bytes on socket %u: "
                     "%s (give EAL more memory with -m or hugepages, or lower [worker] mbufs)",
                     i, wc->mbufs, room, rte_lcore_to_socket_id(lcores[i]),
                     rte_strerror(rte_errno));
            return -ENOMEM;
        }
    }
    return 0;
}

static int runtime_workers(struct lr_runtime *rt, unsigned *lcores, char *err, size_t errlen)
{
    const struct lr_config *cfg = rt->cfg;
    uint64_t now = lr_time_now_us();

    for (uint16_t i = 0; i < rt->nb_workers; i++) {
        unsigned socket = rte_lcore_to_socket_id(lcores[i]);
        struct lr_worker *w =
            rte_zmalloc_socket("lr_worker", sizeof(*w), RTE_CACHE_LINE_SIZE, (int)socket);
        if (w == NULL) {
            snprintf(err, errlen, "worker %u: cannot allocate its context on socket %u", i, socket);
            return -ENOMEM;
        }
        rt->workers[i] = w;
        w->id = i;
        w->nb_workers = rt->nb_workers;
        w->queue = i;
        w->nb_ports = rt->nb_ports;
        w->burst = (uint16_t)cfg->worker.burst;
        w->lcore = lcores[i];
        w->socket = socket;
        w->now = now;
        w->last_flush = now;
        w->tx_flush_us = cfg->worker.tx_flush;
        w->cfg = cfg;
        w->ports = rt->ports;
        w->flow = &rt->flow;
        w->pool = rt->pools[i];
        w->rng = rng_seed();
        lr_timer_wheel_init(&w->timers, now);
        if (i == 0 && lr_crash_test_wanted())
            w->crash_test_at = 1; /* armed when the loop starts */
    }
    /* One SP/SC ring per ordered pair, on the consumer's socket. */
    for (uint16_t i = 0; i < rt->nb_workers; i++) {
        for (uint16_t j = 0; j < rt->nb_workers; j++) {
            char name[RTE_RING_NAMESIZE];
            if (i == j)
                continue;
            snprintf(name, sizeof(name), "lr_ring_%u_%u", i, j);
            struct rte_ring *r =
                rte_ring_create(name, cfg->worker.ring_size, (int)rt->workers[j]->socket,
                                RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);
            if (r == NULL) {
                snprintf(err, errlen, "cannot create ring %s of %u entries: %s", name,
                         cfg->worker.ring_size, rte_strerror(rte_errno));
                return -ENOMEM;
            }
            rt->rings[i][j] = r;
            rt->workers[i]->ring_to[j] = r;
            rt->workers[j]->ring_from[i] = r;
        }
    }
    return 0;
}

static int runtime_modules(struct lr_runtime *rt, char *err, size_t errlen)
{
    for (unsigned m = 0; m < RTE_DIM(lr_modules); m++) {
        if (lr_modules[m].global_init == NULL)
            continue;
        int rc = lr_modules[m].global_init(rt->cfg);
        if (rc != 0) {
            snprintf(err, errlen, "%s: global init failed: %s", lr_modules[m].name,
                     rte_strerror(rc < 0 ? -rc : rc));
            return rc < 0 ? rc : -rc;
        }
    }
    rt->globals_up = true;
    for (uint16_t i = 0; i < rt->nb_workers; i++) {
        struct lr_worker *w = rt->workers[i];
        for (unsigned m = 0; m < RTE_DIM(lr_modules); m++) {
            if (lr_modules[m].init != NULL) {
                int rc = lr_modules[m].init(w);
                if (rc != 0) {
                    snprintf(err, errlen, "worker %u: %s init failed: %s", i, lr_modules[m].name,
                             rte_strerror(rc < 0 ? -rc : rc));
                    return rc < 0 ? rc : -rc;
                }
            }
            rt->modules_up[i] = m + 1;
        }
    }
    return 0;
}

int lr_runtime_init(struct lr_runtime *rt, const struct lr_config *cfg, char *err, size_t errlen)
{
    unsigned lcores[LR_MAX_WORKERS];
    unsigned lcore;
    int rc;

    memset(rt, 0, sizeof(*rt));
    rt->cfg = cfg;
    rc = lr_runtime_check(cfg, err, errlen);
    if (rc != 0)
        return rc;
    rt->nb_ports = rte_eth_dev_count_avail();
    RTE_LCORE_FOREACH_WORKER(lcore)
    {
        lcores[rt->nb_workers++] = lcore;
    }
    rc = lr_flow_init(&rt->flow, rt->nb_workers, lr_port_reta_size(rt->nb_ports));
    if (rc != 0) {
        snprintf(err, errlen, "flow ownership init failed: %s", rte_strerror(-rc));
        return rc;
    }
    /* Handover marking, and FTP passive ports owned by the worker that
     * listens on them whatever their hash (lr_flow.h, lr_ftp_pasv_owner). */
    rc = lr_handover_register(&rt->flow);
    if (rc == 0 && cfg->ftp.enabled && cfg->ftp.pasv_min != 0)
        rc = lr_flow_override_set(&rt->flow, cfg->ftp.pasv_min, cfg->ftp.pasv_max);
    if (rc != 0) {
        snprintf(err, errlen, "flow handover init failed: %s", rte_strerror(-rc));
        return rc;
    }
    rc = runtime_pools(rt, lcores, err, errlen);
    if (rc != 0)
        return rc;
    for (uint16_t p = 0; p < rt->nb_ports; p++) {
        rc = lr_port_setup(p, &cfg->port[p], &cfg->worker, rt->nb_workers, rt->pools, &rt->flow,
                           &rt->ports[p], err, errlen);
        if (rc != 0)
            return rc;
        rt->port_started[p] = true;
    }
    rc = runtime_workers(rt, lcores, err, errlen);
    if (rc != 0)
        return rc;
    return runtime_modules(rt, err, errlen);
}

int lr_runtime_launch(struct lr_runtime *rt)
{
    rt->start_us = lr_time_now_us();
    for (uint16_t i = 0; i < rt->nb_workers; i++) {
        struct lr_worker *w = rt->workers[i];
        int rc = rte_eal_remote_launch(lr_worker_main, w, w->lcore);
        if (rc != 0) {
            LR_LOG(ERR, core, "worker %u: cannot launch on lcore %u: %s", i, w->lcore,
                   rte_strerror(-rc));
            if (i > 0)
                rt->launched = true; /* so stop waits for the ones that run */
            return rc;
        }
    }
    rt->launched = true;
    return 0;
}

void lr_runtime_stop(struct lr_runtime *rt)
{
    for (uint16_t i = 0; i < rt->nb_workers; i++)
        if (rt->workers[i] != NULL)
            rt->workers[i]->stop = true;
    if (rt->launched)
        rte_eal_mp_wait_lcore();
    rt->launched = false;
}

void lr_runtime_destroy(struct lr_runtime *rt)
{
    if (rt->launched)
        lr_runtime_stop(rt);
    for (uint16_t i = 0; i < rt->nb_workers; i++) {
        struct lr_worker *w = rt->workers[i];
        if (w == NULL)
            continue;
        for (unsigned m = rt->modules_up[i]; m-- > 0;)
            if (lr_modules[m].free != NULL)
                lr_modules[m].free(w);
        rt->modules_up[i] = 0;
        /* Packets still buffered for TX or handed over go back to their pools. */
        for (uint16_t p = 0; p < rt->nb_ports; p++) {
            rte_pktmbuf_free_bulk(w->tx[p].pkts, w->tx[p].n);
            w->tx[p].n = 0;
        }
    }
    for (uint16_t i = 0; i < rt->nb_workers; i++) {
        for (uint16_t j = 0; j < rt->nb_workers; j++) {
            struct rte_ring *r = rt->rings[i][j];
            void *m;
            if (r == NULL)
                continue;
            while (rte_ring_sc_dequeue(r, &m) == 0)
                rte_pktmbuf_free(m);
            rte_ring_free(r);
            rt->rings[i][j] = NULL;
        }
    }
    for (uint16_t p = 0; p < rt->nb_ports; p++) {
        if (rt->port_started[p])
            lr_port_close(p);
        rt->port_started[p] = false;
    }
    for (uint16_t i = 0; i < rt->nb_workers; i++) {
        rte_free(rt->workers[i]);
        rt->workers[i] = NULL;
        rte_mempool_free(rt->pools[i]);
        rt->pools[i] = NULL;
    }
    rt->nb_workers = 0;
}

void lr_runtime_stats_sum(const struct lr_runtime *rt, struct lr_stats *out)
{
    memset(out, 0, sizeof(*out));
    for (uint16_t i = 0; i < rt->nb_workers; i++) {
        const struct lr_worker *w = rt->workers[i];
        if (w == NULL)
            continue;
        lr_stats_add(out, &w->stats);
        for (unsigned e = 0; e < LR_TIMER_ERR_MAX; e++)
            out->timer_errors[e] += w->timers.errors[e];
    }
}

void lr_module_counters_foreach(const struct lr_module_counters *mc,
                                void (*fn)(void *arg, const char *name, uint64_t value), void *arg)
{
    fn(arg, "conns_active", mc->conns_active);
    fn(arg, "conns_total", mc->conns_total);
    fn(arg, "requests", mc->requests);
    fn(arg, "retransmits", mc->retransmits);
    fn(arg, "responses_2xx", mc->responses[0]);
    fn(arg, "responses_3xx", mc->responses[1]);
    fn(arg, "responses_4xx", mc->responses[2]);
    fn(arg, "responses_5xx", mc->responses[3]);
    fn(arg, "sessions", mc->sessions);
    fn(arg, "transfers", mc->transfers);
    fn(arg, "xfer_bytes", mc->xfer_bytes);
}

void lr_runtime_module_counters(const struct lr_runtime *rt, int id, struct lr_module_counters *out)
{
    memset(out, 0, sizeof(*out));
    for (uint16_t i = 0; i < rt->nb_workers; i++) {
        if ((id >= 0 && i != id) || rt->workers[i] == NULL)
            continue;
        for (unsigned m = 0; m < rt->modules_up[i]; m++)
            if (lr_modules[m].counters != NULL)
                lr_modules[m].counters(rt->workers[i], out);
    }
}

/* --- the poll loop ------------------------------------------------------ */

/* Ethernet input in pieces of at most LR_BURST_MAX (the fault layer may have
 * grown the burst with duplicates and released packets). */
static void worker_input(struct lr_worker *w, uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
    for (uint16_t off = 0; off < n; off += LR_BURST_MAX)
        lr_eth_input_burst(w, port, pkts + off, RTE_MIN((uint16_t)(n - off), LR_BURST_MAX));
}

/* Feed a burst whose packets may come from different ports (handed over by
 * other workers) to Ethernet input, one run of equal m->port at a time. */
static void worker_input_mixed(struct lr_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
    uint16_t start = 0;
    for (uint16_t i = 1; i <= n; i++) {
        if (i == n || pkts[i]->port != pkts[start]->port) {
            uint16_t port = pkts[start]->port;
            if (unlikely(port >= w->nb_ports)) {
                /* Cannot happen with a correct sender; never trust it blindly. */
                for (uint16_t k = start; k < i; k++)
                    lr_pkt_drop(w, LR_DROP_ETH_HANDOVER_FULL, pkts[k]);
            } else {
                worker_input(w, port, pkts + start, i - start);
            }
            start = i;
        }
    }
}

static bool worker_tx_buffered(const struct lr_worker *w)
{
    for (uint16_t p = 0; p < w->nb_ports; p++)
        if (w->tx[p].n != 0)
            return true;
    return false;
}

int lr_worker_main(void *arg)
{
    struct lr_worker *w = arg;
    struct rte_mbuf *pkts[LR_BURST_MAX * 2];
    const uint16_t burst = w->burst;

    w->now = lr_time_now_us();
    w->last_flush = w->now;
    LR_LOG(INFO, core, "worker %u running on lcore %u (socket %u)", w->id, w->lcore, w->socket);
    if (w->crash_test_at != 0)
        w->crash_test_at = w->now + 3000000; /* test hook: crash 3 s into the loop */
    if (w->id == 0 && w->cfg->arp.gratuitous)
        lr_arp_announce(w); /* RFC 5227 §3: announce our addresses at start */

    while (!w->stop) {
        bool backlog = false; /* a burst came back full: more is waiting */
        w->now = lr_time_now_us();

        for (uint16_t p = 0; p < w->nb_ports; p++) {
            /* Port RX counters are kept by lr_eth_input_burst(). */
            uint16_t n = rte_eth_rx_burst(p, w->queue, pkts, burst);
            backlog |= n == burst;
            if (unlikely(w->fault != NULL)) {
                /* Held (reordered) packets come out with the next burst or,
                 * when the link is idle, on the next empty poll. */
                if (n != 0)
                    n = lr_fault_apply(w, LR_FAULT_RX, p, pkts, n, RTE_DIM(pkts));
                else
                    n = lr_fault_release(w, LR_FAULT_RX, p, pkts, RTE_DIM(pkts));
            }
            if (n != 0)
                worker_input(w, p, pkts, n);
        }

        for (uint16_t j = 0; j < w->nb_workers; j++) {
            if (j == w->id)
                continue;
            unsigned n = rte_ring_sc_dequeue_burst(w->ring_from[j], (void **)pkts, burst, NULL);
            backlog |= n == burst;
            if (n != 0) {
                w->stats.handed_in += n;
                /* Handed-over L4 packets go straight to L4 (lr_handover.h);
                 * what is left (ARP replicas) takes the Ethernet path. */
                n = lr_handover_dispatch(w, pkts, (uint16_t)n);
                worker_input_mixed(w, pkts, (uint16_t)n);
            }
        }

        for (unsigned m = 0; m < RTE_DIM(lr_modules); m++)
            if (lr_modules[m].poll != NULL)
                lr_modules[m].poll(w);

        lr_timer_wheel_advance(&w->timers, w, w->now);
        if (unlikely(w->crash_test_at != 0) && w->now >= w->crash_test_at)
            lr_crash_test_fire(w);

        /* Once every queue is drained nothing more is coming in this
         * iteration: holding the TX would only add latency, so flush. While
         * bursts come back full, keep batching, for at most tx_flush us. */
        bool due = w->now - w->last_flush >= w->tx_flush_us;
        if ((worker_tx_buffered(w) && (!backlog || due)) || (w->fault != NULL && due))
            lr_tx_flush(w);
        w->stats.loops++;
    }

    w->now = lr_time_now_us();
    for (unsigned m = RTE_DIM(lr_modules); m-- > 0;)
        if (lr_modules[m].shutdown != NULL)
            lr_modules[m].shutdown(w);
    lr_tx_flush(w);
    LR_LOG(INFO, core, "worker %u stopped after %" PRIu64 " loops", w->id, w->stats.loops);
    return 0;
}
