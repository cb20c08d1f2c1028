//! Producer behaviour on librdkafka's mock cluster: a full queue, and a producer dropped with
//! messages queued. Faults, bad input, secrets and threads have their own files (`faults.rs`,
//! `bad_input.rs`, `security.rs`, `threads.rs`).

use crate::common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rkafka::{ErrorCode, MockCluster, Producer, Record};

fn cluster(topic: &str, partitions: i32) -> MockCluster {
    let c = MockCluster::new(1).unwrap();
    c.create_topic(topic, partitions, 1).unwrap();
    c
}

#[test]
fn queue_full_hands_the_record_back_and_produce_wait_is_bounded() {
    let c = cluster("qfull", 1);
    let producer = Producer::new([
        ("bootstrap.servers", c.bootstrap_servers()),
        ("queue.buffering.max.messages", "10"),
        ("message.timeout.ms", "3000"),
        // librdkafka 2.12.1 scans a partition's queue for timed-out messages at most once a
        // second and, while its leader is down, only when the broker thread wakes: with the
        // default reconnect backoff (up to 10 s) a message can outlive message.timeout.ms by
        // that long. Waking the thread every second keeps the timeouts near 3 s.
        ("reconnect.backoff.max.ms", "1000"),
    ])
    .unwrap();
    producer
        .list_topics(Some("qfull"), Duration::from_secs(5))
        .unwrap();
    c.broker_down(1).unwrap();
    for i in 0..10 {
        producer
            .produce(Record::new("qfull").value(&format!("{i}")))
            .unwrap();
    }
    let value = b"eleventh".to_vec();
    let err = producer
        .try_produce(Record::new("qfull").key("k").value(&value))
        .unwrap_err();
    assert!(err.is_queue_full());
    assert_eq!(err.error.code(), ErrorCode::QueueFull);
    assert_eq!(err.record.topic_name(), "qfull");
    let t = Instant::now();
    let err = producer
        .produce_wait(err.record, Duration::from_millis(300))
        .unwrap_err();
    assert!(err.is_queue_full());
    assert!(
        t.elapsed() >= Duration::from_millis(300) && t.elapsed() < Duration::from_secs(3),
        "{:?}",
        t.elapsed()
    );
    // Once messages time out there is room again: produce_wait succeeds.
    producer
        .produce_wait(err.record, Duration::from_secs(10))
        .unwrap();
    let _ = producer.close(Duration::from_millis(100));
}

#[test]
fn drop_with_queued_messages_warns_and_runs_every_closure() {
    let cap = common::captured_logs();
    let c = cluster("dropq", 1);
    let producer = Producer::new([("bootstrap.servers", c.bootstrap_servers())]).unwrap();
    let name = producer.name().to_string();
    producer
        .list_topics(Some("dropq"), Duration::from_secs(5))
        .unwrap();
    c.broker_down(1).unwrap();
    let called = Arc::new(AtomicUsize::new(0));
    for _ in 0..7 {
        let k = called.clone();
        producer
            .produce(Record::new("dropq").value("x").on_delivery(move |r| {
                assert!(r.error().is_some());
                k.fetch_add(1, Ordering::SeqCst);
            }))
            .unwrap();
    }
    drop(producer);
    assert_eq!(
        called.load(Ordering::SeqCst),
        7,
        "every closure ran with a failure"
    );
    let logs = cap.messages();
    assert!(
        logs.iter()
            .any(|m| m.contains(&name) && m.contains("dropped with 7 message(s) not delivered")),
        "no warning naming the count: {:?}",
        logs.iter()
            .filter(|m| m.contains("dropped"))
            .collect::<Vec<_>>()
    );
}
