/* SPDX-License-Identifier: BSD-3-Clause */
/* Congestion control per-ACK cost in congestion avoidance (lr_tcp_cc.c). */
#include "harness.h"
#include "lr_tcp_cc.h"

static void run_cong_avoid(struct lr_bench_state *st, enum lr_cc_algo algo)
{
    struct lr_tcp_cc cc;
    uint64_t now = 1000000;
    unsigned n = 0;

    lr_tcp_cc_init(&cc, algo, 1460);
    cc.cwnd = 100 * 1460;
    lr_tcp_cc_on_fast_retransmit(&cc, cc.cwnd, now);
    lr_tcp_cc_on_recovery_exit(&cc, cc.ssthresh);
    while (lr_bench_keep_running(st)) {
        lr_tcp_cc_on_ack(&cc, 1460, cc.cwnd, 20000, now);
        now += 100; /* one ACK every 100 us */
        /* Stay in a realistic regime: a loss every 2^16 ACKs. */
        if (++n % 65536 == 0 || cc.cwnd > (1u << 26)) {
            lr_tcp_cc_on_fast_retransmit(&cc, cc.cwnd, now);
            lr_tcp_cc_on_recovery_exit(&cc, cc.ssthresh);
        }
        lr_bench_escape(&cc);
    }
    lr_bench_use_u64(cc.cwnd);
    lr_bench_set_items_processed(st, lr_bench_iterations(st));
}

LR_BENCH(cc_newreno_on_ack)
{
    run_cong_avoid(st, LR_CC_NEWRENO);
}

LR_BENCH(cc_cubic_on_ack)
{
    run_cong_avoid(st, LR_CC_CUBIC);
}
