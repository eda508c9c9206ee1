/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Port setup: one RX/TX queue pair per worker on every DPDK port.
 *
 * Done once by the main lcore before the workers start. For each port:
 * checksum offloads the device offers (IPv4, TCP, UDP; recorded in
 * struct lr_port so protocol code knows what to ask for), the MTU from
 * [portN] mtu, symmetric Toeplitz RSS with the redirection table of lr_flow.h
 * when the device can steer and there is more than one worker, start,
 * promiscuous off, MAC read. Errors are reported as one line naming the port
 * and its device.
 */
#ifndef LR_PORT_H
#define LR_PORT_H

#include <stddef.h>
#include <stdint.h>

#include <rte_mempool.h>

#include "lr_config.h"
#include "lr_flow.h"
#include "lr_worker.h"

/** Frame overhead on top of the MTU: Ethernet header, one VLAN tag, FCS. */
#define LR_PORT_FRAME_OVERHEAD (RTE_ETHER_HDR_LEN + 4 + RTE_ETHER_CRC_LEN)

/**
 * Smallest redirection table among the RSS-capable ports in [0, @nb_ports),
 * rounded down to a power of two, or LR_FLOW_RETA_DEFAULT when no port can
 * steer (the value lr_flow_init() wants as reta_size).
 */
uint16_t lr_port_reta_size(uint16_t nb_ports);

/**
 * Configure and start DPDK port @port_id with @nb_queues RX/TX queue pairs;
 * RX queue q takes its mbufs from @pools[q]. Fills @out (addresses from
 * @pc, offloads, RSS, MTU, MAC). @flow gives the RSS key and redirection
 * table. Returns 0, or -errno with one line "port N (device): reason" in @err.
 */
int lr_port_setup(uint16_t port_id, const struct lr_port_config *pc,
                  const struct lr_worker_config *wc, uint16_t nb_queues,
                  struct rte_mempool *const *pools, const struct lr_flow *flow, struct lr_port *out,
                  char *err, size_t errlen);

/** Stop and close a port started by lr_port_setup() (errors are logged). */
void lr_port_close(uint16_t port_id);

/** Data room each mbuf needs so that one frame of @mtu fits in one segment. */
uint16_t lr_port_mbuf_data_room(uint16_t mtu);

#endif /* LR_PORT_H */
