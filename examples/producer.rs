//! Reads lines from stdin and produces each as a message value, like confluent-kafka-python's
//! `examples/producer.py`.
//!
//! ```text
//! cargo run --example producer -- <bootstrap-servers> <topic> [-X key=value]... [-F file.properties]
//! ```
//! Failed deliveries are reported on stderr; at EOF it flushes, and exits non-zero if any
//! message was not delivered.
//!
//! Against tansu: `scripts/brokers.sh start; eval "$(scripts/brokers.sh env)"`, then
//! `cargo run --example producer -- "$RKAFKA_TANSU_BOOTSTRAP" my-topic < lines.txt`.
//! Against the mock cluster: start `cargo run --example mock_cluster -- -t my-topic:3` in
//! another terminal and pass the `bootstrap.servers` it prints.

mod common;

use std::io::BufRead;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rkafka::{Producer, Record};

const USAGE: &str =
    "usage: producer <bootstrap-servers> <topic> [-X key=value]... [-F file.properties]";

fn main() {
    let args = common::parse_args(USAGE, &[], &[]);
    let [bootstrap, topic] = args.positional_exactly(USAGE, "need <bootstrap-servers> <topic>");
    let mut config = args.config;
    config.set("bootstrap.servers", bootstrap);

    let failed = Arc::new(AtomicU64::new(0));
    let f = failed.clone();
    let producer = Producer::builder(config)
        .on_delivery(move |r| match r.error() {
            Some(e) => {
                f.fetch_add(1, Ordering::Relaxed);
                eprintln!("% Message delivery failed: {e}");
            }
            None => eprintln!(
                "% Message delivered to {} [{}] @ {}",
                r.topic(),
                r.partition(),
                r.offset()
            ),
        })
        .error_cb(|e| eprintln!("% Error: {e}"))
        .build()
        .unwrap_or_else(|e| common::die(USAGE, &e.to_string()));

    let stdin = std::io::stdin();
    let mut produced = 0u64;
    for line in stdin.lock().lines() {
        let line = match line {
            Ok(l) => l,
            Err(e) => {
                eprintln!("% cannot read stdin: {e}");
                break;
            }
        };
        if line.is_empty() {
            producer.poll(Duration::ZERO);
            continue;
        }
        match producer.produce_wait(Record::new(&topic).value(&line), Duration::from_secs(30)) {
            Ok(()) => produced += 1,
            Err(e) => {
                eprintln!("% Failed to produce: {e}");
                failed.fetch_add(1, Ordering::Relaxed);
            }
        }
        producer.poll(Duration::ZERO);
    }
    eprintln!("% Waiting for {} deliveries", producer.len());
    if let Err(undelivered) = producer.close(Duration::from_secs(30)) {
        for m in &undelivered.messages {
            eprintln!(
                "% Not delivered: {:?}: {}",
                m.value().map(String::from_utf8_lossy),
                m.error().map(|e| e.to_string()).unwrap_or_default()
            );
        }
    }
    let bad = failed.load(Ordering::Relaxed);
    eprintln!("% {produced} produced, {bad} failed");
    if bad > 0 {
        std::process::exit(1);
    }
}
