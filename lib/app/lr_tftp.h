/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Read-only TFTP server (RFC 1350) with option negotiation (RFC 2347) for
 * blksize (RFC 2348), tsize and timeout (RFC 2349) and windowsize (RFC
 * 7440), serving the start-time file cache (lr_file_cache.h) on [tftp]
 * listen (0 = off).
 *
 * - RRQ only; WRQ gets error 2 (access violation). Modes octet and netascii
 *   (LF -> CR LF, CR -> CR NUL); mail gets error 4.
 * - Names are normalised with lr_path (no escape from the root): rejected
 *   names get error 2, missing files and directories error 1.
 * - Each transfer has its own server port (TID, RFC 1350 §4) bound with
 *   lr_udp_bind_ephemeral() on the worker that owns the new flow; packets
 *   from any other address/port get error 5 and do not disturb it. A
 *   refused request gets its ERROR from a fresh port too (bound only while
 *   it is sent), never from the listen port.
 * - Windows (RFC 7440): windowsize N (at most [tftp] max_window) blocks are
 *   sent before waiting for the ACK of the last; an ACK of an earlier block
 *   resumes sending after it; on timeout the window is sent again from its
 *   first unacknowledged block, every [tftp] timeout (or the negotiated
 *   one) at most [tftp] retries times, then the session is dropped. Without
 *   the option N = 1: RFC 1350's lock-step. Duplicate ACKs never trigger a
 *   resend (RFC 1123 §4.2.3.1, Sorcerer's Apprentice); only the timer does.
 * - Block numbers roll over from 65535 to 0, so files of any size in the
 *   cache can be sent (the convention of common clients).
 * - At most [tftp] max_sessions transfers per worker; beyond that error 0
 *   "server busy". Nothing is kept per block: a retransmission rebuilds the
 *   block from the cache (octet data is attached without copying).
 */
#ifndef LR_TFTP_H
#define LR_TFTP_H

#include <stdint.h>

#include "lr_tftp_config.h"
#include "lr_worker.h"
#include "lr_module.h"

struct lr_file_cache;

struct lr_tftp_counters {
    uint64_t requests;        /* RRQ received */
    uint64_t refused;         /* requests answered with an error */
    uint64_t not_found;       /* error 1 sent */
    uint64_t busy;            /* refused for the session limit */
    uint64_t sessions_active; /* gauge */
    uint64_t completed;       /* transfers whose last block was acknowledged */
    uint64_t timeouts;        /* transfers abandoned after the retries */
    uint64_t aborted;         /* transfers ended by a client error or by shutdown */
    uint64_t retransmits;     /* DATA blocks / OACK sent again (timeout, rewind, repeated RRQ) */
    uint64_t window_rewinds;  /* ACKs inside the window: sending resumed after them (RFC 7440) */
    uint64_t tid_exhausted;   /* refusals sent from the listen port: no free port for a TID */
    uint64_t dup_acks;        /* duplicate or old ACKs ignored */
    uint64_t unknown_tid;     /* packets from a foreign address/port (error 5) */
    uint64_t bad_packets;     /* malformed packets */
    uint64_t blocks_sent;     /* DATA packets sent (first transmissions) */
    uint64_t bytes_sent;      /* file bytes sent (first transmissions, after netascii) */
};

/**
 * Start the TFTP server on @w when [tftp] listen is non-zero (no-op
 * otherwise), serving files from @fc (the cache of [tftp] root, shared
 * read-only; must outlive the server). Needs lr_udp_init() first.
 * 0 or -errno (-EINVAL when enabled without a cache).
 */
int lr_tftp_init(struct lr_worker *w, const struct lr_file_cache *fc);

/** Abort every transfer, unbind and free (NULL safe, no-op when off). */
void lr_tftp_free(struct lr_worker *w);

/** Add @w's counters into @acc (main lcore, read-only on @w). */
void lr_tftp_counters_add(const struct lr_worker *w, struct lr_tftp_counters *acc);

/** Module walk hook: every TFTP counter of @w by name (/linerate/tftp, summaries). */
void lr_tftp_module_walk(const struct lr_worker *w, lr_module_counter_fn fn, void *arg);

/** UDP ports a worker binds for transfers (one TID each): [tftp]
 *  max_sessions when TFTP is on. The module's udp_binds hook; set
 *  w->udp_extra_binds to it before lr_udp_init() outside the runtime. */
uint32_t lr_tftp_udp_binds(const struct lr_config *cfg);

/** On the worker at stop: error 0 "Server shutting down" to every client, sessions ended. */
void lr_tftp_module_shutdown(struct lr_worker *w);

/*
 * The "tftp" module (lr_module.h): its global init takes the file cache of
 * [tftp] root (lr_file_cache_get: shared with HTTP/FTP when the root is the
 * same), the global fini drops it; per worker lr_tftp_init / _free, and
 * lr_tftp_module_shutdown at stop.
 */
extern const struct lr_module lr_tftp_module;

#endif /* LR_TFTP_H */
