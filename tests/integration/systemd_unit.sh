#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# config/linerate.service passes `systemd-analyze verify` (syntax, known
# keys, executables that exist). The unit names the installed binary
# (/usr/local/bin/linerate); the copy checked here names this build's
# binary instead, the only change. The example environment file sets every
# variable the unit uses. Skips where systemd-analyze is missing.
. "$(dirname "$0")/lib.sh" "$@"

command -v systemd-analyze >/dev/null 2>&1 || lr_skip "systemd-analyze is not installed (package systemd)"
bin=$(readlink -f "$LR_BIN")
unit="$LR_SRC/config/linerate.service"
env="$LR_SRC/config/linerate.env"
mkdir -p "$LR_TMP/units"
sed "s|/usr/local/bin/linerate|$bin|" "$unit" >"$LR_TMP/units/linerate.service"
grep -q "^ExecStart=$bin " "$LR_TMP/units/linerate.service" || lr_fail "no ExecStart with /usr/local/bin/linerate in $unit"
out=$(cd "$LR_TMP/units" && SYSTEMD_LOG_LEVEL=notice systemd-analyze verify --man=no ./linerate.service 2>&1)
rc=$?
# Messages about other units of this machine are not ours.
ours=$(printf '%s\n' "$out" | grep 'linerate.service' || true)
[ "$rc" -eq 0 ] && [ -z "$ours" ] || lr_fail "systemd-analyze verify (status $rc): $out"
lr_log "systemd-analyze verify: clean"

# Every \$VAR / \${VAR} the unit uses is set in the example environment file.
for v in $(grep -o '\${\?LR_[A-Z_]*' "$unit" | tr -d '${' | sort -u); do
    grep -q "^$v=" "$env" || lr_fail "$v is used by the unit but not set in config/linerate.env"
done
grep -q '^Restart=on-failure$' "$unit" || lr_fail "unit lacks Restart=on-failure"
grep -q '^EnvironmentFile=/etc/linerate/linerate.env$' "$unit" || lr_fail "unit lacks its EnvironmentFile"
lr_pass
