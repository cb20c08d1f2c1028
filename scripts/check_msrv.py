#!/usr/bin/env python3
"""Fails when a locked package needs a newer Rust than the crate's `rust-version` claims.

No other toolchain can be installed to try the claim, so it is checked against what each
package a user of the crate builds declares as its own `rust-version`: the normal and build
dependencies, transitively, of rkafka with `--features full`, as locked in Cargo.lock, on this
machine's target (Windows-only crates are not built here). Dev-dependencies (tests, examples)
are reported but only build this repository's tests. Usage: scripts/check_msrv.py
"""
import json
import subprocess
import sys

# The features a user may turn on (all but the build variants, which exclude each other).
FEATURES = sys.argv[1] if len(sys.argv) > 1 else "full"


def version(v):
    return tuple(int(x) for x in (v.split(".") + ["0", "0"])[:3])


def target():
    out = subprocess.run(["rustc", "-vV"], check=True, capture_output=True, text=True).stdout
    return next(l.split(": ")[1] for l in out.splitlines() if l.startswith("host: "))


meta = json.loads(
    subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--locked", "--features", FEATURES,
         "--filter-platform", target()],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
)
nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
root_id = meta["resolve"]["root"]


def reachable(kinds_at_root):
    """Package ids reachable from the root through normal/build edges (and, at the root only,
    through edges of `kinds_at_root`)."""
    seen, todo = set(), [(root_id, True)]
    while todo:
        pid, at_root = todo.pop()
        for dep in nodes[pid]["deps"]:
            kinds = {k["kind"] for k in dep["dep_kinds"]}
            allowed = {None, "build"} | (kinds_at_root if at_root else set())
            if kinds & allowed and dep["pkg"] not in seen:
                seen.add(dep["pkg"])
                todo.append((dep["pkg"], False))
    return seen


ids = reachable(set())
dev_only = reachable({"dev"}) - ids
root = next(p for p in meta["packages"] if p["id"] == root_id)
claimed = root.get("rust_version")
if not claimed:
    sys.exit("Cargo.toml declares no rust-version")
too_new = sorted(
    (version(p["rust_version"]), p["name"], p["version"], p["rust_version"])
    for p in meta["packages"]
    if p["id"] in ids and p.get("rust_version") and version(p["rust_version"]) > version(claimed)
)
if too_new:
    print(f"rust-version = {claimed}, but these locked packages need more:")
    for _, name, ver, rv in too_new:
        print(f"  {name} {ver}: rust-version {rv}")
    sys.exit(1)
needed = max(
    (version(p["rust_version"]) for p in meta["packages"] if p["id"] in ids and p.get("rust_version")),
    default=(0, 0, 0),
)
print(f"rust-version {claimed}: every locked package a user builds needs at most "
      f"{'.'.join(map(str, needed))} ({len(ids)} packages)")
dev_max = max(
    ((version(p["rust_version"]), p["name"]) for p in meta["packages"]
     if p["id"] in dev_only and p.get("rust_version")),
    default=((0, 0, 0), "-"),
)
print(f"  (the tests' dev-dependencies need up to {'.'.join(map(str, dev_max[0]))}, {dev_max[1]})")
