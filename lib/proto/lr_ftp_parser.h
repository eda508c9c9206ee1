/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * FTP control channel: command-line assembly and parsing, reply formatting
 * and the argument codecs of RFC 959, RFC 2428 and RFC 3659.
 *
 * Everything here is pure: bytes in, structures or bytes out, no clock, no
 * allocation, no sockets. The session state machine (lr_ftp_session.h) sits
 * on top of it; the fuzz target tests/fuzz/fuzz_ftp_parser.c drives it with
 * arbitrary input.
 *
 * Control stream -> lines (lr_ftp_line_feed):
 *  - RFC 959 §4.1 / RFC 854: the control connection is a Telnet NVT stream.
 *    Telnet commands (IAC x, IAC WILL/WONT/DO/DONT opt, IAC SB ... IAC SE)
 *    are removed; IAC IAC is a literal 0xff data byte. This matters for ABOR,
 *    which clients send as "IAC IP IAC DM ABOR" (RFC 959 §4.1.3).
 *  - A line ends at LF; one CR right before the LF is removed (bare LF is
 *    accepted for robustness). A line longer than LR_FTP_LINE_MAX is
 *    discarded up to its LF and reported once as LR_FTP_LINE_TOO_LONG, so
 *    the command/reply pairing never desynchronises.
 *
 * Line -> command (lr_ftp_cmd_parse): RFC 959 §5.3: a verb of 3 or 4 letters,
 * case-insensitive, optionally followed by one SP and an argument (the rest
 * of the line, possibly empty). Embedded NUL or CR is a syntax error (500).
 */
#ifndef LR_FTP_PARSER_H
#define LR_FTP_PARSER_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <rte_byteorder.h>

/** Longest command line accepted, without the line terminator. */
#define LR_FTP_LINE_MAX 512

/*
 * Every verb the parser knows. Verbs of RFC 959 that the server does not
 * implement are known (the session answers 502, "not implemented"), while
 * unknown words are syntax errors (500), as RFC 959 §4.2 distinguishes.
 * X(ENUM_SUFFIX, "TEXT")
 */
#define LR_FTP_VERBS(X)                                                                            \
    X(USER, "USER")                                                                                \
    X(PASS, "PASS")                                                                                \
    X(ACCT, "ACCT")                                                                                \
    X(CWD, "CWD")                                                                                  \
    X(CDUP, "CDUP")                                                                                \
    X(SMNT, "SMNT")                                                                                \
    X(REIN, "REIN")                                                                                \
    X(QUIT, "QUIT")                                                                                \
    X(PORT, "PORT")                                                                                \
    X(PASV, "PASV")                                                                                \
    X(TYPE, "TYPE")                                                                                \
    X(STRU, "STRU")                                                                                \
    X(MODE, "MODE")                                                                                \
    X(RETR, "RETR")                                                                                \
    X(STOR, "STOR")                                                                                \
    X(STOU, "STOU")                                                                                \
    X(APPE, "APPE")                                                                                \
    X(ALLO, "ALLO")                                                                                \
    X(REST, "REST")                                                                                \
    X(RNFR, "RNFR")                                                                                \
    X(RNTO, "RNTO")                                                                                \
    X(ABOR, "ABOR")                                                                                \
    X(DELE, "DELE")                                                                                \
    X(RMD, "RMD")                                                                                  \
    X(MKD, "MKD")                                                                                  \
    X(PWD, "PWD")                                                                                  \
    X(LIST, "LIST")                                                                                \
    X(NLST, "NLST")                                                                                \
    X(SITE, "SITE")                                                                                \
    X(SYST, "SYST")                                                                                \
    X(STAT, "STAT")                                                                                \
    X(HELP, "HELP")                                                                                \
    X(NOOP, "NOOP")                                                                                \
    X(FEAT, "FEAT")                                                                                \
    X(OPTS, "OPTS")                                                                                \
    X(EPRT, "EPRT")                                                                                \
    X(EPSV, "EPSV")                                                                                \
    X(MDTM, "MDTM")                                                                                \
    X(SIZE, "SIZE")                                                                                \
    X(MLSD, "MLSD")                                                                                \
    X(MLST, "MLST")                                                                                \
    X(XPWD, "XPWD")                                                                                \
    X(XCWD, "XCWD")                                                                                \
    X(XCUP, "XCUP")                                                                                \
    X(XMKD, "XMKD")                                                                                \
    X(XRMD, "XRMD")                                                                                \
    X(AUTH, "AUTH")                                                                                \
    X(PBSZ, "PBSZ")                                                                                \
    X(PROT, "PROT")                                                                                \
    X(CCC, "CCC")                                                                                  \
    X(LANG, "LANG")

enum lr_ftp_verb {
    LR_FTP_CMD_NONE = 0, /* not a known verb */
#define LR_FTP_X_ENUM(e, s) LR_FTP_CMD_##e,
    LR_FTP_VERBS(LR_FTP_X_ENUM)
#undef LR_FTP_X_ENUM
        LR_FTP_CMD_MAX,
};

/** A parsed command; @arg points into the caller's line buffer. */
struct lr_ftp_cmd {
    enum lr_ftp_verb verb;
    const char *arg; /* NUL-terminated when the line buffer is (lr_ftp_line) */
    size_t arg_len;
    bool has_arg; /* a SP followed the verb (the argument may still be empty) */
};

/* Result of feeding bytes to the line assembler. */
enum lr_ftp_line_status {
    LR_FTP_LINE_MORE = 0,     /* all input consumed, no complete line yet */
    LR_FTP_LINE_READY = 1,    /* a line is in lb->buf (lb->len bytes, NUL-terminated) */
    LR_FTP_LINE_TOO_LONG = 2, /* an over-long line was discarded up to its LF */
};

/** Line assembler state: one per control connection. */
struct lr_ftp_line {
    uint16_t len;   /* bytes in buf */
    uint8_t telnet; /* Telnet command parser state */
    bool overflow;  /* the current line is too long and being discarded */
    bool ready;     /* buf holds a complete line not yet taken */
    char buf[LR_FTP_LINE_MAX + 2];
};

/** Reset a line assembler. */
void lr_ftp_line_init(struct lr_ftp_line *lb);

/**
 * Feed control-connection bytes. Consumes input up to and including the end
 * of the first complete line (or all of it) and reports what happened.
 * After LR_FTP_LINE_READY the line is in @lb->buf until the next call.
 *
 * @param consumed  set to the number of bytes of @data used.
 * @return an lr_ftp_line_status.
 */
enum lr_ftp_line_status lr_ftp_line_feed(struct lr_ftp_line *lb, const uint8_t *data, size_t len,
                                         size_t *consumed);

/**
 * Parse one command line (without its CRLF).
 *
 * @return 0 on success (cmd->verb may be LR_FTP_CMD_NONE for an unknown but
 *         well-formed word, which the caller answers with 500), -EINVAL for a
 *         syntax error (no verb, bad characters, NUL or CR inside).
 */
int lr_ftp_cmd_parse(const char *line, size_t len, struct lr_ftp_cmd *cmd);

/** Upper-case text of a verb ("RETR"), "" for LR_FTP_CMD_NONE. */
const char *lr_ftp_verb_name(enum lr_ftp_verb v);

/*
 * Reply output buffer. The session appends replies here and the glue sends
 * them on the control connection. When a reply does not fit, nothing of it
 * is written and @overflow is set (the glue then closes the session: a
 * buffer sized for the longest reply never overflows).
 */
struct lr_ftp_out {
    char *buf;
    size_t cap;
    size_t len;
    bool overflow;
};

/** Point @out at @buf (@cap bytes), empty. */
void lr_ftp_out_init(struct lr_ftp_out *out, char *buf, size_t cap);

/**
 * Append the single-line reply "NNN text\r\n" (RFC 959 §4.2). CR and LF in
 * the formatted text are replaced by spaces (no reply injection).
 * @return 0 or -ENOSPC.
 */
int lr_ftp_reply(struct lr_ftp_out *out, unsigned code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** va_list variant of lr_ftp_reply(). */
int lr_ftp_vreply(struct lr_ftp_out *out, unsigned code, const char *fmt, va_list ap);

/**
 * Multi-line replies (RFC 959 §4.2): lr_ftp_reply_begin() writes
 * "NNN-text", lr_ftp_reply_line() a continuation line (prefixed with one
 * space so that it can never look like an end line, as RFC 959 §4.2
 * recommends), lr_ftp_reply_end() the final "NNN text".
 * @return 0 or -ENOSPC (then the whole call wrote nothing).
 */
int lr_ftp_reply_begin(struct lr_ftp_out *out, unsigned code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/** Continuation line of a multi-line reply; see lr_ftp_reply_begin(). */
int lr_ftp_reply_line(struct lr_ftp_out *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/** Last line of a multi-line reply; see lr_ftp_reply_begin(). */
int lr_ftp_reply_end(struct lr_ftp_out *out, unsigned code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** A host-port pair from PORT/EPRT, network byte order. */
struct lr_ftp_hostport {
    rte_be32_t addr;
    rte_be16_t port;
};

/**
 * Parse a PORT argument "h1,h2,h3,h4,p1,p2" (RFC 959 §4.1.2): six decimal
 * numbers 0..255 (at most three digits each), nothing else; the port
 * p1*256+p2 must be 1..65535.
 * @return 0 or -EINVAL.
 */
int lr_ftp_port_parse(const char *arg, size_t len, struct lr_ftp_hostport *hp);

/**
 * Parse an EPRT argument "<d>proto<d>addr<d>port<d>" (RFC 2428 §2); the
 * delimiter is any printable ASCII character (33..126) not a digit, '.' or ':'.
 * @return 0; -EAFNOSUPPORT when the protocol is well-formed but not 1 (IPv4):
 *         the caller replies 522; -EINVAL for anything else malformed.
 */
int lr_ftp_eprt_parse(const char *arg, size_t len, struct lr_ftp_hostport *hp);

/**
 * Format the PASV reply text "Entering Passive Mode (h1,h2,h3,h4,p1,p2)"
 * (RFC 959 §4.1.2, reply 227) into @buf.
 * @return length written or -ENOSPC.
 */
int lr_ftp_pasv_format(char *buf, size_t cap, rte_be32_t addr, rte_be16_t port);

/**
 * Format the EPSV reply text "Entering Extended Passive Mode (|||port|)"
 * (RFC 2428 §3, reply 229).
 * @return length written or -ENOSPC.
 */
int lr_ftp_epsv_format(char *buf, size_t cap, rte_be16_t port);

/**
 * Format a time as the RFC 3659 §2.3 time-val "YYYYMMDDHHMMSS" (UTC).
 * Times before 1970 or after 9999 are clamped into range.
 * @return 14, or -ENOSPC when @cap < 15.
 */
int lr_ftp_time_format(char *buf, size_t cap, int64_t t);

/**
 * Quote a path for the 257 reply (RFC 959 Appendix II): surrounded by
 * double quotes, each embedded '"' doubled.
 * @return length written or -ENOSPC.
 */
int lr_ftp_path_quote(char *buf, size_t cap, const char *path);

/* TYPE (RFC 959 §3.1.1): only the types the server implements. */
enum lr_ftp_type {
    LR_FTP_TYPE_ASCII = 0, /* A, A N: LF <-> CRLF on the data connection */
    LR_FTP_TYPE_IMAGE = 1, /* I, L 8: bytes as they are */
};

/**
 * Parse a TYPE argument: "A", "A N", "I", "L 8" (case-insensitive).
 * @return 0; -ENOTSUP for a well-formed but unimplemented type ("E", "A T",
 *         "L 7": reply 504); -EINVAL for a malformed one (reply 501).
 */
int lr_ftp_type_parse(const char *arg, size_t len, enum lr_ftp_type *type);

/**
 * Parse a decimal unsigned argument (REST offset, RFC 3659 §5.2): digits
 * only, no sign, no overflow.
 * @return 0 or -EINVAL.
 */
int lr_ftp_u64_parse(const char *arg, size_t len, uint64_t *v);

#endif /* LR_FTP_PARSER_H */
