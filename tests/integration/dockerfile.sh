#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# There is no docker engine on the test machines, so check the Dockerfile by
# reading it: every file it COPYs from the build context exists and is not
# excluded by .dockerignore; every file it copies out of the build stage
# (/src/...) exists in the source tree or, for build/..., in this build, and
# one copied from elsewhere in a stage belongs to a package that stage
# installs; the runtime stage does not install dpdk-dev; it has a HEALTHCHECK;
# ENTRYPOINT names the installed binary.
# usage: dockerfile.sh LINERATE_BINARY (the binary of the current build)
set -u
src=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:?usage: dockerfile.sh LINERATE_BINARY}
build=$(cd "$(dirname "$bin")/../.." && pwd)
df="$src/Dockerfile"
fail=0
[ -f "$df" ] || { echo "FAIL: no Dockerfile"; exit 1; }

ignored()
{
    # Top-level patterns of .dockerignore that match the first path component.
    local first=${1%%/*} pat
    [ -f "$src/.dockerignore" ] || return 1
    while IFS= read -r pat; do
        case "$pat" in '' | '#'*) continue ;; esac
        # shellcheck disable=SC2254
        case "$first" in $pat) return 0 ;; esac
    done <"$src/.dockerignore"
    return 1
}

# Whether stage $1 (FROM ... AS $1) runs apt-get install with package $2.
stage_installs()
{
    sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$df" |
        awk -v st="$1" '/^[[:space:]]*FROM[[:space:]]/ { cur = (tolower($NF) == tolower(st) && tolower($(NF-1)) == "as") }
                        cur && /apt-get install/' |
        tr -s ' \t' '\n' | grep -qx -- "$2"
}

# Join continuation lines, then look at COPY instructions.
copies=$(sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$df" | grep -E '^[[:space:]]*COPY[[:space:]]')
[ -n "$copies" ] || { echo "FAIL: no COPY in Dockerfile"; exit 1; }
while read -r _ rest; do
    from=
    set -- $rest
    while [ "${1#--}" != "$1" ]; do
        case "$1" in --from=*) from=${1#--from=} ;; esac
        shift
    done
    [ $# -ge 2 ] || { echo "FAIL: COPY needs a source and a destination: $rest"; fail=1; continue; }
    n=$(($# - 1))
    for s in "${@:1:$n}"; do
        if [ -z "$from" ]; then
            if [ ! -e "$src/$s" ]; then
                echo "FAIL: COPY source '$s' does not exist"
                fail=1
            elif [ "$s" != . ] && ignored "$s"; then
                echo "FAIL: COPY source '$s' is excluded by .dockerignore"
                fail=1
            else
                echo "ok: context $s"
            fi
        else
            rel=${s#/src/}
            if [ "$rel" = "$s" ]; then
                # Outside /src: a file a Debian package installs there, and
                # that package is installed in that stage (on this machine
                # tools/setup.sh installed it too, so dpkg -S knows it).
                pkg=$(dpkg -S "$s" 2>/dev/null | head -n 1 | cut -d: -f1)
                if [ -z "$pkg" ]; then
                    echo "FAIL: '$s' copied from stage $from is neither under /src nor a packaged file"
                    fail=1
                elif ! stage_installs "$from" "$pkg"; then
                    echo "FAIL: '$s' is in package $pkg, which stage $from does not install"
                    fail=1
                else
                    echo "ok: stage $from $s (package $pkg)"
                fi
            elif [ "${rel%%/*}" = build ]; then
                if [ -e "$build/${rel#build/}" ]; then
                    echo "ok: built $rel"
                else
                    echo "FAIL: '$rel' is not produced by the build ($build)"
                    fail=1
                fi
            elif [ -e "$src/$rel" ] && ! ignored "$rel"; then
                echo "ok: stage $from $rel"
            else
                echo "FAIL: '$rel' (from stage $from) is missing or excluded by .dockerignore"
                fail=1
            fi
        fi
    done
done <<<"$copies"

grep -q '^ENTRYPOINT \["/usr/bin/linerate"\]' "$df" || { echo "FAIL: ENTRYPOINT is not /usr/bin/linerate"; fail=1; }
grep -q 'COPY --from=build /src/build/app/linerate/linerate /usr/bin/linerate' "$df" ||
    { echo "FAIL: the binary is not installed as /usr/bin/linerate"; fail=1; }
grep -q 'ninja -C build app/linerate/linerate' "$df" || { echo "FAIL: build stage does not build linerate"; fail=1; }
# The runtime stage (the last FROM) carries only what runs.
runtime=$(sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$df" | awk '/^[[:space:]]*FROM[[:space:]]/ { buf = "" } { buf = buf $0 "\n" } END { printf "%s", buf }')
if printf '%s' "$runtime" | grep -E 'apt-get install' | tr -s ' \t' '\n' | grep -qxE 'dpdk-dev|libdpdk-dev|dpdk'; then
    echo "FAIL: the runtime stage installs dpdk/dpdk-dev (only librte-* runtime packages belong there)"
    fail=1
fi
printf '%s' "$runtime" | grep -q '^HEALTHCHECK ' || { echo "FAIL: the runtime stage has no HEALTHCHECK"; fail=1; }
[ "$fail" -eq 0 ] && echo "PASS: dockerfile"
exit "$fail"
