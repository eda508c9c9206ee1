/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP load generator (client mode, [client] section), one instance per
 * worker (its worker slot, lr_worker_slot).
 *
 * Each worker owns an equal share of [client] connections as preallocated
 * slots. A slot opens a TCP connection (lr_tcp_connect picks a source port
 * the worker owns, lr_flow.h), sends GET requests one at a time — paths in
 * turn, Host header, "Connection: keep-alive", or "close" on the last
 * request of a connection (requests_per_conn = 1: every request) — parses
 * each response with lr_http_resp, records its latency (request written to
 * response complete) and reopens when the connection ends. New connections
 * are paced by a token bucket ([client] rate, per worker rate/N) and the
 * allowed concurrency grows linearly over [client] ramp.
 *
 * Closed loop (default): a connection sends its next request as soon as
 * the previous response is complete. Open loop ([client] request_rate > 0,
 * wrk2 -R): each worker sends its share of the rate (lr_rate_share) on a
 * fixed schedule from its first connection (lr_rate.h); a request goes out
 * on an idle connection at its intended time, or as soon as one is free
 * when all are busy, and its latency is measured from the intended time,
 * so a server stall shows in the percentiles of every request it delayed
 * (coordinated omission corrected). `backlog` counts requests due and
 * waiting for a connection, `unsent` those still waiting when the run ends.
 *
 * Warm-up: until one connection of the worker succeeds, only one attempt is
 * in flight at a time (ARP resolves without a SYN storm; the target may
 * still be starting), failures are counted as warmup_failures, not errors,
 * and the run clock has not started. If nothing succeeds within [client]
 * duration the worker gives up (report: 0 connections).
 *
 * Phases: RUNNING for [client] duration from the first success; then
 * DRAINING: nothing new is opened or sent, idle connections are closed and
 * requests in flight may finish within LR_CLIENT_GRACE_US (the rest are
 * aborted and counted as unfinished); then DONE, which the main lcore sees
 * through lr_client_done() (lr_client_report.h) and ends the process.
 *
 * HTTPS ([client] tls = yes): connections are opened with lr_tls_connect
 * (lib/tls, settings from [tls]) and used through lr_stream_*; connected()
 * comes after the TLS handshake, so the request is sent then. Handshake
 * latency runs from the TCP connect (lr_tls_connect) to the handshake's end
 * (connected()): it includes the TCP handshake. A failed handshake ends in
 * closed(); lr_stream_tls_info's reason is counted (tls_failed[]) and an
 * error tls_handshake. [client] resume: that share of new connections
 * (spread evenly, not at random) offers the session saved from the last
 * connection of this worker to the same target; sessions are saved when a
 * connection ends (TLS 1.3 tickets come after the handshake).
 *
 * Lifecycle (runtime module "client", after "tcp" and "tls"):
 *   main lcore, per worker:  lr_client_init(w)     (no-op unless [client])
 *   worker lcore:            lr_client_poll(w)     every loop iteration
 *   worker lcore at stop:    lr_client_shutdown(w) (aborts every connection)
 *   main lcore, per worker:  lr_client_free(w)
 */
#ifndef LR_HTTP_CLIENT_H
#define LR_HTTP_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include "lr_client_config.h"
#include "lr_tls.h"
#include "lr_latency.h"
#include "lr_module.h"
#include "lr_worker.h"
#include "lr_log.h"

LR_LOG_DECLARE(client); /* linerate.client */

#define LR_CLIENT_REQ_TIMEOUT_US (10 * 1000000ULL) /* per request (head + body) */
#define LR_CLIENT_GRACE_US       (2 * 1000000ULL)  /* in-flight requests after duration */
#define LR_CLIENT_LINGER_US      (2 * 1000000ULL)  /* wait for the server's FIN, then close */
#define LR_CLIENT_OPEN_BURST     32                /* connections opened per poll at most */

/* Why a request failed or a connection could not be used: X(ENUM, "name"). */
#define LR_CLIENT_ERRORS(X)                                                                        \
    X(BAD_STATUS, "bad_status_line")                                                               \
    X(BAD_HEADER, "bad_header")                                                                    \
    X(HEAD_TOO_LARGE, "header_too_large")                                                          \
    X(BAD_CHUNK, "bad_chunk")                                                                      \
    X(BODY_SHORT, "body_too_short")                                                                \
    X(BODY_LONG, "body_too_long")                                                                  \
    X(UNEXPECTED_CLOSE, "unexpected_close")                                                        \
    X(TIMEOUT, "timeout")                                                                          \
    X(RESET, "reset")                                                                              \
    X(TCP_TIMEOUT, "tcp_timeout")                                                                  \
    X(REFUSED, "connect_refused")                                                                  \
    X(CONNECT, "connect_failed")                                                                   \
    X(SEND, "send_failed")                                                                         \
    X(CORRUPT, "corrupt_answer") /* mode = tcp/udp: bytes not what lr_l4_proto.h says */           \
    X(TLS, "tls_handshake")      /* by reason in tls_failed[] */

enum lr_client_error {
#define LR_X_CERR(e, n) LR_CLIENT_ERR_##e,
    LR_CLIENT_ERRORS(LR_X_CERR)
#undef LR_X_CERR
        LR_CLIENT_ERR_MAX,
};

enum lr_client_phase {
    LR_CLIENT_PHASE_INIT = 0, /* before the first poll */
    LR_CLIENT_PHASE_RUNNING,
    LR_CLIENT_PHASE_DRAINING,
    LR_CLIENT_PHASE_DONE,
};

/* Per-worker counters, written only by their worker. */
struct lr_client_counters {
    uint64_t conn_attempts;   /* lr_tcp_connect() calls that returned a connection */
    uint64_t conns;           /* connections established */
    uint64_t conns_closed;    /* connections ended (any way) */
    uint64_t active;          /* gauge: slots holding a connection */
    uint64_t requests;        /* requests sent */
    uint64_t responses;       /* complete, valid responses */
    uint64_t status[6];       /* responses by class: [1] = 1xx (unused) .. [5] = 5xx */
    uint64_t rx_bytes;        /* bytes received (heads and bodies with framing) */
    uint64_t tx_bytes;        /* request bytes accepted by TCP */
    uint64_t body_bytes;      /* response body bytes (decoded from chunked) */
    uint64_t interim;         /* 1xx responses skipped */
    uint64_t unfinished;      /* requests still in flight when the grace ended */
    uint64_t warmup_failures; /* failed attempts before the first connection succeeded */
    uint64_t backlog;         /* gauge, open loop: requests due and not yet sent */
    uint64_t unsent;          /* open loop: requests due by the end of the run, never sent */
    uint64_t unanswered;      /* pipelined behind a response that ended the connection
                               * (Connection: close, the server's close, an error): never answered */
    uint64_t thinking;        /* gauge: connections waiting their think_time */
    uint64_t tpl_requests[LR_CLIENT_REQ_TPL]; /* requests sent by template */
    uint64_t errors[LR_CLIENT_ERR_MAX];
    /* tls = yes, the client's own view of its handshakes. */
    uint64_t tls_full;                      /* handshakes completed without resumption */
    uint64_t tls_resumed;                   /* handshakes completed by resuming a session */
    uint64_t tls_resume_wanted;             /* new connections picked to resume ([client] resume) */
    uint64_t tls_resume_offered;            /* of which offered a saved session */
    uint64_t tls_resume_rejected;           /* offered, and the server made a full handshake */
    uint64_t tls_sessions_saved;            /* sessions saved at the end of a connection */
    uint64_t tls_failed[LR_TLS_FAIL_MAX];   /* failed handshakes by reason */
    uint64_t tls_version[LR_TLS_VER_MAX];   /* negotiated protocol versions */
    uint64_t tls_cipher[LR_TLS_CIPHER_MAX]; /* negotiated cipher suites */
    uint64_t tls_group[LR_TLS_GROUP_MAX];   /* key-exchange groups */
    /* mode = tcp/udp (lr_l4_proto.h): answer bytes that were not what the
     * protocol says (each such answer is also an error corrupt_answer). */
    uint64_t l4_corrupt_bytes;
    /* mode = udp (lr_l4_udp.c, lr_l4_client.h): `requests` are datagrams
     * sent and `responses` answers received in time. */
    uint64_t udp_lost;          /* no answer within [client] udp_timeout */
    uint64_t udp_overrun;       /* of the lost: the window wrapped onto them */
    uint64_t udp_late;          /* answered after being counted lost */
    uint64_t udp_duplicates;    /* a second answer to a request */
    uint64_t udp_out_of_window; /* an answer to nothing sent (or too old) */
    uint64_t udp_bad;           /* datagrams on a flow's port that are no answer */
    uint64_t udp_send_failed;   /* requests the stack could not send (no mbuf, no route) */
    uint64_t udp_flows;         /* gauge: flows bound */
};

struct lr_client;

/** Name of an error ("bad_status_line", ...). */
const char *lr_client_error_name(enum lr_client_error e);

/**
 * Create the client of worker @w when [client] is present (else return 0
 * and do nothing): slots for this worker's share of `connections`, request
 * texts, the latency histogram. Checks that source_addrs holds a local
 * address and that [tcp] max_conns can hold the share. 0 or -errno.
 */
int lr_client_init(struct lr_worker *w);

/** Free the client of @w (main lcore, worker stopped). Safe when absent. */
void lr_client_free(struct lr_worker *w);

/** Worker loop hook: phases, pacing, opening connections. */
void lr_client_poll(struct lr_worker *w);

/** Worker stop hook: abort every connection (counted as unfinished when in flight). */
void lr_client_shutdown(struct lr_worker *w);

/** The client of @w, or NULL when client mode is off. */
const struct lr_client *lr_client_get(const struct lr_worker *w);

/** Phase of @cl (atomic read, any lcore). */
enum lr_client_phase lr_client_phase(const struct lr_client *cl);

/** Copy the counters of @cl (racy but untorn snapshot on the main lcore). */
void lr_client_counters_get(const struct lr_client *cl, struct lr_client_counters *out);

/** dst += src (gauges too). */
void lr_client_counters_add(struct lr_client_counters *dst, const struct lr_client_counters *src);

/** Merge the latency histogram of @cl into @dst. */
void lr_client_latency_merge(const struct lr_client *cl, struct lr_latency *dst);

/** Merge the TLS handshake latency histogram of @cl into @dst (TCP connect
 *  start to handshake complete; empty without tls). */
void lr_client_hs_latency_merge(const struct lr_client *cl, struct lr_latency *dst);

/**
 * Run time of @cl in microseconds: from its first poll to DONE (or to @now
 * while still running); 0 before the first poll.
 */
uint64_t lr_client_elapsed(const struct lr_client *cl, uint64_t now);

#endif /* LR_HTTP_CLIENT_H */
