/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP/1.1 static file server on the TCP API (lr_tcp.h), one instance per
 * worker (its worker slot, lr_worker_slot), serving the shared read-only file cache.
 *
 * Lifecycle (the module's hooks, lr_http_module at the end):
 *   main lcore, once:   hc = lr_http_conf(cfg);
 *                       fc = lr_file_cache_get(hc->root, hc->cache_bytes, nb_workers, ...)
 *   main lcore, per worker, after lr_tcp_init(w):  lr_http_server_init(w, fc)
 *   worker lcore at stop:                          lr_http_server_shutdown(w)
 *   main lcore, per worker, after workers stopped: lr_http_server_free(w)
 *   main lcore, after every worker was freed:      lr_file_cache_put(fc)
 *   main lcore, any time:                          lr_http_counters_get / _add / _foreach
 *
 * Behaviour: GET and HEAD of cached files (200, zero-copy body), Range (206,
 * 416, single range; several ranges → 200), conditional requests (304 from
 * If-None-Match, else If-Modified-Since), directories (301 to add the
 * trailing slash, then the [http] index file, else 404), 404, 405 with
 * "Allow: GET, HEAD" for known methods, 501 for unknown methods and
 * transfer codings, 400/413/414/431/505 from the parser, 408 after
 * [http] header_timeout without a complete request head. Keep-alive (1.1 by
 * default, 1.0 with "Connection: keep-alive"), [http] keepalive_timeout and
 * max_requests_per_conn, pipelining in order, request bodies read and
 * discarded. Errors that leave the byte stream in doubt (400, 408, 413, 414,
 * 431, 501, 505) close the connection after the response ("Connection:
 * close", then half-close and drain until the peer closes).
 */
#ifndef LR_HTTP_SERVER_H
#define LR_HTTP_SERVER_H

#include <stdint.h>

#include "lr_http_config.h"
#include "lr_file_cache.h"
#include "lr_module.h"
#include "lr_worker.h"
#include "lr_log.h"

LR_LOG_DECLARE(http); /* linerate.http */

/* Status codes the server sends, each counted. X(code, "name") */
#define LR_HTTP_STATUSES(X)                                                                        \
    X(200, "ok")                                                                                   \
    X(206, "partial_content")                                                                      \
    X(301, "moved_permanently")                                                                    \
    X(304, "not_modified")                                                                         \
    X(400, "bad_request")                                                                          \
    X(404, "not_found")                                                                            \
    X(405, "method_not_allowed")                                                                   \
    X(408, "request_timeout")                                                                      \
    X(413, "content_too_large")                                                                    \
    X(414, "uri_too_long")                                                                         \
    X(416, "range_not_satisfiable")                                                                \
    X(431, "header_fields_too_large")                                                              \
    X(501, "not_implemented")                                                                      \
    X(505, "version_not_supported")

enum lr_http_status_idx {
#define LR_X_ST(code, name) LR_HTTP_ST_##code,
    LR_HTTP_STATUSES(LR_X_ST)
#undef LR_X_ST
        LR_HTTP_ST_MAX,
};

/* Per-worker counters, written only by their worker. */
struct lr_http_counters {
    uint64_t conns_accepted;
    uint64_t conns_active;  /* gauge */
    uint64_t conns_refused; /* connection pool full */
    uint64_t requests;      /* request heads parsed (valid or not) */
    uint64_t pipelined;     /* requests found already buffered behind another */
    uint64_t responses[6];  /* by class: [2] = 2xx ... [5] = 5xx */
    uint64_t status[LR_HTTP_ST_MAX];
    uint64_t tx_header_bytes;    /* response heads */
    uint64_t tx_body_bytes;      /* response bodies queued */
    uint64_t rx_bytes;           /* request bytes received */
    uint64_t body_discarded;     /* request body bytes read and dropped */
    uint64_t body_bad_framing;   /* chunked request bodies with bad framing (400, close) */
    uint64_t header_timeouts;    /* 408 sent */
    uint64_t keepalive_timeouts; /* idle keep-alive connections closed */
    uint64_t send_timeouts;      /* connections aborted: peer not reading */
    uint64_t no_mbuf;            /* response delayed: mbuf pool empty */
};

/**
 * Create the HTTP server of worker @w (its worker slot) and listen on every
 * [http] listen port. Call on the main lcore after lr_tcp_init(w). Does
 * nothing (returns 0) when [http] enabled = no.
 * @return 0, -ENOMEM, or the error of lr_tcp_listen().
 */
int lr_http_server_init(struct lr_worker *w, const struct lr_file_cache *fc);

/** Stop listening and close every HTTP connection (worker lcore, at stop). */
void lr_http_server_shutdown(struct lr_worker *w);

/**
 * Free the server of @w (main lcore, after the worker stopped and after
 * lr_tcp_free or lr_tcp_shutdown: connections still open are released).
 */
void lr_http_server_free(struct lr_worker *w);

/** Copy the counters of worker @w (zeros when it has no HTTP server). */
void lr_http_counters_get(const struct lr_worker *w, struct lr_http_counters *out);

/** dst += src, field by field (gauges too). */
void lr_http_counters_add(struct lr_http_counters *dst, const struct lr_http_counters *src);

/**
 * Emit (name, value) for every counter of @c in a fixed order (telemetry,
 * stats line). Returns the number of counters.
 */
unsigned lr_http_counters_foreach(const struct lr_http_counters *c,
                                  void (*fn)(void *arg, const char *name, uint64_t value),
                                  void *arg);

/*
 * The "http" module (lr_module.h): its global init takes the file cache of
 * [http] root (lr_file_cache_get: start-time, read-only afterwards, shared
 * by every worker and by FTP/TFTP when their root is the same), the global
 * fini drops it; per worker lr_http_server_init / _shutdown / _free.
 */
extern const struct lr_module lr_http_module;

#endif /* LR_HTTP_SERVER_H */
