/* SPDX-License-Identifier: BSD-3-Clause */
/* Prometheus text exposition format 0.0.4 (lr_prom.h). */
#include <string.h>

#include "lr_prom.h"

static bool name_char(char c, bool first)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
           (!first && c >= '0' && c <= '9');
}

size_t lr_prom_sanitize_name(const char *in, char *out, size_t cap)
{
    size_t n = 0;

    if (cap == 0)
        return 0;
    if (in[0] >= '0' && in[0] <= '9' && n + 1 < cap)
        out[n++] = '_';
    for (const char *s = in; *s != '\0' && n + 1 < cap; s++) {
        bool ok = name_char(*s, n == 0);
        out[n++] = ok ? *s : '_';
    }
    if (n == 0 && cap > 1)
        out[n++] = '_'; /* an empty name is not a name */
    out[n] = '\0';
    return n;
}

bool lr_prom_put(struct lr_prom_buf *b, const char *s, size_t n)
{
    if (b->overflow || n > b->cap - b->len) {
        b->overflow = true;
        return false;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    return true;
}

static bool put_str(struct lr_prom_buf *b, const char *s)
{
    return lr_prom_put(b, s, strlen(s));
}

static bool escape(struct lr_prom_buf *b, const char *s, bool quote)
{
    const char *run = s;
    for (; *s != '\0'; s++) {
        const char *esc = NULL;
        if (*s == '\\')
            esc = "\\\\";
        else if (*s == '\n')
            esc = "\\n";
        else if (quote && *s == '"')
            esc = "\\\"";
        if (esc == NULL)
            continue;
        lr_prom_put(b, run, (size_t)(s - run));
        put_str(b, esc);
        run = s + 1;
    }
    return lr_prom_put(b, run, (size_t)(s - run));
}

bool lr_prom_escape_label(struct lr_prom_buf *b, const char *s)
{
    return escape(b, s, true);
}

bool lr_prom_escape_help(struct lr_prom_buf *b, const char *s)
{
    return escape(b, s, false);
}

bool lr_prom_family(struct lr_prom_buf *b, const char *name, const char *type, const char *help)
{
    put_str(b, "# HELP ");
    put_str(b, name);
    put_str(b, " ");
    lr_prom_escape_help(b, help);
    put_str(b, "\n# TYPE ");
    put_str(b, name);
    put_str(b, " ");
    put_str(b, type);
    return put_str(b, "\n");
}

bool lr_prom_sample(struct lr_prom_buf *b, const char *name, const char *const *keys,
                    const char *const *vals, unsigned nl, uint64_t value)
{
    char num[24];
    int k = (int)sizeof(num);

    put_str(b, name);
    for (unsigned i = 0; i < nl; i++) {
        put_str(b, i == 0 ? "{" : ",");
        put_str(b, keys[i]);
        put_str(b, "=\"");
        lr_prom_escape_label(b, vals[i]);
        put_str(b, "\"");
    }
    if (nl > 0)
        put_str(b, "}");
    put_str(b, " ");
    do {
        num[--k] = (char)('0' + value % 10);
        value /= 10;
    } while (value != 0);
    lr_prom_put(b, num + k, sizeof(num) - (size_t)k);
    return put_str(b, "\n");
}
