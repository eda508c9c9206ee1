/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Initial sequence numbers (RFC 6528) and SYN cookies (RFC 4987 §3.6).
 * Pure functions of their inputs: the secret and the time are passed in.
 */
#ifndef LR_TCP_ISN_H
#define LR_TCP_ISN_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_byteorder.h>

struct lr_tcp_secret {
    uint64_t k0, k1; /* SipHash key for ISNs */
    uint64_t c0, c1; /* SipHash key for cookies */
};

/** Fill @s from a cryptographic source (getrandom); 0 or -errno. */
int lr_tcp_secret_init(struct lr_tcp_secret *s);

/** SipHash-2-4 of @len bytes with key (k0,k1). Exposed for tests and other hashing. */
uint64_t lr_siphash24(uint64_t k0, uint64_t k1, const void *data, unsigned len);

/**
 * RFC 6528 §3: ISN = M + F(localip, localport, remoteip, remoteport, secretkey),
 * M a 4 µs timer. Addresses and ports in network order as on the wire.
 */
uint32_t lr_tcp_isn(const struct lr_tcp_secret *s, rte_be32_t laddr, rte_be16_t lport,
                    rte_be32_t raddr, rte_be16_t rport, uint64_t now_us);

/* What a cookie can carry back (the SYN's options we must remember). */
struct lr_syncookie_opts {
    uint16_t mss;   /* encoded as one of a few table values */
    uint8_t wscale; /* 0..14, 15 = no window scaling */
    bool sack_ok;
    bool ts_ok;
};

/**
 * Make the ISN of a SYN-ACK that encodes the connection in its sequence number:
 * a 6-bit minute counter t, an index into the MSS table, wscale/sack/ts bits
 * when timestamps carry them (else MSS only), and a keyed hash of the 4-tuple,
 * the peer's ISN and t. Works with addresses/ports in network order.
 */
uint32_t lr_syncookie_make(const struct lr_tcp_secret *s, rte_be32_t laddr, rte_be16_t lport,
                           rte_be32_t raddr, rte_be16_t rport, uint32_t peer_isn,
                           const struct lr_syncookie_opts *o, uint64_t now_us);

/**
 * Check the cookie carried by the ACK of the handshake (ack_seq - 1 is the
 * cookie, peer_isn = seq - 1). Accepts cookies up to 2 minutes old.
 * Returns true and fills @o when valid (@o may be NULL): o->mss is the table
 * value (536, 1220, 1300, 1380, 1440, 1460, 4312 or 8960); when the cookie was
 * made without timestamps, o->ts_ok = false, o->wscale = 15 (none) and
 * o->sack_ok = false. Bit layout and security margin: lr_tcp_isn.c.
 */
bool lr_syncookie_check(const struct lr_tcp_secret *s, rte_be32_t laddr, rte_be16_t lport,
                        rte_be32_t raddr, rte_be16_t rport, uint32_t peer_isn, uint32_t cookie,
                        uint64_t now_us, struct lr_syncookie_opts *o);

#endif /* LR_TCP_ISN_H */
