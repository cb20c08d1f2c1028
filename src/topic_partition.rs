//! [`TopicPartition`] and [`Offset`], mirroring `confluent_kafka.TopicPartition` and the
//! `OFFSET_*` constants.

use std::hash::{Hash, Hasher};

use rdkafka_sys::bindings as sys;

use crate::consts;
use crate::error::cstring;
use crate::error::{ErrorCode, KafkaError, Result};
use crate::handle::Handle;
use crate::util::{cstr_lossy, read_err};

/// What `auto.offset.reset` will do for a partition that has no committed offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OffsetReset {
    /// `earliest` / `smallest` / `beginning`.
    Earliest,
    /// `latest` / `largest` / `end` (librdkafka's default).
    Latest,
    /// `error`: the consumer gets an `_AUTO_OFFSET_RESET` error.
    Error,
}

/// An offset: Python's plain integers and `OFFSET_BEGINNING`, `OFFSET_END`, `OFFSET_STORED`,
/// `OFFSET_INVALID` constants, typed. [`Offset::raw`] and [`Offset::from_raw`] convert to and
/// from librdkafka's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Offset {
    /// `OFFSET_BEGINNING` (-2): the oldest message.
    Beginning,
    /// `OFFSET_END` (-1): the next message produced.
    End,
    /// `OFFSET_STORED` (-1000): the group's committed offset.
    Stored,
    /// `OFFSET_INVALID` (-1001): no offset; librdkafka uses the committed offset or
    /// `auto.offset.reset`.
    Invalid,
    /// A concrete offset.
    At(i64),
    /// `n` messages before the end (`OFFSET_TAIL(n)`, raw -2000 - n).
    Tail(i64),
    /// Only in `on_assign` partitions: the group has no committed offset for this partition,
    /// so `auto.offset.reset` applies as shown. Converts to `OFFSET_INVALID` for librdkafka.
    NoCommit(OffsetReset),
}

impl Offset {
    /// The raw librdkafka value.
    pub fn raw(self) -> i64 {
        match self {
            Offset::Beginning => consts::RD_KAFKA_OFFSET_BEGINNING,
            Offset::End => consts::RD_KAFKA_OFFSET_END,
            Offset::Stored => consts::RD_KAFKA_OFFSET_STORED,
            Offset::Invalid | Offset::NoCommit(_) => consts::RD_KAFKA_OFFSET_INVALID,
            Offset::At(n) => n,
            Offset::Tail(n) => consts::RD_KAFKA_OFFSET_TAIL_BASE - n,
        }
    }

    /// From a raw librdkafka value.
    pub fn from_raw(raw: i64) -> Offset {
        match raw {
            n if n >= 0 => Offset::At(n),
            x if x == consts::RD_KAFKA_OFFSET_BEGINNING => Offset::Beginning,
            x if x == consts::RD_KAFKA_OFFSET_END => Offset::End,
            x if x == consts::RD_KAFKA_OFFSET_STORED => Offset::Stored,
            x if x <= consts::RD_KAFKA_OFFSET_TAIL_BASE => {
                Offset::Tail(consts::RD_KAFKA_OFFSET_TAIL_BASE - x)
            }
            _ => Offset::Invalid,
        }
    }

    /// The concrete offset, if this is one.
    pub fn value(self) -> Option<i64> {
        match self {
            Offset::At(n) => Some(n),
            _ => None,
        }
    }
}

impl From<i64> for Offset {
    fn from(raw: i64) -> Offset {
        Offset::from_raw(raw)
    }
}

/// A topic partition, with an offset, commit metadata, leader epoch and per-partition error:
/// Python's `TopicPartition(topic, partition=-1, offset=OFFSET_INVALID, metadata=None,
/// leader_epoch=None)`.
///
/// As in Python, equality, ordering and hashing use only `(topic, partition)`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TopicPartition {
    /// Python: `tp.topic`.
    pub topic: String,
    /// Python: `tp.partition` (-1 when unset).
    pub partition: i32,
    /// Python: `tp.offset`.
    pub offset: Offset,
    /// Python: `tp.metadata` (commit metadata).
    pub metadata: Option<String>,
    /// Python: `tp.leader_epoch`.
    pub leader_epoch: Option<i32>,
    /// Python: `tp.error`.
    pub error: Option<KafkaError>,
}

impl TopicPartition {
    /// Python: `TopicPartition(topic, partition)`; offset `OFFSET_INVALID`.
    pub fn new(topic: impl Into<String>, partition: i32) -> TopicPartition {
        TopicPartition {
            topic: topic.into(),
            partition,
            offset: Offset::Invalid,
            metadata: None,
            leader_epoch: None,
            error: None,
        }
    }

    /// Python: `TopicPartition(topic, partition, offset)`.
    pub fn with_offset(
        topic: impl Into<String>,
        partition: i32,
        offset: impl Into<Offset>,
    ) -> TopicPartition {
        TopicPartition {
            offset: offset.into(),
            ..TopicPartition::new(topic, partition)
        }
    }

    /// Builder: sets the commit metadata.
    pub fn metadata(mut self, metadata: impl Into<String>) -> TopicPartition {
        self.metadata = Some(metadata.into());
        self
    }

    /// Builder: sets the leader epoch.
    pub fn leader_epoch(mut self, epoch: i32) -> TopicPartition {
        self.leader_epoch = Some(epoch);
        self
    }
}

impl PartialEq for TopicPartition {
    fn eq(&self, o: &Self) -> bool {
        self.topic == o.topic && self.partition == o.partition
    }
}
impl Eq for TopicPartition {}
impl Hash for TopicPartition {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.topic.hash(h);
        self.partition.hash(h);
    }
}
impl PartialOrd for TopicPartition {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for TopicPartition {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        (&self.topic, self.partition).cmp(&(&o.topic, o.partition))
    }
}

/// Kafka's topic name rules: 1..=249 chars of `[a-zA-Z0-9._-]`, not `.` or `..`.
pub(crate) fn validate_topic_name(topic: &str) -> Result<()> {
    let bad = |why: String| {
        Err(KafkaError::new(
            ErrorCode::InvalidArg,
            format!("invalid topic name {topic:?}: {why}"),
        ))
    };
    if topic.is_empty() {
        return bad("it is empty".into());
    }
    if topic.len() > 249 {
        return bad(format!(
            "it is {} characters long (the limit is 249)",
            topic.len()
        ));
    }
    if topic == "." || topic == ".." {
        return bad("`.` and `..` are not allowed".into());
    }
    if let Some(c) = topic
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        return bad(format!(
            "character {c:?} is not allowed (only ASCII letters, digits, `.`, `_`, `-`)"
        ));
    }
    Ok(())
}

/// An owned `rd_kafka_topic_partition_list_t`.
pub(crate) struct NativeList(Handle<sys::rd_kafka_topic_partition_list_t>);

impl NativeList {
    pub(crate) fn from_partitions(parts: &[TopicPartition]) -> Result<NativeList> {
        // SAFETY: creates an owned, empty list (never null; aborts on OOM).
        let list = unsafe { sys::rd_kafka_topic_partition_list_new(parts.len().max(1) as i32) };
        // SAFETY: a fresh list we own.
        let list = NativeList(
            unsafe { Handle::from_raw(list) }.expect("rd_kafka_topic_partition_list_new"),
        );
        for p in parts {
            if p.topic.is_empty() {
                return Err(KafkaError::invalid_arg(
                    "topic partition with an empty topic name",
                ));
            }
            let t = cstring("topic name", &p.topic)?;
            // SAFETY: list is ours; t is NUL-terminated and copied; the returned element is
            // owned by the list and valid until the list is modified again.
            unsafe {
                let e = sys::rd_kafka_topic_partition_list_add(list.ptr(), t.as_ptr(), p.partition);
                (*e).offset = p.offset.raw();
                if let Some(m) = &p.metadata {
                    // librdkafka frees metadata with rd_kafka_mem_free (free()): copy with malloc.
                    let buf = libc::malloc(m.len().max(1)).cast::<u8>();
                    assert!(!buf.is_null(), "out of memory");
                    std::ptr::copy_nonoverlapping(m.as_ptr(), buf, m.len());
                    (*e).metadata = buf.cast();
                    (*e).metadata_size = m.len();
                }
                if let Some(epoch) = p.leader_epoch {
                    sys::rd_kafka_topic_partition_set_leader_epoch(e, epoch);
                }
            }
        }
        Ok(list)
    }

    /// Topics only (partition -1), for `subscribe`.
    pub(crate) fn from_topics(topics: &[&str]) -> Result<NativeList> {
        let parts: Vec<TopicPartition> = topics
            .iter()
            .map(|t| TopicPartition::new(*t, consts::RD_KAFKA_PARTITION_UA as i32))
            .collect();
        NativeList::from_partitions(&parts)
    }

    /// # Safety
    /// `p` must be an owned, valid list (ownership moves to the returned value).
    pub(crate) unsafe fn from_raw(
        p: *mut sys::rd_kafka_topic_partition_list_t,
    ) -> Option<NativeList> {
        // SAFETY: caller contract.
        unsafe { Handle::from_raw(p) }.map(NativeList)
    }

    pub(crate) fn ptr(&self) -> *mut sys::rd_kafka_topic_partition_list_t {
        self.0.ptr()
    }

    pub(crate) fn to_partitions(&self) -> Vec<TopicPartition> {
        // SAFETY: the list is valid and ours for this borrow.
        unsafe { list_to_partitions(self.ptr()) }
    }
}

/// Copies a C list into Rust values.
///
/// # Safety
/// `list` must be null or a valid list for the duration of the call.
pub(crate) unsafe fn list_to_partitions(
    list: *const sys::rd_kafka_topic_partition_list_t,
) -> Vec<TopicPartition> {
    if list.is_null() {
        return Vec::new();
    }
    // SAFETY: caller contract: list is valid; elems holds cnt elements.
    unsafe {
        let l = &*list;
        if l.elems.is_null() || l.cnt <= 0 {
            return Vec::new();
        }
        std::slice::from_raw_parts(l.elems, l.cnt as usize)
            .iter()
            .map(|e| {
                let metadata = if e.metadata.is_null() {
                    None
                } else {
                    let b = std::slice::from_raw_parts(e.metadata.cast::<u8>(), e.metadata_size);
                    Some(String::from_utf8_lossy(b).into_owned())
                };
                let epoch = sys::rd_kafka_topic_partition_get_leader_epoch(e);
                TopicPartition {
                    topic: cstr_lossy(e.topic).into_owned(),
                    partition: e.partition,
                    offset: Offset::from_raw(e.offset),
                    metadata,
                    leader_epoch: (epoch >= 0).then_some(epoch),
                    error: KafkaError::from_raw(read_err(std::ptr::addr_of!(e.err))),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_round_trip() {
        for o in [
            Offset::Beginning,
            Offset::End,
            Offset::Stored,
            Offset::Invalid,
            Offset::At(0),
            Offset::At(42),
            Offset::Tail(5),
        ] {
            assert_eq!(Offset::from_raw(o.raw()), o);
        }
        assert_eq!(Offset::NoCommit(OffsetReset::Earliest).raw(), -1001);
        assert_eq!(Offset::Tail(5).raw(), -2005);
    }

    #[test]
    fn list_round_trip_and_python_equality() {
        let parts = vec![
            TopicPartition::with_offset("a", 0, 5)
                .metadata("meta")
                .leader_epoch(3),
            TopicPartition::with_offset("b", 2, Offset::Beginning),
        ];
        let list = NativeList::from_partitions(&parts).unwrap();
        let back = list.to_partitions();
        assert_eq!(back, parts);
        assert_eq!(back[0].offset, Offset::At(5));
        assert_eq!(back[0].metadata.as_deref(), Some("meta"));
        assert_eq!(back[0].leader_epoch, Some(3));
        assert_eq!(back[1].offset, Offset::Beginning);
        assert_eq!(
            TopicPartition::with_offset("a", 0, 1),
            TopicPartition::with_offset("a", 0, 2)
        );
        assert!(TopicPartition::new("a", 1) < TopicPartition::new("b", 0));
        assert!(NativeList::from_partitions(&[TopicPartition::new("", 0)]).is_err());
    }
}
