/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lr_ftp_io.h"
#include "lr_ftp_session.h"
#include "lr_runtime.h"

/* openssl passwd -6 -salt abcdefgh secret */
#define H_ALICE                                                                                    \
    "$6$abcdefgh$ltjgWl6579NluT/Vi1nwEvcil.G5Nbc4NiXZaNGStk8PSwGfQv72N2CKPPrVACtLtip/cZ/1GM/"      \
    "O6IND4WQhG."

#define CLIENT RTE_BE32(0xc6120001) /* 198.18.0.1 */
#define SERVER RTE_BE32(0xc6120002) /* 198.18.0.2 */
#define T0     1000000000ULL        /* us */
#define MTIME  1700000000LL

/* --- a fake file system -------------------------------------------------- */
struct fake_file {
    const char *path;
    bool dir;
    uint64_t size;
};

static const struct fake_file files[] = {
    { "/", true, 0 },
    { "/index.html", false, 1234 },
    { "/pub", true, 0 },
    { "/pub/big.bin", false, 20971520 },
    { "/pub/q\"uote", true, 0 },
    { "/upload", true, 0 },
    { "/upload/old.txt", false, 10 },
    { "/upload/sub", true, 0 },
};

static int fake_stat(void *ctx, const char *vpath, struct lr_ftp_stat *st)
{
    (void)ctx;
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        if (strcmp(files[i].path, vpath) == 0) {
            st->is_dir = files[i].dir;
            st->size = files[i].size;
            st->mtime = MTIME;
            return 0;
        }
    }
    return -ENOENT;
}

static int fake_list(void *ctx, const char *vpath, lr_ftp_list_fn fn, void *arg)
{
    (void)ctx;
    size_t vl = strlen(vpath);
    for (size_t i = 1; i < sizeof(files) / sizeof(files[0]); i++) {
        const char *p = files[i].path;
        const char *slash = strrchr(p, '/');
        size_t parent_len = (size_t)(slash - p);
        bool child =
            (vl == 1 && parent_len == 0) || (parent_len == vl && strncmp(p, vpath, vl) == 0);
        if (!child)
            continue;
        struct lr_ftp_entry e = { .name = slash + 1,
                                  .name_len = strlen(slash + 1),
                                  .is_dir = files[i].dir,
                                  .size = files[i].size,
                                  .mtime = MTIME };
        if (fn(arg, &e) != 0)
            break;
    }
    return 0;
}

/* ASCII sizes: index.html known at once (cache), the upload directory's
 * counted by the glue (-EAGAIN). */
static int fake_ascii_size(void *ctx, const char *vpath, uint64_t *size)
{
    (void)ctx;
    if (strcmp(vpath, "/index.html") == 0) {
        *size = 1300;
        return 0;
    }
    if (strncmp(vpath, "/upload/", 8) == 0)
        return -EAGAIN;
    return -ENOENT;
}

static const struct lr_ftp_fs_ops fake_fs = {
    .stat = fake_stat,
    .list = fake_list,
    .ascii_size = fake_ascii_size,
};

/* --- fixture ------------------------------------------------------------- */
struct fx {
    struct lr_ftp_users users;
    struct lr_ftp_session_cfg cfg;
    struct lr_ftp_stats stats;
    struct lr_ftp_session s;
    char buf[8192];
    struct lr_ftp_out out;
    struct lr_ftp_actions acts;
    uint64_t now;
};

static int setup(void **state)
{
    static struct fx f;
    memset(&f, 0, sizeof(f));
    char err[128];
    lr_ftp_users_init(&f.users);
    if (lr_ftp_users_load_string(&f.users, "alice:" H_ALICE "\n", "t", err, sizeof(err)) != 0)
        return -1;
    struct lr_ftp_config fc = { .anonymous = true,
                                .max_upload_bytes = 1000000,
                                .idle_timeout = 300000000 };
    snprintf(fc.upload_dir, sizeof(fc.upload_dir), "upload/");
    if (lr_ftp_session_cfg_from(&f.cfg, &fc) != 0)
        return -1;
    f.cfg.users = &f.users;
    f.cfg.fs = &fake_fs;
    f.now = T0;
    lr_ftp_out_init(&f.out, f.buf, sizeof(f.buf));
    lr_ftp_session_init(&f.s, &f.cfg, &f.stats, f.now, CLIENT, &f.out);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    lr_ftp_users_free(&f->users);
    return 0;
}

/* Send one line; return the replies it produced. */
static const char *cmd(struct fx *f, const char *line)
{
    lr_ftp_out_init(&f->out, f->buf, sizeof(f->buf));
    assert_false(lr_ftp_session_busy(&f->s));
    lr_ftp_session_line(&f->s, f->now, LR_FTP_LINE_READY, line, strlen(line), &f->out, &f->acts);
    assert_false(f->out.overflow);
    return f->buf;
}

static void expect(struct fx *f, const char *line, const char *want_prefix)
{
    const char *r = cmd(f, line);
    if (strncmp(r, want_prefix, strlen(want_prefix)) != 0)
        fail_msg("'%s' -> '%s', expected '%s...'", line, r, want_prefix);
}

static void expect_no_action(struct fx *f, const char *line, const char *want_prefix)
{
    expect(f, line, want_prefix);
    assert_int_equal(f->acts.n, 0);
}

static void login_anon(struct fx *f)
{
    expect(f, "USER anonymous", "331 ");
    expect(f, "PASS guest@", "230 ");
}

static void login_alice(struct fx *f)
{
    expect(f, "USER alice", "331 ");
    expect(f, "PASS secret", "230 ");
}

/* PASV and its completion from the glue. */
static void pasv(struct fx *f)
{
    cmd(f, "PASV");
    assert_int_equal(f->acts.a[f->acts.n - 1].type, LR_FTP_ACT_PASV_OPEN);
    assert_true(lr_ftp_session_busy(&f->s));
    lr_ftp_out_init(&f->out, f->buf, sizeof(f->buf));
    lr_ftp_session_pasv_opened(&f->s, f->now, 0, SERVER, RTE_BE16(50000), &f->out);
    assert_string_equal(f->buf, "227 Entering Passive Mode (198,18,0,2,195,80).\r\n");
    assert_false(lr_ftp_session_busy(&f->s));
}

static void done(struct fx *f, enum lr_ftp_xfer_result r)
{
    lr_ftp_out_init(&f->out, f->buf, sizeof(f->buf));
    lr_ftp_session_transfer_done(&f->s, f->now, r, &f->out, &f->acts);
}

/* --- tests --------------------------------------------------------------- */

static void greeting_and_basics(void **state)
{
    struct fx *f = *state;
    lr_ftp_out_init(&f->out, f->buf, sizeof(f->buf));
    lr_ftp_session_init(&f->s, &f->cfg, &f->stats, f->now, CLIENT, &f->out);
    assert_string_equal(f->buf, "220 linerate FTP server ready.\r\n");
    assert_string_equal(cmd(f, "SYST"), "215 UNIX Type: L8\r\n");
    assert_string_equal(cmd(f, "noop"), "200 NOOP ok.\r\n");
    const char *feat = cmd(f, "FEAT");
    assert_non_null(strstr(feat, "211-Features:\r\n"));
    const char *want[] = { " EPRT\r\n",        " EPSV\r\n",
                           " MDTM\r\n",        " MLST type*;size*;modify*;perm*;\r\n",
                           " REST STREAM\r\n", " SIZE\r\n",
                           " TVFS\r\n",        " UTF8\r\n" };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        assert_non_null(strstr(feat, want[i]));
    assert_non_null(strstr(feat, "\r\n211 End\r\n"));
    expect_no_action(f, "OPTS UTF8 ON", "200 ");
    expect_no_action(f, "OPTS UTF8 OFF", "504 ");
    expect_no_action(f, "OPTS FOO", "501 ");
    const char *help = cmd(f, "HELP");
    assert_memory_equal(help, "214-", 4);
    assert_non_null(strstr(help, "\r\n214 Help OK.\r\n"));
}

static void syntax_and_unknown(void **state)
{
    struct fx *f = *state;
    expect(f, "XYZZ", "500 ");
    expect(f, "HELLOWORLD", "500 ");
    expect(f, "1234", "500 ");
    expect(f, "", "500 ");
    lr_ftp_out_init(&f->out, f->buf, sizeof(f->buf));
    lr_ftp_session_line(&f->s, f->now, LR_FTP_LINE_TOO_LONG, "", 0, &f->out, &f->acts);
    assert_string_equal(f->buf, "500 Command line too long.\r\n");
    expect(f, "ACCT x", "502 ");
    expect(f, "SMNT /x", "502 ");
    expect(f, "AUTH TLS", "502 ");
    login_anon(f);
    expect(f, "REIN", "502 ");
    expect(f, "SITE CHMOD 777 x", "502 ");
    assert_true(f->stats.commands_bad >= 5);
}

static void need_login(void **state)
{
    struct fx *f = *state;
    static const char *const cmds[] = { "PWD",
                                        "CWD /pub",
                                        "LIST",
                                        "RETR /index.html",
                                        "PASV",
                                        "EPSV",
                                        "SIZE x",
                                        "STOR x",
                                        "TYPE I",
                                        "MLST",
                                        "STAT",
                                        "DELE x",
                                        "PORT 1,2,3,4,5,6",
                                        "REST 5",
                                        "CDUP" };
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
        expect_no_action(f, cmds[i], "530 ");
    expect(f, "PASS x", "503 "); /* PASS without USER */
}

static void anonymous_login(void **state)
{
    struct fx *f = *state;
    expect(f, "USER ftp", "331 Anonymous");
    expect(f, "PASS ", "230 ");
    assert_true(f->s.anonymous);
    expect(f, "USER alice", "530 "); /* no user change */
    expect(f, "PASS x", "230 ");
    assert_int_equal(f->stats.logins_ok, 1);
}

static void anonymous_disabled(void **state)
{
    struct fx *f = *state;
    f->cfg.anonymous = false;
    expect(f, "USER anonymous", "331 Please");
    const char *r = cmd(f, "PASS x@y");
    assert_string_equal(r, "530 Login incorrect.\r\n");
    assert_int_equal(f->acts.n, 1);
    assert_int_equal(f->acts.a[0].type, LR_FTP_ACT_DELAY);
    f->cfg.anonymous = true;
}

static void user_login_and_lockout(void **state)
{
    struct fx *f = *state;
    /* Unknown user and bad password look the same. */
    expect(f, "USER mallory", "331 Please specify the password.");
    expect(f, "PASS secret", "530 ");
    assert_int_equal(f->acts.n, 1);
    assert_int_equal(f->acts.a[0].type, LR_FTP_ACT_DELAY);
    assert_true(f->acts.a[0].delay_us == 1000000);
    expect(f, "USER alice", "331 Please specify the password.");
    expect(f, "PASS wrong", "530 ");
    assert_false(f->s.closed);
    /* A good login resets the failure count. */
    login_alice(f);
    assert_false(f->s.anonymous);
    assert_int_equal(f->stats.logins_failed, 2);
    assert_int_equal(f->stats.logins_ok, 1);
}

static void async_verify(void **state)
{
    struct fx *f = *state;
    f->cfg.async_verify = true;
    expect(f, "USER alice", "331 ");
    /* No reply yet: the glue checks the password off the worker. */
    assert_string_equal(cmd(f, "PASS secret"), "");
    assert_int_equal(f->acts.n, 1);
    assert_int_equal(f->acts.a[0].type, LR_FTP_ACT_VERIFY);
    assert_string_equal(f->acts.a[0].path, "alice");
    assert_string_equal(f->acts.a[0].path2, "secret");
    assert_true(lr_ftp_session_busy(&f->s));
    lr_ftp_out_init(&f->out, f->buf, sizeof(f->buf));
    lr_ftp_session_login_result(&f->s, f->now, true, &f->out, &f->acts);
    assert_string_equal(f->buf, "230 Login successful.\r\n");
    assert_false(lr_ftp_session_busy(&f->s));
    assert_int_equal(f->s.login, LR_FTP_LOGIN_OK);
    /* A late second result is ignored. */
    lr_ftp_out_init(&f->out, f->buf, sizeof(f->buf));
    lr_ftp_session_login_result(&f->s, f->now, false, &f->out, &f->acts);
    assert_int_equal(f->out.len, 0);
    f->cfg.async_verify = false;
}

static void async_verify_failures(void **state)
{
    struct fx *f = *state;
    f->cfg.async_verify = true;
    for (int i = 0; i < 3; i++) {
        expect(f, "USER alice", "331 ");
        cmd(f, "PASS bad");
        assert_int_equal(f->acts.a[0].type, LR_FTP_ACT_VERIFY);
        lr_ftp_out_init(&f->out, f->buf, sizeof(f->buf));
        lr_ftp_session_login_result(&f->s, f->now, false, &f->out, &f->acts);
        assert_memory_equal(f->buf, "530 ", 4);
        assert_int_equal(f->acts.a[0].type, LR_FTP_ACT_DELAY);
    }
    assert_non_null(strstr(f->buf, "421 "));
    assert_int_equal(f->acts.a[f->acts.n - 1].type, LR_FTP_ACT_CLOSE);
    /* Anonymous logins never need the check. */
    f->cfg.async_verify = false;
}

static void three_failures_close(void **state)
{
    struct fx *f = *state;
    for (int i = 0; i < 2; i++) {
        expect(f, "USER alice", "331 ");
        expect(f, "PASS bad", "530 ");
        assert_false(f->s.closed);
    }
    expect(f, "USER alice", "331 ");
    const char *r = cmd(f, "PASS bad");
    assert_string_equal(r, "530 Login incorrect.\r\n421 Too many failed logins, closing control "
                           "connection.\r\n");
    assert_int_equal(f->acts.n, 2);
    assert_int_equal(f->acts.a[0].type, LR_FTP_ACT_DELAY);
    assert_int_equal(f->acts.a[1].type, LR_FTP_ACT_CLOSE);
    assert_true(f->s.closed);
    assert_true(lr_ftp_session_busy(&f->s));
    /* Nothing more is processed. */
    lr_ftp_out_init(&f->out, f->buf, sizeof(f->buf));
    lr_ftp_session_line(&f->s, f->now, LR_FTP_LINE_READY, "NOOP", 4, &f->out, &f->acts);
    assert_int_equal(f->out.len, 0);
}

static void pwd_cwd_cdup(void **state)
{
    struct fx *f = *state;
    login_anon(f);
    assert_string_equal(cmd(f, "PWD"), "257 \"/\" is the current directory\r\n");
    expect(f, "CWD pub", "250 ");
    assert_string_equal(cmd(f, "XPWD"), "257 \"/pub\" is the current directory\r\n");
    expect(f, "CWD q\"uote", "250 ");
    assert_string_equal(cmd(f, "PWD"), "257 \"/pub/q\"\"uote\" is the current directory\r\n");
    expect(f, "CDUP", "250 ");
    expect(f, "CWD ../upload/", "250 ");
    assert_string_equal(f->s.cwd, "/upload");
    expect(f, "CWD /nope", "550 ");
    expect(f, "CWD /index.html", "550 "); /* a file */
    expect(f, "CWD", "501 ");
    /* Traversal above the root that names something is refused, cwd unchanged. */
    expect(f, "CWD ../../etc", "550 ");
    expect(f, "CWD /../etc", "550 ");
    expect(f, "CWD ../../pub", "550 ");
    assert_string_equal(f->s.cwd, "/upload");
    /* Only ".." segments past the root: the root (like CDUP at "/"). */
    expect(f, "CWD ../../..", "250 ");
    assert_string_equal(f->s.cwd, "/");
    expect(f, "CWD ..", "250 ");
    expect(f, "CWD /..", "250 ");
    expect(f, "CWD /../", "250 ");
    expect(f, "CWD ./../.", "250 ");
    assert_string_equal(f->s.cwd, "/");
    expect(f, "CWD ...", "550 "); /* a name, not a dot segment */
    expect(f, "CWD /upload", "250 ");
    expect(f, "CDUP", "250 ");
    expect(f, "XCUP", "250 "); /* at the root stays at the root */
    assert_string_equal(f->s.cwd, "/");
}

static void type_mode_stru(void **state)
{
    struct fx *f = *state;
    login_anon(f);
    assert_int_equal(f->s.type, LR_FTP_TYPE_ASCII);
    expect(f, "TYPE I", "200 Switching to BINARY");
    assert_int_equal(f->s.type, LR_FTP_TYPE_IMAGE);
    expect(f, "TYPE A", "200 Switching to ASCII");
    expect(f, "TYPE L 8", "200 ");
    expect(f, "TYPE A N", "200 ");
    expect(f, "TYPE E", "504 ");
    expect(f, "TYPE L 7", "504 ");
    expect(f, "TYPE Q", "501 ");
    expect(f, "TYPE", "501 ");
    expect(f, "MODE S", "200 ");
    expect(f, "MODE s", "200 ");
    expect(f, "MODE B", "504 ");
    expect(f, "MODE C", "504 ");
    expect(f, "MODE X", "501 ");
    expect(f, "MODE", "501 ");
    expect(f, "STRU F", "200 ");
    expect(f, "STRU R", "504 ");
    expect(f, "STRU P", "504 ");
    expect(f, "STRU FF", "501 ");
    expect(f, "ALLO 100", "202 ");
}

static void pasv_epsv(void **state)
{
    struct fx *f = *state;
    login_anon(f);
    pasv(f);
    /* A second PASV closes the first listener, then opens a new one. */
    cmd(f, "EPSV");
    assert_int_equal(f->acts.n, 2);
    assert_int_equal(f->acts.a[0].type, LR_FTP_ACT_DATA_CLOSE);
    assert_int_equal(f->acts.a[1].type, LR_FTP_ACT_PASV_OPEN);
    assert_true(f->acts.a[1].extended);
    lr_ftp_out_init(&f->out, f->buf, sizeof(f->buf));
    lr_ftp_session_pasv_opened(&f->s, f->now, 0, SERVER, RTE_BE16(50001), &f->out);
    assert_string_equal(f->buf, "229 Entering Extended Passive Mode (|||50001|)\r\n");
    /* Failure to open. */
    cmd(f, "EPSV 1");
    lr_ftp_out_init(&f->out, f->buf, sizeof(f->buf));
    lr_ftp_session_pasv_opened(&f->s, f->now, -ENOSPC, 0, 0, &f->out);
    assert_string_equal(f->buf, "425 Cannot open passive connection.\r\n");
    assert_int_equal(f->s.data, LR_FTP_DATA_NONE);
    expect(f, "EPSV 2", "522 ");
    expect(f, "EPSV x", "501 ");
    /* RFC 2428 §4 */
    expect(f, "EPSV ALL", "200 ");
    expect_no_action(f, "PASV", "503 ");
    expect_no_action(f, "PORT 198,18,0,1,200,1", "503 ");
    expect_no_action(f, "EPRT |1|198.18.0.1|5000|", "503 ");
    cmd(f, "EPSV");
    assert_int_equal(f->acts.a[f->acts.n - 1].type, LR_FTP_ACT_PASV_OPEN);
}

static void port_eprt_bounce(void **state)
{
    struct fx *f = *state;
    login_anon(f);
    expect(f, "PORT 198,18,0,1,200,1", "200 ");
    assert_int_equal(f->s.data, LR_FTP_DATA_ACTIVE);
    assert_int_equal(rte_be_to_cpu_16(f->s.peer.port), 200 * 256 + 1);
    /* RFC 2577 §3: other hosts and privileged ports are refused. */
    expect(f, "PORT 198,18,0,9,200,1", "500 Illegal PORT command.");
    expect(f, "PORT 10,0,0,1,0,80", "500 Illegal PORT command.");
    expect(f, "PORT 198,18,0,1,0,21", "500 Illegal PORT command.");
    expect(f, "PORT 198,18,0,1,3,255", "500 "); /* 1023 */
    expect(f, "PORT 198,18,0,1,4,0", "200 ");   /* 1024 */
    expect(f, "PORT 1,2,3", "501 ");
    expect(f, "PORT", "501 ");
    expect(f, "EPRT |1|198.18.0.1|6000|", "200 EPRT");
    expect(f, "EPRT |1|198.18.0.7|6000|", "500 Illegal EPRT command.");
    expect(f, "EPRT |1|198.18.0.1|80|", "500 ");
    expect(f, "EPRT |2|::1|6000|", "522 ");
    expect(f, "EPRT |1|198.18.0.1|", "501 ");
    /* Active transfer uses the peer. */
    expect(f, "PORT 198,18,0,1,200,2", "200 ");
    expect(f, "RETR /index.html", "150 ");
    assert_int_equal(f->acts.n, 1);
    assert_true(f->acts.a[0].active);
    assert_int_equal(f->acts.a[0].peer.addr, CLIENT);
    assert_int_equal(rte_be_to_cpu_16(f->acts.a[0].peer.port), 200 * 256 + 2);
}

static void list_family(void **state)
{
    struct fx *f = *state;
    login_anon(f);
    expect_no_action(f, "LIST", "425 Use PORT or PASV first.");
    pasv(f);
    expect(f, "LIST -la", "150 ");
    assert_int_equal(f->acts.n, 1);
    struct lr_ftp_action *a = &f->acts.a[0];
    assert_int_equal(a->type, LR_FTP_ACT_TRANSFER);
    assert_int_equal(a->xfer, LR_FTP_XFER_LIST);
    assert_int_equal(a->style, LR_FTP_LIST_LONG);
    assert_false(a->active);
    assert_string_equal(a->path, "/");
    /* During the transfer only a few commands are accepted. */
    expect_no_action(f, "RETR /index.html", "503 ");
    expect_no_action(f, "PASV", "503 ");
    expect(f, "NOOP", "200 ");
    done(f, LR_FTP_XFER_OK);
    assert_string_equal(f->buf, "226 Transfer complete.\r\n");
    assert_int_equal(f->stats.transfers_ok, 1);
    /* The data setup served one transfer. */
    expect_no_action(f, "NLST", "425 ");
    pasv(f);
    expect(f, "NLST pub", "150 ");
    assert_int_equal(f->acts.a[0].style, LR_FTP_LIST_NAME);
    assert_string_equal(f->acts.a[0].path, "/pub");
    done(f, LR_FTP_XFER_OK);
    pasv(f);
    expect_no_action(f, "MLSD /index.html", "501 ");
    expect_no_action(f, "LIST /missing", "550 ");
    expect_no_action(f, "LIST ../..", "550 ");
    expect(f, "MLSD", "150 ");
    assert_int_equal(f->acts.a[0].style, LR_FTP_LIST_MLSD);
    done(f, LR_FTP_XFER_CONN_LOST);
    assert_string_equal(f->buf, "426 Connection closed; transfer aborted.\r\n");
    /* LIST of one file. */
    pasv(f);
    expect(f, "LIST index.html", "150 ");
    assert_string_equal(f->acts.a[0].path, "/index.html");
    done(f, LR_FTP_XFER_NO_CONN);
    assert_memory_equal(f->buf, "425 ", 4);
}

static void retr_rest_ascii(void **state)
{
    struct fx *f = *state;
    login_anon(f);
    expect_no_action(f, "RETR /nope", "550 ");
    expect_no_action(f, "RETR pub", "550 ");
    expect_no_action(f, "RETR", "501 ");
    expect_no_action(f, "RETR /index.html", "425 ");
    expect_no_action(f, "RETR ../../etc/passwd", "550 ");
    expect(f, "TYPE I", "200 ");
    pasv(f);
    expect(f, "REST 1000", "350 Restart position accepted (1000).");
    expect(f, "RETR index.html",
           "150 Opening BINARY mode data connection for /index.html (234 "
           "bytes).");
    struct lr_ftp_action *a = &f->acts.a[0];
    assert_int_equal(a->xfer, LR_FTP_XFER_RETR);
    assert_int_equal(a->offset, 1000);
    assert_int_equal(a->size, 1234);
    assert_int_equal(a->type_mode, LR_FTP_TYPE_IMAGE);
    done(f, LR_FTP_XFER_OK);
    /* REST not immediately before RETR is forgotten. */
    pasv(f);
    expect(f, "REST 1000", "350 ");
    expect(f, "NOOP", "200 ");
    expect(f, "RETR index.html", "150 ");
    assert_int_equal(f->acts.a[0].offset, 0);
    done(f, LR_FTP_XFER_LOCAL_ERROR);
    assert_memory_equal(f->buf, "451 ", 4);
    /* Beyond the end: 554 (RFC 3659 §5.5). */
    pasv(f);
    expect(f, "REST 1235", "350 ");
    expect_no_action(f, "RETR index.html", "554 ");
    expect(f, "REST 1234", "350 ");
    expect(f, "RETR index.html", "150 ");
    done(f, LR_FTP_XFER_OK);
    expect(f, "REST -1", "501 ");
    expect(f, "REST", "501 ");
    /* ASCII mode. */
    expect(f, "TYPE A", "200 ");
    pasv(f);
    expect(f, "RETR /pub/big.bin", "150 Opening ASCII mode");
    assert_int_equal(f->acts.a[0].type_mode, LR_FTP_TYPE_ASCII);
    done(f, LR_FTP_XFER_NOT_FOUND);
    assert_memory_equal(f->buf, "550 ", 4);
}

static void size_mdtm_mlst(void **state)
{
    struct fx *f = *state;
    login_anon(f);
    /* RFC 3659 §4: in TYPE A (the default) the size as transferred. */
    assert_string_equal(cmd(f, "SIZE index.html"), "213 1300\r\n");
    expect_no_action(f, "SIZE pub", "550 ");
    expect_no_action(f, "SIZE nope", "550 ");
    /* A file of the upload directory: counted off the worker. */
    assert_string_equal(cmd(f, "SIZE upload/old.txt"), "");
    assert_int_equal(f->acts.n, 1);
    assert_int_equal(f->acts.a[0].type, LR_FTP_ACT_FS);
    assert_int_equal(f->acts.a[0].fsop, LR_FTP_FS_ASCII_SIZE);
    assert_string_equal(f->acts.a[0].path, "/upload/old.txt");
    assert_true(lr_ftp_session_busy(&f->s));
    lr_ftp_out_init(&f->out, f->buf, sizeof(f->buf));
    lr_ftp_session_size_done(&f->s, f->now, 0, 12, &f->out);
    assert_string_equal(f->buf, "213 12\r\n");
    assert_false(lr_ftp_session_busy(&f->s));
    lr_ftp_out_init(&f->out, f->buf, sizeof(f->buf));
    lr_ftp_session_size_done(&f->s, f->now, 0, 12, &f->out); /* nothing pending: ignored */
    assert_int_equal(f->out.len, 0);
    cmd(f, "SIZE upload/old.txt");
    lr_ftp_out_init(&f->out, f->buf, sizeof(f->buf));
    lr_ftp_session_size_done(&f->s, f->now, -EIO, 0, &f->out);
    assert_memory_equal(f->buf, "550 ", 4);
    expect(f, "TYPE I", "200 ");
    assert_string_equal(cmd(f, "SIZE index.html"), "213 1234\r\n");
    assert_string_equal(cmd(f, "SIZE /pub/big.bin"), "213 20971520\r\n");
    expect(f, "SIZE pub", "550 ");
    expect(f, "SIZE nope", "550 ");
    expect(f, "SIZE", "501 ");
    assert_string_equal(cmd(f, "MDTM index.html"), "213 20231114221320\r\n");
    expect(f, "MDTM nope", "550 ");
    assert_string_equal(cmd(f, "MLST index.html"),
                        "250-Listing /index.html\r\n"
                        " type=file;size=1234;modify=20231114221320;perm=r; /index.html\r\n"
                        "250 End\r\n");
    const char *r = cmd(f, "MLST");
    assert_non_null(strstr(r, " type=dir;modify=20231114221320;perm=el; /\r\n"));
    expect(f, "MLST nope", "550 ");
}

static void stor_permissions(void **state)
{
    struct fx *f = *state;
    login_anon(f);
    pasv(f);
    expect_no_action(f, "STOR upload/x", "550 Permission denied.");
    expect_no_action(f, "APPE upload/x", "550 ");
    expect_no_action(f, "DELE upload/old.txt", "550 ");
    expect_no_action(f, "MKD upload/new", "550 ");
    expect_no_action(f, "RMD upload/sub", "550 ");
    expect_no_action(f, "RNFR upload/old.txt", "550 ");
}

static void stor_user(void **state)
{
    struct fx *f = *state;
    login_alice(f);
    expect(f, "TYPE I", "200 ");
    expect_no_action(f, "STOR upload/x", "425 ");
    pasv(f);
    expect_no_action(f, "STOR /x", "553 ");
    expect_no_action(f, "STOR /pub/x", "553 ");
    expect_no_action(f, "STOR upload", "553 ");
    expect_no_action(f, "STOR upload/", "553 ");
    expect_no_action(f, "STOR upload/sub", "553 ");
    expect_no_action(f, "STOR upload/../index.html", "553 ");
    expect_no_action(f, "STOR ../../upload/x", "553 ");
    expect_no_action(f, "STOR", "501 ");
    expect(f, "CWD upload", "250 ");
    expect(f, "STOR new.bin", "150 ");
    struct lr_ftp_action *a = &f->acts.a[0];
    assert_int_equal(a->type, LR_FTP_ACT_TRANSFER);
    assert_int_equal(a->xfer, LR_FTP_XFER_STOR);
    assert_string_equal(a->path, "/upload/new.bin");
    assert_int_equal(a->limit, 1000000);
    assert_int_equal(a->offset, 0);
    assert_int_equal(a->type_mode, LR_FTP_TYPE_IMAGE);
    done(f, LR_FTP_XFER_TOO_BIG);
    assert_string_equal(f->buf, "552 Exceeded storage allocation.\r\n");
    /* Resume an upload with REST. */
    pasv(f);
    expect(f, "REST 5", "350 ");
    expect(f, "STOR old.txt", "150 ");
    assert_int_equal(f->acts.a[0].offset, 5);
    done(f, LR_FTP_XFER_OK);
    pasv(f);
    expect(f, "REST 11", "350 ");
    expect_no_action(f, "STOR old.txt", "554 ");
    expect(f, "REST 2000000", "350 ");
    expect_no_action(f, "STOR old.txt", "552 ");
    expect(f, "APPE old.txt", "150 ");
    assert_int_equal(f->acts.a[0].xfer, LR_FTP_XFER_APPE);
    assert_int_equal(f->acts.a[0].size, 10);
    done(f, LR_FTP_XFER_OK);
}

/* STOU (RFC 959 §4.1.3, RFC 1123 §4.1.2.9): a name that does not exist,
 * named in the 150 reply, committed without replacing. */
static void stou(void **state)
{
    struct fx *f = *state;
    login_anon(f);
    expect_no_action(f, "STOU", "550 "); /* anonymous: read-only */
    f->s.login = LR_FTP_LOGIN_NONE;
    login_alice(f);
    expect_no_action(f, "STOU", "553 "); /* cwd "/" is not the upload directory */
    expect(f, "CWD upload", "250 ");
    expect_no_action(f, "STOU", "425 ");
    pasv(f);
    assert_string_equal(cmd(f, "STOU"), "150 FILE: stou\r\n");
    assert_int_equal(f->acts.a[0].type, LR_FTP_ACT_TRANSFER);
    assert_int_equal(f->acts.a[0].xfer, LR_FTP_XFER_STOR);
    assert_true(f->acts.a[0].noreplace);
    assert_int_equal(f->acts.a[0].limit, 1000000);
    assert_string_equal(f->acts.a[0].path, "/upload/stou");
    done(f, LR_FTP_XFER_OK);
    assert_memory_equal(f->buf, "226 ", 4);
    pasv(f);
    /* A suggested name that exists gets a suffix. */
    assert_string_equal(cmd(f, "STOU old.txt"), "150 FILE: old.txt.1\r\n");
    assert_string_equal(f->acts.a[0].path, "/upload/old.txt.1");
    done(f, LR_FTP_XFER_OK);
    pasv(f);
    expect_no_action(f, "STOU /pub/x", "553 ");
}

static void fs_ops(void **state)
{
    struct fx *f = *state;
    login_alice(f);
    expect(f, "DELE upload/old.txt", "");
    assert_int_equal(f->acts.n, 1);
    assert_int_equal(f->acts.a[0].type, LR_FTP_ACT_FS);
    assert_int_equal(f->acts.a[0].fsop, LR_FTP_FS_DELE);
    assert_string_equal(f->acts.a[0].path, "/upload/old.txt");
    assert_int_equal(f->out.len, 0);
    assert_true(lr_ftp_session_busy(&f->s));
    lr_ftp_out_init(&f->out, f->buf, sizeof(f->buf));
    lr_ftp_session_fs_done(&f->s, f->now, 0, &f->out);
    assert_string_equal(f->buf, "250 Delete operation successful.\r\n");
    assert_false(lr_ftp_session_busy(&f->s));

    expect_no_action(f, "DELE upload/nope", "550 ");
    expect_no_action(f, "DELE upload/sub", "550 ");
    expect_no_action(f, "DELE index.html", "550 Permission denied.");
    expect_no_action(f, "DELE upload", "550 ");

    cmd(f, "MKD upload/new");
    assert_int_equal(f->acts.a[0].fsop, LR_FTP_FS_MKD);
    lr_ftp_out_init(&f->out, f->buf, sizeof(f->buf));
    lr_ftp_session_fs_done(&f->s, f->now, 0, &f->out);
    assert_string_equal(f->buf, "257 \"/upload/new\" created\r\n");
    cmd(f, "XMKD upload/new2");
    lr_ftp_out_init(&f->out, f->buf, sizeof(f->buf));
    lr_ftp_session_fs_done(&f->s, f->now, -EIO, &f->out);
    assert_memory_equal(f->buf, "550 ", 4);
    expect_no_action(f, "MKD upload/sub", "550 ");
    expect_no_action(f, "MKD /newtop", "550 ");

    cmd(f, "RMD upload/sub");
    assert_int_equal(f->acts.a[0].fsop, LR_FTP_FS_RMD);
    lr_ftp_out_init(&f->out, f->buf, sizeof(f->buf));
    lr_ftp_session_fs_done(&f->s, f->now, 0, &f->out);
    assert_memory_equal(f->buf, "250 ", 4);
    expect_no_action(f, "RMD upload/old.txt", "550 ");

    /* RNFR/RNTO */
    expect_no_action(f, "RNTO upload/z", "503 RNFR required first.");
    expect_no_action(f, "RNFR upload/nope", "550 ");
    expect_no_action(f, "RNFR upload/old.txt", "350 ");
    expect_no_action(f, "NOOP", "200 ");
    expect_no_action(f, "RNTO upload/z", "503 "); /* RNFR must come right before */
    expect_no_action(f, "RNFR upload/old.txt", "350 ");
    expect_no_action(f, "RNTO /pub/z", "550 Permission denied.");
    expect_no_action(f, "RNFR upload/old.txt", "350 ");
    expect_no_action(f, "RNTO upload/sub", "550 ");
    expect_no_action(f, "RNFR upload/old.txt", "350 ");
    cmd(f, "RNTO upload/renamed.txt");
    assert_int_equal(f->acts.a[0].fsop, LR_FTP_FS_RENAME);
    assert_string_equal(f->acts.a[0].path, "/upload/old.txt");
    assert_string_equal(f->acts.a[0].path2, "/upload/renamed.txt");
    lr_ftp_out_init(&f->out, f->buf, sizeof(f->buf));
    lr_ftp_session_fs_done(&f->s, f->now, 0, &f->out);
    assert_string_equal(f->buf, "250 Rename successful.\r\n");
}

static void abor_and_quit(void **state)
{
    struct fx *f = *state;
    login_anon(f);
    assert_string_equal(cmd(f, "ABOR"), "225 No transfer to abort.\r\n");
    pasv(f);
    assert_string_equal(cmd(f, "ABOR"), "225 No transfer to abort.\r\n");
    assert_int_equal(f->acts.n, 1);
    assert_int_equal(f->acts.a[0].type, LR_FTP_ACT_DATA_CLOSE);
    pasv(f);
    expect(f, "RETR index.html", "150 ");
    assert_string_equal(cmd(f, "ABOR"), "426 Connection closed; transfer aborted.\r\n"
                                        "226 Closing data connection; abort successful.\r\n");
    assert_int_equal(f->acts.n, 1);
    assert_int_equal(f->acts.a[0].type, LR_FTP_ACT_ABORT);
    assert_int_equal(f->stats.transfers_aborted, 1);
    /* A late completion report is ignored. */
    done(f, LR_FTP_XFER_CONN_LOST);
    assert_int_equal(f->out.len, 0);

    /* STAT during a transfer, QUIT waits for its end. */
    pasv(f);
    expect(f, "RETR index.html", "150 ");
    const char *r = cmd(f, "STAT");
    assert_memory_equal(r, "211-", 4);
    assert_non_null(strstr(r, "transfer in progress"));
    assert_string_equal(cmd(f, "QUIT"), "");
    assert_int_equal(f->acts.n, 0);
    done(f, LR_FTP_XFER_OK);
    assert_string_equal(f->buf, "226 Transfer complete.\r\n221 Goodbye.\r\n");
    assert_int_equal(f->acts.n, 1);
    assert_int_equal(f->acts.a[0].type, LR_FTP_ACT_CLOSE);
}

static void quit_plain(void **state)
{
    struct fx *f = *state;
    assert_string_equal(cmd(f, "QUIT"), "221 Goodbye.\r\n");
    assert_int_equal(f->acts.n, 1);
    assert_int_equal(f->acts.a[0].type, LR_FTP_ACT_CLOSE);
    assert_true(f->s.closed);
}

static void stat_paths(void **state)
{
    struct fx *f = *state;
    login_alice(f);
    const char *r = cmd(f, "STAT");
    assert_non_null(strstr(r, "Logged in as alice"));
    assert_non_null(strstr(r, "211 End of status\r\n"));
    r = cmd(f, "STAT /upload");
    assert_memory_equal(r, "213-Status follows:\r\n", 21);
    assert_non_null(strstr(r, " -rw-rw-r-- 1 ftp ftp           10 Nov 14  2023 old.txt\r\n"));
    assert_non_null(strstr(r, " drwxrwxr-x 1 ftp ftp            0 Nov 14  2023 sub\r\n"));
    assert_non_null(strstr(r, "213 End of status\r\n"));
    r = cmd(f, "STAT -l /index.html");
    assert_non_null(strstr(r, " -rw-r--r-- 1 ftp ftp         1234 Nov 14  2023 index.html\r\n"));
    expect(f, "STAT /nope", "550 ");
    expect(f, "STAT ../..", "550 ");
}

static void idle_timeout(void **state)
{
    struct fx *f = *state;
    login_anon(f);
    assert_true(lr_ftp_session_deadline(&f->s) == f->now + 300000000ULL);
    lr_ftp_out_init(&f->out, f->buf, sizeof(f->buf));
    lr_ftp_session_tick(&f->s, f->now + 299999999ULL, &f->out, &f->acts);
    assert_int_equal(f->out.len, 0);
    assert_int_equal(f->acts.n, 0);
    /* A running transfer keeps the session alive. */
    pasv(f);
    expect(f, "LIST", "150 ");
    f->now += 400000000ULL;
    lr_ftp_out_init(&f->out, f->buf, sizeof(f->buf));
    lr_ftp_session_tick(&f->s, f->now, &f->out, &f->acts);
    assert_int_equal(f->out.len, 0);
    done(f, LR_FTP_XFER_OK);
    f->now += 300000000ULL;
    lr_ftp_out_init(&f->out, f->buf, sizeof(f->buf));
    lr_ftp_session_tick(&f->s, f->now, &f->out, &f->acts);
    assert_string_equal(f->buf, "421 Timeout.\r\n");
    assert_int_equal(f->acts.n, 1);
    assert_int_equal(f->acts.a[0].type, LR_FTP_ACT_CLOSE);
    assert_true(lr_ftp_session_deadline(&f->s) == UINT64_MAX);
}

static void idle_timeout_closes_pasv(void **state)
{
    struct fx *f = *state;
    login_anon(f);
    pasv(f);
    f->now += 300000000ULL;
    lr_ftp_out_init(&f->out, f->buf, sizeof(f->buf));
    lr_ftp_session_tick(&f->s, f->now, &f->out, &f->acts);
    assert_int_equal(f->acts.n, 2);
    assert_int_equal(f->acts.a[0].type, LR_FTP_ACT_DATA_CLOSE);
    assert_int_equal(f->acts.a[1].type, LR_FTP_ACT_CLOSE);
}

static void cfg_from_config(void **state)
{
    (void)state;
    struct lr_ftp_session_cfg sc;
    struct lr_ftp_config fc = { .anonymous = false, .max_upload_bytes = 5, .idle_timeout = 7 };
    assert_int_equal(lr_ftp_session_cfg_from(&sc, &fc), 0);
    assert_string_equal(sc.upload_dir, "");
    assert_false(sc.anonymous);
    assert_int_equal(sc.max_login_failures, 3);
    snprintf(fc.upload_dir, sizeof(fc.upload_dir), "/in//coming/");
    assert_int_equal(lr_ftp_session_cfg_from(&sc, &fc), 0);
    assert_string_equal(sc.upload_dir, "/in/coming");
    snprintf(fc.upload_dir, sizeof(fc.upload_dir), "../etc");
    assert_int_equal(lr_ftp_session_cfg_from(&sc, &fc), -EINVAL);
    snprintf(fc.upload_dir, sizeof(fc.upload_dir), "/");
    assert_int_equal(lr_ftp_session_cfg_from(&sc, &fc), -EINVAL);
}

/* The server's temporary upload names (lr_ftp_io.h) are never a client's. */
static void temp_names_refused(void **state)
{
    struct fx *f = *state;
    login_alice(f);
    expect_no_action(f, "STOR upload/" LR_FTP_TEMP_PREFIX "x", "553 ");
    expect_no_action(f, "APPE /upload/sub/" LR_FTP_TEMP_PREFIX "y", "553 ");
    expect_no_action(f, "MKD upload/" LR_FTP_TEMP_PREFIX "d", "550 ");
    expect_no_action(f, "DELE upload/" LR_FTP_TEMP_PREFIX "x", "550 ");
    expect_no_action(f, "RNFR upload/" LR_FTP_TEMP_PREFIX "x", "550 ");
    expect_no_action(f, "STOR upload/" LR_FTP_TEMP_PREFIX, "553 ");
    expect_no_action(f, "STOU upload/" LR_FTP_TEMP_PREFIX "u", "553 ");
    /* A name merely containing the prefix is fine. */
    expect(f, "STOR upload/a" LR_FTP_TEMP_PREFIX "x", "425 ");
}

static void stats_add(void **state)
{
    (void)state;
    struct lr_ftp_stats a = { .logins_ok = 1, .bytes_down = 10 };
    struct lr_ftp_stats b = { .logins_ok = 2,
                              .bytes_up = 3,
                              .transfers_ok = 4,
                              .tls_auth = 5,
                              .tls_refused = 6,
                              .tls_plaintext_discarded = 7,
                              .tls_start_failed = 8 };
    lr_ftp_stats_add(&a, &b);
    lr_ftp_stats_add(&a, &b);
    assert_int_equal(a.tls_auth, 10);
    assert_int_equal(a.tls_refused, 12);
    assert_int_equal(a.tls_plaintext_discarded, 14);
    assert_int_equal(a.tls_start_failed, 16);
    assert_int_equal(a.logins_ok, 5);
    assert_int_equal(a.bytes_up, 6);
    assert_int_equal(a.bytes_down, 10);
    assert_int_equal(a.transfers_ok, 8);
}

/* --- explicit FTPS (RFC 4217) --------------------------------------------- */

/* A new control connection on the fixture's configuration. */
static void reconnect(struct fx *f)
{
    lr_ftp_out_init(&f->out, f->buf, sizeof(f->buf));
    lr_ftp_session_init(&f->s, &f->cfg, &f->stats, f->now, CLIENT, &f->out);
}

/* AUTH TLS accepted: 234, TLS_START as the last action, TLS from now on. */
static void auth_tls(struct fx *f, const char *line, const char *reply)
{
    assert_string_equal(cmd(f, line), reply);
    assert_true(f->acts.n >= 1);
    assert_int_equal(f->acts.a[f->acts.n - 1].type, LR_FTP_ACT_TLS_START);
    assert_true(lr_ftp_session_tls_ctrl(&f->s));
}

static void tls_auth_pbsz_prot(void **state)
{
    struct fx *f = *state;
    f->cfg.tls = LR_FTP_TLS_ALLOW;
    /* Before AUTH: PBSZ, PROT and CCC are out of sequence; the client goes on. */
    expect_no_action(f, "PBSZ 0", "503 ");
    expect_no_action(f, "PROT P", "503 ");
    expect_no_action(f, "CCC", "533 ");
    expect_no_action(f, "AUTH KERBEROS_V4", "504 ");
    expect_no_action(f, "AUTH", "501 ");
    assert_false(lr_ftp_session_tls_ctrl(&f->s));
    assert_int_equal(f->stats.tls_refused, 5);
    assert_int_equal(f->stats.tls_auth, 0);

    auth_tls(f, "AUTH TLS", "234 AUTH TLS OK.\r\n");
    assert_int_equal(f->acts.n, 1);
    assert_false(lr_ftp_session_prot_private(&f->s));
    assert_int_equal(f->stats.tls_auth, 1);

    /* PROT before PBSZ; PBSZ with a bad size; then the right order works. */
    expect_no_action(f, "PROT P", "503 ");
    expect_no_action(f, "PBSZ abc", "501 ");
    expect_no_action(f, "PBSZ", "501 ");
    expect_no_action(f, "PBSZ -1", "501 ");
    expect_no_action(f, "PBSZ 4294967296", "501 ");
    assert_string_equal(cmd(f, "PBSZ 0"), "200 PBSZ=0\r\n");
    assert_string_equal(cmd(f, "PBSZ 65536"), "200 PBSZ=0\r\n"); /* TLS is a stream: 0 */

    expect_no_action(f, "PROT S", "536 ");
    expect_no_action(f, "PROT E", "536 ");
    expect_no_action(f, "PROT X", "504 ");
    expect_no_action(f, "PROT PP", "501 ");
    expect_no_action(f, "PROT", "501 ");
    assert_false(lr_ftp_session_prot_private(&f->s));
    expect_no_action(f, "PROT P", "200 ");
    assert_true(lr_ftp_session_prot_private(&f->s));
    expect_no_action(f, "prot c", "200 ");
    assert_false(lr_ftp_session_prot_private(&f->s));
    expect_no_action(f, "PROT p", "200 ");
    assert_true(lr_ftp_session_prot_private(&f->s));

    /* No way back to plaintext, no second handshake. */
    expect_no_action(f, "CCC", "534 ");
    expect_no_action(f, "AUTH TLS", "503 ");
    expect_no_action(f, "AUTH KERBEROS_V4", "503 ");
    assert_true(lr_ftp_session_tls_ctrl(&f->s));
    assert_true(lr_ftp_session_prot_private(&f->s));
    assert_int_equal(f->stats.tls_auth, 1);

    /* The session goes on as usual. */
    login_anon(f);
    pasv(f);
    expect(f, "RETR /index.html", "150 ");
    assert_int_equal(f->acts.a[0].type, LR_FTP_ACT_TRANSFER);
    done(f, LR_FTP_XFER_OK);
    assert_int_equal(f->stats.tls_refused, 5 + 13);
}

static void tls_auth_mechanisms(void **state)
{
    struct fx *f = *state;
    f->cfg.tls = LR_FTP_TLS_ALLOW;
    static const struct {
        const char *line, *reply;
        bool prot_private;
    } m[] = {
        { "auth tls", "234 AUTH TLS OK.\r\n", false },
        { "AUTH tls-c", "234 AUTH TLS-C OK.\r\n", false },
        { "AUTH Ssl", "234 AUTH SSL OK.\r\n", true },     /* the drafts' SSL and TLS-P */
        { "AUTH TLS-P", "234 AUTH TLS-P OK.\r\n", true }, /* protected data too */
    };
    for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
        reconnect(f);
        auth_tls(f, m[i].line, m[i].reply);
        assert_int_equal(lr_ftp_session_prot_private(&f->s), m[i].prot_private);
        /* PBSZ/PROT work the same after any of them. */
        expect(f, "PBSZ 0", "200 ");
        expect(f, "PROT C", "200 ");
        assert_false(lr_ftp_session_prot_private(&f->s));
    }
    reconnect(f);
    expect_no_action(f, "AUTH TLS1", "504 ");
    expect_no_action(f, "AUTH TL", "504 ");
    expect_no_action(f, "AUTH TLS ", "504 ");
    expect_no_action(f, "AUTH GSSAPI", "504 ");
    assert_false(lr_ftp_session_tls_ctrl(&f->s));
    assert_int_equal(f->stats.tls_auth, 4);
}

static void tls_feat_help(void **state)
{
    struct fx *f = *state;
    f->cfg.tls = LR_FTP_TLS_ALLOW;
    const char *feat = cmd(f, "FEAT");
    assert_non_null(strstr(feat, "211-Features:\r\n AUTH TLS\r\n EPRT\r\n"));
    assert_non_null(strstr(feat, " PBSZ\r\n PROT\r\n"));
    assert_non_null(strstr(cmd(f, "HELP"), " AUTH PBSZ PROT\r\n"));
    f->cfg.tls = LR_FTP_TLS_REQUIRE;
    feat = cmd(f, "FEAT");
    assert_non_null(strstr(feat, " AUTH TLS\r\n"));
    assert_non_null(strstr(feat, " PBSZ\r\n PROT\r\n"));
}

static void tls_off(void **state)
{
    struct fx *f = *state;
    f->cfg.tls = LR_FTP_TLS_OFF;
    /* RFC 2228 §3: the server knows AUTH but offers no mechanism: 502. */
    expect_no_action(f, "AUTH TLS", "502 ");
    expect_no_action(f, "PBSZ 0", "502 ");
    expect_no_action(f, "PROT P", "502 ");
    expect_no_action(f, "CCC", "502 ");
    assert_false(lr_ftp_session_tls_ctrl(&f->s));
    const char *feat = cmd(f, "FEAT");
    assert_null(strstr(feat, "AUTH"));
    assert_null(strstr(feat, "PBSZ"));
    assert_null(strstr(feat, "PROT"));
    assert_null(strstr(cmd(f, "HELP"), "AUTH"));
    /* Plain FTP as before. */
    login_anon(f);
    expect_no_action(f, "AUTH TLS", "502 ");
    pasv(f);
    expect(f, "LIST", "150 ");
    assert_int_equal(f->acts.a[0].type, LR_FTP_ACT_TRANSFER);
    assert_int_equal(f->stats.tls_auth, 0);
    assert_int_equal(f->stats.tls_refused, 5);
}

static void tls_require(void **state)
{
    struct fx *f = *state;
    f->cfg.tls = LR_FTP_TLS_REQUIRE;
    /* RFC 4217 §4.2: no login before AUTH; the client tries, then upgrades. */
    expect_no_action(f, "USER anonymous", "530 TLS required");
    expect_no_action(f, "PASS x@y", "530 TLS required");
    expect_no_action(f, "USER alice", "530 TLS required");
    assert_int_equal(f->s.login, LR_FTP_LOGIN_NONE);
    assert_int_equal(f->stats.logins_failed, 0); /* no delay, no failure counted */
    expect_no_action(f, "SYST", "215 ");
    expect_no_action(f, "LIST", "530 ");
    auth_tls(f, "AUTH TLS", "234 AUTH TLS OK.\r\n");
    login_alice(f);

    /* Transfers need PROT P (RFC 4217 §10.2: 521); the data setup stays. */
    pasv(f);
    static const char *const xfers[] = { "RETR /index.html", "LIST",          "NLST",
                                         "MLSD /",           "STOR upload/n", "APPE upload/n",
                                         "STOU upload/u" };
    for (size_t i = 0; i < sizeof(xfers) / sizeof(xfers[0]); i++)
        expect_no_action(f, xfers[i], "521 ");
    assert_int_equal(f->s.data, LR_FTP_DATA_PASV);
    expect_no_action(f, "PBSZ 0", "200 ");
    expect_no_action(f, "PROT C", "534 ");
    assert_false(lr_ftp_session_prot_private(&f->s));
    expect_no_action(f, "RETR /index.html", "521 ");
    expect_no_action(f, "PROT P", "200 ");
    expect(f, "RETR /index.html", "150 ");
    assert_int_equal(f->acts.n, 1);
    assert_int_equal(f->acts.a[0].type, LR_FTP_ACT_TRANSFER);
    done(f, LR_FTP_XFER_OK);
    assert_string_equal(f->buf, "226 Transfer complete.\r\n");
    /* PROT C stays refused; PROT P is kept. */
    expect_no_action(f, "PROT C", "534 ");
    assert_true(lr_ftp_session_prot_private(&f->s));
    pasv(f);
    expect(f, "STOR upload/new.bin", "150 ");
    assert_int_equal(f->acts.a[0].type, LR_FTP_ACT_TRANSFER);
    assert_int_equal(f->stats.tls_refused, 3 + 7 + 1 + 1 + 1);
}

/* tls = require with AUTH TLS-P: data protected without PBSZ/PROT. */
static void tls_require_tls_p(void **state)
{
    struct fx *f = *state;
    f->cfg.tls = LR_FTP_TLS_REQUIRE;
    auth_tls(f, "AUTH TLS-P", "234 AUTH TLS-P OK.\r\n");
    login_anon(f);
    pasv(f);
    expect(f, "LIST", "150 ");
    assert_int_equal(f->acts.a[0].type, LR_FTP_ACT_TRANSFER);
}

/* RFC 2228 §3: an accepted AUTH makes the user log in again; what was set
 * up in plaintext (login, cwd, passive listener, REST, RNFR) is gone. */
static void tls_auth_resets_session(void **state)
{
    struct fx *f = *state;
    f->cfg.tls = LR_FTP_TLS_ALLOW;
    login_alice(f);
    expect(f, "CWD /pub", "250 ");
    expect(f, "RNFR /upload/old.txt", "350 ");
    pasv(f);
    expect(f, "REST 5", "350 ");
    auth_tls(f, "AUTH TLS", "234 AUTH TLS OK.\r\n");
    assert_int_equal(f->acts.n, 2);
    assert_int_equal(f->acts.a[0].type, LR_FTP_ACT_DATA_CLOSE);
    assert_int_equal(f->s.login, LR_FTP_LOGIN_NONE);
    assert_false(f->s.rest_set);
    assert_false(f->s.rnfr_set);
    expect_no_action(f, "PWD", "530 ");
    expect_no_action(f, "RETR /index.html", "530 ");
    login_alice(f);
    assert_string_equal(cmd(f, "PWD"), "257 \"/\" is the current directory\r\n");
    expect_no_action(f, "RNTO upload/new.txt", "503 ");
    expect_no_action(f, "RETR /index.html", "425 "); /* the listener went with AUTH */
    pasv(f);
    expect(f, "RETR /index.html", "150 ");
    assert_true(f->acts.a[0].offset == 0); /* REST went too */
    done(f, LR_FTP_XFER_OK);

    /* USER given in plaintext: PASS must follow a new USER. */
    reconnect(f);
    expect(f, "USER alice", "331 ");
    auth_tls(f, "AUTH TLS", "234 AUTH TLS OK.\r\n");
    assert_int_equal(f->acts.n, 1);
    expect_no_action(f, "PASS secret", "503 ");
    login_alice(f);
}

static void tls_auth_during_transfer(void **state)
{
    struct fx *f = *state;
    f->cfg.tls = LR_FTP_TLS_ALLOW;
    login_anon(f);
    pasv(f);
    expect(f, "RETR /index.html", "150 ");
    /* RFC 959 §4.1.3: the control connection cannot change under a transfer. */
    expect_no_action(f, "AUTH TLS", "503 ");
    expect_no_action(f, "PBSZ 0", "503 ");
    expect_no_action(f, "PROT P", "503 ");
    assert_false(lr_ftp_session_tls_ctrl(&f->s));
    done(f, LR_FTP_XFER_OK);
    auth_tls(f, "AUTH TLS", "234 AUTH TLS OK.\r\n");
}

/* [ftp] tls: the loader takes off/allow/require (default allow), refuses anything else. */
static void tls_config_key(void **state)
{
    (void)state;
    static struct lr_config cfg;
    char err[256];
    const struct lr_config_section *const *secs = lr_runtime_config_sections();
#define CONF(x) "[port0]\naddr = 198.18.0.2/24\n[ftp]\n" x
    assert_int_equal(lr_config_load_string(&cfg, CONF(""), "/etc/t.conf", secs, err, sizeof(err)),
                     0);
    assert_int_equal(lr_ftp_conf(&cfg)->tls, LR_FTP_TLS_ALLOW);
    assert_int_equal(
        lr_config_load_string(&cfg, CONF("tls = require\n"), "/etc/t.conf", secs, err, sizeof(err)),
        0);
    assert_int_equal(lr_ftp_conf(&cfg)->tls, LR_FTP_TLS_REQUIRE);
    struct lr_ftp_session_cfg sc;
    assert_int_equal(lr_ftp_session_cfg_from(&sc, lr_ftp_conf(&cfg)), 0);
    assert_int_equal(sc.tls, LR_FTP_TLS_REQUIRE);
    assert_int_equal(
        lr_config_load_string(&cfg, CONF("tls = OFF\n"), "/etc/t.conf", secs, err, sizeof(err)), 0);
    assert_int_equal(lr_ftp_conf(&cfg)->tls, LR_FTP_TLS_OFF);
    assert_int_equal(lr_ftp_session_cfg_from(&sc, lr_ftp_conf(&cfg)), 0);
    assert_int_equal(sc.tls, LR_FTP_TLS_OFF);
    assert_int_equal(
        lr_config_load_string(&cfg, CONF("tls = yes\n"), "/etc/t.conf", secs, err, sizeof(err)),
        -EINVAL);
    assert_string_equal(err,
                        "/etc/t.conf: [ftp] tls: 'yes' is not a TLS mode (off, allow or require)");
#undef CONF
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(greeting_and_basics),
        T(syntax_and_unknown),
        T(need_login),
        T(anonymous_login),
        T(anonymous_disabled),
        T(user_login_and_lockout),
        T(three_failures_close),
        T(async_verify),
        T(async_verify_failures),
        T(pwd_cwd_cdup),
        T(type_mode_stru),
        T(pasv_epsv),
        T(port_eprt_bounce),
        T(list_family),
        T(retr_rest_ascii),
        T(size_mdtm_mlst),
        T(stor_permissions),
        T(stor_user),
        T(fs_ops),
        T(abor_and_quit),
        T(quit_plain),
        T(stat_paths),
        T(idle_timeout),
        T(idle_timeout_closes_pasv),
        cmocka_unit_test(cfg_from_config),
        cmocka_unit_test(stats_add),
        T(stou),
        T(temp_names_refused),
        T(tls_auth_pbsz_prot),
        T(tls_auth_mechanisms),
        T(tls_feat_help),
        T(tls_off),
        T(tls_require),
        T(tls_require_tls_p),
        T(tls_auth_resets_session),
        T(tls_auth_during_transfer),
        cmocka_unit_test(tls_config_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
