//! Which partition a key goes to: librdkafka's hash partitioners as plain functions.
//!
//! Python (confluent-kafka-python 2.13+): `confluent_kafka.murmur2(key, partition_count)`,
//! `fnv1a(key, partition_count)`, `consistent(key, partition_count)`. Each returns the partition
//! librdkafka's producer picks for a record with that key on a topic of `partition_count`
//! partitions when its `partitioner` setting names the function:
//!
//! | `partitioner` | function | compatible with |
//! |---|---|---|
//! | `murmur2`, `murmur2_random` | [`murmur2`] | the Java producer's default partitioner |
//! | `fnv1a`, `fnv1a_random` | [`fnv1a`] | Sarama's (Go) `NewHashPartitioner` |
//! | `consistent`, `consistent_random` (librdkafka's and Python's default) | [`consistent`] (CRC32) | earlier librdkafka |
//!
//! ```
//! use rkafka::partitioner::murmur2;
//! # fn main() -> rkafka::Result<()> {
//! // A Java producer sends key "user_12345" on a 10-partition topic to the same partition.
//! let p = murmur2("user_12345", 10)?;
//! assert!((0..10).contains(&p));
//! assert!(murmur2("k", 0).is_err()); // Python: ValueError
//! # Ok(()) }
//! ```
//!
//! What the functions cannot tell you, because librdkafka does not hash in these cases:
//! - a record **without a key** (`Record::key` never called; Python's `key=None`) goes to the
//!   *sticky* partition, one chosen at random and kept for `sticky.partitioning.linger.ms`,
//!   whichever partitioner is configured (except `random`). So the `_random` variants
//!   behave like the plain ones for every record that has a key;
//! - an **empty key** is hashed like any other by `murmur2`, `fnv1a` and `consistent`
//!   (`consistent(b"", n)` is 0, as CRC32 of nothing is 0), but `consistent_random` treats it
//!   like a missing key (sticky partition);
//! - a record with an explicit `Record::partition` is not partitioned at all.
//!
//! These are pure Rust: no client, no C call, safe to use from any thread.

use crate::error::{KafkaError, Result};

/// Python: `confluent_kafka.murmur2(key, partition_count)`.
///
/// Java-compatible Murmur2 (`Utils.toPositive(Utils.murmur2(key)) % partition_count`), what
/// `partitioner=murmur2` and `murmur2_random` choose for a record with this key.
///
/// Fails with `_INVALID_ARG` (Python: `ValueError`) if `partition_count <= 0`.
pub fn murmur2(key: impl AsRef<[u8]>, partition_count: i32) -> Result<i32> {
    let n = check_count(partition_count)?;
    Ok(modulo(murmur2_hash(key.as_ref()) & 0x7fff_ffff, n))
}

/// Python: `confluent_kafka.fnv1a(key, partition_count)`.
///
/// FNV-1a, with the absolute value Sarama's hash partitioner takes, what `partitioner=fnv1a`
/// and `fnv1a_random` choose for a record with this key.
///
/// Fails with `_INVALID_ARG` (Python: `ValueError`) if `partition_count <= 0`.
pub fn fnv1a(key: impl AsRef<[u8]>, partition_count: i32) -> Result<i32> {
    let n = check_count(partition_count)?;
    Ok(modulo(fnv1a_hash(key.as_ref()), n))
}

/// Python: `confluent_kafka.consistent(key, partition_count)`.
///
/// CRC32 (the IEEE/zlib polynomial) of the key modulo the count, what `partitioner=consistent`
/// chooses for a record with this key and the default `consistent_random` for a non-empty key.
///
/// Fails with `_INVALID_ARG` (Python: `ValueError`) if `partition_count <= 0`.
pub fn consistent(key: impl AsRef<[u8]>, partition_count: i32) -> Result<i32> {
    let n = check_count(partition_count)?;
    Ok(modulo(crc32(key.as_ref()), n))
}

/// The count as the unsigned divisor librdkafka's C arithmetic uses (`uint32_t % int32_t`
/// converts the count to unsigned), or Python's error text for a count that is not positive.
fn check_count(partition_count: i32) -> Result<u32> {
    u32::try_from(partition_count)
        .ok()
        .filter(|&n| n > 0)
        .ok_or_else(|| {
            KafkaError::invalid_arg(format!(
                "partition_count must be > 0, got {partition_count}"
            ))
        })
}

/// `hash % n` as a partition: below `n <= i32::MAX`, so the cast cannot wrap.
fn modulo(hash: u32, n: u32) -> i32 {
    (hash % n) as i32
}

/// Murmur2 as Kafka's Java client (`Utils.murmur2`) and librdkafka's `rd_murmur2` compute it:
/// seed 0x9747b28c, little-endian 4-byte words.
fn murmur2_hash(key: &[u8]) -> u32 {
    const M: u32 = 0x5bd1_e995;
    const R: u32 = 24;
    // Kafka keys are far below 4 GiB; the length is mixed in modulo 2^32 as in C and Java.
    let mut h: u32 = 0x9747_b28c ^ (key.len() as u32);
    let mut words = key.chunks_exact(4);
    for w in &mut words {
        let mut k = u32::from_le_bytes([w[0], w[1], w[2], w[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M) ^ k;
    }
    let tail = words.remainder();
    if !tail.is_empty() {
        for (i, &b) in tail.iter().enumerate() {
            h ^= u32::from(b) << (8 * i);
        }
        h = h.wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^ (h >> 15)
}

/// FNV-1a 32-bit on a *signed* accumulator, then its absolute value, as librdkafka's
/// `rd_fnv1a` does to match Sarama. `i32::MIN` has no absolute value: C leaves it unchanged
/// (two's complement), and so does `wrapping_abs`, giving 0x8000_0000.
fn fnv1a_hash(key: &[u8]) -> u32 {
    const PRIME: i32 = 0x0100_0193;
    let mut h = 0x811c_9dc5_u32 as i32;
    for &b in key {
        h ^= i32::from(b);
        h = h.wrapping_mul(PRIME);
    }
    h.wrapping_abs() as u32
}

/// CRC-32 (reflected polynomial 0xedb88320, as zlib's `crc32`, which librdkafka's
/// `rd_crc32` calls), one table lookup per byte.
fn crc32(key: &[u8]) -> u32 {
    const TABLE: [u32; 256] = {
        let mut table = [0u32; 256];
        let mut i = 0;
        while i < 256 {
            let mut c = i as u32;
            let mut bit = 0;
            while bit < 8 {
                c = if c & 1 != 0 {
                    0xedb8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
                bit += 1;
            }
            table[i] = c;
            i += 1;
        }
        table
    };
    !key.iter().fold(!0u32, |c, &b| {
        TABLE[((c ^ u32::from(b)) & 0xff) as usize] ^ (c >> 8)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_match_published_vectors() {
        // CRC-32 check value of the IEEE polynomial.
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
        assert_eq!(crc32(b""), 0);
        // FNV-1a 32-bit reference values (before the absolute value), from the FNV authors'
        // test suite: "" -> 0x811c9dc5, "a" -> 0xe40c292c, "foobar" -> 0xbf9cf968.
        assert_eq!(
            fnv1a_hash(b""),
            (0x811c_9dc5_u32 as i32).wrapping_abs() as u32
        );
        assert_eq!(
            fnv1a_hash(b"a"),
            (0xe40c_292c_u32 as i32).wrapping_abs() as u32
        );
        assert_eq!(
            fnv1a_hash(b"foobar"),
            (0xbf9c_f968_u32 as i32).wrapping_abs() as u32
        );
        // Kafka's Java client (Utils.murmur2, seed 0x9747b28c), from its UtilsTest.
        assert_eq!(murmur2_hash(b"21") as i32, -973_932_308);
        assert_eq!(murmur2_hash(b"foobar") as i32, -790_332_482);
        assert_eq!(
            murmur2_hash(b"a-little-bit-long-string") as i32,
            -985_981_536
        );
        assert_eq!(
            murmur2_hash(b"a-little-bit-longer-string") as i32,
            -1_486_304_829
        );
        assert_eq!(
            murmur2_hash(b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8") as i32,
            -58_897_971
        );
        assert_eq!(murmur2_hash(b"abc") as i32, 479_470_107);
        // librdkafka's own unit tests (rdmurmur2.c, rdfnv1a.c): "kafka" and the empty key.
        assert_eq!(murmur2_hash(b"kafka"), 0xd067_cf64);
        assert_eq!(murmur2_hash(b""), 0x106e_08d9);
        assert_eq!(fnv1a_hash(b"kafka"), 0x0d33_c4e1);
        assert_eq!(fnv1a_hash(b""), 0x7ee3_623b);
    }

    #[test]
    fn a_count_that_is_not_positive_is_refused_by_name() {
        type Function = fn(&[u8], i32) -> Result<i32>;
        let functions: [Function; 3] = [
            |k, n| murmur2(k, n),
            |k, n| fnv1a(k, n),
            |k, n| consistent(k, n),
        ];
        for f in functions {
            for n in [0, -1, i32::MIN] {
                let e = f(b"k", n).unwrap_err();
                assert_eq!(e.code(), crate::ErrorCode::InvalidArg);
                assert_eq!(e.str(), format!("partition_count must be > 0, got {n}"));
            }
            assert_eq!(f(b"k", 1).unwrap(), 0);
            assert!((0..i32::MAX).contains(&f(b"k", i32::MAX).unwrap()));
        }
    }
}
