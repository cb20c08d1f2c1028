//! OAUTHBEARER token refresh through a Rust closure (Python: the `oauth_cb` config callable),
//! served for every client type on librdkafka's background thread, so a producer, consumer or
//! admin client gets its first token without the application polling. The trampoline is in
//! the client core (`client/callbacks.rs`); this module holds the token and hands it to C.
//!
//! An OIDC identity provider needs no closure: with `sasl.oauthbearer.method=oidc` (and
//! `sasl.oauthbearer.client.id`, `.client.secret`, `.token.endpoint.url`, `.scope`)
//! librdkafka fetches and refreshes tokens itself with the client-credentials grant. That
//! needs a librdkafka built with libcurl: rkafka's Cargo feature `oidc`. Without it the OIDC
//! properties are refused with a configuration error naming the feature.

use std::ffi::CString;
use std::fmt;

use libc::c_char;
use rdkafka_sys::bindings as sys;

use crate::util;

/// A token returned by an `oauth_cb` closure (Python: the tuple
/// `(token, expiry_epoch_seconds, principal, extensions)` that `oauth_cb` returns).
///
/// `Debug` never shows the token value.
#[derive(Clone, PartialEq, Eq)]
pub struct OAuthToken {
    /// The token value (for example a JWT), sent to the broker.
    pub token: String,
    /// When the token expires, in milliseconds since the Unix epoch (Python returns seconds as a
    /// float). librdkafka asks for a new token at 80 % of the remaining lifetime.
    pub lifetime_ms: i64,
    /// The principal name the token authenticates.
    pub principal: String,
    /// SASL extensions (RFC 7628 key/value pairs) sent with the token.
    pub extensions: Vec<(String, String)>,
}

impl fmt::Debug for OAuthToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthToken")
            .field("token", &"[redacted]")
            .field("lifetime_ms", &self.lifetime_ms)
            .field("principal", &self.principal)
            .field("extensions", &self.extensions)
            .finish()
    }
}

/// The error type an `oauth_cb` closure returns; its message reaches `error_cb` as an
/// `_AUTHENTICATION` error (without any configured secret).
pub type OAuthError = Box<dyn std::error::Error + Send + Sync>;

pub(crate) type OAuthFn = dyn Fn(&str) -> std::result::Result<OAuthToken, OAuthError> + Send + Sync;

fn c(what: &str, s: &str) -> std::result::Result<CString, String> {
    crate::error::cstring(&format!("the token's {what}"), s).map_err(|e| e.str().to_string())
}

/// Hands the closure's outcome to librdkafka.
///
/// # Safety
/// `rk` must be the live client whose refresh callback is running.
pub(crate) unsafe fn set_token(
    rk: *mut sys::rd_kafka_t,
    outcome: std::result::Result<OAuthToken, String>,
) -> std::result::Result<(), String> {
    let t = outcome?;
    let token = c("value", &t.token)?;
    let principal = c("principal", &t.principal)?;
    let mut ext = Vec::with_capacity(t.extensions.len() * 2);
    for (k, v) in &t.extensions {
        ext.push(c("extension key", k)?);
        ext.push(c("extension value", v)?);
    }
    let ext_ptrs: Vec<*const c_char> = ext.iter().map(|s| s.as_ptr()).collect();
    let mut errbuf = [0 as c_char; 512];
    // SAFETY: rk is live (caller contract); every string is NUL-terminated and outlives the
    // call, which copies them; ext_ptrs has ext_ptrs.len() entries (key, value pairs).
    let code = unsafe {
        sys::rd_kafka_oauthbearer_set_token(
            rk,
            token.as_ptr(),
            t.lifetime_ms,
            principal.as_ptr(),
            ext_ptrs.as_ptr().cast_mut(),
            ext_ptrs.len(),
            errbuf.as_mut_ptr(),
            errbuf.len(),
        )
    } as i32;
    if code == 0 {
        Ok(())
    } else {
        Err(format!(
            "librdkafka refused the token: {}",
            util::errbuf_str(&errbuf)
        ))
    }
}
