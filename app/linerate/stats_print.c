/* SPDX-License-Identifier: BSD-3-Clause */
/* Stats line and final summary (see stats_print.h). Main lcore only. */
#include <inttypes.h>
#include <string.h>

#include "lr_runtime.h"
#include "stats_print.h"

static void port_totals(const struct lr_runtime *rt, const struct lr_stats *s, uint64_t *rxp,
                        uint64_t *rxb, uint64_t *txp, uint64_t *txb)
{
    *rxp = *rxb = *txp = *txb = 0;
    for (uint16_t p = 0; p < rt->nb_ports && p < LR_STATS_MAX_PORTS; p++) {
        *rxp += s->port[p].rx_pkts;
        *rxb += s->port[p].rx_bytes;
        *txp += s->port[p].tx_pkts;
        *txb += s->port[p].tx_bytes;
    }
}

void lr_stats_print_begin(const struct lr_runtime *rt, struct lr_stats_print_prev *prev,
                          uint64_t now_us)
{
    struct lr_stats s;
    struct lr_line_totals lt;

    lr_runtime_stats_sum(rt, &s);
    lr_runtime_line_totals(rt, -1, &lt);
    port_totals(rt, &s, &prev->rx_pkts, &prev->rx_bytes, &prev->tx_pkts, &prev->tx_bytes);
    prev->line = lt;
    prev->t_us = now_us;
}

static double rate(uint64_t now, uint64_t before, double secs)
{
    return now >= before && secs > 0 ? (double)(now - before) / secs : 0.0;
}

void lr_stats_print_line(FILE *f, const struct lr_runtime *rt, struct lr_stats_print_prev *prev,
                         uint64_t now_us)
{
    struct lr_stats s;
    struct lr_line_totals lt;
    const uint64_t *v = lt.v, *pv = prev->line.v;
    uint64_t rxp, rxb, txp, txb;
    double dt = (double)(now_us - prev->t_us) / 1e6;

    lr_runtime_stats_sum(rt, &s);
    lr_runtime_line_totals(rt, -1, &lt);
    port_totals(rt, &s, &rxp, &rxb, &txp, &txb);
    fprintf(f,
            "stats: t=%" PRIu64 "s rx=%.0fpps/%.2fMbps tx=%.0fpps/%.2fMbps arp=%" PRIu64 "/%" PRIu64
            " icmp_echo=%" PRIu64 " drops=%" PRIu64 " conns=%" PRIu64
            " cps=%.0f rps=%.0f retrans=%" PRIu64 " 2xx=%.0f 3xx=%.0f 4xx=%.0f 5xx=%.0f"
            " sessions=%" PRIu64 " xfers=%.0f xfer=%.2fMbps\n",
            (now_us - rt->start_us + 500000) / 1000000, rate(rxp, prev->rx_pkts, dt),
            rate(rxb, prev->rx_bytes, dt) * 8 / 1e6, rate(txp, prev->tx_pkts, dt),
            rate(txb, prev->tx_bytes, dt) * 8 / 1e6, s.arp.rx_requests + s.arp.rx_replies,
            s.arp.tx_requests + s.arp.tx_replies + s.arp.tx_gratuitous, s.icmp.echo_requests,
            lr_stats_total_drops(&s), v[LR_LINE_CONNS_ACTIVE],
            rate(v[LR_LINE_CONNS_TOTAL], pv[LR_LINE_CONNS_TOTAL], dt),
            rate(v[LR_LINE_REQUESTS], pv[LR_LINE_REQUESTS], dt), v[LR_LINE_RETRANSMITS],
            rate(v[LR_LINE_RESPONSES_2XX], pv[LR_LINE_RESPONSES_2XX], dt),
            rate(v[LR_LINE_RESPONSES_3XX], pv[LR_LINE_RESPONSES_3XX], dt),
            rate(v[LR_LINE_RESPONSES_4XX], pv[LR_LINE_RESPONSES_4XX], dt),
            rate(v[LR_LINE_RESPONSES_5XX], pv[LR_LINE_RESPONSES_5XX], dt), v[LR_LINE_SESSIONS],
            rate(v[LR_LINE_TRANSFERS], pv[LR_LINE_TRANSFERS], dt),
            rate(v[LR_LINE_XFER_BYTES], pv[LR_LINE_XFER_BYTES], dt) * 8 / 1e6);
    prev->rx_pkts = rxp;
    prev->rx_bytes = rxb;
    prev->tx_pkts = txp;
    prev->tx_bytes = txb;
    prev->line = lt;
    prev->t_us = now_us;
}

/* Accumulates "name=value" pairs of one group into a line. */
struct summary_line {
    FILE *f;
    char group[32];
    char buf[4096];
    size_t len;
};

static void summary_flush(struct summary_line *l)
{
    if (l->len != 0)
        fprintf(l->f, "final: %s%s\n", l->group, l->buf);
    l->len = 0;
    l->buf[0] = '\0';
}

static void summary_add(void *arg, const char *group, const char *name, uint64_t value)
{
    struct summary_line *l = arg;

    if (strcmp(group, l->group) != 0) {
        summary_flush(l);
        snprintf(l->group, sizeof(l->group), "%s", group);
    }
    if (value == 0)
        return;
    int n = snprintf(l->buf + l->len, sizeof(l->buf) - l->len, " %s=%" PRIu64, name, value);
    if (n > 0 && (size_t)n < sizeof(l->buf) - l->len)
        l->len += (size_t)n;
}

static void summary_add_modules(void *arg, const char *name, uint64_t value)
{
    summary_add(arg, "modules", name, value);
}

/* Module counters: "final: module tcp opened_passive=3 ...". */
static void summary_add_module(void *arg, const char *group, const char *name, uint64_t value)
{
    char g[32];
    snprintf(g, sizeof(g), "module %s", group);
    summary_add(arg, g, name, value);
}

void lr_stats_print_summary(FILE *f, const struct lr_runtime *rt, uint64_t now_us)
{
    struct lr_stats s;
    struct lr_line_totals lt;
    struct summary_line l = { .f = f };

    lr_runtime_stats_sum(rt, &s);
    lr_runtime_line_totals(rt, -1, &lt);
    fprintf(f, "final: uptime=%.1fs workers=%u ports=%u drops=%" PRIu64 "\n",
            (double)(now_us - rt->start_us) / 1e6, rt->nb_workers, rt->nb_ports,
            lr_stats_total_drops(&s));
    lr_stats_foreach(&s, rt->nb_ports, summary_add, &l);
    summary_flush(&l);
    lr_modules_foreach(rt, summary_add_module, &l);
    lr_line_totals_foreach(&lt, summary_add_modules, &l);
    summary_flush(&l);
}
