/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The file cache (see lr_file_cache.h for the contract).
 *
 * Load in three passes, all on the main lcore at start:
 *  1. walk: entries are appended directory by directory; a directory's
 *     children are read, sorted by name and appended together, then its
 *     subdirectories are walked. Children of a directory are therefore
 *     contiguous (first_child, nb_children) and no child table is needed.
 *     The byte budget is checked as sizes are seen, before any data is read.
 *  2. read: one rte_malloc'd arena receives every file, each start aligned
 *     to a cache line; a file that changed size since stat() fails the load.
 *  3. index: an open-addressing table (linear probing, load <= 1/2) over a
 *     64-bit FNV-1a hash of the virtual path, plus per-worker external-buffer
 *     shared infos for zero-copy sends.
 *
 * Metadata (entries, strings) comes from the C heap at start: it is only
 * read afterwards. File data comes from rte_malloc so that mbufs may point
 * into it with a valid IOVA.
 */
#include <dirent.h>
#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "lr_file_cache.h"
#include "lr_http_parser.h"
#include "lr_log.h"
#include "lr_mime.h"
#include "lr_path.h"

LR_LOG_DEFINE(files);

#define FC_MAX_DEPTH 64
#define FC_ALIGN     64

struct lr_file_cache {
    struct lr_file_entry *entries;
    uint32_t nb;
    uint32_t cap;
    uint64_t bytes;      /* sum of file sizes */
    uint64_t arena_size; /* with alignment padding */
    uint64_t budget;
    uint8_t *arena;
    bool iova_va; /* IOVA == VA: no translation per attach */
    uint32_t hmask;
    uint32_t *slots;  /* entry index + 1, 0 = empty */
    uint64_t *hashes; /* per slot */
    uint16_t nb_workers;
    struct rte_mbuf_ext_shared_info *shinfo; /* [worker][entry] */
    uint64_t *ascii; /* [entry]: ASCII size + 1, 0 = not counted yet (lazy) */
    char root_real[PATH_MAX];
    const char *root;           /* as configured, for messages */
    unsigned refs;              /* lr_file_cache_get() users; 0 = not shared */
    struct lr_file_cache *next; /* in `shared` */
};

/* Caches handed out by lr_file_cache_get(), one per real root (main lcore
 * only: module global init and fini). */
static struct lr_file_cache *shared;

static uint64_t path_hash(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (uint8_t)s[i];
        h *= 0x100000001b3ULL;
    }
    return h ^ (h >> 29);
}

static void fc_err(char *err, size_t errlen, const char *fmt, ...) __rte_format_printf(3, 4);
static void fc_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    if (err == NULL || errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static int entry_add(struct lr_file_cache *fc, const char *vpath, size_t vlen, size_t name_off,
                     const struct stat *st, enum lr_file_type type, uint32_t parent)
{
    if (fc->nb == fc->cap) {
        uint32_t ncap = fc->cap ? fc->cap * 2 : 64;
        struct lr_file_entry *ne = realloc(fc->entries, ncap * sizeof(*ne));
        if (ne == NULL)
            return -ENOMEM;
        fc->entries = ne;
        fc->cap = ncap;
    }
    struct lr_file_entry *e = &fc->entries[fc->nb];
    memset(e, 0, sizeof(*e));
    char *p = malloc(vlen + 1);
    if (p == NULL)
        return -ENOMEM;
    memcpy(p, vpath, vlen);
    p[vlen] = '\0';
    e->path = p;
    e->path_len = (uint32_t)vlen;
    e->name = p + name_off;
    e->name_len = (uint32_t)(vlen - name_off);
    e->type = type;
    e->size = type == LR_FILE_REG ? (uint64_t)st->st_size : 0;
    e->mtime = st->st_mtime;
    e->ino = (uint64_t)st->st_ino;
    e->index = fc->nb;
    e->parent = parent;
    e->first_child = LR_FILE_NONE;
    fc->nb++;
    return 0;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Is @real (a resolved path) @root or below it? */
static bool inside_root(const char *root, const char *real)
{
    size_t n = strlen(root);
    if (strncmp(root, real, n) != 0)
        return false;
    return real[n] == '\0' || real[n] == '/' || (n == 1 && root[0] == '/');
}

/*
 * Append the children of directory entry @dir (file-system path @fspath)
 * and recurse into subdirectories.
 */
static int walk_dir(struct lr_file_cache *fc, uint32_t dir, const char *fspath, int depth,
                    char *err, size_t errlen)
{
    if (depth > FC_MAX_DEPTH) {
        fc_err(err, errlen, "file cache: %s: directories nested deeper than %d", fspath,
               FC_MAX_DEPTH);
        return -ENAMETOOLONG;
    }
    DIR *d = opendir(fspath);
    if (d == NULL) {
        int e = errno;
        fc_err(err, errlen, "file cache: %s: %s", fspath, strerror(e));
        return -e;
    }
    char **names = NULL;
    size_t nn = 0, ncap = 0;
    int rc = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (nn == ncap) {
            ncap = ncap ? ncap * 2 : 32;
            char **nv = realloc(names, ncap * sizeof(*nv));
            if (nv == NULL) {
                rc = -ENOMEM;
                break;
            }
            names = nv;
        }
        names[nn] = strdup(de->d_name);
        if (names[nn] == NULL) {
            rc = -ENOMEM;
            break;
        }
        nn++;
    }
    closedir(d);
    if (rc == 0 && nn > 1)
        qsort(names, nn, sizeof(*names), name_cmp);

    uint32_t first = fc->nb;
    char child_fs[PATH_MAX];
    char vpath[PATH_MAX];
    for (size_t i = 0; rc == 0 && i < nn; i++) {
        const struct lr_file_entry *de_dir = &fc->entries[dir];
        const char *name = names[i];
        /* Names that could not be addressed by a normalised path are skipped. */
        char check[PATH_MAX];
        if (lr_path_normalize(name, strlen(name), check, sizeof(check), 0) < 0 ||
            strchr(name, '/') != NULL) {
            LR_LOG(WARNING, files, "file cache: skipping %s/%s (unusable name)", fspath, name);
            continue;
        }
        int n1 = snprintf(child_fs, sizeof(child_fs), "%s/%s", fspath, name);
        int n2 = de_dir->path_len == 1
                     ? snprintf(vpath, sizeof(vpath), "/%s", name)
                     : snprintf(vpath, sizeof(vpath), "%s/%s", de_dir->path, name);
        if (n1 < 0 || (size_t)n1 >= sizeof(child_fs) || n2 < 0 || (size_t)n2 >= sizeof(vpath)) {
            fc_err(err, errlen, "file cache: %s/%s: path too long", fspath, name);
            rc = -ENAMETOOLONG;
            break;
        }
        struct stat st;
        if (lstat(child_fs, &st) < 0) {
            int e = errno;
            fc_err(err, errlen, "file cache: %s: %s", child_fs, strerror(e));
            rc = -e;
            break;
        }
        if (S_ISLNK(st.st_mode)) {
            char real[PATH_MAX];
            if (realpath(child_fs, real) == NULL || !inside_root(fc->root_real, real)) {
                LR_LOG(WARNING, files, "file cache: skipping %s (symlink outside the root)",
                       child_fs);
                continue;
            }
            if (stat(real, &st) < 0 || !S_ISREG(st.st_mode)) {
                LR_LOG(WARNING, files, "file cache: skipping %s (symlink to a non-file)", child_fs);
                continue;
            }
        }
        if (S_ISREG(st.st_mode)) {
            fc->bytes += (uint64_t)st.st_size;
            if (fc->bytes > fc->budget) {
                fc_err(err, errlen,
                       "file cache: %s holds more than cache_bytes = %" PRIu64
                       " bytes of files (at %s); raise [http] cache_bytes or shrink the root",
                       fc->root, fc->budget, child_fs);
                rc = -EFBIG;
                break;
            }
            rc = entry_add(fc, vpath, (size_t)n2, (size_t)n2 - strlen(name), &st, LR_FILE_REG, dir);
        } else if (S_ISDIR(st.st_mode)) {
            rc = entry_add(fc, vpath, (size_t)n2, (size_t)n2 - strlen(name), &st, LR_FILE_DIR, dir);
        }
        /* Devices, FIFOs, sockets: skipped. */
    }
    uint32_t last = fc->nb;
    if (rc == 0) {
        fc->entries[dir].first_child = first;
        fc->entries[dir].nb_children = last - first;
    }
    for (uint32_t c = first; rc == 0 && c < last; c++) {
        if (fc->entries[c].type != LR_FILE_DIR)
            continue;
        int n1 = snprintf(child_fs, sizeof(child_fs), "%s/%s", fspath, fc->entries[c].name);
        if (n1 < 0 || (size_t)n1 >= sizeof(child_fs)) {
            rc = -ENAMETOOLONG;
            break;
        }
        rc = walk_dir(fc, c, child_fs, depth + 1, err, errlen);
    }
    for (size_t i = 0; i < nn; i++)
        free(names[i]);
    free(names);
    return rc;
}

static int read_file(const char *fspath, uint8_t *dst, uint64_t size, char *err, size_t errlen)
{
    int fd = open(fspath, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        fc_err(err, errlen, "file cache: %s: %s", fspath, strerror(e));
        return -e;
    }
    uint64_t got = 0;
    while (got < size) {
        ssize_t r = read(fd, dst + got, size - got > (1u << 30) ? (1u << 30) : size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            int e = r < 0 ? errno : EIO;
            fc_err(err, errlen, "file cache: %s: %s", fspath,
                   r < 0 ? strerror(e) : "file shrank while loading");
            close(fd);
            return -e;
        }
        got += (uint64_t)r;
    }
    close(fd);
    return 0;
}

static int build_header(struct lr_file_entry *e)
{
    char buf[512];
    e->mime = lr_mime_type(e->name, e->name_len);
    int n = snprintf(e->etag, sizeof(e->etag), "\"%" PRIx64 "-%" PRIx64 "-%" PRIx64 "\"", e->size,
                     (uint64_t)e->mtime, e->ino);
    if (n < 0 || (size_t)n >= sizeof(e->etag))
        return -EINVAL;
    e->etag_len = (uint8_t)n;
    lr_http_date_format(e->mtime, e->last_modified);
    n = snprintf(buf, sizeof(buf),
                 "Content-Type: %s\r\nContent-Length: %" PRIu64
                 "\r\nLast-Modified: %s\r\nETag: %s\r\nAccept-Ranges: bytes\r\n",
                 e->mime, e->size, e->last_modified, e->etag);
    if (n < 0 || (size_t)n >= sizeof(buf))
        return -EINVAL;
    char *h = malloc((size_t)n + 1);
    if (h == NULL)
        return -ENOMEM;
    memcpy(h, buf, (size_t)n + 1);
    e->hdr = h;
    e->hdr_len = (uint32_t)n;
    return 0;
}

static void shinfo_noop_free(void *addr, void *opaque)
{
    /* The arena outlives every mbuf: nothing to free per segment. */
    RTE_SET_USED(addr);
    RTE_SET_USED(opaque);
}

static int build_index(struct lr_file_cache *fc)
{
    uint32_t size = 16;
    while (size < fc->nb * 2)
        size <<= 1;
    fc->slots = calloc(size, sizeof(*fc->slots));
    fc->hashes = calloc(size, sizeof(*fc->hashes));
    if (fc->slots == NULL || fc->hashes == NULL)
        return -ENOMEM;
    fc->hmask = size - 1;
    for (uint32_t i = 0; i < fc->nb; i++) {
        uint64_t h = path_hash(fc->entries[i].path, fc->entries[i].path_len);
        uint32_t s = (uint32_t)h & fc->hmask;
        while (fc->slots[s] != 0)
            s = (s + 1) & fc->hmask;
        fc->slots[s] = i + 1;
        fc->hashes[s] = h;
    }
    return 0;
}

struct lr_file_cache *lr_file_cache_load(const char *root, uint64_t budget, uint16_t nb_workers,
                                         char *err, size_t errlen)
{
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (root == NULL || root[0] == '\0') {
        fc_err(err, errlen, "file cache: no document root configured");
        rte_errno = EINVAL;
        return NULL;
    }
    struct lr_file_cache *fc = calloc(1, sizeof(*fc));
    if (fc == NULL) {
        fc_err(err, errlen, "file cache: out of memory");
        rte_errno = ENOMEM;
        return NULL;
    }
    fc->root = root;
    fc->budget = budget;
    fc->nb_workers = nb_workers ? nb_workers : 1;
    int rc = 0;
    struct stat st;
    if (realpath(root, fc->root_real) == NULL || stat(fc->root_real, &st) < 0) {
        rc = -errno;
        fc_err(err, errlen, "file cache: document root %s: %s", root, strerror(-rc));
        goto fail;
    }
    if (!S_ISDIR(st.st_mode)) {
        rc = -ENOTDIR;
        fc_err(err, errlen, "file cache: document root %s is not a directory", root);
        goto fail;
    }
    rc = entry_add(fc, "/", 1, 1, &st, LR_FILE_DIR, 0);
    if (rc == 0)
        rc = walk_dir(fc, 0, fc->root_real, 0, err, errlen);
    if (rc < 0)
        goto fail;

    /* Pass 2: data. */
    uint64_t total = 0;
    for (uint32_t i = 0; i < fc->nb; i++)
        if (fc->entries[i].type == LR_FILE_REG)
            total += RTE_ALIGN_CEIL(fc->entries[i].size, FC_ALIGN);
    fc->arena_size = total;
    if (total > 0) {
        fc->arena = rte_malloc("lr_file_cache", total, FC_ALIGN);
        if (fc->arena == NULL) {
            rc = -ENOMEM;
            fc_err(err, errlen,
                   "file cache: cannot allocate %" PRIu64 " bytes of DPDK memory for %s "
                   "(raise EAL -m / hugepages)",
                   total, root);
            goto fail;
        }
    }
    fc->iova_va = rte_eal_iova_mode() == RTE_IOVA_VA;
    uint64_t off = 0;
    char fspath[PATH_MAX];
    for (uint32_t i = 0; i < fc->nb; i++) {
        struct lr_file_entry *e = &fc->entries[i];
        if (e->type != LR_FILE_REG)
            continue;
        if (e->size > 0) {
            int n = lr_path_join(fc->root_real, e->path, fspath, sizeof(fspath));
            if (n < 0) {
                rc = n;
                fc_err(err, errlen, "file cache: %s%s: bad path", root, e->path);
                goto fail;
            }
            rc = read_file(fspath, fc->arena + off, e->size, err, errlen);
            if (rc < 0)
                goto fail;
            e->data = fc->arena + off;
            off += RTE_ALIGN_CEIL(e->size, FC_ALIGN);
        }
        rc = build_header(e);
        if (rc < 0) {
            fc_err(err, errlen, "file cache: %s: cannot build headers", e->path);
            goto fail;
        }
    }

    /* Pass 3: index and per-worker shared infos. */
    rc = build_index(fc);
    if (rc < 0) {
        fc_err(err, errlen, "file cache: out of memory");
        goto fail;
    }
    fc->ascii = calloc(fc->nb, sizeof(*fc->ascii));
    if (fc->ascii == NULL) {
        rc = -ENOMEM;
        fc_err(err, errlen, "file cache: out of memory");
        goto fail;
    }
    size_t nsh = (size_t)fc->nb_workers * fc->nb;
    fc->shinfo =
        rte_zmalloc("lr_file_cache_shinfo", nsh * sizeof(*fc->shinfo), RTE_CACHE_LINE_SIZE);
    if (fc->shinfo == NULL) {
        rc = -ENOMEM;
        fc_err(err, errlen, "file cache: out of DPDK memory for %zu shared infos", nsh);
        goto fail;
    }
    for (size_t i = 0; i < nsh; i++) {
        fc->shinfo[i].free_cb = shinfo_noop_free;
        fc->shinfo[i].fcb_opaque = NULL;
        rte_mbuf_ext_refcnt_set(&fc->shinfo[i], 1);
    }
    LR_LOG(INFO, files, "file cache: %s: %u entries, %" PRIu64 " bytes", root, fc->nb, fc->bytes);
    return fc;

fail:
    if (err != NULL && errlen > 0 && err[0] == '\0')
        fc_err(err, errlen, "file cache: %s: %s", root, strerror(-rc));
    lr_file_cache_free(fc);
    rte_errno = -rc;
    return NULL;
}

void lr_file_cache_free(struct lr_file_cache *fc)
{
    if (fc == NULL)
        return;
    for (uint32_t i = 0; i < fc->nb; i++) {
        free((void *)(uintptr_t)fc->entries[i].path);
        free((void *)(uintptr_t)fc->entries[i].hdr);
    }
    free(fc->entries);
    free(fc->slots);
    free(fc->hashes);
    rte_free(fc->arena);
    rte_free(fc->shinfo);
    free(fc->ascii);
    free(fc);
}

struct lr_file_cache *lr_file_cache_get(const char *root, uint64_t budget, uint16_t nb_workers,
                                        char *err, size_t errlen)
{
    char real[PATH_MAX];

    if (root != NULL && realpath(root, real) != NULL) {
        for (struct lr_file_cache *fc = shared; fc != NULL; fc = fc->next) {
            if (strcmp(fc->root_real, real) == 0 && fc->nb_workers >= nb_workers) {
                fc->refs++;
                return fc;
            }
        }
    }
    struct lr_file_cache *fc = lr_file_cache_load(root, budget, nb_workers, err, errlen);
    if (fc == NULL)
        return NULL;
    fc->refs = 1;
    fc->next = shared;
    shared = fc;
    return fc;
}

void lr_file_cache_put(struct lr_file_cache *fc)
{
    if (fc == NULL || fc->refs == 0 || --fc->refs != 0)
        return;
    for (struct lr_file_cache **pp = &shared; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == fc) {
            *pp = fc->next;
            break;
        }
    }
    lr_file_cache_free(fc);
}

const struct lr_file_entry *lr_file_cache_lookup(const struct lr_file_cache *fc, const char *vpath,
                                                 size_t len)
{
    if (fc == NULL || vpath == NULL || len == 0 || vpath[0] != '/')
        return NULL;
    if (len > 1 && vpath[len - 1] == '/')
        len--;
    uint64_t h = path_hash(vpath, len);
    uint32_t s = (uint32_t)h & fc->hmask;
    uint32_t idx;
    while ((idx = fc->slots[s]) != 0) {
        const struct lr_file_entry *e = &fc->entries[idx - 1];
        if (fc->hashes[s] == h && e->path_len == len && memcmp(e->path, vpath, len) == 0)
            return e;
        s = (s + 1) & fc->hmask;
    }
    return NULL;
}

const struct lr_file_entry *lr_file_cache_root(const struct lr_file_cache *fc)
{
    return fc != NULL && fc->nb > 0 ? &fc->entries[0] : NULL;
}

const struct lr_file_entry *lr_file_cache_child(const struct lr_file_cache *fc,
                                                const struct lr_file_entry *dir, uint32_t i)
{
    if (fc == NULL || dir == NULL || dir->type != LR_FILE_DIR || i >= dir->nb_children)
        return NULL;
    return &fc->entries[dir->first_child + i];
}

const struct lr_file_entry *lr_file_cache_entry(const struct lr_file_cache *fc, uint32_t index)
{
    return fc != NULL && index < fc->nb ? &fc->entries[index] : NULL;
}

uint32_t lr_file_cache_count(const struct lr_file_cache *fc)
{
    return fc != NULL ? fc->nb : 0;
}

uint64_t lr_file_cache_bytes(const struct lr_file_cache *fc)
{
    return fc != NULL ? fc->bytes : 0;
}

int lr_file_cache_attach(const struct lr_file_cache *fc, uint16_t worker_id,
                         const struct lr_file_entry *f, uint64_t off, uint32_t len,
                         struct rte_mbuf *m)
{
    if (unlikely(fc == NULL || f == NULL || m == NULL || f->type != LR_FILE_REG || len == 0 ||
                 len > UINT16_MAX || off > f->size || len > f->size - off ||
                 worker_id >= fc->nb_workers || m->data_len != 0 || m->pkt_len != 0 ||
                 m->next != NULL || RTE_MBUF_HAS_EXTBUF(m)))
        return -EINVAL;
    struct rte_mbuf_ext_shared_info *sh = &fc->shinfo[(size_t)worker_id * fc->nb + f->index];
    void *addr = (void *)(uintptr_t)(f->data + off);
    rte_iova_t iova = fc->iova_va ? (rte_iova_t)(uintptr_t)addr : rte_malloc_virt2iova(addr);
    /*
     * The count is kept roughly meaningful (+1 per attach, -1 per free) but is
     * never relied upon: the free callback does nothing, so wrapping is harmless.
     */
    rte_mbuf_ext_refcnt_update(sh, 1);
    rte_pktmbuf_attach_extbuf(m, addr, iova, (uint16_t)len, sh);
    m->data_len = (uint16_t)len;
    m->pkt_len = len;
    return 0;
}

uint64_t lr_file_cache_ascii_size(const struct lr_file_cache *fc, const struct lr_file_entry *f)
{
    if (fc == NULL || f == NULL || f->type != LR_FILE_REG || f->index >= fc->nb ||
        fc->ascii == NULL)
        return 0;
    uint64_t v = __atomic_load_n(&fc->ascii[f->index], __ATOMIC_RELAXED);
    if (v != 0)
        return v - 1;
    /* RFC 959 §3.1.1.1 as the FTP server converts: an LF not preceded by a
     * CR is sent as CRLF, everything else as is. Counted once; workers that
     * race here store the same value. */
    uint64_t extra = 0;
    const uint8_t *p = f->data, *end = f->data + f->size;
    while (p != NULL && p < end) {
        const uint8_t *lf = memchr(p, '\n', (size_t)(end - p));
        if (lf == NULL)
            break;
        if (lf == f->data || lf[-1] != '\r')
            extra++;
        p = lf + 1;
    }
    v = f->size + extra;
    __atomic_store_n(&fc->ascii[f->index], v + 1, __ATOMIC_RELAXED);
    return v;
}
