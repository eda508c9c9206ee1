/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP CLOSED and LISTEN states (RFC 9293 §3.10.7.1, §3.10.7.2) and input
 * validation (checksum, data offset, options, missing MSS).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lr_net.h"
#include "lr_tcp_test.h"
#include "lr_test.h"

/* SYN to a closed port -> <SEQ=0><ACK=SEG.SEQ+1><CTL=RST,ACK> */
static void test_closed_syn_rst_ack(void **state)
{
    struct lrt_env *e = *state;
    e->local_port = 81;
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_SYN, .seq_set = true, .seq = 5000 });
    struct lrt_seg s;
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.flags, LRT_RST | LRT_ACK);
    assert_int_equal(s.seq, 0);
    assert_int_equal(s.ack, 5001);
    assert_int_equal(s.sport, 81);
    assert_int_equal(s.dport, e->peer_port);
    assert_false(lrt_expect(e, &s));
    assert_int_equal(lrt_drops(e, LR_DROP_TCP_NO_CONN), 1);
}

/* ACK to a closed port -> <SEQ=SEG.ACK><CTL=RST> */
static void test_closed_ack_rst_seq(void **state)
{
    struct lrt_env *e = *state;
    e->local_port = 81;
    lrt_send(e,
             &(struct lrt_spec){
                 .flags = LRT_ACK, .ack_set = true, .ack = 0xdeadbeef, .data = "abc", .len = 3 });
    struct lrt_seg s;
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.flags, LRT_RST);
    assert_int_equal(s.seq, 0xdeadbeef);
    assert_false(lrt_expect(e, &s));
}

/* RST to a closed port -> nothing */
static void test_closed_rst_nothing(void **state)
{
    struct lrt_env *e = *state;
    e->local_port = 81;
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_RST | LRT_ACK, .ack_set = true, .ack = 7 });
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_RST });
    struct lrt_seg s;
    assert_false(lrt_expect(e, &s));
    assert_int_equal(lrt_drops(e, LR_DROP_TCP_NO_CONN), 2);
}

/* LISTEN: RST ignored, ACK -> RST, SYN+FIN dropped, no connection created */
static void test_listen_rst_ack_synfin(void **state)
{
    struct lrt_env *e = *state;
    lrt_listen(e, 80);
    struct lrt_seg s;
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_RST });
    assert_false(lrt_expect(e, &s));
    assert_int_equal(lrt_drops(e, LR_DROP_TCP_RST), 1);

    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK, .ack_set = true, .ack = 12345 });
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.flags, LRT_RST);
    assert_int_equal(s.seq, 12345);

    lrt_send(e, &(struct lrt_spec){ .flags = LRT_SYN | LRT_FIN });
    assert_false(lrt_expect(e, &s));
    assert_int_equal(lrt_drops(e, LR_DROP_TCP_FLAGS), 1);
    assert_int_equal(lrt_active(e), 0);
}

/* SYN -> SYN-ACK with our MSS and an unscaled window; ACK -> ESTABLISHED, accept() */
static void test_listen_handshake(void **state)
{
    struct lrt_env *e = *state;
    lrt_listen(e, 80);
    struct lr_tcp_conn *c = lrt_handshake(e, 80);
    assert_non_null(c);
    assert_int_equal(e->app.accepts, 1);
    struct lr_tcp_counters k = lrt_counters(e);
    assert_int_equal(k.state[LR_TCP_ESTABLISHED], 1);
    assert_int_equal(k.opened_passive, 1);
    rte_be32_t la, ra;
    uint16_t lp, rp;
    lr_tcp_conn_tuple(c, &la, &lp, &ra, &rp);
    assert_int_equal(la, LR_TEST_OUR_IP);
    assert_int_equal(ra, LR_TEST_PEER_IP);
    assert_int_equal(lp, 80);
    assert_int_equal(rp, e->peer_port);
}

static void test_listen_synack_options(void **state)
{
    struct lrt_env *e = *state;
    lrt_listen(e, 80);
    /* SYN with MSS 1000, WS 3, SACK-permitted, timestamps */
    uint8_t opt[40];
    struct lr_tcp_opts o = { .has_mss = 1,
                             .mss = 1000,
                             .has_wscale = 1,
                             .wscale = 3,
                             .sack_ok = 1,
                             .has_ts = 1,
                             .ts_val = 77 };
    unsigned ol = lr_tcp_opts_write(opt, &o, true);
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_SYN, .opts = opt, .opts_len = ol });
    struct lrt_seg s;
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.flags, LRT_SYN | LRT_ACK);
    assert_true(s.opts.has_mss);
    assert_int_equal(s.opts.mss, 1460);
    assert_true(s.opts.has_wscale);
    assert_int_equal(s.opts.wscale, e->cfg.tcp.wscale);
    assert_true(s.opts.sack_ok);
    assert_true(s.opts.has_ts);
    assert_int_equal(s.opts.ts_ecr, 77);
    /* RFC 7323 §2.2: the window of a SYN is not scaled */
    assert_int_equal(s.wnd, RTE_MIN(e->cfg.tcp.rcvbuf, 65535u));
}

/* No options in the SYN: no WS/SACK/TS in the SYN-ACK, and MSS 536 is used */
static void test_listen_no_mss_536(void **state)
{
    struct lrt_env *e = *state;
    lrt_listen(e, 80);
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_SYN });
    struct lrt_seg s;
    assert_true(lrt_expect(e, &s));
    assert_false(s.opts.has_wscale);
    assert_false(s.opts.sack_ok);
    assert_false(s.opts.has_ts);
    e->peer_ack = s.seq + 1;
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK });
    struct lr_tcp_conn *c = e->app.conn;
    assert_non_null(c);
    static uint8_t big[2000];
    lrt_pattern(big, sizeof(big), 0);
    assert_int_equal(lr_tcp_send(e->w, c, big, sizeof(big)), (int)sizeof(big));
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.len, 536); /* RFC 9293 §3.7.1 default */
    assert_int_equal(s.seq, e->peer_ack);
}

/* Bad checksum: silent drop */
static void test_bad_checksum(void **state)
{
    struct lrt_env *e = *state;
    lrt_listen(e, 80);
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_SYN, .bad_csum = true });
    struct lrt_seg s;
    assert_false(lrt_expect(e, &s));
    assert_int_equal(lrt_drops(e, LR_DROP_TCP_CSUM), 1);
    assert_int_equal(lrt_active(e), 0);
}

/* The device's verdict on the checksum: BAD drops a good segment, GOOD and
 * NONE (virtio: data verified, the field a partial sum) take a wrong one,
 * UNKNOWN is checked in software. */
static void rx_syn_flags(struct lrt_env *e, uint64_t ol, bool bad)
{
    uint8_t frame[256];
    size_t n =
        lrt_build(e, &(struct lrt_spec){ .flags = LRT_SYN, .bad_csum = bad }, frame, sizeof(frame));
    struct rte_mbuf *m = lr_test_mbuf(e->w, frame, n);
    assert_non_null(m);
    m->ol_flags |= ol;
    lr_eth_input_burst(e->w, lr_test_port(e->w), &m, 1);
}

static void test_checksum_device_flags(void **state)
{
    struct lrt_env *e = *state;
    struct lrt_seg s;
    lrt_listen(e, 80);
    rx_syn_flags(e, RTE_MBUF_F_RX_L4_CKSUM_BAD, false);
    assert_false(lrt_expect(e, &s));
    assert_int_equal(lrt_drops(e, LR_DROP_TCP_CSUM), 1);
    rx_syn_flags(e, RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN, true);
    assert_false(lrt_expect(e, &s));
    assert_int_equal(lrt_drops(e, LR_DROP_TCP_CSUM), 2);
    e->peer_port++;
    rx_syn_flags(e, RTE_MBUF_F_RX_L4_CKSUM_NONE, true);
    assert_true(lrt_expect(e, &s));
    assert_true((s.flags & LRT_SYN) && (s.flags & LRT_ACK));
    e->peer_port++;
    rx_syn_flags(e, RTE_MBUF_F_RX_L4_CKSUM_GOOD, true);
    assert_true(lrt_expect(e, &s));
    assert_true((s.flags & LRT_SYN) && (s.flags & LRT_ACK));
    assert_int_equal(lrt_drops(e, LR_DROP_TCP_CSUM), 2);
}

/* Data offset below 5 or beyond the segment; option lengths 0, 1, overrun */
static void test_bad_offset_and_options(void **state)
{
    struct lrt_env *e = *state;
    lrt_listen(e, 80);
    struct lrt_seg s;
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_SYN, .doff_set = true, .doff = 4 });
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_SYN, .doff_set = true, .doff = 15 });
    assert_int_equal(lrt_drops(e, LR_DROP_TCP_OFFSET), 2);
    static const uint8_t len0[4] = { 2, 0, 1, 1 };    /* MSS kind, length 0 */
    static const uint8_t len1[4] = { 8, 1, 1, 1 };    /* length 1 */
    static const uint8_t over[4] = { 2, 8, 5, 0xb4 }; /* length runs past the header */
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_SYN, .opts = len0, .opts_len = 4 });
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_SYN, .opts = len1, .opts_len = 4 });
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_SYN, .opts = over, .opts_len = 4 });
    assert_int_equal(lrt_drops(e, LR_DROP_TCP_OPTIONS), 3);
    assert_false(lrt_expect(e, &s));
    assert_int_equal(lrt_active(e), 0);
}

/* Backlog full without SYN cookies: refused and counted */
static void test_backlog_full(void **state)
{
    struct lrt_env *e = *state;
    struct lr_config cfg = e->cfg;
    cfg.tcp.syncookies = false;
    cfg.tcp.backlog = 2;
    lrt_reinit(e, &cfg);
    lrt_listen(e, 80);
    for (int i = 0; i < 3; i++) {
        e->peer_port = (uint16_t)(41000 + i);
        lrt_send(e, &(struct lrt_spec){ .flags = LRT_SYN });
    }
    assert_int_equal(lrt_drain(e), 2);
    assert_int_equal(lrt_drops(e, LR_DROP_TCP_BACKLOG), 1);
    assert_int_equal(lrt_counters(e).state[LR_TCP_SYN_RCVD], 2);
}

/* Listener API errors */
static void test_listen_api(void **state)
{
    struct lrt_env *e = *state;
    lrt_listen(e, 80);
    assert_int_equal(lr_tcp_listen(e->w, 80, &lrt_listen_ops, e, NULL), -EADDRINUSE);
    assert_int_equal(lr_tcp_listen(e->w, 0, &lrt_listen_ops, e, NULL), -EINVAL);
    assert_int_equal(lr_tcp_unlisten(e->w, 80), 0);
    assert_int_equal(lr_tcp_unlisten(e->w, 80), -ENOENT);
    /* now closed: SYN gets RST */
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_SYN });
    struct lrt_seg s;
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.flags, LRT_RST | LRT_ACK);
}

/* accept() refusing: the peer gets a RST, no connection remains */
static void test_accept_refused(void **state)
{
    struct lrt_env *e = *state;
    lrt_listen(e, 80);
    e->app.refuse = true;
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_SYN });
    struct lrt_seg s;
    assert_true(lrt_expect(e, &s));
    e->peer_ack = s.seq + 1;
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK });
    assert_true(lrt_expect(e, &s));
    assert_true(s.flags & LRT_RST);
    assert_int_equal(lrt_active(e), 0);
    assert_int_equal(e->app.closed, 0);
    assert_int_equal(lrt_counters(e).accept_refused, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_closed_syn_rst_ack, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_closed_ack_rst_seq, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_closed_rst_nothing, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_listen_rst_ack_synfin, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_listen_handshake, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_listen_synack_options, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_listen_no_mss_536, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_bad_checksum, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_checksum_device_flags, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_bad_offset_and_options, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_backlog_full, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_listen_api, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_accept_refused, lrt_setup, lrt_teardown),
    };
    return cmocka_run_group_tests(tests, lr_test_group_setup, NULL);
}
