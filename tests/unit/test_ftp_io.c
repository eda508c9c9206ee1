/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The FTP disk I/O thread: every operation through the rings, confinement of
 * writes to the upload directory, the bounded message pool (what the server's
 * receive flow control relies on), stale-free shutdown.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <rte_memory.h>

#include "lr_ftp_io.h"
#include "lr_test.h"

static char root[64];

/* Submit @m and wait (bounded) for its completion. */
static struct lr_ftp_io_msg *run(struct lr_ftp_io *io, struct lr_ftp_io_msg *m)
{
    assert_int_equal(lr_ftp_io_submit(io, 0, m), 0);
    struct lr_ftp_io_msg *done = NULL;
    for (int i = 0; i < 20000 && done == NULL; i++) {
        if (lr_ftp_io_complete(io, 0, &done, 1) == 0) {
            done = NULL;
            struct timespec ts = { 0, 100000 };
            nanosleep(&ts, NULL);
        }
    }
    assert_non_null(done);
    assert_ptr_equal(done, m);
    return done;
}

static struct lr_ftp_io_msg *op(struct lr_ftp_io *io, enum lr_ftp_io_op o, const char *path)
{
    struct lr_ftp_io_msg *m = lr_ftp_io_alloc(io, 0);
    assert_non_null(m);
    m->op = (uint8_t)o;
    snprintf(m->path, sizeof(m->path), "%s", path);
    return m;
}

/* A WOPEN of target @path through temporary @tmp (not yet submitted). */
static struct lr_ftp_io_msg *wopen(struct lr_ftp_io *io, const char *path, const char *tmp)
{
    struct lr_ftp_io_msg *m = op(io, LR_FTP_IO_WOPEN, path);
    snprintf(m->path2, sizeof(m->path2), "%s", tmp);
    return m;
}

static bool on_disk(const char *rel)
{
    char p[256];
    struct stat st;
    snprintf(p, sizeof(p), "%s/%s", root, rel);
    return lstat(p, &st) == 0;
}

static void read_disk(const char *rel, char *buf, size_t cap, ssize_t *n)
{
    char p[256];
    snprintf(p, sizeof(p), "%s/%s", root, rel);
    int fd = open(p, O_RDONLY);
    assert_true(fd >= 0);
    *n = read(fd, buf, cap);
    close(fd);
}

static int group_setup(void **state)
{
    (void)state;
    if (lr_test_eal_init() != 0)
        return -1;
    snprintf(root, sizeof(root), "/tmp/lr-ftp-io-XXXXXX");
    if (mkdtemp(root) == NULL)
        return -1;
    char p[256];
    snprintf(p, sizeof(p), "%s/upload", root);
    mkdir(p, 0755);
    snprintf(p, sizeof(p), "%s/ro.txt", root);
    FILE *f = fopen(p, "w");
    fputs("read only\n", f);
    fclose(f);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    return system(cmd) == 0 ? 0 : -1;
}

static void write_read_list(void **state)
{
    (void)state;
    struct lr_ftp_io *io = lr_ftp_io_start(root, "/upload", NULL, 1, 8, SOCKET_ID_ANY);
    assert_non_null(io);
    assert_int_equal(lr_ftp_io_free_count(io, 0), 8);

    struct lr_ftp_io_msg *m =
        run(io, wopen(io, "/upload/a.bin", "/upload/" LR_FTP_TEMP_PREFIX "t1"));
    assert_int_equal(m->rc, 0);
    assert_int_equal(m->offset, 0);
    int fd = m->fd;
    assert_true(fd >= 0);
    m->op = LR_FTP_IO_WRITE;
    memcpy(m->data, "hello world", 11);
    m->len = 11;
    m = run(io, m);
    assert_int_equal(m->rc, 0);
    /* Not there before the COMMIT, complete after it, no temporary left. */
    assert_false(on_disk("upload/a.bin"));
    m->op = LR_FTP_IO_COMMIT;
    m = run(io, m);
    assert_int_equal(m->rc, 0);
    assert_int_equal(m->fd, -1);
    lr_ftp_io_free(io, 0, m);
    assert_false(on_disk("upload/" LR_FTP_TEMP_PREFIX "t1"));

    char buf[64];
    ssize_t n;
    read_disk("upload/a.bin", buf, sizeof(buf), &n);
    assert_int_equal(n, 11);
    assert_memory_equal(buf, "hello world", 11);

    /* REST + STOR starts from a copy of the first bytes; APPE from all. */
    m = wopen(io, "/upload/a.bin", "/upload/" LR_FTP_TEMP_PREFIX "t2");
    m->offset = 5;
    m = run(io, m);
    assert_int_equal(m->rc, 0);
    assert_int_equal(m->offset, 5);
    m->op = LR_FTP_IO_WRITE;
    memcpy(m->data, "!!", 2);
    m->len = 2;
    m = run(io, m);
    m->op = LR_FTP_IO_COMMIT;
    m = run(io, m);
    assert_int_equal(m->rc, 0);
    lr_ftp_io_free(io, 0, m);
    read_disk("upload/a.bin", buf, sizeof(buf), &n);
    assert_int_equal(n, 7);
    assert_memory_equal(buf, "hello!!", 7);
    m = wopen(io, "/upload/a.bin", "/upload/" LR_FTP_TEMP_PREFIX "t3");
    m->append = true;
    m = run(io, m);
    assert_int_equal(m->rc, 0);
    assert_int_equal(m->offset, 7);
    m->op = LR_FTP_IO_WRITE;
    memcpy(m->data, "++", 2);
    m->len = 2;
    m = run(io, m);
    m->op = LR_FTP_IO_COMMIT;
    m = run(io, m);
    lr_ftp_io_free(io, 0, m);
    read_disk("upload/a.bin", buf, sizeof(buf), &n);
    assert_int_equal(n, 9);
    assert_memory_equal(buf, "hello!!++", 9);

    /* READ at an offset, then EOF. */
    m = op(io, LR_FTP_IO_READ, "/upload/a.bin");
    m->offset = 5;
    m = run(io, m);
    assert_int_equal(m->rc, 0);
    assert_int_equal(m->len, 4);
    assert_memory_equal(m->data, "!!++", 4);
    m->offset = 9;
    m = run(io, m);
    assert_int_equal(m->len, 0);
    assert_true(m->eof);
    lr_ftp_io_free(io, 0, m);
    m = run(io, op(io, LR_FTP_IO_READ, "/upload/nope"));
    assert_int_equal(m->rc, -ENOENT);
    lr_ftp_io_free(io, 0, m);

    /* LIST in NLST style, then skip past the only entry. */
    m = op(io, LR_FTP_IO_LIST, "/upload");
    m->style = LR_FTP_LIST_NAME;
    m = run(io, m);
    assert_int_equal(m->rc, 0);
    assert_int_equal(m->count, 1);
    assert_true(m->eof);
    assert_int_equal(m->len, 7);
    assert_memory_equal(m->data, "a.bin\r\n", 7);
    m->skip = 1;
    m = run(io, m);
    assert_int_equal(m->count, 0);
    assert_int_equal(m->len, 0);
    lr_ftp_io_free(io, 0, m);

    /* stat */
    bool dir;
    uint64_t size;
    int64_t mtime;
    assert_int_equal(lr_ftp_io_stat(io, "/upload/a.bin", &dir, &size, &mtime), 0);
    assert_false(dir);
    assert_int_equal(size, 9);
    assert_int_equal(lr_ftp_io_stat(io, "/upload", &dir, &size, &mtime), 0);
    assert_true(dir);
    assert_int_equal(lr_ftp_io_stat(io, "/upload/zz", &dir, &size, &mtime), -ENOENT);
    assert_int_equal(lr_ftp_io_free_count(io, 0), 8);
    lr_ftp_io_stop(io);
}

static void fs_ops_and_confinement(void **state)
{
    (void)state;
    struct lr_ftp_io *io = lr_ftp_io_start(root, "/upload", NULL, 1, 4, SOCKET_ID_ANY);
    assert_non_null(io);
    struct lr_ftp_io_msg *m = run(io, op(io, LR_FTP_IO_MKD, "/upload/d"));
    assert_int_equal(m->rc, 0);
    lr_ftp_io_free(io, 0, m);
    m = run(io, op(io, LR_FTP_IO_MKD, "/upload/d"));
    assert_int_equal(m->rc, -EEXIST);
    lr_ftp_io_free(io, 0, m);
    m = op(io, LR_FTP_IO_RENAME, "/upload/d");
    snprintf(m->path2, sizeof(m->path2), "/upload/e");
    m = run(io, m);
    assert_int_equal(m->rc, 0);
    lr_ftp_io_free(io, 0, m);
    m = run(io, op(io, LR_FTP_IO_RMD, "/upload/e"));
    assert_int_equal(m->rc, 0);
    lr_ftp_io_free(io, 0, m);
    m = run(io, op(io, LR_FTP_IO_DELE, "/upload/missing"));
    assert_int_equal(m->rc, -ENOENT);
    lr_ftp_io_free(io, 0, m);

    /* Writes outside the upload directory are refused whatever the caller says. */
    static const char *const bad[] = { "/ro.txt", "/upload", "/x/../ro.txt", "/uploadx/f" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        m = run(io, wopen(io, bad[i], "/upload/" LR_FTP_TEMP_PREFIX "x"));
        assert_int_equal(m->rc, -EPERM);
        m->op = LR_FTP_IO_DELE;
        m = run(io, m);
        assert_int_equal(m->rc, -EPERM);
        lr_ftp_io_free(io, 0, m);
    }
    m = op(io, LR_FTP_IO_RENAME, "/upload/a.bin");
    snprintf(m->path2, sizeof(m->path2), "/stolen.bin");
    m = run(io, m);
    assert_int_equal(m->rc, -EPERM);
    lr_ftp_io_free(io, 0, m);
    struct stat st;
    char p[256];
    snprintf(p, sizeof(p), "%s/ro.txt", root);
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_size, 10);
    lr_ftp_io_stop(io);
}

/* Atomic uploads: a DISCARD leaves the target as it was, a failed WOPEN
 * leaves nothing, temporary names are invisible and only the server's,
 * the sweep removes every temporary file and nothing else. */
static void atomic_uploads(void **state)
{
    (void)state;
    struct lr_ftp_io *io = lr_ftp_io_start(root, "/upload", NULL, 1, 4, SOCKET_ID_ANY);
    assert_non_null(io);
    mkdir(strcat(strcpy((char[256]){ 0 }, root), "/upload/sub"), 0755);
    lr_test_write_file(root, "upload/sub/keep.txt", "original", strlen("original"));
    const char *tmp = "/upload/sub/" LR_FTP_TEMP_PREFIX "a";

    /* APPE then DISCARD (a 426/552): the target is untouched. */
    struct lr_ftp_io_msg *m = wopen(io, "/upload/sub/keep.txt", tmp);
    m->append = true;
    m = run(io, m);
    assert_int_equal(m->rc, 0);
    assert_int_equal(m->offset, 8);
    assert_true(on_disk("upload/sub/" LR_FTP_TEMP_PREFIX "a"));
    m->op = LR_FTP_IO_WRITE;
    memcpy(m->data, "garbage", 7);
    m->len = 7;
    m = run(io, m);
    m->op = LR_FTP_IO_DISCARD;
    m = run(io, m);
    assert_int_equal(m->rc, 0);
    assert_false(on_disk("upload/sub/" LR_FTP_TEMP_PREFIX "a"));
    char buf[64];
    ssize_t n;
    read_disk("upload/sub/keep.txt", buf, sizeof(buf), &n);
    assert_int_equal(n, 8);
    assert_memory_equal(buf, "original", 8);

    /* The file to append to is already past the limit: -EFBIG, no temporary. */
    snprintf(m->path, sizeof(m->path), "/upload/sub/keep.txt");
    snprintf(m->path2, sizeof(m->path2), "%s", tmp);
    m->op = LR_FTP_IO_WOPEN;
    m->append = true;
    m->limit = 4;
    m = run(io, m);
    assert_int_equal(m->rc, -EFBIG);
    assert_false(on_disk("upload/sub/" LR_FTP_TEMP_PREFIX "a"));
    /* A temporary name must be one (prefix) and new (O_EXCL). */
    m->limit = UINT64_MAX;
    snprintf(m->path2, sizeof(m->path2), "/upload/sub/keep.txt");
    m = run(io, m);
    assert_int_equal(m->rc, -EPERM);
    lr_test_write_file(root, "upload/sub/" LR_FTP_TEMP_PREFIX "a", "planted", strlen("planted"));
    snprintf(m->path2, sizeof(m->path2), "%s", tmp);
    m->append = false;
    m = run(io, m);
    assert_int_equal(m->rc, -EEXIST);
    read_disk("upload/sub/" LR_FTP_TEMP_PREFIX "a", buf, sizeof(buf), &n);
    assert_int_equal(n, 7);

    /* Invisible: not listed, not stat'ed, not read; not deleted or renamed. */
    m->op = LR_FTP_IO_LIST;
    snprintf(m->path, sizeof(m->path), "/upload/sub");
    m->style = LR_FTP_LIST_NAME;
    m = run(io, m);
    assert_int_equal(m->rc, 0);
    assert_int_equal(m->count, 1);
    assert_memory_equal(m->data, "keep.txt\r\n", 10);
    bool dir;
    uint64_t size;
    int64_t mtime;
    assert_int_equal(lr_ftp_io_stat(io, tmp, &dir, &size, &mtime), -ENOENT);
    m->op = LR_FTP_IO_READ;
    snprintf(m->path, sizeof(m->path), "%s", tmp);
    m->offset = 0;
    m = run(io, m);
    assert_int_equal(m->rc, -ENOENT);
    m->op = LR_FTP_IO_DELE;
    m = run(io, m);
    assert_int_equal(m->rc, -EPERM);
    m->op = LR_FTP_IO_RENAME;
    snprintf(m->path, sizeof(m->path), "/upload/sub/keep.txt");
    snprintf(m->path2, sizeof(m->path2), "%s", tmp);
    m = run(io, m);
    assert_int_equal(m->rc, -EPERM);
    /* SIZE in TYPE A of a file on disk: LF -> CRLF counted (RFC 3659 §4). */
    lr_test_write_file(root, "upload/lf.txt", "a\nb\r\n\n", strlen("a\nb\r\n\n"));
    m->op = LR_FTP_IO_ASCII_SIZE;
    snprintf(m->path, sizeof(m->path), "/upload/lf.txt");
    m = run(io, m);
    assert_int_equal(m->rc, 0);
    assert_int_equal(m->offset, 8);
    snprintf(m->path, sizeof(m->path), "%s", tmp);
    m = run(io, m);
    assert_int_equal(m->rc, -ENOENT);
    lr_ftp_io_free(io, 0, m);
    assert_int_equal(lr_ftp_io_free_count(io, 0), 4);
    lr_ftp_io_stop(io);

    /* The sweep: every temporary file below the upload directory, nothing else. */
    lr_test_write_file(root, "upload/" LR_FTP_TEMP_PREFIX "top", "x", strlen("x"));
    lr_test_write_file(root, "upload/.hidden", "x", strlen("x"));
    assert_int_equal(lr_ftp_io_sweep(root, "/upload"), 2);
    assert_false(on_disk("upload/" LR_FTP_TEMP_PREFIX "top"));
    assert_false(on_disk("upload/sub/" LR_FTP_TEMP_PREFIX "a"));
    assert_true(on_disk("upload/.hidden"));
    assert_true(on_disk("upload/sub/keep.txt"));
    assert_int_equal(lr_ftp_io_sweep(root, "/upload"), 0);
    assert_int_equal(lr_ftp_io_sweep(root, ""), 0);
    assert_true(lr_ftp_io_sweep(root, "/nope") < 0);
}

static void bounded_pool(void **state)
{
    (void)state;
    struct lr_ftp_io *io = lr_ftp_io_start(root, "/upload", NULL, 2, 3, SOCKET_ID_ANY);
    assert_non_null(io);
    struct lr_ftp_io_msg *m[3];
    for (int i = 0; i < 3; i++)
        assert_non_null(m[i] = lr_ftp_io_alloc(io, 1));
    /* Worker 1's pool is empty: the server must wait (and stop reading). */
    assert_null(lr_ftp_io_alloc(io, 1));
    assert_int_equal(lr_ftp_io_free_count(io, 1), 0);
    assert_int_equal(lr_ftp_io_free_count(io, 0), 3); /* pools are per worker */
    lr_ftp_io_free(io, 1, m[0]);
    assert_int_equal(lr_ftp_io_free_count(io, 1), 1);
    lr_ftp_io_free(io, 1, m[1]);
    lr_ftp_io_free(io, 1, m[2]);
    assert_int_equal(lr_ftp_io_free_count(io, 1), 3);
    lr_ftp_io_stop(io);
    assert_null(lr_ftp_io_start(root, "/upload", NULL, 0, 3, SOCKET_ID_ANY));
    assert_null(lr_ftp_io_start(root, "/upload", NULL, 1, 0, SOCKET_ID_ANY));
}

/* openssl passwd -6 -salt abcdefgh secret */
#define H_ALICE                                                                                    \
    "$6$abcdefgh$ltjgWl6579NluT/Vi1nwEvcil.G5Nbc4NiXZaNGStk8PSwGfQv72N2CKPPrVACtLtip/cZ/1GM/"      \
    "O6IND4WQhG."

static void verify_off_worker(void **state)
{
    (void)state;
    struct lr_ftp_users u;
    char err[128];
    lr_ftp_users_init(&u);
    assert_int_equal(lr_ftp_users_load_string(&u, "alice:" H_ALICE "\n", "t", err, sizeof(err)), 0);
    /* No upload directory: the thread only checks passwords, writes are refused. */
    struct lr_ftp_io *io = lr_ftp_io_start(root, "", &u, 1, 2, SOCKET_ID_ANY);
    assert_non_null(io);
    struct lr_ftp_io_msg *m = op(io, LR_FTP_IO_VERIFY, "alice");
    snprintf(m->path2, sizeof(m->path2), "secret");
    m = run(io, m);
    assert_int_equal(m->rc, 0);
    assert_int_equal(m->path2[0], 0); /* the password is wiped */
    snprintf(m->path2, sizeof(m->path2), "Secret");
    m = run(io, m);
    assert_int_equal(m->rc, -EACCES);
    snprintf(m->path, sizeof(m->path), "bob");
    snprintf(m->path2, sizeof(m->path2), "secret");
    m = run(io, m);
    assert_int_equal(m->rc, -EACCES);
    m->op = LR_FTP_IO_WOPEN;
    snprintf(m->path, sizeof(m->path), "/upload/x");
    snprintf(m->path2, sizeof(m->path2), "/upload/" LR_FTP_TEMP_PREFIX "x");
    m = run(io, m);
    assert_int_equal(m->rc, -EPERM);
    lr_ftp_io_free(io, 0, m);
    lr_ftp_io_stop(io);
    lr_ftp_users_free(&u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(write_read_list),   cmocka_unit_test(fs_ops_and_confinement),
        cmocka_unit_test(atomic_uploads),    cmocka_unit_test(bounded_pool),
        cmocka_unit_test(verify_off_worker),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
