//! The async workloads of client D (bench/README.md, "Async workloads"): rkafka's `send`,
//! `produce_future` and `MessageStream` on tokio, 4 threads sharing one producer, and latency at
//! a fixed rate. rust-rdkafka-bench has the same workloads with the same arguments, the same
//! configuration and the same JSON line.
//!
//! ```text
//! rkafka-bench async <pattern> <bootstrap> <topic> <count> <size> <window> <rt ct|mt> <warmup 0|1>
//!     window        `send` futures in a FuturesOrdered, at most <window> in flight, awaiting the oldest
//!     fwindow       the window without a combinator: eager `produce_future`s in a VecDeque,
//!                   awaiting the oldest (rust-rdkafka: `send_result`)
//!     join_all      `join_all` of batches of <window> `send` futures
//!     spawn         one tokio task per `send`, at most <window> tasks in flight, awaiting the oldest
//!     in_turn       await each `send` before the next (linger.ms=0: each message waits for its ack)
//!     pfuture       one tokio task per `produce_future` (DeliveryFuture), as spawn
//!     backpressure  window, run with a window larger than queue.buffering.max.messages
//!     threads       <window> OS threads sharing one producer, synchronous `produce` with a
//!                   per-message closure (no runtime)
//! rkafka-bench stream <bootstrap> <topic> <count> <group> <rt ct|mt>
//! rkafka-bench latency <bootstrap> <topic> <rate msgs/s> <secs> <size> <linger.ms> <rt ct|mt>
//! ```
//!
//! The payload is handed over in place (`Record::value_static`), as client D and A do. The
//! produce rate is measured from the first send to the last delivery future resolving.
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use futures::stream::{FuturesOrdered, FuturesUnordered, StreamExt};
use rkafka::{Config, Consumer, ErrorCode, Producer, Record};

use crate::arg;

/// The producer configuration of every produce workload of the harness; `linger` differs for
/// in_turn and latency only.
pub(crate) fn producer_config(bootstrap: &str, linger: &str, queue: &str) -> Config {
    Config::from([
        ("bootstrap.servers", bootstrap),
        ("linger.ms", linger),
        ("batch.num.messages", "10000"),
        ("acks", "1"),
        ("compression.codec", "none"),
        ("message.send.max.retries", "3"),
        ("retry.backoff.ms", "500"),
        ("queue.buffering.max.messages", queue),
        ("queue.buffering.max.kbytes", "1048576"),
    ])
}

pub(crate) fn runtime(kind: &str) -> tokio::runtime::Runtime {
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

/// Outcomes of the delivery futures (only the task awaiting them writes these).
#[derive(Default)]
struct Tally {
    ok: u64,
    err: u64,
}

impl Tally {
    fn add<T, E: std::fmt::Display>(&mut self, r: Result<T, E>) {
        match r {
            Ok(_) => self.ok += 1,
            Err(e) => {
                if self.err == 0 {
                    eprintln!("delivery failed: {e}");
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
    let p = Producer::new(producer_config(&bootstrap, linger, queue)).expect("producer");
    let payload: &'static [u8] = Vec::leak(vec![b'x'; size]);
    // Keys outlive the futures that borrow them (rust-rdkafka-bench does the same).
    let keys: Vec<[u8; 8]> = (0..count).map(u64::to_be_bytes).collect();
    let rt = runtime(&rt_kind);
    let rec = |k: &'static [u8; 8]| Record::new(topic).key(k).value_static(payload);
    let keys: &'static [[u8; 8]] = Vec::leak(keys);
    let (t0, tally, backpressure) = rt.block_on(async {
        if warmup {
            let wkey = u64::MAX.to_be_bytes();
            p.send(Record::new(topic).key(&wkey).value(payload))
                .await
                .expect("warm-up send");
            p.flush_async().await;
        }
        let mut t = Tally::default();
        let mut backpressure = 0u64;
        let t0 = Instant::now();
        match pattern.as_str() {
            "window" | "backpressure" => {
                let mut inflight = FuturesOrdered::new();
                for k in keys {
                    inflight.push_back(p.send(rec(k)));
                    if inflight.len() >= window {
                        t.add(inflight.next().await.expect("in flight"));
                    }
                }
                while let Some(r) = inflight.next().await {
                    t.add(r);
                }
            }
            "fwindow" => {
                // The window without a combinator: eager `produce_future`s in a VecDeque,
                // awaiting the oldest (what the async path itself costs).
                let mut inflight = std::collections::VecDeque::with_capacity(window);
                for k in keys {
                    let mut r = rec(k);
                    loop {
                        match p.produce_future(r) {
                            Ok(f) => break inflight.push_back(f),
                            Err(e) if e.is_queue_full() => {
                                backpressure += 1;
                                r = e.record;
                                if let Some(f) = inflight.pop_front() {
                                    t.add(f.await);
                                }
                            }
                            Err(e) => panic!("produce_future failed: {e}"),
                        }
                    }
                    if inflight.len() >= window {
                        t.add(inflight.pop_front().unwrap().await);
                    }
                }
                while let Some(f) = inflight.pop_front() {
                    t.add(f.await);
                }
            }
            "join_all" => {
                for batch in keys.chunks(window) {
                    for r in futures::future::join_all(batch.iter().map(|k| p.send(rec(k)))).await {
                        t.add(r);
                    }
                }
            }
            "in_turn" => {
                for k in keys {
                    t.add(p.send(rec(k)).await);
                }
            }
            "spawn" => {
                let mut inflight = std::collections::VecDeque::with_capacity(window);
                for k in keys {
                    let p = p.clone();
                    inflight.push_back(tokio::spawn(async move {
                        p.send(rec(k)).await.map(|d| d.delivery())
                    }));
                    if inflight.len() >= window {
                        t.add(inflight.pop_front().unwrap().await.expect("task"));
                    }
                }
                while let Some(h) = inflight.pop_front() {
                    t.add(h.await.expect("task"));
                }
            }
            "pfuture" => {
                let mut inflight = std::collections::VecDeque::with_capacity(window);
                for k in keys {
                    let mut r = rec(k);
                    loop {
                        match p.produce_future(r) {
                            Ok(f) => {
                                inflight.push_back(tokio::spawn(f));
                                break;
                            }
                            // produce_future does not wait for room: free some by awaiting
                            // the oldest, and count the retry.
                            Err(e) if e.is_queue_full() => {
                                backpressure += 1;
                                r = e.record;
                                if let Some(h) = inflight.pop_front() {
                                    t.add(h.await.expect("task"));
                                }
                            }
                            Err(e) => panic!("produce_future failed: {e}"),
                        }
                    }
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
        (t0, t, backpressure)
    });
    let secs = t0.elapsed().as_secs_f64();
    let left = p.flush(Duration::from_secs(120));
    println!(
        "{{\"client\":\"D\",\"mode\":\"produce\",\"pattern\":\"{pattern}\",\"rt\":\"{rt_kind}\",\"window\":{window},\"msgs\":{count},\"delivered\":{},\"failed\":{},\"remaining\":{left},\"bytes\":{},\"secs\":{secs:.6},\"backpressure\":{backpressure}}}",
        tally.ok,
        tally.err,
        count * size as u64,
    );
}

static T_OK: AtomicU64 = AtomicU64::new(0);
static T_ERR: AtomicU64 = AtomicU64::new(0);
static T_TARGET: AtomicU64 = AtomicU64::new(u64::MAX);
static T_LAST: OnceLock<Instant> = OnceLock::new();

/// `threads` OS threads sharing one producer (a clone of the handle each), each producing its
/// share synchronously with a per-message closure and polling every 1000 messages. Reports run
/// on whichever thread polls, so the counters are atomic read-modify-writes here.
fn threads(bootstrap: &str, topic: &'static str, count: u64, size: usize, n: usize, warmup: bool) {
    let p = Producer::new(producer_config(bootstrap, "5", "100000")).expect("producer");
    let payload: &'static [u8] = Vec::leak(vec![b'x'; size]);
    if warmup {
        let wkey = u64::MAX.to_be_bytes();
        p.produce_wait(
            Record::new(topic).key(&wkey).value(payload),
            Duration::from_secs(30),
        )
        .expect("warm-up produce");
        assert_eq!(p.flush(Duration::from_secs(30)), 0, "warm-up flush");
    }
    T_TARGET.store(count, Relaxed);
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
                    let mut rec = Record::new(topic)
                        .key(&key)
                        .value_static(payload)
                        .on_delivery(|rep| {
                            let c = if rep.error().is_some() { &T_ERR } else { &T_OK };
                            c.fetch_add(1, Relaxed);
                            if T_OK.load(Relaxed) + T_ERR.load(Relaxed) == T_TARGET.load(Relaxed) {
                                let _ = T_LAST.set(Instant::now());
                            }
                        });
                    loop {
                        match p.try_produce(rec) {
                            Ok(()) => break,
                            Err(e) if e.is_queue_full() => {
                                backpressure.fetch_add(1, Relaxed);
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
            })
        })
        .collect();
    for w in workers {
        w.join().expect("producer thread");
    }
    let left = p.flush(Duration::from_secs(120));
    let secs = T_LAST.get().map_or(t0.elapsed(), |t| *t - t0).as_secs_f64();
    println!(
        "{{\"client\":\"D\",\"mode\":\"produce\",\"pattern\":\"threads\",\"threads\":{n},\"msgs\":{count},\"delivered\":{},\"failed\":{},\"remaining\":{left},\"bytes\":{},\"secs\":{secs:.6},\"backpressure\":{}}}",
        T_OK.load(Relaxed),
        T_ERR.load(Relaxed),
        count * size as u64,
        backpressure.load(Relaxed),
    );
}

/// The consumer's `MessageStream` on tokio, `recv().await` in a loop (same consumer
/// configuration as the synchronous consume workload).
pub(crate) fn stream(a: &[String]) {
    let bootstrap: String = arg(a, 2);
    let topic: String = arg(a, 3);
    let count: u64 = arg(a, 4);
    let group: String = arg(a, 5);
    let rt_kind: String = arg(a, 6);
    let mut c = Consumer::new(crate::consumer_config(&bootstrap, &group)).expect("consumer");
    c.subscribe(&[topic.as_str()]).expect("subscribe");
    let rt = runtime(&rt_kind);
    let (n, nbytes, errs, secs) = rt.block_on(async {
        let mut s = c.stream();
        let (mut n, mut nbytes, mut errs) = (0u64, 0u64, 0u64);
        let mut t0: Option<Instant> = None;
        while n < count {
            match s.recv().await {
                None => break,
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
        let secs = t0.expect("no message consumed").elapsed().as_secs_f64();
        (n, nbytes, errs, secs)
    });
    let close = c.close();
    println!(
        "{{\"client\":\"D\",\"mode\":\"consume\",\"pattern\":\"stream\",\"rt\":\"{rt_kind}\",\"msgs\":{n},\"bytes\":{nbytes},\"secs\":{secs:.6},\"errors\":{errs},\"close_ok\":{}}}",
        close.is_ok(),
    );
}

/// Latency at a fixed rate: every millisecond the messages due so far are produced with
/// `produce_future`; each latency is from just before the produce call to the moment its
/// future resolves in the awaiting task. Prints p50/p99/p99.9/max in ms.
pub(crate) fn latency(a: &[String]) {
    let bootstrap: String = arg(a, 2);
    let topic: &'static str = Box::leak(arg::<String>(a, 3).into_boxed_str());
    let rate: f64 = arg(a, 4);
    let secs: f64 = arg(a, 5);
    let size: usize = arg(a, 6);
    let linger: String = arg(a, 7);
    let rt_kind: String = arg(a, 8);
    let p = Producer::new(producer_config(&bootstrap, &linger, "100000")).expect("producer");
    let payload: &'static [u8] = Vec::leak(vec![b'x'; size]);
    let total = (rate * secs) as usize;
    let rt = runtime(&rt_kind);
    let (mut lats, failed, elapsed) = rt.block_on(async {
        let wkey = u64::MAX.to_be_bytes();
        p.send(Record::new(topic).key(&wkey).value(payload))
            .await
            .expect("warm-up send");
        p.flush_async().await;
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
                            .produce_future(Record::new(topic).key(&key).value_static(payload))
                            .expect("produce_future (the queue holds 100k messages)");
                        pending.push(async move { (f.await.is_ok(), t.elapsed()) });
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
    print_latency("D", &rt_kind, &linger, rate, &mut lats, failed, elapsed);
}

pub(crate) fn print_latency(
    client: &str,
    rt: &str,
    linger: &str,
    rate: f64,
    lats: &mut [Duration],
    failed: u64,
    elapsed: Duration,
) {
    lats.sort_unstable();
    let pct = |q: f64| {
        let i = ((lats.len() as f64 * q).ceil() as usize).clamp(1, lats.len()) - 1;
        lats[i].as_secs_f64() * 1e3
    };
    println!(
        "{{\"client\":\"{client}\",\"mode\":\"latency\",\"rt\":\"{rt}\",\"linger_ms\":{linger},\"rate\":{rate},\"msgs\":{},\"failed\":{failed},\"secs\":{:.6},\"p50_ms\":{:.3},\"p99_ms\":{:.3},\"p999_ms\":{:.3},\"max_ms\":{:.3}}}",
        lats.len(),
        elapsed.as_secs_f64(),
        pct(0.5),
        pct(0.99),
        pct(0.999),
        pct(1.0),
    );
}
