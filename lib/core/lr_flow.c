/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include <rte_thash.h>

#include "lr_flow.h"

int lr_flow_init(struct lr_flow *f, uint16_t nb_workers, uint16_t reta_size)
{
    if (nb_workers == 0 || reta_size == 0 || (reta_size & (reta_size - 1)) != 0 ||
        reta_size < nb_workers)
        return -EINVAL;
    memset(f, 0, sizeof(*f));
    f->nb_workers = nb_workers;
    f->reta_size = reta_size;
    for (unsigned i = 0; i < LR_FLOW_KEY_LEN; i += 2) {
        f->key[i] = 0x6d;
        f->key[i + 1] = 0x5a;
    }
    rte_convert_rss_key((const uint32_t *)f->key, (uint32_t *)f->key_be, LR_FLOW_KEY_LEN);
    return 0;
}

uint32_t lr_flow_hash(const struct lr_flow *f, rte_be32_t saddr, rte_be32_t daddr, rte_be16_t sport,
                      rte_be16_t dport)
{
    /* The Toeplitz input is the wire bytes src, dst, sport, dport; rte_softrss
     * walks 32-bit words MSB first, so words are the fields in host order. */
    uint32_t tuple[3] = {
        rte_be_to_cpu_32(saddr),
        rte_be_to_cpu_32(daddr),
        ((uint32_t)rte_be_to_cpu_16(sport) << 16) | rte_be_to_cpu_16(dport),
    };
    return rte_softrss_be(tuple, RTE_DIM(tuple), f->key_be);
}

int lr_flow_override_set(struct lr_flow *f, uint16_t lo, uint16_t hi)
{
    if (lo > hi || (lo == 0 && hi != 0))
        return -EINVAL;
    f->ovr_lo = lo;
    f->ovr_hi = hi;
    return 0;
}

void lr_flow_reta_fill(const struct lr_flow *f, uint16_t *queues, unsigned size)
{
    for (unsigned i = 0; i < size; i++)
        queues[i] = (uint16_t)((i & (unsigned)(f->reta_size - 1)) % f->nb_workers);
}

uint16_t lr_flow_pick_port(const struct lr_flow *f, uint16_t worker, rte_be32_t laddr,
                           rte_be32_t raddr, rte_be16_t rport, uint16_t lo, uint16_t hi,
                           uint32_t *cursor, int (*in_use)(void *arg, uint16_t port), void *arg)
{
    if (lo == 0 || hi < lo || worker >= f->nb_workers)
        return 0;
    uint32_t span = (uint32_t)hi - lo + 1;
    for (uint32_t i = 0; i < span; i++) {
        uint16_t port = (uint16_t)(lo + (*cursor + i) % span);
        if (lr_flow_in_override(f, port) ||
            lr_flow_owner(f, laddr, raddr, rte_cpu_to_be_16(port), rport) != worker)
            continue;
        if (in_use != NULL && in_use(arg, port))
            continue;
        *cursor = (*cursor + i + 1) % span;
        return port;
    }
    return 0;
}
