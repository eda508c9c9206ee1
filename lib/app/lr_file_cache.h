/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The file cache: a document root loaded into memory at start, read-only
 * afterwards and shared by every worker (HTTP, FTP, TFTP).
 *
 * Loading (main lcore, before workers start): the tree under the root is
 * walked recursively; regular files and directories are recorded, anything
 * else (devices, sockets, FIFOs) is skipped. A symbolic link is followed only
 * when its realpath() lies inside the realpath() of the root and it names a
 * regular file; symlinks to directories are skipped (no cycles). The total of
 * file sizes must fit in the byte budget ([http] cache_bytes): otherwise the
 * load fails with a message naming the root and the budget. File data lives
 * in one rte_malloc'd arena (socket memory), so mbufs can point into it.
 *
 * Entries are addressed by virtual path ("/", "/dir", "/dir/file") through an
 * open-addressing hash table built at load time: lookups are O(1) and
 * allocate nothing. Directory entries list their children sorted by name.
 *
 * Zero-copy sends: lr_file_cache_attach() turns a fresh mbuf into an
 * external-buffer segment pointing at a window of a file (at most 65535
 * bytes, the limit of rte_pktmbuf_attach_extbuf). Each worker has its own
 * rte_mbuf_ext_shared_info per file (no cross-core atomics on the hot path)
 * whose free callback does nothing: the arena outlives every mbuf, so the
 * shared-info reference count is not meaningful and may wrap. The TCP layer
 * (lr_tcp_send_mbuf) may therefore clone, chain or free such segments freely;
 * it must not write into them (they are read-only file data). Consequently
 * lr_file_cache_free() may be called only after every worker has stopped and
 * every mbuf has been freed (port stop).
 */
#ifndef LR_FILE_CACHE_H
#define LR_FILE_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <rte_common.h>
#include <rte_mbuf.h>
#include "lr_log.h"

/* The file cache logs as linerate.http (defined by the HTTP module). */
LR_LOG_DECLARE(files); /* linerate.files */

enum lr_file_type {
    LR_FILE_REG = 0,
    LR_FILE_DIR = 1,
};

#define LR_FILE_ETAG_MAX 56 /* "\"size-mtime-inode\"" in hex, quoted, NUL */
#define LR_FILE_NONE     UINT32_MAX

/* One file or directory; all strings NUL-terminated and owned by the cache. */
struct lr_file_entry {
    const char *path;    /* virtual path: "/" or "/a/b" (no trailing slash) */
    const char *name;    /* last component ("" for the root) */
    const uint8_t *data; /* file contents, NULL for directories and empty files */
    uint64_t size;       /* bytes (0 for directories) */
    time_t mtime;        /* seconds since the epoch */
    uint64_t ino;
    uint32_t path_len;
    uint32_t name_len;
    uint32_t index;       /* position in the cache (0 = root) */
    uint32_t parent;      /* index of the parent directory (root: 0) */
    uint32_t first_child; /* directories: first slot in the children table */
    uint32_t nb_children; /* directories: number of children */
    enum lr_file_type type;
    const char *mime;            /* Content-Type (lr_mime), files only */
    char etag[LR_FILE_ETAG_MAX]; /* strong validator, quoted (RFC 9110 §8.8.3) */
    uint8_t etag_len;
    char last_modified[30]; /* IMF-fixdate of mtime, RFC 9110 §5.6.7 */
    /*
     * Precomputed 200-response header fields of a file, each ending in CRLF:
     * Content-Type, Content-Length, Last-Modified, ETag, Accept-Ranges.
     * The server adds the status line, Date, Server, Connection and the
     * final CRLF.
     */
    const char *hdr;
    uint32_t hdr_len;
};

struct lr_file_cache;

/**
 * Load the tree under @root into a new cache, at most @budget bytes of file
 * data. Must run on the main lcore after rte_eal_init(), before workers.
 *
 * @param nb_workers  number of workers that will call lr_file_cache_attach()
 *                    (their ids must be below this).
 * @param err         on failure, one line such as
 *                    "file cache: /srv/www holds 300000000 bytes, more than
 *                    cache_bytes = 268435456".
 * @return the cache, or NULL with rte_errno set (ENOENT, ENOTDIR, EFBIG for
 *         the budget, ENOMEM, EIO, ENAMETOOLONG).
 */
struct lr_file_cache *lr_file_cache_load(const char *root, uint64_t budget, uint16_t nb_workers,
                                         char *err, size_t errlen);

/** Free a cache (NULL is fine). Only after every worker and mbuf is gone. */
void lr_file_cache_free(struct lr_file_cache *fc);

/**
 * The shared cache of @root: the one already loaded for the same real path
 * (for at least @nb_workers workers) with one more reference, else a new
 * one loaded as lr_file_cache_load() does (whose budget the later users
 * share). HTTP, FTP and TFTP each take the cache of their root this way,
 * so one root is loaded once whatever the order of their global inits.
 * Main lcore only. NULL with rte_errno and @err as lr_file_cache_load().
 */
struct lr_file_cache *lr_file_cache_get(const char *root, uint64_t budget, uint16_t nb_workers,
                                        char *err, size_t errlen);

/** Drop a reference taken by lr_file_cache_get(); the last one frees the
 *  cache (only after every worker and mbuf that used it is gone). NULL is
 *  fine. Main lcore only. */
void lr_file_cache_put(struct lr_file_cache *fc);

/**
 * Find the entry of a normalised virtual path (@len bytes). One trailing
 * '/' is ignored, so "/dir/" finds "/dir"; callers check entry->type.
 *
 * @return the entry or NULL.
 */
const struct lr_file_entry *lr_file_cache_lookup(const struct lr_file_cache *fc, const char *vpath,
                                                 size_t len);

/** The root directory entry ("/"). */
const struct lr_file_entry *lr_file_cache_root(const struct lr_file_cache *fc);

/**
 * Child @i (0 .. dir->nb_children-1, sorted by name) of directory @dir.
 * @return NULL when @dir is not a directory or @i is out of range.
 */
const struct lr_file_entry *lr_file_cache_child(const struct lr_file_cache *fc,
                                                const struct lr_file_entry *dir, uint32_t i);

/** Entry by index (0 .. lr_file_cache_count()-1), NULL when out of range. */
const struct lr_file_entry *lr_file_cache_entry(const struct lr_file_cache *fc, uint32_t index);

/** Number of entries (files and directories, root included). */
uint32_t lr_file_cache_count(const struct lr_file_cache *fc);

/** Total bytes of file data held. */
uint64_t lr_file_cache_bytes(const struct lr_file_cache *fc);

/**
 * Attach bytes [@off, @off + @len) of file @f to the freshly allocated,
 * empty mbuf @m as an external buffer (zero copy): data_len = pkt_len = @len.
 * @worker_id selects the per-worker shared info.
 *
 * @return 0, or -EINVAL (not a file, range outside the file, @len 0 or
 *         above UINT16_MAX, worker id out of range, @m not empty).
 */
int lr_file_cache_attach(const struct lr_file_cache *fc, uint16_t worker_id,
                         const struct lr_file_entry *f, uint64_t off, uint32_t len,
                         struct rte_mbuf *m);

/**
 * Size of file @f as sent in ASCII mode (FTP TYPE A, RFC 959 §3.1.1.1:
 * every LF not already preceded by CR becomes CRLF), for SIZE in ASCII
 * mode (RFC 3659 §4). Counted on first use and kept with the entry (a
 * relaxed atomic per entry: the cache stays shareable by every worker; two
 * workers counting at once store the same value). 0 for directories.
 */
uint64_t lr_file_cache_ascii_size(const struct lr_file_cache *fc, const struct lr_file_entry *f);

#endif /* LR_FILE_CACHE_H */
