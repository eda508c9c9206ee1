/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP input: RFC 9293 §3.10.7 SEGMENT ARRIVES.
 *
 * Call chain:
 *   lr_ipv4_input_burst -> lr_tcp_input_burst()
 *     tcp_parse()                  length, data offset, checksum, options
 *     rte_hash_lookup_bulk_data()  one bulk lookup for the whole burst
 *     tcp_segment()
 *       no connection  -> tcp_input_listen() (LISTEN, SYN cookies) or RST (§3.10.7.1)
 *       SYN-SENT       -> tcp_input_synsent() (§3.10.7.3)
 *       ESTABLISHED    -> header prediction (in-order data / pure ACK)
 *       otherwise      -> tcp_input_sync() (§3.10.7.4, in RFC order:
 *                         PAWS, acceptability, RST, SYN, ACK, text, FIN)
 *   end of burst: lr_tcp_output() once per touched connection (ACK coalescing),
 *   then lr_tcp_reap() frees connections released during the burst.
 */
#include <string.h>

#include <rte_ip.h>
#include <rte_tcp.h>

#include "lr_net.h"
#include "lr_crash.h"
#include "lr_pkt.h"
#include "lr_tcp_priv.h"

#define TCP_CHUNK RTE_HASH_LOOKUP_BULK_MAX

/* --- mbuf chain helpers --------------------------------------------------- */

/* Remove @n bytes from the front of chain @m; returns the new head. */
static struct rte_mbuf *tcp_mbuf_cut_front(struct rte_mbuf *m, uint32_t n)
{
    uint32_t total = m->pkt_len;
    uint16_t segs = m->nb_segs;
    while (m->next != NULL && n >= m->data_len) {
        struct rte_mbuf *nx = m->next;
        n -= m->data_len;
        total -= m->data_len;
        segs--;
        m->next = NULL;
        m->nb_segs = 1;
        rte_pktmbuf_free_seg(m);
        m = nx;
    }
    if (n > m->data_len)
        n = m->data_len;
    m->data_off = (uint16_t)(m->data_off + n);
    m->data_len = (uint16_t)(m->data_len - n);
    m->pkt_len = total - n;
    m->nb_segs = segs;
    return m;
}

/* Keep the first @keep bytes of chain @m. */
static void tcp_mbuf_keep(struct rte_mbuf *m, uint32_t keep)
{
    if (keep >= m->pkt_len)
        return;
    m->pkt_len = keep;
    struct rte_mbuf *s = m;
    uint16_t segs = 1;
    while (keep > s->data_len && s->next != NULL) {
        keep -= s->data_len;
        s = s->next;
        segs++;
    }
    s->data_len = (uint16_t)keep;
    if (s->next != NULL) {
        rte_pktmbuf_free(s->next);
        s->next = NULL;
    }
    m->nb_segs = segs;
}

/* --- parsing -------------------------------------------------------------- */

/* Validate and parse; on success the data offset of @m is at the payload. */
static int tcp_parse(struct lr_worker *w, struct rte_mbuf *m, struct lr_tcp_seg *s)
{
    const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
    uint32_t l3 = m->l3_len ? m->l3_len : (uint32_t)rte_ipv4_hdr_len(ip);
    if (m->pkt_len < l3 + sizeof(struct rte_tcp_hdr))
        return LR_DROP_TCP_TRUNCATED;
    if (m->data_len < l3 + sizeof(struct rte_tcp_hdr) && rte_pktmbuf_linearize(m) != 0)
        return LR_DROP_TCP_TRUNCATED;
    ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
    const struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *, l3);
    uint32_t tcp_len = m->pkt_len - l3;
    uint32_t hlen = (uint32_t)(th->data_off >> 4) * 4;
    if (hlen < sizeof(*th) || hlen > tcp_len)
        return LR_DROP_TCP_OFFSET;
    if (m->data_len < l3 + hlen) {
        if (rte_pktmbuf_linearize(m) != 0)
            return LR_DROP_TCP_TRUNCATED;
        ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
        th = rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *, l3);
    }
    /* Checksum: trust the device when it verified (GOOD) or vouches for the
     * data while the field holds only a partial sum (NONE: a virtio peer
     * that offloaded its checksum, e.g. virtio-user into net_vhost);
     * software otherwise (UNKNOWN, and every frame the fault layer or the
     * reassembly touched, which clear the flags). */
    uint64_t ck = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;
    if (ck == RTE_MBUF_F_RX_L4_CKSUM_BAD)
        return LR_DROP_TCP_CSUM;
    if (ck == RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN && rte_ipv4_udptcp_cksum_mbuf_verify(m, ip, l3) != 0)
        return LR_DROP_TCP_CSUM;
    s->flags = th->tcp_flags;
    if (lr_tcp_opts_parse((const uint8_t *)(th + 1), hlen - sizeof(*th),
                          (s->flags & RTE_TCP_SYN_FLAG) != 0, &s->opts) != 0)
        return LR_DROP_TCP_OPTIONS;
    if (th->src_port == 0 || th->dst_port == 0)
        return LR_DROP_TCP_NO_CONN;
    s->seq = rte_be_to_cpu_32(th->sent_seq);
    s->ack = rte_be_to_cpu_32(th->recv_ack);
    s->wnd = rte_be_to_cpu_16(th->rx_win);
    s->hlen = (uint8_t)hlen;
    s->len = tcp_len - hlen;
    s->saddr = ip->src_addr;
    s->daddr = ip->dst_addr;
    s->sport = th->src_port;
    s->dport = th->dst_port;
    w->tcp->cnt.rx_segs++;
    w->stats.proto[LR_PROTO_TCP].rx_pkts++;
    w->stats.proto[LR_PROTO_TCP].rx_bytes += m->pkt_len;
    rte_pktmbuf_adj(m, (uint16_t)(l3 + hlen));
    return -1;
}

/* --- helpers -------------------------------------------------------------- */

/* Negotiate options from the peer's SYN (RFC 9293 §3.7.1, RFC 7323, RFC 2018). */
static void tcp_syn_options(struct lr_worker *w, struct lr_tcp_conn *c, const struct lr_tcp_opts *o)
{
    const struct lr_tcp_config *cfg = w->tcp->cfg;
    uint32_t peer = o->has_mss ? o->mss : LR_TCP_DEFAULT_MSS;
    if (peer < 64)
        peer = 64;
    uint32_t mss = RTE_MIN(peer, (uint32_t)lr_tcp_adv_mss(w, c->port));
    c->flags &= ~(LR_TCPF_WSCALE | LR_TCPF_TS | LR_TCPF_SACK);
    c->snd_wscale = 0;
    c->rcv_wscale = 0;
    /* RFC 7323 §2.2: scaling only when both SYNs carry the option */
    if (o->has_wscale && cfg->wscale > 0) {
        c->flags |= LR_TCPF_WSCALE;
        c->snd_wscale = RTE_MIN(o->wscale, (uint8_t)LR_TCP_MAX_WSCALE); /* §2.3 */
        c->rcv_wscale = RTE_MIN(cfg->wscale, (uint8_t)LR_TCP_MAX_WSCALE);
    }
    if (o->sack_ok && cfg->sack)
        c->flags |= LR_TCPF_SACK;
    if (o->has_ts && cfg->timestamps) {
        c->flags |= LR_TCPF_TS;
        c->ts_recent = o->ts_val;
        c->ts_recent_age = lr_tcp_paws_clock(w);
        mss -= 12; /* RFC 9293 §3.7.1: options reduce the payload */
    }
    c->mss = (uint16_t)mss;
}

static void tcp_rtt_sample(struct lr_worker *w, struct lr_tcp_conn *c, uint64_t rtt_us)
{
    const struct lr_tcp_config *cfg = w->tcp->cfg;
    if (rtt_us == 0)
        rtt_us = 1;
    if (rtt_us > cfg->rto_max)
        return;
    lr_tcp_rtt_sample(&c->rtt, (uint32_t)rtt_us, (uint32_t)cfg->rto_min, (uint32_t)cfg->rto_max);
}

/* RTT from the timestamp echo (RFC 7323 §4) or the timed segment (RFC 6298). */
static void tcp_rtt_from_ack(struct lr_worker *w, struct lr_tcp_conn *c, const struct lr_tcp_seg *s)
{
    if ((c->flags & LR_TCPF_TS) && s->opts.has_ts && s->opts.ts_ecr != 0) {
        uint32_t d = lr_tcp_ts_now(w, c) - s->opts.ts_ecr;
        if ((int32_t)d >= 0)
            tcp_rtt_sample(w, c, (uint64_t)d * 1000);
    } else if ((c->flags & LR_TCPF_RTT_TIMING) && lr_seq_gt(s->ack, c->rtt_seq)) {
        c->flags &= ~LR_TCPF_RTT_TIMING;
        tcp_rtt_sample(w, c, w->now - c->rtt_start);
    }
}

static void tcp_call_writable(struct lr_worker *w, struct lr_tcp_conn *c)
{
    if (!(c->flags & LR_TCPF_WANT_WRITABLE) || lr_tcp_send_space(c) == 0)
        return;
    c->flags &= ~LR_TCPF_WANT_WRITABLE;
    if (c->ops != NULL && c->ops->writable != NULL && (c->flags & LR_TCPF_APP_KNOWS)) {
        w->tcp->busy++;
        c->ops->writable(w, c);
        w->tcp->busy--;
    }
}

void lr_tcp_enter_time_wait(struct lr_worker *w, struct lr_tcp_conn *c)
{
    lr_tcp_conn_set_state(w, c, LR_TCP_TIME_WAIT);
    lr_tcp_sndq_free(c);
    lr_tcp_timer_set(w, c, LR_TCP_TM_TIME_WAIT, w->tcp->cfg->time_wait);
    c->flags |= LR_TCPF_ACK_NOW;
    lr_tcp_queue_output(w, c);
    if ((c->flags & LR_TCPF_APP_KNOWS) && c->ops != NULL && c->ops->closed != NULL) {
        c->flags &= ~LR_TCPF_APP_KNOWS;
        w->tcp->busy++;
        c->ops->closed(w, c, LR_TCP_CLOSE_NORMAL);
        w->tcp->busy--;
    }
    c->flags &= ~LR_TCPF_APP_KNOWS;
}

/*
 * The peer's FIN in order at rcv_nxt, first half (RFC 9293 §3.10.7.4
 * eighth): RCV.NXT over the FIN and, from ESTABLISHED (or SYN-RCVD), the
 * state CLOSE-WAIT. Taken before the text of the same segment reaches the
 * application, so the application hears about that text in the state the
 * whole segment leads to: a close from its data() callback is then a
 * passive close (CLOSE-WAIT -> LAST-ACK, the peer keeps the TIME-WAIT), not
 * an active one that would leave a TIME-WAIT on our side. The closing
 * states (FIN-WAIT-1/2, whose next step may report closed()) move on in
 * tcp_fin_done(), after the text was delivered.
 */
static void tcp_fin_take(struct lr_worker *w, struct lr_tcp_conn *c)
{
    c->rcv_nxt++;
    c->flags |= LR_TCPF_PEER_FIN | LR_TCPF_ACK_NOW;
    lr_tcp_queue_output(w, c);
    if (c->state == LR_TCP_SYN_RCVD || c->state == LR_TCP_ESTABLISHED)
        lr_tcp_conn_set_state(w, c, LR_TCP_CLOSE_WAIT);
}

/* Hand in-order payload to the application; @fin: the segment's FIN follows
 * the payload and is taken first (tcp_fin_take; the caller finishes with
 * tcp_fin_done() when @c survived). */
static void tcp_deliver(struct lr_worker *w, struct lr_tcp_conn *c, struct rte_mbuf *m, bool fin)
{
    uint32_t len = m->pkt_len;
    c->rcv_nxt += len;
    c->bytes_in += len;
    w->tcp->cnt.rx_bytes += len;
    if (c->flags & LR_TCPF_RCV_MANUAL)
        c->rcv_held += len;
    if (fin)
        tcp_fin_take(w, c);
    if (c->ops != NULL && c->ops->data != NULL && (c->flags & LR_TCPF_APP_KNOWS)) {
        w->tcp->busy++;
        c->ops->data(w, c, m);
        w->tcp->busy--;
    } else {
        rte_pktmbuf_free(m);
    }
}

/* Our FIN's sequence was acknowledged. */
static bool tcp_fin_acked(const struct lr_tcp_conn *c)
{
    return (c->flags & LR_TCPF_FIN_SENT) && lr_seq_gt(c->snd_una, c->snd_fin);
}

/* The peer's FIN, second half (after tcp_fin_take() and the delivery of the
 * segment's text): tell the application, finish the closing states.
 * Returns false if @c is gone. */
static bool tcp_fin_done(struct lr_worker *w, struct lr_tcp_conn *c)
{
    switch (c->state) {
    case LR_TCP_CLOSE_WAIT:
    case LR_TCP_LAST_ACK: /* shutdown_write/close from data() of this segment */
        /* no peer_closed() after lr_tcp_close(): the app reads no more */
        if (c->ops != NULL && c->ops->peer_closed != NULL && (c->flags & LR_TCPF_APP_KNOWS) &&
            !(c->flags & LR_TCPF_APP_CLOSED)) {
            w->tcp->busy++;
            c->ops->peer_closed(w, c);
            w->tcp->busy--;
        }
        break;
    case LR_TCP_FIN_WAIT_1:
        if (tcp_fin_acked(c))
            lr_tcp_enter_time_wait(w, c);
        else
            lr_tcp_conn_set_state(w, c, LR_TCP_CLOSING); /* simultaneous close */
        break;
    case LR_TCP_FIN_WAIT_2:
        if (c->ops != NULL && c->ops->peer_closed != NULL && (c->flags & LR_TCPF_APP_KNOWS) &&
            !(c->flags & LR_TCPF_APP_CLOSED)) {
            w->tcp->busy++;
            c->ops->peer_closed(w, c);
            w->tcp->busy--;
        }
        if (!(c->flags & LR_TCPF_RELEASED))
            lr_tcp_enter_time_wait(w, c);
        break;
    case LR_TCP_TIME_WAIT:
        lr_tcp_timer_set(w, c, LR_TCP_TM_TIME_WAIT, w->tcp->cfg->time_wait);
        break;
    default:
        break;
    }
    return !(c->flags & LR_TCPF_RELEASED);
}

/* A FIN without text in order at rcv_nxt (RFC 9293 §3.10.7.4 eighth).
 * Returns false if @c is gone. */
static bool tcp_fin_in(struct lr_worker *w, struct lr_tcp_conn *c)
{
    tcp_fin_take(w, c);
    return tcp_fin_done(w, c);
}

/* Insert an out-of-order segment (payload @m at @seq) into the bounded queue. */
static void tcp_ooo_insert(struct lr_worker *w, struct lr_tcp_conn *c, struct rte_mbuf *m,
                           uint32_t seq, bool fin)
{
    struct lr_tcp_ctx *t = w->tcp;
    uint32_t len = m->pkt_len;
    struct rte_mbuf **pp = &c->ooo_head;
    struct rte_mbuf *prev = NULL;
    while (*pp != NULL && lr_seq_leq(lr_tcp_ooo(t, *pp)->seq, seq)) {
        prev = *pp;
        pp = &lr_tcp_ooo(t, *pp)->next;
    }
    if (prev != NULL) {
        uint32_t pend = lr_tcp_ooo(t, prev)->seq + prev->pkt_len;
        if (lr_seq_geq(pend, seq + len) && !(fin && !lr_tcp_ooo(t, prev)->fin)) {
            lr_pkt_drop(w, LR_DROP_TCP_DUP, m); /* already held */
            return;
        }
        if (lr_seq_gt(pend, seq)) {
            uint32_t cut = pend - seq;
            if (cut >= len) {
                lr_pkt_drop(w, LR_DROP_TCP_DUP, m);
                return;
            }
            m = tcp_mbuf_cut_front(m, cut);
            seq += cut;
            len -= cut;
        }
    }
    /* Segments the new one covers entirely are replaced; a partial overlap
     * at the right end is trimmed from the new one. */
    while (*pp != NULL) {
        struct rte_mbuf *nx = *pp;
        uint32_t ns = lr_tcp_ooo(t, nx)->seq;
        if (lr_seq_geq(ns, seq + len))
            break;
        uint32_t nend = ns + nx->pkt_len;
        if (lr_seq_leq(nend, seq + len)) {
            *pp = lr_tcp_ooo(t, nx)->next;
            c->ooo_n--;
            c->ooo_bytes -= nx->pkt_len;
            if (lr_tcp_ooo(t, nx)->fin && nend == seq + len)
                fin = true;
            lr_pkt_drop(w, LR_DROP_TCP_DUP, nx);
            continue;
        }
        len = ns - seq;
        tcp_mbuf_keep(m, len);
        fin = false;
        break;
    }
    if (c->ooo_n >= t->cfg->ooo_max || len == 0) {
        lr_pkt_drop(w, len == 0 ? LR_DROP_TCP_DUP : LR_DROP_TCP_OOO_FULL, m);
        return;
    }
    struct lr_tcp_ooo_dyn *d = lr_tcp_ooo(t, m);
    d->seq = seq;
    d->fin = fin;
    d->next = *pp;
    *pp = m;
    c->ooo_n++;
    c->ooo_bytes += len;
    c->ooo_recent = seq;
    t->cnt.ooo_segs++;
}

/* The peer's FIN was taken: queued text beyond it is never delivered
 * (RFC 9293 §3.10.7.4: after a FIN the sequence space ends; later text is
 * ignored). Counted, the queue emptied. */
static void tcp_ooo_purge(struct lr_worker *w, struct lr_tcp_conn *c)
{
    struct lr_tcp_ctx *t = w->tcp;
    while (c->ooo_head != NULL) {
        struct rte_mbuf *m = c->ooo_head;
        c->ooo_head = lr_tcp_ooo(t, m)->next;
        lr_pkt_drop(w, LR_DROP_TCP_AFTER_FIN, m);
    }
    c->ooo_n = 0;
    c->ooo_bytes = 0;
}

/* After rcv_nxt advanced: deliver what the OOO queue now continues. A
 * queued FIN ends the drain: the rest of the queue lies beyond it and is
 * dropped before the FIN's segment is delivered (tcp_ooo_purge). */
static bool tcp_ooo_drain(struct lr_worker *w, struct lr_tcp_conn *c)
{
    struct lr_tcp_ctx *t = w->tcp;
    while (c->ooo_head != NULL && lr_seq_leq(lr_tcp_ooo(t, c->ooo_head)->seq, c->rcv_nxt)) {
        struct rte_mbuf *m = c->ooo_head;
        struct lr_tcp_ooo_dyn *d = lr_tcp_ooo(t, m);
        c->ooo_head = d->next;
        c->ooo_n--;
        c->ooo_bytes -= m->pkt_len;
        uint32_t seq = d->seq;
        uint32_t end = seq + m->pkt_len;
        bool fin = d->fin && lr_seq_geq(end, c->rcv_nxt) && !(c->flags & LR_TCPF_PEER_FIN);
        if (fin)
            tcp_ooo_purge(w, c);
        if (lr_seq_gt(end, c->rcv_nxt)) {
            m = tcp_mbuf_cut_front(m, c->rcv_nxt - seq);
            tcp_deliver(w, c, m, fin);
            if (c->flags & LR_TCPF_RELEASED)
                return false;
        } else {
            rte_pktmbuf_free(m);
            if (fin)
                tcp_fin_take(w, c);
        }
        if (fin)
            return tcp_fin_done(w, c);
    }
    return true;
}

/* Data (already trimmed to the window, seq >= rcv_nxt) in a state that
 * accepts text; @fin: the FIN follows the data. Consumes @m. Returns false
 * when @c is gone. */
static bool tcp_data_in(struct lr_worker *w, struct lr_tcp_conn *c, struct rte_mbuf *m,
                        uint32_t seq, bool fin)
{
    const struct lr_tcp_config *cfg = w->tcp->cfg;
    if (seq == c->rcv_nxt) {
        bool had_ooo = c->ooo_head != NULL;
        fin = fin && !(c->flags & LR_TCPF_PEER_FIN);
        if (had_ooo) {
            /* RFC 5681 §4.2: ACK at once when a hole is filled */
            c->flags |= LR_TCPF_ACK_NOW;
            /* With a FIN on this segment nothing queued can follow it
             * (RFC 9293 §3.10.7.4: the FIN ends the sequence space). */
            if (fin)
                tcp_ooo_purge(w, c);
        }
        /* The FIN is taken with the text (tcp_deliver -> tcp_fin_take). */
        tcp_deliver(w, c, m, fin);
        if (c->flags & LR_TCPF_RELEASED)
            return false;
        if (had_ooo && !fin && !tcp_ooo_drain(w, c))
            return false;
        if (fin && !tcp_fin_done(w, c))
            return false;
        /* RFC 9293 §3.8.6.3 / RFC 1122 §4.2.3.2: ACK at least every second
         * full-sized segment, otherwise within the delayed-ACK time. */
        if (++c->segs_unacked >= 2 || cfg->delayed_ack == 0)
            c->flags |= LR_TCPF_ACK_NOW;
        else
            lr_tcp_delack_arm(w, c); /* RFC 1122: within 500 ms */
    } else {
        tcp_ooo_insert(w, c, m, seq, fin);
        c->flags |= LR_TCPF_ACK_NOW; /* duplicate ACK, RFC 5681 §4.2 */
    }
    lr_tcp_queue_output(w, c);
    return true;
}

/* --- ACK processing (RFC 9293 §3.10.7.4 fifth, RFC 5681, RFC 6582) ---------- */

/* Returns false when @c is gone. */
static bool tcp_ack_in(struct lr_worker *w, struct lr_tcp_conn *c, const struct lr_tcp_seg *s)
{
    struct lr_tcp_ctx *t = w->tcp;
    uint32_t ack = s->ack;
    bool wnd_changed = false;
    /* SND.WND update (RFC 9293 §3.10.7.4): only from newer segments */
    if (lr_seq_lt(c->snd_wl1, s->seq) || (c->snd_wl1 == s->seq && lr_seq_leq(c->snd_wl2, ack))) {
        uint32_t nw = (uint32_t)s->wnd << c->snd_wscale;
        wnd_changed = nw != c->snd_wnd;
        if (nw > c->snd_wnd && c->snd_wnd == 0)
            c->retries = (c->tmode == LR_TCP_TM_PERSIST) ? 0 : c->retries;
        c->snd_wnd = nw;
        c->snd_wl1 = s->seq;
        c->snd_wl2 = ack;
        if (nw > c->max_snd_wnd)
            c->max_snd_wnd = nw;
    }
    if (lr_seq_gt(ack, c->snd_una)) {
        uint32_t acked = ack - c->snd_una;
        uint32_t flight = c->snd_max - c->snd_una;
        tcp_rtt_from_ack(w, c, s);
        uint32_t data_acked = RTE_MIN(acked, c->snd_queued);
        lr_tcp_sndq_ack(w, c, data_acked);
        c->snd_una = ack;
        if (lr_seq_lt(c->snd_nxt, c->snd_una))
            c->snd_nxt = c->snd_una;
        c->bytes_out += data_acked;
        lr_tcp_sb_ack(t, c);
        c->retries = 0;
        c->rtt.backoff = 0;
        if (c->snd_una == c->snd_max)
            c->flags &= ~LR_TCPF_RETRANSMITTED;
        if (c->flags & LR_TCPF_RECOVERY) {
            if (lr_seq_geq(ack, c->recover)) {
                /* RFC 6582 §3.2 step 3: full acknowledgment */
                c->flags &= ~LR_TCPF_RECOVERY;
                lr_tcp_cc_on_recovery_exit(&c->cc, c->snd_max - c->snd_una);
                c->dupacks = 0;
            } else {
                /* partial acknowledgment: retransmit the next hole at once */
                lr_tcp_cc_on_partial_ack(&c->cc, acked);
                if (!(c->flags & LR_TCPF_SACK) || c->sb == 0)
                    lr_tcp_retransmit_una(w, c);
            }
        } else {
            c->dupacks = 0;
            lr_tcp_cc_on_ack(&c->cc, acked, flight, c->rtt.srtt, w->now);
        }
        if ((c->flags & LR_TCPF_SACK) && s->opts.nb_sack)
            lr_tcp_sb_update(t, c, s->opts.sack, s->opts.nb_sack);
        /* FIN acknowledged: state transitions (RFC 9293 §3.10.7.4 fifth) */
        if (tcp_fin_acked(c)) {
            switch (c->state) {
            case LR_TCP_FIN_WAIT_1:
                lr_tcp_conn_set_state(w, c, LR_TCP_FIN_WAIT_2);
                if ((c->flags & LR_TCPF_APP_KNOWS) && c->ops != NULL && c->ops->fin_acked != NULL) {
                    w->tcp->busy++;
                    c->ops->fin_acked(w, c);
                    w->tcp->busy--;
                    if (c->flags & LR_TCPF_RELEASED)
                        return false;
                }
                break;
            case LR_TCP_CLOSING:
                lr_tcp_enter_time_wait(w, c);
                return !(c->flags & LR_TCPF_RELEASED);
            case LR_TCP_LAST_ACK:
                lr_tcp_conn_closed(w, c, LR_TCP_CLOSE_NORMAL);
                return false;
            default:
                break;
            }
        }
        lr_tcp_timer_update(w, c, true); /* RFC 6298 §5.3 */
        tcp_call_writable(w, c);
        if (c->flags & LR_TCPF_RELEASED)
            return false;
        lr_tcp_queue_output(w, c);
        return true;
    }
    /* ack == snd_una (older ones were filtered by RFC 5961 §5) */
    if ((c->flags & LR_TCPF_SACK) && s->opts.nb_sack)
        lr_tcp_sb_update(t, c, s->opts.sack, s->opts.nb_sack);
    bool dup = ack == c->snd_una && s->len == 0 &&
               !(s->flags & (RTE_TCP_SYN_FLAG | RTE_TCP_FIN_FLAG)) && !wnd_changed &&
               c->snd_max != c->snd_una;
    if (dup) {
        /* RFC 5681 §3.2 */
        t->cnt.dup_acks++;
        if (c->dupacks < 255)
            c->dupacks++;
        if (c->dupacks == 3 && !(c->flags & LR_TCPF_RECOVERY) &&
            lr_seq_gt(ack - 1, c->recover - 1)) {
            /* RFC 6582 §3.2 step 2: enter fast retransmit / recovery */
            c->recover = c->snd_max;
            lr_tcp_cc_on_fast_retransmit(&c->cc, c->snd_max - c->snd_una, w->now);
            c->flags |= LR_TCPF_RECOVERY;
            t->cnt.fast_retransmits++;
            c->sack_hi = c->snd_una;
            lr_tcp_retransmit_una(w, c);
            c->sack_hi = c->snd_una + RTE_MIN(c->snd_queued, (uint32_t)c->mss);
            lr_tcp_timer_update(w, c, true);
        } else if (c->dupacks > 3 && (c->flags & LR_TCPF_RECOVERY)) {
            lr_tcp_cc_on_dupack_in_recovery(&c->cc);
            lr_tcp_queue_output(w, c);
        }
    } else if (wnd_changed) {
        lr_tcp_timer_update(w, c, false);
        lr_tcp_queue_output(w, c);
    }
    return true;
}

/* --- states --------------------------------------------------------------- */

/*
 * A connection for segment @s arriving on listener @l: keyed, routed and
 * initialised with the listener's flags. NULL when the table is full: the
 * peer got a RST and @m was dropped (counted).
 */
static struct lr_tcp_conn *tcp_passive_conn_new(struct lr_worker *w,
                                                const struct lr_tcp_listener *l, struct rte_mbuf *m,
                                                const struct lr_tcp_seg *s)
{
    struct lr_tcp_conn *c = lr_tcp_conn_alloc(w);
    if (c == NULL) {
        lr_tcp_reply_rst(w, s, m->port);
        lr_pkt_drop(w, LR_DROP_TCP_TABLE_FULL, m);
        return NULL;
    }
    c->key.raddr = s->saddr;
    c->key.laddr = s->daddr;
    c->key.rport = s->sport;
    c->key.lport = s->dport;
    rte_be32_t nh;
    int port = lr_ipv4_route(w, s->saddr, &nh);
    c->port = port >= 0 ? (uint16_t)port : m->port;
    lr_tcp_conn_init_common(w, c);
    c->flags |= LR_TCPF_PASSIVE;
    c->listener = (uint16_t)(l - w->tcp->listeners + 1);
    if (l->nodelay)
        c->flags |= LR_TCPF_NODELAY;
    if (l->rcv_manual)
        c->flags |= LR_TCPF_RCV_MANUAL;
    return c;
}

/* RFC 9293 §3.10.7.2 LISTEN (and SYN cookies, RFC 4987 §3.6). */
static void tcp_input_listen(struct lr_worker *w, struct lr_tcp_listener *l, struct rte_mbuf *m,
                             struct lr_tcp_seg *s)
{
    struct lr_tcp_ctx *t = w->tcp;
    const struct lr_tcp_config *cfg = t->cfg;
    if (s->flags & RTE_TCP_RST_FLAG) {
        lr_pkt_drop(w, LR_DROP_TCP_RST, m); /* RST to LISTEN is ignored */
        return;
    }
    if (s->flags & RTE_TCP_ACK_FLAG) {
        if (!(s->flags & RTE_TCP_SYN_FLAG) && cfg->syncookies) {
            struct lr_syncookie_opts co;
            if (lr_syncookie_check(&t->secret, s->daddr, s->dport, s->saddr, s->sport, s->seq - 1,
                                   s->ack - 1, w->now, &co)) {
                t->cnt.syncookies_ok++;
                struct lr_tcp_conn *c = tcp_passive_conn_new(w, l, m, s);
                if (c == NULL)
                    return;
                struct lr_tcp_opts so;
                memset(&so, 0, sizeof(so));
                so.has_mss = 1;
                so.mss = co.mss;
                if (co.ts_ok && s->opts.has_ts) {
                    so.has_ts = 1;
                    so.ts_val = s->opts.ts_val;
                    if (co.wscale != 15) {
                        so.has_wscale = 1;
                        so.wscale = co.wscale;
                    }
                    so.sack_ok = co.sack_ok;
                }
                tcp_syn_options(w, c, &so);
                c->syn_mss = lr_tcp_adv_mss(w, c->port);
                c->irs = s->seq - 1;
                c->rcv_nxt = s->seq;
                c->rcv_adv = s->seq + RTE_MIN(cfg->rcvbuf, 65535u);
                c->iss = s->ack - 1;
                c->snd_una = s->ack;
                c->snd_nxt = s->ack;
                c->snd_max = s->ack;
                c->snd_wnd = (uint32_t)s->wnd << c->snd_wscale;
                c->max_snd_wnd = c->snd_wnd;
                c->snd_wl1 = s->seq;
                c->snd_wl2 = s->ack;
                if (lr_tcp_conn_insert(w, c) != 0) {
                    lr_tcp_conn_release(w, c);
                    lr_tcp_reply_rst(w, s, m->port);
                    lr_pkt_drop(w, LR_DROP_TCP_TABLE_FULL, m);
                    return;
                }
                lr_tcp_conn_set_state(w, c, LR_TCP_SYN_RCVD);
                lr_tcp_conn_established(w, c);
                if (c->flags & LR_TCPF_RELEASED) {
                    rte_pktmbuf_free(m);
                    return;
                }
                /* the ACK may carry data or FIN: process it as ESTABLISHED */
                bool fin = (s->flags & RTE_TCP_FIN_FLAG) != 0;
                uint32_t wnd = c->rcv_adv - c->rcv_nxt;
                if (s->len > wnd) {
                    tcp_mbuf_keep(m, wnd);
                    s->len = wnd;
                    fin = false;
                }
                if (s->len > 0) {
                    tcp_data_in(w, c, m, s->seq, fin);
                } else {
                    rte_pktmbuf_free(m);
                    if (fin)
                        tcp_fin_in(w, c);
                }
                return;
            }
            t->cnt.syncookies_bad++;
            lr_tcp_reply_rst(w, s, m->port);
            lr_pkt_drop(w, LR_DROP_TCP_SYNCOOKIE, m);
            return;
        }
        /* RFC 9293 §3.10.7.2: any ACK in LISTEN -> <SEQ=SEG.ACK><CTL=RST> */
        lr_tcp_reply_rst(w, s, m->port);
        lr_pkt_drop(w, LR_DROP_TCP_NO_CONN, m);
        return;
    }
    if (!(s->flags & RTE_TCP_SYN_FLAG) || (s->flags & RTE_TCP_FIN_FLAG)) {
        lr_pkt_drop(w, LR_DROP_TCP_FLAGS, m); /* SYN+FIN, or no SYN at all */
        return;
    }
    if (l->synq >= l->backlog) {
        if (!cfg->syncookies) {
            lr_pkt_drop(w, LR_DROP_TCP_BACKLOG, m);
            return;
        }
        struct lr_syncookie_opts co;
        rte_be32_t nh;
        int port = lr_ipv4_route(w, s->saddr, &nh);
        uint16_t our_mss = lr_tcp_adv_mss(w, port >= 0 ? (uint16_t)port : m->port);
        co.mss = (uint16_t)RTE_MIN((uint32_t)our_mss,
                                   s->opts.has_mss ? s->opts.mss : (uint32_t)LR_TCP_DEFAULT_MSS);
        co.ts_ok = s->opts.has_ts && cfg->timestamps;
        co.wscale = (s->opts.has_wscale && cfg->wscale > 0 && co.ts_ok)
                        ? RTE_MIN(s->opts.wscale, (uint8_t)LR_TCP_MAX_WSCALE)
                        : 15;
        co.sack_ok = s->opts.sack_ok && cfg->sack && co.ts_ok;
        uint32_t isn = lr_syncookie_make(&t->secret, s->daddr, s->dport, s->saddr, s->sport, s->seq,
                                         &co, w->now);
        lr_tcp_send_cookie_synack(w, s, m->port, isn, &s->opts, our_mss);
        rte_pktmbuf_free(m);
        return;
    }
    struct lr_tcp_conn *c = tcp_passive_conn_new(w, l, m, s);
    if (c == NULL)
        return;
    c->flags |= LR_TCPF_IN_SYNQ;
    tcp_syn_options(w, c, &s->opts);
    c->irs = s->seq;
    c->rcv_nxt = s->seq + 1;
    c->iss = lr_tcp_isn(&t->secret, c->key.laddr, c->key.lport, c->key.raddr, c->key.rport, w->now);
    c->snd_una = c->iss;
    c->snd_wnd = s->wnd; /* RFC 7323 §2.2: never scaled in a SYN */
    c->max_snd_wnd = c->snd_wnd;
    c->snd_wl1 = s->seq;
    c->snd_wl2 = c->iss;
    if (lr_tcp_conn_insert(w, c) != 0) {
        c->flags &= ~LR_TCPF_IN_SYNQ;
        lr_tcp_conn_release(w, c);
        lr_tcp_reply_rst(w, s, m->port);
        lr_pkt_drop(w, LR_DROP_TCP_TABLE_FULL, m);
        return;
    }
    l->synq++;
    lr_tcp_conn_set_state(w, c, LR_TCP_SYN_RCVD);
    c->rtt_start = w->now;
    lr_tcp_send_syn(w, c);
    lr_tcp_timer_set(w, c, LR_TCP_TM_SYN, cfg->syn_timeout);
    rte_pktmbuf_free(m); /* data in a SYN is not accepted (no TFO); the peer resends it */
}

/* RFC 9293 §3.10.7.3 SYN-SENT. */
static void tcp_input_synsent(struct lr_worker *w, struct lr_tcp_conn *c, struct rte_mbuf *m,
                              struct lr_tcp_seg *s)
{
    struct lr_tcp_ctx *t = w->tcp;
    bool has_ack = (s->flags & RTE_TCP_ACK_FLAG) != 0;
    if (has_ack && (lr_seq_leq(s->ack, c->iss) || lr_seq_gt(s->ack, c->snd_max))) {
        if (!(s->flags & RTE_TCP_RST_FLAG))
            lr_tcp_reply_rst(w, s, m->port);
        lr_pkt_drop(w, LR_DROP_TCP_ACK, m);
        return;
    }
    if (s->flags & RTE_TCP_RST_FLAG) {
        if (has_ack) {
            t->cnt.rst_rcvd++;
            t->cnt.refused++;
            rte_pktmbuf_free(m);
            c->flags |= LR_TCPF_APP_KNOWS; /* the app holds the handle since connect() */
            lr_tcp_conn_closed(w, c, LR_TCP_CLOSE_REFUSED);
            return;
        }
        lr_pkt_drop(w, LR_DROP_TCP_RST, m);
        return;
    }
    if (!(s->flags & RTE_TCP_SYN_FLAG)) {
        lr_pkt_drop(w, LR_DROP_TCP_FLAGS, m);
        return;
    }
    tcp_syn_options(w, c, &s->opts);
    c->irs = s->seq;
    c->rcv_nxt = s->seq + 1;
    c->rcv_adv = c->rcv_nxt + RTE_MIN(lr_tcp_rcv_window(w, c), 65535u);
    if (has_ack) {
        if (c->retries == 0) {
            if ((c->flags & LR_TCPF_TS) && s->opts.ts_ecr != 0)
                tcp_rtt_from_ack(w, c, s);
            else
                tcp_rtt_sample(w, c, w->now - c->rtt_start);
        }
        c->snd_una = s->ack;
        c->snd_wnd = s->wnd; /* SYN-ACK window is not scaled */
        c->max_snd_wnd = c->snd_wnd;
        c->snd_wl1 = s->seq;
        c->snd_wl2 = s->ack;
        rte_pktmbuf_free(m);
        lr_timer_cancel(&w->timers, &c->rexmt);
        c->tmode = LR_TCP_TM_NONE;
        c->flags |= LR_TCPF_ACK_NOW;
        lr_tcp_queue_output(w, c);
        bool fin_queued = (c->flags & LR_TCPF_FIN_QUEUED) != 0;
        c->flags &= ~LR_TCPF_FIN_QUEUED;
        lr_tcp_conn_established(w, c);
        if (!(c->flags & LR_TCPF_RELEASED) && fin_queued)
            lr_tcp_shutdown_write(w, c);
        return;
    }
    /* Simultaneous open (RFC 9293 §3.5 figure 7): SYN-SENT -> SYN-RCVD */
    rte_pktmbuf_free(m);
    lr_tcp_conn_set_state(w, c, LR_TCP_SYN_RCVD);
    c->snd_wnd = s->wnd;
    c->max_snd_wnd = c->snd_wnd;
    c->snd_wl1 = s->seq;
    c->retries = 0;
    lr_tcp_send_syn(w, c);
    lr_tcp_timer_set(w, c, LR_TCP_TM_SYN, t->cfg->syn_timeout);
}

/* RFC 9293 §3.10.7.4: SYN-RCVD and every synchronized state. */
static void tcp_input_sync(struct lr_worker *w, struct lr_tcp_conn *c, struct rte_mbuf *m,
                           struct lr_tcp_seg *s)
{
    struct lr_tcp_ctx *t = w->tcp;
    const struct lr_tcp_config *cfg = t->cfg;
    bool rst = (s->flags & RTE_TCP_RST_FLAG) != 0;
    bool syn = (s->flags & RTE_TCP_SYN_FLAG) != 0;
    bool fin = (s->flags & RTE_TCP_FIN_FLAG) != 0;

    /* RFC 7323 §5.3 R1 (PAWS): an older timestamp is a duplicate */
    if ((c->flags & LR_TCPF_TS) && s->opts.has_ts && !rst &&
        lr_seq_lt(s->opts.ts_val, c->ts_recent) &&
        lr_tcp_paws_clock(w) - c->ts_recent_age < (uint32_t)(LR_TCP_PAWS_IDLE_US >> 20)) {
        t->cnt.paws_drops++;
        c->flags |= LR_TCPF_ACK_NOW;
        lr_tcp_queue_output(w, c);
        lr_pkt_drop(w, LR_DROP_TCP_PAWS, m);
        return;
    }

    /* A new SYN for a TIME_WAIT tuple with a higher sequence starts a new
     * incarnation (RFC 9293 §3.10.7.4 / RFC 6191). */
    if (c->state == LR_TCP_TIME_WAIT && syn && !(s->flags & RTE_TCP_ACK_FLAG) && !rst &&
        lr_seq_gt(s->seq, c->rcv_nxt)) {
        struct lr_tcp_listener *l = lr_tcp_listener_find(t, rte_be_to_cpu_16(s->dport));
        if (l != NULL) {
            t->cnt.time_wait_recycled++;
            lr_tcp_conn_release(w, c);
            /* the freed entry may be reused only after the burst; a new one is taken */
            tcp_input_listen(w, l, m, s);
            return;
        }
    }

    /* first: sequence acceptability (4 cases) */
    uint32_t seglen = s->len + (syn ? 1u : 0u) + (fin ? 1u : 0u);
    uint32_t wnd = lr_seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
    bool ok;
    if (seglen == 0)
        ok = wnd == 0 ? s->seq == c->rcv_nxt
                      : lr_seq_geq(s->seq, c->rcv_nxt) && lr_seq_lt(s->seq, c->rcv_nxt + wnd);
    else if (wnd == 0)
        ok = false;
    else
        ok = (lr_seq_geq(s->seq, c->rcv_nxt) && lr_seq_lt(s->seq, c->rcv_nxt + wnd)) ||
             (lr_seq_geq(s->seq + seglen - 1, c->rcv_nxt) &&
              lr_seq_lt(s->seq + seglen - 1, c->rcv_nxt + wnd));
    bool zero_wnd_text = false;
    if (!ok && wnd == 0 && s->seq == c->rcv_nxt) {
        /* RFC 9293 §3.10.7.4: with a zero window, still process ACK/RST of a
         * segment at RCV.NXT (e.g. a window probe) but drop its text */
        ok = true;
        zero_wnd_text = true;
    }
    if (!ok) {
        if (!rst) {
            c->flags |= LR_TCPF_ACK_NOW;
            lr_tcp_queue_output(w, c);
            if (c->state == LR_TCP_TIME_WAIT && fin) /* retransmitted FIN: restart 2MSL */
                lr_tcp_timer_set(w, c, LR_TCP_TM_TIME_WAIT, cfg->time_wait);
        }
        bool old = lr_seq_leq(s->seq + seglen, c->rcv_nxt);
        lr_pkt_drop(w, old ? LR_DROP_TCP_DUP : LR_DROP_TCP_SEQ, m);
        return;
    }

    /* second: RST (RFC 5961 §3.2) */
    if (rst) {
        if (s->seq != c->rcv_nxt) {
            lr_tcp_send_challenge_ack(w, c);
            lr_pkt_drop(w, LR_DROP_TCP_RST, m);
            return;
        }
        t->cnt.rst_rcvd++;
        rte_pktmbuf_free(m);
        switch (c->state) {
        case LR_TCP_SYN_RCVD:
            if (c->flags & LR_TCPF_PASSIVE) {
                lr_tcp_conn_release(w, c); /* back to LISTEN: nothing else existed */
            } else {
                t->cnt.refused++;
                c->flags |= LR_TCPF_APP_KNOWS;
                lr_tcp_conn_closed(w, c, LR_TCP_CLOSE_REFUSED);
            }
            break;
        case LR_TCP_TIME_WAIT:
            lr_tcp_conn_closed(w, c, LR_TCP_CLOSE_NORMAL);
            break;
        default:
            lr_tcp_conn_closed(w, c, LR_TCP_CLOSE_RESET);
            break;
        }
        return;
    }

    /* fourth: SYN (RFC 5961 §4.2: challenge ACK, the connection survives) */
    if (syn) {
        if (c->state == LR_TCP_SYN_RCVD && s->seq == c->irs) {
            /* retransmitted SYN: answer with the SYN-ACK again */
            c->flags |= LR_TCPF_ACK_NOW;
            lr_tcp_queue_output(w, c);
            lr_pkt_drop(w, LR_DROP_TCP_DUP, m);
            return;
        }
        if (c->state == LR_TCP_SYN_RCVD && (c->flags & LR_TCPF_PASSIVE)) {
            lr_pkt_drop(w, LR_DROP_TCP_FLAGS, m); /* §3.10.7.4: back to LISTEN */
            lr_tcp_conn_release(w, c);
            return;
        }
        lr_tcp_send_challenge_ack(w, c);
        lr_pkt_drop(w, LR_DROP_TCP_FLAGS, m);
        return;
    }

    /* fifth: ACK */
    if (!(s->flags & RTE_TCP_ACK_FLAG)) {
        lr_pkt_drop(w, LR_DROP_TCP_FLAGS, m);
        return;
    }
    if (c->state == LR_TCP_SYN_RCVD) {
        if (!(lr_seq_gt(s->ack, c->snd_una) && lr_seq_leq(s->ack, c->snd_max))) {
            lr_tcp_reply_rst(w, s, m->port);
            lr_pkt_drop(w, LR_DROP_TCP_ACK, m);
            return;
        }
        if (c->retries == 0) {
            if ((c->flags & LR_TCPF_TS) && s->opts.has_ts && s->opts.ts_ecr != 0)
                tcp_rtt_from_ack(w, c, s);
            else
                tcp_rtt_sample(w, c, w->now - c->rtt_start);
        }
        c->snd_una = s->ack;
        c->snd_wnd = (uint32_t)s->wnd << c->snd_wscale;
        c->max_snd_wnd = RTE_MAX(c->max_snd_wnd, c->snd_wnd);
        c->snd_wl1 = s->seq;
        c->snd_wl2 = s->ack;
        lr_timer_cancel(&w->timers, &c->rexmt);
        c->tmode = LR_TCP_TM_NONE;
        bool fin_queued = (c->flags & LR_TCPF_FIN_QUEUED) != 0;
        c->flags &= ~LR_TCPF_FIN_QUEUED;
        lr_tcp_conn_established(w, c);
        if (c->flags & LR_TCPF_RELEASED) {
            rte_pktmbuf_free(m);
            return;
        }
        if (fin_queued)
            lr_tcp_shutdown_write(w, c);
    }
    /* RFC 5961 §5.2: acceptable ACKs lie in [SND.UNA - MAX.SND.WND, SND.NXT] */
    if (lr_seq_gt(s->ack, c->snd_max) || lr_seq_lt(s->ack, c->snd_una - c->max_snd_wnd)) {
        lr_tcp_send_challenge_ack(w, c);
        lr_pkt_drop(w, LR_DROP_TCP_ACK, m);
        return;
    }
    /* RFC 7323 §4.3: remember the timestamp to echo */
    if ((c->flags & LR_TCPF_TS) && s->opts.has_ts && lr_seq_leq(s->seq, c->rcv_nxt) &&
        lr_seq_geq(s->opts.ts_val, c->ts_recent)) {
        c->ts_recent = s->opts.ts_val;
        c->ts_recent_age = lr_tcp_paws_clock(w);
    }
    if (c->state == LR_TCP_TIME_WAIT) {
        /* only a retransmitted FIN is expected here (handled above as old) */
        if (fin && s->seq + s->len == c->rcv_nxt - 1) {
            c->flags |= LR_TCPF_ACK_NOW;
            lr_tcp_queue_output(w, c);
            lr_tcp_timer_set(w, c, LR_TCP_TM_TIME_WAIT, cfg->time_wait);
        }
        rte_pktmbuf_free(m);
        return;
    }
    if (!tcp_ack_in(w, c, s)) {
        rte_pktmbuf_free(m);
        return;
    }

    /* trim to the window: old bytes in front, bytes beyond the right edge */
    uint32_t seq = s->seq;
    uint32_t len = s->len;
    if (zero_wnd_text) {
        if (len > 0)
            c->flags |= LR_TCPF_ACK_NOW; /* answer the probe with our window */
        len = 0;
        fin = false;
    }
    if (lr_seq_lt(seq, c->rcv_nxt)) {
        uint32_t cut = c->rcv_nxt - seq;
        if (cut >= len) {
            if (fin && seq + len != c->rcv_nxt)
                fin = false; /* the FIN itself is old */
            len = 0;
            seq = c->rcv_nxt;
            if (s->len > 0)
                c->flags |= LR_TCPF_ACK_NOW; /* duplicate data: re-ACK */
        } else {
            m = tcp_mbuf_cut_front(m, cut);
            len -= cut;
            seq = c->rcv_nxt;
        }
    }
    wnd = lr_seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
    uint32_t edge = c->rcv_nxt + wnd;
    if (lr_seq_gt(seq + len, edge)) {
        len = lr_seq_gt(edge, seq) ? edge - seq : 0;
        fin = false;
        c->flags |= LR_TCPF_ACK_NOW;
    }
    if (len == 0 && s->len > 0) {
        rte_pktmbuf_free(m);
        m = NULL;
    } else if (len < m->pkt_len) {
        tcp_mbuf_keep(m, len);
    }

    /* seventh: segment text */
    bool text_ok = c->state == LR_TCP_ESTABLISHED || c->state == LR_TCP_FIN_WAIT_1 ||
                   c->state == LR_TCP_FIN_WAIT_2;
    if (len > 0 && text_ok) {
        if (!(c->flags & LR_TCPF_APP_CLOSED)) {
            tcp_data_in(w, c, m, seq, fin);
            return;
        }
        if (seq != c->rcv_nxt || len > c->discard_left) {
            /* data after a full close: nobody will read it (RFC 9293 §3.10.4) */
            lr_tcp_send_rst_conn(w, c);
            rte_pktmbuf_free(m);
            lr_tcp_conn_closed(w, c, LR_TCP_CLOSE_ABORTED);
            return;
        }
        /* lr_tcp_close_discard: the peer's answer to the closing handshake
         * above (TLS close_notify), taken and acknowledged; the FIN that
         * may ride on it is processed below. */
        c->discard_left -= len;
        c->rcv_nxt += len;
        seq += len;
        c->flags |= LR_TCPF_ACK_NOW;
        lr_pkt_drop(w, LR_DROP_TCP_AFTER_CLOSE, m);
        m = NULL;
    }
    if (m != NULL) {
        /* RFC 9293 §3.10.7.4 seventh: in CLOSE-WAIT, CLOSING, LAST-ACK and
         * TIME-WAIT the peer's FIN came already; ignore the text, counted. */
        if (len > 0 && (c->flags & LR_TCPF_PEER_FIN))
            lr_pkt_drop(w, LR_DROP_TCP_AFTER_FIN, m);
        else
            rte_pktmbuf_free(m);
    }
    if (c->flags & LR_TCPF_RELEASED)
        return;
    /* eighth: FIN */
    if (fin && seq == c->rcv_nxt && !(c->flags & LR_TCPF_PEER_FIN)) {
        tcp_fin_in(w, c);
    } else if (fin && lr_seq_gt(seq, c->rcv_nxt)) {
        c->flags |= LR_TCPF_ACK_NOW;
    }
    if ((c->flags & LR_TCPF_ACK_NOW) && !(c->flags & LR_TCPF_RELEASED))
        lr_tcp_queue_output(w, c);
}

/* Header prediction (RFC 9293 §3.10.7.4 note, Van Jacobson): ESTABLISHED,
 * only ACK set, in sequence, window unchanged, no recovery, nothing odd. */
static bool tcp_fast_path(struct lr_worker *w, struct lr_tcp_conn *c, struct rte_mbuf *m,
                          struct lr_tcp_seg *s)
{
    if (c->state != LR_TCP_ESTABLISHED ||
        (s->flags & (RTE_TCP_SYN_FLAG | RTE_TCP_FIN_FLAG | RTE_TCP_RST_FLAG | RTE_TCP_URG_FLAG |
                     RTE_TCP_ACK_FLAG)) != RTE_TCP_ACK_FLAG ||
        s->seq != c->rcv_nxt || (c->flags & (LR_TCPF_RECOVERY | LR_TCPF_APP_CLOSED)) ||
        s->opts.nb_sack != 0 || c->ooo_head != NULL ||
        ((uint32_t)s->wnd << c->snd_wscale) != c->snd_wnd)
        return false;
    if (c->flags & LR_TCPF_TS) {
        if (!s->opts.has_ts || lr_seq_lt(s->opts.ts_val, c->ts_recent))
            return false;
    }
    if (s->len == 0) {
        /* pure ACK of new data */
        if (!(lr_seq_gt(s->ack, c->snd_una) && lr_seq_leq(s->ack, c->snd_max)))
            return false;
        if (c->flags & LR_TCPF_TS) {
            c->ts_recent = s->opts.ts_val;
            c->ts_recent_age = lr_tcp_paws_clock(w);
        }
        rte_pktmbuf_free(m);
        tcp_ack_in(w, c, s);
        return true;
    }
    /* in-order data that fits the window, acknowledging nothing new */
    uint32_t wnd = lr_seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
    if (s->ack != c->snd_una || s->len > wnd)
        return false;
    if (c->flags & LR_TCPF_TS) {
        c->ts_recent = s->opts.ts_val;
        c->ts_recent_age = lr_tcp_paws_clock(w);
    }
    c->snd_wl1 = s->seq;
    c->snd_wl2 = s->ack;
    tcp_data_in(w, c, m, s->seq, false);
    return true;
}

/* One segment with its looked-up connection (or NULL). Consumes @m. */
static void tcp_segment(struct lr_worker *w, struct lr_tcp_conn *c, struct rte_mbuf *m,
                        struct lr_tcp_seg *s)
{
    struct lr_tcp_ctx *t = w->tcp;
    if (c != NULL && (c->flags & LR_TCPF_RELEASED)) {
        /* released earlier in this burst: look again (a new incarnation may exist) */
        struct lr_tcp_key key = { s->saddr, s->daddr, s->sport, s->dport };
        void *d = NULL;
        c = rte_hash_lookup_data(t->table, &key, &d) >= 0 ? d : NULL;
    }
    if (c != NULL)
        w->cur_conn = (const struct lr_crash_conn *)c; /* for a crash report (lr_crash.h) */
    if (c == NULL) {
        struct lr_tcp_listener *l = lr_tcp_listener_find(t, rte_be_to_cpu_16(s->dport));
        if (l != NULL) {
            tcp_input_listen(w, l, m, s);
            return;
        }
        /* RFC 9293 §3.10.7.1 CLOSED: RST -> nothing; otherwise reset */
        if (!(s->flags & RTE_TCP_RST_FLAG))
            lr_tcp_reply_rst(w, s, m->port);
        lr_pkt_drop(w, LR_DROP_TCP_NO_CONN, m);
        return;
    }
    c->last_rcv = w->now;
    c->ka_probes = 0;
    c->flags &= ~LR_TCPF_PROBE_OUT;
    if (c->state == LR_TCP_SYN_SENT) {
        tcp_input_synsent(w, c, m, s);
        return;
    }
    if (tcp_fast_path(w, c, m, s))
        return;
    tcp_input_sync(w, c, m, s);
}

void lr_tcp_input_burst(struct lr_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
    struct lr_tcp_ctx *t = w->tcp;
    if (t == NULL) {
        for (uint16_t i = 0; i < n; i++)
            lr_pkt_drop(w, LR_DROP_TCP_NO_CONN, pkts[i]);
        return;
    }
    t->busy++;
    for (uint16_t base = 0; base < n; base += TCP_CHUNK) {
        uint16_t cnt = (uint16_t)RTE_MIN((unsigned)(n - base), (unsigned)TCP_CHUNK);
        struct lr_tcp_seg segs[TCP_CHUNK];
        struct lr_tcp_key keys[TCP_CHUNK];
        const void *kp[TCP_CHUNK];
        void *data[TCP_CHUNK];
        struct rte_mbuf *ms[TCP_CHUNK];
        unsigned k = 0;
        for (uint16_t i = 0; i < cnt; i++) {
            struct rte_mbuf *m = pkts[base + i];
            if (i + 4 < cnt)
                rte_prefetch0(rte_pktmbuf_mtod(pkts[base + i + 4], void *));
            int r = tcp_parse(w, m, &segs[k]);
            if (r >= 0) {
                lr_pkt_drop(w, (enum lr_drop_reason)r, m);
                continue;
            }
            keys[k].raddr = segs[k].saddr;
            keys[k].laddr = segs[k].daddr;
            keys[k].rport = segs[k].sport;
            keys[k].lport = segs[k].dport;
            kp[k] = &keys[k];
            ms[k] = m;
            k++;
        }
        if (k == 0)
            continue;
        uint64_t hits = 0;
        uint64_t inserts = t->inserts;
        rte_hash_lookup_bulk_data(t->table, kp, k, &hits, data);
        for (unsigned j = 0; j < k; j++) {
            struct lr_tcp_conn *c = (hits >> j) & 1 ? data[j] : NULL;
            if (c == NULL && t->inserts != inserts) {
                /* A connection created earlier in this chunk (the ACK of a SYN
                 * cookie, RFC 4987 §3.6, or a SYN) owns the peer's later
                 * segments of the same burst: the bulk lookup predates it. */
                void *d = NULL;
                if (rte_hash_lookup_data(t->table, &keys[j], &d) >= 0)
                    c = d;
            }
            tcp_segment(w, c, ms[j], &segs[j]);
        }
    }
    /* One output pass per touched connection: coalesced ACKs and new data. */
    lr_tcp_flush_outq(w);
    t->busy--;
    lr_tcp_reap(w);
}

/*
 * ICMP errors about segments we sent (RFC 1122 §4.2.3.9, RFC 5927).
 * The quoted segment must belong to a connection and its sequence number
 * must lie in [SND.UNA, SND.MAX) (RFC 5927 §4.1), so blind ICMP cannot
 * touch a connection. Fragmentation needed (RFC 1191) lowers the MSS;
 * port/protocol unreachable refuses a connection still in SYN-SENT. Hard
 * errors in synchronized states are ignored (RFC 5927 §4.2).
 */
void lr_tcp_icmp_error(struct lr_worker *w, uint8_t type, uint8_t code, uint32_t info,
                       const struct rte_ipv4_hdr *orig, const uint8_t *l4, uint16_t l4_len)
{
    struct lr_tcp_ctx *t = w->tcp;
    if (t == NULL || l4_len < 8 || type != 3 /* destination unreachable */)
        return;
    struct lr_tcp_key key;
    key.laddr = orig->src_addr;
    key.raddr = orig->dst_addr;
    memcpy(&key.lport, l4, 2);
    memcpy(&key.rport, l4 + 2, 2);
    uint32_t seq;
    memcpy(&seq, l4 + 4, 4);
    seq = rte_be_to_cpu_32(seq);
    void *d = NULL;
    if (rte_hash_lookup_data(t->table, &key, &d) < 0)
        return;
    struct lr_tcp_conn *c = d;
    if ((c->flags & LR_TCPF_RELEASED) || lr_seq_lt(seq, c->snd_una) || lr_seq_geq(seq, c->snd_max))
        return;
    t->busy++;
    if (code == 4) {
        /* RFC 1191 §4: next-hop MTU in the low 16 bits; never below 68 + headers */
        uint32_t mtu = info & 0xffff;
        uint32_t opt = (c->flags & LR_TCPF_TS) ? 12 : 0;
        if (mtu >= 576 && mtu - 40 - opt < c->mss) {
            c->mss = (uint16_t)(mtu - 40 - opt);
            c->cc.mss = c->mss;
            /* resend what was lost at the old size */
            if (c->snd_max != c->snd_una) {
                c->snd_nxt = c->snd_una;
                lr_tcp_queue_output(w, c);
            }
        }
    } else if ((code == 2 || code == 3) && c->state == LR_TCP_SYN_SENT) {
        t->cnt.refused++;
        c->flags |= LR_TCPF_APP_KNOWS;
        lr_tcp_conn_closed(w, c, LR_TCP_CLOSE_REFUSED);
    }
    lr_tcp_flush_outq(w);
    t->busy--;
    lr_tcp_reap(w);
}
