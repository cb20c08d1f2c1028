//! [`MockCluster`]: librdkafka's in-process mock Kafka cluster (`rd_kafka_mock_*`), for the
//! quickstart without a broker and for fault injection in tests.
//!
//! ```
//! # fn main() -> rkafka::Result<()> {
//! let cluster = rkafka::MockCluster::new(3)?;
//! cluster.create_topic("events", 4, 1)?;
//! let producer = rkafka::Producer::new([("bootstrap.servers", cluster.bootstrap_servers())])?;
//! producer.produce(rkafka::Record::new("events").value("hi"))?;
//! assert_eq!(producer.flush(std::time::Duration::from_secs(10)), 0);
//! # Ok(()) }
//! ```

use std::time::Duration;

use rdkafka_sys::bindings as sys;

use crate::client::{CommonCallbacks, NativeClient, Spec};
use crate::config::Config;
use crate::error::cstring;
use crate::error::{ErrorCode, KafkaError, Result};
use crate::handle::{owned, Handle};
use crate::topic_partition::topic_cstring;
use crate::util::cstr_lossy;

owned!(sys::rd_kafka_mock_cluster_t => sys::rd_kafka_mock_cluster_destroy,
    send: "The cluster runs on its own thread; it may be destroyed from any other thread.",
    sync: "Every rd_kafka_mock_* function enqueues an operation to the cluster's own thread and may be called from any thread.");

/// An in-process mock Kafka cluster with fault injection. No Python equivalent (Python tests
/// set `test.mock.num.brokers`); this gives the cluster a life of its own, so several clients
/// can share it.
///
/// Cloning is not offered: drop it after every client using it.
pub struct MockCluster {
    // Field order matters: the mock cluster is destroyed before the client that owns it.
    mcluster: Handle<sys::rd_kafka_mock_cluster_t>,
    bootstrap: String,
    /// The client the cluster lives in (it owns no other state).
    _client: NativeClient<()>,
}

impl MockCluster {
    /// Starts a cluster of `brokers` brokers (ids 1..=brokers) listening on loopback ports
    /// chosen by the OS.
    pub fn new(brokers: i32) -> Result<MockCluster> {
        if brokers < 1 {
            return Err(KafkaError::invalid_arg(format!(
                "a mock cluster needs at least one broker, got {brokers}"
            )));
        }
        let config = Config::new();
        let client = NativeClient::new(
            Spec {
                rd_type: sys::rd_kafka_type_t::RD_KAFKA_PRODUCER,
                config: &config,
                common: CommonCallbacks::default(),
                state: (),
                teardown_bound: Duration::from_secs(5),
            },
            |_| {},
        )?;
        // SAFETY: client is live and outlives the cluster (field order); the result is null or a
        // cluster we own.
        let mcluster =
            unsafe { Handle::from_raw(sys::rd_kafka_mock_cluster_new(client.ptr(), brokers)) }
                .ok_or_else(|| {
                    KafkaError::new(ErrorCode::Fail, "rd_kafka_mock_cluster_new failed")
                })?;
        // SAFETY: the cluster is live; the string is owned by it and copied here.
        let bootstrap =
            unsafe { cstr_lossy(sys::rd_kafka_mock_cluster_bootstraps(mcluster.ptr())) }
                .into_owned();
        let cluster = MockCluster {
            mcluster,
            bootstrap,
            _client: client,
        };
        // Kafka's default (3 s) makes every first group join wait; a local cluster need not.
        cluster.set_group_initial_rebalance_delay(Duration::ZERO);
        Ok(cluster)
    }

    fn ptr(&self) -> *mut sys::rd_kafka_mock_cluster_t {
        self.mcluster.ptr()
    }

    /// The `bootstrap.servers` value for clients of this cluster.
    pub fn bootstrap_servers(&self) -> &str {
        &self.bootstrap
    }

    /// Creates a topic (without it, the mock auto-creates topics with its defaults).
    pub fn create_topic(
        &self,
        topic: &str,
        partitions: i32,
        replication_factor: i32,
    ) -> Result<()> {
        let t = topic_cstring("create_topic", topic)?;
        if partitions < 1 || replication_factor < 1 {
            return Err(KafkaError::invalid_arg(format!(
                "partitions ({partitions}) and replication factor ({replication_factor}) must be at least 1"
            )));
        }
        // SAFETY: the cluster is live; t is NUL-terminated and copied.
        let code = unsafe {
            sys::rd_kafka_mock_topic_create(self.ptr(), t.as_ptr(), partitions, replication_factor)
        } as i32;
        KafkaError::from_raw(code).map_or(Ok(()), Err)
    }

    /// Takes broker `id` down: its connections are closed and new ones refused.
    pub fn broker_down(&self, id: i32) -> Result<()> {
        // SAFETY: the cluster is live.
        let code = unsafe { sys::rd_kafka_mock_broker_set_down(self.ptr(), id) } as i32;
        KafkaError::from_raw(code).map_or(Ok(()), Err)
    }

    /// Brings broker `id` back up.
    pub fn broker_up(&self, id: i32) -> Result<()> {
        // SAFETY: the cluster is live.
        let code = unsafe { sys::rd_kafka_mock_broker_set_up(self.ptr(), id) } as i32;
        KafkaError::from_raw(code).map_or(Ok(()), Err)
    }

    /// Adds `rtt` of latency to every response from broker `id`.
    pub fn set_rtt(&self, id: i32, rtt: Duration) -> Result<()> {
        let ms = i32::try_from(rtt.as_millis()).unwrap_or(i32::MAX);
        // SAFETY: the cluster is live.
        let code = unsafe { sys::rd_kafka_mock_broker_set_rtt(self.ptr(), id, ms) } as i32;
        KafkaError::from_raw(code).map_or(Ok(()), Err)
    }

    /// Makes the next requests with Kafka API key `api_key` (0 = Produce, 1 = Fetch,
    /// 8 = OffsetCommit, 11 = JoinGroup, ...) fail, one per error, in order.
    pub fn push_request_errors(&self, api_key: i16, errors: &[ErrorCode]) {
        let raw: Vec<i32> = errors.iter().map(|e| e.raw()).collect();
        // SAFETY: the cluster is live; raw holds raw.len() ints, copied by librdkafka.
        unsafe {
            crate::ffi::mock_push_request_errors_array(self.ptr(), api_key, raw.len(), raw.as_ptr())
        }
    }

    /// Makes the next request with `api_key` to broker `id` fail with `error` after `rtt`.
    pub fn push_broker_request_error(
        &self,
        id: i32,
        api_key: i16,
        error: ErrorCode,
        rtt: Duration,
    ) -> Result<()> {
        let ms = i32::try_from(rtt.as_millis()).unwrap_or(i32::MAX);
        // SAFETY: the cluster is live; the variadic tail is (int err, int rtt_ms) per entry, cnt = 1.
        let code = unsafe {
            crate::ffi::mock_broker_push_request_error_rtts(
                self.ptr(),
                id,
                api_key,
                1,
                error.raw(),
                ms,
            )
        };
        KafkaError::from_raw(code).map_or(Ok(()), Err)
    }

    /// Moves partition `partition` of `topic` to leader `broker_id`.
    pub fn set_partition_leader(&self, topic: &str, partition: i32, broker_id: i32) -> Result<()> {
        let t = topic_cstring("set_partition_leader", topic)?;
        // SAFETY: the cluster is live; t is NUL-terminated.
        let code = unsafe {
            sys::rd_kafka_mock_partition_set_leader(self.ptr(), t.as_ptr(), partition, broker_id)
        } as i32;
        KafkaError::from_raw(code).map_or(Ok(()), Err)
    }

    /// Makes `broker_id` the coordinator of `key` (`key_type` "group" or "transaction").
    pub fn set_coordinator(&self, key_type: &str, key: &str, broker_id: i32) -> Result<()> {
        let kt = cstring("key type", key_type)?;
        let k = cstring("key", key)?;
        // SAFETY: the cluster is live; both strings are NUL-terminated.
        let code = unsafe {
            sys::rd_kafka_mock_coordinator_set(self.ptr(), kt.as_ptr(), k.as_ptr(), broker_id)
        } as i32;
        KafkaError::from_raw(code).map_or(Ok(()), Err)
    }

    /// Starts recording every request the cluster's brokers receive (see
    /// [`MockCluster::requests`]).
    pub fn start_request_tracking(&self) {
        // SAFETY: the cluster is live.
        unsafe { sys::rd_kafka_mock_start_request_tracking(self.ptr()) }
    }

    /// Stops recording requests (the ones recorded so far are kept).
    pub fn stop_request_tracking(&self) {
        // SAFETY: the cluster is live.
        unsafe { sys::rd_kafka_mock_stop_request_tracking(self.ptr()) }
    }

    /// Forgets the requests recorded so far.
    pub fn clear_requests(&self) {
        // SAFETY: the cluster is live.
        unsafe { sys::rd_kafka_mock_clear_requests(self.ptr()) }
    }

    /// The requests recorded since tracking started (or was cleared), oldest first: which
    /// broker got which Kafka API (e.g. to count the `OffsetFetch` requests, API key 9, a
    /// consumer sends).
    pub fn requests(&self) -> Vec<MockRequest> {
        let mut cnt = 0usize;
        // SAFETY: the cluster is live; the array (and each request in it) is ours, read and
        // then freed right here with the function librdkafka documents for it.
        unsafe {
            let reqs = sys::rd_kafka_mock_get_requests(self.ptr(), &mut cnt);
            if reqs.is_null() {
                return Vec::new();
            }
            let out = std::slice::from_raw_parts(reqs, cnt)
                .iter()
                .map(|&r| MockRequest {
                    broker_id: sys::rd_kafka_mock_request_id(r),
                    api_key: sys::rd_kafka_mock_request_api_key(r),
                })
                .collect();
            sys::rd_kafka_mock_request_destroy_array(reqs, cnt);
            out
        }
    }

    /// Sets the group coordinator's initial rebalance delay (Kafka's
    /// `group.initial.rebalance.delay.ms`): how long the first member of a new group waits for
    /// others before the group forms. 0 by default here (Kafka's default is 3 s).
    pub fn set_group_initial_rebalance_delay(&self, delay: Duration) {
        let ms = i32::try_from(delay.as_millis()).unwrap_or(i32::MAX);
        // SAFETY: the cluster is live.
        unsafe { sys::rd_kafka_mock_group_initial_rebalance_delay_ms(self.ptr(), ms) };
    }

    /// Sets the heartbeat interval the coordinator gives members of `group.protocol=consumer`
    /// groups (KIP-848; Kafka's `group.consumer.heartbeat.interval.ms`: 5 s in Kafka, 3 s here by default): how
    /// soon a member learns of a new target assignment. With that protocol the client may not
    /// set `heartbeat.interval.ms` itself.
    pub fn set_group_consumer_heartbeat_interval(&self, interval: Duration) {
        let ms = i32::try_from(interval.as_millis()).unwrap_or(i32::MAX);
        // SAFETY: the cluster is live.
        unsafe { sys::rd_kafka_mock_set_group_consumer_heartbeat_interval_ms(self.ptr(), ms) };
    }

    /// Sets the session timeout of `group.protocol=consumer` members (KIP-848; Kafka's
    /// `group.consumer.session.timeout.ms`: 45 s in Kafka, 30 s here by default): how long a member that stopped
    /// heartbeating keeps its partitions. With that protocol the client may not set
    /// `session.timeout.ms` itself.
    pub fn set_group_consumer_session_timeout(&self, timeout: Duration) {
        let ms = i32::try_from(timeout.as_millis()).unwrap_or(i32::MAX);
        // SAFETY: the cluster is live.
        unsafe { sys::rd_kafka_mock_set_group_consumer_session_timeout_ms(self.ptr(), ms) };
    }
}

/// One request a [`MockCluster`] broker received (see [`MockCluster::requests`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct MockRequest {
    /// The broker that received it.
    pub broker_id: i32,
    /// Its Kafka API key (0 Produce, 1 Fetch, 8 OffsetCommit, 9 OffsetFetch, 11 JoinGroup, ...).
    pub api_key: i16,
}

impl std::fmt::Debug for MockCluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockCluster")
            .field("bootstrap_servers", &self.bootstrap)
            .finish()
    }
}
