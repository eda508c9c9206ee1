/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sender-side timers and loss recovery: RTO with backoff, Karn, giving up
 * (RFC 6298), fast retransmit and NewReno (RFC 5681/6582), SACK, zero-window
 * probes (RFC 9293 §3.8.6.1), Nagle, keepalive.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lr_tcp_test.h"
#include "lr_test.h"

/* RTO: retransmission at RTO, then doubled each time; Karn: no RTT sample from it */
static void test_rto_backoff_karn(void **state)
{
    struct lrt_env *e = *state;
    struct lr_tcp_conn *c = lrt_open_conn(e, 80);
    struct lr_tcp_conn_info before;
    lr_tcp_conn_info_get(c, &before);
    uint64_t rto = before.rto_us;
    assert_true(rto >= e->cfg.tcp.rto_min);
    assert_int_equal(lr_tcp_send(e->w, c, "data", 4), 4);
    struct lrt_seg s;
    assert_true(lrt_expect(e, &s));
    uint32_t seq = s.seq;
    uint64_t t0 = e->w->now;
    uint64_t due = t0 + rto;
    for (int i = 0; i < 3; i++) {
        /* nothing before the expiry, the same segment right after it */
        lr_test_advance(e->w, due - 2000 - e->w->now);
        assert_false(lrt_expect(e, &s));
        lr_test_advance(e->w, 3000);
        assert_true(lrt_expect(e, &s));
        assert_int_equal(s.seq, seq);
        assert_int_equal(s.len, 4);
        rto *= 2; /* RFC 6298 §5.5 */
        due = e->w->now + rto - 1000;
    }
    assert_int_equal(lrt_counters(e).rto_timeouts, 3);
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK, .ack_set = true, .ack = seq + 4 });
    struct lr_tcp_conn_info after;
    lr_tcp_conn_info_get(c, &after);
    assert_int_equal(after.srtt_us, before.srtt_us); /* Karn: no sample */
    assert_int_equal(after.unacked, 0);
}

/* A retransmission from SND.UNA may carry bytes never sent before: the first
 * transmission shared its space with a SACK block, the RTO resend after the
 * hole was filled has none. The peer's ACK of all of them must be accepted
 * (SND.MAX covers them, RFC 5961 §5.2), not challenged forever. */
static void test_rto_resend_larger_than_original(void **state)
{
    struct lrt_env *e = *state;
    e->ts = true;
    struct lr_tcp_conn *c = lrt_open_conn(e, 80);
    uint32_t base = e->peer_seq;
    struct lrt_seg s;
    /* out-of-order data from the peer: our segments now carry a SACK block;
     * its window admits one such segment only (scale 2: 359 * 4 bytes) */
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK,
                                    .seq_set = true,
                                    .seq = base + 100,
                                    .data = "0123456789",
                                    .len = 10,
                                    .wnd_set = true,
                                    .wnd = 359 });
    while (lrt_expect(e, &s))
        ;
    static uint8_t buf[3000];
    lrt_pattern(buf, sizeof(buf), 0);
    assert_int_equal(lr_tcp_send(e->w, c, buf, sizeof(buf)), (int)sizeof(buf));
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.opts.nb_sack, 1);
    uint32_t seq = s.seq, first = s.len;
    assert_false(lrt_expect(e, &s));
    /* the hole is filled (no SACK block any more), nothing is acknowledged */
    static uint8_t fill[100];
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK,
                                    .seq_set = true,
                                    .seq = base,
                                    .data = fill,
                                    .len = 100,
                                    .ack_set = true,
                                    .ack = seq,
                                    .wnd_set = true,
                                    .wnd = 359 });
    while (lrt_expect(e, &s))
        ;
    /* RTO: the resend from SND.UNA is a full segment, longer than the first */
    struct lr_tcp_conn_info ci;
    lr_tcp_conn_info_get(c, &ci);
    lr_test_advance(e->w, ci.rto_us + 2000);
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.seq, seq);
    assert_true(s.len > first);
    uint32_t resent = s.len;
    while (lrt_expect(e, &s))
        ;
    uint64_t challenges = lrt_counters(e).challenge_acks;
    e->peer_seq = base + 110;
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK, .ack_set = true, .ack = seq + resent });
    assert_int_equal(lrt_counters(e).challenge_acks, challenges);
    lr_tcp_conn_info_get(c, &ci);
    assert_int_equal(ci.unacked + ci.queued, sizeof(buf) - resent);
}

/* New data is not a retransmission: a clean transfer counts none, and the
 * RTT is still sampled (Karn's rule must not trip on first transmissions). */
static void test_clean_send_no_retransmits(void **state)
{
    struct lrt_env *e = *state;
    struct lr_tcp_conn *c = lrt_open_conn(e, 80);
    static uint8_t buf[4000];
    lrt_pattern(buf, sizeof(buf), 0);
    assert_int_equal(lr_tcp_send(e->w, c, buf, sizeof(buf)), (int)sizeof(buf));
    struct lrt_seg s;
    struct lr_tcp_conn_info ci;
    for (int round = 0; round < 8; round++) { /* the window opens as ACKs come */
        uint32_t end = 0;
        while (lrt_expect(e, &s))
            end = s.seq + s.len;
        if (end == 0)
            break;
        lr_test_advance(e->w, 5000);
        lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK, .ack_set = true, .ack = end });
    }
    lr_tcp_conn_info_get(c, &ci);
    assert_int_equal(ci.unacked + ci.queued, 0);
    assert_int_equal(lrt_counters(e).retransmits, 0);
}

/* RTO gives up after [tcp] retries: RST and closed(TIMEOUT) */
static void test_rto_give_up(void **state)
{
    struct lrt_env *e = *state;
    struct lr_config cfg = e->cfg;
    cfg.tcp.retries = 3;
    lrt_reinit(e, &cfg);
    struct lr_tcp_conn *c = lrt_open_conn(e, 80);
    assert_int_equal(lr_tcp_send(e->w, c, "data", 4), 4);
    unsigned sent = 0;
    bool rst = false;
    for (int i = 0; i < 200 && e->app.closed == 0; i++) {
        lr_test_advance(e->w, 100000);
        struct lrt_seg s;
        while (lrt_expect(e, &s)) {
            if (s.flags & LRT_RST)
                rst = true;
            else
                sent++;
        }
    }
    assert_int_equal(e->app.closed, 1);
    assert_int_equal(e->app.reason, LR_TCP_CLOSE_TIMEOUT);
    assert_true(rst);
    assert_int_equal(sent, 1 + 3); /* original + 3 retransmissions */
    assert_int_equal(lrt_counters(e).rto_giveups, 1);
}

/* Third duplicate ACK -> fast retransmit; partial ACK -> next hole (NewReno) */
static void test_fast_retransmit_newreno(void **state)
{
    struct lrt_env *e = *state;
    struct lr_tcp_conn *c = lrt_open_conn(e, 80);
    lr_tcp_conn_nodelay(c, true);
    static uint8_t d[4380];
    lrt_pattern(d, sizeof(d), 0);
    assert_int_equal(lr_tcp_send(e->w, c, d, sizeof(d)), (int)sizeof(d));
    struct lrt_seg s;
    unsigned n = 0;
    uint32_t una = e->peer_ack;
    while (lrt_expect(e, &s))
        n++;
    assert_int_equal(n, 3);
    for (int i = 0; i < 2; i++) {
        lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK, .ack_set = true, .ack = una });
        assert_false(lrt_expect(e, &s));
    }
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK, .ack_set = true, .ack = una });
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.seq, una);
    assert_int_equal(s.len, 1460);
    assert_int_equal(lrt_counters(e).fast_retransmits, 1);
    /* partial ACK: the second segment is resent at once */
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK, .ack_set = true, .ack = una + 1460 });
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.seq, una + 1460);
    lrt_drain(e);
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK, .ack_set = true, .ack = una + 4380 });
    assert_int_equal(lr_tcp_send_queued(c), 0);
}

/* SACK: the scoreboard keeps SACKed data from being resent */
static void test_sack_skips_sacked(void **state)
{
    struct lrt_env *e = *state;
    e->ts = true; /* lrt_handshake offers SACK-permitted with timestamps */
    struct lr_tcp_conn *c = lrt_open_conn(e, 80);
    lr_tcp_conn_nodelay(c, true);
    static uint8_t d[3 * 1448];
    lrt_pattern(d, sizeof(d), 0);
    assert_int_equal(lr_tcp_send(e->w, c, d, sizeof(d)), (int)sizeof(d));
    struct lrt_seg s;
    unsigned n = 0;
    while (lrt_expect(e, &s)) {
        assert_true(s.opts.has_ts);
        n++;
    }
    assert_int_equal(n, 3);
    uint32_t una = e->peer_ack;
    struct lr_sack_block blk = { una + 2 * 1448, una + 3 * 1448 };
    for (int i = 0; i < 3; i++)
        lrt_send(e,
                 &(struct lrt_spec){
                     .flags = LRT_ACK, .ack_set = true, .ack = una, .sack = &blk, .nb_sack = 1 });
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.seq, una); /* first hole */
    lrt_send(
        e, &(struct lrt_spec){
               .flags = LRT_ACK, .ack_set = true, .ack = una + 1448, .sack = &blk, .nb_sack = 1 });
    bool third = false, second = false;
    while (lrt_expect(e, &s)) {
        if (s.seq == una + 2 * 1448 && s.len > 0)
            third = true;
        if (s.seq == una + 1448 && s.len > 0)
            second = true;
    }
    assert_true(second);
    assert_false(third); /* SACKed: never resent */
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK, .ack_set = true, .ack = una + 3 * 1448 });
    assert_int_equal(lr_tcp_send_queued(c), 0);
}

/* SACK scoreboards are lent (lr_tcp_sb_update): with one board for the
 * worker, a second connection reporting loss recovers without one (counted
 * sack_board_short, NewReno's retransmissions), gets the board once the
 * first connection's loss is repaired, and then skips what it SACKed. */
struct sb_peer {
    uint16_t port;
    uint32_t seq, ack;
    struct lr_tcp_conn *c;
};

static void sb_peer_use(struct lrt_env *e, const struct sb_peer *p)
{
    e->peer_port = p->port;
    e->peer_seq = p->seq;
    e->peer_ack = p->ack;
}

static void sb_ack(struct lrt_env *e, uint32_t ack, const struct lr_sack_block *blk)
{
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK,
                                    .ack_set = true,
                                    .ack = ack,
                                    .sack = blk,
                                    .nb_sack = blk != NULL ? 1 : 0 });
}

static void test_sack_boards_lent(void **state)
{
    struct lrt_env *e = *state;
    struct lr_config cfg = e->cfg;
    cfg.tcp.sack_boards = 1;
    lrt_reinit(e, &cfg);
    e->ts = true; /* SACK-permitted rides with timestamps (lrt_handshake) */
    static uint8_t d[3 * 1448];
    lrt_pattern(d, sizeof(d), 0);
    struct sb_peer p[2];
    struct lrt_seg s;
    lrt_listen(e, 80);
    for (int i = 0; i < 2; i++) {
        e->peer_port = (uint16_t)(42000 + i);
        p[i].c = lrt_handshake(e, 80);
        assert_non_null(p[i].c);
        assert_int_equal(lrt_drain(e), 0);
        lr_tcp_conn_nodelay(p[i].c, true);
        assert_int_equal(lr_tcp_send(e->w, p[i].c, d, sizeof(d)), (int)sizeof(d));
        assert_int_equal(lrt_drain(e), 3);
        p[i].port = e->peer_port;
        p[i].seq = e->peer_seq;
        p[i].ack = e->peer_ack;
    }
    /* A: the third segment SACKed; three duplicates: the first hole again */
    sb_peer_use(e, &p[0]);
    uint32_t ua = p[0].ack;
    struct lr_sack_block ba = { ua + 2 * 1448, ua + 3 * 1448 };
    for (int i = 0; i < 3; i++)
        sb_ack(e, ua, &ba);
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.seq, ua);
    lrt_drain(e);
    assert_int_equal(lrt_counters(e).sack_board_short, 0);

    /* B: the same loss, no board left: counted, NewReno's fast retransmit */
    sb_peer_use(e, &p[1]);
    uint32_t ub = p[1].ack;
    struct lr_sack_block bb = { ub + 2 * 1448, ub + 3 * 1448 };
    for (int i = 0; i < 3; i++)
        sb_ack(e, ub, &bb);
    assert_int_equal(lrt_counters(e).sack_board_short, 3);
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.seq, ub);
    lrt_drain(e);

    /* A's data all acknowledged: its board goes back */
    sb_peer_use(e, &p[0]);
    sb_ack(e, ua + 3 * 1448, NULL);
    assert_int_equal(lr_tcp_send_queued(p[0].c), 0);
    lrt_drain(e);

    /* B's partial ACK now finds a board: the second hole is resent, the
     * SACKed third never */
    sb_peer_use(e, &p[1]);
    sb_ack(e, ub + 1448, &bb);
    assert_int_equal(lrt_counters(e).sack_board_short, 3);
    bool second = false, third = false;
    while (lrt_expect(e, &s)) {
        if (s.seq == ub + 1448 && s.len > 0)
            second = true;
        if (s.seq == ub + 2 * 1448 && s.len > 0)
            third = true;
    }
    assert_true(second);
    assert_false(third);
    sb_ack(e, ub + 3 * 1448, NULL);
    assert_int_equal(lr_tcp_send_queued(p[1].c), 0);

    /* and back again: A's next loss gets it */
    sb_peer_use(e, &p[0]);
    assert_int_equal(lr_tcp_send(e->w, p[0].c, d, sizeof(d)), (int)sizeof(d));
    assert_true(lrt_drain(e) >= 2); /* cwnd after the recovery */
    ua += 3 * 1448;
    ba = (struct lr_sack_block){ ua + 1448, ua + 2 * 1448 };
    sb_ack(e, ua, &ba);
    assert_int_equal(lrt_counters(e).sack_board_short, 3);
}

/* Zero window: probes with backoff, never aborting; data flows when it opens */
static void test_zero_window_probe(void **state)
{
    struct lrt_env *e = *state;
    struct lr_config cfg = e->cfg;
    cfg.tcp.retries = 3; /* more probes than retries: still never aborted */
    lrt_reinit(e, &cfg);
    struct lr_tcp_conn *c = lrt_open_conn(e, 80);
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK, .wnd_set = true, .wnd = 0 });
    assert_int_equal(lr_tcp_send(e->w, c, "blocked", 7), 7);
    struct lrt_seg s;
    assert_false(lrt_expect(e, &s));
    uint64_t last = 0, prev_gap = 0;
    unsigned probes = 0;
    bool growing = true;
    for (int i = 0; i < 240; i++) { /* 4 minutes (within the ARP entry lifetime) */
        lr_test_advance(e->w, 1000000);
        while (lrt_expect(e, &s)) {
            assert_int_equal(s.len, 0);
            assert_int_equal(s.seq, e->peer_ack - 1);
            uint64_t gap = e->w->now - last;
            if (probes > 1 && gap < prev_gap)
                growing = false;
            prev_gap = gap;
            last = e->w->now;
            probes++;
            /* the peer answers each probe, still with a zero window */
            lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK, .wnd_set = true, .wnd = 0 });
        }
    }
    assert_true(probes > cfg.tcp.retries + 2);
    assert_true(growing);
    assert_int_equal(lr_tcp_conn_state(c), LR_TCP_ESTABLISHED);
    assert_int_equal(e->app.closed, 0);
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK, .wnd_set = true, .wnd = 65535 });
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.len, 7);
    assert_true(lrt_counters(e).window_probes >= 5);
}

/* Zero window and then silence: a peer that answers none of [tcp] retries
 * probes in a row is gone (RFC 1122 §4.2.2.17 keeps the connection only
 * while probes are answered); found by fuzz_tcp_session: an orphaned
 * FIN_WAIT_1 with its FIN behind a closed window was probed forever. */
static void test_zero_window_silent_peer_gives_up(void **state)
{
    struct lrt_env *e = *state;
    struct lr_config cfg = e->cfg;
    cfg.tcp.retries = 3;
    lrt_reinit(e, &cfg);
    struct lr_tcp_conn *c = lrt_open_conn(e, 80);
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK, .wnd_set = true, .wnd = 0 });
    assert_int_equal(lr_tcp_send(e->w, c, "blocked", 7), 7);
    lr_tcp_close(e->w, c); /* FIN queued behind the closed window */
    unsigned probes = 0;
    for (int i = 0; i < 600 && lrt_active(e) > 0; i++) {
        lr_test_advance(e->w, 1000000);
        probes += lrt_drain(e);
    }
    assert_int_equal(lrt_active(e), 0);
    assert_int_equal(e->app.closed, 1);
    assert_int_equal(e->app.reason, LR_TCP_CLOSE_TIMEOUT);
    assert_true(probes >= cfg.tcp.retries);
    assert_int_equal(lrt_counters(e).rto_giveups, 1);
}

/* Nagle: a second small segment waits for the ACK of the first; nodelay sends it */
static void test_nagle(void **state)
{
    struct lrt_env *e = *state;
    struct lr_tcp_conn *c = lrt_open_conn(e, 80);
    struct lrt_seg s;
    assert_int_equal(lr_tcp_send(e->w, c, "aaaa", 4), 4);
    assert_true(lrt_expect(e, &s));
    assert_int_equal(lr_tcp_send(e->w, c, "bbbb", 4), 4);
    assert_false(lrt_expect(e, &s));
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK, .ack_set = true, .ack = s.seq + 4 });
    assert_true(lrt_expect(e, &s));
    assert_memory_equal(s.data, "bbbb", 4);
    lr_tcp_conn_nodelay(c, true);
    assert_int_equal(lr_tcp_send(e->w, c, "cccc", 4), 4);
    assert_true(lrt_expect(e, &s));
    assert_int_equal(lr_tcp_send(e->w, c, "dddd", 4), 4);
    assert_true(lrt_expect(e, &s));
    assert_memory_equal(s.data, "dddd", 4);
}

/* Keepalive: probes after the idle time, closed after the probe limit */
static void test_keepalive(void **state)
{
    struct lrt_env *e = *state;
    struct lr_config cfg = e->cfg;
    cfg.tcp.keepalive = 10000000;
    cfg.tcp.keepalive_intvl = 1000000;
    cfg.tcp.keepalive_probes = 3;
    lrt_reinit(e, &cfg);
    struct lr_tcp_conn *c = lrt_open_conn(e, 80);
    struct lrt_seg s;
    lr_test_advance(e->w, 9900000);
    assert_false(lrt_expect(e, &s));
    lr_test_advance(e->w, 200000);
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.seq, e->peer_ack - 1);
    assert_int_equal(s.len, 0);
    /* answered: the connection lives on */
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK });
    lr_test_advance(e->w, 5000000);
    assert_false(lrt_expect(e, &s));
    assert_int_equal(lr_tcp_conn_state(c), LR_TCP_ESTABLISHED);
    /* unanswered: 3 probes then reset */
    unsigned probes = 0;
    bool rst = false;
    for (int i = 0; i < 30 && e->app.closed == 0; i++) {
        lr_test_advance(e->w, 1000000);
        while (lrt_expect(e, &s)) {
            if (s.flags & LRT_RST)
                rst = true;
            else
                probes++;
        }
    }
    assert_int_equal(probes, 3);
    assert_true(rst);
    assert_int_equal(e->app.reason, LR_TCP_CLOSE_TIMEOUT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rto_backoff_karn, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_clean_send_no_retransmits, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_rto_resend_larger_than_original, lrt_setup,
                                        lrt_teardown),
        cmocka_unit_test_setup_teardown(test_rto_give_up, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_fast_retransmit_newreno, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_sack_skips_sacked, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_sack_boards_lent, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_zero_window_probe, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_zero_window_silent_peer_gives_up, lrt_setup,
                                        lrt_teardown),
        cmocka_unit_test_setup_teardown(test_nagle, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_keepalive, lrt_setup, lrt_teardown),
    };
    return cmocka_run_group_tests(tests, lr_test_group_setup, NULL);
}
