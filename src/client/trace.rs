//! Feature `tracing`: what the default logger, a client error without `error_cb`, and
//! `.trace_statistics()` emit as `tracing` events, each with structured fields.
//!
//! | what | target | level | fields |
//! |---|---|---|---|
//! | a librdkafka log line | `rkafka::librdkafka` | from the syslog level: 0-3 ERROR, 4 WARN, 5-6 INFO, 7 DEBUG | `client`, `facility`, `syslog_level`, message |
//! | a client error (no `error_cb`, no `logger`) | `rkafka::error` | ERROR | `client`, `code` (e.g. `_TRANSPORT`), `fatal`, `retriable`, message |
//! | statistics (`.trace_statistics()`) | `rkafka::statistics` | INFO | `client`, `client_id`, `kind` (producer/consumer), queue depths, totals, `brokers_up`, `consumer_lag` |
//!
//! Events go to `tracing` once a dispatcher has been installed (global, or scoped on any
//! thread); before that, and in a program that only uses `log`, the log lines and errors go to
//! `log` exactly as without the feature, so turning the feature on (perhaps by another crate of
//! the same build) never silences them. librdkafka logs from its own threads, which see only the
//! global dispatcher. Messages are scrubbed of secrets before they reach this module.

use tracing::{event, Level};

use crate::error::KafkaError;

/// One event at a level chosen at run time (the macros take a constant level).
macro_rules! event_at {
    ($level:expr, target: $target:expr, $($rest:tt)+) => {
        match $level {
            Level::ERROR => event!(target: $target, Level::ERROR, $($rest)+),
            Level::WARN => event!(target: $target, Level::WARN, $($rest)+),
            Level::INFO => event!(target: $target, Level::INFO, $($rest)+),
            Level::DEBUG => event!(target: $target, Level::DEBUG, $($rest)+),
            _ => event!(target: $target, Level::TRACE, $($rest)+),
        }
    };
}

/// The same mapping as for `log` (callbacks.rs), so both ecosystems see a line at one level.
fn syslog_to_level(level: i32) -> Level {
    match level {
        0..=3 => Level::ERROR,
        4 => Level::WARN,
        5 | 6 => Level::INFO,
        _ => Level::DEBUG,
    }
}

/// Emits one librdkafka log line; false (nothing emitted) while no dispatcher is installed.
pub(super) fn log_line(client: &str, syslog_level: i32, facility: &str, message: &str) -> bool {
    if !tracing::dispatcher::has_been_set() {
        return false;
    }
    event_at!(
        syslog_to_level(syslog_level),
        target: "rkafka::librdkafka",
        client,
        facility,
        syslog_level,
        "{message}"
    );
    true
}

/// Emits a client-wide error no `error_cb` takes (all brokers down, authentication failed, a
/// fatal error); without a dispatcher, logs the line librdkafka itself logs for it (`ERROR`).
pub(super) fn client_error(log_target: &str, error: &KafkaError) {
    let client = log_target.strip_prefix("rkafka::").unwrap_or(log_target);
    if tracing::dispatcher::has_been_set() {
        event!(
            target: "rkafka::error",
            Level::ERROR,
            client,
            code = %error.name(),
            fatal = error.fatal(),
            retriable = error.retriable(),
            "{}",
            error.str()
        );
    } else {
        log::error!(target: log_target, "[ERROR] {client}: {}", error.str());
    }
}

/// `.trace_statistics()`: one INFO event per statistics interval, summarising it.
#[cfg(feature = "stats")]
pub(crate) fn statistics(stats: &crate::Statistics) {
    let brokers_up = stats
        .brokers
        .values()
        .filter(|b| b.source != "internal" && b.state == "UP")
        .count();
    event!(
        target: "rkafka::statistics",
        Level::INFO,
        client = %stats.name,
        client_id = %stats.client_id,
        kind = %stats.kind,
        replyq = stats.replyq,
        msg_cnt = stats.msg_cnt,
        msg_size = stats.msg_size,
        tx = stats.tx,
        tx_bytes = stats.tx_bytes,
        rx = stats.rx,
        rx_bytes = stats.rx_bytes,
        txmsgs = stats.txmsgs,
        rxmsgs = stats.rxmsgs,
        brokers_up,
        consumer_lag = stats.consumer_lag(),
        assignment_size = stats.cgrp.as_ref().map_or(0, |g| g.assignment_size),
        "statistics"
    );
}
