/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * http_reqresp_inproc/C: a full HTTP request/response between two stack
 * instances in one process, wired by memory. Two fixture workers
 * (tests/unit/lr_test.h), each with its own ring-backed port:
 *
 *   A  198.18.0.3  the load generator (lr_http_client.c): C keep-alive
 *                  connections, GET /f64 (requests_per_conn = 0)
 *   B  198.18.0.2  the HTTP server (lr_http_server.c), a 64-byte file in
 *                  its file cache, listening on port 80
 *
 * One thread runs both worker loops in turn (pump()): what A transmitted is
 * injected into B through lr_eth_input_burst() and vice versa, each worker's
 * client poll, timer wheel and TX flush as in lr_worker_main(). The clock
 * (w->now) follows the TSC. ARP, the handshakes and 256 requests happen
 * before the timed region. One iteration = one completed response (both
 * stacks' work: Ethernet, IP, TCP both ways, request building and parsing,
 * response building with a zero-copy body, response parsing). Reported:
 * time per response (Google Benchmark), cycles_per_req and ns_per_req from
 * the TSC over the whole timed region (wall time: on a loaded machine it
 * includes time the thread was descheduled; compare the CPU column).
 *
 * http_reqresp_inproc_cps/C: the same with requests_per_conn = 1, i.e. a
 * new connection per request ("Connection: close"): handshake, request,
 * response, the server's FIN first, the client's FIN; the server's
 * TIME-WAIT entries are recycled by new SYNs of the same tuple (RFC 6191)
 * or expire after [tcp] time_wait = 1 s.
 *
 * Each run ends by letting the client drain (no new requests, in-flight
 * ones finish, connections closed) and checks: no client error, every
 * request answered, client responses = server 2xx responses = server
 * requests (= connections with _cps), no drop on either stack, and every
 * mbuf of both pools back after shutdown. Any mismatch exits with a
 * message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>

#include "harness.h"
#include "lr_file_cache.h"
#include "lr_http_client.h"
#include "lr_http_server.h"
#include "lr_net.h"
#include "lr_io.h"
#include "lr_pkt.h"
#include "lr_stats.h"
#include "lr_tcp.h"
#include "lr_test.h"

#define SERVER_IP   LR_TEST_IP(198, 18, 0, 2)
#define CLIENT_IP   LR_TEST_IP(198, 18, 0, 3)
#define FILE_BYTES  64
#define WARMUP_REQS 256
#define PUMP_BURST  64
#define SPIN_LIMIT  1000000 /* pumps without progress before giving up */
#define DRAIN_LIMIT 100000

struct inproc {
    struct lr_worker *a, *b; /* client, server */
    unsigned base_a, base_b; /* pool use before the stacks started */
    struct lr_file_cache *fc;
    uint64_t tsc0, hz, now0;
    uint64_t pumps;
    uint32_t rpc; /* [client] requests_per_conn */
};

static void die(const char *msg)
{
    fprintf(stderr, "linerate-bench: http_reqresp_inproc: %s\n", msg);
    exit(EXIT_FAILURE);
}

static struct lr_config *wcfg(struct lr_worker *w)
{
    return (struct lr_config *)(uintptr_t)w->cfg; /* the fixture's own copy */
}

static bool tx_buffered(const struct lr_worker *w)
{
    for (uint16_t p = 0; p < w->nb_ports; p++)
        if (w->tx[p].n != 0)
            return true;
    return false;
}

/* Move what @from transmitted (flushed) into @to's Ethernet input, as if
 * the two ports were cabled. Returns the number of frames moved. */
static unsigned wire(struct lr_worker *from, struct lr_worker *to)
{
    struct rte_mbuf *pkts[PUMP_BURST];
    unsigned total = 0;
    uint16_t n;
    const uint16_t port = lr_test_port(to);
    while ((n = lr_test_tx(from, pkts, PUMP_BURST)) != 0) {
        for (uint16_t i = 0; i < n; i++) {
            /* A receiving NIC hands over fresh metadata. */
            pkts[i]->port = port;
            pkts[i]->ol_flags = 0;
            pkts[i]->packet_type = 0;
        }
        lr_eth_input_burst(to, port, pkts, n);
        total += n;
    }
    return total;
}

/* One loop iteration of each worker (lr_worker_main order: RX, module
 * poll, timers, TX flush). */
static unsigned pump(struct inproc *p)
{
    uint64_t now = p->now0 + (rte_rdtsc() - p->tsc0) * 1000000 / p->hz;
    p->a->now = now;
    p->b->now = now;
    p->pumps++;
    unsigned moved = wire(p->b, p->a);
    lr_client_poll(p->a);
    lr_timer_wheel_advance(&p->a->timers, p->a, now);
    if (tx_buffered(p->a))
        lr_tx_flush(p->a);
    moved += wire(p->a, p->b);
    lr_timer_wheel_advance(&p->b->timers, p->b, now);
    if (tx_buffered(p->b))
        lr_tx_flush(p->b);
    return moved;
}

static struct lr_client_counters client_counters(const struct inproc *p)
{
    struct lr_client_counters c;
    lr_client_counters_get(lr_client_get(p->a), &c);
    return c;
}

/* Pump until the client counted @target responses. */
static void pump_until(struct inproc *p, uint64_t target)
{
    unsigned idle = 0;
    while (client_counters(p).responses < target) {
        if (pump(p) == 0 && ++idle > SPIN_LIMIT)
            die("no progress (responses stalled)");
    }
}

static struct lr_file_cache *cache_load(void)
{
    char root[] = "/tmp/lr_bench_inproc_XXXXXX";
    if (mkdtemp(root) == NULL)
        die("mkdtemp failed");
    char path[sizeof(root) + 8];
    snprintf(path, sizeof(path), "%s/f64", root);
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        die("cannot write the test file");
    char body[FILE_BYTES];
    for (unsigned i = 0; i < FILE_BYTES; i++)
        body[i] = (char)('a' + i % 26);
    size_t wr = fwrite(body, 1, FILE_BYTES, f);
    if (fclose(f) != 0 || wr != FILE_BYTES)
        die("cannot write the test file");
    char err[256];
    struct lr_file_cache *fc = lr_file_cache_load(root, 1 << 20, 1, err, sizeof(err));
    unlink(path); /* the cache holds a copy */
    rmdir(root);
    if (fc == NULL)
        die(err);
    return fc;
}

static void *inproc_setup(int64_t conns, uint32_t rpc)
{
    if (conns <= 0 || conns > 1024)
        return NULL;
    if (lr_test_eal_init() != 0)
        die("EAL init failed");
    struct inproc *p = calloc(1, sizeof(*p));
    if (p == NULL)
        die("out of memory");
    p->fc = cache_load();
    p->rpc = rpc;

    struct lr_config cfg;
    lr_test_config_default(&cfg);
    cfg.worker.mbufs = 4096;
    /* With one connection per request the server (which closes first)
     * holds a TIME-WAIT entry per connection for [tcp] time_wait (1 s, the
     * minimum) unless a new SYN of the same tuple recycles it (RFC 6191):
     * the client's ephemeral range (28232 ports) bounds them. */
    cfg.tcp.max_conns = rpc == 1 ? 32768 : 2048;
    cfg.tcp.time_wait = 1000000;
    cfg.tcp.echo_port = 0;
    cfg.tcp.discard_port = 0;
    cfg.port[0].addr = SERVER_IP;
    lr_test_http(&cfg)->enabled = true;
    lr_test_http(&cfg)->nb_listen = 1;
    lr_test_http(&cfg)->listen[0] = 80;
    p->b = lr_test_worker_new(&cfg);
    if (p->b == NULL)
        die("server worker");
    p->base_b = lr_test_pool_in_use(p->b);
    if (lr_tcp_init(p->b) != 0 || lr_http_server_init(p->b, p->fc) != 0)
        die("server TCP/HTTP init");

    cfg.port[0].addr = CLIENT_IP;
    lr_test_http(&cfg)->enabled = false;
    struct lr_client_config *cc = lr_test_client(&cfg);
    memset(cc, 0, sizeof(*cc));
    cc->enabled = true;
    cc->nb_targets = 1;
    cc->targets[0].ip = SERVER_IP;
    cc->targets[0].port = 80;
    cc->nb_paths = 1;
    snprintf(cc->paths[0], sizeof(cc->paths[0]), "/f64");
    cc->connections = (uint32_t)conns;
    cc->requests_per_conn = rpc;      /* 0: keep-alive, 1: one connection per request */
    cc->duration = 3600ULL * 1000000; /* ended by inproc_teardown */
    p->a = lr_test_worker_new(&cfg);
    if (p->a == NULL)
        die("client worker");
    p->base_a = lr_test_pool_in_use(p->a);
    if (lr_tcp_init(p->a) != 0 || lr_client_init(p->a) != 0)
        die("client TCP/client init");

    p->hz = rte_get_tsc_hz();
    p->tsc0 = rte_rdtsc();
    p->now0 = p->a->now;
    /* ARP, handshakes, first requests: untimed. */
    pump_until(p, WARMUP_REQS);
    struct lr_client_counters c = client_counters(p);
    if (rpc == 0 ? c.conns != (uint64_t)conns : c.conns < c.responses)
        die("not every connection was established");
    return p;
}

static void inproc_run(struct lr_bench_state *st, void *ctx)
{
    struct inproc *p = ctx;
    uint64_t done = client_counters(p).responses;
    uint64_t first = done;
    uint64_t it = 0;
    uint64_t t0 = rte_rdtsc();
    while (lr_bench_keep_running(st)) {
        unsigned idle = 0;
        it++;
        while ((done = client_counters(p).responses) < first + it) {
            if (pump(p) == 0 && ++idle > SPIN_LIMIT)
                die("no progress (responses stalled)");
        }
    }
    uint64_t cycles = rte_rdtsc() - t0;
    uint64_t reqs = done - first;
    if (reqs == 0)
        die("no response in the timed region");
    lr_bench_set_items_processed(st, (int64_t)reqs);
    lr_bench_set_counter(st, "cycles_per_req", (double)cycles / (double)reqs);
    lr_bench_set_counter(st, "ns_per_req", (double)cycles * 1e9 / (double)p->hz / (double)reqs);
}

static void inproc_teardown(void *ctx)
{
    struct inproc *p = ctx;
    char msg[256];

    /* Drain: no new request; the ones in flight finish; connections close. */
    lr_test_client(wcfg(p->a))->duration = 0;
    for (unsigned i = 0; lr_client_phase(lr_client_get(p->a)) != LR_CLIENT_PHASE_DONE; i++) {
        if (i > DRAIN_LIMIT)
            die("the client did not finish draining");
        pump(p);
    }
    for (unsigned i = 0; i < 16; i++)
        pump(p); /* the last FIN/ACK exchanges */

    struct lr_client_counters c = client_counters(p);
    struct lr_http_counters h;
    lr_http_counters_get(p->b, &h);
    uint64_t cerr = 0;
    for (unsigned i = 0; i < LR_CLIENT_ERR_MAX; i++)
        cerr += c.errors[i];
    uint64_t drops = lr_stats_total_drops(&p->a->stats) + lr_stats_total_drops(&p->b->stats);
    if (cerr != 0 || c.unfinished != 0 || c.requests != c.responses || c.status[2] != c.responses ||
        h.requests != c.requests || h.responses[2] != c.responses ||
        h.status[LR_HTTP_ST_200] != c.responses || c.body_bytes != c.responses * FILE_BYTES ||
        (p->rpc == 1 && c.conns != c.responses) || drops != 0) {
        snprintf(msg, sizeof(msg),
                 "client: %llu requests %llu responses %llu 2xx %llu errors %llu unfinished; "
                 "server: %llu requests %llu 2xx; drops %llu",
                 (unsigned long long)c.requests, (unsigned long long)c.responses,
                 (unsigned long long)c.status[2], (unsigned long long)cerr,
                 (unsigned long long)c.unfinished, (unsigned long long)h.requests,
                 (unsigned long long)h.responses[2], (unsigned long long)drops);
        die(msg);
    }

    lr_client_shutdown(p->a);
    lr_http_server_shutdown(p->b);
    lr_tcp_shutdown(p->a);
    lr_tcp_shutdown(p->b);
    lr_test_tx_free_all(p->a);
    lr_test_tx_free_all(p->b);
    lr_client_free(p->a);
    lr_http_server_free(p->b);
    lr_tcp_free(p->a);
    lr_tcp_free(p->b);
    lr_test_tx_free_all(p->a);
    lr_test_tx_free_all(p->b);
    unsigned ua = lr_test_pool_in_use(p->a), ub = lr_test_pool_in_use(p->b);
    if (ua != p->base_a || ub != p->base_b) {
        snprintf(msg, sizeof(msg),
                 "mbufs in use at teardown: client %u (%u before), server %u (%u before)", ua,
                 p->base_a, ub, p->base_b);
        die(msg);
    }
    lr_test_worker_free(p->a);
    lr_test_worker_free(p->b);
    lr_file_cache_free(p->fc);
    free(p);
}

static void *inproc_setup_keepalive(int64_t conns)
{
    return inproc_setup(conns, 0);
}

static void *inproc_setup_cps(int64_t conns)
{
    return inproc_setup(conns, 1);
}

LR_BENCH_REGISTER(http_reqresp_inproc, inproc_run, inproc_setup_keepalive, inproc_teardown, 1, 16);
LR_BENCH_REGISTER(http_reqresp_inproc_cps, inproc_run, inproc_setup_cps, inproc_teardown, 1, 16);
