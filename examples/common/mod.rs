//! Shared helpers for the examples: kcat-style `-b`, `-X key=value` and `-F file.properties`,
//! example-specific options, the embedded mock cluster, and printing.
#![allow(dead_code)]

use std::collections::HashMap;

use rkafka::{Config, MockCluster};

/// Command-line arguments after the kcat-style options are taken out.
pub struct Args {
    /// Configuration from `KAFKA_*` variables, then `-F` files, then `-X` pairs, then `-b`.
    pub config: Config,
    /// The remaining positional arguments and flags, in order.
    pub rest: Vec<String>,
}

/// Parses `-b BROKERS`, `-X key=value` and `-F file` out of the process arguments.
pub fn parse_args(usage: &str) -> Args {
    let mut config = Config::from_env("KAFKA_").unwrap_or_else(|e| die(usage, e.str()));
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

/// Prints an error and exits with status 1.
pub fn fail(msg: &str) -> ! {
    eprintln!("error: {msg}");
    std::process::exit(1)
}

/// An example's own options (`-t topic`, `--tls`, ...) and its positional arguments.
pub struct Options {
    values: HashMap<String, Vec<String>>,
    /// The arguments that are neither options nor their values, in order.
    pub positional: Vec<String>,
}

impl Options {
    /// Splits `rest` (from [`parse_args`]) into the options named in `with_value` (each takes
    /// the next argument, and may be repeated), the bare `flags`, and positional arguments.
    pub fn parse(rest: Vec<String>, usage: &str, with_value: &[&str], flags: &[&str]) -> Options {
        let mut values: HashMap<String, Vec<String>> = HashMap::new();
        let mut positional = Vec::new();
        let mut it = rest.into_iter();
        while let Some(a) = it.next() {
            if with_value.contains(&a.as_str()) {
                let v = it
                    .next()
                    .unwrap_or_else(|| die(usage, &format!("{a} needs a value")));
                values.entry(a).or_default().push(v);
            } else if flags.contains(&a.as_str()) {
                values.entry(a).or_default();
            } else {
                positional.push(a);
            }
        }
        Options { values, positional }
    }

    /// Exits with the usage if there are positional arguments (for examples that take none).
    pub fn no_positional(&self, usage: &str) {
        if let Some(extra) = self.positional.first() {
            die(usage, &format!("unexpected argument {extra:?}"));
        }
    }

    /// The (last) value of option `name`, if given.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.all(name).last().map(String::as_str)
    }

    /// Every value of option `name`, in order.
    pub fn all(&self, name: &str) -> &[String] {
        self.values.get(name).map_or(&[], Vec::as_slice)
    }

    /// Whether the bare flag `name` was given.
    pub fn has(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }

    /// The value of option `name` parsed as a `T`; exits with the usage if it does not parse.
    pub fn parsed<T: std::str::FromStr>(&self, name: &str, usage: &str) -> Option<T> {
        self.get(name).map(|v| {
            v.parse()
                .unwrap_or_else(|_| die(usage, &format!("{name} {v:?}: not a valid value")))
        })
    }
}

/// Starts librdkafka's embedded mock cluster with `brokers` brokers and creates `topics`
/// (name, partitions; replicated on every broker). It lives as long as the returned value.
pub fn start_mock(brokers: i32, topics: &[(&str, i32)]) -> MockCluster {
    let cluster = MockCluster::new(brokers)
        .unwrap_or_else(|e| fail(&format!("cannot start the mock cluster: {e}")));
    for (topic, partitions) in topics {
        cluster
            .create_topic(topic, *partitions, brokers)
            .unwrap_or_else(|e| fail(&e.to_string()));
    }
    cluster
}

/// Without bootstrap servers in `config` (no `-b`, `-X bootstrap.servers=`, `-F` entry or
/// `KAFKA_BOOTSTRAP_SERVERS`), starts the embedded mock cluster (see [`start_mock`]) and points
/// `config` at it; otherwise returns `None`. Says on stdout which one it uses.
pub fn bootstrap_or_mock(
    config: &mut Config,
    brokers: i32,
    topics: &[(&str, i32)],
) -> Option<MockCluster> {
    let given = config
        .get("bootstrap.servers")
        .or(config.get("metadata.broker.list"));
    if let Some(servers) = given {
        println!("bootstrap.servers = {servers}");
        return None;
    }
    let cluster = start_mock(brokers, topics);
    println!(
        "no bootstrap servers given (-b or KAFKA_BOOTSTRAP_SERVERS): using librdkafka's embedded mock cluster at {}",
        cluster.bootstrap_servers()
    );
    config.set("bootstrap.servers", cluster.bootstrap_servers());
    Some(cluster)
}

/// A key or value for printing: its UTF-8 text (lossy), or `None` like Python prints it.
pub fn show(bytes: Option<&[u8]>) -> String {
    bytes.map_or_else(
        || "None".to_string(),
        |b| String::from_utf8_lossy(b).into_owned(),
    )
}

/// For a positional `<bootstrap-servers|mock>`: `mock` starts an in-process
/// [`rkafka::MockCluster`] (kept alive by the returned value) and gives its address; anything
/// else is taken as the bootstrap servers.
pub fn servers_or_mock(arg: &str) -> (Option<rkafka::MockCluster>, String) {
    if arg != "mock" {
        return (None, arg.to_string());
    }
    let cluster = rkafka::MockCluster::new(1).expect("an in-process mock cluster");
    let servers = cluster.bootstrap_servers().to_string();
    eprintln!("mock cluster at {servers}");
    (Some(cluster), servers)
}
