//! Consumes with a `Stream` on tokio, like confluent-kafka-python's `AIOConsumer`
//! (`await consumer.poll()` in a loop; `examples/asyncio_example.py`).
//!
//! ```text
//! cargo run --example async_consumer -- <bootstrap-servers|mock> <group> <topic> [--max-messages N]
//!                                       [-X key=value]... [-F file.properties]
//! ```
//! Prints `<topic> [<partition>] @ <offset> value=<value>` per message, commits each
//! asynchronously, and stops after `--max-messages N` (or Ctrl-C), closing cleanly. The stream
//! is woken by librdkafka's queue event notification; the task never blocks a tokio worker.
//!
//! Against tansu: `scripts/brokers.sh start; eval "$(scripts/brokers.sh env)"`, then
//! `cargo run --example async_consumer -- "$RKAFKA_TANSU_BOOTSTRAP" my-group my-topic`.
//! Against the mock cluster: `cargo run --example async_consumer -- mock my-group my-topic
//! --max-messages 5` first produces that many messages to an in-process `MockCluster`.

mod common;

use futures::StreamExt;
use rkafka::{Consumer, Producer, Record};

const USAGE: &str = "usage: async_consumer <bootstrap-servers|mock> <group> <topic> [--max-messages N] [-X key=value]... [-F file.properties]";

fn main() {
    let args = common::parse_args(USAGE, &["--max-messages"], &[]);
    let max: Option<usize> = args.parsed("--max-messages", USAGE);
    let [bootstrap, group, topic] =
        args.positional_exactly(USAGE, "need <bootstrap-servers|mock> <group> <topic>");
    let (cluster, bootstrap) = common::servers_or_mock(&bootstrap);
    let mut config = args.config;
    config.set("bootstrap.servers", bootstrap);
    if cluster.is_some() {
        // Something to read: the mock cluster starts empty.
        let p = Producer::new(config.clone()).expect("producer");
        for i in 0..max.unwrap_or(10) {
            p.produce(Record::new(&topic).value(&format!("message {i}")))
                .expect("produce");
        }
        p.flush(std::time::Duration::from_secs(10));
    }
    config.set("group.id", group);
    if config.get("auto.offset.reset").is_none() {
        config.set("auto.offset.reset", "earliest");
    }
    let mut consumer = Consumer::new(config).unwrap_or_else(|e| common::die(USAGE, &e.to_string()));
    consumer
        .subscribe(&[topic.as_str()])
        .unwrap_or_else(|e| common::die(USAGE, &e.to_string()));

    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    runtime.block_on(async {
        let mut stream = consumer.stream();
        let mut seen = 0;
        loop {
            let next = tokio::select! {
                m = stream.next() => m,
                _ = tokio::signal::ctrl_c() => None,
            };
            let Some(m) = next else { break };
            match m {
                Ok(m) => {
                    let value = String::from_utf8_lossy(m.value().unwrap_or_default());
                    println!(
                        "{} [{}] @ {} value={value}",
                        m.topic(),
                        m.partition(),
                        m.offset()
                    );
                    if let Err(e) = stream.commit_message_async(&m) {
                        eprintln!("commit failed: {e}");
                    }
                    seen += 1;
                    if max.is_some_and(|n| seen >= n) {
                        break;
                    }
                }
                Err(e) => eprintln!("consumer error: {e}"),
            }
        }
    });
    consumer
        .close_timeout(std::time::Duration::from_secs(10))
        .unwrap_or_else(|e| eprintln!("close: {e}"));
}
