/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP engine internals shared by lr_tcp_*.c. Not part of the public API.
 *
 * Files:
 *   lr_tcp_conn.c      pool, connection table (rte_hash), listeners, public API
 *   lr_tcp_input.c     lr_tcp_input_burst(): validation, bulk lookup, RFC 9293
 *                      §3.10.7 SEGMENT ARRIVES, header prediction
 *   lr_tcp_output.c    segment building, send queue, lr_tcp_output(), RST/ACK replies
 *   lr_tcp_timer.c     the two timers of a connection (retransmit-class, delayed ACK)
 *   lr_tcp_stats.c     counters, connection listing (telemetry data)
 *
 * Deferred free: a connection released while a burst is being processed
 * (reset, abort from a callback, ...) leaves the hash table at once (state
 * CLOSED), but its memory goes back to the pool only when the outermost
 * engine entry point returns (lr_tcp_reap()), so pointers still held by the
 * rest of the burst stay valid; such packets see state CLOSED and are
 * answered like packets for a closed port.
 */
#ifndef LR_TCP_PRIV_H
#define LR_TCP_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_hash.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#include "lr_tcp.h"
#include "lr_tcp_cc.h"
#include "lr_tcp_isn.h"
#include "lr_tcp_opt.h"
#include "lr_tcp_rtt.h"
#include "lr_tcp_sack.h"
#include "lr_timer.h"
#include "lr_tqueue.h"
#include "lr_worker.h"

#define LR_TCP_MAX_LISTENERS 1024
#define LR_TCP_EPHEMERAL_MIN 32768
#define LR_TCP_EPHEMERAL_MAX 60999
#define LR_TCP_DEFAULT_MSS   536 /* RFC 9293 §3.7.1 when the SYN has no MSS option */
#define LR_TCP_HDR_MAX       60
#define LR_TCP_MAX_WSCALE    14                            /* RFC 7323 §2.3 */
#define LR_TCP_PAWS_IDLE_US  (24ULL * 24 * 3600 * 1000000) /* RFC 7323 §5.5: 24 days */

/* Hash key: the 4-tuple as seen from us, network order. */
struct lr_tcp_key {
    rte_be32_t raddr;
    rte_be32_t laddr;
    rte_be16_t rport;
    rte_be16_t lport;
};

/* Connection flags (c->flags). */
enum {
    LR_TCPF_WSCALE = 1u << 0,         /* window scaling agreed (both SYNs) */
    LR_TCPF_TS = 1u << 1,             /* timestamps agreed */
    LR_TCPF_SACK = 1u << 2,           /* SACK-permitted agreed */
    LR_TCPF_NODELAY = 1u << 3,        /* Nagle off */
    LR_TCPF_RCV_MANUAL = 1u << 4,     /* app calls lr_tcp_rcv_consumed */
    LR_TCPF_FIN_QUEUED = 1u << 5,     /* app asked for FIN after the queued data */
    LR_TCPF_FIN_SENT = 1u << 6,       /* our FIN has a sequence number (snd_fin) */
    LR_TCPF_APP_CLOSED = 1u << 7,     /* lr_tcp_close(): app reads no more */
    LR_TCPF_APP_KNOWS = 1u << 8,      /* accept()/connected() delivered: report closed() */
    LR_TCPF_ACK_NOW = 1u << 9,        /* send an ACK at the end of the burst */
    LR_TCPF_IN_OUTQ = 1u << 10,       /* on the per-burst output list */
    LR_TCPF_RECOVERY = 1u << 11,      /* NewReno fast recovery (RFC 6582) */
    LR_TCPF_PASSIVE = 1u << 12,       /* created from a listener */
    LR_TCPF_RTT_TIMING = 1u << 13,    /* rtt_seq is being timed (no timestamps) */
    LR_TCPF_PEER_FIN = 1u << 14,      /* FIN received in order */
    LR_TCPF_WANT_WRITABLE = 1u << 15, /* a send was short: call writable() */
    LR_TCPF_RELEASED = 1u << 16,      /* out of the table, waiting for lr_tcp_reap() */
    LR_TCPF_IN_SYNQ = 1u << 17,       /* counted in its listener's SYN queue */
    LR_TCPF_RETRANSMITTED = 1u << 18, /* something was retransmitted since snd_una moved (Karn) */
    LR_TCPF_DELACK = 1u << 19,        /* on the delayed-ACK queue (dack) */
    LR_TCPF_PROBE_OUT = 1u << 20,     /* a zero-window probe sent, nothing received since */
};

/* What the retransmit-class timer currently measures. */
enum lr_tcp_tmode {
    LR_TCP_TM_NONE = 0,
    LR_TCP_TM_SYN,        /* SYN / SYN-ACK retransmit */
    LR_TCP_TM_RTO,        /* data / FIN retransmit (RFC 6298) */
    LR_TCP_TM_PERSIST,    /* zero-window probe (RFC 9293 §3.8.6.1) */
    LR_TCP_TM_KEEPALIVE,  /* RFC 9293 §3.8.4 */
    LR_TCP_TM_TIME_WAIT,  /* 2MSL */
    LR_TCP_TM_FIN_WAIT_2, /* orphaned FIN_WAIT_2 timeout */
};

/*
 * One connection. Layout by cache line (64 B):
 *  line 0: table key, state, flags, receive sequence variables and the send
 *          variables read on every ACK (header prediction reads only line 0-1);
 *  line 1: send queue, windows, options state;
 *  line 2-3: RTT, congestion control, SACK state (per ACK with loss; the
 *          scoreboard itself is lent from a pool, lr_tcp_sb_update);
 *  rest:   the timer, list links, OOO queue, app hooks, cold counters.
 * Fields are ordered so that no hole is left: the slot is 6 cache lines
 * (384 B, checked below) and is the largest part of the memory reserved per
 * connection ([tcp] max_conns slots, preallocated; mbufs only when data is
 * queued). Keep it that way when adding a field: fill a byte of a u8 group,
 * or take something out.
 */
struct lr_tcp_conn {
    /* --- line 0 --- */
    struct lr_tcp_key key; /* key and state: offsets shared with lr_crash_conn */
    uint8_t state;
    uint8_t tmode;      /* enum lr_tcp_tmode */
    uint8_t snd_wscale; /* peer's shift (applied to windows it sends) */
    uint8_t rcv_wscale; /* our shift */
    uint32_t flags;
    uint32_t rcv_nxt;
    uint32_t rcv_adv; /* right edge of the window we advertised */
    uint32_t snd_una;
    uint32_t snd_nxt;
    uint32_t snd_max; /* highest sequence sent + 1 */
    uint32_t snd_wnd; /* bytes (already scaled) */
    uint32_t snd_wl1;
    uint32_t snd_wl2;
    uint16_t mss;  /* effective send MSS (payload bytes, options excluded) */
    uint16_t port; /* egress DPDK port */
    uint32_t ts_recent;
    uint32_t ts_offset; /* our timestamp clock offset (RFC 7323 §5.4) */

    /* --- line 1 --- */
    struct rte_mbuf *snd_head; /* send queue, first byte = snd_una */
    struct rte_mbuf *snd_tail;
    struct rte_mbuf *snd_cur; /* cache for locating a sequence in the queue */
    uint32_t snd_cur_seq;     /* sequence of snd_cur's first byte */
    uint32_t snd_queued;      /* bytes in the queue (from snd_una, excl. FIN) */
    uint32_t snd_fin;         /* sequence of our FIN when FIN_SENT */
    uint32_t max_snd_wnd;     /* RFC 5961 §5 MAX.SND.WND */
    uint32_t iss;
    uint32_t irs;
    uint32_t rcv_held; /* delivered, not consumed (manual mode) */
    uint32_t recover;  /* RFC 6582 recover point */
    uint8_t dupacks;
    uint8_t segs_unacked; /* full segments received since our last ACK */
    uint8_t retries;      /* consecutive RTO / SYN / probe retransmissions */
    uint8_t ka_probes;
    uint8_t probes_unanswered; /* zero-window probes in a row with nothing received */
    uint8_t peer_sack_ok;
    uint16_t syn_mss; /* MSS option we advertised */

    /* --- lines 2-4 --- */
    struct lr_tcp_rtt rtt;
    struct lr_tcp_cc cc;
    uint64_t rtt_start;
    uint32_t rtt_seq; /* sequence timed when no timestamps */
    uint32_t sack_hi; /* highest sequence retransmitted from SACK holes */
    uint32_t sb;      /* lent scoreboard, index + 1 in t->sboards; 0 = no SACKed data */
    uint32_t chack_count;

    /* --- cold --- */
    struct lr_timer rexmt;     /* retransmit-class timer (tmode) */
    uint64_t last_rcv;         /* time of the last segment received */
    struct rte_mbuf *ooo_head; /* sorted, disjoint (dynfield next/seq) */
    struct lr_tcp_conn *outq_next;
    const struct lr_tcp_conn_ops *ops;
    void *ctx;
    uint64_t bytes_in;
    uint64_t bytes_out;
    uint32_t ts_recent_age; /* when ts_recent was set, in units of 2^20 us (RFC 7323 §5.5) */
    uint32_t chack_start;   /* challenge-ACK rate window start, ms (wraps) */
    uint32_t ooo_bytes;
    uint16_t ooo_n;
    uint16_t listener;  /* index + 1 in the listener table, 0 = none */
    uint32_t free_next; /* pool free list / reap list link (index + 1) */
    uint32_t retrans_total;
    uint32_t sndbuf;       /* [tcp] sndbuf, cached for lr_tcp_send_space() */
    uint32_t ooo_recent;   /* a sequence of the last OOO segment (SACK order) */
    struct lr_qlink tw;    /* TIME_WAIT list, oldest first */
    struct lr_tqlink dack; /* delayed-ACK queue, oldest first (LR_TCPF_DELACK) */
    uint32_t discard_left; /* after lr_tcp_close_discard: bytes still taken without RST */
} __rte_cache_aligned;

_Static_assert(sizeof(struct lr_tcp_conn) <= 384, "connection grew past 6 cache lines");

/*
 * New connections may take the oldest TIME_WAIT connection's place once no
 * more than this many free ones are left (lr_tcp_conn_alloc); the reserve
 * serves the allocations of a burst, the reclaimed connections being freed
 * only after it. At most max_conns / 16 (at least 1), so a small table
 * keeps most of it.
 */
#define LR_TCP_TW_RESERVE 64u

struct lr_tcp_listener {
    uint16_t port; /* host order, 0 = free slot */
    bool nodelay;
    bool rcv_manual;
    uint32_t backlog;
    uint32_t synq;
    const struct lr_tcp_listen_ops *ops;
    void *ctx;
};

/* OOO queue link, stored in an mbuf dynamic field. */
struct lr_tcp_ooo_dyn {
    struct rte_mbuf *next;
    uint32_t seq;
    uint32_t fin; /* segment carried FIN */
};

struct lr_tcp_ctx {
    struct lr_tcp_conn *conns; /* pool, max_conns entries */
    uint32_t max_conns;
    uint32_t free_head; /* index + 1, 0 = empty */
    uint32_t nb_free;
    uint32_t reap_head;      /* released, not yet freed (index + 1) */
    struct lr_qlist tw_list; /* TIME_WAIT connections, oldest first */
    uint32_t tw_reserve;     /* LR_TCP_TW_RESERVE, at most max_conns / 16, at least 1 */
    int busy;                /* nesting depth of engine entry points */
    uint64_t inserts;        /* connections added to the table (see lr_tcp_input_burst) */
    struct rte_hash *table;
    int ooo_dyn_off;                    /* rte_mbuf dynfield offset of struct lr_tcp_ooo_dyn */
    struct lr_tcp_conn *outq;           /* connections to run lr_tcp_output() on at burst end */
    struct lr_tqueue dack_q;            /* delayed ACKs owed, in deadline order */
    struct lr_sack_scoreboard *sboards; /* lent to connections (lr_tcp_sb_update) */
    uint32_t *sb_free;                  /* stack of free scoreboard indices */
    uint32_t nb_sboards;
    uint32_t sb_nfree;
    uint16_t nb_listeners;
    uint16_t *listen_idx; /* port (host order) -> index + 1 in listeners[] */
    struct lr_tcp_listener listeners[LR_TCP_MAX_LISTENERS];
    struct lr_tcp_secret secret;
    struct lr_tcp_counters cnt;
    const struct lr_tcp_config *cfg;
    uint16_t eph_next; /* next ephemeral port to try */
} __rte_cache_aligned;

/* Parsed segment (input side). */
struct lr_tcp_seg {
    uint32_t seq;
    uint32_t ack;
    uint32_t len;  /* payload bytes */
    uint16_t wnd;  /* raw window field */
    uint8_t flags; /* RTE_TCP_*_FLAG */
    uint8_t hlen;  /* header length in bytes */
    rte_be32_t saddr, daddr;
    rte_be16_t sport, dport;
    struct lr_tcp_opts opts;
};

/* --- helpers --- */

/* Index of @c in the connection pool. */
static inline uint32_t lr_tcp_conn_idx(const struct lr_tcp_ctx *t, const struct lr_tcp_conn *c)
{
    return (uint32_t)(c - t->conns);
}

static inline struct lr_tcp_ooo_dyn *lr_tcp_ooo(const struct lr_tcp_ctx *t, struct rte_mbuf *m)
{
    return RTE_MBUF_DYNFIELD(m, t->ooo_dyn_off, struct lr_tcp_ooo_dyn *);
}

/* The clock of ts_recent_age: 2^20 us (~1.05 s) units, wrapping after ~142
 * years; the PAWS idle limit of RFC 7323 §5.5 (24 days) is far coarser. */
static inline uint32_t lr_tcp_paws_clock(const struct lr_worker *w)
{
    return (uint32_t)(w->now >> 20);
}

static inline uint32_t lr_tcp_ts_now(const struct lr_worker *w, const struct lr_tcp_conn *c)
{
    return (uint32_t)(w->now / 1000) + c->ts_offset; /* 1 ms clock (RFC 7323 §5.4) */
}

static inline bool lr_tcp_synchronized(uint8_t s)
{
    return s >= LR_TCP_ESTABLISHED;
}

/* lr_tcp_conn.c */
struct lr_tcp_conn *lr_tcp_conn_alloc(struct lr_worker *w);
int lr_tcp_conn_insert(struct lr_worker *w, struct lr_tcp_conn *c);
void lr_tcp_conn_set_state(struct lr_worker *w, struct lr_tcp_conn *c, uint8_t st);
void lr_tcp_conn_release(struct lr_worker *w, struct lr_tcp_conn *c);
void lr_tcp_conn_closed(struct lr_worker *w, struct lr_tcp_conn *c, enum lr_tcp_close_reason r);
void lr_tcp_reap(struct lr_worker *w);
void lr_tcp_conn_init_common(struct lr_worker *w, struct lr_tcp_conn *c);
struct lr_tcp_listener *lr_tcp_listener_find(struct lr_tcp_ctx *t, uint16_t port);
void lr_tcp_conn_established(struct lr_worker *w, struct lr_tcp_conn *c);
void lr_tcp_queue_output(struct lr_worker *w, struct lr_tcp_conn *c);
void lr_tcp_flush_outq(struct lr_worker *w);

/* lr_tcp_input.c */
void lr_tcp_icmp_error(struct lr_worker *w, uint8_t type, uint8_t code, uint32_t info,
                       const struct rte_ipv4_hdr *orig, const uint8_t *l4, uint16_t l4_len);

/* lr_tcp_output.c */
void lr_tcp_output(struct lr_worker *w, struct lr_tcp_conn *c);
void lr_tcp_send_ack(struct lr_worker *w, struct lr_tcp_conn *c);
void lr_tcp_send_syn(struct lr_worker *w, struct lr_tcp_conn *c);
void lr_tcp_send_rst_conn(struct lr_worker *w, struct lr_tcp_conn *c);
void lr_tcp_send_challenge_ack(struct lr_worker *w, struct lr_tcp_conn *c);
int lr_tcp_send_segment(struct lr_worker *w, struct lr_tcp_conn *c, uint32_t seq, uint32_t len,
                        uint8_t flags);
void lr_tcp_reply_rst(struct lr_worker *w, const struct lr_tcp_seg *s, uint16_t port);
void lr_tcp_send_cookie_synack(struct lr_worker *w, const struct lr_tcp_seg *s, uint16_t port,
                               uint32_t isn, const struct lr_tcp_opts *synopts, uint16_t mss);
uint32_t lr_tcp_rcv_window(const struct lr_worker *w, const struct lr_tcp_conn *c);
void lr_tcp_sndq_ack(struct lr_worker *w, struct lr_tcp_conn *c, uint32_t acked);
void lr_tcp_sndq_free(struct lr_tcp_conn *c);
void lr_tcp_retransmit_una(struct lr_worker *w, struct lr_tcp_conn *c);
uint16_t lr_tcp_adv_mss(const struct lr_worker *w, uint16_t port);

/* lr_tcp_timer.c */
void lr_tcp_timer_rexmt_fire(struct lr_worker *w, struct lr_timer *t);
void lr_tcp_timer_dack_fire(struct lr_worker *w, struct lr_timer *t);
void lr_tcp_delack_init(struct lr_tcp_ctx *t);

/*
 * SACK scoreboards (RFC 6675 §3) are lent, not embedded: only a connection
 * whose peer reports SACKed data above SND.UNA holds one (68 bytes), and it
 * goes back once that data is acknowledged, so an idle connection costs 4
 * bytes for it. When every board is lent ([tcp] sack_boards), the blocks
 * of that ACK are not kept (counted sack_board_short): recovery goes on
 * without them, as RFC 6582 NewReno would, which RFC 2018 §8 allows (SACK
 * information is advisory).
 */
static inline struct lr_sack_scoreboard *lr_tcp_sb(const struct lr_tcp_ctx *t,
                                                   const struct lr_tcp_conn *c)
{
    return c->sb != 0 ? &t->sboards[c->sb - 1] : NULL;
}
/* Record the SACK blocks of an ACK (lending a board if needed). */
void lr_tcp_sb_update(struct lr_tcp_ctx *t, struct lr_tcp_conn *c, const struct lr_sack_block *blk,
                      unsigned n);
/* SND.UNA advanced: drop what it covers; the board goes back when empty. */
void lr_tcp_sb_ack(struct lr_tcp_ctx *t, struct lr_tcp_conn *c);
/* Forget the SACK state (an RTO, the connection's end). */
void lr_tcp_sb_release(struct lr_tcp_ctx *t, struct lr_tcp_conn *c);
void lr_tcp_delack_arm(struct lr_worker *w, struct lr_tcp_conn *c);
void lr_tcp_delack_cancel(struct lr_tcp_ctx *t, struct lr_tcp_conn *c);
void lr_tcp_timer_update(struct lr_worker *w, struct lr_tcp_conn *c, bool restart_rto);
void lr_tcp_timer_set(struct lr_worker *w, struct lr_tcp_conn *c, uint8_t mode, uint64_t delay);
void lr_tcp_enter_time_wait(struct lr_worker *w, struct lr_tcp_conn *c);

#endif /* LR_TCP_PRIV_H */
