//! Serialization and Schema Registry tests against the registry fixture (and the Python serdes): one test binary, so librdkafka is linked once for all of them
//! (`cargo test --test serdes`; one module: `cargo test --test serdes <module>::`).

#[path = "../common/mod.rs"]
mod common;
// The generated Protobuf messages (scripts/gen-protos.sh); their derives name `crate::proto`.
#[cfg(feature = "protobuf")]
#[path = "../proto/mod.rs"]
mod proto;

mod schema_registry;
mod serdes_avro;
mod serdes_json;
mod serdes_protobuf;
