//! OAUTHBEARER through the `oauth_cb` closure, for Producer, Consumer and AdminClient, through
//! the authenticating front of `tests/common/oauth_front.rs` before the prebuilt tansu (no
//! broker here speaks OAUTHBEARER; see that file).

use crate::common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::oauth_front::Front;
use common::{earliest_group, produce_values, read_back, unique};
use rkafka::admin::NewTopic;
use rkafka::{
    AdminClient, AdminOptions, Config, Consumer, ErrorCode, KafkaError, OAuthToken, Producer,
    Record,
};

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
    let front = Front::start(|t| t.starts_with("tok-"));
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
    let values: Vec<String> = (0..100).map(|i| format!("m{i}")).collect();
    produce_values(&producer, &topic, &values);

    let consumer = Consumer::builder(earliest_group(front.config(), &unique("g")))
        .oauth_cb(token_cb("tok-consumer", calls[2].clone()))
        .build()
        .unwrap();
    let got = read_back(&consumer, &topic, values.len());
    assert_eq!(got.len(), 100);
    consumer.close_timeout(Duration::from_secs(10)).unwrap();

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
    let front = Front::start(|t| t.starts_with("tok-"));
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
    let front = Front::start(|t| t.starts_with("tok-"));
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

#[test]
fn a_failing_oauth_cb_reaches_error_cb_on_the_consumer_and_admin_client_too() {
    let front = Front::start(|t| t.starts_with("tok-"));
    let failing = |_: &str| -> Result<OAuthToken, rkafka::oauth::OAuthError> {
        Err("identity provider unreachable".into())
    };
    let seen =
        |errors: &Arc<Mutex<Vec<KafkaError>>>| {
            errors.lock().unwrap().iter().any(|e| {
                e.code() == ErrorCode::Authentication && e.str().contains("identity provider")
            })
        };

    // Consumer: the error arrives through poll, which returns no message and does not hang.
    let c_errors: Arc<Mutex<Vec<KafkaError>>> = Arc::default();
    let e2 = c_errors.clone();
    let consumer = Consumer::builder(front.config().with("group.id", unique("g")))
        .oauth_cb(failing)
        .error_cb(move |e| e2.lock().unwrap().push(e.clone()))
        .build()
        .unwrap();
    consumer.subscribe(&["t"]).unwrap();
    let start = Instant::now();
    while !seen(&c_errors) && start.elapsed() < Duration::from_secs(15) {
        assert!(consumer.poll(Duration::from_millis(100)).is_none());
    }
    assert!(seen(&c_errors), "{:?}", c_errors.lock().unwrap());
    consumer.close_timeout(Duration::from_secs(10)).unwrap();

    // AdminClient: the request times out at its bound, error_cb saw why.
    let a_errors: Arc<Mutex<Vec<KafkaError>>> = Arc::default();
    let e3 = a_errors.clone();
    let admin = AdminClient::builder(front.config())
        .oauth_cb(failing)
        .error_cb(move |e| e3.lock().unwrap().push(e.clone()))
        .build()
        .unwrap();
    let start = Instant::now();
    let r = admin.describe_cluster(&AdminOptions::new().request_timeout(Duration::from_secs(3)));
    assert_eq!(r.unwrap_err().code(), ErrorCode::TimedOut);
    assert!(start.elapsed() < Duration::from_secs(10));
    assert!(seen(&a_errors), "{:?}", a_errors.lock().unwrap());
    assert!(front.tokens().is_empty());
}
