/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The "tls" runtime module (lr_tls_module.h).
 *
 *   global_init     keeps the configuration; nothing is parsed yet, so a
 *                   process that serves no TLS never touches a certificate.
 *   lr_tls_need_server (a server's global_init, main lcore)
 *                   the engine's global state from [tls], once: the PEM
 *                   files decoded, the settings checked, the ticket keys
 *                   made. Without [tls] cert, a self-signed certificate
 *                   made now (lr_tls_selfsign.h), with a warning; its
 *                   files are removed as soon as the engine decoded them.
 *   init (worker)   when the global state exists: the worker's own server
 *                   context (library context, SSL_CTX), counters and the
 *                   stream layer's session pool, on the worker's socket.
 *   poll (worker)   picks up rotated ticket keys (a sequence compare when
 *                   nothing changed).
 *   walk            the engine's counters, then the stream layer's.
 *
 * The engine is OpenSSL's (lr_tls_engine_openssl); the module only goes
 * through the engine table.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_malloc.h>

#include "lr_config.h"
#include "lr_log.h"
#include "lr_tls.h"
#include "lr_tls_config.h"
#include "lr_tls_module.h"
#include "lr_tls_selfsign.h"
#include "lr_worker.h"

LR_LOG_DEFINE(tls);

/* Process-wide, main lcore only: set in global_init / lr_tls_need_server,
 * read-only while the workers run. */
static const struct lr_config *tls_cfg;
static const struct lr_tls_engine *tls_eng = &lr_tls_engine_openssl;
static struct lr_tls_global *tls_global;
static struct lr_tls_selfsigned tls_selfsigned;

/* This module's w->slot[] (lr_worker_slot). */
static unsigned tls_slot;

struct lr_tls_worker *lr_tls_worker(const struct lr_worker *w)
{
    return tls_slot != 0 ? w->slot[tls_slot] : NULL;
}

/* An empty text in [tls] means the engine's default. */
static const char *or_null(const char *s)
{
    return s[0] != '\0' ? s : NULL;
}

int lr_tls_need_server(const char *who)
{
    char err[512];

    if (tls_global != NULL)
        return 0;
    if (tls_cfg == NULL) {
        LR_LOG(ERR, tls, "%s: TLS asked for before the tls module's global_init", who);
        return -EINVAL;
    }
    /* Loaded without the [tls] section (a test's own table): every engine
     * default. */
    const struct lr_tls_config *tc = lr_config_section(tls_cfg, &lr_tls_config_section);
    struct lr_tls_params p = { 0 };
    if (tc != NULL) {
        p.cert = or_null(tc->cert);
        p.key = or_null(tc->key);
        p.min_version = lr_tls_version_parse(tc->min_version);
        p.max_version = lr_tls_version_parse(tc->max_version);
        p.ciphers = or_null(tc->ciphers);
        p.ciphersuites = or_null(tc->ciphersuites);
        p.groups = or_null(tc->groups);
        p.alpn = tc->alpn; /* "" = offer none */
    }
    if (p.cert == NULL) {
        int rc = lr_tls_selfsigned_create(&tls_selfsigned, NULL, err, sizeof(err));
        if (rc < 0) {
            LR_LOG(ERR, tls, "%s: %s", who, err);
            return rc;
        }
        p.cert = tls_selfsigned.cert;
        p.key = tls_selfsigned.key;
        LR_LOG(WARNING, tls,
               "no [tls] cert configured: serving a self-signed certificate generated at "
               "start (ECDSA P-256, CN=" LR_TLS_SELFSIGNED_CN ") for %s",
               who);
    }
    int rc = tls_eng->global_init(&p, &tls_global, err, sizeof(err));
    /* The engine keeps the pair decoded in memory (DER) and never reads the
     * files again: the generated key leaves the disk now, so a process that
     * is killed leaves no private key behind in /tmp. */
    lr_tls_selfsigned_remove(&tls_selfsigned);
    if (rc < 0) {
        LR_LOG(ERR, tls, "%s: [tls]: %s", who, err);
        tls_global = NULL;
        return rc;
    }
    return 0;
}

static int tls_module_global_init(const struct lr_config *cfg)
{
    tls_cfg = cfg;
    return 0;
}

static void tls_module_global_fini(void)
{
    if (tls_global != NULL)
        tls_eng->global_free(tls_global);
    tls_global = NULL;
    lr_tls_selfsigned_remove(&tls_selfsigned);
    tls_cfg = NULL;
}

static void tls_module_fini(struct lr_worker *w)
{
    struct lr_tls_worker *tw = lr_tls_worker(w);
    if (tw == NULL)
        return;
    lr_tls_stream_pool_free(tw);
    if (tw->server != NULL)
        tw->eng->ctx_destroy(tw->server);
    rte_free(tw);
    w->slot[tls_slot] = NULL;
}

static int tls_module_init(struct lr_worker *w)
{
    if (tls_global == NULL)
        return 0; /* no server asked for TLS */
    if (lr_worker_slot(&tls_slot) == 0)
        return -ENOSPC;
    if (w->slot[tls_slot] != NULL)
        return -EEXIST;
    const struct lr_tls_config *tc = lr_tls_conf(w->cfg);
    struct lr_tls_worker *tw =
        rte_zmalloc_socket("lr_tls_worker", sizeof(*tw), RTE_CACHE_LINE_SIZE, (int)w->socket);
    if (tw == NULL) {
        LR_LOG(ERR, tls, "worker %u: no memory for the TLS state", w->id);
        return -ENOMEM;
    }
    tw->eng = tls_eng;
    tw->hs_timeout_us = tc->handshake_timeout;
    tw->max_handshakes = tc->max_handshakes ? tc->max_handshakes : 1;
    w->slot[tls_slot] = tw;

    char err[512];
    int rc =
        tw->eng->ctx_create(tls_global, LR_TLS_SERVER, &tw->cnt, &tw->server, err, sizeof(err));
    if (rc < 0) {
        LR_LOG(ERR, tls, "worker %u: server context: %s", w->id, err);
        tw->server = NULL;
        tls_module_fini(w);
        return rc;
    }
    uint32_t n = tc->max_sessions ? tc->max_sessions : w->cfg->tcp.max_conns;
    rc = lr_tls_stream_pool_create(tw, n ? n : 1, (int)w->socket);
    if (rc < 0) {
        LR_LOG(ERR, tls, "worker %u: %u TLS sessions: %s", w->id, n, strerror(-rc));
        tls_module_fini(w);
        return rc;
    }
    return 0;
}

static void tls_module_poll(struct lr_worker *w)
{
    struct lr_tls_worker *tw = lr_tls_worker(w);
    if (tw != NULL && tw->server != NULL)
        tw->eng->ctx_refresh(tw->server);
}

/* Nothing without TLS state: then no worker of this run has any (the global
 * state exists before the first worker's init or never), so every walk of a
 * run gives the same names. */
static void tls_module_walk(const struct lr_worker *w, lr_module_counter_fn fn, void *arg)
{
    const struct lr_tls_worker *tw = lr_tls_worker(w);
    if (tw == NULL)
        return;
    (void)lr_tls_counters_foreach(&tw->cnt, fn, arg);
    lr_tls_stream_counters_foreach(&tw->scnt, fn, arg);
}

const struct lr_module lr_tls_module = {
    .name = "tls",
    .after = LR_MODULE_AFTER("tcp"),
    .config = &lr_tls_config_section,
    .global_init = tls_module_global_init,
    .global_fini = tls_module_global_fini,
    .init = tls_module_init,
    .fini = tls_module_fini,
    .poll = tls_module_poll,
    .walk = tls_module_walk,
    .gauges = LR_MODULE_GAUGES("handshakes_in_progress", "sessions_active"),
};
