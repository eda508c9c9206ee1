/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * UDP echo service (RFC 862) on [udp] echo_port (0 = off): every datagram
 * is sent back to its source, payload unchanged, up to 65507 bytes (IP
 * fragmentation both ways). The received mbuf is reused for the reply, so
 * echoing copies nothing.
 */
#ifndef LR_UDP_ECHO_H
#define LR_UDP_ECHO_H

#include <stdint.h>

#include "lr_worker.h"
#include "lr_module.h"

struct lr_udp_echo_counters {
    uint64_t echoed;  /* datagrams sent back */
    uint64_t bytes;   /* payload bytes sent back */
    uint64_t refused; /* datagrams from service ports not answered (loop guard) */
};

/**
 * Bind the echo port on @w when [udp] echo_port is non-zero (no-op
 * otherwise). Needs lr_udp_init() first. 0 or -errno.
 */
int lr_udp_echo_init(struct lr_worker *w);

/** Unbind and free the echo service of @w (NULL safe, no-op when off). */
void lr_udp_echo_free(struct lr_worker *w);

/** Add @w's echo counters into @acc (main lcore). */
void lr_udp_echo_counters_add(const struct lr_worker *w, struct lr_udp_echo_counters *acc);

/** Module walk hook: the UDP echo counters of @w by name (/linerate/udp_echo, summaries). */
void lr_udp_echo_walk(const struct lr_worker *w,
                      void (*fn)(void *arg, const char *name, uint64_t value), void *arg);

/** The "udp_echo" module (lr_module.h). */
extern const struct lr_module lr_udp_echo_module;

#endif /* LR_UDP_ECHO_H */
