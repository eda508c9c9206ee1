/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Telemetry registration and the worker set callbacks read (see
 * lr_telemetry.h). Runs on DPDK's telemetry thread.
 *
 * rte_telemetry callbacks take no user argument, so the workers they read
 * are kept in this file: one pointer set at start (lr_telemetry_attach) and
 * cleared before the workers are freed, with a count of callbacks in
 * progress so that lr_telemetry_detach() can wait for them (control path
 * only; the workers never touch any of this).
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

static const struct lr_worker_set *tel_ws;
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

/* --- runtime access ------------------------------------------------------ */

const struct lr_worker_set *lr_telemetry_workers_get(void)
{
    __atomic_fetch_add(&tel_busy, 1, __ATOMIC_ACQUIRE);
    const struct lr_worker_set *ws = __atomic_load_n(&tel_ws, __ATOMIC_ACQUIRE);
    if (ws == NULL)
        __atomic_fetch_sub(&tel_busy, 1, __ATOMIC_RELEASE);
    return ws;
}

void lr_telemetry_workers_put(void)
{
    __atomic_fetch_sub(&tel_busy, 1, __ATOMIC_RELEASE);
}

bool lr_telemetry_attach(const struct lr_worker_set *ws)
{
    tel_enabled = ws->cfg->stats.telemetry;
    if (tel_enabled)
        __atomic_store_n(&tel_ws, ws, __ATOMIC_RELEASE);
    return tel_enabled;
}

void lr_telemetry_detach(void)
{
    __atomic_store_n(&tel_ws, NULL, __ATOMIC_SEQ_CST);
    while (__atomic_load_n(&tel_busy, __ATOMIC_ACQUIRE) != 0)
        rte_delay_us_sleep(1000);
}

/* --- registration -------------------------------------------------------- */

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

void lr_walk_sum_init(struct lr_walk_sum *s)
{
    s->n = 0;
    s->pos = 0;
    s->overflow = false;
}

static void walk_sum_add(void *arg, const char *name, uint64_t value)
{
    struct lr_walk_sum *s = arg;

    if (s->pos >= LR_MODULE_COUNTERS_MAX) {
        s->overflow = true;
        return;
    }
    if (s->pos == s->n) {
        snprintf(s->name[s->n++], sizeof(s->name[0]), "%s", name);
        s->value[s->pos] = 0;
    }
    s->value[s->pos++] += value;
}

void lr_walk_sum_worker(struct lr_walk_sum *s, const struct lr_worker *w,
                        void (*walk)(const struct lr_worker *, lr_module_counter_fn, void *))
{
    s->pos = 0;
    walk(w, walk_sum_add, s);
}
