/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TFTP wire format (RFC 1350) with option extension (RFC 2347) and the
 * blksize (RFC 2348), tsize and timeout (RFC 2349) and windowsize (RFC 7440)
 * options.
 *
 * Pure functions over byte buffers: no clock, no state, no allocation. The
 * session logic (lr_tftp.c) parses what it receives with lr_tftp_parse() and
 * builds what it sends with the lr_tftp_build_*() functions. Strings returned
 * by the parser point into the caller's buffer and are NUL-terminated there
 * (the parser only accepts strings that carry their terminating NUL).
 *
 * netascii (RFC 1350 appendix, after RFC 764): LF is sent as CR LF and a bare
 * CR as CR NUL. Conversion is a resumable stream transform so it can stop at
 * any block boundary and be restarted from a saved position.
 */
#ifndef LR_TFTP_WIRE_H
#define LR_TFTP_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Opcodes (RFC 1350 §5, RFC 2347 for OACK). */
enum lr_tftp_op {
    LR_TFTP_RRQ = 1,
    LR_TFTP_WRQ = 2,
    LR_TFTP_DATA = 3,
    LR_TFTP_ACK = 4,
    LR_TFTP_ERROR = 5,
    LR_TFTP_OACK = 6,
};

/* Error codes (RFC 1350 appendix; 8 from RFC 2347). */
enum lr_tftp_err {
    LR_TFTP_ERR_UNDEF = 0,
    LR_TFTP_ERR_NOT_FOUND = 1,
    LR_TFTP_ERR_ACCESS = 2,
    LR_TFTP_ERR_DISK_FULL = 3,
    LR_TFTP_ERR_ILLEGAL_OP = 4,
    LR_TFTP_ERR_UNKNOWN_TID = 5,
    LR_TFTP_ERR_EXISTS = 6,
    LR_TFTP_ERR_NO_USER = 7,
    LR_TFTP_ERR_OPTION = 8,
};

enum lr_tftp_mode {
    LR_TFTP_MODE_NETASCII,
    LR_TFTP_MODE_OCTET,
    LR_TFTP_MODE_MAIL,
};

#define LR_TFTP_HDR_LEN         4     /* opcode + block number */
#define LR_TFTP_BLKSIZE_DEFAULT 512   /* RFC 1350 */
#define LR_TFTP_BLKSIZE_MIN     8     /* RFC 2348 */
#define LR_TFTP_BLKSIZE_MAX     65464 /* RFC 2348 */
#define LR_TFTP_TIMEOUT_MIN     1     /* seconds, RFC 2349 */
#define LR_TFTP_TIMEOUT_MAX     255
#define LR_TFTP_WINDOW_MAX      65535 /* RFC 7440 §3: windowsize 1..65535 */
#define LR_TFTP_FILENAME_MAX    255   /* our limit on the requested name */

/** A parsed TFTP packet. Pointers refer into the parsed buffer. */
struct lr_tftp_pkt {
    enum lr_tftp_op op;
    /* RRQ / WRQ */
    const char *filename;
    enum lr_tftp_mode mode;
    bool has_options; /* at least one option recognised (RFC 2347) */
    bool has_blksize;
    uint16_t blksize; /* requested, validated to [8, 65464] */
    bool has_tsize;
    uint64_t tsize;
    bool has_timeout;
    uint8_t timeout; /* seconds, [1, 255] */
    bool has_windowsize;
    uint16_t windowsize; /* blocks, [1, 65535] (RFC 7440) */
    /* DATA / ACK */
    uint16_t block;
    const uint8_t *data; /* DATA payload */
    uint32_t data_len;
    /* ERROR */
    uint16_t error_code;
    const char *error_msg;
};

/** Why a packet was rejected by lr_tftp_parse() (negated as the return value). */
enum lr_tftp_parse_status {
    LR_TFTP_PARSE_OK = 0,
    LR_TFTP_PARSE_SHORT = 1,    /* shorter than its fixed fields */
    LR_TFTP_PARSE_OPCODE = 2,   /* unknown opcode */
    LR_TFTP_PARSE_STRING = 3,   /* missing NUL / empty filename / name too long */
    LR_TFTP_PARSE_MODE = 4,     /* unknown transfer mode */
    LR_TFTP_PARSE_OPTION = 5,   /* option without value or bad value syntax */
    LR_TFTP_PARSE_TRAILING = 6, /* bytes after the last field of ACK/ERROR */
};

/**
 * Parse one TFTP packet of @len bytes. Unknown options in a request are
 * ignored (RFC 2347); recognised options with out-of-range values are ignored
 * too (the server then simply does not acknowledge them). Option names and
 * modes compare case-insensitively.
 * @return 0 on success, -LR_TFTP_PARSE_* otherwise.
 */
int lr_tftp_parse(const uint8_t *buf, size_t len, struct lr_tftp_pkt *p);

/** Write a DATA header for @block into @buf (4 bytes). Returns 4. */
size_t lr_tftp_build_data_hdr(uint8_t *buf, uint16_t block);

/** Write an ACK for @block into @buf (4 bytes). Returns 4. */
size_t lr_tftp_build_ack(uint8_t *buf, uint16_t block);

/**
 * Write an ERROR packet with @code and @msg (truncated to fit) into @buf of
 * @cap bytes (cap >= 5). Returns the length written.
 */
size_t lr_tftp_build_error(uint8_t *buf, size_t cap, uint16_t code, const char *msg);

/** Options acknowledged in an OACK (RFC 2347 §"Negotiation Protocol"). */
struct lr_tftp_oack {
    bool blksize;
    uint16_t blksize_val;
    bool tsize;
    uint64_t tsize_val;
    bool timeout;
    uint8_t timeout_val;
    bool windowsize;
    uint16_t windowsize_val;
};

/**
 * Write an OACK carrying the options set in @o into @buf of @cap bytes.
 * Returns the length written, or 0 when @cap is too small.
 */
size_t lr_tftp_build_oack(uint8_t *buf, size_t cap, const struct lr_tftp_oack *o);

/** Resumable netascii encoder position: source offset plus a pending byte. */
struct lr_tftp_ascii {
    uint64_t src_off; /* next source byte to read */
    uint8_t pending;  /* second byte of a CR LF / CR NUL pair still to emit, 0xff none */
};

/** Start position of a netascii stream. */
static inline void lr_tftp_ascii_init(struct lr_tftp_ascii *a)
{
    a->src_off = 0;
    a->pending = 0xff;
}

/**
 * Encode from @src (@src_len bytes total, starting at a->src_off) into @dst,
 * writing at most @cap bytes; updates @a. Returns the bytes written, which is
 * less than @cap only when the source is exhausted.
 */
size_t lr_tftp_ascii_encode(struct lr_tftp_ascii *a, const uint8_t *src, uint64_t src_len,
                            uint8_t *dst, size_t cap);

/** Size of @src after netascii encoding (for tsize in netascii mode). */
uint64_t lr_tftp_ascii_size(const uint8_t *src, uint64_t src_len);

/** Name of an opcode, for logs ("RRQ", ...; "?" when unknown). */
const char *lr_tftp_op_name(unsigned op);

#endif /* LR_TFTP_WIRE_H */
