/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Closing states: FIN_WAIT_1, FIN_WAIT_2, CLOSING, TIME_WAIT, CLOSE_WAIT,
 * LAST_ACK (RFC 9293 §3.6, §3.10.4, §3.10.7.4 eighth).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lr_tcp_test.h"
#include "lr_test.h"

/* Active close: FIN_WAIT_1 -> FIN_WAIT_2 -> TIME_WAIT (2MSL), re-ACK of a retransmitted FIN */
static void test_active_close_time_wait(void **state)
{
    struct lrt_env *e = *state;
    struct lr_tcp_conn *c = lrt_open_conn(e, 80);
    lr_tcp_close(e->w, c);
    struct lrt_seg s;
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.flags, LRT_FIN | LRT_ACK);
    assert_int_equal(s.seq, e->peer_ack);
    assert_int_equal(lr_tcp_conn_state(c), LR_TCP_FIN_WAIT_1);
    assert_int_equal(e->app.fin_acked, 0);
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK, .ack_set = true, .ack = s.seq + 1 });
    assert_int_equal(lr_tcp_conn_state(c), LR_TCP_FIN_WAIT_2);
    /* Every byte and the FIN arrived: told at once, before the peer closes. */
    assert_int_equal(e->app.fin_acked, 1);
    assert_int_equal(e->app.closed, 0);
    lrt_send(e,
             &(struct lrt_spec){ .flags = LRT_ACK | LRT_FIN, .ack_set = true, .ack = s.seq + 1 });
    assert_int_equal(e->app.closed, 1);
    assert_int_equal(e->app.reason, LR_TCP_CLOSE_NORMAL);
    assert_int_equal(lrt_counters(e).state[LR_TCP_TIME_WAIT], 1);
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.flags, LRT_ACK);
    assert_int_equal(s.ack, e->peer_seq);
    /* retransmitted FIN: ACKed again, timer restarted */
    lr_test_advance(e->w, e->cfg.tcp.time_wait / 2);
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK | LRT_FIN,
                                    .seq_set = true,
                                    .seq = e->peer_seq - 1,
                                    .ack_set = true,
                                    .ack = s.seq });
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.ack, e->peer_seq);
    lr_test_advance(e->w, e->cfg.tcp.time_wait / 2 + 1000);
    assert_int_equal(lrt_counters(e).state[LR_TCP_TIME_WAIT], 1); /* restarted */
    lr_test_advance(e->w, e->cfg.tcp.time_wait / 2 + 2000);
    assert_int_equal(lrt_counters(e).state[LR_TCP_TIME_WAIT], 0);
    assert_int_equal(lrt_active(e), 0);
}

/* Simultaneous close: FIN_WAIT_1 + FIN -> CLOSING, ACK -> TIME_WAIT */
static void test_simultaneous_close(void **state)
{
    struct lrt_env *e = *state;
    struct lr_tcp_conn *c = lrt_open_conn(e, 80);
    lr_tcp_close(e->w, c);
    struct lrt_seg s;
    assert_true(lrt_expect(e, &s));
    uint32_t fin = s.seq;
    /* the peer's FIN crosses ours: it does not ACK our FIN */
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK | LRT_FIN, .ack_set = true, .ack = fin });
    assert_int_equal(lr_tcp_conn_state(c), LR_TCP_CLOSING);
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.ack, e->peer_seq);
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK, .ack_set = true, .ack = fin + 1 });
    assert_int_equal(lrt_counters(e).state[LR_TCP_TIME_WAIT], 1);
    assert_int_equal(e->app.closed, 1);
    assert_int_equal(e->app.fin_acked, 0); /* CLOSING -> TIME_WAIT: closed() says it */
}

/* FIN+ACK of our FIN in one segment: FIN_WAIT_1 -> TIME_WAIT */
static void test_fin_wait_1_fin_ack(void **state)
{
    struct lrt_env *e = *state;
    struct lr_tcp_conn *c = lrt_open_conn(e, 80);
    lr_tcp_close(e->w, c);
    struct lrt_seg s;
    assert_true(lrt_expect(e, &s));
    lrt_send(e,
             &(struct lrt_spec){ .flags = LRT_ACK | LRT_FIN, .ack_set = true, .ack = s.seq + 1 });
    assert_int_equal(lrt_counters(e).state[LR_TCP_TIME_WAIT], 1);
    assert_int_equal(e->app.fin_acked, 1); /* the ACK part first, then the FIN */
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.ack, e->peer_seq);
}

/* Close with unread data -> RST (RFC 9293 §3.10.4, RFC 2525 §2.17) */
static void test_close_unread_rst(void **state)
{
    struct lrt_env *e = *state;
    e->app.hold = true;
    struct lr_tcp_conn *c = lrt_open_conn(e, 80);
    lrt_send_data(e, "unread", 6);
    lrt_drain(e);
    lr_tcp_close(e->w, c);
    struct lrt_seg s;
    assert_true(lrt_expect(e, &s));
    assert_true(s.flags & LRT_RST);
    assert_int_equal(e->app.closed, 1);
    assert_int_equal(e->app.reason, LR_TCP_CLOSE_ABORTED);
    assert_int_equal(lrt_active(e), 0);
}

/* Data arriving after a full close is answered with RST */
static void test_data_after_close_rst(void **state)
{
    struct lrt_env *e = *state;
    struct lr_tcp_conn *c = lrt_open_conn(e, 80);
    lr_tcp_close(e->w, c);
    struct lrt_seg s;
    assert_true(lrt_expect(e, &s));
    lrt_send_data(e, "late", 4);
    assert_true(lrt_expect(e, &s));
    assert_true(s.flags & LRT_RST);
    assert_int_equal(e->app.reason, LR_TCP_CLOSE_ABORTED);
    assert_int_equal(lrt_active(e), 0);
}

/* Half-close: after shutdown_write we keep receiving until the peer's FIN */
static void test_half_close(void **state)
{
    struct lrt_env *e = *state;
    struct lr_tcp_conn *c = lrt_open_conn(e, 80);
    assert_int_equal(lr_tcp_send(e->w, c, "req", 3), 3);
    assert_int_equal(lr_tcp_shutdown_write(e->w, c), 0);
    struct lrt_seg s;
    uint32_t data = 0, fin_seq = 0;
    bool fin = false;
    while (lrt_expect(e, &s)) {
        data += s.len;
        if (s.flags & LRT_FIN) {
            fin = true;
            fin_seq = s.seq + s.len;
        }
    }
    assert_int_equal(data, 3);
    assert_true(fin);
    assert_int_equal(fin_seq, e->peer_ack + 3); /* FIN after the queued data */
    assert_int_equal(lr_tcp_send(e->w, c, "x", 1), -ENOTCONN);
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK, .ack_set = true, .ack = fin_seq + 1 });
    assert_int_equal(lr_tcp_conn_state(c), LR_TCP_FIN_WAIT_2);
    uint8_t d[1000];
    lrt_pattern(d, sizeof(d), 0);
    lrt_send_data(e, d, sizeof(d));
    lrt_send_data(e, d, sizeof(d));
    assert_int_equal(e->app.rcvd, 2000);
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK | LRT_FIN });
    assert_int_equal(e->app.peer_closed, 1);
    assert_int_equal(e->app.closed, 1);
    assert_int_equal(lrt_counters(e).state[LR_TCP_TIME_WAIT], 1);
    lrt_drain(e);
}

/* Orphaned FIN_WAIT_2 (app closed, peer never sends FIN) is reclaimed */
static void test_fin_wait_2_timeout(void **state)
{
    struct lrt_env *e = *state;
    struct lr_tcp_conn *c = lrt_open_conn(e, 80);
    lr_tcp_close(e->w, c);
    struct lrt_seg s;
    assert_true(lrt_expect(e, &s));
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK, .ack_set = true, .ack = s.seq + 1 });
    assert_int_equal(lrt_counters(e).state[LR_TCP_FIN_WAIT_2], 1);
    lr_test_advance(e->w, e->cfg.tcp.time_wait + 10000);
    assert_int_equal(lrt_active(e), 0);
    assert_int_equal(e->app.closed, 1);
    lrt_drain(e);
}

/* LAST_ACK: our FIN is retransmitted until ACKed */
static void test_last_ack_fin_retransmit(void **state)
{
    struct lrt_env *e = *state;
    struct lr_tcp_conn *c = lrt_open_conn(e, 80);
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK | LRT_FIN });
    lrt_drain(e);
    lr_tcp_close(e->w, c);
    struct lrt_seg s;
    assert_true(lrt_expect(e, &s));
    assert_true(s.flags & LRT_FIN);
    uint32_t fin = s.seq;
    lr_test_advance(e->w, 1100000);
    assert_true(lrt_expect(e, &s));
    assert_true(s.flags & LRT_FIN);
    assert_int_equal(s.seq, fin);
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK, .ack_set = true, .ack = fin + 1 });
    assert_int_equal(e->app.closed, 1);
    assert_int_equal(lrt_active(e), 0);
}

/* TIME_WAIT: a new SYN with a higher sequence opens a new connection (RFC 6191) */
static void test_time_wait_reuse(void **state)
{
    struct lrt_env *e = *state;
    struct lr_tcp_conn *c = lrt_open_conn(e, 80);
    lr_tcp_close(e->w, c);
    struct lrt_seg s;
    assert_true(lrt_expect(e, &s));
    lrt_send(e,
             &(struct lrt_spec){ .flags = LRT_ACK | LRT_FIN, .ack_set = true, .ack = s.seq + 1 });
    lrt_drain(e);
    e->peer_seq += 100000;
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_SYN });
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.flags, LRT_SYN | LRT_ACK);
    assert_int_equal(lrt_counters(e).time_wait_recycled, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_active_close_time_wait, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_simultaneous_close, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_fin_wait_1_fin_ack, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_close_unread_rst, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_data_after_close_rst, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_half_close, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_fin_wait_2_timeout, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_last_ack_fin_retransmit, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_time_wait_reuse, lrt_setup, lrt_teardown),
    };
    return cmocka_run_group_tests(tests, lr_test_group_setup, NULL);
}
