//! Tests against librdkafka's mock cluster, test fixtures and hostile servers (no tansu needed): one test binary, so librdkafka is linked once for all of them
//! (`cargo test --test mock`; one module: `cargo test --test mock <module>::`).

#[path = "../common/mod.rs"]
mod common;

mod admin_mock;
mod async_mock;
mod bad_input;
mod consumer_kip848;
mod consumer_mock;
mod faults;
mod oidc;
mod partitioner;
mod producer_mock;
mod sasl_plain;
mod security;
mod serialization;
mod threads;
mod transactions_mock;
