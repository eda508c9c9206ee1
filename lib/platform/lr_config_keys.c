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
    [SEC_HTTP] = { "http", offsetof(struct lr_config, http), "HTTP/1.1 static file server" },
    [SEC_FTP] = { "ftp", offsetof(struct lr_config, ftp), "FTP server (RFC 959)" },
    [SEC_UDP] = { "udp", offsetof(struct lr_config, udp), "UDP services" },
    [SEC_TFTP] = { "tftp", offsetof(struct lr_config, tftp), "TFTP server (RFC 1350)" },
    [SEC_CLIENT] = { "client", offsetof(struct lr_config, client),
                     "HTTP load generator; the section being present selects client mode" },
    [SEC_METRICS] = { "metrics", offsetof(struct lr_config, metrics),
                      "Prometheus metrics (GET /metrics) on a port of our own TCP stack" },
};

#define FSIZE(st, f) sizeof(((st *)0)->f)
#define KEY(sec, st, name, field, type, min, max, def, help)                                       \
    {                                                                                              \
        sec, name, type, offsetof(st, field), FSIZE(st, field), min, max, def, help                \
    }

#define US(x)  ((uint64_t)(x))
#define MS(x)  ((uint64_t)(x)*1000)
#define SEC(x) ((uint64_t)(x)*1000000)
#define KIB(x) ((uint64_t)(x) << 10)
#define MIB(x) ((uint64_t)(x) << 20)
#define GIB(x) ((uint64_t)(x) << 30)

#define P  struct lr_port_config
#define W  struct lr_worker_config
#define A  struct lr_arp_config
#define I  struct lr_ip_config
#define F  struct lr_fault_config
#define S  struct lr_stats_config
#define T  struct lr_tcp_config
#define H  struct lr_http_config
#define FT struct lr_ftp_config
#define U  struct lr_udp_config
#define TF struct lr_tftp_config
#define C  struct lr_client_config
#define M  struct lr_metrics_config

static const struct cfg_key cfg_keys[] = {
    KEY(SEC_PORT, P, "addr", addr, T_PORT_ADDR, 0, 0, NULL,
        "IPv4 address and prefix length of the port, e.g. 198.18.0.2/24"),
    KEY(SEC_PORT, P, "gateway", gateway, T_IPV4, 0, 0, "",
        "default gateway, inside the port's subnet; empty = none"),
    KEY(SEC_PORT, P, "mtu", mtu, T_UINT, 576, 9000, "1500",
        "IP MTU of the port (RFC 791 §3.1: 576 at least)"),
    KEY(SEC_PORT, P, "arp", static_arp, T_ARP_LIST, 0, LR_MAX_STATIC_ARP, "",
        "static ARP entries 'IP MAC, IP MAC', never expired or overwritten"),

    KEY(SEC_WORKER, W, "burst", burst, T_UINT, 1, 64, "32", "RX burst size"),
    KEY(SEC_WORKER, W, "mbufs", mbufs, T_UINT, 1024, 16777216, "16384",
        "mbufs in each worker's pool"),
    KEY(SEC_WORKER, W, "mbuf_cache", mbuf_cache, T_UINT, 0, 512, "256", "per-lcore mempool cache"),
    KEY(SEC_WORKER, W, "rx_desc", rx_desc, T_UINT, 64, 32768, "1024", "RX descriptors per queue"),
    KEY(SEC_WORKER, W, "tx_desc", tx_desc, T_UINT, 64, 32768, "1024", "TX descriptors per queue"),
    KEY(SEC_WORKER, W, "tx_flush", tx_flush, T_TIME, 0, SEC(1), "100us",
        "longest TX hold while RX bursts come in full (TX is flushed once RX is drained)"),
    KEY(SEC_WORKER, W, "ring_size", ring_size, T_UINT, 64, 1u << 20, "1024",
        "entries of each inter-worker ring"),

    KEY(SEC_ARP, A, "table_size", table_size, T_UINT, 16, 1u << 20, "1024",
        "ARP entries per worker"),
    KEY(SEC_ARP, A, "pending_max", pending_max, T_UINT, 1, 1024, "8",
        "packets parked per unresolved entry"),
    KEY(SEC_ARP, A, "timeout", timeout, T_TIME, SEC(1), SEC(86400), "300s",
        "lifetime of a learned entry"),
    KEY(SEC_ARP, A, "retry", retry, T_TIME, SEC(1), SEC(60), "1s",
        "re-ask interval while resolving (RFC 1122 §2.3.2.1: at most once a second)"),
    KEY(SEC_ARP, A, "retries", retries, T_UINT, 1, 100, "3", "requests before giving up"),
    KEY(SEC_ARP, A, "gratuitous", gratuitous, T_BOOL, 0, 0, "yes",
        "send a gratuitous ARP at start"),
    KEY(SEC_ARP, A, "spoof_guard", spoof_guard, T_BOOL, 0, 0, "yes",
        "unsolicited replies never overwrite an entry"),

    KEY(SEC_IP, I, "ttl", ttl, T_UINT, 1, 255, "64", "TTL of sent packets"),
    KEY(SEC_IP, I, "icmp_rate", icmp_rate, T_UINT, 0, 1000000, "100",
        "ICMP errors per second per worker (RFC 1812 §4.3.2.8); 0 = none"),
    KEY(SEC_IP, I, "frag_max_flows", frag_max_flows, T_UINT, 1, 1u << 24, "4096",
        "datagrams being reassembled per worker"),
    KEY(SEC_IP, I, "frag_max_entries", frag_max_entries, T_UINT, 2, 8192, "64",
        "fragments per datagram"),
    KEY(SEC_IP, I, "frag_timeout", frag_timeout, T_TIME, SEC(1), SEC(255), "30s",
        "reassembly timeout (RFC 791, RFC 1122 §3.3.2)"),

    KEY(SEC_FAULT, F, "seed", seed, T_UINT, 0, UINT64_MAX, "1",
        "PRNG seed (mixed with the worker id): same seed, same faults"),
    KEY(SEC_FAULT, F, "drop", drop, T_PERCENT, 0, 0, "0", "percent of packets dropped"),
    KEY(SEC_FAULT, F, "duplicate", duplicate, T_PERCENT, 0, 0, "0",
        "percent of packets duplicated"),
    KEY(SEC_FAULT, F, "reorder", reorder, T_PERCENT, 0, 0, "0",
        "percent of packets held back behind later ones"),
    KEY(SEC_FAULT, F, "corrupt", corrupt, T_PERCENT, 0, 0, "0",
        "percent of packets with one bit flipped past the Ethernet header"),

    KEY(SEC_STATS, S, "interval", interval, T_TIME, 0, SEC(3600), "1s",
        "period of the statistics line; 0 = none"),
    KEY(SEC_STATS, S, "telemetry", telemetry, T_BOOL, 0, 0, "yes",
        "register DPDK telemetry commands"),
    KEY(SEC_STATS, S, "pdump", pdump, T_BOOL, 0, 0, "yes",
        "allow packet capture with dpdk-dumpcap"),

    KEY(SEC_TCP, T, "max_conns", max_conns, T_UINT, 1, 1u << 24, "65536", "connections per worker"),
    KEY(SEC_TCP, T, "backlog", backlog, T_UINT, 1, 1u << 20, "1024", "SYN queue per listener"),
    KEY(SEC_TCP, T, "time_wait", time_wait, T_TIME, SEC(1), SEC(240), "60s",
        "TIME-WAIT duration, 2*MSL (RFC 9293 §3.4.2)"),
    KEY(SEC_TCP, T, "syn_timeout", syn_timeout, T_TIME, MS(100), SEC(60), "1s",
        "initial SYN and SYN-ACK retransmission timeout"),
    KEY(SEC_TCP, T, "syn_retries", syn_retries, T_UINT, 0, 20, "5", "SYN/SYN-ACK retransmissions"),
    KEY(SEC_TCP, T, "rto_min", rto_min, T_TIME, MS(1), SEC(60), "200ms", "lower bound of the RTO"),
    KEY(SEC_TCP, T, "rto_max", rto_max, T_TIME, SEC(1), SEC(600), "60s",
        "upper bound of the RTO (RFC 6298 §2.5: 60 s at least)"),
    KEY(SEC_TCP, T, "rto_initial", rto_initial, T_TIME, MS(1), SEC(60), "1s",
        "RTO before the first RTT sample (RFC 6298 §2.1)"),
    KEY(SEC_TCP, T, "retries", retries, T_UINT, 1, 100, "15",
        "data retransmissions before the connection is dropped"),
    KEY(SEC_TCP, T, "delayed_ack", delayed_ack, T_TIME, 0, MS(500), "40ms",
        "delayed ACK timeout, 500 ms at most (RFC 1122 §4.2.3.2); 0 = ACK at once"),
    KEY(SEC_TCP, T, "nagle", nagle, T_BOOL, 0, 0, "yes", "Nagle algorithm (RFC 1122 §4.2.3.4)"),
    KEY(SEC_TCP, T, "keepalive", keepalive, T_TIME, 0, SEC(86400), "0",
        "idle time before keep-alive probes (RFC 1122 §4.2.3.6); 0 = off"),
    KEY(SEC_TCP, T, "keepalive_intvl", keepalive_intvl, T_TIME, SEC(1), SEC(3600), "75s",
        "interval between keep-alive probes"),
    KEY(SEC_TCP, T, "keepalive_probes", keepalive_probes, T_UINT, 1, 100, "9",
        "unanswered probes before the connection is dropped"),
    KEY(SEC_TCP, T, "mss", mss, T_UINT, 88, 8960, "1460",
        "cap on the advertised MSS (the port MTU - 40 also caps it)"),
    KEY(SEC_TCP, T, "rcvbuf", rcvbuf, T_SIZE, KIB(4), MIB(64), "256k",
        "receive buffer per connection"),
    KEY(SEC_TCP, T, "sndbuf", sndbuf, T_SIZE, KIB(4), MIB(64), "256k",
        "send buffer per connection"),
    KEY(SEC_TCP, T, "ooo_max", ooo_max, T_UINT, 0, 4096, "64",
        "out-of-order segments kept per connection"),
    KEY(SEC_TCP, T, "wscale", wscale, T_UINT, 0, 14, "7",
        "our window scale shift, 14 at most (RFC 7323 §2.3)"),
    KEY(SEC_TCP, T, "timestamps", timestamps, T_BOOL, 0, 0, "yes", "timestamps option (RFC 7323)"),
    KEY(SEC_TCP, T, "sack", sack, T_BOOL, 0, 0, "yes", "selective acknowledgements (RFC 2018)"),
    KEY(SEC_TCP, T, "syncookies", syncookies, T_BOOL, 0, 0, "yes",
        "SYN cookies when the SYN queue is full (RFC 4987 §3.6)"),
    KEY(SEC_TCP, T, "challenge_ack_limit", challenge_ack_limit, T_UINT, 1, 100000, "10",
        "challenge ACKs per connection per second (RFC 5961 §7)"),
    KEY(SEC_TCP, T, "cc", cc, T_CC, 0, 0, "newreno",
        "congestion control: newreno (RFC 5681, 6582) or cubic (RFC 9438)"),
    KEY(SEC_TCP, T, "echo_port", echo_port, T_UINT, 0, 65535, "0",
        "TCP echo service (RFC 862); 0 = off"),
    KEY(SEC_TCP, T, "discard_port", discard_port, T_UINT, 0, 65535, "0",
        "TCP discard service (RFC 863); 0 = off"),

    KEY(SEC_HTTP, H, "enabled", enabled, T_BOOL, 0, 0, "yes", "serve HTTP"),
    KEY(SEC_HTTP, H, "listen", listen, T_LISTEN, 1, 65535, "80", "comma-separated TCP ports"),
    KEY(SEC_HTTP, H, "root", root, T_PATH, 1, 0, "www",
        "document root, relative to the config file's directory"),
    KEY(SEC_HTTP, H, "index", index, T_STR, 1, 0, "index.html", "file served for a directory"),
    KEY(SEC_HTTP, H, "server_name", server_name, T_STR, 1, 0, "linerate", "Server header"),
    KEY(SEC_HTTP, H, "max_header_bytes", max_header_bytes, T_SIZE, KIB(1), MIB(1), "8k",
        "request line and headers; larger gets 431"),
    KEY(SEC_HTTP, H, "max_headers", max_headers, T_UINT, 1, 1024, "64",
        "header fields per request"),
    KEY(SEC_HTTP, H, "max_uri_bytes", max_uri_bytes, T_SIZE, 64, KIB(64), "2k",
        "request target length; longer gets 414"),
    KEY(SEC_HTTP, H, "max_body_bytes", max_body_bytes, T_SIZE, 0, GIB(1), "1m",
        "request bodies (read and discarded); larger gets 413"),
    KEY(SEC_HTTP, H, "header_timeout", header_timeout, T_TIME, MS(100), SEC(3600), "10s",
        "time to receive a request's headers before 408"),
    KEY(SEC_HTTP, H, "keepalive_timeout", keepalive_timeout, T_TIME, 0, SEC(3600), "60s",
        "idle persistent connections are closed after this; 0 = no keep-alive"),
    KEY(SEC_HTTP, H, "max_requests_per_conn", max_requests_per_conn, T_UINT, 0, UINT32_MAX, "0",
        "requests per connection; 0 = unlimited"),
    KEY(SEC_HTTP, H, "cache_bytes", cache_bytes, T_SIZE, 0, GIB(64), "256m",
        "file cache size shared by the workers"),

    KEY(SEC_FTP, FT, "enabled", enabled, T_BOOL, 0, 0, "yes", "serve FTP"),
    KEY(SEC_FTP, FT, "listen", listen, T_UINT, 1, 65535, "21", "control connection port"),
    KEY(SEC_FTP, FT, "root", root, T_PATH, 0, 0, "",
        "FTP root, relative to the config file's directory; empty = the HTTP root"),
    KEY(SEC_FTP, FT, "upload_dir", upload_dir, T_SUBDIR, 0, 0, "",
        "directory under the root where STOR is allowed; empty = uploads off"),
    KEY(SEC_FTP, FT, "max_upload_bytes", max_upload_bytes, T_SIZE, 0, GIB(1024), "64m",
        "largest accepted upload"),
    KEY(SEC_FTP, FT, "pasv_ports", pasv_min, T_PASV, 1024, 65535, "50000-50999",
        "passive data port range, first-last"),
    KEY(SEC_FTP, FT, "pasv_address", pasv_address, T_IPV4, 0, 0, "",
        "address announced in PASV replies; empty = the port's own"),
    KEY(SEC_FTP, FT, "active_from_port_20", active_from_port_20, T_BOOL, 0, 0, "no",
        "active-mode data connections from port 20 (RFC 959 §3.2) instead of an ephemeral port"),
    KEY(SEC_FTP, FT, "anonymous", anonymous, T_BOOL, 0, 0, "yes",
        "allow USER anonymous/ftp (RFC 1635)"),
    KEY(SEC_FTP, FT, "users", users, T_PATH, 0, 0, "",
        "user:crypt-hash file (see lr-ftp-passwd); empty = none"),
    KEY(SEC_FTP, FT, "idle_timeout", idle_timeout, T_TIME, SEC(1), SEC(86400), "300s",
        "idle control connections are closed (421) after this"),
    KEY(SEC_FTP, FT, "max_sessions", max_sessions, T_UINT, 1, 65536, "256",
        "FTP sessions per worker"),

    KEY(SEC_UDP, U, "echo_port", echo_port, T_UINT, 0, 65535, "0",
        "UDP echo service (RFC 862); 0 = off"),
    KEY(SEC_UDP, U, "max_binds", max_binds, T_UINT, 1, 65536, "64", "UDP ports that can be bound"),

    KEY(SEC_TFTP, TF, "listen", listen, T_UINT, 0, 65535, "0",
        "TFTP port (69 is standard); 0 = off"),
    KEY(SEC_TFTP, TF, "root", root, T_PATH, 0, 0, "",
        "TFTP root (read-only), relative to the config file's directory; empty = the HTTP root"),
    KEY(SEC_TFTP, TF, "max_sessions", max_sessions, T_UINT, 1, 65536, "64", "transfers per worker"),
    KEY(SEC_TFTP, TF, "timeout", timeout, T_TIME, MS(100), SEC(255), "1s",
        "retransmission timeout (RFC 2349: 1-255 s when negotiated)"),
    KEY(SEC_TFTP, TF, "retries", retries, T_UINT, 1, 100, "5", "retransmissions before giving up"),
    KEY(SEC_TFTP, TF, "max_window", max_window, T_UINT, 1, 65535, "64",
        "largest windowsize granted (RFC 7440): blocks sent before waiting for an ACK"),

    KEY(SEC_CLIENT, C, "target", targets, T_TARGETS, 0, LR_MAX_TARGETS, NULL,
        "comma-separated servers ip:port (required in client mode)"),
    KEY(SEC_CLIENT, C, "path", paths, T_URLS, 0, LR_MAX_TARGETS, "/",
        "comma-separated request paths, used in turn"),
    KEY(SEC_CLIENT, C, "host", host, T_STR, 0, 0, "", "Host header; empty = the target address"),
    KEY(SEC_CLIENT, C, "connections", connections, T_UINT, 1, 1u << 24, "64",
        "concurrent connections"),
    KEY(SEC_CLIENT, C, "requests_per_conn", requests_per_conn, T_UINT, 0, UINT32_MAX, "0",
        "requests per connection: 1 measures connections/s; 0 = keep-alive forever"),
    KEY(SEC_CLIENT, C, "rate", rate, T_UINT, 0, 1000000000, "0",
        "new connections per second; 0 = no cap"),
    KEY(SEC_CLIENT, C, "duration", duration, T_TIME, MS(100), SEC(30 * 86400), "10s",
        "test duration"),
    KEY(SEC_CLIENT, C, "ramp", ramp, T_TIME, 0, SEC(3600), "0", "ramp-up time to full concurrency"),
    KEY(SEC_CLIENT, C, "source_addrs", source_first, T_SRC_RANGE, 0, 0, "",
        "source addresses first-last or a single one; empty = the port address"),
    KEY(SEC_CLIENT, C, "report", report, T_PATH, 0, 0, "",
        "JSON report written at the end, relative to the config file's directory; empty = none"),

    KEY(SEC_METRICS, M, "listen", listen, T_UINT, 0, 65535, "0",
        "TCP port serving GET /metrics (Prometheus text format 0.0.4); 0 = off"),
    KEY(SEC_METRICS, M, "allow", allow, T_PREFIXES, 0, LR_MAX_ALLOW, "",
        "comma-separated IPv4 source prefixes (CIDR) allowed to scrape; empty = none"),
};

#undef P
#undef W
#undef A
#undef I
#undef F
#undef S
#undef T
#undef H
#undef FT
#undef U
#undef TF
#undef C
#undef M

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
        if (cfg_keys[ki].sec == sec && strcmp(cfg_keys[ki].name, name) == 0)
            break;
    return ki;
}
