/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * FTP control channel parsing and reply formatting (see lr_ftp_parser.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lr_ftp_parser.h"

/* Telnet (RFC 854) bytes that can appear in the control stream. */
#define TN_IAC  255
#define TN_DONT 254
#define TN_DO   253
#define TN_WONT 252
#define TN_WILL 251
#define TN_SB   250
#define TN_SE   240

/* Telnet parser states. */
enum {
    TS_DATA = 0,
    TS_IAC,    /* saw IAC */
    TS_OPT,    /* saw IAC WILL/WONT/DO/DONT: next byte is the option */
    TS_SB,     /* inside a subnegotiation */
    TS_SB_IAC, /* IAC inside a subnegotiation */
};

static const char *const verb_names[LR_FTP_CMD_MAX] = { [LR_FTP_CMD_NONE] = "",
#define LR_FTP_X_NAME(e, s) [LR_FTP_CMD_##e] = s,
                                                        LR_FTP_VERBS(LR_FTP_X_NAME)
#undef LR_FTP_X_NAME
};

const char *lr_ftp_verb_name(enum lr_ftp_verb v)
{
    if ((unsigned)v >= LR_FTP_CMD_MAX)
        return "";
    return verb_names[v];
}

void lr_ftp_line_init(struct lr_ftp_line *lb)
{
    lb->len = 0;
    lb->telnet = TS_DATA;
    lb->overflow = false;
    lb->ready = false;
    lb->buf[0] = '\0';
}

/* Store one data byte of the current line (or note the overflow). */
static inline void line_put(struct lr_ftp_line *lb, uint8_t c)
{
    if (lb->overflow)
        return;
    /* One byte of slack: a CR before the LF of a maximal line still fits. */
    if (lb->len >= LR_FTP_LINE_MAX + 1) {
        lb->overflow = true;
        return;
    }
    lb->buf[lb->len++] = (char)c;
}

enum lr_ftp_line_status lr_ftp_line_feed(struct lr_ftp_line *lb, const uint8_t *data, size_t len,
                                         size_t *consumed)
{
    if (lb->ready) {
        /* The previous line was taken: start a new one. */
        lb->ready = false;
        lb->len = 0;
        lb->buf[0] = '\0';
    }
    for (size_t i = 0; i < len; i++) {
        uint8_t c = data[i];
        switch (lb->telnet) {
        case TS_DATA:
            if (c == TN_IAC) {
                lb->telnet = TS_IAC;
                continue;
            }
            if (c == '\n') {
                *consumed = i + 1;
                if (lb->overflow) {
                    lb->overflow = false;
                    lb->len = 0;
                    lb->buf[0] = '\0';
                    return LR_FTP_LINE_TOO_LONG;
                }
                if (lb->len > 0 && lb->buf[lb->len - 1] == '\r')
                    lb->len--;
                if (lb->len > LR_FTP_LINE_MAX) {
                    lb->len = 0;
                    lb->buf[0] = '\0';
                    return LR_FTP_LINE_TOO_LONG;
                }
                lb->buf[lb->len] = '\0';
                lb->ready = true;
                return LR_FTP_LINE_READY;
            }
            line_put(lb, c);
            break;
        case TS_IAC:
            if (c == TN_IAC) {
                /* RFC 854: IAC IAC is the data byte 255. */
                line_put(lb, c);
                lb->telnet = TS_DATA;
            } else if (c >= TN_WILL && c <= TN_DONT) {
                lb->telnet = TS_OPT;
            } else if (c == TN_SB) {
                lb->telnet = TS_SB;
            } else {
                /* IP, DM, AO, AYT, NOP, ...: a two-byte command, dropped. */
                lb->telnet = TS_DATA;
            }
            break;
        case TS_OPT:
            lb->telnet = TS_DATA;
            break;
        case TS_SB:
            if (c == TN_IAC)
                lb->telnet = TS_SB_IAC;
            break;
        case TS_SB_IAC:
            lb->telnet = (c == TN_SE) ? TS_DATA : TS_SB;
            break;
        default:
            lb->telnet = TS_DATA;
            break;
        }
    }
    *consumed = len;
    return LR_FTP_LINE_MORE;
}

static inline char up(char c)
{
    return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

static inline bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

int lr_ftp_cmd_parse(const char *line, size_t len, struct lr_ftp_cmd *cmd)
{
    cmd->verb = LR_FTP_CMD_NONE;
    cmd->arg = line + len;
    cmd->arg_len = 0;
    cmd->has_arg = false;

    /* RFC 959 §5.3: NUL and CR have no place inside a command line. */
    if (len == 0 || memchr(line, '\0', len) != NULL || memchr(line, '\r', len) != NULL)
        return -EINVAL;

    size_t n = 0;
    while (n < len && is_alpha(line[n]))
        n++;
    if (n == 0)
        return -EINVAL;
    if (n < len && line[n] != ' ')
        return -EINVAL;

    if (n < len) {
        cmd->has_arg = true;
        cmd->arg = line + n + 1;
        cmd->arg_len = len - n - 1;
    }
    if (n < 3 || n > 4)
        return 0; /* well-formed word, not a verb: 500 from the caller */

    char v[5] = { 0 };
    for (size_t i = 0; i < n; i++)
        v[i] = up(line[i]);
    for (unsigned i = 1; i < LR_FTP_CMD_MAX; i++) {
        if (strlen(verb_names[i]) == n && memcmp(v, verb_names[i], n) == 0) {
            cmd->verb = (enum lr_ftp_verb)i;
            break;
        }
    }
    return 0;
}

void lr_ftp_out_init(struct lr_ftp_out *out, char *buf, size_t cap)
{
    out->buf = buf;
    out->cap = cap;
    out->len = 0;
    out->overflow = false;
    if (cap > 0)
        buf[0] = '\0';
}

/*
 * Append one reply line: an optional "NNN" + @sep prefix (code 0 = the
 * continuation prefix " "), the formatted text with CR/LF neutralised, CRLF.
 */
static int out_line(struct lr_ftp_out *out, unsigned code, char sep, const char *fmt, va_list ap)
{
    size_t start = out->len;
    size_t room = out->cap - out->len;
    int n;

    if (out->cap == 0 || out->len >= out->cap)
        goto nospace;
    if (code != 0)
        n = snprintf(out->buf + out->len, room, "%03u%c", code % 1000, sep);
    else
        n = snprintf(out->buf + out->len, room, " ");
    if (n < 0 || (size_t)n >= room)
        goto nospace;
    out->len += (size_t)n;
    room -= (size_t)n;

    n = vsnprintf(out->buf + out->len, room, fmt, ap);
    if (n < 0 || (size_t)n >= room)
        goto nospace;
    for (size_t i = out->len; i < out->len + (size_t)n; i++) {
        if (out->buf[i] == '\r' || out->buf[i] == '\n' || out->buf[i] == '\0')
            out->buf[i] = ' ';
    }
    out->len += (size_t)n;
    room -= (size_t)n;
    if (room < 3)
        goto nospace;
    out->buf[out->len++] = '\r';
    out->buf[out->len++] = '\n';
    out->buf[out->len] = '\0';
    return 0;

nospace:
    out->len = start;
    if (out->cap > 0 && start < out->cap)
        out->buf[start] = '\0';
    out->overflow = true;
    return -ENOSPC;
}

int lr_ftp_vreply(struct lr_ftp_out *out, unsigned code, const char *fmt, va_list ap)
{
    return out_line(out, code, ' ', fmt, ap);
}

int lr_ftp_reply(struct lr_ftp_out *out, unsigned code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = out_line(out, code, ' ', fmt, ap);
    va_end(ap);
    return rc;
}

int lr_ftp_reply_begin(struct lr_ftp_out *out, unsigned code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = out_line(out, code, '-', fmt, ap);
    va_end(ap);
    return rc;
}

int lr_ftp_reply_line(struct lr_ftp_out *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = out_line(out, 0, ' ', fmt, ap);
    va_end(ap);
    return rc;
}

int lr_ftp_reply_end(struct lr_ftp_out *out, unsigned code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = out_line(out, code, ' ', fmt, ap);
    va_end(ap);
    return rc;
}

/*
 * Parse a decimal number of 1..@maxdigits digits at @s[*i], stop at the
 * first non-digit. Returns -1 when there is no digit or too many.
 */
static long parse_num(const char *s, size_t len, size_t *i, unsigned maxdigits)
{
    long v = 0;
    unsigned d = 0;
    while (*i < len && is_digit(s[*i])) {
        if (++d > maxdigits)
            return -1;
        v = v * 10 + (s[*i] - '0');
        (*i)++;
    }
    return d == 0 ? -1 : v;
}

int lr_ftp_port_parse(const char *arg, size_t len, struct lr_ftp_hostport *hp)
{
    long v[6];
    size_t i = 0;

    for (int k = 0; k < 6; k++) {
        v[k] = parse_num(arg, len, &i, 3);
        if (v[k] < 0 || v[k] > 255)
            return -EINVAL;
        if (k < 5) {
            if (i >= len || arg[i] != ',')
                return -EINVAL;
            i++;
        }
    }
    if (i != len)
        return -EINVAL;
    uint32_t port = (uint32_t)(v[4] * 256 + v[5]);
    if (port == 0)
        return -EINVAL;
    uint32_t a =
        ((uint32_t)v[0] << 24) | ((uint32_t)v[1] << 16) | ((uint32_t)v[2] << 8) | (uint32_t)v[3];
    hp->addr = rte_cpu_to_be_32(a);
    hp->port = rte_cpu_to_be_16((uint16_t)port);
    return 0;
}

/* Strict dotted quad: four numbers 0..255, no leading '+', at most 3 digits. */
static int ipv4_parse(const char *s, size_t len, uint32_t *out)
{
    size_t i = 0;
    uint32_t a = 0;
    for (int k = 0; k < 4; k++) {
        long v = parse_num(s, len, &i, 3);
        if (v < 0 || v > 255)
            return -EINVAL;
        a = (a << 8) | (uint32_t)v;
        if (k < 3) {
            if (i >= len || s[i] != '.')
                return -EINVAL;
            i++;
        }
    }
    if (i != len)
        return -EINVAL;
    *out = a;
    return 0;
}

int lr_ftp_eprt_parse(const char *arg, size_t len, struct lr_ftp_hostport *hp)
{
    /* <d><net-prt><d><net-addr><d><tcp-port><d> */
    if (len < 7)
        return -EINVAL;
    char d = arg[0];
    if (d < 33 || d > 126 || is_digit(d) || d == '.' || d == ':')
        return -EINVAL;
    if (arg[len - 1] != d)
        return -EINVAL;

    const char *f[3];
    size_t fl[3];
    size_t i = 1;
    for (int k = 0; k < 3; k++) {
        size_t s = i;
        while (i < len && arg[i] != d)
            i++;
        if (i >= len)
            return -EINVAL;
        f[k] = arg + s;
        fl[k] = i - s;
        i++; /* skip the delimiter */
    }
    if (i != len)
        return -EINVAL;

    size_t j = 0;
    long proto = parse_num(f[0], fl[0], &j, 3);
    if (proto < 0 || j != fl[0])
        return -EINVAL;

    /* Check the port first so that a malformed command is 501 whatever
     * the protocol; then the protocol decides between 522 and parsing. */
    j = 0;
    long port = parse_num(f[2], fl[2], &j, 5);
    if (port < 1 || port > 65535 || j != fl[2])
        return -EINVAL;
    if (proto != 1)
        return -EAFNOSUPPORT; /* RFC 2428 §2: 522, we speak IPv4 (1) only */

    uint32_t a;
    if (ipv4_parse(f[1], fl[1], &a) != 0)
        return -EINVAL;
    hp->addr = rte_cpu_to_be_32(a);
    hp->port = rte_cpu_to_be_16((uint16_t)port);
    return 0;
}

int lr_ftp_pasv_format(char *buf, size_t cap, rte_be32_t addr, rte_be16_t port)
{
    uint32_t a = rte_be_to_cpu_32(addr);
    uint16_t p = rte_be_to_cpu_16(port);
    int n = snprintf(buf, cap, "Entering Passive Mode (%u,%u,%u,%u,%u,%u)", a >> 24,
                     (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff, p >> 8, p & 0xff);
    if (n < 0 || (size_t)n >= cap)
        return -ENOSPC;
    return n;
}

int lr_ftp_epsv_format(char *buf, size_t cap, rte_be16_t port)
{
    int n = snprintf(buf, cap, "Entering Extended Passive Mode (|||%u|)",
                     (unsigned)rte_be_to_cpu_16(port));
    if (n < 0 || (size_t)n >= cap)
        return -ENOSPC;
    return n;
}

int lr_ftp_time_format(char *buf, size_t cap, int64_t t)
{
    /* 253402300799 = 9999-12-31T23:59:59Z */
    if (t < 0)
        t = 0;
    if (t > 253402300799LL)
        t = 253402300799LL;
    if (cap < 15)
        return -ENOSPC;
    time_t tt = (time_t)t;
    struct tm tm;
    if (gmtime_r(&tt, &tm) == NULL)
        return -EINVAL;
    int n = snprintf(buf, cap, "%04d%02d%02d%02d%02d%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    if (n != 14)
        return -ENOSPC;
    return n;
}

int lr_ftp_path_quote(char *buf, size_t cap, const char *path)
{
    size_t o = 0;
    if (cap < 3)
        return -ENOSPC;
    buf[o++] = '"';
    for (const char *p = path; *p != '\0'; p++) {
        size_t need = (*p == '"') ? 2 : 1;
        if (o + need + 2 > cap)
            return -ENOSPC;
        buf[o++] = *p;
        if (*p == '"')
            buf[o++] = '"';
    }
    buf[o++] = '"';
    buf[o] = '\0';
    return (int)o;
}

int lr_ftp_type_parse(const char *arg, size_t len, enum lr_ftp_type *type)
{
    if (len == 0)
        return -EINVAL;
    char t = up(arg[0]);
    const char *rest = arg + 1;
    size_t rlen = len - 1;

    switch (t) {
    case 'A':
    case 'E':
        /* RFC 959 §4.1.2: A/E [SP N|T|C] */
        if (rlen == 0) {
            if (t == 'E')
                return -ENOTSUP;
            *type = LR_FTP_TYPE_ASCII;
            return 0;
        }
        if (rlen != 2 || rest[0] != ' ')
            return -EINVAL;
        switch (up(rest[1])) {
        case 'N':
            if (t == 'E')
                return -ENOTSUP;
            *type = LR_FTP_TYPE_ASCII;
            return 0;
        case 'T':
        case 'C':
            return -ENOTSUP;
        default:
            return -EINVAL;
        }
    case 'I':
        if (rlen != 0)
            return -EINVAL;
        *type = LR_FTP_TYPE_IMAGE;
        return 0;
    case 'L': {
        /* L SP byte-size; only 8-bit bytes are implemented. */
        if (rlen < 2 || rest[0] != ' ')
            return -EINVAL;
        size_t i = 1;
        long bits = parse_num(rest, rlen, &i, 3);
        if (bits <= 0 || i != rlen)
            return -EINVAL;
        if (bits != 8)
            return -ENOTSUP;
        *type = LR_FTP_TYPE_IMAGE;
        return 0;
    }
    default:
        return -EINVAL;
    }
}

int lr_ftp_u64_parse(const char *arg, size_t len, uint64_t *v)
{
    uint64_t x = 0;
    if (len == 0 || len > 20)
        return -EINVAL;
    for (size_t i = 0; i < len; i++) {
        if (!is_digit(arg[i]))
            return -EINVAL;
        uint64_t d = (uint64_t)(arg[i] - '0');
        if (x > (UINT64_MAX - d) / 10)
            return -EINVAL;
        x = x * 10 + d;
    }
    *v = x;
    return 0;
}
