//! [`WakeupHandle`]: makes a blocking `poll`/`consume` on another thread return now (Python
//! users interrupt a poll loop with Ctrl-C; confluent-kafka-python issues #209, #807).

use std::fmt;
use std::sync::Arc;

/// A `Send + Sync + Clone` handle whose [`wake`](WakeupHandle::wake) makes a blocking
/// [`Consumer::poll`](crate::Consumer::poll) / [`consume`](crate::Consumer::consume) (or
/// [`Producer::poll`](crate::Producer::poll)) running on another thread return promptly, with
/// `None` or an empty batch, through librdkafka's `rd_kafka_queue_yield` / `rd_kafka_yield`.
/// Nothing is lost: the events stay queued for the next call. A wake with no call waiting makes
/// the next one return at once. Python has no equivalent (its poll cannot be interrupted,
/// not even by Ctrl-C before 2.x). A producer's `flush` cannot be interrupted (librdkafka loops
/// until its timeout); use `flush` with a bounded timeout.
///
/// It does not keep the client alive: waking a client that is gone does nothing (`wake`
/// returns false).
///
/// ```no_run
/// # fn f(consumer: rkafka::Consumer) {
/// let wakeup = consumer.wakeup_handle();
/// // e.g. from a Ctrl-C handler thread: the poll below returns at once.
/// std::thread::spawn(move || wakeup.wake());
/// while let Some(msg) = consumer.poll(std::time::Duration::from_secs(60)) {
///     // ...
/// #   let _ = msg;
/// }
/// # }
/// ```
#[derive(Clone)]
pub struct WakeupHandle {
    wake: Arc<dyn Fn() -> bool + Send + Sync>,
}

impl WakeupHandle {
    pub(crate) fn new(wake: impl Fn() -> bool + Send + Sync + 'static) -> WakeupHandle {
        WakeupHandle {
            wake: Arc::new(wake),
        }
    }

    /// Makes the blocking call return now; false if the client no longer exists.
    pub fn wake(&self) -> bool {
        (self.wake)()
    }
}

impl fmt::Debug for WakeupHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WakeupHandle")
    }
}
