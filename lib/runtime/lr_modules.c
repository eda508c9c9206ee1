/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The one list of modules, their order, and the counters they walk
 * (lr_runtime.h, lr_module.h).
 *
 * Adding a module: its files (with one `const struct lr_module`, and its
 * `const struct lr_config_section` when it has keys), one line in
 * lr_module_list below, its section documented in config/default.conf.
 * Nothing else in the tree names it.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>

#include "lr_client_report.h"
#include "lr_fault.h"
#include "lr_ftp_server.h"
#include "lr_http_server.h"
#include "lr_ip_frag.h"
#include "lr_l4_server.h"
#include "lr_log.h"
#include "lr_metrics.h"
#include "lr_net.h"
#include "lr_runtime.h"
#include "lr_tcp.h"
#include "lr_tcp_services.h"
#include "lr_tftp.h"
#include "lr_tls_module.h"
#include "lr_udp.h"
#include "lr_udp_echo.h"

/* In the order they run when their dependencies allow it (a module listed
 * before one of its `after` modules is moved behind it). */
static const struct lr_module *const lr_module_list[] = {
    &lr_fault_module,     &lr_arp_module,      &lr_ip_module,     &lr_ip_frag_module,
    &lr_udp_module,       &lr_udp_echo_module, &lr_tcp_module,    &lr_tls_module,
    &lr_http_module,      &lr_tftp_module,     &lr_ftp_module,    &lr_tcp_services_module,
    &lr_l4_server_module, &lr_metrics_module,  &lr_client_module,
};

#define NB_MODULES RTE_DIM(lr_module_list)
static_assert(RTE_DIM(lr_module_list) <= LR_MODULES_MAX, "raise LR_MODULES_MAX");

static const struct lr_module *ordered[LR_MODULES_MAX];
static unsigned nb_ordered;

static int module_index(const struct lr_module *const *list, unsigned n, const char *name)
{
    for (unsigned i = 0; i < n; i++)
        if (strcmp(list[i]->name, name) == 0)
            return (int)i;
    return -1;
}

int lr_modules_order(const struct lr_module *const *list, unsigned n, const struct lr_module **out,
                     char *err, size_t errlen)
{
    bool placed[LR_MODULES_MAX] = { false };
    unsigned done = 0;

    if (n > LR_MODULES_MAX) {
        snprintf(err, errlen, "%u modules, at most %u", n, LR_MODULES_MAX);
        return -EINVAL;
    }
    for (unsigned i = 0; i < n; i++) {
        if (module_index(list, i, list[i]->name) >= 0) {
            snprintf(err, errlen, "module %s is listed twice", list[i]->name);
            return -EINVAL;
        }
        for (const char *const *a = list[i]->after; a != NULL && *a != NULL; a++) {
            if (module_index(list, n, *a) < 0) {
                snprintf(err, errlen, "module %s runs after %s, which is not listed", list[i]->name,
                         *a);
                return -EINVAL;
            }
        }
    }
    /* Stable topological order: each round places the first module in list
     * order whose dependencies are all placed. */
    while (done < n) {
        unsigned pick = n;
        for (unsigned i = 0; i < n && pick == n; i++) {
            bool ready = !placed[i];
            for (const char *const *a = list[i]->after; ready && a != NULL && *a != NULL; a++)
                ready = placed[module_index(list, n, *a)];
            if (ready)
                pick = i;
        }
        if (pick == n) {
            for (unsigned i = 0; i < n; i++)
                if (!placed[i]) {
                    snprintf(err, errlen, "module %s: circular `after` dependency", list[i]->name);
                    break;
                }
            return -ELOOP;
        }
        placed[pick] = true;
        out[done++] = list[pick];
    }
    return 0;
}

const struct lr_module *const *lr_runtime_modules(unsigned *n)
{
    if (nb_ordered == 0) {
        char err[128];
        if (lr_modules_order(lr_module_list, NB_MODULES, ordered, err, sizeof(err)) != 0) {
            /* A wrong list is a build defect, caught by test_runtime. */
            LR_LOG(ERR, core, "module list: %s", err);
            *n = 0;
            return ordered;
        }
        nb_ordered = NB_MODULES;
    }
    *n = nb_ordered;
    return ordered;
}

/* --- port claims ---------------------------------------------------------- */

static int claim_clash(const struct lr_port_claim *a, const struct lr_port_claim *b,
                       const char *name, char *err, size_t errlen)
{
    /* @a came first (module order, then the module's own order); a clash is
     * reported on the later key, or on the range that covers a port. */
    if (a->proto != b->proto || a->hi < b->lo || b->hi < a->lo)
        return 0;
    if (a->lo == a->hi && b->lo == b->hi)
        snprintf(err, errlen, "%s: %s: port %u is also used by %s", name, b->what, b->lo, a->what);
    else if (a->lo == a->hi)
        snprintf(err, errlen, "%s: %s: %u-%u includes port %u of %s", name, b->what, b->lo, b->hi,
                 a->lo, a->what);
    else if (b->lo == b->hi)
        snprintf(err, errlen, "%s: %s: %u-%u includes port %u of %s", name, a->what, a->lo, a->hi,
                 b->lo, b->what);
    else
        snprintf(err, errlen, "%s: %s: %u-%u overlaps %s %u-%u", name, b->what, b->lo, b->hi,
                 a->what, a->lo, a->hi);
    return -EINVAL;
}

int lr_modules_check_ports(const struct lr_config *cfg, const char *name, char *err, size_t errlen)
{
    static struct lr_port_claim all[LR_MODULES_MAX * LR_PORT_CLAIMS_MAX];
    unsigned nmod, n = 0;
    const struct lr_module *const *mods = lr_runtime_modules(&nmod);

    for (unsigned k = 0; k < nmod; k++) {
        struct lr_port_claim mine[LR_PORT_CLAIMS_MAX];
        unsigned got;

        if (mods[k]->ports == NULL)
            continue;
        got = mods[k]->ports(cfg, mine);
        if (got > LR_PORT_CLAIMS_MAX) { /* a module defect, not the user's */
            snprintf(err, errlen, "%s: module %s claims %u ports, at most %u", name, mods[k]->name,
                     got, LR_PORT_CLAIMS_MAX);
            return -EINVAL;
        }
        for (unsigned i = 0; i < got; i++) {
            for (unsigned j = 0; j < n; j++) {
                int rc = claim_clash(&all[j], &mine[i], name, err, errlen);
                if (rc != 0)
                    return rc;
            }
            all[n++] = mine[i];
        }
    }
    return 0;
}

const struct lr_config_section *const *lr_runtime_config_sections(void)
{
    static const struct lr_config_section *secs[NB_MODULES + 1];
    static bool done;

    if (!done) { /* on the main lcore, before any worker exists */
        unsigned n = 0;
        for (unsigned i = 0; i < NB_MODULES; i++)
            if (lr_module_list[i]->config != NULL)
                secs[n++] = lr_module_list[i]->config;
        secs[n] = NULL;
        done = true;
    }
    return secs;
}

void lr_runtime_config_defaults(struct lr_config *cfg)
{
    lr_config_defaults(cfg, lr_runtime_config_sections());
}

void lr_runtime_config_help(FILE *f)
{
    lr_config_help(f, lr_runtime_config_sections());
}

int lr_runtime_config_load(struct lr_config *cfg, const char *path, char *err, size_t errlen)
{
    int rc = lr_config_load(cfg, path, lr_runtime_config_sections(), err, errlen);
    return rc != 0 ? rc : lr_modules_check_ports(cfg, path, err, errlen);
}

int lr_runtime_config_load_string(struct lr_config *cfg, const char *text, const char *name,
                                  char *err, size_t errlen)
{
    int rc = lr_config_load_string(cfg, text, name, lr_runtime_config_sections(), err, errlen);
    return rc != 0 ? rc : lr_modules_check_ports(cfg, name, err, errlen);
}

/* --- counters ------------------------------------------------------------ */

struct line_acc {
    const struct lr_module_line *line;
    struct lr_line_totals *out;
};

static void line_add(void *arg, const char *name, uint64_t value)
{
    struct line_acc *a = arg;
    for (const struct lr_module_line *l = a->line; l->counter != NULL; l++)
        if (strcmp(l->counter, name) == 0)
            a->out->v[l->field] += value;
}

void lr_runtime_line_totals(const struct lr_runtime *rt, int id, struct lr_line_totals *out)
{
    unsigned nmod;
    const struct lr_module *const *mods = lr_runtime_modules(&nmod);

    memset(out, 0, sizeof(*out));
    for (uint16_t i = 0; i < rt->nb_workers; i++) {
        if ((id >= 0 && i != id) || rt->workers[i] == NULL)
            continue;
        for (unsigned m = 0; m < rt->modules_up[i] && m < nmod; m++) {
            struct line_acc a = { .line = mods[m]->line, .out = out };
            if (mods[m]->walk != NULL && mods[m]->line != NULL)
                mods[m]->walk(rt->workers[i], line_add, &a);
        }
    }
}

void lr_line_totals_foreach(const struct lr_line_totals *t, lr_module_counter_fn fn, void *arg)
{
    for (unsigned f = 0; f < LR_LINE_MAX; f++)
        fn(arg, lr_line_field_name((enum lr_line_field)f), t->v[f]);
}

void lr_modules_foreach(const struct lr_runtime *rt, lr_counter_fn fn, void *arg)
{
    unsigned nmod;
    const struct lr_module *const *mods = lr_runtime_modules(&nmod);

    for (unsigned k = 0; k < nmod; k++) {
        struct lr_walk_sum sum;

        if (mods[k]->walk == NULL)
            continue;
        lr_walk_sum_init(&sum);
        for (uint16_t i = 0; i < rt->nb_workers; i++) {
            if (rt->workers[i] != NULL && rt->modules_up[i] > k)
                lr_walk_sum_worker(&sum, rt->workers[i], mods[k]->walk);
        }
        if (sum.overflow)
            LR_LOG(WARNING, core, "module %s has more than %u counters; the rest are not shown",
                   mods[k]->name, LR_MODULE_COUNTERS_MAX);
        for (unsigned c = 0; c < sum.n; c++)
            fn(arg, mods[k]->name, sum.name[c], sum.value[c]);
    }
}

/* One module's walk, its counters tagged with the module. */
struct module_tag {
    const struct lr_module *m;
    lr_module_walk_fn fn;
    void *arg;
};

static void module_tag_one(void *arg, const char *name, uint64_t value)
{
    struct module_tag *t = arg;
    t->fn(t->arg, t->m, name, value);
}

void lr_runtime_modules_walk(const struct lr_worker_set *ws, uint16_t id, lr_module_walk_fn fn,
                             void *arg)
{
    const struct lr_runtime *rt = container_of(ws, const struct lr_runtime, view);
    unsigned nmod;
    const struct lr_module *const *mods = lr_runtime_modules(&nmod);

    if (id >= rt->nb_workers || rt->workers[id] == NULL)
        return;
    for (unsigned k = 0; k < nmod && k < rt->modules_up[id]; k++) {
        struct module_tag t = { .m = mods[k], .fn = fn, .arg = arg };
        if (mods[k]->walk != NULL)
            mods[k]->walk(rt->workers[id], module_tag_one, &t);
    }
}

void lr_runtime_tick(const struct lr_runtime *rt, uint64_t now_us)
{
    unsigned nmod;
    const struct lr_module *const *mods = lr_runtime_modules(&nmod);

    /* Only modules whose global state is up (global_init ran). */
    for (unsigned k = 0; k < nmod && k < rt->globals_up; k++)
        if (mods[k]->tick != NULL)
            mods[k]->tick(now_us);
}
