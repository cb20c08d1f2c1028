//! Partition offsets and records: list offsets, delete records, elect leaders.

use std::collections::BTreeMap;

use rdkafka_sys::bindings as sys;

use super::native::{ffi, DeleteRecordsHandle, ElectLeadersHandle};
use super::{
    borrowed_error, c_array, collect, invalid, require_some, require_unique, AdminClient,
    AdminOptions, Op,
};
use crate::consts;
use crate::error::{KafkaError, Result};
use crate::topic_partition::{list_to_partitions, NativeList};
use crate::util::{cstr_lossy, read_err};
use crate::{Offset, TopicPartition};

c_enum! {
    /// Python: `confluent_kafka.IsolationLevel`, for [`AdminOptions::isolation_level`].
    pub enum IsolationLevel (fallback ReadUncommitted) {
        /// `READ_UNCOMMITTED` (the default).
        ReadUncommitted = RD_KAFKA_ISOLATION_LEVEL_READ_UNCOMMITTED => "READ_UNCOMMITTED",
        /// `READ_COMMITTED`: offsets up to the last stable offset.
        ReadCommitted = RD_KAFKA_ISOLATION_LEVEL_READ_COMMITTED => "READ_COMMITTED",
    }
}

c_enum! {
    /// Python: `confluent_kafka.ElectionType`.
    pub enum ElectionType (fallback Preferred) {
        /// `PREFERRED`: elect the preferred replica.
        Preferred = RD_KAFKA_ELECTION_TYPE_PREFERRED => "PREFERRED",
        /// `UNCLEAN`: elect an out-of-sync replica if no in-sync one is available.
        Unclean = RD_KAFKA_ELECTION_TYPE_UNCLEAN => "UNCLEAN",
    }
}

/// Which offset [`AdminClient::list_offsets`] looks up: Python's `OffsetSpec.earliest()`,
/// `.latest()`, `.max_timestamp()` and `.for_timestamp(ms)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OffsetSpec {
    /// The first offset.
    Earliest,
    /// The next offset to be written (the high watermark).
    Latest,
    /// The offset of the record with the largest timestamp.
    MaxTimestamp,
    /// The first offset whose timestamp is at or after this many milliseconds since the epoch.
    Timestamp(i64),
}

impl OffsetSpec {
    /// The value librdkafka takes in the partition's offset field.
    fn raw(self) -> i64 {
        match self {
            OffsetSpec::Earliest => consts::RD_KAFKA_OFFSET_SPEC_EARLIEST,
            OffsetSpec::Latest => consts::RD_KAFKA_OFFSET_SPEC_LATEST,
            OffsetSpec::MaxTimestamp => consts::RD_KAFKA_OFFSET_SPEC_MAX_TIMESTAMP,
            OffsetSpec::Timestamp(ms) => ms,
        }
    }
}

/// One partition's answer to [`AdminClient::list_offsets`]: Python's `ListOffsetsResultInfo`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListOffsetsResultInfo {
    /// Python: `offset` (-1 when no record matches a timestamp).
    pub offset: i64,
    /// Python: `timestamp` (-1 when not applicable).
    pub timestamp: i64,
    /// Python: `leader_epoch`.
    pub leader_epoch: Option<i32>,
}

/// One partition's answer to [`AdminClient::delete_records`]: Python's `DeletedRecords`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeletedRecords {
    /// Python: `low_watermark`: the partition's first offset afterwards.
    pub low_watermark: i64,
}

const LIST_OFFSETS: Op = Op {
    api: sys::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_LISTOFFSETS,
    event: consts::RD_KAFKA_EVENT_LISTOFFSETS_RESULT,
    name: "list_offsets",
};
const DELETE_RECORDS: Op = Op {
    api: sys::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_DELETERECORDS,
    event: consts::RD_KAFKA_EVENT_DELETERECORDS_RESULT,
    name: "delete_records",
};
const ELECT_LEADERS: Op = Op {
    api: sys::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_ELECTLEADERS,
    event: consts::RD_KAFKA_EVENT_ELECTLEADERS_RESULT,
    name: "elect_leaders",
};

/// Checks topic names and partitions of a request (non-empty names, partitions >= 0, no
/// partition twice).
fn check_partitions<'a>(
    op: &str,
    parts: impl Iterator<Item = &'a TopicPartition> + Clone,
) -> Result<()> {
    for tp in parts.clone() {
        if tp.topic.is_empty() {
            return Err(invalid(op, "a topic partition has an empty topic name"));
        }
        if tp.partition < 0 {
            return Err(invalid(
                op,
                format!(
                    "topic {:?}: partition must not be negative (got {})",
                    tp.topic, tp.partition
                ),
            ));
        }
    }
    require_unique(
        op,
        "topic partition",
        parts.map(|tp| (tp.topic.as_str(), tp.partition)),
    )
}

/// The key a partition's result is returned under: topic and partition only.
fn key(tp: &TopicPartition) -> TopicPartition {
    TopicPartition::new(tp.topic.clone(), tp.partition)
}

impl AdminClient {
    /// Python: `list_offsets({TopicPartition: OffsetSpec}, isolation_level,
    /// request_timeout)`: for each partition, the offset the spec asks for.
    ///
    /// Refused before sending: no partitions, an empty topic, a negative partition, a
    /// partition twice, a negative timestamp.
    pub fn list_offsets(
        &self,
        requests: &[(TopicPartition, OffsetSpec)],
        options: &AdminOptions,
    ) -> Result<BTreeMap<TopicPartition, Result<ListOffsetsResultInfo>>> {
        let op = LIST_OFFSETS.name;
        require_some(op, requests, "partition")?;
        check_partitions(op, requests.iter().map(|(tp, _)| tp))?;
        if let Some((tp, spec)) = requests
            .iter()
            .find(|(_, s)| matches!(s, OffsetSpec::Timestamp(ms) if *ms < 0))
        {
            return Err(invalid(
                op,
                format!(
                    "{}[{}]: {spec:?}: the timestamp must not be negative",
                    tp.topic, tp.partition
                ),
            ));
        }
        let keys: Vec<TopicPartition> = requests.iter().map(|(tp, _)| key(tp)).collect();
        let mut list = NativeList::from_partitions(op, &keys)?;
        // The spec travels in the offset field.
        for (i, (_, spec)) in requests.iter().enumerate() {
            list.set_raw_offset(i, spec.raw());
        }
        let event = self.request(LIST_OFFSETS, options, |rk, o, q| {
            // SAFETY: rk, o, q and the list are live; the list is copied.
            unsafe { sys::rd_kafka_ListOffsets(rk, list.ptr(), o, q) }
        })?;
        let mut n = 0;
        // SAFETY: a live ListOffsets result; each info and its partition live as long as the
        // event; everything is copied; the error is read as an int.
        let got = unsafe {
            let res = sys::rd_kafka_event_ListOffsets_result(event.ptr());
            c_array(sys::rd_kafka_ListOffsets_result_infos(res, &mut n), n)
                .iter()
                .filter_map(|&info| {
                    let p = sys::rd_kafka_ListOffsetsResultInfo_topic_partition(info);
                    if p.is_null() {
                        return None;
                    }
                    let p = &*p;
                    let tp = TopicPartition::new(cstr_lossy(p.topic).into_owned(), p.partition);
                    let result = match KafkaError::from_raw(read_err(std::ptr::addr_of!(p.err))) {
                        Some(e) => Err(e),
                        None => {
                            let epoch = sys::rd_kafka_topic_partition_get_leader_epoch(p);
                            Ok(ListOffsetsResultInfo {
                                offset: p.offset,
                                timestamp: sys::rd_kafka_ListOffsetsResultInfo_timestamp(info),
                                leader_epoch: (epoch >= 0).then_some(epoch),
                            })
                        }
                    };
                    Some((tp, result))
                })
                .collect()
        };
        Ok(collect(op, requests.iter().map(|(tp, _)| key(tp)), got))
    }

    /// Python: `delete_records([TopicPartition(topic, partition, offset)], request_timeout,
    /// operation_timeout)`: deletes every record before `offset` ([`Offset::End`] for all);
    /// for each partition, its new low watermark.
    ///
    /// Refused before sending: no partitions, an empty topic, a negative partition, a
    /// partition twice, an offset that is neither concrete nor [`Offset::End`].
    pub fn delete_records(
        &self,
        before: &[TopicPartition],
        options: &AdminOptions,
    ) -> Result<BTreeMap<TopicPartition, Result<DeletedRecords>>> {
        let op = DELETE_RECORDS.name;
        require_some(op, before, "partition")?;
        check_partitions(op, before.iter())?;
        if let Some(tp) = before
            .iter()
            .find(|tp| !matches!(tp.offset, Offset::End) && tp.offset.value().is_none())
        {
            return Err(invalid(
                op,
                format!(
                    "{}[{}]: the offset must be a concrete offset or Offset::End, got {:?}",
                    tp.topic, tp.partition, tp.offset
                ),
            ));
        }
        let list = NativeList::from_partitions(op, before)?;
        // SAFETY: the list is live and copied; null or a new object we own.
        let handle =
            unsafe { DeleteRecordsHandle::from_raw(sys::rd_kafka_DeleteRecords_new(list.ptr())) }
                .ok_or_else(|| invalid(op, "librdkafka refused the request"))?;
        let mut raw = [handle.ptr()];
        let event = self.request(DELETE_RECORDS, options, |rk, o, q| {
            // SAFETY: rk, o and q are live; raw holds one live object (copied).
            unsafe { sys::rd_kafka_DeleteRecords(rk, raw.as_mut_ptr(), 1, o, q) }
        })?;
        // SAFETY: a live DeleteRecords result; the list is copied.
        let parts = unsafe {
            let res = sys::rd_kafka_event_DeleteRecords_result(event.ptr());
            list_to_partitions(sys::rd_kafka_DeleteRecords_result_offsets(res))
        };
        let got = parts
            .into_iter()
            .map(|tp| {
                let result = match &tp.error {
                    Some(e) => Err(e.clone()),
                    None => Ok(DeletedRecords {
                        low_watermark: tp.offset.raw(),
                    }),
                };
                (key(&tp), result)
            })
            .collect();
        Ok(collect(op, before.iter().map(key), got))
    }

    /// Python: `elect_leaders(election_type, partitions=None, request_timeout,
    /// operation_timeout)`: for each partition (all partitions when `None`), whether the
    /// election succeeded. Refused before sending: an empty list (use `None`), an empty topic,
    /// a negative partition, a partition twice.
    pub fn elect_leaders(
        &self,
        election_type: ElectionType,
        partitions: Option<&[TopicPartition]>,
        options: &AdminOptions,
    ) -> Result<BTreeMap<TopicPartition, Result<()>>> {
        let op = ELECT_LEADERS.name;
        let list = match partitions {
            None => None,
            Some(parts) => {
                if parts.is_empty() {
                    return Err(invalid(
                        op,
                        "an empty partition list; pass None for all partitions",
                    ));
                }
                check_partitions(op, parts.iter())?;
                let keys: Vec<_> = parts.iter().map(key).collect();
                Some(NativeList::from_partitions(op, &keys)?)
            }
        };
        // SAFETY: the list (or null for all) is copied; the election type is valid.
        let handle = unsafe {
            ElectLeadersHandle::from_raw(ffi::elect_leaders_new(
                election_type.raw(),
                list.as_ref().map_or(std::ptr::null_mut(), NativeList::ptr),
            ))
        }
        .ok_or_else(|| invalid(op, "librdkafka refused the request"))?;
        let event = self.request(ELECT_LEADERS, options, |rk, o, q| {
            // SAFETY: rk, o, q and the request are live; the request is copied.
            unsafe { sys::rd_kafka_ElectLeaders(rk, handle.ptr(), o, q) }
        })?;
        let mut n = 0;
        // SAFETY: a live ElectLeaders result; each partition result lives as long as it and
        // is copied.
        let got = unsafe {
            let res = sys::rd_kafka_event_ElectLeaders_result(event.ptr());
            c_array(sys::rd_kafka_ElectLeaders_result_partitions(res, &mut n), n)
                .iter()
                .filter_map(|&r| {
                    let p = sys::rd_kafka_topic_partition_result_partition(r);
                    if p.is_null() {
                        return None;
                    }
                    let tp =
                        TopicPartition::new(cstr_lossy((*p).topic).into_owned(), (*p).partition);
                    let result = match borrowed_error(sys::rd_kafka_topic_partition_result_error(r))
                    {
                        Some(e) => Err(e),
                        None => Ok(()),
                    };
                    Some((tp, result))
                })
                .collect::<Vec<_>>()
        };
        Ok(match partitions {
            Some(parts) => collect(op, parts.iter().map(key), got),
            None => got.into_iter().collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_map_to_librdkafka_values() {
        assert_eq!(OffsetSpec::Earliest.raw(), -2);
        assert_eq!(OffsetSpec::Latest.raw(), -1);
        assert_eq!(OffsetSpec::MaxTimestamp.raw(), -3);
        assert_eq!(OffsetSpec::Timestamp(1234).raw(), 1234);
    }

    #[test]
    fn partition_checks() {
        let op = "list_offsets";
        let a = TopicPartition::new("t", 0);
        let b = TopicPartition::new("t", 1);
        assert!(check_partitions(op, [&a, &b].into_iter()).is_ok());
        let e = check_partitions(op, [&a, &a].into_iter()).unwrap_err();
        assert!(e.str().contains("duplicate topic partition"), "{e}");
        let neg = TopicPartition::new("t", -1);
        assert!(check_partitions(op, [&neg].into_iter()).is_err());
    }
}
