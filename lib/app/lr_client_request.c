/* SPDX-License-Identifier: BSD-3-Clause */
/* Request templates of the load generator: see lr_client_request.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_malloc.h>
#include <rte_string_fns.h>

#include "lr_client_request.h"
#include "lr_config.h"

/* RFC 9110 §5.6.2: tchar. */
static bool is_tchar(unsigned char c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return true;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

bool lr_client_method_ok(const char *m)
{
    size_t n = strlen(m);
    if (n == 0 || n >= LR_CLIENT_METHOD_MAX)
        return false;
    for (; *m != '\0'; m++)
        if (!is_tchar((unsigned char)*m) || *m == '|')
            return false;
    return true;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    return s;
}

/* One "Name: value" field appended to @out as a line. */
static int header_add(char *field, char *out, size_t outlen, char *why, size_t wl)
{
    static const char *const own[] = { "host", "content-length", "transfer-encoding",
                                       "connection" };
    char *colon = strchr(field, ':');
    if (colon == NULL || colon == field) {
        snprintf(why, wl, "'%s' is not a header 'Name: value'", field);
        return -EINVAL;
    }
    *colon = '\0';
    const char *name = field;
    char *value = trim(colon + 1);
    bool ok = true;
    for (const char *p = name; ok && *p != '\0'; p++)
        ok = is_tchar((unsigned char)*p) && *p != '|';
    if (!ok) {
        snprintf(why, wl, "'%s' is not a header name (RFC 9110 §5.1: a token)", name);
        return -EINVAL;
    }
    /* RFC 9110 §5.5: field-value is visible characters, spaces and tabs
     * (never CR or LF, which would inject lines). */
    for (const char *p = value; *p != '\0'; p++) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x20 ? c != '\t' : c == 0x7f) {
            snprintf(why, wl, "header '%s': the value has a control character", name);
            return -EINVAL;
        }
    }
    for (unsigned i = 0; i < RTE_DIM(own); i++) {
        if (strcasecmp(name, own[i]) == 0) {
            snprintf(why, wl,
                     "header '%s' is set by the client itself (host key, body, connection/close)",
                     name);
            return -EINVAL;
        }
    }
    size_t used = strlen(out);
    int n = snprintf(out + used, outlen - used, "%s: %s\r\n", name, value);
    if (n < 0 || (size_t)n >= outlen - used) {
        out[used] = '\0';
        snprintf(why, wl, "headers too long (at most %zu bytes)", outlen - 1);
        return -EINVAL;
    }
    return 0;
}

int lr_client_headers_parse(const char *list, char *out, size_t outlen, char *why, size_t wl)
{
    char tmp[LR_CLIENT_SPEC_MAX];

    if (strlen(list) >= sizeof(tmp)) {
        snprintf(why, wl, "too long (at most %zu characters)", sizeof(tmp) - 1);
        return -EINVAL;
    }
    rte_strscpy(tmp, list, sizeof(tmp));
    char *rest = trim(tmp);
    if (*rest == '\0')
        return 0; /* no headers */
    /* strsep, not strtok: "a || b" has an empty field, which is an error. */
    for (char *f; (f = strsep(&rest, "|")) != NULL;) {
        f = trim(f);
        if (*f == '\0') {
            snprintf(why, wl, "an empty header between '|'");
            return -EINVAL;
        }
        int rc = header_add(f, out, outlen, why, wl);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* Origin-form request target (RFC 9112 §3.2.1): '/' then visible characters. */
static bool path_ok(const char *p)
{
    if (p[0] != '/')
        return false;
    for (; *p != '\0'; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
            return false;
    return true;
}

int lr_client_tpl_parse(const char *spec, struct lr_client_tpl *out, char *why, size_t wl)
{
    char tmp[LR_CLIENT_SPEC_MAX];

    memset(out, 0, sizeof(*out));
    out->weight = 1;
    if (strlen(spec) >= sizeof(tmp)) {
        snprintf(why, wl, "too long (at most %zu characters)", sizeof(tmp) - 1);
        return -EINVAL;
    }
    rte_strscpy(tmp, spec, sizeof(tmp));
    char *rest = tmp;
    char *f = strsep(&rest, "|");
    char *first = f != NULL ? trim(f) : NULL;
    char *sp = first != NULL ? strpbrk(first, " \t") : NULL;
    if (sp == NULL) {
        snprintf(why, wl, "'%s' does not start with 'METHOD /path'", spec);
        return -EINVAL;
    }
    *sp = '\0';
    char *path = trim(sp + 1);
    if (!lr_client_method_ok(first)) {
        snprintf(why, wl, "'%s' is not a method (RFC 9110 §9.1: a token, at most %d characters)",
                 first, LR_CLIENT_METHOD_MAX - 1);
        return -EINVAL;
    }
    if (!path_ok(path)) {
        snprintf(why, wl, "'%s' is not a request path (starts with '/', no spaces)", path);
        return -EINVAL;
    }
    rte_strscpy(out->method, first, sizeof(out->method));
    rte_strscpy(out->path, path, sizeof(out->path));
    bool have_weight = false;
    while ((f = strsep(&rest, "|")) != NULL) {
        f = trim(f);
        char *arg = strpbrk(f, " \t");
        if (arg != NULL) {
            *arg = '\0';
            arg = trim(arg + 1);
        }
        if (strcmp(f, "close") == 0 && arg == NULL) {
            out->close = true;
        } else if (strcmp(f, "keep-alive") == 0 && arg == NULL) {
            out->close = false;
        } else if (strcmp(f, "weight") == 0 && arg != NULL) {
            uint64_t v;
            if (have_weight || lr_parse_uint(arg, &v) != 0 || v < 1 || v > LR_CLIENT_WEIGHT_MAX) {
                snprintf(why, wl, "weight '%s': a number 1-%u, once", arg, LR_CLIENT_WEIGHT_MAX);
                return -EINVAL;
            }
            have_weight = true;
            out->weight = (uint32_t)v;
        } else if (strcmp(f, "body") == 0 && arg != NULL) {
            if (out->body[0] != '\0') {
                snprintf(why, wl, "body given twice");
                return -EINVAL;
            }
            rte_strscpy(out->body, arg, sizeof(out->body));
        } else if (strcmp(f, "header") == 0 && arg != NULL) {
            int rc = header_add(arg, out->headers, sizeof(out->headers), why, wl);
            if (rc != 0)
                return rc;
        } else {
            snprintf(why, wl,
                     "'%s' is not a template field (weight N, body FILE, header Name: value, "
                     "close, keep-alive)",
                     f);
            return -EINVAL;
        }
    }
    return 0;
}

/*
 * Smooth weighted round-robin: at every step each template gains its
 * weight, the one with the most credit is picked and pays the total back.
 * Over sum(weights) steps every template is picked exactly weight times,
 * and picks of a heavy template are spread between the light ones (3:1
 * gives A A B A, not A A A B).
 */
int lr_client_wrr(const uint32_t *weights, unsigned n, uint8_t *seq, unsigned cap)
{
    int64_t credit[LR_CLIENT_REQ_TPL] = { 0 };
    uint64_t total = 0;

    if (n == 0 || n > LR_CLIENT_REQ_TPL)
        return -EINVAL;
    for (unsigned i = 0; i < n; i++)
        total += weights[i] != 0 ? weights[i] : 1;
    if (total > cap)
        return -ENOSPC;
    for (uint64_t step = 0; step < total; step++) {
        unsigned best = 0;
        for (unsigned i = 0; i < n; i++) {
            credit[i] += weights[i] != 0 ? weights[i] : 1;
            if (credit[i] > credit[best])
                best = i;
        }
        credit[best] -= (int64_t)total;
        seq[step] = (uint8_t)best;
    }
    return (int)total;
}

int lr_client_head_build(char *buf, size_t len, const char *method, const char *path,
                         const char *host, const char *headers, const char *common,
                         uint32_t body_len, bool close)
{
    char clen[40] = "";

    /* RFC 9110 §8.6: a request with content carries its length; none for
     * an empty body (a GET without content sends no Content-Length). */
    if (body_len > 0)
        snprintf(clen, sizeof(clen), "Content-Length: %u\r\n", body_len);
    int n = snprintf(buf, len,
                     "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: linerate\r\nAccept: */*\r\n"
                     "%s%s%sConnection: %s\r\n\r\n",
                     method, path, host, headers, common, clen, close ? "close" : "keep-alive");
    if (n < 0 || (size_t)n >= len)
        return -ENAMETOOLONG;
    return n;
}

int lr_client_body_load(const char *path, int socket, uint8_t **buf, uint32_t *len, char *why,
                        size_t wl)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    *buf = NULL;
    *len = 0;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        int e = fd < 0 ? errno : EINVAL;
        snprintf(why, wl, "%s: %s", path, fd < 0 ? strerror(e) : "not a regular file");
        if (fd >= 0)
            close(fd);
        return -e;
    }
    if ((uint64_t)st.st_size > LR_CLIENT_BODY_MAX) {
        snprintf(why, wl, "%s: %lld bytes, above the body cap of %u", path, (long long)st.st_size,
                 LR_CLIENT_BODY_MAX);
        close(fd);
        return -EFBIG;
    }
    uint8_t *b =
        rte_malloc_socket("lr_client_body", st.st_size > 0 ? (size_t)st.st_size : 1, 0, socket);
    if (b == NULL) {
        close(fd);
        snprintf(why, wl, "%s: out of memory", path);
        return -ENOMEM;
    }
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t r = read(fd, b + got, (size_t)st.st_size - got);
        if (r <= 0) {
            int e = r < 0 ? errno : EIO;
            snprintf(why, wl, "%s: %s", path, r < 0 ? strerror(e) : "shorter than its size");
            close(fd);
            rte_free(b);
            return -e;
        }
        got += (size_t)r;
    }
    close(fd);
    *buf = b;
    *len = (uint32_t)got;
    return 0;
}
