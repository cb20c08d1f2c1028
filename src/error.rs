//! [`KafkaError`], mirroring `confluent_kafka.KafkaError`, and the crate's [`Result`] alias.

use std::ffi::{CStr, CString};
use std::fmt;

use rdkafka_sys::bindings as sys;

use crate::handle::Handle;
use crate::util::{cstr_lossy, shorten};

include!(concat!(env!("OUT_DIR"), "/error_codes.rs"));

impl ErrorCode {
    /// Python's `KafkaError.name()`: the symbolic name, or `ERR_<n>?` for a code this
    /// librdkafka does not know.
    pub fn name(self) -> String {
        match self.symbol() {
            Some(s) => s.to_string(),
            None => format!("ERR_{}?", self.raw()),
        }
    }

    /// librdkafka's description of the code (`rd_kafka_err2str`), e.g. `Local: Message timed out`.
    pub fn description(self) -> String {
        // SAFETY: rd_kafka_err2str takes an int-sized enum (checked by wrapper.h) and, for
        // values it does not know, returns a static "Err-<n>?" string; the result is a valid
        // NUL-terminated string with static (or thread-local) lifetime, copied before returning.
        unsafe { cstr_lossy(crate::ffi::err2str(self.raw())) }.into_owned()
    }

    /// True for `NoError`.
    pub fn is_ok(self) -> bool {
        self == ErrorCode::NoError
    }
}

impl From<i32> for ErrorCode {
    fn from(code: i32) -> Self {
        ErrorCode::from_raw(code)
    }
}

impl From<ErrorCode> for i32 {
    fn from(code: ErrorCode) -> i32 {
        code.raw()
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// One problem with one configuration entry, as collected by client creation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigIssue {
    /// The property name as given.
    pub key: String,
    /// Why it was refused (librdkafka's reason, or rkafka's for Python-only keys).
    pub reason: String,
    /// For unknown keys: the closest valid property names.
    pub suggestions: Vec<String>,
}

impl fmt::Display for ConfigIssue {
    /// A key longer than 100 characters is shown shortened (saying so).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`: {}", shorten(&self.key, 100), self.reason)?;
        if !self.suggestions.is_empty() {
            write!(
                f,
                " (did you mean {}?)",
                self.suggestions
                    .iter()
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )?;
        }
        Ok(())
    }
}

/// An error from librdkafka or rkafka, mirroring `confluent_kafka.KafkaError`.
///
/// | Python | Rust |
/// |---|---|
/// | `err.code()` | [`KafkaError::code`] |
/// | `err.name()` | [`KafkaError::name`] |
/// | `err.str()` / `str(err)` | [`KafkaError::str`] / `Display` |
/// | `err.fatal()` | [`KafkaError::fatal`] |
/// | `err.retriable()` | [`KafkaError::retriable`] |
/// | `err.txn_requires_abort()` | [`KafkaError::txn_requires_abort`] |
///
/// The message never contains a secret configuration value: rkafka redacts them before an
/// error is built.
#[derive(Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} ({})", self.0.message, self.0.code.name())]
pub struct KafkaError(Box<Inner>);

/// Boxed so `Result<T, KafkaError>` stays one pointer wide on hot paths.
#[derive(Clone, PartialEq, Eq)]
struct Inner {
    code: ErrorCode,
    message: String,
    fatal: bool,
    retriable: bool,
    txn_requires_abort: bool,
    config_issues: Vec<ConfigIssue>,
    /// Where the error happened (topic, partition, offset), for per-partition errors.
    position: Option<(String, i32, i64)>,
}

impl fmt::Debug for KafkaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Same shape as Python's repr: KafkaError{code=..,val=..,str=".."}.
        write!(
            f,
            "KafkaError{{code={},val={},str={:?}",
            self.0.code.name(),
            self.0.code.raw(),
            self.0.message
        )?;
        if self.0.fatal {
            f.write_str(",fatal")?;
        }
        if self.0.retriable {
            f.write_str(",retriable")?;
        }
        if self.0.txn_requires_abort {
            f.write_str(",txn_requires_abort")?;
        }
        f.write_str("}")
    }
}

impl KafkaError {
    /// An error with `code` and a message; flags are false. Python: `KafkaError(code, reason)`.
    #[cold]
    pub fn new(code: ErrorCode, message: impl Into<String>) -> KafkaError {
        KafkaError(Box::new(Inner {
            code,
            message: message.into(),
            fatal: false,
            retriable: false,
            txn_requires_abort: false,
            config_issues: Vec::new(),
            position: None,
        }))
    }

    /// An error whose message is librdkafka's description of `code`.
    #[cold]
    pub fn from_code(code: ErrorCode) -> KafkaError {
        KafkaError::new(code, code.description())
    }

    /// Builds from a raw `rd_kafka_resp_err_t` value; `None` for `NO_ERROR` (inlined: every
    /// delivery report and consumed message checks its code).
    #[inline]
    pub(crate) fn from_raw(code: i32) -> Option<KafkaError> {
        (code != 0).then(|| KafkaError::from_code(ErrorCode::from_raw(code)))
    }

    /// The error librdkafka recorded for the last failed legacy call on this thread.
    #[cold]
    pub(crate) fn last_error() -> KafkaError {
        // SAFETY: reads a thread-local int; no preconditions.
        let code = unsafe { crate::ffi::last_error() };
        KafkaError::from_code(ErrorCode::from_raw(code))
    }

    /// Takes ownership of an `rd_kafka_error_t` (may be null) and destroys it.
    ///
    /// # Safety
    /// `err` must be null or a valid `rd_kafka_error_t` that the caller owns.
    #[cold]
    pub(crate) unsafe fn from_native(err: *mut sys::rd_kafka_error_t) -> Option<KafkaError> {
        // SAFETY: caller contract: err is null or owned by us; the handle frees it once.
        let err = unsafe { Handle::from_raw(err) }?;
        let p = err.ptr();
        // SAFETY: p is live until `err` drops at the end of this function. The code is read as
        // a plain int (it may be a broker code the Rust enum lacks); the string is copied.
        unsafe {
            let code = ErrorCode::from_raw(crate::ffi::error_code(p));
            let s = sys::rd_kafka_error_string(p);
            let message = if s.is_null() {
                code.description()
            } else {
                CStr::from_ptr(s).to_string_lossy().into_owned()
            };
            Some(KafkaError(Box::new(Inner {
                code,
                message,
                fatal: sys::rd_kafka_error_is_fatal(p) != 0,
                retriable: sys::rd_kafka_error_is_retriable(p) != 0,
                txn_requires_abort: sys::rd_kafka_error_txn_requires_abort(p) != 0,
                config_issues: Vec::new(),
                position: None,
            })))
        }
    }

    #[cold]
    pub(crate) fn config(issues: Vec<ConfigIssue>) -> KafkaError {
        let mut message = format!(
            "invalid configuration ({} problem{}): ",
            issues.len(),
            if issues.len() == 1 { "" } else { "s" }
        );
        message.push_str(
            &issues
                .iter()
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join("; "),
        );
        let mut e = KafkaError::new(ErrorCode::InvalidArg, message);
        e.0.config_issues = issues;
        e
    }

    /// Shorthand for an `_INVALID_ARG` error: bad input caught before it reached librdkafka.
    #[cold]
    pub(crate) fn invalid_arg(message: impl Into<String>) -> KafkaError {
        KafkaError::new(ErrorCode::InvalidArg, message)
    }

    pub(crate) fn with_fatal(mut self, fatal: bool) -> KafkaError {
        self.0.fatal = fatal;
        self
    }

    /// Records the topic and partition the error is about.
    pub(crate) fn with_partition(mut self, topic: String, partition: i32) -> KafkaError {
        let offset = self.0.position.as_ref().map_or(-1001, |p| p.2);
        self.0.position = Some((topic, partition, offset));
        self
    }

    /// Records the offset the error is about (after [`KafkaError::with_partition`]).
    pub(crate) fn with_offset(mut self, offset: i64) -> KafkaError {
        if let Some(p) = &mut self.0.position {
            p.2 = offset;
        }
        self
    }

    /// For per-partition errors (a consumer's `_PARTITION_EOF`, a failed seek or store): the
    /// topic, partition and offset it is about. Python returns these on the error `Message`.
    pub fn topic_partition(&self) -> Option<crate::TopicPartition> {
        self.0
            .position
            .as_ref()
            .map(|(t, p, o)| crate::TopicPartition::with_offset(t.clone(), *p, *o))
    }

    /// Python's `KafkaError.code()`.
    pub fn code(&self) -> ErrorCode {
        self.0.code
    }

    /// Python's `KafkaError.name()`, e.g. `_MSG_TIMED_OUT`.
    pub fn name(&self) -> String {
        self.0.code.name()
    }

    /// Python's `KafkaError.str()`: the human-readable message.
    pub fn str(&self) -> &str {
        &self.0.message
    }

    /// Python's `KafkaError.fatal()`: the client instance is unusable and must be recreated.
    pub fn fatal(&self) -> bool {
        self.0.fatal
    }

    /// Python's `KafkaError.retriable()`: the operation may be retried.
    pub fn retriable(&self) -> bool {
        self.0.retriable
    }

    /// True for `_QUEUE_FULL`: the producer's queue is full (Python raises `BufferError`);
    /// poll and produce again, or use [`Producer::produce_wait`](crate::Producer::produce_wait).
    pub fn is_queue_full(&self) -> bool {
        self.0.code == ErrorCode::QueueFull
    }

    /// Python's `KafkaError.txn_requires_abort()`: the current transaction must be aborted.
    pub fn txn_requires_abort(&self) -> bool {
        self.0.txn_requires_abort
    }

    /// Every bad configuration entry, when this error came from validating a configuration
    /// (no Python equivalent; Python raises on the first one).
    pub fn config_issues(&self) -> &[ConfigIssue] {
        &self.0.config_issues
    }
}

impl From<ErrorCode> for KafkaError {
    fn from(code: ErrorCode) -> Self {
        KafkaError::from_code(code)
    }
}

/// A C string for `what`, or a clear error if `s` holds a NUL byte.
pub(crate) fn cstring(what: &str, s: &str) -> Result<CString> {
    CString::new(s).map_err(|e| {
        KafkaError::invalid_arg(format!(
            "{what} contains a NUL byte at position {}",
            e.nul_position()
        ))
    })
}

/// `Result<T, KafkaError>`, used throughout rkafka.
pub type Result<T, E = KafkaError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_codes_are_representable() {
        let c = ErrorCode::from_raw(31337);
        assert_eq!(c, ErrorCode::Unknown(31337));
        assert_eq!(c.raw(), 31337);
        assert_eq!(c.name(), "ERR_31337?");
        assert!(!c.description().is_empty());
        let c = ErrorCode::from_raw(-31337);
        assert_eq!(c.raw(), -31337);
    }

    #[test]
    fn known_codes_round_trip() {
        for raw in -200..200 {
            let c = ErrorCode::from_raw(raw);
            assert_eq!(c.raw(), raw);
        }
        assert_eq!(ErrorCode::from_raw(-192), ErrorCode::MsgTimedOut);
        assert_eq!(ErrorCode::MsgTimedOut.name(), "_MSG_TIMED_OUT");
        assert_eq!(
            ErrorCode::UnknownTopicOrPart.name(),
            "UNKNOWN_TOPIC_OR_PART"
        );
        assert_eq!(
            ErrorCode::MsgTimedOut.description(),
            "Local: Message timed out"
        );
    }

    #[test]
    fn nul_in_strings_is_refused() {
        let e = cstring("topic name", "a\0b").unwrap_err();
        assert!(e
            .str()
            .contains("topic name contains a NUL byte at position 1"));
    }

    #[test]
    fn display_and_debug() {
        let e = KafkaError::from_code(ErrorCode::QueueFull);
        assert_eq!(e.to_string(), "Local: Queue full (_QUEUE_FULL)");
        assert!(format!("{e:?}").contains("code=_QUEUE_FULL,val=-184"));
    }
}
