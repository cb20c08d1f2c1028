//! The next-generation consumer group protocol (KIP-848, `group.protocol=consumer`) on the mock
//! cluster: join, incremental assignment seen by on_assign/on_revoke (on_assign deferred until
//! the committed offsets are fetched, as with the classic protocol), two members splitting the
//! partitions and rebalancing when one leaves, commit and resume, close; and the settings that
//! protocol refuses.

use crate::common;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{group_conf, mock_with, within};

use rkafka::{Consumer, ErrorCode, MockCluster, Offset, OffsetReset, Rebalance, TopicPartition};

const TOPIC: &str = "kip848";
/// The API keys that tell the protocols apart.
const JOIN_GROUP: i16 = 11;
const CONSUMER_GROUP_HEARTBEAT: i16 = 68;

/// A mock cluster with `TOPIC` (4 partitions, `messages` messages) whose coordinator tells
/// members of consumer-protocol groups to heartbeat every 200 ms (3 s by default), so a new
/// target assignment reaches them quickly.
fn cluster(messages: usize) -> MockCluster {
    let c = mock_with(TOPIC, 4, messages);
    c.set_group_consumer_heartbeat_interval(Duration::from_millis(200));
    c
}

fn kip848_conf(c: &MockCluster, group: &str) -> Vec<(&'static str, String)> {
    let mut conf = group_conf(c, group);
    conf.push(("group.protocol", "consumer".to_string()));
    conf
}

/// What the rebalance closures saw, in order: ("assign" | "revoke", partitions with offsets).
type Events = Arc<Mutex<Vec<(&'static str, Vec<TopicPartition>)>>>;

fn recording(events: &Events) -> Rebalance {
    let (a, r) = (events.clone(), events.clone());
    Rebalance::new()
        .on_assign(move |_c, parts| a.lock().unwrap().push(("assign", parts.to_vec())))
        .on_revoke(move |_c, parts| r.lock().unwrap().push(("revoke", parts.to_vec())))
}

/// The partitions a member holds according to its closures (assigned minus revoked).
fn held(events: &Events) -> BTreeSet<i32> {
    let mut held = BTreeSet::new();
    for (kind, parts) in events.lock().unwrap().iter() {
        for p in parts {
            if *kind == "assign" {
                assert!(held.insert(p.partition), "{p} assigned twice: {events:?}");
            } else {
                assert!(
                    held.remove(&p.partition),
                    "{p} revoked, not held: {events:?}"
                );
            }
        }
    }
    held
}

/// Polls every consumer in turn (100 ms each) until `done` holds; fails after `limit`. Returns
/// the (partition, offset) of the messages each consumer received.
fn poll_until(
    consumers: &[&Consumer],
    limit: Duration,
    mut done: impl FnMut(&[Vec<(i32, i64)>]) -> bool,
) -> Vec<Vec<(i32, i64)>> {
    let mut got = vec![Vec::new(); consumers.len()];
    let deadline = Instant::now() + limit;
    while !done(&got) {
        assert!(
            Instant::now() < deadline,
            "not done within {limit:?}: {got:?}"
        );
        for (c, got) in consumers.iter().zip(got.iter_mut()) {
            let started = Instant::now();
            match c.poll(Duration::from_millis(100)) {
                Some(Ok(m)) => got.push((m.partition(), m.offset())),
                Some(Err(e)) => panic!("{}: {e}", c.name()),
                None => {}
            }
            // on_assign is deferred to a helper thread: poll never waits for the offsets.
            assert!(
                started.elapsed() < Duration::from_millis(1100),
                "poll blocked"
            );
        }
    }
    got
}

#[test]
fn a_member_joins_with_the_consumer_protocol_and_on_assign_sees_every_partition() {
    within(Duration::from_secs(60), || {
        let c = cluster(40);
        c.start_request_tracking();
        let events = Events::default();
        let consumer = Consumer::new(kip848_conf(&c, "g-join")).unwrap();
        consumer
            .subscribe_with([TOPIC], recording(&events))
            .unwrap();
        let got = poll_until(&[&consumer], Duration::from_secs(30), |g| g[0].len() == 40);
        assert_eq!(held(&events), BTreeSet::from([0, 1, 2, 3]));
        // One assign event (the target assignment arrives in one heartbeat), each partition
        // shown with the reset policy that applies, the group having committed nothing.
        let first = events.lock().unwrap()[0].clone();
        assert_eq!(first.0, "assign");
        for p in &first.1 {
            assert_eq!(p.offset, Offset::NoCommit(OffsetReset::Earliest), "{p}");
        }
        assert_eq!(consumer.rebalance_protocol(), "COOPERATIVE");
        let distinct: BTreeSet<_> = got[0].iter().collect();
        assert_eq!(distinct.len(), 40, "duplicates: {got:?}");
        assert_eq!(consumer.assignment().unwrap().len(), 4);
        assert!(consumer.memberid().is_some_and(|m| !m.is_empty()));
        let keys: Vec<i16> = c.requests().iter().map(|r| r.api_key).collect();
        assert!(keys.contains(&CONSUMER_GROUP_HEARTBEAT), "{keys:?}");
        assert!(
            !keys.contains(&JOIN_GROUP),
            "classic JoinGroup sent: {keys:?}"
        );
        let t = Instant::now();
        consumer.close().unwrap();
        assert!(
            t.elapsed() < Duration::from_secs(11),
            "close took {:?}",
            t.elapsed()
        );
        // on_revoke saw the whole assignment go at close.
        assert!(held(&events).is_empty(), "{events:?}");
    })
}

#[test]
fn two_members_split_the_partitions_incrementally_and_the_survivor_takes_them_back() {
    within(Duration::from_secs(90), || {
        let c = cluster(0);
        // Longer than the test's bound for the survivor: only the leave heartbeat sent by
        // close() can hand the partitions back that quickly.
        c.set_group_consumer_session_timeout(Duration::from_secs(60));
        let (ea, eb) = (Events::default(), Events::default());
        let a = Consumer::new(kip848_conf(&c, "g-split")).unwrap();
        a.subscribe_with([TOPIC], recording(&ea)).unwrap();
        poll_until(&[&a], Duration::from_secs(20), |_| held(&ea).len() == 4);

        let b = Consumer::new(kip848_conf(&c, "g-split")).unwrap();
        b.subscribe_with([TOPIC], recording(&eb)).unwrap();
        poll_until(&[&a, &b], Duration::from_secs(30), |_| {
            let (ha, hb) = (held(&ea), held(&eb));
            !ha.is_empty() && !hb.is_empty() && ha.len() + hb.len() == 4
        });
        let (ha, hb) = (held(&ea), held(&eb));
        assert!(ha.is_disjoint(&hb), "{ha:?} {hb:?}");
        // Incremental: A gave up only what B got, in revoke events naming just those; it never
        // lost the partitions it kept.
        let revoked: BTreeSet<i32> = ea
            .lock()
            .unwrap()
            .iter()
            .filter(|(k, _)| *k == "revoke")
            .flat_map(|(_, p)| p.iter().map(|p| p.partition))
            .collect();
        assert_eq!(revoked, hb, "{ea:?}");
        assert_eq!(a.assignment().unwrap().len(), ha.len());

        let t = Instant::now();
        b.close().unwrap();
        assert!(
            t.elapsed() < Duration::from_secs(11),
            "close took {:?}",
            t.elapsed()
        );
        assert!(held(&eb).is_empty(), "B's on_revoke at close: {eb:?}");
        poll_until(&[&a], Duration::from_secs(15), |_| held(&ea).len() == 4);
        assert!(
            t.elapsed() < Duration::from_secs(20),
            "survivor waited for the session timeout"
        );
        a.close().unwrap();
    })
}

#[test]
fn commit_then_a_new_member_resumes_from_the_committed_offsets() {
    within(Duration::from_secs(90), || {
        let c = cluster(40);
        let first = Consumer::new(kip848_conf(&c, "g-resume")).unwrap();
        first.subscribe([TOPIC]).unwrap();
        let got = poll_until(&[&first], Duration::from_secs(30), |g| g[0].len() >= 15);
        let committed = first.commit().unwrap();
        first.close().unwrap();
        let mut expected = [0i64; 4];
        for (p, o) in &got[0] {
            expected[*p as usize] = expected[*p as usize].max(o + 1);
        }
        for tp in &committed {
            // A partition nothing was read from has no position: nothing committed for it.
            let want = match expected[tp.partition as usize] {
                0 => Offset::Invalid,
                n => Offset::At(n),
            };
            assert_eq!(tp.offset, want, "{tp}");
        }

        // The second member's on_assign shows the committed offsets (fetched on the helper
        // thread) and consumption resumes exactly there: every message once over both members.
        let events = Events::default();
        let second = Consumer::new(kip848_conf(&c, "g-resume")).unwrap();
        second.subscribe_with([TOPIC], recording(&events)).unwrap();
        let rest = poll_until(&[&second], Duration::from_secs(30), |g| {
            g[0].len() >= 40 - got[0].len()
        });
        let (_, assigned) = events.lock().unwrap()[0].clone();
        for p in &assigned {
            let want = expected[p.partition as usize];
            let shown = match want {
                0 => Offset::NoCommit(OffsetReset::Earliest),
                n => Offset::At(n),
            };
            assert_eq!(p.offset, shown, "{p}");
        }
        let all: BTreeSet<_> = got[0].iter().chain(rest[0].iter()).collect();
        assert_eq!(all.len(), 40, "lost or repeated: {got:?} then {rest:?}");
        assert_eq!(got[0].len() + rest[0].len(), 40);
        second.close().unwrap();
    })
}

#[test]
fn on_assign_may_move_the_start_offset_with_the_consumer_protocol() {
    within(Duration::from_secs(60), || {
        let c = cluster(40);
        let consumer = Consumer::new(kip848_conf(&c, "g-move")).unwrap();
        let rebalance = Rebalance::new().on_assign(|_c, parts| {
            for p in parts.iter_mut() {
                p.offset = Offset::At(8); // each partition holds 10 messages: read 2 of each
            }
        });
        consumer.subscribe_with([TOPIC], rebalance).unwrap();
        let got = poll_until(&[&consumer], Duration::from_secs(30), |g| g[0].len() >= 8);
        assert!(got[0].iter().all(|(_, o)| *o >= 8), "{got:?}");
        consumer.close().unwrap();
    })
}

/// librdkafka 2.12.1 refuses, when the consumer is created, the classic-protocol settings the
/// broker now decides (rdkafka_conf.c, `rd_kafka_conf_finalize`); rkafka passes its reason on.
#[test]
fn classic_only_settings_are_refused_naming_the_setting() {
    let c = MockCluster::new(1).unwrap();
    for (key, value) in [
        ("session.timeout.ms", "10000"),
        ("heartbeat.interval.ms", "1000"),
        ("partition.assignment.strategy", "cooperative-sticky"),
        ("group.protocol.type", "consumer"),
    ] {
        let mut conf = kip848_conf(&c, "g-conflict");
        conf.push((key, value.to_string()));
        let err = Consumer::new(conf).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidArg, "{key}: {err:?}");
        let want = format!("`{key}` is not supported for `group.protocol=consumer`");
        assert!(err.str().contains(&want), "{key}: {}", err.str());
    }
    // The same settings are fine with the classic protocol, and the consumer protocol's own
    // assignor setting is accepted.
    let mut conf = group_conf(&c, "g-classic");
    conf.push(("session.timeout.ms", "10000".to_string()));
    conf.push((
        "partition.assignment.strategy",
        "cooperative-sticky".to_string(),
    ));
    Consumer::new(conf).unwrap();
    let mut conf = kip848_conf(&c, "g-assignor");
    conf.push(("group.remote.assignor", "uniform".to_string()));
    Consumer::new(conf).unwrap();
}
