/* SPDX-License-Identifier: BSD-3-Clause */
#include "lr_stats.h"

static const char *const drop_names[LR_DROP_MAX] = {
#define LR_X_NAME(e, p, n) [LR_DROP_##e] = n,
    LR_DROP_REASONS(LR_X_NAME)
#undef LR_X_NAME
};

static const enum lr_proto drop_protos[LR_DROP_MAX] = {
#define LR_X_PROTO(e, p, n) [LR_DROP_##e] = p,
    LR_DROP_REASONS(LR_X_PROTO)
#undef LR_X_PROTO
};

static const char *const proto_names[LR_PROTO_MAX] = {
    [LR_PROTO_ETH] = "eth",   [LR_PROTO_ARP] = "arp", [LR_PROTO_IP] = "ip",
    [LR_PROTO_ICMP] = "icmp", [LR_PROTO_TCP] = "tcp", [LR_PROTO_UDP] = "udp",
    [LR_PROTO_APP] = "app",
};

const char *lr_drop_name(enum lr_drop_reason r)
{
    return (unsigned)r < LR_DROP_MAX ? drop_names[r] : "unknown";
}

enum lr_proto lr_drop_proto(enum lr_drop_reason r)
{
    return (unsigned)r < LR_DROP_MAX ? drop_protos[r] : LR_PROTO_MAX;
}

const char *lr_proto_name(enum lr_proto p)
{
    return (unsigned)p < LR_PROTO_MAX ? proto_names[p] : "unknown";
}

/* The stats struct is all uint64_t (plus alignment padding at the end), so
 * summing it as an array keeps this in step with every new counter. */
void lr_stats_add(struct lr_stats *dst, const struct lr_stats *src)
{
    uint64_t *d = (uint64_t *)dst;
    const uint64_t *s = (const uint64_t *)src;
    for (size_t i = 0; i < sizeof(*dst) / sizeof(uint64_t); i++)
        d[i] += s[i];
}

void lr_stats_read(struct lr_stats *dst, const struct lr_stats *src)
{
    uint64_t *d = (uint64_t *)dst;
    const uint64_t *s = (const uint64_t *)src;
    for (size_t i = 0; i < sizeof(*dst) / sizeof(uint64_t); i++)
        d[i] = __atomic_load_n(&s[i], __ATOMIC_RELAXED);
}

uint64_t lr_stats_proto_drops(const struct lr_stats *s, enum lr_proto p)
{
    uint64_t sum = 0;
    for (unsigned r = 0; r < LR_DROP_MAX; r++)
        if (drop_protos[r] == p)
            sum += s->drops[r];
    return sum;
}

uint64_t lr_stats_total_drops(const struct lr_stats *s)
{
    uint64_t sum = 0;
    for (unsigned r = 0; r < LR_DROP_MAX; r++)
        sum += s->drops[r];
    return sum;
}
