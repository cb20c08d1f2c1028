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
    calls = defaultdict(int)
    ob = fl = fn = cfn = None
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
                elif key == "cfn":
                    cfn = v
                continue
            if line.startswith("calls="):
                skip_next = True
                calls[cfn] += int(line[6:].split()[0])
            elif line.startswith(("summary:", "totals:")):
                total = int(line.split()[1])
    if total is None:
        total = sum(cost.values())
    return total, cost, calls


# The produce calls of the clients: rkafka and rdkafka_performance call rd_kafka_produce,
# rust-rdkafka rd_kafka_producev. Calls beyond the messages produced are _QUEUE_FULL retries.
PRODUCE_FNS = ("rd_kafka_produce", "rd_kafka_producev", "rd_kafka_produceva")


def produce_calls(calls):
    return sum(calls.get(f, 0) for f in PRODUCE_FNS)


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


def async_row(key):
    """An async row key `<workload>/<client>` -> (client, workload)."""
    w, c = key.split("/")
    return c, w


# The backpressure rows: more messages than the 10k queue holds, all in flight at once (the
# window is 200k); rust-rdkafka retries every blocked future every 100 ms, which costs ~240k
# Ir/msg under callgrind, so the counts are kept small.
BACKPRESSURE_COUNTS = (20_000, 60_000)


def row_counts(workload, n1, n2):
    if workload == "backpressure":
        return BACKPRESSURE_COUNTS
    if workload in h.ASYNC_WORKLOADS:
        return h.async_count(workload, n1), h.async_count(workload, n2)
    return n1, n2


def rows_of(phases, clients, async_workloads, rep, async_clients=("C", "D")):
    """The rows of one repetition, the client order rotating by one each repetition."""
    k = rep % len(clients)
    order = clients[k:] + clients[:k]
    rows = []
    for phase in phases:
        if phase == "async":
            arows = [("async", f"{w}/{c}") for w in async_workloads
                     for c in h.ASYNC_CLIENTS.get(w, ("C", "D")) if c in async_clients]
            j = rep % len(arows) if arows else 0
            rows += arows[j:] + arows[:j]
            continue
        for key in order:
            rows.append((phase, key))
            if phase == "consume" and key in ("A", "D"):
                rows.append((phase, key + "batch"))
    return [r for r in rows if r in ROWS or r[0] == "async"]


def measure(clients, phases, n1, n2, size=100, json_out=None, log=print, reps=3,
            async_workloads=(), rt="ct", async_clients=("C", "D")):
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
        if "consume" in phases or "stream" in async_workloads and "async" in phases:
            for n, topic in srcs.items():
                rc, out, _, _ = h.run_client(h.command("A", "acks1", broker.bootstrap, topic, n,
                                                       size, warmup=False))
                if rc != 0:
                    raise SystemExit("callgrind: could not write a source topic:\n" + out[-1000:])
        raw = []
        for rep in range(reps):
            for row in rows_of(phases, clients, async_workloads, rep, async_clients):
                phase, key = row
                client, workload = ROWS[row] if row in ROWS else async_row(key)
                counts = row_counts(workload, n1, n2)
                res = {}
                for n in counts:
                    consume = phase == "consume" or workload == "stream"
                    topic = srcs[n] if consume else f"cg-{tag}-{rep}-{key.replace('/', '-')}-{n}"
                    group = f"cg-{tag}-{rep}-{key.replace('/', '-')}-{n}"
                    cmd = h.command(client, workload, broker.bootstrap, topic, n, size, group, rt=rt)
                    outf = os.path.join(CGDIR, f"{phase}.{key.replace('/', '-')}.{n}.{tag}.{rep}.out")
                    rc, out = run_under_callgrind(cmd, outf)
                    rep_ = h.parse_report(client, "consume" if consume else "produce", out)
                    if rc != 0 or not rep_ or rep_.get("msgs") != n:
                        raise SystemExit(f"callgrind: {row} n={n} failed (rc={rc}):\n{out[-2000:]}")
                    total, cost, calls = parse(outf)
                    res[n] = (total, by_function(cost), outf, rep_["msgs"], produce_calls(calls))
                    if n == counts[0]:
                        os.unlink(outf)  # keep only the N2 profiles (for callgrind_annotate)
                    log(f"callgrind rep{rep + 1} {phase:7} {key:14} n={n:>7}: Ir={total:,}")
                (t1, f1, _, m1, _), (t2, f2, o2, m2, pc2) = res[counts[0]], res[counts[1]]
                dn = m2 - m1
                per_fn = {k: (f2.get(k, 0) - f1.get(k, 0)) / dn for k in set(f1) | set(f2)}
                per_cat = defaultdict(float)
                for (cat, _fn), v in per_fn.items():
                    per_cat[cat] += v
                top = sorted(per_fn.items(), key=lambda kv: -kv[1])[:40]
                rec = {"phase": phase, "client": key, "rep": rep + 1, "size": size, "n1": counts[0], "n2": counts[1],
                       "rt": rt, "msgs_n1": m1, "msgs_n2": m2,
                       "ir_n1": t1, "ir_n2": t2, "marginal_ir_per_msg": (t2 - t1) / dn,
                       "total_ir_per_msg_n2": t2 / m2,
                       # produce calls beyond the messages (+ the warm-up message): retries
                       # after _QUEUE_FULL, in the N2 run
                       "produce_calls_n2": pc2,
                       "queue_full_retries_n2": (max(0, pc2 - m2 - 1) if phase != "consume" and workload != "stream" else None),
                       "marginal_by_category": {k: round(v, 1) for k, v in
                                                sorted(per_cat.items(), key=lambda kv: -kv[1])
                                                if abs(v) >= 0.5},
                       "marginal_by_function": [[cat, fn, round(v, 1)] for (cat, fn), v in top
                                                if v >= 0.5],
                       "all_functions": {f"{cat}\t{fn}": round(v, 2) for (cat, fn), v in per_fn.items()
                                         if abs(v) >= 0.05},
                       "callgrind_out_n2": o2}
                raw.append(rec)
                log(f"callgrind rep{rep + 1} {phase:7} {key:14} marginal {rec['marginal_ir_per_msg']:.0f} Ir/msg"
                    + (f", {rec['queue_full_retries_n2']} _QUEUE_FULL retries" if rec["queue_full_retries_n2"] else ""))
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
        if r["phase"] == "async":
            continue
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


# The targets for the async rows: (row, what it is compared with, limit).
ASYNC_TARGETS = [
    ("window/D", ("produce", "A"), 1.15),
    ("window/D", ("async", "window/C"), 0.85),
    ("join_all/D", ("async", "join_all/C"), 0.85),
    ("spawn/D", ("async", "spawn/C"), 0.85),
    ("in_turn/D", ("async", "in_turn/C"), 0.85),
    ("pfuture/D", ("async", "spawn/C"), 0.85),
    ("backpressure/D", ("async", "backpressure/C"), 0.85),
    ("stream/D", ("consume", "A"), 1.00),
    ("threads4/D", ("produce", "A"), 1.05),
]


def async_markdown(records):
    """The issue's table: each async pattern, rust-rdkafka (C) beside rkafka (D), with the
    ratios to C and to raw C's synchronous produce / poll consume (A); then the targets and,
    for every D row, the functions that differ most from the C row of the same pattern."""
    cg = {(r["phase"], r["client"]): r for r in records}
    rows = [r for r in records if r["phase"] == "async"]
    if not rows:
        return []
    a_p, a_c = cg.get(("produce", "A")), cg.get(("consume", "A"))
    md = ["### Async patterns: instructions per message (valgrind callgrind)\n",
          "Marginal Ir/msg as above (tokio " + ("current-thread" if rows[0].get("rt", "ct") == "ct" else "multi-thread")
          + " runtime; N1/N2 per row; in_turn at a tenth of the messages, backpressure at "
          f"{BACKPRESSURE_COUNTS[0]:,}/{BACKPRESSURE_COUNTS[1]:,}). C = rust-rdkafka 0.39 FutureProducer / "
          "StreamConsumer / BaseProducer (threads4), D = rkafka send / produce_future / MessageStream / Producer "
          "(threads4). vs A: raw C's synchronous produce (consume: poll) of the table above. "
          "_QUEUE_FULL retries: produce calls beyond the messages in the N2 run (callgrind call counts).\n",
          "| pattern | N1 / N2 | C rust-rdkafka Ir/msg | D rkafka Ir/msg | D / C | D / A | C / A | each rep (D) | _QUEUE_FULL retries C / D |",
          "|---|---|---|---|---|---|---|---|---|"]
    seen = []
    for r in rows:
        w = r["client"].split("/")[0]
        if w not in seen:
            seen.append(w)
    for w in seen:
        c, d = cg.get(("async", f"{w}/C")), cg.get(("async", f"{w}/D"))
        base = a_c if w == "stream" else a_p
        ref = c or (cg.get(("async", "spawn/C")) if w == "pfuture" else None)
        x = d or c

        def f(r):
            return f"{r['marginal_ir_per_msg']:.0f}" if r else "-"

        def rt_(num, den):
            return f"{num['marginal_ir_per_msg'] / den['marginal_ir_per_msg']:.3f}x" if num and den else "-"

        retries = " / ".join("-" if r is None or r.get("queue_full_retries_n2") is None
                             else f"{r['queue_full_retries_n2']:,}" for r in (c, d))
        note = " (vs spawn/C)" if w == "pfuture" and d and not c else ""
        md.append(f"| {h.ASYNC_TITLES.get(w, w)} | {x['n1']:,} / {x['n2']:,} | {f(c)} | {f(d)} | "
                  f"{rt_(d, ref)}{note} | {rt_(d, base)} | {rt_(c, base)} | "
                  f"{', '.join(f'{v:.0f}' for v in (d or {}).get('marginal_reps', []))} | {retries} |")
    md.append("")
    md.append("Targets:\n")
    for row, ref, limit in ASYNC_TARGETS:
        d, b = cg.get(("async", row)), cg.get(ref)
        if not (d and b):
            continue
        r = d["marginal_ir_per_msg"] / b["marginal_ir_per_msg"]
        md.append(f"- {'met' if r <= limit else '**MISSED**'}: {row} / {ref[1]} = {r:.3f} (target <= {limit:.2f})")
    bp = cg.get(("async", "backpressure/D"))
    if bp and bp.get("queue_full_retries_n2") is not None:
        md.append(f"- {'met' if bp['queue_full_retries_n2'] == 0 else '**MISSED**'}: backpressure/D "
                  f"_QUEUE_FULL retries = {bp['queue_full_retries_n2']:,} (target: no storm; 0)")
    md.append("")
    for w in seen:
        d = cg.get(("async", f"{w}/D"))
        c = cg.get(("async", f"{w}/C")) or (cg.get(("async", "spawn/C")) if w == "pfuture" else None)
        base = c or (a_c if w == "stream" else a_p)
        if not (d and base):
            continue
        bf = {}
        for k, v in base["all_functions"].items():
            bf[k.split("\t", 1)[1]] = bf.get(k.split("\t", 1)[1], 0) + v
        df = {}
        for k, v in d["all_functions"].items():
            df[k] = df.get(k, 0) + v
        md.append(f"#### {w}/D: top functions (marginal self Ir/msg) beside {base['client']}'s\n")
        md.append(f"| function | code | D Ir/msg | {base['client']} Ir/msg | D - {base['client']} |")
        md.append("|---|---|---|---|---|")
        for cat, fn, v in d["marginal_by_function"][:18]:
            bv = bf.get(fn)
            short = (fn if len(fn) <= 90 else fn[:87] + "...").replace("|", "\\|")
            md.append(f"| `{short}` | {cat} | {v:.1f} | {'-' if bv is None else f'{bv:.1f}'} | {v - (bv or 0):+.1f} |")
        md.append("")
    return md


def verdict(recs):
    """`rkafka/C instr ratio: produce=<x> consume=<y> async_send=<z>`: rkafka (D) over raw C
    (A), callgrind marginal Ir/msg; async_send is D's window of send futures over A's
    synchronous produce."""
    cg = {(r["phase"], r["client"]): r["marginal_ir_per_msg"] for r in recs}

    def rr(num, den):
        x, y = cg.get(num), cg.get(den)
        return f"{x / y:.3f}" if x and y else "n/a"

    return (f"rkafka/C instr ratio: produce={rr(('produce', 'D'), ('produce', 'A'))} "
            f"consume={rr(('consume', 'D'), ('consume', 'A'))} "
            f"async_send={rr(('async', 'window/D'), ('produce', 'A'))}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", default="A,C,D,Dc,Dg,Db")
    ap.add_argument("--phases", default="produce,consume")
    ap.add_argument("--n1", type=int, default=20_000)
    ap.add_argument("--n2", type=int, default=100_000)
    ap.add_argument("--size", type=int, default=100)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--async", dest="async_workloads", default=",".join(h.ASYNC_GROUP),
                    help="async workloads of the 'async' phase (--phases ...,async)")
    ap.add_argument("--async-clients", default="C,D", help="clients of the async rows")
    ap.add_argument("--rt", default="ct", help="tokio runtime of the async rows: ct or mt")
    ap.add_argument("--from-json", help="do not measure: re-make the tables from this --json file")
    ap.add_argument("--json", help="write the records here (run.py --callgrind FILE reads it)")
    ap.add_argument("--md", help="write the Markdown tables here")
    a = ap.parse_args()
    if a.from_json:
        recs = json.load(open(a.from_json))
    else:
        recs = measure(a.clients.split(","), a.phases.split(","), a.n1, a.n2, a.size, a.json,
                       reps=a.reps, async_workloads=[w for w in a.async_workloads.split(",") if w],
                       rt=a.rt, async_clients=a.async_clients.split(","))
    text = "\n".join(markdown(recs) + async_markdown(recs) + [verdict(recs)]) + "\n"
    if a.md:
        with open(a.md, "w") as f:
            f.write(text)
    print(text)
    print(verdict(recs))


if __name__ == "__main__":
    main()
