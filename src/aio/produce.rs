//! Async produce: [`Producer::produce_future`] ([`DeliveryFuture`]), [`Producer::send`]
//! ([`SendFuture`], waiting for room in a full queue) and [`Producer::flush_async`]
//! ([`FlushFuture`]).

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use rdkafka_sys::bindings as sys;

use crate::error::{ErrorCode, Result};
use crate::message::Timestamp;
use crate::panic;
use crate::producer::completion::{polled_after_completion, Completion};
use crate::producer::{Delivery, ProduceError, Producer, Record};

/// Resolves to where the message was delivered ([`Delivery`]: partition, offset, timestamp,
/// ...) or the delivery error.
///
/// Returned by [`Producer::produce_future`]; `Send + 'static`, so it can be spawned. It is woken
/// by its own message's delivery report, served by the producer's serving thread: it depends
/// on no other future, nor on anyone calling `poll`. Dropping it never loses the report: the
/// message is still delivered (and the record's closure, or else the producer-wide
/// `on_delivery`, still runs); only the outcome is discarded.
#[must_use = "a DeliveryFuture does nothing unless awaited (the message is sent regardless)"]
pub struct DeliveryFuture {
    /// `None` once the outcome was returned.
    completion: Option<Arc<Completion>>,
}

impl std::fmt::Debug for DeliveryFuture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeliveryFuture")
            .field("done", &self.completion.is_none())
            .finish()
    }
}

impl Future for DeliveryFuture {
    type Output = Result<Delivery>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let Some(c) = &self.completion else {
            return Poll::Ready(Err(polled_after_completion()));
        };
        let r = c.poll_result(cx);
        if r.is_ready() {
            self.completion = None;
        }
        r
    }
}

/// What [`Producer::send`] resolves to: where the message went, with the caller's own topic,
/// key and value (borrowed, never copied back). Python's `await producer.produce(...)` returns
/// the delivered `Message`; this has the same accessors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivered<'a> {
    delivery: Delivery,
    topic: &'a str,
    key: Option<&'a [u8]>,
    value: Option<&'a [u8]>,
}

impl<'a> Delivered<'a> {
    /// Python: `msg.topic()`.
    pub fn topic(&self) -> &'a str {
        self.topic
    }
    /// Python: `msg.key()`.
    pub fn key(&self) -> Option<&'a [u8]> {
        self.key
    }
    /// Python: `msg.value()`.
    pub fn value(&self) -> Option<&'a [u8]> {
        self.value
    }
    /// Python: `msg.partition()`.
    pub fn partition(&self) -> i32 {
        self.delivery.partition()
    }
    /// Python: `msg.offset()`.
    pub fn offset(&self) -> i64 {
        self.delivery.offset()
    }
    /// Python: `msg.timestamp()`.
    pub fn timestamp(&self) -> Timestamp {
        self.delivery.timestamp()
    }
    /// Python: `msg.latency()`.
    pub fn latency(&self) -> Option<Duration> {
        self.delivery.latency()
    }
    /// Python: `msg.leader_epoch()`.
    pub fn leader_epoch(&self) -> Option<i32> {
        self.delivery.leader_epoch()
    }
    /// The record's [`Record::tag`], if it had one.
    pub fn tag(&self) -> Option<usize> {
        self.delivery.tag()
    }
    /// The delivery alone, free of the record's lifetime.
    pub fn delivery(&self) -> Delivery {
        self.delivery
    }
}

/// The caller's data a [`Delivered`] lends back.
type Sent<'a> = (DeliveryFuture, &'a str, Option<&'a [u8]>, Option<&'a [u8]>);

/// Resolves once a full producer queue has room and the record is enqueued, then to its
/// delivery. Returned by [`Producer::send`]. While the queue is full it waits for the reports
/// that free room (served by the producer's serving thread), oldest waiter first; a send that
/// finds others waiting queues behind them without trying. So a window of futures larger than
/// the queue keeps producing without a storm of retries, in the order the sends began waiting.
#[must_use = "a SendFuture does nothing unless awaited"]
pub struct SendFuture<'a> {
    producer: &'a Producer,
    record: Option<Record<'a>>,
    sent: Option<Sent<'a>>,
    /// The current wait for room: cleared (`false`) when it ends or goes stale.
    room: Option<(Arc<AtomicBool>, Waker)>,
}

impl std::fmt::Debug for SendFuture<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SendFuture")
            .field("enqueued", &self.sent.is_some())
            .finish()
    }
}

impl<'a> SendFuture<'a> {
    /// Ends the current wait for room, if any.
    fn stop_waiting(&mut self) {
        if let Some((live, _)) = self.room.take() {
            self.producer.client().state().serving.stop_waiting(&live);
        }
    }

    /// Whether to try to enqueue now: not while the queue is full by its count, nor while its
    /// wait for room lasts (it is woken when its turn comes), nor, first time, while others
    /// wait: the room the next reports free is theirs (they are woken oldest first), so the
    /// attempt would be refused, or take the room of one woken but not yet polled. Yet always
    /// while nothing is pending: no report would come to wake it.
    fn may_try(&self) -> bool {
        let st = self.producer.client().state();
        let pending = st.pending();
        if pending == 0 {
            return true;
        }
        let behind = match &self.room {
            Some((live, _)) => live.load(Ordering::Acquire),
            None => st.serving.has_room_waiters(),
        };
        !behind && !st.serving.is_full(pending)
    }

    /// Waits for room with this poll's waker; true if that is a new registration (the caller
    /// then tries once more if reports were served since its failed attempt, so room freed just
    /// before registering is not missed).
    fn wait_for_room(&mut self, cx: &Context<'_>) -> bool {
        if let Some((live, w)) = &self.room {
            if live.load(Ordering::Acquire) && w.will_wake(cx.waker()) {
                return false;
            }
        }
        self.stop_waiting();
        let serving = &self.producer.client().state().serving;
        self.room = Some((serving.wait_for_room(cx.waker()), cx.waker().clone()));
        true
    }

    /// One attempt: enqueued (`sent` set), refused for want of room (`record` kept), or failed.
    fn enqueue(&mut self, record: Record<'a>) -> Result<()> {
        let parts = (
            record.topic_name(),
            record.key_bytes(),
            record.value_bytes(),
        );
        match self.producer.produce_with_completion(record) {
            Ok(completion) => {
                self.stop_waiting();
                let fut = DeliveryFuture {
                    completion: Some(completion),
                };
                self.sent = Some((fut, parts.0, parts.1, parts.2));
                Ok(())
            }
            Err(ProduceError { error, record }) if error.code() == ErrorCode::QueueFull => {
                #[cfg(test)]
                let _ = (self.producer.client().state().serving)
                    .refused
                    .fetch_add(1, Ordering::Relaxed);
                self.record = Some(record);
                Ok(())
            }
            Err(e) => Err(e.error),
        }
    }
}

impl<'a> Future for SendFuture<'a> {
    type Output = Result<Delivered<'a>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        // Room was freed while it registered: try at once, whoever else waits.
        let mut raced = false;
        loop {
            if let Some((fut, topic, key, value)) = &mut this.sent {
                return Pin::new(fut).poll(cx).map(|r| {
                    r.map(|delivery| Delivered {
                        delivery,
                        topic,
                        key: *key,
                        value: *value,
                    })
                });
            }
            this.producer.client().state().serving.resume_panic();
            let Some(record) = this.record.take() else {
                return Poll::Ready(Err(polled_after_completion()));
            };
            // Reports served so far: room freed after this point is seen by the check below.
            let reported = this.producer.client().state().reported();
            if !raced && !this.may_try() {
                this.record = Some(record);
            } else if let Err(e) = this.enqueue(record) {
                this.stop_waiting();
                return Poll::Ready(Err(e));
            } else if this.sent.is_some() {
                continue;
            }
            // Registered, it is woken by the reports served from now on. Room freed since the
            // attempt (or the decision not to try) shows as reports served since: only then
            // try again at once (the queue being full, reports are bound to come; without
            // this check every waiting send would fail twice).
            if !this.wait_for_room(cx) || this.producer.client().state().reported() == reported {
                return Poll::Pending;
            }
            raced = true;
        }
    }
}

impl Drop for SendFuture<'_> {
    fn drop(&mut self) {
        self.stop_waiting();
    }
}

/// Resolves when every message produced so far has its delivery report served. Returned by
/// [`Producer::flush_async`].
#[must_use = "a FlushFuture does nothing unless awaited"]
#[derive(Debug)]
pub struct FlushFuture<'a> {
    producer: &'a Producer,
    /// Lingering batches were sent off (once).
    kicked: bool,
}

impl Future for FlushFuture<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let client = self.producer.client();
        let st = client.state();
        st.serving.resume_panic();
        if st.pending() == 0 {
            return Poll::Ready(());
        }
        st.serving.ensure(client);
        if !self.kicked {
            // SAFETY: the client is live; a zero timeout makes librdkafka send lingering batches
            // now and serve what is queued on this thread without blocking.
            unsafe { sys::rd_kafka_flush(client.ptr(), 0) };
            panic::resume();
            self.kicked = true;
        }
        st.serving.wait_for_flush(cx.waker());
        if st.pending() == 0 {
            return Poll::Ready(());
        }
        Poll::Pending
    }
}

#[cfg_attr(docsrs, doc(cfg(feature = "async")))]
impl Producer {
    /// Python (`AIOProducer`): `await producer.produce(topic, value, ...)` — enqueues the
    /// record now (like [`Producer::produce`]) and returns a `'static` future of its delivery.
    /// A full queue is returned as `_QUEUE_FULL` with the record; use [`Producer::send`] to
    /// wait for room instead.
    ///
    /// The record's own [`Record::on_delivery`] closure (or else the producer-wide
    /// `on_delivery`) still runs, before the future resolves; a panic in it is resumed by the
    /// future. The record's [`Record::tag`] comes back in the [`Delivery`].
    pub fn produce_future<'a>(
        &self,
        record: Record<'a>,
    ) -> std::result::Result<DeliveryFuture, ProduceError<'a>> {
        let completion = self.produce_with_completion(record)?;
        Ok(DeliveryFuture {
            completion: Some(completion),
        })
    }

    /// Python (`AIOProducer`): `await producer.produce(...)` with backpressure: waits for room
    /// when the queue is full (instead of failing with `_QUEUE_FULL`), then for the delivery
    /// report. Resolves to the [`Delivered`] message (borrowing the record's data) or the
    /// error.
    pub fn send<'a>(&'a self, record: Record<'a>) -> SendFuture<'a> {
        SendFuture {
            producer: self,
            record: Some(record),
            sent: None,
            room: None,
        }
    }

    /// Python (`AIOProducer`): `await producer.flush()` — resolves when every message produced
    /// so far has had its delivery report served.
    pub fn flush_async(&self) -> FlushFuture<'_> {
        FlushFuture {
            producer: self,
            kicked: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MockCluster;
    use futures::FutureExt;

    /// Sends that find the queue full or others waiting for room queue behind them instead of
    /// trying: a window of futures ten times the queue costs no refused attempt (it cost 90
    /// when each first tried, then 361 when woken all at once), and the records are enqueued
    /// in the order their sends began.
    #[test]
    fn sends_waiting_for_room_queue_behind_each_other_without_being_refused() {
        let cluster = MockCluster::new(1).unwrap();
        cluster.create_topic("room", 1, 1).unwrap();
        // Down: nothing is delivered, so the queue stays full while every send is first polled.
        cluster.broker_down(1).unwrap();
        let p = Producer::new([
            ("bootstrap.servers", cluster.bootstrap_servers()),
            ("queue.buffering.max.messages", "10"),
        ])
        .unwrap();
        let refused = || (p.client().state().serving.refused).load(Ordering::Relaxed);
        let values: Vec<String> = (0..100).map(|i| i.to_string()).collect();
        let mut sends: Vec<_> = values
            .iter()
            .map(|v| p.send(Record::new("room").partition(0).value(v)))
            .collect();
        for send in &mut sends {
            assert!(send.now_or_never().is_none());
        }
        assert_eq!(refused(), 0, "the pending count tells the queue is full");
        cluster.broker_up(1).unwrap();
        let offsets: Vec<i64> = futures::executor::block_on(futures::future::join_all(sends))
            .into_iter()
            .map(|d| d.unwrap().offset())
            .collect();
        assert_eq!(offsets, (0..100).collect::<Vec<i64>>());
        assert_eq!(refused(), 0);
    }
}
