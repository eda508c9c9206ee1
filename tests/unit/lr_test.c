/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared unit-test fixture (see lr_test.h): EAL once per process, workers
 * with a ring-backed ethdev, frame builders.
 *
 * The port is created with rte_eth_from_rings() over one RX and one TX ring,
 * configured and started, so lr_tx_flush() goes through the real
 * rte_eth_tx_burst() path into the TX ring, where lr_test_tx() finds it.
 * Each worker gets uniquely named rings, pool and vdev; freeing a worker
 * uninitialises its vdev, which releases the port id for the next one.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_arp.h>
#include <rte_bus_vdev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_icmp.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "lr_fault.h"
#include "lr_handover.h"
#include "lr_net.h"
#include "lr_io.h"
#include "lr_pkt.h"
#include "lr_runtime.h"
#include "lr_test.h"

#define LR_TEST_RING_SIZE 4096
#define LR_TEST_MBUFS_MAX 16384u
#define LR_TEST_MBUFS_MIN 64u

const struct rte_ether_addr lr_test_peer_mac = { .addr_bytes = { 0x02, 0, 0, 0, 0, 0x01 } };
const struct rte_ether_addr lr_test_default_mac = { .addr_bytes = { 0x02, 0, 0, 0, 0, 0x02 } };

/* The worker is the first member so lr_test_worker_free() finds the rest. */
struct lr_test_fix {
    struct lr_worker w;
    struct lr_port ports[LR_MAX_PORTS];
    struct lr_config cfg;
    struct rte_ring *rx_ring;
    struct rte_ring *tx_ring;
    uint16_t port_id;
    char name[12];               /* unique suffix of this worker's objects */
    char vdev[64];               /* the ethdev's vdev name, for rte_vdev_uninit */
    unsigned baseline;           /* pool use checked by lr_test_teardown() */
    struct lr_test_fix *primary; /* set on a sibling: port and rings are primary's */
    struct rte_ring *xr[2];      /* sibling only: [0] primary -> sibling, [1] back */
};

static int eal_done;      /* test code: process-wide state is fine here */
static unsigned next_seq; /* unique object names */

static struct lr_test_fix *fix_of(const struct lr_worker *w)
{
    return (struct lr_test_fix *)(uintptr_t)w;
}

static char runtime_dir[PATH_MAX];

/* EAL leaves its runtime directory (named after our per-process prefix, so
 * nobody else's) behind: remove it and its files at exit. */
static void eal_runtime_dir_remove(void)
{
    if (runtime_dir[0] == '\0')
        return;
    DIR *d = opendir(runtime_dir);
    if (d != NULL) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
                unlinkat(dirfd(d), e->d_name, 0);
        }
        closedir(d);
    }
    rmdir(runtime_dir);
}

int lr_test_eal_init(void)
{
    if (eal_done)
        return 0;
    /* --in-memory cannot be combined with --no-huge (EAL forces legacy memory
     * then): --no-shconf and a per-process prefix give the same isolation. */
    char prefix[48];
    snprintf(prefix, sizeof(prefix), "--file-prefix=lrt%ld", (long)getpid());
    char *argv[] = {
        "lr_test", "--no-huge",   "--no-pci",          "-m",
        "256",     "--no-shconf", "--no-telemetry",    prefix,
        "-l",      "0",           "--log-level=error", NULL,
    };
    int argc = (int)RTE_DIM(argv) - 1;
    int rc = rte_eal_init(argc, argv);
    if (rc < 0) {
        fprintf(stderr, "lr_test: rte_eal_init failed: %s\n", rte_strerror(rte_errno));
        return -rte_errno;
    }
    eal_done = 1;
    snprintf(runtime_dir, sizeof(runtime_dir), "%s", rte_eal_get_runtime_dir());
    atexit(eal_runtime_dir_remove);
    return 0;
}

static rte_be32_t prefix_mask(uint8_t prefix)
{
    if (prefix == 0)
        return 0;
    return rte_cpu_to_be_32(prefix >= 32 ? 0xffffffffu : ~(0xffffffffu >> prefix));
}

static int port_start(struct lr_test_fix *f)
{
    struct lr_worker *w = &f->w;
    char rname[RTE_RING_NAMESIZE];

    snprintf(rname, sizeof(rname), "lrt_rx_%s", f->name);
    f->rx_ring =
        rte_ring_create(rname, LR_TEST_RING_SIZE, (int)w->socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
    snprintf(rname, sizeof(rname), "lrt_tx_%s", f->name);
    f->tx_ring =
        rte_ring_create(rname, LR_TEST_RING_SIZE, (int)w->socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
    if (f->rx_ring == NULL || f->tx_ring == NULL) {
        fprintf(stderr, "lr_test: ring create failed: %s\n", rte_strerror(rte_errno));
        return -ENOMEM;
    }

    char ename[32];
    snprintf(ename, sizeof(ename), "lrt%s", f->name);
    int pid = rte_eth_from_rings(ename, &f->rx_ring, 1, &f->tx_ring, 1, w->socket);
    if (pid < 0) {
        fprintf(stderr, "lr_test: rte_eth_from_rings failed: %s\n", rte_strerror(rte_errno));
        return -ENODEV;
    }
    snprintf(f->vdev, sizeof(f->vdev), "net_ring_%s", ename);
    if (pid >= LR_MAX_PORTS) {
        fprintf(stderr, "lr_test: port id %d beyond LR_MAX_PORTS (free your workers)\n", pid);
        return -ENOSPC;
    }
    f->port_id = (uint16_t)pid;

    struct rte_eth_conf conf;
    memset(&conf, 0, sizeof(conf));
    if (rte_eth_dev_configure(f->port_id, 1, 1, &conf) != 0 ||
        rte_eth_rx_queue_setup(f->port_id, 0, 64, w->socket, NULL, w->pool) != 0 ||
        rte_eth_tx_queue_setup(f->port_id, 0, 64, w->socket, NULL) != 0 ||
        rte_eth_dev_start(f->port_id) != 0) {
        fprintf(stderr, "lr_test: cannot configure/start port %u\n", f->port_id);
        return -EIO;
    }
    return 0;
}

static void port_fill(struct lr_test_fix *f)
{
    const struct lr_port_config *pc = &f->cfg.port[f->port_id];
    struct lr_port *p = &f->ports[f->port_id];
    struct rte_ether_addr mac;

    p->port_id = f->port_id;
    p->mtu = pc->mtu != 0 ? pc->mtu : RTE_ETHER_MTU;
    p->nb_queues = 1;
    p->rss = false;
    if (rte_eth_macaddr_get(f->port_id, &mac) == 0 && !rte_is_zero_ether_addr(&mac))
        p->mac = mac;
    else
        p->mac = lr_test_default_mac;
    p->addr = pc->addr;
    p->mask = prefix_mask(pc->prefix);
    p->bcast = pc->addr | ~p->mask;
    p->gateway = pc->gateway;
    p->tx_offloads = 0;
    p->rx_offloads = 0;
}

static void ring_drain_free(struct rte_ring *r)
{
    struct rte_mbuf *m;
    while (rte_ring_dequeue(r, (void **)&m) == 0)
        rte_pktmbuf_free(m);
}

static void fix_destroy(struct lr_test_fix *f)
{
    struct lr_worker *w = &f->w;
    struct rte_mbuf *m;

    for (uint16_t p = 0; p < LR_MAX_PORTS; p++) {
        for (uint16_t i = 0; i < w->tx[p].n; i++)
            rte_pktmbuf_free(w->tx[p].pkts[i]);
        w->tx[p].n = 0;
    }
    if (f->primary != NULL) {
        struct lr_worker *w0 = &f->primary->w;
        for (int i = 0; i < 2; i++) {
            if (f->xr[i] != NULL) {
                ring_drain_free(f->xr[i]);
                rte_ring_free(f->xr[i]);
            }
        }
        w0->ring_to[1] = NULL;
        w0->ring_from[1] = NULL;
        w0->nb_workers = 1;
        if (w->pool != NULL)
            rte_mempool_free(w->pool);
        rte_free(f);
        return;
    }
    if (f->vdev[0] != '\0') {
        rte_eth_dev_stop(f->port_id);
        rte_vdev_uninit(f->vdev);
    }
    if (f->rx_ring != NULL) {
        while (rte_ring_dequeue(f->rx_ring, (void **)&m) == 0)
            rte_pktmbuf_free(m);
        rte_ring_free(f->rx_ring);
    }
    if (f->tx_ring != NULL) {
        while (rte_ring_dequeue(f->tx_ring, (void **)&m) == 0)
            rte_pktmbuf_free(m);
        rte_ring_free(f->tx_ring);
    }
    if (w->pool != NULL)
        rte_mempool_free(w->pool);
    rte_free(f);
}

void lr_test_config_default(struct lr_config *cfg)
{
    lr_runtime_config_defaults(cfg);
    cfg->nb_ports = 1;
    cfg->port[0].present = true;
    cfg->port[0].addr = LR_TEST_OUR_IP;
    cfg->port[0].prefix = 24;
    cfg->port[0].gateway = 0;
    if (cfg->port[0].mtu == 0)
        cfg->port[0].mtu = RTE_ETHER_MTU;
}

struct lr_worker *lr_test_worker_new(const struct lr_config *cfg)
{
    if (lr_test_eal_init() != 0)
        return NULL;

    unsigned socket = rte_socket_id();
    if (socket == (unsigned)SOCKET_ID_ANY)
        socket = 0;
    struct lr_test_fix *f =
        rte_zmalloc_socket("lr_test_fix", sizeof(*f), RTE_CACHE_LINE_SIZE, (int)socket);
    if (f == NULL) {
        fprintf(stderr, "lr_test: no memory for the worker\n");
        return NULL;
    }
    snprintf(f->name, sizeof(f->name), "%u", next_seq++);

    if (cfg != NULL)
        f->cfg = *cfg;
    else
        lr_test_config_default(&f->cfg);

    struct lr_worker *w = &f->w;
    unsigned nmbufs = f->cfg.worker.mbufs;
    nmbufs = RTE_MAX(LR_TEST_MBUFS_MIN, RTE_MIN(nmbufs, LR_TEST_MBUFS_MAX));
    char pname[RTE_MEMPOOL_NAMESIZE];
    snprintf(pname, sizeof(pname), "lrt_pool_%s", f->name);
    /* No per-lcore cache: lr_test_pool_in_use() must be exact. */
    struct rte_mempool *pool =
        rte_pktmbuf_pool_create(pname, nmbufs, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, (int)socket);
    if (pool == NULL) {
        fprintf(stderr, "lr_test: pool create failed: %s\n", rte_strerror(rte_errno));
        fix_destroy(f);
        return NULL;
    }
    /* The runtime's own setup (lr_worker.h); ports are known after port_start. */
    const struct lr_worker_params wp = {
        .id = 0,
        .nb_workers = 1,
        .lcore = rte_lcore_id(),
        .socket = socket,
        .now = 1000000,
        .rng_seed = 0x9e3779b97f4a7c15ULL, /* reproducible */
        .ports = f->ports,
        .pool = pool,
    };
    lr_worker_setup(w, &f->cfg, &wp);

    if (port_start(f) != 0) {
        fix_destroy(f);
        return NULL;
    }
    w->nb_ports = (uint16_t)(f->port_id + 1);
    if (f->port_id != 0) {
        /* Another fixture worker holds port 0: its config moves to our port id. */
        f->cfg.port[f->port_id] = f->cfg.port[0];
        for (uint16_t p = 0; p < f->port_id; p++)
            f->cfg.port[p].present = false;
        f->cfg.nb_ports = w->nb_ports;
    }
    port_fill(f);

    const struct lr_fault_config *fc = &f->cfg.fault;
    if (fc->drop > 0 || fc->duplicate > 0 || fc->reorder > 0 || fc->corrupt > 0) {
        if (lr_fault_init(w, fc) != 0) {
            fprintf(stderr, "lr_test: lr_fault_init failed\n");
            fix_destroy(f);
            return NULL;
        }
    }
    if (lr_arp_init(w) != 0) {
        fprintf(stderr, "lr_test: lr_arp_init failed\n");
        if (w->fault != NULL)
            lr_fault_free(w);
        fix_destroy(f);
        return NULL;
    }
    if (lr_ip_init(w) != 0) {
        fprintf(stderr, "lr_test: lr_ip_init failed\n");
        lr_arp_free(w);
        if (w->fault != NULL)
            lr_fault_free(w);
        fix_destroy(f);
        return NULL;
    }
    return w;
}

struct lr_worker *lr_test_worker_new_sibling(struct lr_worker *w0)
{
    struct lr_test_fix *f0 = fix_of(w0);
    if (f0->primary != NULL || w0->nb_workers != 1) {
        fprintf(stderr, "lr_test: one sibling per primary worker\n");
        return NULL;
    }
    struct lr_test_fix *f =
        rte_zmalloc_socket("lr_test_fix", sizeof(*f), RTE_CACHE_LINE_SIZE, (int)w0->socket);
    if (f == NULL)
        return NULL;
    struct lr_worker *w = &f->w;
    snprintf(f->name, sizeof(f->name), "%u", next_seq++);
    f->primary = f0;
    f->cfg = f0->cfg;
    memcpy(f->ports, f0->ports, sizeof(f->ports));
    f->port_id = f0->port_id;
    f->rx_ring = f0->rx_ring;
    f->tx_ring = f0->tx_ring;

    char name[RTE_RING_NAMESIZE];
    snprintf(name, sizeof(name), "lrt_pool_%s", f->name);
    const struct lr_worker_params wp = {
        .id = 1,
        .nb_workers = 2,
        .nb_ports = w0->nb_ports,
        .lcore = w0->lcore,
        .socket = w0->socket,
        .now = w0->now,
        .rng_seed = 0x243f6a8885a308d3ULL,
        .ports = f->ports,
        .pool = rte_pktmbuf_pool_create(name, w0->pool->size, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                        (int)w0->socket),
    };
    lr_worker_setup(w, &f->cfg, &wp);
    w->queue = w0->queue; /* both share the fixture's one queue */
    for (int i = 0; i < 2; i++) {
        snprintf(name, sizeof(name), "lrt_x%d_%s", i, f->name);
        f->xr[i] = rte_ring_create(name, 1024, (int)w->socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
    }
    if (w->pool == NULL || f->xr[0] == NULL || f->xr[1] == NULL) {
        fprintf(stderr, "lr_test: sibling pool/rings: %s\n", rte_strerror(rte_errno));
        fix_destroy(f);
        return NULL;
    }
    w0->nb_workers = 2;
    w0->ring_to[1] = f->xr[0];
    w->ring_from[0] = f->xr[0];
    w->ring_to[0] = f->xr[1];
    w0->ring_from[1] = f->xr[1];

    if (lr_arp_init(w) != 0) {
        fix_destroy(f);
        return NULL;
    }
    if (lr_ip_init(w) != 0) {
        lr_arp_free(w);
        fix_destroy(f);
        return NULL;
    }
    return w;
}

unsigned lr_test_inbox_drain(struct lr_worker *w)
{
    struct rte_mbuf *pkts[LR_BURST_MAX];
    unsigned total = 0;

    for (uint16_t j = 0; j < w->nb_workers && j < LR_MAX_WORKERS; j++) {
        if (j == w->id || w->ring_from[j] == NULL)
            continue;
        unsigned n;
        while ((n = rte_ring_dequeue_burst(w->ring_from[j], (void **)pkts, LR_BURST_MAX, NULL)) >
               0) {
            /* Handed-over L4 packets go to L4, the rest to Ethernet input. */
            unsigned k = lr_handover_dispatch(w, pkts, (uint16_t)n);
            for (unsigned i = 0; i < k; i++)
                lr_eth_input_burst(w, pkts[i]->port, &pkts[i], 1);
            total += n;
        }
    }
    return total;
}

void lr_test_worker_free(struct lr_worker *w)
{
    if (w == NULL)
        return;
    lr_ip_free(w);
    lr_arp_free(w);
    if (w->fault != NULL)
        lr_fault_free(w);
    fix_destroy(fix_of(w));
}

uint16_t lr_test_port(const struct lr_worker *w)
{
    return fix_of(w)->port_id;
}

const struct rte_ether_addr *lr_test_mac(const struct lr_worker *w)
{
    return &w->ports[lr_test_port(w)].mac;
}

struct rte_mbuf *lr_test_mbuf(struct lr_worker *w, const void *frame, size_t len)
{
    struct rte_mbuf *m = rte_pktmbuf_alloc(w->pool);
    if (m == NULL)
        return NULL;
    char *d = rte_pktmbuf_append(m, (uint16_t)len);
    if (len > UINT16_MAX || d == NULL) {
        rte_pktmbuf_free(m);
        return NULL;
    }
    memcpy(d, frame, len);
    m->port = lr_test_port(w);
    return m;
}

void lr_test_rx_burst(struct lr_worker *w, const void *const *frames, const size_t *lens,
                      uint16_t n)
{
    struct rte_mbuf *pkts[LR_BURST_MAX];
    uint16_t k = 0;

    for (uint16_t i = 0; i < n && k < LR_BURST_MAX; i++) {
        struct rte_mbuf *m = lr_test_mbuf(w, frames[i], lens[i]);
        if (m == NULL) {
            fprintf(stderr, "lr_test: frame %u (%zu bytes) does not fit an mbuf\n", i, lens[i]);
            continue;
        }
        pkts[k++] = m;
    }
    if (k > 0)
        lr_eth_input_burst(w, lr_test_port(w), pkts, k);
}

void lr_test_rx(struct lr_worker *w, const void *frame, size_t len)
{
    lr_test_rx_burst(w, &frame, &len, 1);
}

uint16_t lr_test_tx(struct lr_worker *w, struct rte_mbuf **out, uint16_t max)
{
    lr_tx_flush(w);
    return (uint16_t)rte_ring_dequeue_burst(fix_of(w)->tx_ring, (void **)out, max, NULL);
}

struct rte_mbuf *lr_test_tx_pop(struct lr_worker *w)
{
    struct rte_mbuf *m;
    return lr_test_tx(w, &m, 1) == 1 ? m : NULL;
}

unsigned lr_test_tx_free_all(struct lr_worker *w)
{
    struct rte_mbuf *m;
    unsigned n = 0;

    lr_tx_flush(w);
    while (rte_ring_dequeue(fix_of(w)->tx_ring, (void **)&m) == 0) {
        rte_pktmbuf_free(m);
        n++;
    }
    return n;
}

void lr_test_learn_peer(struct lr_worker *w, rte_be32_t ip, const struct rte_ether_addr *mac)
{
    uint8_t f[64];
    static const struct rte_ether_addr bcast = { .addr_bytes = { 0xff, 0xff, 0xff, 0xff, 0xff,
                                                                 0xff } };
    static const struct rte_ether_addr zero;
    size_t len = lr_test_arp_frame(f, sizeof(f), RTE_ARP_OP_REQUEST, &bcast, mac, ip, &zero,
                                   w->ports[lr_test_port(w)].addr);
    lr_test_rx(w, f, len);
    lr_test_tx_free_all(w);
}

void lr_test_advance(struct lr_worker *w, uint64_t us)
{
    w->now += us;
    lr_timer_wheel_advance(&w->timers, w, w->now);
}

/* Entries of @r that belong to @pool (rotates the ring once: order kept). */
static unsigned ring_count_pool(struct rte_ring *r, const struct rte_mempool *pool)
{
    unsigned n = rte_ring_count(r), mine = 0;
    for (unsigned i = 0; i < n; i++) {
        struct rte_mbuf *m;
        if (rte_ring_dequeue(r, (void **)&m) != 0)
            break;
        if (m->pool == pool)
            mine++;
        rte_ring_enqueue(r, m);
    }
    return mine;
}

unsigned lr_test_pool_in_use(struct lr_worker *w)
{
    struct lr_test_fix *f = fix_of(w);
    return rte_mempool_in_use_count(w->pool) - ring_count_pool(f->tx_ring, w->pool) -
           ring_count_pool(f->rx_ring, w->pool);
}

/* --- frame builders ---------------------------------------------------------- */

void lr_test_write_file(const char *dir, const char *rel, const void *data, size_t len)
{
    char p[PATH_MAX];
    FILE *f;

    snprintf(p, sizeof(p), "%s/%s", dir, rel);
    f = fopen(p, "wb");
    if (f == NULL || (len > 0 && fwrite(data, 1, len, f) != len) || fclose(f) != 0) {
        fprintf(stderr, "lr_test_write_file: %s: %s\n", p, strerror(errno));
        abort();
    }
}

uint16_t lr_test_inet_csum(const void *data, size_t len)
{
    const uint8_t *p = data;
    uint32_t sum = 0;

    for (size_t i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)p[i] << 8 | p[i + 1];
    if (len & 1)
        sum += (uint32_t)p[len - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return rte_cpu_to_be_16((uint16_t)~sum);
}

size_t lr_test_eth_hdr(void *buf, size_t cap, const struct rte_ether_addr *dst,
                       const struct rte_ether_addr *src, uint16_t ether_type, uint16_t vlan_tci)
{
    size_t l2 = sizeof(struct rte_ether_hdr) + (vlan_tci ? sizeof(struct rte_vlan_hdr) : 0);
    if (cap < l2)
        return 0;
    struct rte_ether_hdr *eh = buf;
    eh->dst_addr = *dst;
    eh->src_addr = *src;
    if (vlan_tci) {
        eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN);
        struct rte_vlan_hdr *vh = (struct rte_vlan_hdr *)(eh + 1);
        vh->vlan_tci = rte_cpu_to_be_16(vlan_tci);
        vh->eth_proto = rte_cpu_to_be_16(ether_type);
    } else {
        eh->ether_type = rte_cpu_to_be_16(ether_type);
    }
    return l2;
}

size_t lr_test_arp_frame(void *buf, size_t cap, uint16_t op, const struct rte_ether_addr *eth_dst,
                         const struct rte_ether_addr *sha, rte_be32_t spa,
                         const struct rte_ether_addr *tha, rte_be32_t tpa)
{
    size_t l2 = lr_test_eth_hdr(buf, cap, eth_dst, sha, RTE_ETHER_TYPE_ARP, 0);
    if (l2 == 0 || cap < l2 + sizeof(struct rte_arp_hdr))
        return 0;
    struct rte_arp_hdr *a = (struct rte_arp_hdr *)((uint8_t *)buf + l2);
    a->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
    a->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
    a->arp_hlen = RTE_ETHER_ADDR_LEN;
    a->arp_plen = 4;
    a->arp_opcode = rte_cpu_to_be_16(op);
    a->arp_data.arp_sha = *sha;
    a->arp_data.arp_sip = spa;
    a->arp_data.arp_tha = *tha;
    a->arp_data.arp_tip = tpa;
    return l2 + sizeof(*a);
}

struct rte_ipv4_hdr *lr_test_frame_ip(void *frame)
{
    struct rte_ether_hdr *eh = frame;
    size_t l2 = sizeof(*eh);
    if (eh->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN))
        l2 += sizeof(struct rte_vlan_hdr);
    return (struct rte_ipv4_hdr *)((uint8_t *)frame + l2);
}

void lr_test_ip_csum_fix(void *frame)
{
    struct rte_ipv4_hdr *ip = lr_test_frame_ip(frame);
    size_t hl = (size_t)(ip->version_ihl & 0xf) * 4;
    if (hl < sizeof(*ip))
        hl = sizeof(*ip);
    ip->hdr_checksum = 0;
    ip->hdr_checksum = lr_test_inet_csum(ip, hl);
}

size_t lr_test_ipv4_frame(const struct lr_worker *w, void *buf, size_t cap,
                          const struct lr_test_ipv4 *p)
{
    const struct rte_ether_addr *dmac = p->eth_dst ? p->eth_dst : lr_test_mac(w);
    const struct rte_ether_addr *smac = p->eth_src ? p->eth_src : &lr_test_peer_mac;
    size_t l2 = lr_test_eth_hdr(buf, cap, dmac, smac, RTE_ETHER_TYPE_IPV4, p->vlan_tci);
    size_t hl = sizeof(struct rte_ipv4_hdr) + p->options_len;
    size_t total = hl + p->payload_len;

    if (l2 == 0 || (p->options_len & 3) != 0 || hl > 60 || total > UINT16_MAX ||
        cap < l2 + total + p->pad)
        return 0;
    struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)((uint8_t *)buf + l2);
    ip->version_ihl = (uint8_t)(0x40 | (hl / 4));
    ip->type_of_service = p->tos;
    ip->total_length = rte_cpu_to_be_16((uint16_t)total);
    ip->packet_id = rte_cpu_to_be_16(p->id);
    ip->fragment_offset = rte_cpu_to_be_16(p->frag);
    ip->time_to_live = (p->ttl_set || p->ttl != 0) ? p->ttl : 64;
    ip->next_proto_id = p->proto;
    ip->src_addr = (p->src_set || p->src != 0) ? p->src : LR_TEST_PEER_IP;
    ip->dst_addr = (p->dst_set || p->dst != 0) ? p->dst : LR_TEST_OUR_IP;
    if (p->options_len)
        memcpy(ip + 1, p->options, p->options_len);
    if (p->payload_len)
        memcpy((uint8_t *)ip + hl, p->payload, p->payload_len);
    memset((uint8_t *)ip + total, 0, p->pad);
    ip->hdr_checksum = 0;
    ip->hdr_checksum = lr_test_inet_csum(ip, hl);
    return l2 + total + p->pad;
}

size_t lr_test_icmp_echo_frame(const struct lr_worker *w, void *buf, size_t cap, uint8_t type,
                               rte_be32_t src, rte_be32_t dst, uint16_t id, uint16_t seq,
                               const void *data, size_t len)
{
    uint8_t icmp[UINT16_MAX];
    size_t ilen = sizeof(struct rte_icmp_hdr) + len;
    if (ilen > sizeof(icmp) - sizeof(struct rte_ipv4_hdr))
        return 0;
    struct rte_icmp_hdr *ih = (struct rte_icmp_hdr *)icmp;
    ih->icmp_type = type;
    ih->icmp_code = 0;
    ih->icmp_cksum = 0;
    ih->icmp_ident = rte_cpu_to_be_16(id);
    ih->icmp_seq_nb = rte_cpu_to_be_16(seq);
    uint8_t *pl = icmp + sizeof(*ih);
    for (size_t i = 0; i < len; i++)
        pl[i] = data ? ((const uint8_t *)data)[i] : (uint8_t)i;
    ih->icmp_cksum = lr_test_inet_csum(icmp, ilen);

    struct lr_test_ipv4 p = {
        .src = src,
        .dst = dst,
        .src_set = true,
        .dst_set = true,
        .proto = IPPROTO_ICMP,
        .payload = icmp,
        .payload_len = ilen,
    };
    return lr_test_ipv4_frame(w, buf, cap, &p);
}

/* --- cmocka helpers -------------------------------------------------------- */

int lr_test_group_setup(void **state)
{
    (void)state;
    return lr_test_eal_init() == 0 ? 0 : -1;
}

void lr_test_set_baseline(struct lr_worker *w)
{
    fix_of(w)->baseline = lr_test_pool_in_use(w);
}

int lr_test_setup(void **state)
{
    struct lr_worker *w = lr_test_worker_new(NULL);
    if (w == NULL)
        return -1;
    lr_test_set_baseline(w);
    *state = w;
    return 0;
}

int lr_test_teardown(void **state)
{
    struct lr_worker *w = *state;
    int rc = 0;

    if (w == NULL)
        return 0;
    lr_test_tx_free_all(w);
    unsigned in_use = lr_test_pool_in_use(w);
    if (in_use != fix_of(w)->baseline) {
        fprintf(stderr, "lr_test: mbuf leak: %u in use, baseline %u\n", in_use,
                fix_of(w)->baseline);
        rc = -1;
    }
    lr_test_worker_free(w);
    *state = NULL;
    return rc;
}
