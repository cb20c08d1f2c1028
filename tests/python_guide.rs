//! The guide's Python → Rust pages (`src/guide/*.md`, module `rkafka::guide`) against the
//! installed confluent-kafka-python 2.12.1: every public call, class, constant and config
//! callback Python has must be named in the Python column of its page (a row may say why it does not apply), and every `KafkaError` code
//! constant must be the `ErrorCode` of the same value and name.

mod common;

use std::collections::BTreeMap;

use rkafka::ErrorCode;
use serde::Deserialize;

#[derive(Deserialize)]
struct PublicApi {
    /// (guide page title, or `*` for anywhere in the guide; Python name).
    names: Vec<(String, String)>,
    /// `KafkaError.<NAME>` constants and their values.
    error_codes: Vec<(String, i32)>,
}

fn python_api() -> PublicApi {
    serde_json::from_str(&common::run_python_file("public_api.py", &[])).unwrap()
}

/// The Python -> Rust pages of the guide (`rkafka::guide`), as rustdoc shows them.
const PAGES: &[&str] = &[
    include_str!("../src/guide/confluent_kafka.md"),
    include_str!("../src/guide/configuration.md"),
    include_str!("../src/guide/producer.md"),
    include_str!("../src/guide/consumer.md"),
    include_str!("../src/guide/message.md"),
    include_str!("../src/guide/kafka_error.md"),
    include_str!("../src/guide/topic_partition.md"),
    include_str!("../src/guide/admin_client.md"),
    include_str!("../src/guide/admin_types.md"),
    include_str!("../src/guide/aio.md"),
];

/// The guide's pages: title (its `# ` line) → the words in the Python column of its table rows.
fn guide_sections() -> BTreeMap<String, Vec<String>> {
    let mut sections = BTreeMap::new();
    for page in PAGES {
        let mut lines = page.lines();
        let title = lines
            .next()
            .and_then(|l| l.strip_prefix("# "))
            .expect("a guide page starts with its `# ` title");
        let words: &mut Vec<String> = sections.entry(title.to_string()).or_default();
        for line in lines {
            if line.starts_with("| ") && !line.starts_with("|---") {
                let python = line[2..].split(" | ").next().unwrap_or("");
                words.extend(
                    python
                        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '*'))
                        .filter(|w| !w.is_empty())
                        .map(str::to_string),
                );
            }
        }
    }
    sections
}

/// `name` is one of `words`, or matches a `PREFIX_*` word.
fn names(words: &[String], name: &str) -> bool {
    words.iter().any(|w| {
        w == name
            || w.strip_suffix('*')
                .is_some_and(|prefix| !prefix.is_empty() && name.starts_with(prefix))
    })
}

#[test]
fn every_python_call_has_a_row_in_the_guide() {
    let api = python_api();
    let sections = guide_sections();
    let everywhere: Vec<String> = sections.values().flatten().cloned().collect();
    let mut missing = Vec::new();
    for (section, name) in &api.names {
        let words = if section == "*" {
            &everywhere
        } else {
            sections
                .get(section)
                .unwrap_or_else(|| panic!("the guide has no page titled `# {section}`"))
        };
        if !names(words, name) {
            missing.push(format!("{section}: {name}"));
        }
    }
    assert!(
        missing.is_empty(),
        "confluent-kafka-python names without a row in the guide's Python → Rust pages:\n  {}",
        missing.join("\n  ")
    );
    assert!(api.names.len() > 250, "{}", api.names.len());
}

#[test]
fn every_kafka_error_constant_is_the_error_code_of_the_same_name() {
    let api = python_api();
    let mismatched: Vec<String> = api
        .error_codes
        .iter()
        .filter(|(name, value)| ErrorCode::from_raw(*value).name() != *name)
        .map(|(name, value)| {
            format!(
                "KafkaError.{name} = {value} is {:?} ({})",
                ErrorCode::from_raw(*value),
                ErrorCode::from_raw(*value).name()
            )
        })
        .collect();
    assert!(mismatched.is_empty(), "{}", mismatched.join("\n"));
    assert!(api.error_codes.len() > 150, "{}", api.error_codes.len());
}

/// `Display` of `TopicPartition`, `Offset` and `Timestamp` prints what Python's `print` prints
/// for the same values (the timestamp of a delivery report from the same mock cluster, which
/// sets a log append time, to confluent-kafka-python 2.12.1 and to rkafka).
#[test]
fn display_prints_what_pythons_print_prints() {
    use rkafka::{MockCluster, Offset, Producer, Record, TopicPartition};
    use std::sync::{Arc, Mutex};
    let c = MockCluster::new(1).unwrap();
    let producer = Producer::new([("bootstrap.servers", c.bootstrap_servers())]).unwrap();
    let ts = Arc::new(Mutex::new(None));
    let t = ts.clone();
    producer
        .produce(
            Record::new("t")
                .value("x")
                .timestamp(1_700_000_000_000)
                .on_delivery(move |r| *t.lock().unwrap() = Some(r.timestamp())),
        )
        .unwrap();
    assert_eq!(producer.flush(std::time::Duration::from_secs(10)), 0);
    let timestamp = ts.lock().unwrap().expect("delivered");
    let out = common::run_python(
        r#"
import sys
from confluent_kafka import Producer, TopicPartition, OFFSET_BEGINNING
print(TopicPartition("t", 0))
print(TopicPartition("t", 3, 5, leader_epoch=7))
print(TopicPartition("t", 1, OFFSET_BEGINNING).offset)
p = Producer({"bootstrap.servers": sys.argv[1]})
got = []
p.produce("t", b"x", timestamp=1700000000000, on_delivery=lambda e, m: got.append(m.timestamp()))
p.flush(10)
print(got[0])
"#,
        &[c.bootstrap_servers()],
    );
    let rust = [
        TopicPartition::new("t", 0).to_string(),
        TopicPartition::with_offset("t", 3, 5)
            .leader_epoch(7)
            .to_string(),
        TopicPartition::with_offset("t", 1, Offset::Beginning)
            .offset
            .to_string(),
        timestamp.to_string(),
    ];
    assert_eq!(out.lines().collect::<Vec<_>>(), rust);
}

/// The Python column of every table in the module docs (`//!`) of `file`: words keep their
/// dots (`auto.register.schemas`), and a dotted word also names each of its parts.
fn rustdoc_python_words(file: &str) -> Vec<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut words = Vec::new();
    for line in text.lines().filter_map(|l| l.strip_prefix("//! | ")) {
        if line.starts_with("---") {
            continue;
        }
        let python = line.split(" | ").next().unwrap_or("");
        for w in python
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
            .map(|w| w.trim_matches('.'))
            .filter(|w| !w.is_empty())
        {
            words.push(w.to_string());
            words.extend(w.split('.').map(str::to_string));
        }
    }
    words
}

/// `confluent_kafka.serialization`, the serializing clients, `confluent_kafka.error` and
/// `confluent_kafka.schema_registry` (client, serdes, their conf keys): each name is in the
/// Python column of the rustdoc tables of `rkafka::serialization` or `rkafka::schema_registry`.
#[test]
fn every_serialization_and_schema_registry_name_has_a_row_in_the_rustdoc() {
    #[derive(Deserialize)]
    struct Names {
        names: Vec<(String, String)>,
    }
    let out = common::registry::run_sr_python_file("public_api_sr.py", &[]);
    let api: Names = serde_json::from_str(&out).unwrap();
    let mut words: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut missing = Vec::new();
    for (file, name) in &api.names {
        let w = words
            .entry(file.clone())
            .or_insert_with(|| rustdoc_python_words(file));
        if !w.contains(name) {
            missing.push(format!("{file}: {name}"));
        }
    }
    assert!(
        missing.is_empty(),
        "Python names without a row in the rustdoc guide:\n  {}",
        missing.join("\n  ")
    );
    assert!(api.names.len() > 150, "{}", api.names.len());
}
