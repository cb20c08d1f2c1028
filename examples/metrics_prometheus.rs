//! Exports rkafka's statistics to Prometheus (feature `metrics`): a producer and a consumer
//! built with `.metrics()`, and `metrics-exporter-prometheus` serving what they record over
//! HTTP. No confluent-kafka-python example: Python users parse the `stats_cb` JSON by hand.
//!
//! ```text
//! cargo run --example metrics_prometheus --features metrics -- [-b brokers] [-X key=value]...
//!     [--listen 127.0.0.1:9464] [--topic metrics-demo] [--messages 1000]
//! curl http://127.0.0.1:9464/metrics
//! ```
//! Without `-b` it runs on librdkafka's embedded mock cluster. It produces `--messages`
//! messages, consumes them back in group `metrics-demo` (committing every second), and keeps
//! both clients polling, so the series stay fresh, until stdin is closed (Ctrl-D). It prints
//! `metrics at <URL>` on stdout once the listener is up. The series and their labels are
//! listed in the `rkafka::metrics` module docs.

mod common;

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use metrics_exporter_prometheus::PrometheusBuilder;
use rkafka::{Config, Consumer, Producer, Record};

const USAGE: &str = "usage: metrics_prometheus [-b brokers] [-X key=value]... [--listen addr:port] [--topic name] [--messages N]";

fn main() {
    let args = common::parse_args(USAGE, &["--listen", "--topic", "--messages"], &[]);
    args.no_positional(USAGE);
    let opts = &args;
    let listen: SocketAddr = opts
        .parsed("--listen", USAGE)
        .unwrap_or(([127, 0, 0, 1], 9464).into());
    let topic = opts.get("--topic").unwrap_or("metrics-demo").to_string();
    let messages: usize = opts.parsed("--messages", USAGE).unwrap_or(1000);

    let mut config = args.config.clone();
    let _mock = common::bootstrap_or_mock(&mut config, 1, &[(topic.as_str(), 3)]);
    if config.get("statistics.interval.ms").is_none() {
        config.set("statistics.interval.ms", 1000);
    }

    // The exporter: a global `metrics` recorder plus an HTTP listener on a thread of its own.
    PrometheusBuilder::new()
        .with_http_listener(listen)
        .install()
        .unwrap_or_else(|e| common::fail(&format!("cannot serve metrics on {listen}: {e}")));
    println!("metrics at http://{listen}/metrics");
    let _ = std::io::stdout().flush();

    let producer = Producer::builder(config.clone())
        .metrics()
        .build()
        .unwrap_or_else(|e| common::fail(&e.to_string()));
    let consumer = Consumer::builder(consumer_config(config))
        .metrics()
        .build()
        .unwrap_or_else(|e| common::fail(&e.to_string()));
    consumer
        .subscribe([topic.as_str()])
        .unwrap_or_else(|e| common::fail(&e.to_string()));

    for i in 0..messages {
        let key = format!("k{i}");
        let record = Record::new(&topic).key(&key).value("metrics demo");
        producer
            .produce_wait(record, Duration::from_secs(10))
            .unwrap_or_else(|e| common::fail(&e.to_string()));
    }

    // Until stdin closes, serve both clients: statistics are recorded from their polls.
    let stop = Arc::new(AtomicBool::new(false));
    let stopper = stop.clone();
    std::thread::spawn(move || {
        let _ = std::io::stdin().read_to_end(&mut Vec::new());
        stopper.store(true, Ordering::SeqCst);
    });
    let mut consumed = 0;
    while !stop.load(Ordering::SeqCst) {
        producer.poll(Duration::ZERO);
        match consumer.poll(Duration::from_millis(100)) {
            Some(Ok(_)) => consumed += 1,
            Some(Err(e)) => eprintln!("% consumer error: {e}"),
            None => {}
        }
    }
    let unsent = producer.flush(Duration::from_secs(10));
    consumer
        .close()
        .unwrap_or_else(|e| common::fail(&e.to_string()));
    eprintln!("% produced {messages} ({unsent} not delivered), consumed {consumed}");
}

/// The consumer's settings on top of the shared ones: a group reading from the start, with
/// frequent commits so the lag series move.
fn consumer_config(mut config: Config) -> Config {
    for (key, value) in [
        ("group.id", "metrics-demo"),
        ("auto.offset.reset", "earliest"),
        ("auto.commit.interval.ms", "1000"),
    ] {
        if config.get(key).is_none() {
            config.set(key, value);
        }
    }
    config
}
