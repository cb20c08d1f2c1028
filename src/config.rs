//! [`Config`]: a librdkafka configuration, taken unchanged from a Python dict, a
//! `.properties` file or the environment.
//!
//! A Python config dict translates line for line, values of any type included, with the
//! [`config!`](crate::config!) macro:
//!
//! ```
//! let addr = String::from("localhost:9092");
//! // Python: {'bootstrap.servers': addr, 'session.timeout.ms': 6000, 'enable.auto.commit': False}
//! let config = rkafka::config! {
//!     "bootstrap.servers" => addr,
//!     "session.timeout.ms" => 6000,
//!     "enable.auto.commit" => false,
//! };
//! assert_eq!(config.get("session.timeout.ms"), Some("6000"));
//! assert_eq!(config.get("enable.auto.commit"), Some("false"));
//! ```
//!
//! or with [`Config::from`] on pairs of one type, or [`Config::set`] on values of any type:
//!
//! ```
//! use rkafka::Config;
//! let config = Config::from([
//!     ("bootstrap.servers", "localhost:9092"),
//!     ("security.protocol", "SASL_PLAINTEXT"),
//!     ("sasl.mechanisms", "SCRAM-SHA-256"),
//!     ("sasl.username", "alice"),
//!     ("sasl.password", "s3cret"),
//! ]);
//! assert!(!format!("{config:?}").contains("s3cret"));
//!
//! let group = String::from("orders");
//! let mut config = Config::new();
//! config
//!     .set("session.timeout.ms", 6000)
//!     .set("enable.auto.commit", false)
//!     .set("group.id", &group);
//! assert_eq!(config.get("group.id"), Some("orders"));
//! ```

use std::collections::{BTreeMap, HashMap};
use std::ffi::OsStr;
use std::fmt::{self, Display};
use std::path::Path;

use std::sync::OnceLock;

use libc::c_char;
use rdkafka_sys::bindings as sys;

use crate::error::cstring;
use crate::error::{ConfigIssue, KafkaError, Result};
use crate::handle::Handle;
use crate::util::{edit_distance_within, errbuf_str, shorten};

mod properties;
mod secrets;

pub(crate) use secrets::Secrets;
use secrets::REDACTED;

/// How much of a key or value an error message quotes.
pub(crate) const SHOWN_CHARS: usize = 100;

/// Builds a [`Config`] from `key => value` pairs, the way a Python dict literal reads; values
/// may be of any type that implements `Display` (numbers, `bool`s as `true`/`false`, strings),
/// mixed freely.
///
/// ```
/// let addr = "localhost:9092".to_string();
/// let config = rkafka::config! {
///     "bootstrap.servers" => addr,
///     "session.timeout.ms" => 6000,
///     "enable.auto.commit" => false,
///     "client.id" => "orders-app",
/// };
/// assert_eq!(config.len(), 4);
/// assert_eq!(config.get("enable.auto.commit"), Some("false"));
/// assert!(rkafka::config! {}.is_empty());
/// ```
///
/// Clients take it as they take any `Config`:
///
/// ```
/// # fn main() -> rkafka::Result<()> {
/// let cluster = rkafka::MockCluster::new(1)?;
/// let producer = rkafka::Producer::new(rkafka::config! {
///     "bootstrap.servers" => cluster.bootstrap_servers(),
///     "linger.ms" => 5,
///     "enable.idempotence" => true,
/// })?;
/// # drop(producer);
/// # Ok(()) }
/// ```
#[macro_export]
macro_rules! config {
    () => {
        $crate::Config::new()
    };
    ($($key:expr => $value:expr),+ $(,)?) => {{
        let mut config = $crate::Config::new();
        $(config.set($key, $value);)+
        config
    }};
}

/// A librdkafka configuration: an ordered set of `key = value` string properties.
///
/// Mirrors the `dict` confluent-kafka-python takes (`Producer(conf)`, `Consumer(conf)`). Every
/// librdkafka property (global or topic-level) is accepted exactly as librdkafka spells it;
/// nothing is checked until a client is created from it, when librdkafka itself validates every
/// entry and *all* problems are reported at once (see [`KafkaError::config_issues`]).
///
/// `Debug` and `Display` redact sensitive values (see [`Config::is_sensitive`]).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Config {
    entries: Vec<(String, String)>,
}

impl Config {
    /// An empty configuration.
    pub fn new() -> Config {
        Config::default()
    }

    /// Sets `key` to `value`, replacing an earlier value (Python: `conf[key] = value`). The
    /// value may be of any `Display` type: `6000`, `false` (librdkafka's `true`/`false`, as
    /// Python's `True`/`False` become), `"all"`, a `String`.
    pub fn set(&mut self, key: impl Into<String>, value: impl Display) -> &mut Config {
        let (key, value) = (key.into(), value.to_string());
        match self.entries.iter_mut().find(|(k, _)| *k == key) {
            Some(e) => e.1 = value,
            None => self.entries.push((key, value)),
        }
        self
    }

    /// Builder form of [`Config::set`].
    pub fn with(mut self, key: impl Into<String>, value: impl Display) -> Config {
        self.set(key, value);
        self
    }

    /// The value of `key`, if set (Python: `conf.get(key)`).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Removes `key`, returning its value (Python: `conf.pop(key, None)`).
    pub fn remove(&mut self, key: &str) -> Option<String> {
        let i = self.entries.iter().position(|(k, _)| k == key)?;
        Some(self.entries.remove(i).1)
    }

    /// The entries in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when no entry is set.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Adds every entry of `other`, which wins on conflicts (Python: `conf.update(other)`).
    pub fn extend<K: Into<String>, V: Display>(&mut self, other: impl IntoIterator<Item = (K, V)>) {
        for (k, v) in other {
            self.set(k, v);
        }
    }

    /// Loads a `.properties` file (Java's, kcat's `-F`), read as UTF-8 text by the rules of
    /// Java's `Properties.load(Reader)`: `key=value`, `key: value` or `key value`; `#` and `!`
    /// comment lines; lines end at `\n`, `\r` or `\r\n`; a trailing `\` continues a line;
    /// `\t`, `\n`, `\r`, `\f`, `\uXXXX` and `\` before any other character are escapes. A
    /// leading byte-order mark is dropped; an empty key, a malformed `\uXXXX` and half a UTF-16
    /// surrogate pair are refused naming the file and line. Repeated keys: the last one wins.
    pub fn from_properties_file(path: impl AsRef<Path>) -> Result<Config> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| {
            KafkaError::invalid_arg(format!(
                "cannot read properties file {}: {e}",
                path.display()
            ))
        })?;
        Config::from_properties_str(&text)
            .map_err(|e| KafkaError::invalid_arg(format!("{}: {}", path.display(), e.str())))
    }

    /// Parses the text of a `.properties` file (see [`Config::from_properties_file`]).
    pub fn from_properties_str(text: &str) -> Result<Config> {
        properties::parse(text)
            .map(Config::from)
            .map_err(KafkaError::invalid_arg)
    }

    /// Reads every environment variable starting with `prefix` (e.g. `KAFKA_`): the rest of the
    /// name, lower-cased, with `_` turned into `.` (`__` into a literal `_`), is the property:
    /// `KAFKA_BOOTSTRAP_SERVERS=host:9092` gives `bootstrap.servers=host:9092`.
    ///
    /// Variables without the prefix are skipped, whatever bytes they hold. One with the prefix
    /// whose name or value is not UTF-8 is an error naming the variable (and its value, shown
    /// escaped, unless the property is a secret); every such variable is named at once.
    pub fn from_env(prefix: &str) -> Result<Config> {
        Config::from_env_vars(prefix, std::env::vars_os())
    }

    /// [`Config::from_env`] over any list of variables (for tests and sandboxes).
    pub fn from_env_vars<K: AsRef<OsStr>, V: AsRef<OsStr>>(
        prefix: &str,
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Result<Config> {
        let mut entries: Vec<(String, String)> = Vec::new();
        let mut bad: Vec<String> = Vec::new();
        for (name, value) in vars {
            let (name, value) = (name.as_ref(), value.as_ref());
            if !name.as_encoded_bytes().starts_with(prefix.as_bytes()) {
                continue;
            }
            let Some(rest) = name.to_str().map(|n| &n[prefix.len()..]) else {
                bad.push(format!(
                    "environment variable {:?} has a name that is not valid UTF-8",
                    name
                ));
                continue;
            };
            if rest.is_empty() {
                continue;
            }
            let key = env_name_to_property(rest);
            match value.to_str() {
                Some(v) => entries.push((key, v.to_string())),
                None if Config::is_sensitive(&key) => bad.push(format!(
                    "environment variable {} (for {key}) is not valid UTF-8; its value is not \
                     shown: it is a secret",
                    name.to_string_lossy()
                )),
                None => bad.push(format!(
                    "environment variable {} (for {key}) is not valid UTF-8: {}",
                    name.to_string_lossy(),
                    shorten(&format!("{value:?}"), SHOWN_CHARS)
                )),
            }
        }
        if !bad.is_empty() {
            return Err(KafkaError::invalid_arg(bad.join("; ")));
        }
        // Deterministic order regardless of the environment's.
        entries.sort();
        Ok(entries.into_iter().collect())
    }

    /// True if `key`'s value must never be shown: librdkafka's secret properties
    /// (`sasl.password`, `ssl.key.password`, `ssl.key.pem`, `sasl.oauthbearer.config`, ...),
    /// any key whose name says password, secret, passphrase, token, credential, private key or
    /// API key, or whose last word is `key`, and misspellings of these (`sasl.pasword`).
    /// `Debug`, `Display` and errors show such values as `[redacted]`.
    pub fn is_sensitive(key: &str) -> bool {
        secrets::is_secret_key(key)
    }

    /// The secret values of this configuration, to scrub out of log lines and error strings.
    pub(crate) fn secrets(&self) -> Secrets {
        Secrets::new(self.iter())
    }

    /// Validates the configuration through librdkafka without creating a client: every bad
    /// entry is reported in one error. Client constructors do this too.
    pub fn validate(&self) -> Result<()> {
        self.to_native(&[]).map(drop)
    }

    /// Builds librdkafka's `rd_kafka_conf_t`, collecting every problem. `python_only` maps
    /// confluent-kafka-python callback keys to the rkafka method that replaces them.
    pub(crate) fn to_native(&self, python_only: &[(&str, &str)]) -> Result<NativeConf> {
        let conf = NativeConf::new();
        let mut issues = Vec::new();
        let mut errbuf = [0 as c_char; 512];
        for (key, value) in &self.entries {
            if let Some((_, method)) = PYTHON_ONLY
                .iter()
                .chain(python_only)
                .find(|(k, _)| k == key)
            {
                issues.push(ConfigIssue {
                    key: key.clone(),
                    reason: format!(
                        "is a confluent-kafka-python callback key, not a librdkafka property; in rkafka use {method}"
                    ),
                    suggestions: Vec::new(),
                });
                continue;
            }
            if key.is_empty() {
                issues.push(ConfigIssue {
                    key: key.clone(),
                    reason: "empty property name".into(),
                    suggestions: Vec::new(),
                });
                continue;
            }
            let shown = if Config::is_sensitive(key) {
                REDACTED.into()
            } else {
                shorten(value, SHOWN_CHARS)
            };
            let (ck, cv) = match (cstring("property name", key), cstring("value", value)) {
                (Ok(k), Ok(v)) => (k, v),
                (Err(e), _) | (_, Err(e)) => {
                    issues.push(ConfigIssue {
                        key: key.clone(),
                        reason: e.str().to_string(),
                        suggestions: Vec::new(),
                    });
                    continue;
                }
            };
            // SAFETY: conf is a live rd_kafka_conf_t we own; ck/cv are NUL-terminated and outlive
            // the call; errbuf is writable for its full length, which we pass.
            let res = unsafe {
                sys::rd_kafka_conf_set(
                    conf.ptr(),
                    ck.as_ptr(),
                    cv.as_ptr(),
                    errbuf.as_mut_ptr(),
                    errbuf.len(),
                )
            };
            match res {
                sys::rd_kafka_conf_res_t::RD_KAFKA_CONF_OK => {}
                sys::rd_kafka_conf_res_t::RD_KAFKA_CONF_UNKNOWN => issues.push(ConfigIssue {
                    key: key.clone(),
                    reason: "unknown configuration property".into(),
                    suggestions: suggest(key),
                }),
                _ => {
                    let errbuf = errbuf_str(&errbuf);
                    let mut reason = Secrets::new([(key.as_str(), value.as_str())])
                        .scrub(&errbuf)
                        .into_owned();
                    if !reason.contains(shown.as_ref()) {
                        reason = format!("value \"{shown}\" refused: {reason}");
                    }
                    if reason.contains(NO_OIDC) {
                        reason.push_str(OIDC_HINT);
                    }
                    issues.push(ConfigIssue {
                        key: key.clone(),
                        reason,
                        suggestions: Vec::new(),
                    });
                }
            }
        }
        if issues.is_empty() {
            Ok(conf)
        } else {
            Err(KafkaError::config(issues))
        }
    }
}

/// What librdkafka says of every OIDC property when it was built without libcurl.
const NO_OIDC: &str = "OAuth/OIDC depends on libcurl";
/// How to get a librdkafka with OIDC.
const OIDC_HINT: &str = " (rkafka: build with its `oidc` feature, which builds libcurl into \
                         librdkafka; with `dynamic-linking`, link a librdkafka built with libcurl)";

/// confluent-kafka-python keys that hold Python callables; librdkafka has no such property.
const PYTHON_ONLY: &[(&str, &str)] = &[
    (
        "on_delivery",
        "`ProducerBuilder::on_delivery(..)` or a per-message `Record::on_delivery(..)`",
    ),
    (
        "delivery.report.callback",
        "`ProducerBuilder::on_delivery(..)`",
    ),
    ("error_cb", "`.error_cb(..)` on the client's builder"),
    ("throttle_cb", "`.throttle_cb(..)` on the client's builder"),
    ("stats_cb", "`.stats_cb(..)` on the client's builder"),
    (
        "logger",
        "`.logger(..)` on the client's builder (by default rkafka logs to the `log` crate)",
    ),
    ("oauth_cb", "`.oauth_cb(..)` on the client's builder"),
    ("on_commit", "`ConsumerBuilder::on_commit(..)`"),
    (
        "on_assign",
        "the `on_assign` argument of `Consumer::subscribe`",
    ),
    (
        "on_revoke",
        "the `on_revoke` argument of `Consumer::subscribe`",
    ),
    ("on_lost", "the `on_lost` argument of `Consumer::subscribe`"),
];

fn env_name_to_property(rest: &str) -> String {
    let lower = rest.to_ascii_lowercase();
    let mut out = String::with_capacity(lower.len());
    let mut chars = lower.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '_' {
            if chars.peek() == Some(&'_') {
                chars.next();
                out.push('_');
            } else {
                out.push('.');
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// All librdkafka property names, read once from `rd_kafka_conf_properties_show`.
fn property_names() -> &'static [String] {
    static NAMES: OnceLock<Vec<String>> = OnceLock::new();
    NAMES.get_or_init(|| {
        // SAFETY: tmpfile() returns an owned FILE* or null; it is written by librdkafka, rewound,
        // read back fully with fread into a buffer of the stated size, and closed exactly once.
        let text = unsafe {
            let fp = libc::tmpfile();
            if fp.is_null() {
                return Vec::new();
            }
            sys::rd_kafka_conf_properties_show(fp.cast());
            libc::rewind(fp);
            let mut out = Vec::new();
            let mut buf = [0u8; 8192];
            loop {
                let n = libc::fread(buf.as_mut_ptr().cast(), 1, buf.len(), fp);
                if n == 0 {
                    break;
                }
                out.extend_from_slice(&buf[..n]);
            }
            libc::fclose(fp);
            out
        };
        let text = String::from_utf8_lossy(&text);
        let mut names: Vec<String> = text
            .lines()
            .filter_map(|l| {
                let name = l.split('|').next()?.trim();
                (!name.is_empty()
                    && name.chars().all(|c| {
                        c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '_'
                    })
                    && name.contains(|c: char| c.is_ascii_lowercase()))
                .then(|| name.to_string())
            })
            .filter(|n| n != "property")
            .collect();
        names.sort();
        names.dedup();
        names
    })
}

/// Up to three valid property names close to `key`. The work is bounded: a key much longer
/// than every property name gets no suggestions (no name is within reach), and the edit
/// distance is only computed within its limit.
fn suggest(key: &str) -> Vec<String> {
    let names = property_names();
    let longest = names.iter().map(String::len).max().unwrap_or(0);
    if key.len() > 2 * longest {
        return Vec::new();
    }
    let k = key.to_ascii_lowercase().replace(['_', '-'], ".");
    let mut scored: Vec<(usize, &String)> = names
        .iter()
        .filter_map(|name| {
            let limit = (name.len().max(k.len()) / 3).max(2);
            if let Some(d) = edit_distance_within(&k, name, limit) {
                Some((d, name))
            } else if k.len() >= 5
                && (name
                    .strip_suffix(k.as_str())
                    .is_some_and(|head| head.ends_with('.'))
                    || name
                        .strip_prefix(k.as_str())
                        .is_some_and(|tail| tail.starts_with('.')))
            {
                Some((limit + 1, name))
            } else {
                None
            }
        })
        .collect();
    scored.sort();
    scored.into_iter().take(3).map(|(_, n)| n.clone()).collect()
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut m = f.debug_map();
        for (k, v) in &self.entries {
            if Config::is_sensitive(k) {
                m.entry(k, &format_args!("{REDACTED}"));
            } else {
                m.entry(k, v);
            }
        }
        m.finish()
    }
}

impl fmt::Display for Config {
    /// One `key=value` line per entry, sensitive values redacted (a `.properties` rendering).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (k, v) in &self.entries {
            let v = if Config::is_sensitive(k) {
                REDACTED
            } else {
                v.as_str()
            };
            writeln!(f, "{k}={v}")?;
        }
        Ok(())
    }
}

impl<K: Into<String>, V: Display> FromIterator<(K, V)> for Config {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut c = Config::new();
        c.extend(iter);
        c
    }
}

impl<K: Into<String>, V: Display> Extend<(K, V)> for Config {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        Config::extend(self, iter)
    }
}

impl<K: Into<String>, V: Display, const N: usize> From<[(K, V); N]> for Config {
    fn from(a: [(K, V); N]) -> Self {
        a.into_iter().collect()
    }
}

impl<K: Into<String>, V: Display> From<Vec<(K, V)>> for Config {
    fn from(v: Vec<(K, V)>) -> Self {
        v.into_iter().collect()
    }
}

impl<K: Into<String> + Ord, V: Display> From<BTreeMap<K, V>> for Config {
    fn from(m: BTreeMap<K, V>) -> Self {
        m.into_iter().collect()
    }
}

impl<K: Into<String> + Ord, V: Display, S> From<HashMap<K, V, S>> for Config {
    /// Entries are sorted by key so the result does not depend on hash order.
    fn from(m: HashMap<K, V, S>) -> Self {
        let mut v: Vec<(String, String)> = m
            .into_iter()
            .map(|(k, v)| (k.into(), v.to_string()))
            .collect();
        v.sort();
        v.into_iter().collect()
    }
}

impl From<&Config> for Config {
    fn from(c: &Config) -> Self {
        c.clone()
    }
}

/// An `rd_kafka_conf_t` until it is handed to `rd_kafka_new` (owned by its [`Handle`], which
/// frees it if the client is never created).
pub(crate) struct NativeConf(Handle<sys::rd_kafka_conf_t>);

impl NativeConf {
    fn new() -> NativeConf {
        // SAFETY: rd_kafka_conf_new has no preconditions and returns a new conf we own; it
        // never returns null (it aborts on OOM).
        let conf = unsafe { Handle::from_raw(sys::rd_kafka_conf_new()) };
        NativeConf(conf.expect("rd_kafka_conf_new returned null"))
    }

    pub(crate) fn ptr(&self) -> *mut sys::rd_kafka_conf_t {
        self.0.ptr()
    }

    /// Reads a property's effective value (including defaults).
    pub(crate) fn get(&self, key: &str) -> Option<String> {
        let k = cstring("property name", key).ok()?;
        let mut buf = vec![0 as c_char; 1024];
        let mut size = buf.len();
        // SAFETY: conf is live; buf is writable for `size` bytes; size is updated with the
        // needed length, and we retry once with a buffer that large.
        unsafe {
            if sys::rd_kafka_conf_get(self.ptr(), k.as_ptr(), buf.as_mut_ptr(), &mut size)
                != sys::rd_kafka_conf_res_t::RD_KAFKA_CONF_OK
            {
                return None;
            }
            if size > buf.len() {
                buf = vec![0 as c_char; size];
                if sys::rd_kafka_conf_get(self.ptr(), k.as_ptr(), buf.as_mut_ptr(), &mut size)
                    != sys::rd_kafka_conf_res_t::RD_KAFKA_CONF_OK
                {
                    return None;
                }
            }
        }
        Some(errbuf_str(&buf))
    }

    /// Gives up ownership (after a successful `rd_kafka_new`, which took it).
    pub(crate) fn into_raw(self) -> *mut sys::rd_kafka_conf_t {
        self.0.into_raw()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oidc_works_or_the_refusal_says_how_to_get_it() {
        let r = Config::from([("sasl.oauthbearer.method", "oidc")]).validate();
        if crate::builtin_features().iter().any(|f| f == "oidc") {
            r.unwrap();
        } else {
            let e = r.unwrap_err();
            assert!(e.to_string().contains("`oidc` feature"), "{e}");
        }
    }

    #[test]
    fn properties_file_syntax() {
        let text = "# comment\n! also comment\nbootstrap.servers = a:1,\\\n   b:2\nsasl.mechanisms: PLAIN\nclient.id rk\\u0061fka\n\n  linger.ms=5\nkey\\=with\\:seps=v\n";
        let c = Config::from_properties_str(text).unwrap();
        assert_eq!(c.get("bootstrap.servers"), Some("a:1,b:2"));
        assert_eq!(c.get("sasl.mechanisms"), Some("PLAIN"));
        assert_eq!(c.get("client.id"), Some("rkafka"));
        assert_eq!(c.get("linger.ms"), Some("5"));
        assert_eq!(c.get("key=with:seps"), Some("v"));
        assert_eq!(c.len(), 5);
    }

    #[test]
    fn env_names() {
        let c = Config::from_env_vars(
            "KAFKA_",
            [
                ("KAFKA_BOOTSTRAP_SERVERS", "h:9092"),
                ("KAFKA_SSL__KEY", "x"),
                ("OTHER", "y"),
                ("KAFKA_", "z"),
            ],
        )
        .unwrap();
        assert_eq!(c.get("bootstrap.servers"), Some("h:9092"));
        assert_eq!(c.get("ssl_key"), Some("x"));
        assert_eq!(c.len(), 2);
    }

    #[test]
    fn redaction() {
        let c = Config::from([
            ("sasl.password", "hunter2"),
            ("ssl.key.pem", "PEMDATA"),
            ("client.id", "x"),
        ]);
        let d = format!("{c:?} {c}");
        assert!(!d.contains("hunter2") && !d.contains("PEMDATA"), "{d}");
        assert!(d.contains("client.id"));
        assert!(Config::is_sensitive("sasl.oauthbearer.client.secret"));
        assert!(Config::is_sensitive("ssl.keystore.password"));
        assert!(!Config::is_sensitive("sasl.username"));
    }

    #[test]
    fn validation_collects_everything() {
        let c = Config::from([
            ("bootstrap.server", "x:1"),
            ("linger.ms", "soon"),
            ("error_cb", "f"),
            ("acks", "all"),
            ("sasl.password", "hunter2"),
        ]);
        let e = c.validate().unwrap_err();
        let issues = e.config_issues();
        assert_eq!(issues.len(), 3, "{e}");
        assert_eq!(issues[0].key, "bootstrap.server");
        assert!(
            issues[0]
                .suggestions
                .iter()
                .any(|s| s == "bootstrap.servers"),
            "{:?}",
            issues[0]
        );
        assert_eq!(issues[1].key, "linger.ms");
        assert!(
            issues[1].reason.contains("\"soon\""),
            "{}",
            issues[1].reason
        );
        assert!(issues[2].reason.contains(".error_cb("));
        assert!(!e.to_string().contains("hunter2"));
    }

    #[test]
    fn env_values_that_are_not_utf8_are_named_every_one() {
        use std::ffi::OsString;
        use std::os::unix::ffi::OsStringExt;
        let bytes = |b: &[u8]| OsString::from_vec(b.to_vec());
        let e = Config::from_env_vars(
            "KAFKA_",
            [
                (bytes(b"OTHER"), bytes(b"\xff")),
                (bytes(b"KAFKA_SASL_PASSWORD"), bytes(b"pw\xff")),
                (bytes(b"KAFKA_CLIENT_ID"), bytes(b"id\xff")),
                (bytes(b"KAFKA_LINGER_MS"), bytes(b"5")),
            ],
        )
        .unwrap_err();
        let s = e.str();
        assert!(s.contains("KAFKA_SASL_PASSWORD (for sasl.password)"), "{s}");
        assert!(s.contains("KAFKA_CLIENT_ID (for client.id)"), "{s}");
        assert!(s.contains("\"id\\xFF\""), "{s}");
        assert!(!s.contains("pw") && !s.contains("OTHER"), "{s}");
    }

    #[test]
    fn values_of_any_display_type() {
        let addr = String::from("h:1");
        let mut c = Config::new();
        c.set("session.timeout.ms", 6000)
            .set("enable.auto.commit", false)
            .set("bootstrap.servers", &addr)
            .set("client.id", addr.clone())
            .set("acks", "all")
            .set("linger.ms", 5u64);
        let want = [
            ("session.timeout.ms", "6000"),
            ("enable.auto.commit", "false"),
            ("bootstrap.servers", "h:1"),
            ("client.id", "h:1"),
            ("acks", "all"),
            ("linger.ms", "5"),
        ];
        assert_eq!(c.iter().collect::<Vec<_>>(), want);
        let m = crate::config! {
            "session.timeout.ms" => 6000,
            "enable.auto.commit" => false,
            "bootstrap.servers" => &addr,
            "client.id" => addr.clone(),
            "acks" => "all",
            "linger.ms" => 5u64
        };
        assert_eq!(m, c);
        assert_eq!(Config::from([("a", 1), ("b", 2)]).get("b"), Some("2"));
        assert_eq!(Config::from([("a", "x")]).get("a"), Some("x"));
        assert!(c.with("enable.idempotence", true).validate().is_ok());
    }

    /// Exactly these librdkafka properties are treated as secrets: the names that say so, and
    /// no other (a fuzzy match must not hide an ordinary setting).
    #[test]
    fn the_librdkafka_properties_treated_as_secrets() {
        let secret: Vec<&str> = property_names()
            .iter()
            .map(String::as_str)
            .filter(|n| Config::is_sensitive(n))
            .collect();
        assert_eq!(
            secret,
            [
                "oauthbearer_token_refresh_cb",
                "sasl.oauthbearer.assertion.private.key.file",
                "sasl.oauthbearer.assertion.private.key.passphrase",
                "sasl.oauthbearer.assertion.private.key.pem",
                "sasl.oauthbearer.client.credentials.client.id",
                "sasl.oauthbearer.client.credentials.client.secret",
                "sasl.oauthbearer.client.secret",
                "sasl.oauthbearer.config",
                "sasl.oauthbearer.token.endpoint.url",
                "sasl.password",
                "ssl.key.password",
                "ssl.key.pem",
                "ssl.keystore.password",
                "ssl_key",
            ]
        );
    }

    #[test]
    fn suggestions_for_long_keys_are_bounded() {
        assert_eq!(suggest("bootstrap.srvers"), ["bootstrap.servers"]);
        assert!(suggest(&"bootstrap.servers".repeat(10)).is_empty());
        let t = std::time::Instant::now();
        assert!(suggest(&"x".repeat(1 << 20)).is_empty());
        assert!(t.elapsed() < std::time::Duration::from_secs(1));
    }
}
