//! The client core every client kind (producer, consumer, admin client, mock cluster) is built
//! on: [`NativeClient<S>`] owns the `rd_kafka_t` and the boxed callback context C points to,
//! whose kind-specific part is `S`. The core knows nothing of the kinds: each kind's module holds
//! its own state and trampolines, and the core only installs the client-wide callbacks
//! (`callbacks.rs`) and destroys the handle within a bound (`teardown.rs`).
//!
//! Threads: `NativeClient<S>` has no `unsafe impl Send`/`Sync`. The handle is a
//! [`Handle<rd_kafka_t>`](crate::handle::Handle) (thread-safe by librdkafka's contract, argued
//! in handle.rs) and the context is `Sync` exactly when its fields are, which the compiler
//! checks; `new` requires it, since librdkafka calls into the context from its own threads.

mod callbacks;
mod context;
mod teardown;
#[cfg(feature = "tracing")]
mod trace;
mod wakeup;

use std::mem::ManuallyDrop;
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use std::time::Duration;

use libc::c_char;
use rdkafka_sys::bindings as sys;

pub(crate) use callbacks::yield_if_panicked;
pub(crate) use context::{common_builder_methods, ClientContext, CommonCallbacks};
pub use context::{LogRecord, ThrottleEvent};
#[cfg(all(feature = "tracing", feature = "stats"))]
pub(crate) use trace::statistics as trace_statistics;
pub use wakeup::WakeupHandle;

use crate::config::{Config, NativeConf};
use crate::error::{cstring, ErrorCode, KafkaError, Result};
use crate::handle::{AliasableBox, Handle};
use crate::panic;
use crate::util::{cstr_lossy, errbuf_str, Timeout};

/// A client kind's own state, kept in the callback context.
pub(crate) trait Kind: Send + Sync + 'static {
    /// Finishes the kind's business with the handle before it is destroyed: stops rkafka's own
    /// threads and queue callbacks, serves what must not be lost. Runs on the teardown thread,
    /// `rk` still live and used by nothing else of rkafka's.
    fn before_destroy(&self, _rk: *mut sys::rd_kafka_t) {}
}

impl Kind for () {}

/// How to create a client.
pub(crate) struct Spec<'a, S> {
    /// `RD_KAFKA_PRODUCER` or `RD_KAFKA_CONSUMER`.
    pub(crate) rd_type: sys::rd_kafka_type_t,
    pub(crate) config: &'a Config,
    pub(crate) common: CommonCallbacks,
    pub(crate) state: S,
    /// How long dropping the client may wait for `rd_kafka_destroy` (see teardown.rs).
    pub(crate) teardown_bound: Duration,
}

/// The one owner of an `rd_kafka_t` and of the context its callbacks point to.
pub(crate) struct NativeClient<S: Kind> {
    /// Destroyed by the teardown job (which needs the destroy flags), never by its own Drop.
    rk: ManuallyDrop<Handle<sys::rd_kafka_t>>,
    /// Dropped by the teardown job after `rd_kafka_destroy` has returned. C keeps pointers into
    /// it, hence an aliasable box.
    ctx: ManuallyDrop<AliasableBox<ClientContext<S>>>,
    name: String,
    /// Flags for `rd_kafka_destroy_flags` (a closed consumer sets `NO_CONSUMER_CLOSE`).
    destroy_flags: AtomicI32,
    /// How long dropping may wait for `rd_kafka_destroy`, in milliseconds (see teardown.rs).
    teardown_bound_ms: AtomicU64,
}

impl<S: Kind> NativeClient<S> {
    /// Validates the configuration through librdkafka, installs the trampolines (the common
    /// ones, then the kind's own in `setup`) and creates the handle.
    pub(crate) fn new(
        spec: Spec<'_, S>,
        setup: impl FnOnce(&NativeConf),
    ) -> Result<NativeClient<S>> {
        spec.common.check(spec.config)?;
        let conf = spec.config.to_native(&[])?;
        let ctx = AliasableBox::new(ClientContext::new(spec.common, spec.config, spec.state));
        // SAFETY: conf is live and not yet handed over; the opaque is the boxed context, which
        // outlives the rd_kafka_t (dropped after rd_kafka_destroy, or right here if rd_kafka_new
        // fails).
        unsafe {
            sys::rd_kafka_conf_set_opaque(conf.ptr(), ctx.as_ptr().cast());
            callbacks::install(conf.ptr(), &ctx);
        }
        setup(&conf);
        let mut errbuf = [0 as c_char; 512];
        // SAFETY: conf is valid; errbuf is writable for its length. rd_kafka_new takes ownership
        // of conf only on success, so on failure `conf` is still ours and dropped normally.
        let raw = unsafe {
            sys::rd_kafka_new(spec.rd_type, conf.ptr(), errbuf.as_mut_ptr(), errbuf.len())
        };
        // SAFETY: null or a new handle we own.
        let Some(rk) = (unsafe { Handle::from_raw(raw) }) else {
            let reason = errbuf_str(&errbuf);
            return Err(KafkaError::invalid_arg(ctx.scrub(&reason).into_owned()));
        };
        conf.into_raw();
        if ctx.common.oauth_cb.is_some() {
            // SAFETY: rk is live; the SASL queue was enabled on its configuration.
            let err = unsafe { sys::rd_kafka_sasl_background_callbacks_enable(rk.ptr()) };
            // SAFETY: err is null or an rd_kafka_error_t we now own. On error `rk` is dropped
            // (destroyed) here, before the context it points to.
            if let Some(e) = unsafe { KafkaError::from_native(err) } {
                drop(rk);
                return Err(e);
            }
        }
        // SAFETY: rk is live; rd_kafka_name returns a string owned by rk.
        let name = unsafe { cstr_lossy(sys::rd_kafka_name(rk.ptr())) }.into_owned();
        ctx.set_log_target(&name);
        Ok(NativeClient {
            rk: ManuallyDrop::new(rk),
            ctx: ManuallyDrop::new(ctx),
            name,
            destroy_flags: AtomicI32::new(0),
            teardown_bound_ms: AtomicU64::new(millis(spec.teardown_bound)),
        })
    }

    /// The handle, for librdkafka calls (valid while `self` is).
    #[inline]
    pub(crate) fn ptr(&self) -> *mut sys::rd_kafka_t {
        self.rk.ptr()
    }

    /// The handle itself, for helpers that take one.
    #[inline]
    pub(crate) fn handle(&self) -> &Handle<sys::rd_kafka_t> {
        &self.rk
    }

    #[inline]
    pub(crate) fn context(&self) -> &ClientContext<S> {
        &self.ctx
    }

    /// The kind's own state.
    #[inline]
    pub(crate) fn state(&self) -> &S {
        &self.ctx.kind
    }

    /// The client instance name (`rdkafka#producer-1`); Python has no accessor.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// Makes `rd_kafka_destroy` skip the consumer close (already done, or given up on).
    pub(crate) fn skip_consumer_close_on_destroy(&self) {
        self.destroy_flags.fetch_or(
            crate::consts::RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE as i32,
            Ordering::SeqCst,
        );
    }

    /// What is left of a kind's own drop bound for the destruction itself (a consumer that
    /// spent part of its bound closing gives the teardown only the rest).
    pub(crate) fn set_teardown_bound(&self, bound: Duration) {
        self.teardown_bound_ms
            .store(millis(bound), Ordering::Relaxed);
    }

    /// Makes a `rd_kafka_poll` waiting on another thread return now (`rd_kafka_yield` only
    /// works from inside a callback; yielding the main queue works from anywhere).
    pub(crate) fn yield_main_queue(&self) {
        // SAFETY: rk is live; the queue reference we take is released right away; yielding
        // only wakes whoever waits on the queue.
        unsafe {
            if let Some(q) = Handle::from_raw(sys::rd_kafka_queue_get_main(self.ptr())) {
                sys::rd_kafka_queue_yield(q.ptr());
            }
        }
    }

    /// Serves queued callbacks on this thread; resumes any panic they raised.
    pub(crate) fn poll(&self, timeout: Timeout) -> usize {
        // SAFETY: rk is live. Callbacks run on this thread inside the call and catch panics.
        let n = unsafe { sys::rd_kafka_poll(self.ptr(), timeout.as_millis_i32()) };
        panic::resume();
        n.max(0) as usize
    }

    /// Python: `set_sasl_credentials(username, password)`.
    pub(crate) fn set_sasl_credentials(&self, username: &str, password: &str) -> Result<()> {
        let u = cstring("SASL username", username)?;
        let p = cstring("SASL password", password)?;
        // SAFETY: rk is live; both strings are NUL-terminated and copied by librdkafka.
        let err = unsafe { sys::rd_kafka_sasl_set_credentials(self.ptr(), u.as_ptr(), p.as_ptr()) };
        // SAFETY: err is null or an rd_kafka_error_t we now own.
        match unsafe { KafkaError::from_native(err) } {
            None => Ok(()),
            Some(e) => Err(KafkaError::new(
                e.code(),
                self.ctx.scrub(e.str()).into_owned(),
            )),
        }
    }

    /// The fatal error raised on this instance, if any.
    pub(crate) fn fatal_error(&self) -> Option<KafkaError> {
        // SAFETY: rk is live.
        unsafe { fatal_error_of(self.ptr(), &self.ctx) }
    }

    /// An error a librdkafka call returned, made precise: a bare `_FATAL` ("Local: Fatal
    /// error") becomes the fatal error that caused it, flagged fatal.
    #[cold]
    pub(crate) fn refine(&self, e: KafkaError) -> KafkaError {
        if e.code() != ErrorCode::Fatal {
            return e;
        }
        self.fatal_error().unwrap_or_else(|| e.with_fatal(true))
    }

    /// Python (2.13+): `cluster_id(timeout)`: the cluster id from the brokers' metadata, or
    /// `_TIMED_OUT` as Python raises it.
    pub(crate) fn cluster_id(&self, timeout: Timeout) -> Result<String> {
        // SAFETY: rk is live; the returned string (if any) is ours to free with
        // rd_kafka_mem_free.
        unsafe {
            let id = sys::rd_kafka_clusterid(self.ptr(), timeout.as_millis_i32());
            if id.is_null() {
                return Err(KafkaError::new(
                    ErrorCode::TimedOut,
                    "Failed to retrieve cluster id: Local: Timed out. The broker must support \
                     KIP-78 (>= 0.10.1) for the cluster id to be available.",
                ));
            }
            let s = cstr_lossy(id).into_owned();
            sys::rd_kafka_mem_free(self.ptr(), id.cast());
            Ok(s)
        }
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// The fatal error raised on `rk`, named precisely and flagged fatal.
///
/// # Safety
/// `rk` must be a live instance whose context is `ctx`.
pub(crate) unsafe fn fatal_error_of<S>(
    rk: *mut sys::rd_kafka_t,
    ctx: &ClientContext<S>,
) -> Option<KafkaError> {
    let mut buf = [0 as c_char; 512];
    // SAFETY: caller contract; buf is writable for its length.
    let code = unsafe { crate::ffi::fatal_error(rk, buf.as_mut_ptr(), buf.len()) };
    (code != 0).then(|| {
        KafkaError::new(
            ErrorCode::from_raw(code),
            ctx.scrub(&errbuf_str(&buf)).into_owned(),
        )
        .with_fatal(true)
    })
}

impl<S: Kind> Drop for NativeClient<S> {
    fn drop(&mut self) {
        log::trace!(target: "rkafka", "destroying {}", self.name);
        // SAFETY: both fields are taken exactly once, here, and never used again.
        let (rk, ctx) = unsafe {
            (
                ManuallyDrop::take(&mut self.rk),
                ManuallyDrop::take(&mut self.ctx),
            )
        };
        let flags = self.destroy_flags.load(Ordering::SeqCst);
        let bound = Duration::from_millis(self.teardown_bound_ms.load(Ordering::Relaxed));
        teardown::destroy(&self.name, bound, move || {
            ctx.kind.before_destroy(rk.ptr());
            // SAFETY: we own the handle; the NativeClient is gone and `before_destroy` stopped
            // rkafka's own users of it, so it is destroyed once, here. The context it points to
            // is dropped only after this returns.
            unsafe { sys::rd_kafka_destroy_flags(rk.into_raw(), flags) };
            panic::discard("client destruction");
            drop(ctx.into_box());
        });
    }
}

impl<S: Kind> std::fmt::Debug for NativeClient<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NativeClient")
            .field("name", &self.name)
            .finish()
    }
}
