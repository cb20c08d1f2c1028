//! The examples are real tools: run their binaries (built by `cargo test`) end to end.

use crate::common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::{create_topic_py, example_bin, run_example, unique, Tansu};

#[test]
fn quickstart_runs_on_the_embedded_mock_cluster() {
    let out = Command::new(example_bin("quickstart"))
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
    let mut p = Command::new(example_bin("producer"))
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
    let out = Command::new(example_bin("consumer"))
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
    let mut p = Command::new(example_bin("producer"))
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
    use rkafka::{Consumer, Offset, Producer, Record, TopicPartition};
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
    let out = Command::new(example_bin("eos_transactions"))
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
    c.subscribe(&[&output]).unwrap();
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

/// Runs an example binary with `args`, feeding it `stdin`; returns its output.
fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Produces `counts[p]` messages to each partition `p` of `topic`, then commits `commits`
/// (partition, offset) for `group` without joining it.
fn fill_and_commit(
    bootstrap: &str,
    topic: &str,
    counts: &[usize],
    group: &str,
    commits: &[(i32, i64)],
) {
    use rkafka::{Config, Consumer, Producer, Record, TopicPartition};
    use std::time::Duration;
    let config = Config::from([("bootstrap.servers", bootstrap)]);
    let p = Producer::new(config.clone()).unwrap();
    for (partition, n) in counts.iter().enumerate() {
        for i in 0..*n {
            let v = format!("m{i}");
            p.produce_wait(
                Record::new(topic).partition(partition as i32).value(&v),
                Duration::from_secs(10),
            )
            .unwrap();
        }
    }
    assert_eq!(p.flush(Duration::from_secs(30)), 0);
    let c = Consumer::new(config.with("group.id", group)).unwrap();
    let tps: Vec<TopicPartition> = commits
        .iter()
        .map(|(partition, offset)| TopicPartition::with_offset(topic, *partition, *offset))
        .collect();
    c.commit_offsets(&tps).unwrap();
    c.close_timeout(Duration::from_secs(10)).unwrap();
}

/// A new topic with `counts.len()` partitions filled as [`fill_and_commit`] does, and the
/// group it committed for: `(topic, group)`.
fn topic_with_group(
    bootstrap: &str,
    prefix: &str,
    counts: &[usize],
    commits: &[(i32, i64)],
) -> (String, String) {
    let (topic, group) = (unique(prefix), unique(&format!("{prefix}-g")));
    create_topic_py(bootstrap, &topic, counts.len() as i32, &[]);
    fill_and_commit(bootstrap, &topic, counts, &group, commits);
    (topic, group)
}

/// What `get_watermark_offsets` prints for (topic, partition, committed, lag) rows.
fn watermark_table(rows: &[(&str, i32, Option<i64>, i64)]) -> String {
    let mut out = format!(
        "{:<50}  {:>9}  {:>9}\n{}\n",
        "Topic [Partition]",
        "Committed",
        "Lag",
        "=".repeat(72)
    );
    for (topic, partition, committed, lag) in rows {
        let c = committed.map_or("-".to_string(), |c| c.to_string());
        out += &format!(
            "{:<50}  {c:>9}  {lag:>9}\n",
            format!("{topic} [{partition}]")
        );
    }
    out
}

/// tansu 0.6.0 (sqlite): the prebuilt tansu reports wrong high watermarks for multi-record
/// batches (the last batch's base offset), confluent-kafka-python sees the same.
#[test]
fn get_watermark_offsets_shows_committed_offsets_and_lag() {
    let broker = Tansu::sqlite();
    let b = broker.bootstrap();
    let (topic, group) = topic_with_group(&b, "wm", &[7, 5], &[(0, 3)]);
    let out = run_example("get_watermark_offsets", &[&b, &group, &topic], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        watermark_table(&[(&topic, 0, Some(3), 4), (&topic, 1, None, 5)])
    );
    // Another group, with nothing committed: every message is lag.
    let out = run_example("get_watermark_offsets", &[&b, &unique("other"), &topic], "");
    assert_eq!(
        text(&out.stdout),
        watermark_table(&[(&topic, 0, None, 7), (&topic, 1, None, 5)])
    );
}

/// `mock_cluster` gives other processes a broker: the `producer` example writes to it and
/// `get_watermark_offsets` reads the offsets back; closing its stdin stops it.
#[test]
fn mock_cluster_serves_the_other_examples() {
    use std::time::Duration;
    let mut mock = Command::new(example_bin("mock_cluster"))
        .args(["-n", "2", "-t", "wm:2"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (lines, stderr) = common::capture_output(&mut mock);
    let first = lines
        .recv_timeout(Duration::from_secs(30))
        .unwrap_or_else(|_| panic!("no address from mock_cluster: {}", stderr.lock().unwrap()));
    let b = first
        .strip_prefix("bootstrap.servers=")
        .unwrap()
        .to_string();
    assert_eq!(b.split(',').count(), 2, "{b}");

    let lines_in: String = (0..10).map(|i| format!("line {i}\n")).collect();
    let out = run_example("producer", &[&b, "wm"], &lines_in);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("10 produced, 0 failed"));

    let group = unique("wm-g");
    fill_and_commit(&b, "wm", &[4, 0], &group, &[(0, 1), (1, 0)]);
    let out = run_example("get_watermark_offsets", &[&b, &group, "wm"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    // 14 messages in all: the 10 lines (split by the sticky partitioner) and 4 more in [0].
    let stdout = text(&out.stdout);
    let rows: Vec<(i64, i64)> = stdout
        .lines()
        .skip(2)
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            assert_eq!(f[0], "wm", "{stdout}");
            (f[2].parse().unwrap(), f[3].parse().unwrap())
        })
        .collect();
    assert_eq!(rows.len(), 2, "{stdout}");
    assert_eq!((rows[0].0, rows[1].0), (1, 0), "{stdout}");
    assert_eq!(rows[0].1 + 1 + rows[1].1, 14, "{stdout}");
    assert!(rows[0].1 >= 4 - 1, "{stdout}");

    drop(mock.stdin.take());
    let status = mock.wait().unwrap();
    assert!(status.success());
    let stderr = common::stderr_with(&stderr, "stdin closed");
    assert!(stderr.contains("stdin closed"), "{stderr}");
}

#[test]
fn confluent_cloud_round_trip_on_the_embedded_mock_cluster() {
    let out = run_example("confluent_cloud", &["-t", "cc"], "");
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines[0].contains("embedded mock cluster"), "{stdout}");
    assert_eq!(lines[1], "produced to: cc [0] @ 0");
    assert!(
        lines[2].starts_with("consumed: rkafka test value "),
        "{stdout}"
    );
    assert_eq!(lines.len(), 3, "{stdout}");
}

/// `sasl_producer` and `confluent_cloud` (configured by `-X` as for Confluent Cloud, with
/// SCRAM instead of PLAIN) against tansu 0.6.0 with authentication.
#[test]
fn sasl_producer_and_confluent_cloud_against_scram_tansu() {
    let broker = Tansu::sasl();
    let b = broker.bootstrap();
    let topic = unique("sasl-ex");
    let auth = [
        ("security.protocol", "SASL_PLAINTEXT"),
        ("sasl.mechanisms", "SCRAM-SHA-256"),
        ("sasl.username", "alice"),
        ("sasl.password", "alice-secret"),
    ];
    create_topic_py(&b, &topic, 1, &auth);

    let args = [
        "-b",
        &b,
        "-m",
        "scram-sha-256",
        "-u",
        "alice",
        "-s",
        "alice-secret",
        "-t",
        &topic,
    ];
    let out = run_example("sasl_producer", &args, "k1|v1\nno key here\nk2;x|v2\n");
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    assert_eq!(
        stdout,
        format!(
            "Producing records to topic {topic}. ^D to exit.\n\nFlushing 3 records...\n\
             User record k1 successfully produced to {topic} [0] at offset 0\n\
             User record None successfully produced to {topic} [0] at offset 1\n\
             User record k2;x successfully produced to {topic} [0] at offset 2\n"
        )
    );

    // Read back by confluent_cloud as bob (SCRAM-SHA-512), after its own message.
    let out = run_example(
        "confluent_cloud",
        &[
            "-b",
            &b,
            "-t",
            &topic,
            "-X",
            "security.protocol=SASL_PLAINTEXT",
            "-X",
            "sasl.mechanisms=SCRAM-SHA-512",
            "-X",
            "sasl.username=bob",
            "-X",
            "sasl.password=bob-secret",
            "-X",
            "session.timeout.ms=6000",
        ],
        "",
    );
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], format!("bootstrap.servers = {b}"));
    assert_eq!(lines[1], format!("produced to: {topic} [0] @ 3"));
    assert_eq!(
        lines[2..5],
        ["consumed: v1", "consumed: no key here", "consumed: v2"]
    );
    assert!(
        lines[5].starts_with("consumed: rkafka test value "),
        "{stdout}"
    );

    // A wrong password: the authentication error reaches error_cb, the message fails, exit 1.
    let args = [
        "-b",
        &b,
        "-m",
        "SCRAM-SHA-256",
        "-u",
        "alice",
        "-s",
        "wrong",
        "-t",
        &topic,
        "-X",
        "message.timeout.ms=3000",
    ];
    let out = run_example("sasl_producer", &args, "k1|v1\n");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).contains(
            "Delivery failed for User record k1: Local: Message timed out (_MSG_TIMED_OUT)"
        ),
        "{}",
        text(&out.stdout)
    );
    let err = text(&out.stderr);
    assert!(
        err.contains("SASL SCRAM authentication failed") && err.contains("(_AUTHENTICATION)"),
        "{err}"
    );
    assert!(!err.contains("wrong"), "the password leaked: {err}");
}

#[test]
fn adminapi_logger_lists_groups_and_logs_through_the_custom_logger() {
    let broker = Tansu::plain();
    let b = broker.bootstrap();
    let (_topic, group) = topic_with_group(&b, "log", &[1], &[(0, 1)]);
    let out = run_example("adminapi_logger", &[&b], "");
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let lines: Vec<&str> = stdout.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(
        lines[0],
        "========================= List consumer groups result Start ========================="
    );
    assert_eq!(lines[1], "1 consumer groups", "{stdout}");
    assert!(
        lines[2].starts_with(&format!("    id: {group} is_simple: false state: ")),
        "{stdout}"
    );
    assert_eq!(lines[3], "0 errors");
    // debug=all through the custom logger: `YYYY-MM-DD HH:MM:SS,mmm LEVEL    FACILITY message`
    // (a few messages span several lines).
    let logged = stderr
        .lines()
        .filter(|l| {
            let b = l.as_bytes();
            l.len() > 33
                && b[4] == b'-'
                && b[10] == b' '
                && b[19] == b','
                && l[24..].starts_with("DEBUG    ")
        })
        .count();
    assert!(logged > 20, "{stderr}");
    assert!(
        stderr.contains(" BROKER ") || stderr.contains(" CONNECT "),
        "{stderr}"
    );
}

/// Ctrl-C (SIGINT) and SIGTERM stop the consumer example's poll loop: it reports what it
/// consumed, commits, leaves the group and exits 0, within a bound.
#[test]
fn consumer_example_stops_cleanly_on_sigint_and_sigterm() {
    use std::time::{Duration, Instant};
    let cluster = common::mock_with("sig", 1, 5);
    for signal in [libc::SIGINT, libc::SIGTERM] {
        let mut child = Command::new(example_bin("consumer"))
            .args([cluster.bootstrap_servers(), &unique("sig-g"), "sig"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (lines, stderr) = common::capture_output(&mut child);
        for i in 0..5 {
            let line = lines
                .recv_timeout(Duration::from_secs(30))
                .unwrap_or_else(|_| panic!("no message {i}: {}", stderr.lock().unwrap()));
            assert!(line.starts_with("sig [0] @ "), "{line}");
        }
        // SAFETY: signals our own child process, which is still running (not yet waited for).
        assert_eq!(unsafe { libc::kill(child.id() as libc::pid_t, signal) }, 0);
        let sent = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            // One poll (0.5 s) to notice, a bounded close (10 s), and a second of margin.
            assert!(
                sent.elapsed() < Duration::from_secs(12),
                "no exit after signal {signal}"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        let done = "% 5 message(s) consumed; closing";
        let stderr = common::stderr_with(&stderr, done);
        assert!(status.success(), "signal {signal}: {status}\n{stderr}");
        assert!(stderr.contains(done), "{stderr}");
    }
}
