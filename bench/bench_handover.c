/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Cost of flow handover (lr_handover.h), measured in-process with two
 * fixture workers (tests/unit/lr_test.h: ring-backed port, no NIC).
 *
 * Every iteration injects one burst of 64 UDP datagrams (64-byte payload)
 * into worker 0: mbufs allocated and filled, Ethernet + IPv4 input, the
 * steering step, then a UDP sink that frees them. Scenarios:
 *
 *   local        no flow description: steering skipped (one-worker cost)
 *   hash_own     two workers, every flow owned by worker 0: the hash is
 *                computed for each packet, nothing moves
 *   half         half of the flows owned by worker 1: 32 packets per burst
 *                go through the SP/SC ring and worker 1's inbox dispatch
 *   all          every flow owned by worker 1
 *
 * Mode "serial": worker 1's drain runs on the same thread after each burst,
 * so the time (thread CPU time) is the total CPU work per packet, both
 * workers included.
 * Mode "pipelined": worker 1 drains on a second thread; the time is what
 * worker 0 (the receiving core) spends per packet, i.e. its capacity.
 *
 * usage: bench-handover [ITERATIONS] [REPETITIONS] [pipelined]; prints a
 * Markdown table (median ns per packet over the repetitions). The pipelined
 * column needs two otherwise idle CPUs to mean anything; it is measured only
 * when asked for.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_udp.h>

#include "lr_flow.h"
#include "lr_handover.h"
#include "lr_net.h"
#include "lr_test.h"

#define BURST    64
#define PAYLOAD  64
#define MAX_REPS 31

static uint64_t sunk[2];

static void sink(struct lr_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
    sunk[w->id & 1] += n;
    rte_pktmbuf_free_bulk(pkts, n);
}

struct scenario {
    const char *name;
    int flow;      /* 1: two-worker flow description installed */
    unsigned want; /* packets per burst owned by worker 1 */
};

static uint8_t frames[BURST][128];
static size_t frame_len[BURST];
static struct lr_flow flow;
static struct lr_worker *w0, *w1;
static atomic_int drain_run;

/* Serial runs are timed in thread CPU time (one thread does all the work, so
 * other load on the machine does not count); pipelined runs in wall time. */
static uint64_t now_ns(int pipelined)
{
    struct timespec ts;
    clock_gettime(pipelined ? CLOCK_MONOTONIC : CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* BURST frames whose flows are owned: @want of them by worker 1, spread
 * evenly through the burst, the rest by worker 0. */
static void build_frames(unsigned want)
{
    unsigned got1 = 0;
    uint16_t sport = 10000;
    for (unsigned i = 0; i < BURST; i++) {
        /* Owner wanted for slot i: worker 1 for the first @want slots of
         * an even spread (i * want / BURST increments). */
        unsigned need1 = ((i + 1) * want) / BURST > got1;
        for (;; sport++) {
            uint16_t o = lr_flow_owner(&flow, LR_TEST_PEER_IP, LR_TEST_OUR_IP,
                                       rte_cpu_to_be_16(sport), RTE_BE16(9));
            if (o == need1)
                break;
        }
        got1 += need1;
        uint8_t l4[sizeof(struct rte_udp_hdr) + PAYLOAD];
        memset(l4, 0xab, sizeof(l4));
        struct rte_udp_hdr *u = (struct rte_udp_hdr *)l4;
        u->src_port = rte_cpu_to_be_16(sport++);
        u->dst_port = RTE_BE16(9);
        u->dgram_len = rte_cpu_to_be_16(sizeof(l4));
        u->dgram_cksum = 0;
        struct lr_test_ipv4 p = { .proto = IPPROTO_UDP, .payload = l4, .payload_len = sizeof(l4) };
        frame_len[i] = lr_test_ipv4_frame(w0, frames[i], sizeof(frames[i]), &p);
        if (frame_len[i] == 0) {
            fprintf(stderr, "bench-handover: frame does not fit\n");
            exit(1);
        }
    }
}

static unsigned drain(struct lr_worker *w)
{
    struct rte_mbuf *pkts[BURST];
    unsigned n = rte_ring_sc_dequeue_burst(w->ring_from[0], (void **)pkts, BURST, NULL);
    if (n != 0) {
        uint16_t k = lr_handover_dispatch(w, pkts, (uint16_t)n);
        rte_pktmbuf_free_bulk(pkts, k); /* none expected: no ARP here */
    }
    return n;
}

static void *drain_thread(void *arg)
{
    (void)arg;
    while (atomic_load_explicit(&drain_run, memory_order_relaxed))
        drain(w1);
    while (drain(w1) != 0)
        ;
    return NULL;
}

static int inject(void)
{
    struct rte_mbuf *pkts[BURST];
    if (rte_pktmbuf_alloc_bulk(w0->pool, pkts, BURST) != 0)
        return -1;
    for (unsigned i = 0; i < BURST; i++) {
        char *d = rte_pktmbuf_append(pkts[i], (uint16_t)frame_len[i]);
        memcpy(d, frames[i], frame_len[i]);
        pkts[i]->port = lr_test_port(w0);
    }
    lr_eth_input_burst(w0, lr_test_port(w0), pkts, BURST);
    return 0;
}

/* One timed run: ns per packet. */
static double run(const struct scenario *s, int pipelined, unsigned iters)
{
    pthread_t th;
    w0->flow = s->flow ? &flow : NULL;
    w1->flow = &flow;
    if (pipelined) {
        atomic_store(&drain_run, 1);
        if (pthread_create(&th, NULL, drain_thread, NULL) != 0) {
            fprintf(stderr, "bench-handover: pthread_create failed\n");
            exit(1);
        }
    }
    uint64_t t0 = now_ns(pipelined);
    for (unsigned it = 0; it < iters; it++) {
        /* The pool may be momentarily empty while the drain thread catches up. */
        for (unsigned long spin = 0; inject() != 0; spin++) {
            if (!pipelined)
                drain(w1);
            if (spin > 100000000ul) {
                fprintf(stderr, "bench-handover: mbuf pool exhausted\n");
                exit(1);
            }
        }
        if (!pipelined)
            while (drain(w1) != 0)
                ;
    }
    uint64_t t1 = now_ns(pipelined);
    if (pipelined) {
        atomic_store(&drain_run, 0);
        pthread_join(th, NULL);
    }
    return (double)(t1 - t0) / ((double)iters * BURST);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    unsigned iters = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 20000;
    unsigned reps = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 7;
    int pipelined = argc > 3 && strcmp(argv[3], "pipelined") == 0;
    if (iters == 0 || reps == 0 || reps > MAX_REPS || (argc > 3 && !pipelined)) {
        fprintf(stderr, "usage: %s [ITERATIONS>0] [REPETITIONS 1-%d] [pipelined]\n", argv[0],
                MAX_REPS);
        return 2;
    }
    if (lr_test_eal_init() != 0)
        return 1;
    w0 = lr_test_worker_new(NULL);
    if (w0 == NULL || (w1 = lr_test_worker_new_sibling(w0)) == NULL)
        return 1;
    if (lr_flow_init(&flow, 2, LR_FLOW_RETA_DEFAULT) != 0 || lr_handover_register(&flow) != 0) {
        fprintf(stderr, "bench-handover: flow init failed\n");
        return 1;
    }
    lr_ipv4_register(w0, IPPROTO_UDP, sink);
    lr_ipv4_register(w1, IPPROTO_UDP, sink);

    static const struct scenario sc[] = {
        { "local (no steering)", 0, 0 },
        { "hash_own (hashed, nothing moves)", 1, 0 },
        { "half (32 of 64 handed over)", 1, BURST / 2 },
        { "all (64 of 64 handed over)", 1, BURST },
    };
    printf("| scenario | serial ns/pkt (both workers) |%s\n",
           pipelined ? " pipelined ns/pkt (receiving worker) |" : "");
    printf("|----------|-----------------------------:|%s\n",
           pipelined ? "------------------------------------:|" : "");
    for (unsigned i = 0; i < RTE_DIM(sc); i++) {
        double ser[MAX_REPS], pip[MAX_REPS];
        build_frames(sc[i].want);
        run(&sc[i], 0, iters / 10 + 1); /* warm-up */
        for (unsigned r = 0; r < reps; r++) {
            ser[r] = run(&sc[i], 0, iters);
            pip[r] = pipelined ? run(&sc[i], 1, iters) : 0;
        }
        qsort(ser, reps, sizeof(double), cmp_double);
        qsort(pip, reps, sizeof(double), cmp_double);
        printf("| %s | %.1f |", sc[i].name, ser[reps / 2]);
        if (pipelined)
            printf(" %.1f |", pip[reps / 2]);
        printf("\n");
        fflush(stdout);
    }
    uint64_t drops = lr_stats_total_drops(&w0->stats) + lr_stats_total_drops(&w1->stats);
    printf("\npackets sunk: worker 0 %llu, worker 1 %llu; handed over %llu; drops %llu "
           "(ring full: %llu)\n",
           (unsigned long long)sunk[0], (unsigned long long)sunk[1],
           (unsigned long long)w0->stats.handed_over, (unsigned long long)drops,
           (unsigned long long)w0->stats.drops[LR_DROP_ETH_HANDOVER_FULL]);
    w0->flow = NULL;
    lr_test_worker_free(w1);
    lr_test_worker_free(w0);
    return 0;
}
