/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The runtime's telemetry commands (lr_runtime.h): /linerate/stats,
 * /linerate/workers and /linerate/<module>. Runs on DPDK's telemetry
 * thread; the workers are read between lr_telemetry_workers_get() and
 * _put() (lr_telemetry.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_mempool.h>
#include <rte_telemetry.h>

#include "lr_log.h"
#include "lr_runtime.h"
#include "lr_time.h"

/* The runtime whose view the platform hands to callbacks. */
static const struct lr_runtime *runtime_get(void)
{
    const struct lr_worker_set *ws = lr_telemetry_workers_get();
    return ws != NULL ? container_of(ws, const struct lr_runtime, view) : NULL;
}

/* --- /linerate/stats ----------------------------------------------------- */

struct tel_builder {
    struct rte_tel_data *root;
    struct rte_tel_data *cur;
    const char *cur_group;
    int rc;
};

static void tel_group_close(struct tel_builder *b)
{
    if (b->cur == NULL)
        return;
    if (rte_tel_data_add_dict_container(b->root, b->cur_group, b->cur, 0) != 0) {
        rte_tel_data_free(b->cur);
        b->rc = -ENOSPC;
    }
    b->cur = NULL;
}

static void tel_add(void *arg, const char *group, const char *name, uint64_t value)
{
    struct tel_builder *b = arg;

    if (b->cur == NULL || strcmp(group, b->cur_group) != 0) {
        tel_group_close(b);
        b->cur = rte_tel_data_alloc();
        if (b->cur == NULL) {
            b->rc = -ENOMEM;
            return;
        }
        rte_tel_data_start_dict(b->cur);
        b->cur_group = group; /* string literal or a name kept until close */
    }
    if (rte_tel_data_add_dict_u64(b->cur, name, value) != 0)
        b->rc = -ENOSPC;
}

static void tel_add_module(void *arg, const char *name, uint64_t value)
{
    tel_add(arg, "modules", name, value);
}

/* One dict per port: lr_stats_foreach() names its groups "portN" from a
 * stack buffer, so the groups are collected by port number here and
 * attached under names that outlive the walk. */
struct tel_ports {
    struct rte_tel_data *d[LR_STATS_MAX_PORTS];
    int rc;
};

static void tel_port_collect(void *arg, const char *group, const char *name, uint64_t value)
{
    struct tel_ports *t = arg;
    char *end;

    if (strncmp(group, "port", 4) != 0)
        return;
    unsigned long p = strtoul(group + 4, &end, 10);
    if (*end != '\0' || p >= LR_STATS_MAX_PORTS)
        return;
    if (t->d[p] == NULL) {
        t->d[p] = rte_tel_data_alloc();
        if (t->d[p] == NULL) {
            t->rc = -ENOMEM;
            return;
        }
        rte_tel_data_start_dict(t->d[p]);
    }
    rte_tel_data_add_dict_u64(t->d[p], name, value);
}

static void tel_add_ports(struct tel_builder *b, const struct lr_stats *s, uint16_t nb_ports)
{
    struct tel_ports t = { .rc = 0 };

    lr_stats_foreach(s, nb_ports, tel_port_collect, &t);
    for (unsigned p = 0; p < LR_STATS_MAX_PORTS; p++) {
        char g[16];
        if (t.d[p] == NULL)
            continue;
        snprintf(g, sizeof(g), "port%u", p);
        if (rte_tel_data_add_dict_container(b->root, g, t.d[p], 0) != 0) {
            rte_tel_data_free(t.d[p]);
            b->rc = -ENOSPC;
        }
    }
    if (t.rc != 0)
        b->rc = t.rc;
}

static void tel_skip_ports(void *arg, const char *group, const char *name, uint64_t value)
{
    if (strncmp(group, "port", 4) == 0)
        return;
    tel_add(arg, group, name, value);
}

static int tel_cmd_stats(const char *cmd __rte_unused, const char *params __rte_unused,
                         struct rte_tel_data *d)
{
    const struct lr_runtime *rt = runtime_get();
    struct tel_builder b = { .root = d };
    struct lr_stats sum;
    struct lr_line_totals lt;

    if (rt == NULL)
        return -EAGAIN;
    lr_runtime_stats_sum(rt, &sum);
    lr_runtime_line_totals(rt, -1, &lt);
    rte_tel_data_start_dict(d);
    rte_tel_data_add_dict_u64(d, "uptime_us", lr_time_now_us() - rt->start_us);
    rte_tel_data_add_dict_u64(d, "workers", rt->nb_workers);
    rte_tel_data_add_dict_u64(d, "ports", rt->nb_ports);
    rte_tel_data_add_dict_u64(d, "drops_total", lr_stats_total_drops(&sum));
    tel_add_ports(&b, &sum, rt->nb_ports);
    lr_stats_foreach(&sum, rt->nb_ports, tel_skip_ports, &b);
    lr_line_totals_foreach(&lt, tel_add_module, &b);
    tel_group_close(&b);
    lr_telemetry_workers_put();
    return b.rc;
}

/* --- /linerate/workers --------------------------------------------------- */

static int tel_cmd_workers(const char *cmd __rte_unused, const char *params __rte_unused,
                           struct rte_tel_data *d)
{
    const struct lr_runtime *rt = runtime_get();
    int rc = 0;

    if (rt == NULL)
        return -EAGAIN;
    rte_tel_data_start_dict(d);
    for (uint16_t i = 0; i < rt->nb_workers; i++) {
        const struct lr_worker *w = rt->workers[i];
        const struct lr_stats *s = &w->stats;
        struct lr_line_totals lt;
        uint64_t rx = 0, tx = 0;
        char key[16];
        struct rte_tel_data *c = rte_tel_data_alloc();

        if (c == NULL) {
            rc = -ENOMEM;
            break;
        }
        for (uint16_t p = 0; p < rt->nb_ports; p++) {
            rx += s->port[p].rx_pkts;
            tx += s->port[p].tx_pkts;
        }
        lr_runtime_line_totals(rt, i, &lt);
        rte_tel_data_start_dict(c);
        rte_tel_data_add_dict_u64(c, "lcore", w->lcore);
        rte_tel_data_add_dict_u64(c, "socket", w->socket);
        rte_tel_data_add_dict_u64(c, "rx_pkts", rx);
        rte_tel_data_add_dict_u64(c, "tx_pkts", tx);
        rte_tel_data_add_dict_u64(c, "conns_active", lt.v[LR_LINE_CONNS_ACTIVE]);
        rte_tel_data_add_dict_u64(c, "conns_total", lt.v[LR_LINE_CONNS_TOTAL]);
        rte_tel_data_add_dict_u64(c, "requests", lt.v[LR_LINE_REQUESTS]);
        rte_tel_data_add_dict_u64(c, "handed_over", s->handed_over);
        rte_tel_data_add_dict_u64(c, "handed_in", s->handed_in);
        rte_tel_data_add_dict_u64(c, "loops", s->loops);
        rte_tel_data_add_dict_u64(c, "busy_cycles", s->busy_cycles);
        rte_tel_data_add_dict_u64(c, "drops", lr_stats_total_drops(s));
        rte_tel_data_add_dict_u64(c, "timers_pending", w->timers.count);
        rte_tel_data_add_dict_u64(c, "timer_errors", lr_timer_wheel_errors(&w->timers));
        /* The worker's mbuf pool: size and in use (RX rings hold a constant
         * share; a leak shows as a count that never comes back). Read from
         * this thread the caches make it approximate, never unsafe. */
        if (w->pool != NULL) {
            rte_tel_data_add_dict_u64(c, "mbufs_total", w->pool->size);
            rte_tel_data_add_dict_u64(c, "mbufs_in_use", rte_mempool_in_use_count(w->pool));
        }
        snprintf(key, sizeof(key), "%u", i);
        if (rte_tel_data_add_dict_container(d, key, c, 0) != 0) {
            rte_tel_data_free(c);
            rc = -ENOSPC;
            break;
        }
    }
    lr_telemetry_workers_put();
    return rc;
}

/* /linerate/<module>: the counters one module's walk hook emits, summed. */
struct module_emit {
    const char *module;
    struct rte_tel_data *d;
};

static void module_emit_one(void *arg, const char *group, const char *name, uint64_t value)
{
    struct module_emit *e = arg;
    if (strcmp(group, e->module) == 0)
        rte_tel_data_add_dict_u64(e->d, name, value);
}

static void module_emit_worker(void *arg, const struct lr_module *m, const char *name,
                               uint64_t value)
{
    module_emit_one(arg, m->name, name, value);
}

/* /linerate/<module>[,<worker>]: summed over workers, or one worker's. */
static int tel_cmd_module(const char *cmd, const char *params, struct rte_tel_data *d)
{
    const char *slash = strrchr(cmd, '/');
    struct module_emit e = { .module = slash != NULL ? slash + 1 : cmd, .d = d };
    long worker = -1;
    if (params != NULL && params[0] != '\0') {
        char *end;
        errno = 0;
        worker = strtol(params, &end, 10);
        if (errno != 0 || *end != '\0' || worker < 0 || worker >= LR_MAX_WORKERS)
            return -EINVAL;
    }
    const struct lr_runtime *rt = runtime_get();
    if (rt == NULL)
        return -EAGAIN;
    if (worker >= rt->nb_workers) {
        lr_telemetry_workers_put();
        return -EINVAL;
    }
    rte_tel_data_start_dict(d);
    if (worker < 0)
        lr_modules_foreach(rt, module_emit_one, &e);
    else
        lr_runtime_modules_walk(&rt->view, (uint16_t)worker, module_emit_worker, &e);
    lr_telemetry_workers_put();
    return 0;
}

int lr_runtime_telemetry_init(struct lr_runtime *rt)
{
    int rc;

    if (!lr_telemetry_attach(&rt->view))
        return 0;
    rc = lr_telemetry_register("stats", tel_cmd_stats,
                               "linerate counters summed over workers. Takes no parameters");
    if (rc == 0)
        rc = lr_telemetry_register("workers", tel_cmd_workers,
                                   "linerate per-worker counters. Takes no parameters");
    if (rc != 0)
        return rc;
    /* Each module's own commands; one that fails costs only its commands. */
    unsigned nmod;
    const struct lr_module *const *mods = lr_runtime_modules(&nmod);
    for (unsigned k = 0; k < nmod; k++) {
        /* A module with named counters gets /linerate/<name>: its walk
         * summed over workers; its own hook may add more commands. */
        if (mods[k]->walk != NULL && !mods[k]->own_command &&
            lr_telemetry_register(mods[k]->name, tel_cmd_module,
                                  "linerate module counters summed over workers, or of "
                                  "one worker: parameter = worker id") != 0)
            LR_LOG(WARNING, core, "telemetry: module %s: no command", mods[k]->name);
        if (mods[k]->telemetry == NULL)
            continue;
        int mrc = mods[k]->telemetry();
        if (mrc != 0)
            LR_LOG(WARNING, core, "telemetry: module %s could not register its commands: %s",
                   mods[k]->name, rte_strerror(mrc < 0 ? -mrc : mrc));
    }
    return 0;
}

void lr_runtime_telemetry_fini(void)
{
    lr_telemetry_detach();
}
