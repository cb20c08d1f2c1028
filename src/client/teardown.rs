//! Destroying an `rd_kafka_t` within a bound.
//!
//! `rd_kafka_destroy` waits for librdkafka's threads to finish, and a broker that is alive but
//! silent can keep them busy up to `socket.timeout.ms` (60 s by default). So the destroy always
//! runs on a short-lived thread of its own (`rkafka-teardown`); the dropping thread waits for it
//! at most the client's bound and then returns, leaving the rest to finish in the background.
//! The callback context (and with it the user's closures) is dropped by that thread only after
//! `rd_kafka_destroy` has returned, so callbacks still firing meanwhile stay valid.
//!
//! A client dropped on a thread that librdkafka or rkafka runs for a client (inside a logger or
//! `oauth_cb` closure, or on a producer's async serving thread) does not wait at all: waiting
//! there would deadlock (librdkafka joins its own threads) or abort (librdkafka forbids
//! `rd_kafka_destroy` on its threads).

use std::sync::mpsc;
use std::time::Duration;

use crate::panic;

/// Runs `job` (which destroys the client `name`) on a teardown thread, waiting at most `bound`
/// for it on this thread (not at all on a client's own thread).
pub(super) fn destroy(name: &str, bound: Duration, job: impl FnOnce() + Send + 'static) {
    let wait = !panic::on_client_thread();
    let (done_tx, done_rx) = mpsc::channel::<()>();
    // If the thread cannot be started, the closure is dropped unrun: ManuallyDrop then leaks the
    // job instead of destroying the client inline, where it could block or abort.
    let job = std::mem::ManuallyDrop::new(job);
    let owner = name.to_string();
    let spawned = std::thread::Builder::new()
        .name("rkafka-teardown".into())
        .spawn(move || {
            let job = std::mem::ManuallyDrop::into_inner(job);
            if let Err(p) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)) {
                log::error!(target: "rkafka", "{owner}: a closure panicked while the client was destroyed: {}", panic::message(&p));
            }
            let _ = done_tx.send(());
        });
    let handle = match spawned {
        Ok(h) => h,
        Err(e) => {
            // No thread to be had: nothing to do but leak the client (its threads keep running)
            // rather than block or abort here.
            log::error!(target: "rkafka", "{name}: cannot start a thread to destroy the client ({e}); it is left running");
            return;
        }
    };
    if !wait {
        log::debug!(target: "rkafka", "{name}: dropped on a client thread; destroyed in the background");
        return;
    }
    match done_rx.recv_timeout(bound) {
        Ok(()) => {
            let _ = handle.join();
        }
        Err(_) => log::warn!(
            target: "rkafka",
            "{name}: librdkafka did not finish destroying the client within {bound:?}; it goes on in the background (a broker is slow or silent)"
        ),
    }
}
