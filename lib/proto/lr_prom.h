/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Prometheus text exposition format 0.0.4 (the "text/plain; version=0.0.4"
 * body a Prometheus server scrapes), written into a caller's bounded buffer.
 * Pure: no allocation, no stack dependency.
 *
 *   # HELP name text          (\ and newline escaped)
 *   # TYPE name counter|gauge
 *   name{label="value",...} 123
 *
 * Metric names match [a-zA-Z_:][a-zA-Z0-9_:]*, label values escape \, " and
 * newline. Every writer returns false once the buffer is full (the text
 * written so far is then incomplete; the caller answers an error).
 */
#ifndef LR_PROM_H
#define LR_PROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lr_prom_buf {
    char *p;
    size_t cap;
    size_t len;
    bool overflow; /* something did not fit */
};

/** Copy @in into @out (@cap bytes, NUL-terminated) as a metric name: every
 *  byte outside [a-zA-Z0-9_:] becomes '_', a leading digit gets a '_' before
 *  it. Returns the length, truncated to @cap - 1. */
size_t lr_prom_sanitize_name(const char *in, char *out, size_t cap);

/** Append raw bytes. */
bool lr_prom_put(struct lr_prom_buf *b, const char *s, size_t n);

/** "# HELP @name @help\n# TYPE @name @type\n" (@type "counter" or "gauge"). */
bool lr_prom_family(struct lr_prom_buf *b, const char *name, const char *type, const char *help);

/** One sample: "@name{k0="v0",...} @value\n" with @nl labels (none: no braces). */
bool lr_prom_sample(struct lr_prom_buf *b, const char *name, const char *const *keys,
                    const char *const *vals, unsigned nl, uint64_t value);

/** Append @s with the label-value escapes (\\, \", \n). */
bool lr_prom_escape_label(struct lr_prom_buf *b, const char *s);

/** Append @s with the HELP escapes (\\, \n). */
bool lr_prom_escape_help(struct lr_prom_buf *b, const char *s);

#endif /* LR_PROM_H */
