/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * FTP listing lines (see lr_ftp_list.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lr_ftp_list.h"
#include "lr_ftp_parser.h"

static const char *const months[12] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

int lr_ftp_list_facts(char *buf, size_t cap, const struct lr_ftp_entry *e)
{
    char modify[16];
    if (lr_ftp_time_format(modify, sizeof(modify), e->mtime) < 0)
        return -ENOSPC;
    /*
     * RFC 3659 §7.5.5 perm: files are retrievable (r), and in the upload
     * directory appendable/deletable/renamable/writable (adfw); directories
     * can be entered and listed (el), and in the upload directory hold new
     * files and directories and be renamed/deleted (cmpdf).
     */
    const char *perm;
    if (e->is_dir)
        perm = e->writable ? "elcmpdf" : "el";
    else
        perm = e->writable ? "radfw" : "r";
    int n;
    if (e->is_dir)
        n = snprintf(buf, cap, "type=dir;modify=%s;perm=%s;", modify, perm);
    else
        n = snprintf(buf, cap, "type=file;size=%llu;modify=%s;perm=%s;",
                     (unsigned long long)e->size, modify, perm);
    if (n < 0 || (size_t)n >= cap)
        return -ENOSPC;
    return n;
}

int lr_ftp_list_format(char *buf, size_t cap, enum lr_ftp_list_style style,
                       const struct lr_ftp_entry *e, int64_t now)
{
    int n;
    size_t o;

    if (e->name_len == 0 || memchr(e->name, '\r', e->name_len) != NULL ||
        memchr(e->name, '\n', e->name_len) != NULL || memchr(e->name, '\0', e->name_len) != NULL)
        return -EINVAL;

    switch (style) {
    case LR_FTP_LIST_NAME:
        n = 0;
        break;
    case LR_FTP_LIST_MLSD:
    case LR_FTP_LIST_MLST: {
        o = 0;
        if (style == LR_FTP_LIST_MLST) {
            /* RFC 3659 §7.2: the entry line of MLST starts with one space. */
            if (cap < 1)
                return -ENOSPC;
            buf[o++] = ' ';
        }
        int f = lr_ftp_list_facts(buf + o, cap - o, e);
        if (f < 0)
            return f;
        o += (size_t)f;
        if (o + 1 >= cap)
            return -ENOSPC;
        buf[o++] = ' ';
        n = (int)o;
        break;
    }
    case LR_FTP_LIST_LONG: {
        time_t tt = (time_t)(e->mtime < 0 ? 0 : e->mtime);
        struct tm tm;
        if (gmtime_r(&tt, &tm) == NULL)
            return -EINVAL;
        const char *mode;
        if (e->is_dir)
            mode = e->writable ? "drwxrwxr-x" : "drwxr-xr-x";
        else
            mode = e->writable ? "-rw-rw-r--" : "-rw-r--r--";
        /* ls -l: the time of day for files modified within about six months
         * (and not in the future), the year otherwise. */
        bool recent = e->mtime <= now + 3600 && now - e->mtime < LR_FTP_LIST_RECENT_S;
        if (recent)
            n = snprintf(buf, cap, "%s 1 ftp ftp %12llu %s %2d %02d:%02d ", mode,
                         (unsigned long long)e->size, months[tm.tm_mon], tm.tm_mday, tm.tm_hour,
                         tm.tm_min);
        else
            n = snprintf(buf, cap, "%s 1 ftp ftp %12llu %s %2d  %04d ", mode,
                         (unsigned long long)e->size, months[tm.tm_mon], tm.tm_mday,
                         tm.tm_year + 1900);
        if (n < 0 || (size_t)n >= cap)
            return -ENOSPC;
        break;
    }
    default:
        return -EINVAL;
    }

    o = (size_t)n;
    if (o + e->name_len + 3 > cap)
        return -ENOSPC;
    memcpy(buf + o, e->name, e->name_len);
    o += e->name_len;
    buf[o++] = '\r';
    buf[o++] = '\n';
    buf[o] = '\0';
    return (int)o;
}
