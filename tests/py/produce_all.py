# Produces COUNT keyed messages with headers and CreateTime timestamps to TOPIC with
# confluent-kafka-python. Message i: key b"pykey-<i>", value b"pyvalue-<i>-\x00\xff",
# headers [("idx", str(i)), ("py", b"\x01\x02")], timestamp TS_BASE + i.
# usage: produce_all.py BOOTSTRAP TOPIC COUNT TS_BASE
import sys
from confluent_kafka import Producer

bootstrap, topic, count, ts_base = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
failed = []
def dr(err, msg):
    if err:
        failed.append(str(err))
for i in range(count):
    while True:
        try:
            p.produce(topic, key=b"pykey-%d" % i, value=b"pyvalue-%d-\x00\xff" % i,
                      headers=[("idx", str(i).encode()), ("py", b"\x01\x02")],
                      timestamp=ts_base + i, on_delivery=dr)
            break
        except BufferError:
            p.poll(0.05)
    if i % 1000 == 0:
        p.poll(0)
left = p.flush(60)
if failed or left:
    print("failed=%d left=%d first=%s" % (len(failed), left, failed[:1]), file=sys.stderr)
    sys.exit(1)
