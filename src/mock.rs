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

use std::ptr::NonNull;
use std::time::Duration;

use rdkafka_sys::bindings as sys;

use crate::client::{ClientContext, CommonCallbacks, NativeClient};
use crate::config::Config;
use crate::error::{ErrorCode, KafkaError, Result};
use crate::topic_partition::topic_cstring;
use crate::util::{cstr_lossy, cstring};

mod ffi_int {
    use libc::c_int;
    extern "C" {
        /// Same symbol as rdkafka-sys's, with the codes as plain ints (see `error::ffi_int`).
        #[link_name = "rd_kafka_mock_push_request_errors_array"]
        pub(crate) fn push_request_errors_array(
            mcluster: *mut rdkafka_sys::bindings::rd_kafka_mock_cluster_t,
            api_key: i16,
            cnt: usize,
            errors: *const c_int,
        );
        #[link_name = "rd_kafka_mock_broker_push_request_error_rtts"]
        pub(crate) fn broker_push_request_error_rtts(
            mcluster: *mut rdkafka_sys::bindings::rd_kafka_mock_cluster_t,
            broker_id: i32,
            api_key: i16,
            cnt: usize,
            ...
        ) -> c_int;
    }
}

/// An in-process mock Kafka cluster with fault injection. No Python equivalent (Python tests
/// set `test.mock.num.brokers`); this gives the cluster a life of its own, so several clients
/// can share it.
///
/// Cloning is not offered: drop it after every client using it.
pub struct MockCluster {
    // Field order matters: the mock cluster is destroyed (in Drop) before its owning handle.
    mcluster: NonNull<sys::rd_kafka_mock_cluster_t>,
    bootstrap: String,
    client: NativeClient,
}

// SAFETY: every rd_kafka_mock_* function enqueues an operation to the mock cluster's own thread
// and is safe to call from any thread; the handle itself is thread-safe (see NativeClient).
unsafe impl Send for MockCluster {}
// SAFETY: as above; all methods take &self and only call thread-safe functions.
unsafe impl Sync for MockCluster {}

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
        let ctx = ClientContext::new(CommonCallbacks::default(), None, &config);
        let client = NativeClient::new(
            sys::rd_kafka_type_t::RD_KAFKA_PRODUCER,
            &config,
            ctx,
            &[],
            |_| {},
        )?;
        // SAFETY: client is live and outlives the cluster (field order + Drop).
        let mc = unsafe { sys::rd_kafka_mock_cluster_new(client.ptr(), brokers) };
        let mcluster = NonNull::new(mc)
            .ok_or_else(|| KafkaError::new(ErrorCode::Fail, "rd_kafka_mock_cluster_new failed"))?;
        // SAFETY: the cluster is live; the string is owned by it and copied here.
        let bootstrap =
            unsafe { cstr_lossy(sys::rd_kafka_mock_cluster_bootstraps(mcluster.as_ptr())) }
                .into_owned();
        Ok(MockCluster {
            mcluster,
            bootstrap,
            client,
        })
    }

    fn ptr(&self) -> *mut sys::rd_kafka_mock_cluster_t {
        self.mcluster.as_ptr()
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
        unsafe { ffi_int::push_request_errors_array(self.ptr(), api_key, raw.len(), raw.as_ptr()) }
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
            ffi_int::broker_push_request_error_rtts(self.ptr(), id, api_key, 1, error.raw(), ms)
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

    /// Sets the group coordinator's initial rebalance delay (0 makes tests fast).
    pub fn set_group_initial_rebalance_delay(&self, delay: Duration) {
        let ms = i32::try_from(delay.as_millis()).unwrap_or(i32::MAX);
        // SAFETY: the cluster is live.
        unsafe { sys::rd_kafka_mock_group_initial_rebalance_delay_ms(self.ptr(), ms) };
    }
}

impl Drop for MockCluster {
    fn drop(&mut self) {
        // SAFETY: destroyed once, before the handle that owns it (dropped as a field after this).
        unsafe { sys::rd_kafka_mock_cluster_destroy(self.ptr()) };
        let _ = &self.client;
    }
}

impl std::fmt::Debug for MockCluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockCluster")
            .field("bootstrap_servers", &self.bootstrap)
            .finish()
    }
}
