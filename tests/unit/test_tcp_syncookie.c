/* SPDX-License-Identifier: BSD-3-Clause */
/* SYN cookies (RFC 4987 §3.6) when the SYN queue is full; memory stays bounded under a flood. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lr_tcp_test.h"
#include "lr_test.h"

static void small_backlog(struct lrt_env *e, uint32_t backlog)
{
    struct lr_config cfg = e->cfg;
    cfg.tcp.backlog = backlog;
    cfg.tcp.syncookies = true;
    lrt_reinit(e, &cfg);
    lrt_listen(e, 80);
}

/* Queue full: a cookie SYN-ACK, no state; a valid ACK creates the connection */
static void test_cookie_accept(void **state)
{
    struct lrt_env *e = *state;
    small_backlog(e, 1);
    e->peer_port = 50001;
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_SYN });
    lrt_drain(e);
    assert_int_equal(lrt_active(e), 1);
    e->peer_port = 50002;
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_SYN });
    struct lrt_seg s;
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.flags, LRT_SYN | LRT_ACK);
    assert_int_equal(lrt_active(e), 1); /* no state for the cookie */
    assert_int_equal(lrt_counters(e).syncookies_sent, 1);
    e->peer_ack = s.seq + 1;
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK });
    assert_int_equal(lrt_counters(e).syncookies_ok, 1);
    assert_int_equal(e->app.accepts, 1);
    assert_int_equal(lrt_active(e), 2);
    struct lr_tcp_conn *c = e->app.conn;
    lrt_send_data(e, "cookie", 6);
    assert_int_equal(e->app.rcvd, 6);
    assert_int_equal(lr_tcp_send(e->w, c, "ok", 2), 2);
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.seq, e->peer_ack);
    assert_int_equal(s.len, 2);
}

/* The cookie's ACK and the peer's first data in one receive burst: the
 * connection the ACK creates takes the data (no RST, nothing lost). */
static void test_cookie_ack_and_data_one_burst(void **state)
{
    struct lrt_env *e = *state;
    small_backlog(e, 1);
    e->peer_port = 50001;
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_SYN });
    lrt_drain(e);
    e->peer_port = 50002;
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_SYN });
    struct lrt_seg s;
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.flags, LRT_SYN | LRT_ACK);
    e->peer_ack = s.seq + 1;
    uint8_t f0[256], f1[256];
    size_t l0 = lrt_build(e, &(struct lrt_spec){ .flags = LRT_ACK }, f0, sizeof(f0));
    size_t l1 =
        lrt_build(e, &(struct lrt_spec){ .flags = LRT_ACK | LRT_PSH, .data = "burst", .len = 5 },
                  f1, sizeof(f1));
    const void *frames[2] = { f0, f1 };
    size_t lens[2] = { l0, l1 };
    lr_test_rx_burst(e->w, frames, lens, 2);
    assert_int_equal(lrt_counters(e).syncookies_ok, 1);
    assert_int_equal(lrt_counters(e).syncookies_bad, 0);
    assert_int_equal(e->app.accepts, 1);
    assert_int_equal(e->app.rcvd, 5);
    while (lrt_expect(e, &s))
        assert_false(s.flags & LRT_RST);
    assert_int_equal(lrt_drops(e, LR_DROP_TCP_NO_CONN), 0);
}

/* A forged ACK (wrong cookie) gets RST and is counted */
static void test_cookie_invalid(void **state)
{
    struct lrt_env *e = *state;
    small_backlog(e, 1);
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK, .ack_set = true, .ack = 0x12345678 });
    struct lrt_seg s;
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.flags, LRT_RST);
    assert_int_equal(s.seq, 0x12345678);
    assert_int_equal(lrt_drops(e, LR_DROP_TCP_SYNCOOKIE), 1);
    assert_int_equal(lrt_counters(e).syncookies_bad, 1);
    assert_int_equal(lrt_active(e), 0);
}

/* With timestamps the cookie carries window scale and SACK; timestamps continue */
static void test_cookie_options(void **state)
{
    struct lrt_env *e = *state;
    small_backlog(e, 1);
    e->peer_port = 50001;
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_SYN });
    lrt_drain(e);
    e->peer_port = 50003;
    e->ts = true;
    uint8_t opt[40];
    struct lr_tcp_opts o = { .has_mss = 1,
                             .mss = 1200,
                             .has_wscale = 1,
                             .wscale = 4,
                             .sack_ok = 1,
                             .has_ts = 1,
                             .ts_val = 999 };
    unsigned ol = lr_tcp_opts_write(opt, &o, true);
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_SYN, .opts = opt, .opts_len = ol });
    struct lrt_seg s;
    assert_true(lrt_expect(e, &s));
    assert_true(s.opts.has_ts);
    assert_true(s.opts.has_wscale);
    assert_true(s.opts.sack_ok);
    assert_int_equal(s.opts.ts_ecr, 999);
    e->peer_ack = s.seq + 1;
    e->ts_val = 1000;
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK, .wnd_set = true, .wnd = 100 });
    assert_int_equal(e->app.accepts, 1);
    struct lr_tcp_conn_info info;
    lr_tcp_conn_info_get(e->app.conn, &info);
    assert_int_equal(info.snd_wnd, 100u << 4); /* peer's shift restored from the cookie */
    assert_int_equal(lr_tcp_send(e->w, e->app.conn, "x", 1), 1);
    assert_true(lrt_expect(e, &s));
    assert_true(s.opts.has_ts);
    assert_true(s.len <= 1200);
}

/* SYN flood: state bounded by the backlog, cookies answer the rest, a real client gets in */
static void test_flood_bounded(void **state)
{
    struct lrt_env *e = *state;
    small_backlog(e, 4);
    for (unsigned i = 0; i < 200; i++) {
        e->peer_port = (uint16_t)(10000 + i);
        lrt_send(e, &(struct lrt_spec){ .flags = LRT_SYN });
    }
    assert_int_equal(lrt_drain(e), 200);
    assert_int_equal(lrt_active(e), 4);
    assert_int_equal(lrt_counters(e).syncookies_sent, 196);
    e->peer_port = 60000;
    struct lr_tcp_conn *c = lrt_handshake(e, 80);
    assert_non_null(c);
    assert_int_equal(lrt_active(e), 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_cookie_accept, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_cookie_ack_and_data_one_burst, lrt_setup,
                                        lrt_teardown),
        cmocka_unit_test_setup_teardown(test_cookie_invalid, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_cookie_options, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_flood_bounded, lrt_setup, lrt_teardown),
    };
    return cmocka_run_group_tests(tests, lr_test_group_setup, NULL);
}
