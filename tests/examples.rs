//! The examples are real tools: run their binaries (built by `cargo test`) end to end.

mod common;

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use common::{create_topic_py, unique, Tansu};

fn example(name: &str) -> PathBuf {
    // target/<profile>/deps/<this test> -> target/<profile>/examples/<name>
    let exe = std::env::current_exe().unwrap();
    let p = exe
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("examples")
        .join(name);
    assert!(
        p.exists(),
        "example binary {} not built (run via `cargo test`)",
        p.display()
    );
    p
}

#[test]
fn quickstart_runs_on_the_embedded_mock_cluster() {
    let out = Command::new(example("quickstart"))
        .env_remove("KAFKA_BOOTSTRAP_SERVERS")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines[0].starts_with("librdkafka 2.12.1"), "{stdout}");
    assert!(
        lines[1].starts_with("builtin.features: ") && lines[1].contains("sasl_scram"),
        "{stdout}"
    );
    assert!(stdout.contains("embedded mock cluster"));
    assert!(stdout.contains("10000 delivered, 0 failed"), "{stdout}");
    assert!(stdout.contains("consumed 10000 messages back"), "{stdout}");
}

#[test]
fn producer_then_consumer_examples_against_tansu() {
    let broker = Tansu::plain();
    let topic = unique("ex");
    create_topic_py(&broker.bootstrap(), &topic, 1, &[]);
    let mut p = Command::new(example("producer"))
        .args([&broker.bootstrap(), &topic, "-X", "linger.ms=1"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        let mut stdin = p.stdin.take().unwrap();
        for i in 0..25 {
            writeln!(stdin, "line {i}").unwrap();
        }
    }
    let out = p.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert_eq!(err.matches("Message delivered to").count(), 25, "{err}");
    assert!(err.contains("25 produced, 0 failed"));

    let props = common::TempDir::new("props");
    let file = props.0.join("c.properties");
    std::fs::write(
        &file,
        "# consumer settings\nsession.timeout.ms = 6000\nenable.partition.eof: false\n",
    )
    .unwrap();
    let out = Command::new(example("consumer"))
        .args([
            &broker.bootstrap(),
            &unique("exg"),
            &topic,
            "--max-messages",
            "25",
            "-F",
            file.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 25, "{stdout}");
    for (i, l) in lines.iter().enumerate() {
        assert_eq!(*l, format!("{topic} [0] @ {i} key=None value=line {i}"));
    }

    // A producer pointed at nothing fails every message and exits non-zero.
    let mut p = Command::new(example("producer"))
        .args(["127.0.0.1:1", &topic, "-X", "message.timeout.ms=1000"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(p.stdin.take().unwrap(), "doomed").unwrap();
    let out = p.wait_with_output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 failed"));
}

#[test]
fn eos_transactions_turns_n_inputs_into_n_committed_outputs() {
    use rkafka::{Consumer, Offset, Producer, Rebalance, Record, TopicPartition};
    use std::time::{Duration, Instant};
    let broker = Tansu::plain();
    let (input, output, group) = (unique("eos-in"), unique("eos-out"), unique("eos-g"));
    create_topic_py(&broker.bootstrap(), &input, 2, &[]);
    create_topic_py(&broker.bootstrap(), &output, 2, &[]);
    let p = Producer::new(broker.config()).unwrap();
    let values: Vec<String> = (0..250).map(|i| format!("word-{i}")).collect();
    for (i, v) in values.iter().enumerate() {
        p.produce(
            Record::new(&input)
                .partition((i % 2) as i32)
                .key(v)
                .value(v),
        )
        .unwrap();
    }
    assert_eq!(p.flush(Duration::from_secs(10)), 0);
    let out = Command::new(example("eos_transactions"))
        .args([
            &broker.bootstrap(),
            &input,
            &output,
            &group,
            "--max-messages",
            "250",
            "-X",
            "session.timeout.ms=6000",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("250 message(s) processed exactly once"),
        "{err}"
    );
    assert!(err.matches("committed a transaction").count() >= 3, "{err}");

    // N committed outputs, transformed...
    let c = Consumer::new(
        broker
            .config()
            .with("group.id", unique("reader"))
            .with("auto.offset.reset", "earliest")
            .with("isolation.level", "read_committed")
            .with("session.timeout.ms", "6000"),
    )
    .unwrap();
    c.subscribe(&[&output], Rebalance::new()).unwrap();
    let mut got = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while got.len() < 250 && Instant::now() < deadline {
        if let Some(Ok(m)) = c.poll(Duration::from_millis(200)) {
            got.push(String::from_utf8(m.value().unwrap().to_vec()).unwrap());
        }
    }
    got.sort();
    let mut want: Vec<String> = values.iter().map(|v| v.to_uppercase()).collect();
    want.sort();
    assert_eq!(got, want);
    // ...and the input offsets committed in the same transactions.
    let g = Consumer::new(broker.config().with("group.id", &group)).unwrap();
    let committed = g
        .committed(
            &[
                TopicPartition::new(&input, 0),
                TopicPartition::new(&input, 1),
            ],
            Duration::from_secs(10),
        )
        .unwrap();
    assert_eq!(
        committed.iter().map(|t| t.offset).collect::<Vec<_>>(),
        vec![Offset::At(125), Offset::At(125)]
    );
}
