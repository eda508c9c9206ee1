/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include <rte_thash.h>

#include "lr_flow.h"

static void flow_table_fill(struct lr_flow *f);

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
    flow_table_fill(f);
    return 0;
}

/* The 32 key bits starting at bit @bit (MSB of key[0] is bit 0). */
static uint32_t key_window(const uint8_t *key, unsigned bit)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < 8; i++) {
        unsigned k = bit / 8 + i;
        v = (v << 8) | (k < LR_FLOW_KEY_LEN ? key[k] : 0);
    }
    return (uint32_t)((v << (bit % 8)) >> 32);
}

/*
 * Toeplitz (as in the Microsoft RSS specification that NICs implement): for
 * every input bit i that is set, XOR in the key window starting at bit i.
 * Grouped by input byte, the contribution of byte b with value v depends
 * only on (b, v): precomputed once here.
 */
static void flow_table_fill(struct lr_flow *f)
{
    for (unsigned b = 0; b < LR_FLOW_TUPLE_LEN; b++) {
        uint32_t win[8];
        for (unsigned j = 0; j < 8; j++)
            win[j] = key_window(f->key, b * 8 + j); /* bit j of the byte, MSB first */
        for (unsigned v = 0; v < 256; v++) {
            uint32_t h = 0;
            for (unsigned j = 0; j < 8; j++)
                if (v & (0x80u >> j))
                    h ^= win[j];
            f->tab[b][v] = h;
        }
    }
}

uint32_t lr_flow_hash(const struct lr_flow *f, rte_be32_t saddr, rte_be32_t daddr, rte_be16_t sport,
                      rte_be16_t dport)
{
    /* The Toeplitz input is the wire bytes src, dst, sport, dport (the
     * network-order values' bytes in memory order). */
    uint8_t in[LR_FLOW_TUPLE_LEN];
    memcpy(in, &saddr, 4);
    memcpy(in + 4, &daddr, 4);
    memcpy(in + 8, &sport, 2);
    memcpy(in + 10, &dport, 2);
    uint32_t h = 0;
    for (unsigned b = 0; b < LR_FLOW_TUPLE_LEN; b++)
        h ^= f->tab[b][in[b]];
    return h;
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
