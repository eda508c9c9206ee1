/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Explicit FTPS in the FTP session (RFC 4217 over the RFC 2228 commands):
 * AUTH, PBSZ, PROT, CCC and the refusals of [ftp] tls = require. The
 * choices are listed in lr_ftp_session.h; the TLS itself is the glue's
 * (LR_FTP_ACT_TLS_START).
 *
 * Call chain: lr_ftp_session_command() -> lr_ftp_session_tls_refuse()
 * (require mode, before the USER/PASS/transfer handlers) or one of
 * lr_ftp_session_tls_{auth,pbsz,prot,ccc}().
 */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "lr_ftp_session_priv.h"

/* The AUTH mechanisms taken as TLS. RFC 4217 §8 defines "TLS"; "TLS-C",
 * "SSL" and "TLS-P" come from its drafts and are still sent by clients.
 * With SSL and TLS-P the drafts also protected data connections. */
static const struct {
    const char *name;
    bool prot_private;
} auth_mechs[] = {
    { "TLS", false },
    { "TLS-C", false },
    { "SSL", true },
    { "TLS-P", true },
};

static bool tls_off(struct lr_ftp_session *s, enum lr_ftp_verb v, struct lr_ftp_out *out)
{
    if (s->cfg->tls != LR_FTP_TLS_OFF)
        return false;
    /* RFC 2228 §3: a server that knows the command but has no security
     * mechanism to offer answers 502. */
    s->stats->tls_refused++;
    lr_ftp_reply(out, 502, "%s not available: TLS is off.", lr_ftp_verb_name(v));
    return true;
}

void lr_ftp_session_tls_auth(struct lr_ftp_session *s, const struct lr_ftp_cmd *c,
                             struct lr_ftp_out *out, struct lr_ftp_actions *acts)
{
    if (tls_off(s, LR_FTP_CMD_AUTH, out))
        return;
    if (s->tls_ctrl) {
        /* A second handshake would run inside the first: not offered. */
        s->stats->tls_refused++;
        lr_ftp_reply(out, 503, "Already using TLS.");
        return;
    }
    if (c->arg_len == 0) {
        s->stats->tls_refused++;
        lr_ftp_reply(out, 501, "AUTH needs a security mechanism.");
        return;
    }
    int m = -1;
    for (unsigned i = 0; i < sizeof(auth_mechs) / sizeof(auth_mechs[0]); i++) {
        if (strlen(auth_mechs[i].name) == c->arg_len &&
            strncasecmp(c->arg, auth_mechs[i].name, c->arg_len) == 0) {
            m = (int)i;
            break;
        }
    }
    if (m < 0) {
        /* RFC 2228 §3: 504 for a mechanism the server does not know. */
        s->stats->tls_refused++;
        lr_ftp_reply(out, 504, "Unknown security mechanism, use AUTH TLS.");
        return;
    }
    /*
     * RFC 2228 §3: an accepted AUTH removes the state of earlier security
     * commands and the user must log in again; the login, the cwd and a data
     * connection set up in plaintext all go. REST and RNFR were reset by the
     * dispatcher already (neither precedes AUTH any more), and nothing of a
     * command line survives: the glue discards every byte after the AUTH
     * line (a command injected behind it in plaintext must not run as if
     * it came under TLS).
     */
    if (s->login != LR_FTP_LOGIN_NONE) {
        s->login = LR_FTP_LOGIN_NONE;
        s->anonymous = false;
        s->user[0] = '\0';
        s->cwd[0] = '/';
        s->cwd[1] = '\0';
    }
    if (s->data != LR_FTP_DATA_NONE)
        lr_ftp_session_act_push(acts, LR_FTP_ACT_DATA_CLOSE);
    s->data = LR_FTP_DATA_NONE;
    s->rest_set = false;
    s->rest = 0;
    s->rnfr_set = false;
    s->pbsz_done = false;
    s->prot_private = auth_mechs[m].prot_private;
    s->tls_ctrl = true;
    s->stats->tls_auth++;
    /* RFC 4217 §4.1: 234, then the client starts the TLS handshake. */
    lr_ftp_reply(out, 234, "AUTH %s OK.", auth_mechs[m].name);
    lr_ftp_session_act_push(acts, LR_FTP_ACT_TLS_START);
}

void lr_ftp_session_tls_pbsz(struct lr_ftp_session *s, const struct lr_ftp_cmd *c,
                             struct lr_ftp_out *out)
{
    uint64_t n;
    if (tls_off(s, LR_FTP_CMD_PBSZ, out))
        return;
    if (!s->tls_ctrl) {
        /* RFC 2228 §3: PBSZ follows a completed security data exchange. */
        s->stats->tls_refused++;
        lr_ftp_reply(out, 503, "PBSZ needs AUTH TLS first.");
        return;
    }
    if (lr_ftp_u64_parse(c->arg, c->arg_len, &n) != 0 || n > UINT32_MAX) {
        /* RFC 2228 §3: a decimal integer below 2^32. */
        s->stats->tls_refused++;
        lr_ftp_reply(out, 501, "PBSZ needs a decimal buffer size.");
        return;
    }
    /* RFC 4217 §9: TLS is a stream protection, there is no buffer: any
     * size is answered with 0 (RFC 2228 §3 lets the server lower it). */
    s->pbsz_done = true;
    lr_ftp_reply(out, 200, "PBSZ=0");
}

void lr_ftp_session_tls_prot(struct lr_ftp_session *s, const struct lr_ftp_cmd *c,
                             struct lr_ftp_out *out)
{
    if (tls_off(s, LR_FTP_CMD_PROT, out))
        return;
    if (!s->pbsz_done) {
        /* RFC 4217 §9: PBSZ is compulsory before PROT (and AUTH before PBSZ). */
        s->stats->tls_refused++;
        lr_ftp_reply(out, 503, "PROT needs PBSZ first.");
        return;
    }
    if (c->arg_len != 1) {
        s->stats->tls_refused++;
        lr_ftp_reply(out, 501, "PROT needs one of C or P.");
        return;
    }
    switch (c->arg[0] & (char)~0x20) {
    case 'P':
        s->prot_private = true;
        lr_ftp_reply(out, 200, "Protection level set to Private.");
        return;
    case 'C':
        if (s->cfg->tls == LR_FTP_TLS_REQUIRE) {
            /* RFC 2228 §3: 534, request denied for policy reasons. */
            s->stats->tls_refused++;
            lr_ftp_reply(out, 534, "PROT C refused: data connections must be protected.");
            return;
        }
        s->prot_private = false;
        lr_ftp_reply(out, 200, "Protection level set to Clear.");
        return;
    case 'S':
    case 'E':
        /* RFC 4217 §9: TLS has no Safe or Confidential level; RFC 2228 §3:
         * 536, requested PROT level not supported by the mechanism. */
        s->stats->tls_refused++;
        lr_ftp_reply(out, 536, "PROT %c not supported with TLS, use C or P.",
                     c->arg[0] & (char)~0x20);
        return;
    default:
        s->stats->tls_refused++;
        lr_ftp_reply(out, 504, "Unknown protection level, use C or P.");
        return;
    }
}

void lr_ftp_session_tls_ccc(struct lr_ftp_session *s, struct lr_ftp_out *out)
{
    if (tls_off(s, LR_FTP_CMD_CCC, out))
        return;
    s->stats->tls_refused++;
    if (!s->tls_ctrl) {
        /* RFC 2228 §3: CCC that was not sent protected is refused with 533. */
        lr_ftp_reply(out, 533, "CCC refused: the control connection is not protected.");
        return;
    }
    /* RFC 4217 §5 lets a server refuse CCC (534, policy): after it, anyone
     * on the path could rewrite commands, e.g. PROT P into PROT C. */
    lr_ftp_reply(out, 534, "CCC refused: the control connection stays protected.");
}

static bool is_transfer(enum lr_ftp_verb v)
{
    switch (v) {
    case LR_FTP_CMD_RETR:
    case LR_FTP_CMD_STOR:
    case LR_FTP_CMD_STOU:
    case LR_FTP_CMD_APPE:
    case LR_FTP_CMD_LIST:
    case LR_FTP_CMD_NLST:
    case LR_FTP_CMD_MLSD:
        return true;
    default:
        return false;
    }
}

bool lr_ftp_session_tls_refuse(struct lr_ftp_session *s, enum lr_ftp_verb v, struct lr_ftp_out *out)
{
    if (s->cfg->tls != LR_FTP_TLS_REQUIRE)
        return false;
    if ((v == LR_FTP_CMD_USER || v == LR_FTP_CMD_PASS) && !s->tls_ctrl) {
        /* RFC 4217 §4.2: the server secures the session by refusing
         * commands until it is; no password crosses in plaintext. */
        s->stats->tls_refused++;
        lr_ftp_reply(out, 530, "TLS required: use AUTH TLS before USER.");
        return true;
    }
    if (is_transfer(v) && !s->prot_private) {
        /* RFC 4217 §10.2: 521 when the server's policy refuses the data
         * connection at the current PROT level. */
        s->stats->tls_refused++;
        lr_ftp_reply(out, 521,
                     "Data connection cannot be opened with this PROT setting, use "
                     "PBSZ 0 and PROT P.");
        return true;
    }
    return false;
}
