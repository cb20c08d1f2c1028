//! Test support: brokers each test starts and stops itself (tansu on free loopback ports, a
//! pre-filled mock cluster), unique topic names, running confluent-kafka-python scripts,
//! captured log output, and time bounds for tests that could hang.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rkafka::Config;

pub mod oauth_front;
pub mod registry;

/// The cache `scripts/install-brokers.sh` fills (outside the repository).
fn cache_dir() -> PathBuf {
    if let Ok(c) = std::env::var("RKAFKA_CACHE") {
        return PathBuf::from(c);
    }
    let home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
    Path::new(&home).join(".cache/rkafka")
}

fn binary(env: &str, default: PathBuf) -> PathBuf {
    let p = std::env::var(env).map(PathBuf::from).unwrap_or(default);
    assert!(
        p.exists(),
        "test broker binary {} is missing: run `scripts/install-brokers.sh` (or set {env})",
        p.display()
    );
    p
}

/// The prebuilt tansu (plain, memory storage).
pub fn tansu_bin() -> PathBuf {
    binary("RKAFKA_TANSU_BIN", cache_dir().join("bin/tansu-prebuilt"))
}

/// tansu 0.6.0 built with sqlite storage and SCRAM support.
pub fn tansu_sasl_bin() -> PathBuf {
    binary(
        "RKAFKA_TANSU_SASL_BIN",
        cache_dir().join("tansu-0.6.0/bin/tansu"),
    )
}

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

static SEQ: AtomicU32 = AtomicU32::new(0);

/// A topic/group name unique to this process and call.
pub fn unique(prefix: &str) -> String {
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    )
}

/// A scratch directory removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(prefix: &str) -> TempDir {
        let p = std::env::temp_dir().join(unique(&format!("rkafka-{prefix}")));
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A tansu broker process on 127.0.0.1, killed (and its files removed) on drop.
pub struct Tansu {
    child: Option<Child>,
    pub port: u16,
    pub dir: TempDir,
    bin: PathBuf,
    args: Vec<String>,
}

pub const SCRAM_USERS: &[(&str, &str, &str)] = &[
    ("alice", "alice-secret", "scram256"),
    ("bob", "bob-secret", "scram512"),
];

impl Tansu {
    fn spawn(bin: &Path, dir: &TempDir, port: u16, extra: &[&str]) -> Child {
        Tansu::spawn_advertising(bin, dir, port, port, extra)
    }

    /// Like `spawn`, telling clients (in metadata) to connect to `advertised` instead.
    fn spawn_advertising(
        bin: &Path,
        dir: &TempDir,
        port: u16,
        advertised: u16,
        extra: &[&str],
    ) -> Child {
        let log = std::fs::File::create(dir.0.join(format!("broker-{port}.log"))).unwrap();
        let mut cmd = Command::new(bin);
        cmd.current_dir(&dir.0)
            .arg("broker")
            .args(["--cluster-id", "rkafka-test"])
            .arg("--listener-url")
            .arg(format!("tcp://127.0.0.1:{port}"))
            .arg("--advertised-listener-url")
            .arg(format!("tcp://127.0.0.1:{advertised}"))
            .args(extra)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log);
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = child.try_wait() {
                let log = std::fs::read_to_string(dir.0.join(format!("broker-{port}.log")))
                    .unwrap_or_default();
                panic!("tansu exited ({status}) before listening on {port}:\n{log}");
            }
            assert!(
                Instant::now() < deadline,
                "tansu did not listen on {port} within 30 s"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        child
    }

    /// Starts `bin` with `args` in a fresh scratch directory on a free port.
    fn start(bin: PathBuf, prefix: &str, args: &[&str]) -> Tansu {
        Tansu::start_advertising(bin, prefix, args, None)
    }

    /// Like `start`; with `advertised`, metadata tells clients to connect there instead.
    fn start_advertising(
        bin: PathBuf,
        prefix: &str,
        args: &[&str],
        advertised: Option<u16>,
    ) -> Tansu {
        let dir = TempDir::new(prefix);
        let port = free_port();
        let child = Tansu::spawn_advertising(&bin, &dir, port, advertised.unwrap_or(port), args);
        Tansu {
            child: Some(child),
            port,
            dir,
            bin,
            args: args.iter().map(|a| a.to_string()).collect(),
        }
    }

    /// The prebuilt tansu with memory storage: plain produce/consume/admin tests.
    pub fn plain() -> Tansu {
        Tansu::start(
            tansu_bin(),
            "tansu",
            &["--storage-engine", "memory://tansu/"],
        )
    }

    /// The prebuilt tansu (memory storage) advertising `advertised` as its address, so that
    /// every client connection goes through a front listening there.
    pub fn plain_advertising(advertised: u16) -> Tansu {
        Tansu::start_advertising(
            tansu_bin(),
            "tansu-front",
            &["--storage-engine", "memory://tansu/"],
            Some(advertised),
        )
    }

    /// tansu 0.6.0 on sqlite storage (survives restarts), without authentication.
    pub fn sqlite() -> Tansu {
        Tansu::start(
            tansu_sasl_bin(),
            "tansu-sqlite",
            &["--storage-engine", "sqlite://broker.db"],
        )
    }

    /// tansu 0.6.0 on sqlite with `--authentication` and the [`SCRAM_USERS`] provisioned
    /// (through a second, unauthenticated broker on the same file, as tansu requires).
    pub fn sasl() -> Tansu {
        let bin = tansu_sasl_bin();
        let dir = TempDir::new("tansu-sasl");
        let admin_port = free_port();
        let mut admin = Tansu::spawn(
            &bin,
            &dir,
            admin_port,
            &["--storage-engine", "sqlite://broker.db"],
        );
        for (user, password, mech) in SCRAM_USERS {
            let out = Command::new(&bin)
                .current_dir(&dir.0)
                .args([
                    "user",
                    "create",
                    "--broker",
                    &format!("tcp://127.0.0.1:{admin_port}"),
                    "--mechanism",
                    mech,
                    user,
                    password,
                ])
                .output()
                .expect("run tansu user create");
            assert!(
                out.status.success(),
                "tansu user create {user}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let _ = admin.kill();
        let _ = admin.wait();
        let port = free_port();
        let args: Vec<String> = ["--storage-engine", "sqlite://broker.db", "--authentication"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let child = Tansu::spawn(
            &bin,
            &dir,
            port,
            &args.iter().map(String::as_str).collect::<Vec<_>>(),
        );
        Tansu {
            child: Some(child),
            port,
            dir,
            bin,
            args,
        }
    }

    pub fn bootstrap(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// A consumer config for `group` reading from the beginning, with the short session
    /// timeout tansu needs (it holds JoinGroup for about half of it).
    pub fn group_config(&self, group: &str) -> Config {
        earliest_group(self.config(), group).with("heartbeat.interval.ms", "500")
    }

    /// A config with this broker's address and test-friendly timeouts.
    pub fn config(&self) -> Config {
        Config::from([("bootstrap.servers", self.bootstrap())])
    }

    /// [`Tansu::config`] with SASL_PLAINTEXT credentials.
    pub fn sasl_config(&self, mechanism: &str, user: &str, password: &str) -> Config {
        self.config()
            .with("security.protocol", "SASL_PLAINTEXT")
            .with("sasl.mechanisms", mechanism)
            .with("sasl.username", user)
            .with("sasl.password", password)
    }

    /// Runs tansu's own client (`tansu topic ...`, `tansu cat ...`) against this broker's port
    /// directly: no SASL, no front, no librdkafka. Returns stdout.
    fn direct(&self, args: &[&str]) -> String {
        let url = format!("tcp://127.0.0.1:{}", self.port);
        let out = Command::new(&self.bin)
            .args(args)
            .args(["--broker", &url])
            .output()
            .expect("run tansu's client");
        assert!(
            out.status.success(),
            "tansu {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8 output")
    }

    /// The topics this broker holds with their partition counts, listed over a direct
    /// connection ([`Tansu::direct`]).
    pub fn topics_direct(&self) -> Vec<(String, usize)> {
        let list: Vec<serde_json::Value> =
            serde_json::from_str(&self.direct(&["topic", "list"])).expect("tansu topic list JSON");
        list.iter()
            .map(|t| {
                let name = t["name"].as_str().expect("topic name").to_string();
                (name, t["partitions"].as_array().map_or(0, Vec::len))
            })
            .collect()
    }

    /// Every value in every partition of `topic`, read over a direct connection
    /// ([`Tansu::direct`]). tansu's client decodes values as JSON (there is no schema): a value
    /// that is not JSON shows as `Null`.
    pub fn values_direct(&self, topic: &str) -> Vec<serde_json::Value> {
        let (_, partitions) = self
            .topics_direct()
            .into_iter()
            .find(|(t, _)| t == topic)
            .unwrap_or_else(|| panic!("no topic {topic} on tansu"));
        let mut values = Vec::new();
        for p in 0..partitions {
            let out = self.direct(&[
                "cat",
                "consume",
                topic,
                "--partition",
                &p.to_string(),
                "--max-wait-time-ms",
                "200",
            ]);
            for line in out.lines().filter(|l| !l.trim().is_empty()) {
                let batch: Vec<serde_json::Value> =
                    serde_json::from_str(line).expect("tansu cat JSON");
                values.extend(batch.into_iter().map(|r| r["value"].clone()));
            }
        }
        values
    }

    /// Kills the broker (SIGKILL) without cleaning its storage.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts the broker again on the same port and storage.
    pub fn restart(&mut self) {
        self.kill();
        let args: Vec<&str> = self.args.iter().map(String::as_str).collect();
        self.child = Some(Tansu::spawn(&self.bin, &self.dir, self.port, &args));
    }
}

impl Drop for Tansu {
    fn drop(&mut self) {
        self.kill();
    }
}

/// `config` for a consumer in `group` reading from the beginning, with the short session
/// timeout tansu needs (it holds JoinGroup for about half of it).
pub fn earliest_group(config: Config, group: &str) -> Config {
    config
        .with("group.id", group)
        .with("auto.offset.reset", "earliest")
        .with("session.timeout.ms", "6000")
}

/// Produces each of `values` to `topic` and flushes, all within 30 s.
pub fn produce_values(producer: &rkafka::Producer, topic: &str, values: &[String]) {
    for v in values {
        producer
            .produce(rkafka::Record::new(topic).value(v))
            .unwrap();
    }
    assert_eq!(producer.flush(Duration::from_secs(30)), 0, "undelivered");
}

/// Subscribes `consumer` to `topic` and polls until it has read `n` distinct values (UTF-8; a
/// consumer error fails the test) or 60 s pass; returns what it read.
pub fn read_back(consumer: &rkafka::Consumer, topic: &str, n: usize) -> BTreeSet<String> {
    consumer.subscribe(&[topic]).unwrap();
    let mut got = BTreeSet::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while got.len() < n && Instant::now() < deadline {
        if let Some(m) = consumer.poll(Duration::from_millis(200)) {
            let m = m.unwrap();
            got.insert(String::from_utf8(m.value().unwrap_or_default().to_vec()).unwrap());
        }
    }
    got
}

/// Creates `topic` with `partitions` partitions through confluent-kafka-python's AdminClient
/// (rkafka's own admin client comes with the admin issue). `extra` adds config entries.
pub fn create_topic_py(bootstrap: &str, topic: &str, partitions: i32, extra: &[(&str, &str)]) {
    let extra_json: Vec<String> = extra.iter().map(|(k, v)| format!("{k:?}: {v:?}")).collect();
    let script = format!(
        r#"
import sys
from confluent_kafka.admin import AdminClient, NewTopic
conf = {{"bootstrap.servers": {bootstrap:?}, {extra}}}
a = AdminClient(conf)
fs = a.create_topics([NewTopic({topic:?}, num_partitions={partitions}, replication_factor=1)], request_timeout=15)
for t, f in fs.items():
    f.result(timeout=20)
"#,
        extra = extra_json.join(", ")
    );
    run_python(&script, &[]);
}

/// The Python of the venv holding confluent-kafka-python 2.16.1 (newer calls than 2.12.1, such
/// as the partitioner functions), which `scripts/install-brokers.sh` creates.
pub fn python_2_16() -> PathBuf {
    binary(
        "RKAFKA_PYTHON_2_16",
        cache_dir().join("py-2.16.1/bin/python"),
    )
}

/// Runs a Python script (confluent-kafka-python must be installed); returns stdout.
pub fn run_python(script: &str, args: &[&str]) -> String {
    run_python_with(Path::new("python3"), script, args)
}

/// Runs `script` with the interpreter `python`; returns stdout, failing the test with both
/// outputs if the script fails.
pub fn run_python_with(python: &Path, script: &str, args: &[&str]) -> String {
    let out = Command::new(python)
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
    assert!(
        out.status.success(),
        "python failed ({}):\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// Runs a script file from tests/py.
pub fn run_python_file(name: &str, args: &[&str]) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/py")
        .join(name);
    let script = std::fs::read_to_string(&path).unwrap();
    run_python(&script, args)
}

/// Reads a spawned child's stdout line by line into a channel and collects its stderr, each on
/// its own thread, so a test can wait for lines with a timeout and show stderr on failure.
pub fn capture_output(child: &mut Child) -> (Receiver<String>, Arc<Mutex<String>>) {
    let (tx, lines) = mpsc::channel();
    let out = child.stdout.take().expect("stdout piped");
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let stderr = Arc::new(Mutex::new(String::new()));
    let (mut err, buf) = (child.stderr.take().expect("stderr piped"), stderr.clone());
    std::thread::spawn(move || {
        let mut chunk = [0u8; 4096];
        while let Ok(n) = err.read(&mut chunk) {
            if n == 0 {
                break;
            }
            buf.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&chunk[..n]));
        }
    });
    (lines, stderr)
}

/// What [`capture_output`] collected of stderr once it contains `needle`, or after 2 s: its
/// reader thread may still be draining the pipe when the child has exited.
pub fn stderr_with(stderr: &Mutex<String>, needle: &str) -> String {
    let start = Instant::now();
    while !stderr.lock().unwrap().contains(needle) && start.elapsed() < Duration::from_secs(2) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let text = stderr.lock().unwrap().clone();
    text
}

/// The binary of example `name`, built by `cargo test` next to the test binaries
/// (target/<profile>/deps/<test> -> target/<profile>/examples/<name>).
pub fn example_bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let p = exe
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("examples")
        .join(name);
    assert!(
        p.exists(),
        "example binary {} not built (run via `cargo test`)",
        p.display()
    );
    p
}

/// Runs example `name` with `args`, `stdin` as its input and no `KAFKA_BOOTSTRAP_SERVERS` from
/// the environment; returns its output.
pub fn run_example(name: &str, args: &[&str], stdin: &str) -> std::process::Output {
    let mut child = Command::new(example_bin(name))
        .env_remove("KAFKA_BOOTSTRAP_SERVERS")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// Log lines captured by a client's `logger` closure (shared with the test through an `Arc`).
#[derive(Clone, Default)]
pub struct LogLines(pub Arc<Mutex<Vec<String>>>);

impl LogLines {
    /// A logger closure for `.logger(..)` that records `"<facility> <message>"` (and prints it
    /// to stderr when `RKAFKA_TEST_LOG` is set, for debugging a test).
    pub fn logger(&self) -> impl Fn(&rkafka::LogRecord<'_>) + Send + Sync + 'static {
        let lines = self.0.clone();
        let echo = std::env::var_os("RKAFKA_TEST_LOG").is_some();
        move |r| {
            if echo {
                eprintln!(
                    "{:?} {} {} {}",
                    Instant::now(),
                    r.client_name,
                    r.facility,
                    r.message
                );
            }
            lines
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(format!("{} {}", r.facility, r.message))
        }
    }

    /// True if any captured line satisfies `f`.
    pub fn any(&self, f: impl Fn(&str) -> bool) -> bool {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .any(|l| f(l))
    }

    /// A copy of every line captured so far.
    pub fn lines(&self) -> Vec<String> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// Runs `body` on its own thread and fails the test if it has not finished within `limit`
/// (a hung call then fails the test instead of hanging the suite). Panics in `body` propagate.
pub fn within<T: Send + 'static>(limit: Duration, body: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    let handle = std::thread::spawn(move || {
        let out = body();
        let _ = tx.send(());
        out
    });
    match rx.recv_timeout(limit) {
        Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected) => match handle.join() {
            Ok(v) => v,
            Err(p) => std::panic::resume_unwind(p),
        },
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("the test did not finish within {limit:?}: something hung")
        }
    }
}

/// Runs `f` on another thread after `delay` (to end a fault while the test thread is blocked).
pub fn after(delay: Duration, f: impl FnOnce() + Send + 'static) {
    std::thread::spawn(move || {
        std::thread::sleep(delay);
        f();
    });
}

/// A one-broker mock cluster with `topic` (`partitions` partitions, no group rebalance delay)
/// holding `messages` messages `m0`, `m1`, ... spread round-robin over the partitions.
pub fn mock_with(topic: &str, partitions: i32, messages: usize) -> rkafka::MockCluster {
    let c = rkafka::MockCluster::new(1).unwrap();
    c.create_topic(topic, partitions, 1).unwrap();
    c.set_group_initial_rebalance_delay(Duration::ZERO);
    let p = rkafka::Producer::new([("bootstrap.servers", c.bootstrap_servers())]).unwrap();
    for i in 0..messages {
        p.produce(
            rkafka::Record::new(topic)
                .value(&format!("m{i}"))
                .partition((i % partitions as usize) as i32),
        )
        .unwrap();
    }
    assert_eq!(p.flush(Duration::from_secs(10)), 0);
    c
}

/// A consumer config for `group` on the mock cluster, reading from the earliest offset.
pub fn group_conf(c: &rkafka::MockCluster, group: &str) -> Vec<(&'static str, String)> {
    vec![
        ("bootstrap.servers", c.bootstrap_servers().to_string()),
        ("group.id", group.to_string()),
        ("auto.offset.reset", "earliest".to_string()),
    ]
}

/// Everything logged through the `log` crate in this test binary (librdkafka's log lines
/// take this path when a client has no `.logger(..)`): (target, message).
pub struct LogCapture(pub Mutex<Vec<(String, String)>>);

impl log::Log for LogCapture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, r: &log::Record<'_>) {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((r.target().to_string(), r.args().to_string()));
    }
    fn flush(&self) {}
}

impl LogCapture {
    /// The messages logged so far by the client named `client` (target `rkafka::<client>`).
    pub fn of_client(&self, client: &str) -> Vec<String> {
        let target = format!("rkafka::{client}");
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .filter(|(t, _)| *t == target)
            .map(|(_, m)| m.clone())
            .collect()
    }

    /// The messages captured so far.
    pub fn messages(&self) -> Vec<String> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|(_, m)| m.clone())
            .collect()
    }
}

/// Installs (once per test binary) and returns the [`LogCapture`] logger.
pub fn captured_logs() -> &'static LogCapture {
    static C: std::sync::OnceLock<&'static LogCapture> = std::sync::OnceLock::new();
    C.get_or_init(|| {
        let c: &'static LogCapture = Box::leak(Box::new(LogCapture(Mutex::new(Vec::new()))));
        log::set_logger(c).unwrap();
        log::set_max_level(log::LevelFilter::Trace);
        c
    })
}

/// What a delivery closure saw: `None` until it ran, then `Some(None)` if the message was
/// delivered, else `Some(Some(error))`.
pub type Fate = Arc<Mutex<Option<Option<rkafka::KafkaError>>>>;

/// Produces one message (`x`) to `topic` whose delivery closure records its [`Fate`].
pub fn produce_one(producer: &rkafka::Producer, topic: &str) -> Fate {
    let fate: Fate = Arc::default();
    let f = fate.clone();
    producer
        .produce(
            rkafka::Record::new(topic)
                .value("x")
                .on_delivery(move |r| *f.lock().unwrap() = Some(r.error().cloned())),
        )
        .unwrap();
    fate
}

/// [`produce_one`], then a bounded flush: the error code the closure saw (`Some(None)` if
/// delivered, `None` if the closure never ran).
pub fn fate_of_one_message(
    producer: &rkafka::Producer,
    topic: &str,
) -> Option<Option<rkafka::ErrorCode>> {
    let fate = produce_one(producer, topic);
    assert_eq!(producer.flush(Duration::from_secs(10)), 0);
    let code = fate
        .lock()
        .unwrap()
        .as_ref()
        .map(|e| e.as_ref().map(|e| e.code()));
    code
}
