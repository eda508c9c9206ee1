/* SPDX-License-Identifier: BSD-3-Clause */
/* SYN-SENT (RFC 9293 §3.10.7.3): active open, bad ACK, RST, SYN retries, simultaneous open. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <rte_ip.h>

#include "lr_tcp_test.h"
#include "lr_test.h"

/* connect(): the SYN carries our options; returns the SYN */
static struct lr_tcp_conn *do_connect(struct lrt_env *e, struct lrt_seg *syn)
{
    struct lr_tcp_conn *c = lr_tcp_connect(e->w, LR_TEST_PEER_IP, 8080, 0, 0, &lrt_conn_ops, e);
    assert_non_null(c);
    assert_int_equal(lr_tcp_conn_state(c), LR_TCP_SYN_SENT);
    assert_true(lrt_expect(e, syn));
    assert_int_equal(syn->flags, LRT_SYN);
    assert_int_equal(syn->dport, 8080);
    e->peer_port = 8080;
    e->local_port = syn->sport;
    e->peer_ack = syn->seq + 1;
    return c;
}

static void test_active_open(void **state)
{
    struct lrt_env *e = *state;
    struct lrt_seg s;
    struct lr_tcp_conn *c = do_connect(e, &s);
    assert_true(s.opts.has_mss);
    assert_true(s.opts.has_wscale);
    assert_true(s.opts.sack_ok);
    assert_true(s.opts.has_ts);
    assert_true(s.sport >= 32768);
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_SYN | LRT_ACK });
    assert_int_equal(e->app.connected, 1);
    assert_int_equal(lr_tcp_conn_state(c), LR_TCP_ESTABLISHED);
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.flags, LRT_ACK);
    assert_int_equal(s.ack, e->peer_seq);
    /* no timestamps/WS in the SYN-ACK: none used afterwards */
    assert_int_equal(lr_tcp_send(e->w, c, "GET", 3), 3);
    assert_true(lrt_expect(e, &s));
    assert_false(s.opts.has_ts);
    assert_int_equal(lrt_counters(e).opened_active, 1);
}

/* Bad ACK in SYN-SENT -> <SEQ=SEG.ACK><CTL=RST>, connection stays */
static void test_bad_ack_rst(void **state)
{
    struct lrt_env *e = *state;
    struct lrt_seg s;
    struct lr_tcp_conn *c = do_connect(e, &s);
    lrt_send(
        e, &(struct lrt_spec){ .flags = LRT_SYN | LRT_ACK, .ack_set = true, .ack = s.seq + 1000 });
    struct lrt_seg r;
    assert_true(lrt_expect(e, &r));
    assert_int_equal(r.flags, LRT_RST);
    assert_int_equal(r.seq, s.seq + 1000);
    assert_int_equal(lr_tcp_conn_state(c), LR_TCP_SYN_SENT);
    /* RST without ACK: ignored */
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_RST });
    assert_int_equal(lr_tcp_conn_state(c), LR_TCP_SYN_SENT);
    lr_tcp_abort(e->w, c);
}

/* RST with an acceptable ACK -> refused */
static void test_rst_refused(void **state)
{
    struct lrt_env *e = *state;
    struct lrt_seg s;
    do_connect(e, &s);
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_RST | LRT_ACK, .seq_set = true, .seq = 0 });
    assert_int_equal(e->app.closed, 1);
    assert_int_equal(e->app.reason, LR_TCP_CLOSE_REFUSED);
    assert_int_equal(lrt_active(e), 0);
    assert_int_equal(lrt_drain(e), 0);
}

/* SYN retransmitted from [tcp] syn_timeout with backoff, then refused */
static void test_syn_retries(void **state)
{
    struct lrt_env *e = *state;
    struct lr_config cfg = e->cfg;
    cfg.tcp.syn_retries = 2;
    lrt_reinit(e, &cfg);
    struct lrt_seg s;
    do_connect(e, &s);
    uint32_t iss = s.seq;
    lr_test_advance(e->w, cfg.tcp.syn_timeout - 1000);
    assert_false(lrt_expect(e, &s));
    lr_test_advance(e->w, 2000);
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.seq, iss);
    assert_int_equal(s.flags, LRT_SYN);
    lr_test_advance(e->w, 2 * cfg.tcp.syn_timeout - 2000);
    assert_false(lrt_expect(e, &s));
    lr_test_advance(e->w, 2000);
    assert_true(lrt_expect(e, &s));
    lr_test_advance(e->w, 4 * cfg.tcp.syn_timeout + 2000);
    assert_int_equal(e->app.closed, 1);
    assert_int_equal(e->app.reason, LR_TCP_CLOSE_REFUSED);
    assert_int_equal(lrt_active(e), 0);
}

/* Simultaneous open: SYN crosses ours -> SYN-RCVD (SYN-ACK), then ACK -> ESTABLISHED */
static void test_simultaneous_open(void **state)
{
    struct lrt_env *e = *state;
    struct lrt_seg s;
    struct lr_tcp_conn *c = do_connect(e, &s);
    uint32_t iss = s.seq;
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_SYN });
    assert_int_equal(lr_tcp_conn_state(c), LR_TCP_SYN_RCVD);
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.flags, LRT_SYN | LRT_ACK);
    assert_int_equal(s.seq, iss);
    assert_int_equal(s.ack, e->peer_seq);
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK });
    assert_int_equal(lr_tcp_conn_state(c), LR_TCP_ESTABLISHED);
    assert_int_equal(e->app.connected, 1);
}

/* Inject an ICMP destination unreachable (@code, next-hop @mtu) quoting a
 * segment we sent from @lport to @rport with sequence @seq. */
static void icmp_unreach(struct lrt_env *e, uint8_t code, uint16_t mtu, uint16_t lport,
                         uint16_t rport, uint32_t seq)
{
    uint8_t icmp[8 + 20 + 8];
    memset(icmp, 0, sizeof(icmp));
    icmp[0] = 3;
    icmp[1] = code;
    icmp[6] = (uint8_t)(mtu >> 8);
    icmp[7] = (uint8_t)mtu;
    struct rte_ipv4_hdr *q = (struct rte_ipv4_hdr *)(icmp + 8);
    q->version_ihl = 0x45;
    q->total_length = rte_cpu_to_be_16(1500);
    q->time_to_live = 64;
    q->next_proto_id = IPPROTO_TCP;
    q->src_addr = LR_TEST_OUR_IP;
    q->dst_addr = e->peer_ip;
    q->hdr_checksum = rte_ipv4_cksum(q);
    uint8_t *l4 = icmp + 28;
    l4[0] = (uint8_t)(lport >> 8);
    l4[1] = (uint8_t)lport;
    l4[2] = (uint8_t)(rport >> 8);
    l4[3] = (uint8_t)rport;
    l4[4] = (uint8_t)(seq >> 24);
    l4[5] = (uint8_t)(seq >> 16);
    l4[6] = (uint8_t)(seq >> 8);
    l4[7] = (uint8_t)seq;
    uint16_t ck = lr_test_inet_csum(icmp, sizeof(icmp));
    memcpy(icmp + 2, &ck, 2);
    uint8_t frame[256];
    struct lr_test_ipv4 p = { .proto = IPPROTO_ICMP, .payload = icmp, .payload_len = sizeof(icmp) };
    size_t n = lr_test_ipv4_frame(e->w, frame, sizeof(frame), &p);
    assert_true(n > 0);
    lr_test_rx(e->w, frame, n);
}

/* ICMP port unreachable about our SYN: refused (RFC 1122 §4.2.3.9); a quote
 * with a sequence outside the window is ignored (RFC 5927 §4.1) */
static void test_icmp_unreachable_refuses(void **state)
{
    struct lrt_env *e = *state;
    struct lrt_seg s;
    struct lr_tcp_conn *c = do_connect(e, &s);
    icmp_unreach(e, 3, 0, e->local_port, 8080, s.seq + 5000);
    assert_int_equal(lr_tcp_conn_state(c), LR_TCP_SYN_SENT);
    icmp_unreach(e, 3, 0, e->local_port, 8080, s.seq);
    assert_int_equal(e->app.closed, 1);
    assert_int_equal(e->app.reason, LR_TCP_CLOSE_REFUSED);
    assert_int_equal(lrt_active(e), 0);
}

/* Fragmentation needed (RFC 1191): the MSS drops and the data is resent smaller */
static void test_icmp_frag_needed(void **state)
{
    struct lrt_env *e = *state;
    struct lrt_seg s;
    struct lr_tcp_conn *c = do_connect(e, &s);
    uint8_t mss[4] = { 2, 4, 0x05, 0xb4 };
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_SYN | LRT_ACK, .opts = mss, .opts_len = 4 });
    lrt_drain(e);
    lr_tcp_conn_nodelay(c, true);
    static uint8_t d[1460];
    lrt_pattern(d, sizeof(d), 0);
    assert_int_equal(lr_tcp_send(e->w, c, d, sizeof(d)), (int)sizeof(d));
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.len, 1460);
    icmp_unreach(e, 4, 1000, e->local_port, 8080, s.seq);
    uint32_t total = 0;
    while (lrt_expect(e, &s)) {
        assert_true(s.len <= 960);
        total += s.len;
    }
    assert_true(total > 0);
    lr_tcp_abort(e->w, c);
    lrt_drain(e);
}

/* connect() API errors */
static void test_connect_errors(void **state)
{
    struct lrt_env *e = *state;
    assert_null(lr_tcp_connect(e->w, LR_TEST_IP(203, 0, 113, 1), 80, 0, 0, &lrt_conn_ops, e));
    assert_null(lr_tcp_connect(e->w, LR_TEST_PEER_IP, 0, 0, 0, &lrt_conn_ops, e));
    struct lr_tcp_conn *c = lr_tcp_connect(e->w, LR_TEST_PEER_IP, 80, 0, 5555, &lrt_conn_ops, e);
    assert_non_null(c);
    assert_null(lr_tcp_connect(e->w, LR_TEST_PEER_IP, 80, 0, 5555, &lrt_conn_ops, e));
    lr_tcp_abort(e->w, c);
    lrt_drain(e);
}

/* close() in SYN-SENT deletes the TCB (RFC 9293 §3.10.4) and, as for every
 * handle the app holds since connect(), reports closed() exactly once
 * (found by fuzz_tcp_session: the handle was dropped silently). */
static void test_close_in_syn_sent_reports_closed(void **state)
{
    struct lrt_env *e = *state;
    struct lrt_seg syn;
    struct lr_tcp_conn *c = do_connect(e, &syn);
    lr_tcp_close(e->w, c);
    assert_int_equal(e->app.closed, 1);
    assert_int_equal(e->app.reason, LR_TCP_CLOSE_NORMAL);
    assert_int_equal(lrt_active(e), 0);
    assert_int_equal(lrt_drain(e), 0); /* nothing sent: there is no peer state to reset */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_active_open, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_bad_ack_rst, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_rst_refused, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_syn_retries, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_simultaneous_open, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_connect_errors, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_icmp_unreachable_refuses, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_icmp_frag_needed, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_close_in_syn_sent_reports_closed, lrt_setup,
                                        lrt_teardown),
    };
    return cmocka_run_group_tests(tests, lr_test_group_setup, NULL);
}
