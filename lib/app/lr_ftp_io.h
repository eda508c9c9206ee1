/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * FTP disk I/O off the workers: one plain pthread (not a DPDK lcore) does
 * every blocking file-system call the FTP server needs after start (STOR
 * data, reads of files uploaded after the file cache was loaded, listings
 * of the upload directory, DELE/MKD/RMD/RENAME) and the password checks
 * (SHA-512 crypt costs milliseconds, too long for a poll-mode worker).
 *
 * Each worker talks to the thread through its own pair of SP/SC rte_rings
 * (worker -> thread requests, thread -> worker completions) carrying
 * pointers to fixed-size messages from a per-worker pool allocated at start
 * ([ftp] io_buffers messages of LR_FTP_IO_CHUNK bytes of payload). A worker
 * that finds its pool empty must wait for completions: the FTP server then
 * stops consuming received data so the TCP window closes, and memory never
 * grows. Messages are owned by exactly one side at a time.
 *
 * Requests name virtual paths; the thread joins them under the FTP root
 * with lr_path_join() and refuses anything outside the upload directory for
 * writes (defence in depth: the session checked already).
 *
 * Atomic uploads: WOPEN creates a temporary file (path2, a name starting
 * with LR_FTP_TEMP_PREFIX in the target's directory, chosen by the worker),
 * seeded with a copy of the target's first bytes for REST + STOR or all of
 * it for APPE; WRITEs go to it; COMMIT makes it the target (fsync, close,
 * rename(2): readers see the old file or the whole new one, never a part);
 * DISCARD closes and unlinks it. The worker submits COMMIT only after every
 * WRITE completed without error. One worker's requests are processed in
 * order, so a COMMIT/DISCARD never overtakes a WRITE of the same file.
 * Temporary names are never listed, read, stat'ed or accepted from a client;
 * lr_ftp_io_sweep() removes those left by a crash (at start) or by requests
 * still queued when the thread stopped (at stop).
 */
#ifndef LR_FTP_IO_H
#define LR_FTP_IO_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "lr_config.h"
#include "lr_ftp_list.h"
#include "lr_ftp_users.h"

#define LR_FTP_IO_CHUNK (32u * 1024u)

/** Temporary upload files start with this (hidden, refused as client names). */
#define LR_FTP_TEMP_PREFIX ".lr-part-"

/** True when the last component of @vpath is a temporary upload name. */
static inline bool lr_ftp_is_temp_name(const char *vpath)
{
    const char *b = strrchr(vpath, '/');
    b = b != NULL ? b + 1 : vpath;
    return strncmp(b, LR_FTP_TEMP_PREFIX, sizeof(LR_FTP_TEMP_PREFIX) - 1) == 0;
}

enum lr_ftp_io_op {
    LR_FTP_IO_WOPEN = 1, /* create temporary path2 for target path, seeded with the
                            target's first offset bytes (append: all of it, at most
                            limit); result fd, offset = bytes copied */
    LR_FTP_IO_WRITE,     /* write len bytes of data to fd */
    LR_FTP_IO_CLOSE,     /* close fd */
    LR_FTP_IO_COMMIT,    /* fsync + close fd, rename temporary path2 to path */
    LR_FTP_IO_DISCARD,   /* close fd (if >= 0), unlink temporary path2 */
    LR_FTP_IO_READ,      /* read up to LR_FTP_IO_CHUNK bytes of path at offset */
    LR_FTP_IO_LIST,      /* format the listing of directory path from entry skip on */
    LR_FTP_IO_DELE,
    LR_FTP_IO_MKD,
    LR_FTP_IO_RMD,
    LR_FTP_IO_RENAME,     /* path -> path2 */
    LR_FTP_IO_VERIFY,     /* password path2 of user path (crypt(3)); rc 0 or -EACCES */
    LR_FTP_IO_ASCII_SIZE, /* size of file path in ASCII mode (LF -> CRLF) into offset */
};

struct lr_ftp_io_msg {
    /* request */
    uint8_t op;      /* enum lr_ftp_io_op */
    uint8_t style;   /* LIST: enum lr_ftp_list_style */
    bool append;     /* WOPEN */
    bool noreplace;  /* COMMIT: fail with -EEXIST rather than replace path (STOU) */
    bool writable;   /* LIST: mark entries writable */
    uint32_t sess;   /* requester's session index */
    uint32_t gen;    /* requester's session generation (stale completions are dropped) */
    int32_t fd;      /* WRITE/CLOSE; WOPEN result */
    uint32_t skip;   /* LIST: entries already sent */
    uint64_t offset; /* WOPEN/READ */
    uint64_t limit;  /* WOPEN: the copied part may not be larger (-EFBIG) */
    int64_t now;     /* LIST: current time (seconds) for the ls date format */
    char path[LR_PATH_MAX];
    char path2[LR_PATH_MAX];
    /* result */
    int32_t rc;     /* 0 or -errno */
    bool eof;       /* READ/LIST: nothing after this chunk */
    uint32_t len;   /* bytes in data (WRITE: request; READ/LIST: result) */
    uint32_t count; /* LIST: entries formatted into data */
    uint8_t data[LR_FTP_IO_CHUNK];
};

struct lr_ftp_io;

/**
 * Start the I/O thread for @nb_workers workers, each with @bufs messages.
 * @root is the FTP root on disk; @upload_vdir the normalised virtual upload
 * directory ("" = no writes allowed); @users the table VERIFY checks (may be
 * NULL; must outlive the thread). Main lcore, before workers start.
 * @return the handle or NULL with rte_errno set.
 */
struct lr_ftp_io *lr_ftp_io_start(const char *root, const char *upload_vdir,
                                  const struct lr_ftp_users *users, uint16_t nb_workers,
                                  uint32_t bufs, int socket);

/** Stop the thread (pending requests are completed or dropped) and free everything. */
void lr_ftp_io_stop(struct lr_ftp_io *io);

/** A free message of worker @wid, or NULL when the pool is empty. */
struct lr_ftp_io_msg *lr_ftp_io_alloc(struct lr_ftp_io *io, uint16_t wid);

/** Give a message back to worker @wid's pool without submitting it. */
void lr_ftp_io_free(struct lr_ftp_io *io, uint16_t wid, struct lr_ftp_io_msg *m);

/** Submit a request of worker @wid. 0, or -ENOBUFS (ring full: cannot
 *  happen while the ring is sized for the pool; the message is not taken). */
int lr_ftp_io_submit(struct lr_ftp_io *io, uint16_t wid, struct lr_ftp_io_msg *m);

/** Take up to @max completions of worker @wid. The caller frees them. */
unsigned lr_ftp_io_complete(struct lr_ftp_io *io, uint16_t wid, struct lr_ftp_io_msg **out,
                            unsigned max);

/** Messages of worker @wid's pool currently free. */
unsigned lr_ftp_io_free_count(const struct lr_ftp_io *io, uint16_t wid);

/**
 * Remove every temporary upload file (LR_FTP_TEMP_PREFIX) below the upload
 * directory @upload_vdir of @root, at most 32 directory levels deep, never
 * following symbolic links. Main lcore, while no upload runs (start, stop).
 * @return the number removed, or -errno when the directory cannot be read.
 */
int lr_ftp_io_sweep(const char *root, const char *upload_vdir);

/**
 * Synchronous stat of a virtual path on disk (for the session's view of the
 * upload directory: a metadata lookup, not data I/O). 0 or -errno.
 */
int lr_ftp_io_stat(const struct lr_ftp_io *io, const char *vpath, bool *is_dir, uint64_t *size,
                   int64_t *mtime);

/**
 * Synchronous directory listing used only by STAT <path> over the control
 * connection: calls @fn for each entry (sorted by the file system's order).
 * 0 or -errno.
 */
int lr_ftp_io_list_sync(const struct lr_ftp_io *io, const char *vpath,
                        int (*fn)(void *arg, const struct lr_ftp_entry *e), void *arg);

#endif /* LR_FTP_IO_H */
