/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP telemetry data: counters by name and the connection listing. Runs on
 * the main lcore (telemetry thread) and only reads worker memory; the
 * connection pool is preallocated, so a racy read may see a torn entry but
 * never touches freed memory.
 */
#include <string.h>

#include "lr_tcp_priv.h"

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
    X(time_wait_recycled)

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
