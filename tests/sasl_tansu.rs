//! SASL against a real broker: tansu 0.6.0 with SCRAM users (SCRAM-SHA-256 and -512) delivers
//! to a second client. Refused credentials and mechanisms: `bad_input.rs` and `security.rs`.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{create_topic_py, run_python_file, unique, Tansu};
use rkafka::{KafkaError, Producer, Record};

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
