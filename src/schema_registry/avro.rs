//! Avro with Confluent's wire format: [`AvroSerializer`] and [`AvroDeserializer`], for serde
//! types and for generic values ([`AvroValue`]). Python:
//! `confluent_kafka.schema_registry.avro.{AvroSerializer, AvroDeserializer}` (fastavro there,
//! Apache's `apache-avro` crate here: both write the Avro binary encoding, byte for byte).
//!
//! ```no_run
//! use rkafka::schema_registry::avro::{AvroDeserializer, AvroSerializer};
//! use rkafka::schema_registry::{DeserializerConfig, SchemaRegistryClient, SerializerConfig};
//! use rkafka::serialization::{MessageField, SerializationContext, Serializer, Deserializer};
//!
//! #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
//! struct User { name: String, favorite_number: i64 }
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sr = SchemaRegistryClient::new([("url", "http://localhost:8081")])?;
//! let schema = r#"{"type":"record","name":"User","fields":[
//!     {"name":"name","type":"string"},{"name":"favorite_number","type":"long"}]}"#;
//! let ser = AvroSerializer::new(&sr, schema, SerializerConfig::default())?;
//! let ctx = SerializationContext::new("users", MessageField::Value);
//! let bytes = ser.serialize(&User { name: "Ada".into(), favorite_number: 7 }, &ctx)?;
//! let de = AvroDeserializer::new(&sr, None, DeserializerConfig::default())?;
//! let user: User = de.deserialize(&bytes, &ctx)?;
//! # Ok(()) }
//! ```

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub use apache_avro;
use apache_avro::types::Value;

use super::client::SchemaRegistryClient;
use super::serde::{
    reader_schema, referenced_schemas, subject_for, writer_schema, DeserializerConfig,
    KnownSubjects, SerializerConfig,
};
use super::types::Schema;
use super::wire::{dual_schema_id, SchemaId};
use crate::serialization::{Deserializer, SerializationContext, SerializationError, Serializer};

/// A generic Avro value (records, enums, unions, ... as `apache_avro::types::Value`): what
/// Python's Avro serdes take and give as `dict`s when no `to_dict` / `from_dict` is set.
#[derive(Debug, Clone, PartialEq)]
pub struct AvroValue(pub Value);

/// A schema parsed with the schemas it references.
struct Parsed {
    root: apache_avro::Schema,
    named: Vec<apache_avro::Schema>,
}

impl Parsed {
    fn named(&self) -> Vec<&apache_avro::Schema> {
        self.named.iter().collect()
    }
}

/// Python's `_schema_loads`: trimmed, and a bare primitive (`"string"`) wrapped as
/// `{"type":"string"}`.
fn schema_loads(text: &str) -> Schema {
    let t = text.trim();
    let t = if t.starts_with('{') || t.starts_with('[') {
        t.to_string()
    } else {
        format!("{{\"type\":{t}}}")
    };
    Schema::new(t, "AVRO")
}

/// The name the subject strategies see: a named type's full name, a primitive's type, none for
/// a union.
fn record_name(s: &apache_avro::Schema) -> Option<String> {
    use apache_avro::Schema as S;
    match s {
        S::Record(r) => Some(r.name.fullname(None)),
        S::Enum(e) => Some(e.name.fullname(None)),
        S::Fixed(f) => Some(f.name.fullname(None)),
        S::Union(_) => None,
        other => serde_json::to_value(other).ok().and_then(|v| {
            v.as_str()
                .map(str::to_string)
                .or_else(|| v["type"].as_str().map(str::to_string))
        }),
    }
}

/// Parses schemas (each with its references from the registry), once per schema.
#[derive(Default)]
struct ParsedCache(Mutex<HashMap<Schema, Arc<Parsed>>>);

impl ParsedCache {
    fn get(
        &self,
        registry: &SchemaRegistryClient,
        schema: &Schema,
    ) -> Result<Arc<Parsed>, SerializationError> {
        if let Some(p) = self.0.lock().unwrap_or_else(|p| p.into_inner()).get(schema) {
            return Ok(p.clone());
        }
        let refs = referenced_schemas(registry, schema, None, &|_| false)?;
        let texts: Vec<&str> = refs.iter().map(|(_, s)| s.schema_str.as_str()).collect();
        let text = schema_loads(&schema.schema_str).schema_str;
        let parsed = if texts.is_empty() {
            apache_avro::Schema::parse_str(&text).map(|root| Parsed {
                root,
                named: Vec::new(),
            })
        } else {
            apache_avro::Schema::parse_str_with_list(&text, texts)
                .map(|(root, named)| Parsed { root, named })
        }
        .map_err(|e| SerializationError::with_source("invalid Avro schema", e))?;
        let parsed = Arc::new(parsed);
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(schema.clone(), parsed.clone());
        Ok(parsed)
    }
}

/// Avro values to bytes with the schema's id in front. Python:
/// `AvroSerializer(schema_registry_client, schema_str, to_dict=None, conf=None)`.
///
/// Serializes any `serde::Serialize` type (Python's `to_dict` result) and [`AvroValue`]. The
/// schema is registered under the subject on first use (`auto.register.schemas`) or looked up
/// (`auto_register_schemas: false`), or the subject's latest schema is used
/// (`use_latest_version`, `use_schema_id`, `use_latest_with_metadata`).
pub struct AvroSerializer {
    registry: SchemaRegistryClient,
    schema: Option<Schema>,
    parsed: Option<Arc<Parsed>>,
    record_name: Option<String>,
    conf: SerializerConfig,
    known: KnownSubjects,
    cache: ParsedCache,
}

impl AvroSerializer {
    /// A serializer for `schema_str` (Avro JSON; a bare primitive such as `"string"` too).
    pub fn new(
        registry: &SchemaRegistryClient,
        schema_str: &str,
        conf: SerializerConfig,
    ) -> Result<AvroSerializer, SerializationError> {
        AvroSerializer::from_schema(registry, Some(schema_loads(schema_str)), conf)
    }

    /// A serializer for a [`Schema`] (with references to named types registered elsewhere), or
    /// for none: then `use_latest_version` (or `use_schema_id`) must say which schema to use.
    pub fn from_schema(
        registry: &SchemaRegistryClient,
        schema: Option<Schema>,
        conf: SerializerConfig,
    ) -> Result<AvroSerializer, SerializationError> {
        conf.check()?;
        let cache = ParsedCache::default();
        let parsed = schema
            .as_ref()
            .map(|s| cache.get(registry, s))
            .transpose()?;
        if parsed.is_none()
            && !conf.use_latest_version
            && conf.use_schema_id.is_none()
            && conf.use_latest_with_metadata.is_none()
        {
            return Err(SerializationError::new(
                "AvroSerializer without a schema needs use_latest_version, use_schema_id or use_latest_with_metadata",
            ));
        }
        Ok(AvroSerializer {
            registry: registry.clone(),
            record_name: parsed.as_ref().and_then(|p| record_name(&p.root)),
            schema,
            parsed,
            conf,
            known: KnownSubjects::default(),
            cache,
        })
    }

    fn encode(
        &self,
        value: Value,
        ctx: &SerializationContext<'_>,
    ) -> Result<Vec<u8>, SerializationError> {
        let subject = subject_for(
            &self.conf.subject_name_strategy,
            ctx,
            self.record_name.as_deref(),
        )?;
        let (id, latest) =
            self.known
                .write_id(&self.registry, &self.conf, &subject, None, || {
                    Ok(self.schema.clone())
                })?;
        let parsed = match latest {
            Some(schema) => self.cache.get(&self.registry, &schema)?,
            None => self.parsed.clone().ok_or_else(|| {
                SerializationError::new(format!("no schema for subject `{subject}`"))
            })?,
        };
        let value = value
            .resolve_schemata(&parsed.root, parsed.named())
            .map_err(|e| {
                SerializationError::with_source("the value does not match the Avro schema", e)
            })?;
        let datum = apache_avro::to_avro_datum_schemata(&parsed.root, parsed.named(), value)
            .map_err(|e| SerializationError::with_source("Avro encoding failed", e))?;
        let mut out = SchemaId {
            id: Some(id),
            ..SchemaId::default()
        }
        .id_to_bytes()?;
        out.extend_from_slice(&datum);
        Ok(out)
    }
}

impl<T: serde::Serialize + ?Sized> Serializer<T> for AvroSerializer {
    fn serialize(
        &self,
        value: &T,
        ctx: &SerializationContext<'_>,
    ) -> Result<Vec<u8>, SerializationError> {
        let v = apache_avro::to_value(value)
            .map_err(|e| SerializationError::with_source("cannot turn the value into Avro", e))?;
        self.encode(v, ctx)
    }
}

impl Serializer<AvroValue> for AvroSerializer {
    fn serialize(
        &self,
        value: &AvroValue,
        ctx: &SerializationContext<'_>,
    ) -> Result<Vec<u8>, SerializationError> {
        self.encode(value.0.clone(), ctx)
    }
}

impl std::fmt::Debug for AvroSerializer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AvroSerializer")
            .field("record_name", &self.record_name)
            .field("conf", &self.conf)
            .finish_non_exhaustive()
    }
}

/// Bytes in Confluent's Avro framing to values, reading with the writer's schema from the
/// registry (and resolving into a reader schema if one is given or `use_latest_version`).
/// Python: `AvroDeserializer(schema_registry_client, schema_str=None, from_dict=None, conf=None)`.
///
/// Deserializes into any `serde::de::DeserializeOwned` type (Python's `from_dict` result) and
/// into [`AvroValue`].
pub struct AvroDeserializer {
    registry: SchemaRegistryClient,
    reader: Option<Arc<Parsed>>,
    conf: DeserializerConfig,
    cache: ParsedCache,
}

impl AvroDeserializer {
    /// A deserializer; with `reader_schema_str`, values are resolved into that schema (Avro
    /// schema resolution: added fields take their defaults, removed ones are skipped).
    pub fn new(
        registry: &SchemaRegistryClient,
        reader_schema_str: Option<&str>,
        conf: DeserializerConfig,
    ) -> Result<AvroDeserializer, SerializationError> {
        AvroDeserializer::from_schema(registry, reader_schema_str.map(schema_loads), conf)
    }

    /// A deserializer with an optional reader [`Schema`] (which may have references).
    pub fn from_schema(
        registry: &SchemaRegistryClient,
        reader: Option<Schema>,
        conf: DeserializerConfig,
    ) -> Result<AvroDeserializer, SerializationError> {
        let cache = ParsedCache::default();
        let reader = reader.map(|s| cache.get(registry, &s)).transpose()?;
        Ok(AvroDeserializer {
            registry: registry.clone(),
            reader,
            conf,
            cache,
        })
    }

    fn decode(
        &self,
        data: &[u8],
        ctx: &SerializationContext<'_>,
    ) -> Result<Value, SerializationError> {
        if data.len() <= 5 {
            return Err(SerializationError::new(format!(
                "Expecting data framing of length 6 bytes or more but total data size is {} bytes. \
                 This message was not produced with a Confluent Schema Registry serializer",
                data.len()
            )));
        }
        let strategy = &self.conf.subject_name_strategy;
        let latest_of = |subject: &str| {
            reader_schema(
                &self.registry,
                subject,
                None,
                self.conf.use_latest_with_metadata.as_ref(),
                self.conf.use_latest_version,
                None,
            )
        };
        let mut subject = strategy.subject(ctx, None);
        let mut latest = subject.as_deref().map(latest_of).transpose()?.flatten();
        let (sid, mut payload) = dual_schema_id(data, ctx, false)?;
        let writer = self.cache.get(
            &self.registry,
            &writer_schema(&self.registry, &sid, subject.as_deref(), None)?,
        )?;
        if subject.is_none() {
            subject = strategy.subject(ctx, record_name(&writer.root).as_deref());
            latest = subject.as_deref().map(latest_of).transpose()?.flatten();
        }
        let reader = match latest {
            Some(rs) => Some(self.cache.get(&self.registry, &rs.schema)?),
            None => self.reader.clone(),
        };
        let (reader_root, reader_named) = match &reader {
            Some(r) if !Arc::ptr_eq(r, &writer) => (Some(&r.root), r.named()),
            _ => (None, Vec::new()),
        };
        apache_avro::from_avro_datum_reader_schemata(
            &writer.root,
            writer.named(),
            &mut payload,
            reader_root,
            reader_named,
        )
        .map_err(|e| SerializationError::with_source("Avro decoding failed", e))
    }
}

impl<T: serde::de::DeserializeOwned> Deserializer<T> for AvroDeserializer {
    fn deserialize(
        &self,
        data: &[u8],
        ctx: &SerializationContext<'_>,
    ) -> Result<T, SerializationError> {
        let v = self.decode(data, ctx)?;
        apache_avro::from_value(&v).map_err(|e| {
            SerializationError::with_source("the Avro value does not fit the Rust type", e)
        })
    }
}

impl Deserializer<AvroValue> for AvroDeserializer {
    fn deserialize(
        &self,
        data: &[u8],
        ctx: &SerializationContext<'_>,
    ) -> Result<AvroValue, SerializationError> {
        self.decode(data, ctx).map(AvroValue)
    }
}

impl std::fmt::Debug for AvroDeserializer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AvroDeserializer")
            .field("conf", &self.conf)
            .finish_non_exhaustive()
    }
}
