/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fault layer: seeded packet faults around rx_burst/tx_burst ([fault] section).
 *
 * Each packet independently, with the configured percentages: dropped,
 * duplicated (a copy follows it), corrupted (one random byte past the
 * Ethernet header flipped, so checksums catch it), or held back and released
 * after the next packet(s) (reordered). Same seed + same traffic = same faults.
 * Memory is bounded: at most LR_FAULT_HOLD packets are held per direction
 * and port; they are released by the next burst or by lr_fault_release().
 */
#ifndef LR_FAULT_H
#define LR_FAULT_H

#include <stdint.h>

#include <rte_mbuf.h>

#include "lr_config.h"
#include "lr_module.h"
#include "lr_worker.h"

enum lr_fault_dir {
    LR_FAULT_RX = 0,
    LR_FAULT_TX = 1,
};

#define LR_FAULT_HOLD 4

/** Allocate the fault context for @w when any rate is non-zero (else w->fault = NULL). 0/-errno. */
int lr_fault_init(struct lr_worker *w, const struct lr_fault_config *cfg);
/** Free held packets and the context. */
void lr_fault_free(struct lr_worker *w);

/**
 * Apply faults to @pkts[0..n) in place for @dir on @port. @cap is the array
 * capacity (duplicates and released packets are added up to it). Returns the
 * new count. Dropped packets are freed and counted (stats.fault and
 * LR_DROP_ETH_FAULT for RX; stats.fault only for TX, where the "wire" lost them).
 */
uint16_t lr_fault_apply(struct lr_worker *w, enum lr_fault_dir dir, uint16_t port,
                        struct rte_mbuf **pkts, uint16_t n, uint16_t cap);

/** Packets held for reordering on @port/@dir, appended to @pkts (up to @cap). */
uint16_t lr_fault_release(struct lr_worker *w, enum lr_fault_dir dir, uint16_t port,
                          struct rte_mbuf **pkts, uint16_t cap);

/** The "fault" module (lr_module.h): per-worker fault state from [fault]. */
extern const struct lr_module lr_fault_module;

#endif /* LR_FAULT_H */
