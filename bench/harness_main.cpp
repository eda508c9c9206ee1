/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * linerate-bench: registers the C benchmarks collected through harness.h with
 * Google Benchmark and runs them. All Google Benchmark flags work, e.g.
 *   linerate-bench --benchmark_filter=siphash --benchmark_format=json
 *   linerate-bench --benchmark_out=micro.json --benchmark_out_format=json
 * The process never reads standard input. The pure benchmarks need no EAL;
 * those on fixture workers (bench_tcp_path.c, bench_http_inproc.c) start it
 * on first use (--no-huge --no-pci, see tests/unit/lr_test.h).
 */
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "harness.h"

#ifndef LR_BENCH_VERSION
#define LR_BENCH_VERSION "unknown"
#endif
#ifndef LR_BENCH_DPDK_VERSION
#define LR_BENCH_DPDK_VERSION "unknown"
#endif

struct lr_bench_state {
    benchmark::State *s;
    bool has_arg;
};

namespace
{

/* Function-local static: safe to use from C constructors that run before
 * this translation unit's own static initialisers. */
std::vector<const lr_bench_def *> &registry()
{
    static std::vector<const lr_bench_def *> r;
    return r;
}

void run_one(benchmark::State &s, const lr_bench_def *d)
{
    lr_bench_state st{ &s, d->nargs > 0 };
    int64_t arg = d->nargs > 0 ? s.range(0) : 0;
    void *ctx = nullptr;

    if (d->setup != nullptr) {
        ctx = d->setup(arg);
        if (ctx == nullptr) {
            s.SkipWithError("setup failed");
            return;
        }
    }
    d->fn(&st, ctx);
    if (d->teardown != nullptr)
        d->teardown(ctx);
}

} // namespace

extern "C" {

void lr_bench_register(const struct lr_bench_def *d)
{
    registry().push_back(d);
}

bool lr_bench_keep_running(struct lr_bench_state *st)
{
    return st->s->KeepRunning();
}

int64_t lr_bench_iterations(const struct lr_bench_state *st)
{
    return static_cast<int64_t>(st->s->iterations());
}

int64_t lr_bench_arg(const struct lr_bench_state *st, unsigned i)
{
    if (!st->has_arg || i != 0)
        return 0;
    return st->s->range(0);
}

void lr_bench_set_items_processed(struct lr_bench_state *st, int64_t items)
{
    st->s->SetItemsProcessed(items);
}

void lr_bench_set_bytes_processed(struct lr_bench_state *st, int64_t bytes)
{
    st->s->SetBytesProcessed(bytes);
}

void lr_bench_pause_timing(struct lr_bench_state *st)
{
    st->s->PauseTiming();
}

void lr_bench_resume_timing(struct lr_bench_state *st)
{
    st->s->ResumeTiming();
}

void lr_bench_set_counter(struct lr_bench_state *st, const char *name, double value)
{
    st->s->counters[name] = benchmark::Counter(value);
}

void lr_bench_skip_with_error(struct lr_bench_state *st, const char *msg)
{
    st->s->SkipWithError(msg);
}

} // extern "C"

int main(int argc, char **argv)
{
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 1;
    benchmark::AddCustomContext("linerate_version", LR_BENCH_VERSION);
    benchmark::AddCustomContext("dpdk_version", LR_BENCH_DPDK_VERSION);

    auto &r = registry();
    /* Stable order regardless of link order. */
    std::sort(r.begin(), r.end(), [](const lr_bench_def *a, const lr_bench_def *b) {
        return std::strcmp(a->name, b->name) < 0;
    });
    for (const lr_bench_def *d : r) {
        auto *b =
            benchmark::RegisterBenchmark(d->name, [d](benchmark::State &s) { run_one(s, d); });
        for (unsigned i = 0; i < d->nargs && i < LR_BENCH_MAX_ARGS; i++)
            b->Arg(d->args[i]);
    }
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
