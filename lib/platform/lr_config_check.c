/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Filesystem checks of a loaded configuration (see lr_config_check_paths()
 * in lr_config.h).
 *
 * lr_config_load() judges the text: syntax, ranges, consistency. Whether a
 * document root or a users file exists is a property of the machine the
 * file is used on, so it is checked separately, by --check and before a
 * start (not by every test that loads a configuration string). A missing
 * path is still a configuration error: it gets exit status 2 and the same
 * "FILE: [section] key: reason" line, instead of a start that fails later
 * with a message naming no file.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lr_config.h"

struct path_ctx {
    const struct lr_config *cfg;
    char *err;
    size_t errlen;
};

static int path_error(struct path_ctx *c, int e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int path_error(struct path_ctx *c, int e, const char *fmt, ...)
{
    if (c->err != NULL && c->errlen > 0) {
        int n = snprintf(c->err, c->errlen, "%s: ", c->cfg->path[0] ? c->cfg->path : "(config)");
        if (n > 0 && (size_t)n < c->errlen) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    return -e;
}

enum path_kind {
    PK_DIR_READ,  /* a directory we list and read */
    PK_DIR_WRITE, /* a directory we create files in */
    PK_FILE_READ, /* a regular file we read */
};

/* @what is "[section] key"; @path the absolute path to check. */
static int check_one(struct path_ctx *c, const char *what, const char *path, enum path_kind kind)
{
    struct stat st;

    if (stat(path, &st) != 0) {
        int e = errno;
        return path_error(c, e, "%s: %s: %s", what, path,
                          e == ENOENT ? "does not exist" : strerror(e));
    }
    bool dir = kind != PK_FILE_READ;
    if (dir && !S_ISDIR(st.st_mode))
        return path_error(c, ENOTDIR, "%s: %s: not a directory", what, path);
    if (!dir && !S_ISREG(st.st_mode))
        return path_error(c, EINVAL, "%s: %s: not a regular file", what, path);
    int mode = kind == PK_FILE_READ ? R_OK : kind == PK_DIR_READ ? R_OK | X_OK : W_OK | X_OK;
    if (access(path, mode) != 0) {
        int e = errno;
        return path_error(c, e, "%s: %s: %s", what, path,
                          kind == PK_DIR_WRITE ? "not writable" : "not readable");
    }
    return 0;
}

int lr_config_check_paths(const struct lr_config *cfg, char *err, size_t errlen)
{
    struct path_ctx c = { cfg, err, errlen };
    int rc;

    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (cfg == NULL)
        return -EINVAL;
    if (cfg->http.enabled && (rc = check_one(&c, "[http] root", cfg->http.root, PK_DIR_READ)) != 0)
        return rc;
    if (cfg->ftp.enabled) {
        /* The root may be inherited from [http] (roots_default): name the key it came from. */
        if ((rc = check_one(&c, "[ftp] root", cfg->ftp.root, PK_DIR_READ)) != 0)
            return rc;
        if (cfg->ftp.users[0] != '\0' &&
            (rc = check_one(&c, "[ftp] users", cfg->ftp.users, PK_FILE_READ)) != 0)
            return rc;
        if (cfg->ftp.upload_dir[0] != '\0') {
            /* T_SUBDIR: relative to the FTP root, without "..". */
            char up[2 * LR_PATH_MAX + 2];
            const char *sub = cfg->ftp.upload_dir;
            while (*sub == '/')
                sub++;
            size_t rl = strlen(cfg->ftp.root);
            bool slash = rl > 0 && cfg->ftp.root[rl - 1] == '/';
            snprintf(up, sizeof(up), "%s%s%s", cfg->ftp.root, slash ? "" : "/", sub);
            if ((rc = check_one(&c, "[ftp] upload_dir", up, PK_DIR_WRITE)) != 0)
                return rc;
        }
    }
    if (cfg->tftp.listen != 0 &&
        (rc = check_one(&c, "[tftp] root", cfg->tftp.root, PK_DIR_READ)) != 0)
        return rc;
    return 0;
}
