//! `examples/admin.rs` end to end against the prebuilt tansu: one line per result, exit status
//! 1 on any per-item or request failure, 2 on bad usage. Also documents, in a child process,
//! that librdkafka 2.12.1 aborts on tansu's CreateAcls response.

use crate::common;

use std::process::{Command, Output};

use common::{example_bin, unique, Tansu};

fn admin(bootstrap: &str, args: &[&str]) -> Output {
    Command::new(example_bin("admin"))
        .env_remove("KAFKA_BOOTSTRAP_SERVERS")
        .arg(bootstrap)
        .args(args)
        .args(["-X", "socket.timeout.ms=15000"])
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn admin_example_against_prebuilt_tansu() {
    let broker = Tansu::plain();
    let b = broker.bootstrap();
    let (t1, t2) = (unique("ex-a"), unique("ex-b"));

    let o = admin(&b, &["create_topics", &t1, &format!("{t2}:1")]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let mut want = [format!("Topic {t1} created"), format!("Topic {t2} created")];
    want.sort();
    assert_eq!(stdout(&o).lines().collect::<Vec<_>>(), want);

    // Again: every topic fails, one line each, exit 1.
    let o = admin(&b, &["create_topics", &t1]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    assert_eq!(
        stdout(&o).trim(),
        format!(
            "Failed to create topic {t1}: Topic with this name already exists. (TOPIC_ALREADY_EXISTS)"
        )
    );

    let o = admin(&b, &["describe_topics", &t1]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert!(lines[0].starts_with(&format!("Topic {t1} id=")), "{out}");
    assert!(lines[0].ends_with("internal=false partitions=3"), "{out}");
    assert_eq!(
        lines[1],
        "  partition 0 leader=111 replicas=[111] isr=[111]"
    );

    let o = admin(&b, &["describe_cluster"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert_eq!(
        stdout(&o),
        format!(
            "Cluster rkafka-test controller=111\n  node 111 at 127.0.0.1:{}\n",
            broker.port
        )
    );

    let group = unique("ex-g");
    let o = admin(
        &b,
        &[
            "alter_consumer_group_offsets",
            &group,
            &t1,
            "0",
            "0",
            &t1,
            "2",
            "0",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let o = admin(&b, &["list_consumer_group_offsets", &group]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert_eq!(
        stdout(&o),
        format!("{group} {t1} [0] offset 0\n{group} {t1} [2] offset 0\n")
    );
    let o = admin(&b, &["list_groups", &group]);
    assert_eq!(
        stdout(&o),
        format!("Group {group} state=Empty protocol_type= protocol= members=0 coordinator=111\n"),
        "{o:?}"
    );

    let o = admin(
        &b,
        &[
            "list_offsets",
            "read_uncommitted",
            &t1,
            "0",
            "earliest",
            &t1,
            "1",
            "latest",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert_eq!(
        stdout(&o),
        format!("Topic {t1} partition 0 offset 0 timestamp -1\nTopic {t1} partition 1 offset 0 timestamp -1\n")
    );

    // Unsupported by the broker: a request-level failure, exit 1.
    let o = admin(&b, &["create_partitions", &t1, "6"]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    assert_eq!(
        stdout(&o).trim(),
        "create_partitions failed: CreatePartitions (KIP-195) not supported by broker, requires broker version >= 1.0.0 (_UNSUPPORTED_FEATURE)"
    );

    let o = admin(&b, &["delete_topics", &t1, &t2]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let mut want = [format!("Topic {t1} deleted"), format!("Topic {t2} deleted")];
    want.sort();
    assert_eq!(stdout(&o).lines().collect::<Vec<_>>(), want);

    // Bad usage is caught before anything is sent: exit 2 with the reason.
    let o = admin(&b, &["create_topics", "bad:0"]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("num_partitions must be between 1 and 100000"),
        "{o:?}"
    );
    let o = admin(&b, &["no_such_operation"]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
}

/// No broker here supports CreateAcls, and against tansu librdkafka 2.12.1 itself aborts the
/// process: the CreateAcls response parser returns "no error" after a buffer underflow
/// (`rd_kafka_CreateAclsResponse_parse` returns its unset `err`), and
/// `rd_kafka_admin_response_parse` then asserts. Nothing in Rust can catch that, so it is
/// checked in a child process (confluent-kafka-python aborts the same way).
#[cfg(unix)]
#[test]
fn create_acls_against_tansu_aborts_inside_librdkafka() {
    use std::os::unix::process::ExitStatusExt;
    let broker = Tansu::plain();
    // Run in the broker's scratch directory, so a core dump (if enabled) is cleaned up too.
    let o = Command::new(example_bin("admin"))
        .current_dir(&broker.dir.0)
        .env_remove("KAFKA_BOOTSTRAP_SERVERS")
        .arg(broker.bootstrap())
        .args([
            "create_acls",
            "TOPIC",
            "t",
            "LITERAL",
            "User:alice",
            "*",
            "READ",
            "ALLOW",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.signal(), Some(libc::SIGABRT), "{o:?}");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("rd_kafka_admin_response_parse: Assertion `rko_result' failed"),
        "{err}"
    );
}
