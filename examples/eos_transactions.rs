//! Exactly-once consume-transform-produce, like confluent-kafka-python's
//! `examples/eos-transactions.py`: reads the input topic with a group, upper-cases each value,
//! writes it to the output topic, and commits the input offsets in the same transaction
//! (every 100 messages or 1 second).
//!
//! ```text
//! cargo run --example eos_transactions -- <bootstrap> <input-topic> <output-topic> <group>
//!     [--max-messages N] [--idle-exit SECONDS] [-X key=value]... [-F file.properties]
//! ```
//! Against tansu: `scripts/brokers.sh start; eval "$(scripts/brokers.sh env)"`, fill the input
//! topic (e.g. `cargo run --example producer -- "$RKAFKA_TANSU_BOOTSTRAP" in < lines.txt`), then
//! `cargo run --example eos_transactions -- "$RKAFKA_TANSU_BOOTSTRAP" in out my-group
//! --idle-exit 5`. The mock cluster does not store transactional offsets, so this example needs
//! a real broker.

mod common;

use std::time::{Duration, Instant};

use rkafka::{Consumer, ErrorCode, KafkaError, Offset, Producer, Record, TopicPartition};

const USAGE: &str = "usage: eos_transactions <bootstrap> <input-topic> <output-topic> <group> [--max-messages N] [--idle-exit SECONDS] [-X key=value]... [-F file]";

fn main() {
    let args = common::parse_args(USAGE, &["--max-messages", "--idle-exit"], &[]);
    let max: Option<u64> = args.parsed("--max-messages", USAGE);
    let idle_exit: Option<u64> = args.parsed("--idle-exit", USAGE);
    let [bootstrap, input, output, group] = args.positional_exactly(
        USAGE,
        "need <bootstrap> <input-topic> <output-topic> <group>",
    );

    let mut cc = args.config.clone();
    cc.set("bootstrap.servers", &bootstrap);
    cc.set("group.id", &group);
    cc.set("enable.auto.commit", "false");
    cc.set("isolation.level", "read_committed");
    if cc.get("auto.offset.reset").is_none() {
        cc.set("auto.offset.reset", "earliest");
    }
    let mut pc = args.config;
    pc.set("bootstrap.servers", &bootstrap);
    pc.set("transactional.id", format!("eos-{group}-{input}"));

    let consumer = Consumer::new(cc).unwrap_or_else(|e| common::die(USAGE, &e.to_string()));
    let producer = Producer::new(pc).unwrap_or_else(|e| common::die(USAGE, &e.to_string()));
    producer
        .init_transactions(Duration::from_secs(30))
        .unwrap_or_else(|e| fatal(&e));
    consumer.subscribe(&[&input]).unwrap_or_else(|e| fatal(&e));

    let (mut total, mut in_txn) = (0u64, 0u64);
    let mut txn_started: Option<Instant> = None;
    let mut last_msg = Instant::now();
    loop {
        let done = max.is_some_and(|m| total >= m)
            || idle_exit.is_some_and(|s| last_msg.elapsed() >= Duration::from_secs(s));
        let due =
            in_txn >= 100 || txn_started.is_some_and(|t| t.elapsed() >= Duration::from_secs(1));
        if in_txn > 0 && (due || done) {
            match commit(&producer, &consumer) {
                Ok(()) => {
                    eprintln!("% committed a transaction of {in_txn} message(s) ({total} in all)")
                }
                Err(e) => {
                    eprintln!(
                        "% transaction failed ({e}); aborted, rewinding to the committed offsets"
                    );
                    total -= in_txn;
                }
            }
            in_txn = 0;
            txn_started = None;
        }
        if done {
            break;
        }
        let msg = match consumer.poll(Duration::from_millis(100)) {
            None => continue,
            Some(Err(e)) if e.code() == ErrorCode::PartitionEof => continue,
            Some(Err(e)) => {
                eprintln!("% consumer error: {e}");
                if e.fatal() {
                    std::process::exit(1);
                }
                continue;
            }
            Some(Ok(m)) => m,
        };
        last_msg = Instant::now();
        if txn_started.is_none() {
            producer.begin_transaction().unwrap_or_else(|e| fatal(&e));
            txn_started = Some(Instant::now());
        }
        let upper = msg.value().map(|v| v.to_ascii_uppercase());
        let mut rec = Record::new(&output);
        if let Some(k) = msg.key() {
            rec = rec.key(k);
        }
        if let Some(v) = &upper {
            rec = rec.value(v);
        }
        producer
            .produce_wait(rec, Duration::from_secs(30))
            .unwrap_or_else(|e| fatal(&e.error));
        in_txn += 1;
        total += 1;
    }
    eprintln!("% {total} message(s) processed exactly once");
    consumer
        .close_timeout(Duration::from_secs(10))
        .unwrap_or_else(|e| eprintln!("% close: {e}"));
    let _ = producer.close(Duration::from_secs(10));
}

/// Sends the consumer's positions and commits; retries retriable errors, aborts (and rewinds the
/// consumer) on abortable ones, exits on fatal ones.
fn commit(producer: &Producer, consumer: &Consumer) -> Result<(), KafkaError> {
    let assignment = consumer.assignment()?;
    let positions: Vec<TopicPartition> = consumer
        .position(&assignment)?
        .into_iter()
        .filter(|p| matches!(p.offset, Offset::At(_)))
        .collect();
    let cgm = consumer.consumer_group_metadata()?;
    let result = (|| {
        if !positions.is_empty() {
            retry(|| {
                producer.send_offsets_to_transaction(&positions, &cgm, Duration::from_secs(30))
            })?;
        }
        retry(|| producer.commit_transaction(Duration::from_secs(30)))
    })();
    if let Err(e) = &result {
        if e.fatal() {
            fatal(e);
        }
        producer
            .abort_transaction(Duration::from_secs(30))
            .unwrap_or_else(|e| fatal(&e));
        for tp in consumer.committed(&assignment, Duration::from_secs(10))? {
            let start = if let Offset::At(_) = tp.offset {
                tp.clone()
            } else {
                TopicPartition::with_offset(&tp.topic, tp.partition, Offset::Beginning)
            };
            consumer.seek(&start)?;
        }
    }
    result
}

fn retry(mut f: impl FnMut() -> Result<(), KafkaError>) -> Result<(), KafkaError> {
    loop {
        match f() {
            Err(e) if e.retriable() => eprintln!("% retriable: {e}; retrying"),
            other => return other,
        }
    }
}

fn fatal(e: &KafkaError) -> ! {
    eprintln!("% fatal: {e}");
    std::process::exit(1)
}
