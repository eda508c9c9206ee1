/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TLS (RFC 8446 TLS 1.3, RFC 5246 TLS 1.2) — the layer between TCP and the
 * applications. This header is engine-neutral: nothing of OpenSSL shows
 * here, so another engine can be added behind struct lr_tls_engine.
 *
 * Objects and who owns them:
 *   struct lr_tls_global   made once on the main lcore by engine->global_init
 *                          from struct lr_tls_params: certificates and keys
 *                          parsed once (PEM decoding is slow in OpenSSL 3.0),
 *                          the settings, the ticket-key publication point.
 *                          Read-only for the workers afterwards.
 *   struct lr_tls_ctx      per worker and role (server or client): the
 *                          engine's library context and SSL_CTX, the ciphers
 *                          fetched once, a copy of the ticket keys. Used by
 *                          that worker only: no locks.
 *   struct lr_tls_conn     per TCP connection, made by engine->init over a
 *                          struct lr_tls_io (lr_tls_io.h), which holds the
 *                          ciphertext: received mbufs in, record mbufs out.
 *
 * A connection's life (the caller is the application glue over lr_tcp.h):
 *   data(m) from TCP       lr_tls_io_rx_push(io, m); then handshake() until
 *                          LR_TLS_OK, then read() until LR_TLS_WANT_READ;
 *                          lr_tls_io_rx_consumed_take(io) → lr_tcp_rcv_consumed.
 *   after every call       lr_tls_io_tx_take(io) → lr_tcp_send_mbuf (records
 *                          are complete ciphertext: TCP retransmits them as
 *                          stored, nothing is re-encrypted).
 *   LR_TLS_WANT_WRITE      the io's transmit budget (lr_tls_io_tx_budget, set
 *                          from lr_tcp_send_space) ran out: send what is
 *                          there, call again with the same arguments on
 *                          writable().
 *   LR_TLS_FATAL           send what lr_tls_io_tx_take gives (the alert, if
 *                          the engine could queue one) and close TCP. Never
 *                          shutdown() after it (RFC 8446 §6.2: the
 *                          connection is closed after a fatal alert).
 *   LR_TLS_CLOSED          the peer's close_notify (RFC 8446 §6.1).
 */
#ifndef LR_TLS_H
#define LR_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lr_tls_io.h"

struct lr_tls_global;
struct lr_tls_ctx;
struct lr_tls_conn;

/* Protocol versions as on the wire (RFC 8446 §4.2.1). */
#define LR_TLS_V1_2 0x0303
#define LR_TLS_V1_3 0x0304

/* Results of handshake/read/write/shutdown (read/write return bytes > 0). */
enum lr_tls_rc {
    LR_TLS_OK = 0,
    LR_TLS_WANT_READ = -1,  /* more ciphertext needed (rx queue empty) */
    LR_TLS_WANT_WRITE = -2, /* the tx budget is exhausted: send, retry on writable() */
    LR_TLS_CLOSED = -3,     /* close_notify received: no more data */
    LR_TLS_FATAL = -4,      /* failed (counted by reason); send the tx queue and close */
};

enum lr_tls_role {
    LR_TLS_SERVER,
    LR_TLS_CLIENT,
};

/*
 * Why a handshake or a session failed, one counter each. The engine maps
 * its own errors onto these; the layer's user adds TIMEOUT and EOF.
 */
#define LR_TLS_FAIL_REASONS(X)                                                                     \
    X(VERSION, "version")                   /* no protocol version in common (RFC 8446 §4.2.1) */ \
    X(NO_SHARED_CIPHER, "no_shared_cipher") /* no cipher suite in common */                        \
    X(NO_SHARED_GROUP, "no_shared_group")   /* no key-exchange group in common */                  \
    X(NO_ALPN, "no_alpn")                   /* RFC 7301 §3.2 no_application_protocol */           \
    X(HTTP_REQUEST, "http_request")         /* plain HTTP on the TLS port */                       \
    X(MALFORMED, "malformed")               /* not TLS / bad record or message encoding */         \
    X(BAD_RECORD_MAC, "bad_record_mac")     /* record authentication failed (RFC 8446 §5.2) */    \
    X(PEER_ALERT, "peer_alert")             /* the peer sent a fatal alert */                      \
    X(TRUNCATED, "truncated")               /* TCP closed without close_notify */                  \
    X(CERT, "certificate")                  /* peer certificate refused (client verification) */   \
    X(TIMEOUT, "timeout")                   /* handshake took too long (caller's timer) */         \
    X(NO_MEMORY, "no_memory")               /* allocation failed */                                \
    X(INTERNAL, "internal")                 /* engine error not classified above */

enum lr_tls_fail {
#define LR_X_FAIL(e, n) LR_TLS_FAIL_##e,
    LR_TLS_FAIL_REASONS(LR_X_FAIL)
#undef LR_X_FAIL
        LR_TLS_FAIL_MAX,
};

/** Name of a failure reason ("no_shared_cipher", ...). */
const char *lr_tls_fail_name(enum lr_tls_fail r);

/* Negotiated cipher suites counted by name (with "_": telemetry names allow no "-") (IANA code points, RFC 8446
 * §B.4 and RFC 8422/5289); anything else counts as "other". */
#define LR_TLS_CIPHERS(X)                                                                          \
    X(AES128_GCM_SHA256, 0x1301, "TLS_AES_128_GCM_SHA256")                                         \
    X(AES256_GCM_SHA384, 0x1302, "TLS_AES_256_GCM_SHA384")                                         \
    X(CHACHA20_POLY1305_SHA256, 0x1303, "TLS_CHACHA20_POLY1305_SHA256")                            \
    X(ECDHE_ECDSA_AES128_GCM, 0xc02b, "ECDHE_ECDSA_AES128_GCM_SHA256")                             \
    X(ECDHE_ECDSA_AES256_GCM, 0xc02c, "ECDHE_ECDSA_AES256_GCM_SHA384")                             \
    X(ECDHE_RSA_AES128_GCM, 0xc02f, "ECDHE_RSA_AES128_GCM_SHA256")                                 \
    X(ECDHE_RSA_AES256_GCM, 0xc030, "ECDHE_RSA_AES256_GCM_SHA384")                                 \
    X(ECDHE_ECDSA_CHACHA20, 0xcca9, "ECDHE_ECDSA_CHACHA20_POLY1305")                               \
    X(ECDHE_RSA_CHACHA20, 0xcca8, "ECDHE_RSA_CHACHA20_POLY1305")

enum lr_tls_cipher {
#define LR_X_CIPHER(e, id, n) LR_TLS_CIPHER_##e,
    LR_TLS_CIPHERS(LR_X_CIPHER)
#undef LR_X_CIPHER
        LR_TLS_CIPHER_OTHER,
    LR_TLS_CIPHER_MAX,
};

/** Counter slot of an IANA cipher suite id (LR_TLS_CIPHER_OTHER when not listed). */
enum lr_tls_cipher lr_tls_cipher_of(uint16_t iana_id);

/* Key-exchange groups counted by name (IANA NamedGroup code points, RFC 8446
 * §4.2.7, RFC 7919 for ffdhe); anything else counts as "other". A TLS 1.2
 * handshake without (EC)DHE, or a TLS 1.3 PSK-only resumption, has none. */
#define LR_TLS_GROUPS(X)                                                                           \
    X(X25519, 0x001d, "x25519")                                                                    \
    X(P256, 0x0017, "secp256r1")                                                                   \
    X(P384, 0x0018, "secp384r1")                                                                   \
    X(P521, 0x0019, "secp521r1")                                                                   \
    X(X448, 0x001e, "x448")                                                                        \
    X(FFDHE2048, 0x0100, "ffdhe2048")                                                              \
    X(FFDHE3072, 0x0101, "ffdhe3072")

enum lr_tls_group {
#define LR_X_GROUP(e, id, n) LR_TLS_GROUP_##e,
    LR_TLS_GROUPS(LR_X_GROUP)
#undef LR_X_GROUP
        LR_TLS_GROUP_NONE,
    LR_TLS_GROUP_OTHER,
    LR_TLS_GROUP_MAX,
};

/** Counter slot of an IANA NamedGroup id (0: LR_TLS_GROUP_NONE; unlisted: _OTHER). */
enum lr_tls_group lr_tls_group_of(uint16_t iana_id);

/** Name of a group slot ("x25519", .., "none", "other"). */
const char *lr_tls_group_name(unsigned slot);

enum lr_tls_version_slot {
    LR_TLS_VER_1_2,
    LR_TLS_VER_1_3,
    LR_TLS_VER_OTHER,
    LR_TLS_VER_MAX,
};

/*
 * Counters of one worker (both roles share one struct), written only by
 * that worker; a later telemetry hook walks them with
 * lr_tls_counters_foreach() (names fixed, same order every time).
 */
struct lr_tls_counters {
    uint64_t hs_started;  /* connections created (engine->init) */
    uint64_t hs_full;     /* handshakes completed without resumption */
    uint64_t hs_resumed;  /* handshakes completed by resuming a session (ticket) */
    uint64_t in_progress; /* gauge: handshakes started and not finished/failed/freed */
    uint64_t failed[LR_TLS_FAIL_MAX];
    uint64_t version[LR_TLS_VER_MAX];
    uint64_t cipher[LR_TLS_CIPHER_MAX];
    uint64_t group[LR_TLS_GROUP_MAX]; /* key exchange of completed handshakes */
    uint64_t alerts_sent;             /* fatal alerts queued by us (any reason) */
    uint64_t tickets_issued;
    uint64_t tickets_renewed;     /* accepted under the previous key: a new one issued */
    uint64_t tickets_unknown_key; /* key name not current nor previous: full handshake */
    uint64_t close_notify_rcvd;
    uint64_t close_notify_sent;
    uint64_t plain_bytes_in;      /* application bytes decrypted */
    uint64_t plain_bytes_out;     /* application bytes encrypted */
    struct lr_tls_io_counters io; /* records and ciphertext (lr_tls_io.h) */
};

/** dst += src (gauges too). */
void lr_tls_counters_add(struct lr_tls_counters *dst, const struct lr_tls_counters *src);

/**
 * Emit (name, value) for every counter of @c in a fixed order (handshakes,
 * "failed_<reason>", "version_tls1_2", "cipher_<name>", records, bytes).
 * Returns how many.
 */
unsigned lr_tls_counters_foreach(const struct lr_tls_counters *c,
                                 void (*fn)(void *arg, const char *name, uint64_t value),
                                 void *arg);

/* --- stateless session tickets (RFC 8446 §4.6.1, RFC 5077) ---------------
 * Keys are made on the main lcore and published; every worker copies them
 * (lr_tls_tickets_read) into its own context, where the engine's ticket
 * callback reads them. Two keys: tickets are issued under `cur`; a ticket
 * under `prev` is still accepted (and renewed), so a rotation does not make
 * every client do a full handshake at once. A resuming client may land on
 * any worker: all of them hold the same keys.
 */
struct lr_tls_ticket_key {
    uint8_t name[16]; /* sent in the ticket, identifies the key */
    uint8_t aes[32];  /* AES-256-CBC key */
    uint8_t hmac[32]; /* HMAC-SHA256 key */
};

struct lr_tls_ticket_keys {
    struct lr_tls_ticket_key cur;
    struct lr_tls_ticket_key prev;
    bool has_prev;
    uint64_t generation; /* 1 after init, +1 per rotation */
};

/* The publication point (one, in struct lr_tls_global). Written only by the
 * main lcore; workers read it with a sequence count (no lock). */
struct lr_tls_tickets {
    uint64_t seq; /* odd while the main lcore writes */
    struct lr_tls_ticket_keys keys;
};

/** Main lcore: fresh random current key, no previous. 0 or -errno. */
int lr_tls_tickets_init(struct lr_tls_tickets *t);
/** Main lcore: previous = current, current = fresh random key. 0 or -errno. */
int lr_tls_tickets_rotate(struct lr_tls_tickets *t);
/**
 * Worker: copy the published keys into @out when their generation differs
 * from out->generation. Returns true when @out changed.
 */
bool lr_tls_tickets_read(const struct lr_tls_tickets *t, struct lr_tls_ticket_keys *out);

/* --- settings (the later [tls] section) --------------------------------- */

struct lr_tls_params {
    /* Server: comma-separated PEM files, cert[i] with key[i]; a cert file may
     * hold its chain after the leaf. Two pairs (ECDSA P-256 and RSA) are
     * served at once, the engine choosing by the client's signature
     * algorithms. NULL: no certificate (client-only). */
    const char *cert;
    const char *key;
    uint16_t min_version;     /* LR_TLS_V1_2 / LR_TLS_V1_3; 0 = LR_TLS_V1_2 */
    uint16_t max_version;     /* 0 = LR_TLS_V1_3 */
    const char *ciphers;      /* TLS 1.2 cipher list (OpenSSL syntax); NULL = default below */
    const char *ciphersuites; /* TLS 1.3 suites; NULL = engine default */
    const char *groups;       /* NULL = "X25519:P-256" */
    const char *alpn;         /* comma-separated; NULL = "http/1.1"; "" = none */
    const char *sigalgs;      /* signature algorithms (OpenSSL list syntax); NULL = default */
    /* Client: verify the server's certificate against this CA file (NULL:
     * no verification, the load generator's default). */
    const char *ca_file;
};

#define LR_TLS_DEFAULT_GROUPS  "X25519:P-256"
#define LR_TLS_DEFAULT_ALPN    "http/1.1"
#define LR_TLS_DEFAULT_CIPHERS "ECDHE+AESGCM:ECDHE+CHACHA20"

/** "1.2" / "1.3" → LR_TLS_V1_2 / LR_TLS_V1_3; 0 for anything else. */
uint16_t lr_tls_version_parse(const char *s);

/* Per-connection options (engine->init). */
struct lr_tls_conn_opts {
    const char *sni;        /* client: server name (RFC 6066 §3); NULL none */
    const uint8_t *session; /* client: a session saved by engine->session_save */
    uint32_t session_len;
    /* client: a session kept by engine->session_keep (used before @session:
     * no decoding, the engine's own object) */
    const void *kept;
    uint64_t now; /* microseconds, start of the handshake (lr_tls_conn_info) */
};

/* What a connection negotiated (engine->info). */
struct lr_tls_conn_info {
    bool established; /* handshake complete */
    bool resumed;
    bool failed;
    uint16_t version;   /* LR_TLS_V1_2 / _3, 0 before the handshake */
    uint16_t cipher_id; /* IANA id */
    uint16_t group_id;  /* IANA NamedGroup of the key exchange, 0 = none/unknown */
    enum lr_tls_fail fail_reason;
    char alpn[16];    /* negotiated protocol, "" when none */
    char cert_key[8]; /* key type of the cert served (server) or received (client): "EC", "RSA" */
    uint64_t started; /* opts->now */
};

/*
 * The engine table. Every function but global_* and tickets_* runs on the
 * worker that owns the object. Errors of global_init / ctx_create are
 * explained in @err (a line for the operator: "FILE: reason").
 */
struct lr_tls_engine {
    const char *name;
    /** Main lcore: parse certificates and keys once, check the settings,
     *  make the ticket keys. 0 or -errno (@err says why). */
    int (*global_init)(const struct lr_tls_params *p, struct lr_tls_global **out, char *err,
                       size_t errlen);
    void (*global_free)(struct lr_tls_global *g);
    /** Main lcore: rotate the ticket keys (lr_tls_tickets_rotate). */
    int (*tickets_rotate)(struct lr_tls_global *g);
    /** Per worker (any lcore, used by one): library context, SSL_CTX, keys
     *  loaded into it, ciphers fetched. @cnt is the worker's counters. */
    int (*ctx_create)(const struct lr_tls_global *g, enum lr_tls_role role,
                      struct lr_tls_counters *cnt, struct lr_tls_ctx **out, char *err,
                      size_t errlen);
    void (*ctx_destroy)(struct lr_tls_ctx *ctx);
    /** Worker: pick up rotated ticket keys (cheap when nothing changed). */
    void (*ctx_refresh)(struct lr_tls_ctx *ctx);
    /** A connection over @io (which must outlive it). NULL when out of memory
     *  (counted as failed no_memory). */
    struct lr_tls_conn *(*init)(struct lr_tls_ctx *ctx, struct lr_tls_io *io,
                                const struct lr_tls_conn_opts *opts);
    /** Advance the handshake: LR_TLS_OK once established, else WANT_* / FATAL. */
    int (*handshake)(struct lr_tls_conn *c);
    /** Decrypt into @buf: bytes (> 0) or WANT_READ / WANT_WRITE / CLOSED / FATAL. */
    int (*read)(struct lr_tls_conn *c, void *buf, uint32_t len);
    /** Encrypt @len bytes (records of at most 16 KB): bytes taken (> 0, may be
     *  < len) or WANT_WRITE / FATAL. After WANT_WRITE call again with the same
     *  bytes (the engine may have kept a partial record). */
    int (*write)(struct lr_tls_conn *c, const void *buf, uint32_t len);
    /** Send close_notify (RFC 8446 §6.1): OK or WANT_WRITE; FATAL after a
     *  failure (nothing is sent then). */
    int (*shutdown)(struct lr_tls_conn *c);
    /** Free the connection (the io stays the caller's). */
    void (*free)(struct lr_tls_conn *c);
    void (*info)(const struct lr_tls_conn *c, struct lr_tls_conn_info *out);
    /** Client: serialise the session for a later resumption. Bytes written,
     *  0 when there is no resumable session yet, -ENOSPC when @cap is short. */
    int (*session_save)(struct lr_tls_conn *c, uint8_t *buf, uint32_t cap);
    /** Client: a reference to the connection's resumable session, for
     *  lr_tls_conn_opts.kept on the same worker (NULL when there is none
     *  yet); dropped with session_release. Keeping the engine's object
     *  saves decoding a serialised session (and the server certificate in
     *  it) at every resumption. */
    void *(*session_keep)(struct lr_tls_conn *c);
    void (*session_release)(void *kept);
    /** Record the caller's failure reason (TIMEOUT, TRUNCATED) once. */
    void (*set_failed)(struct lr_tls_conn *c, enum lr_tls_fail reason);
};

/** The OpenSSL 3.0 engine (lr_tls_openssl.c). */
extern const struct lr_tls_engine lr_tls_engine_openssl;

/** Engine by name ("openssl"), NULL when unknown. */
const struct lr_tls_engine *lr_tls_engine_find(const char *name);

/*
 * Bytes of ciphertext one TLS record adds to its plaintext at most, for
 * sizing writes to the send space: 5 header + 16 tag + 1 content type (1.3)
 * or 8 explicit nonce (1.2 AES-GCM); RFC 8446 §5.2 allows up to 255 bytes of
 * expansion, the AEADs we negotiate use 22 at most.
 */
#define LR_TLS_RECORD_OVERHEAD 29
#define LR_TLS_RECORD_MAX      16384 /* plaintext per record (RFC 8446 §5.1) */

#endif /* LR_TLS_H */
