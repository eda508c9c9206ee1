/* SPDX-License-Identifier: BSD-3-Clause */
/* TCP options parse/write (lr_tcp_opt.c) on the layouts seen most often. */
#include <string.h>

#include "harness.h"
#include "lr_tcp_opt.h"

/* A Linux SYN: MSS, SACK-permitted, timestamps, NOP, window scale. */
static const uint8_t syn_opts[20] = { 2,    4,    0x05, 0xb4, 4, 2, 8, 10, 0x01, 0x02,
                                      0x03, 0x04, 0,    0,    0, 0, 1, 3,  3,    7 };
/* An established-state ACK: NOP NOP TS. */
static const uint8_t ack_ts_opts[12] = { 1, 1, 8, 10, 0, 0, 1, 0, 0, 0, 2, 0 };
/* An ACK with timestamps and three SACK blocks (40 bytes, the maximum). */
static uint8_t ack_sack_opts[40];

static void init_sack_opts(void)
{
    struct lr_tcp_opts o = { 0 };

    o.has_ts = 1;
    o.ts_val = 100;
    o.ts_ecr = 200;
    o.nb_sack = 3;
    for (unsigned i = 0; i < 3; i++) {
        o.sack[i].start = 10000 + 4000 * i;
        o.sack[i].end = 12000 + 4000 * i;
    }
    lr_tcp_opts_write(ack_sack_opts, &o, false);
}

static void run_parse(struct lr_bench_state *st, const uint8_t *opt, unsigned len, bool syn)
{
    struct lr_tcp_opts o;

    while (lr_bench_keep_running(st)) {
        lr_bench_escape(opt);
        int rc = lr_tcp_opts_parse(opt, len, syn, &o);
        lr_bench_use_u64((uint64_t)rc + o.ts_val);
    }
    lr_bench_set_items_processed(st, lr_bench_iterations(st));
}

LR_BENCH(tcp_opt_parse_syn)
{
    run_parse(st, syn_opts, sizeof(syn_opts), true);
}

LR_BENCH(tcp_opt_parse_ts)
{
    run_parse(st, ack_ts_opts, sizeof(ack_ts_opts), false);
}

LR_BENCH(tcp_opt_parse_ts_sack3)
{
    init_sack_opts();
    run_parse(st, ack_sack_opts, sizeof(ack_sack_opts), false);
}

static void run_write(struct lr_bench_state *st, struct lr_tcp_opts *o, bool syn)
{
    uint8_t buf[40];

    while (lr_bench_keep_running(st)) {
        lr_bench_escape(o);
        unsigned n = lr_tcp_opts_write(buf, o, syn);
        lr_bench_escape(buf);
        lr_bench_use_u64(n);
        o->ts_val++;
    }
    lr_bench_set_items_processed(st, lr_bench_iterations(st));
}

LR_BENCH(tcp_opt_write_syn)
{
    struct lr_tcp_opts o = { 0 };

    o.has_mss = 1;
    o.mss = 1460;
    o.has_wscale = 1;
    o.wscale = 7;
    o.sack_ok = 1;
    o.has_ts = 1;
    run_write(st, &o, true);
}

LR_BENCH(tcp_opt_write_ts)
{
    struct lr_tcp_opts o = { 0 };

    o.has_ts = 1;
    o.ts_ecr = 12345;
    run_write(st, &o, false);
}

LR_BENCH(tcp_opt_write_ts_sack3)
{
    struct lr_tcp_opts o = { 0 };

    o.has_ts = 1;
    o.nb_sack = 3;
    for (unsigned i = 0; i < 3; i++) {
        o.sack[i].start = 10000 + 4000 * i;
        o.sack[i].end = 12000 + 4000 * i;
    }
    run_write(st, &o, false);
}
