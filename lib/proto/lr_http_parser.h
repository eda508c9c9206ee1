/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP/1.1 request parsing (RFC 9112), pure and allocation-free.
 *
 * lr_http_request_parse() looks at the bytes a connection has accumulated.
 * It returns 0 while the request head (request line + header section) is
 * incomplete, the head length once it is complete, or a negative HTTP
 * status for a request that must be refused. The caller keeps unconsumed
 * bytes and calls again when more arrive: requests may be split at any byte.
 * The parser keeps no state between calls; a call costs one memchr-driven
 * pass over at most max_uri_bytes + max_header_bytes bytes, so re-parsing a
 * head that arrives in pieces is bounded.
 *
 * The result holds offsets into the caller's buffer, never copies. Header
 * names are matched case-insensitively by a switch on their length and a
 * branch-free lower-casing; bytes are scanned with memchr and class tables, with
 * no per-byte function calls.
 *
 * A request with a body (Content-Length or chunked) is parsed like any
 * other; the body follows the head in the buffer and the caller discards it
 * (lr_http_chunked_feed() decodes chunked framing incrementally).
 */
#ifndef LR_HTTP_PARSER_H
#define LR_HTTP_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

enum lr_http_method {
    LR_HTTP_OTHER = 0, /* well-formed token we do not know: 501 */
    LR_HTTP_GET,
    LR_HTTP_HEAD,
    LR_HTTP_POST,
    LR_HTTP_PUT,
    LR_HTTP_DELETE,
    LR_HTTP_OPTIONS,
    LR_HTTP_PATCH,
    LR_HTTP_TRACE,
    LR_HTTP_CONNECT,
};

enum lr_http_range_kind {
    LR_HTTP_RANGE_NONE = 0, /* no Range, or one we ignore (bad syntax, other unit) */
    LR_HTTP_RANGE_FROM_TO,  /* bytes=a-b */
    LR_HTTP_RANGE_FROM,     /* bytes=a- */
    LR_HTTP_RANGE_SUFFIX,   /* bytes=-n (first holds n) */
    LR_HTTP_RANGE_MULTI,    /* several ranges: ignored, the server sends 200 */
};

struct lr_http_limits {
    uint32_t max_uri_bytes;    /* request-line length (without CRLF) → 414 */
    uint32_t max_header_bytes; /* header section length (after the request line) → 431 */
    uint32_t max_headers;      /* header field count → 431 */
    uint64_t max_body_bytes;   /* Content-Length above → 413 */
};

/* A piece of the input buffer: bytes [off, off + len). */
struct lr_http_span {
    uint32_t off;
    uint32_t len;
};

struct lr_http_request {
    enum lr_http_method method;
    uint8_t version_minor; /* HTTP/1.<minor>: 0 or 1 */
    bool keep_alive;       /* persistence per RFC 9112 §9.3 */
    bool conn_close;       /* Connection: close seen */
    bool conn_keep_alive;  /* Connection: keep-alive seen */
    bool asterisk;         /* request-target "*" (OPTIONS only) */
    bool absolute;         /* absolute-form request-target */
    bool expect_continue;  /* Expect: 100-continue */
    bool chunked;          /* Transfer-Encoding: chunked */
    bool has_content_length;
    bool has_host;
    bool has_if_none_match;
    bool has_if_modified_since; /* and a date we could parse (else ignored) */
    bool has_if_range;          /* If-Range seen (the server then ignores Range) */
    struct lr_http_span method_tok;
    struct lr_http_span target; /* the whole request-target */
    struct lr_http_span path;   /* path part (len 0 in absolute-form means "/") */
    struct lr_http_span query;  /* after '?', len 0 when none */
    struct lr_http_span host;
    struct lr_http_span if_none_match;
    uint64_t content_length;
    time_t if_modified_since;
    enum lr_http_range_kind range;
    uint64_t range_first; /* FROM_TO, FROM: first byte; SUFFIX: length */
    uint64_t range_last;  /* FROM_TO: last byte (inclusive) */
    uint32_t nb_headers;
    uint32_t head_len; /* bytes of the head, final empty line included */
};

/**
 * Parse the request head at the start of @buf (@len bytes).
 *
 * @return head length (> 0) when complete and acceptable; 0 when more bytes
 *         are needed; or a negative HTTP status: -400 (syntax, missing or
 *         duplicate Host, two Range lines, CL+TE, bad Content-Length,
 *         obs-fold), -413 (body
 *         above max_body_bytes), -414 (request line too long), -431 (header
 *         section too large or too many fields), -501 (Transfer-Encoding other
 *         than chunked), -505 (HTTP version other than 1.0/1.1). Methods are
 *         not judged here: the caller answers 405/501 from @req->method.
 *         On error, @req->version_minor and @req->method are filled when the
 *         request line was readable.
 */
int lr_http_request_parse(const uint8_t *buf, size_t len, const struct lr_http_limits *lim,
                          struct lr_http_request *req);

/** Name of a known method ("GET"), "" for LR_HTTP_OTHER. */
const char *lr_http_method_name(enum lr_http_method m);

/**
 * Incremental chunked-body decoder (RFC 9112 §7.1). Zero-initialise, then
 * feed bytes as they arrive; the data is validated and counted, not kept.
 */
struct lr_http_chunked {
    uint8_t state;
    uint8_t digits;      /* hex digits of the current size */
    uint16_t line_bytes; /* bytes of the current extension/trailer line */
    uint32_t trailer_bytes;
    uint64_t remaining; /* data bytes left in the current chunk */
    uint64_t total;     /* data bytes seen */
};

/**
 * Feed @len bytes to @c. *@consumed is set to the bytes used (less than
 * @len only when the body ended inside the buffer).
 *
 * @return 1 when the body (and trailers) ended, 0 when more bytes are
 *         needed, -400 for bad framing, -413 when data exceeds @max_body.
 */
int lr_http_chunked_feed(struct lr_http_chunked *c, const uint8_t *buf, size_t len,
                         size_t *consumed, uint64_t max_body);

/**
 * Format @t as an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT", RFC 9110
 * §5.6.7) into @out (at least 30 bytes, NUL-terminated).
 * @return 29.
 */
size_t lr_http_date_format(time_t t, char *out);

/**
 * Parse an HTTP-date in any of the three formats of RFC 9110 §5.6.7
 * (IMF-fixdate, RFC 850 with two-digit year: 00-69 → 20xx, 70-99 → 19xx,
 * asctime).
 * @return 0 and *@t, or -1 when not a valid date.
 */
int lr_http_date_parse(const char *s, size_t len, time_t *t);

/**
 * If-None-Match evaluation (RFC 9110 §13.1.2): true when the field value
 * @list is "*" or contains an entity-tag that weakly matches @etag (a quoted
 * strong tag such as "\"abc\"").
 */
bool lr_http_etag_match(const char *list, size_t len, const char *etag, size_t etag_len);

#endif /* LR_HTTP_PARSER_H */
