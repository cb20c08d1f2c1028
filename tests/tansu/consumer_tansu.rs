//! Consumer against a real broker (the prebuilt tansu), with confluent-kafka-python as the
//! other side for interop.

use crate::common;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{create_topic_py, run_python_file, unique, Tansu};
use rkafka::{
    Consumer, ErrorCode, Offset, OffsetReset, Producer, Rebalance, Record, TopicPartition,
};

/// Polls until `n` messages arrived (bounded), returning (partition, offset, key, value) in order.
/// (partition, offset, key, value, headers, timestamp) of one consumed message.
type Got = (
    i32,
    i64,
    Vec<u8>,
    Vec<u8>,
    Vec<(String, Option<Vec<u8>>)>,
    Option<i64>,
);

fn consume_n(c: &Consumer, n: usize, within: Duration) -> Vec<Got> {
    let deadline = Instant::now() + within;
    let mut out = Vec::new();
    while out.len() < n && Instant::now() < deadline {
        match c.poll(Duration::from_millis(200)) {
            None => {}
            Some(Err(e)) if e.code() == ErrorCode::PartitionEof => {}
            Some(Err(e)) => panic!("consumer error: {e:?}"),
            Some(Ok(m)) => out.push((
                m.partition(),
                m.offset(),
                m.key().unwrap_or_default().to_vec(),
                m.value().unwrap_or_default().to_vec(),
                m.headers().map(|h| h.to_owned()).unwrap_or_default(),
                m.timestamp().millis(),
            )),
        }
    }
    out
}

#[test]
fn rust_to_rust_exactly_once_in_order_per_partition() {
    let broker = Tansu::plain();
    let topic = unique("r2r");
    create_topic_py(&broker.bootstrap(), &topic, 4, &[]);
    let producer = Producer::new(broker.config().with("linger.ms", "5")).unwrap();
    let keys: Vec<String> = (0..10_000).map(|i| format!("key-{}", i % 97)).collect();
    let values: Vec<String> = (0..10_000).map(|i| format!("{i}")).collect();
    for i in 0..10_000 {
        producer
            .produce_wait(
                Record::new(&topic).key(&keys[i]).value(&values[i]),
                Duration::from_secs(30),
            )
            .unwrap();
    }
    assert_eq!(producer.flush(Duration::from_secs(60)), 0);

    let consumer = Consumer::new(broker.group_config(&unique("g"))).unwrap();
    consumer.subscribe(&[&topic]).unwrap();
    let got = consume_n(&consumer, 10_000, Duration::from_secs(120));
    assert_eq!(got.len(), 10_000);
    // Exactly once: every value once.
    let mut seen = vec![false; 10_000];
    for (_, _, _, v, _, _) in &got {
        let i: usize = std::str::from_utf8(v).unwrap().parse().unwrap();
        assert!(!seen[i], "message {i} twice");
        seen[i] = true;
    }
    // In order per partition: offsets strictly increase, and for one key (one partition) the
    // values come in production order.
    let mut last: HashMap<i32, i64> = HashMap::new();
    let mut per_key: HashMap<Vec<u8>, usize> = HashMap::new();
    for (p, o, k, v, _, _) in &got {
        if let Some(prev) = last.insert(*p, *o) {
            assert!(*o > prev, "partition {p}: offset {o} after {prev}");
        }
        let i: usize = std::str::from_utf8(v).unwrap().parse().unwrap();
        if let Some(prev) = per_key.insert(k.clone(), i) {
            assert!(i > prev, "key order broken");
        }
    }
    // Nothing more arrives.
    assert!(consume_n(&consumer, 1, Duration::from_secs(2)).is_empty());
    consumer.close_timeout(Duration::from_secs(10)).unwrap();
}

#[test]
fn python_to_rust_with_headers_and_timestamps() {
    let broker = Tansu::plain();
    let topic = unique("py2r");
    create_topic_py(&broker.bootstrap(), &topic, 3, &[]);
    const TS: i64 = 1_650_000_000_000;
    run_python_file(
        "produce_all.py",
        &[&broker.bootstrap(), &topic, "10000", &TS.to_string()],
    );
    let consumer = Consumer::new(broker.group_config(&unique("g"))).unwrap();
    consumer.subscribe(&[&topic]).unwrap();
    let got = consume_n(&consumer, 10_000, Duration::from_secs(120));
    assert_eq!(got.len(), 10_000);
    let mut seen = vec![false; 10_000];
    let mut last: HashMap<i32, i64> = HashMap::new();
    for (p, o, k, v, h, ts) in &got {
        let i: usize = std::str::from_utf8(&h[0].1.clone().unwrap())
            .unwrap()
            .parse()
            .unwrap();
        assert!(!seen[i]);
        seen[i] = true;
        assert_eq!(k, format!("pykey-{i}").as_bytes());
        let mut want = format!("pyvalue-{i}-").into_bytes();
        want.extend_from_slice(&[0, 0xff]);
        assert_eq!(v, &want);
        assert_eq!(
            h,
            &vec![
                ("idx".into(), Some(i.to_string().into_bytes())),
                ("py".into(), Some(vec![1, 2]))
            ]
        );
        assert_eq!(*ts, Some(TS + i as i64));
        if let Some(prev) = last.insert(*p, *o) {
            assert!(*o > prev);
        }
    }
    consumer.close_timeout(Duration::from_secs(10)).unwrap();
}

#[derive(Debug, Clone, PartialEq)]
enum Ev {
    Assign(Vec<i32>),
    Revoke(Vec<i32>),
}

fn recorder(events: &Arc<Mutex<Vec<Ev>>>) -> Rebalance {
    let (a, r) = (events.clone(), events.clone());
    Rebalance::new()
        .on_assign(move |_, parts| {
            a.lock()
                .unwrap()
                .push(Ev::Assign(parts.iter().map(|p| p.partition).collect()))
        })
        .on_revoke(move |_, parts| {
            r.lock()
                .unwrap()
                .push(Ev::Revoke(parts.iter().map(|p| p.partition).collect()))
        })
}

fn poll_both_until(
    a: &Consumer,
    b: Option<&Consumer>,
    within: Duration,
    mut done: impl FnMut() -> bool,
) {
    let deadline = Instant::now() + within;
    while !done() {
        assert!(
            Instant::now() < deadline,
            "rebalance did not settle within {within:?}"
        );
        let _ = a.poll(Duration::from_millis(50));
        if let Some(b) = b {
            let _ = b.poll(Duration::from_millis(50));
        }
    }
}

fn assigned(c: &Consumer) -> Vec<i32> {
    let mut v: Vec<i32> = c
        .assignment()
        .unwrap()
        .iter()
        .map(|p| p.partition)
        .collect();
    v.sort();
    v
}

fn two_consumers_split_and_rebalance(strategy: &str) {
    let broker = Tansu::plain();
    let topic = unique("split");
    create_topic_py(&broker.bootstrap(), &topic, 4, &[]);
    let group = unique("g");
    let cfg = broker
        .group_config(&group)
        .with("partition.assignment.strategy", strategy);
    type Events = Arc<Mutex<Vec<Ev>>>;
    let (ea, eb): (Events, Events) = Default::default();
    let a = Consumer::new(cfg.clone()).unwrap();
    a.subscribe_with(&[&topic], recorder(&ea)).unwrap();
    poll_both_until(&a, None, Duration::from_secs(60), || {
        assigned(&a).len() == 4
    });
    let cooperative = strategy == "cooperative-sticky";
    assert_eq!(
        a.rebalance_protocol(),
        if cooperative { "COOPERATIVE" } else { "EAGER" }
    );

    let b = Consumer::new(cfg).unwrap();
    b.subscribe_with(&[&topic], recorder(&eb)).unwrap();
    poll_both_until(&a, Some(&b), Duration::from_secs(90), || {
        assigned(&a).len() == 2 && assigned(&b).len() == 2
    });
    let mut all = assigned(&a);
    all.extend(assigned(&b));
    all.sort();
    assert_eq!(all, vec![0, 1, 2, 3], "the 4 partitions are split");

    // B leaves: its revoke closure runs during close, and A gets everything back.
    b.close_timeout(Duration::from_secs(20)).unwrap();
    assert!(
        eb.lock()
            .unwrap()
            .iter()
            .any(|e| matches!(e, Ev::Revoke(p) if p.len() == 2)),
        "{:?}",
        eb.lock().unwrap()
    );
    poll_both_until(&a, None, Duration::from_secs(90), || {
        assigned(&a).len() == 4
    });

    let ea = ea.lock().unwrap().clone();
    assert_eq!(ea[0], Ev::Assign(vec![0, 1, 2, 3]));
    if cooperative {
        // Incremental: A only ever gives up the 2 partitions B takes, and gets them back.
        assert!(
            ea.iter()
                .any(|e| matches!(e, Ev::Revoke(p) if p.len() == 2)),
            "{ea:?}"
        );
        assert!(
            !ea.iter()
                .any(|e| matches!(e, Ev::Revoke(p) if p.len() == 4)),
            "{ea:?}"
        );
    } else {
        // Eager: everything revoked, then 2 assigned, then (after B left) revoked and all 4.
        assert!(
            ea.iter()
                .any(|e| matches!(e, Ev::Revoke(p) if p.len() == 4)),
            "{ea:?}"
        );
        assert!(
            ea.iter()
                .any(|e| matches!(e, Ev::Assign(p) if p.len() == 2)),
            "{ea:?}"
        );
    }
    assert!(matches!(ea.last(), Some(Ev::Assign(_))));
    a.close_timeout(Duration::from_secs(20)).unwrap();
}

#[test]
fn two_consumers_split_four_partitions_eager() {
    two_consumers_split_and_rebalance("range");
}

#[test]
fn two_consumers_split_four_partitions_cooperative_sticky() {
    two_consumers_split_and_rebalance("cooperative-sticky");
}

#[test]
fn on_assign_shows_committed_offsets_and_can_set_the_start() {
    let broker = Tansu::plain();
    let topic = unique("committed");
    create_topic_py(&broker.bootstrap(), &topic, 2, &[]);
    let producer = Producer::new(broker.config()).unwrap();
    let values: Vec<String> = (0..40).map(|i| format!("v{i}")).collect();
    for (i, v) in values.iter().enumerate() {
        producer
            .produce(Record::new(&topic).value(v).partition((i % 2) as i32))
            .unwrap();
    }
    assert_eq!(producer.flush(Duration::from_secs(30)), 0);
    let group = unique("g");
    // A first member commits offset 7 on partition 0 only.
    {
        let c = Consumer::new(
            broker
                .group_config(&group)
                .with("enable.auto.commit", "false"),
        )
        .unwrap();
        c.commit_offsets(&[TopicPartition::with_offset(&topic, 0, 7).metadata("checkpoint")])
            .unwrap();
        c.close_timeout(Duration::from_secs(10)).unwrap();
    }
    type Seen = Arc<Mutex<BTreeMap<i32, (Offset, Option<String>)>>>;
    let seen: Seen = Arc::default();
    let s = seen.clone();
    let c = Consumer::new(broker.group_config(&group)).unwrap();
    c.subscribe_with(
        &[&topic],
        Rebalance::new().on_assign(move |_c, parts| {
            for p in parts.iter_mut() {
                s.lock()
                    .unwrap()
                    .insert(p.partition, (p.offset, p.metadata.clone()));
                // Like the seed's my_on_assign: start partition 1 at offset 15.
                if p.partition == 1 {
                    p.offset = Offset::At(15);
                }
            }
        }),
    )
    .unwrap();
    // Partition 0 from 7 (13 messages) and partition 1 from 15 (5 messages).
    let got = consume_n(&c, 13 + 5, Duration::from_secs(60));
    assert_eq!(got.len(), 18);
    let seen = seen.lock().unwrap().clone();
    // tansu does not keep commit metadata (confluent-kafka-python reads None back too); the
    // metadata round trip is checked on the mock cluster (tests/mock/consumer_mock.rs).
    assert_eq!(seen[&0].0, Offset::At(7), "committed offset, not -1001");
    assert_eq!(seen[&1].0, Offset::NoCommit(OffsetReset::Earliest));
    let first: BTreeMap<i32, i64> = got.iter().fold(BTreeMap::new(), |mut m, (p, o, ..)| {
        m.entry(*p).or_insert(*o);
        m
    });
    assert_eq!(first[&0], 7, "partition 0 resumes at the committed offset");
    assert_eq!(first[&1], 15, "partition 1 starts where on_assign set it");
    c.close_timeout(Duration::from_secs(10)).unwrap();
}

/// `consume(n)` by value (Python: `for msg in consumer.consume(n, t)`): every message once, as
/// an owned message that outlives the batch, the consumer's close and its thread; `_PARTITION_EOF`
/// entries come through as errors naming their partition.
#[test]
fn consume_batch_by_value_hands_out_messages_that_outlive_the_consumer() {
    let broker = Tansu::plain();
    let topic = unique("byval");
    create_topic_py(&broker.bootstrap(), &topic, 2, &[]);
    let producer = Producer::new(broker.config().with("linger.ms", "5")).unwrap();
    let values: Vec<String> = (0..2_000).map(|i| format!("v{i}")).collect();
    for (i, v) in values.iter().enumerate() {
        producer
            .produce_wait(
                Record::new(&topic).value(v).partition((i % 2) as i32),
                Duration::from_secs(30),
            )
            .unwrap();
    }
    assert_eq!(producer.flush(Duration::from_secs(60)), 0);

    let consumer = Consumer::new(
        broker
            .group_config(&unique("g"))
            .with("enable.partition.eof", "true"),
    )
    .unwrap();
    consumer.subscribe(&[&topic]).unwrap();
    let mut kept: Vec<rkafka::OwnedMessage> = Vec::new();
    let mut eof_partitions = std::collections::BTreeSet::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while (kept.len() < 2_000 || eof_partitions.len() < 2) && Instant::now() < deadline {
        let batch = consumer.consume(64, Duration::from_millis(200)).unwrap();
        let entries = batch.into_iter();
        assert!(entries.len() <= 64);
        for entry in entries {
            match entry {
                Ok(m) => kept.push(m),
                Err(e) => {
                    assert_eq!(e.code(), ErrorCode::PartitionEof, "{e:?}");
                    let tp = e.topic_partition().expect("an EOF names its partition");
                    assert_eq!(tp.topic, topic);
                    eof_partitions.insert(tp.partition);
                }
            }
        }
    }
    consumer.close_timeout(Duration::from_secs(10)).unwrap();
    drop(consumer);
    assert_eq!(eof_partitions.into_iter().collect::<Vec<_>>(), vec![0, 1]);
    // The messages are Send and still readable on another thread.
    let (count, seen) = std::thread::spawn(move || {
        let mut seen = vec![0u32; 2_000];
        let mut last: HashMap<i32, i64> = HashMap::new();
        for m in &kept {
            let v = std::str::from_utf8(m.value().unwrap()).unwrap();
            let i: usize = v[1..].parse().unwrap();
            assert_eq!(m.partition(), (i % 2) as i32);
            if let Some(prev) = last.insert(m.partition(), m.offset()) {
                assert!(m.offset() > prev, "offsets out of order");
            }
            seen[i] += 1;
        }
        (kept.len(), seen)
    })
    .join()
    .unwrap();
    assert_eq!(count, 2_000);
    assert!(seen.iter().all(|&n| n == 1), "a message missing or twice");
}
