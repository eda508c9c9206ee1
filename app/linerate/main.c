/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * linerate [EAL options] -- [-c FILE] [--check] [--help] [--help-config]
 *
 * Main lcore: options, config, EAL, ports and workers (lr_runtime.h), then
 * the control loop: one stats line per [stats] interval, telemetry, and a
 * graceful stop on SIGINT/SIGTERM with a final summary. Never reads stdin.
 *
 * Exit status: 0 after a clean stop (or a successful --check/--help),
 * 1 when the environment fails (EAL, ports, memory), 2 for usage and
 * configuration errors.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_pdump.h>

#include "lr_client_report.h"
#include "lr_config.h"
#include "lr_crash.h"
#include "lr_runtime.h"
#include "lr_time.h"
#include "stats_print.h"

#define LR_DEFAULT_CONFIG   "/etc/linerate/linerate.conf"
#define LR_READY_TIMEOUT_US (10 * 1000000ULL)
#define LR_MAIN_TICK_US     20000 /* control loop granularity */

static volatile sig_atomic_t lr_quit;

static void on_signal(int sig)
{
    lr_quit = sig;
}

struct lr_opts {
    const char *config;
    bool check;
    bool help;
    bool help_config;
};

static void usage(FILE *f, const char *prog)
{
    fprintf(f,
            "usage: %s [EAL options] -- [-c FILE] [--check] [--help] [--help-config]\n"
            "  -c, --config FILE  configuration file (default " LR_DEFAULT_CONFIG ")\n"
            "      --check        load and validate the configuration, then exit (0 ok, 2 bad)\n"
            "      --help-config  summary of the configuration sections\n"
            "  -h, --help         this help\n"
            "EAL options come first, e.g.: %s -l 0-1 --vdev=net_tap0,iface=lr0 -- -c my.conf\n"
            "(for EAL's own options: %s --help)\n",
            prog, prog, prog);
}

static void help_config(FILE *f)
{
    fprintf(f, "linerate configuration: an INI file, [section] then key = value lines.\n"
               "config/default.conf documents every key with its default.\n\n");
    lr_runtime_config_help(f);
}

/* Parse linerate's own options: the arguments after "--". 0, or 2 on a usage error. */
static int parse_opts(int argc, char **argv, struct lr_opts *o)
{
    static const struct option longopts[] = {
        { "config", required_argument, NULL, 'c' },
        { "check", no_argument, NULL, 'k' },
        { "help", no_argument, NULL, 'h' },
        { "help-config", no_argument, NULL, 'H' },
        { NULL, 0, NULL, 0 },
    };
    int c;

    optind = 1;
    opterr = 1;
    while ((c = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'c':
            o->config = optarg;
            break;
        case 'k':
            o->check = true;
            break;
        case 'h':
            o->help = true;
            break;
        case 'H':
            o->help_config = true;
            break;
        default:
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "linerate: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    return 0;
}

/* Load the configuration named by the options into @cfg. 0 or 2 (message printed). */
static int load_config(const struct lr_opts *o, struct lr_config *cfg)
{
    char err[512] = "";
    const char *path = o->config;

    if (path == NULL) {
        if (access(LR_DEFAULT_CONFIG, F_OK) != 0) {
            fprintf(stderr, "linerate: no config file (-c FILE; default " LR_DEFAULT_CONFIG
                            " does not exist)\n");
            return 2;
        }
        path = LR_DEFAULT_CONFIG;
    }
    int rc = lr_runtime_config_load(cfg, path, err, sizeof(err));
    /* A missing root, users file or upload directory is a configuration
     * error too (exit 2, same form), for --check and a start alike. */
    if (rc == 0)
        rc = lr_config_check_paths(cfg, err, sizeof(err));
    if (rc != 0) {
        fprintf(stderr, "linerate: %s\n", err[0] ? err : "cannot load the configuration");
        return 2;
    }
    return 0;
}

/* Wait (bounded) until every worker went through its loop once. */
static bool wait_workers_running(const struct lr_runtime *rt)
{
    uint64_t deadline = lr_time_now_us() + LR_READY_TIMEOUT_US;

    for (;;) {
        bool all = true;
        for (uint16_t i = 0; i < rt->nb_workers; i++)
            if (__atomic_load_n(&rt->workers[i]->stats.loops, __ATOMIC_RELAXED) == 0)
                all = false;
        if (all)
            return true;
        if (lr_quit || lr_time_now_us() > deadline)
            return false;
        rte_delay_us_sleep(1000);
    }
}

static int run(const struct lr_config *cfg)
{
    static struct lr_runtime rt; /* large; one per process */
    struct lr_stats_print_prev prev;
    char err[512] = "";
    bool pdump = false;
    int status = 0;

    lr_time_init();
    int rc = lr_runtime_check(cfg, err, sizeof(err));
    if (rc != 0) {
        fprintf(stderr, "linerate: %s\n", err);
        return 2;
    }
    rc = lr_runtime_init(&rt, cfg, err, sizeof(err));
    if (rc != 0) {
        fprintf(stderr, "linerate: %s\n", err);
        lr_runtime_destroy(&rt);
        return 1;
    }
    if (cfg->stats.pdump) {
        /* Needs the multi-process channel (no --in-memory / --no-shconf). */
        if (rte_pdump_init() == 0)
            pdump = true;
        else
            fprintf(stderr, "linerate: warning: packet capture unavailable: %s\n",
                    rte_strerror(rte_errno));
    }
    lr_crash_workers(rt.workers, rt.nb_workers);
    rc = lr_runtime_telemetry_init(&rt);
    if (rc != 0)
        fprintf(stderr, "linerate: warning: telemetry commands unavailable: %s\n",
                rte_strerror(-rc));

    rc = lr_runtime_launch(&rt);
    if (rc != 0) {
        fprintf(stderr, "linerate: cannot launch the workers: %s\n", rte_strerror(-rc));
        status = 1;
    } else if (!wait_workers_running(&rt)) {
        if (!lr_quit) {
            fprintf(stderr, "linerate: workers did not start within %llu s\n",
                    LR_READY_TIMEOUT_US / 1000000ULL);
            status = 1;
        }
    } else {
        for (uint16_t p = 0; p < rt.nb_ports; p++) {
            const struct lr_port *pt = &rt.ports[p];
            const uint8_t *a = (const uint8_t *)&pt->addr;
            printf("linerate: port%u mac " RTE_ETHER_ADDR_PRT_FMT " addr %u.%u.%u.%u mtu %u%s\n", p,
                   RTE_ETHER_ADDR_BYTES(&pt->mac), a[0], a[1], a[2], a[3], pt->mtu,
                   pt->rss ? " rss" : "");
        }
        printf("linerate: %u worker(s), %u port(s)\n", rt.nb_workers, rt.nb_ports);
        printf("linerate: ready\n");
        lr_stats_print_begin(&rt, &prev, lr_time_now_us());
        while (!lr_quit) {
            rte_delay_us_sleep(LR_MAIN_TICK_US);
            uint64_t now = lr_time_now_us();
            lr_runtime_tick(&rt, now);
            if (cfg->stats.interval != 0 && now - prev.t_us >= cfg->stats.interval)
                lr_stats_print_line(stdout, &rt, &prev, now);
            if (lr_client_main_tick(&rt.view, now, stdout))
                break; /* client mode: every worker finished its run */
        }
    }

    if (lr_quit)
        printf("linerate: stopping (%s)\n", lr_quit == SIGINT ? "SIGINT" : "SIGTERM");
    lr_runtime_stop(&rt);
    if (lr_client_main_end(&rt.view, lr_time_now_us(), stdout) != 0)
        status = 1;
    lr_stats_print_summary(stdout, &rt, lr_time_now_us());
    lr_runtime_telemetry_fini();
    if (pdump)
        rte_pdump_uninit();
    lr_runtime_destroy(&rt);
    if (status == 0)
        printf("linerate: stopped\n");
    return status;
}

int main(int argc, char **argv)
{
    struct lr_opts opts = { 0 };
    struct sigaction sa;
    int sep = -1, rc;

    /* The fatal-signal handler re-executes this binary to symbolise the
     * crashed process's stack (lr_crash.h). */
    if (argc >= 2 && strcmp(argv[1], "--lr-symbolize") == 0)
        return lr_crash_symbolize_main(argc, argv);
    setvbuf(stdout, NULL, _IOLBF, 0); /* stdout may be a pipe: one line at a time */
    /* Our options follow "--"; everything before belongs to EAL. */
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            sep = i;
            break;
        }
    }
    if (sep >= 0) {
        char *saved = argv[sep];
        argv[sep] = argv[0]; /* getopt wants a program name first */
        rc = parse_opts(argc - sep, argv + sep, &opts);
        argv[sep] = saved;
        if (rc != 0) {
            usage(stderr, argv[0]);
            return 2;
        }
    }
    /* Help and --check need no DPDK environment: answer before EAL init. */
    if (opts.help) {
        usage(stdout, argv[0]);
        return 0;
    }
    if (opts.help_config) {
        help_config(stdout);
        return 0;
    }

    struct lr_config *cfg = calloc(1, sizeof(*cfg));
    if (cfg == NULL) {
        fprintf(stderr, "linerate: out of memory\n");
        return 1;
    }
    rc = load_config(&opts, cfg);
    if (rc != 0 || opts.check) {
        if (rc == 0)
            printf("linerate: %s: configuration ok\n", cfg->path[0] ? cfg->path : "config");
        free(cfg);
        return rc;
    }

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN); /* a closed stdout pipe must not kill us before cleanup */
    lr_crash_init();          /* fatal-signal report with symbolised frames */

    rc = rte_eal_init(argc, argv);
    if (rc < 0) {
        fprintf(stderr, "linerate: EAL initialisation failed: %s\n", rte_strerror(rte_errno));
        free(cfg);
        return 1;
    }
    int status = run(cfg);
    rte_eal_cleanup();
    free(cfg);
    return status;
}
