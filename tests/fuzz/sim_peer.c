/* SPDX-License-Identifier: BSD-3-Clause */
/* Simulated TCP peer for the stateful fuzz targets (see sim_peer.h). */
#include <string.h>

#include <rte_arp.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "lr_tcp_opt.h"
#include "../unit/lr_test.h"
#include "sim_peer.h"

#define PORT_MIN   20000u
#define PORT_SPAN  40000u
#define SEG_DATA   4096u
#define FRAME_CAP  (128u + 60u + SEG_DATA)
#define SETTLE_MAX 256

void fp_init(struct fp_peer *p, struct lr_worker *w)
{
    memset(p, 0, sizeof(*p));
    p->w = w;
    p->next_port = PORT_MIN;
    p->next_iss = 0x10000000u;
}

void fp_reset(struct fp_peer *p)
{
    for (unsigned i = 0; i < FP_CONNS; i++)
        p->c[i].used = false;
}

static int slot_new(struct fp_peer *p)
{
    for (int i = 0; i < FP_CONNS; i++) {
        if (!p->c[i].used) {
            struct fp_conn *c = &p->c[i];
            memset(c, 0, offsetof(struct fp_conn, rx));
            c->used = true;
            c->wnd = 65535;
            c->ts_val = 1000;
            return i;
        }
    }
    return -1;
}

static uint16_t port_next(struct fp_peer *p)
{
    uint16_t port = p->next_port;
    p->next_port = (uint16_t)(PORT_MIN + (p->next_port - PORT_MIN + 1) % PORT_SPAN);
    return port;
}

/* Build and inject one segment of slot @c. */
static void inject(struct fp_peer *p, struct fp_conn *c, uint8_t flags, uint32_t seq, uint32_t ack,
                   uint16_t wnd, const uint8_t *opts, unsigned opts_len, const void *data,
                   uint32_t len)
{
    uint8_t tcp[60 + SEG_DATA];
    uint8_t frame[FRAME_CAP];
    if (opts_len > 40)
        opts_len = 40;
    unsigned olen = (opts_len + 3u) & ~3u;
    /* One frame of the fixture's MTU (1500): longer payloads are cut. */
    uint32_t room = 1500u - 20u - 20u - olen;
    if (len > room)
        len = room;
    struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)tcp;
    memset(tcp, 0, sizeof(*th) + olen);
    th->src_port = rte_cpu_to_be_16(c->pport);
    th->dst_port = rte_cpu_to_be_16(c->lport);
    th->sent_seq = rte_cpu_to_be_32(seq);
    th->recv_ack = rte_cpu_to_be_32(ack);
    th->data_off = (uint8_t)(((sizeof(*th) + olen) / 4) << 4);
    th->tcp_flags = flags;
    th->rx_win = rte_cpu_to_be_16(wnd);
    if (opts_len > 0)
        memcpy(tcp + sizeof(*th), opts, opts_len); /* padding stays 0 (EOL) */
    if (len > 0)
        memcpy(tcp + sizeof(*th) + olen, data, len);
    struct lr_test_ipv4 ip = { .proto = IPPROTO_TCP,
                               .payload = tcp,
                               .payload_len = sizeof(*th) + olen + len };
    size_t n = lr_test_ipv4_frame(p->w, frame, sizeof(frame), &ip);
    if (n == 0)
        return;
    struct rte_ipv4_hdr *iph = lr_test_frame_ip(frame);
    struct rte_tcp_hdr *fth = (struct rte_tcp_hdr *)((uint8_t *)iph + rte_ipv4_hdr_len(iph));
    fth->cksum = 0;
    fth->cksum = rte_ipv4_udptcp_cksum(iph, fth);
    p->segs_out++;
    lr_test_rx(p->w, frame, n);
}

/* The default options of a non-SYN segment: timestamps when negotiated. */
static unsigned default_opts(struct fp_conn *c, uint8_t *buf)
{
    if (!c->ts)
        return 0;
    struct lr_tcp_opts o;
    memset(&o, 0, sizeof(o));
    o.has_ts = 1;
    o.ts_val = c->ts_val++;
    o.ts_ecr = c->ts_ecr;
    return lr_tcp_opts_write(buf, &o, false);
}

static unsigned syn_opts(struct fp_conn *c, bool all, uint8_t *buf)
{
    struct lr_tcp_opts o;
    memset(&o, 0, sizeof(o));
    o.has_mss = 1;
    o.mss = 1460;
    if (all) {
        o.sack_ok = 1;
        o.has_wscale = 1;
        o.wscale = 2;
        o.has_ts = 1;
        o.ts_val = c->ts_val++;
        o.ts_ecr = c->ts_ecr;
        c->ts = true;
    }
    return lr_tcp_opts_write(buf, &o, true);
}

int fp_open(struct fp_peer *p, uint16_t lport, bool opts)
{
    int s = slot_new(p);
    if (s < 0)
        return -1;
    struct fp_conn *c = &p->c[s];
    c->lport = lport;
    c->pport = port_next(p);
    c->iss = p->next_iss;
    p->next_iss += 0x01000193u;
    uint8_t o[40];
    unsigned ol = syn_opts(c, opts, o);
    inject(p, c, RTE_TCP_SYN_FLAG, c->iss, 0, c->wnd, o, ol, NULL, 0);
    c->snd_nxt = c->iss + 1;
    return s;
}

void fp_seg(struct fp_peer *p, int s, const struct fp_spec *sp)
{
    if (s < 0 || s >= FP_CONNS || !p->c[s].used)
        return;
    struct fp_conn *c = &p->c[s];
    uint8_t o[40];
    const uint8_t *opts = sp->opts;
    unsigned ol = sp->opts_len;
    if (opts == NULL) {
        ol = (sp->flags & RTE_TCP_SYN_FLAG) ? syn_opts(c, c->ts, o) : default_opts(c, o);
        opts = o;
    }
    uint32_t seq = c->snd_nxt + (uint32_t)sp->seq_off;
    uint32_t ack = c->rcv_nxt + (uint32_t)sp->ack_off;
    uint32_t len = sp->len > SEG_DATA ? SEG_DATA : sp->len;
    inject(p, c, sp->flags, seq, ack, sp->wnd_set ? sp->wnd : c->wnd, opts, ol, sp->data, len);
    if (sp->flags & RTE_TCP_ACK_FLAG)
        c->need_ack = false;
    if (sp->advance) {
        uint32_t end = seq + len + ((sp->flags & RTE_TCP_SYN_FLAG) ? 1u : 0u) +
                       ((sp->flags & RTE_TCP_FIN_FLAG) ? 1u : 0u);
        if ((int32_t)(end - c->snd_nxt) > 0)
            c->snd_nxt = end;
        if (sp->flags & RTE_TCP_FIN_FLAG)
            c->fin_sent = true;
    }
    if (sp->flags & RTE_TCP_RST_FLAG)
        c->used = false;
}

void fp_send(struct fp_peer *p, int s, const void *data, uint32_t len)
{
    fp_seg(p, s,
           &(struct fp_spec){ .flags = RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG,
                              .data = data,
                              .len = len,
                              .advance = true });
}

void fp_ack(struct fp_peer *p, int s)
{
    fp_seg(p, s, &(struct fp_spec){ .flags = RTE_TCP_ACK_FLAG });
}

void fp_fin(struct fp_peer *p, int s)
{
    fp_seg(p, s,
           &(struct fp_spec){ .flags = RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, .advance = true });
}

void fp_rst(struct fp_peer *p, int s)
{
    fp_seg(p, s, &(struct fp_spec){ .flags = RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG });
}

static void answer_arp(struct fp_peer *p, const uint8_t *buf, uint32_t len)
{
    if (len < sizeof(struct rte_ether_hdr) + sizeof(struct rte_arp_hdr))
        return;
    const struct rte_arp_hdr *a = (const struct rte_arp_hdr *)(buf + sizeof(struct rte_ether_hdr));
    if (a->arp_opcode != rte_cpu_to_be_16(RTE_ARP_OP_REQUEST) ||
        a->arp_data.arp_tip != LR_TEST_PEER_IP)
        return;
    uint8_t f[64];
    size_t n =
        lr_test_arp_frame(f, sizeof(f), RTE_ARP_OP_REPLY, &a->arp_data.arp_sha, &lr_test_peer_mac,
                          LR_TEST_PEER_IP, &a->arp_data.arp_sha, a->arp_data.arp_sip);
    if (n > 0)
        lr_test_rx(p->w, f, n);
}

static int slot_of(const struct fp_peer *p, uint16_t lport, uint16_t pport)
{
    for (int i = 0; i < FP_CONNS; i++)
        if (p->c[i].used && p->c[i].lport == lport && p->c[i].pport == pport)
            return i;
    return -1;
}

/* One segment the stack sent: update the slot it belongs to. */
static void take_seg(struct fp_peer *p, const uint8_t *buf, uint32_t flen, bool auto_ack)
{
    const struct rte_ipv4_hdr *ip =
        (const struct rte_ipv4_hdr *)(buf + sizeof(struct rte_ether_hdr));
    uint32_t ihl = rte_ipv4_hdr_len(ip);
    uint32_t tot = rte_be_to_cpu_16(ip->total_length);
    if (ip->next_proto_id != IPPROTO_TCP || ip->dst_addr != LR_TEST_PEER_IP || tot < ihl + 20 ||
        sizeof(struct rte_ether_hdr) + tot > flen)
        return;
    const struct rte_tcp_hdr *th = (const struct rte_tcp_hdr *)((const uint8_t *)ip + ihl);
    uint32_t hlen = (uint32_t)(th->data_off >> 4) * 4u;
    if (hlen < 20 || ihl + hlen > tot)
        return;
    p->segs_in++;
    uint8_t fl = th->tcp_flags;
    uint16_t lport = rte_be_to_cpu_16(th->src_port);
    uint16_t pport = rte_be_to_cpu_16(th->dst_port);
    uint32_t seq = rte_be_to_cpu_32(th->sent_seq);
    uint32_t dlen = tot - ihl - hlen;
    const uint8_t *data = (const uint8_t *)th + hlen;
    struct lr_tcp_opts o;
    bool opts_ok = lr_tcp_opts_parse((const uint8_t *)(th + 1), hlen - 20,
                                     (fl & RTE_TCP_SYN_FLAG) != 0, &o) == 0;

    int s = slot_of(p, lport, pport);
    if (s < 0) {
        /* An active open of the stack towards the peer: take it. */
        if ((fl & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG | RTE_TCP_RST_FLAG)) != RTE_TCP_SYN_FLAG)
            return;
        s = slot_new(p);
        if (s < 0)
            return;
        struct fp_conn *c = &p->c[s];
        c->lport = lport;
        c->pport = pport;
        c->active = true;
        c->iss = p->next_iss;
        p->next_iss += 0x01000193u;
        c->snd_nxt = c->iss;
        c->syn_rcvd = true;
        c->rcv_nxt = seq + 1;
        c->ts = opts_ok && o.has_ts;
        if (c->ts)
            c->ts_ecr = o.ts_val;
        if (auto_ack) {
            uint8_t ob[40];
            unsigned ol = syn_opts(c, c->ts, ob);
            inject(p, c, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, c->iss, c->rcv_nxt, c->wnd, ob, ol,
                   NULL, 0);
            c->snd_nxt = c->iss + 1;
        } else {
            c->need_ack = true;
        }
        return;
    }
    struct fp_conn *c = &p->c[s];
    if (opts_ok && o.has_ts)
        c->ts_ecr = o.ts_val;
    if (fl & RTE_TCP_RST_FLAG) {
        c->rst_rcvd = true;
        c->used = false;
        return;
    }
    if (fl & RTE_TCP_SYN_FLAG) {
        if (!c->syn_rcvd) {
            c->syn_rcvd = true;
            c->rcv_nxt = seq + 1;
            c->need_ack = true;
        } else if (seq + 1 == c->rcv_nxt) {
            c->need_ack = true; /* a retransmitted SYN-ACK: ACK it again */
        }
        seq++;
    }
    if (!c->syn_rcvd)
        return;
    /* In-order bytes (and the new part of an overlapping retransmission). */
    int32_t skip = (int32_t)(c->rcv_nxt - seq);
    if (dlen > 0) {
        c->need_ack = true;
        if (skip >= 0 && (uint32_t)skip < dlen) {
            uint32_t n = dlen - (uint32_t)skip;
            uint32_t room = FP_RX_MAX - c->rx_len;
            uint32_t k = n < room ? n : room;
            memcpy(c->rx + c->rx_len, data + skip, k);
            c->rx_len += k;
            c->rx_total += n;
            c->rcv_nxt += n;
        }
    }
    if ((fl & RTE_TCP_FIN_FLAG) && seq + dlen == c->rcv_nxt && !c->fin_rcvd) {
        c->fin_rcvd = true;
        c->rcv_nxt++;
        c->need_ack = true;
    } else if (fl & RTE_TCP_FIN_FLAG) {
        c->need_ack = true; /* out of order or repeated: a duplicate ACK */
    }
}

unsigned fp_drain(struct fp_peer *p, bool auto_ack)
{
    unsigned n = 0;
    struct rte_mbuf *m;
    static uint8_t buf[16384];
    while ((m = lr_test_tx_pop(p->w)) != NULL) {
        uint32_t len = m->pkt_len;
        if (len > sizeof(buf)) {
            rte_pktmbuf_free(m);
            continue;
        }
        const void *d = rte_pktmbuf_read(m, 0, len, buf);
        if (d != buf && d != NULL)
            memcpy(buf, d, len);
        rte_pktmbuf_free(m);
        if (d == NULL || len < sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr)) {
            if (d != NULL)
                answer_arp(p, buf, len);
            continue;
        }
        const struct rte_ether_hdr *eh = (const struct rte_ether_hdr *)buf;
        if (eh->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP)) {
            answer_arp(p, buf, len);
            continue;
        }
        if (eh->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4))
            continue;
        take_seg(p, buf, len, auto_ack);
        n++;
    }
    return n;
}

void fp_settle(struct fp_peer *p, bool auto_ack)
{
    for (int round = 0; round < SETTLE_MAX; round++) {
        unsigned n = fp_drain(p, auto_ack);
        bool acked = false;
        if (auto_ack) {
            for (int i = 0; i < FP_CONNS; i++) {
                if (p->c[i].used && p->c[i].need_ack) {
                    fp_ack(p, i);
                    acked = true;
                }
            }
        }
        if (n == 0 && !acked)
            return;
    }
}

const uint8_t *fp_rx(const struct fp_peer *p, int s, uint32_t *len)
{
    if (s < 0 || s >= FP_CONNS || !p->c[s].used) {
        *len = 0;
        return NULL;
    }
    *len = p->c[s].rx_len;
    return p->c[s].rx;
}

void fp_rx_consume(struct fp_peer *p, int s, uint32_t n)
{
    if (s < 0 || s >= FP_CONNS)
        return;
    struct fp_conn *c = &p->c[s];
    if (n > c->rx_len)
        n = c->rx_len;
    memmove(c->rx, c->rx + n, c->rx_len - n);
    c->rx_len -= n;
}

int fp_find_lport(const struct fp_peer *p, uint16_t lport)
{
    for (int i = 0; i < FP_CONNS; i++)
        if (p->c[i].used && p->c[i].lport == lport)
            return i;
    return -1;
}

unsigned fp_used(const struct fp_peer *p)
{
    unsigned n = 0;
    for (int i = 0; i < FP_CONNS; i++)
        n += p->c[i].used;
    return n;
}

int fp_pick(const struct fp_peer *p, uint8_t k)
{
    unsigned n = fp_used(p);
    if (n == 0)
        return -1;
    unsigned left = k % n;
    for (int i = 0; i < FP_CONNS; i++)
        if (p->c[i].used && left-- == 0)
            return i;
    return -1;
}

void fp_stream_append(struct fp_stream *st, const void *data, size_t n)
{
    if (n > FP_STREAM_MAX - st->len)
        n = FP_STREAM_MAX - st->len;
    memcpy(st->b + st->len, data, n);
    st->len += (uint32_t)n;
}

uint32_t fp_stream_push(struct fp_peer *p, int s, struct fp_stream *st, uint32_t n, uint32_t seg)
{
    uint32_t sent = 0;
    if (seg == 0 || seg > 1400)
        seg = 1400;
    if (n > st->len)
        n = st->len;
    while (sent < n && p->c[s].used) {
        uint32_t k = n - sent < seg ? n - sent : seg;
        fp_send(p, s, st->b + sent, k);
        sent += k;
    }
    memmove(st->b, st->b + sent, st->len - sent);
    st->len -= sent;
    return sent;
}

void fp_client_config(struct lr_config *cfg)
{
    lr_test_config_default(cfg);
    cfg->arp.timeout = 1000000000000000000ull; /* the peer's entry never ages out */
    cfg->tcp.max_conns = 16;
    cfg->tcp.rcvbuf = 16384;
    cfg->tcp.sndbuf = 32768;
    cfg->tcp.rto_max = 2000000;
    cfg->tcp.retries = 4;
    cfg->tcp.syn_retries = 2;
    cfg->tcp.time_wait = 1000000;
    cfg->tcp.echo_port = 0;
    cfg->tcp.discard_port = 0;
}
