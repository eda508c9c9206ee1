/* SPDX-License-Identifier: BSD-3-Clause */
/* SYN-RCVD: SYN-ACK retransmission with backoff and give-up, RST, duplicate SYN, bad ACK. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lr_tcp_test.h"
#include "lr_test.h"

static uint32_t syn_in(struct lrt_env *e)
{
    lrt_listen(e, 80);
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_SYN });
    struct lrt_seg s;
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.flags, LRT_SYN | LRT_ACK);
    e->peer_ack = s.seq + 1;
    assert_int_equal(lrt_counters(e).state[LR_TCP_SYN_RCVD], 1);
    return s.seq;
}

/* SYN-ACK retransmitted at syn_timeout, doubling, then given up */
static void test_synack_backoff_giveup(void **state)
{
    struct lrt_env *e = *state;
    uint32_t iss = syn_in(e);
    struct lrt_seg s;
    uint64_t t = e->cfg.tcp.syn_timeout;
    for (unsigned i = 0; i < e->cfg.tcp.syn_retries; i++) {
        lr_test_advance(e->w, t - 2000);
        assert_false(lrt_expect(e, &s));
        lr_test_advance(e->w, 2000);
        assert_true(lrt_expect(e, &s));
        assert_int_equal(s.flags, LRT_SYN | LRT_ACK);
        assert_int_equal(s.seq, iss);
        t *= 2;
        if (t > e->cfg.tcp.rto_max)
            t = e->cfg.tcp.rto_max;
    }
    lr_test_advance(e->w, t + 2000);
    assert_false(lrt_expect(e, &s));
    assert_int_equal(lrt_active(e), 0);
    assert_int_equal(e->app.accepts, 0);
    assert_int_equal(lrt_counters(e).syn_retransmits, e->cfg.tcp.syn_retries);
}

/* RST at RCV.NXT in SYN-RCVD: back to LISTEN, nothing left */
static void test_rst_in_synrcvd(void **state)
{
    struct lrt_env *e = *state;
    syn_in(e);
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_RST });
    assert_int_equal(lrt_active(e), 0);
    assert_int_equal(lrt_drain(e), 0);
}

/* Retransmitted SYN: the SYN-ACK is sent again */
static void test_dup_syn(void **state)
{
    struct lrt_env *e = *state;
    uint32_t iss = syn_in(e);
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_SYN, .seq_set = true, .seq = e->peer_seq - 1 });
    struct lrt_seg s;
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.flags, LRT_SYN | LRT_ACK);
    assert_int_equal(s.seq, iss);
    assert_int_equal(lrt_active(e), 1);
}

/* Unacceptable ACK in SYN-RCVD -> <SEQ=SEG.ACK><CTL=RST> */
static void test_bad_ack(void **state)
{
    struct lrt_env *e = *state;
    syn_in(e);
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK, .ack_set = true, .ack = e->peer_ack + 99 });
    struct lrt_seg s;
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.flags, LRT_RST);
    assert_int_equal(s.seq, e->peer_ack + 99);
    assert_int_equal(e->app.accepts, 0);
    /* the right ACK still completes the handshake */
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK });
    assert_int_equal(e->app.accepts, 1);
}

/* Data and FIN on the handshake's ACK are delivered */
static void test_ack_with_data_fin(void **state)
{
    struct lrt_env *e = *state;
    syn_in(e);
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK | LRT_PSH | LRT_FIN, .data = "hi", .len = 2 });
    assert_int_equal(e->app.accepts, 1);
    assert_int_equal(e->app.rcvd, 2);
    assert_int_equal(e->app.peer_closed, 1);
    struct lrt_seg s;
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.ack, e->peer_seq);
}

/* unlisten resets pending half-open connections */
static void test_unlisten_resets_synq(void **state)
{
    struct lrt_env *e = *state;
    syn_in(e);
    assert_int_equal(lr_tcp_unlisten(e->w, 80), 0);
    struct lrt_seg s;
    assert_true(lrt_expect(e, &s));
    assert_true(s.flags & LRT_RST);
    assert_int_equal(lrt_active(e), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_synack_backoff_giveup, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_rst_in_synrcvd, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_dup_syn, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_bad_ack, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_ack_with_data_fin, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_unlisten_resets_synq, lrt_setup, lrt_teardown),
    };
    return cmocka_run_group_tests(tests, lr_test_group_setup, NULL);
}
