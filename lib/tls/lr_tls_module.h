/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The "tls" runtime module: the [tls] section, the process-wide TLS state
 * (certificates parsed once, ticket keys) and each worker's TLS state
 * (its own engine context, counters, the pool of TLS stream sessions).
 *
 * A server above asks for TLS from its global_init (lr_tls_need_server):
 * the global state is made then, once, from [tls] — with a self-signed
 * certificate generated at start when [tls] names none (logged). The
 * module's per-worker init (which runs after every global_init) then gives
 * every worker its server context and session pool. Client mode asks the
 * same way for client contexts (lr_tls_need_client).
 */
#ifndef LR_TLS_MODULE_H
#define LR_TLS_MODULE_H

#include <stdint.h>

#include "lr_module.h"
#include "lr_tls.h"
#include "lr_worker.h"

struct lr_tls_stream_pool;

/* Drops and refusals of the stream layer (lr_tls_stream.c), per worker. */
struct lr_tls_stream_counters {
    uint64_t hs_refused_cap;      /* TCP accept refused: max_handshakes in progress */
    uint64_t hs_refused_sessions; /* TCP accept refused: session pool empty */
    uint64_t hs_timeouts;         /* handshake_timeout fired (also failed_timeout) */
    uint64_t app_refused;         /* the application's accept() refused */
    uint64_t truncated;           /* peer closed TCP without close_notify */
    uint64_t sessions_active;     /* gauge: sessions in use */
    uint64_t sessions_max;        /* gauge: the session pool's size */
    uint64_t plain_paused;        /* reads paused: the application holds too much */
    uint64_t tx_retry;            /* encryption deferred: no mbuf / no send space */
    uint64_t hs_deferred;         /* handshake steps put off: [tls] handshake_budget spent */
    uint64_t client_no_session;   /* lr_tls_connect refused: session pool empty */
    uint64_t starttls;            /* plain connections made TLS (lr_tls_server_start) */
    uint64_t starttls_refused;    /* lr_tls_server_start refused (cap, pool, memory) */
};

struct lr_tls_worker {
    const struct lr_tls_engine *eng;
    struct lr_tls_ctx *server; /* NULL when no server asked for TLS */
    struct lr_tls_ctx *client; /* NULL when client mode does not use TLS */
    struct lr_tls_counters cnt;
    struct lr_tls_stream_counters scnt;
    uint64_t hs_timeout_us;  /* [tls] handshake_timeout */
    uint32_t max_handshakes; /* [tls] max_handshakes (in progress per worker) */
    uint32_t hs_budget;      /* [tls] handshake_budget, UINT32_MAX = no limit */
    uint32_t hs_left;        /* handshake steps left in this poll loop */
    struct lr_tls_stream_pool *pool;
};

/** The TLS state of worker @w, NULL when the module did not set one up. */
struct lr_tls_worker *lr_tls_worker(const struct lr_worker *w);

/**
 * Main lcore, from a module's global_init: this process serves TLS (@who
 * names the key that asks, "[http] tls_listen", for the log). Makes the
 * global state on the first call. @sessions is the most TLS connections
 * per worker this user can hold at once (LR_TLS_SESSIONS_ALL: up to
 * [tcp] max_conns); the session pool is the sum of what the users ask for,
 * at most max_conns, unless [tls] max_sessions sets it. 0 or -errno
 * (logged with the reason).
 */
int lr_tls_need_server(const char *who, uint32_t sessions);

/** @sessions of lr_tls_need_server/client: as many as TCP can hold. */
#define LR_TLS_SESSIONS_ALL UINT32_MAX

/**
 * Main lcore, from a module's global_init: this process opens TLS client
 * connections (lr_tls_connect); @ca_file (NULL or "" = no verification,
 * the load generator's default) is the CA bundle that server certificates
 * and the SNI name are verified against. Every worker gets a client
 * context. @sessions as for lr_tls_need_server. 0 or -errno (logged).
 */
int lr_tls_need_client(const char *who, const char *ca_file, uint32_t sessions);

/* The session pool of the stream layer (lr_tls_stream.c), made and freed by
 * the module's per-worker init/fini on w->socket: @n sessions. 0 or -errno. */
int lr_tls_stream_pool_create(struct lr_tls_worker *tw, uint32_t n, int socket);
void lr_tls_stream_pool_free(struct lr_tls_worker *tw);
/** Worker poll: a fresh handshake budget, spent first on the handshakes
 *  that were put off (oldest first). */
void lr_tls_stream_poll(struct lr_worker *w, struct lr_tls_worker *tw);
/** Emit the stream counters (walk order fixed). */
void lr_tls_stream_counters_foreach(const struct lr_tls_stream_counters *c, lr_module_counter_fn fn,
                                    void *arg);

extern const struct lr_module lr_tls_module;

#endif /* LR_TLS_MODULE_H */
