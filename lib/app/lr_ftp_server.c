/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * FTP server glue, control side: TCP callbacks of the control connection
 * <-> lr_ftp_session, the actions it asks for, session timers and the
 * per-worker lifecycle (see lr_ftp_server.h). Data connections, transfers
 * and disk I/O completions are in lr_ftp_data.c, counters and the module
 * in lr_ftp_module.c (lr_ftp_server_priv.h).
 *
 * Call chains:
 *   ctrl_data()  -> feed_ctrl() -> lr_ftp_session_line() -> run_actions()
 *   run_actions() -> lr_ftp_pasv_open() / lr_ftp_xfer_begin() / do_fs() / do_verify()
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

#include "lr_flow.h"
#include "lr_ftp_server_priv.h"
#include "lr_stream.h"
#include "lr_tls_module.h"
#include "lr_log.h"
#include "lr_module.h"
#include "lr_path.h"
#include "lr_time.h"

struct ftp_global lr_ftp_g;

static const struct lr_tcp_listen_ops ctrl_ops;

static void run_actions(struct lr_worker *w, struct ftp_sess *x, struct lr_ftp_actions *acts);
static void sess_timer(struct lr_worker *w, struct lr_timer *t);

/* --- file-system view for the sessions ----------------------------------- */

bool lr_ftp_under_upload(const char *vpath)
{
    size_t ul = strlen(lr_ftp_g.upload_vdir);
    return ul > 0 && strncmp(vpath, lr_ftp_g.upload_vdir, ul) == 0 &&
           (vpath[ul] == '\0' || vpath[ul] == '/');
}

static int fs_stat(void *ctx, const char *vpath, struct lr_ftp_stat *st)
{
    struct lr_ftp_server *srv = ctx;
    /* The upload directory changes after start: ask the disk (metadata only). */
    if (lr_ftp_under_upload(vpath) && srv->io != NULL)
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
    if (lr_ftp_under_upload(vpath) && srv->io != NULL)
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

static int fs_ascii_size(void *ctx, const char *vpath, uint64_t *size)
{
    struct lr_ftp_server *srv = ctx;
    /* Files of the upload directory change: the I/O thread reads them. */
    if (lr_ftp_under_upload(vpath) && srv->io != NULL)
        return -EAGAIN;
    const struct lr_file_entry *e = lr_file_cache_lookup(srv->fc, vpath, strlen(vpath));
    if (e == NULL || e->type != LR_FILE_REG)
        return -ENOENT;
    *size = lr_file_cache_ascii_size(srv->fc, e);
    return 0;
}

static const struct lr_ftp_fs_ops ftp_fs_ops = {
    .stat = fs_stat,
    .list = fs_list,
    .ascii_size = fs_ascii_size,
};

/* --- sessions ------------------------------------------------------------ */

static struct ftp_sess *sess_alloc(struct lr_ftp_server *srv)
{
    if (srv->nb_free == 0)
        return NULL;
    struct ftp_sess *x = &srv->sess[srv->free_idx[--srv->nb_free]];
    uint32_t gen = x->gen + 1;
    uint32_t idx = x->idx;
    /* A free session's timer is never pending (sess_free cancels it); if it
     * is, the wheel must forget it before the memset (counted free_armed). */
    lr_timer_assert_idle(&srv->w->timers, &x->timer);
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

static void sess_free(struct lr_worker *w, struct ftp_sess *x)
{
    struct lr_ftp_server *srv = x->srv;
    if (!x->in_use)
        return;
    lr_ftp_xfer_reset(w, x);
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
        int n = lr_stream_send(w, x->ctrl, x->out + x->out_off, x->out_len - x->out_off);
        if (n <= 0)
            break;
        x->out_off += (uint32_t)n;
    }
    if (x->out_off == x->out_len)
        x->out_off = x->out_len = 0;
    if (x->ctrl_closing && x->out_len == 0 && !x->xfer_on) {
        struct lr_tcp_conn *c = x->ctrl;
        lr_stream_close(w, c);
    }
}

/* An output descriptor over the free tail of the reply buffer. */
void lr_ftp_out_open(struct ftp_sess *x, struct lr_ftp_out *o)
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

void lr_ftp_out_close(struct lr_worker *w, struct ftp_sess *x, struct lr_ftp_out *o)
{
    x->out_len += (uint32_t)o->len;
    if (o->overflow) {
        /* The peer does not read its replies: give up on it. */
        x->ctrl_closing = true;
    }
    ctrl_flush(w, x);
}

/* Send what a session call wrote, then run the actions it asked for. A
 * DELAY among them holds this call's replies back too (lr_ftp_session.h):
 * the 530 of a failed login leaves only once the failure delay ran. */
static void ftp_out_run(struct lr_worker *w, struct ftp_sess *x, struct lr_ftp_out *o,
                        struct lr_ftp_actions *acts)
{
    for (unsigned i = 0; i < acts->n; i++) {
        if (acts->a[i].type == LR_FTP_ACT_DELAY) {
            x->delaying = true;
            x->delay_until = w->now + acts->a[i].delay_us;
            break;
        }
    }
    lr_ftp_out_close(w, x, o);
    run_actions(w, x, acts);
}

/* --- control connection -------------------------------------------------- */

static void handle_line(struct lr_worker *w, struct ftp_sess *x, enum lr_ftp_line_status st)
{
    struct lr_ftp_out o;
    struct lr_ftp_actions acts;
    lr_ftp_out_open(x, &o);
    lr_ftp_session_line(&x->s, w->now, st, x->lb.buf, x->lb.len, &o, &acts);
    ftp_out_run(w, x, &o, &acts);
}

static bool sess_blocked(const struct ftp_sess *x)
{
    /* While an upload's COMMIT/DISCARD runs, its result is not known yet:
     * ABOR and the rest wait for the reply (RFC 959 §4.1.3 ABOR: a
     * completed transfer is answered 226, not undone). */
    return x->delaying || x->ctrl_closing || x->finishing || lr_ftp_session_busy(&x->s);
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
                lr_ftp_out_open(x, &o);
                lr_ftp_reply(&o, 421, "Too many pipelined commands.");
                x->ctrl_closing = true;
                lr_ftp_out_close(w, x, &o);
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
        if (x->tls_cut) {
            /* AUTH TLS was the last plaintext command: what followed it in
             * the same read is discarded, never run as if it had come over
             * TLS (RFC 4217 §4, CVE-2011-0411 command injection). */
            x->srv->stats.tls_plaintext_discarded += len;
            return;
        }
    }
}

void lr_ftp_drain_stash(struct lr_worker *w, struct ftp_sess *x)
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
    lr_ftp_out_open(x, &o);
    lr_ftp_session_init(&x->s, &srv->scfg, &srv->stats, w->now, raddr, &o);
    lr_ftp_out_close(w, x, &o);
    lr_ftp_sess_rearm(w, x);
    return 0;
}

static void ctrl_data(struct lr_worker *w, struct lr_tcp_conn *c, struct rte_mbuf *m)
{
    struct ftp_sess *x = lr_stream_ctx_get(c);
    for (struct rte_mbuf *s = m; s != NULL && x->in_use; s = s->next) {
        if (x->tls_cut)
            x->srv->stats.tls_plaintext_discarded += s->data_len;
        else
            feed_ctrl(w, x, rte_pktmbuf_mtod(s, const uint8_t *), s->data_len);
    }
    rte_pktmbuf_free(m);
    if (x->in_use)
        lr_ftp_sess_rearm(w, x);
}

static void ctrl_writable(struct lr_worker *w, struct lr_tcp_conn *c)
{
    ctrl_flush(w, lr_stream_ctx_get(c));
}

/* The control connection's TLS handshake (after AUTH TLS) completed:
 * commands are read again, now decrypted; replies queued meanwhile go. */
static void ctrl_tls_up(struct lr_worker *w, struct lr_tcp_conn *c)
{
    struct ftp_sess *x = lr_stream_ctx_get(c);
    x->tls_cut = false;
    ctrl_flush(w, x);
    if (x->in_use)
        lr_ftp_sess_rearm(w, x);
}

static void ctrl_peer_closed(struct lr_worker *w, struct lr_tcp_conn *c)
{
    struct ftp_sess *x = lr_stream_ctx_get(c);
    /* The client is gone: stop any transfer (its data connection is
     * aborted, an upload's temporary file removed) and close our side. */
    if (x->xfer_on)
        x->srv->stats.data_orphaned++;
    lr_ftp_xfer_reset(w, x);
    x->ctrl_closing = true;
    x->delaying = false;
    ctrl_flush(w, x);
    lr_stream_close(w, c);
}

static void ctrl_closed(struct lr_worker *w, struct lr_tcp_conn *c, enum lr_tcp_close_reason r)
{
    struct ftp_sess *x = lr_stream_ctx_get(c);
    (void)r;
    x->ctrl = NULL;
    /* Reset or timed out: the data connection must not outlive it. */
    if (x->xfer_on)
        x->srv->stats.data_orphaned++;
    sess_free(w, x);
}

static const struct lr_tcp_listen_ops ctrl_ops = {
    .accept = ctrl_accept,
    .conn = { .connected = ctrl_tls_up, /* TLS streams only (lr_tls_server_start) */
              .data = ctrl_data,
              .writable = ctrl_writable,
              .peer_closed = ctrl_peer_closed,
              .closed = ctrl_closed },
};

/* --- session results back into the session --------------------------------- */

void lr_ftp_xfer_done(struct lr_worker *w, struct ftp_sess *x, enum lr_ftp_xfer_result r)
{
    struct lr_ftp_out o;
    struct lr_ftp_actions acts;
    lr_ftp_xfer_reset(w, x);
    lr_ftp_out_open(x, &o);
    lr_ftp_session_transfer_done(&x->s, w->now, r, &o, &acts);
    ftp_out_run(w, x, &o, &acts);
    if (x->in_use) {
        ctrl_flush(w, x);
        lr_ftp_drain_stash(w, x);
        lr_ftp_sess_rearm(w, x);
    }
}

/* --- actions ------------------------------------------------------------- */

static void do_fs(struct lr_worker *w, struct ftp_sess *x, const struct lr_ftp_action *a)
{
    static const uint8_t ops[] = { [LR_FTP_FS_DELE] = LR_FTP_IO_DELE,
                                   [LR_FTP_FS_MKD] = LR_FTP_IO_MKD,
                                   [LR_FTP_FS_RMD] = LR_FTP_IO_RMD,
                                   [LR_FTP_FS_RENAME] = LR_FTP_IO_RENAME,
                                   [LR_FTP_FS_ASCII_SIZE] = LR_FTP_IO_ASCII_SIZE };
    struct lr_ftp_io_msg *m = lr_ftp_sess_io_alloc(x);
    if (m == NULL) {
        struct lr_ftp_out o;
        lr_ftp_out_open(x, &o);
        lr_ftp_session_fs_done(&x->s, w->now, -EBUSY, &o);
        lr_ftp_out_close(w, x, &o);
        return;
    }
    m->op = ops[a->fsop];
    snprintf(m->path, sizeof(m->path), "%s", a->path);
    snprintf(m->path2, sizeof(m->path2), "%s", a->path2);
    lr_ftp_sess_io_submit(x, m);
}

void lr_ftp_login_result(struct lr_worker *w, struct ftp_sess *x, bool ok)
{
    struct lr_ftp_out o;
    struct lr_ftp_actions acts;
    lr_ftp_out_open(x, &o);
    lr_ftp_session_login_result(&x->s, w->now, ok, &o, &acts);
    ftp_out_run(w, x, &o, &acts);
    if (x->in_use)
        lr_ftp_drain_stash(w, x);
}

/* Password check on the I/O thread; inline only when its pool is empty. */
static void do_verify(struct lr_worker *w, struct ftp_sess *x, const struct lr_ftp_action *a)
{
    struct lr_ftp_io_msg *m = lr_ftp_sess_io_alloc(x);
    if (m == NULL) {
        bool ok = lr_ftp_users_verify(&lr_ftp_g.users, a->path, strlen(a->path), a->path2,
                                      strlen(a->path2));
        lr_ftp_login_result(w, x, ok);
        return;
    }
    m->op = LR_FTP_IO_VERIFY;
    snprintf(m->path, sizeof(m->path), "%s", a->path);
    snprintf(m->path2, sizeof(m->path2), "%s", a->path2);
    lr_ftp_sess_io_submit(x, m);
}

/*
 * AUTH TLS answered 234 (RFC 4217 §4): the control connection becomes a
 * TLS server stream from the client's next byte on. The 234 went out in
 * plaintext already (ftp_out_run flushes before the actions); anything the
 * client sent after the AUTH line — the rest of this read, the line
 * assembler, the stash — is discarded and counted (feed_ctrl and ctrl_data
 * go on discarding until the handshake completes).
 */
static void ctrl_start_tls(struct lr_worker *w, struct ftp_sess *x)
{
    struct lr_ftp_server *srv = x->srv;
    x->tls_cut = true;
    /* The line assembler holds the AUTH line itself (just handled): only
     * the stash is input not yet looked at. */
    srv->stats.tls_plaintext_discarded += x->stash_len;
    x->stash_len = 0;
    lr_ftp_line_init(&x->lb);
    int rc = x->out_len == 0 ? lr_tls_server_start(w, x->ctrl, &ctrl_ops.conn) : -ENOBUFS;
    if (rc < 0) {
        /* The client starts its handshake now: without TLS it cannot go on
         * (the 234 not sent in full, or no session/handshake slot). */
        LR_LOG(DEBUG, ftp, "AUTH TLS: cannot start TLS: %s", strerror(-rc));
        srv->stats.tls_start_failed++;
        x->ctrl_closing = true;
        x->out_len = x->out_off = 0;
        ctrl_flush(w, x);
    }
}

static void run_actions(struct lr_worker *w, struct ftp_sess *x, struct lr_ftp_actions *acts)
{
    for (unsigned i = 0; i < acts->n && x->in_use; i++) {
        const struct lr_ftp_action *a = &acts->a[i];
        switch (a->type) {
        case LR_FTP_ACT_DATA_CLOSE:
            if (!x->xfer_on)
                lr_ftp_data_drop(w, x);
            break;
        case LR_FTP_ACT_PASV_OPEN: {
            uint16_t port = lr_ftp_pasv_open(w, x);
            rte_be32_t addr =
                lr_ftp_conf(w->cfg)->pasv_address ? lr_ftp_conf(w->cfg)->pasv_address : x->laddr;
            struct lr_ftp_out o;
            lr_ftp_out_open(x, &o);
            lr_ftp_session_pasv_opened(&x->s, w->now, port ? 0 : -EADDRINUSE, addr,
                                       rte_cpu_to_be_16(port), &o);
            lr_ftp_out_close(w, x, &o);
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
                uint16_t sport =
                    lr_ftp_conf(w->cfg)->active_from_port_20 && w->nb_workers == 1 ? 20 : 0;
                /* PROT P: data_connected() makes it a TLS server stream
                 * (RFC 4217 §9: the FTP server is the TLS server on data
                 * connections whichever side opened them). */
                struct lr_tcp_conn *c =
                    lr_tcp_connect(w, a->peer.addr, rte_be_to_cpu_16(a->peer.port), x->laddr, sport,
                                   &lr_ftp_data_conn_ops, x);
                if (c == NULL) {
                    lr_ftp_xfer_done(w, x, LR_FTP_XFER_NO_CONN);
                    break;
                }
                x->data = c;
            } else {
                lr_ftp_xfer_begin(w, x);
            }
            lr_ftp_sess_rearm(w, x);
            break;
        case LR_FTP_ACT_ABORT:
            lr_ftp_xfer_reset(w, x);
            break;
        case LR_FTP_ACT_FS:
            do_fs(w, x, a);
            break;
        case LR_FTP_ACT_DELAY:
            /* ftp_out_run() set delaying/delay_until before the flush. */
            lr_ftp_sess_rearm(w, x);
            break;
        case LR_FTP_ACT_CLOSE:
            x->ctrl_closing = true;
            ctrl_flush(w, x);
            break;
        case LR_FTP_ACT_VERIFY:
            do_verify(w, x, a);
            break;
        case LR_FTP_ACT_TLS_START:
            ctrl_start_tls(w, x);
            break;
        }
    }
}

/* --- timers ------------------------------------------------------------- */

/*
 * A running transfer that moves no byte for [ftp] idle_timeout is stalled:
 * a client gone with its RST lost (nothing of ours is unacknowledged on an
 * upload, so TCP never times out), or a peer holding the data connection
 * open without sending or reading. The session's idle timer does not run
 * during a transfer, so without this a stalled upload kept its session, both
 * connections and its file open for good. Checked once per idle_timeout:
 * aborted after between one and two of them.
 */
static bool xfer_stalled(struct lr_worker *w, struct ftp_sess *x)
{
    uint64_t idle = x->srv->scfg.idle_timeout;
    uint64_t mark = x->received + x->pos + x->list_idx + x->rd_off;
    if (idle == 0 || !x->xfer_on || !x->xfer_started)
        return false;
    if (mark != x->stall_mark) {
        x->stall_mark = mark;
        x->stall_since = w->now;
        return false;
    }
    return w->now - x->stall_since >= idle;
}

static void sess_timer(struct lr_worker *w, struct lr_timer *t)
{
    struct ftp_sess *x = container_of(t, struct ftp_sess, timer);
    if (!x->in_use)
        return;
    if (x->delaying && w->now >= x->delay_until) {
        x->delaying = false;
        ctrl_flush(w, x);
        lr_ftp_drain_stash(w, x);
    }
    if (x->retry_at != 0 && w->now >= x->retry_at) {
        x->retry_at = 0;
        if (x->xfer_on && x->xfer_started) {
            if (x->xfer.xfer == LR_FTP_XFER_STOR || x->xfer.xfer == LR_FTP_XFER_APPE) {
                if (!x->file_open && !x->io_busy && !x->finishing)
                    lr_ftp_stor_begin(w, x);
            } else if (x->from_disk && x->rd == NULL && !x->io_busy) {
                lr_ftp_disk_request(w, x);
            } else {
                lr_ftp_xfer_pump(w, x);
            }
        }
    }
    if (x->stall_since + x->srv->scfg.idle_timeout <= w->now && xfer_stalled(w, x)) {
        x->srv->stats.data_stalled++;
        lr_ftp_xfer_done(w, x, LR_FTP_XFER_CONN_LOST); /* 426, data connection reset */
        if (!x->in_use)
            return;
    }
    if (x->xfer_on && !x->xfer_started && x->data == NULL && w->now >= x->data_deadline) {
        lr_ftp_xfer_done(w, x, LR_FTP_XFER_NO_CONN);
        if (!x->in_use)
            return;
    }
    struct lr_ftp_out o;
    struct lr_ftp_actions acts;
    if (!x->delaying) {
        lr_ftp_out_open(x, &o);
        lr_ftp_session_tick(&x->s, w->now, &o, &acts);
        ftp_out_run(w, x, &o, &acts);
    }
    if (x->in_use)
        lr_ftp_sess_rearm(w, x);
}

void lr_ftp_sess_rearm(struct lr_worker *w, struct ftp_sess *x)
{
    uint64_t next = lr_ftp_session_deadline(&x->s);
    if (x->delaying && x->delay_until < next)
        next = x->delay_until;
    if (x->retry_at != 0 && x->retry_at < next)
        next = x->retry_at;
    if (x->xfer_on && !x->xfer_started && x->data_deadline < next)
        next = x->data_deadline;
    if (x->xfer_on && x->xfer_started && x->srv->scfg.idle_timeout != 0 &&
        x->stall_since + x->srv->scfg.idle_timeout < next)
        next = x->stall_since + x->srv->scfg.idle_timeout;
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
    const struct lr_ftp_config *f = lr_ftp_conf(cfg);
    memset(&lr_ftp_g, 0, sizeof(lr_ftp_g));
    lr_ftp_users_init(&lr_ftp_g.users);
    if (!f->enabled)
        return 0;
    if (fc == NULL) {
        snprintf(err, errlen, "[ftp] root: no file cache");
        return -EINVAL;
    }
    lr_ftp_g.fc = fc;
    if (f->users[0] != '\0') {
        int rc = lr_ftp_users_load(&lr_ftp_g.users, f->users, err, errlen);
        if (rc != 0)
            return rc;
    }
    struct lr_ftp_session_cfg sc;
    if (lr_ftp_session_cfg_from(&sc, f) != 0) {
        snprintf(err, errlen, "[ftp] upload_dir: '%s' is not a directory path under the root",
                 f->upload_dir);
        lr_ftp_users_free(&lr_ftp_g.users);
        return -EINVAL;
    }
    snprintf(lr_ftp_g.upload_vdir, sizeof(lr_ftp_g.upload_vdir), "%s", sc.upload_dir);
    /* The I/O thread serves the upload directory and checks passwords;
     * without either, everything comes from the cache. */
    if (lr_ftp_g.upload_vdir[0] != '\0' || lr_ftp_g.users.count > 0) {
        lr_ftp_g.io = lr_ftp_io_start(f->root, lr_ftp_g.upload_vdir, &lr_ftp_g.users, nb_workers,
                                      LR_FTP_IO_BUFS, SOCKET_ID_ANY);
        if (lr_ftp_g.io == NULL) {
            snprintf(err, errlen, "[ftp] cannot start the disk I/O thread: %s",
                     rte_strerror(rte_errno));
            lr_ftp_users_free(&lr_ftp_g.users);
            return -rte_errno;
        }
        bool d;
        uint64_t sz;
        int64_t mt;
        if (lr_ftp_g.upload_vdir[0] != '\0' &&
            (lr_ftp_io_stat(lr_ftp_g.io, lr_ftp_g.upload_vdir, &d, &sz, &mt) != 0 || !d)) {
            snprintf(err, errlen, "[ftp] upload_dir: %s%s is not a directory", f->root,
                     lr_ftp_g.upload_vdir);
            lr_ftp_io_stop(lr_ftp_g.io);
            lr_ftp_g.io = NULL;
            lr_ftp_users_free(&lr_ftp_g.users);
            return -ENOTDIR;
        }
    }
    /* Temporary uploads left by a crash never got their 226: remove them. */
    snprintf(lr_ftp_g.root, sizeof(lr_ftp_g.root), "%s", f->root);
    int n = lr_ftp_io_sweep(lr_ftp_g.root, lr_ftp_g.upload_vdir);
    if (n > 0) {
        lr_ftp_g.stale_removed = (uint32_t)n;
        LR_LOG(NOTICE, ftp, "removed %d stale temporary upload(s) from %s%s", n, f->root,
               lr_ftp_g.upload_vdir);
    }
    lr_ftp_g.up = true;
    return 0;
}

void lr_ftp_server_global_free(void)
{
    lr_ftp_io_stop(lr_ftp_g.io);
    /* Workers and the I/O thread are stopped: an upload still running (or
     * whose COMMIT was never processed) was not answered with 226. */
    if (lr_ftp_g.up) {
        int n = lr_ftp_io_sweep(lr_ftp_g.root, lr_ftp_g.upload_vdir);
        if (n > 0)
            LR_LOG(NOTICE, ftp, "removed %d unfinished temporary upload(s) at stop", n);
    }
    lr_ftp_users_free(&lr_ftp_g.users);
    memset(&lr_ftp_g, 0, sizeof(lr_ftp_g));
}

int lr_ftp_server_init(struct lr_worker *w)
{
    const struct lr_ftp_config *f = lr_ftp_conf(w->cfg);
    if (!f->enabled || !lr_ftp_g.up)
        return 0;
    if (lr_worker_slot(&lr_ftp_slot) == 0)
        return -ENOSPC;
    int sock = (int)w->socket;
    struct lr_ftp_server *srv = rte_zmalloc_socket("lr_ftp_server", sizeof(*srv), 0, sock);
    if (srv == NULL)
        return -ENOMEM;
    srv->w = w;
    srv->fc = lr_ftp_g.fc;
    srv->io = lr_ftp_g.io;
    lr_ftp_session_cfg_from(&srv->scfg, f);
    srv->scfg.users = &lr_ftp_g.users;
    srv->scfg.fs = &ftp_fs_ops;
    srv->scfg.fs_ctx = srv;
    srv->scfg.async_verify = srv->io != NULL;
    /* FTPS needs this worker's TLS server context (the tls module made it
     * when the ftp module's global_init asked, lr_ftp_module.c). */
    const struct lr_tls_worker *tw = lr_tls_worker(w);
    if (tw == NULL || tw->server == NULL)
        srv->scfg.tls = LR_FTP_TLS_OFF;
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
    w->slot[lr_ftp_slot] = srv;
    int rc = lr_tcp_listen(w, f->listen, &ctrl_ops, srv, NULL);
    if (rc != 0) {
        lr_ftp_server_free(w);
        return rc;
    }
    srv->listen_port = f->listen;
    srv->listening = true;
    return 0;
}

void lr_ftp_server_shutdown(struct lr_worker *w)
{
    struct lr_ftp_server *srv = lr_ftp_server_of(w);
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
        lr_ftp_xfer_reset(w, x);
        if (x->ctrl != NULL) {
            struct lr_tcp_conn *c = x->ctrl;
            x->ctrl = NULL;
            lr_stream_abort(w, c);
        }
        sess_free(w, x);
    }
}

void lr_ftp_server_free(struct lr_worker *w)
{
    struct lr_ftp_server *srv = lr_ftp_server_of(w);
    if (srv == NULL)
        return;
    rte_free(srv->sess);
    rte_free(srv->free_idx);
    rte_free(srv->pasv);
    rte_free(srv);
    w->slot[lr_ftp_slot] = NULL;
}
