//! Shows a consumer group's committed offset and lag for every partition of some topics, like
//! confluent-kafka-python's `examples/get_watermark_offsets.py` (called `list_offsets.py` in
//! older releases).
//!
//! ```text
//! cargo run --example get_watermark_offsets -- <bootstrap-servers> <group.id> <topic>...
//!     [-X key=value]... [-F file.properties]
//! ```
//! Prints one line per partition: `<topic> [<partition>]`, the committed offset (`-` if none)
//! and the lag (high watermark minus committed offset, or the partition's message count when
//! nothing is committed). The consumer never joins the group: `committed()` only needs the
//! `group.id` to know which group to ask about.
//!
//! Against tansu: `scripts/brokers.sh start; eval "$(scripts/brokers.sh env)"`, then
//! `cargo run --example get_watermark_offsets -- "$RKAFKA_TANSU_BOOTSTRAP" my-group my-topic`.
//! Against the mock cluster: start `cargo run --example mock_cluster -- -t my-topic:3` in
//! another terminal and pass the `bootstrap.servers` it prints.

mod common;

use std::time::Duration;

use common::fail;
use rkafka::{Consumer, Offset, TopicPartition};

const USAGE: &str = "usage: get_watermark_offsets <bootstrap-servers> <group.id> <topic>... [-X key=value]... [-F file.properties]";

fn main() {
    let args = common::parse_args(USAGE, &[], &[]);
    if args.positional.len() < 3 {
        common::die(USAGE, "need <bootstrap-servers> <group.id> <topic>...");
    }
    let mut config = args.config;
    config.set("bootstrap.servers", &args.positional[0]);
    config.set("group.id", &args.positional[1]);
    let consumer = Consumer::new(config).unwrap_or_else(|e| fail(&e.to_string()));
    let timeout = Duration::from_secs(10);

    println!(
        "{:<50}  {:>9}  {:>9}",
        "Topic [Partition]", "Committed", "Lag"
    );
    println!("{}", "=".repeat(72));
    for topic in &args.positional[2..] {
        // The topic's partitions.
        let metadata = consumer
            .list_topics(Some(topic), timeout)
            .unwrap_or_else(|e| fail(&e.to_string()));
        let Some(t) = metadata.topics.get(topic.as_str()) else {
            fail(&format!("{topic}: not in the metadata"))
        };
        if let Some(e) = &t.error {
            fail(&format!("{topic}: {e}"));
        }
        let partitions: Vec<TopicPartition> = t
            .partitions
            .keys()
            .map(|p| TopicPartition::new(topic.as_str(), *p))
            .collect();

        // The group's committed offsets for them.
        let committed = consumer
            .committed(&partitions, timeout)
            .unwrap_or_else(|e| fail(&e.to_string()));
        for p in committed {
            // Each partition's low and high watermark, asked of its leader (not cached).
            let (lo, hi) = consumer
                .get_watermark_offsets(&p, timeout, false)
                .unwrap_or_else(|e| fail(&e.to_string()));
            let offset = match p.offset {
                Offset::At(n) => n.to_string(),
                _ => "-".to_string(),
            };
            let lag = match p.offset {
                _ if hi < 0 => "no hwmark".to_string(), // unlikely
                Offset::At(n) => (hi - n).to_string(),
                // Nothing committed: the whole partition is lag (fewer after compaction or
                // deleted records).
                _ => (hi - lo).to_string(),
            };
            println!(
                "{:<50}  {:>9}  {:>9}",
                format!("{} [{}]", p.topic, p.partition),
                offset,
                lag
            );
        }
    }
    consumer
        .close_timeout(timeout)
        .unwrap_or_else(|e| fail(&e.to_string()));
}
