//! [`DeliveryCallback`]: a per-message delivery closure behind one thin pointer (the
//! `msg_opaque` librdkafka carries with the message), living in a pooled slot when small.

use std::ffi::c_void;
use std::ptr;

use super::delivery::DeliveryReport;
use super::slots::{slot_alloc, slot_free, SLOT_ALIGN, SLOT_SIZE};

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
    pub(super) ptr: ptr::NonNull<c_void>,
}

// SAFETY: the only way to make one is `DeliveryCallback::new`, which requires the closure to be
// `Send` (the curl-rust pattern: the wrapper is Send exactly because what it erases is); the
// pointer itself is owned, never shared.
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

    pub(super) fn into_raw(self) -> *mut c_void {
        let p = self.ptr.as_ptr();
        std::mem::forget(self);
        p
    }

    /// # Safety
    /// `p` must be a pointer produced by [`DeliveryCallback::into_raw`], not yet consumed.
    #[inline]
    pub(super) unsafe fn invoke(p: *mut c_void, report: &DeliveryReport<'_>) {
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
