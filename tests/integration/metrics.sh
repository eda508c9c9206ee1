#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# GET /metrics ([metrics] listen/allow, lib/app/lr_metrics.h) with two
# workers: scraped twice with curl, parsed with prometheus_client; every
# counter of /linerate/stats is there (scrape1 <= telemetry <= scrape2),
# counters never go down and some grow with HTTP traffic in between; a
# source outside the allow-list is refused and counted; a bad request gets
# 400, another path 404, and a good scrape still works afterwards.
. "$(dirname "$0")/lib.sh" "$@"
lr_require_tools curl
"$LR_PY" -c 'import prometheus_client.parser' 2>/dev/null ||
    lr_skip_env "python3-prometheus-client is not installed for $LR_PY"

# The Grafana example dashboard is valid JSON and uses our metric names.
"$LR_PY" - "$LR_SRC/config/grafana-linerate.json" <<'PY' || lr_fail "config/grafana-linerate.json"
import json, sys
d = json.load(open(sys.argv[1]))
exprs = " ".join(t["expr"] for p in d["panels"] for t in p.get("targets", []))
for m in ("linerate_requests_total", "linerate_conns_total", "linerate_port_tx_bytes_total",
          "linerate_conns_active", "linerate_retransmits_total", "linerate_drops_total"):
    assert m in exprs, "dashboard does not use " + m
PY

MPORT=9100
OTHER=198.18.0.3
LR_LCORES=(--lcores "0@0,1@0,2@1")
lr_config_write <<CONF
[metrics]
listen = $MPORT
allow = $LR_PEER/32, 198.18.1.0/24
CONF
lr_start
lr_ns ip addr add "$OTHER/$LR_PLEN" dev "$LR_IF" || lr_fail "second address"

url="http://$LR_ADDR:$MPORT/metrics"
scrape() { lr_ns curl -sS --max-time 10 --interface "$LR_PEER" -D "$LR_TMP/$1.head" -o "$LR_TMP/$1.txt" "$url" ||
    lr_fail "scrape $1 failed"; }

scrape m1
grep -qi '^content-type: text/plain; version=0.0.4' "$LR_TMP/m1.head" || lr_fail "content type: $(cat "$LR_TMP/m1.head")"
grep -qi '^content-length: ' "$LR_TMP/m1.head" || lr_fail "no content-length"
tel=$(lr_telemetry /linerate/stats) || exit 1
tcp=$(lr_telemetry /linerate/tcp) || exit 1
http=$(lr_telemetry /linerate/http) || exit 1
for i in $(seq 20); do
    lr_ns curl -sS --max-time 10 -o /dev/null "http://$LR_ADDR/" || lr_fail "HTTP GET $i"
done
scrape m2

# Refused: a source outside the allow-list (RST), then counted.
if lr_ns curl -sS --max-time 5 --interface "$OTHER" -o /dev/null "$url" 2>"$LR_TMP/refused.err"; then
    lr_fail "a scrape from $OTHER (not allowed) succeeded"
fi
lr_log "refused: $(cat "$LR_TMP/refused.err")"
# Bad requests, answered and counted; the appliance goes on.
code() { lr_ns curl -sS --max-time 5 --interface "$LR_PEER" -o /dev/null -w '%{http_code}' "$@"; }
lr_assert_eq "$(code "http://$LR_ADDR:$MPORT/nope")" 404 "other path"
lr_assert_eq "$(code -X POST -d x=1 "$url")" 400 "POST"
big=$(head -c 6000 /dev/zero | tr '\0' a)
lr_assert_eq "$(code -H "X-Big: $big" "$url")" 400 "oversized header"
lr_assert_eq "$(code -I "$url")" 200 "HEAD"
scrape m3

"$LR_PY" - "$LR_TMP" "$tel" "$tcp" "$http" <<'PY' || lr_fail "metrics content"
import json, sys
from prometheus_client.parser import text_string_to_metric_families as parse
tmp = sys.argv[1]
tel, tcp, http = (json.loads(a) for a in sys.argv[2:5])

def load(name):
    fams, series = {}, {}
    for f in parse(open("%s/%s.txt" % (tmp, name)).read()):
        assert f.name not in fams, "family %s twice" % f.name
        assert f.documentation, "no HELP for %s" % f.name
        fams[f.name] = f
        for s in f.samples:
            key = (s.name, tuple(sorted(s.labels.items())))
            assert key not in series, "series twice: %s" % (key,)
            series[key] = (f.type, s.value)
    return fams, series

f1, m1 = load("m1")
f2, m2 = load("m2")
_, m3 = load("m3")
workers = {dict(l)["worker"] for (_, l) in m1 if "worker" in dict(l)}
assert workers == {"0", "1"}, workers

def total(series, name, **want):
    v, n = 0, 0
    for (sn, labels), (_, val) in series.items():
        l = dict(labels)
        if sn == name and all(l.get(k) == x for k, x in want.items()):
            v += val
            n += 1
    assert n > 0, "no series %s %s" % (name, want)
    return v

protos = ("eth", "arp", "ip", "icmp", "tcp", "udp", "app")
checked = 0
gauges = ("uptime_us", "workers", "ports", "modules.conns_active", "modules.sessions")
for g, v in tel.items():
    items = v.items() if isinstance(v, dict) else [(None, v)]
    for n, val in items:
        if g == "uptime_us":
            name, sel, val = "linerate_uptime_seconds", {}, val // 1000000
        elif g == "drops_total":
            name, sel = "linerate_drops_total", {}
        elif n is None:
            name, sel = "linerate_%s" % g, {}
        elif g.startswith("port"):
            name, sel = "linerate_port_%s_total" % n, {"port": g[4:]}
        elif g in protos:
            name, sel = "linerate_proto_%s_total" % n, {"proto": g}
        elif g == "drops":
            name, sel = "linerate_drops_total", {"reason": n}
        elif g == "timer":
            name, sel = "linerate_timer_errors_total", {"reason": n}
        elif g == "modules":
            gauge = n in ("conns_active", "sessions")
            name, sel = "linerate_%s%s" % (n, "" if gauge or n.endswith("_total") else "_total"), {}
        else:
            name, sel = "linerate_%s_%s_total" % (g, n), {}
        a, b = total(m1, name, **sel), total(m2, name, **sel)
        key = "%s.%s" % (g, n) if n else g
        if key not in gauges:
            assert a <= val <= b, "%s: scrape1 %s, telemetry %s, scrape2 %s (%s)" % (key, a, val, b, name)
        checked += 1
print("every one of %d /linerate/stats counters is in /metrics" % checked)
for mod, d in (("tcp", tcp), ("http", http)):
    for n, val in d.items():
        gauge = n == "active" or n.startswith("state_") or n == "conns_active"
        name = "linerate_%s_%s%s" % (mod, n, "" if gauge else "_total")
        a, b = total(m1, name), total(m2, name)
        if not gauge:
            assert a <= val <= b, "%s.%s: %s %s %s" % (mod, n, a, val, b)
# Counters never go down, and traffic moved some.
grew = 0
for key, (typ, v) in m1.items():
    if typ != "counter":
        continue
    assert key in m2 and key in m3, "series %s gone" % (key,)
    assert m2[key][1] >= v and m3[key][1] >= m2[key][1], "counter %s went down" % (key,)
    grew += m2[key][1] > v
assert grew >= 10, "only %d counters grew" % grew
v = total(m2, "linerate_http_requests_total") - total(m1, "linerate_http_requests_total")
assert v >= 20, "total(m2, 'linerate_http_requests_total') - total(m1, 'linerate_http_requests_total'): %s" % v
v = total(m3, "linerate_metrics_refused_not_allowed_total")
assert v >= 1, "total(m3, 'linerate_metrics_refused_not_allowed_total'): %s" % v
v = total(m3, "linerate_metrics_not_found_total")
assert v == 1, "total(m3, 'linerate_metrics_not_found_total'): %s" % v
v = total(m3, "linerate_metrics_bad_requests_total")
assert v == 2, "total(m3, 'linerate_metrics_bad_requests_total'): %s" % v
v = total(m3, "linerate_metrics_header_too_large_total")
assert v == 1, "total(m3, 'linerate_metrics_header_too_large_total'): %s" % v
v = total(m3, "linerate_metrics_scrapes_total")
assert v == 3, "total(m3, 'linerate_metrics_scrapes_total'): %s" % v  # m1, m2, HEAD (m3 counts after its body)
v = total(m3, "linerate_conns_active", module="tcp")
assert v >= 1, "total(m3, 'linerate_conns_active', module='tcp'): %s" % v
assert f1["linerate_conns_active"].type == "gauge", f1["linerate_conns_active"].type
print("metrics content ok: %d counters grew" % grew)
PY

lr_stop
lr_pass
