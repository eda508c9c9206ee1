/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Incremental HTTP/1.1 response parser (RFC 9112), fixed memory, no
 * allocation, no clock.
 *
 * The parser is a byte-level state machine, so a response may be split at
 * any byte over any number of segments and nothing is buffered: only the
 * values of the three header fields that decide framing and persistence
 * (Content-Length, Transfer-Encoding, Connection) are kept, in a small
 * buffer. Bodies are counted, never copied; chunked bodies are decoded
 * (sizes, extensions, CRLFs, trailers) and only the data bytes counted.
 * Lines that are complete in the buffer given (the usual case: a head in
 * one segment) are validated and taken a whole line at a time; the byte
 * machine takes over at the start of any other line, with the same
 * results, errors and bytes used however the stream is split.
 *
 * Use per connection:
 *   lr_http_resp_init(&p, head_request)            before each response
 *   r = lr_http_resp_feed(&p, buf, len, &used)     for every received piece
 *       MORE: everything used, need more; DONE: a complete response ended
 *       after @used bytes (the rest belongs to whatever follows); ERROR:
 *       p.error says why (the connection's byte stream is unusable)
 *   r = lr_http_resp_eof(&p)                       when the peer closed
 *       DONE when the body was delimited by the close, else ERROR
 *
 * Interim 1xx responses (RFC 9110 §15.2) are parsed and skipped (counted in
 * p.interim); 101 is an error since the client never asks to upgrade.
 */
#ifndef LR_HTTP_RESP_H
#define LR_HTTP_RESP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Why a response was rejected: X(ENUM, "name"). */
#define LR_HTTP_RESP_ERRORS(X)                                                                     \
    X(NONE, "none")                                                                                \
    X(BAD_STATUS, "bad_status_line")                                                               \
    X(BAD_HEADER, "bad_header")                                                                    \
    X(HEAD_TOO_LARGE, "header_too_large")                                                          \
    X(BAD_CHUNK, "bad_chunk")                                                                      \
    X(BODY_SHORT, "body_too_short")                                                                \
    X(UNEXPECTED_CLOSE, "unexpected_close")

enum lr_http_resp_error {
#define LR_X_RERR(e, n) LR_HTTP_RESP_ERR_##e,
    LR_HTTP_RESP_ERRORS(LR_X_RERR)
#undef LR_X_RERR
        LR_HTTP_RESP_ERR_MAX,
};

enum lr_http_resp_result {
    LR_HTTP_RESP_MORE = 0,
    LR_HTTP_RESP_DONE,
    LR_HTTP_RESP_ERROR,
};

/* Limits (RFC 9110 §2.3 lets a recipient bound what it accepts). */
#define LR_HTTP_RESP_MAX_HEAD   (64 * 1024) /* status line + header section, bytes */
#define LR_HTTP_RESP_MAX_FIELDS 256         /* header (or trailer) lines */
#define LR_HTTP_RESP_VAL_MAX    256         /* kept value of a framing header */
#define LR_HTTP_RESP_EXT_MAX    4096        /* chunk extensions of one chunk */

struct lr_http_resp {
    /* result, valid once DONE */
    uint16_t status;  /* 100..599 */
    uint8_t minor;    /* HTTP/1.minor */
    bool keep_alive;  /* the connection may carry another request (RFC 9112 §9.3) */
    bool chunked;     /* body used chunked transfer coding */
    bool has_length;  /* Content-Length was given (and used for framing) */
    bool until_close; /* body delimited by the connection closing */
    uint8_t error;    /* enum lr_http_resp_error when ERROR */
    uint64_t content_length;
    uint64_t body_bytes; /* body data bytes (chunk data, not framing) */
    uint32_t head_bytes; /* status line + headers of the final response */
    uint32_t interim;    /* 1xx responses skipped */

    /* private state */
    uint8_t state;
    uint8_t pos; /* index inside a fixed token ("HTTP/") or code digits */
    uint8_t hdr; /* which framing header the current line is (0 = other) */
    bool head_request;
    bool trailer;    /* parsing the trailer section of a chunked body */
    bool conn_close; /* Connection: close seen */
    bool conn_keep;  /* Connection: keep-alive seen */
    bool te_seen;
    bool ext_ws; /* whitespace seen inside the chunk-size line */
    uint8_t size_digits;
    uint16_t fields;
    uint16_t name_len;
    uint16_t val_len;
    uint16_t val_trim; /* val_len without trailing whitespace */
    uint32_t ext_len;
    uint64_t remaining; /* body or chunk bytes still expected */
    uint64_t chunk_size;
    char name[20]; /* lower-cased prefix of the field name */
    char val[LR_HTTP_RESP_VAL_MAX];
};

/**
 * Prepare @p for the response to one request. @head_request: the request was
 * HEAD, so the response has no body whatever its headers say (RFC 9110 §9.3.2).
 */
void lr_http_resp_init(struct lr_http_resp *p, bool head_request);

/**
 * Parse the next @len bytes of the stream. *@used receives how many were
 * consumed: all of them for MORE; up to the end of the response for DONE;
 * up to (and including) the offending byte for ERROR.
 */
enum lr_http_resp_result lr_http_resp_feed(struct lr_http_resp *p, const uint8_t *buf, size_t len,
                                           size_t *used);

/**
 * The peer closed the connection (no more bytes). DONE when a close-delimited
 * body just ended (or the response was already complete), else ERROR with
 * BODY_SHORT (inside a body) or UNEXPECTED_CLOSE (before the end of the head).
 */
enum lr_http_resp_result lr_http_resp_eof(struct lr_http_resp *p);

/** True while no byte of the response has been received. */
bool lr_http_resp_idle(const struct lr_http_resp *p);

/** Name of an error ("bad_status_line", ...). */
const char *lr_http_resp_error_name(enum lr_http_resp_error e);

#endif /* LR_HTTP_RESP_H */
