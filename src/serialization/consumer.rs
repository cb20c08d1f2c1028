//! [`DeserializingConsumer`]: a [`Consumer`] whose `poll` returns typed keys and values.
//! Python: `confluent_kafka.DeserializingConsumer`.

use std::ops::Deref;

use super::{Deserializer, MessageField, SerializationContext, SerializationError};
use crate::consumer::{Consumer, MessagePosition, OwnedMessage};
use crate::error::{ErrorCode, KafkaError};
use crate::message::{OwnedHeaders, Timestamp};
use crate::topic_partition::TopicPartition;
use crate::util::Timeout;

/// A consumed message with its key and value deserialized. Python: the `Message` that
/// `DeserializingConsumer.poll` returns, whose `key()` and `value()` are the objects.
///
/// The raw message stays reachable ([`TypedMessage::message`]), and a `TypedMessage` can be
/// committed or stored like one (`consumer.commit_message(&m)`).
#[derive(Debug)]
pub struct TypedMessage<K, V> {
    key: Option<K>,
    value: Option<V>,
    headers: Option<OwnedHeaders>,
    message: OwnedMessage,
}

impl<K, V> TypedMessage<K, V> {
    /// Python: `msg.key()`: the deserialized key (`None` for a null key).
    pub fn key(&self) -> Option<&K> {
        self.key.as_ref()
    }
    /// Python: `msg.value()`: the deserialized value (`None` for a null value).
    pub fn value(&self) -> Option<&V> {
        self.value.as_ref()
    }
    /// Python: `msg.topic()`.
    pub fn topic(&self) -> std::borrow::Cow<'_, str> {
        self.message.topic()
    }
    /// Python: `msg.partition()`.
    pub fn partition(&self) -> i32 {
        self.message.partition()
    }
    /// Python: `msg.offset()`.
    pub fn offset(&self) -> i64 {
        self.message.offset()
    }
    /// Python: `msg.timestamp()`.
    pub fn timestamp(&self) -> Timestamp {
        self.message.timestamp()
    }
    /// Python: `msg.headers()` (the copy the deserializers saw).
    pub fn headers(&self) -> Option<&OwnedHeaders> {
        self.headers.as_ref()
    }
    /// The message as consumed: raw key and value bytes, leader epoch, ...
    pub fn message(&self) -> &OwnedMessage {
        &self.message
    }
    /// Key, value and the raw message.
    pub fn into_parts(self) -> (Option<K>, Option<V>, OwnedMessage) {
        (self.key, self.value, self.message)
    }
}

impl<K, V> MessagePosition for TypedMessage<K, V> {
    fn next_position(&self) -> TopicPartition {
        self.message.next_position()
    }
}

/// Why [`DeserializingConsumer::poll`] returned no typed message. Python raises `ConsumeError`,
/// `KeyDeserializationError` or `ValueDeserializationError`; as there, the message that could
/// not be deserialized is kept (Python's `kafka_message`), so it can be inspected, committed
/// past or sent to a dead-letter topic. Nothing is skipped silently.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConsumeError {
    /// Python: `ConsumeError`: the consumer reported an error (`msg.error()`).
    #[error("{0}")]
    Consume(#[source] KafkaError),
    /// Python: `KeyDeserializationError` (code `_KEY_DESERIALIZATION`).
    #[error("key deserialization failed at {} [{}] @ {}: {error}", message.topic(), message.partition(), message.offset())]
    KeyDeserialization {
        /// What the deserializer said.
        #[source]
        error: SerializationError,
        /// The message, undecoded.
        message: OwnedMessage,
    },
    /// Python: `ValueDeserializationError` (code `_VALUE_DESERIALIZATION`).
    #[error("value deserialization failed at {} [{}] @ {}: {error}", message.topic(), message.partition(), message.offset())]
    ValueDeserialization {
        /// What the deserializer said.
        #[source]
        error: SerializationError,
        /// The message, undecoded.
        message: OwnedMessage,
    },
}

impl ConsumeError {
    /// Python's `.code`: `_KEY_DESERIALIZATION`, `_VALUE_DESERIALIZATION`, or the consumer's.
    pub fn code(&self) -> ErrorCode {
        match self {
            ConsumeError::Consume(e) => e.code(),
            ConsumeError::KeyDeserialization { .. } => ErrorCode::KeyDeserialization,
            ConsumeError::ValueDeserialization { .. } => ErrorCode::ValueDeserialization,
        }
    }

    /// Python's `kafka_message`: the message that could not be deserialized.
    pub fn kafka_message(&self) -> Option<&OwnedMessage> {
        match self {
            ConsumeError::Consume(_) => None,
            ConsumeError::KeyDeserialization { message, .. }
            | ConsumeError::ValueDeserialization { message, .. } => Some(message),
        }
    }

    /// The deserializer's error, for the two deserialization variants.
    pub fn serialization_error(&self) -> Option<&SerializationError> {
        match self {
            ConsumeError::Consume(_) => None,
            ConsumeError::KeyDeserialization { error, .. }
            | ConsumeError::ValueDeserialization { error, .. } => Some(error),
        }
    }
}

type BoxedDeserializer<T> = Box<dyn Deserializer<T> + Send + Sync>;

/// A [`Consumer`] with a key and a value deserializer. Python: `DeserializingConsumer(conf)`
/// with `key.deserializer` and `value.deserializer`.
///
/// It dereferences to the consumer it owns, so `subscribe`, `commit`, `close` and the rest are
/// the plain consumer's (Python's class inherits them).
pub struct DeserializingConsumer<K, V> {
    consumer: Consumer,
    key_deserializer: BoxedDeserializer<K>,
    value_deserializer: BoxedDeserializer<V>,
}

impl<K, V> DeserializingConsumer<K, V> {
    /// Wraps `consumer`. Use [`BytesDeserializer`](super::BytesDeserializer) for a key or
    /// value to keep as bytes.
    pub fn new(
        consumer: Consumer,
        key_deserializer: impl Deserializer<K> + Send + Sync + 'static,
        value_deserializer: impl Deserializer<V> + Send + Sync + 'static,
    ) -> Self {
        DeserializingConsumer {
            consumer,
            key_deserializer: Box::new(key_deserializer),
            value_deserializer: Box::new(value_deserializer),
        }
    }

    /// Python: `poll(timeout)`: the next message with its value, then its key, deserialized;
    /// `None` on timeout.
    pub fn poll(
        &self,
        timeout: impl Into<Timeout>,
    ) -> Option<Result<TypedMessage<K, V>, ConsumeError>> {
        let m = match self.consumer.poll(timeout)? {
            Ok(m) => m,
            Err(e) => return Some(Err(ConsumeError::Consume(e))),
        };
        let headers = m.headers().map(|h| h.to_owned());
        let (value, key) = {
            let topic = m.topic();
            let ctx = SerializationContext::new(&topic, MessageField::Value)
                .with_headers(headers.as_ref());
            let value = m
                .value()
                .map(|v| self.value_deserializer.deserialize(v, &ctx))
                .transpose();
            let ctx = SerializationContext {
                field: MessageField::Key,
                ..ctx
            };
            // Python stops at the first failure: the key is not read when the value failed.
            let key = match value {
                Ok(_) => m
                    .key()
                    .map(|k| self.key_deserializer.deserialize(k, &ctx))
                    .transpose(),
                Err(_) => Ok(None),
            };
            (value, key)
        };
        let message = m.into_owned();
        Some(match (value, key) {
            (Err(error), _) => Err(ConsumeError::ValueDeserialization { error, message }),
            (_, Err(error)) => Err(ConsumeError::KeyDeserialization { error, message }),
            (Ok(value), Ok(key)) => Ok(TypedMessage {
                key,
                value,
                headers,
                message,
            }),
        })
    }

    /// The consumer this one wraps.
    pub fn consumer(&self) -> &Consumer {
        &self.consumer
    }

    /// The wrapped consumer, the deserializers dropped.
    pub fn into_inner(self) -> Consumer {
        self.consumer
    }
}

impl<K, V> Deref for DeserializingConsumer<K, V> {
    type Target = Consumer;
    fn deref(&self) -> &Consumer {
        &self.consumer
    }
}

impl<K, V> std::fmt::Debug for DeserializingConsumer<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeserializingConsumer")
            .field("consumer", &self.consumer)
            .finish_non_exhaustive()
    }
}
