//! Feature `metrics`: statistics of a real producer and consumer on the mock cluster, recorded by
//! `.metrics()` into `metrics-exporter-prometheus` and read back from the Prometheus text it
//! exports, in this process and over HTTP from `examples/metrics_prometheus.rs`.
#![cfg(feature = "metrics")]

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use metrics_exporter_prometheus::PrometheusBuilder;

use common::{example_bin, free_port, within};
use rkafka::{Consumer, MockCluster, Producer, Record, TopicPartition};

/// One sample of the exported text: its labels and value.
#[derive(Debug, Clone)]
struct Sample {
    labels: BTreeMap<String, String>,
    value: f64,
}

/// Parses Prometheus' text format (the subset the exporter writes: no escapes in our labels).
fn parse(text: &str) -> BTreeMap<String, Vec<Sample>> {
    let mut out: BTreeMap<String, Vec<Sample>> = BTreeMap::new();
    for line in text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let (series, value) = line.rsplit_once(' ').expect(line);
        let (name, labels) = match series.split_once('{') {
            Some((n, rest)) => (n, rest.trim_end_matches('}')),
            None => (series, ""),
        };
        let labels = labels
            .split("\",")
            .filter(|l| !l.is_empty())
            .map(|l| {
                let (k, v) = l.split_once("=\"").expect(line);
                (k.to_string(), v.trim_end_matches('"').to_string())
            })
            .collect();
        let value = value.parse().expect(line);
        out.entry(name.to_string())
            .or_default()
            .push(Sample { labels, value });
    }
    out
}

/// The samples of `name` whose labels include every pair in `with`.
fn samples(text: &BTreeMap<String, Vec<Sample>>, name: &str, with: &[(&str, &str)]) -> Vec<Sample> {
    text.get(name)
        .into_iter()
        .flatten()
        .filter(|s| {
            with.iter()
                .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
        })
        .cloned()
        .collect()
}

/// The value of the one sample of `name` with labels `with`, if exported.
fn value(text: &BTreeMap<String, Vec<Sample>>, name: &str, with: &[(&str, &str)]) -> Option<f64> {
    match samples(text, name, with).as_slice() {
        [one] => Some(one.value),
        [] => None,
        many => panic!("{name} {with:?}: {many:?}"),
    }
}

#[test]
fn producer_and_consumer_statistics_are_exported_with_plausible_values() {
    within(Duration::from_secs(90), || {
        let handle = PrometheusBuilder::new().install_recorder().unwrap();
        let c = MockCluster::new(1).unwrap();
        c.create_topic("m", 4, 1).unwrap();
        c.set_rtt(1, Duration::from_millis(20)).unwrap();
        let base = [
            ("bootstrap.servers", c.bootstrap_servers().to_string()),
            ("statistics.interval.ms", "100".to_string()),
        ];
        let producer = Producer::builder(base.clone()).metrics().build().unwrap();
        for i in 0..100 {
            let record = Record::new("m").value("0123456789").partition(i % 4);
            producer.produce(record).unwrap();
        }
        assert_eq!(producer.flush(Duration::from_secs(10)), 0);

        // A consumer that reads 15 of each partition's 25 messages, commits, then stays paused
        // (still polling, so statistics keep coming): its lag is 10 per partition.
        let mut conf = base.to_vec();
        conf.extend([
            ("group.id", "g-metrics".to_string()),
            ("enable.auto.commit", "false".to_string()),
        ]);
        let consumer = Consumer::builder(conf).metrics().build().unwrap();
        let parts: Vec<TopicPartition> = (0..4)
            .map(|p| TopicPartition::with_offset("m", p, rkafka::Offset::Beginning))
            .collect();
        consumer.assign(&parts).unwrap();
        let mut read = [0; 4];
        let deadline = Instant::now() + Duration::from_secs(30);
        while read.iter().any(|n| *n < 15) {
            assert!(Instant::now() < deadline, "{read:?}");
            if let Some(m) = consumer.poll(Duration::from_millis(100)) {
                let m = m.unwrap();
                let p = m.partition() as usize;
                if read[p] < 15 {
                    read[p] += 1;
                    consumer.commit_message(&m).unwrap();
                    if read[p] == 15 {
                        consumer
                            .pause(&[TopicPartition::new("m", p as i32)])
                            .unwrap();
                    }
                }
            }
        }
        let (pname, cname) = (producer.name().to_string(), consumer.name().to_string());
        let (pc, cc) = ([("client", pname.as_str())], [("client", cname.as_str())]);
        let deadline = Instant::now() + Duration::from_secs(30);
        let text = loop {
            producer.poll(Duration::from_millis(50));
            consumer.poll(Duration::from_millis(50));
            let text = parse(&handle.render());
            let lag_settled = value(&text, "rkafka_consumer_lag", &cc) == Some(40.0);
            let rtt_seen = !samples(&text, "rkafka_broker_rtt_avg_seconds", &cc).is_empty();
            if lag_settled && rtt_seen {
                break text;
            }
            assert!(Instant::now() < deadline, "{}", handle.render());
        };

        // Producer: every message counted, queues drained, 100 × 10 value bytes at least.
        assert_eq!(value(&text, "rkafka_tx_messages_total", &pc), Some(100.0));
        assert!(value(&text, "rkafka_tx_message_bytes_total", &pc).unwrap() >= 1000.0);
        assert_eq!(
            value(&text, "rkafka_producer_queue_messages", &pc),
            Some(0.0)
        );
        assert!(value(&text, "rkafka_producer_queue_max_messages", &pc).unwrap() >= 100_000.0);
        for p in ["0", "1", "2", "3"] {
            let labels = [("client", pname.as_str()), ("topic", "m"), ("partition", p)];
            assert_eq!(
                value(&text, "rkafka_partition_tx_messages_total", &labels),
                Some(25.0)
            );
            assert_eq!(
                value(&text, "rkafka_partition_queue_messages", &labels),
                Some(0.0)
            );
        }
        // Consumer: per-partition watermarks, committed offsets and lag; the group is
        // assignment-based (no group state up), the fetch counters match what was read.
        for p in ["0", "1", "2", "3"] {
            let labels = [("client", cname.as_str()), ("topic", "m"), ("partition", p)];
            assert_eq!(
                value(&text, "rkafka_partition_high_watermark", &labels),
                Some(25.0)
            );
            assert_eq!(
                value(&text, "rkafka_partition_committed_offset", &labels),
                Some(15.0)
            );
            assert_eq!(
                value(&text, "rkafka_partition_consumer_lag", &labels),
                Some(10.0)
            );
            assert!(value(&text, "rkafka_partition_rx_messages_total", &labels).unwrap() >= 15.0);
        }
        assert!(value(&text, "rkafka_rx_messages_total", &cc).unwrap() >= 60.0);
        // Brokers: the mock broker is up for both clients, with a round trip near the 20 ms
        // the mock adds (bounds generous), and counters that moved. The internal broker is not
        // exported.
        for client in [&pc, &cc] {
            let up = samples(&text, "rkafka_broker_up", client);
            assert!(up.iter().any(|s| s.value == 1.0), "{up:?}");
            assert!(
                up.iter().all(|s| !s.labels["broker"].contains("internal")),
                "{up:?}"
            );
            assert!(value(&text, "rkafka_tx_requests_total", client).unwrap() > 0.0);
            assert!(value(&text, "rkafka_rx_bytes_total", client).unwrap() > 0.0);
            let connects = samples(&text, "rkafka_broker_connects_total", client);
            assert!(connects.iter().any(|s| s.value >= 1.0), "{connects:?}");
        }
        let rtt = samples(&text, "rkafka_broker_rtt_avg_seconds", &cc);
        assert!(
            rtt.iter().all(|s| s.value > 0.0 && s.value < 2.0),
            "{rtt:?}"
        );
        assert!(
            rtt.iter().any(|s| s.value >= 0.015),
            "the mock's 20 ms: {rtt:?}"
        );
        // Help texts reach the exporter.
        let raw = handle.render();
        assert!(
            raw.contains("# HELP rkafka_partition_consumer_lag "),
            "{raw}"
        );
        drop(consumer);
        drop(producer);
    })
}

#[test]
fn metrics_without_a_statistics_interval_is_refused() {
    let err = Consumer::builder([("group.id", "g"), ("statistics.interval.ms", "0")])
        .metrics()
        .build()
        .unwrap_err();
    assert_eq!(err.code(), rkafka::ErrorCode::InvalidArg);
    assert!(
        err.str()
            .contains("metrics() needs statistics.interval.ms > 0"),
        "{err}"
    );
}

/// One HTTP GET of `path` on 127.0.0.1:`port`: the body, or None if nothing answers yet.
fn http_get(port: u16, path: &str) -> Option<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    s.read_to_string(&mut response).ok()?;
    let (head, body) = response.split_once("\r\n\r\n")?;
    head.starts_with("HTTP/1.1 200").then(|| body.to_string())
}

#[test]
fn the_example_serves_the_series_over_http() {
    within(Duration::from_secs(90), || {
        let port = free_port();
        let listen = format!("127.0.0.1:{port}");
        let mut child = Command::new(example_bin("metrics_prometheus"))
            .env_remove("KAFKA_BOOTSTRAP_SERVERS")
            .args([
                "--listen",
                &listen,
                "--messages",
                "300",
                "-X",
                "statistics.interval.ms=200",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        while !line.starts_with("metrics at ") {
            line.clear();
            assert!(
                stdout.read_line(&mut line).unwrap() > 0,
                "example ended early"
            );
        }
        assert_eq!(line.trim(), format!("metrics at http://{listen}/metrics"));

        // Scrape as Prometheus would until the consumer has read and committed everything.
        let deadline = Instant::now() + Duration::from_secs(45);
        let text = loop {
            if let Some(body) = http_get(port, "/metrics") {
                let text = parse(&body);
                let consumer = samples(&text, "rkafka_rx_messages_total", &[]);
                let read_all = consumer.iter().any(|s| s.value >= 300.0);
                let lags = samples(&text, "rkafka_partition_consumer_lag", &[]);
                if read_all && lags.len() == 3 && lags.iter().all(|s| s.value == 0.0) {
                    break text;
                }
            }
            assert!(
                Instant::now() < deadline,
                "{:?}",
                http_get(port, "/metrics")
            );
            std::thread::sleep(Duration::from_millis(200));
        };
        let producer = samples(&text, "rkafka_tx_messages_total", &[]);
        assert!(
            producer
                .iter()
                .any(|s| s.value == 300.0 && s.labels["client"].contains("#producer-")),
            "{producer:?}"
        );
        let hw: f64 = samples(
            &text,
            "rkafka_partition_high_watermark",
            &[("topic", "metrics-demo")],
        )
        .iter()
        .filter(|s| s.labels["client"].contains("#consumer-"))
        .map(|s| s.value)
        .sum();
        assert_eq!(
            hw, 300.0,
            "the 3 partitions' high watermarks add up to what was produced"
        );
        assert!(!samples(&text, "rkafka_broker_rtt_avg_seconds", &[]).is_empty());

        drop(child.stdin.take()); // EOF: the example closes its clients and exits
        let t = Instant::now();
        let status = child.wait().unwrap();
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        assert!(status.success(), "{err}");
        assert!(
            t.elapsed() < Duration::from_secs(21),
            "exit took {:?}",
            t.elapsed()
        );
        assert!(
            err.contains("% produced 300 (0 not delivered), consumed 300"),
            "{err}"
        );
    })
}
