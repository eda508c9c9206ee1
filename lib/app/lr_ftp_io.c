/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * FTP disk I/O thread (see lr_ftp_io.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_ring.h>

#include "lr_ftp_io.h"
#include "lr_path.h"

struct io_worker {
    struct rte_ring *req; /* worker -> thread (SP/SC) */
    struct rte_ring *cpl; /* thread -> worker (SP/SC) */
    struct lr_ftp_io_msg *msgs;
    struct lr_ftp_io_msg **free; /* stack, touched only by the worker */
    uint32_t nb_free;
    uint32_t nb_msgs;
};

struct lr_ftp_io {
    const struct lr_ftp_users *users;
    char root[LR_PATH_MAX];
    char upload[LR_PATH_MAX];
    uint16_t nb_workers;
    volatile int stop;
    bool started;
    pthread_t thread;
    struct io_worker wk[];
};

static int full_path(const struct lr_ftp_io *io, const char *vpath, char *out, size_t len)
{
    int n = lr_path_join(io->root, vpath, out, len);
    return n < 0 ? n : 0;
}

/* Writes are confined to strictly below the upload directory. */
static bool writable_path(const struct lr_ftp_io *io, const char *vpath)
{
    size_t ul = strlen(io->upload);
    return ul > 0 && strncmp(vpath, io->upload, ul) == 0 && vpath[ul] == '/' &&
           vpath[ul + 1] != '\0';
}

/* Copy up to @want bytes (UINT64_MAX: to EOF) of @src into @dst using the
 * message's buffer; more than @limit is -EFBIG. The number copied or -errno. */
static int64_t copy_prefix(int src, int dst, uint64_t want, uint64_t limit, uint8_t *buf)
{
    uint64_t done = 0;
    while (done < want) {
        size_t n = want - done < LR_FTP_IO_CHUNK ? (size_t)(want - done) : LR_FTP_IO_CHUNK;
        ssize_t r = read(src, buf, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -errno;
        if (r == 0)
            break;
        if (done + (uint64_t)r > limit)
            return -EFBIG;
        for (ssize_t off = 0; off < r;) {
            ssize_t k = write(dst, buf + off, (size_t)(r - off));
            if (k < 0 && errno == EINTR)
                continue;
            if (k < 0)
                return -errno;
            off += k;
        }
        done += (uint64_t)r;
    }
    return (int64_t)done;
}

/*
 * Atomic uploads (lr_ftp_io.h): the data goes to a new temporary file next
 * to the target; REST + STOR (RFC 3659 §5.5) and APPE start it as a copy of
 * the target's first bytes, so a failed transfer leaves the target as it
 * was. The copy is bounded by max_upload_bytes (m->limit).
 */
static int do_wopen(const struct lr_ftp_io *io, struct lr_ftp_io_msg *m)
{
    char p[2 * LR_PATH_MAX], tp[2 * LR_PATH_MAX];
    if (!writable_path(io, m->path) || full_path(io, m->path, p, sizeof(p)) != 0 ||
        !writable_path(io, m->path2) || !lr_ftp_is_temp_name(m->path2) ||
        full_path(io, m->path2, tp, sizeof(tp)) != 0)
        return -EPERM;
    int fd = open(tp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
        return -errno;
    int64_t copied = 0;
    if (m->append || m->offset > 0) {
        int src = open(p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (src < 0 && !(errno == ENOENT && m->append))
            copied = -errno;
        if (src >= 0) {
            copied = copy_prefix(src, fd, m->append ? UINT64_MAX : m->offset, m->limit, m->data);
            close(src);
        }
    }
    if (copied < 0) {
        close(fd);
        unlink(tp);
        return (int)copied;
    }
    m->fd = fd;
    m->offset = (uint64_t)copied;
    return 0;
}

/* Finish a temporary upload file: rename it into place or remove it. */
static int do_finish(const struct lr_ftp_io *io, struct lr_ftp_io_msg *m)
{
    char p[2 * LR_PATH_MAX], tp[2 * LR_PATH_MAX];
    int rc = 0;
    bool commit = m->op == LR_FTP_IO_COMMIT;
    if (m->fd >= 0) {
        /* What the client saw as 226 must survive a crash: data first. */
        if (commit && fsync(m->fd) != 0)
            rc = -errno;
        if (close(m->fd) != 0 && rc == 0)
            rc = -errno;
        m->fd = -1;
    }
    if (!writable_path(io, m->path2) || !lr_ftp_is_temp_name(m->path2) ||
        full_path(io, m->path2, tp, sizeof(tp)) != 0)
        return -EPERM;
    if (commit && rc == 0) {
        if (!writable_path(io, m->path) || full_path(io, m->path, p, sizeof(p)) != 0)
            rc = -EPERM;
        else if (m->noreplace ? link(tp, p) != 0 : rename(tp, p) != 0)
            rc = -errno; /* link(2) never replaces: STOU's name stays unique */
        else if (m->noreplace)
            unlink(tp);
        if (rc == 0)
            return 0;
    }
    /* DISCARD, or a COMMIT that failed: nothing of it may stay. */
    if (unlink(tp) != 0 && errno != ENOENT && rc == 0)
        rc = -errno;
    return rc;
}

static int do_write(struct lr_ftp_io_msg *m)
{
    uint32_t done = 0;
    while (done < m->len) {
        ssize_t n = write(m->fd, m->data + done, m->len - done);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        done += (uint32_t)n;
    }
    return 0;
}

/* Open m->path for reading: temporary uploads do not exist for clients.
 * Returns the fd or a negative errno. */
static int open_for_read(const struct lr_ftp_io *io, const struct lr_ftp_io_msg *m)
{
    char p[2 * LR_PATH_MAX];
    if (lr_ftp_is_temp_name(m->path))
        return -ENOENT;
    if (full_path(io, m->path, p, sizeof(p)) != 0)
        return -EINVAL;
    int fd = open(p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    return fd < 0 ? -errno : fd;
}

static int do_read(const struct lr_ftp_io *io, struct lr_ftp_io_msg *m)
{
    int fd = open_for_read(io, m);
    if (fd < 0)
        return fd;
    ssize_t n;
    do {
        n = pread(fd, m->data, LR_FTP_IO_CHUNK, (off_t)m->offset);
    } while (n < 0 && errno == EINTR);
    int e = n < 0 ? -errno : 0;
    close(fd);
    if (e != 0)
        return e;
    m->len = (uint32_t)n;
    m->eof = n == 0;
    return 0;
}

/* SIZE in TYPE A (RFC 3659 §4) of a file on disk: as the server converts
 * (an LF not preceded by CR becomes CRLF), read through once. */
static int do_ascii_size(const struct lr_ftp_io *io, struct lr_ftp_io_msg *m)
{
    int fd = open_for_read(io, m);
    if (fd < 0)
        return fd;
    uint64_t size = 0;
    bool cr = false;
    for (;;) {
        ssize_t n = read(fd, m->data, LR_FTP_IO_CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = -errno;
            close(fd);
            return e;
        }
        if (n == 0)
            break;
        for (ssize_t i = 0; i < n; i++) {
            uint8_t c = m->data[i];
            size += c == '\n' && !cr ? 2 : 1;
            cr = c == '\r';
        }
    }
    close(fd);
    m->offset = size;
    return 0;
}

static int entry_of(const char *dirp, const char *name, struct lr_ftp_entry *e)
{
    char p[2 * LR_PATH_MAX + 260];
    struct stat st;
    snprintf(p, sizeof(p), "%s/%s", dirp, name);
    if (strncmp(name, LR_FTP_TEMP_PREFIX, sizeof(LR_FTP_TEMP_PREFIX) - 1) == 0)
        return -ENOENT; /* uploads in progress are not visible */
    if (lstat(p, &st) != 0)
        return -errno;
    if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
        return -ENOENT; /* devices, sockets, symlinks: not served */
    e->name = name;
    e->name_len = strlen(name);
    e->is_dir = S_ISDIR(st.st_mode);
    e->size = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
    e->mtime = (int64_t)st.st_mtime;
    return 0;
}

static int do_list(const struct lr_ftp_io *io, struct lr_ftp_io_msg *m)
{
    char p[2 * LR_PATH_MAX];
    if (full_path(io, m->path, p, sizeof(p)) != 0)
        return -EINVAL;
    DIR *d = opendir(p);
    if (d == NULL)
        return -errno;
    uint32_t idx = 0;
    m->len = 0;
    m->count = 0;
    m->eof = true;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        struct lr_ftp_entry e;
        if (entry_of(p, de->d_name, &e) != 0)
            continue;
        if (idx++ < m->skip)
            continue;
        e.writable = m->writable;
        int n = lr_ftp_list_format((char *)m->data + m->len, LR_FTP_IO_CHUNK - m->len,
                                   (enum lr_ftp_list_style)m->style, &e, m->now);
        if (n == -ENOSPC) {
            m->eof = false;
            break;
        }
        if (n < 0)
            continue; /* names with CR/LF are not listed */
        m->len += (uint32_t)n;
        m->count++;
    }
    closedir(d);
    return 0;
}

static int do_fsop(const struct lr_ftp_io *io, struct lr_ftp_io_msg *m)
{
    char p[2 * LR_PATH_MAX], p2[2 * LR_PATH_MAX];
    if (!writable_path(io, m->path) || full_path(io, m->path, p, sizeof(p)) != 0)
        return -EPERM;
    /* Temporary upload names belong to the server (lr_ftp_io.h). */
    if (lr_ftp_is_temp_name(m->path) ||
        (m->op == LR_FTP_IO_RENAME && lr_ftp_is_temp_name(m->path2)))
        return -EPERM;
    int rc = 0;
    switch (m->op) {
    case LR_FTP_IO_DELE:
        rc = unlink(p);
        break;
    case LR_FTP_IO_MKD:
        rc = mkdir(p, 0755);
        break;
    case LR_FTP_IO_RMD:
        rc = rmdir(p);
        break;
    case LR_FTP_IO_RENAME:
        if (!writable_path(io, m->path2) || full_path(io, m->path2, p2, sizeof(p2)) != 0)
            return -EPERM;
        rc = rename(p, p2);
        break;
    default:
        return -EINVAL;
    }
    return rc != 0 ? -errno : 0;
}

static void process(struct lr_ftp_io *io, struct lr_ftp_io_msg *m)
{
    switch (m->op) {
    case LR_FTP_IO_WOPEN:
        m->rc = do_wopen(io, m);
        break;
    case LR_FTP_IO_WRITE:
        m->rc = do_write(m);
        break;
    case LR_FTP_IO_CLOSE:
        m->rc = close(m->fd) != 0 ? -errno : 0;
        m->fd = -1;
        break;
    case LR_FTP_IO_COMMIT:
    case LR_FTP_IO_DISCARD:
        m->rc = do_finish(io, m);
        break;
    case LR_FTP_IO_READ:
        m->rc = do_read(io, m);
        break;
    case LR_FTP_IO_LIST:
        m->rc = do_list(io, m);
        break;
    case LR_FTP_IO_DELE:
    case LR_FTP_IO_MKD:
    case LR_FTP_IO_RMD:
    case LR_FTP_IO_RENAME:
        m->rc = do_fsop(io, m);
        break;
    case LR_FTP_IO_ASCII_SIZE:
        m->rc = do_ascii_size(io, m);
        break;
    case LR_FTP_IO_VERIFY: {
        size_t pl = strnlen(m->path2, sizeof(m->path2));
        bool ok = io->users != NULL &&
                  lr_ftp_users_verify(io->users, m->path, strnlen(m->path, sizeof(m->path)),
                                      m->path2, pl);
        memset(m->path2, 0, sizeof(m->path2)); /* no password left in the pool */
        m->rc = ok ? 0 : -EACCES;
        break;
    }
    default:
        m->rc = -EINVAL;
        break;
    }
}

static void *io_main(void *arg)
{
    struct lr_ftp_io *io = arg;
    struct lr_ftp_io_msg *batch[16];
    unsigned idle = 0;

    while (!__atomic_load_n(&io->stop, __ATOMIC_ACQUIRE)) {
        unsigned work = 0;
        for (uint16_t i = 0; i < io->nb_workers; i++) {
            struct io_worker *k = &io->wk[i];
            unsigned n = rte_ring_dequeue_burst(k->req, (void **)batch, RTE_DIM(batch), NULL);
            for (unsigned j = 0; j < n; j++)
                process(io, batch[j]);
            /* The completion ring holds the whole pool: this cannot fail. */
            if (n > 0)
                rte_ring_enqueue_bulk(k->cpl, (void **)batch, n, NULL);
            work += n;
        }
        if (work == 0) {
            /* Back off up to 1 ms when idle; this thread is not a poll-mode lcore. */
            struct timespec ts = { 0, idle < 100 ? 20000 : 1000000 };
            idle++;
            nanosleep(&ts, NULL);
        } else {
            idle = 0;
        }
    }
    return NULL;
}

struct lr_ftp_io *lr_ftp_io_start(const char *root, const char *upload_vdir,
                                  const struct lr_ftp_users *users, uint16_t nb_workers,
                                  uint32_t bufs, int socket)
{
    if (nb_workers == 0 || bufs == 0) {
        rte_errno = EINVAL;
        return NULL;
    }
    struct lr_ftp_io *io = rte_zmalloc_socket(
        "lr_ftp_io", sizeof(*io) + nb_workers * sizeof(struct io_worker), 0, socket);
    if (io == NULL) {
        rte_errno = ENOMEM;
        return NULL;
    }
    io->users = users;
    snprintf(io->root, sizeof(io->root), "%s", root);
    snprintf(io->upload, sizeof(io->upload), "%s", upload_vdir);
    io->nb_workers = nb_workers;
    for (uint16_t i = 0; i < nb_workers; i++) {
        struct io_worker *k = &io->wk[i];
        char name[RTE_RING_NAMESIZE];
        snprintf(name, sizeof(name), "ftpio_rq_%p_%u", (void *)io, i);
        k->req =
            rte_ring_create(name, bufs, socket, RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);
        snprintf(name, sizeof(name), "ftpio_cp_%p_%u", (void *)io, i);
        k->cpl =
            rte_ring_create(name, bufs, socket, RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);
        k->msgs = rte_zmalloc_socket("lr_ftp_io_msgs", (size_t)bufs * sizeof(*k->msgs), 0, socket);
        k->free = rte_zmalloc_socket("lr_ftp_io_free", (size_t)bufs * sizeof(*k->free), 0, socket);
        if (k->req == NULL || k->cpl == NULL || k->msgs == NULL || k->free == NULL) {
            lr_ftp_io_stop(io);
            rte_errno = ENOMEM;
            return NULL;
        }
        k->nb_msgs = bufs;
        for (uint32_t j = 0; j < bufs; j++) {
            k->msgs[j].fd = -1;
            k->free[j] = &k->msgs[j];
        }
        k->nb_free = bufs;
    }
    if (pthread_create(&io->thread, NULL, io_main, io) != 0) {
        lr_ftp_io_stop(io);
        rte_errno = EAGAIN;
        return NULL;
    }
    pthread_setname_np(io->thread, "lr-ftp-io");
    io->started = true;
    return io;
}

void lr_ftp_io_stop(struct lr_ftp_io *io)
{
    if (io == NULL)
        return;
    if (io->started) {
        __atomic_store_n(&io->stop, 1, __ATOMIC_RELEASE);
        pthread_join(io->thread, NULL);
    }
    for (uint16_t i = 0; i < io->nb_workers; i++) {
        struct io_worker *k = &io->wk[i];
        /* Close files left open by requests that never got their CLOSE. */
        struct lr_ftp_io_msg *m;
        /* Requests never processed: a COMMIT among them was not answered
         * with 226 yet, so its temporary file goes too (lr_ftp_io_sweep() at
         * stop). Completions never taken may hold a WOPEN's descriptor. */
        while (k->req != NULL && rte_ring_dequeue(k->req, (void **)&m) == 0) {
            if (m->op != LR_FTP_IO_WOPEN && m->fd >= 0)
                close(m->fd);
        }
        while (k->cpl != NULL && rte_ring_dequeue(k->cpl, (void **)&m) == 0) {
            if (m->op == LR_FTP_IO_WOPEN && m->rc == 0 && m->fd >= 0)
                close(m->fd);
        }
        rte_ring_free(k->req);
        rte_ring_free(k->cpl);
        rte_free(k->msgs);
        rte_free(k->free);
    }
    rte_free(io);
}

struct lr_ftp_io_msg *lr_ftp_io_alloc(struct lr_ftp_io *io, uint16_t wid)
{
    struct io_worker *k = &io->wk[wid];
    if (k->nb_free == 0)
        return NULL;
    struct lr_ftp_io_msg *m = k->free[--k->nb_free];
    m->rc = 0;
    m->eof = false;
    m->len = 0;
    m->count = 0;
    m->skip = 0;
    m->offset = 0;
    m->limit = UINT64_MAX;
    m->append = false;
    m->noreplace = false;
    m->writable = false;
    m->fd = -1;
    m->path[0] = '\0';
    m->path2[0] = '\0';
    return m;
}

void lr_ftp_io_free(struct lr_ftp_io *io, uint16_t wid, struct lr_ftp_io_msg *m)
{
    struct io_worker *k = &io->wk[wid];
    if (k->nb_free < k->nb_msgs)
        k->free[k->nb_free++] = m;
}

int lr_ftp_io_submit(struct lr_ftp_io *io, uint16_t wid, struct lr_ftp_io_msg *m)
{
    return rte_ring_enqueue(io->wk[wid].req, m) == 0 ? 0 : -ENOBUFS;
}

unsigned lr_ftp_io_complete(struct lr_ftp_io *io, uint16_t wid, struct lr_ftp_io_msg **out,
                            unsigned max)
{
    return rte_ring_dequeue_burst(io->wk[wid].cpl, (void **)out, max, NULL);
}

unsigned lr_ftp_io_free_count(const struct lr_ftp_io *io, uint16_t wid)
{
    return io->wk[wid].nb_free;
}

static int sweep_dir(int dfd, unsigned depth)
{
    DIR *d = fdopendir(dfd);
    if (d == NULL) {
        int e = errno;
        close(dfd);
        return -e;
    }
    int removed = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        struct stat st;
        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        if (S_ISREG(st.st_mode) &&
            strncmp(de->d_name, LR_FTP_TEMP_PREFIX, sizeof(LR_FTP_TEMP_PREFIX) - 1) == 0) {
            if (unlinkat(dirfd(d), de->d_name, 0) == 0)
                removed++;
        } else if (S_ISDIR(st.st_mode) && depth > 0) {
            int sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub >= 0) {
                int n = sweep_dir(sub, depth - 1);
                if (n > 0)
                    removed += n;
            }
        }
    }
    closedir(d);
    return removed;
}

int lr_ftp_io_sweep(const char *root, const char *upload_vdir)
{
    char p[2 * LR_PATH_MAX];
    if (upload_vdir == NULL || upload_vdir[0] == '\0')
        return 0;
    int n = lr_path_join(root, upload_vdir, p, sizeof(p));
    if (n < 0)
        return n;
    int dfd = open(p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0)
        return -errno;
    return sweep_dir(dfd, 32);
}

int lr_ftp_io_stat(const struct lr_ftp_io *io, const char *vpath, bool *is_dir, uint64_t *size,
                   int64_t *mtime)
{
    char p[2 * LR_PATH_MAX];
    struct stat st;
    if (lr_ftp_is_temp_name(vpath))
        return -ENOENT;
    if (full_path(io, vpath, p, sizeof(p)) != 0)
        return -EINVAL;
    if (lstat(p, &st) != 0)
        return -errno;
    if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
        return -ENOENT;
    *is_dir = S_ISDIR(st.st_mode);
    *size = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
    *mtime = (int64_t)st.st_mtime;
    return 0;
}

int lr_ftp_io_list_sync(const struct lr_ftp_io *io, const char *vpath,
                        int (*fn)(void *arg, const struct lr_ftp_entry *e), void *arg)
{
    char p[2 * LR_PATH_MAX];
    if (full_path(io, vpath, p, sizeof(p)) != 0)
        return -EINVAL;
    DIR *d = opendir(p);
    if (d == NULL)
        return -errno;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        struct lr_ftp_entry e;
        if (entry_of(p, de->d_name, &e) != 0)
            continue;
        if (fn(arg, &e) != 0)
            break;
    }
    closedir(d);
    return 0;
}
