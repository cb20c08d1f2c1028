#!/usr/bin/env python3
"""Client B of the benchmark harness: confluent-kafka-python 2.12.1.

  py_bench.py produce <bootstrap> <topic> <count> <size> <acks> <idem 0|1> <warmup 0|1>
  py_bench.py consume <bootstrap> <topic> <count> <group> [batch]

Same workload and JSON line as clients C and D (see bench/README.md). The producer-wide
`on_delivery` callback sees every report; the produce window ends at the last report, and the
moment `flush()` returns is recorded as `secs_flush_return`. `batch` > 0 consumes with
`consume(batch)` instead of per-message `poll()`.
"""
import json
import sys
import time

import confluent_kafka
from confluent_kafka import Consumer, KafkaError, Producer


def produce(bootstrap, topic, count, size, acks, idem, warmup):
    count, size = int(count), int(size)
    state = {"ok": 0, "err": 0, "target": -1, "last": None}

    def on_delivery(err, _msg):
        if err is None:
            state["ok"] += 1
        else:
            state["err"] += 1
        if state["ok"] + state["err"] == state["target"]:
            state["last"] = time.perf_counter()

    conf = {
        "bootstrap.servers": bootstrap,
        "linger.ms": 5,
        "batch.num.messages": 10000,
        "acks": acks,
        "compression.codec": "none",
        "message.send.max.retries": 3,
        "retry.backoff.ms": 500,
        "queue.buffering.max.messages": 100000,
        "queue.buffering.max.kbytes": 1048576,
        "on_delivery": on_delivery,
    }
    if idem == "1":
        conf["enable.idempotence"] = True
    p = Producer(conf)
    payload = b"x" * size
    if warmup == "1":
        p.produce(topic, payload, (2**64 - 1).to_bytes(8, "big"))
        p.flush(30)
        state["ok"] = state["err"] = 0
    state["target"] = count
    produce_, poll = p.produce, p.poll
    backpressure = 0
    t0 = time.perf_counter()
    for i in range(count):
        key = i.to_bytes(8, "big")
        while True:
            try:
                produce_(topic, payload, key)
                break
            except BufferError:
                backpressure += 1
                poll(0.01)
        if i % 1000 == 999:
            poll(0)
    remaining = p.flush(120)
    t_flush = time.perf_counter()
    last = state["last"] or t_flush
    print(json.dumps({
        "client": "B", "mode": "produce", "msgs": count, "delivered": state["ok"],
        "failed": state["err"], "remaining": remaining, "bytes": count * size,
        "secs": last - t0, "secs_flush_return": t_flush - t0,
        "flush_lag_ms": (t_flush - last) * 1e3, "backpressure": backpressure,
        "libversion": confluent_kafka.libversion()[0],
        "version": confluent_kafka.version()[0]}))


def consume(bootstrap, topic, count, group, batch="0"):
    count, batch = int(count), int(batch)
    c = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": group,
        "auto.offset.reset": "earliest",
        "queued.min.messages": 1000000,
        "session.timeout.ms": 6000,
        "enable.partition.eof": True,
    })
    c.subscribe([topic])
    n = nbytes = errs = 0
    t0 = None
    eof = KafkaError._PARTITION_EOF
    if batch:
        cons = c.consume
        while n < count:
            # never ask for more than remain, so the last call does not wait out its timeout
            for m in cons(min(batch, count - n), 1.0):
                e = m.error()
                if e is not None:
                    if e.code() != eof:
                        errs += 1
                        print(f"consume error: {e}", file=sys.stderr)
                    continue
                if t0 is None:
                    t0 = time.perf_counter()
                n += 1
                nbytes += len(m.value())
    else:
        poll = c.poll
        while n < count:
            m = poll(1.0)
            if m is None:
                continue
            e = m.error()
            if e is not None:
                if e.code() != eof:
                    errs += 1
                    print(f"consume error: {e}", file=sys.stderr)
                continue
            if t0 is None:
                t0 = time.perf_counter()
            n += 1
            nbytes += len(m.value())
    secs = time.perf_counter() - t0
    c.close()
    print(json.dumps({
        "client": "B", "mode": "consume", "msgs": n, "bytes": nbytes, "secs": secs,
        "errors": errs, "batch": batch, "libversion": confluent_kafka.libversion()[0],
        "version": confluent_kafka.version()[0]}))


if __name__ == "__main__":
    {"produce": produce, "consume": consume}[sys.argv[1]](*sys.argv[2:])
