//! Keeping panics out of C.
//!
//! Every `extern "C"` trampoline of rkafka runs its whole body inside one of these wrappers:
//! - [`catch`] for callbacks librdkafka serves on the caller's thread inside a call rkafka made
//!   (`rd_kafka_poll`, `rd_kafka_consumer_poll`, ...): the panic is parked in a thread-local and
//!   [`resume`]d by that call once C has returned;
//! - [`catch_on_foreign_thread`] for callbacks on librdkafka's own threads (logger, OAuth token
//!   refresh, queue wake-ups), where nobody can receive the panic: it is logged. While such a
//!   callback runs, [`on_client_thread`] is true, so a client dropped from inside it hands its
//!   destruction to another thread instead of deadlocking or aborting.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};

/// A caught panic's payload.
pub(crate) type Payload = Box<dyn Any + Send>;

thread_local! {
    /// A panic caught in a callback that ran on this thread inside a librdkafka call made by
    /// rkafka; resumed by that call once C has returned.
    static PENDING: RefCell<Option<Payload>> = const { RefCell::new(None) };
    /// How many callbacks on a librdkafka-owned thread are running on this thread.
    static FOREIGN_DEPTH: Cell<u32> = const { Cell::new(0) };
}

/// Runs user code from a C callback that fires on the *caller's* thread (inside poll/flush).
/// A panic is caught and parked for [`resume`]; returns `None` if `f` panicked.
#[inline]
pub(crate) fn catch<T>(f: impl FnOnce() -> T) -> Option<T> {
    // AssertUnwindSafe: the panic is re-raised on this same thread after the C call returns,
    // so any state the closure broke is observed exactly as if the panic had not been caught.
    match panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(v) => Some(v),
        Err(payload) => {
            park(payload);
            None
        }
    }
}

/// Parks `payload` for [`resume`] (a second panic before the first is resumed is logged and
/// dropped: one unwinding at a time).
#[cold]
#[inline(never)]
pub(crate) fn park(payload: Payload) {
    let _ = PENDING.try_with(|p| {
        let mut p = p.borrow_mut();
        if p.is_none() {
            *p = Some(payload);
        } else {
            log::error!(target: "rkafka", "a second callback panicked before the first panic could be resumed; it is dropped");
        }
    });
}

/// True if a callback on this thread panicked and the panic has not been resumed yet.
pub(crate) fn pending() -> bool {
    PENDING
        .try_with(|p| p.borrow().is_some())
        .unwrap_or(false)
}

/// Takes the panic parked on this thread, if any (to hand it to another thread).
pub(crate) fn take() -> Option<Payload> {
    PENDING.try_with(|p| p.borrow_mut().take()).ok().flatten()
}

/// Re-raises on the caller's thread a panic caught by [`catch`] during the C call that just
/// returned. Every entry point that can run callbacks calls this after the C call.
#[inline]
pub(crate) fn resume() {
    if let Some(payload) = take() {
        panic::resume_unwind(payload);
    }
}

/// Drops (after logging) a panic parked on this thread; used where resuming is not allowed
/// (inside `Drop`).
pub(crate) fn discard(context: &str) {
    if take().is_some() {
        log::error!(target: "rkafka", "a callback panicked during {context}; the panic cannot be resumed there and was dropped");
    }
}

/// The message of a panic payload, for logs.
pub(crate) fn message(payload: &Payload) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "non-string panic payload".into())
}

/// Runs user code on a librdkafka-owned thread, where no caller can receive the panic:
/// the panic is caught and logged, and `default` is returned. While `f` runs,
/// [`on_client_thread`] is true.
pub(crate) fn catch_on_foreign_thread<T>(what: &str, default: T, f: impl FnOnce() -> T) -> T {
    let _depth = ClientThread::enter();
    // AssertUnwindSafe: on failure the closure's result is discarded and only `default` is
    // used, so no partially updated value is observed by rkafka.
    match panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(v) => v,
        Err(payload) => {
            log::error!(target: "rkafka", "{what} panicked on a librdkafka thread (ignored): {}", message(&payload));
            default
        }
    }
}

/// True on a thread that librdkafka or rkafka runs for a client: while a callback runs on a
/// librdkafka-owned thread, or on a thread marked with [`ClientThread`]. A client dropped there
/// must not be destroyed (nor waited for) on that thread.
pub(crate) fn on_client_thread() -> bool {
    FOREIGN_DEPTH.try_with(|d| d.get() > 0).unwrap_or(true)
}

/// Marks the current thread as one rkafka runs for a client (a producer's async serving
/// thread) for as long as the guard lives.
pub(crate) struct ClientThread(());

impl ClientThread {
    pub(crate) fn enter() -> ClientThread {
        let _ = FOREIGN_DEPTH.try_with(|d| d.set(d.get() + 1));
        ClientThread(())
    }
}

impl Drop for ClientThread {
    fn drop(&mut self) {
        let _ = FOREIGN_DEPTH.try_with(|d| d.set(d.get().saturating_sub(1)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panics_are_parked_and_resumed() {
        assert!(catch(|| panic!("boom")).is_none());
        assert!(pending());
        let r = std::panic::catch_unwind(resume);
        assert!(r.is_err());
        assert!(!pending());
    }

    #[test]
    fn foreign_thread_depth_is_restored_after_a_panic() {
        assert!(!on_client_thread());
        let inside = catch_on_foreign_thread("test", false, on_client_thread);
        assert!(inside);
        catch_on_foreign_thread("test", (), || panic!("boom"));
        assert!(!on_client_thread());
    }
}
