/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The runtime and the worker loop, end to end on a ring-backed port:
 * lr_runtime_init (pool, port setup, worker, modules), lr_worker_main on a
 * worker lcore answering ARP and ICMP echo through the real poll loop,
 * counters, graceful stop and destroy without leaks; plus the pure parts
 * (pool sizing, counter walk, configuration checks).
 *
 * This test runs its own EAL with two lcores (main + one worker); on a
 * machine with a single core it exits 77 (skip).
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_ring.h>

#include "lr_config.h"
#include "lr_port.h"
#include "lr_runtime.h"
#include "lr_telemetry.h"
#include "lr_time.h"

/* Plain constants: DPDK 22.11's RTE_IPV4(198, ...) shifts the int 198 into
 * the sign bit before its cast (undefined behaviour, UBSan reports it). */
#define OUR_IP  0xc6120002u /* 198.18.0.2 */
#define PEER_IP 0xc6120001u /* 198.18.0.1 */

static const struct rte_ether_addr peer_mac = { { 0x02, 0, 0, 0, 0, 0x01 } };

static const char conf_text[] = "[port0]\n"
                                "addr = 198.18.0.2/24\n"
                                "[worker]\n"
                                "mbufs = 4096\n"
                                "mbuf_cache = 64\n"
                                "rx_desc = 256\n"
                                "tx_desc = 256\n"
                                "[tcp]\n"
                                "max_conns = 1024\n"
                                "[arp]\n"
                                "gratuitous = no\n"
                                "[http]\n"
                                "enabled = no\n"
                                "[ftp]\n"
                                "enabled = no\n";

static bool eal_up, eal_ok;
static struct rte_ring *rx_ring, *tx_ring;
static int ring_port = -1;
static struct rte_mempool *frame_pool;

static int group_setup(void **state)
{
    (void)state;
    char prefix[64];
    snprintf(prefix, sizeof(prefix), "--file-prefix=lr_test_runtime_%d", (int)getpid());
    char *argv[] = { "test_runtime",      "-l",   "0-1", "--no-huge",
                     "--no-pci",          "-m",   "512", "--no-shconf",
                     "--log-level=error", prefix, NULL };
    if (rte_eal_init((int)RTE_DIM(argv) - 1, argv) < 0) {
        fprintf(stderr, "test_runtime: EAL init failed: %s\n", rte_strerror(rte_errno));
        return -1;
    }
    eal_up = true;
    lr_time_init();
    rx_ring = rte_ring_create("trt_rx", 1024, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
    tx_ring = rte_ring_create("trt_tx", 1024, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
    frame_pool =
        rte_pktmbuf_pool_create("trt_frames", 512, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
    if (rx_ring == NULL || tx_ring == NULL || frame_pool == NULL)
        return -1;
    ring_port = rte_eth_from_rings("trt0", &rx_ring, 1, &tx_ring, 1, SOCKET_ID_ANY);
    if (ring_port != 0) {
        fprintf(stderr, "test_runtime: ring port is %d, expected 0\n", ring_port);
        return -1;
    }
    eal_ok = true;
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    char dir[PATH_MAX];

    if (!eal_up)
        return 0;
    snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
    rte_eal_cleanup();
    /* Leave nothing behind in /var/run/dpdk. */
    DIR *d = opendir(dir);
    if (d != NULL) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            char path[PATH_MAX + 256];
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
            unlink(path);
        }
        closedir(d);
        rmdir(dir);
    }
    return 0;
}

static void load_conf(struct lr_config *cfg, const char *text)
{
    char err[256] = "";
    int rc = lr_config_load_string(cfg, text, "test.conf", lr_runtime_config_sections(), err,
                                   sizeof(err));
    if (rc != 0)
        fail_msg("config: %s", err);
}

/* --- pure parts ----------------------------------------------------------- */

struct walk_acc {
    unsigned drops, ports, total;
    bool seen[LR_DROP_MAX];
    uint64_t ip_csum;
    uint64_t arp_drops;
};

static void walk_cb(void *arg, const char *group, const char *name, uint64_t value)
{
    struct walk_acc *a = arg;
    a->total++;
    if (strcmp(group, "drops") == 0) {
        for (unsigned r = 0; r < LR_DROP_MAX; r++)
            if (strcmp(lr_drop_name((enum lr_drop_reason)r), name) == 0)
                a->seen[r] = true;
        a->drops++;
        if (strcmp(name, "ip_bad_checksum") == 0)
            a->ip_csum = value;
    }
    if (strncmp(group, "port", 4) == 0 && strcmp(name, "rx_pkts") == 0)
        a->ports++;
    if (strcmp(group, "arp") == 0 && strcmp(name, "drops") == 0)
        a->arp_drops = value;
}

static void counter_walk_names_every_reason(void **state)
{
    (void)state;
    static struct lr_stats s;
    struct walk_acc a = { 0 };

    memset(&s, 0, sizeof(s));
    s.drops[LR_DROP_IP_CSUM] = 5;
    s.drops[LR_DROP_ARP_MALFORMED] = 2;
    s.drops[LR_DROP_ARP_NOT_US] = 1;
    lr_stats_foreach(&s, 3, walk_cb, &a);
    assert_int_equal(a.drops, LR_DROP_MAX);
    for (unsigned r = 0; r < LR_DROP_MAX; r++)
        assert_true(a.seen[r]);
    assert_int_equal(a.ports, 3);
    assert_int_equal(a.ip_csum, 5);
    assert_int_equal(a.arp_drops, 3);
}

static void pool_minimum_covers_descriptors(void **state)
{
    (void)state;
    static struct lr_config cfg;
    lr_runtime_config_defaults(&cfg);
    cfg.worker.rx_desc = 1024;
    cfg.worker.tx_desc = 512;
    cfg.worker.mbuf_cache = 256;
    uint32_t one = lr_runtime_pool_min(&cfg, 1);
    uint32_t two = lr_runtime_pool_min(&cfg, 2);
    assert_true(one >= 1024 + 512 + LR_TX_BUF + 256);
    assert_int_equal(two - one, 1024 + 512 + LR_TX_BUF);
    assert_true(lr_port_mbuf_data_room(1500) >= RTE_PKTMBUF_HEADROOM + 1500 + 18);
    assert_true(lr_port_mbuf_data_room(9000) >= RTE_PKTMBUF_HEADROOM + 9000 + 18);
}

static void check_rejects_bad_environment(void **state)
{
    (void)state;
    static struct lr_config cfg;
    char err[256];

    if (!eal_ok)
        skip();
    /* The ring port exists but the config has no [port0]. */
    lr_runtime_config_defaults(&cfg);
    snprintf(cfg.path, sizeof(cfg.path), "x.conf");
    assert_int_equal(lr_runtime_check(&cfg, err, sizeof(err)), -EINVAL);
    char want[64 + RTE_ETH_NAME_MAX_LEN], name[RTE_ETH_NAME_MAX_LEN];
    assert_int_equal(rte_eth_dev_get_name_by_port(0, name), 0);
    snprintf(want, sizeof(want), "x.conf: port 0 (%s) has no [port0] section", name);
    if (strcmp(err, want) != 0)
        fail_msg("got '%s', want '%s'", err, want);

    /* A [port1] without a device. */
    load_conf(&cfg, "[port0]\naddr = 198.18.0.2/24\n[port1]\naddr = 198.18.1.2/24\n");
    assert_int_equal(lr_runtime_check(&cfg, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "[port1] has no device"));

    /* Too few mbufs for the descriptors. */
    load_conf(&cfg, "[port0]\naddr = 198.18.0.2/24\n[worker]\nmbufs = 1024\nrx_desc = 1024\n");
    assert_int_equal(lr_runtime_check(&cfg, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "[worker] mbufs: 1024 is too small"));

    load_conf(&cfg, conf_text);
    assert_int_equal(lr_runtime_check(&cfg, err, sizeof(err)), 0);
}

/* --- end to end ----------------------------------------------------------- */

static void inject(const void *frame, size_t len)
{
    struct rte_mbuf *m = rte_pktmbuf_alloc(frame_pool);
    assert_non_null(m);
    memcpy(rte_pktmbuf_append(m, (uint16_t)len), frame, len);
    assert_int_equal(rte_ring_enqueue(rx_ring, m), 0);
}

/* Wait (bounded, 5 s) for one transmitted frame. */
static struct rte_mbuf *wait_tx(void)
{
    uint64_t end = lr_time_now_us() + 5000000;
    void *m;
    while (rte_ring_dequeue(tx_ring, &m) != 0) {
        if (lr_time_now_us() > end)
            return NULL;
        rte_delay_us_sleep(1000);
    }
    return m;
}

static size_t arp_request(uint8_t *buf)
{
    struct rte_ether_hdr *eh = (struct rte_ether_hdr *)buf;
    struct rte_arp_hdr *ah = (struct rte_arp_hdr *)(eh + 1);

    memset(&eh->dst_addr, 0xff, RTE_ETHER_ADDR_LEN);
    eh->src_addr = peer_mac;
    eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
    ah->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
    ah->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
    ah->arp_hlen = RTE_ETHER_ADDR_LEN;
    ah->arp_plen = 4;
    ah->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
    ah->arp_data.arp_sha = peer_mac;
    ah->arp_data.arp_sip = rte_cpu_to_be_32(PEER_IP);
    memset(&ah->arp_data.arp_tha, 0, RTE_ETHER_ADDR_LEN);
    ah->arp_data.arp_tip = rte_cpu_to_be_32(OUR_IP);
    return sizeof(*eh) + sizeof(*ah);
}

static size_t icmp_echo(uint8_t *buf, const struct rte_ether_addr *dst, const uint8_t *payload,
                        size_t plen)
{
    struct rte_ether_hdr *eh = (struct rte_ether_hdr *)buf;
    struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);
    struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)(ip + 1);

    eh->dst_addr = *dst;
    eh->src_addr = peer_mac;
    eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
    memset(ip, 0, sizeof(*ip));
    ip->version_ihl = RTE_IPV4_VHL_DEF;
    ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + sizeof(*ic) + plen));
    ip->time_to_live = 64;
    ip->next_proto_id = IPPROTO_ICMP;
    ip->src_addr = rte_cpu_to_be_32(PEER_IP);
    ip->dst_addr = rte_cpu_to_be_32(OUR_IP);
    ip->hdr_checksum = rte_ipv4_cksum(ip);
    ic->icmp_type = RTE_IP_ICMP_ECHO_REQUEST;
    ic->icmp_code = 0;
    ic->icmp_cksum = 0;
    ic->icmp_ident = rte_cpu_to_be_16(0x4c52);
    ic->icmp_seq_nb = rte_cpu_to_be_16(7);
    memcpy(ic + 1, payload, plen);
    ic->icmp_cksum = (uint16_t)~rte_raw_cksum(ic, sizeof(*ic) + plen);
    return sizeof(*eh) + sizeof(*ip) + sizeof(*ic) + plen;
}

static void loop_answers_arp_and_echo_then_stops(void **state)
{
    (void)state;
    static struct lr_config cfg;
    static struct lr_runtime rt;
    uint8_t frame[256], payload[64];
    char err[256] = "";
    struct lr_stats sum;

    if (!eal_ok)
        skip();
    load_conf(&cfg, conf_text);
    int rc = lr_runtime_init(&rt, &cfg, err, sizeof(err));
    if (rc != 0)
        fail_msg("runtime init: %s", err);
    assert_int_equal(rt.nb_workers, 1);
    assert_int_equal(rt.nb_ports, 1);
    assert_int_equal(rt.workers[0]->lcore, 1);
    assert_ptr_equal(rt.workers[0]->ports, rt.ports);
    assert_int_not_equal(rt.workers[0]->rng, 0);
    const struct lr_port *p = &rt.ports[0];
    assert_int_equal(p->addr, rte_cpu_to_be_32(OUR_IP));
    assert_int_equal(p->mask, rte_cpu_to_be_32(0xffffff00));
    assert_int_equal(p->bcast, rte_cpu_to_be_32(0xc61200ffu) /* 198.18.0.255 */);
    assert_int_equal(p->mtu, 1500);
    assert_false(p->rss);
    struct rte_ether_addr mac;
    assert_int_equal(rte_eth_macaddr_get(0, &mac), 0);
    assert_memory_equal(&mac, &p->mac, sizeof(mac));

    assert_int_equal(lr_runtime_telemetry_init(&rt), 0);
    assert_int_equal(lr_runtime_launch(&rt), 0);

    /* ARP request -> reply carrying the port's MAC. */
    inject(frame, arp_request(frame));
    struct rte_mbuf *m = wait_tx();
    assert_non_null(m);
    const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
    const struct rte_arp_hdr *ah = (const struct rte_arp_hdr *)(eh + 1);
    assert_int_equal(eh->ether_type, rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP));
    assert_int_equal(ah->arp_opcode, rte_cpu_to_be_16(RTE_ARP_OP_REPLY));
    assert_memory_equal(&ah->arp_data.arp_sha, &p->mac, RTE_ETHER_ADDR_LEN);
    assert_memory_equal(&eh->dst_addr, &peer_mac, RTE_ETHER_ADDR_LEN);
    rte_pktmbuf_free(m);

    /* ICMP echo -> reply with the same identifier, sequence and payload. */
    for (unsigned i = 0; i < sizeof(payload); i++)
        payload[i] = (uint8_t)(i * 7 + 1);
    inject(frame, icmp_echo(frame, &p->mac, payload, sizeof(payload)));
    m = wait_tx();
    assert_non_null(m);
    const struct rte_ipv4_hdr *ip =
        rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
    const struct rte_icmp_hdr *ic = (const struct rte_icmp_hdr *)(ip + 1);
    assert_int_equal(ip->dst_addr, rte_cpu_to_be_32(PEER_IP));
    assert_int_equal(ic->icmp_type, RTE_IP_ICMP_ECHO_REPLY);
    assert_int_equal(ic->icmp_ident, rte_cpu_to_be_16(0x4c52));
    assert_int_equal(ic->icmp_seq_nb, rte_cpu_to_be_16(7));
    assert_memory_equal(ic + 1, payload, sizeof(payload));
    rte_pktmbuf_free(m);

    /* Counters are visible from the main lcore while the worker runs. */
    lr_runtime_stats_sum(&rt, &sum);
    assert_int_equal(sum.arp.rx_requests, 1);
    assert_int_equal(sum.icmp.echo_requests, 1);
    assert_int_equal(sum.port[0].rx_pkts, 2);
    assert_int_equal(sum.port[0].tx_pkts, 2);
    assert_true(sum.loops > 0);
    struct lr_line_totals lt;
    lr_runtime_line_totals(&rt, -1, &lt);
    assert_int_equal(lt.v[LR_LINE_CONNS_ACTIVE], 0);

    lr_runtime_stop(&rt);
    assert_false(rt.launched);
    lr_runtime_telemetry_fini();
    assert_null(lr_telemetry_workers_get());
    lr_runtime_destroy(&rt);
    assert_null(rt.workers[0]);
    assert_null(rt.pools[0]);
    assert_int_equal(rte_ring_count(tx_ring), 0);
    assert_int_equal(rte_mempool_in_use_count(frame_pool), 0);
}

/* The one module list: every `after` names a listed module, no cycle, and
 * each module runs after the modules it names. */
static void module_list_is_in_dependency_order(void **state)
{
    (void)state;
    unsigned n;
    const struct lr_module *const *mods = lr_runtime_modules(&n);

    assert_true(n >= 11);
    for (unsigned i = 0; i < n; i++) {
        assert_non_null(mods[i]->name);
        for (const char *const *a = mods[i]->after; a != NULL && *a != NULL; a++) {
            bool before = false;
            for (unsigned j = 0; j < i; j++)
                before |= strcmp(mods[j]->name, *a) == 0;
            if (!before)
                fail_msg("module %s runs before %s, which it names in `after`", mods[i]->name, *a);
        }
    }
    /* Today's order is kept where the dependencies allow it. */
    assert_string_equal(mods[0]->name, "fault");
    assert_string_equal(mods[n - 1]->name, "client");
}

/* lr_modules_order(): reorders by `after`, refuses cycles and unknown names. */
static const struct lr_module a = { .name = "a", .after = LR_MODULE_AFTER("c") };
static const struct lr_module b = { .name = "b" };
static const struct lr_module c = { .name = "c", .after = LR_MODULE_AFTER("b") };
static const struct lr_module x = { .name = "x", .after = LR_MODULE_AFTER("y") };
static const struct lr_module y = { .name = "y", .after = LR_MODULE_AFTER("x") };
static const struct lr_module z = { .name = "z", .after = LR_MODULE_AFTER("nope") };
static void module_order_sorts_and_refuses(void **state)
{
    (void)state;
    const struct lr_module *out[8];
    char err[128] = "";

    const struct lr_module *const l1[] = { &a, &b, &c };
    assert_int_equal(lr_modules_order(l1, 3, out, err, sizeof(err)), 0);
    assert_ptr_equal(out[0], &b);
    assert_ptr_equal(out[1], &c);
    assert_ptr_equal(out[2], &a);

    const struct lr_module *const l2[] = { &b, &x, &y };
    assert_int_equal(lr_modules_order(l2, 3, out, err, sizeof(err)), -ELOOP);
    assert_non_null(strstr(err, "circular"));

    const struct lr_module *const l3[] = { &b, &z };
    assert_int_equal(lr_modules_order(l3, 2, out, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "nope"));

    const struct lr_module *const l4[] = { &b, &b };
    assert_int_equal(lr_modules_order(l4, 2, out, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "twice"));
}

int main(void)
{
    if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
        printf("SKIP: test_runtime needs two cores (main lcore + one worker)\n");
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(counter_walk_names_every_reason),
        cmocka_unit_test(module_list_is_in_dependency_order),
        cmocka_unit_test(module_order_sorts_and_refuses),
        cmocka_unit_test(pool_minimum_covers_descriptors),
        cmocka_unit_test(check_rejects_bad_environment),
        cmocka_unit_test(loop_answers_arp_and_echo_then_stops),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
