//! Client C of the benchmark harness: rust-rdkafka 0.39 (`BaseProducer`, `BaseConsumer`).
//!
//! ```text
//! rust-rdkafka-bench produce <bootstrap> <topic> <count> <size> <acks> <idem 0|1> <warmup 0|1>
//! rust-rdkafka-bench consume <bootstrap> <topic> <count> <group>
//! rust-rdkafka-bench async|stream|latency ...   (src/aio.rs)
//! ```
//!
//! Same workload, measured window and JSON line as client D (bench/rkafka-bench). Delivery
//! reports go to `ProducerContext::delivery`, which rust-rdkafka calls once per message.
//! rust-rdkafka 0.39 has no batch-consume call on `BaseConsumer`, so C has no consume(batch) row.
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::Message;
use rdkafka::producer::{BaseProducer, BaseRecord, DeliveryResult, Producer, ProducerContext};
use rdkafka::ClientContext;

mod aio;

#[derive(Default)]
struct Counts {
    ok: AtomicU64,
    err: AtomicU64,
    target: AtomicU64,
    last_report: OnceLock<Instant>,
}

impl ClientContext for Counts {}

impl ProducerContext for Counts {
    type DeliveryOpaque = ();
    fn delivery(&self, r: &DeliveryResult<'_>, _: ()) {
        // Reports are served on the polling thread (main) only: plain relaxed load + store, like
        // rdkafka_performance's plain counters, no atomic read-modify-write.
        let bump = |c: &AtomicU64| {
            let v = c.load(Relaxed) + 1;
            c.store(v, Relaxed);
            v
        };
        let n = if r.is_ok() {
            bump(&self.ok) + self.err.load(Relaxed)
        } else {
            bump(&self.err) + self.ok.load(Relaxed)
        };
        if n == self.target.load(Relaxed) {
            let _ = self.last_report.set(Instant::now());
        }
    }
}

pub(crate) fn usage() -> ! {
    eprintln!(
        "usage: rust-rdkafka-bench produce <bootstrap> <topic> <count> <size> <acks> <idem 0|1> <warmup 0|1>\n\
         \x20      rust-rdkafka-bench consume <bootstrap> <topic> <count> <group>\n\
         \x20      rust-rdkafka-bench async <window|join_all|spawn|in_turn|backpressure|threads> <bootstrap> <topic> <count> <size> <window> <ct|mt> <warmup 0|1>\n\
         \x20      rust-rdkafka-bench stream <bootstrap> <topic> <count> <group> <ct|mt>\n\
         \x20      rust-rdkafka-bench latency <bootstrap> <topic> <rate> <secs> <size> <linger.ms> <ct|mt>"
    );
    std::process::exit(2)
}

pub(crate) fn arg<T: std::str::FromStr>(a: &[String], i: usize) -> T {
    a.get(i)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| usage())
}

fn produce(a: &[String]) {
    let bootstrap: String = arg(a, 2);
    let topic: String = arg(a, 3);
    let count: u64 = arg(a, 4);
    let size: usize = arg(a, 5);
    let acks: String = arg(a, 6);
    let idem = a.get(7).map(String::as_str) == Some("1");
    let warmup = a.get(8).map(String::as_str) == Some("1");
    let mut cfg = ClientConfig::new();
    cfg.set("bootstrap.servers", &bootstrap)
        .set("linger.ms", "5")
        .set("batch.num.messages", "10000")
        .set("acks", &acks)
        .set("compression.codec", "none")
        .set("message.send.max.retries", "3")
        .set("retry.backoff.ms", "500")
        .set("queue.buffering.max.messages", "100000")
        .set("queue.buffering.max.kbytes", "1048576");
    if idem {
        cfg.set("enable.idempotence", "true");
    }
    let p: BaseProducer<Counts> = cfg
        .create_with_context(Counts {
            target: AtomicU64::new(u64::MAX),
            ..Counts::default()
        })
        .expect("producer");
    let payload = vec![b'x'; size];
    if warmup {
        let wkey = u64::MAX.to_be_bytes();
        p.send(BaseRecord::to(&topic).payload(&payload[..]).key(&wkey[..]))
            .map_err(|(e, _)| e)
            .expect("warm-up send");
        p.flush(Duration::from_secs(30)).expect("warm-up flush");
        p.context().ok.store(0, Relaxed);
        p.context().err.store(0, Relaxed);
    }
    p.context().target.store(count, Relaxed);

    let mut backpressure = 0u64;
    let t0 = Instant::now();
    for i in 0..count {
        let key = i.to_be_bytes();
        let mut rec = BaseRecord::to(&topic).payload(&payload[..]).key(&key[..]);
        loop {
            match p.send(rec) {
                Ok(()) => break,
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                    backpressure += 1;
                    rec = back;
                    p.poll(Duration::from_millis(10));
                }
                Err((e, _)) => panic!("produce failed: {e}"),
            }
        }
        if i % 1000 == 999 {
            p.poll(Duration::ZERO);
        }
    }
    let flushed = p.flush(Duration::from_secs(120)).is_ok();
    let t_flush = Instant::now();
    let ctx = p.context();
    let secs_flush = (t_flush - t0).as_secs_f64();
    let secs = ctx
        .last_report
        .get()
        .map_or(secs_flush, |t| (*t - t0).as_secs_f64());
    let flush_lag_ms = ctx
        .last_report
        .get()
        .map(|t| (t_flush - *t).as_secs_f64() * 1e3);
    println!(
        "{{\"client\":\"C\",\"mode\":\"produce\",\"msgs\":{count},\"delivered\":{},\"failed\":{},\"flushed\":{flushed},\"bytes\":{},\"secs\":{secs:.6},\"secs_flush_return\":{secs_flush:.6},\"flush_lag_ms\":{},\"backpressure\":{backpressure}}}",
        ctx.ok.load(Relaxed),
        ctx.err.load(Relaxed),
        count * size as u64,
        flush_lag_ms.map_or("null".to_string(), |v| format!("{v:.3}")),
    );
}

fn consume(a: &[String]) {
    let bootstrap: String = arg(a, 2);
    let topic: String = arg(a, 3);
    let count: u64 = arg(a, 4);
    let group: String = arg(a, 5);
    let c: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", &bootstrap)
        .set("group.id", &group)
        .set("auto.offset.reset", "earliest")
        .set("queued.min.messages", "1000000")
        .set("session.timeout.ms", "6000")
        .set("enable.partition.eof", "true")
        .create()
        .expect("consumer");
    c.subscribe(&[topic.as_str()]).expect("subscribe");
    let (mut n, mut nbytes, mut errs) = (0u64, 0u64, 0u64);
    let mut t0: Option<Instant> = None;
    while n < count {
        match c.poll(Duration::from_secs(1)) {
            None => {}
            Some(Ok(m)) => {
                t0.get_or_insert_with(Instant::now);
                n += 1;
                nbytes += m.payload().map_or(0, |v| v.len()) as u64;
            }
            Some(Err(KafkaError::PartitionEOF(_))) => {}
            Some(Err(e)) => {
                errs += 1;
                eprintln!("consume error: {e}");
            }
        }
    }
    let secs = t0.expect("no message consumed").elapsed().as_secs_f64();
    drop(c); // closes the consumer (leaves the group)
    println!(
        "{{\"client\":\"C\",\"mode\":\"consume\",\"msgs\":{n},\"bytes\":{nbytes},\"secs\":{secs:.6},\"errors\":{errs},\"batch\":0}}"
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
