/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP/1.1 request-head parser, chunked decoder, HTTP-date and ETag helpers.
 *
 * Call chain: lr_http_request_parse()
 *               -> parse_request_line()   method, request-target, version
 *               -> parse_field() per line -> field_*() for recognised names
 *               -> final checks (Host, CL/TE, body limit, persistence)
 *
 * Lines end in CRLF; a bare LF is accepted as a line terminator and a bare
 * CR anywhere is rejected (RFC 9112 §2.2). Leading empty lines before the
 * request line are skipped (RFC 9112 §2.2, "SHOULD ignore at least one").
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "lr_http_parser.h"

/* Character classes. */
#define C_TCHAR  0x01 /* token character, RFC 9110 §5.6.2 */
#define C_VALUE  0x02 /* field-value byte: VCHAR, obs-text, SP, HTAB (RFC 9110 §5.5) */
#define C_TARGET 0x04 /* request-target byte we accept: VCHAR except '#' */
#define C_HEX    0x08

static const uint8_t cclass[256] = {
    ['\t'] = C_VALUE,   [' '] = C_VALUE,
#define T3 (C_TCHAR | C_VALUE | C_TARGET)
#define V2 (C_VALUE | C_TARGET)
    ['!'] = T3,         ['"'] = V2,         ['#'] = C_VALUE,
    ['$'] = T3,         ['%'] = T3,         ['&'] = T3,
    ['\''] = T3,        ['('] = V2,         [')'] = V2,
    ['*'] = T3,         ['+'] = T3,         [','] = V2,
    ['-'] = T3,         ['.'] = T3,         ['/'] = V2,
    ['0'] = T3 | C_HEX, ['1'] = T3 | C_HEX, ['2'] = T3 | C_HEX,
    ['3'] = T3 | C_HEX, ['4'] = T3 | C_HEX, ['5'] = T3 | C_HEX,
    ['6'] = T3 | C_HEX, ['7'] = T3 | C_HEX, ['8'] = T3 | C_HEX,
    ['9'] = T3 | C_HEX, [':'] = V2,         [';'] = V2,
    ['<'] = V2,         ['='] = V2,         ['>'] = V2,
    ['?'] = V2,         ['@'] = V2,         ['A'] = T3 | C_HEX,
    ['B'] = T3 | C_HEX, ['C'] = T3 | C_HEX, ['D'] = T3 | C_HEX,
    ['E'] = T3 | C_HEX, ['F'] = T3 | C_HEX, ['G' ... 'Z'] = T3,
    ['['] = V2,         ['\\'] = V2,        [']'] = V2,
    ['^'] = T3,         ['_'] = T3,         ['`'] = T3,
    ['a'] = T3 | C_HEX, ['b'] = T3 | C_HEX, ['c'] = T3 | C_HEX,
    ['d'] = T3 | C_HEX, ['e'] = T3 | C_HEX, ['f'] = T3 | C_HEX,
    ['g' ... 'z'] = T3, ['{'] = V2,         ['|'] = T3,
    ['}'] = V2,         ['~'] = T3,         [0x80 ... 0xff] = C_VALUE,
#undef T3
#undef V2
};

/* ASCII lower-casing without a branch (header names, tokens). */
static inline uint8_t lc(uint8_t c)
{
    return (uint8_t)(c | ((uint8_t)(c - 'A') < 26u) << 5);
}

/* Case-insensitive compare of @n (len bytes) with the lower-case literal @lit. */
static inline bool ieq(const uint8_t *n, const char *lit, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (lc(n[i]) != (uint8_t)lit[i])
            return false;
    return true;
}

static inline bool is_ows(uint8_t c)
{
    return c == ' ' || c == '\t';
}

static const char *const method_names[] = {
    [LR_HTTP_OTHER] = "",          [LR_HTTP_GET] = "GET",     [LR_HTTP_HEAD] = "HEAD",
    [LR_HTTP_POST] = "POST",       [LR_HTTP_PUT] = "PUT",     [LR_HTTP_DELETE] = "DELETE",
    [LR_HTTP_OPTIONS] = "OPTIONS", [LR_HTTP_PATCH] = "PATCH", [LR_HTTP_TRACE] = "TRACE",
    [LR_HTTP_CONNECT] = "CONNECT",
};

const char *lr_http_method_name(enum lr_http_method m)
{
    if ((unsigned)m >= sizeof(method_names) / sizeof(method_names[0]))
        return "";
    return method_names[m];
}

/* Methods are case-sensitive (RFC 9110 §9.1): "get" is an unknown token. */
static enum lr_http_method method_classify(const uint8_t *s, size_t n)
{
    switch (n) {
    case 3:
        if (memcmp(s, "GET", 3) == 0)
            return LR_HTTP_GET;
        if (memcmp(s, "PUT", 3) == 0)
            return LR_HTTP_PUT;
        break;
    case 4:
        if (memcmp(s, "HEAD", 4) == 0)
            return LR_HTTP_HEAD;
        if (memcmp(s, "POST", 4) == 0)
            return LR_HTTP_POST;
        break;
    case 5:
        if (memcmp(s, "PATCH", 5) == 0)
            return LR_HTTP_PATCH;
        if (memcmp(s, "TRACE", 5) == 0)
            return LR_HTTP_TRACE;
        break;
    case 6:
        if (memcmp(s, "DELETE", 6) == 0)
            return LR_HTTP_DELETE;
        break;
    case 7:
        if (memcmp(s, "OPTIONS", 7) == 0)
            return LR_HTTP_OPTIONS;
        if (memcmp(s, "CONNECT", 7) == 0)
            return LR_HTTP_CONNECT;
        break;
    default:
        break;
    }
    return LR_HTTP_OTHER;
}

static inline struct lr_http_span span(size_t off, size_t len)
{
    return (struct lr_http_span){ .off = (uint32_t)off, .len = (uint32_t)len };
}

/*
 * request-line = method SP request-target SP HTTP-version (RFC 9112 §3),
 * exactly one SP each (we do not take the lenient whitespace of §3 "MAY").
 */
static int parse_request_line(const uint8_t *buf, size_t s, size_t e, struct lr_http_request *req)
{
    const uint8_t *sp1 = memchr(buf + s, ' ', e - s);
    if (sp1 == NULL || sp1 == buf + s)
        return -400;
    size_t m_end = (size_t)(sp1 - buf);
    for (size_t i = s; i < m_end; i++)
        if (!(cclass[buf[i]] & C_TCHAR))
            return -400;
    req->method_tok = span(s, m_end - s);
    req->method = method_classify(buf + s, m_end - s);

    size_t t = m_end + 1;
    const uint8_t *sp2 = memchr(buf + t, ' ', e - t);
    if (sp2 == NULL) /* HTTP/0.9 simple request or garbage */
        return -400;
    size_t t_end = (size_t)(sp2 - buf);
    if (t_end == t)
        return -400;

    /* HTTP-version = "HTTP" "/" DIGIT "." DIGIT (RFC 9112 §2.3). */
    size_t v = t_end + 1;
    if (e - v != 8 || memcmp(buf + v, "HTTP/", 5) != 0 || buf[v + 6] != '.' || buf[v + 5] < '0' ||
        buf[v + 5] > '9' || buf[v + 7] < '0' || buf[v + 7] > '9')
        return -400;
    if (buf[v + 5] != '1')
        return -505;
    /*
     * RFC 9110 §2.5: a higher minor version of a major we implement is
     * processed as the highest minor we implement (1.1).
     */
    req->version_minor = buf[v + 7] == '0' ? 0 : 1;

    for (size_t i = t; i < t_end; i++)
        if (!(cclass[buf[i]] & C_TARGET))
            return -400;
    req->target = span(t, t_end - t);

    size_t p; /* start of the path */
    if (buf[t] == '/') {
        p = t; /* origin-form */
    } else if (t_end - t == 1 && buf[t] == '*') {
        /* asterisk-form: OPTIONS only (RFC 9112 §3.2.4). */
        if (req->method != LR_HTTP_OPTIONS)
            return -400;
        req->asterisk = true;
        req->path = span(t, 1);
        return 0;
    } else if ((t_end - t > 7 && ieq(buf + t, "http://", 7)) ||
               (t_end - t > 8 && ieq(buf + t, "https://", 8))) {
        /* absolute-form (RFC 9112 §3.2.2): the authority replaces Host. */
        size_t a = t + (buf[t + 4] == ':' ? 7 : 8);
        p = a;
        while (p < t_end && buf[p] != '/' && buf[p] != '?')
            p++;
        if (p == a)
            return -400;
        req->absolute = true;
        req->host = span(a, p - a);
    } else if (req->method == LR_HTTP_CONNECT) {
        /* authority-form (RFC 9112 §3.2.3): CONNECT is refused with 405 anyway. */
        req->path = span(t, 0);
        return 0;
    } else {
        return -400;
    }
    const uint8_t *q = memchr(buf + p, '?', t_end - p);
    size_t p_end = q != NULL ? (size_t)(q - buf) : t_end;
    req->path = span(p, p_end - p);
    if (q != NULL)
        req->query = span(p_end + 1, t_end - p_end - 1);
    return 0;
}

/* Parse 1*DIGIT into *v; -1 on empty, non-digit or overflow. */
static int parse_u64(const uint8_t *s, size_t n, uint64_t *v)
{
    uint64_t x = 0;
    if (n == 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        unsigned d = (unsigned)s[i] - '0';
        if (d > 9)
            return -1;
        if (x > (UINT64_MAX - d) / 10)
            return -1;
        x = x * 10 + d;
    }
    *v = x;
    return 0;
}

/* Trim OWS at both ends of [*s, *e). */
static inline void trim_ows(const uint8_t *buf, size_t *s, size_t *e)
{
    while (*s < *e && is_ows(buf[*s]))
        (*s)++;
    while (*e > *s && is_ows(buf[*e - 1]))
        (*e)--;
}

/*
 * Content-Length = 1*DIGIT; a list of identical values is accepted as one
 * (RFC 9110 §8.6), anything else is a framing error (RFC 9112 §6.3 item 5).
 */
static int field_content_length(const uint8_t *buf, size_t s, size_t e, struct lr_http_request *req)
{
    do {
        const uint8_t *c = memchr(buf + s, ',', e - s);
        size_t ie = c != NULL ? (size_t)(c - buf) : e;
        size_t is = s;
        trim_ows(buf, &is, &ie);
        uint64_t v;
        if (parse_u64(buf + is, ie - is, &v) < 0)
            return -400;
        if (req->has_content_length && v != req->content_length)
            return -400;
        req->has_content_length = true;
        req->content_length = v;
        s = c != NULL ? (size_t)(c - buf) + 1 : e;
    } while (s < e);
    return 0;
}

/* Connection = #connection-option (RFC 9110 §7.6.1). */
static void field_connection(const uint8_t *buf, size_t s, size_t e, struct lr_http_request *req)
{
    while (s < e) {
        const uint8_t *c = memchr(buf + s, ',', e - s);
        size_t ie = c != NULL ? (size_t)(c - buf) : e;
        size_t is = s;
        trim_ows(buf, &is, &ie);
        if (ie - is == 5 && ieq(buf + is, "close", 5))
            req->conn_close = true;
        else if (ie - is == 10 && ieq(buf + is, "keep-alive", 10))
            req->conn_keep_alive = true;
        s = c != NULL ? (size_t)(c - buf) + 1 : e;
    }
}

/*
 * Range (RFC 9110 §14.2): bytes=a-b | a- | -n. More than one range is
 * recorded as MULTI and ignored by the server (it may, §14.2); syntax it does
 * not understand is ignored too.
 */
static void field_range(const uint8_t *buf, size_t s, size_t e, struct lr_http_request *req)
{
    req->range = LR_HTTP_RANGE_NONE;
    if (e - s < 7 || !ieq(buf + s, "bytes", 5))
        return;
    s += 5;
    while (s < e && is_ows(buf[s]))
        s++;
    if (s >= e || buf[s] != '=')
        return;
    s++;
    if (memchr(buf + s, ',', e - s) != NULL) {
        req->range = LR_HTTP_RANGE_MULTI;
        return;
    }
    trim_ows(buf, &s, &e);
    const uint8_t *dash = memchr(buf + s, '-', e - s);
    if (dash == NULL)
        return;
    size_t d = (size_t)(dash - buf);
    uint64_t a, b;
    if (d == s) {
        if (parse_u64(buf + d + 1, e - d - 1, &a) < 0)
            return;
        req->range = LR_HTTP_RANGE_SUFFIX;
        req->range_first = a;
        return;
    }
    if (parse_u64(buf + s, d - s, &a) < 0)
        return;
    if (d + 1 == e) {
        req->range = LR_HTTP_RANGE_FROM;
        req->range_first = a;
        return;
    }
    if (parse_u64(buf + d + 1, e - d - 1, &b) < 0 || b < a)
        return; /* invalid range-spec: ignore (§14.1.1) */
    req->range = LR_HTTP_RANGE_FROM_TO;
    req->range_first = a;
    req->range_last = b;
}

struct head_state {
    uint8_t te_count;
    bool te_chunked;
    bool range_seen;
};

static int parse_field(const uint8_t *buf, size_t s, size_t e, struct lr_http_request *req,
                       struct head_state *hs)
{
    const uint8_t *colon = memchr(buf + s, ':', e - s);
    if (colon == NULL || colon == buf + s)
        return -400;
    size_t ne = (size_t)(colon - buf);
    /* field-name = token; whitespace before the colon is an error (RFC 9112 §5.1). */
    for (size_t i = s; i < ne; i++)
        if (!(cclass[buf[i]] & C_TCHAR))
            return -400;
    size_t vs = ne + 1, ve = e;
    for (size_t i = vs; i < ve; i++)
        if (!(cclass[buf[i]] & C_VALUE))
            return -400; /* CTL, NUL or bare CR in a value (RFC 9110 §5.5) */
    trim_ows(buf, &vs, &ve);
    const uint8_t *n = buf + s;

    switch (ne - s) {
    case 4:
        if (ieq(n, "host", 4)) {
            /* RFC 9112 §3.2: more than one Host → 400. */
            if (req->has_host)
                return -400;
            req->has_host = true;
            if (!req->absolute)
                req->host = span(vs, ve - vs);
        }
        break;
    case 5:
        if (ieq(n, "range", 5)) {
            /*
             * Range is a singleton field, not a list (RFC 9110 §14.2): two
             * field lines cannot be combined (RFC 9110 §5.3, "bytes=0-1,
             * bytes=5-6" is no valid ranges-specifier) and a sender must not
             * generate them. Like two Host lines, the request is malformed:
             * 400 rather than guessing which one the client meant.
             */
            if (hs->range_seen)
                return -400;
            hs->range_seen = true;
            field_range(buf, vs, ve, req);
        }
        break;
    case 6:
        if (ieq(n, "expect", 6) && ve - vs == 12 && ieq(buf + vs, "100-continue", 12))
            req->expect_continue = true;
        break;
    case 8:
        if (ieq(n, "if-range", 8))
            req->has_if_range = true;
        break;
    case 10:
        if (ieq(n, "connection", 10))
            field_connection(buf, vs, ve, req);
        break;
    case 13:
        if (ieq(n, "if-none-match", 13) && !req->has_if_none_match) {
            req->has_if_none_match = true;
            req->if_none_match = span(vs, ve - vs);
        }
        break;
    case 14:
        if (ieq(n, "content-length", 14))
            return field_content_length(buf, vs, ve, req);
        break;
    case 17:
        if (ieq(n, "transfer-encoding", 17)) {
            hs->te_count++;
            hs->te_chunked = ve - vs == 7 && ieq(buf + vs, "chunked", 7);
        } else if (ieq(n, "if-modified-since", 17)) {
            time_t t;
            /* An invalid date is ignored (RFC 9110 §13.1.3). */
            if (!req->has_if_modified_since &&
                lr_http_date_parse((const char *)buf + vs, ve - vs, &t) == 0) {
                req->has_if_modified_since = true;
                req->if_modified_since = t;
            }
        }
        break;
    default:
        break;
    }
    return 0;
}

int lr_http_request_parse(const uint8_t *buf, size_t len, const struct lr_http_limits *lim,
                          struct lr_http_request *req)
{
    memset(req, 0, sizeof(*req));
    if (buf == NULL || lim == NULL)
        return -400;

    /* Skip a few empty lines left over from a previous request (RFC 9112 §2.2). */
    size_t p = 0;
    while (p < len && (buf[p] == '\r' || buf[p] == '\n')) {
        if (buf[p] == '\r' && p + 1 < len && buf[p + 1] != '\n')
            return -400;
        if (++p > 8)
            return -400;
    }
    if (p == len)
        return 0;

    /* Request line. */
    size_t max_line = (size_t)lim->max_uri_bytes + 2; /* + CRLF */
    size_t avail = len - p;
    size_t win = avail < max_line ? avail : max_line;
    const uint8_t *lf = memchr(buf + p, '\n', win);
    size_t le = lf != NULL ? (size_t)(lf - buf) : p + win;
    /*
     * Refuse garbage early, before any length verdict: the method must be a
     * token. The same window is examined whether or not the line is
     * complete, so a request split anywhere gets the same answer.
     */
    const uint8_t *sp = memchr(buf + p, ' ', le - p);
    size_t me = sp != NULL ? (size_t)(sp - buf) : le;
    if (sp == buf + p)
        return -400;
    for (size_t i = p; i < me; i++)
        if (!(cclass[buf[i]] & C_TCHAR))
            return -400;
    if (lf == NULL)
        return avail >= max_line ? -414 : 0;
    size_t e = le;
    if (e > p && buf[e - 1] == '\r')
        e--;
    if (e - p > lim->max_uri_bytes)
        return -414;
    int rc = parse_request_line(buf, p, e, req);
    if (rc < 0)
        return rc;

    /* Header section (RFC 9112 §5). */
    struct head_state hs = { 0 };
    size_t hstart = le + 1;
    p = hstart;
    for (;;) {
        size_t limit = hstart + lim->max_header_bytes + 2; /* room for the final CRLF */
        if (p >= len || p >= limit) {
            if (len - hstart > (size_t)lim->max_header_bytes + 1)
                return -431;
            return 0;
        }
        lf = memchr(buf + p, '\n', (len < limit ? len : limit) - p);
        if (lf == NULL) {
            if (len >= limit)
                return -431;
            return 0;
        }
        le = (size_t)(lf - buf);
        e = le;
        if (e > p && buf[e - 1] == '\r')
            e--;
        if (e == p)
            break; /* empty line: end of the head */
        if (le + 1 - hstart > (size_t)lim->max_header_bytes)
            return -431;
        /* obs-fold, or whitespace before the first field (RFC 9112 §5.2, §2.2). */
        if (is_ows(buf[p]))
            return -400;
        if (++req->nb_headers > lim->max_headers)
            return -431;
        rc = parse_field(buf, p, e, req, &hs);
        if (rc < 0)
            return rc;
        p = le + 1;
    }
    req->head_len = (uint32_t)(le + 1);

    if (req->version_minor == 1 && !req->has_host)
        return -400; /* RFC 9112 §3.2 */
    if (hs.te_count > 0) {
        /* RFC 9112 §6.1: TE in HTTP/1.0 means faulty framing. */
        if (req->has_content_length || req->version_minor == 0)
            return -400; /* RFC 9112 §6.3 item 3: CL + TE, refuse (smuggling) */
        if (hs.te_count > 1 || !hs.te_chunked)
            return -501; /* RFC 9112 §6.1: unknown coding → 501 */
        req->chunked = true;
    }
    if (req->has_content_length && req->content_length > lim->max_body_bytes)
        return -413;
    /* RFC 9112 §9.3: 1.1 persists unless "close"; 1.0 only with "keep-alive". */
    req->keep_alive = !req->conn_close && (req->version_minor == 1 || req->conn_keep_alive);
    return (int)req->head_len;
}

/* ---- chunked body (RFC 9112 §7.1) ---- */

enum {
    CH_SIZE = 0,  /* first hex digit of a chunk size */
    CH_SIZE_MORE, /* more hex digits, extension or line end */
    CH_EXT,       /* chunk extension: skipped up to LF */
    CH_SIZE_LF,   /* after CR of the size line */
    CH_DATA,
    CH_DATA_CR, /* CRLF after chunk data */
    CH_DATA_LF,
    CH_TRAILER, /* start of a trailer line or the final CRLF */
    CH_TRAILER_LINE,
    CH_END_LF, /* after the CR of the final empty line */
    CH_DONE,
};

#define CH_LINE_MAX    1024 /* chunk-size line with extensions */
#define CH_TRAILER_MAX 8192 /* all trailer lines together */

int lr_http_chunked_feed(struct lr_http_chunked *c, const uint8_t *buf, size_t len,
                         size_t *consumed, uint64_t max_body)
{
    size_t i = 0;
    int rc = 0;

    while (i < len && c->state != CH_DONE) {
        uint8_t b = buf[i];
        switch (c->state) {
        case CH_SIZE:
        case CH_SIZE_MORE:
            if (cclass[b] & C_HEX) {
                unsigned d = b <= '9' ? (unsigned)(b - '0') : (unsigned)(lc(b) - 'a' + 10);
                if (++c->digits > 16 || (c->remaining >> 60) != 0) {
                    rc = -413;
                    goto out;
                }
                c->remaining = c->remaining << 4 | d;
                c->state = CH_SIZE_MORE;
                c->line_bytes++;
                i++;
                break;
            }
            if (c->state == CH_SIZE) {
                rc = -400;
                goto out;
            }
            if (c->remaining > max_body || c->total + c->remaining > max_body) {
                rc = -413;
                goto out;
            }
            if (b == ';' || is_ows(b)) {
                c->state = CH_EXT;
            } else if (b == '\r') {
                c->state = CH_SIZE_LF;
                i++;
            } else if (b == '\n') {
                c->state = CH_SIZE_LF;
            } else {
                rc = -400;
                goto out;
            }
            break;
        case CH_EXT: {
            /* Extensions are ignored (RFC 9112 §7.1.1); a CR must precede LF. */
            size_t k = i;
            while (k < len && buf[k] != '\r' && buf[k] != '\n' && (cclass[buf[k]] & C_VALUE))
                k++;
            if (c->line_bytes + (k - i) > CH_LINE_MAX) {
                rc = -400;
                goto out;
            }
            c->line_bytes = (uint16_t)(c->line_bytes + (k - i));
            i = k;
            if (k == len)
                break;
            if (buf[k] == '\r') {
                c->state = CH_SIZE_LF;
                i++;
            } else if (buf[k] == '\n') {
                c->state = CH_SIZE_LF;
            } else {
                rc = -400;
                goto out;
            }
            break;
        }
        case CH_SIZE_LF:
            if (b != '\n') {
                rc = -400;
                goto out;
            }
            i++;
            c->digits = 0;
            c->line_bytes = 0;
            c->state = c->remaining == 0 ? CH_TRAILER : CH_DATA;
            break;
        case CH_DATA: {
            size_t n = len - i;
            if (n > c->remaining)
                n = (size_t)c->remaining;
            c->remaining -= n;
            c->total += n;
            i += n;
            if (c->remaining == 0)
                c->state = CH_DATA_CR;
            break;
        }
        case CH_DATA_CR:
            if (b == '\r') {
                c->state = CH_DATA_LF;
                i++;
            } else if (b == '\n') {
                c->state = CH_DATA_LF;
            } else {
                rc = -400;
                goto out;
            }
            break;
        case CH_DATA_LF:
            if (b != '\n') {
                rc = -400;
                goto out;
            }
            i++;
            c->state = CH_SIZE;
            break;
        case CH_TRAILER:
            if (b == '\r') {
                c->state = CH_END_LF;
                i++;
            } else if (b == '\n') {
                i++;
                c->state = CH_DONE;
            } else {
                c->state = CH_TRAILER_LINE;
            }
            break;
        case CH_TRAILER_LINE: {
            const uint8_t *lf = memchr(buf + i, '\n', len - i);
            size_t n = lf != NULL ? (size_t)(lf - (buf + i)) + 1 : len - i;
            if (c->trailer_bytes + n > CH_TRAILER_MAX) {
                rc = -400;
                goto out;
            }
            c->trailer_bytes += (uint32_t)n;
            i += n;
            if (lf != NULL)
                c->state = CH_TRAILER;
            break;
        }
        case CH_END_LF:
            if (b != '\n') {
                rc = -400;
                goto out;
            }
            i++;
            c->state = CH_DONE;
            break;
        default:
            rc = -400;
            goto out;
        }
    }
    if (c->state == CH_DONE)
        rc = 1;
out:
    if (consumed != NULL)
        *consumed = i;
    return rc;
}

/* ---- HTTP-date (RFC 9110 §5.6.7) ---- */

static const char wkday[7][4] = {
    "Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"
}; /* from 1970-01-01 */
static const char month_names[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

/* Days since 1970-01-01 of a proleptic Gregorian date (m 1-12). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static inline void put2(char *o, unsigned v)
{
    o[0] = (char)('0' + v / 10 % 10);
    o[1] = (char)('0' + v % 10);
}

size_t lr_http_date_format(time_t t, char *out)
{
    int64_t days = (int64_t)t / 86400;
    int64_t secs = (int64_t)t % 86400;
    if (secs < 0) {
        secs += 86400;
        days--;
    }
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    if (y < 0)
        y = 0;
    if (y > 9999)
        y = 9999;
    int64_t wd = days % 7;
    if (wd < 0)
        wd += 7;
    memcpy(out, wkday[wd], 3);
    out[3] = ',';
    out[4] = ' ';
    put2(out + 5, d);
    out[7] = ' ';
    memcpy(out + 8, month_names[m - 1], 3);
    out[11] = ' ';
    put2(out + 12, (unsigned)(y / 100));
    put2(out + 14, (unsigned)(y % 100));
    out[16] = ' ';
    put2(out + 17, (unsigned)(secs / 3600));
    out[19] = ':';
    put2(out + 20, (unsigned)(secs / 60 % 60));
    out[22] = ':';
    put2(out + 23, (unsigned)(secs % 60));
    memcpy(out + 25, " GMT", 5); /* with the NUL */
    return 29;
}

static int get_digits(const char *s, size_t n, unsigned *v)
{
    unsigned x = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned d = (unsigned)(unsigned char)s[i] - '0';
        if (d > 9)
            return -1;
        x = x * 10 + d;
    }
    *v = x;
    return 0;
}

static int get_month(const char *s, unsigned *m)
{
    for (unsigned i = 0; i < 12; i++)
        if (memcmp(s, month_names[i], 3) == 0) {
            *m = i + 1;
            return 0;
        }
    return -1;
}

static bool get_wkday(const char *s, size_t n)
{
    static const char *const longday[7] = { "Monday", "Tuesday",  "Wednesday", "Thursday",
                                            "Friday", "Saturday", "Sunday" };
    for (unsigned i = 0; i < 7; i++) {
        if (n == 3 && memcmp(s, longday[i], 3) == 0)
            return true;
        if (n == strlen(longday[i]) && memcmp(s, longday[i], n) == 0)
            return true;
    }
    return false;
}

/* "HH:MM:SS" */
static int get_time(const char *s, unsigned *h, unsigned *mi, unsigned *sec)
{
    if (s[2] != ':' || s[5] != ':' || get_digits(s, 2, h) < 0 || get_digits(s + 3, 2, mi) < 0 ||
        get_digits(s + 6, 2, sec) < 0)
        return -1;
    return 0;
}

int lr_http_date_parse(const char *s, size_t len, time_t *t)
{
    unsigned y = 0, m = 0, d = 0, h = 0, mi = 0, sec = 0;
    if (s == NULL)
        return -1;
    if (len == 29 && s[3] == ',') {
        /* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" */
        if (!get_wkday(s, 3) || s[4] != ' ' || get_digits(s + 5, 2, &d) < 0 || s[7] != ' ' ||
            get_month(s + 8, &m) < 0 || s[11] != ' ' || get_digits(s + 12, 4, &y) < 0 ||
            s[16] != ' ' || get_time(s + 17, &h, &mi, &sec) < 0 || memcmp(s + 25, " GMT", 4) != 0)
            return -1;
    } else if (len == 24 && s[3] == ' ') {
        /* asctime: "Sun Nov  6 08:49:37 1994" */
        if (!get_wkday(s, 3) || get_month(s + 4, &m) < 0 || s[7] != ' ' ||
            (s[8] == ' ' ? get_digits(s + 9, 1, &d) : get_digits(s + 8, 2, &d)) < 0 ||
            s[10] != ' ' || get_time(s + 11, &h, &mi, &sec) < 0 || s[19] != ' ' ||
            get_digits(s + 20, 4, &y) < 0)
            return -1;
    } else {
        /* RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT" */
        const char *comma = memchr(s, ',', len < 10 ? len : 10);
        if (comma == NULL)
            return -1;
        size_t k = (size_t)(comma - s);
        if (!get_wkday(s, k) || len != k + 24 || s[k + 1] != ' ')
            return -1;
        const char *p = s + k + 2;
        unsigned yy;
        if (get_digits(p, 2, &d) < 0 || p[2] != '-' || get_month(p + 3, &m) < 0 || p[6] != '-' ||
            get_digits(p + 7, 2, &yy) < 0 || p[9] != ' ' || get_time(p + 10, &h, &mi, &sec) < 0 ||
            memcmp(p + 18, " GMT", 4) != 0)
            return -1;
        y = yy < 70 ? 2000 + yy : 1900 + yy;
    }
    static const uint8_t mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d == 0 || d > mdays[m - 1] || (m == 2 && d == 29 && !leap) || h > 23 || mi > 59 || sec > 60)
        return -1;
    int64_t days = days_from_civil(y, m, d);
    *t = (time_t)(days * 86400 + h * 3600 + mi * 60 + sec);
    return 0;
}

/* ---- entity tags (RFC 9110 §8.8.3, §13.1.2) ---- */

bool lr_http_etag_match(const char *list, size_t len, const char *etag, size_t etag_len)
{
    size_t i = 0;
    if (list == NULL || etag == NULL)
        return false;
    while (i < len && is_ows((uint8_t)list[i]))
        i++;
    if (i < len && list[i] == '*') {
        size_t j = i + 1;
        while (j < len && is_ows((uint8_t)list[j]))
            j++;
        return j == len;
    }
    /* Our own tag without a W/ prefix (we only make strong tags). */
    if (etag_len >= 2 && etag[0] == 'W' && etag[1] == '/') {
        etag += 2;
        etag_len -= 2;
    }
    while (i < len) {
        while (i < len && (is_ows((uint8_t)list[i]) || list[i] == ','))
            i++;
        if (i == len)
            break;
        /* Weak comparison: an optional W/ is ignored. */
        if (len - i >= 2 && list[i] == 'W' && list[i + 1] == '/')
            i += 2;
        if (i >= len || list[i] != '"')
            return false;
        const char *q = memchr(list + i + 1, '"', len - i - 1);
        if (q == NULL)
            return false;
        size_t n = (size_t)(q - (list + i)) + 1;
        if (n == etag_len && memcmp(list + i, etag, n) == 0)
            return true;
        i += n;
    }
    return false;
}
