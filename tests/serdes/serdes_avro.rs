//! Avro serdes against confluent-kafka-python 2.12.1's `AvroSerializer` / `AvroDeserializer`
//! on the registry fixture and tansu: identical bytes for the same schema and record, ids
//! registered by one client found by the other, records there and back through tansu, schema
//! references, subject name strategies, `use.latest.version`, `normalize.schemas`, and bad
//! input (wrong magic byte, unknown id, registry down, 401, 409).
#![cfg(feature = "avro")]

use crate::common;

use std::time::{Duration, Instant};

use common::registry::{hex, poll_n, py_consume, py_produce, py_serialize, Registry};
use common::{unique, Tansu};
use rkafka::schema_registry::avro::apache_avro::types::Value as Avro;
use rkafka::schema_registry::avro::{AvroDeserializer, AvroSerializer, AvroValue};
use rkafka::schema_registry::{
    DeserializerConfig, Schema, SchemaReference, SchemaRegistryClient, SchemaRegistryError,
    SerializerConfig, SubjectNameStrategy,
};
use rkafka::serialization::{
    Deserializer, DeserializingConsumer, MessageField, SerializationContext, Serializer,
    SerializingProduceError, SerializingProducer, StringDeserializer, StringSerializer,
    TypedMessage, TypedRecord,
};
use rkafka::{Consumer, ErrorCode, Producer, Record};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

const USER: &str = r#"{"type": "record", "name": "User", "namespace": "confluent.io.examples.serialization.avro",
  "fields": [{"name": "name", "type": "string"}, {"name": "favorite_number", "type": "long"},
             {"name": "favorite_color", "type": ["null", "string"], "default": null}]}"#;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct User {
    name: String,
    favorite_number: i64,
    favorite_color: Option<String>,
}

fn users() -> Vec<User> {
    vec![
        User {
            name: "Ada".into(),
            favorite_number: 7,
            favorite_color: Some("blue".into()),
        },
        User {
            name: "Grace Hopper — ünïcode".into(),
            favorite_number: -1 << 40,
            favorite_color: None,
        },
        User {
            name: String::new(),
            favorite_number: 0,
            favorite_color: Some(String::new()),
        },
    ]
}

fn user_json(u: &User) -> Value {
    json!({"name": u.name, "favorite_number": u.favorite_number, "favorite_color": u.favorite_color})
}

fn ctx(topic: &str) -> SerializationContext<'_> {
    SerializationContext::new(topic, MessageField::Value)
}

fn sr(r: &Registry) -> SchemaRegistryClient {
    SchemaRegistryClient::new([("url", r.url())]).unwrap()
}

/// The spec for tests/py/sr_serdes.py: string keys, Avro values with `schema`.
fn spec(r: &Registry, topic: &str, schema: &str, records: Vec<Value>) -> Value {
    json!({"registry": r.url(), "topic": topic, "key": {"kind": "string"},
           "value": {"kind": "avro", "schema": schema}, "records": records})
}

#[test]
fn same_schema_and_record_give_identical_bytes_and_one_id() {
    let r = Registry::start();
    let topic = unique("avro-bytes");
    // Python first: it registers; rkafka then finds the same id (its POST answers the id
    // Python got, no second version).
    let records: Vec<Value> = users()
        .iter()
        .map(|u| json!(["k", user_json(u), null]))
        .collect();
    let py = py_serialize(&spec(&r, &topic, USER, records));
    let ser = AvroSerializer::new(&sr(&r), USER, SerializerConfig::default()).unwrap();
    for (u, (_, pv)) in users().iter().zip(&py) {
        assert_eq!(&hex(&ser.serialize(u, &ctx(&topic)).unwrap()), pv, "{u:?}");
    }
    let subject = format!("{topic}-value");
    assert_eq!(r.ids(&subject), [1]);
    assert_eq!(r.schema_count(), 1);
    assert_eq!(
        &py[0].1[..10],
        "0000000001",
        "magic byte 0 and id 1 big-endian"
    );

    // rkafka first, on another topic and without auto-registering on Python's side: Python
    // finds rkafka's id by lookup.
    let topic2 = unique("avro-bytes-rust-first");
    let ser2 = AvroSerializer::new(&sr(&r), USER, SerializerConfig::default()).unwrap();
    let mine = ser2.serialize(&users()[0], &ctx(&topic2)).unwrap();
    let mut s = spec(
        &r,
        &topic2,
        USER,
        vec![json!(["k", user_json(&users()[0]), null])],
    );
    s["conf"] = json!({"auto.register.schemas": false});
    assert_eq!(py_serialize(&s)[0].1, hex(&mine));
    assert_eq!(
        r.ids(&format!("{topic2}-value")),
        [1],
        "the same schema keeps its global id"
    );
    assert_eq!(
        r.count("POST", &format!("/subjects/{topic2}-value/versions")),
        1
    );

    // Generic values give the same bytes as serde types.
    let generic = AvroValue(Avro::Record(vec![
        ("name".into(), Avro::String("Ada".into())),
        ("favorite_number".into(), Avro::Long(7)),
        (
            "favorite_color".into(),
            Avro::Union(1, Box::new(Avro::String("blue".into()))),
        ),
    ]));
    assert_eq!(
        hex(&ser.serialize(&generic, &ctx(&topic)).unwrap()),
        py[0].1
    );
    let de = AvroDeserializer::new(&sr(&r), None, DeserializerConfig::default()).unwrap();
    let back: AvroValue = de.deserialize(&mine, &ctx(&topic2)).unwrap();
    assert_eq!(back, generic);
}

#[test]
fn records_go_through_tansu_both_ways() {
    let r = Registry::start();
    let t = Tansu::plain();
    // Python produces, rkafka consumes.
    let topic = unique("avro-py-to-rust");
    let records: Vec<Value> = users()
        .iter()
        .enumerate()
        .map(|(i, u)| json!([format!("k{i}"), user_json(u), null]))
        .collect();
    py_produce(&spec(&r, &topic, USER, records), &t.bootstrap());
    let consumer = Consumer::new(t.group_config(&unique("g"))).unwrap();
    consumer.subscribe(&[&topic]).unwrap();
    let c = DeserializingConsumer::new(
        consumer,
        StringDeserializer::default(),
        AvroDeserializer::new(&sr(&r), None, DeserializerConfig::default()).unwrap(),
    );
    let got: Vec<TypedMessage<String, User>> =
        poll_n(&c, 3).into_iter().map(Result::unwrap).collect();
    let values: Vec<User> = got.iter().map(|m| m.value().unwrap().clone()).collect();
    assert_eq!(values, users());
    assert_eq!(got[1].key().unwrap(), "k1");

    // rkafka produces, Python consumes.
    let topic = unique("avro-rust-to-py");
    let p = SerializingProducer::new(
        Producer::new(t.config()).unwrap(),
        StringSerializer::default(),
        AvroSerializer::new(&sr(&r), USER, SerializerConfig::default()).unwrap(),
    );
    for (i, u) in users().iter().enumerate() {
        let k = format!("k{i}");
        p.produce(
            TypedRecord::new(&topic)
                .key(k.as_str())
                .value(u)
                .partition(0),
        )
        .unwrap();
    }
    assert_eq!(p.flush(Duration::from_secs(10)), 0);
    let got = py_consume(&spec(&r, &topic, USER, vec![]), &t.bootstrap(), 3);
    let values: Vec<Value> = got.iter().map(|m| m["value"].clone()).collect();
    assert_eq!(values, users().iter().map(user_json).collect::<Vec<_>>());
    assert_eq!(r.ids(&format!("{topic}-value")), [1]);
}

const ADDRESS: &str = r#"{"type":"record","name":"Address","namespace":"geo","fields":[{"name":"street","type":"string"},{"name":"zip","type":"int"}]}"#;
const PERSON: &str = r#"{"type":"record","name":"Person","namespace":"people","fields":[{"name":"name","type":"string"},{"name":"home","type":"geo.Address"},{"name":"tags","type":{"type":"array","items":"string"}},{"name":"scores","type":{"type":"map","values":"double"}}]}"#;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Address {
    street: String,
    zip: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Person {
    name: String,
    home: Address,
    tags: Vec<String>,
    scores: std::collections::BTreeMap<String, f64>,
}

#[test]
fn schema_references_work_both_ways() {
    let r = Registry::start();
    let t = Tansu::plain();
    let client = sr(&r);
    client
        .register_schema("geo.Address", &Schema::new(ADDRESS, "AVRO"), false)
        .unwrap();
    let refs = vec![SchemaReference::new("geo.Address", "geo.Address", 1)];
    let person = Person {
        name: "Lin".into(),
        home: Address {
            street: "Main St 1".into(),
            zip: 12345,
        },
        tags: vec!["a".into(), "b".into()],
        scores: [("x".to_string(), 1.5)].into_iter().collect(),
    };
    let person_json = json!({"name": "Lin", "home": {"street": "Main St 1", "zip": 12345}, "tags": ["a", "b"], "scores": {"x": 1.5}});
    let topic = unique("avro-refs");
    // Python's serializer needs the references in its Schema and no auto-registration of them.
    let py_spec = |records: Vec<Value>| {
        let mut s = spec(&r, &topic, "", records);
        s["value"] = json!({"kind": "avro_refs", "schema": PERSON, "references": [["geo.Address", "geo.Address", 1]]});
        s
    };
    let ser = AvroSerializer::from_schema(
        &client,
        Some(Schema::new(PERSON, "AVRO").with_references(refs)),
        SerializerConfig::default(),
    )
    .unwrap();
    let mine = ser.serialize(&person, &ctx(&topic)).unwrap();
    let py = py_serialize(&py_spec(vec![json!(["k", person_json, null])]));
    assert_eq!(py[0].1, hex(&mine));
    assert_eq!(r.schema_count(), 2, "Address once, Person once");

    // Through tansu: Python produces, rkafka reads (resolving the reference from the registry).
    py_produce(
        &py_spec(vec![json!(["k", person_json, null])]),
        &t.bootstrap(),
    );
    let consumer = Consumer::new(t.group_config(&unique("g"))).unwrap();
    consumer.subscribe(&[&topic]).unwrap();
    let fresh = sr(&r);
    let c = DeserializingConsumer::new(
        consumer,
        StringDeserializer::default(),
        AvroDeserializer::new(&fresh, None, DeserializerConfig::default()).unwrap(),
    );
    let got: Person = poll_n(&c, 1)
        .pop()
        .unwrap()
        .unwrap()
        .into_parts()
        .1
        .unwrap();
    assert_eq!(got, person);
    // rkafka's bytes, read by Python.
    let raw = Producer::new(t.config()).unwrap();
    raw.produce(Record::new(&topic).key("k").value(&mine).partition(0))
        .unwrap();
    assert_eq!(raw.flush(Duration::from_secs(10)), 0);
    let read = py_consume(&py_spec(vec![]), &t.bootstrap(), 2);
    assert_eq!(read[1]["value"], person_json);
}

#[test]
fn subject_name_strategies_match_pythons() {
    let r = Registry::start();
    let topic = unique("avro-strategy");
    for (name, strategy, subject) in [
        (
            "record_subject_name_strategy",
            SubjectNameStrategy::Record,
            "confluent.io.examples.serialization.avro.User".to_string(),
        ),
        (
            "topic_record_subject_name_strategy",
            SubjectNameStrategy::TopicRecord,
            format!("{topic}-confluent.io.examples.serialization.avro.User"),
        ),
    ] {
        let mut s = spec(
            &r,
            &topic,
            USER,
            vec![json!(["k", user_json(&users()[0]), null])],
        );
        s["conf"] = json!({"subject.name.strategy": name});
        let py = py_serialize(&s);
        let conf = SerializerConfig {
            subject_name_strategy: strategy,
            auto_register_schemas: false,
            ..SerializerConfig::default()
        };
        let ser = AvroSerializer::new(&sr(&r), USER, conf).unwrap();
        assert_eq!(
            hex(&ser.serialize(&users()[0], &ctx(&topic)).unwrap()),
            py[0].1
        );
        assert_eq!(r.ids(&subject), [1], "{name}");
        // The same strategy read from a Python-style config.
        let from_conf = SerializerConfig::from_config(&rkafka::Config::from([
            ("subject.name.strategy", name),
            ("auto.register.schemas", "false"),
        ]))
        .unwrap();
        let record = Some("confluent.io.examples.serialization.avro.User");
        assert_eq!(
            from_conf
                .subject_name_strategy
                .subject(&ctx(&topic), record),
            Some(subject.clone())
        );
        assert!(!from_conf.auto_register_schemas);
    }
}

const USER_V2: &str = r#"{"type": "record", "name": "User", "namespace": "confluent.io.examples.serialization.avro",
  "fields": [{"name": "name", "type": "string"}, {"name": "favorite_number", "type": "long"},
             {"name": "favorite_color", "type": ["null", "string"], "default": null},
             {"name": "team", "type": "string", "default": "none"}]}"#;

#[test]
fn latest_version_and_normalize() {
    let r = Registry::start();
    let client = sr(&r);
    let topic = unique("avro-latest");
    let subject = format!("{topic}-value");
    client
        .register_schema(&subject, &Schema::new(USER, "AVRO"), false)
        .unwrap();
    let v2 = client
        .register_schema(&subject, &Schema::new(USER_V2, "AVRO"), false)
        .unwrap();
    // Python refuses use.latest.version with auto.register.schemas; so does rkafka.
    let both = SerializerConfig {
        use_latest_version: true,
        ..SerializerConfig::default()
    };
    let e = AvroSerializer::new(&client, USER, both).unwrap_err();
    assert!(e.message().contains("cannot enable both"), "{e}");
    // No schema of its own: writes with the latest (v2), like Python with the same conf.
    let conf = SerializerConfig {
        use_latest_version: true,
        auto_register_schemas: false,
        ..SerializerConfig::default()
    };
    let ser = AvroSerializer::from_schema(&client, None, conf).unwrap();
    let rec = json!({"name": "n", "favorite_number": 1, "favorite_color": null, "team": "red"});
    let generic = AvroValue(Avro::Record(vec![
        ("name".into(), Avro::String("n".into())),
        ("favorite_number".into(), Avro::Long(1)),
        (
            "favorite_color".into(),
            Avro::Union(0, Box::new(Avro::Null)),
        ),
        ("team".into(), Avro::String("red".into())),
    ]));
    let mine = ser.serialize(&generic, &ctx(&topic)).unwrap();
    let mut s = spec(&r, &topic, USER_V2, vec![json!(["k", rec, null])]);
    s["conf"] = json!({"use.latest.version": true, "auto.register.schemas": false});
    assert_eq!(py_serialize(&s)[0].1, hex(&mine));
    assert_eq!(&mine[1..5], &v2.to_be_bytes());

    // A v1 record read with use.latest.version is resolved into v2 (the default fills `team`).
    let v1 = AvroSerializer::new(&client, USER, SerializerConfig::default()).unwrap();
    let old = v1.serialize(&users()[0], &ctx(&topic)).unwrap();
    let de = AvroDeserializer::new(
        &client,
        None,
        DeserializerConfig {
            use_latest_version: true,
            ..DeserializerConfig::default()
        },
    )
    .unwrap();
    let AvroValue(Avro::Record(fields)) = de.deserialize(&old, &ctx(&topic)).unwrap() else {
        panic!("a record")
    };
    assert_eq!(
        fields.last().unwrap(),
        &("team".to_string(), Avro::String("none".into()))
    );

    // normalize.schemas goes to the registry as Python sends it.
    let conf = SerializerConfig {
        normalize_schemas: true,
        ..SerializerConfig::default()
    };
    AvroSerializer::new(&client, USER, conf)
        .unwrap()
        .serialize(&users()[0], &ctx("norm"))
        .unwrap();
    assert_eq!(
        r.count("POST", "/subjects/norm-value/versions?normalize=true"),
        1,
        "{:?}",
        r.requests()
    );
}

#[test]
fn bad_input_gives_clear_errors_and_loses_nothing() {
    let r = Registry::with_basic_auth("u", "sr-pass");
    let auth = [
        ("url", r.url()),
        ("basic.auth.user.info", "u:sr-pass".to_string()),
    ];
    let client = SchemaRegistryClient::new(auth.clone()).unwrap();
    let topic = unique("avro-bad");
    let c = ctx(&topic);
    let ser = AvroSerializer::new(&client, USER, SerializerConfig::default()).unwrap();
    let good = ser.serialize(&users()[0], &c).unwrap();
    let de = AvroDeserializer::new(&client, None, DeserializerConfig::default()).unwrap();

    // Wrong magic byte, too short, unknown schema id.
    let mut wrong = good.clone();
    wrong[0] = 7;
    let e = Deserializer::<User>::deserialize(&de, &wrong, &c).unwrap_err();
    assert!(e.message().contains("Invalid magic byte 0x07"), "{e}");
    let e = Deserializer::<User>::deserialize(&de, &good[..5], &c).unwrap_err();
    assert!(
        e.message()
            .contains("Expecting data framing of length 6 bytes or more"),
        "{e}"
    );
    let mut unknown = good.clone();
    unknown[1..5].copy_from_slice(&999i32.to_be_bytes());
    let e = Deserializer::<User>::deserialize(&de, &unknown, &c).unwrap_err();
    assert_eq!(
        e.cause::<SchemaRegistryError>().unwrap().error_code(),
        40403,
        "{e}"
    );
    assert!(e.message().contains("writer schema id 999"), "{e}");
    // A record that does not fit the schema.
    let e = Serializer::<Value>::serialize(&ser, &json!({"name": 5}), &c).unwrap_err();
    assert!(
        e.message().contains("does not match the Avro schema"),
        "{e}"
    );
    // Not registered and auto-registration off: the lookup's 404, named.
    let conf = SerializerConfig {
        auto_register_schemas: false,
        ..SerializerConfig::default()
    };
    let e = AvroSerializer::new(&client, USER_V2, conf)
        .unwrap()
        .serialize(&users()[0], &ctx("elsewhere"))
        .unwrap_err();
    assert!(
        e.message()
            .contains("looking the schema up under subject `elsewhere-value`"),
        "{e}"
    );
    assert!(e.cause::<SchemaRegistryError>().unwrap().is_not_found());

    // 409: an incompatible schema is refused when auto-registering, and nothing is produced.
    let t = Tansu::plain();
    let bad_v2 = r#"{"type":"record","name":"User","namespace":"confluent.io.examples.serialization.avro","fields":[{"name":"name","type":"string"},{"name":"age","type":"int"}]}"#;
    let p = SerializingProducer::new(
        Producer::new(t.config()).unwrap(),
        StringSerializer::default(),
        AvroSerializer::new(&client, bad_v2, SerializerConfig::default()).unwrap(),
    );
    let e = p
        .produce(
            TypedRecord::new(&topic)
                .key("k")
                .value(&json!({"name": "x", "age": 1})),
        )
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::ValueSerialization);
    let cause = e
        .serialization_error()
        .unwrap()
        .cause::<SchemaRegistryError>()
        .unwrap();
    assert_eq!(cause.http_status_code(), Some(409), "{e}");
    assert_eq!(p.len(), 0);

    // 401: wrong credentials, and the password is not in the error.
    let wrong_pw = SchemaRegistryClient::new([
        ("url", r.url()),
        ("basic.auth.user.info", "u:nope-pass".to_string()),
    ])
    .unwrap();
    let e = AvroSerializer::new(&wrong_pw, USER, SerializerConfig::default())
        .unwrap()
        .serialize(&users()[0], &ctx("other"))
        .unwrap_err();
    assert_eq!(
        e.cause::<SchemaRegistryError>().unwrap().http_status_code(),
        Some(401),
        "{e}"
    );
    assert!(!e.to_string().contains("nope-pass"));

    // Registry down: bounded, clear, and the message is not produced.
    let fresh = SchemaRegistryClient::new(auth).unwrap();
    let p = SerializingProducer::new(
        Producer::new(t.config()).unwrap(),
        StringSerializer::default(),
        AvroSerializer::new(&fresh, USER, SerializerConfig::default()).unwrap(),
    );
    r.stop();
    let start = Instant::now();
    let e = p
        .produce(TypedRecord::new(&topic).key("k").value(&users()[0]))
        .unwrap_err();
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
    assert!(
        matches!(e, SerializingProduceError::ValueSerialization(_)),
        "{e}"
    );
    assert!(e
        .serialization_error()
        .unwrap()
        .cause::<SchemaRegistryError>()
        .unwrap()
        .is_transport());
    assert!(e.to_string().contains("unreachable"), "{e}");
    assert_eq!(p.len(), 0);
    assert_eq!(p.flush(Duration::from_secs(5)), 0);
}
