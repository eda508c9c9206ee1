/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * FTP directory listing lines: LIST (ls -l style), NLST (names), MLSD/MLST
 * (RFC 3659 §7 machine-readable facts). Pure formatting, no I/O.
 *
 * LIST has no standard format (RFC 959 §4.1.3 leaves it to the server); the
 * de-facto one that lftp, curl, wget and python ftplib all parse is the Unix
 * "ls -l" line:
 *   "-rw-r--r-- 1 ftp ftp     1234 Mar 04 12:34 name"  (modified < 6 months ago)
 *   "drwxr-xr-x 1 ftp ftp        0 Mar 04  2019 name"  (older, or in the future)
 * Every line ends in CRLF (the listing travels as ASCII, RFC 959 §3.1.1.1).
 */
#ifndef LR_FTP_LIST_H
#define LR_FTP_LIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** One directory entry to format. */
struct lr_ftp_entry {
    const char *name; /* need not be NUL-terminated */
    size_t name_len;
    bool is_dir;
    bool writable; /* inside the upload directory and the user may write */
    uint64_t size;
    int64_t mtime; /* seconds since the epoch, UTC */
};

enum lr_ftp_list_style {
    LR_FTP_LIST_LONG = 0, /* LIST: ls -l line */
    LR_FTP_LIST_NAME,     /* NLST: the name only */
    LR_FTP_LIST_MLSD,     /* MLSD: "facts name" (RFC 3659 §7.2) */
    LR_FTP_LIST_MLST,     /* MLST over the control connection: " facts name" (RFC 3659 §7.2) */
};

/** About half a year, the "recent" limit of ls -l (seconds). */
#define LR_FTP_LIST_RECENT_S (183LL * 24 * 3600)

/** Longest line any style produces for a name of @name_len bytes. */
#define LR_FTP_LIST_LINE_MAX(name_len) ((name_len) + 128)

/**
 * Format one listing line of @e in @style into @buf, ending in CRLF (NUL
 * terminated as well). @now is the current time in seconds, which decides
 * between the "HH:MM" and the "  YYYY" forms of LIST. A name containing CR
 * or LF is refused (-EINVAL): it would break the line structure, and such
 * names are never produced by uploads through this server.
 *
 * @return the length written (without NUL), -ENOSPC or -EINVAL.
 */
int lr_ftp_list_format(char *buf, size_t cap, enum lr_ftp_list_style style,
                       const struct lr_ftp_entry *e, int64_t now);

/**
 * Format only the RFC 3659 §7.5 facts "type=..;size=..;modify=..;perm=..;"
 * of @e (no name, no CRLF): the fact set advertised in FEAT.
 * @return the length written, or -ENOSPC.
 */
int lr_ftp_list_facts(char *buf, size_t cap, const struct lr_ftp_entry *e);

#endif /* LR_FTP_LIST_H */
