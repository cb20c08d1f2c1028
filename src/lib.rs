//! # rkafka
//!
//! A safe Rust client for Apache Kafka over librdkafka 2.12.1, whose API mirrors
//! [confluent-kafka-python](https://github.com/confluentinc/confluent-kafka-python) and which
//! takes existing librdkafka configuration unchanged: paste the keys and values of a Python
//! config dict into a [`Config`] and get the same behaviour.
//!
//! ```
//! use rkafka::{Config, MockCluster, Producer, Record};
//! use std::time::Duration;
//! # fn main() -> rkafka::Result<()> {
//! let cluster = MockCluster::new(1)?; // or a real broker's address
//! let producer = Producer::builder(Config::from([("bootstrap.servers", cluster.bootstrap_servers())]))
//!     .on_delivery(|r| if let Some(e) = r.error() { eprintln!("failed: {e}") })
//!     .build()?;
//! producer.produce(Record::new("greetings").key("k1").value("hello").header("source", "doc"))?;
//! assert_eq!(producer.flush(Duration::from_secs(10)), 0);
//! # Ok(()) }
//! ```
//!
//! The main calls side by side (the full tables, with every public call of
//! confluent-kafka-python 2.12.1 including the admin types and the asyncio API, are in the
//! [`guide`], one page per Python class; `tests/python_guide.rs` checks them against the
//! installed Python package; the guide also says which closure runs on which thread, the bound
//! of every call that waits, and the delivery semantics, measured):
//!
//! | confluent-kafka-python | rkafka |
//! |---|---|
//! | `Producer(conf)`, `Consumer(conf)`, `AdminClient(conf)` | [`Producer::new`], [`Consumer::new`], [`AdminClient::new`]; `::builder` for the callables |
//! | a config dict | [`Config`] ([`config!`]`{ "session.timeout.ms" => 6000, .. }`, `Config::from([...])`, [`Config::from_properties_file`], [`Config::from_env`]) |
//! | `print(tp)`, `print(tp.offset)`, `print(msg.timestamp())` | `Display` of [`TopicPartition`], [`Offset`], [`Timestamp`] (the same text) |
//! | `conf['error_cb']`, `throttle_cb`, `stats_cb`, `logger` | `.error_cb(..)`, `.throttle_cb(..)`, `.stats_cb(..)`, `.logger(..)` on [`ProducerBuilder`], [`ConsumerBuilder`], [`AdminClientBuilder`] |
//! | `conf['oauth_cb']` | `.oauth_cb(\|oauthbearer_config\| Ok(OAuthToken { .. }))` on the three builders ([`OAuthToken`]) |
//! | `conf['stats_cb']` parsed | `.statistics_cb(\|stats: &Statistics, json\| ..)` (feature `stats`, `rkafka::Statistics`) |
//! | `conf['on_delivery']`, `conf['on_commit']` | [`ProducerBuilder::on_delivery`], [`ConsumerBuilder::on_commit`] |
//! | `p.produce(topic, value, key, partition, on_delivery, timestamp, headers)` | [`Producer::produce`] with a [`Record`] |
//! | `BufferError` | `Err(`[`ProduceError`]`)`, [`ProduceError::is_queue_full`]; [`Producer::produce_wait`] |
//! | `p.poll(t)`, `p.flush(t)`, `len(p)`, `p.purge(..)` | [`Producer::poll`], [`Producer::flush`], [`Producer::len`], [`Producer::purge`] |
//! | `p.init_transactions(t)`, ..., `p.commit_transaction(t)` | [`Producer::init_transactions`], ..., [`Producer::commit_transaction`] |
//! | `p.list_topics(topic, timeout)` | [`Producer::list_topics`] → [`ClusterMetadata`] |
//! | `p.set_sasl_credentials(u, p)` | [`Producer::set_sasl_credentials`] (also on [`Consumer`], [`AdminClient`]) |
//! | `c.subscribe(topics)`, `c.subscribe(topics, on_assign, on_revoke, on_lost)` | [`Consumer::subscribe`], [`Consumer::subscribe_with`] and a [`Rebalance`] |
//! | `c.poll(t)`, `c.consume(n, t)` | [`Consumer::poll`] → [`BorrowedMessage`], [`Consumer::consume`] → [`MessageBatch`] |
//! | `c.commit(message=m)`, `c.commit(offsets=..)`, `c.commit()` | [`Consumer::commit_message`], [`Consumer::commit_offsets`], [`Consumer::commit`] |
//! | `c.close()` | [`Consumer::close`] (bounded; also on drop) |
//! | `Message` | [`Message`], [`MessageView`], [`BorrowedMessage`], [`OwnedMessage`], [`DeliveryReport`] |
//! | `TopicPartition`, `OFFSET_*`, `TIMESTAMP_*` | [`TopicPartition`], [`Offset`], [`Timestamp`] |
//! | `KafkaError`, `KafkaException`, `KafkaError._PARTITION_EOF` | [`KafkaError`] (`Err`), [`ErrorCode::PartitionEof`] |
//! | `a.create_topics(..)` and every other admin call | the same names on [`AdminClient`], options in [`AdminOptions`] |
//! | `AIOProducer.produce(..)`, `AIOConsumer.poll(..)` | `Producer::send(record).await`, `Producer::produce_future(record)`, `Consumer::stream()` (feature `async`, module `aio`) |
//! | `confluent_kafka.version()`, `libversion()` | [`version`], [`libversion`] |
//! | `confluent_kafka.murmur2(key, n)`, `fnv1a`, `consistent` (2.13+) | [`partitioner::murmur2`], [`partitioner::fnv1a`], [`partitioner::consistent`] |
//! | `'test.mock.num.brokers'` | [`MockCluster`] |
//! | `SerializingProducer`, `DeserializingConsumer`, `StringSerializer`, ... | [`serialization`] (its own Python → Rust tables) |
//! | `confluent_kafka.schema_registry` (`SchemaRegistryClient`, `AvroSerializer`, `JSONSerializer`, `ProtobufSerializer`, ...) | `schema_registry` (features `schema-registry`, `avro`, `json-schema`, `protobuf`; its own tables) |
//!
//! Logging: librdkafka's log lines go to the `log` crate (target `rkafka::<client name>`, the
//! message prefixed with its facility) unless a `.logger(..)` closure takes them. With feature
//! `tracing` they become `tracing` events instead (target `rkafka::librdkafka`, fields `client`,
//! `facility`, `syslog_level`; syslog levels 0-3 are ERROR, 4 WARN, 5-6 INFO, 7 DEBUG), and so do
//! client-wide errors no `error_cb` takes (target `rkafka::error`, fields `client`, `code`,
//! `fatal`, `retriable`); `.trace_statistics()` adds one INFO event per statistics interval
//! (target `rkafka::statistics`). Until a `tracing` dispatcher is installed they still go to
//! `log`, so a program that only uses `log` loses nothing when the feature is on; rkafka's own
//! few messages (e.g. a failed automatic assign) stay on `log`, which `tracing-log` bridges. Every
//! message is scrubbed of secret configuration values first. Feature `metrics` records the
//! statistics to the `metrics` facade (module `rkafka::metrics` names every series).
//!
//! Threads: [`Producer`] is `Send + Sync`. Delivery, error, throttle and stats callbacks run on
//! the thread that calls `poll`/`flush`/`close`; a panic in one is caught before it reaches C
//! and resumed from that call. The logger runs on librdkafka's threads (so it must be
//! `Send + Sync`); its panics are caught and logged.

#![warn(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]
// docs.rs (`--cfg docsrs`, see Cargo.toml): each feature-gated item shows its feature.
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod admin;
#[cfg(feature = "async")]
#[cfg_attr(docsrs, doc(cfg(feature = "async")))]
pub mod aio;
mod client;
pub mod config;
pub mod consumer;
pub mod error;
pub mod guide;
/// README.md's code blocks, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
mod ffi;
mod handle;
pub mod message;
pub mod metadata;
#[cfg(feature = "metrics")]
#[cfg_attr(docsrs, doc(cfg(feature = "metrics")))]
pub mod metrics;
pub mod mock;
pub mod oauth;
mod panic;
pub mod partitioner;
pub mod producer;
#[cfg(feature = "schema-registry")]
#[cfg_attr(docsrs, doc(cfg(feature = "schema-registry")))]
pub mod schema_registry;
pub mod serialization;
#[cfg(feature = "stats")]
#[cfg_attr(docsrs, doc(cfg(feature = "stats")))]
pub mod stats;
pub mod topic_partition;
mod util;
#[cfg(feature = "async")]
mod wake;

mod consts {
    //! Constants generated by build.rs from wrapper.h (and checked there by the C compiler).
    include!(concat!(env!("OUT_DIR"), "/c_consts.rs"));
}

/// The raw librdkafka bindings from rdkafka-sys, for what rkafka does not wrap.
pub use rdkafka_sys as sys;

pub use admin::{AdminClient, AdminClientBuilder, AdminOptions};
#[cfg(feature = "async")]
#[cfg_attr(docsrs, doc(cfg(feature = "async")))]
pub use aio::{Delivered, DeliveryFuture, FlushFuture, MessageStream, SendFuture};
pub use client::{LogRecord, ThrottleEvent, WakeupHandle};
pub use config::Config;
pub use consumer::{
    BatchIntoIter, BorrowedMessage, Consumer, ConsumerBuilder, ConsumerGroupMetadata, Iter,
    MessageBatch, MessagePosition, OwnedMessage, Rebalance, RebalanceFn,
};
pub use error::{ConfigIssue, ErrorCode, KafkaError, Result};
pub use message::{Headers, Message, MessageView, OwnedHeaders, Timestamp};
pub use metadata::{BrokerMetadata, ClusterMetadata, PartitionMetadata, TopicMetadata};
pub use mock::{MockCluster, MockRequest};
pub use oauth::OAuthToken;
pub use producer::{
    Delivery, DeliveryCallback, DeliveryReport, OwnedRecord, ProduceError, Producer,
    ProducerBuilder, Record, Undelivered,
};
#[cfg(feature = "stats")]
#[cfg_attr(docsrs, doc(cfg(feature = "stats")))]
pub use stats::Statistics;
pub use topic_partition::{Offset, OffsetReset, TopicPartition};
pub use util::Timeout;

/// Python: `confluent_kafka.version()`: rkafka's version as a string and as an int
/// (`0xMMmmpp00`).
pub fn version() -> (&'static str, i32) {
    let v = env!("CARGO_PKG_VERSION");
    let mut parts = v.split(['.', '-']).map(|p| p.parse::<i32>().unwrap_or(0));
    let (ma, mi, pa) = (
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    );
    (v, (ma << 24) | (mi << 16) | (pa << 8))
}

/// Python: `confluent_kafka.libversion()`: librdkafka's version string and int
/// (e.g. `("2.12.1", 0x020c01ff)`).
pub fn libversion() -> (String, i32) {
    // SAFETY: both functions have no preconditions; the string is static.
    unsafe {
        (
            util::cstr_lossy(sys::bindings::rd_kafka_version_str()).into_owned(),
            sys::bindings::rd_kafka_version(),
        )
    }
}

/// librdkafka's `builtin.features` (e.g. `gzip`, `snappy`, `ssl`, `sasl_scram`, ...).
/// Python: `Producer({}).list_topics` has no direct equivalent; read the property instead.
pub fn builtin_features() -> Vec<String> {
    let conf = Config::new()
        .to_native(&[])
        .expect("an empty configuration is always valid");
    conf.get("builtin.features")
        .map(|s| {
            s.split(',')
                .map(str::to_string)
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn auto_traits() {
        assert_send_sync::<Producer>();
        assert_send_sync::<MockCluster>();
        assert_send_sync::<KafkaError>();
        assert_send_sync::<Config>();
        assert_send_sync::<Message>();
        assert_send_sync::<ConsumerGroupMetadata>();
        fn assert_send<T: Send>() {}
        assert_send::<Consumer>();
        assert_send::<OwnedMessage>();
        assert_send::<MessageBatch>();
        assert_send::<BatchIntoIter>();
    }

    #[test]
    fn versions_and_features() {
        let (s, n) = libversion();
        assert_eq!(s, "2.12.1");
        assert_eq!(n as i64, consts::RD_KAFKA_VERSION);
        let f = builtin_features();
        for want in [
            "gzip",
            "snappy",
            "lz4",
            "zstd",
            "ssl",
            "sasl",
            "sasl_plain",
            "sasl_scram",
            "sasl_oauthbearer",
        ] {
            assert!(f.iter().any(|x| x == want), "missing {want} in {f:?}");
        }
        assert_eq!(
            f.iter().any(|x| x == "sasl_gssapi"),
            cfg!(feature = "gssapi"),
            "{f:?}"
        );
        assert_eq!(version().0, env!("CARGO_PKG_VERSION"));
    }
}
