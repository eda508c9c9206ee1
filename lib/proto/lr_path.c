/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Virtual path normalisation (see lr_path.h for the policy).
 *
 * One pass over the input, segment by segment, writing into the output
 * buffer as a stack of segments: the output always holds "/" or "/a/b/"
 * (ending in '/'); a segment is decoded in place after the last '/', then
 * either kept (append '/'), dropped ("."), or it pops the previous segment
 * (".."). This is RFC 3986 §5.2.4 "remove_dot_segments" restricted to
 * absolute paths, with the difference that climbing above the root is an
 * error rather than being clamped.
 *
 * Why "%2F" is rejected rather than decoded after segmenting: a decoded
 * slash inside a segment would produce a name no file system can hold, and
 * a decoded slash before segmenting would let "..%2F" slip past any filter
 * a front-end proxy applied to the raw path. Rejecting it is what most
 * static servers do and costs legitimate clients nothing.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "lr_path.h"

static inline int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Bytes never allowed in a segment, raw or decoded. */
static inline bool bad_byte(unsigned char c)
{
    return c < 0x20 || c == 0x7f || c == '\\';
}

/*
 * Apply the segments of @in onto the normalised prefix out[0..*pos) (which
 * ends in '/'). *trailing tells whether the result keeps a trailing slash.
 */
struct path_state {
    size_t p;      /* output length so far */
    bool trailing; /* keep a trailing '/' */
    bool full;     /* the last segment fitted but its '/' did not */
};

static int path_apply(const char *in, size_t len, char *out, size_t outlen, struct path_state *st,
                      unsigned flags)
{
    size_t i = 0;
    size_t p = st->p;

    while (i < len) {
        /*
         * Anything after a segment whose '/' did not fit makes the result
         * too long (conservatively, even a later "..").
         */
        if (st->full)
            return -ENAMETOOLONG;
        /* Skip separators: "//" collapses. */
        if (in[i] == '/') {
            st->trailing = true;
            i++;
            continue;
        }
        size_t start = p;
        while (i < len && in[i] != '/') {
            unsigned char c = (unsigned char)in[i];
            if (c == '%' && (flags & LR_PATH_DECODE)) {
                if (len - i < 3)
                    return -EINVAL; /* "%" or "%4" at the end */
                int hi = hexval((unsigned char)in[i + 1]);
                int lo = hexval((unsigned char)in[i + 2]);
                if (hi < 0 || lo < 0)
                    return -EINVAL;
                c = (unsigned char)(hi << 4 | lo);
                if (c == '/' || c == 0)
                    return -EINVAL;
                i += 3;
            } else {
                i++;
            }
            if (bad_byte(c))
                return -EINVAL;
            /* Room for this byte and the final NUL. */
            if (p + 1 >= outlen)
                return -ENAMETOOLONG;
            out[p++] = (char)c;
        }
        size_t n = p - start;
        if (n == 1 && out[start] == '.') {
            p = start;
            st->trailing = true;
        } else if (n == 2 && out[start] == '.' && out[start + 1] == '.') {
            if (start == 1)
                return -EINVAL; /* would climb above the root */
            p = start - 1;      /* the '/' ending the previous segment */
            while (out[p - 1] != '/')
                p--;
            st->trailing = true;
        } else if (p + 1 >= outlen) {
            st->full = true; /* fine if this is the last segment */
            st->trailing = false;
        } else {
            out[p++] = '/';
            st->trailing = false;
        }
    }
    st->p = p;
    return 0;
}

static int path_finish(char *out, const struct path_state *st)
{
    size_t p = st->p;
    if (!st->full && !st->trailing && p > 1)
        p--;
    out[p] = '\0';
    return (int)p;
}

int lr_path_normalize(const char *in, size_t len, char *out, size_t outlen, unsigned flags)
{
    if (in == NULL || out == NULL)
        return -EINVAL;
    if (outlen < 2 || len > INT32_MAX)
        return -ENAMETOOLONG;
    struct path_state st = { .p = 1 };
    out[0] = '/';
    int rc = path_apply(in, len, out, outlen, &st, flags);
    if (rc < 0) {
        out[0] = '\0';
        return rc;
    }
    return path_finish(out, &st);
}

int lr_path_resolve(const char *cwd, const char *arg, char *out, size_t outlen)
{
    if (cwd == NULL || arg == NULL || out == NULL)
        return -EINVAL;
    if (outlen < 2)
        return -ENAMETOOLONG;
    struct path_state st = { .p = 1 };
    int rc = 0;
    out[0] = '/';
    if (arg[0] != '/')
        rc = path_apply(cwd, strlen(cwd), out, outlen, &st, 0);
    if (rc == 0)
        rc = path_apply(arg, strlen(arg), out, outlen, &st, 0);
    if (rc < 0) {
        out[0] = '\0';
        return rc;
    }
    return path_finish(out, &st);
}

int lr_path_join(const char *root, const char *vpath, char *out, size_t outlen)
{
    if (root == NULL || vpath == NULL || out == NULL || vpath[0] != '/')
        return -EINVAL;
    /* Re-check that @vpath is normalised: no empty, "." or ".." segment. */
    for (const char *s = vpath; *s != '\0';) {
        const char *seg = s + 1;
        const char *e = strchr(seg, '/');
        size_t n = e != NULL ? (size_t)(e - seg) : strlen(seg);
        if ((n == 0 && e != NULL) || (n == 1 && seg[0] == '.') ||
            (n == 2 && seg[0] == '.' && seg[1] == '.'))
            return -EINVAL;
        for (size_t k = 0; k < n; k++)
            if (bad_byte((unsigned char)seg[k]))
                return -EINVAL;
        if (e == NULL)
            break;
        s = e;
    }
    size_t rl = strlen(root);
    while (rl > 0 && root[rl - 1] == '/')
        rl--;
    size_t vl = strlen(vpath);
    if (rl + vl + 1 > outlen)
        return -ENAMETOOLONG;
    if (rl + vl > INT32_MAX)
        return -ENAMETOOLONG;
    memcpy(out, root, rl);
    memcpy(out + rl, vpath, vl + 1);
    return (int)(rl + vl);
}
