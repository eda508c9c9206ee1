/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ciphertext of one TLS connection, as mbufs, on both sides of the
 * engine's BIO (lr_tls_openssl.c wraps this in a BIO_METHOD):
 *
 *   receive   a queue of the rte_mbuf chains TCP delivered (data()), in
 *             order. The engine reads from it (copying into its record
 *             buffer); a segment is freed as soon as its last byte is read.
 *             The bytes read since the last lr_tls_io_rx_consumed_take() are
 *             what the caller reports to lr_tcp_rcv_consumed() (TCP in
 *             manual-receive mode), so TCP's window, not this queue, bounds
 *             what a peer can make us hold; rx_max is a second bound.
 *   transmit  records written by the engine go into mbufs from @pool,
 *             appended to one chain the caller takes (lr_tls_io_tx_take) and
 *             hands to lr_tcp_send_mbuf(). Bounded by a byte budget (set
 *             from lr_tcp_send_space()) and a segment count: past either
 *             the write is refused and the engine told to retry (it keeps
 *             the rest of its record), never queued without bound.
 *
 * Records are counted on both sides by following the TLS record framing
 * (RFC 8446 §5.1: 1 byte type, 2 bytes version, 2 bytes length) over the
 * byte stream, wherever the segment and read boundaries fall.
 */
#ifndef LR_TLS_IO_H
#define LR_TLS_IO_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

/* Record boundary tracker over a byte stream. */
struct lr_tls_recscan {
    uint8_t hdr[5];
    uint8_t hdr_got; /* header bytes seen of the current record */
    bool lost;       /* not TLS framing (garbage): stop counting */
    uint16_t body;   /* body bytes still to come */
};

/* Record and ciphertext counters of one worker (in struct lr_tls_counters). */
struct lr_tls_io_counters {
    uint64_t records_in;
    uint64_t records_out;
    uint64_t alerts_in; /* records of type alert (21), RFC 8446 §6 */
    uint64_t alerts_out;
    uint64_t cipher_bytes_in; /* ciphertext read by the engine */
    uint64_t cipher_bytes_out;
    uint64_t tx_refused;  /* writes refused: budget or segments exhausted */
    uint64_t tx_no_mbuf;  /* writes refused: mbuf allocation failed */
    uint64_t rx_over_max; /* lr_tls_io_rx_push refused: rx_max exceeded */
};

struct lr_tls_io {
    /* receive queue: segments linked by ->next across the pushed chains */
    struct rte_mbuf *rx_head;
    struct rte_mbuf *rx_tail;
    uint32_t rx_off;      /* bytes of rx_head already read */
    uint32_t rx_bytes;    /* unread bytes queued */
    uint32_t rx_max;      /* bound on rx_bytes (0 = none besides TCP's window) */
    uint32_t rx_consumed; /* read since the last rx_consumed_take */
    bool rx_eof;          /* the peer's FIN: reads past the queue return EOF */
    /* transmit chain */
    struct rte_mempool *pool;
    struct rte_mbuf *tx_head;
    struct rte_mbuf *tx_tail;
    uint32_t tx_bytes;
    uint32_t tx_budget; /* bytes the engine may still write */
    uint16_t tx_segs_max;
    struct lr_tls_recscan rx_scan;
    struct lr_tls_recscan tx_scan;
    struct lr_tls_io_counters *cnt; /* never NULL after init */
    struct lr_tls_io_counters own;  /* used when init gets no counters */
};

/* Segments per transmit chain when lr_tls_io_init gets 0. */
#define LR_TLS_IO_TX_SEGS 64

/**
 * Set up @io: transmit mbufs from @pool, at most @tx_segs_max segments in
 * the chain not yet taken (0 = LR_TLS_IO_TX_SEGS), transmit budget 0 until
 * lr_tls_io_tx_budget(), receive bound @rx_max (0 = none). @cnt may be NULL.
 */
void lr_tls_io_init(struct lr_tls_io *io, struct rte_mempool *pool, uint16_t tx_segs_max,
                    uint32_t rx_max, struct lr_tls_io_counters *cnt);

/** Free every mbuf still queued either way. */
void lr_tls_io_release(struct lr_tls_io *io);

/**
 * Append a chain TCP delivered (data offset at the payload). Takes @m in
 * every case: 0, or -ENOBUFS when it would exceed rx_max (@m freed, counted
 * rx_over_max: the caller treats the connection as failed).
 */
int lr_tls_io_rx_push(struct lr_tls_io *io, struct rte_mbuf *m);

/** The peer closed (FIN): once the queue is empty reads return end of file. */
void lr_tls_io_rx_eof(struct lr_tls_io *io);

/**
 * Engine side: copy up to @len queued bytes into @buf, freeing the
 * segments read to their end. Returns the bytes copied (0 when empty).
 */
uint32_t lr_tls_io_rx_read(struct lr_tls_io *io, void *buf, uint32_t len);

/** Bytes read since the last call (report them to lr_tcp_rcv_consumed). */
uint32_t lr_tls_io_rx_consumed_take(struct lr_tls_io *io);

/** Unread bytes queued. */
static inline uint32_t lr_tls_io_rx_pending(const struct lr_tls_io *io)
{
    return io->rx_bytes;
}

/** Allow the engine @bytes more of transmit (replaces the budget). */
void lr_tls_io_tx_budget(struct lr_tls_io *io, uint32_t bytes);

/**
 * Engine side: append @len bytes to the transmit chain. Returns the bytes
 * taken: less than @len (maybe 0) when the budget, the segment limit or the
 * pool ran out (counted), and the engine must retry later.
 */
uint32_t lr_tls_io_tx_write(struct lr_tls_io *io, const void *buf, uint32_t len);

/**
 * The transmit chain written so far (pkt_len = bytes, nb_segs set), or NULL
 * when empty; the caller owns it. The taken bytes come off the budget for
 * good: set a new budget from the new send space.
 */
struct rte_mbuf *lr_tls_io_tx_take(struct lr_tls_io *io);

/** Bytes in the transmit chain not yet taken. */
static inline uint32_t lr_tls_io_tx_pending(const struct lr_tls_io *io)
{
    return io->tx_bytes;
}

/**
 * Follow the record framing over @len more bytes of a stream: returns how
 * many records started in them; *@alerts += the ones of type alert.
 */
unsigned lr_tls_recscan_feed(struct lr_tls_recscan *s, const uint8_t *p, uint32_t len,
                             uint64_t *alerts);

#endif /* LR_TLS_IO_H */
