//! Feature `tracing` in a program that installs no `tracing` dispatcher (this process never
//! does): librdkafka's log lines and the client errors no `error_cb` takes still reach the `log`
//! crate, as without the feature, so turning it on loses nothing.
#![cfg(feature = "tracing")]

mod common;

use std::time::{Duration, Instant};

use common::{captured_logs, within};
use rkafka::Producer;

#[test]
fn without_a_dispatcher_lines_and_errors_go_to_log() {
    within(Duration::from_secs(60), || {
        let cap = captured_logs();
        let broker = format!("127.0.0.1:{}", common::free_port());
        let producer = Producer::new([
            ("bootstrap.servers", broker.as_str()),
            ("reconnect.backoff.ms", "50"),
        ])
        .unwrap();
        let name = producer.name().to_string();
        let error_line = format!("[ERROR] {name}: ");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let lines = cap.of_client(&name);
            let fail = lines.iter().any(|l| l.starts_with("[FAIL] "));
            if fail && lines.iter().any(|l| l.starts_with(&error_line)) {
                break;
            }
            assert!(Instant::now() < deadline, "{lines:#?}");
            producer.poll(Duration::from_millis(100));
        }
        assert!(!tracing::dispatcher::has_been_set());
    })
}
