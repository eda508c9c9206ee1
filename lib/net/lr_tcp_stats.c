/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP telemetry data: counters by name and the connection listing. Runs on
 * the main lcore (telemetry thread) and only reads worker memory; the
 * connection pool is preallocated, so a racy read may see a torn entry but
 * never touches freed memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_telemetry.h>

#include "lr_tcp_priv.h"
#include "lr_telemetry.h"

/* X(field) for every scalar counter, in output order. */
#define LR_TCP_COUNTERS(X)                                                                         \
    X(active)                                                                                      \
    X(opened_passive)                                                                              \
    X(opened_active)                                                                               \
    X(closed)                                                                                      \
    X(refused)                                                                                     \
    X(accept_refused)                                                                              \
    X(rx_segs)                                                                                     \
    X(tx_segs)                                                                                     \
    X(rx_bytes)                                                                                    \
    X(tx_bytes)                                                                                    \
    X(retransmits)                                                                                 \
    X(rto_timeouts)                                                                                \
    X(fast_retransmits)                                                                            \
    X(sack_retransmits)                                                                            \
    X(sack_board_short)                                                                            \
    X(rto_giveups)                                                                                 \
    X(syn_retransmits)                                                                             \
    X(dup_acks)                                                                                    \
    X(challenge_acks)                                                                              \
    X(challenge_acks_limited)                                                                      \
    X(syncookies_sent)                                                                             \
    X(syncookies_ok)                                                                               \
    X(syncookies_bad)                                                                              \
    X(rst_sent)                                                                                    \
    X(rst_rcvd)                                                                                    \
    X(delayed_acks)                                                                                \
    X(window_probes)                                                                               \
    X(window_updates)                                                                              \
    X(keepalive_probes)                                                                            \
    X(keepalive_drops)                                                                             \
    X(ooo_segs)                                                                                    \
    X(paws_drops)                                                                                  \
    X(time_wait_recycled)                                                                          \
    X(time_wait_reclaimed)

void lr_tcp_counters_get(const struct lr_worker *w, struct lr_tcp_counters *out)
{
    if (w->tcp == NULL) {
        memset(out, 0, sizeof(*out));
        return;
    }
    memcpy(out, &w->tcp->cnt, sizeof(*out));
}

void lr_tcp_counters_add(struct lr_tcp_counters *dst, const struct lr_tcp_counters *src)
{
    for (unsigned i = 0; i < LR_TCP_STATE_MAX; i++)
        dst->state[i] += src->state[i];
#define LR_X_ADD(f) dst->f += src->f;
    LR_TCP_COUNTERS(LR_X_ADD)
#undef LR_X_ADD
}

unsigned lr_tcp_counters_foreach(const struct lr_tcp_counters *c,
                                 void (*fn)(void *arg, const char *name, uint64_t value), void *arg)
{
    unsigned n = 0;
#define LR_X_EMIT(f)                                                                               \
    fn(arg, #f, c->f);                                                                             \
    n++;
    LR_TCP_COUNTERS(LR_X_EMIT)
#undef LR_X_EMIT
    for (unsigned i = 0; i < LR_TCP_STATE_MAX; i++) {
        char name[32];
        const char *s = lr_tcp_state_name((enum lr_tcp_state)i);
        unsigned k = 0;
        const char *pre = "state_";
        while (*pre && k < sizeof(name) - 1)
            name[k++] = *pre++;
        while (*s && k < sizeof(name) - 1) {
            char ch = *s++;
            name[k++] = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
        }
        name[k] = '\0';
        fn(arg, name, c->state[i]);
        n++;
    }
    return n;
}

void lr_tcp_conn_info_get(const struct lr_tcp_conn *c, struct lr_tcp_conn_info *info)
{
    memset(info, 0, sizeof(*info));
    info->laddr = c->key.laddr;
    info->raddr = c->key.raddr;
    info->lport = rte_be_to_cpu_16(c->key.lport);
    info->rport = rte_be_to_cpu_16(c->key.rport);
    info->state = c->state;
    info->cwnd = c->cc.cwnd;
    info->ssthresh = c->cc.ssthresh;
    info->srtt_us = c->rtt.srtt;
    info->rto_us = c->rtt.rto;
    info->snd_wnd = c->snd_wnd;
    info->rcv_wnd = c->rcv_adv - c->rcv_nxt;
    info->unacked = c->snd_max - c->snd_una;
    uint32_t sent = c->snd_nxt - c->snd_una;
    info->queued = c->snd_queued > sent ? c->snd_queued - sent : 0;
    info->bytes_in = c->bytes_in;
    info->bytes_out = c->bytes_out;
    info->retransmits = c->retrans_total;
}

unsigned lr_tcp_conns_list(const struct lr_worker *w, struct lr_tcp_conn_info *out, unsigned max,
                           unsigned skip)
{
    const struct lr_tcp_ctx *t = w->tcp;
    unsigned n = 0;
    if (t == NULL)
        return 0;
    for (uint32_t i = 0; i < t->max_conns && n < max; i++) {
        const struct lr_tcp_conn *c = &t->conns[i];
        uint8_t st = c->state;
        if (st == LR_TCP_CLOSED || st >= LR_TCP_STATE_MAX || (c->flags & LR_TCPF_RELEASED))
            continue;
        if (skip > 0) {
            skip--;
            continue;
        }
        lr_tcp_conn_info_get(c, &out[n]);
        out[n].worker = (uint8_t)w->id;
        n++;
    }
    return n;
}

/* --- telemetry: /linerate/conns (/linerate/tcp is the generic module
 * command over the module's walk hook, lib/runtime) ---------------------- */

#define LR_TCP_TEL_MAX_CONNS 128

/* /linerate/conns[,SKIP]: up to 128 connections (all workers), skipping SKIP. */
static int tcp_tel_conns(const char *cmd __rte_unused, const char *params, struct rte_tel_data *d)
{
    unsigned skip = 0;
    if (params != NULL && *params != '\0') {
        char *end;
        unsigned long v = strtoul(params, &end, 10);
        if (*end != '\0' || v > UINT32_MAX)
            return -EINVAL;
        skip = (unsigned)v;
    }
    const struct lr_worker_set *rt = lr_telemetry_workers_get();
    if (rt == NULL)
        return -EAGAIN;
    static struct lr_tcp_conn_info info[LR_TCP_TEL_MAX_CONNS]; /* telemetry thread only */
    unsigned n = 0;
    for (uint16_t i = 0; i < rt->nb_workers && n < LR_TCP_TEL_MAX_CONNS; i++) {
        if (rt->workers[i] == NULL)
            continue;
        /* count this worker's entries to apply skip across workers */
        unsigned got = lr_tcp_conns_list(rt->workers[i], info + n, LR_TCP_TEL_MAX_CONNS - n, skip);
        if (got == 0 && skip > 0) {
            struct lr_tcp_conn_info tmp;
            unsigned all = 0;
            while (lr_tcp_conns_list(rt->workers[i], &tmp, 1, all) == 1)
                all++;
            skip = skip > all ? skip - all : 0;
            continue;
        }
        skip = 0;
        n += got;
    }
    lr_telemetry_workers_put();
    rte_tel_data_start_dict(d);
    for (unsigned i = 0; i < n; i++) {
        struct rte_tel_data *c = rte_tel_data_alloc();
        if (c == NULL)
            return -ENOMEM;
        char la[16], ra[16], key[16];
        const uint8_t *l = (const uint8_t *)&info[i].laddr;
        const uint8_t *r = (const uint8_t *)&info[i].raddr;
        snprintf(la, sizeof(la), "%u.%u.%u.%u", l[0], l[1], l[2], l[3]);
        snprintf(ra, sizeof(ra), "%u.%u.%u.%u", r[0], r[1], r[2], r[3]);
        rte_tel_data_start_dict(c);
        rte_tel_data_add_dict_string(c, "state", lr_tcp_state_name(info[i].state));
        rte_tel_data_add_dict_string(c, "laddr", la);
        rte_tel_data_add_dict_u64(c, "lport", info[i].lport);
        rte_tel_data_add_dict_string(c, "raddr", ra);
        rte_tel_data_add_dict_u64(c, "rport", info[i].rport);
        rte_tel_data_add_dict_u64(c, "worker", info[i].worker);
        rte_tel_data_add_dict_u64(c, "cwnd", info[i].cwnd);
        rte_tel_data_add_dict_u64(c, "ssthresh", info[i].ssthresh);
        rte_tel_data_add_dict_u64(c, "srtt_us", info[i].srtt_us);
        rte_tel_data_add_dict_u64(c, "rto_us", info[i].rto_us);
        rte_tel_data_add_dict_u64(c, "snd_wnd", info[i].snd_wnd);
        rte_tel_data_add_dict_u64(c, "rcv_wnd", info[i].rcv_wnd);
        rte_tel_data_add_dict_u64(c, "unacked", info[i].unacked);
        rte_tel_data_add_dict_u64(c, "queued", info[i].queued);
        rte_tel_data_add_dict_u64(c, "bytes_in", info[i].bytes_in);
        rte_tel_data_add_dict_u64(c, "bytes_out", info[i].bytes_out);
        rte_tel_data_add_dict_u64(c, "retransmits", info[i].retransmits);
        snprintf(key, sizeof(key), "%u", i);
        if (rte_tel_data_add_dict_container(d, key, c, 0) != 0) {
            rte_tel_data_free(c);
            return -ENOSPC;
        }
    }
    return 0;
}

int lr_tcp_telemetry_register(void)
{
    return lr_telemetry_register("conns", tcp_tel_conns,
                                 "TCP connections (at most 128). Parameter: entries to skip");
}

/* --- the module (lr_module.h) -------------------------------------------- */

static int tcp_module_global_init(const struct lr_config *cfg __rte_unused)
{
    return lr_tcp_global_init();
}

static void tcp_module_walk(const struct lr_worker *w, lr_module_counter_fn fn, void *arg)
{
    struct lr_tcp_counters c;

    lr_tcp_counters_get(w, &c);
    lr_tcp_counters_foreach(&c, fn, arg);
}

static const struct lr_module_line tcp_line[] = {
    { "active", LR_LINE_CONNS_ACTIVE },
    { "opened_passive", LR_LINE_CONNS_TOTAL },
    { "opened_active", LR_LINE_CONNS_TOTAL },
    { "retransmits", LR_LINE_RETRANSMITS },
    { NULL, 0 },
};

const struct lr_module lr_tcp_module = {
    .name = "tcp",
    .after = LR_MODULE_AFTER("ip"),
    .global_init = tcp_module_global_init,
    .init = lr_tcp_init,
    .fini = lr_tcp_free,
    .shutdown = lr_tcp_shutdown,
    .walk = tcp_module_walk,
    .line = tcp_line,
    .gauges = LR_MODULE_GAUGES("active", "state_*"),
    .telemetry = lr_tcp_telemetry_register,
};
