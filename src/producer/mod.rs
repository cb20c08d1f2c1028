//! [`Producer`], mirroring `confluent_kafka.Producer`.
//!
//! ```no_run
//! use rkafka::{Config, Producer, Record};
//! # fn main() -> rkafka::Result<()> {
//! let producer = Producer::builder(Config::from([("bootstrap.servers", "localhost:9092")]))
//!     .on_delivery(|report| match report.error() {
//!         Some(e) => eprintln!("delivery failed: {e}"),
//!         None => println!("delivered to {} [{}] @ {}", report.topic(), report.partition(), report.offset()),
//!     })
//!     .build()?;
//! producer.produce(Record::new("my-topic").key("k").value("hello"))?;
//! producer.poll(std::time::Duration::ZERO);
//! let still_queued = producer.flush(std::time::Duration::from_secs(10));
//! assert_eq!(still_queued, 0);
//! # Ok(()) }
//! ```
//!
//! The parts: [`Record`] and its errors (record.rs), the produce calls and topic cache
//! (send.rs), delivery reports and the delivery trampoline (delivery.rs), per-message closures
//! (callback.rs, in pooled slots from slots.rs), transactions (transactions.rs), and, with the
//! `async` feature, the completion cells and serving thread of async produce (completion.rs,
//! serve.rs).

mod callback;
#[cfg(feature = "async")]
pub(crate) mod completion;
mod delivery;
mod record;
mod send;
#[cfg(feature = "async")]
pub(crate) mod serve;
mod slots;
mod transactions;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rdkafka_sys::bindings as sys;

pub use callback::DeliveryCallback;
pub(crate) use delivery::ProducerState;
pub use delivery::{Delivery, DeliveryReport};
pub use record::{OwnedRecord, ProduceError, Record};

use crate::client::{common_builder_methods, CommonCallbacks, NativeClient, Spec, WakeupHandle};
use crate::config::Config;
use crate::consts;
use crate::error::{ErrorCode, KafkaError, Result};
use crate::message::Message;
use crate::metadata::ClusterMetadata;
use crate::panic;
use crate::util::Timeout;

/// How long dropping a producer waits by default for its messages to be reported (then for
/// librdkafka to tear down): [`ProducerBuilder::drop_timeout`].
pub const DEFAULT_DROP_TIMEOUT: Duration = Duration::from_secs(5);

/// Messages that [`Producer::close`] could not deliver within its bound.
#[derive(Debug, thiserror::Error)]
#[error("{} message(s) were not delivered before close", messages.len())]
pub struct Undelivered {
    /// Each undelivered message with its error (timed out, purged, ...).
    pub messages: Vec<Message>,
}

/// Builds a [`Producer`] with callbacks: the callable entries of a confluent-kafka-python
/// config dict (`on_delivery`, `error_cb`, `throttle_cb`, `stats_cb`, `logger`).
pub struct ProducerBuilder {
    config: Config,
    common: CommonCallbacks,
    on_delivery: Option<Box<delivery::DeliveryFn>>,
    drop_timeout: Duration,
}

impl ProducerBuilder {
    common_builder_methods!();

    /// Python: `'on_delivery': fn(err, msg)` in the config: called once per message that has
    /// no per-message closure, from `poll`/`flush`/`close` on the calling thread (or the async
    /// serving thread). Since any thread may poll a shared producer, it must be
    /// `Send + Sync`. [`DeliveryReport::producer`] reaches the producer from inside it.
    ///
    /// ```compile_fail
    /// // A closure holding an Rc (not Send) is rejected.
    /// let seen = std::rc::Rc::new(std::cell::Cell::new(0));
    /// let _ = rkafka::Producer::builder(rkafka::Config::new())
    ///     .on_delivery(move |_r| seen.set(seen.get() + 1));
    /// ```
    pub fn on_delivery(mut self, f: impl Fn(&DeliveryReport<'_>) + Send + Sync + 'static) -> Self {
        self.on_delivery = Some(Box::new(f));
        self
    }

    /// How long dropping the last handle of the producer may take: failing and reporting
    /// undelivered messages (every per-message closure runs exactly once), then librdkafka's
    /// teardown; default [`DEFAULT_DROP_TIMEOUT`]. Past the bound the rest goes on on a
    /// background thread (see [`Producer`]). Python has no equivalent (its producer is
    /// destroyed by the garbage collector).
    pub fn drop_timeout(mut self, t: Duration) -> Self {
        self.drop_timeout = t;
        self
    }

    /// Creates the producer; the configuration is validated by librdkafka and every problem
    /// reported at once.
    pub fn build(self) -> Result<Producer> {
        // librdkafka's own reading of it (any spelling it accepts, or the default).
        #[cfg_attr(not(feature = "async"), allow(unused_assignments, unused_variables))]
        let mut room_limit = None;
        let client = NativeClient::new(
            Spec {
                rd_type: sys::rd_kafka_type_t::RD_KAFKA_PRODUCER,
                config: &self.config,
                common: self.common,
                state: ProducerState::new(self.on_delivery),
                teardown_bound: self.drop_timeout,
            },
            |conf| {
                room_limit = conf.get("queue.buffering.max.messages");
                // SAFETY: conf is live and not yet handed to rd_kafka_new; the trampoline matches
                // the dr_msg_cb signature and reaches the context through the opaque pointer.
                unsafe {
                    sys::rd_kafka_conf_set_dr_msg_cb(
                        conf.ptr(),
                        Some(delivery::delivery_trampoline),
                    )
                }
            },
        )?;
        let shared = Arc::new(Shared {
            topics: Default::default(),
            closed: AtomicBool::new(false),
            drop_timeout: self.drop_timeout,
            client: Arc::new(client),
        });
        shared.client.state().set_shared(Arc::downgrade(&shared));
        #[cfg(feature = "async")]
        if let Some(limit) = room_limit.and_then(|v| v.parse().ok()) {
            shared.client.state().serving.set_room_limit(limit);
        }
        Ok(Producer { shared })
    }
}

impl std::fmt::Debug for ProducerBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProducerBuilder")
            .field("config", &self.config)
            .field("callbacks", &self.common)
            .field("on_delivery", &self.on_delivery.is_some())
            .field("drop_timeout", &self.drop_timeout)
            .finish()
    }
}

/// A Kafka producer, mirroring `confluent_kafka.Producer`.
///
/// A cheap handle: `Clone` shares one producer (one librdkafka client), and it is
/// `Send + Sync`, so threads and tasks can each hold a clone; `produce` takes `&self`. Delivery
/// reports are served by [`poll`](Producer::poll), [`flush`](Producer::flush) and
/// [`close`](Producer::close) on whichever thread calls them (and, once the producer is used
/// asynchronously, by its serving thread); a panic in a delivery closure is caught in C's frame
/// and resumed from that call.
///
/// Dropping the last handle fails whatever is still undelivered (so every per-message closure
/// runs exactly once) and destroys the client, within [`ProducerBuilder::drop_timeout`]
/// (default 5 s). If that is not enough (a silent broker), `drop` returns at the bound and a
/// background thread finishes the job: it serves the last reports (their closures then run
/// there) and destroys the client; callbacks may run until it is done.
#[derive(Clone)]
pub struct Producer {
    shared: Arc<Shared>,
}

/// What every handle of one producer shares.
pub(crate) struct Shared {
    // Field order matters: topic handles are released before the client is destroyed.
    topics: send::Topics,
    closed: AtomicBool,
    drop_timeout: Duration,
    /// Shared with async delivery futures, which may outlive the producer.
    client: Arc<NativeClient<ProducerState>>,
}

impl Producer {
    /// Python: `Producer(conf)` (without callables; see [`Producer::builder`]).
    pub fn new(config: impl Into<Config>) -> Result<Producer> {
        Producer::builder(config).build()
    }

    /// A builder for a producer with callbacks.
    pub fn builder(config: impl Into<Config>) -> ProducerBuilder {
        ProducerBuilder {
            config: config.into(),
            common: CommonCallbacks::default(),
            on_delivery: None,
            drop_timeout: DEFAULT_DROP_TIMEOUT,
        }
    }

    /// The client instance name, e.g. `rdkafka#producer-1`.
    pub fn name(&self) -> &str {
        self.client().name()
    }

    #[inline]
    pub(crate) fn client(&self) -> &NativeClient<ProducerState> {
        &self.shared.client
    }

    #[inline]
    fn check_open(&self) -> Result<()> {
        if self.shared.closed.load(Ordering::Relaxed) {
            Err(closed())
        } else {
            Ok(())
        }
    }

    /// Resumes a panic raised by a callback served on this thread, or (async) on the serving
    /// thread.
    #[inline]
    fn resume_panics(&self) {
        panic::resume();
        #[cfg(feature = "async")]
        self.client().state().serving.resume_panic();
    }

    /// Python: `poll(timeout)`: serves delivery reports and other callbacks; returns how many
    /// events were served. Resumes a panic raised by a callback.
    pub fn poll(&self, timeout: impl Into<Timeout>) -> usize {
        let n = self.client().poll(timeout.into());
        self.resume_panics();
        n
    }

    /// Python: `flush(timeout)`: waits until every message is delivered (or failed) and its
    /// report served, or `timeout` passes. Returns how many are still queued (0 = all done).
    /// Returns as soon as the last report has been served.
    pub fn flush(&self, timeout: impl Into<Timeout>) -> usize {
        // SAFETY: the client is live; callbacks run on this thread and catch panics.
        unsafe { sys::rd_kafka_flush(self.client().ptr(), timeout.into().as_millis_i32()) };
        self.resume_panics();
        self.len()
    }

    /// A handle that makes a blocking [`poll`](Producer::poll) of this producer, on another
    /// thread, return now (see [`WakeupHandle`]; `flush` cannot be interrupted).
    pub fn wakeup_handle(&self) -> WakeupHandle {
        let client = Arc::downgrade(&self.shared.client);
        WakeupHandle::new(move || {
            let Some(client) = client.upgrade() else {
                return false;
            };
            client.yield_main_queue();
            true
        })
    }

    /// Python: `len(producer)`: messages and reports not yet served.
    pub fn len(&self) -> usize {
        // SAFETY: the client is live.
        unsafe { sys::rd_kafka_outq_len(self.client().ptr()) }.max(0) as usize
    }

    /// True if nothing is queued or in flight.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Python: `purge(in_queue=True, in_flight=True, blocking=True)`: fails queued and/or in-flight
    /// messages with `_PURGE_QUEUE`/`_PURGE_INFLIGHT`; their reports are served by the next
    /// `poll`/`flush`.
    pub fn purge(&self, in_queue: bool, in_flight: bool, blocking: bool) -> Result<()> {
        let mut flags = 0;
        if in_queue {
            flags |= consts::RD_KAFKA_PURGE_F_QUEUE as i32;
        }
        if in_flight {
            flags |= consts::RD_KAFKA_PURGE_F_INFLIGHT as i32;
        }
        if !blocking {
            flags |= consts::RD_KAFKA_PURGE_F_NON_BLOCKING as i32;
        }
        // SAFETY: the client is live; flags are valid purge flags.
        let code = unsafe { sys::rd_kafka_purge(self.client().ptr(), flags) } as i32;
        KafkaError::from_raw(code).map_or(Ok(()), Err)
    }

    /// Flushes up to `timeout`; then fails whatever is left (purge) and serves those reports.
    /// Returns `Ok` if every message was delivered, else exactly the messages that were not
    /// (failed during close, timed out, or purged), each with its error. Never blocks past
    /// `timeout` (plus the time to run the remaining delivery closures). After `close`,
    /// `produce` fails with `_STATE` (for every handle of the producer).
    pub fn close(&self, timeout: impl Into<Timeout>) -> Result<(), Undelivered> {
        let timeout = timeout.into();
        let deadline = timeout.deadline();
        let state = self.client().state();
        state.set_collecting(true);
        self.shared.closed.store(true, Ordering::SeqCst);
        // Make sure collection stops even if a delivery closure panics.
        struct StopCollecting<'c>(&'c ProducerState);
        impl Drop for StopCollecting<'_> {
            fn drop(&mut self) {
                self.0.set_collecting(false);
            }
        }
        let _stop = StopCollecting(state);
        let mut left = self.flush(timeout);
        if left > 0 {
            let _ = self.purge(true, true, true);
            loop {
                self.poll(Duration::ZERO);
                left = self.len();
                let expired = deadline.is_some_and(|d| Instant::now() >= d);
                if left == 0 || expired {
                    break;
                }
                self.poll(Duration::from_millis(1));
            }
        }
        let messages = state.take_undelivered();
        if messages.is_empty() {
            Ok(())
        } else {
            Err(Undelivered { messages })
        }
    }

    /// Python: `list_topics(topic=None, timeout=-1)`.
    pub fn list_topics(
        &self,
        topic: Option<&str>,
        timeout: impl Into<Timeout>,
    ) -> Result<ClusterMetadata> {
        ClusterMetadata::fetch(self.client().handle(), topic, timeout.into())
    }

    /// Python (2.13+): `cluster_id(timeout)`: the cluster's id from the brokers' metadata;
    /// `_TIMED_OUT` (as Python raises) if it could not be fetched within `timeout`.
    pub fn cluster_id(&self, timeout: impl Into<Timeout>) -> Result<String> {
        self.client().cluster_id(timeout.into())
    }

    /// Python: `set_sasl_credentials(username, password)`: new SASL PLAIN/SCRAM credentials for
    /// the next (re)authentication.
    pub fn set_sasl_credentials(&self, username: &str, password: &str) -> Result<()> {
        self.client().set_sasl_credentials(username, password)
    }

    /// The fatal error raised on this producer (e.g. by idempotence), if any.
    pub fn fatal_error(&self) -> Option<KafkaError> {
        self.client().fatal_error()
    }
}

#[cold]
fn closed() -> KafkaError {
    KafkaError::new(ErrorCode::State, "the producer is closed")
}

impl Drop for Shared {
    fn drop(&mut self) {
        let state = self.client.state();
        let left = state.pending();
        if left > 0 {
            log::warn!(
                target: "rkafka",
                "{}: dropped with {left} message(s) not delivered (call flush() or close() first); failing them now",
                self.client.name()
            );
            // Fail the remaining messages and run their delivery closures, so every closure runs
            // once and none leaks; what does not fit in the bound is served by the teardown.
            let deadline = Instant::now() + self.drop_timeout;
            state.drain(self.client.ptr(), deadline, "Producer::drop");
            // One bound for the whole drop: the teardown gets what is left of it.
            self.client
                .set_teardown_bound(deadline.saturating_duration_since(Instant::now()));
        }
        panic::discard("Producer::drop");
    }
}

impl std::fmt::Debug for Producer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Producer")
            .field("name", &self.name())
            .field("queued", &self.len())
            .finish()
    }
}
