//! Async without a runtime: delivery futures and a consumer [`Stream`](futures_core::Stream)
//! that work on any executor (confluent-kafka-python: `confluent_kafka.aio.AIOProducer` /
//! `AIOConsumer`). Feature `async` (default).
//!
//! How wake-ups work, and why no future depends on another:
//! - Producer: the first async call starts the producer's serving thread (`rkafka-async`),
//!   which serves its delivery reports for as long as it lives. Each [`DeliveryFuture`] is
//!   woken by its own message's report; a [`SendFuture`] waiting for room in a full queue by the
//!   reports that free it (as many waiters as messages freed, oldest first); a [`FlushFuture`]
//!   by the last report. A future that is never polled again, forgotten or dropped holds up
//!   nobody. Callbacks then also run on that thread (see [`Producer`](crate::Producer)).
//! - Consumer: a [`MessageStream`] polls the consumer on the executor's thread (rebalance
//!   closures run there, as with `poll`), and is woken by librdkafka's queue event when the
//!   queue goes from empty to non-empty. A consumer has one stream at a time, so the one waker
//!   slot always belongs to the stream being polled.
//!
//! Wakers are called from librdkafka's and rkafka's threads: an executor whose `wake` polls
//! the task inline on the waking thread is not supported (tokio, async-std, smol and
//! `futures::executor` all schedule instead).

mod produce;
mod stream;

pub use produce::{Delivered, DeliveryFuture, FlushFuture, SendFuture};
pub use stream::MessageStream;
