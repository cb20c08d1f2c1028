//! [`Consumer`], mirroring `confluent_kafka.Consumer`.
//!
//! ```no_run
//! use rkafka::{Config, Consumer, Rebalance};
//! use std::time::Duration;
//! # fn main() -> rkafka::Result<()> {
//! let consumer = Consumer::new(Config::from([
//!     ("bootstrap.servers", "localhost:9092"),
//!     ("group.id", "my-group"),
//!     ("auto.offset.reset", "earliest"),
//! ]))?;
//! consumer.subscribe_with(["my-topic"], Rebalance::new().on_assign(|_c, parts| {
//!     for p in parts.iter() {
//!         println!("assigned {} [{}] starting at {}", p.topic, p.partition, p.offset);
//!     }
//! }))?;
//! while let Some(msg) = consumer.poll(Duration::from_secs(1)) {
//!     let msg = msg?;
//!     println!("{} [{}] @ {}", msg.topic(), msg.partition(), msg.offset());
//! }
//! consumer.close()?;
//! # Ok(()) }
//! ```
//!
//! # The next-generation group protocol (KIP-848)
//!
//! `"group.protocol" => "consumer"` (GA in librdkafka 2.12; needs Apache Kafka 4.0 or later, or
//! another broker serving the `ConsumerGroupHeartbeat` API) moves the group's work to the broker:
//! it computes the assignment (its assignor picked by `group.remote.assignor`, `uniform` or
//! `range`, or left to the broker), and every rebalance is incremental, with no stop-the-world
//! phase: members give up and receive only the partitions that move, and keep consuming the
//! rest. Use it for large groups or groups that scale often (autoscaled services), when the
//! brokers support it; keep the default `classic` for older brokers or a client-side assignor.
//! Nothing changes in rkafka's API: `on_assign`/`on_revoke` see the partitions that move (as
//! with `cooperative-sticky`; [`Consumer::rebalance_protocol`] says `COOPERATIVE`), `on_assign`
//! still shows the committed offsets, and commit, `close` and `max.poll.interval.ms` work as
//! before (`tests/consumer_kip848.rs`, on the mock cluster).
//!
//! Settings that conflict: librdkafka 2.12.1 refuses to create the consumer (`_INVALID_ARG`,
//! naming the setting) when `session.timeout.ms`, `heartbeat.interval.ms`,
//! `partition.assignment.strategy` or `group.protocol.type` is set. The first two are broker
//! settings with this protocol (`group.consumer.session.timeout.ms`,
//! `group.consumer.heartbeat.interval.ms`); `group.remote.assignor` replaces the third. Configs
//! copied from Python often set `session.timeout.ms`: drop it when switching.
//!
//! The parts: rebalances and the consumer's callback state (rebalance.rs), commits and stored
//! offsets (commit.rs), positions and offset queries (positions.rs), consumed messages
//! (message.rs).

mod commit;
mod message;
mod positions;
mod rebalance;

use std::cell::Cell;
use std::ffi::c_void;
use std::marker::PhantomData;
use std::ptr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rdkafka_sys::bindings as sys;

pub(crate) use commit::CommitFn;
pub use commit::DEFAULT_COMMIT_TIMEOUT;
pub use message::{
    BatchIntoIter, BorrowedMessage, ConsumerGroupMetadata, Iter, MessageBatch, MessagePosition,
    OwnedMessage,
};
pub(crate) use rebalance::ConsumerState;
pub use rebalance::{Rebalance, RebalanceFn};

use crate::client::{common_builder_methods, CommonCallbacks, NativeClient, Spec, WakeupHandle};
use crate::config::Config;
use crate::error::{ErrorCode, KafkaError, Result};
use crate::handle::Handle;
use crate::metadata::ClusterMetadata;
use crate::panic;
use crate::topic_partition::{NativeList, OffsetReset, TopicPartition};
use crate::util::{cstr_lossy, Timeout};

/// How long [`Consumer::close`] and dropping a consumer may take by default:
/// [`ConsumerBuilder::close_timeout`].
pub const DEFAULT_CLOSE_TIMEOUT: Duration = Duration::from_secs(10);

/// Builds a [`Consumer`] with callbacks (the callable entries of a Python config dict).
pub struct ConsumerBuilder {
    config: Config,
    common: CommonCallbacks,
    on_commit: Option<Box<CommitFn>>,
    close_timeout: Duration,
    commit_timeout: Duration,
}

impl ConsumerBuilder {
    common_builder_methods!();

    /// Python: `'on_commit': fn(err, partitions)`: the result of every asynchronous and
    /// automatic commit, served by `poll`/`consume`/`close` on the calling thread.
    pub fn on_commit(
        mut self,
        f: impl FnMut(Option<&KafkaError>, &[TopicPartition]) + Send + 'static,
    ) -> Self {
        self.on_commit = Some(Box::new(f));
        self
    }

    /// How long [`Consumer::close`] (and dropping the consumer: leaving the group, the final
    /// commit, librdkafka's teardown) may take; default [`DEFAULT_CLOSE_TIMEOUT`] (10 s).
    pub fn close_timeout(mut self, t: Duration) -> Self {
        self.close_timeout = t;
        self
    }

    /// How long a synchronous commit ([`Consumer::commit`], `commit_message`, `commit_offsets`)
    /// waits for its result; default [`DEFAULT_COMMIT_TIMEOUT`] (30 s).
    pub fn commit_timeout(mut self, t: Duration) -> Self {
        self.commit_timeout = t;
        self
    }

    /// Creates the consumer; the configuration is validated by librdkafka and every problem
    /// reported at once.
    pub fn build(self) -> Result<Consumer> {
        let reset = match self.config.get("auto.offset.reset").unwrap_or("latest") {
            "earliest" | "smallest" | "beginning" => OffsetReset::Earliest,
            "error" => OffsetReset::Error,
            _ => OffsetReset::Latest,
        };
        if self.config.get("group.id").is_none_or(|g| g.is_empty()) {
            return Err(KafkaError::config(vec![crate::error::ConfigIssue {
                key: "group.id".into(),
                reason: "is required: librdkafka's consumer (like confluent-kafka-python's Consumer) needs a group \
                         id, also for assign()-only use; pick any id if you never commit"
                    .into(),
                suggestions: Vec::new(),
            }]));
        }
        let has_commit_cb = self.on_commit.is_some();
        let mut partition_eof = false;
        let client = NativeClient::new(
            Spec {
                rd_type: sys::rd_kafka_type_t::RD_KAFKA_CONSUMER,
                config: &self.config,
                common: self.common,
                state: ConsumerState::new(reset, self.on_commit),
                teardown_bound: self.close_timeout,
            },
            |conf| {
                // librdkafka's own reading of the value (any spelling it accepts, or the default).
                partition_eof = conf.get("enable.partition.eof").as_deref() == Some("true");
                // SAFETY: conf is live and not yet handed over; the trampolines match the C
                // callback signatures (checked against rdkafka.h by the build, see ffi.rs).
                unsafe {
                    crate::ffi::conf_set_rebalance_cb(
                        conf.ptr(),
                        Some(rebalance::rebalance_trampoline),
                    );
                    if has_commit_cb {
                        crate::ffi::conf_set_offset_commit_cb(
                            conf.ptr(),
                            Some(commit::commit_trampoline),
                        );
                    }
                }
            },
        )?;
        // SAFETY: the client is live. Forwarding the main queue makes poll/consume serve every
        // callback; the consumer queue reference is owned by the Consumer and released first.
        let queue = unsafe {
            sys::rd_kafka_poll_set_consumer(client.ptr());
            Handle::from_raw(sys::rd_kafka_queue_get_consumer(client.ptr()))
        }
        .ok_or_else(|| KafkaError::new(ErrorCode::Fail, "no consumer queue"))?;
        Ok(Consumer {
            queue,
            client: Arc::new(client),
            state: Cell::new(OPEN),
            close_timeout: self.close_timeout,
            commit_timeout: self.commit_timeout,
            partition_eof,
            _not_sync: PhantomData,
        })
    }
}

impl std::fmt::Debug for ConsumerBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsumerBuilder")
            .field("config", &self.config)
            .field("callbacks", &self.common)
            .field("close_timeout", &self.close_timeout)
            .field("commit_timeout", &self.commit_timeout)
            .finish()
    }
}

/// A Kafka consumer, mirroring `confluent_kafka.Consumer`.
///
/// `Send` but not `Sync`: move it to the thread that consumes. Rebalance, commit, error and
/// statistics callbacks run on the thread calling `poll`/`consume`/`close`; a panic in one is
/// resumed from that call.
///
/// Every call that waits is bounded: `poll`/`consume` by their timeout, commits by
/// [`ConsumerBuilder::commit_timeout`], `close()` and dropping the consumer by
/// [`ConsumerBuilder::close_timeout`] (default 10 s). If librdkafka cannot finish tearing the
/// client down within that bound (a silent coordinator), `drop` returns and a background
/// thread finishes it.
pub struct Consumer {
    // Field order matters: the queue reference is released before the client is destroyed.
    queue: Handle<sys::rd_kafka_queue_t>,
    client: Arc<NativeClient<ConsumerState>>,
    /// OPEN, CLOSING (closures may still call in while close serves them) or CLOSED.
    state: Cell<u8>,
    close_timeout: Duration,
    commit_timeout: Duration,
    /// `enable.partition.eof=true`: `consume` then takes messages one at a time (see there).
    partition_eof: bool,
    _not_sync: PhantomData<Cell<()>>,
}

const OPEN: u8 = 0;
const CLOSING: u8 = 1;
const CLOSED: u8 = 2;

impl Consumer {
    /// Python: `Consumer(conf)` (without callables; see [`Consumer::builder`]). `group.id` is
    /// required, as in Python.
    pub fn new(config: impl Into<Config>) -> Result<Consumer> {
        Consumer::builder(config).build()
    }

    /// A builder for a consumer with callbacks.
    pub fn builder(config: impl Into<Config>) -> ConsumerBuilder {
        ConsumerBuilder {
            config: config.into(),
            common: CommonCallbacks::default(),
            on_commit: None,
            close_timeout: DEFAULT_CLOSE_TIMEOUT,
            commit_timeout: DEFAULT_COMMIT_TIMEOUT,
        }
    }

    fn state(&self) -> &ConsumerState {
        self.client.state()
    }

    fn rk(&self) -> *mut sys::rd_kafka_t {
        self.client.ptr()
    }

    pub(crate) fn client(&self) -> &NativeClient<ConsumerState> {
        &self.client
    }

    pub(crate) fn client_arc(&self) -> &Arc<NativeClient<ConsumerState>> {
        &self.client
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.state.get() == CLOSED
    }

    fn check_open(&self) -> Result<()> {
        if self.state.get() == CLOSED {
            Err(KafkaError::new(ErrorCode::State, "the consumer is closed"))
        } else {
            Ok(())
        }
    }

    /// The client instance name, e.g. `rdkafka#consumer-1`.
    pub fn name(&self) -> &str {
        self.client.name()
    }

    /// Python: `subscribe(topics)`: any iterable of topic names (`&["t"]`, a `Vec<String>`,
    /// ...); names starting with `^` are regular expressions. Replaces the rebalance closures
    /// with none (Python's `on_assign=None` ...); [`Consumer::subscribe_with`] takes them.
    pub fn subscribe<I>(&self, topics: I) -> Result<()>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.subscribe_with(topics, Rebalance::new())
    }

    /// Python: `subscribe(topics, on_assign=None, on_revoke=None, on_lost=None)`. Refused
    /// (with `_STATE`) from inside a rebalance closure.
    pub fn subscribe_with<I>(&self, topics: I, callbacks: Rebalance) -> Result<()>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.check_open()?;
        let topics: Vec<I::Item> = topics.into_iter().collect();
        let topics: Vec<&str> = topics.iter().map(AsRef::as_ref).collect();
        if topics.is_empty() {
            return Err(KafkaError::invalid_arg("subscribe: no topics given"));
        }
        let list = NativeList::from_topics("subscribe", &topics)?;
        self.state().set_rebalance(callbacks)?;
        // SAFETY: rk and list are live; librdkafka copies the list.
        let code = unsafe { sys::rd_kafka_subscribe(self.rk(), list.ptr()) } as i32;
        match KafkaError::from_raw(code) {
            None => Ok(()),
            Some(e) if e.code() == ErrorCode::InvalidArg => {
                // Topic names were checked above: what librdkafka refused is a pattern.
                let patterns: Vec<&str> = topics
                    .iter()
                    .copied()
                    .filter(|t| t.starts_with('^'))
                    .collect();
                Err(KafkaError::new(
                    ErrorCode::InvalidArg,
                    format!(
                        "subscribe: librdkafka refused the subscription ({}); check the regular \
                         expression(s) {patterns:?}",
                        e.str()
                    ),
                ))
            }
            Some(e) => Err(e),
        }
    }

    /// Python: `unsubscribe()`. Refused (with `_STATE`) from inside a rebalance closure.
    pub fn unsubscribe(&self) -> Result<()> {
        self.check_open()?;
        if self.state().in_rebalance() {
            return Err(rebalance::inside_rebalance("unsubscribe"));
        }
        // SAFETY: rk is live.
        let code = unsafe { sys::rd_kafka_unsubscribe(self.rk()) } as i32;
        KafkaError::from_raw(code).map_or(Ok(()), Err)
    }

    /// Python: `assign(partitions)`: consume exactly these partitions from their offsets
    /// (`Offset::Invalid`/`NoCommit` = committed offset or `auto.offset.reset`).
    pub fn assign(&self, partitions: &[TopicPartition]) -> Result<()> {
        self.check_open()?;
        let list = NativeList::from_partitions("assign", partitions)?;
        self.state().mark_handled();
        // SAFETY: rk and list are live.
        let code = unsafe { sys::rd_kafka_assign(self.rk(), list.ptr()) } as i32;
        KafkaError::from_raw(code).map_or(Ok(()), Err)
    }

    /// Python: `unassign()`.
    pub fn unassign(&self) -> Result<()> {
        self.check_open()?;
        self.state().mark_handled();
        // SAFETY: rk is live; a null list clears the assignment.
        let code = unsafe { sys::rd_kafka_assign(self.rk(), ptr::null()) } as i32;
        KafkaError::from_raw(code).map_or(Ok(()), Err)
    }

    /// Python: `incremental_assign(partitions)` (cooperative rebalancing).
    pub fn incremental_assign(&self, partitions: &[TopicPartition]) -> Result<()> {
        self.check_open()?;
        let list = NativeList::from_partitions("incremental_assign", partitions)?;
        self.state().mark_handled();
        // SAFETY: rk and list are live; the returned error (if any) is ours.
        unsafe { KafkaError::from_native(sys::rd_kafka_incremental_assign(self.rk(), list.ptr())) }
            .map_or(Ok(()), Err)
    }

    /// Python: `incremental_unassign(partitions)`.
    pub fn incremental_unassign(&self, partitions: &[TopicPartition]) -> Result<()> {
        self.check_open()?;
        let list = NativeList::from_partitions("incremental_unassign", partitions)?;
        self.state().mark_handled();
        // SAFETY: rk and list are live; the returned error (if any) is ours.
        unsafe {
            KafkaError::from_native(sys::rd_kafka_incremental_unassign(self.rk(), list.ptr()))
        }
        .map_or(Ok(()), Err)
    }

    /// Python: `assignment()`.
    pub fn assignment(&self) -> Result<Vec<TopicPartition>> {
        self.check_open()?;
        let mut list = ptr::null_mut();
        // SAFETY: rk is live; on success librdkafka gives us an owned list.
        let code = unsafe { sys::rd_kafka_assignment(self.rk(), &mut list) } as i32;
        if let Some(e) = KafkaError::from_raw(code) {
            return Err(e);
        }
        // SAFETY: list is owned by us now.
        Ok(unsafe { NativeList::from_raw(list) }
            .map(|l| l.to_partitions())
            .unwrap_or_default())
    }

    /// The rebalance protocol in use: `"EAGER"`, `"COOPERATIVE"` or `"NONE"`.
    pub fn rebalance_protocol(&self) -> String {
        // SAFETY: rk is live; the returned string is static.
        unsafe { cstr_lossy(sys::rd_kafka_rebalance_protocol(self.rk())) }.into_owned()
    }

    /// Python: `poll(timeout)`: the next message, `None` on timeout, or a typed error
    /// (`_PARTITION_EOF`, `_MAX_POLL_EXCEEDED`, fatal errors, ...) with
    /// [`KafkaError::topic_partition`] telling where. Serves callbacks. Never waits past
    /// `timeout`.
    ///
    /// Python's loop tests `if msg.error():`; here that is the `Err` arm (an `Ok` message is
    /// never an error).
    pub fn poll(&self, timeout: impl Into<Timeout>) -> Option<Result<BorrowedMessage<'_>>> {
        if let Err(e) = self.check_open() {
            return Some(Err(e));
        }
        let timeout = timeout.into();
        let msg = {
            let _g = self.state().enter(self);
            let poll = |ms| {
                // SAFETY: rk is live; callbacks run on this thread and catch their panics. The
                // result is null or a message we own.
                unsafe { Handle::from_raw(sys::rd_kafka_consumer_poll(self.rk(), ms)) }
            };
            // A message already waiting is returned without reading the clock (a busy
            // consumer's per-message path); only an empty queue leads to the timed wait.
            let zero = Timeout::After(Duration::ZERO);
            match self.wait(zero, poll) {
                Some(m) => Some(m),
                None if timeout == zero || panic::pending() => None,
                None => self.wait(timeout, poll),
            }
        };
        // Own the message before resuming a panic, so unwinding frees it.
        let msg = msg.map(|m| BorrowedMessage::new(m, self));
        panic::resume();
        let msg = msg?;
        match message::message_error(msg.view()) {
            Some(e) => Some(Err(self.client.refine(e))),
            None => Some(Ok(msg)),
        }
    }

    /// Calls `f` (a librdkafka wait of up to the given milliseconds) until it returns
    /// something, the timeout passes, or it returns early for nothing but a wake-up. A deferred
    /// assignment whose offsets arrived is finished in between (the helper thread's yield ends
    /// the wait early for exactly that).
    ///
    /// The clock is read once, and only for a finite non-zero timeout: the first wait gets the
    /// whole timeout, and only a second round (rare: a wake-up for an assignment) needs to know
    /// how much is left. This keeps clock reads off the per-message path of `poll`.
    fn wait<T>(&self, timeout: Timeout, mut f: impl FnMut(i32) -> Option<T>) -> Option<T> {
        let st = self.state();
        let start = match timeout {
            Timeout::After(d) if !d.is_zero() => Some(Instant::now()),
            _ => None,
        };
        let mut ms = timeout.as_millis_i32();
        loop {
            // Only an on_assign closure that just ran can have left a panic to resume first.
            if st.finish_assignment(self.rk(), false) && panic::pending() {
                return None;
            }
            if let Some(v) = f(ms) {
                return Some(v);
            }
            if !st.assignment_ready() || panic::pending() {
                return None;
            }
            match (timeout, start) {
                (Timeout::Never, _) => {}
                (Timeout::After(d), Some(start)) => {
                    let left = d.saturating_sub(start.elapsed());
                    if left.is_zero() {
                        return None;
                    }
                    ms = Timeout::After(left).as_millis_i32();
                }
                // A zero timeout: one round only.
                (Timeout::After(_), None) => return None,
            }
        }
    }

    /// Python: `consume(num_messages=1, timeout=-1)`: up to `num_messages` messages in one call
    /// into librdkafka, owned by the returned batch (no copy; free of the consumer's lifetime).
    pub fn consume(
        &self,
        num_messages: usize,
        timeout: impl Into<Timeout>,
    ) -> Result<MessageBatch> {
        self.check_open()?;
        if num_messages == 0 || num_messages > 1_000_000 {
            return Err(KafkaError::invalid_arg(format!(
                "consume: num_messages must be 1..=1000000, got {num_messages}"
            )));
        }
        let timeout = timeout.into();
        let mut msgs: Vec<Handle<sys::rd_kafka_message_t>> = Vec::with_capacity(num_messages);
        let n = {
            let _g = self.state().enter(self);
            self.wait(timeout, |ms| {
                let n = if self.partition_eof {
                    self.consume_each(&mut msgs, num_messages, ms)
                } else {
                    // SAFETY: the queue is live; msgs has room for num_messages pointers, of
                    // which librdkafka fills the first n, each an owned non-null message;
                    // Handle is a transparent non-null pointer.
                    let n = unsafe {
                        sys::rd_kafka_consume_batch_queue(
                            self.queue.ptr(),
                            ms,
                            msgs.as_mut_ptr().cast(),
                            num_messages,
                        )
                    };
                    if n > 0 {
                        // SAFETY: the first n entries were written with owned messages.
                        unsafe { msgs.set_len(n as usize) };
                    }
                    n
                };
                (n != 0).then_some(n)
            })
        };
        let batch = MessageBatch::new(msgs, self.client.clone());
        panic::resume();
        if n.is_some_and(|n| n < 0) {
            return Err(self.client.refine(KafkaError::last_error()));
        }
        Ok(batch)
    }

    /// `consume` when partition EOF events are on: up to `max` messages popped one at a time
    /// within `ms`; returns how many. librdkafka 2.12.1's batch call moves the position (and,
    /// with auto offset store, the stored offset) to end + 1 for an EOF event in the batch
    /// (librdkafka #4844, fixed after 2.12.1), so auto commit would commit past the next
    /// message and a restarted consumer would skip it. The single-message call moves the
    /// position for messages only; EOF events are rare, so only configs enabling them pay
    /// for the per-message queue lock.
    fn consume_each(
        &self,
        msgs: &mut Vec<Handle<sys::rd_kafka_message_t>>,
        max: usize,
        ms: i32,
    ) -> isize {
        let deadline = (ms >= 0).then(|| Instant::now() + Duration::from_millis(ms as u64));
        while msgs.len() < max {
            let left = deadline.map_or(-1, |d| {
                Timeout::After(d.saturating_duration_since(Instant::now())).as_millis_i32()
            });
            // SAFETY: the queue is live; callbacks served here run on this thread and catch
            // their panics; the result is null (timeout, wake-up) or a message we own.
            let m =
                unsafe { Handle::from_raw(sys::rd_kafka_consume_queue(self.queue.ptr(), left)) };
            match m {
                Some(m) => msgs.push(m),
                None => break,
            }
            if panic::pending() {
                break;
            }
        }
        msgs.len() as isize
    }

    /// A handle that makes a blocking [`poll`](Consumer::poll) or [`consume`](Consumer::consume)
    /// of this consumer, on another thread, return now (see [`WakeupHandle`]).
    pub fn wakeup_handle(&self) -> WakeupHandle {
        let client = Arc::downgrade(&self.client);
        WakeupHandle::new(move || {
            let Some(client) = client.upgrade() else {
                return false;
            };
            // SAFETY: the client is live while we hold it; the queue reference we take is
            // released right away; yielding only wakes whoever waits on the queue.
            unsafe {
                if let Some(q) = Handle::from_raw(sys::rd_kafka_queue_get_consumer(client.ptr())) {
                    sys::rd_kafka_queue_yield(q.ptr());
                }
            }
            true
        })
    }

    /// An iterator of [`Consumer::poll`] results (timeouts are skipped) that ends when the
    /// consumer is closed. Python has none.
    pub fn iter(&self) -> Iter<'_> {
        Iter::new(self)
    }

    /// Python: `list_topics(topic=None, timeout=-1)`.
    pub fn list_topics(
        &self,
        topic: Option<&str>,
        timeout: impl Into<Timeout>,
    ) -> Result<ClusterMetadata> {
        self.check_open()?;
        ClusterMetadata::fetch(self.client.handle(), topic, timeout.into())
    }

    /// Python (2.13+): `cluster_id(timeout)`: the cluster's id from the brokers' metadata;
    /// `_TIMED_OUT` (as Python raises) if it could not be fetched within `timeout`.
    pub fn cluster_id(&self, timeout: impl Into<Timeout>) -> Result<String> {
        self.client.cluster_id(timeout.into())
    }

    /// Python: `memberid()`: this member's id in the group, once joined.
    pub fn memberid(&self) -> Option<String> {
        // SAFETY: rk is live; the returned string (if any) is ours to free with rd_kafka_mem_free.
        unsafe {
            let p = sys::rd_kafka_memberid(self.rk());
            if p.is_null() {
                return None;
            }
            let s = cstr_lossy(p).into_owned();
            sys::rd_kafka_mem_free(self.rk(), p.cast());
            (!s.is_empty()).then_some(s)
        }
    }

    /// Python: `consumer_group_metadata()`, for `send_offsets_to_transaction`.
    pub fn consumer_group_metadata(&self) -> Result<ConsumerGroupMetadata> {
        self.check_open()?;
        // SAFETY: rk is live; the result is null or owned by us.
        let p = unsafe { Handle::from_raw(sys::rd_kafka_consumer_group_metadata(self.rk())) };
        p.map(ConsumerGroupMetadata).ok_or_else(|| {
            KafkaError::invalid_arg("consumer_group_metadata needs a consumer with `group.id`")
        })
    }

    /// Python: `set_sasl_credentials(username, password)`.
    pub fn set_sasl_credentials(&self, username: &str, password: &str) -> Result<()> {
        self.check_open()?;
        self.client.set_sasl_credentials(username, password)
    }

    /// Python: `close()`: leaves the group (revoke closures run), commits final offsets if
    /// `enable.auto.commit` is on, within [`ConsumerBuilder::close_timeout`] (10 s by default).
    /// See [`Consumer::close_timeout`].
    pub fn close(&self) -> Result<()> {
        self.close_timeout(self.close_timeout)
    }

    /// [`Consumer::close`] within `timeout`: returns within it even if every broker is gone
    /// (then with `_TIMED_OUT`; the group sees the member time out instead). Closing twice is
    /// a no-op; every other call after close fails with `_STATE`. Refused (with `_STATE`) from
    /// inside a rebalance closure.
    pub fn close_timeout(&self, timeout: impl Into<Timeout>) -> Result<()> {
        if self.state.get() != OPEN {
            return Ok(());
        }
        if self.state().in_rebalance() {
            return Err(rebalance::inside_rebalance("close"));
        }
        self.state.set(CLOSING);
        let deadline = timeout.into().deadline();
        let result = {
            let _g = self.state().enter(self);
            // A deferred assignment is finished first, so on_assign runs before on_revoke.
            let _ = self.state().finish_assignment(self.rk(), true);
            self.close_until(deadline)
        };
        self.state.set(CLOSED);
        // Never close again inside rd_kafka_destroy (it could block without brokers).
        self.client.skip_consumer_close_on_destroy();
        panic::resume();
        result
    }

    /// Runs librdkafka's close on a private queue, serving its events until it is done or
    /// `deadline` passes.
    fn close_until(&self, deadline: Option<Instant>) -> Result<()> {
        // SAFETY: rk is live; a fresh queue reference we own (never null; aborts on OOM).
        let q = unsafe { Handle::from_raw(sys::rd_kafka_queue_new(self.rk())) }
            .expect("rd_kafka_queue_new never returns null");
        // SAFETY: rk and q are live; the queue is released after the close completed or was
        // given up on (a close still running holds its own reference).
        let err = unsafe {
            KafkaError::from_native(sys::rd_kafka_consumer_close_queue(self.rk(), q.ptr()))
        };
        if let Some(e) = err {
            return Err(e);
        }
        // SAFETY: rk is live.
        while unsafe { sys::rd_kafka_consumer_closed(self.rk()) } == 0 {
            let wait = match deadline {
                None => 100,
                Some(d) => {
                    let left = d.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Err(KafkaError::new(
                            ErrorCode::TimedOut,
                            "consumer close did not complete within its bound",
                        ));
                    }
                    left.as_millis().clamp(1, 100) as i32
                }
            };
            // The close queue carries rebalance/commit events (served through the same
            // trampolines as in poll) and librdkafka's internal termination reply, so it is
            // served with the event API, not rd_kafka_queue_poll_callback.
            // SAFETY: q is live; a returned event is ours.
            if let Some(ev) = unsafe { Handle::from_raw(sys::rd_kafka_queue_poll(q.ptr(), wait)) } {
                // SAFETY: ev was just polled from this consumer's close queue.
                unsafe { self.serve_close_event(&ev) };
            }
        }
        Ok(())
    }

    /// Runs the callback for one event taken from the close queue.
    ///
    /// # Safety
    /// `ev` must be a live event polled from this consumer's close queue.
    unsafe fn serve_close_event(&self, ev: &Handle<sys::rd_kafka_event_t>) {
        let opaque: *mut c_void = self.client.context().as_opaque();
        // SAFETY: ev is live (caller contract); its list belongs to it; the trampolines get the
        // same arguments librdkafka would pass them, with the code read as an int.
        unsafe {
            let kind = sys::rd_kafka_event_type(ev.ptr());
            let code = crate::ffi::event_error(ev.ptr());
            let list = sys::rd_kafka_event_topic_partition_list(ev.ptr());
            match kind as u32 {
                k if k == sys::RD_KAFKA_EVENT_REBALANCE as u32 => {
                    rebalance::rebalance_trampoline(self.rk(), code, list, opaque)
                }
                k if k == sys::RD_KAFKA_EVENT_OFFSET_COMMIT as u32 => {
                    commit::commit_trampoline(self.rk(), code, list, opaque)
                }
                k if k == sys::RD_KAFKA_EVENT_ERROR as u32 => {
                    let reason = cstr_lossy(sys::rd_kafka_event_error_string(ev.ptr()));
                    log::warn!(target: "rkafka", "{}: during close: {}", self.client.name(), self.client.context().scrub(&reason));
                }
                _ => {}
            }
        }
    }
}

impl Drop for Consumer {
    fn drop(&mut self) {
        let deadline = Instant::now() + self.close_timeout;
        // On a thread librdkafka runs (inside a logger or oauth_cb closure) the close cannot be
        // served here; rd_kafka_destroy, on the teardown thread, closes the consumer itself.
        if self.state.get() == OPEN && !panic::on_client_thread() {
            if let Err(e) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                self.close_timeout(self.close_timeout)
            })) {
                drop(e);
                log::error!(target: "rkafka", "{}: a callback panicked while the consumer was closed on drop", self.client.name());
            }
        }
        // One bound for the whole drop: the teardown gets what is left of it.
        self.client
            .set_teardown_bound(deadline.saturating_duration_since(Instant::now()));
        panic::discard("Consumer::drop");
    }
}

impl std::fmt::Debug for Consumer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Consumer")
            .field("name", &self.client.name())
            .field("closed", &(self.state.get() == CLOSED))
            .finish()
    }
}
