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

/* Without timestamps up to 4 SACK blocks fit (RFC 2018 §3) */
static void test_sack_four_blocks_without_ts(void **state)
{
    struct lrt_env *e = *state;
    struct lr_tcp_opts o = { .has_mss = 1, .mss = 1460, .sack_ok = 1 };
    struct lrt_seg s;
    syn_with(e, &o, &s);
    assert_true(s.opts.sack_ok);
    assert_false(s.opts.has_ts);
    uint32_t base = e->peer_seq;
    for (int i = 1; i <= 5; i++)
        lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK,
                                        .seq_set = true,
                                        .seq = base + (uint32_t)i * 100,
                                        .data = "01234",
                                        .len = 5 });
    struct lrt_seg last;
    while (lrt_expect(e, &s))
        last = s;
    assert_int_equal(last.opts.nb_sack, 4);
}

/* The out-of-order queue is bounded by [tcp] ooo_max; the excess is counted */
static void test_ooo_queue_bounded(void **state)
{
    struct lrt_env *e = *state;
    struct lr_config cfg = e->cfg;
    cfg.tcp.ooo_max = 4;
    lrt_reinit(e, &cfg);
    struct lr_tcp_opts o = { .has_mss = 1, .mss = 1460 };
    struct lrt_seg s;
    syn_with(e, &o, &s);
    uint32_t base = e->peer_seq;
    for (int i = 1; i <= 6; i++)
        lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK,
                                        .seq_set = true,
                                        .seq = base + (uint32_t)i * 100,
                                        .data = "01234",
                                        .len = 5 });
    assert_int_equal(lrt_drops(e, LR_DROP_TCP_OOO_FULL), 2);
    assert_int_equal(lrt_counters(e).ooo_segs, 4);
    lrt_drain(e);
}

/* Bogus SACK blocks (beyond SND.NXT, empty) are ignored: recovery still resends the hole */
static void test_bogus_sack_ignored(void **state)
{
    struct lrt_env *e = *state;
    e->ts = true;
    lrt_listen(e, 80);
    struct lr_tcp_conn *c = lrt_handshake(e, 80);
    assert_non_null(c);
    lrt_drain(e);
    lr_tcp_conn_nodelay(c, true);
    static uint8_t d[3 * 1448];
    lrt_pattern(d, sizeof(d), 0);
    assert_int_equal(lr_tcp_send(e->w, c, d, sizeof(d)), (int)sizeof(d));
    assert_int_equal(lrt_drain(e), 3);
    uint32_t una = e->peer_ack;
    struct lr_sack_block bogus[2] = { { una + 100000, una + 101000 }, { una + 2000, una + 2000 } };
    for (int i = 0; i < 3; i++)
        lrt_send(e,
                 &(struct lrt_spec){
                     .flags = LRT_ACK, .ack_set = true, .ack = una, .sack = bogus, .nb_sack = 2 });
    struct lrt_seg s;
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.seq, una);
    /* partial ACK: with no valid SACK information the next segment is resent */
    lrt_send(
        e, &(struct lrt_spec){
               .flags = LRT_ACK, .ack_set = true, .ack = una + 1448, .sack = bogus, .nb_sack = 2 });
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.seq, una + 1448);
    lrt_drain(e);
}

/* [tcp] cc = cubic: the multiplicative decrease is gentler than NewReno's (RFC 9438 beta 0.7) */
static uint32_t ssthresh_after_fast_retransmit(struct lrt_env *e, enum lr_cc_algo algo)
{
    struct lr_config cfg = e->cfg;
    cfg.tcp.cc = algo;
    lrt_reinit(e, &cfg);
    lrt_listen(e, 80);
    struct lr_tcp_conn *c = lrt_handshake(e, 80);
    lrt_drain(e);
    lr_tcp_conn_nodelay(c, true);
    static uint8_t d[4 * 1460];
    uint32_t una = e->peer_ack;
    /* grow the window a little first */
    assert_int_equal(lr_tcp_send(e->w, c, d, 2920), 2920);
    lrt_drain(e);
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK, .ack_set = true, .ack = una + 2920 });
    una += 2920;
    assert_int_equal(lr_tcp_send(e->w, c, d, sizeof(d)), (int)sizeof(d));
    lrt_drain(e);
    for (int i = 0; i < 3; i++)
        lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK, .ack_set = true, .ack = una });
    lrt_drain(e);
    struct lr_tcp_conn_info info;
    lr_tcp_conn_info_get(c, &info);
    assert_true(lrt_counters(e).fast_retransmits == 1);
    lr_tcp_abort(e->w, c);
    lrt_drain(e);
    return info.ssthresh;
}

static void test_cubic_vs_newreno(void **state)
{
    struct lrt_env *e = *state;
    uint32_t reno = ssthresh_after_fast_retransmit(e, LR_CC_NEWRENO);
    uint32_t cubic = ssthresh_after_fast_retransmit(e, LR_CC_CUBIC);
    assert_true(reno > 0 && reno < 0xffffffffu);
    assert_true(cubic > reno);
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
        cmocka_unit_test_setup_teardown(test_sack_four_blocks_without_ts, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_ooo_queue_bounded, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_bogus_sack_ignored, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_cubic_vs_newreno, lrt_setup, lrt_teardown),
    };
    return cmocka_run_group_tests(tests, lr_test_group_setup, NULL);
}
