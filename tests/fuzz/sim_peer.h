/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A simulated TCP peer for the stateful fuzz targets (fuzz_tcp_session,
 * fuzz_ftp_session, fuzz_http_server): up to FP_CONNS connections from
 * LR_TEST_PEER_IP to the fixture worker (lr_test.h), each with the peer's
 * view of the sequence space. The peer builds segments with any flags,
 * sequence/acknowledgement offsets relative to that view, window, options
 * and payload, and reads back what the stack transmitted: SYN/data/FIN in
 * order advance what it acknowledges, RSTs kill the slot, ARP requests for
 * the peer are answered, SYNs from the stack (active opens) take a free slot.
 *
 * No cmocka: nothing here fails a test; the targets check invariants and
 * abort() themselves. Not a target itself (run.sh builds tests/fuzz/fuzz_*.c
 * only): targets name it on their fuzz-extra line.
 *
 * Typical use:
 *   fp_init(&p, w);
 *   int s = fp_open(&p, 80, true);   // SYN with MSS (+ TS/SACK/WS options)
 *   fp_settle(&p, true);             // read the SYN-ACK, ACK it
 *   fp_send(&p, s, "GET / ...", n);  // in-sequence data with ACK
 *   fp_settle(&p, true);             // read and ACK the response
 *   fp_rx(&p, s, &len) -> the bytes received on the slot so far
 */
#ifndef SIM_PEER_H
#define SIM_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lr_worker.h"

#define FP_CONNS  6
#define FP_RX_MAX 8192u /* bytes of received payload kept per slot (the rest is counted) */

struct fp_conn {
    bool used;
    bool syn_rcvd;    /* the stack's SYN (or SYN-ACK) seen: rcv_nxt valid */
    bool fin_rcvd;    /* the stack's FIN seen in order */
    bool rst_rcvd;    /* the stack reset the connection */
    bool fin_sent;    /* the peer sent its FIN */
    bool need_ack;    /* something arrived that the peer has not acknowledged */
    bool active;      /* the stack opened it (peer answered a SYN) */
    bool ts;          /* timestamps negotiated by the peer's SYN */
    uint16_t lport;   /* the stack's port, host order */
    uint16_t pport;   /* the peer's port, host order */
    uint32_t iss;     /* the peer's initial sequence number */
    uint32_t snd_nxt; /* the peer's next sequence number */
    uint32_t rcv_nxt; /* the next byte expected from the stack */
    uint16_t wnd;     /* window the peer advertises (raw 16 bits) */
    uint32_t ts_val, ts_ecr;
    uint64_t rx_total; /* payload bytes received in order */
    uint32_t rx_len;   /* bytes kept in rx */
    uint8_t rx[FP_RX_MAX];
};

struct fp_peer {
    struct lr_worker *w;
    uint16_t next_port; /* next ephemeral port of the peer */
    uint32_t next_iss;
    uint64_t segs_in;  /* TCP segments the stack sent */
    uint64_t segs_out; /* TCP segments the peer sent */
    struct fp_conn c[FP_CONNS];
};

/* A crafted segment for fp_seg(). */
struct fp_spec {
    uint8_t flags;   /* TCP flags (RTE_TCP_*_FLAG) */
    int32_t seq_off; /* added to snd_nxt */
    int32_t ack_off; /* added to rcv_nxt */
    bool wnd_set;    /* else the slot's window */
    uint16_t wnd;
    const uint8_t *opts; /* raw options (padded to 4 bytes here); NULL: TS when negotiated */
    unsigned opts_len;   /* at most 40 */
    const void *data;
    uint32_t len;
    bool advance; /* move snd_nxt past the segment (SYN/FIN/data) */
};

/** Start with no connections on fixture worker @w (the peer is learned by ARP). */
void fp_init(struct fp_peer *p, struct lr_worker *w);

/** Forget every slot (after the stack dropped every connection). */
void fp_reset(struct fp_peer *p);

/**
 * Open a connection to the stack's port @lport: a SYN with MSS 1460, and
 * with @opts also SACK-permitted, window scale 2 and timestamps. Returns the
 * slot, or -1 when every slot is used.
 */
int fp_open(struct fp_peer *p, uint16_t lport, bool opts);

/** Inject one segment on slot @s. */
void fp_seg(struct fp_peer *p, int s, const struct fp_spec *spec);

/** In-sequence data with ACK|PSH on slot @s (at most 4096 bytes per call). */
void fp_send(struct fp_peer *p, int s, const void *data, uint32_t len);

/** An ACK of everything received so far on slot @s. */
void fp_ack(struct fp_peer *p, int s);

/** FIN|ACK in sequence on slot @s. */
void fp_fin(struct fp_peer *p, int s);

/** RST in sequence on slot @s; the slot is freed. */
void fp_rst(struct fp_peer *p, int s);

/**
 * Read everything the stack transmitted (TX flushed first): update the
 * slots, answer ARP requests for the peer, take SYNs of active opens into a
 * free slot (answered with a SYN-ACK when @auto_ack). Returns the number of
 * TCP segments read.
 */
unsigned fp_drain(struct fp_peer *p, bool auto_ack);

/**
 * fp_drain() until nothing more comes, acknowledging what arrived when
 * @auto_ack (at most 256 rounds; a stack that keeps talking to an ACKing
 * peer beyond that is not looping, just sending a lot).
 */
void fp_settle(struct fp_peer *p, bool auto_ack);

/** Bytes received on slot @s (kept part), NULL when the slot is unused. */
const uint8_t *fp_rx(const struct fp_peer *p, int s, uint32_t *len);

/** Drop the first @n kept bytes of slot @s (the caller consumed them). */
void fp_rx_consume(struct fp_peer *p, int s, uint32_t n);

/** Slot of the connection to the stack's port @lport, or -1. */
int fp_find_lport(const struct fp_peer *p, uint16_t lport);

/** Number of slots in use. */
unsigned fp_used(const struct fp_peer *p);

/** The slot in use numbered @k modulo their number, -1 when none is. */
int fp_pick(const struct fp_peer *p, uint8_t k);

/* Bytes a target means to send on a slot, pushed out in segments. */
#define FP_STREAM_MAX 16384u
struct fp_stream {
    uint32_t len;
    uint8_t b[FP_STREAM_MAX];
};

/** Append @n bytes (cut at FP_STREAM_MAX). */
void fp_stream_append(struct fp_stream *st, const void *data, size_t n);

/**
 * Send the first @n bytes of @st on slot @s (all of it when @n is larger)
 * in segments of at most @seg bytes (1..1400); returns the bytes sent.
 */
uint32_t fp_stream_push(struct fp_peer *p, int s, struct fp_stream *st, uint32_t n, uint32_t seg);

/**
 * The client fuzz targets' worker config: the test defaults with a small
 * TCP (16 connections, 16 KiB / 32 KiB buffers, 2 s RTO cap, 4 retries, 2
 * SYN retries, 1 s TIME_WAIT), no echo/discard services, and an ARP entry
 * for the peer that never ages out.
 */
void fp_client_config(struct lr_config *cfg);

#endif /* SIM_PEER_H */
