//! An admin client whose librdkafka log lines go to a custom logger, like
//! confluent-kafka-python's `examples/adminapi_logger.py`: lists the consumer groups with
//! `debug=all` and prints each log line as `<UTC time> <LEVEL> <facility> <message>` on stderr.
//!
//! ```text
//! cargo run --example adminapi_logger -- <bootstrap-servers> [-X key=value]... [-F file.properties]
//! ```
//! Unlike Python, which forwards log lines only from `poll()` (hence its `while not
//! future.done(): a.poll(0.1)` loop), rkafka calls the logger on librdkafka's own threads, so
//! the blocking `list_consumer_groups` call needs no polling. Without `.logger(..)`, rkafka logs
//! to the `log` crate (target `rkafka::<client name>`).
//!
//! Against tansu: `scripts/brokers.sh start; eval "$(scripts/brokers.sh env)"`, then
//! `cargo run --example adminapi_logger -- "$RKAFKA_TANSU_BOOTSTRAP"`. The mock cluster has no
//! admin API handlers (the call would end in `_TIMED_OUT`): not applicable.

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::fail;
use rkafka::{AdminClient, AdminOptions};

const USAGE: &str =
    "usage: adminapi_logger <bootstrap-servers> [-X key=value]... [-F file.properties]";

fn main() {
    let args = common::parse_args(USAGE, &[], &[]);
    let [bootstrap] = args.positional_exactly(USAGE, "need <bootstrap-servers>");
    let mut config = args.config;
    config.set("bootstrap.servers", bootstrap);
    if config.get("debug").is_none() {
        config.set("debug", "all");
    }

    // Python: AdminClient(conf, logger=logger) with a '%(asctime)-15s %(levelname)-8s
    // %(message)s' formatter.
    let admin = AdminClient::builder(config)
        .logger(|rec| {
            eprintln!(
                "{} {:<8} {} {}",
                asctime(),
                rec.level,
                rec.facility,
                rec.message
            )
        })
        .build()
        .unwrap_or_else(|e| fail(&e.to_string()));

    let result = admin
        .list_consumer_groups(&AdminOptions::new().request_timeout(Duration::from_secs(10)))
        .unwrap_or_else(|e| fail(&e.to_string()));
    println!("\n\n\n========================= List consumer groups result Start =========================");
    println!("{} consumer groups", result.valid.len());
    for valid in &result.valid {
        println!(
            "    id: {} is_simple: {} state: {}",
            valid.group_id,
            valid.is_simple_consumer_group,
            valid.state.name()
        );
    }
    println!("{} errors", result.errors.len());
    for error in &result.errors {
        println!("    error: {error}");
    }
    println!(
        "========================= List consumer groups result End =========================\n\n\n"
    );
}

/// The current UTC time as Python's logging `asctime`: `2025-01-31 23:59:59,123`.
fn asctime() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let (secs, millis) = (now.as_secs() as i64, now.subsec_millis());
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02},{millis:03}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}
