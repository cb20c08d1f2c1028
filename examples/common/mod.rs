//! Shared helpers for the examples: kcat-style `-b`, `-X key=value` and `-F file.properties`
//! with each example's own options (parsed by `lexopt`), the embedded mock cluster, and printing.
#![allow(dead_code)]

use std::collections::HashMap;

use lexopt::Arg::{Long, Short, Value};
use rkafka::{Config, MockCluster};

/// The command line: librdkafka configuration, the example's own options, positional arguments.
pub struct Args {
    /// Configuration from `KAFKA_*` variables, then `-F` files, `-X` pairs and `-b`, in order.
    pub config: Config,
    /// The example's options (`-t topic`, `--tls`, ...) by name, each value in order.
    values: HashMap<String, Vec<String>>,
    /// The arguments that are neither options nor their values, in order.
    pub positional: Vec<String>,
}

/// Parses the process arguments: `-b BROKERS`, `-X key=value`, `-F file`, `-h`/`--help`, the
/// example's options in `with_value` (each takes a value and may be repeated) and `flags`
/// (bare), and positional arguments. Any other option, or a missing value, is a usage error
/// (exit 2). A negative number (`-1`) is a positional argument, not an option.
pub fn parse_args(usage: &str, with_value: &[&str], flags: &[&str]) -> Args {
    let mut args = Args {
        config: Config::from_env("KAFKA_").unwrap_or_else(|e| die(usage, e.str())),
        values: HashMap::new(),
        positional: Vec::new(),
    };
    let mut parser = lexopt::Parser::from_env();
    let fail = |e: lexopt::Error| -> ! { die(usage, &e.to_string()) };
    while let Some(arg) = parser.next().unwrap_or_else(|e| fail(e)) {
        let value = |p: &mut lexopt::Parser| -> String {
            p.value()
                .unwrap_or_else(|e| fail(e))
                .to_string_lossy()
                .into_owned()
        };
        match arg {
            Short('h') | Long("help") => {
                eprintln!("{usage}");
                std::process::exit(0);
            }
            Short('b') => {
                args.config.set("bootstrap.servers", value(&mut parser));
            }
            Short('X') => {
                let v = value(&mut parser);
                let (k, val) = v
                    .split_once('=')
                    .unwrap_or_else(|| die(usage, &format!("-X {v}: expected key=value")));
                args.config.set(k, val);
            }
            Short('F') => match Config::from_properties_file(value(&mut parser)) {
                Ok(c) => args
                    .config
                    .extend(c.iter().map(|(k, v)| (k.to_string(), v.to_string()))),
                Err(e) => die(usage, &e.to_string()),
            },
            Short(d) if d.is_ascii_digit() => {
                // lexopt reads `-1` as option `1`; the rest of the number is its "value".
                let rest = parser
                    .optional_value()
                    .map(|v| v.to_string_lossy().into_owned());
                args.positional
                    .push(format!("-{d}{}", rest.unwrap_or_default()));
            }
            Value(v) => args.positional.push(v.to_string_lossy().into_owned()),
            other => {
                let name = match &other {
                    Short(c) => format!("-{c}"),
                    Long(l) => format!("--{l}"),
                    Value(_) => unreachable!("handled above"),
                };
                if with_value.contains(&name.as_str()) {
                    let v = value(&mut parser);
                    args.values.entry(name).or_default().push(v);
                } else if flags.contains(&name.as_str()) {
                    args.values.entry(name).or_default();
                } else {
                    fail(other.unexpected());
                }
            }
        }
    }
    args
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

impl Args {
    /// Exits with the usage if there are positional arguments (for examples that take none).
    pub fn no_positional(&self, usage: &str) {
        if let Some(extra) = self.positional.first() {
            die(usage, &format!("unexpected argument {extra:?}"));
        }
    }

    /// The positional arguments as exactly `N` values, or the usage error `what`.
    pub fn positional_exactly<const N: usize>(&self, usage: &str, what: &str) -> [String; N] {
        <[String; N]>::try_from(self.positional.clone()).unwrap_or_else(|_| die(usage, what))
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
