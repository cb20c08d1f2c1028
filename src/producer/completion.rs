//! The one-shot cell an async delivery resolves through: created by
//! [`Producer::produce_future`](super::Producer::produce_future), one reference held by the
//! future and one carried by the message (its `msg_opaque`, marked with
//! [`COMPLETION_BIT`](super::delivery::COMPLETION_BIT)). The delivery trampoline runs the
//! record's own closure (or the producer-wide `on_delivery`), stores the outcome and wakes the
//! future; whichever reference goes last frees the cell.

use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use super::callback::DeliveryCallback;
use super::delivery::{Delivery, DeliveryReport, COMPLETION_BIT};
use crate::error::{ErrorCode, KafkaError, Result};
use crate::panic::{self, Payload};

/// See the module docs. `Sync` by construction (everything behind one mutex).
pub(crate) struct Completion {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    /// The record's own delivery closure, run by the trampoline before the future resolves.
    user: Option<DeliveryCallback>,
    tag: Option<usize>,
    result: Option<Result<Delivery>>,
    /// A panic of the closure that ran for this message, resumed by the future.
    panic: Option<Payload>,
    waker: Option<Waker>,
}

impl Completion {
    pub(crate) fn new(user: Option<DeliveryCallback>, tag: Option<usize>) -> Arc<Completion> {
        Arc::new(Completion {
            inner: Mutex::new(Inner {
                user,
                tag,
                ..Inner::default()
            }),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // No user code runs under this lock, so a poisoned one is still consistent.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
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
        let user = this.lock().user.take();
        user
    }

    /// The outcome, once the report was served; otherwise registers the waker. Resumes a panic
    /// of the closure that ran for this message.
    pub(crate) fn poll_result(&self, cx: &Context<'_>) -> Poll<Result<Delivery>> {
        let mut inner = self.lock();
        if let Some(p) = inner.panic.take() {
            drop(inner);
            std::panic::resume_unwind(p);
        }
        match inner.result.take() {
            Some(r) => Poll::Ready(r),
            None => {
                match &mut inner.waker {
                    Some(w) if w.will_wake(cx.waker()) => {}
                    w => *w = Some(cx.waker().clone()),
                }
                Poll::Pending
            }
        }
    }
}

impl Drop for Completion {
    fn drop(&mut self) {
        let inner = self.inner.get_mut().unwrap_or_else(|p| p.into_inner());
        if let Some(p) = inner.panic.take() {
            log::error!(target: "rkafka", "a delivery closure panicked and its future was dropped before it could resume the panic: {}", panic::message(&p));
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
    let user = {
        let mut inner = this.lock();
        report.tag = inner.tag;
        inner.user.take()
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
    let waker = {
        let mut inner = this.lock();
        inner.result = Some(result);
        inner.panic = panicked;
        inner.waker.take()
    };
    if let Some(w) = waker {
        w.wake();
    }
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
