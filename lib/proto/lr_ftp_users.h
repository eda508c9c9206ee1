/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * FTP users: the [ftp] users file and password verification.
 *
 * File format: one "name:hash" per line, where hash is a SHA-512 crypt(3)
 * string "$6$[rounds=N$]salt$digest" (as written by tools/lr-ftp-passwd,
 * `openssl passwd -6` or `mkpasswd -m sha-512`). Empty lines and lines
 * starting with '#' are ignored. Anything else (other hash schemes, names
 * with ':' or control characters, duplicates, over-long fields) rejects the
 * whole file at start with "FILE:LINE: reason".
 *
 * Verification runs crypt_r(3) (libcrypt) and compares in constant time. An
 * unknown user is verified against a fixed dummy hash, so that the time taken
 * does not tell which names exist.
 *
 * The table is loaded once on the main lcore and read-only afterwards: it may
 * be shared by every worker.
 */
#ifndef LR_FTP_USERS_H
#define LR_FTP_USERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LR_FTP_USER_NAME_MAX 64  /* bytes, without NUL */
#define LR_FTP_USER_HASH_MAX 255 /* bytes, without NUL */
#define LR_FTP_USERS_MAX     4096

struct lr_ftp_user {
    char name[LR_FTP_USER_NAME_MAX + 1];
    char hash[LR_FTP_USER_HASH_MAX + 1];
};

struct lr_ftp_users {
    uint32_t count;
    struct lr_ftp_user *users; /* count entries, heap (start-time only) */
};

/** An empty table (no configured users). */
void lr_ftp_users_init(struct lr_ftp_users *u);

/**
 * Load the users file @path into @u (replacing nothing: @u must be empty).
 * @return 0, -errno for I/O errors, -EINVAL for a bad file; in both cases
 *         @err receives one line naming the file (and line) and the reason.
 */
int lr_ftp_users_load(struct lr_ftp_users *u, const char *path, char *err, size_t errlen);

/**
 * Same from an in-memory text; @name is used in error messages.
 * @return 0 or -EINVAL / -ENOMEM with @err set.
 */
int lr_ftp_users_load_string(struct lr_ftp_users *u, const char *text, const char *name, char *err,
                             size_t errlen);

/** Free the table (the struct itself stays usable as an empty table). */
void lr_ftp_users_free(struct lr_ftp_users *u);

/** Find a user by name (@len bytes, exact, case-sensitive). NULL if absent. */
const struct lr_ftp_user *lr_ftp_users_find(const struct lr_ftp_users *u, const char *name,
                                            size_t len);

/**
 * Verify @pass (@plen bytes) for user @name. Unknown users cost the same
 * crypt as known ones and fail. A password containing NUL fails.
 *
 * Cost: one SHA-512 crypt (5000 rounds by default, a few milliseconds).
 * @return true when the password matches.
 */
bool lr_ftp_users_verify(const struct lr_ftp_users *u, const char *name, size_t nlen,
                         const char *pass, size_t plen);

/**
 * True when @hash is an acceptable SHA-512 crypt string:
 * "$6$" [ "rounds=" digits "$" ] salt(1..16 of [./0-9A-Za-z]) "$" 86 digest chars.
 */
bool lr_ftp_users_hash_valid(const char *hash, size_t len);

#endif /* LR_FTP_USERS_H */
