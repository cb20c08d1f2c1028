//! Idempotence and transactions through faults injected on librdkafka's mock cluster.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rkafka::{Consumer, ErrorCode, MockCluster, Producer, Rebalance, Record};

const PRODUCE: i16 = 0;
const ADD_PARTITIONS_TO_TXN: i16 = 24;
const END_TXN: i16 = 26;

/// Reads every message of `topic` from the beginning: partition -> values in offset order.
fn read_all(cluster: &MockCluster, topic: &str, expect: usize) -> BTreeMap<i32, Vec<String>> {
    let consumer = Consumer::new([
        ("bootstrap.servers", cluster.bootstrap_servers()),
        ("group.id", "reader"),
        ("auto.offset.reset", "earliest"),
        ("isolation.level", "read_committed"),
    ])
    .unwrap();
    consumer.subscribe(&[topic], Rebalance::new()).unwrap();
    let mut out: BTreeMap<i32, Vec<String>> = BTreeMap::new();
    let mut n = 0;
    let deadline = Instant::now() + Duration::from_secs(60);
    while n < expect && Instant::now() < deadline {
        if let Some(Ok(m)) = consumer.poll(Duration::from_millis(100)) {
            out.entry(m.partition())
                .or_default()
                .push(String::from_utf8(m.value().unwrap().to_vec()).unwrap());
            n += 1;
        }
    }
    // Nothing beyond what is expected (no duplicates).
    let extra_deadline = Instant::now() + Duration::from_secs(2);
    while Instant::now() < extra_deadline {
        if let Some(Ok(m)) = consumer.poll(Duration::from_millis(100)) {
            out.entry(m.partition())
                .or_default()
                .push(String::from_utf8(m.value().unwrap().to_vec()).unwrap());
        }
    }
    consumer.close(Duration::from_secs(5)).unwrap();
    out
}

#[test]
fn idempotent_producer_through_faults_no_duplicates_no_gaps_in_order() {
    let got = produce_through_faults(true);
    for (p, vals) in got {
        assert_eq!(
            vals.len(),
            PER_PARTITION,
            "partition {p}: {} messages (duplicates or gaps)",
            vals.len()
        );
        let want: Vec<String> = (0..PER_PARTITION).map(|i| i.to_string()).collect();
        assert_eq!(
            vals, want,
            "partition {p}: not exactly 0..{PER_PARTITION} in order"
        );
    }
}

/// Control: the same faults without idempotence do duplicate (or reorder) messages, so the
/// test above is able to fail.
#[test]
fn without_idempotence_the_same_faults_duplicate_messages() {
    let got = produce_through_faults(false);
    let want: Vec<String> = (0..PER_PARTITION).map(|i| i.to_string()).collect();
    assert!(
        got.values().any(|vals| *vals != want),
        "the faults had no visible effect"
    );
}

const PER_PARTITION: usize = 1500;

fn produce_through_faults(idempotence: bool) -> BTreeMap<i32, Vec<String>> {
    let cluster = MockCluster::new(3).unwrap();
    cluster.create_topic("idem", 3, 3).unwrap();
    cluster.set_group_initial_rebalance_delay(Duration::ZERO);
    for p in 0..3 {
        cluster.set_partition_leader("idem", p, p + 1).unwrap();
    }
    let failures = Arc::new(AtomicUsize::new(0));
    let f = failures.clone();
    let producer = Producer::builder([
        ("bootstrap.servers", cluster.bootstrap_servers()),
        (
            "enable.idempotence",
            if idempotence { "true" } else { "false" },
        ),
        ("acks", "all"),
        ("max.in.flight.requests.per.connection", "5"),
        ("linger.ms", "5"),
        ("batch.num.messages", "50"),
        ("request.timeout.ms", "1000"),
        ("retry.backoff.ms", "50"),
        ("message.timeout.ms", "60000"),
    ])
    .on_delivery(move |r| {
        if let Some(e) = r.error() {
            f.fetch_add(1, Ordering::SeqCst);
            eprintln!("delivery failed: {e}");
        }
    })
    .build()
    .unwrap();
    let values: Vec<String> = (0..PER_PARTITION).map(|i| i.to_string()).collect();
    for (i, value) in values.iter().enumerate() {
        match i {
            // Retriable errors on Produce requests: the batch is rejected and retried.
            300 => cluster.push_request_errors(
                PRODUCE,
                &[
                    ErrorCode::NotLeaderForPartition,
                    ErrorCode::RequestTimedOut,
                    ErrorCode::NotEnoughReplicas,
                ],
            ),
            // A response slower than request.timeout.ms: the broker wrote the batch, the client
            // times out and retries it; idempotence must drop the duplicate.
            600 => {
                for b in 1..=3 {
                    cluster
                        .push_broker_request_error(
                            b,
                            PRODUCE,
                            ErrorCode::NoError,
                            Duration::from_millis(2500),
                        )
                        .unwrap();
                }
            }
            // Leader change and a broker that goes down and comes back.
            900 => cluster.set_partition_leader("idem", 0, 2).unwrap(),
            1100 => cluster.broker_down(3).unwrap(),
            1300 => cluster.broker_up(3).unwrap(),
            _ => {}
        }
        for p in 0..3 {
            producer
                .produce_wait(
                    Record::new("idem").partition(p).value(value),
                    Duration::from_secs(30),
                )
                .unwrap();
        }
        producer.poll(Duration::ZERO);
        if i % 100 == 99 {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    assert_eq!(producer.flush(Duration::from_secs(60)), 0);
    assert_eq!(
        failures.load(Ordering::SeqCst),
        0,
        "every message is delivered (retried)"
    );
    assert!(producer.fatal_error().is_none());
    let mut got = read_all(&cluster, "idem", 3 * PER_PARTITION);
    for p in 0..3 {
        got.entry(p).or_default();
    }
    got
}

fn txn_producer(cluster: &MockCluster, txn_id: &str) -> Producer {
    cluster.create_topic("txn", 1, 3).unwrap();
    cluster.set_coordinator("transaction", txn_id, 1).unwrap();
    let p = Producer::new([
        ("bootstrap.servers", cluster.bootstrap_servers()),
        ("transactional.id", txn_id),
        ("transaction.timeout.ms", "30000"),
    ])
    .unwrap();
    p.init_transactions(Duration::from_secs(20)).unwrap();
    p
}

#[test]
fn end_txn_errors_carry_the_right_flags() {
    // (injected EndTxn errors, expected commit result: None = success, or (code, retriable, abortable, fatal))
    type Expect = Option<(ErrorCode, bool, bool, bool)>;
    let scenarios: Vec<(Vec<ErrorCode>, Expect)> = vec![
        (
            vec![
                ErrorCode::CoordinatorNotAvailable,
                ErrorCode::CoordinatorNotAvailable,
            ],
            None,
        ),
        (vec![ErrorCode::NotCoordinator], None),
        (
            vec![
                ErrorCode::ConcurrentTransactions,
                ErrorCode::ConcurrentTransactions,
            ],
            None,
        ),
        (
            vec![ErrorCode::UnknownProducerId],
            Some((ErrorCode::UnknownProducerId, false, true, false)),
        ),
        (
            vec![ErrorCode::InvalidProducerIdMapping],
            Some((ErrorCode::InvalidProducerIdMapping, false, true, false)),
        ),
        (
            vec![ErrorCode::ProducerFenced],
            Some((ErrorCode::Fenced, false, false, true)),
        ),
        (
            vec![ErrorCode::TransactionalIdAuthorizationFailed],
            Some((
                ErrorCode::TransactionalIdAuthorizationFailed,
                false,
                false,
                true,
            )),
        ),
    ];
    for (i, (errors, expect)) in scenarios.into_iter().enumerate() {
        let cluster = MockCluster::new(3).unwrap();
        let producer = txn_producer(&cluster, &format!("txn-{i}"));
        producer.begin_transaction().unwrap();
        producer.produce(Record::new("txn").value("x")).unwrap();
        cluster.push_request_errors(END_TXN, &errors);
        let r = producer.commit_transaction(Duration::from_secs(20));
        match (expect, r) {
            (None, Ok(())) => {}
            (Some((code, retriable, abortable, fatal)), Err(e)) => {
                assert_eq!(e.code(), code, "scenario {i}: {e:?}");
                assert_eq!(
                    (e.retriable(), e.txn_requires_abort(), e.fatal()),
                    (retriable, abortable, fatal),
                    "scenario {i}: {e:?}"
                );
                if abortable {
                    producer.abort_transaction(Duration::from_secs(20)).unwrap();
                    // The producer is usable again.
                    producer.begin_transaction().unwrap();
                    producer.produce(Record::new("txn").value("y")).unwrap();
                    producer
                        .commit_transaction(Duration::from_secs(20))
                        .unwrap();
                }
                if fatal {
                    assert!(producer.fatal_error().is_some());
                    let again = producer.begin_transaction().unwrap_err();
                    assert!(again.fatal(), "{again:?}");
                }
            }
            (exp, got) => panic!("scenario {i} ({errors:?}): expected {exp:?}, got {got:?}"),
        }
    }
}

#[test]
fn add_partitions_error_requires_abort_and_a_slow_coordinator_is_retriable() {
    let cluster = MockCluster::new(3).unwrap();
    let producer = txn_producer(&cluster, "txn-addparts");
    producer.begin_transaction().unwrap();
    cluster.push_request_errors(
        ADD_PARTITIONS_TO_TXN,
        &[ErrorCode::TopicAuthorizationFailed],
    );
    producer.produce(Record::new("txn").value("x")).unwrap();
    let e = producer
        .commit_transaction(Duration::from_secs(20))
        .unwrap_err();
    assert!(
        e.txn_requires_abort() && !e.fatal() && !e.retriable(),
        "{e:?}"
    );
    producer.abort_transaction(Duration::from_secs(20)).unwrap();

    // A coordinator slower than the call's timeout: retriable; calling again succeeds.
    producer.begin_transaction().unwrap();
    producer.produce(Record::new("txn").value("z")).unwrap();
    assert_eq!(producer.flush(Duration::from_secs(10)), 0);
    cluster
        .push_broker_request_error(1, END_TXN, ErrorCode::NoError, Duration::from_millis(3000))
        .unwrap();
    let e = producer
        .commit_transaction(Duration::from_millis(500))
        .unwrap_err();
    assert!(
        e.retriable() && !e.fatal() && !e.txn_requires_abort(),
        "{e:?}"
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match producer.commit_transaction(Duration::from_secs(10)) {
            Ok(()) => break,
            Err(e) if e.retriable() && Instant::now() < deadline => continue,
            Err(e) => panic!("{e:?}"),
        }
    }
}

#[test]
fn abort_purges_the_transactions_messages() {
    let cluster = MockCluster::new(3).unwrap();
    cluster.create_topic("txn", 1, 3).unwrap();
    cluster
        .set_coordinator("transaction", "txn-abort", 1)
        .unwrap();
    let reports: Arc<Mutex<Vec<Option<ErrorCode>>>> = Arc::default();
    let r = reports.clone();
    let producer = Producer::builder([
        ("bootstrap.servers", cluster.bootstrap_servers()),
        ("transactional.id", "txn-abort"),
        ("linger.ms", "10000"),
    ])
    .on_delivery(move |rep| r.lock().unwrap().push(rep.error().map(|e| e.code())))
    .build()
    .unwrap();
    producer.init_transactions(Duration::from_secs(20)).unwrap();
    producer.begin_transaction().unwrap();
    for i in 0..100 {
        producer
            .produce(Record::new("txn").value(&format!("aborted-{i}")))
            .unwrap();
    }
    producer.abort_transaction(Duration::from_secs(20)).unwrap();
    assert_eq!(producer.flush(Duration::from_secs(10)), 0);
    let reports = reports.lock().unwrap();
    assert_eq!(reports.len(), 100, "every aborted message gets its report");
    assert!(
        reports
            .iter()
            .all(|c| matches!(c, Some(ErrorCode::PurgeQueue | ErrorCode::PurgeInflight))),
        "{reports:?}"
    );
    // Bad input to the transactional API.
    let cgm_consumer = Consumer::new([
        ("bootstrap.servers", cluster.bootstrap_servers()),
        ("group.id", "g"),
    ])
    .unwrap();
    let cgm = cgm_consumer.consumer_group_metadata().unwrap();
    producer.begin_transaction().unwrap();
    assert!(producer
        .send_offsets_to_transaction(&[], &cgm, Duration::from_secs(1))
        .is_err());
    let e = producer
        .send_offsets_to_transaction(
            &[rkafka::TopicPartition::new("txn", 0)],
            &cgm,
            Duration::from_secs(1),
        )
        .unwrap_err();
    assert!(e.str().contains("concrete offset"), "{e}");
    producer.abort_transaction(Duration::from_secs(10)).unwrap();
    // A non-transactional producer refuses transactional calls clearly.
    let plain = Producer::new([("bootstrap.servers", cluster.bootstrap_servers())]).unwrap();
    let e = plain.begin_transaction().unwrap_err();
    assert!(!e.str().is_empty());
}
