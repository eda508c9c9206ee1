/* SPDX-License-Identifier: BSD-3-Clause */
/* GET /metrics in the Prometheus text format (see lr_metrics.h). */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "lr_http_parser.h"
#include "lr_log.h"
#include "lr_metrics.h"
#include "lr_prom.h"
#include "lr_stats.h"
#include "lr_tcp.h"
#include "lr_telemetry.h"
#include "lr_time.h"
#include "lr_timer.h"

#define MX_POS_MAX      1024 /* counters of one worker in the layout */
#define MX_FAM_MAX      512  /* metric families */
#define MX_MODS_MAX     32   /* modules with a walk */
#define MX_CONNS        16   /* scrape connections per worker */
#define MX_HEAD_MAX     4096 /* request head */
#define MX_HEAD_RESERVE 256  /* room for the response head before the body */
#define MX_BODY_BASE    (128u * 1024)
#define MX_BODY_WORKER  (64u * 1024)
#define MX_REQ_US       (10u * 1000000) /* request head within */
#define MX_STALL_US     (10u * 1000000) /* send progress within */
#define MX_LINGER_US    (5u * 1000000)  /* after our FIN, wait for the peer's */
#define MX_NONE         UINT16_MAX

struct mx_counters {
    uint64_t conns_accepted;
    uint64_t conns_active; /* gauge */
    uint64_t refused_not_allowed;
    uint64_t refused_busy;
    uint64_t scrapes;
    uint64_t bad_requests;
    uint64_t header_too_large;
    uint64_t not_found;
    uint64_t request_timeouts;
    uint64_t send_timeouts;
    uint64_t body_overflow;
    uint64_t tx_bytes;
};

struct mx_pos {
    uint16_t fam;
    uint16_t next;    /* next position of the same family */
    const char *lkey; /* extra label ("port", "proto", "reason", "module") or NULL */
    char lval[40];
};

struct mx_fam {
    char name[96];
    char help[128];
    bool gauge;
    uint16_t first, last;
};

enum mx_state { MC_FREE = 0, MC_READ, MC_WAIT, MC_SEND, MC_DRAIN };

struct lr_metrics;

struct mx_conn {
    struct lr_metrics *mx;
    struct lr_tcp_conn *tcp;
    uint8_t state;
    bool head_only;
    uint16_t next_wait;
    uint32_t in_len;
    const char *src; /* SEND: bytes [sent, total) of src */
    uint32_t sent, total;
    struct lr_timer timer;
    char in[MX_HEAD_MAX];
};

struct lr_metrics {
    struct lr_worker *w;
    uint16_t owner; /* connection sending from body, or MX_NONE */
    uint16_t wait_head, wait_tail;
    bool layout_ok;
    uint16_t npos, nfam;
    uint32_t body_cap;
    char *body;
    uint64_t *vals; /* [nb_workers][MX_POS_MAX] */
    struct mx_pos *pos;
    struct mx_fam *fam;
    struct mx_conn conns[MX_CONNS];
    struct mx_counters cnt;
};

/* --- collecting the counters ------------------------------------------------ */

struct mx_walk {
    struct lr_metrics *mx;
    unsigned w;
    unsigned pos;
    bool build;
    bool overflow;
    unsigned nmods;
    const struct lr_module *mods[MX_MODS_MAX];
    uint64_t line[MX_MODS_MAX][LR_LINE_MAX];
};

static uint16_t fam_get(struct lr_metrics *mx, const char *name, bool gauge, const char *help)
{
    for (unsigned f = 0; f < mx->nfam; f++)
        if (strcmp(mx->fam[f].name, name) == 0)
            return (uint16_t)f;
    if (mx->nfam >= MX_FAM_MAX)
        return MX_NONE;
    struct mx_fam *f = &mx->fam[mx->nfam];
    snprintf(f->name, sizeof(f->name), "%s", name);
    snprintf(f->help, sizeof(f->help), "%s", help);
    f->gauge = gauge;
    f->first = f->last = MX_NONE;
    return mx->nfam++;
}

/* One counter at the next position: its value, and in the build pass its
 * family (@raw is sanitised, "_total" added to counters) and extra label. */
static void record(struct mx_walk *k, const char *raw, bool gauge, const char *help,
                   const char *lkey, const char *lval, uint64_t v)
{
    struct lr_metrics *mx = k->mx;

    if (k->pos >= MX_POS_MAX) {
        k->overflow = true;
        return;
    }
    if (k->build) {
        char name[96];
        size_t n = lr_prom_sanitize_name(raw, name, sizeof(name) - 6);
        if (!gauge && (n < 6 || strcmp(name + n - 6, "_total") != 0))
            memcpy(name + n, "_total", 7);
        struct mx_pos *p = &mx->pos[k->pos];
        p->fam = fam_get(mx, name, gauge, help);
        p->next = MX_NONE;
        p->lkey = lkey;
        snprintf(p->lval, sizeof(p->lval), "%s", lval != NULL ? lval : "");
        if (p->fam == MX_NONE) {
            k->overflow = true;
        } else {
            struct mx_fam *f = &mx->fam[p->fam];
            if (f->first == MX_NONE)
                f->first = (uint16_t)k->pos;
            else
                mx->pos[f->last].next = (uint16_t)k->pos;
            f->last = (uint16_t)k->pos;
        }
    }
    mx->vals[(size_t)k->w * MX_POS_MAX + k->pos++] = v;
}

static bool is_proto(const char *group)
{
    for (unsigned p = 0; p < LR_PROTO_MAX; p++)
        if (strcmp(group, lr_proto_name((enum lr_proto)p)) == 0)
            return true;
    return false;
}

static void walk_stats(void *arg, const char *group, const char *name, uint64_t v)
{
    struct mx_walk *k = arg;
    char raw[96], help[128];

    if (!k->build) {
        record(k, NULL, false, NULL, NULL, NULL, v);
        return;
    }
    if (strncmp(group, "port", 4) == 0) {
        snprintf(raw, sizeof(raw), "linerate_port_%s", name);
        snprintf(help, sizeof(help), "/linerate/stats portN.%s, per worker and port", name);
        record(k, raw, false, help, "port", group + 4, v);
    } else if (is_proto(group)) {
        snprintf(raw, sizeof(raw), "linerate_proto_%s", name);
        snprintf(help, sizeof(help), "/linerate/stats <proto>.%s, per worker and protocol", name);
        record(k, raw, false, help, "proto", group, v);
    } else if (strcmp(group, "drops") == 0) {
        record(k, "linerate_drops", false, "/linerate/stats drops: packets dropped, by reason",
               "reason", name, v);
    } else if (strcmp(group, "timer") == 0) {
        record(k, "linerate_timer_errors", false,
               "/linerate/stats timer: timer wheel misuse caught, by reason", "reason", name, v);
    } else {
        snprintf(raw, sizeof(raw), "linerate_%s_%s", group, name);
        snprintf(help, sizeof(help), "/linerate/stats %s.%s, per worker", group, name);
        record(k, raw, false, help, NULL, NULL, v);
    }
}

static void walk_module(void *arg, const struct lr_module *m, const char *name, uint64_t v)
{
    struct mx_walk *k = arg;
    char raw[96], help[128];

    if (k->nmods == 0 || k->mods[k->nmods - 1] != m) {
        if (k->nmods == MX_MODS_MAX) {
            k->overflow = true;
            return;
        }
        k->mods[k->nmods++] = m;
    }
    for (const struct lr_module_line *l = m->line; l != NULL && l->counter != NULL; l++)
        if (strcmp(l->counter, name) == 0 && (unsigned)l->field < LR_LINE_MAX)
            k->line[k->nmods - 1][l->field] += v;
    if (!k->build) {
        record(k, NULL, false, NULL, NULL, NULL, v);
        return;
    }
    bool gauge = lr_module_counter_is_gauge(m, name);
    snprintf(raw, sizeof(raw), "linerate_%s_%s", m->name, name);
    snprintf(help, sizeof(help), "/linerate/%s %s, per worker%s", m->name, name,
             gauge ? " (gauge)" : "");
    record(k, raw, gauge, help, NULL, NULL, v);
}

/* The stats-line fields of each module's `line` table, one position per
 * (module, field), in module order. */
static void walk_lines(struct mx_walk *k)
{
    for (unsigned mi = 0; mi < k->nmods; mi++) {
        const struct lr_module *m = k->mods[mi];
        for (unsigned f = 0; f < LR_LINE_MAX; f++) {
            bool has = false;
            for (const struct lr_module_line *l = m->line; l != NULL && l->counter != NULL; l++)
                has = has || (unsigned)l->field == f;
            if (!has)
                continue;
            char raw[96], help[128];
            const char *fn = lr_line_field_name((enum lr_line_field)f);
            snprintf(raw, sizeof(raw), "linerate_%s", fn);
            snprintf(help, sizeof(help), "/linerate/stats modules.%s, per worker and module", fn);
            record(k, raw, lr_line_field_is_gauge((enum lr_line_field)f), help, "module", m->name,
                   k->line[mi][f]);
        }
    }
}

/* Every counter of worker @i at its position; false when the walk does not
 * match the layout (then it is built again at the next scrape). */
static bool collect(struct lr_metrics *mx, const struct lr_worker_set *ws, unsigned i, bool build)
{
    const struct lr_worker *w = ws->workers[i];
    struct mx_walk k;
    struct lr_stats s;

    memset(&k, 0, sizeof(k));
    k.mx = mx;
    k.w = i;
    k.build = build;
    if (w == NULL)
        return false;
    /* Relaxed whole-word reads of memory worker @i writes (lr_metrics.h). */
    lr_stats_read(&s, &w->stats);
    for (unsigned e = 0; e < LR_TIMER_ERR_MAX; e++)
        s.timer_errors[e] = __atomic_load_n(&w->timers.errors[e], __ATOMIC_RELAXED);
    lr_stats_foreach(&s, ws->nb_ports, walk_stats, &k);
    if (ws->modules_walk != NULL)
        ws->modules_walk(ws, (uint16_t)i, walk_module, &k);
    walk_lines(&k);
    if (build)
        mx->npos = (uint16_t)k.pos;
    return !k.overflow && k.pos == mx->npos;
}

static const char *const worker_names[LR_MAX_WORKERS] = {
    "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15",
};

/* The body into @b: 0, or -ENOSPC when it does not fit. */
static int render(struct lr_metrics *mx, struct lr_prom_buf *b)
{
    const struct lr_worker_set *ws = mx->w->set;
    unsigned nw;

    if (ws == NULL)
        return -ENOENT;
    nw = RTE_MIN(ws->nb_workers, (uint16_t)LR_MAX_WORKERS);
    if (!mx->layout_ok) {
        mx->nfam = 0;
        mx->npos = 0;
        mx->layout_ok = collect(mx, ws, 0, true);
    }
    bool ok = mx->layout_ok;
    for (unsigned i = 0; ok && i < nw; i++)
        ok = collect(mx, ws, i, false);
    if (!ok) {
        mx->layout_ok = false;
        return -EAGAIN;
    }
    uint64_t now = lr_time_now_us();
    lr_prom_family(b, "linerate_uptime_seconds", "gauge",
                   "/linerate/stats uptime_us: time since the workers started, seconds");
    lr_prom_sample(b, "linerate_uptime_seconds", NULL, NULL, 0,
                   now > ws->start_us ? (now - ws->start_us) / 1000000 : 0);
    lr_prom_family(b, "linerate_workers", "gauge", "/linerate/stats workers");
    lr_prom_sample(b, "linerate_workers", NULL, NULL, 0, ws->nb_workers);
    lr_prom_family(b, "linerate_ports", "gauge", "/linerate/stats ports");
    lr_prom_sample(b, "linerate_ports", NULL, NULL, 0, ws->nb_ports);
    for (unsigned f = 0; f < mx->nfam; f++) {
        const struct mx_fam *fm = &mx->fam[f];
        lr_prom_family(b, fm->name, fm->gauge ? "gauge" : "counter", fm->help);
        for (uint16_t p = fm->first; p != MX_NONE; p = mx->pos[p].next) {
            const struct mx_pos *ps = &mx->pos[p];
            const char *keys[2] = { "worker", ps->lkey };
            for (unsigned i = 0; i < nw; i++) {
                const char *vals[2] = { worker_names[i], ps->lval };
                lr_prom_sample(b, fm->name, keys, vals, ps->lkey != NULL ? 2 : 1,
                               mx->vals[(size_t)i * MX_POS_MAX + p]);
            }
        }
    }
    return b->overflow ? -ENOSPC : 0;
}

/* --- connections ------------------------------------------------------------ */

static void conn_timer(struct lr_worker *w, struct lr_timer *t);

static uint16_t conn_idx(const struct mx_conn *c)
{
    return (uint16_t)(c - c->mx->conns);
}

static void conn_release(struct mx_conn *c)
{
    struct lr_metrics *mx = c->mx;
    uint16_t id = conn_idx(c);

    lr_timer_cancel(&mx->w->timers, &c->timer);
    if (mx->owner == id)
        mx->owner = MX_NONE;
    if (c->state == MC_WAIT) {
        uint16_t *pp = &mx->wait_head, prev = MX_NONE;
        while (*pp != MX_NONE && *pp != id) {
            prev = *pp;
            pp = &mx->conns[*pp].next_wait;
        }
        if (*pp == id) {
            *pp = c->next_wait;
            if (mx->wait_tail == id)
                mx->wait_tail = prev;
        }
    }
    c->state = MC_FREE;
    c->tcp = NULL;
    mx->cnt.conns_active--;
}

static void conn_abort(struct mx_conn *c)
{
    struct lr_tcp_conn *tcp = c->tcp;
    struct lr_worker *w = c->mx->w;
    conn_release(c);
    if (tcp != NULL)
        lr_tcp_abort(w, tcp); /* RST; no closed() callback */
}

static void timer_arm(struct mx_conn *c, uint64_t after)
{
    struct lr_worker *w = c->mx->w;
    lr_timer_arm(&w->timers, &c->timer, w->now + after);
}

/* Queue what send space allows; at the end FIN (RFC 9112 §9.6: close after
 * the response, reading on until the peer closes). */
static void conn_send(struct mx_conn *c)
{
    struct lr_metrics *mx = c->mx;

    if (c->sent < c->total) {
        int n = lr_tcp_send(mx->w, c->tcp, c->src + c->sent, c->total - c->sent);
        if (n < 0) {
            conn_abort(c);
            return;
        }
        if (n > 0) {
            c->sent += (uint32_t)n;
            mx->cnt.tx_bytes += (uint64_t)n;
            timer_arm(c, MX_STALL_US);
        }
    }
    if (c->sent < c->total)
        return; /* writable() continues */
    if (mx->owner == conn_idx(c))
        mx->owner = MX_NONE; /* the next waiting scrape starts from poll */
    c->state = MC_DRAIN;
    timer_arm(c, MX_LINGER_US);
    (void)lr_tcp_shutdown_write(mx->w, c->tcp);
}

/* A short error response composed in the connection's own buffer. */
static void conn_error(struct mx_conn *c, unsigned code, const char *reason)
{
    int n = snprintf(c->in, sizeof(c->in),
                     "HTTP/1.1 %u %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n\r\n%s\n",
                     code, reason, strlen(reason) + 1, reason);
    c->src = c->in;
    c->sent = 0;
    c->total = (uint32_t)RTE_MIN(n, (int)sizeof(c->in));
    c->state = MC_SEND;
    conn_send(c);
}

/* The scrape of @c, which owns the body buffer now. */
static void conn_scrape(struct mx_conn *c)
{
    struct lr_metrics *mx = c->mx;
    struct lr_prom_buf b = {
        .p = mx->body + MX_HEAD_RESERVE,
        .cap = mx->body_cap - MX_HEAD_RESERVE,
    };
    int rc = render(mx, &b);
    if (rc == -EAGAIN) { /* the layout changed: once more with a new one */
        b.len = 0;
        b.overflow = false;
        rc = render(mx, &b);
    }
    if (rc != 0) {
        if (rc == -ENOSPC)
            mx->cnt.body_overflow++;
        mx->owner = MX_NONE;
        conn_error(c, 500, "Internal Server Error");
        return;
    }
    char head[MX_HEAD_RESERVE];
    int hl = snprintf(head, sizeof(head),
                      "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n"
                      "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                      b.len);
    char *start = mx->body + MX_HEAD_RESERVE - hl;
    memcpy(start, head, (size_t)hl);
    mx->cnt.scrapes++;
    c->src = start;
    c->sent = 0;
    c->total = (uint32_t)hl + (c->head_only ? 0 : (uint32_t)b.len);
    c->state = MC_SEND;
    conn_send(c);
}

/* A complete request head is in c->in: answer it. */
static void conn_request(struct mx_conn *c)
{
    struct lr_metrics *mx = c->mx;
    static const struct lr_http_limits lim = {
        .max_uri_bytes = 1024,
        .max_header_bytes = MX_HEAD_MAX,
        .max_headers = 64,
        .max_body_bytes = 0,
    };
    struct lr_http_request req;
    int rc = lr_http_request_parse((const uint8_t *)c->in, c->in_len, &lim, &req);

    if (rc == 0) {
        if (c->in_len < sizeof(c->in))
            return; /* more to come */
        rc = -431;
    }
    lr_timer_cancel(&mx->w->timers, &c->timer);
    if (rc < 0) {
        if (rc == -431 || rc == -414)
            mx->cnt.header_too_large++;
        mx->cnt.bad_requests++;
        conn_error(c, 400, "Bad Request");
        return;
    }
    if (req.method != LR_HTTP_GET && req.method != LR_HTTP_HEAD) {
        mx->cnt.bad_requests++;
        conn_error(c, 400, "Bad Request");
        return;
    }
    if (req.path.len != 8 || memcmp(c->in + req.path.off, "/metrics", 8) != 0) {
        mx->cnt.not_found++;
        conn_error(c, 404, "Not Found");
        return;
    }
    c->head_only = req.method == LR_HTTP_HEAD;
    if (mx->owner == MX_NONE) {
        mx->owner = conn_idx(c);
        conn_scrape(c);
        return;
    }
    c->state = MC_WAIT; /* behind the connection sending now */
    c->next_wait = MX_NONE;
    if (mx->wait_tail == MX_NONE)
        mx->wait_head = conn_idx(c);
    else
        mx->conns[mx->wait_tail].next_wait = conn_idx(c);
    mx->wait_tail = conn_idx(c);
}

static int mx_accept(struct lr_worker *w, struct lr_tcp_conn *tcp, void *ctx)
{
    struct lr_metrics *mx = ctx;
    rte_be32_t raddr;

    lr_tcp_conn_tuple(tcp, NULL, NULL, &raddr, NULL);
    if (!lr_ipv4_prefix_match(lr_metrics_conf(w->cfg)->allow, lr_metrics_conf(w->cfg)->nb_allow,
                              raddr)) {
        mx->cnt.refused_not_allowed++;
        return -1; /* RST */
    }
    for (unsigned i = 0; i < MX_CONNS; i++) {
        struct mx_conn *c = &mx->conns[i];
        if (c->state != MC_FREE)
            continue;
        lr_timer_assert_idle(&w->timers, &c->timer);
        memset(c, 0, offsetof(struct mx_conn, in));
        c->mx = mx;
        c->tcp = tcp;
        c->state = MC_READ;
        c->next_wait = MX_NONE;
        lr_timer_init(&c->timer, conn_timer);
        timer_arm(c, MX_REQ_US);
        lr_tcp_conn_ctx_set(tcp, c);
        mx->cnt.conns_accepted++;
        mx->cnt.conns_active++;
        return 0;
    }
    mx->cnt.refused_busy++;
    return -1;
}

static void mx_data(struct lr_worker *w, struct lr_tcp_conn *tcp, struct rte_mbuf *m)
{
    struct mx_conn *c = lr_tcp_conn_ctx_get(tcp);
    RTE_SET_USED(w);

    if (c != NULL && c->state == MC_READ) {
        for (struct rte_mbuf *s = m; s != NULL && c->in_len < sizeof(c->in); s = s->next) {
            uint32_t k = RTE_MIN((uint32_t)s->data_len, (uint32_t)sizeof(c->in) - c->in_len);
            memcpy(c->in + c->in_len, rte_pktmbuf_mtod(s, const char *), k);
            c->in_len += k;
        }
    }
    rte_pktmbuf_free(m); /* anything after the request head is ignored */
    if (c != NULL && c->state == MC_READ)
        conn_request(c);
}

static void mx_writable(struct lr_worker *w, struct lr_tcp_conn *tcp)
{
    struct mx_conn *c = lr_tcp_conn_ctx_get(tcp);
    RTE_SET_USED(w);
    if (c != NULL && c->state == MC_SEND)
        conn_send(c);
}

static void mx_peer_closed(struct lr_worker *w, struct lr_tcp_conn *tcp)
{
    struct mx_conn *c = lr_tcp_conn_ctx_get(tcp);
    if (c == NULL)
        return;
    if (c->state == MC_READ || c->state == MC_DRAIN) {
        lr_timer_cancel(&w->timers, &c->timer);
        lr_tcp_close(w, tcp); /* closed() releases the slot */
    }
}

static void mx_closed(struct lr_worker *w, struct lr_tcp_conn *tcp, enum lr_tcp_close_reason r)
{
    struct mx_conn *c = lr_tcp_conn_ctx_get(tcp);
    RTE_SET_USED(w);
    RTE_SET_USED(r);
    if (c != NULL && c->state != MC_FREE && c->tcp == tcp)
        conn_release(c);
    lr_tcp_conn_ctx_set(tcp, NULL);
}

static void conn_timer(struct lr_worker *w, struct lr_timer *t)
{
    struct mx_conn *c = container_of(t, struct mx_conn, timer);
    RTE_SET_USED(w);
    if (c->state == MC_READ)
        c->mx->cnt.request_timeouts++;
    else if (c->state == MC_SEND)
        c->mx->cnt.send_timeouts++;
    conn_abort(c);
}

static const struct lr_tcp_listen_ops mx_ops = {
    .accept = mx_accept,
    .conn =
        {
            .data = mx_data,
            .writable = mx_writable,
            .peer_closed = mx_peer_closed,
            .closed = mx_closed,
        },
};

/* --- the module ---------------------------------------------------------------- */

/* This module's w->slot[] (lr_worker_slot). */
static unsigned mx_slot;

static struct lr_metrics *mx_get(const struct lr_worker *w)
{
    return w->slot[mx_slot];
}

static void mx_free_mem(struct lr_metrics *mx)
{
    rte_free(mx->body);
    rte_free(mx->vals);
    rte_free(mx->pos);
    rte_free(mx->fam);
    rte_free(mx);
}

static int mx_init(struct lr_worker *w)
{
    const struct lr_metrics_config *cfg = lr_metrics_conf(w->cfg);
    int sock = (int)w->socket;

    if (cfg->listen == 0)
        return 0;
    if (w->id == 0 && cfg->nb_allow == 0)
        LR_LOG(WARNING, core,
               "[metrics] listen = %u with no [metrics] allow: every scrape is "
               "refused",
               cfg->listen);
    if (lr_worker_slot(&mx_slot) == 0)
        return -ENOSPC;
    struct lr_metrics *mx =
        rte_zmalloc_socket("lr_metrics", sizeof(*mx), RTE_CACHE_LINE_SIZE, sock);
    if (mx == NULL)
        return -ENOMEM;
    mx->w = w;
    mx->owner = mx->wait_head = mx->wait_tail = MX_NONE;
    mx->body_cap = MX_BODY_BASE + MX_BODY_WORKER * w->nb_workers;
    mx->body = rte_malloc_socket("lr_metrics_body", mx->body_cap, 0, sock);
    mx->vals = rte_zmalloc_socket(
        "lr_metrics_vals", sizeof(uint64_t) * MX_POS_MAX * RTE_MAX(w->nb_workers, 1), 0, sock);
    mx->pos = rte_zmalloc_socket("lr_metrics_pos", sizeof(struct mx_pos) * MX_POS_MAX, 0, sock);
    mx->fam = rte_zmalloc_socket("lr_metrics_fam", sizeof(struct mx_fam) * MX_FAM_MAX, 0, sock);
    if (mx->body == NULL || mx->vals == NULL || mx->pos == NULL || mx->fam == NULL) {
        mx_free_mem(mx);
        return -ENOMEM;
    }
    for (unsigned i = 0; i < MX_CONNS; i++) {
        mx->conns[i].mx = mx;
        lr_timer_init(&mx->conns[i].timer, conn_timer);
    }
    static const struct lr_tcp_listen_opts opts = { .nodelay = true };
    int rc = lr_tcp_listen(w, cfg->listen, &mx_ops, mx, &opts);
    if (rc != 0) {
        LR_LOG(ERR, core, "worker %u: [metrics] listen on port %u: %s", w->id, cfg->listen,
               strerror(-rc));
        mx_free_mem(mx);
        return rc;
    }
    w->slot[mx_slot] = mx;
    return 0;
}

static void mx_poll(struct lr_worker *w)
{
    struct lr_metrics *mx = mx_get(w);
    if (mx == NULL || mx->owner != MX_NONE || mx->wait_head == MX_NONE)
        return;
    uint16_t id = mx->wait_head;
    struct mx_conn *c = &mx->conns[id];
    mx->wait_head = c->next_wait;
    if (mx->wait_head == MX_NONE)
        mx->wait_tail = MX_NONE;
    mx->owner = id;
    conn_scrape(c);
}

static void mx_shutdown(struct lr_worker *w)
{
    struct lr_metrics *mx = mx_get(w);
    if (mx == NULL)
        return;
    (void)lr_tcp_unlisten(w, lr_metrics_conf(w->cfg)->listen);
    for (unsigned i = 0; i < MX_CONNS; i++)
        if (mx->conns[i].state != MC_FREE)
            conn_abort(&mx->conns[i]);
}

static void mx_fini(struct lr_worker *w)
{
    struct lr_metrics *mx = mx_get(w);
    if (mx == NULL)
        return;
    for (unsigned i = 0; i < MX_CONNS; i++) {
        struct mx_conn *c = &mx->conns[i];
        if (c->state == MC_FREE)
            continue;
        lr_timer_cancel(&w->timers, &c->timer);
        if (w->tcp != NULL && c->tcp != NULL) {
            lr_tcp_conn_ctx_set(c->tcp, NULL);
            lr_tcp_conn_ops_set(c->tcp, NULL);
        }
        c->state = MC_FREE;
    }
    if (w->tcp != NULL)
        (void)lr_tcp_unlisten(w, lr_metrics_conf(w->cfg)->listen);
    mx_free_mem(mx);
    w->slot[mx_slot] = NULL;
}

static void mx_walk(const struct lr_worker *w, lr_module_counter_fn fn, void *arg)
{
    const struct lr_metrics *mx = mx_get(w);
    struct mx_counters c = { 0 };
    if (mx != NULL)
        c = mx->cnt;
#define EMIT(f) fn(arg, #f, c.f)
    EMIT(conns_accepted);
    EMIT(conns_active);
    EMIT(refused_not_allowed);
    EMIT(refused_busy);
    EMIT(scrapes);
    EMIT(bad_requests);
    EMIT(header_too_large);
    EMIT(not_found);
    EMIT(request_timeouts);
    EMIT(send_timeouts);
    EMIT(body_overflow);
    EMIT(tx_bytes);
#undef EMIT
}

static unsigned mx_ports(const struct lr_config *cfg, struct lr_port_claim *out)
{
    if (lr_metrics_conf(cfg)->listen == 0)
        return 0;
    out[0] = (struct lr_port_claim){ IPPROTO_TCP, lr_metrics_conf(cfg)->listen,
                                     lr_metrics_conf(cfg)->listen, "[metrics] listen" };
    return 1;
}

const struct lr_module lr_metrics_module = {
    .name = "metrics",
    .config = &lr_metrics_config_section,
    .after = LR_MODULE_AFTER("tcp"),
    .ports = mx_ports,
    .init = mx_init,
    .fini = mx_fini,
    .poll = mx_poll,
    .shutdown = mx_shutdown,
    .walk = mx_walk,
    .gauges = LR_MODULE_GAUGES("conns_active"),
};
