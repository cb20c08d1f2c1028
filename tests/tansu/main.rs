//! Tests against real tansu brokers (and confluent-kafka-python as the second client): one test binary, so librdkafka is linked once for all of them
//! (`cargo test --test tansu`; one module: `cargo test --test tansu <module>::`).

#[path = "../common/mod.rs"]
mod common;

mod admin_tansu;
mod async_tansu;
mod consumer_at_least_once;
mod consumer_python_compare;
mod consumer_tansu;
mod oauth_tansu;
mod producer_tansu;
mod sasl_tansu;
mod stats_tansu;
mod transactions_tansu;
