/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP echo (RFC 862) and discard (RFC 863) services (lr_tcp_services.c):
 * the module "tcp_services", built on the public API (lr_tcp.h) only.
 */
#ifndef LR_TCP_SERVICES_H
#define LR_TCP_SERVICES_H

#include "lr_module.h"

struct lr_worker;

extern const struct lr_module lr_tcp_services_module;

/** Listen on [tcp] echo_port / discard_port when set. 0 or -errno. */
int lr_tcp_services_init(struct lr_worker *w);

/** Free what the services hold in connection contexts (pending echo data). */
void lr_tcp_services_free(struct lr_worker *w);

#endif /* LR_TCP_SERVICES_H */
