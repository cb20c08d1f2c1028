//! Client D of the benchmark harness: rkafka.
//!
//! ```text
//! rkafka-bench produce <bootstrap> <topic> <count> <size> <acks> <idem 0|1> <warmup 0|1> [dr]
//!     dr = closure  a per-message `Record::on_delivery` closure (the headline figure)
//!          copy     the same, with the payload copied by librdkafka (`Record::value`)
//!          global   the producer-wide `ProducerBuilder::on_delivery` callback
//!          tag      the producer-wide callback, each message carrying its sequence number as a
//!                   `Record::tag` (per-message context without a closure: C's msg_opaque)
//!          batch    `Producer::produce_batch` in runs of 1000 + the producer-wide callback
//!
//! The payload is one buffer shared by every message. Like `rdkafka_performance` (client A),
//! which passes it to `rd_kafka_produce` without `RD_KAFKA_MSG_F_COPY`, D hands it over in
//! place with `Record::value_static` (the buffer is leaked, so it lives as long as the messages);
//! `copy` shows what the copy costs (rust-rdkafka and confluent-kafka-python always copy).
//! rkafka-bench consume <bootstrap> <topic> <count> <group> [batch]
//!     batch = 0     per-message `Consumer::poll` (default)
//!             n     `Consumer::consume(n)`
//! ```
//!
//! The workload is the one every client of the harness runs (see bench/README.md): N messages
//! of S bytes with an 8-byte big-endian sequence key, `linger.ms=5`, `batch.num.messages=10000`,
//! a poll every 1000 messages, and on `_QUEUE_FULL` a 10 ms poll and a retry. The produce rate is
//! measured from the first produce to the last delivery report; the moment `flush` returns is
//! recorded too. The consume rate is measured from the first message to the last. One JSON line
//! is printed at the end.
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use rkafka::{Config, Consumer, ErrorCode, Producer, Record};

mod aio;

/// Delivery bookkeeping. Reports are served on the thread that polls (here: main only), so the
/// counters are only ever written by that one thread: a relaxed load and store (plain moves,
/// like `rdkafka_performance`'s plain counters) is enough, no atomic read-modify-write. Statics
/// keep the per-message closures small (they capture only the sequence number).
static OK: AtomicU64 = AtomicU64::new(0);
static ERR: AtomicU64 = AtomicU64::new(0);
static SEQ_SUM: AtomicU64 = AtomicU64::new(0);
static TARGET: AtomicU64 = AtomicU64::new(u64::MAX);
static LAST_REPORT: OnceLock<Instant> = OnceLock::new();

/// Adds `by` to a counter written by this thread only; returns the new value.
#[inline]
fn bump(c: &AtomicU64, by: u64) -> u64 {
    let v = c.load(Relaxed) + by;
    c.store(v, Relaxed);
    v
}

#[inline]
fn on_report(failed: bool) {
    let n = if failed {
        bump(&ERR, 1) + OK.load(Relaxed)
    } else {
        bump(&OK, 1) + ERR.load(Relaxed)
    };
    if n == TARGET.load(Relaxed) {
        let _ = LAST_REPORT.set(Instant::now());
    }
}

pub(crate) fn usage() -> ! {
    eprintln!(
        "usage: rkafka-bench produce <bootstrap> <topic> <count> <size> <acks> <idem 0|1> <warmup 0|1> [closure|copy|global|tag|batch]\n\
         \x20      rkafka-bench consume <bootstrap> <topic> <count> <group> [batch]\n\
         \x20      rkafka-bench async <window|join_all|spawn|in_turn|pfuture|backpressure|threads> <bootstrap> <topic> <count> <size> <window> <ct|mt> <warmup 0|1>\n\
         \x20      rkafka-bench stream <bootstrap> <topic> <count> <group> <ct|mt>\n\
         \x20      rkafka-bench latency <bootstrap> <topic> <rate> <secs> <size> <linger.ms> <ct|mt>"
    );
    std::process::exit(2)
}

pub(crate) fn arg<T: std::str::FromStr>(a: &[String], i: usize) -> T {
    a.get(i)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| usage())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Dr {
    Closure,
    Copy,
    Global,
    Tag,
    Batch,
}

/// The per-message closure of D and Dc: adds its message's sequence number, counts the report.
#[inline(always)]
fn counting(i: u64) -> impl FnOnce(&rkafka::DeliveryReport<'_>) + Send + 'static {
    move |rep| {
        bump(&SEQ_SUM, i);
        on_report(rep.error().is_some())
    }
}

/// Produces `count` records made by `make(sequence number, its 8-byte key)`; on `_QUEUE_FULL`
/// polls 10 ms and retries; serves reports every 1000 messages.
#[inline(always)]
fn produce_loop(
    p: &Producer,
    count: u64,
    backpressure: &mut u64,
    make: impl for<'k> Fn(u64, &'k [u8; 8]) -> Record<'k>,
) {
    for i in 0..count {
        let key = i.to_be_bytes();
        let mut rec = make(i, &key);
        loop {
            match p.try_produce(rec) {
                Ok(()) => break,
                Err(e) if e.is_queue_full() => {
                    *backpressure += 1;
                    rec = e.record;
                    p.poll(Duration::from_millis(10));
                }
                Err(e) => panic!("produce failed: {e}"),
            }
        }
        if i % 1000 == 999 {
            p.poll(Duration::ZERO);
        }
    }
}

fn produce(a: &[String]) {
    let bootstrap: String = arg(a, 2);
    let topic: String = arg(a, 3);
    let count: u64 = arg(a, 4);
    let size: usize = arg(a, 5);
    let acks: String = arg(a, 6);
    let idem = a.get(7).map(String::as_str) == Some("1");
    let warmup = a.get(8).map(String::as_str) == Some("1");
    let dr = match a.get(9).map(String::as_str) {
        None | Some("closure") => Dr::Closure,
        Some("copy") => Dr::Copy,
        Some("global") => Dr::Global,
        Some("tag") => Dr::Tag,
        Some("batch") => Dr::Batch,
        Some(_) => usage(),
    };
    let mut cfg = Config::from([
        ("bootstrap.servers", bootstrap.as_str()),
        ("linger.ms", "5"),
        ("batch.num.messages", "10000"),
        ("acks", acks.as_str()),
        ("compression.codec", "none"),
        ("message.send.max.retries", "3"),
        ("retry.backoff.ms", "500"),
        ("queue.buffering.max.messages", "100000"),
        ("queue.buffering.max.kbytes", "1048576"),
    ]);
    if idem {
        cfg.set("enable.idempotence", "true");
    }
    let mut builder = Producer::builder(cfg);
    let per_message = matches!(dr, Dr::Closure | Dr::Copy);
    if dr == Dr::Tag {
        builder = builder.on_delivery(|r| {
            bump(&SEQ_SUM, r.tag().unwrap_or(0) as u64);
            on_report(r.error().is_some())
        });
    } else if !per_message {
        builder = builder.on_delivery(|r| on_report(r.error().is_some()));
    }
    let p = builder.build().expect("producer");
    let payload: &'static [u8] = Vec::leak(vec![b'x'; size]);
    // 'static, so one record-making closure serves every key's lifetime.
    let topic: &'static str = Box::leak(topic.into_boxed_str());

    if warmup {
        // One message and a flush before the clock starts: connection, metadata, topic
        // auto-creation and the idempotent producer id are out of the measured window.
        let wkey = u64::MAX.to_be_bytes();
        let mut r = Record::new(topic).key(&wkey).value(payload);
        if per_message {
            r = r.on_delivery(|rep| on_report(rep.error().is_some()));
        }
        p.produce_wait(r, Duration::from_secs(30))
            .expect("warm-up produce");
        assert_eq!(p.flush(Duration::from_secs(30)), 0, "warm-up flush");
        OK.store(0, Relaxed);
        ERR.store(0, Relaxed);
    }
    TARGET.store(count, Relaxed);

    let mut backpressure = 0u64;
    let t0 = Instant::now();
    match dr {
        // One straight builder chain per mode, as an application writes it (a record built
        // through conditional reassignments is moved, i.e. copied, at each merge).
        Dr::Closure => produce_loop(&p, count, &mut backpressure, |i, key| {
            Record::new(topic)
                .key(key)
                .value_static(payload)
                .on_delivery(counting(i))
        }),
        Dr::Copy => produce_loop(&p, count, &mut backpressure, |i, key| {
            Record::new(topic)
                .key(key)
                .value(payload)
                .on_delivery(counting(i))
        }),
        Dr::Global => produce_loop(&p, count, &mut backpressure, |_, key| {
            Record::new(topic).key(key).value_static(payload)
        }),
        Dr::Tag => produce_loop(&p, count, &mut backpressure, |i, key| {
            Record::new(topic)
                .key(key)
                .value_static(payload)
                .tag(i as usize)
        }),
        Dr::Batch => {
            const RUN: u64 = 1000;
            let mut keys = Vec::with_capacity(RUN as usize);
            let mut start = 0u64;
            while start < count {
                let end = (start + RUN).min(count);
                keys.clear();
                keys.extend((start..end).map(u64::to_be_bytes));
                let mut records: Vec<Record<'_>> = keys
                    .iter()
                    .map(|k| Record::new(topic).key(k).value_static(payload))
                    .collect();
                loop {
                    let failed = p.produce_batch(records);
                    if failed.is_empty() {
                        break;
                    }
                    if let Some(e) = failed.iter().find(|e| !e.is_queue_full()) {
                        panic!("produce_batch failed: {e}");
                    }
                    backpressure += 1;
                    records = failed.into_iter().map(|e| e.record).collect();
                    p.poll(Duration::from_millis(10));
                }
                p.poll(Duration::ZERO);
                start = end;
            }
        }
    }
    let left = p.flush(Duration::from_secs(120));
    let t_flush = Instant::now();
    let secs_flush = (t_flush - t0).as_secs_f64();
    let secs = LAST_REPORT
        .get()
        .map_or(secs_flush, |t| (*t - t0).as_secs_f64());
    let flush_lag_ms = LAST_REPORT
        .get()
        .map(|t| (t_flush - *t).as_secs_f64() * 1e3);
    let dr_name = match dr {
        Dr::Closure => "closure",
        Dr::Copy => "copy",
        Dr::Global => "global",
        Dr::Tag => "tag",
        Dr::Batch => "batch",
    };
    println!(
        "{{\"client\":\"D\",\"mode\":\"produce\",\"dr\":\"{dr_name}\",\"msgs\":{count},\"delivered\":{},\"failed\":{},\"remaining\":{left},\"bytes\":{},\"secs\":{secs:.6},\"secs_flush_return\":{secs_flush:.6},\"flush_lag_ms\":{},\"backpressure\":{backpressure},\"seq_sum\":{},\"libversion\":\"{}\"}}",
        OK.load(Relaxed),
        ERR.load(Relaxed),
        count * size as u64,
        flush_lag_ms.map_or("null".to_string(), |v| format!("{v:.3}")),
        SEQ_SUM.load(Relaxed),
        rkafka::libversion().0,
    );
}

/// The consumer configuration of every consume workload of the harness.
pub(crate) fn consumer_config(bootstrap: &str, group: &str) -> Config {
    Config::from([
        ("bootstrap.servers", bootstrap),
        ("group.id", group),
        ("auto.offset.reset", "earliest"),
        ("queued.min.messages", "1000000"),
        ("session.timeout.ms", "6000"),
        ("enable.partition.eof", "true"),
    ])
}

fn consume(a: &[String]) {
    let bootstrap: String = arg(a, 2);
    let topic: String = arg(a, 3);
    let count: u64 = arg(a, 4);
    let group: String = arg(a, 5);
    let batch: usize = a.get(6).map_or(0, |_| arg(a, 6));
    let c = Consumer::new(consumer_config(&bootstrap, &group)).expect("consumer");
    c.subscribe(&[topic.as_str()]).expect("subscribe");
    let (mut n, mut nbytes, mut errs) = (0u64, 0u64, 0u64);
    let mut t0: Option<Instant> = None;
    if batch == 0 {
        while n < count {
            match c.poll(Duration::from_secs(1)) {
                None => {}
                Some(Ok(m)) => {
                    t0.get_or_insert_with(Instant::now);
                    n += 1;
                    nbytes += m.value().map_or(0, |v| v.len()) as u64;
                }
                Some(Err(e)) if e.code() == ErrorCode::PartitionEof => {}
                Some(Err(e)) => {
                    errs += 1;
                    eprintln!("consume error: {e}");
                }
            }
        }
    } else {
        while n < count {
            // Never ask for more than remain, so the last call does not sit out its timeout.
            let want = batch.min((count - n) as usize);
            let msgs = c.consume(want, Duration::from_secs(1)).expect("consume");
            for m in msgs.iter() {
                match m {
                    Ok(v) => {
                        t0.get_or_insert_with(Instant::now);
                        n += 1;
                        nbytes += v.value().map_or(0, |v| v.len()) as u64;
                    }
                    Err(e) if e.code() == ErrorCode::PartitionEof => {}
                    Err(e) => {
                        errs += 1;
                        eprintln!("consume error: {e}");
                    }
                }
            }
        }
    }
    let secs = t0.expect("no message consumed").elapsed().as_secs_f64();
    let close = c.close();
    println!(
        "{{\"client\":\"D\",\"mode\":\"consume\",\"msgs\":{n},\"bytes\":{nbytes},\"secs\":{secs:.6},\"errors\":{errs},\"batch\":{batch},\"close_ok\":{},\"libversion\":\"{}\"}}",
        close.is_ok(),
        rkafka::libversion().0,
    );
}

fn main() {
    let a: Vec<String> = std::env::args().collect();
    match a.get(1).map(String::as_str) {
        Some("produce") => produce(&a),
        Some("consume") => consume(&a),
        Some("async") => aio::produce_async(&a),
        Some("stream") => aio::stream(&a),
        Some("latency") => aio::latency(&a),
        _ => usage(),
    }
}
