/* SPDX-License-Identifier: BSD-3-Clause */
/* Checksums on the fast path: IPv4 header and TCP over IPv4 (pseudo-header + segment). */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "harness.h"

#define SEG_MAX 1460

struct cksum_ctx {
    struct rte_ipv4_hdr ip;
    uint8_t l4[SEG_MAX] __attribute__((aligned(64)));
    unsigned seg_len; /* TCP header + payload */
};

static struct cksum_ctx cksum_ctx;

static void *cksum_setup(int64_t seg_len)
{
    struct cksum_ctx *c = &cksum_ctx;
    struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)c->l4;

    if (seg_len < 0 || seg_len > SEG_MAX)
        return NULL;
    if (seg_len < (int64_t)sizeof(*th))
        seg_len = sizeof(*th);
    memset(c, 0, sizeof(*c));
    c->seg_len = (unsigned)seg_len;
    c->ip.version_ihl = RTE_IPV4_VHL_DEF;
    c->ip.total_length = rte_cpu_to_be_16((uint16_t)(sizeof(c->ip) + c->seg_len));
    c->ip.packet_id = rte_cpu_to_be_16(0x1234);
    c->ip.time_to_live = 64;
    c->ip.next_proto_id = IPPROTO_TCP;
    c->ip.src_addr = rte_cpu_to_be_32(0xc6120001); /* 198.18.0.1 */
    c->ip.dst_addr = rte_cpu_to_be_32(0xc6120002);
    th->src_port = rte_cpu_to_be_16(80);
    th->dst_port = rte_cpu_to_be_16(40000);
    th->sent_seq = rte_cpu_to_be_32(1000);
    th->recv_ack = rte_cpu_to_be_32(2000);
    th->data_off = 5 << 4;
    th->tcp_flags = RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG;
    th->rx_win = rte_cpu_to_be_16(65535);
    for (unsigned i = sizeof(*th); i < c->seg_len; i++)
        c->l4[i] = (uint8_t)(i * 131 + 7);
    return c;
}

static void ipv4_hdr_cksum(struct lr_bench_state *st, void *ctx)
{
    struct cksum_ctx *c = ctx;

    while (lr_bench_keep_running(st)) {
        lr_bench_escape(&c->ip);
        c->ip.hdr_checksum = 0;
        c->ip.hdr_checksum = rte_ipv4_cksum(&c->ip);
        lr_bench_use_u64(c->ip.hdr_checksum);
    }
    lr_bench_set_items_processed(st, lr_bench_iterations(st));
    lr_bench_set_bytes_processed(st, lr_bench_iterations(st) * (int64_t)sizeof(c->ip));
}
LR_BENCH_REGISTER(ipv4_hdr_cksum, ipv4_hdr_cksum, cksum_setup, NULL);

static void tcp_cksum(struct lr_bench_state *st, void *ctx)
{
    struct cksum_ctx *c = ctx;
    struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)c->l4;

    while (lr_bench_keep_running(st)) {
        lr_bench_escape(c);
        th->cksum = 0;
        th->cksum = rte_ipv4_udptcp_cksum(&c->ip, th);
        lr_bench_use_u64(th->cksum);
    }
    lr_bench_set_items_processed(st, lr_bench_iterations(st));
    lr_bench_set_bytes_processed(st, lr_bench_iterations(st) * (int64_t)c->seg_len);
}
/* Argument: TCP segment length in bytes (header included). */
LR_BENCH_REGISTER(tcp_cksum, tcp_cksum, cksum_setup, NULL, 64, 1460);
