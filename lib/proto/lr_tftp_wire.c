/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TFTP wire format: parse and build (see lr_tftp_wire.h). Pure functions.
 */
#include <string.h>
#include <strings.h>

#include "lr_tftp_wire.h"

static inline uint16_t get16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

static inline void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/*
 * Take the NUL-terminated string starting at *pos. Returns it, advancing
 * *pos past its NUL, or NULL when no NUL is found before @len.
 */
static const char *take_string(const uint8_t *buf, size_t len, size_t *pos)
{
    const uint8_t *s = buf + *pos;
    const uint8_t *nul = memchr(s, 0, len - *pos);

    if (nul == NULL)
        return NULL;
    *pos = (size_t)(nul - buf) + 1;
    return (const char *)s;
}

/* Strict unsigned decimal: digits only, at least one, no overflow. */
static int parse_u64(const char *s, uint64_t *out)
{
    uint64_t v = 0;

    if (*s == '\0')
        return -1;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

static int parse_request(const uint8_t *buf, size_t len, struct lr_tftp_pkt *p)
{
    size_t pos = 2;
    const char *mode;

    p->filename = take_string(buf, len, &pos);
    if (p->filename == NULL || p->filename[0] == '\0' || strlen(p->filename) > LR_TFTP_FILENAME_MAX)
        return -LR_TFTP_PARSE_STRING;
    mode = take_string(buf, len, &pos);
    if (mode == NULL)
        return -LR_TFTP_PARSE_STRING;
    if (strcasecmp(mode, "octet") == 0)
        p->mode = LR_TFTP_MODE_OCTET;
    else if (strcasecmp(mode, "netascii") == 0)
        p->mode = LR_TFTP_MODE_NETASCII;
    else if (strcasecmp(mode, "mail") == 0)
        p->mode = LR_TFTP_MODE_MAIL;
    else
        return -LR_TFTP_PARSE_MODE;

    /* RFC 2347: options follow the mode as name\0value\0 pairs. */
    while (pos < len) {
        const char *name = take_string(buf, len, &pos);
        if (name == NULL || pos >= len)
            return -LR_TFTP_PARSE_OPTION;
        const char *value = take_string(buf, len, &pos);
        if (value == NULL || name[0] == '\0')
            return -LR_TFTP_PARSE_OPTION;
        uint64_t v;
        if (strcasecmp(name, "blksize") == 0) {
            if (parse_u64(value, &v) != 0)
                return -LR_TFTP_PARSE_OPTION;
            /* RFC 2348: valid 8..65464; a larger request may be answered
             * with a smaller value, a smaller one cannot be honoured. */
            if (v >= LR_TFTP_BLKSIZE_MIN) {
                p->has_blksize = true;
                p->blksize = v > LR_TFTP_BLKSIZE_MAX ? LR_TFTP_BLKSIZE_MAX : (uint16_t)v;
                p->has_options = true;
            }
        } else if (strcasecmp(name, "tsize") == 0) {
            if (parse_u64(value, &v) != 0)
                return -LR_TFTP_PARSE_OPTION;
            p->has_tsize = true;
            p->tsize = v;
            p->has_options = true;
        } else if (strcasecmp(name, "timeout") == 0) {
            if (parse_u64(value, &v) != 0)
                return -LR_TFTP_PARSE_OPTION;
            /* RFC 2349: 1..255 seconds; anything else is not acknowledged. */
            if (v >= LR_TFTP_TIMEOUT_MIN && v <= LR_TFTP_TIMEOUT_MAX) {
                p->has_timeout = true;
                p->timeout = (uint8_t)v;
                p->has_options = true;
            }
        } else if (strcasecmp(name, "windowsize") == 0) {
            if (parse_u64(value, &v) != 0)
                return -LR_TFTP_PARSE_OPTION;
            /* RFC 7440 §3: 1..65535 blocks; anything else is not acknowledged. */
            if (v >= 1 && v <= LR_TFTP_WINDOW_MAX) {
                p->has_windowsize = true;
                p->windowsize = (uint16_t)v;
                p->has_options = true;
            }
        }
        /* RFC 2347: unrecognised options are silently ignored. */
    }
    return 0;
}

int lr_tftp_parse(const uint8_t *buf, size_t len, struct lr_tftp_pkt *p)
{
    memset(p, 0, sizeof(*p));
    if (buf == NULL || len < 2)
        return -LR_TFTP_PARSE_SHORT;
    p->op = (enum lr_tftp_op)get16(buf);
    switch (p->op) {
    case LR_TFTP_RRQ:
    case LR_TFTP_WRQ:
        return parse_request(buf, len, p);
    case LR_TFTP_DATA:
        if (len < LR_TFTP_HDR_LEN)
            return -LR_TFTP_PARSE_SHORT;
        p->block = get16(buf + 2);
        p->data = buf + LR_TFTP_HDR_LEN;
        p->data_len = (uint32_t)(len - LR_TFTP_HDR_LEN);
        return 0;
    case LR_TFTP_ACK:
        if (len < LR_TFTP_HDR_LEN)
            return -LR_TFTP_PARSE_SHORT;
        if (len > LR_TFTP_HDR_LEN)
            return -LR_TFTP_PARSE_TRAILING;
        p->block = get16(buf + 2);
        return 0;
    case LR_TFTP_ERROR: {
        size_t pos = LR_TFTP_HDR_LEN;
        if (len < LR_TFTP_HDR_LEN + 1)
            return -LR_TFTP_PARSE_SHORT;
        p->error_code = get16(buf + 2);
        p->error_msg = take_string(buf, len, &pos);
        if (p->error_msg == NULL)
            return -LR_TFTP_PARSE_STRING;
        return 0;
    }
    case LR_TFTP_OACK:
        /* Only a client receives OACKs; parsed enough to be recognised. */
        return 0;
    default:
        return -LR_TFTP_PARSE_OPCODE;
    }
}

size_t lr_tftp_build_data_hdr(uint8_t *buf, uint16_t block)
{
    put16(buf, LR_TFTP_DATA);
    put16(buf + 2, block);
    return LR_TFTP_HDR_LEN;
}

size_t lr_tftp_build_ack(uint8_t *buf, uint16_t block)
{
    put16(buf, LR_TFTP_ACK);
    put16(buf + 2, block);
    return LR_TFTP_HDR_LEN;
}

size_t lr_tftp_build_error(uint8_t *buf, size_t cap, uint16_t code, const char *msg)
{
    size_t n;

    if (cap < LR_TFTP_HDR_LEN + 1)
        return 0;
    put16(buf, LR_TFTP_ERROR);
    put16(buf + 2, code);
    n = msg != NULL ? strlen(msg) : 0;
    if (n > cap - LR_TFTP_HDR_LEN - 1)
        n = cap - LR_TFTP_HDR_LEN - 1;
    if (n > 0)
        memcpy(buf + LR_TFTP_HDR_LEN, msg, n);
    buf[LR_TFTP_HDR_LEN + n] = '\0';
    return LR_TFTP_HDR_LEN + n + 1;
}

/* Append "name\0value\0"; returns the new position or 0 when it does not fit. */
static size_t put_option(uint8_t *buf, size_t cap, size_t pos, const char *name, uint64_t value)
{
    char num[24];
    size_t nl = strlen(name), vl = 0;
    char tmp[24];

    do {
        tmp[vl++] = (char)('0' + value % 10);
        value /= 10;
    } while (value != 0);
    for (size_t i = 0; i < vl; i++)
        num[i] = tmp[vl - 1 - i];
    if (pos + nl + 1 + vl + 1 > cap)
        return 0;
    memcpy(buf + pos, name, nl + 1);
    pos += nl + 1;
    memcpy(buf + pos, num, vl);
    buf[pos + vl] = '\0';
    return pos + vl + 1;
}

size_t lr_tftp_build_oack(uint8_t *buf, size_t cap, const struct lr_tftp_oack *o)
{
    size_t pos = 2;

    if (cap < 2)
        return 0;
    put16(buf, LR_TFTP_OACK);
    if (o->blksize && (pos = put_option(buf, cap, pos, "blksize", o->blksize_val)) == 0)
        return 0;
    if (o->tsize && (pos = put_option(buf, cap, pos, "tsize", o->tsize_val)) == 0)
        return 0;
    if (o->timeout && (pos = put_option(buf, cap, pos, "timeout", o->timeout_val)) == 0)
        return 0;
    if (o->windowsize && (pos = put_option(buf, cap, pos, "windowsize", o->windowsize_val)) == 0)
        return 0;
    return pos;
}

size_t lr_tftp_ascii_encode(struct lr_tftp_ascii *a, const uint8_t *src, uint64_t src_len,
                            uint8_t *dst, size_t cap)
{
    size_t n = 0;

    while (n < cap) {
        if (a->pending != 0xff) {
            dst[n++] = a->pending;
            a->pending = 0xff;
            continue;
        }
        if (a->src_off >= src_len)
            break;
        uint8_t c = src[a->src_off++];
        if (c == '\n') {
            dst[n++] = '\r';
            a->pending = '\n';
        } else if (c == '\r') {
            dst[n++] = '\r';
            a->pending = '\0';
        } else {
            dst[n++] = c;
        }
    }
    return n;
}

uint64_t lr_tftp_ascii_size(const uint8_t *src, uint64_t src_len)
{
    uint64_t n = src_len;

    for (uint64_t i = 0; i < src_len; i++)
        if (src[i] == '\n' || src[i] == '\r')
            n++;
    return n;
}

const char *lr_tftp_op_name(unsigned op)
{
    static const char *const names[] = { "?", "RRQ", "WRQ", "DATA", "ACK", "ERROR", "OACK" };

    return op < sizeof(names) / sizeof(names[0]) ? names[op] : "?";
}
