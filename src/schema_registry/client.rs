//! [`SchemaRegistryClient`]: Python's `SchemaRegistryClient`, with the same REST calls and
//! the same caches (schemas by id and by subject + schema, registered schemas by version,
//! latest versions with an optional time to live).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde_json::{json, Value};

use super::error::SchemaRegistryError;
use super::rest::{urlencode, BearerFields, BearerProvider, RestClient};
use super::types::{
    ConfigCompatibilityLevel, RegisteredJson, RegisteredSchema, Schema, SchemaVersion,
    ServerConfig, Version,
};
use crate::config::Config;

type Result<T, E = SchemaRegistryError> = std::result::Result<T, E>;

/// Python's `_SchemaCache`: unbounded, as there.
#[derive(Default)]
struct SchemaCache {
    /// (subject, id) → (guid, schema).
    by_id: HashMap<(Option<String>, i32), (Option<String>, Schema)>,
    /// guid → schema.
    by_guid: HashMap<String, Schema>,
    /// (subject, schema) → id.
    id_by_schema: HashMap<(Option<String>, Schema), i32>,
    /// (subject, version) → registered schema.
    by_version: HashMap<(Option<String>, i32), RegisteredSchema>,
    /// (subject, schema) → registered schema.
    registered_by_schema: HashMap<(Option<String>, Schema), RegisteredSchema>,
}

impl SchemaCache {
    fn set_schema(
        &mut self,
        subject: Option<&str>,
        id: i32,
        guid: Option<String>,
        schema: &Schema,
    ) {
        let subject = subject.map(str::to_string);
        if let Some(g) = &guid {
            self.by_guid.insert(g.clone(), schema.clone());
        }
        self.by_id
            .insert((subject.clone(), id), (guid, schema.clone()));
        self.id_by_schema.insert((subject, schema.clone()), id);
    }

    fn set_registered(&mut self, schema: &Schema, rs: &RegisteredSchema) {
        self.set_schema(rs.subject.as_deref(), rs.schema_id, rs.guid.clone(), schema);
        let subject = rs.subject.clone();
        if let Some(v) = rs.version {
            self.by_version.insert((subject.clone(), v), rs.clone());
        }
        self.registered_by_schema
            .insert((subject, schema.clone()), rs.clone());
    }

    fn remove_subject(&mut self, subject: &str) {
        let s = Some(subject.to_string());
        self.by_id.retain(|(k, _), _| *k != s);
        self.id_by_schema.retain(|(k, _), _| *k != s);
        self.by_version.retain(|(k, _), _| *k != s);
        self.registered_by_schema.retain(|(k, _), _| *k != s);
    }

    fn remove_version(&mut self, subject: &str, version: i32) {
        let s = Some(subject.to_string());
        if let Some(rs) = self.by_version.remove(&(s.clone(), version)) {
            self.by_id.remove(&(s.clone(), rs.schema_id));
            self.id_by_schema.remove(&(s.clone(), rs.schema.clone()));
        }
        self.registered_by_schema
            .retain(|(k, _), rs| *k != s || rs.version != Some(version));
    }
}

/// Python's latest-version caches: `LRUCache(capacity)`, or `TTLCache(capacity, ttl)` with
/// `cache.latest.ttl.sec`. Oldest entries go first when full.
struct LatestCache<K> {
    entries: HashMap<K, (RegisteredSchema, Instant)>,
    order: VecDeque<K>,
    capacity: usize,
    ttl: Option<std::time::Duration>,
}

impl<K: std::hash::Hash + Eq + Clone> LatestCache<K> {
    fn new(capacity: usize, ttl: Option<std::time::Duration>) -> Self {
        LatestCache {
            entries: HashMap::new(),
            order: VecDeque::new(),
            capacity: capacity.max(1),
            ttl,
        }
    }

    fn get(&mut self, k: &K) -> Option<RegisteredSchema> {
        let (rs, at) = self.entries.get(k)?;
        if self.ttl.is_some_and(|ttl| at.elapsed() >= ttl) {
            self.entries.remove(k);
            return None;
        }
        Some(rs.clone())
    }

    fn put(&mut self, k: K, rs: RegisteredSchema) {
        if self
            .entries
            .insert(k.clone(), (rs, Instant::now()))
            .is_none()
        {
            self.order.push_back(k);
        }
        while self.entries.len() > self.capacity {
            match self.order.pop_front() {
                Some(old) => {
                    self.entries.remove(&old);
                }
                None => break,
            }
        }
        // Keys removed by expiry stay in `order` until they come round; keep it bounded too.
        if self.order.len() > 2 * self.capacity {
            self.order.retain(|k| self.entries.contains_key(k));
        }
    }

    fn clear(&mut self) {
        self.entries.clear();
        self.order.clear();
    }
}

/// The key of a latest-with-metadata answer: subject, metadata, deleted.
type MetadataKey = (String, BTreeMap<String, String>, bool);

struct Inner {
    rest: RestClient,
    config: Config,
    cache: Mutex<SchemaCache>,
    latest: Mutex<LatestCache<String>>,
    latest_with_metadata: Mutex<LatestCache<MetadataKey>>,
}

/// A Confluent Schema Registry client. Python:
/// `confluent_kafka.schema_registry.SchemaRegistryClient(conf)`.
///
/// Cheap to clone (one shared connection pool and cache) and `Send + Sync`: serializers hold a
/// clone. Every call is bounded: each HTTP request by `timeout` (default 30 s), retried at most
/// `max.retries` times for answers 408/429/5xx, over each URL of `url` in turn.
///
/// | `conf` key | meaning (as Python) |
/// |---|---|
/// | `url` | comma-separated base URLs (`http://` or `https://`; `user:password@` in the first is basic auth) |
/// | `basic.auth.user.info` | `user:password` |
/// | `bearer.auth.credentials.source` | `STATIC_TOKEN` (`bearer.auth.token`), `OAUTHBEARER` (`bearer.auth.client.id`, `bearer.auth.client.secret`, `bearer.auth.scope`, `bearer.auth.issuer.endpoint.url`) or `CUSTOM` ([`SchemaRegistryClient::with_bearer_provider`]); the first two also need `bearer.auth.logical.cluster`, `bearer.auth.identity.pool.id` |
/// | `ssl.ca.location` | CA file or directory (default: the system's roots) |
/// | `ssl.certificate.location`, `ssl.key.location`, `ssl.key.password` | client certificate, its key and the key's password |
/// | `proxy` | proxy URL |
/// | `timeout` | seconds per HTTP request (default 30; Python's default is none) |
/// | `cache.capacity`, `cache.latest.ttl.sec` | size and time to live of the latest-version caches |
/// | `max.retries`, `retries.wait.ms`, `retries.max.wait.ms` | retries of retriable answers, full-jitter backoff (3, 1000, 20000) |
///
/// `Debug` shows the URLs without credentials; no error names a secret.
#[derive(Clone)]
pub struct SchemaRegistryClient {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for SchemaRegistryClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SchemaRegistryClient")
            .field("urls", &self.inner.rest.urls())
            .finish_non_exhaustive()
    }
}

/// `subjects/<subject>` with the subject percent-encoded.
fn subject_path(subject: &str) -> String {
    format!("subjects/{}", urlencode(subject))
}

fn q(k: &'static str, v: impl ToString) -> (&'static str, String) {
    (k, v.to_string())
}

fn parse<T: serde::de::DeserializeOwned>(v: Value, what: &str) -> Result<T> {
    serde_json::from_value(v)
        .map_err(|e| SchemaRegistryError::local(format!("unexpected answer to {what}: {e}")))
}

impl SchemaRegistryClient {
    /// Python: `SchemaRegistryClient(conf)`. Refuses unknown keys and malformed values, naming
    /// them (never their secret values).
    pub fn new(config: impl Into<Config>) -> Result<SchemaRegistryClient> {
        Self::build(config.into(), None)
    }

    /// With `bearer.auth.credentials.source=CUSTOM`: `provider` gives the bearer token, logical
    /// cluster and identity pool for each request. Python:
    /// `bearer.auth.custom.provider.function` (with its `bearer.auth.custom.provider.config`
    /// captured by the closure).
    pub fn with_bearer_provider(
        config: impl Into<Config>,
        provider: impl Fn() -> Result<BearerFields> + Send + Sync + 'static,
    ) -> Result<SchemaRegistryClient> {
        let provider: BearerProvider = Arc::new(provider);
        Self::build(config.into(), Some(provider))
    }

    fn build(config: Config, bearer: Option<BearerProvider>) -> Result<SchemaRegistryClient> {
        let rest = RestClient::new(&config, bearer)?;
        let (cap, ttl) = (rest.cache_capacity, rest.cache_latest_ttl);
        Ok(SchemaRegistryClient {
            inner: Arc::new(Inner {
                rest,
                config,
                cache: Mutex::default(),
                latest: Mutex::new(LatestCache::new(cap, ttl)),
                latest_with_metadata: Mutex::new(LatestCache::new(cap, ttl)),
            }),
        })
    }

    /// Python: `config()`: the configuration this client was made with (`Debug` and `Display`
    /// of a [`Config`] redact its secrets).
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, SchemaCache> {
        self.inner.cache.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn get(&self, path: &str, query: &[(&str, String)]) -> Result<Value> {
        self.inner.rest.send("GET", path, query, None)
    }

    fn schema_body(schema: &Schema) -> Value {
        serde_json::to_value(schema).expect("a schema always serializes")
    }

    /// Python: `register_schema(subject_name, schema, normalize_schemas=False)` → the id.
    pub fn register_schema(&self, subject: &str, schema: &Schema, normalize: bool) -> Result<i32> {
        self.register_schema_full_response(subject, schema, normalize)
            .map(|r| r.schema_id)
    }

    /// Python: `register_schema_full_response(subject_name, schema, normalize_schemas=False)`.
    /// A schema this client registered or looked up under `subject` before is answered from
    /// the cache.
    pub fn register_schema_full_response(
        &self,
        subject: &str,
        schema: &Schema,
        normalize: bool,
    ) -> Result<RegisteredSchema> {
        {
            let c = self.cache();
            let key = (Some(subject.to_string()), schema.clone());
            if let Some(id) = c.id_by_schema.get(&key) {
                if let Some((guid, s)) = c.by_id.get(&(key.0.clone(), *id)) {
                    return Ok(RegisteredSchema {
                        schema_id: *id,
                        guid: guid.clone(),
                        subject: Some(subject.to_string()),
                        version: None,
                        schema: s.clone(),
                    });
                }
            }
        }
        let v = self.inner.rest.send(
            "POST",
            &format!("{}/versions", subject_path(subject)),
            &[q("normalize", normalize)],
            Some(&Self::schema_body(schema)),
        )?;
        let mut rs = parse::<RegisteredJson>(v, "register_schema")?.into_registered(Some(schema));
        rs.subject.get_or_insert_with(|| subject.to_string());
        self.cache()
            .set_schema(Some(subject), rs.schema_id, rs.guid.clone(), &rs.schema);
        Ok(rs)
    }

    /// Python: `get_schema(schema_id, subject_name=None, fmt=None)`; `format` is e.g.
    /// `serialized` (Protobuf as a base64 `FileDescriptorProto`).
    pub fn get_schema(
        &self,
        schema_id: i32,
        subject: Option<&str>,
        format: Option<&str>,
    ) -> Result<Schema> {
        if let Some((_, s)) = self
            .cache()
            .by_id
            .get(&(subject.map(str::to_string), schema_id))
        {
            return Ok(s.clone());
        }
        let mut query = Vec::new();
        if let Some(s) = subject {
            query.push(q("subject", s));
        }
        if let Some(f) = format {
            query.push(q("format", f));
        }
        let v = self.get(&format!("schemas/ids/{schema_id}"), &query)?;
        let rs = parse::<RegisteredJson>(v, "get_schema")?.into_registered(None);
        self.cache()
            .set_schema(subject, schema_id, rs.guid.clone(), &rs.schema);
        Ok(rs.schema)
    }

    /// Python: `get_schema_by_guid(guid, fmt=None)`.
    pub fn get_schema_by_guid(&self, guid: &str, format: Option<&str>) -> Result<Schema> {
        if let Some(s) = self.cache().by_guid.get(guid) {
            return Ok(s.clone());
        }
        let query: Vec<_> = format.map(|f| q("format", f)).into_iter().collect();
        let v = self.get(&format!("schemas/guids/{}", urlencode(guid)), &query)?;
        let rs = parse::<RegisteredJson>(v, "get_schema_by_guid")?.into_registered(None);
        let mut c = self.cache();
        c.by_guid.insert(guid.to_string(), rs.schema.clone());
        if rs.schema_id >= 0 {
            c.set_schema(None, rs.schema_id, Some(guid.to_string()), &rs.schema);
        }
        Ok(rs.schema)
    }

    /// Python: `get_schema_types()`.
    pub fn get_schema_types(&self) -> Result<Vec<String>> {
        parse(self.get("schemas/types", &[])?, "get_schema_types")
    }

    /// Python: `get_subjects_by_schema_id(schema_id, subject_name=None, deleted=False)`.
    pub fn get_subjects_by_schema_id(
        &self,
        schema_id: i32,
        subject: Option<&str>,
        deleted: bool,
    ) -> Result<Vec<String>> {
        let mut query = vec![q("deleted", deleted)];
        if let Some(s) = subject {
            query.push(q("subject", s));
        }
        parse(
            self.get(&format!("schemas/ids/{schema_id}/subjects"), &query)?,
            "get_subjects_by_schema_id",
        )
    }

    /// Python: `get_schema_versions(schema_id, subject_name=None, deleted=False)`.
    pub fn get_schema_versions(
        &self,
        schema_id: i32,
        subject: Option<&str>,
        deleted: bool,
    ) -> Result<Vec<SchemaVersion>> {
        let mut query = vec![q("deleted", deleted)];
        if let Some(s) = subject {
            query.push(q("subject", s));
        }
        parse(
            self.get(&format!("schemas/ids/{schema_id}/versions"), &query)?,
            "get_schema_versions",
        )
    }

    /// Python: `lookup_schema(subject_name, schema, normalize_schemas=False, deleted=False)`:
    /// the registered schema under `subject` equal to `schema` (a 404 if there is none).
    pub fn lookup_schema(
        &self,
        subject: &str,
        schema: &Schema,
        normalize: bool,
        deleted: bool,
    ) -> Result<RegisteredSchema> {
        let key = (Some(subject.to_string()), schema.clone());
        if let Some(rs) = self.cache().registered_by_schema.get(&key) {
            return Ok(rs.clone());
        }
        let v = self.inner.rest.send(
            "POST",
            &subject_path(subject),
            &[q("normalize", normalize), q("deleted", deleted)],
            Some(&Self::schema_body(schema)),
        )?;
        let mut rs = parse::<RegisteredJson>(v, "lookup_schema")?.into_registered(Some(schema));
        // Python keeps the schema as given (the registry may answer a normalized one).
        rs.schema = schema.clone();
        rs.subject.get_or_insert_with(|| subject.to_string());
        self.cache().set_registered(schema, &rs);
        Ok(rs)
    }

    /// Python: `get_subjects(subject_prefix=None, deleted=False, deleted_only=False)`.
    pub fn get_subjects(
        &self,
        prefix: Option<&str>,
        deleted: bool,
        deleted_only: bool,
    ) -> Result<Vec<String>> {
        let mut query = vec![q("deleted", deleted), q("deleted_only", deleted_only)];
        if let Some(p) = prefix {
            query.push(q("subject", p));
        }
        parse(self.get("subjects", &query)?, "get_subjects")
    }

    /// Python: `delete_subject(subject_name, permanent=False)` → the deleted versions.
    pub fn delete_subject(&self, subject: &str, permanent: bool) -> Result<Vec<i32>> {
        let query: Vec<_> = permanent
            .then(|| q("permanent", true))
            .into_iter()
            .collect();
        let v = self
            .inner
            .rest
            .send("DELETE", &subject_path(subject), &query, None)?;
        if permanent {
            self.cache().remove_subject(subject);
        }
        parse(v, "delete_subject")
    }

    /// Python: `get_latest_version(subject_name, fmt=None)` (cached; `cache.latest.ttl.sec`).
    pub fn get_latest_version(
        &self,
        subject: &str,
        format: Option<&str>,
    ) -> Result<RegisteredSchema> {
        let mut latest = self.inner.latest.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(rs) = latest.get(&subject.to_string()) {
            return Ok(rs);
        }
        drop(latest);
        let query: Vec<_> = format.map(|f| q("format", f)).into_iter().collect();
        let v = self.get(
            &format!("{}/versions/latest", subject_path(subject)),
            &query,
        )?;
        let rs = parse::<RegisteredJson>(v, "get_latest_version")?.into_registered(None);
        latest = self.inner.latest.lock().unwrap_or_else(|p| p.into_inner());
        latest.put(subject.to_string(), rs.clone());
        Ok(rs)
    }

    /// Python: `get_latest_with_metadata(subject_name, metadata, deleted=False, fmt=None)`.
    pub fn get_latest_with_metadata(
        &self,
        subject: &str,
        metadata: &BTreeMap<String, String>,
        deleted: bool,
        format: Option<&str>,
    ) -> Result<RegisteredSchema> {
        let key = (subject.to_string(), metadata.clone(), deleted);
        let cache = &self.inner.latest_with_metadata;
        if let Some(rs) = cache.lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
            return Ok(rs);
        }
        let mut query = vec![q("deleted", deleted)];
        if let Some(f) = format {
            query.push(q("format", f));
        }
        for (k, v) in metadata {
            query.push(q("key", k));
            query.push(q("value", v));
        }
        let v = self.get(&format!("{}/metadata", subject_path(subject)), &query)?;
        let rs = parse::<RegisteredJson>(v, "get_latest_with_metadata")?.into_registered(None);
        cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .put(key, rs.clone());
        Ok(rs)
    }

    /// Python: `get_version(subject_name, version="latest", deleted=False, fmt=None)`.
    pub fn get_version(
        &self,
        subject: &str,
        version: impl Into<Version>,
        deleted: bool,
        format: Option<&str>,
    ) -> Result<RegisteredSchema> {
        let version = version.into();
        if let Version::Number(n) = version {
            if let Some(rs) = self.cache().by_version.get(&(Some(subject.to_string()), n)) {
                return Ok(rs.clone());
            }
        }
        let mut query = vec![q("deleted", deleted)];
        if let Some(f) = format {
            query.push(q("format", f));
        }
        let v = self.get(
            &format!("{}/versions/{version}", subject_path(subject)),
            &query,
        )?;
        let mut rs = parse::<RegisteredJson>(v, "get_version")?.into_registered(None);
        rs.subject.get_or_insert_with(|| subject.to_string());
        let schema = rs.schema.clone();
        self.cache().set_registered(&schema, &rs);
        Ok(rs)
    }

    /// Python: `get_referenced_by(subject_name, version="latest")`: ids of schemas that
    /// reference this one.
    pub fn get_referenced_by(
        &self,
        subject: &str,
        version: impl Into<Version>,
    ) -> Result<Vec<i32>> {
        let path = format!(
            "{}/versions/{}/referencedby",
            subject_path(subject),
            version.into()
        );
        parse(self.get(&path, &[])?, "get_referenced_by")
    }

    /// Python: `get_versions(subject_name, deleted=False, deleted_only=False)`.
    pub fn get_versions(
        &self,
        subject: &str,
        deleted: bool,
        deleted_only: bool,
    ) -> Result<Vec<i32>> {
        let query = [q("deleted", deleted), q("deleted_only", deleted_only)];
        parse(
            self.get(&format!("{}/versions", subject_path(subject)), &query)?,
            "get_versions",
        )
    }

    /// Python: `delete_version(subject_name, version, permanent=False)` → the deleted version.
    pub fn delete_version(&self, subject: &str, version: i32, permanent: bool) -> Result<i32> {
        let query: Vec<_> = permanent
            .then(|| q("permanent", true))
            .into_iter()
            .collect();
        let path = format!("{}/versions/{version}", subject_path(subject));
        let v = self.inner.rest.send("DELETE", &path, &query, None)?;
        if permanent {
            self.cache().remove_version(subject, version);
        }
        parse(v, "delete_version")
    }

    fn config_path(subject: Option<&str>) -> String {
        match subject {
            Some(s) => format!("config/{}", urlencode(s)),
            None => "config".to_string(),
        }
    }

    /// Python: `set_compatibility(subject_name=None, level=None)`: the subject's level, or the
    /// registry's global one without a subject.
    pub fn set_compatibility(
        &self,
        subject: Option<&str>,
        level: ConfigCompatibilityLevel,
    ) -> Result<ConfigCompatibilityLevel> {
        let body = json!({ "compatibility": level.as_str() });
        let v = self
            .inner
            .rest
            .send("PUT", &Self::config_path(subject), &[], Some(&body))?;
        let c: ServerConfig = parse(v, "set_compatibility")?;
        Ok(c.compatibility.or(c.compatibility_level).unwrap_or(level))
    }

    /// Python: `get_compatibility(subject_name=None)`.
    pub fn get_compatibility(&self, subject: Option<&str>) -> Result<ConfigCompatibilityLevel> {
        let c = self.get_config(subject)?;
        c.compatibility_level.or(c.compatibility).ok_or_else(|| {
            SchemaRegistryError::local("the registry's config answer names no compatibility level")
        })
    }

    /// Python: `test_compatibility(subject_name, schema, version="latest", normalize=False,
    /// verbose=False)`.
    pub fn test_compatibility(
        &self,
        subject: &str,
        schema: &Schema,
        version: impl Into<Version>,
        normalize: bool,
    ) -> Result<bool> {
        let path = format!(
            "compatibility/{}/versions/{}",
            subject_path(subject),
            version.into()
        );
        self.compatible(&path, schema, normalize)
    }

    /// Python: `test_compatibility_all_versions(subject_name, schema, normalize=False,
    /// verbose=False)`.
    pub fn test_compatibility_all_versions(
        &self,
        subject: &str,
        schema: &Schema,
        normalize: bool,
    ) -> Result<bool> {
        let path = format!("compatibility/{}/versions", subject_path(subject));
        self.compatible(&path, schema, normalize)
    }

    fn compatible(&self, path: &str, schema: &Schema, normalize: bool) -> Result<bool> {
        let query = [q("normalize", normalize), q("verbose", false)];
        let v = self
            .inner
            .rest
            .send("POST", path, &query, Some(&Self::schema_body(schema)))?;
        v.get("is_compatible")
            .and_then(Value::as_bool)
            .ok_or_else(|| {
                SchemaRegistryError::local("the compatibility answer has no is_compatible")
            })
    }

    /// Python: `set_config(subject_name=None, config=None)`.
    pub fn set_config(&self, subject: Option<&str>, config: &ServerConfig) -> Result<ServerConfig> {
        let body = serde_json::to_value(config).expect("a config always serializes");
        parse(
            self.inner
                .rest
                .send("PUT", &Self::config_path(subject), &[], Some(&body))?,
            "set_config",
        )
    }

    /// Python: `delete_config(subject_name=None)`.
    pub fn delete_config(&self, subject: Option<&str>) -> Result<ServerConfig> {
        parse(
            self.inner
                .rest
                .send("DELETE", &Self::config_path(subject), &[], None)?,
            "delete_config",
        )
    }

    /// Python: `get_config(subject_name=None)`.
    pub fn get_config(&self, subject: Option<&str>) -> Result<ServerConfig> {
        parse(self.get(&Self::config_path(subject), &[])?, "get_config")
    }

    fn mode(
        &self,
        method: &str,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<String> {
        let v = self.inner.rest.send(method, path, query, body)?;
        v.get("mode")
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| SchemaRegistryError::local("the mode answer has no mode"))
    }

    /// Python: `get_mode(subject_name)`.
    pub fn get_mode(&self, subject: &str) -> Result<String> {
        self.mode("GET", &format!("mode/{}", urlencode(subject)), &[], None)
    }

    /// Python: `update_mode(subject_name, mode, force=False)`.
    pub fn update_mode(&self, subject: &str, mode: &str, force: bool) -> Result<String> {
        let path = format!("mode/{}", urlencode(subject));
        self.mode(
            "PUT",
            &path,
            &[q("force", force)],
            Some(&json!({ "mode": mode })),
        )
    }

    /// Python: `delete_mode(subject_name)`.
    pub fn delete_mode(&self, subject: &str) -> Result<String> {
        self.mode("DELETE", &format!("mode/{}", urlencode(subject)), &[], None)
    }

    /// Python: `get_global_mode()`.
    pub fn get_global_mode(&self) -> Result<String> {
        self.mode("GET", "mode", &[], None)
    }

    /// Python: `update_global_mode(mode, force=False)`.
    pub fn update_global_mode(&self, mode: &str, force: bool) -> Result<String> {
        self.mode(
            "PUT",
            "mode",
            &[q("force", force)],
            Some(&json!({ "mode": mode })),
        )
    }

    /// Python: `get_contexts()`.
    pub fn get_contexts(&self) -> Result<Vec<String>> {
        parse(self.get("contexts", &[])?, "get_contexts")
    }

    /// Python: `clear_latest_caches()`.
    pub fn clear_latest_caches(&self) {
        self.inner
            .latest
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        self.inner
            .latest_with_metadata
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    /// Python: `clear_caches()`.
    pub fn clear_caches(&self) {
        self.clear_latest_caches();
        *self.cache() = SchemaCache::default();
    }
}
