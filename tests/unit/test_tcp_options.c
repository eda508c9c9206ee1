/* SPDX-License-Identifier: BSD-3-Clause */
/* Option negotiation: window scale (RFC 7323 §2), timestamps (§3), SACK blocks (RFC 2018). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lr_tcp_test.h"
#include "lr_test.h"

static struct lr_tcp_conn *syn_with(struct lrt_env *e, const struct lr_tcp_opts *o,
                                    struct lrt_seg *synack)
{
    lrt_listen(e, 80);
    uint8_t opt[40];
    unsigned ol = lr_tcp_opts_write(opt, o, true);
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_SYN, .opts = opt, .opts_len = ol });
    assert_true(lrt_expect(e, synack));
    e->peer_ack = synack->seq + 1;
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK });
    assert_non_null(e->app.conn);
    return e->app.conn;
}

/* Window scaling only when both SYNs carry it: without it, windows are unscaled */
static void test_wscale_needs_both(void **state)
{
    struct lrt_env *e = *state;
    struct lr_tcp_opts o = { .has_mss = 1, .mss = 1460 };
    struct lrt_seg s;
    struct lr_tcp_conn *c = syn_with(e, &o, &s);
    assert_false(s.opts.has_wscale);
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK, .wnd_set = true, .wnd = 1000 });
    struct lr_tcp_conn_info info;
    lr_tcp_conn_info_get(c, &info);
    assert_int_equal(info.snd_wnd, 1000);
    lrt_send_data(e, "a", 1);
    lrt_send_data(e, "b", 1);
    assert_true(lrt_expect(e, &s));
    /* our window is the real byte count (≤ 65535), not shifted */
    assert_int_equal(s.wnd, RTE_MIN(e->cfg.tcp.rcvbuf, 65535u));
}

/* A shift above 14 is used as 14 (RFC 7323 §2.3); our SYN-ACK window is unscaled */
static void test_wscale_clamped(void **state)
{
    struct lrt_env *e = *state;
    struct lr_tcp_opts o = { .has_mss = 1, .mss = 1460, .has_wscale = 1, .wscale = 15 };
    struct lrt_seg s;
    struct lr_tcp_conn *c = syn_with(e, &o, &s);
    assert_true(s.opts.has_wscale);
    assert_int_equal(s.wnd, RTE_MIN(e->cfg.tcp.rcvbuf, 65535u));
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK, .wnd_set = true, .wnd = 3 });
    struct lr_tcp_conn_info info;
    lr_tcp_conn_info_get(c, &info);
    assert_int_equal(info.snd_wnd, 3u << 14);
    /* our scaled window field: rcvbuf >> our shift */
    lrt_send_data(e, "a", 1);
    lrt_send_data(e, "b", 1);
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.wnd,
                     (e->cfg.tcp.rcvbuf + (1u << e->cfg.tcp.wscale) - 1) >> e->cfg.tcp.wscale);
}

/* Timestamps in every segment once agreed (data, pure ACKs, FIN); none otherwise */
static void test_timestamps_every_segment(void **state)
{
    struct lrt_env *e = *state;
    e->ts = true;
    struct lr_tcp_opts o = { .has_mss = 1, .mss = 1460, .has_ts = 1, .ts_val = 4242 };
    struct lrt_seg s;
    struct lr_tcp_conn *c = syn_with(e, &o, &s);
    assert_true(s.opts.has_ts);
    assert_int_equal(s.opts.ts_ecr, 4242);
    assert_int_equal(lr_tcp_send(e->w, c, "data", 4), 4);
    assert_true(lrt_expect(e, &s));
    assert_true(s.opts.has_ts);
    uint32_t tsv = s.opts.ts_val;
    lr_test_advance(e->w, 5000);
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK, .ack_set = true, .ack = s.seq + 4 });
    lrt_send_data(e, "x", 1);
    lrt_send_data(e, "y", 1);
    assert_true(lrt_expect(e, &s));
    assert_true(s.opts.has_ts);
    assert_true(s.opts.ts_val >= tsv + 5); /* 1 ms clock */
    assert_int_equal(s.opts.ts_ecr, e->ts_val - 1);
    lr_tcp_close(e->w, c);
    assert_true(lrt_expect(e, &s));
    assert_true(s.flags & LRT_FIN);
    assert_true(s.opts.has_ts);
}

static void test_no_timestamps_unless_agreed(void **state)
{
    struct lrt_env *e = *state;
    struct lr_tcp_opts o = { .has_mss = 1, .mss = 1460 };
    struct lrt_seg s;
    struct lr_tcp_conn *c = syn_with(e, &o, &s);
    assert_false(s.opts.has_ts);
    assert_int_equal(lr_tcp_send(e->w, c, "data", 4), 4);
    assert_true(lrt_expect(e, &s));
    assert_false(s.opts.has_ts);
    assert_int_equal(s.hlen, 20);
}

/* SACK blocks advertised from the out-of-order queue: at most 3 with timestamps */
static void test_sack_blocks_advertised(void **state)
{
    struct lrt_env *e = *state;
    e->ts = true;
    struct lr_tcp_opts o = { .has_mss = 1, .mss = 1460, .has_ts = 1, .ts_val = 1, .sack_ok = 1 };
    struct lrt_seg s;
    syn_with(e, &o, &s);
    assert_true(s.opts.sack_ok);
    uint32_t base = e->peer_seq;
    for (int i = 1; i <= 4; i++)
        lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK,
                                        .seq_set = true,
                                        .seq = base + (uint32_t)i * 200,
                                        .data = "0123456789",
                                        .len = 10 });
    struct lrt_seg last;
    unsigned n = 0;
    while (lrt_expect(e, &s)) {
        last = s;
        n++;
    }
    assert_int_equal(n, 4);
    assert_int_equal(last.ack, base);
    assert_int_equal(last.opts.nb_sack, 3);
    assert_int_equal(last.opts.sack[0].start, base + 800); /* most recent first */
    assert_int_equal(last.opts.sack[0].end, base + 810);
}

/* Without SACK-permitted in the SYN, no SACK-permitted in the SYN-ACK and no blocks */
static void test_no_sack_unless_permitted(void **state)
{
    struct lrt_env *e = *state;
    struct lr_tcp_opts o = { .has_mss = 1, .mss = 1460 };
    struct lrt_seg s;
    syn_with(e, &o, &s);
    assert_false(s.opts.sack_ok);
    lrt_send(
        e,
        &(struct lrt_spec){
            .flags = LRT_ACK, .seq_set = true, .seq = e->peer_seq + 500, .data = "x", .len = 1 });
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.opts.nb_sack, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_wscale_needs_both, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_wscale_clamped, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_timestamps_every_segment, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_no_timestamps_unless_agreed, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_sack_blocks_advertised, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_no_sack_unless_permitted, lrt_setup, lrt_teardown),
    };
    return cmocka_run_group_tests(tests, lr_test_group_setup, NULL);
}
