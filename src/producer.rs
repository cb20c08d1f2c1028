//! [`Producer`], mirroring `confluent_kafka.Producer`.
//!
//! ```no_run
//! use rkafka::{Config, Producer, Record};
//! # fn main() -> rkafka::Result<()> {
//! let producer = Producer::builder(Config::from([("bootstrap.servers", "localhost:9092")]))
//!     .on_delivery(|report| match report.error() {
//!         Some(e) => eprintln!("delivery failed: {e}"),
//!         None => println!("delivered to {} [{}] @ {}", report.topic(), report.partition(), report.offset()),
//!     })
//!     .build()?;
//! producer.produce(Record::new("my-topic").key("k").value("hello"))?;
//! producer.poll(std::time::Duration::ZERO);
//! let still_queued = producer.flush(std::time::Duration::from_secs(10));
//! assert_eq!(still_queued, 0);
//! # Ok(()) }
//! ```

use std::collections::HashMap;
use std::ffi::c_void;
use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use rdkafka_sys::bindings as sys;

use crate::client::{
    common_builder_methods, yield_if_panicked, ClientContext, CommonCallbacks, NativeClient,
};
use crate::config::Config;
use crate::consts;
use crate::consumer::ConsumerGroupMetadata;
use crate::error::{ErrorCode, KafkaError, Result};
use crate::message::{Headers, Message, MessageView, Timestamp};
use crate::metadata::ClusterMetadata;
use crate::topic_partition::{check_topic_name, NativeList, TopicPartition};
use crate::util::{self, cstring, FxBuild, Timeout};

/// What a delivery callback receives: Python's `on_delivery(err, msg)` in one value.
///
/// A borrowed view valid during the callback; [`DeliveryReport::to_message`] gives an owned
/// copy (e.g. to retry it).
pub struct DeliveryReport<'a> {
    view: MessageView<'a>,
    error: Option<KafkaError>,
    tag: Option<usize>,
}

impl<'a> DeliveryReport<'a> {
    /// The number given to this message with [`Record::tag`] (C: the `msg_opaque` of
    /// `rd_kafka_produce`; rust-rdkafka: a `usize` delivery opaque). Python has none: there
    /// the `on_delivery` callable closes over its context.
    #[inline]
    pub fn tag(&self) -> Option<usize> {
        self.tag
    }
    /// Python's `err` argument: `None` if the message was delivered.
    pub fn error(&self) -> Option<&KafkaError> {
        self.error.as_ref()
    }
    /// `Ok((partition, offset))` on delivery, else the error.
    pub fn result(&self) -> Result<(i32, i64)> {
        match &self.error {
            None => Ok((self.partition(), self.offset())),
            Some(e) => Err(e.clone()),
        }
    }
    /// `msg.topic()`.
    pub fn topic(&self) -> std::borrow::Cow<'a, str> {
        self.view.topic()
    }
    /// `msg.partition()`: where it was (or would have been) written; `-1` if never assigned.
    pub fn partition(&self) -> i32 {
        self.view.partition()
    }
    /// `msg.offset()`: the offset the broker assigned; negative if not delivered.
    pub fn offset(&self) -> i64 {
        self.view.offset()
    }
    /// `msg.key()`.
    pub fn key(&self) -> Option<&'a [u8]> {
        self.view.key()
    }
    /// `msg.value()`.
    pub fn value(&self) -> Option<&'a [u8]> {
        self.view.value()
    }
    /// `msg.headers()`.
    pub fn headers(&self) -> Option<Headers<'a>> {
        self.view.headers()
    }
    /// `msg.timestamp()`.
    pub fn timestamp(&self) -> Timestamp {
        self.view.timestamp()
    }
    /// `msg.latency()`: time from `produce()` to this report.
    pub fn latency(&self) -> Option<Duration> {
        self.view.latency()
    }
    /// `msg.leader_epoch()`.
    pub fn leader_epoch(&self) -> Option<i32> {
        self.view.leader_epoch()
    }
    /// The underlying message view.
    pub fn message(&self) -> MessageView<'a> {
        self.view
    }
    /// An owned copy of the message, with the error.
    pub fn to_message(&self) -> Message {
        let mut m = self.view.detach();
        m.error = self.error.clone();
        m
    }
}

impl std::fmt::Debug for DeliveryReport<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeliveryReport")
            .field("message", &self.view)
            .field("error", &self.error)
            .field("tag", &self.tag)
            .finish()
    }
}

/// A type-erased per-message delivery closure behind one thin pointer: a single allocation
/// whose first field is the function that consumes it.
#[repr(C)]
struct Thunk<F> {
    call: unsafe fn(*mut c_void, Option<&DeliveryReport<'_>>),
    f: F,
}

/// # Safety
/// `p` must come from `Box::into_raw(Box<Thunk<F>>)` and not have been consumed.
unsafe fn call_thunk<F: FnOnce(&DeliveryReport<'_>)>(
    p: *mut c_void,
    report: Option<&DeliveryReport<'_>>,
) {
    // SAFETY: caller contract: p is a live Box<Thunk<F>>, consumed exactly once here.
    let thunk = unsafe { Box::from_raw(p.cast::<Thunk<F>>()) };
    if let Some(r) = report {
        (thunk.f)(r);
    }
}

/// Size and alignment of the slots that hold small per-message closures.
const SLOT_SIZE: usize = 64;
const SLOT_ALIGN: usize = 16;
/// Slabs start on a cache line, so each 64-byte slot is exactly one line: a delivery report
/// reads one line written when the message was produced, not two.
const SLAB_ALIGN: usize = 64;
/// Slots are allocated this many at a time (one allocation per 64 KiB) and move between a
/// thread's cache and the shared pool in lists of this length.
const SLAB: usize = 1024;

/// A singly linked list of free slots; each free slot stores the next pointer in its first word.
struct FreeList {
    head: *mut u8,
    len: usize,
}

impl FreeList {
    const EMPTY: FreeList = FreeList {
        head: ptr::null_mut(),
        len: 0,
    };

    /// # Safety
    /// `p` must be an unused slot (at least pointer-sized and -aligned) not in any list.
    unsafe fn push(&mut self, p: *mut u8) {
        // SAFETY: caller contract: the slot is unused, so its first word is ours to write.
        unsafe { *p.cast::<*mut u8>() = self.head };
        self.head = p;
        self.len += 1;
    }

    fn pop(&mut self) -> Option<ptr::NonNull<u8>> {
        let p = ptr::NonNull::new(self.head)?;
        // SAFETY: a listed free slot stores the next pointer in its first word.
        self.head = unsafe { *p.as_ptr().cast::<*mut u8>() };
        self.len -= 1;
        Some(p)
    }
}

/// Free slots shared by all threads (a producing thread takes them, a polling thread returns
/// them), and every slab ever allocated. Slabs are never freed: the memory retained is bounded
/// by the peak number of closures in flight at once (64 bytes each).
struct SharedSlots {
    free: Vec<FreeList>,
    slabs: Vec<usize>,
}

// SAFETY: the lists hold pointers to unused slots only; they are moved, never shared.
unsafe impl Send for SharedSlots {}

static SHARED_SLOTS: std::sync::Mutex<SharedSlots> = std::sync::Mutex::new(SharedSlots {
    free: Vec::new(),
    slabs: Vec::new(),
});

fn shared_slots() -> std::sync::MutexGuard<'static, SharedSlots> {
    // The lists stay consistent even if a holder panicked (no user code runs under the lock).
    SHARED_SLOTS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// This thread's cache of free slots, as two "magazines" (Bonwick's slab allocator): a list
/// being used (`head`/`len`, at most [`SLAB`] slots) and a spare list. A per-message closure
/// costs a pop and a push; the shared pool is touched at most once per [`SLAB`] closures, and
/// always by moving a whole list (no walk over cold slots). It has no destructor, so the hot
/// paths reach it with a plain thread-local access (no lazy-registration check);
/// [`SpillOnExit`] hands the lists to the shared pool when the thread ends.
struct LocalSlots {
    head: std::cell::Cell<*mut u8>,
    len: std::cell::Cell<usize>,
    spare: std::cell::Cell<FreeListParts>,
}

/// A [`FreeList`] in a `Cell` (head, len).
type FreeListParts = (*mut u8, usize);

impl LocalSlots {
    fn take(&self) -> FreeList {
        FreeList {
            head: self.head.replace(ptr::null_mut()),
            len: self.len.replace(0),
        }
    }
    fn put(&self, list: FreeList) {
        self.head.set(list.head);
        self.len.set(list.len);
    }
    fn take_spare(&self) -> FreeList {
        let (head, len) = self.spare.replace((ptr::null_mut(), 0));
        FreeList { head, len }
    }
    fn put_spare(&self, list: FreeList) {
        self.spare.set((list.head, list.len));
    }
}

/// Registered (by touching it) whenever this thread's lists go from empty to non-empty; its
/// destructor returns the thread's cached slots to the shared pool.
struct SpillOnExit;

impl Drop for SpillOnExit {
    fn drop(&mut self) {
        let (list, spare) = LOCAL_SLOTS.with(|l| (l.take(), l.take_spare()));
        let mut shared = shared_slots();
        for list in [list, spare] {
            if list.len > 0 {
                shared.free.push(list);
            }
        }
    }
}

thread_local! {
    static LOCAL_SLOTS: LocalSlots = const {
        LocalSlots {
            head: std::cell::Cell::new(ptr::null_mut()),
            len: std::cell::Cell::new(0),
            spare: std::cell::Cell::new((ptr::null_mut(), 0)),
        }
    };
    static SPILL_ON_EXIT: SpillOnExit = const { SpillOnExit };
}

/// Makes sure this thread's cached slots reach the shared pool when it exits; false once the
/// thread's destructors have run (the caller must then use the shared pool directly).
fn spill_on_exit_registered() -> bool {
    SPILL_ON_EXIT.try_with(|_| ()).is_ok()
}

/// A list of free slots from the shared pool, or a new slab.
fn refill() -> FreeList {
    let mut shared = shared_slots();
    if let Some(list) = shared.free.pop() {
        return list;
    }
    let layout = std::alloc::Layout::from_size_align(SLOT_SIZE * SLAB, SLAB_ALIGN)
        .expect("valid slab layout");
    // SAFETY: the layout has a non-zero size.
    let base = unsafe { std::alloc::alloc(layout) };
    if base.is_null() {
        std::alloc::handle_alloc_error(layout);
    }
    shared.slabs.push(base as usize);
    let mut list = FreeList::EMPTY;
    for i in (0..SLAB).rev() {
        // SAFETY: slot i lies inside the new slab, is SLAB_ALIGN- (so SLOT_ALIGN-) aligned and
        // unused.
        unsafe { list.push(base.add(i * SLOT_SIZE)) };
    }
    list
}

/// A free slot: a pop from this thread's list (inlined into the caller), else [`slot_refill`].
#[inline]
fn slot_alloc() -> ptr::NonNull<u8> {
    LOCAL_SLOTS.with(|l| match ptr::NonNull::new(l.head.get()) {
        Some(p) => {
            // SAFETY: a listed free slot stores the next pointer in its first word.
            l.head.set(unsafe { *p.as_ptr().cast::<*mut u8>() });
            l.len.set(l.len.get() - 1);
            p
        }
        None => slot_refill(l),
    })
}

/// This thread's list is empty: use the spare list, else take a list from the shared pool (or
/// a new slab).
#[cold]
#[inline(never)]
fn slot_refill(l: &LocalSlots) -> ptr::NonNull<u8> {
    let spare = l.take_spare();
    let mut list = if spare.len > 0 { spare } else { refill() };
    let p = list.pop().expect("a refill is never empty");
    if spill_on_exit_registered() {
        l.put(list);
    } else if list.len > 0 {
        // Only while this thread is being torn down: keep nothing in its cache.
        shared_slots().free.push(list);
    }
    p
}

/// Returns a slot to this thread's list (inlined into the caller); see [`slot_free_slow`].
///
/// # Safety
/// `p` must come from [`slot_alloc`] and no longer be used.
#[inline]
unsafe fn slot_free(p: ptr::NonNull<u8>) {
    LOCAL_SLOTS.with(|l| {
        let head = l.head.get();
        let len = l.len.get() + 1;
        if head.is_null() || len > SLAB {
            // SAFETY: caller contract.
            unsafe { slot_free_slow(l, p) };
            return;
        }
        // SAFETY: caller contract: the slot is unused, so its first word is ours to write.
        unsafe { *p.as_ptr().cast::<*mut u8>() = head };
        l.head.set(p.as_ptr());
        l.len.set(len);
    })
}

/// The first slot of an empty list (registers [`SpillOnExit`]), or a full list: the full list
/// becomes the spare (the old spare, if any, goes to the shared pool whole) and `p` starts a
/// new list.
///
/// # Safety
/// As [`slot_free`].
#[cold]
#[inline(never)]
unsafe fn slot_free_slow(l: &LocalSlots, p: ptr::NonNull<u8>) {
    if l.head.get().is_null() && !spill_on_exit_registered() {
        // This thread's destructors have run: hand the slot straight to the shared pool.
        let mut list = FreeList::EMPTY;
        // SAFETY: caller contract: the slot is unused.
        unsafe { list.push(p.as_ptr()) };
        shared_slots().free.push(list);
        return;
    }
    let mut list = l.take();
    if list.len >= SLAB {
        let old_spare = l.take_spare();
        l.put_spare(list);
        if old_spare.len > 0 {
            shared_slots().free.push(old_spare);
        }
        list = FreeList::EMPTY;
    }
    // SAFETY: caller contract: the slot is unused and not in any list.
    unsafe { list.push(p.as_ptr()) };
    l.put(list);
}

/// # Safety
/// `p` must be a pooled slot holding a live `Thunk<F>`, consumed exactly once here.
unsafe fn call_slot_thunk<F: FnOnce(&DeliveryReport<'_>)>(
    p: *mut c_void,
    report: Option<&DeliveryReport<'_>>,
) {
    // SAFETY: caller contract; the closure is moved out before its slot is recycled.
    let thunk = unsafe { ptr::read(p.cast::<Thunk<F>>()) };
    // SAFETY: the slot is no longer referenced.
    unsafe { slot_free(ptr::NonNull::new_unchecked(p.cast::<u8>())) };
    if let Some(r) = report {
        (thunk.f)(r);
    }
}

/// A per-message delivery closure (Python: `produce(..., on_delivery=fn)`), owned until
/// librdkafka accepts the message.
pub struct DeliveryCallback {
    ptr: ptr::NonNull<c_void>,
}

// SAFETY: the erased closure is required to be Send when constructed.
unsafe impl Send for DeliveryCallback {}

impl DeliveryCallback {
    /// Wraps a closure. It runs once, on the thread that calls `poll`/`flush`/`close`.
    #[inline]
    pub fn new<F: FnOnce(&DeliveryReport<'_>) + Send + 'static>(f: F) -> DeliveryCallback {
        if std::mem::size_of::<Thunk<F>>() <= SLOT_SIZE
            && std::mem::align_of::<Thunk<F>>() <= SLOT_ALIGN
        {
            // Small closures (the common case) live in a pooled slot.
            let p = slot_alloc();
            // SAFETY: the slot is large and aligned enough for Thunk<F> (checked above) and
            // unused; call_slot_thunk::<F> reads it back exactly once.
            unsafe {
                ptr::write(
                    p.as_ptr().cast::<Thunk<F>>(),
                    Thunk {
                        call: call_slot_thunk::<F>,
                        f,
                    },
                )
            };
            return DeliveryCallback { ptr: p.cast() };
        }
        let b = Box::new(Thunk {
            call: call_thunk::<F>,
            f,
        });
        DeliveryCallback {
            ptr: ptr::NonNull::from(Box::leak(b)).cast(),
        }
    }

    /// Runs the closure now with `report` (consuming it).
    pub(crate) fn call(self, report: &DeliveryReport<'_>) {
        let p = self.into_raw();
        // SAFETY: p came from into_raw just now and is consumed exactly once here.
        unsafe { DeliveryCallback::invoke(p, report) }
    }

    fn into_raw(self) -> *mut c_void {
        let p = self.ptr.as_ptr();
        std::mem::forget(self);
        p
    }

    /// # Safety
    /// `p` must be a pointer produced by [`DeliveryCallback::into_raw`], not yet consumed.
    #[inline]
    unsafe fn invoke(p: *mut c_void, report: &DeliveryReport<'_>) {
        // SAFETY: the first field of the repr(C) Thunk is its call function.
        let call = unsafe { *p.cast::<unsafe fn(*mut c_void, Option<&DeliveryReport<'_>>)>() };
        // SAFETY: p is live and consumed exactly once by `call`.
        unsafe { call(p, Some(report)) }
    }
}

impl Drop for DeliveryCallback {
    fn drop(&mut self) {
        let p = self.ptr.as_ptr();
        // SAFETY: we still own the thunk; `call` with None frees it without running it.
        unsafe {
            let call = *p.cast::<unsafe fn(*mut c_void, Option<&DeliveryReport<'_>>)>();
            call(p, None);
        }
    }
}

impl std::fmt::Debug for DeliveryCallback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DeliveryCallback")
    }
}

/// One message to produce: the arguments of Python's
/// `produce(topic, value=None, key=None, partition=-1, on_delivery=None, timestamp=0, headers=None)`.
///
/// Data is borrowed and copied by librdkafka during `produce`, so the caller keeps it in every
/// case (including errors, which also hand the `Record` back); only a value given with
/// [`Record::value_static`] is used in place instead of copied.
#[derive(Debug)]
pub struct Record<'a> {
    topic: &'a str,
    key: Option<&'a [u8]>,
    value: Option<&'a [u8]>,
    /// The value is `'static` and handed to librdkafka without a copy.
    value_static: bool,
    partition: Option<i32>,
    timestamp: i64,
    headers: Vec<(&'a str, Option<&'a [u8]>)>,
    on_delivery: Option<DeliveryCallback>,
    tag: TagBits,
}

/// A [`Record::tag`] as librdkafka's per-message pointer will carry it: 0 for none,
/// `tag << 1 | 1`, or [`TAG_TOO_LARGE`] (one word, so `Result<(), ProduceError>` stays small).
#[derive(Clone, Copy, PartialEq, Eq)]
struct TagBits(usize);

/// [`Record::tag`] was given a value above [`Record::MAX_TAG`] (even, so never a valid tag).
const TAG_TOO_LARGE: TagBits = TagBits(2);
const NO_TAG: TagBits = TagBits(0);

impl std::fmt::Debug for TagBits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            NO_TAG => f.write_str("None"),
            TAG_TOO_LARGE => f.write_str("(larger than Record::MAX_TAG)"),
            TagBits(bits) => write!(f, "Some({})", bits >> 1),
        }
    }
}

impl<'a> Record<'a> {
    /// A record for `topic` with a null key and value (Python: `produce(topic)`).
    pub fn new(topic: &'a str) -> Record<'a> {
        Record {
            topic,
            key: None,
            value: None,
            value_static: false,
            partition: None,
            timestamp: 0,
            headers: Vec::new(),
            on_delivery: None,
            tag: NO_TAG,
        }
    }
    /// Python: `key=`.
    pub fn key<K: AsRef<[u8]> + ?Sized>(mut self, key: &'a K) -> Self {
        self.key = Some(key.as_ref());
        self
    }
    /// Python: `value=`. librdkafka copies the bytes during `produce`.
    pub fn value<V: AsRef<[u8]> + ?Sized>(mut self, value: &'a V) -> Self {
        self.value = Some(value.as_ref());
        self.value_static = false;
        self
    }
    /// Python: `value=`, without the copy (Python always copies; this is the C API's
    /// `rd_kafka_produce` without `RD_KAFKA_MSG_F_COPY`, as librdkafka's `rdkafka_performance`
    /// sends). librdkafka keeps a pointer to the bytes until the message is delivered or
    /// fails, so only data that lives for the rest of the program can be handed over: a
    /// constant, or a buffer from `Box::leak`/`Vec::leak` shared by many messages. Saves one
    /// allocation's worth of memory and a copy per message. `produce_batch` keeps it
    /// zero-copy for runs of such records.
    ///
    /// ```
    /// # use rkafka::Record;
    /// static PAYLOAD: [u8; 4] = *b"ping";
    /// let r = Record::new("heartbeats").value_static(&PAYLOAD);
    /// # let _ = r;
    /// ```
    pub fn value_static<V: AsRef<[u8]> + ?Sized>(mut self, value: &'static V) -> Self {
        self.value = Some(value.as_ref());
        self.value_static = true;
        self
    }
    /// Python: `partition=`; without it librdkafka's partitioner (`partitioner` property,
    /// the same default as Python's) chooses from the key.
    pub fn partition(mut self, partition: i32) -> Self {
        self.partition = Some(partition);
        self
    }
    /// Python: `timestamp=` (milliseconds since the epoch; `0` means now).
    pub fn timestamp(mut self, millis: i64) -> Self {
        self.timestamp = millis;
        self
    }
    /// Adds a header (Python: `headers=[(name, value), ...]`).
    pub fn header<V: AsRef<[u8]> + ?Sized>(mut self, name: &'a str, value: &'a V) -> Self {
        self.headers.push((name, Some(value.as_ref())));
        self
    }
    /// Adds a header with a null value (Python: `(name, None)`).
    pub fn header_null(mut self, name: &'a str) -> Self {
        self.headers.push((name, None));
        self
    }
    /// Python: `on_delivery=`: a closure called once with this message's delivery report, instead
    /// of the producer-wide `on_delivery`. It runs on the thread that calls `poll`/`flush`/`close`.
    pub fn on_delivery(mut self, f: impl FnOnce(&DeliveryReport<'_>) + Send + 'static) -> Self {
        self.on_delivery = Some(DeliveryCallback::new(f));
        self
    }
    /// A number for this message, handed back in its delivery report
    /// ([`DeliveryReport::tag`]) to whichever callback serves it: per-message context for
    /// the producer-wide `on_delivery` at no cost (no allocation, nothing to read back but
    /// the report itself). It is C's `msg_opaque`, and rust-rdkafka's `usize` delivery
    /// opaque; in Python the `on_delivery` callable closes over its context instead. At most
    /// [`Record::MAX_TAG`]; a larger tag is refused by `produce` with `_INVALID_ARG`. With a
    /// per-message closure as well, the closure sees the tag in its report.
    ///
    /// ```
    /// # use rkafka::{Producer, Record};
    /// # let orders = ["a", "b"];
    /// # let producer = Producer::new([("bootstrap.servers", "127.0.0.1:1")]).unwrap();
    /// // Producer::builder(config).on_delivery(|r| mark_done(r.tag().unwrap(), r.error()))
    /// for (i, order) in orders.iter().enumerate() {
    ///     producer.produce(Record::new("orders").value(order).tag(i)).unwrap();
    /// }
    /// # let _ = producer.purge(true, true, true);
    /// ```
    pub fn tag(mut self, tag: usize) -> Self {
        self.tag = if tag > Record::MAX_TAG {
            TAG_TOO_LARGE
        } else {
            TagBits((tag << 1) | 1)
        };
        self
    }

    /// The largest [`Record::tag`]: `usize::MAX >> 1` (one bit marks a tag apart from a
    /// closure in librdkafka's per-message pointer).
    pub const MAX_TAG: usize = usize::MAX >> 1;

    /// The per-message pointer for librdkafka (`msg_opaque`): null, a closure's thunk, or a
    /// tag (shifted left, low bit set; thunks are at least 8-aligned, so their low bit is 0).
    /// Refuses a tag above [`Record::MAX_TAG`]; a record with both a tag and a closure has the
    /// closure wrapped first, so the closure sees the tag.
    #[inline]
    fn msg_opaque(&mut self) -> Result<*mut c_void> {
        // The common case (no tag) is one test on the produce path.
        if self.tag != NO_TAG && (self.tag == TAG_TOO_LARGE || self.on_delivery.is_some()) {
            self.settle_tag()?;
        }
        Ok(self.settled_opaque())
    }

    /// [`Record::msg_opaque`] of a record whose tag is settled (a valid tag or a closure).
    #[inline]
    fn settled_opaque(&self) -> *mut c_void {
        match (self.tag, &self.on_delivery) {
            (NO_TAG, Some(c)) => c.ptr.as_ptr(),
            (NO_TAG, None) => ptr::null_mut(),
            (TagBits(bits), _) => bits as *mut c_void,
        }
    }

    /// The uncommon cases of [`Record::msg_opaque`]: afterwards the record carries a valid tag
    /// or a closure, not both.
    #[cold]
    fn settle_tag(&mut self) -> Result<()> {
        if self.tag == TAG_TOO_LARGE {
            return Err(KafkaError::invalid_arg(format!(
                "the record's tag is larger than Record::MAX_TAG ({})",
                Record::MAX_TAG
            )));
        }
        if let Some(cb) = self.on_delivery.take() {
            let tag = self.tag.0 >> 1;
            self.tag = NO_TAG;
            self.on_delivery = Some(DeliveryCallback::new(move |r: &DeliveryReport<'_>| {
                cb.call(&DeliveryReport {
                    view: r.view,
                    error: r.error.clone(),
                    tag: Some(tag),
                })
            }));
        }
        Ok(())
    }

    /// Takes the per-message closure out (async wrappers chain it).
    #[cfg(feature = "async")]
    pub(crate) fn take_on_delivery(&mut self) -> Option<DeliveryCallback> {
        self.on_delivery.take()
    }

    /// Puts a per-message closure back (or removes one).
    #[cfg(feature = "async")]
    pub(crate) fn set_on_delivery(&mut self, cb: Option<DeliveryCallback>) {
        self.on_delivery = cb;
    }

    /// The topic this record goes to.
    pub fn topic_name(&self) -> &'a str {
        self.topic
    }

    /// librdkafka's message flags for this record: copy the value unless it is `'static`.
    #[inline]
    fn msg_flags(&self) -> i32 {
        if self.value_static {
            0
        } else {
            consts::RD_KAFKA_MSG_F_COPY as i32
        }
    }
}

/// `produce` failed; the record (with its delivery closure, if any) is handed back so the caller
/// can retry it. Python raises `BufferError` (queue full) or `KafkaException` instead.
#[derive(Debug, thiserror::Error)]
#[error("produce to `{}` failed: {error}", record.topic)]
pub struct ProduceError<'a> {
    /// Why (`_QUEUE_FULL`, `_UNKNOWN_PARTITION`, `_MSG_SIZE_TOO_LARGE`, `_INVALID_ARG`, ...).
    pub error: KafkaError,
    /// The record, untouched.
    pub record: Record<'a>,
}

impl ProduceError<'_> {
    /// True for `_QUEUE_FULL`: poll (or use [`Producer::produce_wait`]) and retry.
    pub fn is_queue_full(&self) -> bool {
        self.error.code() == ErrorCode::QueueFull
    }
}

impl From<ProduceError<'_>> for KafkaError {
    fn from(e: ProduceError<'_>) -> KafkaError {
        e.error
    }
}

/// Messages that [`Producer::close`] could not deliver within its bound.
#[derive(Debug, thiserror::Error)]
#[error("{} message(s) were not delivered before close", messages.len())]
pub struct Undelivered {
    /// Each undelivered message with its error (timed out, purged, ...).
    pub messages: Vec<Message>,
}

/// Builds a [`Producer`] with callbacks: the callable entries of a confluent-kafka-python
/// config dict (`on_delivery`, `error_cb`, `throttle_cb`, `stats_cb`, `logger`).
pub struct ProducerBuilder {
    config: Config,
    common: CommonCallbacks,
    on_delivery: Option<Box<crate::client::DeliveryFn>>,
}

impl ProducerBuilder {
    common_builder_methods!();

    /// Python: `'on_delivery': fn(err, msg)` in the config: called once per message that has
    /// no per-message closure, from `poll`/`flush`/`close` on the calling thread. Since any
    /// thread may poll a shared producer, it must be `Send + Sync`.
    ///
    /// ```compile_fail
    /// // A closure holding an Rc (not Send) is rejected.
    /// let seen = std::rc::Rc::new(std::cell::Cell::new(0));
    /// let _ = rkafka::Producer::builder(rkafka::Config::new())
    ///     .on_delivery(move |_r| seen.set(seen.get() + 1));
    /// ```
    pub fn on_delivery(mut self, f: impl Fn(&DeliveryReport<'_>) + Send + Sync + 'static) -> Self {
        self.on_delivery = Some(Box::new(f));
        self
    }

    /// Creates the producer; the configuration is validated by librdkafka and every problem
    /// reported at once.
    pub fn build(self) -> Result<Producer> {
        let ctx = ClientContext::new(self.common, self.on_delivery, &self.config);
        let client = NativeClient::new(
            sys::rd_kafka_type_t::RD_KAFKA_PRODUCER,
            &self.config,
            ctx,
            &[],
            |conf| {
                // SAFETY: conf is live and not yet handed to rd_kafka_new; the trampoline matches
                // the dr_msg_cb signature and reaches the context through the opaque pointer.
                unsafe { sys::rd_kafka_conf_set_dr_msg_cb(conf.ptr(), Some(delivery_trampoline)) }
            },
        )?;
        Ok(Producer {
            topics: RwLock::new(HashMap::default()),
            last_topic: AtomicPtr::new(ptr::null_mut()),
            closed: AtomicBool::new(false),
            client: Arc::new(client),
        })
    }
}

impl std::fmt::Debug for ProducerBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProducerBuilder")
            .field("config", &self.config)
            .field("callbacks", &self.common)
            .field("on_delivery", &self.on_delivery.is_some())
            .finish()
    }
}

/// An owned topic handle (`rd_kafka_topic_t`), destroyed on drop.
struct TopicHandle(ptr::NonNull<sys::rd_kafka_topic_t>);

/// A cached topic: its name and handle. Boxed and never freed before the producer drops, so
/// `Producer::last_topic` may point at it without a lock.
struct TopicEntry {
    name: Box<str>,
    handle: TopicHandle,
}

// SAFETY: topic handles are reference-counted, thread-safe librdkafka objects.
unsafe impl Send for TopicHandle {}
// SAFETY: as above; produce through a shared handle from several threads is supported.
unsafe impl Sync for TopicHandle {}

impl Drop for TopicHandle {
    fn drop(&mut self) {
        // SAFETY: we own one reference, released once.
        unsafe { sys::rd_kafka_topic_destroy(self.0.as_ptr()) }
    }
}

/// A Kafka producer, mirroring `confluent_kafka.Producer`.
///
/// `Send + Sync`: share one producer between threads (`Arc<Producer>`); `produce` takes
/// `&self`. Delivery reports are served by [`poll`](Producer::poll), [`flush`](Producer::flush)
/// and [`close`](Producer::close) on whichever thread calls them; a panic in a delivery closure
/// is caught in C's frame and resumed from that call.
pub struct Producer {
    // Field order matters: topic handles must be released before the client is destroyed.
    topics: RwLock<HashMap<Box<str>, Box<TopicEntry>, FxBuild>>,
    /// The entry of the topic produced to last: most producers write one topic, and this skips
    /// the lock and the hash on the hot path.
    last_topic: AtomicPtr<TopicEntry>,
    closed: AtomicBool,
    /// Shared with async delivery futures, which may outlive the producer value.
    client: Arc<NativeClient>,
}

impl Producer {
    /// Python: `Producer(conf)` (without callables; see [`Producer::builder`]).
    pub fn new(config: impl Into<Config>) -> Result<Producer> {
        Producer::builder(config).build()
    }

    /// A builder for a producer with callbacks.
    pub fn builder(config: impl Into<Config>) -> ProducerBuilder {
        ProducerBuilder {
            config: config.into(),
            common: CommonCallbacks::default(),
            on_delivery: None,
        }
    }

    /// The client instance name, e.g. `rdkafka#producer-1`.
    pub fn name(&self) -> &str {
        self.client.name()
    }

    #[cfg(feature = "async")]
    pub(crate) fn client_arc(&self) -> &Arc<NativeClient> {
        &self.client
    }

    #[inline]
    fn topic_handle(&self, topic: &str) -> Result<*mut sys::rd_kafka_topic_t> {
        let last = self.last_topic.load(Ordering::Acquire);
        if !last.is_null() {
            // SAFETY: entries are boxed, never removed, and freed only when the producer drops,
            // so a pointer published here stays valid for as long as `&self` is.
            let e = unsafe { &*last };
            if *e.name == *topic {
                return Ok(e.handle.0.as_ptr());
            }
        }
        self.topic_handle_slow(topic)
    }

    #[cold]
    fn topic_handle_slow(&self, topic: &str) -> Result<*mut sys::rd_kafka_topic_t> {
        let publish = |e: &TopicEntry| {
            self.last_topic
                .store((e as *const TopicEntry).cast_mut(), Ordering::Release);
            e.handle.0.as_ptr()
        };
        if let Some(e) = self
            .topics
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(topic)
        {
            return Ok(publish(e));
        }
        check_topic_name("produce", topic)?;
        let mut map = self.topics.write().unwrap_or_else(|p| p.into_inner());
        if let Some(e) = map.get(topic) {
            return Ok(publish(e));
        }
        let c = cstring("topic name", topic)?;
        // SAFETY: the client is live; c is NUL-terminated; null conf means the default topic conf.
        let rkt =
            unsafe { sys::rd_kafka_topic_new(self.client.ptr(), c.as_ptr(), ptr::null_mut()) };
        let rkt = ptr::NonNull::new(rkt).ok_or_else(KafkaError::last_error)?;
        let entry = Box::new(TopicEntry {
            name: topic.into(),
            handle: TopicHandle(rkt),
        });
        let p = publish(&entry);
        map.insert(topic.into(), entry);
        Ok(p)
    }

    #[inline]
    fn check_open(&self) -> Result<()> {
        if self.closed.load(Ordering::Relaxed) {
            Err(KafkaError::new(ErrorCode::State, "the producer is closed"))
        } else {
            Ok(())
        }
    }

    /// Python: `produce(topic, value, key, partition, on_delivery, timestamp, headers)`.
    ///
    /// Enqueues the message (librdkafka copies key, value and headers) and returns at once. The
    /// delivery report arrives through `poll`/`flush`. On `_QUEUE_FULL`, poll and retry, or use
    /// [`Producer::produce_wait`]. On any error the record comes back untouched.
    ///
    /// Without headers, timestamp or per-message closure this performs no Rust heap allocation.
    #[inline]
    pub fn produce<'a>(&self, mut record: Record<'a>) -> Result<(), ProduceError<'a>> {
        if let Err(error) = self.check_open() {
            return Err(ProduceError { error, record });
        }
        let partition = match record.partition {
            None => consts::RD_KAFKA_PARTITION_UA as i32,
            Some(p) if p >= 0 => p,
            Some(p) => {
                return Err(ProduceError {
                    error: KafkaError::new(
                        ErrorCode::InvalidArg,
                        format!("partition {p} is negative; omit it to let the partitioner choose"),
                    ),
                    record,
                })
            }
        };
        let rkt = match self.topic_handle(record.topic) {
            Ok(t) => t,
            Err(error) => return Err(ProduceError { error, record }),
        };
        let opaque = match record.msg_opaque() {
            Ok(o) => o,
            Err(error) => return Err(ProduceError { error, record }),
        };
        let (vptr, vlen) = record
            .value
            .map_or((ptr::null(), 0), |v| (v.as_ptr(), v.len()));
        let (kptr, klen) = record
            .key
            .map_or((ptr::null(), 0), |k| (k.as_ptr(), k.len()));
        // Counted before the call: the report may be served on another thread before it returns.
        let pending = &self.client.context().pending;
        pending.fetch_add(1, Ordering::Relaxed);
        let result = if record.headers.is_empty() && record.timestamp == 0 {
            // SAFETY: rkt is a live topic handle owned by self; key/value point to klen/vlen
            // readable bytes (or are null with length 0); the key is always copied, the value
            // too (F_COPY) unless it is 'static (value_static), so it outlives the message;
            // librdkafka never writes through the *mut casts. opaque is null or a live thunk whose
            // ownership passes to librdkafka only if this call succeeds.
            let rc = unsafe {
                sys::rd_kafka_produce(
                    rkt,
                    partition,
                    record.msg_flags(),
                    vptr.cast_mut().cast(),
                    vlen,
                    kptr.cast(),
                    klen,
                    opaque,
                )
            };
            if rc == 0 {
                Ok(())
            } else {
                Err(KafkaError::last_error())
            }
        } else {
            self.produce_va(rkt, partition, &record, opaque)
        };
        match result {
            Ok(()) => {
                // librdkafka now owns the closure; it is consumed by the delivery trampoline.
                if let Some(cb) = record.on_delivery.take() {
                    cb.into_raw();
                }
                Ok(())
            }
            Err(error) => {
                pending.fetch_sub(1, Ordering::Relaxed);
                Err(ProduceError { error, record })
            }
        }
    }

    /// The produce path for headers and timestamps: `rd_kafka_produceva` (an array, no varargs).
    fn produce_va(
        &self,
        rkt: *mut sys::rd_kafka_topic_t,
        partition: i32,
        r: &Record<'_>,
        opaque: *mut c_void,
    ) -> Result<()> {
        use sys::rd_kafka_vtype_t as V;
        let hdrs = if r.headers.is_empty() {
            ptr::null_mut()
        } else {
            // SAFETY: creates an owned, empty headers list.
            let h = unsafe { sys::rd_kafka_headers_new(r.headers.len()) };
            for (name, value) in &r.headers {
                if name.contains('\0') {
                    // SAFETY: we still own h.
                    unsafe { sys::rd_kafka_headers_destroy(h) };
                    return Err(KafkaError::invalid_arg(format!(
                        "header name {name:?} contains a NUL byte"
                    )));
                }
                let (p, n) = value.map_or((ptr::null(), 0), |v| (v.as_ptr(), v.len()));
                // SAFETY: h is ours; name has an explicit length; value is null or n readable
                // bytes; librdkafka copies both.
                unsafe {
                    sys::rd_kafka_header_add(
                        h,
                        name.as_ptr().cast(),
                        name.len() as isize,
                        p.cast(),
                        n as isize,
                    )
                };
            }
            h
        };
        let mut vus: [sys::rd_kafka_vu_t; 8] = unsafe_zeroed_vus();
        let mut n = 0;
        let mut push = |vtype: V, set: &dyn Fn(&mut sys::rd_kafka_vu_t)| {
            vus[n].vtype = vtype;
            set(&mut vus[n]);
            n += 1;
        };
        push(V::RD_KAFKA_VTYPE_RKT, &|v| v.u.rkt = rkt);
        push(V::RD_KAFKA_VTYPE_PARTITION, &|v| v.u.i32_ = partition);
        push(V::RD_KAFKA_VTYPE_MSGFLAGS, &|v| v.u.i = r.msg_flags());
        if let Some(val) = r.value {
            push(V::RD_KAFKA_VTYPE_VALUE, &|v| {
                v.u.mem = sys::rd_kafka_vu_s__bindgen_ty_1__bindgen_ty_1 {
                    ptr: val.as_ptr().cast_mut().cast(),
                    size: val.len(),
                }
            });
        }
        if let Some(key) = r.key {
            push(V::RD_KAFKA_VTYPE_KEY, &|v| {
                v.u.mem = sys::rd_kafka_vu_s__bindgen_ty_1__bindgen_ty_1 {
                    ptr: key.as_ptr().cast_mut().cast(),
                    size: key.len(),
                }
            });
        }
        if r.timestamp != 0 {
            push(V::RD_KAFKA_VTYPE_TIMESTAMP, &|v| v.u.i64_ = r.timestamp);
        }
        if !hdrs.is_null() {
            push(V::RD_KAFKA_VTYPE_HEADERS, &|v| v.u.headers = hdrs);
        }
        if !opaque.is_null() {
            push(V::RD_KAFKA_VTYPE_OPAQUE, &|v| v.u.ptr = opaque);
        }
        // SAFETY: the first n entries are initialised with the union member matching their
        // vtype; all pointed-to data outlives the call and is copied (F_COPY), except a
        // 'static value (value_static), which outlives the message. On success the
        // headers list belongs to the message; on failure it is still ours.
        let err = unsafe { sys::rd_kafka_produceva(self.client.ptr(), vus.as_ptr(), n) };
        // SAFETY: err is null or an owned rd_kafka_error_t.
        match unsafe { KafkaError::from_native(err) } {
            None => Ok(()),
            Some(e) => {
                if !hdrs.is_null() {
                    // SAFETY: produceva failed, so we still own the headers.
                    unsafe { sys::rd_kafka_headers_destroy(hdrs) };
                }
                Err(e)
            }
        }
    }

    /// Like [`produce`](Producer::produce), but when the local queue is full it serves delivery
    /// reports (polls) and retries until there is room or `timeout` passes, then fails with
    /// `_QUEUE_FULL` and hands the record back.
    pub fn produce_wait<'a>(
        &self,
        record: Record<'a>,
        timeout: impl Into<Timeout>,
    ) -> Result<(), ProduceError<'a>> {
        let deadline = timeout.into().deadline();
        let mut record = record;
        loop {
            match self.produce(record) {
                Err(e) if e.is_queue_full() => {
                    let wait = match deadline {
                        None => Duration::from_millis(10),
                        Some(d) => {
                            let left = d.saturating_duration_since(Instant::now());
                            if left.is_zero() {
                                return Err(e);
                            }
                            left.min(Duration::from_millis(10))
                        }
                    };
                    self.poll(wait);
                    record = e.record;
                }
                other => return other,
            }
        }
    }

    /// Produces many records in as few calls into librdkafka as possible: consecutive records
    /// for one topic without headers or timestamps go through one `rd_kafka_produce_batch` call.
    /// Returns the records that were not enqueued, each with its error (empty when all were).
    pub fn produce_batch<'a>(
        &self,
        records: impl IntoIterator<Item = Record<'a>>,
    ) -> Vec<ProduceError<'a>> {
        let mut failed = Vec::new();
        let mut run: Vec<Record<'a>> = Vec::new();
        for mut r in records {
            // Settled now (a bad tag refused, a closure wrapped), so the run below only reads
            // the pointer.
            if let Err(error) = r.msg_opaque() {
                failed.push(ProduceError { error, record: r });
                continue;
            }
            let batchable =
                r.headers.is_empty() && r.timestamp == 0 && r.partition.map_or(true, |p| p >= 0);
            if !batchable {
                self.flush_run(&mut run, &mut failed);
                if let Err(e) = self.produce(r) {
                    failed.push(e);
                }
                continue;
            }
            if run
                .first()
                .is_some_and(|f| f.topic != r.topic || f.value_static != r.value_static)
            {
                self.flush_run(&mut run, &mut failed);
            }
            run.push(r);
        }
        self.flush_run(&mut run, &mut failed);
        failed
    }

    fn flush_run<'a>(&self, run: &mut Vec<Record<'a>>, failed: &mut Vec<ProduceError<'a>>) {
        if run.is_empty() {
            return;
        }
        let records = std::mem::take(run);
        if let Err(error) = self.check_open() {
            failed.extend(records.into_iter().map(|record| ProduceError {
                error: error.clone(),
                record,
            }));
            return;
        }
        let rkt = match self.topic_handle(records[0].topic) {
            Ok(t) => t,
            Err(error) => {
                failed.extend(records.into_iter().map(|record| ProduceError {
                    error: error.clone(),
                    record,
                }));
                return;
            }
        };
        let mut msgs: Vec<sys::rd_kafka_message_t> = records
            .iter()
            .map(|r| {
                let (vptr, vlen) = r.value.map_or((ptr::null(), 0), |v| (v.as_ptr(), v.len()));
                let (kptr, klen) = r.key.map_or((ptr::null(), 0), |k| (k.as_ptr(), k.len()));
                sys::rd_kafka_message_t {
                    err: sys::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR,
                    rkt,
                    partition: r.partition.unwrap_or(consts::RD_KAFKA_PARTITION_UA as i32),
                    payload: vptr.cast_mut().cast(),
                    len: vlen,
                    key: kptr.cast_mut().cast(),
                    key_len: klen,
                    offset: 0,
                    // produce_batch settled each record's tag before its run.
                    _private: r.settled_opaque(),
                }
            })
            .collect();
        let pending = &self.client.context().pending;
        pending.fetch_add(msgs.len(), Ordering::Relaxed);
        // SAFETY: rkt is live; msgs holds msgs.len() initialised messages whose key/value point
        // into the records (alive until after the call) and are copied (F_COPY), or, for a run
        // of value_static records (runs never mix), whose values are 'static. With
        // F_PARTITION each message's own partition field is used. librdkafka sets `err` on each
        // message it did not enqueue and takes the opaque of each one it did.
        unsafe {
            sys::rd_kafka_produce_batch(
                rkt,
                consts::RD_KAFKA_PARTITION_UA as i32,
                records[0].msg_flags() | consts::RD_KAFKA_MSG_F_PARTITION as i32,
                msgs.as_mut_ptr(),
                msgs.len() as i32,
            )
        };
        for (mut record, m) in records.into_iter().zip(&msgs) {
            // SAFETY: err is an int-sized field of a message we own.
            let code = unsafe { util::read_err(ptr::addr_of!(m.err)) };
            match KafkaError::from_raw(code) {
                None => {
                    if let Some(cb) = record.on_delivery.take() {
                        cb.into_raw();
                    }
                }
                Some(error) => {
                    pending.fetch_sub(1, Ordering::Relaxed);
                    failed.push(ProduceError { error, record })
                }
            }
        }
    }

    /// Python: `poll(timeout)`: serves delivery reports and other callbacks; returns how many
    /// events were served. Resumes a panic raised by a callback.
    pub fn poll(&self, timeout: impl Into<Timeout>) -> usize {
        self.client.poll(timeout.into())
    }

    /// Python: `flush(timeout)`: waits until every message is delivered (or failed) and its
    /// report served, or `timeout` passes. Returns how many are still queued (0 = all done).
    /// Returns as soon as the last report has been served.
    pub fn flush(&self, timeout: impl Into<Timeout>) -> usize {
        // SAFETY: the client is live; callbacks run on this thread and catch panics.
        unsafe { sys::rd_kafka_flush(self.client.ptr(), timeout.into().as_millis_i32()) };
        util::resume_panic();
        self.len()
    }

    /// Python: `len(producer)`: messages and reports not yet served.
    pub fn len(&self) -> usize {
        // SAFETY: the client is live.
        unsafe { sys::rd_kafka_outq_len(self.client.ptr()) }.max(0) as usize
    }

    /// True if nothing is queued or in flight.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Python: `purge(in_queue=True, in_flight=True, blocking=True)`: fails queued and/or in-flight
    /// messages with `_PURGE_QUEUE`/`_PURGE_INFLIGHT`; their reports are served by the next
    /// `poll`/`flush`.
    pub fn purge(&self, in_queue: bool, in_flight: bool, blocking: bool) -> Result<()> {
        let mut flags = 0;
        if in_queue {
            flags |= consts::RD_KAFKA_PURGE_F_QUEUE as i32;
        }
        if in_flight {
            flags |= consts::RD_KAFKA_PURGE_F_INFLIGHT as i32;
        }
        if !blocking {
            flags |= consts::RD_KAFKA_PURGE_F_NON_BLOCKING as i32;
        }
        // SAFETY: the client is live; flags are valid purge flags.
        let code = unsafe { sys::rd_kafka_purge(self.client.ptr(), flags) } as i32;
        KafkaError::from_raw(code).map_or(Ok(()), Err)
    }

    /// Flushes up to `timeout`; then fails whatever is left (purge) and serves those reports.
    /// Returns `Ok` if every message was delivered, else exactly the messages that were not
    /// (failed during close, timed out, or purged), each with its error. Never blocks past
    /// `timeout` (plus the time to run the remaining delivery closures). After `close`,
    /// `produce` fails with `_STATE`.
    pub fn close(&self, timeout: impl Into<Timeout>) -> Result<(), Undelivered> {
        let timeout = timeout.into();
        let deadline = timeout.deadline();
        let ctx = self.client.context();
        ctx.set_collecting(true);
        self.closed.store(true, Ordering::SeqCst);
        // Make sure collection stops even if a delivery closure panics.
        struct StopCollecting<'c>(&'c ClientContext);
        impl Drop for StopCollecting<'_> {
            fn drop(&mut self) {
                self.0.set_collecting(false);
            }
        }
        let _stop = StopCollecting(ctx);
        let mut left = self.flush(timeout);
        if left > 0 {
            let _ = self.purge(true, true, true);
            loop {
                self.poll(Duration::ZERO);
                left = self.len();
                let expired = deadline.is_some_and(|d| Instant::now() >= d);
                if left == 0 || expired {
                    break;
                }
                self.poll(Duration::from_millis(1));
            }
        }
        let messages =
            std::mem::take(&mut *ctx.undelivered.lock().unwrap_or_else(|p| p.into_inner()));
        if messages.is_empty() {
            Ok(())
        } else {
            Err(Undelivered { messages })
        }
    }

    /// Python: `list_topics(topic=None, timeout=-1)`.
    pub fn list_topics(
        &self,
        topic: Option<&str>,
        timeout: impl Into<Timeout>,
    ) -> Result<ClusterMetadata> {
        self.client.list_topics(topic, timeout.into())
    }

    /// Python: `set_sasl_credentials(username, password)`: new SASL PLAIN/SCRAM credentials for
    /// the next (re)authentication.
    pub fn set_sasl_credentials(&self, username: &str, password: &str) -> Result<()> {
        self.client.set_sasl_credentials(username, password)
    }

    fn txn_call(
        &self,
        what: &str,
        f: impl FnOnce(*mut sys::rd_kafka_t) -> *mut sys::rd_kafka_error_t,
    ) -> Result<()> {
        if self.closed.load(Ordering::Relaxed) {
            return Err(KafkaError::new(
                ErrorCode::State,
                format!("{what}: the producer is closed"),
            ));
        }
        let err = f(self.client.ptr());
        // Transactional calls flush and may serve delivery reports on this thread.
        util::resume_panic();
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

    /// The fatal error raised on this producer (e.g. by idempotence), if any.
    pub fn fatal_error(&self) -> Option<KafkaError> {
        self.client.fatal_error()
    }
}

impl Drop for Producer {
    fn drop(&mut self) {
        let left = self.client.context().pending.load(Ordering::SeqCst);
        if left > 0 {
            log::warn!(
                target: "rkafka",
                "{}: dropped with {left} message(s) not delivered (call flush() or close() first); failing them now",
                self.client.name()
            );
            // Fail the remaining messages and run their delivery closures, so every closure runs
            // once and none leaks.
            let _ = self.purge(true, true, true);
            let deadline = Instant::now() + Duration::from_secs(5);
            while self.client.context().pending.load(Ordering::SeqCst) > 0
                && Instant::now() < deadline
            {
                // SAFETY: the client is live; callbacks catch their panics, discarded below.
                unsafe { sys::rd_kafka_poll(self.client.ptr(), 10) };
                util::discard_panic("Producer::drop");
            }
        }
        util::discard_panic("Producer::drop");
    }
}

impl std::fmt::Debug for Producer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Producer")
            .field("name", &self.client.name())
            .field("queued", &self.len())
            .finish()
    }
}

fn unsafe_zeroed_vus() -> [sys::rd_kafka_vu_t; 8] {
    // SAFETY: rd_kafka_vu_t is a plain C struct (enum tag + union of pointers/ints); all-zero
    // is a valid value (vtype 0 = RD_KAFKA_VTYPE_END).
    unsafe { std::mem::zeroed() }
}

// Panics and C: every `extern "C"` trampoline below runs its whole body inside
// `util::catch` / `util::catch_on_foreign_thread`, which are `std::panic::catch_unwind`
// wrappers: a panic is parked and resumed by the calling poll/flush (or logged on librdkafka's
// own threads), and never unwinds into C.
/// dr_msg_cb: runs inside `poll`/`flush`/`close` on the caller's thread, once per message.
unsafe extern "C" fn delivery_trampoline(
    rk: *mut sys::rd_kafka_t,
    msg: *const sys::rd_kafka_message_t,
    opaque: *mut c_void,
) {
    // SAFETY: opaque is the ClientContext installed by NativeClient::new, alive while rk is.
    let ctx = unsafe { &*opaque.cast::<ClientContext>() };
    // SAFETY: msg is valid for the duration of this callback.
    let view = unsafe { MessageView::from_raw(msg) };
    // SAFETY: msg is valid; `_private` holds the msg_opaque given at produce time.
    let per_message = unsafe { (*msg)._private };
    // A set low bit marks a tag (Record::msg_opaque); otherwise it is null or a closure.
    let is_tag = per_message as usize & 1 == 1;
    let report = DeliveryReport {
        view,
        error: view.error(),
        tag: is_tag.then_some(per_message as usize >> 1),
    };
    ctx.pending.fetch_sub(1, Ordering::Relaxed);
    // A closure panic is parked in `catch`; the report's own closure is still consumed (dropped)
    // exactly once, and later reports in this batch still reach theirs: nothing is lost.
    let completed = if !per_message.is_null() && !is_tag {
        // SAFETY: per_message is a thunk pointer handed to librdkafka by `produce`, consumed here once.
        util::catch(|| unsafe { DeliveryCallback::invoke(per_message, &report) }).is_some()
    } else if let Some(cb) = &ctx.on_delivery {
        util::catch(|| cb(&report)).is_some()
    } else {
        true
    };
    if report.error.is_some() && ctx.collecting() {
        ctx.undelivered
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(report.to_message());
    }
    // SAFETY: rk is the live instance serving this callback.
    unsafe { yield_if_panicked(rk, completed) };
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counts its drops: proves each closure is dropped exactly once.
    struct Count(std::sync::Arc<std::sync::atomic::AtomicUsize>);
    impl Drop for Count {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn large_and_small_closures_are_freed_without_running() {
        let drops = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        for _ in 0..10_000 {
            let small = Count(drops.clone());
            drop(DeliveryCallback::new(move |_r| {
                let _k = &small;
            }));
            let big = ([7u8; 256], Count(drops.clone()));
            drop(DeliveryCallback::new(move |_r| {
                let _k = &big;
            }));
        }
        assert_eq!(drops.load(Ordering::SeqCst), 20_000);
    }

    #[test]
    fn slots_move_between_threads_and_are_never_handed_out_twice() {
        let drops = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        // Producing threads that exit (their cached slots go to the shared pool) and a
        // consuming thread that frees them all (spilling lists back), several rounds.
        for round in 0..3 {
            let made: Vec<DeliveryCallback> = (0..4)
                .map(|_| {
                    let drops = drops.clone();
                    std::thread::spawn(move || {
                        (0..2_500)
                            .map(|_| {
                                let c = Count(drops.clone());
                                DeliveryCallback::new(move |_r| {
                                    let _k = &c;
                                })
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .flat_map(|t| t.join().unwrap())
                .collect();
            let live: std::collections::HashSet<usize> =
                made.iter().map(|c| c.ptr.as_ptr() as usize).collect();
            assert_eq!(live.len(), 10_000, "a slot was handed out twice");
            std::thread::spawn(move || drop(made)).join().unwrap();
            assert_eq!(drops.load(Ordering::SeqCst), 10_000 * (round + 1));
        }
    }

    #[test]
    fn thunk_dropped_without_call() {
        let flag = std::sync::Arc::new(AtomicBool::new(false));
        let f2 = flag.clone();
        struct SetOnDrop(std::sync::Arc<AtomicBool>);
        impl Drop for SetOnDrop {
            fn drop(&mut self) {
                self.0.store(true, Ordering::SeqCst);
            }
        }
        let guard = SetOnDrop(f2);
        let cb = DeliveryCallback::new(move |_r| {
            let _g = &guard;
            panic!("must not run");
        });
        drop(cb);
        assert!(flag.load(Ordering::SeqCst));
    }
}
