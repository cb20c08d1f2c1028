//! [`SchemaRegistryError`]: what a registry call failed with. Python:
//! `confluent_kafka.schema_registry.error.SchemaRegistryError`.

use std::fmt;

/// A failed registry call: the registry's answer (HTTP status and its error code) or, with no
/// answer, why none came (connection refused, timed out, TLS handshake failed).
///
/// The text never contains a credential: URLs are shown without their user info, and
/// neither the `Authorization` header nor a key password is ever part of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaRegistryError {
    http_status_code: Option<u16>,
    error_code: i32,
    message: String,
}

impl SchemaRegistryError {
    /// Python's `SchemaRegistryError.UNKNOWN`: the error code when the registry gave none.
    pub const UNKNOWN: i32 = -1;

    /// The registry answered `status` with its `error_code` and `message`.
    #[cold]
    pub fn new(status: u16, error_code: i32, message: impl Into<String>) -> Self {
        SchemaRegistryError {
            http_status_code: Some(status),
            error_code,
            message: message.into(),
        }
    }

    /// No answer came (transport failure, bad configuration, unparsable reply).
    #[cold]
    pub(crate) fn local(message: impl Into<String>) -> Self {
        SchemaRegistryError {
            http_status_code: None,
            error_code: Self::UNKNOWN,
            message: message.into(),
        }
    }

    /// Python's `http_status_code`; `None` when no HTTP answer came.
    pub fn http_status_code(&self) -> Option<u16> {
        self.http_status_code
    }

    /// Python's `error_code`: the registry's code (`40401` subject not found, `40403` schema
    /// not found, `409` incompatible, ...), or [`SchemaRegistryError::UNKNOWN`].
    pub fn error_code(&self) -> i32 {
        self.error_code
    }

    /// Python's `error_message`.
    pub fn error_message(&self) -> &str {
        &self.message
    }

    /// True when the registry was not reached or did not answer (no HTTP status).
    pub fn is_transport(&self) -> bool {
        self.http_status_code.is_none()
    }

    /// True for "not found" answers (HTTP 404: unknown subject, version or schema id).
    pub fn is_not_found(&self) -> bool {
        self.http_status_code == Some(404)
    }
}

impl fmt::Display for SchemaRegistryError {
    /// Python's `str()`: `message (HTTP status code 404, SR code 40403)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.http_status_code {
            Some(s) => write!(
                f,
                "{} (HTTP status code {s}, SR code {})",
                self.message, self.error_code
            ),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for SchemaRegistryError {}
