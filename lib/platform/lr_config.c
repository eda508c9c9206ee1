/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration loader (lr_config.h): the engine. The key table is in
 * lr_config_keys.c, the value parsers in lr_config_values.c, the rules
 * across keys in lr_config_check.c (lr_config_priv.h lists the files).
 *
 * Defaults are produced by parsing the default text of every row of the key
 * table with the same code that parses the file (key_parse()), so the table
 * is the single source of truth.
 *
 * Loading: the text is first checked line by line (rte_cfgfile silently
 * skips lines without '=' and truncates long names and values, so syntax
 * errors are caught here, with a line number), then written to a memfd and
 * read with rte_cfgfile. Sections and entries are walked by index so
 * duplicate sections and keys are seen and rejected. After all keys, the
 * cross-key checks of the core sections run (lr_cfg_check(): port subnets,
 * gateway, RTO bounds), then each module section's check hook.
 *
 * Module sections (struct lr_config_section, passed by the caller): their
 * structs live in cfg->arena at 16-byte aligned offsets recorded in
 * cfg->mod[], so a copy of a struct lr_config is whole (workers and tests
 * copy it). Their keys go through the same key_parse() as the core keys.
 *
 * Every error is one line: "FILE: [section] key: reason".
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_cfgfile.h>
#include <rte_common.h>
#include <rte_ether.h>
#include <rte_string_fns.h>

#include "lr_config_priv.h"

#define CFG_FILE_MAX (1u << 20) /* bigger than any sane config */
#define CFG_COMMENT  '#'
/* rte_cfgfile reads lines into CFG_NAME_LEN + CFG_VALUE_LEN + 4 bytes. */
#define CFG_LINE_MAX (CFG_NAME_LEN + CFG_VALUE_LEN + 2)

/* ------------------------------------------------------------------------ */
/* Paths                                                                     */

/*
 * Normalise an absolute path in place: collapse "//", "." and "..".
 *
 * Not lr_path_normalize()/lr_path_resolve() (lr_path.h): those judge paths a
 * client sends, so they reject ".." above the root, backslashes and control
 * characters, and keep a trailing '/'. A configured path is the operator's:
 * ".." above "/" stays at "/", any byte but NUL is a file name byte, and the
 * result never ends in '/' (except "/" itself); test_config checks this.
 */
static void path_normalise(char *p)
{
    char *out = p, *in = p;

    while (*in != '\0') {
        while (*in == '/')
            in++;
        if (*in == '\0')
            break;
        char *seg = in;
        while (*in != '\0' && *in != '/')
            in++;
        size_t n = (size_t)(in - seg);
        if (n == 1 && seg[0] == '.')
            continue;
        if (n == 2 && seg[0] == '.' && seg[1] == '.') {
            while (out > p && *--out != '/')
                ;
            continue;
        }
        *out++ = '/';
        memmove(out, seg, n);
        out += n;
    }
    if (out == p)
        *out++ = '/';
    *out = '\0';
}

/* @base is absolute. 0, or -ENAMETOOLONG. */
static int path_resolve(const char *base, const char *rel, char *out, size_t len)
{
    int n;

    if (rel[0] == '/')
        n = snprintf(out, len, "%s", rel);
    else
        n = snprintf(out, len, "%s/%s", base, rel);
    if (n < 0 || (size_t)n >= len)
        return -ENAMETOOLONG;
    path_normalise(out);
    return 0;
}

/* Absolute directory of @name (a config file path), into @out. */
static void config_basedir(const char *name, char *out, size_t len)
{
    char cwd[LR_PATH_MAX];
    const char *slash = name != NULL ? strrchr(name, '/') : NULL;

    if (getcwd(cwd, sizeof(cwd)) == NULL)
        rte_strscpy(cwd, "/", sizeof(cwd));
    if (slash == NULL) {
        rte_strscpy(out, cwd, len);
        return;
    }
    char dir[LR_PATH_MAX];
    size_t dl = RTE_MIN((size_t)(slash - name), sizeof(dir) - 1);
    memcpy(dir, name, dl);
    dir[dl] = '\0';
    if (dl == 0)
        rte_strscpy(dir, "/", sizeof(dir));
    if (path_resolve(cwd, dir, out, len) != 0)
        rte_strscpy(out, cwd, len);
}

/* ------------------------------------------------------------------------ */
/* Loader state                                                              */

/* "NAME: " + the formatted text; always -EINVAL. */
int lr_cfg_error(struct cfg_ctx *c, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (c->err == NULL || c->errlen == 0)
        return -EINVAL;
    n = snprintf(c->err, c->errlen, "%s: ", c->name);
    if (n < 0 || (size_t)n >= c->errlen)
        return -EINVAL;
    va_start(ap, fmt);
    vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

static void *sec_base(struct lr_config *cfg, enum cfg_sec sec, unsigned port)
{
    char *b = (char *)cfg + lr_cfg_section_table()[sec].off;
    if (sec == SEC_PORT)
        b += port * sizeof(struct lr_port_config);
    return b;
}

static void store_uint(void *field, size_t size, uint64_t v)
{
    switch (size) {
    case 1:
        *(uint8_t *)field = (uint8_t)v;
        break;
    case 2:
        *(uint16_t *)field = (uint16_t)v;
        break;
    case 4:
        *(uint32_t *)field = (uint32_t)v;
        break;
    default:
        *(uint64_t *)field = v;
        break;
    }
}

static bool str_printable(const char *s)
{
    for (; *s != '\0'; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
            return false;
    return true;
}

/*
 * Parse @val for key @k into the section at @base. On error writes the
 * reason into @why and returns -EINVAL.
 */
static int key_value(const struct cfg_ctx *c, const struct lr_config_key *k, void *base,
                     const char *val, char *why, size_t wl)
{
    void *field = (char *)base + k->off;
    char r[64], tmp[CFG_VALUE_LEN + 1];
    uint64_t v;
    int rc;

    switch (k->type) {
    case LR_CFG_UINT:
        rc = lr_cfg_parse_uint(val, &v);
        if (rc == -EINVAL) {
            snprintf(why, wl, "'%s' is not a number", val);
            return -EINVAL;
        }
        if (rc != 0 || v < k->min || v > k->max) {
            snprintf(why, wl, "'%s' is out of range (%s)", val, lr_cfg_fmt_range(k, r, sizeof(r)));
            return -EINVAL;
        }
        store_uint(field, k->size, v);
        return 0;
    case LR_CFG_SIZE:
        if (lr_parse_size(val, &v) != 0) {
            snprintf(why, wl, "'%s' is not a size (bytes, or with a k/m/g suffix)", val);
            return -EINVAL;
        }
        if (v < k->min || v > k->max) {
            snprintf(why, wl, "'%s' is out of range (%s)", val, lr_cfg_fmt_range(k, r, sizeof(r)));
            return -EINVAL;
        }
        store_uint(field, k->size, v);
        return 0;
    case LR_CFG_TIME:
        if (lr_parse_time_us(val, &v) != 0) {
            snprintf(why, wl, "'%s' is not a time (a number with us/ms/s/m/h; bare = seconds)",
                     val);
            return -EINVAL;
        }
        if (v < k->min || v > k->max) {
            snprintf(why, wl, "'%s' is out of range (%s)", val, lr_cfg_fmt_range(k, r, sizeof(r)));
            return -EINVAL;
        }
        store_uint(field, k->size, v);
        return 0;
    case LR_CFG_BOOL:
        if (lr_parse_bool(val, (bool *)field) != 0) {
            snprintf(why, wl, "'%s' is not a boolean (yes/no, true/false, on/off, 1/0)", val);
            return -EINVAL;
        }
        return 0;
    case LR_CFG_PERCENT:
        if (lr_parse_percent(val, (double *)field) != 0) {
            snprintf(why, wl, "'%s' is not a percentage between 0 and 100", val);
            return -EINVAL;
        }
        return 0;
    case LR_CFG_IPV4:
        if (val[0] == '\0') {
            *(rte_be32_t *)field = 0;
            return 0;
        }
        if (lr_parse_ipv4(val, (rte_be32_t *)field) != 0) {
            snprintf(why, wl, "'%s' is not an IPv4 address", val);
            return -EINVAL;
        }
        return 0;
    case LR_CFG_STR:
        if (strlen(val) >= k->size) {
            snprintf(why, wl, "'%s' is too long (at most %zu characters)", val, k->size - 1);
            return -EINVAL;
        }
        if (strlen(val) < k->min) {
            snprintf(why, wl, "must not be empty");
            return -EINVAL;
        }
        if (!str_printable(val)) {
            snprintf(why, wl, "contains control characters");
            return -EINVAL;
        }
        rte_strscpy(field, val, k->size);
        return 0;
    case LR_CFG_PATH:
        if (val[0] == '\0') {
            if (k->min > 0) {
                snprintf(why, wl, "must not be empty");
                return -EINVAL;
            }
            ((char *)field)[0] = '\0';
            return 0;
        }
        if (!str_printable(val)) {
            snprintf(why, wl, "contains control characters");
            return -EINVAL;
        }
        if (path_resolve(c->basedir, val, field, k->size) != 0) {
            ((char *)field)[0] = '\0';
            snprintf(why, wl, "'%s' is too long once resolved (at most %zu characters)", val,
                     k->size - 1);
            return -EINVAL;
        }
        return 0;
    case LR_CFG_SUBDIR: {
        if (strlen(val) >= k->size) {
            snprintf(why, wl, "'%s' is too long (at most %zu characters)", val, k->size - 1);
            return -EINVAL;
        }
        if (val[0] == '/' || !str_printable(val)) {
            snprintf(why, wl, "'%s' must be a path relative to the root", val);
            return -EINVAL;
        }
        rte_strscpy(tmp, val, sizeof(tmp));
        for (char *save = NULL, *seg = strtok_r(tmp, "/", &save); seg != NULL;
             seg = strtok_r(NULL, "/", &save)) {
            if (strcmp(seg, "..") == 0) {
                snprintf(why, wl, "'%s' must stay under the root (no '..')", val);
                return -EINVAL;
            }
        }
        rte_strscpy(field, val, k->size);
        return 0;
    }
    case LR_CFG_CUSTOM:
        if (k->parse == NULL)
            break;
        return k->parse(base, k, val, why, wl);
    }
    snprintf(why, wl, "internal error: unknown key type");
    return -EINVAL;
}

/* key_value(), then the key's own rule on the text (struct lr_config_key.check). */
static int key_parse(const struct cfg_ctx *c, const struct lr_config_key *k, void *base,
                     const char *val, char *why, size_t wl)
{
    int rc = key_value(c, k, base, val, why, wl);
    if (rc == 0 && k->check != NULL)
        rc = k->check(val, why, wl);
    return rc;
}

/* Every row with a default, for one section instance. */
static void section_defaults(struct cfg_ctx *c, enum cfg_sec sec, unsigned port)
{
    char why[128];

    for (unsigned i = 0; i < CFG_NB_KEYS; i++) {
        const struct cfg_key *k = &lr_cfg_key_table()[i];
        if (k->sec != sec || k->k.def == NULL)
            continue;
        /* Defaults are constants of this file; a failure is a bug caught by
         * the unit test that loads every default. */
        (void)key_parse(c, &k->k, sec_base(c->cfg, sec, port), k->k.def, why, sizeof(why));
    }
}

static void *mod_base(struct lr_config *cfg, unsigned m)
{
    return cfg->arena + cfg->mod[m].off;
}

/*
 * Place every module section of c->secs in the arena (16-byte aligned, in
 * the order given) and apply its defaults. A section list that does not fit
 * (too many sections or keys, a name used twice, structs larger than the
 * arena) is a programming error of the module list: -EINVAL with a message.
 */
static int module_defaults(struct cfg_ctx *c)
{
    struct lr_config *cfg = c->cfg;
    size_t used = 0;
    char why[128];

    for (unsigned i = 0; c->secs != NULL && c->secs[i] != NULL; i++) {
        const struct lr_config_section *d = c->secs[i];

        if (i == LR_CONFIG_SECTIONS_MAX)
            return lr_cfg_error(c, "internal error: more than %d module sections",
                                LR_CONFIG_SECTIONS_MAX);
        if (d->nb_keys > LR_CONFIG_SECTION_KEYS)
            return lr_cfg_error(c, "internal error: [%s] has more than %d keys", d->name,
                                LR_CONFIG_SECTION_KEYS);
        for (unsigned j = 0; j < cfg->nb_mod; j++)
            if (strcmp(cfg->mod[j].def->name, d->name) == 0)
                return lr_cfg_error(c, "internal error: [%s] is declared twice", d->name);
        for (unsigned s = 0; s < SEC_MAX; s++)
            if (strcmp(lr_cfg_section_table()[s].name, d->name) == 0)
                return lr_cfg_error(c, "internal error: [%s] is a core section", d->name);
        used = RTE_ALIGN_CEIL(used, 16);
        if (d->size > sizeof(cfg->arena) - used)
            return lr_cfg_error(c, "internal error: module sections need more than %d bytes",
                                LR_CONFIG_ARENA);
        cfg->mod[i] = (struct lr_config_mod){ .def = d, .off = (uint32_t)used };
        cfg->nb_mod = (uint16_t)(i + 1);
        used += d->size;
        for (unsigned k = 0; k < d->nb_keys; k++)
            if (d->keys[k].def != NULL)
                (void)key_parse(c, &d->keys[k], mod_base(cfg, i), d->keys[k].def, why, sizeof(why));
    }
    return 0;
}

static int config_defaults_ctx(struct cfg_ctx *c)
{
    struct lr_config *cfg = c->cfg;

    memset(cfg, 0, sizeof(*cfg));
    for (unsigned p = 0; p < LR_MAX_PORTS; p++)
        section_defaults(c, SEC_PORT, p);
    for (unsigned s = SEC_PORT + 1; s < SEC_MAX; s++)
        section_defaults(c, (enum cfg_sec)s, 0);
    return module_defaults(c);
}

/* The check hook of every module section, in order; the first error wins. */
static int module_checks(struct cfg_ctx *c)
{
    for (unsigned m = 0; m < c->cfg->nb_mod; m++) {
        const struct lr_config_section *d = c->cfg->mod[m].def;
        char why[CFG_VALUE_LEN + 256];
        why[0] = '\0';
        if (d->check != NULL && d->check(c->cfg, mod_base(c->cfg, m), why, sizeof(why)) != 0)
            return lr_cfg_error(c, "%s", why[0] ? why : "invalid");
    }
    return 0;
}

void lr_config_defaults(struct lr_config *cfg, const struct lr_config_section *const *secs)
{
    struct cfg_ctx c;

    memset(&c, 0, sizeof(c));
    c.cfg = cfg;
    c.name = "defaults";
    c.secs = secs;
    config_basedir(NULL, c.basedir, sizeof(c.basedir));
    /* The module checks derive values (FTP's root from HTTP's); a
     * section's error needs a file, so there is none here. */
    if (config_defaults_ctx(&c) == 0)
        (void)module_checks(&c);
}

bool lr_config_section_present(const struct lr_config *cfg, const char *name)
{
    for (unsigned m = 0; m < cfg->nb_mod; m++)
        if (strcmp(cfg->mod[m].def->name, name) == 0)
            return cfg->mod[m].present;
    return false;
}

bool lr_config_key_given(const struct lr_config *cfg, const struct lr_config_section *def,
                         const char *key)
{
    for (unsigned m = 0; m < cfg->nb_mod; m++) {
        if (cfg->mod[m].def != def)
            continue;
        for (unsigned k = 0; k < def->nb_keys; k++)
            if (strcmp(def->keys[k].name, key) == 0)
                return (cfg->mod[m].given >> k) & 1;
    }
    return false;
}

/* ------------------------------------------------------------------------ */
/* Text checks before rte_cfgfile                                            */

static int text_check(struct cfg_ctx *c, const char *text, size_t len)
{
    unsigned lineno = 0;
    const char *p = text, *end = text + len;
    bool in_section = false;

    if (memchr(text, '\0', len) != NULL)
        return lr_cfg_error(c, "contains a NUL byte (not a text file)");
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl != NULL ? nl : end;
        size_t ll = (size_t)(le - p);
        char line[CFG_LINE_MAX + 2];

        lineno++;
        if (ll > CFG_LINE_MAX)
            return lr_cfg_error(c, "line %u: too long (at most %d characters)", lineno,
                                CFG_LINE_MAX);
        memcpy(line, p, ll);
        line[ll] = '\0';
        p = nl != NULL ? nl + 1 : end;

        /* Same comment rule as rte_cfgfile: the first '#' starts a comment
         * unless escaped with a backslash. */
        char *hash = strchr(line, CFG_COMMENT);
        if (hash != NULL && (hash == line || hash[-1] != '\\'))
            *hash = '\0';
        char *s = line, *e = line + strlen(line);
        while (isspace((unsigned char)*s))
            s++;
        while (e > s && isspace((unsigned char)e[-1]))
            *--e = '\0';
        if (*s == '\0')
            continue;
        if (*s == '[') {
            char *close = strchr(s, ']');
            if (close == NULL)
                return lr_cfg_error(c, "line %u: missing ']' in section header", lineno);
            if (close[1] != '\0')
                return lr_cfg_error(c, "line %u: unexpected text after ']'", lineno);
            if (close - s - 1 <= 0 || close - s - 1 >= CFG_NAME_LEN)
                return lr_cfg_error(c, "line %u: bad section name", lineno);
            in_section = true;
            continue;
        }
        char *eq = strchr(s, '=');
        if (eq == NULL)
            return lr_cfg_error(c, "line %u: expected 'key = value' or '[section]', got '%s'",
                                lineno, s);
        if (!in_section)
            return lr_cfg_error(c, "line %u: key outside of any section", lineno);
        char *ke = eq;
        while (ke > s && isspace((unsigned char)ke[-1]))
            ke--;
        if (ke == s)
            return lr_cfg_error(c, "line %u: missing key before '='", lineno);
        if (ke - s >= CFG_NAME_LEN)
            return lr_cfg_error(c, "line %u: key too long", lineno);
        char *v = eq + 1;
        while (isspace((unsigned char)*v))
            v++;
        if (strlen(v) >= CFG_VALUE_LEN)
            return lr_cfg_error(c, "line %u: value too long (at most %d characters)", lineno,
                                CFG_VALUE_LEN - 1);
    }
    return 0;
}

/* Write @text to an anonymous file and open it with rte_cfgfile. */
static struct rte_cfgfile *cfgfile_from_text(const char *text, size_t len)
{
    struct rte_cfgfile_parameters params = { .comment_character = CFG_COMMENT };
    struct rte_cfgfile *cf = NULL;
    char path[64];
    int fd = memfd_create("lr_config", MFD_CLOEXEC);
    bool tmpfile = false;

    if (fd < 0) {
        const char *dir = getenv("TMPDIR");
        snprintf(path, sizeof(path), "%s/lr_config_XXXXXX",
                 dir != NULL && strlen(dir) < 40 ? dir : "/tmp");
        fd = mkstemp(path);
        if (fd < 0)
            return NULL;
        tmpfile = true;
    }
    size_t off = 0;
    while (off < len) {
        ssize_t n = write(fd, text + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            goto out;
        off += (size_t)n;
    }
    if (!tmpfile)
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    cf = rte_cfgfile_load_with_params(path, CFG_FLAG_EMPTY_VALUES, &params);
out:
    if (tmpfile)
        unlink(path);
    close(fd);
    return cf;
}

/* ------------------------------------------------------------------------ */
/* Sections and keys                                                         */

/* A core section (*@mod = -1) or a module section (*@mod its index). */
static int section_lookup(const struct lr_config *cfg, const char *name, enum cfg_sec *sec,
                          unsigned *port, int *mod)
{
    *mod = -1;
    *port = 0;
    if (strncmp(name, "port", 4) == 0 && isdigit((unsigned char)name[4])) {
        const char *d = name + 4;
        if (d[1] != '\0' || (unsigned)(d[0] - '0') >= LR_MAX_PORTS)
            return -1;
        *sec = SEC_PORT;
        *port = (unsigned)(d[0] - '0');
        return 0;
    }
    for (unsigned s = SEC_PORT + 1; s < SEC_MAX; s++) {
        if (strcmp(name, lr_cfg_section_table()[s].name) == 0) {
            *sec = (enum cfg_sec)s;
            return 0;
        }
    }
    for (unsigned m = 0; m < cfg->nb_mod; m++) {
        if (strcmp(name, cfg->mod[m].def->name) == 0) {
            *sec = SEC_MAX;
            *mod = (int)m;
            return 0;
        }
    }
    return -1;
}

/* Apply one entry of section @name; -EINVAL with the message set. */
static int load_entry(struct cfg_ctx *c, const char *name, enum cfg_sec sec, unsigned port, int mod,
                      const struct rte_cfgfile_entry *e)
{
    struct lr_config *cfg = c->cfg;
    const struct lr_config_key *k;
    void *base;
    char why[CFG_VALUE_LEN + 128];

    if (mod >= 0) {
        struct lr_config_mod *m = &cfg->mod[mod];
        unsigned ki;
        for (ki = 0; ki < m->def->nb_keys; ki++)
            if (strcmp(m->def->keys[ki].name, e->name) == 0)
                break;
        if (ki == m->def->nb_keys)
            return lr_cfg_error(c, "[%s] %s: unknown key", name, e->name);
        if ((m->given >> ki) & 1)
            return lr_cfg_error(c, "[%s] %s: duplicate key", name, e->name);
        m->given |= UINT64_C(1) << ki;
        k = &m->def->keys[ki];
        base = mod_base(cfg, (unsigned)mod);
    } else {
        unsigned ki = lr_cfg_key_index(sec, e->name);
        if (ki == CFG_NB_KEYS)
            return lr_cfg_error(c, "[%s] %s: unknown key", name, e->name);
        if (c->set[port][ki])
            return lr_cfg_error(c, "[%s] %s: duplicate key", name, e->name);
        c->set[port][ki] = true;
        k = &lr_cfg_key_table()[ki].k;
        base = sec_base(cfg, sec, port);
    }
    if (key_parse(c, k, base, e->value, why, sizeof(why)) != 0)
        return lr_cfg_error(c, "[%s] %s: %s", name, e->name, why);
    return 0;
}

static int load_sections(struct cfg_ctx *c, struct rte_cfgfile *cf)
{
    struct lr_config *cfg = c->cfg;
    bool port_seen[LR_MAX_PORTS] = { false };
    int nsec = rte_cfgfile_num_sections(cf, NULL, 0);
    int rc = 0;

    for (int si = 0; si < nsec && rc == 0; si++) {
        char name[CFG_NAME_LEN];
        int n = rte_cfgfile_section_num_entries_by_index(cf, name, si);
        enum cfg_sec sec;
        unsigned port;
        int mod;

        if (n < 0)
            return lr_cfg_error(c, "cannot read section %d", si + 1);
        if (section_lookup(cfg, name, &sec, &port, &mod) != 0) {
            if (strncmp(name, "port", 4) == 0)
                return lr_cfg_error(c, "[%s]: unknown section (ports are [port0] to [port%d])",
                                    name, LR_MAX_PORTS - 1);
            return lr_cfg_error(c, "[%s]: unknown section", name);
        }
        bool *seen = mod >= 0          ? &cfg->mod[mod].present
                     : sec == SEC_PORT ? &port_seen[port]
                                       : &c->sec_seen[sec];
        if (*seen)
            return lr_cfg_error(c, "[%s]: duplicate section", name);
        *seen = true;
        if (mod < 0)
            c->sec_seen[sec] = true;
        if (mod < 0 && sec == SEC_PORT)
            cfg->port[port].present = true;
        if (n == 0)
            continue;

        struct rte_cfgfile_entry *ents = calloc((size_t)n, sizeof(*ents));
        if (ents == NULL)
            return lr_cfg_error(c, "out of memory");
        if (rte_cfgfile_section_entries_by_index(cf, si, name, ents, n) != n) {
            free(ents);
            return lr_cfg_error(c, "[%s]: cannot read entries", name);
        }
        for (int ei = 0; ei < n && rc == 0; ei++)
            rc = load_entry(c, name, sec, port, mod, &ents[ei]);
        free(ents);
    }
    return rc;
}

static int config_load_text(struct lr_config *cfg, const char *text, size_t len, const char *name,
                            const struct lr_config_section *const *secs, char *err, size_t errlen)
{
    struct cfg_ctx *c = calloc(1, sizeof(*c));
    int rc;

    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (name == NULL)
        name = "(config)";
    if (c == NULL) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "%s: out of memory", name);
        return -ENOMEM;
    }
    c->cfg = cfg;
    c->name = name;
    c->err = err;
    c->errlen = errlen;
    c->secs = secs;
    config_basedir(name, c->basedir, sizeof(c->basedir));
    rc = config_defaults_ctx(c);
    rte_strscpy(cfg->path, name, sizeof(cfg->path));

    if (rc == 0)
        rc = text_check(c, text, len);
    if (rc == 0) {
        struct rte_cfgfile *cf = cfgfile_from_text(text, len);
        if (cf == NULL) {
            rc = lr_cfg_error(c, "cannot parse (rte_cfgfile)");
        } else {
            rc = load_sections(c, cf);
            rte_cfgfile_close(cf);
        }
    }
    if (rc == 0)
        rc = lr_cfg_check(c);
    if (rc == 0)
        rc = module_checks(c);
    free(c);
    return rc;
}

int lr_config_load_string(struct lr_config *cfg, const char *text, const char *name,
                          const struct lr_config_section *const *secs, char *err, size_t errlen)
{
    if (cfg == NULL || text == NULL) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "%s: no configuration text", name != NULL ? name : "(config)");
        return -EINVAL;
    }
    return config_load_text(cfg, text, strlen(text), name, secs, err, errlen);
}

int lr_config_load(struct lr_config *cfg, const char *path,
                   const struct lr_config_section *const *secs, char *err, size_t errlen)
{
    if (cfg == NULL || path == NULL) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "(config): no file name");
        return -EINVAL;
    }
    FILE *f = fopen(path, "re");
    if (f == NULL) {
        int e = errno;
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "%s: cannot open: %s", path, strerror(e));
        return -e;
    }
    char *buf = malloc(CFG_FILE_MAX + 1);
    size_t len = buf != NULL ? fread(buf, 1, CFG_FILE_MAX + 1, f) : 0;
    int rerr = ferror(f) ? errno : 0;
    fclose(f);
    if (buf == NULL || rerr != 0) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "%s: cannot read: %s", path,
                     buf == NULL ? "out of memory" : strerror(rerr));
        free(buf);
        return buf == NULL ? -ENOMEM : -(rerr != 0 ? rerr : EIO);
    }
    if (len > CFG_FILE_MAX) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "%s: too large (more than %u bytes)", path, CFG_FILE_MAX);
        free(buf);
        return -EINVAL;
    }
    int rc = config_load_text(cfg, buf, len, path, secs, err, errlen);
    free(buf);
    return rc;
}

/* ------------------------------------------------------------------------ */

static void help_key(FILE *f, const struct lr_config_key *k)
{
    char r[64];
    const char *range = lr_cfg_fmt_range(k, r, sizeof(r));
    const char *def = k->def == NULL ? "(required)" : k->def;

    fprintf(f, "    %s =%s%s\n        %s%s%s%s\n", k->name, def[0] ? " " : "", def, k->help,
            range[0] ? " [" : "", range, range[0] ? "]" : "");
}

void lr_config_help(FILE *f, const struct lr_config_section *const *secs)
{
    const struct cfg_section *core = lr_cfg_section_table();
    const struct cfg_key *keys = lr_cfg_key_table();

    fprintf(f, "Configuration keys (INI; '#' starts a comment). Sizes take k/m/g (x1024),\n"
               "times us/ms/s/m/h (a bare number is seconds), percentages 0-100 with an\n"
               "optional %%, booleans yes/no, true/false, on/off, 1/0. Relative paths are\n"
               "resolved against the directory of the config file.\n");
    for (unsigned s = 0; s < SEC_MAX; s++) {
        fprintf(f, "\n[%s]  %s\n", core[s].name, core[s].help);
        for (unsigned i = 0; i < CFG_NB_KEYS; i++)
            if (keys[i].sec == s)
                help_key(f, &keys[i].k);
    }
    for (unsigned m = 0; secs != NULL && secs[m] != NULL; m++) {
        fprintf(f, "\n[%s]  %s\n", secs[m]->name, secs[m]->help);
        for (unsigned i = 0; i < secs[m]->nb_keys; i++)
            help_key(f, &secs[m]->keys[i]);
    }
}
