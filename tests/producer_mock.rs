//! Producer behaviour that needs fault injection or no broker at all: librdkafka's mock cluster.

mod common;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use rkafka::{Config, ErrorCode, MockCluster, Producer, Record};

/// Captures everything logged through the `log` crate in this test binary.
struct Capture(Mutex<Vec<(String, String)>>);
impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, r: &log::Record<'_>) {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((r.target().to_string(), r.args().to_string()));
    }
    fn flush(&self) {}
}
fn captured() -> &'static Capture {
    static C: OnceLock<&'static Capture> = OnceLock::new();
    C.get_or_init(|| {
        let c: &'static Capture = Box::leak(Box::new(Capture(Mutex::new(Vec::new()))));
        log::set_logger(c).unwrap();
        log::set_max_level(log::LevelFilter::Trace);
        c
    })
}

fn cluster(topic: &str, partitions: i32) -> MockCluster {
    let c = MockCluster::new(1).unwrap();
    c.create_topic(topic, partitions, 1).unwrap();
    c
}

#[test]
fn panic_in_per_message_closure_comes_out_of_flush_and_loses_no_report() {
    let c = cluster("panic", 1);
    let producer = Producer::new([
        ("bootstrap.servers", c.bootstrap_servers()),
        ("linger.ms", "50"),
    ])
    .unwrap();
    let others = Arc::new(AtomicUsize::new(0));
    producer
        .produce(
            Record::new("panic")
                .value("first")
                .on_delivery(|_| panic!("boom in delivery")),
        )
        .unwrap();
    for _ in 0..9 {
        let o = others.clone();
        producer
            .produce(Record::new("panic").value("other").on_delivery(move |_| {
                o.fetch_add(1, Ordering::SeqCst);
            }))
            .unwrap();
    }
    let r = catch_unwind(AssertUnwindSafe(|| producer.flush(Duration::from_secs(10))));
    let payload = r.expect_err("the panic must be resumed from flush");
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom in delivery"));
    // The rest are still delivered to their closures, by this or the next call.
    assert_eq!(producer.flush(Duration::from_secs(10)), 0);
    assert_eq!(others.load(Ordering::SeqCst), 9);
}

#[test]
fn panic_in_global_on_delivery_comes_out_of_poll() {
    let c = cluster("panicpoll", 1);
    let producer = Producer::builder([("bootstrap.servers", c.bootstrap_servers())])
        .on_delivery(|r| {
            if r.value() == Some(b"bad") {
                panic!("global closure panicked");
            }
        })
        .build()
        .unwrap();
    producer
        .produce(Record::new("panicpoll").value("bad"))
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut caught = None;
    while Instant::now() < deadline && caught.is_none() {
        if let Err(p) = catch_unwind(AssertUnwindSafe(|| {
            producer.poll(Duration::from_millis(100))
        })) {
            caught = Some(p);
        }
    }
    let p = caught.expect("poll resumed the panic");
    assert_eq!(p.downcast_ref::<&str>(), Some(&"global closure panicked"));
    // The producer is still usable.
    producer
        .produce(Record::new("panicpoll").value("good"))
        .unwrap();
    assert_eq!(producer.flush(Duration::from_secs(10)), 0);
}

#[test]
fn queue_full_hands_the_record_back_and_produce_wait_is_bounded() {
    let c = cluster("qfull", 1);
    let producer = Producer::new([
        ("bootstrap.servers", c.bootstrap_servers()),
        ("queue.buffering.max.messages", "10"),
        ("message.timeout.ms", "3000"),
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
        .produce(Record::new("qfull").key("k").value(&value))
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
    let cap = captured();
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
    let logs: Vec<String> = cap
        .0
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .map(|(_, m)| m.clone())
        .collect();
    assert!(
        logs.iter()
            .any(|m| m.contains(&name) && m.contains("dropped with 7 message(s) not delivered")),
        "no warning naming the count: {:?}",
        logs.iter()
            .filter(|m| m.contains("dropped"))
            .collect::<Vec<_>>()
    );
}

#[test]
fn bad_produce_input_is_refused_clearly() {
    let c = cluster("badinput", 2);
    let producer = Producer::new([
        ("bootstrap.servers", c.bootstrap_servers()),
        ("message.max.bytes", "1000"),
    ])
    .unwrap();
    producer
        .list_topics(Some("badinput"), Duration::from_secs(5))
        .unwrap();
    for (topic, needle) in [
        ("", "empty"),
        ("bad topic", "not allowed"),
        ("nul\0x", "not allowed"),
        ("..", "not allowed"),
    ] {
        let e = producer.produce(Record::new(topic).value("x")).unwrap_err();
        assert_eq!(e.error.code(), ErrorCode::InvalidArg);
        assert!(e.error.str().contains(needle), "{topic:?}: {}", e.error);
    }
    let e = producer
        .produce(Record::new("badinput").partition(-3))
        .unwrap_err();
    assert!(e.error.str().contains("negative"));
    let big = vec![7u8; 5000];
    let e = producer
        .produce(Record::new("badinput").value(&big))
        .unwrap_err();
    assert_eq!(e.error.code(), ErrorCode::MsgSizeTooLarge);
    // Partition out of range: reported in the delivery report (or at once, if metadata is known).
    let got = Arc::new(Mutex::new(None));
    let g = got.clone();
    match producer.produce(
        Record::new("badinput")
            .partition(99)
            .on_delivery(move |r| *g.lock().unwrap() = r.error().map(|e| e.code())),
    ) {
        Err(e) => assert_eq!(e.error.code(), ErrorCode::UnknownPartition),
        Ok(()) => {
            producer.flush(Duration::from_secs(10));
            assert_eq!(*got.lock().unwrap(), Some(ErrorCode::UnknownPartition));
        }
    }
    let e = producer
        .produce(Record::new("badinput").header("a\0b", "v"))
        .unwrap_err();
    assert!(e.error.str().contains("NUL"));
}

#[test]
fn config_errors_name_every_problem() {
    let e = Producer::new([
        ("bootstrap.servers", "127.0.0.1:1"),
        ("boostrap.servers", "x"),
        ("acks", "sometimes"),
        ("linger.ms", "-5"),
        ("on_delivery", "cb"),
        ("logger", "l"),
        ("sasl.password", "TopSecretPw!"),
    ])
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidArg);
    let issues = e.config_issues();
    assert_eq!(issues.len(), 5, "{e}");
    assert_eq!(issues[0].key, "boostrap.servers");
    assert!(issues[0]
        .suggestions
        .contains(&"bootstrap.servers".to_string()));
    assert!(
        issues[1].reason.contains("acks") || issues[1].reason.contains("sometimes"),
        "{}",
        issues[1]
    );
    assert_eq!(issues[2].key, "linger.ms");
    assert!(issues[3].reason.contains("ProducerBuilder::on_delivery"));
    assert!(issues[4].reason.contains(".logger("));
    let shown = format!("{e} {e:?}");
    assert!(
        shown.contains("did you mean `bootstrap.servers`"),
        "{shown}"
    );
    assert!(!shown.contains("TopSecretPw!"));
}

#[test]
fn secrets_never_reach_debug_errors_or_logs_even_with_debug_all() {
    let c = MockCluster::new(1).unwrap();
    let lines: Arc<Mutex<Vec<String>>> = Arc::default();
    let errors: Arc<Mutex<Vec<String>>> = Arc::default();
    let (l, er) = (lines.clone(), errors.clone());
    let config = Config::from([
        ("bootstrap.servers", c.bootstrap_servers()),
        ("security.protocol", "SASL_PLAINTEXT"),
        ("sasl.mechanisms", "SCRAM-SHA-256"),
        ("sasl.username", "alice"),
        ("sasl.password", "Sup3rS3cretValue"),
        ("debug", "all"),
    ]);
    assert!(!format!("{config:?}{config}").contains("Sup3rS3cretValue"));
    let producer = Producer::builder(config)
        .logger(move |r| {
            l.lock()
                .unwrap()
                .push(format!("{} {}", r.facility, r.message))
        })
        .error_cb(move |e| er.lock().unwrap().push(format!("{e} {e:?}")))
        .build()
        .unwrap();
    producer.produce(Record::new("t").value("x")).unwrap();
    let deadline = Instant::now() + Duration::from_secs(3);
    while Instant::now() < deadline {
        producer.poll(Duration::from_millis(100));
    }
    producer
        .set_sasl_credentials("alice", "An0therS3cret")
        .unwrap();
    let err = producer
        .set_sasl_credentials("alice", "nul\0inside")
        .unwrap_err();
    assert!(!format!("{err} {err:?}").contains("nul\0inside"));
    let _ = producer.close(Duration::from_millis(200));
    drop(producer);
    let lines = lines.lock().unwrap();
    assert!(
        lines.len() > 50,
        "debug=all produced only {} lines",
        lines.len()
    );
    for line in lines.iter().chain(errors.lock().unwrap().iter()) {
        assert!(
            !line.contains("Sup3rS3cretValue") && !line.contains("An0therS3cret"),
            "secret leaked: {line}"
        );
    }
}

#[test]
fn callbacks_error_stats_and_logger_panics() {
    let c = MockCluster::new(1).unwrap();
    let stats: Arc<Mutex<Vec<String>>> = Arc::default();
    let errors: Arc<Mutex<Vec<rkafka::KafkaError>>> = Arc::default();
    let (s, e) = (stats.clone(), errors.clone());
    let producer = Producer::builder([
        ("bootstrap.servers", c.bootstrap_servers()),
        ("statistics.interval.ms", "100"),
    ])
    .stats_cb(move |json| s.lock().unwrap().push(json.to_string()))
    .error_cb(move |err| e.lock().unwrap().push(err.clone()))
    // A logger that panics on librdkafka's threads: caught and logged, never crosses into C.
    .logger(|_| panic!("logger panics"))
    .build()
    .unwrap();
    producer.list_topics(None, Duration::from_secs(5)).unwrap();
    c.broker_down(1).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline
        && (stats.lock().unwrap().len() < 2 || errors.lock().unwrap().is_empty())
    {
        producer.poll(Duration::from_millis(100));
    }
    let stats = stats.lock().unwrap();
    assert!(stats.len() >= 2);
    let v: serde_json::Value = serde_json::from_str(&stats[0]).unwrap();
    assert_eq!(v["name"].as_str(), Some(producer.name()));
    assert_eq!(v["type"].as_str(), Some("producer"));
    let errors = errors.lock().unwrap();
    assert!(
        errors
            .iter()
            .any(|e| matches!(e.code(), ErrorCode::AllBrokersDown | ErrorCode::Transport)),
        "{errors:?}"
    );
}

#[test]
fn one_producer_shared_by_eight_threads() {
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
            std::thread::spawn(move || {
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
}
