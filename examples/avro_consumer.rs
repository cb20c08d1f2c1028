//! Consumes Avro `User` records written with Confluent's wire format, reading each with its
//! writer's schema from the Schema Registry, like confluent-kafka-python's
//! `examples/avro_consumer.py`.
//!
//! ```text
//! cargo run --features avro --example avro_consumer -- -b <bootstrap-servers> -s <schema-registry-url>
//!     [-t topic] [-g group] [--max-messages N] [-S registry-key=value]... [-X key=value]... [-F file.properties]
//! ```
//! Prints `User record <key>: name: <name>` with the favorite number and color on the next
//! lines (Python's format); stops after `--max-messages N`, or 10 s after the last record.
//! Topic and group default to `example_serde_avro`. See `avro_producer` for running it
//! against tansu and a registry.

mod common;
#[path = "common/sr_users.rs"]
mod sr_users;

use rkafka::schema_registry::avro::AvroDeserializer;
use rkafka::schema_registry::DeserializerConfig;
use sr_users::User;

const USAGE: &str = "usage: avro_consumer -b <bootstrap-servers> -s <schema-registry-url> [-t topic] [-g group] [--max-messages N] [-S registry-key=value]... [-X key=value]... [-F file.properties]";

fn main() {
    let args = sr_users::parse(USAGE, "example_serde_avro");
    let deserializer = AvroDeserializer::new(&args.registry, None, DeserializerConfig::default())
        .unwrap_or_else(|e| common::fail(&e.to_string()));
    sr_users::consume(args, deserializer, |u: &User| {
        (u.name.clone(), u.favorite_number, u.favorite_color.clone())
    });
}
