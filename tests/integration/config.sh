#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Configuration errors: exit 2 with one line naming the file, the section and
# the key; --check validates without starting anything; usage errors exit 2.
# Missing roots, users file and upload directory of enabled services too.
. "$(dirname "$0")/lib.sh" "$@"

# expect STATUS PATTERN -- linerate args... : run, compare status, grep output.
expect()
{
    local want=$1 pat=$2 out st=0
    shift 3
    out=$(timeout 60 "$LR_BIN" "$@" </dev/null 2>&1) || st=$?
    [ "$st" -eq "$want" ] || lr_fail "'linerate $*' exited $st, expected $want: $out"
    if [ -n "$pat" ] && ! printf '%s\n' "$out" | grep -q -- "$pat"; then
        lr_fail "'linerate $*': no '$pat' in: $out"
    fi
    lr_log "ok: linerate $* -> $st: $(printf '%s\n' "$out" | tail -n 1)"
}

bad()
{
    local name=$1
    cat >"$LR_TMP/$name.conf"
    echo "$LR_TMP/$name.conf"
}

# The shipped default configuration is valid.
expect 0 "configuration ok" -- -- --check -c "$LR_SRC/config/default.conf"
expect 0 "usage:" -- -- --help
expect 0 "\[tcp\]" -- -- --help-config
expect 2 "usage:" -- -- --bogus-option
expect 2 "usage:" -- -- -c
expect 2 "unexpected argument" -- -- -c "$LR_SRC/config/default.conf" extra
expect 2 "cannot open" -- -- --check -c "$LR_TMP/does-not-exist.conf"
if [ ! -e /etc/linerate/linerate.conf ]; then
    expect 2 "no config file" -- -- --check
fi

f=$(bad unknown-key <<'CONF'
[port0]
addr = 198.18.0.2/24
[tcp]
no_such_key = 1
CONF
)
expect 2 "$f: \[tcp\] no_such_key" -- -- --check -c "$f"

f=$(bad unknown-section <<'CONF'
[port0]
addr = 198.18.0.2/24
[bogus]
x = 1
CONF
)
expect 2 "$f: \[bogus\]" -- -- --check -c "$f"

f=$(bad bad-value <<'CONF'
[port0]
addr = 198.18.0.2/24
[worker]
burst = lots
CONF
)
expect 2 "$f: \[worker\] burst" -- -- --check -c "$f"

f=$(bad bad-addr <<'CONF'
[port0]
addr = 198.18.0.300/24
CONF
)
expect 2 "$f: \[port0\] addr" -- -- --check -c "$f"

f=$(bad bad-time <<'CONF'
[port0]
addr = 198.18.0.2/24
[tcp]
time_wait = 5 parsecs
CONF
)
expect 2 "$f: \[tcp\] time_wait" -- -- --check -c "$f"

# Missing paths of enabled services are configuration errors too (exit 2,
# FILE: [section] key: reason), for --check and a start alike.
mkdir -p "$LR_TMP/root/incoming" "$LR_TMP/root-ro"
: >"$LR_TMP/users"
paths_conf()
{
    # paths_conf NAME SECTION-LINES...: [port0] plus the given lines.
    local name=$1
    shift
    { printf '[port0]\naddr = 198.18.0.2/24\n'; printf '%s\n' "$@"; } >"$LR_TMP/$name.conf"
    echo "$LR_TMP/$name.conf"
}
missing_cases=(
    "http-root|[http] root: $LR_TMP/nope: does not exist|[http]|root = nope"
    "http-root-file|[http] root: $LR_TMP/users: not a directory|[http]|root = users"
    "ftp-users|[ftp] users: $LR_TMP/no-users: does not exist|[http]|root = root|[ftp]|users = no-users"
    "ftp-upload|[ftp] upload_dir: $LR_TMP/root/upload: does not exist|[http]|root = root|[ftp]|upload_dir = upload"
    "ftp-root|[ftp] root: $LR_TMP/ftp-nope: does not exist|[http]|root = root|[ftp]|root = ftp-nope"
    "tftp-root|[tftp] root: $LR_TMP/tftp-nope: does not exist|[tftp]|listen = 69|root = tftp-nope"
)
for c in "${missing_cases[@]}"; do
    IFS='|' read -r -a parts <<<"$c"
    f=$(paths_conf "${parts[0]}" "${parts[@]:2}")
    pat=${parts[1]//[/\\[}
    expect 2 "$f: ${pat//]/\\]}" -- -- --check -c "$f"
done
# The same refusal on a real start, before EAL is even needed.
f=$(paths_conf start-missing "[http]" "root = nope")
expect 2 "$f: \[http\] root: $LR_TMP/nope: does not exist" -- --no-pci --no-huge -m 512 \
    --file-prefix "$LR_PREFIX" -l 0-1 -- -c "$f"
# Existing paths pass; a service that is off is not checked.
f=$(paths_conf paths-ok "[http]" "root = root" "[ftp]" "users = users" "upload_dir = incoming" \
    "[tftp]" "listen = 69" "root = root-ro")
expect 0 "configuration ok" -- -- --check -c "$f"
f=$(paths_conf paths-off "[http]" "enabled = no" "root = nope" "[ftp]" "enabled = no" \
    "users = no-users" "[tftp]" "root = tftp-nope")
expect 0 "configuration ok" -- -- --check -c "$f"

# Errors only the running environment can find: they need EAL, so they run
# inside a namespace on net_tap like the other tests.
ip netns add "$LR_NS" || lr_fail "cannot create namespace"
eal=(--no-pci --no-huge -m 512 --file-prefix "$LR_PREFIX" -l 0-1 --log-level=lib.eal:error)
run_ns() { ip netns exec "$LR_NS" "$LR_BIN" "$@"; }

f=$(bad two-ports <<'CONF'
[port0]
addr = 198.18.0.2/24
[port1]
addr = 198.18.1.2/24
CONF
)
out=$(timeout 60 ip netns exec "$LR_NS" "$LR_BIN" "${eal[@]}" --vdev="net_tap0,iface=$LR_IF" -- -c "$f" </dev/null 2>&1)
st=$?
[ "$st" -eq 2 ] || lr_fail "[port1] without a device: exit $st, expected 2: $out"
printf '%s\n' "$out" | grep -q "\[port1\] has no device" || lr_fail "no '[port1] has no device' in: $out"
lr_log "ok: [port1] without a device -> 2"

f=$(bad one-port <<'CONF'
[port0]
addr = 198.18.0.2/24
CONF
)
out=$(timeout 60 ip netns exec "$LR_NS" "$LR_BIN" "${eal[@]}" --vdev="net_tap0,iface=${LR_IF}a" \
    --vdev="net_tap1,iface=${LR_IF}b" -- -c "$f" </dev/null 2>&1)
st=$?
[ "$st" -eq 2 ] || lr_fail "device without [port1]: exit $st, expected 2: $out"
printf '%s\n' "$out" | grep -q "port 1 (net_tap1) has no \[port1\] section" ||
    lr_fail "no 'port 1 (net_tap1) has no [port1] section' in: $out"
lr_log "ok: device without [port1] -> 2"

f=$(bad small-pool <<'CONF'
[port0]
addr = 198.18.0.2/24
[worker]
mbufs = 1100
rx_desc = 1024
tx_desc = 1024
CONF
)
out=$(timeout 60 ip netns exec "$LR_NS" "$LR_BIN" "${eal[@]}" --vdev="net_tap0,iface=$LR_IF" -- -c "$f" </dev/null 2>&1)
st=$?
[ "$st" -eq 2 ] || lr_fail "tiny pool: exit $st, expected 2: $out"
printf '%s\n' "$out" | grep -q "\[worker\] mbufs: 1100 is too small" || lr_fail "no pool size message in: $out"
lr_log "ok: pool too small for the descriptors -> 2"

out=$(timeout 60 ip netns exec "$LR_NS" "$LR_BIN" --no-pci --no-huge -m 512 --file-prefix "$LR_PREFIX" \
    -l 0 --vdev="net_tap0,iface=$LR_IF" -- -c "$LR_SRC/config/default.conf" </dev/null 2>&1)
st=$?
[ "$st" -eq 2 ] || lr_fail "one lcore: exit $st, expected 2: $out"
printf '%s\n' "$out" | grep -q "no worker lcore" || lr_fail "no 'no worker lcore' in: $out"
lr_log "ok: no worker lcore -> 2"
lr_pass
