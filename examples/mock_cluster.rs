//! Runs librdkafka's embedded mock cluster as a stand-alone broker for the other examples. No
//! confluent-kafka-python example: Python only reaches the mock cluster through the
//! `test.mock.num.brokers` property, which gives each client a private cluster of its own.
//!
//! ```text
//! cargo run --example mock_cluster -- [-n brokers] [-t topic[:partitions]]... [--forever]
//! ```
//! Prints `bootstrap.servers=<host:port,...>` as its first line on stdout, then serves until
//! stdin is closed (Ctrl-D), or with `--forever` until it is killed (Ctrl-C). Topics not
//! created with `-t` are auto-created on first use (4 partitions). Example, in two terminals:
//!
//! ```text
//! cargo run --example mock_cluster -- -t orders:3
//! #   bootstrap.servers=127.0.0.1:39215
//! cargo run --example producer -- 127.0.0.1:39215 orders < lines.txt
//! cargo run --example get_watermark_offsets -- 127.0.0.1:39215 my-group orders
//! ```
//! The mock cluster supports produce, consume, consumer groups, offsets and metadata; it has
//! no admin API handlers, no SASL and no stored transactional offsets (for those, use tansu:
//! `scripts/brokers.sh start`).

mod common;

use std::io::{Read, Write};

const USAGE: &str = "usage: mock_cluster [-n brokers] [-t topic[:partitions]]... [--forever]";

fn main() {
    let opts = common::parse_args(USAGE, &["-n", "-t"], &["--forever"]);
    opts.no_positional(USAGE);
    let brokers = opts.parsed("-n", USAGE).unwrap_or(1);
    let forever = opts.has("--forever");
    let topics: Vec<(&str, i32)> = opts
        .all("-t")
        .iter()
        .map(|spec| match spec.split_once(':') {
            Some((name, p)) => (
                name,
                p.parse()
                    .unwrap_or_else(|_| common::die(USAGE, &format!("-t {spec}"))),
            ),
            None => (spec.as_str(), 1),
        })
        .collect();
    let cluster = common::start_mock(brokers, &topics);
    println!("bootstrap.servers={}", cluster.bootstrap_servers());
    let _ = std::io::stdout().flush();
    eprintln!(
        "% mock cluster of {brokers} broker(s) serving; {}",
        if forever {
            "Ctrl-C stops it"
        } else {
            "close stdin (Ctrl-D) to stop it"
        }
    );
    if forever {
        loop {
            std::thread::park();
        }
    }
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
    eprintln!("% stdin closed: stopping the mock cluster");
}
