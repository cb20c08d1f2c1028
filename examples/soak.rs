//! Soak workload for `scripts/soak.sh`: pushes `--messages` messages (default 10,000,000, 100 B
//! values, 8-byte keys) through one producer and one consumer, in rounds of 20,000: produce
//! and flush a round, then consume it back with `consume(1000)` batches, checking every offset
//! arrives once and in order. Samples the process's resident set size (`VmRSS` in
//! `/proc/self/status`) after every round. Single samples swing with the allocator (by up to
//! a quarter between rounds), so the check compares peaks: the highest sample up to the end of
//! the warm-up (`--warmup`, default 1,000,000 messages) with the highest sample of the last
//! 1,000,000 messages. Exits 1 if that grew by 10 % or more (a leak of a third of a byte per
//! message would), or if any count is off.
//! `--leak-bytes-per-message B` loses B bytes per message on purpose, so
//! `scripts/soak.sh --self-check` can show that a leak fails the check.
//!
//! The broker is librdkafka's mock cluster in a child process (this program re-run with
//! `--serve-mock`), so the broker's memory is not in the measured RSS; or any broker given
//! with `--bootstrap HOST:PORT` that auto-creates topics. Each run uses a new topic.
//!
//! ```text
//! cargo run --release --example soak -- [--messages N] [--warmup W] [--bootstrap HOST:PORT]
//! scripts/soak.sh
//! ```

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rkafka::{Consumer, MockCluster, Producer, Record};

const PARTITIONS: i32 = 4;
const ROUND: u64 = 20_000;
const VALUE: [u8; 100] = [b's'; 100];

fn main() -> ExitCode {
    let mut messages: u64 = 10_000_000;
    let mut warmup: u64 = 1_000_000;
    let mut bootstrap: Option<String> = None;
    let mut leak = 0usize;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--serve-mock" => return serve_mock(&args.next().expect("topic")),
            "--messages" => messages = args.next().and_then(|v| v.parse().ok()).expect("N"),
            "--warmup" => warmup = args.next().and_then(|v| v.parse().ok()).expect("W"),
            "--bootstrap" => bootstrap = args.next(),
            "--leak-bytes-per-message" => {
                leak = args.next().and_then(|v| v.parse().ok()).expect("B")
            }
            _ => {
                eprintln!(
                    "usage: soak [--messages N] [--warmup W] [--bootstrap HOST:PORT] \
                     [--leak-bytes-per-message B]"
                );
                return ExitCode::from(2);
            }
        }
    }
    let topic = format!("rkafka-soak-{}", std::process::id());
    let mut broker: Option<Child> = None;
    let bootstrap = bootstrap.unwrap_or_else(|| {
        let mut child = Command::new(std::env::current_exe().expect("own path"))
            .args(["--serve-mock", &topic])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the mock cluster process");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("bootstrap from the mock process");
        broker = Some(child);
        line.trim().to_string()
    });
    let ok = soak(&bootstrap, &topic, messages, warmup.min(messages), leak);
    if let Some(mut child) = broker {
        drop(child.stdin.take()); // EOF: the mock process exits
        let _ = child.wait();
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Child mode: a mock cluster with the soak topic, until stdin closes.
fn serve_mock(topic: &str) -> ExitCode {
    let cluster = MockCluster::new(1).expect("mock cluster");
    cluster
        .create_topic(topic, PARTITIONS, 1)
        .expect("soak topic");
    println!("{}", cluster.bootstrap_servers());
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
    ExitCode::SUCCESS
}

fn rss_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

fn soak(bootstrap: &str, topic: &str, messages: u64, warmup: u64, leak: usize) -> bool {
    let delivered = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let (d, f) = (delivered.clone(), failed.clone());
    let producer = Producer::builder([
        ("bootstrap.servers", bootstrap),
        ("linger.ms", "5"),
        ("batch.num.messages", "10000"),
    ])
    .on_delivery(move |r| {
        if r.error().is_some() {
            f.fetch_add(1, Ordering::Relaxed);
        } else {
            d.fetch_add(1, Ordering::Relaxed);
        }
    })
    .build()
    .expect("producer");
    let consumer = Consumer::new([
        ("bootstrap.servers", bootstrap),
        ("group.id", "rkafka-soak"),
        ("auto.offset.reset", "earliest"),
        ("enable.auto.commit", "false"),
        // The mock cluster answers a fetch with no new data only after this wait.
        ("fetch.wait.max.ms", "10"),
    ])
    .expect("consumer");
    // The topic exists (or is auto-created) before the consumer joins.
    let partitions = producer
        .list_topics(Some(topic), Duration::from_secs(30))
        .expect("metadata")
        .topics[topic]
        .partitions
        .len();
    consumer.subscribe(&[topic]).expect("subscribe");
    let deadline = Instant::now() + Duration::from_secs(30);
    while consumer.assignment().map_or(0, |a| a.len()) < partitions {
        assert!(Instant::now() < deadline, "no assignment");
        let _ = consumer.poll(Duration::from_millis(100));
    }

    let closures = Arc::new(AtomicU64::new(0));
    let mut next: BTreeMap<i32, i64> = BTreeMap::new();
    let (mut consumed, mut out_of_order, mut errors) = (0u64, 0u64, 0u64);
    // (messages so far, RSS in kB) after each round.
    let mut samples: Vec<(u64, u64)> = Vec::new();
    let start = Instant::now();
    let mut seq = 0u64;
    while seq < messages {
        let round_end = (seq + ROUND).min(messages);
        while seq < round_end {
            let key = seq.to_be_bytes();
            let mut r = Record::new(topic).key(&key).value(&VALUE);
            if seq.is_multiple_of(100) {
                // Some per-message closures too (they take the place of the producer-wide one).
                let (c, d) = (closures.clone(), delivered.clone());
                r = r.on_delivery(move |rep| {
                    c.fetch_add(1, Ordering::Relaxed);
                    if rep.error().is_none() {
                        d.fetch_add(1, Ordering::Relaxed);
                    }
                });
            }
            producer
                .produce_wait(r, Duration::from_secs(30))
                .expect("produce");
            if leak > 0 {
                std::mem::forget(vec![1u8; leak]);
            }
            seq += 1;
            if seq.is_multiple_of(1000) {
                producer.poll(Duration::ZERO);
            }
        }
        assert_eq!(producer.flush(Duration::from_secs(60)), 0, "flush");
        let deadline = Instant::now() + Duration::from_secs(60);
        while consumed < round_end {
            assert!(Instant::now() < deadline, "consumer stalled at {consumed}");
            let batch = consumer
                .consume(1000, Duration::from_millis(100))
                .expect("consume");
            for m in batch.iter() {
                match m {
                    Ok(m) => {
                        let want = next.entry(m.partition()).or_insert(m.offset());
                        if m.offset() != *want {
                            out_of_order += 1;
                        }
                        *want = m.offset() + 1;
                        consumed += 1;
                    }
                    Err(_) => errors += 1,
                }
            }
        }
        consumer.commit_async().expect("commit");
        samples.push((seq, rss_kb()));
        if seq.is_multiple_of(1_000_000) || seq == messages {
            let last: Vec<u64> = samples
                .iter()
                .filter(|(n, _)| *n + 1_000_000 > seq)
                .map(|s| s.1)
                .collect();
            println!(
                "{seq} messages in {:.1} s: RSS {} kB (last 1M messages: {}..{} kB)",
                start.elapsed().as_secs_f64(),
                rss_kb(),
                last.iter().min().unwrap(),
                last.iter().max().unwrap()
            );
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let peak = |f: &dyn Fn(u64) -> bool| samples.iter().filter(|s| f(s.0)).map(|s| s.1).max();
    let warm = peak(&|n| n <= warmup).unwrap_or(0);
    let end = peak(&|n| n + 1_000_000 > messages).unwrap_or(0);
    let growth = (end as f64 - warm as f64) / warm.max(1) as f64 * 100.0;
    let delivered = delivered.load(Ordering::Relaxed);
    let failed = failed.load(Ordering::Relaxed);
    println!(
        "produced {messages}, delivered {delivered}, failed {failed}, per-message closures {}, \
         consumed {consumed}, out of order {out_of_order}, consumer errors {errors}, {:.0} msgs/s",
        closures.load(Ordering::Relaxed),
        messages as f64 / secs
    );
    println!(
        "peak RSS up to the end of the warm-up ({warmup} messages): {warm} kB; \
         peak RSS over the last 1M messages: {end} kB; growth {growth:+.2} %"
    );
    let _ = consumer.close_timeout(Duration::from_secs(10));
    let _ = producer.close(Duration::from_secs(10));
    let counts_ok = delivered == messages
        && failed == 0
        && consumed == messages
        && out_of_order == 0
        && closures.load(Ordering::Relaxed) == messages.div_ceil(100);
    if !counts_ok {
        eprintln!("soak: FAILED: counts are off");
    }
    if growth >= 10.0 {
        eprintln!("soak: FAILED: RSS grew by {growth:.2} % (limit 10 %)");
    }
    counts_ok && growth < 10.0
}
