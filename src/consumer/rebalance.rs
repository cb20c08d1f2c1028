//! Rebalances: the closures of [`Rebalance`] (Python's `on_assign`, `on_revoke`, `on_lost`),
//! the consumer's callback state ([`ConsumerState`]) and the rebalance trampoline.
//!
//! `on_assign` shows each partition's committed offset. Fetching it takes a round trip to the
//! group coordinator, which must never block a `poll`: so an assignment with an `on_assign`
//! closure is deferred. The trampoline starts the fetch on a helper thread and returns without
//! assigning (librdkafka waits for the assign call, sending heartbeats meanwhile); when the
//! fetch is done, the helper wakes the consumer (`rd_kafka_queue_yield` for a blocking poll,
//! the stream's waker for async), and the next `poll`/`consume`/`close` runs `on_assign` and
//! assigns, with the fetched offsets, so librdkafka does not fetch them a second time. Without
//! an `on_assign` closure nothing is fetched: the partitions are assigned at once.

use std::ffi::c_void;
use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;

use rdkafka_sys::bindings as sys;

use super::commit::CommitFn;
use super::Consumer;
use crate::client::{ClientContext, Kind};
use crate::error::{ErrorCode, KafkaError, Result};
use crate::handle::Handle;
use crate::panic;
use crate::topic_partition::{list_to_partitions, NativeList, Offset, OffsetReset, TopicPartition};
use crate::util::cstr_lossy;

/// How long the helper thread waits for the committed offsets of a new assignment; past it,
/// `on_assign` runs with the offsets it could not learn left as [`Offset::Invalid`].
const COMMITTED_FETCH_MS: i32 = 10_000;

/// A rebalance closure: Python's `on_assign(consumer, partitions)` / `on_revoke` / `on_lost`.
/// It may change the partitions' offsets (used by the automatic assign) or call
/// [`Consumer::assign`] / [`Consumer::incremental_assign`] itself.
pub type RebalanceFn = dyn FnMut(&Consumer, &mut [TopicPartition]) + Send;

/// The rebalance closures given to [`Consumer::subscribe_with`] (Python's `on_assign`,
/// `on_revoke`, `on_lost` keyword arguments). They run inside `poll`/`consume`/`close` on the
/// calling thread. Inside them, `subscribe`, `unsubscribe` and `close` are refused with
/// `_STATE` (librdkafka is in the middle of the rebalance); everything else works, commits
/// included.
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
    /// none and `auto.offset.reset` applies (`Offset::Invalid` if the coordinator did not answer
    /// within 10 s: librdkafka then decides as usual). Setting an offset here changes the start.
    /// It runs once the offsets are known, from a later `poll` (which never blocks past its
    /// timeout waiting for them).
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

    /// The closure for this rebalance event: on_assign; on_lost for a lost assignment when
    /// given (else on_revoke, as in Python); on_revoke.
    fn slot(&mut self, event: Event) -> &mut Option<Box<RebalanceFn>> {
        match event {
            Event::Assign => &mut self.on_assign,
            Event::Lost if self.on_lost.is_some() => &mut self.on_lost,
            Event::Lost | Event::Revoke => &mut self.on_revoke,
        }
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Event {
    Assign,
    Revoke,
    Lost,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // User code never runs under these locks (closures are taken out first), so a poisoned one
    // is still consistent.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Committed offsets fetched by a helper thread.
type Fetched = Arc<Mutex<Option<Result<Vec<TopicPartition>>>>>;

/// An assignment waiting for its committed offsets before `on_assign` runs.
struct PendingAssign {
    parts: Vec<TopicPartition>,
    cooperative: bool,
    fetched: Fetched,
}

/// The consumer's part of the callback context. Genuinely `Sync` (mutexes and atomics):
/// librdkafka's own threads never touch it, but the compiler need not take that on trust.
pub(crate) struct ConsumerState {
    rebalance: Mutex<Rebalance>,
    pub(super) on_commit: Mutex<Option<Box<CommitFn>>>,
    /// The consumer whose `poll`/`consume`/`close` is running (callbacks only run inside
    /// those); null outside them.
    current: AtomicPtr<Consumer>,
    /// Set while a rebalance closure runs; `handled` when it assigned or unassigned itself.
    in_rebalance: AtomicBool,
    handled: AtomicBool,
    reset: OffsetReset,
    pending: Mutex<Option<PendingAssign>>,
    /// `pending` is `Some`: read without the lock by every `poll`/`consume`, so the per-message
    /// path takes no mutex when no assignment is deferred (nearly always).
    has_pending: AtomicBool,
    /// Helper threads fetching committed offsets; joined before the client is destroyed.
    fetchers: Mutex<Vec<JoinHandle<()>>>,
    /// Async: the consumer stream's waker.
    #[cfg(feature = "async")]
    pub(crate) waker: crate::wake::QueueWaker,
}

impl Kind for ConsumerState {
    fn before_destroy(&self, _rk: *mut sys::rd_kafka_t) {
        #[cfg(feature = "async")]
        self.waker.disable();
        for t in std::mem::take(&mut *lock(&self.fetchers)) {
            let _ = t.join();
        }
    }
}

/// Sets the "current consumer" for callbacks for the duration of a call into librdkafka, and
/// restores the previous value after (a closure may poll re-entrantly).
pub(super) struct Enter<'a>(&'a ConsumerState, *mut Consumer);

impl Drop for Enter<'_> {
    fn drop(&mut self) {
        self.0.current.store(self.1, Ordering::Release);
    }
}

impl ConsumerState {
    pub(super) fn new(reset: OffsetReset, on_commit: Option<Box<CommitFn>>) -> ConsumerState {
        ConsumerState {
            rebalance: Mutex::new(Rebalance::default()),
            on_commit: Mutex::new(on_commit),
            current: AtomicPtr::new(std::ptr::null_mut()),
            in_rebalance: AtomicBool::new(false),
            handled: AtomicBool::new(false),
            reset,
            pending: Mutex::new(None),
            has_pending: AtomicBool::new(false),
            fetchers: Mutex::new(Vec::new()),
            #[cfg(feature = "async")]
            waker: Default::default(),
        }
    }

    pub(super) fn enter(&self, consumer: &Consumer) -> Enter<'_> {
        let previous = self
            .current
            .swap((consumer as *const Consumer).cast_mut(), Ordering::AcqRel);
        Enter(self, previous)
    }

    /// True while a rebalance closure runs.
    pub(super) fn in_rebalance(&self) -> bool {
        self.in_rebalance.load(Ordering::Acquire)
    }

    /// A rebalance closure assigned or unassigned itself (so no automatic assign follows).
    pub(super) fn mark_handled(&self) {
        if self.in_rebalance() {
            self.handled.store(true, Ordering::Release);
        }
    }

    /// Replaces the rebalance closures (`subscribe`); refused from inside one of them.
    pub(super) fn set_rebalance(&self, callbacks: Rebalance) -> Result<()> {
        if self.in_rebalance() {
            return Err(inside_rebalance("subscribe"));
        }
        *lock(&self.rebalance) = callbacks;
        Ok(())
    }

    /// True if an assignment waits for its committed offsets and they have arrived.
    pub(super) fn assignment_ready(&self) -> bool {
        if !self.has_pending.load(Ordering::Acquire) {
            return false;
        }
        lock(&self.pending)
            .as_ref()
            .is_some_and(|p| lock(&p.fetched).is_some())
    }

    /// Runs `on_assign` for a deferred assignment and assigns, if its committed offsets have
    /// arrived (or at once, with whatever is known, when `now`). Returns whether it did.
    #[inline]
    pub(super) fn finish_assignment(&self, rk: *mut sys::rd_kafka_t, now: bool) -> bool {
        // Set (under the lock) before the assignment can be finished; a deferred assignment is
        // only ever made by a rebalance callback on the polling thread, before this check.
        if !self.has_pending.load(Ordering::Acquire) {
            return false;
        }
        self.finish_pending(rk, now)
    }

    #[cold]
    fn finish_pending(&self, rk: *mut sys::rd_kafka_t, now: bool) -> bool {
        let taken = {
            let mut pending = lock(&self.pending);
            match &*pending {
                Some(p) if now || lock(&p.fetched).is_some() => {
                    self.has_pending.store(false, Ordering::Release);
                    pending.take()
                }
                _ => None,
            }
        };
        let Some(p) = taken else { return false };
        let fetched = lock(&p.fetched).take();
        let mut parts = p.parts;
        match fetched {
            Some(Ok(committed)) => self.show_committed(&mut parts, committed),
            Some(Err(e)) => {
                log::warn!(target: "rkafka", "on_assign: the committed offsets could not be fetched ({e}); they are shown as Offset::Invalid")
            }
            None => {
                log::debug!(target: "rkafka", "on_assign runs before the committed offsets arrived; they are shown as Offset::Invalid")
            }
        }
        self.run_closure(Event::Assign, &mut parts);
        if !self.handled.load(Ordering::Acquire) {
            // SAFETY: rk is the live instance (caller contract of every caller).
            unsafe { apply(rk, true, p.cooperative, &parts) };
        }
        true
    }

    /// Fills in each partition's committed offset (or which reset policy applies).
    fn show_committed(&self, parts: &mut [TopicPartition], committed: Vec<TopicPartition>) {
        for (p, c) in parts.iter_mut().zip(committed) {
            if p.offset == Offset::Invalid {
                p.offset = match c.offset {
                    Offset::At(n) => Offset::At(n),
                    _ => Offset::NoCommit(self.reset),
                };
                p.metadata = c.metadata;
            }
        }
    }

    /// Runs the closure for `event` with the current consumer (if any and no panic is pending),
    /// marking the rebalance in progress; whether it assigned itself is left in `handled`.
    fn run_closure(&self, event: Event, parts: &mut [TopicPartition]) {
        self.handled.store(false, Ordering::Release);
        let consumer = self.current.load(Ordering::Acquire);
        if consumer.is_null() || panic::pending() {
            return;
        }
        // Take the closure out while it runs (a re-entrant call cannot alias it); a separate
        // statement, so the lock is released before the closure runs.
        let taken = lock(&self.rebalance).slot(event).take();
        let Some(mut f) = taken else { return };
        // SAFETY: `current` is set by the running poll/consume/close, which holds a shared
        // borrow of the consumer for the whole call this runs inside.
        let c = unsafe { &*consumer };
        self.in_rebalance.store(true, Ordering::Release);
        panic::catch(|| f(c, parts));
        self.in_rebalance.store(false, Ordering::Release);
        lock(&self.rebalance).slot(event).get_or_insert(f);
    }

    fn has_closure(&self, event: Event) -> bool {
        lock(&self.rebalance).slot(event).is_some()
    }

    /// Defers an assignment until its committed offsets are fetched (see the module docs).
    fn defer_assignment(
        &self,
        rk: *mut sys::rd_kafka_t,
        parts: Vec<TopicPartition>,
        cooperative: bool,
    ) -> Result<()> {
        let list = NativeList::from_partitions("rebalance", &parts)?;
        let fetched: Fetched = Arc::default();
        let slot = fetched.clone();
        let (rk_ptr, state) = (Raw(rk), Raw((self as *const ConsumerState).cast_mut()));
        let thread = std::thread::Builder::new()
            .name("rkafka-committed".into())
            .spawn(move || fetch_committed(rk_ptr, state, list, slot))
            .map_err(|e| KafkaError::new(ErrorCode::Fail, format!("cannot start a thread: {e}")))?;
        let mut fetchers = lock(&self.fetchers);
        fetchers.retain(|t| !t.is_finished());
        fetchers.push(thread);
        let mut pending = lock(&self.pending);
        *pending = Some(PendingAssign {
            parts,
            cooperative,
            fetched,
        });
        // Under the lock, so it is never seen false while `pending` is `Some`.
        self.has_pending.store(true, Ordering::Release);
        drop(pending);
        Ok(())
    }
}

/// A pointer a helper thread may use: the `rd_kafka_t` and the consumer's state, which outlive
/// it (helpers are joined by `ConsumerState::before_destroy`, before the handle is destroyed).
struct Raw<T>(*mut T);
// SAFETY: see above; the pointees are Sync (`ConsumerState`) or thread-safe by librdkafka's
// contract (`rd_kafka_t`).
unsafe impl<T> Send for Raw<T> {}

/// The helper thread: fetches the committed offsets of `list`, leaves them in `slot`, and wakes
/// the consumer (a blocking poll and the stream).
fn fetch_committed(
    rk: Raw<sys::rd_kafka_t>,
    state: Raw<ConsumerState>,
    list: NativeList,
    slot: Fetched,
) {
    // SAFETY: rk outlives this thread (see Raw); list is ours; librdkafka fills in offsets.
    let code = unsafe { sys::rd_kafka_committed(rk.0, list.ptr(), COMMITTED_FETCH_MS) } as i32;
    let result = match KafkaError::from_raw(code) {
        None => Ok(list.to_partitions()),
        Some(e) => Err(e),
    };
    *lock(&slot) = Some(result);
    // SAFETY: the state outlives this thread (see Raw).
    let _st = unsafe { &*state.0 };
    #[cfg(feature = "async")]
    _st.waker.wake();
    // SAFETY: rk is live; the queue reference we take is released right away.
    unsafe {
        if let Some(q) = Handle::from_raw(sys::rd_kafka_queue_get_consumer(rk.0)) {
            sys::rd_kafka_queue_yield(q.ptr());
        }
    }
}

#[cold]
pub(super) fn inside_rebalance(call: &str) -> KafkaError {
    KafkaError::new(
        ErrorCode::State,
        format!(
            "{call} cannot be called from inside a rebalance closure (on_assign/on_revoke/on_lost): \
             librdkafka is in the middle of the rebalance; return from the closure and call it \
             after poll() returns"
        ),
    )
}

/// What Python does when the closure did not (incremental_)assign itself: assign (or unassign)
/// the partitions, each starting where the closure left its offset. A partition with no
/// committed offset starts where `auto.offset.reset` says, told to librdkafka directly, so it
/// does not fetch the committed offsets a second time.
///
/// # Safety
/// `rk` must be the live instance.
unsafe fn apply(
    rk: *mut sys::rd_kafka_t,
    assign: bool,
    cooperative: bool,
    parts: &[TopicPartition],
) {
    let start: Vec<TopicPartition> = parts
        .iter()
        .map(|p| {
            let mut p = p.clone();
            p.offset = match p.offset {
                Offset::NoCommit(OffsetReset::Earliest) => Offset::Beginning,
                Offset::NoCommit(OffsetReset::Latest) => Offset::End,
                o => o,
            };
            p
        })
        .collect();
    let result = NativeList::from_partitions("rebalance", &start).and_then(|l| {
        // SAFETY: rk and l are live (caller contract); returned errors are ours.
        unsafe {
            match (assign, cooperative) {
                (true, true) => {
                    KafkaError::from_native(sys::rd_kafka_incremental_assign(rk, l.ptr()))
                        .map_or(Ok(()), Err)
                }
                (true, false) => KafkaError::from_raw(sys::rd_kafka_assign(rk, l.ptr()) as i32)
                    .map_or(Ok(()), Err),
                (false, true) => {
                    KafkaError::from_native(sys::rd_kafka_incremental_unassign(rk, l.ptr()))
                        .map_or(Ok(()), Err)
                }
                (false, false) => {
                    KafkaError::from_raw(sys::rd_kafka_assign(rk, std::ptr::null()) as i32)
                        .map_or(Ok(()), Err)
                }
            }
        }
    });
    if let Err(e) = result {
        log::error!(target: "rkafka", "automatic {} failed: {e}", if assign { "assign" } else { "unassign" });
    }
}

/// rebalance_cb: served by poll/consume/close on the caller's thread; the whole body runs
/// inside [`panic::catch`]. Calls the user's closure (for an assignment: later, once its
/// committed offsets are known, see the module docs), then assigns/unassigns as Python does
/// when the closure did not.
pub(super) unsafe extern "C" fn rebalance_trampoline(
    rk: *mut sys::rd_kafka_t,
    err: crate::ffi::RespErr,
    list: *mut sys::rd_kafka_topic_partition_list_t,
    opaque: *mut c_void,
) {
    // SAFETY: the arguments are librdkafka's, valid for this call.
    panic::catch(|| unsafe { rebalance(rk, err, list, opaque) });
    if panic::pending() {
        // SAFETY: rk is the live instance serving this callback.
        unsafe { sys::rd_kafka_yield(rk) };
    }
}

/// # Safety
/// The arguments of librdkafka's rebalance_cb, `opaque` being the consumer's context.
unsafe fn rebalance(
    rk: *mut sys::rd_kafka_t,
    err: crate::ffi::RespErr,
    list: *mut sys::rd_kafka_topic_partition_list_t,
    opaque: *mut c_void,
) {
    // SAFETY: opaque is the consumer's context; rk is live; list is valid for this call.
    let (st, cooperative, parts) = unsafe {
        (
            &ClientContext::<ConsumerState>::from_opaque(opaque).kind,
            cstr_lossy(sys::rd_kafka_rebalance_protocol(rk)) == "COOPERATIVE",
            list_to_partitions(list),
        )
    };
    let event = match err {
        e if e == crate::consts::RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS as i32 => Event::Assign,
        e if e == crate::consts::RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS as i32 => {
            // SAFETY: rk is live.
            if unsafe { sys::rd_kafka_assignment_lost(rk) } != 0 {
                Event::Lost
            } else {
                Event::Revoke
            }
        }
        other => {
            log::error!(target: "rkafka", "rebalance error: {}", ErrorCode::from_raw(other).description());
            // SAFETY: rk is live; clearing the assignment is librdkafka's documented reaction.
            unsafe { sys::rd_kafka_assign(rk, std::ptr::null()) };
            return;
        }
    };
    // An assignment still waiting for its offsets comes first: on_assign before anything later.
    let _ = st.finish_assignment(rk, true);
    let mut parts = parts;
    if event == Event::Assign {
        let wants_offsets = st.has_closure(Event::Assign)
            && !st.current.load(Ordering::Acquire).is_null()
            && !panic::pending();
        if wants_offsets {
            match st.defer_assignment(rk, parts.clone(), cooperative) {
                Ok(()) => return,
                Err(e) => {
                    log::warn!(target: "rkafka", "on_assign: cannot fetch the committed offsets ({e}); running it without them")
                }
            }
        }
        st.run_closure(Event::Assign, &mut parts);
    } else {
        st.run_closure(event, &mut parts);
    }
    if !st.handled.load(Ordering::Acquire) {
        // SAFETY: rk is live.
        unsafe { apply(rk, event == Event::Assign, cooperative, &parts) };
    }
}
