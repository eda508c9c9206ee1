/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP timers. A connection has one lr_timer node on the worker's wheel and
 * a place on the delayed-ACK list:
 *  - rexmt, whose meaning is c->tmode: SYN/SYN-ACK retransmit, RTO (RFC 6298),
 *    persist (zero-window probes, RFC 9293 §3.8.6.1), keepalive (§3.8.4),
 *    TIME_WAIT (2MSL) or the orphaned FIN_WAIT_2 timeout — these never need
 *    to run at the same time, so one node serves them all;
 *  - delack, the delayed ACK (RFC 9293 §3.8.6.3, ≤ [tcp] delayed_ack).
 * lr_tcp_timer_update() re-derives which rexmt-class timer is due from the
 * connection's state after every event that may change it.
 */
#include <rte_tcp.h>

#include "lr_pkt.h"
#include "lr_tcp_priv.h"

void lr_tcp_timer_set(struct lr_worker *w, struct lr_tcp_conn *c, uint8_t mode, uint64_t delay)
{
    c->tmode = mode;
    lr_timer_arm(&w->timers, &c->rexmt, w->now + delay);
}

static void tcp_timer_clear(struct lr_worker *w, struct lr_tcp_conn *c)
{
    c->tmode = LR_TCP_TM_NONE;
    lr_timer_cancel(&w->timers, &c->rexmt);
}

static uint64_t tcp_rto(const struct lr_worker *w, const struct lr_tcp_conn *c)
{
    return lr_tcp_rtt_rto(&c->rtt, (uint32_t)w->tcp->cfg->rto_max);
}

void lr_tcp_timer_update(struct lr_worker *w, struct lr_tcp_conn *c, bool restart_rto)
{
    const struct lr_tcp_config *cfg = w->tcp->cfg;
    switch (c->state) {
    case LR_TCP_SYN_SENT:
    case LR_TCP_SYN_RCVD:
    case LR_TCP_TIME_WAIT:
        return; /* armed explicitly */
    case LR_TCP_CLOSED:
        tcp_timer_clear(w, c);
        return;
    default:
        break;
    }
    bool pending = lr_timer_pending(&c->rexmt);
    if (c->snd_max != c->snd_una) {
        /* RFC 6298 §5.1/§5.3: running while data is outstanding, restarted on new ACKs */
        if (c->tmode != LR_TCP_TM_RTO || !pending || restart_rto)
            lr_tcp_timer_set(w, c, LR_TCP_TM_RTO, tcp_rto(w, c));
        return;
    }
    uint32_t unsent = c->snd_queued - RTE_MIN(c->snd_queued, c->snd_nxt - c->snd_una);
    bool fin_waiting = (c->flags & LR_TCPF_FIN_QUEUED) && !(c->flags & LR_TCPF_FIN_SENT);
    if ((unsent > 0 || fin_waiting) && c->snd_wnd == 0) {
        /* RFC 9293 §3.8.6.1: probe a zero window, backing off, never giving up */
        if (c->tmode != LR_TCP_TM_PERSIST || !pending) {
            if (c->tmode != LR_TCP_TM_PERSIST) {
                c->retries = 0;
                c->probes_unanswered = 0;
                c->flags &= ~LR_TCPF_PROBE_OUT;
            }
            uint64_t d = tcp_rto(w, c) << RTE_MIN(c->retries, (uint8_t)10);
            lr_tcp_timer_set(w, c, LR_TCP_TM_PERSIST, RTE_MIN(d, cfg->rto_max));
        }
        return;
    }
    if (c->state == LR_TCP_FIN_WAIT_2 && (c->flags & LR_TCPF_APP_CLOSED)) {
        if (c->tmode != LR_TCP_TM_FIN_WAIT_2 || !pending)
            lr_tcp_timer_set(w, c, LR_TCP_TM_FIN_WAIT_2, cfg->time_wait);
        return;
    }
    if (cfg->keepalive > 0 && (c->state == LR_TCP_ESTABLISHED || c->state == LR_TCP_CLOSE_WAIT)) {
        if (c->tmode != LR_TCP_TM_KEEPALIVE || !pending) {
            uint64_t due = c->last_rcv + cfg->keepalive;
            lr_tcp_timer_set(w, c, LR_TCP_TM_KEEPALIVE, due > w->now ? due - w->now : 1);
        }
        return;
    }
    if (pending && c->tmode != LR_TCP_TM_NONE)
        tcp_timer_clear(w, c);
    c->tmode = LR_TCP_TM_NONE;
}

static void tcp_timer_syn(struct lr_worker *w, struct lr_tcp_conn *c)
{
    struct lr_tcp_ctx *t = w->tcp;
    if (++c->retries > t->cfg->syn_retries) {
        if (c->state == LR_TCP_SYN_SENT || !(c->flags & LR_TCPF_PASSIVE)) {
            t->cnt.refused++;
            c->flags |= LR_TCPF_APP_KNOWS;
            lr_tcp_conn_closed(w, c, LR_TCP_CLOSE_REFUSED);
        } else {
            lr_tcp_conn_release(w, c); /* half-open entry given up */
        }
        return;
    }
    t->cnt.syn_retransmits++;
    t->cnt.retransmits++;
    c->retrans_total++;
    lr_tcp_send_syn(w, c);
    /* exponential backoff from [tcp] syn_timeout */
    uint64_t d = t->cfg->syn_timeout << RTE_MIN(c->retries, (uint8_t)20);
    lr_tcp_timer_set(w, c, LR_TCP_TM_SYN, RTE_MIN(d, t->cfg->rto_max));
}

static void tcp_timer_rto(struct lr_worker *w, struct lr_tcp_conn *c)
{
    struct lr_tcp_ctx *t = w->tcp;
    if (c->snd_max == c->snd_una) {
        lr_tcp_timer_update(w, c, false);
        return;
    }
    t->cnt.rto_timeouts++;
    if (++c->retries > t->cfg->retries) {
        t->cnt.rto_giveups++;
        lr_tcp_send_rst_conn(w, c);
        lr_tcp_conn_closed(w, c, LR_TCP_CLOSE_TIMEOUT);
        return;
    }
    /* RFC 6298 §5.4-5.6, RFC 5681 §3.1: retransmit the earliest segment,
     * back off, collapse cwnd; go back to SND.UNA for what follows. */
    lr_tcp_cc_on_timeout(&c->cc, c->snd_max - c->snd_una, w->now);
    lr_tcp_rtt_backoff(&c->rtt, (uint32_t)t->cfg->rto_max);
    c->flags &= ~LR_TCPF_RECOVERY;
    c->recover = c->snd_max; /* RFC 6582 §3.2 step 4 */
    c->dupacks = 0;
    lr_tcp_sb_release(t, c); /* RFC 2018 §8: SACK state is advisory after an RTO */
    c->snd_nxt = c->snd_una;
    uint32_t len = RTE_MIN(c->snd_queued, (uint32_t)c->mss);
    lr_tcp_retransmit_una(w, c);
    c->snd_nxt = c->snd_una + len;
    if ((c->flags & LR_TCPF_FIN_SENT) && c->snd_nxt == c->snd_fin)
        c->snd_nxt++;
    lr_tcp_timer_set(w, c, LR_TCP_TM_RTO, tcp_rto(w, c));
}

static void tcp_timer_persist(struct lr_worker *w, struct lr_tcp_conn *c)
{
    struct lr_tcp_ctx *t = w->tcp;
    uint32_t unsent = c->snd_queued - RTE_MIN(c->snd_queued, c->snd_nxt - c->snd_una);
    bool fin_waiting = (c->flags & LR_TCPF_FIN_QUEUED) && !(c->flags & LR_TCPF_FIN_SENT);
    if (c->snd_wnd != 0 || (unsent == 0 && !fin_waiting) || c->snd_max != c->snd_una) {
        lr_tcp_output(w, c);
        return;
    }
    /* RFC 1122 §4.2.2.17: the window may stay closed for as long as the
     * receiver answers the probes; one that answered none of [tcp] retries
     * probes in a row is gone (else an orphan holds its slot forever). */
    if (!(c->flags & LR_TCPF_PROBE_OUT))
        c->probes_unanswered = 0;
    else if (++c->probes_unanswered > t->cfg->retries) {
        t->cnt.rto_giveups++;
        lr_tcp_send_rst_conn(w, c);
        lr_tcp_conn_closed(w, c, LR_TCP_CLOSE_TIMEOUT);
        return;
    }
    /* Zero-window probe: a segment below SND.UNA makes the peer answer with
     * its current window (RFC 9293 §3.8.6.1 allows any probe that elicits an
     * ACK); a window that stays closed is no reason to abort. */
    c->flags |= LR_TCPF_PROBE_OUT; /* cleared by the next segment received */
    t->cnt.window_probes++;
    lr_tcp_send_segment(w, c, c->snd_una - 1, 0, RTE_TCP_ACK_FLAG);
    if (c->retries < 255)
        c->retries++;
    uint64_t d = tcp_rto(w, c) << RTE_MIN(c->retries, (uint8_t)10);
    lr_tcp_timer_set(w, c, LR_TCP_TM_PERSIST, RTE_MIN(d, t->cfg->rto_max));
}

static void tcp_timer_keepalive(struct lr_worker *w, struct lr_tcp_conn *c)
{
    struct lr_tcp_ctx *t = w->tcp;
    const struct lr_tcp_config *cfg = t->cfg;
    if (cfg->keepalive == 0 || c->snd_max != c->snd_una) {
        lr_tcp_timer_update(w, c, false);
        return;
    }
    uint64_t idle = w->now - c->last_rcv;
    uint64_t due = cfg->keepalive + (uint64_t)c->ka_probes * cfg->keepalive_intvl;
    if (idle < due) {
        lr_tcp_timer_set(w, c, LR_TCP_TM_KEEPALIVE, due - idle);
        return;
    }
    if (c->ka_probes >= cfg->keepalive_probes) {
        t->cnt.keepalive_drops++;
        lr_tcp_send_rst_conn(w, c);
        lr_tcp_conn_closed(w, c, LR_TCP_CLOSE_TIMEOUT);
        return;
    }
    /* RFC 9293 §3.8.4: SEG.SEQ = SND.NXT-1, no data */
    c->ka_probes++;
    t->cnt.keepalive_probes++;
    lr_tcp_send_segment(w, c, c->snd_una - 1, 0, RTE_TCP_ACK_FLAG);
    lr_tcp_timer_set(w, c, LR_TCP_TM_KEEPALIVE, cfg->keepalive_intvl);
}

void lr_tcp_timer_rexmt_fire(struct lr_worker *w, struct lr_timer *tm)
{
    struct lr_tcp_conn *c = container_of(tm, struct lr_tcp_conn, rexmt);
    struct lr_tcp_ctx *t = w->tcp;
    if (c->flags & LR_TCPF_RELEASED)
        return;
    t->busy++;
    uint8_t mode = c->tmode;
    c->tmode = LR_TCP_TM_NONE;
    switch (mode) {
    case LR_TCP_TM_SYN:
        tcp_timer_syn(w, c);
        break;
    case LR_TCP_TM_RTO:
        tcp_timer_rto(w, c);
        break;
    case LR_TCP_TM_PERSIST:
        tcp_timer_persist(w, c);
        break;
    case LR_TCP_TM_KEEPALIVE:
        tcp_timer_keepalive(w, c);
        break;
    case LR_TCP_TM_TIME_WAIT:
        lr_tcp_conn_closed(w, c, LR_TCP_CLOSE_NORMAL);
        break;
    case LR_TCP_TM_FIN_WAIT_2:
        lr_tcp_send_rst_conn(w, c);
        lr_tcp_conn_closed(w, c, LR_TCP_CLOSE_TIMEOUT);
        break;
    default:
        break;
    }
    lr_tcp_flush_outq(w);
    t->busy--;
    lr_tcp_reap(w);
}

/*
 * Delayed ACKs (RFC 9293 §3.8.6.3, RFC 1122 §4.2.3.2). Every connection waits
 * the same time ([tcp] delayed_ack, at most 500 ms), so the connections with
 * an ACK owed form a timeout queue (lr_tqueue.h): arming appends, the ACK
 * that goes out first unlinks, and one wheel timer is kept for the head.
 * That is 12 B in a connection instead of a wheel node (48 B).
 */
static uint64_t dack_delay(const struct lr_tcp_ctx *t)
{
    return RTE_MIN(t->cfg->delayed_ack, (uint64_t)500000);
}

void lr_tcp_delack_init(struct lr_tcp_ctx *t)
{
    lr_tqueue_init(&t->dack_q, t->conns, sizeof(t->conns[0]), offsetof(struct lr_tcp_conn, dack),
                   dack_delay(t), lr_tcp_timer_dack_fire);
}

void lr_tcp_delack_arm(struct lr_worker *w, struct lr_tcp_conn *c)
{
    struct lr_tcp_ctx *t = w->tcp;
    if (c->flags & LR_TCPF_DELACK)
        return; /* the first unacknowledged segment's deadline stands */
    c->flags |= LR_TCPF_DELACK;
    lr_tqueue_add(&w->timers, &t->dack_q, lr_tcp_conn_idx(t, c), w->now);
}

void lr_tcp_delack_cancel(struct lr_tcp_ctx *t, struct lr_tcp_conn *c)
{
    if (!(c->flags & LR_TCPF_DELACK))
        return;
    c->flags &= ~LR_TCPF_DELACK;
    lr_tqueue_del(&t->dack_q, lr_tcp_conn_idx(t, c));
}

void lr_tcp_timer_dack_fire(struct lr_worker *w, struct lr_timer *tm)
{
    struct lr_tcp_ctx *t = container_of(tm, struct lr_tcp_ctx, dack_q.timer);
    t->busy++;
    /* Bounded: each turn takes one connection off the queue, and output
     * cannot put it back (it sends the ACK, lr_tcp_send_segment). */
    struct lr_tcp_conn *c;
    while ((c = lr_tqueue_pop_due(&w->timers, &t->dack_q, w->now)) != NULL) {
        c->flags &= ~LR_TCPF_DELACK;
        t->cnt.delayed_acks++;
        c->flags |= LR_TCPF_ACK_NOW;
        lr_tcp_output(w, c);
    }
    lr_tcp_flush_outq(w);
    t->busy--;
    lr_tcp_reap(w);
}
