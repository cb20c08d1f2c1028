//! Delivery semantics, measured: a consumer is killed with SIGKILL mid-stream, without closing;
//! a second consumer in the same group then finishes the topic. Four ways to commit:
//! - `commit`: a synchronous commit of each message after processing
//!   (`enable.auto.commit=false`): nothing lost, at most one duplicate per partition;
//! - `store`: `store_offsets` of each message after processing (`enable.auto.offset.store=false`,
//!   auto commit on): nothing lost, duplicates bounded by the commit interval;
//! - `auto_poll`: plain auto commit with a `poll()` loop (the Python default): nothing lost —
//!   an offset is stored only when `poll` hands the message over, and this loop's side effect
//!   comes before the next `poll` — and duplicates bounded by the commit interval. It is
//!   at-least-once, not at-most-once as folklore says;
//! - `auto_batch`: auto commit with `consume(50)` batches: the whole batch's offsets are stored
//!   when `consume` returns, so a kill mid-batch LOSES the batch's unprocessed rest (fewer than
//!   50 messages, all from the last batch; 25 here, asserted non-zero) — the case that needs
//!   `commit`/`store` mode.
//!
//! Every test prints its loss and duplicate counts (`--nocapture`); the guide's
//! delivery-semantics page quotes them.
//!
//! The consumers are child PROCESSES: this test binary re-run with `--exact consumer_at_least_once::child_consumer`, the
//! child test doing nothing unless `RKAFKA_CHILD_MODE` is set. A child prints
//! `PROCESSED <partition> <offset>` (flushed) for each message BEFORE committing or storing it,
//! so whatever the parent reads is exactly what was processed.
//!
//! Broker: tansu 0.6.0 on sqlite (its high watermark, hence `_PARTITION_EOF`, is exact).

use crate::common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{create_topic_py, unique, Tansu};
use rkafka::{Consumer, ErrorCode, Offset, Producer, Rebalance, Record, TopicPartition};

const PARTITIONS: i32 = 3;
const MESSAGES: usize = 2_000;
/// The first consumer is killed after this many processed messages (~40 %).
const KILL_AFTER: usize = 800;
/// `consume(BATCH)` in `auto_batch` mode.
const BATCH: usize = 50;
const CHILD_TEST: &str = "consumer_at_least_once::child_consumer";

// ---------------------------------------------------------------------------------------------
// The child: a consumer process.

/// Runs only as a child process (`RKAFKA_CHILD_MODE=commit|store`); a no-op in a normal run.
#[test]
fn child_consumer() {
    let Ok(mode) = std::env::var("RKAFKA_CHILD_MODE") else {
        return;
    };
    let env = |k: &str| std::env::var(k).unwrap_or_else(|_| panic!("child needs {k}"));
    run_child(
        &mode,
        &env("RKAFKA_CHILD_BOOTSTRAP"),
        &env("RKAFKA_CHILD_TOPIC"),
        &env("RKAFKA_CHILD_GROUP"),
    );
}

fn say(line: String) {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}").unwrap();
    out.flush().unwrap();
}

fn run_child(mode: &str, bootstrap: &str, topic: &str, group: &str) {
    let mut conf = rkafka::Config::from([
        ("bootstrap.servers", bootstrap),
        ("group.id", group),
        ("auto.offset.reset", "earliest"),
        ("session.timeout.ms", "6000"),
        ("heartbeat.interval.ms", "500"),
        ("max.poll.interval.ms", "20000"),
    ]);
    // `auto_batch` must use librdkafka's batch call, which `consume` avoids when EOF events
    // are on (see `Consumer::consume`); it finds the end by watermarks instead.
    if mode != "auto_batch" {
        conf.set("enable.partition.eof", "true");
    }
    let processing = match mode {
        "commit" => {
            conf.set("enable.auto.commit", "false");
            Duration::from_millis(1)
        }
        "store" => {
            conf.set("enable.auto.commit", "true");
            conf.set("auto.commit.interval.ms", "100");
            conf.set("enable.auto.offset.store", "false");
            Duration::from_millis(2)
        }
        "auto_poll" | "auto_batch" => {
            conf.set("enable.auto.commit", "true");
            conf.set("auto.commit.interval.ms", "100");
            // A batch takes 500 ms in `auto_batch`: several auto commits run while it is
            // processed, so a kill mid-batch finds its unprocessed rest already committed.
            Duration::from_millis(if mode == "auto_batch" { 10 } else { 2 })
        }
        other => panic!("unknown child mode {other}"),
    };
    let consumer = Consumer::new(conf).unwrap();
    consumer
        .subscribe_with(
            &[topic],
            Rebalance::new()
                .on_assign(|_, parts| {
                    for p in parts.iter() {
                        say(format!("ASSIGNED {} {}", p.partition, p.offset.raw()));
                    }
                })
                .on_revoke(|_, parts| {
                    for p in parts.iter() {
                        say(format!("REVOKED {}", p.partition));
                    }
                }),
        )
        .unwrap();
    let mut eof = BTreeSet::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    while eof.len() < PARTITIONS as usize && Instant::now() < deadline {
        if mode == "auto_batch" {
            let batch = consumer.consume(BATCH, Duration::from_millis(100)).unwrap();
            // Every offset of the batch is stored (and may be auto-committed) from here on.
            for m in batch.iter().flatten() {
                say(format!("RECEIVED {} {}", m.partition(), m.offset()));
            }
            for m in batch.iter() {
                handle(m.map(|m| (m.partition(), m.offset())), processing, &mut eof);
            }
            if batch.is_empty() {
                at_end_by_watermarks(&consumer, topic, &mut eof);
            }
        } else if let Some(m) = consumer.poll(Duration::from_millis(100)) {
            let po = m
                .as_ref()
                .map(|m| (m.partition(), m.offset()))
                .map_err(Clone::clone);
            handle(po, processing, &mut eof);
            if let Ok(m) = m {
                let r = match mode {
                    "commit" => consumer.commit_message(&m).map(|_| ()),
                    "store" => consumer.store_offsets(&m),
                    _ => Ok(()),
                };
                if let Err(e) = r {
                    say(format!(
                        "COMMIT_FAILED {} {} {e}",
                        m.partition(),
                        m.offset()
                    ));
                }
            }
        }
    }
    let closed = consumer.close_timeout(Duration::from_secs(10));
    say(format!("DONE eof={} close={closed:?}", eof.len()));
}

/// `auto_batch` without EOF events: every partition whose position reached its high watermark
/// is at its end (printed as an EOF line, as an EOF event would be).
fn at_end_by_watermarks(consumer: &Consumer, topic: &str, eof: &mut BTreeSet<i32>) {
    for p in 0..PARTITIONS {
        if eof.contains(&p) {
            continue;
        }
        let tp = TopicPartition::new(topic, p);
        let Ok((_, high)) = consumer.get_watermark_offsets(&tp, Duration::from_secs(5), false)
        else {
            continue;
        };
        // A partition consumed to its end here has that position; one whose commit was already
        // at the end has no position (nothing consumed) but that commit.
        let mut at = consumer
            .position(std::slice::from_ref(&tp))
            .ok()
            .map(|v| v[0].offset);
        if at == Some(Offset::Invalid) {
            at = consumer
                .committed(&[tp], Duration::from_secs(5))
                .ok()
                .map(|v| v[0].offset);
        }
        if high > 0 && at == Some(Offset::At(high)) {
            say(format!("EOF {p} {high}"));
            eof.insert(p);
        }
    }
}

/// One message (or error) of the child: "processing" is printing the line, then `processing`
/// of work; the caller commits or stores afterwards.
fn handle(message: rkafka::Result<(i32, i64)>, processing: Duration, eof: &mut BTreeSet<i32>) {
    match message {
        Ok((partition, offset)) => {
            say(format!("PROCESSED {partition} {offset}"));
            std::thread::sleep(processing);
        }
        Err(e) if e.code() == ErrorCode::PartitionEof => {
            let tp = e.topic_partition().expect("EOF names its partition");
            say(format!("EOF {} {}", tp.partition, tp.offset.raw()));
            eof.insert(tp.partition);
        }
        Err(e) => say(format!("ERROR {e}")),
    }
}

// ---------------------------------------------------------------------------------------------
// The parent.

/// A child consumer process, killed on drop.
struct ChildProc {
    child: Child,
    lines: Receiver<String>,
    stderr: Arc<Mutex<String>>,
}

impl ChildProc {
    fn spawn(mode: &str, bootstrap: &str, topic: &str, group: &str) -> ChildProc {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", CHILD_TEST, "--nocapture", "--test-threads=1"])
            .env("RKAFKA_CHILD_MODE", mode)
            .env("RKAFKA_CHILD_BOOTSTRAP", bootstrap)
            .env("RKAFKA_CHILD_TOPIC", topic)
            .env("RKAFKA_CHILD_GROUP", group)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("re-run the test binary");
        let (lines, stderr) = common::capture_output(&mut child);
        ChildProc {
            child,
            lines,
            stderr,
        }
    }

    /// The next line of output; `None` once the child's stdout is closed. Panics at `deadline`.
    fn next_line(&self, deadline: Instant, what: &str) -> Option<String> {
        let left = deadline.saturating_duration_since(Instant::now());
        match self.lines.recv_timeout(left) {
            Ok(l) => Some(l),
            Err(RecvTimeoutError::Disconnected) => None,
            Err(RecvTimeoutError::Timeout) => {
                panic!(
                    "child consumer: no {what} in time; stderr:\n{}",
                    self.stderr.lock().unwrap()
                )
            }
        }
    }
}

impl Drop for ChildProc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What a child printed, parsed.
#[derive(Default, Debug)]
struct Output {
    processed: Vec<(i32, i64)>,
    /// `auto_batch`: every message of each batch `consume` returned, before processing.
    received: Vec<(i32, i64)>,
    assigned: Vec<(i32, i64)>,
    eof: BTreeMap<i32, i64>,
    commit_failures: Vec<String>,
    revoked: usize,
    done: Option<String>,
    /// Every line but PROCESSED ones, in order.
    log: Vec<String>,
}

impl Output {
    fn take(&mut self, line: &str) {
        // libtest prints "test child_consumer ... " without a newline before the child's output.
        let line = line.rsplit_once(" ... ").map_or(line, |(_, rest)| rest);
        let f: Vec<&str> = line.split_whitespace().collect();
        let num = |i: usize| {
            f[i].parse::<i64>()
                .unwrap_or_else(|_| panic!("bad child line {line:?}"))
        };
        match f.first().copied() {
            Some("PROCESSED") => self.processed.push((num(1) as i32, num(2))),
            Some("RECEIVED") => self.received.push((num(1) as i32, num(2))),
            Some("ASSIGNED") => self.assigned.push((num(1) as i32, num(2))),
            Some("EOF") => {
                self.eof.insert(num(1) as i32, num(2));
            }
            Some("REVOKED") => self.revoked += 1,
            Some("COMMIT_FAILED") => self.commit_failures.push(line.to_string()),
            Some("DONE") => self.done = Some(line.to_string()),
            _ => {} // libtest's own lines, ERROR lines (kept in the log only)
        }
        if !line.starts_with("PROCESSED") && !line.starts_with("RECEIVED") {
            self.log.push(line.to_string());
        }
    }

    fn per_partition(&self) -> BTreeMap<i32, Vec<i64>> {
        let mut m: BTreeMap<i32, Vec<i64>> = BTreeMap::new();
        for &(p, o) in &self.processed {
            m.entry(p).or_default().push(o);
        }
        m
    }
}

/// The group's committed offsets, read by a consumer that does not join the group.
fn committed(bootstrap: &str, topic: &str, group: &str) -> BTreeMap<i32, Option<i64>> {
    let c = Consumer::new([("bootstrap.servers", bootstrap), ("group.id", group)]).unwrap();
    let parts: Vec<TopicPartition> = (0..PARTITIONS)
        .map(|p| TopicPartition::new(topic, p))
        .collect();
    let got = c
        .committed(&parts, Duration::from_secs(10))
        .expect("committed offsets");
    c.close_timeout(Duration::from_secs(5)).unwrap();
    got.iter()
        .map(|t| {
            let o = match t.offset {
                Offset::At(n) => Some(n),
                Offset::Invalid => None,
                other => panic!("unexpected committed offset {other:?}"),
            };
            (t.partition, o)
        })
        .collect()
}

fn at_least_once(mode: &str) {
    let started = Instant::now();
    let broker = Tansu::sqlite();
    let bootstrap = broker.bootstrap();
    let topic = unique(&format!("alo-{mode}"));
    let group = unique(&format!("alo-{mode}-group"));
    create_topic_py(&bootstrap, &topic, PARTITIONS, &[]);

    // 2,000 messages over 3 partitions (explicit), every delivery confirmed.
    let delivered: Arc<Mutex<Vec<(i32, i64)>>> = Arc::default();
    let producer = Producer::new(broker.config().with("linger.ms", "10")).unwrap();
    let values: Vec<String> = (0..MESSAGES).map(|i| format!("m-{i}")).collect();
    for (i, v) in values.iter().enumerate() {
        let d = delivered.clone();
        let rec = Record::new(&topic)
            .partition(i as i32 % PARTITIONS)
            .value(v)
            .on_delivery(move |r| d.lock().unwrap().push(r.result().expect("delivered")));
        producer.produce_wait(rec, Duration::from_secs(30)).unwrap();
    }
    assert_eq!(producer.flush(Duration::from_secs(60)), 0);
    let all: BTreeSet<(i32, i64)> = delivered.lock().unwrap().iter().copied().collect();
    assert_eq!(all.len(), MESSAGES, "every message delivered once");
    let mut ends: BTreeMap<i32, i64> = BTreeMap::new();
    for &(p, o) in &all {
        let e = ends.entry(p).or_default();
        *e = (*e).max(o + 1);
    }
    for p in 0..PARTITIONS {
        let n = all.iter().filter(|x| x.0 == p).count() as i64;
        assert_eq!(ends.get(&p), Some(&n), "partition {p} holds offsets 0..{n}");
    }
    eprintln!("[{mode}] produced {MESSAGES} in {:?}", started.elapsed());

    // First consumer: killed (SIGKILL, no close) after ~40 % of the messages.
    let mut first = Output::default();
    {
        let child = ChildProc::spawn(mode, &bootstrap, &topic, &group);
        let deadline = Instant::now() + Duration::from_secs(60);
        // `auto_batch`: mid-batch, where the batch's rest is stored but not yet processed.
        let kill_after = KILL_AFTER + if mode == "auto_batch" { BATCH / 2 } else { 0 };
        while first.processed.len() < kill_after {
            let line = child.next_line(deadline, "progress").unwrap_or_else(|| {
                panic!(
                    "first child exited early: {first:?}; stderr:\n{}",
                    child.stderr.lock().unwrap()
                )
            });
            first.take(&line);
        }
        let mut child = child;
        child.child.kill().unwrap();
        let status = child.child.wait().unwrap();
        assert!(
            !status.success(),
            "the first child was killed, not finished: {status}"
        );
        // What it printed before dying (still in the pipe) was processed too.
        let deadline = Instant::now() + Duration::from_secs(10);
        while let Some(line) = child.next_line(deadline, "end of output") {
            first.take(&line);
        }
    }
    eprintln!(
        "[{mode}] first child processed {} (killed) at {:?}",
        first.processed.len(),
        started.elapsed()
    );
    assert!(
        first.done.is_none() && first.eof.len() < PARTITIONS as usize,
        "the first child was stopped mid-stream: {first:?}"
    );
    assert!(
        first.processed.len() < MESSAGES * 3 / 4,
        "killed mid-stream, not near the end: {}",
        first.processed.len()
    );

    // It consumed each partition in order from the start, without gaps.
    let first_pp = first.per_partition();
    for (p, offs) in &first_pp {
        assert_eq!(
            *offs,
            (0..offs.len() as i64).collect::<Vec<_>>(),
            "first child, partition {p}"
        );
    }
    let last_processed: BTreeMap<i32, i64> = first_pp
        .iter()
        .map(|(p, o)| (*p, *o.last().unwrap()))
        .collect();

    // The group's commits after the kill: never beyond what was processed — except in
    // `auto_batch` mode, where they may reach what `consume` returned (the loss).
    let after_kill = committed(&bootstrap, &topic, &group);
    eprintln!("[{mode}] first child's events: {:?}", first.log);
    eprintln!(
        "[{mode}] last processed {last_processed:?}, committed after the kill {after_kill:?}"
    );
    let mut limit = last_processed.clone();
    if mode == "auto_batch" {
        for &(p, o) in &first.received {
            let l = limit.entry(p).or_insert(o);
            *l = (*l).max(o);
        }
    }
    for p in 0..PARTITIONS {
        let c = after_kill[&p];
        match limit.get(&p) {
            None => assert_eq!(
                c, None,
                "partition {p}: committed without processing anything"
            ),
            Some(&last) => {
                let c = c.unwrap_or(0);
                assert!(
                    c <= last + 1,
                    "partition {p}: committed {c} beyond the processed (or, auto_batch, received) {last} + 1"
                );
                if mode == "commit" {
                    // Each message is committed synchronously right after it is processed: at
                    // most the one being committed when the kill came is uncommitted.
                    assert!(c >= last, "partition {p}: committed {c}, but {last} was processed and {} committed before it", last - 1);
                }
            }
        }
    }
    assert!(
        after_kill.values().any(Option::is_some),
        "the first child committed something before it was killed"
    );

    // Second consumer, same group: gets the partitions once the dead member has timed out,
    // and consumes until the end of every partition.
    let mut second = Output::default();
    {
        let child = ChildProc::spawn(mode, &bootstrap, &topic, &group);
        let deadline = Instant::now() + Duration::from_secs(90);
        while let Some(line) = child.next_line(deadline, "end of partitions") {
            second.take(&line);
        }
        let mut child = child;
        let status = child.child.wait().unwrap();
        assert!(
            status.success(),
            "second child failed ({status}): {second:?}\nstderr:\n{}",
            child.stderr.lock().unwrap()
        );
    }
    eprintln!(
        "[{mode}] second child processed {} ({} commit failures) at {:?}; its events: {:?}",
        second.processed.len(),
        second.commit_failures.len(),
        started.elapsed(),
        second.log,
    );
    assert!(second.done.is_some(), "second child finished: {second:?}");
    assert_eq!(
        second.eof, ends,
        "the second child reached the end of every partition"
    );

    // Nothing lost: every produced message was processed by one of them. In `auto_batch` mode
    // the loss is the unprocessed rest of the first child's last batch, never more.
    let processed: BTreeSet<(i32, i64)> = first
        .processed
        .iter()
        .chain(&second.processed)
        .copied()
        .collect();
    let missing: BTreeSet<(i32, i64)> = all.difference(&processed).copied().collect();
    if mode == "auto_batch" {
        let received_only: BTreeSet<(i32, i64)> = first
            .received
            .iter()
            .rev()
            .take(BATCH)
            .filter(|m| !first.processed.contains(m))
            .copied()
            .collect();
        assert!(
            missing.is_subset(&received_only) && missing.len() < BATCH,
            "auto_batch: lost {missing:?}, which is not within the last batch's unprocessed {received_only:?}"
        );
        // The loss is real, not a possibility: commits ran while the batch was processed.
        assert!(
            !missing.is_empty(),
            "auto_batch: killed mid-batch, yet nothing was lost"
        );
    } else {
        assert!(
            missing.is_empty(),
            "messages never processed (first 10): {:?}",
            missing.iter().take(10).collect::<Vec<_>>()
        );
    }
    assert!(
        processed.is_subset(&all),
        "nothing processed that was not produced"
    );
    // The second child started where the group's commit was, and went on without gaps.
    let second_pp = second.per_partition();
    let mut duplicates: HashMap<i32, Vec<i64>> = HashMap::new();
    for p in 0..PARTITIONS {
        let start = after_kill[&p].unwrap_or(0);
        let offs = second_pp.get(&p).cloned().unwrap_or_default();
        let distinct: BTreeSet<i64> = offs.iter().copied().collect();
        assert_eq!(
            distinct,
            (start..ends[&p]).collect::<BTreeSet<_>>(),
            "partition {p}: the second child processed exactly the offsets from the commit ({start}) to the end"
        );
        assert_eq!(
            offs.first(),
            Some(&start).filter(|_| start < ends[&p]),
            "partition {p}: first offset after restart"
        );
        // Duplicates are the first child's messages at or after the commit: the ones it
        // processed after its last commit.
        let dups: Vec<i64> = first_pp.get(&p).map_or(vec![], |o| {
            o.iter().copied().filter(|o| distinct.contains(o)).collect()
        });
        assert_eq!(
            dups,
            (start..last_processed.get(&p).map_or(0, |l| l + 1)).collect::<Vec<_>>(),
            "partition {p}: duplicates are exactly what was processed after the last commit"
        );
        duplicates.insert(p, dups);
        // Within the second child, a message is seen again only after a rebalance.
        if second.revoked == 0 {
            assert_eq!(
                offs.len(),
                distinct.len(),
                "partition {p}: the second child saw no message twice"
            );
        }
    }
    let dup_total: usize = duplicates.values().map(Vec::len).sum();
    eprintln!(
        "[{mode}] duplicates per partition {:?}; total {:?}",
        duplicates
            .iter()
            .map(|(p, d)| (*p, d.len()))
            .collect::<BTreeMap<_, _>>(),
        started.elapsed()
    );
    eprintln!(
        "[{mode}] SUMMARY lost={} duplicated={dup_total} (first child processed {}, killed)",
        missing.len(),
        first.processed.len()
    );
    match mode {
        "commit" => {
            for (p, d) in &duplicates {
                assert!(
                    d.len() <= 1,
                    "commit mode: partition {p} has {} duplicates",
                    d.len()
                );
            }
        }
        _ => {
            // Auto commit every 100 ms of stored offsets, ~2 ms per message: a few dozen, plus
            // in `auto_batch` mode up to a batch more.
            assert!(
                dup_total <= 300,
                "{mode} mode: {dup_total} duplicates for a 100 ms commit interval"
            );
        }
    }
}

#[test]
fn commit_after_processing_loses_nothing_when_killed() {
    at_least_once("commit");
}

#[test]
fn store_offsets_after_processing_loses_nothing_when_killed() {
    at_least_once("store");
}

#[test]
fn auto_commit_with_a_poll_loop_loses_nothing_when_killed() {
    at_least_once("auto_poll");
}

#[test]
fn auto_commit_with_consume_batches_loses_at_most_the_last_batch_when_killed() {
    at_least_once("auto_batch");
}
