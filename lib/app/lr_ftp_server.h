/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * FTP server on the TCP API (lr_tcp.h): one instance per worker
 * (its worker slot, lr_worker_slot) driving lr_ftp_session state machines.
 *
 * Lifecycle (runtime module hooks, like the HTTP server):
 *   main lcore, once:  lr_ftp_server_global_init(cfg, fc, nb_workers, err)
 *                      (users file, upload directory, the disk I/O thread)
 *   main lcore, per worker after lr_tcp_init(w):   lr_ftp_server_init(w)
 *   worker, every loop:                            lr_ftp_server_poll(w)
 *                      (I/O completions; everything else runs in TCP callbacks
 *                      and timers)
 *   worker at stop:                                lr_ftp_server_shutdown(w)
 *   main lcore after workers stopped, per worker:  lr_ftp_server_free(w)
 *   main lcore, last:                              lr_ftp_server_global_free()
 *   main lcore, any time:  lr_ftp_counters_get / lr_ftp_stats_add (lr_ftp_session.h)
 *
 * Control connections: [ftp] listen, sessions from a pool of [ftp]
 * max_sessions per worker (no allocation per session). Passive data
 * listeners use [ftp] pasv_ports: worker i owns the ports p of the range
 * with (p - pasv_min) % nb_workers == i (lr_ftp_pasv_owner(), the one place
 * that maps a passive port to its worker), accept only the control
 * connection's client (RFC 2577 §3) and serve one transfer. Active data
 * connections come from port 20 when [ftp] active_from_port_20 = yes and
 * there is one worker; with several, from a port lr_flow_pick_port chose so
 * that the connection hashes to the control connection's worker.
 *
 * RETR of files in the start-time cache is zero-copy in binary mode
 * (external-buffer mbufs into the cache); ASCII mode converts LF to CRLF
 * with a copy. Files written after start, the upload directory's listings,
 * STOR data and DELE/MKD/RMD/RENAME go through the disk I/O thread
 * (lr_ftp_io.h); when its buffers run out the server stops consuming
 * received data, so the TCP receive window closes instead of memory growing.
 *
 * A RETR/LIST ends when our FIN is acknowledged (fin_acked(): every byte
 * arrived): 226 then, without waiting for the client to close its side.
 *
 * Uploads are atomic (lr_ftp_io.h): STOR/APPE write a temporary file
 * (LR_FTP_TEMP_PREFIX, next to the target, hidden and refused as a client
 * name); when the client's FIN came and every write succeeded it is renamed
 * into place and only then 226 is sent. 552 (never more than
 * max_upload_bytes written), 426, ABOR, a reset of the data or control
 * connection (the data connection is aborted with it) and a stop remove
 * it; files left by a crash are swept at start. While the rename/removal
 * runs the session reads no command, so ABOR cannot race a finished upload.
 * Known window: a control connection reset after the last byte arrived but
 * before the rename completed leaves the complete file (the client saw no
 * reply). A replaced file is a new inode (its links and mode are not kept).
 */
#ifndef LR_FTP_SERVER_H
#define LR_FTP_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "lr_ftp_config.h"
#include "lr_config.h"
#include "lr_module.h"
#include "lr_file_cache.h"
#include "lr_ftp_session.h"
#include "lr_worker.h"

/** I/O messages (32 KiB each) per worker. */
#define LR_FTP_IO_BUFS 32

/**
 * Process-wide setup on the main lcore: load the [ftp] users file, check the
 * upload directory, start the I/O thread. @fc is the cache of [ftp] root
 * (kept, must outlive the server). Does nothing when [ftp] enabled = no.
 * @return 0 or -errno with one line in @err.
 */
int lr_ftp_server_global_init(const struct lr_config *cfg, const struct lr_file_cache *fc,
                              uint16_t nb_workers, char *err, size_t errlen);

/** Undo lr_ftp_server_global_init (after every worker's lr_ftp_server_free). */
void lr_ftp_server_global_free(void);

/**
 * Create the FTP server of worker @w and listen on [ftp] listen. Call on the
 * main lcore after lr_tcp_init(w) and lr_ftp_server_global_init().
 * @return 0 (also when FTP is disabled), -ENOMEM or the lr_tcp_listen error.
 */
int lr_ftp_server_init(struct lr_worker *w);

/** Worker loop hook: take disk I/O completions. */
void lr_ftp_server_poll(struct lr_worker *w);

/** Stop listening and close every session (worker lcore, at stop). */
void lr_ftp_server_shutdown(struct lr_worker *w);

/** Free the server of @w (main lcore, after the worker stopped). */
void lr_ftp_server_free(struct lr_worker *w);

/** Copy the counters of worker @w (zeros without an FTP server). */
void lr_ftp_counters_get(const struct lr_worker *w, struct lr_ftp_stats *out);

/**
 * Emit (name, value) for every counter of @c in a fixed order (telemetry
 * /linerate/ftp, stats line). Returns the number of counters.
 */
unsigned lr_ftp_counters_foreach(const struct lr_ftp_stats *c,
                                 void (*fn)(void *arg, const char *name, uint64_t value),
                                 void *arg);

/*
 * The "ftp" module (lr_module.h): its global init takes the file cache of
 * [ftp] root (lr_file_cache_get, budget [http] cache_bytes; shared with
 * HTTP/TFTP when the root is the same) and calls
 * lr_ftp_server_global_init(); the global fini calls
 * lr_ftp_server_global_free() (users, I/O thread, temporary uploads) and
 * drops the cache. A missing root fails the start (logged). Per worker
 * lr_ftp_server_init / _poll / _shutdown / _free; its flow hook gives the
 * passive ports to the worker that listens on them (lr_ftp_pasv_owner).
 */

/** Worker that owns passive port @port (host order) of [ftp] pasv_ports. */
static inline uint16_t lr_ftp_pasv_owner(const struct lr_ftp_config *fc, uint16_t nb_workers,
                                         uint16_t port)
{
    return (uint16_t)((uint32_t)(port - fc->pasv_min) % nb_workers);
}

extern const struct lr_module lr_ftp_module;

#endif /* LR_FTP_SERVER_H */
