# For each key in KEYFILE (hex, one per line) prints one line: the partition
# confluent-kafka-python's module functions murmur2, fnv1a and consistent return for
# each partition count in COUNTS (comma-separated), in that order, space-separated.
# Needs confluent-kafka-python 2.16.1 (the functions are new in 2.13).
# usage: partition_for_keys.py KEYFILE COUNTS
import sys

import confluent_kafka as ck

assert ck.version() == "2.16.1", ck.version()
keyfile, counts = sys.argv[1], [int(c) for c in sys.argv[2].split(",")]
functions = [ck.murmur2, ck.fnv1a, ck.consistent]
out = []
with open(keyfile) as f:
    for line in f:
        key = bytes.fromhex(line.strip())
        out.append(" ".join(str(fn(key, n)) for fn in functions for n in counts))
sys.stdout.write("\n".join(out) + "\n")
