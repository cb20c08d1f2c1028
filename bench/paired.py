#!/usr/bin/env python3
"""Paired repetitions: a few clients, one workload, many repetitions against one broker, the
client order rotating each repetition. Each client's rate is divided by A's rate *in the same
repetition* (runs seconds apart share the machine's state), and the median of those paired
ratios is reported beside the plain medians. On a shared machine, where single runs vary by
+-25 %, this resolves differences that the 7-repetition run of run.py cannot.

  python3 bench/paired.py [--broker mock|tansu] [--workload acks1|idem|poll|batch]
                          [--clients A,D,Dg,C] [--reps 25] [--count 1000000]

Clients as in harness.py (built by bench/build.sh). The consume workloads (poll, batch =
consume(1000)) read one topic that A fills once, each run with a group of its own; only A and
D have a batch run (rust-rdkafka has no batch consume).
"""
import argparse
import os
import statistics as st
import sys
import uuid
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--broker", default="mock")
    ap.add_argument("--workload", default="acks1", choices=["acks1", "idem", "poll", "batch"])
    ap.add_argument("--clients", default="A,D,Dg,C")
    ap.add_argument("--reps", type=int, default=25)
    ap.add_argument("--count", type=int, default=1_000_000)
    ap.add_argument("--size", type=int, default=100)
    a = ap.parse_args()
    clients = a.clients.split(",")
    if "A" not in clients:
        clients.insert(0, "A")
    missing = h.missing_binaries(clients)
    if missing:
        raise SystemExit("build first (bench/build.sh): missing " + ", ".join(missing))
    broker = h.Broker(a.broker)
    res = defaultdict(list)
    try:
        phase = h.WORKLOADS[a.workload][0]
        source = None
        if phase == "consume":
            source = f"paired-src-{uuid.uuid4().hex[:8]}"
            rc, out, _, _ = h.run_client(h.command("A", "acks1", broker.bootstrap, source,
                                                   a.count, a.size, warmup=False))
            if rc != 0:
                raise SystemExit("could not fill the source topic:\n" + out[-2000:])
        else:
            h.run_client(h.command("A", "acks1", broker.bootstrap,
                                   f"warm-{uuid.uuid4().hex[:6]}", 10_000, a.size))
        for rep in range(a.reps):
            row = {}
            for c in clients[rep % len(clients):] + clients[:rep % len(clients)]:
                topic = source or f"paired-{uuid.uuid4().hex[:8]}"
                group = f"paired-g-{uuid.uuid4().hex[:8]}"
                rc, out, ru, _ = h.run_client(h.command(c, a.workload, broker.bootstrap, topic,
                                                        a.count, a.size, group))
                r = h.parse_report(c, phase, out)
                if rc != 0 or not r or r.get("msgs") != a.count or not r.get("secs"):
                    raise SystemExit(f"{c} failed (rc={rc}):\n{out[-2000:]}")
                row[c] = (r["msgs"] / r["secs"], (ru.ru_utime + ru.ru_stime) * 1e6 / a.count)
            for c, (rate, cpu) in row.items():
                res[c].append((rate, cpu, rate / row["A"][0]))
            print(f"rep {rep + 1}/{a.reps}: " + ", ".join(f"{c} {row[c][0] / 1e3:,.0f}k" for c in clients),
                  flush=True)
    finally:
        broker.stop()
    print(f"\n{a.broker}, {h.WORKLOAD_TITLES[a.workload]}, {a.count:,} x {a.size} B, {a.reps} paired repetitions\n")
    print("| client | median msgs/s | median of paired ratios to A | best msgs/s | median CPU µs/msg | min CPU µs/msg |")
    print("|---|---|---|---|---|---|")
    for c in clients:
        v = res[c]
        print(f"| {h.CLIENT_NAMES.get(c, c)} | {st.median(x[0] for x in v) / 1e3:,.0f}k | "
              f"{st.median(x[2] for x in v):.3f}x | {max(x[0] for x in v) / 1e3:,.0f}k | "
              f"{st.median(x[1] for x in v):.3f} | {min(x[1] for x in v):.3f} |")


if __name__ == "__main__":
    main()
