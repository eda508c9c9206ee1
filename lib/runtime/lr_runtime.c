/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The runtime (lr_runtime.h): checks of the configuration against what EAL
 * probed, pools, ports, workers, rings, the modules' lifecycle.
 * Main lcore only; the poll loop is in lr_loop.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "lr_crash.h"
#include "lr_handover.h"
#include "lr_log.h"
#include "lr_pkt.h"
#include "lr_port.h"
#include "lr_runtime.h"
#include "lr_time.h"

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
        const struct lr_worker_params p = {
            .id = i,
            .nb_workers = rt->nb_workers,
            .nb_ports = rt->nb_ports,
            .lcore = lcores[i],
            .socket = socket,
            .now = now,
            .ports = rt->ports,
            .flow = &rt->flow,
            .pool = rt->pools[i],
        };
        lr_worker_setup(w, cfg, &p);
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
    unsigned nmod;
    const struct lr_module *const *mods = lr_runtime_modules(&nmod);

    if (nmod == 0) {
        snprintf(err, errlen, "the module list is inconsistent (see the log)");
        return -EINVAL;
    }
    for (unsigned m = 0; m < nmod; m++) {
        if (mods[m]->global_init != NULL) {
            int rc = mods[m]->global_init(rt->cfg);
            if (rc != 0) {
                snprintf(err, errlen, "%s: global init failed: %s", mods[m]->name,
                         rte_strerror(rc < 0 ? -rc : rc));
                return rc < 0 ? rc : -rc;
            }
        }
        rt->globals_up = m + 1;
    }
    uint64_t udp_extra = 0;
    for (unsigned m = 0; m < nmod; m++)
        if (mods[m]->udp_binds != NULL)
            udp_extra += mods[m]->udp_binds(rt->cfg);
    if (udp_extra > UINT16_MAX) {
        snprintf(err, errlen, "modules claim %" PRIu64 " UDP ports per worker, more than 65535",
                 udp_extra);
        return -EINVAL;
    }
    for (uint16_t i = 0; i < rt->nb_workers; i++) {
        struct lr_worker *w = rt->workers[i];
        w->udp_extra_binds = (uint32_t)udp_extra;
        for (unsigned m = 0; m < nmod; m++) {
            if (mods[m]->init != NULL) {
                int rc = mods[m]->init(w);
                if (rc != 0) {
                    snprintf(err, errlen, "worker %u: %s init failed: %s", i, mods[m]->name,
                             rte_strerror(rc < 0 ? -rc : rc));
                    return rc < 0 ? rc : -rc;
                }
            }
            rt->modules_up[i] = m + 1;
        }
    }
    return 0;
}

/* Flow ownership before the ports start: handover marking, then what the
 * modules claim (e.g. FTP passive ports owned by the worker that listens on
 * them whatever their hash, lr_flow.h). */
static int runtime_flow(struct lr_runtime *rt, char *err, size_t errlen)
{
    unsigned nmod;
    const struct lr_module *const *mods = lr_runtime_modules(&nmod);
    int rc = lr_handover_register(&rt->flow);

    if (rc != 0) {
        snprintf(err, errlen, "flow handover init failed: %s", rte_strerror(-rc));
        return rc;
    }
    for (unsigned m = 0; m < nmod; m++) {
        if (mods[m]->flow == NULL)
            continue;
        rc = mods[m]->flow(rt->cfg, &rt->flow);
        if (rc != 0) {
            snprintf(err, errlen, "%s: flow ownership: %s", mods[m]->name,
                     rte_strerror(rc < 0 ? -rc : rc));
            return rc < 0 ? rc : -rc;
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
    rc = runtime_flow(rt, err, errlen);
    if (rc != 0)
        return rc;
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
    rt->view = (struct lr_worker_set){
        .cfg = cfg,
        .nb_workers = rt->nb_workers,
        .nb_ports = rt->nb_ports,
        .workers = rt->workers,
        .modules_walk = lr_runtime_modules_walk,
    };
    for (uint16_t i = 0; i < rt->nb_workers; i++)
        rt->workers[i]->set = &rt->view;
    return runtime_modules(rt, err, errlen);
}

int lr_runtime_launch(struct lr_runtime *rt)
{
    rt->start_us = lr_time_now_us();
    rt->view.start_us = rt->start_us;
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
    unsigned nmod;
    const struct lr_module *const *mods = lr_runtime_modules(&nmod);

    if (rt->launched)
        lr_runtime_stop(rt);
    for (uint16_t i = 0; i < rt->nb_workers; i++) {
        struct lr_worker *w = rt->workers[i];
        if (w == NULL)
            continue;
        for (unsigned m = rt->modules_up[i]; m-- > 0;)
            if (mods[m]->fini != NULL)
                mods[m]->fini(w);
        rt->modules_up[i] = 0;
        /* Packets still buffered for TX or handed over go back to their pools. */
        for (uint16_t p = 0; p < rt->nb_ports; p++) {
            rte_pktmbuf_free_bulk(w->tx[p].pkts, w->tx[p].n);
            w->tx[p].n = 0;
        }
    }
    /* After every worker's fini: nothing refers to global state any more. */
    for (unsigned m = rt->globals_up; m-- > 0;)
        if (mods[m]->global_fini != NULL)
            mods[m]->global_fini();
    rt->globals_up = 0;
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
