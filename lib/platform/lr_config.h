/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration: an INI file read with rte_cfgfile into struct lr_config.
 *
 * The loader is table-driven (lr_config.c, the table in lr_config_keys.c):
 * every key has a type, a field, a default, bounds and a help line;
 * config/default.conf documents the same keys with the same defaults.
 * Unknown sections or keys and bad values are rejected with
 * "FILE: [section] key: reason". Sizes accept k/m/g suffixes (powers of
 * 1024), times accept us/ms/s/m/h (bare numbers are seconds).
 *
 * Conventions: IPv4 addresses and ports are stored in network byte order
 * (as on the wire); sizes in bytes; times in microseconds; percentages as
 * double in [0, 100]. The structure is filled once at start and read-only
 * afterwards; workers read it through a const pointer.
 */
#ifndef LR_CONFIG_H
#define LR_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <limits.h>

#include <rte_byteorder.h>
#include <rte_ether.h>

#define LR_MAX_PORTS      8
#define LR_MAX_STATIC_ARP 32
#define LR_MAX_LISTEN     8
#define LR_MAX_TARGETS    16
#define LR_PATH_MAX       512
#define LR_MAX_ALLOW      16

struct lr_static_arp {
    rte_be32_t ip;
    struct rte_ether_addr mac;
};

/* [portN] */
struct lr_port_config {
    bool present;
    rte_be32_t addr;    /* addr = 198.18.0.2/24 */
    uint8_t prefix;     /* from addr */
    rte_be32_t gateway; /* 0 = none */
    uint16_t mtu;       /* default 1500 */
    uint16_t nb_static_arp;
    struct lr_static_arp static_arp[LR_MAX_STATIC_ARP]; /* arp = IP MAC, IP MAC */
};

/* [worker] */
struct lr_worker_config {
    uint32_t burst;      /* rx burst size, default 32 */
    uint32_t mbufs;      /* mbufs per worker pool, default 16384 */
    uint32_t mbuf_cache; /* default 256 */
    uint32_t rx_desc;    /* default 1024 */
    uint32_t tx_desc;    /* default 1024 */
    uint64_t tx_flush;   /* us, default 100 */
    uint32_t ring_size;  /* inter-worker ring size, default 1024 */
};

/* [arp] */
struct lr_arp_config {
    uint32_t table_size;  /* default 1024 */
    uint32_t pending_max; /* packets parked per unresolved entry, default 8 */
    uint64_t timeout;     /* entry lifetime, default 300s */
    uint64_t retry;       /* re-ask interval while resolving, default 1s */
    uint32_t retries;     /* give up after, default 3 */
    bool gratuitous;      /* send gratuitous ARP at start, default yes */
    bool spoof_guard;     /* unsolicited replies never overwrite, default yes */
};

/* [ip] */
struct lr_ip_config {
    uint8_t ttl;               /* default 64 */
    uint32_t icmp_rate;        /* ICMP errors per second per worker, default 100 */
    uint32_t frag_max_flows;   /* reassembly table flows, default 4096 */
    uint32_t frag_max_entries; /* fragments per flow, default 64 (rte_ip_frag limit) */
    uint64_t frag_timeout;     /* default 30s */
};

/* [fault] */
struct lr_fault_config {
    uint64_t seed; /* default 1 */
    double drop;   /* percent, default 0 */
    double duplicate;
    double reorder;
    double corrupt;
};

/* [stats] */
struct lr_stats_config {
    uint64_t interval; /* default 1s, 0 = no per-second line */
    bool telemetry;    /* default yes */
    bool pdump;        /* default yes */
};

/* [tcp] */
enum lr_cc_algo { LR_CC_NEWRENO, LR_CC_CUBIC };
struct lr_tcp_config {
    uint32_t max_conns;           /* per worker, default 65536 */
    uint32_t backlog;             /* per listener SYN queue, default 1024 */
    uint64_t time_wait;           /* 2MSL, default 60s */
    uint64_t syn_timeout;         /* initial SYN/SYN-ACK RTO, default 1s */
    uint32_t syn_retries;         /* default 5 */
    uint64_t rto_min;             /* default 200ms */
    uint64_t rto_max;             /* default 60s */
    uint64_t rto_initial;         /* default 1s (RFC 6298 §2.1) */
    uint32_t retries;             /* data retransmissions before giving up, default 15 */
    uint64_t delayed_ack;         /* default 40ms, at most 500ms (RFC 1122 §4.2.3.2) */
    bool nagle;                   /* default yes */
    uint64_t keepalive;           /* idle before probes, 0 = off, default 0 */
    uint64_t keepalive_intvl;     /* default 75s */
    uint32_t keepalive_probes;    /* default 9 */
    uint32_t mss;                 /* advertised MSS cap, default 1460 */
    uint32_t rcvbuf;              /* default 256k */
    uint32_t sndbuf;              /* default 256k */
    uint32_t ooo_max;             /* out-of-order segments kept per conn, default 64 */
    uint8_t wscale;               /* our window shift, default 7, max 14 */
    bool timestamps;              /* default yes */
    bool sack;                    /* default yes */
    bool syncookies;              /* default yes */
    uint32_t challenge_ack_limit; /* per connection per second, default 10 */
    enum lr_cc_algo cc;           /* newreno|cubic, default newreno */
    uint16_t echo_port;           /* host order, 0 = off */
    uint16_t discard_port;        /* host order, 0 = off */
};

/* [http] */
struct lr_http_config {
    uint16_t nb_listen;
    uint16_t listen[LR_MAX_LISTEN]; /* host order; default 80 */
    char root[LR_PATH_MAX];         /* absolute; default "www" next to the config file */
    char index[128];                /* default index.html */
    char server_name[64];           /* default linerate */
    uint32_t max_header_bytes;      /* default 8k */
    uint32_t max_headers;           /* default 64 */
    uint32_t max_uri_bytes;         /* default 2k */
    uint32_t max_body_bytes;        /* bodies read and discarded, default 1m */
    uint64_t header_timeout;        /* 408 after, default 10s */
    uint64_t keepalive_timeout;     /* default 60s */
    uint32_t max_requests_per_conn; /* 0 = unlimited, default 0 */
    uint64_t cache_bytes;           /* default 256m */
    bool enabled;                   /* default yes */
};

/* [ftp] */
struct lr_ftp_config {
    bool enabled;                 /* default yes */
    uint16_t listen;              /* host order, default 21 */
    char root[LR_PATH_MAX];       /* absolute; default: the HTTP root */
    char upload_dir[LR_PATH_MAX]; /* relative to root, "" = uploads off */
    uint64_t max_upload_bytes;    /* default 64m */
    uint16_t pasv_min;            /* pasv_ports = 50000-50999 */
    uint16_t pasv_max;
    rte_be32_t pasv_address;  /* 0 = the port's own address */
    bool active_from_port_20; /* default no */
    bool anonymous;           /* default yes */
    char users[LR_PATH_MAX];  /* absolute path of the user:crypt-hash file, "" = none */
    uint64_t idle_timeout;    /* default 300s */
    uint32_t max_sessions;    /* default 256 */
};

/* [udp] */
struct lr_udp_config {
    uint16_t echo_port; /* host order, 0 = off */
    uint32_t max_binds; /* default 64 */
};

/* [tftp] */
struct lr_tftp_config {
    uint16_t listen;        /* host order, 0 = off (default) */
    char root[LR_PATH_MAX]; /* absolute; default: the HTTP root */
    uint32_t max_sessions;  /* default 64 */
    uint64_t timeout;       /* default 1s */
    uint32_t retries;       /* default 5 */
    uint32_t max_window;    /* largest windowsize granted (RFC 7440), default 64 */
};

/* [client] (load generator; the section being present = client mode, `target` required) */
struct lr_client_target {
    rte_be32_t ip;
    uint16_t port; /* host order */
};
struct lr_client_config {
    bool enabled; /* set when [client] is present (no key) */
    uint16_t nb_targets;
    struct lr_client_target targets[LR_MAX_TARGETS];
    uint16_t nb_paths;
    char paths[LR_MAX_TARGETS][256];
    char host[128];             /* Host header, default the target address */
    uint32_t connections;       /* concurrency, default 64 */
    uint32_t requests_per_conn; /* 1 = CPS, 0 = keep-alive forever; default 0 */
    uint64_t rate;              /* new conns/s cap, 0 = none */
    uint64_t duration;          /* default 10s */
    uint64_t ramp;              /* default 0 */
    rte_be32_t source_first;    /* source_addrs = A-B (default: port address) */
    rte_be32_t source_last;
    char report[LR_PATH_MAX]; /* absolute JSON report path, "" = none */
};

/* An IPv4 prefix (CIDR): addr has no bits set beyond len. */
struct lr_ipv4_prefix {
    rte_be32_t addr;
    uint8_t len; /* 0-32 */
};

/* [metrics] (Prometheus text exposition over our own TCP, lib/app/lr_metrics.h) */
struct lr_metrics_config {
    uint16_t listen; /* host order, 0 = off (default) */
    uint16_t nb_allow;
    struct lr_ipv4_prefix allow[LR_MAX_ALLOW]; /* sources that may connect; none by default */
};

struct lr_config {
    char path[LR_PATH_MAX];
    uint16_t nb_ports; /* highest [portN] + 1 */
    struct lr_port_config port[LR_MAX_PORTS];
    struct lr_worker_config worker;
    struct lr_arp_config arp;
    struct lr_ip_config ip;
    struct lr_fault_config fault;
    struct lr_stats_config stats;
    struct lr_tcp_config tcp;
    struct lr_http_config http;
    struct lr_ftp_config ftp;
    struct lr_udp_config udp;
    struct lr_tftp_config tftp;
    struct lr_client_config client;
    struct lr_metrics_config metrics;
};

/** Fill @cfg with every default (no port present; paths relative to the cwd). */
void lr_config_defaults(struct lr_config *cfg);

/**
 * Load @path into @cfg (defaults first). On error returns -EINVAL (or -errno
 * for I/O) and writes one line "PATH: [section] key: reason" into @err.
 * Comments start with '#'. At least [port0] with `addr` is required; ports
 * are numbered without gaps (nb_ports = highest + 1). Relative paths are
 * resolved against the directory of @path and stored absolute.
 */
int lr_config_load(struct lr_config *cfg, const char *path, char *err, size_t errlen);

/** Same, from an in-memory INI text (used by tests and the embedded default). @name is
 *  used in messages, and its directory (or the cwd) to resolve relative paths. */
int lr_config_load_string(struct lr_config *cfg, const char *text, const char *name, char *err,
                          size_t errlen);

/**
 * Check the paths the enabled services read at start (lr_config_check.c):
 * [http] root, [ftp] root, users and upload_dir (under the root), [tftp]
 * root must exist, be of the right type (directory or file) and be usable
 * (readable; the upload directory writable). A service that is off is not
 * checked. Called by --check and before a start, after lr_config_load().
 * @return 0, or -errno with one line "PATH: [section] key: reason" in @err
 *         (the form of every other configuration error).
 */
int lr_config_check_paths(const struct lr_config *cfg, char *err, size_t errlen);

/** Print every section and key with its default, range and help (--help-config). */
void lr_config_help(FILE *f);

/* Value parsers (lr_config_values.c), exposed for tests and other modules. 0 or -EINVAL. */
int lr_parse_size(const char *s, uint64_t *out);    /* "64k" -> 65536 */
int lr_parse_time_us(const char *s, uint64_t *out); /* "500ms" -> 500000, "2" -> 2000000 */
int lr_parse_bool(const char *s, bool *out);        /* yes/no/true/false/on/off/1/0 */
int lr_parse_ipv4(const char *s, rte_be32_t *out);  /* dotted quad, strict */
int lr_parse_ipv4_prefix(const char *s, rte_be32_t *addr, uint8_t *prefix); /* a.b.c.d/n */
int lr_parse_percent(const char *s, double *out); /* "2.5" or "2.5%" in [0,100] */

/**
 * Comma-separated IPv4 prefixes "a.b.c.d/n" (a bare address is /32) into
 * @out (at most @max); empty text gives *@n = 0. A prefix with host bits
 * set, a duplicate or more than @max entries is refused: -EINVAL with the
 * reason in @why.
 */
int lr_parse_ipv4_prefix_list(const char *s, struct lr_ipv4_prefix *out, unsigned max, unsigned *n,
                              char *why, size_t wl);

/** True when @addr (network order) is inside one of the @n prefixes of @p. */
static inline bool lr_ipv4_prefix_match(const struct lr_ipv4_prefix *p, unsigned n, rte_be32_t addr)
{
    uint32_t a = rte_be_to_cpu_32(addr);
    for (unsigned i = 0; i < n; i++) {
        uint32_t mask = p[i].len == 0 ? 0 : ~0u << (32 - p[i].len);
        if ((a & mask) == rte_be_to_cpu_32(p[i].addr))
            return true;
    }
    return false;
}

#endif /* LR_CONFIG_H */
