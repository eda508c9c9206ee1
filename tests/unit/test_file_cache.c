/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests for lr_file_cache: loading a temp tree, lookup, listing, budget, zero-copy attach. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "lr_file_cache.h"
#include "lr_http_parser.h"
#include "lr_test.h"

static char tmpdir[256];
static char outside[256];
static struct rte_mempool *pool;

static void make_dir(const char *rel)
{
    char p[PATH_MAX];
    snprintf(p, sizeof(p), "%s/%s", tmpdir, rel);
    assert_int_equal(mkdir(p, 0755), 0);
}

static int rm_rf(const char *p)
{
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", p);
    return system(cmd);
}

static int group_setup(void **state)
{
    (void)state;
    /* Plain EAL without devices: the cache needs DPDK memory only. */
    char *argv[] = {
        "test_file_cache",   "--no-huge", "--no-pci", "-m", "256", "--no-shconf", "-l", "0",
        "--log-level=error", NULL,
    };
    if (rte_eal_init((int)RTE_DIM(argv) - 1, argv) < 0)
        return -1;
    pool = rte_pktmbuf_pool_create("fc_test_pool", 256, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                   SOCKET_ID_ANY);
    if (pool == NULL)
        return -1;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/lr_fc_test_%d", (int)getpid());
    snprintf(outside, sizeof(outside), "/tmp/lr_fc_outside_%d", (int)getpid());
    rm_rf(tmpdir);
    rm_rf(outside);
    if (mkdir(tmpdir, 0755) < 0 || mkdir(outside, 0755) < 0)
        return -1;
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    rm_rf(tmpdir);
    rm_rf(outside);
    rte_mempool_free(pool);
    return 0;
}

/* Tree: /index.html, /b.txt, /empty, /sub/{x.css, deep/y.bin}, /link-in -> b.txt,
 * /link-out -> outside file, /link-dir -> sub */
static void build_tree(void)
{
    lr_test_write_file(tmpdir, "index.html", "<h1>hi</h1>\n", 12);
    lr_test_write_file(tmpdir, "b.txt", "bbbb", 4);
    lr_test_write_file(tmpdir, "empty", "", 0);
    make_dir("sub");
    lr_test_write_file(tmpdir, "sub/x.css", "body{}", 6);
    make_dir("sub/deep");
    uint8_t big[70000];
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (uint8_t)(i * 7 + 3);
    lr_test_write_file(tmpdir, "sub/deep/y.bin", big, sizeof(big));
    char p[PATH_MAX], t[PATH_MAX];
    snprintf(p, sizeof(p), "%s/link-in", tmpdir);
    assert_int_equal(symlink("b.txt", p), 0);
    snprintf(t, sizeof(t), "%s/secret", outside);
    FILE *f = fopen(t, "w");
    assert_non_null(f);
    fputs("secret", f);
    fclose(f);
    snprintf(p, sizeof(p), "%s/link-out", tmpdir);
    assert_int_equal(symlink(t, p), 0);
    snprintf(p, sizeof(p), "%s/link-dir", tmpdir);
    assert_int_equal(symlink("sub", p), 0);
}

static const struct lr_file_entry *lk(const struct lr_file_cache *fc, const char *p)
{
    return lr_file_cache_lookup(fc, p, strlen(p));
}

static void test_load_and_lookup(void **state)
{
    (void)state;
    build_tree();
    char err[256];
    struct lr_file_cache *fc = lr_file_cache_load(tmpdir, 1 << 20, 2, err, sizeof(err));
    if (fc == NULL)
        fail_msg("load: %s", err);
    /* /, index.html, b.txt, empty, sub, x.css, deep, y.bin, link-in */
    assert_int_equal(lr_file_cache_count(fc), 9);
    assert_int_equal(lr_file_cache_bytes(fc), 12 + 4 + 0 + 6 + 70000 + 4);

    const struct lr_file_entry *root = lr_file_cache_root(fc);
    assert_non_null(root);
    assert_int_equal(root->type, LR_FILE_DIR);
    assert_string_equal(root->path, "/");
    assert_ptr_equal(lk(fc, "/"), root);

    const struct lr_file_entry *e = lk(fc, "/index.html");
    assert_non_null(e);
    assert_int_equal(e->type, LR_FILE_REG);
    assert_int_equal(e->size, 12);
    assert_memory_equal(e->data, "<h1>hi</h1>\n", 12);
    assert_string_equal(e->name, "index.html");
    assert_string_equal(e->mime, "text/html; charset=utf-8");
    assert_int_equal(e->etag[0], '"');
    assert_int_equal(e->etag[e->etag_len - 1], '"');
    assert_int_equal(strlen(e->etag), e->etag_len);
    assert_non_null(strstr(e->hdr, "Content-Length: 12\r\n"));
    assert_non_null(strstr(e->hdr, "Content-Type: text/html; charset=utf-8\r\n"));
    assert_non_null(strstr(e->hdr, "Accept-Ranges: bytes\r\n"));
    assert_non_null(strstr(e->hdr, e->etag));
    assert_int_equal(strlen(e->hdr), e->hdr_len);
    time_t t;
    assert_int_equal(lr_http_date_parse(e->last_modified, strlen(e->last_modified), &t), 0);
    assert_int_equal(t, e->mtime);

    e = lk(fc, "/sub/deep/y.bin");
    assert_non_null(e);
    assert_int_equal(e->size, 70000);
    assert_int_equal(e->data[69999], (uint8_t)(69999 * 7 + 3));
    assert_int_equal((uintptr_t)e->data % 64, 0);
    assert_ptr_equal(lr_file_cache_entry(fc, e->parent), lk(fc, "/sub/deep"));

    /* Directory with or without trailing slash. */
    const struct lr_file_entry *sub = lk(fc, "/sub/");
    assert_non_null(sub);
    assert_ptr_equal(sub, lk(fc, "/sub"));
    assert_int_equal(sub->type, LR_FILE_DIR);

    /* Empty file: no data, size 0. */
    e = lk(fc, "/empty");
    assert_non_null(e);
    assert_int_equal(e->size, 0);
    assert_null(e->data);
    assert_non_null(strstr(e->hdr, "Content-Length: 0\r\n"));

    /* Symlink inside the root to a file is served; outside and to a directory are not. */
    e = lk(fc, "/link-in");
    assert_non_null(e);
    assert_memory_equal(e->data, "bbbb", 4);
    assert_null(lk(fc, "/link-out"));
    assert_null(lk(fc, "/link-dir"));
    assert_null(lk(fc, "/link-dir/x.css"));

    /* Misses. */
    assert_null(lk(fc, "/nope"));
    assert_null(lk(fc, "/index.htm"));
    assert_null(lk(fc, "index.html"));
    assert_null(lk(fc, ""));
    assert_null(lr_file_cache_lookup(fc, "/index.html", 6));

    /* Children sorted by name. */
    assert_int_equal(root->nb_children, 5);
    const char *want[] = { "b.txt", "empty", "index.html", "link-in", "sub" };
    for (uint32_t i = 0; i < 5; i++) {
        const struct lr_file_entry *c = lr_file_cache_child(fc, root, i);
        assert_non_null(c);
        assert_string_equal(c->name, want[i]);
        assert_int_equal(c->parent, 0);
    }
    assert_null(lr_file_cache_child(fc, root, 5));
    assert_null(lr_file_cache_child(fc, lk(fc, "/b.txt"), 0));
    assert_int_equal(sub->nb_children, 2);
    assert_string_equal(lr_file_cache_child(fc, sub, 0)->name, "deep");
    assert_string_equal(lr_file_cache_child(fc, sub, 1)->path, "/sub/x.css");
    lr_file_cache_free(fc);
}

static void test_attach(void **state)
{
    (void)state;
    char err[256];
    struct lr_file_cache *fc = lr_file_cache_load(tmpdir, 1 << 20, 2, err, sizeof(err));
    if (fc == NULL)
        fail_msg("load: %s", err);
    const struct lr_file_entry *f = lk(fc, "/sub/deep/y.bin");
    unsigned avail = rte_mempool_avail_count(pool);

    struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
    assert_non_null(m);
    assert_int_equal(lr_file_cache_attach(fc, 1, f, 1000, 1460, m), 0);
    assert_int_equal(rte_pktmbuf_pkt_len(m), 1460);
    assert_true(RTE_MBUF_HAS_EXTBUF(m));
    assert_ptr_equal(rte_pktmbuf_mtod(m, const uint8_t *), f->data + 1000);
    /* A chain: header mbuf + two file segments. */
    struct rte_mbuf *m2 = rte_pktmbuf_alloc(pool);
    assert_int_equal(lr_file_cache_attach(fc, 1, f, 2460, 65535, m2), 0);
    assert_int_equal(rte_pktmbuf_chain(m, m2), 0);
    assert_int_equal(rte_pktmbuf_pkt_len(m), 1460 + 65535);
    /* A clone shares the external buffer (what TCP retransmission may do). */
    struct rte_mbuf *cl = rte_pktmbuf_clone(m, pool);
    assert_non_null(cl);
    rte_pktmbuf_free(m);
    assert_int_equal(*rte_pktmbuf_mtod_offset(cl, const uint8_t *, 5), (uint8_t)((1005) * 7 + 3));
    rte_pktmbuf_free(cl);

    /* Bad arguments. */
    m = rte_pktmbuf_alloc(pool);
    assert_int_equal(lr_file_cache_attach(fc, 2, f, 0, 10, m), -EINVAL); /* worker id */
    assert_int_equal(lr_file_cache_attach(fc, 0, f, 69990, 11, m), -EINVAL);
    assert_int_equal(lr_file_cache_attach(fc, 0, f, 0, 65536, m), -EINVAL);
    assert_int_equal(lr_file_cache_attach(fc, 0, f, 0, 0, m), -EINVAL);
    assert_int_equal(lr_file_cache_attach(fc, 0, f, UINT64_MAX, 1, m), -EINVAL);
    assert_int_equal(lr_file_cache_attach(fc, 0, lk(fc, "/sub"), 0, 1, m), -EINVAL);
    assert_int_equal(lr_file_cache_attach(fc, 0, f, 69990, 10, m), 0);
    assert_int_equal(lr_file_cache_attach(fc, 0, f, 0, 10, m), -EINVAL); /* not empty */
    rte_pktmbuf_free(m);

    /* Many attach/free cycles: no leak, no callback trouble. */
    for (int i = 0; i < 70000; i++) {
        m = rte_pktmbuf_alloc(pool);
        assert_non_null(m);
        assert_int_equal(lr_file_cache_attach(fc, 0, f, (uint64_t)i % 60000, 100, m), 0);
        rte_pktmbuf_free(m);
    }
    assert_int_equal(rte_mempool_avail_count(pool), avail);
    lr_file_cache_free(fc);
}

static void test_budget(void **state)
{
    (void)state;
    char err[256];
    struct lr_file_cache *fc = lr_file_cache_load(tmpdir, 1000, 1, err, sizeof(err));
    assert_null(fc);
    assert_int_equal(rte_errno, EFBIG);
    assert_non_null(strstr(err, tmpdir));
    assert_non_null(strstr(err, "cache_bytes = 1000"));
    /* Exactly the total fits. */
    fc = lr_file_cache_load(tmpdir, 12 + 4 + 6 + 70000 + 4, 1, err, sizeof(err));
    assert_non_null(fc);
    lr_file_cache_free(fc);
}

static void test_bad_root(void **state)
{
    (void)state;
    char err[256];
    assert_null(lr_file_cache_load("/nonexistent/lr/root", 1000, 1, err, sizeof(err)));
    assert_int_equal(rte_errno, ENOENT);
    assert_non_null(strstr(err, "/nonexistent/lr/root"));
    char p[PATH_MAX];
    snprintf(p, sizeof(p), "%s/b.txt", tmpdir);
    assert_null(lr_file_cache_load(p, 1000, 1, err, sizeof(err)));
    assert_int_equal(rte_errno, ENOTDIR);
    assert_null(lr_file_cache_load(NULL, 1000, 1, err, sizeof(err)));
    lr_file_cache_free(NULL);
}

static void test_empty_root(void **state)
{
    (void)state;
    char err[256];
    struct lr_file_cache *fc = lr_file_cache_load(outside, 0, 1, err, sizeof(err));
    /* outside/ holds 6 bytes ("secret"): over a zero budget. */
    assert_null(fc);
    char p[PATH_MAX];
    snprintf(p, sizeof(p), "%s/emptydir", outside);
    assert_int_equal(mkdir(p, 0755), 0);
    fc = lr_file_cache_load(p, 0, 1, err, sizeof(err));
    assert_non_null(fc);
    assert_int_equal(lr_file_cache_count(fc), 1);
    assert_int_equal(lr_file_cache_root(fc)->nb_children, 0);
    assert_null(lk(fc, "/x"));
    lr_file_cache_free(fc);
}

/* FTP SIZE in TYPE A (RFC 3659 §4): LF not preceded by CR counts twice;
 * counted once, then kept (the same answer again). */
static void test_ascii_size(void **state)
{
    (void)state;
    char err[256], d[PATH_MAX], p[PATH_MAX + 16];
    snprintf(d, sizeof(d), "%s/ascii", outside);
    assert_int_equal(mkdir(d, 0755), 0);
    static const char text[] = "a\r\nb\n\n\rc\r\r\n\nz";
    snprintf(p, sizeof(p), "%s/t.txt", d);
    FILE *fh = fopen(p, "w");
    assert_non_null(fh);
    fwrite(text, 1, sizeof(text) - 1, fh);
    fclose(fh);
    snprintf(p, sizeof(p), "%s/lf.txt", d);
    fh = fopen(p, "w");
    assert_non_null(fh);
    fputs("\nx\n", fh);
    fclose(fh);
    snprintf(p, sizeof(p), "%s/e", d);
    fh = fopen(p, "w");
    assert_non_null(fh);
    fclose(fh);
    struct lr_file_cache *fc = lr_file_cache_load(d, 1 << 20, 1, err, sizeof(err));
    assert_non_null(fc);
    /* a CR LF b LF LF CR c CR CR LF LF z: the 2nd, 3rd and 5th LF get a CR */
    const struct lr_file_entry *e = lk(fc, "/t.txt");
    assert_int_equal(e->size, sizeof(text) - 1);
    assert_int_equal(lr_file_cache_ascii_size(fc, e), sizeof(text) - 1 + 3);
    assert_int_equal(lr_file_cache_ascii_size(fc, e), sizeof(text) - 1 + 3);
    assert_int_equal(lr_file_cache_ascii_size(fc, lk(fc, "/lf.txt")), 5); /* LF first */
    assert_int_equal(lr_file_cache_ascii_size(fc, lk(fc, "/e")), 0);
    assert_int_equal(lr_file_cache_ascii_size(fc, lk(fc, "/")), 0); /* a directory */
    assert_int_equal(lr_file_cache_ascii_size(fc, NULL), 0);
    lr_file_cache_free(fc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_and_lookup), cmocka_unit_test(test_attach),
        cmocka_unit_test(test_budget),          cmocka_unit_test(test_bad_root),
        cmocka_unit_test(test_empty_root),      cmocka_unit_test(test_ascii_size),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
