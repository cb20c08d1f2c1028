//! Produces `key|value` lines from stdin over a SASL-authenticated connection, like
//! confluent-kafka-python's `examples/sasl_producer.py`.
//!
//! ```text
//! cargo run --example sasl_producer -- -b <bootstrap-servers> -u <user> -s <secret>
//!     [-m PLAIN|SCRAM-SHA-256|SCRAM-SHA-512|GSSAPI] [-t topic] [-d delimiter] [--tls]
//!     [-X key=value]... [-F file.properties]
//! ```
//! Each stdin line `key|value` becomes a message with that key and value (a line without the
//! delimiter: a value without a key), each with its own delivery closure (Python's
//! `on_delivery=` argument of `produce`), which prints
//! `User record <key> successfully produced to <topic> [<partition>] at offset <offset>`.
//! `-m` defaults to `PLAIN`; `--tls` uses `SASL_SSL` instead of `SASL_PLAINTEXT`. With
//! `GSSAPI` (build with `--features gssapi`), `-u` is the Kerberos principal and `-s` the keytab.
//! At EOF it flushes and exits 1 if any message was not delivered.
//!
//! Against tansu: `scripts/brokers.sh start; eval "$(scripts/brokers.sh env)"` starts a SCRAM
//! broker with users `alice`/`alice-secret` and `bob`/`bob-secret` (no topic auto-creation:
//! create the topic first, e.g. with the `admin` example and the same `-X sasl.*` settings), then
//! `cargo run --example sasl_producer -- -b "$RKAFKA_TANSU_SASL_BOOTSTRAP" -m SCRAM-SHA-256
//! -u alice -s alice-secret -t my-topic`. The mock cluster does not do SASL: not applicable.

mod common;

use std::io::BufRead;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::{fail, show};
use rkafka::{Producer, Record};

const USAGE: &str = "usage: sasl_producer -b <bootstrap-servers> -u <user> -s <secret> [-m PLAIN|SCRAM-SHA-256|SCRAM-SHA-512|GSSAPI] [-t topic] [-d delimiter] [--tls] [-X key=value]... [-F file.properties]";

fn main() {
    let mut opts = common::parse_args(USAGE, &["-t", "-d", "-m", "-u", "-s"], &["--tls"]);
    let mut config = std::mem::take(&mut opts.config);
    opts.no_positional(USAGE);
    if config.get("bootstrap.servers").is_none() {
        common::die(USAGE, "-b <bootstrap-servers> is required");
    }
    let (Some(user), Some(secret)) = (opts.get("-u"), opts.get("-s")) else {
        common::die(USAGE, "-u <user> and -s <secret> are required")
    };
    let topic = opts.get("-t").unwrap_or("example_producer_sasl");
    let delimiter = opts.get("-d").unwrap_or("|");
    let mechanism = opts.get("-m").unwrap_or("PLAIN").to_uppercase();

    // Python's sasl_conf(): the mechanism, the protocol, and the credentials.
    config.set("sasl.mechanism", &mechanism);
    config.set(
        "security.protocol",
        if opts.has("--tls") {
            "SASL_SSL"
        } else {
            "SASL_PLAINTEXT"
        },
    );
    if mechanism == "GSSAPI" {
        config.set("sasl.kerberos.principal", user);
        config.set("sasl.kerberos.keytab", secret);
    } else {
        config.set("sasl.username", user);
        config.set("sasl.password", secret); // never printed by Debug, Display, errors or logs
    }

    let producer = Producer::builder(config)
        .error_cb(|e| eprintln!("% Error: {e}"))
        .build()
        .unwrap_or_else(|e| fail(&e.to_string()));

    let failed = Arc::new(AtomicU64::new(0));
    println!("Producing records to topic {topic}. ^D to exit.");
    for line in std::io::stdin().lock().lines() {
        // Serve delivery closures of earlier messages.
        producer.poll(Duration::ZERO);
        let line = line.unwrap_or_else(|e| fail(&format!("cannot read stdin: {e}")));
        let failed = failed.clone();
        let delivery_report = move |r: &rkafka::DeliveryReport<'_>| match r.error() {
            Some(e) => {
                failed.fetch_add(1, Ordering::Relaxed);
                println!("Delivery failed for User record {}: {e}", show(r.key()));
            }
            None => println!(
                "User record {} successfully produced to {} [{}] at offset {}",
                show(r.key()),
                r.topic(),
                r.partition(),
                r.offset()
            ),
        };
        let record = match line.split_once(delimiter) {
            Some((key, value)) => Record::new(topic).key(key).value(value),
            None => Record::new(topic).value(&line),
        };
        if let Err(e) =
            producer.produce_wait(record.on_delivery(delivery_report), Duration::from_secs(30))
        {
            fail(&format!("produce failed: {}", e.error));
        }
    }

    println!("\nFlushing {} records...", producer.len());
    let left = producer.flush(Duration::from_secs(60));
    let bad = failed.load(Ordering::Relaxed);
    if left > 0 || bad > 0 {
        fail(&format!(
            "{bad} record(s) failed, {left} not delivered in time"
        ));
    }
}
