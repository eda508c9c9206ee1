/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The l4 service (lr_l4_server.c): the server side of client mode's tcp and
 * udp modes, the L4 test protocol of lr_l4_proto.h, on [tcp] l4_port and
 * [udp] l4_port (0 = off). Module "l4_server", after "tcp" and "udp".
 *
 * TCP: any number of requests per connection, split anywhere; each complete
 * request is answered with resp_len bytes (its header, then the pattern) in
 * order. While an answer waits for send space no more input is read, so the
 * receive window closes (backpressure instead of a queue). LR_L4_F_LAST
 * closes after the answer; a bad header resets the connection.
 * UDP: one answer datagram of resp_len bytes per request datagram.
 */
#ifndef LR_L4_SERVER_H
#define LR_L4_SERVER_H

#include <stdint.h>

#include "lr_module.h"

struct lr_worker;

/* Counters of one worker (written by that worker only); the walk hook
 * emits them under these names in this order. */
struct lr_l4_server_counters {
    uint64_t tcp_requests;     /* complete TCP requests (each answered) */
    uint64_t tcp_answer_bytes; /* answer bytes queued on TCP connections */
    uint64_t udp_requests;     /* UDP requests answered (resp_len 0: none sent) */
    uint64_t udp_answer_bytes; /* UDP answer payload bytes sent */
    uint64_t bad_request;      /* not a request: bad header, UDP length mismatch */
    uint64_t too_large;        /* UDP resp_len above one datagram's payload */
    uint64_t corrupt;          /* request payload bytes that were not the pattern */
    uint64_t refused;          /* UDP datagrams from loop-prone service ports */
    uint64_t connections;      /* TCP connections accepted */
    uint64_t no_state;         /* TCP connections refused: no free connection state */
};

/** Listen / bind on @w as configured (no-op when both ports are 0). 0 or -errno. */
int lr_l4_server_init(struct lr_worker *w);

/** Release @w's service: pending connection state, the listener and the bind. */
void lr_l4_server_free(struct lr_worker *w);

/** Copy @w's counters into @out (zeros when the service is off). */
void lr_l4_server_counters_get(const struct lr_worker *w, struct lr_l4_server_counters *out);

/** Connection states of @w's pool in use now (0 when the service is off). */
uint32_t lr_l4_server_conns_in_use(const struct lr_worker *w);

/** Module walk hook: /linerate/l4_server, /linerate/stats, the final summary. */
void lr_l4_server_walk(const struct lr_worker *w, lr_module_counter_fn fn, void *arg);

/** The "l4_server" module (lr_module.h). */
extern const struct lr_module lr_l4_server_module;

#endif /* LR_L4_SERVER_H */
