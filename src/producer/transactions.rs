//! Transactions (Python: `init_transactions` .. `abort_transaction`), on [`Producer`].

use std::sync::atomic::Ordering;

use rdkafka_sys::bindings as sys;

use super::Producer;
use crate::consumer::ConsumerGroupMetadata;
use crate::error::{ErrorCode, KafkaError, Result};
use crate::topic_partition::{NativeList, TopicPartition};
use crate::util::Timeout;

impl Producer {
    fn txn_call(
        &self,
        what: &str,
        f: impl FnOnce(*mut sys::rd_kafka_t) -> *mut sys::rd_kafka_error_t,
    ) -> Result<()> {
        if self.shared.closed.load(Ordering::Relaxed) {
            return Err(KafkaError::new(
                ErrorCode::State,
                format!("{what}: the producer is closed"),
            ));
        }
        let err = f(self.client().ptr());
        // Transactional calls flush and may serve delivery reports on this thread.
        self.resume_panics();
        // SAFETY: err is null or an rd_kafka_error_t we now own.
        unsafe { KafkaError::from_native(err) }.map_or(Ok(()), Err)
    }

    /// Python: `init_transactions(timeout)`: registers `transactional.id` with the coordinator
    /// and fences older producers with the same id. Call once, before any transaction.
    ///
    /// On error, the [`KafkaError`] flags say what to do: `retriable()` → call again;
    /// `fatal()` → the producer is unusable; otherwise give up.
    pub fn init_transactions(&self, timeout: impl Into<Timeout>) -> Result<()> {
        let ms = timeout.into().as_millis_i32();
        // SAFETY: rk is live; librdkafka returns null or an owned error.
        self.txn_call("init_transactions", |rk| unsafe {
            sys::rd_kafka_init_transactions(rk, ms)
        })
    }

    /// Python: `begin_transaction()`.
    pub fn begin_transaction(&self) -> Result<()> {
        // SAFETY: rk is live; librdkafka returns null or an owned error.
        self.txn_call("begin_transaction", |rk| unsafe {
            sys::rd_kafka_begin_transaction(rk)
        })
    }

    /// Python: `send_offsets_to_transaction(positions, group_metadata, timeout)`: commits the
    /// consumer's `positions` (the offsets of the *next* messages to consume) as part of the
    /// current transaction, so they are committed if and only if the transaction is.
    ///
    /// Errors: `retriable()` → call again; `txn_requires_abort()` → abort the transaction;
    /// `fatal()` → recreate the producer.
    pub fn send_offsets_to_transaction(
        &self,
        positions: &[TopicPartition],
        group_metadata: &ConsumerGroupMetadata,
        timeout: impl Into<Timeout>,
    ) -> Result<()> {
        if positions.is_empty() {
            return Err(KafkaError::invalid_arg(
                "send_offsets_to_transaction: no positions given",
            ));
        }
        if let Some(p) = positions.iter().find(|p| p.offset.value().is_none()) {
            return Err(KafkaError::invalid_arg(format!(
                "send_offsets_to_transaction: {} [{}] has offset {:?}; a concrete offset (Offset::At) is needed",
                p.topic, p.partition, p.offset
            )));
        }
        let list = NativeList::from_partitions("send_offsets_to_transaction", positions)?;
        let ms = timeout.into().as_millis_i32();
        // SAFETY: rk, list and the group metadata are live for the call; librdkafka copies them.
        self.txn_call("send_offsets_to_transaction", |rk| unsafe {
            sys::rd_kafka_send_offsets_to_transaction(rk, list.ptr(), group_metadata.ptr(), ms)
        })
    }

    /// Python: `commit_transaction(timeout)`: flushes outstanding messages (serving their delivery
    /// reports on this thread) and commits the transaction.
    ///
    /// Errors: `retriable()` → call `commit_transaction` again; `txn_requires_abort()` → call
    /// [`abort_transaction`](Producer::abort_transaction); `fatal()` → recreate the producer.
    pub fn commit_transaction(&self, timeout: impl Into<Timeout>) -> Result<()> {
        let ms = timeout.into().as_millis_i32();
        // SAFETY: rk is live; librdkafka returns null or an owned error.
        self.txn_call("commit_transaction", |rk| unsafe {
            sys::rd_kafka_commit_transaction(rk, ms)
        })
    }

    /// Python: `abort_transaction(timeout)`: purges the transaction's queued and in-flight
    /// messages (their delivery reports fail with `_PURGE_QUEUE`/`_PURGE_INFLIGHT` and are served
    /// by the next `poll`/`flush`) and aborts it. `retriable()` errors: call again.
    pub fn abort_transaction(&self, timeout: impl Into<Timeout>) -> Result<()> {
        let ms = timeout.into().as_millis_i32();
        // SAFETY: rk is live; librdkafka returns null or an owned error.
        self.txn_call("abort_transaction", |rk| unsafe {
            sys::rd_kafka_abort_transaction(rk, ms)
        })
    }
}
