//! The client core shared by every client type: the owning handle of `rd_kafka_t`, the
//! callback context C points to, the trampolines for client-wide callbacks, and the events
//! they deliver ([`LogRecord`], [`ThrottleEvent`]).

use std::borrow::Cow;
use std::ffi::c_void;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use libc::{c_char, c_int};
use rdkafka_sys::bindings as sys;

use crate::config::{Config, NativeConf};
use crate::error::{ErrorCode, KafkaError, Result};
use crate::message::Message;
use crate::metadata::ClusterMetadata;
use crate::util::{self, cstr_lossy, cstring, errbuf_str, Timeout};

/// One log line from librdkafka, as given to a custom logger (Python: the `logging.Logger`
/// passed as `logger`).
#[derive(Debug, Clone, Copy)]
pub struct LogRecord<'a> {
    /// The `log` crate level the syslog level maps to.
    pub level: log::Level,
    /// librdkafka's syslog level (0 emergency .. 7 debug).
    pub syslog_level: i32,
    /// librdkafka's facility, e.g. `BROKER`, `FAIL`, `SASL`.
    pub facility: &'a str,
    /// The message, with any secret configuration value redacted.
    pub message: &'a str,
    /// The client instance name, e.g. `rdkafka#producer-1`.
    pub client_name: &'a str,
}

/// A broker throttled this client (Python: `confluent_kafka.ThrottleEvent`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThrottleEvent {
    /// Python: `ThrottleEvent.broker_name`.
    pub broker_name: String,
    /// Python: `ThrottleEvent.broker_id`.
    pub broker_id: i32,
    /// Python: `ThrottleEvent.throttle_time` (seconds there, a `Duration` here).
    pub throttle_time: Duration,
}

pub(crate) type ErrorFn = dyn Fn(&KafkaError) + Send + Sync;
pub(crate) type ThrottleFn = dyn Fn(&ThrottleEvent) + Send + Sync;
pub(crate) type StatsFn = dyn Fn(&str) + Send + Sync;
#[cfg(feature = "stats")]
pub(crate) type StatisticsFn = dyn Fn(&crate::Statistics, &str) + Send + Sync;
pub(crate) type LogFn = dyn Fn(&LogRecord<'_>) + Send + Sync;

/// Client-wide callbacks every client type takes (the confluent-kafka-python config keys
/// `error_cb`, `throttle_cb`, `stats_cb`, `logger`).
#[derive(Default)]
pub(crate) struct CommonCallbacks {
    pub(crate) error_cb: Option<Box<ErrorFn>>,
    pub(crate) throttle_cb: Option<Box<ThrottleFn>>,
    pub(crate) stats_cb: Option<Box<StatsFn>>,
    #[cfg(feature = "stats")]
    pub(crate) statistics_cb: Option<Box<StatisticsFn>>,
    pub(crate) logger: Option<Box<LogFn>>,
    pub(crate) oauth_cb: Option<Box<crate::oauth::OAuthFn>>,
}

impl CommonCallbacks {
    fn has_statistics_cb(&self) -> bool {
        #[cfg(feature = "stats")]
        return self.statistics_cb.is_some();
        #[cfg(not(feature = "stats"))]
        false
    }
}

impl std::fmt::Debug for CommonCallbacks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CommonCallbacks")
            .field("error_cb", &self.error_cb.is_some())
            .field("throttle_cb", &self.throttle_cb.is_some())
            .field("stats_cb", &self.stats_cb.is_some())
            .field("statistics_cb", &self.has_statistics_cb())
            .field("logger", &self.logger.is_some())
            .field("oauth_cb", &self.oauth_cb.is_some())
            .finish()
    }
}

/// Defines the builder methods for the common callbacks on a builder type that has a
/// `common: CommonCallbacks` field.
macro_rules! common_builder_methods {
    () => {
        /// Python: `'error_cb': fn(KafkaError)` in the config. Called for client-wide errors
        /// (all brokers down, authentication failure, fatal errors) from `poll`/`flush` on the
        /// calling thread. Without it, such errors are logged.
        pub fn error_cb(mut self, f: impl Fn(&$crate::KafkaError) + Send + Sync + 'static) -> Self {
            self.common.error_cb = Some(Box::new(f));
            self
        }

        /// Python: `'throttle_cb': fn(ThrottleEvent)`. Called from `poll`/`flush` on the
        /// calling thread when a broker throttles the client.
        pub fn throttle_cb(
            mut self,
            f: impl Fn(&$crate::ThrottleEvent) + Send + Sync + 'static,
        ) -> Self {
            self.common.throttle_cb = Some(Box::new(f));
            self
        }

        /// Python: `'stats_cb': fn(json_str)`. Receives librdkafka's statistics JSON every
        /// `statistics.interval.ms` (which must be set), from `poll`/`flush` on the calling thread.
        pub fn stats_cb(mut self, f: impl Fn(&str) + Send + Sync + 'static) -> Self {
            self.common.stats_cb = Some(Box::new(f));
            self
        }

        /// Typed statistics: like [`stats_cb`](Self::stats_cb) (set `statistics.interval.ms`),
        /// with librdkafka's JSON parsed into a [`Statistics`]($crate::Statistics) and passed
        /// beside the raw JSON. Python has no typed form. Feature `stats` (default).
        #[cfg(feature = "stats")]
        pub fn statistics_cb(
            mut self,
            f: impl Fn(&$crate::Statistics, &str) + Send + Sync + 'static,
        ) -> Self {
            self.common.statistics_cb = Some(Box::new(f));
            self
        }

        /// Python: `'oauth_cb': fn(oauthbearer_config) -> (token, expiry, principal, extensions)`.
        /// Called with `sasl.oauthbearer.config` whenever librdkafka needs a token (at start and
        /// at 80 % of each token's lifetime) when `sasl.mechanisms=OAUTHBEARER`. It runs on
        /// librdkafka's **background thread** for every client type, so no poll is needed to
        /// get the first token (hence `Send + Sync`). An `Err` (or a panic, which is caught)
        /// reaches `error_cb` as `_AUTHENTICATION`; connections wait for the next refresh.
        ///
        /// ```compile_fail
        /// // Not Send/Sync: rejected because librdkafka calls it from its background thread.
        /// let calls = std::rc::Rc::new(std::cell::Cell::new(0));
        /// let _ = rkafka::Consumer::builder(rkafka::Config::new()).oauth_cb(move |_cfg| {
        ///     calls.set(calls.get() + 1);
        ///     Err("no token".into())
        /// });
        /// ```
        pub fn oauth_cb(
            mut self,
            f: impl Fn(&str) -> std::result::Result<$crate::OAuthToken, $crate::oauth::OAuthError>
                + Send
                + Sync
                + 'static,
        ) -> Self {
            self.common.oauth_cb = Some(Box::new(f));
            self
        }

        /// Python: `'logger': logging.Logger`. Replaces the default of logging to the `log`
        /// crate (target `rkafka::<client name>`). librdkafka calls it **from its own
        /// threads**, hence `Send + Sync`; it must not block or call back into the client.
        /// A panic in it is caught and logged, never crosses into C.
        ///
        /// ```compile_fail
        /// // Not Sync/Send: rejected because librdkafka logs from its own threads.
        /// let counter = std::rc::Rc::new(std::cell::Cell::new(0));
        /// let _ = rkafka::Producer::builder(rkafka::Config::new())
        ///     .logger(move |_rec| counter.set(counter.get() + 1));
        /// ```
        pub fn logger(
            mut self,
            f: impl Fn(&$crate::LogRecord<'_>) + Send + Sync + 'static,
        ) -> Self {
            self.common.logger = Some(Box::new(f));
            self
        }
    };
}
pub(crate) use common_builder_methods;

/// Producer-only per-client state the delivery trampoline needs.
pub(crate) type DeliveryFn = dyn Fn(&crate::producer::DeliveryReport<'_>) + Send + Sync;

/// State that librdkafka's callbacks reach through the `opaque` pointer. Boxed, so its address
/// is stable; it is dropped only after `rd_kafka_destroy` has returned (see [`NativeClient`]).
pub(crate) struct ClientContext {
    pub(crate) common: CommonCallbacks,
    pub(crate) on_delivery: Option<Box<DeliveryFn>>,
    /// `rkafka::<client name>`; set right after `rd_kafka_new` returns.
    log_target: OnceLock<String>,
    /// Secret configuration values, scrubbed from log lines and error strings.
    secrets: crate::config::Secrets,
    /// While set (during `Producer::close`), failed deliveries are copied here.
    collecting: AtomicBool,
    pub(crate) undelivered: Mutex<Vec<Message>>,
    /// Messages accepted by `produce` whose delivery report has not been served yet.
    pub(crate) pending: AtomicUsize,
    /// Consumer-only callback state (rebalance and commit closures).
    pub(crate) consumer: Option<crate::consumer::ConsumerState>,
    /// Futures and streams waiting for this client's queue events.
    #[cfg(feature = "async")]
    pub(crate) waiters: crate::aio::Waiters,
}

impl ClientContext {
    pub(crate) fn new(
        common: CommonCallbacks,
        on_delivery: Option<Box<DeliveryFn>>,
        config: &Config,
    ) -> ClientContext {
        ClientContext {
            common,
            on_delivery,
            log_target: OnceLock::new(),
            secrets: config.secrets(),
            collecting: AtomicBool::new(false),
            undelivered: Mutex::new(Vec::new()),
            pending: AtomicUsize::new(0),
            consumer: None,
            #[cfg(feature = "async")]
            waiters: Default::default(),
        }
    }

    /// Replaces every secret value in `s` with `[redacted]`.
    pub(crate) fn scrub<'a>(&self, s: &'a str) -> Cow<'a, str> {
        self.secrets.scrub(s)
    }

    fn log_target(&self) -> &str {
        self.log_target.get().map_or("rkafka", String::as_str)
    }

    pub(crate) fn set_collecting(&self, on: bool) {
        self.collecting.store(on, Ordering::SeqCst);
    }

    pub(crate) fn collecting(&self) -> bool {
        self.collecting.load(Ordering::Relaxed)
    }
}

/// The one owner of an `rd_kafka_t`.
///
/// Field order matters: `rk` is destroyed in `Drop::drop` before `ctx` (which C callbacks
/// point to) is dropped as a field.
pub(crate) struct NativeClient {
    rk: NonNull<sys::rd_kafka_t>,
    name: String,
    /// Flags for `rd_kafka_destroy_flags` (a closed consumer sets `NO_CONSUMER_CLOSE`).
    destroy_flags: AtomicI32,
    ctx: Box<ClientContext>,
}

// SAFETY: librdkafka documents rd_kafka_t as fully thread-safe ("all functions ... may be called
// from any thread"); the context holds only Send + Sync closures and thread-safe cells.
unsafe impl Send for NativeClient {}
// SAFETY: as above; every method takes &self and calls thread-safe librdkafka functions.
unsafe impl Sync for NativeClient {}

impl NativeClient {
    /// Validates `config` through librdkafka, installs the trampolines and creates the handle.
    pub(crate) fn new(
        kind: sys::rd_kafka_type_t,
        config: &Config,
        ctx: ClientContext,
        python_only: &[(&str, &str)],
        setup: impl FnOnce(&NativeConf),
    ) -> Result<NativeClient> {
        let conf = config.to_native(python_only)?;
        let ctx = Box::new(ctx);
        // SAFETY: conf is live and owned; the opaque pointer is the boxed context, which
        // outlives the rd_kafka_t (dropped after rd_kafka_destroy, or right here if
        // rd_kafka_new fails). Each trampoline matches the C signature it is registered for.
        unsafe {
            sys::rd_kafka_conf_set_opaque(
                conf.ptr(),
                (&*ctx as *const ClientContext).cast_mut().cast(),
            );
            sys::rd_kafka_conf_set_log_cb(conf.ptr(), Some(log_trampoline));
            if ctx.common.error_cb.is_some() {
                sys::rd_kafka_conf_set_error_cb(conf.ptr(), Some(error_trampoline));
            }
            if ctx.common.throttle_cb.is_some() {
                sys::rd_kafka_conf_set_throttle_cb(conf.ptr(), Some(throttle_trampoline));
            }
            if ctx.common.stats_cb.is_some() || ctx.common.has_statistics_cb() {
                sys::rd_kafka_conf_set_stats_cb(conf.ptr(), Some(stats_trampoline));
            }
            if ctx.common.oauth_cb.is_some() {
                sys::rd_kafka_conf_set_oauthbearer_token_refresh_cb(
                    conf.ptr(),
                    Some(crate::oauth::oauth_trampoline),
                );
                // Refresh on librdkafka's background thread (enabled below), not in poll.
                sys::rd_kafka_conf_enable_sasl_queue(conf.ptr(), 1);
            }
        }
        setup(&conf);
        let mut errbuf = [0 as c_char; 512];
        // SAFETY: conf is valid; errbuf is writable for its length. rd_kafka_new takes ownership
        // of conf only on success, so on failure `conf` is still ours and dropped normally.
        let rk = unsafe { sys::rd_kafka_new(kind, conf.ptr(), errbuf.as_mut_ptr(), errbuf.len()) };
        let Some(rk) = NonNull::new(rk) else {
            let reason = errbuf_str(&errbuf);
            return Err(KafkaError::new(
                ErrorCode::InvalidArg,
                ctx.scrub(&reason).into_owned(),
            ));
        };
        conf.into_raw();
        if ctx.common.oauth_cb.is_some() {
            // SAFETY: rk is live; the SASL queue was enabled on its configuration.
            let err = unsafe { sys::rd_kafka_sasl_background_callbacks_enable(rk.as_ptr()) };
            // SAFETY: err is null or an rd_kafka_error_t we now own.
            if let Some(e) = unsafe { KafkaError::from_native(err) } {
                // SAFETY: rk is live and not shared yet; destroyed once.
                unsafe { sys::rd_kafka_destroy(rk.as_ptr()) };
                return Err(e);
            }
        }
        // SAFETY: rk is live; rd_kafka_name returns a string owned by rk.
        let name = unsafe { cstr_lossy(sys::rd_kafka_name(rk.as_ptr())) }.into_owned();
        let _ = ctx.log_target.set(format!("rkafka::{name}"));
        Ok(NativeClient {
            rk,
            name,
            destroy_flags: AtomicI32::new(0),
            ctx,
        })
    }

    pub(crate) fn ptr(&self) -> *mut sys::rd_kafka_t {
        self.rk.as_ptr()
    }

    /// Makes `rd_kafka_destroy` skip the consumer close (already done, or given up on).
    pub(crate) fn skip_consumer_close_on_destroy(&self) {
        self.destroy_flags.fetch_or(
            crate::consts::RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE as i32,
            Ordering::SeqCst,
        );
    }

    pub(crate) fn context(&self) -> &ClientContext {
        &self.ctx
    }

    /// The client instance name (`rdkafka#producer-1`); Python has no accessor.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// Serves queued callbacks on this thread; resumes any panic they raised.
    pub(crate) fn poll(&self, timeout: Timeout) -> usize {
        // SAFETY: rk is live. Callbacks run on this thread inside the call and catch panics.
        let n = unsafe { sys::rd_kafka_poll(self.ptr(), timeout.as_millis_i32()) };
        util::resume_panic();
        n.max(0) as usize
    }

    /// Python: `list_topics(topic=None, timeout=-1)`.
    pub(crate) fn list_topics(
        &self,
        topic: Option<&str>,
        timeout: Timeout,
    ) -> Result<ClusterMetadata> {
        ClusterMetadata::fetch(self, topic, timeout)
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
        let mut buf = [0 as c_char; 512];
        // SAFETY: rk is live; buf is writable for its length.
        let code =
            unsafe { sys::rd_kafka_fatal_error(self.ptr(), buf.as_mut_ptr(), buf.len()) } as i32;
        (code != 0).then(|| {
            KafkaError::new(
                ErrorCode::from_raw(code),
                self.ctx.scrub(&errbuf_str(&buf)).into_owned(),
            )
            .with_fatal(true)
        })
    }
}

impl Drop for NativeClient {
    fn drop(&mut self) {
        log::trace!(target: "rkafka", "destroying {}", self.name);
        #[cfg(feature = "async")]
        self.ctx.waiters.disable();
        // SAFETY: we own rk; it is destroyed exactly once, and the context it points to is
        // dropped only after this returns (field drop order).
        unsafe {
            sys::rd_kafka_destroy_flags(self.ptr(), self.destroy_flags.load(Ordering::SeqCst))
        };
        util::discard_panic("client destruction");
    }
}

impl std::fmt::Debug for NativeClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NativeClient")
            .field("name", &self.name)
            .finish()
    }
}

/// # Safety
/// `opaque` must be the `ClientContext` pointer installed by `NativeClient::new`.
unsafe fn ctx_from<'a>(opaque: *mut c_void) -> &'a ClientContext {
    // SAFETY: caller contract: the boxed context outlives the rd_kafka_t calling us.
    unsafe { &*opaque.cast::<ClientContext>() }
}

fn syslog_to_level(level: c_int) -> log::Level {
    match level {
        0..=3 => log::Level::Error,
        4 => log::Level::Warn,
        5 | 6 => log::Level::Info,
        _ => log::Level::Debug,
    }
}

// Panics and C: every `extern "C"` trampoline below runs its whole body inside
// `util::catch` / `util::catch_on_foreign_thread`, which are `std::panic::catch_unwind`
// wrappers: a panic is parked and resumed by the calling poll/flush (or logged on librdkafka's
// own threads), and never unwinds into C.
/// librdkafka's log callback: called from librdkafka's internal threads.
unsafe extern "C" fn log_trampoline(
    rk: *const sys::rd_kafka_t,
    level: c_int,
    fac: *const c_char,
    buf: *const c_char,
) {
    util::catch_on_foreign_thread("the log callback", (), || {
        // SAFETY: rk is the live instance logging; its opaque is our context (set before
        // rd_kafka_new, so valid even for logs emitted during construction) or null.
        let opaque = unsafe { sys::rd_kafka_opaque(rk) };
        // SAFETY: fac and buf are NUL-terminated strings valid for this call.
        let (fac, buf) = unsafe { (cstr_lossy(fac), cstr_lossy(buf)) };
        if opaque.is_null() {
            log::log!(target: "rkafka", syslog_to_level(level), "{fac}: {buf}");
            return;
        }
        // SAFETY: non-null opaque is our context.
        let ctx = unsafe { ctx_from(opaque) };
        let message = ctx.scrub(&buf);
        let name = ctx
            .log_target()
            .strip_prefix("rkafka::")
            .unwrap_or("rkafka");
        match &ctx.common.logger {
            Some(f) => f(&LogRecord {
                level: syslog_to_level(level),
                syslog_level: level,
                facility: &fac,
                message: &message,
                client_name: name,
            }),
            None => {
                let lvl = syslog_to_level(level);
                let meta = log::Metadata::builder()
                    .level(lvl)
                    .target(ctx.log_target())
                    .build();
                if lvl <= log::max_level() && log::logger().enabled(&meta) {
                    log::logger().log(
                        &log::Record::builder()
                            .level(lvl)
                            .target(ctx.log_target())
                            .args(format_args!("[{fac}] {message}"))
                            .build(),
                    );
                }
            }
        }
    })
}

/// error_cb: served by poll/flush on the caller's thread.
unsafe extern "C" fn error_trampoline(
    rk: *mut sys::rd_kafka_t,
    err: c_int,
    reason: *const c_char,
    opaque: *mut c_void,
) {
    // SAFETY: opaque is our context (installed with this callback).
    let ctx = unsafe { ctx_from(opaque) };
    let Some(cb) = &ctx.common.error_cb else {
        return;
    };
    // SAFETY: reason is a NUL-terminated string valid for this call.
    let reason = unsafe { cstr_lossy(reason) };
    let mut error = KafkaError::new(ErrorCode::from_raw(err), ctx.scrub(&reason).into_owned());
    if ErrorCode::from_raw(err) == ErrorCode::Fatal {
        let mut buf = [0 as c_char; 512];
        // SAFETY: rk is live; buf is writable for its length.
        let code = unsafe { sys::rd_kafka_fatal_error(rk, buf.as_mut_ptr(), buf.len()) } as i32;
        if code != 0 {
            error = KafkaError::new(
                ErrorCode::from_raw(code),
                ctx.scrub(&errbuf_str(&buf)).into_owned(),
            );
        }
        error = error.with_fatal(true);
    }
    util::catch(|| cb(&error));
}

/// After a user callback panicked (`completed` is false: [`util::catch`] returned `None`), asks
/// librdkafka to return from the current poll/flush as soon as the current event is done, so
/// the panic surfaces promptly; the remaining events stay queued for the next call (nothing is
/// dropped). Takes the callback's own outcome, so the common path reads no thread-local.
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

/// throttle_cb: served by poll/flush on the caller's thread.
unsafe extern "C" fn throttle_trampoline(
    rk: *mut sys::rd_kafka_t,
    broker_name: *const c_char,
    broker_id: i32,
    throttle_time_ms: c_int,
    opaque: *mut c_void,
) {
    // SAFETY: same arguments on the same thread; every panic is parked for the calling poll.
    // The user's closure is caught inside (its outcome returned); this catch covers the rest.
    let completed =
        util::catch(|| unsafe { throttle_inner(broker_name, broker_id, throttle_time_ms, opaque) })
            .unwrap_or(false);
    // SAFETY: rk is the live instance serving this callback.
    unsafe { yield_if_panicked(rk, completed) };
}

/// Returns false if the user's closure panicked.
///
/// # Safety
/// The arguments of librdkafka's throttle_cb, with `opaque` our ClientContext.
unsafe fn throttle_inner(
    broker_name: *const c_char,
    broker_id: i32,
    throttle_time_ms: c_int,
    opaque: *mut c_void,
) -> bool {
    // SAFETY: opaque is our context.
    let ctx = unsafe { ctx_from(opaque) };
    let Some(cb) = &ctx.common.throttle_cb else {
        return true;
    };
    let ev = ThrottleEvent {
        // SAFETY: broker_name is a NUL-terminated string valid for this call.
        broker_name: unsafe { cstr_lossy(broker_name) }.into_owned(),
        broker_id,
        throttle_time: Duration::from_millis(throttle_time_ms.max(0) as u64),
    };
    util::catch(|| cb(&ev)).is_some()
}

/// stats_cb: served by poll/flush on the caller's thread. Returns 0: librdkafka frees the JSON.
unsafe extern "C" fn stats_trampoline(
    rk: *mut sys::rd_kafka_t,
    json: *mut c_char,
    json_len: usize,
    opaque: *mut c_void,
) -> c_int {
    // SAFETY: same arguments on the same thread; every panic is parked for the calling poll.
    // The user's closures are caught inside (their outcome returned); this catch covers the rest.
    let completed = util::catch(|| unsafe { stats_inner(json, json_len, opaque) }).unwrap_or(false);
    // SAFETY: rk is the live instance serving this callback.
    unsafe { yield_if_panicked(rk, completed) };
    // 0: librdkafka frees the JSON buffer.
    0
}

/// Returns false if a user closure panicked.
///
/// # Safety
/// The arguments of librdkafka's stats_cb, with `opaque` our ClientContext.
unsafe fn stats_inner(json: *mut c_char, json_len: usize, opaque: *mut c_void) -> bool {
    // SAFETY: opaque is our context.
    let ctx = unsafe { ctx_from(opaque) };
    // SAFETY: json points to json_len readable bytes for this call.
    let bytes = unsafe { std::slice::from_raw_parts(json.cast::<u8>(), json_len) };
    let text = String::from_utf8_lossy(bytes);
    let mut completed = true;
    if let Some(cb) = &ctx.common.stats_cb {
        completed &= util::catch(|| cb(&text)).is_some();
    }
    #[cfg(feature = "stats")]
    if let Some(cb) = &ctx.common.statistics_cb {
        match crate::Statistics::from_json(&text) {
            Ok(stats) => {
                completed &= util::catch(|| cb(&stats, &text)).is_some();
            }
            // Not silently: the raw JSON still went to stats_cb if set; say why this did not.
            Err(e) => log::warn!(target: ctx.log_target(), "statistics_cb skipped: {e}"),
        }
    }
    completed
}
