//! Commits and stored offsets: [`Consumer::commit`] and friends (Python's `commit(message=,
//! offsets=, asynchronous=)`, `store_offsets`), and the `on_commit` trampoline.
//!
//! Synchronous commits wait for the result on a private queue, polled with a bound, so they
//! return even when the coordinator is gone (librdkafka's own synchronous commit waits as long
//! as its retries take, 50 s with the only broker down).

use std::ffi::c_void;
use std::time::Duration;

use rdkafka_sys::bindings as sys;

use super::message::MessagePosition;
use super::rebalance::ConsumerState;
use super::Consumer;
use crate::client::{yield_if_panicked, ClientContext};
use crate::error::{ErrorCode, KafkaError, Result};
use crate::handle::Handle;
use crate::panic;
use crate::topic_partition::{list_to_partitions, NativeList, TopicPartition};
use crate::util::Timeout;

/// How long a synchronous commit waits by default: [`ConsumerBuilder::commit_timeout`](super::ConsumerBuilder::commit_timeout).
pub const DEFAULT_COMMIT_TIMEOUT: Duration = Duration::from_secs(30);

/// The `on_commit` closure (Python: the `on_commit` config entry).
pub(crate) type CommitFn = dyn FnMut(Option<&KafkaError>, &[TopicPartition]) + Send;

impl Consumer {
    /// Python: `commit(asynchronous=False)`: commits the current offsets (the stored offsets of
    /// the assignment) and waits for the result, at most the consumer's commit timeout
    /// ([`ConsumerBuilder::commit_timeout`](super::ConsumerBuilder::commit_timeout), 30 s by
    /// default; then `_TIMED_OUT`, and the commit may still complete). Returns the committed
    /// partitions; any partition error fails the call. Note Python's `commit()` defaults to
    /// asynchronous: its twin is [`Consumer::commit_async`].
    pub fn commit(&self) -> Result<Vec<TopicPartition>> {
        self.commit_sync(None)
    }

    /// Python: `commit()` / `commit(asynchronous=True)`: starts a commit of the current offsets
    /// and returns at once; the outcome goes to `on_commit`.
    pub fn commit_async(&self) -> Result<()> {
        self.commit_nowait(None)
    }

    /// Python: `commit(message=msg, asynchronous=False)`: commits the message's offset + 1 and
    /// waits (bounded, as [`Consumer::commit`]).
    pub fn commit_message(&self, message: &impl MessagePosition) -> Result<Vec<TopicPartition>> {
        let list = NativeList::from_partitions("commit_message", &[message.next_position()])?;
        self.commit_sync(Some(&list))
    }

    /// Python: `commit(message=msg)`: commits the message's offset + 1 without waiting.
    pub fn commit_message_async(&self, message: &impl MessagePosition) -> Result<()> {
        let list = NativeList::from_partitions("commit_message_async", &[message.next_position()])?;
        self.commit_nowait(Some(&list))
    }

    /// Python: `commit(offsets=[...], asynchronous=False)`: commits exactly these offsets and
    /// waits (bounded, as [`Consumer::commit`]).
    pub fn commit_offsets(&self, offsets: &[TopicPartition]) -> Result<Vec<TopicPartition>> {
        let list = offsets_list("commit_offsets", offsets)?;
        self.commit_sync(Some(&list))
    }

    /// Python: `commit(offsets=[...])`: commits exactly these offsets without waiting.
    pub fn commit_offsets_async(&self, offsets: &[TopicPartition]) -> Result<()> {
        let list = offsets_list("commit_offsets_async", offsets)?;
        self.commit_nowait(Some(&list))
    }

    fn commit_nowait(&self, list: Option<&NativeList>) -> Result<()> {
        self.check_open()?;
        let lp = list.map_or(std::ptr::null(), |l| l.ptr().cast_const());
        // SAFETY: rk is live; lp is null (current offsets) or a live list copied by librdkafka.
        let code = unsafe { sys::rd_kafka_commit(self.rk(), lp, 1) } as i32;
        KafkaError::from_raw(code).map_or(Ok(()), |e| Err(self.client().refine(e)))
    }

    fn commit_sync(&self, list: Option<&NativeList>) -> Result<Vec<TopicPartition>> {
        self.check_open()?;
        let timeout = self.commit_timeout;
        let lp = list.map_or(std::ptr::null(), |l| l.ptr().cast_const());
        // SAFETY: rk is live; a fresh queue reference we own (never null; aborts on OOM).
        let queue = unsafe { Handle::from_raw(sys::rd_kafka_queue_new(self.rk())) }
            .expect("rd_kafka_queue_new never returns null");
        // SAFETY: rk and the queue are live; lp is null or a live list librdkafka copies. With a
        // queue and no callback, the result is enqueued there as an OFFSET_COMMIT event; if we
        // stop waiting, releasing our queue reference disables it, and the late result is freed
        // with it (no callback runs, nothing points at our stack).
        let code = unsafe {
            crate::ffi::commit_queue(self.rk(), lp, queue.ptr(), None, std::ptr::null_mut())
        };
        if let Some(e) = KafkaError::from_raw(code) {
            return Err(self.client().refine(e));
        }
        // SAFETY: the queue is live; a returned event is ours.
        let event = unsafe {
            Handle::from_raw(sys::rd_kafka_queue_poll(
                queue.ptr(),
                Timeout::After(timeout).as_millis_i32(),
            ))
        };
        let Some(event) = event else {
            return Err(KafkaError::new(
                ErrorCode::TimedOut,
                format!(
                    "commit: no result within {timeout:?} (the commit may still complete); \
                     the group coordinator is unreachable or slow"
                ),
            ));
        };
        // SAFETY: the event is live; its list belongs to it and is copied out.
        let (code, offsets) = unsafe {
            (
                crate::ffi::event_error(event.ptr()),
                list_to_partitions(sys::rd_kafka_event_topic_partition_list(event.ptr())),
            )
        };
        if let Some(e) = KafkaError::from_raw(code) {
            return Err(self.client().refine(e));
        }
        match offsets.iter().find_map(|p| {
            p.error
                .clone()
                .map(|e| e.with_partition(p.topic.clone(), p.partition))
        }) {
            Some(e) => Err(e),
            None => Ok(offsets),
        }
    }

    fn store_list(&self, list: &NativeList) -> Result<()> {
        self.check_open()?;
        // SAFETY: rk and list are live; librdkafka sets per-partition errors in the list.
        let code = unsafe { sys::rd_kafka_offsets_store(self.rk(), list.ptr()) } as i32;
        if code == ErrorCode::InvalidArg.raw() {
            // librdkafka's only reason for refusing the whole call.
            return Err(KafkaError::new(
                ErrorCode::InvalidArg,
                "store_offsets: offsets can only be stored with enable.auto.offset.store=false \
                 (with it true, librdkafka stores each message's offset itself as it is polled)",
            ));
        }
        if let Some(e) = list.to_partitions().into_iter().find_map(|p| {
            p.error
                .map(|e| e.with_partition(p.topic.clone(), p.partition))
        }) {
            return Err(e);
        }
        KafkaError::from_raw(code).map_or(Ok(()), Err)
    }

    /// Python: `store_offsets(message=msg)`: stores the message's offset + 1 for the next
    /// (auto) commit (`enable.auto.offset.store=false`).
    pub fn store_offsets(&self, message: &impl MessagePosition) -> Result<()> {
        self.store_list(&NativeList::from_partitions(
            "store_offsets",
            &[message.next_position()],
        )?)
    }

    /// Python: `store_offsets(offsets=[...])`.
    pub fn store_offsets_list(&self, offsets: &[TopicPartition]) -> Result<()> {
        self.store_list(&offsets_list("store_offsets_list", offsets)?)
    }
}

fn offsets_list(call: &str, offsets: &[TopicPartition]) -> Result<NativeList> {
    if offsets.is_empty() {
        return Err(KafkaError::invalid_arg(format!("{call}: no offsets given")));
    }
    NativeList::from_partitions(call, offsets)
}

/// offset_commit_cb: served by poll/consume/close on the caller's thread; the whole body runs
/// inside [`panic::catch`].
pub(super) unsafe extern "C" fn commit_trampoline(
    rk: *mut sys::rd_kafka_t,
    err: crate::ffi::RespErr,
    offsets: *mut sys::rd_kafka_topic_partition_list_t,
    opaque: *mut c_void,
) {
    let completed = panic::catch(|| {
        // SAFETY: opaque is the consumer's context; offsets is valid for this call (or null).
        let (st, parts) = unsafe {
            (
                &ClientContext::<ConsumerState>::from_opaque(opaque).kind,
                list_to_partitions(offsets),
            )
        };
        let error = KafkaError::from_raw(err);
        // Take the closure out while it runs, so a re-entrant call cannot alias it.
        let taken = st
            .on_commit
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        let Some(mut f) = taken else {
            return true;
        };
        let completed = panic::catch(|| f(error.as_ref(), &parts)).is_some();
        st.on_commit
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get_or_insert(f);
        completed
    })
    .unwrap_or(false);
    // SAFETY: rk is the live instance serving this callback.
    unsafe { yield_if_panicked(rk, completed) };
}
