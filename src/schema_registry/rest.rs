//! The registry's HTTP side: Python's `_RestClient`. Reads the client configuration (URLs,
//! basic or bearer auth, TLS files, proxy, timeout, retries), then sends each request to the
//! URLs in turn, retrying the answers Python retries with the same full-jitter backoff.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ureq::http;
use ureq::tls::{Certificate, ClientCert, PrivateKey, RootCerts, TlsConfig, TlsProvider};

use super::error::SchemaRegistryError;
use crate::config::Config;

/// What a custom bearer provider returns (Python's `bearer.auth.custom.provider.function`
/// result: `bearer.auth.token`, `bearer.auth.logical.cluster`, `bearer.auth.identity.pool.id`).
#[derive(Clone, PartialEq, Eq)]
pub struct BearerFields {
    /// The token sent as `Authorization: Bearer <token>`.
    pub token: String,
    /// Sent as `target-sr-cluster`.
    pub logical_cluster: String,
    /// Sent as `Confluent-Identity-Pool-Id`.
    pub identity_pool_id: String,
}

impl std::fmt::Debug for BearerFields {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BearerFields")
            .field("token", &"[redacted]")
            .field("logical_cluster", &self.logical_cluster)
            .field("identity_pool_id", &self.identity_pool_id)
            .finish()
    }
}

/// A function giving fresh bearer fields for each request.
pub type BearerProvider =
    Arc<dyn Fn() -> Result<BearerFields, SchemaRegistryError> + Send + Sync + 'static>;

/// How requests authenticate.
enum Auth {
    None,
    /// The ready `Authorization: Basic ...` value.
    Basic(String),
    Bearer(BearerProvider),
}

/// A cached OAuth client-credentials token: the token and when it should be renewed.
type CachedToken = Mutex<Option<(String, Instant)>>;

pub(crate) struct RestClient {
    /// Base URLs without user info or trailing `/`.
    base_urls: Vec<String>,
    agent: ureq::Agent,
    auth: Auth,
    max_retries: u32,
    retries_wait: Duration,
    retries_max_wait: Duration,
    pub(crate) cache_capacity: usize,
    pub(crate) cache_latest_ttl: Option<Duration>,
}

/// Python's `is_retriable`: timeouts, throttling and server errors.
fn is_retriable(status: u16) -> bool {
    matches!(status, 408 | 429 | 500 | 502 | 503 | 504)
}

/// Python's `full_jitter`: a random wait up to `min(base * 2^attempt, max)`.
fn full_jitter(base: Duration, max: Duration, attempt: u32) -> Duration {
    let cap = base
        .saturating_mul(1u32.checked_shl(attempt.min(31)).unwrap_or(u32::MAX))
        .min(max);
    cap.mul_f64(random_unit())
}

/// A number in [0, 1) from the standard library's per-process random hasher seed (enough for
/// spreading retries; no `rand` dependency).
fn random_unit() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(Instant::now().elapsed().as_nanos());
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// Percent-encodes a path segment or query value (Python: `urllib.parse.quote(value, safe='')`).
pub(crate) fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (
            b[i],
            b.get(i + 1).copied().and_then(hex),
            b.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Standard base64 with padding (for the `Authorization: Basic` value and Protobuf schemas).
pub(crate) fn base64_encode(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let n = chunk.len();
        let v = u32::from(chunk[0]) << 16
            | u32::from(*chunk.get(1).unwrap_or(&0)) << 8
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= n {
                out.push(T[(v >> shift & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes standard base64 (padding optional, whitespace ignored); `None` if it is not base64.
pub(crate) fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0);
    for c in text.bytes().filter(|c| !c.is_ascii_whitespace()) {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            _ => return None,
        };
        acc = acc << 6 | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

/// Splits `http://user:pass@host/...` into the URL without user info and the decoded
/// `(user, password)`.
fn split_userinfo(url: &str) -> (String, Option<(String, String)>) {
    let Some((scheme, rest)) = url.split_once("://") else {
        return (url.to_string(), None);
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        None => (url.to_string(), None),
        Some(at) => {
            let info = &rest[..at];
            let (u, p) = info.split_once(':').unwrap_or((info, ""));
            (
                format!("{scheme}://{}", &rest[at + 1..]),
                Some((percent_decode(u), percent_decode(p))),
            )
        }
    }
}

fn bad_config(message: impl Into<String>) -> SchemaRegistryError {
    SchemaRegistryError::local(message)
}

/// Reads a PEM file (a CA file, or every file of a CA directory).
fn pem_files(path: &str) -> Result<Vec<u8>, SchemaRegistryError> {
    let read = |p: &std::path::Path| {
        std::fs::read(p).map_err(|e| bad_config(format!("cannot read {}: {e}", p.display())))
    };
    let p = std::path::Path::new(path);
    if !p.is_dir() {
        return read(p);
    }
    let mut all = Vec::new();
    let entries =
        std::fs::read_dir(p).map_err(|e| bad_config(format!("cannot read {path}: {e}")))?;
    for entry in entries.flatten() {
        if entry.path().is_file() {
            all.extend(read(&entry.path())?);
            all.push(b'\n');
        }
    }
    Ok(all)
}

fn certificates(pem: &[u8], what: &str) -> Result<Vec<Certificate<'static>>, SchemaRegistryError> {
    let stack = openssl::x509::X509::stack_from_pem(pem)
        .map_err(|e| bad_config(format!("{what}: not a PEM certificate file: {e}")))?;
    if stack.is_empty() {
        return Err(bad_config(format!("{what}: no certificate in the file")));
    }
    stack
        .iter()
        .map(|c| {
            c.to_der()
                .map(|d| Certificate::from_der(&d).to_owned())
                .map_err(|e| bad_config(format!("{what}: {e}")))
        })
        .collect()
}

/// The client key as PKCS#8, decrypted with `password` if given. The password never appears in
/// an error (OpenSSL's reason does not quote it).
fn private_key(
    pem: &[u8],
    password: Option<&str>,
) -> Result<PrivateKey<'static>, SchemaRegistryError> {
    let key = match password {
        Some(p) => openssl::pkey::PKey::private_key_from_pem_passphrase(pem, p.as_bytes()),
        None => openssl::pkey::PKey::private_key_from_pem(pem),
    }
    .map_err(|_| {
        bad_config(
            "ssl.key.location: cannot read the private key (not PEM, or ssl.key.password wrong or missing)",
        )
    })?;
    // PKCS#8 PEM, the one form native-tls takes (ureq reads its kind from the PEM label).
    let pem = key
        .private_key_to_pem_pkcs8()
        .map_err(|e| bad_config(format!("ssl.key.location: {e}")))?;
    PrivateKey::from_pem(&pem).map_err(|e| bad_config(format!("ssl.key.location: {e}")))
}

fn tls_config(
    ca: Option<&str>,
    cert: Option<&str>,
    key: Option<&str>,
    key_password: Option<&str>,
) -> Result<TlsConfig, SchemaRegistryError> {
    if (key.is_some() || key_password.is_some()) && cert.is_none() {
        return Err(bad_config(
            "ssl.certificate.location required when configuring ssl.key.location or ssl.key.password",
        ));
    }
    let roots = match ca {
        Some(path) => {
            RootCerts::new_with_certs(&certificates(&pem_files(path)?, "ssl.ca.location")?)
        }
        // The system's roots, through OpenSSL (SSL_CERT_FILE / SSL_CERT_DIR are honoured).
        None => RootCerts::PlatformVerifier,
    };
    let client = match cert {
        None => None,
        Some(path) => {
            let cert_pem = pem_files(path)?;
            let chain = certificates(&cert_pem, "ssl.certificate.location")?;
            // Without ssl.key.location the key is in the certificate file (as Python allows).
            let key_pem = match key {
                Some(k) => pem_files(k)?,
                None => cert_pem,
            };
            Some(ClientCert::new_with_certs(
                &chain,
                private_key(&key_pem, key_password)?,
            ))
        }
    };
    Ok(TlsConfig::builder()
        .provider(TlsProvider::NativeTls)
        .root_certs(roots)
        .client_cert(client)
        .build())
}

/// One configuration value parsed as `T`, naming the key on failure.
fn parse<T: std::str::FromStr>(key: &str, v: &str) -> Result<T, SchemaRegistryError> {
    v.trim()
        .parse()
        .map_err(|_| bad_config(format!("{key} must be a number, not `{v}`")))
}

/// The bearer provider for `bearer.auth.credentials.source`.
fn bearer_auth(
    c: &mut Config,
    custom: Option<BearerProvider>,
    agent: &ureq::Agent,
) -> Result<Option<BearerProvider>, SchemaRegistryError> {
    let Some(source) = c.remove("bearer.auth.credentials.source") else {
        return match custom {
            Some(_) => Err(bad_config(
                "a bearer provider was given but bearer.auth.credentials.source is not CUSTOM",
            )),
            None => Ok(None),
        };
    };
    let mut take = |k: &str| {
        c.remove(k).ok_or_else(|| {
            bad_config(format!(
                "Missing required bearer configuration property: {k}"
            ))
        })
    };
    match source.as_str() {
        "STATIC_TOKEN" => {
            let fields = BearerFields {
                logical_cluster: take("bearer.auth.logical.cluster")?,
                identity_pool_id: take("bearer.auth.identity.pool.id")?,
                token: take("bearer.auth.token")?,
            };
            Ok(Some(Arc::new(move || Ok(fields.clone()))))
        }
        "OAUTHBEARER" => {
            let logical_cluster = take("bearer.auth.logical.cluster")?;
            let identity_pool_id = take("bearer.auth.identity.pool.id")?;
            let oauth = OAuth {
                client_id: take("bearer.auth.client.id")?,
                client_secret: take("bearer.auth.client.secret")?,
                scope: take("bearer.auth.scope")?,
                endpoint: take("bearer.auth.issuer.endpoint.url")?,
                agent: agent.clone(),
                token: CachedToken::default(),
            };
            Ok(Some(Arc::new(move || {
                Ok(BearerFields {
                    token: oauth.token()?,
                    logical_cluster: logical_cluster.clone(),
                    identity_pool_id: identity_pool_id.clone(),
                })
            })))
        }
        "CUSTOM" => custom.map(Some).ok_or_else(|| {
            bad_config(
                "bearer.auth.credentials.source CUSTOM needs a provider: \
                 SchemaRegistryClient::with_bearer_provider",
            )
        }),
        other => Err(bad_config(format!(
            "Unrecognized bearer.auth.credentials.source `{other}` (STATIC_TOKEN, OAUTHBEARER, CUSTOM)"
        ))),
    }
}

/// The OAuth 2 client-credentials flow for `OAUTHBEARER` (Python: `_OAuthClient`): a token from
/// the issuer endpoint, renewed when 80 % of its lifetime has passed.
struct OAuth {
    client_id: String,
    client_secret: String,
    scope: String,
    endpoint: String,
    agent: ureq::Agent,
    token: CachedToken,
}

impl OAuth {
    fn token(&self) -> Result<String, SchemaRegistryError> {
        let mut cached = self.token.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((t, renew_at)) = cached.as_ref() {
            if Instant::now() < *renew_at {
                return Ok(t.clone());
            }
        }
        let basic = base64_encode(format!("{}:{}", self.client_id, self.client_secret).as_bytes());
        let body = format!(
            "grant_type=client_credentials&scope={}",
            urlencode(&self.scope)
        );
        let fail = |why: String| {
            SchemaRegistryError::local(format!("OAuth token from {}: {why}", self.endpoint))
        };
        let mut resp = self
            .agent
            .post(&self.endpoint)
            .header("Authorization", format!("Basic {basic}"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .send(body.as_bytes())
            .map_err(|e| fail(e.to_string()))?;
        let status = resp.status().as_u16();
        let text = resp
            .body_mut()
            .read_to_string()
            .map_err(|e| fail(e.to_string()))?;
        if !(200..300).contains(&status) {
            return Err(fail(format!("HTTP status {status}")));
        }
        #[derive(serde::Deserialize)]
        struct Token {
            access_token: String,
            #[serde(default)]
            expires_in: Option<f64>,
        }
        let t: Token =
            serde_json::from_str(&text).map_err(|e| fail(format!("bad token response: {e}")))?;
        let life = Duration::from_secs_f64(t.expires_in.unwrap_or(300.0).max(0.0) * 0.8);
        *cached = Some((t.access_token.clone(), Instant::now() + life));
        Ok(t.access_token)
    }
}

impl RestClient {
    /// Reads Python's `SchemaRegistryClient(conf)` keys; an unknown key is refused, as there.
    pub(crate) fn new(
        config: &Config,
        custom_bearer: Option<BearerProvider>,
    ) -> Result<RestClient, SchemaRegistryError> {
        let mut c = config.clone();
        let url = c
            .remove("url")
            .ok_or_else(|| bad_config("Missing required configuration property url"))?;
        let mut userinfo = None;
        let mut base_urls = Vec::new();
        for (i, u) in url.split(',').enumerate() {
            let u = u.trim().trim_end_matches('/');
            if !u.starts_with("http") {
                return Err(bad_config(format!("Invalid url {}", split_userinfo(u).0)));
            }
            let (plain, info) = split_userinfo(u);
            if i == 0 {
                userinfo = info;
            }
            base_urls.push(plain);
        }
        let basic = match (c.remove("basic.auth.user.info"), userinfo) {
            (Some(_), Some(_)) => {
                return Err(bad_config(
                    "basic.auth.user.info configured with userinfo credentials in the URL. \
                     Remove userinfo credentials from the url or remove basic.auth.user.info \
                     from the configuration",
                ))
            }
            (Some(info), None) => match info.split_once(':') {
                Some((u, p)) => Some((u.to_string(), p.to_string())),
                None => {
                    return Err(bad_config(
                        "basic.auth.user.info must be in the form of {username}:{password}",
                    ))
                }
            },
            (None, info) => info,
        };
        let timeout = match c.remove("timeout") {
            Some(v) => Duration::from_secs_f64(parse::<f64>("timeout", &v)?.max(0.001)),
            None => DEFAULT_TIMEOUT,
        };
        let tls = tls_config(
            c.remove("ssl.ca.location").as_deref(),
            c.remove("ssl.certificate.location").as_deref(),
            c.remove("ssl.key.location").as_deref(),
            c.remove("ssl.key.password").as_deref(),
        )?;
        let proxy = match c.remove("proxy") {
            Some(p) => Some(ureq::Proxy::new(&p).map_err(|e| bad_config(format!("proxy: {e}")))?),
            None => None,
        };
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(timeout))
            .tls_config(tls)
            .proxy(proxy)
            .max_redirects(0)
            .build()
            .into();
        let number = |c: &mut Config, k: &str, default: u64| -> Result<u64, SchemaRegistryError> {
            c.remove(k).map_or(Ok(default), |v| {
                parse::<f64>(k, &v).map(|f| f.max(0.0) as u64)
            })
        };
        let cache_capacity = number(&mut c, "cache.capacity", 1000)? as usize;
        let cache_latest_ttl = match c.remove("cache.latest.ttl.sec") {
            Some(v) => Some(Duration::from_secs_f64(
                parse::<f64>("cache.latest.ttl.sec", &v)?.max(0.0),
            )),
            None => None,
        };
        let max_retries = number(&mut c, "max.retries", 3)? as u32;
        let retries_wait = Duration::from_millis(number(&mut c, "retries.wait.ms", 1000)?);
        let retries_max_wait = Duration::from_millis(number(&mut c, "retries.max.wait.ms", 20000)?);
        let auth = match bearer_auth(&mut c, custom_bearer, &agent)? {
            // Python: a bearer source replaces basic credentials.
            Some(p) => Auth::Bearer(p),
            None => match basic {
                Some((u, p)) => Auth::Basic(format!(
                    "Basic {}",
                    base64_encode(format!("{u}:{p}").as_bytes())
                )),
                None => Auth::None,
            },
        };
        if !c.is_empty() {
            let keys: Vec<&str> = c.iter().map(|(k, _)| k).collect();
            return Err(bad_config(format!(
                "Unrecognized properties: {}",
                keys.join(", ")
            )));
        }
        Ok(RestClient {
            base_urls,
            agent,
            auth,
            max_retries,
            retries_wait,
            retries_max_wait,
            cache_capacity,
            cache_latest_ttl,
        })
    }

    /// The base URLs (without credentials).
    pub(crate) fn urls(&self) -> &[String] {
        &self.base_urls
    }

    /// Sends `method path?query` with an optional JSON body; returns the parsed JSON answer.
    /// Python's `send_request`: each URL in turn, the next one only after a transport failure
    /// or a retriable answer.
    pub(crate) fn send(
        &self,
        method: &str,
        path: &str,
        query: &[(&str, String)],
        body: Option<&serde_json::Value>,
    ) -> Result<serde_json::Value, SchemaRegistryError> {
        let body = body.map(|b| serde_json::to_vec(b).expect("a JSON value always serializes"));
        let auth = match &self.auth {
            Auth::None => None,
            Auth::Basic(v) => Some((v.clone(), None)),
            Auth::Bearer(p) => {
                let f = p()?;
                Some((format!("Bearer {}", f.token), Some(f)))
            }
        };
        let mut last = None;
        for (i, base) in self.base_urls.iter().enumerate() {
            let is_last = i + 1 == self.base_urls.len();
            match self.send_with_retries(base, method, path, query, body.as_deref(), &auth) {
                Ok((status, text)) if (200..300).contains(&status) => {
                    return serde_json::from_str(&text).map_err(|e| {
                        SchemaRegistryError::new(
                            status,
                            -1,
                            format!("Unparsable answer from {base}: {e}"),
                        )
                    })
                }
                Ok((status, text)) => {
                    last = Some(answer_error(status, &text));
                    if !is_retriable(status) || is_last {
                        break;
                    }
                }
                Err(e) => {
                    last = Some(e);
                    if is_last {
                        break;
                    }
                }
            }
        }
        Err(last.unwrap_or_else(|| SchemaRegistryError::local("no schema registry url")))
    }

    /// One URL, retrying retriable answers up to `max.retries` times with full jitter (a
    /// transport failure is not retried, as in Python).
    fn send_with_retries(
        &self,
        base: &str,
        method: &str,
        path: &str,
        query: &[(&str, String)],
        body: Option<&[u8]>,
        auth: &Option<(String, Option<BearerFields>)>,
    ) -> Result<(u16, String), SchemaRegistryError> {
        let mut url = format!("{base}/{path}");
        for (i, (k, v)) in query.iter().enumerate() {
            url.push(if i == 0 && !path.contains('?') {
                '?'
            } else {
                '&'
            });
            url.push_str(&format!("{k}={}", urlencode(v)));
        }
        let mut attempt = 0;
        loop {
            let (status, text) = self.send_once(&url, base, method, body, auth)?;
            if (200..300).contains(&status) || !is_retriable(status) || attempt >= self.max_retries
            {
                return Ok((status, text));
            }
            std::thread::sleep(full_jitter(
                self.retries_wait,
                self.retries_max_wait,
                attempt,
            ));
            attempt += 1;
        }
    }

    fn send_once(
        &self,
        url: &str,
        base: &str,
        method: &str,
        body: Option<&[u8]>,
        auth: &Option<(String, Option<BearerFields>)>,
    ) -> Result<(u16, String), SchemaRegistryError> {
        let mut req = http::Request::builder().method(method).uri(url);
        req = match body {
            Some(_) => req.header("Content-Type", "application/vnd.schemaregistry.v1+json"),
            None => req.header(
                "Accept",
                "application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json, application/json",
            ),
        };
        if let Some((value, bearer)) = auth {
            req = req.header("Authorization", value.as_str());
            if let Some(f) = bearer {
                req = req
                    .header("Confluent-Identity-Pool-Id", f.identity_pool_id.as_str())
                    .header("target-sr-cluster", f.logical_cluster.as_str());
            }
        }
        let unreachable = |e: &dyn std::fmt::Display| {
            SchemaRegistryError::local(format!("schema registry {base} unreachable: {e}"))
        };
        let req = req
            .body(body.unwrap_or_default().to_vec())
            .map_err(|e| unreachable(&e))?;
        let mut resp = self.agent.run(req).map_err(|e| unreachable(&e))?;
        let status = resp.status().as_u16();
        let text = resp
            .body_mut()
            .read_to_string()
            .map_err(|e| unreachable(&e))?;
        Ok((status, text))
    }
}

/// The default bound on one HTTP request. Python's default is no bound at all (httpx with
/// `timeout=None`); rkafka bounds every call.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The registry's error answer (`{"error_code": .., "message": ..}`), or Python's "Unknown
/// Schema Registry Error" with the body.
fn answer_error(status: u16, text: &str) -> SchemaRegistryError {
    #[derive(serde::Deserialize)]
    struct Answer {
        error_code: i32,
        message: String,
    }
    match serde_json::from_str::<Answer>(text) {
        Ok(a) => SchemaRegistryError::new(status, a.error_code, a.message),
        Err(_) => SchemaRegistryError::new(
            status,
            SchemaRegistryError::UNKNOWN,
            format!(
                "Unknown Schema Registry Error: {}",
                text.chars().take(200).collect::<String>()
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips() {
        for data in [&b""[..], b"f", b"fo", b"foo", b"foob", b"\x00\xff\x10"] {
            assert_eq!(base64_decode(&base64_encode(data)).unwrap(), data);
        }
        assert_eq!(base64_encode(b"user:pw"), "dXNlcjpwdw==");
        assert!(base64_decode("not*base64").is_none());
    }

    #[test]
    fn userinfo_is_taken_out_of_urls() {
        let (u, info) = split_userinfo("http://al%40ice:s3cret@host:8081/sr");
        assert_eq!(u, "http://host:8081/sr");
        assert_eq!(info, Some(("al@ice".into(), "s3cret".into())));
        assert_eq!(split_userinfo("http://host/a@b").1, None);
    }

    #[test]
    fn jitter_stays_under_its_cap() {
        for attempt in 0..40 {
            let d = full_jitter(Duration::from_millis(100), Duration::from_secs(2), attempt);
            assert!(d <= Duration::from_secs(2));
        }
        assert_eq!(urlencode("a b/c-d"), "a%20b%2Fc-d");
    }
}
