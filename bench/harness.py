"""Shared pieces of bench/run.py and bench/callgrind.py: where the built clients are, how to
start a broker in its own process, the command line of each client for each workload, and
running one client process with its rusage.

Clients (all built by bench/build.sh):
  A   rdkafka_performance, librdkafka 2.12.1's own C benchmark tool (+ -K/-W)
  B   confluent-kafka-python 2.12.1 (bench/clients/py_bench.py)
  C   rust-rdkafka 0.39 (bench/rust-rdkafka-bench)
  D   rkafka (bench/rkafka-bench): per-message delivery closure; consume via poll/consume(n)
  Dc  rkafka like D, but with the payload copied (Record::value; D hands it over in place
      with Record::value_static, as A does without RD_KAFKA_MSG_F_COPY)
  Dg  rkafka with the producer-wide delivery callback instead of per-message closures
  Db  rkafka produce_batch (runs of 1000) with the producer-wide delivery callback
"""
import json
import os
import re
import socket
import subprocess
import threading
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH)
LAB = os.environ.get("RKAFKA_BENCH_LAB", os.path.join(BENCH, "target", "lab"))
CARGO_TARGET = os.environ.get("RKAFKA_BENCH_CARGO_TARGET", os.path.join(BENCH, "target", "cargo"))
RDPERF = os.path.join(LAB, "librdkafka-2.12.1", "examples", "rdkafka_performance")
MOCK = os.path.join(LAB, "mock", "mockcluster")
PYTHON = os.path.join(LAB, "venv", "bin", "python")
PYBENCH = os.path.join(BENCH, "clients", "py_bench.py")
C_BIN = os.path.join(CARGO_TARGET, "release", "rust-rdkafka-bench")
D_BIN = os.path.join(CARGO_TARGET, "release", "rkafka-bench")
A_LATENCY = os.path.join(LAB, "latency", "latency")
TANSU = os.path.join(os.environ.get("RKAFKA_CACHE", os.path.expanduser("~/.cache/rkafka")),
                     "bin", "tansu-prebuilt")
LOGDIR = os.path.join(BENCH, "target", "logs")
CLK_TCK = os.sysconf("SC_CLK_TCK")

CLIENT_NAMES = {
    "A": "A librdkafka C (rdkafka_performance)",
    "B": "B confluent-kafka-python 2.12.1",
    "C": "C rust-rdkafka 0.39",
    "D": "D rkafka",
    "Dc": "D rkafka, payload copied",
    "Dg": "D rkafka, producer-wide on_delivery",
    "Dt": "D rkafka, producer-wide on_delivery + Record::tag per message",
    "Db": "D rkafka, produce_batch(1000)",
}

# Workloads: (key, phase, acks, idempotence, consume batch size)
WORKLOADS = {
    "acks1": ("produce", "1", False, 0),
    "idem": ("produce", "all", True, 0),
    "poll": ("consume", None, False, 0),
    "batch": ("consume", None, False, 1000),
}
WORKLOAD_TITLES = {
    "acks1": "produce, acks=1",
    "idem": "produce, acks=all + idempotence",
    "poll": "consume via poll()",
    "batch": "consume via consume(1000)",
}
# Async workloads (bench/README.md, "Async workloads"): key -> (phase, pattern, window,
# message-count divisor). C is rust-rdkafka's FutureProducer / StreamConsumer, D rkafka's
# send / produce_future / MessageStream; both on tokio (current-thread unless --rt mt).
# `threads4` is synchronous produce from 4 threads sharing one producer. in_turn waits for each
# acknowledgement (linger.ms=0), so it runs a tenth of the messages. backpressure is the window
# pattern with 200k futures in flight over a 10k-message queue (queue.buffering.max.messages;
# with the usual 100k queue delivery keeps up and the queue never fills).
ASYNC_WORKLOADS = {
    "window": ("produce", "window", 10_000, 1),
    "fwindow": ("produce", "fwindow", 10_000, 1),
    "join_all": ("produce", "join_all", 10_000, 1),
    "spawn": ("produce", "spawn", 10_000, 1),
    "in_turn": ("produce", "in_turn", 1, 10),
    "pfuture": ("produce", "pfuture", 10_000, 1),
    "backpressure": ("produce", "backpressure", 200_000, 1),
    "threads4": ("produce", "threads", 4, 1),
    "stream": ("consume", "stream", 0, 1),
}
ASYNC_TITLES = {
    "window": "async: a window of 10k in-flight send futures, awaiting the oldest",
    "fwindow": "async: a window of 10k eager futures (produce_future / send_result) in a VecDeque, no combinator",
    "join_all": "async: join_all of batches of 10k send futures",
    "spawn": "async: one spawned task per send (10k tasks in flight)",
    "in_turn": "async: await each send in turn (linger.ms=0)",
    "pfuture": "async: one spawned task per produce_future (rkafka only)",
    "backpressure": "async: a window of 200k send futures over a 10k-message queue",
    "threads4": "4 threads sharing one producer, synchronous produce",
    "stream": "async: consumer stream, recv().await",
}
ASYNC_CLIENTS = {"pfuture": ("D",)}  # default: C and D
# Latency at a fixed rate: key -> linger.ms; clients A (bench/latency/latency.c), C, D.
LATENCY_WORKLOADS = {"lat0": "0", "lat5": "5"}
LATENCY_TITLES = {"lat0": "latency at 20k msgs/s, linger.ms=0", "lat5": "latency at 20k msgs/s, linger.ms=5"}
ASYNC_GROUP = list(ASYNC_WORKLOADS)

# Which clients take part in which phase (C has no batch consume in rust-rdkafka 0.39; Dg/Db
# are produce variants of D).
PRODUCE_ONLY = {"Dc", "Dg", "Dt", "Db"}
NO_BATCH_CONSUME = {"C"}


def missing_binaries(clients):
    need = {"A": RDPERF, "B": PYTHON, "C": C_BIN, "D": D_BIN, "Dc": D_BIN, "Dg": D_BIN, "Dt": D_BIN, "Db": D_BIN}
    out = [need[c] for c in clients if not os.path.exists(need[c])]
    return sorted(set(out))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_cpu_s(pid):
    """utime+stime of a live process, in seconds (clock-tick resolution)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


class Broker:
    """A broker in its own process: the librdkafka mock cluster (3 brokers) or tansu
    (memory storage), on free 127.0.0.1 ports."""

    def __init__(self, kind):
        os.makedirs(LOGDIR, exist_ok=True)
        self.kind = kind
        log = open(os.path.join(LOGDIR, f"{kind}.log"), "ab")
        if kind == "mock":
            self.p = subprocess.Popen([MOCK, "3"], stdout=subprocess.PIPE, stderr=log)
            self.bootstrap = self.p.stdout.readline().decode().strip()
        elif kind == "tansu":
            port = free_port()
            url = f"tcp://127.0.0.1:{port}"
            env = dict(os.environ)
            for k in ("OTEL_EXPORTER_OTLP_ENDPOINT", "SCHEMA_REGISTRY"):
                env.pop(k, None)
            self.p = subprocess.Popen(
                [TANSU, "broker", "--listener-url", url, "--advertised-listener-url", url,
                 "--storage-engine", "memory://tansu/"],
                stdout=log, stderr=log, env=env)
            self.bootstrap = f"127.0.0.1:{port}"
            deadline = time.time() + 30
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), 0.2).close()
                    break
                except OSError:
                    if self.p.poll() is not None or time.time() > deadline:
                        break
                    time.sleep(0.1)
        else:
            raise SystemExit(f"unknown broker {kind}")
        if self.p.poll() is not None or not self.bootstrap:
            raise SystemExit(f"broker {kind} failed to start (log: {LOGDIR}/{kind}.log)")

    def cpu_s(self):
        return proc_cpu_s(self.p.pid)

    def stop(self):
        self.p.terminate()
        try:
            self.p.wait(10)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()


# rdkafka_performance always enables librdkafka statistics (which also turns on librdkafka's
# per-request latency histograms) and its own progress display, every second. The other clients
# do neither, so A runs with -T 0 (statistics.interval.ms=0: off) and a one-day display
# interval (-i): A then does the same per-message work as the others.
A_QUIET = "86400000"


def async_count(workload, count):
    """The message count an async workload runs for a requested `count`."""
    return max(1, count // ASYNC_WORKLOADS[workload][3])


def async_command(client, workload, bootstrap, topic, count, size, group=None, warmup=True,
                  rt="ct"):
    """The argv of one async (or threads4) client run: C or D. `count` is used as given (see
    async_count)."""
    phase, pattern, window, _div = ASYNC_WORKLOADS[workload]
    b = {"C": C_BIN, "D": D_BIN}[client]
    if phase == "consume":
        return [b, "stream", bootstrap, topic, str(count), group, rt]
    return [b, "async", pattern, bootstrap, topic, str(count), str(size), str(window), rt,
            "1" if warmup else "0"]


def latency_command(client, workload, bootstrap, topic, rate, secs, size, rt="ct"):
    linger = LATENCY_WORKLOADS[workload]
    if client == "A":
        return [A_LATENCY, bootstrap, topic, str(rate), str(secs), str(size), linger]
    b = {"C": C_BIN, "D": D_BIN}[client]
    return [b, "latency", bootstrap, topic, str(rate), str(secs), str(size), linger, rt]


def command(client, workload, bootstrap, topic, count, size, group=None, warmup=True, rt="ct"):
    """The argv of one client run."""
    if workload in ASYNC_WORKLOADS:
        return async_command(client, workload, bootstrap, topic, count, size, group, warmup, rt)
    phase, acks, idem, batch = WORKLOADS[workload]
    w = "1" if warmup else "0"
    if phase == "produce":
        if client == "A":
            c = [RDPERF, "-P", "-t", topic, "-b", bootstrap, "-s", str(size), "-K", "-T", "0", "-i", A_QUIET,
                 "-c", str(count), "-a", acks,
                 "-X", "linger.ms=5", "-X", "batch.num.messages=10000",
                 "-X", "compression.codec=none",
                 "-X", "queue.buffering.max.messages=100000",
                 "-X", "queue.buffering.max.kbytes=1048576"]
            if idem:
                c += ["-X", "enable.idempotence=true"]
            if warmup:
                c += ["-W"]
            return c
        args = [bootstrap, topic, str(count), str(size), acks, "1" if idem else "0", w]
        if client == "B":
            return [PYTHON, PYBENCH, "produce"] + args
        if client == "C":
            return [C_BIN, "produce"] + args
        dr = {"D": "closure", "Dc": "copy", "Dg": "global", "Dt": "tag", "Db": "batch"}[client]
        return [D_BIN, "produce"] + args + [dr]
    # consume
    if client == "A":
        c = [RDPERF, "-G", group, "-t", topic, "-b", bootstrap, "-c", str(count), "-T", "0", "-i", A_QUIET,
             "-X", "enable.partition.eof=true"]
        if batch:
            c += ["-B", str(batch)]
        return c
    args = [bootstrap, topic, str(count), group]
    if client == "B":
        return [PYTHON, PYBENCH, "consume"] + args + [str(batch)]
    if client == "C":
        return [C_BIN, "consume"] + args
    return [D_BIN, "consume"] + args + [str(batch)]


RE_A_PRODUCE = re.compile(r"% (\d+) messages produced \((\d+) bytes\), (\d+) delivered "
                          r"\(offset -?\d+, (\d+) failed\) in (\d+)ms: (\d+) msgs/s")
RE_A_CONSUME = re.compile(r"% (\d+) messages \((\d+) bytes\) consumed in (\d+)ms: (\d+) msgs/s")


def parse_report(client, phase, out):
    """The client's own report as a dict with at least msgs, bytes, secs; None if absent."""
    if client == "A" and '{"client":"A"' in out:
        # A's latency program prints a JSON line as the Rust clients do.
        for line in out.splitlines():
            if line.startswith("{"):
                return json.loads(line)
    if client == "A":
        if phase == "produce":
            m = RE_A_PRODUCE.findall(out)
            if not m:
                return None
            _msgs, nbytes, delivered, failed, _ms, rate = map(int, m[-1])
            return {"msgs": delivered, "bytes": nbytes, "failed": failed,
                    "secs": delivered / rate if rate else None}
        m = RE_A_CONSUME.findall(out)
        if not m:
            return None
        msgs, nbytes, _ms, rate = map(int, m[-1])
        return {"msgs": msgs, "bytes": nbytes, "secs": msgs / rate if rate else None}
    for line in out.splitlines():
        if line.startswith("{"):
            d = json.loads(line)
            if phase == "produce":
                d["msgs"] = d["delivered"]
            return d
    return None


def run_client(cmd, timeout=600):
    """Runs one client process and reaps it with wait4() to get its rusage (user+sys of all
    its threads, start-up and shutdown included). Killed after `timeout` seconds.
    Returns (exit code, output, rusage, wall seconds)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    killer = threading.Timer(timeout, p.kill)
    killer.start()
    try:
        out = p.stdout.read()  # until the child closes stdout (exits)
        _, status, ru = os.wait4(p.pid, 0)
    finally:
        killer.cancel()
    p.returncode = os.waitstatus_to_exitcode(status)
    return p.returncode, out.decode(errors="replace"), ru, time.perf_counter() - t0
