//! [`QueueWaker`]: wakes the one task waiting on a librdkafka queue (a consumer's
//! [`MessageStream`](crate::MessageStream)) when the queue gets an event.
//!
//! librdkafka calls the queue's event callback from its own thread whenever the queue goes from
//! empty to non-empty. One waker slot is enough: a consumer has at most one stream at a time
//! (it borrows the consumer mutably), and the slot holds the waker of the last poll, so a
//! stream that was dropped, forgotten or is no longer polled can never take a wake-up from the
//! one that is. A stream that finds the queue non-empty after a poll returned nothing (a
//! yield) wakes itself instead of waiting for an event that will not come.
//!
//! Wakers are called while librdkafka holds the queue's lock: an executor whose `wake` polls
//! the task inline on the waking thread is not supported (tokio, async-std, smol and
//! `futures::executor` all schedule instead).

use std::ffi::c_void;
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::task::Waker;

use rdkafka_sys::bindings as sys;

use crate::handle::Handle;
use crate::panic;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // No user code runs under these locks, so a poisoned one is still consistent.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// See the module docs. Lives in a client's callback context (a stable address for C).
#[derive(Default)]
pub(crate) struct QueueWaker {
    waker: Mutex<Option<Waker>>,
    /// The queue whose events wake us, once enabled; released by [`QueueWaker::disable`].
    queue: OnceLock<Mutex<Option<Handle<sys::rd_kafka_queue_t>>>>,
}

impl QueueWaker {
    /// Turns on event notification for `queue` (once; later calls drop their queue).
    pub(crate) fn enable(&self, queue: impl FnOnce() -> Option<Handle<sys::rd_kafka_queue_t>>) {
        self.queue.get_or_init(|| {
            let q = queue();
            if let Some(q) = &q {
                // SAFETY: q is live; `self` lives in the client's context, which outlives the
                // registration (`disable` runs before the client is destroyed).
                unsafe {
                    sys::rd_kafka_queue_cb_event_enable(
                        q.ptr(),
                        Some(queue_event),
                        (self as *const QueueWaker).cast_mut().cast(),
                    )
                };
            }
            Mutex::new(q)
        });
    }

    /// Makes `waker` the one the next event wakes.
    pub(crate) fn register(&self, waker: &Waker) {
        let mut slot = lock(&self.waker);
        match &mut *slot {
            Some(w) if w.will_wake(waker) => {}
            w => *w = Some(waker.clone()),
        }
    }

    /// Wakes the registered task, if any.
    pub(crate) fn wake(&self) {
        let w = lock(&self.waker).take();
        if let Some(w) = w {
            w.wake();
        }
    }

    /// How many events wait in the queue (0 before `enable`).
    pub(crate) fn queued(&self) -> usize {
        let Some(q) = self.queue.get() else {
            return 0;
        };
        let q = lock(q);
        // SAFETY: the queue is live while we hold it.
        q.as_ref()
            .map_or(0, |q| unsafe { sys::rd_kafka_queue_length(q.ptr()) })
    }

    /// Turns notification off and releases the queue; called before the client is destroyed.
    /// After it returns no event callback runs or will run (librdkafka calls it under the queue
    /// lock, which disabling takes).
    pub(crate) fn disable(&self) {
        let Some(q) = self.queue.get() else {
            return;
        };
        if let Some(q) = lock(q).take() {
            // SAFETY: q is live; clearing the callback is its documented off switch.
            unsafe { sys::rd_kafka_queue_cb_event_enable(q.ptr(), None, std::ptr::null_mut()) };
        }
    }
}

/// librdkafka's queue event callback: runs on a librdkafka thread, under the queue's lock.
unsafe extern "C" fn queue_event(_rk: *mut sys::rd_kafka_t, opaque: *mut c_void) {
    panic::catch_on_foreign_thread("the async wake-up", (), || {
        // SAFETY: opaque is the QueueWaker inside the client's context, which outlives the
        // registration (see `enable`).
        let w = unsafe { &*opaque.cast::<QueueWaker>() };
        w.wake();
    })
}
