# A confluent-kafka-python Consumer driven over stdin/stdout, one JSON command per line, one JSON
# answer per line: tests/tansu/consumer_python_compare.rs runs every operation on this consumer and on an
# rkafka Consumer and compares the answers. Every operation is bounded by its own timeout.
#
# Shapes (the Rust side produces the same ones):
#   partition: {"topic", "partition", "offset" (raw int), "metadata", "leader_epoch", "error" (name)}
#   message:   {"partition", "offset", "value"} or {"error": name, "partition", "offset"}
#   failure:   {"error": name}   (a KafkaException, by KafkaError.name())
import json, sys, time
from confluent_kafka import Consumer, KafkaException, TopicPartition

consumer = None
last = None  # the last message polled (for commit(message=))


def tp_out(tp):
    return {
        "topic": tp.topic,
        "partition": tp.partition,
        "offset": tp.offset,
        "metadata": tp.metadata,
        "leader_epoch": tp.leader_epoch,
        "error": tp.error.name() if tp.error is not None else None,
    }


def tp_in(d):
    args = [d["topic"], d["partition"], d.get("offset", -1001)]
    if d.get("metadata") is not None:
        args.append(d["metadata"])
    return TopicPartition(*args)


def parts_in(cmd):
    return [tp_in(d) for d in cmd["parts"]]


def msg_out(m):
    if m.error() is not None:
        return {"error": m.error().name(), "partition": m.partition(), "offset": m.offset()}
    v = m.value()
    return {"partition": m.partition(), "offset": m.offset(), "value": None if v is None else v.decode()}


def poll_until(cmd):
    """Polls until `count` messages arrived (or `timeout_ms`), then `quiet_ms` more; sorted."""
    global last
    got, in_order, prev = [], True, {}
    deadline = time.time() + cmd["timeout_ms"] / 1000.0
    while len(got) < cmd["count"] and time.time() < deadline:
        m = consumer.poll(0.1)
        if m is None:
            continue
        got.append(msg_out(m))
        if m.error() is None:
            last = m
            if prev.get(m.partition(), -1) >= m.offset():
                in_order = False
            prev[m.partition()] = m.offset()
    quiet_end = time.time() + cmd["quiet_ms"] / 1000.0
    while time.time() < quiet_end:
        m = consumer.poll(0.1)
        if m is not None:
            got.append(msg_out(m))
    got.sort(key=lambda x: (x.get("partition", -1), x.get("offset", -1)))
    return {"msgs": got, "in_order": in_order}


def run(cmd):
    global consumer, last
    op = cmd["op"]
    if op == "new":
        consumer = Consumer(cmd["conf"])
        return None
    if op == "assign":
        consumer.assign(parts_in(cmd))
        return None
    if op == "assignment":
        return [tp_out(t) for t in consumer.assignment()]
    if op == "pause":
        consumer.pause(parts_in(cmd))
        return None
    if op == "resume":
        consumer.resume(parts_in(cmd))
        return None
    if op == "seek":
        consumer.seek(tp_in(cmd["tp"]))
        return None
    if op == "position":
        return [tp_out(t) for t in consumer.position(parts_in(cmd))]
    if op == "committed":
        return [tp_out(t) for t in consumer.committed(parts_in(cmd), timeout=cmd["timeout_ms"] / 1000.0)]
    if op == "commit_offsets":
        return [tp_out(t) for t in consumer.commit(offsets=parts_in(cmd), asynchronous=False)]
    if op == "commit_last":
        return [tp_out(t) for t in consumer.commit(message=last, asynchronous=False)]
    if op == "commit":
        return [tp_out(t) for t in consumer.commit(asynchronous=False)]
    if op == "watermarks":
        r = consumer.get_watermark_offsets(tp_in(cmd["tp"]), timeout=cmd["timeout_ms"] / 1000.0, cached=cmd["cached"])
        return None if r is None else list(r)
    if op == "offsets_for_times":
        return [tp_out(t) for t in consumer.offsets_for_times(parts_in(cmd), timeout=cmd["timeout_ms"] / 1000.0)]
    if op == "poll_until":
        return poll_until(cmd)
    if op == "poll_one":
        deadline = time.time() + cmd["timeout_ms"] / 1000.0
        while time.time() < deadline:
            m = consumer.poll(0.1)
            if m is not None:
                if m.error() is None:
                    last = m
                return msg_out(m)
        return None
    if op == "consume":
        msgs = consumer.consume(num_messages=cmd["n"], timeout=cmd["timeout_ms"] / 1000.0)
        for m in msgs:
            if m.error() is None:
                last = m
        return [msg_out(m) for m in msgs]
    if op == "close":
        consumer.close()
        return None
    raise ValueError("unknown op %r" % op)


for line in sys.stdin:
    line = line.strip()
    if not line:
        continue
    cmd = json.loads(line)
    try:
        out = {"ok": run(cmd)}
    except KafkaException as e:
        out = {"ok": {"error": e.args[0].name()}}
    except (ValueError, TypeError) as e:  # an argument Python refuses before librdkafka sees it
        out = {"ok": {"rejected": "%s: %s" % (type(e).__name__, e)}}
    except Exception as e:  # a bug in the script or a Python-side failure: shown, never hidden
        out = {"exception": "%s: %s" % (type(e).__name__, e)}
    print(json.dumps(out), flush=True)
