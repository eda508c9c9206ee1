/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The load generator (lr_http_client) against a scripted peer through the
 * fixture's ring port: one connection slot, time set explicitly.
 * Keep-alive requests with paths in turn and latency, chunked responses,
 * drain at the end of the duration, the per-request timeout, CPS with the
 * server closing first, bad responses counted by reason, and no leak.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lr_client_report.h"
#include "lr_http_client.h"
#include "lr_runtime.h"
#include "lr_tcp_test.h"
#include "lr_test.h"

#define PORT 8080

/* Configure [client] on the worker's (test-owned) config and create the client. */
static struct lr_client_config *client_setup(struct lrt_env *e, uint32_t rpc)
{
    struct lr_config *wc = (struct lr_config *)(uintptr_t)e->w->cfg;
    struct lr_client_config *cc = lr_test_client(wc);
    memset(cc, 0, sizeof(*cc));
    cc->enabled = true;
    cc->nb_targets = 1;
    cc->targets[0].ip = LR_TEST_PEER_IP;
    cc->targets[0].port = PORT;
    cc->nb_paths = 2;
    strcpy(cc->paths[0], "/a");
    strcpy(cc->paths[1], "/b");
    cc->connections = 1;
    cc->requests_per_conn = rpc;
    cc->duration = 5000000;
    assert_int_equal(lr_client_init(e->w), 0);
    assert_non_null(lr_client_get(e->w));
    return cc;
}

static void client_teardown(struct lrt_env *e)
{
    lr_client_shutdown(e->w);
    lr_client_free(e->w);
    assert_null(lr_client_get(e->w));
    lrt_drain(e);
}

static struct lr_client_counters counters(struct lrt_env *e)
{
    struct lr_client_counters c;
    lr_client_counters_get(lr_client_get(e->w), &c);
    return c;
}

/* Poll: expect a SYN to PORT, answer SYN-ACK. */
static void accept_connect(struct lrt_env *e)
{
    struct lrt_seg s;
    lr_client_poll(e->w);
    assert_true(lrt_expect(e, &s));
    assert_int_equal(s.flags, LRT_SYN);
    assert_int_equal(s.dport, PORT);
    e->peer_port = PORT;
    e->local_port = s.sport;
    e->peer_ack = s.seq + 1;
    e->peer_seq = 7000000;
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_SYN | LRT_ACK });
}

/* The next data segment from the client: must be a whole request for @path. */
static void expect_request(struct lrt_env *e, const char *path, const char *conn)
{
    struct lrt_seg s;
    do {
        assert_true(lrt_expect(e, &s));
    } while (s.len == 0);
    s.data[s.len < LRT_DATA_MAX ? s.len : LRT_DATA_MAX - 1] = '\0';
    char line[64], hdr[64];
    snprintf(line, sizeof(line), "GET %s HTTP/1.1\r\n", path);
    snprintf(hdr, sizeof(hdr), "\r\nConnection: %s\r\n\r\n", conn);
    assert_memory_equal(s.data, line, strlen(line));
    assert_non_null(strstr((char *)s.data, "\r\nHost: 198.18.0.1:8080\r\n"));
    assert_non_null(strstr((char *)s.data, hdr));
    e->peer_ack = s.seq + s.len;
}

static void respond(struct lrt_env *e, const char *text)
{
    lrt_send(e, &(struct lrt_spec){
                    .flags = LRT_ACK | LRT_PSH, .data = text, .len = (uint32_t)strlen(text) });
}

static void test_keepalive_drain(void **state)
{
    struct lrt_env *e = *state;
    client_setup(e, 0);
    accept_connect(e);
    expect_request(e, "/a", "keep-alive");
    lr_test_advance(e->w, 1500);
    respond(e, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
    struct lr_client_counters c = counters(e);
    assert_int_equal(c.responses, 1);
    assert_int_equal(c.status[2], 1);
    assert_int_equal(c.body_bytes, 5);
    expect_request(e, "/b", "keep-alive"); /* paths in turn, same connection */

    /* A chunked response in two segments, a 404. */
    lr_test_advance(e->w, 300);
    respond(e, "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nab");
    assert_int_equal(counters(e).responses, 1);
    respond(e, "c\r\n0\r\n\r\n");
    c = counters(e);
    assert_int_equal(c.responses, 2);
    assert_int_equal(c.status[4], 1);
    assert_int_equal(c.body_bytes, 8);
    expect_request(e, "/a", "keep-alive");

    struct lr_latency lat;
    lr_latency_reset(&lat);
    lr_client_latency_merge(lr_client_get(e->w), &lat);
    assert_int_equal(lat.count, 2);
    assert_int_equal(lat.min, 300);
    assert_int_equal(lat.max, 1500);

    /* Past the duration: no new request; the one in flight finishes. */
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK }); /* no retransmission meanwhile */
    lr_test_advance(e->w, 5000000);
    lr_client_poll(e->w);
    assert_int_equal(lr_client_phase(lr_client_get(e->w)), LR_CLIENT_PHASE_DRAINING);
    respond(e, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    struct lrt_seg s;
    do {
        assert_true(lrt_expect(e, &s)); /* our FIN, no request */
        assert_int_equal(s.len, 0);
    } while (!(s.flags & LRT_FIN));
    e->peer_ack = s.seq + 1;
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_FIN | LRT_ACK });
    lr_client_poll(e->w);
    assert_int_equal(lr_client_phase(lr_client_get(e->w)), LR_CLIENT_PHASE_DONE);
    c = counters(e);
    assert_int_equal(c.requests, 3);
    assert_int_equal(c.responses, 3);
    assert_int_equal(c.conns, 1);
    assert_int_equal(c.active, 0);
    assert_int_equal(c.unfinished, 0);
    for (unsigned i = 0; i < LR_CLIENT_ERR_MAX; i++)
        assert_int_equal(c.errors[i], 0);
    assert_true(lr_client_elapsed(lr_client_get(e->w), e->w->now) >= 5000000);
    client_teardown(e);
}

static void test_timeout_and_reopen(void **state)
{
    struct lrt_env *e = *state;
    client_setup(e, 0);
    accept_connect(e);
    expect_request(e, "/a", "keep-alive");
    /* Header only, then silence: the request times out (10 s), RST, reopen. */
    respond(e, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n");
    lr_test_advance(e->w, LR_CLIENT_REQ_TIMEOUT_US + 2000);
    struct lr_client_counters c = counters(e);
    assert_int_equal(c.errors[LR_CLIENT_ERR_TIMEOUT], 1);
    assert_int_equal(c.active, 0);
    struct lrt_seg s;
    bool rst = false;
    while (lrt_expect(e, &s))
        rst |= (s.flags & LRT_RST) != 0;
    assert_true(rst);
    /* Duration (5 s) already passed: the worker drains and ends. */
    lr_client_poll(e->w);
    lr_client_poll(e->w);
    assert_int_equal(lr_client_phase(lr_client_get(e->w)), LR_CLIENT_PHASE_DONE);
    client_teardown(e);
}

static void test_cps_server_closes(void **state)
{
    struct lrt_env *e = *state;
    client_setup(e, 1);
    for (unsigned round = 0; round < 2; round++) {
        accept_connect(e);
        expect_request(e, round == 0 ? "/a" : "/b", "close");
        respond(e, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok");
        /* The client waits for the server's FIN (the server keeps TIME-WAIT). */
        struct lrt_seg s;
        while (lrt_expect(e, &s))
            assert_false(s.flags & (LRT_FIN | LRT_RST));
        lrt_send(e, &(struct lrt_spec){ .flags = LRT_FIN | LRT_ACK });
        bool fin = false;
        while (lrt_expect(e, &s)) {
            fin |= (s.flags & LRT_FIN) != 0;
            e->peer_ack = s.seq + 1;
        }
        assert_true(fin);
        lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK });
        assert_int_equal(counters(e).active, 0);
    }
    struct lr_client_counters c = counters(e);
    assert_int_equal(c.conns, 2);
    assert_int_equal(c.responses, 2);
    assert_int_equal(c.conns_closed, 2);
    client_teardown(e);
}

static void test_bad_responses(void **state)
{
    struct lrt_env *e = *state;
    client_setup(e, 0);
    accept_connect(e);
    expect_request(e, "/a", "keep-alive");
    respond(e, "HTTP/1.1 2x0 OK\r\n\r\n");
    struct lr_client_counters c = counters(e);
    assert_int_equal(c.errors[LR_CLIENT_ERR_BAD_STATUS], 1);
    assert_int_equal(c.active, 0);
    lrt_drain(e);

    /* Reopened by the next poll: excess bytes after a complete response. */
    accept_connect(e);
    expect_request(e, "/b", "keep-alive");
    respond(e, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxyz");
    c = counters(e);
    assert_int_equal(c.responses, 1);
    assert_int_equal(c.errors[LR_CLIENT_ERR_BODY_LONG], 1);
    lrt_drain(e);

    /* Short body, then the server closes. */
    accept_connect(e);
    expect_request(e, "/a", "keep-alive");
    respond(e, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_FIN | LRT_ACK });
    c = counters(e);
    assert_int_equal(c.errors[LR_CLIENT_ERR_BODY_SHORT], 1);
    struct lrt_seg s;
    bool fin = false;
    while (lrt_expect(e, &s)) {
        fin |= (s.flags & LRT_FIN) != 0;
        e->peer_ack = s.seq + 1;
    }
    assert_true(fin); /* the client closes its side at once */
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK });
    assert_int_equal(counters(e).active, 0);
    /* RST while a request is in flight. */
    lr_test_advance(e->w, 1000);
    accept_connect(e);
    expect_request(e, "/b", "keep-alive");
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_RST | LRT_ACK });
    c = counters(e);
    assert_int_equal(c.errors[LR_CLIENT_ERR_RESET], 1);
    assert_int_equal(c.active, 0);
    assert_int_equal(c.requests, 4);
    assert_int_equal(c.responses, 1);
    lrt_drain(e);
    client_teardown(e);
}

/* Poll after advancing @us; return the connections the client opened
 * (SYN retransmissions of earlier attempts are not new connections). */
static unsigned step(struct lrt_env *e, uint64_t us)
{
    uint64_t before = counters(e).conn_attempts;
    lr_test_advance(e->w, us);
    lr_client_poll(e->w);
    lrt_drain(e);
    return (unsigned)(counters(e).conn_attempts - before);
}

static void test_warmup_rate_ramp(void **state)
{
    struct lrt_env *e = *state;
    /* Rate 2/s, 4 connections: after the first success, one every 0.5 s. */
    struct lr_client_config *cc = client_setup(e, 0);
    client_teardown(e);
    cc->connections = 4;
    cc->rate = 2;
    assert_int_equal(lr_client_init(e->w), 0);
    /* Warm-up: one attempt at a time until it succeeds. */
    accept_connect(e);
    expect_request(e, "/a", "keep-alive");
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK });
    assert_int_equal(step(e, 100000), 0);
    assert_int_equal(step(e, 300000), 0);
    assert_int_equal(step(e, 150000), 1); /* 0.55 s after the first success */
    assert_int_equal(step(e, 100000), 0);
    assert_int_equal(step(e, 450000), 1);
    assert_int_equal(step(e, 500000), 1);
    assert_int_equal(step(e, 500000), 0); /* all 4 slots hold a connection */
    assert_int_equal(counters(e).active, 4);
    client_teardown(e);

    /* Ramp 4 s without a rate cap: concurrency 1, 2, 3, 4 over 4 s. */
    cc->rate = 0;
    cc->ramp = 4000000;
    assert_int_equal(lr_client_init(e->w), 0);
    accept_connect(e);
    expect_request(e, "/a", "keep-alive");
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK });
    assert_int_equal(step(e, 1100000), 0); /* target 1 */
    assert_int_equal(step(e, 1000000), 1); /* 2.1 s: target 2 */
    assert_int_equal(step(e, 1000000), 1); /* 3.1 s: target 3 */
    assert_int_equal(step(e, 1000000), 1); /* 4.1 s: all 4 */
    assert_int_equal(step(e, 1000000), 0);
    assert_int_equal(counters(e).conn_attempts, 4);
    client_teardown(e);
}

static void test_init_checks(void **state)
{
    struct lrt_env *e = *state;
    struct lr_config *wc = (struct lr_config *)(uintptr_t)e->w->cfg;
    /* Off: nothing created. */
    lr_test_client(wc)->enabled = false;
    assert_int_equal(lr_client_init(e->w), 0);
    assert_null(lr_client_get(e->w));
    /* More connections than the TCP pool holds. */
    memset(lr_test_client(wc), 0, sizeof(struct lr_client_config));
    lr_test_client(wc)->enabled = true;
    lr_test_client(wc)->nb_targets = 1;
    lr_test_client(wc)->targets[0].ip = LR_TEST_PEER_IP;
    lr_test_client(wc)->targets[0].port = PORT;
    lr_test_client(wc)->nb_paths = 1;
    strcpy(lr_test_client(wc)->paths[0], "/");
    lr_test_client(wc)->connections = wc->tcp.max_conns + 1;
    lr_test_client(wc)->duration = 1000000;
    assert_int_equal(lr_client_init(e->w), -EINVAL);
    assert_null(lr_client_get(e->w));
    /* A source range without a local address. */
    lr_test_client(wc)->connections = 1;
    lr_test_client(wc)->source_first = lr_test_client(wc)->source_last = LR_TEST_IP(198, 18, 0, 99);
    assert_int_equal(lr_client_init(e->w), -EINVAL);
    assert_null(lr_client_get(e->w));
    lr_test_client(wc)->source_first = lr_test_client(wc)->source_last = LR_TEST_OUR_IP;
    assert_int_equal(lr_client_init(e->w), 0);
    client_teardown(e);
    assert_string_equal(lr_client_error_name(LR_CLIENT_ERR_BAD_CHUNK), "bad_chunk");
    assert_string_equal(lr_client_error_name(LR_CLIENT_ERR_MAX), "unknown");
}

/*
 * Open loop ([client] request_rate): requests at fixed intents, latency from
 * the intended time. 10 requests/s on one connection: a server stall of 1 s
 * delays the ten requests due meanwhile, and each is charged with its wait
 * (coordinated omission corrected); requests still due at the end are
 * counted as unsent.
 */
static void test_open_loop(void **state)
{
    struct lrt_env *e = *state;
    struct lr_client_config *cc = client_setup(e, 0);
    client_teardown(e);
    cc->request_rate = 10;
    assert_int_equal(lr_client_init(e->w), 0);

    accept_connect(e); /* warm: request 0 is intended now */
    uint64_t t0 = e->w->now;
    expect_request(e, "/a", "keep-alive");
    lr_test_advance(e->w, 2000);
    respond(e, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    lr_client_poll(e->w);
    lrt_drain(e); /* our ACK only: request 1 is intended at t0 + 100 ms */
    assert_int_equal(counters(e).requests, 1);
    lr_test_advance(e->w, 97000);
    lr_client_poll(e->w);
    lrt_drain(e);
    assert_int_equal(counters(e).requests, 1); /* t0 + 99 ms */
    lr_test_advance(e->w, 1000);
    lr_client_poll(e->w); /* t0 + 100 ms */
    expect_request(e, "/b", "keep-alive");
    assert_int_equal(counters(e).requests, 2);
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK });

    /* The server stalls 1 s: the ten requests intended meanwhile wait. */
    lr_test_advance(e->w, 1000000);
    lr_client_poll(e->w);
    lrt_drain(e);
    assert_int_equal(e->w->now - t0, 1100000);
    assert_int_equal(counters(e).backlog, 10);
    assert_int_equal(counters(e).requests, 2);
    respond(e, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    /* Each response frees the connection for the oldest waiting request. */
    for (unsigned k = 0; k < 10; k++) {
        expect_request(e, k % 2 == 0 ? "/a" : "/b", "keep-alive");
        assert_int_equal(counters(e).backlog, 9 - k);
        respond(e, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    }
    struct lr_client_counters c = counters(e);
    assert_int_equal(c.requests, 12);
    assert_int_equal(c.responses, 12);
    assert_int_equal(c.backlog, 0);

    struct lr_latency lat;
    lr_latency_reset(&lat);
    lr_client_latency_merge(lr_client_get(e->w), &lat);
    assert_int_equal(lat.count, 12);
    assert_int_equal(lat.min, 0);       /* intended at t0 + 1.1 s, sent then */
    assert_int_equal(lat.max, 1000000); /* the stalled request */
    /* 2 ms, 0, 1 s and 900, 800, ... 100 ms: the stall is in the median
     * (a closed loop would show one slow sample and eleven fast ones). */
    assert_true(lr_latency_quantile(&lat, 0.5) >= 300000);
    assert_true(lr_latency_quantile(&lat, 0.9) >= 700000);

    /* Back on schedule: the next intent is t0 + 1.2 s. */
    lrt_drain(e);
    lr_test_advance(e->w, 50000);
    lr_client_poll(e->w);
    lrt_drain(e);
    assert_int_equal(counters(e).requests, 12);
    lr_test_advance(e->w, 50000);
    lr_client_poll(e->w);
    expect_request(e, "/a", "keep-alive");
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK });

    /* No answer until the end of the run (5 s): requests 13..49 (intended
     * before t0 + 5 s) were due and never sent. */
    lr_test_advance(e->w, t0 + 5000000 - e->w->now);
    lr_client_poll(e->w);
    assert_int_equal(lr_client_phase(lr_client_get(e->w)), LR_CLIENT_PHASE_DRAINING);
    c = counters(e);
    assert_int_equal(c.unsent, 37);
    assert_int_equal(c.backlog, 0);
    assert_int_equal(c.requests, 13);
    client_teardown(e);
}

/* The same stall in a closed loop: one slow sample, the median unaware. */
static void test_closed_loop_hides_stall(void **state)
{
    struct lrt_env *e = *state;
    client_setup(e, 0);
    accept_connect(e);
    expect_request(e, "/a", "keep-alive");
    lr_test_advance(e->w, 2000);
    respond(e, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    expect_request(e, "/b", "keep-alive"); /* at once: no schedule */
    lrt_send(e, &(struct lrt_spec){ .flags = LRT_ACK });
    lr_test_advance(e->w, 1000000);
    lr_client_poll(e->w);
    lrt_drain(e);
    assert_int_equal(counters(e).backlog, 0);
    respond(e, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    for (unsigned k = 0; k < 10; k++) {
        expect_request(e, k % 2 == 0 ? "/a" : "/b", "keep-alive");
        respond(e, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    }
    struct lr_latency lat;
    lr_latency_reset(&lat);
    lr_client_latency_merge(lr_client_get(e->w), &lat);
    assert_int_equal(lat.count, 12);
    assert_int_equal(lat.max, 1000000);
    assert_true(lr_latency_quantile(&lat, 0.5) < 10000);
    assert_true(lr_latency_quantile(&lat, 0.9) < 10000);
    client_teardown(e);
}

/* --- [client] TLS keys ----------------------------------------------------- */

static struct lr_config tcfg;
static char terr[512];

static int tload(const char *body)
{
    char text[1024];
    snprintf(text, sizeof(text),
             "[port0]\naddr = 198.18.0.2/24\n[client]\ntarget = "
             "198.18.0.1:443\n%s",
             body);
    memset(terr, 0, sizeof(terr));
    return lr_runtime_config_load_string(&tcfg, text, "/etc/lr/t.conf", terr, sizeof(terr));
}

static void texpect_error(const char *body, const char *msg)
{
    assert_int_equal(tload(body), -EINVAL);
    assert_string_equal(terr, msg);
}

static void test_tls_config(void **state)
{
    (void)state;
    /* Defaults: plain HTTP, no SNI, no verification, no resumption. */
    assert_int_equal(tload(""), 0);
    const struct lr_client_config *cc = lr_client_conf(&tcfg);
    assert_false(cc->tls);
    assert_string_equal(cc->sni, "");
    assert_string_equal(cc->ca_file, "");
    assert_int_equal(cc->resume, 0);
    /* SNI from the Host header without its port; none from an address. */
    assert_int_equal(tload("tls = yes\nhost = www.example.test:8443\n"), 0);
    assert_true(cc->tls);
    assert_string_equal(cc->sni, "www.example.test");
    assert_int_equal(tload("tls = yes\nhost = 198.18.0.1:443\n"), 0);
    assert_string_equal(cc->sni, "");
    assert_int_equal(tload("tls = yes\n"), 0);
    assert_string_equal(cc->sni, "");
    /* Given keys win; ca_file relative to the file's directory. */
    assert_int_equal(
        tload("tls = yes\nhost = a.test\nsni = b.test\nca_file = ca.pem\nresume = 50\n"), 0);
    assert_string_equal(cc->sni, "b.test");
    assert_string_equal(cc->ca_file, "/etc/lr/ca.pem");
    assert_int_equal(cc->resume, 50);
    assert_int_equal(tload("tls = yes\nresume = 100\nsni = x-1.y\n"), 0);

    texpect_error("tls = maybe\n", "/etc/lr/t.conf: [client] tls: 'maybe' is not a boolean "
                                   "(yes/no, true/false, on/off, 1/0)");
    texpect_error("tls = yes\nresume = 101\n",
                  "/etc/lr/t.conf: [client] resume: '101' is out of range (0-100)");
    texpect_error("tls = yes\nsni = 198.18.0.1\n",
                  "/etc/lr/t.conf: [client] sni: '198.18.0.1' is an IP address; SNI carries "
                  "only a host name (RFC 6066 §3)");
    texpect_error("tls = yes\nsni = a..b\n",
                  "/etc/lr/t.conf: [client] sni: 'a..b' is not a host name (labels of letters, "
                  "digits and '-' between dots)");
    texpect_error("tls = yes\nsni = a.b.\n",
                  "/etc/lr/t.conf: [client] sni: 'a.b.' is not a host name (labels of letters, "
                  "digits and '-' between dots)");
    texpect_error("tls = yes\nsni = a_b\n",
                  "/etc/lr/t.conf: [client] sni: 'a_b' is not a host name (labels of letters, "
                  "digits and '-' between dots)");
    /* The TLS keys mean nothing without tls. */
    texpect_error("resume = 10\n", "/etc/lr/t.conf: [client] resume: only with tls = yes");
    texpect_error("sni = a.test\n", "/etc/lr/t.conf: [client] sni: only with tls = yes");
    texpect_error("ca_file = /x\n", "/etc/lr/t.conf: [client] ca_file: only with tls = yes");
    /* Targets are ip:port, not URLs: say how HTTPS is asked for. */
    assert_int_equal(lr_runtime_config_load_string(
                         &tcfg,
                         "[port0]\naddr = 198.18.0.2/24\n[client]\ntarget = https://198.18.0.1\n",
                         "/etc/lr/t.conf", terr, sizeof(terr)),
                     -EINVAL);
    assert_string_equal(terr, "/etc/lr/t.conf: [client] target: 'https://198.18.0.1' is not "
                              "ip:port (e.g. 198.18.0.2:443; targets are not URLs: HTTPS is "
                              "tls = yes)");

    /* The CA file must exist when the run starts (paths hook). */
    char dir[64], conf[96], text[512];
    snprintf(dir, sizeof(dir), "/tmp/lrt-clienttls-%d", (int)getpid());
    assert_int_equal(mkdir(dir, 0700), 0);
    snprintf(conf, sizeof(conf), "%s/t.conf", dir);
    snprintf(text, sizeof(text),
             "[port0]\naddr = 198.18.0.2/24\n[client]\ntarget = 198.18.0.1:443\ntls = yes\n"
             "ca_file = ca.pem\n");
    assert_int_equal(lr_runtime_config_load_string(&tcfg, text, conf, terr, sizeof(terr)), 0);
    assert_int_not_equal(lr_config_check_paths(&tcfg, terr, sizeof(terr)), 0);
    assert_non_null(strstr(terr, "[client] ca_file: "));
    assert_non_null(strstr(terr, "ca.pem: does not exist"));
    char ca[128];
    snprintf(ca, sizeof(ca), "%s/ca.pem", dir);
    FILE *f = fopen(ca, "w");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(lr_config_check_paths(&tcfg, terr, sizeof(terr)), 0);
    unlink(ca);
    rmdir(dir);
}

/* --- the report's TLS fields ------------------------------------------------ */

static char *report_of(const struct lr_client_config *cc, const struct lr_client_totals *t)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    lr_client_report_json(f, cc, t, 2, NULL);
    fclose(f);
    return buf;
}

static void test_tls_report(void **state)
{
    (void)state;
    static struct lr_client_config cc;
    static struct lr_client_totals t;
    memset(&cc, 0, sizeof(cc));
    memset(&t, 0, sizeof(t));
    lr_latency_reset(&t.lat);
    lr_latency_reset(&t.hs_lat);
    cc.enabled = true;
    cc.nb_targets = 1;
    cc.targets[0].ip = LR_TEST_PEER_IP;
    cc.targets[0].port = 443;
    cc.nb_paths = 1;
    strcpy(cc.paths[0], "/");
    t.elapsed_us = 2000000;

    /* Plain: no tls object, the config says tls false. */
    char *r = report_of(&cc, &t);
    assert_null(strstr(r, "\"handshakes\""));
    assert_non_null(strstr(r, "\"tls\": false, \"sni\": \"\", \"ca_file\": \"\", \"resume\": 0, "));
    free(r);

    cc.tls = true;
    cc.resume = 50;
    strcpy(cc.sni, "a.test");
    t.cnt.tls_full = 30;
    t.cnt.tls_resumed = 10;
    t.cnt.tls_resume_wanted = 20;
    t.cnt.tls_resume_offered = 19;
    t.cnt.tls_resume_rejected = 9;
    t.cnt.tls_sessions_saved = 39;
    t.cnt.tls_failed[LR_TLS_FAIL_CERT] = 4;
    t.cnt.tls_failed[LR_TLS_FAIL_MALFORMED] = 1;
    t.cnt.tls_version[LR_TLS_VER_1_3] = 35;
    t.cnt.tls_version[LR_TLS_VER_1_2] = 5;
    t.cnt.tls_cipher[LR_TLS_CIPHER_AES128_GCM_SHA256] = 35;
    t.cnt.tls_cipher[LR_TLS_CIPHER_ECDHE_ECDSA_AES128_GCM] = 5;
    t.cnt.errors[LR_CLIENT_ERR_TLS] = 5;
    for (unsigned i = 1; i <= 100; i++)
        lr_latency_record(&t.hs_lat, i * 10); /* 10 .. 1000 us */
    r = report_of(&cc, &t);
    assert_non_null(strstr(r, "\"tls\": {\"handshakes\": 40, \"full\": 30, \"resumed\": 10, "
                              "\"full_per_sec\": 15.0, \"resumed_per_sec\": 5.0,"));
    assert_non_null(strstr(r, "\"handshake_latency_from\": \"tcp_connect\""));
    char want[256];
    snprintf(want, sizeof(want),
             "\"handshake_latency_us\": {\"p50\": %" PRIu64 ", \"p90\": %" PRIu64
             ", \"p99\": %" PRIu64 ", ",
             lr_latency_quantile(&t.hs_lat, 0.5), lr_latency_quantile(&t.hs_lat, 0.9),
             lr_latency_quantile(&t.hs_lat, 0.99));
    assert_non_null(strstr(r, want));
    assert_true(lr_latency_quantile(&t.hs_lat, 0.5) >= 500);
    assert_non_null(strstr(r, "\"max\": 1000, \"min\": 10, \"mean\": 505.0, \"samples\": 100"));
    assert_non_null(strstr(r, "\"certificate\": 4"));
    assert_non_null(strstr(r, "\"malformed\": 1"));
    assert_non_null(strstr(r, "\"failed_total\": 5"));
    assert_non_null(strstr(r, "\"versions\": {\"tls1_2\": 5, \"tls1_3\": 35, \"other\": 0}"));
    assert_non_null(strstr(r, "\"TLS_AES_128_GCM_SHA256\": 35"));
    assert_non_null(strstr(r, "\"ECDHE_ECDSA_AES128_GCM_SHA256\": 5"));
    assert_non_null(strstr(r, "\"other\": 0}"));
    assert_non_null(strstr(r, "\"resume\": {\"wanted\": 20, \"offered\": 19, \"rejected\": 9, "
                              "\"sessions_saved\": 39}"));
    assert_non_null(strstr(r, "\"tls_handshake\": 5"));
    assert_non_null(
        strstr(r, "\"tls\": true, \"sni\": \"a.test\", \"ca_file\": \"\", \"resume\": 50, "));
    free(r);

    assert_string_equal(lr_client_tls_version_name(LR_TLS_VER_1_2), "tls1_2");
    assert_string_equal(lr_client_tls_cipher_name(LR_TLS_CIPHER_OTHER), "other");
    assert_string_equal(lr_client_tls_cipher_name(LR_TLS_CIPHER_CHACHA20_POLY1305_SHA256),
                        "TLS_CHACHA20_POLY1305_SHA256");
    assert_string_equal(lr_client_error_name(LR_CLIENT_ERR_TLS), "tls_handshake");

    /* The totals are plain sums of every counter, TLS ones included. */
    struct lr_client_counters a, b;
    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    a.tls_full = 1;
    a.tls_failed[LR_TLS_FAIL_TIMEOUT] = 2;
    b.tls_full = 3;
    b.tls_failed[LR_TLS_FAIL_TIMEOUT] = 4;
    b.tls_cipher[LR_TLS_CIPHER_OTHER] = 5;
    lr_client_counters_add(&a, &b);
    assert_int_equal(a.tls_full, 4);
    assert_int_equal(a.tls_failed[LR_TLS_FAIL_TIMEOUT], 6);
    assert_int_equal(a.tls_cipher[LR_TLS_CIPHER_OTHER], 5);
}

/* tls = yes without a TLS client context on the worker: refused at init. */
static void test_tls_init_needs_context(void **state)
{
    struct lrt_env *e = *state;
    struct lr_client_config *cc = client_setup(e, 0);
    client_teardown(e);
    cc->tls = true;
    assert_int_equal(lr_client_init(e->w), -ENOTSUP);
    assert_null(lr_client_get(e->w));
    cc->tls = false;
}

/* --- the report's run description and timeline -------------------------- */

static void test_report_run(void **state)
{
    (void)state;
    static struct lr_client_config cc;
    static struct lr_client_totals t;
    static struct lr_client_run run;
    memset(&cc, 0, sizeof(cc));
    memset(&t, 0, sizeof(t));
    lr_latency_reset(&t.lat);
    lr_latency_reset(&t.hs_lat);
    cc.enabled = true;
    cc.nb_targets = 2;
    cc.targets[0].ip = LR_TEST_PEER_IP;
    cc.targets[0].port = 80;
    cc.targets[1].ip = LR_TEST_PEER_IP;
    cc.targets[1].port = 8080;
    cc.nb_paths = 1;
    strcpy(cc.paths[0], "/a \"b\"");
    cc.duration = 2500000;
    cc.request_rate = 1000;
    strcpy(cc.headers, "X-A: 1\r\nX-B: 2\r\n");
    t.elapsed_us = 2000000;

    /* 2026-12-06T04:00:00Z and 10 s later. */
    time_t start = 1796529600;
    lr_client_run_info(&run, start, start + 10, "/etc/lr/x.conf", 3);
    assert_string_equal(run.start, "2026-12-06T04:00:00Z");
    assert_string_equal(run.end, "2026-12-06T04:00:10Z");
    assert_true(run.hostname[0] != '\0');
    assert_non_null(strstr(run.kernel, "Linux"));
    assert_true(run.cpus >= 1);
    assert_true(run.argv_len > 0); /* this test's own command line */
    assert_non_null(strstr(run.argv, "test_http_client"));
    assert_false(run.argv_truncated);

    /* Unknown times stay empty, never 1970. */
    static struct lr_client_run none;
    lr_client_run_info(&none, 0, 0, NULL, 1);
    assert_string_equal(none.start, "");
    assert_string_equal(none.config_path, "");

    static struct lr_client_sample tl[2];
    memset(tl, 0, sizeof(tl));
    tl[0] = (struct lr_client_sample){ .t_us = 1000000,
                                       .dt_us = 1000000,
                                       .conns = 4,
                                       .requests = 1000,
                                       .responses = 998,
                                       .rx_bytes = 125000000,
                                       .active = 4,
                                       .p50_us = 120,
                                       .p99_us = 900,
                                       .max_us = 1500 };
    tl[1] = (struct lr_client_sample){ .t_us = 2000000,
                                       .dt_us = 500000,
                                       .requests = 500,
                                       .responses = 502,
                                       .errors = 1,
                                       .backlog = 7 };
    run.timeline = tl;
    run.nb_samples = 2;
    run.samples_dropped = 3;

    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    lr_client_report_json(f, &cc, &t, 3, &run);
    fclose(f);
    /* Every [client] key with its effective value; times as name_s. */
    assert_non_null(strstr(buf, "\"target\": [\"198.18.0.1:80\", \"198.18.0.1:8080\"]"));
    assert_non_null(strstr(buf, "\"path\": [\"/a \\\"b\\\"\"]"));
    assert_non_null(strstr(buf, "\"duration_s\": 2.500000"));
    assert_non_null(strstr(buf, "\"request_rate\": 1000"));
    assert_non_null(strstr(buf, "\"header\": \"X-A: 1 | X-B: 2\""));
    assert_non_null(strstr(buf, "\"start\": \"2026-12-06T04:00:00Z\", \"end\": "
                                "\"2026-12-06T04:00:10Z\""));
    assert_non_null(strstr(buf, "\"config_file\": \"/etc/lr/x.conf\", \"workers\": 3}"));
    assert_non_null(strstr(buf, "\"commit\": \""));
    /* The timeline: rates over each sample's own length. */
    assert_non_null(strstr(buf, "{\"t_s\": 1.000, \"dt_s\": 1.000, \"conns_per_s\": 4.0, "
                                "\"requests_per_s\": 1000.0, \"responses_per_s\": 998.0, "
                                "\"errors\": 0, \"gbps\": 1.0000, \"retransmits\": 0, "
                                "\"active\": 4, \"backlog\": 0, \"p50_us\": 120, "
                                "\"p99_us\": 900, \"max_us\": 1500}"));
    assert_non_null(strstr(buf, "{\"t_s\": 2.000, \"dt_s\": 0.500, \"conns_per_s\": 0.0, "
                                "\"requests_per_s\": 1000.0, \"responses_per_s\": 1004.0, "
                                "\"errors\": 1,"));
    assert_non_null(strstr(buf, "\"timeline_dropped\": 3,"));
    assert_non_null(strstr(buf, "\"report_version\": 2\n}\n"));
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_keepalive_drain, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_timeout_and_reopen, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_cps_server_closes, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_bad_responses, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_init_checks, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_warmup_rate_ramp, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_open_loop, lrt_setup, lrt_teardown),
        cmocka_unit_test_setup_teardown(test_closed_loop_hides_stall, lrt_setup, lrt_teardown),
        cmocka_unit_test(test_tls_config),
        cmocka_unit_test(test_tls_report),
        cmocka_unit_test(test_report_run),
        cmocka_unit_test_setup_teardown(test_tls_init_needs_context, lrt_setup, lrt_teardown),
    };
    return cmocka_run_group_tests(tests, lr_test_group_setup, NULL);
}
