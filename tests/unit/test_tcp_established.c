/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ESTABLISHED: data transfer both ways, delayed ACK, out-of-order queue,
 * duplicates, window trimming, the four acceptability cases (RFC 9293
 * §3.10.7.4), receive flow control and zero-copy sending.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <rte_malloc.h>

#include "lr_tcp_test.h"
#include "lr_test.h"

/* One segment: no ACK at once; the delayed ACK comes within [tcp] delayed_ack. */
static void test_delayed_ack(void **state)
{
    struct lrt_env *e = *state;
    lrt_open_conn(e, 80);
    uint8_t d[100];
    lrt_pattern(d, sizeof(d), 0);
    lrt_send_data(e, d, sizeof(d));
    assert_int_equal(e->app.rcvd, 100);
    assert_memory_equal(e->app.buf, d, 100);
    struct lrt_seg s;
    assert_false(lrt_expect(e, &s));
    lr_test_advance(e->w, e->cfg.tcp.delayed_ack - 1000);
    assert_false(lrt_expect(e, &s));
    lr_test_advance(e->w, 2000);
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.flags, LRT_ACK);
    assert_int_equal(s.ack, e->peer_seq);
    assert_int_equal(lrt_counters(e).delayed_acks, 1);
}

/* Four connections owe a delayed ACK, armed a quarter of [tcp] delayed_ack
 * apart (one list in deadline order, one wheel timer for its head). The
 * second is answered early by a second segment, the third is reset: both
 * leave the list, and the first and the last are ACKed at their own time. */
static void test_delayed_ack_list(void **state)
{
    struct lrt_env *e = *state;
    struct {
        uint16_t port;
        uint32_t seq, ack;
    } p[4];
    uint8_t d[100];
    lrt_pattern(d, sizeof(d), 0);
    uint64_t step = e->cfg.tcp.delayed_ack / 4;
    struct lrt_seg s;
    lrt_listen(e, 80);
    for (unsigned i = 0; i < 4; i++) {
        e->peer_port = (uint16_t)(41000 + i);
        assert_non_null(lrt_handshake(e, 80));
        assert_int_equal(lrt_drain(e), 0);
        lrt_send_data(e, d, sizeof(d));
        assert_false(lrt_expect(e, &s));
        p[i].port = e->peer_port;
        p[i].seq = e->peer_seq;
        p[i].ack = e->peer_ack;
        lr_test_advance(e->w, step);
    }
    /* now 4 steps after the first arm: its deadline has just passed */
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.dport, p[0].port);
    assert_int_equal(s.ack, p[0].seq);
    assert_false(lrt_expect(e, &s));

    e->peer_port = p[1].port;
    e->peer_seq = p[1].seq;
    e->peer_ack = p[1].ack;
    lrt_send_data(e, d, sizeof(d)); /* second segment: ACKed at once */
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.ack, p[1].seq + sizeof(d));
    assert_false(lrt_expect(e, &s));

    e->peer_port = p[2].port;
    e->peer_seq = p[2].seq;
    e->peer_ack = p[2].ack;
    unsigned closed = e->app.closed;
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_RST });
    assert_int_equal(e->app.closed, closed + 1);
    assert_false(lrt_expect(e, &s));

    /* the second's and third's deadlines pass without a segment */
    lr_test_advance(e->w, 2 * step - 1000);
    assert_false(lrt_expect(e, &s));
    lr_test_advance(e->w, step + 2000); /* past the fourth's */
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.dport, p[3].port);
    assert_int_equal(s.flags, LRT_ACK);
    assert_int_equal(s.ack, p[3].seq);
    assert_false(lrt_expect(e, &s));
    assert_int_equal(lrt_counters(e).delayed_acks, 2);

    /* the list is empty again: a new arm starts its own timer */
    e->peer_port = p[0].port;
    e->peer_seq = p[0].seq;
    e->peer_ack = p[0].ack;
    lrt_send_data(e, d, sizeof(d));
    assert_false(lrt_expect(e, &s));
    lr_test_advance(e->w, e->cfg.tcp.delayed_ack + 2000);
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.ack, p[0].seq + sizeof(d));
    assert_int_equal(lrt_counters(e).delayed_acks, 3);
}

/* Every second segment is ACKed at once (RFC 9293 §3.8.6.3) */
static void test_ack_every_second_segment(void **state)
{
    struct lrt_env *e = *state;
    lrt_open_conn(e, 80);
    uint8_t d[1460];
    lrt_pattern(d, sizeof(d), 0);
    lrt_send_data(e, d, sizeof(d));
    struct lrt_seg s;
    assert_false(lrt_expect(e, &s));
    lrt_send_data(e, d, sizeof(d));
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.ack, e->peer_seq);
    assert_false(lrt_expect(e, &s));
}

/* Out-of-order data: duplicate ACK at once, held, delivered in order when the hole fills */
static void test_out_of_order(void **state)
{
    struct lrt_env *e = *state;
    lrt_open_conn(e, 80);
    uint8_t d[3000];
    lrt_pattern(d, sizeof(d), 0);
    uint32_t base = e->peer_seq;
    lrt_send(
        e,
        &(struct lrt_spec){
            .flags = LRT_ACK, .seq_set = true, .seq = base + 1000, .data = d + 1000, .len = 1000 });
    lrt_send(
        e,
        &(struct lrt_spec){
            .flags = LRT_ACK, .seq_set = true, .seq = base + 2000, .data = d + 2000, .len = 1000 });
    assert_int_equal(e->app.rcvd, 0);
    struct lrt_seg s;
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.ack, base); /* duplicate ACK */
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.ack, base);
    /* the hole */
    lrt_send(e, &(struct lrt_spec){
                    .flags = LRT_ACK, .seq_set = true, .seq = base, .data = d, .len = 1000 });
    assert_int_equal(e->app.rcvd, 3000);
    assert_memory_equal(e->app.buf, d, 3000);
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.ack, base + 3000);
    assert_true(lrt_counters(e).ooo_segs >= 2);
}

/* Text queued out of order past the peer's FIN is never delivered (RFC 9293
 * §3.10.7.4: the FIN ends the peer's sequence space). Found by
 * fuzz_tcp_session: the segment carrying the FIN filled the hole and the
 * queue was drained first, or a FIN taken from the queue let the drain go
 * on. */
static void test_ooo_text_after_fin_dropped(void **state)
{
    struct lrt_env *e = *state;
    lrt_open_conn(e, 80);
    uint8_t d[3000];
    lrt_pattern(d, sizeof(d), 0);
    uint32_t base = e->peer_seq;
    /* [1000,2000) queued; then [0,1000) + FIN: the data ends at 1000. */
    lrt_send(
        e,
        &(struct lrt_spec){
            .flags = LRT_ACK, .seq_set = true, .seq = base + 1000, .data = d + 1000, .len = 1000 });
    lrt_send(
        e, &(struct lrt_spec){
               .flags = LRT_ACK | LRT_FIN, .seq_set = true, .seq = base, .data = d, .len = 1000 });
    assert_int_equal(e->app.rcvd, 1000);
    assert_memory_equal(e->app.buf, d, 1000);
    assert_int_equal(e->app.peer_closed, 1);
    assert_int_equal(lrt_drops(e, LR_DROP_TCP_AFTER_FIN), 1);
    struct lrt_seg s;
    bool acked = false;
    while (lrt_expect(e, &s))
        acked |= s.ack == base + 1001; /* the FIN is acknowledged */
    assert_true(acked);
}

/* The same when the FIN itself was queued: [1000,1500)+FIN and [1500,2500)
 * wait for the hole; filling it delivers up to the FIN only. */
static void test_ooo_queued_fin_ends_drain(void **state)
{
    struct lrt_env *e = *state;
    lrt_open_conn(e, 80);
    uint8_t d[3000];
    lrt_pattern(d, sizeof(d), 0);
    uint32_t base = e->peer_seq;
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK | LRT_FIN,
                                    .seq_set = true,
                                    .seq = base + 1000,
                                    .data = d + 1000,
                                    .len = 500 });
    lrt_send(
        e,
        &(struct lrt_spec){
            .flags = LRT_ACK, .seq_set = true, .seq = base + 1500, .data = d + 1500, .len = 1000 });
    assert_int_equal(e->app.rcvd, 0);
    lrt_send(e, &(struct lrt_spec){
                    .flags = LRT_ACK, .seq_set = true, .seq = base, .data = d, .len = 1000 });
    assert_int_equal(e->app.rcvd, 1500);
    assert_memory_equal(e->app.buf, d, 1500);
    assert_int_equal(e->app.peer_closed, 1);
    assert_true(lrt_drops(e, LR_DROP_TCP_AFTER_FIN) >= 1);
}

/* In-order text after the peer's FIN (CLOSE-WAIT) is ignored, and counted
 * (RFC 9293 §3.10.7.4 seventh). */
static void test_text_after_fin_in_close_wait(void **state)
{
    struct lrt_env *e = *state;
    lrt_open_conn(e, 80);
    uint8_t d[100];
    lrt_pattern(d, sizeof(d), 0);
    uint32_t base = e->peer_seq;
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK | LRT_FIN, .seq_set = true, .seq = base });
    assert_int_equal(e->app.peer_closed, 1);
    assert_int_equal(lrt_drops(e, LR_DROP_TCP_AFTER_FIN), 0);
    lrt_send(e, &(struct lrt_spec){
                    .flags = LRT_ACK, .seq_set = true, .seq = base + 1, .data = d, .len = 100 });
    assert_int_equal(e->app.rcvd, 0);
    assert_int_equal(lrt_drops(e, LR_DROP_TCP_AFTER_FIN), 1);
    lrt_drain(e);
}

/* Duplicate (and partially duplicate) data is never delivered twice */
static void test_duplicate_data(void **state)
{
    struct lrt_env *e = *state;
    lrt_open_conn(e, 80);
    uint8_t d[2000];
    lrt_pattern(d, sizeof(d), 0);
    uint32_t base = e->peer_seq;
    lrt_send(e, &(struct lrt_spec){
                    .flags = LRT_ACK, .seq_set = true, .seq = base, .data = d, .len = 1000 });
    lrt_send(e, &(struct lrt_spec){
                    .flags = LRT_ACK, .seq_set = true, .seq = base, .data = d, .len = 1000 });
    assert_int_equal(e->app.rcvd, 1000);
    /* overlapping: 500 old + 1000 new */
    lrt_send(
        e,
        &(struct lrt_spec){
            .flags = LRT_ACK, .seq_set = true, .seq = base + 500, .data = d + 500, .len = 1500 });
    assert_int_equal(e->app.rcvd, 2000);
    assert_memory_equal(e->app.buf, d, 2000);
    struct lrt_seg s;
    unsigned acks = 0;
    while (lrt_expect(e, &s))
        acks++;
    assert_true(acks >= 1); /* the duplicate was re-ACKed */
    assert_int_equal(lrt_drops(e, LR_DROP_TCP_DUP), 1);
}

/* Hold data (manual mode): the window closes; data beyond it is trimmed;
 * consuming reopens it with a window update. */
static void test_window_trim_and_update(void **state)
{
    struct lrt_env *e = *state;
    struct lr_config cfg = e->cfg;
    cfg.tcp.rcvbuf = 4096;
    lrt_reinit(e, &cfg);
    e->app.hold = true;
    struct lr_tcp_conn *c = lrt_open_conn(e, 80);
    uint8_t d[4096];
    lrt_pattern(d, sizeof(d), 0);
    lrt_send_data(e, d, 1500);
    lrt_send_data(e, d + 1500, 1500);
    assert_int_equal(lr_tcp_rcv_held(c), 3000);
    uint32_t base = e->peer_seq;
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK | LRT_PSH, .data = d + 3000, .len = 1096 });
    /* 4096 - 3000 = 1096 fit exactly; now a byte beyond the window */
    uint8_t x = 0x55;
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK | LRT_PSH, .data = &x, .len = 1 });
    assert_int_equal(e->app.rcvd, 4096);
    assert_memory_equal(e->app.buf, d, 4096);
    struct lrt_seg s, last;
    bool any = false;
    while (lrt_expect(e, &s)) {
        last = s;
        any = true;
    }
    assert_true(any);
    assert_int_equal(last.ack, base + 1096);
    assert_int_equal(last.wnd, 0);
    /* trimmed segment: drop a partially fitting one */
    lr_tcp_rcv_consumed(e->w, c, 4096);
    assert_true(lrt_expect(e, &s)); /* window update */
    assert_int_equal(s.ack, base + 1096);
    assert_true(((uint32_t)s.wnd << 0) > 0);
    assert_true(lrt_counters(e).window_updates >= 1);
}

/* RFC 9293 §3.10.7.4 acceptability: zero-length and data segments, in and out of window */
static void test_acceptability(void **state)
{
    struct lrt_env *e = *state;
    lrt_open_conn(e, 80);
    struct lrt_seg s;
    uint32_t base = e->peer_seq;
    /* zero-length, window > 0, outside the window: not acceptable -> ACK, drop */
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK, .seq_set = true, .seq = base + 10000000 });
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.ack, base);
    assert_int_equal(lrt_drops(e, LR_DROP_TCP_SEQ), 1);
    /* zero-length in window: acceptable, no reply */
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK, .seq_set = true, .seq = base + 10 });
    assert_false(lrt_expect(e, &s));
    /* data entirely before RCV.NXT: not acceptable -> ACK */
    uint8_t d[10] = { 0 };
    lrt_send(e, &(struct lrt_spec){
                    .flags = LRT_ACK, .seq_set = true, .seq = base - 10, .data = d, .len = 10 });
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.ack, base);
    /* data starting before and ending inside: acceptable, only the new part delivered */
    uint8_t p[20];
    lrt_pattern(p, 20, 0);
    lrt_send(e, &(struct lrt_spec){
                    .flags = LRT_ACK, .seq_set = true, .seq = base - 10, .data = p, .len = 20 });
    assert_int_equal(e->app.rcvd, 10);
    assert_memory_equal(e->app.buf, p + 10, 10);
    lrt_drain(e);
}

/* Zero window: a data segment at RCV.NXT is not accepted but its ACK is processed */
static void test_zero_window_acceptability(void **state)
{
    struct lrt_env *e = *state;
    struct lr_config cfg = e->cfg;
    cfg.tcp.rcvbuf = 2048;
    lrt_reinit(e, &cfg);
    e->app.hold = true;
    struct lr_tcp_conn *c = lrt_open_conn(e, 80);
    uint8_t d[2048];
    lrt_pattern(d, sizeof(d), 0);
    lrt_send_data(e, d, 1024);
    lrt_send_data(e, d + 1024, 1024);
    lrt_drain(e);
    uint32_t nxt = e->peer_seq;
    /* our data goes out, the peer ACKs it inside a window probe carrying 1 byte */
    assert_int_equal(lr_tcp_send(e->w, c, "hello", 5), 5);
    struct lrt_seg s;
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.len, 5);
    assert_int_equal(s.wnd, 0);
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK,
                                    .seq_set = true,
                                    .seq = nxt,
                                    .ack_set = true,
                                    .ack = s.seq + 5,
                                    .data = "z",
                                    .len = 1 });
    assert_int_equal(e->app.rcvd, 2048);        /* not delivered */
    assert_int_equal(lr_tcp_send_queued(c), 0); /* but the ACK was processed */
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.ack, nxt);
    assert_int_equal(s.wnd, 0);
    lr_tcp_rcv_consumed(e->w, c, 2048);
    lrt_drain(e);
}

/* Sending: data is segmented at the MSS, PSH on the last, ACK frees the queue, writable() */
static void test_send_and_writable(void **state)
{
    struct lrt_env *e = *state;
    struct lr_config cfg = e->cfg;
    cfg.tcp.sndbuf = 4000;
    lrt_reinit(e, &cfg);
    struct lr_tcp_conn *c = lrt_open_conn(e, 80);
    static uint8_t d[5000];
    lrt_pattern(d, sizeof(d), 0);
    assert_int_equal(lr_tcp_send_space(c), 4000);
    assert_int_equal(lr_tcp_send(e->w, c, d, sizeof(d)), 4000);
    assert_int_equal(lr_tcp_send_space(c), 0);
    struct lrt_seg s;
    uint32_t total = 0;
    uint32_t seq0 = e->peer_ack;
    while (lrt_expect(e, &s)) {
        assert_true(s.len <= 1460);
        assert_int_equal(s.seq, seq0 + total);
        assert_memory_equal(s.data, d + total, s.len);
        total += s.len;
    }
    /* Nagle (RFC 9293 §3.7.4): the last, small segment waits for an ACK */
    assert_int_equal(total, 2920);
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK, .ack_set = true, .ack = seq0 + total });
    while (lrt_expect(e, &s)) {
        assert_int_equal(s.seq, seq0 + total);
        assert_memory_equal(s.data, d + total, s.len);
        total += s.len;
    }
    assert_int_equal(total, 4000);
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK, .ack_set = true, .ack = seq0 + 4000 });
    assert_int_equal(e->app.writable, 1);
    assert_int_equal(lr_tcp_send_queued(c), 0);
    assert_int_equal(lr_tcp_send_space(c), 4000);
}

static unsigned ext_freed;
static void ext_free_cb(void *addr, void *opaque)
{
    RTE_SET_USED(addr);
    RTE_SET_USED(opaque);
    ext_freed++;
}

/* Zero-copy: an external buffer stays referenced until ACKed and the wire released it */
static void test_send_mbuf_extbuf(void **state)
{
    struct lrt_env *e = *state;
    struct lr_tcp_conn *c = lrt_open_conn(e, 80);
    static uint8_t file[3000 + 64];
    lrt_pattern(file, 3000, 0);
    ext_freed = 0;
    uint16_t len = 3000;
    struct rte_mbuf_ext_shared_info *shinfo = (struct rte_mbuf_ext_shared_info *)(file + 3000);
    shinfo->free_cb = ext_free_cb;
    shinfo->fcb_opaque = NULL;
    rte_mbuf_ext_refcnt_set(shinfo, 1);
    struct rte_mbuf *m = rte_pktmbuf_alloc(e->w->pool);
    assert_non_null(m);
    rte_pktmbuf_attach_extbuf(m, file, rte_mem_virt2iova(file), len, shinfo);
    m->data_off = 0;
    m->data_len = len;
    m->pkt_len = len;
    assert_int_equal(lr_tcp_send_mbuf(e->w, c, m), 3000);
    struct lrt_seg s;
    uint32_t total = 0;
    for (int round = 0; round < 2; round++) {
        while (lrt_expect(e, &s)) {
            assert_memory_equal(s.data, file + total, s.len);
            total += s.len;
        }
        assert_int_equal(ext_freed, 0); /* not acknowledged yet */
        lrt_send(
            e, &(struct lrt_spec){ .flags = LRT_ACK, .ack_set = true, .ack = e->peer_ack + total });
    }
    assert_int_equal(total, 3000);
    assert_int_equal(ext_freed, 1);
    assert_int_equal(lr_tcp_send_mbuf(e->w, c, NULL), -EINVAL);
}

/* Peer FIN -> CLOSE_WAIT, app close -> LAST_ACK, ACK -> closed(NORMAL) */
static void test_passive_close(void **state)
{
    struct lrt_env *e = *state;
    struct lr_tcp_conn *c = lrt_open_conn(e, 80);
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK | LRT_FIN });
    assert_int_equal(lr_tcp_conn_state(c), LR_TCP_CLOSE_WAIT);
    assert_int_equal(e->app.peer_closed, 1);
    struct lrt_seg s;
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.ack, e->peer_seq);
    /* still able to send in CLOSE_WAIT */
    assert_int_equal(lr_tcp_send(e->w, c, "bye", 3), 3);
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.len, 3);
    lr_tcp_close(e->w, c);
    assert_int_equal(lr_tcp_conn_state(c), LR_TCP_LAST_ACK);
    assert_true(lrt_expect(e, &s));
    assert_true(s.flags & LRT_FIN);
    assert_int_equal(s.seq, e->peer_ack + 3);
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK, .ack_set = true, .ack = s.seq + 1 });
    assert_int_equal(e->app.closed, 1);
    assert_int_equal(e->app.reason, LR_TCP_CLOSE_NORMAL);
    assert_int_equal(lrt_active(e), 0);
}

/* Four small segments: ACKed every second segment, not per segment */
static void test_burst_ack_coalescing(void **state)
{
    struct lrt_env *e = *state;
    lrt_open_conn(e, 80);
    static uint8_t d[4][600];
    for (int i = 0; i < 4; i++) {
        lrt_pattern(d[i], 600, (uint32_t)i * 600);
        lrt_send_data(e, d[i], 600);
    }
    assert_int_equal(e->app.rcvd, 2400);
    unsigned acks = lrt_drain(e);
    assert_int_equal(acks, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_delayed_ack, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_delayed_ack_list, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_ack_every_second_segment, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_out_of_order, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_ooo_text_after_fin_dropped, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_ooo_queued_fin_ends_drain, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_text_after_fin_in_close_wait, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_data, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_window_trim_and_update, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_acceptability, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_zero_window_acceptability, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_send_and_writable, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_send_mbuf_extbuf, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_passive_close, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_burst_ack_coalescing, lrt_setup, lrt_teardown),
    };
    return cmocka_run_group_tests(tests, lr_test_group_setup, NULL);
}
