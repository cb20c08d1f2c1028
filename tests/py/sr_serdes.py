# confluent-kafka-python 2.12.1's serializers, for tests/mock/serialization.rs and tests/serdes_*.rs.
#
#   sr_serdes.py serialize  SPEC            -> one hex line per record (no Kafka)
#   sr_serdes.py produce    SPEC BOOTSTRAP  -> SerializingProducer, prints "ok N"
#   sr_serdes.py consume    SPEC BOOTSTRAP GROUP N -> DeserializingConsumer, one JSON line per message
#
# SPEC is a JSON object: {"format": "primitives"|"avro"|"json"|"protobuf", "topic": ..., "registry": url,
#  "key": {...}, "value": {...}, "records": [[key, value, headers], ...], "conf": {serializer conf}}
# where "key"/"value" describe the serde: {"kind": "string", "codec": "utf_8"}, {"kind": "integer"},
# {"kind": "double"}, {"kind": "avro", "schema": "..."}, {"kind": "json", "schema": "..."},
# {"kind": "protobuf", "proto_dir": DIR, "file": "x.proto", "message": "pkg.Msg"}, {"kind": "none"}.
import importlib
import json
import os
import subprocess
import sys
import tempfile

from confluent_kafka import DeserializingConsumer, SerializingProducer
from confluent_kafka.serialization import (DoubleDeserializer, DoubleSerializer, IntegerDeserializer,
                                           IntegerSerializer, MessageField, SerializationContext,
                                           StringDeserializer, StringSerializer)

mode, spec = sys.argv[1], json.loads(sys.argv[2])
_registry = None


def registry():
    global _registry
    if _registry is None:
        from confluent_kafka.schema_registry import SchemaRegistryClient
        conf = {"url": spec["registry"]}
        conf.update(spec.get("registry_conf", {}))
        _registry = SchemaRegistryClient(conf)
    return _registry


_pb_modules = {}


def pb_class(d):
    """The generated message class (protoc from grpcio-tools, into a temp dir)."""
    key = (d["proto_dir"], d["file"])
    if key not in _pb_modules:
        out = tempfile.mkdtemp(prefix="rkafka-pb2-")
        from grpc_tools import protoc
        import grpc_tools
        include = os.path.join(os.path.dirname(grpc_tools.__file__), "_proto")
        files = [f for f in os.listdir(d["proto_dir"]) if f.endswith(".proto")]
        rc = protoc.main(["protoc", "-I" + d["proto_dir"], "-I" + include, "--python_out=" + out] + files)
        assert rc == 0, "protoc failed"
        sys.path.insert(0, out)
        _pb_modules[key] = importlib.import_module(d["file"][:-len(".proto")].replace("/", ".") + "_pb2")
    cls = _pb_modules[key]
    for part in d["message"].split(".")[len(cls.DESCRIPTOR.package.split(".")) if cls.DESCRIPTOR.package else 0:]:
        cls = getattr(cls, part)
    return cls


def schema_with_refs(d, schema_type):
    from confluent_kafka.schema_registry import Schema, SchemaReference
    refs = [SchemaReference(n, s, v) for n, s, v in d.get("references", [])]
    return Schema(d["schema"], schema_type, references=refs)


def callables(conf):
    """Strategy names (`record_subject_name_strategy`, ...) to the functions Python takes."""
    import confluent_kafka.schema_registry as sr
    for k in ("subject.name.strategy", "reference.subject.name.strategy"):
        if isinstance(conf.get(k), str):
            conf[k] = getattr(sr, conf[k])
    return conf


def serializer(d):
    conf = callables(dict(spec.get("conf", {})))
    kind = d["kind"]
    if kind == "none":
        return None
    if kind == "string":
        return StringSerializer(d.get("codec", "utf_8"))
    if kind == "integer":
        return IntegerSerializer()
    if kind == "double":
        return DoubleSerializer()
    if kind == "avro":
        from confluent_kafka.schema_registry.avro import AvroSerializer
        return AvroSerializer(registry(), d["schema"], conf=conf)
    if kind == "avro_refs":
        from confluent_kafka.schema_registry.avro import AvroSerializer
        return AvroSerializer(registry(), schema_with_refs(d, "AVRO"), conf=conf)
    if kind == "json":
        from confluent_kafka.schema_registry.json_schema import JSONSerializer
        return JSONSerializer(d["schema"], registry(), conf=conf)
    if kind == "json_refs":
        from confluent_kafka.schema_registry.json_schema import JSONSerializer
        return JSONSerializer(schema_with_refs(d, "JSON"), registry(), conf=conf)
    if kind == "protobuf":
        from confluent_kafka.schema_registry.protobuf import ProtobufSerializer
        from google.protobuf import json_format
        cls = pb_class(d)
        inner = ProtobufSerializer(cls, registry(), conf=conf)
        return lambda obj, ctx: inner(json_format.ParseDict(obj, cls()), ctx)
    raise ValueError(kind)


def deserializer(d):
    kind = d["kind"]
    conf = callables(dict(spec.get("deconf", {})))
    if kind == "none":
        return None
    if kind == "string":
        return StringDeserializer(d.get("codec", "utf_8"))
    if kind == "integer":
        return IntegerDeserializer()
    if kind == "double":
        return DoubleDeserializer()
    if kind in ("avro", "avro_refs"):
        from confluent_kafka.schema_registry.avro import AvroDeserializer
        return AvroDeserializer(registry(), None, conf=conf)
    if kind == "json":
        from confluent_kafka.schema_registry.json_schema import JSONDeserializer
        return JSONDeserializer(d.get("schema"), schema_registry_client=registry(), conf=conf)
    if kind == "json_refs":
        from confluent_kafka.schema_registry.json_schema import JSONDeserializer
        return JSONDeserializer(schema_with_refs(d, "JSON"), schema_registry_client=registry(), conf=conf)
    if kind == "protobuf":
        from confluent_kafka.schema_registry.protobuf import ProtobufDeserializer
        from google.protobuf import json_format
        inner = ProtobufDeserializer(pb_class(d), conf=conf, schema_registry_client=registry())
        return lambda data, ctx: json_format.MessageToDict(inner(data, ctx), preserving_proto_field_name=True)
    raise ValueError(kind)


def plain(v):
    """JSON-printable form of a deserialized object."""
    if isinstance(v, bytes):
        return {"bytes": v.hex()}
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [plain(x) for x in v]
    return v


# "records_text": the records as JSON text, so objects keep the member order they were written in.
records = json.loads(spec["records_text"]) if "records_text" in spec else spec.get("records", [])
if mode == "serialize":
    ks, vs = serializer(spec["key"]), serializer(spec["value"])
    for key, value, _headers in records:
        kb = ks(key, SerializationContext(spec["topic"], MessageField.KEY)) if ks and key is not None else key
        vb = vs(value, SerializationContext(spec["topic"], MessageField.VALUE)) if vs and value is not None else value
        raw = lambda b: (b.encode() if isinstance(b, str) else b or b"").hex()
        print(raw(kb), raw(vb))
elif mode == "produce":
    conf = {"bootstrap.servers": sys.argv[3]}
    ks, vs = serializer(spec["key"]), serializer(spec["value"])
    if ks:
        conf["key.serializer"] = ks
    if vs:
        conf["value.serializer"] = vs
    p = SerializingProducer(conf)
    errors = []
    for key, value, headers in records:
        p.produce(spec["topic"], key=key, value=value, partition=spec.get("partition", 0),
                  headers=[(k, v.encode()) for k, v in (headers or [])] or None,
                  on_delivery=lambda err, msg: err and errors.append(str(err)))
    assert p.flush(20) == 0 and not errors, errors
    print("ok", len(records))
elif mode == "consume":
    conf = {"bootstrap.servers": sys.argv[3], "group.id": sys.argv[4], "auto.offset.reset": "earliest",
            "session.timeout.ms": 6000, "heartbeat.interval.ms": 500}
    kd, vd = deserializer(spec["key"]), deserializer(spec["value"])
    if kd:
        conf["key.deserializer"] = kd
    if vd:
        conf["value.deserializer"] = vd
    c = DeserializingConsumer(conf)
    c.subscribe([spec["topic"]])
    want, got = int(sys.argv[5]), 0
    import time
    deadline = time.time() + 40
    while got < want and time.time() < deadline:
        m = c.poll(0.5)
        if m is None:
            continue
        headers = [[k, v.decode() if v is not None else None] for k, v in (m.headers() or [])]
        print(json.dumps({"key": plain(m.key()), "value": plain(m.value()), "headers": headers,
                          "offset": m.offset()}), flush=True)
        got += 1
    c.close()
    assert got == want, f"consumed {got} of {want}"
else:
    raise ValueError(mode)
