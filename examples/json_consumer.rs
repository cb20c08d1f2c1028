//! Consumes JSON `User` records, validating each against its writer's JSON Schema from the
//! Schema Registry, like confluent-kafka-python's `examples/json_consumer.py`.
//!
//! ```text
//! cargo run --features json-schema --example json_consumer -- -b <bootstrap-servers> -s <schema-registry-url>
//!     [-t topic] [-g group] [--max-messages N] [-S registry-key=value]... [-X key=value]... [-F file.properties]
//! ```
//! Prints records as `avro_consumer` does. Topic and group default to `example_serde_json`.

mod common;
#[path = "common/sr_users.rs"]
mod sr_users;

use rkafka::schema_registry::json_schema::JsonDeserializer;
use rkafka::schema_registry::DeserializerConfig;
use sr_users::User;

const USAGE: &str = "usage: json_consumer -b <bootstrap-servers> -s <schema-registry-url> [-t topic] [-g group] [--max-messages N] [-S registry-key=value]... [-X key=value]... [-F file.properties]";

fn main() {
    let args = sr_users::parse(USAGE, "example_serde_json");
    let deserializer =
        JsonDeserializer::new(Some(&args.registry), None, DeserializerConfig::default())
            .unwrap_or_else(|e| common::fail(&e.to_string()));
    sr_users::consume(args, deserializer, |u: &User| {
        (u.name.clone(), u.favorite_number, u.favorite_color.clone())
    });
}
