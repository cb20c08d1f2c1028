//! The C side of the admin API: one owning type per librdkafka admin object, the admin
//! options, the private result queue and result event, and declarations of the functions whose
//! enum or error-code arguments and results must cross as plain `int`s.

use std::ptr::NonNull;
use std::time::Duration;

use libc::{c_char, c_int};
use rdkafka_sys::bindings as sys;

use super::{invalid, invalid_from_errbuf, AdminOptions, Op};
use crate::client::NativeClient;
use crate::error::{KafkaError, Result};
use crate::util::{cstr_lossy, Timeout};

/// librdkafka functions declared with `int` in place of C enums and `rd_kafka_resp_err_t`:
/// a broker may send values the Rust enums of rdkafka-sys do not have, and materialising one
/// would be undefined behaviour. wrapper.h lists each function (and the values rkafka uses).
pub(super) mod ffi {
    use libc::{c_char, c_int, c_uchar};
    use rdkafka_sys::bindings as sys;

    extern "C" {
        #[link_name = "rd_kafka_event_error"]
        pub(crate) fn event_error(ev: *mut sys::rd_kafka_event_t) -> c_int;

        #[link_name = "rd_kafka_AdminOptions_set_request_timeout"]
        pub(crate) fn options_set_request_timeout(
            o: *mut sys::rd_kafka_AdminOptions_t,
            ms: c_int,
            errstr: *mut c_char,
            errstr_size: usize,
        ) -> c_int;
        #[link_name = "rd_kafka_AdminOptions_set_operation_timeout"]
        pub(crate) fn options_set_operation_timeout(
            o: *mut sys::rd_kafka_AdminOptions_t,
            ms: c_int,
            errstr: *mut c_char,
            errstr_size: usize,
        ) -> c_int;
        #[link_name = "rd_kafka_AdminOptions_set_validate_only"]
        pub(crate) fn options_set_validate_only(
            o: *mut sys::rd_kafka_AdminOptions_t,
            on: c_int,
            errstr: *mut c_char,
            errstr_size: usize,
        ) -> c_int;
        #[link_name = "rd_kafka_AdminOptions_set_broker"]
        pub(crate) fn options_set_broker(
            o: *mut sys::rd_kafka_AdminOptions_t,
            broker_id: i32,
            errstr: *mut c_char,
            errstr_size: usize,
        ) -> c_int;
        #[link_name = "rd_kafka_AdminOptions_set_isolation_level"]
        pub(crate) fn options_set_isolation_level(
            o: *mut sys::rd_kafka_AdminOptions_t,
            level: c_int,
        ) -> *mut sys::rd_kafka_error_t;
        #[link_name = "rd_kafka_AdminOptions_set_match_consumer_group_states"]
        pub(crate) fn options_set_match_consumer_group_states(
            o: *mut sys::rd_kafka_AdminOptions_t,
            states: *const c_int,
            cnt: usize,
        ) -> *mut sys::rd_kafka_error_t;
        #[link_name = "rd_kafka_AdminOptions_set_match_consumer_group_types"]
        pub(crate) fn options_set_match_consumer_group_types(
            o: *mut sys::rd_kafka_AdminOptions_t,
            types: *const c_int,
            cnt: usize,
        ) -> *mut sys::rd_kafka_error_t;

        #[link_name = "rd_kafka_topic_result_error"]
        pub(crate) fn topic_result_error(r: *const sys::rd_kafka_topic_result_t) -> c_int;

        #[link_name = "rd_kafka_NewTopic_set_replica_assignment"]
        pub(crate) fn new_topic_set_replica_assignment(
            t: *mut sys::rd_kafka_NewTopic_t,
            partition: i32,
            broker_ids: *mut i32,
            cnt: usize,
            errstr: *mut c_char,
            errstr_size: usize,
        ) -> c_int;
        #[link_name = "rd_kafka_NewTopic_set_config"]
        pub(crate) fn new_topic_set_config(
            t: *mut sys::rd_kafka_NewTopic_t,
            name: *const c_char,
            value: *const c_char,
        ) -> c_int;
        #[link_name = "rd_kafka_NewPartitions_set_replica_assignment"]
        pub(crate) fn new_partitions_set_replica_assignment(
            p: *mut sys::rd_kafka_NewPartitions_t,
            idx: i32,
            broker_ids: *mut i32,
            cnt: usize,
            errstr: *mut c_char,
            errstr_size: usize,
        ) -> c_int;

        #[link_name = "rd_kafka_ConfigResource_new"]
        pub(crate) fn config_resource_new(
            restype: c_int,
            name: *const c_char,
        ) -> *mut sys::rd_kafka_ConfigResource_t;
        #[link_name = "rd_kafka_ConfigResource_set_config"]
        pub(crate) fn config_resource_set_config(
            r: *mut sys::rd_kafka_ConfigResource_t,
            name: *const c_char,
            value: *const c_char,
        ) -> c_int;
        #[link_name = "rd_kafka_ConfigResource_add_incremental_config"]
        pub(crate) fn config_resource_add_incremental_config(
            r: *mut sys::rd_kafka_ConfigResource_t,
            name: *const c_char,
            op: c_int,
            value: *const c_char,
        ) -> *mut sys::rd_kafka_error_t;
        #[link_name = "rd_kafka_ConfigResource_type"]
        pub(crate) fn config_resource_type(r: *const sys::rd_kafka_ConfigResource_t) -> c_int;
        #[link_name = "rd_kafka_ConfigResource_error"]
        pub(crate) fn config_resource_error(r: *const sys::rd_kafka_ConfigResource_t) -> c_int;
        #[link_name = "rd_kafka_ConfigEntry_source"]
        pub(crate) fn config_entry_source(e: *const sys::rd_kafka_ConfigEntry_t) -> c_int;

        #[link_name = "rd_kafka_AclBinding_new"]
        pub(crate) fn acl_binding_new(
            restype: c_int,
            name: *const c_char,
            pattern: c_int,
            principal: *const c_char,
            host: *const c_char,
            operation: c_int,
            permission: c_int,
            errstr: *mut c_char,
            errstr_size: usize,
        ) -> *mut sys::rd_kafka_AclBinding_t;
        #[link_name = "rd_kafka_AclBindingFilter_new"]
        pub(crate) fn acl_binding_filter_new(
            restype: c_int,
            name: *const c_char,
            pattern: c_int,
            principal: *const c_char,
            host: *const c_char,
            operation: c_int,
            permission: c_int,
            errstr: *mut c_char,
            errstr_size: usize,
        ) -> *mut sys::rd_kafka_AclBinding_t;
        #[link_name = "rd_kafka_AclBinding_restype"]
        pub(crate) fn acl_binding_restype(a: *const sys::rd_kafka_AclBinding_t) -> c_int;
        #[link_name = "rd_kafka_AclBinding_resource_pattern_type"]
        pub(crate) fn acl_binding_resource_pattern_type(
            a: *const sys::rd_kafka_AclBinding_t,
        ) -> c_int;
        #[link_name = "rd_kafka_AclBinding_operation"]
        pub(crate) fn acl_binding_operation(a: *const sys::rd_kafka_AclBinding_t) -> c_int;
        #[link_name = "rd_kafka_AclBinding_permission_type"]
        pub(crate) fn acl_binding_permission_type(a: *const sys::rd_kafka_AclBinding_t) -> c_int;

        #[link_name = "rd_kafka_TopicDescription_authorized_operations"]
        pub(crate) fn topic_description_authorized_operations(
            d: *const sys::rd_kafka_TopicDescription_t,
            cntp: *mut usize,
        ) -> *const c_int;
        #[link_name = "rd_kafka_DescribeCluster_result_authorized_operations"]
        pub(crate) fn describe_cluster_result_authorized_operations(
            r: *const sys::rd_kafka_DescribeCluster_result_t,
            cntp: *mut usize,
        ) -> *const c_int;
        #[link_name = "rd_kafka_ConsumerGroupDescription_authorized_operations"]
        pub(crate) fn group_description_authorized_operations(
            d: *const sys::rd_kafka_ConsumerGroupDescription_t,
            cntp: *mut usize,
        ) -> *const c_int;
        #[link_name = "rd_kafka_ConsumerGroupDescription_state"]
        pub(crate) fn group_description_state(
            d: *const sys::rd_kafka_ConsumerGroupDescription_t,
        ) -> c_int;
        #[link_name = "rd_kafka_ConsumerGroupDescription_type"]
        pub(crate) fn group_description_type(
            d: *const sys::rd_kafka_ConsumerGroupDescription_t,
        ) -> c_int;
        #[link_name = "rd_kafka_ConsumerGroupListing_state"]
        pub(crate) fn group_listing_state(l: *const sys::rd_kafka_ConsumerGroupListing_t) -> c_int;
        #[link_name = "rd_kafka_ConsumerGroupListing_type"]
        pub(crate) fn group_listing_type(l: *const sys::rd_kafka_ConsumerGroupListing_t) -> c_int;

        #[link_name = "rd_kafka_ScramCredentialInfo_mechanism"]
        pub(crate) fn scram_credential_info_mechanism(
            i: *const sys::rd_kafka_ScramCredentialInfo_t,
        ) -> c_int;
        #[link_name = "rd_kafka_UserScramCredentialUpsertion_new"]
        pub(crate) fn scram_upsertion_new(
            user: *const c_char,
            mechanism: c_int,
            iterations: i32,
            password: *const c_uchar,
            password_size: usize,
            salt: *const c_uchar,
            salt_size: usize,
        ) -> *mut sys::rd_kafka_UserScramCredentialAlteration_t;
        #[link_name = "rd_kafka_UserScramCredentialDeletion_new"]
        pub(crate) fn scram_deletion_new(
            user: *const c_char,
            mechanism: c_int,
        ) -> *mut sys::rd_kafka_UserScramCredentialAlteration_t;

        #[link_name = "rd_kafka_ElectLeaders_new"]
        pub(crate) fn elect_leaders_new(
            election_type: c_int,
            partitions: *mut sys::rd_kafka_topic_partition_list_t,
        ) -> *mut sys::rd_kafka_ElectLeaders_t;

        #[link_name = "rd_kafka_list_groups"]
        pub(crate) fn list_groups(
            rk: *mut sys::rd_kafka_t,
            group: *const c_char,
            grplistp: *mut *const sys::rd_kafka_group_list,
            timeout_ms: c_int,
        ) -> c_int;
    }
}

/// Defines the owning type of one kind of librdkafka object: created from a non-null
/// pointer, freed exactly once on drop with its `*_destroy` function.
macro_rules! handle {
    ($(#[$meta:meta])* $name:ident, $t:ty, $destroy:path) => {
        $(#[$meta])*
        pub(super) struct $name(NonNull<$t>);

        impl $name {
            /// Takes ownership of `p`; `None` if it is null.
            ///
            /// # Safety
            #[doc = concat!("`p` must be null or an object the caller owns, freed by `", stringify!($destroy), "`.")]
            pub(super) unsafe fn from_raw(p: *mut $t) -> Option<$name> {
                NonNull::new(p).map($name)
            }

            pub(super) fn ptr(&self) -> *mut $t {
                self.0.as_ptr()
            }
        }

        impl Drop for $name {
            fn drop(&mut self) {
                // SAFETY: we own the object (from_raw's contract); it is freed exactly once.
                unsafe { $destroy(self.0.as_ptr()) }
            }
        }
    };
}

handle!(
    /// An `rd_kafka_NewTopic_t`.
    NewTopicHandle,
    sys::rd_kafka_NewTopic_t,
    sys::rd_kafka_NewTopic_destroy
);
handle!(
    /// An `rd_kafka_DeleteTopic_t`.
    DeleteTopicHandle,
    sys::rd_kafka_DeleteTopic_t,
    sys::rd_kafka_DeleteTopic_destroy
);
handle!(
    /// An `rd_kafka_NewPartitions_t`.
    NewPartitionsHandle,
    sys::rd_kafka_NewPartitions_t,
    sys::rd_kafka_NewPartitions_destroy
);
handle!(
    /// An `rd_kafka_ConfigResource_t`.
    ConfigResourceHandle,
    sys::rd_kafka_ConfigResource_t,
    sys::rd_kafka_ConfigResource_destroy
);
handle!(
    /// An `rd_kafka_AclBinding_t` (also used for filters, the same C type).
    AclBindingHandle,
    sys::rd_kafka_AclBinding_t,
    sys::rd_kafka_AclBinding_destroy
);
handle!(
    /// An `rd_kafka_DeleteGroup_t`.
    DeleteGroupHandle,
    sys::rd_kafka_DeleteGroup_t,
    sys::rd_kafka_DeleteGroup_destroy
);
handle!(
    /// An `rd_kafka_ListConsumerGroupOffsets_t`.
    ListGroupOffsetsHandle,
    sys::rd_kafka_ListConsumerGroupOffsets_t,
    sys::rd_kafka_ListConsumerGroupOffsets_destroy
);
handle!(
    /// An `rd_kafka_AlterConsumerGroupOffsets_t`.
    AlterGroupOffsetsHandle,
    sys::rd_kafka_AlterConsumerGroupOffsets_t,
    sys::rd_kafka_AlterConsumerGroupOffsets_destroy
);
handle!(
    /// An `rd_kafka_DeleteRecords_t`.
    DeleteRecordsHandle,
    sys::rd_kafka_DeleteRecords_t,
    sys::rd_kafka_DeleteRecords_destroy
);
handle!(
    /// An `rd_kafka_TopicCollection_t`.
    TopicCollectionHandle,
    sys::rd_kafka_TopicCollection_t,
    sys::rd_kafka_TopicCollection_destroy
);
handle!(
    /// An `rd_kafka_UserScramCredentialAlteration_t`.
    ScramAlterationHandle,
    sys::rd_kafka_UserScramCredentialAlteration_t,
    sys::rd_kafka_UserScramCredentialAlteration_destroy
);
handle!(
    /// An `rd_kafka_ElectLeaders_t`.
    ElectLeadersHandle,
    sys::rd_kafka_ElectLeaders_t,
    sys::rd_kafka_ElectLeaders_destroy
);
handle!(
    /// An `rd_kafka_AdminOptions_t`.
    OptionsHandle,
    sys::rd_kafka_AdminOptions_t,
    sys::rd_kafka_AdminOptions_destroy
);
handle!(
    /// A temporary `rd_kafka_queue_t` that receives one request's result.
    QueueHandle,
    sys::rd_kafka_queue_t,
    sys::rd_kafka_queue_destroy
);
handle!(
    /// An `rd_kafka_event_t`; the result objects read from it live as long as it does.
    EventHandle,
    sys::rd_kafka_event_t,
    sys::rd_kafka_event_destroy
);

/// The native options of one request, built from an [`AdminOptions`].
pub(super) struct Options(OptionsHandle);

impl Options {
    /// Applies every option that is set; one the operation does not take is an
    /// `_INVALID_ARG` error naming it (from librdkafka's own per-operation checks).
    pub(super) fn new(client: &NativeClient, op: Op, o: &AdminOptions) -> Result<Options> {
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
    pub(super) fn new(client: &NativeClient) -> Queue {
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
