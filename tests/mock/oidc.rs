//! `sasl.oauthbearer.method=oidc` (feature `oidc`): librdkafka fetches its OAUTHBEARER token
//! from an OIDC token endpoint itself, with the client-credentials grant, and presents it to the
//! broker. No identity provider is reachable here, so the test serves a token endpoint on
//! 127.0.0.1 (HTTP, RFC 6749 §4.4: checks the client id and secret, the grant type and the
//! scope; returns a JWT with the `sub` and `exp` claims librdkafka requires) and puts the
//! authenticating OAUTHBEARER front of `tests/common/oauth_front.rs` before tansu, which records
//! the token the broker side saw. The client side is librdkafka's own OIDC code, unchanged.
#![cfg(feature = "oidc")]

use crate::common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use common::oauth_front::Front;
use common::{earliest_group, produce_values, read_back, unique, within, LogLines};
use rkafka::{Config, Consumer, ErrorCode, KafkaError, Producer, Record};

const CLIENT_ID: &str = "rkafka-test-client";
const CLIENT_SECRET: &str = "Oidc-Cl13nt-S3cret";
const SCOPE: &str = "kafka-test";
/// The `sub` claim of every token the endpoint issues (the principal the broker sees).
const SUBJECT: &str = "svc-rkafka";
const LIMIT: Duration = Duration::from_secs(90);
/// error_cb reports a refused client secret within this long (one HTTP round trip on
/// loopback; librdkafka does not retry a 401); asserted with a second of margin.
const AUTH_BOUND: Duration = Duration::from_secs(5);

/// One token request as the endpoint saw it.
#[derive(Debug, Clone)]
struct TokenRequest {
    client_id: String,
    grant_type: String,
    scope: String,
    granted: bool,
}

/// An OAuth 2 token endpoint (client-credentials grant only) on a free loopback port.
struct TokenEndpoint {
    url: String,
    requests: Arc<Mutex<Vec<TokenRequest>>>,
    issued: Arc<Mutex<Vec<String>>>,
}

impl TokenEndpoint {
    fn start() -> TokenEndpoint {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!(
            "http://127.0.0.1:{}/oauth2/token",
            listener.local_addr().unwrap().port()
        );
        let requests: Arc<Mutex<Vec<TokenRequest>>> = Arc::default();
        let issued: Arc<Mutex<Vec<String>>> = Arc::default();
        let (r2, i2) = (requests.clone(), issued.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let (r, i) = (r2.clone(), i2.clone());
                std::thread::spawn(move || {
                    let _ = serve(conn, &r, &i);
                });
            }
        });
        TokenEndpoint {
            url,
            requests,
            issued,
        }
    }

    fn requests(&self) -> Vec<TokenRequest> {
        self.requests.lock().unwrap().clone()
    }

    fn issued(&self) -> BTreeSet<String> {
        self.issued.lock().unwrap().iter().cloned().collect()
    }
}

/// `application/x-www-form-urlencoded` decoding of one value.
fn form_decode(s: &str) -> String {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("");
                out.push(u8::from_str_radix(hex, 16).unwrap_or(b'?'));
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The client's id and secret: HTTP Basic authentication (RFC 6749 §2.3.1, what librdkafka
/// sends) or, as the RFC also allows, `client_id`/`client_secret` form fields.
fn client_credentials(
    authorization: Option<&str>,
    form: &[(String, String)],
) -> Option<(String, String)> {
    if let Some(b64) = authorization.and_then(|a| a.strip_prefix("Basic ")) {
        let decoded = String::from_utf8(STANDARD.decode(b64.trim()).ok()?).ok()?;
        let (id, secret) = decoded.split_once(':')?;
        return Some((form_decode(id), form_decode(secret)));
    }
    let field = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    Some((field("client_id")?, field("client_secret")?))
}

static SEQ: AtomicU64 = AtomicU64::new(0);

/// A JWT (header.claims.signature, base64url) with the claims librdkafka reads (`sub`, `exp`).
/// The signature is opaque bytes: the client never verifies it, the broker would.
fn jwt() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let n = SEQ.fetch_add(1, Ordering::Relaxed);
    let header = serde_json::json!({"alg": "RS256", "typ": "JWT", "kid": "rkafka-test"});
    let claims = serde_json::json!({
        "iss": "rkafka-test-idp", "sub": SUBJECT, "aud": "kafka", "scope": SCOPE,
        "iat": now, "exp": now + 3600, "jti": format!("tok-{n}"),
    });
    [
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        URL_SAFE_NO_PAD.encode(format!("signature-{n}")),
    ]
    .join(".")
}

/// Answers one HTTP/1.1 request: a token for the right client, scope and grant, else the
/// RFC 6749 §5.2 error.
fn serve(
    conn: TcpStream,
    requests: &Mutex<Vec<TokenRequest>>,
    issued: &Mutex<Vec<String>>,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(conn.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let header = |k: &str| {
        headers
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
    };
    let length: usize = header("content-length")
        .and_then(|l| l.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body)?;
    let form: Vec<(String, String)> = String::from_utf8_lossy(&body)
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (form_decode(k), form_decode(v)))
        .collect();
    let field = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let credentials = client_credentials(header("authorization"), &form);
    let grant_type = field("grant_type").unwrap_or_default();
    let scope = field("scope").unwrap_or_default();
    let client_ok = credentials
        .as_ref()
        .is_some_and(|(id, secret)| id == CLIENT_ID && secret == CLIENT_SECRET);
    let granted = request_line.starts_with("POST /oauth2/token ")
        && header("content-type") == Some("application/x-www-form-urlencoded")
        && client_ok
        && grant_type == "client_credentials"
        && scope == SCOPE;
    requests.lock().unwrap().push(TokenRequest {
        client_id: credentials.map(|(id, _)| id).unwrap_or_default(),
        grant_type: grant_type.clone(),
        scope,
        granted,
    });
    let (status, json) = if granted {
        let token = jwt();
        issued.lock().unwrap().push(token.clone());
        (
            "200 OK",
            serde_json::json!({"access_token": token, "token_type": "Bearer", "expires_in": 3600}),
        )
    } else if !client_ok {
        (
            "401 Unauthorized",
            serde_json::json!({"error": "invalid_client", "error_description": "client authentication failed"}),
        )
    } else if grant_type != "client_credentials" {
        (
            "400 Bad Request",
            serde_json::json!({"error": "unsupported_grant_type"}),
        )
    } else {
        (
            "400 Bad Request",
            serde_json::json!({"error": "invalid_scope"}),
        )
    };
    let body = json.to_string();
    let mut out = conn;
    write!(
        out,
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    out.flush()
}

/// The front accepts exactly the JWTs this endpoint issues: three base64url parts whose claims
/// name [`SUBJECT`] and have not expired.
fn issued_here(token: &str) -> bool {
    let parts: Vec<&str> = token.split('.').collect();
    let Some(claims) = parts
        .get(1)
        .and_then(|c| URL_SAFE_NO_PAD.decode(c).ok())
        .and_then(|c| serde_json::from_slice::<serde_json::Value>(&c).ok())
    else {
        return false;
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    parts.len() == 3
        && claims["sub"] == SUBJECT
        && claims["exp"].as_u64().is_some_and(|exp| exp > now)
}

/// An OIDC client config for `front`, fetching tokens from `endpoint` with `secret`.
fn oidc_config(front: &Front, endpoint: &TokenEndpoint, secret: &str) -> Config {
    Config::from([
        ("bootstrap.servers", format!("127.0.0.1:{}", front.port)),
        ("security.protocol", "SASL_PLAINTEXT".into()),
        ("sasl.mechanisms", "OAUTHBEARER".into()),
        ("sasl.oauthbearer.method", "oidc".into()),
        ("sasl.oauthbearer.client.id", CLIENT_ID.into()),
        ("sasl.oauthbearer.client.secret", secret.into()),
        ("sasl.oauthbearer.token.endpoint.url", endpoint.url.clone()),
        ("sasl.oauthbearer.scope", SCOPE.into()),
        ("debug", "all".into()),
    ])
}

/// The strings that would reveal `secret`: itself and the Basic credentials carrying it.
fn revealing(secret: &str) -> [String; 2] {
    [
        secret.to_string(),
        STANDARD.encode(format!("{CLIENT_ID}:{secret}")),
    ]
}

fn assert_never_shown(what: &str, texts: &[String], secret: &str) {
    assert!(!texts.is_empty(), "nothing captured from {what}");
    for t in texts {
        for s in revealing(secret) {
            assert!(!t.contains(&s), "{what} shows the client secret ({s}): {t}");
        }
    }
}

#[test]
fn the_build_has_oidc() {
    assert!(
        rkafka::builtin_features().iter().any(|f| f == "oidc"),
        "{:?}",
        rkafka::builtin_features()
    );
}

#[test]
fn librdkafka_fetches_the_token_and_the_broker_sees_exactly_it() {
    within(LIMIT, || {
        let endpoint = TokenEndpoint::start();
        let front = Front::start(issued_here);
        let topic = unique("oidc");
        let logs = LogLines::default();
        let errors: Arc<Mutex<Vec<KafkaError>>> = Arc::default();
        let e2 = errors.clone();
        let producer = Producer::builder(oidc_config(&front, &endpoint, CLIENT_SECRET))
            .logger(logs.logger())
            .error_cb(move |e| e2.lock().unwrap().push(e.clone()))
            .build()
            .unwrap();
        let values: Vec<String> = (0..50).map(|i| format!("m{i}")).collect();
        produce_values(&producer, &topic, &values);
        let consumer = Consumer::builder(earliest_group(
            oidc_config(&front, &endpoint, CLIENT_SECRET),
            &unique("g"),
        ))
        .logger(logs.logger())
        .build()
        .unwrap();
        let got = read_back(&consumer, &topic, values.len());
        consumer.close_timeout(Duration::from_secs(10)).unwrap();
        assert_eq!(got, values.into_iter().collect());
        assert!(
            errors.lock().unwrap().is_empty(),
            "{:?}",
            errors.lock().unwrap()
        );

        // The endpoint granted each client its request (right id, secret, grant and scope) ...
        let requests = endpoint.requests();
        assert!(requests.len() >= 2, "{requests:?}");
        for r in &requests {
            assert!(r.granted, "{r:?}");
            assert_eq!(
                (
                    r.client_id.as_str(),
                    r.grant_type.as_str(),
                    r.scope.as_str()
                ),
                (CLIENT_ID, "client_credentials", SCOPE)
            );
        }
        // ... and the broker side saw exactly the tokens it issued, nothing else.
        assert_eq!(front.tokens(), endpoint.issued());
        assert_never_shown("log lines with debug=all", &logs.lines(), CLIENT_SECRET);
    })
}

#[test]
fn a_wrong_client_secret_is_an_authentication_error_within_a_bound() {
    within(LIMIT, || {
        let endpoint = TokenEndpoint::start();
        let front = Front::start(issued_here);
        let wrong = "Wr0ng-Oidc-S3cret";
        let logs = LogLines::default();
        let errors: Arc<Mutex<Vec<(Instant, KafkaError)>>> = Arc::default();
        let failed: Arc<Mutex<Vec<KafkaError>>> = Arc::default();
        let (e2, f2) = (errors.clone(), failed.clone());
        let producer = Producer::builder(
            oidc_config(&front, &endpoint, wrong).with("message.timeout.ms", "3000"),
        )
        .logger(logs.logger())
        .error_cb(move |e| e2.lock().unwrap().push((Instant::now(), e.clone())))
        .on_delivery(move |r| {
            f2.lock()
                .unwrap()
                .push(r.error().cloned().expect("delivered without a token"))
        })
        .build()
        .unwrap();
        let start = Instant::now();
        producer.produce(Record::new("never").value("x")).unwrap();
        let refused = |errors: &[(Instant, KafkaError)]| {
            errors
                .iter()
                .find(|(_, e)| e.code() == ErrorCode::Authentication)
                .map(|(t, e)| (t.duration_since(start), e.clone()))
        };
        while refused(&errors.lock().unwrap()).is_none()
            && start.elapsed() < AUTH_BOUND + Duration::from_secs(5)
        {
            producer.poll(Duration::from_millis(50));
        }
        let (after, error) = refused(&errors.lock().unwrap())
            .unwrap_or_else(|| panic!("no _AUTHENTICATION: {:?}", errors.lock().unwrap()));
        assert!(
            after < AUTH_BOUND + Duration::from_secs(1),
            "_AUTHENTICATION after {after:?}"
        );
        // The endpoint's RFC 6749 error reaches error_cb and the log. (The log shows the
        // endpoint as [redacted]: rkafka treats every `*token*` property as secret.)
        assert!(error.str().contains("invalid_client"), "{error}");
        assert!(
            logs.any(|l| l.starts_with("OIDC ")
                && l.contains("Failed to retrieve OIDC token")
                && l.contains("invalid_client")),
            "{:?}",
            logs.lines()
        );
        assert_eq!(producer.flush(Duration::from_secs(15)), 0, "flush hung");
        assert_eq!(
            failed.lock().unwrap().len(),
            1,
            "the message was not failed"
        );

        // The endpoint refused the client; no token was issued, none reached the broker.
        let requests = endpoint.requests();
        assert!(
            !requests.is_empty()
                && requests
                    .iter()
                    .all(|r| !r.granted && r.client_id == CLIENT_ID)
        );
        assert!(endpoint.issued().is_empty());
        assert!(front.tokens().is_empty(), "{:?}", front.tokens());
        let mut texts = logs.lines();
        texts.extend(
            errors
                .lock()
                .unwrap()
                .iter()
                .map(|(_, e)| format!("{e} {e:?}")),
        );
        texts.extend(failed.lock().unwrap().iter().map(|e| format!("{e} {e:?}")));
        assert_never_shown("logs and errors", &texts, wrong);
    })
}
