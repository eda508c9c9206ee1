/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Client mode's udp mode ([client] mode = udp): the L4 test protocol
 * (lr_l4_proto.h) in datagrams, one engine per worker, driven by
 * lr_http_client.c's poll (which owns the phases and the report).
 *
 * Each worker binds its share of [client] flows, one source port each
 * (lr_udp_bind_ephemeral: ports whose flow hash this worker owns, so the
 * answers come back to it), spread over the targets and source addresses.
 * A request is payload_size bytes whose header carries a per-worker
 * sequence number and asks for response_size bytes back; answers are
 * matched by that number in a window (lr_l4_client.h) that gives latency,
 * loss after [client] udp_timeout, late answers, duplicates and answers to
 * nothing sent. An answer must come from the flow's target to the flow's
 * port, have response_size bytes, repeat the request's header and carry
 * the pattern; otherwise it is counted bad (wrong address, size or header)
 * or corrupt (payload), never as a response.
 *
 * Closed loop (interval = 0, request_rate = 0): every flow keeps one request
 * outstanding, the next sent when the answer comes or the request is lost.
 * Open loop: interval gives each flow one request per interval
 * (flows / interval requests/s over all workers), request_rate a total
 * rate; requests go out on their schedule (lr_rate.h) over the flows in
 * turn, whatever the answers, and latency runs from the intended send time.
 *
 * Warm-up: one probe every LR_L4_UDP_PROBE_US until one is answered (ARP
 * resolves, the server may still be starting); unanswered probes are
 * warmup_failures, and the run's clock and counters start at the first
 * answer. Drain: at [client] duration nothing more is sent; answers are
 * awaited for udp_timeout, then what is still pending is lost.
 */
#ifndef LR_L4_UDP_H
#define LR_L4_UDP_H

#include <stdbool.h>
#include <stdint.h>

#include "lr_client_config.h"
#include "lr_l4_client.h"
#include "lr_latency.h"
#include "lr_worker.h"

#define LR_L4_UDP_PROBE_US   200000u /* warm-up probe period */
#define LR_L4_UDP_BURST      256u    /* requests sent per poll at most */
#define LR_L4_UDP_WIN_MIN    1024u   /* window entries, bounds */
#define LR_L4_UDP_WIN_MAX    (1u << 20)
#define LR_L4_UDP_WIN_CLOSED (1u << 18) /* closed loop: its rate is not known */

enum lr_l4_udp_phase {
    LR_L4_UDP_WARMUP = 0,
    LR_L4_UDP_RUNNING,
    LR_L4_UDP_DRAINING,
    LR_L4_UDP_DONE,
};

/* What the engine measured (merged by the caller into the client's counters). */
struct lr_l4_udp_stats {
    struct lr_l4_udp_counts win; /* the window's, run only (reset at the warm-up's end) */
    uint64_t rejected;           /* of win.received: bad or corrupt answers */
    uint64_t corrupt_answers;    /* answers whose payload was wrong */
    uint64_t corrupt_bytes;
    uint64_t bad;         /* datagrams to a flow port that are no answer (address, size, header) */
    uint64_t send_failed; /* the stack could not send (no mbuf, no route) */
    uint64_t warmup_failures; /* probes never answered */
    uint64_t tx_bytes, rx_bytes;
    uint32_t flows;
};

struct lr_l4_udp;

/**
 * Create the engine of @w: bind its share of flows, size the window from
 * the rate and udp_timeout, build the request. Latency samples go to @lat.
 * 0 or -errno (logged; e.g. fewer free ports than flows).
 */
int lr_l4_udp_create(struct lr_worker *w, const struct lr_client_config *cfg,
                     struct lr_latency *lat, struct lr_l4_udp **out);

/** Unbind the flows and free (main lcore, worker stopped). NULL safe. */
void lr_l4_udp_destroy(struct lr_worker *w, struct lr_l4_udp *u);

/** One worker loop iteration: send what is due, expire, change phase. */
enum lr_l4_udp_phase lr_l4_udp_poll(struct lr_worker *w, struct lr_l4_udp *u);

/** Stop now (worker stop): what is pending is lost; phase DONE. */
void lr_l4_udp_shutdown(struct lr_worker *w, struct lr_l4_udp *u);

/** The counters so far (worker lcore, or a racy read on the main lcore). */
const struct lr_l4_udp_stats *lr_l4_udp_stats(const struct lr_l4_udp *u);

/** Clock of the run: first answer, end of sending, done (0 = not yet). */
void lr_l4_udp_times(const struct lr_l4_udp *u, uint64_t *t_start, uint64_t *t_stop,
                     uint64_t *t_done);

#endif /* LR_L4_UDP_H */
