//! Producer against a real broker (the prebuilt tansu), checked by a second real client
//! (confluent-kafka-python).

use crate::common;

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{create_topic_py, run_python_file, unique, Tansu};
use rkafka::{Producer, Record};

const N: usize = 10_000;
const TS_BASE: i64 = 1_700_000_000_000;

fn key(i: usize) -> Vec<u8> {
    format!("key-{i}").into_bytes()
}

fn value(i: usize) -> Vec<u8> {
    // Binary payload, including bytes that are not UTF-8.
    let mut v = format!("value-{i}-").into_bytes();
    v.extend_from_slice(&[0x00, 0xff, 0xfe, (i % 251) as u8]);
    v
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn ten_thousand_keyed_messages_reach_python_byte_for_byte() {
    let broker = Tansu::plain();
    let topic = unique("interop");
    let py_topic = unique("interop-py");
    create_topic_py(&broker.bootstrap(), &topic, 4, &[]);
    create_topic_py(&broker.bootstrap(), &py_topic, 4, &[]);

    // (index) -> (partition, offset) from delivery reports.
    let reports: Arc<Mutex<HashMap<usize, (i32, i64)>>> = Arc::default();
    let failures: Arc<Mutex<Vec<String>>> = Arc::default();
    let producer = Producer::new(broker.config().with("linger.ms", "5")).unwrap();
    let keys: Vec<Vec<u8>> = (0..N).map(key).collect();
    let values: Vec<Vec<u8>> = (0..N).map(value).collect();
    let idx: Vec<String> = (0..N).map(|i| i.to_string()).collect();
    for i in 0..N {
        let (r, f) = (reports.clone(), failures.clone());
        let rec = Record::new(&topic)
            .key(&keys[i])
            .value(&values[i])
            .timestamp(TS_BASE + i as i64)
            .header("idx", &idx[i])
            .header("bin", &[0u8, 1, 2, 255][..])
            .header_null("nothing")
            .on_delivery(move |rep| match rep.result() {
                Ok(po) => {
                    assert_eq!(rep.key(), Some(key(i).as_slice()));
                    assert_eq!(rep.timestamp().millis(), Some(TS_BASE + i as i64));
                    r.lock().unwrap().insert(i, po);
                }
                Err(e) => f.lock().unwrap().push(e.to_string()),
            });
        producer.produce_wait(rec, Duration::from_secs(30)).unwrap();
    }
    assert_eq!(producer.flush(Duration::from_secs(60)), 0);
    assert!(
        failures.lock().unwrap().is_empty(),
        "failures: {:?}",
        &failures.lock().unwrap()[..1]
    );
    let reports = reports.lock().unwrap().clone();
    assert_eq!(reports.len(), N, "every message acknowledged");
    let distinct: HashSet<(i32, i64)> = reports.values().copied().collect();
    assert_eq!(distinct.len(), N, "every (partition, offset) distinct");
    assert!(reports
        .values()
        .all(|&(p, o)| (0..4).contains(&p) && o >= 0));

    // confluent-kafka-python reads exactly those bytes, keys, headers and timestamps.
    let out = run_python_file(
        "consume_all.py",
        &[&broker.bootstrap(), &topic, &N.to_string(), "120"],
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), N);
    let mut seen = HashSet::new();
    for line in lines {
        let v: PyMsg = parse_py(line);
        let i: usize = String::from_utf8(unhex(&v.headers[0].1.clone().unwrap()))
            .unwrap()
            .parse()
            .unwrap();
        assert!(seen.insert(i), "message {i} consumed twice");
        assert_eq!(v.key.as_deref(), Some(hex(&key(i)).as_str()));
        assert_eq!(v.value.as_deref(), Some(hex(&value(i)).as_str()));
        assert_eq!(v.ts_type, "create");
        assert_eq!(v.ts, TS_BASE + i as i64);
        assert_eq!(
            v.headers,
            vec![
                ("idx".to_string(), Some(hex(i.to_string().as_bytes()))),
                ("bin".to_string(), Some("000102ff".to_string())),
                ("nothing".to_string(), None)
            ]
        );
        assert_eq!(
            (v.partition, v.offset),
            reports[&i],
            "python sees message {i} where the delivery report said"
        );
    }
    assert_eq!(seen.len(), N);

    // Python's own producer puts each key on the same partition rkafka chose.
    let mut child = Command::new("python3")
        .arg(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/py/produce_keys.py"))
        .args([&broker.bootstrap(), &py_topic])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        let mut stdin = child.stdin.take().unwrap();
        for k in &keys {
            writeln!(stdin, "{}", hex(k)).unwrap();
        }
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let py_parts: HashMap<String, i32> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let (k, p) = l.split_once(' ').unwrap();
            (k.to_string(), p.parse().unwrap())
        })
        .collect();
    assert_eq!(py_parts.len(), N);
    for (i, k) in keys.iter().enumerate() {
        assert_eq!(
            py_parts[&hex(k)],
            reports[&i].0,
            "key {i} partition differs from Python's"
        );
    }
}

#[test]
fn batch_produce_and_metadata() {
    let broker = Tansu::plain();
    let topic = unique("batch");
    create_topic_py(&broker.bootstrap(), &topic, 3, &[]);
    let delivered = Arc::new(Mutex::new(Vec::new()));
    let d = delivered.clone();
    let producer = Producer::builder(broker.config())
        .on_delivery(move |r| {
            d.lock()
                .unwrap()
                .push((r.partition(), r.offset(), r.error().cloned()))
        })
        .build()
        .unwrap();
    let values: Vec<String> = (0..1000).map(|i| format!("batch-{i}")).collect();
    let failed = producer.produce_batch(
        values
            .iter()
            .enumerate()
            .map(|(i, v)| Record::new(&topic).value(v).partition((i % 3) as i32)),
    );
    assert!(failed.is_empty(), "{failed:?}");
    assert_eq!(producer.flush(Duration::from_secs(30)), 0);
    let delivered = delivered.lock().unwrap();
    assert_eq!(delivered.len(), 1000);
    assert!(delivered.iter().all(|(_, o, e)| e.is_none() && *o >= 0));
    for p in 0..3 {
        assert_eq!(
            delivered.iter().filter(|(dp, _, _)| *dp == p).count(),
            if p == 0 { 334 } else { 333 }
        );
    }

    let md = producer
        .list_topics(Some(&topic), Duration::from_secs(10))
        .unwrap();
    let t = &md.topics[&topic];
    assert!(t.error.is_none());
    assert_eq!(t.partitions.len(), 3);
    assert_eq!(md.brokers.len(), 1);
    let b = md.brokers.values().next().unwrap();
    assert_eq!((b.host.as_str(), b.port), ("127.0.0.1", broker.port as i32));
    let all = producer.list_topics(None, Duration::from_secs(10)).unwrap();
    assert!(all.topics.contains_key(&topic));
}

#[test]
fn close_delivers_everything_and_then_refuses() {
    let broker = Tansu::plain();
    let topic = unique("close");
    create_topic_py(&broker.bootstrap(), &topic, 1, &[]);
    let producer = Producer::new(broker.config()).unwrap();
    for i in 0..500 {
        producer
            .produce(Record::new(&topic).value(&format!("m{i}")))
            .unwrap();
    }
    producer
        .close(Duration::from_secs(30))
        .expect("all delivered");
    assert!(producer.is_empty());
    let e = producer
        .try_produce(Record::new(&topic).value("late"))
        .unwrap_err();
    assert_eq!(e.error.code(), rkafka::ErrorCode::State);
    assert_eq!(e.record.topic_name(), topic);
}

#[derive(serde::Deserialize)]
struct PyMsg {
    partition: i32,
    offset: i64,
    key: Option<String>,
    value: Option<String>,
    headers: Vec<(String, Option<String>)>,
    ts_type: String,
    ts: i64,
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn parse_py(line: &str) -> PyMsg {
    serde_json::from_str(line).unwrap_or_else(|e| panic!("bad line from python ({e}): {line}"))
}

/// `Record::value_static` hands librdkafka the bytes without a copy: through `produce`, the
/// header path (`rd_kafka_produceva`) and `produce_batch` runs that mix static and copied values,
/// every message must arrive byte for byte and in order.
#[test]
fn static_values_are_sent_in_place_and_arrive_intact() {
    let broker = Tansu::plain();
    let topic = unique("static");
    create_topic_py(&broker.bootstrap(), &topic, 1, &[]);
    // One leaked buffer shared by the messages, as a user with a fixed payload would keep it.
    let shared: &'static [u8] = Vec::leak((0..4096u32).map(|i| (i * 7 % 251) as u8).collect());
    let expected: Vec<Vec<u8>> = (0..3000usize)
        .map(|i| match i % 3 {
            0 | 2 => shared[i % 97..i % 97 + 100 + i % 13].to_vec(),
            _ => format!("copied-{i}").into_bytes(),
        })
        .collect();
    // Each delivery report points at the message's payload: for a static value that must be
    // the caller's own bytes (not copied), for a copied value librdkafka's copy.
    let in_place = Arc::new(Mutex::new(Vec::new()));
    let producer = Producer::new(broker.config()).unwrap();
    let record = |i: usize| {
        let r = Record::new(&topic).partition(0);
        let src: &[u8] = match i % 3 {
            0 | 2 => &shared[i % 97..i % 97 + 100 + i % 13],
            _ => &expected[i],
        };
        let (at, d) = (src.as_ptr() as usize, in_place.clone());
        let r = r.on_delivery(move |rep| {
            assert!(rep.error().is_none(), "{rep:?}");
            let p = rep.value().unwrap().as_ptr() as usize;
            d.lock().unwrap().push((i, p == at));
        });
        match i % 3 {
            0 => r.value_static(&shared[i % 97..i % 97 + 100 + i % 13]),
            // the header path (rd_kafka_produceva) with a static value
            2 => r
                .value_static(&shared[i % 97..i % 97 + 100 + i % 13])
                .header("i", "x"),
            _ => r.value(&expected[i]),
        }
    };
    for i in 0..1500 {
        producer.produce(record(i)).unwrap();
    }
    let failed = producer.produce_batch((1500..3000).map(record));
    assert!(failed.is_empty(), "{failed:?}");
    assert_eq!(producer.flush(Duration::from_secs(30)), 0);
    let mut in_place = in_place.lock().unwrap().clone();
    in_place.sort();
    assert_eq!(in_place.len(), 3000);
    for (i, same) in in_place {
        assert_eq!(same, i % 3 != 1, "message {i}: sent in place = {same}");
    }

    let consumer = rkafka::Consumer::new(broker.group_config(&unique("static-g"))).unwrap();
    consumer
        .assign(&[rkafka::TopicPartition::with_offset(
            &topic,
            0,
            rkafka::Offset::Beginning,
        )])
        .unwrap();
    let mut got = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while got.len() < 3000 && std::time::Instant::now() < deadline {
        if let Some(m) = consumer.poll(Duration::from_millis(500)) {
            let m = m.unwrap();
            got.push(m.value().unwrap_or_default().to_vec());
        }
    }
    assert_eq!(got.len(), 3000);
    for (i, (g, e)) in got.iter().zip(&expected).enumerate() {
        assert_eq!(g, e, "message {i}");
    }
}

/// `Record::tag`: each message's tag comes back in its own delivery report, on every produce
/// path (plain, headers through produceva, produce_batch, a closure as well, the async
/// future), and the delivered message is the one that was tagged; an untagged message reports
/// no tag; a tag above `Record::MAX_TAG` is refused, naming the limit.
#[test]
fn tags_come_back_in_their_own_delivery_reports_on_every_path() {
    let broker = Tansu::plain();
    let topic = unique("tags");
    create_topic_py(&broker.bootstrap(), &topic, 3, &[]);
    type Seen = Arc<Mutex<Vec<(Option<usize>, Vec<u8>, bool)>>>;
    let global: Seen = Arc::default();
    let g = global.clone();
    let producer = Producer::builder(broker.config().with("linger.ms", "5"))
        .on_delivery(move |r| {
            g.lock().unwrap().push((
                r.tag(),
                r.value().unwrap_or_default().to_vec(),
                r.error().is_none(),
            ))
        })
        .build()
        .unwrap();
    let values: Vec<String> = (0..2_700).map(|i| format!("v{i}")).collect();
    // 0..1000 plain, 1000..1500 with a header (rd_kafka_produceva).
    for (i, v) in values.iter().enumerate().take(1_500) {
        let mut r = Record::new(&topic).key(v).value(v).tag(i);
        if i >= 1_000 {
            r = r.header("h", "x");
        }
        producer.produce(r).unwrap();
    }
    // 1500..2500 through produce_batch, with one refused tag among them.
    let failed = producer.produce_batch(
        (1_500..2_500)
            .map(|i| Record::new(&topic).value(&values[i]).tag(i))
            .chain([Record::new(&topic)
                .value("too big")
                .tag(Record::MAX_TAG + 1)]),
    );
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0].error.code(), rkafka::ErrorCode::InvalidArg);
    assert!(
        failed[0].error.to_string().contains("MAX_TAG"),
        "{}",
        failed[0].error
    );
    // 2500..2700 with a per-message closure too: the closure sees the tag, the global does not.
    type Own = Arc<Mutex<Vec<(usize, Option<usize>)>>>;
    let own: Own = Arc::default();
    for (i, v) in values.iter().enumerate().skip(2_500) {
        let o = own.clone();
        producer
            .produce(
                Record::new(&topic)
                    .value(v)
                    .tag(i)
                    .on_delivery(move |r| o.lock().unwrap().push((i, r.tag()))),
            )
            .unwrap();
    }
    // The largest tag, an untagged message, and a refused one handed back.
    producer
        .produce(Record::new(&topic).value("max").tag(Record::MAX_TAG))
        .unwrap();
    producer
        .produce(Record::new(&topic).value("untagged"))
        .unwrap();
    assert!(format!("{:?}", Record::new(&topic).tag(5)).contains("tag: Some(5)"));
    let e = producer
        .produce(Record::new(&topic).value("x").tag(usize::MAX))
        .unwrap_err();
    assert!(
        format!("{e:?}").contains("larger than Record::MAX_TAG"),
        "{e:?}"
    );
    assert_eq!(e.code(), rkafka::ErrorCode::InvalidArg);
    assert!(e.to_string().contains("MAX_TAG"), "{}", e);
    #[cfg(feature = "async")]
    let futures: Vec<_> = (0..50)
        .map(|i| {
            producer
                .produce_future(Record::new(&topic).value("async").tag(10_000 + i))
                .unwrap()
        })
        .collect();
    assert_eq!(producer.flush(Duration::from_secs(60)), 0);
    #[cfg(feature = "async")]
    for f in futures {
        futures::executor::block_on(f).unwrap();
    }

    let global = global.lock().unwrap().clone();
    assert!(global.iter().all(|(_, _, ok)| *ok), "a message failed");
    let mut by_tag: HashMap<usize, Vec<u8>> = HashMap::new();
    let mut untagged = Vec::new();
    for (tag, value, _) in global {
        match tag {
            Some(t) => assert!(by_tag.insert(t, value).is_none(), "tag {t} reported twice"),
            None => untagged.push(value),
        }
    }
    assert_eq!(untagged, vec![b"untagged".to_vec()]);
    for (i, v) in values.iter().enumerate().take(2_500) {
        assert_eq!(by_tag.remove(&i), Some(v.clone().into_bytes()), "tag {i}");
    }
    assert_eq!(by_tag.remove(&Record::MAX_TAG), Some(b"max".to_vec()));
    #[cfg(feature = "async")]
    for i in 0..50 {
        assert_eq!(
            by_tag.remove(&(10_000 + i)),
            Some(b"async".to_vec()),
            "async tag {i}"
        );
    }
    assert!(by_tag.is_empty(), "unexpected tags: {:?}", by_tag.keys());
    let mut own = own.lock().unwrap().clone();
    own.sort();
    assert_eq!(
        own,
        (2_500..2_700).map(|i| (i, Some(i))).collect::<Vec<_>>()
    );
}
