/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-worker counters and the drop-reason enum.
 *
 * Every dropped packet goes through lr_pkt_drop() (lr_pkt.h), which frees the
 * mbuf and counts it under exactly one reason. Each reason belongs to one
 * protocol, so per-protocol drop totals are derived, never counted twice.
 * Counters are plain uint64_t written only by their worker; the main lcore
 * sums them off the fast path (aligned 64-bit loads are atomic on the
 * platforms DPDK supports, a slightly stale sum is fine for statistics).
 *
 * To add a reason: add one X() line to the protocol's list below. The name is
 * what stats output and telemetry show.
 */
#ifndef LR_STATS_H
#define LR_STATS_H

#include <stdint.h>

#include <rte_common.h>

#include "lr_timer.h"

enum lr_proto {
    LR_PROTO_ETH,
    LR_PROTO_ARP,
    LR_PROTO_IP,
    LR_PROTO_ICMP,
    LR_PROTO_TCP,
    LR_PROTO_UDP,
    LR_PROTO_APP,
    LR_PROTO_MAX,
};

/* X(ENUM_SUFFIX, proto, "name") */
#define LR_DROP_REASONS_ETH(X)                                                                     \
    X(ETH_RUNT, LR_PROTO_ETH, "eth_runt")                                                          \
    X(ETH_NOT_US, LR_PROTO_ETH, "eth_dst_not_us")                                                  \
    X(ETH_TYPE, LR_PROTO_ETH, "eth_unknown_type")                                                  \
    X(ETH_VLAN, LR_PROTO_ETH, "eth_bad_vlan")                                                      \
    X(ETH_NO_MBUF, LR_PROTO_ETH, "no_mbuf")                                                        \
    X(ETH_TX_FULL, LR_PROTO_ETH, "tx_ring_full")                                                   \
    X(ETH_FAULT, LR_PROTO_ETH, "fault_injected")                                                   \
    X(ETH_HANDOVER_FULL, LR_PROTO_ETH, "handover_ring_full")                                       \
    X(ETH_SHUTDOWN, LR_PROTO_ETH, "shutdown")

#define LR_DROP_REASONS_ARP(X)                                                                     \
    X(ARP_MALFORMED, LR_PROTO_ARP, "arp_malformed")                                                \
    X(ARP_NOT_US, LR_PROTO_ARP, "arp_not_for_us")                                                  \
    X(ARP_OP, LR_PROTO_ARP, "arp_unknown_op")                                                      \
    X(ARP_SPOOF, LR_PROTO_ARP, "arp_spoof_guard")                                                  \
    X(ARP_BAD_SENDER, LR_PROTO_ARP, "arp_bad_sender")                                              \
    X(ARP_TABLE_FULL, LR_PROTO_ARP, "arp_table_full")                                              \
    X(ARP_PENDING_FULL, LR_PROTO_ARP, "arp_pending_full")                                          \
    X(ARP_UNRESOLVED, LR_PROTO_ARP, "arp_unresolved")

#define LR_DROP_REASONS_IP(X)                                                                      \
    X(IP_TRUNCATED, LR_PROTO_IP, "ip_truncated")                                                   \
    X(IP_VERSION, LR_PROTO_IP, "ip_bad_version")                                                   \
    X(IP_IHL, LR_PROTO_IP, "ip_bad_ihl")                                                           \
    X(IP_LEN, LR_PROTO_IP, "ip_bad_total_length")                                                  \
    X(IP_CSUM, LR_PROTO_IP, "ip_bad_checksum")                                                     \
    X(IP_TTL, LR_PROTO_IP, "ip_ttl_zero")                                                          \
    X(IP_BAD_SRC, LR_PROTO_IP, "ip_bad_source")                                                    \
    X(IP_NOT_US, LR_PROTO_IP, "ip_not_for_us")                                                     \
    X(IP_PROTO, LR_PROTO_IP, "ip_unknown_protocol")                                                \
    X(IP_FRAG, LR_PROTO_IP, "ip_fragment_dropped")                                                 \
    X(IP_FRAG_TIMEOUT, LR_PROTO_IP, "ip_reassembly_timeout")                                       \
    X(IP_FRAG_OVERLAP, LR_PROTO_IP, "ip_fragment_overlap")                                         \
    X(IP_FRAG_OVERSIZE, LR_PROTO_IP, "ip_reassembly_too_big")                                      \
    X(IP_FRAG_DUP, LR_PROTO_IP, "ip_fragment_duplicate")                                           \
    X(IP_FRAG_FULL, LR_PROTO_IP, "ip_reassembly_full")                                             \
    X(IP_NO_ROUTE, LR_PROTO_IP, "ip_no_route")                                                     \
    X(IP_TOO_BIG, LR_PROTO_IP, "ip_too_big")

#define LR_DROP_REASONS_ICMP(X)                                                                    \
    X(ICMP_TRUNCATED, LR_PROTO_ICMP, "icmp_truncated")                                             \
    X(ICMP_CSUM, LR_PROTO_ICMP, "icmp_bad_checksum")                                               \
    X(ICMP_TYPE, LR_PROTO_ICMP, "icmp_unhandled_type")                                             \
    X(ICMP_BCAST, LR_PROTO_ICMP, "icmp_broadcast")                                                 \
    X(ICMP_RATELIMIT, LR_PROTO_ICMP, "icmp_rate_limited")

#define LR_DROP_REASONS_TCP(X)                                                                     \
    X(TCP_TRUNCATED, LR_PROTO_TCP, "tcp_truncated")                                                \
    X(TCP_CSUM, LR_PROTO_TCP, "tcp_bad_checksum")                                                  \
    X(TCP_OFFSET, LR_PROTO_TCP, "tcp_bad_data_offset")                                             \
    X(TCP_OPTIONS, LR_PROTO_TCP, "tcp_bad_options")                                                \
    X(TCP_NO_CONN, LR_PROTO_TCP, "tcp_no_connection")                                              \
    X(TCP_FLAGS, LR_PROTO_TCP, "tcp_bad_flags")                                                    \
    X(TCP_SEQ, LR_PROTO_TCP, "tcp_out_of_window")                                                  \
    X(TCP_ACK, LR_PROTO_TCP, "tcp_bad_ack")                                                        \
    X(TCP_PAWS, LR_PROTO_TCP, "tcp_paws")                                                          \
    X(TCP_RST, LR_PROTO_TCP, "tcp_rst_ignored")                                                    \
    X(TCP_TABLE_FULL, LR_PROTO_TCP, "tcp_table_full")                                              \
    X(TCP_BACKLOG, LR_PROTO_TCP, "tcp_backlog_full")                                               \
    X(TCP_SYNCOOKIE, LR_PROTO_TCP, "tcp_bad_syncookie")                                            \
    X(TCP_OOO_FULL, LR_PROTO_TCP, "tcp_ooo_queue_full")                                            \
    X(TCP_RCVBUF_FULL, LR_PROTO_TCP, "tcp_rcvbuf_full")                                            \
    X(TCP_DUP, LR_PROTO_TCP, "tcp_duplicate")                                                      \
    X(TCP_AFTER_FIN, LR_PROTO_TCP, "tcp_text_after_fin")                                           \
    X(TCP_AFTER_CLOSE, LR_PROTO_TCP, "tcp_discarded_after_close")                                  \
    X(TCP_STATE, LR_PROTO_TCP, "tcp_bad_state")

#define LR_DROP_REASONS_UDP(X)                                                                     \
    X(UDP_TRUNCATED, LR_PROTO_UDP, "udp_truncated")                                                \
    X(UDP_LEN, LR_PROTO_UDP, "udp_bad_length")                                                     \
    X(UDP_CSUM, LR_PROTO_UDP, "udp_bad_checksum")                                                  \
    X(UDP_NO_PORT, LR_PROTO_UDP, "udp_port_closed")                                                \
    X(UDP_APP, LR_PROTO_UDP, "udp_app_refused")

#define LR_DROP_REASONS_APP(X) X(APP_NO_MEM, LR_PROTO_APP, "app_no_memory")

#define LR_DROP_REASONS(X)                                                                         \
    LR_DROP_REASONS_ETH(X)                                                                         \
    LR_DROP_REASONS_ARP(X)                                                                         \
    LR_DROP_REASONS_IP(X)                                                                          \
    LR_DROP_REASONS_ICMP(X)                                                                        \
    LR_DROP_REASONS_TCP(X)                                                                         \
    LR_DROP_REASONS_UDP(X)                                                                         \
    LR_DROP_REASONS_APP(X)

enum lr_drop_reason {
#define LR_X_ENUM(e, p, n) LR_DROP_##e,
    LR_DROP_REASONS(LR_X_ENUM)
#undef LR_X_ENUM
        LR_DROP_MAX,
};

/** Name of a drop reason as shown in stats and telemetry. */
const char *lr_drop_name(enum lr_drop_reason r);
/** Protocol a drop reason belongs to. */
enum lr_proto lr_drop_proto(enum lr_drop_reason r);
/** Name of a protocol ("eth", "arp", "ip", ...). */
const char *lr_proto_name(enum lr_proto p);

/* Same counter set for every protocol. Drops are in lr_stats.drops[]. */
struct lr_proto_counters {
    uint64_t rx_pkts;
    uint64_t rx_bytes;
    uint64_t tx_pkts;
    uint64_t tx_bytes;
};

struct lr_arp_counters {
    uint64_t rx_requests;
    uint64_t rx_replies;
    uint64_t tx_requests;
    uint64_t tx_replies;
    uint64_t tx_gratuitous;
    uint64_t resolved;
    uint64_t expired;
    uint64_t queued; /* packets parked while resolving */
};

struct lr_icmp_counters {
    uint64_t echo_requests;
    uint64_t echo_replies;
    uint64_t tx_dest_unreach;
    uint64_t tx_time_exceeded;
    uint64_t rx_dest_unreach;
    uint64_t rx_time_exceeded;
};

struct lr_port_counters {
    uint64_t rx_pkts;
    uint64_t rx_bytes;
    uint64_t tx_pkts;
    uint64_t tx_bytes;
    uint64_t rx_bursts;
};

/* Fault layer counters (lr_fault.h), per direction: 0 = rx, 1 = tx. */
struct lr_fault_counters {
    uint64_t dropped[2];
    uint64_t duplicated[2];
    uint64_t reordered[2];
    uint64_t corrupted[2];
};

#define LR_STATS_MAX_PORTS 8

/* One per worker, embedded in struct lr_worker; only that worker writes it. */
struct lr_stats {
    struct lr_port_counters port[LR_STATS_MAX_PORTS];
    struct lr_proto_counters proto[LR_PROTO_MAX];
    struct lr_arp_counters arp;
    struct lr_icmp_counters icmp;
    struct lr_fault_counters fault;
    uint64_t handed_over; /* packets sent to another worker's inbox */
    uint64_t handed_in;   /* packets received from other workers */
    uint64_t loops;       /* iterations of the poll loop */
    /* TSC cycles spent in iterations that received or sent something (the
     * rest is polling empty queues): the worker's load is busy_cycles over
     * the elapsed TSC, its cost per request busy_cycles / requests. */
    uint64_t busy_cycles;
    /* Timer wheel misuse by reason (lr_timer.h): kept in the worker's wheel,
     * copied in by lr_runtime_stats_sum(); zero in a worker's own struct. */
    uint64_t timer_errors[LR_TIMER_ERR_MAX];
    uint64_t drops[LR_DROP_MAX];
} __rte_cache_aligned;

/** Add every counter of @src into @dst (used by the main lcore to sum workers). */
void lr_stats_add(struct lr_stats *dst, const struct lr_stats *src);
/**
 * Copy @src, a worker's counters that worker may be writing right now, into
 * @dst with one relaxed atomic 64-bit load per counter (from another core:
 * telemetry, GET /metrics). Each value is whole; the set is a moment's view.
 */
void lr_stats_read(struct lr_stats *dst, const struct lr_stats *src);
/** Sum of drops of one protocol. */
uint64_t lr_stats_proto_drops(const struct lr_stats *s, enum lr_proto p);
/** Sum of all drops. */
uint64_t lr_stats_total_drops(const struct lr_stats *s);

#endif /* LR_STATS_H */
