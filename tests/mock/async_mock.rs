//! Async wake-ups cannot be lost: no future depends on another future being polled. A future
//! polled once and then parked (kept but never polled again), forgotten (`mem::forget`) or
//! dropped must hold up no other future of the same producer or consumer, on tokio's
//! current-thread and multi-thread runtimes and on `futures::executor`. Against librdkafka's
//! mock cluster (no broker process needed).

#![cfg(feature = "async")]

use crate::common;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::{mock_with, within};
use futures::{FutureExt, StreamExt};
use rkafka::{Consumer, MockCluster, Producer, Record};

/// Every scenario must finish within this bound; a lost wake-up hangs it instead.
const LIMIT: Duration = Duration::from_secs(60);

type Scenario = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Runs the scenario `make` builds on each of the three executors, each within [`LIMIT`].
fn on_every_executor(name: &str, make: fn() -> Scenario) {
    for executor in [
        "tokio current-thread",
        "tokio multi-thread",
        "futures::executor",
    ] {
        let label = format!("{name} on {executor}");
        within(LIMIT, move || {
            let scenario = make();
            match executor {
                "tokio current-thread" => tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap()
                    .block_on(scenario),
                "tokio multi-thread" => tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .unwrap()
                    .block_on(scenario),
                _ => futures::executor::block_on(scenario),
            }
        });
        eprintln!("ok: {label}");
    }
}

fn cluster() -> MockCluster {
    let c = MockCluster::new(1).unwrap();
    c.create_topic("wake", 3, 1).unwrap();
    c
}

fn producer(c: &MockCluster, extra: &[(&str, &str)]) -> Producer {
    let mut config = rkafka::Config::new().with("bootstrap.servers", c.bootstrap_servers());
    config.set("linger.ms", "5");
    for (k, v) in extra {
        config.set(*k, *v);
    }
    Producer::new(config).unwrap()
}

/// Awaits 200 `send`s and 200 `produce_future`s of `p`; each must resolve with an offset.
async fn all_others_resolve(p: &Producer) {
    let values: Vec<String> = (0..200).map(|i| format!("v{i}")).collect();
    let sends =
        futures::future::join_all(values.iter().map(|v| p.send(Record::new("wake").value(v))));
    let futures: Vec<_> = values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            p.produce_future(Record::new("wake").value(v).tag(i))
                .unwrap()
        })
        .collect();
    for (i, d) in futures::future::join_all(futures)
        .await
        .into_iter()
        .enumerate()
    {
        let d = d.unwrap();
        assert_eq!(d.tag(), Some(i));
        assert!(d.offset() >= 0);
    }
    for d in sends.await {
        assert!(d.unwrap().offset() >= 0);
    }
}

#[test]
fn a_parked_delivery_future_holds_up_no_other() {
    on_every_executor("parked DeliveryFuture", || {
        Box::pin(async {
            let c = cluster();
            let p = producer(&c, &[]);
            let mut parked = p
                .produce_future(Record::new("wake").value("parked"))
                .unwrap();
            // Polled once (it registers a waker), then kept and never polled again.
            assert!((&mut parked).now_or_never().is_none());
            all_others_resolve(&p).await;
            drop(parked);
        })
    });
}

#[test]
fn a_forgotten_delivery_future_holds_up_no_other() {
    on_every_executor("forgotten DeliveryFuture", || {
        Box::pin(async {
            let c = cluster();
            let p = producer(&c, &[]);
            let mut forgotten = p.produce_future(Record::new("wake").value("lost")).unwrap();
            assert!((&mut forgotten).now_or_never().is_none());
            std::mem::forget(forgotten);
            all_others_resolve(&p).await;
        })
    });
}

#[test]
fn a_dropped_delivery_future_holds_up_no_other_and_its_report_still_runs() {
    on_every_executor("dropped DeliveryFuture", || {
        Box::pin(async {
            let c = cluster();
            let p = producer(&c, &[]);
            let ran = Arc::new(AtomicUsize::new(0));
            let r2 = ran.clone();
            let mut dropped = p
                .produce_future(Record::new("wake").value("dropped").on_delivery(move |r| {
                    assert!(r.error().is_none());
                    r2.fetch_add(1, Ordering::SeqCst);
                }))
                .unwrap();
            assert!((&mut dropped).now_or_never().is_none());
            drop(dropped);
            all_others_resolve(&p).await;
            p.flush_async().await;
            assert_eq!(
                ran.load(Ordering::SeqCst),
                1,
                "the dropped future's closure ran once"
            );
        })
    });
}

#[test]
fn parked_and_forgotten_sends_waiting_for_room_hold_up_no_other() {
    on_every_executor("parked SendFuture on a full queue", || {
        Box::pin(async {
            let c = cluster();
            // A queue of 20 messages, far fewer than the futures in flight below.
            let p = producer(&c, &[("queue.buffering.max.messages", "20")]);
            let filler: Vec<String> = (0..20).map(|i| format!("f{i}")).collect();
            let fill: Vec<_> = filler
                .iter()
                .map(|v| p.produce_future(Record::new("wake").value(v)).unwrap())
                .collect();
            // Full now: these wait for room, one polled and parked, one forgotten.
            let mut parked = p.send(Record::new("wake").value("parked"));
            assert!((&mut parked).now_or_never().is_none());
            let mut forgotten = p.send(Record::new("wake").value("forgotten"));
            assert!((&mut forgotten).now_or_never().is_none());
            std::mem::forget(forgotten);
            // 300 more sends through the 20-message queue all get room and are delivered.
            let values: Vec<String> = (0..300).map(|i| format!("w{i}")).collect();
            let sent = futures::future::join_all(
                values.iter().map(|v| p.send(Record::new("wake").value(v))),
            )
            .await;
            assert!(sent
                .iter()
                .all(|d| d.as_ref().is_ok_and(|d| d.offset() >= 0)));
            for f in futures::future::join_all(fill).await {
                f.unwrap();
            }
            // The parked one still completes once polled again.
            assert!(parked.await.unwrap().offset() >= 0);
        })
    });
}

#[test]
fn a_parked_flush_holds_up_no_other() {
    on_every_executor("parked FlushFuture", || {
        Box::pin(async {
            let c = cluster();
            let p = producer(&c, &[]);
            let _first = p.produce_future(Record::new("wake").value("x")).unwrap();
            let mut parked = p.flush_async();
            let _ = (&mut parked).now_or_never();
            all_others_resolve(&p).await;
            p.flush_async().await;
            assert!(p.is_empty());
        })
    });
}

#[test]
fn a_forgotten_stream_holds_up_the_next_one() {
    on_every_executor("forgotten MessageStream", || {
        Box::pin(async {
            let c = mock_with("streamed", 2, 100);
            let mut consumer = Consumer::new(common::group_conf(&c, "g-forgotten")).unwrap();
            consumer.subscribe(["streamed"]).unwrap();
            {
                let mut first = consumer.stream();
                // Polled once (likely nothing yet: the group is still forming), then forgotten.
                let _ = first.next().now_or_never();
                // The scenario: forgetting must be harmless (a stream keeps no registration
                // that its drop would have to undo, hence the lint).
                #[allow(clippy::forget_non_drop)]
                std::mem::forget(first);
            }
            let mut second = consumer.stream();
            let mut got = 0;
            while got < 100 {
                match second.next().await {
                    Some(Ok(_)) => got += 1,
                    Some(Err(e)) => panic!("{e}"),
                    None => panic!("stream ended"),
                }
            }
        })
    });
}

#[test]
fn a_records_tag_survives_a_full_queue_in_produce_future_and_send() {
    on_every_executor("tags through a full queue", || {
        Box::pin(async {
            let c = cluster();
            c.broker_down(1).unwrap();
            let p = producer(&c, &[("queue.buffering.max.messages", "1")]);
            let first = p
                .produce_future(Record::new("wake").value("first").tag(1))
                .unwrap();
            // Full: the record comes back with its tag (and its closure).
            let ran = Arc::new(AtomicUsize::new(0));
            let r2 = ran.clone();
            let refused =
                p.produce_future(Record::new("wake").value("second").tag(2).on_delivery(
                    move |r| {
                        assert_eq!(r.tag(), Some(2));
                        r2.fetch_add(1, Ordering::SeqCst);
                    },
                ))
                .unwrap_err();
            assert!(refused.is_queue_full());
            // `send` waits for room with its own tagged record meanwhile.
            let sending = p.send(Record::new("wake").value("third").tag(3));
            c.broker_up(1).unwrap();
            assert_eq!(first.await.unwrap().tag(), Some(1));
            assert_eq!(sending.await.unwrap().tag(), Some(3));
            // The handed-back record, produced again, still carries tag and closure. (The
            // queue may still count the last message for a moment after its report.)
            let mut record = refused.record;
            let again = loop {
                match p.produce_future(record) {
                    Ok(f) => break f,
                    Err(e) if e.is_queue_full() => {
                        record = e.record;
                        std::thread::sleep(Duration::from_millis(5));
                    }
                    Err(e) => panic!("{e:?}"),
                }
            };
            assert_eq!(again.await.unwrap().tag(), Some(2));
            assert_eq!(ran.load(Ordering::SeqCst), 1);
        })
    });
}
