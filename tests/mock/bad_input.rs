//! Bad input: every case gets a clear error (its code, and a message naming the problem) or a
//! documented safe result, and never a crash or a hang. Configuration, topic names, records,
//! timeouts, consumer calls on partitions it does not own, calls after `close`, closures that
//! panic or call back into their own client, brokers that cannot be reached, SASL refused.
//!
//! The library bugs this suite found are fixed; their tests run with the rest (see README).

use crate::common;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

use common::{fate_of_one_message, group_conf, mock_with, produce_one, within, Tansu};
use rkafka::{
    Config, Consumer, ErrorCode, KafkaError, MockCluster, Offset, Producer, Rebalance, Record,
    Timeout, TopicPartition,
};

/// Every test finishes within this bound (a hang fails the test, not the suite).
const LIMIT: Duration = Duration::from_secs(60);

/// The single configuration problem `entries` cause when building a producer.
fn config_issue(entries: &[(&str, &str)]) -> rkafka::ConfigIssue {
    let e = Producer::new(entries.iter().copied().collect::<Config>()).unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidArg, "{e}");
    assert_eq!(e.config_issues().len(), 1, "{e}");
    e.config_issues()[0].clone()
}

/// Polls until `n` messages arrived (bounded).
fn poll_n(c: &Consumer, n: usize) -> usize {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut got = 0;
    while got < n && Instant::now() < deadline {
        if let Some(Ok(_)) = c.poll(Duration::from_millis(100)) {
            got += 1;
        }
    }
    got
}

fn panic_text(p: &Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Configuration.

#[test]
fn unknown_key_suggests_the_closest_property() {
    let issue = config_issue(&[("boostrap.servers", "x")]);
    assert_eq!(issue.key, "boostrap.servers");
    assert!(issue.reason.contains("unknown configuration property"));
    assert!(issue.suggestions.contains(&"bootstrap.servers".to_string()));
    assert!(issue
        .to_string()
        .contains("did you mean `bootstrap.servers`"));
}

#[test]
fn misspelled_consumer_keys_each_get_their_own_suggestion() {
    let e = Consumer::new([
        ("bootstrap.servers", "127.0.0.1:1"),
        ("group.id", "g"),
        ("enable.auto.comit", "false"),
        ("auto.offset.rest", "earliest"),
        ("session.timeout", "6000"),
    ])
    .unwrap_err();
    let got: Vec<(&str, bool)> = e
        .config_issues()
        .iter()
        .map(|i| (i.key.as_str(), !i.suggestions.is_empty()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("enable.auto.comit", true),
            ("auto.offset.rest", true),
            ("session.timeout", true)
        ],
        "{e}"
    );
    let shown = e.to_string();
    for want in [
        "`enable.auto.commit`",
        "`auto.offset.reset`",
        "`session.timeout.ms`",
    ] {
        assert!(shown.contains(want), "no suggestion {want}: {shown}");
    }
}

#[test]
fn non_numeric_value_names_the_key_and_the_value() {
    let issue = config_issue(&[("linger.ms", "soon")]);
    assert_eq!(issue.key, "linger.ms");
    assert!(issue.reason.contains("soon"), "{issue}");
    let issue = config_issue(&[("batch.num.messages", "lots")]);
    assert!(issue.reason.contains("lots"), "{issue}");
}

#[test]
fn out_of_range_values_name_the_allowed_range() {
    let issue = config_issue(&[("message.max.bytes", "10")]);
    assert_eq!(issue.key, "message.max.bytes");
    assert!(
        issue.reason.contains("10") && issue.reason.contains("1000..1000000000"),
        "{issue}"
    );
    let issue = config_issue(&[("linger.ms", "-5")]);
    assert!(
        issue.reason.contains("-5") && issue.reason.contains("0..900000"),
        "{issue}"
    );
}

#[test]
fn bad_enum_and_bool_values_are_refused_naming_the_value() {
    for (key, value) in [
        ("acks", "sometimes"),
        ("compression.type", "brotli"),
        ("auto.offset.reset", "middle"),
        ("security.protocol", "SSSL"),
        ("enable.idempotence", "maybe"),
    ] {
        let issue = config_issue(&[(key, value)]);
        assert_eq!(issue.key, key);
        assert!(issue.reason.contains(value), "{issue}");
    }
}

#[test]
fn python_only_keys_name_the_rkafka_replacement() {
    for (key, method) in [
        ("on_delivery", "on_delivery"),
        ("error_cb", ".error_cb("),
        ("throttle_cb", ".throttle_cb("),
        ("stats_cb", ".stats_cb("),
        ("logger", ".logger("),
        ("oauth_cb", ".oauth_cb("),
        ("on_commit", "on_commit"),
        ("on_assign", "subscribe"),
        ("on_revoke", "subscribe"),
        ("on_lost", "subscribe"),
    ] {
        let issue = config_issue(&[(key, "callable")]);
        assert_eq!(issue.key, key);
        assert!(
            issue.reason.contains("confluent-kafka-python") && issue.reason.contains(method),
            "{issue}"
        );
    }
}

#[test]
fn every_bad_entry_is_reported_at_once() {
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
fn empty_names_and_nul_bytes_are_refused_with_their_position() {
    let issue = config_issue(&[("", "x")]);
    assert!(issue.reason.contains("empty property name"), "{issue}");
    let issue = config_issue(&[("linger\0.ms", "5")]);
    assert!(issue.reason.contains("NUL byte at position 6"), "{issue}");
    let issue = config_issue(&[("client.id", "a\0b")]);
    assert_eq!(issue.key, "client.id");
    assert!(issue.reason.contains("NUL byte at position 1"), "{issue}");
}

#[test]
fn properties_file_errors_name_the_file_and_line() {
    let e = Config::from_properties_str("# comment\nacks=all\n=orphan value\n").unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidArg);
    assert!(
        e.str().contains("line 3") && e.str().contains("missing property name"),
        "{e}"
    );
    let e = Config::from_properties_file("/nonexistent/rkafka.properties").unwrap_err();
    assert!(e.str().contains("/nonexistent/rkafka.properties"), "{e}");
}

/// `.properties` text parses exactly as Java's `Properties.load(Reader)` parses it, case by case
/// over the table `tests/java/PropertiesTable.java` printed (committed, since CI has no Java;
/// re-made and compared here whenever `java` is on PATH, so it cannot go stale). Documented
/// differences, each checked: a leading byte-order mark is dropped (Java's Reader keeps it in
/// the first key); a lone UTF-16 surrogate, which a Rust string cannot hold, is refused; an
/// empty key, which librdkafka has no property for, is refused naming its line. Java's own
/// refusals (malformed `\uxxxx`) are refused too.
#[test]
fn properties_text_parses_as_java_properties_load_does() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/java");
    let table = std::fs::read_to_string(dir.join("properties_table.txt")).unwrap();
    if let Some(fresh) = java_properties_table(&dir) {
        let strip = |t: &str| -> Vec<String> {
            t.lines()
                .filter(|l| !l.starts_with('#'))
                .map(str::to_string)
                .collect()
        };
        assert_eq!(
            strip(&fresh),
            strip(&table),
            "tests/java/properties_table.txt is stale: re-make it with \
             `java tests/java/PropertiesTable.java > tests/java/properties_table.txt`"
        );
    }
    let cases = parse_java_table(&table);
    assert!(cases.len() >= 60, "only {} cases", cases.len());
    let java_for = |input: &[u16]| -> &JavaResult {
        &cases
            .iter()
            .find(|(i, _)| i == input)
            .unwrap_or_else(|| {
                panic!(
                    "the table has no case {:?}",
                    String::from_utf16_lossy(input)
                )
            })
            .1
    };
    for (input16, java) in &cases {
        let input = String::from_utf16(input16).expect("inputs are valid text");
        let got = Config::from_properties_str(&input);
        let shown = format!("input {input:?}: rkafka gives {got:?}, Java {java:?}");
        // A byte-order mark is encoding, not text: the rest must parse as Java parses it.
        let java = match input16.first() {
            Some(0xFEFF) => java_for(&input16[1..]),
            _ => java,
        };
        match java {
            JavaResult::Error(why) => {
                assert_eq!(why, "Malformed \\uxxxx encoding.");
                let e = got.expect_err(&shown);
                assert!(
                    e.str().contains("line ") && e.str().contains("\\u"),
                    "{shown}"
                );
            }
            JavaResult::Properties(props) => {
                let decoded: Option<Vec<(String, String)>> = props
                    .iter()
                    .map(|(k, v)| Some((String::from_utf16(k).ok()?, String::from_utf16(v).ok()?)))
                    .collect();
                match decoded {
                    None => {
                        let e = got.expect_err(&shown);
                        assert!(e.str().contains("surrogate"), "{shown}");
                    }
                    Some(props) if props.iter().any(|(k, _)| k.is_empty()) => {
                        let e = got.expect_err(&shown);
                        assert!(e.str().contains("missing property name"), "{shown}");
                    }
                    Some(mut props) => {
                        let got = got.expect(&shown);
                        let mut got: Vec<(String, String)> = got
                            .iter()
                            .map(|(k, v)| (k.to_string(), v.to_string()))
                            .collect();
                        got.sort();
                        props.sort();
                        assert_eq!(got, props, "{shown}");
                    }
                }
            }
        }
    }
}

/// What Java gives for one input: its properties (UTF-16 keys and values), or its refusal.
#[derive(Debug)]
enum JavaResult {
    Properties(Vec<(Vec<u16>, Vec<u16>)>),
    Error(String),
}

/// Runs tests/java/PropertiesTable.java when `java` is installed; `None` when it is not.
fn java_properties_table(dir: &Path) -> Option<String> {
    let out = match std::process::Command::new("java")
        .arg(dir.join("PropertiesTable.java"))
        .output()
    {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            eprintln!("java is not installed: checking against the committed table only");
            return None;
        }
        Err(e) => panic!("cannot run java: {e}"),
    };
    assert!(
        out.status.success(),
        "PropertiesTable.java failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8(out.stdout).unwrap())
}

/// Parses the table PropertiesTable.java prints.
fn parse_java_table(table: &str) -> Vec<(Vec<u16>, JavaResult)> {
    let mut cases: Vec<(Vec<u16>, JavaResult)> = Vec::new();
    for line in table.lines().filter(|l| !l.starts_with('#')) {
        if let Some(q) = line.strip_prefix("input ") {
            let (input, rest) = java_unquote(q);
            assert!(rest.is_empty(), "{line}");
            cases.push((input, JavaResult::Properties(Vec::new())));
        } else if let Some(msg) = line.strip_prefix("  error ") {
            cases.last_mut().expect("a case").1 = JavaResult::Error(msg.to_string());
        } else if let Some(q) = line.strip_prefix("  ") {
            let (k, rest) = java_unquote(q);
            let (v, rest) = java_unquote(rest.strip_prefix(" = ").expect(line));
            assert!(rest.is_empty(), "{line}");
            match &mut cases.last_mut().expect("a case").1 {
                JavaResult::Properties(p) => p.push((k, v)),
                JavaResult::Error(_) => panic!("{line}"),
            }
        } else {
            panic!("unexpected table line {line:?}");
        }
    }
    cases
}

/// Reads one quoted, escaped string (PropertiesTable.java's `quote`) as UTF-16 code units;
/// returns it and the text after it.
fn java_unquote(s: &str) -> (Vec<u16>, &str) {
    let body = s.strip_prefix('"').expect(s);
    let mut out = Vec::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return (out, &body[i + 1..]),
            '\\' => {
                let (_, e) = chars.next().expect(s);
                match e {
                    'n' => out.push(u16::from(b'\n')),
                    'r' => out.push(u16::from(b'\r')),
                    't' => out.push(u16::from(b'\t')),
                    'f' => out.push(0x0c),
                    'u' => {
                        let hex: String = (0..4).map(|_| chars.next().expect(s).1).collect();
                        out.push(u16::from_str_radix(&hex, 16).expect(s));
                    }
                    other => out.push(other as u16),
                }
            }
            c => out.push(c as u16),
        }
    }
    panic!("unterminated string in {s:?}")
}

/// `Config::from_env` reads the process environment, where any variable may hold bytes that are
/// not UTF-8: it skips those it has no use for, and refuses one it would read, naming the
/// variable (never showing a secret's value). Runs in a child process (this test, re-run with a
/// prepared environment): changing this process's environment would race with librdkafka's
/// threads reading it.
#[test]
fn from_env_skips_unrelated_non_utf8_variables_and_names_a_bad_one() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    const CHILD: &str = "RKAFKA_TEST_FROM_ENV_CHILD";
    const TEST: &str = "bad_input::from_env_skips_unrelated_non_utf8_variables_and_names_a_bad_one";
    if std::env::var_os(CHILD).is_some() {
        match Config::from_env("RKTEST_") {
            Ok(c) => println!("FROM_ENV ok {:?}", c.iter().collect::<Vec<_>>()),
            Err(e) => println!("FROM_ENV err {e}"),
        }
        return;
    }
    let run = |vars: &[(&[u8], &[u8])]| -> String {
        let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
        cmd.args([TEST, "--exact", "--nocapture", "--test-threads=1"])
            .env(CHILD, "1");
        for (k, v) in vars {
            cmd.env(OsStr::from_bytes(k), OsStr::from_bytes(v));
        }
        let out = cmd.output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "the child failed: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
            .lines()
            .find_map(|l| l.split_once("FROM_ENV ").map(|(_, r)| r))
            .unwrap_or_else(|| panic!("no result from the child: {stdout}"))
            .to_string()
    };
    // Unrelated variables that are not UTF-8, in name or value, are skipped.
    let got = run(&[
        (b"UNRELATED_VALUE", b"\xff\xfe"),
        (b"UNRELATED_\xff", b"x"),
        (b"RKTEST_BOOTSTRAP_SERVERS", b"h:9092"),
    ]);
    assert_eq!(got, r#"ok [("bootstrap.servers", "h:9092")]"#);
    // A variable it would read names itself; a secret's value is never shown.
    let got = run(&[(b"RKTEST_SASL_PASSWORD", b"S3cret\xff")]);
    assert!(
        got.starts_with("err ")
            && got.contains("RKTEST_SASL_PASSWORD")
            && got.contains("sasl.password")
            && got.contains("not valid UTF-8"),
        "{got}"
    );
    assert!(!got.contains("S3cret"), "{got}");
    let got = run(&[(b"RKTEST_CLIENT_ID", b"abc\xff")]);
    assert!(
        got.contains("RKTEST_CLIENT_ID") && got.contains("abc\\xFF"),
        "{got}"
    );
    let got = run(&[(b"RKTEST_\xffNAME", b"v")]);
    assert!(
        got.starts_with("err ") && got.contains("RKTEST_\\xFFNAME"),
        "{got}"
    );
}

/// Suggestions for an unknown key cost time bounded by the key's length, and the error shows
/// a long key shortened (saying so): a 1 MB key used to take 17.7 s and echo all of itself.
#[test]
fn a_huge_unknown_key_is_refused_at_once_and_shown_shortened() {
    within(LIMIT, || {
        let key = "x".repeat(1 << 20);
        let t = Instant::now();
        let e = Config::from([(key.as_str(), "v")]).validate().unwrap_err();
        let took = t.elapsed();
        assert!(took < Duration::from_secs(5), "{took:?}");
        assert_eq!(e.config_issues()[0].key, key, "the issue keeps the key");
        let shown = e.to_string();
        assert!(
            shown.len() < 500,
            "{} bytes: {}",
            shown.len(),
            &shown[..500]
        );
        assert!(
            shown.contains("1048576 bytes") && shown.contains("unknown configuration property"),
            "{shown}"
        );
        // A long value librdkafka refuses is shortened the same way.
        let e = Config::from([("linger.ms", "9".repeat(1 << 20))])
            .validate()
            .unwrap_err();
        assert!(e.to_string().len() < 1000, "{}", &e.to_string()[..1000]);
    })
}

#[test]
fn consumer_without_group_id_is_refused() {
    let e = Consumer::new([("bootstrap.servers", "127.0.0.1:1")]).unwrap_err();
    assert_eq!(e.config_issues()[0].key, "group.id");
    assert!(
        e.str().contains("group.id") && e.str().contains("required"),
        "{e}"
    );
    let e = Consumer::new([("bootstrap.servers", "127.0.0.1:1"), ("group.id", "")]).unwrap_err();
    assert_eq!(e.config_issues()[0].key, "group.id");
}

/// An empty `bootstrap.servers` is accepted (as by librdkafka and Python): the client has no
/// broker, so metadata requests time out and messages fail in their closures, within bounds.
#[test]
fn empty_bootstrap_servers_fails_messages_within_their_timeout() {
    within(LIMIT, || {
        let producer =
            Producer::new([("bootstrap.servers", ""), ("message.timeout.ms", "1000")]).unwrap();
        let t = Instant::now();
        let e = producer
            .list_topics(None, Duration::from_millis(500))
            .unwrap_err();
        assert!(
            matches!(e.code(), ErrorCode::TimedOut | ErrorCode::Transport),
            "{e:?}"
        );
        let fate = fate_of_one_message(&producer, "t");
        assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
        assert_eq!(fate, Some(Some(ErrorCode::MsgTimedOut)));
    })
}

// ---------------------------------------------------------------------------------------------
// Topic names and records.

#[test]
fn invalid_topic_names_are_refused_by_produce_subscribe_and_the_mock() {
    within(LIMIT, || {
        let c = mock_with("names", 1, 0);
        let producer = Producer::new([("bootstrap.servers", c.bootstrap_servers())]).unwrap();
        let long = "x".repeat(250);
        for (topic, needle) in [
            ("", "empty"),
            ("bad topic", "not allowed"),
            ("nul\0x", "not allowed"),
            ("..", "not allowed"),
            (".", "not allowed"),
            (long.as_str(), "the limit is 249"),
        ] {
            let e = producer
                .try_produce(Record::new(topic).value("x"))
                .unwrap_err();
            assert_eq!(e.error.code(), ErrorCode::InvalidArg);
            assert!(e.error.str().contains(needle), "{topic:?}: {}", e.error);
            assert_eq!(e.record.topic_name(), topic, "the record is handed back");
            // The owned form says the same (for `?`).
            let owned = producer.produce(Record::new(topic).value("x")).unwrap_err();
            assert_eq!(owned.str(), e.error.str());
        }
        // 249 characters is allowed.
        producer
            .produce(Record::new(&"x".repeat(249)).value("x"))
            .unwrap();
        let consumer = Consumer::new(group_conf(&c, "g-names")).unwrap();
        for topic in ["bad topic!", "", "a/b"] {
            let e = consumer.subscribe(&[topic]).unwrap_err();
            assert_eq!(e.code(), ErrorCode::InvalidArg, "{topic:?}: {e}");
        }
        let e = c.create_topic(&long, 1, 1).unwrap_err();
        assert!(e.str().contains("the limit is 249"), "{e}");
    })
}

#[test]
fn negative_partition_is_refused() {
    within(LIMIT, || {
        let c = mock_with("negpart", 2, 0);
        let producer = Producer::new([("bootstrap.servers", c.bootstrap_servers())]).unwrap();
        let e = producer
            .produce(Record::new("negpart").partition(-3))
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidArg);
        assert!(e.str().contains("partition -3 is negative"), "{}", e);
    })
}

#[test]
fn partition_out_of_range_fails_as_unknown_partition() {
    within(LIMIT, || {
        let c = mock_with("range", 2, 0);
        let producer = Producer::new([("bootstrap.servers", c.bootstrap_servers())]).unwrap();
        producer
            .list_topics(Some("range"), Duration::from_secs(5))
            .unwrap();
        // Reported at once when the partition count is known, else in the delivery report.
        let got = Arc::new(Mutex::new(None));
        let g = got.clone();
        match producer.produce(
            Record::new("range")
                .partition(99)
                .on_delivery(move |r| *g.lock().unwrap() = r.error().map(|e| e.code())),
        ) {
            Err(e) => assert_eq!(e.code(), ErrorCode::UnknownPartition),
            Ok(()) => {
                producer.flush(Duration::from_secs(10));
                assert_eq!(*got.lock().unwrap(), Some(ErrorCode::UnknownPartition));
            }
        }
    })
}

#[test]
fn message_larger_than_message_max_bytes_is_refused_and_handed_back() {
    within(LIMIT, || {
        let c = mock_with("big", 1, 0);
        let producer = Producer::new([
            ("bootstrap.servers", c.bootstrap_servers()),
            ("message.max.bytes", "1000"),
        ])
        .unwrap();
        let big = vec![7u8; 5000];
        let e = producer
            .try_produce(Record::new("big").key("k").value(&big))
            .unwrap_err();
        assert_eq!(e.error.code(), ErrorCode::MsgSizeTooLarge, "{}", e.error);
        assert!(!e.is_queue_full());
        // The record comes back intact: shrink it and send it.
        let e2 = producer.try_produce(e.record).unwrap_err();
        assert_eq!(e2.error.code(), ErrorCode::MsgSizeTooLarge);
        producer
            .produce(Record::new("big").key("k").value(&big[..100]))
            .unwrap();
        assert_eq!(producer.flush(Duration::from_secs(10)), 0);
    })
}

#[test]
fn header_name_with_nul_is_refused() {
    within(LIMIT, || {
        let c = mock_with("hdr", 1, 0);
        let producer = Producer::new([("bootstrap.servers", c.bootstrap_servers())]).unwrap();
        let e = producer
            .produce(Record::new("hdr").header("a\0b", "v"))
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidArg);
        assert!(e.str().contains("NUL"), "{}", e);
    })
}

#[test]
fn produce_batch_hands_back_exactly_the_bad_records() {
    within(LIMIT, || {
        let c = mock_with("batchbad", 2, 0);
        let delivered = Arc::new(AtomicUsize::new(0));
        let d = delivered.clone();
        let producer = Producer::builder([
            ("bootstrap.servers", c.bootstrap_servers()),
            ("message.max.bytes", "1000"),
        ])
        .on_delivery(move |r| {
            assert!(r.error().is_none(), "{:?}", r.error());
            d.fetch_add(1, Ordering::SeqCst);
        })
        .build()
        .unwrap();
        let big = vec![1u8; 5000];
        let failed = producer.produce_batch([
            Record::new("batchbad").value("ok-1"),
            Record::new("").value("empty topic"),
            Record::new("batchbad").value("ok-2"),
            Record::new("batchbad").partition(-1).value("negative"),
            Record::new("batchbad").value(&big),
            Record::new("batchbad").value("ok-3"),
        ]);
        // In input order, each with its own error.
        let got: Vec<(&str, ErrorCode)> = failed
            .iter()
            .map(|f| (f.record.topic_name(), f.error.code()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("", ErrorCode::InvalidArg),
                ("batchbad", ErrorCode::InvalidArg),
                ("batchbad", ErrorCode::MsgSizeTooLarge),
            ]
        );
        assert!(
            failed[0].error.str().contains("empty"),
            "{}",
            failed[0].error
        );
        assert!(
            failed[1].error.str().contains("negative"),
            "{}",
            failed[1].error
        );
        assert_eq!(producer.flush(Duration::from_secs(10)), 0);
        assert_eq!(delivered.load(Ordering::SeqCst), 3);
    })
}

// ---------------------------------------------------------------------------------------------
// Timeouts.

#[test]
fn zero_and_never_timeouts_return_at_once_when_nothing_is_pending() {
    within(LIMIT, || {
        let c = mock_with("zero", 1, 1);
        let producer = Producer::new([("bootstrap.servers", c.bootstrap_servers())]).unwrap();
        let t = Instant::now();
        assert_eq!(producer.flush(Duration::ZERO), 0);
        assert_eq!(producer.flush(Timeout::Never), 0);
        assert_eq!(producer.poll(Duration::ZERO), 0);
        assert!(
            t.elapsed() < Duration::from_millis(500),
            "{:?}",
            t.elapsed()
        );
        let consumer = Consumer::new(group_conf(&c, "g-zero")).unwrap();
        let t = Instant::now();
        assert!(consumer.poll(Duration::ZERO).is_none());
        assert_eq!(consumer.consume(10, Duration::ZERO).unwrap().len(), 0);
        assert!(
            t.elapsed() < Duration::from_millis(500),
            "{:?}",
            t.elapsed()
        );
    })
}

/// A `Duration` too long for librdkafka's `int` milliseconds is clamped (about 24.8 days), not
/// wrapped into a negative ("forever") or zero timeout: calls with work to do return as soon
/// as it is done.
#[test]
fn huge_timeouts_are_clamped_and_return_when_the_work_is_done() {
    within(LIMIT, || {
        let c = mock_with("huge", 1, 3);
        let producer = Producer::new([("bootstrap.servers", c.bootstrap_servers())]).unwrap();
        let t = Instant::now();
        producer.produce(Record::new("huge").value("x")).unwrap();
        assert_eq!(producer.flush(Duration::MAX), 0);
        let md = producer.list_topics(None, Duration::MAX).unwrap();
        assert_eq!(md.brokers.len(), 1);
        let consumer = Consumer::new(group_conf(&c, "g-huge")).unwrap();
        consumer
            .assign(&[TopicPartition::with_offset("huge", 0, Offset::Beginning)])
            .unwrap();
        let m = consumer.poll(Duration::MAX).unwrap().unwrap();
        assert_eq!(m.offset(), 0);
        drop(m);
        assert_eq!(consumer.consume(2, Duration::MAX).unwrap().len(), 2);
        let committed = consumer
            .committed(&[TopicPartition::new("huge", 0)], Duration::MAX)
            .unwrap();
        assert_eq!(committed[0].offset, Offset::Invalid);
        assert!(t.elapsed() < Duration::from_secs(20), "{:?}", t.elapsed());
    })
}

#[test]
fn huge_timeouts_in_produce_wait_and_close_do_not_panic() {
    within(LIMIT, || {
        let c = mock_with("hugeclose", 1, 0);
        let producer = Producer::new([("bootstrap.servers", c.bootstrap_servers())]).unwrap();
        let consumer = Consumer::new(group_conf(&c, "g-hugeclose")).unwrap();
        let mut panicked = Vec::new();
        let mut check =
            |call: &str, f: &mut dyn FnMut() -> bool| match catch_unwind(AssertUnwindSafe(f)) {
                Ok(ok) => assert!(ok, "{call} failed"),
                Err(p) => panicked.push(format!("{call}: {}", panic_text(&p))),
            };
        check("produce_wait(_, Duration::MAX)", &mut || {
            producer
                .produce_wait(Record::new("hugeclose").value("x"), Duration::MAX)
                .is_ok()
        });
        check("Producer::close(Duration::MAX)", &mut || {
            producer.close(Duration::MAX).is_ok()
        });
        check("Consumer::close(Duration::MAX)", &mut || {
            consumer.close_timeout(Duration::MAX).is_ok()
        });
        assert!(panicked.is_empty(), "{panicked:#?}");
        // And the consumer is really closed afterwards.
        assert_eq!(consumer.assignment().unwrap_err().code(), ErrorCode::State);
    })
}

// ---------------------------------------------------------------------------------------------
// Consumer calls on partitions it does not own.

#[test]
fn commit_seek_position_store_on_unassigned_partitions() {
    within(LIMIT, || {
        let c = mock_with("unassigned", 2, 4);
        let consumer = Consumer::new(
            group_conf(&c, "g-unassigned")
                .into_iter()
                .chain([("enable.auto.offset.store", "false".to_string())])
                .collect::<Config>(),
        )
        .unwrap();
        let tp = TopicPartition::with_offset("unassigned", 0, 3);
        // Seek needs an assigned partition: _UNKNOWN_PARTITION, saying which.
        let e = consumer.seek(&tp).unwrap_err();
        assert_eq!(e.code(), ErrorCode::UnknownPartition, "{e:?}");
        let at = e.topic_partition().expect("names the partition");
        assert_eq!((at.topic.as_str(), at.partition), ("unassigned", 0));
        // Storing an offset for it: the same.
        let e = consumer
            .store_offsets_list(std::slice::from_ref(&tp))
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::UnknownPartition, "{e:?}");
        let at = e.topic_partition().expect("names the partition");
        assert_eq!((at.topic.as_str(), at.partition), ("unassigned", 0));
        // Position: documented safe result, no position (Offset::Invalid).
        let pos = consumer
            .position(&[TopicPartition::new("unassigned", 0)])
            .unwrap();
        assert_eq!(pos[0].offset, Offset::Invalid);
        // Pause/resume of a partition not assigned: a no-op, as in librdkafka and Python.
        consumer
            .pause(&[TopicPartition::new("unassigned", 1)])
            .unwrap();
        consumer
            .resume(&[TopicPartition::new("unassigned", 1)])
            .unwrap();
        // Removing it from an empty assignment: _INVALID_ARG naming why.
        let e = consumer
            .incremental_unassign(&[TopicPartition::new("unassigned", 0)])
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidArg);
        assert!(e.str().contains("empty assignment"), "{e}");
        // Committing the current offsets when none are stored: _NO_OFFSET.
        assert_eq!(consumer.commit().unwrap_err().code(), ErrorCode::NoOffset);
        // Committing an explicit offset for any partition is allowed by Kafka (and Python): it
        // becomes the group's committed offset, which is where a later assignment starts.
        consumer.commit_offsets(&[tp]).unwrap();
        let committed = consumer
            .committed(
                &[TopicPartition::new("unassigned", 0)],
                Duration::from_secs(5),
            )
            .unwrap();
        assert_eq!(committed[0].offset, Offset::At(3));
        consumer.close_timeout(Duration::from_secs(5)).unwrap();
    })
}

#[test]
fn store_offsets_with_auto_store_on_names_the_setting() {
    within(LIMIT, || {
        let c = mock_with("autostore", 1, 1);
        let consumer = Consumer::new(group_conf(&c, "g-autostore")).unwrap();
        consumer
            .assign(&[TopicPartition::with_offset(
                "autostore",
                0,
                Offset::Beginning,
            )])
            .unwrap();
        assert_eq!(poll_n(&consumer, 1), 1);
        let e = consumer
            .store_offsets_list(&[TopicPartition::with_offset("autostore", 0, 1)])
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidArg);
        assert!(e.str().contains("enable.auto.offset.store"), "{e}");
    })
}

#[test]
fn bad_consumer_calls_are_refused_clearly() {
    within(LIMIT, || {
        let c = MockCluster::new(1).unwrap();
        let consumer = Consumer::new(group_conf(&c, "g-bad")).unwrap();
        let e = consumer.subscribe(&[] as &[&str]).unwrap_err();
        assert!(e.str().contains("no topics"), "{e}");
        assert!(consumer.subscribe(&["^regex.*"]).is_ok());
        let e = consumer.commit_offsets(&[]).unwrap_err();
        assert!(e.str().contains("no offsets"), "{e}");
        let e = consumer.assign(&[TopicPartition::new("", 0)]).unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidArg);
        let e = consumer.consume(0, Duration::ZERO).unwrap_err();
        assert!(e.str().contains("num_messages must be 1..=1000000"), "{e}");
        let e = consumer.consume(2_000_000, Duration::ZERO).unwrap_err();
        assert!(e.str().contains("got 2000000"), "{e}");
    })
}

#[test]
fn subscribe_with_an_invalid_regex_names_the_pattern() {
    within(LIMIT, || {
        let c = MockCluster::new(1).unwrap();
        let consumer = Consumer::new(group_conf(&c, "g-regex")).unwrap();
        let e = consumer.subscribe(&["^(unclosed"]).unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidArg);
        assert!(e.str().contains("^(unclosed"), "{e}");
    })
}

#[test]
fn assigning_a_negative_partition_is_refused_naming_it() {
    within(LIMIT, || {
        let c = MockCluster::new(1).unwrap();
        let consumer = Consumer::new(group_conf(&c, "g-negative")).unwrap();
        for e in [
            consumer
                .assign(&[TopicPartition::new("t", 0), TopicPartition::new("t", -3)])
                .unwrap_err(),
            consumer
                .incremental_assign(&[TopicPartition::new("t", -1)])
                .unwrap_err(),
        ] {
            assert_eq!(e.code(), ErrorCode::InvalidArg);
            assert!(e.str().contains("is negative"), "{e}");
            assert_eq!(e.topic_partition().unwrap().topic, "t");
        }
        // Nothing was assigned.
        assert!(consumer.assignment().unwrap().is_empty());
    })
}

/// Assigning a partition that does not exist is accepted by librdkafka (as in Python): it is
/// never fetched (at most a non-fatal `UNKNOWN_TOPIC_OR_PART` from poll), has no position, and
/// the rest of the assignment is consumed normally.
#[test]
fn assigning_a_partition_that_does_not_exist_is_harmless() {
    within(LIMIT, || {
        let c = mock_with("noexist", 1, 2);
        let consumer = Consumer::new(group_conf(&c, "g-noexist")).unwrap();
        let missing = TopicPartition::with_offset("noexist", 9, Offset::Beginning);
        consumer
            .assign(&[
                missing.clone(),
                TopicPartition::with_offset("noexist", 0, Offset::Beginning),
            ])
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut got = Vec::new();
        while Instant::now() < deadline && got.len() < 2 {
            match consumer.poll(Duration::from_millis(100)) {
                Some(Ok(m)) => got.push((m.partition(), m.offset())),
                Some(Err(e)) => {
                    assert_eq!(e.code(), ErrorCode::UnknownTopicOrPart, "{e:?}");
                    assert!(!e.fatal());
                }
                None => {}
            }
        }
        assert_eq!(got, vec![(0, 0), (0, 1)]);
        assert_eq!(
            consumer.position(&[missing]).unwrap()[0].offset,
            Offset::Invalid
        );
        consumer.close_timeout(Duration::from_secs(5)).unwrap();
    })
}

// ---------------------------------------------------------------------------------------------
// Offsets, topic names and partition lists: checked the same way by every call.

/// An offset librdkafka would misread is refused by every call that passes offsets, naming the
/// call, the partition and the offset: `Tail(-2005)` used to start at offset 5, `Tail(-1000)`
/// to become `Stored`, `Tail(i64::MAX)` to wrap (a panic in debug builds), and `seek` to
/// `At(-7)` returned `Ok`. `Tail(0)` is the end, as librdkafka's `OFFSET_TAIL(0)` is.
#[test]
fn offsets_librdkafka_would_misread_are_refused_naming_the_call_and_the_offset() {
    within(LIMIT, || {
        let c = mock_with("badoff", 1, 4);
        let conf: Config = group_conf(&c, "g-badoff").into_iter().collect();
        let consumer = Consumer::new(conf.with("enable.auto.offset.store", false)).unwrap();
        let start = TopicPartition::with_offset("badoff", 0, Offset::Tail(2));
        consumer.assign(std::slice::from_ref(&start)).unwrap();
        for (offset, shown) in [
            (Offset::Tail(-2005), "Tail(-2005)"),
            (Offset::Tail(-1000), "Tail(-1000)"),
            (Offset::Tail(-1), "Tail(-1)"),
            (Offset::Tail(i64::MAX), "Tail(9223372036854775807)"),
            (Offset::At(-7), "At(-7)"),
        ] {
            let tp = TopicPartition::with_offset("badoff", 0, offset);
            let one = std::slice::from_ref(&tp);
            let t = Duration::from_secs(5);
            for (call, e) in [
                ("assign", consumer.assign(one).err()),
                ("incremental_assign", consumer.incremental_assign(one).err()),
                ("seek", consumer.seek(&tp).err()),
                ("commit_offsets", consumer.commit_offsets(one).err()),
                ("store_offsets", consumer.store_offsets_list(one).err()),
                (
                    "offsets_for_times",
                    consumer.offsets_for_times(one, t).err(),
                ),
            ] {
                let e = e.unwrap_or_else(|| panic!("{call} accepted {offset:?}"));
                assert_eq!(e.code(), ErrorCode::InvalidArg, "{call}: {e}");
                assert!(
                    e.str().starts_with(call)
                        && e.str().contains("badoff [0]")
                        && e.str().contains(shown),
                    "{call}: {e}"
                );
                let at = e.topic_partition().expect("names the partition");
                assert_eq!((at.topic.as_str(), at.partition), ("badoff", 0));
            }
        }
        // The valid assignment stands: two messages before the end of four.
        assert_eq!(consumer.assignment().unwrap(), vec![start]);
        let mut offsets = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        while offsets.len() < 2 && Instant::now() < deadline {
            if let Some(Ok(m)) = consumer.poll(Duration::from_millis(100)) {
                offsets.push(m.offset());
            }
        }
        assert_eq!(offsets, vec![2, 3]);
        // Tail(0) is the end: nothing more arrives.
        consumer
            .seek(&TopicPartition::with_offset("badoff", 0, Offset::Tail(0)))
            .unwrap();
        assert!(!matches!(
            consumer.poll(Duration::from_millis(500)),
            Some(Ok(_))
        ));
    })
}

/// Every call that takes a topic name refuses one Kafka does not allow, the same way
/// `produce` and `subscribe` do (assign, list_topics and get_watermark_offsets used to accept
/// "a b"); a partition listed twice and an empty `offsets_for_times` list are refused naming
/// the call and the culprit, where librdkafka said only "Invalid argument".
#[test]
fn every_call_refuses_bad_topic_names_and_repeated_partitions_naming_them() {
    within(LIMIT, || {
        let c = mock_with("samecheck", 2, 0);
        let consumer = Consumer::new(group_conf(&c, "g-samecheck")).unwrap();
        let producer = Producer::new([("bootstrap.servers", c.bootstrap_servers())]).unwrap();
        let admin =
            rkafka::AdminClient::new([("bootstrap.servers", c.bootstrap_servers())]).unwrap();
        let t = Duration::from_secs(5);
        let bad = TopicPartition::with_offset("a b", 0, 1);
        let one = std::slice::from_ref(&bad);
        for (call, e) in [
            ("assign", consumer.assign(one).err()),
            ("incremental_assign", consumer.incremental_assign(one).err()),
            (
                "incremental_unassign",
                consumer.incremental_unassign(one).err(),
            ),
            ("seek", consumer.seek(&bad).err()),
            ("commit_offsets", consumer.commit_offsets(one).err()),
            ("store_offsets", consumer.store_offsets_list(one).err()),
            ("committed", consumer.committed(one, t).err()),
            ("position", consumer.position(one).err()),
            ("pause", consumer.pause(one).err()),
            ("resume", consumer.resume(one).err()),
            (
                "offsets_for_times",
                consumer.offsets_for_times(one, t).err(),
            ),
            (
                "get_watermark_offsets",
                consumer.get_watermark_offsets(&bad, t, false).err(),
            ),
            (
                "get_watermark_offsets",
                consumer.get_watermark_offsets(&bad, t, true).err(),
            ),
            ("list_topics", consumer.list_topics(Some("a b"), t).err()),
            ("list_topics", producer.list_topics(Some("a b"), t).err()),
            ("list_topics", admin.list_topics(Some("a b"), t).err()),
            ("subscribe", consumer.subscribe(["a b"]).err()),
            ("create_topic", c.create_topic("a b", 1, 1).err()),
            (
                "set_partition_leader",
                c.set_partition_leader("a b", 0, 1).err(),
            ),
        ] {
            let e = e.unwrap_or_else(|| panic!("{call} accepted the topic name \"a b\""));
            assert_eq!(e.code(), ErrorCode::InvalidArg, "{call}: {e}");
            assert!(
                e.str().starts_with(call)
                    && e.str().contains("invalid topic name \"a b\"")
                    && e.str().contains("' ' is not allowed"),
                "{call}: {e}"
            );
        }
        // The same partition twice.
        let p0 = TopicPartition::with_offset("samecheck", 0, 0);
        let p1 = TopicPartition::with_offset("samecheck", 1, 0);
        let twice = [p0.clone(), p1, p0];
        for (call, e) in [
            ("assign", consumer.assign(&twice).err()),
            (
                "incremental_assign",
                consumer.incremental_assign(&twice).err(),
            ),
            ("commit_offsets", consumer.commit_offsets(&twice).err()),
            ("committed", consumer.committed(&twice, t).err()),
            ("position", consumer.position(&twice).err()),
            ("pause", consumer.pause(&twice).err()),
            (
                "offsets_for_times",
                consumer.offsets_for_times(&twice, t).err(),
            ),
        ] {
            let e = e.unwrap_or_else(|| panic!("{call} accepted a partition twice"));
            assert_eq!(e.code(), ErrorCode::InvalidArg, "{call}: {e}");
            assert!(
                e.str().starts_with(call) && e.str().contains("samecheck [0] is listed twice"),
                "{call}: {e}"
            );
        }
        let e = consumer.offsets_for_times(&[], t).unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidArg);
        assert!(
            e.str().starts_with("offsets_for_times") && e.str().contains("no partitions"),
            "{e}"
        );
        // Nothing was assigned or paused by the refused calls.
        assert!(consumer.assignment().unwrap().is_empty());
    })
}

// ---------------------------------------------------------------------------------------------
// After close.

#[test]
fn producer_calls_after_close_and_closing_twice() {
    within(LIMIT, || {
        let c = mock_with("pclosed", 1, 0);
        let producer = Producer::new([("bootstrap.servers", c.bootstrap_servers())]).unwrap();
        producer.produce(Record::new("pclosed").value("x")).unwrap();
        producer.close(Duration::from_secs(5)).unwrap();
        let e = producer
            .produce(Record::new("pclosed").value("y"))
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::State);
        assert!(e.str().contains("closed"), "{}", e);
        let failed = producer.produce_batch([Record::new("pclosed").value("z")]);
        assert_eq!(failed.len(), 1);
        assert_eq!(failed[0].error.code(), ErrorCode::State);
        let e = producer
            .init_transactions(Duration::from_secs(1))
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::State);
        // Closing twice: nothing left, Ok; serving calls are harmless no-ops.
        producer.close(Duration::from_secs(1)).unwrap();
        assert_eq!(producer.poll(Duration::ZERO), 0);
        assert_eq!(producer.flush(Duration::ZERO), 0);
    })
}

#[test]
fn consumer_calls_after_close_are_state_errors_and_closing_twice_is_a_no_op() {
    within(LIMIT, || {
        let c = mock_with("cclosed", 1, 2);
        let consumer = Consumer::new(group_conf(&c, "g-cclosed")).unwrap();
        consumer.subscribe(&["cclosed"]).unwrap();
        assert_eq!(poll_n(&consumer, 2), 2);
        consumer.close_timeout(Duration::from_secs(5)).unwrap();
        let tp = || TopicPartition::with_offset("cclosed", 0, 1);
        let results: Vec<(&str, Option<KafkaError>)> = vec![
            ("poll", consumer.poll(Duration::ZERO).and_then(|r| r.err())),
            ("consume", consumer.consume(1, Duration::ZERO).err()),
            ("subscribe", consumer.subscribe(&["cclosed"]).err()),
            ("assign", consumer.assign(&[tp()]).err()),
            ("assignment", consumer.assignment().err()),
            ("commit", consumer.commit().err()),
            ("commit_offsets", consumer.commit_offsets(&[tp()]).err()),
            ("store", consumer.store_offsets_list(&[tp()]).err()),
            ("seek", consumer.seek(&tp()).err()),
            ("position", consumer.position(&[tp()]).err()),
            ("pause", consumer.pause(&[tp()]).err()),
            (
                "committed",
                consumer.committed(&[tp()], Duration::from_secs(1)).err(),
            ),
            (
                "list_topics",
                consumer.list_topics(None, Duration::from_secs(1)).err(),
            ),
            (
                "consumer_group_metadata",
                consumer.consumer_group_metadata().err(),
            ),
        ];
        for (call, e) in results {
            let e = e.unwrap_or_else(|| panic!("{call} after close succeeded"));
            assert_eq!(e.code(), ErrorCode::State, "{call}: {e:?}");
            assert!(e.str().contains("closed"), "{call}: {e}");
        }
        consumer.close_timeout(Duration::from_secs(1)).unwrap();
    })
}

// ---------------------------------------------------------------------------------------------
// Closures that panic.

#[test]
fn panic_in_per_message_closure_comes_out_of_flush_and_loses_no_report() {
    within(LIMIT, || {
        let c = mock_with("panic", 1, 0);
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
        assert_eq!(panic_text(&payload), "boom in delivery");
        // The rest are still delivered to their closures, by this or the next call.
        assert_eq!(producer.flush(Duration::from_secs(10)), 0);
        assert_eq!(others.load(Ordering::SeqCst), 9);
    })
}

#[test]
fn panic_in_global_on_delivery_comes_out_of_poll() {
    within(LIMIT, || {
        let c = mock_with("panicpoll", 1, 0);
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
        assert_eq!(panic_text(&p), "global closure panicked");
        // The producer is still usable.
        producer
            .produce(Record::new("panicpoll").value("good"))
            .unwrap();
        assert_eq!(producer.flush(Duration::from_secs(10)), 0);
    })
}

#[test]
fn panic_in_on_assign_comes_out_of_poll_and_the_assignment_still_happens() {
    within(LIMIT, || {
        let c = mock_with("panicassign", 2, 20);
        let consumer = Consumer::new(group_conf(&c, "g-panic")).unwrap();
        consumer
            .subscribe_with(
                &["panicassign"],
                Rebalance::new().on_assign(|_, _| panic!("on_assign exploded")),
            )
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        let payload = loop {
            assert!(Instant::now() < deadline, "no panic resumed");
            if let Err(p) = catch_unwind(AssertUnwindSafe(|| {
                let _ = consumer.poll(Duration::from_millis(100));
            })) {
                break p;
            }
        };
        assert_eq!(panic_text(&payload), "on_assign exploded");
        // The automatic assign still ran, and the consumer keeps working.
        assert_eq!(consumer.assignment().unwrap().len(), 2);
        assert_eq!(poll_n(&consumer, 20), 20);
        consumer.close_timeout(Duration::from_secs(5)).unwrap();
    })
}

#[test]
fn panic_in_on_revoke_comes_out_of_close_and_the_consumer_is_closed() {
    within(LIMIT, || {
        let c = mock_with("panicrevoke", 1, 3);
        let consumer = Consumer::new(group_conf(&c, "g-panicrevoke")).unwrap();
        consumer
            .subscribe_with(
                &["panicrevoke"],
                Rebalance::new().on_revoke(|_, _| panic!("on_revoke exploded")),
            )
            .unwrap();
        assert_eq!(poll_n(&consumer, 3), 3);
        let t = Instant::now();
        let r = catch_unwind(AssertUnwindSafe(|| {
            consumer.close_timeout(Duration::from_secs(5))
        }));
        assert_eq!(
            panic_text(&r.expect_err("close resumes the panic")),
            "on_revoke exploded"
        );
        assert!(t.elapsed() < Duration::from_secs(6));
        assert_eq!(consumer.assignment().unwrap_err().code(), ErrorCode::State);
        consumer.close_timeout(Duration::from_secs(1)).unwrap();
    })
}

/// A logger that panics on librdkafka's threads is caught there (and logged), never crosses
/// into C; error and stats callbacks keep working meanwhile.
#[test]
fn panicking_logger_is_contained_and_error_and_stats_callbacks_keep_working() {
    within(LIMIT, || {
        let c = MockCluster::new(1).unwrap();
        let stats: Arc<Mutex<Vec<String>>> = Arc::default();
        let errors: Arc<Mutex<Vec<KafkaError>>> = Arc::default();
        let (s, e) = (stats.clone(), errors.clone());
        let logged = Arc::new(AtomicUsize::new(0));
        let l = logged.clone();
        let producer = Producer::builder([
            ("bootstrap.servers", c.bootstrap_servers()),
            ("statistics.interval.ms", "100"),
        ])
        .stats_cb(move |json| s.lock().unwrap().push(json.to_string()))
        .error_cb(move |err| e.lock().unwrap().push(err.clone()))
        .logger(move |_| {
            l.fetch_add(1, Ordering::SeqCst);
            panic!("logger panics")
        })
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
        assert!(logged.load(Ordering::SeqCst) > 0, "the logger never ran");
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
    })
}

#[test]
fn panics_in_error_and_stats_callbacks_come_out_of_poll() {
    within(LIMIT, || {
        let c = MockCluster::new(1).unwrap();
        let producer = Producer::builder([
            ("bootstrap.servers", c.bootstrap_servers()),
            ("statistics.interval.ms", "100"),
        ])
        .stats_cb(|_| panic!("stats_cb exploded"))
        .build()
        .unwrap();
        let p = poll_until_panic(&producer);
        assert_eq!(panic_text(&p), "stats_cb exploded");
        drop(producer);

        let producer = Producer::builder([("bootstrap.servers", "127.0.0.1:1")])
            .error_cb(|_| panic!("error_cb exploded"))
            .build()
            .unwrap();
        let p = poll_until_panic(&producer);
        assert_eq!(panic_text(&p), "error_cb exploded");
        // Still usable afterwards. The poll that panicked stopped at that error (the rest stay
        // queued, none is dropped), so a later poll may resume the next one, always the same.
        if let Err(p) = catch_unwind(AssertUnwindSafe(|| {
            producer.poll(Duration::from_millis(10))
        })) {
            assert_eq!(panic_text(&p), "error_cb exploded");
        }
        assert_eq!(producer.len(), 0);
    })
}

fn poll_until_panic(producer: &Producer) -> Box<dyn std::any::Any + Send> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        assert!(Instant::now() < deadline, "no panic resumed from poll");
        if let Err(p) = catch_unwind(AssertUnwindSafe(|| {
            producer.poll(Duration::from_millis(100))
        })) {
            return p;
        }
    }
}

#[test]
fn panic_in_on_commit_comes_out_of_the_call_that_served_it() {
    within(LIMIT, || {
        let c = mock_with("panicommit", 1, 2);
        let consumer = Consumer::builder(group_conf(&c, "g-panicommit"))
            .on_commit(|_, _| panic!("on_commit exploded"))
            .build()
            .unwrap();
        consumer.subscribe(&["panicommit"]).unwrap();
        assert_eq!(poll_n(&consumer, 2), 2);
        consumer.commit_async().unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        let payload = loop {
            assert!(Instant::now() < deadline, "no panic resumed");
            if let Err(p) = catch_unwind(AssertUnwindSafe(|| {
                let _ = consumer.poll(Duration::from_millis(100));
            })) {
                break p;
            }
        };
        assert_eq!(panic_text(&payload), "on_commit exploded");
    })
}

// ---------------------------------------------------------------------------------------------
// Closures that call back into their own client.

#[test]
fn delivery_closure_may_poll_flush_produce_and_close_its_own_producer() {
    within(LIMIT, || {
        let c = mock_with("reenter", 1, 0);
        let producer =
            Arc::new(Producer::new([("bootstrap.servers", c.bootstrap_servers())]).unwrap());
        let log: Arc<Mutex<Vec<String>>> = Arc::default();
        let again = Arc::new(AtomicUsize::new(0));
        for i in 0..5 {
            let (p, l, a) = (producer.clone(), log.clone(), again.clone());
            producer
                .produce(Record::new("reenter").value("x").on_delivery(move |r| {
                    p.poll(Duration::ZERO);
                    p.flush(Duration::from_millis(50));
                    let a2 = a.clone();
                    p.produce(Record::new("reenter").value("again").on_delivery(move |r| {
                        assert!(r.error().is_none());
                        a2.fetch_add(1, Ordering::SeqCst);
                    }))
                    .unwrap();
                    l.lock()
                        .unwrap()
                        .push(format!("{i} {}", r.error().is_none()));
                }))
                .unwrap();
        }
        let t = Instant::now();
        assert_eq!(producer.flush(Duration::from_secs(20)), 0);
        assert!(t.elapsed() < Duration::from_secs(20));
        let mut log = log.lock().unwrap().clone();
        log.sort();
        assert_eq!(log, (0..5).map(|i| format!("{i} true")).collect::<Vec<_>>());
        assert_eq!(
            again.load(Ordering::SeqCst),
            5,
            "messages produced from closures"
        );
        // close() from inside a delivery closure.
        let closed: Arc<Mutex<Option<bool>>> = Arc::default();
        let (p, cl) = (producer.clone(), closed.clone());
        producer
            .produce(Record::new("reenter").value("last").on_delivery(move |_| {
                *cl.lock().unwrap() = Some(p.close(Duration::from_secs(2)).is_ok());
            }))
            .unwrap();
        assert_eq!(producer.flush(Duration::from_secs(10)), 0);
        assert_eq!(*closed.lock().unwrap(), Some(true));
        let e = producer
            .produce(Record::new("reenter").value("no"))
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::State);
    })
}

#[test]
fn global_on_delivery_may_call_back_into_its_producer() {
    within(LIMIT, || {
        let c = mock_with("reenter-global", 1, 0);
        let cell: Arc<OnceLock<Weak<Producer>>> = Arc::default();
        let hits = Arc::new(AtomicUsize::new(0));
        let (c2, h) = (cell.clone(), hits.clone());
        let producer = Arc::new(
            Producer::builder([("bootstrap.servers", c.bootstrap_servers())])
                .on_delivery(move |r| {
                    assert!(r.error().is_none());
                    let p = c2.get().and_then(Weak::upgrade).expect("producer alive");
                    p.poll(Duration::ZERO);
                    let _ = p.len();
                    h.fetch_add(1, Ordering::SeqCst);
                })
                .build()
                .unwrap(),
        );
        cell.set(Arc::downgrade(&producer)).unwrap();
        for _ in 0..20 {
            producer
                .produce(Record::new("reenter-global").value("y"))
                .unwrap();
        }
        assert_eq!(producer.flush(Duration::from_secs(10)), 0);
        assert_eq!(hits.load(Ordering::SeqCst), 20);
    })
}

#[test]
fn rebalance_closures_may_call_back_into_the_consumer() {
    within(LIMIT, || {
        let c = mock_with("reenter-c", 2, 10);
        let log: Arc<Mutex<Vec<String>>> = Arc::default();
        let (a, r) = (log.clone(), log.clone());
        let consumer = Consumer::new(group_conf(&c, "g-reenter")).unwrap();
        consumer
            .subscribe_with(
                &["reenter-c"],
                Rebalance::new()
                    .on_assign(move |c, parts| {
                        // Calls into the same consumer from inside its callback, including a
                        // nested poll.
                        c.assign(parts).unwrap();
                        let _ = c.poll(Duration::ZERO);
                        let pos = c.position(parts).unwrap();
                        a.lock()
                            .unwrap()
                            .push(format!("assign {} {}", parts.len(), pos.len()));
                    })
                    .on_revoke(move |c, parts| {
                        let _ = c.assignment().unwrap();
                        r.lock().unwrap().push(format!("revoke {}", parts.len()));
                    }),
            )
            .unwrap();
        assert_eq!(poll_n(&consumer, 10), 10);
        // The revoke closure still runs on close after the nested poll above.
        consumer.close_timeout(Duration::from_secs(5)).unwrap();
        assert_eq!(
            *log.lock().unwrap(),
            vec!["assign 2 2".to_string(), "revoke 2".to_string()]
        );
    })
}

#[test]
fn calls_that_would_wedge_the_group_are_refused_inside_rebalance_closures() {
    within(LIMIT, || {
        let c = mock_with("wedge", 2, 10);
        let refused: Arc<Mutex<Vec<(String, KafkaError)>>> = Arc::default();
        let (a, r) = (refused.clone(), refused.clone());
        let consumer = Consumer::new(group_conf(&c, "g-wedge")).unwrap();
        consumer
            .subscribe_with(
                ["wedge"],
                Rebalance::new()
                    .on_assign(move |c, _| {
                        let e = c
                            .subscribe(["wedge"])
                            .expect_err("subscribe inside on_assign");
                        a.lock().unwrap().push(("subscribe".into(), e));
                        let e = c.unsubscribe().expect_err("unsubscribe inside on_assign");
                        a.lock().unwrap().push(("unsubscribe".into(), e));
                    })
                    .on_revoke(move |c, _| {
                        let e = c.close().expect_err("close inside on_revoke");
                        r.lock().unwrap().push(("close".into(), e));
                    }),
            )
            .unwrap();
        assert_eq!(poll_n(&consumer, 10), 10, "the group was not wedged");
        // A revoke (unsubscribe outside any closure is fine): close is refused inside it.
        consumer.unsubscribe().unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while refused.lock().unwrap().len() < 3 && Instant::now() < deadline {
            let _ = consumer.poll(Duration::from_millis(100));
        }
        let refused = refused.lock().unwrap();
        let calls: Vec<&str> = refused.iter().map(|(c, _)| c.as_str()).collect();
        assert_eq!(calls, ["subscribe", "unsubscribe", "close"]);
        for (call, e) in refused.iter() {
            assert_eq!(e.code(), ErrorCode::State, "{call}: {e}");
            assert!(
                e.str().contains(call.as_str()) && e.str().contains("rebalance closure"),
                "{call}: {e}"
            );
        }
        // The consumer still works: subscribe again (outside the closures) and read again.
        consumer.subscribe(["wedge"]).unwrap();
        consumer.close_timeout(Duration::from_secs(5)).unwrap();
    })
}

#[test]
fn the_poll_iterator_ends_when_the_consumer_is_closed() {
    within(LIMIT, || {
        let c = mock_with("iterend", 1, 3);
        let consumer = Consumer::new(group_conf(&c, "g-iterend")).unwrap();
        consumer.subscribe(["iterend"]).unwrap();
        let mut got = 0;
        for m in consumer.iter() {
            m.unwrap();
            got += 1;
            if got == 3 {
                consumer.close().unwrap();
            }
        }
        assert_eq!(got, 3);
        let t = Instant::now();
        assert!(consumer.iter().next().is_none());
        assert!(t.elapsed() < Duration::from_secs(1));
    })
}

// ---------------------------------------------------------------------------------------------
// Brokers that cannot be reached.

#[test]
fn unreachable_bootstrap_server_fails_within_bounds_naming_the_address() {
    within(LIMIT, || {
        let port = common::free_port(); // nothing listens there
        let bootstrap = format!("127.0.0.1:{port}");
        let errors: Arc<Mutex<Vec<KafkaError>>> = Arc::default();
        let e = errors.clone();
        let producer = Producer::builder([
            ("bootstrap.servers", bootstrap.as_str()),
            ("message.timeout.ms", "2000"),
        ])
        .error_cb(move |err| e.lock().unwrap().push(err.clone()))
        .build()
        .unwrap();
        let t = Instant::now();
        let err = producer
            .list_topics(None, Duration::from_secs(2))
            .unwrap_err();
        assert!(
            matches!(err.code(), ErrorCode::Transport | ErrorCode::TimedOut),
            "{err:?}"
        );
        assert!(t.elapsed() < Duration::from_secs(4), "{:?}", t.elapsed());
        let fate = fate_of_one_message(&producer, "t");
        assert!(t.elapsed() < Duration::from_secs(8), "{:?}", t.elapsed());
        assert_eq!(fate, Some(Some(ErrorCode::MsgTimedOut)));
        let errors = errors.lock().unwrap();
        assert!(
            errors.iter().any(|e| e.code() == ErrorCode::Transport
                && e.str().contains(&bootstrap)
                && e.str().contains("Connection refused")),
            "{errors:?}"
        );
        assert!(errors.iter().any(|e| e.code() == ErrorCode::AllBrokersDown));

        // A consumer: polls return, close is bounded.
        let consumer = Consumer::new([
            ("bootstrap.servers", bootstrap.as_str()),
            ("group.id", "g-unreachable"),
        ])
        .unwrap();
        consumer.subscribe(&["t"]).unwrap();
        let t = Instant::now();
        for _ in 0..5 {
            if let Some(Ok(m)) = consumer.poll(Duration::from_millis(100)) {
                panic!("a message from nowhere: {m:?}");
            }
        }
        let _ = consumer.close_timeout(Duration::from_secs(2));
        assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    })
}

#[test]
fn unresolvable_bootstrap_host_is_a_resolve_error_naming_the_host() {
    within(LIMIT, || {
        let errors: Arc<Mutex<Vec<KafkaError>>> = Arc::default();
        let e = errors.clone();
        let producer = Producer::builder([
            ("bootstrap.servers", "no-such-host.invalid:9092"),
            ("message.timeout.ms", "1500"),
        ])
        .error_cb(move |err| e.lock().unwrap().push(err.clone()))
        .build()
        .unwrap();
        producer.produce(Record::new("t").value("x")).unwrap();
        assert_eq!(producer.flush(Duration::from_secs(10)), 0);
        let errors = errors.lock().unwrap();
        assert!(
            errors.iter().any(|e| e.code() == ErrorCode::Resolve
                && e.str().contains("no-such-host.invalid")),
            "{errors:?}"
        );
    })
}

#[test]
fn mock_cluster_refuses_bad_arguments() {
    let e = MockCluster::new(0).unwrap_err();
    assert!(e.str().contains("at least one broker"), "{e}");
    let c = MockCluster::new(1).unwrap();
    let e = c.create_topic("t", 0, 1).unwrap_err();
    assert!(e.str().contains("partitions (0)"), "{e}");
    assert_eq!(
        c.broker_down(7).unwrap_err().code(),
        ErrorCode::BrokerNotAvailable
    );
    assert_eq!(
        c.set_partition_leader("t", 0, 9).unwrap_err().code(),
        ErrorCode::BrokerNotAvailable
    );
}

// ---------------------------------------------------------------------------------------------
// SASL refused by a real broker (tansu 0.6.0 with SCRAM users).

/// Expects an authentication error through error_cb and a failed delivery, both within bounds.
fn refused(mechanism: &str, user: &str, password: &str) -> Vec<KafkaError> {
    let broker = Tansu::sasl();
    let errors: Arc<Mutex<Vec<KafkaError>>> = Arc::default();
    let e = errors.clone();
    let producer = Producer::builder(
        broker
            .sasl_config(mechanism, user, password)
            .with("message.timeout.ms", "4000"),
    )
    .error_cb(move |err| e.lock().unwrap().push(err.clone()))
    .build()
    .unwrap();
    let report = produce_one(&producer, "anything");
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(15) && errors.lock().unwrap().is_empty() {
        producer.poll(Duration::from_millis(100));
    }
    let auth_after = start.elapsed();
    let left = producer.flush(Duration::from_secs(15));
    assert_eq!(left, 0, "flush must not hang on an authentication failure");
    assert!(start.elapsed() < Duration::from_secs(20));
    let errors = errors.lock().unwrap().clone();
    assert!(
        errors.iter().any(|e| e.code() == ErrorCode::Authentication),
        "no _AUTHENTICATION error within {auth_after:?}: {errors:?}"
    );
    let rep = report
        .lock()
        .unwrap()
        .clone()
        .expect("the delivery report was served");
    let err = rep.expect("the message must fail, never be delivered unauthenticated");
    assert!(
        matches!(
            err.code(),
            ErrorCode::MsgTimedOut | ErrorCode::Authentication
        ),
        "{err}"
    );
    for e in &errors {
        assert!(!e.str().contains(password), "password leaked into {e}");
    }
    errors
}

#[test]
fn wrong_scram_password_is_an_authentication_error() {
    within(LIMIT, || {
        refused("SCRAM-SHA-256", "alice", "not-alices-password");
    })
}

#[test]
fn unknown_scram_user_is_an_authentication_error() {
    within(LIMIT, || {
        refused("SCRAM-SHA-512", "mallory", "whatever-pw");
    })
}

#[test]
fn sasl_plain_which_tansu_lacks_fails_naming_the_mechanism() {
    within(LIMIT, || {
        let errors = refused("PLAIN", "alice", "alice-secret");
        assert!(
            errors
                .iter()
                .any(|e| e.str().contains("PLAIN") || e.str().to_lowercase().contains("mechanism")),
            "{errors:?}"
        );
    })
}
