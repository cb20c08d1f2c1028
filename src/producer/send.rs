//! Producing: the topic-handle cache and the calls into librdkafka (`produce`,
//! `try_produce`, `produce_wait`, `produce_batch`).

use std::collections::HashMap;
use std::ffi::c_void;
use std::ptr;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::RwLock;
use std::time::{Duration, Instant};

use rdkafka_sys::bindings as sys;

use super::delivery::ProducerState;
use super::record::{ProduceError, Record};
use super::Producer;
use crate::client::NativeClient;
use crate::consts;
use crate::error::{cstring, ErrorCode, KafkaError, Result};
use crate::handle::Handle;
use crate::topic_partition::check_topic_name;
use crate::util::{self, FxBuild, Timeout};

/// A cached topic: its name and handle. Boxed and never freed before the producer drops, so
/// [`Topics::last`] may point at it without a lock.
struct TopicEntry {
    name: Box<str>,
    handle: Handle<sys::rd_kafka_topic_t>,
}

/// The producer's topic handles, by name.
#[derive(Default)]
pub(super) struct Topics {
    map: RwLock<HashMap<Box<str>, Box<TopicEntry>, FxBuild>>,
    /// The entry of the topic produced to last: most producers write one topic, and this skips
    /// the lock and the hash on the hot path.
    last: AtomicPtr<TopicEntry>,
}

impl Topics {
    /// The handle for `topic`, created (after validating the name) on first use.
    #[inline]
    pub(super) fn handle(
        &self,
        client: &NativeClient<ProducerState>,
        topic: &str,
    ) -> Result<*mut sys::rd_kafka_topic_t> {
        let last = self.last.load(Ordering::Acquire);
        if !last.is_null() {
            // SAFETY: entries are boxed, never removed, and freed only when the map drops, so a
            // pointer published here stays valid for as long as `&self` is.
            let e = unsafe { &*last };
            if *e.name == *topic {
                return Ok(e.handle.ptr());
            }
        }
        self.handle_slow(client, topic)
    }

    #[cold]
    fn handle_slow(
        &self,
        client: &NativeClient<ProducerState>,
        topic: &str,
    ) -> Result<*mut sys::rd_kafka_topic_t> {
        let publish = |e: &TopicEntry| {
            self.last
                .store((e as *const TopicEntry).cast_mut(), Ordering::Release);
            e.handle.ptr()
        };
        if let Some(e) = self
            .map
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(topic)
        {
            return Ok(publish(e));
        }
        check_topic_name("produce", topic)?;
        let mut map = self.map.write().unwrap_or_else(|p| p.into_inner());
        if let Some(e) = map.get(topic) {
            return Ok(publish(e));
        }
        let c = cstring("topic name", topic)?;
        // SAFETY: the client is live; c is NUL-terminated; null conf means the default topic
        // conf. The result is null or a new reference we own.
        let handle = unsafe {
            Handle::from_raw(sys::rd_kafka_topic_new(
                client.ptr(),
                c.as_ptr(),
                ptr::null_mut(),
            ))
        }
        .ok_or_else(KafkaError::last_error)?;
        let entry = Box::new(TopicEntry {
            name: topic.into(),
            handle,
        });
        let p = publish(&entry);
        map.insert(topic.into(), entry);
        Ok(p)
    }
}

impl Producer {
    /// Python: `produce(topic, value, key, partition, on_delivery, timestamp, headers)`.
    ///
    /// Enqueues the message (librdkafka copies key, value and headers) and returns at once. The
    /// delivery report arrives through `poll`/`flush`. On `_QUEUE_FULL` (Python's
    /// `BufferError`), poll and produce again, or use [`Producer::produce_wait`]. The error is
    /// owned, so `producer.produce(record)?` works in any function returning `rkafka::Result`,
    /// `Box<dyn Error>` or `anyhow::Result`; [`Producer::try_produce`] hands the record back
    /// instead.
    ///
    /// Without headers, timestamp or per-message closure this performs no Rust heap allocation.
    #[inline]
    pub fn produce(&self, record: Record<'_>) -> Result<()> {
        self.try_produce(record).map_err(|e| e.error)
    }

    /// Like [`produce`](Producer::produce), but on any error the record comes back untouched
    /// (with its delivery closure), to retry it (rust-rdkafka's `BaseProducer::send` returns
    /// `Err((error, record))` the same way).
    #[inline]
    pub fn try_produce<'a>(&self, mut record: Record<'a>) -> Result<(), ProduceError<'a>> {
        let opaque = match record.msg_opaque() {
            Ok(o) => o,
            Err(error) => return Err(ProduceError { error, record }),
        };
        match self.enqueue(&record, opaque) {
            Ok(()) => {
                record.release_on_delivery();
                Ok(())
            }
            Err(error) => Err(ProduceError { error, record }),
        }
    }

    /// Hands `record` to librdkafka with `opaque` as its per-message pointer (null, a closure's
    /// thunk, a tag or an async completion), which librdkafka owns only if this succeeds.
    #[inline]
    pub(super) fn enqueue(&self, record: &Record<'_>, opaque: *mut c_void) -> Result<()> {
        self.check_open()?;
        let partition = match record.partition {
            None => consts::RD_KAFKA_PARTITION_UA as i32,
            Some(p) if p >= 0 => p,
            Some(p) => return Err(negative_partition(p)),
        };
        let client = self.client();
        let rkt = self.shared.topics.handle(client, record.topic)?;
        let state = client.state();
        // Counted before the call: the report may be served on another thread before it returns.
        state.add_queued(1);
        let result = if record.headers.is_empty() && record.timestamp == 0 {
            let (vptr, vlen) = record
                .value
                .map_or((ptr::null(), 0), |v| (v.as_ptr(), v.len()));
            let (kptr, klen) = record
                .key
                .map_or((ptr::null(), 0), |k| (k.as_ptr(), k.len()));
            // SAFETY: rkt is a live topic handle owned by self; key/value point to klen/vlen
            // readable bytes (or are null with length 0); the key is always copied, the value
            // too (F_COPY) unless it is 'static (value_static), so it outlives the message;
            // librdkafka never writes through the *mut casts. opaque passes to librdkafka only
            // if this call succeeds.
            let rc = unsafe {
                sys::rd_kafka_produce(
                    rkt,
                    partition,
                    record.msg_flags(),
                    vptr.cast_mut().cast(),
                    vlen,
                    kptr.cast(),
                    klen,
                    opaque,
                )
            };
            if rc == 0 {
                Ok(())
            } else {
                Err(KafkaError::last_error())
            }
        } else {
            self.produce_va(rkt, partition, record, opaque)
        };
        result.map_err(|e| {
            state.sub_queued(1);
            client.refine(e)
        })
    }

    /// The produce path for headers and timestamps: `rd_kafka_produceva` (an array, no varargs).
    fn produce_va(
        &self,
        rkt: *mut sys::rd_kafka_topic_t,
        partition: i32,
        r: &Record<'_>,
        opaque: *mut c_void,
    ) -> Result<()> {
        use sys::rd_kafka_vtype_t as V;
        let hdrs = if r.headers.is_empty() {
            None
        } else {
            Some(native_headers(&r.headers)?)
        };
        let mut vus: [sys::rd_kafka_vu_t; 8] = unsafe_zeroed_vus();
        let mut n = 0;
        let mut push = |vtype: V, set: &dyn Fn(&mut sys::rd_kafka_vu_t)| {
            vus[n].vtype = vtype;
            set(&mut vus[n]);
            n += 1;
        };
        push(V::RD_KAFKA_VTYPE_RKT, &|v| v.u.rkt = rkt);
        push(V::RD_KAFKA_VTYPE_PARTITION, &|v| v.u.i32_ = partition);
        push(V::RD_KAFKA_VTYPE_MSGFLAGS, &|v| v.u.i = r.msg_flags());
        if let Some(val) = r.value {
            push(V::RD_KAFKA_VTYPE_VALUE, &|v| {
                v.u.mem = sys::rd_kafka_vu_s__bindgen_ty_1__bindgen_ty_1 {
                    ptr: val.as_ptr().cast_mut().cast(),
                    size: val.len(),
                }
            });
        }
        if let Some(key) = r.key {
            push(V::RD_KAFKA_VTYPE_KEY, &|v| {
                v.u.mem = sys::rd_kafka_vu_s__bindgen_ty_1__bindgen_ty_1 {
                    ptr: key.as_ptr().cast_mut().cast(),
                    size: key.len(),
                }
            });
        }
        if r.timestamp != 0 {
            push(V::RD_KAFKA_VTYPE_TIMESTAMP, &|v| v.u.i64_ = r.timestamp);
        }
        if let Some(h) = &hdrs {
            push(V::RD_KAFKA_VTYPE_HEADERS, &|v| v.u.headers = h.ptr());
        }
        if !opaque.is_null() {
            push(V::RD_KAFKA_VTYPE_OPAQUE, &|v| v.u.ptr = opaque);
        }
        // SAFETY: the first n entries are initialised with the union member matching their
        // vtype; all pointed-to data outlives the call and is copied (F_COPY), except a
        // 'static value (value_static), which outlives the message. On success the
        // headers list belongs to the message; on failure it is still ours.
        let err = unsafe { sys::rd_kafka_produceva(self.client().ptr(), vus.as_ptr(), n) };
        // SAFETY: err is null or an owned rd_kafka_error_t.
        match unsafe { KafkaError::from_native(err) } {
            None => {
                if let Some(h) = hdrs {
                    h.into_raw(); // the message owns the headers now
                }
                Ok(())
            }
            // Still ours: freed when `hdrs` drops.
            Some(e) => Err(e),
        }
    }

    /// Like [`produce`](Producer::produce), but when the local queue is full it serves delivery
    /// reports (polls) and retries until there is room or `timeout` passes, then fails with
    /// `_QUEUE_FULL` and hands the record back.
    pub fn produce_wait<'a>(
        &self,
        record: Record<'a>,
        timeout: impl Into<Timeout>,
    ) -> Result<(), ProduceError<'a>> {
        let deadline = timeout.into().deadline();
        let mut record = record;
        loop {
            match self.try_produce(record) {
                Err(e) if e.is_queue_full() => {
                    let wait = match deadline {
                        None => Duration::from_millis(10),
                        Some(d) => {
                            let left = d.saturating_duration_since(Instant::now());
                            if left.is_zero() {
                                return Err(e);
                            }
                            left.min(Duration::from_millis(10))
                        }
                    };
                    self.poll(wait);
                    record = e.record;
                }
                other => return other,
            }
        }
    }

    /// Produces many records in as few calls into librdkafka as possible: consecutive records
    /// for one topic without headers or timestamps go through one `rd_kafka_produce_batch` call.
    /// Returns the records that were not enqueued, each with its error (empty when all were).
    pub fn produce_batch<'a>(
        &self,
        records: impl IntoIterator<Item = Record<'a>>,
    ) -> Vec<ProduceError<'a>> {
        let mut failed = Vec::new();
        let mut run: Vec<Record<'a>> = Vec::new();
        for mut r in records {
            // Settled now (a bad tag refused, a closure wrapped), so the run below only reads
            // the pointer.
            if let Err(error) = r.msg_opaque() {
                failed.push(ProduceError { error, record: r });
                continue;
            }
            let batchable =
                r.headers.is_empty() && r.timestamp == 0 && r.partition.is_none_or(|p| p >= 0);
            if !batchable {
                self.flush_run(&mut run, &mut failed);
                if let Err(e) = self.try_produce(r) {
                    failed.push(e);
                }
                continue;
            }
            if run
                .first()
                .is_some_and(|f| f.topic != r.topic || f.value_static != r.value_static)
            {
                self.flush_run(&mut run, &mut failed);
            }
            run.push(r);
        }
        self.flush_run(&mut run, &mut failed);
        failed
    }

    fn flush_run<'a>(&self, run: &mut Vec<Record<'a>>, failed: &mut Vec<ProduceError<'a>>) {
        if run.is_empty() {
            return;
        }
        let records = std::mem::take(run);
        if let Err(error) = self.check_open() {
            failed.extend(records.into_iter().map(|record| ProduceError {
                error: error.clone(),
                record,
            }));
            return;
        }
        let rkt = match self.shared.topics.handle(self.client(), records[0].topic) {
            Ok(t) => t,
            Err(error) => {
                failed.extend(records.into_iter().map(|record| ProduceError {
                    error: error.clone(),
                    record,
                }));
                return;
            }
        };
        let mut msgs: Vec<sys::rd_kafka_message_t> = records
            .iter()
            .map(|r| {
                let (vptr, vlen) = r.value.map_or((ptr::null(), 0), |v| (v.as_ptr(), v.len()));
                let (kptr, klen) = r.key.map_or((ptr::null(), 0), |k| (k.as_ptr(), k.len()));
                sys::rd_kafka_message_t {
                    err: sys::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR,
                    rkt,
                    partition: r.partition.unwrap_or(consts::RD_KAFKA_PARTITION_UA as i32),
                    payload: vptr.cast_mut().cast(),
                    len: vlen,
                    key: kptr.cast_mut().cast(),
                    key_len: klen,
                    offset: 0,
                    // produce_batch settled each record's tag before its run.
                    _private: r.settled_opaque(),
                }
            })
            .collect();
        let state = self.client().state();
        state.add_queued(msgs.len());
        // SAFETY: rkt is live; msgs holds msgs.len() initialised messages whose key/value point
        // into the records (alive until after the call) and are copied (F_COPY), or, for a run
        // of value_static records (runs never mix), whose values are 'static. With
        // F_PARTITION each message's own partition field is used. librdkafka sets `err` on each
        // message it did not enqueue and takes the opaque of each one it did.
        unsafe {
            sys::rd_kafka_produce_batch(
                rkt,
                consts::RD_KAFKA_PARTITION_UA as i32,
                records[0].msg_flags() | consts::RD_KAFKA_MSG_F_PARTITION as i32,
                msgs.as_mut_ptr(),
                msgs.len() as i32,
            )
        };
        for (mut record, m) in records.into_iter().zip(&msgs) {
            // SAFETY: err is an int-sized field of a message we own.
            let code = unsafe { util::read_err(ptr::addr_of!(m.err)) };
            match KafkaError::from_raw(code) {
                None => record.release_on_delivery(),
                Some(error) => {
                    state.sub_queued(1);
                    failed.push(ProduceError {
                        error: self.client().refine(error),
                        record,
                    })
                }
            }
        }
    }
}

/// A librdkafka headers list holding `headers` (copied).
fn native_headers(headers: &[(&str, Option<&[u8]>)]) -> Result<Handle<sys::rd_kafka_headers_t>> {
    // SAFETY: creates an owned, empty headers list (never null; aborts on OOM).
    let h = unsafe { Handle::from_raw(sys::rd_kafka_headers_new(headers.len())) }
        .expect("rd_kafka_headers_new never returns null");
    for (name, value) in headers {
        if name.contains('\0') {
            return Err(KafkaError::invalid_arg(format!(
                "header name {name:?} contains a NUL byte"
            )));
        }
        let (p, n) = value.map_or((ptr::null(), 0), |v| (v.as_ptr(), v.len()));
        // SAFETY: h is ours; name has an explicit length; value is null or n readable bytes;
        // librdkafka copies both.
        unsafe {
            sys::rd_kafka_header_add(
                h.ptr(),
                name.as_ptr().cast(),
                name.len() as isize,
                p.cast(),
                n as isize,
            )
        };
    }
    Ok(h)
}

#[cold]
fn negative_partition(p: i32) -> KafkaError {
    KafkaError::new(
        ErrorCode::InvalidArg,
        format!("partition {p} is negative; omit it to let the partitioner choose"),
    )
}

fn unsafe_zeroed_vus() -> [sys::rd_kafka_vu_t; 8] {
    // SAFETY: rd_kafka_vu_t is a plain C struct (enum tag + union of pointers/ints); all-zero
    // is a valid value (vtype 0 = RD_KAFKA_VTYPE_END).
    unsafe { std::mem::zeroed() }
}
