//! Consumes from topics with a group and prints one line per message, like
//! confluent-kafka-python's `examples/consumer.py`.
//!
//! ```text
//! cargo run --example consumer -- <bootstrap-servers> <group> <topic>... [--max-messages N]
//!                                 [-X key=value]... [-F file.properties]
//! ```
//! Each message prints `<topic> [<partition>] @ <offset> key=<key> value=<value>` and is then
//! committed (asynchronously; a final synchronous commit happens on close). Stops after
//! `--max-messages N` or on Ctrl-C, closing cleanly (leaving the group).
//!
//! Against tansu: `scripts/brokers.sh start; eval "$(scripts/brokers.sh env)"` then
//! `cargo run --example consumer -- "$RKAFKA_TANSU_BOOTSTRAP" my-group my-topic`. Against the
//! mock cluster: start `cargo run --example mock_cluster -- -t my-topic:3` in another
//! terminal, fill the topic with the `producer` example, and pass the `bootstrap.servers` it
//! prints (`cargo run --example quickstart` also consumes from its own embedded mock cluster).

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::show;
use rkafka::{Consumer, ErrorCode, Rebalance};
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

const USAGE: &str = "usage: consumer <bootstrap-servers> <group> <topic>... [--max-messages N] [-X key=value]... [-F file.properties]";

fn main() {
    let args = common::parse_args(USAGE, &["--max-messages"], &[]);
    let max: Option<u64> = args.parsed("--max-messages", USAGE);
    let positional = &args.positional;
    if positional.len() < 3 {
        common::die(USAGE, "need <bootstrap-servers> <group> <topic>...");
    }
    let mut config = args.config.clone();
    config.set("bootstrap.servers", positional[0].clone());
    config.set("group.id", positional[1].clone());
    if config.get("auto.offset.reset").is_none() {
        config.set("auto.offset.reset", "earliest");
    }
    let topics: Vec<&str> = positional[2..].iter().map(String::as_str).collect();

    // Ctrl-C (and SIGTERM): the signal handler itself only queues the signal (async-signal
    // safe); a watcher thread then sets the flag and wakes a poll blocked in librdkafka, so the
    // loop stops at once instead of after its poll timeout.
    let stop = Arc::new(AtomicBool::new(false));
    let mut signals = Signals::new([SIGINT, SIGTERM])
        .unwrap_or_else(|e| common::fail(&format!("cannot handle SIGINT/SIGTERM: {e}")));

    let consumer = Consumer::builder(config)
        .error_cb(|e| eprintln!("% Error: {e}"))
        .on_commit(|err, parts| {
            if let Some(e) = err.filter(|e| e.code() != ErrorCode::NoOffset) {
                eprintln!("% Commit failed: {e} for {parts:?}");
            }
        })
        .build()
        .unwrap_or_else(|e| common::die(USAGE, &e.to_string()));
    consumer
        .subscribe_with(
            &topics,
            Rebalance::new()
                .on_assign(|_, parts| {
                    eprintln!(
                        "% Assignment: {}",
                        parts
                            .iter()
                            .map(|p| format!("{} [{}] from {:?}", p.topic, p.partition, p.offset))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                })
                .on_revoke(|_, parts| eprintln!("% Revoked: {} partition(s)", parts.len())),
        )
        .unwrap_or_else(|e| common::die(USAGE, &e.to_string()));
    let wakeup = consumer.wakeup_handle();
    let stopper = stop.clone();
    std::thread::spawn(move || {
        if signals.forever().next().is_some() {
            stopper.store(true, Ordering::SeqCst);
            wakeup.wake();
        }
    });

    let mut count = 0u64;
    while !stop.load(Ordering::SeqCst) && max.is_none_or(|m| count < m) {
        match consumer.poll(Duration::from_millis(500)) {
            None => continue,
            Some(Err(e)) if e.code() == ErrorCode::PartitionEof => continue,
            Some(Err(e)) => {
                eprintln!("% Consumer error: {e}");
                if e.fatal() {
                    break;
                }
            }
            Some(Ok(msg)) => {
                println!(
                    "{} [{}] @ {} key={} value={}",
                    msg.topic(),
                    msg.partition(),
                    msg.offset(),
                    show(msg.key()),
                    show(msg.value())
                );
                if let Err(e) = consumer.commit_message_async(&msg) {
                    eprintln!("% Commit failed: {e}");
                }
                count += 1;
            }
        }
    }
    eprintln!("% {count} message(s) consumed; closing");
    if let Err(e) = consumer.commit() {
        if e.code() != ErrorCode::NoOffset {
            eprintln!("% Final commit failed: {e}");
        }
    }
    if let Err(e) = consumer.close_timeout(Duration::from_secs(10)) {
        eprintln!("% Close: {e}");
        std::process::exit(1);
    }
}
