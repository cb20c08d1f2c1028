//! [`AdminClient`], mirroring `confluent_kafka.admin.AdminClient`: topics, partitions,
//! configurations, ACLs, consumer groups and their offsets, offsets and records, SCRAM users
//! and leader elections.
//!
//! Every operation is one blocking call that takes its arguments and an [`AdminOptions`]
//! (Python's keyword arguments: `request_timeout`, `operation_timeout`, `validate_only`, ...)
//! and returns:
//!
//! - an outer `Err` when the request as a whole failed: bad arguments (caught before anything
//!   is sent, with an `_INVALID_ARG` error naming the problem), no broker answering in time
//!   (`_TIMED_OUT`), or a broker that does not support the operation (`_UNSUPPORTED_FEATURE`).
//!   Python raises these from every future of the call;
//! - otherwise one result per requested item, keyed like the dict of futures Python returns
//!   (topic name, group id, [`TopicPartition`](crate::TopicPartition), ...), each `Ok` or that item's own
//!   [`KafkaError`].
//!
//! Results are plain Rust values, independent of the client.
//!
//! ```no_run
//! use rkafka::admin::{AdminClient, AdminOptions, NewTopic};
//! use std::time::Duration;
//! # fn main() -> rkafka::Result<()> {
//! let admin = AdminClient::new(rkafka::Config::from([("bootstrap.servers", "localhost:9092")]))?;
//! let options = AdminOptions::new().request_timeout(Duration::from_secs(15));
//! for (topic, result) in admin.create_topics(&[NewTopic::new("orders", 3, 1)], &options)? {
//!     match result {
//!         Ok(()) => println!("Topic {topic} created"),
//!         Err(e) => println!("Failed to create topic {topic}: {e}"),
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! | confluent-kafka-python `AdminClient` | rkafka |
//! |---|---|
//! | `AdminClient(conf)` | [`AdminClient::new`], [`AdminClient::builder`] for callables |
//! | `create_topics(new_topics, ...)` | [`AdminClient::create_topics`] with [`NewTopic`] |
//! | `delete_topics(topics, ...)` | [`AdminClient::delete_topics`] |
//! | `create_partitions(new_partitions, ...)` | [`AdminClient::create_partitions`] with [`NewPartitions`] |
//! | `describe_configs`, `alter_configs`, `incremental_alter_configs` | [`AdminClient::describe_configs`], [`AdminClient::alter_configs`], [`AdminClient::incremental_alter_configs`] with [`ConfigResource`] |
//! | `create_acls`, `describe_acls`, `delete_acls` | [`AdminClient::create_acls`], [`AdminClient::describe_acls`], [`AdminClient::delete_acls`] with [`AclBinding`], [`AclBindingFilter`] |
//! | `list_consumer_groups`, `describe_consumer_groups`, `delete_consumer_groups` | [`AdminClient::list_consumer_groups`], [`AdminClient::describe_consumer_groups`], [`AdminClient::delete_consumer_groups`] |
//! | `list_consumer_group_offsets`, `alter_consumer_group_offsets` | [`AdminClient::list_consumer_group_offsets`], [`AdminClient::alter_consumer_group_offsets`] |
//! | `describe_topics`, `describe_cluster` | [`AdminClient::describe_topics`], [`AdminClient::describe_cluster`] |
//! | `list_offsets`, `delete_records` | [`AdminClient::list_offsets`] with [`OffsetSpec`], [`AdminClient::delete_records`] |
//! | `describe_user_scram_credentials`, `alter_user_scram_credentials` | [`AdminClient::describe_user_scram_credentials`], [`AdminClient::alter_user_scram_credentials`] |
//! | `elect_leaders(election_type, partitions)` | [`AdminClient::elect_leaders`] |
//! | `list_topics(topic, timeout)`, `list_groups(group, timeout)` | [`AdminClient::list_topics`], [`AdminClient::list_groups`] |
//! | `poll(timeout)`, `set_sasl_credentials(u, p)` | [`AdminClient::poll`], [`AdminClient::set_sasl_credentials`] |

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::time::{Duration, Instant};

use rdkafka_sys::bindings as sys;

use crate::client::{common_builder_methods, CommonCallbacks, NativeClient, Spec};
use crate::config::Config;
use crate::error::cstring;
use crate::error::{ErrorCode, KafkaError, Result};
use crate::metadata::ClusterMetadata;
use crate::util::{cstr_lossy, errbuf_str, Timeout};

/// Defines a public enum that mirrors a librdkafka C enum (and the Python enum of the same
/// name). Each variant is tied to a `RKAFKA_CONST` of wrapper.h, so the values are checked
/// against rdkafka.h by the C compiler; values this librdkafka does not know map to the
/// fallback variant instead of becoming undefined behaviour.
macro_rules! c_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident (fallback $fallback:ident) {
            $( $(#[$vmeta:meta])* $variant:ident = $konst:ident => $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// librdkafka's (and Python's `.value`) integer value.
            pub fn raw(self) -> i32 {
                match self {
                    $( $name::$variant => crate::consts::$konst as i32, )+
                }
            }

            /// From librdkafka's integer value; a value this version does not know gives the
            #[doc = concat!("`", stringify!($fallback), "` variant.")]
            pub fn from_raw(raw: i32) -> $name {
                $( if raw == crate::consts::$konst as i32 { return $name::$variant; } )+
                $name::$fallback
            }

            /// Python's member name, e.g. `TOPIC`.
            pub fn name(self) -> &'static str {
                match self {
                    $( $name::$variant => $text, )+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }

        impl std::str::FromStr for $name {
            type Err = crate::error::KafkaError;
            /// Parses Python's member name, case-insensitively and with `-` for `_`
            /// (`topic`, `TOPIC`, `SCRAM-SHA-256`).
            fn from_str(s: &str) -> crate::error::Result<$name> {
                let wanted = s.replace('-', "_");
                $( if wanted.eq_ignore_ascii_case($text) { return Ok($name::$variant); } )+
                Err(crate::error::KafkaError::invalid_arg(format!(
                    concat!("unknown ", stringify!($name), " {:?} (expected one of {})"),
                    s,
                    [$($text),+].join(", ")
                )))
            }
        }
    };
}

mod acl;
mod configs;
mod groups;
mod native;
mod offsets;
mod scram;
mod topics;

pub use acl::{AclBinding, AclBindingFilter, AclOperation, AclPermissionType, ResourcePatternType};
pub use configs::{
    AlterConfigOpType, ConfigEntries, ConfigEntry, ConfigResource, ConfigSource, ResourceKey,
    ResourceType,
};
pub use groups::{
    ConsumerGroupDescription, ConsumerGroupListing, ConsumerGroupState,
    ConsumerGroupTopicPartitions, ConsumerGroupType, GroupMember, GroupMetadata,
    ListConsumerGroupsResult, MemberDescription,
};
pub use offsets::{
    DeletedRecords, ElectionType, IsolationLevel, ListOffsetsResultInfo, OffsetSpec,
};
pub use scram::{
    ScramCredentialInfo, ScramMechanism, UserScramCredentialAlteration,
    UserScramCredentialsDescription,
};
pub use topics::{
    DescribeClusterResult, NewPartitions, NewTopic, Node, TopicDescription, TopicPartitionInfo,
    Uuid,
};

use native::{Event, Queue};

/// The per-call options of every admin operation: confluent-kafka-python's keyword arguments.
///
/// Each option applies only to some operations (as in Python and librdkafka); setting one that
/// the operation does not take (e.g. `validate_only` on `delete_topics`) makes the call fail
/// with `_INVALID_ARG` before anything is sent.
///
/// ```
/// use rkafka::admin::AdminOptions;
/// use std::time::Duration;
/// let o = AdminOptions::new()
///     .request_timeout(Duration::from_secs(10))
///     .operation_timeout(Duration::from_secs(30))
///     .validate_only(true);
/// assert_eq!(o.request_timeout, Some(Duration::from_secs(10)));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct AdminOptions {
    /// Python: `request_timeout`: the overall bound, including broker lookup, transmission,
    /// the broker's work and the response. Default `socket.timeout.ms` (60 s). At most 1 h.
    /// The call returns `_TIMED_OUT` after it.
    pub request_timeout: Option<Duration>,
    /// Python: `operation_timeout` (create/delete topics, create partitions, delete records,
    /// list offsets, elect leaders): how long the broker waits for the change to propagate;
    /// zero returns at once. At most 1 h.
    pub operation_timeout: Option<Duration>,
    /// Python: `validate_only` (create topics, create partitions, alter configs): the broker
    /// only validates the request.
    pub validate_only: bool,
    /// Python: `broker` (incremental_alter_configs; librdkafka takes it everywhere): the broker
    /// id to send the request to instead of the controller.
    pub broker: Option<i32>,
    /// Python: `require_stable` (list_consumer_group_offsets): only offsets of committed
    /// transactions.
    pub require_stable: bool,
    /// Python: `include_authorized_operations` (describe consumer groups, topics and cluster).
    pub include_authorized_operations: bool,
    /// Python: `isolation_level` (list_offsets).
    pub isolation_level: Option<IsolationLevel>,
    /// Python: `states` (list_consumer_groups): only groups in these states.
    pub states: Vec<ConsumerGroupState>,
    /// Python: `types` (list_consumer_groups): only groups of these types.
    pub types: Vec<ConsumerGroupType>,
}

impl AdminOptions {
    /// No option set: librdkafka's defaults.
    pub fn new() -> AdminOptions {
        AdminOptions::default()
    }

    /// Sets [`AdminOptions::request_timeout`].
    pub fn request_timeout(mut self, timeout: Duration) -> AdminOptions {
        self.request_timeout = Some(timeout);
        self
    }

    /// Sets [`AdminOptions::operation_timeout`].
    pub fn operation_timeout(mut self, timeout: Duration) -> AdminOptions {
        self.operation_timeout = Some(timeout);
        self
    }

    /// Sets [`AdminOptions::validate_only`].
    pub fn validate_only(mut self, validate_only: bool) -> AdminOptions {
        self.validate_only = validate_only;
        self
    }

    /// Sets [`AdminOptions::broker`].
    pub fn broker(mut self, broker_id: i32) -> AdminOptions {
        self.broker = Some(broker_id);
        self
    }

    /// Sets [`AdminOptions::require_stable`].
    pub fn require_stable(mut self, require_stable: bool) -> AdminOptions {
        self.require_stable = require_stable;
        self
    }

    /// Sets [`AdminOptions::include_authorized_operations`].
    pub fn include_authorized_operations(mut self, include: bool) -> AdminOptions {
        self.include_authorized_operations = include;
        self
    }

    /// Sets [`AdminOptions::isolation_level`].
    pub fn isolation_level(mut self, level: IsolationLevel) -> AdminOptions {
        self.isolation_level = Some(level);
        self
    }

    /// Sets [`AdminOptions::states`].
    pub fn states(mut self, states: impl IntoIterator<Item = ConsumerGroupState>) -> AdminOptions {
        self.states = states.into_iter().collect();
        self
    }

    /// Sets [`AdminOptions::types`].
    pub fn types(mut self, types: impl IntoIterator<Item = ConsumerGroupType>) -> AdminOptions {
        self.types = types.into_iter().collect();
        self
    }
}

/// Builds an [`AdminClient`] with callbacks: the callable entries of a confluent-kafka-python
/// config dict (`error_cb`, `throttle_cb`, `stats_cb`, `logger`). Error, throttle and
/// statistics callbacks are served on the thread running an admin call (or
/// [`AdminClient::poll`]).
pub struct AdminClientBuilder {
    config: Config,
    common: CommonCallbacks,
}

impl AdminClientBuilder {
    common_builder_methods!();

    /// Creates the client; librdkafka validates the configuration and every problem is
    /// reported at once.
    pub fn build(self) -> Result<AdminClient> {
        // Python's AdminClient is a producer-type handle too; nothing is produced with it.
        let client = NativeClient::new(
            Spec {
                rd_type: sys::rd_kafka_type_t::RD_KAFKA_PRODUCER,
                config: &self.config,
                common: self.common,
                state: (),
                teardown_bound: TEARDOWN_BOUND,
            },
            |_| {},
        )?;
        let default_request_timeout = self
            .config
            .get("socket.timeout.ms")
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map_or(Duration::from_secs(60), Duration::from_millis);
        Ok(AdminClient {
            client,
            default_request_timeout,
        })
    }
}

impl Debug for AdminClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminClientBuilder")
            .field("config", &self.config)
            .field("callbacks", &self.common)
            .finish()
    }
}

/// A Kafka admin client, mirroring `confluent_kafka.admin.AdminClient`.
///
/// `Send + Sync`: share one client between threads; each call uses its own result queue.
/// Every operation blocks until its result arrives, bounded by the request timeout (plus a
/// few seconds of slack for librdkafka to report it). See the [module docs](self) for the
/// result shape.
pub struct AdminClient {
    client: NativeClient<()>,
    /// librdkafka's default request timeout (`socket.timeout.ms`), for bounding waits.
    default_request_timeout: Duration,
}

/// How long past its request timeout a call waits for librdkafka to report the timeout.
const SLACK: Duration = Duration::from_secs(5);

/// How long dropping an admin client waits for librdkafka's teardown (then it goes on in the
/// background).
const TEARDOWN_BOUND: Duration = Duration::from_secs(5);

/// One librdkafka admin operation: its options kind, result event type and Python name.
#[derive(Debug, Clone, Copy)]
struct Op {
    api: sys::rd_kafka_admin_op_t,
    event: i64,
    name: &'static str,
}

impl AdminClient {
    /// Python: `AdminClient(conf)` (without callables; see [`AdminClient::builder`]).
    pub fn new(config: impl Into<Config>) -> Result<AdminClient> {
        AdminClient::builder(config).build()
    }

    /// A builder for an admin client with callbacks.
    pub fn builder(config: impl Into<Config>) -> AdminClientBuilder {
        AdminClientBuilder {
            config: config.into(),
            common: CommonCallbacks::default(),
        }
    }

    /// The client instance name, e.g. `rdkafka#producer-1`.
    pub fn name(&self) -> &str {
        self.client.name()
    }

    /// Python: `poll(timeout)`: serves queued error, throttle and statistics callbacks; returns
    /// how many events were served. Admin calls also serve them while they wait.
    pub fn poll(&self, timeout: impl Into<Timeout>) -> usize {
        self.client.poll(timeout.into())
    }

    /// Python (2.13+): `cluster_id(timeout)`: the cluster's id from the brokers' metadata;
    /// `_TIMED_OUT` (as Python raises) if it could not be fetched within `timeout`.
    pub fn cluster_id(&self, timeout: impl Into<Timeout>) -> Result<String> {
        self.client.cluster_id(timeout.into())
    }

    /// Python: `list_topics(topic=None, timeout=-1)`: cluster metadata.
    pub fn list_topics(
        &self,
        topic: Option<&str>,
        timeout: impl Into<Timeout>,
    ) -> Result<ClusterMetadata> {
        ClusterMetadata::fetch(self.client.handle(), topic, timeout.into())
    }

    /// Python: `set_sasl_credentials(username, password)`: new SASL PLAIN/SCRAM credentials
    /// for the next (re)authentication.
    pub fn set_sasl_credentials(&self, username: &str, password: &str) -> Result<()> {
        self.client.set_sasl_credentials(username, password)
    }

    /// Runs one admin request: builds its native options, lets `submit` enqueue it on a
    /// private queue, and waits (bounded) for its result event. A request-level error (the
    /// event's error) becomes `Err`.
    fn request(
        &self,
        op: Op,
        options: &AdminOptions,
        submit: impl FnOnce(
            *mut sys::rd_kafka_t,
            *const sys::rd_kafka_AdminOptions_t,
            *mut sys::rd_kafka_queue_t,
        ),
    ) -> Result<Event> {
        let native_options = native::Options::new(self.client.handle(), op, options)?;
        let queue = Queue::new(self.client.handle());
        submit(self.client.ptr(), native_options.ptr(), queue.ptr());
        drop(native_options);
        let bound = options
            .request_timeout
            .unwrap_or(self.default_request_timeout)
            .max(options.operation_timeout.unwrap_or(Duration::ZERO))
            .saturating_add(SLACK);
        // At most about an hour: librdkafka refuses longer timeouts (checked above), and
        // socket.timeout.ms is at most 5 minutes.
        let deadline = Instant::now() + bound;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(KafkaError::new(
                    ErrorCode::TimedOut,
                    format!(
                        "{}: librdkafka reported no result within {bound:?}",
                        op.name
                    ),
                ));
            }
            let event = queue.poll(left.min(Duration::from_millis(100)));
            // Serve error/throttle/stats callbacks on this thread; resumes their panics.
            self.client.poll(Timeout::After(Duration::ZERO));
            let Some(event) = event else { continue };
            if event.kind() != op.event {
                log::debug!(
                    target: "rkafka",
                    "{}: ignoring unexpected event type {} on the admin result queue",
                    op.name,
                    event.kind()
                );
                continue;
            }
            if let Some(e) = event.error() {
                return Err(KafkaError::new(
                    e.code(),
                    self.client.context().scrub(e.str()).into_owned(),
                ));
            }
            return Ok(event);
        }
    }
}

impl Debug for AdminClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminClient")
            .field("name", &self.client.name())
            .finish()
    }
}

/// An `_INVALID_ARG` error for `op`.
#[cold]
fn invalid(op: &str, message: impl std::fmt::Display) -> KafkaError {
    KafkaError::invalid_arg(format!("{op}: {message}"))
}

/// Fails with `_INVALID_ARG` when `items` is empty.
fn require_some<T>(op: &str, items: &[T], what: &str) -> Result<()> {
    if items.is_empty() {
        Err(invalid(op, format!("expected at least one {what}")))
    } else {
        Ok(())
    }
}

/// Fails with `_INVALID_ARG` at the first key that appears twice.
fn require_unique<K: Ord + Debug>(
    op: &str,
    what: &str,
    keys: impl IntoIterator<Item = K>,
) -> Result<()> {
    let mut seen = std::collections::BTreeSet::new();
    for k in keys {
        if seen.contains(&k) {
            return Err(invalid(
                op,
                format!("duplicate {what} {k:?} in one request"),
            ));
        }
        seen.insert(k);
    }
    Ok(())
}

/// A C string for a name that must not be empty.
fn name_cstring(op: &str, what: &str, s: &str) -> Result<std::ffi::CString> {
    if s.is_empty() {
        return Err(invalid(op, format!("{what} must not be empty")));
    }
    cstring(what, s).map_err(|e| invalid(op, e.str()))
}

/// Pairs each requested key with its result; a key the response lacks gets a `_FAIL` error
/// (Python raises `RuntimeError` there), and results for keys not requested are kept.
fn collect<K: Ord + Debug + Clone, V>(
    op: &str,
    requested: impl IntoIterator<Item = K>,
    got: Vec<(K, Result<V>)>,
) -> BTreeMap<K, Result<V>> {
    let mut out: BTreeMap<K, Result<V>> = got.into_iter().collect();
    for k in requested {
        if let std::collections::btree_map::Entry::Vacant(slot) = out.entry(k) {
            let e = KafkaError::new(
                ErrorCode::Fail,
                format!("{op}: the response has no result for {:?}", slot.key()),
            );
            slot.insert(Err(e));
        }
    }
    out
}

/// An owned copy of a borrowed `rd_kafka_error_t` (owned by a result event).
///
/// # Safety
/// `err` must be null or a valid `rd_kafka_error_t` for the duration of the call.
unsafe fn borrowed_error(err: *const sys::rd_kafka_error_t) -> Option<KafkaError> {
    if err.is_null() {
        return None;
    }
    // SAFETY: err is valid (caller contract); the code is read as a plain int and the string
    // is copied before returning.
    let (code, message) = unsafe {
        (
            crate::ffi::error_code(err),
            cstr_lossy(sys::rd_kafka_error_string(err)).into_owned(),
        )
    };
    (code != 0).then(|| error_with(code, message))
}

/// A `KafkaError` from a raw code and librdkafka's message (its description when empty).
#[cold]
fn error_with(code: i32, message: String) -> KafkaError {
    let code = ErrorCode::from_raw(code);
    if message.is_empty() {
        KafkaError::from_code(code)
    } else {
        KafkaError::new(code, message)
    }
}

/// Reads librdkafka's `errstr` buffer into an `_INVALID_ARG` error for `op`.
#[cold]
fn invalid_from_errbuf(op: &str, errbuf: &[libc::c_char]) -> KafkaError {
    invalid(op, errbuf_str(errbuf))
}

/// A C array of `n` pointers as a slice (empty for null).
///
/// # Safety
/// `p` must be null or point to `n` readable pointers that stay valid for `'a`.
unsafe fn c_array<'a, T>(p: *const *const T, n: usize) -> &'a [*const T] {
    if p.is_null() || n == 0 {
        &[]
    } else {
        // SAFETY: caller contract.
        unsafe { std::slice::from_raw_parts(p, n) }
    }
}

/// Copies a nullable C string.
///
/// # Safety
/// `p` must be null or a NUL-terminated string valid for the call.
unsafe fn opt_string(p: *const libc::c_char) -> Option<String> {
    if p.is_null() {
        None
    } else {
        // SAFETY: caller contract.
        Some(unsafe { cstr_lossy(p) }.into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_round_trip_through_their_c_values() {
        for t in [
            ResourceType::Unknown,
            ResourceType::Any,
            ResourceType::Topic,
            ResourceType::Group,
            ResourceType::Broker,
            ResourceType::TransactionalId,
        ] {
            assert_eq!(ResourceType::from_raw(t.raw()), t);
            assert_eq!(t.name().parse::<ResourceType>().unwrap(), t);
        }
        assert_eq!(ResourceType::Topic.raw(), 2);
        assert_eq!(ResourceType::from_raw(99), ResourceType::Unknown);
        assert_eq!(ConfigSource::from_raw(6), ConfigSource::UnknownConfig);
        assert_eq!(AclOperation::from_raw(12), AclOperation::IdempotentWrite);
        assert_eq!(ConsumerGroupState::from_raw(3), ConsumerGroupState::Stable);
        assert_eq!(ScramMechanism::from_raw(2), ScramMechanism::ScramSha512);
        assert_eq!(
            "scram-sha-256".parse::<ScramMechanism>().unwrap(),
            ScramMechanism::ScramSha256
        );
        let e = "nope".parse::<AclOperation>().unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidArg);
        assert!(e.str().contains("READ"), "{e}");
    }

    #[test]
    fn uniqueness_and_collection() {
        assert!(require_unique("op", "topic", ["a", "b"]).is_ok());
        let e = require_unique("op", "topic", ["a", "b", "a"]).unwrap_err();
        assert_eq!(e.str(), "op: duplicate topic \"a\" in one request");
        let m = collect(
            "op",
            ["a".to_string(), "b".to_string()],
            vec![("a".to_string(), Ok(()))],
        );
        assert!(m["a"].is_ok());
        assert_eq!(m["b"].as_ref().unwrap_err().code(), ErrorCode::Fail);
    }

    #[test]
    fn auto_traits() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<AdminClient>();
        assert_send_sync::<AdminOptions>();
        assert_send_sync::<NewTopic>();
        assert_send_sync::<ConfigResource>();
        assert_send_sync::<ConsumerGroupDescription>();
    }
}
