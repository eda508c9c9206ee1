/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal to the FTP session state machine: what lr_ftp_session.c and the
 * RFC 4217 command handlers of lr_ftp_session_tls.c share. Not for the glue.
 */
#ifndef LR_FTP_SESSION_PRIV_H
#define LR_FTP_SESSION_PRIV_H

#include <stdbool.h>

#include "lr_ftp_session.h"

/** Append an action of type @t (zeroed, paths empty); NULL when @acts is full. */
struct lr_ftp_action *lr_ftp_session_act_push(struct lr_ftp_actions *acts, enum lr_ftp_act_type t);

/** AUTH (RFC 4217 §4): 234 + TLS_START, or 501/502/503/504. */
void lr_ftp_session_tls_auth(struct lr_ftp_session *s, const struct lr_ftp_cmd *c,
                             struct lr_ftp_out *out, struct lr_ftp_actions *acts);

/** PBSZ (RFC 4217 §9): 200 PBSZ=0, or 501/502/503. */
void lr_ftp_session_tls_pbsz(struct lr_ftp_session *s, const struct lr_ftp_cmd *c,
                             struct lr_ftp_out *out);

/** PROT (RFC 4217 §9): 200, or 501/502/503/504/534/536. */
void lr_ftp_session_tls_prot(struct lr_ftp_session *s, const struct lr_ftp_cmd *c,
                             struct lr_ftp_out *out);

/** CCC (RFC 4217 §5): always refused, 533 or 534 (502 with tls = off). */
void lr_ftp_session_tls_ccc(struct lr_ftp_session *s, struct lr_ftp_out *out);

/**
 * tls = require: refuse @v before its handler runs (USER/PASS before AUTH:
 * 530; a transfer command without PROT P: 521).
 * @return true when a refusal was written (the command is done).
 */
bool lr_ftp_session_tls_refuse(struct lr_ftp_session *s, enum lr_ftp_verb v,
                               struct lr_ftp_out *out);

#endif /* LR_FTP_SESSION_PRIV_H */
