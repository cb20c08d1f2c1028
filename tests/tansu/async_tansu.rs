//! Async producer futures and the consumer Stream against a real broker (prebuilt tansu), on
//! two executors: tokio (multi-threaded) and `futures::executor` (a plain thread-parking
//! executor). Wake-ups come from librdkafka's queue event notification only.
#![cfg(feature = "async")]

use crate::common;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use common::{create_topic_py, unique, Tansu};
use futures::StreamExt;
use rkafka::{Config, Consumer, ErrorCode, Producer, Record};

fn consumer_config(broker: &Tansu, group: &str) -> Config {
    broker
        .group_config(group)
        .with("enable.partition.eof", "false")
}

/// Runs `f` on its own thread and fails the test if it does not finish within `limit`
/// (a lost wake-up would otherwise hang forever).
fn within<T: Send + 'static>(limit: Duration, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    let h = std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(limit) {
        Ok(v) => v,
        Err(mpsc::RecvTimeoutError::Disconnected) => match h.join() {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(()) => unreachable!("the thread sent nothing and did not panic"),
        },
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("did not finish within {limit:?} (a lost wake-up?)")
        }
    }
}

/// Produces `n` messages with keys "k{i}" synchronously; returns the (partition, offset) set.
fn produce_sync(broker: &Tansu, topic: &str, n: usize) {
    let p = Producer::new(broker.config().with("linger.ms", "5")).unwrap();
    for i in 0..n {
        let key = format!("k{i}");
        p.produce_wait(
            Record::new(topic).key(&key).value(&key),
            Duration::from_secs(30),
        )
        .unwrap();
    }
    assert_eq!(p.flush(Duration::from_secs(60)), 0);
}

#[test]
fn hundred_thousand_futures_on_tokio_all_resolve_with_offsets() {
    let broker = Tansu::plain();
    let topic = unique("async-100k");
    create_topic_py(&broker.bootstrap(), &topic, 3, &[]);
    let reports = Arc::new(AtomicUsize::new(0));
    let r2 = reports.clone();
    // A queue much smaller than the message count: `send` has to wait for room.
    let producer = Arc::new(
        Producer::builder(
            broker
                .config()
                .with("linger.ms", "5")
                .with("queue.buffering.max.messages", "5000"),
        )
        .on_delivery(move |_r| {
            r2.fetch_add(1, Ordering::SeqCst);
        })
        .build()
        .unwrap(),
    );
    let p = producer.clone();
    let topic2 = topic.clone();
    let offsets = within(Duration::from_secs(120), move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            // 90,000 through `send` (awaiting room in the 5,000-message queue) from 4
            // concurrent tasks ...
            let mut tasks = Vec::new();
            for t in 0..4 {
                let p = p.clone();
                let topic = topic2.clone();
                tasks.push(tokio::spawn(async move {
                    let values: Vec<String> =
                        (t..90_000).step_by(4).map(|i| format!("v{i}")).collect();
                    let sends = values
                        .iter()
                        .map(|v| p.send(Record::new(&topic).key(v).value(v)));
                    let results = futures::future::join_all(sends).await;
                    let mut out = Vec::new();
                    for (v, m) in values.iter().zip(results) {
                        let m = m.unwrap_or_else(|e| panic!("message {v}: {e:?}"));
                        assert_eq!(m.value(), Some(v.as_bytes()));
                        out.push((m.partition(), m.offset()));
                    }
                    out
                }));
            }
            // ... and 10,000 enqueued at once with `produce_future`, each awaited in its own task.
            let mut singles = Vec::new();
            for i in 90_000..100_000 {
                let v = format!("v{i}");
                let fut = loop {
                    match p.produce_future(Record::new(&topic2).key(&v).value(&v)) {
                        Ok(f) => break f,
                        Err(e) if e.is_queue_full() => tokio::task::yield_now().await,
                        Err(e) => panic!("{e:?}"),
                    }
                };
                singles.push(tokio::spawn(fut));
            }
            let mut offsets = Vec::new();
            for t in tasks {
                offsets.extend(t.await.unwrap());
            }
            for s in singles {
                let m = s.await.unwrap().unwrap();
                offsets.push((m.partition(), m.offset()));
            }
            offsets
        })
    });
    assert_eq!(offsets.len(), 100_000);
    let distinct: BTreeSet<_> = offsets.iter().copied().collect();
    assert_eq!(distinct.len(), 100_000, "two messages got the same offset");
    assert!(offsets.iter().all(|&(p, o)| (0..3).contains(&p) && o >= 0));
    // Every future's report also reached the producer-wide callback, exactly once.
    assert_eq!(reports.load(Ordering::SeqCst), 100_000);
    assert_eq!(producer.len(), 0);
}

#[test]
fn dropping_half_the_futures_loses_no_delivery_report() {
    let broker = Tansu::plain();
    let topic = unique("async-drop");
    create_topic_py(&broker.bootstrap(), &topic, 2, &[]);
    let reports = Arc::new(AtomicUsize::new(0));
    let r2 = reports.clone();
    let producer = Producer::builder(broker.config().with("linger.ms", "20"))
        .on_delivery(move |r| {
            assert!(r.error().is_none(), "{:?}", r.error());
            r2.fetch_add(1, Ordering::SeqCst);
        })
        .build()
        .unwrap();
    let per_message = Arc::new(AtomicUsize::new(0));
    let mut kept = Vec::new();
    for i in 0..10_000 {
        let v = format!("v{i}");
        // The tag says which message a future resolved with (the Delivery carries it back).
        let mut rec = Record::new(&topic).value(&v).tag(i);
        if i % 4 == 3 {
            // Some carry their own per-message closure too; it runs before the future resolves.
            let c = per_message.clone();
            rec = rec.on_delivery(move |r| {
                assert!(r.error().is_none());
                c.fetch_add(1, Ordering::SeqCst);
            });
        }
        let fut = producer.produce_future(rec).unwrap();
        if i % 2 == 0 {
            drop(fut); // dropped before anything was delivered
        } else {
            kept.push((i, fut));
        }
    }
    let producer = Arc::new(producer);
    let results = within(Duration::from_secs(60), move || {
        futures::executor::block_on(async move {
            let mut out = Vec::new();
            for (i, f) in kept {
                out.push((i, f.await));
            }
            out
        })
    });
    assert_eq!(results.len(), 5_000);
    for (i, r) in &results {
        let m = r.as_ref().unwrap_or_else(|e| panic!("message {i}: {e:?}"));
        assert_eq!(
            m.tag(),
            Some(*i),
            "future {i} resolved with another message's report"
        );
        assert!(m.offset() >= 0);
    }
    // The dropped futures' messages were delivered too: every report was served once (by the
    // producer's serving thread: nobody called poll or flush).
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !producer.is_empty() && std::time::Instant::now() < deadline {
        futures::executor::block_on(producer.flush_async());
    }
    // Messages with their own closure call it instead of the producer-wide callback.
    assert_eq!(per_message.load(Ordering::SeqCst), 2_500);
    assert_eq!(reports.load(Ordering::SeqCst), 7_500);
    assert_eq!(producer.len(), 0);
}

#[test]
fn send_reports_errors_and_hands_back_nothing_silently() {
    let broker = Tansu::plain();
    let producer = Producer::new(broker.config()).unwrap();
    // A record refused before it is enqueued resolves to that error at once.
    let r = futures::executor::block_on(producer.send(Record::new("bad topic name").value("x")));
    assert_eq!(r.unwrap_err().code(), ErrorCode::InvalidArg);
    // A refused produce_future gives the caller's own closure back with the record.
    let e = producer
        .produce_future(Record::new("").value("x").on_delivery(|_| {}))
        .unwrap_err();
    assert_eq!(e.error.code(), ErrorCode::InvalidArg);
    assert!(format!("{:?}", e.record).contains("DeliveryCallback"));
    // A delivery that fails (message larger than message.max.bytes) resolves to its error.
    let small = Producer::new(broker.config().with("message.max.bytes", "1000")).unwrap();
    let big = vec![b'x'; 5000];
    let r = futures::executor::block_on(small.send(Record::new("t").value(&big)));
    assert_eq!(r.unwrap_err().code(), ErrorCode::MsgSizeTooLarge);
    producer.close(Duration::from_secs(5)).unwrap();
    let r = futures::executor::block_on(producer.send(Record::new("t").value("x")));
    assert_eq!(r.unwrap_err().code(), ErrorCode::State);
}

fn stream_reads_all_exactly_once(on_tokio: bool) {
    let broker = Tansu::plain();
    let topic = unique(if on_tokio {
        "stream-tokio"
    } else {
        "stream-fut"
    });
    create_topic_py(&broker.bootstrap(), &topic, 3, &[]);
    const N: usize = 100_000;
    produce_sync(&broker, &topic, N);
    let mut consumer = Consumer::new(consumer_config(&broker, &unique("g"))).unwrap();
    consumer.subscribe(&[topic.as_str()]).unwrap();
    let body = async move {
        let mut seen = BTreeSet::new();
        let mut keys = BTreeSet::new();
        let mut stream = consumer.stream();
        while seen.len() < N {
            let m = stream
                .next()
                .await
                .expect("the stream ended early")
                .unwrap();
            assert!(
                seen.insert((m.partition(), m.offset())),
                "read twice: {}/{}",
                m.partition(),
                m.offset()
            );
            keys.insert(String::from_utf8(m.key().unwrap().to_vec()).unwrap());
            if seen.len() % 5000 == 0 {
                // The stream derefs to the consumer: commit while streaming.
                stream.commit_message(&m).unwrap();
            }
        }
        // (The stream's borrow of the consumer ends here.)
        // Nothing more arrives: the next poll times out rather than repeating a message.
        assert!(consumer.poll(Duration::from_millis(500)).is_none());
        consumer.close_timeout(Duration::from_secs(10)).unwrap();
        // A closed consumer's stream ends.
        assert!(consumer.stream().next().await.is_none());
        keys
    };
    let keys = within(Duration::from_secs(120), move || {
        if on_tokio {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap()
                // Spawned: the stream (and the consumer it borrows) must be Send.
                .block_on(async { tokio::spawn(body).await.unwrap() })
        } else {
            futures::executor::block_on(body)
        }
    });
    let want: BTreeSet<String> = (0..N).map(|i| format!("k{i}")).collect();
    assert_eq!(keys, want);
}

#[test]
fn stream_reads_everything_exactly_once_on_tokio() {
    stream_reads_all_exactly_once(true);
}

#[test]
fn stream_reads_everything_exactly_once_on_futures_executor() {
    stream_reads_all_exactly_once(false);
}

#[test]
fn stream_wakes_for_messages_produced_after_it_went_idle() {
    // The stream waits with nothing queued; a message produced later must wake it (the
    // wake-up comes from librdkafka's queue event, nobody polls).
    let broker = Tansu::plain();
    let topic = unique("stream-idle");
    create_topic_py(&broker.bootstrap(), &topic, 1, &[]);
    let mut consumer = Consumer::new(consumer_config(&broker, &unique("g"))).unwrap();
    consumer.subscribe(&[topic.as_str()]).unwrap();
    let bootstrap = broker.bootstrap();
    let t2 = topic.clone();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(8));
        let p = Producer::new(Config::from([("bootstrap.servers", bootstrap)])).unwrap();
        p.produce(Record::new(&t2).value("late")).unwrap();
        p.flush(Duration::from_secs(10));
    });
    let v = within(Duration::from_secs(60), move || {
        futures::executor::block_on(async move {
            let mut s = consumer.stream();
            let m = s.recv().await.unwrap().unwrap();
            m.value().unwrap().to_vec()
        })
    });
    assert_eq!(v, b"late");
}
