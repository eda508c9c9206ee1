/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP echo (RFC 862) and discard (RFC 863), started on every worker when
 * [tcp] echo_port / discard_port are set (module "tcp_services", after
 * "tcp"). Written against the public API like any application.
 *
 * Echo respects flow control: connections run in manual receive mode and a
 * segment is consumed (its window reopened) only once it is queued for
 * sending. What cannot be queued yet waits in the connection's ctx (an mbuf
 * chain) until writable(); meanwhile the receive window closes, so the peer
 * stops instead of data being dropped. The pending chain is bounded by
 * [tcp] rcvbuf because the window is.
 */
#include <netinet/in.h>
#include <rte_mbuf.h>

#include "lr_config.h"
#include "lr_tcp.h"
#include "lr_tcp_services.h"
#include "lr_worker.h"

/* Queue as much of the pending chain as send space allows; consume it. When
 * the send buffer is full lr_tcp_send_mbuf() says so and writable() follows. */
static void echo_flush(struct lr_worker *w, struct lr_tcp_conn *c)
{
    struct rte_mbuf *m = lr_tcp_conn_ctx_get(c);
    while (m != NULL) {
        struct rte_mbuf *rest = m->next;
        uint32_t len = m->data_len;
        /* hand over one segment at a time so the queue stays near sndbuf */
        m->next = NULL;
        m->nb_segs = 1;
        m->pkt_len = len;
        if (len == 0) {
            rte_pktmbuf_free_seg(m);
        } else if (lr_tcp_send_mbuf(w, c, m) < 0) {
            m->next = rest;
            break;
        }
        lr_tcp_rcv_consumed(w, c, len);
        m = rest;
    }
    lr_tcp_conn_ctx_set(c, m);
    if (m == NULL && lr_tcp_conn_state(c) == LR_TCP_CLOSE_WAIT)
        lr_tcp_close(w, c); /* peer finished and everything is echoed */
}

static int echo_accept(struct lr_worker *w, struct lr_tcp_conn *c, void *ctx)
{
    RTE_SET_USED(w);
    RTE_SET_USED(ctx);
    lr_tcp_conn_ctx_set(c, NULL);
    lr_tcp_conn_rcv_manual(c, true);
    return 0;
}

static void echo_data(struct lr_worker *w, struct lr_tcp_conn *c, struct rte_mbuf *m)
{
    struct rte_mbuf *pend = lr_tcp_conn_ctx_get(c);
    if (pend != NULL) {
        struct rte_mbuf *last = rte_pktmbuf_lastseg(pend);
        last->next = m;
        lr_tcp_conn_ctx_set(c, pend);
    } else {
        lr_tcp_conn_ctx_set(c, m);
    }
    echo_flush(w, c);
}

static void echo_writable(struct lr_worker *w, struct lr_tcp_conn *c)
{
    echo_flush(w, c);
}

static void echo_peer_closed(struct lr_worker *w, struct lr_tcp_conn *c)
{
    if (lr_tcp_conn_ctx_get(c) == NULL)
        lr_tcp_close(w, c);
}

static void echo_closed(struct lr_worker *w, struct lr_tcp_conn *c, enum lr_tcp_close_reason r)
{
    RTE_SET_USED(w);
    RTE_SET_USED(r);
    struct rte_mbuf *m = lr_tcp_conn_ctx_get(c);
    if (m != NULL)
        rte_pktmbuf_free(m);
    lr_tcp_conn_ctx_set(c, NULL);
}

static const struct lr_tcp_listen_ops echo_ops = {
    .accept = echo_accept,
    .conn =
        {
            .data = echo_data,
            .writable = echo_writable,
            .peer_closed = echo_peer_closed,
            .closed = echo_closed,
        },
};

static void discard_data(struct lr_worker *w, struct lr_tcp_conn *c, struct rte_mbuf *m)
{
    RTE_SET_USED(w);
    RTE_SET_USED(c);
    rte_pktmbuf_free(m);
}

static void discard_peer_closed(struct lr_worker *w, struct lr_tcp_conn *c)
{
    lr_tcp_close(w, c);
}

static const struct lr_tcp_listen_ops discard_ops = {
    .conn =
        {
            .data = discard_data,
            .peer_closed = discard_peer_closed,
        },
};

int lr_tcp_services_init(struct lr_worker *w)
{
    const struct lr_tcp_config *cfg = &w->cfg->tcp;
    int rc;
    if (cfg->echo_port != 0) {
        rc = lr_tcp_listen(w, cfg->echo_port, &echo_ops, NULL, NULL);
        if (rc != 0)
            return rc;
    }
    if (cfg->discard_port != 0) {
        rc = lr_tcp_listen(w, cfg->discard_port, &discard_ops, NULL, NULL);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static void echo_drop_pending(struct lr_worker *w, struct lr_tcp_conn *c, void *arg)
{
    RTE_SET_USED(w);
    RTE_SET_USED(arg);
    if (lr_tcp_conn_ops_get(c) != &echo_ops.conn)
        return;
    struct rte_mbuf *m = lr_tcp_conn_ctx_get(c);
    if (m != NULL) {
        rte_pktmbuf_free(m);
        lr_tcp_conn_ctx_set(c, NULL);
    }
}

void lr_tcp_services_free(struct lr_worker *w)
{
    /* Pending echo chains live in connection contexts; lr_tcp_free() drops
     * connections without callbacks, so release them here first. */
    lr_tcp_conns_foreach(w, echo_drop_pending, NULL);
}

static unsigned tcp_services_ports(const struct lr_config *cfg, struct lr_port_claim *out)
{
    unsigned n = 0;

    if (cfg->tcp.echo_port != 0)
        out[n++] = (struct lr_port_claim){ IPPROTO_TCP, cfg->tcp.echo_port, cfg->tcp.echo_port,
                                           "[tcp] echo_port" };
    if (cfg->tcp.discard_port != 0)
        out[n++] = (struct lr_port_claim){ IPPROTO_TCP, cfg->tcp.discard_port,
                                           cfg->tcp.discard_port, "[tcp] discard_port" };
    return n;
}

const struct lr_module lr_tcp_services_module = {
    .name = "tcp_services",
    .after = LR_MODULE_AFTER("tcp"),
    .init = lr_tcp_services_init,
    .fini = lr_tcp_services_free,
    .ports = tcp_services_ports,
};
