/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "lr_stats.h"

static void every_reason_has_name_and_proto(void **state)
{
    (void)state;
    for (unsigned r = 0; r < LR_DROP_MAX; r++) {
        assert_non_null(lr_drop_name(r));
        assert_true(strlen(lr_drop_name(r)) > 0);
        assert_true(lr_drop_proto(r) < LR_PROTO_MAX);
        for (unsigned q = 0; q < r; q++)
            assert_string_not_equal(lr_drop_name(r), lr_drop_name(q));
    }
    assert_string_equal(lr_drop_name(LR_DROP_MAX), "unknown");
}

static void add_and_sums(void **state)
{
    (void)state;
    static struct lr_stats a, b;
    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    a.drops[LR_DROP_IP_CSUM] = 3;
    b.drops[LR_DROP_IP_CSUM] = 4;
    b.drops[LR_DROP_ARP_MALFORMED] = 2;
    b.arp.rx_requests = 5;
    b.handed_over = 7;
    lr_stats_add(&a, &b);
    assert_int_equal(a.drops[LR_DROP_IP_CSUM], 7);
    assert_int_equal(a.arp.rx_requests, 5);
    assert_int_equal(a.handed_over, 7);
    assert_int_equal(lr_stats_proto_drops(&a, LR_PROTO_IP), 7);
    assert_int_equal(lr_stats_proto_drops(&a, LR_PROTO_ARP), 2);
    assert_int_equal(lr_stats_total_drops(&a), 9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_reason_has_name_and_proto),
        cmocka_unit_test(add_and_sums),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
