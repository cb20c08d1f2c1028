//! Security: secret configuration values (`sasl.password`, `ssl.key.password`, `ssl.key.pem`,
//! `sasl.oauthbearer.config`, OAuth client secrets, ...) never appear in `Debug`, `Display`,
//! errors or log output, even with `debug=all`; authentication failures are reported within a
//! bound, are never retried into a hang, and never fall back to unauthenticated access (tansu
//! 0.6.0 with SCRAM users).
//!
//! The library bugs this suite found are fixed; their tests run with the rest (see README).

use crate::common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{captured_logs, create_topic_py, produce_one, unique, within, LogLines, Tansu};
use rkafka::{
    AdminClient, Config, Consumer, ErrorCode, KafkaError, MockCluster, Offset, Producer, Record,
    TopicPartition,
};

/// Every test finishes within this bound (a hang fails the test, not the suite).
const LIMIT: Duration = Duration::from_secs(60);

/// A throwaway EC key, encrypted with [`KEY_PASSWORD`], and its self-signed certificate.
const KEY_PEM: &str = "-----BEGIN ENCRYPTED PRIVATE KEY-----
MIHsMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAjav+eD83PSwQICCAAw
DAYIKoZIhvcNAgkFADAdBglghkgBZQMEASoEEF6M5JuDQVfEfbs33Od8q60EgZDO
uh7eQpeuPvZDjNNXId81r4BGjPf8rNjf/WN+t12x3G4OZRv5M0x7ZfC+5S1tbMaE
53JQ42XcnEDbLGrM1ohrwd1+ct38wtkWGL8abfLcug10dFPDCyWXzVbG8Ud9bYy4
5h8oBsKtvJkeovtmwHOjas2V1KTgEyyqkHJUN68+N6Ns5A52IrrQOlb7N1/1NOI=
-----END ENCRYPTED PRIVATE KEY-----
";
const KEY_PASSWORD: &str = "K3yPassphrase-Secret";
const CERT_PEM: &str = "-----BEGIN CERTIFICATE-----
MIIBgjCCASmgAwIBAgIUOVeuGHUGEuQLjTHD2a31/kAQlAEwCgYIKoZIzj0EAwIw
FjEUMBIGA1UEAwwLcmthZmthLXRlc3QwIBcNMjYxMTIzMjMzMjEyWhgPMjEyNjEw
MzAyMzMyMTJaMBYxFDASBgNVBAMMC3JrYWZrYS10ZXN0MFkwEwYHKoZIzj0CAQYI
KoZIzj0DAQcDQgAE0K2vFWWtaI3v8LoJf1ZY5ncM002ZFJHFzWA8kRzOvy0GKAF8
gCmTmCgcLVHL7iWvyKPKw5L2WnBXE/iyXDVUuKNTMFEwHQYDVR0OBBYEFDNmLBG1
BlqUfqxzhnrq8ewtp5lKMB8GA1UdIwQYMBaAFDNmLBG1BlqUfqxzhnrq8ewtp5lK
MA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDRwAwRAIgCzAGNi0t4SxGyZ0S
7cKslgQ9enEbLxbfwrnxZ29cPssCIGYp9lXoulibc+kmr/MetOES9VksJctwHpVi
bRLadh74
-----END CERTIFICATE-----
";

/// The strings that must never be shown: each secret, and each line of the key's body.
fn forbidden(secrets: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = secrets.iter().map(|s| s.to_string()).collect();
    out.extend(
        KEY_PEM
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .map(str::to_string),
    );
    out
}

fn assert_clean<'a>(what: &str, texts: impl IntoIterator<Item = &'a String>, secrets: &[String]) {
    let mut n = 0;
    for t in texts {
        n += 1;
        for s in secrets {
            assert!(!t.contains(s.as_str()), "{what} leaks {s:?}: {t}");
        }
    }
    assert!(n > 0, "nothing captured from {what}");
}

fn poll_for(p: &Producer, d: Duration) {
    let deadline = Instant::now() + d;
    while Instant::now() < deadline {
        p.poll(Duration::from_millis(100));
    }
}

/// A producer on `config` whose log lines and `error_cb` errors (`Display` and `Debug`) are
/// captured.
fn watched_producer(config: impl Into<Config>) -> (Producer, LogLines, Arc<Mutex<Vec<String>>>) {
    let logs = LogLines::default();
    let errors: Arc<Mutex<Vec<String>>> = Arc::default();
    let er = errors.clone();
    let producer = Producer::builder(config)
        .logger(logs.logger())
        .error_cb(move |e| er.lock().unwrap().push(format!("{e} {e:?}")))
        .build()
        .unwrap();
    (producer, logs, errors)
}

// ---------------------------------------------------------------------------------------------
// Secrets in Debug, Display, errors and logs.

#[test]
fn every_sensitive_property_is_redacted_in_debug_display_and_builders() {
    let secrets = [
        ("sasl.password", "pw-Secret-1"),
        ("ssl.key.password", "pw-Secret-2"),
        ("ssl.key.pem", "pem-Secret-3"),
        ("sasl.oauthbearer.config", "principal=pw-Secret-4"),
        ("sasl.oauthbearer.client.secret", "pw-Secret-5"),
        ("ssl.keystore.password", "pw-Secret-6"),
        (
            "sasl.oauthbearer.assertion.private.key.passphrase",
            "pw-Secret-7",
        ),
        ("sasl.oauthbearer.assertion.private.key.pem", "pem-Secret-8"),
    ];
    let config: Config = secrets
        .iter()
        .copied()
        .chain([("bootstrap.servers", "127.0.0.1:1")])
        .collect();
    for (k, _) in &secrets {
        assert!(Config::is_sensitive(k), "{k} is not treated as sensitive");
    }
    let shown = [
        format!("{config:?}"),
        format!("{config}"),
        format!("{:?}", Producer::builder(config.clone())),
        format!(
            "{:?}",
            Consumer::builder(config.clone().with("group.id", "g"))
        ),
        format!("{:?}", AdminClient::builder(config.clone())),
    ];
    for s in &shown {
        assert!(s.contains("[redacted]"), "{s}");
        assert!(s.contains("127.0.0.1:1"), "non-secrets stay visible: {s}");
        for (k, v) in &secrets {
            assert!(!s.contains(v), "{k}'s value is shown: {s}");
        }
    }
}

#[test]
fn secrets_never_reach_debug_errors_or_logs_even_with_debug_all() {
    within(LIMIT, || {
        let c = MockCluster::new(1).unwrap();
        let config = Config::from([
            ("bootstrap.servers", c.bootstrap_servers()),
            ("security.protocol", "SASL_PLAINTEXT"),
            ("sasl.mechanisms", "SCRAM-SHA-256"),
            ("sasl.username", "alice"),
            ("sasl.password", "Sup3rS3cretValue"),
            ("debug", "all"),
        ]);
        assert!(!format!("{config:?}{config}").contains("Sup3rS3cretValue"));
        let (producer, logs, errors) = watched_producer(config);
        producer.produce(Record::new("t").value("x")).unwrap();
        poll_for(&producer, Duration::from_secs(3));
        producer
            .set_sasl_credentials("alice", "An0therS3cret")
            .unwrap();
        let err = producer
            .set_sasl_credentials("alice", "nul\0inside")
            .unwrap_err();
        assert!(!format!("{err} {err:?}").contains("nul\0inside"));
        let _ = producer.close(Duration::from_millis(200));
        drop(producer);
        let lines = logs.lines();
        assert!(
            lines.len() > 50,
            "debug=all produced only {} lines",
            lines.len()
        );
        let secrets = forbidden(&["Sup3rS3cretValue", "An0therS3cret"]);
        assert_clean("the logger", &lines, &secrets);
        assert_clean("error_cb", errors.lock().unwrap().iter(), &secrets);
    })
}

/// TLS with an encrypted client key: the key PEM and its password are used (librdkafka
/// decrypts the key and starts TLS handshakes, which the plaintext mock cluster fails) but
/// appear nowhere: not in the default logger's output (the `log` crate) with `debug=all`, not in
/// `error_cb`, not in `Debug`.
#[test]
fn tls_key_and_its_password_never_reach_the_default_logger_or_errors() {
    within(LIMIT, || {
        let cap = captured_logs();
        let c = MockCluster::new(1).unwrap();
        let errors: Arc<Mutex<Vec<KafkaError>>> = Arc::default();
        let er = errors.clone();
        let producer = Producer::builder([
            ("bootstrap.servers", c.bootstrap_servers()),
            ("security.protocol", "SASL_SSL"),
            ("sasl.mechanisms", "SCRAM-SHA-512"),
            ("sasl.username", "bob"),
            ("sasl.password", "Tls-Sasl-S3cret"),
            ("ssl.key.pem", KEY_PEM),
            ("ssl.key.password", KEY_PASSWORD),
            ("ssl.certificate.pem", CERT_PEM),
            ("enable.ssl.certificate.verification", "false"),
            ("debug", "all"),
        ])
        .error_cb(move |e| er.lock().unwrap().push(e.clone()))
        .build()
        .unwrap();
        let name = producer.name().to_string();
        producer.produce(Record::new("t").value("x")).unwrap();
        // Poll until a handshake has failed (the first attempt usually fails within
        // milliseconds; on a loaded machine librdkafka may first see the mock broker hang up
        // mid-handshake, which it only logs, and retry after its reconnect backoff).
        let handshake_failed = |errors: &[KafkaError]| {
            errors
                .iter()
                .any(|e| e.to_string().contains("SSL handshake failed"))
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        poll_for(&producer, Duration::from_secs(1));
        while !handshake_failed(&errors.lock().unwrap()) && Instant::now() < deadline {
            poll_for(&producer, Duration::from_millis(500));
        }
        let shown = format!("{producer:?}");
        drop(producer);
        let lines = cap.of_client(&name);
        let errors: Vec<String> = errors
            .lock()
            .unwrap()
            .iter()
            .map(|e| format!("{e} {e:?}"))
            .collect();
        assert!(
            lines.len() > 50,
            "only {} log lines from {name} (errors: {errors:?})",
            lines.len()
        );
        // The key was decrypted (build() fails with a wrong password, see below) and used.
        let fails: Vec<&String> = lines.iter().filter(|l| l.contains("FAIL")).collect();
        assert!(
            errors.iter().any(|e| e.contains("SSL handshake failed")),
            "TLS was never attempted: errors {errors:?}; the client's FAIL log lines: {fails:?}"
        );
        let secrets = forbidden(&[KEY_PASSWORD, "Tls-Sasl-S3cret"]);
        assert_clean("the log crate output", &lines, &secrets);
        assert_clean("error_cb", &errors, &secrets);
        assert_clean("Debug", [&shown], &secrets);
    })
}

#[test]
fn wrong_tls_key_password_is_refused_without_showing_either_secret() {
    let e = Producer::new([
        ("bootstrap.servers", "127.0.0.1:1"),
        ("security.protocol", "SSL"),
        ("ssl.key.pem", KEY_PEM),
        ("ssl.key.password", "Wr0ng-Key-Passw0rd"),
        ("ssl.certificate.pem", CERT_PEM),
    ])
    .unwrap_err();
    let shown = format!("{e} {e:?}");
    assert_eq!(e.code(), ErrorCode::InvalidArg, "{shown}");
    assert!(
        shown.contains("ssl.key"),
        "the error must name the key: {shown}"
    );
    assert_clean(
        "the error",
        [&shown],
        &forbidden(&["Wr0ng-Key-Passw0rd", KEY_PASSWORD]),
    );
}

#[test]
fn secret_values_librdkafka_refuses_are_redacted_in_config_errors() {
    // librdkafka refuses `ssl_key` in every build (it is set through a dedicated C call), and
    // the OIDC client secret in builds without OIDC (no libcurl, no `oidc` feature).
    let oidc = rkafka::builtin_features().iter().any(|f| f == "oidc");
    let e = Producer::new([
        ("bootstrap.servers", "127.0.0.1:1"),
        ("ssl_key", "Ssl-Key-S3cret"),
        ("sasl.oauthbearer.client.secret", "Oidc-Client-S3cret"),
        ("sasl.password", "bad\0Pass-S3cret"),
    ])
    .unwrap_err();
    let shown = format!("{e} {e:?}");
    let issues = e.config_issues();
    assert_eq!(issues.len(), if oidc { 2 } else { 3 }, "{shown}");
    assert!(issues[0].reason.contains("[redacted]"), "{shown}");
    if !oidc {
        assert!(issues[1].reason.contains("[redacted]"), "{shown}");
        assert!(issues[1].reason.contains("`oidc` feature"), "{shown}");
    }
    assert!(
        issues.last().unwrap().reason.contains("NUL byte"),
        "{shown}"
    );
    for s in ["Ssl-Key-S3cret", "Oidc-Client-S3cret", "Pass-S3cret"] {
        assert!(!shown.contains(s), "{shown}");
    }
}

/// librdkafka reports a malformed `sasl.oauthbearer.config` by quoting the rest of the value
/// from the bad token on ("Unrecognized sasl.oauthbearer.config beginning at: ..."): besides
/// whole secret values, rkafka scrubs each `k=v` piece of a structured secret and each value of
/// at least 8 characters, so no fragment of the secret reaches `error_cb` or the log.
#[test]
fn oauthbearer_config_fragments_never_reach_errors_or_logs() {
    within(LIMIT, || {
        let c = MockCluster::new(1).unwrap();
        let (producer, logs, errors) = watched_producer([
            ("bootstrap.servers", c.bootstrap_servers()),
            ("security.protocol", "SASL_PLAINTEXT"),
            ("sasl.mechanisms", "OAUTHBEARER"),
            ("enable.sasl.oauthbearer.unsecure.jwt", "true"),
            (
                "sasl.oauthbearer.config",
                "principal=alice extension_traceId=Ext-S3cret bogus=Tail-S3cret",
            ),
            ("debug", "all"),
        ]);
        producer.produce(Record::new("t").value("x")).unwrap();
        // Until the bad config has been reported (usually at once), bounded.
        let reported = |errors: &[String]| errors.iter().any(|e| e.contains("OAUTHBEARER token"));
        let deadline = Instant::now() + Duration::from_secs(30);
        poll_for(&producer, Duration::from_secs(1));
        while !reported(&errors.lock().unwrap()) && Instant::now() < deadline {
            poll_for(&producer, Duration::from_millis(500));
        }
        let errors = errors.lock().unwrap().clone();
        assert!(
            reported(&errors),
            "the bad config was not reported: {errors:?}"
        );
        let secrets = forbidden(&["Ext-S3cret", "Tail-S3cret"]);
        assert_clean("error_cb", &errors, &secrets);
        assert_clean("the logger", &logs.lines(), &secrets);
    })
}

/// A key that only looks like a secret's (a misspelling of a known secret key, or a name that
/// says password, secret, token, credential or key) has its value redacted too: `Debug` used
/// to print the value of `sasl.pasword`.
#[test]
fn values_of_keys_that_look_secret_are_redacted_too() {
    let config = Config::from([
        ("bootstrap.servers", "127.0.0.1:1"),
        ("sasl.pasword", "Typo-S3cret-1"),
        ("sasl.passwd", "Typo-S3cret-2"),
        ("ssl.key.pasword", "Typo-S3cret-3"),
        ("sasl.oauthbearer.client.secrett", "Typo-S3cret-4"),
        ("sasl_password", "Typo-S3cret-5"),
        ("my.api.key", "Typo-S3cret-6"),
        ("vault.token", "Typo-S3cret-7"),
        ("sasl.oauthbearer.confg", "Typo-S3cret-8"),
    ]);
    let e = config.validate().unwrap_err();
    assert_eq!(e.config_issues().len(), 8, "{e}");
    for shown in [
        format!("{config:?}"),
        format!("{config}"),
        format!("{:?}", Producer::builder(config.clone())),
        format!("{e} {e:?}"),
    ] {
        assert!(
            shown.contains("127.0.0.1:1") || shown.contains("_INVALID_ARG"),
            "{shown}"
        );
        for i in 1..=8 {
            assert!(!shown.contains(&format!("Typo-S3cret-{i}")), "{shown}");
        }
    }
    for k in [
        "sasl.username",
        "client.id",
        "ssl.key.location",
        "sasl.mechanisms",
    ] {
        assert!(!Config::is_sensitive(k), "{k}");
    }
}

/// Scrubbing secrets out of log lines and errors replaces a secret's whole value wherever it
/// appears, and of a structured value (`sasl.oauthbearer.config`'s `k=v k=v`) also each
/// `k=v` piece and each value of at least 8 characters, but not shorter pieces, which are
/// names rather than secrets: with `scope=kafka`, the client's name in every log line used to
/// read `rd[redacted]#producer-1`.
#[test]
fn short_pieces_of_structured_secrets_do_not_mangle_log_lines() {
    within(LIMIT, || {
        let c = MockCluster::new(1).unwrap();
        let (producer, logs, errors) = watched_producer([
            ("bootstrap.servers", c.bootstrap_servers()),
            ("sasl.oauthbearer.config", "scope=kafka"),
            ("client.id", "kafka"),
            ("debug", "generic,broker"),
        ]);
        let name = producer.name().to_string();
        assert!(name.starts_with("kafka#producer-"), "{name}");
        producer.list_topics(None, Duration::from_secs(5)).unwrap();
        drop(producer);
        let lines = logs.lines();
        assert!(lines.len() > 5, "only {} log lines", lines.len());
        assert!(
            lines
                .iter()
                .any(|l| l.contains("rdkafka") || l.contains(&name)),
            "neither rdkafka nor {name} in {} log lines",
            lines.len()
        );
        for l in lines.iter().chain(errors.lock().unwrap().iter()) {
            assert!(!l.contains("[redacted]"), "over-redacted: {l}");
        }
    })
}

// ---------------------------------------------------------------------------------------------
// Authentication failures against a real broker (tansu 0.6.0, SCRAM users alice and bob).

#[test]
fn scram_failure_is_reported_within_a_bound_not_retried_into_a_hang_and_leaks_nothing() {
    within(LIMIT, || {
        let broker = Tansu::sasl();
        let password = "Wr0ng-Alice-S3cret";
        let logs = LogLines::default();
        let errors: Arc<Mutex<Vec<(Instant, KafkaError)>>> = Arc::default();
        let er = errors.clone();
        let start = Instant::now();
        let producer = Producer::builder(
            broker
                .sasl_config("SCRAM-SHA-256", "alice", password)
                .with("message.timeout.ms", "5000")
                .with("debug", "all"),
        )
        .logger(logs.logger())
        .error_cb(move |e| er.lock().unwrap().push((Instant::now(), e.clone())))
        .build()
        .unwrap();
        let report = produce_one(&producer, "anything");
        // Reported within a bound...
        assert_eq!(producer.flush(Duration::from_secs(15)), 0, "flush hung");
        let took = start.elapsed();
        assert!(took < Duration::from_secs(10), "{took:?}");
        let errs = errors.lock().unwrap().clone();
        let first_auth = errs
            .iter()
            .find(|(_, e)| e.code() == ErrorCode::Authentication)
            .map(|(t, _)| t.duration_since(start))
            .expect("no _AUTHENTICATION error");
        assert!(first_auth < Duration::from_secs(5), "{first_auth:?}");
        // ...the message fails in its closure...
        let rep = report.lock().unwrap().clone().expect("report served");
        assert!(rep.is_some(), "delivered without authentication");
        // ...and reconnects back off instead of spinning.
        let auth_failures = errs
            .iter()
            .filter(|(_, e)| e.code() == ErrorCode::Authentication)
            .count();
        assert!(
            auth_failures <= 20,
            "{auth_failures} authentication attempts in {took:?}"
        );
        // The consumer side: polls return, nothing is consumed, close is bounded.
        let consumer = Consumer::builder(
            broker
                .sasl_config("SCRAM-SHA-256", "alice", password)
                .with("group.id", "g-wrong")
                .with("debug", "all"),
        )
        .logger(logs.logger())
        .build()
        .unwrap();
        consumer.subscribe(&["anything"]).unwrap();
        let t = Instant::now();
        let mut auth_err = None;
        while t.elapsed() < Duration::from_secs(5) {
            match consumer.poll(Duration::from_millis(100)) {
                Some(Ok(m)) => panic!("consumed without authentication: {m:?}"),
                Some(Err(e)) if e.code() == ErrorCode::Authentication => auth_err = Some(e),
                _ => {}
            }
        }
        let t = Instant::now();
        let _ = consumer.close_timeout(Duration::from_secs(3));
        assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
        let mut texts: Vec<String> = errs.iter().map(|(_, e)| format!("{e} {e:?}")).collect();
        texts.extend(rep.map(|e| format!("{e} {e:?}")));
        texts.extend(auth_err.map(|e| format!("{e} {e:?}")));
        texts.extend(logs.lines());
        assert_clean("errors and logs", &texts, &forbidden(&[password]));
    })
}

/// With wrong credentials a client never reads or writes anything: what an authenticated
/// client finds in the topic afterwards is exactly what the authenticated producer wrote.
#[test]
fn failed_authentication_never_falls_back_to_unauthenticated_access() {
    within(LIMIT, || {
        let broker = Tansu::sasl();
        let topic = unique("guarded");
        create_topic_py(
            &broker.bootstrap(),
            &topic,
            1,
            &[
                ("security.protocol", "SASL_PLAINTEXT"),
                ("sasl.mechanisms", "SCRAM-SHA-512"),
                ("sasl.username", "bob"),
                ("sasl.password", "bob-secret"),
            ],
        );
        let good = Producer::new(broker.sasl_config("SCRAM-SHA-512", "bob", "bob-secret")).unwrap();
        for i in 0..10 {
            good.produce(Record::new(&topic).value(&format!("good-{i}")))
                .unwrap();
        }
        assert_eq!(good.flush(Duration::from_secs(20)), 0);
        // Wrong password and unknown user: every message fails in its closure.
        for (user, pw) in [("bob", "not-bobs-password"), ("mallory", "mallory-pw")] {
            let failed = Arc::new(Mutex::new(0));
            let f = failed.clone();
            let bad = Producer::builder(
                broker
                    .sasl_config("SCRAM-SHA-512", user, pw)
                    .with("message.timeout.ms", "3000"),
            )
            .on_delivery(move |r| {
                assert!(r.error().is_some(), "delivered as {:?}", r.offset());
                *f.lock().unwrap() += 1;
            })
            .build()
            .unwrap();
            for i in 0..20 {
                bad.produce(Record::new(&topic).value(&format!("bad-{i}")))
                    .unwrap();
            }
            assert_eq!(bad.flush(Duration::from_secs(10)), 0);
            assert_eq!(*failed.lock().unwrap(), 20);
            // The consumer with wrong credentials reads nothing from a topic that has data.
            let c = Consumer::new(
                broker
                    .sasl_config("SCRAM-SHA-512", user, pw)
                    .with("group.id", unique("g")),
            )
            .unwrap();
            c.assign(&[TopicPartition::with_offset(&topic, 0, Offset::Beginning)])
                .unwrap();
            let t = Instant::now();
            while t.elapsed() < Duration::from_secs(3) {
                if let Some(Ok(m)) = c.poll(Duration::from_millis(100)) {
                    panic!("read without authentication: {m:?}");
                }
            }
            let _ = c.close_timeout(Duration::from_secs(2));
        }
        // What is in the topic: exactly the authenticated producer's ten messages.
        let reader = Consumer::new(
            broker
                .sasl_config("SCRAM-SHA-512", "bob", "bob-secret")
                .with("group.id", unique("g"))
                .with("enable.partition.eof", "true"),
        )
        .unwrap();
        reader
            .assign(&[TopicPartition::with_offset(&topic, 0, Offset::Beginning)])
            .unwrap();
        let mut values = Vec::new();
        let t = Instant::now();
        loop {
            assert!(t.elapsed() < Duration::from_secs(20), "read {values:?}");
            match reader.poll(Duration::from_millis(100)) {
                Some(Ok(m)) => {
                    values.push(String::from_utf8_lossy(m.value().unwrap()).into_owned())
                }
                Some(Err(e)) if e.code() == ErrorCode::PartitionEof => break,
                _ => {}
            }
        }
        assert_eq!(
            values,
            (0..10).map(|i| format!("good-{i}")).collect::<Vec<_>>()
        );
    })
}

/// After an authentication failure the client keeps trying (with backoff), so corrected
/// credentials given through `set_sasl_credentials` are used on the next connection.
#[test]
fn corrected_credentials_are_used_on_the_next_connection() {
    within(LIMIT, || {
        let broker = Tansu::sasl();
        let topic = unique("fixed");
        create_topic_py(
            &broker.bootstrap(),
            &topic,
            1,
            &[
                ("security.protocol", "SASL_PLAINTEXT"),
                ("sasl.mechanisms", "SCRAM-SHA-256"),
                ("sasl.username", "alice"),
                ("sasl.password", "alice-secret"),
            ],
        );
        let errors: Arc<Mutex<Vec<KafkaError>>> = Arc::default();
        let er = errors.clone();
        let producer = Producer::builder(
            broker
                .sasl_config("SCRAM-SHA-256", "alice", "typo-secret")
                .with("message.timeout.ms", "30000")
                .with("reconnect.backoff.max.ms", "1000"),
        )
        .error_cb(move |e| er.lock().unwrap().push(e.clone()))
        .build()
        .unwrap();
        let delivered = Arc::new(Mutex::new(None));
        let d = delivered.clone();
        producer
            .produce(
                Record::new(&topic)
                    .value("after-fix")
                    .on_delivery(move |r| *d.lock().unwrap() = Some(r.result())),
            )
            .unwrap();
        let t = Instant::now();
        while !errors
            .lock()
            .unwrap()
            .iter()
            .any(|e| e.code() == ErrorCode::Authentication)
        {
            assert!(
                t.elapsed() < Duration::from_secs(10),
                "no _AUTHENTICATION error"
            );
            producer.poll(Duration::from_millis(100));
        }
        producer
            .set_sasl_credentials("alice", "alice-secret")
            .unwrap();
        assert_eq!(producer.flush(Duration::from_secs(30)), 0);
        let got = delivered.lock().unwrap().clone().expect("report served");
        assert!(got.is_ok(), "{got:?}");
    })
}
