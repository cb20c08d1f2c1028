//! AdminClient against real brokers: the prebuilt tansu (topics, cluster, configs, groups and
//! their offsets), tansu 0.6.0 on sqlite (list groups, list offsets by timestamp) and with
//! SASL/SCRAM (user credentials), with confluent-kafka-python's AdminClient as the reference
//! where a comparison is cheap. Operations no broker here supports are checked for their
//! exact, prompt error.

use crate::common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use common::{run_python, unique, Tansu, SCRAM_USERS};
use rkafka::admin::{
    AclBindingFilter, AlterConfigOpType, ConfigResource, ConsumerGroupState,
    ConsumerGroupTopicPartitions, ElectionType, NewPartitions, NewTopic, OffsetSpec, ResourceType,
    ScramMechanism, UserScramCredentialAlteration,
};
use rkafka::{
    AdminClient, AdminOptions, Config, Consumer, ErrorCode, Offset, Producer, Record,
    TopicPartition,
};

/// (client id, member id, assigned (topic, partition)s) of one group member.
type Member = (String, String, Vec<(String, i32)>);

fn opts() -> AdminOptions {
    AdminOptions::new().request_timeout(Duration::from_secs(15))
}

fn admin(broker: &Tansu) -> AdminClient {
    AdminClient::new(broker.config()).unwrap()
}

/// Creates topics through rkafka and asserts every one succeeded.
fn create(admin: &AdminClient, topics: &[NewTopic]) {
    let res = admin.create_topics(topics, &opts()).unwrap();
    assert_eq!(res.len(), topics.len());
    for (t, r) in res {
        r.unwrap_or_else(|e| panic!("create {t}: {e:?}"));
    }
}

/// Produces `n` messages to partition `p` (values "0".."n-1"), optionally with timestamps.
fn produce(broker: &Tansu, topic: &str, p: i32, n: usize, ts: impl Fn(usize) -> Option<i64>) {
    let producer = Producer::new(broker.config().with("linger.ms", "0")).unwrap();
    for i in 0..n {
        let v = i.to_string();
        let mut r = Record::new(topic).partition(p).value(&v);
        if let Some(t) = ts(i) {
            r = r.timestamp(t);
        }
        producer.produce_wait(r, Duration::from_secs(20)).unwrap();
        // One record per batch: the prebuilt tansu miscounts multi-record batches.
        assert_eq!(producer.flush(Duration::from_secs(20)), 0);
    }
    assert_eq!(producer.flush(Duration::from_secs(20)), 0);
}

#[test]
fn topics_create_describe_delete_on_prebuilt_tansu() {
    let broker = Tansu::plain();
    let a = admin(&broker);
    let (t1, t2, t3) = (unique("adm-a"), unique("adm-b"), unique("adm-v"));

    let started = Instant::now();
    let res = a
        .create_topics(
            &[
                NewTopic::new(&t1, 3, 1),
                NewTopic::new(&t2, 1, 1).config("cleanup.policy", "compact"),
            ],
            &opts().operation_timeout(Duration::from_secs(10)),
        )
        .unwrap();
    assert_eq!(res.keys().cloned().collect::<Vec<_>>(), {
        let mut v = vec![t1.clone(), t2.clone()];
        v.sort();
        v
    });
    assert!(res.values().all(Result::is_ok), "{res:?}");
    assert!(started.elapsed() < Duration::from_secs(10));

    // Creating again: a per-topic error, not a request-level one.
    let again = a
        .create_topics(&[NewTopic::new(&t1, 3, 1)], &opts())
        .unwrap();
    assert_eq!(
        again[&t1].as_ref().unwrap_err().code(),
        ErrorCode::TopicAlreadyExists,
        "{again:?}"
    );

    // validate_only: accepted, nothing created.
    let v = a
        .create_topics(&[NewTopic::new(&t3, 2, 1)], &opts().validate_only(true))
        .unwrap();
    assert!(v[&t3].is_ok(), "{v:?}");

    let md = a.list_topics(None, Duration::from_secs(10)).unwrap();
    assert_eq!(md.topics[&t1].partitions.len(), 3);
    assert_eq!(md.topics[&t2].partitions.len(), 1);

    let d = a
        .describe_topics(&[t1.as_str(), t2.as_str(), "no-such-topic"], &opts())
        .unwrap();
    let d1 = d[&t1].as_ref().unwrap();
    assert_eq!(d1.name, t1);
    assert_eq!(d1.partitions.len(), 3);
    assert!(!d1.is_internal);
    for (i, p) in d1.partitions.iter().enumerate() {
        assert_eq!(p.id, i as i32);
        let leader = p.leader.as_ref().expect("a leader");
        assert_eq!(leader.id, 111, "tansu's node id");
        assert_eq!(leader.port, broker.port);
        assert_eq!(p.replicas.len(), 1);
    }
    assert_eq!(d1.authorized_operations, None, "not requested");
    assert_eq!(d[&t2].as_ref().unwrap().partitions.len(), 1);
    assert_eq!(
        d["no-such-topic"].as_ref().unwrap_err().code(),
        ErrorCode::UnknownTopicOrPart
    );
    if !md.topics.contains_key(&t3) {
        // tansu honours validate_only.
        assert_eq!(
            a.describe_topics(&[t3.as_str()], &opts()).unwrap()[&t3]
                .as_ref()
                .unwrap_err()
                .code(),
            ErrorCode::UnknownTopicOrPart
        );
    }

    // Compare with confluent-kafka-python's describe_topics on the same broker.
    let py = run_python(
        r#"
import sys, json
from confluent_kafka import TopicCollection
from confluent_kafka.admin import AdminClient
a = AdminClient({"bootstrap.servers": sys.argv[1]})
fs = a.describe_topics(TopicCollection([sys.argv[2]]), request_timeout=15)
d = fs[sys.argv[2]].result()
print(json.dumps({"name": d.name, "topic_id": str(d.topic_id), "internal": d.is_internal,
    "partitions": [[p.id, p.leader.id, [r.id for r in p.replicas], [r.id for r in p.isr]] for p in d.partitions]}))
"#,
        &[&broker.bootstrap(), &t1],
    );
    let py: serde_json::Value = serde_json::from_str(py.trim()).unwrap();
    assert_eq!(py["name"], t1.as_str());
    assert_eq!(py["internal"], d1.is_internal);
    assert_eq!(
        py["topic_id"].as_str().unwrap(),
        d1.topic_id
            .as_ref()
            .map(|u| u.base64.as_str())
            .unwrap_or("None")
    );
    let ours: Vec<serde_json::Value> = d1
        .partitions
        .iter()
        .map(|p| {
            serde_json::json!([
                p.id,
                p.leader.as_ref().unwrap().id,
                p.replicas.iter().map(|n| n.id).collect::<Vec<_>>(),
                p.isr.iter().map(|n| n.id).collect::<Vec<_>>()
            ])
        })
        .collect();
    assert_eq!(py["partitions"], serde_json::Value::Array(ours));

    let del = a
        .delete_topics(
            &[&t1, &t2],
            &opts().operation_timeout(Duration::from_secs(10)),
        )
        .unwrap();
    assert!(del.values().all(Result::is_ok), "{del:?}");
    let after = a.describe_topics(&[&t1], &opts()).unwrap();
    assert_eq!(
        after[&t1].as_ref().unwrap_err().code(),
        ErrorCode::UnknownTopicOrPart
    );
    // Deleting again: per-topic error.
    let again = a.delete_topics(&[&t1], &opts()).unwrap();
    assert_eq!(
        again[&t1].as_ref().unwrap_err().code(),
        ErrorCode::UnknownTopicOrPart
    );
}

#[test]
fn describe_cluster_on_prebuilt_tansu_matches_python() {
    let broker = Tansu::plain();
    let a = admin(&broker);
    let c = a.describe_cluster(&opts()).unwrap();
    assert_eq!(c.cluster_id.as_deref(), Some("rkafka-test"));
    assert_eq!(c.nodes.len(), 1);
    assert_eq!(c.nodes[0].id, 111);
    assert_eq!(c.nodes[0].host, "127.0.0.1");
    assert_eq!(c.nodes[0].port, broker.port);
    assert_eq!(c.authorized_operations, None);
    let py = run_python(
        r#"
import sys
from confluent_kafka.admin import AdminClient
a = AdminClient({"bootstrap.servers": sys.argv[1]})
c = a.describe_cluster(request_timeout=15).result()
print(c.cluster_id, c.controller.id if c.controller else None, [(n.id, n.host, n.port) for n in c.nodes])
"#,
        &[&broker.bootstrap()],
    );
    let ours = format!(
        "{} {} {:?}",
        c.cluster_id.clone().unwrap(),
        c.controller
            .as_ref()
            .map_or("None".to_string(), |n| n.id.to_string()),
        c.nodes
            .iter()
            .map(|n| (n.id, n.host.clone(), n.port))
            .collect::<Vec<_>>()
    );
    assert_eq!(py.trim(), ours.replace('"', "'"));
}

#[test]
fn configs_on_prebuilt_tansu() {
    let broker = Tansu::plain();
    let a = admin(&broker);
    let topic = unique("adm-cfg");
    create(&a, &[NewTopic::new(&topic, 1, 1)]);
    let res = a
        .describe_configs(
            &[
                ConfigResource::new(ResourceType::Topic, &topic),
                ConfigResource::new(ResourceType::Broker, "111"),
            ],
            &opts(),
        )
        .unwrap();
    assert_eq!(res.len(), 2);
    // The prebuilt tansu answers with no entries (BROKERS.md), as Python sees too.
    let entries = res[&(ResourceType::Topic, topic.clone())].as_ref().unwrap();
    assert!(entries.is_empty(), "{entries:?}");
    assert!(res[&(ResourceType::Broker, "111".to_string())].is_ok());

    let alter = ConfigResource::new(ResourceType::Topic, &topic)
        .incremental_config("retention.ms", AlterConfigOpType::Set, Some("86400000"))
        .incremental_config("cleanup.policy", AlterConfigOpType::Delete, None);
    let r = a
        .incremental_alter_configs(std::slice::from_ref(&alter), &opts())
        .unwrap();
    assert!(r[&alter.key()].is_ok(), "{r:?}");
    let r = a
        .incremental_alter_configs(std::slice::from_ref(&alter), &opts().validate_only(true))
        .unwrap();
    assert!(r[&alter.key()].is_ok(), "{r:?}");

    // The legacy AlterConfigs API is not offered by tansu: librdkafka refuses the request.
    let e = a
        .alter_configs(
            &[ConfigResource::new(ResourceType::Topic, &topic).set_config("retention.ms", "1000")],
            &opts(),
        )
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::UnsupportedFeature, "{e:?}");
    assert!(e.str().contains("AlterConfigs"), "{e}");
}

#[test]
fn group_offsets_and_describe_on_prebuilt_tansu() {
    let broker = Tansu::plain();
    let a = admin(&broker);
    let topic = unique("adm-grp");
    let group = unique("g");
    create(&a, &[NewTopic::new(&topic, 2, 1)]);
    produce(&broker, &topic, 0, 5, |_| None);
    produce(&broker, &topic, 1, 3, |_| None);

    // Commit offsets for a group with no members through the admin API.
    let req = ConsumerGroupTopicPartitions::new(
        &group,
        vec![
            TopicPartition::with_offset(&topic, 0, 4).metadata("from-admin"),
            TopicPartition::with_offset(&topic, 1, 2),
        ],
    );
    let r = a.alter_consumer_group_offsets(&[req], &opts()).unwrap();
    let parts = &r[&group].as_ref().unwrap().topic_partitions;
    assert_eq!(parts.len(), 2);
    assert!(parts.iter().all(|tp| tp.error.is_none()), "{parts:?}");

    let listed = a
        .list_consumer_group_offsets(
            &[ConsumerGroupTopicPartitions::new(&group, vec![])],
            &opts(),
        )
        .unwrap();
    let got: BTreeMap<i32, Offset> = listed[&group]
        .as_ref()
        .unwrap()
        .topic_partitions
        .iter()
        .map(|tp| (tp.partition, tp.offset))
        .collect();
    assert_eq!(
        got,
        BTreeMap::from([(0, Offset::At(4)), (1, Offset::At(2))])
    );
    // Only one partition asked for.
    let one = a
        .list_consumer_group_offsets(
            &[ConsumerGroupTopicPartitions::new(
                &group,
                vec![TopicPartition::new(&topic, 1)],
            )],
            &opts().require_stable(true),
        )
        .unwrap();
    let one = &one[&group].as_ref().unwrap().topic_partitions;
    assert_eq!(one.len(), 1);
    assert_eq!((one[0].partition, one[0].offset), (1, Offset::At(2)));

    // Python sees the same committed offsets.
    let py = run_python(
        r#"
import sys
from confluent_kafka import ConsumerGroupTopicPartitions
from confluent_kafka.admin import AdminClient
a = AdminClient({"bootstrap.servers": sys.argv[1]})
fs = a.list_consumer_group_offsets([ConsumerGroupTopicPartitions(sys.argv[2])], request_timeout=15)
r = fs[sys.argv[2]].result()
print(sorted((tp.partition, tp.offset) for tp in r.topic_partitions))
"#,
        &[&broker.bootstrap(), &group],
    );
    assert_eq!(py.trim(), "[(0, 4), (1, 2)]");

    // The group with no members, as described by rkafka and by Python.
    let py_describe = |group: &str| {
        run_python(
            r#"
import sys
from confluent_kafka.admin import AdminClient
a = AdminClient({"bootstrap.servers": sys.argv[1]})
d = a.describe_consumer_groups([sys.argv[2]], request_timeout=15)[sys.argv[2]].result()
print(d.group_id, d.is_simple_consumer_group, d.state.name, d.type.name, repr(d.partition_assignor),
      sorted((m.client_id, m.member_id, sorted((tp.topic, tp.partition) for tp in m.assignment.topic_partitions)) for m in d.members),
      d.coordinator.id)
"#,
            &[&broker.bootstrap(), group],
        )
        .trim()
        .to_string()
    };
    let ours = |g: &rkafka::admin::ConsumerGroupDescription| {
        let mut members: Vec<Member> = g
            .members
            .iter()
            .map(|m| {
                let mut a: Vec<(String, i32)> = m
                    .assignment
                    .iter()
                    .map(|tp| (tp.topic.clone(), tp.partition))
                    .collect();
                a.sort();
                (m.client_id.clone(), m.member_id.clone(), a)
            })
            .collect();
        members.sort();
        format!(
            "{} {} {} {} {:?} {:?} {}",
            g.group_id,
            if g.is_simple_consumer_group {
                "True"
            } else {
                "False"
            },
            g.state,
            g.group_type,
            g.partition_assignor,
            members,
            g.coordinator.as_ref().map_or(-1, |n| n.id)
        )
        .replace('"', "'")
    };
    let d = a.describe_consumer_groups(&[&group], &opts()).unwrap();
    let idle = d[&group].as_ref().unwrap();
    assert_eq!(idle.group_id, group);
    assert_eq!(idle.state, ConsumerGroupState::Empty, "{idle:?}");
    assert!(idle.members.is_empty());
    assert_eq!(ours(idle), py_describe(&group));

    // The legacy list_groups sees it too, as Python's does.
    let legacy = a
        .list_groups(Some(&group), Duration::from_secs(10))
        .unwrap();
    assert_eq!(legacy.len(), 1, "{legacy:?}");
    assert_eq!(
        (
            legacy[0].id.as_str(),
            legacy[0].state.as_str(),
            legacy[0].broker.id
        ),
        (group.as_str(), "Empty", 111)
    );
    assert!(legacy[0].error.is_none());
    let all = a.list_groups(None, Duration::from_secs(10)).unwrap();
    assert!(all.iter().any(|g| g.id == group), "{all:?}");
    let py = run_python(
        r#"
import sys
from confluent_kafka.admin import AdminClient
a = AdminClient({"bootstrap.servers": sys.argv[1]})
print(sorted((g.id, g.state, g.protocol_type, g.protocol, len(g.members)) for g in a.list_groups(timeout=10)))
"#,
        &[&broker.bootstrap()],
    );
    let mut ours_legacy: Vec<(String, String, String, String, usize)> = all
        .iter()
        .map(|g| {
            (
                g.id.clone(),
                g.state.clone(),
                g.protocol_type.clone(),
                g.protocol.clone(),
                g.members.len(),
            )
        })
        .collect();
    ours_legacy.sort();
    assert_eq!(py.trim(), format!("{ours_legacy:?}").replace('"', "'"));

    // With a live member: rkafka and Python describe the group the same way.
    let consumer = Consumer::new(
        broker
            .config()
            .with("group.id", &group)
            .with("client.id", "adm-member")
            .with("enable.auto.commit", "false")
            .with("session.timeout.ms", "6000")
            .with("heartbeat.interval.ms", "500"),
    )
    .unwrap();
    consumer.subscribe(&[&topic]).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while consumer.assignment().map_or(0, |a| a.len()) < 2 {
        assert!(Instant::now() < deadline, "no assignment within 30 s");
        consumer.poll(Duration::from_millis(200));
    }
    let d = a.describe_consumer_groups(&[&group], &opts()).unwrap();
    let live = d[&group].as_ref().unwrap().clone();
    let py = py_describe(&group);
    consumer.poll(Duration::from_millis(10));
    assert_eq!(live.state, ConsumerGroupState::Stable, "{live:?}");
    assert!(
        live.coordinator.as_ref().is_some_and(|n| n.id == 111),
        "{live:?}"
    );
    assert_eq!(ours(&live), py);
    consumer.close_timeout(Duration::from_secs(10)).unwrap();
    drop(consumer);

    // Move partition 0's committed offset back and read both again.
    let r = a
        .alter_consumer_group_offsets(
            &[ConsumerGroupTopicPartitions::new(
                &group,
                vec![TopicPartition::with_offset(&topic, 0, 1)],
            )],
            &opts(),
        )
        .unwrap();
    assert!(r[&group].as_ref().unwrap().topic_partitions[0]
        .error
        .is_none());
    let listed = a
        .list_consumer_group_offsets(
            &[ConsumerGroupTopicPartitions::new(
                &group,
                vec![
                    TopicPartition::new(&topic, 0),
                    TopicPartition::new(&topic, 1),
                ],
            )],
            &opts(),
        )
        .unwrap();
    let got: BTreeMap<i32, Offset> = listed[&group]
        .as_ref()
        .unwrap()
        .topic_partitions
        .iter()
        .map(|tp| (tp.partition, tp.offset))
        .collect();
    assert_eq!(
        got,
        BTreeMap::from([(0, Offset::At(1)), (1, Offset::At(2))])
    );

    let del = a.delete_consumer_groups(&[&group], &opts()).unwrap();
    assert!(del[&group].is_ok(), "{del:?}");
    let after = a
        .list_consumer_group_offsets(
            &[ConsumerGroupTopicPartitions::new(&group, vec![])],
            &opts(),
        )
        .unwrap();
    let left = &after[&group].as_ref().unwrap().topic_partitions;
    assert!(
        left.iter().all(|tp| tp.offset == Offset::Invalid),
        "offsets survive the group's deletion: {left:?}"
    );
}

#[test]
fn list_offsets_earliest_latest_on_prebuilt_tansu() {
    let broker = Tansu::plain();
    let a = admin(&broker);
    let topic = unique("adm-lo");
    create(&a, &[NewTopic::new(&topic, 2, 1)]);
    produce(&broker, &topic, 0, 4, |_| None);
    let r = a
        .list_offsets(
            &[
                (TopicPartition::new(&topic, 0), OffsetSpec::Earliest),
                (TopicPartition::new(&topic, 1), OffsetSpec::Latest),
            ],
            &opts().isolation_level(rkafka::admin::IsolationLevel::ReadCommitted),
        )
        .unwrap();
    assert_eq!(
        r[&TopicPartition::new(&topic, 0)].as_ref().unwrap().offset,
        0
    );
    assert_eq!(
        r[&TopicPartition::new(&topic, 1)].as_ref().unwrap().offset,
        0
    );
    let r = a
        .list_offsets(
            &[(TopicPartition::new(&topic, 0), OffsetSpec::Latest)],
            &opts(),
        )
        .unwrap();
    assert_eq!(
        r[&TopicPartition::new(&topic, 0)].as_ref().unwrap().offset,
        4
    );
    // A partition that does not exist: librdkafka finds no leader for it and fails the
    // request (Python raises the same from every future).
    let e = a
        .list_offsets(
            &[(TopicPartition::new(&topic, 7), OffsetSpec::Latest)],
            &opts(),
        )
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Noent, "{e:?}");
    assert!(e.str().contains("No leaders found"), "{e}");
}

/// Operations no broker here supports come back promptly with their exact error.
#[test]
fn unsupported_operations_fail_cleanly_on_prebuilt_tansu() {
    let broker = Tansu::plain();
    let a = admin(&broker);
    let topic = unique("adm-uns");
    create(&a, &[NewTopic::new(&topic, 1, 1)]);
    produce(&broker, &topic, 0, 3, |_| None);
    let started = Instant::now();

    let e = a
        .create_partitions(&[NewPartitions::new(&topic, 3)], &opts())
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::UnsupportedFeature, "{e:?}");
    assert!(
        e.str()
            .contains("CreatePartitions (KIP-195) not supported by broker"),
        "{e}"
    );

    let e = a
        .elect_leaders(
            ElectionType::Preferred,
            Some(&[TopicPartition::new(&topic, 0)]),
            &opts(),
        )
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::UnsupportedFeature, "{e:?}");
    assert!(e.str().contains("ElectLeaders"), "{e}");

    let e = a
        .delete_acls(&[AclBindingFilter::any()], &opts())
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::UnsupportedFeature, "{e:?}");
    assert!(
        e.str().contains("ACLs Admin API (KIP-140) not supported"),
        "{e}"
    );

    // DescribeAcls is answered, with no bindings.
    assert_eq!(
        a.describe_acls(&AclBindingFilter::any(), &opts()).unwrap(),
        vec![]
    );

    // DeleteRecords: tansu drops the connection; librdkafka reports a transport failure for
    // the partition.
    let r = a
        .delete_records(&[TopicPartition::with_offset(&topic, 0, 1)], &opts())
        .unwrap();
    let e = r[&TopicPartition::new(&topic, 0)].as_ref().unwrap_err();
    assert_eq!(e.code(), ErrorCode::Transport, "{e:?}");

    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    // The client is still usable afterwards.
    assert!(a.describe_cluster(&opts()).is_ok());
}

#[test]
fn list_groups_and_list_offsets_by_timestamp_on_sqlite_tansu() {
    let broker = Tansu::sqlite();
    let a = admin(&broker);
    let topic = unique("adm-ts");
    let group = unique("g");
    create(&a, &[NewTopic::new(&topic, 1, 1)]);
    let base = 1_700_000_000_000i64;
    produce(&broker, &topic, 0, 5, |i| Some(base + 1000 * i as i64));

    let tp = TopicPartition::new(&topic, 0);
    let ask = |spec| {
        a.list_offsets(&[(tp.clone(), spec)], &opts()).unwrap()[&tp]
            .clone()
            .unwrap()
    };
    assert_eq!(ask(OffsetSpec::Earliest).offset, 0);
    assert_eq!(ask(OffsetSpec::Latest).offset, 5);
    let at = ask(OffsetSpec::Timestamp(base + 2000));
    assert_eq!((at.offset, at.timestamp), (2, base + 2000));
    let between = ask(OffsetSpec::Timestamp(base + 2500));
    assert_eq!(between.offset, 3);
    let after = ask(OffsetSpec::Timestamp(base + 99_000));
    let max = ask(OffsetSpec::MaxTimestamp);

    // Python agrees on the same broker.
    let py = run_python(
        r#"
import sys
from confluent_kafka import TopicPartition
from confluent_kafka.admin import AdminClient, OffsetSpec
a = AdminClient({"bootstrap.servers": sys.argv[1]})
base = int(sys.argv[3])
out = []
for spec in [OffsetSpec.earliest(), OffsetSpec.latest(), OffsetSpec.for_timestamp(base + 2000),
             OffsetSpec.for_timestamp(base + 2500), OffsetSpec.for_timestamp(base + 99000), OffsetSpec.max_timestamp()]:
    tp = TopicPartition(sys.argv[2], 0)
    r = a.list_offsets({tp: spec}, request_timeout=15)[tp].result()
    out.append((r.offset, r.timestamp))
print(out)
"#,
        &[&broker.bootstrap(), &topic, &base.to_string()],
    );
    let ours: Vec<(i64, i64)> = [
        ask(OffsetSpec::Earliest),
        ask(OffsetSpec::Latest),
        at,
        between,
        after,
        max,
    ]
    .iter()
    .map(|r| (r.offset, r.timestamp))
    .collect();
    assert_eq!(py.trim(), format!("{ours:?}"));

    // Groups: one with committed offsets.
    let r = a
        .alter_consumer_group_offsets(
            &[ConsumerGroupTopicPartitions::new(
                &group,
                vec![TopicPartition::with_offset(&topic, 0, 3)],
            )],
            &opts(),
        )
        .unwrap();
    assert!(r[&group].is_ok(), "{r:?}");
    let summary = |r: &rkafka::admin::ListConsumerGroupsResult| {
        let mut v: Vec<String> = r
            .valid
            .iter()
            .map(|g| {
                format!(
                    "{} {} {} {}",
                    g.group_id,
                    if g.is_simple_consumer_group {
                        "True"
                    } else {
                        "False"
                    },
                    g.state,
                    g.group_type
                )
            })
            .collect();
        v.sort();
        format!("{v:?} {}", r.errors.len()).replace('"', "'")
    };
    let listed = a.list_consumer_groups(&opts()).unwrap();
    assert!(listed.errors.is_empty(), "{listed:?}");
    assert!(
        listed.valid.iter().any(|g| g.group_id == group),
        "{group} not in {listed:?}"
    );
    let with_states = a
        .list_consumer_groups(
            &opts().states([ConsumerGroupState::Stable, ConsumerGroupState::Empty]),
        )
        .unwrap();
    let with_types = a
        .list_consumer_groups(&opts().types([rkafka::admin::ConsumerGroupType::Classic]))
        .unwrap();
    // Python lists the same groups, with and without the same filters.
    let py = run_python(
        r#"
import sys
from confluent_kafka import ConsumerGroupState, ConsumerGroupType
from confluent_kafka.admin import AdminClient
a = AdminClient({"bootstrap.servers": sys.argv[1]})
def show(r):
    return str(sorted("%s %s %s %s" % (g.group_id, g.is_simple_consumer_group, g.state.name, g.type.name) for g in r.valid)) + " " + str(len(r.errors))
print(show(a.list_consumer_groups(request_timeout=15).result()))
print(show(a.list_consumer_groups(request_timeout=15, states={ConsumerGroupState.STABLE, ConsumerGroupState.EMPTY}).result()))
print(show(a.list_consumer_groups(request_timeout=15, types={ConsumerGroupType.CLASSIC}).result()))
"#,
        &[&broker.bootstrap()],
    );
    let py: Vec<&str> = py.lines().collect();
    assert_eq!(
        py,
        [
            summary(&listed),
            summary(&with_states),
            summary(&with_types)
        ]
    );

    // The legacy list_groups also describes every group, which this tansu answers by closing
    // the connection: the same error Python raises.
    let e = a.list_groups(None, Duration::from_secs(10)).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Transport, "{e:?}");
    assert!(e.str().starts_with("Failed to list groups"), "{e}");
}

#[test]
fn scram_users_described_created_and_used_on_sasl_tansu() {
    let broker = Tansu::sasl();
    let (alice, alice_pw, _) = SCRAM_USERS[0];
    let sasl = |user: &str, pw: &str, mech: &str| -> Config {
        broker
            .config()
            .with("security.protocol", "SASL_PLAINTEXT")
            .with("sasl.mechanisms", mech)
            .with("sasl.username", user)
            .with("sasl.password", pw)
    };
    let a = AdminClient::new(sasl(alice, alice_pw, "SCRAM-SHA-256")).unwrap();

    // tansu 0.6.0 answers DescribeUserScramCredentials with no entries at all: no users for
    // "all", and no result for a named user (Python: `{}` and
    // `RuntimeError('Results length 0 is different from future-map length 1')`).
    let all = a
        .describe_user_scram_credentials::<&str>(None, &opts())
        .unwrap();
    assert!(all.is_empty(), "{all:?}");
    let named = a
        .describe_user_scram_credentials(Some(&[alice]), &opts())
        .unwrap();
    let e = named[alice].as_ref().unwrap_err();
    assert_eq!(e.code(), ErrorCode::Fail, "{e:?}");
    assert!(
        e.str().contains("the response has no result for \"alice\""),
        "{e}"
    );

    let carol = unique("carol");
    let carol_pw = "carol-secret-1";
    let r = a
        .alter_user_scram_credentials(
            &[UserScramCredentialAlteration::upsertion(
                &carol,
                ScramMechanism::ScramSha512,
                8192,
                carol_pw,
            )],
            &opts(),
        )
        .unwrap();
    assert!(r[&carol].is_ok(), "{r:?}");
    // The new user authenticates and delivers a message.
    let topic = unique("adm-scram");
    create(&a, &[NewTopic::new(&topic, 1, 1)]);
    let p = Producer::new(sasl(&carol, carol_pw, "SCRAM-SHA-512").with("linger.ms", "0")).unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    p.produce(
        Record::new(&topic)
            .value("from carol")
            .on_delivery(move |r| tx.send(r.result()).unwrap()),
    )
    .unwrap();
    assert_eq!(p.flush(Duration::from_secs(20)), 0);
    let delivered = rx.recv_timeout(Duration::from_secs(1)).unwrap();
    assert_eq!(delivered.unwrap(), (0, 0));
    drop(p);

    // A wrong password for the new user is refused: the credential is real.
    assert_refused(sasl(&carol, "not-carols", "SCRAM-SHA-512"));

    // Delete the credential again.
    let r = a
        .alter_user_scram_credentials(
            &[UserScramCredentialAlteration::deletion(
                &carol,
                ScramMechanism::ScramSha512,
            )],
            &opts(),
        )
        .unwrap();
    assert!(r[&carol].is_ok(), "{r:?}");
    // Once deleted, the user can no longer authenticate.
    assert_refused(sasl(&carol, carol_pw, "SCRAM-SHA-512"));
}

/// A client with these credentials gets no answer (the request times out) and its error_cb,
/// served during the admin call, reports the broker's refusal.
fn assert_refused(config: Config) {
    let errors = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = errors.clone();
    let a = AdminClient::builder(config)
        .error_cb(move |e| seen.lock().unwrap().push(e.clone()))
        .build()
        .unwrap();
    let started = Instant::now();
    let e = a
        .describe_cluster(&AdminOptions::new().request_timeout(Duration::from_secs(3)))
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::TimedOut, "{e:?}");
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "{:?}",
        started.elapsed()
    );
    let errors = errors.lock().unwrap();
    assert!(
        errors.iter().any(|e| e.code() == ErrorCode::Authentication),
        "{errors:?}"
    );
}
