//! The C side of the admin API: one owning type per librdkafka admin object, the admin
//! options, the private result queue and result event, and declarations of the functions whose
//! enum or error-code arguments and results must cross as plain `int`s.

use std::time::Duration;

use libc::{c_char, c_int};
use rdkafka_sys::bindings as sys;

use super::{invalid, invalid_from_errbuf, AdminOptions, Op};
use crate::handle::{owned, Handle};
use crate::error::{KafkaError, Result};
use crate::util::{cstr_lossy, Timeout};

pub(super) use crate::ffi;

owned!(sys::rd_kafka_NewTopic_t => sys::rd_kafka_NewTopic_destroy);
/// An `rd_kafka_NewTopic_t`.
pub(super) type NewTopicHandle = Handle<sys::rd_kafka_NewTopic_t>;
owned!(sys::rd_kafka_DeleteTopic_t => sys::rd_kafka_DeleteTopic_destroy);
/// An `rd_kafka_DeleteTopic_t`.
pub(super) type DeleteTopicHandle = Handle<sys::rd_kafka_DeleteTopic_t>;
owned!(sys::rd_kafka_NewPartitions_t => sys::rd_kafka_NewPartitions_destroy);
/// An `rd_kafka_NewPartitions_t`.
pub(super) type NewPartitionsHandle = Handle<sys::rd_kafka_NewPartitions_t>;
owned!(sys::rd_kafka_ConfigResource_t => sys::rd_kafka_ConfigResource_destroy);
/// An `rd_kafka_ConfigResource_t`.
pub(super) type ConfigResourceHandle = Handle<sys::rd_kafka_ConfigResource_t>;
owned!(sys::rd_kafka_AclBinding_t => sys::rd_kafka_AclBinding_destroy);
/// An `rd_kafka_AclBinding_t` (also used for filters, the same C type).
pub(super) type AclBindingHandle = Handle<sys::rd_kafka_AclBinding_t>;
owned!(sys::rd_kafka_DeleteGroup_t => sys::rd_kafka_DeleteGroup_destroy);
/// An `rd_kafka_DeleteGroup_t`.
pub(super) type DeleteGroupHandle = Handle<sys::rd_kafka_DeleteGroup_t>;
owned!(sys::rd_kafka_ListConsumerGroupOffsets_t => sys::rd_kafka_ListConsumerGroupOffsets_destroy);
/// An `rd_kafka_ListConsumerGroupOffsets_t`.
pub(super) type ListGroupOffsetsHandle = Handle<sys::rd_kafka_ListConsumerGroupOffsets_t>;
owned!(sys::rd_kafka_AlterConsumerGroupOffsets_t => sys::rd_kafka_AlterConsumerGroupOffsets_destroy);
/// An `rd_kafka_AlterConsumerGroupOffsets_t`.
pub(super) type AlterGroupOffsetsHandle = Handle<sys::rd_kafka_AlterConsumerGroupOffsets_t>;
owned!(sys::rd_kafka_DeleteRecords_t => sys::rd_kafka_DeleteRecords_destroy);
/// An `rd_kafka_DeleteRecords_t`.
pub(super) type DeleteRecordsHandle = Handle<sys::rd_kafka_DeleteRecords_t>;
owned!(sys::rd_kafka_TopicCollection_t => sys::rd_kafka_TopicCollection_destroy);
/// An `rd_kafka_TopicCollection_t`.
pub(super) type TopicCollectionHandle = Handle<sys::rd_kafka_TopicCollection_t>;
owned!(sys::rd_kafka_UserScramCredentialAlteration_t => sys::rd_kafka_UserScramCredentialAlteration_destroy);
/// An `rd_kafka_UserScramCredentialAlteration_t`.
pub(super) type ScramAlterationHandle = Handle<sys::rd_kafka_UserScramCredentialAlteration_t>;
owned!(sys::rd_kafka_ElectLeaders_t => sys::rd_kafka_ElectLeaders_destroy);
/// An `rd_kafka_ElectLeaders_t`.
pub(super) type ElectLeadersHandle = Handle<sys::rd_kafka_ElectLeaders_t>;
owned!(sys::rd_kafka_AdminOptions_t => sys::rd_kafka_AdminOptions_destroy);
/// An `rd_kafka_AdminOptions_t`.
pub(super) type OptionsHandle = Handle<sys::rd_kafka_AdminOptions_t>;
/// A temporary `rd_kafka_queue_t` that receives one request's result.
pub(super) type QueueHandle = Handle<sys::rd_kafka_queue_t>;
/// An `rd_kafka_event_t`; the result objects read from it live as long as it does.
pub(super) type EventHandle = Handle<sys::rd_kafka_event_t>;

/// The native options of one request, built from an [`AdminOptions`].
pub(super) struct Options(OptionsHandle);

impl Options {
    /// Applies every option that is set; one the operation does not take is an
    /// `_INVALID_ARG` error naming it (from librdkafka's own per-operation checks).
    pub(super) fn new(client: &Handle<sys::rd_kafka_t>, op: Op, o: &AdminOptions) -> Result<Options> {
        // SAFETY: the client is live; `op.api` is a valid operation, so the result is non-null.
        let raw = unsafe { sys::rd_kafka_AdminOptions_new(client.ptr(), op.api) };
        // SAFETY: a fresh object we own.
        let handle = unsafe { OptionsHandle::from_raw(raw) }
            .ok_or_else(|| invalid(op.name, "librdkafka refused to create admin options"))?;
        let p = handle.ptr();
        let mut errbuf = [0 as c_char; 512];
        let check = |code: c_int, errbuf: &[c_char], what: &str| -> Result<()> {
            if code == 0 {
                Ok(())
            } else {
                let mut e = invalid_from_errbuf(op.name, errbuf);
                if !e.str().contains(what) {
                    e = invalid(op.name, format!("{what}: {}", e.str()));
                }
                Err(e)
            }
        };
        let ms = |d: Duration| Timeout::After(d).as_millis_i32();
        // SAFETY (all calls below): p is the live options object we own; errbuf is writable
        // for the length passed; the arrays passed live across their call and are copied.
        if let Some(t) = o.request_timeout {
            // SAFETY: see above.
            let code = unsafe {
                ffi::options_set_request_timeout(p, ms(t), errbuf.as_mut_ptr(), errbuf.len())
            };
            check(code, &errbuf, "request_timeout")?;
        }
        if let Some(t) = o.operation_timeout {
            // SAFETY: see above.
            let code = unsafe {
                ffi::options_set_operation_timeout(p, ms(t), errbuf.as_mut_ptr(), errbuf.len())
            };
            check(code, &errbuf, "operation_timeout")?;
        }
        if o.validate_only {
            // SAFETY: see above.
            let code =
                unsafe { ffi::options_set_validate_only(p, 1, errbuf.as_mut_ptr(), errbuf.len()) };
            check(code, &errbuf, "validate_only")?;
        }
        if let Some(b) = o.broker {
            // SAFETY: see above.
            let code = unsafe { ffi::options_set_broker(p, b, errbuf.as_mut_ptr(), errbuf.len()) };
            check(code, &errbuf, "broker")?;
        }
        let check_err = |err: *mut sys::rd_kafka_error_t, what: &str| -> Result<()> {
            // SAFETY: err is null or a new error object we own.
            match unsafe { KafkaError::from_native(err) } {
                None => Ok(()),
                Some(e) => Err(invalid(op.name, format!("{what}: {}", e.str()))),
            }
        };
        if o.require_stable {
            // SAFETY: see above.
            let err = unsafe { sys::rd_kafka_AdminOptions_set_require_stable_offsets(p, 1) };
            check_err(err, "require_stable")?;
        }
        if o.include_authorized_operations {
            // SAFETY: see above.
            let err = unsafe { sys::rd_kafka_AdminOptions_set_include_authorized_operations(p, 1) };
            check_err(err, "include_authorized_operations")?;
        }
        if let Some(level) = o.isolation_level {
            // SAFETY: see above.
            let err = unsafe { ffi::options_set_isolation_level(p, level.raw()) };
            check_err(err, "isolation_level")?;
        }
        if !o.states.is_empty() {
            let states: Vec<c_int> = o.states.iter().map(|s| s.raw()).collect();
            // SAFETY: see above.
            let err = unsafe {
                ffi::options_set_match_consumer_group_states(p, states.as_ptr(), states.len())
            };
            check_err(err, "states")?;
        }
        if !o.types.is_empty() {
            let types: Vec<c_int> = o.types.iter().map(|t| t.raw()).collect();
            // SAFETY: see above.
            let err = unsafe {
                ffi::options_set_match_consumer_group_types(p, types.as_ptr(), types.len())
            };
            check_err(err, "types")?;
        }
        Ok(Options(handle))
    }

    pub(super) fn ptr(&self) -> *const sys::rd_kafka_AdminOptions_t {
        self.0.ptr()
    }
}

/// The private queue one request's result is delivered to.
pub(super) struct Queue(QueueHandle);

impl Queue {
    pub(super) fn new(client: &Handle<sys::rd_kafka_t>) -> Queue {
        // SAFETY: the client is live; rd_kafka_queue_new never returns null (aborts on OOM).
        let raw = unsafe { sys::rd_kafka_queue_new(client.ptr()) };
        // SAFETY: a fresh queue reference we own. It is released before the client (it is a
        // local of a method borrowing the client); a request still in flight holds its own
        // reference, so releasing ours early is safe.
        Queue(unsafe { QueueHandle::from_raw(raw) }.expect("rd_kafka_queue_new returned null"))
    }

    pub(super) fn ptr(&self) -> *mut sys::rd_kafka_queue_t {
        self.0.ptr()
    }

    /// Waits up to `wait` for the next event.
    pub(super) fn poll(&self, wait: Duration) -> Option<Event> {
        // SAFETY: the queue is live; a returned event is ours to destroy.
        let raw =
            unsafe { sys::rd_kafka_queue_poll(self.ptr(), Timeout::After(wait).as_millis_i32()) };
        // SAFETY: null or an event we own.
        unsafe { EventHandle::from_raw(raw) }.map(Event)
    }
}

/// A result event; the result objects read from it are valid while it lives.
pub(super) struct Event(EventHandle);

impl Event {
    pub(super) fn ptr(&self) -> *mut sys::rd_kafka_event_t {
        self.0.ptr()
    }

    /// The event type (`RD_KAFKA_EVENT_*`).
    pub(super) fn kind(&self) -> i64 {
        // SAFETY: the event is live.
        i64::from(unsafe { sys::rd_kafka_event_type(self.ptr()) })
    }

    /// The request-level error, if any.
    pub(super) fn error(&self) -> Option<KafkaError> {
        // SAFETY: the event is live; the code is read as an int, the string copied.
        let (code, message) = unsafe {
            (
                ffi::event_error(self.ptr()),
                cstr_lossy(sys::rd_kafka_event_error_string(self.ptr())).into_owned(),
            )
        };
        (code != 0).then(|| super::error_with(code, message))
    }
}
