//! Threads: one `Producer` shared by many threads, a `Consumer` moved from thread to thread,
//! callbacks on the threads the README promises, clients created and destroyed concurrently,
//! and compile-time `Send`/`Sync` assertions (positive and negative).
//!
//! The `compile_fail` doctests that reject non-`Send` closures live with the methods they
//! guard: `ProducerBuilder::on_delivery` (src/producer.rs) and the common builder method
//! `logger` (src/client.rs).

use crate::common;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

use common::{within, LogLines};
use rkafka::{
    AdminClient, BorrowedMessage, Config, Consumer, ConsumerGroupMetadata, DeliveryReport,
    KafkaError, Message, MessageBatch, MockCluster, Offset, OwnedMessage, Producer, Rebalance,
    Record, TopicPartition,
};

/// Every test finishes within this bound (a hang fails the test, not the suite).
const LIMIT: Duration = Duration::from_secs(60);

// ---------------------------------------------------------------------------------------------
// Compile-time assertions: this file does not build if a type loses (or gains) these traits.

const fn assert_send<T: Send>() {}
const fn assert_send_sync<T: Send + Sync>() {}

const _: () = {
    assert_send_sync::<Producer>();
    assert_send_sync::<AdminClient>();
    assert_send_sync::<MockCluster>();
    assert_send_sync::<KafkaError>();
    assert_send_sync::<Config>();
    assert_send_sync::<Message>();
    assert_send_sync::<TopicPartition>();
    assert_send_sync::<ConsumerGroupMetadata>();
    assert_send::<Consumer>();
    assert_send::<OwnedMessage>();
    assert_send::<MessageBatch>();
    assert_send::<Record<'static>>();
    assert_send_sync::<rkafka::Delivery>();
    #[cfg(feature = "async")]
    assert_send::<rkafka::DeliveryFuture>();
};

/// `<T as NotSync<_>>::check` resolves only when exactly one impl applies: with `T: Sync`
/// (or `Send`) both do, the call is ambiguous and the file does not compile.
trait NotSync<A> {
    fn check() {}
}
impl<T: ?Sized> NotSync<()> for T {}
struct IfSync;
impl<T: ?Sized + Sync> NotSync<IfSync> for T {}

trait NotSend<A> {
    fn check() {}
}
impl<T: ?Sized> NotSend<()> for T {}
struct IfSend;
impl<T: ?Sized + Send> NotSend<IfSend> for T {}

/// `Consumer` is not `Sync` (its callbacks run on the polling thread); a `BorrowedMessage`
/// borrows its consumer, so it cannot leave that thread; a `DeliveryReport` is only valid
/// inside the callback.
const _: () = {
    let _ = <Consumer as NotSync<_>>::check;
    let _ = <BorrowedMessage<'static> as NotSend<_>>::check;
    let _ = <DeliveryReport<'static> as NotSend<_>>::check;
    // Headers of a consumed message are parsed lazily, in place: not Sync.
    let _ = <OwnedMessage as NotSync<_>>::check;
};

// ---------------------------------------------------------------------------------------------
// A shared producer.

fn cluster(topic: &str, partitions: i32) -> MockCluster {
    let c = MockCluster::new(1).unwrap();
    c.create_topic(topic, partitions, 1).unwrap();
    c.set_group_initial_rebalance_delay(Duration::ZERO);
    c
}

#[test]
fn one_producer_shared_by_eight_threads() {
    within(LIMIT, || {
        let c = cluster("threads", 4);
        let delivered = Arc::new(AtomicUsize::new(0));
        let d = delivered.clone();
        let producer = Arc::new(
            Producer::builder([("bootstrap.servers", c.bootstrap_servers())])
                .on_delivery(move |r| {
                    assert!(r.error().is_none());
                    d.fetch_add(1, Ordering::SeqCst);
                })
                .build()
                .unwrap(),
        );
        let handles: Vec<_> = (0..8)
            .map(|t| {
                let p = producer.clone();
                thread::spawn(move || {
                    for i in 0..2000 {
                        p.produce_wait(
                            Record::new("threads").key(&format!("{t}-{i}")).value("v"),
                            Duration::from_secs(10),
                        )
                        .unwrap();
                        if i % 100 == 0 {
                            p.poll(Duration::ZERO);
                        }
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        assert_eq!(producer.flush(Duration::from_secs(30)), 0);
        assert_eq!(delivered.load(Ordering::SeqCst), 16_000);
    })
}

/// Eight threads produce with per-message closures while two other threads poll the same
/// producer: every closure runs exactly once, on a thread that was polling or flushing.
#[test]
fn per_message_closures_run_once_each_on_the_polling_threads() {
    within(LIMIT, || {
        let c = cluster("pollers", 4);
        let producer = Arc::new(
            Producer::new([
                ("bootstrap.servers", c.bootstrap_servers()),
                ("linger.ms", "2"),
            ])
            .unwrap(),
        );
        // (thread, message) -> (times its closure ran, the thread it ran on)
        type Runs = Arc<Mutex<BTreeMap<(usize, usize), (usize, ThreadId)>>>;
        let runs: Runs = Arc::default();
        let stop = Arc::new(AtomicUsize::new(0));
        let pollers: Vec<_> = (0..2)
            .map(|_| {
                let (p, stop) = (producer.clone(), stop.clone());
                thread::spawn(move || {
                    while stop.load(Ordering::SeqCst) == 0 {
                        p.poll(Duration::from_millis(5));
                    }
                    thread::current().id()
                })
            })
            .collect();
        let producers: Vec<_> = (0..8)
            .map(|t| {
                let (p, runs) = (producer.clone(), runs.clone());
                thread::spawn(move || {
                    for i in 0..500 {
                        let r = runs.clone();
                        p.produce_wait(
                            Record::new("pollers").value("v").on_delivery(move |rep| {
                                assert!(rep.error().is_none());
                                let mut r = r.lock().unwrap();
                                let e = r.entry((t, i)).or_insert((0, thread::current().id()));
                                e.0 += 1;
                            }),
                            Duration::from_secs(10),
                        )
                        .unwrap();
                    }
                    thread::current().id()
                })
            })
            .collect();
        let producer_ids: Vec<ThreadId> =
            producers.into_iter().map(|h| h.join().unwrap()).collect();
        // Let the pollers serve what is left, then stop them and flush here.
        let deadline = Instant::now() + Duration::from_secs(20);
        while runs.lock().unwrap().len() < 4000 && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(10));
        }
        stop.store(1, Ordering::SeqCst);
        let mut serving: Vec<ThreadId> = pollers.into_iter().map(|h| h.join().unwrap()).collect();
        assert_eq!(producer.flush(Duration::from_secs(20)), 0);
        serving.push(thread::current().id());
        serving.extend(&producer_ids); // produce_wait polls when the queue is full
        let runs = runs.lock().unwrap();
        assert_eq!(runs.len(), 4000, "every closure ran");
        assert!(runs.values().all(|(n, _)| *n == 1), "a closure ran twice");
        assert!(
            runs.values().all(|(_, id)| serving.contains(id)),
            "a closure ran on a thread that was not polling"
        );
    })
}

/// Producers, consumers and admin clients created, used and dropped on eight threads at once.
#[test]
fn clients_created_used_and_dropped_concurrently() {
    within(LIMIT, || {
        let c = Arc::new(cluster("many", 1));
        let handles: Vec<_> = (0..8)
            .map(|t| {
                let c = c.clone();
                thread::spawn(move || {
                    let topic = format!("many-{t}");
                    c.create_topic(&topic, 1, 1).unwrap();
                    let p = Producer::new([("bootstrap.servers", c.bootstrap_servers())]).unwrap();
                    for i in 0..100 {
                        p.produce(Record::new(&topic).value(&format!("{i}")))
                            .unwrap();
                    }
                    assert_eq!(p.flush(Duration::from_secs(20)), 0);
                    drop(p);
                    let a =
                        AdminClient::new([("bootstrap.servers", c.bootstrap_servers())]).unwrap();
                    a.list_topics(None, Duration::from_secs(10)).unwrap();
                    drop(a);
                    let consumer = Consumer::new([
                        ("bootstrap.servers", c.bootstrap_servers()),
                        ("group.id", &format!("g-{t}")),
                    ])
                    .unwrap();
                    consumer
                        .assign(&[TopicPartition::with_offset(&topic, 0, Offset::Beginning)])
                        .unwrap();
                    let mut got = Vec::new();
                    let deadline = Instant::now() + Duration::from_secs(20);
                    while got.len() < 100 && Instant::now() < deadline {
                        if let Some(Ok(m)) = consumer.poll(Duration::from_millis(100)) {
                            got.push(String::from_utf8_lossy(m.value().unwrap()).into_owned());
                        }
                    }
                    drop(consumer);
                    got
                })
            })
            .collect();
        for h in handles {
            let got = h.join().unwrap();
            assert_eq!(got, (0..100).map(|i| i.to_string()).collect::<Vec<_>>());
        }
    })
}

// ---------------------------------------------------------------------------------------------
// A consumer moved between threads.

#[test]
fn a_consumer_moved_between_threads_keeps_its_position_and_group() {
    within(LIMIT, || {
        let c = cluster("moved", 2);
        let p = Producer::new([("bootstrap.servers", c.bootstrap_servers())]).unwrap();
        for i in 0..300 {
            p.produce(Record::new("moved").partition(i % 2).value(&format!("{i}")))
                .unwrap();
        }
        assert_eq!(p.flush(Duration::from_secs(10)), 0);
        let assigned: Arc<Mutex<Vec<ThreadId>>> = Arc::default();
        let a = assigned.clone();
        let consumer = Consumer::new([
            ("bootstrap.servers", c.bootstrap_servers()),
            ("group.id", "g-moved"),
            ("auto.offset.reset", "earliest"),
            ("enable.auto.commit", "false"),
        ])
        .unwrap();
        consumer
            .subscribe_with(
                &["moved"],
                Rebalance::new()
                    .on_assign(move |_, _| a.lock().unwrap().push(thread::current().id())),
            )
            .unwrap();
        let take = |consumer: &Consumer, n: usize| -> Vec<(i32, i64)> {
            let mut out = Vec::new();
            let deadline = Instant::now() + Duration::from_secs(20);
            while out.len() < n && Instant::now() < deadline {
                if let Some(Ok(m)) = consumer.poll(Duration::from_millis(100)) {
                    out.push((m.partition(), m.offset()));
                }
            }
            out
        };
        // Thread 1 joins the group and reads 100; thread 2 reads 100 more and commits;
        // thread 3 reads the rest and closes.
        let (consumer, first, t1) = thread::spawn(move || {
            let got = take(&consumer, 100);
            (consumer, got, thread::current().id())
        })
        .join()
        .unwrap();
        let (consumer, second) = thread::spawn(move || {
            let got = take(&consumer, 100);
            consumer.commit().unwrap();
            (consumer, got)
        })
        .join()
        .unwrap();
        let (third, committed) = thread::spawn(move || {
            let got = take(&consumer, 100);
            let committed = consumer
                .committed(
                    &[
                        TopicPartition::new("moved", 0),
                        TopicPartition::new("moved", 1),
                    ],
                    Duration::from_secs(5),
                )
                .unwrap();
            consumer.close_timeout(Duration::from_secs(5)).unwrap();
            (got, committed)
        })
        .join()
        .unwrap();
        assert_eq!(
            *assigned.lock().unwrap(),
            vec![t1],
            "one assignment, on the first thread"
        );
        let mut all: Vec<(i32, i64)> = first.iter().chain(&second).chain(&third).copied().collect();
        assert_eq!(all.len(), 300);
        all.sort();
        let want: Vec<(i32, i64)> = (0..2).flat_map(|p| (0..150).map(move |o| (p, o))).collect();
        assert_eq!(
            all, want,
            "every message once, none twice, across three threads"
        );
        // The commit made on thread 2 covered exactly what threads 1 and 2 had read.
        let mut upto = [0i64; 2];
        for (p, o) in first.iter().chain(&second) {
            upto[*p as usize] = upto[*p as usize].max(o + 1);
        }
        let got: Vec<Offset> = committed.iter().map(|tp| tp.offset).collect();
        let want: Vec<Offset> = upto
            .iter()
            .map(|&o| {
                if o == 0 {
                    Offset::Invalid
                } else {
                    Offset::At(o)
                }
            })
            .collect();
        assert_eq!(got, want);
    })
}

// ---------------------------------------------------------------------------------------------
// Which thread runs which callback.

#[test]
fn callbacks_run_on_the_calling_thread_and_the_logger_on_librdkafka_threads() {
    within(LIMIT, || {
        let c = cluster("where", 1);
        let logs = LogLines::default();
        let log_threads: Arc<Mutex<Vec<String>>> = Arc::default();
        let delivery_threads: Arc<Mutex<Vec<ThreadId>>> = Arc::default();
        let (lt, dt) = (log_threads.clone(), delivery_threads.clone());
        let logger = logs.logger();
        let producer = Arc::new(
            Producer::builder([
                ("bootstrap.servers", c.bootstrap_servers()),
                ("debug", "broker"),
            ])
            .on_delivery(move |_| dt.lock().unwrap().push(thread::current().id()))
            .logger(move |r| {
                // librdkafka's threads are not Rust threads: read the OS thread name (Linux).
                let name = std::fs::read_to_string("/proc/thread-self/comm").unwrap_or_default();
                lt.lock().unwrap().push(name.trim().to_string());
                logger(r)
            })
            .build()
            .unwrap(),
        );
        for _ in 0..10 {
            producer.produce(Record::new("where").value("x")).unwrap();
        }
        // Another thread flushes: it serves every report.
        let p = producer.clone();
        let flusher = thread::spawn(move || {
            assert_eq!(p.flush(Duration::from_secs(10)), 0);
            thread::current().id()
        })
        .join()
        .unwrap();
        let dt = delivery_threads.lock().unwrap().clone();
        assert_eq!(dt, vec![flusher; 10]);
        let lt = log_threads.lock().unwrap().clone();
        assert!(!lt.is_empty());
        assert!(
            lt.iter().any(|n| n.starts_with("rdk:")),
            "the logger ran only on {lt:?}"
        );
    })
}

// ---------------------------------------------------------------------------------------------
// Clients dropped on librdkafka's own threads: librdkafka forbids rd_kafka_destroy there (it
// deadlocks, or aborts the process), so rkafka hands the destruction to another thread.

/// Waits until `cond` holds (bounded); false if it never did.
fn eventually(limit: Duration, cond: impl Fn() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while !cond() {
        if Instant::now() >= deadline {
            return false;
        }
        thread::sleep(Duration::from_millis(20));
    }
    true
}

#[test]
fn a_producer_dropped_inside_its_own_logger_is_destroyed_elsewhere() {
    within(LIMIT, || {
        let slot: Arc<Mutex<Option<Producer>>> = Arc::default();
        let dropped = Arc::new(AtomicUsize::new(0));
        let (s2, d2) = (slot.clone(), dropped.clone());
        let producer = Producer::builder([
            // Nothing listens here: librdkafka's broker thread logs the failed connects.
            ("bootstrap.servers", "127.0.0.1:1"),
            ("debug", "broker"),
        ])
        .logger(move |_line| {
            let taken = s2.lock().unwrap().take();
            if let Some(p) = taken {
                drop(p); // the last handle, on a librdkafka thread
                d2.fetch_add(1, Ordering::SeqCst);
            }
        })
        .build()
        .unwrap();
        *slot.lock().unwrap() = Some(producer);
        assert!(
            eventually(Duration::from_secs(20), || dropped.load(Ordering::SeqCst)
                == 1),
            "the drop inside the logger never returned"
        );
        // The destruction finished elsewhere: the logger closure (holding `slot`) is gone.
        assert!(
            eventually(Duration::from_secs(20), || Arc::strong_count(&slot) == 1),
            "the client was never destroyed"
        );
    })
}

#[test]
fn clients_dropped_inside_oauth_cb_are_destroyed_elsewhere() {
    within(LIMIT, || {
        let producers: Arc<Mutex<Option<Producer>>> = Arc::default();
        let consumers: Arc<Mutex<Option<Consumer>>> = Arc::default();
        let dropped = Arc::new(AtomicUsize::new(0));
        let sasl = [
            ("bootstrap.servers", "127.0.0.1:1"),
            ("security.protocol", "SASL_PLAINTEXT"),
            ("sasl.mechanisms", "OAUTHBEARER"),
            ("group.id", "g-oauth-drop"),
        ];
        let (p2, d2) = (producers.clone(), dropped.clone());
        let producer = Producer::builder(sasl[..3].iter().copied().collect::<Config>())
            .oauth_cb(move |_| {
                // Runs on librdkafka's background thread.
                if let Some(p) = p2.lock().unwrap().take() {
                    drop(p);
                    d2.fetch_add(1, Ordering::SeqCst);
                }
                Err("no token today".into())
            })
            .build()
            .unwrap();
        let (c2, d3) = (consumers.clone(), dropped.clone());
        let consumer = Consumer::builder(sasl.iter().copied().collect::<Config>())
            .oauth_cb(move |_| {
                if let Some(c) = c2.lock().unwrap().take() {
                    drop(c);
                    d3.fetch_add(1, Ordering::SeqCst);
                }
                Err("no token today".into())
            })
            .build()
            .unwrap();
        *producers.lock().unwrap() = Some(producer);
        *consumers.lock().unwrap() = Some(consumer);
        assert!(
            eventually(Duration::from_secs(20), || dropped.load(Ordering::SeqCst)
                == 2),
            "a drop inside oauth_cb never returned"
        );
        assert!(
            eventually(Duration::from_secs(20), || Arc::strong_count(&producers)
                == 1
                && Arc::strong_count(&consumers) == 1),
            "a client was never destroyed"
        );
    })
}

// ---------------------------------------------------------------------------------------------
// Waking a blocked poll from another thread (Ctrl-C handlers, shutdown).

#[test]
fn a_wakeup_handle_ends_a_blocking_poll_or_consume_on_another_thread() {
    within(LIMIT, || {
        let c = cluster("wakeup", 1);
        let conf = [
            ("bootstrap.servers", c.bootstrap_servers().to_string()),
            ("group.id", "g-wakeup".to_string()),
        ];
        let consumer = Consumer::new(conf.iter().cloned().collect::<Config>()).unwrap();
        consumer.subscribe(["wakeup"]).unwrap();
        let producer = Producer::new([("bootstrap.servers", c.bootstrap_servers())]).unwrap();
        for (call, wake) in [
            ("consumer.poll", consumer.wakeup_handle()),
            ("consumer.consume", consumer.wakeup_handle()),
            ("producer.poll", producer.wakeup_handle()),
        ] {
            let w = wake.clone();
            let waker = thread::spawn(move || {
                thread::sleep(Duration::from_millis(300));
                assert!(w.wake());
            });
            let t = Instant::now();
            match call {
                "consumer.poll" => assert!(consumer.poll(Duration::from_secs(30)).is_none()),
                "consumer.consume" => {
                    assert!(consumer
                        .consume(10, Duration::from_secs(30))
                        .unwrap()
                        .is_empty())
                }
                _ => {
                    producer.poll(Duration::from_secs(30));
                }
            }
            let took = t.elapsed();
            waker.join().unwrap();
            assert!(
                took < Duration::from_secs(5),
                "{call} returned after {took:?}"
            );
        }
        // The consumer still works after being woken: a produced message arrives.
        producer
            .produce(Record::new("wakeup").value("after"))
            .unwrap();
        assert_eq!(producer.flush(Duration::from_secs(10)), 0);
        let deadline = Instant::now() + Duration::from_secs(20);
        let got = loop {
            assert!(
                Instant::now() < deadline,
                "nothing arrived after the wake-ups"
            );
            if let Some(m) = consumer.poll(Duration::from_millis(200)) {
                break m.unwrap().value().map(<[u8]>::to_vec);
            }
        };
        assert_eq!(got.as_deref(), Some(&b"after"[..]));
        // A handle outlives its client harmlessly.
        let handle = consumer.wakeup_handle();
        drop(consumer);
        assert!(!handle.wake());
    })
}
