//! The trampolines of the client-wide callbacks (logger, `error_cb`, `throttle_cb`,
//! `stats_cb`, `oauth_cb`), one instance per client kind `S` (the context type behind
//! librdkafka's `opaque` depends on it).
//!
//! Panics and C: every trampoline runs its whole body inside [`panic::catch`] (callbacks
//! served on the caller's thread inside poll/flush: the panic is resumed by that call) or
//! [`panic::catch_on_foreign_thread`] (callbacks on librdkafka's own threads: the panic is
//! logged). Nothing here can unwind into C.

use std::ffi::{c_void, CString};
use std::time::Duration;

use libc::{c_char, c_int};
use rdkafka_sys::bindings as sys;

use super::context::{ClientContext, LogRecord, ThrottleEvent};
use super::fatal_error_of;
use crate::error::{ErrorCode, KafkaError};
use crate::panic;
use crate::util::cstr_lossy;

/// Installs the trampolines for the callbacks `ctx` has.
///
/// # Safety
/// `conf` must be a live configuration not yet handed to `rd_kafka_new`, whose opaque is (or
/// will be, before `rd_kafka_new`) `ctx`.
pub(super) unsafe fn install<S: Sync>(conf: *mut sys::rd_kafka_conf_t, ctx: &ClientContext<S>) {
    // SAFETY: caller contract; each trampoline matches the C signature it is registered for.
    unsafe {
        sys::rd_kafka_conf_set_log_cb(conf, Some(log_trampoline::<S>));
        // With `tracing`, errors that would go to the default logger become structured events
        // (trace.rs); a custom logger still gets librdkafka's own `ERROR` line for them.
        let traced = cfg!(feature = "tracing") && ctx.common.logger.is_none();
        if ctx.common.error_cb.is_some() || traced {
            sys::rd_kafka_conf_set_error_cb(conf, Some(error_trampoline::<S>));
        }
        if ctx.common.throttle_cb.is_some() {
            sys::rd_kafka_conf_set_throttle_cb(conf, Some(throttle_trampoline::<S>));
        }
        if ctx.common.stats_cb.is_some() || ctx.common.has_statistics_cb() {
            sys::rd_kafka_conf_set_stats_cb(conf, Some(stats_trampoline::<S>));
        }
        if ctx.common.oauth_cb.is_some() {
            sys::rd_kafka_conf_set_oauthbearer_token_refresh_cb(conf, Some(oauth_trampoline::<S>));
            // Refresh on librdkafka's background thread (enabled after rd_kafka_new), not in poll.
            sys::rd_kafka_conf_enable_sasl_queue(conf, 1);
        }
    }
}

/// After a user callback panicked (`completed` is false), asks librdkafka to return from the
/// current poll/flush as soon as the current event is done, so the panic surfaces promptly;
/// the remaining events stay queued for the next call (nothing is dropped). Takes the
/// callback's own outcome, so the common path reads no thread-local.
///
/// # Safety
/// `rk` must be the live instance whose callback just ran.
#[inline]
pub(crate) unsafe fn yield_if_panicked(rk: *mut sys::rd_kafka_t, completed: bool) {
    if !completed {
        // SAFETY: caller contract; rd_kafka_yield only sets a flag on the instance.
        unsafe { sys::rd_kafka_yield(rk) };
    }
}

fn syslog_to_level(level: c_int) -> log::Level {
    match level {
        0..=3 => log::Level::Error,
        4 => log::Level::Warn,
        5 | 6 => log::Level::Info,
        _ => log::Level::Debug,
    }
}

/// librdkafka's log callback: called from librdkafka's internal threads (and, during
/// `rd_kafka_new`, from the creating thread).
unsafe extern "C" fn log_trampoline<S: Sync>(
    rk: *const sys::rd_kafka_t,
    level: c_int,
    fac: *const c_char,
    buf: *const c_char,
) {
    panic::catch_on_foreign_thread("the log callback", (), || {
        // SAFETY: rk is the live instance logging; its opaque is our context (set before
        // rd_kafka_new, so valid even for logs emitted during construction) or null.
        let opaque = unsafe { sys::rd_kafka_opaque(rk) };
        // SAFETY: fac and buf are NUL-terminated strings valid for this call.
        let (fac, buf) = unsafe { (cstr_lossy(fac), cstr_lossy(buf)) };
        if opaque.is_null() {
            default_log("rkafka", "", level, &fac, &buf);
            return;
        }
        // SAFETY: a non-null opaque is the context of this client kind.
        let ctx = unsafe { ClientContext::<S>::from_opaque(opaque) };
        let message = ctx.scrub(&buf);
        let name = ctx
            .log_target()
            .strip_prefix("rkafka::")
            .unwrap_or("rkafka");
        let lvl = syslog_to_level(level);
        match &ctx.common.logger {
            Some(f) => f(&LogRecord {
                level: lvl,
                syslog_level: level,
                facility: &fac,
                message: &message,
                client_name: name,
            }),
            None => default_log(ctx.log_target(), name, level, &fac, &message),
        }
    })
}

/// The `log` crate, target `rkafka::<client name>` (with feature `tracing`: a `tracing` event,
/// once a dispatcher is installed).
fn default_log(target: &str, client: &str, level: c_int, fac: &str, message: &str) {
    #[cfg(feature = "tracing")]
    if super::trace::log_line(client, level, fac, message) {
        return;
    }
    let _ = client;
    let lvl = syslog_to_level(level);
    let meta = log::Metadata::builder().level(lvl).target(target).build();
    if lvl <= log::max_level() && log::logger().enabled(&meta) {
        log::logger().log(
            &log::Record::builder()
                .level(lvl)
                .target(target)
                .args(format_args!("[{fac}] {message}"))
                .build(),
        );
    }
}

/// error_cb: served by poll/flush on the caller's thread.
unsafe extern "C" fn error_trampoline<S: Sync>(
    rk: *mut sys::rd_kafka_t,
    err: c_int,
    reason: *const c_char,
    opaque: *mut c_void,
) {
    let completed = panic::catch(|| {
        // SAFETY: opaque is our context (installed with this callback).
        let ctx = unsafe { ClientContext::<S>::from_opaque(opaque) };
        // SAFETY: reason is a NUL-terminated string valid for this call.
        let reason = unsafe { cstr_lossy(reason) };
        let mut error = KafkaError::new(ErrorCode::from_raw(err), ctx.scrub(&reason).into_owned());
        if error.code() == ErrorCode::Fatal {
            // The underlying cause, flagged fatal (rd_kafka_fatal_error names it).
            // SAFETY: rk is the live instance serving this callback.
            error = unsafe { fatal_error_of(rk, ctx) }.unwrap_or_else(|| error.with_fatal(true));
        }
        match &ctx.common.error_cb {
            Some(cb) => panic::catch(|| cb(&error)).is_some(),
            None => {
                // Installed without a closure only with `tracing` and no logger (`install`).
                #[cfg(feature = "tracing")]
                super::trace::client_error(ctx.log_target(), &error);
                true
            }
        }
    })
    .unwrap_or(false);
    // SAFETY: rk is the live instance serving this callback.
    unsafe { yield_if_panicked(rk, completed) };
}

/// throttle_cb: served by poll/flush on the caller's thread.
unsafe extern "C" fn throttle_trampoline<S: Sync>(
    rk: *mut sys::rd_kafka_t,
    broker_name: *const c_char,
    broker_id: i32,
    throttle_time_ms: c_int,
    opaque: *mut c_void,
) {
    let completed = panic::catch(|| {
        // SAFETY: opaque is our context.
        let ctx = unsafe { ClientContext::<S>::from_opaque(opaque) };
        let Some(cb) = &ctx.common.throttle_cb else {
            return true;
        };
        let ev = ThrottleEvent {
            // SAFETY: broker_name is a NUL-terminated string valid for this call.
            broker_name: unsafe { cstr_lossy(broker_name) }.into_owned(),
            broker_id,
            throttle_time: Duration::from_millis(throttle_time_ms.max(0) as u64),
        };
        panic::catch(|| cb(&ev)).is_some()
    })
    .unwrap_or(false);
    // SAFETY: rk is the live instance serving this callback.
    unsafe { yield_if_panicked(rk, completed) };
}

/// stats_cb: served by poll/flush on the caller's thread. Returns 0: librdkafka frees the JSON.
unsafe extern "C" fn stats_trampoline<S: Sync>(
    rk: *mut sys::rd_kafka_t,
    json: *mut c_char,
    json_len: usize,
    opaque: *mut c_void,
) -> c_int {
    let completed = panic::catch(|| {
        // SAFETY: opaque is our context; json points to json_len readable bytes for this call.
        let (ctx, bytes) = unsafe {
            (
                ClientContext::<S>::from_opaque(opaque),
                std::slice::from_raw_parts(json.cast::<u8>(), json_len),
            )
        };
        let text = String::from_utf8_lossy(bytes);
        let mut completed = true;
        if let Some(cb) = &ctx.common.stats_cb {
            completed &= panic::catch(|| cb(&text)).is_some();
        }
        #[cfg(feature = "stats")]
        if ctx.common.has_statistics_cb() {
            match crate::Statistics::from_json(&text) {
                Ok(stats) => {
                    for (_, sink) in &ctx.common.statistics_sinks {
                        completed &= panic::catch(|| sink(&stats)).is_some();
                    }
                    if let Some(cb) = &ctx.common.statistics_cb {
                        completed &= panic::catch(|| cb(&stats, &text)).is_some();
                    }
                }
                // Not silently: the raw JSON still went to stats_cb if set; say why this did not.
                Err(e) => log::warn!(target: ctx.log_target(), "statistics_cb skipped: {e}"),
            }
        }
        completed
    })
    .unwrap_or(false);
    // SAFETY: rk is the live instance serving this callback.
    unsafe { yield_if_panicked(rk, completed) };
    0
}

/// librdkafka's token refresh callback; runs on librdkafka's background thread.
unsafe extern "C" fn oauth_trampoline<S: Sync>(
    rk: *mut sys::rd_kafka_t,
    config: *const c_char,
    opaque: *mut c_void,
) {
    panic::catch_on_foreign_thread("the OAuth token refresh", (), || {
        // SAFETY: opaque is our context (alive while rk is); config is null or a NUL-terminated
        // string valid for this call.
        let (ctx, config) =
            unsafe { (ClientContext::<S>::from_opaque(opaque), cstr_lossy(config)) };
        let Some(f) = &ctx.common.oauth_cb else {
            return;
        };
        let outcome = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&config))) {
            Ok(Ok(token)) => Ok(token),
            Ok(Err(e)) => Err(format!("oauth_cb failed: {e}")),
            Err(_) => Err("oauth_cb panicked".to_string()),
        };
        // SAFETY: rk is the live client running this callback.
        if let Err(reason) = unsafe { crate::oauth::set_token(rk, outcome) } {
            let reason = ctx.scrub(&reason).replace('\0', " ");
            let reason = CString::new(reason).unwrap_or_default();
            // SAFETY: rk is live; the reason is NUL-terminated and copied by librdkafka.
            unsafe { sys::rd_kafka_oauthbearer_set_token_failure(rk, reason.as_ptr()) };
        }
    })
}
