/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * w->app: the per-worker application contexts (HTTP server, FTP server,
 * TFTP, load-generator client). Each application module keeps its own
 * pointer here; the structure is allocated on the worker's socket by the
 * first module that needs it (lr_app_ctx_get, main lcore, init time) and
 * freed by the last one to leave (lr_app_ctx_put).
 */
#ifndef LR_APP_H
#define LR_APP_H

#include <stddef.h>

#include <rte_malloc.h>

#include "lr_worker.h"

struct lr_http_server;
struct lr_ftp_server;
struct lr_tftp_server;
struct lr_client;
struct lr_metrics;

struct lr_app_ctx {
    struct lr_http_server *http;
    struct lr_ftp_server *ftp;
    struct lr_tftp_server *tftp;
    struct lr_client *client;
    struct lr_metrics *metrics;
};

/** w->app, allocated (zeroed, on w->socket) if absent. NULL when out of memory. */
static inline struct lr_app_ctx *lr_app_ctx_get(struct lr_worker *w)
{
    if (w->app == NULL)
        w->app = rte_zmalloc_socket("lr_app_ctx", sizeof(struct lr_app_ctx), 0, (int)w->socket);
    return w->app;
}

/** Free w->app once no application uses it any more. */
static inline void lr_app_ctx_put(struct lr_worker *w)
{
    struct lr_app_ctx *a = w->app;
    if (a != NULL && a->http == NULL && a->ftp == NULL && a->tftp == NULL && a->client == NULL &&
        a->metrics == NULL) {
        rte_free(a);
        w->app = NULL;
    }
}

#endif /* LR_APP_H */
