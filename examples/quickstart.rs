//! rkafka quickstart: produce 10,000 messages with delivery reports, then consume them back
//! with a consumer group. No confluent-kafka-python twin (`confluent_cloud` is the closest:
//! one message there and back).
//!
//! ```text
//! cargo run --example quickstart                         # embedded mock cluster, no broker needed
//! cargo run --example quickstart -- -b 127.0.0.1:9092    # a real broker (or KAFKA_BOOTSTRAP_SERVERS)
//! cargo run --example quickstart -- -b HOST:PORT -X security.protocol=SASL_PLAINTEXT \
//!     -X sasl.mechanisms=SCRAM-SHA-256 -X sasl.username=alice -X sasl.password=...
//! ```
//! Options: `-b brokers`, `-X key=value` (any librdkafka property), `-F file.properties`,
//! `-t topic` (default `rkafka-quickstart`), `-n count` (default 10000).
//!
//! Against tansu: `scripts/brokers.sh start; eval "$(scripts/brokers.sh env)"`, then
//! `cargo run --example quickstart -- -b "$RKAFKA_TANSU_BOOTSTRAP"`.

mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::fail;
use rkafka::{Consumer, ErrorCode, Producer, Record};

const USAGE: &str =
    "usage: quickstart [-b brokers] [-X key=value]... [-F file.properties] [-t topic] [-n count]";

fn main() {
    let mut opts = common::parse_args(USAGE, &["-t", "-n"], &[]);
    let mut config = std::mem::take(&mut opts.config);
    opts.no_positional(USAGE);
    let topic = opts.get("-t").unwrap_or("rkafka-quickstart").to_string();
    let count: u64 = opts.parsed("-n", USAGE).unwrap_or(10_000);

    let (libv, libn) = rkafka::libversion();
    println!("librdkafka {libv} (0x{libn:08x})");
    println!("builtin.features: {}", rkafka::builtin_features().join(","));

    // Without bootstrap servers, start librdkafka's embedded mock cluster.
    let _mock = common::bootstrap_or_mock(&mut config, 3, &[(&topic, 4)]);

    let consumer_config = config.clone();
    let delivered = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let (d, f) = (delivered.clone(), failed.clone());
    let producer = Producer::builder(config)
        .on_delivery(move |report| match report.error() {
            None => {
                d.fetch_add(1, Ordering::Relaxed);
            }
            Some(e) => {
                if f.fetch_add(1, Ordering::Relaxed) < 5 {
                    eprintln!("delivery failed: {e}");
                }
            }
        })
        .error_cb(|e| eprintln!("client error: {e}"))
        .build()
        .unwrap_or_else(|e| fail(&e.to_string()));

    let start = Instant::now();
    for i in 0..count {
        let key = format!("key-{}", i % 100);
        let value = format!("message {i}");
        if let Err(e) = producer.produce_wait(
            Record::new(&topic).key(&key).value(&value),
            Duration::from_secs(30),
        ) {
            fail(&format!("produce failed: {e}"));
        }
        if i % 1000 == 0 {
            producer.poll(Duration::ZERO);
        }
    }
    let left = producer.flush(Duration::from_secs(60));
    let elapsed = start.elapsed();
    let (ok, bad) = (
        delivered.load(Ordering::Relaxed),
        failed.load(Ordering::Relaxed),
    );
    println!(
        "produced {count} messages to {topic}: {ok} delivered, {bad} failed, {left} still queued, in {:.0} ms",
        elapsed.as_secs_f64() * 1000.0
    );
    if ok != count {
        std::process::exit(1);
    }
    drop(producer);

    // Consume them back with a fresh group from the beginning of the topic.
    let group = format!("rkafka-quickstart-{}", std::process::id());
    let mut cc = consumer_config;
    cc.set("group.id", &group);
    cc.set("auto.offset.reset", "earliest");
    if cc.get("session.timeout.ms").is_none() {
        cc.set("session.timeout.ms", "6000");
    }
    let consumer = Consumer::new(cc).unwrap_or_else(|e| fail(&e.to_string()));
    consumer
        .subscribe(&[&topic])
        .unwrap_or_else(|e| fail(&e.to_string()));
    let start = Instant::now();
    let mut consumed = 0u64;
    while consumed < count && start.elapsed() < Duration::from_secs(120) {
        let batch = consumer
            .consume(1000, Duration::from_millis(500))
            .unwrap_or_else(|e| fail(&e.to_string()));
        for m in batch.iter() {
            match m {
                Ok(m) if m.value().is_some_and(|v| v.starts_with(b"message ")) => consumed += 1,
                Ok(_) => {}
                Err(e) if e.code() == ErrorCode::PartitionEof => {}
                Err(e) => eprintln!("consumer error: {e}"),
            }
        }
    }
    let _ = consumer.commit();
    consumer
        .close_timeout(Duration::from_secs(10))
        .unwrap_or_else(|e| fail(&e.to_string()));
    println!(
        "consumed {consumed} messages back with group {group} in {:.0} ms",
        start.elapsed().as_secs_f64() * 1000.0
    );
    if consumed < count {
        std::process::exit(1);
    }
}
