#!/usr/bin/env python3
"""Instructions per message under valgrind's callgrind, which (unlike wall-clock rates) is
stable on a noisy, shared machine.

  python3 bench/callgrind.py [--clients A,C,D,Dc,Dg,Db] [--phases produce,consume]
                             [--n1 20000] [--n2 100000] [--json out.json] [--md out.md]

For each client and phase the client runs twice under callgrind (all its threads counted),
with N1 and N2 messages, against a mock cluster in its own process (not under valgrind):

  marginal Ir/msg = (Ir(N2) - Ir(N1)) / (N2 - N1)

so start-up, connection and shutdown cancel out. The same difference is taken per function
(self cost), which shows where the per-message instructions go; functions are grouped into
librdkafka, libc, rkafka, rust-rdkafka, Rust std, and the client application.

Extra rows beside A, C and D (produce with per-message closures, consume with poll()):
Dc = D with the payload copied; Dg/Db = rkafka's producer-wide callback / produce_batch; Dt = Dg with a Record::tag per message; Dbatch and Abatch = consume(1000).
Prints as its last line `rkafka/C instr ratio: produce=<x> consume=<y>` (D vs A).
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import uuid
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

CGDIR = os.path.join(h.BENCH, "target", "callgrind")

# Client keys of this script -> (client of harness.command, workload)
ROWS = {
    ("produce", "A"): ("A", "acks1"),
    ("produce", "C"): ("C", "acks1"),
    ("produce", "D"): ("D", "acks1"),
    ("produce", "Dc"): ("Dc", "acks1"),
    ("produce", "Dg"): ("Dg", "acks1"),
    ("produce", "Dt"): ("Dt", "acks1"),
    ("produce", "Db"): ("Db", "acks1"),
    ("produce", "B"): ("B", "acks1"),
    ("consume", "A"): ("A", "poll"),
    ("consume", "C"): ("C", "poll"),
    ("consume", "D"): ("D", "poll"),
    ("consume", "B"): ("B", "poll"),
    ("consume", "Abatch"): ("A", "batch"),
    ("consume", "Dbatch"): ("D", "batch"),
}
ROW_NAMES = {
    "A": "A librdkafka C", "B": "B confluent-kafka-python", "C": "C rust-rdkafka",
    "D": "D rkafka", "Dc": "D rkafka, payload copied (as C and B always do)", "Dg": "D rkafka, producer-wide on_delivery",
    "Dt": "D rkafka, producer-wide on_delivery + Record::tag", "Db": "D rkafka, produce_batch(1000)", "Abatch": "A, consume_batch_queue(1000)",
    "Dbatch": "D rkafka, consume(1000)",
}


def category(obj, file, fn):
    """Which body of code a function belongs to."""
    ob = os.path.basename(obj or "")
    f = file or ""
    fn = fn or ""
    if ob.startswith("libc.so") or ob.startswith("libc-"):
        return "libc"
    if ob.startswith("ld-linux") or ob.startswith("ld-"):
        return "ld.so"
    if ob.startswith(("libpython", "python")) or ob.endswith(".so") and "cpython" in ob:
        return "python/" + ob
    if ob.startswith(("libcrypto", "libssl", "libz")):
        return ob.split(".so")[0]
    if "rdkafka_performance" in f:
        return "app (rdkafka_performance.c)"
    # librdkafka's C sources: A's copy, or rdkafka-sys's build copy (.../rdkafka-sys-*/out/src)
    if "/librdkafka" in f or "/rdkafka-sys-" in f or fn.startswith("rd_"):
        return "librdkafka"
    if "/bench/rkafka-bench/" in f or "/bench/rust-rdkafka-bench/" in f \
            or fn.startswith(("rkafka_bench::", "rust_rdkafka_bench::")):
        return "bench client code"
    if "/rdkafka-0." in f or (fn.startswith(("rdkafka::", "<rdkafka::"))):
        return "rust-rdkafka"
    if fn.startswith(("rkafka::", "<rkafka::")) or "rkafka::" in fn:
        return "rkafka"
    if "/rustc/" in f or "::" in fn or fn.startswith("<"):
        return "Rust std/core/alloc"
    return ob or "?"


_NAMED = re.compile(r"\((\d+)\)(?: (.*))?$")


def parse(path):
    """Self cost (Ir) per (object, file, function) and the total, from a callgrind.out."""
    names = {"ob": {}, "fl": {}, "fn": {}}
    kinds = {"ob": "ob", "cob": "ob", "fl": "fl", "fi": "fl", "fe": "fl", "cfi": "fl",
             "cfl": "fl", "fn": "fn", "cfn": "fn"}
    cost = defaultdict(int)
    ob = fl = fn = None
    skip_next = False
    total = None

    def name(kind, rest):
        m = _NAMED.match(rest)
        if not m:
            return rest
        if m.group(2) is not None:
            names[kind][m.group(1)] = m.group(2)
        return names[kind].get(m.group(1), m.group(1))

    with open(path, errors="replace") as f:
        for line in f:
            c = line[:1]
            if c.isdigit() or c in "+-*":
                if skip_next:
                    skip_next = False
                    continue
                parts = line.split()
                if len(parts) > 1:
                    cost[(ob, fl, fn)] += int(parts[1])
                continue
            key, eq, rest = line.rstrip("\n").partition("=")
            if eq and key in kinds:
                v = name(kinds[key], rest)
                if key == "ob":
                    ob = v
                elif key == "fl":
                    fl = v
                elif key == "fn":
                    fn = v
                continue
            if line.startswith("calls="):
                skip_next = True
            elif line.startswith(("summary:", "totals:")):
                total = int(line.split()[1])
    if total is None:
        total = sum(cost.values())
    return total, cost


def by_function(cost):
    """(category, function) -> Ir, merging a function's entries across files/objects."""
    out = defaultdict(int)
    for (ob, fl, fn), v in cost.items():
        out[(category(ob, fl, fn), fn or "?")] += v
    return out


def run_under_callgrind(cmd, out_file):
    p = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out_file}"] + cmd,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=3600)
    return p.returncode, p.stdout.decode(errors="replace")


def measure(clients, phases, n1, n2, size=100, json_out=None, log=print, reps=3):
    """Runs the measurements `reps` times (client order rotating); returns one record per
    (phase, client) with the median marginal Ir/msg and the breakdown of the median rep.

    Produce counts are not perfectly timing-free: with linger.ms=5 a slower (busier) machine
    closes smaller batches, which adds per-batch work (CRC, buffer segments) to every message,
    by about 3% on a loaded 2-core VM. Repeating, alternating and taking medians keeps that out
    of the ratios."""
    os.makedirs(CGDIR, exist_ok=True)
    broker = h.Broker("mock")
    tag = uuid.uuid4().hex[:6]
    records = []
    try:
        # One source topic per message count, each holding exactly that many messages: the
        # consumer's fetcher then parses exactly the messages the client consumes (with one
        # shared N2 topic, the N1 run would prefetch a timing-dependent share of the rest).
        # Written natively (not under valgrind) by A.
        srcs = {n: f"cgsrc-{tag}-{n}" for n in (n1, n2)}
        if "consume" in phases:
            for n, topic in srcs.items():
                rc, out, _, _ = h.run_client(h.command("A", "acks1", broker.bootstrap, topic, n,
                                                       size, warmup=False))
                if rc != 0:
                    raise SystemExit("callgrind: could not write a source topic:\n" + out[-1000:])
        raw = []
        for rep in range(reps):
            for phase in phases:
                for key in clients[rep % len(clients):] + clients[:rep % len(clients)]:
                    rows = [(phase, key)]
                    if phase == "consume" and key in ("A", "D"):
                        rows.append((phase, key + "batch"))
                    for row in rows:
                        if row not in ROWS:
                            continue
                        client, workload = ROWS[row]
                        res = {}
                        for n in (n1, n2):
                            topic = srcs[n] if phase == "consume" else f"cg-{tag}-{rep}-{row[1]}-{n}"
                            group = f"cg-{tag}-{rep}-{row[1]}-{n}"
                            cmd = h.command(client, workload, broker.bootstrap, topic, n, size, group)
                            outf = os.path.join(CGDIR, f"{phase}.{row[1]}.{n}.{tag}.{rep}.out")
                            rc, out = run_under_callgrind(cmd, outf)
                            rep_ = h.parse_report(client, phase, out)
                            if rc != 0 or not rep_ or rep_.get("msgs") != n:
                                raise SystemExit(f"callgrind: {row} n={n} failed (rc={rc}):\n{out[-2000:]}")
                            total, cost = parse(outf)
                            res[n] = (total, by_function(cost), outf, rep_["msgs"])
                            if n == n1:
                                os.unlink(outf)  # keep only the N2 profiles (for callgrind_annotate)
                            log(f"callgrind rep{rep + 1} {phase:7} {row[1]:6} n={n:>7}: Ir={total:,}")
                        (t1, f1, _, m1), (t2, f2, o2, m2) = res[n1], res[n2]
                        dn = m2 - m1
                        per_fn = {k: (f2.get(k, 0) - f1.get(k, 0)) / dn for k in set(f1) | set(f2)}
                        per_cat = defaultdict(float)
                        for (cat, _fn), v in per_fn.items():
                            per_cat[cat] += v
                        top = sorted(per_fn.items(), key=lambda kv: -kv[1])[:40]
                        rec = {"phase": phase, "client": row[1], "rep": rep + 1, "size": size, "n1": n1, "n2": n2, "msgs_n1": m1, "msgs_n2": m2,
                               "ir_n1": t1, "ir_n2": t2, "marginal_ir_per_msg": (t2 - t1) / dn,
                               "total_ir_per_msg_n2": t2 / m2,
                               "marginal_by_category": {k: round(v, 1) for k, v in
                                                        sorted(per_cat.items(), key=lambda kv: -kv[1])
                                                        if abs(v) >= 0.5},
                               "marginal_by_function": [[cat, fn, round(v, 1)] for (cat, fn), v in top
                                                        if v >= 0.5],
                               "all_functions": {f"{cat}\t{fn}": round(v, 2) for (cat, fn), v in per_fn.items()
                                                 if abs(v) >= 0.05},
                               "callgrind_out_n2": o2}
                        raw.append(rec)
                        log(f"callgrind rep{rep + 1} {phase:7} {row[1]:6} marginal {rec['marginal_ir_per_msg']:.0f} Ir/msg")
        records = aggregate(raw)
    finally:
        broker.stop()
    if json_out:
        with open(json_out, "w") as f:
            json.dump(records, f, indent=1)
    return records


def aggregate(raw):
    """One record per (phase, client): the median marginal Ir/msg over the reps, with the
    function breakdown of the rep nearest that median, and every rep's figure."""
    out = []
    keys = []
    for r in raw:
        if (r["phase"], r["client"]) not in keys:
            keys.append((r["phase"], r["client"]))
    for k in keys:
        rs = sorted((r for r in raw if (r["phase"], r["client"]) == k),
                    key=lambda r: r["marginal_ir_per_msg"])
        mid = rs[(len(rs) - 1) // 2]
        med = statistics.median(r["marginal_ir_per_msg"] for r in rs)
        rec = dict(mid)
        rec.pop("rep", None)
        rec["marginal_ir_per_msg"] = med
        rec["marginal_reps"] = [round(r["marginal_ir_per_msg"], 1) for r in rs]
        rec["breakdown_from_rep"] = mid["rep"]
        out.append(rec)
    return out


def markdown(records):
    cg = {(r["phase"], r["client"]): r for r in records}
    md = ["### Instructions per message (valgrind callgrind)\n",
          f"Marginal Ir/msg = (Ir(N2) - Ir(N1)) / (N2 - N1), N1={records[0]['n1']:,}, "
          f"N2={records[0]['n2']:,}, {records[0]['size']} B messages, all threads of the client "
          "process, mock cluster in its own process. Produce: acks=1.\n",
          "| phase | client | marginal Ir/msg (median) | vs A | each rep | total Ir/msg at N2 | by code (marginal Ir/msg) |",
          "|---|---|---|---|---|---|---|"]
    for r in records:
        a = cg.get((r["phase"], "A"))
        vs = f"{r['marginal_ir_per_msg'] / a['marginal_ir_per_msg']:.3f}x" if a else "n/a"
        cats = ", ".join(f"{k} {v:.0f}" for k, v in list(r["marginal_by_category"].items())[:5])
        md.append(f"| {r['phase']} | {ROW_NAMES.get(r['client'], r['client'])} | "
                  f"{r['marginal_ir_per_msg']:.0f} | {vs} | "
                  f"{', '.join(f'{x:.0f}' for x in r.get('marginal_reps', []))} | "
                  f"{r['total_ir_per_msg_n2']:.0f} | {cats} |")
    md.append("")
    for phase, key in (("produce", "D"), ("produce", "Dc"), ("consume", "D"), ("produce", "Dg")):
        d, a = cg.get((phase, key)), cg.get((phase, "A"))
        if not d:
            continue
        af = {}
        if a:
            for k, v in a["all_functions"].items():
                af[k.split("\t", 1)[1]] = af.get(k.split("\t", 1)[1], 0) + v
        md.append(f"#### Where {ROW_NAMES[key]}'s {phase} instructions go: top functions, "
                  "marginal self Ir/msg, beside A's figure for the same function\n")
        md.append("| function | code | D Ir/msg | A Ir/msg | D - A |")
        md.append("|---|---|---|---|---|")
        for cat, fn, v in d["marginal_by_function"][:25]:
            av = af.get(fn)
            short = fn if len(fn) <= 90 else fn[:87] + "..."
            short = short.replace("|", "\\|")
            md.append(f"| `{short}` | {cat} | {v:.1f} | {'-' if av is None else f'{av:.1f}'} | "
                      f"{v - (av or 0):+.1f} |")
        md.append("")
    return md


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", default="A,C,D,Dc,Dg,Db")
    ap.add_argument("--phases", default="produce,consume")
    ap.add_argument("--n1", type=int, default=20_000)
    ap.add_argument("--n2", type=int, default=100_000)
    ap.add_argument("--size", type=int, default=100)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--json", help="write the records here (run.py --callgrind FILE reads it)")
    ap.add_argument("--md", help="write the Markdown tables here")
    a = ap.parse_args()
    recs = measure(a.clients.split(","), a.phases.split(","), a.n1, a.n2, a.size, a.json,
                   reps=a.reps)
    text = "\n".join(markdown(recs)) + "\n"
    if a.md:
        with open(a.md, "w") as f:
            f.write(text)
    print(text)
    cg = {(r["phase"], r["client"]): r["marginal_ir_per_msg"] for r in recs}

    def rr(p):
        x, y = cg.get((p, "D")), cg.get((p, "A"))
        return f"{x / y:.3f}" if x and y else "n/a"

    print(f"rkafka/C instr ratio: produce={rr('produce')} consume={rr('consume')}")


if __name__ == "__main__":
    main()
