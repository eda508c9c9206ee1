/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A module as the runtime sees it: one `const struct lr_module` per module,
 * exported by the module's own file (designated initializers; every hook is
 * optional) and named once in the runtime's list (lib/runtime/lr_modules.c).
 *
 *   const struct lr_module lr_foo_module = {
 *       .name = "foo",
 *       .after = LR_MODULE_AFTER("tcp"),
 *       .global_init = foo_global_init, .global_fini = foo_global_fini,
 *       .init = foo_init, .fini = foo_fini,
 *       .poll = foo_poll, .shutdown = foo_shutdown,
 *       .walk = foo_walk, .line = foo_line,
 *       .config = &foo_config_section,
 *   };
 *
 * Lifecycle (lr_runtime.h): global_init of every module in dependency order,
 * then init on every worker in the same order; on the worker lcore poll once
 * per loop iteration and shutdown when it stops (reverse order); after the
 * workers stopped fini per worker and global_fini (reverse order). A hook is
 * only called on modules whose earlier step succeeded: fini only after init
 * returned 0 on that worker, global_fini only after global_init returned 0.
 *
 * Counters travel one way: the walk hook names every counter of one worker
 * (the same names in the same order every time). The runtime sums walks
 * over workers for /linerate/stats, /linerate/<name> and the final summary;
 * the `line` table says which of those counters feed the one-line stats
 * (connections, requests, responses by class, transfers), and `gauges`
 * which of them are values of now rather than counts that only grow.
 */
#ifndef LR_MODULE_H
#define LR_MODULE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

struct lr_config;
struct lr_config_section;
struct lr_flow;
struct lr_worker;

/** Receives one named counter of a module (walk hook). */
typedef void (*lr_module_counter_fn)(void *arg, const char *name, uint64_t value);

/*
 * What a module counter adds to in the stats line and the "modules" group:
 * X(ENUM_SUFFIX, "name", gauge). A gauge is a value of now (it goes down as
 * well as up); the others only grow.
 */
#define LR_LINE_FIELDS(X)                                                                          \
    X(CONNS_ACTIVE, "conns_active", true)    /* connections open now */                            \
    X(CONNS_TOTAL, "conns_total", false)     /* connections established since start */             \
    X(REQUESTS, "requests", false)           /* application requests served or answered */         \
    X(RETRANSMITS, "retransmits", false)     /* TCP segments retransmitted */                      \
    X(RESPONSES_2XX, "responses_2xx", false) /* application responses by class */                  \
    X(RESPONSES_3XX, "responses_3xx", false)                                                       \
    X(RESPONSES_4XX, "responses_4xx", false)                                                       \
    X(RESPONSES_5XX, "responses_5xx", false)                                                       \
    X(SESSIONS, "sessions", true)      /* application sessions open now */                         \
    X(TRANSFERS, "transfers", false)   /* file transfers completed */                              \
    X(XFER_BYTES, "xfer_bytes", false) /* payload bytes moved by those transfers */

enum lr_line_field {
#define LR_X_LINE_ENUM(e, n, g) LR_LINE_##e,
    LR_LINE_FIELDS(LR_X_LINE_ENUM)
#undef LR_X_LINE_ENUM
        LR_LINE_MAX
};

/** Name of a stats-line field ("conns_active", ...), "?" when out of range. */
static inline const char *lr_line_field_name(enum lr_line_field f)
{
    static const char *const names[LR_LINE_MAX] = {
#define LR_X_LINE_NAME(e, n, g) n,
        LR_LINE_FIELDS(LR_X_LINE_NAME)
#undef LR_X_LINE_NAME
    };
    return (unsigned)f < LR_LINE_MAX ? names[f] : "?";
}

/** True for a field that is a gauge (conns_active, sessions). */
static inline bool lr_line_field_is_gauge(enum lr_line_field f)
{
    static const bool gauge[LR_LINE_MAX] = {
#define LR_X_LINE_GAUGE(e, n, g) g,
        LR_LINE_FIELDS(LR_X_LINE_GAUGE)
#undef LR_X_LINE_GAUGE
    };
    return (unsigned)f < LR_LINE_MAX && gauge[f];
}

/** One counter of a module's walk (by name) that adds to a stats-line field. */
struct lr_module_line {
    const char *counter; /* a name the walk hook emits; NULL ends the table */
    enum lr_line_field field;
};

/** A port or port range a module's services take (struct lr_module.ports). */
struct lr_port_claim {
    uint8_t proto;    /* IPPROTO_TCP or IPPROTO_UDP */
    uint16_t lo, hi;  /* host order, lo <= hi (one port: lo == hi) */
    const char *what; /* the config key that asks for it: "[http] listen" */
};

/** Claims one module may make (struct lr_module.ports). */
#define LR_PORT_CLAIMS_MAX 16

/** A NULL-terminated list of names for struct lr_module.after and .gauges. */
#define LR_MODULE_GAUGES(...) LR_MODULE_AFTER(__VA_ARGS__)
#define LR_MODULE_AFTER(...)                                                                       \
    (const char *const[])                                                                          \
    {                                                                                              \
        __VA_ARGS__, NULL                                                                          \
    }

struct lr_module {
    const char *name;
    /** Modules whose init must run before this one's (NULL-terminated). */
    const char *const *after;
    /** The configuration section this module owns ([name] in the file), or
     *  NULL: its keys, defaults and rules (lr_config.h). The runtime's
     *  loader passes every module's section to lr_config_load(); the module
     *  reads its struct with lr_config_section(). */
    const struct lr_config_section *config;
    /** Once on the main lcore before any worker init. 0 or -errno. */
    int (*global_init)(const struct lr_config *cfg);
    /** Once on the main lcore after every worker's fini. */
    void (*global_fini)(void);
    /** Once on the main lcore before the ports start: claim flow ownership
     *  overrides (lr_flow_override_set: ports owned by one worker whatever
     *  their hash). 0 or -errno. */
    int (*flow)(const struct lr_config *cfg, struct lr_flow *f);
    /** UDP ports this module binds per worker beyond its [udp] max_binds
     *  service ports (e.g. one per TFTP transfer); the runtime adds them up
     *  into w->udp_extra_binds before any init. */
    uint32_t (*udp_binds)(const struct lr_config *cfg);
    /** The ports this module's services take under @cfg (listeners, UDP
     *  binds, FTP's passive range): at most LR_PORT_CLAIMS_MAX into @out,
     *  returns how many. The runtime refuses a configuration where two
     *  claims of one protocol overlap (lr_runtime_config_load). */
    unsigned (*ports)(const struct lr_config *cfg, struct lr_port_claim *out);
    /** Per worker on the main lcore (allocations on w->socket). 0 or -errno. */
    int (*init)(struct lr_worker *w);
    /** Per worker on the main lcore after the workers stopped. */
    void (*fini)(struct lr_worker *w);
    /** On the worker lcore once per loop iteration, after RX. */
    void (*poll)(struct lr_worker *w);
    /** On the worker lcore when it stops (send FIN/RST), before the last TX flush. */
    void (*shutdown)(struct lr_worker *w);
    /** On the main lcore, every few tens of milliseconds while the workers
     *  run (the control loop): process-wide periodic work such as rotating
     *  keys the workers read. Must not block. */
    void (*tick)(uint64_t now_us);
    /** On the main lcore: emit every counter of this worker's module by name,
     *  in the same order every time. Gives /linerate/<name> too. */
    void (*walk)(const struct lr_worker *w, lr_module_counter_fn fn, void *arg);
    /** Walk counters that feed the stats line (NULL-terminated), or NULL. */
    const struct lr_module_line *line;
    /** Walk counters that are gauges (values of now, e.g. connections open),
     *  NULL-terminated; a name ending in '*' matches every counter with that
     *  prefix. Every other walk counter only grows (GET /metrics types them
     *  counter / gauge from this, lib/app/lr_metrics.h). NULL = none. */
    const char *const *gauges;
    /** Once on the main lcore when telemetry is on ([stats] telemetry):
     *  register the module's own /linerate/... commands
     *  (lr_telemetry_register). 0 or -errno. */
    int (*telemetry)(void);
    /** The telemetry hook registers /linerate/<name> itself (with more than
     *  the walk), so the runtime does not. */
    bool own_command;
};

/** True when walk counter @name of @m is a gauge (struct lr_module.gauges). */
static inline bool lr_module_counter_is_gauge(const struct lr_module *m, const char *name)
{
    for (const char *const *g = m->gauges; g != NULL && *g != NULL; g++) {
        size_t n = strlen(*g);
        if (n > 0 && (*g)[n - 1] == '*' ? strncmp(*g, name, n - 1) == 0 : strcmp(*g, name) == 0)
            return true;
    }
    return false;
}

#endif /* LR_MODULE_H */
