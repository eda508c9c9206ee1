/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration loader (lr_config.h).
 *
 * One static table row per key: section, name, type, field offset and size,
 * bounds, default text and help. Defaults are produced by parsing the
 * default text of every row with the same code that parses the file, so the
 * table is the single source of truth (lr_config_help() prints it, and a
 * unit test checks config/default.conf documents every row).
 *
 * Loading: the text is first checked line by line (rte_cfgfile silently
 * skips lines without '=' and truncates long names and values, so syntax
 * errors are caught here, with a line number), then written to a memfd and
 * read with rte_cfgfile. Sections and entries are walked by index so
 * duplicate sections and keys are seen and rejected. After all keys, the
 * cross-key checks run (port subnets, gateway, RTO bounds, port clashes).
 *
 * Every error is one line: "FILE: [section] key: reason".
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_cfgfile.h>
#include <rte_common.h>
#include <rte_ether.h>
#include <rte_string_fns.h>

#include "lr_config.h"

#define CFG_FILE_MAX (1u << 20) /* bigger than any sane config */
#define CFG_COMMENT  '#'
/* rte_cfgfile reads lines into CFG_NAME_LEN + CFG_VALUE_LEN + 4 bytes. */
#define CFG_LINE_MAX (CFG_NAME_LEN + CFG_VALUE_LEN + 2)

enum cfg_sec {
    SEC_PORT,
    SEC_WORKER,
    SEC_ARP,
    SEC_IP,
    SEC_FAULT,
    SEC_STATS,
    SEC_TCP,
    SEC_HTTP,
    SEC_FTP,
    SEC_UDP,
    SEC_TFTP,
    SEC_CLIENT,
    SEC_MAX,
};

static const struct {
    const char *name;
    size_t off; /* of the section struct in struct lr_config */
    const char *help;
} cfg_sections[SEC_MAX] = {
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
};

enum cfg_type {
    T_UINT,      /* plain decimal integer */
    T_SIZE,      /* bytes, k/m/g suffixes */
    T_TIME,      /* microseconds, us/ms/s/m/h suffixes */
    T_BOOL,      /* bool */
    T_PERCENT,   /* double in [0, 100] */
    T_IPV4,      /* rte_be32_t, empty = 0 */
    T_STR,       /* char[], printable, min = minimum length */
    T_PATH,      /* char[LR_PATH_MAX], resolved against the config directory */
    T_SUBDIR,    /* char[LR_PATH_MAX], relative path without "..", empty = off */
    T_PORT_ADDR, /* [portN] addr: a.b.c.d/n into addr + prefix */
    T_ARP_LIST,  /* [portN] arp: "IP MAC, IP MAC" */
    T_PASV,      /* [ftp] pasv_ports: "A-B" */
    T_LISTEN,    /* [http] listen: comma list of ports */
    T_TARGETS,   /* [client] target: comma list of ip:port */
    T_URLS,      /* [client] path: comma list of /paths */
    T_SRC_RANGE, /* [client] source_addrs: "A-B" or "A" */
    T_CC,        /* [tcp] cc: newreno|cubic */
};

struct cfg_key {
    enum cfg_sec sec;
    const char *name;
    enum cfg_type type;
    size_t off;  /* of the field in the section struct */
    size_t size; /* of the field */
    uint64_t min, max;
    const char *def; /* NULL: no default (required, or set by other rules) */
    const char *help;
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

#define NB_KEYS RTE_DIM(cfg_keys)

/* ------------------------------------------------------------------------ */
/* Value parsers                                                             */

/* Strict unsigned decimal: digits only, no sign, no spaces; -ERANGE on
 * overflow. *end is left after the digits. */
static int parse_dec(const char *s, const char **end, uint64_t *out)
{
    uint64_t v = 0;
    const char *p = s;

    if (!isdigit((unsigned char)*p))
        return -EINVAL;
    for (; isdigit((unsigned char)*p); p++) {
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -ERANGE;
        v = v * 10 + d;
    }
    *end = p;
    *out = v;
    return 0;
}

static int parse_uint(const char *s, uint64_t *out)
{
    const char *end;
    int rc;

    if (s == NULL)
        return -EINVAL;
    rc = parse_dec(s, &end, out);
    if (rc != 0)
        return rc;
    return *end == '\0' ? 0 : -EINVAL;
}

int lr_parse_size(const char *s, uint64_t *out)
{
    const char *end;
    uint64_t v;
    unsigned shift = 0;

    if (s == NULL || out == NULL || parse_dec(s, &end, &v) != 0)
        return -EINVAL;
    switch (tolower((unsigned char)*end)) {
    case '\0':
        break;
    case 'k':
        shift = 10;
        break;
    case 'm':
        shift = 20;
        break;
    case 'g':
        shift = 30;
        break;
    default:
        return -EINVAL;
    }
    if (shift != 0 && end[1] != '\0')
        return -EINVAL;
    if (shift != 0 && v > (UINT64_MAX >> shift))
        return -EINVAL;
    *out = v << shift;
    return 0;
}

int lr_parse_time_us(const char *s, uint64_t *out)
{
    static const struct {
        const char *unit;
        uint64_t mult;
    } units[] = {
        { "", 1000000 },  { "us", 1 },       { "ms", 1000 },
        { "s", 1000000 }, { "m", 60000000 }, { "h", 3600000000ULL },
    };
    const char *end;
    uint64_t v;

    if (s == NULL || out == NULL || parse_dec(s, &end, &v) != 0)
        return -EINVAL;
    for (unsigned i = 0; i < RTE_DIM(units); i++) {
        if (strcasecmp(end, units[i].unit) != 0)
            continue;
        if (v > UINT64_MAX / units[i].mult)
            return -EINVAL;
        *out = v * units[i].mult;
        return 0;
    }
    return -EINVAL;
}

int lr_parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = { "yes", "true", "on", "1" };
    static const char *const no[] = { "no", "false", "off", "0" };

    if (s == NULL || out == NULL)
        return -EINVAL;
    for (unsigned i = 0; i < RTE_DIM(yes); i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    return -EINVAL;
}

/* Dotted quad, strict: four decimal parts 0-255, no leading zeros (they
 * would read as octal to inet_aton), nothing before or after. */
static int parse_ipv4_prefix_of(const char *s, const char **end, rte_be32_t *out)
{
    uint32_t a = 0;
    const char *p = s;

    for (int i = 0; i < 4; i++) {
        unsigned v = 0, digits = 0;
        if (i > 0) {
            if (*p != '.')
                return -EINVAL;
            p++;
        }
        if (!isdigit((unsigned char)*p))
            return -EINVAL;
        if (*p == '0' && isdigit((unsigned char)p[1]))
            return -EINVAL;
        while (isdigit((unsigned char)*p)) {
            v = v * 10 + (unsigned)(*p++ - '0');
            if (++digits > 3 || v > 255)
                return -EINVAL;
        }
        a = (a << 8) | v;
    }
    *end = p;
    *out = rte_cpu_to_be_32(a);
    return 0;
}

int lr_parse_ipv4(const char *s, rte_be32_t *out)
{
    const char *end;
    rte_be32_t a;

    if (s == NULL || out == NULL || parse_ipv4_prefix_of(s, &end, &a) != 0 || *end != '\0')
        return -EINVAL;
    *out = a;
    return 0;
}

int lr_parse_ipv4_prefix(const char *s, rte_be32_t *addr, uint8_t *prefix)
{
    const char *end, *pend;
    rte_be32_t a;
    uint64_t n;

    if (s == NULL || addr == NULL || prefix == NULL || parse_ipv4_prefix_of(s, &end, &a) != 0 ||
        *end != '/')
        return -EINVAL;
    end++;
    if (parse_dec(end, &pend, &n) != 0 || *pend != '\0' || n > 32 ||
        (end[0] == '0' && pend - end > 1))
        return -EINVAL;
    *addr = a;
    *prefix = (uint8_t)n;
    return 0;
}

int lr_parse_percent(const char *s, double *out)
{
    const char *p = s;
    double v = 0, scale = 1;
    unsigned digits = 0;

    if (s == NULL || out == NULL)
        return -EINVAL;
    for (; isdigit((unsigned char)*p); p++) {
        v = v * 10 + (*p - '0');
        if (++digits > 3) /* at most "100" before the point */
            return -EINVAL;
    }
    if (digits == 0)
        return -EINVAL;
    if (*p == '.') {
        unsigned frac = 0;
        for (p++; isdigit((unsigned char)*p); p++, frac++) {
            if (frac < 15) { /* beyond double precision: ignored */
                scale /= 10;
                v += (*p - '0') * scale;
            }
        }
        if (frac == 0)
            return -EINVAL;
    }
    if (*p == '%')
        p++;
    if (*p != '\0' || v > 100.0)
        return -EINVAL;
    *out = v;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Formatting for messages and help                                          */

static const char *fmt_time(uint64_t us, char *buf, size_t len)
{
    if (us == 0)
        snprintf(buf, len, "0");
    else if (us % UINT64_C(3600000000) == 0)
        snprintf(buf, len, "%" PRIu64 "h", us / UINT64_C(3600000000));
    else if (us % UINT64_C(60000000) == 0 && us >= UINT64_C(600000000))
        snprintf(buf, len, "%" PRIu64 "m", us / UINT64_C(60000000));
    else if (us % 1000000 == 0)
        snprintf(buf, len, "%" PRIu64 "s", us / 1000000);
    else if (us % 1000 == 0)
        snprintf(buf, len, "%" PRIu64 "ms", us / 1000);
    else
        snprintf(buf, len, "%" PRIu64 "us", us);
    return buf;
}

static const char *fmt_size(uint64_t b, char *buf, size_t len)
{
    if (b != 0 && b % GIB(1) == 0)
        snprintf(buf, len, "%" PRIu64 "g", b >> 30);
    else if (b != 0 && b % MIB(1) == 0)
        snprintf(buf, len, "%" PRIu64 "m", b >> 20);
    else if (b != 0 && b % KIB(1) == 0)
        snprintf(buf, len, "%" PRIu64 "k", b >> 10);
    else
        snprintf(buf, len, "%" PRIu64, b);
    return buf;
}

static const char *fmt_range(const struct cfg_key *k, char *buf, size_t len)
{
    char a[32], b[32];

    switch (k->type) {
    case T_UINT:
        snprintf(buf, len, "%" PRIu64 "-%" PRIu64, k->min, k->max);
        break;
    case T_SIZE:
        snprintf(buf, len, "%s-%s", fmt_size(k->min, a, sizeof(a)), fmt_size(k->max, b, sizeof(b)));
        break;
    case T_TIME:
        snprintf(buf, len, "%s-%s", fmt_time(k->min, a, sizeof(a)), fmt_time(k->max, b, sizeof(b)));
        break;
    default:
        buf[0] = '\0';
        break;
    }
    return buf;
}

/* ------------------------------------------------------------------------ */
/* Paths                                                                     */

/* Normalise an absolute path in place: collapse "//", "." and "..". */
static void path_normalise(char *p)
{
    char *out = p, *in = p;

    while (*in != '\0') {
        while (*in == '/')
            in++;
        if (*in == '\0')
            break;
        char *seg = in;
        while (*in != '\0' && *in != '/')
            in++;
        size_t n = (size_t)(in - seg);
        if (n == 1 && seg[0] == '.')
            continue;
        if (n == 2 && seg[0] == '.' && seg[1] == '.') {
            while (out > p && *--out != '/')
                ;
            continue;
        }
        *out++ = '/';
        memmove(out, seg, n);
        out += n;
    }
    if (out == p)
        *out++ = '/';
    *out = '\0';
}

/* @base is absolute. 0, or -ENAMETOOLONG. */
static int path_resolve(const char *base, const char *rel, char *out, size_t len)
{
    int n;

    if (rel[0] == '/')
        n = snprintf(out, len, "%s", rel);
    else
        n = snprintf(out, len, "%s/%s", base, rel);
    if (n < 0 || (size_t)n >= len)
        return -ENAMETOOLONG;
    path_normalise(out);
    return 0;
}

/* Absolute directory of @name (a config file path), into @out. */
static void config_basedir(const char *name, char *out, size_t len)
{
    char cwd[LR_PATH_MAX];
    const char *slash = name != NULL ? strrchr(name, '/') : NULL;

    if (getcwd(cwd, sizeof(cwd)) == NULL)
        rte_strscpy(cwd, "/", sizeof(cwd));
    if (slash == NULL) {
        rte_strscpy(out, cwd, len);
        return;
    }
    char dir[LR_PATH_MAX];
    size_t dl = RTE_MIN((size_t)(slash - name), sizeof(dir) - 1);
    memcpy(dir, name, dl);
    dir[dl] = '\0';
    if (dl == 0)
        rte_strscpy(dir, "/", sizeof(dir));
    if (path_resolve(cwd, dir, out, len) != 0)
        rte_strscpy(out, cwd, len);
}

/* ------------------------------------------------------------------------ */
/* Loader state                                                              */

struct cfg_ctx {
    struct lr_config *cfg;
    const char *name; /* file name for messages */
    char basedir[LR_PATH_MAX];
    char *err;
    size_t errlen;
    /* Which keys were given, per port for [portN] keys. */
    bool set[LR_MAX_PORTS][NB_KEYS];
    bool sec_seen[SEC_MAX];
};

static int cfg_error(struct cfg_ctx *c, const char *fmt, ...) __rte_format_printf(2, 3);

/* "NAME: " + the formatted text; always -EINVAL. */
static int cfg_error(struct cfg_ctx *c, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (c->err == NULL || c->errlen == 0)
        return -EINVAL;
    n = snprintf(c->err, c->errlen, "%s: ", c->name);
    if (n < 0 || (size_t)n >= c->errlen)
        return -EINVAL;
    va_start(ap, fmt);
    vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

static void *sec_base(struct lr_config *cfg, enum cfg_sec sec, unsigned port)
{
    char *b = (char *)cfg + cfg_sections[sec].off;
    if (sec == SEC_PORT)
        b += port * sizeof(struct lr_port_config);
    return b;
}

static void store_uint(void *field, size_t size, uint64_t v)
{
    switch (size) {
    case 1:
        *(uint8_t *)field = (uint8_t)v;
        break;
    case 2:
        *(uint16_t *)field = (uint16_t)v;
        break;
    case 4:
        *(uint32_t *)field = (uint32_t)v;
        break;
    default:
        *(uint64_t *)field = v;
        break;
    }
}

/* Split @s at commas into trimmed items (in place); returns the count or -1
 * when there are more than @max. An empty string gives 0 items; empty items
 * are kept (and rejected by the caller). */
static int split_list(char *s, char **items, int max)
{
    int n = 0;

    while (isspace((unsigned char)*s))
        s++;
    if (*s == '\0')
        return 0;
    for (;;) {
        char *comma = strchr(s, ',');
        if (comma != NULL)
            *comma = '\0';
        char *e = s + strlen(s);
        while (e > s && isspace((unsigned char)e[-1]))
            *--e = '\0';
        while (isspace((unsigned char)*s))
            s++;
        if (n == max)
            return -1;
        items[n++] = s;
        if (comma == NULL)
            return n;
        s = comma + 1;
    }
}

/*
 * Split @val (copied into @tmp, @tl bytes) into 1..@max items for a
 * list-valued key; @what names one item ("port", "target", "path") in the
 * messages. Returns the count, or -EINVAL with @why set.
 */
static int split_key_list(const char *val, char *tmp, size_t tl, char **items, int max,
                          const char *what, char *why, size_t wl)
{
    rte_strscpy(tmp, val, tl);
    int n = split_list(tmp, items, max);
    if (n < 0) {
        snprintf(why, wl, "more than %d %ss", max, what);
        return -EINVAL;
    }
    if (n == 0) {
        snprintf(why, wl, "must list at least one %s", what);
        return -EINVAL;
    }
    return n;
}

static bool str_printable(const char *s)
{
    for (; *s != '\0'; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
            return false;
    return true;
}

static int parse_port_number(const char *s, uint64_t min, uint64_t max, uint16_t *out)
{
    uint64_t v;

    if (parse_uint(s, &v) != 0 || v < min || v > max)
        return -EINVAL;
    *out = (uint16_t)v;
    return 0;
}

/*
 * Parse @val for key @k into the section at @base. On error writes the
 * reason into @why and returns -EINVAL.
 */
static int key_parse(struct cfg_ctx *c, const struct cfg_key *k, void *base, const char *val,
                     char *why, size_t wl)
{
    void *field = (char *)base + k->off;
    char r[64], tmp[CFG_VALUE_LEN + 1];
    uint64_t v;
    int rc;

    switch (k->type) {
    case T_UINT:
        rc = parse_uint(val, &v);
        if (rc == -EINVAL) {
            snprintf(why, wl, "'%s' is not a number", val);
            return -EINVAL;
        }
        if (rc != 0 || v < k->min || v > k->max) {
            snprintf(why, wl, "'%s' is out of range (%s)", val, fmt_range(k, r, sizeof(r)));
            return -EINVAL;
        }
        store_uint(field, k->size, v);
        return 0;
    case T_SIZE:
        if (lr_parse_size(val, &v) != 0) {
            snprintf(why, wl, "'%s' is not a size (bytes, or with a k/m/g suffix)", val);
            return -EINVAL;
        }
        if (v < k->min || v > k->max) {
            snprintf(why, wl, "'%s' is out of range (%s)", val, fmt_range(k, r, sizeof(r)));
            return -EINVAL;
        }
        store_uint(field, k->size, v);
        return 0;
    case T_TIME:
        if (lr_parse_time_us(val, &v) != 0) {
            snprintf(why, wl, "'%s' is not a time (a number with us/ms/s/m/h; bare = seconds)",
                     val);
            return -EINVAL;
        }
        if (v < k->min || v > k->max) {
            snprintf(why, wl, "'%s' is out of range (%s)", val, fmt_range(k, r, sizeof(r)));
            return -EINVAL;
        }
        store_uint(field, k->size, v);
        return 0;
    case T_BOOL:
        if (lr_parse_bool(val, (bool *)field) != 0) {
            snprintf(why, wl, "'%s' is not a boolean (yes/no, true/false, on/off, 1/0)", val);
            return -EINVAL;
        }
        return 0;
    case T_PERCENT:
        if (lr_parse_percent(val, (double *)field) != 0) {
            snprintf(why, wl, "'%s' is not a percentage between 0 and 100", val);
            return -EINVAL;
        }
        return 0;
    case T_IPV4:
        if (val[0] == '\0') {
            *(rte_be32_t *)field = 0;
            return 0;
        }
        if (lr_parse_ipv4(val, (rte_be32_t *)field) != 0) {
            snprintf(why, wl, "'%s' is not an IPv4 address", val);
            return -EINVAL;
        }
        return 0;
    case T_STR:
        if (strlen(val) >= k->size) {
            snprintf(why, wl, "'%s' is too long (at most %zu characters)", val, k->size - 1);
            return -EINVAL;
        }
        if (strlen(val) < k->min) {
            snprintf(why, wl, "must not be empty");
            return -EINVAL;
        }
        if (!str_printable(val)) {
            snprintf(why, wl, "contains control characters");
            return -EINVAL;
        }
        if (k->sec == SEC_HTTP && strcmp(k->name, "index") == 0 &&
            (strchr(val, '/') != NULL || strcmp(val, ".") == 0 || strcmp(val, "..") == 0)) {
            snprintf(why, wl, "'%s' must be a file name, not a path", val);
            return -EINVAL;
        }
        if (k->sec == SEC_CLIENT && strchr(val, ' ') != NULL) {
            snprintf(why, wl, "'%s' must not contain spaces (it is a Host header)", val);
            return -EINVAL;
        }
        rte_strscpy(field, val, k->size);
        return 0;
    case T_PATH:
        if (val[0] == '\0') {
            if (k->min > 0) {
                snprintf(why, wl, "must not be empty");
                return -EINVAL;
            }
            ((char *)field)[0] = '\0';
            return 0;
        }
        if (!str_printable(val)) {
            snprintf(why, wl, "contains control characters");
            return -EINVAL;
        }
        if (path_resolve(c->basedir, val, field, k->size) != 0) {
            ((char *)field)[0] = '\0';
            snprintf(why, wl, "'%s' is too long once resolved (at most %zu characters)", val,
                     k->size - 1);
            return -EINVAL;
        }
        return 0;
    case T_SUBDIR: {
        if (strlen(val) >= k->size) {
            snprintf(why, wl, "'%s' is too long (at most %zu characters)", val, k->size - 1);
            return -EINVAL;
        }
        if (val[0] == '/' || !str_printable(val)) {
            snprintf(why, wl, "'%s' must be a path relative to the root", val);
            return -EINVAL;
        }
        rte_strscpy(tmp, val, sizeof(tmp));
        for (char *save = NULL, *seg = strtok_r(tmp, "/", &save); seg != NULL;
             seg = strtok_r(NULL, "/", &save)) {
            if (strcmp(seg, "..") == 0) {
                snprintf(why, wl, "'%s' must stay under the root (no '..')", val);
                return -EINVAL;
            }
        }
        rte_strscpy(field, val, k->size);
        return 0;
    }
    case T_PORT_ADDR: {
        struct lr_port_config *pc = base;
        if (lr_parse_ipv4_prefix(val, &pc->addr, &pc->prefix) != 0) {
            snprintf(why, wl, "'%s' is not an address/prefix (e.g. 198.18.0.2/24)", val);
            return -EINVAL;
        }
        uint32_t a = rte_be_to_cpu_32(pc->addr);
        uint32_t mask = pc->prefix == 0 ? 0 : ~0u << (32 - pc->prefix);
        if (pc->prefix == 0) {
            snprintf(why, wl, "'%s': the prefix length must be 1-32", val);
            return -EINVAL;
        }
        if (a == 0 || (a >> 24) == 127 || (a >> 28) >= 14) {
            snprintf(why, wl, "'%s' is not a unicast host address", val);
            return -EINVAL;
        }
        if (pc->prefix <= 30 && ((a & ~mask) == 0 || (a & ~mask) == ~mask)) {
            snprintf(why, wl, "'%s' is the %s address of its subnet", val,
                     (a & ~mask) == 0 ? "network" : "broadcast");
            return -EINVAL;
        }
        return 0;
    }
    case T_ARP_LIST: {
        struct lr_port_config *pc = base;
        char *items[LR_MAX_STATIC_ARP];
        rte_strscpy(tmp, val, sizeof(tmp));
        int n = split_list(tmp, items, LR_MAX_STATIC_ARP);
        if (n < 0) {
            snprintf(why, wl, "more than %d entries", LR_MAX_STATIC_ARP);
            return -EINVAL;
        }
        for (int i = 0; i < n; i++) {
            char *sp = items[i];
            while (*sp != '\0' && !isspace((unsigned char)*sp))
                sp++;
            char *mac = sp;
            while (isspace((unsigned char)*mac))
                mac++;
            if (*sp != '\0')
                *sp = '\0';
            struct lr_static_arp *e = &pc->static_arp[i];
            if (lr_parse_ipv4(items[i], &e->ip) != 0 || e->ip == 0) {
                snprintf(why, wl, "entry %d: '%s' is not an IPv4 address", i + 1, items[i]);
                return -EINVAL;
            }
            if (*mac == '\0' || strlen(mac) != 17 || rte_ether_unformat_addr(mac, &e->mac) != 0) {
                snprintf(why, wl, "entry %d: '%s' is not a MAC address (aa:bb:cc:dd:ee:ff)", i + 1,
                         mac);
                return -EINVAL;
            }
            if (!rte_is_valid_assigned_ether_addr(&e->mac)) {
                snprintf(why, wl, "entry %d: %s is not a unicast MAC address", i + 1, mac);
                return -EINVAL;
            }
            for (int j = 0; j < i; j++) {
                if (pc->static_arp[j].ip == e->ip) {
                    snprintf(why, wl, "entry %d: %s appears twice", i + 1, items[i]);
                    return -EINVAL;
                }
            }
        }
        pc->nb_static_arp = (uint16_t)n;
        return 0;
    }
    case T_PASV: {
        struct lr_ftp_config *fc = base;
        uint16_t lo, hi;
        rte_strscpy(tmp, val, sizeof(tmp));
        char *dash = strchr(tmp, '-');
        if (dash == NULL) {
            snprintf(why, wl, "'%s' is not a port range first-last (e.g. 50000-50999)", val);
            return -EINVAL;
        }
        *dash = '\0';
        if (parse_port_number(tmp, k->min, k->max, &lo) != 0 ||
            parse_port_number(dash + 1, k->min, k->max, &hi) != 0) {
            snprintf(why, wl, "'%s' is not a port range first-last within %" PRIu64 "-%" PRIu64,
                     val, k->min, k->max);
            return -EINVAL;
        }
        if (lo > hi) {
            snprintf(why, wl, "'%s': the first port is above the last", val);
            return -EINVAL;
        }
        fc->pasv_min = lo;
        fc->pasv_max = hi;
        return 0;
    }
    case T_LISTEN: {
        struct lr_http_config *hc = base;
        char *items[LR_MAX_LISTEN];
        int n = split_key_list(val, tmp, sizeof(tmp), items, LR_MAX_LISTEN, "port", why, wl);
        if (n < 0)
            return n;
        for (int i = 0; i < n; i++) {
            if (parse_port_number(items[i], k->min, k->max, &hc->listen[i]) != 0) {
                snprintf(why, wl, "'%s' is not a port number (%" PRIu64 "-%" PRIu64 ")", items[i],
                         k->min, k->max);
                return -EINVAL;
            }
            for (int j = 0; j < i; j++) {
                if (hc->listen[j] == hc->listen[i]) {
                    snprintf(why, wl, "port %s appears twice", items[i]);
                    return -EINVAL;
                }
            }
        }
        hc->nb_listen = (uint16_t)n;
        return 0;
    }
    case T_TARGETS: {
        struct lr_client_config *cc = base;
        char *items[LR_MAX_TARGETS];
        int n = split_key_list(val, tmp, sizeof(tmp), items, LR_MAX_TARGETS, "target", why, wl);
        if (n < 0)
            return n;
        for (int i = 0; i < n; i++) {
            char *colon = strchr(items[i], ':');
            if (colon != NULL)
                *colon = '\0';
            if (colon == NULL || lr_parse_ipv4(items[i], &cc->targets[i].ip) != 0 ||
                cc->targets[i].ip == 0 ||
                parse_port_number(colon + 1, 1, 65535, &cc->targets[i].port) != 0) {
                if (colon != NULL)
                    *colon = ':';
                snprintf(why, wl, "'%s' is not ip:port (e.g. 198.18.0.2:80)", items[i]);
                return -EINVAL;
            }
        }
        cc->nb_targets = (uint16_t)n;
        return 0;
    }
    case T_URLS: {
        struct lr_client_config *cc = base;
        char *items[LR_MAX_TARGETS];
        int n = split_key_list(val, tmp, sizeof(tmp), items, LR_MAX_TARGETS, "path", why, wl);
        if (n < 0)
            return n;
        for (int i = 0; i < n; i++) {
            const char *p = items[i];
            bool ok = p[0] == '/' && strlen(p) < sizeof(cc->paths[0]);
            for (; ok && *p != '\0'; p++)
                ok = (unsigned char)*p > 0x20 && (unsigned char)*p < 0x7f;
            if (!ok) {
                snprintf(why, wl, "'%s' is not a request path (starts with '/', no spaces)",
                         items[i]);
                return -EINVAL;
            }
            rte_strscpy(cc->paths[i], items[i], sizeof(cc->paths[i]));
        }
        cc->nb_paths = (uint16_t)n;
        return 0;
    }
    case T_SRC_RANGE: {
        struct lr_client_config *cc = base;
        if (val[0] == '\0') {
            cc->source_first = cc->source_last = 0;
            return 0;
        }
        rte_strscpy(tmp, val, sizeof(tmp));
        char *dash = strchr(tmp, '-');
        if (dash != NULL)
            *dash = '\0';
        rte_be32_t a, b;
        if (lr_parse_ipv4(tmp, &a) != 0 || (dash != NULL && lr_parse_ipv4(dash + 1, &b) != 0)) {
            snprintf(why, wl, "'%s' is not an address or a range first-last", val);
            return -EINVAL;
        }
        if (dash == NULL)
            b = a;
        if (rte_be_to_cpu_32(a) > rte_be_to_cpu_32(b)) {
            snprintf(why, wl, "'%s': the first address is above the last", val);
            return -EINVAL;
        }
        cc->source_first = a;
        cc->source_last = b;
        return 0;
    }
    case T_CC:
        if (strcasecmp(val, "newreno") == 0)
            *(enum lr_cc_algo *)field = LR_CC_NEWRENO;
        else if (strcasecmp(val, "cubic") == 0)
            *(enum lr_cc_algo *)field = LR_CC_CUBIC;
        else {
            snprintf(why, wl, "'%s' is not a congestion control (newreno or cubic)", val);
            return -EINVAL;
        }
        return 0;
    }
    snprintf(why, wl, "internal error: unknown key type");
    return -EINVAL;
}

/* Every row with a default, for one section instance. */
static void section_defaults(struct cfg_ctx *c, enum cfg_sec sec, unsigned port)
{
    char why[128];

    for (unsigned i = 0; i < NB_KEYS; i++) {
        const struct cfg_key *k = &cfg_keys[i];
        if (k->sec != sec || k->def == NULL)
            continue;
        /* Defaults are constants of this file; a failure is a bug caught by
         * the unit test that loads every default. */
        (void)key_parse(c, k, sec_base(c->cfg, sec, port), k->def, why, sizeof(why));
    }
}

static void config_defaults_ctx(struct cfg_ctx *c)
{
    struct lr_config *cfg = c->cfg;

    memset(cfg, 0, sizeof(*cfg));
    for (unsigned p = 0; p < LR_MAX_PORTS; p++)
        section_defaults(c, SEC_PORT, p);
    for (unsigned s = SEC_PORT + 1; s < SEC_MAX; s++)
        section_defaults(c, (enum cfg_sec)s, 0);
}

/* FTP and TFTP serve the HTTP root unless told otherwise. */
static void roots_default(struct lr_config *cfg)
{
    if (cfg->ftp.root[0] == '\0')
        rte_strscpy(cfg->ftp.root, cfg->http.root, sizeof(cfg->ftp.root));
    if (cfg->tftp.root[0] == '\0')
        rte_strscpy(cfg->tftp.root, cfg->http.root, sizeof(cfg->tftp.root));
}

void lr_config_defaults(struct lr_config *cfg)
{
    struct cfg_ctx c;

    memset(&c, 0, sizeof(c));
    c.cfg = cfg;
    c.name = "defaults";
    config_basedir(NULL, c.basedir, sizeof(c.basedir));
    config_defaults_ctx(&c);
    roots_default(cfg);
}

/* ------------------------------------------------------------------------ */
/* Text checks before rte_cfgfile                                            */

static int text_check(struct cfg_ctx *c, const char *text, size_t len)
{
    unsigned lineno = 0;
    const char *p = text, *end = text + len;
    bool in_section = false;

    if (memchr(text, '\0', len) != NULL)
        return cfg_error(c, "contains a NUL byte (not a text file)");
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl != NULL ? nl : end;
        size_t ll = (size_t)(le - p);
        char line[CFG_LINE_MAX + 2];

        lineno++;
        if (ll > CFG_LINE_MAX)
            return cfg_error(c, "line %u: too long (at most %d characters)", lineno, CFG_LINE_MAX);
        memcpy(line, p, ll);
        line[ll] = '\0';
        p = nl != NULL ? nl + 1 : end;

        /* Same comment rule as rte_cfgfile: the first '#' starts a comment
         * unless escaped with a backslash. */
        char *hash = strchr(line, CFG_COMMENT);
        if (hash != NULL && (hash == line || hash[-1] != '\\'))
            *hash = '\0';
        char *s = line, *e = line + strlen(line);
        while (isspace((unsigned char)*s))
            s++;
        while (e > s && isspace((unsigned char)e[-1]))
            *--e = '\0';
        if (*s == '\0')
            continue;
        if (*s == '[') {
            char *close = strchr(s, ']');
            if (close == NULL)
                return cfg_error(c, "line %u: missing ']' in section header", lineno);
            if (close[1] != '\0')
                return cfg_error(c, "line %u: unexpected text after ']'", lineno);
            if (close - s - 1 <= 0 || close - s - 1 >= CFG_NAME_LEN)
                return cfg_error(c, "line %u: bad section name", lineno);
            in_section = true;
            continue;
        }
        char *eq = strchr(s, '=');
        if (eq == NULL)
            return cfg_error(c, "line %u: expected 'key = value' or '[section]', got '%s'", lineno,
                             s);
        if (!in_section)
            return cfg_error(c, "line %u: key outside of any section", lineno);
        char *ke = eq;
        while (ke > s && isspace((unsigned char)ke[-1]))
            ke--;
        if (ke == s)
            return cfg_error(c, "line %u: missing key before '='", lineno);
        if (ke - s >= CFG_NAME_LEN)
            return cfg_error(c, "line %u: key too long", lineno);
        char *v = eq + 1;
        while (isspace((unsigned char)*v))
            v++;
        if (strlen(v) >= CFG_VALUE_LEN)
            return cfg_error(c, "line %u: value too long (at most %d characters)", lineno,
                             CFG_VALUE_LEN - 1);
    }
    return 0;
}

/* Write @text to an anonymous file and open it with rte_cfgfile. */
static struct rte_cfgfile *cfgfile_from_text(const char *text, size_t len)
{
    struct rte_cfgfile_parameters params = { .comment_character = CFG_COMMENT };
    struct rte_cfgfile *cf = NULL;
    char path[64];
    int fd = memfd_create("lr_config", MFD_CLOEXEC);
    bool tmpfile = false;

    if (fd < 0) {
        const char *dir = getenv("TMPDIR");
        snprintf(path, sizeof(path), "%s/lr_config_XXXXXX",
                 dir != NULL && strlen(dir) < 40 ? dir : "/tmp");
        fd = mkstemp(path);
        if (fd < 0)
            return NULL;
        tmpfile = true;
    }
    size_t off = 0;
    while (off < len) {
        ssize_t n = write(fd, text + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            goto out;
        off += (size_t)n;
    }
    if (!tmpfile)
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    cf = rte_cfgfile_load_with_params(path, CFG_FLAG_EMPTY_VALUES, &params);
out:
    if (tmpfile)
        unlink(path);
    close(fd);
    return cf;
}

/* ------------------------------------------------------------------------ */
/* Sections and keys                                                         */

static int section_lookup(const char *name, enum cfg_sec *sec, unsigned *port)
{
    if (strncmp(name, "port", 4) == 0 && isdigit((unsigned char)name[4])) {
        const char *d = name + 4;
        if (d[1] != '\0' || (unsigned)(d[0] - '0') >= LR_MAX_PORTS)
            return -1;
        *sec = SEC_PORT;
        *port = (unsigned)(d[0] - '0');
        return 0;
    }
    for (unsigned s = SEC_PORT + 1; s < SEC_MAX; s++) {
        if (strcmp(name, cfg_sections[s].name) == 0) {
            *sec = (enum cfg_sec)s;
            *port = 0;
            return 0;
        }
    }
    return -1;
}

static int load_sections(struct cfg_ctx *c, struct rte_cfgfile *cf)
{
    struct lr_config *cfg = c->cfg;
    bool port_seen[LR_MAX_PORTS] = { false };
    int nsec = rte_cfgfile_num_sections(cf, NULL, 0);
    int rc = 0;

    for (int si = 0; si < nsec && rc == 0; si++) {
        char name[CFG_NAME_LEN];
        int n = rte_cfgfile_section_num_entries_by_index(cf, name, si);
        enum cfg_sec sec;
        unsigned port;

        if (n < 0)
            return cfg_error(c, "cannot read section %d", si + 1);
        if (section_lookup(name, &sec, &port) != 0) {
            if (strncmp(name, "port", 4) == 0)
                return cfg_error(c, "[%s]: unknown section (ports are [port0] to [port%d])", name,
                                 LR_MAX_PORTS - 1);
            return cfg_error(c, "[%s]: unknown section", name);
        }
        if (sec == SEC_PORT ? port_seen[port] : c->sec_seen[sec])
            return cfg_error(c, "[%s]: duplicate section", name);
        if (sec == SEC_PORT)
            port_seen[port] = true;
        c->sec_seen[sec] = true;
        if (sec == SEC_PORT)
            cfg->port[port].present = true;
        if (sec == SEC_CLIENT)
            cfg->client.enabled = true;
        if (n == 0)
            continue;

        struct rte_cfgfile_entry *ents = calloc((size_t)n, sizeof(*ents));
        if (ents == NULL)
            return cfg_error(c, "out of memory");
        if (rte_cfgfile_section_entries_by_index(cf, si, name, ents, n) != n) {
            free(ents);
            return cfg_error(c, "[%s]: cannot read entries", name);
        }
        for (int ei = 0; ei < n && rc == 0; ei++) {
            const struct rte_cfgfile_entry *e = &ents[ei];
            unsigned ki;
            for (ki = 0; ki < NB_KEYS; ki++)
                if (cfg_keys[ki].sec == sec && strcmp(cfg_keys[ki].name, e->name) == 0)
                    break;
            if (ki == NB_KEYS) {
                rc = cfg_error(c, "[%s] %s: unknown key", name, e->name);
                break;
            }
            if (c->set[port][ki]) {
                rc = cfg_error(c, "[%s] %s: duplicate key", name, e->name);
                break;
            }
            c->set[port][ki] = true;
            char why[CFG_VALUE_LEN + 128];
            if (key_parse(c, &cfg_keys[ki], sec_base(cfg, sec, port), e->value, why, sizeof(why)) !=
                0)
                rc = cfg_error(c, "[%s] %s: %s", name, e->name, why);
        }
        free(ents);
    }
    return rc;
}

static bool key_given(const struct cfg_ctx *c, enum cfg_sec sec, unsigned port, const char *name)
{
    for (unsigned ki = 0; ki < NB_KEYS; ki++)
        if (cfg_keys[ki].sec == sec && strcmp(cfg_keys[ki].name, name) == 0)
            return c->set[port][ki];
    return false;
}

static const char *ip_str(rte_be32_t a, char *buf, size_t len)
{
    uint32_t h = rte_be_to_cpu_32(a);
    snprintf(buf, len, "%u.%u.%u.%u", h >> 24, (h >> 16) & 255, (h >> 8) & 255, h & 255);
    return buf;
}

static uint32_t prefix_mask(uint8_t prefix)
{
    return prefix == 0 ? 0 : ~0u << (32 - prefix);
}

struct svc_port {
    const char *what;
    uint16_t port;
};

/* Rules that involve more than one key. */
static int check_config(struct cfg_ctx *c)
{
    struct lr_config *cfg = c->cfg;
    char a[16], b[16], t1[32], t2[32];

    /* Ports: numbered from 0 without gaps, addr required, distinct subnets. */
    int highest = -1;
    for (int p = 0; p < LR_MAX_PORTS; p++)
        if (cfg->port[p].present)
            highest = p;
    if (highest < 0)
        return cfg_error(c, "[port0]: missing (at least one port is required)");
    cfg->nb_ports = (uint16_t)(highest + 1);
    for (unsigned p = 0; p < cfg->nb_ports; p++) {
        struct lr_port_config *pc = &cfg->port[p];
        if (!pc->present)
            return cfg_error(c, "[port%u]: missing (ports are numbered from 0 without gaps)", p);
        if (!key_given(c, SEC_PORT, p, "addr"))
            return cfg_error(c, "[port%u] addr: missing (required)", p);
        uint32_t mask = prefix_mask(pc->prefix);
        uint32_t net = rte_be_to_cpu_32(pc->addr) & mask;
        if (pc->gateway != 0) {
            uint32_t g = rte_be_to_cpu_32(pc->gateway);
            if ((g & mask) != net || pc->gateway == pc->addr)
                return cfg_error(c, "[port%u] gateway: %s is not another host of %s/%u", p,
                                 ip_str(pc->gateway, a, sizeof(a)), ip_str(pc->addr, b, sizeof(b)),
                                 pc->prefix);
        }
        for (unsigned q = 0; q < p; q++) {
            const struct lr_port_config *qc = &cfg->port[q];
            uint32_t m = prefix_mask(RTE_MIN(pc->prefix, qc->prefix));
            if ((rte_be_to_cpu_32(pc->addr) & m) == (rte_be_to_cpu_32(qc->addr) & m))
                return cfg_error(c, "[port%u] addr: %s/%u overlaps the subnet of [port%u] %s/%u", p,
                                 ip_str(pc->addr, a, sizeof(a)), pc->prefix, q,
                                 ip_str(qc->addr, b, sizeof(b)), qc->prefix);
        }
    }

    /* TCP timers: RFC 6298 §2 bounds must be consistent. */
    struct lr_tcp_config *tc = &cfg->tcp;
    if (tc->rto_min > tc->rto_max)
        return cfg_error(c, "[tcp] rto_min: %s is above rto_max %s",
                         fmt_time(tc->rto_min, t1, sizeof(t1)),
                         fmt_time(tc->rto_max, t2, sizeof(t2)));
    if (tc->rto_initial < tc->rto_min || tc->rto_initial > tc->rto_max)
        return cfg_error(c, "[tcp] rto_initial: %s is outside rto_min-rto_max (%s-%s)",
                         fmt_time(tc->rto_initial, a, sizeof(a)),
                         fmt_time(tc->rto_min, t1, sizeof(t1)),
                         fmt_time(tc->rto_max, t2, sizeof(t2)));
    if (tc->echo_port != 0 && tc->echo_port == tc->discard_port)
        return cfg_error(c, "[tcp] discard_port: %u is also the echo_port", tc->discard_port);

    /* A load generator serves nothing unless its file says so: in client mode
     * the HTTP and FTP servers are off unless "enabled" is given explicitly. */
    if (cfg->client.enabled) {
        if (!key_given(c, SEC_HTTP, 0, "enabled"))
            cfg->http.enabled = false;
        if (!key_given(c, SEC_FTP, 0, "enabled"))
            cfg->ftp.enabled = false;
    }

    struct lr_http_config *hc = &cfg->http;
    if (hc->max_uri_bytes > hc->max_header_bytes)
        return cfg_error(c, "[http] max_uri_bytes: %u is above max_header_bytes %u",
                         hc->max_uri_bytes, hc->max_header_bytes);

    struct lr_ftp_config *fc = &cfg->ftp;
    roots_default(cfg);
    if (fc->enabled && !fc->anonymous && fc->users[0] == '\0')
        return cfg_error(c, "[ftp] users: missing (anonymous = no and no users file: nobody "
                            "could log in)");

    /* One TCP port, one service. */
    struct svc_port tcp_ports[LR_MAX_LISTEN + 4];
    unsigned nt = 0;
    if (hc->enabled)
        for (unsigned i = 0; i < hc->nb_listen; i++)
            tcp_ports[nt++] = (struct svc_port){ "[http] listen", hc->listen[i] };
    if (fc->enabled)
        tcp_ports[nt++] = (struct svc_port){ "[ftp] listen", fc->listen };
    if (tc->echo_port != 0)
        tcp_ports[nt++] = (struct svc_port){ "[tcp] echo_port", tc->echo_port };
    if (tc->discard_port != 0)
        tcp_ports[nt++] = (struct svc_port){ "[tcp] discard_port", tc->discard_port };
    for (unsigned i = 0; i < nt; i++) {
        for (unsigned j = 0; j < i; j++)
            if (tcp_ports[i].port == tcp_ports[j].port)
                return cfg_error(c, "%s: port %u is also used by %s", tcp_ports[i].what,
                                 tcp_ports[i].port, tcp_ports[j].what);
        if (fc->enabled && tcp_ports[i].port >= fc->pasv_min && tcp_ports[i].port <= fc->pasv_max)
            return cfg_error(c, "[ftp] pasv_ports: %u-%u includes port %u of %s", fc->pasv_min,
                             fc->pasv_max, tcp_ports[i].port, tcp_ports[i].what);
    }
    if (cfg->udp.echo_port != 0 && cfg->udp.echo_port == cfg->tftp.listen)
        return cfg_error(c, "[tftp] listen: port %u is also the [udp] echo_port", cfg->tftp.listen);

    /* Client mode needs somewhere to go. */
    if (cfg->client.enabled && !key_given(c, SEC_CLIENT, 0, "target"))
        return cfg_error(c, "[client] target: missing (required in client mode)");
    return 0;
}

static int config_load_text(struct lr_config *cfg, const char *text, size_t len, const char *name,
                            char *err, size_t errlen)
{
    struct cfg_ctx *c = calloc(1, sizeof(*c));
    int rc;

    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (name == NULL)
        name = "(config)";
    if (c == NULL) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "%s: out of memory", name);
        return -ENOMEM;
    }
    c->cfg = cfg;
    c->name = name;
    c->err = err;
    c->errlen = errlen;
    config_basedir(name, c->basedir, sizeof(c->basedir));
    config_defaults_ctx(c);
    rte_strscpy(cfg->path, name, sizeof(cfg->path));

    rc = text_check(c, text, len);
    if (rc == 0) {
        struct rte_cfgfile *cf = cfgfile_from_text(text, len);
        if (cf == NULL) {
            rc = cfg_error(c, "cannot parse (rte_cfgfile)");
        } else {
            rc = load_sections(c, cf);
            rte_cfgfile_close(cf);
        }
    }
    if (rc == 0)
        rc = check_config(c);
    free(c);
    return rc;
}

int lr_config_load_string(struct lr_config *cfg, const char *text, const char *name, char *err,
                          size_t errlen)
{
    if (cfg == NULL || text == NULL) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "%s: no configuration text", name != NULL ? name : "(config)");
        return -EINVAL;
    }
    return config_load_text(cfg, text, strlen(text), name, err, errlen);
}

int lr_config_load(struct lr_config *cfg, const char *path, char *err, size_t errlen)
{
    if (cfg == NULL || path == NULL) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "(config): no file name");
        return -EINVAL;
    }
    FILE *f = fopen(path, "re");
    if (f == NULL) {
        int e = errno;
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "%s: cannot open: %s", path, strerror(e));
        return -e;
    }
    char *buf = malloc(CFG_FILE_MAX + 1);
    size_t len = buf != NULL ? fread(buf, 1, CFG_FILE_MAX + 1, f) : 0;
    int rerr = ferror(f) ? errno : 0;
    fclose(f);
    if (buf == NULL || rerr != 0) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "%s: cannot read: %s", path,
                     buf == NULL ? "out of memory" : strerror(rerr));
        free(buf);
        return buf == NULL ? -ENOMEM : -(rerr != 0 ? rerr : EIO);
    }
    if (len > CFG_FILE_MAX) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "%s: too large (more than %u bytes)", path, CFG_FILE_MAX);
        free(buf);
        return -EINVAL;
    }
    int rc = config_load_text(cfg, buf, len, path, err, errlen);
    free(buf);
    return rc;
}

/* ------------------------------------------------------------------------ */

void lr_config_help(FILE *f)
{
    char r[64];

    fprintf(f, "Configuration keys (INI; '#' starts a comment). Sizes take k/m/g (x1024),\n"
               "times us/ms/s/m/h (a bare number is seconds), percentages 0-100 with an\n"
               "optional %%, booleans yes/no, true/false, on/off, 1/0. Relative paths are\n"
               "resolved against the directory of the config file.\n");
    for (unsigned s = 0; s < SEC_MAX; s++) {
        fprintf(f, "\n[%s]  %s\n", cfg_sections[s].name, cfg_sections[s].help);
        for (unsigned i = 0; i < NB_KEYS; i++) {
            const struct cfg_key *k = &cfg_keys[i];
            if (k->sec != s)
                continue;
            const char *range = fmt_range(k, r, sizeof(r));
            const char *def = k->def == NULL ? "(required)" : k->def;
            fprintf(f, "    %s =%s%s\n        %s%s%s%s\n", k->name, def[0] ? " " : "", def, k->help,
                    range[0] ? " [" : "", range, range[0] ? "]" : "");
        }
    }
}
