//! Consumes Protobuf `User` messages written with Confluent's wire format, like
//! confluent-kafka-python's `examples/protobuf_consumer.py`.
//!
//! ```text
//! cargo run --features protobuf --example protobuf_consumer -- -b <bootstrap-servers> -s <schema-registry-url>
//!     [-t topic] [-g group] [--max-messages N] [-S registry-key=value]... [-X key=value]... [-F file.properties]
//! ```
//! Prints records as `avro_consumer` does; each message's schema id is checked against the
//! registry. Topic and group default to `example_serde_protobuf`.

mod common;
#[path = "../tests/proto/mod.rs"]
mod proto;
#[path = "common/sr_users.rs"]
mod sr_users;

use proto::example::User;
use rkafka::schema_registry::protobuf::ProtobufDeserializer;
use rkafka::schema_registry::DeserializerConfig;

const USAGE: &str = "usage: protobuf_consumer -b <bootstrap-servers> -s <schema-registry-url> [-t topic] [-g group] [--max-messages N] [-S registry-key=value]... [-X key=value]... [-F file.properties]";

fn main() {
    let args = sr_users::parse(USAGE, "example_serde_protobuf");
    let deserializer =
        ProtobufDeserializer::<User>::new(Some(&args.registry), DeserializerConfig::default());
    sr_users::consume(args, deserializer, |u: &User| {
        (u.name.clone(), u.favorite_number, u.favorite_color.clone())
    });
}
