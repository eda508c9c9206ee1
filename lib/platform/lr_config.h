/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration: an INI file read with rte_cfgfile into struct lr_config.
 *
 * The loader is table-driven (lr_config.c, the core sections' table in
 * lr_config_keys.c; modules bring their own sections, see struct
 * lr_config_section): every key has a type, a field, a default, bounds and
 * a help line;
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
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <limits.h>

#include <rte_byteorder.h>
#include <rte_ether.h>

#define LR_MAX_PORTS      8
#define LR_MAX_STATIC_ARP 32
#define LR_PATH_MAX       512

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
    uint32_t sack_boards;         /* 0 = max_conns / 16, at least 64 */
    bool syncookies;              /* default yes */
    uint32_t challenge_ack_limit; /* per connection per second, default 10 */
    enum lr_cc_algo cc;           /* newreno|cubic, default newreno */
    uint16_t echo_port;           /* host order, 0 = off */
    uint16_t discard_port;        /* host order, 0 = off */
    uint16_t l4_port;             /* l4 service (lr_l4_server.h), host order, 0 = off */
};

/* [udp] */
struct lr_udp_config {
    uint16_t echo_port; /* host order, 0 = off */
    uint16_t l4_port;   /* l4 service (lr_l4_server.h), host order, 0 = off */
    uint32_t max_binds; /* default 64 */
};

/* An IPv4 prefix (CIDR): addr has no bits set beyond len. */
struct lr_ipv4_prefix {
    rte_be32_t addr;
    uint8_t len; /* 0-32 */
};

/* --- sections owned by modules -------------------------------------------
 *
 * The sections above belong to the lower layers and are fields of struct
 * lr_config. A module of a higher layer (lib/app) owns its section instead:
 * it describes the section with a `const struct lr_config_section` (name,
 * size of its struct, key table, checks) and names it in its struct
 * lr_module (.config); the runtime's loader passes every module's sections
 * to lr_config_load*(), which stores each section's struct in the
 * configuration's arena (defaults first, then the file's keys, then the
 * section's check). The module reads its struct with lr_config_section();
 * nothing below lib/app knows its type.
 */

/** Value types of a key (struct lr_config_key.type). */
enum lr_config_type {
    LR_CFG_UINT,    /* plain decimal integer in [min, max], field of 1/2/4/8 bytes */
    LR_CFG_SIZE,    /* bytes, k/m/g suffixes, in [min, max] */
    LR_CFG_TIME,    /* microseconds, us/ms/s/m/h suffixes, in [min, max] */
    LR_CFG_BOOL,    /* bool */
    LR_CFG_PERCENT, /* double in [0, 100] */
    LR_CFG_IPV4,    /* rte_be32_t, empty = 0 */
    LR_CFG_STR,     /* char[size], printable, at least min characters */
    LR_CFG_PATH,    /* char[size], resolved against the config file's directory; min 1 = required */
    LR_CFG_SUBDIR,  /* char[size], relative path without "..", empty = off */
    LR_CFG_CUSTOM,  /* parsed by the key's parse hook */
};

struct lr_config_key {
    const char *name;
    enum lr_config_type type;
    size_t off;  /* of the field in the section struct */
    size_t size; /* of the field */
    uint64_t min, max;
    const char *def; /* default text, parsed like the file's; NULL: none (required) */
    const char *help;
    /** LR_CFG_CUSTOM: parse @val into the section struct @sec (a key may fill
     *  several fields). 0, or -EINVAL with the reason in @why. */
    int (*parse)(void *sec, const struct lr_config_key *k, const char *val, char *why, size_t wl);
    /** Any type: a further rule on the text once it parsed. 0 or -EINVAL + @why. */
    int (*check)(const char *val, char *why, size_t wl);
};

/* One key table row: LR_CONFIG_KEY(struct type, "name", field, LR_CFG_x, min, max, "default", "help"). */
#define LR_CONFIG_KEY(st, name, field, type, min, max, def, help)                                  \
    {                                                                                              \
        name, type, offsetof(st, field), sizeof(((st *)0)->field), min, max, def, help, NULL, NULL \
    }

struct lr_config;

struct lr_config_section {
    const char *name; /* [name] */
    const char *help;
    size_t size;                      /* of the module's section struct */
    const struct lr_config_key *keys; /* the table */
    unsigned nb_keys;                 /* at most LR_CONFIG_SECTION_KEYS */
    /** After every section's keys were applied (and after the defaults):
     *  rules across keys, derived values. @sec is this section's struct in
     *  @cfg. 0, or -EINVAL with "[name] key: reason" in @why. */
    int (*check)(struct lr_config *cfg, void *sec, char *why, size_t wl);
    /** lr_config_check_paths(): the files and directories the section's
     *  service reads at start (lr_config_check_path()). 0 or -errno with the
     *  whole message in @err. */
    int (*paths)(const struct lr_config *cfg, const void *sec, char *err, size_t errlen);
};

#define LR_CONFIG_SECTIONS_MAX 16         /* module sections in one configuration */
#define LR_CONFIG_SECTION_KEYS 64         /* keys in one module section */
#define LR_CONFIG_ARENA        (32 << 10) /* bytes for all module section structs */

struct lr_config_mod {
    const struct lr_config_section *def;
    uint32_t off;   /* of the struct in arena[] */
    bool present;   /* the file has the [section] */
    uint64_t given; /* bit i: the file sets keys[i] */
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
    struct lr_udp_config udp;
    /* Module sections (lr_config_section()). */
    uint16_t nb_mod;
    struct lr_config_mod mod[LR_CONFIG_SECTIONS_MAX];
    _Alignas(16) unsigned char arena[LR_CONFIG_ARENA];
};

/**
 * The struct of module section @def in @cfg, or NULL when @cfg was loaded
 * without it. (Non-const like strchr(): workers get a const pointer and the
 * modules' accessors give a const struct; tests write into theirs.)
 */
static inline void *lr_config_section(const struct lr_config *cfg,
                                      const struct lr_config_section *def)
{
    for (unsigned i = 0; i < cfg->nb_mod; i++)
        if (cfg->mod[i].def == def)
            return (void *)(uintptr_t)(cfg->arena + cfg->mod[i].off);
    return NULL;
}

/**
 * Define a module's accessor `const T *fn(const struct lr_config *cfg)`: its
 * section's struct in @cfg, or an all-zero T when @cfg was loaded without the
 * section (which reads as the service being off).
 */
#define LR_CONFIG_ACCESSOR(fn, T, def)                                                             \
    const T *fn(const struct lr_config *cfg)                                                       \
    {                                                                                              \
        static const T off_;                                                                       \
        const T *sec_ = lr_config_section(cfg, &(def));                                            \
        return sec_ != NULL ? sec_ : &off_;                                                        \
    }

/** True when the file has section [@name] (a module section). */
bool lr_config_section_present(const struct lr_config *cfg, const char *name);

/** True when the file sets key @key of module section @def. */
bool lr_config_key_given(const struct lr_config *cfg, const struct lr_config_section *def,
                         const char *key);

enum lr_config_path_kind {
    LR_CFG_DIR_READ,  /* a directory we list and read */
    LR_CFG_DIR_WRITE, /* a directory we create files in */
    LR_CFG_FILE_READ, /* a regular file we read */
};

/**
 * For a section's paths hook: check that @path exists, has the right type
 * and is usable. @what is "[section] key". 0, or -errno with
 * "CONFIG: [section] key: PATH: reason" in @err.
 */
int lr_config_check_path(const struct lr_config *cfg, const char *what, const char *path,
                         enum lr_config_path_kind kind, char *err, size_t errlen);

/** Parse a list of TCP/UDP ports "80, 8080" (1..@max of them, distinct, each in
 *  1-65535) into @out; *@n their count. 0, or -EINVAL with the reason in @why. */
int lr_parse_port_list(const char *s, uint16_t *out, unsigned max, uint16_t *n, char *why,
                       size_t wl);

/** Split @s (copied into @tmp, @tl bytes) at commas into 1..@max trimmed
 *  items; @what names one item in messages ("port", "target"). Returns the
 *  count, or -EINVAL with @why set. */
int lr_config_split_list(const char *s, char *tmp, size_t tl, char **items, int max,
                         const char *what, char *why, size_t wl);

/** Fill @cfg with every default of the core sections and of the module sections
 *  @secs (NULL-terminated, may be NULL); no port present; paths relative to the cwd. */
void lr_config_defaults(struct lr_config *cfg, const struct lr_config_section *const *secs);

/**
 * Load @path into @cfg (defaults first). On error returns -EINVAL (or -errno
 * for I/O) and writes one line "PATH: [section] key: reason" into @err.
 * Comments start with '#'. At least [port0] with `addr` is required; ports
 * are numbered without gaps (nb_ports = highest + 1). Relative paths are
 * resolved against the directory of @path and stored absolute.
 */
int lr_config_load(struct lr_config *cfg, const char *path,
                   const struct lr_config_section *const *secs, char *err, size_t errlen);

/** Same, from an in-memory INI text (used by tests and the embedded default). @name is
 *  used in messages, and its directory (or the cwd) to resolve relative paths. */
int lr_config_load_string(struct lr_config *cfg, const char *text, const char *name,
                          const struct lr_config_section *const *secs, char *err, size_t errlen);

/**
 * Check the paths the enabled services read at start: the paths hook of
 * every module section of @cfg (for example [http] root, [ftp] root, users
 * and upload_dir, [tftp] root must exist, be of the right type and be
 * usable; a service that is off is not checked). Called by --check and
 * before a start, after lr_config_load().
 * @return 0, or -errno with one line "PATH: [section] key: reason" in @err
 *         (the form of every other configuration error).
 */
int lr_config_check_paths(const struct lr_config *cfg, char *err, size_t errlen);

/** Print every section (the core ones and @secs) and key with its default, range
 *  and help (--help-config). */
void lr_config_help(FILE *f, const struct lr_config_section *const *secs);

/* Value parsers (lr_config_values.c), exposed for tests and other modules. 0 or -EINVAL. */
int lr_parse_uint(const char *s, uint64_t *out);    /* strict decimal, digits only */
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
