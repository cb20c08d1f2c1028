//! JSON Schema with Confluent's wire format: [`JsonSerializer`] and [`JsonDeserializer`],
//! validating on both sides. Python:
//! `confluent_kafka.schema_registry.json_schema.{JSONSerializer, JSONDeserializer}`.
//!
//! The payload is compact JSON as Python's (orjson) writes it: no spaces, UTF-8 unescaped,
//! object members in the order the type serializes them (a struct's field order, as a Python
//! dict's insertion order). Schemas are validated with the `jsonschema` crate (draft 7 unless
//! the schema's `$schema` says otherwise, as Python's default); `$ref`s resolve only to the
//! schema's registry references, never over the network or the file system.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::Value;

use super::client::SchemaRegistryClient;
use super::serde::{
    reader_schema, referenced_schemas, subject_for, writer_schema, DeserializerConfig,
    KnownSubjects, SerializerConfig,
};
use super::types::Schema;
use super::wire::{dual_schema_id, SchemaId};
use crate::serialization::{Deserializer, SerializationContext, SerializationError, Serializer};

/// The base URI of schemas without `$id`, so that a relative `$ref` (`address.json`) has an
/// absolute form to be looked up by.
const BASE: &str = "json-schema:///";

/// Answers `$ref`s with the schemas referenced through the registry (by reference name).
struct References(Vec<(String, Value)>);

impl jsonschema::Retrieve for References {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let u = uri.as_str();
        self.0
            .iter()
            .find(|(name, _)| u == name || u.strip_prefix(BASE) == Some(name.as_str()))
            .map(|(_, v)| v.clone())
            .ok_or_else(|| format!("`$ref` {u} is not one of the schema's references").into())
    }
}

/// A schema parsed, with its validator (built once).
struct Parsed {
    json: Value,
    validator: jsonschema::Validator,
}

#[derive(Default)]
struct ParsedCache(Mutex<HashMap<Schema, Arc<Parsed>>>);

impl ParsedCache {
    fn get(
        &self,
        registry: Option<&SchemaRegistryClient>,
        schema: &Schema,
    ) -> Result<Arc<Parsed>, SerializationError> {
        if let Some(p) = self.0.lock().unwrap_or_else(|p| p.into_inner()).get(schema) {
            return Ok(p.clone());
        }
        let json: Value = serde_json::from_str(&schema.schema_str)
            .map_err(|e| SerializationError::with_source("the JSON schema is not JSON", e))?;
        let refs = match registry {
            Some(r) => referenced_schemas(r, schema, None, &|_| false)?,
            None if schema.references.is_empty() => Vec::new(),
            None => {
                return Err(SerializationError::new(
                    "a JSON schema with references needs a schema registry client",
                ))
            }
        };
        let refs = refs
            .into_iter()
            .map(|(name, s)| {
                serde_json::from_str(&s.schema_str)
                    .map(|v| (name.clone(), v))
                    .map_err(|e| {
                        SerializationError::with_source(
                            format!("referenced schema `{name}` is not JSON"),
                            e,
                        )
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut options = jsonschema::options()
            .with_retriever(References(refs))
            .with_base_uri(BASE);
        if json.get("$schema").is_none() {
            options = options.with_draft(jsonschema::Draft::Draft7);
        }
        let validator = options
            .build(&json)
            .map_err(|e| SerializationError::new(format!("invalid JSON schema: {e}")))?;
        let parsed = Arc::new(Parsed { json, validator });
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(schema.clone(), parsed.clone());
        Ok(parsed)
    }
}

fn validate(parsed: &Parsed, value: &Value) -> Result<(), SerializationError> {
    parsed.validator.validate(value).map_err(|e| {
        let at = e.instance_path().to_string();
        let at = if at.is_empty() {
            "the value".to_string()
        } else {
            format!("`{at}`")
        };
        SerializationError::new(format!("JSON Schema validation failed at {at}: {e}"))
    })
}

/// Values to validated JSON with the schema's id in front. Python:
/// `JSONSerializer(schema_str, schema_registry_client, to_dict=None, conf=None)`.
pub struct JsonSerializer {
    registry: SchemaRegistryClient,
    schema: Option<Schema>,
    parsed: Option<Arc<Parsed>>,
    record_name: Option<String>,
    conf: SerializerConfig,
    known: KnownSubjects,
    cache: ParsedCache,
}

impl JsonSerializer {
    /// A serializer for the JSON Schema `schema_str`.
    pub fn new(
        registry: &SchemaRegistryClient,
        schema_str: &str,
        conf: SerializerConfig,
    ) -> Result<JsonSerializer, SerializationError> {
        JsonSerializer::from_schema(registry, Some(Schema::new(schema_str, "JSON")), conf)
    }

    /// A serializer for a [`Schema`] (with references), or none with `use_latest_version`.
    pub fn from_schema(
        registry: &SchemaRegistryClient,
        schema: Option<Schema>,
        conf: SerializerConfig,
    ) -> Result<JsonSerializer, SerializationError> {
        conf.check()?;
        let cache = ParsedCache::default();
        let parsed = schema
            .as_ref()
            .map(|s| cache.get(Some(registry), s))
            .transpose()?;
        Ok(JsonSerializer {
            registry: registry.clone(),
            record_name: parsed
                .as_ref()
                .and_then(|p| p.json.get("title"))
                .and_then(Value::as_str)
                .map(str::to_string),
            schema,
            parsed,
            conf,
            known: KnownSubjects::default(),
            cache,
        })
    }

    /// Framing and payload for `value`, whose JSON text is `text`.
    fn encode(
        &self,
        value: &Value,
        text: Vec<u8>,
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
            Some(schema) => self.cache.get(Some(&self.registry), &schema)?,
            None => self.parsed.clone().ok_or_else(|| {
                SerializationError::new(format!("no schema for subject `{subject}`"))
            })?,
        };
        if self.conf.validate {
            validate(&parsed, value)?;
        }
        let mut out = SchemaId {
            id: Some(id),
            ..SchemaId::default()
        }
        .id_to_bytes()?;
        out.extend_from_slice(&text);
        Ok(out)
    }
}

impl<T: serde::Serialize + ?Sized> Serializer<T> for JsonSerializer {
    fn serialize(
        &self,
        value: &T,
        ctx: &SerializationContext<'_>,
    ) -> Result<Vec<u8>, SerializationError> {
        let fail = |e| SerializationError::with_source("cannot turn the value into JSON", e);
        // The text straight from the type keeps its member order; the Value is for validation.
        let text = serde_json::to_vec(value).map_err(fail)?;
        let json = serde_json::to_value(value).map_err(fail)?;
        self.encode(&json, text, ctx)
    }
}

impl std::fmt::Debug for JsonSerializer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JsonSerializer")
            .field("record_name", &self.record_name)
            .field("conf", &self.conf)
            .finish_non_exhaustive()
    }
}

/// Confluent-framed JSON to values, validated against the reader schema (the given one, the
/// subject's latest with `use_latest_version`, else the writer's). Python:
/// `JSONDeserializer(schema_str, from_dict=None, schema_registry_client=None, conf=None)`.
pub struct JsonDeserializer {
    registry: Option<SchemaRegistryClient>,
    reader: Option<Arc<Parsed>>,
    conf: DeserializerConfig,
    cache: ParsedCache,
}

impl JsonDeserializer {
    /// A deserializer. Without a registry the payload's schema id is skipped and `schema_str`
    /// is required (as in Python); with one, the writer's schema is fetched (an unknown id is
    /// an error) and used when no reader schema is given.
    pub fn new(
        registry: Option<&SchemaRegistryClient>,
        schema_str: Option<&str>,
        conf: DeserializerConfig,
    ) -> Result<JsonDeserializer, SerializationError> {
        JsonDeserializer::from_schema(registry, schema_str.map(|s| Schema::new(s, "JSON")), conf)
    }

    /// A deserializer with an optional reader [`Schema`] (which may have references).
    pub fn from_schema(
        registry: Option<&SchemaRegistryClient>,
        schema: Option<Schema>,
        conf: DeserializerConfig,
    ) -> Result<JsonDeserializer, SerializationError> {
        if registry.is_none() && schema.is_none() {
            return Err(SerializationError::new(
                "JSONDeserializer: schema_str is required when no schema registry client is given",
            ));
        }
        let cache = ParsedCache::default();
        let reader = schema.map(|s| cache.get(registry, &s)).transpose()?;
        Ok(JsonDeserializer {
            registry: registry.cloned(),
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
        let (sid, payload) = dual_schema_id(data, ctx, false)?;
        let strategy = &self.conf.subject_name_strategy;
        let mut subject = strategy.subject(ctx, None);
        let mut reader = self.reader.clone();
        if let Some(registry) = &self.registry {
            let latest_of = |subject: &str| {
                reader_schema(
                    registry,
                    subject,
                    None,
                    self.conf.use_latest_with_metadata.as_ref(),
                    self.conf.use_latest_version,
                    None,
                )
            };
            let mut latest = subject.as_deref().map(latest_of).transpose()?.flatten();
            let writer = self.cache.get(
                Some(registry),
                &writer_schema(registry, &sid, subject.as_deref(), None)?,
            )?;
            if subject.is_none() {
                subject = strategy.subject(ctx, writer.json.get("title").and_then(Value::as_str));
                latest = subject.as_deref().map(latest_of).transpose()?.flatten();
            }
            reader = match latest {
                Some(rs) => Some(self.cache.get(Some(registry), &rs.schema)?),
                None => reader.or(Some(writer)),
            };
        }
        let value: Value = serde_json::from_slice(payload)
            .map_err(|e| SerializationError::with_source("the payload is not JSON", e))?;
        if let (true, Some(r)) = (self.conf.validate, &reader) {
            validate(r, &value)?;
        }
        Ok(value)
    }
}

impl<T: serde::de::DeserializeOwned> Deserializer<T> for JsonDeserializer {
    fn deserialize(
        &self,
        data: &[u8],
        ctx: &SerializationContext<'_>,
    ) -> Result<T, SerializationError> {
        let v = self.decode(data, ctx)?;
        serde_json::from_value(v)
            .map_err(|e| SerializationError::with_source("the JSON does not fit the Rust type", e))
    }
}

impl std::fmt::Debug for JsonDeserializer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JsonDeserializer")
            .field("conf", &self.conf)
            .finish_non_exhaustive()
    }
}
