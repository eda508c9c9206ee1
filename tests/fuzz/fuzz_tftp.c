/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the TFTP wire format (lr_tftp_wire.c).
 * fuzz-sources: lib/proto/lr_tftp_wire.c
 *
 * The input is parsed as one packet from an exact-size heap copy (so an
 * overread is caught by ASan). Checks: returned strings lie inside the input
 * and are NUL-terminated there; accepted options are within their RFC
 * ranges; an accepted request rebuilt as an OACK fits and parses as OACK;
 * an ERROR rebuilt from the parsed code and message parses back to the same
 * code and message; the netascii encoder over the input, in uneven chunks,
 * produces exactly lr_tftp_ascii_size() bytes with every LF preceded by CR.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lr_tftp_wire.h"

static void check_str(const char *s, const uint8_t *buf, size_t len)
{
    if (s == NULL)
        return;
    const uint8_t *p = (const uint8_t *)s;
    if (p < buf || p >= buf + len)
        abort();
    if (memchr(p, 0, (size_t)(buf + len - p)) == NULL)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *buf = malloc(size ? size : 1);
    struct lr_tftp_pkt p;

    if (buf == NULL)
        return 0;
    if (size > 0)
        memcpy(buf, data, size);
    int rc = lr_tftp_parse(buf, size, &p);
    if (rc > 0 || rc < -LR_TFTP_PARSE_TRAILING)
        abort();
    if (rc == 0) {
        check_str(p.filename, buf, size);
        check_str(p.error_msg, buf, size);
        if ((p.op == LR_TFTP_RRQ || p.op == LR_TFTP_WRQ) &&
            (p.filename == NULL || p.filename[0] == '\0' ||
             strlen(p.filename) > LR_TFTP_FILENAME_MAX))
            abort();
        if (p.has_blksize && (p.blksize < LR_TFTP_BLKSIZE_MIN || p.blksize > LR_TFTP_BLKSIZE_MAX))
            abort();
        if (p.has_timeout && (p.timeout < LR_TFTP_TIMEOUT_MIN))
            abort();
        if (p.op == LR_TFTP_DATA && p.data_len != size - LR_TFTP_HDR_LEN)
            abort();
        if (p.op == LR_TFTP_RRQ) {
            struct lr_tftp_oack o = { .blksize = p.has_blksize,
                                      .blksize_val = p.blksize,
                                      .tsize = p.has_tsize,
                                      .tsize_val = p.tsize,
                                      .timeout = p.has_timeout,
                                      .timeout_val = p.timeout };
            uint8_t ob[128];
            struct lr_tftp_pkt q;
            size_t n = lr_tftp_build_oack(ob, sizeof(ob), &o);
            if (n < 2 || lr_tftp_parse(ob, n, &q) != 0 || q.op != LR_TFTP_OACK)
                abort();
        }
        if (p.op == LR_TFTP_ERROR) {
            uint8_t eb[600];
            struct lr_tftp_pkt q;
            size_t n = lr_tftp_build_error(eb, sizeof(eb), p.error_code, p.error_msg);
            if (n == 0 || lr_tftp_parse(eb, n, &q) != 0 || q.error_code != p.error_code)
                abort();
            if (strlen(p.error_msg) < sizeof(eb) - 5 && strcmp(q.error_msg, p.error_msg) != 0)
                abort();
        }
    }

    /* netascii over the raw input, chunk sizes taken from the input. */
    struct lr_tftp_ascii a;
    uint8_t out[64];
    uint64_t total = 0;
    uint8_t prev = 0;
    size_t k = 0;
    lr_tftp_ascii_init(&a);
    for (;;) {
        size_t chunk = 1 + (size > 0 ? data[k++ % size] % sizeof(out) : 7);
        size_t n = lr_tftp_ascii_encode(&a, buf, size, out, chunk);
        for (size_t i = 0; i < n; i++) {
            if (out[i] == '\n' && prev != '\r')
                abort();
            prev = out[i];
        }
        total += n;
        if (n < chunk)
            break;
    }
    if (total != lr_tftp_ascii_size(buf, size))
        abort();
    free(buf);
    return 0;
}
