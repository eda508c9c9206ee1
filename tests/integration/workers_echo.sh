#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Many workers, one appliance: two workers (lcores 1 and 2 on CPUs 0 and 1)
# behind a 2-queue net_tap. The kernel spreads flows over the two queues by
# its own hash, which is not ours, so about half of the packets arrive on the
# worker that does not own their flow and are handed over through the inbox
# rings (lr_handover.h). 64 concurrent echo connections (RFC 862) must come
# back byte-exact (SHA-256), and /linerate/workers must show both workers
# carrying connections and packets handed over between them.
# WORKERS_FAULTS=1 (workers_echo_faults.sh) runs the same under the fault
# layer: 2% drop, duplicate, reorder and corrupt in both directions.
. "$(dirname "$0")/lib.sh" "$@"
[ "$(nproc)" -ge 2 ] || lr_skip "needs two CPUs"

CONNS=${WORKERS_CONNS:-64}
SIZE=${WORKERS_SIZE:-262144}
FAULTS=${WORKERS_FAULTS:-0}

{
    cat <<CONF
[tcp]
echo_port = 7
CONF
    if [ "$FAULTS" = 1 ]; then
        cat <<CONF

[fault]
seed = 11
drop = 2
duplicate = 2
reorder = 2
corrupt = 2
CONF
    fi
} | lr_config_write

# Main lcore and worker 0 share CPU 0, worker 1 has CPU 1.
LR_LCORES=(--lcores "0@0,1@0,2@1")
lr_start
lr_assert_log '^linerate: 2 worker(s), 1 port(s)$' "two workers"
lr_assert_log 'port 0: 2 queue(s)' "one queue pair per worker on the tap"

lr_ns timeout 400 "$LR_PY" "$LR_SRC/tests/integration/tcp_echo_client.py" "$LR_ADDR" 7 \
    --conns "$CONNS" --size "$SIZE" --timeout 360 --seed 5 ||
    lr_fail "echo transfer with two workers failed"

workers=$(lr_telemetry /linerate/workers) || exit 1
lr_log "workers: $workers"
"$LR_PY" - "$workers" "$CONNS" <<'PY' || lr_fail "per-worker telemetry"
import json, sys
w = json.loads(sys.argv[1])
conns = int(sys.argv[2])
assert sorted(w) == ["0", "1"], w
for k in ("lcore", "rx_pkts", "tx_pkts", "conns_active", "conns_total", "handed_over"):
    assert all(k in x for x in w.values()), "no %s in %s" % (k, w)
# Each worker accepted the flows it owns: both carried connections, and
# every connection was counted exactly once (no flow served by two workers).
assert all(x["conns_total"] > 0 for x in w.values()), "a worker carried no connection: %s" % w
assert sum(x["conns_total"] for x in w.values()) == conns, w
# The tap's queue choice is not our hash: packets had to change worker.
assert sum(x["handed_over"] for x in w.values()) > 0, "nothing handed over: %s" % w
assert all(x["rx_pkts"] > 0 and x["tx_pkts"] > 0 for x in w.values()), w
PY

if [ "$FAULTS" = 1 ]; then
    retrans=$(lr_counter modules retransmits) || exit 1
    lr_assert_ge "$retrans" 1 "TCP retransmits under 2% loss"
fi
lr_stop
lr_pass
