//! [`MessageStream`]: the consumer's messages as a [`Stream`](futures_core::Stream).

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use crate::consumer::{Consumer, OwnedMessage};
use crate::error::{ErrorCode, Result};
use crate::handle::Handle;

/// The consumer's messages as a [`Stream`](futures_core::Stream), on any executor (Python:
/// `AIOConsumer.poll()` in a loop). Returned by [`Consumer::stream`].
///
/// Items are [`OwnedMessage`]s (zero-copy, `Send`) or errors such as `_PARTITION_EOF`; the
/// stream ends only when the consumer is closed. It borrows the consumer mutably and derefs to
/// it, so `stream.commit_message(&m)` and friends work while streaming. Rebalance and commit
/// callbacks run inside `poll_next` on the executor's thread; `poll_next` never blocks.
pub struct MessageStream<'a> {
    consumer: &'a mut Consumer,
}

impl std::fmt::Debug for MessageStream<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MessageStream")
            .field("consumer", &self.consumer.name())
            .finish()
    }
}

impl MessageStream<'_> {
    /// The next message or error: `stream.recv().await` (rust-rdkafka: `StreamConsumer::recv`).
    /// `None` once the consumer is closed.
    pub async fn recv(&mut self) -> Option<Result<OwnedMessage>> {
        std::future::poll_fn(|cx| self.poll_message(cx)).await
    }

    fn poll_message(&mut self, cx: &Context<'_>) -> Poll<Option<Result<OwnedMessage>>> {
        if self.consumer.is_closed() {
            return Poll::Ready(None);
        }
        let rk = self.consumer.client().ptr();
        // SAFETY: the client is live; a new reference to its consumer queue (released by
        // `disable` before the client is destroyed).
        self.consumer.client().state().waker.enable(|| unsafe {
            Handle::from_raw(rdkafka_sys::bindings::rd_kafka_queue_get_consumer(rk))
        });
        // A message already waiting is returned without touching the waker slot (no lock on
        // the per-message path). Only when the queue is found empty is this poll's waker
        // registered, and the queue polled once more: an event that arrived before the
        // registration is then seen by that second poll, one after it wakes this waker.
        if let Some(r) = self.next_ready() {
            return Poll::Ready(r);
        }
        self.consumer.client().state().waker.register(cx.waker());
        if let Some(r) = self.next_ready() {
            return Poll::Ready(r);
        }
        // Nothing returned although events wait (the poll yielded): no empty -> non-empty
        // event will come for them, so come back at once.
        if self.consumer.client().state().waker.queued() > 0 {
            cx.waker().wake_by_ref();
        }
        Poll::Pending
    }

    /// One non-blocking poll of the consumer, as the stream's item (`None`: nothing yet).
    fn next_ready(&mut self) -> Option<Option<Result<OwnedMessage>>> {
        match self.consumer.poll(Duration::ZERO)? {
            Ok(m) => Some(Some(Ok(m.into_owned()))),
            Err(e) if e.code() == ErrorCode::State && self.consumer.is_closed() => Some(None),
            Err(e) => Some(Some(Err(e))),
        }
    }
}

impl futures_core::Stream for MessageStream<'_> {
    type Item = Result<OwnedMessage>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_message(cx)
    }
}

impl std::ops::Deref for MessageStream<'_> {
    type Target = Consumer;
    fn deref(&self) -> &Consumer {
        self.consumer
    }
}

#[cfg_attr(docsrs, doc(cfg(feature = "async")))]
impl Consumer {
    /// Python (`AIOConsumer`): `await consumer.poll()` in a loop, as a
    /// [`Stream`](futures_core::Stream) of messages that works on any executor; woken by
    /// librdkafka's queue event notification (no polling thread, no timer).
    ///
    /// ```no_run
    /// # async fn f(mut consumer: rkafka::Consumer) -> rkafka::Result<()> {
    /// let mut stream = consumer.stream();
    /// while let Some(msg) = stream.recv().await {
    ///     let msg = msg?;
    ///     println!("{:?}", msg.value());
    ///     stream.commit_message(&msg)?;
    /// }
    /// # Ok(()) }
    /// ```
    pub fn stream(&mut self) -> MessageStream<'_> {
        MessageStream { consumer: self }
    }
}
