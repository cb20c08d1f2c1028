//! Produces Avro `User` records with Confluent's wire format, the schema registered in the
//! Schema Registry, like confluent-kafka-python's `examples/avro_producer.py`.
//!
//! ```text
//! cargo run --features avro --example avro_producer -- -b <bootstrap-servers> -s <schema-registry-url>
//!     [-t topic] [-S registry-key=value]... [-X key=value]... [-F file.properties]
//! ```
//! Each stdin line `name|favorite_number|favorite_color` (Python prompts for the three) becomes
//! a record keyed by a unique string; each delivery prints `User record <key> successfully
//! produced to <topic> [<partition>] at offset <offset>`. The topic defaults to
//! `example_serde_avro`; the schema is registered under `<topic>-value` on the first record.
//!
//! Against tansu and a registry: `tests/examples/examples_serdes.rs` runs it against tansu and the
//! registry fixture (no Confluent-compatible registry installs here); by hand,
//! `scripts/brokers.sh start; eval "$(scripts/brokers.sh env)"` and any Confluent Schema
//! Registry: `cargo run --features avro --example avro_producer -- -b "$RKAFKA_TANSU_BOOTSTRAP"
//! -s http://localhost:8081`.

mod common;
#[path = "common/sr_users.rs"]
mod sr_users;

use rkafka::schema_registry::avro::AvroSerializer;
use rkafka::schema_registry::SerializerConfig;
use sr_users::User;

const USAGE: &str = "usage: avro_producer -b <bootstrap-servers> -s <schema-registry-url> [-t topic] [-S registry-key=value]... [-X key=value]... [-F file.properties]";

/// Python's `examples/avro/user_specific.avsc` (with a `long` favorite number).
pub const USER_SCHEMA: &str = r#"{"namespace": "confluent.io.examples.serialization.avro", "name": "User", "type": "record",
 "fields": [{"name": "name", "type": "string"}, {"name": "favorite_number", "type": "long"},
            {"name": "favorite_color", "type": "string"}]}"#;

fn main() {
    let args = sr_users::parse(USAGE, "example_serde_avro");
    let serializer = AvroSerializer::new(&args.registry, USER_SCHEMA, SerializerConfig::default())
        .unwrap_or_else(|e| common::fail(&e.to_string()));
    sr_users::produce(args, serializer, |name, favorite_number, favorite_color| {
        User {
            name,
            favorite_number,
            favorite_color,
        }
    });
}
