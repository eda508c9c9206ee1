/* SPDX-License-Identifier: BSD-3-Clause */
/* UDP echo (RFC 862), see lr_udp_echo.h. */
#include <netinet/in.h>
#include <errno.h>

#include <rte_malloc.h>

#include "lr_net.h"
#include "lr_pkt.h"
#include "lr_udp.h"
#include "lr_udp_echo.h"

struct lr_udp_echo_ctx {
    struct lr_udp_echo_counters c;
};

/*
 * Source ports of services that answer every datagram (echo, daytime,
 * chargen, time, quote): answering them would let a forged datagram start an
 * endless ping-pong between two servers, so they get no reply.
 */
static bool echo_loop_port(uint16_t sport)
{
    return sport == 0 || sport == 7 || sport == 13 || sport == 17 || sport == 19 || sport == 37;
}

static void echo_recv(struct lr_worker *w, struct rte_mbuf *m, const struct lr_udp_dgram *d,
                      void *ctx)
{
    struct lr_udp_echo_ctx *e = ctx;
    uint32_t len = m->pkt_len;
    rte_be32_t src = d->dst;

    if (echo_loop_port(rte_be_to_cpu_16(d->sport))) {
        e->c.refused++;
        lr_pkt_drop(w, LR_DROP_UDP_APP, m);
        return;
    }
    /* RFC 1122 §4.1.3.5: a reply never comes from a broadcast or multicast
     * address; 0 makes the UDP layer use the outgoing port's address. */
    if (!lr_ipv4_is_local(w, src))
        src = 0;
    if (lr_udp_send_mbuf(w, src, d->dport, d->src, d->sport, m) == 0) {
        e->c.echoed++;
        e->c.bytes += len;
    }
}

int lr_udp_echo_init(struct lr_worker *w)
{
    uint16_t port = w->cfg->udp.echo_port;
    struct lr_udp_echo_ctx *e;
    int rc;

    if (port == 0)
        return 0;
    e = rte_zmalloc_socket("lr_udp_echo", sizeof(*e), RTE_CACHE_LINE_SIZE, (int)w->socket);
    if (e == NULL)
        return -ENOMEM;
    rc = lr_udp_bind(w, port, echo_recv, e);
    if (rc != 0) {
        rte_free(e);
        return rc;
    }
    return 0;
}

void lr_udp_echo_free(struct lr_worker *w)
{
    uint16_t port = w->cfg->udp.echo_port;
    struct lr_udp_echo_ctx *e;

    if (port == 0 || w->udp == NULL)
        return;
    e = lr_udp_bound_ctx(w, port);
    if (e == NULL)
        return;
    lr_udp_unbind(w, port);
    rte_free(e);
}

void lr_udp_echo_counters_add(const struct lr_worker *w, struct lr_udp_echo_counters *acc)
{
    const struct lr_udp_echo_ctx *e;

    if (w->cfg->udp.echo_port == 0 || w->udp == NULL)
        return;
    e = lr_udp_bound_ctx(w, w->cfg->udp.echo_port);
    if (e == NULL)
        return;
    acc->echoed += e->c.echoed;
    acc->bytes += e->c.bytes;
    acc->refused += e->c.refused;
}

/* The module's walk hook: /linerate/udp_echo, /linerate/stats and the final
 * summary (lr_telemetry.c sums it over workers). */
void lr_udp_echo_walk(const struct lr_worker *w,
                      void (*fn)(void *arg, const char *name, uint64_t value), void *arg)
{
    struct lr_udp_echo_counters c = { 0 };

    lr_udp_echo_counters_add(w, &c);
    fn(arg, "echoed", c.echoed);
    fn(arg, "bytes", c.bytes);
    fn(arg, "refused", c.refused);
}

static unsigned udp_echo_ports(const struct lr_config *cfg, struct lr_port_claim *out)
{
    if (cfg->udp.echo_port == 0)
        return 0;
    out[0] = (struct lr_port_claim){ IPPROTO_UDP, cfg->udp.echo_port, cfg->udp.echo_port,
                                     "[udp] echo_port" };
    return 1;
}

const struct lr_module lr_udp_echo_module = {
    .name = "udp_echo",
    .after = LR_MODULE_AFTER("udp"),
    .init = lr_udp_echo_init,
    .fini = lr_udp_echo_free,
    .ports = udp_echo_ports,
    .walk = lr_udp_echo_walk,
};
