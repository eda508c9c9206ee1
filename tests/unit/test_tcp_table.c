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
        cmocka_unit_test_setup_teardown(test_counters_foreach, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_conns_foreach, lrt_setup, lrt_teardown),
    };
    return cmocka_run_group_tests(tests, lr_test_group_setup, NULL);
}
