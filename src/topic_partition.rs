//! [`TopicPartition`] and [`Offset`], mirroring `confluent_kafka.TopicPartition` and the
//! `OFFSET_*` constants, and the checks every call applies to what it passes to librdkafka:
//! topic names (`check_topic_name`), offsets ([`Offset::try_raw`]) and partition lists
//! (`NativeList::from_partitions`), so each call refuses bad input the same way, naming itself
//! and the culprit.

use std::collections::HashSet;
use std::ffi::CString;
use std::fmt;
use std::hash::{Hash, Hasher};

use rdkafka_sys::bindings as sys;

use crate::consts;
use crate::error::{cstring, ErrorCode, KafkaError, Result};
use crate::handle::Handle;
use crate::util::{cstr_lossy, read_err, shorten};

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
/// from librdkafka's values; `Display` prints the raw value, as Python's `print(tp.offset)`
/// prints the int.
///
/// Two values librdkafka would misread are refused by every call that passes offsets (with
/// `_INVALID_ARG` naming the call, the partition and the offset; see [`Offset::try_raw`]):
/// `At(n)` with `n < 0` (a concrete offset is 0 or more; librdkafka would read most negative
/// numbers as one of its logical offsets or refuse them without saying why), and `Tail(n)`
/// with `n < 0` or so large that `-2000 - n` does not fit an `i64` (`Tail(-2005)` would
/// start at offset 5, `Tail(-1000)` at the stored offset). `Tail(0)` is accepted: zero
/// messages before the end, that is the end (librdkafka's `OFFSET_TAIL(0)`).
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
    /// A concrete offset, 0 or more (Python: a plain int).
    At(i64),
    /// `n` messages before the end (`OFFSET_TAIL(n)`, raw -2000 - n), `n >= 0`; `Tail(0)` is
    /// the end.
    Tail(i64),
    /// Only in `on_assign` partitions: the group has no committed offset for this partition,
    /// so `auto.offset.reset` applies as shown. Converts to `OFFSET_INVALID` for librdkafka.
    NoCommit(OffsetReset),
}

impl Offset {
    /// The largest `n` of `Tail(n)`: `-2000 - n` is then `i64::MIN`.
    pub const MAX_TAIL: i64 = consts::RD_KAFKA_OFFSET_TAIL_BASE - i64::MIN;

    /// The raw librdkafka value. Never panics: for an offset [`Offset::try_raw`] refuses, it is
    /// what the formula gives, saturated (rkafka never passes such a value to librdkafka).
    pub fn raw(self) -> i64 {
        match self {
            Offset::Beginning => consts::RD_KAFKA_OFFSET_BEGINNING,
            Offset::End => consts::RD_KAFKA_OFFSET_END,
            Offset::Stored => consts::RD_KAFKA_OFFSET_STORED,
            Offset::Invalid | Offset::NoCommit(_) => consts::RD_KAFKA_OFFSET_INVALID,
            Offset::At(n) => n,
            Offset::Tail(n) => consts::RD_KAFKA_OFFSET_TAIL_BASE.saturating_sub(n),
        }
    }

    /// The raw librdkafka value, or `_INVALID_ARG` for an offset librdkafka would misread:
    /// `At(n)` with `n < 0`, `Tail(n)` with `n < 0` or `n > Offset::MAX_TAIL`.
    pub fn try_raw(self) -> Result<i64> {
        let why = match self {
            Offset::At(n) if n < 0 => "negative: a concrete offset is 0 or more (the logical \
                                       offsets are Offset::Beginning, End, Stored, Invalid and \
                                       Tail(n))"
                .to_string(),
            Offset::Tail(n) if n < 0 => {
                "negative: Tail(n) is n messages before the end, n >= 0".to_string()
            }
            Offset::Tail(n) if n > Offset::MAX_TAIL => {
                format!("too large: Tail(n) takes n up to {}", Offset::MAX_TAIL)
            }
            _ => return Ok(self.raw()),
        };
        Err(KafkaError::invalid_arg(format!("offset {self:?} is {why}")))
    }

    /// From a raw librdkafka value. Lossless: a negative value that is none of librdkafka's
    /// logical offsets stays `At(n)` (which calls then refuse), rather than becoming another
    /// offset.
    pub fn from_raw(raw: i64) -> Offset {
        match raw {
            n if n >= 0 => Offset::At(n),
            x if x == consts::RD_KAFKA_OFFSET_BEGINNING => Offset::Beginning,
            x if x == consts::RD_KAFKA_OFFSET_END => Offset::End,
            x if x == consts::RD_KAFKA_OFFSET_STORED => Offset::Stored,
            x if x == consts::RD_KAFKA_OFFSET_INVALID => Offset::Invalid,
            x if x <= consts::RD_KAFKA_OFFSET_TAIL_BASE => {
                Offset::Tail(consts::RD_KAFKA_OFFSET_TAIL_BASE - x)
            }
            n => Offset::At(n),
        }
    }

    /// The concrete offset (0 or more), if this is one.
    pub fn value(self) -> Option<i64> {
        match self {
            Offset::At(n) if n >= 0 => Some(n),
            _ => None,
        }
    }
}

impl fmt::Display for Offset {
    /// The raw value, as Python prints `tp.offset` (`5`, `-2` for `Beginning`, `-1001` for
    /// `Invalid` and `NoCommit`, `-2005` for `Tail(5)`); an offset whose raw value would read
    /// back as another offset (`Tail(-2005)`) is printed as `Debug` does.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let raw = self.raw();
        if matches!(self, Offset::NoCommit(_)) || Offset::from_raw(raw) == *self {
            write!(f, "{raw}")
        } else {
            write!(f, "{self:?}")
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
/// As in Python, equality, ordering and hashing use only `(topic, partition)`, and `Display`
/// prints what Python's `print(tp)` prints:
///
/// ```
/// use rkafka::{Offset, TopicPartition};
/// let tp = TopicPartition::with_offset("orders", 0, Offset::Tail(5));
/// assert_eq!(
///     tp.to_string(),
///     "TopicPartition{topic=orders,partition=0,offset=-2005,leader_epoch=None,error=None}"
/// );
/// assert_eq!(tp.offset.to_string(), "-2005"); // print(tp.offset)
/// assert_eq!(tp, TopicPartition::new("orders", 0));
/// ```
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

impl fmt::Display for TopicPartition {
    /// Python's `str(tp)`, character for character:
    /// `TopicPartition{topic=t,partition=0,offset=-1001,leader_epoch=None,error=None}`, the
    /// error as Python prints a `KafkaError` (`KafkaError{code=..,val=..,str=".."}`). As in
    /// Python, the metadata is not shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "TopicPartition{{topic={},partition={},offset={},leader_epoch=",
            self.topic, self.partition, self.offset
        )?;
        match self.leader_epoch {
            Some(e) => write!(f, "{e}")?,
            None => f.write_str("None")?,
        }
        match &self.error {
            Some(e) => write!(f, ",error={e:?}}}"),
            None => f.write_str(",error=None}"),
        }
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

/// Kafka's topic name rules, checked for `call` (`produce`, `assign`, `list_topics`, ...):
/// 1..=249 characters of `[a-zA-Z0-9._-]`, not `.` or `..`. The error names the call and the
/// topic.
pub(crate) fn check_topic_name(call: &str, topic: &str) -> Result<()> {
    let bad = |why: String| {
        Err(KafkaError::new(
            ErrorCode::InvalidArg,
            format!(
                "{call}: invalid topic name {:?}: {why}",
                shorten(topic, 100)
            ),
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

/// A checked topic name as a C string, for `call`.
pub(crate) fn topic_cstring(call: &str, topic: &str) -> Result<CString> {
    check_topic_name(call, topic)?;
    cstring("topic name", topic)
}

/// Checks one partition of a list for `call`: a valid topic name, a partition of 0 or more,
/// and an offset librdkafka reads as meant; returns the raw offset.
fn check_partition(call: &str, p: &TopicPartition) -> Result<i64> {
    let at = |e: KafkaError| e.with_partition(p.topic.clone(), p.partition);
    check_topic_name(call, &p.topic).map_err(at)?;
    if p.partition < 0 {
        return Err(at(KafkaError::invalid_arg(format!(
            "{call}: partition {} of topic {:?} is negative; partitions are numbered from 0",
            p.partition, p.topic
        ))));
    }
    p.offset.try_raw().map_err(|e| {
        at(KafkaError::invalid_arg(format!(
            "{call}: {} [{}]: {}",
            p.topic,
            p.partition,
            e.str()
        )))
    })
}

/// An owned `rd_kafka_topic_partition_list_t`.
pub(crate) struct NativeList(Handle<sys::rd_kafka_topic_partition_list_t>);

impl NativeList {
    /// An empty list with room for `n` elements.
    fn with_capacity(n: usize) -> NativeList {
        let n = i32::try_from(n.max(1)).unwrap_or(i32::MAX);
        // SAFETY: creates an owned, empty list (never null; aborts on OOM).
        let list = unsafe { sys::rd_kafka_topic_partition_list_new(n) };
        // SAFETY: a fresh list we own.
        NativeList(unsafe { Handle::from_raw(list) }.expect("rd_kafka_topic_partition_list_new"))
    }

    /// The list `call` passes to librdkafka, each partition checked ([`check_partition`]) and
    /// none listed twice: the first problem is refused naming the call and the partition.
    pub(crate) fn from_partitions(call: &str, parts: &[TopicPartition]) -> Result<NativeList> {
        let list = NativeList::with_capacity(parts.len());
        let mut seen = HashSet::with_capacity(parts.len());
        for p in parts {
            let offset = check_partition(call, p)?;
            if !seen.insert((p.topic.as_str(), p.partition)) {
                return Err(KafkaError::invalid_arg(format!(
                    "{call}: {} [{}] is listed twice",
                    p.topic, p.partition
                ))
                .with_partition(p.topic.clone(), p.partition));
            }
            list.add(p, offset)?;
        }
        Ok(list)
    }

    /// Topics only (partition -1), for `call` (`subscribe`): names are checked, and those
    /// starting with `^` are regular expressions, left to librdkafka.
    pub(crate) fn from_topics(call: &str, topics: &[&str]) -> Result<NativeList> {
        let list = NativeList::with_capacity(topics.len());
        for t in topics {
            if !t.starts_with('^') {
                check_topic_name(call, t)?;
            }
            let p = TopicPartition::new(*t, consts::RD_KAFKA_PARTITION_UA as i32);
            list.add(&p, consts::RD_KAFKA_OFFSET_INVALID)
                .map_err(|e| KafkaError::invalid_arg(format!("{call}: {}", e.str())))?;
        }
        Ok(list)
    }

    /// Appends `p` with the raw offset `offset` (checked by the caller).
    fn add(&self, p: &TopicPartition, offset: i64) -> Result<()> {
        let t = cstring("topic name", &p.topic)?;
        // SAFETY: the list is ours; t is NUL-terminated and copied; the returned element is
        // owned by the list and valid until the list is modified again.
        unsafe {
            let e = sys::rd_kafka_topic_partition_list_add(self.ptr(), t.as_ptr(), p.partition);
            (*e).offset = offset;
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
        Ok(())
    }

    /// Sets element `i`'s offset field to `raw` as it is: for requests that carry something
    /// else in it (`list_offsets`' `OffsetSpec`).
    pub(crate) fn set_raw_offset(&mut self, i: usize, raw: i64) {
        // SAFETY: the list is ours and valid; `elems` holds `cnt` elements, and `i` is checked
        // against `cnt` before the element is written.
        unsafe {
            let l = &mut *self.ptr();
            if i < usize::try_from(l.cnt).unwrap_or(0) {
                (*l.elems.add(i)).offset = raw;
            }
        }
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
        let list = NativeList::from_partitions("test", &parts).unwrap();
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
        assert!(NativeList::from_partitions("test", &[TopicPartition::new("", 0)]).is_err());
    }

    #[test]
    fn offsets_librdkafka_would_misread_are_refused() {
        for (o, why) in [
            (Offset::At(-7), "offset At(-7) is negative"),
            (Offset::At(-1), "offset At(-1) is negative"),
            (Offset::Tail(-2005), "offset Tail(-2005) is negative"),
            (Offset::Tail(-1000), "offset Tail(-1000) is negative"),
            (
                Offset::Tail(i64::MAX),
                "offset Tail(9223372036854775807) is too large",
            ),
            (Offset::Tail(Offset::MAX_TAIL + 1), "is too large"),
        ] {
            let e = o.try_raw().unwrap_err();
            assert_eq!(e.code(), ErrorCode::InvalidArg);
            assert!(e.str().contains(why), "{e}");
            // raw() never panics or wraps.
            let _ = o.raw();
        }
        assert_eq!(Offset::Tail(i64::MAX).raw(), i64::MIN);
        assert_eq!(Offset::Tail(Offset::MAX_TAIL).try_raw().unwrap(), i64::MIN);
        assert_eq!(Offset::Tail(0).try_raw().unwrap(), -2000);
        assert_eq!(Offset::from_raw(-2000), Offset::Tail(0));
        // Lossless: a raw value that is no logical offset stays what it was.
        assert_eq!(Offset::from_raw(-7), Offset::At(-7));
        assert_eq!(Offset::from_raw(-1500), Offset::At(-1500));
        assert_eq!(Offset::At(-7).raw(), -7);
        assert_eq!(Offset::At(-7).value(), None);
        let e = NativeList::from_partitions(
            "seek",
            &[TopicPartition::with_offset("t", 3, Offset::At(-7))],
        )
        .err()
        .unwrap();
        assert!(
            e.str()
                .starts_with("seek: t [3]: offset At(-7) is negative"),
            "{e}"
        );
        assert_eq!(e.topic_partition().unwrap().partition, 3);
    }

    #[test]
    fn lists_are_checked_naming_the_call_and_the_culprit() {
        let e = |parts: &[TopicPartition]| {
            NativeList::from_partitions("assign", parts)
                .err()
                .unwrap()
                .str()
                .to_string()
        };
        let p0 = TopicPartition::new("t", 0);
        assert_eq!(
            e(&[p0.clone(), TopicPartition::new("t", 1), p0]),
            "assign: t [0] is listed twice"
        );
        assert!(e(&[TopicPartition::new("a b", 0)])
            .starts_with("assign: invalid topic name \"a b\": character ' ' is not allowed"));
        assert!(e(&[TopicPartition::new("t", -1)])
            .starts_with("assign: partition -1 of topic \"t\" is negative"));
        let long = "x".repeat(100_000);
        assert!(e(&[TopicPartition::new(long, 0)]).len() < 300);
        assert!(NativeList::from_topics("subscribe", &["^a b", "ok"]).is_ok());
        let err = NativeList::from_topics("subscribe", &["a b"])
            .err()
            .unwrap();
        assert!(
            err.str().starts_with("subscribe: invalid topic name"),
            "{err}"
        );
        assert!(topic_cstring("list_topics", "..").is_err());
        assert!(topic_cstring("list_topics", "orders.v1-x_y").is_ok());
    }

    #[test]
    fn display_is_pythons_str() {
        assert_eq!(Offset::At(5).to_string(), "5");
        assert_eq!(Offset::Beginning.to_string(), "-2");
        assert_eq!(Offset::Invalid.to_string(), "-1001");
        assert_eq!(Offset::NoCommit(OffsetReset::Latest).to_string(), "-1001");
        assert_eq!(Offset::Tail(5).to_string(), "-2005");
        assert_eq!(Offset::Tail(-2005).to_string(), "Tail(-2005)");
        assert_eq!(
            TopicPartition::new("t", 0).to_string(),
            "TopicPartition{topic=t,partition=0,offset=-1001,leader_epoch=None,error=None}"
        );
        let mut tp = TopicPartition::with_offset("t", 3, 5)
            .metadata("m")
            .leader_epoch(7);
        tp.error = Some(KafkaError::new(ErrorCode::PartitionEof, "eof here"));
        assert_eq!(
            tp.to_string(),
            "TopicPartition{topic=t,partition=3,offset=5,leader_epoch=7,\
             error=KafkaError{code=_PARTITION_EOF,val=-191,str=\"eof here\"}}"
        );
    }

    #[test]
    fn topic_names() {
        assert!(check_topic_name("t", "orders.v1-x_y").is_ok());
        assert!(check_topic_name("t", &"x".repeat(249)).is_ok());
        for bad in ["", ".", "..", "a b", "ü", "a/b", "a\0b"] {
            assert!(check_topic_name("t", bad).is_err(), "{bad:?}");
        }
        let e = check_topic_name("produce", &"x".repeat(250)).unwrap_err();
        assert!(e.str().starts_with("produce: invalid topic name"), "{e}");
        assert!(e.str().contains("the limit is 249"), "{e}");
    }
}
