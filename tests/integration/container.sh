#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The container image, built and run as README.md says ("Running in a
# container"), with podman (no docker engine on these machines):
#  - the Dockerfile's FROM images are made locally (container_base.sh:
#    debootstrap, tar, podman import) since there is no registry;
#  - podman build --format docker --pull=never --network host (docker format
#    keeps HEALTHCHECK; host network for apt-get in the build);
#  - podman run -d --cap-add NET_ADMIN --device /dev/net/tun --network none,
#    wait for "linerate: ready" (bounded);
#  - from a test-only peer container in the same network namespace
#    (container-peer.Containerfile, --network container:NAME; curl, ping,
#    python3 stay out of the linerate image): address the tap, ping the
#    appliance, GET every file of config/www and compare byte for byte, an
#    anonymous FTP listing; in the linerate container: dpdk-telemetry.py
#    answers, the HEALTHCHECK passes, no library of linerate or
#    dpdk-dumpcap is missing, no dpdk-dev; the image size is printed;
#  - podman stop (SIGTERM): exit status 0, final summary in the logs.
# The base tarballs and podman's storage (layer cache) are kept in
# $LR_CONTAINER_CACHE (default /var/cache/linerate-ci), so a rerun only
# rebuilds what changed. Container and image names carry the PID, and the
# container has no network but its own: runs in parallel do not collide.
# Not run by tools/sanitize.sh (suite "container"): the image builds its own
# binary, so an ASan build of the tree would test nothing more.
# Usage: container.sh LINERATE_BINARY (unused but for lib.sh's checks)
. "$(dirname "$0")/lib.sh" "$@"

lr_require_tools podman debootstrap flock tar
CT_CACHE=${LR_CONTAINER_CACHE:-/var/cache/linerate-ci}
. "$LR_SRC/tests/integration/container_base.sh"
CT_NAME="lrt-$$-container"
CT_PEER="lrt-$$-container-peer"
CT_IMG="localhost/linerate-ci:$$"
CT_PEER_IMG="localhost/linerate-ci-peer:$$"
CT_T0=$(date +%s)

# podman's storage under the cache, whatever the machine's defaults.
mkdir -p "$CT_CACHE/storage" || lr_fail "cannot create $CT_CACHE/storage"
cat >"$CT_CACHE/storage.conf" <<CONF
[storage]
driver = "overlay"
graphroot = "$CT_CACHE/storage"
runroot = "/run/linerate-ci/storage"
CONF
export CONTAINERS_STORAGE_CONF="$CT_CACHE/storage.conf"

ct_cleanup()
{
    local rc=$?
    podman rm -f -t 0 "$CT_PEER" "$CT_NAME" >/dev/null 2>&1
    # Untag only: the layers stay in the cache for the next run.
    podman untag "$CT_IMG" >/dev/null 2>&1
    podman untag "$CT_PEER_IMG" >/dev/null 2>&1
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && [ -f "$LR_TMP/container.log" ]; then
        echo "----- container log ($CT_NAME) -----"
        tail -n 60 "$LR_TMP/container.log"
        echo "-----------------------------------"
    fi
    (exit "$rc")
    lr_cleanup
}
trap ct_cleanup EXIT

ct_logs() { podman logs "$CT_NAME" >"$LR_TMP/container.log" 2>&1; }

ct_base

# Can podman start a container here? On some VMs its defaults cannot
# (setrlimit RLIMIT_NOFILE/RLIMIT_NPROC: Operation not permitted, crun:
# cgroups in hybrid mode not supported): retry with runc and ulimits that
# fit this machine's hard limits.
if ! out=$(podman run --rm --network none docker.io/library/debian:bookworm-slim true 2>&1); then
    lr_log "podman's defaults cannot start a container here: $(echo "$out" | tail -n 1)"
    nofile=$(ulimit -Hn)
    nproc=$(ulimit -Hu)
    pidmax=$(cat /proc/sys/kernel/pid_max)
    [ "$nproc" = unlimited ] || [ "$nproc" -gt "$pidmax" ] && nproc=$pidmax
    [ "$nofile" = unlimited ] && nofile=1048576
    cat >"$LR_TMP/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
[engine]
runtime = "runc"
CONF
    export CONTAINERS_CONF="$LR_TMP/containers.conf"
    command -v runc >/dev/null || lr_skip_env "podman cannot start a container and runc is not installed"
    out=$(podman run --rm --network none docker.io/library/debian:bookworm-slim true 2>&1) ||
        lr_skip_env "podman cannot start a container, even with runc and explicit ulimits: $out"
    lr_log "using CONTAINERS_CONF with runtime = runc, default_ulimits nofile=$nofile nproc=$nproc"
fi

t=$(date +%s)
lr_log "podman build --format docker --pull=never --network host -t $CT_IMG ."
(cd "$LR_SRC" && podman build --format docker --pull=never --network host -t "$CT_IMG" .) \
    >"$LR_TMP/build.log" 2>&1 || {
    tail -n 40 "$LR_TMP/build.log"
    lr_fail "podman build of the Dockerfile failed (log above)"
}
lr_log "image built in $(($(date +%s) - t)) s"
podman build --pull=never --network host -t "$CT_PEER_IMG" \
    -f "$LR_SRC/tests/integration/container-peer.Containerfile" "$LR_SRC/tests/integration" \
    >"$LR_TMP/build-peer.log" 2>&1 || {
    tail -n 40 "$LR_TMP/build-peer.log"
    lr_fail "podman build of the test peer failed (log above)"
}
size=$(podman image inspect --format '{{.Size}}' "$CT_IMG") || lr_fail "podman image inspect"
lr_log "image size $size bytes ($((size / 1000000)) MB)"
lr_assert_ge "${LR_CONTAINER_MAX_BYTES:-250000000}" "$size" "image size (bytes) within LR_CONTAINER_MAX_BYTES"

# As README.md says.
podman run -d --name "$CT_NAME" --cap-add NET_ADMIN --device /dev/net/tun --network none "$CT_IMG" \
    >/dev/null || lr_fail "podman run failed"
waited=0
until ct_logs && grep -q '^linerate: ready$' "$LR_TMP/container.log"; do
    [ "$(podman inspect --format '{{.State.Running}}' "$CT_NAME")" = true ] ||
        lr_fail "the container exited before linerate was ready"
    [ "$waited" -lt 600 ] || lr_fail "linerate not ready within 60 s in the container"
    sleep 0.1
    waited=$((waited + 1))
done
lr_log "linerate ready in container $CT_NAME"
user=$(podman exec "$CT_NAME" id -un) || lr_fail "podman exec id"
lr_assert_eq "$user" linerate "user linerate runs in the container"

# Nothing missing, nothing extra.
if podman exec "$CT_NAME" ldd /usr/bin/linerate /usr/bin/dpdk-dumpcap | grep 'not found'; then
    lr_fail "libraries missing in the image (above)"
fi
podman exec "$CT_NAME" dpkg -s dpdk-dev >/dev/null 2>&1 && lr_fail "dpdk-dev is installed in the runtime image"
podman exec "$CT_NAME" dpdk-dumpcap --help >"$LR_TMP/dumpcap-help.txt" 2>&1
grep -q -- '--file-prefix\|-w <outfile>\|Usage' "$LR_TMP/dumpcap-help.txt" ||
    lr_fail "dpdk-dumpcap does not run in the image: $(head -n 5 "$LR_TMP/dumpcap-help.txt")"

# The peer: the kernel side of the tap, in the same network namespace.
podman run -d --name "$CT_PEER" --network "container:$CT_NAME" --cap-add NET_ADMIN "$CT_PEER_IMG" \
    sleep 600 >/dev/null || lr_fail "podman run of the peer failed"
podman exec "$CT_PEER" sh -c "ip addr add $LR_PEER/$LR_PLEN dev lr0 && ip link set lr0 up" ||
    lr_fail "cannot address lr0 from the peer"
ok=0
for _ in 1 2 3; do
    podman exec "$CT_PEER" ping -c 3 -i 0.2 -W 2 "$LR_ADDR" >"$LR_TMP/ping.txt" 2>&1 && { ok=1; break; }
    sleep 1
done
[ "$ok" -eq 1 ] || lr_fail "no ping answer from $LR_ADDR over the tap: $(tail -n 3 "$LR_TMP/ping.txt")"
lr_log "ping: $(grep -o '[0-9]* received' "$LR_TMP/ping.txt")"

n=0
while IFS= read -r f; do
    rel=${f#"$LR_SRC/config/www/"}
    podman exec "$CT_PEER" curl -sS -f -m 10 "http://$LR_ADDR/$rel" >"$LR_TMP/got" ||
        lr_fail "HTTP GET /$rel failed"
    cmp -s "$LR_TMP/got" "$f" || lr_fail "HTTP GET /$rel differs from config/www/$rel"
    n=$((n + 1))
done < <(find "$LR_SRC/config/www" -type f | sort)
[ "$n" -gt 0 ] || lr_fail "no file in config/www"
podman exec "$CT_PEER" curl -sS -f -m 10 "http://$LR_ADDR/" >"$LR_TMP/got" || lr_fail "HTTP GET / failed"
cmp -s "$LR_TMP/got" "$LR_SRC/config/www/index.html" || lr_fail "HTTP GET / differs from config/www/index.html"
lr_log "HTTP: / and $n files of config/www byte for byte"

listing=$(podman exec "$CT_PEER" python3 -c '
import ftplib, sys
f = ftplib.FTP(sys.argv[1], timeout=10)
f.login()
print("\n".join(sorted(f.nlst())))
f.quit()' "$LR_ADDR") || lr_fail "anonymous FTP listing failed"
want=$(find "$LR_SRC/config/www" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort)
lr_assert_eq "$listing" "$want" "FTP NLST of / lists config/www"
lr_log "FTP: NLST lists $(echo "$listing" | wc -l) entries"

tel=$(echo /linerate/stats | podman exec -i "$CT_NAME" dpdk-telemetry.py -f linerate 2>&1) ||
    lr_fail "dpdk-telemetry.py failed in the container: $tel"
printf '%s\n' "$tel" | "$LR_PY" -c '
import json, sys
for line in sys.stdin:
    line = line.strip()
    if line.startswith("{") and "/linerate/stats" in line:
        d = json.loads(line)["/linerate/stats"]
        ok = d["workers"] == 1 and d["port0"]["rx_pkts"] > 0 and d["port0"]["tx_pkts"] > 0
        sys.exit(0 if ok else "unexpected /linerate/stats: workers=%s port0=%s" % (d["workers"], d["port0"]))
sys.exit("no /linerate/stats answer")' || lr_fail "dpdk-telemetry.py in the container: $tel"
lr_log "dpdk-telemetry.py answers /linerate/stats"

health=$(podman healthcheck run "$CT_NAME" 2>&1) || lr_fail "HEALTHCHECK failed: $health"
hc=$(podman image inspect --format '{{.Config.Healthcheck.Test}}' "$CT_IMG")
case "$hc" in *lr-healthcheck*) ;; *) lr_fail "image has no HEALTHCHECK with lr-healthcheck: '$hc'" ;; esac
lr_log "HEALTHCHECK: ${health:-healthy}"

podman rm -f -t 0 "$CT_PEER" >/dev/null 2>&1
podman stop -t 20 "$CT_NAME" >/dev/null || lr_fail "podman stop failed"
code=$(podman inspect --format '{{.State.ExitCode}}' "$CT_NAME") || lr_fail "podman inspect"
ct_logs
lr_assert_eq "$code" 0 "exit status after podman stop (SIGTERM)"
grep -q '^final: uptime=' "$LR_TMP/container.log" || lr_fail "no final summary in the container's logs"
grep -q '^linerate: stopped$' "$LR_TMP/container.log" || lr_fail "no clean stop in the container's logs"
lr_log "stopped: exit 0, final summary; total $(($(date +%s) - CT_T0)) s"
lr_pass
