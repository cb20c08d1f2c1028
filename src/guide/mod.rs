//! The guide: confluent-kafka-python -> rkafka, page by page, and how rkafka behaves (threads,
//! bounds, delivery semantics, building). Documentation only: this module has no items.
//!
//! Every public call of confluent-kafka-python 2.12.1 is in one of the Python -> Rust pages,
//! side by side with what to write in rkafka. `p` is a `Producer`, `c` a `Consumer`, `a` an
//! `AdminClient`, `m` a message, `e` a `KafkaError`, `tp` a `TopicPartition`, `opts` an
//! `AdminOptions`. A `—` in the rkafka column means there is no equivalent, and the note says
//! why. `tests/python_guide.rs` asks the installed confluent-kafka-python for its public names
//! and fails if one of them has no row in these pages; the `serialization` and
//! `schema_registry` modules carry their own tables, checked the same way.
//!
//! Python -> Rust, one page per Python class: [`confluent_kafka`], [`configuration`],
//! [`producer`], [`consumer`], [`message`], [`kafka_error`], [`topic_partition`],
//! [`admin_client`], [`admin_types`], [`aio`]; serialization and the Schema Registry:
//! [`crate::serialization`], `rkafka::schema_registry` (feature `schema-registry`).
//!
//! How rkafka behaves: [`threads`] (which closure runs on which thread, panics), [`bounds`]
//! (every call that waits, and its bound), [`delivery_semantics`] (at-most, at-least and
//! exactly once, measured), [`async_oauth_stats`], [`building`] (`build.rs`, `wrapper.h`).

/// The pages, each one Markdown file next to this one (so they read well on GitHub too).
macro_rules! pages {
    ($($(#[$attr:meta])* $name:ident => $file:literal,)*) => {$(
        $(#[$attr])*
        #[doc = include_str!($file)]
        pub mod $name {}
    )*};
}

pages! {
    confluent_kafka => "confluent_kafka.md",
    configuration => "configuration.md",
    producer => "producer.md",
    consumer => "consumer.md",
    message => "message.md",
    kafka_error => "kafka_error.md",
    topic_partition => "topic_partition.md",
    admin_client => "admin_client.md",
    admin_types => "admin_types.md",
    aio => "aio.md",
    threads => "threads.md",
    bounds => "bounds.md",
    delivery_semantics => "delivery_semantics.md",
    async_oauth_stats => "async_oauth_stats.md",
    building => "building.md",
}
