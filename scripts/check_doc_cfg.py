#!/usr/bin/env python3
"""docs.rs feature badges: every feature-gated public item carries
`#[cfg_attr(docsrs, doc(cfg(...)))]` with the same condition, so docs.rs (built with
`--cfg docsrs`, see Cargo.toml) shows which feature it needs.

Gated items are (a) `pub` items (`pub fn/struct/enum/trait/type/mod/use/const/static`) under a
`#[cfg(<condition with feature = ...>)]` attribute, and (b) `impl` blocks with `pub fn`s in the
files of a feature-gated module for a type defined outside them (methods such as
`Producer::send` that a gated module adds to an ungated type; types of the gated module itself
show the module's badge already). Prints the counts; fails listing every gated item without its badge.
Usage: scripts/check_doc_cfg.py [--fix]   (--fix inserts the missing badges)
"""
import pathlib
import re
import sys

SRC = pathlib.Path(__file__).resolve().parent.parent / "src"
CFG = re.compile(r"^\s*#\[cfg\(((?:any|all|not)?\(?.*feature\s*=.*)\)\]\s*$")
BADGE = re.compile(r"^\s*#\[cfg_attr\(docsrs, doc\(cfg\((.*)\)\)\)\]\s*$")
PUB_ITEM = re.compile(r"^\s*pub (?:unsafe )?(?:async )?(fn|struct|enum|trait|type|mod|use|const|static|macro)\b")
IMPL = re.compile(r"^(?:unsafe )?impl\b")
MOD_DECL = re.compile(r"^\s*(?:pub(?:\([a-z]+\))? )?mod (\w+);")


def item_after(lines, i):
    """Index of the item line an attribute at line i belongs to (skipping attributes and
    doc comments)."""
    j = i + 1
    while j < len(lines) and (lines[j].strip().startswith(("#[", "///", "//")) or not lines[j].strip()):
        j += 1
    return j


def gated_module_files():
    """{file: condition} for the files of modules declared under a feature cfg."""
    gated = {}
    for f in SRC.rglob("*.rs"):
        lines = f.read_text().splitlines()
        for i, l in enumerate(lines):
            m = CFG.match(l)
            if not m:
                continue
            j = item_after(lines, i)
            d = MOD_DECL.match(lines[j]) if j < len(lines) else None
            if d:
                base = f.parent if f.name in ("lib.rs", "mod.rs") else f.parent / f.stem
                for cand in (base / f"{d.group(1)}.rs", base / d.group(1) / "mod.rs"):
                    if cand.exists():
                        gated[cand] = m.group(1)
                        if cand.name == "mod.rs":
                            for sub in cand.parent.rglob("*.rs"):
                                gated.setdefault(sub, m.group(1))
    return gated


def badge_before(lines, j):
    """The badge condition among the attributes just above line j, if any."""
    k = j - 1
    while k >= 0 and (lines[k].strip().startswith(("#[", "///")) or not lines[k].strip()):
        b = BADGE.match(lines[k])
        if b:
            return b.group(1)
        k -= 1
    return None


TYPE_DEF = re.compile(r"^\s*pub(?:\([a-z]+\))? (?:struct|enum|trait|type) (\w+)")


def adds_to_outside_type(lines, i, local):
    """True if the impl at line i (inherent, not a trait impl) is for a type not defined in a
    gated file and has a `pub fn`."""
    head = lines[i].split("{")[0]
    if " for " in head:
        return False
    name = re.sub(r"<.*?>", "", head.replace("impl", "", 1)).strip().split("::")[-1].split("<")[0]
    if name in local:
        return False
    body = []
    for l in lines[i + 1:]:
        if l.startswith("}"):
            break
        body.append(l)
    return any(re.match(r"^\s*pub fn ", b) for b in body)


def main():
    fix = "--fix" in sys.argv
    gated_files = gated_module_files()
    local = {m.group(1) for f in gated_files for l in f.read_text().splitlines()
             if (m := TYPE_DEF.match(l))}
    gated, missing = 0, []
    for f in sorted(SRC.rglob("*.rs")):
        lines = f.read_text().splitlines()
        inserts = []
        for i, l in enumerate(lines):
            m = CFG.match(l)
            if m:
                j = item_after(lines, i)
                if j < len(lines) and PUB_ITEM.match(lines[j]):
                    gated += 1
                    if badge_before(lines, j) != m.group(1):
                        missing.append(f"{f.relative_to(SRC.parent)}:{j + 1}: {lines[j].strip()}")
                        inserts.append((i + 1, re.match(r"\s*", l).group(0), m.group(1)))
            elif f in gated_files and IMPL.match(l) and adds_to_outside_type(lines, i, local):
                gated += 1
                if badge_before(lines, i) != gated_files[f]:
                    missing.append(f"{f.relative_to(SRC.parent)}:{i + 1}: {l.strip()}")
                    inserts.append((i, "", gated_files[f]))
        if fix and inserts:
            for at, indent, cond in sorted(inserts, reverse=True):
                lines.insert(at, f"{indent}#[cfg_attr(docsrs, doc(cfg({cond})))]")
            f.write_text("\n".join(lines) + "\n")
    badges = sum(len(BADGE.findall(f.read_text(), re.M)) if False else
                 sum(1 for l in f.read_text().splitlines() if BADGE.match(l)) for f in SRC.rglob("*.rs"))
    print(f"feature-gated public items: {gated}; docs.rs badges: {badges}")
    if missing and not fix:
        print("without a badge:\n  " + "\n  ".join(missing))
        sys.exit(1)


main()
