//! Consumed messages: [`BorrowedMessage`] (zero-copy, tied to its consumer), [`OwnedMessage`]
//! (zero-copy, free of the consumer's lifetime), [`MessageBatch`] (one `consume` call), the
//! endless [`Iter`], [`MessagePosition`] (what `commit_message`/`store_offsets` take) and
//! [`ConsumerGroupMetadata`].

use std::sync::Arc;
use std::time::Duration;

use rdkafka_sys::bindings as sys;

use super::{Consumer, ConsumerState};
use crate::client::NativeClient;
use crate::error::{KafkaError, Result};
use crate::handle::Handle;
use crate::message::{Headers, Message, MessageView, Timestamp};
use crate::topic_partition::{Offset, TopicPartition};

/// Something with a position to commit or store: its topic, partition and offset + 1.
pub trait MessagePosition {
    /// The position after this message (what Python's `commit(message=)` commits).
    fn next_position(&self) -> TopicPartition;
}

fn next_of(v: MessageView<'_>) -> TopicPartition {
    let mut tp = TopicPartition::with_offset(
        v.topic().into_owned(),
        v.partition(),
        Offset::At(v.offset() + 1),
    );
    tp.leader_epoch = v.leader_epoch();
    tp
}

impl MessagePosition for MessageView<'_> {
    fn next_position(&self) -> TopicPartition {
        next_of(*self)
    }
}

impl MessagePosition for Message {
    fn next_position(&self) -> TopicPartition {
        let mut tp = TopicPartition::with_offset(
            self.topic.clone(),
            self.partition,
            Offset::At(self.offset + 1),
        );
        tp.leader_epoch = self.leader_epoch;
        tp
    }
}

pub(super) fn message_error(v: MessageView<'_>) -> Option<KafkaError> {
    v.error().map(|e| {
        e.with_partition(v.topic().into_owned(), v.partition())
            .with_offset(v.offset())
    })
}

macro_rules! message_accessors {
    () => {
        /// Python: `msg.topic()`.
        pub fn topic(&self) -> std::borrow::Cow<'_, str> {
            self.view().topic()
        }
        /// Python: `msg.partition()`.
        pub fn partition(&self) -> i32 {
            self.view().partition()
        }
        /// Python: `msg.offset()`.
        pub fn offset(&self) -> i64 {
            self.view().offset()
        }
        /// Python: `msg.key()` (zero-copy).
        pub fn key(&self) -> Option<&[u8]> {
            self.view().key()
        }
        /// Python: `msg.value()` (zero-copy).
        pub fn value(&self) -> Option<&[u8]> {
            self.view().value()
        }
        /// Python: `msg.headers()`.
        pub fn headers(&self) -> Option<Headers<'_>> {
            self.view().headers()
        }
        /// Python: `msg.timestamp()`.
        pub fn timestamp(&self) -> Timestamp {
            self.view().timestamp()
        }
        /// Python: `msg.leader_epoch()`.
        pub fn leader_epoch(&self) -> Option<i32> {
            self.view().leader_epoch()
        }
        /// Python: `msg.latency()` (producer-side; `None` for consumed messages).
        pub fn latency(&self) -> Option<Duration> {
            self.view().latency()
        }
        /// A deep, owned copy (`Message`).
        pub fn detach(&self) -> Message {
            self.view().detach()
        }
    };
}

/// A consumed message borrowed from its [`Consumer`] (zero-copy); destroyed on drop.
/// [`BorrowedMessage::into_owned`] makes it independent of the consumer without copying.
///
/// Python's loop checks `msg.error()`; here a message is never an error: [`Consumer::poll`]
/// returns errors in its `Err` arm, so there is no `error()` to forget to check.
pub struct BorrowedMessage<'c> {
    msg: Handle<sys::rd_kafka_message_t>,
    consumer: &'c Consumer,
}

impl<'c> BorrowedMessage<'c> {
    pub(super) fn new(msg: Handle<sys::rd_kafka_message_t>, consumer: &'c Consumer) -> Self {
        BorrowedMessage { msg, consumer }
    }

    /// A view of the message, valid while it is borrowed.
    pub fn view(&self) -> MessageView<'_> {
        // SAFETY: we own the message until drop; the view borrows self.
        unsafe { MessageView::from_raw(self.msg.ptr()) }
    }

    message_accessors!();

    /// The same message, owned and free of the consumer's lifetime (keeps the client alive;
    /// no copy of key or value).
    pub fn into_owned(self) -> OwnedMessage {
        OwnedMessage {
            msg: self.msg,
            _client: self.consumer.client_arc().clone(),
        }
    }
}

impl MessagePosition for BorrowedMessage<'_> {
    fn next_position(&self) -> TopicPartition {
        next_of(self.view())
    }
}

impl std::fmt::Debug for BorrowedMessage<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.view().fmt(f)
    }
}

/// A consumed message that owns its librdkafka message and keeps the client alive: free of the
/// consumer's lifetime, no copy of key or value. `Send`, not `Sync` (headers parse lazily).
pub struct OwnedMessage {
    // Field order matters: the message is destroyed before the client it came from.
    msg: Handle<sys::rd_kafka_message_t>,
    _client: Arc<NativeClient<ConsumerState>>,
}

impl OwnedMessage {
    /// A view of the message.
    pub fn view(&self) -> MessageView<'_> {
        // SAFETY: we own the message until drop.
        unsafe { MessageView::from_raw(self.msg.ptr()) }
    }

    message_accessors!();
}

impl MessagePosition for OwnedMessage {
    fn next_position(&self) -> TopicPartition {
        next_of(self.view())
    }
}

impl std::fmt::Debug for OwnedMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.view().fmt(f)
    }
}

/// The messages of one [`Consumer::consume`] call, owned without copying (one reference on the
/// client for the whole batch). Entries may be errors (e.g. `_PARTITION_EOF`), as in Python.
pub struct MessageBatch {
    // Field order matters: the messages are destroyed before the client they came from.
    msgs: Vec<Handle<sys::rd_kafka_message_t>>,
    client: Arc<NativeClient<ConsumerState>>,
}

impl MessageBatch {
    pub(super) fn new(
        msgs: Vec<Handle<sys::rd_kafka_message_t>>,
        client: Arc<NativeClient<ConsumerState>>,
    ) -> MessageBatch {
        MessageBatch { msgs, client }
    }
}

impl MessageBatch {
    /// Number of entries (messages and errors).
    pub fn len(&self) -> usize {
        self.msgs.len()
    }
    /// True if the call returned nothing (timeout).
    pub fn is_empty(&self) -> bool {
        self.msgs.is_empty()
    }
    /// Each entry: a message view, or its error with [`KafkaError::topic_partition`].
    pub fn iter(&self) -> impl Iterator<Item = Result<MessageView<'_>>> + '_ {
        self.msgs.iter().map(|m| {
            // SAFETY: every message is owned and live until the batch drops.
            let v = unsafe { MessageView::from_raw(m.ptr()) };
            match message_error(v) {
                Some(e) => Err(e),
                None => Ok(v),
            }
        })
    }
}


/// Python: `for msg in consumer.consume(n, t)`: each entry by value, as an [`OwnedMessage`]
/// (no copy) that may be kept or sent to another thread after the batch is gone, or its
/// error. Each message takes a reference on the client; [`MessageBatch::iter`] (views that
/// live as long as the batch, all freed at once when it drops) is the cheaper loop when
/// nothing is kept.
///
/// ```no_run
/// # fn f(consumer: &rkafka::Consumer) -> rkafka::Result<()> {
/// for entry in consumer.consume(1000, std::time::Duration::from_secs(1))? {
///     match entry {
///         Ok(msg) => println!("{}: {:?}", msg.offset(), msg.value()),
///         Err(e) => eprintln!("{e}"),
///     }
/// }
/// # Ok(()) }
/// ```
impl IntoIterator for MessageBatch {
    type Item = Result<OwnedMessage>;
    type IntoIter = BatchIntoIter;

    fn into_iter(self) -> BatchIntoIter {
        BatchIntoIter {
            msgs: self.msgs.into_iter(),
            client: self.client,
        }
    }
}

/// The by-value iterator of a [`MessageBatch`]; entries not taken are freed when it drops.
pub struct BatchIntoIter {
    // Field order matters: the messages are destroyed before the client they came from.
    msgs: std::vec::IntoIter<Handle<sys::rd_kafka_message_t>>,
    client: Arc<NativeClient<ConsumerState>>,
}

impl Iterator for BatchIntoIter {
    type Item = Result<OwnedMessage>;

    #[inline]
    fn next(&mut self) -> Option<Result<OwnedMessage>> {
        let owned = OwnedMessage {
            // Ownership moves to the item (an error entry is destroyed with it).
            msg: self.msgs.next()?,
            _client: self.client.clone(),
        };
        Some(match message_error(owned.view()) {
            Some(e) => Err(e),
            None => Ok(owned),
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.msgs.size_hint()
    }
}

impl ExactSizeIterator for BatchIntoIter {}


impl std::fmt::Debug for BatchIntoIter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchIntoIter")
            .field("left", &self.msgs.len())
            .finish()
    }
}

impl std::fmt::Debug for MessageBatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MessageBatch")
            .field("len", &self.msgs.len())
            .finish()
    }
}

/// Endless iterator over [`Consumer::poll`]; see [`Consumer::iter`].
#[derive(Debug)]
pub struct Iter<'c> {
    consumer: &'c Consumer,
}

impl<'c> Iter<'c> {
    pub(super) fn new(consumer: &'c Consumer) -> Iter<'c> {
        Iter { consumer }
    }
}

impl<'c> Iterator for Iter<'c> {
    type Item = Result<BorrowedMessage<'c>>;
    /// The next message or error; `None` once the consumer is closed.
    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.consumer.is_closed() {
                return None;
            }
            if let Some(r) = self.consumer.poll(Duration::from_millis(100)) {
                return Some(r);
            }
        }
    }
}

/// The group's identity for `send_offsets_to_transaction` (Python: the value of
/// `consumer.consumer_group_metadata()`).
pub struct ConsumerGroupMetadata(pub(super) Handle<sys::rd_kafka_consumer_group_metadata_t>);

impl ConsumerGroupMetadata {
    pub(crate) fn ptr(&self) -> *mut sys::rd_kafka_consumer_group_metadata_t {
        self.0.ptr()
    }
}

impl std::fmt::Debug for ConsumerGroupMetadata {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ConsumerGroupMetadata")
    }
}
