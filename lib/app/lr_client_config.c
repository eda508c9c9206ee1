/* SPDX-License-Identifier: BSD-3-Clause */
/* [client] section (lr_client_config.h): the key table and its rules. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_string_fns.h>

#include "lr_client_config.h"
#include "lr_l4_proto.h"

#define C struct lr_client_config

/* target = "ip:port, ip:port" */
static int parse_targets(void *sec, const struct lr_config_key *k, const char *val, char *why,
                         size_t wl)
{
    C *cc = sec;
    char tmp[512], *items[LR_MAX_TARGETS];
    uint64_t port;

    RTE_SET_USED(k);
    int n = lr_config_split_list(val, tmp, sizeof(tmp), items, LR_MAX_TARGETS, "target", why, wl);
    if (n < 0)
        return n;
    for (int i = 0; i < n; i++) {
        char *colon = strchr(items[i], ':');
        if (colon != NULL)
            *colon = '\0';
        if (colon == NULL || lr_parse_ipv4(items[i], &cc->targets[i].ip) != 0 ||
            cc->targets[i].ip == 0 || lr_parse_uint(colon + 1, &port) != 0 || port < 1 ||
            port > 65535) {
            if (colon != NULL)
                *colon = ':';
            if (strstr(items[i], "://") != NULL)
                snprintf(why, wl,
                         "'%s' is not ip:port (e.g. 198.18.0.2:443; targets are not URLs: "
                         "HTTPS is tls = yes)",
                         items[i]);
            else
                snprintf(why, wl, "'%s' is not ip:port (e.g. 198.18.0.2:80)", items[i]);
            return -EINVAL;
        }
        cc->targets[i].port = (uint16_t)port;
    }
    cc->nb_targets = (uint16_t)n;
    return 0;
}

/* path = "/a, /b": request targets in origin form (RFC 9112 §3.2.1). */
static int parse_paths(void *sec, const struct lr_config_key *k, const char *val, char *why,
                       size_t wl)
{
    C *cc = sec;
    char tmp[512], *items[LR_MAX_TARGETS];

    RTE_SET_USED(k);
    int n = lr_config_split_list(val, tmp, sizeof(tmp), items, LR_MAX_TARGETS, "path", why, wl);
    if (n < 0)
        return n;
    for (int i = 0; i < n; i++) {
        const char *p = items[i];
        bool ok = p[0] == '/' && strlen(p) < sizeof(cc->paths[0]);
        for (; ok && *p != '\0'; p++)
            ok = (unsigned char)*p > 0x20 && (unsigned char)*p < 0x7f;
        if (!ok) {
            snprintf(why, wl, "'%s' is not a request path (starts with '/', no spaces)", items[i]);
            return -EINVAL;
        }
        rte_strscpy(cc->paths[i], items[i], sizeof(cc->paths[i]));
    }
    cc->nb_paths = (uint16_t)n;
    return 0;
}

/* source_addrs = "A-B" or "A", empty = the port's address. */
static int parse_sources(void *sec, const struct lr_config_key *k, const char *val, char *why,
                         size_t wl)
{
    C *cc = sec;
    char tmp[512];
    rte_be32_t a, b;

    RTE_SET_USED(k);
    if (val[0] == '\0') {
        cc->source_first = cc->source_last = 0;
        return 0;
    }
    rte_strscpy(tmp, val, sizeof(tmp));
    char *dash = strchr(tmp, '-');
    if (dash != NULL)
        *dash = '\0';
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

/* The Host header value goes into every request line block as is. */
static int check_host(const char *val, char *why, size_t wl)
{
    if (strchr(val, ' ') != NULL) {
        snprintf(why, wl, "'%s' must not contain spaces (it is a Host header)", val);
        return -EINVAL;
    }
    return 0;
}

/* A DNS host name (RFC 1123 §2.1 labels), which is what SNI carries:
 * RFC 6066 §3, "HostName" is a DNS name without a trailing dot, never an
 * IP literal. */
static int check_sni(const char *val, char *why, size_t wl)
{
    rte_be32_t ip;
    size_t label = 0;
    bool ok = strlen(val) <= 253;

    if (val[0] == '\0')
        return 0;
    if (lr_parse_ipv4(val, &ip) == 0) {
        snprintf(why, wl, "'%s' is an IP address; SNI carries only a host name (RFC 6066 §3)", val);
        return -EINVAL;
    }
    for (const char *p = val; ok && *p != '\0'; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch == '.') {
            ok = label > 0;
            label = 0;
        } else if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                   (ch >= '0' && ch <= '9') || ch == '-') {
            ok = ++label <= 63;
        } else {
            ok = false;
        }
    }
    if (!ok || label == 0) {
        snprintf(why, wl,
                 "'%s' is not a host name (labels of letters, digits and '-' between dots)", val);
        return -EINVAL;
    }
    return 0;
}

/* Request keys (lr_client_request.h has the parsing). */

static int lr_client_cfg_headers(void *sec, const struct lr_config_key *k, const char *val,
                                 char *why, size_t wl)
{
    struct lr_client_config *cc = sec;

    RTE_SET_USED(k);
    cc->headers[0] = '\0';
    return lr_client_headers_parse(val, cc->headers, sizeof(cc->headers), why, wl);
}

static int lr_client_cfg_template(void *sec, const struct lr_config_key *k, const char *val,
                                  char *why, size_t wl)
{
    struct lr_client_config *cc = sec;
    struct lr_client_tpl t;
    unsigned idx = (unsigned)(k->name[strlen(k->name) - 1] - '1');

    if (idx >= LR_CLIENT_TPL_MAX)
        return -EINVAL;
    int rc = lr_client_tpl_parse(val, &t, why, wl);
    if (rc != 0)
        return rc;
    rte_strscpy(cc->templates[idx], val, sizeof(cc->templates[idx]));
    return 0;
}

static int lr_client_cfg_method(const char *val, char *why, size_t wl)
{
    if (!lr_client_method_ok(val)) {
        snprintf(why, wl, "'%s' is not a method (RFC 9110 §9.1: a token, at most %d characters)",
                 val, LR_CLIENT_METHOD_MAX - 1);
        return -EINVAL;
    }
    return 0;
}

static int lr_client_cfg_connection(const char *val, char *why, size_t wl)
{
    if (strcmp(val, "keep-alive") != 0 && strcmp(val, "close") != 0) {
        snprintf(why, wl, "'%s' is neither keep-alive nor close", val);
        return -EINVAL;
    }
    return 0;
}

static int lr_client_cfg_check(struct lr_config *cfg, void *sec, char *why, size_t wl)
{
    struct lr_client_config *cc = sec;
    const struct lr_config_section *def = &lr_client_config_section;
    static const char *const single[] = { "path", "method", "body_file", "connection" };
    char key[16];

    cc->nb_templates = 0;
    for (unsigned i = 0; i < LR_CLIENT_TPL_MAX; i++) {
        snprintf(key, sizeof(key), "template%u", i + 1);
        if (!lr_config_key_given(cfg, def, key)) {
            cc->templates[i][0] = '\0';
            continue;
        }
        if (cc->nb_templates != i) {
            snprintf(why, wl, "[client] %s: templates are numbered from 1 without gaps", key);
            return -EINVAL;
        }
        cc->nb_templates = (uint16_t)(i + 1);
    }
    for (unsigned i = 0; cc->nb_templates > 0 && i < RTE_DIM(single); i++) {
        if (lr_config_key_given(cfg, def, single[i])) {
            snprintf(why, wl,
                     "[client] %s: not with template1..%u (give it in each template; header "
                     "applies to all)",
                     single[i], LR_CLIENT_TPL_MAX);
            return -EINVAL;
        }
    }
    /* A template's body is relative to the config file's directory, as
     * every path key is. */
    const char *slash = strrchr(cfg->path, '/');
    int dirlen = slash != NULL ? (int)(slash - cfg->path) : -1;
    for (unsigned i = 0; i < cc->nb_templates; i++) {
        struct lr_client_tpl t;
        cc->tpl_body[i][0] = '\0';
        if (lr_client_tpl_parse(cc->templates[i], &t, why, wl) != 0 || t.body[0] == '\0')
            continue;
        int n;
        if (t.body[0] == '/' || dirlen < 0)
            n = snprintf(cc->tpl_body[i], sizeof(cc->tpl_body[i]), "%s", t.body);
        else
            n = snprintf(cc->tpl_body[i], sizeof(cc->tpl_body[i]), "%.*s/%s",
                         dirlen == 0 ? 0 : dirlen, cfg->path, t.body);
        if (n < 0 || (size_t)n >= sizeof(cc->tpl_body[i])) {
            snprintf(why, wl, "[client] template%u: body path too long once resolved", i + 1);
            return -EINVAL;
        }
    }
    if (cc->think_time != 0 && cc->request_rate != 0) {
        snprintf(why, wl,
                 "[client] think_time: not with request_rate (the open loop sends on its own "
                 "schedule; think_time paces a closed loop)");
        return -EINVAL;
    }
    return 0;
}

static int lr_client_cfg_mode(const char *val, char *why, size_t wl)
{
    if (strcmp(val, "http") != 0 && strcmp(val, "tcp") != 0 && strcmp(val, "udp") != 0) {
        snprintf(why, wl, "'%s' is none of http, tcp, udp", val);
        return -EINVAL;
    }
    return 0;
}

/* Largest UDP payload in one IPv4 datagram: 65535 - 20 (IP) - 8 (UDP). */
#define LR_UDP_PAYLOAD_MAX 65507u

static bool key_given(struct lr_config *cfg, const char *key)
{
    return lr_config_key_given(cfg, &lr_client_config_section, key);
}

/* The rules of `mode`: keys that mean nothing in a mode are refused, not
 * ignored, so a config never silently measures something else. */
static int lr_client_cfg_mode_check(struct lr_config *cfg, C *cc, char *why, size_t wl)
{
    static const char *const http_only[] = {
        "path",      "host",       "method",    "header",    "body_file", "connection",
        "pipeline",  "think_time", "tls",       "template1", "template2", "template3",
        "template4", "template5",  "template6", "template7", "template8",
    };
    static const char *const l4_only[] = { "payload_size", "response_size", "interval" };
    static const char *const udp_only[] = { "flows", "udp_timeout" };
    static const char *const conn_only[] = { "requests_per_conn", "rate", "ramp" };

    cc->mode = strcmp(cc->mode_name, "tcp") == 0   ? LR_CLIENT_TCP
               : strcmp(cc->mode_name, "udp") == 0 ? LR_CLIENT_UDP
                                                   : LR_CLIENT_HTTP;
    for (unsigned i = 0; cc->mode != LR_CLIENT_HTTP && i < RTE_DIM(http_only); i++)
        if (key_given(cfg, http_only[i])) {
            snprintf(why, wl, "[client] %s: only with mode = http (mode is %s)", http_only[i],
                     cc->mode_name);
            return -EINVAL;
        }
    for (unsigned i = 0; cc->mode == LR_CLIENT_HTTP && i < RTE_DIM(l4_only); i++)
        if (key_given(cfg, l4_only[i])) {
            snprintf(why, wl, "[client] %s: only with mode = tcp or udp", l4_only[i]);
            return -EINVAL;
        }
    for (unsigned i = 0; cc->mode != LR_CLIENT_UDP && i < RTE_DIM(udp_only); i++)
        if (key_given(cfg, udp_only[i])) {
            snprintf(why, wl, "[client] %s: only with mode = udp", udp_only[i]);
            return -EINVAL;
        }
    for (unsigned i = 0; cc->mode == LR_CLIENT_UDP && i < RTE_DIM(conn_only); i++)
        if (key_given(cfg, conn_only[i])) {
            snprintf(why, wl, "[client] %s: not with mode = udp (it has no connections)",
                     conn_only[i]);
            return -EINVAL;
        }
    if (cc->mode == LR_CLIENT_HTTP)
        return 0;
    if (cc->interval != 0 && cc->request_rate != 0) {
        snprintf(why, wl,
                 "[client] interval: not with request_rate (both set the send schedule; "
                 "give one)");
        return -EINVAL;
    }
    if (cc->response_size == 0)
        cc->response_size = cc->payload_size;
    if (cc->mode == LR_CLIENT_UDP) {
        if (cc->payload_size > LR_UDP_PAYLOAD_MAX || cc->response_size > LR_UDP_PAYLOAD_MAX) {
            snprintf(why, wl,
                     "[client] %s: %u bytes do not fit one UDP datagram (at most %u, RFC 768 "
                     "over IPv4)",
                     cc->payload_size > LR_UDP_PAYLOAD_MAX ? "payload_size" : "response_size",
                     RTE_MAX(cc->payload_size, cc->response_size), LR_UDP_PAYLOAD_MAX);
            return -EINVAL;
        }
        if (cc->response_size < LR_L4_HDR_LEN) {
            snprintf(why, wl,
                     "[client] response_size: at least %u in udp mode (the answer carries the "
                     "request's sequence number)",
                     LR_L4_HDR_LEN);
            return -EINVAL;
        }
        if (cc->flows == 0)
            cc->flows = cc->connections;
        if (cc->flows > 16384) {
            snprintf(why, wl,
                     "[client] flows: %u (from connections) exceed the 16384 source ports of "
                     "the dynamic range (RFC 6335); set flows",
                     cc->flows);
            return -EINVAL;
        }
    }
    return 0;
}

static const struct lr_config_key client_keys[] = {
    { "mode", LR_CFG_STR, offsetof(C, mode_name), sizeof(((C *)0)->mode_name), 0, 0, "http",
      "http: HTTP/1.1 requests; tcp or udp: the L4 test protocol (payload_size-byte requests "
      "answered with response_size bytes by the l4 service, [tcp]/[udp] l4_port)",
      NULL, lr_client_cfg_mode },
    { "target", LR_CFG_CUSTOM, 0, 0, 0, LR_MAX_TARGETS, NULL,
      "comma-separated servers ip:port (required in client mode)", parse_targets, NULL },
    { "path", LR_CFG_CUSTOM, 0, 0, 0, LR_MAX_TARGETS, "/",
      "comma-separated request paths, used in turn", parse_paths, NULL },
    { "host", LR_CFG_STR, offsetof(C, host), sizeof(((C *)0)->host), 0, 0, "",
      "Host header; empty = the target address", NULL, check_host },
    LR_CONFIG_KEY(C, "connections", connections, LR_CFG_UINT, 1, 1u << 24, "64",
                  "concurrent connections"),
    LR_CONFIG_KEY(C, "requests_per_conn", requests_per_conn, LR_CFG_UINT, 0, UINT32_MAX, "0",
                  "requests per connection: 1 measures connections/s; 0 = keep-alive forever"),
    LR_CONFIG_KEY(C, "rate", rate, LR_CFG_UINT, 0, 1000000000, "0",
                  "new connections per second; 0 = no cap"),
    LR_CONFIG_KEY(C, "request_rate", request_rate, LR_CFG_UINT, 0, 1000000000, "0",
                  "open loop: requests per second over all workers, latency measured from each "
                  "request's intended send time (wrk2 -R); 0 = closed loop"),
    LR_CONFIG_KEY(C, "duration", duration, LR_CFG_TIME, 100000, UINT64_C(30) * 86400 * 1000000,
                  "10s", "test duration"),
    LR_CONFIG_KEY(C, "ramp", ramp, LR_CFG_TIME, 0, UINT64_C(3600000000), "0",
                  "ramp-up time to full concurrency"),
    { "source_addrs", LR_CFG_CUSTOM, 0, 0, 0, 0, "",
      "source addresses first-last or a single one; empty = the port address", parse_sources,
      NULL },
    LR_CONFIG_KEY(C, "report", report, LR_CFG_PATH, 0, 0, "",
                  "JSON report written at the end, relative to the config file's directory; "
                  "empty = none"),
    LR_CONFIG_KEY(C, "tls", tls, LR_CFG_BOOL, 0, 0, "no",
                  "HTTPS: TLS on every connection ([tls] gives versions, ciphers, groups, alpn, "
                  "handshake_timeout)"),
    { "sni", LR_CFG_STR, offsetof(C, sni), sizeof(((C *)0)->sni), 0, 0, "",
      "server name sent in the ClientHello (tls = yes); default the host key's name, none when "
      "that is empty or an address",
      NULL, check_sni },
    LR_CONFIG_KEY(C, "ca_file", ca_file, LR_CFG_PATH, 0, 0, "",
                  "tls = yes: verify the server's certificate (and sni) against this PEM CA "
                  "bundle, a failure counted as failed_certificate; empty = no verification"),
    LR_CONFIG_KEY(C, "resume", resume, LR_CFG_UINT, 0, 100, "0",
                  "tls = yes: percent of new connections that resume the session saved from an "
                  "earlier connection of the same worker to the same target"),
    { "method", LR_CFG_STR, offsetof(C, method), sizeof(((C *)0)->method), 0, 0, "GET",
      "request method of the path templates (POST/PUT with body_file)", NULL,
      lr_client_cfg_method },
    { "header", LR_CFG_CUSTOM, 0, 0, 0, 0, "",
      "extra header fields on every request: 'Name: value | Name: value'", lr_client_cfg_headers,
      NULL },
    LR_CONFIG_KEY(C, "body_file", body_file, LR_CFG_PATH, 0, 0, "",
                  "request body of the path templates, read at start (at most 1 MiB), sent "
                  "with Content-Length; empty = none"),
    { "connection", LR_CFG_STR, offsetof(C, connection), sizeof(((C *)0)->connection), 0, 0,
      "keep-alive",
      "keep-alive, or close: every request of the path templates carries Connection: close", NULL,
      lr_client_cfg_connection },
#define TPL_KEY(n)                                                                                 \
    {                                                                                              \
        "template" #n, LR_CFG_CUSTOM, 0, 0, 0, 0, "",                                              \
            "request template 'METHOD /path | weight N | body FILE | header Name: value | close' " \
            "(replaces path/method/body_file/connection)",                                         \
            lr_client_cfg_template, NULL                                                           \
    }
    TPL_KEY(1),
    TPL_KEY(2),
    TPL_KEY(3),
    TPL_KEY(4),
    TPL_KEY(5),
    TPL_KEY(6),
    TPL_KEY(7),
    TPL_KEY(8),
#undef TPL_KEY
    LR_CONFIG_KEY(C, "pipeline", pipeline, LR_CFG_UINT, 1, LR_CLIENT_PIPELINE_MAX, "1",
                  "requests outstanding per connection (HTTP/1.1 pipelining, h2load -m)"),
    LR_CONFIG_KEY(C, "think_time", think_time, LR_CFG_TIME, 0, UINT64_C(3600000000), "0",
                  "closed loop: a connection waits this long after its responses before its "
                  "next requests; not with request_rate"),
    LR_CONFIG_KEY(C, "payload_size", payload_size, LR_CFG_UINT, LR_L4_HDR_LEN, LR_L4_MSG_MAX, "64",
                  "mode = tcp/udp: request size in bytes, the 16-byte header included (udp: at "
                  "most 65507)"),
    LR_CONFIG_KEY(C, "response_size", response_size, LR_CFG_UINT, 0, LR_L4_MSG_MAX, "0",
                  "mode = tcp/udp: bytes the server answers each request with; 0 = "
                  "payload_size (what an echo server returns)"),
    LR_CONFIG_KEY(C, "interval", interval, LR_CFG_TIME, 0, UINT64_C(3600000000), "0",
                  "mode = tcp: pause after each answer; mode = udp: each flow sends one "
                  "request per interval (an open loop at flows/interval requests/s); 0 = "
                  "closed loop, as fast as answers come"),
    LR_CONFIG_KEY(C, "flows", flows, LR_CFG_UINT, 0, 16384, "0",
                  "mode = udp: concurrent flows, each its own source port of the dynamic range "
                  "49152-65535 (split over the workers); 0 = connections"),
    LR_CONFIG_KEY(C, "udp_timeout", udp_timeout, LR_CFG_TIME, 1000, UINT64_C(60000000), "1s",
                  "mode = udp: a request not answered within this is counted lost (a later "
                  "answer is late)"),
};

static int client_check(struct lr_config *cfg, void *sec, char *why, size_t wl)
{
    C *cc = sec;

    cc->enabled = lr_config_section_present(cfg, "client");
    /* Client mode needs somewhere to go. */
    if (cc->enabled && !lr_config_key_given(cfg, &lr_client_config_section, "target")) {
        snprintf(why, wl, "[client] target: missing (required in client mode)");
        return -EINVAL;
    }
    static const char *const tls_only[] = { "sni", "ca_file", "resume" };
    for (unsigned i = 0; i < RTE_DIM(tls_only); i++) {
        if (!cc->tls && lr_config_key_given(cfg, &lr_client_config_section, tls_only[i])) {
            snprintf(why, wl, "[client] %s: only with tls = yes", tls_only[i]);
            return -EINVAL;
        }
    }
    /* SNI from the Host header's name unless given (RFC 6066 §3: no IP
     * literal, no port). */
    if (cc->tls && !lr_config_key_given(cfg, &lr_client_config_section, "sni")) {
        char name[sizeof(cc->host)], w2[8];
        rte_strscpy(name, cc->host, sizeof(name));
        char *colon = strrchr(name, ':');
        if (colon != NULL)
            *colon = '\0';
        if (check_sni(name, w2, sizeof(w2)) == 0)
            rte_strscpy(cc->sni, name, sizeof(cc->sni));
    }
    int rc = lr_client_cfg_mode_check(cfg, cc, why, wl);
    if (rc != 0)
        return rc;
    return lr_client_cfg_check(cfg, sec, why, wl);
}

static int client_paths(const struct lr_config *cfg, const void *sec, char *err, size_t errlen)
{
    const C *cc = sec;

    if (!cc->enabled || !cc->tls || cc->ca_file[0] == '\0')
        return 0;
    return lr_config_check_path(cfg, "[client] ca_file", cc->ca_file, LR_CFG_FILE_READ, err,
                                errlen);
}

const struct lr_config_section lr_client_config_section = {
    .name = "client",
    .help = "load generator (HTTP, HTTPS, or the L4 test protocol over TCP or UDP); the section "
            "being present selects client mode",
    .size = sizeof(C),
    .keys = client_keys,
    .nb_keys = RTE_DIM(client_keys),
    .check = client_check,
    .paths = client_paths,
};

LR_CONFIG_ACCESSOR(lr_client_conf, struct lr_client_config, lr_client_config_section)
