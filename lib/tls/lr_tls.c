/* SPDX-License-Identifier: BSD-3-Clause */
/* Engine-neutral parts of the TLS layer: names, counters, ticket keys. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "lr_tls.h"

static const char *const fail_names[LR_TLS_FAIL_MAX] = {
#define LR_X_FAIL(e, n) [LR_TLS_FAIL_##e] = n,
    LR_TLS_FAIL_REASONS(LR_X_FAIL)
#undef LR_X_FAIL
};

const char *lr_tls_fail_name(enum lr_tls_fail r)
{
    return (unsigned)r < LR_TLS_FAIL_MAX ? fail_names[r] : "?";
}

static const struct {
    uint16_t id;
    const char *name;
} cipher_table[LR_TLS_CIPHER_OTHER] = {
#define LR_X_CIPHER(e, i, n) [LR_TLS_CIPHER_##e] = { i, n },
    LR_TLS_CIPHERS(LR_X_CIPHER)
#undef LR_X_CIPHER
};

enum lr_tls_cipher lr_tls_cipher_of(uint16_t iana_id)
{
    for (unsigned i = 0; i < LR_TLS_CIPHER_OTHER; i++) {
        if (cipher_table[i].id == iana_id)
            return (enum lr_tls_cipher)i;
    }
    return LR_TLS_CIPHER_OTHER;
}

static const struct {
    uint16_t id;
    const char *name;
} group_table[LR_TLS_GROUP_NONE] = {
#define LR_X_GROUP(e, i, n) [LR_TLS_GROUP_##e] = { i, n },
    LR_TLS_GROUPS(LR_X_GROUP)
#undef LR_X_GROUP
};

enum lr_tls_group lr_tls_group_of(uint16_t iana_id)
{
    if (iana_id == 0)
        return LR_TLS_GROUP_NONE;
    for (unsigned i = 0; i < LR_TLS_GROUP_NONE; i++) {
        if (group_table[i].id == iana_id)
            return (enum lr_tls_group)i;
    }
    return LR_TLS_GROUP_OTHER;
}

const char *lr_tls_group_name(unsigned slot)
{
    if (slot < LR_TLS_GROUP_NONE)
        return group_table[slot].name;
    return slot == LR_TLS_GROUP_NONE ? "none" : slot == LR_TLS_GROUP_OTHER ? "other" : "?";
}

uint16_t lr_tls_version_parse(const char *s)
{
    if (s == NULL)
        return 0;
    if (strcmp(s, "1.2") == 0)
        return LR_TLS_V1_2;
    if (strcmp(s, "1.3") == 0)
        return LR_TLS_V1_3;
    return 0;
}

void lr_tls_counters_add(struct lr_tls_counters *dst, const struct lr_tls_counters *src)
{
    /* Every member is a uint64_t (nested struct included). */
    uint64_t *d = (uint64_t *)dst;
    const uint64_t *s = (const uint64_t *)src;
    for (size_t i = 0; i < sizeof(*dst) / sizeof(uint64_t); i++)
        d[i] += s[i];
}

unsigned lr_tls_counters_foreach(const struct lr_tls_counters *c,
                                 void (*fn)(void *arg, const char *name, uint64_t value), void *arg)
{
    unsigned n = 0;
    char name[64];
#define EMIT(label, v)                                                                             \
    do {                                                                                           \
        fn(arg, label, v);                                                                         \
        n++;                                                                                       \
    } while (0)
    EMIT("handshakes_started", c->hs_started);
    EMIT("handshakes_full", c->hs_full);
    EMIT("handshakes_resumed", c->hs_resumed);
    EMIT("handshakes_in_progress", c->in_progress);
    uint64_t failed = 0;
    for (unsigned i = 0; i < LR_TLS_FAIL_MAX; i++)
        failed += c->failed[i];
    EMIT("handshakes_failed", failed);
    for (unsigned i = 0; i < LR_TLS_FAIL_MAX; i++) {
        snprintf(name, sizeof(name), "failed_%s", fail_names[i]);
        EMIT(name, c->failed[i]);
    }
    EMIT("version_tls1_2", c->version[LR_TLS_VER_1_2]);
    EMIT("version_tls1_3", c->version[LR_TLS_VER_1_3]);
    EMIT("version_other", c->version[LR_TLS_VER_OTHER]);
    for (unsigned i = 0; i < LR_TLS_CIPHER_OTHER; i++) {
        snprintf(name, sizeof(name), "cipher_%s", cipher_table[i].name);
        EMIT(name, c->cipher[i]);
    }
    EMIT("cipher_other", c->cipher[LR_TLS_CIPHER_OTHER]);
    for (unsigned i = 0; i < LR_TLS_GROUP_MAX; i++) {
        snprintf(name, sizeof(name), "group_%s", lr_tls_group_name(i));
        EMIT(name, c->group[i]);
    }
    EMIT("alerts_sent", c->alerts_sent);
    EMIT("tickets_issued", c->tickets_issued);
    EMIT("tickets_renewed", c->tickets_renewed);
    EMIT("tickets_unknown_key", c->tickets_unknown_key);
    EMIT("close_notify_rcvd", c->close_notify_rcvd);
    EMIT("close_notify_sent", c->close_notify_sent);
    EMIT("bytes_decrypted", c->plain_bytes_in);
    EMIT("bytes_encrypted", c->plain_bytes_out);
    EMIT("records_in", c->io.records_in);
    EMIT("records_out", c->io.records_out);
    EMIT("alert_records_in", c->io.alerts_in);
    EMIT("alert_records_out", c->io.alerts_out);
    EMIT("cipher_bytes_in", c->io.cipher_bytes_in);
    EMIT("cipher_bytes_out", c->io.cipher_bytes_out);
    EMIT("tx_refused", c->io.tx_refused);
    EMIT("tx_no_mbuf", c->io.tx_no_mbuf);
    EMIT("rx_over_max", c->io.rx_over_max);
#undef EMIT
    return n;
}

/* --- ticket keys ---------------------------------------------------------- */

static int key_fill(struct lr_tls_ticket_key *k)
{
    uint8_t *p = (uint8_t *)k;
    size_t left = sizeof(*k);
    while (left > 0) {
        ssize_t r = getrandom(p, left, 0);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        p += r;
        left -= (size_t)r;
    }
    return 0;
}

/* Seqcount writer side (single writer, the main lcore): odd while writing. */
static void seq_begin(struct lr_tls_tickets *t)
{
    __atomic_store_n(&t->seq, t->seq + 1, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_RELEASE);
}

static void seq_end(struct lr_tls_tickets *t)
{
    __atomic_store_n(&t->seq, t->seq + 1, __ATOMIC_RELEASE);
}

int lr_tls_tickets_init(struct lr_tls_tickets *t)
{
    struct lr_tls_ticket_keys k;
    memset(&k, 0, sizeof(k));
    int rc = key_fill(&k.cur);
    if (rc < 0)
        return rc;
    k.generation = 1;
    memset(t, 0, sizeof(*t));
    seq_begin(t);
    t->keys = k;
    seq_end(t);
    return 0;
}

int lr_tls_tickets_rotate(struct lr_tls_tickets *t)
{
    struct lr_tls_ticket_keys k = t->keys; /* only this lcore writes it */
    k.prev = k.cur;
    k.has_prev = true;
    int rc = key_fill(&k.cur);
    if (rc < 0)
        return rc;
    k.generation++;
    seq_begin(t);
    t->keys = k;
    seq_end(t);
    return 0;
}

bool lr_tls_tickets_read(const struct lr_tls_tickets *t, struct lr_tls_ticket_keys *out)
{
    for (;;) {
        uint64_t s1 = __atomic_load_n(&t->seq, __ATOMIC_ACQUIRE);
        if (s1 & 1)
            continue; /* the main lcore is writing: a few instructions */
        if (__atomic_load_n(&t->keys.generation, __ATOMIC_RELAXED) == out->generation)
            return false;
        struct lr_tls_ticket_keys copy;
        memcpy(&copy, &t->keys, sizeof(copy));
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        if (__atomic_load_n(&t->seq, __ATOMIC_RELAXED) != s1)
            continue;
        *out = copy;
        return true;
    }
}

/* --- engines -------------------------------------------------------------- */

const struct lr_tls_engine *lr_tls_engine_find(const char *name)
{
    static const struct lr_tls_engine *const engines[] = { &lr_tls_engine_openssl };
    for (size_t i = 0; i < sizeof(engines) / sizeof(engines[0]); i++) {
        if (name != NULL && strcmp(engines[i]->name, name) == 0)
            return engines[i];
    }
    return NULL;
}
