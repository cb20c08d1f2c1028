//! Feature `metrics`: librdkafka's statistics recorded to the [`metrics`](https://docs.rs/metrics)
//! facade, for whatever exporter the application installed (Prometheus, StatsD, OpenTelemetry,
//! ...). Python has no equivalent (its users parse `stats_cb` JSON by hand).
//!
//! Turn it on per client with `.metrics()` on [`ProducerBuilder`](crate::ProducerBuilder),
//! [`ConsumerBuilder`](crate::ConsumerBuilder) or [`AdminClientBuilder`](crate::AdminClientBuilder),
//! with `statistics.interval.ms` set (how often the values are refreshed; `build` refuses
//! `.metrics()` without it). Or call [`record`] yourself from a `statistics_cb`.
//!
//! ```no_run
//! # fn main() -> rkafka::Result<()> {
//! // metrics_exporter_prometheus::PrometheusBuilder::new().install().unwrap();
//! let config = rkafka::config! {
//!     "bootstrap.servers" => "localhost:9092",
//!     "group.id" => "orders",
//!     "statistics.interval.ms" => 5000,
//! };
//! let consumer = rkafka::Consumer::builder(config).metrics().build()?;
//! // Values are recorded from poll(), like every statistics callback.
//! # Ok(()) }
//! ```
//!
//! Statistics are served by `poll`/`flush`/`consume` like every statistics callback, so the
//! values are as fresh as the last interval served. Counters are set to librdkafka's running
//! totals (`Counter::absolute`), so they restart from zero only with the client. A series is
//! kept after its partition or broker goes away (its last value stays): set the exporter's idle
//! timeout (e.g. `PrometheusBuilder::idle_timeout`) to drop such series.
//!
//! Labels: `client` is the client instance name (`<client.id>#<type>-<n>`, e.g.
//! `rdkafka#consumer-1`), `broker` the broker's name (`host:port/id`, or `GroupCoordinator`;
//! librdkafka's internal broker is skipped), `topic` and `partition` (librdkafka's internal
//! unassigned partition -1 is skipped). Gauges marked *if known* are not recorded while
//! librdkafka reports the value as unknown (negative), and window statistics (rtt, throttle,
//! latency) only from an interval that sampled at least one value.
//!
//! | name | type | labels | librdkafka statistic |
//! |---|---|---|---|
//! | `rkafka_replyq` | gauge | client | `replyq`: ops (callbacks, events) waiting for `poll` |
//! | `rkafka_metadata_cache_topics` | gauge | client | `metadata_cache_cnt` |
//! | `rkafka_tx_requests_total` | counter | client | `tx`: requests sent to brokers |
//! | `rkafka_tx_bytes_total` | counter | client | `tx_bytes` |
//! | `rkafka_rx_responses_total` | counter | client | `rx`: responses received |
//! | `rkafka_rx_bytes_total` | counter | client | `rx_bytes` |
//! | `rkafka_tx_messages_total` | counter | client | `txmsgs`: messages produced to brokers |
//! | `rkafka_tx_message_bytes_total` | counter | client | `txmsg_bytes` |
//! | `rkafka_rx_messages_total` | counter | client | `rxmsgs`: messages consumed |
//! | `rkafka_rx_message_bytes_total` | counter | client | `rxmsg_bytes` |
//! | `rkafka_producer_queue_messages` | gauge | client | `msg_cnt` (producers): messages in the producer queues |
//! | `rkafka_producer_queue_bytes` | gauge | client | `msg_size` (producers) |
//! | `rkafka_producer_queue_max_messages` | gauge | client | `msg_max` (producers): `queue.buffering.max.messages` |
//! | `rkafka_producer_queue_max_bytes` | gauge | client | `msg_size_max` (producers) |
//! | `rkafka_consumer_lag` | gauge | client | sum of the partitions' `consumer_lag` (consumers) |
//! | `rkafka_consumer_group_up` | gauge | client | `cgrp.state` is `up` (1) or not (0) |
//! | `rkafka_consumer_group_assigned_partitions` | gauge | client | `cgrp.assignment_size` |
//! | `rkafka_consumer_group_rebalances_total` | counter | client | `cgrp.rebalance_cnt` |
//! | `rkafka_broker_up` | gauge | client, broker | `state` is `UP` (1) or not (0) |
//! | `rkafka_broker_outbuf_requests` | gauge | client, broker | `outbuf_cnt`: requests waiting to be sent |
//! | `rkafka_broker_outbuf_messages` | gauge | client, broker | `outbuf_msg_cnt` |
//! | `rkafka_broker_inflight_requests` | gauge | client, broker | `waitresp_cnt`: requests awaiting a response |
//! | `rkafka_broker_inflight_messages` | gauge | client, broker | `waitresp_msg_cnt` |
//! | `rkafka_broker_tx_requests_total` | counter | client, broker | `tx` |
//! | `rkafka_broker_tx_bytes_total` | counter | client, broker | `txbytes` |
//! | `rkafka_broker_tx_errors_total` | counter | client, broker | `txerrs` |
//! | `rkafka_broker_tx_retries_total` | counter | client, broker | `txretries` |
//! | `rkafka_broker_request_timeouts_total` | counter | client, broker | `req_timeouts` |
//! | `rkafka_broker_rx_responses_total` | counter | client, broker | `rx` |
//! | `rkafka_broker_rx_bytes_total` | counter | client, broker | `rxbytes` |
//! | `rkafka_broker_rx_errors_total` | counter | client, broker | `rxerrs` |
//! | `rkafka_broker_connects_total` | counter | client, broker | `connects` |
//! | `rkafka_broker_disconnects_total` | counter | client, broker | `disconnects` |
//! | `rkafka_broker_rtt_avg_seconds` | gauge | client, broker | `rtt.avg`: round-trip time |
//! | `rkafka_broker_rtt_p50_seconds` | gauge | client, broker | `rtt.p50` |
//! | `rkafka_broker_rtt_p99_seconds` | gauge | client, broker | `rtt.p99` |
//! | `rkafka_broker_rtt_max_seconds` | gauge | client, broker | `rtt.max` |
//! | `rkafka_broker_throttle_avg_seconds` | gauge | client, broker | `throttle.avg`: broker throttling |
//! | `rkafka_broker_throttle_max_seconds` | gauge | client, broker | `throttle.max` |
//! | `rkafka_broker_int_latency_avg_seconds` | gauge | client, broker | `int_latency.avg`: producer queue latency |
//! | `rkafka_broker_int_latency_p99_seconds` | gauge | client, broker | `int_latency.p99` |
//! | `rkafka_broker_outbuf_latency_avg_seconds` | gauge | client, broker | `outbuf_latency.avg`: request queue latency |
//! | `rkafka_broker_outbuf_latency_p99_seconds` | gauge | client, broker | `outbuf_latency.p99` |
//! | `rkafka_partition_high_watermark` | gauge | client, topic, partition | `hi_offset` (*if known*) |
//! | `rkafka_partition_low_watermark` | gauge | client, topic, partition | `lo_offset` (*if known*) |
//! | `rkafka_partition_consumer_lag` | gauge | client, topic, partition | `consumer_lag` (consumers, *if known*: needs a committed offset) |
//! | `rkafka_partition_consumer_lag_stored` | gauge | client, topic, partition | `consumer_lag_stored` (consumers, *if known*) |
//! | `rkafka_partition_committed_offset` | gauge | client, topic, partition | `committed_offset` (consumers, *if known*) |
//! | `rkafka_partition_fetchq_messages` | gauge | client, topic, partition | `fetchq_cnt` (consumers): pre-fetched messages |
//! | `rkafka_partition_fetchq_bytes` | gauge | client, topic, partition | `fetchq_size` (consumers) |
//! | `rkafka_partition_rx_messages_total` | counter | client, topic, partition | `rxmsgs` (consumers) |
//! | `rkafka_partition_rx_bytes_total` | counter | client, topic, partition | `rxbytes` (consumers) |
//! | `rkafka_partition_queue_messages` | gauge | client, topic, partition | `msgq_cnt + xmit_msgq_cnt` (producers): messages waiting to be sent |
//! | `rkafka_partition_queue_bytes` | gauge | client, topic, partition | `msgq_bytes + xmit_msgq_bytes` (producers) |
//! | `rkafka_partition_inflight_messages` | gauge | client, topic, partition | `msgs_inflight` (producers) |
//! | `rkafka_partition_tx_messages_total` | counter | client, topic, partition | `txmsgs` (producers) |
//! | `rkafka_partition_tx_bytes_total` | counter | client, topic, partition | `txbytes` (producers) |

use ::metrics::{counter, gauge, KeyName, Label, SharedString, Unit};

use crate::stats::{BrokerStats, PartitionStats, Statistics, Window};

/// Records one statistics interval (Python has none): every series in the module's table, for
/// the client `stats` describes, to the recorder installed with the `metrics` crate (nothing
/// happens without one). What `.metrics()` on a builder calls; call it yourself from a
/// `statistics_cb` to record a filtered or combined view.
pub fn record(stats: &Statistics) {
    describe();
    let client = Series(vec![Label::new("client", stats.name.clone())]);
    let producer = stats.kind == "producer";
    let consumer = stats.kind == "consumer";
    record_client(&client, stats, producer, consumer);
    for broker in stats.brokers.values().filter(|b| b.source != "internal") {
        record_broker(&client.with("broker", &broker.name), broker);
    }
    for (topic, t) in &stats.topics {
        let series = client.with("topic", topic);
        for p in t.partitions.values().filter(|p| p.partition >= 0) {
            let series = series.with("partition", &p.partition.to_string());
            record_partition(&series, p, producer, consumer);
        }
    }
}

/// The labels of one series family.
struct Series(Vec<Label>);

impl Series {
    fn with(&self, key: &'static str, value: &str) -> Series {
        let mut labels = self.0.clone();
        labels.push(Label::new(key, value.to_string()));
        Series(labels)
    }

    fn gauge(&self, name: &'static str, value: i64) {
        gauge!(name, self.0.clone()).set(value as f64);
    }

    /// A gauge librdkafka reports as negative while it does not know the value.
    fn gauge_if_known(&self, name: &'static str, value: i64) {
        if value >= 0 {
            self.gauge(name, value);
        }
    }

    fn flag(&self, name: &'static str, on: bool) {
        gauge!(name, self.0.clone()).set(if on { 1.0 } else { 0.0 });
    }

    /// A running total from librdkafka.
    fn total(&self, name: &'static str, value: i64) {
        counter!(name, self.0.clone()).absolute(value.max(0) as u64);
    }

    /// A window statistic in `units_per_second` (1e6 for microseconds), from an interval with
    /// samples only.
    fn seconds(&self, name: &'static str, w: &Window, value: i64, units_per_second: f64) {
        if w.cnt > 0 {
            gauge!(name, self.0.clone()).set(value as f64 / units_per_second);
        }
    }
}

fn record_client(s: &Series, stats: &Statistics, producer: bool, consumer: bool) {
    s.gauge("rkafka_replyq", stats.replyq);
    s.gauge("rkafka_metadata_cache_topics", stats.metadata_cache_cnt);
    s.total("rkafka_tx_requests_total", stats.tx);
    s.total("rkafka_tx_bytes_total", stats.tx_bytes);
    s.total("rkafka_rx_responses_total", stats.rx);
    s.total("rkafka_rx_bytes_total", stats.rx_bytes);
    s.total("rkafka_tx_messages_total", stats.txmsgs);
    s.total("rkafka_tx_message_bytes_total", stats.txmsg_bytes);
    s.total("rkafka_rx_messages_total", stats.rxmsgs);
    s.total("rkafka_rx_message_bytes_total", stats.rxmsg_bytes);
    if producer {
        s.gauge("rkafka_producer_queue_messages", stats.msg_cnt);
        s.gauge("rkafka_producer_queue_bytes", stats.msg_size);
        s.gauge("rkafka_producer_queue_max_messages", stats.msg_max);
        s.gauge("rkafka_producer_queue_max_bytes", stats.msg_size_max);
    }
    if consumer {
        s.gauge("rkafka_consumer_lag", stats.consumer_lag());
    }
    if let Some(g) = &stats.cgrp {
        s.flag("rkafka_consumer_group_up", g.state == "up");
        s.gauge(
            "rkafka_consumer_group_assigned_partitions",
            g.assignment_size,
        );
        s.total("rkafka_consumer_group_rebalances_total", g.rebalance_cnt);
    }
}

fn record_broker(s: &Series, b: &BrokerStats) {
    const US: f64 = 1e6;
    const MS: f64 = 1e3;
    s.flag("rkafka_broker_up", b.state == "UP");
    s.gauge("rkafka_broker_outbuf_requests", b.outbuf_cnt);
    s.gauge("rkafka_broker_outbuf_messages", b.outbuf_msg_cnt);
    s.gauge("rkafka_broker_inflight_requests", b.waitresp_cnt);
    s.gauge("rkafka_broker_inflight_messages", b.waitresp_msg_cnt);
    s.total("rkafka_broker_tx_requests_total", b.tx);
    s.total("rkafka_broker_tx_bytes_total", b.txbytes);
    s.total("rkafka_broker_tx_errors_total", b.txerrs);
    s.total("rkafka_broker_tx_retries_total", b.txretries);
    s.total("rkafka_broker_request_timeouts_total", b.req_timeouts);
    s.total("rkafka_broker_rx_responses_total", b.rx);
    s.total("rkafka_broker_rx_bytes_total", b.rxbytes);
    s.total("rkafka_broker_rx_errors_total", b.rxerrs);
    s.total("rkafka_broker_connects_total", b.connects);
    s.total("rkafka_broker_disconnects_total", b.disconnects);
    let (rtt, thr, int, out) = (&b.rtt, &b.throttle, &b.int_latency, &b.outbuf_latency);
    s.seconds("rkafka_broker_rtt_avg_seconds", rtt, rtt.avg, US);
    s.seconds("rkafka_broker_rtt_p50_seconds", rtt, rtt.p50, US);
    s.seconds("rkafka_broker_rtt_p99_seconds", rtt, rtt.p99, US);
    s.seconds("rkafka_broker_rtt_max_seconds", rtt, rtt.max, US);
    s.seconds("rkafka_broker_throttle_avg_seconds", thr, thr.avg, MS);
    s.seconds("rkafka_broker_throttle_max_seconds", thr, thr.max, MS);
    s.seconds("rkafka_broker_int_latency_avg_seconds", int, int.avg, US);
    s.seconds("rkafka_broker_int_latency_p99_seconds", int, int.p99, US);
    s.seconds("rkafka_broker_outbuf_latency_avg_seconds", out, out.avg, US);
    s.seconds("rkafka_broker_outbuf_latency_p99_seconds", out, out.p99, US);
}

fn record_partition(s: &Series, p: &PartitionStats, producer: bool, consumer: bool) {
    s.gauge_if_known("rkafka_partition_high_watermark", p.hi_offset);
    s.gauge_if_known("rkafka_partition_low_watermark", p.lo_offset);
    if consumer {
        s.gauge_if_known("rkafka_partition_consumer_lag", p.consumer_lag);
        s.gauge_if_known(
            "rkafka_partition_consumer_lag_stored",
            p.consumer_lag_stored,
        );
        s.gauge_if_known("rkafka_partition_committed_offset", p.committed_offset);
        s.gauge("rkafka_partition_fetchq_messages", p.fetchq_cnt);
        s.gauge("rkafka_partition_fetchq_bytes", p.fetchq_size);
        s.total("rkafka_partition_rx_messages_total", p.rxmsgs);
        s.total("rkafka_partition_rx_bytes_total", p.rxbytes);
    }
    if producer {
        let queued = p.msgq_cnt + p.xmit_msgq_cnt;
        s.gauge("rkafka_partition_queue_messages", queued);
        s.gauge(
            "rkafka_partition_queue_bytes",
            p.msgq_bytes + p.xmit_msgq_bytes,
        );
        s.gauge("rkafka_partition_inflight_messages", p.msgs_inflight);
        s.total("rkafka_partition_tx_messages_total", p.txmsgs);
        s.total("rkafka_partition_tx_bytes_total", p.txbytes);
    }
}

/// Help texts and units (Prometheus shows them as `# HELP`), given with every interval: a
/// recorder installed after the first one still gets them, and the cost is a few map inserts.
fn describe() {
    ::metrics::with_recorder(|r| {
        for (name, unit, help) in GAUGES {
            r.describe_gauge(
                KeyName::from_const_str(name),
                *unit,
                SharedString::const_str(help),
            );
        }
        for (name, unit, help) in COUNTERS {
            r.describe_counter(
                KeyName::from_const_str(name),
                *unit,
                SharedString::const_str(help),
            );
        }
    });
}

/// (name, unit, help); counts have no unit (an exporter adding unit suffixes would add none).
const GAUGES: &[(&str, Option<Unit>, &str)] = &[
    (
        "rkafka_replyq",
        None,
        "Ops (callbacks, events) waiting for poll",
    ),
    (
        "rkafka_metadata_cache_topics",
        None,
        "Topics in the metadata cache",
    ),
    (
        "rkafka_producer_queue_messages",
        None,
        "Messages in the producer queues",
    ),
    (
        "rkafka_producer_queue_bytes",
        Some(Unit::Bytes),
        "Bytes of the messages in the producer queues",
    ),
    (
        "rkafka_producer_queue_max_messages",
        None,
        "Producer queue limit in messages",
    ),
    (
        "rkafka_producer_queue_max_bytes",
        Some(Unit::Bytes),
        "Producer queue limit in bytes",
    ),
    (
        "rkafka_consumer_lag",
        None,
        "Consumer lag summed over the assigned partitions",
    ),
    (
        "rkafka_consumer_group_up",
        None,
        "1 if the consumer group handler is up",
    ),
    (
        "rkafka_consumer_group_assigned_partitions",
        None,
        "Partitions assigned",
    ),
    ("rkafka_broker_up", None, "1 if the broker connection is up"),
    (
        "rkafka_broker_outbuf_requests",
        None,
        "Requests waiting to be sent",
    ),
    (
        "rkafka_broker_outbuf_messages",
        None,
        "Messages waiting to be sent",
    ),
    (
        "rkafka_broker_inflight_requests",
        None,
        "Requests awaiting a response",
    ),
    (
        "rkafka_broker_inflight_messages",
        None,
        "Messages awaiting a response",
    ),
    (
        "rkafka_broker_rtt_avg_seconds",
        Some(Unit::Seconds),
        "Broker round-trip time, average",
    ),
    (
        "rkafka_broker_rtt_p50_seconds",
        Some(Unit::Seconds),
        "Broker round-trip time, median",
    ),
    (
        "rkafka_broker_rtt_p99_seconds",
        Some(Unit::Seconds),
        "Broker round-trip time, 99th percentile",
    ),
    (
        "rkafka_broker_rtt_max_seconds",
        Some(Unit::Seconds),
        "Broker round-trip time, maximum",
    ),
    (
        "rkafka_broker_throttle_avg_seconds",
        Some(Unit::Seconds),
        "Broker throttling time, average",
    ),
    (
        "rkafka_broker_throttle_max_seconds",
        Some(Unit::Seconds),
        "Broker throttling time, maximum",
    ),
    (
        "rkafka_broker_int_latency_avg_seconds",
        Some(Unit::Seconds),
        "Producer queue latency, average",
    ),
    (
        "rkafka_broker_int_latency_p99_seconds",
        Some(Unit::Seconds),
        "Producer queue latency, p99",
    ),
    (
        "rkafka_broker_outbuf_latency_avg_seconds",
        Some(Unit::Seconds),
        "Request queue latency, average",
    ),
    (
        "rkafka_broker_outbuf_latency_p99_seconds",
        Some(Unit::Seconds),
        "Request queue latency, p99",
    ),
    (
        "rkafka_partition_high_watermark",
        None,
        "Partition high watermark offset",
    ),
    (
        "rkafka_partition_low_watermark",
        None,
        "Partition low watermark offset",
    ),
    (
        "rkafka_partition_consumer_lag",
        None,
        "High watermark minus committed offset",
    ),
    (
        "rkafka_partition_consumer_lag_stored",
        None,
        "High watermark minus stored offset",
    ),
    (
        "rkafka_partition_committed_offset",
        None,
        "Last committed offset",
    ),
    (
        "rkafka_partition_fetchq_messages",
        None,
        "Pre-fetched messages",
    ),
    (
        "rkafka_partition_fetchq_bytes",
        Some(Unit::Bytes),
        "Bytes of the pre-fetched messages",
    ),
    (
        "rkafka_partition_queue_messages",
        None,
        "Messages waiting to be sent",
    ),
    (
        "rkafka_partition_queue_bytes",
        Some(Unit::Bytes),
        "Bytes of the messages waiting to be sent",
    ),
    (
        "rkafka_partition_inflight_messages",
        None,
        "Messages in flight to the broker",
    ),
];

const COUNTERS: &[(&str, Option<Unit>, &str)] = &[
    ("rkafka_tx_requests_total", None, "Requests sent to brokers"),
    (
        "rkafka_tx_bytes_total",
        Some(Unit::Bytes),
        "Bytes sent to brokers",
    ),
    (
        "rkafka_rx_responses_total",
        None,
        "Responses received from brokers",
    ),
    (
        "rkafka_rx_bytes_total",
        Some(Unit::Bytes),
        "Bytes received from brokers",
    ),
    (
        "rkafka_tx_messages_total",
        None,
        "Messages produced to brokers",
    ),
    (
        "rkafka_tx_message_bytes_total",
        Some(Unit::Bytes),
        "Message bytes produced to brokers",
    ),
    ("rkafka_rx_messages_total", None, "Messages consumed"),
    (
        "rkafka_rx_message_bytes_total",
        Some(Unit::Bytes),
        "Message bytes consumed",
    ),
    (
        "rkafka_consumer_group_rebalances_total",
        None,
        "Rebalances (assign or revoke)",
    ),
    ("rkafka_broker_tx_requests_total", None, "Requests sent"),
    (
        "rkafka_broker_tx_bytes_total",
        Some(Unit::Bytes),
        "Bytes sent",
    ),
    ("rkafka_broker_tx_errors_total", None, "Transmission errors"),
    ("rkafka_broker_tx_retries_total", None, "Request retries"),
    (
        "rkafka_broker_request_timeouts_total",
        None,
        "Requests timed out",
    ),
    (
        "rkafka_broker_rx_responses_total",
        None,
        "Responses received",
    ),
    (
        "rkafka_broker_rx_bytes_total",
        Some(Unit::Bytes),
        "Bytes received",
    ),
    ("rkafka_broker_rx_errors_total", None, "Receive errors"),
    ("rkafka_broker_connects_total", None, "Connection attempts"),
    ("rkafka_broker_disconnects_total", None, "Disconnects"),
    (
        "rkafka_partition_rx_messages_total",
        None,
        "Messages consumed",
    ),
    (
        "rkafka_partition_rx_bytes_total",
        Some(Unit::Bytes),
        "Bytes consumed",
    ),
    (
        "rkafka_partition_tx_messages_total",
        None,
        "Messages produced",
    ),
    (
        "rkafka_partition_tx_bytes_total",
        Some(Unit::Bytes),
        "Bytes produced",
    ),
];

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::{Arc, Mutex};

    use ::metrics::{Counter, Gauge, Histogram, Key, KeyName, Metadata, Recorder, SharedString};

    use super::*;

    /// Remembers which names were registered, as what, with which label keys.
    #[derive(Default)]
    struct Names(
        Mutex<BTreeMap<String, (&'static str, Vec<String>)>>,
        Mutex<Vec<String>>,
    );

    impl Names {
        fn add(&self, key: &Key, kind: &'static str) {
            let labels = key.labels().map(|l| l.key().to_string()).collect();
            self.0
                .lock()
                .unwrap()
                .insert(key.name().to_string(), (kind, labels));
            self.1.lock().unwrap().push(key.to_string());
        }
    }

    impl Recorder for Names {
        fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
            self.add(key, "counter");
            Counter::noop()
        }
        fn register_gauge(&self, key: &Key, _: &Metadata<'_>) -> Gauge {
            self.add(key, "gauge");
            Gauge::noop()
        }
        fn register_histogram(&self, _: &Key, _: &Metadata<'_>) -> Histogram {
            Histogram::noop()
        }
    }

    fn window() -> serde_json::Value {
        serde_json::json!({"min": 10, "max": 900, "avg": 300, "p50": 250, "p99": 880, "cnt": 4})
    }

    /// A document with one of everything, for a producer or a consumer.
    fn stats(kind: &str) -> Statistics {
        let partition = serde_json::json!({
            "partition": 0, "hi_offset": 10, "lo_offset": 0, "consumer_lag": 4,
            "consumer_lag_stored": 3, "committed_offset": 6, "msgq_cnt": 1
        });
        let doc = serde_json::json!({
            "name": format!("rdkafka#{kind}-1"), "type": kind,
            "brokers": {
                "127.0.0.1:9092/1": {"name": "127.0.0.1:9092/1", "source": "learned",
                    "state": "UP", "rtt": window(), "throttle": window(),
                    "int_latency": window(), "outbuf_latency": window()},
                ":0/internal": {"name": ":0/internal", "source": "internal", "state": "UP"}
            },
            "topics": {"t": {"topic": "t", "partitions": {
                "0": partition, "-1": {"partition": -1, "hi_offset": 5}
            }}},
            "cgrp": {"state": "up", "assignment_size": 1, "rebalance_cnt": 1}
        });
        Statistics::from_json(&doc.to_string()).unwrap()
    }

    type Recorded = BTreeMap<String, (&'static str, Vec<String>)>;

    /// The names recorded for one document, and every series (name and label values).
    fn recorded(kind: &str) -> (Recorded, Vec<String>) {
        let names = Arc::new(Names::default());
        ::metrics::with_local_recorder(&*names, || record(&stats(kind)));
        let map = names.0.lock().unwrap().clone();
        let keys = names.1.lock().unwrap().clone();
        (map, keys)
    }

    /// Every name recorded is in the module's table with its type and labels, described once,
    /// and every name in the table is recorded for a producer or a consumer.
    #[test]
    fn names_match_the_documented_table() {
        let doc: String = include_str!("metrics.rs")
            .lines()
            .filter_map(|l| l.strip_prefix("//! | `rkafka_"))
            .map(|l| format!("rkafka_{l}\n"))
            .collect();
        let mut all = recorded("producer").0;
        all.extend(recorded("consumer").0);
        for (name, (kind, labels)) in &all {
            let row = format!("{name}` | {kind} | {} |", labels.join(", "));
            assert!(doc.contains(&row), "{row} is not in the table");
            let described = match *kind {
                "gauge" => GAUGES.iter().any(|(n, ..)| n == name),
                _ => COUNTERS.iter().any(|(n, ..)| n == name),
            };
            assert!(described, "{name} has no description");
        }
        assert_eq!(
            doc.lines().count(),
            all.len(),
            "rows without a series:\n{doc}"
        );
        assert_eq!(GAUGES.len() + COUNTERS.len(), all.len());
    }

    #[test]
    fn internal_broker_and_unassigned_partition_are_skipped() {
        let (consumer, keys) = recorded("consumer");
        assert!(consumer.contains_key("rkafka_partition_consumer_lag"));
        assert!(!consumer.contains_key("rkafka_partition_queue_messages"));
        assert!(!consumer.contains_key("rkafka_producer_queue_messages"));
        let (producer, _) = recorded("producer");
        assert!(!producer.contains_key("rkafka_partition_consumer_lag"));
        assert!(producer.contains_key("rkafka_producer_queue_messages"));
        assert!(
            keys.iter().any(|k| k.contains("127.0.0.1:9092/1")),
            "{keys:?}"
        );
        assert!(keys.iter().any(|k| k.contains("partition = 0")), "{keys:?}");
        assert!(
            !keys
                .iter()
                .any(|k| k.contains("internal") || k.contains("partition = -1")),
            "{keys:?}"
        );
    }
}
