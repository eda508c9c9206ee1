/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * FTP server glue: TCP callbacks <-> lr_ftp_session, data connections,
 * transfers, disk I/O completions (see lr_ftp_server.h).
 *
 * Call chains:
 *   ctrl_data()  -> feed_ctrl() -> lr_ftp_session_line() -> run_actions()
 *   pasv_accept() / data_connected() -> xfer_begin() -> xfer_pump()
 *   data_writable() -> xfer_pump();  data_closed() -> xfer_finish()
 *   data_input() -> stor_input() -> io WRITE;  lr_ftp_server_poll() -> io_done()
 *   sess_timer() -> delays, data-connection wait, idle timeout, mbuf retry
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <rte_common.h>
#include <rte_lcore.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "lr_app.h"
#include "lr_ftp_io.h"
#include "lr_ftp_server.h"
#include "lr_http_server.h"
#include "lr_log.h"
#include "lr_path.h"
#include "lr_runtime.h"
#include "lr_tcp.h"
#include "lr_time.h"

#define OUT_MAX      16384u      /* control replies waiting to be sent */
#define STASH_MAX    2048u       /* control bytes received while the session is busy */
#define DATA_WAIT_US 30000000ull /* data connection must come within 30 s */
#define RETRY_US     1000ull     /* retry after an mbuf shortage */
#define SEND_CHUNK   16384u      /* bytes per zero-copy segment chain */
#define ASCII_CHUNK  4096u       /* converted bytes per copy-send */

/* Process-wide, set up once on the main lcore and read-only afterwards. */
struct ftp_global {
    bool up;
    uint32_t servers;                /* per-worker servers alive */
    struct lr_file_cache *own_cache; /* loaded by lr_ftp_module_global_init */
    const struct lr_file_cache *fc;
    struct lr_ftp_users users;
    struct lr_ftp_io *io;
    char upload_vdir[LR_PATH_MAX];
};
static struct ftp_global ftp_g;

struct ftp_sess {
    struct lr_ftp_server *srv;
    uint32_t idx;
    uint32_t gen;
    bool in_use;
    bool ctrl_closing; /* close control once the replies are out */
    bool delaying;
    bool xfer_on;      /* a TRANSFER action is running */
    bool xfer_started; /* data connection up, bytes moving */
    bool eof_sent;     /* all data queued, FIN requested */
    bool from_disk;    /* RETR/LIST through the I/O thread */
    bool io_busy;      /* a READ/LIST/WOPEN/WRITE/CLOSE is outstanding */
    bool prev_cr;      /* ASCII conversion state */
    bool peer_done;    /* STOR: client finished sending */
    bool file_open;
    bool finishing;     /* STOR: CLOSE submitted, result pending */
    uint16_t pasv_port; /* host order, 0 = none */
    rte_be32_t laddr;
    int32_t fd;
    enum lr_ftp_xfer_result stor_result;
    struct lr_tcp_conn *ctrl;
    struct lr_tcp_conn *data;
    uint64_t delay_until;
    uint64_t data_deadline;
    uint64_t retry_at;
    struct lr_timer timer;

    struct lr_ftp_action xfer;
    const struct lr_file_entry *fe; /* RETR/LIST from the cache */
    uint64_t pos, end;              /* RETR: next byte, end */
    uint32_t list_idx;              /* LIST: next entry */
    struct lr_ftp_io_msg *rd;       /* RETR/LIST from disk: chunk being sent */
    uint32_t rd_off;
    bool rd_eof;
    struct lr_ftp_io_msg *wb; /* STOR: buffer being filled */
    uint64_t received;        /* STOR: bytes of file data so far (incl. offset) */
    struct rte_mbuf *held;    /* STOR: received data not yet copied (window closes) */
    uint32_t held_off;

    struct lr_ftp_session s;
    struct lr_ftp_line lb;
    uint32_t stash_len;
    uint32_t out_len, out_off;
    uint32_t pend_len, pend_off;
    char pend[2 * ASCII_CHUNK + LR_FTP_LIST_LINE_MAX(LR_PATH_MAX)]; /* converted / listing bytes */
    uint8_t stash[STASH_MAX];
    char out[OUT_MAX];
};

struct lr_ftp_server {
    struct lr_worker *w;
    const struct lr_file_cache *fc;
    struct lr_ftp_io *io;
    struct lr_ftp_session_cfg scfg;
    struct lr_ftp_stats stats;
    uint16_t listen_port;
    bool listening;
    uint32_t nb_sess;
    uint32_t nb_free;
    uint32_t *free_idx;
    struct ftp_sess *sess;
    uint16_t pasv_next;     /* next candidate offset in the range */
    uint32_t pasv_range;    /* pasv_max - pasv_min + 1 */
    struct ftp_sess **pasv; /* the "pasv port -> session" map, by port - pasv_min */
};

static const struct lr_tcp_listen_ops ctrl_ops;
static const struct lr_tcp_listen_ops pasv_ops;
static const struct lr_tcp_conn_ops data_conn_ops;

static void sess_rearm(struct lr_worker *w, struct ftp_sess *x);
static void run_actions(struct lr_worker *w, struct ftp_sess *x, struct lr_ftp_actions *acts);
static void xfer_pump(struct lr_worker *w, struct ftp_sess *x);
static void drain_stash(struct lr_worker *w, struct ftp_sess *x);
static void sess_timer(struct lr_worker *w, struct lr_timer *t);

/* --- file-system view for the sessions ----------------------------------- */

static bool under_upload(const char *vpath)
{
    size_t ul = strlen(ftp_g.upload_vdir);
    return ul > 0 && strncmp(vpath, ftp_g.upload_vdir, ul) == 0 &&
           (vpath[ul] == '\0' || vpath[ul] == '/');
}

static int fs_stat(void *ctx, const char *vpath, struct lr_ftp_stat *st)
{
    struct lr_ftp_server *srv = ctx;
    /* The upload directory changes after start: ask the disk (metadata only). */
    if (under_upload(vpath) && srv->io != NULL)
        return lr_ftp_io_stat(srv->io, vpath, &st->is_dir, &st->size, &st->mtime);
    const struct lr_file_entry *e = lr_file_cache_lookup(srv->fc, vpath, strlen(vpath));
    if (e == NULL)
        return -ENOENT;
    st->is_dir = e->type == LR_FILE_DIR;
    st->size = e->size;
    st->mtime = (int64_t)e->mtime;
    return 0;
}

static int fs_list(void *ctx, const char *vpath, lr_ftp_list_fn fn, void *arg)
{
    struct lr_ftp_server *srv = ctx;
    if (under_upload(vpath) && srv->io != NULL)
        return lr_ftp_io_list_sync(srv->io, vpath, fn, arg);
    const struct lr_file_entry *d = lr_file_cache_lookup(srv->fc, vpath, strlen(vpath));
    if (d == NULL)
        return -ENOENT;
    if (d->type != LR_FILE_DIR)
        return -ENOTDIR;
    for (uint32_t i = 0; i < d->nb_children; i++) {
        const struct lr_file_entry *c = lr_file_cache_child(srv->fc, d, i);
        struct lr_ftp_entry e = { .name = c->name,
                                  .name_len = c->name_len,
                                  .is_dir = c->type == LR_FILE_DIR,
                                  .size = c->size,
                                  .mtime = (int64_t)c->mtime };
        if (fn(arg, &e) != 0)
            break;
    }
    return 0;
}

static const struct lr_ftp_fs_ops ftp_fs_ops = { .stat = fs_stat, .list = fs_list };

/* --- sessions ------------------------------------------------------------ */

static struct ftp_sess *sess_alloc(struct lr_ftp_server *srv)
{
    if (srv->nb_free == 0)
        return NULL;
    struct ftp_sess *x = &srv->sess[srv->free_idx[--srv->nb_free]];
    uint32_t gen = x->gen + 1;
    uint32_t idx = x->idx;
    memset(x, 0, offsetof(struct ftp_sess, s));
    /* The memset cleared the embedded timer too (callback included): every
     * session timer (login-failure delay, idle, data wait) needs it back. */
    lr_timer_init(&x->timer, sess_timer);
    x->srv = srv;
    x->idx = idx;
    x->gen = gen;
    x->in_use = true;
    x->fd = -1;
    x->stash_len = 0;
    x->out_len = 0;
    x->out_off = 0;
    x->pend_len = 0;
    x->pend_off = 0;
    return x;
}

static struct lr_ftp_io_msg *io_alloc(struct ftp_sess *x)
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

static void io_submit(struct ftp_sess *x, struct lr_ftp_io_msg *m)
{
    struct lr_ftp_server *srv = x->srv;
    /* The request ring holds the whole pool: submission cannot fail. */
    if (lr_ftp_io_submit(srv->io, srv->w->id, m) != 0)
        lr_ftp_io_free(srv->io, srv->w->id, m);
}

/* Close the upload file without waiting (session going away). */
static void file_close_detached(struct ftp_sess *x)
{
    if (!x->file_open)
        return;
    struct lr_ftp_io_msg *m = io_alloc(x);
    if (m != NULL) {
        m->op = LR_FTP_IO_CLOSE;
        m->fd = x->fd;
        m->gen = 0; /* nobody waits for it */
        io_submit(x, m);
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
    srv->pasv[x->pasv_port - w->cfg->ftp.pasv_min] = NULL;
    x->pasv_port = 0;
}

static void data_drop(struct lr_worker *w, struct ftp_sess *x)
{
    if (x->data != NULL) {
        struct lr_tcp_conn *c = x->data;
        x->data = NULL;
        lr_tcp_abort(w, c);
    }
    if (x->held != NULL) {
        rte_pktmbuf_free(x->held);
        x->held = NULL;
    }
    pasv_release(w, x);
}

static void xfer_reset(struct lr_worker *w, struct ftp_sess *x)
{
    struct lr_ftp_server *srv = x->srv;
    data_drop(w, x);
    if (x->rd != NULL && !x->io_busy) {
        lr_ftp_io_free(srv->io, w->id, x->rd);
    }
    x->rd = NULL;
    if (x->wb != NULL)
        lr_ftp_io_free(srv->io, w->id, x->wb);
    x->wb = NULL;
    file_close_detached(x);
    x->xfer_on = false;
    x->xfer_started = false;
    x->eof_sent = false;
    x->finishing = false;
    x->peer_done = false;
    x->from_disk = false;
    x->fe = NULL;
    x->pend_len = x->pend_off = 0;
}

static void sess_free(struct lr_worker *w, struct ftp_sess *x)
{
    struct lr_ftp_server *srv = x->srv;
    if (!x->in_use)
        return;
    xfer_reset(w, x);
    lr_timer_cancel(&w->timers, &x->timer);
    x->in_use = false;
    x->gen++; /* outstanding I/O completions become stale */
    srv->free_idx[srv->nb_free++] = x->idx;
    srv->stats.sessions_active--;
}

/* Send pending control replies; close the control connection when asked. */
static void ctrl_flush(struct lr_worker *w, struct ftp_sess *x)
{
    if (x->ctrl == NULL || x->delaying)
        return;
    while (x->out_off < x->out_len) {
        int n = lr_tcp_send(w, x->ctrl, x->out + x->out_off, x->out_len - x->out_off);
        if (n <= 0)
            break;
        x->out_off += (uint32_t)n;
    }
    if (x->out_off == x->out_len)
        x->out_off = x->out_len = 0;
    if (x->ctrl_closing && x->out_len == 0 && !x->xfer_on) {
        struct lr_tcp_conn *c = x->ctrl;
        lr_tcp_close(w, c);
    }
}

/* An output descriptor over the free tail of the reply buffer. */
static void out_open(struct ftp_sess *x, struct lr_ftp_out *o)
{
    if (x->out_off > 0 && x->out_off == x->out_len)
        x->out_off = x->out_len = 0;
    if (x->out_off > 0) {
        memmove(x->out, x->out + x->out_off, x->out_len - x->out_off);
        x->out_len -= x->out_off;
        x->out_off = 0;
    }
    lr_ftp_out_init(o, x->out + x->out_len, OUT_MAX - x->out_len);
}

static void out_close(struct lr_worker *w, struct ftp_sess *x, struct lr_ftp_out *o)
{
    x->out_len += (uint32_t)o->len;
    if (o->overflow) {
        /* The peer does not read its replies: give up on it. */
        x->ctrl_closing = true;
    }
    ctrl_flush(w, x);
}

/* --- control connection -------------------------------------------------- */

static void handle_line(struct lr_worker *w, struct ftp_sess *x, enum lr_ftp_line_status st)
{
    struct lr_ftp_out o;
    struct lr_ftp_actions acts;
    out_open(x, &o);
    lr_ftp_session_line(&x->s, w->now, st, x->lb.buf, x->lb.len, &o, &acts);
    out_close(w, x, &o);
    run_actions(w, x, &acts);
}

static bool sess_blocked(const struct ftp_sess *x)
{
    return x->delaying || x->ctrl_closing || lr_ftp_session_busy(&x->s);
}

/* Feed control bytes; what cannot be handled now is kept in the stash. */
static void feed_ctrl(struct lr_worker *w, struct ftp_sess *x, const uint8_t *p, uint32_t len)
{
    while (len > 0 && x->in_use && x->ctrl != NULL) {
        if (sess_blocked(x)) {
            if (x->ctrl_closing)
                return; /* closing: input is ignored */
            if (x->stash_len + len > STASH_MAX) {
                /* A client that floods commands while one is pending. */
                struct lr_ftp_out o;
                out_open(x, &o);
                lr_ftp_reply(&o, 421, "Too many pipelined commands.");
                x->ctrl_closing = true;
                out_close(w, x, &o);
                return;
            }
            memcpy(x->stash + x->stash_len, p, len);
            x->stash_len += len;
            return;
        }
        size_t used = 0;
        enum lr_ftp_line_status st = lr_ftp_line_feed(&x->lb, p, len, &used);
        p += used;
        len -= (uint32_t)used;
        if (st != LR_FTP_LINE_MORE)
            handle_line(w, x, st);
    }
}

static void drain_stash(struct lr_worker *w, struct ftp_sess *x)
{
    while (x->stash_len > 0 && x->in_use && !sess_blocked(x)) {
        uint8_t tmp[STASH_MAX];
        uint32_t n = x->stash_len;
        memcpy(tmp, x->stash, n);
        x->stash_len = 0;
        feed_ctrl(w, x, tmp, n);
    }
}

static int ctrl_accept(struct lr_worker *w, struct lr_tcp_conn *c, void *listen_ctx)
{
    struct lr_ftp_server *srv = listen_ctx;
    struct ftp_sess *x = sess_alloc(srv);
    if (x == NULL) {
        srv->stats.sessions_refused++;
        return -1;
    }
    rte_be32_t raddr;
    lr_tcp_conn_tuple(c, &x->laddr, NULL, &raddr, NULL);
    x->ctrl = c;
    lr_tcp_conn_ctx_set(c, x);
    lr_tcp_conn_nodelay(c, true);
    srv->stats.sessions_active++;
    srv->stats.sessions_total++;
    lr_ftp_line_init(&x->lb);
    struct lr_ftp_out o;
    out_open(x, &o);
    lr_ftp_session_init(&x->s, &srv->scfg, &srv->stats, w->now, raddr, &o);
    out_close(w, x, &o);
    sess_rearm(w, x);
    return 0;
}

static void ctrl_data(struct lr_worker *w, struct lr_tcp_conn *c, struct rte_mbuf *m)
{
    struct ftp_sess *x = lr_tcp_conn_ctx_get(c);
    for (struct rte_mbuf *s = m; s != NULL && x->in_use; s = s->next)
        feed_ctrl(w, x, rte_pktmbuf_mtod(s, const uint8_t *), s->data_len);
    rte_pktmbuf_free(m);
    if (x->in_use)
        sess_rearm(w, x);
}

static void ctrl_writable(struct lr_worker *w, struct lr_tcp_conn *c)
{
    ctrl_flush(w, lr_tcp_conn_ctx_get(c));
}

static void ctrl_peer_closed(struct lr_worker *w, struct lr_tcp_conn *c)
{
    struct ftp_sess *x = lr_tcp_conn_ctx_get(c);
    /* The client is gone: stop any transfer and close our side. */
    xfer_reset(w, x);
    x->ctrl_closing = true;
    x->delaying = false;
    ctrl_flush(w, x);
    lr_tcp_close(w, c);
}

static void ctrl_closed(struct lr_worker *w, struct lr_tcp_conn *c, enum lr_tcp_close_reason r)
{
    struct ftp_sess *x = lr_tcp_conn_ctx_get(c);
    (void)r;
    x->ctrl = NULL;
    sess_free(w, x);
}

static const struct lr_tcp_listen_ops ctrl_ops = {
    .accept = ctrl_accept,
    .conn = { .data = ctrl_data,
              .writable = ctrl_writable,
              .peer_closed = ctrl_peer_closed,
              .closed = ctrl_closed },
};

/* --- session results back into the session --------------------------------- */

static void xfer_done(struct lr_worker *w, struct ftp_sess *x, enum lr_ftp_xfer_result r)
{
    struct lr_ftp_out o;
    struct lr_ftp_actions acts;
    xfer_reset(w, x);
    out_open(x, &o);
    lr_ftp_session_transfer_done(&x->s, w->now, r, &o, &acts);
    out_close(w, x, &o);
    run_actions(w, x, &acts);
    if (x->in_use) {
        ctrl_flush(w, x);
        drain_stash(w, x);
        sess_rearm(w, x);
    }
}

/* --- data transfers ------------------------------------------------------ */

static bool is_disk_path(const struct ftp_sess *x, const char *vpath)
{
    return x->srv->io != NULL && under_upload(vpath);
}

/* Send what is pending in the conversion/line buffer; true when it is empty. */
static bool send_pend(struct lr_worker *w, struct ftp_sess *x)
{
    while (x->pend_off < x->pend_len) {
        int n = lr_tcp_send(w, x->data, x->pend + x->pend_off, x->pend_len - x->pend_off);
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
            sess_rearm(w, x);
            return;
        }
        if (lr_file_cache_attach(srv->fc, w->id, x->fe, x->pos, len, m) != 0) {
            rte_pktmbuf_free(m);
            xfer_done(w, x, LR_FTP_XFER_LOCAL_ERROR);
            return;
        }
        int rc = lr_tcp_send_mbuf(w, x->data, m);
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

static void disk_request(struct lr_worker *w, struct ftp_sess *x)
{
    struct lr_ftp_io_msg *m = io_alloc(x);
    if (m == NULL) {
        x->retry_at = w->now + RETRY_US;
        sess_rearm(w, x);
        return;
    }
    snprintf(m->path, sizeof(m->path), "%s", x->xfer.path);
    if (x->xfer.xfer == LR_FTP_XFER_LIST) {
        m->op = LR_FTP_IO_LIST;
        m->style = (uint8_t)x->xfer.style;
        m->skip = x->list_idx;
        m->now = wall_now(w, x);
        m->writable = lr_ftp_session_can_write(&x->s, x->xfer.path) ||
                      (strcmp(x->xfer.path, ftp_g.upload_vdir) == 0 && !x->s.anonymous);
    } else {
        m->op = LR_FTP_IO_READ;
        m->offset = x->pos;
    }
    x->io_busy = true;
    io_submit(x, m);
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
                int n = lr_tcp_send(w, x->data, m->data + x->rd_off, left);
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
        disk_request(w, x);
        return;
    }
}

static void xfer_pump(struct lr_worker *w, struct ftp_sess *x)
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
        lr_tcp_close(w, x->data); /* FIN after the queued data; closed() ends it */
    }
}

static void stor_begin(struct lr_worker *w, struct ftp_sess *x)
{
    struct lr_ftp_io_msg *m = io_alloc(x);
    if (m == NULL) {
        x->retry_at = w->now + RETRY_US;
        sess_rearm(w, x);
        return;
    }
    m->op = LR_FTP_IO_WOPEN;
    snprintf(m->path, sizeof(m->path), "%s", x->xfer.path);
    m->append = x->xfer.xfer == LR_FTP_XFER_APPE;
    m->offset = x->xfer.offset;
    x->received = m->append ? x->xfer.size : x->xfer.offset;
    x->io_busy = true;
    io_submit(x, m);
}

static void xfer_begin(struct lr_worker *w, struct ftp_sess *x)
{
    if (!x->xfer_on || x->xfer_started || x->data == NULL)
        return;
    x->xfer_started = true;
    x->prev_cr = false;
    const char *p = x->xfer.path;
    switch (x->xfer.xfer) {
    case LR_FTP_XFER_STOR:
    case LR_FTP_XFER_APPE:
        if (x->srv->io == NULL) {
            xfer_done(w, x, LR_FTP_XFER_LOCAL_ERROR);
            return;
        }
        stor_begin(w, x);
        return;
    case LR_FTP_XFER_RETR:
    case LR_FTP_XFER_LIST:
        break;
    }
    if (is_disk_path(x, p)) {
        x->from_disk = true;
        x->pos = x->xfer.offset;
        x->list_idx = 0;
        disk_request(w, x);
        return;
    }
    x->fe = lr_file_cache_lookup(x->srv->fc, p, strlen(p));
    if (x->fe == NULL) {
        xfer_done(w, x, LR_FTP_XFER_NOT_FOUND);
        return;
    }
    x->pos = x->xfer.offset;
    x->end = x->fe->size;
    x->list_idx = 0;
    xfer_pump(w, x);
}

/* STOR: copy received bytes into I/O buffers; stop (window closes) when none is free. */
static void stor_input(struct lr_worker *w, struct ftp_sess *x)
{
    struct lr_ftp_server *srv = x->srv;
    while (x->held != NULL && x->file_open && !x->finishing) {
        struct rte_mbuf *s = x->held;
        if (x->wb == NULL) {
            x->wb = io_alloc(x);
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
        x->wb->len += out;
        x->held_off += take;
        x->received += out;
        srv->stats.bytes_up += take;
        if (x->data != NULL)
            lr_tcp_rcv_consumed(w, x->data, take);
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
        if (x->received > x->xfer.limit) {
            /* RFC 959 552: beyond the allowed size. */
            x->stor_result = LR_FTP_XFER_TOO_BIG;
            data_drop(w, x);
            x->peer_done = true;
            break;
        }
        if (x->wb->len >= LR_FTP_IO_CHUNK - 1) {
            struct lr_ftp_io_msg *m = x->wb;
            x->wb = NULL;
            io_submit(x, m);
        }
    }
    if (x->held == NULL && x->peer_done && x->file_open && !x->finishing) {
        /* Everything received: write the rest, then close the file. */
        if (x->prev_cr && x->xfer.type_mode == LR_FTP_TYPE_ASCII && x->wb != NULL &&
            x->wb->len < LR_FTP_IO_CHUNK) {
            x->wb->data[x->wb->len++] = '\r';
            x->prev_cr = false;
        }
        if (x->wb != NULL && x->wb->len > 0) {
            struct lr_ftp_io_msg *m = x->wb;
            x->wb = NULL;
            io_submit(x, m);
        }
        struct lr_ftp_io_msg *m = io_alloc(x);
        if (m == NULL)
            return; /* retried on the next completion */
        m->op = LR_FTP_IO_CLOSE;
        m->fd = x->fd;
        x->finishing = true;
        io_submit(x, m);
    }
}

static void data_input(struct lr_worker *w, struct lr_tcp_conn *c, struct rte_mbuf *m)
{
    struct ftp_sess *x = lr_tcp_conn_ctx_get(c);
    bool stor =
        x->xfer_on && (x->xfer.xfer == LR_FTP_XFER_STOR || x->xfer.xfer == LR_FTP_XFER_APPE);
    if (!stor || x->finishing) {
        /* Data in the wrong direction is read and dropped. */
        lr_tcp_rcv_consumed(w, c, m->pkt_len);
        rte_pktmbuf_free(m);
        return;
    }
    if (x->held == NULL) {
        x->held = m;
        x->held_off = 0;
    } else if (rte_pktmbuf_chain(x->held, m) != 0) {
        /* Too many segments held: the window is closed anyway; drop. */
        lr_tcp_rcv_consumed(w, c, m->pkt_len);
        rte_pktmbuf_free(m);
        x->stor_result = LR_FTP_XFER_LOCAL_ERROR;
        data_drop(w, x);
        x->peer_done = true;
    }
    stor_input(w, x);
}

static void data_writable(struct lr_worker *w, struct lr_tcp_conn *c)
{
    xfer_pump(w, lr_tcp_conn_ctx_get(c));
}

static void data_connected(struct lr_worker *w, struct lr_tcp_conn *c)
{
    struct ftp_sess *x = lr_tcp_conn_ctx_get(c);
    lr_tcp_conn_rcv_manual(c, true);
    xfer_begin(w, x);
}

static void data_peer_closed(struct lr_worker *w, struct lr_tcp_conn *c)
{
    struct ftp_sess *x = lr_tcp_conn_ctx_get(c);
    if (x->xfer_on && (x->xfer.xfer == LR_FTP_XFER_STOR || x->xfer.xfer == LR_FTP_XFER_APPE)) {
        x->peer_done = true;
        x->stor_result = LR_FTP_XFER_OK;
        stor_input(w, x);
    }
}

static void data_closed(struct lr_worker *w, struct lr_tcp_conn *c, enum lr_tcp_close_reason r)
{
    struct ftp_sess *x = lr_tcp_conn_ctx_get(c);
    if (x->data != c)
        return;
    x->data = NULL;
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
        if (!x->file_open && !x->io_busy)
            xfer_done(w, x, x->stor_result);
        else
            stor_input(w, x);
        return;
    }
    if (!x->xfer_started)
        xfer_done(w, x, LR_FTP_XFER_NO_CONN);
    else if (x->eof_sent && r == LR_TCP_CLOSE_NORMAL)
        xfer_done(w, x, LR_FTP_XFER_OK);
    else
        xfer_done(w, x, LR_FTP_XFER_CONN_LOST);
}

static const struct lr_tcp_conn_ops data_conn_ops = {
    .connected = data_connected,
    .data = data_input,
    .writable = data_writable,
    .peer_closed = data_peer_closed,
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
    x->data = c;
    lr_tcp_conn_ctx_set(c, x);
    lr_tcp_conn_rcv_manual(c, true);
    xfer_begin(w, x);
    return 0;
}

static const struct lr_tcp_listen_ops pasv_ops = {
    .accept = pasv_accept,
    .conn = { .connected = data_connected,
              .data = data_input,
              .writable = data_writable,
              .peer_closed = data_peer_closed,
              .closed = data_closed },
};

/* Pick a passive port of this worker's share of the range and listen on it. */
static uint16_t pasv_open(struct lr_worker *w, struct ftp_sess *x)
{
    struct lr_ftp_server *srv = x->srv;
    const struct lr_ftp_config *fc = &w->cfg->ftp;
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

/* --- actions ------------------------------------------------------------- */

static void do_fs(struct lr_worker *w, struct ftp_sess *x, const struct lr_ftp_action *a)
{
    static const uint8_t ops[] = { [LR_FTP_FS_DELE] = LR_FTP_IO_DELE,
                                   [LR_FTP_FS_MKD] = LR_FTP_IO_MKD,
                                   [LR_FTP_FS_RMD] = LR_FTP_IO_RMD,
                                   [LR_FTP_FS_RENAME] = LR_FTP_IO_RENAME };
    struct lr_ftp_io_msg *m = io_alloc(x);
    if (m == NULL) {
        struct lr_ftp_out o;
        out_open(x, &o);
        lr_ftp_session_fs_done(&x->s, w->now, -EBUSY, &o);
        out_close(w, x, &o);
        return;
    }
    m->op = ops[a->fsop];
    snprintf(m->path, sizeof(m->path), "%s", a->path);
    snprintf(m->path2, sizeof(m->path2), "%s", a->path2);
    io_submit(x, m);
}

static void login_result(struct lr_worker *w, struct ftp_sess *x, bool ok)
{
    struct lr_ftp_out o;
    struct lr_ftp_actions acts;
    out_open(x, &o);
    lr_ftp_session_login_result(&x->s, w->now, ok, &o, &acts);
    out_close(w, x, &o);
    run_actions(w, x, &acts);
    if (x->in_use)
        drain_stash(w, x);
}

/* Password check on the I/O thread; inline only when its pool is empty. */
static void do_verify(struct lr_worker *w, struct ftp_sess *x, const struct lr_ftp_action *a)
{
    struct lr_ftp_io_msg *m = io_alloc(x);
    if (m == NULL) {
        bool ok =
            lr_ftp_users_verify(&ftp_g.users, a->path, strlen(a->path), a->path2, strlen(a->path2));
        login_result(w, x, ok);
        return;
    }
    m->op = LR_FTP_IO_VERIFY;
    snprintf(m->path, sizeof(m->path), "%s", a->path);
    snprintf(m->path2, sizeof(m->path2), "%s", a->path2);
    io_submit(x, m);
}

static void run_actions(struct lr_worker *w, struct ftp_sess *x, struct lr_ftp_actions *acts)
{
    for (unsigned i = 0; i < acts->n && x->in_use; i++) {
        const struct lr_ftp_action *a = &acts->a[i];
        switch (a->type) {
        case LR_FTP_ACT_DATA_CLOSE:
            if (!x->xfer_on)
                data_drop(w, x);
            break;
        case LR_FTP_ACT_PASV_OPEN: {
            uint16_t port = pasv_open(w, x);
            rte_be32_t addr = w->cfg->ftp.pasv_address ? w->cfg->ftp.pasv_address : x->laddr;
            struct lr_ftp_out o;
            out_open(x, &o);
            lr_ftp_session_pasv_opened(&x->s, w->now, port ? 0 : -EADDRINUSE, addr,
                                       rte_cpu_to_be_16(port), &o);
            out_close(w, x, &o);
            break;
        }
        case LR_FTP_ACT_TRANSFER:
            x->xfer = *a;
            x->xfer_on = true;
            x->xfer_started = false;
            x->eof_sent = false;
            x->rd_eof = false;
            x->data_deadline = w->now + DATA_WAIT_US;
            if (a->active) {
                /* From port 20 only with one worker: with several, the data
                 * connection must hash to this worker (the control
                 * connection's), so lr_tcp_connect picks the port
                 * (lr_flow_pick_port, lr_flow.h). */
                uint16_t sport = w->cfg->ftp.active_from_port_20 && w->nb_workers == 1 ? 20 : 0;
                struct lr_tcp_conn *c =
                    lr_tcp_connect(w, a->peer.addr, rte_be_to_cpu_16(a->peer.port), x->laddr, sport,
                                   &data_conn_ops, x);
                if (c == NULL) {
                    xfer_done(w, x, LR_FTP_XFER_NO_CONN);
                    break;
                }
                x->data = c;
            } else {
                xfer_begin(w, x);
            }
            sess_rearm(w, x);
            break;
        case LR_FTP_ACT_ABORT:
            xfer_reset(w, x);
            break;
        case LR_FTP_ACT_FS:
            do_fs(w, x, a);
            break;
        case LR_FTP_ACT_DELAY:
            x->delaying = true;
            x->delay_until = w->now + a->delay_us;
            sess_rearm(w, x);
            break;
        case LR_FTP_ACT_CLOSE:
            x->ctrl_closing = true;
            ctrl_flush(w, x);
            break;
        case LR_FTP_ACT_VERIFY:
            do_verify(w, x, a);
            break;
        }
    }
}

/* --- I/O completions ------------------------------------------------------ */

static void io_done(struct lr_worker *w, struct lr_ftp_server *srv, struct lr_ftp_io_msg *m)
{
    struct ftp_sess *x = m->sess < srv->nb_sess ? &srv->sess[m->sess] : NULL;
    bool stale = x == NULL || !x->in_use || x->gen != m->gen;
    if (stale) {
        /* The session is gone: never leak a file descriptor. */
        if (m->op == LR_FTP_IO_WOPEN && m->rc == 0 && m->fd >= 0) {
            m->op = LR_FTP_IO_CLOSE;
            m->gen = 0;
            lr_ftp_io_submit(srv->io, w->id, m);
            return;
        }
        lr_ftp_io_free(srv->io, w->id, m);
        return;
    }
    switch (m->op) {
    case LR_FTP_IO_VERIFY: {
        bool ok = m->rc == 0;
        lr_ftp_io_free(srv->io, w->id, m);
        login_result(w, x, ok);
        break;
    }
    case LR_FTP_IO_DELE:
    case LR_FTP_IO_MKD:
    case LR_FTP_IO_RMD:
    case LR_FTP_IO_RENAME: {
        int rc = m->rc;
        lr_ftp_io_free(srv->io, w->id, m);
        struct lr_ftp_out o;
        out_open(x, &o);
        lr_ftp_session_fs_done(&x->s, w->now, rc, &o);
        out_close(w, x, &o);
        drain_stash(w, x);
        break;
    }
    case LR_FTP_IO_READ:
    case LR_FTP_IO_LIST:
        x->io_busy = false;
        if (m->rc != 0 || !x->xfer_on) {
            int rc = m->rc;
            lr_ftp_io_free(srv->io, w->id, m);
            if (x->xfer_on)
                xfer_done(w, x, rc == -ENOENT ? LR_FTP_XFER_NOT_FOUND : LR_FTP_XFER_LOCAL_ERROR);
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
        xfer_pump(w, x);
        break;
    case LR_FTP_IO_WOPEN:
        x->io_busy = false;
        if (m->rc != 0) {
            lr_ftp_io_free(srv->io, w->id, m);
            xfer_done(w, x, LR_FTP_XFER_NOT_FOUND);
            break;
        }
        x->fd = m->fd;
        x->file_open = true;
        lr_ftp_io_free(srv->io, w->id, m);
        if (!x->xfer_on) {
            file_close_detached(x);
            break;
        }
        stor_input(w, x);
        break;
    case LR_FTP_IO_WRITE:
        if (m->rc != 0 && x->stor_result == LR_FTP_XFER_OK)
            x->stor_result = LR_FTP_XFER_LOCAL_ERROR;
        if (m->rc != 0) {
            data_drop(w, x);
            x->peer_done = true;
        }
        lr_ftp_io_free(srv->io, w->id, m);
        stor_input(w, x); /* a buffer is free again: resume */
        break;
    case LR_FTP_IO_CLOSE: {
        int rc = m->rc;
        lr_ftp_io_free(srv->io, w->id, m);
        x->file_open = false;
        x->fd = -1;
        if (rc != 0 && x->stor_result == LR_FTP_XFER_OK)
            x->stor_result = LR_FTP_XFER_LOCAL_ERROR;
        if (x->finishing && x->xfer_on) {
            enum lr_ftp_xfer_result r = x->stor_result;
            if (x->data != NULL) {
                /* Both directions done: close the data connection, then 226. */
                struct lr_tcp_conn *c = x->data;
                x->data = NULL;
                lr_tcp_close(w, c);
            }
            xfer_done(w, x, r);
        }
        break;
    }
    default:
        lr_ftp_io_free(srv->io, w->id, m);
        break;
    }
}

void lr_ftp_server_poll(struct lr_worker *w)
{
    struct lr_ftp_server *srv = w->app != NULL ? w->app->ftp : NULL;
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

/* --- timers ------------------------------------------------------------- */

static void sess_timer(struct lr_worker *w, struct lr_timer *t)
{
    struct ftp_sess *x = container_of(t, struct ftp_sess, timer);
    if (!x->in_use)
        return;
    if (x->delaying && w->now >= x->delay_until) {
        x->delaying = false;
        ctrl_flush(w, x);
        drain_stash(w, x);
    }
    if (x->retry_at != 0 && w->now >= x->retry_at) {
        x->retry_at = 0;
        if (x->xfer_on && x->xfer_started) {
            if (x->xfer.xfer == LR_FTP_XFER_STOR || x->xfer.xfer == LR_FTP_XFER_APPE) {
                if (!x->file_open && !x->io_busy)
                    stor_begin(w, x);
            } else if (x->from_disk && x->rd == NULL && !x->io_busy) {
                disk_request(w, x);
            } else {
                xfer_pump(w, x);
            }
        }
    }
    if (x->xfer_on && !x->xfer_started && x->data == NULL && w->now >= x->data_deadline) {
        xfer_done(w, x, LR_FTP_XFER_NO_CONN);
        if (!x->in_use)
            return;
    }
    struct lr_ftp_out o;
    struct lr_ftp_actions acts;
    if (!x->delaying) {
        out_open(x, &o);
        lr_ftp_session_tick(&x->s, w->now, &o, &acts);
        out_close(w, x, &o);
        run_actions(w, x, &acts);
    }
    if (x->in_use)
        sess_rearm(w, x);
}

static void sess_rearm(struct lr_worker *w, struct ftp_sess *x)
{
    uint64_t next = lr_ftp_session_deadline(&x->s);
    if (x->delaying && x->delay_until < next)
        next = x->delay_until;
    if (x->retry_at != 0 && x->retry_at < next)
        next = x->retry_at;
    if (x->xfer_on && !x->xfer_started && x->data_deadline < next)
        next = x->data_deadline;
    if (next == UINT64_MAX) {
        lr_timer_cancel(&w->timers, &x->timer);
        return;
    }
    lr_timer_arm(&w->timers, &x->timer, next);
}

/* --- lifecycle ---------------------------------------------------------- */

int lr_ftp_server_global_init(const struct lr_config *cfg, const struct lr_file_cache *fc,
                              uint16_t nb_workers, char *err, size_t errlen)
{
    const struct lr_ftp_config *f = &cfg->ftp;
    memset(&ftp_g, 0, sizeof(ftp_g));
    lr_ftp_users_init(&ftp_g.users);
    if (!f->enabled)
        return 0;
    if (fc == NULL) {
        snprintf(err, errlen, "[ftp] root: no file cache");
        return -EINVAL;
    }
    ftp_g.fc = fc;
    if (f->users[0] != '\0') {
        int rc = lr_ftp_users_load(&ftp_g.users, f->users, err, errlen);
        if (rc != 0)
            return rc;
    }
    struct lr_ftp_session_cfg sc;
    if (lr_ftp_session_cfg_from(&sc, f) != 0) {
        snprintf(err, errlen, "[ftp] upload_dir: '%s' is not a directory path under the root",
                 f->upload_dir);
        lr_ftp_users_free(&ftp_g.users);
        return -EINVAL;
    }
    snprintf(ftp_g.upload_vdir, sizeof(ftp_g.upload_vdir), "%s", sc.upload_dir);
    /* The I/O thread serves the upload directory and checks passwords;
     * without either, everything comes from the cache. */
    if (ftp_g.upload_vdir[0] != '\0' || ftp_g.users.count > 0) {
        ftp_g.io = lr_ftp_io_start(f->root, ftp_g.upload_vdir, &ftp_g.users, nb_workers,
                                   LR_FTP_IO_BUFS, SOCKET_ID_ANY);
        if (ftp_g.io == NULL) {
            snprintf(err, errlen, "[ftp] cannot start the disk I/O thread: %s",
                     rte_strerror(rte_errno));
            lr_ftp_users_free(&ftp_g.users);
            return -rte_errno;
        }
        bool d;
        uint64_t sz;
        int64_t mt;
        if (ftp_g.upload_vdir[0] != '\0' &&
            (lr_ftp_io_stat(ftp_g.io, ftp_g.upload_vdir, &d, &sz, &mt) != 0 || !d)) {
            snprintf(err, errlen, "[ftp] upload_dir: %s%s is not a directory", f->root,
                     ftp_g.upload_vdir);
            lr_ftp_io_stop(ftp_g.io);
            ftp_g.io = NULL;
            lr_ftp_users_free(&ftp_g.users);
            return -ENOTDIR;
        }
    }
    ftp_g.up = true;
    return 0;
}

void lr_ftp_server_global_free(void)
{
    lr_ftp_io_stop(ftp_g.io);
    lr_ftp_users_free(&ftp_g.users);
    lr_file_cache_free(ftp_g.own_cache);
    memset(&ftp_g, 0, sizeof(ftp_g));
}

int lr_ftp_module_global_init(const struct lr_config *cfg)
{
    char err[256] = "";
    if (!cfg->ftp.enabled)
        return 0;
    /* Worker ids are below the lcore count (the cache needs an upper bound). */
    uint16_t nb_workers = (uint16_t)RTE_MIN(rte_lcore_count(), (unsigned)LR_MAX_WORKERS);
    /* Same root as HTTP: share its cache (loaded by the http module, which
     * comes first in the module table and outlives us). */
    const struct lr_file_cache *shared = NULL;
    struct lr_file_cache *own = NULL;
    if (cfg->http.enabled && strcmp(cfg->ftp.root, cfg->http.root) == 0)
        shared = lr_http_module_file_cache();
    if (shared == NULL) {
        own =
            lr_file_cache_load(cfg->ftp.root, cfg->http.cache_bytes, nb_workers, err, sizeof(err));
        if (own == NULL) {
            int e = rte_errno ? rte_errno : EINVAL;
            LR_LOG(ERR, ftp, "[ftp] root: %s", err);
            return -e;
        }
        shared = own;
    }
    int rc = lr_ftp_server_global_init(cfg, shared, nb_workers, err, sizeof(err));
    if (rc != 0) {
        LR_LOG(ERR, ftp, "%s", err);
        lr_file_cache_free(own);
        return rc;
    }
    ftp_g.own_cache = own;
    return 0;
}

void lr_ftp_module_counters(const struct lr_worker *w, struct lr_module_counters *acc)
{
    struct lr_ftp_stats st;
    lr_ftp_counters_get(w, &st);
    /* Sessions are TCP connections, already counted in conns by the tcp module. */
    acc->requests += st.commands;
    acc->sessions += st.sessions_active;
    acc->transfers += st.transfers_ok;
    acc->xfer_bytes += st.bytes_up + st.bytes_down;
}

int lr_ftp_server_init(struct lr_worker *w)
{
    const struct lr_ftp_config *f = &w->cfg->ftp;
    if (!f->enabled || !ftp_g.up)
        return 0;
    struct lr_app_ctx *app = lr_app_ctx_get(w);
    if (app == NULL)
        return -ENOMEM;
    int sock = (int)w->socket;
    struct lr_ftp_server *srv = rte_zmalloc_socket("lr_ftp_server", sizeof(*srv), 0, sock);
    if (srv == NULL)
        return -ENOMEM;
    srv->w = w;
    srv->fc = ftp_g.fc;
    srv->io = ftp_g.io;
    lr_ftp_session_cfg_from(&srv->scfg, f);
    srv->scfg.users = &ftp_g.users;
    srv->scfg.fs = &ftp_fs_ops;
    srv->scfg.fs_ctx = srv;
    srv->scfg.async_verify = srv->io != NULL;
    /* Listing dates need the wall clock; w->now is monotonic since boot. */
    srv->scfg.wall_offset_s = (int64_t)time(NULL) - (int64_t)(lr_time_now_us() / 1000000);
    srv->nb_sess = f->max_sessions ? f->max_sessions : 1;
    srv->sess =
        rte_zmalloc_socket("lr_ftp_sess", (size_t)srv->nb_sess * sizeof(*srv->sess), 0, sock);
    srv->free_idx = rte_zmalloc_socket("lr_ftp_free", srv->nb_sess * sizeof(uint32_t), 0, sock);
    srv->pasv_range = f->pasv_max >= f->pasv_min && f->pasv_min > 0
                          ? (uint32_t)(f->pasv_max - f->pasv_min + 1)
                          : 0;
    srv->pasv = rte_zmalloc_socket(
        "lr_ftp_pasv", (srv->pasv_range ? srv->pasv_range : 1) * sizeof(*srv->pasv), 0, sock);
    if (srv->sess == NULL || srv->free_idx == NULL || srv->pasv == NULL) {
        rte_free(srv->sess);
        rte_free(srv->free_idx);
        rte_free(srv->pasv);
        rte_free(srv);
        return -ENOMEM;
    }
    for (uint32_t i = 0; i < srv->nb_sess; i++) {
        srv->sess[i].idx = i;
        lr_timer_init(&srv->sess[i].timer, sess_timer);
        srv->free_idx[i] = srv->nb_sess - 1 - i;
    }
    srv->nb_free = srv->nb_sess;
    app->ftp = srv;
    int rc = lr_tcp_listen(w, f->listen, &ctrl_ops, srv, NULL);
    if (rc != 0) {
        lr_ftp_server_free(w);
        return rc;
    }
    srv->listen_port = f->listen;
    srv->listening = true;
    ftp_g.servers++;
    return 0;
}

void lr_ftp_server_shutdown(struct lr_worker *w)
{
    struct lr_ftp_server *srv = w->app != NULL ? w->app->ftp : NULL;
    if (srv == NULL)
        return;
    if (srv->listening) {
        lr_tcp_unlisten(w, srv->listen_port);
        srv->listening = false;
    }
    for (uint32_t i = 0; i < srv->nb_sess; i++) {
        struct ftp_sess *x = &srv->sess[i];
        if (!x->in_use)
            continue;
        xfer_reset(w, x);
        if (x->ctrl != NULL) {
            struct lr_tcp_conn *c = x->ctrl;
            x->ctrl = NULL;
            lr_tcp_abort(w, c);
        }
        sess_free(w, x);
    }
}

void lr_ftp_server_free(struct lr_worker *w)
{
    struct lr_ftp_server *srv = w->app != NULL ? w->app->ftp : NULL;
    if (srv == NULL)
        return;
    rte_free(srv->sess);
    rte_free(srv->free_idx);
    rte_free(srv->pasv);
    bool counted = srv->listening || srv->listen_port != 0;
    rte_free(srv);
    w->app->ftp = NULL;
    lr_app_ctx_put(w);
    if (counted && ftp_g.servers > 0 && --ftp_g.servers == 0)
        lr_ftp_server_global_free();
}

void lr_ftp_counters_get(const struct lr_worker *w, struct lr_ftp_stats *out)
{
    const struct lr_ftp_server *srv = w->app != NULL ? w->app->ftp : NULL;
    if (srv == NULL) {
        memset(out, 0, sizeof(*out));
        return;
    }
    *out = srv->stats;
}

unsigned lr_ftp_counters_foreach(const struct lr_ftp_stats *c,
                                 void (*fn)(void *arg, const char *name, uint64_t value), void *arg)
{
    const struct {
        const char *name;
        uint64_t v;
    } t[] = {
        { "sessions_active", c->sessions_active },
        { "sessions_total", c->sessions_total },
        { "sessions_refused", c->sessions_refused },
        { "logins_ok", c->logins_ok },
        { "logins_failed", c->logins_failed },
        { "commands", c->commands },
        { "commands_bad", c->commands_bad },
        { "transfers_ok", c->transfers_ok },
        { "transfers_aborted", c->transfers_aborted },
        { "transfers_failed", c->transfers_failed },
        { "bytes_up", c->bytes_up },
        { "bytes_down", c->bytes_down },
    };
    for (unsigned i = 0; i < RTE_DIM(t); i++)
        fn(arg, t[i].name, t[i].v);
    return RTE_DIM(t);
}

/* The module's walk hook: /linerate/ftp, /linerate/stats and the final
 * summary (lr_telemetry.c sums it over workers). */
void lr_ftp_module_walk(const struct lr_worker *w,
                        void (*fn)(void *arg, const char *name, uint64_t value), void *arg)
{
    struct lr_ftp_stats st;
    lr_ftp_counters_get(w, &st);
    lr_ftp_counters_foreach(&st, fn, arg);
}
