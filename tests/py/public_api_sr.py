# Prints the public names of confluent_kafka.serialization, the serializing clients,
# confluent_kafka.error and confluent_kafka.schema_registry (with its serdes and their conf
# keys) as JSON {"names": [[file, name], ...]}, for tests/python_guide.rs: each name must be in
# the Python column of a table in the module docs of `file`. Run with the Schema Registry venv.
import inspect
import json
import pkgutil

import confluent_kafka.error as error
import confluent_kafka.schema_registry as sr
import confluent_kafka.schema_registry.avro as avro
import confluent_kafka.schema_registry.json_schema as json_schema
import confluent_kafka.schema_registry.protobuf as protobuf
import confluent_kafka.serialization as ser

names = []


def add(file, *items):
    names.extend([file, n] for n in items)


def public(obj):
    return [n for n in dir(obj) if not n.startswith("_")]


SER = "src/serialization/mod.rs"
add(SER, *ser.__all__)
add(SER, *[m.name for m in ser.MessageField])
add(SER, *inspect.signature(ser.SerializationContext.__init__).parameters.keys() - {"self"})
add(SER, "SerializingProducer", "DeserializingConsumer", "produce", "poll", "consume")
add(SER, *[n for n in public(error) if n not in ("KafkaError", "KafkaException")])

SR = "src/schema_registry/mod.rs"
add(SR, *sr.__all__)
add(SR, *public(sr.SchemaRegistryClient))
add(SR, *[m.name for m in pkgutil.iter_modules(sr.__path__) if not m.name.startswith("_")])
for mod in (avro, json_schema, protobuf):
    add(SR, *[n for n in public(mod) if inspect.getmodule(getattr(mod, n)) is not None
              and getattr(getattr(mod, n), "__module__", "").startswith("confluent_kafka")])
for cls in (avro.AvroSerializer, avro.AvroDeserializer, json_schema.JSONSerializer,
            json_schema.JSONDeserializer, protobuf.ProtobufSerializer, protobuf.ProtobufDeserializer):
    add(SR, *cls._default_conf.keys())
add(SR, "http_status_code", "error_code", "error_message", "UNKNOWN")
add(SR, *[m.name for m in sr.ConfigCompatibilityLevel])
for cls in (sr.Schema, sr.RegisteredSchema, sr.SchemaReference, sr.ServerConfig):
    add(SR, *[f.name for f in cls.__attrs_attrs__])
add(SR, "SchemaVersion", "SchemaId", "reference_subject_name_strategy")

unique = list(dict.fromkeys(tuple(n) for n in names))
print(json.dumps({"names": unique}))
