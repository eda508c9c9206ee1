/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration values: the parsers of lr_config.h (sizes, times, booleans,
 * IPv4 addresses and prefixes, percentages), the strict decimal parser the
 * loader uses for plain numbers, and the formatting of times, sizes and
 * ranges for messages and --help-config (see lr_config_priv.h for the other
 * lr_config*.c files).
 *
 * Every parser is strict: the whole string must match, no sign, no spaces.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <rte_byteorder.h>
#include <rte_cfgfile.h>
#include <rte_common.h>
#include <rte_ether.h>
#include <rte_string_fns.h>

#include "lr_config_priv.h"

/* ------------------------------------------------------------------------ */
/* Value parsers                                                             */

/* Strict unsigned decimal: digits only, no sign, no spaces; -ERANGE on
 * overflow. *end is left after the digits. */
static int parse_dec(const char *s, const char **end, uint64_t *out)
{
    uint64_t v = 0;
    const char *p = s;

    if (!isdigit((unsigned char)*p))
        return -EINVAL;
    for (; isdigit((unsigned char)*p); p++) {
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -ERANGE;
        v = v * 10 + d;
    }
    *end = p;
    *out = v;
    return 0;
}

int lr_cfg_parse_uint(const char *s, uint64_t *out)
{
    const char *end;
    int rc;

    if (s == NULL)
        return -EINVAL;
    rc = parse_dec(s, &end, out);
    if (rc != 0)
        return rc;
    return *end == '\0' ? 0 : -EINVAL;
}

int lr_parse_uint(const char *s, uint64_t *out)
{
    return lr_cfg_parse_uint(s, out);
}

int lr_parse_size(const char *s, uint64_t *out)
{
    const char *end;
    uint64_t v;
    unsigned shift = 0;

    if (s == NULL || out == NULL || parse_dec(s, &end, &v) != 0)
        return -EINVAL;
    switch (tolower((unsigned char)*end)) {
    case '\0':
        break;
    case 'k':
        shift = 10;
        break;
    case 'm':
        shift = 20;
        break;
    case 'g':
        shift = 30;
        break;
    default:
        return -EINVAL;
    }
    if (shift != 0 && end[1] != '\0')
        return -EINVAL;
    if (shift != 0 && v > (UINT64_MAX >> shift))
        return -EINVAL;
    *out = v << shift;
    return 0;
}

int lr_parse_time_us(const char *s, uint64_t *out)
{
    static const struct {
        const char *unit;
        uint64_t mult;
    } units[] = {
        { "", 1000000 },  { "us", 1 },       { "ms", 1000 },
        { "s", 1000000 }, { "m", 60000000 }, { "h", 3600000000ULL },
    };
    const char *end;
    uint64_t v;

    if (s == NULL || out == NULL || parse_dec(s, &end, &v) != 0)
        return -EINVAL;
    for (unsigned i = 0; i < RTE_DIM(units); i++) {
        if (strcasecmp(end, units[i].unit) != 0)
            continue;
        if (v > UINT64_MAX / units[i].mult)
            return -EINVAL;
        *out = v * units[i].mult;
        return 0;
    }
    return -EINVAL;
}

int lr_parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = { "yes", "true", "on", "1" };
    static const char *const no[] = { "no", "false", "off", "0" };

    if (s == NULL || out == NULL)
        return -EINVAL;
    for (unsigned i = 0; i < RTE_DIM(yes); i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    return -EINVAL;
}

/* Dotted quad, strict: four decimal parts 0-255, no leading zeros (they
 * would read as octal to inet_aton), nothing before or after. */
static int parse_ipv4_prefix_of(const char *s, const char **end, rte_be32_t *out)
{
    uint32_t a = 0;
    const char *p = s;

    for (int i = 0; i < 4; i++) {
        unsigned v = 0, digits = 0;
        if (i > 0) {
            if (*p != '.')
                return -EINVAL;
            p++;
        }
        if (!isdigit((unsigned char)*p))
            return -EINVAL;
        if (*p == '0' && isdigit((unsigned char)p[1]))
            return -EINVAL;
        while (isdigit((unsigned char)*p)) {
            v = v * 10 + (unsigned)(*p++ - '0');
            if (++digits > 3 || v > 255)
                return -EINVAL;
        }
        a = (a << 8) | v;
    }
    *end = p;
    *out = rte_cpu_to_be_32(a);
    return 0;
}

int lr_parse_ipv4(const char *s, rte_be32_t *out)
{
    const char *end;
    rte_be32_t a;

    if (s == NULL || out == NULL || parse_ipv4_prefix_of(s, &end, &a) != 0 || *end != '\0')
        return -EINVAL;
    *out = a;
    return 0;
}

int lr_parse_ipv4_prefix(const char *s, rte_be32_t *addr, uint8_t *prefix)
{
    const char *end, *pend;
    rte_be32_t a;
    uint64_t n;

    if (s == NULL || addr == NULL || prefix == NULL || parse_ipv4_prefix_of(s, &end, &a) != 0 ||
        *end != '/')
        return -EINVAL;
    end++;
    if (parse_dec(end, &pend, &n) != 0 || *pend != '\0' || n > 32 ||
        (end[0] == '0' && pend - end > 1))
        return -EINVAL;
    *addr = a;
    *prefix = (uint8_t)n;
    return 0;
}

int lr_parse_ipv4_prefix_list(const char *s, struct lr_ipv4_prefix *out, unsigned max, unsigned *n,
                              char *why, size_t wl)
{
    char item[64];
    unsigned cnt = 0;

    if (s == NULL || out == NULL || n == NULL) {
        snprintf(why, wl, "internal error: no list");
        return -EINVAL;
    }
    while (isspace((unsigned char)*s))
        s++;
    if (*s == '\0') {
        *n = 0;
        return 0;
    }
    for (;;) {
        const char *comma = strchr(s, ',');
        const char *e = comma != NULL ? comma : s + strlen(s);
        while (isspace((unsigned char)*s) && s < e)
            s++;
        while (e > s && isspace((unsigned char)e[-1]))
            e--;
        size_t len = (size_t)(e - s);
        if (len == 0) {
            snprintf(why, wl, "entry %u is empty", cnt + 1);
            return -EINVAL;
        }
        if (len >= sizeof(item)) {
            snprintf(why, wl, "entry %u is too long", cnt + 1);
            return -EINVAL;
        }
        memcpy(item, s, len);
        item[len] = '\0';
        rte_be32_t a;
        uint8_t plen = 32;
        if (strchr(item, '/') != NULL ? lr_parse_ipv4_prefix(item, &a, &plen) != 0
                                      : lr_parse_ipv4(item, &a) != 0) {
            snprintf(why, wl, "'%s' is not an IPv4 prefix (a.b.c.d/n, or an address for /32)",
                     item);
            return -EINVAL;
        }
        uint32_t h = rte_be_to_cpu_32(a);
        uint32_t mask = plen == 0 ? 0 : ~0u << (32 - plen);
        if ((h & ~mask) != 0) {
            uint32_t net = h & mask;
            snprintf(why, wl, "'%s' has host bits set (the network is %u.%u.%u.%u/%u)", item,
                     net >> 24, (net >> 16) & 255, (net >> 8) & 255, net & 255, plen);
            return -EINVAL;
        }
        for (unsigned j = 0; j < cnt; j++) {
            if (out[j].addr == a && out[j].len == plen) {
                snprintf(why, wl, "'%s' appears twice", item);
                return -EINVAL;
            }
        }
        if (cnt == max) {
            snprintf(why, wl, "more than %u prefixes", max);
            return -EINVAL;
        }
        out[cnt].addr = a;
        out[cnt].len = plen;
        cnt++;
        if (comma == NULL)
            break;
        s = comma + 1;
    }
    *n = cnt;
    return 0;
}

int lr_parse_percent(const char *s, double *out)
{
    const char *p = s;
    double v = 0, scale = 1;
    unsigned digits = 0;

    if (s == NULL || out == NULL)
        return -EINVAL;
    for (; isdigit((unsigned char)*p); p++) {
        v = v * 10 + (*p - '0');
        if (++digits > 3) /* at most "100" before the point */
            return -EINVAL;
    }
    if (digits == 0)
        return -EINVAL;
    if (*p == '.') {
        unsigned frac = 0;
        for (p++; isdigit((unsigned char)*p); p++, frac++) {
            if (frac < 15) { /* beyond double precision: ignored */
                scale /= 10;
                v += (*p - '0') * scale;
            }
        }
        if (frac == 0)
            return -EINVAL;
    }
    if (*p == '%')
        p++;
    if (*p != '\0' || v > 100.0)
        return -EINVAL;
    *out = v;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Formatting for messages and help                                          */

const char *lr_cfg_fmt_time(uint64_t us, char *buf, size_t len)
{
    if (us == 0)
        snprintf(buf, len, "0");
    else if (us % UINT64_C(3600000000) == 0)
        snprintf(buf, len, "%" PRIu64 "h", us / UINT64_C(3600000000));
    else if (us % UINT64_C(60000000) == 0 && us >= UINT64_C(600000000))
        snprintf(buf, len, "%" PRIu64 "m", us / UINT64_C(60000000));
    else if (us % 1000000 == 0)
        snprintf(buf, len, "%" PRIu64 "s", us / 1000000);
    else if (us % 1000 == 0)
        snprintf(buf, len, "%" PRIu64 "ms", us / 1000);
    else
        snprintf(buf, len, "%" PRIu64 "us", us);
    return buf;
}

static const char *fmt_size(uint64_t b, char *buf, size_t len)
{
    if (b != 0 && b % (UINT64_C(1) << 30) == 0)
        snprintf(buf, len, "%" PRIu64 "g", b >> 30);
    else if (b != 0 && b % (UINT64_C(1) << 20) == 0)
        snprintf(buf, len, "%" PRIu64 "m", b >> 20);
    else if (b != 0 && b % (UINT64_C(1) << 10) == 0)
        snprintf(buf, len, "%" PRIu64 "k", b >> 10);
    else
        snprintf(buf, len, "%" PRIu64, b);
    return buf;
}

const char *lr_cfg_fmt_range(const struct lr_config_key *k, char *buf, size_t len)
{
    char a[32], b[32];

    switch (k->type) {
    case LR_CFG_UINT:
        snprintf(buf, len, "%" PRIu64 "-%" PRIu64, k->min, k->max);
        break;
    case LR_CFG_SIZE:
        snprintf(buf, len, "%s-%s", fmt_size(k->min, a, sizeof(a)), fmt_size(k->max, b, sizeof(b)));
        break;
    case LR_CFG_TIME:
        snprintf(buf, len, "%s-%s", lr_cfg_fmt_time(k->min, a, sizeof(a)),
                 lr_cfg_fmt_time(k->max, b, sizeof(b)));
        break;
    default:
        buf[0] = '\0';
        break;
    }
    return buf;
}

/* ------------------------------------------------------------------------ */
/* Lists                                                                     */

/* Split @s at commas into trimmed items (in place); returns the count or -1
 * when there are more than @max. An empty string gives 0 items; empty items
 * are kept (and rejected by the caller). */
static int split_list(char *s, char **items, int max)
{
    int n = 0;

    while (isspace((unsigned char)*s))
        s++;
    if (*s == '\0')
        return 0;
    for (;;) {
        char *comma = strchr(s, ',');
        if (comma != NULL)
            *comma = '\0';
        char *e = s + strlen(s);
        while (e > s && isspace((unsigned char)e[-1]))
            *--e = '\0';
        while (isspace((unsigned char)*s))
            s++;
        if (n == max)
            return -1;
        items[n++] = s;
        if (comma == NULL)
            return n;
        s = comma + 1;
    }
}

int lr_config_split_list(const char *s, char *tmp, size_t tl, char **items, int max,
                         const char *what, char *why, size_t wl)
{
    rte_strscpy(tmp, s, tl);
    int n = split_list(tmp, items, max);
    if (n < 0) {
        snprintf(why, wl, "more than %d %ss", max, what);
        return -EINVAL;
    }
    if (n == 0) {
        snprintf(why, wl, "must list at least one %s", what);
        return -EINVAL;
    }
    return n;
}

int lr_parse_port_list(const char *s, uint16_t *out, unsigned max, uint16_t *n, char *why,
                       size_t wl)
{
    char tmp[CFG_VALUE_LEN + 1];
    char *items[64];
    uint64_t v;

    max = RTE_MIN(max, (unsigned)RTE_DIM(items));
    int got = lr_config_split_list(s, tmp, sizeof(tmp), items, (int)max, "port", why, wl);
    if (got < 0)
        return got;
    for (int i = 0; i < got; i++) {
        if (lr_cfg_parse_uint(items[i], &v) != 0 || v < 1 || v > 65535) {
            snprintf(why, wl, "'%s' is not a port number (1-65535)", items[i]);
            return -EINVAL;
        }
        out[i] = (uint16_t)v;
        for (int j = 0; j < i; j++) {
            if (out[j] == out[i]) {
                snprintf(why, wl, "port %s appears twice", items[i]);
                return -EINVAL;
            }
        }
    }
    *n = (uint16_t)got;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Value types of the core sections (LR_CFG_CUSTOM rows of lr_config_keys.c) */

int lr_cfg_parse_port_addr(void *sec, const struct lr_config_key *k, const char *val, char *why,
                           size_t wl)
{
    struct lr_port_config *pc = sec;

    RTE_SET_USED(k);
    if (lr_parse_ipv4_prefix(val, &pc->addr, &pc->prefix) != 0) {
        snprintf(why, wl, "'%s' is not an address/prefix (e.g. 198.18.0.2/24)", val);
        return -EINVAL;
    }
    uint32_t a = rte_be_to_cpu_32(pc->addr);
    uint32_t mask = pc->prefix == 0 ? 0 : ~0u << (32 - pc->prefix);
    if (pc->prefix == 0) {
        snprintf(why, wl, "'%s': the prefix length must be 1-32", val);
        return -EINVAL;
    }
    if (a == 0 || (a >> 24) == 127 || (a >> 28) >= 14) {
        snprintf(why, wl, "'%s' is not a unicast host address", val);
        return -EINVAL;
    }
    if (pc->prefix <= 30 && ((a & ~mask) == 0 || (a & ~mask) == ~mask)) {
        snprintf(why, wl, "'%s' is the %s address of its subnet", val,
                 (a & ~mask) == 0 ? "network" : "broadcast");
        return -EINVAL;
    }
    return 0;
}

int lr_cfg_parse_arp_list(void *sec, const struct lr_config_key *k, const char *val, char *why,
                          size_t wl)
{
    struct lr_port_config *pc = sec;
    char tmp[CFG_VALUE_LEN + 1];
    char *items[LR_MAX_STATIC_ARP];

    RTE_SET_USED(k);
    rte_strscpy(tmp, val, sizeof(tmp));
    int n = split_list(tmp, items, LR_MAX_STATIC_ARP);
    if (n < 0) {
        snprintf(why, wl, "more than %d entries", LR_MAX_STATIC_ARP);
        return -EINVAL;
    }
    for (int i = 0; i < n; i++) {
        char *sp = items[i];
        while (*sp != '\0' && !isspace((unsigned char)*sp))
            sp++;
        char *mac = sp;
        while (isspace((unsigned char)*mac))
            mac++;
        if (*sp != '\0')
            *sp = '\0';
        struct lr_static_arp *e = &pc->static_arp[i];
        if (lr_parse_ipv4(items[i], &e->ip) != 0 || e->ip == 0) {
            snprintf(why, wl, "entry %d: '%s' is not an IPv4 address", i + 1, items[i]);
            return -EINVAL;
        }
        if (*mac == '\0' || strlen(mac) != 17 || rte_ether_unformat_addr(mac, &e->mac) != 0) {
            snprintf(why, wl, "entry %d: '%s' is not a MAC address (aa:bb:cc:dd:ee:ff)", i + 1,
                     mac);
            return -EINVAL;
        }
        if (!rte_is_valid_assigned_ether_addr(&e->mac)) {
            snprintf(why, wl, "entry %d: %s is not a unicast MAC address", i + 1, mac);
            return -EINVAL;
        }
        for (int j = 0; j < i; j++) {
            if (pc->static_arp[j].ip == e->ip) {
                snprintf(why, wl, "entry %d: %s appears twice", i + 1, items[i]);
                return -EINVAL;
            }
        }
    }
    pc->nb_static_arp = (uint16_t)n;
    return 0;
}

int lr_cfg_parse_cc(void *sec, const struct lr_config_key *k, const char *val, char *why, size_t wl)
{
    enum lr_cc_algo *field = (void *)((char *)sec + k->off);

    if (strcasecmp(val, "newreno") == 0)
        *field = LR_CC_NEWRENO;
    else if (strcasecmp(val, "cubic") == 0)
        *field = LR_CC_CUBIC;
    else {
        snprintf(why, wl, "'%s' is not a congestion control (newreno or cubic)", val);
        return -EINVAL;
    }
    return 0;
}
