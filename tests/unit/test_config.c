/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Config loader tests: value parsers, defaults, a complete file, every
 * error kind with its exact message, units, path resolution, and
 * config/default.conf (path given as argv[1]) loading and documenting every
 * key of the table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "lr_config.h"
#include "lr_runtime.h"
#include "lr_test.h"

static const char *default_conf_path;
static struct lr_config cfg;
static char err[512];

#define IP(a, b, c, d) rte_cpu_to_be_32(((uint32_t)(a) << 24) | ((b) << 16) | ((c) << 8) | (d))

/* ---- parsers ---- */

static void parse_size(void **state)
{
    (void)state;
    uint64_t v;
    assert_int_equal(lr_parse_size("0", &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(lr_parse_size("64k", &v), 0);
    assert_int_equal(v, 65536);
    assert_int_equal(lr_parse_size("64K", &v), 0);
    assert_int_equal(v, 65536);
    assert_int_equal(lr_parse_size("3m", &v), 0);
    assert_int_equal(v, 3u << 20);
    assert_int_equal(lr_parse_size("2G", &v), 0);
    assert_int_equal(v, 2ull << 30);
    assert_int_equal(lr_parse_size("18446744073709551615", &v), 0);
    assert_true(v == UINT64_MAX);
    assert_int_equal(lr_parse_size("17179869183g", &v), 0); /* (2^64 - 1) >> 30 */
    assert_int_equal(lr_parse_size("17179869184g", &v), -EINVAL);
    assert_int_equal(lr_parse_size("18446744073709551616", &v), -EINVAL);
    assert_int_equal(lr_parse_size("", &v), -EINVAL);
    assert_int_equal(lr_parse_size("-1", &v), -EINVAL);
    assert_int_equal(lr_parse_size("+1", &v), -EINVAL);
    assert_int_equal(lr_parse_size(" 1", &v), -EINVAL);
    assert_int_equal(lr_parse_size("1 ", &v), -EINVAL);
    assert_int_equal(lr_parse_size("1kb", &v), -EINVAL);
    assert_int_equal(lr_parse_size("1t", &v), -EINVAL);
    assert_int_equal(lr_parse_size("k", &v), -EINVAL);
    assert_int_equal(lr_parse_size("1.5k", &v), -EINVAL);
    assert_int_equal(lr_parse_size(NULL, &v), -EINVAL);
}

static void parse_time(void **state)
{
    (void)state;
    uint64_t v;
    assert_int_equal(lr_parse_time_us("500ms", &v), 0);
    assert_int_equal(v, 500000);
    assert_int_equal(lr_parse_time_us("2", &v), 0);
    assert_int_equal(v, 2000000);
    assert_int_equal(lr_parse_time_us("0", &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(lr_parse_time_us("7us", &v), 0);
    assert_int_equal(v, 7);
    assert_int_equal(lr_parse_time_us("3s", &v), 0);
    assert_int_equal(v, 3000000);
    assert_int_equal(lr_parse_time_us("2m", &v), 0);
    assert_int_equal(v, 120000000);
    assert_int_equal(lr_parse_time_us("30h", &v), 0);
    assert_int_equal(v, 30ull * 3600 * 1000000);
    assert_int_equal(lr_parse_time_us("10MS", &v), 0);
    assert_int_equal(v, 10000);
    assert_int_equal(lr_parse_time_us("18446744073709551615us", &v), 0);
    assert_true(v == UINT64_MAX);
    assert_int_equal(lr_parse_time_us("18446744073709551615s", &v), -EINVAL); /* overflow */
    assert_int_equal(lr_parse_time_us("99999999999999999999", &v), -EINVAL);
    assert_int_equal(lr_parse_time_us("", &v), -EINVAL);
    assert_int_equal(lr_parse_time_us("-1s", &v), -EINVAL);
    assert_int_equal(lr_parse_time_us("1sec", &v), -EINVAL);
    assert_int_equal(lr_parse_time_us("1 s", &v), -EINVAL);
    assert_int_equal(lr_parse_time_us("1.5s", &v), -EINVAL);
    assert_int_equal(lr_parse_time_us("ms", &v), -EINVAL);
    assert_int_equal(lr_parse_time_us("1d", &v), -EINVAL);
}

static void parse_bool(void **state)
{
    (void)state;
    const char *t[] = { "yes", "true", "on", "1", "YES", "True" };
    const char *f[] = { "no", "false", "off", "0", "NO", "Off" };
    const char *bad[] = { "", "2", "y", "n", "yess", "enable", " yes" };
    bool b;
    for (unsigned i = 0; i < 6; i++) {
        b = false;
        assert_int_equal(lr_parse_bool(t[i], &b), 0);
        assert_true(b);
        b = true;
        assert_int_equal(lr_parse_bool(f[i], &b), 0);
        assert_false(b);
    }
    for (unsigned i = 0; i < 7; i++)
        assert_int_equal(lr_parse_bool(bad[i], &b), -EINVAL);
}

static void parse_ipv4(void **state)
{
    (void)state;
    rte_be32_t a;
    uint8_t p;
    assert_int_equal(lr_parse_ipv4("198.18.0.2", &a), 0);
    assert_int_equal(a, IP(198, 18, 0, 2));
    assert_int_equal(lr_parse_ipv4("0.0.0.0", &a), 0);
    assert_int_equal(a, 0);
    assert_int_equal(lr_parse_ipv4("255.255.255.255", &a), 0);
    assert_int_equal(a, 0xffffffff);
    const char *bad[] = { "",          "1.2.3",      "1.2.3.4.5", "256.1.1.1", "1.2.3.-4",
                          "01.2.3.4",  "1.2.3.4 ",   " 1.2.3.4",  "1..3.4",    "1.2.3.4x",
                          "0x1.2.3.4", "1234.1.1.1", "1.2.3." };
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(lr_parse_ipv4(bad[i], &a), -EINVAL);

    assert_int_equal(lr_parse_ipv4_prefix("198.18.0.2/24", &a, &p), 0);
    assert_int_equal(a, IP(198, 18, 0, 2));
    assert_int_equal(p, 24);
    assert_int_equal(lr_parse_ipv4_prefix("198.19.0.1/0", &a, &p), 0);
    assert_int_equal(p, 0);
    assert_int_equal(lr_parse_ipv4_prefix("198.19.0.1/32", &a, &p), 0);
    assert_int_equal(p, 32);
    const char *badp[] = { "198.19.0.1",
                           "198.19.0.1/",
                           "198.19.0.1/33",
                           "198.19.0.1/024",
                           "198.19.0.1/-1",
                           "198.19.0.1/24x",
                           "/24",
                           "198.19.0/24",
                           "198.19.0.1/99999999999999999999" };
    for (unsigned i = 0; i < sizeof(badp) / sizeof(badp[0]); i++)
        assert_int_equal(lr_parse_ipv4_prefix(badp[i], &a, &p), -EINVAL);
}

/* lr_parse_ipv4_prefix_list ([metrics] allow) and lr_ipv4_prefix_match. */
static void parse_prefix_list(void **state)
{
    (void)state;
    struct lr_ipv4_prefix pf[4];
    char why[128];
    unsigned n = 99;

    assert_int_equal(lr_parse_ipv4_prefix_list("", pf, 4, &n, why, sizeof(why)), 0);
    assert_int_equal(n, 0);
    n = 99;
    assert_int_equal(lr_parse_ipv4_prefix_list("  ", pf, 4, &n, why, sizeof(why)), 0);
    assert_int_equal(n, 0);
    assert_false(lr_ipv4_prefix_match(pf, 0, IP(198, 18, 0, 1))); /* empty: nothing matches */

    assert_int_equal(lr_parse_ipv4_prefix_list("198.18.0.0/24, 198.19.7.7 ,198.19.128.0/17", pf, 4,
                                               &n, why, sizeof(why)),
                     0);
    assert_int_equal(n, 3);
    assert_int_equal(pf[0].addr, IP(198, 18, 0, 0));
    assert_int_equal(pf[0].len, 24);
    assert_int_equal(pf[1].addr, IP(198, 19, 7, 7));
    assert_int_equal(pf[1].len, 32); /* a bare address is a /32 */
    assert_int_equal(pf[2].len, 17);
    assert_true(lr_ipv4_prefix_match(pf, n, IP(198, 18, 0, 0)));
    assert_true(lr_ipv4_prefix_match(pf, n, IP(198, 18, 0, 255)));
    assert_false(lr_ipv4_prefix_match(pf, n, IP(198, 18, 1, 0)));
    assert_true(lr_ipv4_prefix_match(pf, n, IP(198, 19, 7, 7)));
    assert_false(lr_ipv4_prefix_match(pf, n, IP(198, 19, 7, 8)));
    assert_true(lr_ipv4_prefix_match(pf, n, IP(198, 19, 255, 255)));
    assert_false(lr_ipv4_prefix_match(pf, n, IP(198, 20, 0, 0)));

    /* /0 matches everything (the shift by 32 is not taken). */
    assert_int_equal(lr_parse_ipv4_prefix_list("0.0.0.0/0", pf, 4, &n, why, sizeof(why)), 0);
    assert_int_equal(n, 1);
    assert_true(lr_ipv4_prefix_match(pf, n, IP(255, 255, 255, 255)));
    assert_true(lr_ipv4_prefix_match(pf, n, 0));

    /* Exactly @max entries fit; one more is refused. */
    assert_int_equal(lr_parse_ipv4_prefix_list("1.0.0.0/8,2.0.0.0/8,3.0.0.0/8,4.0.0.0/8", pf, 4, &n,
                                               why, sizeof(why)),
                     0);
    assert_int_equal(n, 4);

    static const struct {
        const char *in, *why;
    } bad[] = {
        { "1.0.0.0/8,2.0.0.0/8,3.0.0.0/8,4.0.0.0/8,5.0.0.0/8", "more than 4 prefixes" },
        { "198.18.0.1/24", "'198.18.0.1/24' has host bits set (the network is 198.18.0.0/24)" },
        { "198.18.0.0/24,198.18.0.0/24", "'198.18.0.0/24' appears twice" },
        { "198.18.0.0/24,,198.19.128.0/17", "entry 2 is empty" },
        { "198.18.0.0/24,", "entry 2 is empty" },
        { ",198.18.0.0/24", "entry 1 is empty" },
        { "198.18.0.0/33",
          "'198.18.0.0/33' is not an IPv4 prefix (a.b.c.d/n, or an address for /32)" },
        { "example.com", "'example.com' is not an IPv4 prefix (a.b.c.d/n, or an address for /32)" },
        { "198.18.0.0/24 198.19.128.0/17", "'198.18.0.0/24 198.19.128.0/17' is not an IPv4 prefix "
                                           "(a.b.c.d/n, or an address for /32)" },
        { "198.18.0.0/2400000000000000000000000000000000000000000000000000000000000000",
          "entry 1 is too long" },
    };
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        why[0] = '\0';
        assert_int_equal(lr_parse_ipv4_prefix_list(bad[i].in, pf, 4, &n, why, sizeof(why)),
                         -EINVAL);
        assert_string_equal(why, bad[i].why);
    }
    assert_int_equal(lr_parse_ipv4_prefix_list(NULL, pf, 4, &n, why, sizeof(why)), -EINVAL);
}

static void parse_percent(void **state)
{
    (void)state;
    double d;
    assert_int_equal(lr_parse_percent("2.5", &d), 0);
    assert_true(d == 2.5);
    assert_int_equal(lr_parse_percent("2.5%", &d), 0);
    assert_true(d == 2.5);
    assert_int_equal(lr_parse_percent("0", &d), 0);
    assert_true(d == 0);
    assert_int_equal(lr_parse_percent("100", &d), 0);
    assert_true(d == 100);
    assert_int_equal(lr_parse_percent("100.0%", &d), 0);
    assert_int_equal(lr_parse_percent("0.001", &d), 0);
    assert_true(d > 0.0009 && d < 0.0011);
    const char *bad[] = { "",   "-1",  "100.1", "101", "1e2",  "nan", "inf", ".5",
                          "5.", "5%%", "5 %",   "%",   "1000", "abc", "2.5x" };
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(lr_parse_percent(bad[i], &d), -EINVAL);
}

/* ---- loading ---- */

static int load(const char *text)
{
    memset(err, 0, sizeof(err));
    /* The runtime's loader: the engine plus the modules' port claims. */
    return lr_runtime_config_load_string(&cfg, text, "/etc/lr/t.conf", err, sizeof(err));
}

#define PORT0 "[port0]\naddr = 198.18.0.2/24\n"

static void expect_error(const char *text, const char *msg)
{
    assert_int_equal(load(text), -EINVAL);
    assert_string_equal(err, msg);
}

static void defaults(void **state)
{
    (void)state;
    char cwd[512];
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    lr_runtime_config_defaults(&cfg);
    assert_int_equal(cfg.nb_ports, 0);
    assert_false(cfg.port[0].present);
    assert_int_equal(cfg.port[0].mtu, 1500);
    assert_int_equal(cfg.port[7].mtu, 1500);
    assert_int_equal(cfg.worker.burst, 32);
    assert_int_equal(cfg.worker.mbufs, 16384);
    assert_int_equal(cfg.worker.tx_flush, 100);
    assert_int_equal(cfg.arp.timeout, 300000000);
    assert_true(cfg.arp.gratuitous);
    assert_int_equal(cfg.ip.ttl, 64);
    assert_int_equal(cfg.ip.frag_timeout, 30000000);
    assert_int_equal(cfg.fault.seed, 1);
    assert_true(cfg.fault.drop == 0);
    assert_int_equal(cfg.stats.interval, 1000000);
    assert_int_equal(cfg.tcp.max_conns, 65536);
    assert_int_equal(cfg.tcp.time_wait, 60000000);
    assert_int_equal(cfg.tcp.rto_min, 200000);
    assert_int_equal(cfg.tcp.delayed_ack, 40000);
    assert_int_equal(cfg.tcp.rcvbuf, 262144);
    assert_int_equal(cfg.tcp.wscale, 7);
    assert_int_equal(cfg.tcp.cc, LR_CC_NEWRENO);
    assert_true(cfg.tcp.sack && cfg.tcp.timestamps && cfg.tcp.syncookies && cfg.tcp.nagle);
    assert_int_equal(cfg.tcp.l4_port, 0); /* the l4 service is off */
    assert_int_equal(cfg.udp.l4_port, 0);
    assert_int_equal(lr_test_http(&cfg)->nb_listen, 1);
    assert_int_equal(lr_test_http(&cfg)->listen[0], 80);
    char want[600];
    snprintf(want, sizeof(want), "%s/www", strcmp(cwd, "/") == 0 ? "" : cwd);
    assert_string_equal(lr_test_http(&cfg)->root, want);
    assert_string_equal(lr_test_ftp(&cfg)->root, want);
    assert_string_equal(lr_test_tftp(&cfg)->root, want);
    assert_string_equal(lr_test_http(&cfg)->index, "index.html");
    assert_string_equal(lr_test_http(&cfg)->server_name, "linerate");
    assert_int_equal(lr_test_http(&cfg)->cache_bytes, 256ull << 20);
    assert_true(lr_test_ftp(&cfg)->enabled && lr_test_ftp(&cfg)->anonymous &&
                !lr_test_ftp(&cfg)->active_from_port_20);
    assert_int_equal(lr_test_ftp(&cfg)->listen, 21);
    assert_int_equal(lr_test_ftp(&cfg)->pasv_min, 50000);
    assert_int_equal(lr_test_ftp(&cfg)->pasv_max, 50999);
    assert_string_equal(lr_test_ftp(&cfg)->upload_dir, "");
    assert_int_equal(lr_test_tftp(&cfg)->listen, 0);
    assert_int_equal(lr_test_tftp(&cfg)->timeout, 1000000);
    assert_false(lr_test_client(&cfg)->enabled);
    assert_int_equal(lr_test_client(&cfg)->nb_paths, 1);
    assert_string_equal(lr_test_client(&cfg)->paths[0], "/");
    assert_int_equal(lr_test_client(&cfg)->connections, 64);
    assert_int_equal(lr_test_client(&cfg)->duration, 10000000);
}

static const char full_conf[] =
    "# every section\n"
    "[port0]\n"
    "addr = 198.18.0.2/24   # inline comment\n"
    "gateway = 198.18.0.1\n"
    "mtu = 9000\n"
    "arp = 198.18.0.9 02:00:00:00:00:09, 198.18.0.10 02:00:00:00:00:0a\n"
    "[port1]\n"
    "addr = 198.19.1.2/16\n"
    "[worker]\n"
    "burst = 64\n"
    "mbufs = 32768\n"
    "mbuf_cache = 0\n"
    "tx_flush = 50us\n"
    "ring_size = 4096\n"
    "[arp]\n"
    "timeout = 10m\n"
    "retry = 2s\n"
    "gratuitous = off\n"
    "[ip]\n"
    "ttl = 255\n"
    "icmp_rate = 0\n"
    "[fault]\n"
    "seed = 18446744073709551615\n"
    "drop = 2.5%\n"
    "duplicate = 1\n"
    "reorder = 0.5\n"
    "corrupt = 100\n"
    "[stats]\n"
    "interval = 0\n"
    "telemetry = no\n"
    "[tcp]\n"
    "max_conns = 1000\n"
    "time_wait = 2s\n"
    "rto_min = 1s\n"
    "rto_initial = 3s\n"
    "rto_max = 120\n"
    "delayed_ack = 500ms\n"
    "wscale = 14\n"
    "rcvbuf = 1M\n"
    "sndbuf = 64k\n"
    "cc = cubic\n"
    "sack = false\n"
    "echo_port = 7\n"
    "discard_port = 9\n"
    "l4_port = 5001\n"
    "keepalive = 2h\n"
    "[http]\n"
    "listen = 80, 8080 ,443\n"
    "root = ../site/./html/\n"
    "index = home.htm\n"
    "server_name = test server\n"
    "max_header_bytes = 16k\n"
    "cache_bytes = 1g\n"
    "[ftp]\n"
    "listen = 2121\n"
    "root = /srv/ftp\n"
    "upload_dir = incoming/new\n"
    "pasv_ports = 40000-40009\n"
    "pasv_address = 198.18.0.2\n"
    "anonymous = no\n"
    "users = users.txt\n"
    "max_upload_bytes = 0\n"
    "[udp]\n"
    "echo_port = 7\n"
    "l4_port = 5001\n"
    "[tftp]\n"
    "listen = 69\n"
    "timeout = 255s\n"
    "[client]\n"
    "target = 198.18.0.1:80, 198.18.0.3:8080\n"
    "path = /a, /b/c.html\n"
    "host = example.test\n"
    "connections = 10\n"
    "requests_per_conn = 1\n"
    "rate = 5000\n"
    "duration = 30s\n"
    "source_addrs = 198.18.0.100-198.18.0.199\n"
    "report = out/report.json\n";

static void full_file(void **state)
{
    (void)state;
    assert_int_equal(load(full_conf), 0);
    assert_string_equal(err, "");
    assert_string_equal(cfg.path, "/etc/lr/t.conf");
    assert_int_equal(cfg.nb_ports, 2);
    assert_true(cfg.port[0].present && cfg.port[1].present && !cfg.port[2].present);
    assert_int_equal(cfg.port[0].addr, IP(198, 18, 0, 2));
    assert_int_equal(cfg.port[0].prefix, 24);
    assert_int_equal(cfg.port[0].gateway, IP(198, 18, 0, 1));
    assert_int_equal(cfg.port[0].mtu, 9000);
    assert_int_equal(cfg.port[0].nb_static_arp, 2);
    assert_int_equal(cfg.port[0].static_arp[1].ip, IP(198, 18, 0, 10));
    assert_int_equal(cfg.port[0].static_arp[1].mac.addr_bytes[5], 0x0a);
    assert_int_equal(cfg.port[1].addr, IP(198, 19, 1, 2));
    assert_int_equal(cfg.port[1].prefix, 16);
    assert_int_equal(cfg.port[1].mtu, 1500);
    assert_int_equal(cfg.worker.burst, 64);
    assert_int_equal(cfg.worker.mbuf_cache, 0);
    assert_int_equal(cfg.worker.tx_flush, 50);
    assert_int_equal(cfg.worker.ring_size, 4096);
    assert_int_equal(cfg.arp.timeout, 600000000);
    assert_int_equal(cfg.arp.retry, 2000000);
    assert_false(cfg.arp.gratuitous);
    assert_int_equal(cfg.ip.ttl, 255);
    assert_int_equal(cfg.ip.icmp_rate, 0);
    assert_true(cfg.fault.seed == UINT64_MAX);
    assert_true(cfg.fault.drop == 2.5 && cfg.fault.duplicate == 1);
    assert_true(cfg.fault.reorder == 0.5 && cfg.fault.corrupt == 100);
    assert_int_equal(cfg.stats.interval, 0);
    assert_false(cfg.stats.telemetry);
    assert_true(cfg.stats.pdump);
    assert_int_equal(cfg.tcp.max_conns, 1000);
    assert_int_equal(cfg.tcp.time_wait, 2000000);
    assert_int_equal(cfg.tcp.rto_max, 120000000);
    assert_int_equal(cfg.tcp.delayed_ack, 500000);
    assert_int_equal(cfg.tcp.wscale, 14);
    assert_int_equal(cfg.tcp.rcvbuf, 1 << 20);
    assert_int_equal(cfg.tcp.sndbuf, 65536);
    assert_int_equal(cfg.tcp.cc, LR_CC_CUBIC);
    assert_false(cfg.tcp.sack);
    assert_int_equal(cfg.tcp.echo_port, 7);
    assert_int_equal(cfg.tcp.l4_port, 5001);
    assert_int_equal(cfg.tcp.keepalive, 7200000000ull);
    assert_int_equal(lr_test_http(&cfg)->nb_listen, 3);
    assert_int_equal(lr_test_http(&cfg)->listen[1], 8080);
    assert_int_equal(lr_test_http(&cfg)->listen[2], 443);
    assert_string_equal(lr_test_http(&cfg)->root, "/etc/site/html");
    assert_string_equal(lr_test_http(&cfg)->index, "home.htm");
    assert_string_equal(lr_test_http(&cfg)->server_name, "test server");
    assert_int_equal(lr_test_http(&cfg)->cache_bytes, 1ull << 30);
    assert_int_equal(lr_test_ftp(&cfg)->listen, 2121);
    assert_string_equal(lr_test_ftp(&cfg)->root, "/srv/ftp");
    assert_string_equal(lr_test_ftp(&cfg)->upload_dir, "incoming/new");
    assert_int_equal(lr_test_ftp(&cfg)->pasv_min, 40000);
    assert_int_equal(lr_test_ftp(&cfg)->pasv_max, 40009);
    assert_int_equal(lr_test_ftp(&cfg)->pasv_address, IP(198, 18, 0, 2));
    assert_false(lr_test_ftp(&cfg)->anonymous);
    assert_string_equal(lr_test_ftp(&cfg)->users, "/etc/lr/users.txt");
    assert_int_equal(lr_test_ftp(&cfg)->max_upload_bytes, 0);
    assert_int_equal(cfg.udp.echo_port, 7);
    assert_int_equal(cfg.udp.l4_port, 5001);
    assert_int_equal(lr_test_tftp(&cfg)->listen, 69);
    assert_string_equal(lr_test_tftp(&cfg)->root, "/etc/site/html"); /* the HTTP root */
    assert_true(lr_test_client(&cfg)->enabled);
    assert_int_equal(lr_test_client(&cfg)->nb_targets, 2);
    assert_int_equal(lr_test_client(&cfg)->targets[1].ip, IP(198, 18, 0, 3));
    assert_int_equal(lr_test_client(&cfg)->targets[1].port, 8080);
    assert_int_equal(lr_test_client(&cfg)->nb_paths, 2);
    assert_string_equal(lr_test_client(&cfg)->paths[1], "/b/c.html");
    assert_string_equal(lr_test_client(&cfg)->host, "example.test");
    assert_int_equal(lr_test_client(&cfg)->requests_per_conn, 1);
    assert_int_equal(lr_test_client(&cfg)->rate, 5000);
    assert_int_equal(lr_test_client(&cfg)->source_first, IP(198, 18, 0, 100));
    assert_int_equal(lr_test_client(&cfg)->source_last, IP(198, 18, 0, 199));
    assert_string_equal(lr_test_client(&cfg)->report, "/etc/lr/out/report.json");
}

static void minimal_and_edges(void **state)
{
    (void)state;
    assert_int_equal(load(PORT0), 0);
    assert_int_equal(cfg.nb_ports, 1);
    assert_false(lr_test_client(&cfg)->enabled);
    /* Bounds are inclusive; 0 where allowed; empty values where allowed. */
    assert_int_equal(load(PORT0 "[tcp]\nwscale = 0\ndelayed_ack = 0\nsyn_retries = 0\n"
                                "[port0]x\n"),
                     -EINVAL);
    assert_int_equal(load(PORT0 "mtu = 576\ngateway =\narp =\n[tcp]\nwscale = 0\n"
                                "delayed_ack = 0\n[http]\nlisten = 65535\n"),
                     0);
    assert_int_equal(cfg.port[0].mtu, 576);
    assert_int_equal(cfg.port[0].gateway, 0);
    assert_int_equal(cfg.tcp.wscale, 0);
    assert_int_equal(lr_test_http(&cfg)->listen[0], 65535);
    /* Same-line whitespace, CRLF line ends, no final newline. */
    assert_int_equal(load("  [port0]  \r\n\taddr\t=\t198.18.0.2/24\r\n[tcp]\r\nmax_conns=5"), 0);
    assert_int_equal(cfg.tcp.max_conns, 5);
    /* An empty section is fine. */
    assert_int_equal(load(PORT0 "[tcp]\n[udp]\n"), 0);
    /* /31 and /32 have no network/broadcast address (RFC 3021). */
    assert_int_equal(load("[port0]\naddr = 198.18.0.0/31\n"), 0);
    assert_int_equal(load("[port0]\naddr = 198.18.0.7/32\n"), 0);
    /* Single source address. */
    assert_int_equal(load(PORT0 "[client]\ntarget = 198.18.0.1:80\nsource_addrs = 198.18.0.5\n"),
                     0);
    assert_int_equal(lr_test_client(&cfg)->source_first, lr_test_client(&cfg)->source_last);
    assert_int_equal(lr_test_client(&cfg)->nb_paths, 1);
}

static void errors_syntax_and_structure(void **state)
{
    (void)state;
    expect_error("[port0]\naddr 198.18.0.2/24\n",
                 "/etc/lr/t.conf: line 2: expected 'key = value' or '[section]', got "
                 "'addr 198.18.0.2/24'");
    expect_error("[port0\naddr = 198.18.0.2/24\n",
                 "/etc/lr/t.conf: line 1: missing ']' in section header");
    expect_error("[port0] x\n", "/etc/lr/t.conf: line 1: unexpected text after ']'");
    expect_error("[]\n", "/etc/lr/t.conf: line 1: bad section name");
    expect_error(PORT0 " = 5\n", "/etc/lr/t.conf: line 3: missing key before '='");
    expect_error("max_conns = 5\n" PORT0, "/etc/lr/t.conf: line 1: key outside of any section");
    char longline[400];
    memset(longline, 'x', sizeof(longline));
    memcpy(longline, "[tcp]\nk = ", 10);
    longline[sizeof(longline) - 1] = '\0';
    expect_error(longline, "/etc/lr/t.conf: line 2: too long (at most 322 characters)");
    char longval[300];
    memset(longval, 'x', sizeof(longval));
    memcpy(longval, "[tcp]\nk = ", 10);
    longval[sizeof(longval) - 1] = '\0';
    expect_error(longval, "/etc/lr/t.conf: line 2: value too long (at most 255 characters)");

    expect_error(PORT0 "[foo]\n", "/etc/lr/t.conf: [foo]: unknown section");
    expect_error(PORT0 "[port8]\naddr = 198.18.9.2/24\n",
                 "/etc/lr/t.conf: [port8]: unknown section (ports are [port0] to [port7])");
    expect_error(PORT0 "[port01]\n",
                 "/etc/lr/t.conf: [port01]: unknown section (ports are [port0] to [port7])");
    expect_error(PORT0 "[tcp]\n[tcp]\n", "/etc/lr/t.conf: [tcp]: duplicate section");
    expect_error(PORT0 "[port0]\n", "/etc/lr/t.conf: [port0]: duplicate section");
    expect_error(PORT0 "[tcp]\nmax_con = 5\n", "/etc/lr/t.conf: [tcp] max_con: unknown key");
    expect_error(PORT0 "[tcp]\nmax_conns = 5\nmax_conns = 6\n",
                 "/etc/lr/t.conf: [tcp] max_conns: duplicate key");
    expect_error(PORT0 "mtu = 1500\nmtu = 1500\n", "/etc/lr/t.conf: [port0] mtu: duplicate key");
    /* Required things. */
    expect_error("[tcp]\nmax_conns = 5\n",
                 "/etc/lr/t.conf: [port0]: missing (at least one port is required)");
    expect_error("", "/etc/lr/t.conf: [port0]: missing (at least one port is required)");
    expect_error("[port0]\nmtu = 1500\n", "/etc/lr/t.conf: [port0] addr: missing (required)");
    expect_error(PORT0 "[port2]\naddr = 198.18.2.2/24\n",
                 "/etc/lr/t.conf: [port1]: missing (ports are numbered from 0 without gaps)");
    expect_error(PORT0 "[client]\nconnections = 5\n",
                 "/etc/lr/t.conf: [client] target: missing (required in client mode)");
}

static void errors_values(void **state)
{
    (void)state;
    expect_error(PORT0 "[tcp]\nmax_conns = 12q\n",
                 "/etc/lr/t.conf: [tcp] max_conns: '12q' is not a number");
    expect_error(PORT0 "[tcp]\nmax_conns = -1\n",
                 "/etc/lr/t.conf: [tcp] max_conns: '-1' is not a number");
    expect_error(PORT0 "[tcp]\nmax_conns =\n",
                 "/etc/lr/t.conf: [tcp] max_conns: '' is not a number");
    expect_error(PORT0 "[tcp]\nmax_conns = 0\n",
                 "/etc/lr/t.conf: [tcp] max_conns: '0' is out of range (1-16777216)");
    expect_error(PORT0 "[tcp]\nmax_conns = 99999999999999999999999\n",
                 "/etc/lr/t.conf: [tcp] max_conns: '99999999999999999999999' is out of range "
                 "(1-16777216)");
    expect_error(PORT0 "[tcp]\nwscale = 15\n",
                 "/etc/lr/t.conf: [tcp] wscale: '15' is out of range (0-14)");
    expect_error(PORT0 "[tcp]\ndelayed_ack = 501ms\n",
                 "/etc/lr/t.conf: [tcp] delayed_ack: '501ms' is out of range (0-500ms)");
    expect_error(PORT0 "[tcp]\ndelayed_ack = 1s\n",
                 "/etc/lr/t.conf: [tcp] delayed_ack: '1s' is out of range (0-500ms)");
    expect_error(PORT0 "[tcp]\ntime_wait = 60 s\n",
                 "/etc/lr/t.conf: [tcp] time_wait: '60 s' is not a time (a number with "
                 "us/ms/s/m/h; bare = seconds)");
    expect_error(PORT0 "[tcp]\nrcvbuf = 1q\n",
                 "/etc/lr/t.conf: [tcp] rcvbuf: '1q' is not a size (bytes, or with a k/m/g "
                 "suffix)");
    expect_error(PORT0 "[tcp]\nrcvbuf = 1g\n",
                 "/etc/lr/t.conf: [tcp] rcvbuf: '1g' is out of range (4k-64m)");
    expect_error(PORT0 "[tcp]\nsack = maybe\n",
                 "/etc/lr/t.conf: [tcp] sack: 'maybe' is not a boolean (yes/no, true/false, "
                 "on/off, 1/0)");
    expect_error(PORT0 "[tcp]\ncc = vegas\n",
                 "/etc/lr/t.conf: [tcp] cc: 'vegas' is not a congestion control (newreno or "
                 "cubic)");
    expect_error(PORT0 "[fault]\ndrop = 101\n",
                 "/etc/lr/t.conf: [fault] drop: '101' is not a percentage between 0 and 100");
    expect_error("[port0]\naddr = 198.18.0.2\n",
                 "/etc/lr/t.conf: [port0] addr: '198.18.0.2' is not an address/prefix (e.g. "
                 "198.18.0.2/24)");
    expect_error("[port0]\naddr = 198.18.0.0/24\n",
                 "/etc/lr/t.conf: [port0] addr: '198.18.0.0/24' is the network address of its "
                 "subnet");
    expect_error("[port0]\naddr = 198.18.0.255/24\n",
                 "/etc/lr/t.conf: [port0] addr: '198.18.0.255/24' is the broadcast address of "
                 "its subnet");
    expect_error("[port0]\naddr = 198.18.0.2/0\n",
                 "/etc/lr/t.conf: [port0] addr: '198.18.0.2/0': the prefix length must be 1-32");
    expect_error("[port0]\naddr = 224.0.0.1/24\n",
                 "/etc/lr/t.conf: [port0] addr: '224.0.0.1/24' is not a unicast host address");
    expect_error(PORT0 "mtu = 575\n",
                 "/etc/lr/t.conf: [port0] mtu: '575' is out of range (576-9000)");
    expect_error(PORT0 "gateway = 198.18.0.300\n",
                 "/etc/lr/t.conf: [port0] gateway: '198.18.0.300' is not an IPv4 address");
    expect_error(PORT0 "arp = 198.18.0.9\n",
                 "/etc/lr/t.conf: [port0] arp: entry 1: '' is not a MAC address "
                 "(aa:bb:cc:dd:ee:ff)");
    expect_error(PORT0 "arp = 198.18.0.9 02:00:00:00:00:09, x 02:00:00:00:00:01\n",
                 "/etc/lr/t.conf: [port0] arp: entry 2: 'x' is not an IPv4 address");
    expect_error(PORT0 "arp = 198.18.0.9 01:00:5e:00:00:01\n",
                 "/etc/lr/t.conf: [port0] arp: entry 1: 01:00:5e:00:00:01 is not a unicast MAC "
                 "address");
    expect_error(PORT0 "arp = 198.18.0.9 02:00:00:00:00:09,198.18.0.9 02:00:00:00:00:08\n",
                 "/etc/lr/t.conf: [port0] arp: entry 2: 198.18.0.9 appears twice");
    expect_error(PORT0 "[http]\nlisten = 80,80\n",
                 "/etc/lr/t.conf: [http] listen: port 80 appears twice");
    expect_error(PORT0 "[http]\nlisten = 80,0\n",
                 "/etc/lr/t.conf: [http] listen: '0' is not a port number (1-65535)");
    expect_error(PORT0 "[http]\nlisten = 80,\n",
                 "/etc/lr/t.conf: [http] listen: '' is not a port number (1-65535)");
    expect_error(PORT0 "[http]\nlisten =\n",
                 "/etc/lr/t.conf: [http] listen: must list at least one port");
    expect_error(PORT0 "[http]\nlisten = 1,2,3,4,5,6,7,8,9\n",
                 "/etc/lr/t.conf: [http] listen: more than 8 ports");
    expect_error(PORT0 "[http]\nindex = ../x\n",
                 "/etc/lr/t.conf: [http] index: '../x' must be a file name, not a path");
    expect_error(PORT0 "[http]\nindex =\n", "/etc/lr/t.conf: [http] index: must not be empty");
    expect_error(PORT0 "[http]\nroot =\n", "/etc/lr/t.conf: [http] root: must not be empty");
    expect_error(PORT0 "[ftp]\nupload_dir = ../up\n",
                 "/etc/lr/t.conf: [ftp] upload_dir: '../up' must stay under the root (no '..')");
    expect_error(PORT0 "[ftp]\nupload_dir = /up\n",
                 "/etc/lr/t.conf: [ftp] upload_dir: '/up' must be a path relative to the root");
    expect_error(PORT0 "[ftp]\npasv_ports = 50000\n",
                 "/etc/lr/t.conf: [ftp] pasv_ports: '50000' is not a port range first-last (e.g. "
                 "50000-50999)");
    expect_error(PORT0 "[ftp]\npasv_ports = 80-90\n",
                 "/etc/lr/t.conf: [ftp] pasv_ports: '80-90' is not a port range first-last "
                 "within 1024-65535");
    expect_error(PORT0 "[client]\ntarget = 198.18.0.1\n",
                 "/etc/lr/t.conf: [client] target: '198.18.0.1' is not ip:port (e.g. "
                 "198.18.0.2:80)");
    expect_error(PORT0 "[client]\ntarget = 198.18.0.1:0\n",
                 "/etc/lr/t.conf: [client] target: '198.18.0.1:0' is not ip:port (e.g. "
                 "198.18.0.2:80)");
    expect_error(PORT0 "[client]\ntarget = 198.18.0.1:80\npath = index.html\n",
                 "/etc/lr/t.conf: [client] path: 'index.html' is not a request path (starts "
                 "with '/', no spaces)");
    expect_error(PORT0 "[client]\ntarget = 198.18.0.1:80\nhost = a b\n",
                 "/etc/lr/t.conf: [client] host: 'a b' must not contain spaces (it is a Host "
                 "header)");
    expect_error(PORT0 "[http]\nserver_name = a\tb\n",
                 "/etc/lr/t.conf: [http] server_name: contains control characters");
    expect_error(PORT0 "[client]\ntarget = 198.18.0.1:80\nsource_addrs = 198.18.0.9-198.18.0.1\n",
                 "/etc/lr/t.conf: [client] source_addrs: '198.18.0.9-198.18.0.1': the first "
                 "address is above the last");
}

static void errors_conflicts(void **state)
{
    (void)state;
    expect_error(PORT0 "[ftp]\npasv_ports = 50999-50000\n",
                 "/etc/lr/t.conf: [ftp] pasv_ports: '50999-50000': the first port is above the "
                 "last");
    expect_error(PORT0 "[port1]\naddr = 198.18.0.3/24\n",
                 "/etc/lr/t.conf: [port1] addr: 198.18.0.3/24 overlaps the subnet of [port0] "
                 "198.18.0.2/24");
    expect_error(PORT0 "[port1]\naddr = 198.18.0.200/25\n",
                 "/etc/lr/t.conf: [port1] addr: 198.18.0.200/25 overlaps the subnet of [port0] "
                 "198.18.0.2/24");
    expect_error(PORT0 "gateway = 198.19.0.1\n",
                 "/etc/lr/t.conf: [port0] gateway: 198.19.0.1 is not another host of "
                 "198.18.0.2/24");
    expect_error(PORT0 "[tcp]\nrto_min = 2s\nrto_max = 1s\n",
                 "/etc/lr/t.conf: [tcp] rto_min: 2s is above rto_max 1s");
    expect_error(PORT0 "[tcp]\nrto_initial = 100ms\n",
                 "/etc/lr/t.conf: [tcp] rto_initial: 100ms is outside rto_min-rto_max "
                 "(200ms-60s)");
    expect_error(PORT0 "[ftp]\nlisten = 80\n",
                 "/etc/lr/t.conf: [ftp] listen: port 80 is also used by [http] listen");
    expect_error(PORT0 "[tcp]\necho_port = 21\n",
                 "/etc/lr/t.conf: [tcp] echo_port: port 21 is also used by [ftp] listen");
    expect_error(PORT0 "[http]\nlisten = 50500\n",
                 "/etc/lr/t.conf: [ftp] pasv_ports: 50000-50999 includes port 50500 of [http] "
                 "listen");
    expect_error(PORT0 "[ftp]\nanonymous = no\n",
                 "/etc/lr/t.conf: [ftp] users: missing (anonymous = no and no users file: "
                 "nobody could log in)");
    expect_error(PORT0 "[udp]\necho_port = 69\n[tftp]\nlisten = 69\n",
                 "/etc/lr/t.conf: [tftp] listen: port 69 is also used by [udp] echo_port");
    expect_error(PORT0 "[http]\nmax_header_bytes = 1k\nmax_uri_bytes = 2k\n",
                 "/etc/lr/t.conf: [http] max_uri_bytes: 2048 is above max_header_bytes 1024");
    /* Claims from every module (struct lr_module.ports), in module order. */
    expect_error(PORT0 "[ftp]\nlisten = 50010\n",
                 "/etc/lr/t.conf: [ftp] pasv_ports: 50000-50999 includes port 50010 of [ftp] "
                 "listen");
    expect_error(PORT0 "[tcp]\ndiscard_port = 80\n",
                 "/etc/lr/t.conf: [tcp] discard_port: port 80 is also used by [http] listen");
    expect_error(PORT0 "[http]\nlisten = 8080, 8081\n[tcp]\necho_port = 8081\n",
                 "/etc/lr/t.conf: [tcp] echo_port: port 8081 is also used by [http] listen");
    /* The l4 service's ports: in range, and claimed like every service's. */
    expect_error(PORT0 "[tcp]\nl4_port = 65536\n",
                 "/etc/lr/t.conf: [tcp] l4_port: '65536' is out of range (0-65535)");
    expect_error(PORT0 "[udp]\nl4_port = -1\n",
                 "/etc/lr/t.conf: [udp] l4_port: '-1' is not a number");
    expect_error(PORT0 "[tcp]\necho_port = 5000\nl4_port = 5000\n",
                 "/etc/lr/t.conf: [tcp] l4_port: port 5000 is also used by [tcp] echo_port");
    expect_error(PORT0 "[tcp]\ndiscard_port = 9\nl4_port = 9\n",
                 "/etc/lr/t.conf: [tcp] l4_port: port 9 is also used by [tcp] discard_port");
    expect_error(PORT0 "[tcp]\nl4_port = 80\n",
                 "/etc/lr/t.conf: [tcp] l4_port: port 80 is also used by [http] listen");
    expect_error(PORT0 "[tcp]\nl4_port = 50001\n",
                 "/etc/lr/t.conf: [ftp] pasv_ports: 50000-50999 includes port 50001 of [tcp] "
                 "l4_port");
    expect_error(PORT0 "[udp]\necho_port = 7\nl4_port = 7\n",
                 "/etc/lr/t.conf: [udp] l4_port: port 7 is also used by [udp] echo_port");
    expect_error(PORT0 "[udp]\nl4_port = 69\n[tftp]\nlisten = 69\n",
                 "/etc/lr/t.conf: [udp] l4_port: port 69 is also used by [tftp] listen");
    assert_int_equal(load(PORT0 "[tcp]\nl4_port = 5000\n[udp]\nl4_port = 5000\n"), 0);
    assert_int_equal(load(PORT0 "[tcp]\necho_port = 7\n[udp]\nl4_port = 7\n"), 0);
    /* TCP and UDP ports are separate spaces (RFC 9293 §3.1, RFC 768). */
    assert_int_equal(load(PORT0 "[udp]\necho_port = 80\n"), 0);
    assert_int_equal(load(PORT0 "[tcp]\necho_port = 69\n[tftp]\nlisten = 69\n"), 0);
    /* Disabled services do not clash. */
    assert_int_equal(load(PORT0 "[ftp]\nenabled = no\nlisten = 80\n"), 0);
}

static void paths_resolved(void **state)
{
    (void)state;
    assert_int_equal(lr_config_load_string(&cfg, PORT0 "[http]\nroot = site\n", "/a/b/c.conf",
                                           lr_runtime_config_sections(), err, sizeof(err)),
                     0);
    assert_string_equal(lr_test_http(&cfg)->root, "/a/b/site");
    assert_string_equal(lr_test_ftp(&cfg)->root, "/a/b/site");
    assert_string_equal(lr_test_tftp(&cfg)->root, "/a/b/site");
    assert_int_equal(lr_config_load_string(&cfg,
                                           PORT0 "[http]\nroot = ../../x//./y/\n[ftp]\nroot = "
                                                 "/abs/ftp\nusers = ../u\n[tftp]\nroot = t\n",
                                           "/a/b/c.conf", lr_runtime_config_sections(), err,
                                           sizeof(err)),
                     0);
    assert_string_equal(lr_test_http(&cfg)->root, "/x/y");
    assert_string_equal(lr_test_ftp(&cfg)->root, "/abs/ftp");
    assert_string_equal(lr_test_ftp(&cfg)->users, "/a/u");
    assert_string_equal(lr_test_tftp(&cfg)->root, "/a/b/t");
    /* Default root: "www" next to the file; ".." above / stays at /. */
    assert_int_equal(lr_config_load_string(&cfg, PORT0 "[http]\nroot = ../../../..\n", "/a/c.conf",
                                           lr_runtime_config_sections(), err, sizeof(err)),
                     0);
    assert_string_equal(lr_test_http(&cfg)->root, "/");
    assert_int_equal(lr_config_load_string(&cfg, PORT0, "/q/c.conf", lr_runtime_config_sections(),
                                           err, sizeof(err)),
                     0);
    assert_string_equal(lr_test_http(&cfg)->root, "/q/www");
    /* A relative file name resolves against the cwd. */
    char cwd[400], want[512];
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    assert_int_equal(lr_config_load_string(&cfg, PORT0, "sub/c.conf", lr_runtime_config_sections(),
                                           err, sizeof(err)),
                     0);
    snprintf(want, sizeof(want), "%s/sub/www", strcmp(cwd, "/") == 0 ? "" : cwd);
    assert_string_equal(lr_test_http(&cfg)->root, want);
    /* Too long once resolved. */
    char text[400];
    char longname[300];
    memset(longname, 'd', sizeof(longname));
    longname[sizeof(longname) - 1] = '\0';
    snprintf(text, sizeof(text), PORT0 "[http]\nroot = %.250s\n", longname);
    char name[400];
    snprintf(name, sizeof(name), "/%.280s/c.conf", longname);
    char bigerr[2048];
    assert_int_equal(lr_config_load_string(&cfg, text, name, lr_runtime_config_sections(), bigerr,
                                           sizeof(bigerr)),
                     -EINVAL);
    assert_non_null(strstr(bigerr, "[http] root: "));
    assert_non_null(strstr(bigerr, "is too long once resolved (at most 511 characters)"));
}

static void load_file_errors(void **state)
{
    (void)state;
    assert_int_equal(lr_config_load(&cfg, "/nonexistent/dir/x.conf", lr_runtime_config_sections(),
                                    err, sizeof(err)),
                     -ENOENT);
    assert_string_equal(err, "/nonexistent/dir/x.conf: cannot open: No such file or directory");
    /* A real file with an error names the file. */
    char path[] = "/tmp/lr_test_config_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *text = PORT0 "[tcp]\nmax_conns = 12q\n";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    char want[128];
    snprintf(want, sizeof(want), "%s: [tcp] max_conns: '12q' is not a number", path);
    assert_int_equal(lr_config_load(&cfg, path, lr_runtime_config_sections(), err, sizeof(err)),
                     -EINVAL);
    assert_string_equal(err, want);
    /* NUL bytes: not a text file. */
    fd = open(path, O_WRONLY | O_TRUNC);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "[port0]\0x", 9), 9);
    close(fd);
    snprintf(want, sizeof(want), "%s: contains a NUL byte (not a text file)", path);
    assert_int_equal(lr_config_load(&cfg, path, lr_runtime_config_sections(), err, sizeof(err)),
                     -EINVAL);
    assert_string_equal(err, want);
    unlink(path);
    /* Small error buffers are truncated, never overrun. */
    char small[8];
    memset(small, 'z', sizeof(small));
    assert_int_equal(
        lr_config_load_string(&cfg, "[foo]\n", "t.conf", lr_runtime_config_sections(), small, 5),
        -EINVAL);
    assert_string_equal(small, "t.co");
    assert_int_equal(small[5], 'z');
    assert_int_equal(
        lr_config_load_string(&cfg, "[foo]\n", "t.conf", lr_runtime_config_sections(), NULL, 0),
        -EINVAL);
    assert_int_equal(
        lr_config_load_string(&cfg, NULL, "t.conf", lr_runtime_config_sections(), err, sizeof(err)),
        -EINVAL);
}

/* ---- config/default.conf ---- */

static void default_conf_loads(void **state)
{
    (void)state;
    assert_non_null(default_conf_path);
    assert_int_equal(
        lr_config_load(&cfg, default_conf_path, lr_runtime_config_sections(), err, sizeof(err)), 0);
    assert_int_equal(cfg.nb_ports, 1);
    assert_int_equal(cfg.port[0].addr, IP(198, 18, 0, 2));
    assert_int_equal(cfg.port[0].prefix, 24);
    assert_int_equal(lr_test_http(&cfg)->nb_listen, 1);
    assert_int_equal(lr_test_http(&cfg)->listen[0], 80);
    assert_true(lr_test_http(&cfg)->enabled);
    assert_true(lr_test_ftp(&cfg)->enabled);
    assert_true(lr_test_ftp(&cfg)->anonymous);
    assert_string_equal(lr_test_ftp(&cfg)->upload_dir, "");
    assert_int_equal(cfg.tcp.time_wait, 60000000);
    assert_false(lr_test_client(&cfg)->enabled);
    /* Serves config/www, as an absolute path. */
    size_t n = strlen(lr_test_http(&cfg)->root);
    assert_true(lr_test_http(&cfg)->root[0] == '/');
    assert_true(n > 11 && strcmp(lr_test_http(&cfg)->root + n - 11, "/config/www") == 0);
    assert_string_equal(lr_test_ftp(&cfg)->root, lr_test_http(&cfg)->root);
    assert_string_equal(lr_test_tftp(&cfg)->root, lr_test_http(&cfg)->root);
    /* Every other value is the table default. */
    struct lr_config d;
    lr_runtime_config_defaults(&d);
    assert_memory_equal(&d.worker, &cfg.worker, sizeof(d.worker));
    assert_memory_equal(&d.arp, &cfg.arp, sizeof(d.arp));
    assert_memory_equal(&d.tcp, &cfg.tcp, sizeof(d.tcp));
    assert_memory_equal(&d.fault, &cfg.fault, sizeof(d.fault));
}

/* Trim a line and strip any leading '#' (documented, commented-out keys). */
static char *uncomment(char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '#')
        s++;
    char *e = s + strlen(s);
    while (e > s && (e[-1] == '\n' || e[-1] == ' ' || e[-1] == '\r'))
        *--e = '\0';
    return s;
}

static void default_conf_documents_every_key(void **state)
{
    (void)state;
    /* The key table, from lr_config_help(). */
    char *help = NULL;
    size_t help_len = 0;
    FILE *hf = open_memstream(&help, &help_len);
    assert_non_null(hf);
    lr_runtime_config_help(hf);
    fclose(hf);

    /* (section, key) pairs present in default.conf, commented or not. */
    static char doc[64 * 1024];
    size_t dl = 0;
    FILE *f = fopen(default_conf_path, "r");
    assert_non_null(f);
    char line[512], sec[64] = "";
    while (fgets(line, sizeof(line), f) != NULL) {
        char *s = uncomment(line);
        if (s[0] == '[') {
            char *close = strchr(s, ']');
            if (close != NULL) {
                *close = '\0';
                snprintf(sec, sizeof(sec), "%s", s + 1);
                if (strncmp(sec, "port", 4) == 0)
                    snprintf(sec, sizeof(sec), "portN");
            }
            continue;
        }
        char *eq = strstr(s, " =");
        if (eq == NULL || sec[0] == '\0')
            continue;
        *eq = '\0';
        dl += (size_t)snprintf(doc + dl, sizeof(doc) - dl, "|%s.%s|", sec, s);
        assert_true(dl < sizeof(doc));
    }
    fclose(f);

    unsigned keys = 0;
    char *save = NULL;
    sec[0] = '\0';
    for (char *l = strtok_r(help, "\n", &save); l != NULL; l = strtok_r(NULL, "\n", &save)) {
        if (l[0] == '[') {
            char *close = strchr(l, ']');
            assert_non_null(close);
            *close = '\0';
            snprintf(sec, sizeof(sec), "%s", l + 1);
            continue;
        }
        if (strncmp(l, "    ", 4) != 0 || l[4] == ' ')
            continue;
        char *eq = strstr(l, " =");
        assert_non_null(eq);
        *eq = '\0';
        char want[160];
        snprintf(want, sizeof(want), "|%s.%s|", sec, l + 4);
        if (strstr(doc, want) == NULL)
            fail_msg("config/default.conf does not document %s", want);
        keys++;
    }
    assert_true(keys >= 90); /* the table has ~100 keys: the help was parsed */
    free(help);
}

/* A load generator serves nothing unless told to. */
static void client_mode_turns_servers_off(void **state)
{
    (void)state;
    assert_int_equal(load(PORT0 "[client]\ntarget = 198.18.0.1:80\n"), 0);
    assert_true(lr_test_client(&cfg)->enabled);
    assert_false(lr_test_http(&cfg)->enabled);
    assert_false(lr_test_ftp(&cfg)->enabled);
    assert_int_equal(load(PORT0 "[client]\ntarget = 198.18.0.1:80\n[http]\nenabled = yes\n"), 0);
    assert_true(lr_test_http(&cfg)->enabled);
    assert_false(lr_test_ftp(&cfg)->enabled);
    assert_int_equal(load(PORT0 "[http]\nlisten = 8080\n"), 0);
    assert_false(lr_test_client(&cfg)->enabled);
    assert_true(lr_test_http(&cfg)->enabled);
    assert_true(lr_test_ftp(&cfg)->enabled);
}

/* lr_config_check_paths(): missing paths of enabled services, in the usual form. */
static void paths_checked(void **state)
{
    (void)state;
    char dir[64], conf[96], sub[128], text[1024];
    snprintf(dir, sizeof(dir), "/tmp/lrt-cfgpaths-%d", (int)getpid());
    assert_int_equal(mkdir(dir, 0700), 0);
    snprintf(conf, sizeof(conf), "%s/t.conf", dir);
    snprintf(sub, sizeof(sub), "%s/site", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    snprintf(sub, sizeof(sub), "%s/site/up", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    snprintf(sub, sizeof(sub), "%s/users", dir);
    FILE *f = fopen(sub, "w");
    assert_non_null(f);
    fclose(f);

    static const struct {
        const char *body;
        const char *want; /* after "CONF: " ("" = accepted) */
    } t[] = {
        { "[http]\nroot = site\n[ftp]\nusers = users\nupload_dir = up\n[tftp]\nlisten = 69\n", "" },
        { "[http]\nroot = nope\n", "[http] root: %s/nope: does not exist" },
        { "[http]\nroot = users\n", "[http] root: %s/users: not a directory" },
        { "[http]\nroot = site\n[ftp]\nusers = nope\n", "[ftp] users: %s/nope: does not exist" },
        { "[http]\nroot = site\n[ftp]\nusers = site\n",
          "[ftp] users: %s/site: not a regular file" },
        { "[http]\nroot = site\n[ftp]\nupload_dir = down\n",
          "[ftp] upload_dir: %s/site/down: does not exist" },
        { "[http]\nroot = site\n[ftp]\nroot = f\n", "[ftp] root: %s/f: does not exist" },
        { "[http]\nroot = site\n[tftp]\nlisten = 69\nroot = t\n",
          "[tftp] root: %s/t: does not exist" },
        /* Services that are off are not checked. */
        { "[http]\nenabled = no\nroot = nope\n[ftp]\nenabled = no\n[tftp]\nroot = t\n", "" },
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        snprintf(text, sizeof(text), PORT0 "%s", t[i].body);
        if (lr_config_load_string(&cfg, text, conf, lr_runtime_config_sections(), err,
                                  sizeof(err)) != 0)
            fail_msg("case %zu: %s", i, err);
        int rc = lr_config_check_paths(&cfg, err, sizeof(err));
        if (t[i].want[0] == '\0') {
            if (rc != 0)
                fail_msg("case %zu: %s", i, err);
            continue;
        }
        char want[512], fmt[256];
        snprintf(fmt, sizeof(fmt), "%%s: %s", t[i].want);
        snprintf(want, sizeof(want), fmt, conf, dir);
        assert_true(rc < 0);
        assert_string_equal(err, want);
    }
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* ---- module sections: the engine with a section of the test's own ---- */

struct fake_sec {
    uint32_t n;
    char name[16];
    uint16_t a, b;
    bool flag;
    bool name_given; /* set by the check hook */
};

static int fake_pair(void *sec, const struct lr_config_key *k, const char *val, char *why,
                     size_t wl)
{
    struct fake_sec *f = sec;
    unsigned a, b;
    char end;
    (void)k;
    if (sscanf(val, "%u-%u%c", &a, &b, &end) != 2 || a > 65535 || b > 65535) {
        snprintf(why, wl, "'%s' is not a pair", val);
        return -EINVAL;
    }
    f->a = (uint16_t)a;
    f->b = (uint16_t)b;
    return 0;
}

static int fake_name_check(const char *val, char *why, size_t wl)
{
    if (strcmp(val, "bad") == 0) {
        snprintf(why, wl, "'%s' is refused by the key's rule", val);
        return -EINVAL;
    }
    return 0;
}

static const struct lr_config_section fake_section;

static int fake_check(struct lr_config *c, void *sec, char *why, size_t wl)
{
    struct fake_sec *f = sec;
    f->name_given = lr_config_key_given(c, &fake_section, "name");
    if (f->n == 42) {
        snprintf(why, wl, "[fake] n: 42 is not allowed");
        return -EINVAL;
    }
    return 0;
}

static const struct lr_config_key fake_keys[] = {
    LR_CONFIG_KEY(struct fake_sec, "n", n, LR_CFG_UINT, 1, 100, "5", "a number"),
    { "name", LR_CFG_STR, offsetof(struct fake_sec, name), sizeof(((struct fake_sec *)0)->name), 0,
      0, "x", "a name", NULL, fake_name_check },
    { "pair", LR_CFG_CUSTOM, 0, 0, 0, 0, "1-2", "two numbers", fake_pair, NULL },
    LR_CONFIG_KEY(struct fake_sec, "flag", flag, LR_CFG_BOOL, 0, 0, "no", "a flag"),
};

static const struct lr_config_section fake_section = {
    .name = "fake",
    .help = "a section of the test",
    .size = sizeof(struct fake_sec),
    .keys = fake_keys,
    .nb_keys = RTE_DIM(fake_keys),
    .check = fake_check,
};

static const struct lr_config_section fake_small = {
    .name = "small",
    .help = "one byte",
    .size = 1,
    .keys = fake_keys,
    .nb_keys = 1,
};

static int load_fake(const char *text, const struct lr_config_section *const *secs)
{
    return lr_config_load_string(&cfg, text, "t.conf", secs, err, sizeof(err));
}

static void module_section_keys(void **state)
{
    (void)state;
    const struct lr_config_section *secs[] = { &fake_small, &fake_section, NULL };
    struct fake_sec *f;

    lr_config_defaults(&cfg, secs);
    f = lr_config_section(&cfg, &fake_section);
    assert_non_null(f);
    assert_int_equal(f->n, 5);
    assert_string_equal(f->name, "x");
    assert_int_equal(f->a, 1);
    assert_int_equal(f->b, 2);
    assert_false(lr_config_section_present(&cfg, "fake"));
    /* Placed after the 1-byte section, aligned. */
    assert_int_equal(cfg.nb_mod, 2);
    assert_int_equal(cfg.mod[1].off % 16, 0);
    assert_true(cfg.mod[1].off >= 1);

    assert_int_equal(load_fake(PORT0 "[fake]\nn = 7\npair = 30-40\nflag = yes\n", secs), 0);
    f = lr_config_section(&cfg, &fake_section);
    assert_int_equal(f->n, 7);
    assert_int_equal(f->a, 30);
    assert_int_equal(f->b, 40);
    assert_true(f->flag);
    assert_string_equal(f->name, "x");
    assert_false(f->name_given);
    assert_true(lr_config_section_present(&cfg, "fake"));
    assert_false(lr_config_section_present(&cfg, "small"));
    assert_false(lr_config_section_present(&cfg, "nosuch"));
    assert_true(lr_config_key_given(&cfg, &fake_section, "n"));
    assert_false(lr_config_key_given(&cfg, &fake_section, "name"));
    assert_false(lr_config_key_given(&cfg, &fake_section, "nosuch"));
    assert_false(lr_config_key_given(&cfg, &fake_small, "n"));

    /* A copy is whole: the section lives inside the struct. */
    static struct lr_config copy;
    memcpy(&copy, &cfg, sizeof(copy));
    struct fake_sec *fc = lr_config_section(&copy, &fake_section);
    assert_ptr_not_equal(fc, f);
    assert_int_equal(fc->n, 7);

    assert_int_equal(load_fake(PORT0 "[fake]\nname = y\n", secs), 0);
    f = lr_config_section(&cfg, &fake_section);
    assert_true(f->name_given);
    assert_int_equal(f->n, 5); /* defaults again, not the previous load's */

    static const struct {
        const char *text, *msg;
    } bad[] = {
        { PORT0 "[fake]\nzz = 1\n", "t.conf: [fake] zz: unknown key" },
        { PORT0 "[fake]\nn = 1\nn = 2\n", "t.conf: [fake] n: duplicate key" },
        { PORT0 "[fake]\n[fake]\n", "t.conf: [fake]: duplicate section" },
        { PORT0 "[fake]\nn = 101\n", "t.conf: [fake] n: '101' is out of range (1-100)" },
        { PORT0 "[fake]\nn = x\n", "t.conf: [fake] n: 'x' is not a number" },
        { PORT0 "[fake]\npair = 1\n", "t.conf: [fake] pair: '1' is not a pair" },
        { PORT0 "[fake]\nname = bad\n", "t.conf: [fake] name: 'bad' is refused by the key's rule" },
        { PORT0 "[fake]\nname = waytoolongforsixteen\n",
          "t.conf: [fake] name: 'waytoolongforsixteen' is too long (at most 15 characters)" },
        { PORT0 "[fake]\nn = 42\n", "t.conf: [fake] n: 42 is not allowed" },
        /* Core rules first, then the modules'. */
        { "[fake]\nn = 42\n", "t.conf: [port0]: missing (at least one port is required)" },
    };
    for (unsigned i = 0; i < RTE_DIM(bad); i++) {
        assert_int_equal(load_fake(bad[i].text, secs), -EINVAL);
        assert_string_equal(err, bad[i].msg);
    }

    /* Without the section, its name is unknown and it reads as absent. */
    assert_int_equal(load_fake(PORT0 "[fake]\n", NULL), -EINVAL);
    assert_string_equal(err, "t.conf: [fake]: unknown section");
    assert_int_equal(load_fake(PORT0, NULL), 0);
    assert_null(lr_config_section(&cfg, &fake_section));
    assert_int_equal(cfg.nb_mod, 0);
    /* A module's accessor then gives its "off" values. */
    assert_false(lr_http_conf(&cfg)->enabled);
    assert_int_equal(lr_tftp_conf(&cfg)->listen, 0);
    assert_false(lr_client_conf(&cfg)->enabled);
}

/* A section list that cannot work is refused, naming the defect. */
static void module_section_list_errors(void **state)
{
    (void)state;
    static const struct lr_config_section core_name = { .name = "tcp", .size = 4 };
    static const struct lr_config_section huge = { .name = "huge", .size = LR_CONFIG_ARENA };
    static const struct lr_config_section many_keys = { .name = "keys",
                                                        .keys = fake_keys,
                                                        .nb_keys = LR_CONFIG_SECTION_KEYS + 1 };
    const struct lr_config_section *twice[] = { &fake_section, &fake_section, NULL };
    const struct lr_config_section *core[] = { &core_name, NULL };
    const struct lr_config_section *big[] = { &fake_small, &huge, NULL };
    const struct lr_config_section *keys[] = { &many_keys, NULL };
    const struct lr_config_section *many[LR_CONFIG_SECTIONS_MAX + 2];
    static struct lr_config_section named[LR_CONFIG_SECTIONS_MAX + 1];
    static char names[LR_CONFIG_SECTIONS_MAX + 1][8];

    assert_int_equal(load_fake(PORT0, twice), -EINVAL);
    assert_string_equal(err, "t.conf: internal error: [fake] is declared twice");
    assert_int_equal(load_fake(PORT0, core), -EINVAL);
    assert_string_equal(err, "t.conf: internal error: [tcp] is a core section");
    assert_int_equal(load_fake(PORT0, big), -EINVAL);
    assert_string_equal(err, "t.conf: internal error: module sections need more than 32768 bytes");
    assert_int_equal(load_fake(PORT0, keys), -EINVAL);
    assert_string_equal(err, "t.conf: internal error: [keys] has more than 64 keys");
    for (unsigned i = 0; i <= LR_CONFIG_SECTIONS_MAX; i++) {
        snprintf(names[i], sizeof(names[i]), "s%u", i);
        named[i] = (struct lr_config_section){ .name = names[i], .size = 8 };
        many[i] = &named[i];
    }
    many[LR_CONFIG_SECTIONS_MAX] = NULL;
    assert_int_equal(load_fake(PORT0 "[s15]\n", many), 0); /* exactly the maximum */
    many[LR_CONFIG_SECTIONS_MAX] = &named[LR_CONFIG_SECTIONS_MAX];
    many[LR_CONFIG_SECTIONS_MAX + 1] = NULL;
    assert_int_equal(load_fake(PORT0, many), -EINVAL);
    assert_string_equal(err, "t.conf: internal error: more than 16 module sections");
}

static void module_section_help(void **state)
{
    (void)state;
    const struct lr_config_section *secs[] = { &fake_section, NULL };
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    lr_config_help(f, secs);
    fclose(f);
    assert_non_null(strstr(text, "\n[tcp]  "));
    assert_non_null(
        strstr(text, "\n[fake]  a section of the test\n    n = 5\n        a number [1-100]\n"));
    assert_non_null(strstr(text, "    pair = 1-2\n        two numbers\n"));
    assert_null(strstr(text, "[http]"));
    free(text);
}

int main(int argc, char **argv)
{
    default_conf_path = argc > 1 ? argv[1] : NULL;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_size),
        cmocka_unit_test(parse_time),
        cmocka_unit_test(parse_bool),
        cmocka_unit_test(parse_ipv4),
        cmocka_unit_test(parse_prefix_list),
        cmocka_unit_test(parse_percent),
        cmocka_unit_test(defaults),
        cmocka_unit_test(full_file),
        cmocka_unit_test(minimal_and_edges),
        cmocka_unit_test(errors_syntax_and_structure),
        cmocka_unit_test(errors_values),
        cmocka_unit_test(errors_conflicts),
        cmocka_unit_test(paths_resolved),
        cmocka_unit_test(paths_checked),
        cmocka_unit_test(load_file_errors),
        cmocka_unit_test(default_conf_loads),
        cmocka_unit_test(client_mode_turns_servers_off),
        cmocka_unit_test(module_section_keys),
        cmocka_unit_test(module_section_list_errors),
        cmocka_unit_test(module_section_help),
        cmocka_unit_test(default_conf_documents_every_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
