//! Produces Protobuf `User` messages (prost, generated from `tests/proto/user.proto`) with
//! Confluent's wire format, the `.proto` file registered in the Schema Registry, like
//! confluent-kafka-python's `examples/protobuf_producer.py`.
//!
//! ```text
//! cargo run --features protobuf --example protobuf_producer -- -b <bootstrap-servers> -s <schema-registry-url>
//!     [-t topic] [-S registry-key=value]... [-X key=value]... [-F file.properties]
//! ```
//! Each stdin line `name|favorite_number|favorite_color` becomes a message; deliveries print as
//! in `avro_producer`. The topic defaults to `example_serde_protobuf`. The generated code is
//! committed (`scripts/gen-protos.sh` regenerates it with protox; no protoc needed). See
//! `avro_producer` for running it against tansu and a registry.

mod common;
#[path = "../tests/proto/mod.rs"]
mod proto;
#[path = "common/sr_users.rs"]
mod sr_users;

use proto::example::User;
use rkafka::schema_registry::protobuf::ProtobufSerializer;
use rkafka::schema_registry::SerializerConfig;

const USAGE: &str = "usage: protobuf_producer -b <bootstrap-servers> -s <schema-registry-url> [-t topic] [-S registry-key=value]... [-X key=value]... [-F file.properties]";

fn main() {
    let args = sr_users::parse(USAGE, "example_serde_protobuf");
    let serializer = ProtobufSerializer::<User>::new(&args.registry, SerializerConfig::default())
        .unwrap_or_else(|e| common::fail(&e.to_string()));
    sr_users::produce(args, serializer, |name, favorite_number, favorite_color| {
        User {
            name,
            favorite_number,
            favorite_color,
        }
    });
}
