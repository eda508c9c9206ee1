/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP test helpers: craft segments from a simulated peer, collect and parse
 * what the stack transmitted, and a recording application. Used by every
 * test_tcp_*.c on top of the shared fixture (lr_test.h).
 *
 * Typical use:
 *   struct lrt_env e; lrt_env_init(&e, w, NULL);      // TCP up, peer learned
 *   lrt_listen(&e, 80);
 *   struct lr_tcp_conn *c = lrt_handshake(&e, 80);    // SYN, SYN-ACK, ACK
 *   lrt_send(&e, &(struct lrt_spec){ .flags = ACK, .data = "x", .len = 1 });
 *   struct lrt_seg s; assert_true(lrt_expect(&e, &s)); // next segment out
 *   lrt_env_fini(&e);                                  // TCP freed, pool checked by teardown
 */
#ifndef LR_TCP_TEST_H
#define LR_TCP_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_tcp.h>

#include "lr_config.h"
#include "lr_tcp.h"
#include "lr_tcp_opt.h"
#include "lr_worker.h"

#define LRT_SYN RTE_TCP_SYN_FLAG
#define LRT_ACK RTE_TCP_ACK_FLAG
#define LRT_FIN RTE_TCP_FIN_FLAG
#define LRT_RST RTE_TCP_RST_FLAG
#define LRT_PSH RTE_TCP_PSH_FLAG

#define LRT_DATA_MAX 4096
#define LRT_APP_BUF  (1u << 20)

/* What the recording application saw. */
struct lrt_app {
    struct lr_tcp_conn *conn; /* last accepted / connected */
    unsigned accepts;
    unsigned connected;
    unsigned peer_closed;
    unsigned fin_acked; /* our FIN acknowledged (FIN_WAIT_1 -> FIN_WAIT_2) */
    unsigned closed;
    unsigned writable;
    enum lr_tcp_close_reason reason;
    bool refuse;                  /* accept() returns -1 */
    bool hold;                    /* keep received data unconsumed (manual mode) */
    bool close_in_data;           /* call lr_tcp_close from data() */
    uint32_t close_at;            /* with close_in_data: only once rcvd reaches it (0: at once) */
    uint32_t rcvd;                /* bytes received */
    enum lr_tcp_state data_state; /* connection state seen by the last data() */
    uint8_t *buf;                 /* LRT_APP_BUF bytes */
};

/* The environment of one test: worker, peer identity, app. */
struct lrt_env {
    struct lr_worker *w;
    struct lr_config cfg;
    rte_be32_t peer_ip;
    uint16_t peer_port;  /* host order */
    uint16_t local_port; /* host order */
    uint32_t peer_seq;   /* next sequence the peer sends */
    uint32_t peer_ack;   /* what the peer acknowledges */
    uint32_t our_iss;
    bool ts;         /* peer uses timestamps */
    uint32_t ts_val; /* peer's clock (incremented per segment) */
    uint32_t ts_ecr; /* last TSval seen from the stack */
    struct lrt_app app;
};

/* A crafted segment. Zero fields: defaults from the env (ports, seq/ack, window 65535). */
struct lrt_spec {
    uint8_t flags;
    bool seq_set;
    uint32_t seq;
    bool ack_set;
    uint32_t ack;
    bool wnd_set;
    uint16_t wnd;
    const void *data;
    uint32_t len;
    const uint8_t *opts; /* raw option bytes (overrides) */
    unsigned opts_len;
    bool no_ts;  /* do not add a timestamp option even if env->ts */
    bool ts_set; /* use ts_val below */
    uint32_t ts_val;
    const struct lr_sack_block *sack;
    unsigned nb_sack;
    bool bad_csum;
    bool doff_set; /* write doff (in 32-bit words) as given */
    uint8_t doff;
    rte_be32_t src; /* 0: env peer ip */
    uint16_t sport; /* 0: env peer port */
    uint16_t dport; /* 0: env local port */
};

/* A transmitted segment, parsed. */
struct lrt_seg {
    uint8_t flags;
    uint32_t seq;
    uint32_t ack;
    uint16_t wnd;
    uint32_t len;
    rte_be32_t src, dst;
    uint16_t sport, dport;
    bool csum_ok;
    unsigned hlen;
    struct lr_tcp_opts opts;
    uint8_t data[LRT_DATA_MAX];
};

/** Tune a config for tests (small pools, deterministic values). */
void lrt_config(struct lr_config *cfg);

/** Initialise TCP on @w with @cfg (NULL: lrt_config defaults); learns the peer. */
void lrt_env_init(struct lrt_env *e, struct lr_worker *w, const struct lr_config *cfg);
/** Free TCP (after freeing every transmitted frame). Checks the pool is full again. */
void lrt_env_fini(struct lrt_env *e);

/** The recording app's callbacks. */
extern const struct lr_tcp_listen_ops lrt_listen_ops;
extern const struct lr_tcp_conn_ops lrt_conn_ops;

/** Listen on @port with the recording app. */
void lrt_listen(struct lrt_env *e, uint16_t port);

/** Build the frame of one segment from the peer into @frame (advances peer_seq like lrt_send). */
size_t lrt_build(struct lrt_env *e, const struct lrt_spec *s, uint8_t *frame, size_t cap);

/** Build and inject one segment from the peer. Advances peer_seq by the data/SYN/FIN sent. */
void lrt_send(struct lrt_env *e, const struct lrt_spec *s);

/** Pop the next transmitted TCP segment (ARP and others skipped). false when none. */
bool lrt_expect(struct lrt_env *e, struct lrt_seg *out);
/** Number of TCP segments transmitted so far (consumes them). */
unsigned lrt_drain(struct lrt_env *e);

/**
 * Passive open from the peer with @opts_spec options (NULL: MSS 1460 only, or
 * with timestamps when e->ts): SYN, check the SYN-ACK, ACK. Returns the
 * accepted connection (NULL on failure).
 */
struct lr_tcp_conn *lrt_handshake(struct lrt_env *e, uint16_t port);

/**
 * The usual preamble of a test on an established connection: lrt_listen()
 * on @port, lrt_handshake(), and check (cmocka asserts) that it succeeded
 * and nothing else was transmitted. Returns the connection.
 */
struct lr_tcp_conn *lrt_open_conn(struct lrt_env *e, uint16_t port);

/** Peer sends @len bytes of data (pattern by offset) with ACK; returns nothing. */
void lrt_send_data(struct lrt_env *e, const void *data, uint32_t len);

/** Fill @buf with a deterministic pattern starting at @off. */
void lrt_pattern(uint8_t *buf, uint32_t len, uint32_t off);

/** Number of connections in use in the worker's pool. */
uint64_t lrt_active(const struct lrt_env *e);
/** Drop counter of @reason. */
uint64_t lrt_drops(const struct lrt_env *e, enum lr_drop_reason reason);
/** The worker's TCP counters. */
struct lr_tcp_counters lrt_counters(const struct lrt_env *e);

/** cmocka setup: a fixture worker with lrt_config() and TCP initialised; *state = env. */
int lrt_setup(void **state);
/** cmocka teardown: lr_tcp_shutdown, checks the connection pool and the mbuf pool. */
int lrt_teardown(void **state);
/** Restart TCP on the same worker with @cfg (tests that need other settings). */
void lrt_reinit(struct lrt_env *e, const struct lr_config *cfg);

#endif /* LR_TCP_TEST_H */
