//! The registry's data types, with the JSON field names of its REST API: [`Schema`],
//! [`SchemaReference`], [`RegisteredSchema`], [`ServerConfig`] and what they carry. Python:
//! `confluent_kafka.schema_registry.{Schema, SchemaReference, RegisteredSchema, ...}`.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// A schema as the registry stores it. Python: `Schema(schema_str, schema_type='AVRO',
/// references=[], metadata=None, rule_set=None)`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Schema {
    /// The schema text (Avro or JSON Schema JSON; for Protobuf the base64 of a
    /// `FileDescriptorProto`, as Python registers it, or `.proto` text).
    #[serde(rename = "schema")]
    pub schema_str: String,
    /// `AVRO`, `JSON` or `PROTOBUF` (the registry omits it for Avro).
    #[serde(rename = "schemaType", default = "avro_type")]
    pub schema_type: String,
    /// The schemas this one names: Avro named types, JSON `$ref`s, Protobuf imports.
    #[serde(default)]
    pub references: Vec<SchemaReference>,
    /// Data-contract metadata, carried but not interpreted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    /// Data-contract rules, carried but not executed (see the module docs).
    #[serde(rename = "ruleSet", default, skip_serializing_if = "Option::is_none")]
    pub rule_set: Option<RuleSet>,
}

fn avro_type() -> String {
    "AVRO".to_string()
}

impl Schema {
    /// A schema of `schema_type` (`AVRO`, `JSON`, `PROTOBUF`) without references.
    pub fn new(schema_str: impl Into<String>, schema_type: impl Into<String>) -> Schema {
        Schema {
            schema_str: schema_str.into(),
            schema_type: schema_type.into(),
            references: Vec::new(),
            metadata: None,
            rule_set: None,
        }
    }

    /// The same schema naming `references`.
    pub fn with_references(mut self, references: Vec<SchemaReference>) -> Schema {
        self.references = references;
        self
    }
}

/// A schema's use of another one. Python: `SchemaReference(name, subject, version)`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SchemaReference {
    /// The name it is referred to by (Avro full name, JSON `$ref` URI, Protobuf import path).
    pub name: String,
    /// The subject the referenced schema is registered under.
    pub subject: String,
    /// Its version there.
    pub version: i32,
}

impl SchemaReference {
    /// A reference to `subject` version `version`, named `name`.
    pub fn new(name: impl Into<String>, subject: impl Into<String>, version: i32) -> Self {
        SchemaReference {
            name: name.into(),
            subject: subject.into(),
            version,
        }
    }
}

/// A schema with where the registry keeps it. Python: `RegisteredSchema`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisteredSchema {
    /// The global schema id (what the wire format carries).
    pub schema_id: i32,
    /// The schema's GUID, if the registry gives one.
    pub guid: Option<String>,
    /// The subject, if known.
    pub subject: Option<String>,
    /// The version within the subject, if known.
    pub version: Option<i32>,
    /// The schema.
    pub schema: Schema,
}

/// The registry's JSON for a registered schema (fields missing in some responses).
#[derive(Debug, Deserialize)]
pub(crate) struct RegisteredJson {
    #[serde(default)]
    pub id: Option<i32>,
    #[serde(default)]
    pub guid: Option<String>,
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default)]
    pub version: Option<i32>,
    #[serde(default)]
    pub schema: Option<String>,
    #[serde(rename = "schemaType", default)]
    pub schema_type: Option<String>,
    #[serde(default)]
    pub references: Vec<SchemaReference>,
    #[serde(default)]
    pub metadata: Option<Metadata>,
    #[serde(rename = "ruleSet", default)]
    pub rule_set: Option<RuleSet>,
}

impl RegisteredJson {
    /// The schema in the response, or `fallback` when the response has no schema text.
    pub fn into_registered(self, fallback: Option<&Schema>) -> RegisteredSchema {
        let schema = match (self.schema, fallback) {
            (Some(s), _) => Schema {
                schema_str: s,
                schema_type: self.schema_type.unwrap_or_else(avro_type),
                references: self.references,
                metadata: self.metadata,
                rule_set: self.rule_set,
            },
            (None, Some(f)) => f.clone(),
            (None, None) => Schema::new("", self.schema_type.unwrap_or_else(avro_type)),
        };
        RegisteredSchema {
            schema_id: self.id.unwrap_or(-1),
            guid: self.guid,
            subject: self.subject,
            version: self.version,
            schema,
        }
    }
}

/// A subject and version that use a schema id. Python: `SchemaVersion`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemaVersion {
    /// The subject.
    pub subject: String,
    /// The version in it.
    pub version: i32,
}

/// A version number or the latest one. Python: `version: Union[int, str] = "latest"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    /// `"latest"`.
    Latest,
    /// A version number (1, 2, ...).
    Number(i32),
}

impl From<i32> for Version {
    fn from(v: i32) -> Version {
        Version::Number(v)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Version::Latest => f.write_str("latest"),
            Version::Number(n) => write!(f, "{n}"),
        }
    }
}

/// A compatibility level. Python: `ConfigCompatibilityLevel`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ConfigCompatibilityLevel {
    /// `BACKWARD`: readers of the new schema read data of the last one.
    Backward,
    /// `BACKWARD_TRANSITIVE`: ... of every earlier one.
    BackwardTransitive,
    /// `FORWARD`: readers of the last schema read data of the new one.
    Forward,
    /// `FORWARD_TRANSITIVE`.
    ForwardTransitive,
    /// `FULL`: both.
    Full,
    /// `FULL_TRANSITIVE`.
    FullTransitive,
    /// `NONE`: no check.
    None,
}

impl ConfigCompatibilityLevel {
    /// The registry's name (`BACKWARD`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ConfigCompatibilityLevel::Backward => "BACKWARD",
            ConfigCompatibilityLevel::BackwardTransitive => "BACKWARD_TRANSITIVE",
            ConfigCompatibilityLevel::Forward => "FORWARD",
            ConfigCompatibilityLevel::ForwardTransitive => "FORWARD_TRANSITIVE",
            ConfigCompatibilityLevel::Full => "FULL",
            ConfigCompatibilityLevel::FullTransitive => "FULL_TRANSITIVE",
            ConfigCompatibilityLevel::None => "NONE",
        }
    }
}

impl fmt::Display for ConfigCompatibilityLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A subject's or the registry's configuration. Python: `ServerConfig`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerConfig {
    /// `compatibility` (what `PUT /config` takes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compatibility: Option<ConfigCompatibilityLevel>,
    /// `compatibilityLevel` (what `GET /config` returns).
    #[serde(
        rename = "compatibilityLevel",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub compatibility_level: Option<ConfigCompatibilityLevel>,
    /// `compatibilityGroup`.
    #[serde(
        rename = "compatibilityGroup",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub compatibility_group: Option<String>,
    /// `defaultMetadata`.
    #[serde(
        rename = "defaultMetadata",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub default_metadata: Option<Metadata>,
    /// `overrideMetadata`.
    #[serde(
        rename = "overrideMetadata",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub override_metadata: Option<Metadata>,
    /// `defaultRuleSet`.
    #[serde(
        rename = "defaultRuleSet",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub default_rule_set: Option<RuleSet>,
    /// `overrideRuleSet`.
    #[serde(
        rename = "overrideRuleSet",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub override_rule_set: Option<RuleSet>,
}

/// Data-contract metadata. Python: `Metadata(tags, properties, sensitive)` (with
/// `MetadataTags` and `MetadataProperties` as the two maps).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Metadata {
    /// Tags by field path. Python: `MetadataTags`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, Vec<String>>,
    /// Free-form properties. Python: `MetadataProperties`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub properties: BTreeMap<String, String>,
    /// Names of sensitive properties.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sensitive: Vec<String>,
}

/// Data-contract rules. Python: `RuleSet(migration_rules, domain_rules, encoding_rules)`.
/// Carried to and from the registry; rkafka does not execute them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RuleSet {
    /// `migrationRules`.
    #[serde(
        rename = "migrationRules",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub migration_rules: Vec<Rule>,
    /// `domainRules`.
    #[serde(rename = "domainRules", default, skip_serializing_if = "Vec::is_empty")]
    pub domain_rules: Vec<Rule>,
    /// `encodingRules`.
    #[serde(
        rename = "encodingRules",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub encoding_rules: Vec<Rule>,
}

/// One data-contract rule. Python: `Rule` (with `RuleKind`, `RuleMode`, `RuleParams`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Rule {
    /// `name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `doc`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<String>,
    /// `kind`: `CONDITION` or `TRANSFORM` (Python: `RuleKind`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// `mode`: `UPGRADE`, `DOWNGRADE`, `UPDOWN`, `READ`, `WRITE`, `WRITEREAD` (Python:
    /// `RuleMode`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// `type` (e.g. `CEL`, `JSONATA`, `ENCRYPT`).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub rule_type: Option<String>,
    /// `tags`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// `params` (Python: `RuleParams`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, String>,
    /// `expr`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expr: Option<String>,
    /// `onSuccess`.
    #[serde(rename = "onSuccess", default, skip_serializing_if = "Option::is_none")]
    pub on_success: Option<String>,
    /// `onFailure`.
    #[serde(rename = "onFailure", default, skip_serializing_if = "Option::is_none")]
    pub on_failure: Option<String>,
    /// `disabled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
}
