//! The examples, run as a user runs them (`cargo run --example ...`), against the mock cluster and tansu: one test binary, so librdkafka is linked once for all of them
//! (`cargo test --test examples`; one module: `cargo test --test examples <module>::`).

#[path = "../common/mod.rs"]
mod common;

mod admin_examples;
mod examples;
mod examples_async_oauth;
mod examples_serdes;
