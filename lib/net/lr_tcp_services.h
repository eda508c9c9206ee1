/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP echo (RFC 862) and discard (RFC 863) services (lr_tcp_services.c),
 * started and stopped by lr_tcp_init() / lr_tcp_free(). They are built on
 * the public API (lr_tcp.h) only.
 */
#ifndef LR_TCP_SERVICES_H
#define LR_TCP_SERVICES_H

struct lr_worker;

/** Listen on [tcp] echo_port / discard_port when set. 0 or -errno. */
int lr_tcp_services_init(struct lr_worker *w);

/** Free what the services hold in connection contexts (pending echo data). */
void lr_tcp_services_free(struct lr_worker *w);

#endif /* LR_TCP_SERVICES_H */
