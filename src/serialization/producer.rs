//! [`SerializingProducer`]: a [`Producer`] whose `produce` takes typed keys and values.
//! Python: `confluent_kafka.SerializingProducer`.

use std::ops::Deref;

use super::{MessageField, SerializationContext, SerializationError, Serializer};
use crate::error::{ErrorCode, KafkaError};
use crate::message::OwnedHeaders;
use crate::producer::{DeliveryReport, Producer, Record};

/// A per-message delivery closure, as [`Record::on_delivery`] takes.
type DeliveryFn = Box<dyn FnOnce(&DeliveryReport<'_>) + Send + 'static>;

/// One message with a typed key and value: the arguments of Python's
/// `SerializingProducer.produce(topic, key=None, value=None, partition=-1, on_delivery=None,
/// timestamp=0, headers=None)`. A key or value left unset is Kafka's null and reaches no
/// serializer.
pub struct TypedRecord<'a, K: ?Sized, V: ?Sized> {
    topic: &'a str,
    key: Option<&'a K>,
    value: Option<&'a V>,
    partition: Option<i32>,
    timestamp: i64,
    headers: OwnedHeaders,
    on_delivery: Option<DeliveryFn>,
    tag: Option<usize>,
}

impl<'a, K: ?Sized, V: ?Sized> TypedRecord<'a, K, V> {
    /// A record for `topic` with a null key and value.
    pub fn new(topic: &'a str) -> Self {
        TypedRecord {
            topic,
            key: None,
            value: None,
            partition: None,
            timestamp: 0,
            headers: OwnedHeaders::new(),
            on_delivery: None,
            tag: None,
        }
    }
    /// Python: `key=`.
    pub fn key(mut self, key: &'a K) -> Self {
        self.key = Some(key);
        self
    }
    /// Python: `value=`.
    pub fn value(mut self, value: &'a V) -> Self {
        self.value = Some(value);
        self
    }
    /// Python: `partition=` ([`Record::partition`]).
    pub fn partition(mut self, partition: i32) -> Self {
        self.partition = Some(partition);
        self
    }
    /// Python: `timestamp=` in milliseconds since the epoch ([`Record::timestamp`]).
    pub fn timestamp(mut self, millis: i64) -> Self {
        self.timestamp = millis;
        self
    }
    /// Adds a header (Python: `headers=[(name, value)]`); serializers see the headers in their
    /// [`SerializationContext`].
    pub fn header(mut self, name: &str, value: impl AsRef<[u8]>) -> Self {
        self.headers
            .push((name.to_string(), Some(value.as_ref().to_vec())));
        self
    }
    /// Adds a header with a null value.
    pub fn header_null(mut self, name: &str) -> Self {
        self.headers.push((name.to_string(), None));
        self
    }
    /// Python: `on_delivery=` ([`Record::on_delivery`]).
    pub fn on_delivery(mut self, f: impl FnOnce(&DeliveryReport<'_>) + Send + 'static) -> Self {
        self.on_delivery = Some(Box::new(f));
        self
    }
    /// A number handed back in the delivery report ([`Record::tag`]).
    pub fn tag(mut self, tag: usize) -> Self {
        self.tag = Some(tag);
        self
    }

    /// The [`Record`] of the serialized key and value, with everything else of this one.
    fn as_record<'b>(&'b mut self, key: Option<&'b [u8]>, value: Option<&'b [u8]>) -> Record<'b> {
        let mut r = Record::new(self.topic);
        if let Some(k) = key {
            r = r.key(k);
        }
        if let Some(v) = value {
            r = r.value(v);
        }
        if let Some(p) = self.partition {
            r = r.partition(p);
        }
        r = r.timestamp(self.timestamp);
        for (name, v) in &self.headers {
            r = match v {
                Some(v) => r.header(name, v),
                None => r.header_null(name),
            };
        }
        if let Some(f) = self.on_delivery.take() {
            r = r.on_delivery(f);
        }
        if let Some(t) = self.tag {
            r = r.tag(t);
        }
        r
    }
}

impl<K: ?Sized, V: ?Sized> std::fmt::Debug for TypedRecord<'_, K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TypedRecord")
            .field("topic", &self.topic)
            .field("key", &self.key.is_some())
            .field("value", &self.value.is_some())
            .field("partition", &self.partition)
            .field("headers", &self.headers.len())
            .finish_non_exhaustive()
    }
}

/// Why [`SerializingProducer::produce`] did not enqueue a message. Python raises
/// `KeySerializationError`, `ValueSerializationError`, `BufferError` or `KafkaException`.
/// Nothing was handed to librdkafka in any case (a per-message delivery closure is dropped
/// uncalled).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SerializingProduceError {
    /// Python: `KeySerializationError` (code `_KEY_SERIALIZATION`).
    #[error("key serialization failed: {0}")]
    KeySerialization(#[source] SerializationError),
    /// Python: `ValueSerializationError` (code `_VALUE_SERIALIZATION`).
    #[error("value serialization failed: {0}")]
    ValueSerialization(#[source] SerializationError),
    /// The producer refused the serialized record (`_QUEUE_FULL`, `_UNKNOWN_PARTITION`,
    /// `_MSG_SIZE_TOO_LARGE`, ...), as [`Producer::produce`] does.
    #[error("{0}")]
    Produce(#[source] KafkaError),
}

impl SerializingProduceError {
    /// Python's `.code`: `_KEY_SERIALIZATION`, `_VALUE_SERIALIZATION`, or the producer's code.
    pub fn code(&self) -> ErrorCode {
        match self {
            SerializingProduceError::KeySerialization(_) => ErrorCode::KeySerialization,
            SerializingProduceError::ValueSerialization(_) => ErrorCode::ValueSerialization,
            SerializingProduceError::Produce(e) => e.code(),
        }
    }

    /// True for `_QUEUE_FULL` (Python's `BufferError`): poll and produce again.
    pub fn is_queue_full(&self) -> bool {
        self.code() == ErrorCode::QueueFull
    }

    /// The serializer's error, for the two serialization variants.
    pub fn serialization_error(&self) -> Option<&SerializationError> {
        match self {
            SerializingProduceError::KeySerialization(e)
            | SerializingProduceError::ValueSerialization(e) => Some(e),
            SerializingProduceError::Produce(_) => None,
        }
    }
}

impl From<SerializingProduceError> for KafkaError {
    /// The error as Python's `KafkaError` (`err.args[0]` of the exception).
    fn from(e: SerializingProduceError) -> KafkaError {
        match e {
            SerializingProduceError::Produce(e) => e,
            other => KafkaError::new(other.code(), other.to_string()),
        }
    }
}

type BoxedSerializer<T> = Box<dyn Serializer<T> + Send + Sync>;

/// A [`Producer`] with a key and a value serializer. Python: `SerializingProducer(conf)` with
/// `key.serializer` and `value.serializer`.
///
/// It dereferences to the producer it owns, so `flush`, `poll`, transactions and the rest are
/// the plain producer's (Python's class inherits them).
pub struct SerializingProducer<K: ?Sized, V: ?Sized> {
    producer: Producer,
    key_serializer: BoxedSerializer<K>,
    value_serializer: BoxedSerializer<V>,
}

impl<K: ?Sized, V: ?Sized> SerializingProducer<K, V> {
    /// Wraps `producer`. Use [`BytesSerializer`](super::BytesSerializer) for a key or value
    /// that is already bytes (Python: no serializer for it).
    pub fn new(
        producer: Producer,
        key_serializer: impl Serializer<K> + Send + Sync + 'static,
        value_serializer: impl Serializer<V> + Send + Sync + 'static,
    ) -> Self {
        SerializingProducer {
            producer,
            key_serializer: Box::new(key_serializer),
            value_serializer: Box::new(value_serializer),
        }
    }

    /// Python: `produce(topic, key, value, ...)`: serializes the key, then the value (each
    /// with a [`SerializationContext`] naming the topic, the field and the headers), and
    /// enqueues the message. A failing serializer stops it before anything is enqueued.
    pub fn produce(
        &self,
        mut record: TypedRecord<'_, K, V>,
    ) -> Result<(), SerializingProduceError> {
        let headers = (!record.headers.is_empty()).then_some(&record.headers);
        let mut ctx =
            SerializationContext::new(record.topic, MessageField::Key).with_headers(headers);
        let key = record
            .key
            .map(|k| self.key_serializer.serialize(k, &ctx))
            .transpose()
            .map_err(SerializingProduceError::KeySerialization)?;
        ctx.field = MessageField::Value;
        let value = record
            .value
            .map(|v| self.value_serializer.serialize(v, &ctx))
            .transpose()
            .map_err(SerializingProduceError::ValueSerialization)?;
        let r = record.as_record(key.as_deref(), value.as_deref());
        self.producer
            .produce(r)
            .map_err(SerializingProduceError::Produce)
    }

    /// The producer this one wraps.
    pub fn producer(&self) -> &Producer {
        &self.producer
    }

    /// The wrapped producer, the serializers dropped.
    pub fn into_inner(self) -> Producer {
        self.producer
    }
}

impl<K: ?Sized, V: ?Sized> Deref for SerializingProducer<K, V> {
    type Target = Producer;
    fn deref(&self) -> &Producer {
        &self.producer
    }
}

impl<K: ?Sized, V: ?Sized> std::fmt::Debug for SerializingProducer<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SerializingProducer")
            .field("producer", &self.producer)
            .finish_non_exhaustive()
    }
}
