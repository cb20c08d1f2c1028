//! Transactions through faults injected on librdkafka's mock cluster (idempotence through
//! faults is in `tests/mock/faults.rs`).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rkafka::{Consumer, ErrorCode, MockCluster, Producer, Record};

const ADD_PARTITIONS_TO_TXN: i16 = 24;
const END_TXN: i16 = 26;

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
                    let cause = producer.fatal_error().expect("a fatal error is recorded");
                    assert!(cause.fatal());
                    let again = producer.begin_transaction().unwrap_err();
                    assert!(again.fatal(), "{again:?}");
                    // produce names the fatal error itself, flagged fatal (librdkafka's own
                    // answer is a bare "_FATAL: Local: Fatal error").
                    let e = producer.produce(Record::new("txn").value("z")).unwrap_err();
                    assert!(e.fatal(), "scenario {i}: {e:?}");
                    assert_eq!(e.code(), cause.code(), "scenario {i}: {e:?}");
                    assert_ne!(e.code(), ErrorCode::Fatal, "scenario {i}: {e:?}");
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
