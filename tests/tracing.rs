//! Feature `tracing`: librdkafka's log lines, client errors and statistics reach a `tracing`
//! subscriber (a recording one, installed globally as an application would: librdkafka logs
//! from its own threads) as events with structured fields, scrubbed of secrets. The fallback
//! to `log` before any dispatcher exists is in `tracing_fallback.rs` (a process of its own).
#![cfg(feature = "tracing")]

mod common;

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record as SpanRecord};
use tracing::{Event, Level, Metadata, Subscriber};

use common::{within, LogLines};
use rkafka::{MockCluster, Producer, Record};

/// One event as the subscriber saw it.
#[derive(Debug, Clone)]
struct Seen {
    target: String,
    level: Level,
    fields: BTreeMap<String, String>,
}

impl Seen {
    fn field(&self, name: &str) -> &str {
        self.fields.get(name).map_or("", String::as_str)
    }
}

#[derive(Default)]
struct Recording(Mutex<Vec<Seen>>);

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0
            .insert(field.name().to_string(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_string(), value.to_string());
    }
}

impl Subscriber for Recording {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &SpanRecord<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut fields = BTreeMap::new();
        event.record(&mut Fields(&mut fields));
        let meta = event.metadata();
        self.0.lock().unwrap().push(Seen {
            target: meta.target().to_string(),
            level: *meta.level(),
            fields,
        });
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

/// The process-wide recording subscriber, installed on first use.
fn recording() -> &'static Recording {
    static R: OnceLock<Arc<Recording>> = OnceLock::new();
    R.get_or_init(|| {
        let r = Arc::new(Recording::default());
        tracing::subscriber::set_global_default(r.clone()).unwrap();
        r
    })
}

/// The events of `client` so far.
fn events_of(client: &str) -> Vec<Seen> {
    recording()
        .0
        .lock()
        .unwrap()
        .iter()
        .filter(|e| e.field("client") == client)
        .cloned()
        .collect()
}

/// Polls `producer` until an event of it satisfies `f` (within 20 s); returns that event.
fn poll_for_event(producer: &Producer, what: &str, f: impl Fn(&Seen) -> bool) -> Seen {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(e) = events_of(producer.name()).into_iter().find(&f) {
            return e;
        }
        assert!(
            Instant::now() < deadline,
            "no {what}: {:#?}",
            events_of(producer.name())
        );
        producer.poll(Duration::from_millis(100));
    }
}

/// A port nothing listens on (bound, then released).
fn unreachable_broker() -> String {
    format!("127.0.0.1:{}", common::free_port())
}

#[test]
fn log_lines_are_events_with_client_facility_and_mapped_levels() {
    within(Duration::from_secs(60), || {
        recording();
        let producer = Producer::new([
            ("bootstrap.servers", unreachable_broker().as_str()),
            ("debug", "broker"),
            ("reconnect.backoff.ms", "50"),
        ])
        .unwrap();
        // A refused connection: facility FAIL at syslog level 3 (error); with `debug` on,
        // librdkafka also logs it at level 7.
        let fail = poll_for_event(&producer, "FAIL error line", |e| {
            e.field("facility") == "FAIL" && e.field("syslog_level") == "3"
        });
        assert_eq!(fail.target, "rkafka::librdkafka");
        assert_eq!(fail.level, Level::ERROR);
        assert!(
            fail.field("message").contains("Connection refused"),
            "{fail:?}"
        );
        // debug=broker lines: syslog level 7, DEBUG.
        let debug = poll_for_event(&producer, "debug line", |e| e.field("syslog_level") == "7");
        assert_eq!(debug.level, Level::DEBUG, "{debug:?}");
        assert_eq!(debug.target, "rkafka::librdkafka");
        assert!(!debug.field("facility").is_empty() && !debug.field("message").is_empty());
    })
}

#[test]
fn a_client_error_without_error_cb_is_an_event_with_its_code() {
    within(Duration::from_secs(60), || {
        recording();
        let producer = Producer::new([
            ("bootstrap.servers", unreachable_broker().as_str()),
            ("reconnect.backoff.ms", "50"),
        ])
        .unwrap();
        let err = poll_for_event(&producer, "error event", |e| e.target == "rkafka::error");
        assert_eq!(err.level, Level::ERROR);
        assert!(
            ["_TRANSPORT", "_ALL_BROKERS_DOWN"].contains(&err.field("code")),
            "{err:?}"
        );
        assert_eq!(err.field("fatal"), "false");
        assert!(!err.field("message").is_empty(), "{err:?}");
        // Not also logged as librdkafka's own `ERROR` line: once, structured.
        assert!(
            !events_of(producer.name())
                .iter()
                .any(|e| e.field("facility") == "ERROR"),
            "{:#?}",
            events_of(producer.name())
        );
    })
}

#[test]
fn a_custom_logger_still_gets_the_error_lines_and_tracing_nothing() {
    within(Duration::from_secs(60), || {
        recording();
        let logs = LogLines::default();
        let producer = Producer::builder([
            ("bootstrap.servers", unreachable_broker().as_str()),
            ("reconnect.backoff.ms", "50"),
        ])
        .logger(logs.logger())
        .build()
        .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while !logs.any(|l| l.starts_with("ERROR ")) {
            assert!(Instant::now() < deadline, "{:?}", logs.lines());
            producer.poll(Duration::from_millis(100));
        }
        assert!(events_of(producer.name()).is_empty());
    })
}

#[test]
fn secrets_stay_scrubbed_in_events() {
    within(Duration::from_secs(60), || {
        recording();
        // A password librdkafka is sure to print: it is also the topic's name, which debug
        // lines name. The scrubber must replace it everywhere.
        const SECRET: &str = "tracing-Secret-Topic-42";
        let c = MockCluster::new(1).unwrap();
        let producer = Producer::new([
            ("bootstrap.servers", c.bootstrap_servers()),
            ("security.protocol", "SASL_PLAINTEXT"),
            ("sasl.mechanisms", "PLAIN"),
            ("sasl.username", "alice"),
            ("sasl.password", SECRET),
            ("debug", "all"),
        ])
        .unwrap();
        producer.produce(Record::new(SECRET).value("x")).unwrap();
        let redacted = poll_for_event(&producer, "redacted topic", |e| {
            e.field("message").contains("[redacted]")
        });
        assert_eq!(redacted.target, "rkafka::librdkafka");
        poll_for_event(&producer, "50 debug lines", |_| {
            events_of(producer.name()).len() > 50
        });
        // Every event of the process, including the lines logged while the client was being
        // created (before its name is known).
        for e in recording().0.lock().unwrap().iter() {
            for v in e.fields.values() {
                assert!(!v.contains(SECRET), "secret in {e:?}");
            }
        }
        drop(producer);
    })
}

#[test]
fn trace_statistics_emits_a_summary_every_interval() {
    within(Duration::from_secs(60), || {
        recording();
        let c = MockCluster::new(1).unwrap();
        let producer = Producer::builder([
            ("bootstrap.servers", c.bootstrap_servers()),
            ("statistics.interval.ms", "100"),
        ])
        .trace_statistics()
        .build()
        .unwrap();
        for _ in 0..5 {
            producer.produce(Record::new("stats").value("x")).unwrap();
        }
        assert_eq!(producer.flush(Duration::from_secs(10)), 0);
        let stats = poll_for_event(&producer, "statistics with txmsgs", |e| {
            e.target == "rkafka::statistics" && e.field("txmsgs") == "5"
        });
        assert_eq!(stats.level, Level::INFO);
        assert_eq!(stats.field("kind"), "producer");
        assert_eq!(stats.field("msg_cnt"), "0");
        assert_eq!(stats.field("brokers_up"), "1", "{stats:?}");
        assert!(stats.field("tx").parse::<i64>().unwrap() > 0, "{stats:?}");
    })
}

#[test]
fn trace_statistics_without_an_interval_is_refused() {
    let err = Producer::builder([("bootstrap.servers", "127.0.0.1:9")])
        .trace_statistics()
        .build()
        .unwrap_err();
    assert_eq!(err.code(), rkafka::ErrorCode::InvalidArg);
    assert!(
        err.str()
            .contains("trace_statistics() needs statistics.interval.ms > 0"),
        "{err}"
    );
}
