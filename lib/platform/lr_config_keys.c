/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration schema: the section table and the key table (see
 * lr_config_priv.h for the other lr_config*.c files).
 *
 * One static table row per key: section, name, type, field offset and size,
 * bounds, default text and help. The loader (lr_config.c) parses the file
 * and the default text of every row with the same code, so this table is the
 * single source of truth (lr_config_help() prints it, and a unit test checks
 * config/default.conf documents every row).
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_common.h>

#include "lr_config_priv.h"

static const struct cfg_section cfg_sections[SEC_MAX] = {
    [SEC_PORT] = { "portN", offsetof(struct lr_config, port),
                   "one section per port, [port0] to [port7], numbered without gaps" },
    [SEC_WORKER] = { "worker", offsetof(struct lr_config, worker), "per-worker resources" },
    [SEC_ARP] = { "arp", offsetof(struct lr_config, arp), "ARP cache (RFC 826)" },
    [SEC_IP] = { "ip", offsetof(struct lr_config, ip), "IPv4 and ICMP" },
    [SEC_FAULT] = { "fault", offsetof(struct lr_config, fault),
                    "fault injection around rx/tx bursts (all 0 = off)" },
    [SEC_STATS] = { "stats", offsetof(struct lr_config, stats), "statistics output" },
    [SEC_TCP] = { "tcp", offsetof(struct lr_config, tcp), "TCP (RFC 9293 and extensions)" },
    [SEC_UDP] = { "udp", offsetof(struct lr_config, udp), "UDP services" },
};

#define FSIZE(st, f) sizeof(((st *)0)->f)
#define KEY(sec, st, name, field, type, min, max, def, help)                                       \
    {                                                                                              \
        sec, LR_CONFIG_KEY(st, name, field, type, min, max, def, help)                             \
    }
/* A core key of a value type of its own (lr_cfg_parse_*). */
#define KEYP(sec, st, name, field, parsefn, min, max, def, help)                                   \
    {                                                                                              \
        sec,                                                                                       \
        {                                                                                          \
            name, LR_CFG_CUSTOM, offsetof(st, field), FSIZE(st, field), min, max, def, help,       \
                parsefn, NULL                                                                      \
        }                                                                                          \
    }

#define US(x)  ((uint64_t)(x))
#define MS(x)  ((uint64_t)(x)*1000)
#define SEC(x) ((uint64_t)(x)*1000000)
#define KIB(x) ((uint64_t)(x) << 10)
#define MIB(x) ((uint64_t)(x) << 20)
#define GIB(x) ((uint64_t)(x) << 30)

#define P struct lr_port_config
#define W struct lr_worker_config
#define A struct lr_arp_config
#define I struct lr_ip_config
#define F struct lr_fault_config
#define S struct lr_stats_config
#define T struct lr_tcp_config
#define U struct lr_udp_config

static const struct cfg_key cfg_keys[] = {
    KEYP(SEC_PORT, P, "addr", addr, lr_cfg_parse_port_addr, 0, 0, NULL,
         "IPv4 address and prefix length of the port, e.g. 198.18.0.2/24"),
    KEY(SEC_PORT, P, "gateway", gateway, LR_CFG_IPV4, 0, 0, "",
        "default gateway, inside the port's subnet; empty = none"),
    KEY(SEC_PORT, P, "mtu", mtu, LR_CFG_UINT, 576, 9000, "1500",
        "IP MTU of the port (RFC 791 §3.1: 576 at least)"),
    KEYP(SEC_PORT, P, "arp", static_arp, lr_cfg_parse_arp_list, 0, LR_MAX_STATIC_ARP, "",
         "static ARP entries 'IP MAC, IP MAC', never expired or overwritten"),

    KEY(SEC_WORKER, W, "burst", burst, LR_CFG_UINT, 1, 64, "32", "RX burst size"),
    KEY(SEC_WORKER, W, "mbufs", mbufs, LR_CFG_UINT, 1024, 16777216, "16384",
        "mbufs in each worker's pool"),
    KEY(SEC_WORKER, W, "mbuf_cache", mbuf_cache, LR_CFG_UINT, 0, 512, "256",
        "per-lcore mempool cache"),
    KEY(SEC_WORKER, W, "rx_desc", rx_desc, LR_CFG_UINT, 64, 32768, "1024",
        "RX descriptors per queue"),
    KEY(SEC_WORKER, W, "tx_desc", tx_desc, LR_CFG_UINT, 64, 32768, "1024",
        "TX descriptors per queue"),
    KEY(SEC_WORKER, W, "tx_flush", tx_flush, LR_CFG_TIME, 0, SEC(1), "100us",
        "longest TX hold while RX bursts come in full (TX is flushed once RX is drained)"),
    KEY(SEC_WORKER, W, "ring_size", ring_size, LR_CFG_UINT, 64, 1u << 20, "1024",
        "entries of each inter-worker ring"),

    KEY(SEC_ARP, A, "table_size", table_size, LR_CFG_UINT, 16, 1u << 20, "1024",
        "ARP entries per worker"),
    KEY(SEC_ARP, A, "pending_max", pending_max, LR_CFG_UINT, 1, 1024, "8",
        "packets parked per unresolved entry"),
    KEY(SEC_ARP, A, "timeout", timeout, LR_CFG_TIME, SEC(1), SEC(86400), "300s",
        "lifetime of a learned entry"),
    KEY(SEC_ARP, A, "retry", retry, LR_CFG_TIME, SEC(1), SEC(60), "1s",
        "re-ask interval while resolving (RFC 1122 §2.3.2.1: at most once a second)"),
    KEY(SEC_ARP, A, "retries", retries, LR_CFG_UINT, 1, 100, "3", "requests before giving up"),
    KEY(SEC_ARP, A, "gratuitous", gratuitous, LR_CFG_BOOL, 0, 0, "yes",
        "send a gratuitous ARP at start"),
    KEY(SEC_ARP, A, "spoof_guard", spoof_guard, LR_CFG_BOOL, 0, 0, "yes",
        "unsolicited replies never overwrite an entry"),

    KEY(SEC_IP, I, "ttl", ttl, LR_CFG_UINT, 1, 255, "64", "TTL of sent packets"),
    KEY(SEC_IP, I, "icmp_rate", icmp_rate, LR_CFG_UINT, 0, 1000000, "100",
        "ICMP errors per second per worker (RFC 1812 §4.3.2.8); 0 = none"),
    KEY(SEC_IP, I, "frag_max_flows", frag_max_flows, LR_CFG_UINT, 1, 1u << 24, "4096",
        "datagrams being reassembled per worker"),
    KEY(SEC_IP, I, "frag_max_entries", frag_max_entries, LR_CFG_UINT, 2, 8192, "64",
        "fragments per datagram"),
    KEY(SEC_IP, I, "frag_timeout", frag_timeout, LR_CFG_TIME, SEC(1), SEC(255), "30s",
        "reassembly timeout (RFC 791, RFC 1122 §3.3.2)"),

    KEY(SEC_FAULT, F, "seed", seed, LR_CFG_UINT, 0, UINT64_MAX, "1",
        "PRNG seed (mixed with the worker id): same seed, same faults"),
    KEY(SEC_FAULT, F, "drop", drop, LR_CFG_PERCENT, 0, 0, "0", "percent of packets dropped"),
    KEY(SEC_FAULT, F, "duplicate", duplicate, LR_CFG_PERCENT, 0, 0, "0",
        "percent of packets duplicated"),
    KEY(SEC_FAULT, F, "reorder", reorder, LR_CFG_PERCENT, 0, 0, "0",
        "percent of packets held back behind later ones"),
    KEY(SEC_FAULT, F, "corrupt", corrupt, LR_CFG_PERCENT, 0, 0, "0",
        "percent of packets with one bit flipped past the Ethernet header"),

    KEY(SEC_STATS, S, "interval", interval, LR_CFG_TIME, 0, SEC(3600), "1s",
        "period of the statistics line; 0 = none"),
    KEY(SEC_STATS, S, "telemetry", telemetry, LR_CFG_BOOL, 0, 0, "yes",
        "register DPDK telemetry commands"),
    KEY(SEC_STATS, S, "pdump", pdump, LR_CFG_BOOL, 0, 0, "yes",
        "allow packet capture with dpdk-dumpcap"),

    KEY(SEC_TCP, T, "max_conns", max_conns, LR_CFG_UINT, 1, 1u << 24, "65536",
        "connections per worker"),
    KEY(SEC_TCP, T, "backlog", backlog, LR_CFG_UINT, 1, 1u << 20, "1024", "SYN queue per listener"),
    KEY(SEC_TCP, T, "time_wait", time_wait, LR_CFG_TIME, SEC(1), SEC(240), "60s",
        "TIME-WAIT duration, 2*MSL (RFC 9293 §3.4.2)"),
    KEY(SEC_TCP, T, "syn_timeout", syn_timeout, LR_CFG_TIME, MS(100), SEC(60), "1s",
        "initial SYN and SYN-ACK retransmission timeout"),
    KEY(SEC_TCP, T, "syn_retries", syn_retries, LR_CFG_UINT, 0, 20, "5",
        "SYN/SYN-ACK retransmissions"),
    KEY(SEC_TCP, T, "rto_min", rto_min, LR_CFG_TIME, MS(1), SEC(60), "200ms",
        "lower bound of the RTO"),
    KEY(SEC_TCP, T, "rto_max", rto_max, LR_CFG_TIME, SEC(1), SEC(600), "60s",
        "upper bound of the RTO (RFC 6298 §2.5: 60 s at least)"),
    KEY(SEC_TCP, T, "rto_initial", rto_initial, LR_CFG_TIME, MS(1), SEC(60), "1s",
        "RTO before the first RTT sample (RFC 6298 §2.1)"),
    KEY(SEC_TCP, T, "retries", retries, LR_CFG_UINT, 1, 100, "15",
        "data retransmissions before the connection is dropped"),
    KEY(SEC_TCP, T, "delayed_ack", delayed_ack, LR_CFG_TIME, 0, MS(500), "40ms",
        "delayed ACK timeout, 500 ms at most (RFC 1122 §4.2.3.2); 0 = ACK at once"),
    KEY(SEC_TCP, T, "nagle", nagle, LR_CFG_BOOL, 0, 0, "yes",
        "Nagle algorithm (RFC 1122 §4.2.3.4)"),
    KEY(SEC_TCP, T, "keepalive", keepalive, LR_CFG_TIME, 0, SEC(86400), "0",
        "idle time before keep-alive probes (RFC 1122 §4.2.3.6); 0 = off"),
    KEY(SEC_TCP, T, "keepalive_intvl", keepalive_intvl, LR_CFG_TIME, SEC(1), SEC(3600), "75s",
        "interval between keep-alive probes"),
    KEY(SEC_TCP, T, "keepalive_probes", keepalive_probes, LR_CFG_UINT, 1, 100, "9",
        "unanswered probes before the connection is dropped"),
    KEY(SEC_TCP, T, "mss", mss, LR_CFG_UINT, 88, 8960, "1460",
        "cap on the advertised MSS (the port MTU - 40 also caps it)"),
    KEY(SEC_TCP, T, "rcvbuf", rcvbuf, LR_CFG_SIZE, KIB(4), MIB(64), "256k",
        "receive buffer per connection"),
    KEY(SEC_TCP, T, "sndbuf", sndbuf, LR_CFG_SIZE, KIB(4), MIB(64), "256k",
        "send buffer per connection"),
    KEY(SEC_TCP, T, "ooo_max", ooo_max, LR_CFG_UINT, 0, 4096, "64",
        "out-of-order segments kept per connection"),
    KEY(SEC_TCP, T, "wscale", wscale, LR_CFG_UINT, 0, 14, "7",
        "our window scale shift, 14 at most (RFC 7323 §2.3)"),
    KEY(SEC_TCP, T, "timestamps", timestamps, LR_CFG_BOOL, 0, 0, "yes",
        "timestamps option (RFC 7323)"),
    KEY(SEC_TCP, T, "sack", sack, LR_CFG_BOOL, 0, 0, "yes",
        "selective acknowledgements (RFC 2018)"),
    KEY(SEC_TCP, T, "sack_boards", sack_boards, LR_CFG_UINT, 0, 1u << 24, "0",
        "SACK scoreboards per worker, lent to connections while their peer reports "
        "loss; 0 = max_conns / 16, at least 64"),
    KEY(SEC_TCP, T, "syncookies", syncookies, LR_CFG_BOOL, 0, 0, "yes",
        "SYN cookies when the SYN queue is full (RFC 4987 §3.6)"),
    KEY(SEC_TCP, T, "challenge_ack_limit", challenge_ack_limit, LR_CFG_UINT, 1, 100000, "10",
        "challenge ACKs per connection per second (RFC 5961 §7)"),
    KEYP(SEC_TCP, T, "cc", cc, lr_cfg_parse_cc, 0, 0, "newreno",
         "congestion control: newreno (RFC 5681, 6582) or cubic (RFC 9438)"),
    KEY(SEC_TCP, T, "echo_port", echo_port, LR_CFG_UINT, 0, 65535, "0",
        "TCP echo service (RFC 862); 0 = off"),
    KEY(SEC_TCP, T, "discard_port", discard_port, LR_CFG_UINT, 0, 65535, "0",
        "TCP discard service (RFC 863); 0 = off"),
    KEY(SEC_TCP, T, "l4_port", l4_port, LR_CFG_UINT, 0, 65535, "0",
        "l4 service: answers client mode's tcp mode (the L4 test protocol); 0 = off"),

    KEY(SEC_UDP, U, "echo_port", echo_port, LR_CFG_UINT, 0, 65535, "0",
        "UDP echo service (RFC 862); 0 = off"),
    KEY(SEC_UDP, U, "l4_port", l4_port, LR_CFG_UINT, 0, 65535, "0",
        "l4 service: answers client mode's udp mode (the L4 test protocol); 0 = off"),
    KEY(SEC_UDP, U, "max_binds", max_binds, LR_CFG_UINT, 1, 65536, "64",
        "UDP ports that can be bound"),

};

#undef P
#undef W
#undef A
#undef I
#undef F
#undef S
#undef T
#undef U

static_assert(RTE_DIM(cfg_keys) == CFG_NB_KEYS,
              "CFG_NB_KEYS must be the number of rows of cfg_keys[]");

const struct cfg_section *lr_cfg_section_table(void)
{
    return cfg_sections;
}

const struct cfg_key *lr_cfg_key_table(void)
{
    return cfg_keys;
}

unsigned lr_cfg_key_index(enum cfg_sec sec, const char *name)
{
    unsigned ki;

    for (ki = 0; ki < CFG_NB_KEYS; ki++)
        if (cfg_keys[ki].sec == sec && strcmp(cfg_keys[ki].k.name, name) == 0)
            break;
    return ki;
}
