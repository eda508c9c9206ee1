/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP (RFC 9293) — the public API seen by the poll loop and by applications.
 *
 * Model: everything is per worker. Each worker has its own connection table,
 * listeners and timers (w->tcp). An application listens on every worker it
 * runs on (call lr_tcp_listen() once per worker) and gets event callbacks on
 * the worker that owns the connection. Callbacks run inside
 * lr_tcp_input_burst() or the timer wheel; from a callback the application may
 * call any function of this API on the same connection (send, close, ...).
 *
 * Lifetime of a connection seen by the application:
 *   passive: accept() once the 3-way handshake completes (ESTABLISHED);
 *   active:  connected() when the SYN-ACK is acknowledged;
 *   then data()* / writable()*, peer_closed() when the peer's FIN is in
 *   order (no more data() after it), and exactly one closed(reason) when the
 *   application's handle becomes invalid. After closed() (or after the
 *   application called lr_tcp_abort()) the pointer must not be used again.
 *   A connection that never reached accept() is never reported.
 *
 * Receive flow control: by default bytes handed to data() are considered
 * read when the callback returns. With lr_tcp_conn_rcv_manual() the bytes
 * stay charged against the receive buffer ([tcp] rcvbuf) until the
 * application calls lr_tcp_rcv_consumed(): the advertised window shrinks to
 * zero while it holds data, and opens again (with a window update, receiver
 * SWS avoidance RFC 9293 §3.8.6.2.2) as it consumes.
 *
 * Byte order: IPv4 addresses are rte_be32_t (network order, as on the wire);
 * port numbers in this API are host order unless the type is rte_be16_t.
 *
 * ISN / SYN-cookie secret: all workers must use one secret so that a cookie
 * made by one worker validates on another. Call lr_tcp_global_init() once on
 * the main lcore before any lr_tcp_init(); lr_tcp_init() copies it into the
 * worker context (read-only afterwards).
 */
#ifndef LR_TCP_H
#define LR_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_mbuf.h>

#include "lr_worker.h"
#include "lr_module.h"

struct lr_tcp_conn;

/* RFC 9293 §3.3.2 connection states. */
#define LR_TCP_STATES(X)                                                                           \
    X(CLOSED, "CLOSED")                                                                            \
    X(LISTEN, "LISTEN")                                                                            \
    X(SYN_SENT, "SYN_SENT")                                                                        \
    X(SYN_RCVD, "SYN_RCVD")                                                                        \
    X(ESTABLISHED, "ESTABLISHED")                                                                  \
    X(FIN_WAIT_1, "FIN_WAIT_1")                                                                    \
    X(FIN_WAIT_2, "FIN_WAIT_2")                                                                    \
    X(CLOSE_WAIT, "CLOSE_WAIT")                                                                    \
    X(CLOSING, "CLOSING")                                                                          \
    X(LAST_ACK, "LAST_ACK")                                                                        \
    X(TIME_WAIT, "TIME_WAIT")

enum lr_tcp_state {
#define LR_X_STATE(e, n) LR_TCP_##e,
    LR_TCP_STATES(LR_X_STATE)
#undef LR_X_STATE
        LR_TCP_STATE_MAX,
};

/** Name of a state ("ESTABLISHED", ...). */
const char *lr_tcp_state_name(enum lr_tcp_state s);

/* Why a connection ended (argument of the closed() callback). */
enum lr_tcp_close_reason {
    LR_TCP_CLOSE_NORMAL = 0, /* both FINs exchanged and acknowledged */
    LR_TCP_CLOSE_RESET,      /* peer sent an acceptable RST */
    LR_TCP_CLOSE_TIMEOUT,    /* retransmissions / keepalive probes exhausted */
    LR_TCP_CLOSE_REFUSED,    /* active open answered by RST, or SYN retries exhausted */
    LR_TCP_CLOSE_ABORTED,    /* we sent RST (lr_tcp_close with unread data, app error) */
    LR_TCP_CLOSE_SHUTDOWN,   /* lr_tcp_shutdown() / lr_tcp_unlisten tore it down */
};

/** Name of a close reason ("normal", "reset", ...). */
const char *lr_tcp_close_reason_name(enum lr_tcp_close_reason r);

/*
 * Per-connection callbacks. Every member may be NULL. The structure must
 * stay valid (static const) as long as a connection uses it.
 */
struct lr_tcp_conn_ops {
    /** Active open completed (SYN-SENT -> ESTABLISHED). */
    void (*connected)(struct lr_worker *w, struct lr_tcp_conn *c);
    /**
     * In-order payload. @m is an mbuf chain whose data offset is at the
     * payload; the application owns it (frees it or keeps it). Never called
     * with an empty chain, never twice for the same byte.
     */
    void (*data)(struct lr_worker *w, struct lr_tcp_conn *c, struct rte_mbuf *m);
    /** Send space was freed after lr_tcp_send*() accepted less than asked. */
    void (*writable)(struct lr_worker *w, struct lr_tcp_conn *c);
    /**
     * The peer's FIN arrived in order: no more data() will follow. When the
     * FIN rides on a segment with text, the whole segment is processed
     * first (RFC 9293 §3.10.7.4): its data() already sees CLOSE_WAIT, so
     * lr_tcp_close() from there is a passive close (LAST_ACK, no TIME_WAIT
     * here), and peer_closed() follows unless the application closed.
     */
    void (*peer_closed)(struct lr_worker *w, struct lr_tcp_conn *c);
    /**
     * Our FIN was acknowledged (FIN_WAIT_1 -> FIN_WAIT_2): every byte sent
     * has arrived, although the peer has not closed its side yet. A server
     * that closes after a transfer (FTP data, RFC 959 §3.2) knows here that
     * the transfer is complete. closed() still follows later.
     */
    void (*fin_acked)(struct lr_worker *w, struct lr_tcp_conn *c);
    /** Final event: the handle is invalid once this returns. */
    void (*closed)(struct lr_worker *w, struct lr_tcp_conn *c, enum lr_tcp_close_reason reason);
};

struct lr_tcp_listen_ops {
    /**
     * A passive connection completed its handshake. @listen_ctx is the ctx
     * given to lr_tcp_listen(); the connection's own ctx starts as the same
     * pointer (change it with lr_tcp_conn_ctx_set()). Return 0 to accept,
     * < 0 to refuse (the peer gets a RST, no other callback follows).
     */
    int (*accept)(struct lr_worker *w, struct lr_tcp_conn *c, void *listen_ctx);
    /** Callbacks of every accepted connection. */
    struct lr_tcp_conn_ops conn;
};

struct lr_tcp_listen_opts {
    bool nodelay;     /* disable Nagle (RFC 9293 §3.7.4) on accepted connections */
    bool rcv_manual;  /* accepted connections use lr_tcp_rcv_consumed() */
    uint32_t backlog; /* SYN queue length; 0 = [tcp] backlog */
};

/*
 * Counters of one worker (w->tcp), written only by that worker. The main
 * lcore reads them with lr_tcp_counters_get() and sums with
 * lr_tcp_counters_add(). Drops are in lr_stats.drops[] (TCP_* reasons).
 */
struct lr_tcp_counters {
    uint64_t state[LR_TCP_STATE_MAX]; /* connections currently in each state (gauge) */
    uint64_t active;                  /* connections allocated now (gauge) */
    uint64_t opened_passive;          /* reached ESTABLISHED from SYN-RCVD / cookie */
    uint64_t opened_active;           /* reached ESTABLISHED from SYN-SENT */
    uint64_t closed;                  /* connections freed */
    uint64_t refused;                 /* active opens refused / timed out */
    uint64_t accept_refused;          /* accept() returned < 0 */
    uint64_t rx_segs;
    uint64_t tx_segs;
    uint64_t rx_bytes;         /* payload bytes delivered in order */
    uint64_t tx_bytes;         /* payload bytes sent (incl. retransmits) */
    uint64_t retransmits;      /* segments retransmitted (any cause) */
    uint64_t rto_timeouts;     /* retransmission timer expirations */
    uint64_t fast_retransmits; /* RFC 5681 §3.2 */
    uint64_t sack_retransmits; /* retransmits of holes known from SACK */
    uint64_t sack_board_short; /* SACK blocks not kept: every scoreboard was lent */
    uint64_t rto_giveups;      /* connections aborted after [tcp] retries */
    uint64_t syn_retransmits;  /* SYN / SYN-ACK retransmissions */
    uint64_t dup_acks;
    uint64_t challenge_acks;         /* RFC 5961 challenge ACKs sent */
    uint64_t challenge_acks_limited; /* suppressed by challenge_ack_limit */
    uint64_t syncookies_sent;
    uint64_t syncookies_ok;
    uint64_t syncookies_bad;
    uint64_t rst_sent;
    uint64_t rst_rcvd;
    uint64_t delayed_acks;   /* ACKs sent by the delayed-ACK timer */
    uint64_t window_probes;  /* zero-window probes sent */
    uint64_t window_updates; /* window updates sent after the app consumed */
    uint64_t keepalive_probes;
    uint64_t keepalive_drops;     /* connections closed by keepalive */
    uint64_t ooo_segs;            /* segments queued out of order */
    uint64_t paws_drops;          /* also counted as TCP_PAWS drops */
    uint64_t time_wait_recycled;  /* TIME_WAIT reused by a new SYN (RFC 6191) */
    uint64_t time_wait_reclaimed; /* TIME_WAIT ended early: the table was full */
};

/* One line of lr_tcp_conns_list(). */
struct lr_tcp_conn_info {
    rte_be32_t laddr, raddr;
    uint16_t lport, rport; /* host order */
    uint8_t state;         /* enum lr_tcp_state */
    uint8_t worker;
    uint32_t cwnd; /* bytes */
    uint32_t ssthresh;
    uint32_t srtt_us;
    uint32_t rto_us;
    uint32_t snd_wnd;   /* peer's window, bytes */
    uint32_t rcv_wnd;   /* our advertised window, bytes */
    uint32_t unacked;   /* bytes in flight */
    uint32_t queued;    /* bytes in the send queue not yet sent */
    uint64_t bytes_in;  /* payload delivered to the app */
    uint64_t bytes_out; /* payload acknowledged by the peer */
    uint32_t retransmits;
};

/* --- worker lifecycle (poll loop / runtime) ------------------------------- */

/**
 * Create the process-wide ISN / SYN-cookie secret (RFC 6528). Call once on
 * the main lcore before the first lr_tcp_init(). 0 or -errno.
 */
int lr_tcp_global_init(void);

/**
 * Allocate w->tcp on the worker's socket from w->cfg->tcp: connection pool
 * ([tcp] max_conns), connection table, listener table. Registers IPPROTO_TCP
 * with the IPv4 layer.
 * 0 or -errno (w->tcp stays NULL).
 */
int lr_tcp_init(struct lr_worker *w);

/** Free w->tcp (every connection is dropped silently; use lr_tcp_shutdown first). */
void lr_tcp_free(struct lr_worker *w);

/**
 * Graceful stop: close every listener, send RST on every synchronized
 * connection (and report closed(SHUTDOWN)), free SYN-RCVD and TIME_WAIT
 * entries. The caller flushes TX afterwards.
 */
void lr_tcp_shutdown(struct lr_worker *w);

/**
 * TCP input for a burst of IPv4 packets (data offset at the IPv4 header,
 * l3_len set, trimmed to the IP total length). Consumes every mbuf.
 */
void lr_tcp_input_burst(struct lr_worker *w, struct rte_mbuf **pkts, uint16_t n);

/* --- listening ------------------------------------------------------------ */

/**
 * Listen on @port (host order) on every local address of this worker.
 * @ops must stay valid while listening; @opts may be NULL (defaults).
 * 0, -EADDRINUSE when the port already listens, -ENOSPC when the listener
 * table is full, -EINVAL for port 0 / NULL ops.
 */
int lr_tcp_listen(struct lr_worker *w, uint16_t port, const struct lr_tcp_listen_ops *ops,
                  void *ctx, const struct lr_tcp_listen_opts *opts);

/**
 * Stop listening on @port: pending SYN-RCVD entries of the listener are
 * reset; established connections are not affected. 0 or -ENOENT.
 */
int lr_tcp_unlisten(struct lr_worker *w, uint16_t port);

/* --- active open ---------------------------------------------------------- */

/**
 * Open a connection to @dst:@dport (port host order) from @src (0 = the
 * address of the port routing to @dst) and @sport (host order, 0 = pick a
 * free ephemeral port). The SYN leaves at once. Returns the connection
 * (state SYN_SENT) or NULL with rte_errno set: ENETUNREACH (no route),
 * EADDRINUSE (tuple in use / no free port), ENOSPC (table full).
 * Later: ops->connected() or ops->closed(REFUSED).
 */
struct lr_tcp_conn *lr_tcp_connect(struct lr_worker *w, rte_be32_t dst, uint16_t dport,
                                   rte_be32_t src, uint16_t sport,
                                   const struct lr_tcp_conn_ops *ops, void *ctx);

/* --- data ----------------------------------------------------------------- */

/**
 * Copy up to @len bytes into the send buffer ([tcp] sndbuf) and transmit
 * what the windows allow. Returns the bytes accepted (0..len; less than
 * @len when the buffer is full — writable() fires when space frees), or
 * -ENOTCONN when the connection cannot send (not yet established, or
 * after shutdown_write/close), -ENOBUFS when no mbuf could be allocated
 * for a single byte.
 */
int lr_tcp_send(struct lr_worker *w, struct lr_tcp_conn *c, const void *data, uint32_t len);

/**
 * Zero-copy send: queue the mbuf chain @m (data offset at the payload;
 * segments may be indirect or carry external buffers, e.g. pointing into a
 * read-only file cache). On success TCP owns @m: the segments stay
 * referenced until acknowledged and (re)transmissions reference them
 * without copying. Accepted whenever lr_tcp_send_space() > 0, so the queue
 * may exceed sndbuf by at most one chain. Returns the bytes queued
 * (m->pkt_len), or -ENOBUFS (no space; @m NOT consumed, retry on
 * writable()), -ENOTCONN (@m NOT consumed), -EINVAL (empty chain, not consumed).
 */
int lr_tcp_send_mbuf(struct lr_worker *w, struct lr_tcp_conn *c, struct rte_mbuf *m);

/** Bytes lr_tcp_send() would accept now (0 when the connection cannot send). */
uint32_t lr_tcp_send_space(const struct lr_tcp_conn *c);

/**
 * Ask for writable() once send space is free after the next acknowledgment,
 * as a refused send does (a layer above that queues bytes of its own, TLS,
 * waits for space this way). No-op when the connection cannot send.
 */
void lr_tcp_want_writable(struct lr_tcp_conn *c);

/** Bytes queued and not yet acknowledged by the peer. */
uint32_t lr_tcp_send_queued(const struct lr_tcp_conn *c);

/**
 * Switch the connection to application-driven receive flow control: bytes
 * passed to data() count against the receive buffer until
 * lr_tcp_rcv_consumed(). Call from accept()/connected() or before any data.
 */
void lr_tcp_conn_rcv_manual(struct lr_tcp_conn *c, bool manual);

/**
 * The application finished with @bytes of received data (manual mode):
 * the window reopens; a window update is sent when it grew by at least
 * min(rcvbuf/2, MSS) (RFC 9293 §3.8.6.2.2). Clamped to what is held.
 */
void lr_tcp_rcv_consumed(struct lr_worker *w, struct lr_tcp_conn *c, uint32_t bytes);

/** Received bytes delivered to data() and not yet consumed (manual mode). */
uint32_t lr_tcp_rcv_held(const struct lr_tcp_conn *c);

/** Disable (true) or enable Nagle's algorithm on @c (RFC 9293 §3.7.4). */
void lr_tcp_conn_nodelay(struct lr_tcp_conn *c, bool nodelay);

/* --- closing -------------------------------------------------------------- */

/**
 * Half-close: send FIN after the queued data (ESTABLISHED -> FIN_WAIT_1,
 * CLOSE_WAIT -> LAST_ACK). Receiving continues. 0 or -ENOTCONN.
 */
int lr_tcp_shutdown_write(struct lr_worker *w, struct lr_tcp_conn *c);

/**
 * Full close (RFC 9293 §3.10.4): like shutdown_write, and the application
 * reads no more. When received data is still unread (held in manual mode)
 * a RST is sent instead and closed(ABORTED) follows. Data that arrives after
 * a full close is answered with RST (RFC 9293 §3.10.7.4 / RFC 2525 §2.17).
 * The handle stays valid until closed() is called. Calling it again is a no-op.
 */
void lr_tcp_close(struct lr_worker *w, struct lr_tcp_conn *c);

/**
 * lr_tcp_close(), except that up to @bytes of in-order data arriving after
 * it are acknowledged and dropped (counted tcp_discarded_after_close)
 * instead of answered by RST: room for the peer's answer to the closing
 * handshake of the protocol above, TLS's close_notify (RFC 8446 §6.1),
 * which a peer may send before it has our FIN. Beyond @bytes, or out of
 * order, data resets the connection as after lr_tcp_close().
 */
void lr_tcp_close_discard(struct lr_worker *w, struct lr_tcp_conn *c, uint32_t bytes);

/**
 * Abort: send RST (when synchronized) and free the connection at once.
 * closed() is NOT called; the handle is invalid on return.
 */
void lr_tcp_abort(struct lr_worker *w, struct lr_tcp_conn *c);

/* --- accessors ------------------------------------------------------------ */

void lr_tcp_conn_ctx_set(struct lr_tcp_conn *c, void *ctx);
void *lr_tcp_conn_ctx_get(const struct lr_tcp_conn *c);
/** Replace the callbacks of @c (e.g. a protocol switching handlers). */
void lr_tcp_conn_ops_set(struct lr_tcp_conn *c, const struct lr_tcp_conn_ops *ops);
/** The callbacks of @c (the listener's conn ops, lr_tcp_connect()'s or lr_tcp_conn_ops_set()'s). */
const struct lr_tcp_conn_ops *lr_tcp_conn_ops_get(const struct lr_tcp_conn *c);
enum lr_tcp_state lr_tcp_conn_state(const struct lr_tcp_conn *c);
/** Tuple, addresses network order, ports host order. Any pointer may be NULL. */
void lr_tcp_conn_tuple(const struct lr_tcp_conn *c, rte_be32_t *laddr, uint16_t *lport,
                       rte_be32_t *raddr, uint16_t *rport);
/** Fill @info for one connection. */
void lr_tcp_conn_info_get(const struct lr_tcp_conn *c, struct lr_tcp_conn_info *info);
/**
 * Call @fn for every connection of worker @w that is not yet freed (the
 * entries lr_tcp_conns_list() lists, handshakes in progress and TIME_WAIT
 * included), in pool order; on the worker itself. Meant for an application
 * that keeps resources in connection contexts and must release them before
 * lr_tcp_free(), which drops connections without closed(). @fn must not
 * open, close or abort connections. Returns the number of connections visited.
 */
unsigned lr_tcp_conns_foreach(struct lr_worker *w,
                              void (*fn)(struct lr_worker *w, struct lr_tcp_conn *c, void *arg),
                              void *arg);

/* --- telemetry (main lcore) ----------------------------------------------- */

/** Copy the counters of worker @w (a consistent-enough snapshot). */
void lr_tcp_counters_get(const struct lr_worker *w, struct lr_tcp_counters *out);
/** dst += src, field by field. */
void lr_tcp_counters_add(struct lr_tcp_counters *dst, const struct lr_tcp_counters *src);
/**
 * Emit (name, value) for each counter of @c, in a fixed order; used by
 * telemetry and stats printing. Returns the number of counters.
 */
unsigned lr_tcp_counters_foreach(const struct lr_tcp_counters *c,
                                 void (*fn)(void *arg, const char *name, uint64_t value),
                                 void *arg);
/**
 * List up to @max connections of worker @w into @out, skipping the first
 * @skip. Returns the number written. Reads the worker's table without
 * locking: call it on the worker itself, or accept a racy snapshot (fields
 * may be torn, never a crash: only the preallocated pool is read).
 */
unsigned lr_tcp_conns_list(const struct lr_worker *w, struct lr_tcp_conn_info *out, unsigned max,
                           unsigned skip);

/**
 * Register /linerate/conns (connection list, at most 128, parameter =
 * entries to skip); /linerate/tcp comes from the module's walk. The tcp
 * module's telemetry hook (main lcore). 0 or -errno (-ENOENT when
 * telemetry is off).
 */
int lr_tcp_telemetry_register(void);

/** The "tcp" module (lr_module.h): ISN secret, per-worker TCP, counters,
 *  /linerate/conns. */
extern const struct lr_module lr_tcp_module;

#endif /* LR_TCP_H */
