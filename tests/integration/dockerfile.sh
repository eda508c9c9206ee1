#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# There is no docker engine on the test machines, so check the Dockerfile by
# reading it: every file it COPYs from the build context exists and is not
# excluded by .dockerignore; every file it copies out of the build stage
# (/src/...) exists in the source tree or, for build/..., in this build;
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
                echo "FAIL: '$s' copied from stage $from is not under /src"
                fail=1
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
[ "$fail" -eq 0 ] && echo "PASS: dockerfile"
exit "$fail"
