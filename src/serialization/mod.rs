//! Serializers, deserializers and the clients that use them: `confluent_kafka.serialization`,
//! `SerializingProducer`, `DeserializingConsumer` and the errors of `confluent_kafka.error`.
//!
//! A [`Serializer`] turns a value into bytes and a [`Deserializer`] turns bytes back, each given a
//! [`SerializationContext`] (topic, key or value, headers) as Python's callables are. The
//! [`StringSerializer`], [`IntegerSerializer`] and [`DoubleSerializer`] (and their
//! deserializers) write the same bytes as Python's; the Schema Registry serdes (Avro, JSON
//! Schema, Protobuf) are in `rkafka::schema_registry` behind their features.
//!
//! [`SerializingProducer`] owns a [`Producer`](crate::Producer) and [`DeserializingConsumer`] a
//! [`Consumer`](crate::Consumer); both dereference to the client they wrap, so every other call
//! (`flush`, `poll`, `subscribe`, `commit`, ...) is the plain client's, as Python's classes
//! inherit them.
//!
//! ```
//! use rkafka::serialization::{
//!     DeserializingConsumer, IntegerDeserializer, IntegerSerializer, SerializingProducer,
//!     StringDeserializer, StringSerializer, TypedRecord,
//! };
//! use rkafka::{Consumer, MockCluster, Producer, Rebalance};
//! use std::time::Duration;
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let cluster = MockCluster::new(1)?;
//! cluster.set_group_initial_rebalance_delay(Duration::ZERO);
//! let producer = SerializingProducer::new(
//!     Producer::new([("bootstrap.servers", cluster.bootstrap_servers())])?,
//!     StringSerializer::default(),
//!     IntegerSerializer,
//! );
//! producer.produce(TypedRecord::new("counts").key("apples").value(&12))?;
//! assert_eq!(producer.flush(Duration::from_secs(10)), 0);
//!
//! let consumer = DeserializingConsumer::new(
//!     Consumer::new([
//!         ("bootstrap.servers", cluster.bootstrap_servers()),
//!         ("group.id", "doc"),
//!         ("auto.offset.reset", "earliest"),
//!     ])?,
//!     StringDeserializer::default(),
//!     IntegerDeserializer,
//! );
//! consumer.subscribe(&["counts"])?;
//! let m = loop {
//!     if let Some(m) = consumer.poll(Duration::from_millis(500)) {
//!         break m?;
//!     }
//! };
//! assert_eq!((m.key(), m.value()), (Some(&"apples".to_string()), Some(&12)));
//! # Ok(()) }
//! ```
//!
//! ## Python → Rust: `confluent_kafka.serialization`
//!
//! | Python | rkafka | note |
//! |---|---|---|
//! | `Serializer`, `Deserializer` | [`Serializer<T>`], [`Deserializer<T>`] | traits; a closure `Fn(&T, &SerializationContext) -> Result<Vec<u8>, SerializationError>` is a serializer too |
//! | `SerializationContext(topic, field, headers)` | [`SerializationContext`] | `topic`, `field` and `headers` fields |
//! | `MessageField.KEY`, `.VALUE`, `.NONE` | [`MessageField::Key`], [`MessageField::Value`], [`MessageField::None`] | `Display` writes `key` / `value` / `none` as Python's `str()` |
//! | `SerializationError` | [`SerializationError`] | the cause is kept as [`std::error::Error::source`] |
//! | `StringSerializer(codec)`, `StringDeserializer(codec)` | [`StringSerializer::new`], [`StringDeserializer::new`] | codecs `utf_8` (default), `ascii`, `latin_1`, `utf_16`, `utf_16_le`, `utf_16_be`, `utf_32`, `utf_32_le`, `utf_32_be` and their Python aliases; another codec name is refused when the serializer is made |
//! | `IntegerSerializer`, `IntegerDeserializer` | [`IntegerSerializer`], [`IntegerDeserializer`] | `i32`, 4 bytes big-endian |
//! | `DoubleSerializer`, `DoubleDeserializer` | [`DoubleSerializer`], [`DoubleDeserializer`] | `f64`, 8 bytes IEEE 754 big-endian |
//! | no `key.serializer` / `value.deserializer` (bytes pass through) | [`BytesSerializer`], [`BytesDeserializer`] | Rust has no untyped value, so "no serializer" is the identity one |
//!
//! ## Python → Rust: `SerializingProducer`, `DeserializingConsumer`, `confluent_kafka.error`
//!
//! | Python | rkafka | note |
//! |---|---|---|
//! | `SerializingProducer(conf)` with `key.serializer`, `value.serializer` | [`SerializingProducer::new`]`(producer, key_serializer, value_serializer)` | wraps a [`Producer`](crate::Producer) built from the same `conf`; [`SerializingProducer::producer`], `Deref` |
//! | `sp.produce(topic, key, value, partition, on_delivery, timestamp, headers)` | [`SerializingProducer::produce`] with a [`TypedRecord`] | key serialized first, then value, as Python |
//! | `DeserializingConsumer(conf)` with `key.deserializer`, `value.deserializer` | [`DeserializingConsumer::new`]`(consumer, key_deserializer, value_deserializer)` | wraps a [`Consumer`](crate::Consumer); [`DeserializingConsumer::consumer`], `Deref` |
//! | `dc.poll(timeout)` → `Message` with deserialized key and value | [`DeserializingConsumer::poll`] → [`TypedMessage`] | value deserialized first, then key, as Python; the raw message stays reachable |
//! | `dc.consume(..)` | — | Python raises `NotImplementedError` too; the wrapped consumer's `consume` returns raw messages |
//! | `ProduceError`, `KeySerializationError`, `ValueSerializationError` | [`SerializingProduceError`] (`KeySerialization`, `ValueSerialization`, `Produce`) | [`SerializingProduceError::code`] is `_KEY_SERIALIZATION` / `_VALUE_SERIALIZATION` as Python's `.code` |
//! | `ConsumeError`, `KeyDeserializationError`, `ValueDeserializationError` | [`ConsumeError`] (`Consume`, `KeyDeserialization`, `ValueDeserialization`) | the undecodable message is kept ([`ConsumeError::kafka_message`], Python's `kafka_message`) |
//! | `BufferError` from `produce` | [`SerializingProduceError::is_queue_full`] | poll and produce again |

mod consumer;
mod primitives;
mod producer;

use std::fmt;

pub use consumer::{ConsumeError, DeserializingConsumer, TypedMessage};
pub use primitives::{
    BytesDeserializer, BytesSerializer, DoubleDeserializer, DoubleSerializer, IntegerDeserializer,
    IntegerSerializer, StringDeserializer, StringSerializer,
};
pub use producer::{SerializingProduceError, SerializingProducer, TypedRecord};

use crate::message::OwnedHeaders;

/// Which part of a message is being (de)serialized. Python: `MessageField`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageField {
    /// `MessageField.NONE`: neither (a serializer called outside a client).
    None,
    /// `MessageField.KEY`.
    Key,
    /// `MessageField.VALUE`.
    Value,
}

impl MessageField {
    /// `"none"`, `"key"` or `"value"`, as Python's `str(MessageField.KEY)`; subject names use it.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageField::None => "none",
            MessageField::Key => "key",
            MessageField::Value => "value",
        }
    }
}

impl fmt::Display for MessageField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a serializer knows about the data it handles. Python:
/// `SerializationContext(topic, field, headers=None)`.
#[derive(Debug, Clone, Copy)]
pub struct SerializationContext<'a> {
    /// The topic produced to or consumed from.
    pub topic: &'a str,
    /// Key or value.
    pub field: MessageField,
    /// The message's headers, if it has any.
    pub headers: Option<&'a OwnedHeaders>,
}

impl<'a> SerializationContext<'a> {
    /// A context for `field` of a message in `topic`, without headers.
    pub fn new(topic: &'a str, field: MessageField) -> SerializationContext<'a> {
        SerializationContext {
            topic,
            field,
            headers: None,
        }
    }

    /// The same context with `headers`.
    pub fn with_headers(mut self, headers: Option<&'a OwnedHeaders>) -> SerializationContext<'a> {
        self.headers = headers;
        self
    }

    /// The last value of header `name`, if the message has it (a null value is `Some(None)`).
    pub fn header(&self, name: &str) -> Option<Option<&'a [u8]>> {
        self.headers?
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_deref())
    }
}

/// A value could not be serialized or deserialized. Python: `SerializationError`.
///
/// The message names the problem; the cause (a
/// `rkafka::schema_registry::SchemaRegistryError`, an Avro or JSON error,
/// ...) is the [`std::error::Error::source`], so callers can tell "registry down" from "bad data".
#[derive(Debug)]
pub struct SerializationError {
    message: String,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl SerializationError {
    /// An error with `message` and no cause.
    #[cold]
    pub fn new(message: impl Into<String>) -> SerializationError {
        SerializationError {
            message: message.into(),
            source: None,
        }
    }

    /// An error with `message` caused by `source` (its text is appended to the message).
    #[cold]
    pub fn with_source(
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> SerializationError {
        SerializationError {
            message: format!("{}: {source}", message.into()),
            source: Some(Box::new(source)),
        }
    }

    /// The message, cause included.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The cause, if it is an `E` (e.g. a `SchemaRegistryError`).
    pub fn cause<E: std::error::Error + 'static>(&self) -> Option<&E> {
        self.source.as_deref()?.downcast_ref::<E>()
    }
}

impl fmt::Display for SerializationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SerializationError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// Turns a `T` into bytes. Python: `Serializer.__call__(obj, ctx)`.
///
/// `None` (a null key or value) never reaches a serializer: the clients pass it through as
/// Kafka's null, as Python's serializers return `None` for `None`.
pub trait Serializer<T: ?Sized> {
    /// The bytes for `value`.
    fn serialize(
        &self,
        value: &T,
        ctx: &SerializationContext<'_>,
    ) -> Result<Vec<u8>, SerializationError>;
}

/// Turns bytes into a `T`. Python: `Deserializer.__call__(value, ctx)`.
///
/// A null key or value never reaches a deserializer: the clients give `None`.
pub trait Deserializer<T> {
    /// The value encoded in `data`.
    fn deserialize(
        &self,
        data: &[u8],
        ctx: &SerializationContext<'_>,
    ) -> Result<T, SerializationError>;
}

impl<T: ?Sized, F> Serializer<T> for F
where
    F: Fn(&T, &SerializationContext<'_>) -> Result<Vec<u8>, SerializationError>,
{
    fn serialize(
        &self,
        value: &T,
        ctx: &SerializationContext<'_>,
    ) -> Result<Vec<u8>, SerializationError> {
        self(value, ctx)
    }
}

impl<T, F> Deserializer<T> for F
where
    F: Fn(&[u8], &SerializationContext<'_>) -> Result<T, SerializationError>,
{
    fn deserialize(
        &self,
        data: &[u8],
        ctx: &SerializationContext<'_>,
    ) -> Result<T, SerializationError> {
        self(data, ctx)
    }
}
