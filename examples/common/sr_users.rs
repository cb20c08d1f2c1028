//! What the six Schema Registry examples share (Python's `avro_producer.py`,
//! `json_consumer.py`, ...): their options, the `User` record they send, reading users from
//! stdin, and the produce and consume loops around a serializer or deserializer.
#![allow(dead_code)]

use std::io::BufRead;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rkafka::schema_registry::SchemaRegistryClient;
use rkafka::serialization::{
    Deserializer, DeserializingConsumer, Serializer, SerializingProducer, StringDeserializer,
    StringSerializer, TypedRecord,
};
use rkafka::{Config, Consumer, Producer};

use crate::common::{self, die, fail};

/// Python's example `User` (name, favorite number, favorite color).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct User {
    pub name: String,
    pub favorite_number: i64,
    pub favorite_color: String,
}

/// The parsed command line: `-b`, `-s <registry url>`, `-t <topic>`, `-g <group>`,
/// `--max-messages N`, and `-X` / `-F` client settings.
pub struct SrArgs {
    pub config: Config,
    pub registry: SchemaRegistryClient,
    pub topic: String,
    pub group: String,
    pub max_messages: Option<u64>,
}

/// Parses the options of a Schema Registry example; `default_topic` as in Python
/// (`example_serde_avro`, ...). `-S key=value` passes Schema Registry client settings
/// (`basic.auth.user.info`, `ssl.ca.location`, ...).
pub fn parse(usage: &str, default_topic: &str) -> SrArgs {
    let args = common::parse_args(usage, &["-s", "-t", "-g", "-S", "--max-messages"], &[]);
    args.no_positional(usage);
    let opts = &args;
    if args.config.get("bootstrap.servers").is_none() {
        die(usage, "-b <bootstrap-servers> is required");
    }
    let url = opts
        .get("-s")
        .unwrap_or_else(|| die(usage, "-s <schema registry url> is required"));
    let mut sr_conf = Config::from([("url", url)]);
    for kv in opts.all("-S") {
        let (k, v) = kv
            .split_once('=')
            .unwrap_or_else(|| die(usage, &format!("-S {kv}: expected key=value")));
        sr_conf.set(k, v);
    }
    let registry =
        SchemaRegistryClient::new(sr_conf).unwrap_or_else(|e| die(usage, &e.to_string()));
    SrArgs {
        config: args.config.clone(),
        registry,
        topic: opts.get("-t").unwrap_or(default_topic).to_string(),
        group: opts.get("-g").unwrap_or(default_topic).to_string(),
        max_messages: opts.parsed("--max-messages", usage),
    }
}

/// Python's prompts for name, favorite number and favorite color, as one stdin line
/// `name|favorite_number|favorite_color`.
fn read_user(line: &str) -> Result<(String, i64, String), String> {
    let mut parts = line.splitn(3, '|');
    let (Some(name), Some(number), color) = (parts.next(), parts.next(), parts.next()) else {
        return Err(format!(
            "expected name|favorite_number|favorite_color, got {line:?}"
        ));
    };
    let number = number
        .trim()
        .parse()
        .map_err(|_| format!("favorite_number {number:?} is not an integer"))?;
    Ok((name.to_string(), number, color.unwrap_or("").to_string()))
}

/// Python's producer loop: one record per stdin line, keyed by a unique string (Python uses a
/// UUID), with a delivery report; flushes at EOF and exits 1 if a record failed.
pub fn produce<V>(
    args: SrArgs,
    serializer: impl Serializer<V> + Send + Sync + 'static,
    make: impl Fn(String, i64, String) -> V,
) {
    let producer = SerializingProducer::new(
        Producer::new(args.config).unwrap_or_else(|e| fail(&e.to_string())),
        StringSerializer::default(),
        serializer,
    );
    let failed = Arc::new(AtomicU64::new(0));
    println!(
        "Producing user records to topic {}. ^D to exit.",
        args.topic
    );
    for (n, line) in std::io::stdin().lock().lines().enumerate() {
        producer.poll(Duration::ZERO);
        let line = line.unwrap_or_else(|e| fail(&format!("cannot read stdin: {e}")));
        if line.trim().is_empty() {
            continue;
        }
        let (name, number, color) = match read_user(&line) {
            Ok(u) => u,
            Err(e) => {
                println!("Invalid input, discarding record: {e}");
                continue;
            }
        };
        let user = make(name, number, color);
        let key = format!("{:08x}-{n}", std::process::id());
        let failures = failed.clone();
        let record = TypedRecord::new(&args.topic)
            .key(key.as_str())
            .value(&user)
            .on_delivery(move |r| match r.error() {
                Some(e) => {
                    failures.fetch_add(1, Ordering::Relaxed);
                    println!(
                        "Delivery failed for User record {}: {e}",
                        common::show(r.key())
                    );
                }
                None => println!(
                    "User record {} successfully produced to {} [{}] at offset {}",
                    common::show(r.key()),
                    r.topic(),
                    r.partition(),
                    r.offset()
                ),
            });
        if let Err(e) = producer.produce(record) {
            failed.fetch_add(1, Ordering::Relaxed);
            println!("Invalid input, discarding record: {e}");
        }
    }
    println!("\nFlushing records...");
    let left = producer.flush(Duration::from_secs(30));
    let bad = failed.load(Ordering::Relaxed);
    if left > 0 || bad > 0 {
        fail(&format!(
            "{bad} record(s) failed, {left} not delivered in time"
        ));
    }
}

/// Python's consumer loop: prints each user record; stops after `--max-messages`, or when
/// nothing arrived for 10 s after the first record.
pub fn consume<V>(
    args: SrArgs,
    deserializer: impl Deserializer<V> + Send + Sync + 'static,
    fields: impl Fn(&V) -> (String, i64, String),
) {
    let mut config = args.config;
    config.set("group.id", args.group.clone());
    if config.get("auto.offset.reset").is_none() {
        config.set("auto.offset.reset", "earliest");
    }
    let consumer = Consumer::new(config).unwrap_or_else(|e| fail(&e.to_string()));
    consumer
        .subscribe(&[&args.topic])
        .unwrap_or_else(|e| fail(&e.to_string()));
    let consumer =
        DeserializingConsumer::new(consumer, StringDeserializer::default(), deserializer);
    let (mut seen, mut last) = (0u64, Instant::now());
    while args.max_messages.is_none_or(|m| seen < m) {
        let Some(m) = consumer.poll(Duration::from_secs(1)) else {
            if seen > 0 && last.elapsed() > Duration::from_secs(10) {
                break;
            }
            continue;
        };
        match m {
            Ok(m) => {
                seen += 1;
                last = Instant::now();
                if let Some(u) = m.value() {
                    let (name, number, color) = fields(u);
                    println!(
                        "User record {}: name: {name}\n\tfavorite_number: {number}\n\tfavorite_color: {color}\n",
                        m.key().map_or("None", String::as_str)
                    );
                }
            }
            // Python breaks out of its loop on a bad message; keep going, saying which.
            Err(e) => {
                seen += 1;
                println!("Skipping a message that cannot be read: {e}");
            }
        }
    }
    consumer
        .close_timeout(Duration::from_secs(10))
        .unwrap_or_else(|e| fail(&e.to_string()));
}
