#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Check that includes between linerate's layers point down only.

The layers (README, "Architecture"), each allowed to include its own
headers and those of the layers listed for it:

    proto     -> (nothing)
    platform  -> proto
    net       -> proto, platform
    tls       -> proto, platform, net
    app       -> proto, platform, net, tls
    runtime   -> platform, net, proto, tls, app
    main      -> everything (app/linerate)

The build enforces the same with per-layer include directories (an upward
include does not compile); this script says which file and which line, and
also reports circles between modules (a module = lr_x.c and lr_x.h taken
together), which the build cannot see.

usage: tools/check_layers.py [--root DIR] [--cycles] [--selftest]
  --cycles    fail on circles between modules too (default: list them)
  --selftest  prove that an upward include is reported (CI runs this)
exit 0 = clean, 1 = violations.
"""
import argparse
import os
import re
import sys
import tempfile

ALLOWED = {
    "proto": set(),
    "platform": {"proto"},
    "net": {"platform", "proto"},
    "tls": {"platform", "net", "proto"},
    "app": {"platform", "net", "proto", "tls"},
    "runtime": {"platform", "net", "proto", "tls", "app"},
    "main": {"platform", "net", "proto", "tls", "app", "runtime"},
}
DIRS = {
    "lib/platform": "platform",
    "lib/proto": "proto",
    "lib/net": "net",
    "lib/tls": "tls",
    "lib/app": "app",
    "lib/runtime": "runtime",
    "app/linerate": "main",
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def scan(root):
    """Return ({header: layer}, [(file, line_no, layer, header)])."""
    owner = {}
    uses = []
    for d, layer in DIRS.items():
        full = os.path.join(root, d)
        if not os.path.isdir(full):
            continue
        for name in sorted(os.listdir(full)):
            if not name.endswith((".c", ".h")):
                continue
            path = os.path.join(full, name)
            if name.endswith(".h"):
                owner[name] = layer
            with open(path, encoding="utf-8", errors="replace") as f:
                for no, line in enumerate(f, 1):
                    m = INCLUDE.match(line)
                    if m:
                        uses.append((os.path.join(d, name), no, layer, m.group(1)))
    return owner, uses


def module_of(path):
    """lr_x.c, lr_x.h and lr_x_priv.h are one module."""
    base = os.path.splitext(os.path.basename(path))[0]
    return base[: -len("_priv")] if base.endswith("_priv") else base


def find_cycles(uses, owner):
    graph = {}
    for path, _, layer, hdr in uses:
        if hdr not in owner or layer == "main":
            continue
        a, b = module_of(path), module_of(hdr)
        if a != b:
            graph.setdefault(a, set()).add(b)
    # Tarjan's strongly connected components.
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def check(root, fail_on_cycles):
    owner, uses = scan(root)
    bad = 0
    for path, no, layer, hdr in uses:
        target = owner.get(hdr)
        if target is None or target == layer:
            continue  # system-style or own-layer header
        if target not in ALLOWED[layer]:
            print(f"{path}:{no}: {layer} includes {hdr} of {target} (a layer above or beside it)")
            bad += 1
    cycles = find_cycles(uses, owner)
    for c in cycles:
        print(("" if fail_on_cycles else "note: ") + "modules include each other: " + " <-> ".join(c))
    if fail_on_cycles:
        bad += len(cycles)
    return bad


def selftest():
    """An upward include must be reported: platform including a net header,
    tls including an app header."""
    with tempfile.TemporaryDirectory() as t:
        for d in ("lib/platform", "lib/net"):
            os.makedirs(os.path.join(t, d))
        with open(os.path.join(t, "lib/net/lr_n.h"), "w") as f:
            f.write('#include "lr_p.h"\n')
        with open(os.path.join(t, "lib/platform/lr_p.h"), "w") as f:
            f.write("/* nothing */\n")
        with open(os.path.join(t, "lib/platform/lr_p.c"), "w") as f:
            f.write('#include "lr_p.h"\n')
        if check(t, True) != 0:
            print("selftest: a clean tree was reported")
            return 1
        with open(os.path.join(t, "lib/platform/lr_p.c"), "a") as f:
            f.write('#include "lr_n.h"\n')
        if check(t, False) == 0:
            print("selftest: an upward include was not reported")
            return 1
    # The tls layer: including an app header from tls is upward, the
    # reverse is allowed.
    with tempfile.TemporaryDirectory() as t:
        for d in ("lib/tls", "lib/app"):
            os.makedirs(os.path.join(t, d))
        with open(os.path.join(t, "lib/tls/lr_t.h"), "w") as f:
            f.write("/* nothing */\n")
        with open(os.path.join(t, "lib/app/lr_a.h"), "w") as f:
            f.write('#include "lr_t.h"\n')
        if check(t, True) != 0:
            print("selftest: app including tls was reported")
            return 1
        with open(os.path.join(t, "lib/tls/lr_t.c"), "w") as f:
            f.write('#include "lr_a.h"\n')
        if check(t, False) == 0:
            print("selftest: tls including app was not reported")
            return 1
    print("selftest: an upward include is reported")
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=os.path.join(os.path.dirname(__file__), ".."))
    ap.add_argument("--cycles", action="store_true")
    ap.add_argument("--selftest", action="store_true")
    a = ap.parse_args()
    if a.selftest:
        return selftest()
    bad = check(a.root, a.cycles)
    if bad:
        print(f"check_layers: {bad} violation(s)")
        return 1
    print("check_layers: includes point down only")
    return 0


if __name__ == "__main__":
    sys.exit(main())
