//! Topics, partitions and the cluster: create/delete topics, create partitions, describe
//! topics and the cluster.

use std::collections::BTreeMap;
use std::ffi::CString;

use libc::{c_char, c_int};
use rdkafka_sys::bindings as sys;

use super::native::{
    ffi, DeleteTopicHandle, NewPartitionsHandle, NewTopicHandle, TopicCollectionHandle,
};
use super::{
    borrowed_error, c_array, collect, error_with, invalid, invalid_from_errbuf, name_cstring,
    opt_string, require_some, require_unique, AclOperation, AdminClient, AdminOptions, Op,
};
use crate::consts;
use crate::error::cstring;
use crate::error::{KafkaError, Result};
use crate::topic_partition::{check_topic_name, topic_cstring};
use crate::util::cstr_lossy;

/// librdkafka's limits (`RD_KAFKAP_PARTITIONS_MAX`, `RD_KAFKAP_BROKERS_MAX`).
const MAX_PARTITIONS: i32 = 100_000;
const MAX_REPLICAS: i32 = 10_000;

/// A topic to create: Python's `NewTopic(topic, num_partitions=-1, replication_factor=-1,
/// replica_assignment=None, config=None)`.
///
/// ```
/// use rkafka::admin::NewTopic;
/// let t = NewTopic::new("orders", 6, 3).config("cleanup.policy", "compact");
/// let manual = NewTopic::new("pinned", 2, -1).replica_assignment(vec![vec![1, 2], vec![2, 3]]);
/// # let _ = (t, manual);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NewTopic {
    /// Python: `topic`.
    pub topic: String,
    /// Python: `num_partitions`: at least 1, or -1 for the broker's default.
    pub num_partitions: i32,
    /// Python: `replication_factor`: at least 1, or -1 for the broker's default (required
    /// with a replica assignment).
    pub replication_factor: i32,
    /// Python: `replica_assignment`: for each partition in order, its replicas' broker ids
    /// (the first is the preferred leader). Empty: the broker assigns.
    pub replica_assignment: Vec<Vec<i32>>,
    /// Python: `config`: topic configuration (`cleanup.policy`, `retention.ms`, ...).
    pub config: BTreeMap<String, String>,
}

impl NewTopic {
    /// Python: `NewTopic(topic, num_partitions, replication_factor)`.
    pub fn new(topic: impl Into<String>, num_partitions: i32, replication_factor: i32) -> NewTopic {
        NewTopic {
            topic: topic.into(),
            num_partitions,
            replication_factor,
            replica_assignment: Vec::new(),
            config: BTreeMap::new(),
        }
    }

    /// Sets the replica assignment (the replication factor must then be -1).
    pub fn replica_assignment(mut self, assignment: Vec<Vec<i32>>) -> NewTopic {
        self.replica_assignment = assignment;
        self
    }

    /// Adds one topic configuration entry.
    pub fn config(mut self, name: impl Into<String>, value: impl Into<String>) -> NewTopic {
        self.config.insert(name.into(), value.into());
        self
    }

    fn to_native(&self, op: &str) -> Result<NewTopicHandle> {
        check_topic_name(op, &self.topic)?;
        let t = &self.topic;
        if self.num_partitions == 0
            || self.num_partitions < -1
            || self.num_partitions > MAX_PARTITIONS
        {
            return Err(invalid(
                op,
                format!(
                    "topic {t:?}: num_partitions must be between 1 and {MAX_PARTITIONS}, or -1 for the broker default; got {}",
                    self.num_partitions
                ),
            ));
        }
        if self.replication_factor == 0
            || self.replication_factor < -1
            || self.replication_factor > MAX_REPLICAS
        {
            return Err(invalid(
                op,
                format!(
                    "topic {t:?}: replication_factor must be between 1 and {MAX_REPLICAS}, or -1 for the broker default; got {}",
                    self.replication_factor
                ),
            ));
        }
        let mut num_partitions = self.num_partitions;
        if !self.replica_assignment.is_empty() {
            if self.replication_factor != -1 {
                return Err(invalid(
                    op,
                    format!("topic {t:?}: replication_factor must be -1 when a replica_assignment is given (they are mutually exclusive)"),
                ));
            }
            let n = self.replica_assignment.len() as i32;
            if num_partitions == -1 {
                num_partitions = n;
            } else if num_partitions != n {
                return Err(invalid(
                    op,
                    format!("topic {t:?}: replica_assignment has {n} partition(s) but num_partitions is {num_partitions}"),
                ));
            }
            check_assignment(op, t, &self.replica_assignment)?;
        }
        let name = cstring("topic name", t).map_err(|e| invalid(op, e.str()))?;
        let mut errbuf = [0 as c_char; 512];
        // SAFETY: name is NUL-terminated and copied; errbuf is writable for its length.
        let raw = unsafe {
            sys::rd_kafka_NewTopic_new(
                name.as_ptr(),
                num_partitions,
                self.replication_factor,
                errbuf.as_mut_ptr(),
                errbuf.len(),
            )
        };
        // SAFETY: null or a new object we own.
        let handle = unsafe { NewTopicHandle::from_raw(raw) }
            .ok_or_else(|| invalid_from_errbuf(op, &errbuf))?;
        set_replica_assignment(op, &self.replica_assignment, &mut errbuf, |i, ids, eb| {
            // SAFETY: the handle is live; ids is a writable array of ids.len() ints that
            // librdkafka copies; eb is writable for its length.
            unsafe {
                ffi::new_topic_set_replica_assignment(
                    handle.ptr(),
                    i,
                    ids.as_mut_ptr(),
                    ids.len(),
                    eb.as_mut_ptr(),
                    eb.len(),
                )
            }
        })?;
        for (k, v) in &self.config {
            let ck = name_cstring(op, "config name", k)?;
            let cv = cstring("config value", v).map_err(|e| invalid(op, e.str()))?;
            // SAFETY: the handle is live; both strings are NUL-terminated and copied.
            let code = unsafe { ffi::new_topic_set_config(handle.ptr(), ck.as_ptr(), cv.as_ptr()) };
            if code != 0 {
                return Err(invalid(
                    op,
                    format!(
                        "topic {t:?}: config {k:?} refused ({})",
                        crate::ErrorCode::from_raw(code)
                    ),
                ));
            }
        }
        Ok(handle)
    }
}

/// Checks a replica assignment: every partition has replicas, all the same count, no broker
/// twice in one partition, no negative broker id.
fn check_assignment(op: &str, topic: &str, assignment: &[Vec<i32>]) -> Result<()> {
    let width = assignment.first().map_or(0, Vec::len);
    for (p, replicas) in assignment.iter().enumerate() {
        if replicas.is_empty() {
            return Err(invalid(
                op,
                format!("topic {topic:?}: replica_assignment for partition {p} is empty"),
            ));
        }
        if replicas.len() != width {
            return Err(invalid(
                op,
                format!("topic {topic:?}: every partition must have the same number of replicas ({width} for the first, {} for partition {p})", replicas.len()),
            ));
        }
        if let Some(b) = replicas.iter().find(|&&b| b < 0) {
            return Err(invalid(
                op,
                format!("topic {topic:?}: negative broker id {b} in replica_assignment for partition {p}"),
            ));
        }
        let mut sorted = replicas.clone();
        sorted.sort_unstable();
        if let Some(w) = sorted.windows(2).find(|w| w[0] == w[1]) {
            return Err(invalid(
                op,
                format!("topic {topic:?}: broker {} appears twice in replica_assignment for partition {p}", w[0]),
            ));
        }
    }
    Ok(())
}

/// Partitions to add to a topic: Python's `NewPartitions(topic, new_total_count,
/// replica_assignment=None)`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NewPartitions {
    /// Python: `topic`.
    pub topic: String,
    /// Python: `new_total_count`: the topic's partition count afterwards.
    pub new_total_count: i32,
    /// Python: `replica_assignment`: for each *new* partition in order, its replicas' broker
    /// ids. Empty: the broker assigns.
    pub replica_assignment: Vec<Vec<i32>>,
}

impl NewPartitions {
    /// Python: `NewPartitions(topic, new_total_count)`.
    pub fn new(topic: impl Into<String>, new_total_count: i32) -> NewPartitions {
        NewPartitions {
            topic: topic.into(),
            new_total_count,
            replica_assignment: Vec::new(),
        }
    }

    /// Sets the replica assignment of the new partitions.
    pub fn replica_assignment(mut self, assignment: Vec<Vec<i32>>) -> NewPartitions {
        self.replica_assignment = assignment;
        self
    }

    fn to_native(&self, op: &str) -> Result<NewPartitionsHandle> {
        let t = &self.topic;
        let name = topic_cstring(op, t)?;
        if self.new_total_count < 1 || self.new_total_count > MAX_PARTITIONS {
            return Err(invalid(
                op,
                format!(
                    "topic {t:?}: new_total_count must be between 1 and {MAX_PARTITIONS}; got {}",
                    self.new_total_count
                ),
            ));
        }
        if self.replica_assignment.len() as i64 > i64::from(self.new_total_count) {
            return Err(invalid(
                op,
                format!(
                    "topic {t:?}: replica_assignment has {} partition(s), more than new_total_count {}",
                    self.replica_assignment.len(),
                    self.new_total_count
                ),
            ));
        }
        check_assignment(op, t, &self.replica_assignment)?;
        let mut errbuf = [0 as c_char; 512];
        // SAFETY: name is NUL-terminated and copied; errbuf is writable for its length.
        let raw = unsafe {
            sys::rd_kafka_NewPartitions_new(
                name.as_ptr(),
                self.new_total_count as usize,
                errbuf.as_mut_ptr(),
                errbuf.len(),
            )
        };
        // SAFETY: null or a new object we own.
        let handle = unsafe { NewPartitionsHandle::from_raw(raw) }
            .ok_or_else(|| invalid_from_errbuf(op, &errbuf))?;
        set_replica_assignment(op, &self.replica_assignment, &mut errbuf, |i, ids, eb| {
            // SAFETY: the handle is live; ids is a writable array of ids.len() ints that
            // librdkafka copies; eb is writable for its length.
            unsafe {
                ffi::new_partitions_set_replica_assignment(
                    handle.ptr(),
                    i,
                    ids.as_mut_ptr(),
                    ids.len(),
                    eb.as_mut_ptr(),
                    eb.len(),
                )
            }
        })?;
        Ok(handle)
    }
}

/// Applies a replica assignment (one broker-id list per partition, in order) through `set`,
/// the `rd_kafka_New*_set_replica_assignment` call of the object being built.
fn set_replica_assignment(
    op: &str,
    assignment: &[Vec<i32>],
    errbuf: &mut [libc::c_char],
    mut set: impl FnMut(i32, &mut Vec<i32>, &mut [libc::c_char]) -> libc::c_int,
) -> Result<()> {
    for (i, replicas) in assignment.iter().enumerate() {
        let mut ids = replicas.clone();
        if set(i as i32, &mut ids, errbuf) != 0 {
            return Err(invalid_from_errbuf(op, errbuf));
        }
    }
    Ok(())
}

/// A broker: Python's `confluent_kafka.Node`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Node {
    /// Python: `id`.
    pub id: i32,
    /// Python: `host`.
    pub host: String,
    /// Python: `port`.
    pub port: u16,
    /// Python: `rack` (`None` if the broker has none).
    pub rack: Option<String>,
}

impl Node {
    /// # Safety
    /// `node` must be null or valid for the call.
    pub(super) unsafe fn from_raw(node: *const sys::rd_kafka_Node_t) -> Option<Node> {
        if node.is_null() {
            return None;
        }
        // SAFETY: node is valid (caller contract); strings are copied.
        unsafe {
            Some(Node {
                id: sys::rd_kafka_Node_id(node),
                host: cstr_lossy(sys::rd_kafka_Node_host(node)).into_owned(),
                port: sys::rd_kafka_Node_port(node),
                rack: opt_string(sys::rd_kafka_Node_rack(node)),
            })
        }
    }
}

/// A topic id: Python's `confluent_kafka.Uuid`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub struct Uuid {
    /// Python: `get_most_significant_bits()`.
    pub most_significant_bits: i64,
    /// Python: `get_least_significant_bits()`.
    pub least_significant_bits: i64,
    /// Python: `str(uuid)`: Kafka's base64 form.
    pub base64: String,
}

impl std::fmt::Display for Uuid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.base64)
    }
}

/// One partition of a described topic: Python's `TopicPartitionInfo`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TopicPartitionInfo {
    /// Python: `id`.
    pub id: i32,
    /// Python: `leader` (`None` if the partition has none).
    pub leader: Option<Node>,
    /// Python: `replicas`.
    pub replicas: Vec<Node>,
    /// Python: `isr`.
    pub isr: Vec<Node>,
}

/// A described topic: Python's `TopicDescription`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TopicDescription {
    /// Python: `name`.
    pub name: String,
    /// Python: `topic_id`.
    pub topic_id: Option<Uuid>,
    /// Python: `is_internal`.
    pub is_internal: bool,
    /// Python: `partitions`, in partition order.
    pub partitions: Vec<TopicPartitionInfo>,
    /// Python: `authorized_operations` (`None` unless requested with
    /// [`AdminOptions::include_authorized_operations`]).
    pub authorized_operations: Option<Vec<AclOperation>>,
}

/// The cluster: Python's `DescribeClusterResult`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DescribeClusterResult {
    /// Python: `cluster_id`.
    pub cluster_id: Option<String>,
    /// Python: `controller` (`None` if unknown).
    pub controller: Option<Node>,
    /// Python: `nodes`.
    pub nodes: Vec<Node>,
    /// Python: `authorized_operations` (`None` unless requested).
    pub authorized_operations: Option<Vec<AclOperation>>,
}

/// Copies a C array of nodes.
///
/// # Safety
/// `p` must be null or point to `n` valid node pointers for the call.
unsafe fn nodes(p: *const *const sys::rd_kafka_Node_t, n: usize) -> Vec<Node> {
    // SAFETY: caller contract.
    unsafe { c_array(p, n) }
        .iter()
        // SAFETY: each element is a valid node (caller contract).
        .filter_map(|&node| unsafe { Node::from_raw(node) })
        .collect()
}

/// Copies an array of ACL operations read as ints (`None` when the array is null: not
/// requested).
///
/// # Safety
/// `p` must be null or point to `n` readable ints.
pub(super) unsafe fn acl_operations(p: *const c_int, n: usize) -> Option<Vec<AclOperation>> {
    if p.is_null() {
        return None;
    }
    if n == 0 {
        return Some(Vec::new());
    }
    // SAFETY: caller contract.
    let raw = unsafe { std::slice::from_raw_parts(p, n) };
    Some(raw.iter().map(|&v| AclOperation::from_raw(v)).collect())
}

/// Copies `rd_kafka_topic_result_t`s: (topic, per-topic result).
///
/// # Safety
/// `p` must be null or point to `n` valid topic results for the call.
unsafe fn topic_results(
    p: *const *const sys::rd_kafka_topic_result_t,
    n: usize,
) -> Vec<(String, Result<()>)> {
    // SAFETY: caller contract.
    unsafe { c_array(p, n) }
        .iter()
        .map(|&r| {
            // SAFETY: r is a valid topic result; the code is read as an int and the strings
            // are copied.
            unsafe {
                let name = cstr_lossy(sys::rd_kafka_topic_result_name(r)).into_owned();
                let code = ffi::topic_result_error(r);
                let result = if code == 0 {
                    Ok(())
                } else {
                    Err(error_with(
                        code,
                        cstr_lossy(sys::rd_kafka_topic_result_error_string(r)).into_owned(),
                    ))
                };
                (name, result)
            }
        })
        .collect()
}

const CREATE_TOPICS: Op = Op {
    api: sys::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_CREATETOPICS,
    event: consts::RD_KAFKA_EVENT_CREATETOPICS_RESULT,
    name: "create_topics",
};
const DELETE_TOPICS: Op = Op {
    api: sys::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_DELETETOPICS,
    event: consts::RD_KAFKA_EVENT_DELETETOPICS_RESULT,
    name: "delete_topics",
};
const CREATE_PARTITIONS: Op = Op {
    api: sys::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_CREATEPARTITIONS,
    event: consts::RD_KAFKA_EVENT_CREATEPARTITIONS_RESULT,
    name: "create_partitions",
};
const DESCRIBE_TOPICS: Op = Op {
    api: sys::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_DESCRIBETOPICS,
    event: consts::RD_KAFKA_EVENT_DESCRIBETOPICS_RESULT,
    name: "describe_topics",
};
const DESCRIBE_CLUSTER: Op = Op {
    api: sys::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_DESCRIBECLUSTER,
    event: consts::RD_KAFKA_EVENT_DESCRIBECLUSTER_RESULT,
    name: "describe_cluster",
};

impl AdminClient {
    /// Python: `create_topics(new_topics, operation_timeout, request_timeout, validate_only)`:
    /// one result per topic name.
    ///
    /// Refused before sending (`_INVALID_ARG`): no topics, a duplicate topic, an invalid
    /// topic name, `num_partitions` or `replication_factor` of 0 or below -1, a replica
    /// assignment that conflicts with them or is malformed.
    pub fn create_topics(
        &self,
        new_topics: &[NewTopic],
        options: &AdminOptions,
    ) -> Result<BTreeMap<String, Result<()>>> {
        let op = CREATE_TOPICS.name;
        require_some(op, new_topics, "NewTopic")?;
        require_unique(op, "topic", new_topics.iter().map(|t| t.topic.as_str()))?;
        let handles = new_topics
            .iter()
            .map(|t| t.to_native(op))
            .collect::<Result<Vec<_>>>()?;
        let mut raw: Vec<_> = handles.iter().map(NewTopicHandle::ptr).collect();
        let event = self.request(CREATE_TOPICS, options, |rk, o, q| {
            // SAFETY: rk, o and q are live; raw holds raw.len() live NewTopic objects, which
            // librdkafka copies.
            unsafe { sys::rd_kafka_CreateTopics(rk, raw.as_mut_ptr(), raw.len(), o, q) }
        })?;
        let mut n = 0;
        // SAFETY: the event is a live CreateTopics result; the results live as long as it.
        let got = unsafe {
            let res = sys::rd_kafka_event_CreateTopics_result(event.ptr());
            topic_results(sys::rd_kafka_CreateTopics_result_topics(res, &mut n), n)
        };
        Ok(collect(op, new_topics.iter().map(|t| t.topic.clone()), got))
    }

    /// Python: `delete_topics(topics, operation_timeout, request_timeout)`: one result per
    /// topic. Refused before sending: no topics, an empty name, a duplicate.
    pub fn delete_topics<S: AsRef<str>>(
        &self,
        topics: &[S],
        options: &AdminOptions,
    ) -> Result<BTreeMap<String, Result<()>>> {
        let op = DELETE_TOPICS.name;
        require_some(op, topics, "topic")?;
        require_unique(op, "topic", topics.iter().map(AsRef::as_ref))?;
        let handles = topics
            .iter()
            .map(|t| {
                let c = topic_cstring(op, t.as_ref())?;
                // SAFETY: c is NUL-terminated and copied; a new object we own (or null).
                unsafe { DeleteTopicHandle::from_raw(sys::rd_kafka_DeleteTopic_new(c.as_ptr())) }
                    .ok_or_else(|| invalid(op, format!("topic {:?} refused", t.as_ref())))
            })
            .collect::<Result<Vec<_>>>()?;
        let mut raw: Vec<_> = handles.iter().map(DeleteTopicHandle::ptr).collect();
        let event = self.request(DELETE_TOPICS, options, |rk, o, q| {
            // SAFETY: rk, o and q are live; raw holds live DeleteTopic objects (copied).
            unsafe { sys::rd_kafka_DeleteTopics(rk, raw.as_mut_ptr(), raw.len(), o, q) }
        })?;
        let mut n = 0;
        // SAFETY: a live DeleteTopics result event.
        let got = unsafe {
            let res = sys::rd_kafka_event_DeleteTopics_result(event.ptr());
            topic_results(sys::rd_kafka_DeleteTopics_result_topics(res, &mut n), n)
        };
        Ok(collect(
            op,
            topics.iter().map(|t| t.as_ref().to_string()),
            got,
        ))
    }

    /// Python: `create_partitions(new_partitions, operation_timeout, request_timeout,
    /// validate_only)`: one result per topic. Refused before sending: no entries, a duplicate
    /// topic, an empty name, `new_total_count` below 1, a malformed replica assignment.
    pub fn create_partitions(
        &self,
        new_partitions: &[NewPartitions],
        options: &AdminOptions,
    ) -> Result<BTreeMap<String, Result<()>>> {
        let op = CREATE_PARTITIONS.name;
        require_some(op, new_partitions, "NewPartitions")?;
        require_unique(op, "topic", new_partitions.iter().map(|p| p.topic.as_str()))?;
        let handles = new_partitions
            .iter()
            .map(|p| p.to_native(op))
            .collect::<Result<Vec<_>>>()?;
        let mut raw: Vec<_> = handles.iter().map(NewPartitionsHandle::ptr).collect();
        let event = self.request(CREATE_PARTITIONS, options, |rk, o, q| {
            // SAFETY: rk, o and q are live; raw holds live NewPartitions objects (copied).
            unsafe { sys::rd_kafka_CreatePartitions(rk, raw.as_mut_ptr(), raw.len(), o, q) }
        })?;
        let mut n = 0;
        // SAFETY: a live CreatePartitions result event.
        let got = unsafe {
            let res = sys::rd_kafka_event_CreatePartitions_result(event.ptr());
            topic_results(sys::rd_kafka_CreatePartitions_result_topics(res, &mut n), n)
        };
        Ok(collect(
            op,
            new_partitions.iter().map(|p| p.topic.clone()),
            got,
        ))
    }

    /// Python: `describe_topics(TopicCollection(topics), include_authorized_operations,
    /// request_timeout)`: one description (or error, e.g. `UNKNOWN_TOPIC_OR_PART`) per topic.
    /// Refused before sending: no topics, an empty name, a duplicate.
    pub fn describe_topics<S: AsRef<str>>(
        &self,
        topics: &[S],
        options: &AdminOptions,
    ) -> Result<BTreeMap<String, Result<TopicDescription>>> {
        let op = DESCRIBE_TOPICS.name;
        require_some(op, topics, "topic")?;
        require_unique(op, "topic", topics.iter().map(AsRef::as_ref))?;
        let names = topics
            .iter()
            .map(|t| topic_cstring(op, t.as_ref()))
            .collect::<Result<Vec<CString>>>()?;
        let mut ptrs: Vec<*const c_char> = names.iter().map(|c| c.as_ptr()).collect();
        // SAFETY: ptrs holds ptrs.len() NUL-terminated strings, copied by librdkafka.
        let collection = unsafe {
            TopicCollectionHandle::from_raw(sys::rd_kafka_TopicCollection_of_topic_names(
                ptrs.as_mut_ptr(),
                ptrs.len(),
            ))
        }
        .ok_or_else(|| invalid(op, "librdkafka refused the topic collection"))?;
        let event = self.request(DESCRIBE_TOPICS, options, |rk, o, q| {
            // SAFETY: rk, o, q and the collection are live; the collection is copied.
            unsafe { sys::rd_kafka_DescribeTopics(rk, collection.ptr(), o, q) }
        })?;
        let mut n = 0;
        // SAFETY: a live DescribeTopics result event; every description, partition and node
        // read below lives as long as it, and everything is copied out.
        let got = unsafe {
            let res = sys::rd_kafka_event_DescribeTopics_result(event.ptr());
            c_array(sys::rd_kafka_DescribeTopics_result_topics(res, &mut n), n)
                .iter()
                .map(|&d| {
                    let name = cstr_lossy(sys::rd_kafka_TopicDescription_name(d)).into_owned();
                    if let Some(e) = borrowed_error(sys::rd_kafka_TopicDescription_error(d)) {
                        return (name, Err(e));
                    }
                    (name.clone(), Ok(describe_topic(d, name)))
                })
                .collect()
        };
        Ok(collect(
            op,
            topics.iter().map(|t| t.as_ref().to_string()),
            got,
        ))
    }

    /// Python: `describe_cluster(include_authorized_operations, request_timeout)`.
    pub fn describe_cluster(&self, options: &AdminOptions) -> Result<DescribeClusterResult> {
        let event = self.request(DESCRIBE_CLUSTER, options, |rk, o, q| {
            // SAFETY: rk, o and q are live.
            unsafe { sys::rd_kafka_DescribeCluster(rk, o, q) }
        })?;
        // SAFETY: a live DescribeCluster result event; everything is copied out.
        unsafe {
            let res = sys::rd_kafka_event_DescribeCluster_result(event.ptr());
            if res.is_null() {
                return Err(KafkaError::new(
                    crate::ErrorCode::Fail,
                    "describe_cluster: the event carries no result",
                ));
            }
            let mut n = 0;
            let node_list = nodes(sys::rd_kafka_DescribeCluster_result_nodes(res, &mut n), n);
            let mut m = 0;
            let ops = ffi::describe_cluster_result_authorized_operations(res, &mut m);
            Ok(DescribeClusterResult {
                cluster_id: opt_string(sys::rd_kafka_DescribeCluster_result_cluster_id(res)),
                controller: Node::from_raw(sys::rd_kafka_DescribeCluster_result_controller(res)),
                nodes: node_list,
                authorized_operations: acl_operations(ops, m),
            })
        }
    }
}

/// Copies one topic description.
///
/// # Safety
/// `d` must be a valid topic description for the call.
unsafe fn describe_topic(
    d: *const sys::rd_kafka_TopicDescription_t,
    name: String,
) -> TopicDescription {
    // SAFETY: d is valid (caller contract); all reads are copied.
    unsafe {
        let id = sys::rd_kafka_TopicDescription_topic_id(d);
        let topic_id = (!id.is_null()).then(|| Uuid {
            most_significant_bits: sys::rd_kafka_Uuid_most_significant_bits(id),
            least_significant_bits: sys::rd_kafka_Uuid_least_significant_bits(id),
            base64: cstr_lossy(sys::rd_kafka_Uuid_base64str(id)).into_owned(),
        });
        let mut np = 0;
        let partitions = c_array(sys::rd_kafka_TopicDescription_partitions(d, &mut np), np)
            .iter()
            .map(|&p| {
                let (mut nr, mut ni) = (0, 0);
                TopicPartitionInfo {
                    id: sys::rd_kafka_TopicPartitionInfo_partition(p),
                    leader: Node::from_raw(sys::rd_kafka_TopicPartitionInfo_leader(p)),
                    replicas: nodes(sys::rd_kafka_TopicPartitionInfo_replicas(p, &mut nr), nr),
                    isr: nodes(sys::rd_kafka_TopicPartitionInfo_isr(p, &mut ni), ni),
                }
            })
            .collect();
        let mut no = 0;
        let ops = ffi::topic_description_authorized_operations(d, &mut no);
        TopicDescription {
            name,
            topic_id,
            is_internal: sys::rd_kafka_TopicDescription_is_internal(d) != 0,
            partitions,
            authorized_operations: acl_operations(ops, no),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_topic_validation() {
        let op = "create_topics";
        assert!(NewTopic::new("ok", 1, 1).to_native(op).is_ok());
        assert!(NewTopic::new("ok", -1, -1).to_native(op).is_ok());
        for (t, why) in [
            (NewTopic::new("", 1, 1), "empty"),
            (NewTopic::new("bad name", 1, 1), "not allowed"),
            (NewTopic::new("t", 0, 1), "num_partitions must be"),
            (NewTopic::new("t", -2, 1), "num_partitions must be"),
            (NewTopic::new("t", 1, 0), "replication_factor must be"),
            (
                NewTopic::new("t", 2, 1).replica_assignment(vec![vec![1], vec![2]]),
                "mutually exclusive",
            ),
            (
                NewTopic::new("t", 3, -1).replica_assignment(vec![vec![1], vec![2]]),
                "has 2 partition(s) but num_partitions is 3",
            ),
            (
                NewTopic::new("t", -1, -1).replica_assignment(vec![vec![1, 1]]),
                "appears twice",
            ),
            (
                NewTopic::new("t", -1, -1).replica_assignment(vec![vec![1, 2], vec![1]]),
                "same number of replicas",
            ),
            (
                NewTopic::new("t", 1, 1).config("", "x"),
                "config name must not be empty",
            ),
        ] {
            let e = t
                .to_native(op)
                .err()
                .unwrap_or_else(|| panic!("{t:?} accepted"));
            assert_eq!(e.code(), crate::ErrorCode::InvalidArg);
            assert!(e.str().contains(why), "{t:?}: {e}");
        }
        assert!(NewTopic::new("t", -1, -1)
            .replica_assignment(vec![vec![1, 2], vec![2, 1]])
            .to_native(op)
            .is_ok());
    }

    #[test]
    fn new_partitions_validation() {
        let op = "create_partitions";
        assert!(NewPartitions::new("t", 3).to_native(op).is_ok());
        for (p, why) in [
            (NewPartitions::new("", 3), "empty"),
            (NewPartitions::new("t", 0), "new_total_count"),
            (
                NewPartitions::new("t", 1).replica_assignment(vec![vec![1], vec![2]]),
                "more than new_total_count",
            ),
        ] {
            let e = p.to_native(op).err().unwrap();
            assert!(e.str().contains(why), "{e}");
        }
    }
}
