/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the FTP control channel. The input is a control stream
 * (with Telnet bytes, any line lengths) fed in irregular chunks through the
 * line assembler; each line is parsed, given to the argument codecs (PORT,
 * EPRT, TYPE, REST) and to a session state machine whose asynchronous
 * actions are completed at once. Checks: no crash, no overread, every reply
 * is well-formed ("NNN" + ' ' or '-' + text + CRLF), the output never
 * overflows its buffer.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lr_ftp_session.h"

static int fz_stat(void *ctx, const char *vpath, struct lr_ftp_stat *st)
{
    (void)ctx;
    static const char *const dirs[] = { "/", "/pub", "/upload", "/upload/d" };
    static const char *const regs[] = { "/a.txt", "/pub/b.bin", "/upload/c" };
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        if (strcmp(vpath, dirs[i]) == 0) {
            st->is_dir = true;
            return 0;
        }
    }
    for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
        if (strcmp(vpath, regs[i]) == 0) {
            st->is_dir = false;
            st->size = 100 * (i + 1);
            st->mtime = 1700000000;
            return 0;
        }
    }
    return -ENOENT;
}

static int fz_list(void *ctx, const char *vpath, lr_ftp_list_fn fn, void *arg)
{
    (void)ctx;
    (void)vpath;
    struct lr_ftp_entry e = { .name = "x", .name_len = 1, .size = 5, .mtime = 0 };
    fn(arg, &e);
    e.name = "dir";
    e.name_len = 3;
    e.is_dir = true;
    fn(arg, &e);
    return 0;
}

static const struct lr_ftp_fs_ops fz_fs = { .stat = fz_stat, .list = fz_list };

/* Every reply line: 3 digits, ' ' or '-', text without CR/LF, CRLF; or a
 * continuation line starting with a space. */
static void check_replies(const char *b, size_t n)
{
    size_t i = 0;
    while (i < n) {
        const char *eol = memchr(b + i, '\n', n - i);
        if (eol == NULL || eol == b + i || eol[-1] != '\r')
            abort();
        size_t len = (size_t)(eol - (b + i)) - 1;
        const char *l = b + i;
        if (l[0] != ' ') {
            if (len < 4 || l[0] < '1' || l[0] > '5' || l[1] < '0' || l[1] > '9' || l[2] < '0' ||
                l[2] > '9' || (l[3] != ' ' && l[3] != '-'))
                abort();
        }
        if (memchr(l, '\r', len) != NULL)
            abort();
        i += len + 2;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char outbuf[16384];
    struct lr_ftp_config fc = { .anonymous = true,
                                .max_upload_bytes = 1000,
                                .idle_timeout = 1000000 };
    memcpy(fc.upload_dir, "/upload", 8);
    struct lr_ftp_session_cfg sc;
    if (lr_ftp_session_cfg_from(&sc, &fc) != 0)
        abort();
    sc.fs = &fz_fs;
    sc.login_fail_delay = 0;
    struct lr_ftp_stats stats = { 0 };
    struct lr_ftp_session s;
    struct lr_ftp_out out;
    struct lr_ftp_actions acts;
    struct lr_ftp_line lb;
    uint64_t now = 1000;

    lr_ftp_out_init(&out, outbuf, sizeof(outbuf));
    lr_ftp_session_init(&s, &sc, &stats, now, RTE_BE32(0xc6120001), &out);
    lr_ftp_line_init(&lb);

    size_t off = 0;
    unsigned chunk = 1;
    while (off < size) {
        /* Irregular chunk sizes exercise lines split across feeds. */
        size_t n = size - off < chunk ? size - off : chunk;
        chunk = chunk * 7 % 61 + 1;
        size_t used = 0;
        enum lr_ftp_line_status st = lr_ftp_line_feed(&lb, data + off, n, &used);
        if (used == 0 || used > n)
            abort();
        off += used;
        if (st == LR_FTP_LINE_MORE)
            continue;
        if (st == LR_FTP_LINE_READY) {
            if (lb.len > LR_FTP_LINE_MAX || lb.buf[lb.len] != '\0')
                abort();
            struct lr_ftp_hostport hp;
            enum lr_ftp_type t;
            uint64_t v;
            (void)lr_ftp_port_parse(lb.buf, lb.len, &hp);
            (void)lr_ftp_eprt_parse(lb.buf, lb.len, &hp);
            (void)lr_ftp_type_parse(lb.buf, lb.len, &t);
            (void)lr_ftp_u64_parse(lb.buf, lb.len, &v);
        }
        now += 1000;
        lr_ftp_out_init(&out, outbuf, sizeof(outbuf));
        if (!lr_ftp_session_busy(&s)) {
            lr_ftp_session_line(&s, now, st, lb.buf, lb.len, &out, &acts);
            for (unsigned i = 0; i < acts.n; i++) {
                struct lr_ftp_action *a = &acts.a[i];
                if (a->type == LR_FTP_ACT_PASV_OPEN)
                    lr_ftp_session_pasv_opened(&s, now, (off & 1) ? 0 : -ENOSPC,
                                               RTE_BE32(0xc6120002), RTE_BE16(50000), &out);
                else if (a->type == LR_FTP_ACT_FS)
                    lr_ftp_session_fs_done(&s, now, (off & 2) ? 0 : -EIO, &out);
            }
            bool xfer = false;
            for (unsigned i = 0; i < acts.n; i++)
                xfer |= acts.a[i].type == LR_FTP_ACT_TRANSFER;
            if (xfer && (off & 4)) {
                struct lr_ftp_actions a2;
                lr_ftp_session_transfer_done(&s, now, (enum lr_ftp_xfer_result)(off % 6), &out,
                                             &a2);
            }
        }
        if (out.overflow)
            abort();
        check_replies(out.buf, out.len);
    }
    lr_ftp_out_init(&out, outbuf, sizeof(outbuf));
    lr_ftp_session_tick(&s, now + 2000000, &out, &acts);
    check_replies(out.buf, out.len);
    return 0;
}
