/* SPDX-License-Identifier: BSD-3-Clause */
/* SipHash-2-4, RFC 6528 ISNs and SYN cookies (lr_tcp_isn.c). */
#include <rte_byteorder.h>

#include "harness.h"
#include "lr_tcp_isn.h"

/* A fixed key: the cost does not depend on it, and results stay comparable. */
static const struct lr_tcp_secret bench_secret = {
    .k0 = 0x0706050403020100ull,
    .k1 = 0x0f0e0d0c0b0a0908ull,
    .c0 = 0x1716151413121110ull,
    .c1 = 0x1f1e1d1c1b1a1918ull,
};

LR_BENCH(siphash24_12B)
{
    uint8_t buf[12] = { 198, 18, 0, 1, 198, 18, 0, 2, 0, 80, 0x9c, 0x40 };
    uint64_t i = 0;

    while (lr_bench_keep_running(st)) {
        buf[11] = (uint8_t)i++;
        lr_bench_escape(buf);
        lr_bench_use_u64(lr_siphash24(bench_secret.k0, bench_secret.k1, buf, sizeof(buf)));
    }
    lr_bench_set_items_processed(st, lr_bench_iterations(st));
}

LR_BENCH(tcp_isn)
{
    const rte_be32_t la = rte_cpu_to_be_32(0xc6120001), ra = rte_cpu_to_be_32(0xc6120002);
    uint64_t now = 1000000;
    uint16_t port = 1024;

    while (lr_bench_keep_running(st)) {
        uint32_t isn =
            lr_tcp_isn(&bench_secret, la, rte_cpu_to_be_16(80), ra, rte_cpu_to_be_16(port++), now);
        now += 3;
        lr_bench_use_u64(isn);
    }
    lr_bench_set_items_processed(st, lr_bench_iterations(st));
}

LR_BENCH(syncookie_make)
{
    const rte_be32_t la = rte_cpu_to_be_32(0xc6120001), ra = rte_cpu_to_be_32(0xc6120002);
    const struct lr_syncookie_opts o = { .mss = 1460, .wscale = 7, .sack_ok = true, .ts_ok = true };
    uint64_t now = 1000000;
    uint32_t peer_isn = 0x12345678;
    uint16_t port = 1024;

    while (lr_bench_keep_running(st)) {
        uint32_t c = lr_syncookie_make(&bench_secret, la, rte_cpu_to_be_16(80), ra,
                                       rte_cpu_to_be_16(port++), peer_isn, &o, now);
        peer_isn += 0x9e3779b9u;
        lr_bench_use_u64(c);
    }
    lr_bench_set_items_processed(st, lr_bench_iterations(st));
}

#define COOKIES 1024

LR_BENCH(syncookie_check)
{
    const rte_be32_t la = rte_cpu_to_be_32(0xc6120001), ra = rte_cpu_to_be_32(0xc6120002);
    const struct lr_syncookie_opts o = { .mss = 1460, .wscale = 7, .sack_ok = true, .ts_ok = true };
    const uint64_t now = 3600000000ull;
    uint32_t cookie[COOKIES];
    unsigned i = 0, bad = 0;

    /* Valid cookies of 1024 different connections, checked in turn. */
    for (unsigned k = 0; k < COOKIES; k++)
        cookie[k] = lr_syncookie_make(&bench_secret, la, rte_cpu_to_be_16(80), ra,
                                      rte_cpu_to_be_16((uint16_t)(1024 + k)), k * 7919u, &o, now);
    while (lr_bench_keep_running(st)) {
        struct lr_syncookie_opts out;
        unsigned k = i++ % COOKIES;

        bad += !lr_syncookie_check(&bench_secret, la, rte_cpu_to_be_16(80), ra,
                                   rte_cpu_to_be_16((uint16_t)(1024 + k)), k * 7919u, cookie[k],
                                   now + 1000, &out);
        lr_bench_use_u64(out.mss);
    }
    if (bad != 0)
        lr_bench_skip_with_error(st, "valid cookie rejected");
    lr_bench_set_items_processed(st, lr_bench_iterations(st));
}
