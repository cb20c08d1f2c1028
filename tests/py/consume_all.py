# Consumes COUNT messages from TOPIC (from the beginning, with a fresh group) and prints one JSON
# object per message: partition, offset, key/value/headers as hex, timestamp type and value.
# usage: consume_all.py BOOTSTRAP TOPIC COUNT TIMEOUT_S [extra conf as key=value ...]
import json, sys, time
from confluent_kafka import Consumer, TIMESTAMP_CREATE_TIME, TIMESTAMP_LOG_APPEND_TIME

bootstrap, topic, count, timeout = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
conf = {
    "bootstrap.servers": bootstrap,
    "group.id": "py-consume-%s-%d" % (topic, time.time_ns()),
    "auto.offset.reset": "earliest",
    "enable.auto.commit": False,
    "session.timeout.ms": 6000,
}
for kv in sys.argv[5:]:
    k, v = kv.split("=", 1)
    conf[k] = v
c = Consumer(conf)
c.subscribe([topic])
seen = 0
deadline = time.time() + timeout
hx = lambda b: None if b is None else b.hex()
while seen < count and time.time() < deadline:
    msgs = c.consume(num_messages=1000, timeout=1.0)
    for m in msgs:
        if m.error():
            print(json.dumps({"error": m.error().str()}), file=sys.stderr)
            continue
        ts_type, ts = m.timestamp()
        kind = {TIMESTAMP_CREATE_TIME: "create", TIMESTAMP_LOG_APPEND_TIME: "append"}.get(ts_type, "none")
        print(json.dumps({
            "partition": m.partition(), "offset": m.offset(), "key": hx(m.key()), "value": hx(m.value()),
            "headers": [[n, hx(v)] for n, v in (m.headers() or [])], "ts_type": kind, "ts": ts,
        }))
        seen += 1
c.close()
if seen < count:
    print("only %d of %d messages consumed within %ss" % (seen, count, timeout), file=sys.stderr)
    sys.exit(1)
