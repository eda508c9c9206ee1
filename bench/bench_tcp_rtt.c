/* SPDX-License-Identifier: BSD-3-Clause */
/* RFC 6298 estimator (lr_tcp_rtt.c): one RTT sample, RTO lookup. */
#include "harness.h"
#include "lr_tcp_rtt.h"

#define NSAMPLES 256

LR_BENCH(rtt_sample)
{
    struct lr_tcp_rtt r;
    uint32_t sample[NSAMPLES];
    uint32_t x = 12345;
    unsigned i = 0;

    /* 10 ms +- 2 ms of jitter, from a fixed LCG so runs are comparable. */
    for (unsigned k = 0; k < NSAMPLES; k++) {
        x = x * 1103515245u + 12345u;
        sample[k] = 8000 + (x >> 16) % 4000;
    }
    lr_tcp_rtt_init(&r, 1000000);
    while (lr_bench_keep_running(st)) {
        lr_tcp_rtt_sample(&r, sample[i++ % NSAMPLES], 200000, 60000000);
        lr_bench_escape(&r);
    }
    lr_bench_use_u64(r.rto);
    lr_bench_set_items_processed(st, lr_bench_iterations(st));
}

LR_BENCH(rtt_backoff_rto)
{
    struct lr_tcp_rtt r;

    lr_tcp_rtt_init(&r, 1000000);
    while (lr_bench_keep_running(st)) {
        lr_tcp_rtt_backoff(&r, 60000000);
        lr_bench_use_u64(lr_tcp_rtt_rto(&r, 60000000));
        if (r.backoff >= 6)
            r.backoff = 0;
        lr_bench_escape(&r);
    }
    lr_bench_set_items_processed(st, lr_bench_iterations(st));
}
