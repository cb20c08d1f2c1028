//! Every librdkafka function rkafka declares itself instead of taking it from rdkafka-sys.
//!
//! rdkafka-sys generates C enums as Rust enums (`--rustified-enum`), so a value it does not know
//! (a newer broker's error code, a newer librdkafka's config source) would be undefined
//! behaviour the moment it is read. The functions below take and return those enums as plain
//! `int`s instead: each enum crosses as one of the aliases at the top, named after its C type.
//!
//! The build checks every declaration here against the linked `rdkafka.h`: build.rs reads this
//! file, turns each signature into its C type (an alias into the C enum it names) and compiles
//! `_Static_assert(__builtin_types_compatible_p(__typeof__(&c_function), <that type>))` with the
//! C compiler, plus `sizeof(enum) == sizeof(int)` for every alias. A wrong arity, a missing
//! `const` or a wrong integer width fails the build instead of becoming undefined behaviour.
//! The format build.rs parses: one `pub(crate) type Name = c_int; // C: c_type` line per alias,
//! one `pub(crate) type Name = unsafe extern "C" fn(..);` per callback type, and in the
//! `extern` block a `#[link_name = "c_name"]` line before each `pub(crate) fn`.

use libc::{c_char, c_int, c_uchar, c_void};
use rdkafka_sys::bindings as sys;

pub(crate) type RespErr = c_int; // C: rd_kafka_resp_err_t
pub(crate) type ResourceType = c_int; // C: rd_kafka_ResourceType_t
pub(crate) type ResourcePatternType = c_int; // C: rd_kafka_ResourcePatternType_t
pub(crate) type AclOperation = c_int; // C: rd_kafka_AclOperation_t
pub(crate) type AclPermissionType = c_int; // C: rd_kafka_AclPermissionType_t
pub(crate) type ConfigSource = c_int; // C: rd_kafka_ConfigSource_t
pub(crate) type AlterConfigOpType = c_int; // C: rd_kafka_AlterConfigOpType_t
pub(crate) type GroupState = c_int; // C: rd_kafka_consumer_group_state_t
pub(crate) type GroupType = c_int; // C: rd_kafka_consumer_group_type_t
pub(crate) type ScramMechanism = c_int; // C: rd_kafka_ScramMechanism_t
pub(crate) type ElectionType = c_int; // C: rd_kafka_ElectionType_t
pub(crate) type IsolationLevel = c_int; // C: rd_kafka_IsolationLevel_t

/// The rebalance and offset-commit callbacks: `(rk, err, partitions, opaque)`.
pub(crate) type PartitionsCb = unsafe extern "C" fn(
    *mut sys::rd_kafka_t,
    RespErr,
    *mut sys::rd_kafka_topic_partition_list_t,
    *mut c_void,
);

extern "C" {
    // Errors.
    #[link_name = "rd_kafka_err2str"]
    pub(crate) fn err2str(err: RespErr) -> *const c_char;
    #[link_name = "rd_kafka_error_code"]
    pub(crate) fn error_code(err: *const sys::rd_kafka_error_t) -> RespErr;
    #[link_name = "rd_kafka_last_error"]
    pub(crate) fn last_error() -> RespErr;
    #[link_name = "rd_kafka_fatal_error"]
    pub(crate) fn fatal_error(
        rk: *mut sys::rd_kafka_t,
        errstr: *mut c_char,
        errstr_size: usize,
    ) -> RespErr;

    // Events.
    #[link_name = "rd_kafka_event_error"]
    pub(crate) fn event_error(ev: *mut sys::rd_kafka_event_t) -> RespErr;

    // Consumer.
    #[link_name = "rd_kafka_conf_set_rebalance_cb"]
    pub(crate) fn conf_set_rebalance_cb(conf: *mut sys::rd_kafka_conf_t, cb: Option<PartitionsCb>);
    #[link_name = "rd_kafka_conf_set_offset_commit_cb"]
    pub(crate) fn conf_set_offset_commit_cb(
        conf: *mut sys::rd_kafka_conf_t,
        cb: Option<PartitionsCb>,
    );
    #[link_name = "rd_kafka_commit_queue"]
    pub(crate) fn commit_queue(
        rk: *mut sys::rd_kafka_t,
        offsets: *const sys::rd_kafka_topic_partition_list_t,
        rkqu: *mut sys::rd_kafka_queue_t,
        cb: Option<PartitionsCb>,
        opaque: *mut c_void,
    ) -> RespErr;
    #[link_name = "rd_kafka_list_groups"]
    pub(crate) fn list_groups(
        rk: *mut sys::rd_kafka_t,
        group: *const c_char,
        grplistp: *mut *const sys::rd_kafka_group_list,
        timeout_ms: c_int,
    ) -> RespErr;

    // Mock cluster.
    #[link_name = "rd_kafka_mock_push_request_errors_array"]
    pub(crate) fn mock_push_request_errors_array(
        mcluster: *mut sys::rd_kafka_mock_cluster_t,
        api_key: i16,
        cnt: usize,
        errors: *const RespErr,
    );
    #[link_name = "rd_kafka_mock_broker_push_request_error_rtts"]
    pub(crate) fn mock_broker_push_request_error_rtts(
        mcluster: *mut sys::rd_kafka_mock_cluster_t,
        broker_id: i32,
        api_key: i16,
        cnt: usize,
        ...
    ) -> RespErr;

    // Admin options.
    #[link_name = "rd_kafka_AdminOptions_set_request_timeout"]
    pub(crate) fn options_set_request_timeout(
        o: *mut sys::rd_kafka_AdminOptions_t,
        ms: c_int,
        errstr: *mut c_char,
        errstr_size: usize,
    ) -> RespErr;
    #[link_name = "rd_kafka_AdminOptions_set_operation_timeout"]
    pub(crate) fn options_set_operation_timeout(
        o: *mut sys::rd_kafka_AdminOptions_t,
        ms: c_int,
        errstr: *mut c_char,
        errstr_size: usize,
    ) -> RespErr;
    #[link_name = "rd_kafka_AdminOptions_set_validate_only"]
    pub(crate) fn options_set_validate_only(
        o: *mut sys::rd_kafka_AdminOptions_t,
        on: c_int,
        errstr: *mut c_char,
        errstr_size: usize,
    ) -> RespErr;
    #[link_name = "rd_kafka_AdminOptions_set_broker"]
    pub(crate) fn options_set_broker(
        o: *mut sys::rd_kafka_AdminOptions_t,
        broker_id: i32,
        errstr: *mut c_char,
        errstr_size: usize,
    ) -> RespErr;
    #[link_name = "rd_kafka_AdminOptions_set_isolation_level"]
    pub(crate) fn options_set_isolation_level(
        o: *mut sys::rd_kafka_AdminOptions_t,
        level: IsolationLevel,
    ) -> *mut sys::rd_kafka_error_t;
    #[link_name = "rd_kafka_AdminOptions_set_match_consumer_group_states"]
    pub(crate) fn options_set_match_consumer_group_states(
        o: *mut sys::rd_kafka_AdminOptions_t,
        states: *const GroupState,
        cnt: usize,
    ) -> *mut sys::rd_kafka_error_t;
    #[link_name = "rd_kafka_AdminOptions_set_match_consumer_group_types"]
    pub(crate) fn options_set_match_consumer_group_types(
        o: *mut sys::rd_kafka_AdminOptions_t,
        types: *const GroupType,
        cnt: usize,
    ) -> *mut sys::rd_kafka_error_t;

    // Topics and partitions.
    #[link_name = "rd_kafka_topic_result_error"]
    pub(crate) fn topic_result_error(r: *const sys::rd_kafka_topic_result_t) -> RespErr;
    #[link_name = "rd_kafka_NewTopic_set_replica_assignment"]
    pub(crate) fn new_topic_set_replica_assignment(
        t: *mut sys::rd_kafka_NewTopic_t,
        partition: i32,
        broker_ids: *mut i32,
        cnt: usize,
        errstr: *mut c_char,
        errstr_size: usize,
    ) -> RespErr;
    #[link_name = "rd_kafka_NewTopic_set_config"]
    pub(crate) fn new_topic_set_config(
        t: *mut sys::rd_kafka_NewTopic_t,
        name: *const c_char,
        value: *const c_char,
    ) -> RespErr;
    #[link_name = "rd_kafka_NewPartitions_set_replica_assignment"]
    pub(crate) fn new_partitions_set_replica_assignment(
        p: *mut sys::rd_kafka_NewPartitions_t,
        idx: i32,
        broker_ids: *mut i32,
        cnt: usize,
        errstr: *mut c_char,
        errstr_size: usize,
    ) -> RespErr;

    // Configs.
    #[link_name = "rd_kafka_ConfigResource_new"]
    pub(crate) fn config_resource_new(
        restype: ResourceType,
        name: *const c_char,
    ) -> *mut sys::rd_kafka_ConfigResource_t;
    #[link_name = "rd_kafka_ConfigResource_set_config"]
    pub(crate) fn config_resource_set_config(
        r: *mut sys::rd_kafka_ConfigResource_t,
        name: *const c_char,
        value: *const c_char,
    ) -> RespErr;
    #[link_name = "rd_kafka_ConfigResource_add_incremental_config"]
    pub(crate) fn config_resource_add_incremental_config(
        r: *mut sys::rd_kafka_ConfigResource_t,
        name: *const c_char,
        op: AlterConfigOpType,
        value: *const c_char,
    ) -> *mut sys::rd_kafka_error_t;
    #[link_name = "rd_kafka_ConfigResource_type"]
    pub(crate) fn config_resource_type(r: *const sys::rd_kafka_ConfigResource_t) -> ResourceType;
    #[link_name = "rd_kafka_ConfigResource_error"]
    pub(crate) fn config_resource_error(r: *const sys::rd_kafka_ConfigResource_t) -> RespErr;
    #[link_name = "rd_kafka_ConfigEntry_source"]
    pub(crate) fn config_entry_source(e: *const sys::rd_kafka_ConfigEntry_t) -> ConfigSource;

    // ACLs.
    #[link_name = "rd_kafka_AclBinding_new"]
    pub(crate) fn acl_binding_new(
        restype: ResourceType,
        name: *const c_char,
        pattern: ResourcePatternType,
        principal: *const c_char,
        host: *const c_char,
        operation: AclOperation,
        permission: AclPermissionType,
        errstr: *mut c_char,
        errstr_size: usize,
    ) -> *mut sys::rd_kafka_AclBinding_t;
    #[link_name = "rd_kafka_AclBindingFilter_new"]
    pub(crate) fn acl_binding_filter_new(
        restype: ResourceType,
        name: *const c_char,
        pattern: ResourcePatternType,
        principal: *const c_char,
        host: *const c_char,
        operation: AclOperation,
        permission: AclPermissionType,
        errstr: *mut c_char,
        errstr_size: usize,
    ) -> *mut sys::rd_kafka_AclBinding_t;
    #[link_name = "rd_kafka_AclBinding_restype"]
    pub(crate) fn acl_binding_restype(a: *const sys::rd_kafka_AclBinding_t) -> ResourceType;
    #[link_name = "rd_kafka_AclBinding_resource_pattern_type"]
    pub(crate) fn acl_binding_resource_pattern_type(
        a: *const sys::rd_kafka_AclBinding_t,
    ) -> ResourcePatternType;
    #[link_name = "rd_kafka_AclBinding_operation"]
    pub(crate) fn acl_binding_operation(a: *const sys::rd_kafka_AclBinding_t) -> AclOperation;
    #[link_name = "rd_kafka_AclBinding_permission_type"]
    pub(crate) fn acl_binding_permission_type(
        a: *const sys::rd_kafka_AclBinding_t,
    ) -> AclPermissionType;

    // Authorized operations and group states.
    #[link_name = "rd_kafka_TopicDescription_authorized_operations"]
    pub(crate) fn topic_description_authorized_operations(
        d: *const sys::rd_kafka_TopicDescription_t,
        cntp: *mut usize,
    ) -> *const AclOperation;
    #[link_name = "rd_kafka_DescribeCluster_result_authorized_operations"]
    pub(crate) fn describe_cluster_result_authorized_operations(
        r: *const sys::rd_kafka_DescribeCluster_result_t,
        cntp: *mut usize,
    ) -> *const AclOperation;
    #[link_name = "rd_kafka_ConsumerGroupDescription_authorized_operations"]
    pub(crate) fn group_description_authorized_operations(
        d: *const sys::rd_kafka_ConsumerGroupDescription_t,
        cntp: *mut usize,
    ) -> *const AclOperation;
    #[link_name = "rd_kafka_ConsumerGroupDescription_state"]
    pub(crate) fn group_description_state(
        d: *const sys::rd_kafka_ConsumerGroupDescription_t,
    ) -> GroupState;
    #[link_name = "rd_kafka_ConsumerGroupDescription_type"]
    pub(crate) fn group_description_type(
        d: *const sys::rd_kafka_ConsumerGroupDescription_t,
    ) -> GroupType;
    #[link_name = "rd_kafka_ConsumerGroupListing_state"]
    pub(crate) fn group_listing_state(l: *const sys::rd_kafka_ConsumerGroupListing_t)
        -> GroupState;
    #[link_name = "rd_kafka_ConsumerGroupListing_type"]
    pub(crate) fn group_listing_type(l: *const sys::rd_kafka_ConsumerGroupListing_t) -> GroupType;

    // SCRAM credentials and leader election.
    #[link_name = "rd_kafka_ScramCredentialInfo_mechanism"]
    pub(crate) fn scram_credential_info_mechanism(
        i: *const sys::rd_kafka_ScramCredentialInfo_t,
    ) -> ScramMechanism;
    #[link_name = "rd_kafka_UserScramCredentialUpsertion_new"]
    pub(crate) fn scram_upsertion_new(
        user: *const c_char,
        mechanism: ScramMechanism,
        iterations: i32,
        password: *const c_uchar,
        password_size: usize,
        salt: *const c_uchar,
        salt_size: usize,
    ) -> *mut sys::rd_kafka_UserScramCredentialAlteration_t;
    #[link_name = "rd_kafka_UserScramCredentialDeletion_new"]
    pub(crate) fn scram_deletion_new(
        user: *const c_char,
        mechanism: ScramMechanism,
    ) -> *mut sys::rd_kafka_UserScramCredentialAlteration_t;
    #[link_name = "rd_kafka_ElectLeaders_new"]
    pub(crate) fn elect_leaders_new(
        election_type: ElectionType,
        partitions: *mut sys::rd_kafka_topic_partition_list_t,
    ) -> *mut sys::rd_kafka_ElectLeaders_t;
}
