/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target over the frame input path: Ethernet -> ARP / IPv4
 * (validation, reassembly) -> ICMP / TCP / UDP, on one fixture worker with
 * TCP echo/discard and UDP echo enabled, so crafted frames reach every
 * protocol and the state they build persists from frame to frame.
 *
 * Input: records of [flags:1][len:2, big endian][frame:len]. Flags steer
 * the fuzzer past checks it cannot easily satisfy by chance:
 *   bit 0  recompute the IPv4 header checksum
 *   bit 1  recompute the TCP/UDP/ICMP checksum
 *   bit 2  set the destination MAC to the port's MAC
 *   bits 4-7  advance time by that many x 50 ms after the frame (timers run)
 * Everything the stack transmits is collected and freed after each record.
 * What is checked: no crash, no sanitizer report, no hang (the stack never
 * loops on input), and the mbuf pool never runs dry: what the stack may hold
 * (connections' queues, ARP pending, reassembly) is bounded by its config,
 * so running out of mbufs means a leak.
 *
 * fuzz-extra: tests/unit/lr_test.c
 * fuzz-libs: -Wl,--no-as-needed -lrte_net_ring -lrte_bus_vdev
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "lr_config.h"
#include "lr_net.h"
#include "lr_tcp.h"
#include "lr_tcp_services.h"
#include "lr_udp.h"
#include "lr_udp_echo.h"
#include "lr_worker.h"
#include "../unit/lr_test.h"

#define FRAME_MAX 9018

static struct lr_worker *fw;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_teardown(void)
{
    if (fw == NULL)
        return;
    lr_udp_free(fw);
    lr_tcp_services_free(fw);
    lr_tcp_free(fw);
    lr_test_tx_free_all(fw);
    lr_test_worker_free(fw);
    fw = NULL;
}

static struct lr_worker *fuzz_worker(void)
{
    if (fw != NULL)
        return fw;
    if (lr_test_eal_init() != 0 || lr_tcp_global_init() != 0)
        abort();
    static struct lr_config cfg;
    lr_test_config_default(&cfg);
    cfg.tcp.max_conns = 16; /* bounded state: the pool must never run dry */
    cfg.tcp.rcvbuf = 16384;
    cfg.tcp.sndbuf = 16384;
    cfg.tcp.echo_port = 7;
    cfg.tcp.discard_port = 9;
    cfg.udp.echo_port = 7;
    fw = lr_test_worker_new(&cfg);
    if (fw == NULL || lr_tcp_init(fw) != 0 || lr_tcp_services_init(fw) != 0 ||
        lr_udp_init(fw) != 0 || lr_udp_echo_init(fw) != 0)
        abort();
    lr_test_learn_peer(fw, LR_TEST_PEER_IP, &lr_test_peer_mac);
    atexit(fuzz_teardown);
    return fw;
}

static uint16_t fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)sum;
}

static void fix_checksums(uint8_t *f, size_t len, uint8_t flags)
{
    if (len < sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr))
        return;
    struct rte_ether_hdr *eth = (struct rte_ether_hdr *)f;
    if (eth->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4))
        return;
    struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + sizeof(*eth));
    size_t ihl = (size_t)(ip->version_ihl & 0xf) * 4;
    size_t avail = len - sizeof(*eth);
    if (ihl < sizeof(*ip) || ihl > avail)
        return;
    if (flags & 1) {
        ip->hdr_checksum = 0;
        ip->hdr_checksum = rte_ipv4_cksum(ip); /* covers options: IHL from the header */
    }
    if (!(flags & 2))
        return;
    size_t tot = rte_be_to_cpu_16(ip->total_length);
    if (tot < ihl || tot > avail)
        tot = avail;
    uint8_t *l4 = (uint8_t *)ip + ihl;
    size_t l4len = tot - ihl;
    if (ip->next_proto_id == IPPROTO_TCP && l4len >= sizeof(struct rte_tcp_hdr)) {
        struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)l4;
        th->cksum = 0;
        th->cksum =
            (uint16_t)~fold((uint32_t)rte_ipv4_phdr_cksum(ip, 0) + rte_raw_cksum(l4, l4len));
    } else if (ip->next_proto_id == IPPROTO_UDP && l4len >= sizeof(struct rte_udp_hdr)) {
        struct rte_udp_hdr *uh = (struct rte_udp_hdr *)l4;
        uh->dgram_cksum = 0;
        uint16_t c =
            (uint16_t)~fold((uint32_t)rte_ipv4_phdr_cksum(ip, 0) + rte_raw_cksum(l4, l4len));
        uh->dgram_cksum = c == 0 ? 0xffff : c;
    } else if (ip->next_proto_id == IPPROTO_ICMP && l4len >= sizeof(struct rte_icmp_hdr)) {
        struct rte_icmp_hdr *ih = (struct rte_icmp_hdr *)l4;
        ih->icmp_cksum = 0;
        ih->icmp_cksum = (uint16_t)~rte_raw_cksum(l4, l4len);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lr_worker *w = fuzz_worker();
    static uint8_t frame[FRAME_MAX];
    size_t off = 0;

    while (off + 3 <= size) {
        uint8_t flags = data[off];
        size_t len = ((size_t)data[off + 1] << 8) | data[off + 2];
        off += 3;
        if (len > size - off)
            len = size - off;
        if (len > FRAME_MAX)
            len = FRAME_MAX;
        memcpy(frame, data + off, len);
        off += len;
        if ((flags & 4) && len >= RTE_ETHER_ADDR_LEN)
            memcpy(frame, lr_test_mac(w), RTE_ETHER_ADDR_LEN);
        fix_checksums(frame, len, flags);
        lr_test_rx(w, frame, len);
        if (flags >> 4)
            lr_test_advance(w, (uint64_t)(flags >> 4) * 50000);
        lr_test_tx_free_all(w);
    }
    /* Let pending timers (delayed ACKs, retransmissions, ARP retries) run too. */
    lr_test_advance(w, 10000);
    lr_test_tx_free_all(w);
    if (rte_mempool_avail_count(w->pool) == 0) {
        fprintf(stderr, "fuzz_frame: mbuf pool exhausted (%u in use): leak\n",
                lr_test_pool_in_use(w));
        abort();
    }
    return 0;
}
