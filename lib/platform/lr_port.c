/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Port setup (see lr_port.h). Runs on the main lcore before the workers
 * start; never on the fast path.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>

#include "lr_log.h"
#include "lr_port.h"

#define LR_PORT_CKSUM_RX                                                                           \
    (RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_TCP_CKSUM | RTE_ETH_RX_OFFLOAD_UDP_CKSUM)
#define LR_PORT_CKSUM_TX                                                                           \
    (RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM)
#define LR_PORT_RSS_HF      (RTE_ETH_RSS_NONFRAG_IPV4_TCP | RTE_ETH_RSS_NONFRAG_IPV4_UDP)
#define LR_PORT_RSS_KEY_MAX 128

static void port_err(char *err, size_t errlen, uint16_t port_id, const char *fmt, ...)
    __rte_format_printf(4, 5);

/* One line "port N (device): reason" into err. */
static void port_err(char *err, size_t errlen, uint16_t port_id, const char *fmt, ...)
{
    char name[RTE_ETH_NAME_MAX_LEN] = "?";
    char reason[256];
    va_list ap;

    rte_eth_dev_get_name_by_port(port_id, name);
    va_start(ap, fmt);
    vsnprintf(reason, sizeof(reason), fmt, ap);
    va_end(ap);
    snprintf(err, errlen, "port %u (%s): %s", port_id, name, reason);
}

static bool is_pow2(uint32_t v)
{
    return v != 0 && (v & (v - 1)) == 0;
}

/* The device can steer flows to queues with our key and table. */
static bool port_can_steer(const struct rte_eth_dev_info *di)
{
    return (di->flow_type_rss_offloads & LR_PORT_RSS_HF) == LR_PORT_RSS_HF &&
           is_pow2(di->reta_size) && di->reta_size <= RTE_ETH_RSS_RETA_SIZE_512 &&
           di->hash_key_size >= LR_FLOW_KEY_LEN && di->hash_key_size <= LR_PORT_RSS_KEY_MAX;
}

uint16_t lr_port_reta_size(uint16_t nb_ports)
{
    uint16_t best = 0;

    for (uint16_t p = 0; p < nb_ports; p++) {
        struct rte_eth_dev_info di;
        if (rte_eth_dev_info_get(p, &di) != 0 || !port_can_steer(&di))
            continue;
        if (best == 0 || di.reta_size < best)
            best = di.reta_size;
    }
    return best ? best : LR_FLOW_RETA_DEFAULT;
}

uint16_t lr_port_mbuf_data_room(uint16_t mtu)
{
    uint32_t room = RTE_PKTMBUF_HEADROOM + (uint32_t)mtu + LR_PORT_FRAME_OVERHEAD;
    if (room < RTE_MBUF_DEFAULT_BUF_SIZE)
        room = RTE_MBUF_DEFAULT_BUF_SIZE;
    return (uint16_t)RTE_MIN(room, (uint32_t)UINT16_MAX);
}

/* Program the redirection table so that queue = owner worker (lr_flow.h). */
static int port_reta_program(uint16_t port_id, const struct rte_eth_dev_info *di,
                             const struct lr_flow *flow)
{
    struct rte_eth_rss_reta_entry64 conf[RTE_ETH_RSS_RETA_SIZE_512 / RTE_ETH_RETA_GROUP_SIZE];
    uint16_t queues[RTE_ETH_RSS_RETA_SIZE_512];

    if (di->reta_size < flow->reta_size)
        return -EINVAL;
    lr_flow_reta_fill(flow, queues, di->reta_size);
    memset(conf, 0, sizeof(conf));
    for (unsigned i = 0; i < di->reta_size; i++) {
        conf[i / RTE_ETH_RETA_GROUP_SIZE].mask |= 1ULL << (i % RTE_ETH_RETA_GROUP_SIZE);
        conf[i / RTE_ETH_RETA_GROUP_SIZE].reta[i % RTE_ETH_RETA_GROUP_SIZE] = queues[i];
    }
    return rte_eth_dev_rss_reta_update(port_id, conf, di->reta_size);
}

static void port_fill_addresses(struct lr_port *out, const struct lr_port_config *pc)
{
    out->addr = pc->addr;
    out->mask = pc->prefix == 0 ? 0 : rte_cpu_to_be_32(~0u << (32 - pc->prefix));
    out->bcast = pc->prefix >= 31 ? 0 : (pc->addr | ~out->mask);
    out->gateway = pc->gateway;
}

int lr_port_setup(uint16_t port_id, const struct lr_port_config *pc,
                  const struct lr_worker_config *wc, uint16_t nb_queues,
                  struct rte_mempool *const *pools, const struct lr_flow *flow, struct lr_port *out,
                  char *err, size_t errlen)
{
    struct rte_eth_dev_info di;
    struct rte_eth_conf conf;
    uint8_t key[LR_PORT_RSS_KEY_MAX];
    uint16_t nb_rxd = (uint16_t)wc->rx_desc, nb_txd = (uint16_t)wc->tx_desc;
    int rc;

    memset(out, 0, sizeof(*out));
    out->port_id = port_id;
    out->nb_queues = nb_queues;
    port_fill_addresses(out, pc);

    rc = rte_eth_dev_info_get(port_id, &di);
    if (rc != 0) {
        port_err(err, errlen, port_id, "cannot read device info: %s", rte_strerror(-rc));
        return rc;
    }
    if (nb_queues > di.max_rx_queues || nb_queues > di.max_tx_queues) {
        port_err(err, errlen, port_id,
                 "device has %u RX / %u TX queues, %u workers need one pair each", di.max_rx_queues,
                 di.max_tx_queues, nb_queues);
        return -EINVAL;
    }
    if (pc->mtu > di.max_mtu || pc->mtu < di.min_mtu) {
        port_err(err, errlen, port_id, "[port%u] mtu = %u is outside the device's range %u-%u",
                 port_id, pc->mtu, di.min_mtu, di.max_mtu);
        return -EINVAL;
    }

    memset(&conf, 0, sizeof(conf));
    conf.rxmode.mtu = pc->mtu;
    conf.rxmode.offloads = di.rx_offload_capa & LR_PORT_CKSUM_RX;
    conf.txmode.offloads = di.tx_offload_capa & LR_PORT_CKSUM_TX;
    /* RSS only pays with several queues, and only with our symmetric key and
     * table can the NIC deliver both directions of a flow to its owner. */
    bool rss = nb_queues > 1 && port_can_steer(&di);
    if (rss) {
        /* The first LR_FLOW_KEY_LEN bytes are the flow key; longer device
         * keys continue its 16-bit period, which keeps the hash symmetric. */
        for (unsigned i = 0; i < di.hash_key_size; i++)
            key[i] = i < LR_FLOW_KEY_LEN ? flow->key[i] : flow->key[i % 2];
        conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
        conf.rx_adv_conf.rss_conf.rss_key = key;
        conf.rx_adv_conf.rss_conf.rss_key_len = di.hash_key_size;
        conf.rx_adv_conf.rss_conf.rss_hf = di.flow_type_rss_offloads & LR_PORT_RSS_HF;
    }

    rc = rte_eth_dev_configure(port_id, nb_queues, nb_queues, &conf);
    if (rc != 0 && rss) {
        LR_LOG(WARNING, core, "port %u: RSS configuration refused (%s), handing flows over",
               port_id, rte_strerror(-rc));
        rss = false;
        conf.rxmode.mq_mode = RTE_ETH_MQ_RX_NONE;
        memset(&conf.rx_adv_conf.rss_conf, 0, sizeof(conf.rx_adv_conf.rss_conf));
        rc = rte_eth_dev_configure(port_id, nb_queues, nb_queues, &conf);
    }
    if (rc != 0) {
        port_err(err, errlen, port_id, "configure failed: %s", rte_strerror(-rc));
        return rc;
    }
    rc = rte_eth_dev_adjust_nb_rx_tx_desc(port_id, &nb_rxd, &nb_txd);
    if (rc != 0) {
        port_err(err, errlen, port_id, "descriptor counts %u/%u refused: %s", wc->rx_desc,
                 wc->tx_desc, rte_strerror(-rc));
        return rc;
    }
    if (nb_rxd != wc->rx_desc || nb_txd != wc->tx_desc)
        LR_LOG(INFO, core, "port %u: descriptors adjusted to rx=%u tx=%u", port_id, nb_rxd, nb_txd);

    int socket = rte_eth_dev_socket_id(port_id);
    for (uint16_t q = 0; q < nb_queues; q++) {
        struct rte_eth_rxconf rxc = di.default_rxconf;
        struct rte_eth_txconf txc = di.default_txconf;
        unsigned qsock = socket == SOCKET_ID_ANY ? (unsigned)pools[q]->socket_id : (unsigned)socket;

        rxc.offloads = conf.rxmode.offloads;
        txc.offloads = conf.txmode.offloads;
        rc = rte_eth_rx_queue_setup(port_id, q, nb_rxd, qsock, &rxc, pools[q]);
        if (rc != 0) {
            port_err(err, errlen, port_id, "RX queue %u setup failed: %s", q, rte_strerror(-rc));
            return rc;
        }
        rc = rte_eth_tx_queue_setup(port_id, q, nb_txd, qsock, &txc);
        if (rc != 0) {
            port_err(err, errlen, port_id, "TX queue %u setup failed: %s", q, rte_strerror(-rc));
            return rc;
        }
    }

    rc = rte_eth_dev_set_mtu(port_id, pc->mtu);
    if (rc != 0) {
        uint16_t cur = 0;
        if (rte_eth_dev_get_mtu(port_id, &cur) != 0 || cur != pc->mtu) {
            port_err(err, errlen, port_id, "cannot set MTU %u (device keeps %u): %s", pc->mtu, cur,
                     rte_strerror(-rc));
            return rc;
        }
    }

    rc = rte_eth_dev_start(port_id);
    if (rc != 0) {
        port_err(err, errlen, port_id, "start failed: %s", rte_strerror(-rc));
        return rc;
    }
    if (rss) {
        rc = port_reta_program(port_id, &di, flow);
        if (rc != 0) {
            /* The device hashes with its own table: flows still work because
             * the receiving worker hands foreign packets to their owner. */
            LR_LOG(WARNING, core, "port %u: redirection table refused (%s), handing flows over",
                   port_id, rte_strerror(-rc));
            rss = false;
        }
    }
    rc = rte_eth_promiscuous_disable(port_id);
    if (rc != 0 && rc != -ENOTSUP)
        LR_LOG(WARNING, core, "port %u: cannot disable promiscuous mode: %s", port_id,
               rte_strerror(-rc));
    rc = rte_eth_macaddr_get(port_id, &out->mac);
    if (rc != 0) {
        port_err(err, errlen, port_id, "cannot read MAC address: %s", rte_strerror(-rc));
        rte_eth_dev_stop(port_id);
        return rc;
    }

    out->mtu = pc->mtu;
    out->rss = rss;
    out->rx_offloads = conf.rxmode.offloads;
    out->tx_offloads = conf.txmode.offloads;
    LR_LOG(INFO, core,
           "port %u: %u queue(s), mtu %u, rss %s, rx csum offload 0x%" PRIx64
           ", tx csum offload 0x%" PRIx64,
           port_id, nb_queues, pc->mtu, rss ? "on" : "off", out->rx_offloads, out->tx_offloads);
    return 0;
}

void lr_port_close(uint16_t port_id)
{
    int rc = rte_eth_dev_stop(port_id);
    if (rc != 0)
        LR_LOG(WARNING, core, "port %u: stop failed: %s", port_id, rte_strerror(-rc));
    rc = rte_eth_dev_close(port_id);
    if (rc != 0)
        LR_LOG(WARNING, core, "port %u: close failed: %s", port_id, rte_strerror(-rc));
}
