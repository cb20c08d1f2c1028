//! [`Config`]: a librdkafka configuration, taken unchanged from a Python dict, a
//! `.properties` file or the environment.
//!
//! ```
//! use rkafka::Config;
//! // The same keys and values as a confluent-kafka-python dict:
//! let config = Config::from([
//!     ("bootstrap.servers", "localhost:9092"),
//!     ("security.protocol", "SASL_PLAINTEXT"),
//!     ("sasl.mechanisms", "SCRAM-SHA-256"),
//!     ("sasl.username", "alice"),
//!     ("sasl.password", "s3cret"),
//! ]);
//! assert!(!format!("{config:?}").contains("s3cret"));
//! ```

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::Path;
use std::ptr::NonNull;
use std::sync::OnceLock;

use libc::c_char;
use rdkafka_sys::bindings as sys;

use crate::error::{ConfigIssue, KafkaError, Result};
use crate::util::{cstring, errbuf_str};

const REDACTED: &str = "[redacted]";

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

    /// Sets `key` to `value`, replacing an earlier value (Python: `conf[key] = value`).
    pub fn set(&mut self, key: impl Into<String>, value: impl Into<String>) -> &mut Config {
        let (key, value) = (key.into(), value.into());
        match self.entries.iter_mut().find(|(k, _)| *k == key) {
            Some(e) => e.1 = value,
            None => self.entries.push((key, value)),
        }
        self
    }

    /// Builder form of [`Config::set`].
    pub fn with(mut self, key: impl Into<String>, value: impl Into<String>) -> Config {
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
    pub fn extend<K: Into<String>, V: Into<String>>(
        &mut self,
        other: impl IntoIterator<Item = (K, V)>,
    ) {
        for (k, v) in other {
            self.set(k, v);
        }
    }

    /// Loads a Java/kcat-style `.properties` file: `key=value` or `key: value` or `key value`,
    /// `#` and `!` comment lines, trailing `\` continues a line, `\` escapes (`\n`, `\t`,
    /// `\uXXXX`, `\=`, `\:`).
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
        let mut config = Config::new();
        let mut logical = String::new();
        let mut lineno_start = 0;
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim_start();
            if logical.is_empty() {
                if line.is_empty() || line.starts_with('#') || line.starts_with('!') {
                    continue;
                }
                lineno_start = i + 1;
            }
            // A line continues when it ends in an odd number of backslashes.
            let trailing = line.chars().rev().take_while(|&c| c == '\\').count();
            if trailing % 2 == 1 {
                logical.push_str(&line[..line.len() - 1]);
                continue;
            }
            logical.push_str(line);
            let (k, v) = parse_property_line(&logical)
                .map_err(|e| KafkaError::invalid_arg(format!("line {lineno_start}: {e}")))?;
            config.set(k, v);
            logical.clear();
        }
        if !logical.is_empty() {
            let (k, v) = parse_property_line(&logical)
                .map_err(|e| KafkaError::invalid_arg(format!("line {lineno_start}: {e}")))?;
            config.set(k, v);
        }
        Ok(config)
    }

    /// Reads every environment variable starting with `prefix` (e.g. `KAFKA_`): the rest of the
    /// name, lower-cased, with `_` turned into `.` (`__` into a literal `_`), is the property:
    /// `KAFKA_BOOTSTRAP_SERVERS=host:9092` gives `bootstrap.servers=host:9092`.
    pub fn from_env(prefix: &str) -> Config {
        Config::from_env_vars(prefix, std::env::vars())
    }

    /// [`Config::from_env`] over any list of variables (for tests and sandboxes).
    pub fn from_env_vars<K: AsRef<str>, V: Into<String>>(
        prefix: &str,
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Config {
        let mut entries: Vec<(String, String)> = vars
            .into_iter()
            .filter_map(|(k, v)| {
                let rest = k.as_ref().strip_prefix(prefix)?;
                if rest.is_empty() {
                    return None;
                }
                Some((env_name_to_property(rest), v.into()))
            })
            .collect();
        // Deterministic order regardless of the environment's.
        entries.sort();
        let mut c = Config::new();
        c.extend(entries);
        c
    }

    /// True if `key` names a property whose value must never be shown: any `*password*`,
    /// `*secret*`, `*passphrase*`, `*token*`, `*credential*`, `*private.key*`, `*user.info*`, `ssl.key.pem`,
    /// `ssl_key`, `sasl.oauthbearer.config`.
    pub fn is_sensitive(key: &str) -> bool {
        let k = key.to_ascii_lowercase();
        [
            "password",
            "secret",
            "passphrase",
            "token",
            "credential",
            "private.key",
            "private_key",
            // The Schema Registry client's `basic.auth.user.info` (`user:password`).
            "user.info",
        ]
        .iter()
        .any(|s| k.contains(s))
            || matches!(
                k.as_str(),
                "ssl.key.pem" | "ssl_key" | "sasl.oauthbearer.config" | "ssl.keystore.pem"
            )
            || k.ends_with(".key.pem")
    }

    /// The values of every sensitive entry (for scrubbing log and error text).
    pub(crate) fn secret_values(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut add = |s: &str, min: usize| {
            if s.len() >= min && !out.iter().any(|o| o == s) {
                out.push(s.to_string());
            }
        };
        for (k, v) in &self.entries {
            if !Config::is_sensitive(k) {
                continue;
            }
            add(v, 3);
            // Structured secrets (sasl.oauthbearer.config's `k=v k=v`, URLs with credentials)
            // get quoted in part by librdkafka's errors ("... beginning at: k=v"): every piece
            // and every value is a secret of its own.
            for piece in v.split(|c: char| c.is_whitespace() || c == ',' || c == ';') {
                add(piece, 4);
                if let Some((_, value)) = piece.split_once('=') {
                    add(value, 4);
                }
            }
        }
        // Longest first, so a whole value is redacted before any piece of it.
        out.sort_by_key(|s| std::cmp::Reverse(s.len()));
        out
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
                REDACTED
            } else {
                value.as_str()
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
                    let mut reason = errbuf_str(&errbuf);
                    if Config::is_sensitive(key) && !value.is_empty() {
                        reason = reason.replace(value.as_str(), REDACTED);
                    }
                    if !reason.contains(shown) {
                        reason = format!("value \"{shown}\" refused: {reason}");
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

fn unescape_properties(s: &str) -> std::result::Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('f') => out.push('\u{c}'),
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                let cp = u32::from_str_radix(&hex, 16)
                    .map_err(|_| format!("bad \\u escape `\\u{hex}`"))?;
                out.push(char::from_u32(cp).ok_or_else(|| format!("bad \\u escape `\\u{hex}`"))?);
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    Ok(out)
}

fn parse_property_line(line: &str) -> std::result::Result<(String, String), String> {
    // The key ends at the first unescaped '=', ':' or whitespace.
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'=' | b':' | b' ' | b'\t' => break,
            _ => i += 1,
        }
    }
    let i = i.min(bytes.len());
    let key = unescape_properties(&line[..i])?;
    let mut rest = line[i..].trim_start_matches([' ', '\t']);
    if let Some(r) = rest.strip_prefix(['=', ':']) {
        rest = r.trim_start_matches([' ', '\t']);
    }
    let value = unescape_properties(rest)?;
    if key.is_empty() {
        return Err("missing property name".into());
    }
    Ok((key, value))
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

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// Up to three valid property names close to `key`.
fn suggest(key: &str) -> Vec<String> {
    let k = key.to_ascii_lowercase().replace(['_', '-'], ".");
    let mut scored: Vec<(usize, &String)> = property_names()
        .iter()
        .filter_map(|name| {
            let d = edit_distance(&k, name);
            let limit = (name.len().max(k.len()) / 3).max(2);
            if d <= limit {
                Some((d, name))
            } else if k.len() >= 5
                && (name.ends_with(&format!(".{k}")) || name.starts_with(&format!("{k}.")))
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

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Config {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut c = Config::new();
        c.extend(iter);
        c
    }
}

impl<K: Into<String>, V: Into<String>> Extend<(K, V)> for Config {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        Config::extend(self, iter)
    }
}

impl<K: Into<String>, V: Into<String>, const N: usize> From<[(K, V); N]> for Config {
    fn from(a: [(K, V); N]) -> Self {
        a.into_iter().collect()
    }
}

impl<K: Into<String>, V: Into<String>> From<Vec<(K, V)>> for Config {
    fn from(v: Vec<(K, V)>) -> Self {
        v.into_iter().collect()
    }
}

impl<K: Into<String> + Ord, V: Into<String>> From<BTreeMap<K, V>> for Config {
    fn from(m: BTreeMap<K, V>) -> Self {
        m.into_iter().collect()
    }
}

impl<K: Into<String> + Ord, V: Into<String>, S> From<HashMap<K, V, S>> for Config {
    /// Entries are sorted by key so the result does not depend on hash order.
    fn from(m: HashMap<K, V, S>) -> Self {
        let mut v: Vec<(String, String)> =
            m.into_iter().map(|(k, v)| (k.into(), v.into())).collect();
        v.sort();
        v.into_iter().collect()
    }
}

impl From<&Config> for Config {
    fn from(c: &Config) -> Self {
        c.clone()
    }
}

/// Owns an `rd_kafka_conf_t` until it is handed to `rd_kafka_new`.
pub(crate) struct NativeConf(NonNull<sys::rd_kafka_conf_t>);

impl NativeConf {
    fn new() -> NativeConf {
        // SAFETY: rd_kafka_conf_new has no preconditions and never returns null (it aborts on OOM).
        let p = unsafe { sys::rd_kafka_conf_new() };
        NativeConf(NonNull::new(p).expect("rd_kafka_conf_new returned null"))
    }

    pub(crate) fn ptr(&self) -> *mut sys::rd_kafka_conf_t {
        self.0.as_ptr()
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
        let p = self.ptr();
        std::mem::forget(self);
        p
    }
}

impl Drop for NativeConf {
    fn drop(&mut self) {
        // SAFETY: we still own the conf (into_raw forgets self when ownership moves to C).
        unsafe { sys::rd_kafka_conf_destroy(self.ptr()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_of_structured_secrets_are_secrets_too() {
        let c = Config::from([
            (
                "sasl.oauthbearer.config",
                "principal=alice extension_traceId=Ext-S3cret bogus=Tail-S3cret",
            ),
            ("sasl.password", "pw1"),
            ("client.id", "not-secret"),
        ]);
        let s = c.secret_values();
        assert_eq!(
            s[0],
            "principal=alice extension_traceId=Ext-S3cret bogus=Tail-S3cret"
        );
        for piece in [
            "bogus=Tail-S3cret",
            "Tail-S3cret",
            "Ext-S3cret",
            "alice",
            "pw1",
        ] {
            assert!(s.iter().any(|x| x == piece), "{piece} missing from {s:?}");
        }
        assert!(!s.iter().any(|x| x.contains("not-secret")));
        assert!(
            s.windows(2).all(|w| w[0].len() >= w[1].len()),
            "longest first"
        );
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
        );
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
}
