/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * GET /metrics: Prometheus text exposition 0.0.4 over our own TCP stack
 * ([metrics] listen = PORT, 0 = off; [metrics] allow = PREFIX, ... the IPv4
 * sources that may connect, none by default). A connection from any other
 * source is refused with a RST and counted (refused_not_allowed).
 *
 * The body is built from the same named counters telemetry shows, never a
 * list of its own: every counter of struct lr_stats by lr_stats_foreach()
 * (/linerate/stats), every module's walk (/linerate/<module>) and the
 * stats-line fields of each module's `line` table (/linerate/stats
 * modules.*). Names and labels, one series per worker (label worker="N"):
 *
 *   portN.X              linerate_port_X_total{worker,port}
 *   <proto>.X            linerate_proto_X_total{worker,proto}  (eth arp ip icmp tcp udp app)
 *   drops.R              linerate_drops_total{worker,reason="R"}
 *   timer.R              linerate_timer_errors_total{worker,reason="R"}
 *   G.X (fault, worker)  linerate_G_X_total{worker}
 *   module M counter X   linerate_M_X_total{worker}, or linerate_M_X when
 *                        X is one of the module's gauges (lr_module.gauges)
 *   line field F of M    linerate_F[_total]{worker,module="M"}
 *                        (conns_active and sessions are gauges)
 *   uptime_us, workers, ports: linerate_uptime_seconds, linerate_workers,
 *                        linerate_ports (gauges); drops_total is the sum of
 *                        linerate_drops_total.
 *
 * Threads: the module runs on the workers (each accepts the scrapes it
 * owns) and reads every worker's counters from there, as telemetry does from
 * its thread: lr_stats_read() (relaxed 64-bit loads) for lr_stats and the
 * timer wheel's error counts, the modules' walk hooks (plain aligned loads of
 * counters only their worker writes; see struct lr_worker_set) for the rest.
 * No lock, no write to another worker's memory.
 *
 * Memory per worker, allocated at init: a layout of at most 1024 counters in
 * 512 families (built at the first scrape), a value table per worker, one
 * body buffer (128 KiB + 64 KiB per worker; a body that does not fit gets
 * 500 and counts body_overflow) and 16 connection slots (more are refused:
 * refused_busy). One connection at a time sends from the body buffer; the
 * others wait for it in order. A request head must be complete within 4 KiB
 * (else 400, header_too_large) and 10 s (request_timeouts); a reader that
 * takes nothing for 10 s is aborted (send_timeouts). Every response is
 * HTTP/1.1 with Content-Length and "Connection: close": GET or HEAD of
 * /metrics (query ignored) 200, another path 404, any other request 400
 * (all counted).
 */
#ifndef LR_METRICS_H
#define LR_METRICS_H

#include "lr_metrics_config.h"
#include "lr_module.h"

extern const struct lr_module lr_metrics_module;

#endif /* LR_METRICS_H */
