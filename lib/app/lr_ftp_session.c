/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * FTP session state machine (see lr_ftp_session.h).
 *
 * Call chain: lr_ftp_session_line() -> lr_ftp_cmd_parse() ->
 * lr_ftp_session_command() -> access checks (login, sequence) -> one
 * cmd_<verb>() handler, which writes replies and pushes actions. The RFC
 * 4217 handlers (AUTH, PBSZ, PROT, CCC, tls = require) are in
 * lr_ftp_session_tls.c.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lr_ftp_io.h"
#include "lr_ftp_session.h"
#include "lr_ftp_session_priv.h"
#include "lr_path.h"

#define DEFAULT_FAIL_DELAY_US 1000000u
#define DEFAULT_MAX_FAILURES  3u

void lr_ftp_stats_add(struct lr_ftp_stats *dst, const struct lr_ftp_stats *src)
{
    dst->sessions_active += src->sessions_active;
    dst->sessions_total += src->sessions_total;
    dst->sessions_refused += src->sessions_refused;
    dst->logins_ok += src->logins_ok;
    dst->logins_failed += src->logins_failed;
    dst->commands += src->commands;
    dst->commands_bad += src->commands_bad;
    dst->transfers_ok += src->transfers_ok;
    dst->transfers_aborted += src->transfers_aborted;
    dst->transfers_failed += src->transfers_failed;
    dst->bytes_up += src->bytes_up;
    dst->bytes_down += src->bytes_down;
    dst->uploads_committed += src->uploads_committed;
    dst->uploads_discarded += src->uploads_discarded;
    dst->uploads_too_big += src->uploads_too_big;
    dst->upload_io_errors += src->upload_io_errors;
    dst->data_orphaned += src->data_orphaned;
    dst->data_stalled += src->data_stalled;
    dst->stale_temps_removed += src->stale_temps_removed;
    dst->tls_auth += src->tls_auth;
    dst->tls_refused += src->tls_refused;
    dst->tls_plaintext_discarded += src->tls_plaintext_discarded;
    dst->tls_start_failed += src->tls_start_failed;
}

int lr_ftp_session_cfg_from(struct lr_ftp_session_cfg *sc, const struct lr_ftp_config *fc)
{
    memset(sc, 0, sizeof(*sc));
    sc->anonymous = fc->anonymous;
    sc->max_upload_bytes = fc->max_upload_bytes;
    sc->idle_timeout = fc->idle_timeout;
    sc->login_fail_delay = DEFAULT_FAIL_DELAY_US;
    sc->max_login_failures = DEFAULT_MAX_FAILURES;
    /* The loader stores only the three modes; any other value offers no TLS. */
    sc->tls = fc->tls <= LR_FTP_TLS_REQUIRE ? (enum lr_ftp_tls_mode)fc->tls : LR_FTP_TLS_OFF;
    if (fc->upload_dir[0] != '\0') {
        int n = lr_path_normalize(fc->upload_dir, strlen(fc->upload_dir), sc->upload_dir,
                                  sizeof(sc->upload_dir), 0);
        if (n < 0)
            return -EINVAL;
        /* Strip a trailing slash; the root itself cannot be the upload dir
         * (it would make the whole served tree writable). */
        if (n > 1 && sc->upload_dir[n - 1] == '/')
            sc->upload_dir[--n] = '\0';
        if (n <= 1)
            return -EINVAL;
    }
    return 0;
}

/* --- helpers ------------------------------------------------------------- */

struct lr_ftp_action *lr_ftp_session_act_push(struct lr_ftp_actions *acts, enum lr_ftp_act_type t)
{
    if (acts->n >= LR_FTP_ACTIONS_MAX)
        return NULL; /* cannot happen: no handler pushes more than the maximum */
    struct lr_ftp_action *a = &acts->a[acts->n++];
    memset(a, 0, offsetof(struct lr_ftp_action, path));
    a->path[0] = '\0';
    a->path2[0] = '\0';
    a->type = t;
    return a;
}

static void close_session(struct lr_ftp_session *s, struct lr_ftp_actions *acts)
{
    if (s->data != LR_FTP_DATA_NONE && !s->transfer)
        lr_ftp_session_act_push(acts, LR_FTP_ACT_DATA_CLOSE);
    s->data = LR_FTP_DATA_NONE;
    s->closed = true;
    lr_ftp_session_act_push(acts, LR_FTP_ACT_CLOSE);
}

static bool in_upload(const struct lr_ftp_session *s, const char *vpath, bool strict)
{
    const char *u = s->cfg->upload_dir;
    size_t ul = strlen(u);
    if (ul == 0)
        return false;
    if (strncmp(vpath, u, ul) != 0)
        return false;
    if (vpath[ul] == '\0')
        return !strict;
    return vpath[ul] == '/' && vpath[ul + 1] != '\0';
}

bool lr_ftp_session_can_write(const struct lr_ftp_session *s, const char *vpath)
{
    return s->login == LR_FTP_LOGIN_OK && !s->anonymous && in_upload(s, vpath, true);
}

/*
 * Resolve @arg (@len bytes) against cwd into @out; a trailing '/' is removed
 * (except for the root). Returns 0 or -EINVAL / -ENAMETOOLONG.
 */
static int resolve(const struct lr_ftp_session *s, const char *arg, size_t len, char *out,
                   size_t outlen)
{
    char tmp[LR_PATH_MAX];
    if (len >= sizeof(tmp))
        return -ENAMETOOLONG;
    memcpy(tmp, arg, len);
    tmp[len] = '\0';
    int n = lr_path_resolve(s->cwd, tmp, out, outlen);
    if (n < 0)
        return n;
    if (n > 1 && out[n - 1] == '/')
        out[n - 1] = '\0';
    return 0;
}

static int fs_stat(const struct lr_ftp_session *s, const char *vpath, struct lr_ftp_stat *st)
{
    memset(st, 0, sizeof(*st));
    if (s->cfg->fs == NULL || s->cfg->fs->stat == NULL)
        return -ENOENT;
    return s->cfg->fs->stat(s->cfg->fs_ctx, vpath, st);
}

/* The verbs RFC 959 defines (or RFC 2640 extensions) we do not implement.
 * The RFC 2228 ones of RFC 4217 answer 502 only with [ftp] tls = off. */
static bool not_implemented(enum lr_ftp_verb v)
{
    switch (v) {
    case LR_FTP_CMD_SMNT:
    case LR_FTP_CMD_REIN:
    case LR_FTP_CMD_SITE:
    case LR_FTP_CMD_ACCT:
    case LR_FTP_CMD_LANG:
        return true;
    default:
        return false;
    }
}

/* Commands accepted before login (RFC 959 §5.4 sequencing; FEAT per RFC 2389 §3;
 * RFC 4217 §4: AUTH comes before USER, PBSZ/PROT may too). */
static bool allowed_before_login(enum lr_ftp_verb v)
{
    switch (v) {
    case LR_FTP_CMD_AUTH:
    case LR_FTP_CMD_PBSZ:
    case LR_FTP_CMD_PROT:
    case LR_FTP_CMD_CCC:
    case LR_FTP_CMD_USER:
    case LR_FTP_CMD_PASS:
    case LR_FTP_CMD_QUIT:
    case LR_FTP_CMD_FEAT:
    case LR_FTP_CMD_SYST:
    case LR_FTP_CMD_HELP:
    case LR_FTP_CMD_NOOP:
    case LR_FTP_CMD_OPTS:
        return true;
    default:
        return not_implemented(v);
    }
}

/* Commands accepted while a transfer runs (RFC 959 §4.1.3: ABOR, STAT, QUIT
 * are the "during transfer" commands; the rest do not touch the data channel). */
static bool allowed_during_transfer(enum lr_ftp_verb v)
{
    switch (v) {
    case LR_FTP_CMD_ABOR:
    case LR_FTP_CMD_STAT:
    case LR_FTP_CMD_QUIT:
    case LR_FTP_CMD_NOOP:
    case LR_FTP_CMD_HELP:
    case LR_FTP_CMD_SYST:
    case LR_FTP_CMD_FEAT:
    case LR_FTP_CMD_PWD:
    case LR_FTP_CMD_XPWD:
        return true;
    default:
        return not_implemented(v);
    }
}

static const char *type_name(enum lr_ftp_type t)
{
    return t == LR_FTP_TYPE_ASCII ? "ASCII" : "BINARY";
}

/* --- commands ------------------------------------------------------------ */

static bool is_anonymous_name(const char *n, size_t len)
{
    return (len == 9 && strncasecmp(n, "anonymous", 9) == 0) ||
           (len == 3 && strncasecmp(n, "ftp", 3) == 0);
}

static void cmd_user(struct lr_ftp_session *s, const struct lr_ftp_cmd *c, struct lr_ftp_out *out)
{
    if (s->login == LR_FTP_LOGIN_OK) {
        lr_ftp_reply(out, 530, "Can't change to another user.");
        return;
    }
    if (c->arg_len == 0) {
        lr_ftp_reply(out, 501, "USER needs a user name.");
        return;
    }
    if (c->arg_len > LR_FTP_USER_NAME_MAX) {
        /* Not a name we could know: same answer as for any name, the
         * password step fails (no hint about which names exist). */
        s->user[0] = '\0';
    } else {
        memcpy(s->user, c->arg, c->arg_len);
        s->user[c->arg_len] = '\0';
    }
    s->login = LR_FTP_LOGIN_PASS;
    if (s->cfg->anonymous && is_anonymous_name(c->arg, c->arg_len))
        lr_ftp_reply(out, 331, "Anonymous login ok, send your e-mail address as password.");
    else
        lr_ftp_reply(out, 331, "Please specify the password.");
}

/* The verdict on a password: 230, or a delayed 530 (and 421 + close after
 * too many failures). */
static void login_finish(struct lr_ftp_session *s, bool ok, bool anon, struct lr_ftp_out *out,
                         struct lr_ftp_actions *acts)
{
    if (ok) {
        s->login = LR_FTP_LOGIN_OK;
        s->anonymous = anon;
        s->failures = 0;
        s->stats->logins_ok++;
        lr_ftp_reply(out, 230, "Login successful.");
        return;
    }
    /* RFC 2577 §5: delay the answer to a bad password and limit attempts. */
    s->stats->logins_failed++;
    s->login = LR_FTP_LOGIN_NONE;
    s->user[0] = '\0';
    s->failures++;
    lr_ftp_reply(out, 530, "Login incorrect.");
    uint32_t maxf = s->cfg->max_login_failures ? s->cfg->max_login_failures : DEFAULT_MAX_FAILURES;
    if (s->failures >= maxf) {
        lr_ftp_reply(out, 421, "Too many failed logins, closing control connection.");
        close_session(s, acts);
    }
    if (s->cfg->login_fail_delay > 0) {
        /* DELAY first in the list: the glue holds every reply of this call. */
        struct lr_ftp_action tmp[LR_FTP_ACTIONS_MAX];
        unsigned n = acts->n;
        memcpy(tmp, acts->a, n * sizeof(tmp[0]));
        acts->n = 0;
        struct lr_ftp_action *a = lr_ftp_session_act_push(acts, LR_FTP_ACT_DELAY);
        a->delay_us = s->cfg->login_fail_delay;
        for (unsigned i = 0; i < n && acts->n < LR_FTP_ACTIONS_MAX; i++)
            acts->a[acts->n++] = tmp[i];
    }
}

static void cmd_pass(struct lr_ftp_session *s, const struct lr_ftp_cmd *c, struct lr_ftp_out *out,
                     struct lr_ftp_actions *acts)
{
    if (s->login == LR_FTP_LOGIN_OK) {
        lr_ftp_reply(out, 230, "Already logged in.");
        return;
    }
    if (s->login != LR_FTP_LOGIN_PASS) {
        lr_ftp_reply(out, 503, "Login with USER first.");
        return;
    }
    size_t ulen = strlen(s->user);
    bool anon = s->cfg->anonymous && is_anonymous_name(s->user, ulen);
    if (anon) {
        login_finish(s, true, true, out, acts);
        return;
    }
    if (s->cfg->users == NULL || ulen == 0 || c->arg_len >= LR_PATH_MAX) {
        login_finish(s, false, false, out, acts);
        return;
    }
    if (s->cfg->async_verify) {
        /* crypt(3) costs milliseconds: the glue runs it off the worker and
         * answers with lr_ftp_session_login_result(). */
        struct lr_ftp_action *a = lr_ftp_session_act_push(acts, LR_FTP_ACT_VERIFY);
        snprintf(a->path, sizeof(a->path), "%s", s->user);
        memcpy(a->path2, c->arg, c->arg_len);
        a->path2[c->arg_len] = '\0';
        s->verify_pending = true;
        return;
    }
    bool ok = lr_ftp_users_verify(s->cfg->users, s->user, ulen, c->arg, c->arg_len);
    login_finish(s, ok, false, out, acts);
}

void lr_ftp_session_login_result(struct lr_ftp_session *s, uint64_t now, bool ok,
                                 struct lr_ftp_out *out, struct lr_ftp_actions *acts)
{
    acts->n = 0;
    if (!s->verify_pending)
        return;
    s->verify_pending = false;
    s->last_active = now;
    login_finish(s, ok, false, out, acts);
}

static void cmd_feat(const struct lr_ftp_session *s, struct lr_ftp_out *out)
{
    bool tls = s->cfg->tls != LR_FTP_TLS_OFF;
    /* RFC 2389 §3.2: each feature line starts with a single space. */
    lr_ftp_reply_begin(out, 211, "Features:");
    if (tls)
        lr_ftp_reply_line(out, "AUTH TLS"); /* RFC 4217 §6 */
    lr_ftp_reply_line(out, "EPRT");
    lr_ftp_reply_line(out, "EPSV");
    lr_ftp_reply_line(out, "MDTM");
    lr_ftp_reply_line(out, "MLST type*;size*;modify*;perm*;");
    if (tls) {
        lr_ftp_reply_line(out, "PBSZ");
        lr_ftp_reply_line(out, "PROT");
    }
    lr_ftp_reply_line(out, "REST STREAM");
    lr_ftp_reply_line(out, "SIZE");
    lr_ftp_reply_line(out, "TVFS");
    lr_ftp_reply_line(out, "UTF8");
    lr_ftp_reply_end(out, 211, "End");
}

static void cmd_opts(const struct lr_ftp_cmd *c, struct lr_ftp_out *out)
{
    /* RFC 2640 §3.2: OPTS UTF8 ON; RFC 3659 §7.9: OPTS MLST facts. */
    if (c->arg_len >= 4 && strncasecmp(c->arg, "UTF8", 4) == 0 &&
        (c->arg_len == 4 || c->arg[4] == ' ')) {
        const char *v = c->arg + 4;
        size_t vl = c->arg_len - 4;
        if (vl == 0 || (vl == 3 && strncasecmp(v, " ON", 3) == 0)) {
            lr_ftp_reply(out, 200, "Always in UTF8 mode.");
            return;
        }
        lr_ftp_reply(out, 504, "UTF8 cannot be turned off.");
        return;
    }
    if (c->arg_len >= 4 && strncasecmp(c->arg, "MLST", 4) == 0 &&
        (c->arg_len == 4 || c->arg[4] == ' ')) {
        /* The fact set is fixed: report it as the selected one. */
        lr_ftp_reply(out, 200, "MLST OPTS type;size;modify;perm;");
        return;
    }
    lr_ftp_reply(out, 501, "Option not understood.");
}

static void cmd_pwd(struct lr_ftp_session *s, struct lr_ftp_out *out)
{
    char q[2 * LR_PATH_MAX + 3];
    if (lr_ftp_path_quote(q, sizeof(q), s->cwd) < 0) {
        lr_ftp_reply(out, 550, "Current directory name too long.");
        return;
    }
    lr_ftp_reply(out, 257, "%s is the current directory", q);
}

/* True when every segment of @arg is empty, "." or "..". */
static bool only_dot_segments(const char *arg, size_t len)
{
    for (size_t i = 0; i <= len;) {
        size_t j = i;
        while (j < len && arg[j] != '/')
            j++;
        size_t n = j - i;
        if (n > 2 || (n >= 1 && arg[i] != '.') || (n == 2 && arg[i + 1] != '.'))
            return false;
        i = j + 1;
    }
    return true;
}

static void cmd_cwd(struct lr_ftp_session *s, const char *arg, size_t len, struct lr_ftp_out *out)
{
    char p[LR_PATH_MAX];
    struct lr_ftp_stat st;
    if (len == 0) {
        lr_ftp_reply(out, 501, "CWD needs a directory.");
        return;
    }
    int rc = resolve(s, arg, len, p, sizeof(p));
    if (rc == -EINVAL && only_dot_segments(arg, len)) {
        /*
         * ".." at the root is the root: "CWD ..", "CWD /..", "CWD ../.." and
         * CDUP (RFC 959 §4.1.1: CWD to the parent) all answer 250 and stay
         * at "/", as "cd /.." does on Unix and as vsftpd and ProFTPD do in
         * a chroot; clients (lftp, file managers) go up blindly and expect
         * that. A path that climbs above the root and then names something
         * ("CWD ../etc", "CWD /../x") is still refused (550): that is a
         * traversal attempt, not navigation (lr_path.h policy).
         */
        snprintf(p, sizeof(p), "/");
        rc = 0;
    }
    if (rc != 0 || fs_stat(s, p, &st) != 0 || !st.is_dir) {
        lr_ftp_reply(out, 550, "Failed to change directory.");
        return;
    }
    snprintf(s->cwd, sizeof(s->cwd), "%s", p);
    lr_ftp_reply(out, 250, "Directory successfully changed.");
}

static void cmd_cdup(struct lr_ftp_session *s, struct lr_ftp_out *out)
{
    /* At the root, ".." is the root itself (as in Unix "cd /..", cmd_cwd). */
    if (strcmp(s->cwd, "/") == 0) {
        lr_ftp_reply(out, 250, "Directory successfully changed.");
        return;
    }
    cmd_cwd(s, "..", 2, out);
}

static void cmd_type(struct lr_ftp_session *s, const struct lr_ftp_cmd *c, struct lr_ftp_out *out)
{
    enum lr_ftp_type t;
    int rc = lr_ftp_type_parse(c->arg, c->arg_len, &t);
    if (rc == -ENOTSUP) {
        lr_ftp_reply(out, 504, "Type not implemented.");
        return;
    }
    if (rc != 0) {
        lr_ftp_reply(out, 501, "Unrecognised TYPE command.");
        return;
    }
    s->type = t;
    lr_ftp_reply(out, 200, "Switching to %s mode.", type_name(t));
}

/* MODE and STRU take one letter; only @ok is implemented (RFC 959 §5.1 minimum). */
static void cmd_letter(const struct lr_ftp_cmd *c, char ok, const char *known, const char *what,
                       struct lr_ftp_out *out)
{
    if (c->arg_len != 1) {
        lr_ftp_reply(out, 501, "Bad %s argument.", what);
        return;
    }
    char l = c->arg[0] & (char)~0x20;
    if (l == ok) {
        lr_ftp_reply(out, 200, "%s set to %c.", what, ok);
        return;
    }
    if (strchr(known, l) != NULL && l != '\0')
        lr_ftp_reply(out, 504, "Bad %s: only %c is implemented.", what, ok);
    else
        lr_ftp_reply(out, 501, "Bad %s argument.", what);
}

static void data_reset(struct lr_ftp_session *s, struct lr_ftp_actions *acts)
{
    if (s->data != LR_FTP_DATA_NONE)
        lr_ftp_session_act_push(acts, LR_FTP_ACT_DATA_CLOSE);
    s->data = LR_FTP_DATA_NONE;
}

static void cmd_pasv(struct lr_ftp_session *s, bool extended, struct lr_ftp_actions *acts)
{
    data_reset(s, acts);
    struct lr_ftp_action *a = lr_ftp_session_act_push(acts, LR_FTP_ACT_PASV_OPEN);
    a->extended = extended;
    s->data = LR_FTP_DATA_PASV;
    s->pasv_pending = true;
    s->pasv_extended = extended;
}

static void cmd_epsv(struct lr_ftp_session *s, const struct lr_ftp_cmd *c, struct lr_ftp_out *out,
                     struct lr_ftp_actions *acts)
{
    /* RFC 2428 §3: EPSV [<net-prt> | ALL] */
    if (c->arg_len == 0 || (c->arg_len == 1 && c->arg[0] == '1')) {
        cmd_pasv(s, true, acts);
        return;
    }
    if (c->arg_len == 3 && strncasecmp(c->arg, "ALL", 3) == 0) {
        s->epsv_all = true;
        lr_ftp_reply(out, 200, "EPSV ALL ok.");
        return;
    }
    uint64_t proto;
    if (lr_ftp_u64_parse(c->arg, c->arg_len, &proto) == 0) {
        lr_ftp_reply(out, 522, "Network protocol not supported, use (1)");
        return;
    }
    lr_ftp_reply(out, 501, "Bad EPSV argument.");
}

static void cmd_port(struct lr_ftp_session *s, const struct lr_ftp_cmd *c, bool extended,
                     struct lr_ftp_out *out, struct lr_ftp_actions *acts)
{
    struct lr_ftp_hostport hp;
    int rc = extended ? lr_ftp_eprt_parse(c->arg, c->arg_len, &hp)
                      : lr_ftp_port_parse(c->arg, c->arg_len, &hp);
    if (rc == -EAFNOSUPPORT) {
        lr_ftp_reply(out, 522, "Network protocol not supported, use (1)");
        return;
    }
    if (rc != 0) {
        lr_ftp_reply(out, 501, "Illegal %s command.", extended ? "EPRT" : "PORT");
        return;
    }
    /* RFC 2577 §3: a data connection only to the client itself and never to
     * a privileged port, or the server becomes a bounce relay. */
    if (hp.addr != s->client_addr || rte_be_to_cpu_16(hp.port) < 1024) {
        lr_ftp_reply(out, 500, "Illegal %s command.", extended ? "EPRT" : "PORT");
        return;
    }
    data_reset(s, acts);
    s->data = LR_FTP_DATA_ACTIVE;
    s->peer = hp;
    lr_ftp_reply(out, 200, "%s command successful. Consider using PASV.",
                 extended ? "EPRT" : "PORT");
}

static bool need_data(struct lr_ftp_session *s, struct lr_ftp_out *out)
{
    if (s->data == LR_FTP_DATA_NONE) {
        lr_ftp_reply(out, 425, "Use PORT or PASV first.");
        return false;
    }
    return true;
}

static struct lr_ftp_action *start_transfer(struct lr_ftp_session *s, enum lr_ftp_xfer x,
                                            const char *path, struct lr_ftp_actions *acts)
{
    struct lr_ftp_action *a = lr_ftp_session_act_push(acts, LR_FTP_ACT_TRANSFER);
    a->xfer = x;
    a->active = s->data == LR_FTP_DATA_ACTIVE;
    a->peer = s->peer;
    a->type_mode = s->type;
    snprintf(a->path, sizeof(a->path), "%s", path);
    s->transfer = true;
    s->xfer = x;
    /* Each data setup serves one transfer: the glue owns it now. */
    s->data = LR_FTP_DATA_NONE;
    return a;
}

/* LIST/NLST accept ls-style options ("-la"), which are skipped. */
static void skip_list_options(const char **arg, size_t *len)
{
    while (*len > 0 && (*arg)[0] == '-') {
        size_t i = 0;
        while (i < *len && (*arg)[i] != ' ')
            i++;
        while (i < *len && (*arg)[i] == ' ')
            i++;
        *arg += i;
        *len -= i;
    }
}

static void cmd_list(struct lr_ftp_session *s, const struct lr_ftp_cmd *c,
                     enum lr_ftp_list_style style, struct lr_ftp_out *out,
                     struct lr_ftp_actions *acts)
{
    const char *arg = c->arg;
    size_t len = c->arg_len;
    char p[LR_PATH_MAX];
    struct lr_ftp_stat st;

    if (style != LR_FTP_LIST_MLSD)
        skip_list_options(&arg, &len);
    if (resolve(s, arg, len, p, sizeof(p)) != 0 || fs_stat(s, p, &st) != 0) {
        lr_ftp_reply(out, 550, "No such file or directory.");
        return;
    }
    if (style == LR_FTP_LIST_MLSD && !st.is_dir) {
        /* RFC 3659 §7.2.1: MLSD names a directory. */
        lr_ftp_reply(out, 501, "Not a directory.");
        return;
    }
    if (!need_data(s, out))
        return;
    struct lr_ftp_action *a = start_transfer(s, LR_FTP_XFER_LIST, p, acts);
    a->style = style;
    a->type_mode = LR_FTP_TYPE_ASCII; /* listing lines already end in CRLF */
    lr_ftp_reply(out, 150, "Here comes the directory listing.");
}

static void cmd_retr(struct lr_ftp_session *s, const struct lr_ftp_cmd *c, uint64_t rest,
                     struct lr_ftp_out *out, struct lr_ftp_actions *acts)
{
    char p[LR_PATH_MAX];
    struct lr_ftp_stat st;
    if (c->arg_len == 0) {
        lr_ftp_reply(out, 501, "RETR needs a file name.");
        return;
    }
    if (resolve(s, c->arg, c->arg_len, p, sizeof(p)) != 0 || fs_stat(s, p, &st) != 0 || st.is_dir) {
        lr_ftp_reply(out, 550, "Failed to open file.");
        return;
    }
    if (rest > st.size) {
        /* RFC 3659 §5.5: a restart point beyond the end of the file. */
        lr_ftp_reply(out, 554, "Invalid REST parameter.");
        return;
    }
    if (!need_data(s, out))
        return;
    struct lr_ftp_action *a = start_transfer(s, LR_FTP_XFER_RETR, p, acts);
    a->offset = rest;
    a->size = st.size;
    if (s->type == LR_FTP_TYPE_IMAGE)
        lr_ftp_reply(out, 150, "Opening BINARY mode data connection for %s (%llu bytes).", p,
                     (unsigned long long)(st.size - rest));
    else
        lr_ftp_reply(out, 150, "Opening ASCII mode data connection for %s.", p);
}

static bool may_write(struct lr_ftp_session *s, struct lr_ftp_out *out)
{
    if (s->anonymous || s->cfg->upload_dir[0] == '\0') {
        lr_ftp_reply(out, 550, "Permission denied.");
        return false;
    }
    return true;
}

static void cmd_stor(struct lr_ftp_session *s, const struct lr_ftp_cmd *c, bool append,
                     uint64_t rest, struct lr_ftp_out *out, struct lr_ftp_actions *acts)
{
    char p[LR_PATH_MAX];
    struct lr_ftp_stat st;
    if (c->arg_len == 0) {
        lr_ftp_reply(out, 501, "%s needs a file name.", append ? "APPE" : "STOR");
        return;
    }
    if (!may_write(s, out))
        return;
    if (resolve(s, c->arg, c->arg_len, p, sizeof(p)) != 0 || !in_upload(s, p, true)) {
        lr_ftp_reply(out, 553, "Could not create file: not in the upload directory.");
        return;
    }
    if (lr_ftp_is_temp_name(p)) {
        /* The server's temporary upload names (lr_ftp_io.h). */
        lr_ftp_reply(out, 553, "Could not create file: reserved name.");
        return;
    }
    bool exists = fs_stat(s, p, &st) == 0;
    if (exists && st.is_dir) {
        lr_ftp_reply(out, 553, "Could not create file: is a directory.");
        return;
    }
    if (append)
        rest = 0; /* APPE appends whatever a REST said (RFC 3659 §5.5) */
    if (rest > s->cfg->max_upload_bytes ||
        (append && exists && st.size >= s->cfg->max_upload_bytes)) {
        lr_ftp_reply(out, 552, "Exceeded storage allocation.");
        return;
    }
    if (rest > 0 && (!exists || rest > st.size)) {
        lr_ftp_reply(out, 554, "Invalid REST parameter.");
        return;
    }
    if (!need_data(s, out))
        return;
    struct lr_ftp_action *a =
        start_transfer(s, append ? LR_FTP_XFER_APPE : LR_FTP_XFER_STOR, p, acts);
    a->offset = rest;
    a->size = exists ? st.size : 0;
    a->limit = s->cfg->max_upload_bytes;
    lr_ftp_reply(out, 150, "Ok to send data.");
}

static void fs_request(struct lr_ftp_session *s, enum lr_ftp_fsop op, const char *p, const char *p2,
                       struct lr_ftp_actions *acts);

/*
 * STOU (RFC 959 §4.1.3, RFC 1123 §4.1.2.9): store under a name that does
 * not exist yet, in the current directory (or as the argument suggests),
 * and say which in the 150 reply ("150 FILE: name"). The name is checked
 * free now; the commit links it without replacing (noreplace), so a file
 * that appears meanwhile is never overwritten (451 then).
 */
static void cmd_stou(struct lr_ftp_session *s, const struct lr_ftp_cmd *c, struct lr_ftp_out *out,
                     struct lr_ftp_actions *acts)
{
    char base[LR_PATH_MAX], p[LR_PATH_MAX];
    struct lr_ftp_stat st;
    if (!may_write(s, out))
        return;
    const char *arg = c->arg_len > 0 ? c->arg : "stou";
    size_t len = c->arg_len > 0 ? c->arg_len : 4;
    if (resolve(s, arg, len, base, sizeof(base)) != 0 || !in_upload(s, base, true) ||
        lr_ftp_is_temp_name(base)) {
        lr_ftp_reply(out, 553, "Could not create file: not in the upload directory.");
        return;
    }
    bool found = false;
    for (unsigned k = 0; k < 1000 && !found; k++) {
        int n =
            k == 0 ? snprintf(p, sizeof(p), "%s", base) : snprintf(p, sizeof(p), "%s.%u", base, k);
        if (n < 0 || (size_t)n >= sizeof(p))
            break;
        found = fs_stat(s, p, &st) != 0;
    }
    if (!found) {
        lr_ftp_reply(out, 553, "Could not create a unique file name.");
        return;
    }
    if (!need_data(s, out))
        return;
    struct lr_ftp_action *a = start_transfer(s, LR_FTP_XFER_STOR, p, acts);
    a->noreplace = true;
    a->limit = s->cfg->max_upload_bytes;
    const char *slash = strrchr(p, '/');
    lr_ftp_reply(out, 150, "FILE: %s", slash + 1);
}

static void cmd_size_mdtm(struct lr_ftp_session *s, const struct lr_ftp_cmd *c, bool mdtm,
                          struct lr_ftp_out *out, struct lr_ftp_actions *acts)
{
    char p[LR_PATH_MAX];
    struct lr_ftp_stat st;
    if (c->arg_len == 0) {
        lr_ftp_reply(out, 501, "%s needs a file name.", mdtm ? "MDTM" : "SIZE");
        return;
    }
    if (resolve(s, c->arg, c->arg_len, p, sizeof(p)) != 0 || fs_stat(s, p, &st) != 0 || st.is_dir) {
        /* RFC 3659 §3.2 / §4.2: 550 when the file does not exist. */
        lr_ftp_reply(out, 550,
                     mdtm ? "Could not get file modification time." : "Could not get file size.");
        return;
    }
    if (mdtm) {
        char t[16];
        lr_ftp_time_format(t, sizeof(t), st.mtime);
        lr_ftp_reply(out, 213, "%s", t);
        return;
    }
    if (s->type == LR_FTP_TYPE_ASCII) {
        /* RFC 3659 §4: the size as it would be transferred in this TYPE. */
        uint64_t n = 0;
        int rc = s->cfg->fs != NULL && s->cfg->fs->ascii_size != NULL
                     ? s->cfg->fs->ascii_size(s->cfg->fs_ctx, p, &n)
                     : -ENOTSUP;
        if (rc == -EAGAIN) {
            fs_request(s, LR_FTP_FS_ASCII_SIZE, p, NULL, acts);
            return;
        }
        if (rc != 0) {
            lr_ftp_reply(out, 550, "Could not get file size.");
            return;
        }
        lr_ftp_reply(out, 213, "%llu", (unsigned long long)n);
        return;
    }
    lr_ftp_reply(out, 213, "%llu", (unsigned long long)st.size);
}

static void cmd_rest(struct lr_ftp_session *s, const struct lr_ftp_cmd *c, struct lr_ftp_out *out)
{
    uint64_t v;
    if (lr_ftp_u64_parse(c->arg, c->arg_len, &v) != 0) {
        lr_ftp_reply(out, 501, "Bad REST argument.");
        return;
    }
    s->rest = v;
    s->rest_set = true;
    lr_ftp_reply(out, 350, "Restart position accepted (%llu).", (unsigned long long)v);
}

static void fs_request(struct lr_ftp_session *s, enum lr_ftp_fsop op, const char *p, const char *p2,
                       struct lr_ftp_actions *acts)
{
    struct lr_ftp_action *a = lr_ftp_session_act_push(acts, LR_FTP_ACT_FS);
    a->fsop = op;
    snprintf(a->path, sizeof(a->path), "%s", p);
    if (p2 != NULL)
        snprintf(a->path2, sizeof(a->path2), "%s", p2);
    s->fs_pending = true;
    s->fs_op = op;
    snprintf(s->fs_path, sizeof(s->fs_path), "%s", op == LR_FTP_FS_RENAME ? p2 : p);
}

static void cmd_fsop(struct lr_ftp_session *s, const struct lr_ftp_cmd *c, enum lr_ftp_verb v,
                     struct lr_ftp_out *out, struct lr_ftp_actions *acts)
{
    char p[LR_PATH_MAX];
    struct lr_ftp_stat st;
    const char *vn = lr_ftp_verb_name(v);
    if (c->arg_len == 0) {
        lr_ftp_reply(out, 501, "%s needs a path.", vn);
        return;
    }
    if (v == LR_FTP_CMD_RNTO && !s->rnfr_set) {
        lr_ftp_reply(out, 503, "RNFR required first.");
        return;
    }
    if (!may_write(s, out))
        return;
    if (resolve(s, c->arg, c->arg_len, p, sizeof(p)) != 0 || !in_upload(s, p, true)) {
        lr_ftp_reply(out, 550, "Permission denied.");
        return;
    }
    if (lr_ftp_is_temp_name(p)) {
        /* Uploads in progress are invisible and untouchable (lr_ftp_io.h). */
        lr_ftp_reply(out, 550, "Permission denied: reserved name.");
        return;
    }
    bool exists = fs_stat(s, p, &st) == 0;
    switch (v) {
    case LR_FTP_CMD_DELE:
        if (!exists || st.is_dir) {
            lr_ftp_reply(out, 550, "Delete operation failed.");
            return;
        }
        fs_request(s, LR_FTP_FS_DELE, p, NULL, acts);
        return;
    case LR_FTP_CMD_RMD:
    case LR_FTP_CMD_XRMD:
        if (!exists || !st.is_dir) {
            lr_ftp_reply(out, 550, "Remove directory operation failed.");
            return;
        }
        fs_request(s, LR_FTP_FS_RMD, p, NULL, acts);
        return;
    case LR_FTP_CMD_MKD:
    case LR_FTP_CMD_XMKD:
        if (exists) {
            lr_ftp_reply(out, 550, "Create directory operation failed: exists.");
            return;
        }
        fs_request(s, LR_FTP_FS_MKD, p, NULL, acts);
        return;
    case LR_FTP_CMD_RNFR:
        if (!exists) {
            lr_ftp_reply(out, 550, "RNFR command failed.");
            return;
        }
        snprintf(s->rnfr, sizeof(s->rnfr), "%s", p);
        s->rnfr_set = true;
        lr_ftp_reply(out, 350, "Ready for RNTO.");
        return;
    case LR_FTP_CMD_RNTO:
        s->rnfr_set = false;
        if (exists) {
            lr_ftp_reply(out, 550, "Rename failed: target exists.");
            return;
        }
        fs_request(s, LR_FTP_FS_RENAME, s->rnfr, p, acts);
        return;
    default:
        lr_ftp_reply(out, 502, "Command not implemented.");
        return;
    }
}

static void cmd_abor(struct lr_ftp_session *s, struct lr_ftp_out *out, struct lr_ftp_actions *acts)
{
    if (s->transfer) {
        /* RFC 959 §4.1.3: 426 for the aborted transfer, then 226 for ABOR. */
        lr_ftp_session_act_push(acts, LR_FTP_ACT_ABORT);
        s->transfer = false;
        s->stats->transfers_aborted++;
        lr_ftp_reply(out, 426, "Connection closed; transfer aborted.");
        lr_ftp_reply(out, 226, "Closing data connection; abort successful.");
        if (s->quit_after) {
            s->quit_after = false;
            lr_ftp_reply(out, 221, "Goodbye.");
            close_session(s, acts);
        }
        return;
    }
    data_reset(s, acts);
    lr_ftp_reply(out, 225, "No transfer to abort.");
}

struct stat_list_ctx {
    const struct lr_ftp_session *s;
    struct lr_ftp_out *out;
    const char *dir;
    const char *single; /* STAT of one file: its full path */
    int64_t now_s;
    unsigned lines;
};

static int stat_list_line(void *arg, const struct lr_ftp_entry *e)
{
    struct stat_list_ctx *x = arg;
    char line[LR_FTP_LIST_LINE_MAX(LR_PATH_MAX)];
    struct lr_ftp_entry ee = *e;
    char full[LR_PATH_MAX];
    if (x->single != NULL) {
        ee.writable = lr_ftp_session_can_write(x->s, x->single);
    } else {
        snprintf(full, sizeof(full), "%s/%.*s", strcmp(x->dir, "/") == 0 ? "" : x->dir,
                 (int)e->name_len, e->name);
        ee.writable = lr_ftp_session_can_write(x->s, full);
    }
    int n = lr_ftp_list_format(line, sizeof(line), LR_FTP_LIST_LONG, &ee, x->now_s);
    if (n < 2)
        return 0;
    line[n - 2] = '\0'; /* the reply adds its own CRLF */
    if (lr_ftp_reply_line(x->out, "%s", line) != 0)
        return -1;
    x->lines++;
    return 0;
}

static void cmd_stat(struct lr_ftp_session *s, uint64_t now, const struct lr_ftp_cmd *c,
                     struct lr_ftp_out *out)
{
    if (c->arg_len == 0 || s->transfer) {
        /* RFC 959 §4.1.3 STAT: status of the server / of the transfer. */
        lr_ftp_reply_begin(out, 211, "FTP server status:");
        lr_ftp_reply_line(out, "Logged in as %s", s->anonymous ? "anonymous" : s->user);
        lr_ftp_reply_line(out, "TYPE: %s, MODE: Stream, STRUcture: File", type_name(s->type));
        lr_ftp_reply_line(out, "Data connection: %s",
                          s->transfer                     ? "transfer in progress"
                          : s->data == LR_FTP_DATA_PASV   ? "passive"
                          : s->data == LR_FTP_DATA_ACTIVE ? "active"
                                                          : "none");
        lr_ftp_reply_end(out, 211, "End of status");
        return;
    }
    /* STAT path: a LIST over the control connection, reply 213. */
    const char *arg = c->arg;
    size_t len = c->arg_len;
    char p[LR_PATH_MAX];
    struct lr_ftp_stat st;
    skip_list_options(&arg, &len);
    if (resolve(s, arg, len, p, sizeof(p)) != 0 || fs_stat(s, p, &st) != 0) {
        lr_ftp_reply(out, 550, "No such file or directory.");
        return;
    }
    size_t mark = out->len;
    lr_ftp_reply_begin(out, 213, "Status follows:");
    struct stat_list_ctx x = {
        .s = s, .out = out, .dir = p, .now_s = s->cfg->wall_offset_s + (int64_t)(now / 1000000)
    };
    if (st.is_dir) {
        if (s->cfg->fs != NULL && s->cfg->fs->list != NULL)
            s->cfg->fs->list(s->cfg->fs_ctx, p, stat_list_line, &x);
    } else {
        const char *slash = strrchr(p, '/');
        struct lr_ftp_entry e = {
            .name = slash + 1, .name_len = strlen(slash + 1), .size = st.size, .mtime = st.mtime
        };
        x.single = p;
        stat_list_line(&x, &e);
    }
    if (out->overflow) {
        /* Too long for the control buffer: say so instead of a cut listing. */
        out->len = mark;
        out->buf[mark] = '\0';
        out->overflow = false;
        lr_ftp_reply(out, 550, "Listing too long for STAT, use LIST.");
        return;
    }
    lr_ftp_reply_end(out, 213, "End of status");
}

static void cmd_help(const struct lr_ftp_session *s, struct lr_ftp_out *out)
{
    lr_ftp_reply_begin(out, 214, "The following commands are recognized.");
    if (s->cfg->tls != LR_FTP_TLS_OFF)
        lr_ftp_reply_line(out, "AUTH PBSZ PROT");
    lr_ftp_reply_line(out, "ABOR APPE CDUP CWD  DELE EPRT EPSV FEAT HELP LIST MDTM MKD");
    lr_ftp_reply_line(out, "MLSD MLST MODE NLST NOOP OPTS PASS PASV PORT PWD  QUIT REST");
    lr_ftp_reply_line(out, "RETR RMD  RNFR RNTO SIZE STAT STOR STOU STRU SYST TYPE USER");
    lr_ftp_reply_line(out, "XCUP");
    lr_ftp_reply_line(out, "XCWD XMKD XPWD XRMD");
    lr_ftp_reply_end(out, 214, "Help OK.");
}

static void cmd_mlst(struct lr_ftp_session *s, uint64_t now, const struct lr_ftp_cmd *c,
                     struct lr_ftp_out *out)
{
    char p[LR_PATH_MAX];
    struct lr_ftp_stat st;
    (void)now;
    if (resolve(s, c->arg, c->arg_len, p, sizeof(p)) != 0 || fs_stat(s, p, &st) != 0) {
        lr_ftp_reply(out, 550, "No such file or directory.");
        return;
    }
    /* RFC 3659 §7.2: "250-" header, one entry line (" facts pathname"), "250 End". */
    struct lr_ftp_entry e = { .name = p,
                              .name_len = strlen(p),
                              .is_dir = st.is_dir,
                              .writable = lr_ftp_session_can_write(s, p),
                              .size = st.size,
                              .mtime = st.mtime };
    char facts[160];
    if (lr_ftp_list_facts(facts, sizeof(facts), &e) < 0) {
        lr_ftp_reply(out, 550, "Cannot describe the path.");
        return;
    }
    lr_ftp_reply_begin(out, 250, "Listing %s", p);
    lr_ftp_reply_line(out, "%s %s", facts, p);
    lr_ftp_reply_end(out, 250, "End");
}

/* --- dispatcher ---------------------------------------------------------- */

void lr_ftp_session_init(struct lr_ftp_session *s, const struct lr_ftp_session_cfg *cfg,
                         struct lr_ftp_stats *stats, uint64_t now, rte_be32_t client,
                         struct lr_ftp_out *out)
{
    memset(s, 0, offsetof(struct lr_ftp_session, cwd));
    s->cfg = cfg;
    s->stats = stats;
    s->client_addr = client;
    s->last_active = now;
    s->type = LR_FTP_TYPE_ASCII; /* RFC 959 §3.1.1.1: ASCII is the default */
    s->cwd[0] = '/';
    s->cwd[1] = '\0';
    s->rnfr[0] = '\0';
    s->fs_path[0] = '\0';
    lr_ftp_reply(out, 220, "linerate FTP server ready.");
}

void lr_ftp_session_command(struct lr_ftp_session *s, uint64_t now, const struct lr_ftp_cmd *c,
                            struct lr_ftp_out *out, struct lr_ftp_actions *acts)
{
    acts->n = 0;
    if (s->closed)
        return;
    s->last_active = now;
    s->stats->commands++;

    enum lr_ftp_verb v = c->verb;
    /* RFC 3659 §5.3: REST must immediately precede the transfer command;
     * RFC 959 §4.1.3: RNFR must immediately precede RNTO. */
    uint64_t rest = 0;
    if (v != LR_FTP_CMD_REST) {
        if (s->rest_set && (v == LR_FTP_CMD_RETR || v == LR_FTP_CMD_STOR || v == LR_FTP_CMD_APPE))
            rest = s->rest;
        s->rest_set = false;
        s->rest = 0;
    }
    if (v != LR_FTP_CMD_RNTO && v != LR_FTP_CMD_RNFR)
        s->rnfr_set = false;

    if (v == LR_FTP_CMD_NONE) {
        s->stats->commands_bad++;
        lr_ftp_reply(out, 500, "Unknown command.");
        return;
    }
    if (s->transfer && !allowed_during_transfer(v)) {
        lr_ftp_reply(out, 503, "Transfer in progress; use ABOR first.");
        return;
    }
    if (s->login != LR_FTP_LOGIN_OK && !allowed_before_login(v)) {
        lr_ftp_reply(out, 530, "Please login with USER and PASS.");
        return;
    }
    if (not_implemented(v)) {
        lr_ftp_reply(out, 502, "%s not implemented.", lr_ftp_verb_name(v));
        return;
    }
    if (s->epsv_all && (v == LR_FTP_CMD_PASV || v == LR_FTP_CMD_PORT || v == LR_FTP_CMD_EPRT)) {
        /* RFC 2428 §4: after EPSV ALL only EPSV may set up data connections. */
        lr_ftp_reply(out, 503, "%s not allowed after EPSV ALL.", lr_ftp_verb_name(v));
        return;
    }
    if (lr_ftp_session_tls_refuse(s, v, out))
        return; /* tls = require: 530 before AUTH, 521 without PROT P */

    switch (v) {
    case LR_FTP_CMD_USER:
        cmd_user(s, c, out);
        break;
    case LR_FTP_CMD_PASS:
        cmd_pass(s, c, out, acts);
        break;
    case LR_FTP_CMD_QUIT:
        if (s->transfer) {
            /* RFC 959 §4.1.1 QUIT: close once the transfer is over. */
            s->quit_after = true;
            break;
        }
        lr_ftp_reply(out, 221, "Goodbye.");
        close_session(s, acts);
        break;
    case LR_FTP_CMD_SYST:
        lr_ftp_reply(out, 215, "UNIX Type: L8");
        break;
    case LR_FTP_CMD_FEAT:
        cmd_feat(s, out);
        break;
    case LR_FTP_CMD_OPTS:
        cmd_opts(c, out);
        break;
    case LR_FTP_CMD_NOOP:
        lr_ftp_reply(out, 200, "NOOP ok.");
        break;
    case LR_FTP_CMD_HELP:
        cmd_help(s, out);
        break;
    case LR_FTP_CMD_PWD:
    case LR_FTP_CMD_XPWD:
        cmd_pwd(s, out);
        break;
    case LR_FTP_CMD_CWD:
    case LR_FTP_CMD_XCWD:
        cmd_cwd(s, c->arg, c->arg_len, out);
        break;
    case LR_FTP_CMD_CDUP:
    case LR_FTP_CMD_XCUP:
        cmd_cdup(s, out);
        break;
    case LR_FTP_CMD_TYPE:
        cmd_type(s, c, out);
        break;
    case LR_FTP_CMD_MODE:
        cmd_letter(c, 'S', "SBC", "Mode", out);
        break;
    case LR_FTP_CMD_STRU:
        cmd_letter(c, 'F', "FRP", "Structure", out);
        break;
    case LR_FTP_CMD_ALLO:
        /* RFC 959 §4.1.3: superfluous for us (no pre-allocation needed). */
        lr_ftp_reply(out, 202, "ALLO command ignored.");
        break;
    case LR_FTP_CMD_PASV:
        cmd_pasv(s, false, acts);
        break;
    case LR_FTP_CMD_EPSV:
        cmd_epsv(s, c, out, acts);
        break;
    case LR_FTP_CMD_PORT:
        cmd_port(s, c, false, out, acts);
        break;
    case LR_FTP_CMD_EPRT:
        cmd_port(s, c, true, out, acts);
        break;
    case LR_FTP_CMD_LIST:
        cmd_list(s, c, LR_FTP_LIST_LONG, out, acts);
        break;
    case LR_FTP_CMD_NLST:
        cmd_list(s, c, LR_FTP_LIST_NAME, out, acts);
        break;
    case LR_FTP_CMD_MLSD:
        cmd_list(s, c, LR_FTP_LIST_MLSD, out, acts);
        break;
    case LR_FTP_CMD_MLST:
        cmd_mlst(s, now, c, out);
        break;
    case LR_FTP_CMD_RETR:
        cmd_retr(s, c, rest, out, acts);
        break;
    case LR_FTP_CMD_STOR:
        cmd_stor(s, c, false, rest, out, acts);
        break;
    case LR_FTP_CMD_APPE:
        cmd_stor(s, c, true, rest, out, acts);
        break;
    case LR_FTP_CMD_STOU:
        cmd_stou(s, c, out, acts);
        break;
    case LR_FTP_CMD_REST:
        cmd_rest(s, c, out);
        break;
    case LR_FTP_CMD_SIZE:
        cmd_size_mdtm(s, c, false, out, acts);
        break;
    case LR_FTP_CMD_MDTM:
        cmd_size_mdtm(s, c, true, out, acts);
        break;
    case LR_FTP_CMD_DELE:
    case LR_FTP_CMD_MKD:
    case LR_FTP_CMD_XMKD:
    case LR_FTP_CMD_RMD:
    case LR_FTP_CMD_XRMD:
    case LR_FTP_CMD_RNFR:
    case LR_FTP_CMD_RNTO:
        cmd_fsop(s, c, v, out, acts);
        break;
    case LR_FTP_CMD_ABOR:
        cmd_abor(s, out, acts);
        break;
    case LR_FTP_CMD_STAT:
        cmd_stat(s, now, c, out);
        break;
    case LR_FTP_CMD_AUTH:
        lr_ftp_session_tls_auth(s, c, out, acts);
        break;
    case LR_FTP_CMD_PBSZ:
        lr_ftp_session_tls_pbsz(s, c, out);
        break;
    case LR_FTP_CMD_PROT:
        lr_ftp_session_tls_prot(s, c, out);
        break;
    case LR_FTP_CMD_CCC:
        lr_ftp_session_tls_ccc(s, out);
        break;
    default:
        lr_ftp_reply(out, 502, "Command not implemented.");
        break;
    }
}

void lr_ftp_session_line(struct lr_ftp_session *s, uint64_t now, enum lr_ftp_line_status st,
                         const char *line, size_t len, struct lr_ftp_out *out,
                         struct lr_ftp_actions *acts)
{
    struct lr_ftp_cmd c;
    acts->n = 0;
    if (s->closed || st == LR_FTP_LINE_MORE)
        return;
    s->last_active = now;
    if (st == LR_FTP_LINE_TOO_LONG) {
        s->stats->commands_bad++;
        lr_ftp_reply(out, 500, "Command line too long.");
        return;
    }
    if (len == 0) {
        /* An empty line is no command at all; answer it, keeping replies
         * one per line so the client never waits forever. */
        s->stats->commands_bad++;
        lr_ftp_reply(out, 500, "Empty command.");
        return;
    }
    if (lr_ftp_cmd_parse(line, len, &c) != 0) {
        s->stats->commands_bad++;
        lr_ftp_reply(out, 500, "Syntax error, command unrecognized.");
        return;
    }
    lr_ftp_session_command(s, now, &c, out, acts);
}

void lr_ftp_session_pasv_opened(struct lr_ftp_session *s, uint64_t now, int err, rte_be32_t addr,
                                rte_be16_t port, struct lr_ftp_out *out)
{
    char t[64];
    if (!s->pasv_pending)
        return;
    s->pasv_pending = false;
    s->last_active = now;
    if (err != 0) {
        s->data = LR_FTP_DATA_NONE;
        lr_ftp_reply(out, 425, "Cannot open passive connection.");
        return;
    }
    if (s->pasv_extended) {
        lr_ftp_epsv_format(t, sizeof(t), port);
        lr_ftp_reply(out, 229, "%s", t);
    } else {
        lr_ftp_pasv_format(t, sizeof(t), addr, port);
        lr_ftp_reply(out, 227, "%s.", t);
    }
}

void lr_ftp_session_transfer_done(struct lr_ftp_session *s, uint64_t now, enum lr_ftp_xfer_result r,
                                  struct lr_ftp_out *out, struct lr_ftp_actions *acts)
{
    acts->n = 0;
    if (!s->transfer)
        return; /* aborted already (ABOR answered it) */
    s->transfer = false;
    s->last_active = now;
    switch (r) {
    case LR_FTP_XFER_OK:
        s->stats->transfers_ok++;
        lr_ftp_reply(out, 226, "Transfer complete.");
        break;
    case LR_FTP_XFER_NO_CONN:
        s->stats->transfers_failed++;
        lr_ftp_reply(out, 425, "Failed to establish data connection.");
        break;
    case LR_FTP_XFER_CONN_LOST:
        s->stats->transfers_aborted++;
        lr_ftp_reply(out, 426, "Connection closed; transfer aborted.");
        break;
    case LR_FTP_XFER_TOO_BIG:
        s->stats->transfers_failed++;
        lr_ftp_reply(out, 552, "Exceeded storage allocation.");
        break;
    case LR_FTP_XFER_NOT_FOUND:
        s->stats->transfers_failed++;
        lr_ftp_reply(out, 550, "Failed to open file.");
        break;
    case LR_FTP_XFER_LOCAL_ERROR:
    default:
        s->stats->transfers_failed++;
        lr_ftp_reply(out, 451, "Requested action aborted: local error in processing.");
        break;
    }
    if (s->quit_after) {
        s->quit_after = false;
        lr_ftp_reply(out, 221, "Goodbye.");
        close_session(s, acts);
    }
}

void lr_ftp_session_fs_done(struct lr_ftp_session *s, uint64_t now, int err, struct lr_ftp_out *out)
{
    if (!s->fs_pending)
        return;
    s->fs_pending = false;
    s->last_active = now;
    switch (s->fs_op) {
    case LR_FTP_FS_DELE:
        if (err == 0)
            lr_ftp_reply(out, 250, "Delete operation successful.");
        else
            lr_ftp_reply(out, 550, "Delete operation failed.");
        break;
    case LR_FTP_FS_MKD:
        if (err == 0) {
            char q[2 * LR_PATH_MAX + 3];
            if (lr_ftp_path_quote(q, sizeof(q), s->fs_path) < 0)
                lr_ftp_reply(out, 257, "Directory created.");
            else
                lr_ftp_reply(out, 257, "%s created", q);
        } else {
            lr_ftp_reply(out, 550, "Create directory operation failed.");
        }
        break;
    case LR_FTP_FS_RMD:
        if (err == 0)
            lr_ftp_reply(out, 250, "Remove directory operation successful.");
        else
            lr_ftp_reply(out, 550, "Remove directory operation failed.");
        break;
    case LR_FTP_FS_ASCII_SIZE: /* only failures come here (size_done has the size) */
        lr_ftp_reply(out, 550, "Could not get file size.");
        break;
    case LR_FTP_FS_RENAME:
    default:
        if (err == 0)
            lr_ftp_reply(out, 250, "Rename successful.");
        else
            lr_ftp_reply(out, 550, "Rename failed.");
        break;
    }
}

void lr_ftp_session_size_done(struct lr_ftp_session *s, uint64_t now, int err, uint64_t size,
                              struct lr_ftp_out *out)
{
    if (!s->fs_pending || s->fs_op != LR_FTP_FS_ASCII_SIZE)
        return;
    s->fs_pending = false;
    s->last_active = now;
    if (err == 0)
        lr_ftp_reply(out, 213, "%llu", (unsigned long long)size);
    else
        lr_ftp_reply(out, 550, "Could not get file size.");
}

uint64_t lr_ftp_session_deadline(const struct lr_ftp_session *s)
{
    if (s->closed || s->cfg->idle_timeout == 0)
        return UINT64_MAX;
    return s->last_active + s->cfg->idle_timeout;
}

void lr_ftp_session_tick(struct lr_ftp_session *s, uint64_t now, struct lr_ftp_out *out,
                         struct lr_ftp_actions *acts)
{
    acts->n = 0;
    if (s->closed || s->cfg->idle_timeout == 0)
        return;
    if (s->transfer || s->pasv_pending || s->fs_pending || s->verify_pending) {
        /* Data moving or a result pending: not idle. */
        s->last_active = now;
        return;
    }
    if (now < s->last_active + s->cfg->idle_timeout)
        return;
    lr_ftp_reply(out, 421, "Timeout.");
    close_session(s, acts);
}

bool lr_ftp_session_prot_private(const struct lr_ftp_session *s)
{
    return s->prot_private;
}

bool lr_ftp_session_tls_ctrl(const struct lr_ftp_session *s)
{
    return s->tls_ctrl;
}

bool lr_ftp_session_busy(const struct lr_ftp_session *s)
{
    return s->closed || s->pasv_pending || s->fs_pending || s->verify_pending;
}
