/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP parsing: the server's request parser (lr_http_parser.c) on a typical
 * wrk/curl GET, and the load generator's response parser (lr_http_resp.c)
 * on the response head linerate's server sends for a 64-byte file, whole
 * and split in two pieces inside a header line.
 */
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "lr_http_parser.h"
#include "lr_http_resp.h"

/* What curl 7.88 / wrk send for a plain GET (5 header fields). */
static const char request[] = "GET /index.html HTTP/1.1\r\n"
                              "Host: 198.18.0.1:8080\r\n"
                              "User-Agent: curl/7.88.1\r\n"
                              "Accept: */*\r\n"
                              "Accept-Encoding: gzip, deflate\r\n"
                              "Connection: keep-alive\r\n"
                              "\r\n";

LR_BENCH(http_request_parse)
{
    const struct lr_http_limits lim = {
        .max_uri_bytes = 8192,
        .max_header_bytes = 16384,
        .max_headers = 100,
        .max_body_bytes = 1 << 20,
    };
    const size_t len = sizeof(request) - 1;
    struct lr_http_request req;

    if (lr_http_request_parse((const uint8_t *)request, len, &lim, &req) != (int)len) {
        lr_bench_skip_with_error(st, "request not accepted");
        return;
    }
    while (lr_bench_keep_running(st)) {
        lr_bench_escape(request);
        int rc = lr_http_request_parse((const uint8_t *)request, len, &lim, &req);
        lr_bench_use_u64((uint64_t)rc + req.nb_headers);
    }
    lr_bench_set_items_processed(st, lr_bench_iterations(st));
    lr_bench_set_bytes_processed(st, lr_bench_iterations(st) * (int64_t)len);
}

/*
 * The 200 response of lr_http_server.c for a 64-byte text file: head_start()
 * (status line, Date, Server) then the file cache's header (Content-Type,
 * Content-Length, Last-Modified, ETag, Accept-Ranges), then the body.
 */
static uint8_t response[512];
static size_t response_len, response_head;

static void response_build(void)
{
    char body[65];
    memset(body, 'x', 64);
    body[64] = '\0';
    int n = snprintf((char *)response, sizeof(response),
                     "HTTP/1.1 200 OK\r\n"
                     "Date: Sat, 21 Nov 2026 13:20:31 GMT\r\n"
                     "Server: linerate\r\n"
                     "Content-Type: text/plain; charset=utf-8\r\n"
                     "Content-Length: 64\r\n"
                     "Last-Modified: Fri, 20 Nov 2026 09:14:02 GMT\r\n"
                     "ETag: \"40-6917dc3a-1a2b3c\"\r\n"
                     "Accept-Ranges: bytes\r\n"
                     "\r\n%s",
                     body);
    response_len = (size_t)n;
    response_head = response_len - 64;
}

/* Parse the response in pieces cut at @cut (0: one piece). */
static void run_resp(struct lr_bench_state *st, size_t cut)
{
    struct lr_http_resp p;
    size_t used;

    response_build();
    lr_http_resp_init(&p, false);
    if (lr_http_resp_feed(&p, response, response_len, &used) != LR_HTTP_RESP_DONE ||
        used != response_len || p.body_bytes != 64 || !p.keep_alive) {
        lr_bench_skip_with_error(st, "response not accepted");
        return;
    }
    lr_bench_set_counter(st, "head_bytes", (double)response_head);
    while (lr_bench_keep_running(st)) {
        lr_bench_escape(response);
        enum lr_http_resp_result r;
        lr_http_resp_init(&p, false);
        if (cut == 0) {
            r = lr_http_resp_feed(&p, response, response_len, &used);
        } else {
            r = lr_http_resp_feed(&p, response, cut, &used);
            if (r == LR_HTTP_RESP_MORE)
                r = lr_http_resp_feed(&p, response + cut, response_len - cut, &used);
        }
        lr_bench_use_u64((uint64_t)r + p.body_bytes);
    }
    lr_bench_set_items_processed(st, lr_bench_iterations(st));
    lr_bench_set_bytes_processed(st, lr_bench_iterations(st) * (int64_t)response_len);
}

LR_BENCH(http_resp_feed)
{
    run_resp(st, 0);
}

/* Split inside the Last-Modified line, as a segment boundary may fall. */
LR_BENCH(http_resp_feed_split)
{
    response_build();
    const char *lm = strstr((const char *)response, "Last-Modified: Fri");
    run_resp(st, (size_t)(lm - (const char *)response) + 20);
}
