/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Virtual paths: normalisation and containment in a document root.
 *
 * Shared by HTTP (request-target path), FTP (command arguments relative to
 * the session's current directory) and TFTP. Pure functions, no state, no
 * allocation, no file-system access.
 *
 * A normalised virtual path always starts with '/', never contains "//",
 * "." or ".." segments, NUL, backslash or control characters (0x00-0x1f,
 * 0x7f), and never names anything above the virtual root. A trailing '/'
 * is kept when the input ends with '/' or with a "." / ".." segment
 * (RFC 3986 §5.2.4 output), so "/dir/" and "/dir" stay distinguishable
 * (HTTP redirects the latter to the former for directories).
 *
 * Policy decisions (see lr_path.c for the reasoning):
 *  - ".." that would climb above the root is rejected (-EINVAL), never
 *    clamped: a client that tries it is either broken or hostile.
 *  - With LR_PATH_DECODE, percent escapes are decoded per segment *before*
 *    dot-segment removal, so "%2e%2e" is "..", and is then subject to the
 *    same containment check. An encoded slash ("%2F") is rejected: it would
 *    otherwise either smuggle a separator past segmenting or create a file
 *    name that cannot exist on the file system. "%00", malformed escapes
 *    ("%", "%4", "%zz") and escapes of control characters are rejected.
 *  - '?' and '#' are not special here: HTTP strips the query before calling.
 *
 * Return values: the length of the output (without the NUL) on success,
 * -EINVAL for a rejected path, -ENAMETOOLONG when @outlen is too small.
 */
#ifndef LR_PATH_H
#define LR_PATH_H

#include <stddef.h>

/** Percent-decode the input (HTTP request-target); FTP/TFTP leave it off. */
#define LR_PATH_DECODE 0x1u

/**
 * Normalise @in (@len bytes, need not be NUL-terminated) into @out.
 * The input may be relative ("a/b"): it is taken relative to the root.
 *
 * @return output length, -EINVAL or -ENAMETOOLONG.
 */
int lr_path_normalize(const char *in, size_t len, char *out, size_t outlen, unsigned flags);

/**
 * Resolve an FTP-style argument @arg (NUL-terminated) against the current
 * directory @cwd (a normalised virtual path): absolute arguments replace
 * @cwd, relative ones are appended, then the result is normalised (no
 * percent-decoding). An empty @arg yields @cwd.
 *
 * @return output length, -EINVAL or -ENAMETOOLONG.
 */
int lr_path_resolve(const char *cwd, const char *arg, char *out, size_t outlen);

/**
 * Build the file-system path of the normalised virtual path @vpath under
 * @root: "root" + "/vpath" without doubled slashes. @vpath must be
 * normalised (it is checked again: anything with a ".." segment or not
 * starting with '/' is -EINVAL).
 *
 * @return output length, -EINVAL or -ENAMETOOLONG.
 */
int lr_path_join(const char *root, const char *vpath, char *out, size_t outlen);

#endif /* LR_PATH_H */
