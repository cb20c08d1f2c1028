//! AdminClient without a working broker: bad arguments are refused before anything is sent
//! (so against an unreachable broker the answer is immediate, not a timeout), every wait is
//! bounded by the request timeout, client callbacks run during admin calls, and the librdkafka
//! mock cluster (which has no admin handlers) gives a clean, bounded error.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rkafka::admin::{
    AclBinding, AclBindingFilter, AclOperation, AclPermissionType, AlterConfigOpType,
    ConfigResource, ConsumerGroupState, ConsumerGroupTopicPartitions, ConsumerGroupType,
    ElectionType, NewPartitions, NewTopic, OffsetSpec, ResourcePatternType, ResourceType,
    ScramMechanism, UserScramCredentialAlteration,
};
use rkafka::{
    AdminClient, AdminOptions, Config, ErrorCode, KafkaError, MockCluster, Offset, Result,
    TopicPartition,
};

/// A client whose only broker refuses connections.
fn unreachable() -> AdminClient {
    AdminClient::new(Config::from([("bootstrap.servers", "127.0.0.1:1")])).unwrap()
}

fn opts() -> AdminOptions {
    AdminOptions::new().request_timeout(Duration::from_secs(30))
}

/// Runs `call`, which must fail with `_INVALID_ARG` whose message contains `why`, at once.
#[track_caller]
fn refused<T: std::fmt::Debug>(why: &str, call: impl FnOnce() -> Result<T>) {
    let started = Instant::now();
    let r = call();
    let took = started.elapsed();
    let e: KafkaError = match r {
        Ok(v) => panic!("accepted ({why}): {v:?}"),
        Err(e) => e,
    };
    assert_eq!(e.code(), ErrorCode::InvalidArg, "{why}: {e:?}");
    assert!(e.str().contains(why), "expected {why:?} in {:?}", e.str());
    assert!(
        took < Duration::from_millis(500),
        "{why}: took {took:?}, so something was sent"
    );
}

fn tp(t: &str, p: i32) -> TopicPartition {
    TopicPartition::new(t, p)
}

#[test]
fn bad_topic_arguments_are_refused_before_sending() {
    let a = unreachable();
    let o = opts();
    refused("create_topics: expected at least one NewTopic", || {
        a.create_topics(&[], &o)
    });
    refused(
        "num_partitions must be between 1 and 100000, or -1 for the broker default; got -5",
        || a.create_topics(&[NewTopic::new("t", -5, 1)], &o),
    );
    refused("got 0", || a.create_topics(&[NewTopic::new("t", 0, 1)], &o));
    refused("replication_factor must be between 1 and 10000", || {
        a.create_topics(&[NewTopic::new("t", 1, 0)], &o)
    });
    refused("invalid topic name \"\": it is empty", || {
        a.create_topics(&[NewTopic::new("", 1, 1)], &o)
    });
    refused("character ' ' is not allowed", || {
        a.create_topics(&[NewTopic::new("a b", 1, 1)], &o)
    });
    refused(
        "create_topics: duplicate topic \"t\" in one request",
        || {
            a.create_topics(
                &[
                    NewTopic::new("t", 1, 1),
                    NewTopic::new("u", 1, 1),
                    NewTopic::new("t", 2, 1),
                ],
                &o,
            )
        },
    );
    refused("mutually exclusive", || {
        a.create_topics(
            &[NewTopic::new("t", 2, 1).replica_assignment(vec![vec![1], vec![2]])],
            &o,
        )
    });
    refused("replica_assignment for partition 1 is empty", || {
        a.create_topics(
            &[NewTopic::new("t", 2, -1).replica_assignment(vec![vec![1], vec![]])],
            &o,
        )
    });
    refused("config name must not be empty", || {
        a.create_topics(&[NewTopic::new("t", 1, 1).config("", "x")], &o)
    });
    refused("contains a NUL byte", || {
        a.create_topics(&[NewTopic::new("t", 1, 1).config("k", "a\0b")], &o)
    });
    refused("delete_topics: expected at least one topic", || {
        a.delete_topics::<&str>(&[], &o)
    });
    refused(
        "delete_topics: invalid topic name \"\": it is empty",
        || a.delete_topics(&[""], &o),
    );
    refused("delete_topics: duplicate topic \"x\"", || {
        a.delete_topics(&["x", "x"], &o)
    });
    refused(
        "new_total_count must be between 1 and 100000; got 0",
        || a.create_partitions(&[NewPartitions::new("t", 0)], &o),
    );
    refused("create_partitions: duplicate topic", || {
        a.create_partitions(
            &[NewPartitions::new("t", 3), NewPartitions::new("t", 4)],
            &o,
        )
    });
    refused("describe_topics: duplicate topic", || {
        a.describe_topics(&["t", "t"], &o)
    });
    refused(
        "describe_topics: invalid topic name \"\": it is empty",
        || a.describe_topics(&[""], &o),
    );
    // Names Kafka does not allow are refused as create_topics and produce refuse them.
    refused("delete_topics: invalid topic name \"a b\"", || {
        a.delete_topics(&["a b"], &o)
    });
    refused("describe_topics: invalid topic name \"a b\"", || {
        a.describe_topics(&["a b"], &o)
    });
    refused("create_partitions: invalid topic name \"a b\"", || {
        a.create_partitions(&[NewPartitions::new("a b", 3)], &o)
    });
}

#[test]
fn bad_config_and_acl_arguments_are_refused_before_sending() {
    let a = unreachable();
    let o = opts();
    refused("expected at least one ConfigResource", || {
        a.describe_configs(&[], &o)
    });
    refused(
        "restype must be TOPIC, GROUP, BROKER or TRANSACTIONAL_ID, not ANY",
        || a.describe_configs(&[ConfigResource::new(ResourceType::Any, "t")], &o),
    );
    refused("BROKER resource name must be a broker id", || {
        a.describe_configs(&[ConfigResource::new(ResourceType::Broker, "one")], &o)
    });
    refused("duplicate resource (Topic, \"t\")", || {
        a.describe_configs(
            &[
                ConfigResource::new(ResourceType::Topic, "t"),
                ConfigResource::new(ResourceType::Topic, "t"),
            ],
            &o,
        )
    });
    refused("at most one BROKER resource per call", || {
        a.describe_configs(
            &[
                ConfigResource::new(ResourceType::Broker, "1"),
                ConfigResource::new(ResourceType::Broker, "2"),
            ],
            &o,
        )
    });
    refused("has no incremental_configs", || {
        a.incremental_alter_configs(&[ConfigResource::new(ResourceType::Topic, "t")], &o)
    });
    refused("SET needs a value", || {
        a.incremental_alter_configs(
            &[
                ConfigResource::new(ResourceType::Topic, "t").incremental_config(
                    "retention.ms",
                    AlterConfigOpType::Set,
                    None,
                ),
            ],
            &o,
        )
    });
    refused(
        "duplicate config entry of ConfigResource(TOPIC,t) \"retention.ms\"",
        || {
            a.incremental_alter_configs(
                &[ConfigResource::new(ResourceType::Topic, "t")
                    .incremental_config("retention.ms", AlterConfigOpType::Set, Some("1"))
                    .incremental_config("retention.ms", AlterConfigOpType::Delete, None)],
                &o,
            )
        },
    );
    let acl = AclBinding::new(
        ResourceType::Topic,
        "t",
        ResourcePatternType::Literal,
        "User:alice",
        "*",
        AclOperation::Read,
        AclPermissionType::Allow,
    );
    refused("expected at least one AclBinding", || {
        a.create_acls(&[], &o)
    });
    refused("duplicate ACL binding", || {
        a.create_acls(&[acl.clone(), acl.clone()], &o)
    });
    let mut any = acl.clone();
    any.operation = AclOperation::Any;
    refused(
        "operation ANY is only allowed in an AclBindingFilter",
        || a.create_acls(&[any], &o),
    );
    let mut matching = acl.clone();
    matching.resource_pattern_type = ResourcePatternType::Match;
    refused("resource_pattern_type MATCH is only allowed", || {
        a.create_acls(&[matching], &o)
    });
    let mut nobody = acl;
    nobody.principal.clear();
    refused("ACL binding principal must not be empty", || {
        a.create_acls(&[nobody], &o)
    });
    let mut unknown = AclBindingFilter::any();
    unknown.permission_type = AclPermissionType::Unknown;
    refused("permission_type must not be UNKNOWN", || {
        a.describe_acls(&unknown, &o)
    });
    refused("duplicate ACL binding filter", || {
        a.delete_acls(&[AclBindingFilter::any(), AclBindingFilter::any()], &o)
    });
    refused("expected at least one AclBindingFilter", || {
        a.delete_acls(&[], &o)
    });
}

#[test]
fn bad_group_offset_and_user_arguments_are_refused_before_sending() {
    let a = unreachable();
    let o = opts();
    refused(
        "describe_consumer_groups: expected at least one group id",
        || a.describe_consumer_groups::<&str>(&[], &o),
    );
    refused("group id must not be empty", || {
        a.describe_consumer_groups(&[""], &o)
    });
    refused("delete_consumer_groups: duplicate group id \"g\"", || {
        a.delete_consumer_groups(&["g", "g"], &o)
    });
    let g = |parts: Vec<TopicPartition>| ConsumerGroupTopicPartitions::new("g", parts);
    refused("only one group per request is supported (got 2)", || {
        a.list_consumer_group_offsets(&[g(vec![]), g(vec![])], &o)
    });
    refused("group_id must not be empty", || {
        a.list_consumer_group_offsets(&[ConsumerGroupTopicPartitions::new("", vec![])], &o)
    });
    refused("must not carry an offset", || {
        a.list_consumer_group_offsets(&[g(vec![TopicPartition::with_offset("t", 0, 5)])], &o)
    });
    refused(
        "alter_consumer_group_offsets: expected at least one topic partition",
        || a.alter_consumer_group_offsets(&[g(vec![])], &o),
    );
    refused("the offset to set must be a concrete offset >= 0", || {
        a.alter_consumer_group_offsets(&[g(vec![tp("t", 0)])], &o)
    });
    refused("partition must not be negative (got -1)", || {
        a.alter_consumer_group_offsets(&[g(vec![TopicPartition::with_offset("t", -1, 3)])], &o)
    });
    refused("list_offsets: expected at least one partition", || {
        a.list_offsets(&[], &o)
    });
    refused("list_offsets: duplicate topic partition (\"t\", 0)", || {
        a.list_offsets(
            &[
                (tp("t", 0), OffsetSpec::Earliest),
                (tp("t", 0), OffsetSpec::Latest),
            ],
            &o,
        )
    });
    refused("the timestamp must not be negative", || {
        a.list_offsets(&[(tp("t", 0), OffsetSpec::Timestamp(-5))], &o)
    });
    refused("partition must not be negative", || {
        a.list_offsets(&[(tp("t", -2), OffsetSpec::Latest)], &o)
    });
    refused("a topic partition has an empty topic name", || {
        a.list_offsets(&[(tp("", 0), OffsetSpec::Latest)], &o)
    });
    refused(
        "the offset must be a concrete offset or Offset::End",
        || {
            a.delete_records(
                &[TopicPartition::with_offset("t", 0, Offset::Beginning)],
                &o,
            )
        },
    );
    refused(
        "an empty partition list; pass None for all partitions",
        || a.elect_leaders(ElectionType::Preferred, Some(&[]), &o),
    );
    refused("an empty user list; pass None for all users", || {
        a.describe_user_scram_credentials::<&str>(Some(&[]), &o)
    });
    refused("duplicate user \"u\"", || {
        a.describe_user_scram_credentials(Some(&["u", "u"]), &o)
    });
    let up = |user: &str, iterations, pw: &str| {
        UserScramCredentialAlteration::upsertion(user, ScramMechanism::ScramSha256, iterations, pw)
    };
    refused("expected at least one alteration", || {
        a.alter_user_scram_credentials(&[], &o)
    });
    refused("iterations must be positive (got 0)", || {
        a.alter_user_scram_credentials(&[up("u", 0, "pw")], &o)
    });
    refused("the password must not be empty", || {
        a.alter_user_scram_credentials(&[up("u", 4096, "")], &o)
    });
    refused("duplicate (user, mechanism) (\"u\", ScramSha256)", || {
        a.alter_user_scram_credentials(&[up("u", 4096, "a"), up("u", 8192, "b")], &o)
    });
    refused("list_groups: group id must not be empty", || {
        a.list_groups(Some(""), Duration::from_secs(5))
    });
}

#[test]
fn options_an_operation_does_not_take_are_refused_before_sending() {
    let a = unreachable();
    refused("validate_only", || {
        a.delete_topics(&["t"], &opts().validate_only(true))
    });
    refused("operation_timeout", || {
        a.describe_topics(&["t"], &opts().operation_timeout(Duration::from_secs(1)))
    });
    refused("require_stable", || {
        a.describe_cluster(&opts().require_stable(true))
    });
    refused("isolation_level", || {
        a.describe_cluster(&opts().isolation_level(rkafka::admin::IsolationLevel::ReadCommitted))
    });
    refused("states", || {
        a.describe_cluster(&opts().states([ConsumerGroupState::Stable]))
    });
    refused("request_timeout", || {
        a.describe_cluster(&AdminOptions::new().request_timeout(Duration::from_secs(7200)))
    });
    refused("Duplicate states not allowed", || {
        a.list_consumer_groups(
            &opts().states([ConsumerGroupState::Stable, ConsumerGroupState::Stable]),
        )
    });
    refused("UNKNOWN type is not allowed", || {
        a.list_consumer_groups(&opts().types([ConsumerGroupType::Unknown]))
    });
}

#[test]
fn a_valid_request_to_an_unreachable_broker_times_out_within_its_bound() {
    let errors = Arc::new(Mutex::new(Vec::new()));
    let seen = errors.clone();
    let a = AdminClient::builder(Config::from([("bootstrap.servers", "127.0.0.1:1")]))
        .error_cb(move |e| seen.lock().unwrap().push(e.code()))
        .build()
        .unwrap();
    let started = Instant::now();
    let e = a
        .create_topics(
            &[NewTopic::new("t", 1, 1)],
            &AdminOptions::new().request_timeout(Duration::from_millis(1500)),
        )
        .unwrap_err();
    let took = started.elapsed();
    assert_eq!(e.code(), ErrorCode::TimedOut, "{e:?}");
    assert!(
        took >= Duration::from_millis(1400) && took < Duration::from_secs(4),
        "{took:?}"
    );
    // The error callback was served on this thread during the call.
    let errors = errors.lock().unwrap();
    assert!(
        errors
            .iter()
            .any(|c| matches!(c, ErrorCode::Transport | ErrorCode::AllBrokersDown)),
        "{errors:?}"
    );
}

#[test]
fn a_panic_in_error_cb_is_resumed_from_the_admin_call() {
    let a = AdminClient::builder(Config::from([("bootstrap.servers", "127.0.0.1:1")]))
        .error_cb(|e| panic!("error_cb saw {}", e.code()))
        .build()
        .unwrap();
    let started = Instant::now();
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        a.describe_cluster(&AdminOptions::new().request_timeout(Duration::from_secs(5)))
    }));
    let payload = r.expect_err("the callback's panic reaches the caller");
    let msg = payload
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(msg.starts_with("error_cb saw "), "{msg:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn mock_cluster_has_no_admin_handlers_and_requests_time_out_cleanly() {
    let cluster = MockCluster::new(1).unwrap();
    let a = AdminClient::new(Config::from([(
        "bootstrap.servers",
        cluster.bootstrap_servers(),
    )]))
    .unwrap();
    // Metadata works...
    assert_eq!(
        a.list_topics(None, Duration::from_secs(5))
            .unwrap()
            .brokers
            .len(),
        1
    );
    // ...but admin requests wait for a controller the mock never names.
    let started = Instant::now();
    let e = a
        .create_topics(
            &[NewTopic::new("t", 1, 1)],
            &AdminOptions::new().request_timeout(Duration::from_secs(1)),
        )
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::TimedOut, "{e:?}");
    assert!(e.str().contains("waiting for controller"), "{e}");
    assert!(started.elapsed() < Duration::from_secs(4));
}

#[test]
fn cluster_id_on_all_three_clients_matches_the_metadata_and_times_out_as_python_does() {
    let c = MockCluster::new(1).unwrap();
    let bootstrap = [("bootstrap.servers", c.bootstrap_servers())];
    let producer = rkafka::Producer::new(bootstrap).unwrap();
    let consumer = rkafka::Consumer::new([
        ("bootstrap.servers", c.bootstrap_servers()),
        ("group.id", "g-cluster-id"),
    ])
    .unwrap();
    let admin = AdminClient::new(bootstrap).unwrap();
    let t = Duration::from_secs(10);
    let from_metadata = producer.list_topics(None, t).unwrap().cluster_id.unwrap();
    assert!(!from_metadata.is_empty());
    assert_eq!(producer.cluster_id(t).unwrap(), from_metadata);
    assert_eq!(consumer.cluster_id(t).unwrap(), from_metadata);
    assert_eq!(admin.cluster_id(t).unwrap(), from_metadata);
    // No broker: `_TIMED_OUT` within the timeout, with Python's message.
    let start = Instant::now();
    let e = unreachable()
        .cluster_id(Duration::from_secs(1))
        .unwrap_err();
    assert!(start.elapsed() < Duration::from_secs(3));
    assert_eq!(e.code(), ErrorCode::TimedOut);
    assert!(e.str().starts_with("Failed to retrieve cluster id"), "{e}");
}
