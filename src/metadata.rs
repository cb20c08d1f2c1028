//! Cluster metadata, mirroring `confluent_kafka.admin.ClusterMetadata` as returned by
//! `list_topics()`.

use std::collections::BTreeMap;
use std::ptr;

use rdkafka_sys::bindings as sys;

use crate::error::{KafkaError, Result};
use crate::handle::Handle;
use crate::topic_partition::topic_cstring;
use crate::util::{cstr_lossy, read_err, Timeout};

/// Python: `ClusterMetadata`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClusterMetadata {
    /// Python: `cluster_id` (`None` if the broker does not report one).
    pub cluster_id: Option<String>,
    /// Python: `controller_id` (`-1` if unknown).
    pub controller_id: i32,
    /// Python: `brokers`, by broker id.
    pub brokers: BTreeMap<i32, BrokerMetadata>,
    /// Python: `topics`, by name.
    pub topics: BTreeMap<String, TopicMetadata>,
    /// Python: `orig_broker_id`: the broker that answered.
    pub orig_broker_id: i32,
    /// Python: `orig_broker_name`.
    pub orig_broker_name: String,
}

/// Python: `BrokerMetadata`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BrokerMetadata {
    /// Python: `id`.
    pub id: i32,
    /// Python: `host`.
    pub host: String,
    /// Python: `port`.
    pub port: i32,
}

/// Python: `TopicMetadata`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TopicMetadata {
    /// Python: `topic`.
    pub topic: String,
    /// Python: `partitions`, by id.
    pub partitions: BTreeMap<i32, PartitionMetadata>,
    /// Python: `error` (`None` on success).
    pub error: Option<KafkaError>,
}

/// Python: `PartitionMetadata`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PartitionMetadata {
    /// Python: `id`.
    pub id: i32,
    /// Python: `leader` (`-1` if none).
    pub leader: i32,
    /// Python: `replicas`.
    pub replicas: Vec<i32>,
    /// Python: `isrs`.
    pub isrs: Vec<i32>,
    /// Python: `error`.
    pub error: Option<KafkaError>,
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

impl ClusterMetadata {
    /// Python: `list_topics(topic, timeout)` on any client.
    pub(crate) fn fetch(
        rk: &Handle<sys::rd_kafka_t>,
        topic: Option<&str>,
        timeout: Timeout,
    ) -> Result<ClusterMetadata> {
        let ms = timeout.as_millis_i32();
        let rkt = match topic {
            None => None,
            Some(t) => {
                let c = topic_cstring("list_topics", t)?;
                // SAFETY: rk is live; c is NUL-terminated; a null conf means defaults. The result
                // is null or a new reference we own.
                let rkt = unsafe {
                    Handle::from_raw(sys::rd_kafka_topic_new(
                        rk.ptr(),
                        c.as_ptr(),
                        ptr::null_mut(),
                    ))
                };
                Some(rkt.ok_or_else(KafkaError::last_error)?)
            }
        };
        let mut md: *const sys::rd_kafka_metadata = ptr::null();
        let rkt_ptr = rkt.as_ref().map_or(ptr::null_mut(), Handle::ptr);
        // SAFETY: rk is live; rkt_ptr is null or a topic handle we own; md is an out-pointer.
        let code = unsafe {
            sys::rd_kafka_metadata(rk.ptr(), i32::from(rkt.is_none()), rkt_ptr, &mut md, ms)
        } as i32;
        drop(rkt);
        if let Some(e) = KafkaError::from_raw(code) {
            return Err(e);
        }
        // SAFETY: on success md is a metadata tree we own.
        let Some(tree) = (unsafe { Handle::from_raw(md.cast_mut()) }) else {
            return Err(KafkaError::from_code(crate::error::ErrorCode::Fail));
        };
        // SAFETY: the tree is valid until `tree` drops; all counts and pointers in it are
        // consistent (librdkafka's contract), and every string is copied out.
        let mut out = unsafe {
            let m = &*tree.ptr();
            let mut brokers = BTreeMap::new();
            for b in slice(m.brokers, m.broker_cnt) {
                brokers.insert(
                    b.id,
                    BrokerMetadata {
                        id: b.id,
                        host: cstr_lossy(b.host).into_owned(),
                        port: b.port,
                    },
                );
            }
            let mut topics = BTreeMap::new();
            for t in slice(m.topics, m.topic_cnt) {
                let name = cstr_lossy(t.topic).into_owned();
                let mut partitions = BTreeMap::new();
                for p in slice(t.partitions, t.partition_cnt) {
                    partitions.insert(
                        p.id,
                        PartitionMetadata {
                            id: p.id,
                            leader: p.leader,
                            replicas: slice(p.replicas, p.replica_cnt).to_vec(),
                            isrs: slice(p.isrs, p.isr_cnt).to_vec(),
                            error: KafkaError::from_raw(read_err(ptr::addr_of!(p.err))),
                        },
                    );
                }
                topics.insert(
                    name.clone(),
                    TopicMetadata {
                        topic: name,
                        partitions,
                        error: KafkaError::from_raw(read_err(ptr::addr_of!(t.err))),
                    },
                );
            }
            ClusterMetadata {
                cluster_id: None,
                controller_id: -1,
                brokers,
                topics,
                orig_broker_id: m.orig_broker_id,
                orig_broker_name: cstr_lossy(m.orig_broker_name).into_owned(),
            }
        };
        drop(tree);
        // Cluster id and controller come from the cached metadata we just refreshed.
        // SAFETY: rk is live; timeout 0 answers from the cache. The returned string is ours to
        // free with rd_kafka_mem_free.
        unsafe {
            let id = sys::rd_kafka_clusterid(rk.ptr(), 0);
            if !id.is_null() {
                out.cluster_id = Some(cstr_lossy(id).into_owned());
                sys::rd_kafka_mem_free(rk.ptr(), id.cast());
            }
            out.controller_id = sys::rd_kafka_controllerid(rk.ptr(), 0);
        }
        Ok(out)
    }
}
