//! What the Avro, JSON Schema and Protobuf serdes share (Python's `BaseSerializer` /
//! `BaseDeserializer`): their configuration, subject name strategies, finding the schema id
//! to write (register, look up, or the latest version) and the writer schema to read with.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use super::client::SchemaRegistryClient;
use super::error::SchemaRegistryError;
use super::types::{RegisteredSchema, Schema};
use super::wire::SchemaId;
use crate::config::Config;
use crate::serialization::{SerializationContext, SerializationError};

/// Python: `topic_subject_name_strategy(ctx, record_name)`: `<topic>-key` / `<topic>-value`.
pub fn topic_subject_name_strategy(
    ctx: &SerializationContext<'_>,
    _record_name: Option<&str>,
) -> Option<String> {
    Some(format!("{}-{}", ctx.topic, ctx.field))
}

/// Python: `topic_record_subject_name_strategy(ctx, record_name)`: `<topic>-<record name>`.
pub fn topic_record_subject_name_strategy(
    ctx: &SerializationContext<'_>,
    record_name: Option<&str>,
) -> Option<String> {
    record_name.map(|r| format!("{}-{r}", ctx.topic))
}

/// Python: `record_subject_name_strategy(ctx, record_name)`: the record's full name.
pub fn record_subject_name_strategy(
    _ctx: &SerializationContext<'_>,
    record_name: Option<&str>,
) -> Option<String> {
    record_name.map(str::to_string)
}

/// A custom strategy: the subject for a context and record name (`None` if it has none).
pub type SubjectNameFn =
    Arc<dyn Fn(&SerializationContext<'_>, Option<&str>) -> Option<String> + Send + Sync>;

/// How a serde names the subject of a schema. Python: the `subject.name.strategy` callable.
#[derive(Clone, Default)]
pub enum SubjectNameStrategy {
    /// [`topic_subject_name_strategy`] (the default).
    #[default]
    Topic,
    /// [`record_subject_name_strategy`].
    Record,
    /// [`topic_record_subject_name_strategy`].
    TopicRecord,
    /// A function of your own.
    Custom(SubjectNameFn),
}

impl SubjectNameStrategy {
    /// The subject for `ctx` and the record's full name (Avro record full name, JSON Schema
    /// `title`, Protobuf message full name).
    pub fn subject(&self, ctx: &SerializationContext<'_>, record: Option<&str>) -> Option<String> {
        match self {
            SubjectNameStrategy::Topic => topic_subject_name_strategy(ctx, record),
            SubjectNameStrategy::Record => record_subject_name_strategy(ctx, record),
            SubjectNameStrategy::TopicRecord => topic_record_subject_name_strategy(ctx, record),
            SubjectNameStrategy::Custom(f) => f(ctx, record),
        }
    }

    /// The strategy named by Python's function name (`topic_subject_name_strategy`, ...).
    pub fn by_name(name: &str) -> Option<SubjectNameStrategy> {
        Some(match name {
            "topic_subject_name_strategy" | "topic" => SubjectNameStrategy::Topic,
            "record_subject_name_strategy" | "record" => SubjectNameStrategy::Record,
            "topic_record_subject_name_strategy" | "topic_record" => {
                SubjectNameStrategy::TopicRecord
            }
            _ => return None,
        })
    }
}

impl std::fmt::Debug for SubjectNameStrategy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SubjectNameStrategy::Topic => "Topic",
            SubjectNameStrategy::Record => "Record",
            SubjectNameStrategy::TopicRecord => "TopicRecord",
            SubjectNameStrategy::Custom(_) => "Custom(..)",
        })
    }
}

/// A serializer's configuration: Python's `conf` dict of `AvroSerializer`, `JSONSerializer`
/// and `ProtobufSerializer`, with its defaults.
#[derive(Debug, Clone)]
pub struct SerializerConfig {
    /// `auto.register.schemas` (default true): register the schema if the subject lacks it.
    pub auto_register_schemas: bool,
    /// `normalize.schemas` (default false): ask the registry to normalize when registering or
    /// looking up.
    pub normalize_schemas: bool,
    /// `use.schema.id`: write with this registered schema.
    pub use_schema_id: Option<i32>,
    /// `use.latest.version` (default false): write with the subject's latest schema (needs
    /// `auto.register.schemas` false).
    pub use_latest_version: bool,
    /// `use.latest.with.metadata`: write with the latest schema carrying this metadata.
    pub use_latest_with_metadata: Option<BTreeMap<String, String>>,
    /// `subject.name.strategy`.
    pub subject_name_strategy: SubjectNameStrategy,
    /// Protobuf: `skip.known.types` (default true): do not register `google/protobuf/...`
    /// and other well-known imports.
    pub skip_known_types: bool,
    /// Protobuf: `reference.subject.name.strategy`: the subject of an imported file, given the
    /// file name as the record name (default [`SubjectNameStrategy::Record`]: the file name
    /// itself, Python's `reference_subject_name_strategy`).
    pub reference_subject_name_strategy: SubjectNameStrategy,
    /// JSON Schema: `validate` (default true).
    pub validate: bool,
}

impl Default for SerializerConfig {
    fn default() -> Self {
        SerializerConfig {
            auto_register_schemas: true,
            normalize_schemas: false,
            use_schema_id: None,
            use_latest_version: false,
            use_latest_with_metadata: None,
            subject_name_strategy: SubjectNameStrategy::Topic,
            skip_known_types: true,
            reference_subject_name_strategy: SubjectNameStrategy::Record,
            validate: true,
        }
    }
}

fn boolean(key: &str, v: &str) -> Result<bool, SerializationError> {
    match v.trim().to_ascii_lowercase().as_str() {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(SerializationError::new(format!(
            "{key} must be a boolean value (true or false), not `{v}`"
        ))),
    }
}

/// Reads the string-valued keys of a Python serde `conf` dict; unknown keys are refused.
fn read_keys(
    config: &Config,
    allowed: &[&str],
    mut set: impl FnMut(&str, &str) -> Result<(), SerializationError>,
) -> Result<(), SerializationError> {
    let mut unknown = Vec::new();
    for (k, v) in config.iter() {
        if allowed.contains(&k) {
            set(k, v)?;
        } else {
            unknown.push(k);
        }
    }
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(SerializationError::new(format!(
            "Unrecognized properties: {}",
            unknown.join(", ")
        )))
    }
}

fn strategy(key: &str, v: &str) -> Result<SubjectNameStrategy, SerializationError> {
    SubjectNameStrategy::by_name(v).ok_or_else(|| {
        SerializationError::new(format!(
            "{key} `{v}`: expected topic_subject_name_strategy, record_subject_name_strategy or \
             topic_record_subject_name_strategy (or set a SubjectNameStrategy::Custom)"
        ))
    })
}

impl SerializerConfig {
    /// Reads Python's keys from string values: `auto.register.schemas`, `normalize.schemas`,
    /// `use.schema.id`, `use.latest.version`, `subject.name.strategy` (a Python function name),
    /// `skip.known.types`, `validate`. Unknown keys are refused, as Python does.
    pub fn from_config(config: &Config) -> Result<SerializerConfig, SerializationError> {
        let mut c = SerializerConfig::default();
        let keys = [
            "auto.register.schemas",
            "normalize.schemas",
            "use.schema.id",
            "use.latest.version",
            "subject.name.strategy",
            "skip.known.types",
            "validate",
        ];
        read_keys(config, &keys, |k, v| {
            match k {
                "auto.register.schemas" => c.auto_register_schemas = boolean(k, v)?,
                "normalize.schemas" => c.normalize_schemas = boolean(k, v)?,
                "use.schema.id" => {
                    c.use_schema_id = Some(v.trim().parse().map_err(|_| {
                        SerializationError::new(format!(
                            "use.schema.id must be an int value, not `{v}`"
                        ))
                    })?)
                }
                "use.latest.version" => c.use_latest_version = boolean(k, v)?,
                "subject.name.strategy" => c.subject_name_strategy = strategy(k, v)?,
                "skip.known.types" => c.skip_known_types = boolean(k, v)?,
                _ => c.validate = boolean(k, v)?,
            }
            Ok(())
        })?;
        Ok(c)
    }

    /// Python's checks at construction.
    pub(crate) fn check(&self) -> Result<(), SerializationError> {
        if self.use_latest_version && self.auto_register_schemas {
            return Err(SerializationError::new(
                "cannot enable both use.latest.version and auto.register.schemas",
            ));
        }
        Ok(())
    }
}

/// A deserializer's configuration: Python's `conf` of `AvroDeserializer`, `JSONDeserializer`
/// and `ProtobufDeserializer`.
#[derive(Debug, Clone)]
pub struct DeserializerConfig {
    /// `use.latest.version`: read into the subject's latest schema (Avro: schema resolution).
    pub use_latest_version: bool,
    /// `use.latest.with.metadata`.
    pub use_latest_with_metadata: Option<BTreeMap<String, String>>,
    /// `subject.name.strategy`.
    pub subject_name_strategy: SubjectNameStrategy,
    /// JSON Schema: `validate` (default true).
    pub validate: bool,
}

impl Default for DeserializerConfig {
    fn default() -> Self {
        DeserializerConfig {
            use_latest_version: false,
            use_latest_with_metadata: None,
            subject_name_strategy: SubjectNameStrategy::Topic,
            validate: true,
        }
    }
}

impl DeserializerConfig {
    /// Reads `use.latest.version`, `subject.name.strategy`, `validate` from string values;
    /// unknown keys are refused.
    pub fn from_config(config: &Config) -> Result<DeserializerConfig, SerializationError> {
        let mut c = DeserializerConfig::default();
        let keys = ["use.latest.version", "subject.name.strategy", "validate"];
        read_keys(config, &keys, |k, v| {
            match k {
                "use.latest.version" => c.use_latest_version = boolean(k, v)?,
                "subject.name.strategy" => c.subject_name_strategy = strategy(k, v)?,
                _ => c.validate = boolean(k, v)?,
            }
            Ok(())
        })?;
        Ok(c)
    }
}

/// A registry error as a serialization error, naming what was being done.
pub(crate) fn registry_error(what: &str, e: SchemaRegistryError) -> SerializationError {
    SerializationError::with_source(what.to_string(), e)
}

/// Python's `_get_reader_schema`: the schema `use.schema.id` / `use.latest.with.metadata` /
/// `use.latest.version` select, if any.
pub(crate) fn reader_schema(
    registry: &SchemaRegistryClient,
    subject: &str,
    use_schema_id: Option<i32>,
    with_metadata: Option<&BTreeMap<String, String>>,
    use_latest: bool,
    format: Option<&str>,
) -> Result<Option<RegisteredSchema>, SerializationError> {
    if let Some(id) = use_schema_id {
        let schema = registry
            .get_schema(id, Some(subject), format)
            .map_err(|e| registry_error(&format!("schema id {id} (use.schema.id)"), e))?;
        return registry
            .lookup_schema(subject, &schema, false, true)
            .map(Some)
            .map_err(|e| registry_error(&format!("schema id {id} under subject `{subject}`"), e));
    }
    if let Some(md) = with_metadata {
        return registry
            .get_latest_with_metadata(subject, md, true, format)
            .map(Some)
            .map_err(|e| {
                registry_error(&format!("latest schema with metadata of `{subject}`"), e)
            });
    }
    if use_latest {
        return registry
            .get_latest_version(subject, format)
            .map(Some)
            .map_err(|e| registry_error(&format!("latest schema of subject `{subject}`"), e));
    }
    Ok(None)
}

/// The schema id a serializer writes under each subject, found once per subject (Python's
/// `_known_subjects`): registered (`auto.register.schemas`) or looked up.
#[derive(Default)]
pub(crate) struct KnownSubjects(Mutex<HashMap<String, i32>>);

impl KnownSubjects {
    /// The id of the schema under `subject`: from this serializer's memory, else registered or
    /// looked up in the registry (`schema` makes it only then: Protobuf registers its imports
    /// on the way).
    pub(crate) fn id(
        &self,
        registry: &SchemaRegistryClient,
        conf: &SerializerConfig,
        subject: &str,
        schema: impl FnOnce() -> Result<Schema, SerializationError>,
    ) -> Result<i32, SerializationError> {
        if let Some(id) = self
            .0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(subject)
        {
            return Ok(*id);
        }
        let schema = schema()?;
        let rs = if conf.auto_register_schemas {
            registry
                .register_schema_full_response(subject, &schema, conf.normalize_schemas)
                .map_err(|e| {
                    registry_error(
                        &format!("registering the schema under subject `{subject}`"),
                        e,
                    )
                })?
        } else {
            registry
                .lookup_schema(subject, &schema, conf.normalize_schemas, false)
                .map_err(|e| {
                    registry_error(
                        &format!("looking the schema up under subject `{subject}`"),
                        e,
                    )
                })?
        };
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(subject.to_string(), rs.schema_id);
        Ok(rs.schema_id)
    }
}

impl KnownSubjects {
    /// Python's serializer prologue: the schema id to write under `subject`, with the
    /// registry's schema when it is not the serializer's own (`use_schema_id`,
    /// `use_latest_with_metadata`, `use_latest_version`); else the id of `own` (registered
    /// or looked up once).
    pub(crate) fn write_id(
        &self,
        registry: &SchemaRegistryClient,
        conf: &SerializerConfig,
        subject: &str,
        format: Option<&str>,
        own: impl FnOnce() -> Result<Option<Schema>, SerializationError>,
    ) -> Result<(i32, Option<Schema>), SerializationError> {
        let c = conf;
        let latest = reader_schema(
            registry,
            subject,
            c.use_schema_id,
            c.use_latest_with_metadata.as_ref(),
            c.use_latest_version,
            format,
        )?;
        if let Some(rs) = latest {
            return Ok((rs.schema_id, Some(rs.schema)));
        }
        let no_schema = || SerializationError::new(format!("no schema for subject `{subject}`"));
        let id = self.id(registry, conf, subject, || own()?.ok_or_else(no_schema))?;
        Ok((id, None))
    }
}

/// The subject for a serializer's record, or an error saying the strategy gave none.
pub(crate) fn subject_for(
    strategy: &SubjectNameStrategy,
    ctx: &SerializationContext<'_>,
    record: Option<&str>,
) -> Result<String, SerializationError> {
    strategy.subject(ctx, record).ok_or_else(|| {
        SerializationError::new(format!(
            "the subject name strategy gave no subject for topic `{}` ({}): the schema has no \
             record name",
            ctx.topic, ctx.field
        ))
    })
}

/// Python's `_get_writer_schema`: the schema a payload's id or GUID names.
pub(crate) fn writer_schema(
    registry: &SchemaRegistryClient,
    sid: &SchemaId,
    subject: Option<&str>,
    format: Option<&str>,
) -> Result<Schema, SerializationError> {
    match (sid.id, sid.guid_string()) {
        (Some(id), _) => registry
            .get_schema(id, subject, format)
            .map_err(|e| registry_error(&format!("writer schema id {id}"), e)),
        (None, Some(guid)) => registry
            .get_schema_by_guid(&guid, format)
            .map_err(|e| registry_error(&format!("writer schema GUID {guid}"), e)),
        (None, None) => Err(SerializationError::new("Schema ID or GUID is not set")),
    }
}

/// Python's `_resolve_named_schema` walk: every schema `schema` references, depth first, each
/// once, as `(reference name, schema)`.
pub(crate) fn referenced_schemas(
    registry: &SchemaRegistryClient,
    schema: &Schema,
    format: Option<&str>,
    skip: &dyn Fn(&str) -> bool,
) -> Result<Vec<(String, Schema)>, SerializationError> {
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    walk(registry, schema, format, skip, &mut seen, &mut out)?;
    Ok(out)
}

fn walk(
    registry: &SchemaRegistryClient,
    schema: &Schema,
    format: Option<&str>,
    skip: &dyn Fn(&str) -> bool,
    seen: &mut std::collections::HashSet<String>,
    out: &mut Vec<(String, Schema)>,
) -> Result<(), SerializationError> {
    for r in &schema.references {
        if skip(&r.name) || !seen.insert(r.name.clone()) {
            continue;
        }
        let rs = registry
            .get_version(&r.subject, r.version, true, format)
            .map_err(|e| {
                registry_error(
                    &format!(
                        "referenced schema `{}` (subject `{}` version {})",
                        r.name, r.subject, r.version
                    ),
                    e,
                )
            })?;
        walk(registry, &rs.schema, format, skip, seen, out)?;
        out.push((r.name.clone(), rs.schema));
    }
    Ok(())
}
