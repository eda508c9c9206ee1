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

/* The peer's FIN ended the connection normally: TIME_WAIT, our last ACK
 * covers it, no RST. */
static void assert_closed_to_time_wait(struct lrt_env *e)
{
    struct lrt_seg s;
    assert_int_equal(e->app.closed, 1);
    assert_int_equal(e->app.reason, LR_TCP_CLOSE_NORMAL);
    assert_int_equal(lrt_counters(e).state[LR_TCP_TIME_WAIT], 1);
    assert_true(lrt_expect(e, &s));
    assert_false(s.flags & LRT_RST);
    assert_int_equal(s.ack, e->peer_seq);
}

/* lr_tcp_close_discard: the peer's close_notify (24 B, TLS 1.3), sent before
 * it has our FIN, is acknowledged and dropped, not answered by RST; then
 * its FIN ends the connection normally (RFC 8446 §6.1). */
static void test_close_discard_close_notify(void **state)
{
    struct lrt_env *e = *state;
    struct lr_tcp_conn *c = lrt_open_conn(e, 80);
    uint32_t rcvd = e->app.rcvd;
    lr_tcp_close_discard(e->w, c, 32);
    struct lrt_seg s;
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.flags, LRT_FIN | LRT_ACK);
    uint32_t fin_seq = s.seq;
    static const uint8_t alert[24] = { 0x17, 0x03, 0x03, 0x00, 0x13 };
    /* acknowledges everything but our FIN */
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK | LRT_PSH,
                                    .ack_set = true,
                                    .ack = fin_seq,
                                    .data = alert,
                                    .len = sizeof(alert) });
    assert_int_equal(e->app.closed, 0);
    assert_int_equal(lr_tcp_conn_state(c), LR_TCP_FIN_WAIT_1);
    assert_int_equal(e->app.rcvd, rcvd); /* not delivered */
    assert_int_equal(lrt_drops(e, LR_DROP_TCP_AFTER_CLOSE), 1);
    bool acked = false;
    while (lrt_expect(e, &s)) {
        assert_false(s.flags & LRT_RST);
        acked = acked || ((s.flags & LRT_ACK) && s.ack == e->peer_seq);
    }
    assert_true(acked);
    lrt_send(e,
             &(struct lrt_spec){ .flags = LRT_ACK | LRT_FIN, .ack_set = true, .ack = fin_seq + 1 });
    assert_closed_to_time_wait(e);
}

/* The FIN may ride on the discarded bytes; past the budget, data resets. */
static void test_close_discard_budget(void **state)
{
    struct lrt_env *e = *state;
    struct lr_tcp_conn *c = lrt_open_conn(e, 80);
    lr_tcp_close_discard(e->w, c, 32);
    struct lrt_seg s;
    assert_true(lrt_expect(e, &s));
    uint32_t fin_seq = s.seq;
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK | LRT_PSH | LRT_FIN,
                                    .ack_set = true,
                                    .ack = fin_seq + 1,
                                    .data = "close_notify",
                                    .len = 12 });
    assert_closed_to_time_wait(e);
    lrt_drain(e);

    /* a second connection: 20 + 20 bytes against a budget of 32 */
    e->peer_port++;
    c = lrt_handshake(e, 80);
    assert_non_null(c);
    lrt_drain(e);
    e->app.closed = 0;
    lr_tcp_close_discard(e->w, c, 32);
    assert_true(lrt_expect(e, &s));
    lrt_send_data(e, "twenty bytes of data", 20);
    assert_int_equal(e->app.closed, 0);
    lrt_drain(e);
    lrt_send_data(e, "twenty bytes of data", 20);
    assert_true(lrt_expect(e, &s));
    assert_true(s.flags & LRT_RST);
    assert_int_equal(e->app.closed, 1);
    assert_int_equal(e->app.reason, LR_TCP_CLOSE_ABORTED);
    assert_int_equal(lrt_drops(e, LR_DROP_TCP_AFTER_CLOSE), 2);
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

/*
 * Text and FIN in one segment, the application closes from data() (a client
 * reading a response the server sent with its FIN): RFC 9293 §3.10.7.4
 * processes the whole segment, text and FIN, so the close is a passive one
 * (CLOSE_WAIT -> LAST_ACK): one FIN,ACK acknowledges text and FIN, the
 * peer's ACK of our FIN ends the connection, no TIME_WAIT on our side.
 */
static void check_data_fin_close_last_ack(struct lrt_env *e, struct lr_tcp_conn *c,
                                          uint32_t fin_seq)
{
    assert_int_equal(e->app.data_state, LR_TCP_CLOSE_WAIT);
    assert_int_equal(lr_tcp_conn_state(c), LR_TCP_LAST_ACK);
    assert_int_equal(e->app.peer_closed, 0); /* closed before: reads no more */
    assert_int_equal(e->app.closed, 0);
    struct lrt_seg s;
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.flags, LRT_FIN | LRT_ACK);
    assert_int_equal(s.seq, e->peer_ack);
    assert_int_equal(s.ack, fin_seq + 1); /* text and FIN acknowledged */
    assert_false(lrt_expect(e, &s));      /* one segment does both */
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK, .ack_set = true, .ack = s.seq + 1 });
    assert_int_equal(e->app.closed, 1);
    assert_int_equal(e->app.reason, LR_TCP_CLOSE_NORMAL);
    assert_int_equal(lrt_counters(e).state[LR_TCP_TIME_WAIT], 0);
    assert_int_equal(lrt_active(e), 0);
    assert_false(lrt_expect(e, &s));
}

static void test_data_fin_close_in_data_last_ack(void **state)
{
    struct lrt_env *e = *state;
    e->app.close_in_data = true;
    struct lr_tcp_conn *c = lrt_open_conn(e, 80);
    lrt_send(e,
             &(struct lrt_spec){ .flags = LRT_ACK | LRT_PSH | LRT_FIN, .data = "bye", .len = 3 });
    assert_int_equal(e->app.rcvd, 3);
    check_data_fin_close_last_ack(e, c, e->peer_seq - 1);
}

/* The same on an active open (client mode): request out, response+FIN in. */
static void test_client_response_fin_close_last_ack(void **state)
{
    struct lrt_env *e = *state;
    struct lr_tcp_conn *c = lr_tcp_connect(e->w, LR_TEST_PEER_IP, 8080, 0, 0, &lrt_conn_ops, e);
    assert_non_null(c);
    struct lrt_seg s;
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.flags, LRT_SYN);
    e->peer_port = 8080;
    e->local_port = s.sport;
    e->peer_ack = s.seq + 1;
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_SYN | LRT_ACK });
    assert_int_equal(e->app.connected, 1);
    assert_int_equal(lr_tcp_send(e->w, c, "GET", 3), 3);
    lrt_drain(e);
    e->peer_ack += 3;
    e->app.close_in_data = true;
    lrt_send(e,
             &(struct lrt_spec){ .flags = LRT_ACK | LRT_PSH | LRT_FIN, .data = "200", .len = 3 });
    assert_int_equal(e->app.rcvd, 3);
    check_data_fin_close_last_ack(e, c, e->peer_seq - 1);
}

/* The FIN's segment queued out of order: filling the hole drains it; the
 * close from the data() of the FIN's text is passive too. */
static void test_ooo_fin_drain_close_last_ack(void **state)
{
    struct lrt_env *e = *state;
    e->app.close_in_data = true;
    e->app.close_at = 1500;
    struct lr_tcp_conn *c = lrt_open_conn(e, 80);
    uint8_t d[1500];
    lrt_pattern(d, sizeof(d), 0);
    uint32_t base = e->peer_seq;
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK | LRT_FIN,
                                    .seq_set = true,
                                    .seq = base + 1000,
                                    .data = d + 1000,
                                    .len = 500 });
    lrt_drain(e); /* duplicate ACK */
    lrt_send(e, &(struct lrt_spec){
                    .flags = LRT_ACK, .seq_set = true, .seq = base, .data = d, .len = 1000 });
    e->peer_seq = base + 1501; /* up to its FIN (seq_set does not advance it) */
    assert_int_equal(e->app.rcvd, 1500);
    assert_memory_equal(e->app.buf, d, 1500);
    check_data_fin_close_last_ack(e, c, base + 1500);
}

/* Text+FIN fills a hole while text past the FIN is queued: that text is
 * dropped before the app sees the segment, so its close is not a close with
 * unread data (no RST) but a passive close. */
static void test_fin_fills_hole_close_last_ack(void **state)
{
    struct lrt_env *e = *state;
    e->app.close_in_data = true;
    struct lr_tcp_conn *c = lrt_open_conn(e, 80);
    uint8_t d[2000];
    lrt_pattern(d, sizeof(d), 0);
    uint32_t base = e->peer_seq;
    lrt_send(
        e,
        &(struct lrt_spec){
            .flags = LRT_ACK, .seq_set = true, .seq = base + 1000, .data = d + 1000, .len = 1000 });
    lrt_drain(e);
    lrt_send(
        e, &(struct lrt_spec){
               .flags = LRT_ACK | LRT_FIN, .seq_set = true, .seq = base, .data = d, .len = 1000 });
    e->peer_seq = base + 1001; /* up to its FIN (seq_set does not advance it) */
    assert_int_equal(e->app.rcvd, 1000);
    assert_int_equal(lrt_drops(e, LR_DROP_TCP_AFTER_FIN), 1);
    check_data_fin_close_last_ack(e, c, base + 1000);
}

/* Without a close in data(): data() then peer_closed(), CLOSE_WAIT (the
 * order the API promises: no data() after peer_closed()). */
static void test_data_fin_then_peer_closed(void **state)
{
    struct lrt_env *e = *state;
    struct lr_tcp_conn *c = lrt_open_conn(e, 80);
    lrt_send(e,
             &(struct lrt_spec){ .flags = LRT_ACK | LRT_PSH | LRT_FIN, .data = "abc", .len = 3 });
    assert_int_equal(e->app.rcvd, 3);
    assert_int_equal(e->app.peer_closed, 1);
    assert_int_equal(lr_tcp_conn_state(c), LR_TCP_CLOSE_WAIT);
    struct lrt_seg s;
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.flags, LRT_ACK);
    assert_int_equal(s.ack, e->peer_seq);
    lr_tcp_close(e->w, c);
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.flags, LRT_FIN | LRT_ACK);
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK, .ack_set = true, .ack = s.seq + 1 });
    assert_int_equal(e->app.closed, 1);
    assert_int_equal(lrt_active(e), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_active_close_time_wait, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_simultaneous_close, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_fin_wait_1_fin_ack, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_close_unread_rst, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_close_discard_close_notify, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_close_discard_budget, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_data_after_close_rst, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_half_close, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_fin_wait_2_timeout, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_last_ack_fin_retransmit, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_time_wait_reuse, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_data_fin_close_in_data_last_ack, lrt_setup,
                                        lrt_teardown),
        cmocka_unit_test_setup_teardown(test_client_response_fin_close_last_ack, lrt_setup,
                                        lrt_teardown),
        cmocka_unit_test_setup_teardown(test_ooo_fin_drain_close_last_ack, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_fin_fills_hole_close_last_ack, lrt_setup,
                                        lrt_teardown),
        cmocka_unit_test_setup_teardown(test_data_fin_then_peer_closed, lrt_setup, lrt_teardown),
    };
    return cmocka_run_group_tests(tests, lr_test_group_setup, NULL);
}
