//! SASL PLAIN (`'sasl.mechanisms': 'PLAIN'`, the mechanism of most Python configs). No broker
//! here offers it (tansu has SCRAM only), so the authenticating front of
//! `tests/common/oauth_front.rs` checks PLAIN (RFC 4616) itself, for exactly one username and
//! password, before the prebuilt tansu. What reached tansu is checked through tansu's own
//! client on a direct, unauthenticated connection, not through the front.

use crate::common;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::oauth_front::Front;
use common::{earliest_group, produce_values, read_back, unique, within, LogLines};
use rkafka::{Config, Consumer, ErrorCode, KafkaError, Producer, Record};

const USER: &str = "alice";
const PASSWORD: &str = "Pl41n-Alice-S3cret";
/// Every test finishes within this bound (a hang fails the test, not the suite).
const LIMIT: Duration = Duration::from_secs(90);
/// error_cb reports a refused login within this long (it takes well under a second: one
/// connection and one round trip); asserted with a second of margin.
const AUTH_BOUND: Duration = Duration::from_secs(5);

fn plain(front: &Front, user: &str, password: &str) -> Config {
    front
        .config()
        .with("sasl.username", user)
        .with("sasl.password", password)
        .with("debug", "all")
}

/// Asserts that no captured text contains `secret`, and that something was captured.
fn assert_never_shown(what: &str, texts: &[String], secret: &str) {
    assert!(!texts.is_empty(), "nothing captured from {what}");
    for t in texts {
        assert!(!t.contains(secret), "{what} shows the password: {t}");
    }
}

#[test]
fn right_credentials_deliver_and_a_group_reads_back() {
    within(LIMIT, || {
        let front = Front::start_plain(USER, PASSWORD);
        let topic = unique("plain");
        let logs = LogLines::default();
        let errors: Arc<Mutex<Vec<KafkaError>>> = Arc::default();
        let e2 = errors.clone();
        let producer = Producer::builder(plain(&front, USER, PASSWORD))
            .logger(logs.logger())
            .error_cb(move |e| e2.lock().unwrap().push(e.clone()))
            .build()
            .unwrap();
        // JSON strings, so tansu's own client can show them (see values_direct).
        let values: Vec<String> = (0..100).map(|i| format!("\"m{i}\"")).collect();
        produce_values(&producer, &topic, &values);
        let consumer =
            Consumer::builder(earliest_group(plain(&front, USER, PASSWORD), &unique("g")))
                .logger(logs.logger())
                .build()
                .unwrap();
        let got = read_back(&consumer, &topic, values.len());
        consumer.close_timeout(Duration::from_secs(10)).unwrap();
        let want: BTreeSet<String> = values.into_iter().collect();
        assert_eq!(got, want);
        assert!(
            errors.lock().unwrap().is_empty(),
            "{:?}",
            errors.lock().unwrap()
        );

        // The front saw only alice, and tansu (asked directly) holds exactly the 100 records.
        assert_eq!(front.tokens(), BTreeSet::from([USER.to_string()]));
        let mut direct: Vec<String> = front
            .backend()
            .values_direct(&topic)
            .iter()
            .map(|v| v.to_string())
            .collect();
        direct.sort();
        assert_eq!(direct, want.into_iter().collect::<Vec<_>>());
        // librdkafka logged the SASL exchange (debug=all) and never the password.
        assert!(
            logs.any(|l| l.starts_with("SASLPLAIN ")),
            "no SASL PLAIN exchange logged"
        );
        assert_never_shown("log lines with debug=all", &logs.lines(), PASSWORD);
    })
}

/// A producer logging in as `user`/`password`, whose one message must fail and whose first
/// `_AUTHENTICATION` must reach error_cb within [`AUTH_BOUND`]: the errors error_cb saw, and
/// every text captured (log lines, error_cb and delivery errors) for the secret check.
fn refused(
    front: &Front,
    topic: &str,
    user: &str,
    password: &str,
) -> (Vec<KafkaError>, Vec<String>) {
    let logs = LogLines::default();
    let errors: Arc<Mutex<Vec<(Instant, KafkaError)>>> = Arc::default();
    let delivery: Arc<Mutex<Vec<KafkaError>>> = Arc::default();
    let (e2, d2) = (errors.clone(), delivery.clone());
    let producer =
        Producer::builder(plain(front, user, password).with("message.timeout.ms", "3000"))
            .logger(logs.logger())
            .error_cb(move |e| e2.lock().unwrap().push((Instant::now(), e.clone())))
            .on_delivery(move |r| {
                d2.lock().unwrap().push(
                    r.error()
                        .cloned()
                        .expect("delivered without authentication"),
                )
            })
            .build()
            .unwrap();
    let start = Instant::now();
    producer
        .produce(Record::new(topic).value("must never arrive"))
        .unwrap();
    while !errors
        .lock()
        .unwrap()
        .iter()
        .any(|(_, e)| e.code() == ErrorCode::Authentication)
        && start.elapsed() < AUTH_BOUND + Duration::from_secs(5)
    {
        producer.poll(Duration::from_millis(50));
    }
    let first = errors
        .lock()
        .unwrap()
        .iter()
        .find(|(_, e)| e.code() == ErrorCode::Authentication)
        .map(|(t, _)| t.duration_since(start));
    let first = first.unwrap_or_else(|| {
        panic!(
            "{user}: no _AUTHENTICATION from error_cb: {:?}",
            errors.lock().unwrap()
        )
    });
    assert!(
        first < AUTH_BOUND + Duration::from_secs(1),
        "{user}: _AUTHENTICATION after {first:?}"
    );
    assert_eq!(producer.flush(Duration::from_secs(15)), 0, "flush hung");
    assert_eq!(
        delivery.lock().unwrap().len(),
        1,
        "the message was not failed"
    );
    let errors: Vec<KafkaError> = errors
        .lock()
        .unwrap()
        .iter()
        .map(|(_, e)| e.clone())
        .collect();
    let mut texts = logs.lines();
    texts.extend(errors.iter().map(|e| format!("{e} {e:?}")));
    texts.extend(
        delivery
            .lock()
            .unwrap()
            .iter()
            .map(|e| format!("{e} {e:?}")),
    );
    (errors, texts)
}

#[test]
fn wrong_password_and_unknown_user_are_refused_and_write_nothing() {
    within(LIMIT, || {
        let front = Front::start_plain(USER, PASSWORD);
        let near_miss = format!("{PASSWORD}x");
        let cases = [
            (USER, "not-alices-password"),
            (USER, near_miss.as_str()),
            (USER, &PASSWORD[..PASSWORD.len() - 1]),
            ("mallory", PASSWORD),
            ("Alice", PASSWORD),
        ];
        let mut topics = Vec::new();
        for (user, password) in cases {
            let topic = unique("plain-refused");
            let (errors, texts) = refused(&front, &topic, user, password);
            assert!(
                errors.iter().any(|e| e.code() == ErrorCode::Authentication
                    && e.str().contains("Invalid username or password")),
                "{user}: {errors:?}"
            );
            assert_never_shown("logs and errors", &texts, password);
            topics.push(topic);
        }
        // Every login reached the front and was refused; tansu never saw any of the topics.
        let users = front.tokens();
        assert_eq!(
            users,
            BTreeSet::from(["Alice".into(), "alice".into(), "mallory".into()])
        );
        let held = front.backend().topics_direct();
        for t in &topics {
            assert!(
                held.iter().all(|(h, _)| h != t),
                "{t} exists on tansu: {held:?}"
            );
        }
    })
}

#[test]
fn a_client_without_sasl_gets_nothing_through_the_front() {
    within(LIMIT, || {
        let front = Front::start_plain(USER, PASSWORD);
        let topic = unique("plain-bypass");
        let producer = Producer::new(
            front
                .config()
                .with("security.protocol", "PLAINTEXT")
                .with("message.timeout.ms", "3000"),
        )
        .unwrap();
        let fate = common::produce_one(&producer, &topic);
        assert_eq!(producer.flush(Duration::from_secs(15)), 0, "flush hung");
        let fate = fate.lock().unwrap().clone();
        assert!(
            matches!(fate, Some(Some(_))),
            "delivered without SASL: {fate:?}"
        );
        assert!(front.tokens().is_empty());
        let held = front.backend().topics_direct();
        assert!(
            held.iter().all(|(h, _)| *h != topic),
            "{topic} exists on tansu: {held:?}"
        );
    })
}
