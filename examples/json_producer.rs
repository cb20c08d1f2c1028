//! Produces JSON `User` records validated against a JSON Schema registered in the Schema
//! Registry, with Confluent's wire format, like confluent-kafka-python's
//! `examples/json_producer.py`.
//!
//! ```text
//! cargo run --features json-schema --example json_producer -- -b <bootstrap-servers> -s <schema-registry-url>
//!     [-t topic] [-S registry-key=value]... [-X key=value]... [-F file.properties]
//! ```
//! Each stdin line `name|favorite_number|favorite_color` becomes a record; a record that fails
//! the schema (a negative favorite number here) is refused before it is produced, with the
//! validation error printed. Deliveries print as in `avro_producer`. The topic defaults to
//! `example_serde_json`. See `avro_producer` for running it against tansu and a registry.

mod common;
#[path = "common/sr_users.rs"]
mod sr_users;

use rkafka::schema_registry::json_schema::JsonSerializer;
use rkafka::schema_registry::SerializerConfig;
use sr_users::User;

const USAGE: &str = "usage: json_producer -b <bootstrap-servers> -s <schema-registry-url> [-t topic] [-S registry-key=value]... [-X key=value]... [-F file.properties]";

/// Python's example schema (`json_producer.py`), with a non-negative favorite number.
pub const USER_SCHEMA: &str = r#"{"$schema": "http://json-schema.org/draft-07/schema#", "title": "User",
 "description": "A Confluent Kafka Python User", "type": "object",
 "properties": {"name": {"description": "User's name", "type": "string"},
                "favorite_number": {"description": "User's favorite number", "type": "number", "minimum": 0},
                "favorite_color": {"description": "User's favorite color", "type": "string"}},
 "required": ["name", "favorite_number", "favorite_color"]}"#;

fn main() {
    let args = sr_users::parse(USAGE, "example_serde_json");
    let serializer = JsonSerializer::new(&args.registry, USER_SCHEMA, SerializerConfig::default())
        .unwrap_or_else(|e| common::fail(&e.to_string()));
    sr_users::produce(args, serializer, |name, favorite_number, favorite_color| {
        User {
            name,
            favorite_number,
            favorite_color,
        }
    });
}
