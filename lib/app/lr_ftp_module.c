/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The FTP module (lr_module.h): counters, the file cache of [ftp] root,
 * process-wide start and stop, passive-port flow ownership, and the module
 * descriptor. Control connections and sessions are in lr_ftp_server.c,
 * data connections and transfers in lr_ftp_data.c.
 */
#include <netinet/in.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_lcore.h>

#include "lr_flow.h"
#include "lr_ftp_server_priv.h"
#include "lr_http_config.h"
#include "lr_log.h"
#include "lr_module.h"
#include "lr_tls_module.h"

LR_LOG_DEFINE(ftp);

unsigned lr_ftp_slot;

void lr_ftp_counters_get(const struct lr_worker *w, struct lr_ftp_stats *out)
{
    const struct lr_ftp_server *srv = lr_ftp_server_of(w);
    if (srv == NULL) {
        memset(out, 0, sizeof(*out));
        return;
    }
    *out = srv->stats;
    /* The start-time sweep is process-wide: reported once, by worker 0. */
    if (w->id == 0)
        out->stale_temps_removed = lr_ftp_g.stale_removed;
}

unsigned lr_ftp_counters_foreach(const struct lr_ftp_stats *c,
                                 void (*fn)(void *arg, const char *name, uint64_t value), void *arg)
{
    const struct {
        const char *name;
        uint64_t v;
    } t[] = {
        { "sessions_active", c->sessions_active },
        { "sessions_total", c->sessions_total },
        { "sessions_refused", c->sessions_refused },
        { "logins_ok", c->logins_ok },
        { "logins_failed", c->logins_failed },
        { "commands", c->commands },
        { "commands_bad", c->commands_bad },
        { "transfers_ok", c->transfers_ok },
        { "transfers_aborted", c->transfers_aborted },
        { "transfers_failed", c->transfers_failed },
        { "bytes_up", c->bytes_up },
        { "bytes_down", c->bytes_down },
        { "uploads_committed", c->uploads_committed },
        { "uploads_discarded", c->uploads_discarded },
        { "uploads_too_big", c->uploads_too_big },
        { "upload_io_errors", c->upload_io_errors },
        { "data_orphaned", c->data_orphaned },
        { "data_stalled", c->data_stalled },
        { "stale_temps_removed", c->stale_temps_removed },
        { "tls_auth", c->tls_auth },
        { "tls_refused", c->tls_refused },
        { "tls_plaintext_discarded", c->tls_plaintext_discarded },
        { "tls_start_failed", c->tls_start_failed },
    };
    for (unsigned i = 0; i < RTE_DIM(t); i++)
        fn(arg, t[i].name, t[i].v);
    return RTE_DIM(t);
}

/* The module's walk hook: /linerate/ftp, /linerate/stats and the final
 * summary (lib/runtime/lr_modules.c sums it over workers). */
static void ftp_module_walk(const struct lr_worker *w, lr_module_counter_fn fn, void *arg)
{
    struct lr_ftp_stats st;
    lr_ftp_counters_get(w, &st);
    lr_ftp_counters_foreach(&st, fn, arg);
}

/* --- the module (lr_module.h) ------------------------------------------- */

static struct lr_file_cache *ftp_cache;

/* TLS sessions per FTP session (ftp_module_global_init). */
#define LR_FTP_TLS_PER_SESSION 4u

static int ftp_module_global_init(const struct lr_config *cfg)
{
    char err[256] = "";
    if (!lr_ftp_conf(cfg)->enabled)
        return 0;
    /* Worker ids are below the lcore count (the cache needs an upper bound). */
    uint16_t nb_workers = (uint16_t)RTE_MIN(rte_lcore_count(), (unsigned)LR_MAX_WORKERS);
    ftp_cache = lr_file_cache_get(lr_ftp_conf(cfg)->root, lr_http_conf(cfg)->cache_bytes,
                                  nb_workers, err, sizeof(err));
    if (ftp_cache == NULL) {
        int e = rte_errno ? rte_errno : EINVAL;
        LR_LOG(ERR, ftp, "[ftp] root: %s", err);
        return -e;
    }
    int rc = lr_ftp_server_global_init(cfg, ftp_cache, nb_workers, err, sizeof(err));
    if (rc != 0) {
        LR_LOG(ERR, ftp, "%s", err);
        lr_file_cache_put(ftp_cache);
        ftp_cache = NULL;
        return rc;
    }
    /* FTPS (RFC 4217): every worker gets a TLS server context ([tls] cert,
     * or a certificate made at start). A broken [tls] fails the start.
     * TLS sessions: per FTP session its control connection, its data
     * connection and two data connections still closing (a session is
     * kept until TCP reports the end, at TIME_WAIT at the latest); beyond
     * that PROT P data connections are refused and counted
     * (tls_start_failed). */
    if (lr_ftp_conf(cfg)->tls != LR_FTP_TLS_OFF) {
        rc = lr_tls_need_server("[ftp] tls",
                                LR_FTP_TLS_PER_SESSION * lr_ftp_conf(cfg)->max_sessions);
        if (rc != 0) {
            lr_ftp_server_global_free();
            lr_file_cache_put(ftp_cache);
            ftp_cache = NULL;
            return rc;
        }
    }
    return 0;
}

static void ftp_module_global_fini(void)
{
    lr_ftp_server_global_free();
    lr_file_cache_put(ftp_cache);
    ftp_cache = NULL;
}

/* Passive ports belong to the worker that listens on them, whatever their
 * hash (lr_flow.h, lr_ftp_pasv_owner). */
static int ftp_module_flow(const struct lr_config *cfg, struct lr_flow *f)
{
    if (!lr_ftp_conf(cfg)->enabled || lr_ftp_conf(cfg)->pasv_min == 0)
        return 0;
    return lr_flow_override_set(f, lr_ftp_conf(cfg)->pasv_min, lr_ftp_conf(cfg)->pasv_max);
}

static const struct lr_module_line ftp_line[] = {
    /* Sessions are TCP connections, already counted in conns by TCP. */
    { "commands", LR_LINE_REQUESTS },      { "sessions_active", LR_LINE_SESSIONS },
    { "transfers_ok", LR_LINE_TRANSFERS }, { "bytes_up", LR_LINE_XFER_BYTES },
    { "bytes_down", LR_LINE_XFER_BYTES },  { NULL, 0 },
};

/* The control port, then the passive range: a range that covers the control
 * port (or any other service's) is reported on pasv_ports. */
static unsigned ftp_module_ports(const struct lr_config *cfg, struct lr_port_claim *out)
{
    const struct lr_ftp_config *fc = lr_ftp_conf(cfg);

    if (!fc->enabled)
        return 0;
    out[0] = (struct lr_port_claim){ IPPROTO_TCP, fc->listen, fc->listen, "[ftp] listen" };
    out[1] = (struct lr_port_claim){ IPPROTO_TCP, fc->pasv_min, fc->pasv_max, "[ftp] pasv_ports" };
    return 2;
}

const struct lr_module lr_ftp_module = {
    .name = "ftp",
    .config = &lr_ftp_config_section,
    .after = LR_MODULE_AFTER("tcp"),
    .global_init = ftp_module_global_init,
    .global_fini = ftp_module_global_fini,
    .flow = ftp_module_flow,
    .ports = ftp_module_ports,
    .init = lr_ftp_server_init,
    .fini = lr_ftp_server_free,
    .poll = lr_ftp_server_poll,
    .shutdown = lr_ftp_server_shutdown,
    .walk = ftp_module_walk,
    .line = ftp_line,
    .gauges = LR_MODULE_GAUGES("sessions_active"),
};
