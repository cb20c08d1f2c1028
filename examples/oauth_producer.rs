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
//! `tests/examples/examples.rs` runs this example through the authenticating front of
//! `tests/common/oauth_front.rs` before tansu. Against your cluster:
//! `cargo run --example oauth_producer -- broker:9092 my-topic --principal svc -X
//! sasl.oauthbearer.config=scope=kafka`.

mod common;

use std::io::BufRead;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rkafka::{OAuthToken, Producer, Record};

const USAGE: &str = "usage: oauth_producer <bootstrap-servers> <topic> [--principal NAME] [--lifetime-secs N] [-X key=value]... [-F file.properties]";

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
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        ),
        lifetime_ms: exp.as_millis() as i64,
        principal: principal.to_string(),
        extensions: Vec::new(),
    }
}

fn main() {
    let args = common::parse_args(USAGE, &["--principal", "--lifetime-secs"], &[]);
    let principal = args
        .get("--principal")
        .unwrap_or("rkafka-example")
        .to_string();
    let lifetime = Duration::from_secs(args.parsed("--lifetime-secs", USAGE).unwrap_or(3600));
    let [bootstrap, topic] = args.positional_exactly(USAGE, "need <bootstrap-servers> <topic>");
    let mut config = args.config.clone();
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
