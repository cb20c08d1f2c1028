//! Produces with SASL/OAUTHBEARER, the token coming from a Rust `oauth_cb` closure, like
//! confluent-kafka-python's `examples/oauth_producer.py`.
//!
//! ```text
//! cargo run --example oauth_producer -- <bootstrap-servers> <topic> [--principal NAME]
//!                                       [--lifetime-secs N] [-X key=value]...
//! ```
//! Reads lines from stdin and produces each; prints `<topic> [<partition>] @ <offset>` per
//! delivered message and exits non-zero if any failed. The closure here makes an unsecured JWT
//! (`alg: none`, subject = principal, scope from `sasl.oauthbearer.config`) as librdkafka's
//! built-in unsecured tokens do; in production, fetch the token from your identity provider in
//! its place (`oauth_producer.py` does a client-credentials request). librdkafka calls the
//! closure on its background thread at start and at 80 % of each token's lifetime.
//!
//! No broker here speaks OAUTHBEARER (tansu does SCRAM only, the mock cluster no SASL):
//! `tests/examples.rs` runs this example through the authenticating front of
//! `tests/common/oauth_front.rs` before tansu. Against your cluster:
//! `cargo run --example oauth_producer -- broker:9092 my-topic --principal svc -X
//! sasl.oauthbearer.config=scope=kafka`.

mod common;

use std::io::BufRead;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rkafka::{OAuthToken, Producer, Record};

const USAGE: &str = "usage: oauth_producer <bootstrap-servers> <topic> [--principal NAME] [--lifetime-secs N] [-X key=value]... [-F file.properties]";

/// RFC 4648 base64url without padding, as JWTs use.
fn base64url(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// An unsecured JWT for `principal`, valid for `lifetime` (what the broker would validate).
fn make_token(principal: &str, scope: &str, lifetime: Duration) -> OAuthToken {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    let exp = now + lifetime;
    let header = serde_json::json!({"alg": "none"});
    let claims = serde_json::json!({
        "sub": principal,
        "iat": now.as_secs(),
        "exp": exp.as_secs(),
        "scope": scope,
    });
    OAuthToken {
        token: format!(
            "{}.{}.",
            base64url(header.to_string().as_bytes()),
            base64url(claims.to_string().as_bytes())
        ),
        lifetime_ms: exp.as_millis() as i64,
        principal: principal.to_string(),
        extensions: Vec::new(),
    }
}

fn main() {
    let args = common::parse_args(USAGE);
    let mut principal = "rkafka-example".to_string();
    let mut lifetime = Duration::from_secs(3600);
    let mut positional = Vec::new();
    let mut rest = args.rest.into_iter();
    while let Some(a) = rest.next() {
        match a.as_str() {
            "--principal" => {
                principal = rest
                    .next()
                    .unwrap_or_else(|| common::die(USAGE, "--principal needs a name"))
            }
            "--lifetime-secs" => {
                let n = rest.next().and_then(|n| n.parse().ok());
                lifetime = Duration::from_secs(
                    n.unwrap_or_else(|| common::die(USAGE, "--lifetime-secs needs a number")),
                );
            }
            _ => positional.push(a),
        }
    }
    let [bootstrap, topic] = <[String; 2]>::try_from(positional)
        .unwrap_or_else(|_| common::die(USAGE, "need <bootstrap-servers> <topic>"));
    let mut config = args.config;
    config.set("bootstrap.servers", bootstrap);
    config.set("security.protocol", "SASL_PLAINTEXT");
    config.set("sasl.mechanisms", "OAUTHBEARER");

    let failed = Arc::new(AtomicUsize::new(0));
    let f2 = failed.clone();
    let producer = Producer::builder(config)
        .oauth_cb(move |oauthbearer_config| {
            // `sasl.oauthbearer.config` arrives here, e.g. "scope=kafka".
            let scope = oauthbearer_config
                .split_whitespace()
                .find_map(|kv| kv.strip_prefix("scope="))
                .unwrap_or("");
            Ok(make_token(&principal, scope, lifetime))
        })
        .error_cb(|e| eprintln!("error: {e}"))
        .on_delivery(move |r| match r.error() {
            None => println!("{} [{}] @ {}", r.topic(), r.partition(), r.offset()),
            Some(e) => {
                eprintln!("delivery failed: {e}");
                f2.fetch_add(1, Ordering::SeqCst);
            }
        })
        .build()
        .unwrap_or_else(|e| common::die(USAGE, &e.to_string()));
    for line in std::io::stdin().lock().lines() {
        let line = line.expect("stdin");
        producer
            .produce_wait(Record::new(&topic).value(&line), Duration::from_secs(30))
            .unwrap_or_else(|e| {
                eprintln!("produce failed: {}", e.error);
                failed.fetch_add(1, Ordering::SeqCst);
            });
        producer.poll(Duration::ZERO);
    }
    let left = producer.flush(Duration::from_secs(30));
    let failed = failed.load(Ordering::SeqCst) + left;
    std::process::exit(if failed == 0 { 0 } else { 1 });
}
