/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The FTP protocol state machine of one control connection (RFC 959, RFC
 * 2428, RFC 3659, RFC 2577). Pure: parsed command lines and explicit time
 * in; reply text and requested actions out. No sockets, no clock, no heap.
 *
 * Division of work with the glue (lr_ftp_server.c):
 *  - The glue assembles lines (lr_ftp_line_feed) and calls
 *    lr_ftp_session_line() for each; it sends whatever the session appended
 *    to the reply buffer, then carries out the actions in order.
 *  - Some actions are asynchronous and the session waits for their result
 *    before it may take the next command (lr_ftp_session_busy()):
 *      PASV_OPEN -> lr_ftp_session_pasv_opened()  (writes the 227/229 reply)
 *      FS        -> lr_ftp_session_fs_done()      (DELE/MKD/RMD/RNTO reply)
 *      VERIFY    -> lr_ftp_session_login_result() (password check off the
 *                   worker: SHA-512 crypt costs milliseconds)
 *    and a TRANSFER ends with lr_ftp_session_transfer_done() (226/426/...).
 *  - DELAY asks the glue to hold the replies of this call back for the
 *    given time (failed logins, RFC 2577 §5) and to read no further command
 *    meanwhile; CLOSE to close the control connection once they are sent.
 *  - The file-system view is a small interface (struct lr_ftp_fs_ops): the
 *    glue answers from the start-time file cache and from its view of the
 *    upload directory; tests answer from a table.
 *
 * Paths are virtual ("/dir/file"), resolved against the session's cwd with
 * lr_path_resolve(): never above the root (550). The upload directory is a
 * virtual path too (e.g. "/upload"); writes (STOR, APPE, DELE, MKD, RMD,
 * RNFR/RNTO) are allowed only strictly below it and only for authenticated,
 * non-anonymous users.
 *
 * Documented choices:
 *  - SIZE in ASCII mode answers the size as transferred (RFC 3659 §4: LF ->
 *    CRLF counted): fs->ascii_size() answers from the file cache (counted
 *    once per file) or says -EAGAIN, and then the glue counts it off the
 *    worker (FS action LR_FTP_FS_ASCII_SIZE, lr_ftp_session_size_done()).
 *  - ".." at the root is the root: CWD .., CWD /.., CWD ../.. and CDUP at
 *    "/" answer 250 and stay there (Unix "/.."); a path that climbs above
 *    the root and then names something (CWD ../etc) is refused with 550.
 *  - REST in ASCII mode is an offset into the stored (unconverted) file.
 *  - REST is reset by any command other than RETR/STOR (RFC 3659 §5.3: it
 *    must be the last command before the transfer command).
 *  - Each PASV/EPSV/PORT/EPRT serves one transfer, as with classic servers.
 *  - After EPSV ALL, PASV/PORT/EPRT are refused with 503 (RFC 2428 §4).
 *  - PORT/EPRT must name the control connection's client address and a
 *    port >= 1024 (RFC 2577 §3, bounce protection): otherwise 500.
 *
 * Explicit FTPS (RFC 4217; the handlers are in lr_ftp_session_tls.c):
 *  - AUTH TLS (also TLS-C, SSL, TLS-P, case-insensitive) answers 234 and
 *    asks TLS_START; the session counts the control connection as TLS from
 *    then on (tls_ctrl). SSL and TLS-P are names of the drafts before RFC
 *    4217 that also protected data connections: they set PROT P at once,
 *    as vsftpd and Apache FtpServer do. AUTH with another mechanism is 504,
 *    with [ftp] tls = off 502 (RFC 2228 §3), on a TLS connection 503 (no TLS
 *    inside TLS), during a transfer 503 like PBSZ and PROT (the 226 must
 *    come on the channel the 150 came on).
 *  - An accepted AUTH after USER or a login resets the login (RFC 2228 §3:
 *    the server must require the user to reauthorize), the cwd and any data
 *    connection set up in plaintext, as well as PBSZ/PROT, REST and RNFR.
 *  - PBSZ n (decimal, below 2^32) needs AUTH first (503) and answers
 *    "200 PBSZ=0": TLS is a stream protection (RFC 4217 §9).
 *  - PROT needs PBSZ (503); C and P are the levels TLS has (RFC 4217 §9),
 *    S and E answer 536, other letters 504, anything else 501.
 *  - CCC is always refused: 533 on a plaintext connection (RFC 2228 §3, the
 *    command was not protected), 534 on TLS (policy, RFC 4217 §5): clearing
 *    the control connection would let anyone on the path rewrite commands.
 *  - tls = require: USER/PASS before AUTH answer 530 (RFC 4217 §4.2), for
 *    anonymous users too; PROT C is refused with 534 and a transfer command
 *    without PROT P with 521 "data connection cannot be opened with this
 *    PROT setting" (RFC 4217 §10.2). FEAT, SYST, HELP, NOOP, OPTS and QUIT
 *    stay open before AUTH so that a client can find out.
 *  - REIN is not implemented (502), so no TLS state has to survive it.
 */
#ifndef LR_FTP_SESSION_H
#define LR_FTP_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_byteorder.h>

#include "lr_config.h"
#include "lr_ftp_config.h"
#include "lr_ftp_list.h"
#include "lr_ftp_parser.h"
#include "lr_ftp_users.h"

/* Per-worker FTP counters; the session counts logins, commands and
 * transfers, the glue counts sessions and bytes. */
struct lr_ftp_stats {
    uint64_t sessions_active; /* gauge */
    uint64_t sessions_total;
    uint64_t sessions_refused; /* pool full */
    uint64_t logins_ok;
    uint64_t logins_failed;
    uint64_t commands;
    uint64_t commands_bad; /* 500 syntax errors and over-long lines */
    uint64_t transfers_ok;
    uint64_t transfers_aborted;
    uint64_t transfers_failed;
    uint64_t bytes_up;   /* received on data connections (STOR/APPE) */
    uint64_t bytes_down; /* sent on data connections (RETR, listings) */
    /* Atomic uploads (lr_ftp_io.h): the glue counts how each one ended. */
    uint64_t uploads_committed;   /* temporary file renamed into place (226) */
    uint64_t uploads_discarded;   /* temporary file removed: 552, 426, ABOR, resets, errors */
    uint64_t uploads_too_big;     /* stopped at max_upload_bytes (552) */
    uint64_t upload_io_errors;    /* a write, rename or unlink of an upload failed (451) */
    uint64_t data_orphaned;       /* data connection aborted: its control connection went away */
    uint64_t data_stalled;        /* transfer aborted: no byte moved for idle_timeout */
    uint64_t stale_temps_removed; /* temporary uploads of an earlier run removed at start */
    /* Explicit FTPS (RFC 4217). */
    uint64_t tls_auth;                /* AUTH accepted (234 + TLS_START) */
    uint64_t tls_refused;             /* 5xx to AUTH/PBSZ/PROT/CCC; 530/521 of tls = require */
    uint64_t tls_plaintext_discarded; /* bytes after the AUTH line, dropped (the glue counts) */
    uint64_t tls_start_failed; /* TLS could not start on a connection (glue: no slot/session) */
};

/** Add @src into @dst (the lead's summing over workers). */
void lr_ftp_stats_add(struct lr_ftp_stats *dst, const struct lr_ftp_stats *src);

/* What stat() reports about a virtual path. */
struct lr_ftp_stat {
    bool is_dir;
    uint64_t size;
    int64_t mtime; /* seconds since the epoch */
};

/* Callback of lr_ftp_fs_ops.list: 0 to go on, non-zero to stop. */
typedef int (*lr_ftp_list_fn)(void *arg, const struct lr_ftp_entry *e);

/* The file-system view of a session (synchronous, non-blocking). */
struct lr_ftp_fs_ops {
    /** Describe @vpath: 0 or -ENOENT. */
    int (*stat)(void *ctx, const char *vpath, struct lr_ftp_stat *st);
    /** Call @fn for every entry of directory @vpath: 0, -ENOENT or -ENOTDIR. */
    int (*list)(void *ctx, const char *vpath, lr_ftp_list_fn fn, void *arg);
    /** Size of file @vpath in ASCII mode (LF -> CRLF): 0, -ENOENT, or
     *  -EAGAIN when it must be counted off the worker (FS ASCII_SIZE). May be NULL. */
    int (*ascii_size)(void *ctx, const char *vpath, uint64_t *size);
};

/* Static configuration of sessions, shared by all sessions of a worker. */
struct lr_ftp_session_cfg {
    bool anonymous;                   /* USER anonymous/ftp with any password, read-only */
    char upload_dir[LR_PATH_MAX];     /* normalised virtual path, "" = no uploads */
    uint64_t max_upload_bytes;        /* largest file STOR/APPE may produce */
    uint64_t idle_timeout;            /* us, 0 = none */
    uint64_t login_fail_delay;        /* us before a 530 after a bad password */
    uint32_t max_login_failures;      /* close (421) after this many */
    const struct lr_ftp_users *users; /* may be NULL: no configured users */
    const struct lr_ftp_fs_ops *fs;
    void *fs_ctx;
    int64_t wall_offset_s;    /* wall clock (s) = wall_offset_s + now / 1e6: listing dates */
    bool async_verify;        /* passwords checked by the glue (ACT_VERIFY), not inline */
    enum lr_ftp_tls_mode tls; /* [ftp] tls; the glue sets OFF without a TLS server */
};

/**
 * Fill @sc from the [ftp] section: anonymous, upload_dir (normalised to a
 * virtual path), max_upload_bytes, idle_timeout; a 1 s login-failure delay,
 * 3 failures, tls. @users and @fs are set by the caller.
 * @return 0 or -EINVAL when upload_dir is not a valid path under the root.
 */
int lr_ftp_session_cfg_from(struct lr_ftp_session_cfg *sc, const struct lr_ftp_config *fc);

/* Kinds of data transfer. */
enum lr_ftp_xfer {
    LR_FTP_XFER_RETR = 0, /* send a file */
    LR_FTP_XFER_LIST,     /* send a listing (directory or one file) in act.style */
    LR_FTP_XFER_STOR,     /* receive into a file (truncate at act.offset) */
    LR_FTP_XFER_APPE,     /* receive, appending */
};

/* File-system operations in the upload directory. */
enum lr_ftp_fsop {
    LR_FTP_FS_DELE = 0,
    LR_FTP_FS_MKD,
    LR_FTP_FS_RMD,
    LR_FTP_FS_RENAME,     /* path -> path2 */
    LR_FTP_FS_ASCII_SIZE, /* count the ASCII size of path: lr_ftp_session_size_done() */
};

enum lr_ftp_act_type {
    LR_FTP_ACT_DATA_CLOSE = 1, /* drop the data listener/connection set up before */
    LR_FTP_ACT_PASV_OPEN,      /* open a passive listener, then lr_ftp_session_pasv_opened() */
    LR_FTP_ACT_TRANSFER,       /* run a transfer, then lr_ftp_session_transfer_done() */
    LR_FTP_ACT_ABORT,          /* abort the running transfer; no transfer_done() follows */
    LR_FTP_ACT_FS,             /* run act.fsop, then lr_ftp_session_fs_done() */
    LR_FTP_ACT_DELAY,          /* hold this call's replies for act.delay_us */
    LR_FTP_ACT_CLOSE,          /* close the control connection after the replies */
    LR_FTP_ACT_VERIFY,         /* check password path2 of user path, then
                                  lr_ftp_session_login_result() (cfg async_verify) */
    LR_FTP_ACT_TLS_START,      /* AUTH TLS: send this call's replies (the 234) in
                                  plaintext, discard every byte received after the
                                  AUTH line, then make the control connection TLS */
};

struct lr_ftp_action {
    enum lr_ftp_act_type type;
    bool extended;  /* PASV_OPEN: EPSV (229) rather than PASV (227) */
    bool active;    /* TRANSFER: connect to act.peer (PORT/EPRT), else use the listener */
    bool noreplace; /* TRANSFER STOR (STOU): the file must not exist when it is committed */
    enum lr_ftp_xfer xfer;
    enum lr_ftp_type type_mode; /* TRANSFER: ASCII converts LF -> CRLF (RETR) / CRLF -> LF (STOR) */
    enum lr_ftp_list_style style; /* TRANSFER LIST */
    enum lr_ftp_fsop fsop;
    struct lr_ftp_hostport peer; /* TRANSFER with active */
    uint64_t offset;             /* RETR: first byte (REST); STOR: truncate at, then write */
    uint64_t size;               /* RETR: file size at the time of the command */
    uint64_t limit;              /* STOR/APPE: the file may not grow beyond (552) */
    uint64_t delay_us;           /* DELAY */
    char path[LR_PATH_MAX];      /* virtual path (TRANSFER, FS) */
    char path2[LR_PATH_MAX];     /* FS RENAME target */
};

#define LR_FTP_ACTIONS_MAX 4
struct lr_ftp_actions {
    unsigned n;
    struct lr_ftp_action a[LR_FTP_ACTIONS_MAX];
};

/* How a transfer ended (argument of lr_ftp_session_transfer_done). */
enum lr_ftp_xfer_result {
    LR_FTP_XFER_OK = 0,      /* 226 */
    LR_FTP_XFER_NO_CONN,     /* data connection could not be opened: 425 */
    LR_FTP_XFER_CONN_LOST,   /* data connection reset/lost: 426 */
    LR_FTP_XFER_LOCAL_ERROR, /* I/O error on our side: 451 */
    LR_FTP_XFER_TOO_BIG,     /* upload beyond max_upload_bytes: 552 */
    LR_FTP_XFER_NOT_FOUND,   /* file vanished / cannot be opened: 550 */
};

enum lr_ftp_login_state {
    LR_FTP_LOGIN_NONE = 0, /* need USER */
    LR_FTP_LOGIN_PASS,     /* got USER, need PASS */
    LR_FTP_LOGIN_OK,
};

enum lr_ftp_data_mode {
    LR_FTP_DATA_NONE = 0,
    LR_FTP_DATA_PASV, /* a passive listener is open (or being opened) */
    LR_FTP_DATA_ACTIVE,
};

struct lr_ftp_session {
    const struct lr_ftp_session_cfg *cfg;
    struct lr_ftp_stats *stats;
    rte_be32_t client_addr; /* control connection peer */
    uint64_t last_active;   /* us */

    enum lr_ftp_login_state login;
    bool anonymous;
    uint8_t failures;
    char user[LR_FTP_USER_NAME_MAX + 1];

    enum lr_ftp_type type;
    enum lr_ftp_data_mode data;
    struct lr_ftp_hostport peer; /* DATA_ACTIVE */
    bool epsv_all;
    bool pasv_pending; /* waiting for lr_ftp_session_pasv_opened() */
    bool pasv_extended;
    bool fs_pending;     /* waiting for lr_ftp_session_fs_done() */
    bool verify_pending; /* waiting for lr_ftp_session_login_result() */
    enum lr_ftp_fsop fs_op;
    bool transfer; /* a transfer is running (150 sent) */
    enum lr_ftp_xfer xfer;
    bool quit_after; /* QUIT during a transfer: 221 and close after it */
    bool closed;     /* CLOSE was requested: no more input */
    bool rest_set;
    bool rnfr_set;
    uint64_t rest;
    uint64_t delay_until; /* DELAY requested until (us), informative */
    bool tls_ctrl;        /* AUTH accepted: the control connection is (becoming) TLS */
    bool pbsz_done;       /* PBSZ accepted on the TLS connection: PROT may follow */
    bool prot_private;    /* PROT P: data connections must be TLS */

    char cwd[LR_PATH_MAX];
    char rnfr[LR_PATH_MAX];
    char fs_path[LR_PATH_MAX]; /* the path of the pending FS op (for its reply) */
};

/**
 * Start a session: writes the 220 greeting into @out.
 * @param client  the control connection's peer address (network order).
 */
void lr_ftp_session_init(struct lr_ftp_session *s, const struct lr_ftp_session_cfg *cfg,
                         struct lr_ftp_stats *stats, uint64_t now, rte_be32_t client,
                         struct lr_ftp_out *out);

/**
 * Handle one event of the line assembler: @st is LR_FTP_LINE_READY with the
 * line in @line/@len, or LR_FTP_LINE_TOO_LONG (answered 500). Replies go to
 * @out, actions to @acts (reset by this call). Must not be called while
 * lr_ftp_session_busy().
 */
void lr_ftp_session_line(struct lr_ftp_session *s, uint64_t now, enum lr_ftp_line_status st,
                         const char *line, size_t len, struct lr_ftp_out *out,
                         struct lr_ftp_actions *acts);

/** Same with an already parsed command. */
void lr_ftp_session_command(struct lr_ftp_session *s, uint64_t now, const struct lr_ftp_cmd *cmd,
                            struct lr_ftp_out *out, struct lr_ftp_actions *acts);

/**
 * The passive listener asked by PASV_OPEN is ready on @addr:@port (@err 0),
 * or could not be opened (@err < 0: 425). Writes the 227/229 reply.
 */
void lr_ftp_session_pasv_opened(struct lr_ftp_session *s, uint64_t now, int err, rte_be32_t addr,
                                rte_be16_t port, struct lr_ftp_out *out);

/**
 * The running transfer ended with @r. Writes 226/425/426/451/550/552 (and
 * 221 + CLOSE when QUIT came during the transfer).
 */
void lr_ftp_session_transfer_done(struct lr_ftp_session *s, uint64_t now, enum lr_ftp_xfer_result r,
                                  struct lr_ftp_out *out, struct lr_ftp_actions *acts);

/**
 * The password check asked by VERIFY finished (@ok: it matched). Writes 230,
 * or 530 with DELAY (and 421 + CLOSE after too many failures) into @acts.
 */
void lr_ftp_session_login_result(struct lr_ftp_session *s, uint64_t now, bool ok,
                                 struct lr_ftp_out *out, struct lr_ftp_actions *acts);

/** The FS action finished: @err 0 or -errno. Writes its reply. */
void lr_ftp_session_fs_done(struct lr_ftp_session *s, uint64_t now, int err,
                            struct lr_ftp_out *out);

/** The ASCII_SIZE action finished: @err 0 with @size, or -errno. Writes 213 or 550. */
void lr_ftp_session_size_done(struct lr_ftp_session *s, uint64_t now, int err, uint64_t size,
                              struct lr_ftp_out *out);

/**
 * Timer check: after [ftp] idle_timeout without a command (and no transfer
 * running) writes 421 and asks CLOSE.
 */
void lr_ftp_session_tick(struct lr_ftp_session *s, uint64_t now, struct lr_ftp_out *out,
                         struct lr_ftp_actions *acts);

/** When lr_ftp_session_tick() should next run (us), UINT64_MAX for never. */
uint64_t lr_ftp_session_deadline(const struct lr_ftp_session *s);

/** True while the session waits for pasv_opened()/fs_done()/login_result() or is closed:
 *  the glue must not feed another command line. */
bool lr_ftp_session_busy(const struct lr_ftp_session *s);

/** True when PROT P is in force: the data connection of a transfer must be TLS. */
bool lr_ftp_session_prot_private(const struct lr_ftp_session *s);

/** True once AUTH was accepted (TLS_START asked): the control connection is TLS. */
bool lr_ftp_session_tls_ctrl(const struct lr_ftp_session *s);

/** True when a non-anonymous user is logged in and @vpath lies strictly
 *  inside the upload directory (listing lines mark such entries writable). */
bool lr_ftp_session_can_write(const struct lr_ftp_session *s, const char *vpath);

#endif /* LR_FTP_SESSION_H */
