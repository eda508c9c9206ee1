/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to the FTP server glue: the session and server structures shared
 * by lr_ftp_server.c (control connections, actions, timers, per-worker
 * lifecycle), lr_ftp_data.c (data connections, transfers, disk I/O
 * completions) and lr_ftp_module.c (counters, global start/stop, the
 * module descriptor).
 * Not part of the installed headers.
 */
#ifndef LR_FTP_SERVER_PRIV_H
#define LR_FTP_SERVER_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "lr_file_cache.h"
#include "lr_ftp_io.h"
#include "lr_ftp_server.h"
#include "lr_ftp_session.h"
#include "lr_tcp.h"
#include "lr_timer.h"
#include "lr_worker.h"
#include "lr_log.h"

LR_LOG_DECLARE(ftp); /* linerate.ftp */

/* The FTP server's w->slot[] (lr_worker_slot), given by lr_ftp_server_init. */
extern unsigned lr_ftp_slot;

static inline struct lr_ftp_server *lr_ftp_server_of(const struct lr_worker *w)
{
    return w->slot[lr_ftp_slot];
}

#define OUT_MAX      16384u      /* control replies waiting to be sent */
#define STASH_MAX    2048u       /* control bytes received while the session is busy */
#define DATA_WAIT_US 30000000ull /* data connection must come within 30 s */
#define RETRY_US     1000ull     /* retry after an mbuf shortage */
#define SEND_CHUNK   16384u      /* bytes per zero-copy segment chain */
#define ASCII_CHUNK  4096u       /* converted bytes per copy-send */

/* Process-wide, set up once on the main lcore and read-only afterwards. */
struct ftp_global {
    bool up;
    const struct lr_file_cache *fc;
    struct lr_ftp_users users;
    struct lr_ftp_io *io;
    char upload_vdir[LR_PATH_MAX];
    char root[LR_PATH_MAX];
    uint32_t stale_removed; /* temporary uploads of an earlier run removed at start */
};
extern struct ftp_global lr_ftp_g;

struct ftp_sess {
    struct lr_ftp_server *srv;
    uint32_t idx;
    uint32_t gen;
    bool in_use;
    bool ctrl_closing;  /* close control once the replies are out */
    bool tls_cut;       /* AUTH TLS taken: discard plaintext until the handshake is done */
    bool data_tls_wait; /* PROT P: the data connection's TLS handshake is not done yet */
    bool delaying;
    bool xfer_on;       /* a TRANSFER action is running */
    bool xfer_started;  /* data connection up, bytes moving */
    bool eof_sent;      /* all data queued, FIN requested */
    bool from_disk;     /* RETR/LIST through the I/O thread */
    bool io_busy;       /* a READ/LIST/WOPEN/WRITE/CLOSE is outstanding */
    bool prev_cr;       /* ASCII conversion state */
    bool peer_done;     /* STOR: client finished sending */
    bool file_open;     /* STOR: the temporary file is open (fd), fin reserved */
    bool finishing;     /* STOR: COMMIT/DISCARD submitted, result pending */
    uint16_t pasv_port; /* host order, 0 = none */
    rte_be32_t laddr;
    int32_t fd;
    enum lr_ftp_xfer_result stor_result;
    struct lr_tcp_conn *ctrl;
    struct lr_tcp_conn *data;
    uint64_t delay_until;
    uint64_t data_deadline;
    uint64_t retry_at;
    uint64_t stall_since; /* transfer: when stall_mark last changed */
    uint64_t stall_mark;  /* transfer: bytes moved, as of stall_since */
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
    uint32_t writes_out;       /* STOR: WRITEs submitted, not completed */
    struct lr_ftp_io_msg *fin; /* STOR: reserved for the COMMIT/DISCARD, so a
                                  temporary file can always be removed */
    char tmp[LR_PATH_MAX];     /* STOR: virtual path of the temporary file */

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
    uint64_t tmp_seq;       /* suffix of the next temporary upload name */
};

/* lr_ftp_server.c */
bool lr_ftp_under_upload(const char *vpath);
void lr_ftp_sess_rearm(struct lr_worker *w, struct ftp_sess *x);
void lr_ftp_out_open(struct ftp_sess *x, struct lr_ftp_out *o);
void lr_ftp_out_close(struct lr_worker *w, struct ftp_sess *x, struct lr_ftp_out *o);
void lr_ftp_drain_stash(struct lr_worker *w, struct ftp_sess *x);
/** The transfer ended with @r: reset it, reply, run what the session asks. */
void lr_ftp_xfer_done(struct lr_worker *w, struct ftp_sess *x, enum lr_ftp_xfer_result r);
void lr_ftp_login_result(struct lr_worker *w, struct ftp_sess *x, bool ok);

/* lr_ftp_data.c */
extern const struct lr_tcp_conn_ops lr_ftp_data_conn_ops;
struct lr_ftp_io_msg *lr_ftp_sess_io_alloc(struct ftp_sess *x);
void lr_ftp_sess_io_submit(struct ftp_sess *x, struct lr_ftp_io_msg *m);
/** Drop the data connection (RST), held data and the passive listener. */
void lr_ftp_data_drop(struct lr_worker *w, struct ftp_sess *x);
/** Forget the running transfer (data connection, buffers, upload file). */
void lr_ftp_xfer_reset(struct lr_worker *w, struct ftp_sess *x);
void lr_ftp_xfer_begin(struct lr_worker *w, struct ftp_sess *x);
void lr_ftp_xfer_pump(struct lr_worker *w, struct ftp_sess *x);
void lr_ftp_stor_begin(struct lr_worker *w, struct ftp_sess *x);
void lr_ftp_disk_request(struct lr_worker *w, struct ftp_sess *x);
/** Listen on a passive port of this worker's share; the port or 0. */
uint16_t lr_ftp_pasv_open(struct lr_worker *w, struct ftp_sess *x);

#endif /* LR_FTP_SERVER_PRIV_H */
