//! `rkafka::partitioner::{murmur2, fnv1a, consistent}` against the two real implementations:
//! confluent-kafka-python 2.16.1's module functions of the same names (its own venv, see
//! `scripts/install-brokers.sh`) and the partition librdkafka's producer itself chooses with
//! `partitioner=murmur2` / `fnv1a` / `consistent` (and their `_random` variants), read from
//! delivery reports on the mock cluster. 100,000 keys: random bytes of random lengths, plus
//! the empty key and a few whose hashes hit edge cases.

use crate::common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{python_2_16, run_python_with, TempDir};
use rkafka::partitioner::{consistent, fnv1a, murmur2};
use rkafka::{MockCluster, Producer, Record};

const KEYS: usize = 100_000;
/// Partition counts: 1 (always 0), small primes and non-primes, a power of two, a large prime.
const COUNTS: [i32; 7] = [1, 2, 3, 7, 10, 64, 997];

type Function = fn(&[u8], i32) -> rkafka::Result<i32>;
/// The functions in the order the Python script prints them, with librdkafka's partitioner
/// names for each.
const FUNCTIONS: [(&str, Function, &[&str]); 3] = [
    (
        "murmur2",
        |k, n| murmur2(k, n),
        &["murmur2", "murmur2_random"],
    ),
    ("fnv1a", |k, n| fnv1a(k, n), &["fnv1a", "fnv1a_random"]),
    (
        "consistent",
        |k, n| consistent(k, n),
        &["consistent", "consistent_random"],
    ),
];

/// splitmix64: a small, well-mixed generator, seeded so a failure can be replayed
/// (`RKAFKA_TEST_SEED`).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

fn keys() -> Vec<Vec<u8>> {
    let seed = std::env::var("RKAFKA_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    eprintln!("partitioner keys: RKAFKA_TEST_SEED={seed}");
    let mut rng = Rng(seed);
    let mut keys: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"kafka".to_vec(),
        b"user_12345".to_vec(),
        // FNV-1a's signed accumulator ends at i32::MIN, which has no absolute value.
        vec![0xf5, 0x34, 0x17, 0x7a, 0x01],
        vec![0x00],
        vec![0xff; 4],
        vec![0xff; 7],
        "ключ-κλειδί-鍵".as_bytes().to_vec(),
        vec![0xab; 1000],
    ];
    while keys.len() < KEYS {
        // Mostly short keys (every tail length of Murmur2's 4-byte words), some long ones.
        let len = if rng.next().is_multiple_of(10) {
            (rng.next() % 300) as usize
        } else {
            (rng.next() % 24) as usize
        };
        keys.push((0..len).map(|_| rng.next() as u8).collect());
    }
    keys
}

fn hex(key: &[u8]) -> String {
    key.iter().map(|b| format!("{b:02x}")).collect()
}

/// What the Rust functions return: `[function][count index][key]`.
fn rust_partitions(keys: &[Vec<u8>]) -> Vec<Vec<Vec<i32>>> {
    FUNCTIONS
        .iter()
        .map(|(_, f, _)| {
            COUNTS
                .iter()
                .map(|&n| keys.iter().map(|k| f(k, n).unwrap()).collect())
                .collect()
        })
        .collect()
}

#[test]
fn the_functions_agree_with_confluent_kafka_python_2_16_1() {
    let keys = keys();
    let dir = TempDir::new("partitioner");
    let file = dir.0.join("keys.hex");
    let text: Vec<String> = keys.iter().map(|k| hex(k)).collect();
    std::fs::write(&file, text.join("\n") + "\n").unwrap();
    let counts: Vec<String> = COUNTS.iter().map(i32::to_string).collect();
    let script = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/py/partition_for_keys.py"),
    )
    .unwrap();
    let out = run_python_with(
        &python_2_16(),
        &script,
        &[file.to_str().unwrap(), &counts.join(",")],
    );
    let ours = rust_partitions(&keys);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), keys.len(), "one line per key from Python");
    for (i, line) in lines.iter().enumerate() {
        let theirs: Vec<i32> = line.split(' ').map(|p| p.parse().unwrap()).collect();
        assert_eq!(theirs.len(), FUNCTIONS.len() * COUNTS.len());
        for (f, (name, _, _)) in FUNCTIONS.iter().enumerate() {
            for (c, n) in COUNTS.iter().enumerate() {
                assert_eq!(
                    ours[f][c][i],
                    theirs[f * COUNTS.len() + c],
                    "{name}(key {}, {n}): rkafka vs confluent_kafka 2.16.1",
                    hex(&keys[i])
                );
            }
        }
    }
}

/// The partition of every delivery report, by record index, for `keys` produced to `topic`
/// by a producer configured with `partitioner`.
fn librdkafka_partitions(
    cluster: &MockCluster,
    partitioner: &str,
    topic: &str,
    keys: &[Vec<u8>],
) -> Vec<i32> {
    let seen: Arc<Mutex<Vec<Option<i32>>>> = Arc::new(Mutex::new(vec![None; keys.len()]));
    let s2 = seen.clone();
    let producer = Producer::builder([
        ("bootstrap.servers", cluster.bootstrap_servers()),
        ("partitioner", partitioner),
        ("linger.ms", "20"),
        ("queue.buffering.max.messages", "1000000"),
    ])
    .on_delivery(move |r| {
        let slot = &mut s2.lock().unwrap()[r.tag().expect("tagged")];
        assert!(slot.is_none(), "two delivery reports for one record");
        *slot = Some(r.result().expect("delivered").0);
    })
    .build()
    .unwrap();
    for (i, k) in keys.iter().enumerate() {
        producer
            .produce(Record::new(topic).key(k).value("").tag(i))
            .unwrap();
    }
    assert_eq!(producer.flush(Duration::from_secs(120)), 0, "undelivered");
    let seen = seen.lock().unwrap();
    seen.iter()
        .map(|p| p.expect("a record without a delivery report"))
        .collect()
}

#[test]
fn the_functions_agree_with_the_partition_librdkafka_chooses_when_producing() {
    let keys = keys();
    let ours = rust_partitions(&keys);
    let cluster = MockCluster::new(1).unwrap();
    for n in COUNTS {
        cluster.create_topic(&format!("p{n}"), n, 1).unwrap();
    }
    for (f, (name, _, partitioners)) in FUNCTIONS.iter().enumerate() {
        for partitioner in *partitioners {
            // consistent_random sends empty keys, like missing ones, to the sticky partition.
            let hashed: Vec<usize> = (0..keys.len())
                .filter(|&i| *partitioner != "consistent_random" || !keys[i].is_empty())
                .collect();
            let subset: Vec<Vec<u8>> = hashed.iter().map(|&i| keys[i].clone()).collect();
            // Every count for the plain partitioners, two for the `_random` ones (the same
            // hash), to keep the run short.
            let counts: &[i32] = if partitioner.ends_with("_random") {
                &[7, 997]
            } else {
                &COUNTS
            };
            for &n in counts {
                let c = COUNTS.iter().position(|&x| x == n).unwrap();
                let chosen =
                    librdkafka_partitions(&cluster, partitioner, &format!("p{n}"), &subset);
                for (j, &i) in hashed.iter().enumerate() {
                    assert_eq!(
                        ours[f][c][i],
                        chosen[j],
                        "{name}(key {}, {n}) vs librdkafka partitioner={partitioner}",
                        hex(&keys[i])
                    );
                }
            }
        }
    }
}
