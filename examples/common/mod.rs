//! Shared helpers for the examples: kcat-style `-b`, `-X key=value` and `-F file.properties`.
#![allow(dead_code)]

use rkafka::Config;

/// Command-line arguments after the kcat-style options are taken out.
pub struct Args {
    /// Configuration from `KAFKA_*` variables, then `-F` files, then `-X` pairs, then `-b`.
    pub config: Config,
    /// The remaining positional arguments and flags, in order.
    pub rest: Vec<String>,
}

/// Parses `-b BROKERS`, `-X key=value` and `-F file` out of the process arguments.
pub fn parse_args(usage: &str) -> Args {
    let mut config = Config::from_env("KAFKA_");
    let mut rest = Vec::new();
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "-h" | "--help" => {
                eprintln!("{usage}");
                std::process::exit(0);
            }
            "-b" => {
                let v = it.next().unwrap_or_else(|| die(usage, "-b needs a value"));
                config.set("bootstrap.servers", v);
            }
            "-X" => {
                let v = it
                    .next()
                    .unwrap_or_else(|| die(usage, "-X needs key=value"));
                let (k, val) = v
                    .split_once('=')
                    .unwrap_or_else(|| die(usage, &format!("-X {v}: expected key=value")));
                config.set(k, val);
            }
            "-F" => {
                let path = it.next().unwrap_or_else(|| die(usage, "-F needs a file"));
                match Config::from_properties_file(&path) {
                    Ok(c) => config.extend(c.iter().map(|(k, v)| (k.to_string(), v.to_string()))),
                    Err(e) => die(usage, &e.to_string()),
                }
            }
            _ => rest.push(a),
        }
    }
    Args { config, rest }
}

/// Prints an error and the usage, then exits with status 2.
pub fn die(usage: &str, msg: &str) -> ! {
    eprintln!("error: {msg}\n\n{usage}");
    std::process::exit(2)
}

/// `mock` starts an in-process [`rkafka::MockCluster`] (kept alive by the returned value) and
/// gives its address; anything else is taken as the bootstrap servers.
pub fn bootstrap_or_mock(arg: &str) -> (Option<rkafka::MockCluster>, String) {
    if arg != "mock" {
        return (None, arg.to_string());
    }
    let cluster = rkafka::MockCluster::new(1).expect("an in-process mock cluster");
    let servers = cluster.bootstrap_servers().to_string();
    eprintln!("mock cluster at {servers}");
    (Some(cluster), servers)
}
