/* SPDX-License-Identifier: BSD-3-Clause */
/* TCP test helpers (see lr_tcp_test.h). */
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_ip.h>
#include <rte_tcp.h>

#include "lr_net.h"
#include "lr_tcp_priv.h"
#include "lr_tcp_test.h"
#include "lr_test.h"

void lrt_config(struct lr_config *cfg)
{
    lr_test_config_default(cfg);
    cfg->tcp.max_conns = 64;
    cfg->tcp.backlog = 16;
    cfg->tcp.rcvbuf = 64 * 1024;
    cfg->tcp.sndbuf = 64 * 1024;
    cfg->tcp.echo_port = 0;
    cfg->tcp.discard_port = 0;
}

void lrt_env_init(struct lrt_env *e, struct lr_worker *w, const struct lr_config *cfg)
{
    uint8_t *buf = e->app.buf;
    memset(e, 0, sizeof(*e));
    e->app.buf = buf != NULL ? buf : malloc(LRT_APP_BUF);
    assert_non_null(e->app.buf);
    e->w = w;
    if (cfg != NULL)
        e->cfg = *cfg;
    else
        lrt_config(&e->cfg);
    /* The fixture owns the worker's config copy; TCP reads w->cfg->tcp. */
    struct lr_config *wc = (struct lr_config *)(uintptr_t)w->cfg;
    wc->tcp = e->cfg.tcp;
    e->peer_ip = LR_TEST_PEER_IP;
    e->peer_port = 40000;
    e->local_port = 80;
    e->peer_seq = 1000000;
    e->ts_val = 5000;
    lr_test_learn_peer(w, LR_TEST_PEER_IP, &lr_test_peer_mac);
    assert_int_equal(lr_tcp_init(w), 0);
    assert_non_null(w->tcp);
}

void lrt_env_fini(struct lrt_env *e)
{
    lr_test_tx_free_all(e->w);
    lr_tcp_free(e->w);
    lr_test_tx_free_all(e->w);
    free(e->app.buf);
    e->app.buf = NULL;
}

/* --- recording app -------------------------------------------------------- */

static int app_accept(struct lr_worker *w, struct lr_tcp_conn *c, void *ctx)
{
    RTE_SET_USED(w);
    struct lrt_env *e = ctx;
    e->app.accepts++;
    e->app.conn = c;
    if (e->app.hold)
        lr_tcp_conn_rcv_manual(c, true);
    return e->app.refuse ? -1 : 0;
}

static void app_connected(struct lr_worker *w, struct lr_tcp_conn *c)
{
    RTE_SET_USED(w);
    struct lrt_env *e = lr_tcp_conn_ctx_get(c);
    e->app.connected++;
    e->app.conn = c;
    if (e->app.hold)
        lr_tcp_conn_rcv_manual(c, true);
}

static void app_data(struct lr_worker *w, struct lr_tcp_conn *c, struct rte_mbuf *m)
{
    struct lrt_env *e = lr_tcp_conn_ctx_get(c);
    e->app.data_state = lr_tcp_conn_state(c);
    for (struct rte_mbuf *s = m; s != NULL; s = s->next) {
        uint32_t k = s->data_len;
        if (e->app.rcvd + k <= LRT_APP_BUF)
            memcpy(e->app.buf + e->app.rcvd, rte_pktmbuf_mtod(s, void *), k);
        e->app.rcvd += k;
    }
    rte_pktmbuf_free(m);
    if (e->app.close_in_data && e->app.rcvd >= e->app.close_at)
        lr_tcp_close(w, c);
}

static void app_writable(struct lr_worker *w, struct lr_tcp_conn *c)
{
    RTE_SET_USED(w);
    struct lrt_env *e = lr_tcp_conn_ctx_get(c);
    e->app.writable++;
}

static void app_peer_closed(struct lr_worker *w, struct lr_tcp_conn *c)
{
    RTE_SET_USED(w);
    struct lrt_env *e = lr_tcp_conn_ctx_get(c);
    e->app.peer_closed++;
}

static void app_fin_acked(struct lr_worker *w, struct lr_tcp_conn *c)
{
    RTE_SET_USED(w);
    struct lrt_env *e = lr_tcp_conn_ctx_get(c);
    e->app.fin_acked++;
}

static void app_closed(struct lr_worker *w, struct lr_tcp_conn *c, enum lr_tcp_close_reason r)
{
    RTE_SET_USED(w);
    struct lrt_env *e = lr_tcp_conn_ctx_get(c);
    e->app.closed++;
    e->app.reason = r;
    if (e->app.conn == c)
        e->app.conn = NULL;
}

const struct lr_tcp_conn_ops lrt_conn_ops = {
    .connected = app_connected,
    .data = app_data,
    .writable = app_writable,
    .peer_closed = app_peer_closed,
    .fin_acked = app_fin_acked,
    .closed = app_closed,
};

const struct lr_tcp_listen_ops lrt_listen_ops = {
    .accept = app_accept,
    .conn =
        {
            .data = app_data,
            .writable = app_writable,
            .peer_closed = app_peer_closed,
            .fin_acked = app_fin_acked,
            .closed = app_closed,
        },
};

void lrt_listen(struct lrt_env *e, uint16_t port)
{
    assert_int_equal(lr_tcp_listen(e->w, port, &lrt_listen_ops, e, NULL), 0);
    e->local_port = port;
}

/* --- crafting ------------------------------------------------------------- */

void lrt_pattern(uint8_t *buf, uint32_t len, uint32_t off)
{
    for (uint32_t i = 0; i < len; i++)
        buf[i] = (uint8_t)((off + i) * 7 + ((off + i) >> 8));
}

size_t lrt_build(struct lrt_env *e, const struct lrt_spec *s, uint8_t *frame, size_t cap)
{
    uint8_t tcp[60 + LRT_DATA_MAX];
    uint8_t opt[40];
    unsigned optlen = 0;
    if (s->opts != NULL) {
        memcpy(opt, s->opts, s->opts_len);
        optlen = s->opts_len;
    } else {
        struct lr_tcp_opts o;
        memset(&o, 0, sizeof(o));
        if (e->ts && !s->no_ts) {
            o.has_ts = 1;
            o.ts_val = s->ts_set ? s->ts_val : e->ts_val++;
            o.ts_ecr = e->ts_ecr;
        }
        for (unsigned i = 0; i < s->nb_sack && i < LR_TCP_MAX_SACK; i++)
            o.sack[i] = s->sack[i];
        o.nb_sack = (uint8_t)s->nb_sack;
        if (o.has_ts || o.nb_sack)
            optlen = lr_tcp_opts_write(opt, &o, false);
    }
    assert_true(s->len <= LRT_DATA_MAX);
    struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)tcp;
    memset(th, 0, sizeof(*th));
    th->src_port = rte_cpu_to_be_16(s->sport ? s->sport : e->peer_port);
    th->dst_port = rte_cpu_to_be_16(s->dport ? s->dport : e->local_port);
    th->sent_seq = rte_cpu_to_be_32(s->seq_set ? s->seq : e->peer_seq);
    th->recv_ack = rte_cpu_to_be_32(s->ack_set ? s->ack : e->peer_ack);
    unsigned hlen = sizeof(*th) + optlen;
    th->data_off = (uint8_t)((s->doff_set ? s->doff : hlen / 4) << 4);
    th->tcp_flags = s->flags;
    th->rx_win = rte_cpu_to_be_16(s->wnd_set ? s->wnd : 65535);
    memcpy(tcp + sizeof(*th), opt, optlen);
    if (s->len > 0)
        memcpy(tcp + hlen, s->data, s->len);
    struct lr_test_ipv4 p = {
        .src = s->src ? s->src : e->peer_ip,
        .proto = IPPROTO_TCP,
        .payload = tcp,
        .payload_len = hlen + s->len,
    };
    size_t n = lr_test_ipv4_frame(e->w, frame, cap, &p);
    assert_true(n > 0);
    struct rte_ipv4_hdr *ip = lr_test_frame_ip(frame);
    struct rte_tcp_hdr *fth = (struct rte_tcp_hdr *)((uint8_t *)ip + rte_ipv4_hdr_len(ip));
    fth->cksum = 0;
    fth->cksum = rte_ipv4_udptcp_cksum(ip, fth);
    if (s->bad_csum)
        fth->cksum ^= 0x5a5a;
    if (!s->seq_set)
        e->peer_seq += s->len + ((s->flags & LRT_SYN) ? 1 : 0) + ((s->flags & LRT_FIN) ? 1 : 0);
    return n;
}

void lrt_send(struct lrt_env *e, const struct lrt_spec *s)
{
    uint8_t frame[128 + 60 + LRT_DATA_MAX];
    size_t n = lrt_build(e, s, frame, sizeof(frame));
    lr_test_rx(e->w, frame, n);
}

/* --- collecting ----------------------------------------------------------- */

bool lrt_expect(struct lrt_env *e, struct lrt_seg *out)
{
    for (;;) {
        struct rte_mbuf *m = lr_test_tx_pop(e->w);
        if (m == NULL)
            return false;
        uint8_t buf[128 + 60 + LRT_DATA_MAX];
        uint32_t len = m->pkt_len;
        if (len > sizeof(buf)) {
            rte_pktmbuf_free(m);
            fail_msg("frame too large: %u", len);
        }
        const void *p = rte_pktmbuf_read(m, 0, len, buf);
        if (p != buf)
            memcpy(buf, p, len);
        rte_pktmbuf_free(m);
        const struct rte_ether_hdr *eh = (const struct rte_ether_hdr *)buf;
        if (eh->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4))
            continue;
        struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(buf + sizeof(*eh));
        if (ip->next_proto_id != IPPROTO_TCP)
            continue;
        struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)((uint8_t *)ip + rte_ipv4_hdr_len(ip));
        memset(out, 0, sizeof(*out));
        out->csum_ok = rte_ipv4_udptcp_cksum_verify(ip, th) == 0;
        out->flags = th->tcp_flags;
        out->seq = rte_be_to_cpu_32(th->sent_seq);
        out->ack = rte_be_to_cpu_32(th->recv_ack);
        out->wnd = rte_be_to_cpu_16(th->rx_win);
        out->src = ip->src_addr;
        out->dst = ip->dst_addr;
        out->sport = rte_be_to_cpu_16(th->src_port);
        out->dport = rte_be_to_cpu_16(th->dst_port);
        out->hlen = (th->data_off >> 4) * 4u;
        uint32_t tot = rte_be_to_cpu_16(ip->total_length) - rte_ipv4_hdr_len(ip);
        out->len = tot - out->hlen;
        assert_int_equal(lr_tcp_opts_parse((const uint8_t *)(th + 1), out->hlen - 20,
                                           (out->flags & LRT_SYN) != 0, &out->opts),
                         0);
        if (out->len > 0)
            memcpy(out->data, (uint8_t *)th + out->hlen, RTE_MIN(out->len, (uint32_t)LRT_DATA_MAX));
        if (out->opts.has_ts)
            e->ts_ecr = out->opts.ts_val;
        assert_true(out->csum_ok);
        return true;
    }
}

unsigned lrt_drain(struct lrt_env *e)
{
    struct lrt_seg s;
    unsigned n = 0;
    while (lrt_expect(e, &s))
        n++;
    return n;
}

struct lr_tcp_conn *lrt_handshake(struct lrt_env *e, uint16_t port)
{
    e->local_port = port;
    uint8_t opt[40]; /* lr_tcp_opts_write needs 40 bytes, whatever it writes */
    struct lr_tcp_opts o;
    memset(&o, 0, sizeof(o));
    o.has_mss = 1;
    o.mss = 1460;
    if (e->ts) {
        o.has_ts = 1;
        o.ts_val = e->ts_val++;
        o.sack_ok = 1;
        o.has_wscale = 1;
        o.wscale = 2;
    }
    unsigned optlen = lr_tcp_opts_write(opt, &o, true);
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_SYN, .opts = opt, .opts_len = optlen });
    struct lrt_seg s;
    if (!lrt_expect(e, &s))
        return NULL;
    assert_int_equal(s.flags, LRT_SYN | LRT_ACK);
    assert_int_equal(s.ack, e->peer_seq);
    e->our_iss = s.seq;
    e->peer_ack = s.seq + 1;
    unsigned before = e->app.accepts;
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK });
    assert_int_equal(e->app.accepts, before + 1);
    assert_non_null(e->app.conn);
    assert_int_equal(lr_tcp_conn_state(e->app.conn), LR_TCP_ESTABLISHED);
    return e->app.conn;
}

struct lr_tcp_conn *lrt_open_conn(struct lrt_env *e, uint16_t port)
{
    lrt_listen(e, port);
    struct lr_tcp_conn *c = lrt_handshake(e, port);
    assert_non_null(c);
    assert_int_equal(lrt_drain(e), 0);
    return c;
}

void lrt_send_data(struct lrt_env *e, const void *data, uint32_t len)
{
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK | LRT_PSH, .data = data, .len = len });
}

uint64_t lrt_active(const struct lrt_env *e)
{
    struct lr_tcp_counters c;
    lr_tcp_counters_get(e->w, &c);
    return c.active;
}

uint64_t lrt_drops(const struct lrt_env *e, enum lr_drop_reason reason)
{
    return e->w->stats.drops[reason];
}

struct lr_tcp_counters lrt_counters(const struct lrt_env *e)
{
    struct lr_tcp_counters c;
    lr_tcp_counters_get(e->w, &c);
    return c;
}

int lrt_setup(void **state)
{
    struct lrt_env *e = calloc(1, sizeof(*e));
    if (e == NULL)
        return -1;
    struct lr_config cfg;
    lrt_config(&cfg);
    struct lr_worker *w = lr_test_worker_new(&cfg);
    if (w == NULL) {
        free(e);
        return -1;
    }
    lr_test_set_baseline(w);
    lrt_env_init(e, w, &cfg);
    *state = e;
    return 0;
}

int lrt_teardown(void **state)
{
    struct lrt_env *e = *state;
    int rc = 0;
    lr_tcp_shutdown(e->w);
    if (lrt_active(e) != 0) {
        fprintf(stderr, "lr_tcp_test: %" PRIu64 " connections left after shutdown\n",
                lrt_active(e));
        rc = -1;
    }
    if (e->w->tcp->nb_free != e->w->tcp->max_conns) {
        fprintf(stderr, "lr_tcp_test: pool %u/%u free\n", e->w->tcp->nb_free, e->w->tcp->max_conns);
        rc = -1;
    }
    lrt_env_fini(e);
    void *ws = e->w;
    free(e);
    if (lr_test_teardown(&ws) != 0)
        rc = -1;
    return rc;
}

void lrt_reinit(struct lrt_env *e, const struct lr_config *cfg)
{
    lr_test_tx_free_all(e->w);
    lr_tcp_free(e->w);
    uint8_t *buf = e->app.buf;
    e->app.buf = buf;
    lrt_env_init(e, e->w, cfg);
}
