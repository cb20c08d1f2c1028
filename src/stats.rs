//! Typed statistics (feature `stats`, on by default): librdkafka's `stats_cb` JSON
//! (`statistics.interval.ms`) parsed with serde_json into [`Statistics`]. Field names and
//! meanings are librdkafka's (its STATISTICS.md); every struct is `#[non_exhaustive]` and
//! missing fields default to zero/empty, so newer librdkafka output still parses.
//!
//! Python has no typed form: its `stats_cb` receives the JSON string, which rkafka's
//! `stats_cb` also provides; `statistics_cb` receives both.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::error::{ErrorCode, KafkaError, Result};

impl Statistics {
    /// Parses one statistics JSON document as delivered to `stats_cb`.
    pub fn from_json(json: &str) -> Result<Statistics> {
        serde_json::from_str(json).map_err(|e| {
            KafkaError::new(
                ErrorCode::BadMsg,
                format!("librdkafka statistics JSON did not parse: {e}"),
            )
        })
    }

    /// Total consumer lag over every assigned partition that reports one (Python users sum
    /// `partitions[*].consumer_lag` by hand).
    pub fn consumer_lag(&self) -> i64 {
        self.topics
            .values()
            .flat_map(|t| t.partitions.values())
            .filter(|p| p.partition >= 0 && p.consumer_lag >= 0)
            .map(|p| p.consumer_lag)
            .sum()
    }
}

/// librdkafka's statistics for one client (`stats_cb` JSON), typed.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct Statistics {
    /// `name`: Handle instance name.
    pub name: String,
    /// `client_id`: The configured (or default) `client.id`.
    pub client_id: String,
    /// `type`: Instance type (producer or consumer).
    #[serde(rename = "type")]
    pub kind: String,
    /// `ts`: librdkafka's internal monotonic clock (microseconds).
    pub ts: i64,
    /// `time`: Wall clock time in seconds since the epoch.
    pub time: i64,
    /// `age`: Time since this client instance was created (microseconds).
    pub age: i64,
    /// `replyq`: Number of ops (callbacks, events, etc) waiting in queue for application to serve with rd_kafka_poll(). (gauge)
    pub replyq: i64,
    /// `msg_cnt`: Current number of messages in producer queues. (gauge)
    pub msg_cnt: i64,
    /// `msg_size`: Current total size of messages in producer queues. (gauge)
    pub msg_size: i64,
    /// `msg_max`: Threshold: maximum number of messages allowed allowed on the producer queues.
    pub msg_max: i64,
    /// `msg_size_max`: Threshold: maximum total size of messages allowed on the producer queues.
    pub msg_size_max: i64,
    /// `tx`: Total number of requests sent to Kafka brokers.
    pub tx: i64,
    /// `tx_bytes`: Total number of bytes transmitted to Kafka brokers.
    pub tx_bytes: i64,
    /// `rx`: Total number of responses received from Kafka brokers.
    pub rx: i64,
    /// `rx_bytes`: Total number of bytes received from Kafka brokers.
    pub rx_bytes: i64,
    /// `txmsgs`: Total number of messages transmitted (produced) to Kafka brokers.
    pub txmsgs: i64,
    /// `txmsg_bytes`: Total number of message bytes (including framing, such as per-Message framing and MessageSet/batch framing) transmitted to Kafka brokers.
    pub txmsg_bytes: i64,
    /// `rxmsgs`: Total number of messages consumed, not including ignored messages (due to offset, etc), from Kafka brokers.
    pub rxmsgs: i64,
    /// `rxmsg_bytes`: Total number of message bytes (including framing) received from Kafka brokers.
    pub rxmsg_bytes: i64,
    /// `simple_cnt`: Internal tracking of legacy vs new consumer API state. (gauge)
    pub simple_cnt: i64,
    /// `metadata_cache_cnt`: Number of topics in the metadata cache. (gauge)
    pub metadata_cache_cnt: i64,
    /// `brokers`: Dict of brokers, key is broker name, value is object. See **brokers** below.
    pub brokers: BTreeMap<String, BrokerStats>,
    /// `topics`: Dict of topics, key is topic name, value is object. See **topics** below.
    pub topics: BTreeMap<String, TopicStats>,
    /// `cgrp`: Consumer group metrics. See **cgrp** below.
    pub cgrp: Option<ConsumerGroupStats>,
    /// `eos`: EOS / Idempotent producer state and metrics. See **eos** below.
    pub eos: Option<EosStats>,
}

/// One broker connection (`brokers.<name>`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct BrokerStats {
    /// `name`: Broker hostname, port and broker id.
    pub name: String,
    /// `nodeid`: Broker id (-1 for bootstraps).
    pub nodeid: i64,
    /// `nodename`: Broker hostname.
    pub nodename: String,
    /// `source`: Broker source (learned, configured, internal, logical).
    pub source: String,
    /// `state`: Broker state (INIT, DOWN, CONNECT, AUTH, APIVERSION_QUERY, AUTH_HANDSHAKE, UP, UPDATE).
    pub state: String,
    /// `stateage`: Time since last broker state change (microseconds). (gauge)
    pub stateage: i64,
    /// `outbuf_cnt`: Number of requests awaiting transmission to broker. (gauge)
    pub outbuf_cnt: i64,
    /// `outbuf_msg_cnt`: Number of messages awaiting transmission to broker. (gauge)
    pub outbuf_msg_cnt: i64,
    /// `waitresp_cnt`: Number of requests in-flight to broker awaiting response. (gauge)
    pub waitresp_cnt: i64,
    /// `waitresp_msg_cnt`: Number of messages in-flight to broker awaiting response. (gauge)
    pub waitresp_msg_cnt: i64,
    /// `tx`: Total number of requests sent.
    pub tx: i64,
    /// `txbytes`: Total number of bytes sent.
    pub txbytes: i64,
    /// `txerrs`: Total number of transmission errors.
    pub txerrs: i64,
    /// `txretries`: Total number of request retries.
    pub txretries: i64,
    /// `txidle`: Microseconds since last socket send (or -1 if no sends yet for current connection).
    pub txidle: i64,
    /// `req_timeouts`: Total number of requests timed out.
    pub req_timeouts: i64,
    /// `rx`: Total number of responses received.
    pub rx: i64,
    /// `rxbytes`: Total number of bytes received.
    pub rxbytes: i64,
    /// `rxerrs`: Total number of receive errors.
    pub rxerrs: i64,
    /// `rxcorriderrs`: Total number of unmatched correlation ids in response (typically for timed out requests).
    pub rxcorriderrs: i64,
    /// `rxpartial`: Total number of partial MessageSets received. The broker may return partial responses if the full MessageSet could not fit in the remaining Fetch response size.
    pub rxpartial: i64,
    /// `rxidle`: Microseconds since last socket receive (or -1 if no receives yet for current connection).
    pub rxidle: i64,
    /// `req`: Request type counters. Object key is the request name, value is the number of requests sent.
    pub req: BTreeMap<String, i64>,
    /// `zbuf_grow`: Total number of decompression buffer size increases.
    pub zbuf_grow: i64,
    /// `buf_grow`: Total number of buffer size increases (deprecated, unused).
    pub buf_grow: i64,
    /// `wakeups`: Broker thread poll loop wakeups.
    pub wakeups: i64,
    /// `connects`: Number of connection attempts, including successful and failed, and name resolution failures.
    pub connects: i64,
    /// `disconnects`: Number of disconnects (triggered by broker, network, load-balancer, etc.).
    pub disconnects: i64,
    /// `int_latency`: Internal producer queue latency in microseconds. See *Window stats* below.
    pub int_latency: Window,
    /// `outbuf_latency`: Internal request queue latency in microseconds. This is the time between a request is enqueued on the transmit (outbuf) queue and the time the request is written to the TCP socket. Additional buffering and latency may be incurred by the TCP stack and network. See *Window stats* below.
    pub outbuf_latency: Window,
    /// `rtt`: Broker latency / round-trip time in microseconds. See *Window stats* below.
    pub rtt: Window,
    /// `throttle`: Broker throttling time in milliseconds. See *Window stats* below.
    pub throttle: Window,
    /// `toppars`: Partitions handled by this broker handle. Key is "topic-partition". See *brokers.toppars* below.
    pub toppars: BTreeMap<String, BrokerTopicPartition>,
}

/// Rolling window statistics (`int_latency`, `rtt`, `throttle`, ...): microseconds unless stated.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct Window {
    /// `min`: Smallest value. (gauge)
    pub min: i64,
    /// `max`: Largest value. (gauge)
    pub max: i64,
    /// `avg`: Average value. (gauge)
    pub avg: i64,
    /// `sum`: Sum of values. (gauge)
    pub sum: i64,
    /// `cnt`: Number of values sampled. (gauge)
    pub cnt: i64,
    /// `stddev`: Standard deviation (based on histogram). (gauge)
    pub stddev: i64,
    /// `hdrsize`: Memory size of Hdr Histogram. (gauge)
    pub hdrsize: i64,
    /// `p50`: 50th percentile. (gauge)
    pub p50: i64,
    /// `p75`: 75th percentile. (gauge)
    pub p75: i64,
    /// `p90`: 90th percentile. (gauge)
    pub p90: i64,
    /// `p95`: 95th percentile. (gauge)
    pub p95: i64,
    /// `p99`: 99th percentile. (gauge)
    pub p99: i64,
    /// `p99_99`: 99.99th percentile. (gauge)
    pub p99_99: i64,
    /// `outofrange`: Values skipped due to out of histogram range. (gauge)
    pub outofrange: i64,
}

/// A partition led by this broker (`brokers.<name>.toppars.<topic-partition>`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct BrokerTopicPartition {
    /// `topic`: Topic name.
    pub topic: String,
    /// `partition`: Partition id.
    pub partition: i64,
}

/// One topic (`topics.<name>`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct TopicStats {
    /// `topic`: Topic name.
    pub topic: String,
    /// `age`: Age of client's topic object (milliseconds). (gauge)
    pub age: i64,
    /// `metadata_age`: Age of metadata from broker for this topic (milliseconds). (gauge)
    pub metadata_age: i64,
    /// `batchsize`: Batch sizes in bytes. See *Window stats*·.
    pub batchsize: Window,
    /// `batchcnt`: Batch message counts. See *Window stats*·.
    pub batchcnt: Window,
    /// `partitions`: Partitions dict, key is partition id. See **partitions** below.
    pub partitions: BTreeMap<String, PartitionStats>,
}

/// One partition (`topics.<name>.partitions.<id>`); partition -1 is the internal UA partition.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct PartitionStats {
    /// `partition`: Partition Id (-1 for internal UA/UnAssigned partition).
    pub partition: i64,
    /// `broker`: The id of the broker that messages are currently being fetched from.
    pub broker: i64,
    /// `leader`: Current leader broker id.
    pub leader: i64,
    /// `desired`: Partition is explicitly desired by application.
    pub desired: bool,
    /// `unknown`: Partition not seen in topic metadata from broker.
    pub unknown: bool,
    /// `msgq_cnt`: Number of messages waiting to be produced in first-level queue. (gauge)
    pub msgq_cnt: i64,
    /// `msgq_bytes`: Number of bytes in msgq_cnt. (gauge)
    pub msgq_bytes: i64,
    /// `xmit_msgq_cnt`: Number of messages ready to be produced in transmit queue. (gauge)
    pub xmit_msgq_cnt: i64,
    /// `xmit_msgq_bytes`: Number of bytes in xmit_msgq. (gauge)
    pub xmit_msgq_bytes: i64,
    /// `fetchq_cnt`: Number of pre-fetched messages in fetch queue. (gauge)
    pub fetchq_cnt: i64,
    /// `fetchq_size`: Bytes in fetchq. (gauge)
    pub fetchq_size: i64,
    /// `fetch_state`: Consumer fetch state for this partition (none, stopping, stopped, offset-query, offset-wait, active).
    pub fetch_state: String,
    /// `query_offset`: Current/Last logical offset query. (gauge)
    pub query_offset: i64,
    /// `next_offset`: Next offset to fetch. (gauge)
    pub next_offset: i64,
    /// `app_offset`: Offset of last message passed to application + 1. (gauge)
    pub app_offset: i64,
    /// `stored_offset`: Offset to be committed. (gauge)
    pub stored_offset: i64,
    /// `stored_leader_epoch`: Partition leader epoch of stored offset.
    pub stored_leader_epoch: i64,
    /// `committed_offset`: Last committed offset. (gauge)
    pub committed_offset: i64,
    /// `committed_leader_epoch`: Partition leader epoch of committed offset.
    pub committed_leader_epoch: i64,
    /// `eof_offset`: Last PARTITION_EOF signaled offset. (gauge)
    pub eof_offset: i64,
    /// `lo_offset`: Partition's low watermark offset on broker. (gauge)
    pub lo_offset: i64,
    /// `hi_offset`: Partition's high watermark offset on broker. (gauge)
    pub hi_offset: i64,
    /// `ls_offset`: Partition's last stable offset on broker, or same as hi_offset is broker version is less than 0.11.0.0. (gauge)
    pub ls_offset: i64,
    /// `consumer_lag`: Difference between (hi_offset or ls_offset) and committed_offset). hi_offset is used when isolation.level=read_uncommitted, otherwise ls_offset. (gauge)
    pub consumer_lag: i64,
    /// `consumer_lag_stored`: Difference between (hi_offset or ls_offset) and stored_offset. See consumer_lag and stored_offset. (gauge)
    pub consumer_lag_stored: i64,
    /// `leader_epoch`: Last known partition leader epoch, or -1 if unknown.
    pub leader_epoch: i64,
    /// `txmsgs`: Total number of messages transmitted (produced).
    pub txmsgs: i64,
    /// `txbytes`: Total number of bytes transmitted for txmsgs.
    pub txbytes: i64,
    /// `rxmsgs`: Total number of messages consumed, not including ignored messages (due to offset, etc).
    pub rxmsgs: i64,
    /// `rxbytes`: Total number of bytes received for rxmsgs.
    pub rxbytes: i64,
    /// `msgs`: Total number of messages received (consumer, same as rxmsgs), or total number of messages produced (possibly not yet transmitted) (producer).
    pub msgs: i64,
    /// `rx_ver_drops`: Dropped outdated messages.
    pub rx_ver_drops: i64,
    /// `msgs_inflight`: Current number of messages in-flight to/from broker. (gauge)
    pub msgs_inflight: i64,
    /// `next_ack_seq`: Next expected acked sequence (idempotent producer). (gauge)
    pub next_ack_seq: i64,
    /// `next_err_seq`: Next expected errored sequence (idempotent producer). (gauge)
    pub next_err_seq: i64,
    /// `acked_msgid`: Last acked internal message id (idempotent producer).
    pub acked_msgid: i64,
}

/// The consumer group handler (`cgrp`), consumers only.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct ConsumerGroupStats {
    /// `state`: Local consumer group handler's state.
    pub state: String,
    /// `stateage`: Time elapsed since last state change (milliseconds). (gauge)
    pub stateage: i64,
    /// `join_state`: Local consumer group handler's join state.
    pub join_state: String,
    /// `rebalance_age`: Time elapsed since last rebalance (assign or revoke) (milliseconds). (gauge)
    pub rebalance_age: i64,
    /// `rebalance_cnt`: Total number of rebalances (assign or revoke).
    pub rebalance_cnt: i64,
    /// `rebalance_reason`: Last rebalance reason, or empty string.
    pub rebalance_reason: String,
    /// `assignment_size`: Current assignment's partition count. (gauge)
    pub assignment_size: i64,
}

/// Idempotent and transactional producer state (`eos`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct EosStats {
    /// `idemp_state`: Current idempotent producer id state.
    pub idemp_state: String,
    /// `idemp_stateage`: Time elapsed since last idemp_state change (milliseconds). (gauge)
    pub idemp_stateage: i64,
    /// `txn_state`: Current transactional producer state.
    pub txn_state: String,
    /// `txn_stateage`: Time elapsed since last txn_state change (milliseconds). (gauge)
    pub txn_stateage: i64,
    /// `txn_may_enq`: Transactional state allows enqueuing (producing) new messages.
    pub txn_may_enq: bool,
    /// `producer_id`: The currently assigned Producer ID (or -1). (gauge)
    pub producer_id: i64,
    /// `producer_epoch`: The current epoch (or -1). (gauge)
    pub producer_epoch: i64,
    /// `epoch_cnt`: The number of Producer ID assignments since start.
    pub epoch_cnt: i64,
}
