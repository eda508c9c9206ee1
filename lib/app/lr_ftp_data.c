/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * FTP server glue, data side: data connections (passive listeners, active
 * opens), RETR/LIST from the file cache or from disk, STOR/APPE into the
 * upload directory, and the disk I/O completions (see lr_ftp_server.h).
 *
 * Call chains:
 *   pasv_accept() / data_connected() -> lr_ftp_xfer_begin() -> lr_ftp_xfer_pump()
 *   data_writable() -> lr_ftp_xfer_pump();  data_closed() -> lr_ftp_xfer_done()
 *   data_input() -> stor_input() -> io WRITE;  lr_ftp_server_poll() -> io_done()
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <rte_common.h>
#include <rte_lcore.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "lr_ftp_server_priv.h"
#include "lr_log.h"
#include "lr_path.h"
#include "lr_stream.h"
#include "lr_tcp.h"
#include "lr_time.h"

static const struct lr_tcp_listen_ops pasv_ops;

static bool xfer_is_upload(const struct ftp_sess *x)
{
    return x->xfer.xfer == LR_FTP_XFER_STOR || x->xfer.xfer == LR_FTP_XFER_APPE;
}

/* --- I/O messages and teardown ------------------------------------------- */

struct lr_ftp_io_msg *lr_ftp_sess_io_alloc(struct ftp_sess *x)
{
    struct lr_ftp_server *srv = x->srv;
    if (srv->io == NULL)
        return NULL;
    struct lr_ftp_io_msg *m = lr_ftp_io_alloc(srv->io, srv->w->id);
    if (m != NULL) {
        m->sess = x->idx;
        m->gen = x->gen;
    }
    return m;
}

void lr_ftp_sess_io_submit(struct ftp_sess *x, struct lr_ftp_io_msg *m)
{
    struct lr_ftp_server *srv = x->srv;
    /* The request ring holds the whole pool: submission cannot fail. */
    if (lr_ftp_io_submit(srv->io, srv->w->id, m) != 0)
        lr_ftp_io_free(srv->io, srv->w->id, m);
}

/* Remove the upload's temporary file without waiting (transfer aborted,
 * session going away): the reserved message always allows it, and it
 * queues behind the file's WRITEs on the I/O thread. */
static void tmp_discard_detached(struct ftp_sess *x)
{
    if (!x->file_open)
        return;
    struct lr_ftp_io_msg *m = x->fin != NULL ? x->fin : lr_ftp_sess_io_alloc(x);
    x->fin = NULL;
    if (m != NULL) {
        m->op = LR_FTP_IO_DISCARD;
        m->fd = x->fd;
        snprintf(m->path, sizeof(m->path), "%s", x->xfer.path);
        snprintf(m->path2, sizeof(m->path2), "%s", x->tmp);
        m->gen = 0; /* nobody waits for it */
        x->srv->stats.uploads_discarded++;
        lr_ftp_sess_io_submit(x, m);
    }
    x->file_open = false;
    x->fd = -1;
}

static void pasv_release(struct lr_worker *w, struct ftp_sess *x)
{
    struct lr_ftp_server *srv = x->srv;
    if (x->pasv_port == 0)
        return;
    lr_tcp_unlisten(w, x->pasv_port);
    srv->pasv[x->pasv_port - lr_ftp_conf(w->cfg)->pasv_min] = NULL;
    x->pasv_port = 0;
}

void lr_ftp_data_drop(struct lr_worker *w, struct ftp_sess *x)
{
    x->data_tls_wait = false;
    if (x->data != NULL) {
        struct lr_tcp_conn *c = x->data;
        x->data = NULL;
        lr_stream_abort(w, c);
    }
    if (x->held != NULL) {
        rte_pktmbuf_free(x->held);
        x->held = NULL;
    }
    pasv_release(w, x);
}

void lr_ftp_xfer_reset(struct lr_worker *w, struct ftp_sess *x)
{
    struct lr_ftp_server *srv = x->srv;
    lr_ftp_data_drop(w, x);
    if (x->rd != NULL && !x->io_busy) {
        lr_ftp_io_free(srv->io, w->id, x->rd);
    }
    x->rd = NULL;
    if (x->wb != NULL)
        lr_ftp_io_free(srv->io, w->id, x->wb);
    x->wb = NULL;
    tmp_discard_detached(x);
    if (x->fin != NULL)
        lr_ftp_io_free(srv->io, w->id, x->fin);
    x->fin = NULL;
    x->tmp[0] = '\0';
    x->writes_out = 0;
    x->io_busy = false;
    x->stor_result = LR_FTP_XFER_OK;
    /* Whatever this transfer still has on the I/O thread (a READ, a WOPEN,
     * WRITEs, a COMMIT) comes back stale and cannot be taken for the next
     * transfer's; a stale WOPEN's file is discarded (io_done). */
    if (++x->gen == 0)
        x->gen = 1;
    x->xfer_on = false;
    x->xfer_started = false;
    x->eof_sent = false;
    x->finishing = false;
    x->peer_done = false;
    x->from_disk = false;
    x->fe = NULL;
    x->pend_len = x->pend_off = 0;
}

/* --- data transfers ------------------------------------------------------ */

static bool is_disk_path(const struct ftp_sess *x, const char *vpath)
{
    return x->srv->io != NULL && lr_ftp_under_upload(vpath);
}

/* Send what is pending in the conversion/line buffer; true when it is empty. */
static bool send_pend(struct lr_worker *w, struct ftp_sess *x)
{
    while (x->pend_off < x->pend_len) {
        int n = lr_stream_send(w, x->data, x->pend + x->pend_off, x->pend_len - x->pend_off);
        if (n <= 0)
            return false; /* writable() follows */
        x->pend_off += (uint32_t)n;
        x->srv->stats.bytes_down += (uint64_t)n;
    }
    x->pend_off = x->pend_len = 0;
    return true;
}

/* Convert up to @len bytes of @src to ASCII (LF -> CRLF, RFC 959 §3.1.1.1;
 * a CR already in front of an LF is kept as is) into the pending buffer.
 * Returns the number of source bytes consumed. */
static uint32_t ascii_convert(struct ftp_sess *x, const uint8_t *src, uint32_t len)
{
    uint32_t i = 0, o = x->pend_len;
    bool cr = x->prev_cr;
    if (len > ASCII_CHUNK)
        len = ASCII_CHUNK;
    for (; i < len; i++) {
        uint8_t c = src[i];
        if (c == '\n' && !cr)
            x->pend[o++] = '\r';
        x->pend[o++] = (char)c;
        cr = c == '\r';
    }
    x->pend_len = o;
    x->prev_cr = cr;
    return i;
}

static void retr_pump_cache(struct lr_worker *w, struct ftp_sess *x)
{
    struct lr_ftp_server *srv = x->srv;
    while (x->pos < x->end) {
        uint64_t left = x->end - x->pos;
        if (x->xfer.type_mode == LR_FTP_TYPE_ASCII) {
            if (!send_pend(w, x))
                return;
            uint32_t len = left > ASCII_CHUNK ? ASCII_CHUNK : (uint32_t)left;
            x->pos += ascii_convert(x, x->fe->data + x->pos, len);
            continue;
        }
        uint32_t len = left > SEND_CHUNK ? SEND_CHUNK : (uint32_t)left;
        struct rte_mbuf *m = rte_pktmbuf_alloc(w->pool);
        if (m == NULL) {
            x->retry_at = w->now + RETRY_US;
            lr_ftp_sess_rearm(w, x);
            return;
        }
        if (lr_file_cache_attach(srv->fc, w->id, x->fe, x->pos, len, m) != 0) {
            rte_pktmbuf_free(m);
            lr_ftp_xfer_done(w, x, LR_FTP_XFER_LOCAL_ERROR);
            return;
        }
        int rc = lr_stream_send_mbuf(w, x->data, m);
        if (rc < 0) {
            rte_pktmbuf_free(m);
            return; /* -ENOBUFS: writable() follows */
        }
        x->pos += len;
        srv->stats.bytes_down += len;
    }
    send_pend(w, x);
}

static int64_t wall_now(const struct lr_worker *w, const struct ftp_sess *x)
{
    return x->srv->scfg.wall_offset_s + (int64_t)(w->now / 1000000);
}

static void list_pump_cache(struct lr_worker *w, struct ftp_sess *x)
{
    struct lr_ftp_server *srv = x->srv;
    const struct lr_file_entry *d = x->fe;
    uint32_t total = d->type == LR_FILE_DIR ? d->nb_children : 1;
    int64_t now_s = wall_now(w, x);
    for (;;) {
        if (!send_pend(w, x))
            return;
        if (x->list_idx >= total)
            return;
        const struct lr_file_entry *c =
            d->type == LR_FILE_DIR ? lr_file_cache_child(srv->fc, d, x->list_idx) : d;
        x->list_idx++;
        if (c == NULL)
            continue;
        struct lr_ftp_entry e = { .name = c->name,
                                  .name_len = c->name_len,
                                  .is_dir = c->type == LR_FILE_DIR,
                                  .size = c->size,
                                  .mtime = (int64_t)c->mtime };
        int n = lr_ftp_list_format(x->pend, sizeof(x->pend), x->xfer.style, &e, now_s);
        if (n > 0) {
            x->pend_len = (uint32_t)n;
            x->pend_off = 0;
        }
    }
}

void lr_ftp_disk_request(struct lr_worker *w, struct ftp_sess *x)
{
    struct lr_ftp_io_msg *m = lr_ftp_sess_io_alloc(x);
    if (m == NULL) {
        x->retry_at = w->now + RETRY_US;
        lr_ftp_sess_rearm(w, x);
        return;
    }
    snprintf(m->path, sizeof(m->path), "%s", x->xfer.path);
    if (x->xfer.xfer == LR_FTP_XFER_LIST) {
        m->op = LR_FTP_IO_LIST;
        m->style = (uint8_t)x->xfer.style;
        m->skip = x->list_idx;
        m->now = wall_now(w, x);
        m->writable = lr_ftp_session_can_write(&x->s, x->xfer.path) ||
                      (strcmp(x->xfer.path, lr_ftp_g.upload_vdir) == 0 && !x->s.anonymous);
    } else {
        m->op = LR_FTP_IO_READ;
        m->offset = x->pos;
    }
    x->io_busy = true;
    lr_ftp_sess_io_submit(x, m);
}

static void disk_pump(struct lr_worker *w, struct ftp_sess *x)
{
    struct lr_ftp_server *srv = x->srv;
    while (x->rd != NULL) {
        struct lr_ftp_io_msg *m = x->rd;
        uint32_t left = m->len - x->rd_off;
        if (left > 0) {
            int32_t used;
            if (x->xfer.xfer == LR_FTP_XFER_RETR && x->xfer.type_mode == LR_FTP_TYPE_ASCII) {
                if (!send_pend(w, x))
                    return;
                used = (int32_t)ascii_convert(x, m->data + x->rd_off, left);
            } else {
                int n = lr_stream_send(w, x->data, m->data + x->rd_off, left);
                if (n <= 0)
                    return;
                used = n;
                srv->stats.bytes_down += (uint64_t)n;
            }
            x->rd_off += (uint32_t)used;
            if (x->xfer.xfer == LR_FTP_XFER_RETR)
                x->pos += (uint64_t)used;
            continue;
        }
        if (!send_pend(w, x))
            return;
        bool eof = m->eof;
        if (x->xfer.xfer == LR_FTP_XFER_LIST)
            x->list_idx += m->count;
        lr_ftp_io_free(srv->io, w->id, m);
        x->rd = NULL;
        x->rd_off = 0;
        if (eof) {
            x->rd_eof = true;
            return;
        }
        lr_ftp_disk_request(w, x);
        return;
    }
}

void lr_ftp_xfer_pump(struct lr_worker *w, struct ftp_sess *x)
{
    if (!x->xfer_on || !x->xfer_started || x->data == NULL || x->eof_sent)
        return;
    enum lr_ftp_xfer k = x->xfer.xfer;
    if (k == LR_FTP_XFER_STOR || k == LR_FTP_XFER_APPE)
        return;
    bool done;
    if (x->from_disk) {
        disk_pump(w, x);
        done = x->rd_eof && x->rd == NULL;
    } else if (k == LR_FTP_XFER_RETR) {
        retr_pump_cache(w, x);
        done = x->pos >= x->end;
    } else {
        list_pump_cache(w, x);
        done = x->list_idx >= (x->fe->type == LR_FILE_DIR ? x->fe->nb_children : 1u);
    }
    done = done && x->pend_len == 0;
    if (done && x->in_use && x->xfer_on && x->data != NULL) {
        x->eof_sent = true;
        lr_stream_close(w, x->data); /* FIN after the queued data; closed() ends it */
    }
}

void lr_ftp_stor_begin(struct lr_worker *w, struct ftp_sess *x)
{
    struct lr_ftp_server *srv = x->srv;
    /* Two messages: the WOPEN, and one kept for the COMMIT/DISCARD. */
    if (x->fin == NULL)
        x->fin = lr_ftp_sess_io_alloc(x);
    struct lr_ftp_io_msg *m = x->fin != NULL ? lr_ftp_sess_io_alloc(x) : NULL;
    if (m == NULL) {
        x->retry_at = w->now + RETRY_US;
        lr_ftp_sess_rearm(w, x);
        return;
    }
    /* The temporary file lives next to the target (rename(2) stays in one
     * directory, one file system) under a name no client may use. */
    const char *p = x->xfer.path;
    const char *slash = strrchr(p, '/');
    int n = snprintf(x->tmp, sizeof(x->tmp), "%.*s/" LR_FTP_TEMP_PREFIX "w%u-%" PRIu64,
                     (int)(slash - p), p, (unsigned)w->id, ++srv->tmp_seq);
    if (n < 0 || (size_t)n >= sizeof(x->tmp)) {
        x->tmp[0] = '\0';
        lr_ftp_io_free(srv->io, w->id, m);
        lr_ftp_xfer_done(w, x, LR_FTP_XFER_LOCAL_ERROR);
        return;
    }
    m->op = LR_FTP_IO_WOPEN;
    snprintf(m->path, sizeof(m->path), "%s", p);
    snprintf(m->path2, sizeof(m->path2), "%s", x->tmp);
    m->append = x->xfer.xfer == LR_FTP_XFER_APPE;
    m->offset = x->xfer.offset;
    m->limit = x->xfer.limit;
    x->io_busy = true;
    lr_ftp_sess_io_submit(x, m);
}

void lr_ftp_xfer_begin(struct lr_worker *w, struct ftp_sess *x)
{
    if (!x->xfer_on || x->xfer_started || x->data == NULL || x->data_tls_wait)
        return;
    x->xfer_started = true;
    x->prev_cr = false;
    x->stall_since = w->now; /* the first check takes the mark */
    x->stall_mark = UINT64_MAX;
    const char *p = x->xfer.path;
    switch (x->xfer.xfer) {
    case LR_FTP_XFER_STOR:
    case LR_FTP_XFER_APPE:
        if (x->srv->io == NULL) {
            lr_ftp_xfer_done(w, x, LR_FTP_XFER_LOCAL_ERROR);
            return;
        }
        lr_ftp_stor_begin(w, x);
        return;
    case LR_FTP_XFER_RETR:
    case LR_FTP_XFER_LIST:
        break;
    }
    if (is_disk_path(x, p)) {
        x->from_disk = true;
        x->pos = x->xfer.offset;
        x->list_idx = 0;
        lr_ftp_disk_request(w, x);
        return;
    }
    x->fe = lr_file_cache_lookup(x->srv->fc, p, strlen(p));
    if (x->fe == NULL) {
        lr_ftp_xfer_done(w, x, LR_FTP_XFER_NOT_FOUND);
        return;
    }
    x->pos = x->xfer.offset;
    x->end = x->fe->size;
    x->list_idx = 0;
    lr_ftp_xfer_pump(w, x);
}

/* STOR: copy received bytes into I/O buffers; stop (window closes) when none is free. */
static void stor_input(struct lr_worker *w, struct ftp_sess *x)
{
    struct lr_ftp_server *srv = x->srv;
    while (x->held != NULL && x->file_open && !x->finishing) {
        struct rte_mbuf *s = x->held;
        if (x->wb == NULL) {
            x->wb = lr_ftp_sess_io_alloc(x);
            if (x->wb == NULL)
                return; /* flow control: completions will call us again */
            x->wb->op = LR_FTP_IO_WRITE;
            x->wb->fd = x->fd;
            x->wb->len = 0;
        }
        const uint8_t *p = rte_pktmbuf_mtod(s, const uint8_t *) + x->held_off;
        uint32_t left = s->data_len - x->held_off;
        uint32_t room = LR_FTP_IO_CHUNK - x->wb->len;
        uint32_t take = left < room ? left : room;
        uint32_t out = 0;
        if (x->xfer.type_mode == LR_FTP_TYPE_ASCII) {
            /* CRLF -> LF: a CR is held back until the next byte is known. */
            for (uint32_t i = 0; i < take; i++) {
                uint8_t c = p[i];
                if (x->prev_cr && c != '\n')
                    x->wb->data[x->wb->len + out++] = '\r';
                x->prev_cr = c == '\r';
                if (!x->prev_cr)
                    x->wb->data[x->wb->len + out++] = c;
                if (x->wb->len + out + 1 >= LR_FTP_IO_CHUNK) {
                    take = i + 1;
                    break;
                }
            }
        } else {
            memcpy(x->wb->data + x->wb->len, p, take);
            out = take;
        }
        if (x->received + out > x->xfer.limit) {
            /* RFC 959 552: beyond the allowed size. These bytes are not
             * written: never more than max_upload_bytes on disk, and the
             * temporary file is discarded anyway. */
            srv->stats.bytes_up += take;
            srv->stats.uploads_too_big++;
            x->stor_result = LR_FTP_XFER_TOO_BIG;
            lr_ftp_data_drop(w, x);
            x->peer_done = true;
            break;
        }
        x->wb->len += out;
        x->held_off += take;
        x->received += out;
        srv->stats.bytes_up += take;
        if (x->data != NULL)
            lr_stream_rcv_consumed(w, x->data, take);
        if (x->held_off >= s->data_len) {
            x->held = s->next;
            if (x->held != NULL) {
                x->held->pkt_len = s->pkt_len - s->data_len;
                x->held->nb_segs = (uint16_t)(s->nb_segs - 1);
            }
            s->next = NULL;
            rte_pktmbuf_free_seg(s);
            x->held_off = 0;
        }
        if (x->wb->len >= LR_FTP_IO_CHUNK - 1) {
            struct lr_ftp_io_msg *m = x->wb;
            x->wb = NULL;
            x->writes_out++;
            lr_ftp_sess_io_submit(x, m);
        }
    }
    if (x->held == NULL && x->peer_done && x->file_open && !x->finishing) {
        /* Everything received. Success: write the rest, wait until every
         * WRITE is known to have worked, then COMMIT (rename into place)
         * and answer 226 when it is done. Failure: DISCARD, then answer. */
        if (x->stor_result != LR_FTP_XFER_OK && x->wb != NULL) {
            lr_ftp_io_free(srv->io, w->id, x->wb);
            x->wb = NULL;
        }
        if (x->prev_cr && x->xfer.type_mode == LR_FTP_TYPE_ASCII && x->wb != NULL &&
            x->wb->len < LR_FTP_IO_CHUNK) {
            x->wb->data[x->wb->len++] = '\r';
            x->prev_cr = false;
        }
        if (x->wb != NULL && x->wb->len > 0) {
            struct lr_ftp_io_msg *m = x->wb;
            x->wb = NULL;
            x->writes_out++;
            lr_ftp_sess_io_submit(x, m);
        }
        if (x->writes_out > 0)
            return; /* their completions call us again */
        struct lr_ftp_io_msg *m = x->fin;
        x->fin = NULL;
        m->op = x->stor_result == LR_FTP_XFER_OK ? LR_FTP_IO_COMMIT : LR_FTP_IO_DISCARD;
        m->noreplace = x->xfer.noreplace;
        m->fd = x->fd;
        m->sess = x->idx;
        m->gen = x->gen;
        snprintf(m->path, sizeof(m->path), "%s", x->xfer.path);
        snprintf(m->path2, sizeof(m->path2), "%s", x->tmp);
        x->file_open = false; /* the descriptor travels with the message */
        x->fd = -1;
        x->finishing = true;
        lr_ftp_sess_io_submit(x, m);
    }
}

static void data_input(struct lr_worker *w, struct lr_tcp_conn *c, struct rte_mbuf *m)
{
    struct ftp_sess *x = lr_stream_ctx_get(c);
    bool stor =
        x->xfer_on && (x->xfer.xfer == LR_FTP_XFER_STOR || x->xfer.xfer == LR_FTP_XFER_APPE);
    if (!stor || x->finishing) {
        /* Data in the wrong direction is read and dropped. */
        lr_stream_rcv_consumed(w, c, m->pkt_len);
        rte_pktmbuf_free(m);
        return;
    }
    if (x->held == NULL) {
        x->held = m;
        x->held_off = 0;
    } else if (rte_pktmbuf_chain(x->held, m) != 0) {
        /* Too many segments held: the window is closed anyway; drop. */
        lr_stream_rcv_consumed(w, c, m->pkt_len);
        rte_pktmbuf_free(m);
        x->stor_result = LR_FTP_XFER_LOCAL_ERROR;
        lr_ftp_data_drop(w, x);
        x->peer_done = true;
    }
    stor_input(w, x);
}

static void data_writable(struct lr_worker *w, struct lr_tcp_conn *c)
{
    lr_ftp_xfer_pump(w, lr_stream_ctx_get(c));
}

/* PROT P (RFC 4217 §9): the data connection becomes a TLS server stream;
 * the transfer starts once its handshake is done (data_connected again). */
static int data_start_tls(struct lr_worker *w, struct ftp_sess *x, struct lr_tcp_conn *c)
{
    int rc = lr_tls_server_start(w, c, &lr_ftp_data_conn_ops);
    if (rc < 0) {
        x->srv->stats.tls_start_failed++;
        LR_LOG(DEBUG, ftp, "PROT P data connection: cannot start TLS: %s", strerror(-rc));
        return rc;
    }
    x->data_tls_wait = true; /* no transfer before data_connected() */
    return 0;
}

/* An active data connection is up (PORT/EPRT), or a protected one (either
 * way) finished its TLS handshake. */
static void data_connected(struct lr_worker *w, struct lr_tcp_conn *c)
{
    struct ftp_sess *x = lr_stream_ctx_get(c);
    if (lr_ftp_session_prot_private(&x->s) && !lr_stream_is_tls(c)) {
        lr_tcp_conn_rcv_manual(c, true);
        if (data_start_tls(w, x, c) < 0)
            lr_ftp_xfer_done(w, x, LR_FTP_XFER_NO_CONN);
        return;
    }
    x->data_tls_wait = false;
    lr_stream_rcv_manual(c, true);
    lr_ftp_xfer_begin(w, x);
}

static void data_peer_closed(struct lr_worker *w, struct lr_tcp_conn *c)
{
    struct ftp_sess *x = lr_stream_ctx_get(c);
    if (x->xfer_on && xfer_is_upload(x)) {
        x->peer_done = true; /* the client's FIN: the upload is complete */
        /* Over TLS the client's close_notify (or its FIN) ends the upload;
         * clients that shut TLS down both ways (Python's unwrap) wait for
         * ours before they read the 226 (RFC 8446 §6.1). */
        if (lr_stream_is_tls(c))
            (void)lr_stream_shutdown_write(w, c);
        stor_input(w, x);
    }
}

static void data_closed(struct lr_worker *w, struct lr_tcp_conn *c, enum lr_tcp_close_reason r)
{
    struct ftp_sess *x = lr_stream_ctx_get(c);
    if (x->data != c)
        return;
    x->data = NULL;
    x->data_tls_wait = false;
    if (!x->xfer_on)
        return;
    enum lr_ftp_xfer k = x->xfer.xfer;
    if (k == LR_FTP_XFER_STOR || k == LR_FTP_XFER_APPE) {
        if (!x->peer_done) {
            x->peer_done = true;
            x->stor_result = r == LR_TCP_CLOSE_NORMAL ? LR_FTP_XFER_OK : LR_FTP_XFER_CONN_LOST;
        }
        if (x->held != NULL && r != LR_TCP_CLOSE_NORMAL) {
            rte_pktmbuf_free(x->held);
            x->held = NULL;
        }
        /* Without a temporary file yet (the WOPEN waits for a message), a
         * failure ends it now; a success still needs the file (the retry
         * timer opens it, the held data is written). */
        if (!x->file_open && !x->io_busy && !x->finishing && x->stor_result != LR_FTP_XFER_OK)
            lr_ftp_xfer_done(w, x, x->stor_result);
        else
            stor_input(w, x);
        return;
    }
    if (!x->xfer_started)
        lr_ftp_xfer_done(w, x, LR_FTP_XFER_NO_CONN);
    else if (x->eof_sent && r == LR_TCP_CLOSE_NORMAL)
        lr_ftp_xfer_done(w, x, LR_FTP_XFER_OK);
    else
        lr_ftp_xfer_done(w, x, LR_FTP_XFER_CONN_LOST);
}

/*
 * RETR/LIST: our FIN after the last byte was acknowledged, so the client has
 * everything. RFC 959 §3.2 / §4.1.3: in stream mode the server ends the
 * transfer by closing the data connection, and replies 226 once the
 * transfer is complete; nothing says it waits for the client to close its
 * side. A client that reads to EOF and then waits for the reply (its end
 * still open) gets 226 now; the connection finishes closing by itself
 * (FIN_WAIT_2, then the [tcp] time_wait orphan timeout) and its closed()
 * is ignored (x->data no longer names it).
 */
static void data_fin_acked(struct lr_worker *w, struct lr_tcp_conn *c)
{
    struct ftp_sess *x = lr_stream_ctx_get(c);
    if (x->data != c || !x->xfer_on || !x->eof_sent || xfer_is_upload(x))
        return;
    x->data = NULL;
    lr_ftp_xfer_done(w, x, LR_FTP_XFER_OK);
}

const struct lr_tcp_conn_ops lr_ftp_data_conn_ops = {
    .connected = data_connected,
    .data = data_input,
    .writable = data_writable,
    .peer_closed = data_peer_closed,
    .fin_acked = data_fin_acked,
    .closed = data_closed,
};

static int pasv_accept(struct lr_worker *w, struct lr_tcp_conn *c, void *listen_ctx)
{
    struct ftp_sess *x = listen_ctx;
    rte_be32_t raddr;
    lr_tcp_conn_tuple(c, NULL, NULL, &raddr, NULL);
    /* RFC 2577 §3/§4: only the control connection's client, only once. */
    if (!x->in_use || raddr != x->s.client_addr || x->data != NULL)
        return -1;
    lr_tcp_conn_ctx_set(c, x);
    lr_tcp_conn_rcv_manual(c, true);
    if (lr_ftp_session_prot_private(&x->s)) {
        /* The transfer starts at data_connected(), after the handshake. A
         * refusal (no TLS slot) resets this connection: the client may
         * connect again while the transfer waits (DATA_WAIT_US). */
        if (data_start_tls(w, x, c) < 0)
            return -1;
        x->data = c;
        return 0;
    }
    x->data = c;
    lr_ftp_xfer_begin(w, x);
    return 0;
}

static const struct lr_tcp_listen_ops pasv_ops = {
    .accept = pasv_accept,
    .conn = { .connected = data_connected,
              .data = data_input,
              .writable = data_writable,
              .peer_closed = data_peer_closed,
              .fin_acked = data_fin_acked,
              .closed = data_closed },
};

/* Pick a passive port of this worker's share of the range and listen on it. */
uint16_t lr_ftp_pasv_open(struct lr_worker *w, struct ftp_sess *x)
{
    struct lr_ftp_server *srv = x->srv;
    const struct lr_ftp_config *fc = lr_ftp_conf(w->cfg);
    if (srv->pasv_range == 0)
        return 0;
    struct lr_tcp_listen_opts opts = { .nodelay = true, .rcv_manual = true, .backlog = 4 };
    for (uint32_t tries = 0; tries < srv->pasv_range; tries++) {
        uint32_t off = srv->pasv_next;
        srv->pasv_next = (uint16_t)((off + 1) % srv->pasv_range);
        uint16_t port = (uint16_t)(fc->pasv_min + off);
        if (lr_ftp_pasv_owner(fc, w->nb_workers, port) != w->id || srv->pasv[off] != NULL)
            continue;
        if (lr_tcp_listen(w, port, &pasv_ops, x, &opts) != 0)
            continue;
        srv->pasv[off] = x;
        x->pasv_port = port;
        return port;
    }
    return 0;
}

/* --- I/O completions ------------------------------------------------------ */

static void io_done(struct lr_worker *w, struct lr_ftp_server *srv, struct lr_ftp_io_msg *m)
{
    struct ftp_sess *x = m->sess < srv->nb_sess ? &srv->sess[m->sess] : NULL;
    bool stale = x == NULL || !x->in_use || x->gen != m->gen;
    if (stale) {
        /* The transfer or the session is gone: never leak a descriptor or
         * leave its temporary file behind. */
        if (m->op == LR_FTP_IO_WOPEN && m->rc == 0 && m->fd >= 0) {
            m->op = LR_FTP_IO_DISCARD;
            m->gen = 0;
            srv->stats.uploads_discarded++;
            lr_ftp_io_submit(srv->io, w->id, m);
            return;
        }
        if ((m->op == LR_FTP_IO_DISCARD || m->op == LR_FTP_IO_COMMIT || m->op == LR_FTP_IO_WRITE) &&
            m->rc != 0)
            srv->stats.upload_io_errors++;
        lr_ftp_io_free(srv->io, w->id, m);
        return;
    }
    switch (m->op) {
    case LR_FTP_IO_VERIFY: {
        bool ok = m->rc == 0;
        lr_ftp_io_free(srv->io, w->id, m);
        lr_ftp_login_result(w, x, ok);
        break;
    }
    case LR_FTP_IO_DELE:
    case LR_FTP_IO_MKD:
    case LR_FTP_IO_RMD:
    case LR_FTP_IO_RENAME: {
        int rc = m->rc;
        lr_ftp_io_free(srv->io, w->id, m);
        struct lr_ftp_out o;
        lr_ftp_out_open(x, &o);
        lr_ftp_session_fs_done(&x->s, w->now, rc, &o);
        lr_ftp_out_close(w, x, &o);
        lr_ftp_drain_stash(w, x);
        break;
    }
    case LR_FTP_IO_ASCII_SIZE: {
        int rc = m->rc;
        uint64_t size = m->offset;
        lr_ftp_io_free(srv->io, w->id, m);
        struct lr_ftp_out o;
        lr_ftp_out_open(x, &o);
        lr_ftp_session_size_done(&x->s, w->now, rc, size, &o);
        lr_ftp_out_close(w, x, &o);
        lr_ftp_drain_stash(w, x);
        break;
    }
    case LR_FTP_IO_READ:
    case LR_FTP_IO_LIST:
        x->io_busy = false;
        if (m->rc != 0 || !x->xfer_on) {
            int rc = m->rc;
            lr_ftp_io_free(srv->io, w->id, m);
            if (x->xfer_on)
                lr_ftp_xfer_done(w, x,
                                 rc == -ENOENT ? LR_FTP_XFER_NOT_FOUND : LR_FTP_XFER_LOCAL_ERROR);
            break;
        }
        x->rd = m;
        x->rd_off = 0;
        if (m->len == 0 && !m->eof) {
            /* A listing chunk with no room for one entry: nothing sendable. */
            lr_ftp_io_free(srv->io, w->id, m);
            x->rd = NULL;
            x->rd_eof = true;
        }
        lr_ftp_xfer_pump(w, x);
        break;
    case LR_FTP_IO_WOPEN: {
        x->io_busy = false;
        int rc = m->rc;
        if (rc != 0) {
            lr_ftp_io_free(srv->io, w->id, m);
            /* -EFBIG: the file to append to is already past the limit. */
            if (rc == -EFBIG)
                srv->stats.uploads_too_big++;
            else if (rc != -ENOENT)
                srv->stats.upload_io_errors++;
            lr_ftp_xfer_done(w, x,
                             rc == -EFBIG    ? LR_FTP_XFER_TOO_BIG
                             : rc == -ENOENT ? LR_FTP_XFER_NOT_FOUND
                                             : LR_FTP_XFER_LOCAL_ERROR);
            break;
        }
        x->fd = m->fd;
        x->file_open = true;
        x->received = m->offset; /* bytes copied from the file (REST, APPE) */
        lr_ftp_io_free(srv->io, w->id, m);
        stor_input(w, x);
        break;
    }
    case LR_FTP_IO_WRITE:
        if (x->writes_out > 0)
            x->writes_out--;
        if (m->rc != 0) {
            srv->stats.upload_io_errors++;
            if (x->stor_result == LR_FTP_XFER_OK)
                x->stor_result = LR_FTP_XFER_LOCAL_ERROR;
            lr_ftp_data_drop(w, x);
            x->peer_done = true;
        }
        lr_ftp_io_free(srv->io, w->id, m);
        stor_input(w, x); /* a buffer is free again: resume (or finish) */
        break;
    case LR_FTP_IO_COMMIT:
    case LR_FTP_IO_DISCARD: {
        bool commit = m->op == LR_FTP_IO_COMMIT;
        int rc = m->rc;
        lr_ftp_io_free(srv->io, w->id, m);
        x->finishing = false;
        enum lr_ftp_xfer_result r = x->stor_result;
        if (rc != 0) {
            srv->stats.upload_io_errors++;
            if (commit)
                r = LR_FTP_XFER_LOCAL_ERROR; /* the thread removed the file */
        }
        if (commit && rc == 0)
            srv->stats.uploads_committed++;
        else
            srv->stats.uploads_discarded++;
        if (x->data != NULL) {
            /* Both directions done: close the data connection, then reply. */
            struct lr_tcp_conn *c = x->data;
            x->data = NULL;
            lr_stream_close(w, c);
        }
        lr_ftp_xfer_done(w, x, r);
        break;
    }
    default:
        lr_ftp_io_free(srv->io, w->id, m);
        break;
    }
}

void lr_ftp_server_poll(struct lr_worker *w)
{
    struct lr_ftp_server *srv = lr_ftp_server_of(w);
    if (srv == NULL || srv->io == NULL)
        return;
    struct lr_ftp_io_msg *done[16];
    unsigned n = lr_ftp_io_complete(srv->io, w->id, done, RTE_DIM(done));
    for (unsigned i = 0; i < n; i++)
        io_done(w, srv, done[i]);
    if (n > 0) {
        /* Buffers came back: sessions held by flow control may resume. */
        for (uint32_t i = 0; i < srv->nb_sess; i++) {
            struct ftp_sess *x = &srv->sess[i];
            if (x->in_use && x->file_open && !x->finishing && (x->held != NULL || x->peer_done))
                stor_input(w, x);
        }
    }
}
