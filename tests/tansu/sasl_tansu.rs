//! SASL against a real broker: tansu 0.6.0 with SCRAM users (SCRAM-SHA-256 and -512) delivers
//! to a second client. Refused credentials and mechanisms: `bad_input.rs` and `security.rs`.

use crate::common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{create_topic_py, run_python_file, unique, Tansu};
use rkafka::{ErrorCode, KafkaError, Producer, Record};

fn delivers_with(mechanism: &str, user: &str, password: &str) {
    let broker = Tansu::sasl();
    let topic = unique("sasl");
    // tansu 0.6.0 does not auto-create topics: create it (authenticated) first.
    let auth = [
        ("security.protocol", "SASL_PLAINTEXT"),
        ("sasl.mechanisms", mechanism),
        ("sasl.username", user),
        ("sasl.password", password),
    ];
    create_topic_py(&broker.bootstrap(), &topic, 2, &auth);
    let errors: Arc<Mutex<Vec<KafkaError>>> = Arc::default();
    let delivered: Arc<Mutex<Vec<(i32, i64)>>> = Arc::default();
    let (e, d) = (errors.clone(), delivered.clone());
    let producer = Producer::builder(broker.sasl_config(mechanism, user, password))
        .error_cb(move |err| e.lock().unwrap().push(err.clone()))
        .on_delivery(move |r| d.lock().unwrap().push(r.result().unwrap()))
        .build()
        .unwrap();
    for i in 0..100 {
        producer
            .produce(
                Record::new(&topic)
                    .key(&format!("k{i}"))
                    .value(&format!("v{i}")),
            )
            .unwrap();
    }
    assert_eq!(producer.flush(Duration::from_secs(30)), 0);
    assert_eq!(delivered.lock().unwrap().len(), 100);
    assert!(
        errors.lock().unwrap().is_empty(),
        "{:?}",
        errors.lock().unwrap()
    );
    // A second client (confluent-kafka-python) authenticates the same way and reads them.
    let extra: Vec<String> = auth.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let mut args = vec![broker.bootstrap(), topic.clone(), "100".into(), "60".into()];
    args.extend(extra);
    let out = run_python_file(
        "consume_all.py",
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    assert_eq!(out.lines().count(), 100);
}

#[test]
fn scram_sha_256_delivers() {
    delivers_with("SCRAM-SHA-256", "alice", "alice-secret");
}

#[test]
fn scram_sha_512_delivers() {
    delivers_with("SCRAM-SHA-512", "bob", "bob-secret");
}

#[test]
fn set_sasl_credentials_at_run_time_fixes_a_wrong_password() {
    let broker = Tansu::sasl();
    let topic = unique("sasl-rt");
    let errors: Arc<Mutex<Vec<KafkaError>>> = Arc::default();
    let delivered: Arc<Mutex<Vec<Option<KafkaError>>>> = Arc::default();
    let (e, d) = (errors.clone(), delivered.clone());
    let cfg = broker
        .sasl_config("SCRAM-SHA-256", "alice", "wrong-password")
        .with("message.timeout.ms", "30000")
        .with("reconnect.backoff.max.ms", "1000");
    // The admin client and the producer both start with the wrong password ...
    let admin = rkafka::AdminClient::new(cfg.clone()).unwrap();
    let producer = Producer::builder(cfg)
        .error_cb(move |err| e.lock().unwrap().push(err.clone()))
        .on_delivery(move |r| d.lock().unwrap().push(r.error().cloned()))
        .build()
        .unwrap();
    producer
        .produce(Record::new(&topic).value("after the fix"))
        .unwrap();
    let start = Instant::now();
    while errors.lock().unwrap().is_empty() && start.elapsed() < Duration::from_secs(15) {
        producer.poll(Duration::from_millis(100));
    }
    assert!(errors
        .lock()
        .unwrap()
        .iter()
        .any(|e| e.code() == ErrorCode::Authentication));
    // ... and get the right one at run time: the next connection authenticates.
    admin.set_sasl_credentials("alice", "alice-secret").unwrap();
    let res = admin
        .create_topics(
            &[rkafka::admin::NewTopic::new(&topic, 1, 1)],
            &rkafka::AdminOptions::new().request_timeout(Duration::from_secs(20)),
        )
        .unwrap();
    res[&topic].as_ref().unwrap();
    producer
        .set_sasl_credentials("alice", "alice-secret")
        .unwrap();
    assert_eq!(producer.flush(Duration::from_secs(30)), 0);
    let d = delivered.lock().unwrap();
    assert_eq!(d.len(), 1);
    assert!(d[0].is_none(), "not delivered after the fix: {:?}", d[0]);
}
