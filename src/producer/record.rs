//! [`Record`]: one message to produce (the arguments of Python's `produce`), its
//! [`Record::tag`], the error that hands it back ([`ProduceError`]) and an owned twin
//! ([`OwnedRecord`]) for producing again from a delivery callback.

use std::ffi::c_void;
use std::ptr;

use super::callback::DeliveryCallback;
use super::delivery::DeliveryReport;
use crate::consts;
use crate::error::{ErrorCode, KafkaError, Result};
use crate::message::OwnedHeaders;

/// One message to produce: the arguments of Python's
/// `produce(topic, value=None, key=None, partition=-1, on_delivery=None, timestamp=0, headers=None)`.
///
/// Data is borrowed and copied by librdkafka during `produce`, so the caller keeps it in every
/// case (including errors, which also hand the `Record` back); only a value given with
/// [`Record::value_static`] is used in place instead of copied.
#[derive(Debug)]
pub struct Record<'a> {
    pub(super) topic: &'a str,
    pub(super) key: Option<&'a [u8]>,
    pub(super) value: Option<&'a [u8]>,
    /// The value is `'static` and handed to librdkafka without a copy.
    pub(super) value_static: bool,
    pub(super) partition: Option<i32>,
    pub(super) timestamp: i64,
    pub(super) headers: Vec<(&'a str, Option<&'a [u8]>)>,
    pub(super) on_delivery: Option<DeliveryCallback>,
    tag: TagBits,
}

/// A [`Record::tag`] as librdkafka's per-message pointer will carry it: 0 for none,
/// `tag << 1 | 1`, or [`TAG_TOO_LARGE`] (one word, so `Result<(), ProduceError>` stays small).
#[derive(Clone, Copy, PartialEq, Eq)]
struct TagBits(usize);

/// [`Record::tag`] was given a value above [`Record::MAX_TAG`] (even, so never a valid tag).
const TAG_TOO_LARGE: TagBits = TagBits(2);
const NO_TAG: TagBits = TagBits(0);

impl std::fmt::Debug for TagBits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            NO_TAG => f.write_str("None"),
            TAG_TOO_LARGE => f.write_str("(larger than Record::MAX_TAG)"),
            TagBits(bits) => write!(f, "Some({})", bits >> 1),
        }
    }
}

impl<'a> Record<'a> {
    /// A record for `topic` with a null key and value (Python: `produce(topic)`).
    pub fn new(topic: &'a str) -> Record<'a> {
        Record {
            topic,
            key: None,
            value: None,
            value_static: false,
            partition: None,
            timestamp: 0,
            headers: Vec::new(),
            on_delivery: None,
            tag: NO_TAG,
        }
    }
    /// Python: `key=`.
    pub fn key<K: AsRef<[u8]> + ?Sized>(mut self, key: &'a K) -> Self {
        self.key = Some(key.as_ref());
        self
    }
    /// Python: `value=`. librdkafka copies the bytes during `produce`.
    pub fn value<V: AsRef<[u8]> + ?Sized>(mut self, value: &'a V) -> Self {
        self.value = Some(value.as_ref());
        self.value_static = false;
        self
    }
    /// Python: `value=`, without the copy (Python always copies; this is the C API's
    /// `rd_kafka_produce` without `RD_KAFKA_MSG_F_COPY`, as librdkafka's `rdkafka_performance`
    /// sends). librdkafka keeps a pointer to the bytes until the message is delivered or
    /// fails, so only data that lives for the rest of the program can be handed over: a
    /// constant, or a buffer from `Box::leak`/`Vec::leak` shared by many messages. Saves one
    /// allocation's worth of memory and a copy per message. `produce_batch` keeps it
    /// zero-copy for runs of such records.
    ///
    /// ```
    /// # use rkafka::Record;
    /// static PAYLOAD: [u8; 4] = *b"ping";
    /// let r = Record::new("heartbeats").value_static(&PAYLOAD);
    /// # let _ = r;
    /// ```
    pub fn value_static<V: AsRef<[u8]> + ?Sized>(mut self, value: &'static V) -> Self {
        self.value = Some(value.as_ref());
        self.value_static = true;
        self
    }
    /// Python: `partition=`; without it librdkafka's partitioner (`partitioner` property,
    /// the same default as Python's) chooses from the key.
    pub fn partition(mut self, partition: i32) -> Self {
        self.partition = Some(partition);
        self
    }
    /// Python: `timestamp=` (milliseconds since the epoch; `0` means now).
    pub fn timestamp(mut self, millis: i64) -> Self {
        self.timestamp = millis;
        self
    }
    /// Adds a header (Python: `headers=[(name, value), ...]`).
    pub fn header<V: AsRef<[u8]> + ?Sized>(mut self, name: &'a str, value: &'a V) -> Self {
        self.headers.push((name, Some(value.as_ref())));
        self
    }
    /// Adds a header with a null value (Python: `(name, None)`).
    pub fn header_null(mut self, name: &'a str) -> Self {
        self.headers.push((name, None));
        self
    }
    /// Python: `on_delivery=`: a closure called once with this message's delivery report, instead
    /// of the producer-wide `on_delivery`. It runs on the thread that calls `poll`/`flush`/`close`.
    pub fn on_delivery(mut self, f: impl FnOnce(&DeliveryReport<'_>) + Send + 'static) -> Self {
        self.on_delivery = Some(DeliveryCallback::new(f));
        self
    }
    /// A number for this message, handed back in its delivery report
    /// ([`DeliveryReport::tag`]) to whichever callback serves it: per-message context for
    /// the producer-wide `on_delivery` at no cost (no allocation, nothing to read back but
    /// the report itself). It is C's `msg_opaque`, and rust-rdkafka's `usize` delivery
    /// opaque; in Python the `on_delivery` callable closes over its context instead. At most
    /// [`Record::MAX_TAG`]; a larger tag is refused by `produce` with `_INVALID_ARG`. With a
    /// per-message closure as well, the closure sees the tag in its report.
    ///
    /// ```
    /// # use rkafka::{Producer, Record};
    /// # let orders = ["a", "b"];
    /// # let producer = Producer::new([("bootstrap.servers", "127.0.0.1:1")]).unwrap();
    /// // Producer::builder(config).on_delivery(|r| mark_done(r.tag().unwrap(), r.error()))
    /// for (i, order) in orders.iter().enumerate() {
    ///     producer.produce(Record::new("orders").value(order).tag(i)).unwrap();
    /// }
    /// # let _ = producer.purge(true, true, true);
    /// ```
    pub fn tag(mut self, tag: usize) -> Self {
        self.tag = if tag > Record::MAX_TAG {
            TAG_TOO_LARGE
        } else {
            TagBits((tag << 1) | 1)
        };
        self
    }

    /// The largest [`Record::tag`]: `usize::MAX >> 1` (one bit marks a tag apart from a
    /// closure in librdkafka's per-message pointer).
    pub const MAX_TAG: usize = usize::MAX >> 1;

    /// The per-message pointer for librdkafka (`msg_opaque`): null, a closure's thunk, or a
    /// tag (shifted left, low bit set; thunks are at least 8-aligned, so their low bit is 0).
    /// Refuses a tag above [`Record::MAX_TAG`]; a record with both a tag and a closure has the
    /// closure wrapped first, so the closure sees the tag.
    #[inline]
    pub(super) fn msg_opaque(&mut self) -> Result<*mut c_void> {
        // The common case (no tag) is one test on the produce path.
        if self.tag != NO_TAG && (self.tag == TAG_TOO_LARGE || self.on_delivery.is_some()) {
            self.settle_tag()?;
        }
        Ok(self.settled_opaque())
    }

    /// [`Record::msg_opaque`] of a record whose tag is settled (a valid tag or a closure).
    #[inline]
    pub(super) fn settled_opaque(&self) -> *mut c_void {
        match (self.tag, &self.on_delivery) {
            (NO_TAG, Some(c)) => c.ptr.as_ptr(),
            (NO_TAG, None) => ptr::null_mut(),
            (TagBits(bits), _) => bits as *mut c_void,
        }
    }

    /// The uncommon cases of [`Record::msg_opaque`]: afterwards the record carries a valid tag
    /// or a closure, not both.
    #[cold]
    fn settle_tag(&mut self) -> Result<()> {
        if self.tag == TAG_TOO_LARGE {
            return Err(tag_too_large());
        }
        if let Some(cb) = self.on_delivery.take() {
            let tag = self.tag.0 >> 1;
            self.tag = NO_TAG;
            self.on_delivery = Some(DeliveryCallback::new(move |r: &DeliveryReport<'_>| {
                cb.call(&DeliveryReport {
                    view: r.view,
                    error: r.error.clone(),
                    tag: Some(tag),
                    state: r.state,
                })
            }));
        }
        Ok(())
    }

    /// Takes the per-message closure out (an async completion runs it instead).
    #[cfg(feature = "async")]
    pub(super) fn take_on_delivery(&mut self) -> Option<DeliveryCallback> {
        self.on_delivery.take()
    }

    /// Puts a per-message closure back (or removes one).
    #[cfg(feature = "async")]
    pub(super) fn set_on_delivery(&mut self, cb: Option<DeliveryCallback>) {
        self.on_delivery = cb;
    }

    /// The record's tag; refuses one above [`Record::MAX_TAG`].
    #[cfg(feature = "async")]
    pub(super) fn tag_value(&self) -> Result<Option<usize>> {
        match self.tag {
            NO_TAG => Ok(None),
            TAG_TOO_LARGE => Err(tag_too_large()),
            TagBits(bits) => Ok(Some(bits >> 1)),
        }
    }

    /// Librdkafka now owns the per-message closure (the produce call succeeded): it is
    /// consumed by the delivery trampoline, not by this record.
    #[inline]
    pub(super) fn release_on_delivery(&mut self) {
        if let Some(cb) = self.on_delivery.take() {
            cb.into_raw();
        }
    }

    /// The topic this record goes to.
    pub fn topic_name(&self) -> &'a str {
        self.topic
    }

    /// The key bytes (`None`: null).
    pub fn key_bytes(&self) -> Option<&'a [u8]> {
        self.key
    }

    /// The value bytes (`None`: null).
    pub fn value_bytes(&self) -> Option<&'a [u8]> {
        self.value
    }

    /// librdkafka's message flags for this record: copy the value unless it is `'static`.
    #[inline]
    pub(super) fn msg_flags(&self) -> i32 {
        if self.value_static {
            0
        } else {
            consts::RD_KAFKA_MSG_F_COPY as i32
        }
    }
}

/// `produce` failed; the record (with its delivery closure, if any) is handed back so the caller
/// can retry it. Python raises `BufferError` (queue full) or `KafkaException` instead.
#[derive(Debug, thiserror::Error)]
#[error("produce to `{}` failed: {error}", record.topic)]
pub struct ProduceError<'a> {
    /// Why (`_QUEUE_FULL`, `_UNKNOWN_PARTITION`, `_MSG_SIZE_TOO_LARGE`, `_INVALID_ARG`, ...).
    pub error: KafkaError,
    /// The record, untouched.
    pub record: Record<'a>,
}

impl ProduceError<'_> {
    /// True for `_QUEUE_FULL`: poll (or use [`Producer::produce_wait`]) and retry.
    pub fn is_queue_full(&self) -> bool {
        self.error.code() == ErrorCode::QueueFull
    }
}

impl From<ProduceError<'_>> for KafkaError {
    fn from(e: ProduceError<'_>) -> KafkaError {
        e.error
    }
}



#[cold]
fn tag_too_large() -> KafkaError {
    KafkaError::invalid_arg(format!(
        "the record's tag is larger than Record::MAX_TAG ({})",
        Record::MAX_TAG
    ))
}

/// A record that owns its data: what [`DeliveryReport::to_record`] returns, to produce a
/// message again (Python's retry from `delivery_report` passes `msg.value()` and friends back
/// to `p.produce`). [`OwnedRecord::as_record`] lends it out as a [`Record`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct OwnedRecord {
    /// The topic.
    pub topic: String,
    /// The key (`None`: null).
    pub key: Option<Vec<u8>>,
    /// The value (`None`: null).
    pub value: Option<Vec<u8>>,
    /// The headers, in order.
    pub headers: OwnedHeaders,
    /// The partition (`None`: the partitioner chooses).
    pub partition: Option<i32>,
}

impl OwnedRecord {
    /// A [`Record`] borrowing this one's data (librdkafka copies it during `produce`).
    pub fn as_record(&self) -> Record<'_> {
        let mut r = Record::new(&self.topic);
        r.key = self.key.as_deref();
        r.value = self.value.as_deref();
        r.partition = self.partition;
        r.headers = self
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_deref()))
            .collect();
        r
    }
}
