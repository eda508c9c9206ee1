/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP output: send queue, segment building and the send decision.
 *
 * Call chain:
 *   lr_tcp_send, lr_tcp_send_mbuf, end of lr_tcp_input_burst, timers
 *     -> lr_tcp_output()            how much may leave now (windows, Nagle, SWS)
 *        -> lr_tcp_send_segment()   header + options + payload by reference
 *           -> tcp_xmit()        IPv4 header, checksum, lr_ipv4_output()
 * Stateless replies (RST for closed ports, SYN-cookie SYN-ACKs) build their
 * segment from the received one (lr_tcp_reply_rst, lr_tcp_send_cookie_synack).
 *
 * Payload is never copied from the send queue: each piece of a segment is an
 * indirect mbuf attached to the queued segment (rte_pktmbuf_attach handles
 * both direct buffers and external buffers by reference count), so zero-copy
 * data handed in with lr_tcp_send_mbuf stays referenced until both the ACK
 * and the NIC have released it. Small payloads (≤ LR_TCP_COPY_MAX) are copied
 * into the header mbuf, which is cheaper than an extra segment.
 */
#include <string.h>

#include <rte_ip.h>
#include <rte_tcp.h>

#include "lr_net.h"
#include "lr_pkt.h"
#include "lr_tcp_priv.h"

#define LR_TCP_COPY_MAX        256
#define LR_TCP_OUTPUT_MAX_SEGS 64 /* bound of one lr_tcp_output() call */

uint16_t lr_tcp_adv_mss(const struct lr_worker *w, uint16_t port)
{
    uint32_t mtu = w->ports[port].mtu ? w->ports[port].mtu : 1500;
    uint32_t mss = mtu - 40; /* RFC 9293 §3.7.1: MTU - fixed IP and TCP headers */
    if (w->tcp->cfg->mss != 0 && w->tcp->cfg->mss < mss)
        mss = w->tcp->cfg->mss;
    if (mss < 64)
        mss = 64;
    return (uint16_t)mss;
}

uint32_t lr_tcp_rcv_window(const struct lr_worker *w, const struct lr_tcp_conn *c)
{
    uint32_t buf = w->tcp->cfg->rcvbuf;
    uint32_t used = c->rcv_held + c->ooo_bytes;
    uint32_t free = buf > used ? buf - used : 0;
    uint32_t max = (c->flags & LR_TCPF_WSCALE) ? (65535u << c->rcv_wscale) : 65535u;
    return RTE_MIN(free, max);
}

/* Allocate the header mbuf: room for IPv4 + TCP with @optlen option bytes. */
static struct rte_mbuf *tcp_hdr_alloc(struct lr_worker *w, unsigned optlen, struct rte_tcp_hdr **th)
{
    struct rte_mbuf *m = lr_pkt_alloc(w);
    if (m == NULL)
        return NULL;
    unsigned hlen = sizeof(struct rte_ipv4_hdr) + sizeof(struct rte_tcp_hdr) + optlen;
    char *p = rte_pktmbuf_append(m, (uint16_t)hlen);
    if (p == NULL) {
        rte_pktmbuf_free(m);
        return NULL;
    }
    *th = (struct rte_tcp_hdr *)(p + sizeof(struct rte_ipv4_hdr));
    return m;
}

/* Fill the IPv4 header, checksum and send. */
static void tcp_xmit(struct lr_worker *w, struct rte_mbuf *m, uint16_t port, rte_be32_t src,
                     rte_be32_t dst, unsigned tcp_hlen)
{
    struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
    lr_ipv4_hdr_fill(w, ip, (uint16_t)m->pkt_len, IPPROTO_TCP, src, dst);
    m->l3_len = sizeof(struct rte_ipv4_hdr);
    m->l4_len = tcp_hlen;
    m->port = port;
    /* Some PMDs (net_tap in DPDK 22.11) sum chained segments of odd length
     * wrongly when completing the checksum; such chains are summed here. */
    uint16_t ck_port = port;
    for (const struct rte_mbuf *s = m; s->next != NULL; s = s->next)
        if (s->data_len & 1) {
            ck_port = UINT16_MAX;
            break;
        }
    lr_ipv4_l4_cksum(w, m, ck_port, 16);
    w->tcp->cnt.tx_segs++;
    w->stats.proto[LR_PROTO_TCP].tx_pkts++;
    w->stats.proto[LR_PROTO_TCP].tx_bytes += m->pkt_len;
    lr_ipv4_output(w, m);
}

/* --- send queue ----------------------------------------------------------- */

void lr_tcp_sndq_free(struct lr_tcp_conn *c)
{
    struct rte_mbuf *m = c->snd_head;
    while (m != NULL) {
        struct rte_mbuf *nx = m->next;
        m->next = NULL;
        rte_pktmbuf_free_seg(m);
        m = nx;
    }
    c->snd_head = c->snd_tail = c->snd_cur = NULL;
    c->snd_queued = 0;
}

/* Drop @acked bytes from the front of the send queue. */
void lr_tcp_sndq_ack(struct lr_worker *w, struct lr_tcp_conn *c, uint32_t acked)
{
    RTE_SET_USED(w);
    if (acked > c->snd_queued)
        acked = c->snd_queued;
    c->snd_queued -= acked;
    c->snd_cur = NULL;
    while (acked > 0 && c->snd_head != NULL) {
        struct rte_mbuf *m = c->snd_head;
        if (m->data_len <= acked) {
            acked -= m->data_len;
            c->snd_head = m->next;
            if (c->snd_head == NULL)
                c->snd_tail = NULL;
            m->next = NULL;
            rte_pktmbuf_free_seg(m);
        } else {
            /* Clones in flight keep their own data_off, so this is safe. */
            m->data_off = (uint16_t)(m->data_off + acked);
            m->data_len = (uint16_t)(m->data_len - acked);
            m->pkt_len = m->data_len;
            acked = 0;
        }
    }
}

/* Locate sequence @seq in the send queue: the mbuf and the offset in it. */
static struct rte_mbuf *tcp_sndq_seek(struct lr_tcp_conn *c, uint32_t seq, uint32_t *off)
{
    struct rte_mbuf *m = c->snd_head;
    uint32_t mseq = c->snd_una;
    if (c->snd_cur != NULL && lr_seq_geq(seq, c->snd_cur_seq) &&
        lr_seq_geq(c->snd_cur_seq, c->snd_una)) {
        m = c->snd_cur;
        mseq = c->snd_cur_seq;
    }
    while (m != NULL && lr_seq_geq(seq, mseq + m->data_len)) {
        mseq += m->data_len;
        m = m->next;
    }
    if (m != NULL) {
        c->snd_cur = m;
        c->snd_cur_seq = mseq;
        *off = seq - mseq;
    }
    return m;
}

/* Append @len bytes of the send queue from @seq to the segment @h. */
static int tcp_attach_payload(struct lr_worker *w, struct lr_tcp_conn *c, struct rte_mbuf *h,
                              uint32_t seq, uint32_t len)
{
    uint32_t off = 0;
    struct rte_mbuf *src = tcp_sndq_seek(c, seq, &off);
    struct rte_mbuf *last = h;
    if (len <= LR_TCP_COPY_MAX && rte_pktmbuf_tailroom(h) >= len) {
        char *dst = rte_pktmbuf_append(h, (uint16_t)len);
        while (len > 0 && src != NULL) {
            uint32_t k = RTE_MIN(len, (uint32_t)src->data_len - off);
            memcpy(dst, rte_pktmbuf_mtod_offset(src, char *, off), k);
            dst += k;
            len -= k;
            src = src->next;
            off = 0;
        }
        return len == 0 ? 0 : -1;
    }
    while (len > 0 && src != NULL) {
        uint32_t k = RTE_MIN(len, (uint32_t)src->data_len - off);
        struct rte_mbuf *mi = rte_pktmbuf_alloc(w->pool);
        if (mi == NULL) {
            w->stats.drops[LR_DROP_ETH_NO_MBUF]++;
            return -1;
        }
        rte_pktmbuf_attach(mi, src);
        mi->data_off = (uint16_t)(mi->data_off + off);
        mi->data_len = (uint16_t)k;
        mi->pkt_len = k;
        mi->ol_flags &= (RTE_MBUF_F_INDIRECT | RTE_MBUF_F_EXTERNAL);
        last->next = mi;
        last = mi;
        h->nb_segs++;
        h->pkt_len += k;
        len -= k;
        src = src->next;
        off = 0;
    }
    return len == 0 ? 0 : -1;
}

/* --- options -------------------------------------------------------------- */

static unsigned tcp_build_sack(const struct lr_worker *w, struct lr_tcp_conn *c,
                               struct lr_sack_block *out, unsigned max)
{
    struct lr_sack_block ooo[64];
    unsigned n = 0;
    for (struct rte_mbuf *m = c->ooo_head; m != NULL && n < RTE_DIM(ooo);
         m = lr_tcp_ooo(w->tcp, m)->next) {
        ooo[n].start = lr_tcp_ooo(w->tcp, m)->seq;
        ooo[n].end = ooo[n].start + m->pkt_len;
        n++;
    }
    return lr_sack_blocks_build(ooo, n, c->ooo_recent, NULL, 0, out, max);
}

/* Options of a non-SYN segment. */
static unsigned tcp_opts_data(const struct lr_worker *w, struct lr_tcp_conn *c, uint8_t *buf)
{
    struct lr_tcp_opts o;
    memset(&o, 0, sizeof(o));
    if (c->flags & LR_TCPF_TS) {
        o.has_ts = 1;
        o.ts_val = lr_tcp_ts_now(w, c);
        o.ts_ecr = c->ts_recent;
    }
    if ((c->flags & LR_TCPF_SACK) && c->ooo_head != NULL)
        o.nb_sack = (uint8_t)tcp_build_sack(w, c, o.sack, o.has_ts ? 3 : 4);
    if (!o.has_ts && o.nb_sack == 0)
        return 0;
    return lr_tcp_opts_write(buf, &o, false);
}

/* Window field for a non-SYN segment; updates rcv_adv (never shrinks it). */
static uint16_t tcp_wnd_field(const struct lr_worker *w, struct lr_tcp_conn *c)
{
    uint32_t wnd = lr_tcp_rcv_window(w, c);
    uint32_t edge = c->rcv_nxt + wnd;
    uint32_t thresh = RTE_MIN(w->tcp->cfg->rcvbuf / 2, (uint32_t)c->mss);
    if (lr_seq_lt(edge, c->rcv_adv)) {
        edge = c->rcv_adv; /* RFC 9293 §3.8.6.2.2: do not shrink the window */
    } else if (edge - c->rcv_adv < thresh && lr_seq_gt(c->rcv_adv, c->rcv_nxt) && wnd < thresh) {
        /* receiver SWS avoidance: hold back a small right-edge move */
        edge = c->rcv_adv;
    }
    uint32_t adv = edge - c->rcv_nxt;
    uint32_t shift = (c->flags & LR_TCPF_WSCALE) ? c->rcv_wscale : 0;
    uint32_t raw = (adv + (1u << shift) - 1) >> shift; /* round up: the edge never moves left */
    if (raw > 65535)
        raw = 65535;
    uint32_t nedge = c->rcv_nxt + (raw << shift);
    if (lr_seq_gt(nedge, c->rcv_adv))
        c->rcv_adv = nedge;
    return (uint16_t)raw;
}

/* --- segments ------------------------------------------------------------- */

int lr_tcp_send_segment(struct lr_worker *w, struct lr_tcp_conn *c, uint32_t seq, uint32_t len,
                        uint8_t flags)
{
    uint8_t opt[40];
    unsigned optlen = tcp_opts_data(w, c, opt);
    /* The whole segment must fit the path: payload ≤ MSS-base minus options. */
    uint32_t base = c->mss + ((c->flags & LR_TCPF_TS) ? 12u : 0u);
    uint32_t maxpay = base > optlen ? base - optlen : 1;
    if (len > maxpay) {
        len = maxpay;
        flags &= (uint8_t)~RTE_TCP_FIN_FLAG;
    }
    struct rte_tcp_hdr *th;
    struct rte_mbuf *m = tcp_hdr_alloc(w, optlen, &th);
    if (m == NULL)
        return -1;
    th->src_port = c->key.lport;
    th->dst_port = c->key.rport;
    th->sent_seq = rte_cpu_to_be_32(seq);
    th->recv_ack = rte_cpu_to_be_32(c->rcv_nxt);
    th->data_off = (uint8_t)(((sizeof(*th) + optlen) / 4) << 4);
    th->tcp_flags = flags;
    th->rx_win = rte_cpu_to_be_16(tcp_wnd_field(w, c));
    th->cksum = 0;
    th->tcp_urp = 0;
    memcpy(th + 1, opt, optlen);
    if (len > 0 && tcp_attach_payload(w, c, m, seq, len) != 0) {
        rte_pktmbuf_free(m);
        return -1;
    }
    if (flags & RTE_TCP_ACK_FLAG) {
        c->flags &= ~LR_TCPF_ACK_NOW;
        c->segs_unacked = 0;
        lr_tcp_delack_cancel(w->tcp, c);
    }
    if (len > 0) {
        w->tcp->cnt.tx_bytes += len;
        /* Karn: time only segments carrying new data (RFC 6298 §3) */
        if (!(c->flags & (LR_TCPF_TS | LR_TCPF_RTT_TIMING)) && seq == c->snd_max) {
            c->flags |= LR_TCPF_RTT_TIMING;
            c->rtt_seq = seq;
            c->rtt_start = w->now;
        }
    }
    /* SND.MAX covers whatever any path put on the wire: a retransmission from
     * SND.UNA (RTO, fast retransmit) may carry bytes never sent before when the
     * option space shrank (fewer SACK blocks than in the original segment). The
     * RFC 5961 §5.2 ACK check accepts ACKs up to SND.MAX only, so a stale
     * SND.MAX would challenge the peer's valid ACK forever. */
    uint32_t end = seq + len + ((flags & RTE_TCP_FIN_FLAG) ? 1u : 0u);
    if (lr_seq_gt(end, c->snd_max))
        c->snd_max = end;
    tcp_xmit(w, m, c->port, c->key.laddr, c->key.raddr, sizeof(*th) + optlen);
    return (int)len;
}

void lr_tcp_send_ack(struct lr_worker *w, struct lr_tcp_conn *c)
{
    lr_tcp_send_segment(w, c, c->snd_nxt, 0, RTE_TCP_ACK_FLAG);
}

/* RFC 5961 §3.2/§4.2/§5.2 challenge ACK, rate-limited per connection. */
void lr_tcp_send_challenge_ack(struct lr_worker *w, struct lr_tcp_conn *c)
{
    struct lr_tcp_ctx *t = w->tcp;
    uint32_t now_ms = (uint32_t)(w->now / 1000);
    if (now_ms - c->chack_start >= 1000) {
        c->chack_start = now_ms;
        c->chack_count = 0;
    }
    if (t->cfg->challenge_ack_limit != 0 && c->chack_count >= t->cfg->challenge_ack_limit) {
        t->cnt.challenge_acks_limited++;
        return;
    }
    c->chack_count++;
    t->cnt.challenge_acks++;
    lr_tcp_send_ack(w, c);
}

/* SYN (SYN-SENT) or SYN-ACK (SYN-RCVD) of @c. */
void lr_tcp_send_syn(struct lr_worker *w, struct lr_tcp_conn *c)
{
    const struct lr_tcp_config *cfg = w->tcp->cfg;
    bool synack = c->state == LR_TCP_SYN_RCVD;
    struct lr_tcp_opts o;
    memset(&o, 0, sizeof(o));
    o.has_mss = 1;
    o.mss = c->syn_mss ? c->syn_mss : lr_tcp_adv_mss(w, c->port);
    c->syn_mss = o.mss;
    if (synack) {
        if (c->flags & LR_TCPF_WSCALE) {
            o.has_wscale = 1;
            o.wscale = c->rcv_wscale;
        }
        o.sack_ok = (c->flags & LR_TCPF_SACK) ? 1 : 0;
        if (c->flags & LR_TCPF_TS) {
            o.has_ts = 1;
            o.ts_val = lr_tcp_ts_now(w, c);
            o.ts_ecr = c->ts_recent;
        }
    } else {
        if (cfg->wscale > 0) {
            o.has_wscale = 1;
            o.wscale = RTE_MIN(cfg->wscale, (uint8_t)LR_TCP_MAX_WSCALE);
            c->rcv_wscale = o.wscale;
        }
        o.sack_ok = cfg->sack ? 1 : 0;
        if (cfg->timestamps) {
            o.has_ts = 1;
            o.ts_val = lr_tcp_ts_now(w, c);
            o.ts_ecr = 0;
        }
    }
    uint8_t opt[40];
    unsigned optlen = lr_tcp_opts_write(opt, &o, true);
    struct rte_tcp_hdr *th;
    struct rte_mbuf *m = tcp_hdr_alloc(w, optlen, &th);
    if (m == NULL)
        return;
    th->src_port = c->key.lport;
    th->dst_port = c->key.rport;
    th->sent_seq = rte_cpu_to_be_32(c->iss);
    th->recv_ack = synack ? rte_cpu_to_be_32(c->rcv_nxt) : 0;
    th->data_off = (uint8_t)(((sizeof(*th) + optlen) / 4) << 4);
    th->tcp_flags = synack ? (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG) : RTE_TCP_SYN_FLAG;
    /* RFC 7323 §2.2: the window in a SYN is never scaled */
    uint32_t wnd = RTE_MIN(lr_tcp_rcv_window(w, c), 65535u);
    th->rx_win = rte_cpu_to_be_16((uint16_t)wnd);
    if (synack)
        c->rcv_adv = c->rcv_nxt + wnd;
    th->cksum = 0;
    th->tcp_urp = 0;
    memcpy(th + 1, opt, optlen);
    c->snd_nxt = c->iss + 1;
    c->snd_max = c->iss + 1;
    c->flags &= ~LR_TCPF_ACK_NOW;
    tcp_xmit(w, m, c->port, c->key.laddr, c->key.raddr, sizeof(*th) + optlen);
}

void lr_tcp_send_rst_conn(struct lr_worker *w, struct lr_tcp_conn *c)
{
    struct rte_tcp_hdr *th;
    struct rte_mbuf *m = tcp_hdr_alloc(w, 0, &th);
    if (m == NULL)
        return;
    th->src_port = c->key.lport;
    th->dst_port = c->key.rport;
    /* RFC 9293 §3.10.4/§3.10.7: <SEQ=SND.NXT><CTL=RST> (ACK added for peers
     * that only accept RSTs carrying one) */
    th->sent_seq = rte_cpu_to_be_32(c->snd_max);
    th->recv_ack = rte_cpu_to_be_32(c->rcv_nxt);
    th->data_off = 5 << 4;
    th->tcp_flags = RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG;
    th->rx_win = 0;
    th->cksum = 0;
    th->tcp_urp = 0;
    w->tcp->cnt.rst_sent++;
    tcp_xmit(w, m, c->port, c->key.laddr, c->key.raddr, sizeof(*th));
}

/* RFC 9293 §3.10.7.1: reset for a segment that has no connection. */
void lr_tcp_reply_rst(struct lr_worker *w, const struct lr_tcp_seg *s, uint16_t port)
{
    if (s->flags & RTE_TCP_RST_FLAG)
        return; /* never answer a RST */
    struct rte_tcp_hdr *th;
    struct rte_mbuf *m = tcp_hdr_alloc(w, 0, &th);
    if (m == NULL)
        return;
    th->src_port = s->dport;
    th->dst_port = s->sport;
    if (s->flags & RTE_TCP_ACK_FLAG) {
        th->sent_seq = rte_cpu_to_be_32(s->ack);
        th->recv_ack = 0;
        th->tcp_flags = RTE_TCP_RST_FLAG;
    } else {
        uint32_t seglen = s->len + ((s->flags & RTE_TCP_SYN_FLAG) ? 1 : 0) +
                          ((s->flags & RTE_TCP_FIN_FLAG) ? 1 : 0);
        th->sent_seq = 0;
        th->recv_ack = rte_cpu_to_be_32(s->seq + seglen);
        th->tcp_flags = RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG;
    }
    th->data_off = 5 << 4;
    th->rx_win = 0;
    th->cksum = 0;
    th->tcp_urp = 0;
    w->tcp->cnt.rst_sent++;
    tcp_xmit(w, m, port, s->daddr, s->saddr, sizeof(*th));
}

/* Stateless SYN-ACK carrying a SYN cookie (RFC 4987 §3.6). */
void lr_tcp_send_cookie_synack(struct lr_worker *w, const struct lr_tcp_seg *s, uint16_t port,
                               uint32_t isn, const struct lr_tcp_opts *synopts, uint16_t mss)
{
    const struct lr_tcp_config *cfg = w->tcp->cfg;
    struct lr_tcp_opts o;
    memset(&o, 0, sizeof(o));
    o.has_mss = 1;
    o.mss = mss;
    if (synopts->has_ts && cfg->timestamps) {
        struct lr_tcp_key key = { s->saddr, s->daddr, s->sport, s->dport };
        uint32_t off = (uint32_t)lr_siphash24(w->tcp->secret.k0 ^ 0x7473, w->tcp->secret.k1, &key,
                                              sizeof(key));
        o.has_ts = 1;
        o.ts_val = (uint32_t)(w->now / 1000) + off;
        o.ts_ecr = synopts->ts_val;
        /* window scale and SACK can be encoded only alongside timestamps */
        if (synopts->has_wscale && cfg->wscale > 0) {
            o.has_wscale = 1;
            o.wscale = RTE_MIN(cfg->wscale, (uint8_t)LR_TCP_MAX_WSCALE);
        }
        o.sack_ok = (synopts->sack_ok && cfg->sack) ? 1 : 0;
    }
    uint8_t opt[40];
    unsigned optlen = lr_tcp_opts_write(opt, &o, true);
    struct rte_tcp_hdr *th;
    struct rte_mbuf *m = tcp_hdr_alloc(w, optlen, &th);
    if (m == NULL)
        return;
    th->src_port = s->dport;
    th->dst_port = s->sport;
    th->sent_seq = rte_cpu_to_be_32(isn);
    th->recv_ack = rte_cpu_to_be_32(s->seq + 1);
    th->data_off = (uint8_t)(((sizeof(*th) + optlen) / 4) << 4);
    th->tcp_flags = RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG;
    th->rx_win = rte_cpu_to_be_16((uint16_t)RTE_MIN(cfg->rcvbuf, 65535u));
    th->cksum = 0;
    th->tcp_urp = 0;
    memcpy(th + 1, opt, optlen);
    w->tcp->cnt.syncookies_sent++;
    tcp_xmit(w, m, port, s->daddr, s->saddr, sizeof(*th) + optlen);
}

/* Retransmit the first unacknowledged segment (RTO, fast retransmit, partial ACK). */
void lr_tcp_retransmit_una(struct lr_worker *w, struct lr_tcp_conn *c)
{
    uint32_t len = RTE_MIN(c->snd_queued, (uint32_t)c->mss);
    uint8_t flags = RTE_TCP_ACK_FLAG;
    if ((c->flags & LR_TCPF_FIN_SENT) && c->snd_una + len == c->snd_fin)
        flags |= RTE_TCP_FIN_FLAG;
    if (len == 0 && !(flags & RTE_TCP_FIN_FLAG))
        return;
    if (len > 0)
        flags |= RTE_TCP_PSH_FLAG;
    c->flags |= LR_TCPF_RETRANSMITTED;
    c->flags &= ~LR_TCPF_RTT_TIMING; /* Karn (RFC 6298 §3) */
    w->tcp->cnt.retransmits++;
    c->retrans_total++;
    lr_tcp_send_segment(w, c, c->snd_una, len, flags);
}

/* In SACK recovery: retransmit the next hole the scoreboard reports. */
static bool tcp_sack_retransmit(struct lr_worker *w, struct lr_tcp_conn *c)
{
    uint32_t from = lr_seq_gt(c->sack_hi, c->snd_una) ? c->sack_hi : c->snd_una;
    uint32_t seq, len;
    const struct lr_sack_scoreboard *sb = lr_tcp_sb(w->tcp, c);
    if (sb == NULL || !lr_sack_scoreboard_next_hole(sb, from, c->mss, &seq, &len))
        return false;
    if (lr_seq_geq(seq, c->snd_una + c->snd_queued))
        return false;
    if (lr_seq_gt(seq + len, c->snd_una + c->snd_queued))
        len = c->snd_una + c->snd_queued - seq;
    int sent = lr_tcp_send_segment(w, c, seq, len, RTE_TCP_ACK_FLAG);
    if (sent <= 0)
        return false;
    c->flags |= LR_TCPF_RETRANSMITTED;
    c->flags &= ~LR_TCPF_RTT_TIMING;
    c->sack_hi = seq + (uint32_t)sent;
    w->tcp->cnt.retransmits++;
    w->tcp->cnt.sack_retransmits++;
    c->retrans_total++;
    return true;
}

/* --- the send decision ---------------------------------------------------- */

static bool tcp_state_sends_data(uint8_t st)
{
    return st == LR_TCP_ESTABLISHED || st == LR_TCP_CLOSE_WAIT || st == LR_TCP_FIN_WAIT_1 ||
           st == LR_TCP_LAST_ACK || st == LR_TCP_CLOSING;
}

void lr_tcp_output(struct lr_worker *w, struct lr_tcp_conn *c)
{
    if (c->flags & LR_TCPF_RELEASED)
        return;
    if (c->state == LR_TCP_SYN_RCVD) {
        if (c->flags & LR_TCPF_ACK_NOW)
            lr_tcp_send_syn(w, c);
        return;
    }
    if (!tcp_state_sends_data(c->state)) {
        if ((c->flags & LR_TCPF_ACK_NOW) && c->state != LR_TCP_SYN_SENT &&
            c->state != LR_TCP_CLOSED)
            lr_tcp_send_ack(w, c);
        return;
    }
    /* SACK recovery: fill holes first (RFC 6675 NextSeg, simplified) */
    const struct lr_sack_scoreboard *sb = lr_tcp_sb(w->tcp, c);
    if ((c->flags & (LR_TCPF_RECOVERY | LR_TCPF_SACK)) == (LR_TCPF_RECOVERY | LR_TCPF_SACK) &&
        sb != NULL) {
        uint32_t pipe = (c->snd_max - c->snd_una) - lr_sack_scoreboard_bytes(sb);
        for (int i = 0; i < 4 && pipe < c->cc.cwnd; i++) {
            if (!tcp_sack_retransmit(w, c))
                break;
            pipe += c->mss;
        }
    }
    bool sent = false;
    for (int i = 0; i < LR_TCP_OUTPUT_MAX_SEGS; i++) {
        /* Skip what the peer already holds (SACK scoreboard) when resending */
        sb = lr_tcp_sb(w->tcp, c); /* a retransmission may have given it back */
        if (sb != NULL && lr_seq_lt(c->snd_nxt, c->snd_max)) {
            for (unsigned b = 0; b < sb->n; b++) {
                if (lr_seq_geq(c->snd_nxt, sb->blk[b].start) &&
                    lr_seq_lt(c->snd_nxt, sb->blk[b].end))
                    c->snd_nxt = sb->blk[b].end;
            }
        }
        uint32_t off = c->snd_nxt - c->snd_una;
        uint32_t avail = c->snd_queued > off ? c->snd_queued - off : 0;
        uint32_t inflight = c->snd_nxt - c->snd_una;
        uint32_t wnd = RTE_MIN(c->snd_wnd, c->cc.cwnd);
        uint32_t usable = wnd > inflight ? wnd - inflight : 0;
        uint32_t len = RTE_MIN(avail, RTE_MIN((uint32_t)c->mss, usable));
        uint32_t end = c->snd_una + c->snd_queued; /* sequence of our FIN */
        /* FIN goes with (or after) the last queued byte; resent after an RTO */
        bool fin = (c->flags & LR_TCPF_FIN_QUEUED) && c->snd_nxt + len == end &&
                   !((c->flags & LR_TCPF_FIN_SENT) && lr_seq_gt(c->snd_una, c->snd_fin));
        if (len == 0 && !fin)
            break;
        if (len > 0 && len < c->mss && len < avail && len < c->max_snd_wnd / 2 &&
            c->snd_max != c->snd_una)
            break; /* sender SWS avoidance, RFC 9293 §3.8.6.2.1 (an ACK will come) */
        if (len > 0 && len < c->mss && len == avail && !fin && !(c->flags & LR_TCPF_NODELAY) &&
            c->snd_max != c->snd_una)
            break; /* Nagle, RFC 9293 §3.7.4: small segment waits for the ACK */
        uint8_t flags = RTE_TCP_ACK_FLAG;
        if (len > 0 && len == avail)
            flags |= RTE_TCP_PSH_FLAG;
        if (fin)
            flags |= RTE_TCP_FIN_FLAG;
        uint32_t seq = c->snd_nxt;
        bool resend = lr_seq_lt(seq, c->snd_max); /* before lr_tcp_send_segment moves SND.MAX */
        int n = lr_tcp_send_segment(w, c, seq, len, flags);
        if (n < 0)
            break;
        if (resend) {
            w->tcp->cnt.retransmits++;
            c->retrans_total++;
            c->flags |= LR_TCPF_RETRANSMITTED;
        }
        c->snd_nxt = seq + (uint32_t)n;
        if (fin && (uint32_t)n == len) {
            c->flags |= LR_TCPF_FIN_SENT;
            c->snd_fin = end;
            c->snd_nxt++;
        }
        if (lr_seq_gt(c->snd_nxt, c->snd_max))
            c->snd_max = c->snd_nxt;
        sent = true;
        if (fin)
            break;
    }
    if (!sent && (c->flags & LR_TCPF_ACK_NOW))
        lr_tcp_send_ack(w, c);
    lr_tcp_timer_update(w, c, false);
}
