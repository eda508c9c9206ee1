/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Telemetry commands (see lr_telemetry.h). Runs on DPDK's telemetry thread.
 *
 * rte_telemetry callbacks take no user argument, so the runtime they read is
 * kept in this file: one pointer set at start and cleared before the
 * runtime is destroyed, with a count of callbacks in progress so that
 * lr_telemetry_fini() can wait for them (control path only; the workers
 * never touch any of this).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_mempool.h>
#include <rte_pause.h>

#include "lr_log.h"
#include "lr_telemetry.h"
#include "lr_time.h"

static const struct lr_runtime *tel_rt;
static unsigned tel_busy;
static bool tel_enabled = true;

/* --- counter walk -------------------------------------------------------- */

struct lr_named_off {
    const char *name;
    size_t off;
};

#define LR_OFF(type, field)                                                                        \
    {                                                                                              \
#field, offsetof(type, field)                                                              \
    }

static const struct lr_named_off proto_fields[] = {
    LR_OFF(struct lr_proto_counters, rx_pkts),
    LR_OFF(struct lr_proto_counters, rx_bytes),
    LR_OFF(struct lr_proto_counters, tx_pkts),
    LR_OFF(struct lr_proto_counters, tx_bytes),
};
static const struct lr_named_off port_fields[] = {
    LR_OFF(struct lr_port_counters, rx_pkts),   LR_OFF(struct lr_port_counters, rx_bytes),
    LR_OFF(struct lr_port_counters, tx_pkts),   LR_OFF(struct lr_port_counters, tx_bytes),
    LR_OFF(struct lr_port_counters, rx_bursts),
};
static const struct lr_named_off arp_fields[] = {
    LR_OFF(struct lr_arp_counters, rx_requests),   LR_OFF(struct lr_arp_counters, rx_replies),
    LR_OFF(struct lr_arp_counters, tx_requests),   LR_OFF(struct lr_arp_counters, tx_replies),
    LR_OFF(struct lr_arp_counters, tx_gratuitous), LR_OFF(struct lr_arp_counters, resolved),
    LR_OFF(struct lr_arp_counters, expired),       LR_OFF(struct lr_arp_counters, queued),
};
static const struct lr_named_off icmp_fields[] = {
    LR_OFF(struct lr_icmp_counters, echo_requests),
    LR_OFF(struct lr_icmp_counters, echo_replies),
    LR_OFF(struct lr_icmp_counters, tx_dest_unreach),
    LR_OFF(struct lr_icmp_counters, tx_time_exceeded),
    LR_OFF(struct lr_icmp_counters, rx_dest_unreach),
    LR_OFF(struct lr_icmp_counters, rx_time_exceeded),
};

static void walk(const void *base, const struct lr_named_off *f, size_t n, const char *group,
                 lr_counter_fn fn, void *arg)
{
    for (size_t i = 0; i < n; i++)
        fn(arg, group, f[i].name, *(const uint64_t *)((const char *)base + f[i].off));
}

void lr_stats_foreach(const struct lr_stats *s, uint16_t nb_ports, lr_counter_fn fn, void *arg)
{
    static const char *const fault_dir[2] = { "rx", "tx" };
    char name[32];

    for (uint16_t p = 0; p < nb_ports && p < LR_STATS_MAX_PORTS; p++) {
        snprintf(name, sizeof(name), "port%u", p);
        walk(&s->port[p], port_fields, RTE_DIM(port_fields), name, fn, arg);
    }
    for (unsigned p = 0; p < LR_PROTO_MAX; p++) {
        const char *g = lr_proto_name((enum lr_proto)p);
        walk(&s->proto[p], proto_fields, RTE_DIM(proto_fields), g, fn, arg);
        fn(arg, g, "drops", lr_stats_proto_drops(s, (enum lr_proto)p));
        if (p == LR_PROTO_ARP)
            walk(&s->arp, arp_fields, RTE_DIM(arp_fields), g, fn, arg);
        if (p == LR_PROTO_ICMP)
            walk(&s->icmp, icmp_fields, RTE_DIM(icmp_fields), g, fn, arg);
    }
    for (unsigned d = 0; d < 2; d++) {
        snprintf(name, sizeof(name), "%s_dropped", fault_dir[d]);
        fn(arg, "fault", name, s->fault.dropped[d]);
        snprintf(name, sizeof(name), "%s_duplicated", fault_dir[d]);
        fn(arg, "fault", name, s->fault.duplicated[d]);
        snprintf(name, sizeof(name), "%s_reordered", fault_dir[d]);
        fn(arg, "fault", name, s->fault.reordered[d]);
        snprintf(name, sizeof(name), "%s_corrupted", fault_dir[d]);
        fn(arg, "fault", name, s->fault.corrupted[d]);
    }
    fn(arg, "worker", "handed_over", s->handed_over);
    fn(arg, "worker", "handed_in", s->handed_in);
    fn(arg, "worker", "loops", s->loops);
    for (unsigned e = 0; e < LR_TIMER_ERR_MAX; e++)
        fn(arg, "timer", lr_timer_err_name((enum lr_timer_err)e), s->timer_errors[e]);
    for (unsigned r = 0; r < LR_DROP_MAX; r++)
        fn(arg, "drops", lr_drop_name((enum lr_drop_reason)r), s->drops[r]);
}

/* Sums one module's counters over workers, matching them by position (a
 * walk emits the same names in the same order every time). */
struct module_sum {
    unsigned n;
    unsigned pos;
    bool overflow;
    char name[LR_MODULE_COUNTERS_MAX][48]; /* copies: walks may pass stack buffers */
    uint64_t value[LR_MODULE_COUNTERS_MAX];
};

static void module_sum_add(void *arg, const char *name, uint64_t value)
{
    struct module_sum *m = arg;

    if (m->pos >= LR_MODULE_COUNTERS_MAX) {
        m->overflow = true;
        return;
    }
    if (m->pos == m->n) {
        snprintf(m->name[m->n++], sizeof(m->name[0]), "%s", name);
        m->value[m->pos] = 0;
    }
    m->value[m->pos++] += value;
}

void lr_modules_foreach(const struct lr_runtime *rt, lr_counter_fn fn, void *arg)
{
    unsigned nmod;
    const struct lr_module *mods = lr_runtime_modules(&nmod);

    for (unsigned k = 0; k < nmod; k++) {
        struct module_sum sum;

        if (mods[k].walk == NULL)
            continue;
        sum.n = 0;
        sum.overflow = false;
        for (uint16_t i = 0; i < rt->nb_workers; i++) {
            if (rt->workers[i] == NULL || rt->modules_up[i] <= k)
                continue;
            sum.pos = 0;
            mods[k].walk(rt->workers[i], module_sum_add, &sum);
        }
        if (sum.overflow)
            LR_LOG(WARNING, core, "module %s has more than %u counters; the rest are not shown",
                   mods[k].name, LR_MODULE_COUNTERS_MAX);
        for (unsigned c = 0; c < sum.n; c++)
            fn(arg, mods[k].name, sum.name[c], sum.value[c]);
    }
}

/* --- runtime access ------------------------------------------------------ */

const struct lr_runtime *lr_telemetry_runtime_get(void)
{
    __atomic_fetch_add(&tel_busy, 1, __ATOMIC_ACQUIRE);
    const struct lr_runtime *rt = __atomic_load_n(&tel_rt, __ATOMIC_ACQUIRE);
    if (rt == NULL)
        __atomic_fetch_sub(&tel_busy, 1, __ATOMIC_RELEASE);
    return rt;
}

void lr_telemetry_runtime_put(void)
{
    __atomic_fetch_sub(&tel_busy, 1, __ATOMIC_RELEASE);
}

void lr_telemetry_fini(void)
{
    __atomic_store_n(&tel_rt, NULL, __ATOMIC_SEQ_CST);
    while (__atomic_load_n(&tel_busy, __ATOMIC_ACQUIRE) != 0)
        rte_delay_us_sleep(1000);
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

/* Group names built in a stack buffer ("portN") must outlive the group:
 * keep a copy per port. */
static void tel_add_ports(struct tel_builder *b, const struct lr_stats *s, uint16_t nb_ports)
{
    for (uint16_t p = 0; p < nb_ports && p < LR_STATS_MAX_PORTS; p++) {
        char g[16];
        struct rte_tel_data *d = rte_tel_data_alloc();
        if (d == NULL) {
            b->rc = -ENOMEM;
            return;
        }
        rte_tel_data_start_dict(d);
        for (size_t i = 0; i < RTE_DIM(port_fields); i++)
            rte_tel_data_add_dict_u64(
                d, port_fields[i].name,
                *(const uint64_t *)((const char *)&s->port[p] + port_fields[i].off));
        snprintf(g, sizeof(g), "port%u", p);
        if (rte_tel_data_add_dict_container(b->root, g, d, 0) != 0) {
            rte_tel_data_free(d);
            b->rc = -ENOSPC;
        }
    }
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
    const struct lr_runtime *rt = lr_telemetry_runtime_get();
    struct tel_builder b = { .root = d };
    struct lr_stats sum;
    struct lr_module_counters mc;

    if (rt == NULL)
        return -EAGAIN;
    lr_runtime_stats_sum(rt, &sum);
    lr_runtime_module_counters(rt, -1, &mc);
    rte_tel_data_start_dict(d);
    rte_tel_data_add_dict_u64(d, "uptime_us", lr_time_now_us() - rt->start_us);
    rte_tel_data_add_dict_u64(d, "workers", rt->nb_workers);
    rte_tel_data_add_dict_u64(d, "ports", rt->nb_ports);
    rte_tel_data_add_dict_u64(d, "drops_total", lr_stats_total_drops(&sum));
    tel_add_ports(&b, &sum, rt->nb_ports);
    lr_stats_foreach(&sum, rt->nb_ports, tel_skip_ports, &b);
    lr_module_counters_foreach(&mc, tel_add_module, &b);
    tel_group_close(&b);
    lr_telemetry_runtime_put();
    return b.rc;
}

/* --- /linerate/workers --------------------------------------------------- */

static int tel_cmd_workers(const char *cmd __rte_unused, const char *params __rte_unused,
                           struct rte_tel_data *d)
{
    const struct lr_runtime *rt = lr_telemetry_runtime_get();
    int rc = 0;

    if (rt == NULL)
        return -EAGAIN;
    rte_tel_data_start_dict(d);
    for (uint16_t i = 0; i < rt->nb_workers; i++) {
        const struct lr_worker *w = rt->workers[i];
        const struct lr_stats *s = &w->stats;
        struct lr_module_counters mc;
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
        lr_runtime_module_counters(rt, i, &mc);
        rte_tel_data_start_dict(c);
        rte_tel_data_add_dict_u64(c, "lcore", w->lcore);
        rte_tel_data_add_dict_u64(c, "socket", w->socket);
        rte_tel_data_add_dict_u64(c, "rx_pkts", rx);
        rte_tel_data_add_dict_u64(c, "tx_pkts", tx);
        rte_tel_data_add_dict_u64(c, "conns_active", mc.conns_active);
        rte_tel_data_add_dict_u64(c, "conns_total", mc.conns_total);
        rte_tel_data_add_dict_u64(c, "handed_over", s->handed_over);
        rte_tel_data_add_dict_u64(c, "handed_in", s->handed_in);
        rte_tel_data_add_dict_u64(c, "loops", s->loops);
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
    lr_telemetry_runtime_put();
    return rc;
}

/* --- registration -------------------------------------------------------- */

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

static int tel_cmd_module(const char *cmd, const char *params __rte_unused, struct rte_tel_data *d)
{
    const char *slash = strrchr(cmd, '/');
    struct module_emit e = { .module = slash != NULL ? slash + 1 : cmd, .d = d };
    const struct lr_runtime *rt = lr_telemetry_runtime_get();
    if (rt == NULL)
        return -EAGAIN;
    rte_tel_data_start_dict(d);
    lr_modules_foreach(rt, module_emit_one, &e);
    lr_telemetry_runtime_put();
    return 0;
}

int lr_telemetry_register(const char *cmd, telemetry_cb fn, const char *help)
{
    char full[64];
    int n;

    if (!tel_enabled)
        return -ENOENT;
    if (cmd == NULL || cmd[0] == '\0' || fn == NULL)
        return -EINVAL;
    if (cmd[0] == '/')
        n = snprintf(full, sizeof(full), "%s", cmd);
    else
        n = snprintf(full, sizeof(full), "/linerate/%s", cmd);
    if (n < 0 || (size_t)n >= sizeof(full))
        return -EINVAL;
    int rc = rte_telemetry_register_cmd(full, fn, help);
    if (rc != 0)
        LR_LOG(WARNING, core, "telemetry: cannot register %s: %s", full, rte_strerror(-rc));
    return rc;
}

int lr_telemetry_init(const struct lr_runtime *rt)
{
    int rc;

    tel_enabled = rt->cfg->stats.telemetry;
    if (!tel_enabled)
        return 0;
    __atomic_store_n(&tel_rt, rt, __ATOMIC_RELEASE);
    rc = lr_telemetry_register("stats", tel_cmd_stats,
                               "linerate counters summed over workers. Takes no parameters");
    if (rc == 0)
        rc = lr_telemetry_register("workers", tel_cmd_workers,
                                   "linerate per-worker counters. Takes no parameters");
    if (rc != 0)
        return rc;
    /* Each module's own commands; one that fails costs only its commands. */
    unsigned nmod;
    const struct lr_module *mods = lr_runtime_modules(&nmod);
    for (unsigned k = 0; k < nmod; k++) {
        /* A module with named counters gets /linerate/<name>: its walk
         * summed over workers; its own hook may add more commands. */
        if (mods[k].walk != NULL &&
            lr_telemetry_register(mods[k].name, tel_cmd_module,
                                  "linerate module counters summed over workers. Takes no "
                                  "parameters") != 0)
            LR_LOG(WARNING, core, "telemetry: module %s: no command", mods[k].name);
        if (mods[k].telemetry == NULL)
            continue;
        int mrc = mods[k].telemetry();
        if (mrc != 0)
            LR_LOG(WARNING, core, "telemetry: module %s could not register its commands: %s",
                   mods[k].name, rte_strerror(mrc < 0 ? -mrc : mrc));
    }
    return 0;
}
