/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Incremental HTTP/1.1 response parser (RFC 9112). See lr_http_resp.h.
 *
 * Call chain: lr_http_resp_feed -> bulk body states inline; at the start of
 * a line, resp_lines takes every complete, valid, ordinary line whole (the
 * fast path: the head of a response usually arrives in one segment); every
 * other byte goes through resp_run (runs of name/value/reason bytes) and
 * resp_step (one switch over the state) -> field_done for each complete
 * header line -> head_done at the end of the header section, which picks
 * the framing (RFC 9112 §6.3) and persistence (RFC 9112 §9.3).
 *
 * The byte machine (resp_step) defines the language: resp_lines only takes
 * a line the byte machine would accept, leaves the parser in the state
 * resp_step would, and hands anything else (a partial line, obs-fold, any
 * error, a limit reached) back to it at the start of that line, so results,
 * errors and bytes used do not depend on how the stream is split. The unit
 * test and the fuzz target check exactly that.
 */
#include <stddef.h>
#include <string.h>

#include "lr_http_resp.h"

enum resp_state {
    ST_VER = 0,    /* "HTTP/" */
    ST_MAJOR,      /* DIGIT */
    ST_DOT,        /* "." */
    ST_MINOR,      /* DIGIT */
    ST_SP1,        /* SP */
    ST_CODE,       /* 3DIGIT */
    ST_AFTER_CODE, /* SP reason, or the end of the line */
    ST_REASON,
    ST_SL_LF,      /* after CR of the status line */
    ST_LINE_START, /* start of a header (or trailer) line */
    ST_NAME,
    ST_OWS, /* after ':' */
    ST_VALUE,
    ST_HL_LF,  /* after CR of a field line */
    ST_END_LF, /* after CR of the empty line */
    ST_BODY_LEN,
    ST_BODY_CLOSE,
    ST_CH_SIZE,
    ST_CH_BWS, /* whitespace after the chunk size */
    ST_CH_EXT,
    ST_CH_SIZE_LF,
    ST_CH_DATA,
    ST_CH_DATA_CR,
    ST_CH_DATA_LF,
    ST_DONE,
    ST_ERROR,
};

enum { HDR_OTHER = 0, HDR_CONTENT_LENGTH, HDR_TRANSFER_ENCODING, HDR_CONNECTION };

#define R_MORE  LR_HTTP_RESP_MORE
#define R_DONE  LR_HTTP_RESP_DONE
#define R_ERROR LR_HTTP_RESP_ERROR

static const char *const resp_error_names[] = {
#define LR_X_RNAME(e, n) [LR_HTTP_RESP_ERR_##e] = n,
    LR_HTTP_RESP_ERRORS(LR_X_RNAME)
#undef LR_X_RNAME
};

const char *lr_http_resp_error_name(enum lr_http_resp_error e)
{
    return (unsigned)e < LR_HTTP_RESP_ERR_MAX ? resp_error_names[e] : "unknown";
}

/*
 * Byte classes, one table for the hot loops: RFC 9110 §5.6.2 tchar (field
 * names, transfer-coding names) and RFC 9110 §5.5 field-vchar / SP / HTAB /
 * obs-text (field values, the reason phrase, chunk extensions). CR, LF, the
 * other controls and DEL are in neither class.
 */
enum { C_TCHAR = 1, C_FIELD = 2 };

static const uint8_t byte_class[256] = {
    ['\t'] = C_FIELD,
    [' '] = C_FIELD,
    ['!'] = C_TCHAR | C_FIELD,
    ['"'] = C_FIELD,
    ['#' ... '\''] = C_TCHAR | C_FIELD,
    ['('] = C_FIELD,
    [')'] = C_FIELD,
    ['*' ... '+'] = C_TCHAR | C_FIELD,
    [','] = C_FIELD,
    ['-' ... '.'] = C_TCHAR | C_FIELD,
    ['/'] = C_FIELD,
    ['0' ... '9'] = C_TCHAR | C_FIELD,
    [':' ... '@'] = C_FIELD,
    ['A' ... 'Z'] = C_TCHAR | C_FIELD,
    ['['] = C_FIELD,
    ['\\'] = C_FIELD,
    [']'] = C_FIELD,
    ['^' ... '`'] = C_TCHAR | C_FIELD,
    ['a' ... 'z'] = C_TCHAR | C_FIELD,
    ['{'] = C_FIELD,
    ['|'] = C_TCHAR | C_FIELD,
    ['}'] = C_FIELD,
    ['~'] = C_TCHAR | C_FIELD,
    [0x80 ... 0xff] = C_FIELD,
};

static bool is_tchar(uint8_t c)
{
    return byte_class[c] & C_TCHAR;
}

static bool is_field_char(uint8_t c)
{
    return byte_class[c] & C_FIELD;
}

static int hexval(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static enum lr_http_resp_result resp_fail(struct lr_http_resp *p, enum lr_http_resp_error e)
{
    p->state = ST_ERROR;
    p->error = (uint8_t)e;
    return R_ERROR;
}

/* A syntax error in a field line: of the header, or of the chunked trailer. */
static enum lr_http_resp_result field_fail(struct lr_http_resp *p)
{
    return resp_fail(p, p->trailer ? LR_HTTP_RESP_ERR_BAD_CHUNK : LR_HTTP_RESP_ERR_BAD_HEADER);
}

static void head_reset(struct lr_http_resp *p)
{
    p->status = 0;
    p->minor = 0;
    p->pos = 0;
    p->hdr = HDR_OTHER;
    p->conn_close = p->conn_keep = p->te_seen = false;
    p->chunked = p->has_length = p->until_close = false;
    p->content_length = 0;
    p->fields = 0;
    p->head_bytes = 0;
}

void lr_http_resp_init(struct lr_http_resp *p, bool head_request)
{
    /* name[] and val[] are written before they are read: not cleared
     * (the init runs once per response). */
    memset(p, 0, offsetof(struct lr_http_resp, name));
    p->head_request = head_request;
    p->state = ST_VER;
}

bool lr_http_resp_idle(const struct lr_http_resp *p)
{
    return p->state == ST_VER && p->pos == 0 && p->interim == 0;
}

static bool is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/* Next comma-separated element of v[*i..n), OWS trimmed: [*s, *e). */
static bool list_next(const char *v, size_t n, size_t *i, size_t *s, size_t *e)
{
    while (*i < n && (is_ows(v[*i]) || v[*i] == ','))
        (*i)++;
    if (*i >= n)
        return false;
    *s = *i;
    while (*i < n && v[*i] != ',')
        (*i)++;
    *e = *i;
    while (*e > *s && is_ows(v[*e - 1]))
        (*e)--;
    return true;
}

static bool token_eq(const char *v, size_t s, size_t e, const char *tok)
{
    size_t n = strlen(tok);
    if (e - s != n)
        return false;
    for (size_t k = 0; k < n; k++) {
        char c = v[s + k];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != tok[k])
            return false;
    }
    return true;
}

/* A complete field line of the header section: act on the framing fields. */
static enum lr_http_resp_result field_done(struct lr_http_resp *p)
{
    const char *v = p->val;
    size_t n = p->val_trim, i = 0, s, e;

    if (p->trailer || p->hdr == HDR_OTHER)
        return R_MORE; /* RFC 9110 §6.5.1: trailers never change framing */
    if (p->val_len > LR_HTTP_RESP_VAL_MAX)
        return resp_fail(p, LR_HTTP_RESP_ERR_BAD_HEADER);
    switch (p->hdr) {
    case HDR_CONTENT_LENGTH: {
        /* RFC 9110 §8.6: 1*DIGIT; a list of identical values may be taken
         * as that value, differing values make the framing invalid. */
        bool any = false;
        while (list_next(v, n, &i, &s, &e)) {
            uint64_t x = 0;
            if (e - s > 18)
                return resp_fail(p, LR_HTTP_RESP_ERR_BAD_HEADER);
            for (size_t k = s; k < e; k++) {
                if (v[k] < '0' || v[k] > '9')
                    return resp_fail(p, LR_HTTP_RESP_ERR_BAD_HEADER);
                x = x * 10 + (uint64_t)(v[k] - '0');
            }
            if (p->has_length && x != p->content_length)
                return resp_fail(p, LR_HTTP_RESP_ERR_BAD_HEADER);
            p->has_length = true;
            p->content_length = x;
            any = true;
        }
        if (!any)
            return resp_fail(p, LR_HTTP_RESP_ERR_BAD_HEADER);
        break;
    }
    case HDR_TRANSFER_ENCODING: {
        /* RFC 9112 §6.1: codings listed in the order applied; the body is
         * chunked only when chunked is the final one (several fields form
         * one list, so the last element seen decides). */
        bool any = false;
        while (list_next(v, n, &i, &s, &e)) {
            size_t t = s;
            while (t < e && v[t] != ';' && !is_ows(v[t]))
                t++;
            if (t == s)
                return resp_fail(p, LR_HTTP_RESP_ERR_BAD_HEADER);
            for (size_t k = s; k < t; k++)
                if (!is_tchar((uint8_t)v[k]))
                    return resp_fail(p, LR_HTTP_RESP_ERR_BAD_HEADER);
            p->chunked = token_eq(v, s, t, "chunked");
            any = true;
        }
        if (!any)
            return resp_fail(p, LR_HTTP_RESP_ERR_BAD_HEADER);
        p->te_seen = true;
        break;
    }
    case HDR_CONNECTION:
        /* RFC 9110 §7.6.1: a list of connection options. */
        while (list_next(v, n, &i, &s, &e)) {
            if (token_eq(v, s, e, "close"))
                p->conn_close = true;
            else if (token_eq(v, s, e, "keep-alive"))
                p->conn_keep = true;
        }
        break;
    default:
        break;
    }
    return R_MORE;
}

/* The empty line ended the header section of a response. */
static enum lr_http_resp_result head_done(struct lr_http_resp *p)
{
    if (p->status < 200) {
        /* RFC 9110 §15.2: 1xx are interim, the final response follows.
         * 101 switches protocols, which the client never asks for. */
        if (p->status == 101)
            return resp_fail(p, LR_HTTP_RESP_ERR_BAD_STATUS);
        p->interim++;
        head_reset(p);
        p->state = ST_VER;
        return R_MORE;
    }
    /* RFC 9112 §9.3: close wins; 1.1 persists by default, 1.0 only with
     * keep-alive. */
    p->keep_alive = !p->conn_close && (p->minor >= 1 || p->conn_keep);
    if (p->te_seen) {
        /* RFC 9112 §6.1: an HTTP/1.0 message with Transfer-Encoding, or
         * §6.3 rule 3: Transfer-Encoding with Content-Length — both hint
         * at smuggling: use Transfer-Encoding and do not reuse the
         * connection. */
        if (p->minor == 0 || p->has_length)
            p->keep_alive = false;
        p->has_length = false;
    }
    /* RFC 9112 §6.3 rules 1-6 for responses. */
    if (p->head_request || p->status == 204 || p->status == 304) {
        p->chunked = false;
        p->state = ST_DONE;
        return R_DONE;
    }
    if (p->te_seen && p->chunked) {
        p->chunk_size = 0;
        p->size_digits = 0;
        p->state = ST_CH_SIZE;
        return R_MORE;
    }
    if (p->te_seen || !p->has_length) {
        p->chunked = false;
        p->until_close = true;
        p->keep_alive = false;
        p->state = ST_BODY_CLOSE;
        return R_MORE;
    }
    p->remaining = p->content_length;
    if (p->remaining == 0) {
        p->state = ST_DONE;
        return R_DONE;
    }
    p->state = ST_BODY_LEN;
    return R_MORE;
}

/* End of the header or trailer section (after the empty line). */
static enum lr_http_resp_result section_done(struct lr_http_resp *p)
{
    if (p->fields > 0 && field_done(p) != R_MORE)
        return R_ERROR;
    if (p->trailer) {
        p->state = ST_DONE;
        return R_DONE;
    }
    return head_done(p);
}

static enum lr_http_resp_result line_done(struct lr_http_resp *p)
{
    if (++p->fields > LR_HTTP_RESP_MAX_FIELDS)
        return resp_fail(p, LR_HTTP_RESP_ERR_HEAD_TOO_LARGE);
    p->state = ST_LINE_START;
    return R_MORE;
}

static void name_begin(struct lr_http_resp *p)
{
    p->name_len = 0;
    p->val_len = 0;
    p->val_trim = 0;
    p->hdr = HDR_OTHER;
}

static void name_end(struct lr_http_resp *p)
{
    static const struct {
        const char *name;
        uint8_t hdr;
    } known[] = {
        { "content-length", HDR_CONTENT_LENGTH },
        { "transfer-encoding", HDR_TRANSFER_ENCODING },
        { "connection", HDR_CONNECTION },
    };
    p->hdr = HDR_OTHER;
    for (unsigned k = 0; k < sizeof(known) / sizeof(known[0]); k++)
        if (p->name_len == strlen(known[k].name) &&
            memcmp(p->name, known[k].name, p->name_len) == 0)
            p->hdr = known[k].hdr;
}

static void value_add(struct lr_http_resp *p, uint8_t c)
{
    if (p->hdr == HDR_OTHER || p->trailer)
        return;
    if (p->val_len >= LR_HTTP_RESP_VAL_MAX) {
        p->val_len = LR_HTTP_RESP_VAL_MAX + 1; /* overflow: rejected in field_done */
        return;
    }
    p->val[p->val_len++] = (char)c;
    if (!is_ows((char)c))
        p->val_trim = p->val_len;
}

static enum lr_http_resp_result chunk_size_done(struct lr_http_resp *p)
{
    if (p->chunk_size == 0) {
        /* RFC 9112 §7.1.2: last-chunk, then the trailer section. */
        p->trailer = true;
        p->fields = 0;
        p->head_bytes = 0;
        p->state = ST_LINE_START;
        return R_MORE;
    }
    p->remaining = p->chunk_size;
    p->state = ST_CH_DATA;
    return R_MORE;
}

/* One byte of a non-bulk state. */
static enum lr_http_resp_result resp_step(struct lr_http_resp *p, uint8_t c)
{
    if (p->state < ST_BODY_LEN) {
        /* Bound what we accept of a head (or trailer section). */
        if (++p->head_bytes > LR_HTTP_RESP_MAX_HEAD)
            return resp_fail(p, LR_HTTP_RESP_ERR_HEAD_TOO_LARGE);
    }
    switch (p->state) {
    case ST_VER:
        /* RFC 9112 §2.3: HTTP-name is case-sensitive. */
        if (c != (uint8_t) "HTTP/"[p->pos])
            return resp_fail(p, LR_HTTP_RESP_ERR_BAD_STATUS);
        if (++p->pos == 5)
            p->state = ST_MAJOR;
        return R_MORE;
    case ST_MAJOR:
        if (c != '1') /* HTTP/1.x only */
            return resp_fail(p, LR_HTTP_RESP_ERR_BAD_STATUS);
        p->state = ST_DOT;
        return R_MORE;
    case ST_DOT:
        if (c != '.')
            return resp_fail(p, LR_HTTP_RESP_ERR_BAD_STATUS);
        p->state = ST_MINOR;
        return R_MORE;
    case ST_MINOR:
        if (c < '0' || c > '9')
            return resp_fail(p, LR_HTTP_RESP_ERR_BAD_STATUS);
        p->minor = (uint8_t)(c - '0');
        p->state = ST_SP1;
        return R_MORE;
    case ST_SP1:
        if (c != ' ')
            return resp_fail(p, LR_HTTP_RESP_ERR_BAD_STATUS);
        p->pos = 0;
        p->status = 0;
        p->state = ST_CODE;
        return R_MORE;
    case ST_CODE:
        if (c < '0' || c > '9')
            return resp_fail(p, LR_HTTP_RESP_ERR_BAD_STATUS);
        p->status = (uint16_t)(p->status * 10 + (c - '0'));
        if (++p->pos == 3) {
            /* RFC 9110 §15: 100..599. */
            if (p->status < 100 || p->status > 599)
                return resp_fail(p, LR_HTTP_RESP_ERR_BAD_STATUS);
            p->state = ST_AFTER_CODE;
        }
        return R_MORE;
    case ST_AFTER_CODE:
        /* RFC 9112 §4: SP [reason-phrase]; a line ending right after the
         * code (no SP) is accepted too, as many clients do. */
        if (c == ' ') {
            p->state = ST_REASON;
            return R_MORE;
        }
        /* fall through */
    case ST_REASON:
        if (c == '\r') {
            p->state = ST_SL_LF;
            return R_MORE;
        }
        if (c == '\n')
            goto status_line_end;
        if (p->state == ST_AFTER_CODE || !is_field_char(c))
            return resp_fail(p, LR_HTTP_RESP_ERR_BAD_STATUS);
        return R_MORE;
    case ST_SL_LF:
        if (c != '\n')
            return resp_fail(p, LR_HTTP_RESP_ERR_BAD_STATUS); /* RFC 9112 §2.2: bare CR */
    status_line_end:
        p->fields = 0;
        p->state = ST_LINE_START;
        return R_MORE;
    case ST_LINE_START:
        if (c == '\r') {
            p->state = ST_END_LF;
            return R_MORE;
        }
        if (c == '\n') /* RFC 9112 §2.2: a bare LF may end a line */
            return section_done(p);
        if (c == ' ' || c == '\t') {
            /* RFC 9112 §2.2: whitespace before the first field is
             * invalid; §5.2: obs-fold in a response is replaced by SP. */
            if (p->fields == 0)
                return field_fail(p);
            value_add(p, ' ');
            p->state = ST_OWS;
            return R_MORE;
        }
        if (p->fields > 0 && field_done(p) != R_MORE)
            return R_ERROR;
        name_begin(p);
        p->state = ST_NAME;
        /* fall through */
    case ST_NAME:
        if (c == ':') {
            if (p->name_len == 0)
                return field_fail(p);
            name_end(p);
            p->state = ST_OWS;
            return R_MORE;
        }
        /* RFC 9112 §5.1: no whitespace between name and colon. */
        if (!is_tchar(c))
            return field_fail(p);
        if (p->name_len < sizeof(p->name))
            p->name[p->name_len] = (char)((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
        if (p->name_len < UINT16_MAX)
            p->name_len++;
        return R_MORE;
    case ST_OWS:
        if (c == ' ' || c == '\t')
            return R_MORE;
        p->state = ST_VALUE;
        /* fall through */
    case ST_VALUE:
        if (c == '\r') {
            p->state = ST_HL_LF;
            return R_MORE;
        }
        if (c == '\n')
            return line_done(p);
        if (!is_field_char(c))
            return field_fail(p);
        value_add(p, c);
        return R_MORE;
    case ST_HL_LF:
        if (c != '\n')
            return field_fail(p);
        return line_done(p);
    case ST_END_LF:
        if (c != '\n')
            return field_fail(p);
        return section_done(p);
    case ST_CH_SIZE: {
        int h = hexval(c);
        if (h >= 0) {
            /* 15 hex digits (2^60 bytes) is far beyond any real chunk and
             * keeps the arithmetic exact. */
            if (++p->size_digits > 15)
                return resp_fail(p, LR_HTTP_RESP_ERR_BAD_CHUNK);
            p->chunk_size = p->chunk_size * 16 + (uint64_t)h;
            return R_MORE;
        }
        if (p->size_digits == 0)
            return resp_fail(p, LR_HTTP_RESP_ERR_BAD_CHUNK);
        p->ext_len = 0;
        if (c == ' ' || c == '\t') {
            p->state = ST_CH_BWS;
            return R_MORE;
        }
        if (c == ';') {
            p->state = ST_CH_EXT;
            return R_MORE;
        }
        if (c == '\r') {
            p->state = ST_CH_SIZE_LF;
            return R_MORE;
        }
        if (c == '\n')
            return chunk_size_done(p);
        return resp_fail(p, LR_HTTP_RESP_ERR_BAD_CHUNK);
    }
    case ST_CH_BWS:
        /* RFC 9112 §7.1.1: BWS before ';' of a chunk extension. */
        if (++p->ext_len > LR_HTTP_RESP_EXT_MAX)
            return resp_fail(p, LR_HTTP_RESP_ERR_BAD_CHUNK);
        if (c == ' ' || c == '\t')
            return R_MORE;
        if (c == ';') {
            p->state = ST_CH_EXT;
            return R_MORE;
        }
        if (c == '\r') {
            p->state = ST_CH_SIZE_LF;
            return R_MORE;
        }
        if (c == '\n')
            return chunk_size_done(p);
        return resp_fail(p, LR_HTTP_RESP_ERR_BAD_CHUNK);
    case ST_CH_EXT:
        /* Extensions are ignored (RFC 9112 §7.1.1) but bounded and must
         * not carry control characters. */
        if (c == '\r') {
            p->state = ST_CH_SIZE_LF;
            return R_MORE;
        }
        if (c == '\n')
            return chunk_size_done(p);
        if (!is_field_char(c) || ++p->ext_len > LR_HTTP_RESP_EXT_MAX)
            return resp_fail(p, LR_HTTP_RESP_ERR_BAD_CHUNK);
        return R_MORE;
    case ST_CH_SIZE_LF:
        if (c != '\n')
            return resp_fail(p, LR_HTTP_RESP_ERR_BAD_CHUNK);
        return chunk_size_done(p);
    case ST_CH_DATA_CR:
        if (c == '\r') {
            p->state = ST_CH_DATA_LF;
            return R_MORE;
        }
        if (c != '\n')
            return resp_fail(p, LR_HTTP_RESP_ERR_BAD_CHUNK);
        /* fall through */
    case ST_CH_DATA_LF:
        if (c != '\n')
            return resp_fail(p, LR_HTTP_RESP_ERR_BAD_CHUNK);
        p->chunk_size = 0;
        p->size_digits = 0;
        p->state = ST_CH_SIZE;
        return R_MORE;
    default:
        return resp_fail(p, LR_HTTP_RESP_ERR_BAD_STATUS); /* not reached */
    }
}

/* Load 8 bytes as a word, whatever their alignment. */
static uint64_t load8(const uint8_t *s)
{
    uint64_t w;
    memcpy(&w, s, sizeof(w));
    return w;
}

#define ONES 0x0101010101010101ULL
#define HIGH 0x8080808080808080ULL

/*
 * Index in memory of the first byte flagged (high bit set) in @m, a nonzero
 * mask computed from a word loaded by load8 (see field_run for why that
 * flag is exact), or 8 where the byte order does not allow telling it (big
 * endian: the exact flag is then the last one in memory): the caller looks
 * at the word byte by byte.
 */
static unsigned flagged_byte(uint64_t m)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return (unsigned)__builtin_ctzll(m) / 8;
#else
    (void)m;
    return 8;
#endif
}

/*
 * Index of the first byte of s[0..n) that is not a field char (RFC 9110
 * §5.5: a control other than HTAB, or DEL; CR and LF are such bytes), or
 * n. Eight bytes at a time: (w - 0x20..) & ~w flags the bytes below 0x20
 * and the zero test of w ^ 0x7f.. flags DEL; the lowest flag of each is
 * exact (a borrow only runs upward), the ones above it may not be, so after
 * an HTAB the rest of the word is looked at byte by byte.
 */
static size_t field_run(const uint8_t *s, size_t n)
{
    size_t k = 0;

    for (; k + 8 <= n; k += 8) {
        uint64_t w = load8(s + k), d = w ^ (0x7f * ONES);
        uint64_t m = (((w - 0x20 * ONES) & ~w) | ((d - ONES) & ~d)) & HIGH;
        if (m != 0) {
            size_t j = k, f = flagged_byte(m);
            if (f < 8) {
                if (s[k + f] != '\t')
                    return k + f;
                j = k + f + 1;
            }
            for (; j < k + 8; j++)
                if (!(byte_class[s[j]] & C_FIELD))
                    return j;
        }
    }
    for (; k < n; k++)
        if (!(byte_class[s[k]] & C_FIELD))
            return k;
    return n;
}

/*
 * Consume a run of ordinary bytes of the reason phrase, a field name or a
 * field value from buf[i..len) without the per-byte state dispatch of
 * resp_step (in the client's profile the byte-at-a-time head parse took
 * most of its CPU). Every byte still counts toward LR_HTTP_RESP_MAX_HEAD,
 * and the byte that ends the run (CR, LF, ':', a byte not allowed there,
 * or the one past the head limit) is left for resp_step, so the accepted
 * language and the errors are exactly those of resp_step. Returns the new i.
 */
static size_t resp_run(struct lr_http_resp *p, const uint8_t *buf, size_t i, size_t len)
{
    const size_t start = i;
    size_t end = len;

    if (p->head_bytes >= LR_HTTP_RESP_MAX_HEAD)
        return i;
    if (end - i > LR_HTTP_RESP_MAX_HEAD - p->head_bytes)
        end = i + (LR_HTTP_RESP_MAX_HEAD - p->head_bytes);
    switch (p->state) {
    case ST_REASON:
        i += field_run(buf + i, end - i);
        break;
    case ST_NAME:
        while (i < end && is_tchar(buf[i])) {
            uint8_t c = buf[i++];
            if (p->name_len < sizeof(p->name))
                p->name[p->name_len] = (char)((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
            if (p->name_len < UINT16_MAX)
                p->name_len++;
        }
        break;
    case ST_VALUE:
        if (p->hdr == HDR_OTHER || p->trailer) {
            i += field_run(buf + i, end - i); /* value_add() keeps nothing */
        } else {
            while (i < end && is_field_char(buf[i]))
                value_add(p, buf[i++]);
        }
        break;
    default:
        return i;
    }
    p->head_bytes += (uint32_t)(i - start);
    return i;
}

/* ---- fast path: whole lines ------------------------------------------------ */

/* A complete status line [s, e) (line end excluded, every byte a field
 * char), RFC 9112 §4: HTTP-version SP 3DIGIT [SP reason-phrase]. Mirrors
 * ST_VER..ST_SL_LF; false for anything else, which is left to them. */
static bool status_line_fast(struct lr_http_resp *p, const uint8_t *s, const uint8_t *e)
{
    if (e - s < 12 || memcmp(s, "HTTP/1.", 7) != 0)
        return false;
    if (s[7] < '0' || s[7] > '9' || s[8] != ' ')
        return false;
    if (s[9] < '0' || s[9] > '9' || s[10] < '0' || s[10] > '9' || s[11] < '0' || s[11] > '9')
        return false;
    unsigned code =
        (unsigned)(s[9] - '0') * 100 + (unsigned)(s[10] - '0') * 10 + (unsigned)(s[11] - '0');
    if (code < 100 || code > 599) /* RFC 9110 §15 */
        return false;
    /* The reason phrase is field chars: resp_lines checked the line. */
    if (e - s > 12 && s[12] != ' ')
        return false;
    p->minor = (uint8_t)(s[7] - '0');
    p->status = (uint16_t)code;
    p->pos = 3;
    p->fields = 0;
    p->state = ST_LINE_START;
    return true;
}

/* Index of the first ':' in s[0..t), or t; s[t..n) may be read too. */
static size_t colon_at(const uint8_t *s, size_t t, size_t n)
{
    size_t k = 0;

    for (; k < t && k + 8 <= n; k += 8) {
        uint64_t d = load8(s + k) ^ (':' * ONES);
        uint64_t m = (d - ONES) & ~d & HIGH;
        if (m != 0) {
            unsigned f = flagged_byte(m);
            if (f < 8)
                return k + f < t ? k + f : t;
            break; /* big endian: the byte loop below finds it */
        }
    }
    for (; k < t; k++)
        if (s[k] == ':')
            return k;
    return t;
}

/* True when the tchar bytes [s, s + n) spell @lower ignoring ASCII case
 * (OR-ing 0x20 maps only 'A'..'Z' onto 'a'..'z' among tchars, and leaves
 * '-' alone). @n is at least 8. */
static bool name_eq(const uint8_t *s, const char *lower, size_t n)
{
    const uint64_t lc = 0x2020202020202020ULL;
    for (size_t k = 0; k + 8 < n; k += 8)
        if ((load8(s + k) | lc) != load8((const uint8_t *)lower + k))
            return false;
    return (load8(s + n - 8) | lc) == load8((const uint8_t *)lower + n - 8);
}

/* Which framing header a field name is: by length, then the name. */
static uint8_t name_kind(const uint8_t *s, size_t n)
{
    switch (n) {
    case 10:
        return name_eq(s, "connection", 10) ? HDR_CONNECTION : HDR_OTHER;
    case 14:
        return name_eq(s, "content-length", 14) ? HDR_CONTENT_LENGTH : HDR_OTHER;
    case 17:
        return name_eq(s, "transfer-encoding", 17) ? HDR_TRANSFER_ENCODING : HDR_OTHER;
    default:
        return HDR_OTHER;
    }
}

/*
 * Parse the complete lines at buf[*ip..len) while the parser is at the start
 * of a line (the status line, or a header or trailer line): the usual case,
 * where a head arrives whole. One pass (field_run) finds the line end and
 * checks that every byte before it is a field char; the status line or the
 * field name is then checked, all before anything is changed. Only a line
 * that is complete, valid and ordinary is taken here, leaving the parser
 * exactly as resp_step would after its last byte. Anything else (a line not
 * complete in the buffer or beyond the head limit, obs-fold, a bare CR, any
 * syntax error, one field too many) stops the loop with the parser at that
 * line's start, and resp_step takes it byte by byte, so the accepted
 * language, the errors and the bytes used are those of the byte machine.
 * The empty line ending a section is taken here too (section_done).
 * Returns R_MORE with *ip past the lines taken, or the result of
 * section_done / field_done with *ip past the byte that produced it.
 */
static enum lr_http_resp_result resp_lines(struct lr_http_resp *p, const uint8_t *buf, size_t *ip,
                                           size_t len)
{
    size_t i = *ip;
    enum lr_http_resp_result r = R_MORE;

    while (i < len && (p->state == ST_LINE_START || (p->state == ST_VER && p->pos == 0))) {
        const uint8_t *s = buf + i;
        /* What the head may still hold (the line end counts). */
        size_t room = LR_HTTP_RESP_MAX_HEAD - p->head_bytes;
        size_t n = len - i < room ? len - i : room;
        size_t t = field_run(s, n), line;
        /* RFC 9112 §2.2: CRLF, or a bare LF, ends a line; a CR elsewhere
         * is an error, left to the byte machine. */
        if (t < n && s[t] == '\n')
            line = t + 1;
        else if (t + 1 < n && s[t] == '\r' && s[t + 1] == '\n')
            line = t + 2;
        else
            break;
        const uint8_t *e = s + t; /* end of the line's content */

        if (p->state == ST_VER) {
            if (!status_line_fast(p, s, e))
                break;
            p->head_bytes += (uint32_t)line;
            i += line;
            continue;
        }
        if (t == 0) {
            /* The empty line: end of the header (or trailer) section. */
            p->head_bytes += (uint32_t)line;
            i += line;
            r = section_done(p);
            break;
        }
        /* field-line = field-name ":" OWS field-value OWS (RFC 9112 §5);
         * a line starting with SP/HTAB (obs-fold), or any other byte that
         * is not a tchar, goes to the byte machine. The line end is not a
         * tchar, so the name scan stops there at the latest; the value is
         * field chars already (field_run). */
        size_t name_len = colon_at(s, t, n);
        if (name_len == 0 || name_len == t || p->fields >= LR_HTTP_RESP_MAX_FIELDS)
            break;
        /* Every name byte a tchar: four lookups per step, no early exit. */
        uint8_t all = C_TCHAR;
        size_t k = 0;
        for (; k + 4 <= name_len; k += 4)
            all &= byte_class[s[k]] & byte_class[s[k + 1]] & byte_class[s[k + 2]] &
                   byte_class[s[k + 3]];
        for (; k < name_len; k++)
            all &= byte_class[s[k]];
        if (all == 0)
            break;
        const uint8_t *q = s + name_len + 1;
        while (q < e && (*q == ' ' || *q == '\t'))
            q++;

        /* Valid: the previous field line is complete now (it cannot be
         * continued by obs-fold any more), as at ST_LINE_START. */
        p->head_bytes++;
        if (p->fields > 0 && p->hdr != HDR_OTHER && !p->trailer && field_done(p) != R_MORE) {
            i++;
            r = R_ERROR;
            break;
        }
        p->head_bytes += (uint32_t)(line - 1);
        p->name_len = (uint16_t)(name_len < UINT16_MAX ? name_len : UINT16_MAX);
        p->hdr = name_kind(s, name_len);
        p->val_len = 0;
        p->val_trim = 0;
        if (p->hdr != HDR_OTHER && !p->trailer) {
            /* As value_add: keep up to LR_HTTP_RESP_VAL_MAX bytes, mark
             * an overflow with one more, trim trailing OWS. */
            size_t vn = (size_t)(e - q);
            size_t keep = vn < LR_HTTP_RESP_VAL_MAX ? vn : LR_HTTP_RESP_VAL_MAX;
            memcpy(p->val, q, keep);
            p->val_len = (uint16_t)(vn > LR_HTTP_RESP_VAL_MAX ? LR_HTTP_RESP_VAL_MAX + 1 : vn);
            while (keep > 0 && is_ows((char)q[keep - 1]))
                keep--;
            p->val_trim = (uint16_t)keep;
        }
        p->fields++;
        i += line;
    }
    *ip = i;
    return r;
}

enum lr_http_resp_result lr_http_resp_feed(struct lr_http_resp *p, const uint8_t *buf, size_t len,
                                           size_t *used)
{
    size_t i = 0;

    while (i < len) {
        size_t n;
        switch (p->state) {
        case ST_BODY_LEN:
            n = len - i < p->remaining ? len - i : (size_t)p->remaining;
            p->remaining -= n;
            p->body_bytes += n;
            i += n;
            if (p->remaining == 0) {
                p->state = ST_DONE;
                *used = i;
                return R_DONE;
            }
            continue;
        case ST_BODY_CLOSE:
            p->body_bytes += len - i;
            i = len;
            continue;
        case ST_CH_DATA:
            n = len - i < p->remaining ? len - i : (size_t)p->remaining;
            p->remaining -= n;
            p->body_bytes += n;
            i += n;
            if (p->remaining == 0)
                p->state = ST_CH_DATA_CR;
            continue;
        case ST_DONE:
            *used = i;
            return R_DONE;
        case ST_ERROR:
            *used = i;
            return R_ERROR;
        case ST_VER:
        case ST_LINE_START: {
            size_t start = i;
            enum lr_http_resp_result r = resp_lines(p, buf, &i, len);
            if (r != R_MORE) {
                *used = i;
                return r;
            }
            if (i != start)
                continue;
            break; /* the next line is for the byte machine */
        }
        default:
            break;
        }
        i = resp_run(p, buf, i, len);
        if (i == len)
            break;
        enum lr_http_resp_result r = resp_step(p, buf[i++]);
        if (r != R_MORE) {
            *used = i;
            return r;
        }
    }
    *used = i;
    return R_MORE;
}

enum lr_http_resp_result lr_http_resp_eof(struct lr_http_resp *p)
{
    switch (p->state) {
    case ST_DONE:
        return R_DONE;
    case ST_ERROR:
        return R_ERROR;
    case ST_BODY_CLOSE:
        /* RFC 9112 §6.3 rule 8: the close ends a close-delimited body. */
        p->keep_alive = false;
        p->state = ST_DONE;
        return R_DONE;
    default:
        break;
    }
    if (p->state >= ST_BODY_LEN || p->trailer)
        return resp_fail(p, LR_HTTP_RESP_ERR_BODY_SHORT);
    return resp_fail(p, LR_HTTP_RESP_ERR_UNEXPECTED_CLOSE);
}
