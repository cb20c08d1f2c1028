//! The one owner of every librdkafka object rkafka creates: [`Handle<T>`] holds a non-null
//! pointer and frees it exactly once, on drop, with the object's own `*_destroy` function.
//!
//! Each C type names its destructor once, with [`owned!`], and says there whether the object may
//! be moved to and freed on another thread (then `Handle<T>` is `Send`) and whether it may be
//! used from several threads at once (then it is `Sync`), with the argument next to it. Every
//! other auto trait follows from that: a Rust type holding handles is `Send` or `Sync` only if
//! the compiler can prove it from its fields.

use std::marker::PhantomData;
use std::ptr::NonNull;

use rdkafka_sys::bindings as sys;

/// A librdkafka object type and the function that frees it.
///
/// # Safety
/// `destroy` must free an object of this type created by librdkafka, and be the only thing
/// needed to release it.
pub(crate) unsafe trait Destroy {
    /// Frees `p`.
    ///
    /// # Safety
    /// `p` must be a live object owned by the caller; it is invalid afterwards.
    unsafe fn destroy(p: *mut Self);
}

/// Marks a librdkafka object type that may be handed to another thread and freed there.
///
/// # Safety
/// librdkafka must document (or its source guarantee) exactly that for the type.
pub(crate) unsafe trait SendSafe {}

/// Marks a librdkafka object type whose functions may be called from several threads at once.
///
/// # Safety
/// librdkafka must document (or its source guarantee) exactly that for the type.
pub(crate) unsafe trait SyncSafe {}

/// Owns one librdkafka object; frees it on drop.
#[repr(transparent)]
pub(crate) struct Handle<T: Destroy> {
    ptr: NonNull<T>,
    /// Owns a `T` (drop check), and is neither `Send` nor `Sync` unless `T` says so.
    _owns: PhantomData<*mut T>,
}

// SAFETY: `SendSafe` says exactly that the object may be moved to and freed on another thread.
unsafe impl<T: Destroy + SendSafe> Send for Handle<T> {}
// SAFETY: `SyncSafe` says exactly that the object's functions may run on several threads at once.
unsafe impl<T: Destroy + SyncSafe> Sync for Handle<T> {}

impl<T: Destroy> Handle<T> {
    /// Takes ownership of `p`; `None` if it is null.
    ///
    /// # Safety
    /// `p` must be null or a live object the caller owns (nobody else frees it).
    #[inline]
    pub(crate) unsafe fn from_raw(p: *mut T) -> Option<Handle<T>> {
        NonNull::new(p).map(|ptr| Handle {
            ptr,
            _owns: PhantomData,
        })
    }

    /// The object, for librdkafka calls; valid while the handle lives.
    #[inline]
    pub(crate) fn ptr(&self) -> *mut T {
        self.ptr.as_ptr()
    }

    /// Gives up ownership without freeing (a librdkafka call took it over).
    #[inline]
    pub(crate) fn into_raw(self) -> *mut T {
        let p = self.ptr.as_ptr();
        std::mem::forget(self);
        p
    }
}

impl<T: Destroy> Drop for Handle<T> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: the handle owns the object (from_raw's contract) and frees it exactly once.
        unsafe { T::destroy(self.ptr.as_ptr()) }
    }
}

impl<T: Destroy> std::fmt::Debug for Handle<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Handle({:p})", self.ptr)
    }
}

/// `owned!(C type => destructor [, send: "why"] [, sync: "why"])`: implements [`Destroy`] (and
/// [`SendSafe`] / [`SyncSafe`], each with its argument) for a librdkafka object type.
macro_rules! owned {
    ($t:ty => $destroy:path) => {
        // SAFETY: `$destroy` is the function librdkafka documents for freeing a `$t`.
        unsafe impl $crate::handle::Destroy for $t {
            #[inline]
            unsafe fn destroy(p: *mut Self) {
                // SAFETY: caller contract: p is a live object the caller owns.
                unsafe { $destroy(p) }
            }
        }
    };
    ($t:ty => $destroy:path, send: $send:literal) => {
        owned!($t => $destroy);
        #[doc = $send]
        // SAFETY: see the doc line above: librdkafka's guarantee for this type.
        unsafe impl $crate::handle::SendSafe for $t {}
    };
    ($t:ty => $destroy:path, send: $send:literal, sync: $sync:literal) => {
        owned!($t => $destroy, send: $send);
        #[doc = $sync]
        // SAFETY: see the doc line above: librdkafka's guarantee for this type.
        unsafe impl $crate::handle::SyncSafe for $t {}
    };
}
pub(crate) use owned;

owned!(sys::rd_kafka_t => sys::rd_kafka_destroy,
    send: "rd_kafka_destroy may run on any thread but librdkafka's own (NativeClient's teardown sees to that).",
    sync: "rdkafka.h: every rd_kafka_t function may be called from any thread; librdkafka locks internally.");
owned!(sys::rd_kafka_queue_t => sys::rd_kafka_queue_destroy,
    send: "Queues are reference-counted; a reference may be released on any thread.",
    sync: "Queues are locked internally; serving one from several threads is supported.");
owned!(sys::rd_kafka_topic_t => sys::rd_kafka_topic_destroy,
    send: "Topic handles are reference-counted; a reference may be released on any thread.",
    sync: "Producing through one topic handle from several threads is supported.");
owned!(sys::rd_kafka_message_t => sys::rd_kafka_message_destroy,
    send: "A message returned to the application holds its own references and may be destroyed on any thread. Not Sync: reading its headers parses them lazily, in place.");
owned!(sys::rd_kafka_event_t => sys::rd_kafka_event_destroy,
    send: "An event returned to the application is its own; it may be freed on any thread.");
owned!(sys::rd_kafka_topic_partition_list_t => sys::rd_kafka_topic_partition_list_destroy,
    send: "A plain heap structure with no references to a client.",
    sync: "Only read through shared references.");
owned!(sys::rd_kafka_headers_t => sys::rd_kafka_headers_destroy,
    send: "A plain heap structure with no references to a client.");
owned!(sys::rd_kafka_conf_t => sys::rd_kafka_conf_destroy,
    send: "A plain heap structure; the opaque pointers it stores are rkafka's own.");
owned!(sys::rd_kafka_consumer_group_metadata_t => sys::rd_kafka_consumer_group_metadata_destroy,
    send: "An immutable, self-contained copy of a group's identity.",
    sync: "Immutable: only read.");
owned!(sys::rd_kafka_error_t => sys::rd_kafka_error_destroy,
    send: "A plain heap structure with no references to a client.");

/// `rd_kafka_metadata_destroy` takes a const pointer.
unsafe fn destroy_metadata(p: *mut sys::rd_kafka_metadata) {
    // SAFETY: caller contract (Destroy::destroy): p is a live metadata tree we own.
    unsafe { sys::rd_kafka_metadata_destroy(p) }
}
owned!(sys::rd_kafka_metadata => destroy_metadata,
    send: "An immutable snapshot owned by the application once returned.",
    sync: "Immutable: only read.");

/// A heap allocation that C code points into: like `Box<T>`, but without `Box`'s promise of
/// unique access, so moving the owner does not invalidate the pointers librdkafka holds (a
/// `Box` would formally assert uniqueness each time it is moved). Only shared references are
/// ever made to the value while it lives; it is freed by [`AliasableBox::into_box`].
pub(crate) struct AliasableBox<T> {
    ptr: NonNull<T>,
    _owns: PhantomData<T>,
}

// SAFETY: it owns a T exactly as Box<T> does, so it is Send exactly when Box<T> is.
unsafe impl<T: Send> Send for AliasableBox<T> {}
// SAFETY: `&AliasableBox<T>` only gives `&T`, so it is Sync exactly when T is.
unsafe impl<T: Sync> Sync for AliasableBox<T> {}

impl<T> AliasableBox<T> {
    pub(crate) fn new(value: T) -> AliasableBox<T> {
        AliasableBox {
            ptr: NonNull::from(Box::leak(Box::new(value))),
            _owns: PhantomData,
        }
    }

    /// The address C may keep; stable for the value's life.
    pub(crate) fn as_ptr(&self) -> *mut T {
        self.ptr.as_ptr()
    }

    /// Takes the value back as a `Box` (to drop it), once nothing else uses the address.
    pub(crate) fn into_box(self) -> Box<T> {
        let p = self.ptr.as_ptr();
        std::mem::forget(self);
        // SAFETY: p came from Box::leak in `new` and is reclaimed once, here.
        unsafe { Box::from_raw(p) }
    }
}

impl<T> std::ops::Deref for AliasableBox<T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the value lives until into_box/drop, and only shared references are made.
        unsafe { self.ptr.as_ref() }
    }
}

impl<T> Drop for AliasableBox<T> {
    fn drop(&mut self) {
        // SAFETY: as into_box: reclaimed once.
        drop(unsafe { Box::from_raw(self.ptr.as_ptr()) });
    }
}
