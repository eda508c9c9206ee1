/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Client mode on the main lcore (see lr_client_report.h). This file runs
 * only on the main lcore and the telemetry thread; the little state kept
 * between ticks (previous totals) is the main lcore's own.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_telemetry.h>

#include "lr_client_report.h"
#include "lr_tcp.h"
#include "lr_telemetry.h"
#include "lr_tls_module.h"
#include "lr_version.h"

#define TICK_US UINT64_C(1000000)

/* Main lcore only: the previous per-second snapshot. */
static struct {
    bool started;
    uint64_t t_prev;
    uint64_t t0;
    struct lr_client_counters prev;
    uint64_t retrans_prev;
    time_t wall0;               /* wall clock of the first tick (the run's start) */
    struct lr_latency lat_prev; /* cumulative histogram at the previous tick */
    struct lr_latency lat_sec;  /* this second's: lat - lat_prev */
    /* The per-second timeline of the JSON report: sized at the first tick
     * from duration + ramp (+ a minute of grace), at most
     * LR_CLIENT_TIMELINE_MAX samples; seconds past it are counted, not kept. */
    struct lr_client_sample *timeline;
    size_t nb_samples, cap_samples;
    uint64_t samples_dropped;
} lr_client_main;

const char *lr_client_tls_version_name(unsigned slot)
{
    static const char *const names[LR_TLS_VER_MAX] = {
        [LR_TLS_VER_1_2] = "tls1_2",
        [LR_TLS_VER_1_3] = "tls1_3",
        [LR_TLS_VER_OTHER] = "other",
    };
    return slot < LR_TLS_VER_MAX ? names[slot] : "?";
}

const char *lr_client_tls_cipher_name(unsigned slot)
{
    static const char *const names[LR_TLS_CIPHER_MAX] = {
#define LR_X_CIPHER_NAME(e, id, n) [LR_TLS_CIPHER_##e] = n,
        LR_TLS_CIPHERS(LR_X_CIPHER_NAME)
#undef LR_X_CIPHER_NAME
            [LR_TLS_CIPHER_OTHER] = "other",
    };
    return slot < LR_TLS_CIPHER_MAX ? names[slot] : "?";
}

static uint64_t tls_failed_sum(const struct lr_client_counters *c)
{
    uint64_t n = 0;
    for (unsigned r = 0; r < LR_TLS_FAIL_MAX; r++)
        n += c->tls_failed[r];
    return n;
}

void lr_client_totals_get(const struct lr_worker_set *rt, uint64_t now, bool with_latency,
                          struct lr_client_totals *out)
{
    memset(out, 0, sizeof(*out));
    lr_latency_reset(&out->lat);
    lr_latency_reset(&out->hs_lat);
    for (uint16_t i = 0; i < rt->nb_workers; i++) {
        const struct lr_worker *w = rt->workers[i];
        if (w == NULL)
            continue;
        struct lr_tcp_counters tc;
        if (w->tcp != NULL) {
            lr_tcp_counters_get(w, &tc);
            out->retransmits += tc.retransmits;
        }
        const struct lr_client *cl = lr_client_get(w);
        if (cl == NULL)
            continue;
        struct lr_client_counters c;
        lr_client_counters_get(cl, &c);
        lr_client_counters_add(&out->cnt, &c);
        out->busy_cycles += __atomic_load_n(&w->stats.busy_cycles, __ATOMIC_RELAXED);
        if (with_latency) {
            lr_client_latency_merge(cl, &out->lat);
            lr_client_hs_latency_merge(cl, &out->hs_lat);
        }
        out->nb_clients++;
        if (lr_client_phase(cl) == LR_CLIENT_PHASE_DONE)
            out->nb_done++;
        uint64_t e = lr_client_elapsed(cl, now);
        if (e > out->elapsed_us)
            out->elapsed_us = e;
    }
}

static uint64_t errors_sum(const struct lr_client_counters *c)
{
    uint64_t n = 0;
    for (unsigned e = 0; e < LR_CLIENT_ERR_MAX; e++)
        n += c->errors[e];
    return n;
}

/* This second's histogram: the cumulative one less the previous tick's. The
 * buckets are counts, so the difference is exact; max is the top non-empty
 * bucket's upper bound (the histogram's precision), min is unknown (0). */
static void latency_delta(struct lr_latency *d, const struct lr_latency *cur,
                          const struct lr_latency *prev)
{
    lr_latency_reset(d);
    d->min = 0;
    for (unsigned i = 0; i < LR_LATENCY_BUCKETS; i++) {
        uint64_t n = cur->buckets[i] >= prev->buckets[i] ? cur->buckets[i] - prev->buckets[i] : 0;
        if (n == 0)
            continue;
        uint64_t lo, hi;
        lr_latency_bucket_range(i, &lo, &hi);
        d->buckets[i] = n;
        d->count += n;
        d->max = hi < cur->max ? hi : cur->max;
    }
}

/* Main lcore, once a second: one timeline sample from the counters' and the
 * histogram's change since the last. */
static void timeline_add(const struct lr_client_totals *t, uint64_t now)
{
    const struct lr_client_counters *c = &t->cnt, *p = &lr_client_main.prev;
    latency_delta(&lr_client_main.lat_sec, &t->lat, &lr_client_main.lat_prev);
    lr_client_main.lat_prev = t->lat;
    if (lr_client_main.nb_samples >= lr_client_main.cap_samples) {
        lr_client_main.samples_dropped++;
        return;
    }
    const struct lr_latency *h = &lr_client_main.lat_sec;
    struct lr_client_sample *s = &lr_client_main.timeline[lr_client_main.nb_samples++];
    s->t_us = now - lr_client_main.t0;
    s->dt_us = now - lr_client_main.t_prev;
    s->conns = c->conns - p->conns;
    s->requests = c->requests - p->requests;
    s->responses = c->responses - p->responses;
    s->errors = errors_sum(c) - errors_sum(p);
    s->rx_bytes = c->rx_bytes - p->rx_bytes;
    s->retransmits = t->retransmits - lr_client_main.retrans_prev;
    s->active = c->active;
    s->backlog = c->backlog;
    s->p50_us = lr_latency_quantile(h, 0.5);
    s->p99_us = lr_latency_quantile(h, 0.99);
    s->max_us = h->count ? h->max : 0;
}

bool lr_client_main_tick(const struct lr_worker_set *rt, uint64_t now, FILE *out)
{
    if (!lr_client_conf(rt->cfg)->enabled)
        return false;
    if (!lr_client_main.started) {
        free(lr_client_main.timeline);
        memset(&lr_client_main, 0, sizeof(lr_client_main));
        lr_client_main.started = true;
        lr_client_main.t0 = now;
        lr_client_main.t_prev = now;
        lr_client_main.wall0 = time(NULL);
        lr_latency_reset(&lr_client_main.lat_prev);
        const struct lr_client_config *cfg = lr_client_conf(rt->cfg);
        uint64_t secs = (cfg->duration + cfg->ramp) / TICK_US + 60;
        lr_client_main.cap_samples = secs < LR_CLIENT_TIMELINE_MAX ? secs : LR_CLIENT_TIMELINE_MAX;
        lr_client_main.timeline =
            calloc(lr_client_main.cap_samples, sizeof(*lr_client_main.timeline));
        if (lr_client_main.timeline == NULL) {
            fprintf(stderr,
                    "linerate: client: no memory for the report's timeline (%zu "
                    "seconds): the report will have none\n",
                    lr_client_main.cap_samples);
            lr_client_main.cap_samples = 0;
        }
        return false;
    }
    static struct lr_client_totals t; /* main lcore only; histograms: off the stack */
    bool tick = now - lr_client_main.t_prev >= TICK_US;
    lr_client_totals_get(rt, now, tick, &t);
    if (tick) {
        timeline_add(&t, now);
        const struct lr_client_counters *c = &t.cnt, *p = &lr_client_main.prev;
        double dt = (double)(now - lr_client_main.t_prev) / 1e6;
        const struct lr_client_config *cc = lr_client_conf(rt->cfg);
        if (cc->mode == LR_CLIENT_UDP)
            fprintf(
                out,
                "client: t=%" PRIu64 "s sent/s=%.0f answered/s=%.0f lost=%" PRIu64 " late=%" PRIu64
                " bad=%" PRIu64 " flows=%" PRIu64 " Gbps=%.3f errors=%" PRIu64 "\n",
                (now - lr_client_main.t0 + TICK_US / 2) / TICK_US,
                (double)(c->requests - p->requests) / dt,
                (double)(c->responses - p->responses) / dt, c->udp_lost - p->udp_lost,
                c->udp_late - p->udp_late, c->udp_bad - p->udp_bad, c->udp_flows,
                (double)(c->rx_bytes - p->rx_bytes) * 8 / dt / 1e9, errors_sum(c) - errors_sum(p));
        else if (cc->mode == LR_CLIENT_TCP)
            fprintf(out,
                    "client: t=%" PRIu64 "s conns/s=%.0f req/s=%.0f active=%" PRIu64
                    " Gbps=%.3f retrans=%" PRIu64 " errors=%" PRIu64 "\n",
                    (now - lr_client_main.t0 + TICK_US / 2) / TICK_US,
                    (double)(c->conns - p->conns) / dt, (double)(c->responses - p->responses) / dt,
                    c->active, (double)(c->rx_bytes - p->rx_bytes) * 8 / dt / 1e9,
                    t.retransmits - lr_client_main.retrans_prev, errors_sum(c) - errors_sum(p));
        else
            fprintf(out,
                    "client: t=%" PRIu64 "s conns/s=%.0f req/s=%.0f 2xx=%" PRIu64 " 3xx=%" PRIu64
                    " 4xx=%" PRIu64 " 5xx=%" PRIu64 " active=%" PRIu64 " Gbps=%.3f retrans=%" PRIu64
                    " errors=%" PRIu64 "\n",
                    (now - lr_client_main.t0 + TICK_US / 2) / TICK_US,
                    (double)(c->conns - p->conns) / dt, (double)(c->responses - p->responses) / dt,
                    c->status[2] - p->status[2], c->status[3] - p->status[3],
                    c->status[4] - p->status[4], c->status[5] - p->status[5], c->active,
                    (double)(c->rx_bytes - p->rx_bytes) * 8 / dt / 1e9,
                    t.retransmits - lr_client_main.retrans_prev, errors_sum(c) - errors_sum(p));
        if (lr_client_conf(rt->cfg)->tls)
            fprintf(out, "client: tls hs_full/s=%.0f hs_resumed/s=%.0f hs_failed=%" PRIu64 "\n",
                    (double)(c->tls_full - p->tls_full) / dt,
                    (double)(c->tls_resumed - p->tls_resumed) / dt, tls_failed_sum(c));
        fflush(out);
        lr_client_main.prev = *c;
        lr_client_main.retrans_prev = t.retransmits;
        lr_client_main.t_prev = now;
    }
    return t.nb_clients > 0 && t.nb_done == t.nb_clients;
}

/* JSON string (RFC 8259 §7). */
static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s != '\0'; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch < 0x20)
            fprintf(f, "\\u%04x", ch);
        else
            fputc(ch, f);
    }
    fputc('"', f);
}

static void ip_str(char *buf, size_t len, rte_be32_t ip)
{
    const uint8_t *a = (const uint8_t *)&ip;
    snprintf(buf, len, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
}

/* {"p50": .., "p90", "p99", "p999", "p9999", "max", "min", "mean", "samples", "overflow"} */
static void json_latency(FILE *f, const struct lr_latency *h)
{
    fprintf(f,
            "{\"p50\": %" PRIu64 ", \"p90\": %" PRIu64 ", \"p99\": %" PRIu64 ", \"p999\": %" PRIu64
            ", \"p9999\": %" PRIu64 ", \"max\": %" PRIu64 ", \"min\": %" PRIu64
            ", \"mean\": %.1f, \"samples\": %" PRIu64 ", \"overflow\": %" PRIu64 "}",
            lr_latency_quantile(h, 0.5), lr_latency_quantile(h, 0.9), lr_latency_quantile(h, 0.99),
            lr_latency_quantile(h, 0.999), lr_latency_quantile(h, 0.9999), h->count ? h->max : 0,
            h->count ? h->min : 0, lr_latency_mean(h), h->count, h->overflow);
}

/* The L4 modes' counters by name: X(name, field). */
#define LR_CLIENT_L4_COUNTERS(X)                                                                   \
    X("l4_corrupt_bytes", l4_corrupt_bytes)                                                        \
    X("udp_flows", udp_flows)                                                                      \
    X("udp_lost", udp_lost)                                                                        \
    X("udp_overrun", udp_overrun)                                                                  \
    X("udp_late", udp_late)                                                                        \
    X("udp_duplicates", udp_duplicates)                                                            \
    X("udp_out_of_window", udp_out_of_window)                                                      \
    X("udp_bad", udp_bad)                                                                          \
    X("udp_send_failed", udp_send_failed)

/* Lost share of the requests whose fate is known (answered or lost). */
static double udp_loss_ratio(const struct lr_client_counters *c)
{
    uint64_t known = c->responses + c->udp_lost;
    return known ? (double)c->udp_lost / (double)known : 0.0;
}

/* "l4": {...} of the report (mode = tcp or udp). */
static void json_l4(FILE *f, const struct lr_client_config *cfg, const struct lr_client_counters *c,
                    double div)
{
    fprintf(f,
            "  \"l4\": {\"mode\": \"%s\", \"payload_size\": %u, \"response_size\": %u, "
            "\"corrupt_answers\": %" PRIu64 ", \"corrupt_bytes\": %" PRIu64,
            cfg->mode == LR_CLIENT_UDP ? "udp" : "tcp", cfg->payload_size, cfg->response_size,
            c->errors[LR_CLIENT_ERR_CORRUPT], c->l4_corrupt_bytes);
    if (cfg->mode == LR_CLIENT_UDP)
        fprintf(f,
                ",\n    \"udp\": {\"flows\": %" PRIu64 ", \"sent\": %" PRIu64
                ", \"answered\": %" PRIu64 ", \"lost\": %" PRIu64 ", \"loss_ratio\": %.6f"
                ", \"overrun\": %" PRIu64 ", \"late\": %" PRIu64 ", \"duplicates\": %" PRIu64
                ", \"out_of_window\": %" PRIu64 ", \"bad\": %" PRIu64 ", \"send_failed\": %" PRIu64
                ", \"sent_per_sec\": %.1f, \"timeout_s\": %.6f}",
                c->udp_flows, c->requests, c->responses, c->udp_lost, udp_loss_ratio(c),
                c->udp_overrun, c->udp_late, c->udp_duplicates, c->udp_out_of_window, c->udp_bad,
                c->udp_send_failed, (double)c->requests / div, (double)cfg->udp_timeout / 1e6);
    fprintf(f, "},\n");
}

/* "tls": {...} of the report (tls = yes). */
static void json_tls(FILE *f, const struct lr_client_totals *t, double div)
{
    const struct lr_client_counters *c = &t->cnt;

    fprintf(f,
            "  \"tls\": {\"handshakes\": %" PRIu64 ", \"full\": %" PRIu64 ", \"resumed\": %" PRIu64
            ", \"full_per_sec\": %.1f, \"resumed_per_sec\": %.1f,\n",
            c->tls_full + c->tls_resumed, c->tls_full, c->tls_resumed, (double)c->tls_full / div,
            (double)c->tls_resumed / div);
    /* From lr_tls_connect (TCP's SYN) to the handshake's end: a full
     * handshake costs the TCP round trip plus one (TLS 1.3) or two (1.2). */
    fprintf(f, "    \"handshake_latency_from\": \"tcp_connect\",\n    \"handshake_latency_us\": ");
    json_latency(f, &t->hs_lat);
    fprintf(f, ",\n    \"failed\": {");
    for (unsigned r = 0; r < LR_TLS_FAIL_MAX; r++)
        fprintf(f, "%s\"%s\": %" PRIu64, r ? ", " : "", lr_tls_fail_name((enum lr_tls_fail)r),
                c->tls_failed[r]);
    fprintf(f, "},\n    \"failed_total\": %" PRIu64 ",\n    \"versions\": {", tls_failed_sum(c));
    for (unsigned v = 0; v < LR_TLS_VER_MAX; v++)
        fprintf(f, "%s\"%s\": %" PRIu64, v ? ", " : "", lr_client_tls_version_name(v),
                c->tls_version[v]);
    fprintf(f, "},\n    \"ciphers\": {");
    for (unsigned k = 0; k < LR_TLS_CIPHER_MAX; k++)
        fprintf(f, "%s\"%s\": %" PRIu64, k ? ", " : "", lr_client_tls_cipher_name(k),
                c->tls_cipher[k]);
    fprintf(f, "},\n    \"groups\": {");
    for (unsigned g = 0; g < LR_TLS_GROUP_MAX; g++)
        fprintf(f, "%s\"%s\": %" PRIu64, g ? ", " : "", lr_tls_group_name(g), c->tls_group[g]);
    fprintf(f,
            "},\n    \"resume\": {\"wanted\": %" PRIu64 ", \"offered\": %" PRIu64
            ", \"rejected\": %" PRIu64 ", \"sessions_saved\": %" PRIu64 "}},\n",
            c->tls_resume_wanted, c->tls_resume_offered, c->tls_resume_rejected,
            c->tls_sessions_saved);
}

void lr_client_run_info(struct lr_client_run *run, time_t start, time_t end,
                        const char *config_path, uint16_t nb_workers)
{
    memset(run, 0, sizeof(*run));
    struct tm tm;
    if (start != 0 && gmtime_r(&start, &tm) != NULL)
        strftime(run->start, sizeof(run->start), "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (end != 0 && gmtime_r(&end, &tm) != NULL)
        strftime(run->end, sizeof(run->end), "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (gethostname(run->hostname, sizeof(run->hostname) - 1) != 0)
        snprintf(run->hostname, sizeof(run->hostname), "unknown");
    struct utsname u;
    if (uname(&u) == 0)
        snprintf(run->kernel, sizeof(run->kernel), "%s %s %s", u.sysname, u.release, u.machine);
    else
        snprintf(run->kernel, sizeof(run->kernel), "unknown");
    snprintf(run->cpu_model, sizeof(run->cpu_model), "unknown");
    FILE *ci = fopen("/proc/cpuinfo", "r");
    if (ci != NULL) {
        char line[512];
        bool got = false;
        while (fgets(line, sizeof(line), ci) != NULL) {
            if (strncmp(line, "model name", 10) != 0 || got)
                continue;
            const char *v = strchr(line, ':');
            if (v == NULL)
                continue;
            v++;
            while (*v == ' ' || *v == '\t')
                v++;
            snprintf(run->cpu_model, sizeof(run->cpu_model), "%.*s", (int)strcspn(v, "\n"), v);
            got = true;
        }
        fclose(ci);
    }
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    run->cpus = n > 0 ? (unsigned)n : 0;
    /* The command line, EAL arguments included: /proc/self/cmdline is the
     * argv main() got (NUL-separated), before rte_eal_init() reorders it. */
    FILE *cl = fopen("/proc/self/cmdline", "r");
    if (cl != NULL) {
        run->argv_len = fread(run->argv, 1, sizeof(run->argv) - 1, cl);
        run->argv_truncated = !feof(cl) && run->argv_len == sizeof(run->argv) - 1;
        fclose(cl);
    }
    snprintf(run->config_path, sizeof(run->config_path), "%s", config_path ? config_path : "");
    run->nb_workers = nb_workers;
}

static void json_run(FILE *f, const struct lr_client_run *run)
{
    fprintf(f, "  \"run\": {\"version\": ");
    json_str(f, LR_VERSION);
    fprintf(f, ", \"commit\": ");
    json_str(f, LR_GIT_COMMIT);
    fprintf(f, ", \"start\": ");
    json_str(f, run->start);
    fprintf(f, ", \"end\": ");
    json_str(f, run->end);
    fprintf(f, ", \"hostname\": ");
    json_str(f, run->hostname);
    fprintf(f, ", \"kernel\": ");
    json_str(f, run->kernel);
    fprintf(f, ", \"cpu_model\": ");
    json_str(f, run->cpu_model);
    fprintf(f, ", \"cpus\": %u, \"argv\": [", run->cpus);
    size_t i = 0;
    bool first = true;
    while (i < run->argv_len) {
        fprintf(f, "%s", first ? "" : ", ");
        json_str(f, run->argv + i);
        i += strlen(run->argv + i) + 1;
        first = false;
    }
    fprintf(f,
            "], \"argv_truncated\": %s, \"config_file\": ", run->argv_truncated ? "true" : "false");
    json_str(f, run->config_path);
    fprintf(f, ", \"workers\": %u},\n", run->nb_workers);
    fprintf(f, "  \"timeline\": [");
    for (size_t k = 0; k < run->nb_samples; k++) {
        const struct lr_client_sample *s = &run->timeline[k];
        double dt = s->dt_us ? (double)s->dt_us / 1e6 : 1;
        fprintf(f,
                "%s\n    {\"t_s\": %.3f, \"dt_s\": %.3f, \"conns_per_s\": %.1f, "
                "\"requests_per_s\": %.1f, \"responses_per_s\": %.1f, \"errors\": %" PRIu64
                ", \"gbps\": %.4f, \"retransmits\": %" PRIu64 ", \"active\": %" PRIu64
                ", \"backlog\": %" PRIu64 ", \"p50_us\": %" PRIu64 ", \"p99_us\": %" PRIu64
                ", \"max_us\": %" PRIu64 "}",
                k ? "," : "", (double)s->t_us / 1e6, (double)s->dt_us / 1e6, (double)s->conns / dt,
                (double)s->requests / dt, (double)s->responses / dt, s->errors,
                (double)s->rx_bytes * 8 / dt / 1e9, s->retransmits, s->active, s->backlog,
                s->p50_us, s->p99_us, s->max_us);
    }
    fprintf(f, "%s],\n  \"timeline_dropped\": %" PRIu64 ",\n", run->nb_samples ? "\n  " : "",
            run->samples_dropped);
}

/* A custom key of [client] (parsed by a hook): its effective value. */
static void json_custom_key(FILE *f, const struct lr_client_config *cfg, const char *name)
{
    char ip[32];
    if (strcmp(name, "target") == 0) {
        fprintf(f, "[");
        for (uint16_t i = 0; i < cfg->nb_targets; i++) {
            ip_str(ip, sizeof(ip), cfg->targets[i].ip);
            fprintf(f, "%s\"%s:%u\"", i ? ", " : "", ip, cfg->targets[i].port);
        }
        fprintf(f, "]");
    } else if (strcmp(name, "path") == 0) {
        fprintf(f, "[");
        for (uint16_t i = 0; i < cfg->nb_paths; i++) {
            fprintf(f, "%s", i ? ", " : "");
            json_str(f, cfg->paths[i]);
        }
        fprintf(f, "]");
    } else if (strcmp(name, "source_addrs") == 0) {
        if (cfg->source_first == 0) {
            json_str(f, "");
        } else {
            char a[32], b[32], both[80];
            ip_str(a, sizeof(a), cfg->source_first);
            ip_str(b, sizeof(b), cfg->source_last);
            snprintf(both, sizeof(both), "%s-%s", a, b);
            json_str(f, both);
        }
    } else if (strcmp(name, "header") == 0) {
        /* "Name: value\r\n" lines back to the key's "Name: value | ..." form. */
        char out[sizeof(cfg->headers) * 2];
        size_t o = 0;
        for (const char *p = cfg->headers; *p != '\0' && o + 4 < sizeof(out); p++) {
            if (p[0] == '\r' && p[1] == '\n') {
                if (p[2] != '\0') {
                    memcpy(out + o, " | ", 3);
                    o += 3;
                }
                p++;
            } else {
                out[o++] = *p;
            }
        }
        out[o] = '\0';
        json_str(f, out);
    } else if (strncmp(name, "template", 8) == 0 && name[8] >= '1' && name[8] <= '9' &&
               name[9] == '\0') {
        unsigned n = (unsigned)(name[8] - '1');
        json_str(f, n < cfg->nb_templates && n < LR_CLIENT_TPL_MAX ? cfg->templates[n] : "");
    } else {
        fprintf(f, "null"); /* a hook-parsed key this report does not know yet */
    }
}

/* The full effective [client] section: every key of the table, defaults
 * included; times as seconds (name_s), sizes as bytes. */
static void json_config(FILE *f, const struct lr_client_config *cfg)
{
    const struct lr_config_section *sec = &lr_client_config_section;
    const char *base = (const char *)cfg;
    char ip[32];
    fprintf(f, "  \"config\": {");
    for (unsigned k = 0; k < sec->nb_keys; k++) {
        const struct lr_config_key *key = &sec->keys[k];
        const void *field = base + key->off;
        fprintf(f, "%s\"%s%s\": ", k ? ", " : "", key->name, key->type == LR_CFG_TIME ? "_s" : "");
        switch (key->type) {
        case LR_CFG_UINT:
        case LR_CFG_SIZE:
        case LR_CFG_TIME: {
            uint64_t v = 0;
            if (key->size == 1)
                v = *(const uint8_t *)field;
            else if (key->size == 2)
                v = *(const uint16_t *)field;
            else if (key->size == 4)
                v = *(const uint32_t *)field;
            else if (key->size == 8)
                v = *(const uint64_t *)field;
            if (key->type == LR_CFG_TIME)
                fprintf(f, "%.6f", (double)v / 1e6);
            else
                fprintf(f, "%" PRIu64, v);
            break;
        }
        case LR_CFG_BOOL:
            fprintf(f, "%s", *(const bool *)field ? "true" : "false");
            break;
        case LR_CFG_PERCENT:
            fprintf(f, "%.3f", *(const double *)field);
            break;
        case LR_CFG_IPV4:
            ip_str(ip, sizeof(ip), *(const rte_be32_t *)field);
            json_str(f, *(const rte_be32_t *)field ? ip : "");
            break;
        case LR_CFG_STR:
        case LR_CFG_PATH:
        case LR_CFG_SUBDIR: {
            char s[LR_PATH_MAX];
            snprintf(s, sizeof(s), "%.*s", (int)strnlen((const char *)field, key->size),
                     (const char *)field);
            json_str(f, s);
            break;
        }
        case LR_CFG_CUSTOM:
        default:
            json_custom_key(f, cfg, key->name);
            break;
        }
    }
    fprintf(f, "},\n");
}

void lr_client_report_json(FILE *f, const struct lr_client_config *cfg,
                           const struct lr_client_totals *t, uint16_t nb_workers,
                           const struct lr_client_run *run)
{
    const struct lr_client_counters *c = &t->cnt;
    double secs = (double)t->elapsed_us / 1e6;
    double div = secs > 0 ? secs : 1;

    fprintf(f, "{\n");
    fprintf(f, "  \"requests_per_sec\": %.1f,\n", (double)c->responses / div);
    fprintf(f, "  \"connections_per_sec\": %.1f,\n", (double)c->conns / div);
    fprintf(f, "  \"gbps\": %.6f,\n", (double)c->rx_bytes * 8 / div / 1e9);
    fprintf(f, "  \"latency_us\": ");
    json_latency(f, &t->lat);
    fprintf(f, ",\n");
    /* Full distribution (HdrHistogram-style ticks, 5 per half): plot two
     * runs' value_us against 1/(1 - percentile/100) on log axes. */
    static struct lr_latency_tick ticks[LR_CLIENT_DIST_TICKS];
    unsigned nt = lr_latency_distribution(&t->lat, 5, ticks, LR_CLIENT_DIST_TICKS);
    fprintf(f, "  \"latency_distribution\": [");
    for (unsigned i = 0; i < nt; i++)
        fprintf(f,
                "%s\n    {\"percentile\": %.6f, \"value_us\": %" PRIu64 ", \"count\": %" PRIu64 "}",
                i ? "," : "", ticks[i].percentile, ticks[i].value_us, ticks[i].count);
    fprintf(f, "%s],\n", nt ? "\n  " : "");
    if (cfg->tls)
        json_tls(f, t, div);
    if (cfg->mode != LR_CLIENT_HTTP)
        json_l4(f, cfg, c, div);
    fprintf(f, "  \"errors\": {");
    for (unsigned e = 0; e < LR_CLIENT_ERR_MAX; e++)
        fprintf(f, "%s\"%s\": %" PRIu64, e ? ", " : "",
                lr_client_error_name((enum lr_client_error)e), c->errors[e]);
    fprintf(f, "},\n");
    fprintf(f, "  \"errors_total\": %" PRIu64 ",\n", errors_sum(c));
    fprintf(f, "  \"responses\": {");
    for (unsigned k = 1; k <= 5; k++)
        fprintf(f, "%s\"%uxx\": %" PRIu64, k > 1 ? ", " : "", k, c->status[k]);
    fprintf(f, "},\n");
    fprintf(f, "  \"requests\": %" PRIu64 ",\n", c->requests);
    fprintf(f, "  \"responses_total\": %" PRIu64 ",\n", c->responses);
    fprintf(f, "  \"connections\": %" PRIu64 ",\n", c->conns);
    fprintf(f, "  \"connection_attempts\": %" PRIu64 ",\n", c->conn_attempts);
    fprintf(f, "  \"unfinished\": %" PRIu64 ",\n", c->unfinished);
    fprintf(f, "  \"unsent\": %" PRIu64 ",\n", c->unsent);
    fprintf(f, "  \"unanswered\": %" PRIu64 ",\n", c->unanswered);
    fprintf(f, "  \"pipeline\": %u,\n", cfg->pipeline > 1 ? cfg->pipeline : 1);
    fprintf(f, "  \"think_time_us\": %" PRIu64 ",\n", cfg->think_time);
    /* Requests by template, in template order (template1.., else the paths). */
    unsigned ntpl = cfg->nb_templates > 0 ? cfg->nb_templates
                                          : RTE_MIN(cfg->nb_paths, (unsigned)LR_CLIENT_REQ_TPL);
    fprintf(f, "  \"requests_by_template\": [");
    for (unsigned k = 0; k < ntpl && k < LR_CLIENT_REQ_TPL; k++)
        fprintf(f, "%s%" PRIu64, k ? ", " : "", c->tpl_requests[k]);
    fprintf(f, "],\n");
    fprintf(f, "  \"warmup_failures\": %" PRIu64 ",\n", c->warmup_failures);
    fprintf(f, "  \"interim_1xx\": %" PRIu64 ",\n", c->interim);
    fprintf(f, "  \"rx_bytes\": %" PRIu64 ",\n", c->rx_bytes);
    fprintf(f, "  \"tx_bytes\": %" PRIu64 ",\n", c->tx_bytes);
    fprintf(f, "  \"body_bytes\": %" PRIu64 ",\n", c->body_bytes);
    fprintf(f, "  \"retransmits\": %" PRIu64 ",\n", t->retransmits);
    /* The client's own cost: TSC cycles of its workers' iterations that
     * did work (lr_stats.h busy_cycles, warm-up and drain included) per
     * request sent; the rest of a poll-mode core is spent polling. */
    fprintf(f, "  \"busy_cycles\": %" PRIu64 ",\n", t->busy_cycles);
    fprintf(f, "  \"tsc_hz\": %" PRIu64 ",\n", rte_get_tsc_hz());
    fprintf(f, "  \"cycles_per_request\": %.1f,\n",
            c->requests ? (double)t->busy_cycles / (double)c->requests : 0.0);
    fprintf(f, "  \"duration_s\": %.3f,\n", secs);
    fprintf(f, "  \"workers\": %u,\n", nb_workers);
    json_config(f, cfg);
    if (run != NULL)
        json_run(f, run);
    fprintf(f, "  \"report_version\": 2\n}\n");
}

int lr_client_main_end(const struct lr_worker_set *rt, uint64_t now, FILE *out)
{
    const struct lr_client_config *cfg = lr_client_conf(rt->cfg);
    static struct lr_client_totals t; /* ~18 KiB of histogram: keep it off the stack */

    if (!cfg->enabled)
        return 0;
    lr_client_totals_get(rt, now, true, &t);
    /* The timeline's last sample: from the last tick to the end, so its
     * samples add up to the totals. */
    if (lr_client_main.started && now > lr_client_main.t_prev)
        timeline_add(&t, now);
    double secs = t.elapsed_us > 0 ? (double)t.elapsed_us / 1e6 : 1;
    fprintf(out,
            "client: done in %.3fs: %" PRIu64 " requests, %" PRIu64 " responses (%.0f/s), %" PRIu64
            " connections (%.0f/s), %.3f Gbps, p50=%" PRIu64 "us p90=%" PRIu64 "us p99=%" PRIu64
            "us p99.9=%" PRIu64 "us p99.99=%" PRIu64 "us max=%" PRIu64 "us, errors=%" PRIu64
            " unfinished=%" PRIu64 "\n",
            (double)t.elapsed_us / 1e6, t.cnt.requests, t.cnt.responses,
            (double)t.cnt.responses / secs, t.cnt.conns, (double)t.cnt.conns / secs,
            (double)t.cnt.rx_bytes * 8 / secs / 1e9, lr_latency_quantile(&t.lat, 0.5),
            lr_latency_quantile(&t.lat, 0.9), lr_latency_quantile(&t.lat, 0.99),
            lr_latency_quantile(&t.lat, 0.999), lr_latency_quantile(&t.lat, 0.9999),
            t.lat.count ? t.lat.max : 0, errors_sum(&t.cnt), t.cnt.unfinished);
    if (t.cnt.unanswered != 0)
        fprintf(out,
                "client: %" PRIu64 " pipelined requests unanswered (the connection ended before "
                "their responses)\n",
                t.cnt.unanswered);
    if (cfg->request_rate != 0 && cfg->mode != LR_CLIENT_UDP)
        fprintf(out,
                "client: open loop at %" PRIu64 " requests/s: %" PRIu64 " due and never sent\n",
                cfg->request_rate, t.cnt.unsent);
    if (cfg->mode == LR_CLIENT_UDP) {
        const struct lr_client_counters *c = &t.cnt;
        fprintf(out,
                "client: udp: %" PRIu64 " flows, %" PRIu64 " sent (%.0f/s), %" PRIu64
                " answered, %" PRIu64 " lost (%.4f%%, %" PRIu64 " by window overrun), %" PRIu64
                " late, %" PRIu64 " duplicates, %" PRIu64 " out of window, %" PRIu64
                " bad, %" PRIu64 " send failures\n",
                c->udp_flows, c->requests, (double)c->requests / secs, c->responses, c->udp_lost,
                udp_loss_ratio(c) * 100, c->udp_overrun, c->udp_late, c->udp_duplicates,
                c->udp_out_of_window, c->udp_bad, c->udp_send_failed);
    }
    if (cfg->mode != LR_CLIENT_HTTP && t.cnt.l4_corrupt_bytes != 0)
        fprintf(out, "client: l4: %" PRIu64 " corrupt answers, %" PRIu64 " bytes wrong\n",
                t.cnt.errors[LR_CLIENT_ERR_CORRUPT], t.cnt.l4_corrupt_bytes);
    for (unsigned e = 0; e < LR_CLIENT_ERR_MAX; e++)
        if (t.cnt.errors[e] != 0)
            fprintf(out, "client: error %s: %" PRIu64 "\n",
                    lr_client_error_name((enum lr_client_error)e), t.cnt.errors[e]);
    if (cfg->tls) {
        const struct lr_client_counters *c = &t.cnt;
        fprintf(out,
                "client: tls: %" PRIu64 " full, %" PRIu64 " resumed handshakes (%.0f/s, %.0f/s), "
                "handshake from TCP connect p50=%" PRIu64 "us p90=%" PRIu64 "us p99=%" PRIu64
                "us max=%" PRIu64 "us, resume offered %" PRIu64 " rejected %" PRIu64
                ", failed=%" PRIu64 "\n",
                c->tls_full, c->tls_resumed, (double)c->tls_full / secs,
                (double)c->tls_resumed / secs, lr_latency_quantile(&t.hs_lat, 0.5),
                lr_latency_quantile(&t.hs_lat, 0.9), lr_latency_quantile(&t.hs_lat, 0.99),
                t.hs_lat.count ? t.hs_lat.max : 0, c->tls_resume_offered, c->tls_resume_rejected,
                tls_failed_sum(c));
        for (unsigned r = 0; r < LR_TLS_FAIL_MAX; r++)
            if (c->tls_failed[r] != 0)
                fprintf(out, "client: tls failed %s: %" PRIu64 "\n",
                        lr_tls_fail_name((enum lr_tls_fail)r), c->tls_failed[r]);
        for (unsigned v = 0; v < LR_TLS_VER_MAX; v++)
            if (c->tls_version[v] != 0)
                fprintf(out, "client: tls version %s: %" PRIu64 "\n", lr_client_tls_version_name(v),
                        c->tls_version[v]);
        for (unsigned k = 0; k < LR_TLS_CIPHER_MAX; k++)
            if (c->tls_cipher[k] != 0)
                fprintf(out, "client: tls cipher %s: %" PRIu64 "\n", lr_client_tls_cipher_name(k),
                        c->tls_cipher[k]);
        for (unsigned g = 0; g < LR_TLS_GROUP_MAX; g++)
            if (c->tls_group[g] != 0)
                fprintf(out, "client: tls group %s: %" PRIu64 "\n", lr_tls_group_name(g),
                        c->tls_group[g]);
    }
    fflush(out);
    if (cfg->report[0] == '\0')
        return 0;
    FILE *f = fopen(cfg->report, "w");
    if (f == NULL) {
        int err = errno;
        fprintf(stderr, "linerate: cannot write the report %s: %s\n", cfg->report, strerror(err));
        return -err;
    }
    static struct lr_client_run run;
    lr_client_run_info(&run, lr_client_main.wall0 ? lr_client_main.wall0 : time(NULL), time(NULL),
                       rt->cfg->path, rt->nb_workers);
    run.timeline = lr_client_main.timeline;
    run.nb_samples = lr_client_main.nb_samples;
    run.samples_dropped = lr_client_main.samples_dropped;
    lr_client_report_json(f, cfg, &t, rt->nb_workers, &run);
    if (fclose(f) != 0) {
        int err = errno;
        fprintf(stderr, "linerate: cannot write the report %s: %s\n", cfg->report, strerror(err));
        return -err;
    }
    return 0;
}

/* /linerate/client: totals, per-class responses, errors and latency. */
static int client_tel(const char *cmd __rte_unused, const char *params __rte_unused,
                      struct rte_tel_data *d)
{
    static struct lr_client_totals t; /* telemetry runs one callback at a time */
    const struct lr_worker_set *rt = lr_telemetry_workers_get();
    if (rt == NULL)
        return -EAGAIN;
    if (!lr_client_conf(rt->cfg)->enabled) {
        lr_telemetry_workers_put();
        return -ENOENT;
    }
    uint64_t now = 0;
    for (uint16_t i = 0; i < rt->nb_workers; i++)
        if (rt->workers[i] != NULL && rt->workers[i]->now > now)
            now = rt->workers[i]->now;
    lr_client_totals_get(rt, now, true, &t);
    lr_telemetry_workers_put();

    const struct lr_client_counters *c = &t.cnt;
    rte_tel_data_start_dict(d);
    rte_tel_data_add_dict_u64(d, "workers_done", t.nb_done);
    rte_tel_data_add_dict_u64(d, "elapsed_us", t.elapsed_us);
    rte_tel_data_add_dict_u64(d, "connection_attempts", c->conn_attempts);
    rte_tel_data_add_dict_u64(d, "connections", c->conns);
    rte_tel_data_add_dict_u64(d, "connections_closed", c->conns_closed);
    rte_tel_data_add_dict_u64(d, "active", c->active);
    rte_tel_data_add_dict_u64(d, "requests", c->requests);
    rte_tel_data_add_dict_u64(d, "responses", c->responses);
    rte_tel_data_add_dict_u64(d, "2xx", c->status[2]);
    rte_tel_data_add_dict_u64(d, "3xx", c->status[3]);
    rte_tel_data_add_dict_u64(d, "4xx", c->status[4]);
    rte_tel_data_add_dict_u64(d, "5xx", c->status[5]);
    rte_tel_data_add_dict_u64(d, "rx_bytes", c->rx_bytes);
    rte_tel_data_add_dict_u64(d, "tx_bytes", c->tx_bytes);
    rte_tel_data_add_dict_u64(d, "body_bytes", c->body_bytes);
    rte_tel_data_add_dict_u64(d, "unfinished", c->unfinished);
    rte_tel_data_add_dict_u64(d, "backlog", c->backlog);
    rte_tel_data_add_dict_u64(d, "unsent", c->unsent);
    rte_tel_data_add_dict_u64(d, "unanswered", c->unanswered);
    rte_tel_data_add_dict_u64(d, "thinking", c->thinking);
    rte_tel_data_add_dict_u64(d, "retransmits", t.retransmits);
    for (unsigned e = 0; e < LR_CLIENT_ERR_MAX; e++) {
        char name[64];
        snprintf(name, sizeof(name), "error_%s", lr_client_error_name((enum lr_client_error)e));
        rte_tel_data_add_dict_u64(d, name, c->errors[e]);
    }
    rte_tel_data_add_dict_u64(d, "latency_p50_us", lr_latency_quantile(&t.lat, 0.5));
    rte_tel_data_add_dict_u64(d, "latency_p90_us", lr_latency_quantile(&t.lat, 0.9));
    rte_tel_data_add_dict_u64(d, "latency_p99_us", lr_latency_quantile(&t.lat, 0.99));
    rte_tel_data_add_dict_u64(d, "latency_p999_us", lr_latency_quantile(&t.lat, 0.999));
    rte_tel_data_add_dict_u64(d, "latency_p9999_us", lr_latency_quantile(&t.lat, 0.9999));
    rte_tel_data_add_dict_u64(d, "latency_max_us", t.lat.count ? t.lat.max : 0);
    if (lr_client_conf(rt->cfg)->mode != LR_CLIENT_HTTP) {
#define LR_X_TEL(n, f) rte_tel_data_add_dict_u64(d, n, c->f);
        LR_CLIENT_L4_COUNTERS(LR_X_TEL)
#undef LR_X_TEL
    }
    if (lr_client_conf(rt->cfg)->tls) {
        rte_tel_data_add_dict_u64(d, "tls_full", c->tls_full);
        rte_tel_data_add_dict_u64(d, "tls_resumed", c->tls_resumed);
        rte_tel_data_add_dict_u64(d, "tls_resume_offered", c->tls_resume_offered);
        rte_tel_data_add_dict_u64(d, "tls_resume_rejected", c->tls_resume_rejected);
        for (unsigned r = 0; r < LR_TLS_FAIL_MAX; r++) {
            char name[64];
            snprintf(name, sizeof(name), "tls_failed_%s", lr_tls_fail_name((enum lr_tls_fail)r));
            rte_tel_data_add_dict_u64(d, name, c->tls_failed[r]);
        }
        rte_tel_data_add_dict_u64(d, "tls_handshake_p50_us", lr_latency_quantile(&t.hs_lat, 0.5));
        rte_tel_data_add_dict_u64(d, "tls_handshake_p99_us", lr_latency_quantile(&t.hs_lat, 0.99));
        rte_tel_data_add_dict_u64(d, "tls_handshake_max_us", t.hs_lat.count ? t.hs_lat.max : 0);
    }
    return 0;
}

int lr_client_telemetry_register(void)
{
    return lr_telemetry_register("client", client_tel,
                                 "HTTP load generator: requests, responses by class, errors by "
                                 "reason, latency percentiles (us)");
}

/* --- the module (lr_module.h) ------------------------------------------- */

static void client_module_walk(const struct lr_worker *w, lr_module_counter_fn fn, void *arg)
{
    static const char *const class_names[6] = {
        "responses_other", "responses_1xx", "responses_2xx",
        "responses_3xx",   "responses_4xx", "responses_5xx"
    };
    const struct lr_client *cl = lr_client_get(w);
    struct lr_client_counters c;

    if (cl != NULL)
        lr_client_counters_get(cl, &c);
    else
        memset(&c, 0, sizeof(c));
    fn(arg, "conn_attempts", c.conn_attempts);
    fn(arg, "conns", c.conns);
    fn(arg, "conns_closed", c.conns_closed);
    fn(arg, "active", c.active);
    fn(arg, "requests", c.requests);
    fn(arg, "responses", c.responses);
    for (unsigned k = 1; k < 6; k++)
        fn(arg, class_names[k], c.status[k]);
    fn(arg, "rx_bytes", c.rx_bytes);
    fn(arg, "tx_bytes", c.tx_bytes);
    fn(arg, "body_bytes", c.body_bytes);
    fn(arg, "interim", c.interim);
    fn(arg, "unfinished", c.unfinished);
    fn(arg, "unanswered", c.unanswered);
    fn(arg, "thinking", c.thinking);
    fn(arg, "warmup_failures", c.warmup_failures);
    for (unsigned e = 0; e < LR_CLIENT_ERR_MAX; e++) {
        char name[64];
        snprintf(name, sizeof(name), "error_%s", lr_client_error_name((enum lr_client_error)e));
        fn(arg, name, c.errors[e]);
    }
    if (lr_client_conf(w->cfg)->mode != LR_CLIENT_HTTP) {
#define LR_X_WALK(n, f) fn(arg, n, c.f);
        LR_CLIENT_L4_COUNTERS(LR_X_WALK)
#undef LR_X_WALK
    }
    if (!lr_client_conf(w->cfg)->tls)
        return; /* the same names on every walk of a run: tls is fixed */
    fn(arg, "tls_full", c.tls_full);
    fn(arg, "tls_resumed", c.tls_resumed);
    fn(arg, "tls_resume_offered", c.tls_resume_offered);
    fn(arg, "tls_resume_rejected", c.tls_resume_rejected);
    for (unsigned r = 0; r < LR_TLS_FAIL_MAX; r++) {
        char name[64];
        snprintf(name, sizeof(name), "tls_failed_%s", lr_tls_fail_name((enum lr_tls_fail)r));
        fn(arg, name, c.tls_failed[r]);
    }
}

/* tls = yes: every worker needs a TLS client context (made by the tls
 * module's init, which runs before ours). */
/* mode = udp: one source port per flow on top of [udp] max_binds (the
 * worker's share is at most all of them). */
static uint32_t client_module_udp_binds(const struct lr_config *cfg)
{
    const struct lr_client_config *cc = lr_client_conf(cfg);

    return cc->enabled && cc->mode == LR_CLIENT_UDP ? cc->flows : 0;
}

static int client_module_global_init(const struct lr_config *cfg)
{
    const struct lr_client_config *cc = lr_client_conf(cfg);

    if (!cc->enabled || !cc->tls)
        return 0;
    return lr_tls_need_client("[client] tls", cc->ca_file, LR_TLS_SESSIONS_ALL);
}

static const struct lr_module_line client_line[] = {
    /* Connections are counted by the TCP module already. */
    { "responses", LR_LINE_REQUESTS },
    { NULL, 0 },
};

const struct lr_module lr_client_module = {
    .name = "client",
    .config = &lr_client_config_section,
    .after = LR_MODULE_AFTER("udp", "tcp", "tls"),
    .global_init = client_module_global_init,
    .udp_binds = client_module_udp_binds,
    .init = lr_client_init,
    .fini = lr_client_free,
    .poll = lr_client_poll,
    .shutdown = lr_client_shutdown,
    .walk = client_module_walk,
    .line = client_line,
    .gauges = LR_MODULE_GAUGES("active"),
    .telemetry = lr_client_telemetry_register,
    .own_command = true, /* /linerate/client: totals and latency percentiles */
};
