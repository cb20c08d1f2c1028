//! Produces messages with async delivery futures on tokio, like confluent-kafka-python's
//! `examples/asyncio_example.py` / `AIOProducer` (`await producer.produce(...)`).
//!
//! ```text
//! cargo run --example async_producer -- <bootstrap-servers|mock> <topic> [count] [-X key=value]...
//! ```
//! Sends `count` messages (default 10) concurrently with [`Producer::send`], which waits for
//! room when the queue is full and resolves to the delivered message; prints one line
//! `<topic> [<partition>] @ <offset>` per message and exits non-zero if any failed. Nothing
//! calls `poll`: librdkafka's queue event wakes the futures.
//!
//! Against tansu: `scripts/brokers.sh start; eval "$(scripts/brokers.sh env)"`, then
//! `cargo run --example async_producer -- "$RKAFKA_TANSU_BOOTSTRAP" my-topic 1000`.
//! Against the mock cluster: `cargo run --example async_producer -- mock my-topic 1000`
//! (an in-process `MockCluster`).

mod common;

use rkafka::{Producer, Record};

const USAGE: &str =
    "usage: async_producer <bootstrap-servers|mock> <topic> [count] [-X key=value]... [-F file.properties]";

fn main() {
    let args = common::parse_args(USAGE, &[], &[]);
    let mut rest = args.positional.into_iter();
    let (Some(bootstrap), Some(topic)) = (rest.next(), rest.next()) else {
        common::die(USAGE, "need <bootstrap-servers|mock> <topic>");
    };
    let count: usize = rest.next().map_or(10, |c| {
        c.parse()
            .unwrap_or_else(|_| common::die(USAGE, "count must be a number"))
    });
    let (_cluster, bootstrap) = common::servers_or_mock(&bootstrap);
    let mut config = args.config;
    config.set("bootstrap.servers", bootstrap);
    let producer = Producer::new(config).unwrap_or_else(|e| common::die(USAGE, &e.to_string()));

    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let failed = runtime.block_on(async {
        let values: Vec<String> = (0..count).map(|i| format!("message {i}")).collect();
        let sends = values
            .iter()
            .map(|v| producer.send(Record::new(&topic).key(v).value(v)));
        let mut failed = 0;
        for result in futures::future::join_all(sends).await {
            match result {
                Ok(m) => println!("{} [{}] @ {}", m.topic(), m.partition(), m.offset()),
                Err(e) => {
                    eprintln!("delivery failed: {e}");
                    failed += 1;
                }
            }
        }
        failed
    });
    eprintln!("{} delivered, {failed} failed", count - failed);
    std::process::exit(if failed == 0 { 0 } else { 1 });
}
