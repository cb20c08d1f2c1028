//! The async serving thread: started the first time a producer is used asynchronously, it
//! serves the producer's queue (delivery reports and callbacks) for as long as the producer
//! lives, so that no future ever depends on another future (or on anyone) being polled: a
//! delivery future is woken by its own report, a `send` waiting for room by the reports that
//! freed it, a flush by the last report.
//!
//! Callbacks then run on this thread too (the producer-wide `on_delivery`, `error_cb`, ...; all
//! `Send + Sync`). A panic in one is kept here and resumed by the producer's next call that
//! serves or awaits (`poll`, `flush`, any future's poll); a panic in a record's own closure
//! goes to its future.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::Waker;
use std::thread::JoinHandle;

use rdkafka_sys::bindings as sys;

use super::delivery::ProducerState;
use crate::client::NativeClient;
use crate::handle::Handle;
use crate::panic::{self, Payload};

/// How long one wait of the serving thread may last before it checks whether to stop (it is
/// normally woken at once by yielding its queue).
const WAIT_MS: i32 = 1000;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // No user code runs under these locks, so a poisoned one is still consistent.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A future waiting for room in a full queue; `live` is cleared when it no longer waits, so a
/// stale entry does not take a freed message's wake-up from a real waiter.
pub(crate) struct RoomWaiter {
    waker: Waker,
    live: Arc<AtomicBool>,
}

/// The producer's async state (inside its callback context).
#[derive(Default)]
pub(crate) struct Serving {
    thread: Mutex<Option<Thread>>,
    started: AtomicBool,
    stop: AtomicBool,
    /// Futures waiting for room, oldest first.
    room: Mutex<VecDeque<RoomWaiter>>,
    /// How many entries of `room` are live (registered and not yet woken nor withdrawn).
    waiting: AtomicUsize,
    /// `queue.buffering.max.messages` as librdkafka read it (0: no limit), to tell from the
    /// pending count whether an attempt would be refused.
    room_limit: AtomicUsize,
    /// Attempts of `send` refused with `_QUEUE_FULL` (what the fairness of room waits saves).
    #[cfg(test)]
    pub(crate) refused: AtomicUsize,
    /// Futures waiting for every report to be served.
    flush: Mutex<Vec<Waker>>,
    /// A panic of a producer-wide callback run by the serving thread.
    panic: Mutex<Option<Payload>>,
    /// `panic` may hold one: checked without the lock by every future's poll.
    panicked: AtomicBool,
}

struct Thread {
    handle: JoinHandle<()>,
    /// The main queue the thread serves, to wake it (`rd_kafka_yield` works only from inside a
    /// callback).
    main: Handle<sys::rd_kafka_queue_t>,
}

/// A pointer the serving thread may use: the `rd_kafka_t` and the producer's state, both of
/// which outlive the thread (it is joined by `ProducerState::before_destroy`, before the handle
/// is destroyed and the context dropped).
struct Raw<T>(*mut T);
// SAFETY: see above; the pointees are Sync (`ProducerState`) or thread-safe by librdkafka's
// contract (`rd_kafka_t`), and live until the thread is joined.
unsafe impl<T> Send for Raw<T> {}

impl Serving {
    /// Starts the serving thread unless it runs already (inlined: one load on every async
    /// produce).
    #[inline]
    pub(crate) fn ensure(&self, client: &NativeClient<ProducerState>) {
        if !self.started.load(Ordering::Acquire) {
            self.start(client);
        }
    }

    #[cold]
    fn start(&self, client: &NativeClient<ProducerState>) {
        let mut thread = lock(&self.thread);
        if thread.is_some() || self.stop.load(Ordering::Acquire) {
            return;
        }
        let rk = Raw(client.ptr());
        let state = Raw((client.state() as *const ProducerState).cast_mut());
        let spawned = std::thread::Builder::new()
            .name("rkafka-async".into())
            .spawn(move || serve(rk, state));
        match spawned {
            Ok(handle) => {
                // SAFETY: the client is live; a new queue reference, released in `stop` before
                // the client is destroyed.
                let main = unsafe { Handle::from_raw(sys::rd_kafka_queue_get_main(client.ptr())) }
                    .expect("a client always has its main queue");
                *thread = Some(Thread { handle, main });
                self.started.store(true, Ordering::Release);
            }
            // Futures still make progress through poll()/flush(); say why they may not alone.
            Err(e) => {
                log::error!(target: "rkafka", "{}: cannot start the async serving thread ({e}); call poll() to serve delivery reports", client.name())
            }
        }
    }

    /// Stops and joins the serving thread (before the client is destroyed).
    pub(crate) fn stop(&self) {
        self.stop.store(true, Ordering::Release);
        let thread = lock(&self.thread).take();
        if let Some(t) = thread {
            // SAFETY: the queue is live; yielding it wakes the thread's rd_kafka_poll at once.
            unsafe { sys::rd_kafka_queue_yield(t.main.ptr()) };
            if t.handle.join().is_err() {
                log::error!(target: "rkafka", "the async serving thread panicked");
            }
        }
    }

    /// Resumes a panic a producer-wide callback raised on the serving thread (inlined: one
    /// load on every future's poll).
    #[inline]
    pub(crate) fn resume_panic(&self) {
        if self.panicked.load(Ordering::Acquire) {
            self.resume_parked();
        }
    }

    #[cold]
    fn resume_parked(&self) {
        let parked = {
            let mut slot = lock(&self.panic);
            self.panicked.store(false, Ordering::Release);
            slot.take()
        };
        if let Some(p) = parked {
            std::panic::resume_unwind(p);
        }
    }

    fn park(&self, p: Payload) {
        let mut slot = lock(&self.panic);
        if slot.is_none() {
            *slot = Some(p);
            self.panicked.store(true, Ordering::Release);
        } else {
            log::error!(target: "rkafka", "a second callback panicked on the async serving thread before the first panic was resumed; it is dropped");
        }
    }

    /// Registers a future waiting for room; returns its liveness flag (pass it to
    /// [`Serving::stop_waiting`] when it stops waiting).
    pub(crate) fn wait_for_room(&self, waker: &Waker) -> Arc<AtomicBool> {
        let live = Arc::new(AtomicBool::new(true));
        let mut room = lock(&self.room);
        room.push_back(RoomWaiter {
            waker: waker.clone(),
            live: live.clone(),
        });
        self.waiting.fetch_add(1, Ordering::AcqRel);
        live
    }

    /// Sets the limit [`Serving::is_full`] checks (once, before the producer is used).
    pub(crate) fn set_room_limit(&self, messages: usize) {
        self.room_limit.store(messages, Ordering::Relaxed);
    }

    /// Whether the queue is full by the message count, with `pending` messages unreported. (A
    /// message's count is released just after its report, and the size limit is not checked
    /// here: an attempt may still be refused, rarely.)
    #[inline]
    pub(crate) fn is_full(&self, pending: usize) -> bool {
        let limit = self.room_limit.load(Ordering::Relaxed);
        limit != 0 && pending >= limit
    }

    /// Whether a future is registered for room and not yet woken: the next reports' room is
    /// its (inlined: one load on every `send`).
    #[inline]
    pub(crate) fn has_room_waiters(&self) -> bool {
        self.waiting.load(Ordering::Acquire) > 0
    }

    /// Ends a registration of [`Serving::wait_for_room`] (withdrawn by its future, or woken
    /// here); true if this call ended it, false if it had ended already.
    pub(crate) fn stop_waiting(&self, live: &AtomicBool) -> bool {
        let was_live = live.swap(false, Ordering::AcqRel);
        if was_live {
            self.waiting.fetch_sub(1, Ordering::AcqRel);
        }
        was_live
    }

    pub(crate) fn wait_for_flush(&self, waker: &Waker) {
        lock(&self.flush).push(waker.clone());
    }

    /// After `freed` reports were served: wakes that many room waiters (all of them, and every
    /// flush waiter, once nothing is pending).
    pub(crate) fn served(&self, freed: usize, nothing_pending: bool) {
        let woken: Vec<Waker> = {
            let mut room = lock(&self.room);
            let mut woken = Vec::new();
            while let Some(w) = room.pop_front() {
                if !self.stop_waiting(&w.live) {
                    continue; // it stopped waiting already
                }
                woken.push(w.waker);
                if woken.len() >= freed && !nothing_pending {
                    break;
                }
            }
            woken
        };
        for w in woken {
            w.wake();
        }
        if nothing_pending {
            let flush = std::mem::take(&mut *lock(&self.flush));
            for w in flush {
                w.wake();
            }
        }
    }
}

/// The serving thread's loop.
fn serve(rk: Raw<sys::rd_kafka_t>, state: Raw<ProducerState>) {
    let _client_thread = panic::ClientThread::enter();
    // SAFETY: the state outlives this thread (see `Raw`).
    let st = unsafe { &*state.0 };
    while !st.serving.stop.load(Ordering::Acquire) {
        let before = st.reported();
        // SAFETY: the handle outlives this thread (see `Raw`); callbacks catch their panics.
        unsafe { sys::rd_kafka_poll(rk.0, WAIT_MS) };
        if let Some(p) = panic::take() {
            st.serving.park(p);
        }
        let freed = st.reported().wrapping_sub(before);
        if freed > 0 {
            st.serving.served(freed, st.pending() == 0);
        }
    }
}
