//! Protobuf serdes against confluent-kafka-python 2.12.1's `ProtobufSerializer` /
//! `ProtobufDeserializer` (messages from protoc via grpcio-tools there, from prost + protox
//! here) on the registry fixture and tansu: identical bytes (message indexes `[0]`, `[1]`,
//! `[2, 0]`), one id per schema for both clients, imports registered as references both ways,
//! nested messages, maps, enums and a well-known type through tansu, and bad input.
#![cfg(feature = "protobuf")]

use crate::common;
use crate::proto;

use std::time::{Duration, Instant};

use common::registry::{hex, poll_n, py_consume, py_produce, py_serialize, Registry};
use common::{unique, Tansu};
use proto::example::{outer::Inner, Other, Outer, User};
use proto::geo::Address;
use proto::people::{person::phone::Kind, person::Phone, Person};
use rkafka::schema_registry::protobuf::{ProtobufDeserializer, ProtobufSerializer};
use rkafka::schema_registry::{
    DeserializerConfig, SchemaRegistryClient, SchemaRegistryError, SerializerConfig,
};
use rkafka::serialization::{
    Deserializer, DeserializingConsumer, MessageField, SerializationContext, Serializer,
    SerializingProduceError, SerializingProducer, StringDeserializer, StringSerializer,
    TypedRecord,
};
use rkafka::{Consumer, Producer, Record};
use serde_json::{json, Value};

fn ctx(topic: &str) -> SerializationContext<'_> {
    SerializationContext::new(topic, MessageField::Value)
}

fn sr(r: &Registry) -> SchemaRegistryClient {
    SchemaRegistryClient::new([("url", r.url())]).unwrap()
}

/// tests/py/sr_serdes.py's spec for `message` of `file` (protoc-generated there).
fn spec(r: &Registry, topic: &str, file: &str, message: &str, records: Vec<Value>) -> Value {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/proto");
    json!({"registry": r.url(), "topic": topic, "key": {"kind": "string"},
           "value": {"kind": "protobuf", "proto_dir": dir, "file": file, "message": message},
           "records": records})
}

fn person() -> (Person, Value) {
    let p = Person {
        name: "Lin".into(),
        home: Some(Address {
            street: "Main St 1".into(),
            zip: 12345,
        }),
        tags: vec!["a".into(), "ü".into()],
        phones: vec![
            Phone {
                number: "555".into(),
                kind: Kind::Home as i32,
            },
            Phone {
                number: "777".into(),
                kind: Kind::Mobile as i32,
            },
        ],
        scores: [("x".to_string(), -3)].into_iter().collect(),
        born: Some(prost_types::Timestamp {
            seconds: 1_000_000_000,
            nanos: 5000,
        }),
    };
    // Python's json_format form (MessageToDict with proto field names; defaults omitted).
    let j = json!({"name": "Lin", "home": {"street": "Main St 1", "zip": 12345}, "tags": ["a", "ü"],
                   "phones": [{"number": "555", "kind": "HOME"}, {"number": "777"}],
                   "scores": {"x": -3}, "born": "2001-09-09T01:46:40.000005Z"});
    (p, j)
}

#[test]
fn bytes_and_message_indexes_equal_pythons() {
    let r = Registry::start();
    let topic = unique("pb-bytes");
    let user = User {
        name: "Ada".into(),
        favorite_number: -7,
        favorite_color: "blue".into(),
    };
    let user_json = json!({"name": "Ada", "favorite_number": -7, "favorite_color": "blue"});
    // Python first (registers user.proto under <topic>-value), then rkafka: the same id.
    let py = py_serialize(&spec(
        &r,
        &topic,
        "user.proto",
        "example.User",
        vec![json!(["k", user_json, null])],
    ));
    let mine = ProtobufSerializer::<User>::new(&sr(&r), SerializerConfig::default())
        .unwrap()
        .serialize(&user, &ctx(&topic))
        .unwrap();
    assert_eq!(py[0].1, hex(&mine));
    assert_eq!(
        &mine[..6],
        &[0, 0, 0, 0, 1, 0],
        "magic, id 1, indexes [0] as a single 0 byte"
    );
    assert_eq!(r.ids(&format!("{topic}-value")), [1]);
    assert_eq!(
        r.schema_count(),
        1,
        "rkafka's FileDescriptorProto is Python's, byte for byte"
    );

    // Other messages of the same file: indexes [1] and [2, 0], under topic_record subjects.
    let conf = || SerializerConfig {
        subject_name_strategy: rkafka::schema_registry::SubjectNameStrategy::TopicRecord,
        ..SerializerConfig::default()
    };
    let other = ProtobufSerializer::<Other>::new(&sr(&r), conf())
        .unwrap()
        .serialize(&Other { flag: true }, &ctx(&topic))
        .unwrap();
    let inner = Inner {
        x: -2,
        raw: vec![0, 255],
    };
    let nested = ProtobufSerializer::<Inner>::new(&sr(&r), conf())
        .unwrap()
        .serialize(&inner, &ctx(&topic))
        .unwrap();
    assert_eq!(&other[5..7], &[2, 2], "[1]: count 1, index 1 (zig-zag)");
    assert_eq!(&nested[5..8], &[4, 4, 0], "[2, 0]: count 2, 2, 0 (zig-zag)");
    let mut s = spec(
        &r,
        &topic,
        "user.proto",
        "example.Other",
        vec![json!(["k", {"flag": true}, null])],
    );
    s["conf"] = json!({"subject.name.strategy": "topic_record_subject_name_strategy"});
    assert_eq!(py_serialize(&s)[0].1, hex(&other));
    let mut s = spec(
        &r,
        &topic,
        "user.proto",
        "example.Outer.Inner",
        vec![json!(["k", {"x": -2, "raw": "AP8="}, null])],
    );
    s["conf"] = json!({"subject.name.strategy": "topic_record_subject_name_strategy", "auto.register.schemas": false});
    assert_eq!(py_serialize(&s)[0].1, hex(&nested));
    assert_eq!(
        r.ids(&format!("{topic}-example.Outer.Inner")),
        [1],
        "one file, one schema, one id"
    );

    // Reading back, into the right types.
    let de = ProtobufDeserializer::<Inner>::new(Some(&sr(&r)), DeserializerConfig::default());
    assert_eq!(de.deserialize(&nested, &ctx(&topic)).unwrap(), inner);
    let outer = Outer {
        inner: Some(inner),
        ratio: 0.25,
    };
    let bytes = ProtobufSerializer::<Outer>::new(&sr(&r), SerializerConfig::default())
        .unwrap()
        .serialize(&outer, &ctx("outer"))
        .unwrap();
    let back: Outer = ProtobufDeserializer::new(Some(&sr(&r)), DeserializerConfig::default())
        .deserialize(&bytes, &ctx("outer"))
        .unwrap();
    assert_eq!(back, outer);
}

#[test]
fn imports_become_references_and_records_go_through_tansu_both_ways() {
    let r = Registry::start();
    let t = Tansu::plain();
    let topic = unique("pb-person");
    let (p, pj) = person();
    // rkafka first: address.proto is registered under its file name and referenced;
    // google/protobuf/timestamp.proto is skipped (skip.known.types).
    let ser = ProtobufSerializer::<Person>::new(&sr(&r), SerializerConfig::default()).unwrap();
    let mine = ser.serialize(&p, &ctx(&topic)).unwrap();
    assert_eq!(r.ids("address.proto"), [1]);
    let person_id = r.ids(&format!("{topic}-value"))[0];
    assert_eq!(
        r.schema(person_id)["references"],
        json!([{"name": "address.proto", "subject": "address.proto", "version": 1}])
    );
    assert_eq!(r.schema_count(), 2);
    // Python finds both (its own registration answers the existing ids) and writes the same.
    let py = py_serialize(&spec(
        &r,
        &topic,
        "person.proto",
        "people.Person",
        vec![json!(["k", pj, null])],
    ));
    assert_eq!(py[0].1, hex(&mine));
    assert_eq!((r.schema_count(), r.ids("address.proto").len()), (2, 1));

    // Through tansu: Python produces, rkafka consumes; rkafka produces, Python consumes.
    py_produce(
        &spec(
            &r,
            &topic,
            "person.proto",
            "people.Person",
            vec![json!(["k", pj, null])],
        ),
        &t.bootstrap(),
    );
    let consumer = Consumer::new(t.group_config(&unique("g"))).unwrap();
    consumer.subscribe(&[&topic]).unwrap();
    let c = DeserializingConsumer::new(
        consumer,
        StringDeserializer::default(),
        ProtobufDeserializer::<Person>::new(Some(&sr(&r)), DeserializerConfig::default()),
    );
    let got = poll_n(&c, 1).pop().unwrap().unwrap();
    assert_eq!(got.value(), Some(&p));
    let sp = SerializingProducer::new(
        Producer::new(t.config()).unwrap(),
        StringSerializer::default(),
        ser,
    );
    sp.produce(TypedRecord::new(&topic).key("k").value(&p).partition(0))
        .unwrap();
    assert_eq!(sp.flush(Duration::from_secs(10)), 0);
    let read = py_consume(
        &spec(&r, &topic, "person.proto", "people.Person", vec![]),
        &t.bootstrap(),
        2,
    );
    assert_eq!(read[1]["value"], pj);
}

#[test]
fn python_registers_first_and_rkafka_finds_everything() {
    let r = Registry::start();
    let topic = unique("pb-py-first");
    let (p, pj) = person();
    let py = py_serialize(&spec(
        &r,
        &topic,
        "person.proto",
        "people.Person",
        vec![json!(["k", pj, null])],
    ));
    assert_eq!(r.schema_count(), 2);
    // With auto-registration off rkafka only looks up: the import, then the file.
    let conf = SerializerConfig {
        auto_register_schemas: false,
        ..SerializerConfig::default()
    };
    let mine = ProtobufSerializer::<Person>::new(&sr(&r), conf)
        .unwrap()
        .serialize(&p, &ctx(&topic))
        .unwrap();
    assert_eq!(hex(&mine), py[0].1);
    assert_eq!(
        r.count("POST", "/subjects/address.proto/versions"),
        1,
        "only Python registered"
    );
    let de = ProtobufDeserializer::<Person>::new(Some(&sr(&r)), DeserializerConfig::default());
    let py_bytes: Vec<u8> = (0..py[0].1.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&py[0].1[i..i + 2], 16).unwrap())
        .collect();
    assert_eq!(de.deserialize(&py_bytes, &ctx(&topic)).unwrap(), p);
}

#[test]
fn bad_input_gives_clear_errors() {
    let r = Registry::start();
    let topic = unique("pb-bad");
    let user = User {
        name: "x".into(),
        favorite_number: 1,
        favorite_color: String::new(),
    };
    let good = ProtobufSerializer::<User>::new(&sr(&r), SerializerConfig::default())
        .unwrap()
        .serialize(&user, &ctx(&topic))
        .unwrap();
    let de = ProtobufDeserializer::<User>::new(Some(&sr(&r)), DeserializerConfig::default());
    let mut wrong = good.clone();
    wrong[0] = 2;
    assert!(de
        .deserialize(&wrong, &ctx(&topic))
        .unwrap_err()
        .message()
        .contains("Invalid magic byte 0x02"));
    let mut unknown = good.clone();
    unknown[1..5].copy_from_slice(&31i32.to_be_bytes());
    let e = de.deserialize(&unknown, &ctx(&topic)).unwrap_err();
    assert_eq!(
        e.cause::<SchemaRegistryError>().unwrap().error_code(),
        40403,
        "{e}"
    );
    // Indexes [7]: no such message in user.proto.
    let mut bad_index = good[..5].to_vec();
    bad_index.extend_from_slice(&[2, 14]);
    bad_index.extend_from_slice(&good[6..]);
    let e = de.deserialize(&bad_index, &ctx(&topic)).unwrap_err();
    assert!(
        e.message().contains("message indexes [7] name no message"),
        "{e}"
    );
    // A payload that is not Protobuf.
    let mut garbage = good[..6].to_vec();
    garbage.extend_from_slice(&[0xff, 0xff, 0xff]);
    assert!(de
        .deserialize(&garbage, &ctx(&topic))
        .unwrap_err()
        .message()
        .contains("Protobuf decoding failed"));
    // Without a registry the framing is skipped, as in Python.
    let offline = ProtobufDeserializer::<User>::new(None, DeserializerConfig::default());
    assert_eq!(offline.deserialize(&unknown, &ctx(&topic)).unwrap(), user);

    // Registry down while producing: bounded, clear, nothing enqueued.
    let t = Tansu::plain();
    let p = SerializingProducer::new(
        Producer::new(t.config()).unwrap(),
        StringSerializer::default(),
        ProtobufSerializer::<Person>::new(&sr(&r), SerializerConfig::default()).unwrap(),
    );
    r.stop();
    let start = Instant::now();
    let e = p
        .produce(TypedRecord::new(&topic).key("k").value(&person().0))
        .unwrap_err();
    assert!(
        matches!(e, SerializingProduceError::ValueSerialization(_)),
        "{e}"
    );
    assert!(
        e.to_string().contains("import `address.proto`") && e.to_string().contains("unreachable"),
        "{e}"
    );
    assert!(start.elapsed() < Duration::from_secs(3));
    assert_eq!(p.len(), 0);
    let raw = Producer::new(t.config()).unwrap();
    raw.produce(Record::new(&topic).value("x")).unwrap();
    assert_eq!(raw.flush(Duration::from_secs(10)), 0);
}
