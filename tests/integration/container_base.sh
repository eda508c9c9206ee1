#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Make the Dockerfile's FROM images locally (there is no registry here):
# debootstrap --variant=minbase bookworm into a cached directory, with this
# machine's apt sources copied in, tar it and `podman import` it as
# docker.io/library/debian:bookworm; the same tree with documentation,
# manual pages and locales removed (and kept out of later installs, as in
# Debian's own slim image) becomes docker.io/library/debian:bookworm-slim.
# Sourced by tests/integration/container.sh; needs CT_CACHE (cache dir),
# lr_fail/lr_log/lr_skip_env from lib.sh. Creation is serialised with flock,
# so two runs at once share one base.

ct_mirror()
{
    # The first Debian bookworm mirror of this machine's apt sources.
    local m
    m=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\).*/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null |
        grep -v -- '-security' | head -n 1)
    if [ -z "$m" ]; then
        m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
            awk '$1 == "deb" && $0 ~ /bookworm/ && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }')
    fi
    echo "${m:-http://deb.debian.org/debian}"
}

# The tarballs $CT_CACHE/bookworm.tar and bookworm-slim.tar.
ct_base_tarballs()
{
    local root="$CT_CACHE/bookworm-rootfs" mirror t0
    [ -f "$CT_CACHE/bookworm.tar" ] && [ -f "$CT_CACHE/bookworm-slim.tar" ] && return 0
    mirror=$(ct_mirror)
    t0=$(date +%s)
    lr_log "debootstrap --variant=minbase bookworm from $mirror (first run only)"
    rm -rf "$root.tmp"
    debootstrap --variant=minbase bookworm "$root.tmp" "$mirror" >"$CT_CACHE/debootstrap.log" 2>&1 || {
        tail -n 20 "$CT_CACHE/debootstrap.log"
        rm -rf "$root.tmp"
        lr_fail "debootstrap failed (log above, $CT_CACHE/debootstrap.log)"
    }
    # The machine's apt sources and settings, so apt-get in the build
    # reaches the same mirrors as the host.
    rm -f "$root.tmp/etc/apt/sources.list"
    cp -a /etc/apt/sources.list* "$root.tmp/etc/apt/" 2>/dev/null
    cp -a /etc/apt/apt.conf.d/. "$root.tmp/etc/apt/apt.conf.d/" 2>/dev/null
    rm -rf "$root.tmp"/var/cache/apt/archives/*.deb "$root.tmp"/var/lib/apt/lists/* "$root.tmp"/var/log/*.log
    mv "$root.tmp" "$root"
    tar -C "$root" --numeric-owner -cf "$CT_CACHE/bookworm.tar.tmp" . || lr_fail "tar of the base failed"
    mv "$CT_CACHE/bookworm.tar.tmp" "$CT_CACHE/bookworm.tar"
    # Slim: what Debian's slim image leaves out, kept out of later installs
    # too (dpkg path-exclude).
    mkdir -p "$root/etc/dpkg/dpkg.cfg.d"
    cat >"$root/etc/dpkg/dpkg.cfg.d/linerate-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/lintian/*
EOF
    find "$root/usr/share/doc" -mindepth 1 ! -name copyright ! -type d -delete 2>/dev/null
    rm -rf "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/locale/* "$root"/usr/share/lintian/*
    tar -C "$root" --numeric-owner -cf "$CT_CACHE/bookworm-slim.tar.tmp" . || lr_fail "tar of the slim base failed"
    mv "$CT_CACHE/bookworm-slim.tar.tmp" "$CT_CACHE/bookworm-slim.tar"
    rm -rf "$root"
    lr_log "base tarballs made in $(($(date +%s) - t0)) s"
}

# podman import of both tarballs unless the images exist.
ct_base_images()
{
    local name tar
    for name in bookworm bookworm-slim; do
        tar="$CT_CACHE/$name.tar"
        podman image exists "docker.io/library/debian:$name" && continue
        podman import "$tar" "docker.io/library/debian:$name" >/dev/null ||
            lr_fail "podman import $tar failed"
        lr_log "imported docker.io/library/debian:$name"
    done
}

ct_base()
{
    mkdir -p "$CT_CACHE" || lr_fail "cannot create $CT_CACHE"
    exec 9>"$CT_CACHE/base.lock"
    flock -w 900 9 || lr_fail "waited 900 s for another run's base image ($CT_CACHE/base.lock)"
    ct_base_tarballs
    ct_base_images
    flock -u 9
}
