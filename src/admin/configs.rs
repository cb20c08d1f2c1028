//! Resource configurations: describe, alter and incrementally alter.

use std::collections::BTreeMap;
use std::fmt;

use rdkafka_sys::bindings as sys;

use super::native::{ffi, ConfigResourceHandle};
use super::{
    c_array, collect, error_with, invalid, name_cstring, opt_string, require_some, require_unique,
    AdminClient, AdminOptions, Op,
};
use crate::config::Config;
use crate::consts;
use crate::error::{KafkaError, Result};
use crate::error::cstring;
use crate::util::cstr_lossy;

c_enum! {
    /// Python: `confluent_kafka.admin.ResourceType`.
    pub enum ResourceType (fallback Unknown) {
        /// `UNKNOWN`: not known or not set.
        Unknown = RD_KAFKA_RESOURCE_UNKNOWN => "UNKNOWN",
        /// `ANY`: matches any resource (filters only).
        Any = RD_KAFKA_RESOURCE_ANY => "ANY",
        /// `TOPIC`: the name is a topic name.
        Topic = RD_KAFKA_RESOURCE_TOPIC => "TOPIC",
        /// `GROUP`: the name is a group id.
        Group = RD_KAFKA_RESOURCE_GROUP => "GROUP",
        /// `BROKER`: the name is a broker id.
        Broker = RD_KAFKA_RESOURCE_BROKER => "BROKER",
        /// `TRANSACTIONAL_ID`.
        TransactionalId = RD_KAFKA_RESOURCE_TRANSACTIONAL_ID => "TRANSACTIONAL_ID",
    }
}

c_enum! {
    /// Python: `confluent_kafka.admin.ConfigSource`: where a configuration value comes from.
    pub enum ConfigSource (fallback UnknownConfig) {
        /// `UNKNOWN_CONFIG` (also any source this librdkafka does not know).
        UnknownConfig = RD_KAFKA_CONFIG_SOURCE_UNKNOWN_CONFIG => "UNKNOWN_CONFIG",
        /// `DYNAMIC_TOPIC_CONFIG`.
        DynamicTopicConfig = RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG => "DYNAMIC_TOPIC_CONFIG",
        /// `DYNAMIC_BROKER_CONFIG`.
        DynamicBrokerConfig = RD_KAFKA_CONFIG_SOURCE_DYNAMIC_BROKER_CONFIG => "DYNAMIC_BROKER_CONFIG",
        /// `DYNAMIC_DEFAULT_BROKER_CONFIG`.
        DynamicDefaultBrokerConfig = RD_KAFKA_CONFIG_SOURCE_DYNAMIC_DEFAULT_BROKER_CONFIG => "DYNAMIC_DEFAULT_BROKER_CONFIG",
        /// `STATIC_BROKER_CONFIG`.
        StaticBrokerConfig = RD_KAFKA_CONFIG_SOURCE_STATIC_BROKER_CONFIG => "STATIC_BROKER_CONFIG",
        /// `DEFAULT_CONFIG`.
        DefaultConfig = RD_KAFKA_CONFIG_SOURCE_DEFAULT_CONFIG => "DEFAULT_CONFIG",
        /// `GROUP_CONFIG`.
        GroupConfig = RD_KAFKA_CONFIG_SOURCE_GROUP_CONFIG => "GROUP_CONFIG",
    }
}

c_enum! {
    /// Python: `confluent_kafka.admin.AlterConfigOpType`: an incremental change.
    pub enum AlterConfigOpType (fallback Set) {
        /// `SET`: set the value.
        Set = RD_KAFKA_ALTER_CONFIG_OP_TYPE_SET => "SET",
        /// `DELETE`: revert to the default.
        Delete = RD_KAFKA_ALTER_CONFIG_OP_TYPE_DELETE => "DELETE",
        /// `APPEND`: add to a list value.
        Append = RD_KAFKA_ALTER_CONFIG_OP_TYPE_APPEND => "APPEND",
        /// `SUBTRACT`: remove from a list value.
        Subtract = RD_KAFKA_ALTER_CONFIG_OP_TYPE_SUBTRACT => "SUBTRACT",
    }
}

/// One configuration entry: Python's `ConfigEntry(name, value, source, is_read_only,
/// is_default, is_sensitive, is_synonym, synonyms, incremental_operation)`.
///
/// Described entries fill every field; for [`AdminClient::incremental_alter_configs`] build
/// one with [`ConfigEntry::incremental`]. `Debug` redacts the value of a sensitive entry (one
/// the broker marks sensitive, or whose name looks like a secret).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConfigEntry {
    /// Python: `name`.
    pub name: String,
    /// Python: `value` (`None` for sensitive or unset values).
    pub value: Option<String>,
    /// Python: `source`.
    pub source: ConfigSource,
    /// Python: `is_read_only`.
    pub is_read_only: bool,
    /// Python: `is_default`.
    pub is_default: bool,
    /// Python: `is_sensitive`.
    pub is_sensitive: bool,
    /// Python: `is_synonym`.
    pub is_synonym: bool,
    /// Python: `synonyms` (by name there; in the broker's order here).
    pub synonyms: Vec<ConfigEntry>,
    /// Python: `incremental_operation`: the change to make, for incremental alters.
    pub incremental_operation: Option<AlterConfigOpType>,
}

impl ConfigEntry {
    /// Python: `ConfigEntry(name, value)`.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> ConfigEntry {
        ConfigEntry {
            name: name.into(),
            value: Some(value.into()),
            source: ConfigSource::UnknownConfig,
            is_read_only: false,
            is_default: false,
            is_sensitive: false,
            is_synonym: false,
            synonyms: Vec::new(),
            incremental_operation: None,
        }
    }

    /// Python: `ConfigEntry(name, value, incremental_operation=op)`. `value` is ignored (may
    /// be `None`) for [`AlterConfigOpType::Delete`].
    pub fn incremental(
        name: impl Into<String>,
        op: AlterConfigOpType,
        value: Option<&str>,
    ) -> ConfigEntry {
        ConfigEntry {
            value: value.map(str::to_string),
            incremental_operation: Some(op),
            ..ConfigEntry::new(name, "")
        }
    }

    /// True if the value must not be shown: marked sensitive by the broker, or named like a
    /// secret ([`Config::is_sensitive`], or `*jaas*`).
    pub fn hides_value(&self) -> bool {
        self.is_sensitive || name_looks_secret(&self.name)
    }

    /// # Safety
    /// `e` must be a valid entry for the call.
    unsafe fn from_raw(e: *const sys::rd_kafka_ConfigEntry_t) -> ConfigEntry {
        // SAFETY: e is valid (caller contract); strings are copied; the source is read as an
        // int; synonyms are entries of the same result.
        unsafe {
            let mut n = 0;
            let synonyms = c_array(sys::rd_kafka_ConfigEntry_synonyms(e, &mut n), n)
                .iter()
                .map(|&s| ConfigEntry::from_raw(s))
                .collect();
            ConfigEntry {
                name: cstr_lossy(sys::rd_kafka_ConfigEntry_name(e)).into_owned(),
                value: opt_string(sys::rd_kafka_ConfigEntry_value(e)),
                source: ConfigSource::from_raw(ffi::config_entry_source(e)),
                is_read_only: sys::rd_kafka_ConfigEntry_is_read_only(e) != 0,
                is_default: sys::rd_kafka_ConfigEntry_is_default(e) != 0,
                is_sensitive: sys::rd_kafka_ConfigEntry_is_sensitive(e) != 0,
                is_synonym: sys::rd_kafka_ConfigEntry_is_synonym(e) != 0,
                synonyms,
                incremental_operation: None,
            }
        }
    }
}

fn name_looks_secret(name: &str) -> bool {
    Config::is_sensitive(name) || name.to_ascii_lowercase().contains("jaas")
}

fn shown(secret: bool, value: Option<&str>) -> Option<&str> {
    match value {
        Some(_) if secret => Some("[redacted]"),
        other => other,
    }
}

impl fmt::Debug for ConfigEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConfigEntry")
            .field("name", &self.name)
            .field("value", &shown(self.hides_value(), self.value.as_deref()))
            .field("source", &self.source)
            .field("is_read_only", &self.is_read_only)
            .field("is_default", &self.is_default)
            .field("is_sensitive", &self.is_sensitive)
            .field("is_synonym", &self.is_synonym)
            .field("synonyms", &self.synonyms)
            .field("incremental_operation", &self.incremental_operation)
            .finish()
    }
}

/// The key of a per-resource result: `(restype, name)`, what Python hashes a
/// `ConfigResource` by.
pub type ResourceKey = (ResourceType, String);

/// A resource's described configuration: entries by name (Python's
/// `dict(<configname, ConfigEntry>)`).
pub type ConfigEntries = BTreeMap<String, ConfigEntry>;

/// A resource whose configuration to describe or alter: Python's `ConfigResource(restype,
/// name, set_config=None, incremental_configs=None)`.
///
/// ```
/// use rkafka::admin::{AlterConfigOpType, ConfigResource, ResourceType};
/// let describe = ConfigResource::new(ResourceType::Topic, "orders");
/// let alter = ConfigResource::new(ResourceType::Topic, "orders")
///     .incremental_config("retention.ms", AlterConfigOpType::Set, Some("86400000"))
///     .incremental_config("cleanup.policy", AlterConfigOpType::Delete, None);
/// # let _ = (describe, alter);
/// ```
///
/// `Debug` redacts the values of entries named like secrets.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConfigResource {
    /// Python: `restype`.
    pub restype: ResourceType,
    /// Python: `name` (a broker id for [`ResourceType::Broker`]).
    pub name: String,
    /// Python: `set_config_dict`: the full configuration for [`AdminClient::alter_configs`].
    pub set_config: BTreeMap<String, String>,
    /// Python: `incremental_configs`: changes for [`AdminClient::incremental_alter_configs`].
    pub incremental_configs: Vec<ConfigEntry>,
}

impl ConfigResource {
    /// Python: `ConfigResource(restype, name)`.
    pub fn new(restype: ResourceType, name: impl Into<String>) -> ConfigResource {
        ConfigResource {
            restype,
            name: name.into(),
            set_config: BTreeMap::new(),
            incremental_configs: Vec::new(),
        }
    }

    /// Python: `set_config(name, value)`: an entry for [`AdminClient::alter_configs`].
    pub fn set_config(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.set_config.insert(name.into(), value.into());
        self
    }

    /// Python: `add_incremental_config(ConfigEntry(name, value, incremental_operation=op))`.
    pub fn incremental_config(
        mut self,
        name: impl Into<String>,
        op: AlterConfigOpType,
        value: Option<&str>,
    ) -> Self {
        self.incremental_configs
            .push(ConfigEntry::incremental(name, op, value));
        self
    }

    /// The `(restype, name)` key results are returned under (Python hashes a
    /// `ConfigResource` by these two).
    pub fn key(&self) -> ResourceKey {
        (self.restype, self.name.clone())
    }

    fn check(&self, op: &str) -> Result<()> {
        if matches!(self.restype, ResourceType::Unknown | ResourceType::Any) {
            return Err(invalid(
                op,
                format!(
                    "resource {:?}: restype must be TOPIC, GROUP, BROKER or TRANSACTIONAL_ID, not {}",
                    self.name, self.restype
                ),
            ));
        }
        name_cstring(op, "resource name", &self.name)?;
        if self.restype == ResourceType::Broker
            && self.name.parse::<i32>().map_or(true, |id| id < 0)
        {
            return Err(invalid(
                op,
                format!(
                    "BROKER resource name must be a broker id, not {:?}",
                    self.name
                ),
            ));
        }
        Ok(())
    }

    /// The native resource, with `set_config` entries if `with_set`, incremental entries if
    /// `with_incremental`.
    fn to_native(
        &self,
        op: &str,
        with_set: bool,
        with_incremental: bool,
    ) -> Result<ConfigResourceHandle> {
        self.check(op)?;
        let name = cstring("resource name", &self.name).map_err(|e| invalid(op, e.str()))?;
        // SAFETY: name is NUL-terminated and copied; the type is a valid resource type.
        let raw = unsafe { ffi::config_resource_new(self.restype.raw(), name.as_ptr()) };
        // SAFETY: null or a new object we own.
        let handle = unsafe { ConfigResourceHandle::from_raw(raw) }
            .ok_or_else(|| invalid(op, format!("resource {:?} refused", self.name)))?;
        if with_set {
            for (k, v) in &self.set_config {
                let ck = name_cstring(op, "config name", k)?;
                let cv = cstring("config value", v).map_err(|e| invalid(op, e.str()))?;
                // SAFETY: the handle is live; both strings are NUL-terminated and copied.
                let code = unsafe {
                    ffi::config_resource_set_config(handle.ptr(), ck.as_ptr(), cv.as_ptr())
                };
                if code != 0 {
                    return Err(invalid(
                        op,
                        format!(
                            "config {k:?} refused ({})",
                            crate::ErrorCode::from_raw(code)
                        ),
                    ));
                }
            }
        }
        if with_incremental {
            for entry in &self.incremental_configs {
                let k = &entry.name;
                let ck = name_cstring(op, "config name", k)?;
                let Some(op_type) = entry.incremental_operation else {
                    return Err(invalid(
                        op,
                        format!("config {k:?} has no incremental_operation (use ConfigEntry::incremental)"),
                    ));
                };
                let cv = match (&entry.value, op_type) {
                    (_, AlterConfigOpType::Delete) => None,
                    (Some(v), _) => {
                        Some(cstring("config value", v).map_err(|e| invalid(op, e.str()))?)
                    }
                    (None, _) => {
                        return Err(invalid(
                            op,
                            format!("config {k:?}: {op_type} needs a value"),
                        ))
                    }
                };
                // SAFETY: the handle is live; the strings (or null value) are copied; the
                // result is null or a new error we own.
                let err = unsafe {
                    ffi::config_resource_add_incremental_config(
                        handle.ptr(),
                        ck.as_ptr(),
                        op_type.raw(),
                        cv.as_ref().map_or(std::ptr::null(), |c| c.as_ptr()),
                    )
                };
                // SAFETY: err is null or an error we own.
                if let Some(e) = unsafe { KafkaError::from_native(err) } {
                    return Err(invalid(op, format!("config {k:?}: {}", e.str())));
                }
            }
        }
        Ok(handle)
    }
}

impl fmt::Debug for ConfigResource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let set: BTreeMap<&str, &str> = self
            .set_config
            .iter()
            .map(|(k, v)| {
                let v = if name_looks_secret(k) {
                    "[redacted]"
                } else {
                    v.as_str()
                };
                (k.as_str(), v)
            })
            .collect();
        f.debug_struct("ConfigResource")
            .field("restype", &self.restype)
            .field("name", &self.name)
            .field("set_config", &set)
            .field("incremental_configs", &self.incremental_configs)
            .finish()
    }
}

impl fmt::Display for ConfigResource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ConfigResource({},{})", self.restype, self.name)
    }
}

const DESCRIBE_CONFIGS: Op = Op {
    api: sys::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS,
    event: consts::RD_KAFKA_EVENT_DESCRIBECONFIGS_RESULT,
    name: "describe_configs",
};
const ALTER_CONFIGS: Op = Op {
    api: sys::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_ALTERCONFIGS,
    event: consts::RD_KAFKA_EVENT_ALTERCONFIGS_RESULT,
    name: "alter_configs",
};
const INCREMENTAL_ALTER_CONFIGS: Op = Op {
    api: sys::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_INCREMENTALALTERCONFIGS,
    event: consts::RD_KAFKA_EVENT_INCREMENTALALTERCONFIGS_RESULT,
    name: "incremental_alter_configs",
};

/// Which resource results accessor to use.
#[derive(Clone, Copy)]
enum Kind {
    Describe,
    Alter,
    Incremental,
}

impl AdminClient {
    /// Python: `describe_configs(resources, request_timeout)`: for each resource (keyed by
    /// `(restype, name)`), its entries by name. At most one BROKER resource per call.
    ///
    /// Refused before sending: no resources, a duplicate, an empty name, a non-numeric broker
    /// id, an `ANY`/`UNKNOWN` type, two BROKER resources.
    pub fn describe_configs(
        &self,
        resources: &[ConfigResource],
        options: &AdminOptions,
    ) -> Result<BTreeMap<ResourceKey, Result<ConfigEntries>>> {
        let results = self.configs(DESCRIBE_CONFIGS, Kind::Describe, resources, options)?;
        Ok(results)
    }

    /// Python: `alter_configs(resources, request_timeout, validate_only)` (deprecated there
    /// too): replaces each resource's whole configuration with its `set_config` entries
    /// (everything else reverts to defaults). Prefer
    /// [`AdminClient::incremental_alter_configs`].
    pub fn alter_configs(
        &self,
        resources: &[ConfigResource],
        options: &AdminOptions,
    ) -> Result<BTreeMap<ResourceKey, Result<()>>> {
        let results = self.configs(ALTER_CONFIGS, Kind::Alter, resources, options)?;
        Ok(results.into_iter().map(|(k, r)| (k, r.map(drop))).collect())
    }

    /// Python: `incremental_alter_configs(resources, request_timeout, validate_only, broker)`:
    /// applies each resource's `incremental_configs` changes and leaves the rest alone.
    /// Refused before sending additionally: a resource without changes, a change without an
    /// operation, SET/APPEND/SUBTRACT without a value, the same entry twice.
    pub fn incremental_alter_configs(
        &self,
        resources: &[ConfigResource],
        options: &AdminOptions,
    ) -> Result<BTreeMap<ResourceKey, Result<()>>> {
        let op = INCREMENTAL_ALTER_CONFIGS.name;
        for r in resources {
            if r.incremental_configs.is_empty() {
                return Err(invalid(op, format!("{r} has no incremental_configs")));
            }
            require_unique(
                op,
                &format!("config entry of {r}"),
                r.incremental_configs.iter().map(|e| e.name.as_str()),
            )?;
        }
        let results = self.configs(
            INCREMENTAL_ALTER_CONFIGS,
            Kind::Incremental,
            resources,
            options,
        )?;
        Ok(results.into_iter().map(|(k, r)| (k, r.map(drop))).collect())
    }

    fn configs(
        &self,
        op: Op,
        kind: Kind,
        resources: &[ConfigResource],
        options: &AdminOptions,
    ) -> Result<BTreeMap<ResourceKey, Result<ConfigEntries>>> {
        require_some(op.name, resources, "ConfigResource")?;
        require_unique(
            op.name,
            "resource",
            resources.iter().map(ConfigResource::key),
        )?;
        if resources
            .iter()
            .filter(|r| r.restype == ResourceType::Broker)
            .count()
            > 1
        {
            return Err(invalid(
                op.name,
                "at most one BROKER resource per call (each goes to its own broker)",
            ));
        }
        let handles = resources
            .iter()
            .map(|r| {
                r.to_native(
                    op.name,
                    matches!(kind, Kind::Alter),
                    matches!(kind, Kind::Incremental),
                )
            })
            .collect::<Result<Vec<_>>>()?;
        let mut raw: Vec<_> = handles.iter().map(ConfigResourceHandle::ptr).collect();
        let event = self.request(op, options, |rk, o, q| {
            // SAFETY: rk, o and q are live; raw holds live ConfigResource objects (copied).
            unsafe {
                match kind {
                    Kind::Describe => {
                        sys::rd_kafka_DescribeConfigs(rk, raw.as_mut_ptr(), raw.len(), o, q)
                    }
                    Kind::Alter => {
                        sys::rd_kafka_AlterConfigs(rk, raw.as_mut_ptr(), raw.len(), o, q)
                    }
                    Kind::Incremental => {
                        sys::rd_kafka_IncrementalAlterConfigs(rk, raw.as_mut_ptr(), raw.len(), o, q)
                    }
                }
            }
        })?;
        let mut n = 0;
        // SAFETY: a live result event of the requested kind; every resource and entry lives
        // as long as it and is copied out; codes and types are read as ints.
        let got = unsafe {
            let ev = event.ptr();
            let list = match kind {
                Kind::Describe => sys::rd_kafka_DescribeConfigs_result_resources(
                    sys::rd_kafka_event_DescribeConfigs_result(ev),
                    &mut n,
                ),
                Kind::Alter => sys::rd_kafka_AlterConfigs_result_resources(
                    sys::rd_kafka_event_AlterConfigs_result(ev),
                    &mut n,
                ),
                Kind::Incremental => sys::rd_kafka_IncrementalAlterConfigs_result_resources(
                    sys::rd_kafka_event_IncrementalAlterConfigs_result(ev),
                    &mut n,
                ),
            };
            c_array(list, n)
                .iter()
                .map(|&r| {
                    let key = (
                        ResourceType::from_raw(ffi::config_resource_type(r)),
                        cstr_lossy(sys::rd_kafka_ConfigResource_name(r)).into_owned(),
                    );
                    let code = ffi::config_resource_error(r);
                    if code != 0 {
                        let msg =
                            cstr_lossy(sys::rd_kafka_ConfigResource_error_string(r)).into_owned();
                        return (key, Err(error_with(code, msg)));
                    }
                    let mut m = 0;
                    let entries = c_array(sys::rd_kafka_ConfigResource_configs(r, &mut m), m)
                        .iter()
                        .map(|&e| {
                            let entry = ConfigEntry::from_raw(e);
                            (entry.name.clone(), entry)
                        })
                        .collect();
                    (key, Ok(entries))
                })
                .collect()
        };
        Ok(collect(
            op.name,
            resources.iter().map(ConfigResource::key),
            got,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sensitive_values_are_redacted_in_debug() {
        let mut e = ConfigEntry::new("ssl.truststore.password", "hunter2");
        assert!(!format!("{e:?}").contains("hunter2"));
        e.name = "sasl.jaas.config".into();
        assert!(!format!("{e:?}").contains("hunter2"));
        e.name = "retention.ms".into();
        assert!(format!("{e:?}").contains("hunter2"));
        e.is_sensitive = true;
        assert!(!format!("{e:?}").contains("hunter2"));
        let r = ConfigResource::new(ResourceType::Broker, "1")
            .set_config(
                "listener.name.x.scram-sha-256.sasl.jaas.config",
                "secret-jaas",
            )
            .incremental_config("ssl.key.password", AlterConfigOpType::Set, Some("pw-123"));
        let s = format!("{r:?}");
        assert!(!s.contains("secret-jaas") && !s.contains("pw-123"), "{s}");
    }

    #[test]
    fn resource_validation() {
        let op = "describe_configs";
        assert!(ConfigResource::new(ResourceType::Topic, "t")
            .check(op)
            .is_ok());
        assert!(ConfigResource::new(ResourceType::Broker, "1")
            .check(op)
            .is_ok());
        for (r, why) in [
            (
                ConfigResource::new(ResourceType::Topic, ""),
                "must not be empty",
            ),
            (
                ConfigResource::new(ResourceType::Any, "t"),
                "restype must be",
            ),
            (ConfigResource::new(ResourceType::Broker, "b1"), "broker id"),
        ] {
            let e = r.check(op).unwrap_err();
            assert!(e.str().contains(why), "{e}");
        }
        let e = ConfigResource::new(ResourceType::Topic, "t")
            .incremental_config("x", AlterConfigOpType::Set, None)
            .to_native(op, false, true)
            .err()
            .unwrap();
        assert!(e.str().contains("SET needs a value"), "{e}");
    }
}
