//! Produces a message to a (Confluent Cloud) cluster and reads it back with a fresh consumer
//! group, like confluent-kafka-python's `examples/confluent_cloud.py`.
//!
//! ```text
//! cargo run --example confluent_cloud -- [-b bootstrap-servers] [-X key=value]... [-F file.properties]
//!     [-t topic] [--timeout seconds]
//! ```
//! For Confluent Cloud, put the cluster's settings in a properties file and pass `-F`:
//!
//! ```text
//! bootstrap.servers=<ccloud bootstrap servers>
//! security.protocol=SASL_SSL
//! sasl.mechanisms=PLAIN
//! sasl.username=<ccloud key>
//! sasl.password=<ccloud secret>
//! ```
//! (topic auto-creation is disabled there: create the topic, default `rkafka-test-topic`,
//! first). Prints `produced to: <topic> [<partition>] @ <offset>`, then `consumed: <value>` for
//! each message read until its own message comes back (exit 0), or exits 1 after `--timeout`
//! seconds (default 60). Python's version consumes until Ctrl-C instead.
//!
//! Against the mock cluster: run it without `-b` (nor `KAFKA_BOOTSTRAP_SERVERS`) and it starts
//! librdkafka's embedded mock cluster. Against tansu: `scripts/brokers.sh start; eval
//! "$(scripts/brokers.sh env)"`, then `cargo run --example confluent_cloud -- -b
//! "$RKAFKA_TANSU_BOOTSTRAP"`, or with SASL as on Confluent Cloud (SCRAM here; create the topic
//! first, the SASL broker does not auto-create topics): `-b "$RKAFKA_TANSU_SASL_BOOTSTRAP" -X
//! security.protocol=SASL_PLAINTEXT -X sasl.mechanisms=SCRAM-SHA-256 -X sasl.username=alice -X
//! sasl.password=alice-secret`.

mod common;

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::{fail, show};
use rkafka::{Consumer, ErrorCode, Producer, Record};

const USAGE: &str = "usage: confluent_cloud [-b bootstrap-servers] [-X key=value]... [-F file.properties] [-t topic] [--timeout seconds]";

fn main() {
    let mut opts = common::parse_args(USAGE, &["-t", "--timeout"], &[]);
    let mut config = std::mem::take(&mut opts.config);
    opts.no_positional(USAGE);
    let topic = opts.get("-t").unwrap_or("rkafka-test-topic");
    let timeout = Duration::from_secs(opts.parsed("--timeout", USAGE).unwrap_or(60));
    let _mock = common::bootstrap_or_mock(&mut config, 1, &[(topic, 1)]);

    // A value no earlier run wrote, so the read-back below knows its own message.
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let value = format!("rkafka test value {}-{nanos}", std::process::id());

    let producer = Producer::new(config.clone()).unwrap_or_else(|e| fail(&e.to_string()));
    // Python's `callback=acked`: a delivery closure for this message.
    let acked = |r: &rkafka::DeliveryReport<'_>| match r.error() {
        Some(e) => println!("failed to deliver message: {}", e.str()),
        None => println!(
            "produced to: {} [{}] @ {}",
            r.topic(),
            r.partition(),
            r.offset()
        ),
    };
    producer
        .produce(Record::new(topic).value(&value).on_delivery(acked))
        .unwrap_or_else(|e| fail(&e.to_string()));
    // flush() waits for outstanding messages and serves their delivery closures.
    if producer.flush(Duration::from_secs(10)) > 0 {
        fail("the message was not delivered within 10 s");
    }

    config.set(
        "group.id",
        format!("rkafka-cc-{}-{nanos}", std::process::id()),
    );
    config.set("auto.offset.reset", "earliest");
    let consumer = Consumer::new(config).unwrap_or_else(|e| fail(&e.to_string()));
    consumer
        .subscribe(&[topic])
        .unwrap_or_else(|e| fail(&e.to_string()));
    let start = Instant::now();
    let mut found = false;
    while !found && start.elapsed() < timeout {
        // The first message may take up to `session.timeout.ms` while the group forms.
        match consumer.poll(Duration::from_millis(100)) {
            None => {}
            Some(Ok(m)) => {
                println!("consumed: {}", show(m.value()));
                found = m.value() == Some(value.as_bytes());
            }
            Some(Err(e)) if e.code() == ErrorCode::PartitionEof => {
                if let Some(tp) = e.topic_partition() {
                    println!(
                        "end of partition: {} [{}] @ {}",
                        tp.topic,
                        tp.partition,
                        tp.offset.raw()
                    );
                }
            }
            Some(Err(e)) => println!("error: {}", e.str()),
        }
    }
    // Leave the group and commit final offsets.
    consumer
        .close_timeout(Duration::from_secs(10))
        .unwrap_or_else(|e| fail(&e.to_string()));
    if !found {
        fail(&format!("did not read the message back within {timeout:?}"));
    }
}
