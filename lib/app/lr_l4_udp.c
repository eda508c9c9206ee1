/* SPDX-License-Identifier: BSD-3-Clause */
/* Client mode's udp mode: see lr_l4_udp.h. */
#include <errno.h>
#include <string.h>

#include <rte_common.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "lr_l4_proto.h"
#include "lr_l4_udp.h"
#include "lr_log.h"
#include "lr_net.h"
#include "lr_pkt.h"
#include "lr_rate.h"
#include "lr_udp.h"

LR_LOG_DECLARE(client);

struct l4u_flow {
    struct lr_l4_udp *u;
    rte_be32_t src, dst; /* network order */
    rte_be16_t sport, dport;
    uint32_t id;
};

struct lr_l4_udp {
    const struct lr_client_config *cfg;
    struct lr_latency *lat;
    uint8_t phase; /* enum lr_l4_udp_phase */
    bool started;  /* a probe was answered: the run's counters are in win */
    uint32_t nb_flows;
    struct l4u_flow *flows;
    /* closed loop: flows with nothing outstanding, to send on */
    uint32_t *ready;
    uint32_t nb_ready;
    /* open loop: the schedule and the next flow in turn */
    bool open_loop;
    uint64_t rate;
    struct lr_rate_sched sched;
    uint32_t next_flow;
    struct lr_l4_udp_window win;
    uint32_t win_size;
    uint64_t *w_sent;
    uint8_t *w_state;
    uint32_t *w_flow;
    uint8_t *req; /* payload_size bytes: header (seq rewritten per send), pattern */
    uint8_t expect[LR_L4_HDR_LEN];     /* the answer's header, seq field rewritten per answer */
    uint64_t probe_at, probes, t_warm; /* t_warm: the first poll */
    uint64_t t_start, t_stop, t_done;
    struct lr_l4_udp_stats st;
};

const struct lr_l4_udp_stats *lr_l4_udp_stats(const struct lr_l4_udp *u)
{
    return &u->st;
}

void lr_l4_udp_times(const struct lr_l4_udp *u, uint64_t *t_start, uint64_t *t_stop,
                     uint64_t *t_done)
{
    *t_start = u->t_start;
    *t_stop = u->t_stop;
    *t_done = u->t_done;
}

static void set_seq(uint8_t *hdr, uint32_t seq)
{
    rte_be32_t be = rte_cpu_to_be_32(seq);
    memcpy(hdr + 4, &be, sizeof(be));
}

/* Send one request on @f now; its latency origin is @t_origin. A send the
 * stack refuses is counted and the flow treated as answered by a loss. */
static void l4u_send(struct lr_worker *w, struct lr_l4_udp *u, struct l4u_flow *f,
                     uint64_t t_origin)
{
    bool overran;
    uint32_t of;
    uint32_t seq = lr_l4_udp_send(&u->win, t_origin, f->id, &overran, &of);

    if (overran && !u->open_loop)
        u->ready[u->nb_ready++] = of; /* its request is lost: it may send again */
    set_seq(u->req, seq);
    int rc = lr_udp_send(w, f->src, f->sport, f->dst, f->dport, u->req, u->cfg->payload_size);
    if (rc != 0) {
        /* Never on the wire: not a loss of the network's. Take it back out
         * of the window as answered-nothing so it is not counted lost. */
        u->st.send_failed++;
        u->win.c.sent--;
        u->win.state[seq & u->win.mask] = LR_L4_SLOT_DONE;
        if (!u->open_loop)
            u->ready[u->nb_ready++] = f->id;
        return;
    }
    u->st.tx_bytes += u->cfg->payload_size;
}

/* Compare an answer with what the l4 service sends: the request's header,
 * then the pattern. 0: good; 1: bad header; 2: payload corrupt. */
static int l4u_check(struct lr_l4_udp *u, const struct rte_mbuf *m, uint32_t seq)
{
    uint8_t buf[LR_L4_HDR_LEN];
    /* the header in place when contiguous, else copied into buf */
    const uint8_t *hdr = rte_pktmbuf_read(m, 0, LR_L4_HDR_LEN, buf);

    if (hdr == NULL)
        return 1;
    set_seq(u->expect, seq);
    if (memcmp(hdr, u->expect, LR_L4_HDR_LEN) != 0)
        return 1;
    uint64_t off = 0, bad = 0;
    for (const struct rte_mbuf *s = m; s != NULL; s = s->next) {
        const uint8_t *p = rte_pktmbuf_mtod(s, const uint8_t *);
        uint32_t n = s->data_len;
        if (off < LR_L4_HDR_LEN) {
            uint32_t skip = (uint32_t)RTE_MIN((uint64_t)n, LR_L4_HDR_LEN - off);
            p += skip;
            n -= skip;
            off += skip;
        }
        if (n > 0)
            bad += lr_l4_msg_diff(p, n, off, u->expect);
        off += n;
    }
    if (bad != 0) {
        u->st.corrupt_bytes += bad;
        return 2;
    }
    return 0;
}

static void l4u_start(struct lr_worker *w, struct lr_l4_udp *u);

/* A datagram to one of the flow ports. */
static void l4u_recv(struct lr_worker *w, struct rte_mbuf *m, const struct lr_udp_dgram *d,
                     void *ctx)
{
    struct l4u_flow *f = ctx;
    struct lr_l4_udp *u = f->u;
    uint8_t buf[LR_L4_HDR_LEN];
    const uint8_t *hdr = NULL;
    uint32_t seq, flow = 0;
    uint64_t rtt = 0;

    /* Only the flow's target answers it (RFC 768 gives no connection: the
     * client checks the source itself), with the size asked for. */
    if (d->src == f->dst && d->sport == f->dport && m->pkt_len == u->cfg->response_size)
        hdr = rte_pktmbuf_read(m, 0, LR_L4_HDR_LEN, buf);
    if (hdr == NULL) {
        u->st.bad++;
        lr_pkt_drop(w, LR_DROP_UDP_APP, m);
        return;
    }
    memcpy(&seq, hdr + 4, sizeof(seq));
    seq = rte_be_to_cpu_32(seq);
    if (u->phase == LR_L4_UDP_WARMUP) {
        if (l4u_check(u, m, seq) == 0) {
            u->st.warmup_failures = u->probes - 1; /* this one was answered */
            l4u_start(w, u);
        } else {
            u->st.bad++;
        }
        rte_pktmbuf_free(m);
        return;
    }
    int chk = l4u_check(u, m, seq);
    u->st.rx_bytes += m->pkt_len;
    if (chk == 1) {
        u->st.bad++;
        lr_pkt_drop(w, LR_DROP_UDP_APP, m);
        return;
    }
    enum lr_l4_rx_result r = lr_l4_udp_rx(&u->win, seq, w->now, &rtt, &flow);
    rte_pktmbuf_free(m);
    if (r != LR_L4_RX_OK)
        return; /* late, duplicate, out of window: counted by the window */
    if (!u->open_loop && u->phase == LR_L4_UDP_RUNNING)
        u->ready[u->nb_ready++] = flow;
    if (flow != f->id || chk == 2) {
        /* The right request answered on another flow's port, or wrong bytes. */
        u->st.rejected++;
        if (chk == 2)
            u->st.corrupt_answers++;
        else
            u->st.bad++;
        return;
    }
    lr_latency_record(u->lat, rtt);
}

/* The first answer: the run starts now, with a fresh window and counters. */
static void l4u_start(struct lr_worker *w, struct lr_l4_udp *u)
{
    uint64_t wf = u->st.warmup_failures;
    uint32_t flows = u->st.flows;

    memset(&u->st, 0, sizeof(u->st));
    u->st.warmup_failures = wf;
    u->st.flows = flows;
    /* Probe answers still on their way fall behind the new window's start
     * (out of window) rather than into it. */
    lr_l4_udp_window_init(&u->win, u->win.next_seq + u->win_size, u->win_size, u->w_sent,
                          u->w_state, u->w_flow);
    lr_latency_reset(u->lat);
    u->t_start = w->now;
    u->phase = LR_L4_UDP_RUNNING;
    u->started = true;
    if (u->open_loop) {
        lr_rate_init(&u->sched, w->now, 1000000, u->rate);
    } else {
        u->nb_ready = 0;
        for (uint32_t i = 0; i < u->nb_flows; i++)
            u->ready[u->nb_ready++] = u->nb_flows - 1 - i;
    }
}

/* Expire what timed out (or everything, @force); closed loop: the flow
 * of a lost request sends again. */
static void l4u_expire(struct lr_worker *w, struct lr_l4_udp *u, bool force)
{
    uint32_t flow;
    while (lr_l4_udp_expire_one(&u->win, w->now, u->cfg->udp_timeout, force, &flow))
        if (!u->open_loop && u->phase == LR_L4_UDP_RUNNING)
            u->ready[u->nb_ready++] = flow;
}

enum lr_l4_udp_phase lr_l4_udp_poll(struct lr_worker *w, struct lr_l4_udp *u)
{
    const struct lr_client_config *cfg = u->cfg;

    switch ((enum lr_l4_udp_phase)u->phase) {
    case LR_L4_UDP_WARMUP:
        if (u->t_warm == 0)
            u->t_warm = w->now; /* warm-up clock: give up after `duration` */
        if (w->now - u->t_warm >= cfg->duration) {
            LR_LOG(WARNING, client, "worker %u: no answer to %" PRIu64 " probes: giving up", w->id,
                   u->probes);
            u->st.warmup_failures = u->probes;
            u->t_start = u->t_stop = u->t_done = w->now;
            u->phase = LR_L4_UDP_DONE;
            break;
        }
        if (w->now >= u->probe_at) {
            u->probe_at = w->now + LR_L4_UDP_PROBE_US;
            u->probes++;
            l4u_send(w, u, &u->flows[0], w->now);
        }
        break;
    case LR_L4_UDP_RUNNING:
        l4u_expire(w, u, false);
        if (w->now - u->t_start >= cfg->duration) {
            u->t_stop = w->now;
            u->phase = LR_L4_UDP_DRAINING;
            break;
        }
        if (u->open_loop) {
            /* Only requests intended before the end belong to the run. */
            uint64_t end = u->t_start + cfg->duration;
            uint64_t due = lr_rate_due(&u->sched, w->now < end ? w->now : end - 1);
            for (unsigned n = 0; due > 0 && n < LR_L4_UDP_BURST; n++, due--) {
                struct l4u_flow *f = &u->flows[u->next_flow++ % u->nb_flows];
                l4u_send(w, u, f, lr_rate_intended(&u->sched, u->sched.next));
                u->sched.next++;
            }
        } else {
            for (unsigned n = 0; u->nb_ready > 0 && n < LR_L4_UDP_BURST; n++)
                l4u_send(w, u, &u->flows[u->ready[--u->nb_ready]], w->now);
        }
        break;
    case LR_L4_UDP_DRAINING:
        /* Answers may come for udp_timeout after the last request. */
        l4u_expire(w, u, false);
        if (lr_l4_udp_pending(&u->win) == 0 || w->now - u->t_stop >= cfg->udp_timeout) {
            l4u_expire(w, u, true);
            u->t_done = w->now;
            u->phase = LR_L4_UDP_DONE;
        }
        break;
    default:
        break;
    }
    if (u->started)
        u->st.win = u->win.c; /* the probes are not the run's */
    return (enum lr_l4_udp_phase)u->phase;
}

void lr_l4_udp_shutdown(struct lr_worker *w, struct lr_l4_udp *u)
{
    if (u->phase == LR_L4_UDP_DONE)
        return;
    if (u->started)
        l4u_expire(w, u, true);
    else
        u->t_start = w->now; /* never started: elapsed 0 */
    if (u->phase != LR_L4_UDP_DRAINING)
        u->t_stop = w->now;
    u->t_done = w->now;
    u->phase = LR_L4_UDP_DONE;
    if (u->started)
        u->st.win = u->win.c;
}

/* Window entries: enough for every request of udp_timeout at this
 * worker's rate (and a margin), a power of two within the bounds; a
 * window too small shows as overrun, never as memory growth. */
static uint32_t l4u_window_size(const struct lr_l4_udp *u)
{
    uint64_t want =
        u->open_loop ? u->rate * u->cfg->udp_timeout / 1000000 * 5 / 4 : LR_L4_UDP_WIN_CLOSED;
    want = RTE_MAX(want, (uint64_t)u->nb_flows * 2);
    want = RTE_MAX(want, (uint64_t)LR_L4_UDP_WIN_MIN);
    want = RTE_MIN(want, (uint64_t)LR_L4_UDP_WIN_MAX);
    return (uint32_t)rte_align64pow2(want);
}

int lr_l4_udp_create(struct lr_worker *w, const struct lr_client_config *cfg,
                     struct lr_latency *lat, struct lr_l4_udp **out)
{
    int sock = (int)w->socket;
    uint32_t share = cfg->flows / w->nb_workers + (w->id < cfg->flows % w->nb_workers ? 1 : 0);
    struct lr_l4_udp *u;

    *out = NULL;
    u = rte_zmalloc_socket("lr_l4_udp", sizeof(*u), RTE_CACHE_LINE_SIZE, sock);
    if (u == NULL)
        return -ENOMEM;
    u->cfg = cfg;
    u->lat = lat;
    u->open_loop = cfg->interval != 0 || cfg->request_rate != 0;
    uint64_t total = cfg->request_rate;
    if (cfg->interval != 0)
        total = (uint64_t)cfg->flows * 1000000 / cfg->interval;
    u->rate = lr_rate_share(total, w->nb_workers, w->id);
    if (u->open_loop && u->rate == 0 && share > 0)
        LR_LOG(WARNING, client, "worker %u: [client] udp rate below one per worker: sends nothing",
               w->id);
    u->flows =
        rte_zmalloc_socket("lr_l4_udp_flows", sizeof(*u->flows) * RTE_MAX(share, 1u), 0, sock);
    u->ready =
        rte_zmalloc_socket("lr_l4_udp_ready", sizeof(uint32_t) * RTE_MAX(share, 1u) * 2, 0, sock);
    u->req = rte_malloc_socket("lr_l4_udp_req", cfg->payload_size, 0, sock);
    *out = u;
    if (u->flows == NULL || u->ready == NULL || u->req == NULL)
        return -ENOMEM;
    u->nb_flows = 0;
    for (uint32_t i = 0; i < share; i++) {
        const struct lr_client_target *t =
            &cfg->targets[(w->id + i * w->nb_workers) % cfg->nb_targets];
        rte_be32_t nh;
        int port = lr_ipv4_route(w, t->ip, &nh);
        if (port < 0) {
            LR_LOG(ERR, client, "[client] target: no route to a target from worker %u", w->id);
            return -EHOSTUNREACH;
        }
        rte_be32_t src = w->ports[port].addr;
        if (cfg->source_first != 0) {
            /* the range's addresses that are port addresses, in turn */
            uint32_t lo = rte_be_to_cpu_32(cfg->source_first);
            uint32_t hi = rte_be_to_cpu_32(cfg->source_last);
            uint32_t cand[LR_MAX_PORTS], nc = 0;
            for (uint16_t p = 0; p < w->nb_ports; p++) {
                uint32_t a = rte_be_to_cpu_32(w->ports[p].addr);
                if (a >= lo && a <= hi)
                    cand[nc++] = w->ports[p].addr;
            }
            if (nc == 0) {
                LR_LOG(ERR, client,
                       "[client] source_addrs: no address of the range is a port address");
                return -EINVAL;
            }
            src = cand[i % nc];
        }
        struct l4u_flow *f = &u->flows[i];
        f->u = u;
        f->id = i;
        f->src = src;
        f->dst = t->ip;
        f->dport = rte_cpu_to_be_16(t->port);
        uint16_t sp = lr_udp_bind_ephemeral(w, src, t->ip, f->dport, l4u_recv, f);
        if (sp == 0) {
            LR_LOG(ERR, client,
                   "[client] flows: worker %u could bind %u of its %u flow ports (the dynamic "
                   "range %u-%u over the workers, [udp] max_binds); use fewer flows or more "
                   "source addresses",
                   w->id, i, share, LR_UDP_EPHEMERAL_LO, LR_UDP_EPHEMERAL_HI);
            return -ENOSPC;
        }
        f->sport = rte_cpu_to_be_16(sp);
        u->nb_flows++;
    }
    u->st.flows = u->nb_flows;
    u->win_size = l4u_window_size(u);
    u->w_sent = rte_malloc_socket("lr_l4_udp_ws", sizeof(uint64_t) * u->win_size, 0, sock);
    u->w_state = rte_malloc_socket("lr_l4_udp_wst", u->win_size, 0, sock);
    u->w_flow = rte_malloc_socket("lr_l4_udp_wf", sizeof(uint32_t) * u->win_size, 0, sock);
    if (u->w_sent == NULL || u->w_state == NULL || u->w_flow == NULL)
        return -ENOMEM;
    lr_l4_udp_window_init(&u->win, (uint32_t)lr_worker_rand(w), u->win_size, u->w_sent, u->w_state,
                          u->w_flow);
    struct lr_l4_hdr h = {
        .flags = 0,
        .seq = 0,
        .req_len = cfg->payload_size,
        .resp_len = cfg->response_size,
    };
    lr_l4_hdr_write(u->expect, &h);
    lr_l4_msg_fill(u->req, cfg->payload_size, 0, u->expect);
    if (share == 0) {
        u->phase = LR_L4_UDP_DONE; /* more workers than flows: nothing to do */
        u->t_start = u->t_stop = u->t_done = w->now;
    }
    return 0;
}

void lr_l4_udp_destroy(struct lr_worker *w, struct lr_l4_udp *u)
{
    if (u == NULL)
        return;
    if (w->udp != NULL)
        for (uint32_t i = 0; i < u->nb_flows; i++)
            lr_udp_unbind(w, rte_be_to_cpu_16(u->flows[i].sport));
    rte_free(u->flows);
    rte_free(u->ready);
    rte_free(u->req);
    rte_free(u->w_sent);
    rte_free(u->w_state);
    rte_free(u->w_flow);
    rte_free(u);
}
