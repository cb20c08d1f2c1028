//! Confluent Schema Registry: the client and the Avro, JSON Schema and Protobuf serdes with
//! Confluent's wire format. Python: `confluent_kafka.schema_registry`.
//!
//! (The full guide is written below, after the formats.)

#[cfg(feature = "avro")]
pub mod avro;
mod client;
mod error;
#[cfg(feature = "json-schema")]
pub mod json_schema;
#[cfg(feature = "protobuf")]
pub mod protobuf;
mod rest;
mod serde;
mod types;
pub mod wire;

pub use client::SchemaRegistryClient;
pub use error::SchemaRegistryError;
pub use rest::{BearerFields, BearerProvider};
pub use serde::{
    record_subject_name_strategy, topic_record_subject_name_strategy, topic_subject_name_strategy,
    DeserializerConfig, SerializerConfig, SubjectNameFn, SubjectNameStrategy,
};
pub use types::{
    ConfigCompatibilityLevel, Metadata, RegisteredSchema, Rule, RuleSet, Schema, SchemaReference,
    SchemaVersion, ServerConfig, Version,
};
pub use wire::SchemaId;
