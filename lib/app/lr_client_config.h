/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * [client]: the load generator's configuration section (a module section,
 * see struct lr_config_section in lr_config.h); keys in lr_client_config.c.
 * The section being present selects client mode; `target` is then required.
 */
#ifndef LR_CLIENT_CONFIG_H
#define LR_CLIENT_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "lr_client_request.h"
#include "lr_config.h"

#define LR_MAX_TARGETS         16
#define LR_CLIENT_SNI_MAX      254 /* a DNS name: 253 characters (RFC 1035 §2.3.4) */
#define LR_CLIENT_PIPELINE_MAX 64  /* [client] pipeline */

struct lr_client_target {
    rte_be32_t ip;
    uint16_t port; /* host order */
};

/* [client] mode: what the connections carry. */
enum lr_client_mode {
    LR_CLIENT_HTTP = 0, /* HTTP/1.1 requests (and HTTPS with tls) */
    LR_CLIENT_TCP,      /* L4 test protocol over TCP (lr_l4_proto.h) */
    LR_CLIENT_UDP,      /* L4 test protocol datagrams, no connections */
};

struct lr_client_config {
    bool enabled;             /* set when [client] is present (no key) */
    char mode_name[8];        /* `mode` as given: http | tcp | udp */
    enum lr_client_mode mode; /* derived from mode_name by the check */
    uint16_t nb_targets;
    struct lr_client_target targets[LR_MAX_TARGETS];
    uint16_t nb_paths;
    char paths[LR_MAX_TARGETS][256];
    char host[128];             /* Host header, default the target address */
    uint32_t connections;       /* concurrency, default 64 */
    uint32_t requests_per_conn; /* 1 = CPS, 0 = keep-alive forever; default 0 */
    uint64_t rate;              /* new conns/s cap, 0 = none */
    uint64_t request_rate;      /* open loop: requests/s over all workers, 0 = closed loop */
    uint64_t duration;          /* default 10s */
    uint64_t ramp;              /* default 0 */
    rte_be32_t source_first;    /* source_addrs = A-B (default: port address) */
    rte_be32_t source_last;
    char report[LR_PATH_MAX]; /* absolute JSON report path, "" = none */
    /* HTTPS (lr_tls_connect, lib/tls): protocol settings come from [tls]
     * (min/max_version, ciphers, groups, alpn, handshake_timeout). */
    bool tls; /* default no */
    /* Server name sent (RFC 6066 §3), verified with ca_file; when the key is
     * not given, the host key's name without its port. "" = none (an IP
     * literal is never sent: RFC 6066 §3 allows none in HostName). */
    char sni[LR_CLIENT_SNI_MAX];
    char ca_file[LR_PATH_MAX]; /* verify the server against it; "" = no verification */
    uint32_t resume;           /* % of new connections resuming a stored session */
    /* Requests (lr_client_request.h). Without templateN keys every path is
     * a template with method, body_file and keep_alive; header applies to
     * every template. 0/"" fields read as the defaults (tests fill this). */
    char method[LR_CLIENT_METHOD_MAX]; /* default GET */
    char headers[LR_CLIENT_HDRS_MAX];  /* "Name: value\r\n" lines from `header` */
    char body_file[LR_PATH_MAX];       /* "" = no body */
    char connection[12];               /* "keep-alive" (or "") | "close" */
    uint16_t nb_templates;             /* template1..N given, 0 = from path */
    char templates[LR_CLIENT_TPL_MAX][LR_CLIENT_SPEC_MAX]; /* specs, checked */
    char tpl_body[LR_CLIENT_TPL_MAX][LR_PATH_MAX];         /* their body files, resolved */
    uint32_t pipeline;   /* requests outstanding per connection, default 1 */
    uint64_t think_time; /* closed loop: pause after responses, default 0 */
    /* L4 modes (tcp, udp): lr_l4_proto.h requests of payload_size bytes
     * answered with response_size bytes (0 = payload_size). */
    uint32_t payload_size;  /* default 64, header included */
    uint32_t response_size; /* resolved by the check: never 0 after it */
    uint64_t interval;      /* tcp: pause after each answer; udp: per-flow send period */
    uint32_t flows;         /* udp: concurrent flows (source ports), 0 = connections */
    uint64_t udp_timeout;   /* udp: an answer later than this is lost, default 1s */
};

extern const struct lr_config_section lr_client_config_section;

/** The [client] section of @cfg; loaded without it, all zero (not client mode). */
const struct lr_client_config *lr_client_conf(const struct lr_config *cfg);

#endif /* LR_CLIENT_CONFIG_H */
