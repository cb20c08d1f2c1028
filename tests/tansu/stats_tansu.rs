//! Typed statistics from real stats callbacks (prebuilt tansu), and throttle events.
#![cfg(feature = "stats")]

use crate::common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{create_topic_py, unique, Tansu};
use rkafka::{Consumer, Producer, Record, Statistics};

#[test]
fn producer_statistics_parse_with_real_values() {
    let broker = Tansu::plain();
    let topic = unique("stats-p");
    create_topic_py(&broker.bootstrap(), &topic, 2, &[]);
    let got: Arc<Mutex<Vec<(Statistics, String)>>> = Arc::default();
    let raw: Arc<Mutex<Vec<String>>> = Arc::default();
    let (g, r) = (got.clone(), raw.clone());
    let p = Producer::builder(broker.config().with("statistics.interval.ms", "200"))
        .statistics_cb(move |s, json| g.lock().unwrap().push((s.clone(), json.to_string())))
        .stats_cb(move |json| r.lock().unwrap().push(json.to_string()))
        .build()
        .unwrap();
    for i in 0..1000 {
        p.produce(Record::new(&topic).value(&format!("m{i}")))
            .unwrap();
    }
    assert_eq!(p.flush(Duration::from_secs(20)), 0);
    // Wait for a report taken after the deliveries.
    let deadline = Instant::now() + Duration::from_secs(10);
    let stats = loop {
        p.poll(Duration::from_millis(100));
        let last = got.lock().unwrap().last().cloned();
        if let Some((s, json)) = last {
            if s.txmsgs >= 1000 {
                // The typed form is exactly the JSON beside it.
                assert_eq!(Statistics::from_json(&json).unwrap(), s);
                break s;
            }
        }
        assert!(
            Instant::now() < deadline,
            "no statistics with the deliveries"
        );
    };
    // Both callbacks ran for each report.
    assert!(!raw.lock().unwrap().is_empty());
    assert_eq!(stats.kind, "producer");
    assert_eq!(stats.name, p.name());
    assert!(stats.tx > 0 && stats.tx_bytes > 0 && stats.rx > 0 && stats.age > 0);
    // "m0".."m999": 10 x 2 + 90 x 3 + 900 x 4 bytes.
    assert_eq!(stats.txmsg_bytes, 3890);
    let broker_stats = stats
        .brokers
        .values()
        .find(|b| b.nodeid >= 0)
        .expect("a real broker entry");
    assert_eq!(broker_stats.state, "UP");
    assert!(broker_stats.rtt.cnt > 0 || broker_stats.rtt.max > 0 || broker_stats.tx > 0);
    assert!(broker_stats.req.get("Produce").copied().unwrap_or(0) > 0);
    let t = &stats.topics[&topic];
    let sent: i64 = t
        .partitions
        .values()
        .filter(|p| p.partition >= 0)
        .map(|p| p.txmsgs)
        .sum();
    assert_eq!(sent, 1000);
    assert!(t.batchsize.cnt > 0 && t.batchsize.max > 0);
    assert!(stats.cgrp.is_none());
}

#[test]
fn consumer_statistics_show_group_and_lag() {
    let broker = Tansu::plain();
    let topic = unique("stats-c");
    create_topic_py(&broker.bootstrap(), &topic, 1, &[]);
    let p = Producer::new(broker.config()).unwrap();
    for i in 0..200 {
        p.produce(Record::new(&topic).value(&format!("m{i}")))
            .unwrap();
    }
    assert_eq!(p.flush(Duration::from_secs(20)), 0);
    let got: Arc<Mutex<Vec<Statistics>>> = Arc::default();
    let g = got.clone();
    let c = Consumer::builder(
        broker
            .group_config(&unique("g"))
            .with("statistics.interval.ms", "200"),
    )
    .statistics_cb(move |s, _| g.lock().unwrap().push(s.clone()))
    .build()
    .unwrap();
    c.subscribe(&[topic.as_str()]).unwrap();
    // Read half, then look for a report with the group up and a lag of about the other half.
    let mut n = 0;
    let deadline = Instant::now() + Duration::from_secs(60);
    while n < 100 && Instant::now() < deadline {
        if let Some(Ok(_)) = c.poll(Duration::from_millis(100)) {
            n += 1;
        }
    }
    assert_eq!(n, 100);
    // Stop here (pausing discards what was prefetched), so the lag stays at the other half.
    c.pause(&c.assignment().unwrap()).unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    let stats = loop {
        if let Some(m) = c.poll(Duration::from_millis(100)) {
            m.unwrap();
            n += 1;
        }
        let s = got.lock().unwrap().last().cloned();
        if let Some(s) = s.filter(|s| s.rxmsgs >= 100 && s.consumer_lag() > 0) {
            break s;
        }
        assert!(Instant::now() < deadline, "no statistics showing lag");
    };
    assert_eq!(stats.kind, "consumer");
    let cg = stats.cgrp.as_ref().expect("a consumer reports its group");
    assert_eq!(cg.state, "up");
    assert_eq!(cg.assignment_size, 1);
    assert!(cg.rebalance_cnt >= 1);
    let part = &stats.topics[&topic].partitions["0"];
    assert_eq!(part.hi_offset, 200);
    assert_eq!(part.consumer_lag, 200 - n as i64);
    assert_eq!(stats.consumer_lag(), part.consumer_lag);
}

#[test]
fn malformed_statistics_json_is_a_clear_error() {
    let e = Statistics::from_json("{\"name\": 5}").unwrap_err();
    assert!(e.to_string().contains("statistics JSON"), "{e}");
    // Unknown fields and missing ones are fine (newer or older librdkafka).
    let s = Statistics::from_json(r#"{"name":"x","future_field":1}"#).unwrap();
    assert_eq!(s.name, "x");
    assert_eq!(s.txmsgs, 0);
}

#[test]
fn throttle_cb_reports_broker_name_id_and_time() {
    // Neither tansu nor the mock cluster ever throttles; the test front (see
    // tests/common/oauth_front.rs) marks every Produce response as throttled for 250 ms.
    let front = common::oauth_front::Front::start_throttling(|t| t == "tok-throttle", 250);
    let topic = unique("throttled");
    let events: Arc<Mutex<Vec<rkafka::ThrottleEvent>>> = Arc::default();
    let e2 = events.clone();
    let p = Producer::builder(front.config())
        .oauth_cb(|_| {
            Ok(rkafka::OAuthToken {
                token: "tok-throttle".into(),
                lifetime_ms: (std::time::SystemTime::now() + Duration::from_secs(3600))
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_millis() as i64,
                principal: "p".into(),
                extensions: Vec::new(),
            })
        })
        .throttle_cb(move |ev| e2.lock().unwrap().push(ev.clone()))
        .build()
        .unwrap();
    p.produce(Record::new(&topic).value("x")).unwrap();
    assert_eq!(p.flush(Duration::from_secs(30)), 0);
    let deadline = Instant::now() + Duration::from_secs(10);
    while events.lock().unwrap().is_empty() && Instant::now() < deadline {
        p.poll(Duration::from_millis(100));
    }
    let events = events.lock().unwrap().clone();
    let ev = events.first().expect("no throttle event");
    assert_eq!(ev.throttle_time, Duration::from_millis(250));
    assert_eq!(ev.broker_id, 111, "tansu's node id");
    assert!(
        ev.broker_name.contains(&front.port.to_string()),
        "{}",
        ev.broker_name
    );
}
