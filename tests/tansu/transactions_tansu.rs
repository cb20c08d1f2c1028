//! Transactions against a real broker (the prebuilt tansu: EndTxn and TxnOffsetCommit work; it
//! does not hide aborted records from read_committed readers, see README).

use crate::common;

use std::time::{Duration, Instant};

use common::{create_topic_py, unique, Tansu};
use rkafka::{Config, Consumer, ErrorCode, Offset, Producer, Record, TopicPartition};

fn consumer(broker: &Tansu, group: &str, extra: &[(&str, &str)]) -> Consumer {
    let mut c: Config = broker
        .config()
        .with("group.id", group)
        .with("auto.offset.reset", "earliest")
        .with("session.timeout.ms", "6000")
        .with("enable.auto.commit", "false");
    c.extend(extra.iter().copied());
    Consumer::new(c).unwrap()
}

fn drain(c: &Consumer, n: usize, within: Duration) -> Vec<(i32, i64, String)> {
    let deadline = Instant::now() + within;
    let mut out = Vec::new();
    while out.len() < n && Instant::now() < deadline {
        if let Some(Ok(m)) = c.poll(Duration::from_millis(200)) {
            out.push((
                m.partition(),
                m.offset(),
                String::from_utf8_lossy(m.value().unwrap_or_default()).into_owned(),
            ));
        }
    }
    out
}

#[test]
fn committed_transaction_is_visible_to_read_committed() {
    let broker = Tansu::plain();
    let topic = unique("txn-out");
    create_topic_py(&broker.bootstrap(), &topic, 2, &[]);
    let producer = Producer::new(broker.config().with("transactional.id", unique("tid"))).unwrap();
    producer.init_transactions(Duration::from_secs(30)).unwrap();
    producer.begin_transaction().unwrap();
    for i in 0..100 {
        producer
            .produce(
                Record::new(&topic)
                    .key(&format!("k{i}"))
                    .value(&format!("v{i}")),
            )
            .unwrap();
    }
    producer
        .commit_transaction(Duration::from_secs(30))
        .unwrap();
    assert!(producer.is_empty());
    let c = consumer(
        &broker,
        &unique("g"),
        &[("isolation.level", "read_committed")],
    );
    c.subscribe(&[&topic]).unwrap();
    let got = drain(&c, 100, Duration::from_secs(60));
    let mut values: Vec<String> = got.into_iter().map(|(_, _, v)| v).collect();
    values.sort_by_key(|v| v[1..].parse::<u32>().unwrap());
    assert_eq!(
        values,
        (0..100).map(|i| format!("v{i}")).collect::<Vec<_>>()
    );
    c.close_timeout(Duration::from_secs(10)).unwrap();
}

#[test]
fn send_offsets_to_transaction_moves_group_offsets_only_on_commit() {
    let broker = Tansu::plain();
    let input = unique("txn-in");
    let output = unique("txn-out");
    create_topic_py(&broker.bootstrap(), &input, 1, &[]);
    create_topic_py(&broker.bootstrap(), &output, 1, &[]);
    let seed = Producer::new(broker.config()).unwrap();
    for i in 0..10 {
        seed.produce(Record::new(&input).value(&format!("in{i}")))
            .unwrap();
    }
    assert_eq!(seed.flush(Duration::from_secs(10)), 0);

    let group = unique("eos-group");
    let c = consumer(&broker, &group, &[]);
    c.subscribe(&[&input]).unwrap();
    let got = drain(&c, 10, Duration::from_secs(60));
    assert_eq!(got.len(), 10);
    let positions = vec![TopicPartition::with_offset(&input, 0, Offset::At(10))];
    let cgm = c.consumer_group_metadata().unwrap();
    let producer = Producer::new(broker.config().with("transactional.id", unique("tid"))).unwrap();
    producer.init_transactions(Duration::from_secs(30)).unwrap();
    let committed = |c: &Consumer| {
        c.committed(&[TopicPartition::new(&input, 0)], Duration::from_secs(10))
            .unwrap()[0]
            .offset
    };

    // Aborted: the group's offset does not move.
    producer.begin_transaction().unwrap();
    producer
        .produce(Record::new(&output).value("aborted"))
        .unwrap();
    producer
        .send_offsets_to_transaction(&positions, &cgm, Duration::from_secs(30))
        .unwrap();
    producer.abort_transaction(Duration::from_secs(30)).unwrap();
    assert_eq!(
        committed(&c),
        Offset::Invalid,
        "abort must not commit the offsets"
    );

    // Committed: it does, together with the output.
    producer.begin_transaction().unwrap();
    producer
        .produce(Record::new(&output).value("committed"))
        .unwrap();
    producer
        .send_offsets_to_transaction(&positions, &cgm, Duration::from_secs(30))
        .unwrap();
    producer
        .commit_transaction(Duration::from_secs(30))
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while committed(&c) != Offset::At(10) {
        assert!(
            Instant::now() < deadline,
            "offsets not committed with the transaction: {:?}",
            committed(&c)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    c.close_timeout(Duration::from_secs(10)).unwrap();
    // A second transaction after close of the consumer still works; a closed producer refuses.
    producer.close(Duration::from_secs(10)).unwrap();
    assert_eq!(
        producer.begin_transaction().unwrap_err().code(),
        ErrorCode::State
    );
}
