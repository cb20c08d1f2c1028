//! Memory check workload for `scripts/valgrind.sh`: N cycles (default 1,000) of create, produce,
//! consume and destroy against librdkafka's in-process mock cluster, through rkafka's public API
//! only. Each cycle creates a producer (producer-wide and per-message delivery closures,
//! headers, a logger), produces and flushes `--messages` messages, closes it; creates a
//! consumer that reads them back (assign + `poll`, or every 10th cycle subscribe + `consume`
//! batches with rebalance closures), commits, closes; and drops both. Every 25th cycle also
//! creates an admin client and walks the error paths (refused configuration, refused record,
//! a closure that panics). Exits non-zero if any count is off. `--leak-on-purpose` loses one
//! allocation, so `scripts/valgrind.sh --self-check` can show that a leak fails the check.
//!
//! ```text
//! cargo run --release --example mem_cycles -- [--cycles N] [--messages M]
//! scripts/valgrind.sh            # the same under valgrind memcheck
//! ```

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rkafka::{
    AdminClient, Consumer, MockCluster, Offset, Producer, Rebalance, Record, TopicPartition,
};

const TOPIC: &str = "mem-cycles";
const PARTITIONS: i32 = 2;

fn main() -> ExitCode {
    let mut cycles = 1000usize;
    let mut messages = 10usize;
    let mut leak = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut num = |what: &str| -> usize {
            args.next()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{what} needs a number"))
        };
        match a.as_str() {
            "--cycles" => cycles = num("--cycles"),
            "--messages" => messages = num("--messages").div_ceil(2) * 2, // even: 2 partitions
            "--leak-on-purpose" => leak = true,
            _ => {
                eprintln!("usage: mem_cycles [--cycles N] [--messages M] [--leak-on-purpose]");
                return ExitCode::from(2);
            }
        }
    }
    // Panics in the error-path cycles are expected: keep them off stderr.
    std::panic::set_hook(Box::new(|_| {}));
    let cluster = MockCluster::new(1).expect("mock cluster");
    cluster.create_topic(TOPIC, PARTITIONS, 1).expect("topic");
    cluster.set_group_initial_rebalance_delay(Duration::ZERO);
    let start = Instant::now();
    for cycle in 0..cycles {
        if let Err(e) = run_cycle(&cluster, cycle, messages) {
            eprintln!("cycle {cycle}: {e}");
            return ExitCode::FAILURE;
        }
        if (cycle + 1) % 100 == 0 {
            println!(
                "{} cycles done in {:.1} s",
                cycle + 1,
                start.elapsed().as_secs_f64()
            );
        }
    }
    if leak {
        std::mem::forget(vec![0u8; 4096]);
    }
    println!("ok: {cycles} cycles of {messages} messages");
    ExitCode::SUCCESS
}

fn run_cycle(cluster: &MockCluster, cycle: usize, messages: usize) -> Result<(), String> {
    let bootstrap = cluster.bootstrap_servers();
    // Produce.
    let global = Arc::new(AtomicUsize::new(0));
    let own = Arc::new(AtomicUsize::new(0));
    let g = global.clone();
    let producer = Producer::builder([("bootstrap.servers", bootstrap), ("linger.ms", "1")])
        .on_delivery(move |r| {
            if r.error().is_none() {
                g.fetch_add(1, Ordering::Relaxed);
            }
        })
        .logger(|_| {})
        .build()
        .map_err(|e| e.to_string())?;
    for i in 0..messages {
        let key = format!("{cycle}-{i}");
        let value = vec![b'v'; 100];
        let mut record = Record::new(TOPIC)
            .partition(i as i32 % PARTITIONS)
            .key(&key)
            .value(&value);
        if i % 2 == 0 {
            let o = own.clone();
            record = record.header("cycle", &key).on_delivery(move |r| {
                if r.error().is_none() {
                    o.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        producer
            .produce_wait(record, Duration::from_secs(10))
            .map_err(|e| e.error.to_string())?;
    }
    producer
        .close(Duration::from_secs(10))
        .map_err(|e| e.to_string())?;
    let delivered = global.load(Ordering::Relaxed) + own.load(Ordering::Relaxed);
    if delivered != messages {
        return Err(format!("{delivered} of {messages} delivered"));
    }
    drop(producer);

    // Consume them back: the last `messages` of the topic.
    let group = format!("g-{cycle}");
    let config = [
        ("bootstrap.servers", bootstrap),
        ("group.id", group.as_str()),
        ("auto.offset.reset", "earliest"),
        ("enable.auto.commit", "false"),
        ("fetch.wait.max.ms", "10"),
    ];
    let consumer = Consumer::builder(config)
        .on_commit(|_, _| {})
        .build()
        .map_err(|e| e.to_string())?;
    let per_partition = (messages / PARTITIONS as usize) as i64;
    let mut kept: Vec<rkafka::OwnedMessage> = Vec::new();
    let got = if cycle.is_multiple_of(10) {
        consumer
            .subscribe_with(
                &[TOPIC],
                Rebalance::new()
                    .on_assign(move |_, parts| {
                        for p in parts.iter_mut() {
                            p.offset = Offset::Tail(per_partition);
                        }
                    })
                    .on_revoke(|c, _| {
                        let _ = c.assignment();
                    }),
            )
            .map_err(|e| e.to_string())?;
        let mut got = 0;
        let deadline = Instant::now() + Duration::from_secs(30);
        while got < messages && Instant::now() < deadline {
            let batch = consumer
                .consume(100, Duration::from_millis(100))
                .map_err(|e| e.to_string())?;
            if cycle.is_multiple_of(20) {
                got += batch.iter().filter(|m| m.is_ok()).count();
            } else {
                // By value: take half, keep one message past the consumer's close, and leave
                // the rest to the iterator's drop.
                let mut entries = batch.into_iter();
                let half = entries.len() / 2;
                for entry in entries.by_ref().take(half) {
                    let m = entry.map_err(|e| e.to_string())?;
                    got += 1;
                    if kept.is_empty() {
                        kept.push(m);
                    }
                }
                got += entries.len();
            }
        }
        got
    } else {
        let parts: Vec<TopicPartition> = (0..PARTITIONS)
            .map(|p| TopicPartition::with_offset(TOPIC, p, Offset::Tail(per_partition)))
            .collect();
        // Known leaders first: a TAIL offset looked up without one waits for a 500 ms retry.
        consumer
            .list_topics(Some(TOPIC), Duration::from_secs(10))
            .map_err(|e| e.to_string())?;
        consumer.assign(&parts).map_err(|e| e.to_string())?;
        let mut got = 0;
        let deadline = Instant::now() + Duration::from_secs(30);
        while got < messages && Instant::now() < deadline {
            if let Some(Ok(m)) = consumer.poll(Duration::from_millis(100)) {
                let owned = m.into_owned();
                let _ = owned.view().headers();
                got += 1;
            }
        }
        got
    };
    if got != messages {
        return Err(format!("consumed {got} of {messages}"));
    }
    consumer.commit().map_err(|e| e.to_string())?;
    consumer
        .close_timeout(Duration::from_secs(10))
        .map_err(|e| e.to_string())?;
    drop(consumer);
    if kept.iter().any(|m| m.value().is_none()) {
        return Err("a kept message lost its value".into());
    }
    drop(kept);

    if cycle.is_multiple_of(25) {
        error_paths(bootstrap)?;
    }
    Ok(())
}

/// Paths that allocate and must free on failure: refused configurations, a refused record
/// handed back, a delivery closure that panics, an admin client.
fn error_paths(bootstrap: &str) -> Result<(), String> {
    if Producer::new([("bootstrap.servers", bootstrap), ("boostrap.servers", "x")]).is_ok() {
        return Err("a misspelled key was accepted".into());
    }
    let producer = Producer::new([("bootstrap.servers", bootstrap)]).map_err(|e| e.to_string())?;
    if producer
        .produce(Record::new("bad topic").value("x"))
        .is_ok()
    {
        return Err("an invalid topic was accepted".into());
    }
    producer
        .produce(
            Record::new(TOPIC)
                .value("boom")
                .on_delivery(|_| panic!("expected")),
        )
        .map_err(|e| e.to_string())?;
    let panicked =
        catch_unwind(AssertUnwindSafe(|| producer.flush(Duration::from_secs(10)))).is_err();
    if !panicked {
        return Err("the delivery closure's panic was not resumed".into());
    }
    drop(producer);
    let admin = AdminClient::new([("bootstrap.servers", bootstrap)]).map_err(|e| e.to_string())?;
    let md = admin
        .list_topics(Some(TOPIC), Duration::from_secs(10))
        .map_err(|e| e.to_string())?;
    if md.topics.len() != 1 {
        return Err(format!("metadata: {md:?}"));
    }
    Ok(())
}
