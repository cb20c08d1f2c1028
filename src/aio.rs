//! Async without a runtime: delivery futures and a consumer [`Stream`](futures_core::Stream)
//! that work on any executor (confluent-kafka-python: `confluent_kafka.aio.AIOProducer` /
//! `AIOConsumer`).
//!
//! How wake-ups work: the first time a client is used asynchronously, rkafka registers a
//! callback with `rd_kafka_queue_cb_event_enable` on the queue that carries the client's events
//! (the main queue for a producer, the consumer queue for a consumer). librdkafka calls it from
//! its own thread whenever that queue goes from empty to non-empty. The callback only wakes the
//! task of one waiting future; that future, when its executor polls it, serves the queue on the
//! executor's thread (delivery reports, messages, callbacks) until it is empty. Every future
//! that is waiting is registered, so when the one that served leaves (finished or dropped)
//! while events are still queued, the next waiter is woken. No thread is started and nothing
//! polls on a timer.
//!
//! Wakers are called from librdkafka's threads while it holds a queue lock: an executor whose
//! `wake` runs the task inline on the waking thread is not supported (tokio, async-std, smol
//! and `futures::executor` all schedule instead).

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::task::{Context, Poll, Waker};

use libc::c_void;
use rdkafka_sys::bindings as sys;

use crate::client::{ClientContext, NativeClient};
use crate::consumer::{Consumer, OwnedMessage};
use crate::error::{ErrorCode, Result};
use crate::message::Message;
use crate::producer::{DeliveryReport, ProduceError, Producer, Record};
use crate::util::{self, Timeout};

/// How many times one wake-up serves the queue before yielding to the executor.
const SERVE_BUDGET: usize = 64;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // No user code runs under these locks, so a poisoned one is still consistent.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A queue handle with event notification enabled.
struct EventQueue(NonNull<sys::rd_kafka_queue_t>);
// SAFETY: rd_kafka_queue_t handles are thread-safe; this one is only read and finally destroyed.
unsafe impl Send for EventQueue {}
// SAFETY: as above.
unsafe impl Sync for EventQueue {}

/// Per-client async state, inside the client's context (stable address for the C callback).
#[derive(Default)]
pub(crate) struct Waiters {
    /// Every waiting future's waker, oldest first; a queue event wakes the first.
    tasks: Mutex<BTreeMap<u64, Waker>>,
    /// Futures waiting for room in a full producer queue, oldest first: as many are woken as
    /// messages were freed by serving delivery reports (all of them once nothing is in flight).
    room: Mutex<BTreeMap<u64, Waker>>,
    next_id: AtomicU64,
    queue: OnceLock<EventQueue>,
}

impl std::fmt::Debug for Waiters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Waiters")
            .field("waiting", &lock(&self.tasks).len())
            .finish()
    }
}

/// librdkafka's queue event callback: runs on a librdkafka thread, under the queue's lock.
unsafe extern "C" fn queue_event(_rk: *mut sys::rd_kafka_t, opaque: *mut c_void) {
    util::catch_on_foreign_thread("the async wake-up", (), || {
        // SAFETY: opaque is the Waiters inside the client's boxed context, which outlives the
        // registration (disabled in `Waiters::disable` before rd_kafka_destroy).
        let w = unsafe { &*opaque.cast::<Waiters>() };
        w.wake_one();
    })
}

impl Waiters {
    fn new_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Turns on queue event notification (once per client).
    fn enable(&self, client: &NativeClient, consumer: bool) -> &EventQueue {
        self.queue.get_or_init(|| {
            // SAFETY: the client is live; both calls return a new queue reference (non-null for
            // a consumer with a group, which every rkafka Consumer has).
            let q = unsafe {
                if consumer {
                    sys::rd_kafka_queue_get_consumer(client.ptr())
                } else {
                    sys::rd_kafka_queue_get_main(client.ptr())
                }
            };
            let q = NonNull::new(q).expect("a client always has its event queue");
            // SAFETY: q is live; `self` lives in the client's boxed context, so the opaque
            // pointer stays valid until `disable` runs (before the client is destroyed).
            unsafe {
                sys::rd_kafka_queue_cb_event_enable(
                    q.as_ptr(),
                    Some(queue_event),
                    (self as *const Waiters).cast_mut().cast(),
                )
            };
            EventQueue(q)
        })
    }

    /// Turns notification off and releases the queue; called before `rd_kafka_destroy`.
    pub(crate) fn disable(&mut self) {
        if let Some(q) = self.queue.take() {
            // SAFETY: q is a live queue reference we own; after the first call no callback can
            // reach `self`; the reference is released once.
            unsafe {
                sys::rd_kafka_queue_cb_event_enable(q.0.as_ptr(), None, std::ptr::null_mut());
                sys::rd_kafka_queue_destroy(q.0.as_ptr());
            }
        }
    }

    fn register(&self, id: u64, waker: &Waker) {
        let mut tasks = lock(&self.tasks);
        match tasks.get_mut(&id) {
            Some(w) if w.will_wake(waker) => {}
            Some(w) => w.clone_from(waker),
            None => {
                tasks.insert(id, waker.clone());
            }
        }
    }

    fn wake_one(&self) {
        let w = lock(&self.tasks).values().next().cloned();
        if let Some(w) = w {
            w.wake();
        }
    }

    /// A waiter leaves; if events are still queued, someone else must serve them.
    fn leave(&self, id: u64) {
        lock(&self.room).remove(&id);
        let was_waiting = lock(&self.tasks).remove(&id).is_some();
        if was_waiting && self.queued() > 0 {
            self.wake_one();
        }
    }

    fn queued(&self) -> usize {
        self.queue.get().map_or(0, |q| {
            // SAFETY: q is live until `disable`, which needs `&mut self`.
            unsafe { sys::rd_kafka_queue_length(q.0.as_ptr()) }
        })
    }

    fn wait_for_room(&self, id: u64, waker: &Waker) {
        lock(&self.room).insert(id, waker.clone());
    }

    fn wake_room(&self, freed: usize, all: bool) {
        let woken: Vec<Waker> = {
            let mut room = lock(&self.room);
            if all || freed >= room.len() {
                std::mem::take(&mut *room).into_values().collect()
            } else {
                let first_kept = *room.keys().nth(freed).expect("freed < len");
                let keep = room.split_off(&first_kept);
                std::mem::replace(&mut *room, keep).into_values().collect()
            }
        };
        for w in woken {
            w.wake();
        }
    }
}

/// Serves a producer's queue (delivery reports and callbacks) on this thread until it is empty
/// or the budget is spent; wakes room waiters if anything was served. Resumes a callback's panic
/// after handing the queue to another waiter.
fn serve_producer(client: &NativeClient, cx: &Context<'_>) {
    let w = &client.context().waiters;
    let pending = &client.context().pending;
    let before = pending.load(Ordering::SeqCst);
    let mut served = 0usize;
    let mut exhausted = true;
    for _ in 0..SERVE_BUDGET {
        // SAFETY: the client is live; callbacks catch their panics and park them here.
        let n = unsafe { sys::rd_kafka_poll(client.ptr(), 0) };
        if util::panic_pending() {
            break;
        }
        if n <= 0 && w.queued() == 0 {
            exhausted = false;
            break;
        }
        served += n.max(0) as usize;
    }
    if served > 0 {
        let after = pending.load(Ordering::SeqCst);
        w.wake_room(before.saturating_sub(after), after == 0);
    }
    if util::panic_pending() {
        w.wake_one();
        util::resume_panic();
    }
    if exhausted {
        // Budget spent with events left: come back after other tasks had a turn.
        cx.waker().wake_by_ref();
    }
}

/// Where a delivery closure leaves its outcome for the future.
#[derive(Default)]
struct Slot {
    result: Option<Result<Message>>,
    waker: Option<Waker>,
}

/// Resolves to the delivered [`Message`] (with partition and offset) or the delivery error.
///
/// Returned by [`Producer::produce_future`]; `Send + 'static`, so it can be spawned. Dropping it
/// never loses the delivery report: the message is still delivered (and the producer-wide
/// `on_delivery` callback still runs); only the outcome is discarded.
#[must_use = "a DeliveryFuture does nothing unless awaited (the message is sent regardless)"]
pub struct DeliveryFuture {
    client: Arc<NativeClient>,
    slot: Arc<Mutex<Slot>>,
    id: u64,
}

impl std::fmt::Debug for DeliveryFuture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeliveryFuture")
            .field("done", &lock(&self.slot).result.is_some())
            .finish()
    }
}

impl DeliveryFuture {
    fn take(&self, waker: Option<&Waker>) -> Option<Result<Message>> {
        let mut s = lock(&self.slot);
        let r = s.result.take();
        if r.is_none() {
            if let Some(w) = waker {
                match &mut s.waker {
                    Some(old) if old.will_wake(w) => {}
                    old => *old = Some(w.clone()),
                }
            }
        }
        r
    }
}

impl Future for DeliveryFuture {
    type Output = Result<Message>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if let Some(r) = this.take(Some(cx.waker())) {
            this.client.context().waiters.leave(this.id);
            return Poll::Ready(r);
        }
        let w = &this.client.context().waiters;
        w.enable(&this.client, false);
        // Register before serving: an event that arrives after the queue was found empty
        // wakes a registered waiter.
        w.register(this.id, cx.waker());
        serve_producer(&this.client, cx);
        match this.take(None) {
            Some(r) => {
                w.leave(this.id);
                Poll::Ready(r)
            }
            None => Poll::Pending,
        }
    }
}

impl Drop for DeliveryFuture {
    fn drop(&mut self) {
        self.client.context().waiters.leave(self.id);
    }
}

/// Resolves once a full producer queue has room and the record is enqueued, then to its
/// delivery outcome. Returned by [`Producer::send`].
#[must_use = "a SendFuture does nothing unless awaited"]
pub struct SendFuture<'a> {
    producer: &'a Producer,
    record: Option<Record<'a>>,
    delivery: Option<DeliveryFuture>,
    id: u64,
}

impl std::fmt::Debug for SendFuture<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SendFuture")
            .field("enqueued", &self.delivery.is_some())
            .finish()
    }
}

impl Future for SendFuture<'_> {
    type Output = Result<Message>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let w = &this.producer.client_arc().context().waiters;
        // On a full queue: wait for room (woken after reports are served, and one of the
        // waiters a queue event may wake to serve them), serve once, and try once more.
        let mut served = false;
        loop {
            if let Some(d) = &mut this.delivery {
                return Pin::new(d).poll(cx);
            }
            let record = this
                .record
                .take()
                .expect("SendFuture polled after completion");
            match this.producer.produce_future(record) {
                Ok(d) => {
                    w.leave(this.id);
                    this.delivery = Some(d);
                }
                Err(ProduceError { error, record }) if error.code() == ErrorCode::QueueFull => {
                    this.record = Some(record);
                    if served {
                        return Poll::Pending;
                    }
                    w.wait_for_room(this.id, cx.waker());
                    w.enable(this.producer.client_arc(), false);
                    w.register(this.id, cx.waker());
                    serve_producer(this.producer.client_arc(), cx);
                    served = true;
                }
                Err(e) => {
                    w.leave(this.id);
                    return Poll::Ready(Err(e.error));
                }
            }
        }
    }
}

impl Drop for SendFuture<'_> {
    fn drop(&mut self) {
        self.producer.client_arc().context().waiters.leave(self.id);
    }
}

/// Resolves when every message produced so far has its delivery report served. Returned by
/// [`Producer::flush_async`].
#[must_use = "a FlushFuture does nothing unless awaited"]
#[derive(Debug)]
pub struct FlushFuture<'a> {
    producer: &'a Producer,
    id: u64,
}

impl Future for FlushFuture<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let client = self.producer.client_arc();
        let w = &client.context().waiters;
        if client.context().pending.load(Ordering::SeqCst) == 0 {
            w.leave(self.id);
            return Poll::Ready(());
        }
        w.enable(client, false);
        w.register(self.id, cx.waker());
        // SAFETY: the client is live; a zero timeout makes librdkafka send lingering batches
        // now and serve what is queued without blocking.
        unsafe { sys::rd_kafka_flush(client.ptr(), 0) };
        if util::panic_pending() {
            w.wake_one();
            util::resume_panic();
        }
        serve_producer(client, cx);
        if client.context().pending.load(Ordering::SeqCst) == 0 {
            w.leave(self.id);
            return Poll::Ready(());
        }
        Poll::Pending
    }
}

impl Drop for FlushFuture<'_> {
    fn drop(&mut self) {
        self.producer.client_arc().context().waiters.leave(self.id);
    }
}

impl Producer {
    /// Python (`AIOProducer`): `await producer.produce(topic, value, ...)` — enqueues the
    /// record now (like [`Producer::produce`]) and returns a future of its delivery report.
    /// A full queue is returned as `_QUEUE_FULL` with the record; use [`Producer::send`] to
    /// wait for room instead.
    ///
    /// A per-message [`Record::on_delivery`] closure still runs, before the future resolves.
    pub fn produce_future<'a>(
        &self,
        mut record: Record<'a>,
    ) -> std::result::Result<DeliveryFuture, ProduceError<'a>> {
        let slot = Arc::new(Mutex::new(Slot::default()));
        let s2 = slot.clone();
        // The caller's own closure runs first; it is shared so a refused record gets it back.
        let user = record
            .take_on_delivery()
            .map(|cb| Arc::new(Mutex::new(Some(cb))));
        let user2 = user.clone();
        let ctx = ContextPtr(self.client_arc().context());
        record = record.on_delivery(move |r: &DeliveryReport<'_>| {
            let ctx = ctx;
            let outcome = match r.error() {
                None => Ok(r.to_message()),
                Some(e) => Err(e.clone()),
            };
            // A panic in the caller's callback must not leave the future unresolved: catch it,
            // resolve, then let it continue to the delivery trampoline, which parks it for the
            // poll that served this report.
            let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                match user2.and_then(|u| lock(&u).take()) {
                    Some(cb) => cb.call(r),
                    None => {
                        // SAFETY: per-message closures run only inside their producer's
                        // delivery callback, while the client (and so its context) is alive.
                        let ctx = unsafe { &*ctx.0 };
                        if let Some(f) = &ctx.on_delivery {
                            f(r)
                        }
                    }
                }
            }));
            let waker = {
                let mut s = lock(&s2);
                s.result = Some(outcome);
                s.waker.take()
            };
            if let Some(w) = waker {
                w.wake();
            }
            if let Err(panic) = ran {
                std::panic::resume_unwind(panic);
            }
        });
        match self.produce(record) {
            Ok(()) => Ok(DeliveryFuture {
                client: self.client_arc().clone(),
                slot,
                id: self.client_arc().context().waiters.new_id(),
            }),
            Err(mut e) => {
                // Hand back the caller's own closure, not our wrapper.
                e.record.set_on_delivery(user.and_then(|u| lock(&u).take()));
                Err(e)
            }
        }
    }

    /// Python (`AIOProducer`): `await producer.produce(...)` with backpressure: waits for room
    /// when the queue is full (instead of failing with `_QUEUE_FULL`), then for the delivery
    /// report. Resolves to the delivered message or the error.
    pub fn send<'a>(&'a self, record: Record<'a>) -> SendFuture<'a> {
        SendFuture {
            producer: self,
            record: Some(record),
            delivery: None,
            id: self.client_arc().context().waiters.new_id(),
        }
    }

    /// Python (`AIOProducer`): `await producer.flush()` — resolves when every message produced
    /// so far has had its delivery report served.
    pub fn flush_async(&self) -> FlushFuture<'_> {
        FlushFuture {
            producer: self,
            id: self.client_arc().context().waiters.new_id(),
        }
    }
}

/// The consumer's messages as a [`Stream`](futures_core::Stream), on any executor (Python:
/// `AIOConsumer.poll()` in a loop). Returned by [`Consumer::stream`].
///
/// Items are [`OwnedMessage`]s (zero-copy, `Send`) or errors such as `_PARTITION_EOF`; the
/// stream ends only when the consumer is closed. It borrows the consumer mutably and derefs to
/// it, so `stream.commit_message(&m)` and friends work while streaming. Rebalance and commit
/// callbacks run inside `poll_next` on the executor's thread.
pub struct MessageStream<'a> {
    consumer: &'a mut Consumer,
    id: u64,
}

impl std::fmt::Debug for MessageStream<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MessageStream")
            .field("consumer", &self.consumer.name())
            .finish()
    }
}

impl MessageStream<'_> {
    /// The next message or error: `stream.recv().await` (rust-rdkafka: `StreamConsumer::recv`).
    /// `None` once the consumer is closed.
    pub async fn recv(&mut self) -> Option<Result<OwnedMessage>> {
        std::future::poll_fn(|cx| self.poll_message(cx)).await
    }

    fn poll_message(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<OwnedMessage>>> {
        if self.consumer.is_closed() {
            return Poll::Ready(None);
        }
        let client = self.consumer.client_arc().clone();
        let w = &client.context().waiters;
        w.enable(&client, true);
        w.register(self.id, cx.waker());
        match self
            .consumer
            .poll(Timeout::After(std::time::Duration::ZERO))
        {
            Some(Ok(m)) => Poll::Ready(Some(Ok(m.into_owned()))),
            Some(Err(e)) if e.code() == ErrorCode::State && self.consumer.is_closed() => {
                Poll::Ready(None)
            }
            Some(Err(e)) => Poll::Ready(Some(Err(e))),
            None => Poll::Pending,
        }
    }
}

impl futures_core::Stream for MessageStream<'_> {
    type Item = Result<OwnedMessage>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_message(cx)
    }
}

impl std::ops::Deref for MessageStream<'_> {
    type Target = Consumer;
    fn deref(&self) -> &Consumer {
        self.consumer
    }
}

impl Drop for MessageStream<'_> {
    fn drop(&mut self) {
        self.consumer.client_arc().context().waiters.leave(self.id);
    }
}

impl Consumer {
    /// Python (`AIOConsumer`): `await consumer.poll()` in a loop, as a
    /// [`Stream`](futures_core::Stream) of messages that works on any executor; woken by
    /// librdkafka's queue event notification (no polling thread, no timer).
    ///
    /// ```no_run
    /// # async fn f(mut consumer: rkafka::Consumer) -> rkafka::Result<()> {
    /// let mut stream = consumer.stream();
    /// while let Some(msg) = stream.recv().await {
    ///     let msg = msg?;
    ///     println!("{:?}", msg.value());
    ///     stream.commit_message(&msg, true)?;
    /// }
    /// # Ok(()) }
    /// ```
    pub fn stream(&mut self) -> MessageStream<'_> {
        let id = self.client_arc().context().waiters.new_id();
        MessageStream { consumer: self, id }
    }
}

/// The producer's callback context, for a delivery closure that runs only inside that
/// producer's delivery callback.
#[derive(Clone, Copy)]
struct ContextPtr(*const ClientContext);
// SAFETY: ClientContext is Sync; the pointer is dereferenced only while the client is alive.
unsafe impl Send for ContextPtr {}
