//! OAUTHBEARER through the `oauth_cb` closure, for Producer, Consumer and AdminClient.
//!
//! No broker available here speaks SASL/OAUTHBEARER (tansu implements SCRAM only, the mock
//! cluster no SASL at all), so the test puts a small authenticating front before the prebuilt
//! tansu: it answers SaslHandshake and SaslAuthenticate itself exactly as a Kafka broker does
//! (RFC 7628 client first message, checked against the tokens it accepts), records what it
//! received, and after a successful authentication pipes the connection to tansu unchanged.
//! tansu advertises the front's address, so every client connection goes through it.

mod common;

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::{unique, Tansu};
use rkafka::admin::NewTopic;
use rkafka::{
    AdminClient, AdminOptions, Config, Consumer, ErrorCode, KafkaError, OAuthToken, Producer,
    Record,
};

/// What the front saw: (token, extensions) of each SaslAuthenticate.
type Seen = Arc<Mutex<Vec<(String, Vec<String>)>>>;

struct Front {
    port: u16,
    seen: Seen,
    _broker: Tansu,
}

fn read_frame(s: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut len = [0u8; 4];
    s.read_exact(&mut len)?;
    let mut buf = vec![0u8; i32::from_be_bytes(len) as usize];
    s.read_exact(&mut buf)?;
    Ok(buf)
}

fn write_frame(s: &mut TcpStream, body: &[u8]) -> std::io::Result<()> {
    let mut out = (body.len() as i32).to_be_bytes().to_vec();
    out.extend_from_slice(body);
    s.write_all(&out)
}

/// Offset of the request body: api_key, api_version, correlation_id, client_id (header v1).
fn body_start(frame: &[u8]) -> usize {
    let client_id_len = i16::from_be_bytes([frame[8], frame[9]]);
    10 + client_id_len.max(0) as usize
}

fn handle(mut client: TcpStream, backend_port: u16, seen: Seen) -> std::io::Result<()> {
    let mut backend = TcpStream::connect(("127.0.0.1", backend_port))?;
    loop {
        let frame = read_frame(&mut client)?;
        let api_key = i16::from_be_bytes([frame[0], frame[1]]);
        let version = i16::from_be_bytes([frame[2], frame[3]]);
        let corr = &frame[4..8];
        let body = &frame[body_start(&frame)..];
        match api_key {
            17 => {
                // SaslHandshake: only OAUTHBEARER is enabled here.
                let n = i16::from_be_bytes([body[0], body[1]]) as usize;
                let mech = String::from_utf8_lossy(&body[2..2 + n]).into_owned();
                let mut r = corr.to_vec();
                let err: i16 = if mech == "OAUTHBEARER" { 0 } else { 33 };
                r.extend_from_slice(&err.to_be_bytes());
                r.extend_from_slice(&1i32.to_be_bytes());
                r.extend_from_slice(&11i16.to_be_bytes());
                r.extend_from_slice(b"OAUTHBEARER");
                write_frame(&mut client, &r)?;
                if err != 0 {
                    return Ok(());
                }
            }
            36 => {
                // SaslAuthenticate: "n,,\x01auth=Bearer <token>\x01k=v\x01...\x01\x01".
                let n = i32::from_be_bytes([body[0], body[1], body[2], body[3]]) as usize;
                let msg = String::from_utf8_lossy(&body[4..4 + n]).into_owned();
                let mut token = String::new();
                let mut exts = Vec::new();
                for part in msg.split('\x01').skip(1).filter(|p| !p.is_empty()) {
                    match part.strip_prefix("auth=Bearer ") {
                        Some(t) => token = t.to_string(),
                        None => exts.push(part.to_string()),
                    }
                }
                let ok = token.starts_with("tok-");
                seen.lock().unwrap().push((token, exts));
                let mut r = corr.to_vec();
                if ok {
                    r.extend_from_slice(&0i16.to_be_bytes());
                    r.extend_from_slice(&(-1i16).to_be_bytes());
                } else {
                    let m = b"invalid token";
                    r.extend_from_slice(&58i16.to_be_bytes()); // SASL_AUTHENTICATION_FAILED
                    r.extend_from_slice(&(m.len() as i16).to_be_bytes());
                    r.extend_from_slice(m);
                }
                r.extend_from_slice(&0i32.to_be_bytes()); // auth_bytes
                if version >= 1 {
                    r.extend_from_slice(&0i64.to_be_bytes()); // session_lifetime_ms
                }
                write_frame(&mut client, &r)?;
                if !ok {
                    return Ok(());
                }
                break;
            }
            _ => {
                // ApiVersions and anything else before authentication: tansu answers.
                write_frame(&mut backend, &frame)?;
                let resp = read_frame(&mut backend)?;
                write_frame(&mut client, &resp)?;
            }
        }
    }
    // Authenticated: from here on the connection is tansu's.
    let (mut c2, mut b2) = (client.try_clone()?, backend.try_clone()?);
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut c2, &mut b2);
        let _ = b2.shutdown(std::net::Shutdown::Both);
    });
    let _ = std::io::copy(&mut backend, &mut client);
    let _ = client.shutdown(std::net::Shutdown::Both);
    Ok(())
}

impl Front {
    fn start() -> Front {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let broker = Tansu::plain_advertising(port);
        let backend_port = broker.port;
        let seen: Seen = Arc::default();
        let s2 = seen.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let seen = s2.clone();
                std::thread::spawn(move || {
                    let _ = handle(conn, backend_port, seen);
                });
            }
        });
        Front {
            port,
            seen,
            _broker: broker,
        }
    }

    fn config(&self) -> Config {
        Config::from([
            ("bootstrap.servers", format!("127.0.0.1:{}", self.port)),
            ("security.protocol", "SASL_PLAINTEXT".into()),
            ("sasl.mechanisms", "OAUTHBEARER".into()),
            ("sasl.oauthbearer.config", "scope=kafka-test".into()),
        ])
    }

    fn tokens(&self) -> BTreeSet<String> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .map(|(t, _)| t.clone())
            .collect()
    }
}

fn in_an_hour() -> i64 {
    (SystemTime::now() + Duration::from_secs(3600))
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// An oauth_cb returning `token`, counting its calls and checking the config string it gets.
#[allow(clippy::type_complexity)]
fn token_cb(
    token: &'static str,
    calls: Arc<AtomicUsize>,
) -> impl Fn(&str) -> Result<OAuthToken, rkafka::oauth::OAuthError> + Send + Sync + 'static {
    move |config| {
        assert_eq!(config, "scope=kafka-test");
        calls.fetch_add(1, Ordering::SeqCst);
        Ok(OAuthToken {
            token: token.to_string(),
            lifetime_ms: in_an_hour(),
            principal: "alice".into(),
            extensions: vec![("traceId".into(), "abc123".into())],
        })
    }
}

#[test]
fn producer_consumer_and_admin_authenticate_with_the_closures_token() {
    let front = Front::start();
    let topic = unique("oauth");
    let calls = [(); 3].map(|_| Arc::new(AtomicUsize::new(0)));

    // AdminClient: nobody polls it; the token comes from the background thread.
    let admin = AdminClient::builder(front.config())
        .oauth_cb(token_cb("tok-admin", calls[0].clone()))
        .build()
        .unwrap();
    let res = admin
        .create_topics(
            &[NewTopic::new(&topic, 2, 1)],
            &AdminOptions::new().request_timeout(Duration::from_secs(20)),
        )
        .expect("create_topics through OAUTHBEARER");
    for (t, r) in &res {
        r.as_ref()
            .unwrap_or_else(|e| panic!("create {t} failed: {e:?}"));
    }

    let producer = Producer::builder(front.config())
        .oauth_cb(token_cb("tok-producer", calls[1].clone()))
        .build()
        .unwrap();
    for i in 0..100 {
        producer
            .produce(Record::new(&topic).value(&format!("m{i}")))
            .unwrap();
    }
    assert_eq!(producer.flush(Duration::from_secs(30)), 0);

    let consumer = Consumer::builder(
        front
            .config()
            .with("group.id", unique("g"))
            .with("auto.offset.reset", "earliest")
            .with("session.timeout.ms", "6000"),
    )
    .oauth_cb(token_cb("tok-consumer", calls[2].clone()))
    .build()
    .unwrap();
    consumer
        .subscribe(&[topic.as_str()], Default::default())
        .unwrap();
    let mut got = BTreeSet::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while got.len() < 100 && Instant::now() < deadline {
        if let Some(Ok(m)) = consumer.poll(Duration::from_millis(200)) {
            got.insert(String::from_utf8(m.value().unwrap().to_vec()).unwrap());
        }
    }
    assert_eq!(got.len(), 100);
    consumer.close(Duration::from_secs(10)).unwrap();

    for (i, c) in calls.iter().enumerate() {
        assert!(
            c.load(Ordering::SeqCst) >= 1,
            "client {i}'s oauth_cb never ran"
        );
    }
    // The broker side received exactly the closures' tokens, with the extension.
    let tokens = front.tokens();
    for t in ["tok-admin", "tok-producer", "tok-consumer"] {
        assert!(
            tokens.contains(t),
            "{t} never reached the broker: {tokens:?}"
        );
    }
    assert!(front
        .seen
        .lock()
        .unwrap()
        .iter()
        .all(|(_, e)| e.contains(&"traceId=abc123".to_string())));
    // The token value never shows in Debug.
    let dbg = format!(
        "{:?}",
        token_cb("tok-secret-value", Arc::default())("scope=kafka-test")
    );
    assert!(
        !dbg.contains("tok-secret-value") && dbg.contains("[redacted]"),
        "{dbg}"
    );
}

/// A producer whose oauth_cb is `cb`: returns the errors error_cb saw and whether the one message
/// failed, with every wait bounded.
fn refused_with(
    front: &Front,
    cb: impl Fn(&str) -> Result<OAuthToken, rkafka::oauth::OAuthError> + Send + Sync + 'static,
) -> Vec<KafkaError> {
    let errors: Arc<Mutex<Vec<KafkaError>>> = Arc::default();
    let failed = Arc::new(AtomicUsize::new(0));
    let (e2, f2) = (errors.clone(), failed.clone());
    let producer = Producer::builder(front.config().with("message.timeout.ms", "3000"))
        .oauth_cb(cb)
        .error_cb(move |e| e2.lock().unwrap().push(e.clone()))
        .build()
        .unwrap();
    producer
        .produce(Record::new("never").value("x").on_delivery(move |r| {
            if r.error().is_some() {
                f2.fetch_add(1, Ordering::SeqCst);
            }
        }))
        .unwrap();
    let start = Instant::now();
    while errors.lock().unwrap().is_empty() && start.elapsed() < Duration::from_secs(15) {
        producer.poll(Duration::from_millis(100));
    }
    assert_eq!(producer.flush(Duration::from_secs(15)), 0, "flush hung");
    assert!(start.elapsed() < Duration::from_secs(25));
    assert_eq!(
        failed.load(Ordering::SeqCst),
        1,
        "the message was not failed"
    );
    let errors = errors.lock().unwrap().clone();
    assert!(
        errors.iter().any(|e| e.code() == ErrorCode::Authentication),
        "{errors:?}"
    );
    errors
}

#[test]
fn a_failing_or_panicking_oauth_cb_reaches_error_cb_without_a_hang() {
    let front = Front::start();
    let errors = refused_with(&front, |_| Err("identity provider unreachable".into()));
    assert!(
        errors
            .iter()
            .any(|e| e.str().contains("identity provider unreachable")),
        "{errors:?}"
    );
    let errors = refused_with(&front, |_| panic!("bug in the token code"));
    assert!(
        errors.iter().any(|e| e.str().contains("oauth_cb panicked")),
        "{errors:?}"
    );
    // Nothing was ever sent to the broker.
    assert!(front.tokens().is_empty(), "{:?}", front.tokens());
}

#[test]
fn a_token_the_broker_rejects_is_an_authentication_error() {
    let front = Front::start();
    let calls = Arc::new(AtomicUsize::new(0));
    refused_with(&front, token_cb("expired-token", calls.clone()));
    assert!(calls.load(Ordering::SeqCst) >= 1);
    // The broker saw the token and refused it; the client never fell back to anything else.
    assert!(front.tokens().contains("expired-token"));
}

#[test]
fn oauth_cb_as_a_config_key_names_the_builder_method() {
    let err = Producer::new(Config::from([("oauth_cb", "x")])).unwrap_err();
    assert!(err.to_string().contains(".oauth_cb("), "{err}");
}
