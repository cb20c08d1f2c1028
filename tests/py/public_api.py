# Prints confluent-kafka-python's public surface as JSON, for tests/python_guide.rs:
#   {"names": [[section, name], ...], "error_codes": [[name, value], ...]}
# `section` is the title of the guide page (src/guide/*.md, "# " line) whose first column must name
# it, or "*" for anywhere in the guide.
import inspect
import json
import pkgutil
import re

import confluent_kafka as ck
import confluent_kafka.admin as admin
from confluent_kafka.experimental import aio

names = []


def add(section, *items):
    names.extend([section, n] for n in items)


def public(cls):
    """Methods and attributes a user calls; len()/bool() for __len__/__bool__."""
    out = [n for n in dir(cls) if not n.startswith("_")]
    out += [{"__len__": "len", "__bool__": "bool"}[n] for n in ("__len__", "__bool__") if n in cls.__dict__]
    return out


MODULE = "Module `confluent_kafka`"
skip = {"os", "serializing_producer", "deserializing_consumer"}
add(MODULE, *[n for n in dir(ck) if not n.startswith("_") and n not in skip])
add(MODULE, *[m.name for m in pkgutil.iter_modules(ck.__path__)
              if not m.name.startswith("_") and m.name not in skip])

# Callables in the config dict, and subscribe()'s rebalance callbacks.
add("Configuration and callbacks in the config dict", "error_cb", "throttle_cb", "stats_cb",
    "logger", "oauth_cb", "on_delivery", "on_commit", "on_assign", "on_revoke", "on_lost")

add("Producer", "Producer", *public(ck.Producer))
add("Consumer", "Consumer", *public(ck.Consumer))
add("Message", "Message", *public(ck.Message))

err_methods = [n for n in public(ck.KafkaError) if not n.isupper()]
add("KafkaError and KafkaException", "KafkaError", "KafkaException", *err_methods)
error_codes = [[n, getattr(ck.KafkaError, n)] for n in dir(ck.KafkaError)
               if re.fullmatch(r"_?[A-Z][A-Z0-9_]*", n)]

TP = "TopicPartition, ThrottleEvent, metadata"
add(TP, "TopicPartition", *public(ck.TopicPartition))
add(TP, "ThrottleEvent", *re.findall(r":ivar \w+ (\w+):", ck.ThrottleEvent.__doc__))
for cls in (admin.ClusterMetadata, admin.BrokerMetadata, admin.TopicMetadata, admin.PartitionMetadata):
    add(TP, cls.__name__, *vars(cls()).keys())

add("AdminClient", "AdminClient", *public(admin.AdminClient))

# Everything confluent_kafka.admin exports (classes and constants), somewhere in the guide.
not_types = {"AdminClient", "KafkaError", "KafkaException", "concurrent", "warnings", "string_type"}
add("*", *[n for n in dir(admin) if not n.startswith("_") and n not in not_types])
TYPES = "Admin types"
add(TYPES, *[n for n in public(ck.Uuid)])
add(TYPES, *vars(ck.Node(1, "host", 9092, "rack")).keys())
add(TYPES, *vars(ck.ConsumerGroupTopicPartitions("group", [])).keys())
add(TYPES, *vars(ck.TopicPartitionInfo(0, None, [], [])).keys())
add(TYPES, *vars(ck.TopicCollection(["topic"])).keys())

ASYNC = "Async: `confluent_kafka.experimental.aio`"
add(ASYNC, "AIOProducer", *public(aio.AIOProducer))
add(ASYNC, "AIOConsumer", *public(aio.AIOConsumer))
for cls in (aio.AIOProducer, aio.AIOConsumer):
    add(ASYNC, *[p for p in inspect.signature(cls.__init__).parameters if p != "self"])

unique = list(dict.fromkeys(tuple(n) for n in names))
print(json.dumps({"names": unique, "error_codes": error_codes}))
