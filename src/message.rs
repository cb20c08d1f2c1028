//! Messages: [`MessageView`] (a zero-copy view of a librdkafka message), [`Message`] (an owned
//! copy), [`Headers`] and [`Timestamp`]. Mirrors `confluent_kafka.Message`.

use std::borrow::Cow;
use std::marker::PhantomData;
use std::ptr;
use std::time::Duration;

use libc::c_char;
use rdkafka_sys::bindings as sys;

use crate::error::KafkaError;
use crate::util::cstr_lossy;

/// A message timestamp, as Python's `Message.timestamp()` returns `(type, value)`; `Display`
/// prints that tuple:
///
/// ```
/// use rkafka::Timestamp;
/// assert_eq!(Timestamp::CreateTime(1_700_000_000_000).to_string(), "(1, 1700000000000)");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Timestamp {
    /// `TIMESTAMP_NOT_AVAILABLE`.
    NotAvailable,
    /// `TIMESTAMP_CREATE_TIME`: set by the producer, milliseconds since the epoch.
    CreateTime(i64),
    /// `TIMESTAMP_LOG_APPEND_TIME`: set by the broker, milliseconds since the epoch.
    LogAppendTime(i64),
}

impl std::fmt::Display for Timestamp {
    /// Python's `print(msg.timestamp())`: the `(type, value)` tuple, with Python's
    /// `TIMESTAMP_*` numbers: `(1, 1700000000000)` for a create time, `(2, ..)` for a log
    /// append time, `(0, -1)` when not available (librdkafka's value then).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Timestamp::NotAvailable => f.write_str("(0, -1)"),
            Timestamp::CreateTime(t) => write!(f, "(1, {t})"),
            Timestamp::LogAppendTime(t) => write!(f, "(2, {t})"),
        }
    }
}

impl Timestamp {
    /// The value in milliseconds since the epoch, if available.
    pub fn millis(self) -> Option<i64> {
        match self {
            Timestamp::NotAvailable => None,
            Timestamp::CreateTime(t) | Timestamp::LogAppendTime(t) => Some(t),
        }
    }
}

/// A borrowed view of message headers (`Message.headers()` in Python, which returns a list of
/// `(name, value)` tuples). Values may be null.
#[derive(Clone, Copy)]
pub struct Headers<'a> {
    raw: *const sys::rd_kafka_headers_t,
    _life: PhantomData<&'a sys::rd_kafka_headers_t>,
}

impl<'a> Headers<'a> {
    /// Number of headers.
    pub fn len(&self) -> usize {
        // SAFETY: raw is a live headers list for 'a (constructor contract).
        unsafe { sys::rd_kafka_header_cnt(self.raw) }
    }

    /// True if there are no headers.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The header at `idx`: name (lossily decoded) and value (`None` for a null value).
    pub fn get(&self, idx: usize) -> Option<(Cow<'a, str>, Option<&'a [u8]>)> {
        let mut name: *const c_char = ptr::null();
        let mut val: *const libc::c_void = ptr::null();
        let mut size = 0usize;
        // SAFETY: raw is live for 'a; the out-pointers are valid; librdkafka returns pointers
        // into the headers list, which lives (unchanged) for 'a.
        let rc =
            unsafe { sys::rd_kafka_header_get_all(self.raw, idx, &mut name, &mut val, &mut size) }
                as i32;
        if rc != 0 {
            return None;
        }
        // SAFETY: name is a NUL-terminated string owned by the list for 'a.
        let n = unsafe { cstr_lossy(name) };
        let v = if val.is_null() {
            None
        } else {
            // SAFETY: val points to `size` bytes owned by the list for 'a.
            Some(unsafe { std::slice::from_raw_parts(val.cast::<u8>(), size) })
        };
        Some((n, v))
    }

    /// All headers in order.
    pub fn iter(&self) -> impl Iterator<Item = (Cow<'a, str>, Option<&'a [u8]>)> + 'a {
        let h = *self;
        (0..h.len()).map_while(move |i| h.get(i))
    }

    /// The last value of header `name` (Kafka allows repeats).
    pub fn last(&self, name: &str) -> Option<Option<&'a [u8]>> {
        self.iter()
            .filter(|(n, _)| n == name)
            .last()
            .map(|(_, v)| v)
    }

    /// An owned copy.
    pub fn to_owned(&self) -> OwnedHeaders {
        self.iter()
            .map(|(n, v)| (n.into_owned(), v.map(<[u8]>::to_vec)))
            .collect()
    }
}

impl std::fmt::Debug for Headers<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(
                self.iter()
                    .map(|(n, v)| (n, v.map(String::from_utf8_lossy))),
            )
            .finish()
    }
}

/// A zero-copy view of a librdkafka message, valid for `'a`. Accessors mirror Python's
/// `Message` methods (`topic()`, `partition()`, `offset()`, `key()`, `value()`, `headers()`,
/// `timestamp()`, `latency()`, `leader_epoch()`); [`MessageView::detach`] makes an owned
/// [`Message`].
#[derive(Clone, Copy)]
pub struct MessageView<'a> {
    raw: &'a sys::rd_kafka_message_t,
}

impl<'a> MessageView<'a> {
    /// # Safety
    /// `raw` must point to a valid message that stays alive and unmodified for `'a`.
    pub(crate) unsafe fn from_raw(raw: *const sys::rd_kafka_message_t) -> MessageView<'a> {
        MessageView {
            // SAFETY: caller contract: raw is valid and unmodified for 'a.
            raw: unsafe { &*raw },
        }
    }

    /// The raw error code of the message (`0` for none), read as an int.
    pub(crate) fn err_code(&self) -> i32 {
        // SAFETY: `err` is the first field (asserted by wrapper.h) and int-sized; reading it as
        // i32 avoids materialising an enum value Rust may not know.
        unsafe { ptr::read(ptr::addr_of!(self.raw.err).cast::<i32>()) }
    }

    /// The message's error, if any (Python: `msg.error()`).
    pub fn error(&self) -> Option<KafkaError> {
        KafkaError::from_raw(self.err_code())
    }

    /// Topic name (Python: `msg.topic()`); empty if the message has no topic.
    pub fn topic(&self) -> Cow<'a, str> {
        if self.raw.rkt.is_null() {
            return Cow::Borrowed("");
        }
        // SAFETY: rkt is a live topic handle for the message's lifetime; its name is a
        // NUL-terminated string owned by the handle.
        unsafe { cstr_lossy(sys::rd_kafka_topic_name(self.raw.rkt)) }
    }

    /// Partition (Python: `msg.partition()`); `-1` if not assigned.
    pub fn partition(&self) -> i32 {
        self.raw.partition
    }

    /// Offset (Python: `msg.offset()`); negative if not known.
    pub fn offset(&self) -> i64 {
        self.raw.offset
    }

    /// Key bytes, `None` for a null key (Python: `msg.key()`).
    pub fn key(&self) -> Option<&'a [u8]> {
        // SAFETY: key points to key_len bytes owned by the message for 'a.
        unsafe { bytes(self.raw.key, self.raw.key_len) }
    }

    /// Value bytes, `None` for a null value (Python: `msg.value()`).
    pub fn value(&self) -> Option<&'a [u8]> {
        // SAFETY: payload points to len bytes owned by the message for 'a.
        unsafe { bytes(self.raw.payload, self.raw.len) }
    }

    /// Headers, `None` if the message has none (Python: `msg.headers()`).
    pub fn headers(&self) -> Option<Headers<'a>> {
        let mut h: *mut sys::rd_kafka_headers_t = ptr::null_mut();
        // SAFETY: the message is live; librdkafka stores a pointer to headers it owns (parsing
        // them lazily on first call, which the message allows through a const pointer: the C
        // API takes `const rd_kafka_message_t *`).
        let rc = unsafe { sys::rd_kafka_message_headers(self.raw, &mut h) } as i32;
        if rc != 0 || h.is_null() {
            return None;
        }
        Some(Headers {
            raw: h,
            _life: PhantomData,
        })
    }

    /// Timestamp (Python: `msg.timestamp()`).
    pub fn timestamp(&self) -> Timestamp {
        let mut t = sys::rd_kafka_timestamp_type_t::RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
        // SAFETY: the message is live; t is a valid out-pointer.
        let v = unsafe { sys::rd_kafka_message_timestamp(self.raw, &mut t) };
        match t {
            sys::rd_kafka_timestamp_type_t::RD_KAFKA_TIMESTAMP_CREATE_TIME => {
                Timestamp::CreateTime(v)
            }
            sys::rd_kafka_timestamp_type_t::RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME => {
                Timestamp::LogAppendTime(v)
            }
            _ => Timestamp::NotAvailable,
        }
    }

    /// Producer latency: time from `produce()` to the delivery report (Python: `msg.latency()`).
    pub fn latency(&self) -> Option<Duration> {
        // SAFETY: the message is live.
        let us = unsafe { sys::rd_kafka_message_latency(self.raw) };
        (us >= 0).then(|| Duration::from_micros(us as u64))
    }

    /// Leader epoch, if known (Python: `msg.leader_epoch()`).
    pub fn leader_epoch(&self) -> Option<i32> {
        // SAFETY: the message is live.
        let e = unsafe { sys::rd_kafka_message_leader_epoch(self.raw) };
        (e >= 0).then_some(e)
    }

    /// An owned copy, free of any client lifetime.
    pub fn detach(&self) -> Message {
        Message {
            topic: self.topic().into_owned(),
            partition: self.partition(),
            offset: self.offset(),
            key: self.key().map(<[u8]>::to_vec),
            value: self.value().map(<[u8]>::to_vec),
            headers: self.headers().map(|h| h.to_owned()),
            timestamp: self.timestamp(),
            latency: self.latency(),
            leader_epoch: self.leader_epoch(),
            error: self.error(),
        }
    }
}

impl std::fmt::Debug for MessageView<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MessageView")
            .field("topic", &self.topic())
            .field("partition", &self.partition())
            .field("offset", &self.offset())
            .field("key_len", &self.key().map(<[u8]>::len))
            .field("value_len", &self.value().map(<[u8]>::len))
            .field("error", &self.error())
            .finish()
    }
}

/// # Safety
/// `p` must be null or point to `len` readable bytes valid for `'a`.
unsafe fn bytes<'a>(p: *const libc::c_void, len: usize) -> Option<&'a [u8]> {
    if p.is_null() {
        None
    } else {
        // SAFETY: caller contract.
        Some(unsafe { std::slice::from_raw_parts(p.cast::<u8>(), len) })
    }
}

/// Owned message headers: `(name, value)` pairs in order; a `None` value is a null header.
pub type OwnedHeaders = Vec<(String, Option<Vec<u8>>)>;

/// An owned message, mirroring `confluent_kafka.Message` (Python's `Message()` constructor
/// takes the same fields). Produced by [`MessageView::detach`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Message {
    /// `msg.topic()`
    pub topic: String,
    /// `msg.partition()`
    pub partition: i32,
    /// `msg.offset()`
    pub offset: i64,
    /// `msg.key()`
    pub key: Option<Vec<u8>>,
    /// `msg.value()`
    pub value: Option<Vec<u8>>,
    /// `msg.headers()`
    pub headers: Option<OwnedHeaders>,
    /// `msg.timestamp()`
    pub timestamp: Timestamp,
    /// `msg.latency()`
    pub latency: Option<Duration>,
    /// `msg.leader_epoch()`
    pub leader_epoch: Option<i32>,
    /// `msg.error()`
    pub error: Option<KafkaError>,
}

impl Message {
    /// Python: `msg.topic()`.
    pub fn topic(&self) -> &str {
        &self.topic
    }
    /// Python: `msg.partition()`.
    pub fn partition(&self) -> i32 {
        self.partition
    }
    /// Python: `msg.offset()`.
    pub fn offset(&self) -> i64 {
        self.offset
    }
    /// Python: `msg.key()`.
    pub fn key(&self) -> Option<&[u8]> {
        self.key.as_deref()
    }
    /// Python: `msg.value()`.
    pub fn value(&self) -> Option<&[u8]> {
        self.value.as_deref()
    }
    /// Python: `msg.headers()`.
    pub fn headers(&self) -> Option<&OwnedHeaders> {
        self.headers.as_ref()
    }
    /// Python: `msg.timestamp()`.
    pub fn timestamp(&self) -> Timestamp {
        self.timestamp
    }
    /// Python: `msg.latency()`.
    pub fn latency(&self) -> Option<Duration> {
        self.latency
    }
    /// Python: `msg.leader_epoch()`.
    pub fn leader_epoch(&self) -> Option<i32> {
        self.leader_epoch
    }
    /// Python: `msg.error()`.
    pub fn error(&self) -> Option<&KafkaError> {
        self.error.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamp_display_is_pythons_tuple() {
        assert_eq!(
            Timestamp::CreateTime(1_700_000_000_000).to_string(),
            "(1, 1700000000000)"
        );
        assert_eq!(Timestamp::LogAppendTime(5).to_string(), "(2, 5)");
        assert_eq!(Timestamp::NotAvailable.to_string(), "(0, -1)");
    }
}
