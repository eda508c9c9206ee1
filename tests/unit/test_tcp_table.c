/* SPDX-License-Identifier: BSD-3-Clause */
/* Connection table: full table, bulk lookup over a burst, listing, pool baseline. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lr_tcp_test.h"
#include "lr_test.h"

/* Table full: new SYNs refused (RST) and counted, established ones unaffected */
static void test_table_full(void **state)
{
    struct lrt_env *e = *state;
    struct lr_config cfg = e->cfg;
    cfg.tcp.max_conns = 4;
    lrt_reinit(e, &cfg);
    lrt_listen(e, 80);
    struct lr_tcp_conn *c[4];
    uint32_t seq[4], ack[4];
    for (int i = 0; i < 4; i++) {
        e->peer_port = (uint16_t)(20000 + i);
        c[i] = lrt_handshake(e, 80);
        assert_non_null(c[i]);
        seq[i] = e->peer_seq;
        ack[i] = e->peer_ack;
    }
    e->peer_port = 20004;
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_SYN });
    struct lrt_seg s;
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.flags, LRT_RST | LRT_ACK);
    assert_int_equal(lrt_drops(e, LR_DROP_TCP_TABLE_FULL), 1);
    assert_null(lr_tcp_connect(e->w, LR_TEST_PEER_IP, 80, 0, 0, &lrt_conn_ops, e));
    /* established connections still work */
    e->peer_port = 20002;
    e->peer_seq = seq[2];
    e->peer_ack = ack[2];
    lrt_send_data(e, "still", 5);
    assert_int_equal(e->app.rcvd, 5);
    assert_int_equal(lrt_active(e), 4);
}

/* Our close of the connection just opened from e->peer_port, the peer's
 * FIN+ACK: the connection waits in TIME_WAIT (RFC 9293 §3.6). */
static void close_to_time_wait(struct lrt_env *e, struct lr_tcp_conn *c)
{
    lr_tcp_close(e->w, c);
    struct lrt_seg s;
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.flags, LRT_FIN | LRT_ACK);
    lrt_send(e,
             &(struct lrt_spec){ .flags = LRT_ACK | LRT_FIN, .ack_set = true, .ack = s.seq + 1 });
    lrt_drain(e);
    assert_int_equal(lr_tcp_conn_state(c), LR_TCP_TIME_WAIT);
}

/*
 * A connection rate the table cannot hold in TIME_WAIT: 40 connections
 * closed by us one after the other through a table of 32. Once only the
 * reserve (32 / 16 = 2) is free, each new connection ends the oldest
 * TIME_WAIT early (counted), so none is refused; established connections
 * are never taken.
 */
static void test_time_wait_reclaimed(void **state)
{
    struct lrt_env *e = *state;
    struct lr_config cfg = e->cfg;
    cfg.tcp.max_conns = 32;
    lrt_reinit(e, &cfg);
    lrt_listen(e, 80);
    /* one established connection that must survive it all */
    e->peer_port = 19999;
    struct lr_tcp_conn *keep = lrt_handshake(e, 80);
    assert_non_null(keep);
    uint32_t keep_seq = e->peer_seq, keep_ack = e->peer_ack;
    for (int i = 0; i < 40; i++) {
        e->peer_port = (uint16_t)(20000 + i);
        struct lr_tcp_conn *c = lrt_handshake(e, 80);
        assert_non_null(c);
        close_to_time_wait(e, c);
    }
    struct lr_tcp_counters n = lrt_counters(e);
    /* allocations 31..41 found 2 free and a TIME_WAIT to end */
    assert_int_equal(n.time_wait_reclaimed, 11);
    assert_int_equal(n.state[LR_TCP_TIME_WAIT], 40 - 11);
    assert_int_equal(n.state[LR_TCP_ESTABLISHED], 1);
    assert_int_equal(lrt_drops(e, LR_DROP_TCP_TABLE_FULL), 0);
    assert_int_equal(n.rst_sent, 0);
    /* the oldest are gone: a segment of the first tuple finds no connection
     * (and gets a RST, RFC 9293 §3.10.7.1), the newest still waits */
    e->peer_port = 20000;
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK });
    struct lrt_seg s;
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.flags, LRT_RST);
    e->peer_port = 19999;
    e->peer_seq = keep_seq;
    e->peer_ack = keep_ack;
    lrt_send_data(e, "alive", 5);
    assert_int_equal(e->app.rcvd, 5);
    lrt_drain(e);
}

/* A table of 4 (reserve 1): TIME_WAIT gives way the same; once the table
 * holds established connections only, a new SYN is refused as before. */
static void test_time_wait_reclaim_small(void **state)
{
    struct lrt_env *e = *state;
    struct lr_config cfg = e->cfg;
    cfg.tcp.max_conns = 4;
    lrt_reinit(e, &cfg);
    lrt_listen(e, 80);
    for (int i = 0; i < 6; i++) {
        e->peer_port = (uint16_t)(21000 + i);
        struct lr_tcp_conn *c = lrt_handshake(e, 80);
        assert_non_null(c);
        close_to_time_wait(e, c);
    }
    struct lr_tcp_counters n = lrt_counters(e);
    assert_int_equal(n.time_wait_reclaimed, 3); /* allocations 4, 5 and 6 */
    assert_int_equal(n.state[LR_TCP_TIME_WAIT], 3);
    /* four established: the first three each end one of the TIME_WAIT
     * connections, the fourth takes the last free slot */
    for (int i = 0; i < 4; i++) {
        e->peer_port = (uint16_t)(22000 + i);
        assert_non_null(lrt_handshake(e, 80));
    }
    n = lrt_counters(e);
    assert_int_equal(n.state[LR_TCP_ESTABLISHED], 4);
    assert_int_equal(n.state[LR_TCP_TIME_WAIT], 0);
    e->peer_port = 22004;
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_SYN });
    struct lrt_seg s;
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.flags, LRT_RST | LRT_ACK);
    assert_int_equal(lrt_drops(e, LR_DROP_TCP_TABLE_FULL), 1);
}

/* One burst with segments of several connections: one bulk lookup, each delivered */
static void test_bulk_burst(void **state)
{
    struct lrt_env *e = *state;
    lrt_listen(e, 80);
    enum { N = 8 };
    uint32_t seq[N], ack[N];
    for (int i = 0; i < N; i++) {
        e->peer_port = (uint16_t)(30000 + i);
        assert_non_null(lrt_handshake(e, 80));
        seq[i] = e->peer_seq;
        ack[i] = e->peer_ack;
    }
    static uint8_t frames[N + 2][256];
    const void *fp[N + 2];
    size_t lens[N + 2];
    for (int i = 0; i < N; i++) {
        e->peer_port = (uint16_t)(30000 + i);
        e->peer_seq = seq[i];
        e->peer_ack = ack[i];
        lens[i] = lrt_build(
            e, &(struct lrt_spec){ .flags = LRT_ACK | LRT_PSH, .data = "0123456789", .len = 10 },
            frames[i], sizeof(frames[i]));
        fp[i] = frames[i];
    }
    /* plus a SYN to the listener and a segment for nobody */
    e->peer_port = 30100;
    lens[N] = lrt_build(e, &(struct lrt_spec){ .flags = LRT_SYN }, frames[N], sizeof(frames[N]));
    fp[N] = frames[N];
    e->peer_port = 30101;
    lens[N + 1] = lrt_build(e, &(struct lrt_spec){ .flags = LRT_ACK, .dport = 81 }, frames[N + 1],
                            sizeof(frames[N + 1]));
    fp[N + 1] = frames[N + 1];
    lr_test_rx_burst(e->w, fp, lens, N + 2);
    assert_int_equal(e->app.rcvd, N * 10);
    assert_int_equal(lrt_counters(e).state[LR_TCP_SYN_RCVD], 1);
    assert_int_equal(lrt_drops(e, LR_DROP_TCP_NO_CONN), 1);
    struct lr_tcp_conn_info info[16];
    assert_int_equal(lr_tcp_conns_list(e->w, info, 16, 0), N + 1);
    assert_int_equal(lr_tcp_conns_list(e->w, info, 16, 3), N - 2);
    lrt_drain(e);
}

/* Counters and names */
static void emit(void *arg, const char *name, uint64_t v)
{
    unsigned *n = arg;
    (*n)++;
    assert_non_null(name);
    (void)v;
}

static void test_counters_foreach(void **state)
{
    struct lrt_env *e = *state;
    struct lr_tcp_counters c = lrt_counters(e), sum;
    memset(&sum, 0, sizeof(sum));
    lr_tcp_counters_add(&sum, &c);
    unsigned n = 0;
    unsigned r = lr_tcp_counters_foreach(&sum, emit, &n);
    assert_int_equal(r, n);
    assert_true(n > LR_TCP_STATE_MAX);
    assert_string_equal(lr_tcp_state_name(LR_TCP_TIME_WAIT), "TIME_WAIT");
    assert_string_equal(lr_tcp_close_reason_name(LR_TCP_CLOSE_RESET), "reset");
}

static void seen(struct lr_worker *w, struct lr_tcp_conn *c, void *arg)
{
    (void)w;
    *(struct lr_tcp_conn **)arg = c;
}

/* lr_tcp_conns_foreach() visits the live connections; lr_tcp_conn_ops_get() gives their ops */
static void test_conns_foreach(void **state)
{
    struct lrt_env *e = *state;
    struct lr_tcp_conn *got = NULL;
    assert_int_equal(lr_tcp_conns_foreach(e->w, seen, &got), 0);
    struct lr_tcp_conn *c = lrt_open_conn(e, 80);
    assert_int_equal(lr_tcp_conns_foreach(e->w, seen, &got), 1);
    assert_ptr_equal(got, c);
    assert_ptr_equal(lr_tcp_conn_ops_get(c), &lrt_listen_ops.conn);
    lr_tcp_conn_ops_set(c, &lrt_conn_ops);
    assert_ptr_equal(lr_tcp_conn_ops_get(c), &lrt_conn_ops);
    lr_tcp_abort(e->w, c);
    assert_int_equal(lr_tcp_conns_foreach(e->w, seen, &got), 0);
    lrt_drain(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_table_full, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_bulk_burst, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_time_wait_reclaimed, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_time_wait_reclaim_small, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_counters_foreach, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_conns_foreach, lrt_setup, lrt_teardown),
    };
    return cmocka_run_group_tests(tests, lr_test_group_setup, NULL);
}
