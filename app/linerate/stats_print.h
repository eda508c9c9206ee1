/* SPDX-License-Identifier: BSD-3-Clause */
/* Stats output of the application: the periodic line and the final summary. */
#ifndef LR_STATS_PRINT_H
#define LR_STATS_PRINT_H

#include <stdint.h>
#include <stdio.h>

#include "lr_runtime.h"

/* Totals at the previous line, for rates. */
struct lr_stats_print_prev {
    uint64_t t_us;
    uint64_t rx_pkts, rx_bytes, tx_pkts, tx_bytes;
    struct lr_line_totals line; /* the modules' stats-line fields */
};

/** Initialise @prev at time @now_us (counters as they are now). */
void lr_stats_print_begin(const struct lr_runtime *rt, struct lr_stats_print_prev *prev,
                          uint64_t now_us);

/**
 * Print one line "stats: t=3s rx=12pps/0.01Mbps tx=... arp=RX/TX icmp_echo=N
 * drops=N conns=N cps=N rps=N retrans=N 2xx=N 3xx=N 4xx=N 5xx=N sessions=N
 * xfers=N xfer=N.NNMbps" (2xx..5xx: HTTP responses per second by class;
 * sessions: FTP/TFTP sessions open; xfers: transfers completed per second)
 * with rates since @prev, then update @prev.
 */
void lr_stats_print_line(FILE *f, const struct lr_runtime *rt, struct lr_stats_print_prev *prev,
                         uint64_t now_us);

/**
 * Print the final summary: "final: uptime=..." then one line per group with
 * its non-zero counters ("final: icmp rx_pkts=3 echo_requests=3") and one
 * line with every non-zero drop reason by name ("final: drops ip_bad_checksum=1").
 */
void lr_stats_print_summary(FILE *f, const struct lr_runtime *rt, uint64_t now_us);

#endif /* LR_STATS_PRINT_H */
