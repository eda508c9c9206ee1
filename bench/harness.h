/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Microbenchmark harness: benchmarks are written in C against this small API;
 * harness_main.cpp registers them with Google Benchmark and runs them (all of
 * Google Benchmark's command-line flags apply, e.g. --benchmark_filter=cksum,
 * --benchmark_format=json, --benchmark_out=FILE).
 *
 * A benchmark:
 *
 *     LR_BENCH(ipv4_cksum)
 *     {
 *         ...untimed setup...
 *         while (lr_bench_keep_running(st)) {
 *             ...timed work...
 *             lr_bench_use_u64(result);
 *         }
 *         lr_bench_set_items_processed(st, lr_bench_iterations(st));
 *     }
 *
 * or, with arguments and setup/teardown:
 *
 *     static void fn(struct lr_bench_state *st, void *ctx) { ... lr_bench_arg(st, 0) ... }
 *     LR_BENCH_REGISTER(tcp_cksum, fn, setup, teardown, 64, 1460);
 *
 * The body sees `st`. Everything before the first lr_bench_keep_running()
 * and after the last one is not timed. setup() (optional) runs before every
 * run of the function and returns the ctx passed to it; teardown(ctx) after.
 */
#ifndef LR_BENCH_HARNESS_H
#define LR_BENCH_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Opaque: wraps benchmark::State. */
struct lr_bench_state;

typedef void (*lr_bench_fn)(struct lr_bench_state *st, void *ctx);

#define LR_BENCH_MAX_ARGS 8

/** One registered benchmark (one instance per argument value). */
struct lr_bench_def {
    const char *name;
    lr_bench_fn fn;
    void *(*setup)(int64_t arg); /* optional; gets the argument (0 without) */
    void (*teardown)(void *ctx); /* optional */
    unsigned nargs;
    int64_t args[LR_BENCH_MAX_ARGS];
};

/** Add @d to the registry (called by the registration macros before main). */
void lr_bench_register(const struct lr_bench_def *d);

/** True while the benchmark should run another iteration (timed region). */
bool lr_bench_keep_running(struct lr_bench_state *st);
/** Iterations run so far (final count after the loop). */
int64_t lr_bench_iterations(const struct lr_bench_state *st);
/** The argument of this instance (@i = 0), 0 when registered without. */
int64_t lr_bench_arg(const struct lr_bench_state *st, unsigned i);
/** Report throughput in items per second (total items over the run). */
void lr_bench_set_items_processed(struct lr_bench_state *st, int64_t items);
/** Report throughput in bytes per second (total bytes over the run). */
void lr_bench_set_bytes_processed(struct lr_bench_state *st, int64_t bytes);
/** Exclude a region inside the loop from timing (costly: use sparingly). */
void lr_bench_pause_timing(struct lr_bench_state *st);
void lr_bench_resume_timing(struct lr_bench_state *st);
/** Add a user counter shown next to the result (e.g. "per_op"). */
void lr_bench_set_counter(struct lr_bench_state *st, const char *name, double value);
/** Mark the run as failed with @msg (e.g. setup could not allocate). */
void lr_bench_skip_with_error(struct lr_bench_state *st, const char *msg);

/** Keep @v alive: the compiler must compute it. */
static inline void lr_bench_use_u64(uint64_t v)
{
    __asm__ volatile("" : : "r"(v) : "memory");
}

/** Make the memory at @p observable and possibly modified (defeats hoisting). */
static inline void lr_bench_escape(const void *p)
{
    __asm__ volatile("" : : "g"(p) : "memory");
}

#ifdef __cplusplus
}
#endif

#define LR_BENCH_CAT_(a, b) a##b
#define LR_BENCH_CAT(a, b)  LR_BENCH_CAT_(a, b)

/**
 * Register @fn as benchmark @name with optional @setup/@teardown (NULL) and
 * zero or more int64 arguments; one benchmark instance per argument.
 */
#define LR_BENCH_REGISTER(name, fn, setup, teardown, ...)                                          \
    static const struct lr_bench_def LR_BENCH_CAT(lr_bench_def_, name) = {                         \
        #name,                                                                                     \
        fn,                                                                                        \
        setup,                                                                                     \
        teardown,                                                                                  \
        sizeof((int64_t[]){ 0, ##__VA_ARGS__ }) / sizeof(int64_t) - 1,                             \
        { __VA_ARGS__ },                                                                           \
    };                                                                                             \
    __attribute__((constructor)) static void LR_BENCH_CAT(lr_bench_reg_, name)(void)               \
    {                                                                                              \
        lr_bench_register(&LR_BENCH_CAT(lr_bench_def_, name));                                     \
    }                                                                                              \
    extern int LR_BENCH_CAT(lr_bench_registered_, name)

/** Define and register a benchmark without arguments or setup; the body sees `st`. */
#define LR_BENCH(name)                                                                             \
    static void LR_BENCH_CAT(lr_bench_body_, name)(struct lr_bench_state * st);                    \
    static void LR_BENCH_CAT(lr_bench_fn_, name)(struct lr_bench_state * st, void *ctx)            \
    {                                                                                              \
        (void)ctx;                                                                                 \
        LR_BENCH_CAT(lr_bench_body_, name)(st);                                                    \
    }                                                                                              \
    LR_BENCH_REGISTER(name, LR_BENCH_CAT(lr_bench_fn_, name), NULL, NULL);                         \
    static void LR_BENCH_CAT(lr_bench_body_, name)(struct lr_bench_state * st)

#endif /* LR_BENCH_HARNESS_H */
