/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared unit-test fixture: an EAL-initialised worker whose port is a
 * ring-backed ethdev (rte_eth_from_rings), so tests inject frames, run
 * timers with explicit time and collect exactly what the stack transmitted.
 *
 * Typical use:
 *   lr_test_eal_init();                      // once per process (group setup)
 *   struct lr_worker *w = lr_test_worker_new(NULL);
 *   unsigned base = lr_test_pool_in_use(w);
 *   lr_test_rx(w, frame, len);               // through lr_eth_input_burst
 *   struct rte_mbuf *out[8];
 *   uint16_t n = lr_test_tx(w, out, 8);      // flush + what went on the wire
 *   ... assert on out[i] ..., rte_pktmbuf_free(out[i]) (or lr_test_tx_free_all)
 *   lr_test_advance(w, 1000000);             // w->now += 1 s, timers run
 *   assert_int_equal(lr_test_pool_in_use(w), base);
 *   lr_test_worker_free(w);
 *
 * The worker's port: DPDK port id lr_test_port(w) (0 unless several fixture
 * workers exist at once), address 198.18.0.2/24 by default, MAC
 * 02:00:00:00:00:02 (or the ethdev's own), MTU 1500, no offloads. The
 * default peer on the link is LR_TEST_PEER_IP / LR_TEST_PEER_MAC.
 * Addresses are in network byte order everywhere, as in the stack.
 */
#ifndef LR_TEST_H
#define LR_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "lr_io.h"
#include "lr_client_config.h"
#include "lr_config.h"
#include "lr_ftp_config.h"
#include "lr_http_config.h"
#include "lr_metrics_config.h"
#include "lr_tftp_config.h"
#include "lr_worker.h"

/** Build a network-order IPv4 address from four octets. */
#define LR_TEST_IP(a, b, c, d)                                                                     \
    rte_cpu_to_be_32(((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) |        \
                     (uint32_t)(d))

#define LR_TEST_OUR_IP   LR_TEST_IP(198, 18, 0, 2) /* default [port0] addr */
#define LR_TEST_PEER_IP  LR_TEST_IP(198, 18, 0, 1) /* a neighbour on the link */
#define LR_TEST_BCAST_IP LR_TEST_IP(198, 18, 0, 255)

/** MAC of the default peer, 02:00:00:00:00:01. */
extern const struct rte_ether_addr lr_test_peer_mac;
/** Default MAC of the fixture port when the ethdev has none, 02:00:00:00:00:02. */
extern const struct rte_ether_addr lr_test_default_mac;

/**
 * Initialise EAL once per process: --no-huge --no-pci -m 256 --no-shconf
 * --no-telemetry --file-prefix=lrt<pid> -l 0 --log-level=error (--in-memory
 * is refused together with --no-huge); the runtime directory is removed at
 * exit. 0 or -errno.
 */
int lr_test_eal_init(void);

/** The configuration lr_test_worker_new(NULL) uses: defaults plus [port0] addr 198.18.0.2/24. */
void lr_test_config_default(struct lr_config *cfg);

/**
 * A fresh worker with one ring-backed port. @cfg is copied (NULL: defaults plus
 * [port0] addr 198.18.0.2/24). The worker has a pool, now = 1000000, its timer
 * wheel, and the ARP table and IP context initialised (lr_arp_init,
 * lr_ip_init); static ARP entries of the config are installed. No gratuitous
 * ARP is sent. Returns NULL (with a message on stderr) on failure.
 */
struct lr_worker *lr_test_worker_new(const struct lr_config *cfg);

/**
 * Free everything lr_test_worker_new() created (IP, ARP, fault, buffered TX,
 * ring contents, pool, ethdev). TCP/UDP/app contexts must be freed by the
 * test before.
 */
void lr_test_worker_free(struct lr_worker *w);

/** cmocka group setup: lr_test_eal_init(). */
int lr_test_group_setup(void **state);

/**
 * cmocka per-test setup: *state = lr_test_worker_new(NULL) and its pool
 * baseline recorded. Pair with lr_test_teardown().
 */
int lr_test_setup(void **state);

/**
 * cmocka per-test teardown: frees whatever was transmitted, fails (returns
 * -1 with a message) when the pool is not back at the baseline recorded at
 * setup (a leak, or packets still parked somewhere), frees the worker.
 */
int lr_test_teardown(void **state);

/** Record the current pool use as the baseline lr_test_teardown() checks. */
void lr_test_set_baseline(struct lr_worker *w);

/**
 * A second worker (id 1) on the same port as @w0 (id 0), for multi-worker
 * tests: own pool, ARP table, IP context, timers and counters; the same port
 * (its frames land in the same TX ring, lr_test_tx() on either worker
 * returns both workers' frames after flushing the caller's buffers); an SP/SC
 * ring each way between the two (ring_to/ring_from), nb_workers = 2 on both.
 * Free it with lr_test_worker_free() before @w0. NULL on failure.
 */
struct lr_worker *lr_test_worker_new_sibling(struct lr_worker *w0);

/**
 * Run what other workers handed to @w (its ring_from[] inboxes) through
 * lr_eth_input_burst(), as the poll loop does. Returns how many packets.
 */
unsigned lr_test_inbox_drain(struct lr_worker *w);

/** The DPDK port id (== index in w->ports) of the fixture port. */
uint16_t lr_test_port(const struct lr_worker *w);

/** MAC of the fixture port. */
const struct rte_ether_addr *lr_test_mac(const struct lr_worker *w);

/** An mbuf from the worker's pool holding a copy of @frame (NULL if it does not fit). */
struct rte_mbuf *lr_test_mbuf(struct lr_worker *w, const void *frame, size_t len);

/** Run one frame through lr_eth_input_burst() on the fixture port. */
void lr_test_rx(struct lr_worker *w, const void *frame, size_t len);

/** Run a burst of frames (frames[i] of lens[i] bytes) through one lr_eth_input_burst() call. */
void lr_test_rx_burst(struct lr_worker *w, const void *const *frames, const size_t *lens,
                      uint16_t n);

/**
 * Flush the worker's TX buffers (lr_tx_flush) and dequeue up to @max frames
 * the fixture port transmitted, in order. The caller frees them.
 */
uint16_t lr_test_tx(struct lr_worker *w, struct rte_mbuf **out, uint16_t max);

/** Flush and return the next transmitted frame, or NULL when none. Caller frees. */
struct rte_mbuf *lr_test_tx_pop(struct lr_worker *w);

/** Flush, then free every transmitted frame. Returns how many there were. */
unsigned lr_test_tx_free_all(struct lr_worker *w);

/**
 * Make the stack know neighbour @ip at @mac the way the wire would: inject an
 * ARP request from it for our address (the stack learns it, RFC 826) and
 * discard everything transmitted so far (the ARP reply included).
 */
void lr_test_learn_peer(struct lr_worker *w, rte_be32_t ip, const struct rte_ether_addr *mac);

/** w->now += @us, then run the timer wheel up to the new time. */
void lr_test_advance(struct lr_worker *w, uint64_t us);

/**
 * Mbufs of the worker's pool currently held by anyone except the port's
 * rings (i.e. by the stack or the test). Compare with a baseline for leaks.
 */
unsigned lr_test_pool_in_use(struct lr_worker *w);

/* --- Frame builders --------------------------------------------------------
 * Each writes a complete Ethernet frame into @buf (capacity @cap) and returns
 * its length, or 0 when it does not fit. No Ethernet padding is added unless
 * asked for; the stack must accept frames shorter than 60 bytes too.
 */

/** Ethernet header; @vlan_tci != 0 inserts an 802.1Q tag. Returns the L2 length. */
size_t lr_test_eth_hdr(void *buf, size_t cap, const struct rte_ether_addr *dst,
                       const struct rte_ether_addr *src, uint16_t ether_type, uint16_t vlan_tci);

/**
 * Ethernet + ARP (RFC 826) frame. @op is RTE_ARP_OP_REQUEST or _REPLY (host
 * order). @eth_dst is the Ethernet destination (broadcast for a request).
 */
size_t lr_test_arp_frame(void *buf, size_t cap, uint16_t op, const struct rte_ether_addr *eth_dst,
                         const struct rte_ether_addr *sha, rte_be32_t spa,
                         const struct rte_ether_addr *tha, rte_be32_t tpa);

/** Everything of an IPv4 test frame; zeroed fields mean "the sensible default". */
struct lr_test_ipv4 {
    const struct rte_ether_addr *eth_dst; /* NULL: the fixture port's MAC */
    const struct rte_ether_addr *eth_src; /* NULL: lr_test_peer_mac */
    uint16_t vlan_tci;                    /* 0: untagged */
    rte_be32_t src;                       /* 0 with !src_set: LR_TEST_PEER_IP */
    rte_be32_t dst;                       /* 0 with !dst_set: LR_TEST_OUR_IP */
    bool src_set;                         /* take src even when 0 */
    bool dst_set;
    uint8_t proto;
    uint8_t ttl; /* 0 with !ttl_set: 64 */
    bool ttl_set;
    uint8_t tos;
    uint16_t id;         /* host order */
    uint16_t frag;       /* host order: flags (DF/MF) | offset in 8-byte units */
    const void *options; /* IP options, a multiple of 4 bytes */
    size_t options_len;
    const void *payload;
    size_t payload_len;
    size_t pad; /* Ethernet padding bytes after the IP packet */
};

/** Ethernet(+VLAN) + IPv4 frame with a correct header checksum. */
size_t lr_test_ipv4_frame(const struct lr_worker *w, void *buf, size_t cap,
                          const struct lr_test_ipv4 *p);

/** The IPv4 header inside an Ethernet frame (skips one VLAN tag). */
struct rte_ipv4_hdr *lr_test_frame_ip(void *frame);

/** Recompute the IPv4 header checksum of a frame after patching fields. */
void lr_test_ip_csum_fix(void *frame);

/**
 * Ethernet + IPv4 + ICMP echo request/reply (@type 8 or 0) from @src to @dst
 * with identifier @id, sequence @seq (host order) and @len bytes of @data
 * (NULL: bytes i & 0xff). Correct checksums.
 */
size_t lr_test_icmp_echo_frame(const struct lr_worker *w, void *buf, size_t cap, uint8_t type,
                               rte_be32_t src, rte_be32_t dst, uint16_t id, uint16_t seq,
                               const void *data, size_t len);

/** The Internet checksum (RFC 1071) of @len bytes, folded and complemented. */
/** Write @len bytes of @data to @dir/@rel (the directories must exist);
 *  aborts the test binary when the file cannot be written. */
void lr_test_write_file(const char *dir, const char *rel, const void *data, size_t len);

uint16_t lr_test_inet_csum(const void *data, size_t len);

/* Writable module sections of a test's configuration (filled by
 * lr_test_config_default() or a load with lr_runtime_config_sections()).
 * A configuration without the section is a broken fixture: abort. */
static inline void *lr_test_section(struct lr_config *cfg, const struct lr_config_section *def)
{
    void *sec = lr_config_section(cfg, def);
    if (sec == NULL)
        abort();
    return sec;
}
static inline struct lr_http_config *lr_test_http(struct lr_config *cfg)
{
    return lr_test_section(cfg, &lr_http_config_section);
}
static inline struct lr_ftp_config *lr_test_ftp(struct lr_config *cfg)
{
    return lr_test_section(cfg, &lr_ftp_config_section);
}
static inline struct lr_tftp_config *lr_test_tftp(struct lr_config *cfg)
{
    return lr_test_section(cfg, &lr_tftp_config_section);
}
static inline struct lr_client_config *lr_test_client(struct lr_config *cfg)
{
    return lr_test_section(cfg, &lr_client_config_section);
}
static inline struct lr_metrics_config *lr_test_metrics(struct lr_config *cfg)
{
    return lr_test_section(cfg, &lr_metrics_config_section);
}

#endif /* LR_TEST_H */
