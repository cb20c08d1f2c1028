//! `rkafka::serialization` against confluent-kafka-python 2.12.1: the String, Integer and
//! Double serializers write Python's bytes; `SerializingProducer` and `DeserializingConsumer`
//! interoperate with Python's through tansu, both ways; key and value errors are told apart
//! and lose nothing.

use crate::common;

use std::time::Duration;

use common::registry::{hex, poll_n, py_consume, py_produce, py_serialize};
use common::{unique, Tansu};
use rkafka::serialization::{
    BytesSerializer, Deserializer, DeserializingConsumer, DoubleDeserializer, DoubleSerializer,
    IntegerDeserializer, IntegerSerializer, MessageField, SerializationContext, SerializationError,
    Serializer, SerializingProduceError, SerializingProducer, StringDeserializer, StringSerializer,
    TypedMessage, TypedRecord,
};
use rkafka::{Consumer, ErrorCode, Producer, Record};
use serde_json::{json, Value};

fn ctx() -> SerializationContext<'static> {
    SerializationContext::new("t", MessageField::Value)
}

/// Python's bytes for `records` with the serde `key` / `value` specs (tests/py/sr_serdes.py).
fn python_bytes(key: Value, value: Value, records: Value) -> Vec<(String, String)> {
    py_serialize(&json!({"topic": "t", "key": key, "value": value, "records": records}))
}

#[test]
fn string_integer_and_double_bytes_equal_pythons() {
    let texts = ["", "plain", "né à ü", "日本語", "emoji 🎉 𝄞", "\u{0}\u{7f}"];
    let ints = [0, 1, -1, 255, i32::MIN, i32::MAX, 123_456_789];
    let doubles = [
        0.0,
        -0.0,
        1.5,
        -2.25e-308,
        f64::MAX,
        f64::INFINITY,
        f64::NEG_INFINITY,
        1e-5,
        std::f64::consts::PI,
    ];
    for codec in [
        "utf_8",
        "utf-16",
        "utf_16_le",
        "UTF-16-BE",
        "utf_32",
        "utf_32_be",
        "latin_1",
        "ascii",
    ] {
        // Only the texts the codec can encode (Python raises for the others, as rkafka does).
        let encodable: Vec<&str> = texts
            .iter()
            .copied()
            .filter(|t| match codec {
                "latin_1" => t.chars().all(|c| (c as u32) < 0x100),
                "ascii" => t.is_ascii(),
                _ => true,
            })
            .collect();
        let records: Vec<Value> = encodable
            .iter()
            .zip(ints.iter().cycle())
            .map(|(t, i)| json!([t, i, null]))
            .collect();
        let py = python_bytes(
            json!({"kind": "string", "codec": codec}),
            json!({"kind": "integer"}),
            json!(records),
        );
        let s = StringSerializer::new(codec).unwrap();
        let d = StringDeserializer::new(codec).unwrap();
        for ((t, i), (pk, pv)) in encodable.iter().zip(ints.iter().cycle()).zip(&py) {
            let kb = Serializer::<str>::serialize(&s, t, &ctx()).unwrap();
            assert_eq!(&hex(&kb), pk, "codec {codec}, text {t:?}");
            assert_eq!(
                &hex(&IntegerSerializer.serialize(i, &ctx()).unwrap()),
                pv,
                "int {i}"
            );
            assert_eq!(d.deserialize(&kb, &ctx()).unwrap(), *t);
        }
    }
    // JSON carries no infinities: those are checked against their IEEE bytes below.
    let records: Vec<Value> = doubles
        .iter()
        .filter(|d| d.is_finite())
        .map(|d| json!(["k", d, null]))
        .collect();
    let py = python_bytes(
        json!({"kind": "none"}),
        json!({"kind": "double"}),
        json!(records),
    );
    for (d, (_, pv)) in doubles.iter().filter(|d| d.is_finite()).zip(&py) {
        let b = DoubleSerializer.serialize(d, &ctx()).unwrap();
        assert_eq!(&hex(&b), pv, "double {d}");
        assert_eq!(
            DoubleDeserializer
                .deserialize(&b, &ctx())
                .unwrap()
                .to_bits(),
            d.to_bits()
        );
    }
    assert_eq!(
        hex(&DoubleSerializer.serialize(&f64::INFINITY, &ctx()).unwrap()),
        "7ff0000000000000"
    );
    // Wrong lengths are refused, as Python's struct.unpack refuses them.
    assert!(IntegerDeserializer.deserialize(&[1, 2, 3], &ctx()).is_err());
    assert!(DoubleDeserializer.deserialize(&[0; 4], &ctx()).is_err());
    let e = Serializer::<str>::serialize(&StringSerializer::new("ascii").unwrap(), "é", &ctx())
        .unwrap_err();
    assert!(e.message().contains("'ascii' codec can't encode"), "{e}");
    assert!(StringDeserializer::default()
        .deserialize(&[0xff, 0xfe], &ctx())
        .is_err());
}

fn group_consumer(t: &Tansu, group: &str, topic: &str) -> Consumer {
    let c = Consumer::new(t.group_config(group)).unwrap();
    c.subscribe(&[topic]).unwrap();
    c
}

#[test]
fn typed_clients_interoperate_with_pythons_through_tansu() {
    let t = Tansu::plain();
    let topic = unique("ser-rust-to-py");
    let p = SerializingProducer::new(
        Producer::new(t.config()).unwrap(),
        StringSerializer::default(),
        IntegerSerializer,
    );
    for i in 0..5 {
        let key = format!("clé-{i}");
        p.produce(
            TypedRecord::new(&topic)
                .key(key.as_str())
                .value(&(i * 1000 - 1))
                .header("n", format!("{i}"))
                .partition(0),
        )
        .unwrap();
    }
    p.produce(TypedRecord::new(&topic).key("null-value").partition(0))
        .unwrap();
    assert_eq!(p.flush(Duration::from_secs(10)), 0);
    let spec = json!({"topic": topic, "key": {"kind": "string"}, "value": {"kind": "integer"}});
    let got = py_consume(&spec, &t.bootstrap(), 6);
    for (i, m) in got.iter().take(5).enumerate() {
        assert_eq!(m["key"], format!("clé-{i}"));
        assert_eq!(m["value"], i as i64 * 1000 - 1);
        assert_eq!(m["headers"], json!([["n", i.to_string()]]));
    }
    assert_eq!(
        (got[5]["key"].as_str(), &got[5]["value"]),
        (Some("null-value"), &Value::Null)
    );

    // Python's SerializingProducer (UTF-16 keys, doubles) to rkafka's DeserializingConsumer.
    let topic = unique("ser-py-to-rust");
    let records = json!([
        ["α", 0.5, [["h", "x"]]],
        ["β", -1e300, null],
        [null, 3.25, null]
    ]);
    let spec = json!({"topic": topic, "key": {"kind": "string", "codec": "utf_16"}, "value": {"kind": "double"}, "records": records});
    py_produce(&spec, &t.bootstrap());
    let c = DeserializingConsumer::new(
        group_consumer(&t, &unique("g"), &topic),
        StringDeserializer::new("utf_16").unwrap(),
        DoubleDeserializer,
    );
    let got: Vec<TypedMessage<String, f64>> =
        poll_n(&c, 3).into_iter().map(Result::unwrap).collect();
    let pairs: Vec<(Option<&str>, Option<f64>)> = got
        .iter()
        .map(|m| (m.key().map(String::as_str), m.value().copied()))
        .collect();
    assert_eq!(
        pairs,
        [
            (Some("α"), Some(0.5)),
            (Some("β"), Some(-1e300)),
            (None, Some(3.25))
        ]
    );
    assert_eq!(
        got[0].headers(),
        Some(&vec![("h".to_string(), Some(b"x".to_vec()))])
    );
    // The wrapped consumer is reachable: commit what was read.
    c.commit_message(&got[2]).unwrap();
}

#[test]
fn key_and_value_errors_are_told_apart_and_lose_nothing() {
    let t = Tansu::plain();
    let topic = unique("ser-errors");
    let failing_key =
        |k: &str, ctx: &SerializationContext<'_>| -> Result<Vec<u8>, SerializationError> {
            assert_eq!(
                (ctx.topic.is_empty(), ctx.field),
                (false, MessageField::Key)
            );
            if k == "bad" {
                Err(SerializationError::new("keys may not be `bad`"))
            } else {
                Ok(k.as_bytes().to_vec())
            }
        };
    let failing_value =
        |v: &i32, ctx: &SerializationContext<'_>| -> Result<Vec<u8>, SerializationError> {
            assert_eq!(ctx.field, MessageField::Value);
            assert_eq!(ctx.header("trace"), Some(Some(&b"abc"[..])));
            if *v < 0 {
                Err(SerializationError::new("negative"))
            } else {
                IntegerSerializer.serialize(v, ctx)
            }
        };
    let config = t.config().with("message.max.bytes", "1000");
    let p: SerializingProducer<str, i32> =
        SerializingProducer::new(Producer::new(config).unwrap(), failing_key, failing_value);
    let e = p
        .produce(
            TypedRecord::new(&topic)
                .key("bad")
                .value(&1)
                .header("trace", "abc"),
        )
        .unwrap_err();
    assert!(
        matches!(e, SerializingProduceError::KeySerialization(_)),
        "{e}"
    );
    assert_eq!(e.code(), ErrorCode::KeySerialization);
    assert!(e.to_string().contains("keys may not be `bad`"), "{e}");
    let e = p
        .produce(
            TypedRecord::new(&topic)
                .key("ok")
                .value(&-1)
                .header("trace", "abc"),
        )
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::ValueSerialization);
    assert_eq!(
        rkafka::KafkaError::from(e).code(),
        ErrorCode::ValueSerialization
    );
    assert_eq!(p.len(), 0, "a refused record is not enqueued");
    // A record too large is the producer's own refusal.
    let big = "k".repeat(2000);
    let e = p
        .produce(
            TypedRecord::new(&topic)
                .key(big.as_str())
                .value(&1)
                .header("trace", "abc"),
        )
        .unwrap_err();
    assert!(matches!(e, SerializingProduceError::Produce(_)), "{e}");
    assert_eq!(e.code(), ErrorCode::MsgSizeTooLarge);

    // Consumer side: an undecodable value, an undecodable key, then a good message.
    let raw = Producer::new(t.config()).unwrap();
    raw.produce(
        Record::new(&topic)
            .key("k0")
            .value(&[1u8, 2][..])
            .partition(0),
    )
    .unwrap();
    raw.produce(
        Record::new(&topic)
            .key(&[0xffu8, 0xfe][..])
            .value(&[0u8, 0, 0, 7][..])
            .partition(0),
    )
    .unwrap();
    let good = SerializingProducer::new(raw, BytesSerializer, IntegerSerializer);
    good.produce(
        TypedRecord::new(&topic)
            .key(&b"k2"[..])
            .value(&42)
            .partition(0),
    )
    .unwrap();
    assert_eq!(good.flush(Duration::from_secs(10)), 0);
    let c = DeserializingConsumer::new(
        group_consumer(&t, &unique("g"), &topic),
        StringDeserializer::default(),
        IntegerDeserializer,
    );
    let mut got = poll_n(&c, 3).into_iter();
    let e = got.next().unwrap().unwrap_err();
    assert_eq!(e.code(), ErrorCode::ValueDeserialization, "{e}");
    assert!(
        e.to_string().contains("4 bytes, got 2") && e.to_string().contains("@ 0"),
        "{e}"
    );
    assert_eq!(e.kafka_message().unwrap().value(), Some(&[1u8, 2][..]));
    let e = got.next().unwrap().unwrap_err();
    assert_eq!(e.code(), ErrorCode::KeyDeserialization, "{e}");
    assert_eq!(e.kafka_message().unwrap().offset(), 1);
    let m = got.next().unwrap().unwrap();
    assert_eq!(
        (m.key().map(String::as_str), m.value(), m.offset()),
        (Some("k2"), Some(&42), 2)
    );
    assert_eq!(m.message().value(), Some(&[0u8, 0, 0, 42][..]));
}
