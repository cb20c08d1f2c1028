#!/usr/bin/env python3
"""Relative links in the Markdown that users read: each must point at a file that exists, and
those in README.md and the guide (what crates.io and docs.rs show) only at files the published
package contains (`cargo package --list`), or be absolute URLs. Usage: scripts/check_links.py
"""
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
LINK = re.compile(r"\]\(([^)\s]+)\)")
packaged = set(
    subprocess.run(
        ["cargo", "package", "--list", "--allow-dirty", "--quiet"],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout.split()
)
docs = [ROOT / "README.md", ROOT / "tests/README.md", ROOT / "bench/README.md",
        ROOT / "examples/README.md", *sorted((ROOT / "src/guide").glob("*.md"))]
published = {ROOT / "README.md", *(ROOT / "src/guide").glob("*.md")}
bad = []
for doc in docs:
    for target in LINK.findall(doc.read_text()):
        if re.match(r"^[a-z]+:", target) or target.startswith("#"):
            continue  # absolute URL, in-page anchor
        if "::" in target or target.startswith("crate"):
            continue  # rustdoc intra-doc link
        path = (doc.parent / target.split("#")[0]).resolve()
        rel = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        if not path.exists():
            bad.append(f"{doc.relative_to(ROOT)}: {target} does not exist")
        elif doc in published and path.is_file() and str(rel) not in packaged:
            bad.append(f"{doc.relative_to(ROOT)}: {target} is not in the published package")
        elif doc in published and path.is_dir() and not any(p.startswith(f"{rel}/") for p in packaged):
            bad.append(f"{doc.relative_to(ROOT)}: {target} is not in the published package")
print(f"checked links in {len(docs)} files; {len(bad)} broken")
if bad:
    print("\n".join(bad))
    sys.exit(1)
