//! Delivery reports: what a delivery callback receives ([`DeliveryReport`]), the small owned
//! summary async produce resolves to ([`Delivery`]), the producer's callback state
//! ([`ProducerState`]) and the trampoline librdkafka calls once per message.

use std::ffi::c_void;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock, Weak};
use std::time::Duration;

use rdkafka_sys::bindings as sys;

use super::callback::DeliveryCallback;
use super::record::OwnedRecord;
use super::{Producer, Shared};
use crate::client::{yield_if_panicked, ClientContext, Kind};
use crate::error::{KafkaError, Result};
use crate::message::{Headers, Message, MessageView, Timestamp};
use crate::panic;

/// The producer-wide delivery callback (Python: the `on_delivery` config entry).
pub(crate) type DeliveryFn = dyn Fn(&DeliveryReport<'_>) + Send + Sync;

/// What a delivery callback receives: Python's `on_delivery(err, msg)` in one value.
///
/// A borrowed view valid during the callback; [`DeliveryReport::to_message`] gives an owned
/// copy, [`DeliveryReport::to_record`] an owned record to produce again, and
/// [`DeliveryReport::producer`] the producer that sent it (to retry from the callback, as
/// Python's `delivery_report` calls `p.produce`).
pub struct DeliveryReport<'a> {
    pub(super) view: MessageView<'a>,
    pub(super) error: Option<KafkaError>,
    pub(super) tag: Option<usize>,
    pub(super) state: &'a ProducerState,
}

impl<'a> DeliveryReport<'a> {
    /// The number given to this message with [`Record::tag`](super::Record::tag) (C: the
    /// `msg_opaque` of `rd_kafka_produce`; rust-rdkafka: a `usize` delivery opaque). Python has
    /// none: there the `on_delivery` callable closes over its context.
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
    /// The small owned summary of this report (what async produce resolves to).
    pub fn delivery(&self) -> Delivery {
        Delivery {
            partition: self.partition(),
            offset: self.offset(),
            timestamp: self.timestamp(),
            latency: self.latency(),
            leader_epoch: self.leader_epoch(),
            tag: self.tag,
        }
    }
    /// The message as an owned record, to produce it again (Python's `delivery_report` calls
    /// `p.produce(msg.topic(), msg.value(), msg.key())`): topic, key, value, headers and the
    /// partition it was written to.
    ///
    /// ```no_run
    /// # fn f(p: rkafka::Producer) {
    /// let p = rkafka::Producer::builder([("bootstrap.servers", "localhost:9092")])
    ///     .on_delivery(|r| {
    ///         if let (Some(e), Some(p)) = (r.error(), r.producer()) {
    ///             if e.retriable() {
    ///                 let _ = p.produce(r.to_record().as_record());
    ///             }
    ///         }
    ///     })
    ///     .build();
    /// # }
    /// ```
    pub fn to_record(&self) -> OwnedRecord {
        OwnedRecord {
            topic: self.topic().into_owned(),
            key: self.key().map(<[u8]>::to_vec),
            value: self.value().map(<[u8]>::to_vec),
            headers: self.headers().map(|h| h.to_owned()).unwrap_or_default(),
            partition: (self.partition() >= 0).then_some(self.partition()),
        }
    }
    /// The producer that sent this message, to produce from inside the callback. `None` only
    /// while the last handle of the producer is being dropped (the reports of its final
    /// messages are served then, and producing would be pointless).
    pub fn producer(&self) -> Option<Producer> {
        self.state.producer()
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

/// Where a message was delivered: partition, offset, timestamp, latency, leader epoch and its
/// [`Record::tag`](super::Record::tag). What [`Producer::produce_future`] resolves to (Python's
/// `AIOProducer.produce` resolves to the delivered `Message`; the record's bytes are the
/// caller's own, so they are not copied back).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivery {
    partition: i32,
    offset: i64,
    timestamp: Timestamp,
    latency: Option<Duration>,
    leader_epoch: Option<i32>,
    tag: Option<usize>,
}

impl Delivery {
    /// Python: `msg.partition()`.
    pub fn partition(&self) -> i32 {
        self.partition
    }
    /// Python: `msg.offset()`.
    pub fn offset(&self) -> i64 {
        self.offset
    }
    /// Python: `msg.timestamp()`.
    pub fn timestamp(&self) -> Timestamp {
        self.timestamp
    }
    /// Python: `msg.latency()`: from `produce()` to the delivery report.
    pub fn latency(&self) -> Option<Duration> {
        self.latency
    }
    /// Python: `msg.leader_epoch()`.
    pub fn leader_epoch(&self) -> Option<i32> {
        self.leader_epoch
    }
    /// The record's [`Record::tag`](super::Record::tag), if it had one.
    pub fn tag(&self) -> Option<usize> {
        self.tag
    }
}

/// The producer's part of the callback context.
pub(crate) struct ProducerState {
    pub(super) on_delivery: Option<Box<DeliveryFn>>,
    /// Messages handed to librdkafka (incremented before each produce call, decremented if it
    /// fails) and reports served: `queued - reported` are pending. Two counters rather than
    /// one, so the serving thread can tell how many reports it served while others produce.
    queued: AtomicUsize,
    reported: AtomicUsize,
    /// While set (during `Producer::close`), failed deliveries are copied to `undelivered`.
    collecting: AtomicBool,
    undelivered: Mutex<Vec<Message>>,
    /// The producer's shared part, for [`DeliveryReport::producer`].
    shared: OnceLock<Weak<Shared>>,
    /// Async: the serving thread and the futures waiting for room or a flush.
    #[cfg(feature = "async")]
    pub(crate) serving: super::serve::Serving,
}

/// How long the teardown thread keeps serving reports of messages still undelivered when the
/// client is destroyed (after `Producer`'s drop gave up waiting), so that every per-message
/// closure runs exactly once.
const LAST_REPORTS_BOUND: Duration = Duration::from_secs(60);

impl Kind for ProducerState {
    fn before_destroy(&self, rk: *mut sys::rd_kafka_t) {
        #[cfg(feature = "async")]
        self.serving.stop();
        if self.pending() == 0 {
            return;
        }
        // Fail what is left and serve those reports here: librdkafka frees undelivered
        // messages on destroy without a report, which would leak their closures.
        let deadline = std::time::Instant::now() + LAST_REPORTS_BOUND;
        // SAFETY: rk is live (before_destroy's contract); purge flags are valid.
        unsafe {
            sys::rd_kafka_purge(
                rk,
                (crate::consts::RD_KAFKA_PURGE_F_QUEUE | crate::consts::RD_KAFKA_PURGE_F_INFLIGHT)
                    as i32,
            )
        };
        while self.pending() > 0 && std::time::Instant::now() < deadline {
            // SAFETY: as above; callbacks catch their panics, discarded right after.
            unsafe { sys::rd_kafka_poll(rk, 100) };
            panic::discard("the producer's destruction");
        }
        if self.pending() > 0 {
            log::error!(target: "rkafka", "{} message(s) still had no delivery report {LAST_REPORTS_BOUND:?} after the producer was dropped; their closures are dropped unrun", self.pending());
        }
    }
}

impl ProducerState {
    pub(super) fn new(on_delivery: Option<Box<DeliveryFn>>) -> ProducerState {
        ProducerState {
            on_delivery,
            queued: AtomicUsize::new(0),
            reported: AtomicUsize::new(0),
            collecting: AtomicBool::new(false),
            undelivered: Mutex::new(Vec::new()),
            shared: OnceLock::new(),
            #[cfg(feature = "async")]
            serving: Default::default(),
        }
    }

    /// Counts `n` messages about to be handed to librdkafka (before the call: the report may
    /// be served on another thread before it returns).
    #[inline]
    pub(super) fn add_queued(&self, n: usize) {
        self.queued.fetch_add(n, Ordering::Relaxed);
    }

    /// Uncounts `n` messages librdkafka refused.
    #[inline]
    pub(super) fn sub_queued(&self, n: usize) {
        self.queued.fetch_sub(n, Ordering::Relaxed);
    }

    /// How many reports have been served so far (monotonic, wrapping).
    pub(crate) fn reported(&self) -> usize {
        self.reported.load(Ordering::Acquire)
    }

    /// Messages produced whose report has not been served yet.
    pub(crate) fn pending(&self) -> usize {
        // Reported first: every reported message was queued before, so this never underflows.
        let reported = self.reported.load(Ordering::SeqCst);
        self.queued.load(Ordering::SeqCst).wrapping_sub(reported)
    }

    pub(super) fn set_shared(&self, shared: Weak<Shared>) {
        let _ = self.shared.set(shared);
    }

    fn producer(&self) -> Option<Producer> {
        let shared = self.shared.get()?.upgrade()?;
        Some(Producer { shared })
    }

    /// Runs the producer-wide callback, if any; false if it panicked (the panic is parked).
    #[inline]
    pub(super) fn call_on_delivery(&self, report: &DeliveryReport<'_>) -> bool {
        match &self.on_delivery {
            Some(cb) => panic::catch(|| cb(report)).is_some(),
            None => true,
        }
    }

    pub(super) fn set_collecting(&self, on: bool) {
        self.collecting.store(on, Ordering::SeqCst);
    }

    pub(super) fn take_undelivered(&self) -> Vec<Message> {
        std::mem::take(&mut *self.undelivered.lock().unwrap_or_else(|p| p.into_inner()))
    }

    #[cold]
    fn collect(&self, report: &DeliveryReport<'_>) {
        self.undelivered
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(report.to_message());
    }
}

/// What librdkafka's per-message pointer (`msg_opaque`) carries, told apart by its low bits:
/// `..1` a [`Record::tag`](super::Record::tag) (shifted left by one), `.10` an async
/// completion, `.00` a [`DeliveryCallback`] thunk or null (thunks and completions are at
/// least 8-aligned).
pub(super) enum PerMessage {
    Nothing,
    Closure(*mut c_void),
    Tag(usize),
    #[cfg(feature = "async")]
    Completion(*mut c_void),
}

/// The low bits marking an async completion in `msg_opaque`.
#[cfg(feature = "async")]
pub(super) const COMPLETION_BIT: usize = 0b10;

impl PerMessage {
    #[inline]
    fn decode(p: *mut c_void) -> PerMessage {
        let bits = p as usize;
        if bits & 1 == 1 {
            return PerMessage::Tag(bits >> 1);
        }
        #[cfg(feature = "async")]
        if bits & COMPLETION_BIT != 0 {
            return PerMessage::Completion((bits & !COMPLETION_BIT) as *mut c_void);
        }
        if p.is_null() {
            PerMessage::Nothing
        } else {
            PerMessage::Closure(p)
        }
    }
}

/// dr_msg_cb: runs inside `poll`/`flush`/`close` on the caller's thread (or on the async
/// serving thread), once per message. The whole body is inside [`panic::catch`]; a closure's
/// panic is parked for the call that served the report (an async future's panic goes to that
/// future), its report's closure is still consumed exactly once, and later reports of the batch
/// still reach theirs: nothing is lost.
pub(super) unsafe extern "C" fn delivery_trampoline(
    rk: *mut sys::rd_kafka_t,
    msg: *const sys::rd_kafka_message_t,
    opaque: *mut c_void,
) {
    // SAFETY: the arguments are librdkafka's, valid for this call.
    let completed = panic::catch(|| unsafe { deliver(msg, opaque) }).unwrap_or(false);
    // SAFETY: rk is the live instance serving this callback.
    unsafe { yield_if_panicked(rk, completed) };
}

/// Returns false if a user closure panicked (and the panic was parked).
///
/// # Safety
/// `msg` and `opaque` as librdkafka passes them to dr_msg_cb, `opaque` being the producer's
/// context.
#[inline]
unsafe fn deliver(msg: *const sys::rd_kafka_message_t, opaque: *mut c_void) -> bool {
    // SAFETY: opaque is the producer's context, alive while its rd_kafka_t is.
    let st = &unsafe { ClientContext::<ProducerState>::from_opaque(opaque) }.kind;
    // SAFETY: msg is valid for the duration of this callback; `_private` holds the msg_opaque
    // given at produce time.
    let (view, per_message) = unsafe { (MessageView::from_raw(msg), (*msg)._private) };
    let mut report = DeliveryReport {
        view,
        error: view.error(),
        tag: None,
        state: st,
    };
    let completed = match PerMessage::decode(per_message) {
        PerMessage::Closure(p) => {
            // SAFETY: a thunk pointer handed to librdkafka by `produce`, consumed here once.
            panic::catch(|| unsafe { DeliveryCallback::invoke(p, &report) }).is_some()
        }
        PerMessage::Tag(tag) => {
            report.tag = Some(tag);
            st.call_on_delivery(&report)
        }
        PerMessage::Nothing => st.call_on_delivery(&report),
        // SAFETY: a completion reference handed to librdkafka by `produce_future`, released
        // here once.
        #[cfg(feature = "async")]
        PerMessage::Completion(c) => unsafe { super::completion::complete(c, &mut report) },
    };
    if report.error.is_some() && st.collecting.load(Ordering::Relaxed) {
        st.collect(&report);
    }
    // Counted once its closure has run: a flush or drop that sees nothing pending sees every
    // closure finished.
    st.reported.fetch_add(1, Ordering::Release);
    completed
}
