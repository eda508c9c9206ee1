/* SPDX-License-Identifier: BSD-3-Clause */
/* TFTP server sessions over the fixture port: transfers, options, netascii,
 * retransmission, duplicate ACKs, errors, foreign TIDs, limits, rollover. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <rte_ip.h>
#include <rte_udp.h>

#include "lr_file_cache.h"
#include "lr_ip_frag.h"
#include "lr_net.h"
#include "lr_test.h"
#include "lr_tftp.h"
#include "lr_tftp_wire.h"
#include "lr_udp.h"

#define TFTP_PORT 69
#define NEW_TID   0 /* expect_error(): from a fresh port, not the listen port nor a bound one */
#define CPORT     45000
#define ROLL_SIZE (65536u * 8u + 5u) /* blksize 8: 65537 blocks, numbers wrap */

static char root[64];
static struct lr_file_cache *fc;
static struct lr_config cfg;
static uint8_t big[ROLL_SIZE];

static int group_setup(void **state)
{
    (void)state;
    char err[256];
    if (lr_test_eal_init() != 0)
        return -1;
    snprintf(root, sizeof(root), "/tmp/lrt-tftp-%d", (int)getpid());
    if (mkdir(root, 0700) != 0)
        return -1;
    char sub[96];
    snprintf(sub, sizeof(sub), "%s/dir", root);
    if (mkdir(sub, 0700) != 0)
        return -1;
    static uint8_t small[1000], even[1024];
    for (size_t i = 0; i < sizeof(small); i++)
        small[i] = (uint8_t)(i * 3 + 1);
    for (size_t i = 0; i < sizeof(even); i++)
        even[i] = (uint8_t)(i ^ 0x5a);
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (uint8_t)(i * 7 + (i >> 9));
    lr_test_write_file(root, "small.bin", small, sizeof(small));
    lr_test_write_file(root, "even.bin", even, sizeof(even));
    lr_test_write_file(root, "text.txt", "a\nb\rc", 5);
    lr_test_write_file(root, "big.bin", big, sizeof(big));
    lr_test_write_file(root, "dir/inner.bin", small, 10);
    static char lines[300];
    for (size_t i = 0; i < sizeof(lines); i++)
        lines[i] = i % 4 == 3 ? '\n' : (char)('a' + i % 4);
    lr_test_write_file(root, "lines.txt", lines, sizeof(lines));
    fc = lr_file_cache_load(root, 64u << 20, 1, err, sizeof(err));
    if (fc == NULL) {
        fprintf(stderr, "file cache: %s\n", err);
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    char cmd[128];
    lr_file_cache_free(fc);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    return system(cmd) == 0 ? 0 : -1;
}

static struct lr_worker *mkworker(uint32_t max_sessions)
{
    lr_test_config_default(&cfg);
    cfg.port[0].mtu = 1500;
    cfg.port[0].nb_static_arp = 1;
    cfg.port[0].static_arp[0].ip = LR_TEST_PEER_IP;
    cfg.port[0].static_arp[0].mac = lr_test_peer_mac;
    cfg.ip.icmp_rate = 0;
    lr_test_tftp(&cfg)->listen = TFTP_PORT;
    lr_test_tftp(&cfg)->max_sessions = max_sessions;
    lr_test_tftp(&cfg)->timeout = 1000000;
    lr_test_tftp(&cfg)->retries = 3;
    lr_test_tftp(&cfg)->max_window = 8;
    struct lr_worker *w = lr_test_worker_new(&cfg);
    assert_non_null(w);
    assert_int_equal(lr_ip_frag_init(w), 0);
    w->udp_extra_binds = lr_tftp_udp_binds(w->cfg);
    assert_int_equal(lr_udp_init(w), 0);
    assert_int_equal(lr_tftp_init(w, fc), 0);
    return w;
}

static void rmworker(struct lr_worker *w)
{
    lr_tftp_free(w);
    lr_udp_free(w);
    lr_ip_frag_free(w);
    lr_test_worker_free(w);
}

static struct lr_tftp_counters counters(const struct lr_worker *w)
{
    struct lr_tftp_counters k = { 0 };
    lr_tftp_counters_add(w, &k);
    return k;
}

/* Datagram from the peer's port @sport to our port @dport (UDP checksum 0). */
static void rx(struct lr_worker *w, uint16_t sport, uint16_t dport, const void *data, size_t len)
{
    static uint8_t udp[2048], f[2048];
    struct rte_udp_hdr *uh = (struct rte_udp_hdr *)udp;

    uh->src_port = rte_cpu_to_be_16(sport);
    uh->dst_port = rte_cpu_to_be_16(dport);
    uh->dgram_len = rte_cpu_to_be_16((uint16_t)(8 + len));
    uh->dgram_cksum = 0;
    memcpy(udp + 8, data, len);
    struct lr_test_ipv4 p = { .proto = IPPROTO_UDP, .payload = udp, .payload_len = 8 + len };
    size_t n = lr_test_ipv4_frame(w, f, sizeof(f), &p);
    assert_true(n > 0);
    lr_test_rx(w, f, n);
}

static void rx_ack(struct lr_worker *w, uint16_t sport, uint16_t tid, uint16_t block)
{
    uint8_t a[4];
    lr_tftp_build_ack(a, block);
    rx(w, sport, tid, a, 4);
}

/* A request: op, name, mode, then option pairs. */
static void rx_req(struct lr_worker *w, uint16_t sport, uint16_t op, const char *const *s, size_t n)
{
    uint8_t buf[512];
    size_t pos = 2;
    buf[0] = 0;
    buf[1] = (uint8_t)op;
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(s[i]) + 1;
        memcpy(buf + pos, s[i], l);
        pos += l;
    }
    rx(w, sport, TFTP_PORT, buf, pos);
}

struct pkt {
    uint16_t sport, dport;
    uint32_t len;
    uint8_t data[65536];
};

/* Next transmitted UDP datagram (fragments reassembled by hand); false when none. */
static bool tx(struct lr_worker *w, struct pkt *p)
{
    struct rte_mbuf *m = lr_test_tx_pop(w);
    uint32_t have = 0;
    bool first = true;

    while (m != NULL) {
        if (m->nb_segs > 1)
            assert_int_equal(rte_pktmbuf_linearize(m), 0);
        const struct rte_ipv4_hdr *ip =
            rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);
        assert_int_equal(ip->next_proto_id, IPPROTO_UDP);
        assert_int_equal(ip->dst_addr, LR_TEST_PEER_IP);
        uint16_t fo = rte_be_to_cpu_16(ip->fragment_offset);
        uint32_t ofs = (uint32_t)(fo & RTE_IPV4_HDR_OFFSET_MASK) * 8;
        uint32_t plen = rte_be_to_cpu_16(ip->total_length) - 20u;
        const uint8_t *pl = (const uint8_t *)ip + 20;
        assert_int_equal(ofs, have);
        if (first) {
            const struct rte_udp_hdr *uh = (const struct rte_udp_hdr *)pl;
            p->sport = rte_be_to_cpu_16(uh->src_port);
            p->dport = rte_be_to_cpu_16(uh->dst_port);
            p->len = rte_be_to_cpu_16(uh->dgram_len) - 8u;
            memcpy(p->data, pl + 8, plen - 8);
            have = plen;
            first = false;
        } else {
            memcpy(p->data + have - 8, pl, plen);
            have += plen;
        }
        rte_pktmbuf_free(m);
        if (!(fo & RTE_IPV4_HDR_MF_FLAG))
            break;
        m = lr_test_tx_pop(w);
        assert_non_null(m);
    }
    if (first)
        return false;
    assert_int_equal(have, p->len + 8);
    return true;
}

static struct pkt p;

static void expect_data(struct lr_worker *w, uint16_t *tid, uint16_t block, const void *data,
                        uint32_t len)
{
    assert_true(tx(w, &p));
    assert_int_equal(p.dport, CPORT);
    if (*tid == 0) {
        assert_int_not_equal(p.sport, TFTP_PORT);
        *tid = p.sport;
    }
    assert_int_equal(p.sport, *tid);
    assert_int_equal(p.len, 4 + len);
    assert_int_equal(p.data[0] << 8 | p.data[1], LR_TFTP_DATA);
    assert_int_equal(p.data[2] << 8 | p.data[3], block);
    if (len > 0)
        assert_memory_equal(p.data + 4, data, len);
}

static void expect_error(struct lr_worker *w, uint16_t from, uint16_t to, uint16_t code)
{
    struct lr_tftp_pkt e;
    assert_true(tx(w, &p));
    if (from == NEW_TID) {
        /* RFC 1350 §4: a reply to a request comes from a new TID. */
        assert_int_not_equal(p.sport, TFTP_PORT);
        assert_null(lr_udp_bound_ctx(w, p.sport)); /* bound only while sent */
    } else {
        assert_int_equal(p.sport, from);
    }
    assert_int_equal(p.dport, to);
    assert_int_equal(lr_tftp_parse(p.data, p.len, &e), 0);
    assert_int_equal(e.op, LR_TFTP_ERROR);
    assert_int_equal(e.error_code, code);
}

static void octet_plain(void **state)
{
    (void)state;
    struct lr_worker *w = mkworker(4);
    unsigned base = lr_test_pool_in_use(w);
    const struct lr_file_entry *f = lr_file_cache_lookup(fc, "/small.bin", 10);
    uint16_t tid = 0;

    assert_non_null(f);
    const char *r[] = { "small.bin", "octet" };
    rx_req(w, CPORT, LR_TFTP_RRQ, r, 2);
    expect_data(w, &tid, 1, f->data, 512);
    rx_ack(w, CPORT, tid, 1);
    expect_data(w, &tid, 2, f->data + 512, 488);
    assert_int_equal(counters(w).sessions_active, 1);
    rx_ack(w, CPORT, tid, 2);
    assert_false(tx(w, &p));
    struct lr_tftp_counters k = counters(w);
    assert_int_equal(k.completed, 1);
    assert_int_equal(k.sessions_active, 0);
    assert_int_equal(k.blocks_sent, 2);
    assert_int_equal(k.bytes_sent, 1000);
    /* The TID is closed after the transfer: port unreachable. */
    rx_ack(w, CPORT, tid, 2);
    assert_int_equal(w->stats.drops[LR_DROP_UDP_NO_PORT], 1);
    lr_test_tx_free_all(w);

    /* A size that is a multiple of 512 ends with an empty block. */
    const struct lr_file_entry *e = lr_file_cache_lookup(fc, "/even.bin", 9);
    tid = 0;
    const char *r2[] = { "/even.bin", "OCTET" };
    rx_req(w, CPORT, LR_TFTP_RRQ, r2, 2);
    expect_data(w, &tid, 1, e->data, 512);
    rx_ack(w, CPORT, tid, 1);
    expect_data(w, &tid, 2, e->data + 512, 512);
    rx_ack(w, CPORT, tid, 2);
    expect_data(w, &tid, 3, NULL, 0);
    rx_ack(w, CPORT, tid, 3);
    assert_int_equal(counters(w).completed, 2);
    /* Subdirectory file. */
    tid = 0;
    const char *r3[] = { "dir/inner.bin", "octet" };
    rx_req(w, CPORT, LR_TFTP_RRQ, r3, 2);
    expect_data(w, &tid, 1, f->data, 10);
    rx_ack(w, CPORT, tid, 1);
    assert_int_equal(counters(w).completed, 3);
    assert_int_equal(lr_test_pool_in_use(w), base);
    rmworker(w);
}

static void options_negotiated(void **state)
{
    (void)state;
    struct lr_worker *w = mkworker(4);
    unsigned base = lr_test_pool_in_use(w);
    const struct lr_file_entry *f = lr_file_cache_lookup(fc, "/small.bin", 10);
    uint16_t tid = 0;
    struct lr_tftp_pkt o;

    const char *r[] = { "small.bin", "octet",   "blksize", "600", "tsize",
                        "0",         "timeout", "2",       "foo", "bar" };
    rx_req(w, CPORT, LR_TFTP_RRQ, r, 10);
    assert_true(tx(w, &p));
    tid = p.sport;
    assert_int_not_equal(tid, TFTP_PORT);
    static const uint8_t want[] = "\0\6blksize\0"
                                  "600\0tsize\0"
                                  "1000\0timeout\0"
                                  "2";
    assert_int_equal(p.len, sizeof(want));
    assert_memory_equal(p.data, want, sizeof(want));
    assert_int_equal(lr_tftp_parse(p.data, p.len, &o), 0);
    /* The negotiated timeout (2 s) drives retransmission of the OACK. */
    lr_test_advance(w, 1500000);
    assert_false(tx(w, &p));
    lr_test_advance(w, 600000);
    assert_true(tx(w, &p));
    assert_memory_equal(p.data, want, sizeof(want));
    /* ACK 0 starts the data with the negotiated block size. */
    rx_ack(w, CPORT, tid, 0);
    expect_data(w, &tid, 1, f->data, 600);
    rx_ack(w, CPORT, tid, 1);
    expect_data(w, &tid, 2, f->data + 600, 400);
    rx_ack(w, CPORT, tid, 2);
    assert_int_equal(counters(w).completed, 1);

    /* A block larger than the MTU travels as IP fragments. */
    const struct lr_file_entry *b = lr_file_cache_lookup(fc, "/big.bin", 8);
    tid = 0;
    const char *r2[] = { "big.bin", "octet", "blksize", "9000" };
    rx_req(w, CPORT, LR_TFTP_RRQ, r2, 4);
    assert_true(tx(w, &p));
    tid = p.sport;
    rx_ack(w, CPORT, tid, 0);
    expect_data(w, &tid, 1, b->data, 9000);
    rx_ack(w, CPORT, tid, 1);
    expect_data(w, &tid, 2, b->data + 9000, 9000);
    /* Client gives up with an error: the session ends without a reply. */
    uint8_t e[32];
    size_t n = lr_tftp_build_error(e, sizeof(e), 0, "bye");
    rx(w, CPORT, tid, e, n);
    assert_false(tx(w, &p));
    assert_int_equal(counters(w).aborted, 1);
    assert_int_equal(counters(w).sessions_active, 0);
    assert_int_equal(lr_test_pool_in_use(w), base);
    rmworker(w);
}

static void netascii_mode(void **state)
{
    (void)state;
    struct lr_worker *w = mkworker(4);
    uint16_t tid = 0;

    const char *r[] = { "text.txt", "netascii", "tsize", "0" };
    rx_req(w, CPORT, LR_TFTP_RRQ, r, 4);
    assert_true(tx(w, &p));
    tid = p.sport;
    static const uint8_t want_oack[] = "\0\6tsize\0"
                                       "7";
    assert_memory_equal(p.data, want_oack, sizeof(want_oack));
    rx_ack(w, CPORT, tid, 0);
    static const uint8_t want[] = { 'a', '\r', '\n', 'b', '\r', 0, 'c' };
    expect_data(w, &tid, 1, want, sizeof(want));
    rx_ack(w, CPORT, tid, 1);
    assert_int_equal(counters(w).completed, 1);

    /* Small blocks split CR LF pairs; retransmission re-encodes identically. */
    tid = 0;
    const char *r2[] = { "text.txt", "netascii", "blksize", "8" };
    rx_req(w, CPORT, LR_TFTP_RRQ, r2, 4);
    assert_true(tx(w, &p));
    tid = p.sport;
    rx_ack(w, CPORT, tid, 0);
    expect_data(w, &tid, 1, want, sizeof(want)); /* 7 < 8: last */
    lr_test_advance(w, 1100000);
    expect_data(w, &tid, 1, want, sizeof(want));
    rx_ack(w, CPORT, tid, 1);
    assert_int_equal(counters(w).completed, 2);
    assert_int_equal(counters(w).retransmits, 1);
    rmworker(w);
}

/* RFC 7440: windowsize negotiated in the OACK, capped by [tftp] max_window. */
static void window_octet(void **state)
{
    (void)state;
    struct lr_worker *w = mkworker(4);
    unsigned base = lr_test_pool_in_use(w);
    const struct lr_file_entry *f = lr_file_cache_lookup(fc, "/small.bin", 10);
    uint16_t tid = 0;

    /* 1000 bytes in blocks of 100: 10 full blocks and an empty 11th. */
    const char *r[] = { "small.bin", "octet", "blksize", "100", "windowsize", "4" };
    rx_req(w, CPORT, LR_TFTP_RRQ, r, 6);
    assert_true(tx(w, &p));
    tid = p.sport;
    static const uint8_t want[] = "\0\6blksize\0"
                                  "100\0windowsize\0"
                                  "4";
    assert_int_equal(p.len, sizeof(want));
    assert_memory_equal(p.data, want, sizeof(want));
    rx_ack(w, CPORT, tid, 0);
    for (uint16_t k = 1; k <= 4; k++) /* a whole window without waiting */
        expect_data(w, &tid, k, f->data + (k - 1) * 100, 100);
    assert_false(tx(w, &p));
    rx_ack(w, CPORT, tid, 4);
    for (uint16_t k = 5; k <= 8; k++)
        expect_data(w, &tid, k, f->data + (k - 1) * 100, 100);
    assert_false(tx(w, &p));
    /* ACK of block 6: the client lost 7; sending resumes there (7..10). */
    rx_ack(w, CPORT, tid, 6);
    for (uint16_t k = 7; k <= 10; k++)
        expect_data(w, &tid, k, f->data + (k - 1) * 100, 100);
    assert_false(tx(w, &p));
    assert_int_equal(counters(w).window_rewinds, 1);
    assert_int_equal(counters(w).retransmits, 2); /* 7 and 8 */
    /* A duplicate ACK does nothing (only the timer resends)... */
    rx_ack(w, CPORT, tid, 6);
    assert_false(tx(w, &p));
    assert_int_equal(counters(w).dup_acks, 1);
    /* ...and the timer resends the window from its first unacked block. */
    lr_test_advance(w, 1100000);
    for (uint16_t k = 7; k <= 10; k++)
        expect_data(w, &tid, k, f->data + (k - 1) * 100, 100);
    assert_false(tx(w, &p));
    assert_int_equal(counters(w).retransmits, 6);
    rx_ack(w, CPORT, tid, 10);
    expect_data(w, &tid, 11, NULL, 0);
    rx_ack(w, CPORT, tid, 11);
    struct lr_tftp_counters k = counters(w);
    assert_int_equal(k.completed, 1);
    assert_int_equal(k.blocks_sent, 11);
    assert_int_equal(k.bytes_sent, 1000);
    assert_int_equal(k.sessions_active, 0);

    /* Above max_window (8): the OACK grants 8. */
    tid = 0;
    const char *r2[] = { "small.bin", "octet", "windowsize", "1000" };
    rx_req(w, CPORT, LR_TFTP_RRQ, r2, 4);
    assert_true(tx(w, &p));
    tid = p.sport;
    static const uint8_t want2[] = "\0\6windowsize\0"
                                   "8";
    assert_memory_equal(p.data, want2, sizeof(want2));
    rx_ack(w, CPORT, tid, 0);
    expect_data(w, &tid, 1, f->data, 512); /* the file has two blocks only */
    expect_data(w, &tid, 2, f->data + 512, 488);
    assert_false(tx(w, &p));
    rx_ack(w, CPORT, tid, 2);
    assert_int_equal(counters(w).completed, 2);
    /* windowsize 0 is invalid (RFC 7440 §3): not acknowledged, lock-step. */
    tid = 0;
    const char *r3[] = { "small.bin", "octet", "windowsize", "0" };
    rx_req(w, CPORT, LR_TFTP_RRQ, r3, 4);
    expect_data(w, &tid, 1, f->data, 512);
    assert_false(tx(w, &p));
    rx_ack(w, CPORT, tid, 1);
    expect_data(w, &tid, 2, f->data + 512, 488);
    rx_ack(w, CPORT, tid, 2);
    assert_int_equal(counters(w).completed, 3);
    assert_int_equal(lr_test_pool_in_use(w), base);
    rmworker(w);
}

/* Netascii blocks in a window, rewound and retransmitted: re-encoded identically. */
static void window_netascii(void **state)
{
    (void)state;
    struct lr_worker *w = mkworker(4);
    unsigned base = lr_test_pool_in_use(w);
    uint16_t tid = 0;
    uint8_t enc[400];
    size_t n = 0;
    for (size_t i = 0; i < 300; i++) {
        if (i % 4 == 3) {
            enc[n++] = '\r';
            enc[n++] = '\n';
        } else {
            enc[n++] = (uint8_t)('a' + i % 4);
        }
    }
    assert_int_equal(n, 375); /* 46 blocks of 8 and one of 7 */
    const char *r[] = { "lines.txt", "netascii", "blksize", "8", "windowsize", "5" };
    rx_req(w, CPORT, LR_TFTP_RRQ, r, 6);
    assert_true(tx(w, &p));
    tid = p.sport;
    rx_ack(w, CPORT, tid, 0);
    uint16_t next = 1;
    for (int round = 0; round < 40 && next <= 47; round++) {
        uint16_t last = (uint16_t)RTE_MIN(next + 4, 47);
        for (uint16_t k = next; k <= last; k++)
            expect_data(w, &tid, k, enc + (k - 1) * 8u, k == 47 ? 7 : 8);
        assert_false(tx(w, &p));
        /* Every third window loses its middle: ACK before it, resume there. */
        uint16_t ack = round % 3 == 2 && last > next + 1 ? (uint16_t)(next + 1) : last;
        rx_ack(w, CPORT, tid, ack);
        next = (uint16_t)(ack + 1);
    }
    assert_int_equal(next, 48);
    struct lr_tftp_counters k = counters(w);
    assert_int_equal(k.completed, 1);
    assert_int_equal(k.bytes_sent, 375);
    assert_true(k.window_rewinds > 0);
    assert_int_equal(lr_test_pool_in_use(w), base);
    rmworker(w);
}

static void retransmit_and_duplicates(void **state)
{
    (void)state;
    struct lr_worker *w = mkworker(4);
    unsigned base = lr_test_pool_in_use(w);
    const struct lr_file_entry *f = lr_file_cache_lookup(fc, "/small.bin", 10);
    uint16_t tid = 0;

    const char *r[] = { "small.bin", "octet" };
    rx_req(w, CPORT, LR_TFTP_RRQ, r, 2);
    expect_data(w, &tid, 1, f->data, 512);
    /* A repeated request resends block 1 instead of a second transfer. */
    rx_req(w, CPORT, LR_TFTP_RRQ, r, 2);
    expect_data(w, &tid, 1, f->data, 512);
    assert_int_equal(counters(w).sessions_active, 1);
    rx_ack(w, CPORT, tid, 1);
    expect_data(w, &tid, 2, f->data + 512, 488);
    /* RFC 1123 §4.2.3.1: duplicate ACK 1 and a future ACK send nothing. */
    rx_ack(w, CPORT, tid, 1);
    rx_ack(w, CPORT, tid, 7);
    assert_false(tx(w, &p));
    assert_int_equal(counters(w).dup_acks, 2);
    /* Timer: resend block 2 each timeout, 3 times, then give up. */
    for (int i = 0; i < 3; i++) {
        lr_test_advance(w, 1001000);
        expect_data(w, &tid, 2, f->data + 512, 488);
    }
    lr_test_advance(w, 1001000);
    assert_false(tx(w, &p));
    struct lr_tftp_counters k = counters(w);
    assert_int_equal(k.timeouts, 1);
    assert_int_equal(k.retransmits, 4);
    assert_int_equal(k.sessions_active, 0);
    assert_int_equal(lr_test_pool_in_use(w), base);
    rmworker(w);
}

static void request_errors(void **state)
{
    (void)state;
    struct lr_worker *w = mkworker(4);
    unsigned base = lr_test_pool_in_use(w);

    const char *wrq[] = { "small.bin", "octet" };
    rx_req(w, CPORT, LR_TFTP_WRQ, wrq, 2);
    expect_error(w, NEW_TID, CPORT, LR_TFTP_ERR_ACCESS);
    const char *nf[] = { "nope.bin", "octet" };
    rx_req(w, CPORT, LR_TFTP_RRQ, nf, 2);
    expect_error(w, NEW_TID, CPORT, LR_TFTP_ERR_NOT_FOUND);
    /* Nothing answers at that TID afterwards (port unreachable, counted by UDP). */
    uint8_t a0[4];
    lr_tftp_build_ack(a0, 0);
    uint64_t noport = w->stats.drops[LR_DROP_UDP_NO_PORT];
    rx(w, CPORT, p.sport, a0, 4);
    assert_int_equal(w->stats.drops[LR_DROP_UDP_NO_PORT], noport + 1);
    lr_test_tx_free_all(w);
    const char *dir[] = { "dir", "octet" };
    rx_req(w, CPORT, LR_TFTP_RRQ, dir, 2);
    expect_error(w, NEW_TID, CPORT, LR_TFTP_ERR_NOT_FOUND);
    const char *up[] = { "../etc/passwd", "octet" };
    rx_req(w, CPORT, LR_TFTP_RRQ, up, 2);
    expect_error(w, NEW_TID, CPORT, LR_TFTP_ERR_ACCESS);
    const char *mail[] = { "small.bin", "mail" };
    rx_req(w, CPORT, LR_TFTP_RRQ, mail, 2);
    expect_error(w, NEW_TID, CPORT, LR_TFTP_ERR_ILLEGAL_OP);
    const char *mode[] = { "small.bin", "binary" };
    rx_req(w, CPORT, LR_TFTP_RRQ, mode, 2);
    expect_error(w, NEW_TID, CPORT, LR_TFTP_ERR_ILLEGAL_OP);
    uint8_t a[4];
    lr_tftp_build_ack(a, 1);
    rx(w, CPORT, TFTP_PORT, a, 4);
    assert_false(tx(w, &p)); /* stray transfer packet at the listen port: ignored */
    /* Errors are never answered. */
    uint8_t e[16];
    size_t n = lr_tftp_build_error(e, sizeof(e), 0, "x");
    rx(w, CPORT, TFTP_PORT, e, n);
    assert_false(tx(w, &p));
    struct lr_tftp_counters k = counters(w);
    assert_int_equal(k.sessions_active, 0);
    assert_int_equal(k.not_found, 2);
    assert_int_equal(k.refused, 6);
    assert_int_equal(k.bad_packets, 3);
    assert_int_equal(lr_test_pool_in_use(w), base);
    rmworker(w);
}

static void foreign_tid_and_busy(void **state)
{
    (void)state;
    struct lr_worker *w = mkworker(1);
    unsigned base = lr_test_pool_in_use(w);
    const struct lr_file_entry *f = lr_file_cache_lookup(fc, "/small.bin", 10);
    uint16_t tid = 0;

    const char *r[] = { "small.bin", "octet" };
    rx_req(w, CPORT, LR_TFTP_RRQ, r, 2);
    expect_data(w, &tid, 1, f->data, 512);
    /* Another client port at our TID: error 5 to it, transfer unaffected. */
    rx_ack(w, CPORT + 1, tid, 1);
    expect_error(w, tid, CPORT + 1, LR_TFTP_ERR_UNKNOWN_TID);
    assert_int_equal(counters(w).unknown_tid, 1);
    /* A second transfer beyond max_sessions = 1: busy. */
    rx_req(w, CPORT + 2, LR_TFTP_RRQ, r, 2);
    expect_error(w, NEW_TID, CPORT + 2, LR_TFTP_ERR_UNDEF);
    assert_int_equal(counters(w).busy, 1);
    rx_ack(w, CPORT, tid, 1);
    expect_data(w, &tid, 2, f->data + 512, 488);
    /* Something other than an ACK on the session: error 4 and the end. */
    const char *bad[] = { "small.bin", "octet" };
    uint8_t buf[64];
    buf[0] = 0;
    buf[1] = LR_TFTP_RRQ;
    size_t pos = 2;
    for (int i = 0; i < 2; i++) {
        size_t l = strlen(bad[i]) + 1;
        memcpy(buf + pos, bad[i], l);
        pos += l;
    }
    rx(w, CPORT, tid, buf, pos);
    expect_error(w, tid, CPORT, LR_TFTP_ERR_ILLEGAL_OP);
    assert_int_equal(counters(w).sessions_active, 0);
    assert_int_equal(lr_test_pool_in_use(w), base);
    rmworker(w);
}

static void shutdown_notifies(void **state)
{
    (void)state;
    struct lr_worker *w = mkworker(4);
    unsigned base = lr_test_pool_in_use(w);
    const struct lr_file_entry *f = lr_file_cache_lookup(fc, "/small.bin", 10);
    uint16_t tid = 0;

    const char *r[] = { "small.bin", "octet" };
    rx_req(w, CPORT, LR_TFTP_RRQ, r, 2);
    expect_data(w, &tid, 1, f->data, 512);
    lr_tftp_module_shutdown(w);
    expect_error(w, tid, CPORT, LR_TFTP_ERR_UNDEF);
    assert_int_equal(counters(w).sessions_active, 0);
    assert_int_equal(counters(w).aborted, 1);
    /* Nothing left armed: no retransmission later. */
    lr_test_advance(w, 5000000);
    assert_false(tx(w, &p));
    assert_int_equal(lr_test_pool_in_use(w), base);
    rmworker(w);
}

static void block_rollover(void **state)
{
    (void)state;
    struct lr_worker *w = mkworker(2);
    unsigned base = lr_test_pool_in_use(w);
    const struct lr_file_entry *f = lr_file_cache_lookup(fc, "/big.bin", 8);
    uint16_t tid = 0;

    assert_int_equal(f->size, ROLL_SIZE);
    const char *r[] = { "big.bin", "octet", "blksize", "8" };
    rx_req(w, CPORT, LR_TFTP_RRQ, r, 4);
    assert_true(tx(w, &p));
    tid = p.sport;
    rx_ack(w, CPORT, tid, 0);
    uint64_t off = 0;
    for (uint32_t i = 1; off < ROLL_SIZE || i == 1; i++) {
        uint16_t blk = (uint16_t)i; /* 65536 -> 0, 65537 -> 1 */
        uint32_t len = ROLL_SIZE - off < 8 ? (uint32_t)(ROLL_SIZE - off) : 8;
        assert_true(tx(w, &p));
        assert_int_equal(p.data[2] << 8 | p.data[3], blk);
        assert_int_equal(p.len, 4 + len);
        if (memcmp(p.data + 4, big + off, len) != 0)
            fail_msg("block %u differs", i);
        off += len;
        rx_ack(w, CPORT, tid, blk);
        if (len < 8)
            break;
    }
    assert_int_equal(off, ROLL_SIZE);
    assert_false(tx(w, &p));
    assert_int_equal(counters(w).completed, 1);
    assert_int_equal(counters(w).blocks_sent, 65537);
    assert_int_equal(lr_test_pool_in_use(w), base);
    rmworker(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(octet_plain),       cmocka_unit_test(options_negotiated),
        cmocka_unit_test(netascii_mode),     cmocka_unit_test(retransmit_and_duplicates),
        cmocka_unit_test(request_errors),    cmocka_unit_test(foreign_tid_and_busy),
        cmocka_unit_test(shutdown_notifies), cmocka_unit_test(block_rollover),
        cmocka_unit_test(window_octet),      cmocka_unit_test(window_netascii),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
