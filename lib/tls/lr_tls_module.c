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
 *   lr_tls_need_client (client mode's global_init)
 *                   the same state without certificates when no server
 *                   asked, with client mode's CA file; every worker gets
 *                   a client context too.
 *   tick (main)     rotates the ticket keys every [tls] ticket_rotate.
 *   poll (worker)   picks up rotated ticket keys (a sequence compare when
 *                   nothing changed); a fresh handshake budget for the
 *                   stream layer, spent first on handshakes put off.
 *   walk            the engine's counters, then the stream layer's.
 *
 * The engine is OpenSSL's (lr_tls_engine_openssl); the module only goes
 * through the engine table.
 */
#include <errno.h>
#include <stdbool.h>
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
static bool tls_selfsigned_logged;
static bool tls_want_server;   /* a server asked (lr_tls_need_server) */
static bool tls_want_client;   /* client mode asked (lr_tls_need_client) */
static bool tls_global_server; /* tls_global holds the certificates */
static bool tls_global_ca;     /* tls_global holds the CA file */
static char tls_ca_file[LR_PATH_MAX];
/* TLS connections per worker that the users asked for (saturating sum of
 * their lr_tls_need_* @sessions): the session pool's size when [tls]
 * max_sessions is 0, at most [tcp] max_conns. */
static uint32_t tls_sessions_wanted;
static uint64_t tls_rotate_us;   /* [tls] ticket_rotate, 0 = never */
static uint64_t tls_next_rotate; /* main lcore: when the next rotation is due */

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

/* Build the engine's global state from [tls]: with the certificates when a
 * server asked (a self-signed pair when [tls] names none), with the CA file
 * when client mode verifies. Replaces the state made before (main lcore,
 * before any worker context exists: nothing refers to it yet). */
static int tls_global_make(const char *who)
{
    char err[512];

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
    p.ca_file = or_null(tls_ca_file);
    if (!tls_want_server) {
        p.cert = p.key = NULL; /* client only */
    } else if (p.cert == NULL) {
        int rc = lr_tls_selfsigned_create(&tls_selfsigned, NULL, err, sizeof(err));
        if (rc < 0) {
            LR_LOG(ERR, tls, "%s: %s", who, err);
            return rc;
        }
        p.cert = tls_selfsigned.cert;
        p.key = tls_selfsigned.key;
        if (!tls_selfsigned_logged)
            LR_LOG(WARNING, tls,
                   "no [tls] cert configured: serving a self-signed certificate generated at "
                   "start (ECDSA P-256, CN=" LR_TLS_SELFSIGNED_CN ") for %s",
                   who);
        tls_selfsigned_logged = true;
    }
    if (tls_global != NULL)
        tls_eng->global_free(tls_global);
    tls_global = NULL;
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
    tls_global_server = tls_want_server;
    tls_global_ca = p.ca_file != NULL;
    return 0;
}

static void tls_want_sessions(uint32_t n)
{
    tls_sessions_wanted =
        n > UINT32_MAX - tls_sessions_wanted ? UINT32_MAX : tls_sessions_wanted + n;
}

int lr_tls_need_server(const char *who, uint32_t sessions)
{
    tls_want_sessions(sessions);
    tls_want_server = true;
    if (tls_global != NULL && tls_global_server)
        return 0;
    return tls_global_make(who);
}

int lr_tls_need_client(const char *who, const char *ca_file, uint32_t sessions)
{
    tls_want_sessions(sessions);
    if (ca_file != NULL && ca_file[0] != '\0') {
        if (tls_ca_file[0] != '\0' && strcmp(tls_ca_file, ca_file) != 0) {
            LR_LOG(ERR, tls, "%s: a second CA file (%s, %s before)", who, ca_file, tls_ca_file);
            return -EINVAL;
        }
        if (strlen(ca_file) >= sizeof(tls_ca_file)) {
            LR_LOG(ERR, tls, "%s: CA file name too long", who);
            return -ENAMETOOLONG;
        }
        snprintf(tls_ca_file, sizeof(tls_ca_file), "%s", ca_file);
    }
    tls_want_client = true;
    if (tls_global != NULL && (tls_global_ca || tls_ca_file[0] == '\0'))
        return 0;
    return tls_global_make(who);
}

static int tls_module_global_init(const struct lr_config *cfg)
{
    tls_cfg = cfg;
    const struct lr_tls_config *tc = lr_config_section(cfg, &lr_tls_config_section);
    tls_rotate_us = tc != NULL ? tc->ticket_rotate : 0;
    tls_next_rotate = 0;
    return 0;
}

/* Main lcore: rotate the ticket keys every [tls] ticket_rotate (RFC 8446
 * §4.6.1 leaves the key lifetime to the server; RFC 5077 §5.5 advises
 * rotating). The workers copy the new keys in their poll
 * (engine->ctx_refresh); tickets under the previous key stay valid one more
 * period. */
static void tls_module_tick(uint64_t now)
{
    if (tls_global == NULL || !tls_global_server || tls_rotate_us == 0)
        return;
    if (tls_next_rotate == 0) {
        tls_next_rotate = now + tls_rotate_us;
        return;
    }
    if (now < tls_next_rotate)
        return;
    tls_next_rotate = now + tls_rotate_us;
    int rc = tls_eng->tickets_rotate(tls_global);
    if (rc < 0)
        LR_LOG(ERR, tls, "ticket key rotation failed: %s (the current key stays)", strerror(-rc));
    else
        LR_LOG(INFO, tls, "session ticket keys rotated");
}

static void tls_module_global_fini(void)
{
    if (tls_global != NULL)
        tls_eng->global_free(tls_global);
    tls_global = NULL;
    lr_tls_selfsigned_remove(&tls_selfsigned);
    tls_cfg = NULL;
    tls_want_server = tls_want_client = tls_global_server = tls_global_ca = false;
    tls_sessions_wanted = 0;
    tls_selfsigned_logged = false;
    tls_ca_file[0] = '\0';
}

static void tls_module_fini(struct lr_worker *w)
{
    struct lr_tls_worker *tw = lr_tls_worker(w);
    if (tw == NULL)
        return;
    lr_tls_stream_pool_free(tw);
    if (tw->server != NULL)
        tw->eng->ctx_destroy(tw->server);
    if (tw->client != NULL)
        tw->eng->ctx_destroy(tw->client);
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
    tw->hs_budget = tc->handshake_budget ? tc->handshake_budget : UINT32_MAX;
    tw->hs_left = tw->hs_budget;
    w->slot[tls_slot] = tw;

    char err[512];
    int rc = 0;
    if (tls_global_server) {
        rc =
            tw->eng->ctx_create(tls_global, LR_TLS_SERVER, &tw->cnt, &tw->server, err, sizeof(err));
        if (rc < 0) {
            LR_LOG(ERR, tls, "worker %u: server context: %s", w->id, err);
            tw->server = NULL;
            tls_module_fini(w);
            return rc;
        }
    }
    if (tls_want_client) {
        rc =
            tw->eng->ctx_create(tls_global, LR_TLS_CLIENT, &tw->cnt, &tw->client, err, sizeof(err));
        if (rc < 0) {
            LR_LOG(ERR, tls, "worker %u: client context: %s", w->id, err);
            tw->client = NULL;
            tls_module_fini(w);
            return rc;
        }
    }
    /* [tls] max_sessions, else what the users asked for: a slot is
     * sizeof(struct tls_sess) reserved per session whether used or not, so
     * FTPS alone does not reserve one per [tcp] max_conns. */
    uint32_t n =
        tc->max_sessions ? tc->max_sessions : RTE_MIN(tls_sessions_wanted, w->cfg->tcp.max_conns);
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
    if (tw == NULL)
        return;
    if (tw->server != NULL)
        tw->eng->ctx_refresh(tw->server);
    lr_tls_stream_poll(w, tw);
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
    .tick = tls_module_tick,
    .walk = tls_module_walk,
    .gauges = LR_MODULE_GAUGES("handshakes_in_progress", "sessions_active", "sessions_max"),
};
