//! The one-shot cell an async delivery resolves through: created by
//! [`Producer::produce_future`](super::Producer::produce_future), one reference held by the
//! future and one carried by the message (its `msg_opaque`, marked with
//! [`COMPLETION_BIT`](super::delivery::COMPLETION_BIT)). The delivery trampoline runs the
//! record's own closure (or the producer-wide `on_delivery`), stores the outcome and wakes the
//! future; whichever reference goes last frees the cell.

use std::cell::UnsafeCell;
use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use super::callback::DeliveryCallback;
use super::delivery::{Delivery, DeliveryReport, COMPLETION_BIT};
use crate::error::{ErrorCode, KafkaError, Result};
use crate::panic::{self, Payload};

/// `state`: the outcome is stored (set once, by the trampoline).
const DONE: u8 = 0b01;
/// `state`: the future's waker is stored (set and cleared by the future only).
const WAITING: u8 = 0b10;

/// See the module docs. A one-shot cell without a lock: each `UnsafeCell` has one owner at a
/// time, handed over through `state` (the per-message path takes no mutex):
/// - `user` and `tag` belong to the producing side until librdkafka takes the message, then
///   to the trampoline (librdkafka's queues order the two); the future never touches them;
/// - `outcome` is written by the trampoline before it sets `DONE` and read by the future only
///   after it saw `DONE`;
/// - `waker` is written by the future only while `WAITING` is clear; once `WAITING` is set,
///   only the trampoline reads it (after setting `DONE`), and the future may clear `WAITING`
///   to replace it only while `DONE` is not set.
pub(crate) struct Completion {
    state: AtomicU8,
    /// The record's own delivery closure, run by the trampoline before the future resolves.
    user: UnsafeCell<Option<DeliveryCallback>>,
    tag: UnsafeCell<Option<usize>>,
    /// The result, and a panic of the closure that ran for this message (resumed by the future).
    outcome: UnsafeCell<Option<(Result<Delivery>, Option<Payload>)>>,
    waker: UnsafeCell<Option<Waker>>,
}

// SAFETY: every cell is accessed by one thread at a time, as the struct docs lay out; what they
// hold is Send (closures and payloads are Send, wakers are Send + Sync).
unsafe impl Send for Completion {}
// SAFETY: as above: shared access never touches a cell another thread may be using.
unsafe impl Sync for Completion {}

impl Completion {
    pub(crate) fn new(user: Option<DeliveryCallback>, tag: Option<usize>) -> Arc<Completion> {
        Arc::new(Completion {
            state: AtomicU8::new(0),
            user: UnsafeCell::new(user),
            tag: UnsafeCell::new(tag),
            outcome: UnsafeCell::new(None),
            waker: UnsafeCell::new(None),
        })
    }

    /// A new reference for librdkafka's `msg_opaque`, with the completion bit set. Pass it to
    /// exactly one produce call; if that call fails, [`Completion::reclaim`] it.
    pub(crate) fn to_opaque(this: &Arc<Completion>) -> *mut c_void {
        (Arc::into_raw(this.clone()) as usize | COMPLETION_BIT) as *mut c_void
    }

    /// Releases the reference of a `msg_opaque` that librdkafka did not take (the produce call
    /// failed) and hands the record's closure back.
    ///
    /// # Safety
    /// `opaque` must come from [`Completion::to_opaque`] and not have been given to librdkafka.
    pub(crate) unsafe fn reclaim(opaque: *mut c_void) -> Option<DeliveryCallback> {
        // SAFETY: caller contract: one reference we still own.
        let this = unsafe { from_opaque(opaque) };
        // SAFETY: the message never reached librdkafka, so no trampoline runs for it: the
        // producing side (this call) still owns `user`.
        unsafe { (*this.user.get()).take() }
    }

    /// The outcome, once the report was served; otherwise registers the waker. Resumes a panic
    /// of the closure that ran for this message. Called by the one future holding this cell
    /// (`&mut` on the future: never concurrently with itself).
    pub(crate) fn poll_result(&self, cx: &Context<'_>) -> Poll<Result<Delivery>> {
        let mut state = self.state.load(Ordering::Acquire);
        if state & DONE == 0 {
            if state & WAITING != 0 {
                // SAFETY: WAITING is set and DONE was not: the trampoline has not read the
                // waker yet and only reads it, and we are its only writer.
                if unsafe { (*self.waker.get()).as_ref() }.is_some_and(|w| w.will_wake(cx.waker()))
                {
                    return Poll::Pending;
                }
                // Take the waker slot back to replace it, unless the outcome arrives first.
                match self.state.compare_exchange(
                    state,
                    state & !WAITING,
                    Ordering::AcqRel,
                    Ordering::Acquire,
                ) {
                    Ok(_) => state &= !WAITING,
                    Err(now) => state = now, // DONE meanwhile
                }
            }
            if state & DONE == 0 {
                // SAFETY: WAITING is clear: the slot is ours alone.
                unsafe { *self.waker.get() = Some(cx.waker().clone()) };
                state = self.state.fetch_or(WAITING, Ordering::AcqRel);
                if state & DONE == 0 {
                    return Poll::Pending;
                }
            }
        }
        // SAFETY: DONE is set: the trampoline wrote the outcome and no longer touches it.
        let (result, panicked) = match unsafe { (*self.outcome.get()).take() } {
            Some(o) => o,
            None => return Poll::Ready(Err(polled_after_completion())),
        };
        if let Some(p) = panicked {
            std::panic::resume_unwind(p);
        }
        Poll::Ready(result)
    }

    /// Stores the outcome and wakes the future, if it waits (the trampoline, once).
    fn finish(&self, result: Result<Delivery>, panicked: Option<Payload>) {
        // SAFETY: DONE is not set yet: the future does not read the outcome before it is.
        unsafe { *self.outcome.get() = Some((result, panicked)) };
        let before = self.state.fetch_or(DONE, Ordering::AcqRel);
        if before & WAITING != 0 {
            // SAFETY: WAITING was set before DONE: the future wrote the waker and will not
            // touch it again (it can no longer clear WAITING, DONE being set).
            if let Some(w) = unsafe { (*self.waker.get()).as_ref() } {
                w.wake_by_ref();
            }
        }
    }
}

impl Drop for Completion {
    fn drop(&mut self) {
        if let Some((_, Some(p))) = self.outcome.get_mut() {
            log::error!(target: "rkafka", "a delivery closure panicked and its future was dropped before it could resume the panic: {}", panic::message(p));
        }
    }
}

/// # Safety
/// `opaque` must carry a completion reference from [`Completion::to_opaque`], owned by the
/// caller; it is consumed.
unsafe fn from_opaque(opaque: *mut c_void) -> Arc<Completion> {
    // SAFETY: caller contract; the bit is cleared to get the Arc's own pointer back.
    unsafe { Arc::from_raw((opaque as usize & !COMPLETION_BIT) as *const Completion) }
}

/// The delivery trampoline's part for a message produced with `produce_future`: runs the
/// record's closure (or the producer-wide callback), resolves the future with the outcome and
/// the closure's panic, and wakes it. Returns false only if a panic had nobody to go to (the
/// future was dropped) and was parked for the serving call instead.
///
/// # Safety
/// `c` is the message's `msg_opaque` with the completion bit cleared (librdkafka's reference,
/// consumed here).
pub(super) unsafe fn complete(c: *mut c_void, report: &mut DeliveryReport<'_>) -> bool {
    // SAFETY: caller contract (the bit was cleared; from_opaque clears it again, harmlessly).
    let this = unsafe { from_opaque(c) };
    // SAFETY: librdkafka took the message, so `user` and `tag` are the trampoline's now (see
    // `Completion`), and this runs once per message.
    let user = unsafe {
        report.tag = *this.tag.get();
        (*this.user.get()).take()
    };
    let ran = catch_unwind(AssertUnwindSafe(|| match user {
        Some(cb) => cb.call(report),
        None => {
            if let Some(cb) = &report.state.on_delivery {
                cb(report)
            }
        }
    }));
    let result = match &report.error {
        None => Ok(report.delivery()),
        Some(e) => Err(e
            .clone()
            .with_partition(report.topic().into_owned(), report.partition())),
    };
    let mut panicked = ran.err();
    // Nobody will poll a dropped future: its panic goes to whoever served this report.
    let orphan = Arc::strong_count(&this) == 1;
    let completed = match (orphan, panicked.take()) {
        (true, Some(p)) => {
            panic::park(p);
            false
        }
        (_, p) => {
            panicked = p;
            true
        }
    };
    this.finish(result, panicked);
    completed
}

/// A future polled after it returned its outcome.
#[cold]
pub(crate) fn polled_after_completion() -> KafkaError {
    KafkaError::new(
        ErrorCode::State,
        "a delivery future was polled after it completed",
    )
}

impl super::Producer {
    /// Produces `record` with a completion cell as its per-message pointer (the record's own
    /// closure and tag move into the cell), starting the serving thread first. On failure the
    /// record comes back untouched, closure included.
    pub(crate) fn produce_with_completion<'a>(
        &self,
        mut record: super::Record<'a>,
    ) -> std::result::Result<Arc<Completion>, super::ProduceError<'a>> {
        let tag = match record.tag_value() {
            Ok(t) => t,
            Err(error) => return Err(super::ProduceError { error, record }),
        };
        let client = self.client();
        client.state().serving.ensure(client);
        let completion = Completion::new(record.take_on_delivery(), tag);
        let opaque = Completion::to_opaque(&completion);
        match self.enqueue(&record, opaque) {
            Ok(()) => Ok(completion),
            Err(error) => {
                // SAFETY: librdkafka did not take the reference made for this call.
                record.set_on_delivery(unsafe { Completion::reclaim(opaque) });
                Err(super::ProduceError { error, record })
            }
        }
    }
}
