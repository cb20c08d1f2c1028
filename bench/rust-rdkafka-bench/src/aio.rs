//! The async workloads of client C: rust-rdkafka's `FutureProducer` and `StreamConsumer` on
//! tokio, 4 threads sharing one `BaseProducer`, and latency at a fixed rate. Same arguments,
//! configuration and JSON line as rkafka-bench's (bench/rkafka-bench/src/aio.rs):
//!
//! ```text
//! rust-rdkafka-bench async <pattern> <bootstrap> <topic> <count> <size> <window> <rt ct|mt> <warmup 0|1>
//!     window | join_all | spawn | in_turn | backpressure    FutureProducer::send (Timeout::Never)
//!     fwindow                                              send_result futures in a VecDeque
//!     threads                                              <window> threads sharing a BaseProducer
//! rust-rdkafka-bench stream <bootstrap> <topic> <count> <group> <rt ct|mt>
//! rust-rdkafka-bench latency <bootstrap> <topic> <rate msgs/s> <secs> <size> <linger.ms> <rt ct|mt>
//! ```
//!
//! rust-rdkafka has no counterpart of rkafka's `produce_future`-per-task pattern other than
//! `send_result`, which `latency` uses. rust-rdkafka always copies the payload.
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use futures::stream::{FuturesOrdered, FuturesUnordered, StreamExt};
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::Message;
use rdkafka::producer::{
    BaseProducer, BaseRecord, DeliveryResult, FutureProducer, FutureRecord, Producer,
    ProducerContext,
};
use rdkafka::util::Timeout;
use rdkafka::ClientContext;

use crate::arg;

fn producer_config(bootstrap: &str, linger: &str, queue: &str) -> ClientConfig {
    let mut cfg = ClientConfig::new();
    cfg.set("bootstrap.servers", bootstrap)
        .set("linger.ms", linger)
        .set("batch.num.messages", "10000")
        .set("acks", "1")
        .set("compression.codec", "none")
        .set("message.send.max.retries", "3")
        .set("retry.backoff.ms", "500")
        .set("queue.buffering.max.messages", queue)
        .set("queue.buffering.max.kbytes", "1048576");
    cfg
}

fn runtime(kind: &str) -> tokio::runtime::Runtime {
    match kind {
        "ct" => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build(),
        "mt" => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build(),
        _ => crate::usage(),
    }
    .expect("tokio runtime")
}

#[derive(Default)]
struct Tally {
    ok: u64,
    err: u64,
}

impl Tally {
    fn add<T, E: std::fmt::Debug>(&mut self, r: Result<T, E>) {
        match r {
            Ok(_) => self.ok += 1,
            Err(e) => {
                if self.err == 0 {
                    eprintln!("delivery failed: {e:?}");
                }
                self.err += 1
            }
        }
    }
}

pub(crate) fn produce_async(a: &[String]) {
    let pattern: String = arg(a, 2);
    let bootstrap: String = arg(a, 3);
    let topic: &'static str = Box::leak(arg::<String>(a, 4).into_boxed_str());
    let count: u64 = arg(a, 5);
    let size: usize = arg(a, 6);
    let window: usize = arg(a, 7);
    let rt_kind: String = arg(a, 8);
    let warmup = a.get(9).map(String::as_str) == Some("1");
    if pattern == "threads" {
        return threads(&bootstrap, topic, count, size, window, warmup);
    }
    let linger = if pattern == "in_turn" { "0" } else { "5" };
    // backpressure: a queue far smaller than the window, so that it really fills (with a 100k
    // queue and a 200k window, delivery keeps up and the queue never fills, even natively).
    let queue = if pattern == "backpressure" {
        "10000"
    } else {
        "100000"
    };
    let rt = runtime(&rt_kind);
    // FutureProducer's poll thread starts with the producer; create it inside the runtime as
    // applications do.
    let p: FutureProducer = rt.block_on(async {
        producer_config(&bootstrap, linger, queue)
            .create()
            .expect("producer")
    });
    let payload: &'static [u8] = Vec::leak(vec![b'x'; size]);
    let keys: &'static [[u8; 8]] = Vec::leak((0..count).map(u64::to_be_bytes).collect());
    let rec = |k: &'static [u8; 8]| FutureRecord::to(topic).key(&k[..]).payload(payload);
    let (t0, tally) = rt.block_on(async {
        if warmup {
            let wkey = u64::MAX.to_be_bytes();
            p.send(
                FutureRecord::to(topic).key(&wkey[..]).payload(payload),
                Timeout::Never,
            )
            .await
            .expect("warm-up send");
            p.flush(Duration::from_secs(30)).expect("warm-up flush");
        }
        let mut t = Tally::default();
        let t0 = Instant::now();
        match pattern.as_str() {
            "window" | "backpressure" => {
                let mut inflight = FuturesOrdered::new();
                for k in keys {
                    inflight.push_back(p.send(rec(k), Timeout::Never));
                    if inflight.len() >= window {
                        t.add(inflight.next().await.expect("in flight"));
                    }
                }
                while let Some(r) = inflight.next().await {
                    t.add(r);
                }
            }
            "fwindow" => {
                // As rkafka-bench's: eager `send_result` futures in a VecDeque, awaiting the
                // oldest; on a full queue, await the oldest and retry.
                let mut inflight = std::collections::VecDeque::with_capacity(window);
                for k in keys {
                    let mut r = rec(k);
                    loop {
                        match p.send_result(r) {
                            Ok(f) => break inflight.push_back(f),
                            Err((
                                KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull),
                                back,
                            )) => {
                                r = back;
                                if let Some(f) = inflight.pop_front() {
                                    t.add(f.await.expect("delivery future"));
                                }
                            }
                            Err((e, _)) => panic!("send_result failed: {e}"),
                        }
                    }
                    if inflight.len() >= window {
                        t.add(
                            inflight
                                .pop_front()
                                .unwrap()
                                .await
                                .expect("delivery future"),
                        );
                    }
                }
                while let Some(f) = inflight.pop_front() {
                    t.add(f.await.expect("delivery future"));
                }
            }
            "join_all" => {
                for batch in keys.chunks(window) {
                    for r in futures::future::join_all(
                        batch.iter().map(|k| p.send(rec(k), Timeout::Never)),
                    )
                    .await
                    {
                        t.add(r);
                    }
                }
            }
            "in_turn" => {
                for k in keys {
                    t.add(p.send(rec(k), Timeout::Never).await);
                }
            }
            "spawn" => {
                let mut inflight = std::collections::VecDeque::with_capacity(window);
                for k in keys {
                    let p = p.clone();
                    inflight.push_back(tokio::spawn(async move {
                        p.send(rec(k), Timeout::Never).await.map_err(|(e, _)| e)
                    }));
                    if inflight.len() >= window {
                        t.add(inflight.pop_front().unwrap().await.expect("task"));
                    }
                }
                while let Some(h) = inflight.pop_front() {
                    t.add(h.await.expect("task"));
                }
            }
            _ => crate::usage(),
        }
        (t0, t)
    });
    let secs = t0.elapsed().as_secs_f64();
    let flushed = p.flush(Duration::from_secs(120)).is_ok();
    println!(
        "{{\"client\":\"C\",\"mode\":\"produce\",\"pattern\":\"{pattern}\",\"rt\":\"{rt_kind}\",\"window\":{window},\"msgs\":{count},\"delivered\":{},\"failed\":{},\"flushed\":{flushed},\"bytes\":{},\"secs\":{secs:.6},\"backpressure\":0}}",
        tally.ok,
        tally.err,
        count * size as u64,
    );
}

/// Delivery counts of the threads workload: reports run on whichever thread polls, so these
/// are atomic read-modify-writes.
#[derive(Default)]
struct SharedCounts {
    ok: AtomicU64,
    err: AtomicU64,
    target: AtomicU64,
    last: OnceLock<Instant>,
}

impl ClientContext for SharedCounts {}

impl ProducerContext for SharedCounts {
    type DeliveryOpaque = ();
    fn delivery(&self, r: &DeliveryResult<'_>, _: ()) {
        let c = if r.is_ok() { &self.ok } else { &self.err };
        c.fetch_add(1, Relaxed);
        if self.ok.load(Relaxed) + self.err.load(Relaxed) == self.target.load(Relaxed) {
            let _ = self.last.set(Instant::now());
        }
    }
}

fn threads(bootstrap: &str, topic: &'static str, count: u64, size: usize, n: usize, warmup: bool) {
    let p: Arc<BaseProducer<SharedCounts>> = Arc::new(
        producer_config(bootstrap, "5", "100000")
            .create_with_context(SharedCounts::default())
            .expect("producer"),
    );
    let payload: &'static [u8] = Vec::leak(vec![b'x'; size]);
    if warmup {
        let wkey = u64::MAX.to_be_bytes();
        p.send(BaseRecord::to(topic).payload(payload).key(&wkey[..]))
            .map_err(|(e, _)| e)
            .expect("warm-up send");
        p.flush(Duration::from_secs(30)).expect("warm-up flush");
        p.context().ok.store(0, Relaxed);
        p.context().err.store(0, Relaxed);
    }
    p.context().target.store(count, Relaxed);
    let backpressure = Arc::new(AtomicU64::new(0));
    let t0 = Instant::now();
    let workers: Vec<_> = (0..n as u64)
        .map(|w| {
            let p = p.clone();
            let backpressure = backpressure.clone();
            let (from, to) = (count * w / n as u64, count * (w + 1) / n as u64);
            std::thread::spawn(move || {
                for i in from..to {
                    let key = i.to_be_bytes();
                    let mut rec = BaseRecord::to(topic).payload(payload).key(&key[..]);
                    loop {
                        match p.send(rec) {
                            Ok(()) => break,
                            Err((
                                KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull),
                                back,
                            )) => {
                                backpressure.fetch_add(1, Relaxed);
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
            })
        })
        .collect();
    for w in workers {
        w.join().expect("producer thread");
    }
    let flushed = p.flush(Duration::from_secs(120)).is_ok();
    let ctx = p.context();
    let secs = ctx
        .last
        .get()
        .map_or(t0.elapsed(), |t| *t - t0)
        .as_secs_f64();
    println!(
        "{{\"client\":\"C\",\"mode\":\"produce\",\"pattern\":\"threads\",\"threads\":{n},\"msgs\":{count},\"delivered\":{},\"failed\":{},\"flushed\":{flushed},\"bytes\":{},\"secs\":{secs:.6},\"backpressure\":{}}}",
        ctx.ok.load(Relaxed),
        ctx.err.load(Relaxed),
        count * size as u64,
        backpressure.load(Relaxed),
    );
}

pub(crate) fn stream(a: &[String]) {
    let bootstrap: String = arg(a, 2);
    let topic: String = arg(a, 3);
    let count: u64 = arg(a, 4);
    let group: String = arg(a, 5);
    let rt_kind: String = arg(a, 6);
    let rt = runtime(&rt_kind);
    let (n, nbytes, errs, secs) = rt.block_on(async {
        let c: StreamConsumer = ClientConfig::new()
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
            match c.recv().await {
                Ok(m) => {
                    t0.get_or_insert_with(Instant::now);
                    n += 1;
                    nbytes += m.payload().map_or(0, |v| v.len()) as u64;
                }
                Err(KafkaError::PartitionEOF(_)) => {}
                Err(e) => {
                    errs += 1;
                    eprintln!("consume error: {e}");
                }
            }
        }
        let secs = t0.expect("no message consumed").elapsed().as_secs_f64();
        drop(c);
        (n, nbytes, errs, secs)
    });
    println!(
        "{{\"client\":\"C\",\"mode\":\"consume\",\"pattern\":\"stream\",\"rt\":\"{rt_kind}\",\"msgs\":{n},\"bytes\":{nbytes},\"secs\":{secs:.6},\"errors\":{errs}}}"
    );
}

/// As rkafka-bench's: every millisecond the messages due so far are sent with `send_result`;
/// each latency is from just before the call to the moment its future resolves.
pub(crate) fn latency(a: &[String]) {
    let bootstrap: String = arg(a, 2);
    let topic: &'static str = Box::leak(arg::<String>(a, 3).into_boxed_str());
    let rate: f64 = arg(a, 4);
    let secs: f64 = arg(a, 5);
    let size: usize = arg(a, 6);
    let linger: String = arg(a, 7);
    let rt_kind: String = arg(a, 8);
    let payload: &'static [u8] = Vec::leak(vec![b'x'; size]);
    let total = (rate * secs) as usize;
    let rt = runtime(&rt_kind);
    let (mut lats, failed, elapsed) = rt.block_on(async {
        let p: FutureProducer = producer_config(&bootstrap, &linger, "100000")
            .create()
            .expect("producer");
        let wkey = u64::MAX.to_be_bytes();
        p.send(
            FutureRecord::to(topic).key(&wkey[..]).payload(payload),
            Timeout::Never,
        )
        .await
        .expect("warm-up send");
        p.flush(Duration::from_secs(30)).expect("warm-up flush");
        let mut lats: Vec<Duration> = Vec::with_capacity(total);
        let mut failed = 0u64;
        let mut pending = FuturesUnordered::new();
        let mut tick = tokio::time::interval(Duration::from_millis(1));
        let start = Instant::now();
        let mut sent = 0usize;
        while lats.len() + (failed as usize) < total {
            tokio::select! {
                _ = tick.tick(), if sent < total => {
                    let due = ((start.elapsed().as_secs_f64() * rate) as usize).min(total);
                    while sent < due {
                        let key = (sent as u64).to_be_bytes();
                        let t = Instant::now();
                        let f = p
                            .send_result(FutureRecord::to(topic).key(&key[..]).payload(payload))
                            .map_err(|(e, _)| e)
                            .expect("send_result (the queue holds 100k messages)");
                        pending.push(async move { (matches!(f.await, Ok(Ok(_))), t.elapsed()) });
                        sent += 1;
                    }
                }
                Some((ok, lat)) = pending.next() => {
                    if ok { lats.push(lat) } else { failed += 1 }
                }
            }
        }
        (lats, failed, start.elapsed())
    });
    lats.sort_unstable();
    let pct = |q: f64| {
        let i = ((lats.len() as f64 * q).ceil() as usize).clamp(1, lats.len()) - 1;
        lats[i].as_secs_f64() * 1e3
    };
    println!(
        "{{\"client\":\"C\",\"mode\":\"latency\",\"rt\":\"{rt_kind}\",\"linger_ms\":{linger},\"rate\":{rate},\"msgs\":{},\"failed\":{failed},\"secs\":{:.6},\"p50_ms\":{:.3},\"p99_ms\":{:.3},\"p999_ms\":{:.3},\"max_ms\":{:.3}}}",
        lats.len(),
        elapsed.as_secs_f64(),
        pct(0.5),
        pct(0.99),
        pct(0.999),
        pct(1.0),
    );
}
