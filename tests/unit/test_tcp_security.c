/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Blind-attack defences: RFC 5961 (RST, SYN, ACK checks, challenge-ACK rate
 * limit), RFC 7323 PAWS, RFC 6528 ISNs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lr_tcp_test.h"
#include "lr_test.h"

/* RST with SEQ = RCV.NXT resets (RFC 5961 §3.2) */
static void test_rst_exact(void **state)
{
    struct lrt_env *e = *state;
    lrt_open_conn(e, 80);
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_RST });
    assert_int_equal(e->app.closed, 1);
    assert_int_equal(e->app.reason, LR_TCP_CLOSE_RESET);
    assert_int_equal(lrt_active(e), 0);
    assert_int_equal(lrt_drain(e), 0);
}

/* In-window RST not at RCV.NXT -> challenge ACK, connection survives */
static void test_rst_in_window_challenge(void **state)
{
    struct lrt_env *e = *state;
    struct lr_tcp_conn *c = lrt_open_conn(e, 80);
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_RST, .seq_set = true, .seq = e->peer_seq + 100 });
    struct lrt_seg s;
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.flags, LRT_ACK);
    assert_int_equal(s.ack, e->peer_seq);
    assert_int_equal(lr_tcp_conn_state(c), LR_TCP_ESTABLISHED);
    assert_int_equal(lrt_counters(e).challenge_acks, 1);
}

/* Out-of-window RST: ignored, nothing sent */
static void test_rst_out_of_window(void **state)
{
    struct lrt_env *e = *state;
    struct lr_tcp_conn *c = lrt_open_conn(e, 80);
    lrt_send(e, &(struct lrt_spec){
                    .flags = LRT_RST, .seq_set = true, .seq = e->peer_seq + 0x40000000 });
    assert_int_equal(lrt_drain(e), 0);
    assert_int_equal(lr_tcp_conn_state(c), LR_TCP_ESTABLISHED);
}

/* SYN on an established connection -> challenge ACK (RFC 5961 §4.2) */
static void test_syn_established_challenge(void **state)
{
    struct lrt_env *e = *state;
    struct lr_tcp_conn *c = lrt_open_conn(e, 80);
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_SYN, .seq_set = true, .seq = 12345 });
    struct lrt_seg s;
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.flags, LRT_ACK);
    assert_int_equal(s.ack, e->peer_seq);
    assert_int_equal(lr_tcp_conn_state(c), LR_TCP_ESTABLISHED);
    /* still works */
    lrt_send_data(e, "ok", 2);
    assert_int_equal(e->app.rcvd, 2);
}

/* ACK outside [SND.UNA - MAX.SND.WND, SND.NXT] -> ACK and drop (RFC 5961 §5.2) */
static void test_ack_out_of_range(void **state)
{
    struct lrt_env *e = *state;
    struct lr_tcp_conn *c = lrt_open_conn(e, 80);
    uint32_t una = e->peer_ack;
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK | LRT_PSH,
                                    .ack_set = true,
                                    .ack = una + 500,
                                    .data = "abc",
                                    .len = 3 });
    struct lrt_seg s;
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.ack, e->peer_seq - 3); /* data not accepted */
    assert_int_equal(e->app.rcvd, 0);
    assert_int_equal(lrt_drops(e, LR_DROP_TCP_ACK), 1);
    e->peer_seq -= 3;
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK, .ack_set = true, .ack = una - 200000 });
    assert_true(lrt_expect(e, &s));
    assert_int_equal(lrt_drops(e, LR_DROP_TCP_ACK), 2);
    assert_int_equal(lr_tcp_conn_state(c), LR_TCP_ESTABLISHED);
}

/* Challenge ACKs are limited per connection and second */
static void test_challenge_ack_limit(void **state)
{
    struct lrt_env *e = *state;
    lrt_open_conn(e, 80);
    unsigned limit = e->cfg.tcp.challenge_ack_limit;
    for (unsigned i = 0; i < limit + 5; i++)
        lrt_send(
            e, &(struct lrt_spec){ .flags = LRT_RST, .seq_set = true, .seq = e->peer_seq + 1 + i });
    assert_int_equal(lrt_drain(e), limit);
    assert_int_equal(lrt_counters(e).challenge_acks_limited, 5);
    lr_test_advance(e->w, 1000001);
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_RST, .seq_set = true, .seq = e->peer_seq + 1 });
    assert_int_equal(lrt_drain(e), 1);
}

/* PAWS: with timestamps agreed, an older TSval is dropped (and ACKed) */
static void test_paws(void **state)
{
    struct lrt_env *e = *state;
    e->ts = true;
    struct lr_tcp_conn *c = lrt_open_conn(e, 80);
    lrt_send_data(e, "new", 3);
    assert_int_equal(e->app.rcvd, 3);
    lrt_drain(e);
    lrt_send(e, &(struct lrt_spec){
                    .flags = LRT_ACK, .data = "old", .len = 3, .ts_set = true, .ts_val = 1 });
    assert_int_equal(e->app.rcvd, 3);
    assert_int_equal(lrt_drops(e, LR_DROP_TCP_PAWS), 1);
    struct lrt_seg s;
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.ack, e->peer_seq - 3);
    assert_int_equal(lr_tcp_conn_state(c), LR_TCP_ESTABLISHED);
}

/* RFC 6528 ISNs: different for every 4-tuple, not a fixed increment */
static void test_isn_unpredictable(void **state)
{
    struct lrt_env *e = *state;
    lrt_listen(e, 80);
    uint32_t isn[8];
    for (int i = 0; i < 8; i++) {
        e->peer_port = (uint16_t)(42000 + i);
        lrt_send(e, &(struct lrt_spec){ .flags = LRT_SYN });
        struct lrt_seg s;
        assert_true(lrt_expect(e, &s));
        isn[i] = s.seq;
    }
    unsigned same_delta = 0;
    for (int i = 2; i < 8; i++)
        if (isn[i] - isn[i - 1] == isn[i - 1] - isn[i - 2])
            same_delta++;
    assert_true(same_delta < 2);
    for (int i = 0; i < 8; i++)
        for (int j = i + 1; j < 8; j++)
            assert_true(isn[i] != isn[j]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rst_exact, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_rst_in_window_challenge, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_rst_out_of_window, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_syn_established_challenge, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_ack_out_of_range, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_challenge_ack_limit, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_paws, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_isn_unpredictable, lrt_setup, lrt_teardown),
    };
    return cmocka_run_group_tests(tests, lr_test_group_setup, NULL);
}
