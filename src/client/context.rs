//! What librdkafka's callbacks reach through the `opaque` pointer: the client-wide callbacks
//! every client kind takes ([`CommonCallbacks`]), the secrets to scrub from what they are
//! shown, and the kind's own state; plus the events they deliver ([`LogRecord`],
//! [`ThrottleEvent`]).

use std::borrow::Cow;
use std::ffi::c_void;
use std::sync::OnceLock;
use std::time::Duration;

use crate::config::Config;
use crate::error::KafkaError;

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
/// Where typed statistics go besides `statistics_cb` (`.metrics()`, `.trace_statistics()`),
/// with the builder method's name for error messages.
#[cfg(feature = "stats")]
pub(crate) type StatisticsSink = (&'static str, fn(&crate::Statistics));

/// Client-wide callbacks every client type takes (the confluent-kafka-python config keys
/// `error_cb`, `throttle_cb`, `stats_cb`, `logger`).
#[derive(Default)]
pub(crate) struct CommonCallbacks {
    pub(crate) error_cb: Option<Box<ErrorFn>>,
    pub(crate) throttle_cb: Option<Box<ThrottleFn>>,
    pub(crate) stats_cb: Option<Box<StatsFn>>,
    #[cfg(feature = "stats")]
    pub(crate) statistics_cb: Option<Box<StatisticsFn>>,
    #[cfg(feature = "stats")]
    pub(crate) statistics_sinks: Vec<StatisticsSink>,
    pub(crate) logger: Option<Box<LogFn>>,
    pub(crate) oauth_cb: Option<Box<crate::oauth::OAuthFn>>,
}

impl CommonCallbacks {
    pub(crate) fn has_statistics_cb(&self) -> bool {
        #[cfg(feature = "stats")]
        return self.statistics_cb.is_some() || !self.statistics_sinks.is_empty();
        #[cfg(not(feature = "stats"))]
        false
    }

    /// Refuses a statistics sink without `statistics.interval.ms`: librdkafka would then emit
    /// no statistics, and the sink would silently record nothing.
    pub(crate) fn check(&self, _config: &Config) -> crate::error::Result<()> {
        #[cfg(feature = "stats")]
        if let Some((method, _)) = self.statistics_sinks.first() {
            let interval = _config.get("statistics.interval.ms").unwrap_or("0");
            if interval.trim().parse::<i64>().map_or(true, |ms| ms <= 0) {
                return Err(KafkaError::invalid_arg(format!(
                    "{method}() needs statistics.interval.ms > 0 (it is {interval:?}): librdkafka \
                     emits no statistics without it; set e.g. \"statistics.interval.ms\" => 5000"
                )));
            }
        }
        Ok(())
    }
}

impl CommonCallbacks {
    fn sink_names(&self) -> Vec<&'static str> {
        #[cfg(feature = "stats")]
        return self
            .statistics_sinks
            .iter()
            .map(|(name, _)| *name)
            .collect();
        #[cfg(not(feature = "stats"))]
        Vec::new()
    }
}

impl std::fmt::Debug for CommonCallbacks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CommonCallbacks")
            .field("error_cb", &self.error_cb.is_some())
            .field("throttle_cb", &self.throttle_cb.is_some())
            .field("stats_cb", &self.stats_cb.is_some())
            .field("statistics_cb", &self.has_statistics_cb())
            .field("statistics_sinks", &self.sink_names())
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
        /// calling thread (or a producer's async serving thread).
        /// Without it, such errors are logged.
        pub fn error_cb(mut self, f: impl Fn(&$crate::KafkaError) + Send + Sync + 'static) -> Self {
            self.common.error_cb = Some(Box::new(f));
            self
        }

        /// Python: `'throttle_cb': fn(ThrottleEvent)`. Called from `poll`/`flush` on the
        /// calling thread (or a producer's async serving thread) when a broker throttles the
        /// client.
        pub fn throttle_cb(
            mut self,
            f: impl Fn(&$crate::ThrottleEvent) + Send + Sync + 'static,
        ) -> Self {
            self.common.throttle_cb = Some(Box::new(f));
            self
        }

        /// Python: `'stats_cb': fn(json_str)`. Receives librdkafka's statistics JSON every
        /// `statistics.interval.ms` (which must be set), from `poll`/`flush` on the calling thread
        /// (or a producer's async serving thread).
        pub fn stats_cb(mut self, f: impl Fn(&str) + Send + Sync + 'static) -> Self {
            self.common.stats_cb = Some(Box::new(f));
            self
        }

        /// Typed statistics: like [`stats_cb`](Self::stats_cb) (set `statistics.interval.ms`),
        /// with librdkafka's JSON parsed into a [`Statistics`]($crate::Statistics) and passed
        /// beside the raw JSON. Python has no typed form. Feature `stats` (default).
        #[cfg(feature = "stats")]
        #[cfg_attr(docsrs, doc(cfg(feature = "stats")))]
        pub fn statistics_cb(
            mut self,
            f: impl Fn(&$crate::Statistics, &str) + Send + Sync + 'static,
        ) -> Self {
            self.common.statistics_cb = Some(Box::new(f));
            self
        }

        /// Records every statistics interval to the [`metrics`](https://docs.rs/metrics) facade
        /// (gauges and counters labelled by client, broker, topic and partition, named in
        /// [`rkafka::metrics`]($crate::metrics)), for whatever exporter the application
        /// installed. Needs `statistics.interval.ms` > 0 (`build` refuses it otherwise); works
        /// beside [`statistics_cb`](Self::statistics_cb) and [`stats_cb`](Self::stats_cb).
        /// Served by `poll`/`flush`, like them. Python has none. Feature `metrics`.
        #[cfg(feature = "metrics")]
        #[cfg_attr(docsrs, doc(cfg(feature = "metrics")))]
        pub fn metrics(mut self) -> Self {
            self.common
                .statistics_sinks
                .push(("metrics", $crate::metrics::record));
            self
        }

        /// Emits every statistics interval as one `tracing` event (target
        /// `rkafka::statistics`, level INFO) with a summary as fields: client, queue depths,
        /// request and message totals, brokers up, consumer lag. Needs
        /// `statistics.interval.ms` > 0 (`build` refuses it otherwise); works beside the other
        /// statistics callbacks. Python has none. Features `tracing` and `stats`.
        #[cfg(all(feature = "tracing", feature = "stats"))]
        #[cfg_attr(docsrs, doc(cfg(all(feature = "tracing", feature = "stats"))))]
        pub fn trace_statistics(mut self) -> Self {
            self.common
                .statistics_sinks
                .push(("trace_statistics", $crate::client::trace_statistics));
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
        /// crate (target `rkafka::<client name>`; with feature `tracing`, to `tracing` once a
        /// dispatcher is installed: see the crate docs, "Logging"). librdkafka calls it **from its own
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

/// State that librdkafka's callbacks reach through the `opaque` pointer: boxed (a stable
/// address), and dropped only after `rd_kafka_destroy` has returned (see `NativeClient`). `S` is
/// the client kind's own state (delivery state of a producer, rebalance closures of a
/// consumer, nothing for an admin client). C calls in from its own threads, so the context must
/// be `Sync`; the compiler checks that from the fields (`NativeClient::new` requires it).
pub(crate) struct ClientContext<S> {
    pub(crate) common: CommonCallbacks,
    /// `rkafka::<client name>`; set right after `rd_kafka_new` returns.
    log_target: OnceLock<String>,
    /// Secret configuration values, scrubbed from log lines and error strings.
    secrets: crate::config::Secrets,
    /// The client kind's own state.
    pub(crate) kind: S,
}

impl<S> ClientContext<S> {
    pub(crate) fn new(common: CommonCallbacks, config: &Config, kind: S) -> ClientContext<S> {
        ClientContext {
            common,
            log_target: OnceLock::new(),
            secrets: config.secrets(),
            kind,
        }
    }

    /// The context behind librdkafka's `opaque` pointer.
    ///
    /// # Safety
    /// `opaque` must be the pointer `NativeClient::<S>::new` installed (same `S`), and the
    /// client must not have been destroyed (the boxed context outlives its `rd_kafka_t`).
    #[inline]
    pub(crate) unsafe fn from_opaque<'a>(opaque: *mut c_void) -> &'a ClientContext<S> {
        // SAFETY: caller contract.
        unsafe { &*opaque.cast::<ClientContext<S>>() }
    }

    /// This context as librdkafka's `opaque` (for calls that take it explicitly).
    pub(crate) fn as_opaque(&self) -> *mut c_void {
        (self as *const ClientContext<S>).cast_mut().cast()
    }

    /// Replaces every secret value in `s` with `[redacted]`.
    pub(crate) fn scrub<'a>(&self, s: &'a str) -> Cow<'a, str> {
        self.secrets.scrub(s)
    }

    pub(crate) fn set_log_target(&self, name: &str) {
        let _ = self.log_target.set(format!("rkafka::{name}"));
    }

    /// The `log` target of this client: `rkafka::<client name>`.
    pub(crate) fn log_target(&self) -> &str {
        self.log_target.get().map_or("rkafka", String::as_str)
    }
}
