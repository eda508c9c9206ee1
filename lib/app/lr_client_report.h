/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Client mode on the main lcore: per-second stats line, end detection,
 * final JSON report and the /linerate/client telemetry command.
 *
 * Hooks in the application's main loop (all no-ops unless [client]):
 *   each main-loop tick:   if (lr_client_main_tick(&rt, now, stdout)) break;
 *   after lr_runtime_stop: status |= lr_client_main_end(&rt, now, stdout) ? 1 : 0;
 *
 * Per-second line (counts are for the last interval, active is a gauge):
 *   client: t=Ns conns/s=.. req/s=.. 2xx=.. 3xx=.. 4xx=.. 5xx=.. active=..
 *           Gbps=.. retrans=.. errors=..
 * Gbps counts the HTTP bytes received (heads, bodies, chunk framing).
 * With [client] tls = yes a second line follows, the handshakes of the
 * interval and the failed ones so far:
 *   client: tls hs_full/s=.. hs_resumed/s=.. hs_failed=..
 */
#ifndef LR_CLIENT_REPORT_H
#define LR_CLIENT_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "lr_http_client.h"
#include "lr_latency.h"
#include "lr_module.h"

/* Rows of latency_distribution in the JSON report (5 per half: ~100 used). */
#define LR_CLIENT_DIST_TICKS 400

/* Everything the report is made of, summed over workers. */
struct lr_client_totals {
    unsigned nb_clients;  /* workers with a client (0: client mode off) */
    unsigned nb_done;     /* of which have finished */
    uint64_t elapsed_us;  /* longest run time of a worker */
    uint64_t retransmits; /* TCP segments retransmitted (all workers) */
    uint64_t busy_cycles; /* busy TSC cycles of the client workers (lr_stats.h) */
    struct lr_client_counters cnt;
    struct lr_latency lat;
    struct lr_latency hs_lat; /* TLS handshakes (with @with_latency) */
};

/**
 * Sum the client counters (and latency histograms when @with_latency) of
 * every worker of @rt into @out (zeroed first). Main lcore or telemetry
 * thread; the workers may be running (a racy but untorn snapshot).
 */
void lr_client_totals_get(const struct lr_worker_set *rt, uint64_t now, bool with_latency,
                          struct lr_client_totals *out);

/**
 * Main-loop hook: once per second print the client line on @out; register
 * /linerate/client on the first call. Returns true once every worker's
 * client is DONE (the process should stop). Always false without [client].
 */
bool lr_client_main_tick(const struct lr_worker_set *rt, uint64_t now, FILE *out);

/**
 * After the workers stopped: print a summary line on @out and write the
 * JSON report to [client] report (when set). 0, or -errno when the report
 * could not be written (a message is printed on stderr). No-op without
 * [client].
 */
int lr_client_main_end(const struct lr_worker_set *rt, uint64_t now, FILE *out);

/** Most per-second samples in a report's timeline (a day). */
#define LR_CLIENT_TIMELINE_MAX 86400u

/* One second of a run (the report's timeline): counts over dt_us. */
struct lr_client_sample {
    uint64_t t_us;  /* end of the interval, from the run's start */
    uint64_t dt_us; /* its length (about a second) */
    uint64_t conns, requests, responses, errors, rx_bytes, retransmits;
    uint64_t active, backlog;        /* gauges at its end */
    uint64_t p50_us, p99_us, max_us; /* latency of the responses within it */
};

/* Where and how a run ran (the report's run object), and its timeline. */
struct lr_client_run {
    char start[32], end[32]; /* UTC ISO 8601, "" = unknown */
    char hostname[256];
    char kernel[512];    /* uname: sysname release machine */
    char cpu_model[256]; /* /proc/cpuinfo "model name", "unknown" */
    unsigned cpus;       /* online CPUs */
    char argv[4096];     /* the command line, NUL-separated */
    size_t argv_len;
    bool argv_truncated;
    char config_path[LR_PATH_MAX];
    uint16_t nb_workers;
    const struct lr_client_sample *timeline; /* NULL = none */
    size_t nb_samples;
    uint64_t samples_dropped; /* seconds past LR_CLIENT_TIMELINE_MAX, not kept */
};

/**
 * Fill @run: wall-clock @start and @end (0 = unknown), hostname, kernel, CPU
 * model and count, this process's command line (/proc/self/cmdline), the
 * configuration file @config_path and @nb_workers.
 */
void lr_client_run_info(struct lr_client_run *run, time_t start, time_t end,
                        const char *config_path, uint16_t nb_workers);

/**
 * Write the JSON report of @t for configuration @cfg to @f:
 * requests_per_sec, connections_per_sec, gbps, latency_us {p50 p90 p99 p999
 * p9999 max min mean samples overflow}, latency_distribution [{percentile,
 * value_us, count}] (lr_latency_distribution, 5 ticks per half), errors {name: n}, responses {1xx..5xx}, requests,
 * responses_total, connections, unfinished, rx_bytes, body_bytes,
 * duration_s, workers, config {every [client] key with its effective value,
 * times as name_s in seconds}, run {version, commit, start, end, hostname,
 * kernel, cpu_model, cpus, argv, argv_truncated, config_file, workers} and
 * timeline [{t_s, dt_s, conns_per_s, requests_per_s, responses_per_s,
 * errors, gbps, retransmits, active, backlog, p50_us, p99_us, max_us}] with
 * timeline_dropped (when @run is not NULL), report_version; with tls = yes also tls {handshakes,
 * full, resumed, full_per_sec, resumed_per_sec, handshake_latency_us {as
 * latency_us, measured from the TCP connect to the handshake's end},
 * failed {reason: n}, failed_total, versions {tls1_2, tls1_3, other},
 * ciphers {name: n}, resume {...}}.
 */
void lr_client_report_json(FILE *f, const struct lr_client_config *cfg,
                           const struct lr_client_totals *t, uint16_t nb_workers,
                           const struct lr_client_run *run);

/** Name of a lr_tls_version_slot in the report ("tls1_2", "tls1_3", "other"). */
const char *lr_client_tls_version_name(unsigned slot);

/** Name of a lr_tls_cipher slot in the report (LR_TLS_CIPHERS names, "other"). */
const char *lr_client_tls_cipher_name(unsigned slot);

/** Register /linerate/client (totals and latency percentiles). 0 or -errno. */
int lr_client_telemetry_register(void);

/** The "client" module (lr_module.h): the load generator, /linerate/client. */
extern const struct lr_module lr_client_module;

#endif /* LR_CLIENT_REPORT_H */
