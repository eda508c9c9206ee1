/* SPDX-License-Identifier: BSD-3-Clause */
/* Ciphertext queues of a TLS connection over mbufs (see lr_tls_io.h). */
#include <errno.h>
#include <string.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#include "lr_tls_io.h"

/* RFC 8446 §5.1 ContentType values we accept as framing; 24 is RFC 6520. */
#define REC_TYPE_MIN   20
#define REC_TYPE_ALERT 21
#define REC_TYPE_MAX   24
/* RFC 5246 §6.2.3: TLSCiphertext.length at most 2^14 + 2048 (1.3 allows
 * less, RFC 8446 §5.2); beyond it the stream is not TLS. */
#define REC_LEN_MAX (16384 + 2048)

void lr_tls_io_init(struct lr_tls_io *io, struct rte_mempool *pool, uint16_t tx_segs_max,
                    uint32_t rx_max, struct lr_tls_io_counters *cnt)
{
    memset(io, 0, sizeof(*io));
    io->pool = pool;
    io->tx_segs_max = tx_segs_max ? tx_segs_max : LR_TLS_IO_TX_SEGS;
    io->rx_max = rx_max;
    io->cnt = cnt ? cnt : &io->own;
}

static void free_segs(struct rte_mbuf *m)
{
    while (m != NULL) {
        struct rte_mbuf *next = m->next;
        m->next = NULL;
        rte_pktmbuf_free_seg(m);
        m = next;
    }
}

void lr_tls_io_release(struct lr_tls_io *io)
{
    free_segs(io->rx_head);
    io->rx_head = io->rx_tail = NULL;
    io->rx_bytes = 0;
    io->rx_off = 0;
    if (io->tx_head != NULL)
        rte_pktmbuf_free(io->tx_head);
    io->tx_head = io->tx_tail = NULL;
    io->tx_bytes = 0;
}

unsigned lr_tls_recscan_feed(struct lr_tls_recscan *s, const uint8_t *p, uint32_t len,
                             uint64_t *alerts)
{
    unsigned records = 0;
    while (len > 0 && !s->lost) {
        if (s->body > 0) {
            uint32_t k = RTE_MIN(len, (uint32_t)s->body);
            s->body = (uint16_t)(s->body - k);
            p += k;
            len -= k;
            continue;
        }
        s->hdr[s->hdr_got++] = *p++;
        len--;
        if (s->hdr_got < sizeof(s->hdr))
            continue;
        s->hdr_got = 0;
        uint16_t rlen = (uint16_t)((s->hdr[3] << 8) | s->hdr[4]);
        if (s->hdr[0] < REC_TYPE_MIN || s->hdr[0] > REC_TYPE_MAX || s->hdr[1] != 3 ||
            rlen > REC_LEN_MAX) {
            s->lost = true;
            break;
        }
        records++;
        if (s->hdr[0] == REC_TYPE_ALERT && alerts != NULL)
            (*alerts)++;
        s->body = rlen;
    }
    return records;
}

int lr_tls_io_rx_push(struct lr_tls_io *io, struct rte_mbuf *m)
{
    uint32_t len = m->pkt_len;
    if (io->rx_max != 0 && (uint64_t)io->rx_bytes + len > io->rx_max) {
        io->cnt->rx_over_max++;
        rte_pktmbuf_free(m);
        return -ENOBUFS;
    }
    /* Drop empty segments now so the reader never meets one. */
    struct rte_mbuf *seg = m;
    while (seg != NULL) {
        struct rte_mbuf *next = seg->next;
        seg->next = NULL;
        if (seg->data_len == 0) {
            rte_pktmbuf_free_seg(seg);
        } else {
            if (io->rx_tail != NULL)
                io->rx_tail->next = seg;
            else
                io->rx_head = seg;
            io->rx_tail = seg;
        }
        seg = next;
    }
    io->rx_bytes += len;
    return 0;
}

void lr_tls_io_rx_eof(struct lr_tls_io *io)
{
    io->rx_eof = true;
}

uint32_t lr_tls_io_rx_read(struct lr_tls_io *io, void *buf, uint32_t len)
{
    uint8_t *out = buf;
    uint32_t done = 0;
    while (done < len && io->rx_head != NULL) {
        struct rte_mbuf *m = io->rx_head;
        uint32_t avail = m->data_len - io->rx_off;
        uint32_t k = RTE_MIN(avail, len - done);
        const uint8_t *src = rte_pktmbuf_mtod_offset(m, const uint8_t *, io->rx_off);
        memcpy(out + done, src, k);
        io->cnt->records_in += lr_tls_recscan_feed(&io->rx_scan, src, k, &io->cnt->alerts_in);
        done += k;
        io->rx_off += k;
        if (io->rx_off == m->data_len) {
            io->rx_head = m->next;
            if (io->rx_head == NULL)
                io->rx_tail = NULL;
            m->next = NULL;
            rte_pktmbuf_free_seg(m);
            io->rx_off = 0;
        }
    }
    io->rx_bytes -= done;
    io->rx_consumed += done;
    io->cnt->cipher_bytes_in += done;
    return done;
}

uint32_t lr_tls_io_rx_consumed_take(struct lr_tls_io *io)
{
    uint32_t n = io->rx_consumed;
    io->rx_consumed = 0;
    return n;
}

void lr_tls_io_tx_budget(struct lr_tls_io *io, uint32_t bytes)
{
    io->tx_budget = bytes;
}

uint32_t lr_tls_io_tx_write(struct lr_tls_io *io, const void *buf, uint32_t len)
{
    const uint8_t *in = buf;
    uint32_t want = len;
    if (want > io->tx_budget)
        want = io->tx_budget;
    uint32_t done = 0;
    bool no_mbuf = false;
    while (done < want) {
        struct rte_mbuf *t = io->tx_tail;
        uint32_t room = t != NULL ? rte_pktmbuf_tailroom(t) : 0;
        if (room == 0) {
            if (io->tx_head != NULL && io->tx_head->nb_segs >= io->tx_segs_max)
                break;
            struct rte_mbuf *m = rte_pktmbuf_alloc(io->pool);
            if (m == NULL) {
                no_mbuf = true;
                break;
            }
            if (io->tx_head == NULL) {
                io->tx_head = m;
            } else {
                t->next = m;
                io->tx_head->nb_segs++;
            }
            io->tx_tail = m;
            t = m;
            room = rte_pktmbuf_tailroom(m);
        }
        uint32_t k = RTE_MIN(room, want - done);
        memcpy(rte_pktmbuf_mtod_offset(t, uint8_t *, t->data_len), in + done, k);
        t->data_len = (uint16_t)(t->data_len + k);
        io->tx_head->pkt_len += k;
        done += k;
    }
    if (done < len) {
        if (no_mbuf)
            io->cnt->tx_no_mbuf++;
        else
            io->cnt->tx_refused++;
    }
    io->tx_budget -= done;
    io->tx_bytes += done;
    io->cnt->cipher_bytes_out += done;
    io->cnt->records_out += lr_tls_recscan_feed(&io->tx_scan, in, done, &io->cnt->alerts_out);
    return done;
}

struct rte_mbuf *lr_tls_io_tx_take(struct lr_tls_io *io)
{
    struct rte_mbuf *m = io->tx_head;
    io->tx_head = io->tx_tail = NULL;
    io->tx_bytes = 0;
    return m;
}
