/* SPDX-License-Identifier: BSD-3-Clause */
/* Content-Type by extension: a small sorted-free table, linear search at load time. */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "lr_mime.h"

struct mime_ext {
    const char *ext;
    const char *type;
};

static const struct mime_ext mime_table[] = {
    { "html", "text/html; charset=utf-8" },
    { "htm", "text/html; charset=utf-8" },
    { "css", "text/css; charset=utf-8" },
    { "js", "text/javascript; charset=utf-8" },
    { "mjs", "text/javascript; charset=utf-8" },
    { "json", "application/json" },
    { "txt", "text/plain; charset=utf-8" },
    { "text", "text/plain; charset=utf-8" },
    { "md", "text/markdown; charset=utf-8" },
    { "csv", "text/csv; charset=utf-8" },
    { "xml", "application/xml" },
    { "svg", "image/svg+xml" },
    { "png", "image/png" },
    { "jpg", "image/jpeg" },
    { "jpeg", "image/jpeg" },
    { "gif", "image/gif" },
    { "webp", "image/webp" },
    { "avif", "image/avif" },
    { "ico", "image/vnd.microsoft.icon" },
    { "bmp", "image/bmp" },
    { "woff", "font/woff" },
    { "woff2", "font/woff2" },
    { "ttf", "font/ttf" },
    { "otf", "font/otf" },
    { "pdf", "application/pdf" },
    { "zip", "application/zip" },
    { "gz", "application/gzip" },
    { "tgz", "application/gzip" },
    { "tar", "application/x-tar" },
    { "xz", "application/x-xz" },
    { "bz2", "application/x-bzip2" },
    { "zst", "application/zstd" },
    { "wasm", "application/wasm" },
    { "mp4", "video/mp4" },
    { "webm", "video/webm" },
    { "mp3", "audio/mpeg" },
    { "ogg", "audio/ogg" },
    { "wav", "audio/wav" },
    { "iso", "application/octet-stream" },
    { "bin", "application/octet-stream" },
};

const char *lr_mime_type(const char *name, size_t len)
{
    if (name == NULL)
        return LR_MIME_DEFAULT;
    /* Only the last segment counts: "/a.d/file" has no extension. */
    size_t i = len;
    while (i > 0 && name[i - 1] != '.' && name[i - 1] != '/')
        i--;
    if (i == 0 || name[i - 1] != '.')
        return LR_MIME_DEFAULT;
    /* A leading dot (".profile") is a hidden file, not an extension. */
    if (i == 1 || name[i - 2] == '/')
        return LR_MIME_DEFAULT;
    size_t elen = len - i;
    if (elen == 0 || elen > 8)
        return LR_MIME_DEFAULT;
    for (size_t k = 0; k < sizeof(mime_table) / sizeof(mime_table[0]); k++)
        if (strlen(mime_table[k].ext) == elen &&
            strncasecmp(mime_table[k].ext, name + i, elen) == 0)
            return mime_table[k].type;
    return LR_MIME_DEFAULT;
}
