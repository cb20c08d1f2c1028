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
//! consumer.subscribe(&["my-topic"], Rebalance::new().on_assign(|_c, parts| {
//!     for p in parts.iter() {
//!         println!("assigned {} [{}] starting at {:?}", p.topic, p.partition, p.offset);
//!     }
//! }))?;
//! while let Some(msg) = consumer.poll(Duration::from_secs(1)) {
//!     let msg = msg?;
//!     println!("{} [{}] @ {}", msg.topic(), msg.partition(), msg.offset());
//! }
//! consumer.close(Duration::from_secs(10))?;
//! # Ok(()) }
//! ```

use std::cell::{Cell, RefCell};
use std::ffi::c_void;
use std::marker::PhantomData;
use std::ptr::{self, NonNull};
use std::sync::Arc;
use std::time::{Duration, Instant};

use libc::c_int;
use rdkafka_sys::bindings as sys;

use crate::client::{
    common_builder_methods, yield_if_panicked, ClientContext, CommonCallbacks, NativeClient,
};
use crate::config::Config;
use crate::consts;
use crate::error::{ErrorCode, KafkaError, Result};
use crate::message::{Headers, Message, MessageView, Timestamp};
use crate::metadata::ClusterMetadata;
use crate::topic_partition::{
    list_to_partitions, topic_cstring, NativeList, Offset, OffsetReset, TopicPartition,
};
use crate::util::{self, cstr_lossy, Timeout};

/// Declarations whose callback types take the error code as a plain `int` (rdkafka-sys types it
/// as a Rust enum, which a broker code it does not know would make undefined behaviour).
mod ffi_int {
    use libc::{c_int, c_void};
    use rdkafka_sys::bindings::{
        rd_kafka_conf_t, rd_kafka_queue_t, rd_kafka_t, rd_kafka_topic_partition_list_t,
    };
    pub(crate) type PartitionsCb = unsafe extern "C" fn(
        *mut rd_kafka_t,
        c_int,
        *mut rd_kafka_topic_partition_list_t,
        *mut c_void,
    );
    extern "C" {
        #[link_name = "rd_kafka_conf_set_rebalance_cb"]
        pub(crate) fn set_rebalance_cb(conf: *mut rd_kafka_conf_t, cb: Option<PartitionsCb>);
        #[link_name = "rd_kafka_conf_set_offset_commit_cb"]
        pub(crate) fn set_offset_commit_cb(conf: *mut rd_kafka_conf_t, cb: Option<PartitionsCb>);
        #[link_name = "rd_kafka_event_error"]
        pub(crate) fn event_error(ev: *mut rdkafka_sys::bindings::rd_kafka_event_t) -> c_int;
        #[link_name = "rd_kafka_commit_queue"]
        pub(crate) fn commit_queue(
            rk: *mut rd_kafka_t,
            offsets: *const rd_kafka_topic_partition_list_t,
            rkqu: *mut rd_kafka_queue_t,
            cb: Option<PartitionsCb>,
            opaque: *mut c_void,
        ) -> c_int;
    }
}

/// A rebalance closure: Python's `on_assign(consumer, partitions)` / `on_revoke` / `on_lost`.
/// It may change the partitions' offsets (used by the automatic assign) or call
/// [`Consumer::assign`] / [`Consumer::incremental_assign`] itself.
pub type RebalanceFn = dyn FnMut(&Consumer, &mut [TopicPartition]) + Send;
type CommitFn = dyn FnMut(Option<&KafkaError>, &[TopicPartition]) + Send;

/// The rebalance closures given to [`Consumer::subscribe`] (Python's `on_assign`, `on_revoke`,
/// `on_lost` keyword arguments). They run inside `poll`/`consume`/`close` on the calling thread.
#[derive(Default)]
pub struct Rebalance {
    on_assign: Option<Box<RebalanceFn>>,
    on_revoke: Option<Box<RebalanceFn>>,
    on_lost: Option<Box<RebalanceFn>>,
}

impl Rebalance {
    /// No closures: partitions are assigned and revoked automatically.
    pub fn new() -> Rebalance {
        Rebalance::default()
    }
    /// Python: `on_assign=`. Each partition's `offset` shows where consumption will start: the
    /// group's committed offset (`Offset::At`), or `Offset::NoCommit(policy)` when the group has
    /// none and `auto.offset.reset` applies. Setting an offset here changes the start.
    pub fn on_assign(
        mut self,
        f: impl FnMut(&Consumer, &mut [TopicPartition]) + Send + 'static,
    ) -> Self {
        self.on_assign = Some(Box::new(f));
        self
    }
    /// Python: `on_revoke=`.
    pub fn on_revoke(
        mut self,
        f: impl FnMut(&Consumer, &mut [TopicPartition]) + Send + 'static,
    ) -> Self {
        self.on_revoke = Some(Box::new(f));
        self
    }
    /// Python: `on_lost=`: partitions lost without a clean revoke (session timeout, fencing).
    /// Without it, `on_revoke` is called, as in Python.
    pub fn on_lost(
        mut self,
        f: impl FnMut(&Consumer, &mut [TopicPartition]) + Send + 'static,
    ) -> Self {
        self.on_lost = Some(Box::new(f));
        self
    }
}

impl std::fmt::Debug for Rebalance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rebalance")
            .field("on_assign", &self.on_assign.is_some())
            .field("on_revoke", &self.on_revoke.is_some())
            .field("on_lost", &self.on_lost.is_some())
            .finish()
    }
}

/// Consumer-only state reached from the rebalance and commit trampolines.
pub(crate) struct ConsumerState {
    rebalance: RefCell<Rebalance>,
    on_commit: RefCell<Option<Box<CommitFn>>>,
    /// The consumer whose `poll`/`consume`/`close` is running (callbacks only run inside those).
    current: Cell<*const Consumer>,
    /// Set when a rebalance closure assigned/unassigned itself.
    handled: Cell<bool>,
    in_rebalance: Cell<bool>,
    reset: OffsetReset,
}

// SAFETY: the cells are only touched on the thread that holds the `Consumer` (which is `!Sync`)
// while it runs poll/consume/close/assign, and from the rebalance/commit callbacks that
// librdkafka serves inside those very calls on that thread. librdkafka's own threads only call
// the log callback, which never reads this state.
unsafe impl Sync for ConsumerState {}
// SAFETY: as above; moving the state with the consumer to another thread is fine.
unsafe impl Send for ConsumerState {}

/// Builds a [`Consumer`] with callbacks (the callable entries of a Python config dict).
pub struct ConsumerBuilder {
    config: Config,
    common: CommonCallbacks,
    on_commit: Option<Box<CommitFn>>,
    close_timeout: Duration,
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

    /// How long `Drop` may spend closing (leaving the group, final commit); default 10 s.
    pub fn close_timeout_on_drop(mut self, t: Duration) -> Self {
        self.close_timeout = t;
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
        if !self.config.get("group.id").is_some_and(|g| !g.is_empty()) {
            return Err(KafkaError::config(vec![crate::error::ConfigIssue {
                key: "group.id".into(),
                reason: "is required: librdkafka's consumer (like confluent-kafka-python's Consumer) needs a group \
                         id, also for assign()-only use; pick any id if you never commit"
                    .into(),
                suggestions: Vec::new(),
            }]));
        }
        let mut ctx = ClientContext::new(self.common, None, &self.config);
        let has_commit_cb = self.on_commit.is_some();
        ctx.consumer = Some(ConsumerState {
            rebalance: RefCell::new(Rebalance::default()),
            on_commit: RefCell::new(self.on_commit),
            current: Cell::new(ptr::null()),
            handled: Cell::new(false),
            in_rebalance: Cell::new(false),
            reset,
        });
        let client = NativeClient::new(
            sys::rd_kafka_type_t::RD_KAFKA_CONSUMER,
            &self.config,
            ctx,
            &[],
            |conf| {
                // SAFETY: conf is live and not yet handed over; the trampolines match the C callback
                // signatures (error codes as int, asserted int-sized by wrapper.h).
                unsafe {
                    ffi_int::set_rebalance_cb(conf.ptr(), Some(rebalance_trampoline));
                    if has_commit_cb {
                        ffi_int::set_offset_commit_cb(conf.ptr(), Some(commit_trampoline));
                    }
                }
            },
        )?;
        // SAFETY: the client is live. Forwarding the main queue makes poll/consume serve every
        // callback; the consumer queue handle is owned by the Consumer and destroyed first.
        let queue = unsafe {
            sys::rd_kafka_poll_set_consumer(client.ptr());
            sys::rd_kafka_queue_get_consumer(client.ptr())
        };
        let queue = NonNull::new(queue)
            .ok_or_else(|| KafkaError::new(ErrorCode::Fail, "no consumer queue"))?;
        Ok(Consumer {
            queue: Queue(queue),
            client: Arc::new(client),
            state: Cell::new(OPEN),
            close_timeout: self.close_timeout,
            _not_sync: PhantomData,
        })
    }
}

impl std::fmt::Debug for ConsumerBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsumerBuilder")
            .field("config", &self.config)
            .field("callbacks", &self.common)
            .finish()
    }
}

/// An owned `rd_kafka_queue_t`.
struct Queue(NonNull<sys::rd_kafka_queue_t>);
// SAFETY: librdkafka queues are thread-safe objects.
unsafe impl Send for Queue {}
impl Drop for Queue {
    fn drop(&mut self) {
        // SAFETY: we own this queue reference; released once, before the client (field order).
        unsafe { sys::rd_kafka_queue_destroy(self.0.as_ptr()) }
    }
}

/// A Kafka consumer, mirroring `confluent_kafka.Consumer`.
///
/// `Send` but not `Sync`: move it to the thread that consumes. Rebalance, commit, error and
/// statistics callbacks run on the thread calling `poll`/`consume`/`close`; a panic in one is
/// resumed from that call. Dropping the consumer closes it (bounded; see
/// [`ConsumerBuilder::close_timeout_on_drop`]).
pub struct Consumer {
    // Field order matters: the queue is released before the client.
    queue: Queue,
    client: Arc<NativeClient>,
    /// OPEN, CLOSING (closures may still call in while close serves them) or CLOSED.
    state: Cell<u8>,
    close_timeout: Duration,
    _not_sync: PhantomData<Cell<()>>,
}

const OPEN: u8 = 0;
const CLOSING: u8 = 1;
const CLOSED: u8 = 2;

/// Sets the "current consumer" for callbacks for the duration of a call into librdkafka, and
/// restores the previous value after (a closure may poll re-entrantly).
struct Enter<'a>(&'a ConsumerState, *const Consumer);
impl Drop for Enter<'_> {
    fn drop(&mut self) {
        self.0.current.set(self.1);
    }
}

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
            close_timeout: Duration::from_secs(10),
        }
    }

    fn state(&self) -> &ConsumerState {
        self.client
            .context()
            .consumer
            .as_ref()
            .expect("consumer state")
    }

    fn enter(&self) -> Enter<'_> {
        let st = self.state();
        Enter(st, st.current.replace(self))
    }

    fn rk(&self) -> *mut sys::rd_kafka_t {
        self.client.ptr()
    }

    #[cfg(feature = "async")]
    pub(crate) fn client_arc(&self) -> &Arc<NativeClient> {
        &self.client
    }

    #[cfg(feature = "async")]
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

    /// Python: `subscribe(topics, on_assign=None, on_revoke=None, on_lost=None)`. Topics
    /// starting with `^` are regular expressions.
    pub fn subscribe(&self, topics: &[&str], callbacks: Rebalance) -> Result<()> {
        self.check_open()?;
        if topics.is_empty() {
            return Err(KafkaError::invalid_arg("subscribe: no topics given"));
        }
        let list = NativeList::from_topics("subscribe", topics)?;
        // Replace the closures only when no rebalance callback is running them.
        *self.state().rebalance.try_borrow_mut().map_err(|_| {
            KafkaError::new(
                ErrorCode::State,
                "subscribe cannot be called from inside a rebalance closure",
            )
        })? = callbacks;
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

    /// Python: `unsubscribe()`.
    pub fn unsubscribe(&self) -> Result<()> {
        self.check_open()?;
        // SAFETY: rk is live.
        let code = unsafe { sys::rd_kafka_unsubscribe(self.rk()) } as i32;
        KafkaError::from_raw(code).map_or(Ok(()), Err)
    }

    fn mark_handled(&self) {
        let st = self.state();
        if st.in_rebalance.get() {
            st.handled.set(true);
        }
    }

    /// Python: `assign(partitions)`: consume exactly these partitions from their offsets
    /// (`Offset::Invalid`/`NoCommit` = committed offset or `auto.offset.reset`).
    pub fn assign(&self, partitions: &[TopicPartition]) -> Result<()> {
        self.check_open()?;
        let list = NativeList::from_partitions("assign", partitions)?;
        self.mark_handled();
        // SAFETY: rk and list are live.
        let code = unsafe { sys::rd_kafka_assign(self.rk(), list.ptr()) } as i32;
        KafkaError::from_raw(code).map_or(Ok(()), Err)
    }

    /// Python: `unassign()`.
    pub fn unassign(&self) -> Result<()> {
        self.check_open()?;
        self.mark_handled();
        // SAFETY: rk is live; a null list clears the assignment.
        let code = unsafe { sys::rd_kafka_assign(self.rk(), ptr::null()) } as i32;
        KafkaError::from_raw(code).map_or(Ok(()), Err)
    }

    /// Python: `incremental_assign(partitions)` (cooperative rebalancing).
    pub fn incremental_assign(&self, partitions: &[TopicPartition]) -> Result<()> {
        self.check_open()?;
        let list = NativeList::from_partitions("incremental_assign", partitions)?;
        self.mark_handled();
        // SAFETY: rk and list are live; the returned error (if any) is ours.
        unsafe { KafkaError::from_native(sys::rd_kafka_incremental_assign(self.rk(), list.ptr())) }
            .map_or(Ok(()), Err)
    }

    /// Python: `incremental_unassign(partitions)`.
    pub fn incremental_unassign(&self, partitions: &[TopicPartition]) -> Result<()> {
        self.check_open()?;
        let list = NativeList::from_partitions("incremental_unassign", partitions)?;
        self.mark_handled();
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
    /// [`KafkaError::topic_partition`] telling where. Serves callbacks.
    pub fn poll(&self, timeout: impl Into<Timeout>) -> Option<Result<BorrowedMessage<'_>>> {
        if let Err(e) = self.check_open() {
            return Some(Err(e));
        }
        let m = {
            let _g = self.enter();
            // SAFETY: rk is live; callbacks run on this thread and catch their panics.
            unsafe { sys::rd_kafka_consumer_poll(self.rk(), timeout.into().as_millis_i32()) }
        };
        // Own the message before resuming a panic, so unwinding frees it.
        let msg = NonNull::new(m).map(|p| BorrowedMessage {
            ptr: p,
            consumer: self,
        });
        util::resume_panic();
        let msg = msg?;
        match message_error(msg.view()) {
            Some(e) => Some(Err(e)),
            None => Some(Ok(msg)),
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
        let mut ptrs: Vec<*mut sys::rd_kafka_message_t> = Vec::with_capacity(num_messages);
        let n = {
            let _g = self.enter();
            // SAFETY: the queue is live; ptrs has room for num_messages pointers, of which
            // librdkafka fills the first n (each an owned message).
            unsafe {
                let n = sys::rd_kafka_consume_batch_queue(
                    self.queue.0.as_ptr(),
                    timeout.into().as_millis_i32(),
                    ptrs.as_mut_ptr(),
                    num_messages,
                );
                if n > 0 {
                    ptrs.set_len(n as usize);
                }
                n
            }
        };
        let batch = MessageBatch {
            msgs: ptrs,
            _client: self.client.clone(),
        };
        util::resume_panic();
        if n < 0 {
            return Err(KafkaError::last_error());
        }
        Ok(batch)
    }

    /// An endless iterator of [`Consumer::poll`] results (timeouts are skipped). Python has none.
    pub fn iter(&self) -> Iter<'_> {
        Iter { consumer: self }
    }

    fn commit_list(
        &self,
        list: Option<&NativeList>,
        asynchronous: bool,
    ) -> Result<Option<Vec<TopicPartition>>> {
        self.check_open()?;
        let lp = list.map_or(ptr::null(), |l| l.ptr() as *const _);
        if asynchronous {
            // SAFETY: rk is live; lp is null (current offsets) or a live list copied by librdkafka.
            let code = unsafe { sys::rd_kafka_commit(self.rk(), lp, 1) } as i32;
            return KafkaError::from_raw(code).map_or(Ok(None), Err);
        }
        let mut result = CommitResult::default();
        let _g = self.enter();
        // SAFETY: rk is live; with a null queue librdkafka serves the result callback inside this
        // call, with `result` (alive across the call) as its opaque.
        let code = unsafe {
            ffi_int::commit_queue(
                self.rk(),
                lp,
                ptr::null_mut(),
                Some(commit_result_cb),
                (&mut result as *mut CommitResult).cast(),
            )
        };
        drop(_g);
        util::resume_panic();
        if let Some(e) = result.error.or_else(|| KafkaError::from_raw(code)) {
            return Err(e);
        }
        if let Some(e) = result.offsets.iter().find_map(|p| p.error.clone()) {
            return Err(e);
        }
        Ok(Some(result.offsets))
    }

    /// Python: `commit(asynchronous=...)`: commits the current offsets (the stored offsets of
    /// the assignment). Synchronous commits return the committed partitions; any partition
    /// error fails the call.
    pub fn commit(&self, asynchronous: bool) -> Result<Option<Vec<TopicPartition>>> {
        self.commit_list(None, asynchronous)
    }

    /// Python: `commit(message=msg, asynchronous=...)`: commits the message's offset + 1.
    pub fn commit_message(
        &self,
        message: &impl MessagePosition,
        asynchronous: bool,
    ) -> Result<Option<Vec<TopicPartition>>> {
        let list = NativeList::from_partitions("commit", &[message.next_position()])?;
        self.commit_list(Some(&list), asynchronous)
    }

    /// Python: `commit(offsets=[...], asynchronous=...)`.
    pub fn commit_offsets(
        &self,
        offsets: &[TopicPartition],
        asynchronous: bool,
    ) -> Result<Option<Vec<TopicPartition>>> {
        if offsets.is_empty() {
            return Err(KafkaError::invalid_arg("commit_offsets: no offsets given"));
        }
        let list = NativeList::from_partitions("commit_offsets", offsets)?;
        self.commit_list(Some(&list), asynchronous)
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
        self.store_list(&NativeList::from_partitions("store_offsets", offsets)?)
    }

    /// Python: `committed(partitions, timeout)`: the group's committed offsets
    /// (`Offset::Invalid` where none).
    pub fn committed(
        &self,
        partitions: &[TopicPartition],
        timeout: impl Into<Timeout>,
    ) -> Result<Vec<TopicPartition>> {
        self.check_open()?;
        let list = NativeList::from_partitions("committed", partitions)?;
        // SAFETY: rk and list are live; librdkafka fills in the offsets.
        let code = unsafe {
            sys::rd_kafka_committed(self.rk(), list.ptr(), timeout.into().as_millis_i32())
        } as i32;
        KafkaError::from_raw(code).map_or(Ok(()), Err)?;
        Ok(list.to_partitions())
    }

    /// Python: `position(partitions)`: the offset of the next message to be consumed.
    pub fn position(&self, partitions: &[TopicPartition]) -> Result<Vec<TopicPartition>> {
        self.check_open()?;
        let list = NativeList::from_partitions("position", partitions)?;
        // SAFETY: rk and list are live.
        let code = unsafe { sys::rd_kafka_position(self.rk(), list.ptr()) } as i32;
        KafkaError::from_raw(code).map_or(Ok(()), Err)?;
        Ok(list.to_partitions())
    }

    /// Python: `seek(partition)`: the next message fetched for the (assigned) partition is at
    /// `partition.offset`. Waits up to 10 s for the seek to take effect.
    pub fn seek(&self, partition: &TopicPartition) -> Result<()> {
        self.check_open()?;
        let list = NativeList::from_partitions("seek", std::slice::from_ref(partition))?;
        // SAFETY: rk and list are live; the returned error (if any) is ours.
        let err = unsafe {
            KafkaError::from_native(sys::rd_kafka_seek_partitions(self.rk(), list.ptr(), 10_000))
        };
        if let Some(e) = err {
            return Err(e);
        }
        match list
            .to_partitions()
            .into_iter()
            .next()
            .and_then(|p| p.error)
        {
            Some(e) => Err(e.with_partition(partition.topic.clone(), partition.partition)),
            None => Ok(()),
        }
    }

    fn pause_resume(&self, partitions: &[TopicPartition], pause: bool) -> Result<()> {
        self.check_open()?;
        let call = if pause { "pause" } else { "resume" };
        let list = NativeList::from_partitions(call, partitions)?;
        // SAFETY: rk and list are live.
        let code = unsafe {
            if pause {
                sys::rd_kafka_pause_partitions(self.rk(), list.ptr())
            } else {
                sys::rd_kafka_resume_partitions(self.rk(), list.ptr())
            }
        } as i32;
        KafkaError::from_raw(code).map_or(Ok(()), Err)?;
        match list
            .to_partitions()
            .into_iter()
            .find_map(|p| p.error.map(|e| e.with_partition(p.topic, p.partition)))
        {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Python: `pause(partitions)`.
    pub fn pause(&self, partitions: &[TopicPartition]) -> Result<()> {
        self.pause_resume(partitions, true)
    }

    /// Python: `resume(partitions)`.
    pub fn resume(&self, partitions: &[TopicPartition]) -> Result<()> {
        self.pause_resume(partitions, false)
    }

    /// Python: `get_watermark_offsets(partition, timeout=None, cached=False)` → `(low, high)`.
    /// With `cached`, answers from the last fetch (no request; `-1001` where unknown).
    pub fn get_watermark_offsets(
        &self,
        partition: &TopicPartition,
        timeout: impl Into<Timeout>,
        cached: bool,
    ) -> Result<(i64, i64)> {
        self.check_open()?;
        let t = topic_cstring("get_watermark_offsets", &partition.topic)?;
        let (mut lo, mut hi) = (0i64, 0i64);
        // SAFETY: rk is live; t is NUL-terminated; lo/hi are valid out-pointers.
        let code = unsafe {
            if cached {
                sys::rd_kafka_get_watermark_offsets(
                    self.rk(),
                    t.as_ptr(),
                    partition.partition,
                    &mut lo,
                    &mut hi,
                )
            } else {
                sys::rd_kafka_query_watermark_offsets(
                    self.rk(),
                    t.as_ptr(),
                    partition.partition,
                    &mut lo,
                    &mut hi,
                    timeout.into().as_millis_i32(),
                )
            }
        } as i32;
        KafkaError::from_raw(code).map_or(Ok((lo, hi)), |e| {
            Err(e.with_partition(partition.topic.clone(), partition.partition))
        })
    }

    /// Python: `offsets_for_times(partitions, timeout)`: each partition's `offset` holds a
    /// timestamp (ms, as `Offset::At(ts)`); the result holds the earliest offset whose timestamp
    /// is at or after it (`Offset::End` if none).
    pub fn offsets_for_times(
        &self,
        partitions: &[TopicPartition],
        timeout: impl Into<Timeout>,
    ) -> Result<Vec<TopicPartition>> {
        self.check_open()?;
        if partitions.is_empty() {
            return Err(KafkaError::invalid_arg(
                "offsets_for_times: no partitions given",
            ));
        }
        let list = NativeList::from_partitions("offsets_for_times", partitions)?;
        // SAFETY: rk and list are live.
        let code = unsafe {
            sys::rd_kafka_offsets_for_times(self.rk(), list.ptr(), timeout.into().as_millis_i32())
        } as i32;
        KafkaError::from_raw(code).map_or(Ok(()), Err)?;
        Ok(list.to_partitions())
    }

    /// Python: `list_topics(topic=None, timeout=-1)`.
    pub fn list_topics(
        &self,
        topic: Option<&str>,
        timeout: impl Into<Timeout>,
    ) -> Result<ClusterMetadata> {
        self.check_open()?;
        self.client.list_topics(topic, timeout.into())
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
        // SAFETY: rk is live; the result is owned by the returned value.
        let p = unsafe { sys::rd_kafka_consumer_group_metadata(self.rk()) };
        NonNull::new(p).map(ConsumerGroupMetadata).ok_or_else(|| {
            KafkaError::invalid_arg("consumer_group_metadata needs a consumer with `group.id`")
        })
    }

    /// Python: `set_sasl_credentials(username, password)`.
    pub fn set_sasl_credentials(&self, username: &str, password: &str) -> Result<()> {
        self.check_open()?;
        self.client.set_sasl_credentials(username, password)
    }

    /// Python: `close()`, bounded: leaves the group (revoke closures run), commits final offsets
    /// if `enable.auto.commit` is on, and returns within `timeout` even if every broker is gone
    /// (then with `_TIMED_OUT`; the group sees the member time out instead). Closing twice is
    /// a no-op; every other call after close fails with `_STATE`.
    pub fn close(&self, timeout: impl Into<Timeout>) -> Result<()> {
        if self.state.get() != OPEN {
            return Ok(());
        }
        self.state.set(CLOSING);
        let deadline = timeout.into().deadline();
        let result = {
            let _g = self.enter();
            // SAFETY: rk is live; the temporary queue is destroyed below, after the close either
            // completed or was given up on; callbacks run on this thread.
            unsafe {
                let q = sys::rd_kafka_queue_new(self.rk());
                let err = KafkaError::from_native(sys::rd_kafka_consumer_close_queue(self.rk(), q));
                let mut done = err.is_none() && sys::rd_kafka_consumer_closed(self.rk()) != 0;
                while err.is_none() && !done {
                    let wait = match deadline {
                        None => 100,
                        Some(d) => {
                            let left = d.saturating_duration_since(Instant::now());
                            if left.is_zero() {
                                break;
                            }
                            left.as_millis().clamp(1, 100) as c_int
                        }
                    };
                    // The close queue carries rebalance/commit events (served through the same
                    // trampolines as in poll) and librdkafka's internal termination reply, so it
                    // is served with the event API, not rd_kafka_queue_poll_callback.
                    let ev = sys::rd_kafka_queue_poll(q, wait);
                    if !ev.is_null() {
                        self.serve_close_event(ev);
                        sys::rd_kafka_event_destroy(ev);
                    }
                    done = sys::rd_kafka_consumer_closed(self.rk()) != 0;
                }
                sys::rd_kafka_queue_destroy(q);
                match err {
                    Some(e) => Err(e),
                    None if done => Ok(()),
                    None => Err(KafkaError::new(
                        ErrorCode::TimedOut,
                        "consumer close did not complete within its bound",
                    )),
                }
            }
        };
        self.state.set(CLOSED);
        // Never close again inside rd_kafka_destroy (it could block without brokers).
        self.client.skip_consumer_close_on_destroy();
        util::resume_panic();
        result
    }
}

impl Consumer {
    /// Runs the callback for one event taken from the close queue.
    ///
    /// # Safety
    /// `ev` must be a live event polled from this consumer's close queue.
    unsafe fn serve_close_event(&self, ev: *mut sys::rd_kafka_event_t) {
        let opaque = (self.client.context() as *const ClientContext)
            .cast_mut()
            .cast::<c_void>();
        // SAFETY: ev is live (caller contract); its list belongs to it; the trampolines get the
        // same arguments librdkafka would pass them, with the code read as an int.
        unsafe {
            let kind = sys::rd_kafka_event_type(ev);
            let code = ffi_int::event_error(ev);
            let list = sys::rd_kafka_event_topic_partition_list(ev);
            match kind as u32 {
                k if k == sys::RD_KAFKA_EVENT_REBALANCE as u32 => {
                    rebalance_trampoline(self.rk(), code, list, opaque)
                }
                k if k == sys::RD_KAFKA_EVENT_OFFSET_COMMIT as u32 => {
                    commit_trampoline(self.rk(), code, list, opaque)
                }
                k if k == sys::RD_KAFKA_EVENT_ERROR as u32 => {
                    let reason = cstr_lossy(sys::rd_kafka_event_error_string(ev));
                    log::warn!(target: "rkafka", "{}: during close: {}", self.client.name(), self.client.context().scrub(&reason));
                }
                _ => {}
            }
        }
    }
}

impl Drop for Consumer {
    fn drop(&mut self) {
        if self.state.get() == OPEN {
            if let Err(e) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                self.close(self.close_timeout)
            })) {
                drop(e);
                log::error!(target: "rkafka", "{}: a callback panicked while the consumer was closed on drop", self.client.name());
            }
        }
        util::discard_panic("Consumer::drop");
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

/// Something with a position to commit or store: its topic, partition and offset + 1.
pub trait MessagePosition {
    /// The position after this message (what Python's `commit(message=)` commits).
    fn next_position(&self) -> TopicPartition;
}

fn next_of(v: MessageView<'_>) -> TopicPartition {
    let mut tp = TopicPartition::with_offset(
        v.topic().into_owned(),
        v.partition(),
        Offset::At(v.offset() + 1),
    );
    tp.leader_epoch = v.leader_epoch();
    tp
}

impl MessagePosition for MessageView<'_> {
    fn next_position(&self) -> TopicPartition {
        next_of(*self)
    }
}

impl MessagePosition for Message {
    fn next_position(&self) -> TopicPartition {
        let mut tp = TopicPartition::with_offset(
            self.topic.clone(),
            self.partition,
            Offset::At(self.offset + 1),
        );
        tp.leader_epoch = self.leader_epoch;
        tp
    }
}

fn message_error(v: MessageView<'_>) -> Option<KafkaError> {
    v.error().map(|e| {
        e.with_partition(v.topic().into_owned(), v.partition())
            .with_offset(v.offset())
    })
}

macro_rules! message_accessors {
    () => {
        /// Python: `msg.topic()`.
        pub fn topic(&self) -> std::borrow::Cow<'_, str> {
            self.view().topic()
        }
        /// Python: `msg.partition()`.
        pub fn partition(&self) -> i32 {
            self.view().partition()
        }
        /// Python: `msg.offset()`.
        pub fn offset(&self) -> i64 {
            self.view().offset()
        }
        /// Python: `msg.key()` (zero-copy).
        pub fn key(&self) -> Option<&[u8]> {
            self.view().key()
        }
        /// Python: `msg.value()` (zero-copy).
        pub fn value(&self) -> Option<&[u8]> {
            self.view().value()
        }
        /// Python: `msg.headers()`.
        pub fn headers(&self) -> Option<Headers<'_>> {
            self.view().headers()
        }
        /// Python: `msg.timestamp()`.
        pub fn timestamp(&self) -> Timestamp {
            self.view().timestamp()
        }
        /// Python: `msg.leader_epoch()`.
        pub fn leader_epoch(&self) -> Option<i32> {
            self.view().leader_epoch()
        }
        /// Python: `msg.latency()` (producer-side; `None` for consumed messages).
        pub fn latency(&self) -> Option<Duration> {
            self.view().latency()
        }
        /// Python: `msg.error()`.
        pub fn error(&self) -> Option<KafkaError> {
            self.view().error()
        }
        /// A deep, owned copy (`Message`).
        pub fn detach(&self) -> Message {
            self.view().detach()
        }
    };
}

/// A consumed message borrowed from its [`Consumer`] (zero-copy); destroyed on drop.
/// [`BorrowedMessage::into_owned`] makes it independent of the consumer without copying.
pub struct BorrowedMessage<'c> {
    ptr: NonNull<sys::rd_kafka_message_t>,
    consumer: &'c Consumer,
}

impl BorrowedMessage<'_> {
    /// A view of the message, valid while it is borrowed.
    pub fn view(&self) -> MessageView<'_> {
        // SAFETY: we own the message until drop; the view borrows self.
        unsafe { MessageView::from_raw(self.ptr.as_ptr()) }
    }

    message_accessors!();
}

impl BorrowedMessage<'_> {
    /// The same message, owned and free of the consumer's lifetime (keeps the client alive;
    /// no copy of key or value).
    pub fn into_owned(self) -> OwnedMessage {
        let (ptr, client) = (self.ptr, self.consumer.client.clone());
        std::mem::forget(self);
        OwnedMessage {
            ptr,
            _client: client,
        }
    }
}

impl Drop for BorrowedMessage<'_> {
    fn drop(&mut self) {
        // SAFETY: we own the message; destroyed once, while the consumer is alive ('c).
        unsafe { sys::rd_kafka_message_destroy(self.ptr.as_ptr()) }
    }
}

impl MessagePosition for BorrowedMessage<'_> {
    fn next_position(&self) -> TopicPartition {
        next_of(self.view())
    }
}

impl std::fmt::Debug for BorrowedMessage<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.view().fmt(f)
    }
}

/// A consumed message that owns its librdkafka message and keeps the client alive: free of the
/// consumer's lifetime, no copy of key or value. `Send`, not `Sync` (headers parse lazily).
pub struct OwnedMessage {
    ptr: NonNull<sys::rd_kafka_message_t>,
    _client: Arc<NativeClient>,
}

// SAFETY: a message is an immutable heap object once consumed; destroying it from another thread
// is allowed (refcounted internally), and the Arc keeps its client alive.
unsafe impl Send for OwnedMessage {}

impl OwnedMessage {
    /// A view of the message.
    pub fn view(&self) -> MessageView<'_> {
        // SAFETY: we own the message until drop.
        unsafe { MessageView::from_raw(self.ptr.as_ptr()) }
    }

    message_accessors!();
}

impl Drop for OwnedMessage {
    fn drop(&mut self) {
        // SAFETY: we own the message; the client is alive (Arc field dropped after this).
        unsafe { sys::rd_kafka_message_destroy(self.ptr.as_ptr()) }
    }
}

impl MessagePosition for OwnedMessage {
    fn next_position(&self) -> TopicPartition {
        next_of(self.view())
    }
}

impl std::fmt::Debug for OwnedMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.view().fmt(f)
    }
}

/// The messages of one [`Consumer::consume`] call, owned without copying (one reference on the
/// client for the whole batch). Entries may be errors (e.g. `_PARTITION_EOF`), as in Python.
pub struct MessageBatch {
    msgs: Vec<*mut sys::rd_kafka_message_t>,
    _client: Arc<NativeClient>,
}

// SAFETY: see OwnedMessage; the batch owns every message it holds.
unsafe impl Send for MessageBatch {}

impl MessageBatch {
    /// Number of entries (messages and errors).
    pub fn len(&self) -> usize {
        self.msgs.len()
    }
    /// True if the call returned nothing (timeout).
    pub fn is_empty(&self) -> bool {
        self.msgs.is_empty()
    }
    /// Each entry: a message view, or its error with [`KafkaError::topic_partition`].
    pub fn iter(&self) -> impl Iterator<Item = Result<MessageView<'_>>> + '_ {
        self.msgs.iter().map(|&p| {
            // SAFETY: every pointer is an owned, live message until the batch drops.
            let v = unsafe { MessageView::from_raw(p) };
            match message_error(v) {
                Some(e) => Err(e),
                None => Ok(v),
            }
        })
    }
}

impl Drop for MessageBatch {
    fn drop(&mut self) {
        for &p in &self.msgs {
            // SAFETY: each message is owned by the batch and destroyed once.
            unsafe { sys::rd_kafka_message_destroy(p) }
        }
    }
}

/// Python: `for msg in consumer.consume(n, t)`: each entry by value, as an [`OwnedMessage`]
/// (no copy) that may be kept or sent to another thread after the batch is gone, or its
/// error. Each message takes a reference on the client; [`MessageBatch::iter`] (views that
/// live as long as the batch, all freed at once when it drops) is the cheaper loop when
/// nothing is kept.
///
/// ```no_run
/// # fn f(consumer: &rkafka::Consumer) -> rkafka::Result<()> {
/// for entry in consumer.consume(1000, std::time::Duration::from_secs(1))? {
///     match entry {
///         Ok(msg) => println!("{}: {:?}", msg.offset(), msg.value()),
///         Err(e) => eprintln!("{e}"),
///     }
/// }
/// # Ok(()) }
/// ```
impl IntoIterator for MessageBatch {
    type Item = Result<OwnedMessage>;
    type IntoIter = BatchIntoIter;

    fn into_iter(mut self) -> BatchIntoIter {
        // The batch is left empty, so its own drop destroys nothing.
        let msgs = std::mem::take(&mut self.msgs).into_iter();
        BatchIntoIter {
            msgs,
            client: self._client.clone(),
        }
    }
}

/// The by-value iterator of a [`MessageBatch`]; entries not taken are freed when it drops.
pub struct BatchIntoIter {
    msgs: std::vec::IntoIter<*mut sys::rd_kafka_message_t>,
    client: Arc<NativeClient>,
}

// SAFETY: as MessageBatch: the iterator owns every message it has not handed out yet.
unsafe impl Send for BatchIntoIter {}

impl Iterator for BatchIntoIter {
    type Item = Result<OwnedMessage>;

    #[inline]
    fn next(&mut self) -> Option<Result<OwnedMessage>> {
        let p = self.msgs.next()?;
        let owned = OwnedMessage {
            // SAFETY: rd_kafka_consume_batch_queue filled the batch with valid, non-null
            // messages, owned by the batch; ownership moves to the item (an error entry is
            // destroyed with it).
            ptr: unsafe { NonNull::new_unchecked(p) },
            _client: self.client.clone(),
        };
        Some(match message_error(owned.view()) {
            Some(e) => Err(e),
            None => Ok(owned),
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.msgs.size_hint()
    }
}

impl ExactSizeIterator for BatchIntoIter {}

impl Drop for BatchIntoIter {
    fn drop(&mut self) {
        for p in self.msgs.by_ref() {
            // SAFETY: each message not handed out is still owned here; destroyed once.
            unsafe { sys::rd_kafka_message_destroy(p) }
        }
    }
}

impl std::fmt::Debug for BatchIntoIter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchIntoIter")
            .field("left", &self.msgs.len())
            .finish()
    }
}

impl std::fmt::Debug for MessageBatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MessageBatch")
            .field("len", &self.msgs.len())
            .finish()
    }
}

/// Endless iterator over [`Consumer::poll`]; see [`Consumer::iter`].
#[derive(Debug)]
pub struct Iter<'c> {
    consumer: &'c Consumer,
}

impl<'c> Iterator for Iter<'c> {
    type Item = Result<BorrowedMessage<'c>>;
    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(r) = self.consumer.poll(Duration::from_millis(100)) {
                return Some(r);
            }
        }
    }
}

/// The group's identity for `send_offsets_to_transaction` (Python: the value of
/// `consumer.consumer_group_metadata()`).
pub struct ConsumerGroupMetadata(NonNull<sys::rd_kafka_consumer_group_metadata_t>);

// SAFETY: an immutable, self-contained C object.
unsafe impl Send for ConsumerGroupMetadata {}
// SAFETY: as above; only read.
unsafe impl Sync for ConsumerGroupMetadata {}

impl ConsumerGroupMetadata {
    pub(crate) fn ptr(&self) -> *mut sys::rd_kafka_consumer_group_metadata_t {
        self.0.as_ptr()
    }
}

impl Drop for ConsumerGroupMetadata {
    fn drop(&mut self) {
        // SAFETY: owned; destroyed once.
        unsafe { sys::rd_kafka_consumer_group_metadata_destroy(self.0.as_ptr()) }
    }
}

impl std::fmt::Debug for ConsumerGroupMetadata {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ConsumerGroupMetadata")
    }
}

#[derive(Default)]
struct CommitResult {
    error: Option<KafkaError>,
    offsets: Vec<TopicPartition>,
}

/// Result callback of a synchronous commit, served inside `rd_kafka_commit_queue`.
unsafe extern "C" fn commit_result_cb(
    _rk: *mut sys::rd_kafka_t,
    err: c_int,
    offsets: *mut sys::rd_kafka_topic_partition_list_t,
    opaque: *mut c_void,
) {
    // SAFETY: opaque is the CommitResult on the stack of `commit_list`, alive during the call;
    // offsets is valid for this callback. No user code runs here.
    unsafe {
        let r = &mut *opaque.cast::<CommitResult>();
        r.error = KafkaError::from_raw(err);
        r.offsets = list_to_partitions(offsets);
    }
}

/// offset_commit_cb: served by poll/consume/close on the caller's thread.
unsafe extern "C" fn commit_trampoline(
    rk: *mut sys::rd_kafka_t,
    err: c_int,
    offsets: *mut sys::rd_kafka_topic_partition_list_t,
    opaque: *mut c_void,
) {
    // SAFETY: opaque is our ClientContext; consumer state exists for consumers.
    let ctx = unsafe { &*opaque.cast::<ClientContext>() };
    let Some(st) = &ctx.consumer else { return };
    // SAFETY: offsets is valid for this callback (or null).
    let parts = unsafe { list_to_partitions(offsets) };
    let error = KafkaError::from_raw(err);
    // Take the closure out while it runs, so a re-entrant call cannot alias it.
    let Some(mut f) = st.on_commit.borrow_mut().take() else {
        return;
    };
    let completed = util::catch(|| f(error.as_ref(), &parts)).is_some();
    st.on_commit.borrow_mut().get_or_insert(f);
    // SAFETY: rk is the live instance serving this callback.
    unsafe { yield_if_panicked(rk, completed) };
}

/// The closure for this rebalance event: on_assign; on_lost for a lost assignment when given
/// (else on_revoke, as in Python); on_revoke.
fn rebalance_slot(rb: &mut Rebalance, assign: bool, lost: bool) -> &mut Option<Box<RebalanceFn>> {
    if assign {
        &mut rb.on_assign
    } else if lost && rb.on_lost.is_some() {
        &mut rb.on_lost
    } else {
        &mut rb.on_revoke
    }
}

/// rebalance_cb: served by poll/consume/close on the caller's thread. Calls the user's closure
/// (with committed offsets filled in for on_assign), then assigns/unassigns as Python does when
/// the closure did not.
unsafe extern "C" fn rebalance_trampoline(
    rk: *mut sys::rd_kafka_t,
    err: c_int,
    list: *mut sys::rd_kafka_topic_partition_list_t,
    opaque: *mut c_void,
) {
    // SAFETY: opaque is our ClientContext.
    let ctx = unsafe { &*opaque.cast::<ClientContext>() };
    let Some(st) = &ctx.consumer else { return };
    // SAFETY: rk is live; the protocol string is static.
    let cooperative = unsafe { cstr_lossy(sys::rd_kafka_rebalance_protocol(rk)) } == "COOPERATIVE";
    // SAFETY: list is valid for this callback.
    let mut parts = unsafe { list_to_partitions(list) };
    let consumer = st.current.get();
    st.handled.set(false);
    st.in_rebalance.set(true);
    let assign = err == consts::RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS as i32;
    let revoke = err == consts::RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS as i32;

    if assign || revoke {
        // SAFETY: rk is live.
        let lost = revoke && unsafe { sys::rd_kafka_assignment_lost(rk) } != 0;
        if !consumer.is_null() && !util::panic_pending() {
            if assign {
                // Show where each partition will start: the committed offset, or which
                // auto.offset.reset policy applies.
                // SAFETY: rk and the copied list are live; committed offsets are filled in place.
                unsafe {
                    let q = sys::rd_kafka_topic_partition_list_copy(list);
                    if sys::rd_kafka_committed(rk, q, 10_000) as i32 == 0 {
                        let committed = list_to_partitions(q);
                        for (p, c) in parts.iter_mut().zip(committed) {
                            if p.offset == Offset::Invalid {
                                p.offset = match c.offset {
                                    Offset::At(n) => Offset::At(n),
                                    _ => Offset::NoCommit(st.reset),
                                };
                                p.metadata = c.metadata;
                            }
                        }
                    }
                    sys::rd_kafka_topic_partition_list_destroy(q);
                }
            }
            // Take the closure out while it runs (a re-entrant call cannot alias it), then put
            // it back unless the closure installed new callbacks by calling subscribe.
            // (A separate statement: the RefMut must be released before the closure runs.)
            let taken = rebalance_slot(&mut st.rebalance.borrow_mut(), assign, lost).take();
            if let Some(mut f) = taken {
                // SAFETY: `consumer` was set by the running poll/consume/close, which holds a
                // shared borrow of it for the whole C call this callback runs inside.
                let c = unsafe { &*consumer };
                util::catch(|| f(c, &mut parts));
                rebalance_slot(&mut st.rebalance.borrow_mut(), assign, lost).get_or_insert(f);
            }
        }
        if !st.handled.get() {
            // What Python does when the closure did not (incremental_)assign itself.
            let result = NativeList::from_partitions("rebalance", &parts).and_then(|l| {
                // SAFETY: rk and l are live; returned errors are ours.
                unsafe {
                    match (assign, cooperative) {
                        (true, true) => {
                            KafkaError::from_native(sys::rd_kafka_incremental_assign(rk, l.ptr()))
                                .map_or(Ok(()), Err)
                        }
                        (true, false) => {
                            KafkaError::from_raw(sys::rd_kafka_assign(rk, l.ptr()) as i32)
                                .map_or(Ok(()), Err)
                        }
                        (false, true) => {
                            KafkaError::from_native(sys::rd_kafka_incremental_unassign(rk, l.ptr()))
                                .map_or(Ok(()), Err)
                        }
                        (false, false) => {
                            KafkaError::from_raw(sys::rd_kafka_assign(rk, ptr::null()) as i32)
                                .map_or(Ok(()), Err)
                        }
                    }
                }
            });
            if let Err(e) = result {
                log::error!(target: "rkafka", "automatic {} failed: {e}", if assign { "assign" } else { "unassign" });
            }
        }
    } else {
        log::error!(target: "rkafka", "rebalance error: {}", ErrorCode::from_raw(err).description());
        // SAFETY: rk is live; clearing the assignment is librdkafka's documented reaction.
        unsafe { sys::rd_kafka_assign(rk, ptr::null()) };
    }
    st.in_rebalance.set(false);
}
