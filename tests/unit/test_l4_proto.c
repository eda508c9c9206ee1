/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The L4 test protocol (lr_l4_proto.h): header round trip and refusals,
 * message fill and check from any offset, the server's request stream parser
 * and the client's answer parser at every split, corruption counted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lr_l4_proto.h"

static void hdr(uint8_t *p, uint8_t flags, uint32_t seq, uint32_t req, uint32_t resp)
{
    struct lr_l4_hdr h = { .flags = flags, .seq = seq, .req_len = req, .resp_len = resp };
    lr_l4_hdr_write(p, &h);
}

static void test_hdr(void **state)
{
    (void)state;
    uint8_t p[LR_L4_HDR_LEN];
    struct lr_l4_hdr h;

    hdr(p, LR_L4_F_LAST, 0x01020304, 100, 70000);
    assert_memory_equal(p, "L4\x01\x01\x01\x02\x03\x04", 8);
    assert_int_equal(lr_l4_hdr_read(p, &h), 0);
    assert_int_equal(h.flags, LR_L4_F_LAST);
    assert_int_equal(h.seq, 0x01020304);
    assert_int_equal(h.req_len, 100);
    assert_int_equal(h.resp_len, 70000);
    hdr(p, 0, 0, LR_L4_HDR_LEN - 1, 1); /* shorter than its own header */
    assert_int_equal(lr_l4_hdr_read(p, &h), -1);
    hdr(p, 0, 0, LR_L4_MSG_MAX + 1, 1);
    assert_int_equal(lr_l4_hdr_read(p, &h), -1);
    hdr(p, 0, 0, 16, LR_L4_MSG_MAX + 1);
    assert_int_equal(lr_l4_hdr_read(p, &h), -1);
    hdr(p, 0, 0, 16, 16);
    p[2] = 2; /* another version */
    assert_int_equal(lr_l4_hdr_read(p, &h), -1);
    hdr(p, 0, 0, 16, 16);
    p[0] = 'G'; /* "GET /" is not a request */
    assert_int_equal(lr_l4_hdr_read(p, &h), -1);
}

static void test_fill_diff(void **state)
{
    (void)state;
    static uint8_t msg[LR_L4_PATTERN_LEN + 500];
    uint8_t h[LR_L4_HDR_LEN];

    hdr(h, 0, 9, sizeof(msg), 0);
    lr_l4_msg_fill(msg, sizeof(msg), 0, h);
    assert_memory_equal(msg, h, LR_L4_HDR_LEN);
    assert_int_equal(lr_l4_msg_diff(msg, sizeof(msg), 0, h), 0);
    /* Filled in two pieces (one across the pattern's period) = at once. */
    static uint8_t two[sizeof(msg)];
    lr_l4_msg_fill(two, 10, 0, h);
    lr_l4_msg_fill(two + 10, sizeof(two) - 10, 10, h);
    assert_memory_equal(two, msg, sizeof(msg));
    /* A slice checks at its own offset and not at another. */
    assert_int_equal(lr_l4_msg_diff(msg + 1000, 300, 1000, h), 0);
    assert_true(lr_l4_msg_diff(msg + 1000, 300, 1001, h) > 200);
    /* Every changed byte is counted, in the header and in the payload. */
    msg[3] ^= 0xff;
    msg[5000] ^= 1;
    msg[LR_L4_PATTERN_LEN + 7] ^= 0x80;
    assert_int_equal(lr_l4_msg_diff(msg, sizeof(msg), 0, h), 3);
}

/* Two pipelined requests, then the start of a third, fed at every split. */
static void test_req_stream(void **state)
{
    (void)state;
    static uint8_t s[16 + 300 + 16 + 16];
    uint8_t h1[16], h2[16], h3[16];

    hdr(h1, 0, 1, 316, 1000);
    hdr(h2, LR_L4_F_LAST, 2, 16, 0); /* header only, no answer */
    hdr(h3, 0, 3, 100, 5);
    lr_l4_msg_fill(s, 316, 0, h1);
    memcpy(s + 316, h2, 16);
    memcpy(s + 332, h3, 16);
    for (size_t cut = 0; cut <= sizeof(s); cut++) {
        struct lr_l4_req r;
        lr_l4_req_init(&r);
        unsigned done = 0;
        uint32_t seqs[3] = { 0 };
        const uint8_t *parts[2] = { s, s + cut };
        size_t lens[2] = { cut, sizeof(s) - cut };
        for (int k = 0; k < 2; k++) {
            const uint8_t *p = parts[k];
            size_t n = lens[k];
            while (n > 0) {
                size_t used = 0;
                enum lr_l4_feed f = lr_l4_req_feed(&r, p, n, &used);
                assert_int_not_equal(f, LR_L4_BAD);
                assert_true(used <= n);
                if (f == LR_L4_DONE)
                    seqs[done++] = r.h.seq;
                else
                    assert_int_equal(used, n);
                p += used;
                n -= used;
            }
        }
        assert_int_equal(done, 2);
        assert_int_equal(seqs[0], 1);
        assert_int_equal(seqs[1], 2);
        assert_int_equal(r.corrupt, 0);
        assert_int_equal(r.got, 16); /* the third's header is in */
        assert_int_equal(r.h.seq, 3);
    }
}

static void test_req_bad(void **state)
{
    (void)state;
    struct lr_l4_req r;
    size_t used;
    uint8_t s[40];

    lr_l4_req_init(&r);
    memcpy(s, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 27);
    assert_int_equal(lr_l4_req_feed(&r, s, 27, &used), LR_L4_BAD);
    /* A corrupted payload byte is counted, the request still ends. */
    hdr(s, 0, 1, 40, 1);
    lr_l4_msg_fill(s, 40, 0, s);
    s[30] ^= 4;
    lr_l4_req_init(&r);
    assert_int_equal(lr_l4_req_feed(&r, s, 40, &used), LR_L4_DONE);
    assert_int_equal(used, 40);
    assert_int_equal(r.corrupt, 1);
}

static void test_resp(void **state)
{
    (void)state;
    uint8_t h[16];
    static uint8_t a[2000 + 10];

    hdr(h, 0, 5, 64, 2000);
    lr_l4_msg_fill(a, 2000, 0, h);
    memset(a + 2000, 0xee, 10); /* what follows belongs to no answer */
    for (size_t cut = 0; cut <= 2000; cut += 7) {
        struct lr_l4_resp r;
        size_t used;
        lr_l4_resp_init(&r, h);
        assert_int_equal(r.want, 2000);
        if (cut > 0) {
            assert_int_equal(lr_l4_resp_feed(&r, a, cut, &used),
                             cut < 2000 ? LR_L4_MORE : LR_L4_DONE);
            assert_int_equal(used, cut);
        }
        if (cut < 2000) {
            assert_int_equal(lr_l4_resp_feed(&r, a + cut, sizeof(a) - cut, &used), LR_L4_DONE);
            assert_int_equal(used, 2000 - cut);
        }
        assert_int_equal(r.corrupt, 0);
    }
    /* An answer shorter than the header repeats only its start. */
    struct lr_l4_resp r;
    size_t used;
    hdr(h, 0, 5, 64, 3);
    lr_l4_resp_init(&r, h);
    assert_int_equal(lr_l4_resp_feed(&r, (const uint8_t *)"L4\x02", 3, &used), LR_L4_DONE);
    assert_int_equal(r.corrupt, 1); /* version byte */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hdr),        cmocka_unit_test(test_fill_diff),
        cmocka_unit_test(test_req_stream), cmocka_unit_test(test_req_bad),
        cmocka_unit_test(test_resp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
