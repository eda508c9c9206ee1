/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Content-Type by file-name extension (RFC 9110 §8.3). A fixed table,
 * searched once per file when the file cache is loaded, never per request.
 */
#ifndef LR_MIME_H
#define LR_MIME_H

#include <stddef.h>

/** The default for unknown extensions (RFC 9110 §8.3: sender may omit; we do not). */
#define LR_MIME_DEFAULT "application/octet-stream"

/**
 * Media type for the file name or path @name (@len bytes), chosen by the
 * extension after the last '.' of the last segment, case-insensitively.
 * Text types carry "; charset=utf-8".
 *
 * @return a static string, LR_MIME_DEFAULT when unknown; never NULL.
 */
const char *lr_mime_type(const char *name, size_t len);

#endif /* LR_MIME_H */
