//! Consumer behaviour that needs the mock cluster: timing faults and panics.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

use rkafka::{Consumer, ErrorCode, MockCluster, Producer, Rebalance, Record, TopicPartition};

fn cluster_with(topic: &str, partitions: i32, messages: usize) -> MockCluster {
    let c = MockCluster::new(1).unwrap();
    c.create_topic(topic, partitions, 1).unwrap();
    c.set_group_initial_rebalance_delay(Duration::ZERO);
    let p = Producer::new([("bootstrap.servers", c.bootstrap_servers())]).unwrap();
    for i in 0..messages {
        p.produce(
            Record::new(topic)
                .value(&format!("m{i}"))
                .partition((i % partitions as usize) as i32),
        )
        .unwrap();
    }
    assert_eq!(p.flush(Duration::from_secs(10)), 0);
    c
}

fn base(c: &MockCluster, group: &str) -> Vec<(&'static str, String)> {
    vec![
        ("bootstrap.servers", c.bootstrap_servers().to_string()),
        ("group.id", group.to_string()),
        ("auto.offset.reset", "earliest".to_string()),
    ]
}

#[test]
fn max_poll_interval_exceeded_is_a_typed_error() {
    let c = cluster_with("maxpoll", 1, 10);
    let mut cfg = base(&c, "g-maxpoll");
    cfg.extend([
        ("session.timeout.ms", "1000".to_string()),
        ("heartbeat.interval.ms", "100".to_string()),
        ("max.poll.interval.ms", "1500".to_string()),
    ]);
    let consumer = Consumer::new(cfg).unwrap();
    consumer.subscribe(&["maxpoll"], Rebalance::new()).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        assert!(Instant::now() < deadline);
        if let Some(Ok(_)) = consumer.poll(Duration::from_millis(100)) {
            break;
        }
    }
    std::thread::sleep(Duration::from_millis(3000));
    let deadline = Instant::now() + Duration::from_secs(10);
    let err = loop {
        assert!(Instant::now() < deadline, "no _MAX_POLL_EXCEEDED");
        match consumer.poll(Duration::from_millis(100)) {
            Some(Err(e)) => break e,
            _ => continue,
        }
    };
    assert_eq!(err.code(), ErrorCode::MaxPollExceeded, "{err:?}");
}

#[test]
fn panic_in_on_assign_comes_out_of_poll_and_the_assignment_still_happens() {
    let c = cluster_with("panicassign", 2, 20);
    let consumer = Consumer::new(base(&c, "g-panic")).unwrap();
    consumer
        .subscribe(
            &["panicassign"],
            Rebalance::new().on_assign(|_, _| panic!("on_assign exploded")),
        )
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let payload = loop {
        assert!(Instant::now() < deadline, "no panic resumed");
        if let Err(p) = catch_unwind(AssertUnwindSafe(|| {
            let _ = consumer.poll(Duration::from_millis(100));
        })) {
            break p;
        }
    };
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"on_assign exploded"));
    // The automatic assign still ran, and the consumer keeps working.
    assert_eq!(consumer.assignment().unwrap().len(), 2);
    let mut n = 0;
    let deadline = Instant::now() + Duration::from_secs(20);
    while n < 20 && Instant::now() < deadline {
        if let Some(Ok(_)) = consumer.poll(Duration::from_millis(100)) {
            n += 1;
        }
    }
    assert_eq!(n, 20);
    consumer.close(Duration::from_secs(5)).unwrap();
}

#[test]
fn partition_eof_is_typed_and_says_where() {
    let c = cluster_with("eof", 1, 3);
    let mut cfg = base(&c, "g-eof");
    cfg.push(("enable.partition.eof", "true".to_string()));
    let consumer = Consumer::new(cfg).unwrap();
    consumer
        .assign(&[TopicPartition::with_offset(
            "eof",
            0,
            rkafka::Offset::Beginning,
        )])
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut values = Vec::new();
    let eof = loop {
        assert!(Instant::now() < deadline);
        match consumer.poll(Duration::from_millis(100)) {
            Some(Ok(m)) => values.push(m.value().unwrap().to_vec()),
            Some(Err(e)) => break e,
            None => {}
        }
    };
    assert_eq!(values, vec![b"m0".to_vec(), b"m1".to_vec(), b"m2".to_vec()]);
    assert_eq!(eof.code(), ErrorCode::PartitionEof);
    let tp = eof.topic_partition().expect("where");
    assert_eq!(
        (tp.topic.as_str(), tp.partition, tp.offset.value()),
        ("eof", 0, Some(3))
    );
}

#[test]
fn consume_batch_owned_messages_and_iterator() {
    let c = cluster_with("batch", 2, 300);
    let consumer = Consumer::new(base(&c, "g-batch")).unwrap();
    consumer.subscribe(&["batch"], Rebalance::new()).unwrap();
    let mut owned = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut total = 0;
    while total < 300 && Instant::now() < deadline {
        let batch = consumer.consume(100, Duration::from_millis(500)).unwrap();
        assert!(batch.len() <= 100);
        total += batch.iter().filter(|m| m.is_ok()).count();
        owned.push(batch);
    }
    assert_eq!(total, 300);
    assert!(consumer.consume(0, Duration::ZERO).is_err());
    // Batches and owned messages outlive the consumer.
    drop(consumer);
    let values: usize = owned
        .iter()
        .map(|b| {
            b.iter()
                .filter_map(|m| m.ok())
                .filter(|m| m.value().is_some())
                .count()
        })
        .sum();
    assert_eq!(values, 300);

    let consumer = Consumer::new(base(&c, "g-iter")).unwrap();
    consumer.subscribe(&["batch"], Rebalance::new()).unwrap();
    let kept: Vec<rkafka::OwnedMessage> = consumer
        .iter()
        .take(5)
        .map(|m| m.unwrap().into_owned())
        .collect();
    drop(consumer);
    assert_eq!(kept.len(), 5);
    assert!(kept.iter().all(|m| m.value().unwrap().starts_with(b"m")));
}

#[test]
fn bad_consumer_calls_are_refused_clearly() {
    let c = MockCluster::new(1).unwrap();
    let e = Consumer::new([("bootstrap.servers", c.bootstrap_servers())]).unwrap_err();
    assert_eq!(e.config_issues()[0].key, "group.id");
    assert!(
        e.str().contains("group.id") && e.str().contains("required"),
        "{e}"
    );
    let consumer = Consumer::new(base(&c, "g-bad")).unwrap();
    assert!(consumer.subscribe(&[], Rebalance::new()).is_err());
    assert!(consumer
        .subscribe(&["bad topic!"], Rebalance::new())
        .is_err());
    assert!(consumer.subscribe(&["^regex.*"], Rebalance::new()).is_ok());
    // Seek/commit on a partition that is not assigned: errors, no crash.
    assert!(consumer
        .seek(&TopicPartition::with_offset("nope", 0, 5))
        .is_err());
    assert!(consumer.commit_offsets(&[], false).is_err());
    assert!(consumer.assign(&[TopicPartition::new("", 0)]).is_err());
}

#[test]
fn commit_metadata_round_trips_into_on_assign() {
    let c = cluster_with("meta", 1, 10);
    {
        let consumer = Consumer::new(base(&c, "g-meta")).unwrap();
        let done = consumer
            .commit_offsets(
                &[TopicPartition::with_offset("meta", 0, 4).metadata("checkpoint-4")],
                false,
            )
            .unwrap();
        assert_eq!(done.unwrap()[0].offset, rkafka::Offset::At(4));
        let committed = consumer
            .committed(&[TopicPartition::new("meta", 0)], Duration::from_secs(5))
            .unwrap();
        assert_eq!(committed[0].metadata.as_deref(), Some("checkpoint-4"));
        consumer.close(Duration::from_secs(5)).unwrap();
    }
    let seen = std::sync::Arc::new(std::sync::Mutex::new(None));
    let s = seen.clone();
    let consumer = Consumer::new(base(&c, "g-meta")).unwrap();
    consumer
        .subscribe(
            &["meta"],
            Rebalance::new().on_assign(move |_, parts| *s.lock().unwrap() = Some(parts[0].clone())),
        )
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let first = loop {
        assert!(Instant::now() < deadline);
        if let Some(Ok(m)) = consumer.poll(Duration::from_millis(100)) {
            break m.offset();
        }
    };
    let tp = seen.lock().unwrap().clone().unwrap();
    assert_eq!(
        (tp.offset, tp.metadata.as_deref()),
        (rkafka::Offset::At(4), Some("checkpoint-4"))
    );
    assert_eq!(first, 4);
}

#[test]
fn lost_assignment_calls_on_lost_not_on_revoke() {
    use std::sync::{Arc, Mutex};
    let c = cluster_with("lost", 2, 10);
    let events: Arc<Mutex<Vec<String>>> = Arc::default();
    let (a, r, l) = (events.clone(), events.clone(), events.clone());
    let mut cfg = base(&c, "g-lost");
    cfg.push(("heartbeat.interval.ms", "100".to_string()));
    // The forgotten member id must expire before the group rebalances again.
    cfg.push(("session.timeout.ms", "3000".to_string()));
    let consumer = Consumer::new(cfg).unwrap();
    consumer
        .subscribe(
            &["lost"],
            Rebalance::new()
                .on_assign(move |_, p| a.lock().unwrap().push(format!("assign {}", p.len())))
                .on_revoke(move |_, p| r.lock().unwrap().push(format!("revoke {}", p.len())))
                .on_lost(move |_, p| l.lock().unwrap().push(format!("lost {}", p.len()))),
        )
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while consumer.assignment().unwrap().len() < 2 {
        assert!(Instant::now() < deadline);
        let _ = consumer.poll(Duration::from_millis(100));
    }
    // The coordinator forgets the member: the next heartbeat fails and the assignment is lost.
    c.push_request_errors(12, &[ErrorCode::UnknownMemberId]);
    let deadline = Instant::now() + Duration::from_secs(20);
    while !events.lock().unwrap().iter().any(|e| e.starts_with("lost")) {
        assert!(
            Instant::now() < deadline,
            "no on_lost: {:?}",
            events.lock().unwrap()
        );
        let _ = consumer.poll(Duration::from_millis(100));
    }
    let ev = events.lock().unwrap().clone();
    assert_eq!(ev[0], "assign 2");
    assert!(ev.contains(&"lost 2".to_string()), "{ev:?}");
    assert!(!ev.iter().any(|e| e.starts_with("revoke")), "{ev:?}");
    // And the consumer rejoins.
    while !events
        .lock()
        .unwrap()
        .iter()
        .skip(1)
        .any(|e| e.starts_with("assign"))
    {
        assert!(
            Instant::now() < deadline + Duration::from_secs(20),
            "{:?}",
            events.lock().unwrap()
        );
        let _ = consumer.poll(Duration::from_millis(100));
    }
}

#[test]
fn rebalance_closures_may_call_back_into_the_consumer() {
    use std::sync::{Arc, Mutex};
    let c = cluster_with("reenter", 2, 10);
    let log: Arc<Mutex<Vec<String>>> = Arc::default();
    let (a, r) = (log.clone(), log.clone());
    let consumer = Consumer::new(base(&c, "g-reenter")).unwrap();
    consumer
        .subscribe(
            &["reenter"],
            Rebalance::new()
                .on_assign(move |c, parts| {
                    // Calls into the same consumer from inside its callback, including a nested poll.
                    c.assign(parts).unwrap();
                    let _ = c.poll(Duration::ZERO);
                    let pos = c.position(parts).unwrap();
                    a.lock()
                        .unwrap()
                        .push(format!("assign {} {}", parts.len(), pos.len()));
                })
                .on_revoke(move |c, parts| {
                    let _ = c.assignment().unwrap();
                    r.lock().unwrap().push(format!("revoke {}", parts.len()));
                }),
        )
        .unwrap();
    let mut n = 0;
    let deadline = Instant::now() + Duration::from_secs(20);
    while n < 10 && Instant::now() < deadline {
        if let Some(Ok(_)) = consumer.poll(Duration::from_millis(100)) {
            n += 1;
        }
    }
    assert_eq!(n, 10);
    // The revoke closure still runs on close after the nested poll above.
    consumer.close(Duration::from_secs(5)).unwrap();
    assert_eq!(
        *log.lock().unwrap(),
        vec!["assign 2 2".to_string(), "revoke 2".to_string()]
    );
}
