/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The byte stream an application sees: plain TCP or TLS over TCP, behind one
 * ops table, so a server switches tables instead of being rewritten.
 *
 * The handle is the TCP connection in both cases (struct lr_tcp_conn *), and
 * the callbacks are the TCP ones (struct lr_tcp_listen_ops): an application
 * written against lr_tcp.h keeps its callbacks and replaces its lr_tcp_X()
 * calls by lr_stream_X(), which dispatch on the connection:
 *
 *   plain     lr_tcp.h itself, unchanged semantics;
 *   TLS       lr_tls_stream.c: the connection's TCP callbacks are the TLS
 *             layer's; it runs the handshake, calls the application's
 *             accept() once the handshake completes, hands it decrypted bytes
 *             as fresh mbufs through data(), and encrypts what it sends.
 *
 * The application's context pointer must be set and read with
 * lr_stream_ctx_set/get (the TCP context of a TLS connection is the TLS
 * layer's).
 */
#ifndef LR_STREAM_H
#define LR_STREAM_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "lr_tcp.h"
#include "lr_tls.h"

struct lr_stream_ops {
    const char *name; /* "tcp", "tls" */
    int (*send)(struct lr_worker *w, struct lr_tcp_conn *c, const void *data, uint32_t len);
    int (*send_mbuf)(struct lr_worker *w, struct lr_tcp_conn *c, struct rte_mbuf *m);
    uint32_t (*send_space)(const struct lr_tcp_conn *c);
    /** writable() is wanted once send space frees (after a refused send). */
    void (*want_writable)(struct lr_worker *w, struct lr_tcp_conn *c);
    void (*rcv_manual)(struct lr_tcp_conn *c, bool manual);
    void (*rcv_consumed)(struct lr_worker *w, struct lr_tcp_conn *c, uint32_t bytes);
    int (*shutdown_write)(struct lr_worker *w, struct lr_tcp_conn *c);
    void (*close)(struct lr_worker *w, struct lr_tcp_conn *c);
    void (*abort)(struct lr_worker *w, struct lr_tcp_conn *c);
    void (*ctx_set)(struct lr_tcp_conn *c, void *ctx);
    void *(*ctx_get)(const struct lr_tcp_conn *c);
};

extern const struct lr_stream_ops lr_stream_tcp_ops;
extern const struct lr_stream_ops lr_stream_tls_ops;

/** True when @c's TCP callbacks are the TLS layer's. */
bool lr_stream_is_tls(const struct lr_tcp_conn *c);

static inline const struct lr_stream_ops *lr_stream_of(const struct lr_tcp_conn *c)
{
    return lr_stream_is_tls(c) ? &lr_stream_tls_ops : &lr_stream_tcp_ops;
}

static inline int lr_stream_send(struct lr_worker *w, struct lr_tcp_conn *c, const void *d,
                                 uint32_t len)
{
    return lr_stream_of(c)->send(w, c, d, len);
}
static inline int lr_stream_send_mbuf(struct lr_worker *w, struct lr_tcp_conn *c,
                                      struct rte_mbuf *m)
{
    return lr_stream_of(c)->send_mbuf(w, c, m);
}
static inline uint32_t lr_stream_send_space(const struct lr_tcp_conn *c)
{
    return lr_stream_of(c)->send_space(c);
}
static inline void lr_stream_want_writable(struct lr_worker *w, struct lr_tcp_conn *c)
{
    lr_stream_of(c)->want_writable(w, c);
}
static inline void lr_stream_rcv_manual(struct lr_tcp_conn *c, bool manual)
{
    lr_stream_of(c)->rcv_manual(c, manual);
}
static inline void lr_stream_rcv_consumed(struct lr_worker *w, struct lr_tcp_conn *c, uint32_t n)
{
    lr_stream_of(c)->rcv_consumed(w, c, n);
}
static inline int lr_stream_shutdown_write(struct lr_worker *w, struct lr_tcp_conn *c)
{
    return lr_stream_of(c)->shutdown_write(w, c);
}
static inline void lr_stream_close(struct lr_worker *w, struct lr_tcp_conn *c)
{
    lr_stream_of(c)->close(w, c);
}
static inline void lr_stream_abort(struct lr_worker *w, struct lr_tcp_conn *c)
{
    lr_stream_of(c)->abort(w, c);
}
static inline void lr_stream_ctx_set(struct lr_tcp_conn *c, void *ctx)
{
    lr_stream_of(c)->ctx_set(c, ctx);
}
static inline void *lr_stream_ctx_get(const struct lr_tcp_conn *c)
{
    return lr_stream_of(c)->ctx_get(c);
}

/* --- the TLS server side (lr_tls_stream.c, state from the tls module) ---- */

/**
 * Listen on @port with TLS on every local address of worker @w: like
 * lr_tcp_listen(), with @ops the application's callbacks (its accept() runs
 * once the TLS handshake completed). -ENOTSUP when the worker has no TLS
 * server context ([tls] has no certificate), else as lr_tcp_listen().
 */
int lr_tls_listen(struct lr_worker *w, uint16_t port, const struct lr_tcp_listen_ops *ops,
                  void *ctx, const struct lr_tcp_listen_opts *opts);

/** Stop listening on a TLS port (lr_tcp_unlisten + the listener record). */
int lr_tls_unlisten(struct lr_worker *w, uint16_t port);

/**
 * Make the existing TCP connection @c (plain until now, the application's)
 * a TLS server stream from its next received byte on: explicit TLS, FTP's
 * AUTH TLS (RFC 4217 §4) on the control connection and a PROT P data
 * connection (RFC 4217 §9). Bytes @c received before are not looked at:
 * the caller throws away any plaintext it still holds (CVE-2011-0411).
 * From now on @c's callbacks are @ops and its context is the one it had
 * (read it with lr_stream_ctx_get); @ops->connected() runs once the
 * handshake completed; a failed handshake ends in @ops->closed() (ask
 * lr_stream_tls_info() there why). Under [tls] max_handshakes like
 * lr_tls_listen's connections. 0, or -ENOTSUP (no TLS server context),
 * -EBUSY (max_handshakes in progress), -ENOSPC (no session free), -ENOMEM;
 * on error @c is left as it was (still plain).
 */
int lr_tls_server_start(struct lr_worker *w, struct lr_tcp_conn *c,
                        const struct lr_tcp_conn_ops *ops);

/* Options of a TLS client connection (lr_tls_connect). */
struct lr_tls_connect_opts {
    const char
        *sni; /* server name sent (RFC 6066 §3), NULL = none; verified with [client] ca_file */
    const uint8_t
        *session; /* a session saved by lr_tls_session_save to resume, NULL = full handshake */
    uint32_t session_len;
    /* a session kept by lr_tls_session_keep (preferred over @session) */
    const struct lr_tls_session *kept;
};

/**
 * Open a TLS client connection: lr_tcp_connect(), then the handshake once
 * TCP is established (ALPN from [tls] alpn). @ops->connected() runs when
 * the handshake completed; a refused TCP open or a failed handshake ends
 * in @ops->closed() (lr_stream_tls_info() says whether TLS failed and
 * why). The handle is the TCP connection; use lr_stream_* on it. NULL with
 * rte_errno: ENOTSUP (no TLS client context: lr_tls_need_client was not
 * called), ENOSPC (no session free), or lr_tcp_connect's errors.
 */
struct lr_tcp_conn *lr_tls_connect(struct lr_worker *w, rte_be32_t dst, uint16_t dport,
                                   rte_be32_t src, uint16_t sport,
                                   const struct lr_tcp_conn_ops *ops, void *ctx,
                                   const struct lr_tls_connect_opts *opts);

/**
 * What the TLS stream @c negotiated or why it failed (struct lr_tls_conn_info,
 * lr_tls.h); valid in every callback, closed() included. false when @c is
 * not a TLS stream.
 */
bool lr_stream_tls_info(const struct lr_tcp_conn *c, struct lr_tls_conn_info *out);

/**
 * Client: serialise @c's session for a later resumption
 * (lr_tls_connect_opts.session). Bytes written, 0 when the server gave no
 * resumable session (yet: TLS 1.3 tickets come after the handshake, so
 * save from closed()), -ENOSPC when @cap is short, -EINVAL when @c is not a
 * TLS client stream.
 */
int lr_tls_session_save(const struct lr_tcp_conn *c, uint8_t *buf, uint32_t cap);

/* A session kept in the engine's own form (opaque), valid on the worker
 * that kept it: resuming from it decodes nothing, where a serialised one
 * (lr_tls_session_save) is decoded again at every connection, the server's
 * certificate included (OpenSSL 3.0: most of a resumed handshake's CPU). */
struct lr_tls_session;

/**
 * Client: a reference to @c's resumable session for
 * lr_tls_connect_opts.kept on this worker; NULL when the server gave none
 * (yet: TLS 1.3 tickets come after the handshake, so keep from closed())
 * or @c is not a TLS client stream. Release it with lr_tls_session_release.
 */
struct lr_tls_session *lr_tls_session_keep(const struct lr_tcp_conn *c);

/** Drop a reference from lr_tls_session_keep on worker @w (NULL: nothing). */
void lr_tls_session_release(struct lr_worker *w, struct lr_tls_session *s);

#endif /* LR_STREAM_H */
