//! Consumer behaviour on the mock cluster: max.poll.interval, partition EOF, batches, commit
//! metadata, lost assignments. Panics and bad calls are in `bad_input.rs`, faults in `faults.rs`.

use crate::common;

use std::time::{Duration, Instant};

use common::{group_conf, mock_with};

use rkafka::{Consumer, ErrorCode, Rebalance, TopicPartition};

#[test]
fn max_poll_interval_exceeded_is_a_typed_error() {
    let c = mock_with("maxpoll", 1, 10);
    let mut cfg = group_conf(&c, "g-maxpoll");
    cfg.extend([
        ("session.timeout.ms", "1000".to_string()),
        ("heartbeat.interval.ms", "100".to_string()),
        ("max.poll.interval.ms", "1500".to_string()),
    ]);
    let consumer = Consumer::new(cfg).unwrap();
    consumer.subscribe(&["maxpoll"]).unwrap();
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
fn partition_eof_is_typed_and_says_where() {
    let c = mock_with("eof", 1, 3);
    let mut cfg = group_conf(&c, "g-eof");
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
    let c = mock_with("batch", 2, 300);
    let consumer = Consumer::new(group_conf(&c, "g-batch")).unwrap();
    consumer.subscribe(&["batch"]).unwrap();
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

    let consumer = Consumer::new(group_conf(&c, "g-iter")).unwrap();
    consumer.subscribe(&["batch"]).unwrap();
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
fn commit_metadata_round_trips_into_on_assign() {
    let c = mock_with("meta", 1, 10);
    {
        let consumer = Consumer::new(group_conf(&c, "g-meta")).unwrap();
        let done = consumer
            .commit_offsets(&[TopicPartition::with_offset("meta", 0, 4).metadata("checkpoint-4")])
            .unwrap();
        assert_eq!(done[0].offset, rkafka::Offset::At(4));
        let committed = consumer
            .committed(&[TopicPartition::new("meta", 0)], Duration::from_secs(5))
            .unwrap();
        assert_eq!(committed[0].metadata.as_deref(), Some("checkpoint-4"));
        consumer.close_timeout(Duration::from_secs(5)).unwrap();
    }
    let seen = std::sync::Arc::new(std::sync::Mutex::new(None));
    let s = seen.clone();
    let consumer = Consumer::new(group_conf(&c, "g-meta")).unwrap();
    consumer
        .subscribe_with(
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
    let c = mock_with("lost", 2, 10);
    let events: Arc<Mutex<Vec<String>>> = Arc::default();
    let (a, r, l) = (events.clone(), events.clone(), events.clone());
    let mut cfg = group_conf(&c, "g-lost");
    cfg.push(("heartbeat.interval.ms", "100".to_string()));
    // The forgotten member id must expire before the group rebalances again.
    cfg.push(("session.timeout.ms", "3000".to_string()));
    let consumer = Consumer::new(cfg).unwrap();
    consumer
        .subscribe_with(
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

/// `consume(n)` with `enable.partition.eof=true` must not move the position past a
/// partition's end. librdkafka 2.12.1's batch API does (librdkafka issue #4844): an EOF event
/// in a batch sets the position, and with auto offset store the stored offset, to end + 1; the
/// commit then points past the next message, which a restarted consumer never sees.
#[test]
fn consume_batches_with_partition_eof_keep_the_position_at_the_end_and_lose_nothing() {
    let c = mock_with("eofb", 1, 5);
    let mut cfg = group_conf(&c, "g-eofb");
    cfg.push(("enable.partition.eof", "true".to_string()));
    cfg.push(("enable.auto.commit", "false".to_string()));
    let consumer = Consumer::new(cfg.clone()).unwrap();
    consumer.subscribe(&["eofb"]).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let (mut seen, mut eof) = (Vec::new(), None);
    while eof.is_none() {
        assert!(Instant::now() < deadline, "no EOF; got {seen:?}");
        for m in consumer
            .consume(10, Duration::from_millis(200))
            .unwrap()
            .iter()
        {
            match m {
                Ok(m) => seen.push(m.offset()),
                Err(e) if e.code() == ErrorCode::PartitionEof => eof = e.topic_partition(),
                Err(e) => panic!("{e}"),
            }
        }
    }
    assert_eq!(seen, vec![0, 1, 2, 3, 4]);
    assert_eq!(eof.unwrap().offset, rkafka::Offset::At(5));
    let pos = consumer
        .position(&[TopicPartition::new("eofb", 0)])
        .unwrap();
    assert_eq!(pos[0].offset, rkafka::Offset::At(5), "position after EOF");
    let committed = consumer.commit().unwrap();
    assert_eq!(
        committed[0].offset,
        rkafka::Offset::At(5),
        "committed after EOF"
    );
    consumer.close().unwrap();

    // The next message lands at offset 5; the group's next consumer must get it.
    let p = rkafka::Producer::new([("bootstrap.servers", c.bootstrap_servers())]).unwrap();
    p.produce(rkafka::Record::new("eofb").value("m5").partition(0))
        .unwrap();
    assert_eq!(p.flush(Duration::from_secs(10)), 0);
    // Assigned (no group join): it starts from the group's committed offset.
    let again = Consumer::new(cfg).unwrap();
    again.assign(&[TopicPartition::new("eofb", 0)]).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let next = loop {
        assert!(
            Instant::now() < deadline,
            "the message after the commit never came"
        );
        match again.poll(Duration::from_millis(100)) {
            Some(Ok(m)) => break m.offset(),
            Some(Err(e)) if e.code() == ErrorCode::PartitionEof => {
                let at = e.topic_partition().unwrap().offset;
                assert_eq!(at, rkafka::Offset::At(6), "EOF before offset 5 was read");
            }
            Some(Err(e)) => eprintln!("second consumer: {e}"),
            None => {}
        }
    };
    assert_eq!(next, 5, "restarted at the committed offset");
}
