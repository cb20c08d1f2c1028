# Produces one message per key read from stdin (hex, one per line) to TOPIC with
# confluent-kafka-python's default partitioner and prints "keyhex partition" per delivery.
# usage: produce_keys.py BOOTSTRAP TOPIC
import sys
from confluent_kafka import Producer

bootstrap, topic = sys.argv[1], sys.argv[2]
p = Producer({"bootstrap.servers": bootstrap})
out = []
failed = []
def dr(err, msg):
    if err:
        failed.append(str(err))
    else:
        out.append("%s %d" % (msg.key().hex(), msg.partition()))
for line in sys.stdin:
    line = line.strip()
    if not line:
        continue
    while True:
        try:
            p.produce(topic, value=b"x", key=bytes.fromhex(line), on_delivery=dr)
            break
        except BufferError:
            p.poll(0.05)
    p.poll(0)
left = p.flush(60)
print("\n".join(out))
if failed or left:
    print("failed=%d left=%d first=%s" % (len(failed), left, failed[:1]), file=sys.stderr)
    sys.exit(1)
