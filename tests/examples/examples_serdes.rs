//! The Schema Registry examples run as programs against tansu and the registry fixture:
//! `avro_producer` / `avro_consumer`, `json_producer` / `json_consumer`, `protobuf_producer` /
//! `protobuf_consumer`, each pair checked with confluent-kafka-python's deserializer too.
#![cfg(all(feature = "avro", feature = "json-schema", feature = "protobuf"))]

use crate::common;

use common::registry::{py_consume, Registry};
use common::{run_example, unique, Tansu};
use serde_json::{json, Value};

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Runs `<format>_producer` then `<format>_consumer` on a fresh topic; returns the topic.
fn round_trip(t: &Tansu, r: &Registry, format: &str, lines: &str, produced: usize) -> String {
    let topic = unique(&format!("ex-{format}"));
    let (b, s) = (t.bootstrap(), r.url());
    let out = run_example(
        &format!("{format}_producer"),
        &["-b", &b, "-s", &s, "-t", &topic],
        lines,
    );
    let stdout = text(&out.stdout);
    assert_eq!(
        stdout.matches("successfully produced to").count(),
        produced,
        "{stdout}\n{}",
        text(&out.stderr)
    );
    let n = produced.to_string();
    let out = run_example(
        &format!("{format}_consumer"),
        &[
            "-b",
            &b,
            "-s",
            &s,
            "-t",
            &topic,
            "-g",
            &unique("g"),
            "--max-messages",
            &n,
            "-X",
            "session.timeout.ms=6000",
        ],
        "",
    );
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    assert!(
        stdout.contains("name: Ada\n\tfavorite_number: 7\n\tfavorite_color: blue\n"),
        "{stdout}"
    );
    topic
}

#[test]
fn avro_examples_round_trip_and_python_reads_them() {
    let (t, r) = (Tansu::plain(), Registry::start());
    let topic = round_trip(&t, &r, "avro", "Ada|7|blue\nBob|-3|\n", 2);
    let schema = r.schema(r.ids(&format!("{topic}-value"))[0])["schema"]
        .as_str()
        .unwrap()
        .to_string();
    let spec = json!({"registry": r.url(), "topic": topic, "key": {"kind": "string"}, "value": {"kind": "avro", "schema": schema}});
    let mut values: Vec<Value> = py_consume(&spec, &t.bootstrap(), 2)
        .into_iter()
        .map(|m| m["value"].clone())
        .collect();
    // The two keys may land in different partitions, read in either order.
    values.sort_by_key(|v| v["name"].as_str().map(str::to_string));
    assert_eq!(
        values,
        [
            json!({"name": "Ada", "favorite_number": 7, "favorite_color": "blue"}),
            json!({"name": "Bob", "favorite_number": -3, "favorite_color": ""})
        ]
    );
}

#[test]
fn json_examples_round_trip_and_refuse_invalid_records() {
    let (t, r) = (Tansu::plain(), Registry::start());
    let topic = round_trip(&t, &r, "json", "Ada|7|blue\n", 1);
    let spec = json!({"registry": r.url(), "topic": topic, "key": {"kind": "string"}, "value": {"kind": "json"}});
    assert_eq!(
        py_consume(&spec, &t.bootstrap(), 1)[0]["value"],
        json!({"name": "Ada", "favorite_number": 7, "favorite_color": "blue"})
    );
    // A record the schema refuses is not produced; the next one is; the run exits 1.
    let out = run_example(
        "json_producer",
        &["-b", &t.bootstrap(), "-s", &r.url(), "-t", &topic],
        "Neg|-1|red\nOk|1|red\n",
    );
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("discarding record") && stdout.contains("/favorite_number"),
        "{stdout}"
    );
    assert_eq!(
        stdout.matches("successfully produced").count(),
        1,
        "{stdout}"
    );
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn protobuf_examples_round_trip_and_python_reads_them() {
    let (t, r) = (Tansu::plain(), Registry::start());
    let topic = round_trip(&t, &r, "protobuf", "Ada|7|blue\n", 1);
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/proto");
    let spec = json!({"registry": r.url(), "topic": topic, "key": {"kind": "string"},
                      "value": {"kind": "protobuf", "proto_dir": dir, "file": "user.proto", "message": "example.User"}});
    // Python's json_format renders int64 as a string.
    assert_eq!(
        py_consume(&spec, &t.bootstrap(), 1)[0]["value"],
        json!({"name": "Ada", "favorite_number": "7", "favorite_color": "blue"})
    );
}

#[test]
fn a_registry_that_is_down_fails_the_producer_clearly() {
    let (t, r) = (Tansu::plain(), Registry::start());
    let url = r.url();
    r.stop();
    let out = run_example(
        "avro_producer",
        &["-b", &t.bootstrap(), "-s", &url, "-t", &unique("ex-down")],
        "Ada|7|blue\n",
    );
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("unreachable") && !stdout.contains("successfully"),
        "{stdout}"
    );
    assert_eq!(out.status.code(), Some(1));
}
