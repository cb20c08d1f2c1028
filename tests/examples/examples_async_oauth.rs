//! The async and OAuth examples, run end to end as binaries (built by `cargo test`).
#![cfg(feature = "async")]

use crate::common;

use std::process::Command;

use common::oauth_front::Front;
use common::{create_topic_py, example_bin, run_example, unique, Tansu};

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn async_producer_then_async_consumer_against_tansu() {
    let broker = Tansu::plain();
    let topic = unique("ex-async");
    create_topic_py(&broker.bootstrap(), &topic, 2, &[]);
    let out = run(Command::new(example_bin("async_producer")).args([
        &broker.bootstrap(),
        &topic,
        "500",
        "-X",
        "queue.buffering.max.messages=100",
    ]));
    let mut offsets: Vec<(String, String)> = out
        .lines()
        .map(|l| {
            let (p, o) = l
                .strip_prefix(&format!("{topic} ["))
                .and_then(|r| r.split_once("] @ "))
                .unwrap_or_else(|| panic!("unexpected line {l:?}"));
            (p.to_string(), o.to_string())
        })
        .collect();
    assert_eq!(offsets.len(), 500);
    offsets.sort();
    offsets.dedup();
    assert_eq!(offsets.len(), 500, "an offset was reported twice");

    let out = run(Command::new(example_bin("async_consumer")).args([
        &broker.bootstrap(),
        &unique("g"),
        &topic,
        "--max-messages",
        "500",
        "-X",
        "session.timeout.ms=6000",
    ]));
    let mut values: Vec<String> = out
        .lines()
        .map(|l| l.split_once("value=").unwrap().1.to_string())
        .collect();
    values.sort();
    let mut want: Vec<String> = (0..500).map(|i| format!("message {i}")).collect();
    want.sort();
    assert_eq!(values, want);
}

#[test]
fn async_examples_on_the_mock_cluster() {
    let out = run(Command::new(example_bin("async_producer")).args(["mock", "t", "20"]));
    assert_eq!(out.lines().count(), 20, "{out}");
    let out = run(Command::new(example_bin("async_consumer")).args([
        "mock",
        "g",
        "t",
        "--max-messages",
        "7",
    ]));
    assert_eq!(out.lines().count(), 7, "{out}");
}

/// The broker side accepts only well-formed unsecured JWTs whose subject is "svc-orders".
fn accept_jwt(token: &str) -> bool {
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 3 || !parts[2].is_empty() {
        return false;
    }
    let b64 = |s: &str| -> Option<Vec<u8>> {
        const A: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut bits = 0u32;
        let mut n = 0;
        let mut out = Vec::new();
        for c in s.chars() {
            bits = (bits << 6) | A.find(c)? as u32;
            n += 6;
            if n >= 8 {
                n -= 8;
                out.push((bits >> n) as u8);
            }
        }
        Some(out)
    };
    let claims: serde_json::Value =
        match b64(parts[1]).and_then(|b| serde_json::from_slice(&b).ok()) {
            Some(v) => v,
            None => return false,
        };
    claims["sub"] == "svc-orders" && claims["scope"] == "orders" && claims["exp"].as_u64().is_some()
}

#[test]
fn oauth_producer_authenticates_with_its_token() {
    let front = Front::start(accept_jwt);
    let topic = unique("ex-oauth");
    let input: String = (0..10).map(|i| format!("order {i}\n")).collect();
    let bootstrap = format!("127.0.0.1:{}", front.port);
    let out = run_example(
        "oauth_producer",
        &[
            &bootstrap,
            &topic,
            "--principal",
            "svc-orders",
            "-X",
            "sasl.oauthbearer.config=scope=orders",
        ],
        &input,
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout.lines().count(), 10, "{stdout}");
    assert!(front.tokens().iter().all(|t| accept_jwt(t)));
    assert!(!front.tokens().is_empty());

    // With another principal the broker refuses it: the example fails, it does not hang.
    let out = run_example(
        "oauth_producer",
        &[
            &bootstrap,
            &topic,
            "--principal",
            "intruder",
            "-X",
            "sasl.oauthbearer.config=scope=orders",
            "-X",
            "message.timeout.ms=3000",
        ],
        "x\n",
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Authentication") || err.contains("AUTHENTICATION"),
        "{err}"
    );
}
