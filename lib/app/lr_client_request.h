/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Request templates of the load generator ([client] method, header,
 * body_file, connection, template1..template8): parsing and checking the
 * config text, the deterministic weighted order, and building the request
 * heads once at start. Pure functions over memory, except
 * lr_client_body_load() which reads a body file at start (never on the
 * fast path).
 *
 * A template spec (one templateN key) is fields separated by '|':
 *
 *   METHOD /path [| weight N] [| body FILE] [| header Name: value]... [| close]
 *
 * weight 1-1000 (default 1); body FILE (relative to the config file's
 * directory, at most LR_CLIENT_BODY_MAX bytes) is sent with Content-Length;
 * header adds a field (repeatable); close sends "Connection: close" on every
 * request of the template (the server ends the connection after it), else
 * keep-alive. The `header` key is the same "Name: value | Name: value" list
 * and applies to every template.
 */
#ifndef LR_CLIENT_REQUEST_H
#define LR_CLIENT_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LR_CLIENT_TPL_MAX    8          /* template1..template8 */
#define LR_CLIENT_REQ_TPL    16         /* templates at run time: one per path by default */
#define LR_CLIENT_WEIGHT_MAX 1000       /* per template */
#define LR_CLIENT_BODY_MAX   (1u << 20) /* body bytes per template (1 MiB) */
#define LR_CLIENT_METHOD_MAX 16         /* method token + NUL */
#define LR_CLIENT_HDRS_MAX   512        /* extra header lines of one request, CRLFs included */
#define LR_CLIENT_HEAD_MAX   1536       /* one request head (line + headers) */
#define LR_CLIENT_SPEC_MAX   256        /* a config value (rte_cfgfile CFG_VALUE_LEN) */

/* One parsed template spec. */
struct lr_client_tpl {
    char method[LR_CLIENT_METHOD_MAX];
    char path[LR_CLIENT_SPEC_MAX];
    char headers[LR_CLIENT_HDRS_MAX]; /* "Name: value\r\n" lines, "" = none */
    char body[LR_CLIENT_SPEC_MAX];    /* body file as written, "" = no body */
    uint32_t weight;
    bool close;
};

/** True when @m is a method token (RFC 9110 §9.1: token, case-sensitive). */
bool lr_client_method_ok(const char *m);

/**
 * Parse a header list "Name: value | Name: value" into CRLF-terminated lines
 * appended to @out (@outlen bytes, NUL-terminated). Names are tokens (RFC
 * 9110 §5.1), values visible characters and spaces (§5.5); the fields the
 * client sets itself (Host, Content-Length, Transfer-Encoding, Connection)
 * are refused. 0, or -EINVAL with the reason in @why.
 */
int lr_client_headers_parse(const char *list, char *out, size_t outlen, char *why, size_t wl);

/** Parse one template spec (see above). 0, or -EINVAL with the reason in @why. */
int lr_client_tpl_parse(const char *spec, struct lr_client_tpl *out, char *why, size_t wl);

/**
 * Smooth weighted round-robin order of @n templates with @weights: fills
 * @seq with sum(weights) template indexes in which every template appears
 * weight times, spread as evenly as the weights allow (the same order at
 * every start: no random numbers). Returns the length, or -ENOSPC when it
 * exceeds @cap.
 */
int lr_client_wrr(const uint32_t *weights, unsigned n, uint8_t *seq, unsigned cap);

/**
 * Write the head of one request: "METHOD PATH HTTP/1.1", Host, User-Agent,
 * Accept, the template's headers then @common, Content-Length when
 * @body_len > 0 (RFC 9110 §8.6) and Connection (close or keep-alive, RFC
 * 9112 §9.3/§9.6). Returns its length, or -ENAMETOOLONG when @len is short.
 */
int lr_client_head_build(char *buf, size_t len, const char *method, const char *path,
                         const char *host, const char *headers, const char *common,
                         uint32_t body_len, bool close);

/**
 * Read @path (at most LR_CLIENT_BODY_MAX bytes) into a buffer from
 * rte_malloc_socket(@socket); *@len its size (a file of 0 bytes gives a
 * buffer and 0). 0, or -errno (-EFBIG above the cap) with a message in @why.
 */
int lr_client_body_load(const char *path, int socket, uint8_t **buf, uint32_t *len, char *why,
                        size_t wl);

#endif /* LR_CLIENT_REQUEST_H */
