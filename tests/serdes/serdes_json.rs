//! JSON Schema serdes against confluent-kafka-python 2.12.1's `JSONSerializer` /
//! `JSONDeserializer` on the registry fixture and tansu: identical bytes, one id for both
//! clients, records there and back, validation on both sides, references, strategies.
#![cfg(feature = "json-schema")]

use crate::common;

use std::time::Duration;

use common::registry::{hex, poll_n, py_consume, py_produce, py_serialize, Registry};
use common::{unique, Tansu};
use rkafka::schema_registry::json_schema::{JsonDeserializer, JsonSerializer};
use rkafka::schema_registry::{
    DeserializerConfig, Schema, SchemaReference, SchemaRegistryClient, SchemaRegistryError,
    SerializerConfig, SubjectNameStrategy,
};
use rkafka::serialization::{
    Deserializer, DeserializingConsumer, MessageField, SerializationContext, Serializer,
    SerializingProducer, StringDeserializer, StringSerializer, TypedRecord,
};
use rkafka::{Consumer, ErrorCode, Producer, Record};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

const USER: &str = r#"{"$schema": "http://json-schema.org/draft-07/schema#", "title": "User", "type": "object",
  "properties": {"name": {"type": "string"}, "favorite_number": {"type": "integer", "minimum": 0},
                 "favorite_color": {"type": ["string", "null"]}, "score": {"type": "number"}},
  "required": ["name", "favorite_number"]}"#;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct User {
    name: String,
    favorite_number: i64,
    favorite_color: Option<String>,
    score: f64,
}

fn users() -> Vec<User> {
    vec![
        User {
            name: "Ada".into(),
            favorite_number: 7,
            favorite_color: Some("blue".into()),
            score: 0.1,
        },
        User {
            name: "Grâce \"quoted\" \\ 日本".into(),
            favorite_number: 1 << 40,
            favorite_color: None,
            score: -1e-7,
        },
        User {
            name: "tab\tnewline\n".into(),
            favorite_number: 0,
            favorite_color: Some(String::new()),
            score: 12345.5,
        },
    ]
}

fn user_json(u: &User) -> Value {
    serde_json::to_value(u).unwrap()
}

fn ctx(topic: &str) -> SerializationContext<'_> {
    SerializationContext::new(topic, MessageField::Value)
}

fn sr(r: &Registry) -> SchemaRegistryClient {
    SchemaRegistryClient::new([("url", r.url())]).unwrap()
}

fn spec(r: &Registry, topic: &str, value: Value, records: Vec<Value>) -> Value {
    json!({"registry": r.url(), "topic": topic, "key": {"kind": "string"}, "value": value, "records": records})
}

fn user_spec(r: &Registry, topic: &str, records: Vec<Value>) -> Value {
    spec(r, topic, json!({"kind": "json", "schema": USER}), records)
}

#[test]
fn same_schema_and_record_give_identical_bytes_and_one_id() {
    let r = Registry::start();
    let topic = unique("json-bytes");
    // As text, so that Python's dicts have the struct's member order.
    let mut s = user_spec(&r, &topic, vec![]);
    s["records_text"] = json!(serde_json::to_string(
        &users()
            .iter()
            .map(|u| ("k", u, None::<()>))
            .collect::<Vec<_>>()
    )
    .unwrap());
    let py = py_serialize(&s);
    let ser = JsonSerializer::new(&sr(&r), USER, SerializerConfig::default()).unwrap();
    for (u, (_, pv)) in users().iter().zip(&py) {
        assert_eq!(&hex(&ser.serialize(u, &ctx(&topic)).unwrap()), pv, "{u:?}");
    }
    assert_eq!(r.ids(&format!("{topic}-value")), [1]);
    assert_eq!(r.schema_count(), 1);

    // rkafka registers first; Python (auto.register.schemas off) finds its id.
    let topic2 = unique("json-bytes-rust-first");
    let mine = JsonSerializer::new(&sr(&r), USER, SerializerConfig::default())
        .unwrap()
        .serialize(&users()[1], &ctx(&topic2))
        .unwrap();
    let mut s = user_spec(&r, &topic2, vec![]);
    s["records_text"] = json!(serde_json::to_string(&[("k", &users()[1], None::<()>)]).unwrap());
    s["conf"] = json!({"auto.register.schemas": false});
    assert_eq!(py_serialize(&s)[0].1, hex(&mine));
    assert_eq!(r.ids(&format!("{topic2}-value")), [1]);
    // The record strategy uses the schema's title, as Python does.
    let conf = SerializerConfig {
        subject_name_strategy: SubjectNameStrategy::Record,
        ..SerializerConfig::default()
    };
    JsonSerializer::new(&sr(&r), USER, conf)
        .unwrap()
        .serialize(&users()[0], &ctx(&topic))
        .unwrap();
    assert_eq!(r.ids("User"), [1]);
}

#[test]
fn records_go_through_tansu_both_ways() {
    let r = Registry::start();
    let t = Tansu::plain();
    let topic = unique("json-py-to-rust");
    let records: Vec<Value> = users()
        .iter()
        .map(|u| json!(["k", user_json(u), null]))
        .collect();
    py_produce(&user_spec(&r, &topic, records), &t.bootstrap());
    let consumer = Consumer::new(t.group_config(&unique("g"))).unwrap();
    consumer.subscribe(&[&topic]).unwrap();
    let de = JsonDeserializer::new(Some(&sr(&r)), None, DeserializerConfig::default()).unwrap();
    let c = DeserializingConsumer::new(consumer, StringDeserializer::default(), de);
    let got: Vec<User> = poll_n(&c, 3)
        .into_iter()
        .map(|m| m.unwrap().into_parts().1.unwrap())
        .collect();
    assert_eq!(got, users());

    let topic = unique("json-rust-to-py");
    let p = SerializingProducer::new(
        Producer::new(t.config()).unwrap(),
        StringSerializer::default(),
        JsonSerializer::new(&sr(&r), USER, SerializerConfig::default()).unwrap(),
    );
    for u in users() {
        p.produce(TypedRecord::new(&topic).key("k").value(&u).partition(0))
            .unwrap();
    }
    assert_eq!(p.flush(Duration::from_secs(10)), 0);
    let read = py_consume(&user_spec(&r, &topic, vec![]), &t.bootstrap(), 3);
    let values: Vec<Value> = read.iter().map(|m| m["value"].clone()).collect();
    assert_eq!(values, users().iter().map(user_json).collect::<Vec<_>>());
}

#[test]
fn records_failing_validation_are_refused_on_both_sides() {
    let r = Registry::start();
    let t = Tansu::plain();
    let topic = unique("json-invalid");
    let p = SerializingProducer::new(
        Producer::new(t.config()).unwrap(),
        StringSerializer::default(),
        JsonSerializer::new(&sr(&r), USER, SerializerConfig::default()).unwrap(),
    );
    let bad = json!({"name": "x", "favorite_number": -5});
    let e = p
        .produce(TypedRecord::new(&topic).key("k").value(&bad))
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::ValueSerialization);
    assert!(
        e.to_string()
            .contains("JSON Schema validation failed at `/favorite_number`"),
        "{e}"
    );
    assert_eq!(p.len(), 0);
    let e = p
        .produce(
            TypedRecord::new(&topic)
                .key("k")
                .value(&json!({"favorite_number": 1})),
        )
        .unwrap_err();
    assert!(
        e.to_string().contains("\"name\" is a required property"),
        "{e}"
    );
    // Python refuses the same record.
    let script_spec = user_spec(&r, &topic, vec![json!(["k", bad, null])]);
    let py = std::panic::catch_unwind(|| py_serialize(&script_spec));
    assert!(py.is_err(), "Python serialized an invalid record");

    // A payload that breaks the schema (written around the serializer) is refused on reading,
    // and the message is kept in the error.
    let id = r.ids(&format!("{topic}-value"))[0];
    let mut forged = vec![0];
    forged.extend_from_slice(&id.to_be_bytes());
    forged.extend_from_slice(br#"{"name":"x","favorite_number":"seven"}"#);
    let raw = Producer::new(t.config()).unwrap();
    raw.produce(Record::new(&topic).key("k").value(&forged).partition(0))
        .unwrap();
    assert_eq!(raw.flush(Duration::from_secs(10)), 0);
    let consumer = Consumer::new(t.group_config(&unique("g"))).unwrap();
    consumer.subscribe(&[&topic]).unwrap();
    let de = JsonDeserializer::new(Some(&sr(&r)), None, DeserializerConfig::default()).unwrap();
    let c = DeserializingConsumer::new(consumer, StringDeserializer::default(), de);
    let e = poll_n::<String, User>(&c, 1).pop().unwrap().unwrap_err();
    assert_eq!(e.code(), ErrorCode::ValueDeserialization);
    assert!(
        e.to_string()
            .contains("validation failed at `/favorite_number`"),
        "{e}"
    );
    assert_eq!(e.kafka_message().unwrap().value(), Some(&forged[..]));
    // With validation off it is read as it is.
    let lax = JsonDeserializer::new(
        Some(&sr(&r)),
        None,
        DeserializerConfig {
            validate: false,
            ..DeserializerConfig::default()
        },
    )
    .unwrap();
    let v: Value = lax.deserialize(&forged, &ctx(&topic)).unwrap();
    assert_eq!(v["favorite_number"], "seven");

    // Unknown schema id and wrong magic byte.
    let mut unknown = forged.clone();
    unknown[1..5].copy_from_slice(&4242i32.to_be_bytes());
    let e = Deserializer::<Value>::deserialize(&lax, &unknown, &ctx(&topic)).unwrap_err();
    assert_eq!(
        e.cause::<SchemaRegistryError>().unwrap().error_code(),
        40403,
        "{e}"
    );
    forged[0] = b'{';
    let e = Deserializer::<Value>::deserialize(&lax, &forged, &ctx(&topic)).unwrap_err();
    assert!(e.message().contains("Invalid magic byte 0x7b"), "{e}");
}

const ADDRESS: &str = r#"{"type": "object", "properties": {"street": {"type": "string"}, "zip": {"type": "string", "pattern": "^[0-9]{5}$"}}, "required": ["street", "zip"]}"#;
const PERSON: &str = r#"{"title": "Person", "type": "object", "properties": {"name": {"type": "string"}, "home": {"$ref": "address.json"}}, "required": ["name", "home"]}"#;

#[test]
fn references_resolve_through_the_registry_both_ways() {
    let r = Registry::start();
    let t = Tansu::plain();
    let client = sr(&r);
    client
        .register_schema("address", &Schema::new(ADDRESS, "JSON"), false)
        .unwrap();
    let person = Schema::new(PERSON, "JSON").with_references(vec![SchemaReference::new(
        "address.json",
        "address",
        1,
    )]);
    let topic = unique("json-refs");
    let value_spec = json!({"kind": "json_refs", "schema": PERSON, "references": [["address.json", "address", 1]]});
    let rec = json!({"name": "Lin", "home": {"street": "Main", "zip": "12345"}});
    let ser =
        JsonSerializer::from_schema(&client, Some(person), SerializerConfig::default()).unwrap();
    let mine = ser.serialize(&rec, &ctx(&topic)).unwrap();
    assert_eq!(
        py_serialize(&spec(
            &r,
            &topic,
            value_spec.clone(),
            vec![json!(["k", rec, null])]
        ))[0]
            .1,
        hex(&mine)
    );
    // The referenced schema is enforced.
    let e = ser
        .serialize(
            &json!({"name": "Lin", "home": {"street": "Main", "zip": "12"}}),
            &ctx(&topic),
        )
        .unwrap_err();
    assert!(e.message().contains("/home/zip"), "{e}");

    py_produce(
        &spec(
            &r,
            &topic,
            value_spec.clone(),
            vec![json!(["k", rec, null])],
        ),
        &t.bootstrap(),
    );
    let consumer = Consumer::new(t.group_config(&unique("g"))).unwrap();
    consumer.subscribe(&[&topic]).unwrap();
    let de = JsonDeserializer::new(Some(&sr(&r)), None, DeserializerConfig::default()).unwrap();
    let c = DeserializingConsumer::new(consumer, StringDeserializer::default(), de);
    let got: Value = poll_n(&c, 1)
        .pop()
        .unwrap()
        .unwrap()
        .into_parts()
        .1
        .unwrap();
    assert_eq!(got, rec);
    let raw = Producer::new(t.config()).unwrap();
    raw.produce(Record::new(&topic).key("k").value(&mine).partition(0))
        .unwrap();
    assert_eq!(raw.flush(Duration::from_secs(10)), 0);
    let read = py_consume(&spec(&r, &topic, value_spec, vec![]), &t.bootstrap(), 2);
    assert_eq!(read[1]["value"], rec);
}
