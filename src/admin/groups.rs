//! Consumer groups: list, describe, delete, and their committed offsets; and the legacy
//! `list_groups`.

use std::collections::BTreeMap;
use std::ffi::CString;

use libc::c_char;
use rdkafka_sys::bindings as sys;

use super::native::{ffi, AlterGroupOffsetsHandle, DeleteGroupHandle, ListGroupOffsetsHandle};
use super::topics::{acl_operations, Node};
use super::{
    borrowed_error, c_array, collect, invalid, name_cstring, opt_string, require_some,
    require_unique, AclOperation, AdminClient, AdminOptions, Op,
};
use crate::consts;
use crate::error::{KafkaError, Result};
use crate::metadata::BrokerMetadata;
use crate::topic_partition::{list_to_partitions, NativeList};
use crate::util::{cstr_lossy, read_err, Timeout};
use crate::{Offset, TopicPartition};

c_enum! {
    /// Python: `confluent_kafka.ConsumerGroupState`.
    pub enum ConsumerGroupState (fallback Unknown) {
        /// `UNKNOWN`.
        Unknown = RD_KAFKA_CONSUMER_GROUP_STATE_UNKNOWN => "UNKNOWN",
        /// `PREPARING_REBALANCE`.
        PreparingRebalance = RD_KAFKA_CONSUMER_GROUP_STATE_PREPARING_REBALANCE => "PREPARING_REBALANCE",
        /// `COMPLETING_REBALANCE`.
        CompletingRebalance = RD_KAFKA_CONSUMER_GROUP_STATE_COMPLETING_REBALANCE => "COMPLETING_REBALANCE",
        /// `STABLE`.
        Stable = RD_KAFKA_CONSUMER_GROUP_STATE_STABLE => "STABLE",
        /// `DEAD`.
        Dead = RD_KAFKA_CONSUMER_GROUP_STATE_DEAD => "DEAD",
        /// `EMPTY`.
        Empty = RD_KAFKA_CONSUMER_GROUP_STATE_EMPTY => "EMPTY",
    }
}

c_enum! {
    /// Python: `confluent_kafka.ConsumerGroupType`.
    pub enum ConsumerGroupType (fallback Unknown) {
        /// `UNKNOWN`.
        Unknown = RD_KAFKA_CONSUMER_GROUP_TYPE_UNKNOWN => "UNKNOWN",
        /// `CONSUMER`: the KIP-848 protocol.
        Consumer = RD_KAFKA_CONSUMER_GROUP_TYPE_CONSUMER => "CONSUMER",
        /// `CLASSIC`: the classic protocol.
        Classic = RD_KAFKA_CONSUMER_GROUP_TYPE_CLASSIC => "CLASSIC",
    }
}

/// One listed group: Python's `ConsumerGroupListing`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConsumerGroupListing {
    /// Python: `group_id`.
    pub group_id: String,
    /// Python: `is_simple_consumer_group`.
    pub is_simple_consumer_group: bool,
    /// Python: `state`.
    pub state: ConsumerGroupState,
    /// Python: `type`.
    pub group_type: ConsumerGroupType,
}

/// Python: `ListConsumerGroupsResult`: the groups, and the brokers that could not list theirs.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListConsumerGroupsResult {
    /// Python: `valid`.
    pub valid: Vec<ConsumerGroupListing>,
    /// Python: `errors`.
    pub errors: Vec<KafkaError>,
}

/// A group member: Python's `MemberDescription`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MemberDescription {
    /// Python: `member_id`.
    pub member_id: String,
    /// Python: `client_id`.
    pub client_id: String,
    /// Python: `host`.
    pub host: String,
    /// Python: `assignment.topic_partitions`.
    pub assignment: Vec<TopicPartition>,
    /// Python: `group_instance_id` (static membership).
    pub group_instance_id: Option<String>,
    /// Python: `target_assignment.topic_partitions` (consumer-protocol groups only).
    pub target_assignment: Option<Vec<TopicPartition>>,
}

/// A described group: Python's `ConsumerGroupDescription`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConsumerGroupDescription {
    /// Python: `group_id`.
    pub group_id: String,
    /// Python: `is_simple_consumer_group`.
    pub is_simple_consumer_group: bool,
    /// Python: `members`.
    pub members: Vec<MemberDescription>,
    /// Python: `partition_assignor`.
    pub partition_assignor: String,
    /// Python: `state`.
    pub state: ConsumerGroupState,
    /// Python: `type`.
    pub group_type: ConsumerGroupType,
    /// Python: `coordinator`.
    pub coordinator: Option<Node>,
    /// Python: `authorized_operations` (`None` unless requested).
    pub authorized_operations: Option<Vec<AclOperation>>,
}

/// A group and some of its partitions: Python's `ConsumerGroupTopicPartitions(group_id,
/// topic_partitions=None)`, the request and result of the group-offset operations.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConsumerGroupTopicPartitions {
    /// Python: `group_id`.
    pub group_id: String,
    /// Python: `topic_partitions`. In a list request, empty (Python's `None`) means every
    /// partition with a committed offset. In results, each partition carries its committed
    /// offset, metadata and leader epoch, or its own `error`.
    pub topic_partitions: Vec<TopicPartition>,
}

impl ConsumerGroupTopicPartitions {
    /// Python: `ConsumerGroupTopicPartitions(group_id, topic_partitions)`.
    pub fn new(
        group_id: impl Into<String>,
        topic_partitions: Vec<TopicPartition>,
    ) -> ConsumerGroupTopicPartitions {
        ConsumerGroupTopicPartitions {
            group_id: group_id.into(),
            topic_partitions,
        }
    }
}

/// A member of a group in [`AdminClient::list_groups`]: Python's `GroupMember`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GroupMember {
    /// Python: `id`.
    pub id: String,
    /// Python: `client_id`.
    pub client_id: String,
    /// Python: `client_host`.
    pub client_host: String,
    /// Python: `metadata` (the protocol's member metadata, raw).
    pub metadata: Vec<u8>,
    /// Python: `assignment` (raw).
    pub assignment: Vec<u8>,
}

/// A group in [`AdminClient::list_groups`]: Python's `GroupMetadata`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GroupMetadata {
    /// Python: `broker`: the group's coordinator.
    pub broker: BrokerMetadata,
    /// Python: `id`.
    pub id: String,
    /// Python: `error`.
    pub error: Option<KafkaError>,
    /// Python: `state`, e.g. `Stable`.
    pub state: String,
    /// Python: `protocol_type`, e.g. `consumer`.
    pub protocol_type: String,
    /// Python: `protocol`, e.g. `range`.
    pub protocol: String,
    /// Python: `members`.
    pub members: Vec<GroupMember>,
}

const LIST_GROUPS: Op = Op {
    api: sys::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS,
    event: consts::RD_KAFKA_EVENT_LISTCONSUMERGROUPS_RESULT,
    name: "list_consumer_groups",
};
const DESCRIBE_GROUPS: Op = Op {
    api: sys::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS,
    event: consts::RD_KAFKA_EVENT_DESCRIBECONSUMERGROUPS_RESULT,
    name: "describe_consumer_groups",
};
const DELETE_GROUPS: Op = Op {
    api: sys::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_DELETEGROUPS,
    event: consts::RD_KAFKA_EVENT_DELETEGROUPS_RESULT,
    name: "delete_consumer_groups",
};
const LIST_OFFSETS: Op = Op {
    api: sys::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS,
    event: consts::RD_KAFKA_EVENT_LISTCONSUMERGROUPOFFSETS_RESULT,
    name: "list_consumer_group_offsets",
};
const ALTER_OFFSETS: Op = Op {
    api: sys::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS,
    event: consts::RD_KAFKA_EVENT_ALTERCONSUMERGROUPOFFSETS_RESULT,
    name: "alter_consumer_group_offsets",
};

/// Copies `rd_kafka_group_result_t`s: (group, its partitions or error).
///
/// # Safety
/// `p` must be null or point to `n` valid group results for the call.
unsafe fn group_results(
    p: *const *const sys::rd_kafka_group_result_t,
    n: usize,
) -> Vec<(String, Result<ConsumerGroupTopicPartitions>)> {
    // SAFETY: caller contract.
    unsafe { c_array(p, n) }
        .iter()
        .map(|&g| {
            // SAFETY: g is a valid group result; everything is copied.
            unsafe {
                let name = cstr_lossy(sys::rd_kafka_group_result_name(g)).into_owned();
                let result = match borrowed_error(sys::rd_kafka_group_result_error(g)) {
                    Some(e) => Err(e),
                    None => Ok(ConsumerGroupTopicPartitions {
                        group_id: name.clone(),
                        topic_partitions: list_to_partitions(
                            sys::rd_kafka_group_result_partitions(g),
                        ),
                    }),
                };
                (name, result)
            }
        })
        .collect()
}

/// Checks the partitions of a group-offsets request (Python's rules).
fn check_partitions(
    op: &str,
    req: &ConsumerGroupTopicPartitions,
    need_offsets: bool,
) -> Result<()> {
    for tp in &req.topic_partitions {
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
        match (need_offsets, tp.offset) {
            (true, Offset::At(n)) if n >= 0 => {}
            (true, o) => {
                return Err(invalid(
                    op,
                    format!(
                        "{}[{}]: the offset to set must be a concrete offset >= 0, got {o:?}",
                        tp.topic, tp.partition
                    ),
                ))
            }
            (false, Offset::Invalid) => {}
            (false, o) => {
                return Err(invalid(
                    op,
                    format!(
                        "{}[{}]: must not carry an offset (got {o:?})",
                        tp.topic, tp.partition
                    ),
                ))
            }
        }
    }
    require_unique(
        op,
        "topic partition",
        req.topic_partitions
            .iter()
            .map(|tp| (tp.topic.as_str(), tp.partition)),
    )
}

/// The single group of a group-offsets request (librdkafka and Python take exactly one).
fn single_group<'a>(
    op: &str,
    requests: &'a [ConsumerGroupTopicPartitions],
) -> Result<&'a ConsumerGroupTopicPartitions> {
    match requests {
        [one] => {
            name_cstring(op, "group_id", &one.group_id)?;
            Ok(one)
        }
        [] => Err(invalid(op, "expected one ConsumerGroupTopicPartitions")),
        _ => Err(invalid(
            op,
            format!(
                "only one group per request is supported (got {})",
                requests.len()
            ),
        )),
    }
}

impl AdminClient {
    /// Python: `list_consumer_groups(request_timeout, states, types)`: every group the
    /// brokers know, filtered by [`AdminOptions::states`] and [`AdminOptions::types`] (a
    /// duplicate, or the `UNKNOWN` type, is refused before sending).
    pub fn list_consumer_groups(&self, options: &AdminOptions) -> Result<ListConsumerGroupsResult> {
        let event = self.request(LIST_GROUPS, options, |rk, o, q| {
            // SAFETY: rk, o and q are live.
            unsafe { sys::rd_kafka_ListConsumerGroups(rk, o, q) }
        })?;
        let (mut n, mut m) = (0, 0);
        // SAFETY: a live ListConsumerGroups result; listings and errors are copied; enums are
        // read as ints.
        unsafe {
            let res = sys::rd_kafka_event_ListConsumerGroups_result(event.ptr());
            let valid = c_array(
                sys::rd_kafka_ListConsumerGroups_result_valid(res, &mut n),
                n,
            )
            .iter()
            .map(|&l| ConsumerGroupListing {
                group_id: cstr_lossy(sys::rd_kafka_ConsumerGroupListing_group_id(l)).into_owned(),
                is_simple_consumer_group:
                    sys::rd_kafka_ConsumerGroupListing_is_simple_consumer_group(l) != 0,
                state: ConsumerGroupState::from_raw(ffi::group_listing_state(l)),
                group_type: ConsumerGroupType::from_raw(ffi::group_listing_type(l)),
            })
            .collect();
            let errors = c_array(
                sys::rd_kafka_ListConsumerGroups_result_errors(res, &mut m),
                m,
            )
            .iter()
            .filter_map(|&e| borrowed_error(e))
            .collect();
            Ok(ListConsumerGroupsResult { valid, errors })
        }
    }

    /// Python: `describe_consumer_groups(group_ids, include_authorized_operations,
    /// request_timeout)`: one description (or error) per group. Refused before sending: no
    /// groups, an empty id, a duplicate.
    pub fn describe_consumer_groups<S: AsRef<str>>(
        &self,
        group_ids: &[S],
        options: &AdminOptions,
    ) -> Result<BTreeMap<String, Result<ConsumerGroupDescription>>> {
        let op = DESCRIBE_GROUPS.name;
        require_some(op, group_ids, "group id")?;
        require_unique(op, "group id", group_ids.iter().map(AsRef::as_ref))?;
        let names = group_ids
            .iter()
            .map(|g| name_cstring(op, "group id", g.as_ref()))
            .collect::<Result<Vec<CString>>>()?;
        let mut ptrs: Vec<*const c_char> = names.iter().map(|c| c.as_ptr()).collect();
        let event = self.request(DESCRIBE_GROUPS, options, |rk, o, q| {
            // SAFETY: rk, o and q are live; ptrs holds NUL-terminated strings, copied.
            unsafe { sys::rd_kafka_DescribeConsumerGroups(rk, ptrs.as_mut_ptr(), ptrs.len(), o, q) }
        })?;
        let mut n = 0;
        // SAFETY: a live DescribeConsumerGroups result; everything is copied out.
        let got = unsafe {
            let res = sys::rd_kafka_event_DescribeConsumerGroups_result(event.ptr());
            c_array(
                sys::rd_kafka_DescribeConsumerGroups_result_groups(res, &mut n),
                n,
            )
            .iter()
            .map(|&d| {
                let id =
                    cstr_lossy(sys::rd_kafka_ConsumerGroupDescription_group_id(d)).into_owned();
                match borrowed_error(sys::rd_kafka_ConsumerGroupDescription_error(d)) {
                    Some(e) => (id, Err(e)),
                    None => (id.clone(), Ok(describe_group(d, id))),
                }
            })
            .collect()
        };
        Ok(collect(
            op,
            group_ids.iter().map(|g| g.as_ref().to_string()),
            got,
        ))
    }

    /// Python: `delete_consumer_groups(group_ids, request_timeout)`: one result per group
    /// (`GROUP_ID_NOT_FOUND`, `NON_EMPTY_GROUP`, ...).
    ///
    /// Caution: against a broker without the DeleteGroups API (Kafka before 1.1), librdkafka
    /// 2.12.1 releases its reply queue twice (`rd_kafka_DeleteGroupsRequest` and
    /// `rd_kafka_coord_req_fsm` both destroy it), and the process later aborts in
    /// `rd_kafka_q_destroy0`. The same bug is why rkafka does not bind librdkafka's
    /// `DeleteConsumerGroupOffsets` (which Python does not bind either): tansu lacks OffsetDelete.
    pub fn delete_consumer_groups<S: AsRef<str>>(
        &self,
        group_ids: &[S],
        options: &AdminOptions,
    ) -> Result<BTreeMap<String, Result<()>>> {
        let op = DELETE_GROUPS.name;
        require_some(op, group_ids, "group id")?;
        require_unique(op, "group id", group_ids.iter().map(AsRef::as_ref))?;
        let handles = group_ids
            .iter()
            .map(|g| {
                let c = name_cstring(op, "group id", g.as_ref())?;
                // SAFETY: c is NUL-terminated and copied; null or a new object we own.
                unsafe { DeleteGroupHandle::from_raw(sys::rd_kafka_DeleteGroup_new(c.as_ptr())) }
                    .ok_or_else(|| invalid(op, format!("group {:?} refused", g.as_ref())))
            })
            .collect::<Result<Vec<_>>>()?;
        let mut raw: Vec<_> = handles.iter().map(DeleteGroupHandle::ptr).collect();
        let event = self.request(DELETE_GROUPS, options, |rk, o, q| {
            // SAFETY: rk, o and q are live; raw holds live DeleteGroup objects (copied).
            unsafe { sys::rd_kafka_DeleteGroups(rk, raw.as_mut_ptr(), raw.len(), o, q) }
        })?;
        let mut n = 0;
        // SAFETY: a live DeleteGroups result.
        let got = unsafe {
            let res = sys::rd_kafka_event_DeleteGroups_result(event.ptr());
            group_results(sys::rd_kafka_DeleteGroups_result_groups(res, &mut n), n)
        };
        Ok(collect(
            op,
            group_ids.iter().map(|g| g.as_ref().to_string()),
            got.into_iter().map(|(g, r)| (g, r.map(drop))).collect(),
        ))
    }

    /// Python: `list_consumer_group_offsets([ConsumerGroupTopicPartitions], require_stable,
    /// request_timeout)`: the group's committed offsets (all of them when no partitions are
    /// given), each partition with its offset or own error. One group per call, as in Python.
    pub fn list_consumer_group_offsets(
        &self,
        requests: &[ConsumerGroupTopicPartitions],
        options: &AdminOptions,
    ) -> Result<BTreeMap<String, Result<ConsumerGroupTopicPartitions>>> {
        let op = LIST_OFFSETS.name;
        let req = single_group(op, requests)?;
        check_partitions(op, req, false)?;
        let group = name_cstring(op, "group_id", &req.group_id)?;
        let list = (!req.topic_partitions.is_empty())
            .then(|| NativeList::from_partitions(op, &req.topic_partitions))
            .transpose()?;
        // SAFETY: group is NUL-terminated; the list (or null for all) is copied.
        let handle = unsafe {
            ListGroupOffsetsHandle::from_raw(sys::rd_kafka_ListConsumerGroupOffsets_new(
                group.as_ptr(),
                list.as_ref().map_or(std::ptr::null(), |l| l.ptr()),
            ))
        }
        .ok_or_else(|| invalid(op, "librdkafka refused the request"))?;
        let mut raw = [handle.ptr()];
        let event = self.request(LIST_OFFSETS, options, |rk, o, q| {
            // SAFETY: rk, o and q are live; raw holds one live request object (copied).
            unsafe { sys::rd_kafka_ListConsumerGroupOffsets(rk, raw.as_mut_ptr(), 1, o, q) }
        })?;
        let mut n = 0;
        // SAFETY: a live ListConsumerGroupOffsets result.
        let got = unsafe {
            let res = sys::rd_kafka_event_ListConsumerGroupOffsets_result(event.ptr());
            group_results(
                sys::rd_kafka_ListConsumerGroupOffsets_result_groups(res, &mut n),
                n,
            )
        };
        Ok(collect(op, [req.group_id.clone()], got))
    }

    /// Python: `alter_consumer_group_offsets([ConsumerGroupTopicPartitions],
    /// request_timeout)`: commits the given offsets for the group (which must have no active
    /// members); each partition comes back with its own error, if any. One group per call.
    /// Refused before sending: no partitions, a negative partition, a partition twice, an
    /// offset that is not a concrete offset >= 0.
    pub fn alter_consumer_group_offsets(
        &self,
        requests: &[ConsumerGroupTopicPartitions],
        options: &AdminOptions,
    ) -> Result<BTreeMap<String, Result<ConsumerGroupTopicPartitions>>> {
        let op = ALTER_OFFSETS.name;
        let req = single_group(op, requests)?;
        require_some(op, &req.topic_partitions, "topic partition")?;
        check_partitions(op, req, true)?;
        let group = name_cstring(op, "group_id", &req.group_id)?;
        let list = NativeList::from_partitions(op, &req.topic_partitions)?;
        // SAFETY: group is NUL-terminated; the list is copied.
        let handle = unsafe {
            AlterGroupOffsetsHandle::from_raw(sys::rd_kafka_AlterConsumerGroupOffsets_new(
                group.as_ptr(),
                list.ptr(),
            ))
        }
        .ok_or_else(|| invalid(op, "librdkafka refused the request"))?;
        let mut raw = [handle.ptr()];
        let event = self.request(ALTER_OFFSETS, options, |rk, o, q| {
            // SAFETY: rk, o and q are live; raw holds one live request object (copied).
            unsafe { sys::rd_kafka_AlterConsumerGroupOffsets(rk, raw.as_mut_ptr(), 1, o, q) }
        })?;
        let mut n = 0;
        // SAFETY: a live AlterConsumerGroupOffsets result.
        let got = unsafe {
            let res = sys::rd_kafka_event_AlterConsumerGroupOffsets_result(event.ptr());
            group_results(
                sys::rd_kafka_AlterConsumerGroupOffsets_result_groups(res, &mut n),
                n,
            )
        };
        Ok(collect(op, [req.group_id.clone()], got))
    }

    /// Python: `list_groups(group=None, timeout=-1)` (deprecated there in favour of
    /// [`AdminClient::list_consumer_groups`] and [`AdminClient::describe_consumer_groups`]):
    /// asks every broker for its groups (or only `group`). Fails if any broker did not answer
    /// in time (`_PARTIAL`/`_TIMED_OUT`), as Python does.
    pub fn list_groups(
        &self,
        group: Option<&str>,
        timeout: impl Into<Timeout>,
    ) -> Result<Vec<GroupMetadata>> {
        let op = "list_groups";
        let group = group.map(|g| name_cstring(op, "group id", g)).transpose()?;
        let mut list: *const sys::rd_kafka_group_list = std::ptr::null();
        // SAFETY: the client is live; group is null or NUL-terminated; list is an out-pointer.
        let code = unsafe {
            ffi::list_groups(
                self.client.ptr(),
                group.as_ref().map_or(std::ptr::null(), |g| g.as_ptr()),
                &mut list,
                timeout.into().as_millis_i32(),
            )
        };
        /// Frees the group list on every path.
        struct Guard(*const sys::rd_kafka_group_list);
        impl Drop for Guard {
            fn drop(&mut self) {
                if !self.0.is_null() {
                    // SAFETY: a list returned by rd_kafka_list_groups, freed once.
                    unsafe { sys::rd_kafka_group_list_destroy(self.0) }
                }
            }
        }
        let guard = Guard(list);
        if let Some(e) = KafkaError::from_raw(code) {
            return Err(KafkaError::new(
                e.code(),
                format!("Failed to list groups: {}", e.str()),
            ));
        }
        if guard.0.is_null() {
            return Ok(Vec::new());
        }
        // SAFETY: a valid group list until the guard drops; counts and pointers are consistent
        // (librdkafka's contract); everything is copied; error codes are read as ints.
        Ok(unsafe {
            let l = &*guard.0;
            slice(l.groups, l.group_cnt)
                .iter()
                .map(|g| GroupMetadata {
                    broker: BrokerMetadata {
                        id: g.broker.id,
                        host: cstr_lossy(g.broker.host).into_owned(),
                        port: g.broker.port,
                    },
                    id: cstr_lossy(g.group).into_owned(),
                    error: KafkaError::from_raw(read_err(std::ptr::addr_of!(g.err))),
                    state: cstr_lossy(g.state).into_owned(),
                    protocol_type: cstr_lossy(g.protocol_type).into_owned(),
                    protocol: cstr_lossy(g.protocol).into_owned(),
                    members: slice(g.members, g.member_cnt)
                        .iter()
                        .map(|m| GroupMember {
                            id: cstr_lossy(m.member_id).into_owned(),
                            client_id: cstr_lossy(m.client_id).into_owned(),
                            client_host: cstr_lossy(m.client_host).into_owned(),
                            metadata: bytes(m.member_metadata, m.member_metadata_size),
                            assignment: bytes(m.member_assignment, m.member_assignment_size),
                        })
                        .collect(),
                })
                .collect()
        })
    }
}

/// # Safety
/// `p` must be null or point to `n` valid `T`s for the returned lifetime.
unsafe fn slice<'a, T>(p: *const T, n: i32) -> &'a [T] {
    if p.is_null() || n <= 0 {
        &[]
    } else {
        // SAFETY: caller contract.
        unsafe { std::slice::from_raw_parts(p, n as usize) }
    }
}

/// # Safety
/// `p` must be null or point to `n` readable bytes.
unsafe fn bytes(p: *const libc::c_void, n: i32) -> Vec<u8> {
    // SAFETY: caller contract.
    unsafe { slice(p.cast::<u8>(), n) }.to_vec()
}

/// Copies one group description.
///
/// # Safety
/// `d` must be a valid description for the call.
unsafe fn describe_group(
    d: *const sys::rd_kafka_ConsumerGroupDescription_t,
    group_id: String,
) -> ConsumerGroupDescription {
    // SAFETY: d is valid (caller contract); members and assignments belong to it; everything
    // is copied; enums are read as ints.
    unsafe {
        let members = (0..sys::rd_kafka_ConsumerGroupDescription_member_count(d))
            .map(|i| sys::rd_kafka_ConsumerGroupDescription_member(d, i))
            .filter(|m| !m.is_null())
            .map(|m| {
                let assignment = sys::rd_kafka_MemberDescription_assignment(m);
                let target = sys::rd_kafka_MemberDescription_target_assignment(m);
                MemberDescription {
                    member_id: cstr_lossy(sys::rd_kafka_MemberDescription_consumer_id(m))
                        .into_owned(),
                    client_id: cstr_lossy(sys::rd_kafka_MemberDescription_client_id(m))
                        .into_owned(),
                    host: cstr_lossy(sys::rd_kafka_MemberDescription_host(m)).into_owned(),
                    assignment: if assignment.is_null() {
                        Vec::new()
                    } else {
                        list_to_partitions(sys::rd_kafka_MemberAssignment_partitions(assignment))
                    },
                    group_instance_id: opt_string(
                        sys::rd_kafka_MemberDescription_group_instance_id(m),
                    ),
                    target_assignment: (!target.is_null()).then(|| {
                        list_to_partitions(sys::rd_kafka_MemberAssignment_partitions(target))
                    }),
                }
            })
            .collect();
        let mut no = 0;
        let ops = ffi::group_description_authorized_operations(d, &mut no);
        ConsumerGroupDescription {
            group_id,
            is_simple_consumer_group:
                sys::rd_kafka_ConsumerGroupDescription_is_simple_consumer_group(d) != 0,
            members,
            partition_assignor: cstr_lossy(
                sys::rd_kafka_ConsumerGroupDescription_partition_assignor(d),
            )
            .into_owned(),
            state: ConsumerGroupState::from_raw(ffi::group_description_state(d)),
            group_type: ConsumerGroupType::from_raw(ffi::group_description_type(d)),
            coordinator: Node::from_raw(sys::rd_kafka_ConsumerGroupDescription_coordinator(d)),
            authorized_operations: acl_operations(ops, no),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_offset_requests_are_checked() {
        let op = "alter_consumer_group_offsets";
        let ok =
            ConsumerGroupTopicPartitions::new("g", vec![TopicPartition::with_offset("t", 0, 5)]);
        assert!(check_partitions(op, &ok, true).is_ok());
        let e = check_partitions(
            op,
            &ConsumerGroupTopicPartitions::new("g", vec![TopicPartition::new("t", 0)]),
            true,
        )
        .unwrap_err();
        assert!(e.str().contains("concrete offset"), "{e}");
        let e = check_partitions(
            op,
            &ConsumerGroupTopicPartitions::new("g", vec![TopicPartition::with_offset("t", -1, 5)]),
            true,
        )
        .unwrap_err();
        assert!(e.str().contains("negative"), "{e}");
        let e = check_partitions(
            op,
            &ConsumerGroupTopicPartitions::new(
                "g",
                vec![
                    TopicPartition::with_offset("t", 0, 5),
                    TopicPartition::with_offset("t", 0, 6),
                ],
            ),
            true,
        )
        .unwrap_err();
        assert!(e.str().contains("duplicate topic partition"), "{e}");
        let two = [ok.clone(), ok];
        assert!(single_group(op, &two)
            .unwrap_err()
            .str()
            .contains("only one group"));
    }
}
